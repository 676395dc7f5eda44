#!/usr/bin/env bash
# Training from a prepared dataset larger than the memory the process may use: the arrays stay
# memory-mapped and each batch is gathered from the mapping (the kernel's page cache holds what
# it can), so the process's own memory does not grow with the dataset. Three runs of
# `pretext-bench train --whole 1` on the same generated dataset (batches drawn from all of it):
#   streamed   prepared:DIR as Pretext loads it (mapped)
#   resident   the same arrays copied into memory first (--resident 1), the in-memory reference
#   capped     streamed again inside a memory cgroup (CAP_MB, default a quarter of the array's
#              size; a child of this shell's own cgroup; skipped, and said, where it cannot be made),
#              the array's page cache evicted first so that its pages count against the cap
#
#   bench/stream.sh [build-dir]        # default: build
#
# Settings (environment): IMAGES=200000 SIZE=64 STEPS=100 WARMUP=5 BATCH=64 THREADS=$(nproc) REPEATS=1
# (REPEATS pairs of a streamed and a resident run, in the order AB BA AB ...; the ratio is the
# median of the pairs' ratios, so that a shared machine's load changing between runs weighs less)
# METHOD=simclr CAP_MB=(array MB / 4) WORK=runs/bench/stream PYTHON=/usr/bin/python3 (numpy).
# The dataset (IMAGES x 3 x SIZE x SIZE uint8, unlabelled; 2.3 GiB at the defaults) is generated
# once with numpy and kept in $WORK.
set -euo pipefail

build=${1:-build}
images=${IMAGES:-200000}
size=${SIZE:-64}
steps=${STEPS:-100}
warmup=${WARMUP:-5}
batch=${BATCH:-64}
threads=${THREADS:-$(nproc)}
method=${METHOD:-simclr}
repeats=${REPEATS:-1}
work=${WORK:-runs/bench/stream}
python=${PYTHON:-/usr/bin/python3}
bench="$build/bench/pretext-bench"
data="$work/prepared-$images-$size"
[ -x "$bench" ] || { echo "bench/stream.sh: $bench not built (ninja -C $build pretext-bench)" >&2; exit 1; }
mkdir -p "$work"

if [ ! -f "$data/manifest.json" ]; then
  echo "generating $images images of 3x${size}x${size} in $data ..." >&2
  rm -rf "$data" "$data.partial"
  mkdir -p "$data.partial"
  "$python" - "$data.partial" "$images" "$size" <<'PY'
import json, os, sys
import numpy as np
out, n, s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
a = np.lib.format.open_memmap(os.path.join(out, "unlabeled_images.npy"), mode="w+", dtype=np.uint8, shape=(n, 3, s, s))
y, x = np.mgrid[0:s, 0:s].astype(np.float32)
rng = np.random.default_rng(1)
for start in range(0, n, 2000):
    m = min(n, start + 2000) - start
    # smooth colour fields of random frequencies and phases, plus noise
    f = rng.uniform(0.05, 0.4, size=(m, 3, 2, 1, 1)).astype(np.float32)
    p = rng.uniform(0, 6.3, size=(m, 3, 2, 1, 1)).astype(np.float32)
    base = 60 * (np.sin(x * f[:, :, 0] + p[:, :, 0]) + np.cos(y * f[:, :, 1] + p[:, :, 1])) + 128
    a[start:start + m] = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
a.flush()
del a
manifest = {"format": "pretext-prepared", "version": 1, "source": "bench/stream.sh (generated with numpy)",
            "image_size": s, "channels": 3, "resize": "none", "labelled": False, "class_names": [],
            "splits": [{"split": "unlabeled", "count": n, "images": "unlabeled_images.npy"}],
            "skipped": [], "checksums": {}}
with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)
PY
  mv "$data.partial" "$data"
fi

array_mb=$(( images * 3 * size * size / 1048576 ))
cap_mb=${CAP_MB:-$(( array_mb / 4 ))}
args=(train --dataset "prepared:$data" --whole 1 --method "$method" --batch-size "$batch" --steps "$steps"
      --warmup "$warmup" --threads "$threads" --augment light)

field() { sed -n "s/.*\"$1\": \([^,}]*\).*/\1/p" <<<"$2"; }

# The streamed run with the array in the page cache (read through once first), as the resident
# run has it in memory: the gather from the mapping against the gather from a copy.
cat "$data/unlabeled_images.npy" > /dev/null
ratios=()
for ((i = 1; i <= repeats; ++i)); do
  if ((i % 2)); then
    streamed=$("$bench" "${args[@]}")
    resident=$("$bench" "${args[@]}" --resident 1)
  else
    resident=$("$bench" "${args[@]}" --resident 1)
    streamed=$("$bench" "${args[@]}")
  fi
  s=$(field images_per_second "$streamed"); r=$(field images_per_second "$resident")
  ratios+=("$(echo "$s / $r" | bc -l | cut -c1-5)")
  echo "pair $i of $repeats: streamed $s, resident $r images/s, ratio ${ratios[-1]} (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
done

# The memory cgroup (bench/memcg.sh), a child of the cgroup this shell runs in.
capped="" cap_note="" cap_peak=""
source "$(dirname "${BASH_SOURCE[0]}")/memcg.sh"
memcg_locate pretext-stream
if mkdir "$cg" 2>/dev/null && echo $(( cap_mb * 1048576 )) > "$cg/$limit" 2>/dev/null; then
  # The runs above left the array in the page cache, charged to this shell's cgroup: evicted, the
  # capped run reads it again and its pages count against the cap.
  "$python" -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' \
    "$data/unlabeled_images.npy"
  [ -f "$cg/memory.swap.max" ] && echo 0 > "$cg/memory.swap.max" 2>/dev/null || true
  if capped=$(sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$bench" "${args[@]}"); then
    cap_peak=$(( $(cat "$cg/$peak" 2>/dev/null || echo 0) / 1048576 ))
  else
    cap_note="failed inside the cap (see above)"
  fi
  rmdir "$cg" 2>/dev/null || true
else
  rmdir "$cg" 2>/dev/null || true
  cap_note="no memory cgroup could be made here ($cg): run as root, or with a delegated cgroup"
fi

echo
echo "train $method ($batch per batch, $steps steps after $warmup warm-up, $threads threads) on a prepared dataset of"
echo "$images images 3x${size}x${size}: the array is $array_mb MiB; batches drawn from all of it"
printf "%-34s %10s %14s %14s %12s\n" "" "images/s" "peak RSS MiB" "anon MiB" "file MiB"
for row in streamed resident capped; do
  line=${!row}
  [ -n "$line" ] || continue
  printf "%-34s %10.1f %14.0f %14.0f %12.0f\n" "$row" "$(field images_per_second "$line")" "$(field peak_rss_mb "$line")" \
    "$(field peak_rss_anon_mb "$line")" "$(field peak_rss_file_mb "$line")"
done
median=$(printf "%s\n" "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo "streamed / resident images/s: ${ratios[*]} (pairs, last pair's rows above); median $median"
if [ -n "$capped" ]; then
  echo "capped: trained under a $cap_mb MiB memory cgroup (the array is $(echo "$array_mb / $cap_mb" | bc -l | cut -c1-4)x the cap);" \
    "the cgroup's peak, page cache included: $cap_peak MiB"
else
  echo "capped: $cap_note"
fi
echo "(anon: the process's private memory, where a copy of the dataset would show; file: mapped pages of the"
echo " dataset the kernel keeps resident while memory is free, page cache it reclaims under pressure)"
