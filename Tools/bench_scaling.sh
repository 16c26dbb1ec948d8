#!/usr/bin/env bash
# The data-parallel scaling benchmark (docs/BENCHMARKS.md, "Data-parallel scaling"): the quickstart pipeline
# for a fixed number of steps as one process and as `mpirun -np N` ranks, 1 thread each (sampler, learner,
# BLAS), and the ratio of their steps per minute. Also the peak resident memory (VmHWM) of every rank.
#
#   bash Tools/bench_scaling.sh [STEPS [RANKS [--set KEY=VALUE ...]]]      (defaults: 12 steps, 2 ranks)
#
# Extra `--set` overrides go to both runs, e.g. `--set rollout.max_staleness=0` (sampling and learning then
# alternate instead of overlapping, so one process keeps one core busy, not two). MPI_OPTIONS adds mpirun options;
# CORE_PER_PROCESS=1 pins each process to one core (below).
#
# Steps per minute are timed between the progress lines of step 2 and the last step (printed by rank 0 as
# each step ends), so start-up, the warm-up step and the evaluations before and after are not counted; CPU
# core-seconds per step over the same interval (all processes) say what the steps cost whatever else runs on
# the machine. Linux shares the CPU between sessions (autogroups) before threads: on a loaded machine a job's
# processes share one session's part, so more ranks do not get more CPU and wall times do not show scaling.
# Evaluation during the run is off and the held-out set is cut to 8 problems. Needs the release build and
# the quickstart shards (Tools/quickstart.sh makes both); runs/bench-scaling/ holds the runs.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-12}
ranks=${2:-2}
shift $(( $# < 2 ? $# : 2 ))
dispo=.build/release/dispo
data=runs/data/quickstart
out=runs/bench-scaling
[ -x "$dispo" ] || { echo "no $dispo: swift build -c release --product dispo" >&2; exit 1; }
[ -f "$data/train/manifest.json" ] || { echo "no $data: run Tools/quickstart.sh once (it makes the shards)" >&2; exit 1; }
mkdir -p "$out"
sets=(--set "train.steps=$steps" --set eval.every=0 --set data.eval_limit=8 --set checkpoint.every=0
      --set threads.sampler=1 --set threads.learner=1 --set threads.blas=1 "$@")
# CORE_PER_PROCESS=1 gives every process one core: the single process runs on core 0 (taskset) and each rank
# on a core of its own (--bind-to core), so that a process's sampler and learner threads share its one core.
# Without it a single process with max_staleness ≥ 1 overlaps sampling and learning on two cores.
solo=() bind=none
[ "${CORE_PER_PROCESS:-0}" = 1 ] && solo=(taskset -c 0) bind=core
mpi=(--oversubscribe --bind-to "$bind" ${MPI_OPTIONS:-})
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# Prints "LABEL: S s/step, R steps/min, CPU C core-s/step, peak RSS per process (MiB): …" for one run; $1 = label,
# the rest = the command. Every 0.2 s each dispo process of the run is sampled: CPU time (utime + stime) and peak
# resident memory (VmHWM). CPU per step = all processes' CPU time between the step-2 and the last progress line.
measure() {
  local label=$1; shift
  local log="$out/$label.log" samples="$out/$label.samples"
  : > "$samples"
  "$@" > >(while IFS= read -r line; do printf '%s %s\n' "$(date +%s.%N)" "$line"; done > "$log") 2>&1 &
  local job=$! tick
  tick=$(getconf CLK_TCK)
  while kill -0 "$job" 2>/dev/null; do
    for pid in $(pgrep -f "^$dispo run Pipelines/quickstart.json --run-dir $out/$label" || true); do
      local now cpu rss
      now=$(date +%s.%N)
      cpu=$(awk -v t="$tick" '{ sub(/^.*\) /, ""); print ($12 + $13) / t }' "/proc/$pid/stat" 2>/dev/null) || continue
      rss=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
      echo "$now $pid $cpu $rss" >> "$samples"
    done
    sleep 0.2
  done
  wait "$job"
  local first last
  first=$(awk '$2 == "step" && $3 ~ /^2\// { print $1; exit }' "$log")
  last=$(awk -v n="$steps" '$2 == "step" && $3 == n "/" n { print $1; exit }' "$log")
  awk -v a="$first" -v b="$last" -v n="$steps" -v label="$label" '
    { if ($4 > peak[$2]) peak[$2] = $4
      if ($1 <= a) { c0[$2] = $3 } else if (!($2 in c0)) { c0[$2] = $3 }
      if ($1 <= b) c1[$2] = $3 }
    END { cpu = 0; rss = ""
          for (p in c1) cpu += c1[p] - c0[p]
          for (p in peak) rss = rss sprintf("%d ", peak[p] / 1024)
          s = (b - a) / (n - 2)
          printf "%s: %.2f s/step, %.1f steps/min, CPU %.2f core-s/step, peak RSS per process (MiB): %s\n",
                 label, s, 60 / s, cpu / (n - 2), rss }' "$samples"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$("$dispo" env 2>/dev/null | grep -E '^mpi' || echo 'mpi: unknown')"
echo "overrides: ${*:-none}; session per process: ${SESSION_PER_PROCESS:-0}"
# Line-buffered output (stdbuf), so each progress line is timestamped when its step ends. SESSION_PER_PROCESS=1
# starts every process in a session of its own (setsid), so that on a loaded machine each gets the share a
# process with a core of its own would get (see above); say so next to numbers measured that way.
wrap=(stdbuf -oL)
[ "${SESSION_PER_PROCESS:-0}" = 1 ] && wrap=(setsid -w stdbuf -oL)
echo "one core per process: ${CORE_PER_PROCESS:-0}"
one=$(measure one "${solo[@]}" "${wrap[@]}" "$dispo" run Pipelines/quickstart.json --run-dir "$out/one" --overwrite "${sets[@]}")
echo "$one"
many=$(measure "ranks$ranks" mpirun -np "$ranks" "${mpi[@]}" "${wrap[@]}" "$dispo" run Pipelines/quickstart.json --run-dir "$out/ranks$ranks" \
       --overwrite "${sets[@]}")
echo "$many"
awk -v a="$one" -v b="$many" -v n="$ranks" 'BEGIN {
  split(a, x, " "); split(b, y, " "); printf "speed-up at %d ranks: %.2f× (steps/min %s → %s)\n", n, y[4] / x[4], x[4], y[4] }'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
