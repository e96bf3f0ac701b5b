#!/usr/bin/env bash
# Runs the npm interop peers for SMART Health Cards.
#
#   run.sh verify-jose   --jws FILE --jwks FILE [--iss URL]
#   run.sh verify-shcsdk --file FILE --jwks FILE [--iss URL]
#   run.sh sign          --key FILE --kid KID --iss URL --bundle FILE --out DIR [--types …] [--rid RID] [--nbf SECS]
#   run.sh bench         --file FILE --jwks FILE [--n 200] [--iss URL]
#   run.sh install       (npm ci from package-lock.json)
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
  echo "usage: run.sh verify-jose|verify-shcsdk|sign|bench|install ARGS…" >&2
  exit 2
}
[ $# -ge 1 ] || usage
cmd="$1"; shift
case "$cmd" in
  verify-jose)   script=verify-jose.mjs ;;
  verify-shcsdk) script=verify-shcsdk.mjs ;;
  sign)          script=sign-shcsdk.mjs ;;
  bench)         script=bench-shcsdk.mjs ;;
  install)       script= ;;
  *)             usage ;;
esac

# The node/npm checks and install every interop folder shares.
. "$here/../../../../internal/npmpeer/peer.sh"
npmpeer_ready "$here" "$script" @pathcheck/shc-sdk jose pako

exec node "$here/$script" "$@"
