#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dranet-driver publishing to the API server peer (tests/peers/k8s), with real
# veths in this test's netns: the slice appears with the right devices and an
# owner reference to the Node; it follows a veth added and removed and an
# address added; 300 veths → 3 slices in one pool; nothing changes → zero
# writes; slices deleted behind its back → recreated; the Node's InternalIP
# interface is never published; another driver's slice is never touched;
# the API server down for a few seconds → the slice is right when it is back;
# SIGTERM → exit 0. Waits are generous (latency is a benchmark, not a test).
set -eu
. "$(dirname "$0")/lib.sh"
need_dranet
apiserver_start "$E2E_TMP/p" --quiet --gc-delay -1 --bookmark-interval 5
SA=system:serviceaccount:kube-system:dranet
LOG=$E2E_TMP/driver.log
PID=""
stop_driver() {
	[ -n "$PID" ] || return 0
	kill -TERM "$PID" 2>/dev/null || true
	wait "$PID" 2>/dev/null || true
	PID=""
}
defer stop_driver

# Devices: the veths below (--filter ''); the node's own interface e46n holds its InternalIP.
veth_pair e46a e46b
veth_pair e46n e46m
ip addr add 192.0.2.10/24 dev e46n
apiserver_admin POST /objects '{"apiVersion":"v1","kind":"Node","metadata":{"name":"node1"},
	"status":{"addresses":[{"type":"InternalIP","address":"192.0.2.10"},{"type":"Hostname","address":"node1"}]}}' >/dev/null
NODE_UID=$(apiserver_admin GET /dump | jq -r '.objects.nodes[] | select(.metadata.name == "node1") | .metadata.uid')
# Another driver's slice on this node: never touched.
apiserver_admin POST /objects '{"apiVersion":"resource.k8s.io/v1","kind":"ResourceSlice",
	"metadata":{"name":"other-gpu"},"spec":{"driver":"gpu.example.com","nodeName":"node1",
	"pool":{"name":"node1","generation":3,"resourceSliceCount":1},"devices":[]}}' >/dev/null
other_rv=$(apiserver_admin GET /dump | jq -r '.objects["resource.k8s.io/resourceslices"][] | select(.metadata.name == "other-gpu") | .metadata.resourceVersion')

# ours: this driver's slices at the peer, as one JSON array.
ours() {
	apiserver_admin GET '/dump?resource=resource.k8s.io/resourceslices' |
		jq -c '[.objects["resource.k8s.io/resourceslices"][] | select(.spec.driver == "dra.net" and .spec.nodeName == "node1")]'
}
# names: the sorted device names over our slices.
names() { ours | jq -r '[.[].spec.devices[].name] | sort | join(" ")'; }
# wait_for DESC CMD...: until CMD succeeds (60 s).
wait_for() {
	local desc=$1 i
	shift
	for i in $(seq 600); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		kill -0 "$PID" 2>/dev/null || { tail -20 "$LOG" >&2; fail "driver exited while waiting: $desc"; }
		sleep 0.1
	done
	tail -20 "$LOG" >&2
	fail "timed out: $desc (devices: $(names))"
}
names_are() { [ "$(names)" = "$1" ]; }
# attr_is DEVICE KEY TYPE JSON_VALUE: one device attribute has that value.
attr_is() {
	ours | jq -e --arg d "$1" --arg k "$2" --arg t "$3" --argjson v "$4" \
		'any(.[].spec.devices[]; .name == $d and .attributes[$k][$t] == $v)'
}
slices_are() { ours | jq -e --argjson n "$1" 'length == $n'; }
devices_are() { ours | jq -e --argjson n "$1" '[.[].spec.devices[]] | length == $n'; }
# replaced NAME: one slice, and not NAME.
replaced() { ours | jq -e --arg n "$1" 'length == 1 and .[0].metadata.name != $n'; }
has_device() { names | tr ' ' '\n' | grep -qx "$1"; }
hasnt_device() { ! has_device "$1"; }

"$DRANET" --kubeconfig "$K8S_KUBECONFIG" --kubelet-root-dir "$E2E_TMP/kubelet" --hostname-override node1 --filter '' \
	--bind-address 127.0.0.1:9146 --inventory-min-poll-interval=100ms -v=4 2>"$LOG" &
PID=$!
BASE=$("$DRANET" discover --filter '' -o json | jq -r '[.[].name | select(. != "e46n")] | sort | join(" ")')
wait_for "first slice" names_are "$BASE"
s=$(ours)
assert_eq 1 "$(jq length <<<"$s")" "one slice"
assert_eq "node1-dra.net-" "$(jq -r '.[0].metadata.generateName' <<<"$s")" "generateName"
assert_json_eq "$(jq -cn --arg u "$NODE_UID" '[{apiVersion:"v1",kind:"Node",name:"node1",uid:$u,controller:true}]')" \
	"$(jq -c '.[0].metadata.ownerReferences' <<<"$s")" "owner reference to the Node"
assert_json_eq '{"name":"node1","generation":1,"resourceSliceCount":1}' "$(jq -c '.[0].spec.pool' <<<"$s")" "pool"
assert_eq 1500 "$(jq '.[0].spec.devices[] | select(.name == "e46a") | .attributes["dra.net/mtu"].int' <<<"$s")" "an attribute"
hasnt_device e46n || fail "the node's InternalIP interface e46n was published"
info "first slice: $(names)"
grep -q 'node found' "$LOG" || fail "no node in the log"

# --- follows: a veth pair added, an address added, the pair removed
veth_pair e46c e46d
wait_for "e46c published" has_device e46c
ip link set e46c mtu 9000
wait_for "e46c mtu 9000" attr_is e46c dra.net/mtu int 9000
ip addr add 10.46.0.1/24 dev e46a
wait_for "e46a address" attr_is e46a dra.net/ipv4 string '"10.46.0.1/24"'
ip link del e46c
wait_for "e46c gone" hasnt_device e46d
assert_eq 1 "$(ours | jq length)" "still one slice"

# --- nothing changes: zero writes
sleep 2
w0=$(apiserver_writes "$SA")
sleep 5
assert_eq "$w0" "$(apiserver_writes "$SA")" "writes while nothing changed"
info "idle: $w0 writes in total, none in 5 s"

# --- deleted behind its back: recreated (the watch sees it)
name=$(ours | jq -r '.[0].metadata.name')
apiserver_admin DELETE "/objects?resource=resourceslices&group=resource.k8s.io&name=$name" >/dev/null
wait_for "slice recreated" replaced "$name"
wait_for "recreated content" names_are "$BASE"

# --- 300 veths: 3 slices of one pool (128 + 128 + 44 and more)
: >"$E2E_TMP/batch"
for i in $(seq 0 149); do echo "link add e46v$i type veth peer name e46w$i" >>"$E2E_TMP/batch"; done
ip -batch "$E2E_TMP/batch"
n=$(($(wc -w <<<"$BASE") + 300))
wait_for "$n devices" devices_are "$n"
s=$(ours)
assert_eq 3 "$(jq length <<<"$s")" "three slices: $(jq -c "[.[] | {n: (.spec.devices | length), p: .spec.pool}]" <<<"$s")"
assert_eq 1 "$(jq '[.[].spec.pool.generation] | unique | length' <<<"$s")" "one generation"
assert_eq '[3]' "$(jq -c '[.[].spec.pool.resourceSliceCount] | unique' <<<"$s")" "resourceSliceCount"
jq -e 'all(.[]; (.spec.devices | length) <= 128)' <<<"$s" >/dev/null || fail "a slice over 128 devices"
assert_eq "$n" "$(jq '[.[].spec.devices[].name] | unique | length' <<<"$s")" "no device twice"
for i in $(seq 0 149); do echo "link del e46v$i" >>"$E2E_TMP/del"; done
ip -batch "$E2E_TMP/del"
wait_for "back to one slice" slices_are 1
wait_for "back to the base devices" names_are "$BASE"

# --- the API server down for a while: no crash, the slice right when it is back
apiserver_admin POST /down '{"seconds":4}' >/dev/null
ip link set e46a mtu 1400
sleep 1
kill -0 "$PID" || fail "driver died while the API server was down"
wait_for "mtu 1400 after the outage" attr_is e46a dra.net/mtu int 1400

# --- another driver's slice was never touched
assert_eq "$other_rv" "$(apiserver_admin GET /dump | jq -r '.objects["resource.k8s.io/resourceslices"][] | select(.metadata.name == "other-gpu") | .metadata.resourceVersion')" "other driver's slice"

# --- metrics: the API confirmed writes
m=$(curl -s http://127.0.0.1:9146/metrics)
t=$(awk '$1 == "dranet_driver_last_published_time_seconds" { print $2 }' <<<"$m")
[ -n "$t" ] || fail "no last_published_time after confirmed writes"
awk -v t="$t" -v now="$(date +%s)" 'BEGIN { exit !(t > now - 600 && t <= now + 1) }' || fail "last_published_time $t"

# --- SIGTERM: exit 0
kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=""
assert_eq 0 "$rc" "exit status after SIGTERM"
grep -q 'driver stopped' "$LOG" || fail "no clean stop in the log"
if grep -q 'level=err' "$LOG"; then grep 'level=err' "$LOG" | head -5 >&2; fail "errors in the driver log"; fi
{ grep 'level=warn' "$LOG" || true; } | sed 's/^/# /' | head -10
info "publish rounds: $(grep -c 'publish round' "$LOG"), writes: $(apiserver_writes "$SA")"
