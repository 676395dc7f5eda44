# Sourced by the benchmarks that run a command under a memory cap (stream.sh, prepare-binary.sh).
# memcg_locate NAME sets cg (a child of the cgroup this shell runs in, named NAME-PID, not yet made),
# limit and peak (its files): cgroup v2 (memory.max, memory.peak) or v1 (memory.limit_in_bytes,
# memory.max_usage_in_bytes).
memcg_locate() {
  local rel
  rel=$(sed -n 's/^0:://p' /proc/self/cgroup)
  if [ -n "$rel" ] && [ -f "/sys/fs/cgroup$rel/cgroup.controllers" ] && grep -qw memory "/sys/fs/cgroup$rel/cgroup.controllers"; then
    cg="/sys/fs/cgroup$rel/$1-$$"; limit=memory.max; peak=memory.peak
  else
    rel=$(sed -n 's/^[0-9]*:memory:\(.*\)/\1/p' /proc/self/cgroup)
    cg="/sys/fs/cgroup/memory$rel/$1-$$"; limit=memory.limit_in_bytes; peak=memory.max_usage_in_bytes
  fi
}
