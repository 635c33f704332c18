#!/usr/bin/env bash
# Usage: check-deploy-env.sh [--names-only] BINARY ENV_FILE...
# Checks that the env files of deploy/ still configure the framework as written: every
# MESOS_EXAMPLE_<FLAG> names a flag of BINARY (an unknown one would be ignored silently), and
# BINARY accepts all their values together, one instance's files at a time (ha.env with a.env).
# The master, state file and HTTP address are overridden to loopback and temporary values, and
# the framework is stopped after it has parsed its flags and started serving. --names-only stops
# after the names (HA's files: their instances need a ZooKeeper and refuse a state file).
# Exit status: 0 when every file passes; 1 with the file and setting named otherwise.
set -euo pipefail

names_only=false
if [ "${1:-}" = --names-only ]; then
  names_only=true
  shift
fi
binary=$1
shift
[ -x "$binary" ] || { echo "check-deploy-env: no executable '$binary'" >&2; exit 1; }
help=$("$binary" --help)
work=$(mktemp -d)
pid=""
cleanup() {
  [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

settings=()
for file in "$@"; do
  while IFS= read -r line; do
    case "$line" in '' | '#'*) continue ;; esac
    name=${line%%=*}
    flag=$(tr '[:upper:]' '[:lower:]' <<<"${name#MESOS_EXAMPLE_}")
    if [[ "$name" != MESOS_EXAMPLE_* ]] || ! grep -Eq -- "(^| |,)--$flag( |,|\\{|$)" <<<"$help"; then
      echo "check-deploy-env: $file: $name names no flag of $binary" >&2
      exit 1
    fi
    settings+=("$line")
  done <"$file"
done

if $names_only; then
  echo "check-deploy-env: $* name only flags of $binary (${#settings[@]} settings)"
  exit 0
fi

# Run with exactly these settings (and nothing else from this environment), pointed at a port
# where no master listens: the flags are parsed and validated before any connection.
env -i "${settings[@]}" "$binary" --master=127.0.0.1:1 --state_file="$work/state.json" \
  --http_address=127.0.0.1:0 >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 50); do
  grep -q '/metrics/snapshot' "$work/out" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q '/metrics/snapshot' "$work/out"; then
  echo "check-deploy-env: $* refused by $binary:" >&2
  cat "$work/err" >&2
  exit 1
fi
echo "check-deploy-env: $* accepted (${#settings[@]} settings)"
