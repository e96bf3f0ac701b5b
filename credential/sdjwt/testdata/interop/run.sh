#!/usr/bin/env bash
# Runs the npm interop peers for SD-JWT VC (credential/sdjwt).
#
#   run.sh verify   --sdjwt FILE --issuer-jwk FILE [--nonce N --aud A] [--now SECS] [--status-token FILE] [--status-jwk FILE]
#   run.sh issue    --issuer-jwk-private FILE --holder-jwk FILE --claims FILE --frame FILE --vct URI --iss URL [--status-uri U --status-idx N] [--iat S] [--exp S]
#   run.sh present  --sdjwt FILE --holder-jwk-private FILE --nonce N --aud A [--keep claim,claim] [--iat S]
#   run.sh did      --did did:key:zDn…  |  --jwk FILE
#   run.sh gen-keys --out DIR [--names issuer,holder,verifier]
#   run.sh status   --issuer-jwk-private FILE --uri URI --size N [--bits B] [--set idx=val,…] [--iat S] [--exp S] [--ttl S]
#   run.sh rfc9901  [--check]      (rebuild/check ../rfc9901 from its source text; uses jose from here)
#   run.sh install  (npm ci from package-lock.json)
#
# Exit codes: the script's own (0 = it ran, whatever the verdict; 2 = usage),
# or 3 = skipped: node (>= 20) is not installed, or the node_modules could not
# be installed. Callers (Go tests) should treat 3 as "skip", not as failure.
# Everything but the script's one JSON line goes to stderr.
set -u
src="${BASH_SOURCE[0]}"
case "$src" in */*) dir="${src%/*}" ;; *) dir=. ;; esac
here="$(cd "$dir" && pwd)"

usage() {
  echo "usage: run.sh verify|issue|present|did|gen-keys|status|rfc9901|install ARGS…" >&2
  exit 2
}
[ $# -ge 1 ] || usage
cmd="$1"; shift
case "$cmd" in
  verify)   script="$here/verify.mjs" ;;
  issue)    script="$here/issue.mjs" ;;
  present)  script="$here/present.mjs" ;;
  did)      script="$here/did.mjs" ;;
  gen-keys) script="$here/gen-keys.mjs" ;;
  status)   script="$here/status.mjs" ;;
  rfc9901)  script="$here/../rfc9901/build.mjs" ;;
  install)  script= ;;
  *)        usage ;;
esac

# The node/npm checks and install every interop folder shares.
. "$here/../../../../internal/npmpeer/peer.sh"
npmpeer_ready "$here" "$script" @sd-jwt/sd-jwt-vc @sd-jwt/core @sd-jwt/crypto-nodejs @sd-jwt/jwt-status-list jose key-did-resolver did-resolver

exec node "$script" "$@"
