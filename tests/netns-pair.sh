# Two "hosts" on one machine, sourced by tests/two-hosts.sh and bench/two-hosts-net.sh: network
# namespaces ${NETNS_TAG}a and ${NETNS_TAG}b, each with its own network stack, joined by a virtual
# Ethernet pair (${NETNS_TAG}va at 10.213.0.1, ${NETNS_TAG}vb at 10.213.0.2). Needs root.
#
#   NETNS_TAG=ptx$$; netns_pair_up || exit 77    # returns 1 with the reason on stderr when it cannot
#   netns_run a|b HOSTNAME COMMAND...            # COMMAND in that namespace under its own host name
#   netns_pair_down                              # (also on EXIT once netns_pair_up ran)

netns_pair_down() {
  ip netns del "${NETNS_TAG}a" 2> /dev/null || true
  ip netns del "${NETNS_TAG}b" 2> /dev/null || true
}

netns_pair_up() {
  if [ "$(id -u)" != 0 ]; then echo "needs root for network namespaces" >&2; return 1; fi
  if ! command -v ip > /dev/null || ! command -v unshare > /dev/null; then
    echo "needs ip (iproute2) and unshare" >&2
    return 1
  fi
  trap 'jobs -p | xargs -r kill -9 2> /dev/null || true; netns_pair_down' EXIT
  ip netns add "${NETNS_TAG}a" 2> /dev/null || { echo "ip netns add failed (no CAP_NET_ADMIN here?)" >&2; return 1; }
  ip netns add "${NETNS_TAG}b" &&
    ip link add "${NETNS_TAG}va" type veth peer name "${NETNS_TAG}vb" ||
    { echo "no veth pairs here" >&2; return 1; }
  ip link set "${NETNS_TAG}va" netns "${NETNS_TAG}a"
  ip link set "${NETNS_TAG}vb" netns "${NETNS_TAG}b"
  ip -n "${NETNS_TAG}a" addr add 10.213.0.1/24 dev "${NETNS_TAG}va"
  ip -n "${NETNS_TAG}b" addr add 10.213.0.2/24 dev "${NETNS_TAG}vb"
  local h
  for h in a b; do
    ip -n "$NETNS_TAG$h" link set "${NETNS_TAG}v$h" up
    ip -n "$NETNS_TAG$h" link set lo up
  done
}

netns_run() {
  local host=$1 name=$2
  shift 2
  ip netns exec "$NETNS_TAG$host" unshare -u bash -c 'hostname "$0"; exec "$@"' "$name" "$@"
}
