#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# lib/k8s against the API server peer (tests/peers/k8s), through tests/tools/k8sc:
# authentication (kubeconfig token file, client certificate, inline data, in-cluster),
# discovery, ResourceSlice create/list/update/409/delete, Node GET, Events, claim status
# by server-side apply next to another driver's entry, and requests queued together on
# one kept-alive connection beside a watch, driven by one epoll loop.
set -eu
. "$(dirname "$0")/lib.sh"
K=$O/tests/tools/k8sc
[ -x "$K" ] || fail "$K not built"
apiserver_start "$E2E_TMP/p" --quiet --gc-delay -1
D=$E2E_TMP/p
KC=$K8S_KUBECONFIG
SA=system:serviceaccount:kube-system:dranet
k() { "$K" --kubeconfig "$KC" "$@" 2>>"$E2E_TMP/k8sc.err"; }
last_user() { apiserver_admin GET /log | jq -r '.[-1].user'; }

# ------------------------------------------------------------ auth and discovery
assert_eq '{"version":"v1"}' "$(k discover)" "discovery (all versions served)"
assert_eq "$SA" "$(last_user)" "token file user"
assert_eq '[]' "$(k --context admin list node1 | jq -c .items)" "client certificate"
assert_eq admin "$(last_user)" "client certificate user"
assert_eq '[]' "$("$K" --kubeconfig "$(jq -r .kubeconfig_inline "$D/state")" list node1 | jq -c .items)" "inline data"
# in-cluster: environment + a service-account directory under a temporary root
R=$E2E_TMP/root
mkdir -p "$R/var/run/secrets/kubernetes.io/serviceaccount"
cp "$K8S_TOKEN_FILE" "$R/var/run/secrets/kubernetes.io/serviceaccount/token"
cp "$K8S_CA" "$R/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
out=$(KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$K8S_PORT "$K" --in-cluster "$R" list node1)
assert_eq '[]' "$(jq -c .items <<<"$out")" "in-cluster"
assert_eq "$SA" "$(last_user)" "in-cluster user"
# a wrong CA is refused, with Go's words, and not retried
sed "s#certificate-authority: .*#certificate-authority: $D/tls/other-ca.crt#" "$KC" >"$E2E_TMP/kc-other"
out=$("$K" --kubeconfig "$E2E_TMP/kc-other" --versions v1 list node1 2>&1) && fail "other CA accepted"
assert_contains "$out" "x509: certificate signed by unknown authority"
assert_contains "$out" "attempts=1"
# insecure-skip-tls-verify: works with any certificate, and says so loudly, once per client
sed "s#certificate-authority: .*#insecure-skip-tls-verify: true#" "$KC" >"$E2E_TMP/kc-insecure"
out=$("$K" --kubeconfig "$E2E_TMP/kc-insecure" --repeat 2 list node1 2>"$E2E_TMP/insecure.err")
assert_eq "[] []" "$(jq -c .items <<<"$out" | words)" "insecure mode"
assert_eq 1 "$(grep -c 'level=warn .*INSECURE' "$E2E_TMP/insecure.err")" "insecure warning once"
info "auth: token file, client certificate, inline, in-cluster; wrong CA refused; insecure warns"

# ------------------------------------------------------------ slices
apiserver_admin POST /objects '{"apiVersion":"v1","kind":"Node","metadata":{"name":"node1"},
	"status":{"addresses":[{"type":"InternalIP","address":"192.0.2.10"},{"type":"Hostname","address":"node1"}]}}' >/dev/null
node=$(k node node1)
uid=$(apiserver_admin GET /dump | jq -r '.objects.nodes[] | select(.metadata.name == "node1") | .metadata.uid')
assert_eq "$uid" "$(jq -r .uid <<<"$node")" "node uid"
assert_eq '[{"type":"InternalIP","address":"192.0.2.10"},{"type":"Hostname","address":"node1"}]' \
	"$(jq -c .addresses <<<"$node")" "node addresses"
assert_eq ENOENT "$(k node nosuch | jq -r .error)" "missing node"

jq -n --arg uid "$uid" '{apiVersion: "resource.k8s.io/v1", kind: "ResourceSlice",
	metadata: {generateName: "node1-dra.net-",
		ownerReferences: [{apiVersion: "v1", kind: "Node", name: "node1", uid: $uid, controller: true}]},
	spec: {driver: "dra.net", nodeName: "node1", pool: {name: "node1", generation: 1, resourceSliceCount: 1},
		devices: [{name: "eth1", attributes: {"dra.net/ifName": {string: "eth1"}, "dra.net/mtu": {int: 1500}}}]}}' \
	>"$E2E_TMP/s1.json"
created=$(k create "$E2E_TMP/s1.json")
name=$(jq -r .metadata.name <<<"$created")
rv1=$(jq -r .metadata.resourceVersion <<<"$created")
case $name in node1-dra.net-?????) ;; *) fail "generateName not used: $name" ;; esac
# another node's and another driver's slices are not listed
jq '.metadata.generateName = "node2-dra.net-" | .spec.nodeName = "node2" | .spec.pool.name = "node2"
	| del(.metadata.ownerReferences)' "$E2E_TMP/s1.json" >"$E2E_TMP/s-node2.json"
jq '.spec.driver = "other.example.com" | del(.metadata.ownerReferences)' "$E2E_TMP/s1.json" >"$E2E_TMP/s-other.json"
k create "$E2E_TMP/s-node2.json" >/dev/null
k create "$E2E_TMP/s-other.json" >/dev/null
assert_eq "$name" "$(k list node1 | jq -r '[.items[].metadata.name] | join(" ")')" "list by node and driver"
# update with the current resourceVersion
jq --arg n "$name" --arg rv "$rv1" '.metadata.name = $n | .metadata.resourceVersion = $rv
	| .spec.devices[0].attributes["dra.net/mtu"].int = 9000' "$E2E_TMP/s1.json" >"$E2E_TMP/s2.json"
out=$(k update "$name" "$E2E_TMP/s2.json")
assert_eq 9000 "$(jq '.spec.devices[0].attributes["dra.net/mtu"].int' <<<"$out")" "update"
rv2=$(jq -r .metadata.resourceVersion <<<"$out")
# the same document again carries a stale resourceVersion: 409, re-read, resent
jq '.spec.devices[0].attributes["dra.net/mtu"].int = 1400' "$E2E_TMP/s2.json" >"$E2E_TMP/s3.json"
apiserver_admin POST /counters/reset >/dev/null
out=$(k --versions v1 update "$name" "$E2E_TMP/s3.json")
assert_eq 1400 "$(jq '.spec.devices[0].attributes["dra.net/mtu"].int' <<<"$out")" "update after 409"
assert_ne "$rv2" "$(jq -r .metadata.resourceVersion <<<"$out")" "new resourceVersion"
assert_eq '{"get":1,"update":2}' "$(apiserver_admin GET /counters | jq -cS --arg u "$SA" '.verbs[$u].resourceslices')" \
	"409 → GET → PUT"
# delete with preconditions: a stale resourceVersion is refused, the right one works
uidS=$(jq -r .metadata.uid <<<"$out")
assert_eq ESTALE "$(k delete "$name" "$uidS" "$rv1" | jq -r .error)" "delete with a stale resourceVersion"
assert_eq "{\"deleted\":\"$name\"}" "$(k delete "$name" "$uidS" "$(jq -r .metadata.resourceVersion <<<"$out")")" "delete"
assert_eq 0 "$(k list node1 | jq '.items | length')" "deleted"
assert_eq ENOENT "$(k delete "$name" | jq -r .error)" "delete again"
info "slices: create, list by selector, update, 409 re-read, delete with preconditions"

# ------------------------------------------------------------ events, claim status (SSA)
jq -n '{apiVersion: "v1", kind: "Event", metadata: {generateName: "node1."},
	involvedObject: {kind: "Node", name: "node1"}, reason: "Published", type: "Normal", message: "k8sc"}' >"$E2E_TMP/ev.json"
assert_eq default "$(k event default "$E2E_TMP/ev.json" | jq -r .metadata.namespace)" "event created"

apiserver_admin POST /objects '{"apiVersion":"resource.k8s.io/v1","kind":"ResourceClaim",
	"metadata":{"name":"c1","namespace":"ns1"},
	"spec":{"devices":{"requests":[{"name":"req","exactly":{"deviceClassName":"dra.net"}}]}},
	"status":{"allocation":{"devices":{"results":[
		{"request":"req","driver":"dra.net","pool":"node1","device":"eth1"},
		{"request":"req","driver":"gpu.example.com","pool":"node1","device":"gpu0"}]}}}}' >/dev/null
entry() { # entry DRIVER DEVICE IP
	jq -nc --arg d "$1" --arg dev "$2" --arg ip "$3" '{driver: $d, pool: "node1", device: $dev,
		conditions: [{type: "Ready", status: "True", reason: "NetworkReady",
			lastTransitionTime: "2026-12-01T10:00:00Z", message: ""}],
		networkData: {interfaceName: "net1", ips: [$ip], hardwareAddress: "aa:bb:cc:dd:ee:ff"}}'
}
# the other driver applies its entry first (as itself, with the admin certificate)
jq -n --argjson e "$(entry gpu.example.com gpu0 192.0.2.99/24)" '{apiVersion: "resource.k8s.io/v1",
	kind: "ResourceClaim", metadata: {name: "c1", namespace: "ns1"}, status: {devices: [$e]}}' >"$E2E_TMP/gpu.json"
code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$K8S_CA" --cert "$D/tls/admin.crt" --key "$D/tls/admin.key" \
	-X PATCH -H 'Content-Type: application/apply-patch+yaml' --data @"$E2E_TMP/gpu.json" \
	"$K8S_URL/apis/resource.k8s.io/v1/namespaces/ns1/resourceclaims/c1/status?fieldManager=gpu.example.com")
assert_eq 200 "$code" "other driver's apply"
jq -n --argjson e "$(entry dra.net eth1 192.0.2.5/24)" '[$e]' >"$E2E_TMP/ours.json"
out=$(k apply-status ns1 c1 "$E2E_TMP/ours.json")
assert_eq "dra.net gpu.example.com" "$(jq -r '[.status.devices[].driver] | sort | join(" ")' <<<"$out")" "both entries"
jq -n --argjson e "$(entry dra.net eth1 192.0.2.6/24)" '[$e]' >"$E2E_TMP/ours2.json"
k apply-status ns1 c1 "$E2E_TMP/ours2.json" >/dev/null
out=$(k claim ns1 c1)
assert_eq '192.0.2.6/24 192.0.2.99/24' "$(jq -r '[.status.devices[].networkData.ips[]] | sort | join(" ")' <<<"$out")" \
	"re-apply keeps the other entry"
assert_eq '["dra.net","gpu.example.com"]' "$(jq -c '[.metadata.managedFields[] | select(.operation == "Apply") | .manager] | sort' <<<"$out")" \
	"field managers"
# a claim watch from the current state: the claim comes as ADDED
assert_eq '{"type":"ADDED","name":"c1","rv":"'"$(jq -r .metadata.resourceVersion <<<"$out")"'"}' \
	"$(k watch-claims ns1 1)" "claim watch"
# an entry of another driver is refused before anything is sent
jq -n --argjson e "$(entry gpu.example.com gpu0 192.0.2.7/24)" '[$e]' >"$E2E_TMP/theirs.json"
must_fail k apply-status ns1 c1 "$E2E_TMP/theirs.json"
info "events create; claim status apply keeps another driver's entry"

# ------------------------------------------------------------ the driver's shape: one epoll loop
# 7 lists and a create queued at once on the request connection, a slice watch on its own:
# all answered on one kept-alive connection, and the watch sees the create
before=$(apiserver_admin GET /counters | jq .connections.accepted)
out=$(k --versions v1 loop node1 8 "$E2E_TMP/s1.json")
assert_eq '{"done":8,"failed":0,"watch_saw_create":true}' "$out" "8 requests and a watch in one loop"
assert_eq $((before + 2)) "$(apiserver_admin GET /counters | jq .connections.accepted)" \
	"one kept-alive connection for the requests, one for the watch"
info "one epoll loop: 8 queued requests on one connection, a watch beside them"
