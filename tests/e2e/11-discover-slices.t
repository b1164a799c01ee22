#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dranet-discover --slice: 300 veths give 3 slices of one pool, valid against
# the real resource.k8s.io/v1 schema; YAML output equals the JSON.
set -eu
DRANET=${DRANET:-build/dranet}
DRANET=$(readlink -f "$DRANET")
VALIDATE=$(readlink -f tests/peers/k8s/validate-slice.mjs)
NS=dn11-$$-$RANDOM
TMP=$(mktemp -d)
cleanup() { ip netns del "$NS" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
fails=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; fails=$((fails + 1)); }

ip netns add "$NS"
for i in $(seq 0 149); do
	echo "link add s$i-a type veth peer name s$i-b"
done >"$TMP/batch"
ip -n "$NS" -batch "$TMP/batch"
run() { ip netns exec "$NS" "$DRANET" discover "$@"; }
# Only the veths: the host's PCI NICs (not netns-tagged) would be listed too.
VETH='"dra.net/type" in attributes && attributes["dra.net/type"].StringValue == "veth"'

run --slice -o json --filter "$VETH" --node ' E2E-Node ' >"$TMP/slices.json"
if /usr/bin/node "$VALIDATE" "$TMP/slices.json" >"$TMP/validate.out" 2>&1; then
	ok "300-device slices valid against resource.k8s.io/v1"
else
	cat "$TMP/validate.out"
	bad "300-device slices rejected by the schema"
fi
if /usr/bin/python3 - "$TMP/slices.json" <<'PY'; then ok "3 slices of one pool, every link once, in order"; else bad "slice split"; fi
import json, sys
s = json.load(open(sys.argv[1]))
assert len(s) == 3, len(s)
names = []
for sl in s:
    assert sl["apiVersion"] == "resource.k8s.io/v1" and sl["kind"] == "ResourceSlice"
    assert sl["metadata"] == {"generateName": "e2e-node-dra.net-"}, sl["metadata"]
    sp = sl["spec"]
    assert sp["driver"] == "dra.net" and sp["nodeName"] == "e2e-node"
    assert sp["pool"] == {"name": "e2e-node", "generation": 1, "resourceSliceCount": 3}, sp["pool"]
    names += [d["name"] for d in sp["devices"]]
assert [len(sl["spec"]["devices"]) for sl in s] == [128, 128, 44]
want = sorted("s%d-%s" % (i, x) for i in range(150) for x in "ab")
assert names == want, (names[:5], want[:5])
PY

run --slice -o yaml --filter "$VETH" --node ' E2E-Node ' >"$TMP/slices.yaml"
if /usr/bin/python3 - "$TMP/slices.json" "$TMP/slices.yaml" <<'PY'; then ok "yaml documents equal the json"; else bad "yaml differs from json"; fi
import json, sys, yaml
j = json.load(open(sys.argv[1]))
y = list(yaml.safe_load_all(open(sys.argv[2])))
assert y == j, "differ"
PY

# A filter that keeps nothing: the pool is one slice with no devices.
run --slice -o json --node e2e-node --filter 'false' >"$TMP/empty.json"
if /usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert len(s)==1 and s[0]["spec"]["devices"]==[] and s[0]["spec"]["pool"]["resourceSliceCount"]==1' "$TMP/empty.json"; then
	ok "empty pool is one slice with no devices"
else
	bad "empty pool"
fi
if /usr/bin/node "$VALIDATE" "$TMP/empty.json" >"$TMP/validate.out" 2>&1; then
	ok "empty slice valid against resource.k8s.io/v1"
else
	cat "$TMP/validate.out"
	bad "empty slice rejected by the schema"
fi
[ "$fails" -eq 0 ]
