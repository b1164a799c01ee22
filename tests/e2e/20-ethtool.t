#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# lib/nl's ethtool over generic netlink on veth, driven by tests/tools/nltool,
# with ethtool(8) as the oracle: every feature (on/off, [fixed], requested)
# read; legacy and kernel names set; a fixed feature and a feature the kernel
# drops fail naming them and change nothing else; private flags (veth has
# none); a socket opened inside another netns sets a veth moved there.
set -eu
. "$(dirname "$0")/lib.sh"

NLTOOL=$(readlink -f "${O:-build}/tests/tools/nltool")
[ -x "$NLTOOL" ] || fail "$NLTOOL not built (make e2e builds it)"
command -v ethtool >/dev/null || fail "ethtool missing (run toolchain/setup.sh)"

VA=eta$SUFFIX VB=etb$SUFFIX NS=etns$SUFFIX
veth_pair "$VA" "$VB"

# ethtool -k prints these kernel features under their legacy names (ethtool's
# off_flag_def table); groups (scatter-gather, tx-checksumming, ...) have fixed null.
LEGACY='{"rx-checksumming":"rx-checksum","generic-segmentation-offload":"tx-generic-segmentation",
"generic-receive-offload":"rx-gro","large-receive-offload":"rx-lro",
"rx-vlan-offload":"rx-vlan-hw-parse","tx-vlan-offload":"tx-vlan-hw-insert",
"ntuple-filters":"rx-ntuple-filter","receive-hashing":"rx-hashing",
"udp-fragmentation-offload":"tx-udp-fragmentation"}'

# oracle IFNAME [NETNS]: ethtool's view, [{name, active, fixed, requested}] by name.
oracle() {
	local cmd=(ethtool --json -k "$1")
	[ $# -lt 2 ] || cmd=(ip netns exec "$2" "${cmd[@]}")
	"${cmd[@]}" | jq -cS --argjson m "$LEGACY" '.[0] | del(.ifname) | to_entries
		| map(select(.value.fixed != null)
		| {name: ($m[.key] // .key), active: .value.active, fixed: .value.fixed,
		   requested: .value.requested}) | sort_by(.name)' || fail "ethtool -k $1 failed"
}
# ours IFNAME [NETNS]: the same from lib/nl.
ours() {
	local args=(ethtool-get "$1")
	[ $# -lt 2 ] || args+=(--netns "/run/netns/$2")
	"$NLTOOL" "${args[@]}" | jq -cS '.features | map({name, active, fixed,
		requested: .wanted}) | sort_by(.name)' || fail "nltool ethtool-get $1 failed"
}
# active IFNAME NAME [NETNS]: ethtool's on/off of one kernel feature (true/false).
active() {
	local o
	o=$(oracle "$1" ${3:+"$3"})
	jq -r --arg n "$2" '.[] | select(.name == $n) | .active' <<<"$o"
}
same_as_ethtool() {
	local want got
	want=$(oracle "$@")
	got=$(ours "$@")
	[ "$(jq length <<<"$want")" -gt 40 ] || fail "ethtool listed too few features: $want"
	assert_json_eq "$want" "$got" "features of $1 ${2:-}"
}
# set_fails IFNAME NEEDLE NAME=on|off...: nltool must fail with NEEDLE in its error.
set_fails() {
	local dev=$1 needle=$2 out
	shift 2
	if out=$("$NLTOOL" ethtool-set "$dev" "$@" 2>&1); then
		fail "ethtool-set $* succeeded"
	fi
	assert_contains "$out" "$needle" "ethtool-set $*"
}

info "read: every feature as ethtool -k shows it"
same_as_ethtool "$VA"
nfixed=$(ours "$VA" | jq '[.[] | select(.fixed)] | length')
[ "$nfixed" -gt 0 ] || fail "veth shows no [fixed] feature"

info "set via legacy names, and by kernel name"
hd=$(active "$VA" highdma)
gl=$(active "$VA" rx-gro-list)
flip() { [ "$1" = true ] && echo off || echo on; }
must "$NLTOOL" ethtool-set "$VA" tcp-segmentation-offload=off generic-receive-offload=on \
	large-receive-offload=off highdma="$(flip "$hd")" rx-gro-list="$(flip "$gl")"
for f in tx-tcp-segmentation tx-tcp6-segmentation tx-tcp-ecn-segmentation rx-lro; do
	assert_eq false "$(active "$VA" "$f")" "$f after tso/lro off"
done
assert_eq true "$(active "$VA" rx-gro)" "rx-gro after gro on"
assert_ne "$hd" "$(active "$VA" highdma)" "highdma flipped"
assert_ne "$gl" "$(active "$VA" rx-gro-list)" "rx-gro-list flipped"
same_as_ethtool "$VA"
# Short legacy names too, back again.
must "$NLTOOL" ethtool-set "$VA" tso=on gro=off
assert_eq true "$(active "$VA" tx-tcp-segmentation)" "tso on"
assert_eq false "$(active "$VA" rx-gro)" "gro off"

info "a fixed feature to its other value fails naming it; nothing changes"
fixed=$(ours "$VA" | jq -r '[.[] | select(.fixed and .name == "rx-vlan-filter")][0].name // empty')
[ -n "$fixed" ] || fixed=$(ours "$VA" | jq -r '[.[] | select(.fixed)][0].name')
want=$(ours "$VA" | jq -r --arg n "$fixed" '.[] | select(.name == $n) | if .active then "off" else "on" end')
before=$(oracle "$VA")
set_fails "$VA" "$fixed" gro=on "$fixed=$want"
assert_json_eq "$before" "$(oracle "$VA")" "state after the refused set"
info "a feature the kernel drops (tso without sg) fails naming it"
set_fails "$VA" "could not set the following features: tx-tcp-segmentation" sg=off tso=on
must "$NLTOOL" ethtool-set "$VA" sg=on tso=on
assert_eq true "$(active "$VA" tx-tcp-segmentation)" "tso back on"
info "unknown names fail naming them"
set_fails "$VA" "feature no-such-offload not supported by interface" no-such-offload=on
set_fails "$VA" "feature ufo not supported by interface" ufo=on
assert_json_eq "$before" "$(oracle "$VA")" "state after the refused sets"

info "private flags: veth has none"
if ethtool --show-priv-flags "$VA" 2>/dev/null | grep -q ':'; then
	fail "ethtool lists private flags on veth; this test assumes none"
fi
assert_eq '[]' "$("$NLTOOL" ethtool-get "$VA" | jq -c .privflags)" "privflags of veth"
if out=$("$NLTOOL" privflags-set "$VA" legacy-rx=on 2>&1); then fail "privflags-set succeeded"; fi
assert_contains "$out" "private flag legacy-rx not supported by interface"

info "a socket inside another netns"
netns_add "$NS"
must ip link set "$VB" netns "$NS"
if ip link show "$VB" >/dev/null 2>&1; then fail "$VB still visible here"; fi
same_as_ethtool "$VB" "$NS"
g=$(active "$VB" rx-gro "$NS")
must "$NLTOOL" ethtool-set "$VB" --netns "/run/netns/$NS" gro="$(flip "$g")" lro=off
assert_ne "$g" "$(active "$VB" rx-gro "$NS")" "rx-gro flipped inside $NS"
same_as_ethtool "$VB" "$NS"
# Without --netns the device is not found here.
if "$NLTOOL" ethtool-get "$VB" >/dev/null 2>&1; then fail "$VB found in the test netns"; fi
info "ok"
