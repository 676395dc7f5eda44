#!/usr/bin/env bash
# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer (clang-14; Pretext's own code
# is instrumented, Debian's LibTorch/Qt/OpenCV are not). Works on a fresh Debian 12: installs
# clang-14 and its runtime with apt-get when missing. Build folder: build-asan (GUI and bench off).
#
#   packaging/sanitize.sh [ctest arguments, e.g. -R tst_reliability]
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-asan
need=()
command -v clang++-14 >/dev/null || need+=(clang-14)
ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.asan-x86_64.a >/dev/null 2>&1 || need+=(libclang-rt-14-dev)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DPRETEXT_SANITIZE=address,undefined -DPRETEXT_BUILD_FUZZERS=ON \
  -DPRETEXT_BUILD_GUI=OFF -DPRETEXT_BUILD_BENCH=OFF >/dev/null
nice -n 10 ninja -C "$build" -j2

# detect_container_overflow=0: LibTorch's std::vectors are not annotated, so vectors that cross
# between its code and ours would be misreported. Leaks: Pretext's own only (lsan.supp).
export ASAN_OPTIONS="detect_leaks=1:detect_container_overflow=0:strict_string_checks=1:check_initialization_order=1:${ASAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0:${LSAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
nice -n 10 ctest --test-dir "$build" -LE gpu --output-on-failure "$@"
