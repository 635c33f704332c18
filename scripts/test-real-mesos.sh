#!/usr/bin/env bash
# Builds and runs the end-to-end scenarios against a real Mesos only (the "real." tests).
# Usage: MESOS_HOME=/path/to/mesos bash scripts/test-real-mesos.sh [extra ctest arguments]
# MESOS_HOME is an installed tree (sbin/mesos-master, libexec/mesos) or a folder holding a
# prebuilt mesos-*.tar.xz; without it, ../shared/mesos beside the checkout is used.
set -euo pipefail
cd "$(dirname "$0")/.."
home=${MESOS_HOME:-$(pwd)/../shared/mesos}
[ -d "$home" ] || { echo "test-real-mesos: no Mesos at '$home'; set MESOS_HOME" >&2; exit 2; }
export MESOS_HOME=$home
exec bash scripts/test.sh -R '^real\.' "$@"
