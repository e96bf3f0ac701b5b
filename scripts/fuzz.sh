#!/usr/bin/env bash
# Runs every fuzz target in the module briefly: scripts/fuzz.sh [FUZZTIME].
set -euo pipefail
cd "$(dirname "$0")/.."
time="${1:-4s}"
n=0
while IFS= read -r file; do
  dir="./$(dirname "$file")"
  for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)\(' "$file" | sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(/\1/'); do
    printf 'fuzz %-40s %s\n' "$dir" "$target"
    go test -run='^$' -fuzz="^${target}\$" -fuzztime="$time" "$dir" >/tmp/fuzz.$$.log 2>&1 || {
      cat /tmp/fuzz.$$.log; rm -f /tmp/fuzz.$$.log; echo "fuzz: $target in $dir failed"; exit 1; }
    n=$((n+1))
  done
done < <(git ls-files '*_test.go' | xargs grep -l '^func Fuzz' | sort)
rm -f /tmp/fuzz.$$.log
echo "fuzz: $n targets ran for $time each"
