#!/usr/bin/env bash
# make run: the local system on embedded defaults, in a temporary folder.
#
# A witness run by another agency and a registry (Tessera POSIX log + bbolt)
# start on loopback; the registry's log checkpoints need the witness's
# cosignature (quorum 1). A demo clinic is accredited in the registry and
# issues the demo record through it (a SMART Health Card and an SD-JWT VC,
# each anchored in the log, with its inclusion proof); a school fetches the
# signed trust bundle and verifies offline: VALID and anchored. The clinic
# revokes through the registry; with the refreshed bundle the school sees
# REVOKED; the school's web verifier serves the refreshed bundle; the clinic's own service
# (`issuer serve`: staff pages, EMR API) runs beside them with a demo administrator. The servers are stopped on exit
# (after Enter when interactive).
#
# Without a registry binary (bin/registry), the self-hosted story runs
# instead: the clinic publishes its own trust snapshot and CRL.
set -euo pipefail
bin="$(cd "${1:-bin}" && pwd)"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d -t immunopass-demo.XXXXXX)"
gui=""
if [ -x "$bin/wallet" ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${IMMUNOPASS_NO_GUI:-}" ]; then gui=1; fi
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

# Free loopback ports: 8620 and 8621 unless something answers there.
free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}
port="$(free_port "${IMMUNOPASS_DEMO_PORT:-8620}")"
wport="$(free_port $((port + 1)))"
vport="$(free_port $((wport + 1)))"
cport="$(free_port $((vport + 1)))"
base="http://127.0.0.1:$port"
wbase="http://127.0.0.1:$wport"
public="https://registry.example"   # the registry's public name: issuers' iss URLs live under it
data="$work/registry"
wdata="$work/witness"
regpid=""
witpid=""
webpid=""
clinicpid=""
stop() { # stop PID NAME LOG
  if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    echo "$2 stopped (log: $3)"
  fi
}
stop_all() {
  stop "$clinicpid" "clinic service" "$work/clinic.log"
  clinicpid=""
  stop "$webpid" "web verifier" "$work/web.log"
  webpid=""
  stop "$regpid" registry "$work/registry.log"
  regpid=""
  stop "$witpid" witness "$work/witness.log"
  witpid=""
}
trap stop_all EXIT
trap 'exit 130' INT TERM
wait_healthy() { # wait_healthy URL PID LOG NAME
  for _ in $(seq 100); do
    curl -fsS "$1/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "demo: the $4 did not start:" >&2; cat "$3" >&2; exit 1; }
    sleep 0.1
  done
  curl -fsS "$1/healthz" >/dev/null
}

echo "ImmunoPass demo (registry on $base, witness on $wbase) in $work"
step "1. A partner agency creates its witness key: its witness will cosign the registry's log checkpoints" \
  "$bin/registry" witness init --data "$wdata" --name witness.partner-agency.example | tee witness-init.txt
wkey="$(awk '/^witness key /{print $3}' witness-init.txt)"
# Tessera's own start-up notes (klog "I…" lines) go to registry-init.log.
bold "2. The health authority initialises the registry: keys, empty log, trust policy (1 witness, quorum 1)"
printf '$ %s\n' "$bin/registry init --data $data --url $public --witness $wbase=$wkey --quorum 1"
"$bin/registry" init --data "$data" --url "$public" --witness "$wbase=$wkey" --quorum 1 2>registry-init.log |
  tee registry-init.txt || { grep -v '^I[0-9]\{4\} ' registry-init.log >&2; exit 1; }
grep -v '^I[0-9]\{4\} ' registry-init.log >&2 || true
logkey="$(awk '/^log key /{print $3}' registry-init.txt)"
bold "3. The partner agency starts its witness for the registry's log; the authority starts the registry"
printf '$ %s\n' "$bin/registry witness serve --data $wdata --listen 127.0.0.1:$wport --log $logkey &"
"$bin/registry" witness serve --data "$wdata" --listen "127.0.0.1:$wport" --log "$logkey" >witness.log 2>&1 &
witpid=$!
wait_healthy "$wbase" "$witpid" witness.log witness
printf '$ %s\n' "$bin/registry serve --data $data --listen 127.0.0.1:$port &"
"$bin/registry" serve --data "$data" --listen "127.0.0.1:$port" >registry.log 2>&1 &
regpid=$!
wait_healthy "$base" "$regpid" registry.log registry

step "4. The clinic creates its signing key" \
  "$bin/issuer" keygen --out clinic.key
"$bin/issuer" jwks --key clinic.key >clinic-jwks.json
iss="$public/issuers/alnoor"
step "5. The authority accredits the clinic with its public keys" \
  "$bin/registry" issuer add --data "$data" --registry "$base" --id alnoor --name "Al Noor Family Clinic" \
  --country AE --jwks clinic-jwks.json
cp "$root/assets/demo/divoc-trust.json" foreign-issuers.json
step "   … and imports foreign issuers from a trust file: a (fictional) DIVOC issuer's Ed25519 key" \
  "$bin/registry" trustlist import foreign-issuers.json --data "$data" --registry "$base"
# The wallet's holder key (the wallet app shows it as a QR code). With a
# display and bin/wallet, a demo family's wallet is created and Amira's own
# key is used; headless, a verifier key stands in for it.
if [ -n "$gui" ]; then
  export IMMUNOPASS_WALLET_PASSPHRASE="demo wallet passphrase"
  # Fyne reads the language from LANG and complains about the C locale.
  case "${LANG:-C}" in C | C.* | POSIX) export LANG=en_US.UTF-8 ;; esac
  mkdir -p wallet-in
  step "   The family's wallet is created (five people, each with a holder key)" \
    "$bin/wallet" --seed wallet-in --wallet wallet.db
  did="$(cat wallet-in/holder-1.did)"
else
  "$bin/verifier" keygen --out wallet.key >wallet.txt
  did="$(grep -o 'did:key:z[1-9A-HJ-NP-Za-km-z]*' wallet.txt | head -1)"
fi

step "6. The clinic issues the demo record through the registry: SMART Health Card + SD-JWT VC, anchored" \
  "$bin/issuer" issue --registry "$base" --key clinic.key --iss "$iss" --format both --holder "$did" \
  --rid-user MRN-0042 --exp 1y --region AE-DU --out card.png record.json
step "7. The log's latest checkpoint, cosigned by the partner agency's witness (last line)" \
  curl -fsS "$base/log/cosigned-checkpoint"
step "8. The school fetches the signed trust bundle (issuers, keys, status lists, cosigned checkpoint)" \
  curl -fsS -o bundle.jwt "$base/v1/bundle"
cp bundle.jwt bundle-before-revocation.jwt
printf 'bundle.jwt: %s bytes\n' "$(wc -c <bundle.jwt | tr -d ' ')"
policy="$data/policy.json"
step "9. The school verifies offline with the authority's trust policy: VALID and anchored in the log" \
  "$bin/verifier" verify --policy "$policy" --trust bundle.jwt --proof card.proof card.png
step "   … and the SD-JWT VC" \
  "$bin/verifier" verify --policy "$policy" --trust bundle.jwt --proof card.sdjwt.proof card.sdjwt
step "   … and Youssef Haddad's DIVOC certificate, whose issuer the bundle carries" \
  "$bin/verifier" verify --policy "$policy" --trust bundle.jwt "$root/assets/demo/divoc-youssef.txt"
if [ -n "$gui" ]; then
  # What the parent imports: both credentials with their proofs, and the
  # authority's trust policy and bundle (names starting with "trust").
  cp "$policy" wallet-in/trust-1.policy
  cp bundle.jwt wallet-in/trust-2.bundle
  { "$bin/verifier" decode card.png; cat card.proof; } >wallet-in/amira-shc.txt
  { cat card.sdjwt; echo; cat card.sdjwt.proof; } >wallet-in/amira-sdjwt.txt
  cp "$root/assets/demo/divoc-youssef.txt" wallet-in/youssef-divoc.txt
  step "   The parent imports Amira's two credentials and their proofs, and Youssef's DIVOC certificate, into the wallet" \
    "$bin/wallet" --seed wallet-in --wallet wallet.db
fi
step "10. The clinic revokes the record through the registry" \
  "$bin/issuer" revoke --registry "$base" --key clinic.key --iss "$iss" --record MRN-0042
step "11. The school refreshes its bundle" \
  curl -fsS -o bundle.jwt "$base/v1/bundle"
if [ -n "$gui" ]; then
  # The wallet gets the final bundle too: it checks both kept credentials
  # again, so that it opens on REVOKED, dated by this bundle.
  cp bundle.jwt wallet-in/trust-2.bundle
  step "   The parent's wallet syncs the refreshed bundle and checks its credentials again" \
    "$bin/wallet" --seed wallet-in --wallet wallet.db
fi
expect_fail "12. The same card and SD-JWT VC now: REVOKED (exit status 1)" \
  "$bin/verifier" verify --policy "$policy" --trust bundle.jwt --proof card.proof card.png --proof card.sdjwt.proof card.sdjwt

# The school's web verifier (camera, scanner, paste; the verifier runs in the
# browser as WebAssembly) with the refreshed bundle.
printf '$ %s\n' "$bin/verifier serve --listen 127.0.0.1:$vport --policy registry/policy.json --trust bundle.jwt &"
"$bin/verifier" serve --listen "127.0.0.1:$vport" --policy "$policy" --trust bundle.jwt >web.log 2>&1 &
webpid=$!
for _ in $(seq 50); do curl -fsS -o /dev/null "http://127.0.0.1:$vport/" 2>/dev/null && break; sleep 0.1; done
if ! curl -fsS -o /dev/null "http://127.0.0.1:$vport/"; then
  echo "demo: the web verifier did not start:" >&2; cat web.log >&2; exit 1
fi

# The clinic's own service: staff pages and the EMR API, with a demo
# administrator. Its desk key is accredited in the registry like the
# clinic's CLI key, so what the staff issue there is anchored and verifies
# with the registry's bundle.
cdata="$work/clinic-service"
cbase="http://127.0.0.1:$cport"
ciss="https://desk.alnoor-clinic.example"
export IMMUNOPASS_ADMIN_PASSWORD="${IMMUNOPASS_ADMIN_PASSWORD:-demo clinic admin}"
step "The clinic's service: data folder (signing key, first administrator, ledger; anchoring in the registry), then issuer serve" \
  "$bin/issuer" init --data "$cdata" --iss "$ciss" --work-factor 10 --registry "$base"
"$bin/issuer" token create --data "$cdata" --name "EMR (demo)" --scope records:write --scope records:read >emr-token.txt 2>/dev/null
printf '$ %s\n' "$bin/issuer serve --data $cdata --listen 127.0.0.1:$cport &"
"$bin/issuer" serve --data "$cdata" --listen "127.0.0.1:$cport" >clinic.log 2>&1 &
clinicpid=$!
wait_healthy "$cbase" "$clinicpid" clinic.log "clinic service"
curl -fsS -o clinic-desk-jwks.json "$cbase/.well-known/jwks.json"
step "   The authority accredits the clinic service's key (its own issuer URL)" \
  "$bin/registry" issuer add --data "$data" --registry "$base" --id alnoor-desk --name "Al Noor Family Clinic (desk)" \
  --country AE --jwks clinic-desk-jwks.json --iss "$ciss"
step "   The clinic's EMR posts the demo FHIR Bundle to the service's API: a SMART Health Card and an SD-JWT VC back" \
  curl -fsS -o emr-issued.json -w '%{http_code} %{content_type}\n' -H "Authorization: Bearer $(cat emr-token.txt)" \
  -H 'Content-Type: application/fhir+json' --data-binary @record.json "$cbase/api/v1/records?patient=MRN-0077&holder=$did"
grep -o '"smartHealthCard":"[^"]*"' emr-issued.json | cut -d'"' -f4 >emr-card.jws
curl -fsS -o bundle-desk.jwt "$base/v1/bundle"
step "   … and the school verifies that card offline with a fresh bundle: VALID" \
  "$bin/verifier" verify --policy "$policy" --trust bundle-desk.jwt emr-card.jws

b="$(printf '\033[1m')" n="$(printf '\033[0m')"
if [ -n "$gui" ]; then
  running="running until you close the wallet window"
elif [ -t 0 ] && [ -t 1 ]; then
  running="running until you press Enter"
else
  running="stopped at the end of this script, as it is not run from a terminal; the offline commands work any time"
fi
cat <<EOF

${b}The local system${n} (${running})
  registry                 $base   (public name $public)
  trust bundle             $base/v1/bundle
  log checkpoint           $base/log/checkpoint   (C2SP tlog-tiles under $base/log/)
  cosigned checkpoint      $base/log/cosigned-checkpoint
  witness                  $wbase/add-checkpoint   (C2SP tlog-witness; run by the partner agency)
  issuer keys              $base/issuers/alnoor/.well-known/jwks.json
  statistics               $base/v1/stats.csv   (cells under 11 suppressed)
  trust policy             $policy   (install once on every verifier)
  web verifier             http://127.0.0.1:$vport/   (open it in a browser: camera, scanner or paste; works offline after one visit)
  clinic service           $cbase/   (staff sign-in: admin / $IMMUNOPASS_ADMIN_PASSWORD; record doses, print, campaigns; EMR API $cbase/openapi.json)
  logs                     $work/registry.log, $work/witness.log, $work/web.log, $work/clinic.log

${b}Verify offline${n} (no network: the trust policy, a bundle, the credential and its proof):
  # the bundle from before the revocation: VALID, anchored, cosigned by 1 witness
  $bin/verifier verify --policy $policy --trust $work/bundle-before-revocation.jwt --proof $work/card.proof $work/card.png
  # the refreshed bundle: REVOKED (exit status 1)
  $bin/verifier verify --policy $policy --trust $work/bundle.jwt --proof $work/card.sdjwt.proof $work/card.sdjwt
  # a fresh bundle, while the registry runs
  curl -fsS -o $work/bundle.jwt $base/v1/bundle
Everything is in $work.
EOF

if [ -n "$gui" ]; then
  printf '\n%sThe wallet%s opens on the demo family (close its window to stop the registry and the witness):\n' "$b" "$n"
  printf '  %s --wallet %s   (passphrase: %s)\n' "$bin/wallet" "$work/wallet.db" "$IMMUNOPASS_WALLET_PASSPHRASE"
  # Fyne's own chatter (D-Bus notifications and portals, GL) goes to
  # wallet.log, not into the demo's output.
  "$bin/wallet" --wallet wallet.db 2>wallet.log || echo "The wallet exited with an error: see $work/wallet.log" >&2
elif [ -t 0 ] && [ -t 1 ]; then
  read -r -p "The registry, the witness, the web verifier and the clinic service keep running: press Enter to stop them. " _ || true
fi
