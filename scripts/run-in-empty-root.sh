#!/usr/bin/env bash
# Usage: run-in-empty-root.sh BINARY [ARGS...]
# Proves BINARY is self-contained: it must have no program interpreter and no shared library
# dependency, and it must run inside an empty root holding nothing but itself.
# Exit status: the binary's own; 1 if it is not static; 77 (skip) if this machine cannot chroot.
set -euo pipefail

binary=$(readlink -f "$1")
shift

if readelf --program-headers "$binary" | grep -q 'INTERP'; then
  echo "run-in-empty-root: $binary needs a program interpreter (it is dynamically linked)" >&2
  exit 1
fi
if readelf --dynamic "$binary" | grep -q 'NEEDED'; then
  echo "run-in-empty-root: $binary needs shared libraries:" >&2
  readelf --dynamic "$binary" | grep NEEDED >&2
  exit 1
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
cp "$binary" "$root/"
name=$(basename "$binary")
echo "run-in-empty-root: running /$name in $root, which holds only: $(ls -A "$root")"

if [ "$(id -u)" -eq 0 ]; then
  chroot "$root" "/$name" "$@"
elif unshare --map-root-user true 2>/dev/null; then
  unshare --map-root-user chroot "$root" "/$name" "$@"
else
  echo "run-in-empty-root: skipped: chroot needs root or user namespaces" >&2
  exit 77
fi
