#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Identity and refusals of dranet-attach (docs/attach.md "Identity", "Refusals",
# "Gone or unreachable"): the tester's findings 1, 2, 3, 5, 6 and 13, each as
# reproduced, plus a failure right after the move. Oracles: ip -j dumps of the
# host device before and after, the pod's links, the state file's presence.
set -eu
. "$(dirname "$0")/lib.sh"
need_dranet
FAULT=$O/tests/dranet-fault
[ -x "$FAULT" ] || fail "$FAULT not built (make unit-bins)"

ST=$E2E_TMP/state
att() { "$DRANET" attach --state-dir "$ST" "$@"; }
fatt() { "$FAULT" attach --state-dir "$ST" "$@"; }

# eth1's peer stays DOWN: dumps are stable at once (no DAD, no carrier).
dump() {
	local d=$1 k
	ip -j -d link show dev "$d" | jq -S '.[0] | del(.link_netnsid)'
	ip -j addr show dev "$d" | jq -S '.[0].addr_info | sort_by(.family, .local)'
	ip -j route show table all dev "$d" | jq -S 'sort_by(.table // "", .type // "", .dst, .metric // 0)'
	ip -j rule show | jq -S .
	for k in arp_ignore arp_announce forwarding; do echo "ipv4 $k $(cat "/proc/sys/net/ipv4/conf/$d/$k")"; done
}
intact() {
	dump eth1 >"$E2E_TMP/after"
	diff -u "$E2E_TMP/before" "$E2E_TMP/after" || fail "$1: host state differs (diff above)"
}
# refused WHAT RC TEXT CMD...: exit RC, the message, the host intact, no state file.
refused() {
	local what=$1 want_rc=$2 want=$3 rc=0 err
	shift 3
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	assert_eq "$want_rc" "$rc" "$what: exit status ($err)"
	assert_contains "$err" "$want" "$what: error text"
	intact "$what"
	[ ! -e "$ST/eth1.json" ] || fail "$what: state file left"
}
# A fresh eth1/peth1 pair with an address and a route (after one was destroyed).
mkpair() {
	must ip link add eth1 type veth peer name peth1
	must ip link set eth1 up
	must ip addr add 10.1.0.2/24 dev eth1
	must ip route add 10.21.0.0/16 via 10.1.0.1 dev eth1
	dump eth1 >"$E2E_TMP/before"
}
mkpair
defer ip link del peth1
netns_add pod1
netns_add pod2
cfg='{"interface":{"name":"net0"}}'

# ---- finding 1: a hardwareAddr of another length than the device's: refused, nothing moved.
refused "8-byte hardwareAddr" 1 "interface.hardwareAddr: 8 bytes, but eth1's hardware addresses are 6 bytes" \
	att eth1 --netns /run/netns/pod1 --config - <<<'{"interface":{"name":"net0","hardwareAddr":"02:00:00:00:00:01:02:03"}}'
refused "20-byte hardwareAddr" 1 "20 bytes" att eth1 --netns /run/netns/pod1 --config - \
	<<<'{"interface":{"hardwareAddr":"00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13"}}'
# A failure right after the move, with the MAC and the ifindex changed by it (the
# pod holds eth1's ifindex): the undo finds the device in the pod and brings it back.
must ip -n pod1 link add filler0 index "$(link_get eth1 .ifindex)" type veth peer name filler1
refused "fault after the move" 1 "fault point attach.move.after" env DRANET_FAULT=attach.move.after:error \
	"$FAULT" attach --state-dir "$ST" eth1 --netns /run/netns/pod1 --config - \
	<<<'{"interface":{"name":"net0","hardwareAddr":"02:00:00:00:29:01"}}'
must ip -n pod1 link del filler0
# The kernel refuses the MAC after it has moved and renamed the device (a multicast MAC).
refused "MAC refused after the move" 1 "move eth1 into /run/netns/pod1 as net0" \
	att eth1 --netns /run/netns/pod1 --config - <<<'{"interface":{"name":"net0","hardwareAddr":"03:00:00:00:29:01"}}'
[ -z "$(ip -n pod1 -o link show | grep -v ' lo:')" ] || fail "links left in pod1: $(ip -n pod1 -o link)"
info "finding 1 ok"

# ---- finding 2: the target is the netns the device is in.
refused "target is our netns" 1 "is the network namespace it is in already" att eth1 --netns /proc/self/ns/net
refused "--pid of a process here" 1 "is the network namespace it is in already" att eth1 --pid $$
ip link show dev eth1 >/dev/null || fail "eth1 renamed"
info "finding 2 ok"

# ---- finding 6: attached already into that netns with another config: refused, untouched.
att eth1 --netns /run/netns/pod1 --config - >/dev/null <<<"$cfg"
pod_before=$(ip -n pod1 -j -d link show dev net0; ip -n pod1 -j addr show dev net0)
rc=0; err=$(att eth1 --netns /run/netns/pod1 --config - 2>&1 >/dev/null <<<'{"interface":{"name":"other"}}') || rc=$?
assert_eq 1 "$rc" "another config: exit ($err)"
assert_contains "$err" "attached to /run/netns/pod1 already with another config" "another config: text"
assert_eq "$pod_before" "$(ip -n pod1 -j -d link show dev net0; ip -n pod1 -j addr show dev net0)" "another config touched the pod"
rc=0; att eth1 --netns /run/netns/pod1 --config - >/dev/null 2>&1 <<<"$cfg" || rc=$?
assert_eq 0 "$rc" "same config: a no-op"
assert_eq "$pod_before" "$(ip -n pod1 -j -d link show dev net0; ip -n pod1 -j addr show dev net0)" "same config touched the pod"
att --detach eth1 >/dev/null
intact "detach after a refused config"
info "finding 6 ok"

# ---- finding 13: detach by the name the device has in the pod now.
att eth1 --netns /run/netns/pod1 --config - >/dev/null <<<"$cfg"
must ip -n pod1 link set net0 down
must ip -n pod1 link set net0 name renamed0
must ip -n pod1 link set renamed0 up
out=$(att --detach renamed0 --netns /run/netns/pod1)
assert_eq false "$(jq -r .gone <<<"$out")" "renamed: gone"
intact "detach by the current pod name"
[ ! -e "$ST/eth1.json" ] || fail "renamed: state left"
info "finding 13 ok"

# ---- finding 3a: the netns file deleted while a process keeps the netns alive.
att eth1 --netns /run/netns/pod1 --config - >/dev/null <<<"$cfg"
ip netns exec pod1 sleep 60 &
keeper=$!
defer kill "$keeper"
sleep 0.2
must ip netns del pod1
rc=0; err=$(att --detach eth1 2>&1 >/dev/null) || rc=$?
assert_eq 1 "$rc" "netns file gone, device alive: exit ($err)"
assert_contains "$err" "/run/netns/pod1 cannot be opened" "unreachable: text"
assert_contains "$err" "give --netns" "unreachable: hint"
[ -e "$ST/eth1.json" ] || fail "unreachable: state file deleted"
ip netns exec pod1 true 2>/dev/null && fail "setup: pod1 still there"
out=$(att --detach eth1 --netns "/proc/$keeper/ns/net")
assert_eq false "$(jq -r .gone <<<"$out")" "override: gone"
intact "detach with --netns of a process in that netns"
kill "$keeper"
wait "$keeper" 2>/dev/null || true
netns_add pod1
info "finding 3a ok"

# ---- finding 3b: --pid P, then P dies while a bind mount keeps the netns.
ip netns exec pod1 sleep 60 &
p=$!
sleep 0.2
att eth1 --pid "$p" --config - >/dev/null <<<"$cfg"
kill "$p"
wait "$p" 2>/dev/null || true
rc=0; err=$(att --detach eth1 2>&1 >/dev/null) || rc=$?
assert_eq 1 "$rc" "dead --pid: exit ($err)"
assert_contains "$err" "/proc/$p/ns/net cannot be opened" "dead --pid: text"
[ -e "$ST/eth1.json" ] || fail "dead --pid: state file deleted"
att --detach eth1 --netns /run/netns/pod1 >/dev/null
intact "dead --pid, then --netns"
info "finding 3b ok"

# ---- finding 3c: the pod moved the device on to another netns.
att eth1 --netns /run/netns/pod1 --config - >/dev/null <<<"$cfg"
must ip -n pod1 link set net0 netns pod2
rc=0; err=$(att --detach eth1 2>&1 >/dev/null) || rc=$?
assert_eq 1 "$rc" "moved on: exit ($err)"
assert_contains "$err" "it is not in /run/netns/pod1" "moved on: text"
[ -e "$ST/eth1.json" ] || fail "moved on: state file deleted"
att --detach eth1 --netns /run/netns/pod2 >/dev/null
intact "moved on, then --netns"
info "finding 3c ok"

# ---- finding 5: the pod replaces the device by its own veth with the same name and MAC.
att eth1 --netns /run/netns/pod1 --config - >/dev/null <<<"$cfg"
M=$(ip netns exec pod1 cat /sys/class/net/net0/address)
must ip -n pod1 link del net0
must ip -n pod1 link add net0 address "$M" type veth peer name evil2
rc=0; err=$(att --detach eth1 2>&1 >/dev/null) || rc=$?
assert_eq 1 "$rc" "impostor: exit ($err)"
assert_contains "$err" "not the device attached" "impostor: text"
ip -n pod1 link show dev net0 >/dev/null || fail "impostor pulled out of the pod"
ip link show dev eth1 >/dev/null 2>&1 && fail "impostor became the host's eth1"
[ -e "$ST/eth1.json" ] || fail "impostor: state file deleted"
must ip -n pod1 link del net0
# Without an impostor, a pair destroyed in the pod is truly gone.
out=$(att --detach eth1)
assert_eq true "$(jq -r .gone <<<"$out")" "destroyed pair: gone"
[ ! -e "$ST/eth1.json" ] || fail "gone: state left"
mkpair
# The real device moved on, an impostor with its name, MAC and ifindex in its place.
att eth1 --netns /run/netns/pod1 --config - >/dev/null <<<"$cfg"
idx=$(ip -n pod1 -j link show dev net0 | jq .[0].ifindex)
M=$(ip netns exec pod1 cat /sys/class/net/net0/address)
must ip -n pod1 link set net0 netns pod2
must ip -n pod1 link add net0 index "$idx" address "$M" type veth peer name evil3
rc=0; err=$(att --detach eth1 2>&1 >/dev/null) || rc=$?
assert_eq 1 "$rc" "impostor at the ifindex: exit ($err)"
assert_contains "$err" "not the device attached" "impostor at the ifindex: text"
ip -n pod1 link show dev net0 >/dev/null || fail "impostor at the ifindex pulled out"
att --detach eth1 --netns /run/netns/pod2 >/dev/null
intact "the real one from pod2"
ip -n pod1 link show dev net0 >/dev/null || fail "impostor touched by the real detach"
info "finding 5 ok"
echo PASS
