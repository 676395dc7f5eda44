#!/usr/bin/env bash
# Data-parallel training on the CPU (Gloo over loopback) against one process with the same cores:
# SimCLR on Fashion-MNIST, 1 process x 2 threads against 2 processes x 1 thread with the gradient
# all-reduce overlapped with backward and after it, one table of images/s and where each step's
# time goes (rank 0's clock, from PRETEXT_PROFILE_DIST=1).
#
#   bench/dist.sh [build-dir] [results.md]        # defaults: build  runs/bench-dist/results.md
#
# Builds nothing: `ninja -C build pretext-cli` first. Not part of CTest.
# Settings (environment): BATCH=256 STEPS=12 THREADS=2 NPROC=2 BACKBONE=convnet METHOD=simclr
# REPEAT=1 (REPEAT=2 runs the whole set twice, interleaved, to see the noise of a shared machine).
# Each run is one epoch of STEPS steps on the first BATCH x STEPS training images, no k-NN monitor;
# img/s: the global batch over rank 0's wall time per step, first step included. Run it on a quiet machine: every figure is a wall-clock time.
set -euo pipefail

build=${1:-build}
out=${2:-runs/bench-dist/results.md}
batch=${BATCH:-256}
steps=${STEPS:-12}
threads=${THREADS:-2}
nproc=${NPROC:-2}
backbone=${BACKBONE:-convnet}
method=${METHOD:-simclr}
repeat=${REPEAT:-1}
# cli, work (removed at exit) and log (bench/clirun.sh).
source "$(dirname "${BASH_SOURCE[0]}")/clirun.sh"
clirun_setup "$build" "$out"

# name, then pretext-cli train's extra arguments
run() {
  local name=$1
  shift
  echo "== $name: $*" >&2
  PRETEXT_PROFILE_DIST=1 "$cli" train --dataset fashion-mnist --method "$method" --backbone "$backbone" \
    --batch-size "$batch" --subset $((batch * steps)) --epochs 1 --no-knn --quiet --threads "$threads" \
    --out "$work/$name" "$@" > "$work/$name.out" 2>&1 || { cat "$work/$name.out" >&2; exit 1; }
  { echo "== $name: $*"; cat "$work/$name.out"; } >> "$log"
  # "finished: ...; 0:41, 123 img/s" (global images over training time) and rank 0's profile line.
  local ips profile
  clirun_result "$work/$name.out"
  echo "$name|$ips|$profile" >> "$work/rows"
  rm -rf "${work:?}/$name"
}

: > "$work/rows"
for ((i = 0; i < repeat; i++)); do
  run "1 process x $threads threads"
  run "$nproc processes x $((threads / nproc)) thread(s), overlapped" --nproc "$nproc" --overlap-allreduce on
  run "$nproc processes x $((threads / nproc)) thread(s), after backward" --nproc "$nproc" --overlap-allreduce off
done
load=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$work/rows" "$out" "$batch" "$steps" "$method" "$backbone" "$load" <<'EOF'
import re, sys, datetime
rows_path, out, batch, steps, method, backbone, load = sys.argv[1:]
keys = [("compute", r"compute \(forward\+backward\) ([\d.]+)"), ("grad all-reduce", r"gradient all-reduce ([\d.]+)"),
        ("gathers", r"embedding gathers ([\d.]+)"), ("BN stats", r"BatchNorm statistics ([\d.]+)"),
        ("other coll.", r"other collectives ([\d.]+)"), ("data", r"data ([\d.]+)"),
        ("optimizer", r"optimizer ([\d.]+)"), ("rest", r"rest (-?[\d.]+)")]
rows = [l.rstrip("\n").split("|", 2) for l in open(rows_path) if l.strip()]
base = {}
def rate(ips, profile):
    # The global batch over rank 0's wall time per step (the finished line's img/s is rounded).
    wall = re.search(r"wall ([\d.]+)", profile)
    return int(batch) * 1000.0 / float(wall.group(1)) if wall else float(ips)
for name, ips, profile in rows:
    if name.startswith("1 process") and name not in base: base[name] = rate(ips, profile)
first = next(iter(base.values()))
lines = ["", f"### {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC: {method}, {backbone}, global batch {batch}, {steps} steps; "
         f"load average {load} at the end", "",
         "| run | img/s | vs 1 process | wall ms/step | " + " | ".join(k for k, _ in keys) + " |",
         "|---|---|---|---|" + "---|" * len(keys)]
for name, ips, profile in rows:
    wall = re.search(r"wall ([\d.]+)", profile)
    cells = [re.search(p, profile) for _, p in keys]
    lines.append(f"| {name} | {rate(ips, profile):.1f} | {rate(ips, profile) / first:.2f}x | {wall.group(1) if wall else '?'} | " +
                 " | ".join(c.group(1) if c else "?" for c in cells) + " |")
text = "\n".join(lines) + "\n"
print(text)
with open(out, "a") as f: f.write(text)
EOF
echo "table appended to $out; the runs' output in $log" >&2
