#!/usr/bin/env bash
# The accept path of this build against an earlier one, as a ratio: the two relays' processes alternated round by
# round under the same load (closed loop, Store mode, verification on, the embedded SQLite store), so that a busy
# neighbour slows both alike. Used for "what did this change cost" (docs/BENCH.md).
#
# usage: src/Bench/build-compare.sh BASE-REVISION
#   env: SIZE (default 1k), CONNECTIONS (default 64), MESSAGES (default 40000), SECONDS_PER_RUN (default 60),
#        WARMUP (default 10000), ROUNDS (default 3), ARTIFACTS, OUT, SKIP_BUILD=1 (this build), SETTLE_SECONDS
# The base is built from a temporary git worktree into $OUT/base-artifacts; the load generator is this build's.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/Bench/bench-lib.sh

[ $# -eq 1 ] || { sed -n '2,9p' "$0" >&2; exit 2; }
base_rev=$(git rev-parse --short "$1")
head_rev=$(git rev-parse --short HEAD)
SIZE=${SIZE:-1k}
CONNECTIONS=${CONNECTIONS:-64}
MESSAGES=${MESSAGES:-40000}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-60}
WARMUP=${WARMUP:-10000}
ROUNDS=${ROUNDS:-3}
ARTIFACTS=${ARTIFACTS:-/tmp/art-bench}
OUT=${OUT:-/tmp/smarthostlab-build-compare-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
PFX=/nonexistent
pids=()
worktree="$OUT/base-src"
cleanup() { stop_relay; bench_cleanup; git worktree remove --force "$worktree" >/dev/null 2>&1 || true; }
trap cleanup EXIT
bench_build
head_dll=$RELAY_DLL
echo "building $base_rev (artifacts in $OUT/base-artifacts)…" >&2
git worktree add --detach "$worktree" "$base_rev" >/dev/null 2>&1
dotnet build "$worktree/src/Relay" -c Release --artifacts-path "$OUT/base-artifacts" -v quiet -nologo >&2
base_dll="$OUT/base-artifacts/bin/SmarthostLab.Relay/release/smarthostlab-relay.dll"

relay_port=$(free_port 11300 11399)
run() { # $1 label, $2 relay dll, $3 json
  settle
  RELAY_DLL=$2
  start_relay || return 0
  dotnet "$BENCH_DLL" load --pipelining --bind 127.0.0.2 --size "$SIZE" --connections "$CONNECTIONS" --messages "$MESSAGES" \
    --duration "$SECONDS_PER_RUN" --warmup "$WARMUP" --pid "$relay_pid" --json --progress --label "$1" \
    --target "127.0.0.1:$relay_port" > "$3" || true
  stop_relay
}
rows=() b=() h=()
for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round of $ROUNDS" >&2
  run "$base_rev" "$base_dll" "$OUT/base-$round.json"
  run "$head_rev" "$head_dll" "$OUT/head-$round.json"
  b+=("$(field .messagesPerSecond "$OUT/base-$round.json")") h+=("$(field .messagesPerSecond "$OUT/head-$round.json")")
  rows+=("| $round | ${b[-1]} ($(field .latencyMs.p99 "$OUT/base-$round.json") ms, $(field .cpuPerMessagePidUs "$OUT/base-$round.json") µs) | ${h[-1]} ($(field .latencyMs.p99 "$OUT/head-$round.json") ms, $(field .cpuPerMessagePidUs "$OUT/head-$round.json") µs) | $(ratio "${h[-1]}" "${b[-1]}") |")
done
mb=$(median "${b[@]}") mh=$(median "${h[@]}")
{
  echo "machine: $(nproc) cores, .NET $(dotnet --version), load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "load: $SIZE x $CONNECTIONS connections, pipelining, bound to 127.0.0.2, $WARMUP warm-up then $MESSAGES messages or $SECONDS_PER_RUN s; Store mode, SQLite"
  echo
  echo "| round | $base_rev msg/s (p99, relay CPU/msg) | $head_rev msg/s (p99, relay CPU/msg) | ratio |"
  echo "|---|--:|--:|--:|"
  printf '%s\n' "${rows[@]}"
  echo "| median | $mb | $mh | **$(ratio "$mh" "$mb")** |"
} | tee "$OUT/summary.md"
