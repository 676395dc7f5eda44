#!/usr/bin/env bash
# Every GPU check in one call of the device tool: a lent machine has about 15 minutes in all, so one
# prepared script, each step under its own time limit, each log kept, a summary line per step.
# Here, first:  ../shared/device/prepare.sh && packaging/device-deps.sh   (fills .device/)
# Then the device tool, with carry [".device"] and timeout_s 590:
#   bash bench/gpu-check.sh "$OUT"
# Steps (a failed step is reported and the next one still runs, unless the build failed):
#   build      configure build-gpu against the machine's CUDA torch (no window, no OpenCV) and build
#              the CLI, pretext-bench and the tests that the later steps run
#   ctest      ctest -L gpu (tst_cuda, tst_cudastream: CUDA-only, skipped elsewhere) and tst_distributed
#   dist       bench/gpu-dist.sh: plain vs a job of world size 1 (goal < 5%), NCCL when wired
#   stream     a prepared set (numpy, 100,000 x 3 x 64 x 64) trained on the GPU streamed and resident
#              (issue 14's goal: streamed >= 0.9x resident img/s)
#   gpu        bench/gpu.sh, shortened: Pretext vs the machine's torch (eager, compile, DataLoader)
# Settings (environment): JOBS=$(nproc) and LIMIT_<STEP>=seconds to change a step's limit.
set -uo pipefail
out=${1:-runs/gpu-check}
mkdir -p "$out"
summary="$out/summary.txt"
: > "$summary"
t0=$(date +%s)
step() {  # name limit command...
  local name=$1 limit=$2 s rc
  shift 2
  limit=$(eval echo "\${LIMIT_${name^^}:-$limit}")
  s=$(date +%s)
  timeout --kill-after=10 "$limit" "$@" > "$out/$name.log" 2>&1
  rc=$?
  echo "$name: exit $rc after $(( $(date +%s) - s )) s (limit $limit s; $(( $(date +%s) - t0 )) s so far)" | tee -a "$summary"
  return $rc
}
{ nvidia-smi; python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'; } > "$out/machine.txt" 2>&1
if [ -f .device/pretext-env.sh ]; then source .device/pretext-env.sh > "$out/env.log" 2>&1
else source .device/device-env.sh > "$out/env.log" 2>&1; fi
jobs=${JOBS:-$(nproc)}

build() {
  cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DPRETEXT_BUILD_GUI=OFF -DPRETEXT_WITH_OPENCV=OFF &&
    cmake --build build-gpu -j "$jobs" --target pretext-cli pretext-bench tst_cuda tst_cudastream tst_distributed
}
step build 300 build || { echo "build failed: see build.log" | tee -a "$summary"; exit 1; }

step ctest 90 ctest --test-dir build-gpu -R '^(tst_cuda|tst_cudastream|tst_distributed)$' --output-on-failure
step dist 90 env STEPS=20 bench/gpu-dist.sh build-gpu "$out/gpu-dist.md"

stream() {
  local data=/tmp/pretext-gpu-stream cli=build-gpu/app/pretext-cli
  [ -x "$cli" ] || cli=build-gpu/app/cli/pretext-cli
  if [ ! -f "$data/manifest.json" ]; then
    mkdir -p "$data" && python3 - "$data" <<'PY' || return 1
import json, os, sys
import numpy as np
out, n, s = sys.argv[1], 100000, 64
a = np.lib.format.open_memmap(os.path.join(out, "unlabeled_images.npy"), mode="w+", dtype=np.uint8, shape=(n, 3, s, s))
rng = np.random.default_rng(1)
for i in range(0, n, 5000):
    a[i:i + 5000] = rng.integers(0, 256, size=(5000, 3, s, s), dtype=np.uint8)
a.flush()
json.dump({"format": "pretext-prepared", "version": 1, "source": "bench/gpu-check.sh", "image_size": s,
           "channels": 3, "resize": "none", "labelled": False, "class_names": [],
           "splits": [{"split": "unlabeled", "count": n, "images": "unlabeled_images.npy"}],
           "skipped": [], "checksums": {}}, open(os.path.join(out, "manifest.json"), "w"), indent=1)
PY
  fi
  local mode
  for mode in off on off on; do
    echo "== --stream $mode"
    "$cli" train --dataset "prepared:$data" --method simclr --backbone resnet18 --device cuda --batch-size 512 \
      --subset 30720 --epochs 1 --no-knn --stream "$mode" --out /tmp/pretext-gpu-stream-run-$mode 2>&1 |
      grep -E 'stream|resident|finished' || return 1
    rm -rf /tmp/pretext-gpu-stream-run-$mode
  done
}
step stream 150 stream
step gpu 150 env STEPS=30 WARMUP=5 bench/gpu.sh build-gpu "$out/gpu.md"
echo "all steps done in $(( $(date +%s) - t0 )) s" | tee -a "$summary"
