#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Failures leave the host intact (weakness 3): a bad gateway, a duplicate
# address, a name taken in the pod, every fault point of attach and detach
# (build/tests/dranet-fault, DRANET_FAULT=POINT:error): the device ends on the
# host with the same `ip -j` dumps as before; a retry after success is a no-op.
# Teardown rows of field-reports.md: 1-4 (no netns path, netns gone), 38 (name
# clash), 42 (L2-only link up), 45 (returned under the pod-side name); the
# uplink refusal; bad config JSON touches nothing.
set -eu
. "$(dirname "$0")/lib.sh"
need_dranet
FAULT=$O/tests/dranet-fault
[ -x "$FAULT" ] || fail "$FAULT not built (make unit-bins)"

ST=$E2E_TMP/state
att() { "$DRANET" attach --state-dir "$ST" "$@"; }
fatt() { "$FAULT" attach --state-dir "$ST" "$@"; }

# The device's peer stays DOWN: no carrier, no DAD, no link-local address, so
# dumps are stable at once. dump DEV NS: the host state detach must restore.
dump() {
	local d=$1 k
	ip -j -d link show dev "$d" | jq -S '.[0]'
	ip -j addr show dev "$d" | jq -S '.[0].addr_info | sort_by(.family, .local)'
	ip -j route show table all dev "$d" | jq -S 'sort_by(.table // "", .type // "", .dst, .metric // 0)'
	ip -j rule show | jq -S .
	ip -j neigh show nud permanent dev "$d" | jq -S 'sort_by(.dst)'
	for k in arp_ignore arp_announce forwarding; do echo "ipv4 $k $(cat "/proc/sys/net/ipv4/conf/$d/$k")"; done
	for k in forwarding disable_ipv6; do echo "ipv6 $k $(cat "/proc/sys/net/ipv6/conf/$d/$k")"; done
}
intact() {
	dump nic0 >"$E2E_TMP/after"
	diff -u "$E2E_TMP/before" "$E2E_TMP/after" || fail "$1: host state differs (diff above)"
	[ "$(ip -n pod -j rule show | jq length)" = 3 ] || fail "$1: rules left in the pod: $(ip -n pod rule)"
}
# fails_cleanly WHAT EXPECTED_TEXT CMD...: exit 1, the message, the host intact.
fails_cleanly() {
	local what=$1 want=$2 rc=0 err
	shift 2
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	assert_eq 1 "$rc" "$what: exit status ($err)"
	assert_contains "$err" "$want" "$what: error text"
	intact "$what"
	[ ! -e "$ST/nic0.json" ] || fail "$what: state file left"
}

must ip link add nic0 type veth peer name nic0-p
defer ip link del nic0-p
must ip link set nic0 mtu 1450
must ip addr add 10.25.0.2/24 dev nic0
must ip -6 addr add fd00:25::2/64 dev nic0 nodad
must ip link set nic0 up
must ip route add 10.26.0.0/16 via 10.25.0.1 dev nic0 table 100
must ip rule add from 10.20.0.0/16 table 100 priority 600
must ip neigh add 10.25.0.9 lladdr 02:00:00:00:00:09 dev nic0 nud permanent
echo 1 >/proc/sys/net/ipv4/conf/nic0/arp_ignore
netns_add pod
dump nic0 >"$E2E_TMP/before"

# ---- kernel refusals, each undone.
cfg_gw='{"interface":{"name":"eth99","addresses":["192.0.2.2/24"]},"routes":[{"destination":"198.51.100.0/24","gateway":"203.0.113.1"}]}'
fails_cleanly "bad gateway" "route: add route 198.51.100.0/24 via 203.0.113.1" att nic0 --netns /run/netns/pod --config - <<<"$cfg_gw"
fails_cleanly "duplicate address" "addr: add address 192.0.2.2/24" att nic0 --netns /run/netns/pod --config - \
	<<<'{"interface":{"addresses":["192.0.2.2/24","192.0.2.2/24"]}}'
k_before=$(ethtool -k nic0 | sort)
fails_cleanly "feature that cannot change" "ethtool: " att nic0 --netns /run/netns/pod --config - \
	<<<'{"interface":{"name":"eth99"},"ethtool":{"features":{"tcp-segmentation-offload":false,"large-receive-offload":true}}}'
assert_eq "$k_before" "$(ethtool -k nic0 | sort)" "features after a failed ethtool step"
must ip -n pod link add eth99 type veth peer name eth99-p
fails_cleanly "name taken in the pod (field report 38)" "move: move nic0 into /run/netns/pod as eth99" \
	att nic0 --netns /run/netns/pod --config - <<<'{"interface":{"name":"eth99"}}'
must ip -n pod link del eth99
info "kernel refusals undone"

# ---- bad config of every kind: exit 2, a message naming the problem, nothing touched.
badcfg() {
	local want=$1 rc=0 err
	err=$(att nic0 --netns /run/netns/pod --config - 2>&1 >/dev/null <<<"$2") || rc=$?
	assert_eq 2 "$rc" "bad config $2: exit status ($err)"
	assert_contains "$err" "$want" "bad config $2"
	intact "bad config $2"
}
badcfg "interface.mtuu" '{"interface":{"mtuu":1}}'
badcfg "config:" '{"interface":'
badcfg "interface.mtu" '{"interface":{"mtu":"big"}}'
badcfg "addresses" '{"interface":{"addresses":["10.0.0.300/24"]}}'
badcfg "routes" '{"routes":[{"destination":"10.0.0.0/8","gateway":"fd00::1"}]}'
rc=0; att nic0 --netns /run/netns/pod --config "$E2E_TMP/nonexistent.json" >/dev/null 2>&1 || rc=$?
assert_eq 2 "$rc" "missing config file"
intact "missing config file"

# ---- every fault point of attach, as an error: rolled back.
cfg='{"interface":{"name":"eth99","mtu":1400,"arpIgnore":2},"routes":[{"destination":"198.51.100.0/24","gateway":"10.25.0.1"}]}'
n=0
for step in move sysctl addr up ethtool ebpf route rule neigh; do
	for when in before after; do
		p=attach.$step.$when
		DRANET_FAULT=$p:error fails_cleanly "$p" "fault point $p" fatt nic0 --netns /run/netns/pod --config - <<<"$cfg"
		n=$((n + 1))
	done
done
info "$n attach fault points rolled back"
# The release binary ignores DRANET_FAULT.
DRANET_FAULT=attach.move.before:error att nic0 --netns /run/netns/pod --config - >/dev/null <<<"$cfg"
att --detach nic0 >/dev/null
intact "release binary ignores DRANET_FAULT"

# ---- a retry after success is a no-op: same result, same pod state.
out1=$(att nic0 --netns /run/netns/pod --config - <<<"$cfg")
podstate() { ip -n pod -j -d link show dev eth99; ip -n pod -j addr show dev eth99; ip -n pod -j route show table all; ip -n pod -j rule; }
s1=$(podstate)
out2=$(att nic0 --netns /run/netns/pod --config - <<<"$cfg" 2>/dev/null)
assert_eq "$out1" "$out2" "retry result"
assert_eq "$s1" "$(podstate)" "retry changed the pod"
info "retry is a no-op"

# ---- every fault point of detach, as an error: a second detach completes the restore.
n=0
for step in move link sysctl addr up route rule neigh; do
	for when in before after; do
		p=detach.$step.$when
		[ -e "$ST/nic0.json" ] || att nic0 --netns /run/netns/pod --config - >/dev/null <<<"$cfg"
		rc=0
		err=$(DRANET_FAULT=$p:error "$FAULT" attach --state-dir "$ST" --detach nic0 2>&1 >/dev/null) || rc=$?
		assert_eq 1 "$rc" "$p: exit status"
		assert_contains "$err" "fault point $p" "$p: error text"
		att --detach nic0 >/dev/null
		intact "$p then detach again"
		n=$((n + 1))
	done
done
info "$n detach fault points recovered by a second detach"

# ---- crash (kill -9 stand-in) after the move: the state file lets detach restore.
# The pod holds a link with nic0's ifindex, so nic0 gets another one there, and a
# new MAC: detach must find it by the pod name and MAC the state file recorded.
must ip -n pod link add filler0 index "$(link_get nic0 .ifindex)" type veth peer name filler1
rc=0
DRANET_FAULT=attach.addr.before:crash fatt nic0 --netns /run/netns/pod --config - >/dev/null 2>&1 \
	<<<'{"interface":{"name":"eth99","hardwareAddr":"02:00:00:00:25:25"}}' || rc=$?
assert_eq 137 "$rc" "crash exit"
[ -e "$ST/nic0.json" ] || fail "crash: no state file"
ip -n pod link show dev eth99 >/dev/null || fail "crash: device not in the pod"
[ "$(ip -n pod -j link show dev eth99 | jq .[0].ifindex)" != "$(jq .snapshot.ifindex "$ST/nic0.json")" ] ||
	fail "crash: setup did not change the ifindex"
att --detach nic0 >/dev/null
intact "crash after the move, then detach"
must ip -n pod link del filler0
info "crash recovered by detach"

# ---- field report 45: the device came back under its pod-side name.
att nic0 --netns /run/netns/pod --config - >/dev/null <<<"$cfg"
must ip -n pod link set eth99 netns "$$"
ip link show dev eth99 >/dev/null || fail "setup: eth99 not on the host"
out=$(att --detach nic0)
assert_eq nic0 "$(jq -r .hostName <<<"$out")" "returned under the pod name: renamed back"
intact "returned under the pod name"
info "field report 45 ok"

# ---- field report 42: an L2-only device (no address at all) is up in the pod.
netns_add pod42
must ip link add l2only type veth peer name l2only-p
defer ip link del l2only-p
att l2only --netns /run/netns/pod42 >/dev/null
assert_contains "$(ip -n pod42 -j link show dev l2only | jq -r '.[0].flags|join(",")')" UP "L2-only link up"
info "field report 42 ok"

# ---- field reports 1-4: the netns is gone; a veth dies with it: "gone", cleanly.
ip netns del pod42
out=$(att --detach l2only)
assert_eq true "$(jq -r .gone <<<"$out")" "veth gone with its netns"
[ ! -e "$ST/l2only.json" ] || fail "state of a gone device left"
info "netns gone ok"

# ---- the netns deleted mid-way: our open fds keep it alive until the attach is
# done; when the last one goes, the kernel destroys the veth; detach: "gone".
netns_add podx
must ip link add midway type veth peer name midway-p
defer ip link del midway-p
DRANET_FAULT=attach.addr.before:pause fatt midway --netns /run/netns/podx >"$E2E_TMP/midway.out" 2>&1 &
apid=$!
sleep 0.3
must ip netns del podx
rc=0; wait "$apid" || rc=$?
assert_eq 0 "$rc" "attach into a netns deleted mid-way ($(cat "$E2E_TMP/midway.out"))"
for i in $(seq 20); do ip link show dev midway-p >/dev/null 2>&1 || break; sleep 0.1; done
must_fail ip link show dev midway-p
out=$(att --detach midway)
assert_eq true "$(jq -r .gone <<<"$out")" "deleted mid-way: gone"
info "netns deleted mid-way ok"

# ---- the uplink (default route) is refused unless --force.
must ip link add up0 type veth peer name up0-p
defer ip link del up0-p
must ip addr add 10.99.0.2/24 dev up0
must ip link set up0 up
must ip link set up0-p up
must ip route add default via 10.99.0.1 dev up0
rc=0; err=$(att up0 --netns /run/netns/pod 2>&1 >/dev/null) || rc=$?
assert_eq 1 "$rc" "uplink refused"
assert_contains "$err" "uplink" "uplink refusal names the reason"
ip link show dev up0 >/dev/null || fail "uplink moved"
att up0 --netns /run/netns/pod --force >/dev/null 2>&1
ip -n pod link show dev up0 >/dev/null || fail "--force did not move it"
info "uplink refusal ok"
echo PASS
