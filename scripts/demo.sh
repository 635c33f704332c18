#!/usr/bin/env bash
# The README's walk-through, unattended: runs the framework with --master=local, schedules
# maintenance on the machine holding task 0, and shows the migration in the log and the metrics.
# Usage: scripts/demo.sh            (builds first; needs curl and python3)
# Exits 1 if no migration is seen.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/framework-binary.sh

out=$(mktemp)
log=$(mktemp)
"$binary" --num_tasks=2 --http_address=127.0.0.1:0 \
  >"$out" 2>"$log" &
framework=$!
trap 'kill $framework 2>/dev/null || true; rm -f "$out" "$log"' EXIT

for _ in $(seq 100); do
  grep -q '/metrics/snapshot' "$out" && grep -q 'Starting task 0' "$log" && break
  sleep 0.1
done
master=$(grep -o 'master at http://[0-9.:]*' "$out" | cut -d' ' -f3)
metrics=$(grep -o 'http://[0-9.:]*/metrics/snapshot' "$out")
host=$(grep -o 'Starting task 0 on [^ ]* ([a-z0-9]*)' "$log" | grep -o '(.*)' | tr -d '()')
ip="127.0.0.$(( ${host#agent} + 1 ))"
echo "== embedded master: $master; task 0 runs on $host ($ip)"

start=$(( ($(date +%s) + 3600) * 1000000000 ))
echo "== scheduling maintenance on $host, one hour from now"
posted=$(curl -s -o /dev/null -w '%{http_code}' -d '{"windows":[{"machine_ids":[{"hostname":"'"$host"'","ip":"'"$ip"'"}],
  "unavailability":{"start":{"nanoseconds":'"$start"'}}}]}' "$master/master/maintenance/schedule")
[ "$posted" = 200 ] || { echo "the schedule POST answered $posted"; exit 1; }

for _ in $(seq 100); do
  grep -q 'Task 0 is in state TASK_KILLED' "$log" && grep -q 'Task 2 is in state TASK_RUNNING' "$log" && break
  sleep 0.1
done
echo "== the framework's log"
grep -E 'Starting task|Moving|Killing|maintenance|TASK_KILLED|Task 2 is in state' "$log" | cut -c 27-
echo "== its metrics"
curl -s "$metrics" | python3 -m json.tool | grep -E 'current_sleepers|sleepers_killed|inverse_offers|migrations'
grep -q 'Task 2 is in state TASK_RUNNING' "$log" || { echo "no replacement seen"; exit 1; }
grep -q 'Task 0 is in state TASK_KILLED' "$log" || { echo "the old task was not killed"; exit 1; }
