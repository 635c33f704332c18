#!/usr/bin/env bash
# Builds mesos-sim, the framework and the maintenance benchmark, then runs the benchmark: every
# framework policy on the same rolling maintenance of a 60-agent mesos-sim cluster (one fresh
# cluster per policy, same seed). It prints the scenario, progress, and a table (also as
# markdown for the README). A default run takes a few minutes per policy.
# Usage: scripts/bench-maintenance.sh [--policies=seed,intent,evacuate] [--agents=60] ...
#        scripts/bench-maintenance.sh --help     (every flag)
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${IOF_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DIOF_WERROR=ON >/dev/null
cmake --build "$build_dir" --target maintenance_bench mesos-sim inverse-offer-framework >&2
exec "$build_dir/tests/bench/maintenance_bench" "$@"
