#!/usr/bin/env bash
# The runner's isolation: the test starts in a fresh network namespace (only lo, up),
# /sys/class/net shows that namespace (not the host's), links made here appear in both
# views, and a named netns made here is private to the test.
set -eu
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT

assert_eq "lo" "$(link_names | words)" "ip -j link in a fresh netns"
assert_eq "lo" "$(ls /sys/class/net | words)" "/sys/class/net in a fresh netns"
assert_eq "true" "$(link_get lo '.flags | index("UP") != null')" "lo is up"
# sysfs is this namespace's: lo's ifindex there is the one netlink reports.
assert_eq "$(link_get lo .ifindex)" "$(sysfs_net lo ifindex)" "lo ifindex, sysfs vs netlink"

a=va$SUFFIX b=vb$SUFFIX
veth_pair "$a" "$b"
must ip link set "$a" mtu 1400 up
assert_eq "$(sorted_words lo "$a" "$b")" "$(ls /sys/class/net | words)" "/sys/class/net after adding a veth pair"
assert_eq "$(link_names | words)" "$(ls /sys/class/net | words)" "netlink and sysfs agree"
assert_eq 1400 "$(sysfs_net "$a" mtu)" "mtu in sysfs"
assert_eq 1400 "$(link_get "$a" .mtu)" "mtu in netlink"
assert_eq "$(link_get "$a" .address)" "$(sysfs_net "$a" address)" "mac, sysfs vs netlink"
assert_eq "$(link_get "$a" .ifindex)" "$(sysfs_net "$b" iflink)" "veth peer's iflink"
assert_eq veth "$(link_get "$a" .linkinfo.info_kind)" "link kind"

# A named netns made here is the test's own: move one end in, see it leave.
ns=e2e-$SUFFIX
netns_add "$ns"
must ip link set "$b" netns "$ns"
[ ! -e "/sys/class/net/$b" ] || fail "$b still in this namespace's /sys/class/net after the move"
assert_eq "$(sorted_words lo "$b")" "$(link_names "$ns" | words)" "links in $ns"
assert_eq "$(sorted_words lo "$b")" "$(ip netns exec "$ns" ls /sys/class/net | words)" "sysfs in $ns"
info "isolation ok: lo, $a here; $b in $ns"
