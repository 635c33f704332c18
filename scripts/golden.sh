#!/usr/bin/env bash
# The framework core's behaviour, frozen: the per-step decisions of every core unit test
# (tests/golden/decisions/) and full simulator traces of fixed seeds under every policy
# (tests/golden/traces/). `check` (what ctest runs) fails on any byte of difference and shows it;
# `record` rewrites them, for a change that means to alter behaviour: review its diff like code.
# Usage: scripts/golden.sh check|record [build dir]
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
build_dir=${2:-${IOF_BUILD_DIR:-build}}
if [[ "$mode" != check && "$mode" != record ]]; then
  echo "usage: scripts/golden.sh check|record [build dir]" >&2
  exit 2
fi
core_tests="$build_dir/tests/iof_framework_tests"
simulator="$build_dir/src/simulation/iof-simulate"
for binary in "$core_tests" "$simulator"; do
  if [[ ! -x "$binary" ]]; then
    echo "golden.sh: $binary is missing: build first (cmake --build $build_dir)" >&2
    exit 2
  fi
done

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Every step of every core test scenario.
if ! IOF_DECISIONS_DIR="$out/decisions" "$core_tests" --no-intro --minimal >"$out/core.log" 2>&1; then
  cat "$out/core.log" >&2
  echo "golden.sh: the core tests fail; decisions are only compared on a passing run" >&2
  exit 1
fi

# Fixed seeds, two simulated hours each: every policy under every fault, and the evacuate policy
# with wider budgets, on a tight cluster and with lossy calls.
mkdir -p "$out/traces"
while read -r name flags; do
  # shellcheck disable=SC2086  # flags are words
  "$simulator" --seeds=1 --hours=2 --trace_detail=full --trace="$out/traces/$name.trace" \
    $flags >"$out/traces/$name.summary" 2>&1 || true
  sed -i '/CPU second/d' "$out/traces/$name.summary"
done <<'LIST'
seed-1 --policy=seed --seed=1
seed-2 --policy=seed --seed=2
intent-1 --policy=intent --seed=1
intent-2 --policy=intent --seed=2
evacuate-1 --policy=evacuate --seed=1
evacuate-2 --policy=evacuate --seed=2
evacuate-3 --policy=evacuate --seed=3
evacuate-budgets-12 --policy=evacuate --seed=12 --max_surge=2 --max_unavailable=1
evacuate-tight-5 --policy=evacuate --seed=5 --agents=6
evacuate-lossy-92 --policy=evacuate --seed=92 --faults=lost_calls,task_failure,maintenance
LIST

if [[ "$mode" == record ]]; then
  rm -rf tests/golden/decisions tests/golden/traces
  cp -r "$out/decisions" "$out/traces" tests/golden/
  echo "golden.sh: recorded $(find tests/golden/decisions tests/golden/traces -type f | wc -l) files"
  exit 0
fi
status=0
for kind in decisions traces; do
  if ! diff -ru "tests/golden/$kind" "$out/$kind" >"$out/$kind.diff"; then
    echo "golden.sh: the $kind differ from tests/golden/$kind (first 60 lines of the diff):" >&2
    head -n 60 "$out/$kind.diff" >&2
    status=1
  fi
done
if ((status == 0)); then
  echo "golden.sh: decisions and traces are byte-identical"
fi
exit $status
