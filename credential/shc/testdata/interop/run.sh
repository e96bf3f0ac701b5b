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
SKIP=3

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

if ! command -v node >/dev/null 2>&1; then
  echo "node not found: skipping" >&2
  exit $SKIP
fi
major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "${major:-0}" -lt 20 ]; then
  echo "node $(node --version 2>/dev/null) is older than 20: skipping" >&2
  exit $SKIP
fi

install_deps() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm not found and node_modules missing: skipping" >&2
    return 1
  fi
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >&2 || {
    echo "npm ci failed: skipping" >&2
    return 1
  }
}

if [ -z "$script" ]; then
  install_deps || exit $SKIP
  exit 0
fi

if [ ! -f "$here/node_modules/@pathcheck/shc-sdk/package.json" ] ||
   [ ! -f "$here/node_modules/jose/package.json" ] ||
   [ ! -f "$here/node_modules/pako/package.json" ]; then
  install_deps || exit $SKIP
fi

exec node "$here/$script" "$@"
