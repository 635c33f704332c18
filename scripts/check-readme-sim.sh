#!/usr/bin/env bash
# Runs the README's mesos-sim curl example exactly as written (from the repository root, with
# the given mesos-sim binary in place of ./build/src/sim/mesos-sim) and checks what it prints.
# Exit 77 (skipped) when port 5050, which the example uses, is taken.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
binary="${1:?usage: check-readme-sim.sh path/to/mesos-sim}"

if (exec 3<>/dev/tcp/127.0.0.1/5050) 2>/dev/null; then
  echo "port 5050 is in use; skipping the README example"
  exit 77
fi

script="$(mktemp)"
output="$(mktemp)"
trap 'rm -f "$script" "$output"' EXIT
awk '/^## mesos-sim/{f=1} f&&/^```sh/{g=1;next} g&&/^```/{exit} g{print}' "$root/README.md" |
  sed "s#\./build/src/sim/mesos-sim#$binary#" >"$script"
grep -q "$binary" "$script" || { echo "README example not found"; exit 1; }

(cd "$root" && bash "$script") >"$output" 2>&1 || true
for expected in '"type":"SUBSCRIBED"' '{"type":"HEARTBEAT"}' '"type":"OFFERS"' \
  '{"draining_machines":[{"id":{"hostname":"agent2","ip":"127.0.0.3"}}]}' '"slaves": ['; do
  if ! grep -qF -- "$expected" "$output"; then
    echo "README example output lacks: $expected"
    cat "$output"
    exit 1
  fi
done
echo "README example behaves as documented"
