# Sourced by the benchmarks that time pretext-cli train runs and append a table to a results file
# (dist.sh, gpu-dist.sh).
# clirun_setup BUILD OUT sets cli (BUILD's pretext-cli; stops when it is not built), work (a temporary
# folder, removed at exit) and log (OUT with .log for .md, emptied), and makes OUT's folder.
clirun_setup() {
  cli="$1/app/pretext-cli"
  [ -x "$cli" ] || { echo "no $cli: build it first (ninja -C $1 pretext-cli)" >&2; exit 1; }
  mkdir -p "$(dirname "$2")"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  log="${2%.md}.log"
  : > "$log"
}

# clirun_result FILE sets ips (the img/s of pretext-cli train's "finished: ..." line) and profile
# (rank 0's PRETEXT_PROFILE_DIST line, empty when there is none) from the output in FILE.
clirun_result() {
  ips=$(sed -n 's/^finished: .*, \([0-9.]*\) img\/s$/\1/p' "$1")
  profile=$(grep -m1 -E '^profile(, | of rank 0,)' "$1" || true)
}
