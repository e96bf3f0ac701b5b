# Sourced by every credential/*/testdata/interop/run.sh: the node and npm
# checks and the install they share.
#
#   npmpeer_ready DIR SCRIPT PACKAGE...
#
# Exits 3 (the run.sh convention for "skipped") when node >= 20 is missing,
# or when a PACKAGE is missing from DIR/node_modules and `npm ci` cannot
# install it. With SCRIPT empty (`run.sh install`) it installs and exits 0.
# Otherwise it returns, with every PACKAGE installed. Messages go to stderr.
npmpeer_ready() {
  local here="$1" script="$2" major p
  shift 2
  if ! command -v node >/dev/null 2>&1; then
    echo "node not found: skipping" >&2
    exit 3
  fi
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "${major:-0}" -lt 20 ]; then
    echo "node $(node --version 2>/dev/null) is older than 20: skipping" >&2
    exit 3
  fi
  if [ -z "$script" ]; then
    npmpeer_install "$here" || exit 3
    exit 0
  fi
  for p in "$@"; do
    if [ ! -f "$here/node_modules/$p/package.json" ]; then
      npmpeer_install "$here" || exit 3
      return 0
    fi
  done
}

# npmpeer_install DIR: npm ci from DIR's lock file.
npmpeer_install() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm not found and node_modules missing: skipping" >&2
    return 1
  fi
  (cd "$1" && npm ci --no-audit --no-fund --loglevel=error) >&2 || {
    echo "npm ci failed: skipping" >&2
    return 1
  }
}
