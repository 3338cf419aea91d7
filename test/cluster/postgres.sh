#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests of cluster mode, from Debian's package.
#
#   test/cluster/postgres.sh start DIR   initdb into DIR (as the postgres user when run as root),
#                                        start it on 127.0.0.1 and a free port, create the
#                                        database tra_test, and print the shell lines to use it:
#                                          export TRA_TEST_PG_URL=postgres://postgres@127.0.0.1:PORT/tra_test
#                                          export TRA_TEST_PG_DATA=DIR
#   test/cluster/postgres.sh stop DIR    stop it (fast shutdown) and remove DIR.
#   test/cluster/postgres.sh crash DIR   stop it with `pg_ctl -m immediate` (no checkpoint: what a
#                                        power cut leaves; the restart replays the WAL).
#   test/cluster/postgres.sh restart DIR start it again after a crash (same port).
#
# `.ci/run` uses it, and so should a developer: `eval "$(test/cluster/postgres.sh start /tmp/tra-pg)"`.
# Durability is PostgreSQL's default and is spelled out anyway (fsync, synchronous_commit, full
# page writes on): the tests that kill the server rely on it. Authentication is `trust` on the
# loopback address only; the cluster is for tests, never for data.
set -euo pipefail

bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$d" ]; then
    echo "postgres.sh: PostgreSQL không có trong /usr/lib/postgresql (cài bằng: apt-get install -y postgresql)" >&2
    exit 1
  fi
  echo "$d"
}

# Run a command as the owner of the cluster (initdb and postgres refuse to run as root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  local p=${TRA_PG_PORT:-55432}
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop|crash|restart DIR" >&2
  exit 2
fi
bin=$(bindir)

case "$cmd" in
  start)
    if [ -e "$dir/PG_VERSION" ]; then
      echo "postgres.sh: $dir đã có một cụm PostgreSQL; hãy dừng nó trước: $0 stop $dir" >&2
      exit 1
    fi
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 ||
      { cat "$dir.initdb.log" >&2; exit 1; }
    port=$(free_port)
    cat >>"$dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 64MB
fsync = on
synchronous_commit = on
full_page_writes = on
logging_collector = off
CONF
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres tra_test
    echo "export TRA_TEST_PG_URL=postgres://postgres@127.0.0.1:$port/tra_test"
    echo "export TRA_TEST_PG_DATA=$dir"
    ;;
  stop)
    if [ -e "$dir/postmaster.pid" ]; then as_owner "$bin/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null || true; fi
    rm -rf "$dir" "$dir.initdb.log"
    ;;
  crash)
    as_owner "$bin/pg_ctl" -D "$dir" -m immediate -w -t 60 stop >/dev/null
    ;;
  restart)
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null ||
      { tail -n 20 "$dir/server.log" >&2; exit 1; }
    ;;
  *)
    echo "usage: $0 start|stop|crash|restart DIR" >&2
    exit 2
    ;;
esac
