#!/usr/bin/env bash
# A real Apache Mesos master and agents on loopback, for tests, benchmarks and by hand.
#
#   scripts/real-mesos.sh home                 the Mesos tree to use (installs and unpacks it)
#   scripts/real-mesos.sh start DIR [K] [PORT] a master on 127.0.0.1:PORT (5050) and K agents (3)
#                                              in the background; returns once all K registered
#   scripts/real-mesos.sh stop DIR             stops all of it, executors and tasks included
#   scripts/real-mesos.sh exec-master DIR PORT [FLAG...]          one master, in the foreground
#   scripts/real-mesos.sh exec-agent DIR I MASTER [FLAG...]       agent I, in the foreground
#   scripts/real-mesos.sh reap DIR             kills every process working inside DIR
#   scripts/real-mesos.sh reap-all             the same for every test cluster's directory
#                                              (/tmp/iof-real-mesos-*), then removes them
#   scripts/real-mesos.sh kill-task DIR TASK   SIGKILLs a task's command (not its executor), so
#                                              that the task fails as a crashed service does
#
# MESOS_HOME names the Mesos to use: an installed tree (sbin/mesos-master, libexec/mesos) or a
# folder holding a mesos-*.tar.xz built like ../shared/mesos (the default when it exists), which
# is unpacked once under IOF_MESOS_CACHE (/var/tmp/iof-mesos). Agent I (1, 2, ...) is
# "agent<I>" on ip 127.0.0.<I+1> with ports 31000+100*I..31099+100*I, its own work, runtime and
# fetcher directories under DIR/agent<I>, the posix launcher and no user switching, so command
# tasks run as the agent's user (root in CI). Exit status 2 means no Mesos can be found here.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
die() {
  echo "real-mesos: $*" >&2
  exit 1
}

runtime_packages=(libsvn1 libapr1 libaprutil1 libsasl2-2 libsasl2-modules libcurl4
  libgrpc++1.51 libprotobuf32 libzookeeper-mt2 procps)

install_runtime_packages() {
  local missing=() p
  for p in "${runtime_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "Mesos needs ${missing[*]}; install them as root"
  echo "real-mesos: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Prints the root of a Mesos tree (with sbin/mesos-master), unpacking an archive if need be.
mesos_home() {
  local source=${MESOS_HOME:-$repo/../shared/mesos}
  [ -d "$source" ] || {
    echo "real-mesos: no Mesos at '$source' (set MESOS_HOME)" >&2
    exit 2
  }
  source=$(cd "$source" && pwd)
  if [ -x "$source/sbin/mesos-master" ]; then
    echo "$source"
    return
  fi
  local archive
  archive=$(find "$source" -maxdepth 1 -name 'mesos-*.tar.xz' | sort | tail -1)
  [ -n "$archive" ] || {
    echo "real-mesos: '$source' has neither sbin/mesos-master nor a mesos-*.tar.xz" >&2
    exit 2
  }
  local key cache
  key=$(stat -c '%s-%Y' "$archive")-$(basename "$archive" .tar.xz)
  cache=${IOF_MESOS_CACHE:-/var/tmp/iof-mesos}/$key
  if [ ! -f "$cache/.unpacked" ]; then
    rm -rf "$cache" && mkdir -p "$cache"
    tar -xJf "$archive" -C "$cache" || die "cannot unpack $archive"
    touch "$cache/.unpacked"
  fi
  local root
  root=$(dirname "$(dirname "$(find "$cache" -path '*/sbin/mesos-master' | head -1)")")
  [ -x "$root/sbin/mesos-master" ] || die "$archive holds no sbin/mesos-master"
  echo "$root"
}

# The checked tree: runtime packages installed, every library found.
checked_home() {
  local home
  home=$(mesos_home) || exit $?
  install_runtime_packages
  if ldd "$home/sbin/mesos-master" "$home/sbin/mesos-agent" | grep -q 'not found'; then
    die "$(ldd "$home/sbin/mesos-master" | grep 'not found' | head -3)"
  fi
  echo "$home"
}

exec_master() {
  local dir=$1 port=$2
  shift 2
  local home
  home=$(checked_home)
  mkdir -p "$dir/master"
  exec >>"$dir/master/stdout"
  exec "$home/sbin/mesos-master" --ip=127.0.0.1 --port="$port" --hostname=127.0.0.1 \
    --work_dir="$dir/master" --log_dir="$dir/master" --logbufsecs=0 "$@"
}

exec_agent() {
  local dir=$1 index=$2 master=$3
  shift 3
  [[ $index =~ ^[0-9]+$ ]] && [ "$index" -ge 1 ] && [ "$index" -le 250 ] ||
    die "agent index '$index' is not 1..250"
  local home
  home=$(checked_home)
  local base=$dir/agent$index first=$((31000 + 100 * index)) port=--port=5051 flag rest=()
  for flag in "$@"; do
    if [[ $flag == --port=* ]]; then port=$flag; else rest+=("$flag"); fi
  done
  mkdir -p "$base/work" "$base/run" "$base/fetch" "$base/log"
  exec >>"$base/stdout"
  exec "$home/sbin/mesos-agent" --master="$master" --ip="127.0.0.$((index + 1))" \
    "$port" --hostname="agent$index" \
    --work_dir="$base/work" --runtime_dir="$base/run" --fetcher_cache_dir="$base/fetch" \
    --log_dir="$base/log" --logbufsecs=0 \
    --resources="cpus:2;mem:2048;disk:4096;ports:[$first-$((first + 99))]" \
    --launcher=posix --isolation=posix/cpu,posix/mem --containerizers=mesos \
    --no-systemd_enable_support --no-cgroups_enable_cfs --launcher_dir="$home/libexec/mesos" \
    --executor_registration_timeout=2mins --no-switch_user "${rest[@]}"
}

# Whether process $1's environment names a path under directory $2 (read without a fork).
environment_names() {
  local entry
  while IFS= read -r -d '' entry; do
    [[ $entry == *"$2"/* ]] && return 0
  done 2>/dev/null <"/proc/$1/environ"
  return 1
}

# Processes started by an agent (executors, tasks) run in their own sessions and outlive it:
# find them by the directory they work in, or, for a container launch caught before it entered
# its sandbox (still in the agent's directory, and stopped with a vanished agent), by the sandbox
# its environment names. Arguments do not count: a vanished agent's --work_dir names the
# directory, and it must stay stopped, not die.
reap() {
  local dir
  dir=$(cd "$1" 2>/dev/null && pwd) || return 0
  local round pid cwd found
  for round in 1 2 3 4 5; do
    found=0
    for pid in $(ls /proc | grep -E '^[0-9]+$'); do
      [ "$pid" -eq $$ ] || [ "$pid" -eq $PPID ] || [ "$pid" -eq 1 ] && continue
      cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || continue
      if [ "$cwd" = "$dir" ] || [[ $cwd == "$dir"/* ]] || environment_names "$pid" "$dir"; then
        kill -KILL "$pid" 2>/dev/null && found=1
      fi
    done
    [ $found -eq 0 ] && return 0
    sleep 0.2
  done
}

# The command executor's id is the task's id, and its sandbox (the cwd of the executor and of
# the command) is .../executors/<task id>/runs/<container>.
kill_task() {
  local dir task=$2 pid cwd exe killed=0
  dir=$(cd "$1" && pwd) || die "no directory '$1'"
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || continue
    [[ $cwd == "$dir"/*/executors/"$task"/runs/* ]] || continue
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
    [[ $exe == */mesos-executor ]] && continue
    kill -KILL "$pid" 2>/dev/null && killed=$((killed + 1))
  done
  [ $killed -gt 0 ] || die "no process of task '$task' under $dir"
}

active_agents() {
  curl -sf "http://127.0.0.1:$1/master/state" 2>/dev/null |
    grep -o '"activated_slaves":[0-9.]*' | cut -d: -f2 | cut -d. -f1
}

start() {
  local dir=$1 agents=${2:-3} port=${3:-5050}
  [[ $agents =~ ^[0-9]+$ ]] && [ "$agents" -ge 1 ] || die "agent count '$agents' is not a number"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  checked_home >/dev/null
  setsid "$0" exec-master "$dir" "$port" >"$dir/master.out" 2>&1 &
  echo $! >"$dir/master.pid"
  local i
  for i in $(seq "$agents"); do
    setsid "$0" exec-agent "$dir" "$i" "127.0.0.1:$port" >"$dir/agent$i.out" 2>&1 &
    echo $! >"$dir/agent$i.pid"
  done
  for _ in $(seq 300); do
    [ "$(active_agents "$port")" = "$agents" ] && {
      echo "real-mesos: master at http://127.0.0.1:$port with $agents agents (stop: $0 stop $dir)"
      return 0
    }
    sleep 0.1
  done
  stop "$dir"
  die "the master on port $port did not have $agents agents within 30 s (logs in $dir)"
}

stop() {
  local dir=$1 pidfile
  [ -d "$dir" ] || return 0
  for pidfile in "$dir"/*.pid; do
    [ -f "$pidfile" ] || continue
    kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
  done
  sleep 0.5
  for pidfile in "$dir"/*.pid; do
    [ -f "$pidfile" ] || continue
    kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
  reap "$dir"
}

command=${1:-}
shift || true
case "$command" in
  home) checked_home ;;
  start) [ $# -ge 1 ] || die "usage: $0 start DIR [AGENTS] [PORT]"; start "$@" ;;
  stop) [ $# -eq 1 ] || die "usage: $0 stop DIR"; stop "$1" ;;
  kill-task) [ $# -eq 2 ] || die "usage: $0 kill-task DIR TASK"; kill_task "$@" ;;
  reap-all)
    for dir in /tmp/iof-real-mesos-*; do
      [ -d "$dir" ] || continue
      reap "$dir"
      rm -rf "$dir"
    done
    ;;
  reap) [ $# -eq 1 ] || die "usage: $0 reap DIR"; reap "$1" ;;
  exec-master) [ $# -ge 2 ] || die "usage: $0 exec-master DIR PORT [FLAG...]"; exec_master "$@" ;;
  exec-agent) [ $# -ge 3 ] || die "usage: $0 exec-agent DIR I MASTER [FLAG...]"; exec_agent "$@" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 1 ;;
esac
