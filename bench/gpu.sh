#!/usr/bin/env bash
# Pretext against the PyTorch reference on a CUDA GPU, side by side in one run, as one table of ratios.
#
#   bench/gpu.sh [build-dir] [results.md]        # defaults: build-gpu  runs/bench-gpu/results.md
#
# Builds nothing: build pretext-bench first against a CUDA LibTorch (README, "On a GPU machine").
# The reference is bench/reference_gpu.py run with $PYTHON (default python3: the torch that has CUDA).
# Settings (environment): BATCH=512 STEPS=50 WARMUP=10 THREADS=(all cores) WORKERS=8 COMPILE=1
# PRETEXT_FASHION_MNIST=folder of the IDX files for the k-NN rows (skipped when absent).
# What is measured:
#   SimCLR, CIFAR ResNet-18 at 32x32 (the synthetic shapes dataset, RGB), batch 512, bf16 autocast,
#   channels_last: Pretext end to end (batch gather, augmentation on the GPU, forward, backward, SGD,
#   loss read back every step) against the reference's model step alone on pre-made views (eager,
#   and under torch.compile), and against torchvision transforms in a DataLoader.
#   k-NN monitor: random-init ConvNet, 60,000-image bank, 10,000 queries (Fashion-MNIST).
#   Peak GPU memory: the process's largest use seen by nvidia-smi (CUDA context included, both sides).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build-gpu}
out=${2:-runs/bench-gpu/results.md}
batch=${BATCH:-512}
steps=${STEPS:-50}
warmup=${WARMUP:-10}
threads=${THREADS:-$(nproc)}
workers=${WORKERS:-8}
compile=${COMPILE:-1}
python=${PYTHON:-python3}
bench="$build/bench/pretext-bench"
data=${PRETEXT_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}

[ -x "$bench" ] || { echo "no $bench: build it first" >&2; exit 1; }
"$python" -c "import torch; assert torch.cuda.is_available()" ||
  { echo "$python has no torch with a CUDA device" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
jsonl="${out%.md}.jsonl"
: > "$jsonl"

# Runs a measurement while sampling its GPU memory; appends {"tag", "result", "peak_gpu_mb_smi"}.
measure() {
  local tag=$1
  shift
  echo "== $tag: $*" >&2
  local samples
  samples=$(mktemp)
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 > "$samples" 2>/dev/null &
  local sampler=$!
  local idle
  idle=$(nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits 2>/dev/null | head -n 1 || echo 0)
  local line
  if ! line=$("$@" | tail -n 1); then
    kill "$sampler" 2>/dev/null || true
    echo "   failed: $tag" >&2
    return 0
  fi
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  local peak
  peak=$(sort -n "$samples" | tail -n 1)
  rm -f "$samples"
  echo "$line" >&2
  echo "{\"tag\": \"$tag\", \"peak_gpu_mb_smi\": $(( ${peak:-0} - ${idle:-0} )), \"result\": $line}" >> "$jsonl"
}

per_class=$(( (warmup + steps) * batch / 8 + 1 ))
train=(--dataset shapes --shapes-per-class "$per_class" --method simclr --backbone resnet18 --device cuda
       --batch-size "$batch" --steps "$steps" --warmup "$warmup" --threads "$threads")
ref=("$python" "$here/reference_gpu.py" --batch-size "$batch" --steps "$steps" --warmup "$warmup")

measure pretext-simclr "$bench" train "${train[@]}" --cuda-graphs 1
measure pretext-simclr-readback1 "$bench" train "${train[@]}" --cuda-graphs 0 --readback-every 1
measure pretext-simclr-noaug "$bench" train "${train[@]}" --cuda-graphs 0 --augment none
measure pretext-simclr-fp32 "$bench" train "${train[@]}" --bf16 0 --channels-last 0
measure pretext-simclr-eager "$bench" train "${train[@]}" --cuda-graphs 0
measure pretext-simclr-noforeach "$bench" train "${train[@]}" --cuda-graphs 0 --foreach 0
measure reference-step "${ref[@]}" --variant step
measure reference-step-nosync "${ref[@]}" --variant step --sync-every 0
measure reference-step-fp32 "${ref[@]}" --variant step --fp32 --nchw
if [ "$compile" = 1 ]; then
  measure reference-compile "${ref[@]}" --variant compile
  # Where Triton fails on the fused loss kernels, the encoder alone may still compile.
  grep -q '"tag": "reference-compile"' "$jsonl" ||
    measure reference-compile-encoder "${ref[@]}" --variant compile --compile-scope encoder
  # Inductor needs a working Triton; the cudagraphs backend (CUDA graphs over the eager kernels) does not.
  measure reference-compile-cudagraphs "${ref[@]}" --variant compile --compile-backend cudagraphs
fi
measure reference-pipeline "${ref[@]}" --variant pipeline --workers "$workers"
if [ -f "$data/train-images-idx3-ubyte.gz" ] || [ -f "$data/train-images-idx3-ubyte" ]; then
  PRETEXT_FASHION_MNIST=$data measure pretext-knn "$bench" knn --device cuda --threads "$threads" --repeats 3
  measure reference-knn "${ref[@]}" --variant knn --data "$data"
fi

"$python" - "$jsonl" "$out" "$batch" "$steps" "$warmup" <<'EOF'
import json, sys, time
jsonl, out, batch, steps, warmup = sys.argv[1:]
r, smi = {}, {}
for line in open(jsonl):
    entry = json.loads(line)
    r[entry["tag"]] = entry["result"]
    smi[entry["tag"]] = entry["peak_gpu_mb_smi"]

rows = []
def row(measure, pretext, reference, unit, higher_is_better, goal="-", passed=None):
    ratio = pretext / reference if higher_is_better else reference / pretext
    verdict = "-" if passed is None else ("pass" if passed(ratio, pretext) else "miss")
    rows.append((measure, f"{pretext:.5g} {unit}", f"{reference:.5g} {unit}", f"{ratio:.2f}x", goal, verdict))

ips = lambda tag: r[tag]["images_per_second"]
if "pretext-simclr" in r:
    p = ips("pretext-simclr")
    for tag, text, goal, test in (
            ("reference-step", "model step alone, eager bf16 channels_last", ">= 1.0x", lambda q, _: q >= 1.0),
            ("reference-step-nosync", "model step alone, eager, no loss read-back", "-", None),
            ("reference-compile", "model step alone under torch.compile", "aim > 1.0x", lambda q, _: q >= 1.0),
            ("reference-compile-encoder", "model step alone, encoder under torch.compile (loss eager)", "aim > 1.0x",
             lambda q, _: q >= 1.0),
            ("reference-compile-cudagraphs", "model step alone under torch.compile(backend=cudagraphs)", "-", None),
            ("reference-pipeline", "torchvision DataLoader pipeline", "-", None)):
        if tag in r:
            row(f"SimCLR ResNet-18 32x32 end-to-end vs {text}", p, ips(tag), "pairs/s", True, goal, test)
    if "reference-step-fp32" in r and "pretext-simclr-fp32" in r:
        row("SimCLR fp32 NCHW end-to-end vs model step alone fp32 NCHW", ips("pretext-simclr-fp32"),
            ips("reference-step-fp32"), "pairs/s", True)
    if "reference-step" in r:
        row("Peak GPU memory (nvidia-smi), SimCLR vs reference step", smi["pretext-simclr"], smi["reference-step"],
            "MB", False)
if "pretext-knn" in r and "reference-knn" in r:
    row("k-NN monitor, 10,000 queries / 60,000 bank vs PyTorch", r["pretext-knn"]["seconds"],
        r["reference-knn"]["seconds"], "s", False, "Pretext <= 1 s", lambda q, p: p <= 1.0)

diagnostics = []
if "pretext-simclr-readback1" in r and "pretext-simclr-eager" in r:
    diagnostics.append(f"Pretext eager, reading the loss back every step: {ips('pretext-simclr-readback1'):.5g} pairs/s; "
                       f"reading it every 16 steps (the CUDA default) gives {ips('pretext-simclr-eager') / ips('pretext-simclr-readback1'):.2f}x.")
if "pretext-simclr-noaug" in r and "pretext-simclr-eager" in r:
    diagnostics.append(f"Pretext eager without augmentation: {ips('pretext-simclr-noaug'):.5g} pairs/s; the GPU "
                       f"augmentation costs {100 * (1 - ips('pretext-simclr-eager') / ips('pretext-simclr-noaug')):.1f}% "
                       "of the end-to-end rate.")
if "pretext-simclr-eager" in r and "pretext-simclr" in r:
    diagnostics.append(f"Pretext launching every kernel of every step (--cuda-graphs 0): {ips('pretext-simclr-eager'):.5g} "
                       f"pairs/s; replaying the step recorded as a CUDA graph gives {ips('pretext-simclr') / ips('pretext-simclr-eager'):.2f}x.")
if "pretext-simclr-noforeach" in r and "pretext-simclr-eager" in r:
    diagnostics.append(f"Pretext eager with torch::optim::SGD (four kernels per parameter): {ips('pretext-simclr-noforeach'):.5g} "
                       f"pairs/s; the multi-tensor (_foreach) SGD gives {ips('pretext-simclr-eager') / ips('pretext-simclr-noforeach'):.2f}x.")
if "reference-compile" not in r:
    diagnostics.append("torch.compile of the whole model with its loss failed on this machine (Triton, see the log); "
                       + ("the encoder-only row stands in for it." if "reference-compile-encoder" in r
                          else "so did the encoder alone."))
if "reference-compile" in r:
    diagnostics.append(f"torch.compile's first step (compilation) took {r['reference-compile']['first_step_seconds']} s.")
device = next((v.get("device") for v in r.values() if isinstance(v, dict) and "device" in v), "?")
torch_version = next((v.get("torch") for v in r.values() if isinstance(v, dict) and "torch" in v), "?")
header = ["measure", "Pretext", "reference", "ratio", "target", "result"]
lines = [f"# Pretext vs PyTorch on the GPU ({time.strftime('%Y-%m-%d %H:%M')})", "",
         f"Device: {device}; reference torch {torch_version}. Batch {batch}, {steps} timed steps after {warmup} "
         "warm-up steps. Ratio: Pretext/reference for throughput, reference/Pretext for times and memory: "
         "> 1 is better for Pretext.", "",
         "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
lines += ["| " + " | ".join(cells) + " |" for cells in rows]
lines += [""] + diagnostics + ["", f"Raw measurements: {jsonl.split('/')[-1]}."]
text = "\n".join(lines) + "\n"
open(out, "w").write(text)
print(text, end="")
EOF
echo "written: $out" >&2
