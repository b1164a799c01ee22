#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What a fresh tester found detach did not put back (or put back broader):
#  - rules with selectors beyond from/to/fwmark/iif/oif/uidrange (ipproto,
#    sport/dport ranges, suppress_prefixlength, realms, not): the pod gets
#    them whole, and after detach `ip -j rule` on the host is what it was
#    (never an extra, broadened rule);
#  - and the other host state checked against `ip -j` before/after.
set -eu
. "$(dirname "$0")/lib.sh"
need_dranet

ST=$E2E_TMP/state
att() { "$DRANET" attach --state-dir "$ST" "$@"; }

rules() { { ip -j rule show; ip -6 -j rule show; } | jq -S -s 'add'; }
# A rule's selectors as `ip -j rule` shows them, for one priority (its table name aside).
rule_at() { ip -j "${@:2}" rule show | jq -S -c ".[] | select(.priority == $1) | del(.table)"; }

netns_add pod
must ip link add eth1 type veth peer name peth1
defer ip link del peth1
must ip link set peth1 up
must ip link set eth1 up
must ip addr add 10.1.0.2/24 dev eth1

# ---- 1. finding 4: rules with every selector iproute2 can write.
must ip route add 10.21.0.0/16 via 10.1.0.1 dev eth1 table 300
must ip -6 addr add fd00:30::2/64 dev eth1 nodad
must ip -6 route add fd00:31::/64 via fd00:30::1 dev eth1 table 300
must ip rule add ipproto tcp dport 80 table 300 pref 1104
must ip rule add sport 1000-2000 table 300 pref 1106
must ip rule add from 10.1.0.0/24 table 300 pref 1109 suppress_prefixlength 0
must ip rule add not from 10.9.0.0/16 table 300 pref 1110
must ip rule add to 10.22.0.0/16 realms 3/5 table 300 pref 1111
must ip rule add fwmark 0/0xff ipproto udp sport 53 dport 1024-2048 table 300 pref 1112
must ip rule add uidrange 100-200 tos 0x10 table 300 pref 1113 protocol static
must ip -6 rule add ipproto udp dport 53 table 300 pref 1114 suppress_ifgroup 7
rules >"$E2E_TMP/rules.before"
pref_sel=()
for p in 1104 1106 1109 1110 1111 1112 1113; do pref_sel+=("$p=$(rule_at $p)"); done
pref_sel+=("1114=$(rule_at 1114 -6)")

att eth1 --netns /run/netns/pod >/dev/null
# The pod has each rule with exactly the host's selectors.
for ps in "${pref_sel[@]}"; do
	p=${ps%%=*}
	want=${ps#*=}
	fam=()
	[ "$p" = 1114 ] && fam=(-6)
	got=$(ip netns exec pod ip -j "${fam[@]}" rule show | jq -S -c ".[] | select(.priority == $p) | del(.table)")
	assert_eq "$want" "$got" "pod rule $p selectors"
done
# And the host still has them unchanged while the device is away.
rules | jq 'map(del(.flags))' >"$E2E_TMP/rules.during"
jq 'map(del(.flags))' "$E2E_TMP/rules.before" | diff -u - "$E2E_TMP/rules.during" ||
	fail "host rules changed while the device is in the pod"
att --detach eth1 >/dev/null
rules >"$E2E_TMP/rules.after"
diff -u "$E2E_TMP/rules.before" "$E2E_TMP/rules.after" || fail "host rules after detach differ (diff above)"
# A second attach + detach changes nothing either (no EXCL-miss duplicates).
att eth1 --netns /run/netns/pod >/dev/null
att --detach eth1 >/dev/null
rules >"$E2E_TMP/rules.after2"
diff -u "$E2E_TMP/rules.before" "$E2E_TMP/rules.after2" || fail "host rules after a second detach differ"
info "rules with all selectors: copied whole, host unchanged"

# ---- 2. a rule with a selector iproute2 6.1 cannot show nor we write (FRA_DSCP,
# Linux 6.14, added by raw netlink): not copied into the pod, not touched on the host.
add_dscp_rule() {
	/usr/bin/python3 - "$@" <<'PY'
import socket, struct, sys
pref, table, dscp = (int(x) for x in sys.argv[1:4])
def attr(t, data):
    l = 4 + len(data)
    return struct.pack("HH", l, t) + data + b"\0" * ((4 - l % 4) % 4)
body = struct.pack("BBBBBBBBI", socket.AF_INET, 0, 0, 0, 0, 0, 0, 1, 0)  # FR_ACT_TO_TBL
body += attr(15, struct.pack("I", table)) + attr(6, struct.pack("I", pref)) + attr(25, bytes([dscp]))
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.send(struct.pack("IHHII", 16 + len(body), 32, 0x605, 1, 0) + body)  # RTM_NEWRULE, REQUEST|ACK|EXCL|CREATE
err = struct.unpack_from("i", s.recv(4096), 16)[0]
sys.exit(0 if err == 0 else 3 if err == -95 or err == -22 else 1)
PY
}
rc=0
add_dscp_rule 1120 300 10 || rc=$?
if [ "$rc" = 3 ]; then
	info "kernel without FRA_DSCP: uncopyable-rule case not run"
elif [ "$rc" != 0 ]; then
	fail "could not add the FRA_DSCP rule"
else
	defer ip rule del pref 1120
	rules >"$E2E_TMP/rules.before"
	att eth1 --netns /run/netns/pod >/dev/null
	[ -z "$(ip netns exec pod ip -j rule show | jq '.[] | select(.priority == 1120)')" ] ||
		fail "a rule with an unknown selector was copied into the pod"
	[ -n "$(ip netns exec pod ip -j rule show | jq '.[] | select(.priority == 1104)')" ] ||
		fail "the other rules of table 300 were not copied"
	att --detach eth1 >/dev/null
	rules >"$E2E_TMP/rules.after"
	diff -u "$E2E_TMP/rules.before" "$E2E_TMP/rules.after" ||
		fail "host rules after detach differ with an uncopyable rule (diff above)"
	[ "$(ip -j rule show | jq '[.[] | select(.priority == 1120)] | length')" = 1 ] ||
		fail "the uncopyable rule is not exactly once on the host"
	info "rule with an unknown selector: left alone"
fi

# ---- 3. finding 9: 512 config routes (the config's limit) plus the host's copied ones.
cfg=$(jq -n -c '{routes: [range(512) | {destination: "10.200.\(. / 256 | floor).\(. % 256)/32", gateway: "10.1.0.1"}]}')
rules >"$E2E_TMP/rules.before"
att eth1 --netns /run/netns/pod --config - >/dev/null <<<"$cfg" || fail "512 config routes + host routes refused"
assert_eq 512 "$(ip -n pod -j route show | jq '[.[] | select(.dst | startswith("10.200."))] | length')" "config routes in the pod"
assert_eq 1 "$(ip -n pod -j route show table 300 | jq length)" "host table 300 route in the pod"
att --detach eth1 >/dev/null
cfg=$(jq -n -c '{routes: [range(513) | {destination: "10.200.\(. / 256 | floor).\(. % 256)/32", gateway: "10.1.0.1"}]}')
rc=0
att eth1 --netns /run/netns/pod --config - >/dev/null 2>&1 <<<"$cfg" || rc=$?
assert_ne 0 "$rc" "513 config routes refused"
must ip link show dev eth1
info "512 config routes + host routes ok; 513 refused"

# ---- 4. finding 7: address metric (and its prefix route's), route onlink, realms,
# every route metric, proxy neighbours: `ip -j -d` before and after detach.
dump7() {
	echo "# addr"
	ip -j addr show dev eth1 | jq -S '.[0].addr_info | map(del(.valid_life_time, .preferred_life_time)) | sort_by(.family, .local)'
	echo "# route"
	ip -j -d route show table all dev eth1 | jq -S 'sort_by(.table // "", .type // "", .dst, .metric // 0)'
	ip -j -d -6 route show table all dev eth1 | jq -S 'sort_by(.table // "", .type // "", .dst, .metric // 0)'
	echo "# proxy"
	ip -j neigh show proxy dev eth1 | jq -S 'sort_by(.dst)'
	ip -j -6 neigh show proxy dev eth1 | jq -S 'sort_by(.dst)'
}
must ip addr add 10.5.0.2/24 dev eth1 metric 77
must ip route add 10.31.0.0/16 via 10.40.0.1 dev eth1 onlink
must ip route add 10.32.0.0/16 via 10.1.0.1 dev eth1 realm 5 advmss 1200 mtu lock 1300 window 9000 rtt 30ms initcwnd 12 initrwnd 14 quickack 1 hoplimit 9 features ecn
must ip route add 10.33.0.0/16 via 10.1.0.1 dev eth1 table 300 congctl lock cubic rto_min 50ms fastopen_no_cookie 1
must ip -6 route add fd00:32::/64 via fd00:30::1 dev eth1 advmss 1100 metric 9
must ip neigh add proxy 10.1.0.77 dev eth1
must ip -6 neigh add proxy fd00:30::77 dev eth1
dump7 >"$E2E_TMP/d7.before"
grep -q '"metric": 77' "$E2E_TMP/d7.before" || fail "setup: no metric 77 in the dump"
grep -q '"advmss": 1200' "$E2E_TMP/d7.before" || fail "setup: no advmss in the dump"
grep -q '"10.1.0.77"' "$E2E_TMP/d7.before" || fail "setup: no proxy entry in the dump"
att eth1 --netns /run/netns/pod >/dev/null
att --detach eth1 >/dev/null
dump7 >"$E2E_TMP/d7.after"
diff -u "$E2E_TMP/d7.before" "$E2E_TMP/d7.after" || fail "address metric, route attributes or proxy neighbours differ after detach (diff above)"
info "address metric, onlink, realms, route metrics, proxy neighbours restored"

# ---- 5. finding 7: per-interface sysctls beyond arp_ignore/arp_announce/forwarding/
# disable_ipv6 (every key docs/attach.md lists), set away from their defaults.
sysctl_dump() {
	local f
	for f in /proc/sys/net/ipv4/conf/eth1/* /proc/sys/net/ipv6/conf/eth1/*; do
		case $f in */stable_secret | */mc_forwarding | */addr_gen_mode) continue ;; esac
		[ -r "$f" ] && echo "$f $(cat "$f" 2>/dev/null | tr '\n\t' '  ')"
	done
}
set_sysctl() { echo "$3" >"/proc/sys/net/$1/conf/eth1/$2" || fail "cannot set $1 $2"; }
set_sysctl ipv4 rp_filter 1
set_sysctl ipv4 proxy_arp 1
set_sysctl ipv4 accept_local 1
set_sysctl ipv4 route_localnet 1
set_sysctl ipv4 log_martians 1
set_sysctl ipv4 send_redirects 0
set_sysctl ipv4 arp_notify 1
set_sysctl ipv6 accept_ra 0
set_sysctl ipv6 mtu 1300
set_sysctl ipv6 autoconf 0
set_sysctl ipv6 hop_limit 33
set_sysctl ipv6 proxy_ndp 1
set_sysctl ipv6 use_tempaddr 2
set_sysctl ipv6 keep_addr_on_down 1
sysctl_dump >"$E2E_TMP/sc.before"
att eth1 --netns /run/netns/pod >/dev/null
# The pod sees its own defaults (as upstream): the move really reset them.
assert_eq 0 "$(ip netns exec pod cat /proc/sys/net/ipv4/conf/eth1/proxy_arp)" "pod default proxy_arp"
att --detach eth1 >/dev/null
sysctl_dump >"$E2E_TMP/sc.after"
diff -u "$E2E_TMP/sc.before" "$E2E_TMP/sc.after" || fail "per-interface sysctls differ after detach (diff above)"
info "per-interface sysctls restored"

# ---- 6. finding 7 (minor): the IPv6 link-local address is the host's, not the one
# the kernel regenerates when the link comes back up.
ll() { ip -j -6 addr show dev eth1 scope link | jq -S -c '[.[0].addr_info // [] | .[] | select(.local) | {local, prefixlen, scope}] | sort_by(.local)'; }
for a in $(ip -j -6 addr show dev eth1 scope link | jq -r '.[0].addr_info // [] | .[] | select(.local) | .local'); do
	must ip -6 addr del "$a/64" dev eth1
done
must ip -6 addr add fe80::1234/64 dev eth1 nodad
before=$(ll)
assert_eq '[{"local":"fe80::1234","prefixlen":64,"scope":"link"}]' "$before" "setup: only the hand-made link-local"
att eth1 --netns /run/netns/pod >/dev/null
att --detach eth1 >/dev/null
assert_eq "$before" "$(ll)" "link-local addresses after detach"
info "IPv6 link-local restored"

# ---- 7. rules at detach: one deleted meanwhile comes back whole; a state file of an
# older build (rules without the newer selectors) never adds a broadened rule.
rules >"$E2E_TMP/rules.before"
att eth1 --netns /run/netns/pod >/dev/null
must ip rule del pref 1112
att --detach eth1 >/dev/null
rules >"$E2E_TMP/rules.after"
diff -u "$E2E_TMP/rules.before" "$E2E_TMP/rules.after" || fail "a deleted host rule did not come back whole"
att eth1 --netns /run/netns/pod >/dev/null
jq '.snapshot.rules |= map(with_entries(select(.key | IN("ipProto", "sportStart", "sportEnd",
	"sportMask", "hasSport", "dportStart", "dportEnd", "dportMask", "hasDport", "suppressPrefixlen",
	"hasSuppressPrefixlen", "suppressIfgroup", "hasSuppressIfgroup", "l3mdev", "tunId", "realms",
	"goto") | not)))' "$ST/eth1.json" >"$E2E_TMP/old.json"
[ "$(jq '[.snapshot.rules[] | select(has("ipProto"))] | length' "$E2E_TMP/old.json")" = 0 ] ||
	fail "setup: old-format snapshot still has ipProto"
cp "$E2E_TMP/old.json" "$ST/eth1.json"
att --detach eth1 >/dev/null
rules >"$E2E_TMP/rules.after"
diff -u "$E2E_TMP/rules.before" "$E2E_TMP/rules.after" || fail "an older state file added broadened rules (diff above)"
info "rules: a deleted one restored whole; an older state file adds nothing"
