#!/usr/bin/env bash
# Runs the npm interop peer for OpenID4VCI (see README.md).
#
#   run.sh receive --offer URI --pin PIN [--copies N]
#   run.sh install
#
# Exit codes: the script's own (0 = it ran, whatever the outcome; 2 = usage),
# or 3 = skipped: node (>= 20) is missing or the packages could not be installed.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -ge 1 ] || { echo "usage: run.sh receive|install ARGS…" >&2; exit 2; }
cmd="$1"; shift
case "$cmd" in
  receive) script="$cmd.mjs" ;;
  install) script= ;;
  *) echo "usage: run.sh receive|install ARGS…" >&2; exit 2 ;;
esac
# The node/npm checks and install every interop folder shares.
. "$here/../../../../internal/npmpeer/peer.sh"
npmpeer_ready "$here" "$script" @openid4vc/openid4vci @openid4vc/oauth2 @openid4vc/utils

exec node "$here/$script" "$@"
