#!/usr/bin/env bash
# Trains methods of the catalogue on Fashion-MNIST and prints a Markdown table: method, backbone,
# epochs, minutes of training, images/s, and weighted k-NN accuracy (k=200, T=0.07, InstDisc) of
# the pooled output and of each stage (ConvNet conv1..conv4; ViT blocks), with the best one.
# Long (tens of minutes on a CPU): run it by hand, not in CI.
#
#   bench/fmnist_table.sh [build-dir] [out-dir] [epochs] [extra train options...]
#   METHODS="random:0 rotation:3 simclr:3 mae:5:vit" bench/fmnist_table.sh build runs/table 3 --device cuda
#
# EVAL_OPTIONS go to `pretext-cli eval` (e.g. "--device cuda").
# METHODS lists method:epochs[:backbone] (default: every method of `pretext-cli methods`, with
# `epochs`, random init with 0 and the supervised baseline with 1; MAE on the ViT). A finished run
# folder is reused (delete it to train again). Methods that do not apply (colorization on gray
# images) say why in the table.
set -euo pipefail
build=${1:-build}
out=${2:-runs/fmnist-table}
epochs=${3:-3}
shift $(( $# < 3 ? $# : 3 ))
cli="$build/app/pretext-cli"
mkdir -p "$out"
if [ -z "${METHODS:-}" ]; then
  METHODS=""
  for m in $("$cli" methods | awk 'NR > 1 && NF { print $1 }'); do
    case $m in
      random) METHODS+=" random:0" ;;
      supervised) METHODS+=" supervised:1" ;;
      mae) METHODS+=" mae:$epochs:vit" ;;
      *) METHODS+=" $m:$epochs" ;;
    esac
  done
fi
echo "| method | backbone | epochs | train min | img/s | pooled | per stage | best stage |"
echo "|---|---|---|---|---|---|---|---|"
for spec in $METHODS; do
  IFS=: read -r method n backbone <<< "$spec"
  backbone=${backbone:-convnet}
  dir="$out/$method-$backbone"
  if [ "$backbone" = vit ]; then stages=",block1,block2,block3,block4,block5"; else stages=",conv1,conv2,conv3,conv4"; fi
  if [ ! -f "$dir/seconds" ]; then
    rm -rf "$dir"
    t0=$(date +%s.%N)
    if ! "$cli" train --dataset fashion-mnist --method "$method" --backbone "$backbone" --epochs "$n" --no-knn --quiet \
        --out "$dir" "$@" > "$out/$method-$backbone.log" 2>&1; then
      printf "| %s | %s | %s | - | - | - | %s | - |\n" "$method" "$backbone" "$n" "$(tail -n 1 "$out/$method-$backbone.log" | cut -c1-160)"
      continue
    fi
    awk -v end="$(date +%s.%N)" -v start="$t0" 'BEGIN { print end - start }' > "$dir/seconds"
  fi
  # shellcheck disable=SC2086
  "$cli" eval "$dir" --knn --knn-k 200 --stages "$stages" ${EVAL_OPTIONS:-} > "$dir/knn.txt" 2>&1 || true
  if [ ! -f "$dir/knn.csv" ]; then
    printf "| %s | %s | %s | - | - | - | eval failed: %s | - |\n" "$method" "$backbone" "$n" "$(tail -n 1 "$dir/knn.txt" | cut -c1-160)"
    continue
  fi
  # knn.csv: stage,k,temperature,accuracy ("pooled" for the pooled output)
  row=$(awk -F, 'NR > 1 && $2 == 200 { a[$1] = $4; order[n++] = $1 }
    END {
      best = ""; for (i = 0; i < n; i++) { s = order[i]; if (best == "" || a[s] > a[best]) best = s }
      per = ""; for (i = 0; i < n; i++) { s = order[i]; if (s != "pooled") per = per sprintf("%s %.2f%% ", s, 100 * a[s]) }
      printf "%.2f%% | %s| %s %.2f%%", 100 * a["pooled"], per, best, 100 * a[best]
    }' "$dir/knn.csv")
  ips=$(awk -F, '$1 == "epoch" && $8 != "" { v = $8 } END { print v == "" ? "-" : v }' "$dir/metrics.csv")
  printf "| %s | %s | %s | %.1f | %s | %s |\n" "$method" "$backbone" "$n" "$(awk '{ print $1 / 60 }' "$dir/seconds")" \
    "$ips" "$row"
done
