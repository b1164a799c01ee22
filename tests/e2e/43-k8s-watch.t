#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# lib/k8s watches against the API server peer: a ResourceSlice watch from a list's
# resourceVersion with bookmarks sees ADDED/MODIFIED/DELETED of this node's slices only;
# an expired resourceVersion (ERROR event 410, both when the server ends the stream with it
# and when a resume finds the version gone) makes the client re-list and go on; the API
# server going down for a second is ridden out.
set -eu
. "$(dirname "$0")/lib.sh"
K=$O/tests/tools/k8sc
[ -x "$K" ] || fail "$K not built"
apiserver_start "$E2E_TMP/p" --quiet --gc-delay -1 --bookmark-interval 0.2 --no-schema
k() { "$K" --kubeconfig "$K8S_KUBECONFIG" --versions v1 "$@" 2>>"$E2E_TMP/k8sc.err"; }
W=$E2E_TMP/watch.out

# wait_for JQ_FILTER [N]: until the watch output has N (default 1) lines matching.
wait_for() {
	local i
	for i in $(seq 100); do
		[ "$(jq -c "select($1)" "$W" 2>/dev/null | wc -l)" -ge "${2:-1}" ] && return 0
		sleep 0.05
	done
	fail "watch output never had ${2:-1} of $1: $(cat "$W")"
}
watches_open() { apiserver_admin GET /counters | jq .watches_open; }
wait_open() {
	local i
	for i in $(seq 100); do
		[ "$(watches_open)" = 1 ] && return 0
		sleep 0.05
	done
	fail "the watch is not open"
}

doc() { # doc NODE
	jq -n --arg n "$1" '{apiVersion: "resource.k8s.io/v1", kind: "ResourceSlice", metadata: {generateName: "\($n)-dra.net-"},
		spec: {driver: "dra.net", nodeName: $n, pool: {name: $n, generation: 1, resourceSliceCount: 1},
			devices: [{name: "eth1", attributes: {"dra.net/mtu": {int: 1500}}}]}}'
}
doc node1 >"$E2E_TMP/s1.json"
doc node2 >"$E2E_TMP/s2.json"

rv=$(k list node1 | jq -r .resourceVersion)
"$K" --kubeconfig "$K8S_KUBECONFIG" --versions v1 watch node1 6 "$rv" >"$W" 2>"$E2E_TMP/watch.err" &
wpid=$!
defer kill "$wpid"
wait_open
name=$(k create "$E2E_TMP/s1.json" | jq -r .metadata.name)
k create "$E2E_TMP/s2.json" >/dev/null
jq --arg n "$name" '.metadata.name = $n | .spec.devices[0].attributes["dra.net/mtu"].int = 9000' "$E2E_TMP/s1.json" >"$E2E_TMP/u.json"
k update "$name" "$E2E_TMP/u.json" >/dev/null
k delete "$name" >/dev/null
wait_for '.type == "DELETED"'
assert_eq "ADDED $name MODIFIED $name DELETED $name" \
	"$(jq -r 'select(.type != "BOOKMARK") | "\(.type) \(.name)"' "$W" | words)" "events of node1 only"
wait_for '.type == "BOOKMARK"' 2
last=$(jq -r 'select(.type == "DELETED") | .rv' "$W")
wait_for ".type == \"BOOKMARK\" and (.rv | tonumber) >= $last"
info "ADDED, MODIFIED, DELETED and bookmarks"

# the server ends the stream with ERROR 410: re-list, resume from the list's resourceVersion
apiserver_admin POST /expire-watches '{"error": true}' >/dev/null
wait_for '.type == "RELIST"'
wait_open
k create "$E2E_TMP/s1.json" >/dev/null
wait_for '.type == "ADDED"' 2
# the server drops the stream quietly and forgets older versions: the resume gets 410
apiserver_admin POST /expire-watches '{}' >/dev/null
wait_for '.type == "RELIST"' 2
wait_open
k create "$E2E_TMP/s1.json" >/dev/null
wait_for '.type == "ADDED"' 3
info "410 (ERROR event at the end of a stream, and on a resume): re-listed"

# the API server goes away for a second: the watch resumes from where it was
apiserver_admin POST /down '{"seconds": 1}' >/dev/null
sleep 1.5
wait_open
k create "$E2E_TMP/s1.json" >/dev/null
wait_for '.type == "ADDED"' 4
for i in $(seq 100); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.05; done
wait "$wpid" || fail "k8sc watch failed: $(cat "$E2E_TMP/watch.err")"
assert_eq 2 "$(jq -r 'select(.type == "RELIST") | .type' "$W" | wc -l)" "re-lists"
connects=$(sed -n 's/.*watch connects=//p' "$E2E_TMP/watch.err")
[ "$connects" -ge 4 ] || fail "expected 4 or more watch connections, got $connects"
info "server down for 1 s: watch resumed ($connects connections)"
