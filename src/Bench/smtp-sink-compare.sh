#!/usr/bin/env bash
# Loads three SMTP servers on this machine with the same bench client and prints the relay's
# figures as ratios, so results compare across machines (issue 5, docs/BENCH.md):
#   sink   Postfix smtp-sink: accepts and discards, no disk (the ceiling of this machine)
#   smtpd  a throwaway Postfix instance whose smtpd accepts into its own queue (fsync), mail held
#   relay  SmarthostLab relay, durable store and full SPF/DKIM/DMARC verification
# for 1 KB and 32 KB messages at 1, 16 and 64 connections, with the relay's peak memory (VmHWM).
# Writes the table to $OUT/summary.md and an HTML report with charts (throughput per case, latency percentiles)
# to $OUT/report.html, each chart also as $OUT/report-*.png.
#
# usage: src/Bench/smtp-sink-compare.sh [--quick] [--no-smtpd] [--no-relay] [--in-process]
#   env: MESSAGES (per run, default 100000), SECONDS_PER_RUN (default 20), SIZES ("1k 32k"),
#        CONCURRENCY ("1 16 64"), ARTIFACTS (default /tmp/art-bench), OUT (results folder),
#        WARMUP (messages sent first and not counted, default 100000; the bench caps a warm-up at 10 s), SKIP_BUILD=1 (use ARTIFACTS as built),
#        ROUNDS (default 1; with more, each case is run that many times and the table shows medians),
#        SETTLE_SECONDS (pause after a sync before each run, default 3),
#        SIGNED (default 1: every message carries one rsa-sha256 DKIM signature; 0: unsigned)
# Needs root only to install Postfix and run its throwaway instance. Loopback only. Every run is
# bounded by MESSAGES and SECONDS_PER_RUN (and the warm-up by 10 s); the default grid takes about 15 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/Bench/bench-lib.sh

MESSAGES=${MESSAGES:-100000}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-20}
ROUNDS=${ROUNDS:-1}
SIZES=${SIZES:-"1k 32k"}
CONCURRENCY=${CONCURRENCY:-"1 16 64"}
ARTIFACTS=${ARTIFACTS:-/tmp/art-bench}
OUT=${OUT:-/tmp/smarthostlab-bench-$(date -u +%Y%m%dT%H%M%SZ)}
RUN_SMTPD=1 RUN_RELAY=1 IN_PROCESS=0
for arg in "$@"; do
  case "$arg" in
    --quick) MESSAGES=200; SECONDS_PER_RUN=5; CONCURRENCY="1 4"; WARMUP=50 ;;
    --no-smtpd) RUN_SMTPD=0 ;;
    --no-relay) RUN_RELAY=0 ;;
    --in-process) IN_PROCESS=1 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "smtp-sink-compare: unknown argument $arg" >&2; exit 2 ;;
  esac
done
case "${SIGNED:-1}" in 0|1) ;; *) echo "smtp-sink-compare: SIGNED must be 0 or 1, not '$SIGNED'" >&2; exit 2 ;; esac
mkdir -p "$OUT"
PFX=/var/lib/smarthostlab-bench-postfix
pids=()

trap bench_cleanup EXIT
bench_build
# The relay is a long-running service: measure it after tiered JIT and dynamic PGO settle (about 10 s
# of load), not its first seconds. smtp-sink and smtpd (C) get the same warm-up, for the same client state.
# Counts large enough that a fast machine still warms up for the whole 10 s and measures for seconds, not
# for the fraction of a second that 20,000 messages take smtp-sink at 28,000 msg/s.
WARMUP=${WARMUP:-100000}
bench() { dotnet "$BENCH_DLL" load --pipelining --warmup "$WARMUP" --messages "$MESSAGES" --duration "$SECONDS_PER_RUN" --json --progress "$@"; }

# --- a DKIM key; the relay's lab config (the same as load --start-relay) comes from the bench ----
openssl genrsa -out "$OUT/bench-dkim.pem" 2048 2>/dev/null
# SIGNED=0 sends the load generator's default, unsigned message (the relay's DKIM check then finds no signature).
SIGN=(--bind 127.0.0.2)
[ "${SIGNED:-1}" = 1 ] && SIGN=(--dkim-key "$OUT/bench-dkim.pem" --bind 127.0.0.2)

# --- smtp-sink ---------------------------------------------------------------------------------
sink_port=$(free_port 10300 10399)
/usr/sbin/smtp-sink -u postfix -m 1000 "127.0.0.1:$sink_port" 1024 &
pids+=($!)
wait_port "$sink_port" || { echo "smtp-sink did not start" >&2; exit 1; }

# --- a throwaway Postfix instance: smtpd accepting into its queue, every message held -----------
smtpd_port=""
if [ "$RUN_SMTPD" = 1 ]; then
  smtpd_port=$(free_port 10400 10499)
  # Accept into the queue, then hold: nothing is delivered, the queue manager stays idle.
  postfix_instance "$PFX" "$smtpd_port" "smtpd-bench.smarthostlab.test" "smtpd_recipient_restrictions = check_client_access static:HOLD"
fi

# --- the relay, a fresh process and data folder per run, so VmHWM is that run's peak -------------
relay_port=$(free_port 10500 10599)

# One round: smtp-sink, smtpd and the relay, one after the other, for one size and connection count.
# Sets sink smtpd relay mem p99 refused cpu client.
run_round() {
  local size=$1 c=$2 tag=$3
  settle
  bench --label smtp-sink --target "127.0.0.1:$sink_port" --connections "$c" --size "$size" "${SIGN[@]}" > "$OUT/sink-$tag.json" || true
  sink=$(field .messagesPerSecond "$OUT/sink-$tag.json")
  client=$(field '.cpuPerMessageSelfUs | floor' "$OUT/sink-$tag.json" 2>/dev/null || true)
  smtpd=""
  if [ -n "$smtpd_port" ]; then
    settle
    bench --label smtpd --target "127.0.0.1:$smtpd_port" --connections "$c" --size "$size" "${SIGN[@]}" > "$OUT/smtpd-$tag.json" || true
    smtpd=$(field .messagesPerSecond "$OUT/smtpd-$tag.json")
    postsuper -c "$PFX/etc" -d ALL hold >/dev/null 2>&1 || true
  fi
  relay="" mem="" p99="" refused="" cpu=""
  if [ "$RUN_RELAY" = 1 ]; then
    settle
    if [ "$IN_PROCESS" = 1 ]; then
      bench --label relay --start-relay --target "127.0.0.1:$relay_port" --connections "$c" --size "$size" "${SIGN[@]}" > "$OUT/relay-$tag.json" || true
      mem=$(field .peakMemorySelfBytes "$OUT/relay-$tag.json")
      cpu=$(field '.cpuPerMessageSelfUs | floor' "$OUT/relay-$tag.json" 2>/dev/null || true)
    elif start_relay --dkim-key "$OUT/bench-dkim.pem"; then
      bench --label relay --target "127.0.0.1:$relay_port" --connections "$c" --size "$size" "${SIGN[@]}" --pid "$relay_pid" > "$OUT/relay-$tag.json" || true
      mem=$(field .peakMemoryPidBytes "$OUT/relay-$tag.json")
      cpu=$(field '.cpuPerMessagePidUs | floor' "$OUT/relay-$tag.json" 2>/dev/null || true)
      stop_relay
    fi
    relay=$(field .messagesPerSecond "$OUT/relay-$tag.json" 2>/dev/null || true)
    p99=$(field .latencyMs.p99 "$OUT/relay-$tag.json" 2>/dev/null || true)
    refused=$(field .refused "$OUT/relay-$tag.json" 2>/dev/null || true)
    if [ -n "$mem" ]; then mem=$(awk -v m="$mem" 'BEGIN { printf "%.0f", m / 1048576 }'); fi
  fi
  return 0 # a failed run shows as "-", it does not end the script
}

# With ROUNDS > 1 each case runs that many rounds and the table shows medians: of the rates, of each
# round's own ratios (taken minutes apart, so a slow spell of a shared machine hits both sides), of CPU and
# p99; the peak memory is the highest of the rounds and "refused" the total over them.
rows=()
for size in $SIZES; do
  for c in $CONCURRENCY; do
    s_all=() d_all=() r_all=() rs_all=() rd_all=() m_all=() p_all=() f_all=() u_all=() k_all=()
    for round in $(seq 1 "$ROUNDS"); do
      echo "== $size x $c connections$([ "$ROUNDS" -gt 1 ] && echo ", round $round of $ROUNDS")" >&2
      tag="$size-$c"; [ "$ROUNDS" -gt 1 ] && tag="$tag-r$round"
      run_round "$size" "$c" "$tag"
      s_all+=("$sink") d_all+=("$smtpd") r_all+=("$relay") m_all+=("$mem") p_all+=("$p99") f_all+=("$refused") u_all+=("$cpu") k_all+=("$client")
      rs_all+=("$(ratio "$relay" "$sink")") rd_all+=("$(ratio "$relay" "$smtpd")")
    done
    sink=$(median "${s_all[@]}") smtpd=$(median "${d_all[@]}") relay=$(median "${r_all[@]}")
    mem=$(printf '%s\n' "${m_all[@]}" | awk 'NF' | sort -g | tail -1)
    p99=$(median "${p_all[@]}") cpu=$(median "${u_all[@]}") client=$(median "${k_all[@]}")
    refused=$(printf '%s\n' "${f_all[@]}" | awk 'NF { n += $1; k++ } END { if (k) print n }')
    to_sink=$(median $(printf '%s\n' "${rs_all[@]}" | awk '$0 != "-"')) to_smtpd=$(median $(printf '%s\n' "${rd_all[@]}" | awk '$0 != "-"'))
    [ -n "$to_sink" ] && to_sink=$(printf '%.2f' "$to_sink")
    [ -n "$to_smtpd" ] && to_smtpd=$(printf '%.2f' "$to_smtpd")
    rows+=("$(printf '| %-4s | %3s | %9s | %9s | %9s | %6s | %6s | %8s | %7s | %5s | %6s | %6s |' \
      "$size" "$c" "${sink:--}" "${smtpd:--}" "${relay:--}" "${to_sink:--}" "${to_smtpd:--}" \
      "${mem:--}" "${p99:--}" "${refused:--}" "${cpu:--}" "${client:--}")")
    [ "$ROUNDS" -gt 1 ] && echo "   relay/sink per round: ${rs_all[*]}" >&2
  done
done

{
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), .NET $(dotnet --version), Postfix $(postconf -h mail_version 2>/dev/null), $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "load: pipelining, $([ "${SIGNED:-1}" = 1 ] && echo "DKIM-signed" || echo "unsigned") message, bound to 127.0.0.2, $WARMUP warm-up messages then $MESSAGES messages or $SECONDS_PER_RUN s per run (messages/s accepted)$([ "$ROUNDS" -gt 1 ] && echo "; medians of $ROUNDS rounds")"
  echo
  echo "| size | conn | smtp-sink | smtpd     | relay     | /sink  | /smtpd | peak MiB | p99 ms  | refused | relay cpu us/msg | client cpu us/msg |"
  echo "|------|-----|-----------|-----------|-----------|--------|--------|----------|---------|---------|--------|--------|"
  printf '%s\n' "${rows[@]}"
} | tee "$OUT/summary.md"
shopt -s nullglob
bench_report "$OUT/report.html" "Relay vs Postfix smtp-sink and smtpd, $(date -u +%Y-%m-%d)" "$OUT/summary.md" "$OUT"/sink-*.json "$OUT"/smtpd-*.json "$OUT"/relay-*.json
echo "(JSON of every run, summary.md and report.html in $OUT)" >&2
