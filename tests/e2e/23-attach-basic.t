#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dranet-attach on veth: upstream's e2e scenarios 1, 2, 3, 4, 11, 12, 14, 15
# (reference/upstream.md §7.2; dummy links do not exist here, veth stands in)
# and upstream's root Go test Test_nhNetdev (dranet0, MTU 1234, MAC, gso/gro
# 1024-1027). Oracles: `ip -j -d` inside the pod netns, and a raw-netlink
# Python reader for the sizes iproute2 6.1 cannot print (linkattr.py).
set -eu
. "$(dirname "$0")/lib.sh"
need_dranet

ST=$E2E_TMP/state
att() { "$DRANET" attach --state-dir "$ST" "$@"; }
pod_addrs() { ip -n "$1" -j addr show dev "$2" | jq -r '.[0].addr_info[] | select(.scope=="global") | "\(.local)/\(.prefixlen)"' | sort | words; }
# new_dev NAME: a veth NAME whose peer (NAME-p, up) stays on the host.
new_dev() {
	must ip link add "$1" type veth peer name "$1-p"
	defer ip link del "$1-p"
	must ip link set "$1-p" up
}

# ---- scenario 1: static IP from the claim, renamed eth99.
netns_add pod1
new_dev dummy0
must ip link set dummy0 up
cfg='{"interface":{"name":"eth99","addresses":["169.254.169.13/32"]}}'
out=$(att dummy0 --netns /run/netns/pod1 --config - <<<"$cfg")
assert_eq "169.254.169.13/32" "$(pod_addrs pod1 eth99)" "scenario 1 address in pod"
assert_eq '["169.254.169.13/32"]' "$(jq -c .ips <<<"$out")" "scenario 1 result ips"
assert_eq eth99 "$(jq -r .podName <<<"$out")" "scenario 1 pod name"
assert_eq "$(ip -n pod1 -j link show dev eth99 | jq -r '.[0].address')" "$(jq -r .mac <<<"$out")" "scenario 1 mac"
assert_contains "$(ip -n pod1 -j link show dev eth99 | jq -r '.[0].flags|join(",")')" UP "scenario 1 up"
must_fail ip link show dev dummy0
info "scenario 1 ok"

# ---- scenario 2: an odd host name (mlx5_6) becomes eth99.
netns_add pod2
new_dev mlx5_6
must ip link set mlx5_6 up
out=$(att mlx5_6 --netns /run/netns/pod2 --config - <<<"$cfg")
assert_eq "169.254.169.13/32" "$(pod_addrs pod2 eth99)" "scenario 2 address"
assert_eq mlx5_6 "$(jq -r .hostName <<<"$out")" "scenario 2 host name"
info "scenario 2 ok"

# ---- scenario 3: no config; the host's IP is copied; the device was down on the host.
netns_add pod3
new_dev dummy3
must ip addr add 169.254.169.14/32 dev dummy3
out=$(att dummy3 --netns /run/netns/pod3)
assert_eq "169.254.169.14/32" "$(pod_addrs pod3 dummy3)" "scenario 3 host address copied"
assert_eq '["169.254.169.14/32"]' "$(jq -c .ips <<<"$out")" "scenario 3 result ips"
assert_contains "$(ip -n pod3 -j link show dev dummy3 | jq -r '.[0].flags|join(",")')" UP "scenario 3 up in pod"
info "scenario 3 ok"

# ---- scenario 4: routes (a link-scope route makes the gateway reachable).
netns_add pod4
new_dev dummy4
must ip link set dummy4 up
cfg4='{"interface":{"name":"eth99","addresses":["169.254.169.13/32"]},
 "routes":[{"destination":"169.254.169.0/24","gateway":"169.254.169.1"},
           {"destination":"169.254.169.1/32","scope":253}]}'
out=$(att dummy4 --netns /run/netns/pod4 --config - <<<"$cfg4")
r=$(ip -n pod4 -j route show | jq -c '[.[] | {dst, gateway, dev, scope}] | sort_by(.dst)')
assert_json_eq '[{"dst":"169.254.169.0/24","gateway":"169.254.169.1","dev":"eth99","scope":null},
 {"dst":"169.254.169.1","gateway":null,"dev":"eth99","scope":"link"}]' "$r" "scenario 4 routes"
info "scenario 4 ok"

# ---- scenario 11: two devices into one pod, each keeps its own address.
netns_add pod11
new_dev dummy10
new_dev dummy11
must ip addr add 169.254.169.13/32 dev dummy10
must ip addr add 169.254.169.14/32 dev dummy11
must ip link set dummy10 up
must ip link set dummy11 up
o1=$(att dummy10 --netns /run/netns/pod11)
o2=$(att dummy11 --netns /run/netns/pod11)
assert_eq "169.254.169.13/32" "$(pod_addrs pod11 dummy10)" "scenario 11 dummy10"
assert_eq "169.254.169.14/32" "$(pod_addrs pod11 dummy11)" "scenario 11 dummy11"
assert_eq "169.254.169.13/32 169.254.169.14/32" "$(jq -r '.ips[]' <<<"$o1$o2" | sort | words)" "scenario 11 ips"
info "scenario 11 ok"

# ---- scenario 12: release and re-claim; it comes back under its name WITH its address.
netns_add pod12
new_dev dummy8
must ip addr add 169.254.169.14/32 dev dummy8
must ip link set dummy8 up
att dummy8 --netns /run/netns/pod12 >/dev/null
assert_eq "169.254.169.14/32" "$(pod_addrs pod12 dummy8)" "scenario 12 first claim"
d=$(att --detach dummy8)
assert_eq false "$(jq -r .gone <<<"$d")" "scenario 12 not gone"
assert_eq "169.254.169.14/32" "$(addrs dummy8 inet | words)" "scenario 12 address back on the host"
ip netns del pod12
netns_add pod12
att dummy8 --netns /run/netns/pod12 >/dev/null
assert_eq "169.254.169.14/32" "$(pod_addrs pod12 dummy8)" "scenario 12 re-claim"
info "scenario 12 ok"

# ---- scenario 14: permanent neighbours, IPv4 and IPv6.
netns_add pod14
new_dev dummyn
must ip addr add 169.254.169.15/32 dev dummyn
must ip link set dummyn up
must ip neigh add 192.168.1.1 lladdr 00:11:22:33:44:55 dev dummyn nud permanent
must ip -6 neigh add 2001:db8::1 lladdr 00:aa:bb:cc:dd:ee dev dummyn nud permanent
att dummyn --netns /run/netns/pod14 --config - >/dev/null <<<'{"interface":{"name":"eth99"}}'
n=$(ip -n pod14 -j neigh show dev eth99 | jq -c '[.[] | {dst, lladdr, state}] | sort_by(.dst)')
assert_json_eq '[{"dst":"192.168.1.1","lladdr":"00:11:22:33:44:55","state":["PERMANENT"]},
 {"dst":"2001:db8::1","lladdr":"00:aa:bb:cc:dd:ee","state":["PERMANENT"]}]' "$n" "scenario 14 neighbours"
info "scenario 14 ok"

# ---- scenario 15: rules and a non-main table.
netns_add pod15
new_dev dummyr
must ip addr add 169.254.169.13/24 dev dummyr
must ip link set dummyr up
must ip route add 10.10.10.0/24 via 169.254.169.1 dev dummyr table 100
must ip rule add from 10.20.30.0/24 table 100 priority 500
att dummyr --netns /run/netns/pod15 --config - >/dev/null <<<'{"interface":{"name":"eth99"}}'
r=$(ip -n pod15 -j route show table 100 | jq -c '[.[] | {dst, gateway, dev}]')
assert_json_eq '[{"dst":"10.10.10.0/24","gateway":"169.254.169.1","dev":"eth99"}]' "$r" "scenario 15 table 100"
r=$(ip -n pod15 -j rule show | jq -c '[.[] | select(.priority==500) | {src, srclen, table}]')
assert_json_eq '[{"src":"10.20.30.0","srclen":24,"table":"100"}]' "$r" "scenario 15 rule"
info "scenario 15 ok"

# ---- upstream Test_nhNetdev: dranet0 with MTU, MAC and the four sizes, then back.
netns_add podgo
new_dev testdummy-0
host_mtu=$(link_get testdummy-0 .mtu)
cfgg='{"interface":{"name":"dranet0","addresses":["192.168.7.7/32"],"mtu":1234,
 "hardwareAddr":"00:11:22:33:44:55","gsoMaxSize":1024,"groMaxSize":1025,
 "gsoIPv4MaxSize":1026,"groIPv4MaxSize":1027}}'
out=$(att testdummy-0 --netns /run/netns/podgo --config - <<<"$cfgg")
l=$(ip -n podgo -d -j link show dev dranet0 | jq -c '.[0] | {mtu, address, gso_max_size, gro_max_size}')
assert_json_eq '{"mtu":1234,"address":"00:11:22:33:44:55","gso_max_size":1024,"gro_max_size":1025}' "$l" "Test_nhNetdev link"
if ip -n podgo -d -j link show dev dranet0 | jq -e '.[0] | has("gso_ipv4_max_size")' >/dev/null; then
	v4=$(ip -n podgo -d -j link show dev dranet0 | jq -c '.[0] | {gso_v4: .gso_ipv4_max_size, gro_v4: .gro_ipv4_max_size}')
else
	v4=$(/usr/bin/python3 tests/e2e/linkattr.py podgo dranet0 | jq -c '{gso_v4, gro_v4}')
fi
assert_json_eq '{"gso_v4":1026,"gro_v4":1027}' "$v4" "Test_nhNetdev IPv4 sizes"
assert_eq 00:11:22:33:44:55 "$(jq -r .mac <<<"$out")" "Test_nhNetdev returned MAC"
assert_eq "192.168.7.7/32" "$(pod_addrs podgo dranet0)" "Test_nhNetdev address"
att --detach dranet0 >/dev/null
assert_eq "$host_mtu" "$(link_get testdummy-0 .mtu)" "Test_nhNetdev MTU restored"
assert_ne 00:11:22:33:44:55 "$(link_get testdummy-0 .address)" "Test_nhNetdev MAC restored"
info "Test_nhNetdev ok"

# ---- scenario 6: advanced config with ethtool features; detach puts the features back.
netns_add pod6
new_dev dummy6
must ip link set dummy6 up
k_before=$(ethtool -k dummy6 | sort)
cfg6='{"interface":{"name":"dranet0","addresses":["169.254.169.14/24"],"mtu":4321,"hardwareAddr":"00:11:22:33:44:55"},
 "ethtool":{"features":{"tcp-segmentation-offload":false,"generic-receive-offload":false,"large-receive-offload":false}}}'
att dummy6 --netns /run/netns/pod6 --config - >/dev/null <<<"$cfg6"
l=$(ip -n pod6 -j link show dev dranet0 | jq -c '.[0] | {mtu, address}')
assert_json_eq '{"mtu":4321,"address":"00:11:22:33:44:55"}' "$l" "scenario 6 link"
assert_eq "169.254.169.14/24" "$(pod_addrs pod6 dranet0)" "scenario 6 address"
k=$(ip netns exec pod6 ethtool -k dranet0)
for f in tcp-segmentation-offload generic-receive-offload large-receive-offload; do
	assert_contains "$k" "$f: off" "scenario 6 $f"
done
att --detach dranet0 >/dev/null
assert_eq "$k_before" "$(ethtool -k dummy6 | sort)" "scenario 6 features restored on the host"
info "scenario 6 ok"

# ---- scenario 7: Big TCP sizes and ethtool features.
netns_add pod7
new_dev dummy7
must ip link set dummy7 up
cfg7='{"interface":{"name":"dranet1","addresses":["192.168.200.1/24"],"mtu":8896,
 "gsoMaxSize":65536,"groMaxSize":65536,"gsoIPv4MaxSize":65536,"groIPv4MaxSize":65536},
 "ethtool":{"features":{"tcp-segmentation-offload":true,"generic-receive-offload":true,"large-receive-offload":false}}}'
att dummy7 --netns /run/netns/pod7 --config - >/dev/null <<<"$cfg7"
l=$(ip -n pod7 -d -j link show dev dranet1 | jq -c '.[0] | {mtu, gso_max_size, gro_max_size}')
assert_json_eq '{"mtu":8896,"gso_max_size":65536,"gro_max_size":65536}' "$l" "scenario 7 link"
v4=$(/usr/bin/python3 tests/e2e/linkattr.py pod7 dranet1 | jq -c '{gso_v4, gro_v4}')
assert_json_eq '{"gso_v4":65536,"gro_v4":65536}' "$v4" "scenario 7 IPv4 sizes"
k=$(ip netns exec pod7 ethtool -k dranet1)
assert_contains "$k" "tcp-segmentation-offload: on" "scenario 7 tso"
assert_contains "$k" "generic-receive-offload: on" "scenario 7 gro"
assert_contains "$k" "large-receive-offload: off" "scenario 7 lro"
info "scenario 7 ok"

# ---- field report 8: the pod disables IPv6 by default; our interface gets it back.
netns_add pod8
ip netns exec pod8 sh -c 'echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6'
new_dev dummyv6
att dummyv6 --netns /run/netns/pod8 --config - >/dev/null <<<'{"interface":{"addresses":["fd00:8::8/64"]}}'
assert_eq 0 "$(ip netns exec pod8 cat /proc/sys/net/ipv6/conf/dummyv6/disable_ipv6)" "disable_ipv6 on the interface"
assert_eq "fd00:8::8/64" "$(pod_addrs pod8 dummyv6)" "IPv6 address in a pod that disables IPv6"
info "field report 8 ok"

# ---- --pid: the netns of a process; detach uses the recorded /proc path.
netns_add podpid
ip netns exec podpid sleep 60 &
spid=$!
defer kill "$spid"
new_dev bypid0
for _ in $(seq 20); do [ "$(readlink /proc/$spid/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break; sleep 0.05; done
out=$(att bypid0 --pid "$spid" --config - <<<'{"interface":{"addresses":["192.0.2.77/24"]}}')
assert_eq "/proc/$spid/ns/net" "$(jq -r .netns <<<"$out")" "--pid netns path"
assert_eq "192.0.2.77/24" "$(pod_addrs podpid bypid0)" "--pid address"
att --detach bypid0 >/dev/null
ip link show dev bypid0 >/dev/null || fail "--pid detach: not back on the host"
info "--pid ok"

# ---- the applet's contract: usage errors exit 2, a missing device 1, state is cleaned.
rc=0; att >/dev/null 2>&1 || rc=$?
assert_eq 2 "$rc" "no interface: usage"
rc=0; att nosuchdev0 --netns /run/netns/pod1 >/dev/null 2>&1 || rc=$?
assert_eq 1 "$rc" "missing device"
rc=0; att x0 >/dev/null 2>&1 || rc=$?
assert_eq 2 "$rc" "no --netns"
[ -e "$ST/dummy8.json" ] || fail "no state file for the attached dummy8"
[ ! -e "$ST/testdummy-0.json" ] || fail "state file of testdummy-0 left after its detach"
echo PASS
