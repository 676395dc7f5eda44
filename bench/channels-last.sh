#!/usr/bin/env bash
# fp32 channels_last against fp32 NCHW for CPU training: paired AB/BA runs of pretext-bench train,
# one line per pair (the NHWC / NCHW img/s ratio and the load average beside each run), then a
# summary per method and backbone under the rule in bench/README.md ("channels_last alone in fp32").
#
#   bench/channels-last.sh [build-dir]
#
# Settings (environment): PAIRS=3 THREADS=2 CONVNET="simclr rotation moco byol barlow"
# RESNET18="simclr rotation" CONVNET_BATCH=256 RESNET18_BATCH=64 STEPS=12 WARMUP=3 OUT=runs/channels-last
# Pair i runs NCHW first when i is odd (AB) and NHWC first when i is even (BA), the two runs back to
# back; the img/s are pretext-bench's median step. The raw JSON lines go to $OUT/results.jsonl.
set -euo pipefail

build=${1:-build}
pairs=${PAIRS:-3}
threads=${THREADS:-2}
steps=${STEPS:-12}
warmup=${WARMUP:-3}
out=${OUT:-runs/channels-last}
mkdir -p "$out"
bench="$build/bench/pretext-bench"
[ -x "$bench" ] || { echo "no $bench: build it first (ninja -C $build pretext-bench)" >&2; exit 1; }

load() { cut -d' ' -f1 /proc/loadavg; }
ips() { sed -n 's/.*"images_per_second": \([0-9.eE+-]*\).*/\1/p'; }

one() {  # method backbone batch layout -> "img/s load-before load-after"
  local before after line
  before=$(load)
  line=$(OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive} "$bench" train --method "$1" --backbone "$2" \
           --dataset fashion-mnist --threads "$threads" --batch-size "$3" --steps "$steps" --warmup "$warmup" \
           --cpu-bf16 0 --cpu-channels-last "$4" | tail -n 1)
  after=$(load)
  echo "$line" >> "$out/results.jsonl"
  echo "$(echo "$line" | ips) $before $after"
}

run() {  # backbone batch methods...
  local backbone=$1 batch=$2; shift 2
  for m in "$@"; do
    local ratios=""
    for i in $(seq 1 "$pairs"); do
      local a b order when
      when=$(date -u +%H:%M:%S)
      if [ $((i % 2)) -eq 1 ]; then order=AB; a=$(one "$m" "$backbone" "$batch" 0); b=$(one "$m" "$backbone" "$batch" 1)
      else order=BA; b=$(one "$m" "$backbone" "$batch" 1); a=$(one "$m" "$backbone" "$batch" 0); fi
      set -- $a; local nchw=$1 la="$2-$3"
      set -- $b; local nhwc=$1 lb="$2-$3"
      local r; r=$(awk -v x="$nhwc" -v y="$nchw" 'BEGIN { printf "%.3f", x / y }')
      ratios="$ratios $r"
      printf '| %s | %s | %d %s %s | %.1f | %.1f | %s | %s ; %s |\n' "$m" "$backbone" "$i" "$order" "$when" "$nchw" "$nhwc" "$r" "$la" "$lb"
    done
    echo "$ratios" | awk -v m="$m" -v bb="$backbone" '{
      n = NF; s = 0; all = 1; lo = 1e9; hi = 0
      for (i = 1; i <= n; i++) { s += log($i); if ($i <= 1) all = 0; if ($i < lo) lo = $i; if ($i > hi) hi = $i }
      g = exp(s / n); pass = (n >= 3 && all && g >= 1.05)
      printf "SUMMARY | %s | %s | %d | %.3f-%.3f | %.3fx | %s |\n", m, bb, n, lo, hi, g, pass ? "yes" : "no" }' >> "$out/summary.txt"
    tail -n 1 "$out/summary.txt"
  done
}

echo "| method | backbone | pair, order, start (UTC) | NCHW img/s | NHWC img/s | NHWC / NCHW | load NCHW ; NHWC |"
echo "|---|---|---|---|---|---|---|"
[ -z "${CONVNET-x}" ] || run convnet "${CONVNET_BATCH:-256}" ${CONVNET:-simclr rotation moco byol barlow}
[ -z "${RESNET18-x}" ] || run resnet18 "${RESNET18_BATCH:-64}" ${RESNET18:-simclr rotation}
