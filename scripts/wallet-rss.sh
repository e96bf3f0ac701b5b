#!/usr/bin/env bash
# Peak RSS of the whole wallet app (goal: ≤ 150 MB) with 1,000 credentials
# across 5 profiles: bin/issuer issues 1,000 SMART Health Cards (one per
# patient), `wallet --seed` imports them into a demo wallet (the family of
# five; cards spread over them), then the real app runs in an Xvfb window,
# unlocks, lists the people and opens the first person's records, and quits;
# /usr/bin/time -v reports its maximum resident set size.
#
#   scripts/wallet-rss.sh [N]    N credentials (default 1000)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-1000}"
display=":${RSS_DISPLAY:-98}"
need=""
command -v Xvfb >/dev/null || need="$need xvfb"
[ -x /usr/bin/time ] || need="$need time"
if [ -n "$need" ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
cd "$root"
make -s wallet
CGO_ENABLED=0 go build -o bin/issuer ./cmd/issuer
work="$(mktemp -d -t immunopass-rss.XXXXXX)"
xvfb_pid=""
cleanup() { [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/seed" "$work/home"
export HOME="$work/home"
export IMMUNOPASS_PASSPHRASE="rss clinic key"
export IMMUNOPASS_WALLET_PASSPHRASE="rss wallet passphrase"
iss="https://clinic.example/shc"

{
  echo "family,given,birth_date,vaccine_system,vaccine_code,date,dose,series,lot,performer,country"
  for i in $(seq -w 1 "$n"); do
    echo "Person$i,Test,2015-01-$(( (10#$i % 28) + 1 )),http://hl7.org/fhir/sid/cvx,03,2016-04-12,1,2,LOT$i,Al Noor Family Clinic,AE"
    echo "Person$i,Test,2015-01-$(( (10#$i % 28) + 1 )),http://hl7.org/fhir/sid/cvx,03,2019-04-12,2,2,LOT$i,Al Noor Family Clinic,AE"
  done
} | sed -E 's/2015-01-([0-9])(,)/2015-01-0\1\2/' > "$work/records.csv"
(
  cd "$work"
  "$root/bin/issuer" keygen --out clinic.key
  "$root/bin/issuer" snapshot --key clinic.key --iss "$iss" --name "Al Noor Family Clinic" --out seed/trust.json
  "$root/bin/issuer" issue --key clinic.key --iss "$iss" --out seed/card.smart-health-card records.csv
) >/dev/null 2>&1
start=$(date +%s)
bin/wallet --wallet "$work/wallet.db" --seed "$work/seed" 2>/dev/null
echo "wallet-rss: seeded in $(( $(date +%s) - start )) s; wallet file $(du -h "$work/wallet.db" | cut -f1)"

Xvfb "$display" -screen 0 1280x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
export DISPLAY="$display"
sleep 1
# GODEBUG=gctrace=1 adds the Go heap's peak (live heap after each GC, in MB):
# the rest of the RSS is the C side (Mesa's OpenGL, here llvmpipe, and X).
for screen in people person; do
  GODEBUG=gctrace=1 /usr/bin/time -v -o "$work/time-$screen.txt" \
    bin/wallet --wallet "$work/wallet.db" --screen "$screen" --exit-after 10s >/dev/null 2>"$work/gc-$screen.txt" || true
  rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$work/time-$screen.txt")
  heap=$(awk '/^gc / {split($11, a, "->"); for (i in a) if (a[i]+0 > m) m = a[i]+0} END {print m+0}' "$work/gc-$screen.txt")
  echo "wallet-rss: screen $screen: peak RSS $(( rss / 1024 )) MB ($rss kB), Go heap peak ${heap} MB, with $n credentials across 5 profiles"
done
