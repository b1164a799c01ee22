#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dranet-discover's command line: Go and GNU flag syntax, klog flags, usage
# errors, filter carets, --select, --netns, and the three ways to call it.
set -eu
DRANET=${DRANET:-build/dranet}
DRANET=$(readlink -f "$DRANET")
NS=dn12-$$-$RANDOM
OTHER=dn12o-$$-$RANDOM
TMP=$(mktemp -d)
cleanup() {
	ip netns del "$NS" 2>/dev/null || true
	ip netns del "$OTHER" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
fails=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; fails=$((fails + 1)); }
# expect RC DESC CMD...: run CMD (in $NS), stdout to $TMP/o, stderr to $TMP/e
expect() {
	local want=$1 desc=$2 rc=0
	shift 2
	ip netns exec "$NS" "$@" >"$TMP/o" 2>"$TMP/e" || rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$desc (exit $rc)"; else
		bad "$desc: exit $rc, want $want"; sed 's/^/#   /' "$TMP/e" | head -n 5
	fi
}
has() { if grep -q -- "$2" "$TMP/$1"; then ok "$3"; else bad "$3: no '$2' in $1"; sed 's/^/#   /' "$TMP/$1" | head -n 5; fi; }

ip netns add "$NS"
ip -n "$NS" link add ca0 type veth peer name cb0
ip -n "$NS" link set ca0 mtu 9000
ip -n "$NS" link add cbr0 type bridge
D="$DRANET discover"

expect 0 "-o=json (Go syntax)" $D -o=json --filter=
cp "$TMP/o" "$TMP/go.json"
expect 0 "--output json (GNU syntax)" $D --output json --filter ''
if cmp -s "$TMP/o" "$TMP/go.json"; then ok "-o=json == --output json"; else bad "-o=json != --output json"; fi
expect 0 "-output=json -filter= (single dash long)" $D -output=json -filter=
if cmp -s "$TMP/o" "$TMP/go.json"; then ok "-output=json == --output json"; else bad "single-dash output differs"; fi
expect 0 "--all=true" $D -o json --all=true --filter ''
cp "$TMP/o" "$TMP/all1"
expect 0 "--all" $D -o json --all --filter ''
if cmp -s "$TMP/o" "$TMP/all1"; then ok "--all=true == --all"; else bad "--all=true != --all"; fi
has o '"reason"' "--all shows reasons"
expect 0 "--all=false" $D -o json --all=false --filter ''
if cmp -s "$TMP/o" "$TMP/go.json"; then ok "--all=false == no --all"; else bad "--all=false differs"; fi
expect 0 "-v=4" $D -v=4
expect 0 "--v 4" $D --v 4
expect 2 "-v=11 rejected" $D -v=11
expect 0 "klog flag --logtostderr" $D --logtostderr
has e "klog" "klog flag warned about"
expect 0 "klog flag --log_dir=/tmp" $D --log_dir=/tmp
expect 2 "unknown flag" $D --no-such-flag
has e "usage" "unknown flag prints usage"
expect 2 "positional argument" $D extra
expect 2 "-o xml" $D -o xml
expect 2 "--slice with table" $D --slice
expect 2 "--all=maybe" $D --all=maybe
expect 2 "--filter syntax error" $D --filter 'attributes["dra.net/type"].StringValue == '
has e '\^' "filter error shows a caret"
expect 2 "--select syntax error" $D --select 'device.driver =='
has e '\^' "select error shows a caret"
expect 2 "--feature-gates unknown gate" $D --feature-gates=NoSuchGate=true
has e "unrecognized feature gate" "unknown gate named"
expect 0 "--feature-gates known gate" $D --feature-gates=DRAListTypeAttributes=true
expect 2 "--node of spaces" $D --node '   '
expect 0 "--help" $D --help
has o "usage: dranet-discover" "--help prints usage on stdout"

expect 0 "--move-ib-interfaces=false" $D --move-ib-interfaces=false
expect 2 "--move-ib-interfaces=maybe" $D --move-ib-interfaces=maybe

# A filter that errors on a device excludes it (fail closed) with a warning.
expect 0 "--filter evaluation error" $D -o json --all --filter 'attributes["dra.net/pciAddress"].StringValue == "x"'
has e "filter evaluation failed" "filter evaluation error warned about"
if /usr/bin/python3 -c '
import json,sys
d={x["name"]:x for x in json.load(open(sys.argv[1]))}
assert d["ca0"]["published"] is False and d["ca0"]["reason"].startswith("filter error: "), d["ca0"]
' "$TMP/o"; then ok "filter error excludes the device with the reason"; else bad "filter error reason"; fi
expect 0 "--filter false" $D -o json --all --filter 'attributes["dra.net/mtu"].IntValue == 9000'
if /usr/bin/python3 -c '
import json,sys
d={x["name"]:x for x in json.load(open(sys.argv[1]))}
assert d["ca0"]["published"] is True and d["cb0"]["reason"] == "filter: false", d["cb0"]
' "$TMP/o"; then ok "filter false excludes with 'filter: false'"; else bad "filter false reason"; fi

# -o yaml is the same tree as -o json.
expect 0 "-o yaml" $D -o yaml --all --filter ''
cp "$TMP/o" "$TMP/y"
expect 0 "-o json" $D -o json --all --filter ''
if /usr/bin/python3 -c 'import json,sys,yaml; assert yaml.safe_load(open(sys.argv[1])) == json.load(open(sys.argv[2]))' "$TMP/y" "$TMP/o"; then
	ok "-o yaml parses to the -o json tree"
else bad "-o yaml differs from -o json"; fi

# The tests-only sysfs root: --root DIR and DRANET_SYSFS_ROOT read the same fixture.
FIX=$(pwd)/tests/data/sysfs/node1
if [ -d "$FIX/sys" ]; then
	expect 0 "--root fixture" $D -o json --all --root "$FIX"
	cp "$TMP/o" "$TMP/r1"
	expect 0 "DRANET_SYSFS_ROOT fixture" env DRANET_SYSFS_ROOT="$FIX" $D -o json --all
	if cmp -s "$TMP/o" "$TMP/r1"; then ok "--root == DRANET_SYSFS_ROOT"; else bad "--root and DRANET_SYSFS_ROOT differ"; fi
	if grep -q '"pci-0000-00-04-0"' "$TMP/o"; then ok "fixture PCI functions listed"; else bad "fixture not read"; fi
fi

# --select: a claim-style selector picks ca0 only (MTU 9000).
expect 0 "--select mtu" $D -o json --filter '' --select 'device.attributes["dra.net"].mtu == 9000'
if /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [x["name"] for x in d]==["ca0"], d' "$TMP/o"; then
	ok "--select shows only the matching device"
else bad "--select result"; fi
expect 0 "--select driver" $D -o json --filter '' --select 'device.driver == "dra.net"'
if /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert sorted(x["name"] for x in d if "dra.net/ifName" in x["attributes"])==["ca0","cb0"], d' "$TMP/o"; then
	ok "--select device.driver matches every published device"
else bad "--select driver result"; fi
expect 0 "--select missing attribute" $D -o json --all --filter '' --select 'device.attributes["dra.net"].pciAddress == "x"'
if /usr/bin/python3 -c '
import json,sys
d={x["name"]:x for x in json.load(open(sys.argv[1]))}
assert d["ca0"]["selected"] is False and "selectError" in d["ca0"], d["ca0"]
' "$TMP/o"; then ok "--select evaluation error = no match, reported with --all"; else bad "--select error report"; fi
expect 0 "--select table" $D --all --filter '' --select 'device.attributes["dra.net"].mtu == 9000'
has o "REASON" "--all table has REASON"
has o "not selected" "--all table says not selected"

# --netns: look inside another namespace from this one.
ip netns add "$OTHER"
ip -n "$OTHER" link add zz-$$ type veth peer name zy-$$
expect 0 "--netns PATH" $D -o json --filter '' --netns "/run/netns/$OTHER"
has o "\"zz-$$\"" "--netns shows the other namespace's links"
if grep -q '"ca0"' "$TMP/o"; then bad "--netns also shows our own links"; else ok "--netns hides our own links"; fi
expect 1 "--netns missing" $D --netns /run/netns/no-such-ns-$$

# Three ways to call it give the same output.
ln -s "$DRANET" "$TMP/dranet-discover"
expect 0 "dranet discover" "$DRANET" discover -o json --all --filter ''
cp "$TMP/o" "$TMP/a"
expect 0 "dranet dranet-discover" "$DRANET" dranet-discover -o json --all --filter ''
cp "$TMP/o" "$TMP/b"
expect 0 "symlink dranet-discover" "$TMP/dranet-discover" -o json --all --filter ''
if cmp -s "$TMP/a" "$TMP/b" && cmp -s "$TMP/a" "$TMP/o"; then ok "all three invocations agree"; else bad "invocations differ"; fi
if [ -L "$(dirname "$DRANET")/dranet-discover" ]; then ok "build/dranet-discover is a symlink"; else bad "no build/dranet-discover symlink"; fi

[ "$fails" -eq 0 ]
