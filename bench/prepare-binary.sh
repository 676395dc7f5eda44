#!/usr/bin/env bash
# Packing a large binary dataset: `pretext-cli prepare stl10:DIR` on a generated STL-10 (random bytes
# in its binary layout: 3x96x96 images, each channel column-major, labels 1..10), under
# /usr/bin/time -v: wall time and the process's peak RSS. A dataset spec is read by ranges of records
# straight into the output, so the peak RSS should not grow with the dataset.
#
#   bench/prepare-binary.sh [build-dir]        # default: build
#
# Settings (environment):
#   IMAGES=100000   images in the big file
#   LAYOUT=stl10    unlabeled_X.bin holds IMAGES, beside 5,000 train and 8,000 test images (STL-10's
#                   own layout; 3.1 GB); LAYOUT=train: all IMAGES in train_X.bin (what a build that
#                   does not pack unlabeled_X.bin can be compared on; 2.76 GB at the default)
#   BASELINE=PATH   another pretext-cli (e.g. main's build) run first on the same data
#   CAP_MB=N        each run again inside a child memory cgroup of N MiB (v2 or v1, made under this
#                   shell's own cgroup; skipped, and said, where it cannot be made)
#   WORK=runs/bench/prepare-binary   the generated dataset (kept for the next run) and the outputs
set -euo pipefail

build=${1:-build}
images=${IMAGES:-100000}
layout=${LAYOUT:-stl10}
cap_mb=${CAP_MB:-}
work=${WORK:-runs/bench/prepare-binary}
cli="$build/app/pretext-cli"
[ -x "$cli" ] || { echo "prepare-binary.sh: $cli not found (build pretext-cli first)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "prepare-binary.sh: /usr/bin/time not found (Debian: time)" >&2; exit 1; }

data="$work/$layout-$images"
image_bytes=$((3 * 96 * 96))
labels() { python3 -c 'import os, sys; sys.stdout.buffer.write(bytes(1 + b % 10 for b in os.urandom(int(sys.argv[1]))))' "$1"; }
if [ ! -f "$data/done" ]; then
  rm -rf "$data" && mkdir -p "$data"
  echo "generating $data ($layout, $images images of 3x96x96 from /dev/urandom)" >&2
  if [ "$layout" = train ]; then
    head -c $((images * image_bytes)) /dev/urandom > "$data/train_X.bin"
    labels "$images" > "$data/train_y.bin"
  else
    head -c $((images * image_bytes)) /dev/urandom > "$data/unlabeled_X.bin"
    head -c $((5000 * image_bytes)) /dev/urandom > "$data/train_X.bin"
    labels 5000 > "$data/train_y.bin"
    head -c $((8000 * image_bytes)) /dev/urandom > "$data/test_X.bin"
    labels 8000 > "$data/test_y.bin"
  fi
  touch "$data/done"
fi

# The memory cgroup (bench/memcg.sh), a child of the cgroup this shell runs in.
source "$(dirname "${BASH_SOURCE[0]}")/memcg.sh"
memcg_locate pretext-prepare

# run NAME BINARY [capped]: one prepare, its row of the table.
run() {
  local name=$1 bin=$2 capped=${3:-} note=""
  local out="$work/out-${name//[^a-z]/-}" log="$work/time-${name//[^a-z]/-}.txt"
  rm -rf "$out" "$out.partial"
  local rc=0
  if [ -n "$capped" ]; then
    if mkdir "$cg" 2>/dev/null && echo $((cap_mb * 1048576)) > "$cg/$limit" 2>/dev/null; then
      [ -f "$cg/memory.swap.max" ] && echo 0 > "$cg/memory.swap.max" 2>/dev/null || true
      sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
        /usr/bin/time -v "$bin" prepare "stl10:$data" --out "$out" --quiet > "$log" 2>&1 || rc=$?
      note="cgroup of $cap_mb MiB, its peak $(( $(cat "$cg/$peak") / 1048576 )) MiB with page cache"
      rmdir "$cg" 2>/dev/null || true
    else
      rmdir "$cg" 2>/dev/null || true
      printf "%-28s no memory cgroup could be made here (%s): run as root, or with a delegated cgroup\n" "$name" "$cg"
      return
    fi
  else
    /usr/bin/time -v "$bin" prepare "stl10:$data" --out "$out" --quiet > "$log" 2>&1 || rc=$?
  fi
  local wall rss status
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
  status=$(grep -o 'Command terminated by signal [0-9]*' "$log" || true)
  [ -n "$status" ] || status="exit $rc"
  printf "%-28s %10s %14s  %s%s\n" "$name" "$wall" "$((rss / 1024)) MiB" "$status" "${note:+; $note}"
  grep '^prepared' "$log" | sed 's/^/    /' || true
  rm -rf "$out" "$out.partial"
}

echo "prepare stl10:$data ($layout, $images images in the big file; load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf "%-28s %10s %14s  %s\n" "" "wall" "peak RSS" "result"
if [ -n "${BASELINE:-}" ]; then
  run baseline "$BASELINE"
  [ -n "$cap_mb" ] && run "baseline, capped" "$BASELINE" capped
fi
run "this build" "$cli"
[ -n "$cap_mb" ] && run "this build, capped" "$cli" capped
echo "(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
