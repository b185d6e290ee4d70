# Shell functions shared by the bench scripts (smtp-sink-compare.sh, relay-path-compare.sh); sourced, not run.

# The first port in $1..$2 nothing listens on.
free_port() {
  local p
  for p in $(seq "$1" "$2"); do
    if ! ss -ltn "( sport = :$p )" | grep -q ":$p\b"; then echo "$p"; return; fi
  done
  echo "bench: no free port in $1-$2" >&2; exit 1
}

# Waits up to 30 s for a listener on port $1.
wait_port() {
  for _ in $(seq 1 150); do
    ss -ltn "( sport = :$1 )" | grep -q ":$1\b" && return 0
    sleep 0.2
  done
  return 1
}

field() { jq -r "$1 // empty" "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2f", a / b; else printf "-" }'; }

# The median of numbers (empty when there are none).
median() { printf '%s\n' "$@" | awk 'NF' | sort -g | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

# Writes the HTML report $1 (title $2, table $3) of the load --json reports given after them, with each chart as a PNG
# beside it; files that are not a finished run's report (a failed run leaves an empty one) are left out.
bench_report() {
  local html=$1 title=$2 table=$3; shift 3
  local f reports=()
  for f in "$@"; do jq -e '.messagesPerSecond' "$f" >/dev/null 2>&1 && reports+=("$f"); done
  [ "${#reports[@]}" -gt 0 ] || { echo "bench: no load report to chart" >&2; return 0; }
  dotnet "$BENCH_DLL" report --out "$html" --title "$title" --table "$table" --png "${reports[@]}" >&2 \
    || echo "bench: the HTML report could not be written (the table above stands)" >&2
}

# Deleting the last run's files (tens of thousands of Postfix queue files, the relay's store) keeps the disk
# and the kernel busy for seconds on this VM (ext4 with discard): flush that before measuring the next server,
# or it slows whichever runs next.
settle() { sync; sleep "${SETTLE_SECONDS:-3}"; }

# A throwaway Postfix instance in folder $1 (config in $1/etc, queue in $1/spool), smtpd on 127.0.0.1:$2, named $3,
# with the extra main.cf lines $4; the system's Postfix is left alone. Stop it with: postfix -c "$1/etc" stop
postfix_instance() {
  local dir=$1 port=$2 name=$3 extra=$4
  postfix -c "$dir/etc" stop >/dev/null 2>&1 || true
  rm -rf "$dir"; mkdir -p "$dir/etc" "$dir/spool" "$dir/data"
  chown postfix:postfix "$dir/data"
  cp /usr/share/postfix/master.cf.dist "$dir/etc/master.cf"
  cat > "$dir/etc/main.cf" <<CONF
# Throwaway instance of a SmarthostLab bench script; the system's Postfix is left alone.
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = $name
mydomain = smarthostlab.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
local_transport = error:local delivery is disabled
alias_maps =
alias_database =
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
default_process_limit = 200
message_size_limit = 36700160
maillog_file = $dir/postfix.log
$extra
CONF
  postconf -c "$dir/etc" -M# smtp/inet >/dev/null
  postconf -c "$dir/etc" -M "127.0.0.1:$port/inet=127.0.0.1:$port inet n - n - - smtpd"
  postconf -c "$dir/etc" -F '*/*/chroot = n'
  postfix -c "$dir/etc" check
  postfix -c "$dir/etc" start >/dev/null
  wait_port "$port" || { echo "Postfix smtpd did not start on $port" >&2; tail "$dir/postfix.log" >&2; exit 1; }
}

# At exit: stops every process in the array pids and the Postfix instance in $PFX. Use: trap bench_cleanup EXIT
bench_cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  if [ -f "$PFX/etc/main.cf" ]; then postfix -c "$PFX/etc" stop >/dev/null 2>&1 || true; fi
}

# Installs Postfix and jq, builds the bench in Release into $ARTIFACTS (unless SKIP_BUILD=1), sets BENCH_DLL and RELAY_DLL.
bench_build() {
  bash .ci/install-postfix.sh
  command -v jq >/dev/null 2>&1 || { [ "$(id -u)" = 0 ] && apt-get install -y -qq jq >/dev/null; }
  if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "building the bench (artifacts in $ARTIFACTS)…" >&2
    dotnet build src/Bench -c Release --artifacts-path "$ARTIFACTS" -v quiet -nologo >&2
  fi
  BENCH_DLL="$ARTIFACTS/bin/SmarthostLab.Bench/release/smarthostlab-bench.dll"
  RELAY_DLL="$ARTIFACTS/bin/SmarthostLab.Relay/release/smarthostlab-relay.dll"
}

# Starts a relay as its own process on 127.0.0.1:$relay_port (or $RELAY_PORT) with the bench's lab configuration
# (relay-args, into $OUT/$RELAY_NAME, default $OUT/relay); relay-args options in $@ (--http, --next-hop, --dkim-key),
# then after a "--" the relay's own extra options (e.g. --Store:Provider=Postgres). Sets relay_pid; adds it to pids
# and relay_pids, so that several relays can run at once.
relay_pid=""
relay_pids=()
relay_dirs=()
start_relay() {
  local name=${RELAY_NAME:-relay} port=${RELAY_PORT:-$relay_port} own=() extra=()
  while [ $# -gt 0 ]; do
    if [ "$1" = -- ]; then shift; extra=("$@"); break; fi
    own+=("$1"); shift
  done
  rm -rf "${OUT:?}/$name"
  mapfile -t relay_args < <(dotnet "$BENCH_DLL" relay-args --folder "$OUT/$name" --target "127.0.0.1:$port" "${own[@]}")
  dotnet "$RELAY_DLL" "${relay_args[@]}" "${extra[@]}" >"$OUT/$name.log" 2>&1 &
  relay_pid=$!
  pids+=("$relay_pid")
  relay_pids+=("$relay_pid")
  relay_dirs+=("$OUT/$name")
  wait_port "$port" || { echo "relay did not start; see $OUT/$name.log" >&2; tail "$OUT/$name.log" >&2; return 1; }
}

# Stops every relay start_relay started (SIGTERM, waits) and deletes their stores: the store of a run holds every
# message with its transcript (hundreds of MB); keep only the figures.
stop_relay() {
  local p d
  for p in "${relay_pids[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  for d in "${relay_dirs[@]:-}"; do [ -n "$d" ] && rm -rf "$d/data"; done
  relay_pid="" relay_pids=() relay_dirs=()
}
