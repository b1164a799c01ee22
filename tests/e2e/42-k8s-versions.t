#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# lib/k8s's resource.k8s.io version choice (protocols.md §5.1: v1, else v1beta2, else
# v1beta1) and the ResourceSlice shapes it sends and reads: against peers serving only
# v1beta1, only v1beta2 and only v1. The peer validates v1beta1 documents by its own rules
# and stores the v1 shape, so attributes lost in conversion would show in /dump.
set -eu
. "$(dirname "$0")/lib.sh"
K=$O/tests/tools/k8sc
[ -x "$K" ] || fail "$K not built"

slice_doc() {
	jq -n '{apiVersion: "resource.k8s.io/v1", kind: "ResourceSlice", metadata: {generateName: "node1-dra.net-"},
		spec: {driver: "dra.net", nodeName: "node1", pool: {name: "node1", generation: 1, resourceSliceCount: 1},
			devices: [{name: "eth1", attributes: {"dra.net/ifName": {string: "eth1"}, "dra.net/mtu": {int: 1500},
				"dra.net/rdma": {bool: false}}},
				{name: "eth2", attributes: {"dra.net/ifName": {string: "eth2"}}}]}}'
}
slice_doc >"$E2E_TMP/s.json"
ATTRS='{"dra.net/ifName":{"string":"eth1"},"dra.net/mtu":{"int":1500},"dra.net/rdma":{"bool":false}}'

for v in v1beta1 v1beta2 v1; do
	apiserver_start "$E2E_TMP/$v" --quiet --gc-delay -1 --versions "$v"
	k() { "$K" --kubeconfig "$K8S_KUBECONFIG" "$@" 2>>"$E2E_TMP/k8sc.err"; }
	assert_eq "{\"version\":\"$v\"}" "$(k discover)" "discovery on a $v-only server"
	out=$(k create "$E2E_TMP/s.json")
	name=$(jq -r .metadata.name <<<"$out")
	# what went over the wire: the shape of the version
	sent=$(apiserver_admin GET /log | jq -c '[.[] | select(.method == "POST")][-1]')
	assert_eq "/apis/resource.k8s.io/$v/resourceslices" "$(jq -r .path <<<"$sent")" "$v path"
	assert_eq "resource.k8s.io/$v" "$(jq -r .body.apiVersion <<<"$sent")" "$v apiVersion"
	assert_eq 201 "$(jq -r .code <<<"$sent")" "$v create accepted"
	if [ "$v" = v1beta1 ]; then
		assert_eq "$ATTRS" "$(jq -cS '.body.spec.devices[0].basic.attributes' <<<"$sent")" "v1beta1 devices[].basic"
		assert_eq null "$(jq -c '.body.spec.devices[0].attributes' <<<"$sent")" "no flat attributes in v1beta1"
	else
		assert_eq "$ATTRS" "$(jq -cS '.body.spec.devices[0].attributes' <<<"$sent")" "$v flat device"
	fi
	# read back: converted to the v1 shape by the client; stored intact by the server
	assert_eq "$ATTRS" "$(jq -cS '.spec.devices[0].attributes' <<<"$out")" "$v answer in v1 shape"
	stored=$(apiserver_admin GET "/dump?resource=resource.k8s.io/resourceslices" | jq -c '.objects[][0]')
	assert_eq "$ATTRS" "$(jq -cS '.spec.devices[0].attributes' <<<"$stored")" "$v stored attributes"
	assert_eq "eth1 eth2" "$(k list node1 | jq -r '[.items[0].spec.devices[].name] | join(" ")')" "$v list"
	jq --arg n "$name" '.metadata.name = $n | .spec.devices[1].attributes["dra.net/mtu"] = {int: 9000}' \
		"$E2E_TMP/s.json" >"$E2E_TMP/u.json"
	out=$(k update "$name" "$E2E_TMP/u.json")
	assert_eq 9000 "$(jq '.spec.devices[1].attributes["dra.net/mtu"].int' <<<"$out")" "$v update"
	assert_eq "{\"deleted\":\"$name\"}" "$(k delete "$name")" "$v delete"
	# a version the server does not serve, forced: 404
	other=v1
	[ "$v" != v1 ] || other=v1beta1
	assert_eq ENOENT "$(k --versions "$other" list node1 | jq -r .error)" "$other on a $v-only server"
	info "$v: discovered, documents in its shape, stored intact"
done
