#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# eBPF on links (upstream.md §7 scenarios 8, 9, 10; §2.4, §6.6):
#   8  a tc BPF classifier on clsact ingress -> dra.net/tcFilterNames, dra.net/ebpf
#   9  a TCX program (bpftool 7.5 net attach tcx_ingress) -> dra.net/tcxProgramNames
#  10  disableEbpfPrograms: lib/nl's nl_ebpf_detach_all (through tests/tools/ebpftool)
#      leaves nothing for `bpftool net show` and `tc filter show`
# plus egress, two programs on one hook, a program attached through a pinned
# bpf_link, and the 64-byte cut of tcFilterNames. Oracles: tc -j and bpftool -j
# (exact strings), never our own output. The BPF objects are compiled here from
# tests/data/bpf/*.c (clang -target bpf) into $E2E_TMP.
set -eu
. "$(dirname "$0")/lib.sh"
need_dranet
EBPFTOOL=$O/tests/tools/ebpftool
[ -x "$EBPFTOOL" ] || fail "$EBPFTOOL not built (make e2e builds it)"
for c in clang bpftool tc python3; do command -v "$c" >/dev/null || fail "$c missing (toolchain/setup.sh)"; done
# (sed reads it all: `grep -q` or `head` closing the pipe early fails it under pipefail)
bpftool_version=$(bpftool version | sed -n 1p)
case "$bpftool_version" in
*v7.[5-9]* | *v[89].*) ;;
*) fail "bpftool $bpftool_version: need 7.5 (bookworm-backports, toolchain/setup.sh)" ;;
esac

mount -t bpf bpf /sys/fs/bpf || fail "mount bpffs"
T=$E2E_TMP
clang -target bpf -O2 -g -c tests/data/bpf/dummy_bpf.c -o "$T/dummy_bpf.o"
clang -target bpf -O2 -g -c tests/data/bpf/dummy_bpf_tcx.c -o "$T/dummy_bpf_tcx.o"
# The same classifier under long file names (TCA_BPF_NAME is "<file basename>:[<section>]").
for x in aaaaaaaaaaaaaaa bbbbbbbbbbbbbbb ccccccccccccccc; do cp "$T/dummy_bpf.o" "$T/long_${x}_bpf.o"; done

# Where the commands below look: IN=(ip netns exec NS) and DISC_NS=(--netns PATH) for a
# namespace other than ours.
IN=()
DISC_NS=()

# attrs IFNAME: that netdev's dra.net attributes from discover, as {key: value}.
attrs() {
	"$DRANET" discover "${DISC_NS[@]}" -o json --all >"$T/disc.json" || fail "discover failed"
	python3 - "$1" "$T/disc.json" <<'EOF'
import json, sys
name, path = sys.argv[1], sys.argv[2]
for d in json.load(open(path)):
    a = d.get("attributes", {})
    if a.get("dra.net/ifName", {}).get("string") == name:
        out = {}
        for k, v in a.items():
            if k in ("dra.net/ebpf", "dra.net/tcFilterNames", "dra.net/tcxProgramNames"):
                (t, x), = v.items()
                out[k.split("/")[1]] = {"type": t, "value": x}
        print(json.dumps(out, sort_keys=True))
        sys.exit(0)
sys.exit("no device with ifName " + name)
EOF
}

# oracle IFNAME: what tc -j and bpftool -j show, as upstream's attributes would be
# (names sorted and unique, cut at a comma within 64 bytes), plus the raw lists.
oracle() {
	local dev=$1
	"${IN[@]}" tc -j filter show dev "$dev" ingress >"$T/tc-in.json"
	"${IN[@]}" tc -j filter show dev "$dev" egress >"$T/tc-eg.json"
	"${IN[@]}" bpftool -j net show dev "$dev" >"$T/bpftool.json"
	python3 - "$T" <<'EOF'
import json, sys
t = sys.argv[1]
def load(p):
    s = open(p).read().strip()
    return json.loads(s) if s else []
tc = []
for parent in ("in", "eg"):
    for f in load("%s/tc-%s.json" % (t, parent)):
        if f.get("kind") == "bpf" and "options" in f:
            o = f["options"]
            tc.append({"parent": "ingress" if parent == "in" else "egress",
                       "name": o.get("bpf_name", ""), "id": o["prog"]["id"],
                       "prio": f["pref"], "direct_action": bool(o.get("direct-action"))})
tcx = []
for e in load(t + "/bpftool.json")[0].get("tc", []):
    if e["kind"] in ("tcx/ingress", "tcx/egress"):
        tcx.append({"dir": e["kind"].split("/")[1], "name": e["name"],
                    "prog_id": e["prog_id"], "link_id": e.get("link_id", 0)})
def join(names):
    out = ""
    for n in sorted(set(x for x in names if x)):
        s = n if not out else out + "," + n
        if len(s) > 64:
            break
        out = s
    return out
attrs = {"ebpf": {"type": "bool", "value": bool(tc or tcx)}}
if join(f["name"] for f in tc):
    attrs["tcFilterNames"] = {"type": "string", "value": join(f["name"] for f in tc)}
if join(p["name"] for p in tcx):
    attrs["tcxProgramNames"] = {"type": "string", "value": join(p["name"] for p in tcx)}
print(json.dumps({"attrs": attrs, "tc": tc, "tcx": tcx}, sort_keys=True))
EOF
}

# check IFNAME WHAT: discover's attributes and ebpftool's lists equal the oracle's.
check() {
	local dev=$1 what=$2 want got lst
	want=$(oracle "$dev")
	got=$(attrs "$dev")
	assert_json_eq "$(jq -c .attrs <<<"$want")" "$got" "$what: attributes of $dev"
	lst=$("${IN[@]}" "$EBPFTOOL" ebpf-list "$dev") || fail "ebpftool ebpf-list $dev"
	assert_json_eq "$(jq -c '.tc | sort_by(.parent, .prio, .id)' <<<"$want")" \
		"$(jq -c '[.tc[] | {parent, name, id, prio, direct_action}] | sort_by(.parent, .prio, .id)' <<<"$lst")" \
		"$what: ebpftool tc filters of $dev"
	assert_json_eq "$(jq -c '.tcx | sort_by(.dir, .prog_id)' <<<"$want")" \
		"$(jq -c '[.tcx[] | {dir, name, prog_id, link_id}] | sort_by(.dir, .prog_id)' <<<"$lst")" \
		"$what: ebpftool TCX programs of $dev"
	echo "ok - $what: $got"
}

veth_pair d0 d0p
veth_pair d1 d1p
ip link set d0 up
ip link set d1 up
tcx=$("$EBPFTOOL" ebpf-list d0 | jq -r .tcx_supported)

# Nothing attached: ebpf false, no name keys.
check d0 "nothing attached"
assert_json_eq '{"ebpf":{"type":"bool","value":false}}' "$(attrs d0)" "bare d0"

# Scenario 8: tc BPF classifier on clsact ingress.
must tc qdisc add dev d0 clsact
check d0 "clsact without filters"
must tc filter add dev d0 ingress bpf direct-action obj "$T/dummy_bpf.o" sec classifier
assert_contains "$(tc filter show dev d0 ingress)" "dummy_bpf.o:[classifier] direct-action" "tc filter show"
check d0 "scenario 8"
assert_eq "dummy_bpf.o:[classifier]" "$(attrs d0 | jq -r .tcFilterNames.value)" "scenario 8 tcFilterNames"
assert_eq "true" "$(attrs d0 | jq -r .ebpf.value)" "scenario 8 ebpf"

# Scenario 9: a TCX program attached by bpftool (no bpf_link), link down/up.
if [ "$tcx" = true ]; then
	must bpftool prog loadall "$T/dummy_bpf_tcx.o" /sys/fs/bpf/tcx
	must bpftool net attach tcx_ingress pinned /sys/fs/bpf/tcx/handle_ingress dev d0
	ip link set d0 down
	ip link set d0 up
	assert_contains "$(bpftool net show dev d0)" "tcx/ingress handle_ingress prog_id" "bpftool net show"
	check d0 "scenario 9"
	assert_eq "handle_ingress" "$(attrs d0 | jq -r .tcxProgramNames.value)" "scenario 9 tcxProgramNames"
else
	echo "ok - # SKIP scenario 9: this kernel has no TCX (Linux 6.6)"
	assert_eq "null" "$(attrs d0 | jq -r .tcxProgramNames)" "no TCX: no tcxProgramNames"
fi

# Egress, two filters on one parent, two programs on one hook, a pinned bpf_link.
must tc qdisc add dev d1 clsact
must tc filter add dev d1 ingress pref 10 bpf direct-action obj "$T/dummy_bpf.o" sec classifier
must tc filter add dev d1 ingress pref 20 bpf obj "$T/long_aaaaaaaaaaaaaaa_bpf.o" sec classifier
must tc filter add dev d1 egress bpf direct-action obj "$T/dummy_bpf.o" sec classifier
if [ "$tcx" = true ]; then
	must bpftool net attach tcx_egress pinned /sys/fs/bpf/tcx/handle_egress dev d1
	must bpftool net attach tcx_ingress pinned /sys/fs/bpf/tcx/handle_ingress dev d1
	must "$EBPFTOOL" tcx-link d1 ingress /sys/fs/bpf/tcx/handle_egress /sys/fs/bpf/d1link
	[ "$(bpftool -j net show dev d1 | jq '[.[0].tc[] | select(.kind == "tcx/ingress")] | length')" = 2 ] ||
		fail "two TCX ingress programs on d1: $(bpftool net show dev d1)"
	[ "$(bpftool -j net show dev d1 | jq '[.[0].tc[] | select(.link_id > 0)] | length')" = 1 ] ||
		fail "one of them through a bpf_link: $(bpftool net show dev d1)"
fi
check d1 "egress, two filters, two programs"
assert_eq "dummy_bpf.o:[classifier],long_aaaaaaaaaaaaaaa_bpf.o:[classifier]" \
	"$(attrs d1 | jq -r .tcFilterNames.value)" "d1 tcFilterNames (sorted, unique)"
[ "$tcx" != true ] || assert_eq "handle_egress,handle_ingress" "$(attrs d1 | jq -r .tcxProgramNames.value)" \
	"d1 tcxProgramNames (sorted, unique)"

# The 64-byte limit: four names (24 + 39 x 3 bytes) keep only what fits, cut at a comma.
for x in bbbbbbbbbbbbbbb ccccccccccccccc; do
	must tc filter add dev d1 egress bpf obj "$T/long_${x}_bpf.o" sec classifier
done
check d1 "tcFilterNames over 64 bytes"
v=$(attrs d1 | jq -r .tcFilterNames.value)
[ "${#v}" -le 64 ] || fail "tcFilterNames is ${#v} bytes: $v"

# Scenario 10: detach everything (tc filters and TCX, with and without a link).
for dev in d0 d1; do
	out=$("$EBPFTOOL" ebpf-detach "$dev") || fail "ebpftool ebpf-detach $dev: $out"
	echo "# $dev: $out"
	b=$(bpftool net show dev "$dev")
	case "$b" in *"tcx/ingress handle_ingress prog_id"* | *"tcx/"* | *"_bpf.o:[classifier]"*)
		fail "$dev: bpftool net show still lists: $b" ;;
	esac
	[ -z "$(tc filter show dev "$dev" ingress)$(tc filter show dev "$dev" egress)" ] ||
		fail "$dev: tc filters left: $(tc filter show dev "$dev" ingress) $(tc filter show dev "$dev" egress)"
	check "$dev" "scenario 10 ($dev detached)"
	assert_json_eq '{"ebpf":{"type":"bool","value":false}}' "$(attrs "$dev")" "$dev after detach"
done
if [ "$tcx" = true ]; then
	# The pinned link outlives its detach, defunct; the programs stay loaded and pinned.
	assert_contains "$(bpftool link show pinned /sys/fs/bpf/d1link)" "(detached)" "d1 link detached"
fi
# In a pod's namespace (what the attach engine sees after moving the link there):
# the move destroys the clsact qdisc and its filters, TCX programs and links stay.
# discover --netns reads them (bpf(2) from inside that namespace), and the detach
# runs there through `ip netns exec` (setns, as the engine does).
if [ "$tcx" = true ]; then
	veth_pair d2 d2p
	must tc qdisc add dev d2 clsact
	must tc filter add dev d2 ingress bpf direct-action obj "$T/dummy_bpf.o" sec classifier
	must bpftool net attach tcx_ingress pinned /sys/fs/bpf/tcx/handle_ingress dev d2
	must "$EBPFTOOL" tcx-link d2 egress /sys/fs/bpf/tcx/handle_egress /sys/fs/bpf/d2link
	netns_add pod21
	must ip link set d2 netns pod21
	IN=(ip netns exec pod21)
	DISC_NS=(--netns /run/netns/pod21)
	assert_eq "" "$("${IN[@]}" tc filter show dev d2 ingress)" "the move took the tc filter"
	check d2 "moved into a namespace"
	assert_eq "handle_egress,handle_ingress" "$(attrs d2 | jq -r .tcxProgramNames.value)" \
		"d2 tcxProgramNames seen through --netns"
	out=$("${IN[@]}" "$EBPFTOOL" ebpf-detach d2) || fail "ebpftool ebpf-detach d2 in pod21: $out"
	assert_json_eq '{"tc_removed":0,"tcx_detached":2,"error":0}' "$out" "detach in pod21"
	case "$("${IN[@]}" bpftool net show dev d2)" in *tcx/*) fail "d2: TCX left: $("${IN[@]}" bpftool net show dev d2)" ;; esac
	check d2 "detached in its namespace"
	IN=()
	DISC_NS=()
fi

# Nothing left to detach is no error.
out=$("$EBPFTOOL" ebpf-detach d0) || fail "second detach: $out"
assert_json_eq '{"tc_removed":0,"tcx_detached":0,"error":0}' "$out" "second detach"
echo "ok - 21-ebpf"
