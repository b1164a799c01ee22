#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# lib/k8s under faults injected by the API server peer: a rotated token (401 → the token
# file re-read, the request retried once), 429 with Retry-After, 500/503, dropped
# connections, the server down for two seconds, and upstream's ClusterRole (403 on pods,
# reported once, while slices keep working).
set -eu
. "$(dirname "$0")/lib.sh"
K=$O/tests/tools/k8sc
[ -x "$K" ] || fail "$K not built"
apiserver_start "$E2E_TMP/p" --quiet --gc-delay -1 --no-schema
D=$E2E_TMP/p
ERR=$E2E_TMP/k8sc.err
k() { "$K" --kubeconfig "$K8S_KUBECONFIG" --versions v1 "$@" 2>"$ERR"; }
attempts() { sed -n 's/^k8sc: attempts=//p' "$ERR" | tail -1; }
ms() { date +%s%3N; }
fault() { apiserver_admin POST /faults "$1" >/dev/null; }

# ------------------------------------------------------------ 401 after a token rotation
old=$(cat "$K8S_TOKEN_FILE")
out=$(k --repeat 2 --between "curl -sS -X POST -d '{}' $K8S_ADMIN/rotate-token >/dev/null" list node1)
assert_eq "[] []" "$(jq -c .items <<<"$out" | words)" "both lists answered"
assert_ne "$old" "$(cat "$K8S_TOKEN_FILE")" "token rotated"
assert_contains "$(cat "$ERR")" 'msg="api answered 401, token re-read" changed=1'
assert_eq "200 401 200" "$(apiserver_admin GET /log | jq -r '[.[] | select(.verb == "list")][-3:] | map(.code) | join(" ")')" \
	"401, then the new token"
# an inline token cannot be re-read: the 401 is the answer
inline=$(jq -r .kubeconfig_inline "$D/state")
apiserver_admin POST /rotate-token '{}' >/dev/null
out=$("$K" --kubeconfig "$inline" --versions v1 list node1 2>"$ERR") && fail "stale inline token accepted"
assert_eq EPERM "$(jq -r .error <<<"$out")" "inline token after rotation"
assert_eq 1 "$(attempts)" "401 without a token file is not retried"
info "401: token file re-read and retried once; inline token refused"

# ------------------------------------------------------------ 429, 5xx, dropped connections
fault '{"kind": "status", "code": 429, "count": 1, "retry_after": 1, "path_prefix": "/apis/resource.k8s.io/v1/resourceslices"}'
t0=$(ms)
k list node1 >/dev/null
t1=$(ms)
assert_eq 2 "$(attempts)" "429 retried"
[ $((t1 - t0)) -ge 950 ] || fail "Retry-After: 1 not honoured: $((t1 - t0)) ms"
fault '{"kind": "status", "code": 500, "count": 2}'
k list node1 >/dev/null
assert_eq 3 "$(attempts)" "500 twice, then 200"
fault '{"kind": "status", "code": 503, "count": 1, "retry_after": 0}'
k list node1 >/dev/null
assert_eq 2 "$(attempts)" "503 retried"
fault '{"kind": "status", "code": 500, "count": -1}'
out=$(k --attempts 3 list node1) && fail "a server failing forever succeeded"
assert_eq EIO "$(jq -r .error <<<"$out")" "500 forever"
assert_eq "Internal error occurred: injected fault" "$(jq -r .message <<<"$out")" "Status message"
assert_eq 3 "$(attempts)" "bounded"
apiserver_admin DELETE /faults >/dev/null
# a connection dropped instead of an answer: a GET is resent, a POST is not (it may have
# been done)
fault '{"kind": "close", "count": 1, "method": "GET"}'
k list node1 >/dev/null
assert_eq 2 "$(attempts)" "GET after a dropped connection"
jq -n '{apiVersion: "resource.k8s.io/v1", kind: "ResourceSlice", metadata: {generateName: "node1-dra.net-"},
	spec: {driver: "dra.net", nodeName: "node1", pool: {name: "node1", generation: 1, resourceSliceCount: 1},
		devices: []}}' >"$E2E_TMP/s.json"
fault '{"kind": "close", "count": 1, "method": "POST"}'
out=$(k create "$E2E_TMP/s.json") && fail "POST on a dropped connection succeeded"
assert_eq 1 "$(attempts)" "POST not resent"
apiserver_admin POST /drop '{"count": 2, "mode": "rst"}' >/dev/null
k list node1 >/dev/null
[ "$(attempts)" -ge 2 ] || fail "connections reset before TLS: $(attempts) attempts"
info "429 Retry-After, 500, 503 and dropped connections retried (bounded); POST not resent"

# ------------------------------------------------------------ the server down for 2 s
apiserver_admin POST /down '{"seconds": 2}' >/dev/null
t0=$(ms)
k list node1 >/dev/null || fail "list while the server was down: $(cat "$ERR")"
t1=$(ms)
[ "$(attempts)" -ge 2 ] || fail "no retry while down"
[ $((t1 - t0)) -ge 1500 ] || fail "answered after $((t1 - t0)) ms while the server was down"
assert_contains "$(cat "$ERR")" "Connection refused"
info "server down for 2 s: retried ($(attempts) attempts, $((t1 - t0)) ms)"

# ------------------------------------------------------------ upstream's ClusterRole
apiserver_admin POST /rbac "{\"file\": \"$PWD/tests/peers/k8s/rbac-upstream.yaml\"}" >/dev/null
out=$(k --repeat 3 pod default p1) && fail "pods allowed under upstream's ClusterRole"
assert_eq "EACCES EACCES EACCES" "$(jq -r .error <<<"$out" | words)" "403 → EACCES"
assert_contains "$(jq -r .message <<<"$out" | head -1)" 'cannot get resource "pods"'
assert_eq 1 "$(grep -c 'msg="api access denied, falling back"' "$ERR")" "403 reported once"
# upstream's role has no claim list/watch either
assert_eq '{"error":"EACCES"}' "$(k watch-claims ns1 1)" "claim watch → EACCES"
assert_contains "$(cat "$ERR")" 'rbac="watch resourceclaims"'
name=$(k create "$E2E_TMP/s.json" | jq -r .metadata.name)
assert_eq "$name" "$(k list node1 | jq -r '[.items[].metadata.name] | join(" ")' | tr ' ' '\n' | grep -x "$name")" \
	"slices still work"
info "upstream ClusterRole: pods get and claim watch → EACCES reported once; slices work"
