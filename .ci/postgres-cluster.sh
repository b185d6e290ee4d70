#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and CI (issue 18): the relay's store with Store:Provider=Postgres.
#   postgres-cluster.sh start DIR   initdb into DIR/data (as the postgres OS user when run as root: initdb refuses
#                                   root), start it on a free loopback port, listen on 127.0.0.1 only, unix socket in
#                                   DIR, trust auth; prints the Npgsql connection string on stdout.
#   postgres-cluster.sh stop DIR    stops it (the files stay; delete DIR to remove them).
# PostgreSQL's binaries are taken from PATH or the newest /usr/lib/postgresql/*/bin. Loopback only.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
command=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)

bin=""
if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
  bin=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
else
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$candidate/pg_ctl" ]; then bin=$candidate; break; fi
  done
fi
[ -n "$bin" ] && [ -x "$bin/initdb" ] || { echo "postgres-cluster: initdb/pg_ctl not found (install postgresql)" >&2; exit 1; }

# As root, the cluster's files and processes belong to the postgres OS user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
  start)
    if [ "$(id -u)" = 0 ]; then
      id postgres >/dev/null 2>&1 || { echo "postgres-cluster: run as root, but there is no postgres user" >&2; exit 1; }
      chown postgres "$dir"
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    # A free loopback port (a few tries: another program may take the one picked before the server binds it).
    for attempt in 1 2 3 4 5; do
      port=""
      for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 30000))
        if ! ss -ltnH "( sport = :$p )" 2>/dev/null | grep -q .; then port=$p; break; fi
      done
      [ -n "$port" ] || { echo "postgres-cluster: no free port found" >&2; exit 1; }
      cat > "$dir/data/smarthostlab.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 64MB
logging_collector = off
CONF
      grep -q "include_if_exists = 'smarthostlab.conf'" "$dir/data/postgresql.conf" \
        || echo "include_if_exists = 'smarthostlab.conf'" >> "$dir/data/postgresql.conf"
      if as_owner "$bin/pg_ctl" start -D "$dir/data" -l "$dir/server.log" -w -t 60 >/dev/null 2>&1; then
        echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
        exit 0
      fi
      as_owner "$bin/pg_ctl" stop -D "$dir/data" -m immediate >/dev/null 2>&1 || true
    done
    echo "postgres-cluster: the server did not start; see $dir/server.log" >&2
    tail -n 20 "$dir/server.log" >&2 || true
    exit 1
    ;;
  stop)
    [ -f "$dir/data/postmaster.pid" ] || exit 0
    as_owner "$bin/pg_ctl" stop -D "$dir/data" -m fast -w >/dev/null
    ;;
  *) usage ;;
esac
