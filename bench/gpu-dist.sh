#!/usr/bin/env bash
# The data-parallel check for a GPU session: the same SimCLR ResNet-18 32x32 step
#   1. plain: one process, no job;
#   2. a job of world size 1 (torchrun's variables, WORLD_SIZE=1): the goal is < 5% slower than 1;
#      Pretext treats a job of one as the plain path, so this checks that nothing else is added;
#   3. 2 ranks on the same device (--nproc 2, 2x the global batch, so the same per-rank batch),
#      gradient all-reduce overlapped and after backward: every collective really runs (with
#      Gloo: CUDA tensors go through host copies), with rank 0's breakdown of where the time goes.
# It also says whether this LibTorch has NCCL (the dist layer uses Gloo; NCCL is not wired yet).
#
#   bench/gpu-dist.sh [build-dir] [results.md]      # defaults: build-gpu  runs/bench-gpu-dist/results.md
#
# Settings (environment): DEVICE=cuda BACKBONE=resnet18 BATCH=512 STEPS=30 METHOD=simclr THREADS=
# Reduced form for a CPU build (what was run without a GPU, so that the script is not untested):
#   DEVICE=cpu BACKBONE=convnet BATCH=64 STEPS=4 THREADS=2 bench/gpu-dist.sh build
set -euo pipefail

build=${1:-build-gpu}
out=${2:-runs/bench-gpu-dist/results.md}
device=${DEVICE:-cuda}
backbone=${BACKBONE:-resnet18}
batch=${BATCH:-512}
steps=${STEPS:-30}
method=${METHOD:-simclr}
threads=${THREADS:-}
cli="$build/app/pretext-cli"
[ -x "$cli" ] || { echo "no $cli: build it first (ninja -C $build pretext-cli)" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log="${out%.md}.log"
: > "$log"

# NCCL: whether this LibTorch's CUDA library has it (the dist layer does not use it yet).
nccl="not in this LibTorch (no libtorch_cuda with ProcessGroupNCCL); the dist layer runs Gloo"
for dir in $(echo "${CMAKE_PREFIX_PATH:-}:/usr/lib" | tr ':' ' '); do
  for lib in $(find "$dir" -maxdepth 3 -name 'libtorch_cuda*.so' 2>/dev/null); do
    nm -D "$lib" 2>/dev/null | grep -q ProcessGroupNCCL && nccl="in $lib, not wired: the dist layer runs Gloo"
  done
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# name, global batch, then environment assignments and extra arguments separated by --
run() {
  local name=$1 global=$2
  shift 2
  local envs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  echo "== $name: ${envs[*]} $*" >&2
  env PRETEXT_PROFILE_DIST=1 "${envs[@]}" "$cli" train --dataset shapes --method "$method" --backbone "$backbone" \
    --device "$device" --batch-size "$global" --subset $((global * steps)) --epochs 1 --no-knn --quiet \
    ${threads:+--threads "$threads"} --out "$work/run" "$@" > "$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
  { echo "== $name: ${envs[*]} $*"; cat "$work/out"; } >> "$log"
  local ips profile
  ips=$(sed -n 's/^finished: .*, \([0-9.]*\) img\/s$/\1/p' "$work/out")
  profile=$(grep -m1 -E '^profile(, | of rank 0,)' "$work/out" || true)
  echo "$name|$ips|$global|$profile" >> "$work/rows"
  rm -rf "$work/run"
}

: > "$work/rows"
run "plain" "$batch"
run "job of world size 1" "$batch" WORLD_SIZE=1 RANK=0 LOCAL_RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT="$(free_port)"
run "2 ranks on one device, overlapped" $((2 * batch)) -- --nproc 2 --overlap-allreduce on
run "2 ranks on one device, after backward" $((2 * batch)) -- --nproc 2 --overlap-allreduce off

python3 - "$work/rows" "$out" "$device" "$backbone" "$batch" "$steps" "$nccl" <<'EOF'
import re, sys, datetime
rows_path, out, device, backbone, batch, steps, nccl = sys.argv[1:]
rows = [l.rstrip("\n").split("|", 3) for l in open(rows_path) if l.strip()]
def rate(ips, glob, profile):
    # The global batch over rank 0's wall time per step (the finished line's img/s is rounded).
    wall = re.search(r"wall ([\d.]+)", profile)
    return int(glob) * 1000.0 / float(wall.group(1)) if wall else float(ips)
plain = rate(rows[0][1], rows[0][2], rows[0][3])
lines = ["", f"### {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC: {device}, {backbone}, batch {batch} per rank, "
         f"{steps} steps; NCCL: {nccl}", "",
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
