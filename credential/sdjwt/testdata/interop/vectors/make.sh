#!/usr/bin/env bash
# Regenerates the peer-made vectors in this folder (see README.md). ECDSA
# signatures and salts are random: every run gives different, equally valid
# files. Keys are kept if they exist (delete keys/ to make new ones).
set -euo pipefail
cd "$(dirname "$0")/.."
V=vectors
VCT=https://immunopass.example/vct/immunization-record/v1
ISS=https://issuer.immunopass.example
SURI=https://registry.immunopass.example/status/1
NONCE=n-0S6_WzA2Mj
j() { node -e 'const r=JSON.parse(require("fs").readFileSync(0,"utf8"));const v=r[process.argv[1]];if(v===undefined){console.error(JSON.stringify(r));process.exit(1)}process.stdout.write(typeof v==="string"?v:JSON.stringify(v))' "$1"; }

[ -f $V/keys/issuer.private.jwk.json ] || node gen-keys.mjs --out $V/keys --names issuer,holder,verifier > $V/gen-keys-output.json
AUD=$(node did.mjs --jwk $V/keys/verifier.public.jwk.json | j did)

node issue.mjs --issuer-jwk-private $V/keys/issuer.private.jwk.json --holder-jwk $V/keys/holder.public.jwk.json \
  --claims $V/claims.json --frame $V/frame.json --vct $VCT --iss $ISS --status-uri $SURI --status-idx 7 > $V/issue-output.json
j sdjwt < $V/issue-output.json > $V/peer.sdjwt

node present.mjs --sdjwt $V/peer.sdjwt --holder-jwk-private $V/keys/holder.private.jwk.json \
  --nonce $NONCE --aud "$AUD" --keep doses > $V/present-output.json
j presentation < $V/present-output.json > $V/peer-presentation.sdjwt

node status.mjs --issuer-jwk-private $V/keys/issuer.private.jwk.json --uri $SURI --size 16 --set 3=1,9=1 --ttl 43200 > $V/status-output.json
j token < $V/status-output.json > $V/status-valid.jwt
node status.mjs --issuer-jwk-private $V/keys/issuer.private.jwk.json --uri $SURI --size 16 --set 3=1,7=1,9=1 --ttl 43200 > $V/status-revoked-output.json
j token < $V/status-revoked-output.json > $V/status-revoked.jwt
echo "aud=$AUD" >&2
