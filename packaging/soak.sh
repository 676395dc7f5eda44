#!/usr/bin/env bash
# Soak: a long, bounded CPU training run of pretext-cli whose resident memory (RSS) is sampled every
# few seconds; memory must stay flat from epoch to epoch. The k-NN monitor runs at every epoch end
# (its bank is the whole training split), so its allocations are soaked too.
#
#   packaging/soak.sh [MINUTES=5] [BUILD=build] [extra pretext-cli train options...]
#   SOAK_DATASET=shapes packaging/soak.sh ...   (default: Fashion-MNIST when installed)
#
# Prints RSS per epoch (the peak while it ran) and the growth per epoch after the first, and
# writes soak.csv (seconds, rss_mb, epochs_done) into the run folder it reports.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-5}"
build="${2:-build}"
shift 2 || shift $# || true
cli="$build/app/pretext-cli"
[ -x "$cli" ] || { echo "soak: $cli not built" >&2; exit 2; }
work="$(mktemp -d /tmp/pretext-soak.XXXXXX)"
run="$work/run"
dataset="${SOAK_DATASET:-fashion-mnist}"
[ "$dataset" != fashion-mnist ] || [ -d "${PRETEXT_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}" ] || dataset=shapes
nice -n 10 "$cli" train --dataset "$dataset" --method simclr --subset 6000 --knn-test-limit 2000 --epochs 100000 \
  --batch-size 128 --threads "${SOAK_THREADS:-2}" --quiet --out "$run" "$@" >"$work/cli.log" 2>&1 &
pid=$!
echo "soak: pid $pid, $minutes min on $dataset, run folder $run"
end=$(( $(date +%s) + minutes * 60 ))
start=$(date +%s)
echo "seconds,rss_mb,epochs_done" >"$work/soak.csv"
while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$end" ]; do
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
  epochs=$(grep -c '^epoch,[0-9]' "$run/metrics.csv" 2>/dev/null || true)
  echo "$(( $(date +%s) - start )),$(( ${rss:-0} / 1024 )),${epochs:-0}" >>"$work/soak.csv"
  sleep 3
done
kill -INT "$pid" 2>/dev/null || true
set +e
wait "$pid"
rc=$?
set -e
cp "$work/soak.csv" "$run/soak.csv" 2>/dev/null || true
echo "soak: pretext-cli exited with $rc (130: stopped by SIGINT, checkpoint written)"
tail -1 "$work/cli.log"
python3 - "$work/soak.csv" <<'PY'
import csv, sys
rows = [(int(r["seconds"]), int(r["rss_mb"]), int(r["epochs_done"])) for r in csv.DictReader(open(sys.argv[1]))]
peak = {}
for s, rss, e in rows:
    if rss > 0:
        peak[e] = max(peak.get(e, 0), rss)
done = sorted(e for e in peak if e < max(peak))  # epochs that ran to their end
print("epoch  peak RSS (MB) while it ran")
for e in sorted(peak):
    print(f"{e + 1:5d}  {peak[e]:6d}{'' if e in done else '  (cut short by the time limit)'}")
steady = [e for e in done if e >= 1]
if len(steady) >= 2:
    a, b = steady[0], steady[-1]
    print(f"growth from epoch {a + 1} to epoch {b + 1}: {peak[b] - peak[a]:+d} MB "
          f"({(peak[b] - peak[a]) / (b - a):+.1f} MB per epoch)")
else:
    print("too few whole epochs to measure growth: run longer")
PY
