#!/usr/bin/env bash
# Builds the libFuzzer harnesses of Tools/fuzz (release, every module compiled with -sanitize=fuzzer) and
# runs each one after the other for SECONDS (default 600) on a working copy of its seed corpus:
#   bash Tools/fuzz.sh [SECONDS] [HARNESS ...]      e.g.  bash Tools/fuzz.sh 60 FuzzSpec
# Harnesses: FuzzShards FuzzModelFiles FuzzSpec FuzzTokenizer FuzzVerifier. One job, so on a shared machine it
# takes one core. Work files (grown corpus, crash inputs, logs) go to Tools/fuzz/work/<harness>/ (not
# committed). A crash, a trap, a timeout (10 s per input) or an allocation beyond the memory limit (4 GiB)
# stops that harness with the input saved as work/<harness>/crash-* (or timeout-*, oom-*); replay it with
#   Tools/fuzz/.build/release/<harness> Tools/fuzz/work/<harness>/crash-…
# The script ends with a summary line per harness and exits non-zero if any harness found something.
set -uo pipefail
cd "$(dirname "$0")/fuzz"
SECONDS_EACH=${1:-600}
shift || true
HARNESSES=${*:-FuzzShards FuzzModelFiles FuzzSpec FuzzTokenizer FuzzVerifier}
swift build -c release --sanitize=fuzzer || exit 1
status=0
summary=()
for h in $HARNESSES; do
  work="work/$h"
  mkdir -p "$work/corpus"
  cp corpus/"$h"/* "$work/corpus/"
  echo "== $h: $SECONDS_EACH s" >&2
  ".build/release/$h" "$work/corpus" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
      -artifact_prefix="$work/" -print_final_stats=1 >"$work/log.txt" 2>&1 &
  pid=$!
  wait $pid
  code=$?
  rm -rf "/dev/shm/dispo-fuzz-$pid" "${TMPDIR:-/tmp}/dispo-fuzz-$pid"   # the harness's scratch files
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log.txt" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "$work/log.txt" | tail -1 | grep -o '[0-9]*' || echo "?")
  found=$(ls "$work" | grep -E '^(crash|timeout|oom|leak)-' || true)
  if [ "$code" -ne 0 ] || [ -n "$found" ]; then
    status=1
    summary+=("$h: FOUND ${found:-exit $code} after $runs runs (see $work/log.txt)")
  else
    summary+=("$h: clean, $runs runs in $SECONDS_EACH s, coverage $cov edges, corpus $(ls "$work/corpus" | wc -l) inputs")
  fi
done
printf '%s\n' "${summary[@]}"
exit $status
