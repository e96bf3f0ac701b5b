#!/usr/bin/env bash
# Runs the npm interop peer for JSON-LD canonicalisation (credential/ld).
#
#   run.sh canon   --doc FILE --contexts FILE   (prints {"nquads": …} or {"error": …})
#   run.sh nquads  --cases FILE                 ({"name": n-quads…} → {"results": {"name": {"nquads"|"error"}}})
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
  echo "usage: run.sh canon|nquads|install ARGS…" >&2
  exit 2
}
[ $# -ge 1 ] || usage
cmd="$1"; shift
case "$cmd" in
  canon)   script="$here/canon.mjs" ;;
  nquads)  script="$here/nquads.mjs" ;;
  install) script= ;;
  *)       usage ;;
esac

# The node/npm checks and install every interop folder shares.
. "$here/../../../../internal/npmpeer/peer.sh"
npmpeer_ready "$here" "$script" jsonld rdf-canonize

exec node "$script" "$@"
