#!/usr/bin/env bash
# Builds the whole workbench (window, CLI, tests) against a CUDA LibTorch, on a Debian or Ubuntu
# workstation with an NVIDIA GPU. Qt 6, QCustomPlot, OpenCV and the small libraries come from the
# distribution (packaging/setup-debian.sh installs them); LibTorch comes from either
#   --libtorch DIR     the LibTorch archive you downloaded and unpacked (DIR/share/cmake/Torch), or
#   --python PYTHON    the torch package of that Python (default: python3, when it has torch).
# It checks that the LibTorch has CUDA and the same C++ ABI as the distribution's libraries (Qt,
# OpenCV and QCustomPlot are built with _GLIBCXX_USE_CXX11_ABI=1; a LibTorch built with the old ABI
# cannot share std::string with them), that nvcc is there, and says plainly what is missing.
# Usage: packaging/build-cuda.sh [--libtorch DIR | --python PYTHON] [--build-dir DIR] [-- CMAKE ARGS...]
# Then: DIR/app/pretext (the window), DIR/app/pretext-cli, ctest --test-dir DIR -L gpu.
set -euo pipefail
cd "$(dirname "$0")/.."

libtorch="" python="" build="build-cuda" extra=()
while [ $# -gt 0 ]; do
  case $1 in
    --libtorch) libtorch=${2:?--libtorch needs a folder}; shift 2 ;;
    --python) python=${2:?--python needs an interpreter}; shift 2 ;;
    --build-dir) build=${2:?--build-dir needs a folder}; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "build-cuda: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

fail() { echo "build-cuda: $*" >&2; exit 1; }

# Where the LibTorch is, its CMake prefix, and its ABI (1: the C++11 ABI).
if [ -n "$libtorch" ]; then
  [ -f "$libtorch/share/cmake/Torch/TorchConfig.cmake" ] ||
    fail "$libtorch is not an unpacked LibTorch archive (no share/cmake/Torch/TorchConfig.cmake)"
  prefix=$(cd "$libtorch" && pwd)
  libdir="$prefix/lib"
  abi=$(grep -ho '_GLIBCXX_USE_CXX11_ABI=[01]' "$prefix/share/cmake/Torch/TorchConfig.cmake" | head -1 | cut -d= -f2)
  [ -n "$abi" ] || abi=1
  source_name="the LibTorch archive in $prefix"
else
  python=${python:-python3}
  command -v "$python" >/dev/null || fail "no $python: give --libtorch DIR (an unpacked LibTorch archive) or --python PYTHON"
  info=$("$python" - <<'EOF' 2>/dev/null || true
import os, torch
print(torch.utils.cmake_prefix_path)
print(os.path.join(os.path.dirname(torch.__file__), "lib"))
print(int(torch._C._GLIBCXX_USE_CXX11_ABI))
print(torch.__version__)
EOF
)
  [ -n "$info" ] || fail "$python has no torch package: give --libtorch DIR (an unpacked LibTorch archive) or --python PYTHON"
  prefix=$(sed -n 1p <<<"$info")
  libdir=$(sed -n 2p <<<"$info")
  abi=$(sed -n 3p <<<"$info")
  source_name="torch $(sed -n 4p <<<"$info") of $python"
fi
ls "$libdir"/libtorch_cuda.so >/dev/null 2>&1 ||
  fail "$source_name has no CUDA (no libtorch_cuda.so in $libdir): take a CUDA build of LibTorch or torch"
[ "$abi" = 1 ] || fail "$source_name is built with the old C++ ABI (_GLIBCXX_USE_CXX11_ABI=0), which the \
distribution's Qt, OpenCV and QCustomPlot cannot link with: take the 'cxx11 ABI' LibTorch archive, or a torch \
whose torch._C._GLIBCXX_USE_CXX11_ABI is True"
command -v nvcc >/dev/null || [ -n "${CUDACXX:-}" ] ||
  fail "no nvcc on PATH (LibTorch's CMake files need the CUDA toolkit): install it, or set CUDACXX"

# The distribution's part: what packaging/setup-debian.sh would install, less Debian's CPU LibTorch.
missing=()
for p in cmake ninja-build qt6-base-dev libqcustomplot-dev libopencv-dev zlib1g-dev nlohmann-json3-dev \
         libcli11-dev qt6-tools-dev qt6-l10n-tools; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] || fail "missing packages: sudo apt-get install ${missing[*]}"

echo "build-cuda: $source_name (CUDA, C++11 ABI) into $build/"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" "${extra[@]}"
grep -q "^Torch_DIR:PATH=$prefix" "$build/CMakeCache.txt" ||
  fail "CMake found another LibTorch ($(grep '^Torch_DIR' "$build/CMakeCache.txt")): remove $build/CMakeCache.txt and run again"
cmake --build "$build" --parallel "$(nproc)"
echo "build-cuda: done: $build/app/pretext (the window), $build/app/pretext-cli; GPU tests: ctest --test-dir $build -L gpu"
