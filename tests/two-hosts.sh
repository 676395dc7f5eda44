#!/usr/bin/env bash
# Two hosts on one machine: a data-parallel job whose processes live in two network namespaces, each
# with its own network stack, address and host name, joined by a virtual Ethernet pair, and started
# the way torchrun starts them on two nodes (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT;
# no GLOO_SOCKET_IFNAME, and host names that do not resolve, as on many cluster nodes).
#
#   tests/two-hosts.sh PRETEXT-CLI [WORK-DIR]
#
# Checks, in order:
#   1. 2 hosts x PER_HOST processes train a shapes run whose losses equal, to the last printed digit,
#      one host's --nproc (2 x PER_HOST) run of the same seed;
#   2. the link goes down under a running job (a silent host: no process dies, no connection is
#      closed): every process stops within the timeout with a message naming a rank, the run folder
#      says "failed" and keeps its last checkpoint;
#   3. with the link back, the same launch with --resume continues the run to its end, metrics.csv
#      without a repeated step.
# Needs root (tests/netns-pair.sh); exits 77 (skipped) where namespaces cannot be made.
set -euo pipefail

cli=${1:?usage: tests/two-hosts.sh PRETEXT-CLI [WORK-DIR]}
work=${2:-$(mktemp -d)}
per_host=${PER_HOST:-2}
timeout_s=${TIMEOUT_S:-5}
world=$((2 * per_host))
port=$((20000 + $$ % 20000))

NETNS_TAG=ptx$$
. "$(dirname "$0")/netns-pair.sh"
netns_pair_up || { echo "SKIP: two hosts cannot be made here" >&2; exit 77; }

mkdir -p "$work"
run="$work/run"
rm -rf "$run" "$work/local"
args=(--dataset shapes --method simclr --width 8 --batch-size 32 --subset 128 --no-knn --threads 1 --seed 5
      --dist-timeout "$timeout_s")

# launch HOST(a|b) LOG ARGS...: the host's PER_HOST processes, as torchrun --node_rank would.
pids=()
launch() {
  local host=$1 log=$2; shift 2
  local node=0
  [ "$host" = b ] && node=1
  for ((l = 0; l < per_host; ++l)); do
    netns_run "$host" "node-$host-$NETNS_TAG" env RANK=$((node * per_host + l)) WORLD_SIZE=$world \
      LOCAL_RANK=$l LOCAL_WORLD_SIZE=$per_host MASTER_ADDR=10.213.0.1 MASTER_PORT=$port "$cli" train "$@" > "$log.$l" 2>&1 &
    pids+=($!)
  done
}
wait_all() {
  local rc=0
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  pids=()
  return $rc
}
fail() { echo "FAIL: $*" >&2; exit 1; }
losses() { awk -F, 'NR > 1 { print $1, $2, $3, $4, $5 }' "$1/metrics.csv"; }

# 1. Two hosts against one.
launch a "$work/a1" "${args[@]}" --epochs 3 --out "$run"
launch b "$work/b1" "${args[@]}" --epochs 3 --out "$run"
wait_all || { tail -n 3 "$work"/[ab]1.* >&2; fail "the two-host job did not finish"; }
"$cli" train "${args[@]}" --epochs 3 --nproc "$world" --quiet --out "$work/local" > "$work/local.log" 2>&1 ||
  { cat "$work/local.log" >&2; fail "the one-host --nproc $world run failed"; }
cmp <(losses "$run") <(losses "$work/local") > /dev/null ||
  { diff <(losses "$run") <(losses "$work/local") | head >&2; fail "two hosts' losses differ from one host's"; }
grep -q "\"world_size\": $world" "$run/config.json" || fail "config.json does not record world size $world"
echo "1. 2 hosts x $per_host processes: $(losses "$run" | wc -l) metrics rows equal one host's --nproc $world run"

# 2. A silent host: the link goes down under the running job.
rm -rf "$run"
launch a "$work/a2" "${args[@]}" --epochs 10000 --out "$run"
launch b "$work/b2" "${args[@]}" --epochs 10000 --out "$run"
for _ in $(seq 1500); do [ -f "$run/checkpoints/last.pt" ] && break; sleep 0.2; done
[ -f "$run/checkpoints/last.pt" ] || fail "no checkpoint within 300 s"
sleep 1
ip -n "${NETNS_TAG}b" link set "${NETNS_TAG}vb" down
t0=$(date +%s.%N)
wait_all && fail "the job went on with a host unreachable"
elapsed=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
# A hang guard, not a time limit: CI shares two cores at a load of 10-20 (the time is printed below).
awk -v e="$elapsed" -v t="$timeout_s" 'BEGIN { exit !(e <= t + 60) }' ||
  fail "the processes took $elapsed s to stop (timeout $timeout_s s)"
for log in "$work"/[ab]2.*; do
  grep -Eq "rank [0-9]+: .* failed: (rank [0-9]+(, )?)+ stopped answering" "$log" ||
    { cat "$log" >&2; fail "$log does not name the rank that stopped answering"; }
done
grep -q '"state": "failed"' "$run/writer.json" || fail "writer.json does not say failed"
step=$(awk -F, '$1 == "step" { s = $4 } END { print s }' "$run/metrics.csv")
echo "2. link down at step $step: all $world processes stopped within $elapsed s (timeout $timeout_s s), naming the silent rank:"
sed -En 's/^(rank [0-9]+: [^:]*: (rank [0-9]+(, )?)+ stopped answering \([^)]*\)).*/   \1/p' "$work"/a2.0 "$work"/b2.0

# 3. The link back, the same launch resumes.
ip -n "${NETNS_TAG}b" link set "${NETNS_TAG}vb" up
epochs=$(($(awk -F, '$1 == "epoch"' "$run/metrics.csv" | wc -l) + 2))
launch a "$work/a3" --resume "$run" --epochs "$epochs" --dist-timeout "$timeout_s"
launch b "$work/b3" --resume "$run" --epochs "$epochs" --dist-timeout "$timeout_s"
wait_all || { tail -n 3 "$work"/[ab]3.* >&2; fail "the resumed job failed"; }
grep -q "resuming $run" "$work/a3.0" || fail "rank 0 did not say it resumed"
grep -q '"state": "finished"' "$run/writer.json" || fail "the resumed run did not finish"
repeated=$(awk -F, '$1 == "step" { print $4 }' "$run/metrics.csv" | sort -n | uniq -d | wc -l)
[ "$repeated" = 0 ] || fail "metrics.csv repeats $repeated steps after the resume"
echo "3. resumed across both hosts: finished $(awk -F, '$1 == "epoch"' "$run/metrics.csv" | wc -l) epochs, no repeated step"
echo "two hosts: all checks passed"
