#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan on Pretext's code) and runs each for a bounded
# time, one after the other, at low priority. Works on a fresh Debian 12 (installs clang-14 and
# its runtime with apt-get when missing).
#
#   tests/fuzz/run-fuzzers.sh [SECONDS_PER_TARGET=60] [TARGET...]
#
# Build folder: build-asan (shared with packaging/sanitize.sh). Corpora grow in build-asan/fuzz/,
# crashes land in build-asan/fuzz/findings/<target>/; each becomes a file in
# tests/fuzz/regressions/<target>/ that tst_reliability replays. Prints executions per target.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_idx fuzz_cifar fuzz_stl10 fuzz_imagefolder fuzz_config fuzz_checkpoint fuzz_prepared)
build=build-asan

need=()
command -v clang++-14 >/dev/null || need+=(clang-14)
ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || need+=(libclang-rt-14-dev)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

if [ -z "${FUZZ_NO_BUILD:-}" ]; then  # FUZZ_NO_BUILD=1: the targets are built already
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++-14 \
    -DPRETEXT_SANITIZE=address,undefined -DPRETEXT_BUILD_FUZZERS=ON \
    -DPRETEXT_BUILD_GUI=OFF -DPRETEXT_BUILD_BENCH=OFF >/dev/null
  nice -n 10 ninja -C "$build" -j2 "${targets[@]}"
fi

export ASAN_OPTIONS="detect_leaks=0:detect_container_overflow=0:allocator_may_return_null=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
python3 tests/fuzz/make-seeds.py "$build/fuzz/seeds"
summary=()
for t in "${targets[@]}"; do
  corpus="$build/fuzz/corpus/$t"
  findings="$build/fuzz/findings/$t"
  mkdir -p "$corpus" "$findings"
  [ -d "$build/fuzz/seeds/$t" ] && cp -n "$build/fuzz/seeds/$t"/* "$corpus"/ 2>/dev/null || true
  malloc=1024
  mode=()
  case "$t" in
    fuzz_cifar) maxlen=8192 ;;
    fuzz_stl10) maxlen=60000 ;;
    # LibTorch's unpickler allocates and zero-fills whatever length a corrupt pickle states (up
    # to 4 GB from a 32-bit field) before it finds the data missing (tests/fuzz/known-libtorch/):
    # outside Pretext. Fork mode goes on past those out-of-memory and timeout reports.
    fuzz_checkpoint) maxlen=65536; malloc=512; mode=(-fork=1 -ignore_ooms=1 -ignore_timeouts=1) ;;
    # OpenCV allocates what an image header states, up to its own limit of 2^30 pixels (2.9 GB
    # from a 100-byte file, tests/fuzz/known-opencv/) before decoding fails: outside Pretext.
    fuzz_imagefolder) maxlen=4096; mode=(-fork=1 -ignore_ooms=1 -ignore_timeouts=1) ;;
    *) maxlen=4096 ;;
  esac
  if [ "$t" = fuzz_checkpoint ]; then export PRETEXT_FUZZ_SEED="$corpus"; fi
  log="$build/fuzz/$t.log"
  echo "== $t: ${seconds}s"
  set +e
  nice -n 10 "$build/tests/fuzz/$t" "$corpus" -max_total_time="$seconds" -max_len="$maxlen" \
    -rss_limit_mb=4096 -malloc_limit_mb="$malloc" -timeout=10 -artifact_prefix="$findings/" -print_final_stats=1 \
    "${mode[@]}" >"$log" 2>&1
  rc=$?
  set -e
  unset PRETEXT_FUZZ_SEED
  # Fork mode prints one set of statistics per job: add them up.
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | awk '{s += $1} END {if (NR) print s}')
  [ -n "$runs" ] || runs=$(grep -o '^#[0-9]*:' "$log" | tr -dc '0-9\n' | tail -1)  # fork mode's progress lines
  crashes=$(find "$findings" -type f | wc -l)
  [ ${#mode[@]} -eq 0 ] || crashes="$crashes (+$(grep -o 'oom/timeout/crash: [0-9/]*' "$log" | tail -1 | cut -d' ' -f2) oom/timeout/crash in fork mode)"
  summary+=("$(printf '%-18s %10s executions  exit %-3s %s finding(s) in %s' "$t" "${runs:-?}" "$rc" "$crashes" "$findings")")
done
echo
printf '%s\n' "${summary[@]}"
