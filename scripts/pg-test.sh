#!/usr/bin/env bash
# A throwaway PostgreSQL for tests.
#   eval "$(scripts/pg-test.sh start)"   start a cluster; prints the exports
#   scripts/pg-test.sh env               print the exports again
#   scripts/pg-test.sh stop              stop it and remove its directory
#   scripts/pg-test.sh restart           pg_ctl restart -m fast (fault tests)
# The cluster lives in a fresh temp dir owned by an unprivileged user (initdb
# refuses root), listens on a unix socket in that dir and on 127.0.0.1 at a
# free port. SL_PG_DIR names the dir; without it start makes one.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$owner" -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

print_env() {
  local dir=$1 port user
  port=$(cat "$dir/port") user=$(cat "$dir/user")
  echo "export SL_PG_DIR='$dir'"
  echo "export SHEETLOAD_TEST_PG='postgresql://$user@127.0.0.1:$port/sheetload_test'"
  echo "export SHEETLOAD_TEST_PG_SOCKET='host=$dir port=$port user=$user dbname=sheetload_test'"
}

case "$cmd" in
start)
  dir=${SL_PG_DIR:-$(mktemp -d /tmp/sl-pg.XXXXXX)}
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    owner=${SL_PG_USER:-postgres}
    id "$owner" >/dev/null 2>&1 || owner=nobody
    chown "$owner" "$dir"
    chmod 755 "$dir"
  else
    owner=$(id -un)
  fi
  echo "$owner" >"$dir/.owner"
  port=$(free_port)
  as_owner "$PGBIN/initdb" -D "$dir/data" -U sl -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 256MB
max_wal_size = 4GB
checkpoint_timeout = 30min
log_min_messages = warning
CONF
  echo "$port" >"$dir/port"; echo sl >"$dir/user"
  chown "$owner" "$dir/port" "$dir/user" 2>/dev/null || true
  as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
  "$PGBIN/createdb" -h "$dir" -p "$port" -U sl sheetload_test
  print_env "$dir"
  ;;
env)
  print_env "${SL_PG_DIR:?SL_PG_DIR is not set; run start first}"
  ;;
restart)
  dir=${SL_PG_DIR:?SL_PG_DIR is not set}; owner=$(cat "$dir/.owner")
  as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -m fast restart >/dev/null
  ;;
stop)
  dir=${SL_PG_DIR:?SL_PG_DIR is not set}
  if [ -f "$dir/.owner" ]; then
    owner=$(cat "$dir/.owner")
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -w -t 60 -m immediate stop >/dev/null 2>&1 || true
  fi
  case "$dir" in /tmp/sl-pg.*) rm -rf "$dir" ;; esac
  ;;
*)
  echo "usage: $0 start|env|stop|restart" >&2; exit 2 ;;
esac
