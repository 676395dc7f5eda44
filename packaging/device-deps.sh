#!/usr/bin/env bash
# Adds Pretext's own small build dependencies to the GPU machine's carry, after
# ../shared/device/prepare.sh has filled .device/ with Qt 6. That machine has CUDA, nvcc, ninja and
# a CUDA LibTorch (its Python's torch) but no package registry, so without these the configure of
# build-gpu stops at find_package(nlohmann_json). Run here (Debian 12, apt reaching the archive):
#   ../shared/device/prepare.sh [--gui] && packaging/device-deps.sh
# and on the GPU machine start the command with  source .device/pretext-env.sh  (written here): it
# sources device-env.sh, which unpacks every .deb in .device/debs into its sysroot, whose /usr is on
# CMAKE_PREFIX_PATH (a carried library the machine has too is replaced by the machine's copy), then
# points the development links that Debian makes absolute (libz.so -> /lib/...libz.so.1.2.13, absent
# on another system) at the sysroot's own library.
# Not carried: libgloo-dev (Debian's Gloo matches Debian's LibTorch 1.13, not the machine's torch:
# the dist layer uses the torch's own Gloo headers when it ships them, else that build has no Gloo),
# OpenCV (configure the GPU build with -DPRETEXT_WITH_OPENCV=OFF).
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
[ -d .device/debs ] || { echo "device-deps: no .device/debs: run ../shared/device/prepare.sh first" >&2; exit 1; }
packages=(nlohmann-json3-dev libcli11-dev   # header-only, with their CMake configs
          zlib1g-dev zlib1g                 # zlib.h and libz.so (core/src/io)
          libjpeg62-turbo-dev libjpeg-dev libjpeg62-turbo)  # optional: JPEGs straight to RGB
missing=()
for p in "${packages[@]}"; do
  ls .device/debs/"${p}"_*.deb >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ -n "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v lock)" ] || apt-get update -qq
  (cd .device/debs && apt-get -qq download "${missing[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
  for p in "${missing[@]}"; do
    ls .device/debs/"${p}"_*.deb >/dev/null 2>&1 || { echo "device-deps: could not download $p" >&2; exit 1; }
  done
fi
cat > .device/pretext-env.sh <<'ENV'
# Written by packaging/device-deps.sh. Source on the GPU machine, from the project root.
source "$(dirname "${BASH_SOURCE[0]}")/device-env.sh"
for _l in "${PRETEXT_SYSROOT:-/tmp/pretext-sysroot}"/usr/lib/x86_64-linux-gnu/lib*.so; do
  [ -L "$_l" ] || continue
  case $(readlink "$_l") in /*) ln -sf "$(basename "$(readlink "$_l")" | sed 's/\(\.so\.[0-9]*\).*/\1/')" "$_l" ;; esac
done
unset _l
ENV
kb=$(du -sk .device | cut -f1)
echo "device-deps: ${#packages[@]} packages ready; carry size $((kb / 1024)) MB in .device"
[ "$kb" -lt $((60 * 1024)) ] || echo "device-deps: warning: .device is over 60 MB; the device tool carries 64 MiB in all" >&2
