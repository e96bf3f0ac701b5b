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
SKIP=3
[ $# -ge 1 ] || { echo "usage: run.sh verify|sign|bench|install ARGS…" >&2; exit 2; }
cmd="$1"; shift
case "$cmd" in
  verify|sign|bench) script="$cmd.mjs" ;;
  install) script= ;;
  *) echo "usage: run.sh verify|sign|bench|install ARGS…" >&2; exit 2 ;;
esac
command -v node >/dev/null 2>&1 || { echo "node not found: skipping" >&2; exit $SKIP; }
major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
[ "${major:-0}" -ge 20 ] || { echo "node $(node --version) is older than 20: skipping" >&2; exit $SKIP; }
install_deps() {
  command -v npm >/dev/null 2>&1 || { echo "npm not found: skipping" >&2; return 1; }
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >&2 || { echo "npm ci failed: skipping" >&2; return 1; }
}
if [ -z "$script" ]; then install_deps || exit $SKIP; exit 0; fi
if [ ! -f "$here/node_modules/@pathcheck/dcc-sdk/package.json" ] || [ ! -f "$here/node_modules/cose-js/package.json" ]; then
  install_deps || exit $SKIP
fi
exec node "$here/$script" "$@"
