#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# interface.vrf (upstream-v1.4.md §4.5). This kernel has no vrf link type
# (CONFIG_NET_VRF): an attach with a vrf fails at the vrf step with an error
# naming the missing support, and the device is back on the host with the
# same `ip -j` dumps as before (the pod's l3mdev sysctls untouched). A vrf
# name taken in the pod by a link that is not a VRF is refused the same way;
# a VRF with rules is a config error. The fault points around the step roll
# back. Detach takes the device out of a master the pod gave it (a bridge
# stands in for a VRF; detach releases it before the move, and the kernel's
# NETDEV_UNREGISTER of the move would too): it comes back without one.
# On a kernel with VRFs (the QEMU guest of the hardware issue) the attach is
# checked for real instead: the VRF with its table, the device enslaved, the
# routes in the VRF table, and detach deleting the VRF it created.
set -eu
. "$(dirname "$0")/lib.sh"
need_dranet
FAULT=$O/tests/dranet-fault
[ -x "$FAULT" ] || fail "$FAULT not built (make unit-bins)"

ST=$E2E_TMP/state
att() { "$DRANET" attach --state-dir "$ST" "$@"; }
fatt() { "$FAULT" attach --state-dir "$ST" "$@"; }

must ip link add nic0 type veth peer name nic0-p
defer ip link del nic0-p
must ip link set nic0-p up
must ip link set nic0 address 02:00:00:00:28:01
must ip addr add 10.28.0.2/24 dev nic0
must ip -6 addr add fd00:28::2/64 dev nic0 nodad
must ip link set nic0 up
must ip route add 10.29.0.0/16 via 10.28.0.1 dev nic0
must ip route add 10.30.0.0/16 via 10.28.0.1 dev nic0 table 100
must ip rule add from 10.31.0.0/16 table 100 priority 700
netns_add pod
dev_dump nic0 >"$E2E_TMP/before"
l3mdev() { ip netns exec pod cat /proc/sys/net/ipv4/tcp_l3mdev_accept /proc/sys/net/ipv4/udp_l3mdev_accept | words; }
l3_before=$(l3mdev)

intact() {
	dev_dump nic0 >"$E2E_TMP/after"
	diff -u "$E2E_TMP/before" "$E2E_TMP/after" || fail "$1: host state differs (diff above)"
	assert_eq "$l3_before" "$(l3mdev)" "$1: l3mdev sysctls in the pod"
	[ ! -e "$ST/nic0.json" ] || fail "$1: state file left"
}
# fails_cleanly WHAT RC EXPECTED_TEXT CMD...: exit RC, the message, the host intact.
fails_cleanly() {
	local what=$1 want_rc=$2 want=$3 rc=0 err
	shift 3
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	assert_eq "$want_rc" "$rc" "$what: exit status ($err)"
	assert_contains "$err" "$want" "$what: error text"
	intact "$what"
}

cfg='{"interface":{"name":"eth9","addresses":["10.28.0.2/24"],"vrf":{"name":"vrf-blue","table":1234}},
 "routes":[{"destination":"198.51.100.0/24","gateway":"10.28.0.1","table":100}]}'

if ! ip link add vrfprobe type vrf table 4321 2>/dev/null; then
	# ---- 1. no vrf link type: a clear error at the vrf step, everything undone.
	fails_cleanly "no vrf support" 1 \
		"nic0: vrf: create vrf vrf-blue (table 1234) in /run/netns/pod: kernel has no vrf link type (CONFIG_NET_VRF)" \
		att nic0 --netns /run/netns/pod --config - <<<"$cfg"
	[ "$(link_names pod | words)" = lo ] || fail "links left in the pod: $(link_names pod | words)"
	info "no vrf link type: refused with the reason, rolled back"
else
	ip link del vrfprobe
	# ---- 1'. a kernel with VRFs: the real thing.
	out=$(att nic0 --netns /run/netns/pod --config - <<<"$cfg")
	assert_eq vrf "$(ip -n pod -j -d link show dev vrf-blue | jq -r '.[0].linkinfo.info_kind')" "vrf made"
	assert_eq 1234 "$(ip -n pod -j -d link show dev vrf-blue | jq -r '.[0].linkinfo.info_data.table')" "vrf table"
	assert_eq vrf-blue "$(ip -n pod -j link show dev eth9 | jq -r '.[0].master')" "enslaved"
	assert_eq "1 1" "$(l3mdev)" "l3mdev sysctls"
	ip -n pod -j route show table 1234 | jq -e '.[] | select(.dst == "198.51.100.0/24")' >/dev/null ||
		fail "config route not in the vrf table: $(ip -n pod route show table 1234)"
	ip -n pod -j route show table 1234 | jq -e '.[] | select(.dst == "10.29.0.0/16")' >/dev/null ||
		fail "host route not in the vrf table: $(ip -n pod route show table 1234)"
	assert_eq true "$(jq -r .result.vrf.created "$ST/nic0.json")" "created recorded in the state"
	att --detach nic0 >/dev/null
	must_fail ip -n pod link show dev vrf-blue
	l3_before="1 1"
	intact "vrf attach + detach"
	info "vrf attached and detached for real"
fi

# ---- 2. the vrf name taken in the pod by a link that is not a VRF.
must ip -n pod link add vrf-red type veth peer name vrf-red-p
fails_cleanly "vrf name taken" 1 "nic0: vrf: vrf-red in /run/netns/pod is a veth link, not a vrf" \
	att nic0 --netns /run/netns/pod --config - <<<"${cfg/vrf-blue/vrf-red}"
assert_eq veth "$(ip -n pod -j -d link show dev vrf-red | jq -r '.[0].linkinfo.info_kind')" "the pod's link left alone"
must ip -n pod link del vrf-red
info "vrf name taken by another link: refused, rolled back"

# ---- 3. rules with a VRF: a config error (upstream's message), nothing touched.
fails_cleanly "rules with a vrf" 2 "rules: rules are not supported when VRF is enabled" \
	att nic0 --netns /run/netns/pod --config - \
	<<<'{"interface":{"vrf":{"name":"vrf-blue"}},"rules":[{"source":"10.0.0.0/8","table":100}]}'

# ---- 4. the fault points around the step roll back like any failure.
for point in attach.vrf.before attach.ebpf.after; do
	DRANET_FAULT=$point:error fails_cleanly "fault $point" 1 "fault point $point" \
		fatt nic0 --netns /run/netns/pod --config - <<<"$cfg"
done
info "vrf fault points rolled back"

# ---- 5. detach releases the device from a master given in the pod.
att nic0 --netns /run/netns/pod --config - <<<'{"interface":{"name":"eth9"}}' >/dev/null
must ip -n pod link add br-pod type bridge
must ip -n pod link set eth9 master br-pod
assert_eq br-pod "$(ip -n pod -j link show dev eth9 | jq -r '.[0].master')" "enslaved in the pod"
att --detach nic0 >/dev/null
assert_eq none "$(ip -j link show dev nic0 | jq -r '.[0].master // "none"')" "no master on the host"
intact "detach from a master"
assert_eq 0 "$(ip -n pod -j link show master br-pod | jq length)" "bridge in the pod has no port left"
info "detach released the master"
echo PASS
