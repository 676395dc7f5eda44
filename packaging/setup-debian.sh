#!/usr/bin/env bash
# Installs what Pretext needs to build, test and run on Debian 12, from Debian's packages alone.
# Uses sudo when not run as root. Safe to run again: apt-get skips what is already installed.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config ccache zlib1g-dev
  nlohmann-json3-dev libcli11-dev                # JSON (run folders) and the CLI's parser, header-only
  libopenblas0-pthread                           # fast BLAS for LibTorch (the default netlib one is ~25x slower)
  libtorch-dev                                   # LibTorch 1.13 (CPU)
  libgloo-dev                                    # Gloo headers for c10d data-parallel training (core/src/dist)
  qt6-base-dev libqcustomplot-dev libqcustomplot2.1-qt6
  qt6-l10n-tools qt6-tools-dev                   # lupdate/lrelease and CMake's Qt6LinguistTools (the window's translations)
  fonts-noto-cjk                                 # Chinese text in the window, never boxes
  libopencv-dev                                  # image folders (decode, resize)
  libjpeg-dev                                    # JPEGs decoded straight to RGB (prepare; optional, already pulled in by libopencv-dev)
  dataset-fashion-mnist                          # the default dataset
  python3-torch python3-torchvision              # references for tests and benchmarks only
  xvfb xauth                                     # the window under a virtual display
  locales                                        # locale sources: tst_reliability builds a decimal-comma locale
  iproute2                                       # tests/two-hosts.sh: two hosts as network namespaces (root only)
  desktop-file-utils appstream                   # checks of the desktop entry and the AppStream metainfo
  debootstrap                                    # packaging/check-deb.sh only (a fresh Debian 12 root; not CI)
)
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi
