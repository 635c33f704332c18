#!/usr/bin/env bash
# Builds and runs the decision benchmark: OFFERS events of 1k to 50k offers and 10k-update storms,
# the framework's decode + decide + encode rate against the raw protobuf parse rate, in protobuf
# and JSON, then the issue's targets (exit 1 if one is missed). Takes about a minute.
# Usage: scripts/bench-decide.sh [--sizes=1000,5000,10000,50000] [--tasks=500] [--storm=10000]
#        scripts/bench-decide.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${IOF_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DIOF_WERROR=ON >/dev/null
cmake --build "$build_dir" --target decide_bench >&2
exec "$build_dir/tests/bench/decide_bench" "$@"
