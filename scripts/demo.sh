#!/usr/bin/env bash
# make run: the headless end-to-end story, in a temporary folder.
# A clinic makes a key, issues the demo record as a QR code, a school decodes
# and verifies it offline (VALID); the clinic revokes it; the school's
# verifier, with the refreshed trust file, says REVOKED.
set -euo pipefail
bin="$(cd "${1:-bin}" && pwd)"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d -t immunopass-demo.XXXXXX)"
cd "$work"
export IMMUNOPASS_PASSPHRASE="${IMMUNOPASS_PASSPHRASE:-demo passphrase, not for real keys}"
iss="https://clinic.example/shc"

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }
expect_fail() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; if "${@:2}"; then echo "demo: expected a failure" >&2; exit 1; fi; }

echo "ImmunoPass demo in $work"
cp "$root/assets/demo/record.json" record.json
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
