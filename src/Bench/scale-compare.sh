#!/usr/bin/env bash
# Scale-out on this machine (issue 18): the same load against three set-ups, in one run, as ratios.
#   sqlite     one relay, its embedded SQLite store (the default; the baseline)
#   postgres   one relay on a throwaway PostgreSQL cluster (.ci/postgres-cluster.sh; fsync and synchronous_commit on)
#   2 relays   two relays on that PostgreSQL behind a private HAProxy (mode tcp, round robin, send-proxy-v2, health
#              checks), the relays with Smtp:ProxyProtocol=Required
# Besides the rates, each run's CPU per accepted message by process group (load --cpu): the relays, PostgreSQL's
# postmaster and backends, HAProxy and the load generator; docs/SCALE.md's capacity model is made from them.
# Two relays on 2 cores show the overhead of the extra hop and of sharing, not a gain.
# Writes the table to $OUT/summary.md and an HTML report with charts to $OUT/report.html.
#
# usage: src/Bench/scale-compare.sh [--quick]
#   env: SIZE (default 1k), CONNECTIONS (default 64), MESSAGES (default 40000), SECONDS_PER_RUN (default 60),
#        WARMUP (default 10000), ROUNDS (default 1; medians), ARTIFACTS, OUT, SKIP_BUILD=1, SETTLE_SECONDS (default 3)
# Needs root (PostgreSQL runs as the postgres user) and haproxy (installed when missing). Loopback only; every run is
# bounded by MESSAGES and SECONDS_PER_RUN.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/Bench/bench-lib.sh

SIZE=${SIZE:-1k}
CONNECTIONS=${CONNECTIONS:-64}
MESSAGES=${MESSAGES:-40000}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-60}
WARMUP=${WARMUP:-10000}
ROUNDS=${ROUNDS:-1}
ARTIFACTS=${ARTIFACTS:-/tmp/art-bench}
OUT=${OUT:-/tmp/smarthostlab-scale-$(date -u +%Y%m%dT%H%M%SZ)}
for arg in "$@"; do
  case "$arg" in
    --quick) MESSAGES=1000; WARMUP=300; SECONDS_PER_RUN=10; CONNECTIONS=8 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "scale-compare: unknown argument $arg" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
PFX=/nonexistent
pids=()
haproxy_pid=""
PG="$OUT/pg"
cleanup() {
  stop_relay
  [ -n "$haproxy_pid" ] && kill "$haproxy_pid" 2>/dev/null || true
  bash .ci/postgres-cluster.sh stop "$PG" >/dev/null 2>&1 || true
  bench_cleanup
}
trap cleanup EXIT
bash .ci/install-haproxy.sh >&2
bench_build
bench() { dotnet "$BENCH_DLL" load --pipelining --bind 127.0.0.2 --size "$SIZE" --connections "$CONNECTIONS" \
  --messages "$MESSAGES" --duration "$SECONDS_PER_RUN" --json --progress "$@"; }

# --- PostgreSQL: one throwaway cluster, a fresh database per run ---------------------------------------------
connection=$(bash .ci/postgres-cluster.sh start "$PG")
pg_port=$(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$connection")
postmaster=$(head -n 1 "$PG/data/postmaster.pid")
psql_admin() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 -c "$1" >/dev/null; }
psql_value() { psql -X -qtA -h 127.0.0.1 -p "$pg_port" -U postgres -d "$1" -c "$2"; }
fresh_database() { psql_admin "DROP DATABASE IF EXISTS $1 WITH (FORCE)"; psql_admin "CREATE DATABASE $1"; echo "${connection/Database=postgres/Database=$1}"; }

# --- HAProxy in front of two relays (its own config; the system's is left alone) --------------------------
start_haproxy() {
  local front=$1; shift
  local cfg="$OUT/haproxy.cfg" i=0 port
  {
    echo "global"
    echo "  maxconn 4096"
    echo "defaults"
    echo "  mode tcp"
    echo "  timeout connect 5s"
    echo "  timeout client 60s"
    echo "  timeout server 60s"
    echo "frontend smtp"
    echo "  bind 127.0.0.1:$front"
    echo "  default_backend relays"
    echo "backend relays"
    echo "  balance roundrobin"
    for port in "$@"; do
      echo "  server relay$i 127.0.0.1:$port send-proxy-v2 check inter 1s"
      i=$((i + 1))
    done
  } > "$cfg"
  haproxy -f "$cfg" -db >"$OUT/haproxy.log" 2>&1 &
  haproxy_pid=$!
  wait_port "$front" || { echo "haproxy did not start; see $OUT/haproxy.log" >&2; cat "$OUT/haproxy.log" >&2; exit 1; }
}
stop_haproxy() { [ -n "$haproxy_pid" ] && kill "$haproxy_pid" 2>/dev/null && wait "$haproxy_pid" 2>/dev/null || true; haproxy_pid=""; }

# What a run left in PostgreSQL, per stored message (warm-up included): the database's growth and the WAL written
# (what a streaming replica receives), added to the run's JSON as .postgres.{bytesPerMessage, walBytesPerMessage}.
pg_before() { db_size0=$(psql_value "$1" "SELECT pg_database_size(current_database())"); wal0=$(psql_value "$1" "SELECT pg_current_wal_lsn()"); }
pg_after() {
  local db=$1 json=$2 count size wal
  count=$(psql_value "$db" "SELECT count(*) FROM messages")
  size=$(psql_value "$db" "SELECT pg_database_size(current_database()) - $db_size0")
  wal=$(psql_value "$db" "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$wal0')")
  [ "${count:-0}" -gt 0 ] || return 0
  jq --argjson n "$count" --argjson s "$size" --argjson w "$wal" \
    '.postgres = { messages: $n, bytesPerMessage: ($s / $n | floor), walBytesPerMessage: ($w / $n | floor) }' "$json" > "$json.tmp" && mv "$json.tmp" "$json"
}

relay_port=$(free_port 11000 11099)
relay2_port=$(free_port 11100 11199)
front_port=$(free_port 11200 11299)

sq=() pg=() two=()
for round in $(seq 1 "$ROUNDS"); do
  echo "== $SIZE x $CONNECTIONS connections, round $round of $ROUNDS" >&2

  settle
  if start_relay; then
    bench --label "1 relay, SQLite" --target "127.0.0.1:$relay_port" --warmup "$WARMUP" --pid "$relay_pid" \
      --cpu "relays=$relay_pid" > "$OUT/sqlite-$round.json" || true
    sq+=("$OUT/sqlite-$round.json")
    stop_relay
  fi

  settle
  store=$(fresh_database "scale_one_$round")
  pg_before scale_one_$round
  if start_relay -- --Store:Provider=Postgres "--Store:ConnectionString=$store"; then
    bench --label "1 relay, PostgreSQL" --target "127.0.0.1:$relay_port" --warmup "$WARMUP" --pid "$relay_pid" \
      --cpu "relays=$relay_pid" --cpu "postgres=$postmaster" > "$OUT/postgres-$round.json" || true
    pg+=("$OUT/postgres-$round.json")
    stop_relay
    pg_after scale_one_$round "$OUT/postgres-$round.json"
  fi

  settle
  store=$(fresh_database "scale_two_$round")
  pg_before scale_two_$round
  shared=(--Store:Provider=Postgres "--Store:ConnectionString=$store" --Smtp:ProxyProtocol=Required)
  if RELAY_NAME=relay-a RELAY_PORT=$relay_port start_relay -- "${shared[@]}" --Store:NodeId=relay-a \
     && RELAY_NAME=relay-b RELAY_PORT=$relay2_port start_relay -- "${shared[@]}" --Store:NodeId=relay-b; then
    start_haproxy "$front_port" "$relay_port" "$relay2_port"
    bench --label "2 relays, PostgreSQL, HAProxy" --target "127.0.0.1:$front_port" --warmup "$WARMUP" \
      --cpu "relays=$(IFS=,; echo "${relay_pids[*]}")" --cpu "postgres=$postmaster" --cpu "haproxy=$haproxy_pid" \
      > "$OUT/two-$round.json" || true
    two+=("$OUT/two-$round.json")
    stop_haproxy
  fi
  stop_relay
  [ -f "$OUT/two-$round.json" ] && pg_after scale_two_$round "$OUT/two-$round.json"
done

# The median of field $1 over the reports after it.
med() { local f=$1; shift; local v=() r; for r in "$@"; do v+=("$(field "$f" "$r")"); done; median "${v[@]}"; }
row() {
  local name=$1; shift
  [ $# -gt 0 ] || { echo "| $name | - | | | | | | | | | |"; return; }
  local rate; rate=$(med .messagesPerSecond "$@")
  echo "| $name | $rate | $(ratio "$rate" "$base") | $(med .latencyMs.p50 "$@") | $(med .latencyMs.p99 "$@") | $(med .cpuPerMessageUs.relays "$@") | $(med .cpuPerMessageUs.postgres "$@") | $(med .cpuPerMessageUs.haproxy "$@") | $(med .cpuPerMessageSelfUs "$@") | $(med .postgres.bytesPerMessage "$@") | $(med .postgres.walBytesPerMessage "$@") |"
}
base=$([ ${#sq[@]} -gt 0 ] && med .messagesPerSecond "${sq[@]}" || echo "")
{
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), .NET $(dotnet --version), PostgreSQL $(psql -V | awk '{ print $3 }'), $(haproxy -v | head -n 1 | awk '{ print "HAProxy " $3 }'), $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "load: $SIZE x $CONNECTIONS connections, pipelining, unsigned, bound to 127.0.0.2, $WARMUP warm-up then $MESSAGES messages or $SECONDS_PER_RUN s; Store mode$([ "$ROUNDS" -gt 1 ] && echo "; medians of $ROUNDS rounds")"
  echo
  echo "| set-up | accepted msg/s | / SQLite | p50 ms | p99 ms | relay CPU µs/msg | PostgreSQL CPU µs/msg | HAProxy CPU µs/msg | client CPU µs/msg | DB bytes/msg | WAL bytes/msg |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  row "1 relay, SQLite" "${sq[@]}"
  row "1 relay, PostgreSQL" "${pg[@]}"
  row "2 relays, PostgreSQL, HAProxy" "${two[@]}"
  echo
  echo "CPU per message is user + system time of the group (with child processes) over the measured run / messages accepted."
  echo "DB and WAL bytes per message: the database's growth and the WAL written over the run (warm-up included) / messages stored."
} | tee "$OUT/summary.md"
shopt -s nullglob
bench_report "$OUT/report.html" "Scale-out on one machine, $(date -u +%Y-%m-%d)" "$OUT/summary.md" \
  "$OUT"/sqlite-*.json "$OUT"/postgres-*.json "$OUT"/two-*.json
echo "(JSON of every run, summary.md and report.html in $OUT)" >&2
