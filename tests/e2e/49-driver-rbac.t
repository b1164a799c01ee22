#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dranet-driver with upstream's ClusterRole (tests/peers/k8s/rbac-upstream.yaml)
# loaded into the API server peer: a drop-in install. Everything publishing
# needs (nodes get; resourceslices list, watch, create, update, delete) is
# allowed there, so the driver publishes and never meets a 403.
set -eu
. "$(dirname "$0")/lib.sh"
need_dranet
apiserver_start "$E2E_TMP/p" --quiet --gc-delay -1 \
	--rbac "$E2E_LIB_DIR/../peers/k8s/rbac-upstream.yaml"
LOG=$E2E_TMP/driver.log
PID=""
stop_driver() {
	[ -n "$PID" ] || return 0
	kill -TERM "$PID" 2>/dev/null || true
	wait "$PID" 2>/dev/null || true
	PID=""
}
defer stop_driver
veth_pair e49a e49b
apiserver_admin POST /objects '{"apiVersion":"v1","kind":"Node","metadata":{"name":"node1"},"status":{"addresses":[]}}' >/dev/null
published() {
	apiserver_admin GET '/dump?resource=resource.k8s.io/resourceslices' |
		jq -e '[.objects["resource.k8s.io/resourceslices"][] | select(.spec.driver == "dra.net") | .spec.devices[].name] | index("e49a") != null'
}
"$DRANET" --kubeconfig "$K8S_KUBECONFIG" --kubelet-root-dir "$E2E_TMP/kubelet" --hostname-override node1 --filter '' \
	--bind-address 127.0.0.1:9149 2>"$LOG" &
PID=$!
for _ in $(seq 300); do
	published >/dev/null 2>&1 && break
	kill -0 "$PID" 2>/dev/null || { tail -20 "$LOG" >&2; fail "driver exited"; }
	sleep 0.1
done
published >/dev/null || { tail -20 "$LOG" >&2; fail "not published under upstream's ClusterRole"; }
forbidden=$(apiserver_admin GET /log | jq '[.[] | select(.code == 403)] | length')
assert_eq 0 "$forbidden" "403 answers"
kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=""
assert_eq 0 "$rc" "exit status after SIGTERM"
