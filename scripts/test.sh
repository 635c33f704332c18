#!/usr/bin/env bash
# Configures, builds (warnings are errors) and runs the whole test suite.
# Usage: scripts/test.sh [extra ctest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${IOF_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DIOF_WERROR=ON
cmake --build "$build_dir"
ctest --test-dir "$build_dir" --output-on-failure "$@"
