#!/usr/bin/env bash
# Explores new seeds of the deterministic simulation for as long as asked, in batches, and
# reports simulated cluster-hours per CPU-second. Stops at the first violation and prints the
# single command that replays it (exit 1).
# Usage: scripts/simulate.sh [--minutes=M] [--first_seed=S] [iof-simulate flags...]
#   e.g. scripts/simulate.sh --minutes=30 --max_surge=2 --max_unavailable=1
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=5
first_seed=""
passthrough=()
for argument in "$@"; do
  case "$argument" in
    --minutes=*) minutes=${argument#--minutes=} ;;
    --first_seed=*) first_seed=${argument#--first_seed=} ;;
    --seed=* | --seeds=* | --trace=*)
      echo "simulate.sh: $argument is chosen per batch; use iof-simulate directly for one seed" >&2
      exit 2
      ;;
    *) passthrough+=("$argument") ;;
  esac
done
if ! [[ "$minutes" =~ ^[0-9]+$ ]] || ((minutes < 1)); then
  echo "simulate.sh: --minutes must be a whole number of minutes, at least 1" >&2
  exit 2
fi
# New ground by default: seeds far from the ones CI runs, different on every call.
if [[ -z "$first_seed" ]]; then
  first_seed=$(( (RANDOM << 30 | RANDOM << 15 | RANDOM) + 1000000 ))
elif ! [[ "$first_seed" =~ ^[0-9]+$ ]]; then
  echo "simulate.sh: --first_seed must be a non-negative integer" >&2
  exit 2
fi

build_dir=${IOF_BUILD_DIR:-build}
simulator="$build_dir/src/simulation/iof-simulate"
if [[ ! -x "$simulator" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build_dir" --target iof-simulate
fi
# Validate the pass-through flags once, before the clock starts.
"$simulator" --seeds=1 --hours=0.01 "${passthrough[@]}" >/dev/null

batch=200
deadline=$(( $(date +%s) + minutes * 60 ))
seed=$first_seed
total_hours=0
total_cpu=0
batches=0
while (( $(date +%s) < deadline )); do
  if ! output=$("$simulator" --seed="$seed" --seeds="$batch" "${passthrough[@]}"); then
    echo "$output"
    exit 1
  fi
  hours=$(sed -n 's/^simulated \([0-9.]*\) cluster-hours.*/\1/p' <<<"$output")
  cpu=$(sed -n 's/.* steps, \([0-9.]*\) CPU seconds.*/\1/p' <<<"$output")
  total_hours=$(awk -v a="$total_hours" -v b="$hours" 'BEGIN { print a + b }')
  total_cpu=$(awk -v a="$total_cpu" -v b="$cpu" 'BEGIN { print a + b }')
  batches=$((batches + 1))
  echo "seeds $seed..$((seed + batch - 1)): $hours cluster-hours, no violation"
  seed=$((seed + batch))
done
awk -v h="$total_hours" -v c="$total_cpu" -v n="$((seed - first_seed))" -v f="$first_seed" \
  'BEGIN { printf "explored %d seeds from %d: %.0f simulated cluster-hours in %.1f CPU seconds, %.0f simulated hours per CPU-second, no violation\n", n, f, h, c, (c > 0 ? h / c : 0) }'
