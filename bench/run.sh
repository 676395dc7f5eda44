#!/usr/bin/env bash
# Pretext against the PyTorch reference, side by side on this machine's CPU, as one table of ratios.
#
#   bench/run.sh [build-dir] [results.md]        # defaults: build  runs/bench/results.md
#
# Builds nothing: build first with
#   cmake -S . -B build -G Ninja && ninja -C build pretext-bench pretext-gui-bench
# (with -DPRETEXT_BUILD_GUI=OFF there is no pretext-gui-bench, and the GUI row says so).
# Settings (environment): THREADS=2 BATCH=256 STEPS=30 WARMUP=5 WORKERS=2 DIAGNOSE=1 GUI_SECONDS=20
# CPU_VARIANTS=1 TRAIN_ONLY=0
# (DIAGNOSE=0 skips the extra Pretext runs: without augmentation, and the k-NN monitor in fp32;
# CPU_VARIANTS=0 skips the training runs with --cpu-channels-last and --cpu-bf16; TRAIN_ONLY=1
# measures the training rows alone: no load, k-NN or GUI rows).
# The reference runs with Debian's /usr/bin/python3 (python3-torch, python3-torchvision; override
# with PYTHON=...).
# The raw JSON lines go next to the table (results.jsonl). Takes about 15-25 minutes on 2 cores.
# Run it on a quiet machine: every figure is a wall-clock time. Both sides run under this shell's
# environment, so OMP_WAIT_POLICY and MALLOC_* settings act on both; the table's header lists them.
# What each row measures: bench/README.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
out=${2:-runs/bench/results.md}
threads=${THREADS:-2}
batch=${BATCH:-256}
steps=${STEPS:-30}
warmup=${WARMUP:-5}
workers=${WORKERS:-2}
diagnose=${DIAGNOSE:-1}
variants=${CPU_VARIANTS:-1}
trainOnly=${TRAIN_ONLY:-0}
python=${PYTHON:-/usr/bin/python3}
bench="$build/bench/pretext-bench"

[ -x "$bench" ] || { echo "no $bench: build it first (see the top of $0)" >&2; exit 1; }
"$python" -c "import torch, torchvision" 2>/dev/null ||
  { echo "$python cannot import torch and torchvision (apt install python3-torch python3-torchvision)" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
jsonl="${out%.md}.jsonl"
: > "$jsonl"

# Each measurement in its own process, so that its peak RSS is its own; the tag names the row it feeds.
measure() {
  local tag=$1
  shift
  echo "== $tag: $*" >&2
  local line
  line=$("$@" | tail -n 1)
  echo "$line" >&2
  echo "{\"tag\": \"$tag\", \"result\": $line}" >> "$jsonl"
}

train=(--batch-size "$batch" --steps "$steps" --warmup "$warmup" --threads "$threads")
ref=("$python" "$here/reference.py" --batch-size "$batch" --steps "$steps" --warmup "$warmup"
     --threads "$threads" --workers "$workers")

if [ "$trainOnly" != 1 ]; then
  measure pretext-load "$bench" load
  measure reference-load "${ref[@]}" --variant load
fi
for method in simclr rotation; do
  measure "pretext-$method" "$bench" train --method "$method" "${train[@]}"
  if [ "$variants" = 1 ]; then
    # The same training step in NHWC, under CPU bf16 autocast, and both (TrainConfig::cpuChannelsLast, cpuBf16).
    measure "pretext-$method-cl" "$bench" train --method "$method" --cpu-channels-last 1 "${train[@]}"
    measure "pretext-$method-bf16" "$bench" train --method "$method" --cpu-bf16 1 "${train[@]}"
    measure "pretext-$method-bf16-cl" "$bench" train --method "$method" --cpu-bf16 1 --cpu-channels-last 1 "${train[@]}"
  fi
  measure "reference-$method-pipeline" "${ref[@]}" --method "$method" --variant pipeline
  measure "reference-$method-step" "${ref[@]}" --method "$method" --variant step
  if [ "$diagnose" = 1 ]; then
    measure "pretext-$method-noaug" "$bench" train --method "$method" --augment none "${train[@]}"
  fi
done
if [ "$trainOnly" != 1 ]; then
  measure pretext-knn "$bench" knn --threads "$threads"
  measure reference-knn "${ref[@]}" --variant knn --repeats 1
fi
if [ "$diagnose" = 1 ] && [ "$trainOnly" != 1 ]; then
  measure pretext-knn-fp32 "$bench" knn --threads "$threads" --knn-bf16 0
fi
# The GUI's worst event-loop stall while the Training panel trains; its reference is the same loop idle.
gui="$build/bench/pretext-gui-bench"
if [ "$trainOnly" = 1 ]; then
  echo "== pretext-gui-stall: TRAIN_ONLY=1" >&2
elif [ -x "$gui" ]; then
  measure pretext-gui-stall env QT_QPA_PLATFORM=offscreen "$gui" --seconds "${GUI_SECONDS:-20}"
else
  echo "== pretext-gui-stall: no $gui (built only with PRETEXT_BUILD_GUI=ON); the row says so" >&2
fi

"$python" - "$jsonl" "$out" "$threads" "$batch" "$steps" "$warmup" "$workers" <<'EOF'
import json, os, platform, sys, time
jsonl, out, threads, batch, steps, warmup, workers = sys.argv[1:]
r = {}
for line in open(jsonl):
    entry = json.loads(line)
    r[entry["tag"]] = entry["result"]

rows = []
def row(measure, pretext, reference, unit, higher_is_better, target=None, absolute=None):
    """ratio > 1 is better for Pretext; target: minimum ratio; absolute: (limit, text) on Pretext's figure."""
    ratio = pretext / reference if higher_is_better else reference / pretext
    if target is not None:
        goal, verdict = f">= {target:.1f}x", "pass" if ratio >= target else "miss"
    elif absolute is not None:
        goal, verdict = absolute[1], "pass" if pretext <= absolute[0] else "miss"
    else:
        goal, verdict = "-", "-"
    rows.append((measure, f"{pretext:.4g} {unit}", f"{reference:.4g} {unit}", f"{ratio:.2f}x", goal, verdict))

for m, name in (("simclr", "SimCLR"), ("rotation", "Rotation")):
    p = r[f"pretext-{m}"]["images_per_second"]
    row(f"{name} end-to-end vs Python DataLoader pipeline", p,
        r[f"reference-{m}-pipeline"]["images_per_second"], "img/s", True, target=1.2)
    row(f"{name} end-to-end vs Python model step alone", p,
        r[f"reference-{m}-step"]["images_per_second"], "img/s", True, target=1.0)
if "pretext-load" in r:
    row("Fashion-MNIST load (train + test) vs numpy gzip", r["pretext-load"]["seconds"],
        r["reference-load"]["seconds"], "s", False)
if "pretext-knn" in r:
    row("k-NN monitor, 10,000 queries / 60,000 bank vs PyTorch", r["pretext-knn"]["seconds"],
        r["reference-knn"]["seconds"], "s", False, absolute=(10.0, "Pretext <= 10 s"))
for m, name in (("simclr", "SimCLR"), ("rotation", "Rotation")):
    row(f"Peak RSS, {name} training vs pipeline (main + workers)", r[f"pretext-{m}"]["peak_rss_mb"],
        r[f"reference-{m}-pipeline"]["total_peak_rss_mb"], "MB", False)
if "pretext-knn" in r:
    row("Peak RSS, k-NN monitor", r["pretext-knn"]["peak_rss_mb"], r["reference-knn"]["peak_rss_mb"], "MB", False)
gui_row = "GUI event loop's worst stall while training SimCLR vs the same loop idle"
if "pretext-load" not in r:
    pass  # TRAIN_ONLY=1: no GUI row
elif "pretext-gui-stall" in r:
    g = r["pretext-gui-stall"]
    row(gui_row, g["worst_stall_ms"], g["idle_worst_stall_ms"], "ms", False, absolute=(100.0, "Pretext <= 100 ms"))
else:
    rows.append((gui_row, "not built (PRETEXT_BUILD_GUI=OFF)", "-", "-", "Pretext <= 100 ms", "-"))

diagnostics = []
if "pretext-knn-fp32" in r:
    fp32 = r["pretext-knn-fp32"]["seconds"]
    diagnostics.append(("k-NN monitor with fp32 features (--knn-bf16 0) vs PyTorch", f"{fp32:.4g} s",
                        f"{r['reference-knn']['seconds']:.4g} s", f"{r['reference-knn']['seconds'] / fp32:.2f}x", "-",
                        f"accuracy {r['pretext-knn-fp32']['accuracy']:.4f} vs {r['pretext-knn']['accuracy']:.4f} "
                        f"({r['pretext-knn'].get('features', 'fp32')})"))
if "pretext-gui-stall" in r:
    g = r["pretext-gui-stall"]
    diagnostics.append(("GUI stall during the k-NN monitor before the first step / during the steps",
                        f"{g['worst_stall_knn_ms']} / {g['worst_stall_steps_ms']} ms", f"{g['idle_worst_stall_ms']} ms", "-",
                        "-", f"first step after {g['first_step_seconds']:.1f} s, {g['steps_shown']} steps shown, "
                        f"Stop answered in {g['stop_ms']} ms"))
for m, name in (("simclr", "SimCLR"), ("rotation", "Rotation")):
    if f"pretext-{m}-noaug" in r:
        noaug = r[f"pretext-{m}-noaug"]["images_per_second"]
        full = r[f"pretext-{m}"]["images_per_second"]
        diagnostics.append((f"{name} without augmentation vs Python model step alone", f"{noaug:.4g} img/s",
                            f"{r[f'reference-{m}-step']['images_per_second']:.4g} img/s",
                            f"{noaug / r[f'reference-{m}-step']['images_per_second']:.2f}x", "-",
                            f"with its augmentation: {full / noaug:.2f}x this speed"))

variants = []
for m, name in (("simclr", "SimCLR"), ("rotation", "Rotation")):
    base = r[f"pretext-{m}"]["images_per_second"]
    pipeline = r[f"reference-{m}-pipeline"]["images_per_second"]
    for suffix, what in (("", "fp32 NCHW (default)"), ("-cl", "fp32 channels_last (--cpu-channels-last on)"),
                         ("-bf16", "bf16 autocast (--cpu-bf16 on)"),
                         ("-bf16-cl", "bf16 + channels_last")):
        if f"pretext-{m}{suffix}" not in r:
            continue
        ips = r[f"pretext-{m}{suffix}"]["images_per_second"]
        variants.append((f"{name}, {what}", f"{ips:.4g} img/s", f"{ips / base:.2f}x", f"{ips / pipeline:.2f}x",
                         f"{pipeline:.4g} img/s"))

try:
    load = os.getloadavg()[0]
except OSError:
    load = float("nan")
tuning = [f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith(("OMP_", "MALLOC_", "GOMP_", "KMP_"))]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
header = ["measure", "Pretext", "reference", "ratio", "target", "result"]
lines = [f"# Pretext vs PyTorch reference ({time.strftime('%Y-%m-%d %H:%M')})", "",
         f"CPU: {cpu}, {os.cpu_count()} cores, load average {load:.2f} at the end. Threads {threads}, batch {batch}, "
         f"{steps} timed steps after {warmup} warm-up steps (median step), DataLoader workers {workers}. "
         f"Environment of both sides: {' '.join(tuning) or 'no OMP_/MALLOC_ settings'}. "
         "Ratio: Pretext/reference for throughput, reference/Pretext for times and memory: > 1 is better for Pretext.",
         "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
lines += ["| " + " | ".join(cells) + " |" for cells in rows]
if diagnostics:
    lines += ["", "Diagnostics (not targets):", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in diagnostics]
if variants:
    vh = ["Pretext training on the CPU", "img/s", "vs fp32 NCHW", "vs Python pipeline", "Python pipeline"]
    native = r["pretext-simclr"].get("native_bf16", "?")
    lines += ["", f"CPU training variants (native bf16 on this CPU: {'yes' if native == 1 else 'no' if native == 0 else native}):",
              "", "| " + " | ".join(vh) + " |", "|" + "---|" * len(vh)]
    lines += ["| " + " | ".join(cells) + " |" for cells in variants]
lines += ["", "k-NN time: random-init ConvNet, features of the 60,000 training images (the bank) and the 10,000 test "
          "images (eval-mode forward; Pretext: batches of 128, NHWC, bf16 autocast where the CPU has native bf16; "
          "reference: batches of 512, NCHW, fp32), cosine similarities, top-200, exp(s/0.07) votes. "
          "Dataset loading is not included.",
          "GUI stall: the longest gap between ticks of a 5 ms timer on the GUI thread of a shown Training panel "
          "(offscreen) from Start (panel defaults: SimCLR, ConvNet width 32, batch 256, all cores; the k-NN monitor "
          f"runs first) to {r['pretext-gui-stall']['seconds'] if 'pretext-gui-stall' in r else 20} s after the "
          "first step; reference: the same loop idle for 5 s. "
          "The target is the 100 ms of a response that feels instant.",
          f"Raw measurements: {os.path.basename(jsonl)}."]
text = "\n".join(lines) + "\n"
open(out, "w").write(text)
print(text, end="")
EOF
echo "written: $out" >&2
