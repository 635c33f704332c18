#!/usr/bin/env bash
# Installs every build and test dependency from Debian 12 packages. Idempotent; needs root
# (or sudo). Boost must be the 1.81 packages: Debian's default 1.74 asio breaks with gcc 12 and
# lacks as_tuple/cancellation, and the two versions' headers conflict.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libboost1.81-dev libboost-system1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  protobuf-compiler libprotobuf-dev
  libspdlog-dev libfmt-dev doctest-dev libcli11-dev
  zlib1g-dev libssl-dev libzookeeper-mt-dev
  clang-format
  # Tests: curl drives the HTTP endpoints, python3 the integration harness helpers, zookeeper
  # (the server, with a Java runtime) the leader-discovery tests, podman (rootful) and runc the
  # container image (scripts/build-image.sh) and its test; crun, podman's default runtime,
  # refuses these machines' hybrid cgroup layout. About 22 s of apt time: 15 packages, 21 MiB.
  curl python3 zookeeper podman runc
)

if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

# The 1.74 development headers shadow 1.81's; remove them if an image brought them in.
if dpkg-query -W -f='${Status}' libboost1.74-dev 2>/dev/null | grep -q "install ok installed"; then
  "${sudo[@]}" apt-get remove -y libboost1.74-dev
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
