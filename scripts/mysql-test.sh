#!/usr/bin/env bash
# make test-mysql: runs the anchor log's conformance test and its crash test (5 SIGKILLs) on Tessera's MySQL driver,
# then the registry itself on it: the real `registry init --engine mysql --dsn …` / `registry serve` binary, a clinic
# accredited through the admin CLI, signed anchor requests, 20 SIGKILLs of serve mid-stream, proofs from GET /v1/proof
# checked against the trust policy, and `registry bundle` from the running server (cmd/registry TestCrashServe/mysql).
# All against a real MariaDB that this script installs (Debian packages, only when missing) and starts privately:
# its own temporary data folder and unix socket, no TCP port, stopped and removed on exit.
#   scripts/mysql-test.sh [go test args...]      (MYSQL_LOAD=5s: also run the load tool on MySQL, unsigned and signed)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin:/usr/local/sbin"
t0=$(date +%s)

if ! command -v mariadbd >/dev/null 2>&1 && ! command -v mysqld >/dev/null 2>&1; then
  echo "test-mysql: installing mariadb-server"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends mariadb-server >/dev/null
fi
server=$(command -v mariadbd || command -v mysqld)
installdb=$(command -v mariadb-install-db || command -v mysql_install_db)
client=$(command -v mariadb || command -v mysql)
admin=$(command -v mariadb-admin || command -v mysqladmin)
user=$(id -un)

tmp=$(mktemp -d /tmp/immunopass-mysql.XXXXXX)
sock="$tmp/mysqld.sock"
pid=""
stop() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    "$admin" --no-defaults --socket="$sock" -uroot shutdown >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$tmp"
}
trap stop EXIT

# --user lets the server run as root (it refuses to otherwise); "normal" root auth means no unix_socket plugin.
"$installdb" --no-defaults --datadir="$tmp/data" --user="$user" --auth-root-authentication-method=normal \
  --skip-test-db >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }
"$server" --no-defaults --datadir="$tmp/data" --socket="$sock" --skip-networking --user="$user" \
  --pid-file="$tmp/mysqld.pid" --log-error="$tmp/error.log" --innodb-buffer-pool-size=64M \
  --innodb-log-file-size=64M --max-connections=200 &
pid=$!
for _ in $(seq 1 300); do
  "$admin" --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/error.log"; echo "test-mysql: server exited"; exit 1; }
  sleep 0.1
done
"$client" --no-defaults --socket="$sock" -uroot -e "CREATE DATABASE immunopass; SELECT VERSION();"
echo "test-mysql: $("$server" --version) on $sock (ready after $(( $(date +%s) - t0 )) s)"

export IMMUNOPASS_MYSQL_DSN="root@unix($sock)/immunopass"
set +e
go test -count=1 -run 'Conformance/mysql|Crash/mysql' -v "${@}" ./registry/anchorlog/ 2>&1 | grep -vE '^[IWE][0-9]{4} '
status=${PIPESTATUS[0]}
t1=$(date +%s)
go test -count=1 -run 'TestCrashServe/mysql' -v "${@}" ./cmd/registry/ 2>&1 | grep -vE '^[IWE][0-9]{4} '
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
echo "test-mysql: registry serve on MySQL in $(( $(date +%s) - t1 )) s"
set -e
# MYSQL_LOAD=5s also measures anchors/s over HTTP on this server (cmd/registry-load -engine mysql).
if [ -n "${MYSQL_LOAD:-}" ] && [ "$status" -eq 0 ]; then
  "$client" --no-defaults --socket="$sock" -uroot -e "CREATE DATABASE immunopass_load"
  go run ./cmd/registry-load -engine mysql -dsn "root@unix($sock)/immunopass_load" -d "$MYSQL_LOAD" 2>&1 \
    | grep -vE '^[IWE][0-9]{4} ' || status=1
  # The same through the registry server with signed requests.
  "$client" --no-defaults --socket="$sock" -uroot -e "CREATE DATABASE immunopass_load_signed"
  go run ./cmd/registry-load -registry -engine mysql -dsn "root@unix($sock)/immunopass_load_signed" -d "$MYSQL_LOAD" \
    -tiles 0 2>&1 | grep -vE '^[IWE][0-9]{4} ' || status=1
fi
echo "test-mysql: done in $(( $(date +%s) - t0 )) s (status $status)"
exit "$status"
