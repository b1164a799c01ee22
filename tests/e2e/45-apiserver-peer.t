#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The API server test peer (tests/peers/k8s/apiserver.py), checked before any test trusts it:
# tests/peers/k8s/test_apiserver.py drives it with Python's http.client (CRUD, 409, 422,
# watch with bookmarks and 410, server-side apply, RBAC 403, token rotation, faults), then
# curl, a second independent client, checks the TLS and auth basics and a watch stream.
set -eu
. "$(dirname "$0")/lib.sh"
for c in curl openssl node; do command -v "$c" >/dev/null || fail "$c missing (toolchain/setup.sh)"; done

/usr/bin/python3 tests/peers/k8s/test_apiserver.py "$E2E_TMP/py" || fail "test_apiserver.py"

# ------------------------------------------------------------ curl
apiserver_start "$E2E_TMP/curl" --bookmark-interval 0.2 --gc-delay 0.5 --quiet
D=$E2E_TMP/curl
URL=$K8S_URL
TOKEN=$(cat "$K8S_TOKEN_FILE")
CA=$K8S_CA
S=/apis/resource.k8s.io/v1/resourceslices
k() { curl -sS --cacert "$CA" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }
code() { curl -sS -o /dev/null -w '%{http_code}' --cacert "$CA" "$@"; }

assert_eq 401 "$(code "$URL$S")" "anonymous"
assert_eq 200 "$(code -H "Authorization: Bearer $TOKEN" "$URL$S")" "token"
assert_eq 200 "$(code --cert "$D/tls/admin.crt" --key "$D/tls/admin.key" "$URL$S")" "client certificate"
# both SANs verify; a wrong CA is refused by curl's own verification
assert_eq 200 "$(code -H "Authorization: Bearer $TOKEN" --resolve "localhost:${URL##*:}:127.0.0.1" \
	"https://localhost:${URL##*:}$S")" "DNS SAN"
must_fail curl -sS --cacert "$D/tls/other-ca.crt" "$URL$S"
openssl verify -CAfile "$CA" "$D/tls/server.crt" >/dev/null || fail "server cert does not verify"
assert_contains "$(openssl verify -CAfile "$CA" "$D/tls/expired.crt" 2>&1 || true)" "certificate has expired"

doc() { # doc NODE NDEVICES
	jq -nc --arg n "$1" --argjson k "$2" '{apiVersion: "resource.k8s.io/v1", kind: "ResourceSlice",
		metadata: {generateName: "\($n)-dra.net-"},
		spec: {driver: "dra.net", nodeName: $n, pool: {name: $n, generation: 1, resourceSliceCount: 1},
			devices: [range($k) | {name: "d\(.)", attributes: {"dra.net/ifName": {string: "d\(.)"}}}]}}'
}
RV=$(k "$URL$S" | jq -r .metadata.resourceVersion)
k -N --max-time 1 "$URL$S?watch=1&allowWatchBookmarks=true&resourceVersion=$RV" >"$D/watch" &
wpid=$!
sleep 0.3
out=$(k -X POST --data "$(doc node1 128)" "$URL$S")
assert_eq 128 "$(jq '.spec.devices | length' <<<"$out")" "128 devices accepted"
name=$(jq -r .metadata.name <<<"$out")
out=$(k -X POST --data "$(doc node1 129)" "$URL$S")
assert_eq 422 "$(jq .code <<<"$out")" "129 devices"
assert_eq "spec.devices" "$(jq -r '.details.causes[0].field' <<<"$out")"
long=$(doc node1 1 | jq -c '.spec.devices[0].attributes["dra.net/ifName"].string = ("x" * 65)')
out=$(k -X POST --data "$long" "$URL$S")
assert_eq "spec.devices[0].attributes[dra.net/ifName].string" "$(jq -r '.details.causes[0].field' <<<"$out")"
wait "$wpid" || true
assert_eq "ADDED $name" "$(jq -r 'select(.type == "ADDED") | "\(.type) \(.object.metadata.name)"' "$D/watch")"
[ "$(jq -r 'select(.type == "BOOKMARK") | .type' "$D/watch" | wc -l)" -ge 2 ] || fail "no bookmarks: $(cat "$D/watch")"
# counters through the control interface
assert_eq 3 "$(apiserver_writes system:serviceaccount:kube-system:dranet)" "writes counted"
apiserver_admin POST /faults '{"kind": "status", "code": 503, "count": 1, "retry_after": 3}' >/dev/null
assert_eq 503 "$(code -H "Authorization: Bearer $TOKEN" "$URL$S")" "injected 503"
assert_eq 0 "$(apiserver_admin GET /faults | jq '.faults | length')" "fault used up"
info "curl checks passed"

# the certificates a TLS test serves instead: expired, and signed by another CA
for variant in expired other; do
	apiserver_start "$E2E_TMP/$variant" --quiet --no-schema --server-cert "$D/tls/$variant.crt"
	out=$(curl -sS --cacert "$D/tls/ca.crt" "$K8S_URL/version" 2>&1) && fail "$variant certificate accepted"
	case $variant in
	expired) assert_contains "$out" "certificate has expired" ;;
	other) assert_contains "$out" "unable to get local issuer certificate" ;;
	esac
done
info "certificate variants refused"
