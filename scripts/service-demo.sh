#!/usr/bin/env bash
# The README's service walk-through, unattended: runs a real HTTP service (python3 -m http.server
# on its PORT0, with an HTTP health check; scripts/examples/http-service.json) as 2 tasks under
# --master=local, has a client poll it through the framework's /state, schedules maintenance on
# the machine of task 0, and waits until the task has moved. Prints the client's count and
# exits 1 if any request failed or no move was seen.
# Usage: scripts/service-demo.sh            (builds first; needs curl and python3)
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/framework-binary.sh

out=$(mktemp)
log=$(mktemp)
client_out=$(mktemp)
client=
"$binary" --num_tasks="${IOF_NUM_TASKS:-2}" --task_file=${IOF_TASK_FILE:-scripts/examples/http-service.json} --min_ready_time="${IOF_MIN_READY_TIME:-2secs}" \
  --http_address=127.0.0.1:0 >"$out" 2>"$log" &
framework=$!
cleanup() {
  [ -n "$client" ] && kill "$client" 2>/dev/null || true
  kill "$framework" 2>/dev/null || true
  wait "$framework" 2>/dev/null || true
  rm -f "$out" "$log" "$client_out"
}
trap cleanup EXIT

ready() { curl -s "$state" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("ready_tasks", 0))'; }
for _ in $(seq 100); do
  grep -q '/metrics/snapshot' "$out" && break
  sleep 0.1
done
master=$(grep -o 'master at http://[0-9.:]*' "$out" | cut -d' ' -f3)
state=$(grep -o 'http://[0-9.:]*/metrics/snapshot' "$out" | sed 's|/metrics/snapshot|/state|')
for _ in $(seq 300); do
  [ "$(ready)" = "${IOF_NUM_TASKS:-2}" ] && break
  sleep 0.1
done
[ "$(ready)" = "${IOF_NUM_TASKS:-2}" ] || { echo "the service never had all its tasks ready"; tail -20 "$log"; exit 1; }
host=$(grep -o 'Starting task 0 on [^ ]* ([a-z0-9]*)' "$log" | grep -o '(.*)' | tr -d '()')
ip="127.0.0.$(( ${host#agent} + 1 ))"
echo "== embedded master: $master; ${IOF_NUM_TASKS:-2} tasks ready; task 0 runs on $host ($ip)"

python3 scripts/service-client.py --state "$state" >"$client_out" &
client=$!
sleep 2
start=$(( ($(date +%s) + 3600) * 1000000000 ))
echo "== scheduling maintenance on $host, one hour from now, while the client polls"
posted=$(curl -s -o /dev/null -w '%{http_code}' -d '{"windows":[{"machine_ids":[{"hostname":"'"$host"'","ip":"'"$ip"'"}],
  "unavailability":{"start":{"nanoseconds":'"$start"'}}}]}' "$master/master/maintenance/schedule")
[ "$posted" = 200 ] || { echo "the schedule POST answered $posted"; exit 1; }
for _ in $(seq 300); do
  grep -q 'Task 0 is in state TASK_KILLED' "$log" && break
  sleep 0.1
done
sleep 2
kill "$client"
wait "$client" || true
client=
echo "== the framework's log"
grep -E 'Starting task|Moving|Killing|TASK_KILLED|healthy|ready' "$log" | cut -c 27- | head -20
echo "== the client: $(cat "$client_out")"
grep -q 'Task 0 is in state TASK_KILLED' "$log" || { echo "task 0 did not move"; exit 1; }
grep -q 'requests=[1-9][0-9]* failed=0$' "$client_out" || { echo "requests failed"; exit 1; }
