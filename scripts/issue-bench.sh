#!/usr/bin/env bash
# issue-bench.sh: issuance end to end through a real registry (goal P7).
#
#   scripts/issue-bench.sh [BIN_DIR] [RECORDS...]     (default: bin, 5000)
#
# Starts `registry serve` on loopback (Tessera POSIX log + bbolt, no witness),
# accredits a clinic as scripts/demo.sh does, generates a CSV of RECORDS
# people (one dose each) and one holder did:key per person, then runs
#
#   issuer issue --registry URL --format both --holders holders.txt --out issued.jsonl people.csv
#
# under /usr/bin/time -v (peak RSS) and, when present, strace -c (fsync,
# fdatasync and rename calls of the issuer only). It prints one line per run:
# records, credentials, seconds, credentials/s, peak RSS, fsyncs and renames
# per credential. The machine is shared in CI: read the numbers as such.
set -euo pipefail
bin="$(cd "${1:-bin}" && pwd)"
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(5000)
work="$(mktemp -d -t immunopass-issue-bench.XXXXXX)"
export IMMUNOPASS_PASSPHRASE="bench passphrase, not for real keys"
cd "$work"

free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}
port="$(free_port "${IMMUNOPASS_BENCH_PORT:-8720}")"
base="http://127.0.0.1:$port"
regpid=""
cleanup() {
  if [ -n "$regpid" ] && kill -0 "$regpid" 2>/dev/null; then
    kill -TERM "$regpid" 2>/dev/null || true
    wait "$regpid" 2>/dev/null || true
  fi
  [ -n "${IMMUNOPASS_BENCH_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

"$bin/registry" init --data registry --url https://registry.example >init.txt 2>init.log
"$bin/registry" serve --data registry --listen "127.0.0.1:$port" >registry.log 2>&1 &
regpid=$!
for _ in $(seq 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$regpid" 2>/dev/null || { cat registry.log >&2; exit 1; }
  sleep 0.1
done
# The clinic's key file at the default scrypt work factor (18: 256 MiB and
# about a second of CPU to open, once per call); IMMUNOPASS_BENCH_WORK_FACTOR
# lowers it to see the issuance alone.
"$bin/issuer" keygen --out clinic.key --work-factor "${IMMUNOPASS_BENCH_WORK_FACTOR:-18}" >/dev/null
"$bin/issuer" jwks --key clinic.key >clinic-jwks.json
"$bin/registry" issuer add --data registry --registry "$base" --id bench --name "Bench Clinic" \
  --country AE --jwks clinic-jwks.json >/dev/null
iss="https://registry.example/issuers/bench"
"$bin/verifier" keygen --out wallet.key >wallet.txt
did="$(grep -o 'did:key:z[1-9A-HJ-NP-Za-km-z]*' wallet.txt | head -1)"

# cpu_s PID: CPU seconds (user + system) the process has used so far.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
have_strace=""
command -v strace >/dev/null && have_strace=1
printf '%-8s %-6s %-8s %-8s %-8s %-12s %-12s %-8s %-8s %s\n' records creds seconds creds/s peakRSS fsyncs/cred renames/cred issCPU regCPU mode
for n in "${sizes[@]}"; do
  rm -rf state issued.* people.csv holders.txt
  awk -v n="$n" 'BEGIN {
    print "family,given,birth_date,vaccine_system,vaccine_code,date,dose,series,lot,performer,country"
    for (i = 1; i <= n; i++)
      printf "Family%d,Given%d,2016-%02d-%02d,http://hl7.org/fhir/sid/cvx,03,2017-04-15,1,2,LOT%d,Bench Clinic,AE\n", i, i, i % 12 + 1, i % 28 + 1, i
  }' >people.csv
  for _ in $(seq "$n"); do echo "$did"; done >holders.txt
  args=(issue --registry "$base" --key clinic.key --iss "$iss" --format both --holders holders.txt
    --state state --anchor-timeout 10m --out issued.jsonl people.csv)
  regcpu0="$(cpu_s "$regpid")"
  start=$(date +%s.%N)
  /usr/bin/time -v -o time.txt "$bin/issuer" "${args[@]}" >issue.out 2>issue.err ||
    { tail -5 issue.err >&2; exit 1; }
  end=$(date +%s.%N)
  regcpu="$(awk -v a="$regcpu0" -v b="$(cpu_s "$regpid")" 'BEGIN { printf "%.1f", b - a }')"
  isscpu="$(awk -F: '/User time|System time/ {s += $2} END {printf "%.1f", s}' time.txt)"
  rss_kb="$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' time.txt)"
  creds=$((2 * n))
  got="$(wc -l <issued.jsonl | tr -d ' ')"
  [ "$got" -eq "$creds" ] || { echo "issue-bench: $got credentials in issued.jsonl, want $creds" >&2; exit 1; }
  fs="-" rn="-"
  if [ -n "$have_strace" ]; then
    # A second run on fresh state for the system-call counts (strace slows it).
    rm -rf state issued.*
    strace -f -c -e trace=fsync,fdatasync,rename,renameat,renameat2 -o strace.txt "$bin/issuer" "${args[@]}" >/dev/null 2>&1
    fs="$(awk -v c="$creds" '$NF=="fsync"||$NF=="fdatasync" {s+=$4} END {printf "%.3f", s/c}' strace.txt)"
    rn="$(awk -v c="$creds" '$NF ~ /^rename/ {s+=$4} END {printf "%.3f", s/c}' strace.txt)"
  fi
  awk -v n="$n" -v c="$creds" -v s="$start" -v e="$end" -v r="$rss_kb" -v f="$fs" -v m="$rn" -v ic="$isscpu" -v rc="$regcpu" 'BEGIN {
    t = e - s; printf "%-8d %-6d %-8.2f %-8.0f %-8s %-12s %-12s %-8s %-8s both, anchored, proofs, durable\n", n, c, t, c / t, sprintf("%.0fMB", r / 1024), f, m, ic "s", rc "s" }'
done
