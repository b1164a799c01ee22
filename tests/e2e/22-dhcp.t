#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# DHCPv4 client (lib/attach/dhcp.c) against Debian's dnsmasq in a server
# netns: a lease taken on the "host" end of a veth (no address yet), checked
# against dnsmasq's lease file and log; the device then moves to a pod netns
# under another name (as the engine would move it), the running client follows
# it and renews from there (unicast to the server), a client resumed from the
# checkpoint renews again, and the lease is finally released.
set -eu
. "$(dirname "$0")/lib.sh"

DHCPTOOL="$O/tests/tools/dhcptool"
[ -x "$DHCPTOOL" ] || fail "$DHCPTOOL not built (make $O/tests/tools/dhcptool)"
command -v dnsmasq >/dev/null || fail "dnsmasq missing (toolchain/setup.sh installs dnsmasq-base)"

SRV=srv$SUFFIX POD=pod$SUFFIX
HOSTIF=dh$SUFFIX SRVIF=ds$SUFFIX PODIF=eth9
HOSTIF2=dj$SUFFIX SRVIF2=dk$SUFFIX
LEASES=$E2E_TMP/dnsmasq.leases LOG=$E2E_TMP/dnsmasq.log PID=$E2E_TMP/dnsmasq.pid
netns_add "$SRV"
netns_add "$POD"
# Loose reverse-path filtering, as systemd and Debian set it on nodes: the
# kernel drops the server's answers to an interface without an address as
# martians, so the client cannot rely on a UDP socket to receive them.
must sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2
must ip netns exec "$POD" sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2
veth_pair "$HOSTIF" "$SRVIF"
must ip link set "$SRVIF" netns "$SRV"
must ip -n "$SRV" addr add 10.77.0.1/24 dev "$SRVIF"
must ip -n "$SRV" link set "$SRVIF" up
must ip link set "$HOSTIF" up
MAC=$(link_get "$HOSTIF" .address)
# A second link to the same server, leased at the same time (two clients on port 68).
veth_pair "$HOSTIF2" "$SRVIF2"
must ip link set "$SRVIF2" netns "$SRV"
must ip -n "$SRV" addr add 10.78.0.1/24 dev "$SRVIF2"
must ip -n "$SRV" link set "$SRVIF2" up
must ip link set "$HOSTIF2" up
MAC2=$(link_get "$HOSTIF2" .address)

# A 2-minute lease (dnsmasq's minimum) with T1 = 4 s and T2 = 100 s, option 121
# routes (a /8, a /24, a /32 and the default) and a router option 3 that RFC 3442
# says to ignore when option 121 is present.
: >"$LEASES"
ip netns exec "$SRV" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 \
	--user=root --group=root --bind-interfaces --interface="$SRVIF" --interface="$SRVIF2" \
	--except-interface=lo --dhcp-range=10.77.0.50,10.77.0.60,255.255.255.0,2m \
	--dhcp-range=10.78.0.50,10.78.0.60,255.255.255.0,2m \
	--dhcp-option=option:router,10.77.0.254 \
	--dhcp-option=option:classless-static-route,10.0.0.0/8,10.77.0.2,192.168.5.0/24,10.77.0.3,172.16.1.1/32,10.77.0.4,0.0.0.0/0,10.77.0.1 \
	--dhcp-option=option:T1,4 --dhcp-option=option:T2,100 \
	--dhcp-leasefile="$LEASES" --pid-file="$PID" --log-dhcp --log-facility="$LOG" &
DNSMASQ=$!
defer kill "$DNSMASQ"
for _ in $(seq 50); do [ -s "$PID" ] && break; sleep 0.1; done
[ -s "$PID" ] || fail "dnsmasq did not start: $(cat "$LOG" 2>/dev/null)"

# 1. The lease, taken in this ("host") netns on an interface without an address.
#    The client then waits for $GO: the device moves meanwhile (step 2).
GO=$E2E_TMP/moved OUT=$E2E_TMP/dhcptool.out
t0=$(date +%s)
"$DHCPTOOL" dhcp "$HOSTIF" --timeout 10000 --wait-file "$GO" --move-to "/run/netns/$POD" \
	--move-name "$PODIF" --renew-wait 30 >"$OUT" 2>"$E2E_TMP/dhcptool.err" &
CLIENT=$!
defer kill "$CLIENT"
# Meanwhile the other link: leased and released at once.
outb=$("$DHCPTOOL" dhcp "$HOSTIF2" --timeout 10000 --release 2>"$E2E_TMP/dhcptool2.err") ||
	fail "dhcptool dhcp $HOSTIF2: $outb $(cat "$E2E_TMP/dhcptool2.err")"
ipb=$(jq -r .address <<<"$outb")
case "$ipb" in 10.78.0.*/24) ;; *) fail "second link got $ipb" ;; esac
for _ in $(seq 30); do grep -q "DHCPRELEASE($SRVIF2) ${ipb%/24} $MAC2" "$LOG" && break; sleep 0.1; done
grep -q "DHCPACK($SRVIF2) ${ipb%/24} $MAC2" "$LOG" || fail "no DHCPACK for $HOSTIF2: $(cat "$LOG")"
grep -q "DHCPRELEASE($SRVIF2) ${ipb%/24} $MAC2" "$LOG" || fail "no DHCPRELEASE for $HOSTIF2: $(cat "$LOG")"
for _ in $(seq 150); do [ -s "$OUT" ] && break; sleep 0.1; done
out=$(head -n1 "$OUT")
[ -n "$out" ] || fail "no lease from dhcptool dhcp: $(cat "$E2E_TMP/dhcptool.err"); log: $(cat "$LOG")"
info "lease: $out"
# The oracle: dnsmasq's lease file "EXPIRY MAC IP HOSTNAME CLIENTID".
line=$(grep -i " $MAC " "$LEASES") || fail "no lease for $MAC in $(cat "$LEASES")"
read -r exp1 _ ip1 _ <<<"$line"
assert_eq "$ip1/24" "$(jq -r .address <<<"$out")" "leased address"
assert_eq "10.77.0.1" "$(jq -r .server <<<"$out")" "server id"
assert_eq '["10.77.0.254"]' "$(jq -c .routers <<<"$out")" "routers (option 3)"
assert_eq '[{"destination":"10.0.0.0/8","gateway":"10.77.0.2"},{"destination":"192.168.5.0/24","gateway":"10.77.0.3"},{"destination":"172.16.1.1/32","gateway":"10.77.0.4"},{"destination":"0.0.0.0/0","gateway":"10.77.0.1"}]' \
	"$(jq -c .routes <<<"$out")" "routes: option 121 only, option 3 ignored (RFC 3442)"
assert_eq 120 "$(jq -r .leaseSeconds <<<"$out")" "lease time"
# Our expiry is counted from our REQUEST, dnsmasq's from its answer (which its
# ping check of the other link's offer may delay): never later than dnsmasq's.
e=$(jq -r .expiresAt <<<"$out")
[ "$e" -ge "$((t0 + 120))" ] && [ "$e" -le "$exp1" ] ||
	fail "expiresAt $e vs dnsmasq's $exp1 (start $t0)"
assert_eq 4 "$(($(jq -r .renewAt <<<"$out") - $(jq -r .acquiredAt <<<"$out")))" "T1 (option 58)"
assert_eq 100 "$(($(jq -r .rebindAt <<<"$out") - $(jq -r .acquiredAt <<<"$out")))" "T2 (option 59)"
grep -q "DHCPACK($SRVIF) $ip1 $MAC" "$LOG" || fail "no DHCPACK in the log: $(cat "$LOG")"
# (dnsmasq pings an address before offering it, so DISCOVERs may be retransmitted.)
n_disc=$(grep -c "DHCPDISCOVER.*$MAC" "$LOG")

# renewed N: the client's Nth renewal is in dnsmasq's log (a DHCPREQUEST with
# ciaddr, unicast from the leased address, and its DHCPACK; no new DISCOVER) and
# the lease file's expiry went up.
renewed() {
	local n_req n_ack exp ip
	n_req=$(grep -c "DHCPREQUEST($SRVIF) $ip1 $MAC" "$LOG")
	n_ack=$(grep -c "DHCPACK($SRVIF) $ip1 $MAC" "$LOG")
	[ "$n_req" -ge "$(($1 + 1))" ] && [ "$n_ack" -ge "$(($1 + 1))" ] ||
		fail "renewal $1 not in the log ($n_req requests, $n_ack acks): $(cat "$LOG")"
	assert_eq "$n_disc" "$(grep -c "DHCPDISCOVER.*$MAC" "$LOG")" "DISCOVERs (a renewal must not rediscover)"
	read -r exp _ ip _ <<<"$(grep -i " $MAC " "$LEASES")"
	assert_eq "$ip1" "$ip" "dnsmasq kept the address"
	[ "$exp" -gt "$2" ] || fail "lease not extended: $2 -> $exp"
	# A renewal carries ciaddr: dnsmasq answers by unicast to that address, which
	# only the pod netns holds (so the client received it there).
	xids=$(sed -n "s/.*: \([0-9]*\) DHCPREQUEST($SRVIF) $ip1 $MAC.*/\1/p" "$LOG")
	xid=$(tail -n1 <<<"$xids")
	[ -n "$xid" ] || fail "no xid for the renewal in the log"
	! grep -q " $xid broadcast response" "$LOG" || fail "renewal $xid was answered by broadcast"
	# (while the first REQUEST, without an address, was answered by broadcast)
	grep -q " $(head -n1 <<<"$xids") broadcast response" "$LOG" || fail "the first REQUEST was not broadcast"
	echo "$exp"
}

# 2. Move the device into the pod netns under another name and configure the
#    lease there (the engine's job); the running client follows it
#    (attach_dhcp_move) and renews at T1 from there.
must ip link set "$HOSTIF" netns "$POD"
must ip -n "$POD" link set "$HOSTIF" name "$PODIF"
must ip -n "$POD" addr add "$ip1/24" dev "$PODIF"
must ip -n "$POD" link set "$PODIF" up
[ -z "$(ip -j link show dev "$HOSTIF" 2>/dev/null | jq -r '.[]?.ifname')" ] || fail "$HOSTIF still here"
sleep 1 # dnsmasq's lease file has 1-second expiry times: make the extension visible
touch "$GO"
wait "$CLIENT" || fail "dhcptool dhcp (renewal after the move) failed: $(cat "$E2E_TMP/dhcptool.err")"
out2=$(sed -n 2p "$OUT")
info "renewed after the move: $out2"
assert_eq "$ip1/24" "$(jq -r .address <<<"$out2")" "address after renewal"
a1=$(jq -r .acquiredAt <<<"$out") a2=$(jq -r .acquiredAt <<<"$out2")
[ "$a2" -ge "$((a1 + 4))" ] || fail "renewal at $a2 is before T1 ($a1 + 4)"
exp2=$(renewed 1 "$exp1")
echo "$out2" >"$E2E_TMP/lease2.json"

# 2b. A restarted driver: a new client from the checkpoint, in the pod netns,
#     renews at the next T1.
sleep 1
out3=$("$DHCPTOOL" dhcp-resume "$PODIF" --netns "/run/netns/$POD" --lease "$E2E_TMP/lease2.json" \
	--renew-wait 20) || fail "dhcptool dhcp-resume: $out3; log: $(cat "$LOG")"
info "renewed from the checkpoint: $out3"
echo "$out3" >"$E2E_TMP/lease3.json"
assert_eq "$ip1/24" "$(jq -r .address <<<"$out3")" "address after the second renewal"
[ "$(jq -r .acquiredAt <<<"$out3")" -ge "$((a2 + 4))" ] || fail "second renewal before T1"
renewed 2 "$exp2" >/dev/null

# 3. Release from the pod netns: dnsmasq logs it and drops the lease.
must "$DHCPTOOL" dhcp-resume "$PODIF" --netns "/run/netns/$POD" --lease "$E2E_TMP/lease3.json" --release
for _ in $(seq 30); do grep -q "DHCPRELEASE($SRVIF) $ip1 $MAC" "$LOG" && break; sleep 0.1; done
grep -q "DHCPRELEASE($SRVIF) $ip1 $MAC" "$LOG" || fail "no DHCPRELEASE in the log: $(cat "$LOG")"
for _ in $(seq 30); do grep -qi " $MAC " "$LEASES" || break; sleep 0.1; done
! grep -qi " $MAC " "$LEASES" || fail "dnsmasq kept the lease after the release: $(cat "$LEASES")"
info "lease $ip1 taken, renewed from the pod netns as $PODIF, released"
