#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests of cluster mode, from Debian's package.
#
#   test/cluster/postgres.sh start DIR   initdb into DIR (as the postgres user when run as root),
#                                        start it on 127.0.0.1 and the first free port from
#                                        $TRA_PG_PORT (default 55432; the next one when another
#                                        process binds it first), create the database tra_test,
#                                        and print the shell lines to use it:
#                                          export TRA_TEST_PG_URL=postgres://postgres@127.0.0.1:PORT/tra_test
#                                          export TRA_TEST_PG_DATA=DIR
#   test/cluster/postgres.sh stop DIR    stop it (fast shutdown) and remove DIR.
#   test/cluster/postgres.sh crash DIR   stop it with `pg_ctl -m immediate` (no checkpoint: what a
#                                        power cut leaves; the restart replays the WAL).
#   test/cluster/postgres.sh restart DIR start it again after a crash (same port).
# pg_ctl waits up to $TRA_PG_WAIT seconds (default 180) for a start or stop.
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

# The first port from $1 that nothing answers on. Only a hint: another process (another
# postgres.sh start at the same moment, anything else) can bind it before PostgreSQL does, so
# `start` retries with the next port when PostgreSQL could not bind.
free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

# Did the last start fail because the port was taken (rather than for another reason)?
port_taken() {
  grep -qE 'Address already in use|could not create any TCP/IP sockets' "$dir/server.log" 2>/dev/null
}

# Seconds pg_ctl waits for the server to start or stop (crash recovery on a loaded machine can
# take a while; a server that is not up by then is reported with the end of its log).
WAIT=${TRA_PG_WAIT:-180}

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
    # --no-sync: initdb does not fsync the files it made (seconds on a loaded machine). That sync
    # only matters if the machine itself loses power before they reach the disk; the server's
    # durability (fsync, WAL) is unchanged, and a killed server finds them in the page cache.
    as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir.initdb.log" 2>&1 ||
      { cat "$dir.initdb.log" >&2; exit 1; }
    cat >>"$dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 64MB
fsync = on
synchronous_commit = on
full_page_writes = on
logging_collector = off
include_if_exists = 'port.conf'
CONF
    port=$(free_port "${TRA_PG_PORT:-55432}")
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
      echo "port = $port" >"$dir/port.conf"
      if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir/port.conf"; fi
      rm -f "$dir/server.log"
      if as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t "$WAIT" start >/dev/null 2>"$dir.pg_ctl.log"; then break; fi
      if [ "$attempt" = 10 ] || ! port_taken; then
        { echo "postgres.sh: PostgreSQL không khởi động được (port $port):"; cat "$dir.pg_ctl.log"; tail -n 30 "$dir/server.log"; } >&2
        as_owner "$bin/pg_ctl" -D "$dir" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
        exit 1
      fi
      # Someone bound the port between the probe and the start: the next free one.
      port=$(free_port $((port + 1)))
    done
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres tra_test
    echo "export TRA_TEST_PG_URL=postgres://postgres@127.0.0.1:$port/tra_test"
    echo "export TRA_TEST_PG_DATA=$dir"
    ;;
  stop)
    if [ -e "$dir/postmaster.pid" ]; then as_owner "$bin/pg_ctl" -D "$dir" -m fast -w -t "$WAIT" stop >/dev/null || true; fi
    rm -rf "$dir" "$dir.initdb.log" "$dir.pg_ctl.log"
    ;;
  crash)
    as_owner "$bin/pg_ctl" -D "$dir" -m immediate -w -t "$WAIT" stop >/dev/null
    ;;
  restart)
    # Same port as before (clients keep their URL): if something took it meanwhile, say so.
    port=$(cat "$dir/port.conf" "$dir/postgresql.conf" 2>/dev/null | sed -n 's/^port = \([0-9]*\).*/\1/p' | head -n 1)
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "postgres.sh: port $port đã bị tiến trình khác chiếm trong lúc máy chủ dừng (port taken while the server was down)" >&2
      exit 1
    fi
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t "$WAIT" start >/dev/null ||
      { tail -n 20 "$dir/server.log" >&2; exit 1; }
    ;;
  *)
    echo "usage: $0 start|stop|crash|restart DIR" >&2
    exit 2
    ;;
esac
