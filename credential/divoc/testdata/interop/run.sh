#!/usr/bin/env bash
# Runs the npm interop peer for DIVOC certificates (credential/divoc).
#
#   run.sh gen-keys | sign|verify|bench --doc FILE --key FILE --contexts FILE [--n N]   (prints one JSON line)
#   run.sh install (npm ci from package-lock.json)
#
# Exit codes: 0 = it ran; 2 = usage; 3 = skipped (node >= 20 missing, or the
# node_modules could not be installed). Everything but the one JSON line goes
# to stderr.
set -u
src="${BASH_SOURCE[0]}"
case "$src" in */*) dir="${src%/*}" ;; *) dir=. ;; esac
here="$(cd "$dir" && pwd)"
SKIP=3

usage() {
  echo "usage: run.sh gen-keys|sign|verify|bench|install ARGS…" >&2
  exit 2
}
[ $# -ge 1 ] || usage
cmd="$1"; shift
case "$cmd" in
  gen-keys|sign|verify|bench) script="$here/peer.cjs" ;;
  install) script= ;;
  *)       usage ;;
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

for p in jsonld-signatures crypto-ld jsonld; do
  if [ ! -f "$here/node_modules/$p/package.json" ]; then
    install_deps || exit $SKIP
    break
  fi
done

exec node "$script" "$cmd" "$@"
