#!/usr/bin/env bash
# Builds the container image of the framework with podman (Dockerfile at the checkout's root),
# tags it, exports it as an OCI archive and prints its size. Nothing is downloaded: the image is
# FROM scratch, and its files come from the build and from this machine (the CA bundle).
#
# Usage: scripts/build-image.sh [--binary PATH] [--tag NAME:TAG]... [--output FILE]
#   --binary  the static framework binary (default: build/src/framework/inverse-offer-framework,
#             built or brought up to date first with cmake in $IOF_BUILD_DIR, default build/)
#   --tag     the image's name (repeatable; default: inverse-offer-framework:<git short sha>
#             and inverse-offer-framework:latest)
#   --output  the OCI archive (default: build/inverse-offer-framework.oci.tar; "" for none)
# Environment: IOF_PODMAN_STORAGE_DRIVER (default vfs, the driver that works on these machines;
# "" for podman's configured one). Run as root: podman runs rootful here.
# Exit status: 0 when built; 1 on a failure, named on stderr; 2 on bad usage.
set -euo pipefail

die() {
  echo "build-image: $*" >&2
  exit 1
}
usage() {
  echo "build-image: $*" >&2
  echo "usage: scripts/build-image.sh [--binary PATH] [--tag NAME:TAG]... [--output FILE]" >&2
  exit 2
}

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${IOF_BUILD_DIR:-$root/build}
binary=""
output="$build_dir/inverse-offer-framework.oci.tar"
tags=()
while [ $# -gt 0 ]; do
  case "$1" in
    --binary=* | --tag=* | --output=*) set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
    --binary | --tag | --output)
      [ $# -ge 2 ] || usage "$1 needs a value"
      case "$1" in
        --binary) binary=$2 ;;
        --tag) tags+=("$2") ;;
        --output) output=$2 ;;
      esac
      shift 2
      ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' && exit 0 ;;
    *) usage "unknown argument '$1'" ;;
  esac
done

command -v podman >/dev/null ||
  die "podman is not installed; scripts/install-deps.sh installs it (Debian package podman)"
podman=(podman)
driver=${IOF_PODMAN_STORAGE_DRIVER-vfs}
[ -n "$driver" ] && podman+=("--storage-driver=$driver")

if [ -z "$binary" ]; then
  # Configured once, then only brought up to date: a no-op when the binary is current.
  if [ ! -f "$build_dir/build.ninja" ]; then
    echo "build-image: configuring $build_dir"
    cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DIOF_WERROR=ON >/dev/null
  fi
  echo "build-image: building inverse-offer-framework in $build_dir (minutes on a first build)"
  cmake --build "$build_dir" --target inverse-offer-framework >/dev/null ||
    die "the build failed; run: cmake --build $build_dir --target inverse-offer-framework"
  binary="$build_dir/src/framework/inverse-offer-framework"
fi
if [ ! -f "$binary" ] || [ ! -x "$binary" ]; then die "no executable binary at '$binary'"; fi
# FROM scratch has no libc and no loader: only a fully static binary runs there.
if readelf --program-headers "$binary" 2>/dev/null | grep -q INTERP; then
  die "$binary is dynamically linked; configure the build with -DIOF_STATIC=ON"
fi
readelf --file-header "$binary" >/dev/null 2>&1 || die "$binary is not an ELF executable"
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[ -s "$ca_bundle" ] || die "no CA bundle at $ca_bundle; install the Debian package ca-certificates"

if [ ${#tags[@]} -eq 0 ]; then
  revision=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unversioned)
  if [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    revision="$revision-dirty"
  fi
  tags=("inverse-offer-framework:$revision" "inverse-offer-framework:latest")
fi
for tag in "${tags[@]}"; do
  [[ "$tag" =~ ^[a-z0-9][a-z0-9._/:-]*$ ]] || usage "invalid image name '$tag'"
done

# The build context: exactly the files the Dockerfile copies, and nothing else.
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/etc/ssl/certs" "$context/dirs/tmp" "$context/dirs/var/lib" "$context/state"
chmod 1777 "$context/dirs/tmp"
cp "$root/deploy/image/etc/passwd" "$root/deploy/image/etc/group" "$context/etc/"
cp "$ca_bundle" "$context/etc/ssl/certs/ca-certificates.crt"
# Symbols are for debugging the build tree's copy; the image ships without them.
strip -o "$context/inverse-offer-framework" "$binary" 2>/dev/null ||
  cp "$binary" "$context/inverse-offer-framework"

tag_args=()
for tag in "${tags[@]}"; do tag_args+=(--tag "$tag"); done
echo "build-image: building ${tags[*]} from $binary"
# --no-cache: podman's layer cache reused a COPY --chown layer for a COPY without one; a build of
# this image takes seconds anyway.
"${podman[@]}" build --quiet --no-cache --file "$root/Dockerfile" "${tag_args[@]}" \
  --label "org.opencontainers.image.revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || true)" \
  "$context" >/dev/null || die "podman build failed (see above)"

size=$("${podman[@]}" image inspect --format '{{.Size}}' "${tags[0]}")
echo "build-image: ${tags[0]} is $size bytes ($(awk "BEGIN { printf \"%.1f\", $size / 1e6 }") MB)" \
  "(podman image inspect --format '{{.Size}}' ${tags[0]})"
if [ -n "$output" ]; then
  mkdir -p "$(dirname "$output")"
  rm -f "$output"
  "${podman[@]}" save --quiet --format oci-archive --output "$output" "${tags[0]}" ||
    die "podman save failed (see above)"
  echo "build-image: OCI archive $output, $(stat -c %s "$output") bytes"
fi
