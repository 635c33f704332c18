#!/usr/bin/env bash
# The framework at scale, for real: mesos-sim with --agents agents (50,000 by default) and the
# framework binary with --num_tasks tasks (5,000) over HTTP, protobuf unless --content_type=json.
# Prints the time to run every task, the framework's peak and current RSS, mesos-sim's, and the
# state file's size; exits 1 if the tasks do not all run within --timeout seconds.
# With --state_file=off the framework runs without one (with it, the tasks a call acts on are
# written before the call leaves). --min_ready_time=D is passed on: readiness-gated tasks.
# Usage: scripts/bench-scale.sh [--agents=50000] [--num_tasks=5000] [--content_type=protobuf]
#                               [--state_file=on|off] [--min_ready_time=D] [--timeout=600]
set -euo pipefail
cd "$(dirname "$0")/.."

agents=50000
num_tasks=5000
content_type=protobuf
timeout=600
state_file=on
ready_flag=()
for arg in "$@"; do
  case "$arg" in
    --agents=*) agents=${arg#*=} ;;
    --num_tasks=*) num_tasks=${arg#*=} ;;
    --content_type=*) content_type=${arg#*=} ;;
    --timeout=*) timeout=${arg#*=} ;;
    --state_file=on | --state_file=off) state_file=${arg#*=} ;;
    --min_ready_time=*) ready_flag=("$arg") ;;
    *)
      echo "bench-scale: unknown argument $arg (see the usage at the top of $0)" >&2
      exit 2
      ;;
  esac
done

build_dir=${IOF_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DIOF_WERROR=ON >/dev/null
cmake --build "$build_dir" --target mesos-sim inverse-offer-framework >&2

work=$(mktemp -d)
sim_pid=""
framework_pid=""
cleanup() {
  [[ -n "$framework_pid" ]] && kill "$framework_pid" 2>/dev/null && wait "$framework_pid" 2>/dev/null
  [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The port in the first "127.0.0.1:PORT<suffix>" a process prints, within 60 s.
port_from() {
  local file=$1 suffix=$2
  for _ in $(seq 600); do
    if port=$(grep -oE "127\.0\.0\.1:[0-9]+$suffix" "$file" | head -1 | cut -d: -f2 | grep -oE '^[0-9]+'); then
      echo "$port"
      return 0
    fi
    sleep 0.1
  done
  echo "bench-scale: no port in $file:" >&2
  cat "$file" >&2
  return 1
}

# Peak (VmHWM) and current (VmRSS) resident memory of a process, in MB.
rss_of() {
  awk '/^VmHWM/ {peak=$2} /^VmRSS/ {now=$2} END {printf "peak %.0f MB, now %.0f MB", peak/1024, now/1024}' \
    "/proc/$1/status"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
seconds_since() { awk -v ms=$(($(now_ms) - $1)) 'BEGIN {printf "%.1f", ms / 1000}'; }

started=$(now_ms)
"$build_dir/src/sim/mesos-sim" --port=0 --agents="$agents" >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
sim_port=$(port_from "$work/sim.out" '')
echo "mesos-sim: $agents agents on port $sim_port, up in $(seconds_since "$started") s"

state_flag=()
if [[ "$state_file" == on ]]; then
  state_flag=(--state_file="$work/state.json")
fi
"$build_dir/src/framework/inverse-offer-framework" --master="127.0.0.1:$sim_port" \
  --num_tasks="$num_tasks" --content_type="$content_type" --http_address=127.0.0.1:0 \
  "${state_flag[@]}" "${ready_flag[@]}" --log_level=warn >"$work/fw.out" 2>"$work/fw.err" &
framework_pid=$!
fw_port=$(port_from "$work/fw.out" '/metrics')
started=$(now_ms)

running=0
deadline=$(($(date +%s) + timeout))
while (($(date +%s) < deadline)); do
  running=$(curl -s "http://127.0.0.1:$fw_port/metrics/snapshot" |
    grep -oE '"inverse_offer_framework/running_tasks":[0-9.]+' | cut -d: -f2 | cut -d. -f1 || true)
  if [[ "${running:-0}" -ge "$num_tasks" ]]; then
    break
  fi
  sleep 0.2
done
elapsed=$(seconds_since "$started")
if [[ "${running:-0}" -lt "$num_tasks" ]]; then
  echo "bench-scale: only ${running:-0} of $num_tasks tasks running after $timeout s" >&2
  tail -5 "$work/fw.err" >&2
  exit 1
fi
sleep 2  # a few allocations more: the steady state, every other agent declined
framework_cpu=$(awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$framework_pid/stat")
echo "framework: $num_tasks tasks RUNNING after $elapsed s ($content_type), CPU $framework_cpu s"
echo "framework RSS: $(rss_of "$framework_pid")"
echo "mesos-sim RSS: $(rss_of "$sim_pid")"
if [[ "$state_file" == on ]]; then
  echo "state file: $(stat -c %s "$work/state.json") bytes"
fi
