#!/usr/bin/env bash
# Compiles Pretext's CUDA-only code where no CUDA LibTorch is installed: the NCCL process group
# (core/src/dist/nccl.cpp) and the dist layer as a CUDA build compiles it (core/src/dist/dist.cpp
# with PRETEXT_HAVE_NCCL), syntax only (-fsyntax-only: nothing is linked or run), against this
# machine's LibTorch headers (Debian's 1.13 CPU build ships ProcessGroupNCCL.hpp, NCCLUtils.hpp,
# c10/cuda and ATen/cuda) and a CUDA toolkit's (cuda_runtime.h, nccl.h). It is a real compile of
# the code, with the definitions core/CMakeLists.txt gives the two files in a CUDA build.
#
# The one header a CPU LibTorch lacks is c10/cuda/impl/cuda_cmake_macros.h, which PyTorch's build
# generates from a one-line template (#cmakedefine C10_CUDA_BUILD_SHARED_LIBS); it is written
# here, as a shared-library build of c10_cuda generates it, into a temporary folder.
#
#   packaging/check-cuda-compile.sh [SOURCE_DIR]
#
# Environment: CXX (default c++), TORCH_INCLUDE_DIRS (';' or ' ' separated; default /usr/include
# and /usr/include/torch/csrc/api/include), CUDA_INCLUDE_DIR (default /usr/local/cuda/include),
# NCCL_INCLUDE_DIR (the folder of nccl.h; default CUDA_INCLUDE_DIR),
# GLOO (1: also USE_C10D_GLOO, as when Gloo's headers are found; default: when gloo/config.h is
# found), EXTRA_FLAGS (e.g. TorchConfig's -D_GLIBCXX_USE_CXX11_ABI=1).
# Exit status: 0 compiled, 1 a compile failed, 77 skipped (no CUDA toolkit or no NCCL headers:
# the reason is printed).
set -euo pipefail

src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cxx=${CXX:-c++}
cuda=${CUDA_INCLUDE_DIR:-/usr/local/cuda/include}
nccl=${NCCL_INCLUDE_DIR:-$cuda}
torch_dirs=${TORCH_INCLUDE_DIRS:-/usr/include;/usr/include/torch/csrc/api/include}
torch_dirs=${torch_dirs//;/ }

skip() { echo "check-cuda-compile: SKIPPED: $*"; exit 77; }

[ -f "$cuda/cuda_runtime.h" ] || skip "no CUDA toolkit headers ($cuda/cuda_runtime.h; set CUDA_INCLUDE_DIR)"
[ -f "$nccl/nccl.h" ] || skip "no NCCL header ($nccl/nccl.h; set NCCL_INCLUDE_DIR)"
command -v "$cxx" > /dev/null || skip "no C++ compiler ($cxx)"
includes=()
found_pg= found_gloo=
for d in $torch_dirs; do
  # The compiler's own system folders stay out of the flags (-isystem /usr/include breaks #include_next).
  case "$d" in /usr/include|/usr/include/|/usr/local/include) ;; *) includes+=(-isystem "$d") ;; esac
  [ -f "$d/torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp" ] && found_pg=$d
  [ -f "$d/gloo/config.h" ] && found_gloo=$d
done
[ -n "$found_pg" ] || skip "no torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp under $torch_dirs"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/c10/cuda/impl"
if [ ! -f "$found_pg/c10/cuda/impl/cuda_cmake_macros.h" ]; then
  printf '#pragma once\n#define C10_CUDA_BUILD_SHARED_LIBS\n' > "$work/c10/cuda/impl/cuda_cmake_macros.h"
fi

defs=(-DPRETEXT_HAVE_NCCL=1)
gloo=${GLOO:-}
[ -z "$gloo" ] && { [ -n "$found_gloo" ] && gloo=1 || gloo=0; }
if [ "$gloo" = 1 ]; then defs+=(-DUSE_C10D_GLOO -DPRETEXT_HAVE_GLOO=1); else defs+=(-DPRETEXT_HAVE_GLOO=0); fi
# shellcheck disable=SC2206
extra=(${EXTRA_FLAGS:-})
common=(-std=c++17 -fsyntax-only -Wall -Werror=return-type "${extra[@]}" "${defs[@]}"
        -I"$src/core/src" -I"$src/core/include" "${includes[@]}" -isystem "$cuda" -isystem "$nccl" -isystem "$work")

status=0
for file in core/src/dist/nccl.cpp core/src/dist/dist.cpp; do
  flags=("${common[@]}")
  [ "$file" = core/src/dist/nccl.cpp ] && flags+=(-DUSE_C10D_NCCL)
  echo "check-cuda-compile: $cxx ${flags[*]} $src/$file"
  start=$(date +%s)
  if "$cxx" "${flags[@]}" "$src/$file"; then
    echo "check-cuda-compile: $file compiled ($(( $(date +%s) - start )) s)"
  else
    echo "check-cuda-compile: $file FAILED"
    status=1
  fi
done
[ $status = 0 ] && echo "check-cuda-compile: OK (NCCL code compiled against $found_pg and $cuda; Gloo: $gloo)"
exit $status
