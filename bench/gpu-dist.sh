#!/usr/bin/env bash
# The data-parallel check for a GPU session: the same SimCLR ResNet-18 32x32 step
#   1. plain: one process, no job;
#   2. a job of world size 1 with a named backend (torchrun's variables with WORLD_SIZE=1 and
#      --dist-backend nccl on CUDA): it joins a one-rank NCCL group and runs every collective of the
#      data-parallel path (parameter broadcast, gradient all-reduce, stop flags, losses, BatchNorm
#      buffers); the goal is < 5% slower than 1. Unprofiled, as 1, so that the ratio is clean;
#   3. the same job, gradient all-reduce overlapped with backward;
#   4. the same job with PRETEXT_PROFILE_DIST=1: rank 0's breakdown of where the time goes (each
#      NCCL collective is then timed to its end on the GPU, which slows it);
#   5. with NPROC=N (N GPUs): N ranks, one per GPU (--nproc N, N x the global batch, so the same
#      per-rank batch), profiled. Two NCCL ranks cannot share one GPU: on one GPU leave NPROC out.
# The job's config.json says which backend ran; the table says it.
#
#   bench/gpu-dist.sh [build-dir] [results.md]      # defaults: build-gpu  runs/bench-gpu-dist/results.md
#
# Settings (environment): DEVICE=cuda BACKBONE=resnet18 BATCH=512 STEPS=200 METHOD=simclr THREADS=
# BACKEND (default: nccl on CUDA, gloo on the CPU) NPROC (default: none)
# Reduced form for a CPU build (what was run without a GPU, so that the script is not untested):
#   DEVICE=cpu BACKBONE=convnet BATCH=64 STEPS=6 THREADS=2 bench/gpu-dist.sh build
set -euo pipefail

build=${1:-build-gpu}
out=${2:-runs/bench-gpu-dist/results.md}
device=${DEVICE:-cuda}
backbone=${BACKBONE:-resnet18}
batch=${BATCH:-512}
steps=${STEPS:-200}
method=${METHOD:-simclr}
threads=${THREADS:-}
nproc=${NPROC:-}
if [ "$device" = cpu ]; then backend=${BACKEND:-gloo}; else backend=${BACKEND:-nccl}; fi
# cli, work (removed at exit) and log (bench/clirun.sh).
source "$(dirname "${BASH_SOURCE[0]}")/clirun.sh"
clirun_setup "$build" "$out"

# Which backend the jobs ran (their config.json's dist_backend), collected by run().
: > "$work/backends"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# name, global batch, then environment assignments and extra arguments separated by --
run() {
  local name=$1 global=$2
  shift 2
  local envs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  echo "== $name: ${envs[*]} $*" >&2
  env "${envs[@]}" "$cli" train --dataset shapes --method "$method" --backbone "$backbone" \
    --device "$device" --batch-size "$global" --subset $((global * steps)) --epochs 1 --no-knn --quiet \
    ${threads:+--threads "$threads"} --out "$work/run" "$@" > "$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
  { echo "== $name: ${envs[*]} $*"; cat "$work/out"; } >> "$log"
  sed -n 's/.*"dist_backend": *"\([a-z]*\)".*/\1/p' "$work/run/config.json" | sed "s/^/$name: /" >> "$work/backends"
  local ips profile
  clirun_result "$work/out"
  echo "$name|$ips|$global|$profile" >> "$work/rows"
  rm -rf "$work/run"
}

: > "$work/rows"
job=(WORLD_SIZE=1 RANK=0 LOCAL_RANK=0 LOCAL_WORLD_SIZE=1 MASTER_ADDR=127.0.0.1)
run "plain" "$batch"
run "job of world size 1, $backend" "$batch" "${job[@]}" MASTER_PORT="$(free_port)" -- --dist-backend "$backend"
run "job of world size 1, $backend, overlapped" "$batch" "${job[@]}" MASTER_PORT="$(free_port)" -- \
  --dist-backend "$backend" --overlap-allreduce on
run "job of world size 1, $backend, profiled" "$batch" "${job[@]}" MASTER_PORT="$(free_port)" PRETEXT_PROFILE_DIST=1 -- \
  --dist-backend "$backend"
if [ -n "$nproc" ] && [ "$nproc" -gt 1 ]; then
  run "$nproc ranks, one per device, profiled" $((nproc * batch)) PRETEXT_PROFILE_DIST=1 -- --nproc "$nproc" \
    --dist-backend "$backend"
fi
ran=$(tr '\n' ';' < "$work/backends")

python3 - "$work/rows" "$out" "$device" "$backbone" "$batch" "$steps" "$ran" <<'EOF'
import re, sys, datetime
rows_path, out, device, backbone, batch, steps, ran = sys.argv[1:]
rows = [l.rstrip("\n").split("|", 3) for l in open(rows_path) if l.strip()]
def rate(ips, glob, profile):
    # The global batch over rank 0's wall time per step (the finished line's img/s is rounded).
    wall = re.search(r"wall ([\d.]+)", profile)
    return int(glob) * 1000.0 / float(wall.group(1)) if wall else float(ips)
plain = rate(rows[0][1], rows[0][2], rows[0][3])
lines = ["", f"### {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC: {device}, {backbone}, batch {batch} per rank, "
         f"{steps} steps; backends that ran (config.json): {ran}", "",
         "| run | global batch | img/s | per-rank img/s vs plain | wall ms/step | compute | grad all-reduce | gathers | BN stats | other |",
         "|---|---|---|---|---|---|---|---|---|---|"]
patterns = [r"wall ([\d.]+)", r"compute \(forward\+backward\) ([\d.]+)", r"gradient all-reduce ([\d.]+)",
            r"embedding gathers ([\d.]+)", r"BatchNorm statistics ([\d.]+)", r"other collectives ([\d.]+)"]
for name, ips, glob, profile in rows:
    cells = [(re.search(p, profile) or [None, "?"])[1] for p in patterns]
    r = rate(ips, glob, profile)
    lines.append(f"| {name} | {glob} | {r:.1f} | {r * int(batch) / int(glob) / plain:.3f} | " + " | ".join(cells) + " |")
ws1 = rate(rows[1][1], rows[1][2], rows[1][3]) / plain
lines.append("")
lines.append(f"world size 1 against plain: {ws1:.3f}x ({'meets' if ws1 >= 0.95 else 'misses'} the < 5% overhead goal)")
text = "\n".join(lines) + "\n"
print(text)
with open(out, "a") as f: f.write(text)
EOF
echo "table appended to $out; the runs' output in $log" >&2
