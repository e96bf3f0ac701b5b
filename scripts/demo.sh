#!/usr/bin/env bash
# make run: the local system on embedded defaults, in a temporary folder.
#
# A registry (Tessera POSIX log + bbolt) starts on loopback; a demo clinic is
# accredited in it; the clinic issues the demo record through it (a SMART
# Health Card and an SD-JWT VC, each anchored in the log, with its inclusion
# proof); a school fetches the signed trust bundle and verifies offline:
# VALID and anchored. The clinic revokes through the registry; with the
# refreshed bundle the school sees REVOKED. The registry is stopped on exit.
#
# Without a registry binary (bin/registry), the self-hosted story runs
# instead: the clinic publishes its own trust snapshot and CRL.
set -euo pipefail
bin="$(cd "${1:-bin}" && pwd)"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d -t immunopass-demo.XXXXXX)"
cd "$work"
export IMMUNOPASS_PASSPHRASE="${IMMUNOPASS_PASSPHRASE:-demo passphrase, not for real keys}"
cp "$root/assets/demo/record.json" record.json

bold() { printf '\n\033[1m== %s\033[0m\n' "$1"; }
step() { bold "$1"; printf '$ %s\n' "${*:2}"; "${@:2}"; }
expect_fail() {
  bold "$1"; printf '$ %s\n' "${*:2}"
  if "${@:2}"; then echo "demo: expected a failure" >&2; exit 1; fi
}

self_hosted() {
  local iss="https://clinic.example/shc"
  echo "ImmunoPass demo (self-hosted issuer: $bin/registry not built) in $work"
  step "1. The clinic creates its signing key (P-256, encrypted with a passphrase)" \
    "$bin/issuer" keygen --out clinic.key
  step "2. It issues the demo record (FHIR R4) as a SMART Health Card QR code" \
    "$bin/issuer" issue --key clinic.key --iss "$iss" --rid-user MRN-0042 --exp 1y --out card.png record.json
  step "3. It publishes a trust snapshot that verifiers install" \
    "$bin/issuer" snapshot --key clinic.key --iss "$iss" --name "Al Noor Family Clinic" --out trust.json
  step "4. The school scans the QR image (decode only)" \
    "$bin/verifier" decode card.png
  step "5. The school verifies it offline" \
    "$bin/verifier" verify --trust trust.json card.png
  step "6. The clinic revokes the patient's cards (a CRL entry, published with the JWKS)" \
    "$bin/issuer" crl --key clinic.key --site site --revoke-user MRN-0042
  step "7. The clinic republishes its trust snapshot with the CRL" \
    "$bin/issuer" snapshot --key clinic.key --iss "$iss" --name "Al Noor Family Clinic" --site site --out trust.json
  expect_fail "8. The school verifies the same QR again: REVOKED (exit status 1)" \
    "$bin/verifier" verify --trust trust.json card.png
  printf '\nEverything is in %s: card.png, trust.json, site/.well-known/.\n' "$work"
}

if [ ! -x "$bin/registry" ]; then
  self_hosted
  exit 0
fi

# A free loopback port: 8620 unless something answers there.
port="${IMMUNOPASS_DEMO_PORT:-8620}"
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
base="http://127.0.0.1:$port"
public="https://registry.example"   # the registry's public name: issuers' iss URLs live under it
data="$work/registry"
regpid=""
stop_registry() {
  if [ -n "$regpid" ] && kill -0 "$regpid" 2>/dev/null; then
    kill -TERM "$regpid" 2>/dev/null || true
    wait "$regpid" 2>/dev/null || true
    echo "registry stopped (log: $work/registry.log)"
  fi
  regpid=""
}
trap stop_registry EXIT
trap 'exit 130' INT TERM

echo "ImmunoPass demo (registry on $base) in $work"
step "1. The health authority initialises the registry: keys, empty log, trust policy" \
  "$bin/registry" init --data "$data" --url "$public"
bold "2. It starts the registry on loopback"
printf '$ %s\n' "$bin/registry serve --data $data --listen 127.0.0.1:$port &"
"$bin/registry" serve --data "$data" --listen "127.0.0.1:$port" >registry.log 2>&1 &
regpid=$!
for _ in $(seq 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$regpid" 2>/dev/null || { echo "demo: the registry did not start:" >&2; cat registry.log >&2; exit 1; }
  sleep 0.1
done
curl -fsS "$base/healthz" >/dev/null

step "3. The clinic creates its signing key" \
  "$bin/issuer" keygen --out clinic.key
"$bin/issuer" jwks --key clinic.key >clinic-jwks.json
iss="$public/issuers/alnoor"
step "4. The authority accredits the clinic with its public keys" \
  "$bin/registry" issuer add --data "$data" --registry "$base" --id alnoor --name "Al Noor Family Clinic" \
  --country AE --jwks clinic-jwks.json
# The wallet's holder key (the wallet app shows it as a QR code); a
# verifier key stands in for it here.
"$bin/verifier" keygen --out wallet.key >wallet.txt
did="$(grep -o 'did:key:z[1-9A-HJ-NP-Za-km-z]*' wallet.txt | head -1)"

step "5. The clinic issues the demo record through the registry: SMART Health Card + SD-JWT VC, anchored" \
  "$bin/issuer" issue --registry "$base" --key clinic.key --iss "$iss" --format both --holder "$did" \
  --rid-user MRN-0042 --exp 1y --region AE-DU --out card.png record.json
step "6. The school fetches the signed trust bundle (issuers, keys, status lists, cosigned checkpoint)" \
  curl -fsS -o bundle.jwt "$base/v1/bundle"
policy="$data/policy.json"
step "7. The school verifies offline: VALID and anchored in the log" \
  "$bin/verifier" verify --policy "$policy" --trust bundle.jwt --proof card.proof card.png
step "   … and the SD-JWT VC" \
  "$bin/verifier" verify --policy "$policy" --trust bundle.jwt --proof card.sdjwt.proof card.sdjwt
step "8. The clinic revokes the record through the registry" \
  "$bin/issuer" revoke --registry "$base" --key clinic.key --iss "$iss" --record MRN-0042
step "9. The school refreshes its bundle" \
  curl -fsS -o bundle.jwt "$base/v1/bundle"
expect_fail "10. The same card and SD-JWT VC now: REVOKED (exit status 1)" \
  "$bin/verifier" verify --policy "$policy" --trust bundle.jwt --proof card.proof card.png --proof card.sdjwt.proof card.sdjwt

cat <<EOF

The registry is running at $base until this script ends:
  $base/v1/bundle                      the signed offline trust bundle
  $base/log/checkpoint                 the log (C2SP tlog-tiles under /log/)
  $base/issuers/alnoor/.well-known/jwks.json
  $base/v1/stats.csv                   statistics (cells under 11 suppressed)
To verify offline, on any machine with the policy and a bundle:
  $bin/verifier verify --policy $policy --trust $work/bundle.jwt --proof $work/card.proof $work/card.png
Everything is in $work.
EOF
