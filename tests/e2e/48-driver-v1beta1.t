#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dranet-driver against an API server that serves resource.k8s.io v1beta1 only:
# it finds the version, writes v1beta1-shaped slices (devices[].basic), reads
# them back and sees nothing to change (zero writes while idle), and follows a
# change in place.
set -eu
. "$(dirname "$0")/lib.sh"
need_dranet
apiserver_start "$E2E_TMP/p" --quiet --gc-delay -1 --versions v1beta1
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
veth_pair e48a e48b
apiserver_admin POST /objects '{"apiVersion":"v1","kind":"Node","metadata":{"name":"node1"},"status":{"addresses":[]}}' >/dev/null
ours() {
	apiserver_admin GET '/dump?resource=resource.k8s.io/resourceslices' |
		jq -c '[.objects["resource.k8s.io/resourceslices"][] | select(.spec.driver == "dra.net")]'
}
mtu_is() { ours | jq -e --argjson v "$1" 'any(.[].spec.devices[]; .name == "e48a" and .attributes["dra.net/mtu"].int == $v)'; }
wait_for() {
	local desc=$1
	shift
	for _ in $(seq 600); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		kill -0 "$PID" 2>/dev/null || { tail -20 "$LOG" >&2; fail "driver exited: $desc"; }
		sleep 0.1
	done
	tail -20 "$LOG" >&2
	fail "timed out: $desc"
}

"$DRANET" --kubeconfig "$K8S_KUBECONFIG" --kubelet-root-dir "$E2E_TMP/kubelet" --hostname-override node1 --filter '' \
	--bind-address 127.0.0.1:9148 --inventory-min-poll-interval=100ms 2>"$LOG" &
PID=$!
wait_for "first slice" mtu_is 1500
grep -q 'version=v1beta1' "$LOG" || fail "v1beta1 not chosen: $(grep version "$LOG")"
# The write itself was v1beta1-shaped: apiVersion and devices[].basic.
body=$(apiserver_admin GET /log | jq -c '[.[] | select(.method == "POST" and (.path | test("/resourceslices$")))][0].body')
assert_eq resource.k8s.io/v1beta1 "$(jq -r .apiVersion <<<"$body")" "apiVersion written"
jq -e '.spec.devices | length > 0 and all(.[]; has("basic") and (has("attributes") | not))' <<<"$body" >/dev/null ||
	fail "not v1beta1 devices: $body"
# Read back (v1beta1) and compared: nothing to write while idle.
sleep 2
w0=$(apiserver_writes "$SA")
sleep 3
assert_eq "$w0" "$(apiserver_writes "$SA")" "writes while idle"
ip link set e48a mtu 1280
wait_for "mtu follows" mtu_is 1280
assert_eq 1 "$(ours | jq length)" "one slice"
kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=""
assert_eq 0 "$rc" "exit status after SIGTERM"
