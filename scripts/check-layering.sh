#!/usr/bin/env bash
# Usage: check-layering.sh BUILD_DIR TARGET...
# Fails if any object file of the given socket-free CMake targets was compiled with a Boost.Asio
# header, naming the source file, the Asio header, and the project headers that include Asio
# directly. It reads what the compiler recorded (-MD): the .o.d files where the generator keeps
# them, else Ninja's deps log, into which Ninja moves them (NINJA names the ninja binary).
# Exit status: 0 clean; 1 a violation, or a target without compiled objects (not built, renamed).
set -euo pipefail

build_dir=${1:?usage: check-layering.sh BUILD_DIR TARGET...}
shift
if [ $# -eq 0 ]; then
  echo "usage: check-layering.sh BUILD_DIR TARGET..." >&2
  exit 2
fi
build_dir=$(cd "$build_dir" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)

# "OBJECT<TAB>DEPENDENCY" for every dependency recorded in the build, paths as recorded.
all_dependencies() {
  local depfiles
  depfiles=$(find "$build_dir" -path '*/CMakeFiles/*.dir/*' -name '*.o.d' 2>/dev/null)
  if [ -n "$depfiles" ]; then
    while read -r depfile; do
      # A make rule, "obj.o: a.hpp b.hpp \" continued over lines: one dependency per word.
      tr -s ' \\\n' '\n' <"$depfile" | tail -n +2 | grep -v '^$' | sed "s|^|${depfile%.d}\t|"
    done <<<"$depfiles"
  elif [ -f "$build_dir/.ninja_deps" ]; then
    "${NINJA:-ninja}" -C "$build_dir" -t deps 2>/dev/null | awk '
      /^[^ ].*: #deps/ { object = substr($1, 1, length($1) - 1); next }
      NF { print object "\t" $1 }'
  fi
}

# src/sim/CMakeFiles/iof_sim_service.dir/service/service.cpp.o -> src/sim/service/service.cpp
source_of() {
  local object=${1#"$build_dir"/}
  object=${object%.o}
  echo "${object%%/CMakeFiles/*}/${object#*/CMakeFiles/*.dir/}"
}

everything=$(all_dependencies)
failed=0
for target in "$@"; do
  deps=$(awk -F'\t' -v dir="/CMakeFiles/$target.dir/" 'index($1, dir)' <<<"$everything")
  if [ -z "$deps" ]; then
    echo "check-layering: no compiled object of $target in $build_dir (build it first)" >&2
    failed=1
    continue
  fi
  offenders=$(awk -F'\t' '$2 ~ /boost\/asio/ && !seen[$1]++' <<<"$deps")
  [ -z "$offenders" ] && continue
  failed=1
  while IFS=$'\t' read -r object asio_header; do
    echo "check-layering: $target must not reach sockets, but $(source_of "$object") is" \
      "compiled with Boost.Asio ($asio_header)" >&2
    # Our own files among its dependencies that include Asio themselves: where to cut.
    awk -F'\t' -v o="$object" '$1 == o { print $2 }' <<<"$deps" | while read -r dependency; do
      [[ "$dependency" = /* ]] || dependency="$build_dir/$dependency"
      path=$(realpath -q "$dependency") || continue
      [[ "$path" = "$root"/* ]] || continue
      if grep -q '^#include <boost/asio' "$path"; then
        echo "  via ${path#"$root"/}" >&2
      fi
    done
  done <<<"$offenders"
done

if [ "$failed" -ne 0 ]; then
  exit 1
fi
echo "check-layering: $* compiled without Boost.Asio"
