#!/usr/bin/env bash
# scripts/real-mesos.sh reap: kills what works in a test cluster's directory or names a sandbox
# under it in its environment (a stopped container launch that never entered its sandbox), and
# spares a process that names the directory only in its arguments (a vanished agent).
set -euo pipefail
script=$(cd "$(dirname "$0")/../.." && pwd)/scripts/real-mesos.sh
dir=$(mktemp -d /tmp/iof-reap-test-XXXXXX)
pids=()
cleanup() {
  kill -KILL "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

alive() {  # a zombie (killed, not yet waited for) counts as dead
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$state" != Z ]
}

mkdir -p "$dir/work/sandbox"
(cd "$dir/work/sandbox" && exec sleep 300) &
in_sandbox=$!
(cd / && MESOS_SANDBOX="$dir/work/sandbox" exec sleep 300) &
launch=$!
(cd / && exec -a "mesos-agent --work_dir=$dir/work" sleep 300) &
agent=$!
pids=("$in_sandbox" "$launch" "$agent")
sleep 0.2  # each has exec'd: /proc shows its own environment and arguments
kill -STOP "$launch" "$agent"

bash "$script" reap "$dir/work"

status=0
alive "$in_sandbox" && { echo "FAIL: a process working in the directory survived"; status=1; }
alive "$launch" && { echo "FAIL: a stopped process naming a sandbox in its environment survived"; status=1; }
alive "$agent" || { echo "FAIL: a process naming the directory only in its arguments was killed"; status=1; }
[ $status -eq 0 ] && echo "reap: killed what works in or names the directory, spared the agent"
exit $status
