#!/usr/bin/env bash
# Runs the npm interop peer for Data Integrity credentials (credential/vc).
#
#   run.sh sign --doc FILE --suite eddsa|ecdsa --contexts FILE | verify --doc FILE --contexts FILE   (one JSON line)
#   run.sh install (npm ci from package-lock.json)
#
# Exit codes: 0 = it ran; 2 = usage; 3 = skipped (node >= 20 missing, or the
# node_modules could not be installed). Everything but the one JSON line goes
# to stderr.
set -u
src="${BASH_SOURCE[0]}"
case "$src" in */*) dir="${src%/*}" ;; *) dir=. ;; esac
here="$(cd "$dir" && pwd)"

usage() {
  echo "usage: run.sh sign|verify|install ARGS…" >&2
  exit 2
}
[ $# -ge 1 ] || usage
cmd="$1"; shift
case "$cmd" in
  sign|verify) script="$here/peer.mjs" ;;
  install) script= ;;
  *)       usage ;;
esac

# The node/npm checks and install every interop folder shares.
. "$here/../../../../internal/npmpeer/peer.sh"
npmpeer_ready "$here" "$script" jsonld-signatures @digitalbazaar/data-integrity @digitalbazaar/eddsa-rdfc-2022-cryptosuite @digitalbazaar/ecdsa-rdfc-2019-cryptosuite

exec node "$script" "$cmd" "$@"
