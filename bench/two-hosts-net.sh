#!/usr/bin/env bash
# What a slower network costs a data-parallel step, measured: two "hosts" (network namespaces,
# tests/netns-pair.sh) with one process each, the link between them shaped by tc (a token bucket, tbf) to
# each of RATES, SimCLR on Fashion-MNIST with the gradient all-reduce after backward, rank 0's step
# profile (PRETEXT_PROFILE_DIST=1). Beside each measured all-reduce: the ring all-reduce's bytes at
# that rate (2(n-1)/n x the gradient bytes from `pretext-bench comm`), the same model
# bench/dist_scaling.py uses for NVLink and Ethernet, so the model is checked on a real TCP stack.
#
#   bench/two-hosts-net.sh [build-dir]        # root only (network namespaces)
#
# Settings (environment): RATES="none 1gbit 200mbit 50mbit" BACKBONE=convnet BATCH=256 STEPS=8 THREADS=1
# Builds nothing: ninja -C build pretext-cli pretext-bench. Not part of CTest.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
rates=${RATES:-none 1gbit 200mbit 50mbit}
backbone=${BACKBONE:-convnet}
batch=${BATCH:-256}
steps=${STEPS:-8}
threads=${THREADS:-1}
cli="$build/app/pretext-cli"
bench="$build/bench/pretext-bench"
[ -x "$cli" ] && [ -x "$bench" ] || { echo "build first: ninja -C $build pretext-cli pretext-bench" >&2; exit 1; }
command -v tc > /dev/null || { echo "needs tc (iproute2)" >&2; exit 1; }

NETNS_TAG=ptxn$$
. "$root/tests/netns-pair.sh"
netns_pair_up || exit 1
work=$(mktemp -d)
trap 'jobs -p | xargs -r kill -9 2> /dev/null || true; netns_pair_down; rm -rf "$work"' EXIT

gradient_bytes=$("$bench" comm --method simclr --backbone "$backbone" --image-size 28 --channels 1 |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["gradient_bytes"])')
port=$((20000 + $$ % 20000))

echo "| link | img/s | wall ms/step | compute ms | gradient all-reduce ms | ring bytes at the rate, ms | gathers ms | BN stats ms |"
echo "|---|---|---|---|---|---|---|---|"
for rate in $rates; do
  for h in a b; do
    ip netns exec "$NETNS_TAG$h" tc qdisc del dev "${NETNS_TAG}v$h" root 2> /dev/null || true
    [ "$rate" = none ] || ip netns exec "$NETNS_TAG$h" tc qdisc add dev "${NETNS_TAG}v$h" root tbf rate "$rate" burst 64kb latency 500ms
  done
  rm -rf "$work/run"
  pids=()
  for r in 0 1; do
    host=a
    [ $r = 1 ] && host=b
    netns_run $host "node-$host" env RANK=$r WORLD_SIZE=2 LOCAL_RANK=0 MASTER_ADDR=10.213.0.1 MASTER_PORT=$port \
      PRETEXT_PROFILE_DIST=1 "$cli" train --dataset fashion-mnist --method simclr --backbone "$backbone" \
      --batch-size "$batch" --subset $((batch * steps)) --epochs 1 --no-knn --quiet --threads "$threads" \
      --overlap-allreduce off --out "$work/run" > "$work/rank$r.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || { cat "$work"/rank*.log >&2; exit 1; }; done
  port=$((port + 1))
  python3 - "$rate" "$batch" "$gradient_bytes" "$work/rank0.log" <<'PY'
import re, sys
rate, batch, grad, log = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
profile = next(l for l in open(log) if re.match(r"^profile(, | of rank 0,)", l))
get = lambda p: float(re.search(p, profile).group(1))
wall = get(r"wall ([\d.]+)")
units = {"gbit": 1e9, "mbit": 1e6, "kbit": 1e3}
m = re.match(r"([\d.]+)(gbit|mbit|kbit)$", rate)
model = "-" if not m else f"{2 * (2 - 1) / 2 * grad * 8 / (float(m.group(1)) * units[m.group(2)]) * 1000:.1f}"
compute = get(r"compute \(forward\+backward\) ([\d.]+)")
reduce_ms = get(r"gradient all-reduce ([\d.]+)")
gathers = get(r"embedding gathers ([\d.]+)")
bn = get(r"BatchNorm statistics ([\d.]+)")
print(f"| {rate} | {batch * 1000 / wall:.1f} | {wall:.0f} | {compute:.0f} | {reduce_ms:.1f} | {model} | {gathers:.1f} | {bn:.1f} |")
PY
done
echo
echo "$backbone gradients: $gradient_bytes bytes; 2 hosts x 1 process x $threads thread(s); load average $(cut -d' ' -f1-3 /proc/loadavg)"
