#!/usr/bin/env bash
# Instruments the SmarthostLab assemblies with SharpFuzz and runs one target under afl-fuzz (AFL++) for a given time.
#
#   fuzz/run.sh <target> [seconds]        e.g. fuzz/run.sh command 600
#
# Targets: command data session bdat proxy zone spf dkim (see docs/FUZZING.md). Needs afl-fuzz (Debian: apt-get install afl++)
# and the SharpFuzz.CommandLine dotnet tool (installed here into fuzz/.work/tools when `sharpfuzz` is not on PATH).
# Output: fuzz/.work/<target>/afl (afl-fuzz's queue, crashes/, hangs/, fuzzer_stats). Each crash is replayed through the
# target at the end with its exception; keep a fixed one as fuzz/regressions/<target>/<name> so `dotnet test` keeps it.
#
# Environment: FUZZ_INSTRUMENT   assemblies to instrument (default: the one the target's parser lives in)
#              FUZZ_TIMEOUT_MS   afl-fuzz per-input timeout (default 20000; a timeout kills SharpFuzz's in-process
#                                fork server, so it is well above the session target's own 10 s hang limit)
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:?usage: fuzz/run.sh <target> [seconds]}"
seconds="${2:-600}"
case "$target" in
  command|data|session|bdat|proxy) default_instrument="SmarthostLab.Smtp.dll" ;;
  zone|spf|dkim) default_instrument="SmarthostLab.Verification.dll" ;;
  *) echo "unknown target '$target' (command data session bdat proxy zone spf dkim)" >&2; exit 2 ;;
esac
instrument="${FUZZ_INSTRUMENT:-$default_instrument}"

command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: apt-get install afl++" >&2; exit 1; }
work="fuzz/.work"
sharpfuzz="$(command -v sharpfuzz || true)"
if [ -z "$sharpfuzz" ]; then
  sharpfuzz="$work/tools/sharpfuzz"
  [ -x "$sharpfuzz" ] || dotnet tool install --tool-path "$work/tools" SharpFuzz.CommandLine --version 2.3.0 >/dev/null
fi

# A fresh Release build per target: SharpFuzz rewrites the assemblies in place.
out="$work/$target/bin"
rm -rf "$out"
dotnet publish fuzz/SmarthostLab.Fuzz -c Release -o "$out" -v quiet -nologo >/dev/null
for dll in $instrument; do
  echo "instrumenting $dll"
  "$sharpfuzz" "$out/$dll"
done

findings="$work/$target/afl"
rm -rf "$findings"
dict=()
[ -f "fuzz/dict/$target.dict" ] && dict=(-x "fuzz/dict/$target.dict")
echo "afl-fuzz on '$target' for $seconds s (findings: $findings)"
# The .NET host is not AFL-instrumented itself (SKIP_BIN_CHECK); the core_pattern and CPU governor checks are
# skipped instead of changing system settings; no UI so the log stays readable.
AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 \
  afl-fuzz -i "fuzz/corpus/$target" -o "$findings" "${dict[@]}" -t "${FUZZ_TIMEOUT_MS:-20000}" -m none -V "$seconds" \
  -- dotnet "$out/SmarthostLab.Fuzz.dll" "$target" > "$work/$target/afl.log" 2>&1 || {
    echo "afl-fuzz failed; last lines of $work/$target/afl.log:" >&2; tail -n 30 "$work/$target/afl.log" >&2; exit 1; }

stats="$findings/default/fuzzer_stats"
grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|bitmap_cvg|stability)' "$stats"
shopt -s nullglob
crashes=("$findings"/default/crashes/id:* "$findings"/default/hangs/id:*)
if [ "${#crashes[@]}" -gt 0 ]; then
  # Replayed by the uninstrumented build: instrumented code needs afl-fuzz's shared memory.
  echo "replaying the ${#crashes[@]} inputs afl-fuzz kept as crashes or hangs:"
  dotnet run --project fuzz/SmarthostLab.Fuzz -- "$target" --replay "${crashes[@]}" || true
fi
