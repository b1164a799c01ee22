#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# interface.dhcp through dranet-attach, against Debian's dnsmasq in a server
# netns: the lease is taken on the host before the move (upstream.md §6.7),
# its address and option 121 routes are configured in the pod, and detach
# releases it (beyond upstream, weakness 23) and restores the host device.
# Oracles: dnsmasq's lease file and log, `ip -j` in the pod.
set -eu
. "$(dirname "$0")/lib.sh"
need_dranet
command -v dnsmasq >/dev/null || fail "dnsmasq missing (toolchain/setup.sh installs dnsmasq-base)"

ST=$E2E_TMP/state
att() { "$DRANET" attach --state-dir "$ST" "$@"; }
LEASES=$E2E_TMP/dnsmasq.leases LOG=$E2E_TMP/dnsmasq.log PID=$E2E_TMP/dnsmasq.pid
netns_add srv
netns_add pod
must sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2
must ip netns exec pod sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2
veth_pair dh0 ds0
must ip link set ds0 netns srv
must ip -n srv addr add 10.77.0.1/24 dev ds0
must ip -n srv link set ds0 up
MAC=$(link_get dh0 .address)
: >"$LEASES"
ip netns exec srv dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 \
	--user=root --group=root --bind-interfaces --interface=ds0 --except-interface=lo \
	--dhcp-range=10.77.0.50,10.77.0.60,255.255.255.0,2m \
	--dhcp-option=option:classless-static-route,10.0.0.0/8,10.77.0.2,0.0.0.0/0,10.77.0.1 \
	--dhcp-leasefile="$LEASES" --pid-file="$PID" --log-dhcp --log-facility="$LOG" &
DNSMASQ=$!
defer kill "$DNSMASQ"
for _ in $(seq 50); do [ -s "$PID" ] && break; sleep 0.1; done
[ -s "$PID" ] || fail "dnsmasq did not start: $(cat "$LOG" 2>/dev/null)"
before=$(ip -j -d link show dev dh0 | jq -S '.[0] | del(.operstate)')

out=$(att dh0 --netns /run/netns/pod --config - <<<'{"interface":{"name":"eth9","dhcp":true}}')
leased=$(awk -v m="$MAC" '$2 == m { print $3 }' "$LEASES")
[ -n "$leased" ] || fail "dnsmasq has no lease for $MAC: $(cat "$LEASES")"
assert_eq "[\"$leased/24\"]" "$(jq -c .ips <<<"$out")" "result ips = the lease"
assert_eq "$leased/24" "$(ip -n pod -j addr show dev eth9 | jq -r '.[0].addr_info[] | select(.family=="inet") | "\(.local)/\(.prefixlen)"')" "leased address in the pod"
r=$(ip -n pod -j route show dev eth9 | jq -c '[.[] | select(.protocol != "kernel") | {dst, gateway}] | sort_by(.dst)')
assert_json_eq '[{"dst":"10.0.0.0/8","gateway":"10.77.0.2"},{"dst":"default","gateway":"10.77.0.1"}]' "$r" "option 121 routes"
[ "$(jq -r .dhcpLease.address "$ST/dh0.json")" = "$leased/24" ] || fail "lease not in the state file"
info "lease applied in the pod"

att --detach dh0 >/dev/null
for _ in $(seq 30); do grep -q "DHCPRELEASE" "$LOG" && break; sleep 0.1; done
grep -q "DHCPRELEASE(ds0) $leased" "$LOG" || fail "no DHCPRELEASE for $leased: $(grep DHCP "$LOG" | tail -5)"
assert_json_eq "$before" "$(ip -j -d link show dev dh0 | jq -S '.[0] | del(.operstate)')" "host device restored (down, as before)"
info "lease released at detach"
echo PASS
