#!/usr/bin/env bash
# The framework core's shape, as issue 14 measures it: the largest source files, data members
# and member functions of SchedulerState and of each owner, and where Policy is tested.
# Usage: scripts/core-shape.sh
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== source files over 300 lines (src/, include/, tests/)"
find src include tests -name '*.cpp' -o -name '*.hpp' | xargs wc -l | sort -n |
  awk '$2 != "total" && $1 > 300'

echo "== classes of the framework core: data members, member functions"
for header in include/iof/framework/scheduler_state.hpp include/iof/framework/core/*.hpp \
  src/framework/policy/*.hpp src/framework/policy/evacuate/*.hpp; do
  awk '
    /^class [A-Za-z]+ (final )?\{/ || /^class [A-Za-z]+ (final )?: / { name = $2; inside = 1; members = 0; functions = 0; next }
    inside && /^};/ { printf "%-16s %3d members %3d functions  %s\n", name, members, functions, FILENAME; inside = 0 }
    inside && /^  [A-Za-z].*[a-z_]+_( = [^;]*| *\{[^}]*\})?;( *\/\/.*)?$/ && !/\(/ { members++ }
    inside && /^  [A-Za-z].*[a-z_]+\(/ && !/^  (explicit )?[A-Z][A-Za-z]*\(/ { functions++ }
  ' "$header"
done

echo "== branches on Policy (==, !=, case) by file"
grep -rnE "== Policy::|!= Policy::|case Policy::" src/framework | cut -d: -f1 | sort | uniq -c
