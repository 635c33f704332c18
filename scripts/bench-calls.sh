#!/usr/bin/env bash
# Pipelined calls, measured on this machine: builds calls_bench and runs it. It prints calls a
# second against mesos-sim and the time to acknowledge a 10k-update storm, with the call window 1
# (one call at a time, the behaviour before pipelining) and the default window, side by side.
# Usage: scripts/bench-calls.sh [build dir] [calls_bench flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true
cmake --build "$build_dir" --target calls_bench mesos-sim
exec "$build_dir/tests/bench/calls_bench" "$@"
