#!/usr/bin/env bash
# Builds the framework and runs it. With no --master it starts an embedded mesos-sim master
# (three simulated agents or more) so that it runs with no cluster; Ctrl-C stops it.
# Usage: scripts/run.sh [inverse-offer-framework flags, e.g. --num_tasks=3 --master=host:5050]
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${IOF_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DIOF_WERROR=ON >/dev/null
cmake --build "$build_dir" --target inverse-offer-framework
exec "$build_dir/src/framework/inverse-offer-framework" "$@"
