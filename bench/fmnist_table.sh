#!/usr/bin/env bash
# Trains every method of the catalogue on Fashion-MNIST with the ConvNet on this machine's CPU and
# prints a Markdown table: method, epochs, minutes of training, and weighted k-NN accuracy
# (k=200, T=0.07, InstDisc) of the pooled output and of each conv stage, against random init.
# Long (tens of minutes): run it by hand, not in CI.
#   bench/fmnist_table.sh [build-dir] [out-dir] [epochs] [extra train options...]
set -euo pipefail
build=${1:-build}
out=${2:-runs/fmnist-table}
epochs=${3:-3}
shift $(( $# < 3 ? $# : 3 ))
cli="$build/app/pretext-cli"
mkdir -p "$out"
echo "| method | epochs | train min | pooled | conv1 | conv2 | conv3 | conv4 |"
echo "|---|---|---|---|---|---|---|---|"
for spec in random:0 supervised:1 rotation:$epochs simclr:$epochs moco:$epochs byol:$epochs; do
  method=${spec%%:*}
  n=${spec##*:}
  dir="$out/$method"
  if [ ! -f "$dir/seconds" ]; then
    rm -rf "$dir"
    t0=$(date +%s)
    "$cli" train --dataset fashion-mnist --method "$method" --epochs "$n" --no-knn --quiet --out "$dir" "$@" \
      > "$out/$method.log" 2>&1
    echo $(( $(date +%s) - t0 )) > "$dir/seconds"
  fi
  "$cli" eval "$dir" --stages ,conv1,conv2,conv3,conv4 > "$dir/knn.txt"
  accs=$(awk 'NR > 1 { printf "| %s ", $2 }' "$dir/knn.txt")
  printf "| %s | %s | %.1f %s|\n" "$method" "$n" "$(echo "$(cat "$dir/seconds")/60" | bc -l)" "$accs"
done
