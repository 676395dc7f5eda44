#!/usr/bin/env bash
# Leak check of a short pretext-cli session (train with the k-NN monitor, resume, eval, inspect):
#   packaging/leaks.sh            LeakSanitizer, with the ASan build from packaging/sanitize.sh
#   packaging/leaks.sh valgrind   valgrind memcheck on the normal build (build/); slower
# Leaks inside libraries Pretext does not build are suppressed (tests/fuzz/lsan.supp); valgrind
# reports "definitely lost" blocks and says which have Pretext's code on their stack.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-lsan}"
work="$(mktemp -d /tmp/pretext-leaks.XXXXXX)"
train=(train --dataset shapes --method simclr --width 8 --epochs 2 --batch-size 32 --knn-k 20 --threads 2 --quiet)
if [ "$mode" = valgrind ]; then
  command -v valgrind >/dev/null || {
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq valgrind
  }
  cli=build/app/pretext-cli
  vg=(valgrind --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --num-callers=40)
  status=0
  for step in train eval; do
    if [ $step = train ]; then args=("${train[@]}" --epochs 1 --out "$work/run"); else args=(eval "$work/run" --stages ,conv1); fi
    nice -n 10 "${vg[@]}" --log-file="$work/valgrind-$step.log" "$cli" "${args[@]}" >/dev/null || status=$?
    echo "== $step: $(grep -h 'definitely lost:' "$work/valgrind-$step.log" | sed 's/^==[0-9]*== *//')"
    echo "   Pretext frames in definitely-lost stacks: $(grep -A40 'definitely lost in' "$work/valgrind-$step.log" | grep -c 'pretext::' || true)"
  done
  echo "logs: $work/valgrind-*.log"
  exit $status
fi
cli=build-asan/app/pretext-cli
[ -x "$cli" ] || { echo "leaks: build $cli first (packaging/sanitize.sh)" >&2; exit 2; }
export ASAN_OPTIONS="detect_leaks=1:detect_container_overflow=0:${ASAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=1:${LSAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
run() { echo "== pretext-cli $*"; nice -n 10 "$cli" "$@" >"$work/out.log" 2>"$work/err.log" || { cat "$work/err.log"; return 1; }
        grep -A3 "Suppressions used" "$work/err.log" || echo "   no leaks (none suppressed)"; }
run "${train[@]}" --epochs 1 --out "$work/run"
run train --resume "$work/run" --epochs 2 --quiet
run eval "$work/run" --stages ,conv1,conv3
run inspect shapes --out "$work/sheet.png"
echo "leaks: no leak from Pretext's code (LeakSanitizer exits non-zero on any unsuppressed leak)"
