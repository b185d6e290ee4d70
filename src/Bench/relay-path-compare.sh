#!/usr/bin/env bash
# The relay path end to end (issue 13): accept, then deliver onward to a next hop, on this machine, as ratios.
#   sink         Postfix smtp-sink on loopback: the next hop of both relays (accepts and discards)
#   postfix      a throwaway Postfix instance relaying everything to the sink (relayhost), its defaults otherwise
#   relay-store  SmarthostLab relay in Store mode (durable store, all checks): the accept-rate baseline
#   relay        SmarthostLab relay in NextHop mode to the sink: accept rate, and delivered/s end to end
# End to end = messages accepted in the run / time from the run's start until the server's queue is empty
# (the relay: its queue gauge at 0, read from /metrics; Postfix: no file left in incoming, active, deferred).
# Targets (issue 13): relay end to end >= 10x Postfix's; relay accept rate in NextHop mode >= 0.8x Store mode's.
# Writes the table to $OUT/summary.md and an HTML report with charts (accepted and end to end msg/s, latency
# percentiles) to $OUT/report.html, each chart also as $OUT/report-*.png.
#
# usage: src/Bench/relay-path-compare.sh [--quick]
#   env: SIZE (default 1k), CONNECTIONS (default 64), MESSAGES (default 50000), SECONDS_PER_RUN (default 120),
#        WARMUP (default 30000; the relay's JIT settles; Postfix gets the same), ROUNDS (default 1; medians),
#        DRAIN_TIMEOUT (seconds a queue may take to empty after a run, default 300), ARTIFACTS, OUT, SKIP_BUILD=1,
#        SETTLE_SECONDS (default 3)
# Needs root for the Postfix instance. Loopback only; every run is bounded by MESSAGES, SECONDS_PER_RUN and DRAIN_TIMEOUT.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/Bench/bench-lib.sh

SIZE=${SIZE:-1k}
CONNECTIONS=${CONNECTIONS:-64}
MESSAGES=${MESSAGES:-50000}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-120}
WARMUP=${WARMUP:-30000}
ROUNDS=${ROUNDS:-1}
DRAIN_TIMEOUT=${DRAIN_TIMEOUT:-300}
ARTIFACTS=${ARTIFACTS:-/tmp/art-bench}
OUT=${OUT:-/tmp/smarthostlab-relay-path-$(date -u +%Y%m%dT%H%M%SZ)}
for arg in "$@"; do
  case "$arg" in
    --quick) MESSAGES=500; WARMUP=200; SECONDS_PER_RUN=10; CONNECTIONS=8; DRAIN_TIMEOUT=60 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "relay-path-compare: unknown argument $arg" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
PFX=/var/lib/smarthostlab-relay-path-postfix
pids=()
trap bench_cleanup EXIT
bench_build
bench() { dotnet "$BENCH_DLL" load --pipelining --bind 127.0.0.2 --size "$SIZE" --connections "$CONNECTIONS" \
  --messages "$MESSAGES" --duration "$SECONDS_PER_RUN" --drain-timeout "$DRAIN_TIMEOUT" --json --progress "$@"; }

# --- the next hop ------------------------------------------------------------------------------------------
sink_port=$(free_port 10600 10699)
/usr/sbin/smtp-sink -u postfix -m 1000 "127.0.0.1:$sink_port" 1024 &
pids+=($!)
wait_port "$sink_port" || { echo "smtp-sink did not start" >&2; exit 1; }

# --- Postfix relaying to it --------------------------------------------------------------------------------
postfix_port=$(free_port 10700 10799)
postfix_instance "$PFX" "$postfix_port" "relay-bench.smarthostlab.test" "relayhost = [127.0.0.1]:$sink_port
smtp_tls_security_level = none"

# Seconds since the epoch with milliseconds, when the Postfix instance's queue is empty (or the timeout passed).
postfix_drained_at() {
  local deadline=$(( $(date +%s) + DRAIN_TIMEOUT ))
  while [ -n "$(find "$PFX/spool/maildrop" "$PFX/spool/incoming" "$PFX/spool/active" "$PFX/spool/deferred" -type f -print -quit 2>/dev/null)" ]; do
    [ "$(date +%s)" -ge "$deadline" ] && { echo "-"; return; }
    sleep 0.1
  done
  date +%s.%3N
}

relay_port=$(free_port 10800 10899)
http_port=$(free_port 10900 10999)

pf_acc=() pf_e2e=() st_acc=() nh_acc=() nh_e2e=() nh_drained=()
for round in $(seq 1 "$ROUNDS"); do
  echo "== $SIZE x $CONNECTIONS connections, round $round of $ROUNDS" >&2
  settle
  # Postfix: the warm-up drains first, then the measured run; end to end counts until its queue is empty.
  bench --label postfix --target "127.0.0.1:$postfix_port" --warmup "$WARMUP" > "$OUT/postfix-$round.json" || true
  drained=$(postfix_drained_at)
  accepted=$(field .accepted "$OUT/postfix-$round.json")
  started=$(field .startedAtUnixMs "$OUT/postfix-$round.json")
  pf_acc+=("$(field .messagesPerSecond "$OUT/postfix-$round.json")")
  pf_e2e+=("$(awk -v n="$accepted" -v s="$started" -v d="$drained" 'BEGIN { if (d == "-" || n == "") print ""; else printf "%.1f", n / (d - s / 1000) }')")
  # The report charts Postfix's end to end beside the relay's: the script measured it, so it goes into the run's JSON.
  if [ -n "${pf_e2e[-1]}" ]; then
    jq --argjson e2e "${pf_e2e[-1]}" '.deliveredPerSecond = $e2e | .drained = true' "$OUT/postfix-$round.json" > "$OUT/postfix-$round.json.tmp" \
      && mv "$OUT/postfix-$round.json.tmp" "$OUT/postfix-$round.json"
  fi
  postsuper -c "$PFX/etc" -d ALL >/dev/null 2>&1 || true

  settle
  if start_relay --http "127.0.0.1:$http_port"; then
    bench --label "relay, Store" --target "127.0.0.1:$relay_port" --warmup "$WARMUP" --pid "$relay_pid" > "$OUT/relay-store-$round.json" || true
    st_acc+=("$(field .messagesPerSecond "$OUT/relay-store-$round.json")")
    stop_relay
  fi

  settle
  if start_relay --http "127.0.0.1:$http_port" --next-hop "127.0.0.1:$sink_port"; then
    bench --label "relay, NextHop" --target "127.0.0.1:$relay_port" --warmup "$WARMUP" --pid "$relay_pid" --relay-api "http://127.0.0.1:$http_port" > "$OUT/relay-nexthop-$round.json" || true
    nh_acc+=("$(field .messagesPerSecond "$OUT/relay-nexthop-$round.json")")
    nh_e2e+=("$(field .deliveredPerSecond "$OUT/relay-nexthop-$round.json")")
    nh_drained+=("$(field .drained "$OUT/relay-nexthop-$round.json")")
    stop_relay
  fi
  echo "   postfix accept ${pf_acc[-1]:-} e2e ${pf_e2e[-1]:-} | relay store ${st_acc[-1]:-} | relay nexthop accept ${nh_acc[-1]:-} e2e ${nh_e2e[-1]:-} drained ${nh_drained[-1]:-}" >&2
done

pa=$(median "${pf_acc[@]}") pe=$(median "${pf_e2e[@]}") sa=$(median "${st_acc[@]}") na=$(median "${nh_acc[@]}") ne=$(median "${nh_e2e[@]}")
{
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), .NET $(dotnet --version), Postfix $(postconf -h mail_version 2>/dev/null), $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "load: $SIZE x $CONNECTIONS connections, pipelining, unsigned, bound to 127.0.0.2, $WARMUP warm-up then $MESSAGES messages or $SECONDS_PER_RUN s; next hop smtp-sink$([ "$ROUNDS" -gt 1 ] && echo "; medians of $ROUNDS rounds")"
  echo
  echo "| server | accepted msg/s | end to end msg/s | drained |"
  echo "|---|---|---|---|"
  echo "| Postfix relaying to smtp-sink | ${pa:--} | ${pe:--} | $([ -n "$pe" ] && echo yes || echo no) |"
  echo "| relay, Store mode | ${sa:--} | (keeps) | |"
  echo "| relay, NextHop to smtp-sink | ${na:--} | ${ne:--} | ${nh_drained[*]:-} |"
  echo
  echo "relay end to end / Postfix end to end: $(ratio "$ne" "$pe") (target >= 10)"
  echo "relay NextHop accept / Store accept:   $(ratio "$na" "$sa") (target >= 0.8)"
} | tee "$OUT/summary.md"
shopt -s nullglob
bench_report "$OUT/report.html" "The relay path end to end beside Postfix, $(date -u +%Y-%m-%d)" "$OUT/summary.md" \
  "$OUT"/postfix-*.json "$OUT"/relay-store-*.json "$OUT"/relay-nexthop-*.json
echo "(JSON of every run, summary.md and report.html in $OUT)" >&2
