#!/usr/bin/env bash
# Parity: Pretext against an independent Python implementation (bench/parity/reference_train.py) at
# the same budget, method by method and seed by seed, on Fashion-MNIST. Prints a table (method, side,
# seed, k-NN, probe, wall time) and appends it to bench/README.md's parity section.
#
#   bench/parity/run.sh [build-dir]                     # default build
#
# Builds nothing: build first with  ninja -C build pretext-cli
# Settings (environment), the issue's full budget first:
#   METHODS="simclr moco byol barlow rotation" SEEDS="1 2" SUBSET=0 (all 60,000) EPOCHS=5 BATCH=256
#   THREADS=2 WORKERS=1 (the reference's DataLoader processes) SIDES="pretext reference"
#   (pretext: --cpu-bf16 off --cpu-channels-last off; add pretext-bf16 to SIDES for Pretext with
#   --cpu-bf16 on --cpu-channels-last on)
#   WORK=runs/parity (run folders and logs) README=bench/README.md (APPEND=0: do not append)
#   PYTHON=/usr/bin/python3 (python3-torch, python3-torchvision) KEEP=0 TABLE_ONLY=0 (see below)
# Both sides: the ConvNet of width 32, the method's default augmentation, SGD momentum 0.9 at
# lr 0.06 x batch/256 with weight decay 5e-4 on matrices, one warm-up epoch then cosine to zero; the
# weighted k-NN (k=200, T=0.07, bank: all 60,000 training images, queries: the 10,000 test images)
# and a linear probe on the pooled features (10 epochs, lr 0.1 cosine, batch 256). Pretext trains
# without its epoch-end k-NN monitor (--no-knn) and evaluates with pretext-cli eval; the wall time is
# the training command's, evaluation apart. Run it on a quiet machine: the times are wall-clock.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build}
methods=${METHODS:-simclr moco byol barlow rotation}
seeds=${SEEDS:-1 2}
subset=${SUBSET:-0}
epochs=${EPOCHS:-5}
batch=${BATCH:-256}
threads=${THREADS:-2}
workers=${WORKERS:-1}
sides=${SIDES:-pretext reference}
work=${WORK:-runs/parity}
readme=${README:-$root/bench/README.md}
python=${PYTHON:-/usr/bin/python3}
cli="$build/app/pretext-cli"
[ -x "$cli" ] || cli="$build/app/cli/pretext-cli"
[ -x "$cli" ] || { echo "no pretext-cli under $build: build it first (ninja -C $build pretext-cli)" >&2; exit 1; }
"$python" -c "import torch, torchvision" 2>/dev/null ||
  { echo "$python cannot import torch and torchvision (apt install python3-torch python3-torchvision)" >&2; exit 1; }

mkdir -p "$work"
results="$work/results.jsonl"
# TABLE_ONLY=1: no training, the table of the rows already in $work/results.jsonl (rows from several
# runs of this script, e.g. one side at a time with KEEP=1, which appends to them instead of starting over).
table_only=${TABLE_ONLY:-0}
[ "$table_only" = 1 ] || [ "${KEEP:-0}" = 1 ] || : > "$results"
now() { date +%s.%N; }

[ "$table_only" = 1 ] && methods=""
for method in $methods; do
  for seed in $seeds; do
    for side in $sides; do
      echo "== $method seed $seed: $side" >&2
      case $side in
        pretext|pretext-bf16)
          # Both explicit: the CLI's default is auto, which may choose either on this CPU.
          extra=(--cpu-bf16 off --cpu-channels-last off)
          [ "$side" = pretext-bf16 ] && extra=(--cpu-bf16 on --cpu-channels-last on)
          run="$work/$method-$side-seed$seed"
          rm -rf "$run"
          t0=$(now)
          "$cli" train --dataset fashion-mnist --method "$method" --epochs "$epochs" --batch-size "$batch" \
            --subset "$subset" --seed "$seed" --threads "$threads" --no-knn --quiet --out "$run" "${extra[@]}" \
            > "$run.train.log" 2>&1 || { cat "$run.train.log" >&2; exit 1; }
          t1=$(now)
          "$cli" eval "$run" --knn --knn-k 200 --linear --stages pooled --threads "$threads" \
            > "$run.eval.log" 2>&1 || { cat "$run.eval.log" >&2; exit 1; }
          t2=$(now)
          "$python" - "$run" "$method" "$side" "$seed" "$t0" "$t1" "$t2" "$subset" "$epochs" "$threads" >> "$results" <<'PY'
import csv, json, sys
run, method, side, seed, t0, t1, t2, subset, epochs, threads = sys.argv[1:]
knn = next(float(r["accuracy"]) for r in csv.DictReader(open(f"{run}/knn.csv")) if r["k"] == "200")
probe = next(float(r["accuracy"]) for r in csv.DictReader(open(f"{run}/linear_probe.csv")) if r["stage"] == "pooled")
print(json.dumps({"method": method, "side": side, "seed": int(seed), "knn": round(knn, 4), "probe": round(probe, 4),
                  "train_seconds": round(float(t1) - float(t0), 1), "eval_seconds": round(float(t2) - float(t1), 1),
                  "images": int(subset) or 60000, "epochs": int(epochs), "threads": int(threads)}))
PY
          ;;
        reference)
          "$python" "$here/reference_train.py" --method "$method" --seed "$seed" --subset "$subset" --epochs "$epochs" \
            --batch-size "$batch" --threads "$threads" --workers "$workers" 2> "$work/$method-reference-seed$seed.log" \
            | tail -n 1 >> "$results" || { cat "$work/$method-reference-seed$seed.log" >&2; exit 1; }
          ;;
        *) echo "unknown side '$side' (pretext, pretext-bf16, reference)" >&2; exit 1 ;;
      esac
      tail -n 1 "$results" >&2
    done
  done
done

"$python" - "$results" "$readme" "${APPEND:-1}" <<'PY'
import json, math, os, statistics, sys, time
results, readme, append = sys.argv[1:]
rows = [json.loads(l) for l in open(results) if l.strip()]
try:
    load = os.getloadavg()[0]
except OSError:
    load = float("nan")
first = rows[0]
lines = [f"### {time.strftime('%Y-%m-%d %H:%M')}: {first['images']:,} training images, {first['epochs']} epoch(s), "
         f"{first['threads']} threads, load average {load:.2f} at the end", "",
         "| method | side | seed | k-NN (k=200) | linear probe | training wall time |", "|---|---|---|---|---|---|"]
for r in rows:
    lines.append(f"| {r['method']} | {r['side']} | {r['seed']} | {100 * r['knn']:.2f}% | {100 * r['probe']:.2f}% | "
                 f"{r['train_seconds']:.0f} s |")
lines += ["", "| method | side | mean k-NN | mean probe | k-NN vs reference | probe vs reference |", "|---|---|---|---|---|---|"]
for method in dict.fromkeys(r["method"] for r in rows):
    by = {}
    for r in rows:
        if r["method"] == method:
            by.setdefault(r["side"], []).append(r)
    ref = by.get("reference")
    for side, rs in by.items():
        k, p = statistics.mean(r["knn"] for r in rs), statistics.mean(r["probe"] for r in rs)
        dk = dp = "-"
        if ref and side != "reference":
            dk = f"{100 * (k - statistics.mean(r['knn'] for r in ref)):+.2f} points"
            dp = f"{100 * (p - statistics.mean(r['probe'] for r in ref)):+.2f} points"
        lines.append(f"| {method} | {side} | {100 * k:.2f}% | {100 * p:.2f}% | {dk} | {dp} |")
# Paired: pretext-bf16 against pretext of the same method and seed (same start, same augmentation
# draws). d in points; 95% interval mean +/- t(0.975, n-1) s / sqrt(n); the training time's ratio
# fp32 / bf16 on the log scale with its own interval. See bench/README.md for the decision rule.
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
        2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
def interval(xs):
    m = statistics.mean(xs)
    if len(xs) < 2:
        return m, float("nan"), float("nan")
    h = T975[min(len(xs) - 1, len(T975)) - 1] * statistics.stdev(xs) / len(xs) ** 0.5
    return m, m - h, m + h
paired = []
for method in dict.fromkeys(r["method"] for r in rows):
    fp = {r["seed"]: r for r in rows if r["method"] == method and r["side"] == "pretext"}
    bf = {r["seed"]: r for r in rows if r["method"] == method and r["side"] == "pretext-bf16"}
    seeds = sorted(set(fp) & set(bf))
    if not seeds:
        continue
    dk = [100 * (bf[s]["knn"] - fp[s]["knn"]) for s in seeds]
    dp = [100 * (bf[s]["probe"] - fp[s]["probe"]) for s in seeds]
    lr = [math.log(fp[s]["train_seconds"] / bf[s]["train_seconds"]) for s in seeds]
    k, p, t = interval(dk), interval(dp), interval(lr)
    inside = len(seeds) >= 3 and -0.3 <= k[1] and k[2] <= 0.3 and -0.3 <= p[1] and p[2] <= 0.3
    faster = len(seeds) >= 3 and t[1] > 0
    paired.append(f"| {method} | {len(seeds)} ({' '.join(map(str, seeds))}) | {k[0]:+.2f} [{k[1]:+.2f}, {k[2]:+.2f}] | "
                  f"{p[0]:+.2f} [{p[1]:+.2f}, {p[2]:+.2f}] | {math.exp(t[0]):.2f}x [{math.exp(t[1]):.2f}, {math.exp(t[2]):.2f}] | "
                  f"{'yes' if inside and faster else 'no'} |")
if paired:
    lines += ["", "bf16 + channels_last minus fp32, same seed, in points (mean [95% t interval]); training time ratio fp32 / bf16:",
              "", "| method | pairs (seeds) | k-NN | probe | speed-up | both within +/-0.3 and faster |", "|---|---|---|---|---|---|"] + paired
text = "\n".join(lines) + "\n"
print(text)
if append == "1":
    with open(readme, "a") as f:
        f.write("\n" + text)
    print(f"appended to {readme}", file=sys.stderr)
PY
