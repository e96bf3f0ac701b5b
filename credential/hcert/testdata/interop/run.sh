#!/usr/bin/env bash
# Runs the npm interop peers for EU DCC / HCERT (see README.md).
#
#   run.sh verify --peer dccsdk|cosejs --qr FILE --cert FILE
#   run.sh sign   --peer dccsdk|cosejs --cert FILE --key FILE --payload FILE --out FILE [--iss CC] [--iat S] [--exp S]
#   run.sh bench  --qr FILE --cert FILE [--n 500]
#   run.sh install
#
# Exit codes: the script's own (0 = it ran, whatever the verdict; 2 = usage),
# or 3 = skipped: node (>= 20) is missing or the packages could not be installed.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -ge 1 ] || { echo "usage: run.sh verify|sign|bench|install ARGS…" >&2; exit 2; }
cmd="$1"; shift
case "$cmd" in
  verify|sign|bench) script="$cmd.mjs" ;;
  install) script= ;;
  *) echo "usage: run.sh verify|sign|bench|install ARGS…" >&2; exit 2 ;;
esac
# The node/npm checks and install every interop folder shares.
. "$here/../../../../internal/npmpeer/peer.sh"
npmpeer_ready "$here" "$script" @pathcheck/dcc-sdk cose-js

exec node "$here/$script" "$@"
