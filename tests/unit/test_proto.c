/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Golden bytes: messages encoded by the grpcio peer's own protos
 * (tests/data/grpc/NAME.hex, written by tests/peers/kubelet/kubelet.py golden)
 * against what our proto/ + protoc-c encode and decode. A wrong field number
 * on either side fails here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/base.h"
#include "proto/dra_v1.pb-c.h"
#include "proto/dra_v1beta1.pb-c.h"
#include "proto/pluginregistration.pb-c.h"
#include "t.h"

#define V1(n) K8s__Io__Kubelet__Pkg__Apis__Dra__V1__##n
#define v1(n) k8s__io__kubelet__pkg__apis__dra__v1__##n
#define B1(n) K8s__Io__Kubelet__Pkg__Apis__Dra__V1beta1__##n
#define b1(n) k8s__io__kubelet__pkg__apis__dra__v1beta1__##n

static uint8_t golden[4096];

/* Load tests/data/grpc/@name.hex into golden[]; returns the length or -1. */
static int load(const char *name)
{
	char path[256], hex[8192];
	size_t n;
	int len;

	snprintf(path, sizeof(path), "tests/data/grpc/%s.hex", name);
	len = fd_read_line(AT_FDCWD, path, hex, sizeof(hex));
	if (len < 0 || len % 2)
		return -1;
	n = (size_t)len / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		golden[i] = (uint8_t)v;
	}
	return (int)n;
}

static bool same(const char *name, const ProtobufCMessage *m)
{
	uint8_t out[4096];
	size_t n = protobuf_c_message_get_packed_size(m);
	int g = load(name);

	if (g < 0 || n > sizeof(out)) {
		T_FAIL("%s: cannot load or too big", name);
		return false;
	}
	protobuf_c_message_pack(m, out);
	if (n != (size_t)g || memcmp(out, golden, n) != 0) {
		T_FAIL("%s: our encoding (%zu bytes) differs from the peer's (%d bytes)", name, n,
		       g);
		return false;
	}
	return true;
}

static void test_registration(void)
{
	static char *versions[] = { "v1.DRAPlugin", "v1beta1.DRAPlugin" };
	Pluginregistration__PluginInfo pi = PLUGINREGISTRATION__PLUGIN_INFO__INIT;
	Pluginregistration__RegistrationStatus st = PLUGINREGISTRATION__REGISTRATION_STATUS__INIT;
	Pluginregistration__RegistrationStatus *d;
	int n;

	pi.type = "DRAPlugin";
	pi.name = "dra.net";
	pi.endpoint = "/var/lib/kubelet/plugins/dra.net/dra.sock";
	pi.n_supported_versions = 2;
	pi.supported_versions = versions;
	CHECK(same("plugininfo", &pi.base));
	st.plugin_registered = true;
	st.error = "e";
	CHECK(same("registrationstatus", &st.base));
	n = load("registrationstatus");
	REQUIRE(n > 0);
	d = pluginregistration__registration_status__unpack(NULL, (size_t)n, golden);
	REQUIRE(d);
	CHECK(d->plugin_registered);
	CHECK_STR(d->error, "e");
	pluginregistration__registration_status__free_unpacked(d, NULL);
}

static void test_dra_v1(void)
{
	V1(Claim) a = K8S__IO__KUBELET__PKG__APIS__DRA__V1__CLAIM__INIT;
	V1(Claim) b = K8S__IO__KUBELET__PKG__APIS__DRA__V1__CLAIM__INIT;
	V1(Claim) * cl[] = { &a, &b };
	V1(NodePrepareResourcesRequest)
	req = K8S__IO__KUBELET__PKG__APIS__DRA__V1__NODE_PREPARE_RESOURCES_REQUEST__INIT;
	V1(NodeUnprepareResourcesRequest)
	ureq = K8S__IO__KUBELET__PKG__APIS__DRA__V1__NODE_UNPREPARE_RESOURCES_REQUEST__INIT;
	V1(Device) dev = K8S__IO__KUBELET__PKG__APIS__DRA__V1__DEVICE__INIT;
	V1(Device) * devs[] = { &dev };
	static char *reqnames[] = { "nic" }, *cdi[] = { "dra.net/nic=eth1" };
	V1(NodePrepareResourceResponse)
	r1 = K8S__IO__KUBELET__PKG__APIS__DRA__V1__NODE_PREPARE_RESOURCE_RESPONSE__INIT;
	V1(NodePrepareResourceResponse)
	r2 = K8S__IO__KUBELET__PKG__APIS__DRA__V1__NODE_PREPARE_RESOURCE_RESPONSE__INIT;
	V1(NodePrepareResourcesResponse__ClaimsEntry)
	e1 = K8S__IO__KUBELET__PKG__APIS__DRA__V1__NODE_PREPARE_RESOURCES_RESPONSE__CLAIMS_ENTRY__INIT;
	V1(NodePrepareResourcesResponse__ClaimsEntry)
	e2 = K8S__IO__KUBELET__PKG__APIS__DRA__V1__NODE_PREPARE_RESOURCES_RESPONSE__CLAIMS_ENTRY__INIT;
	V1(NodePrepareResourcesResponse__ClaimsEntry) * ents[] = { &e1, &e2 };
	V1(NodePrepareResourcesResponse)
	resp = K8S__IO__KUBELET__PKG__APIS__DRA__V1__NODE_PREPARE_RESOURCES_RESPONSE__INIT;
	V1(NodeUnprepareResourceResponse)
	u1 = K8S__IO__KUBELET__PKG__APIS__DRA__V1__NODE_UNPREPARE_RESOURCE_RESPONSE__INIT;
	V1(NodeUnprepareResourceResponse)
	u2 = K8S__IO__KUBELET__PKG__APIS__DRA__V1__NODE_UNPREPARE_RESOURCE_RESPONSE__INIT;
	V1(NodeUnprepareResourcesResponse__ClaimsEntry)
	ue1 = K8S__IO__KUBELET__PKG__APIS__DRA__V1__NODE_UNPREPARE_RESOURCES_RESPONSE__CLAIMS_ENTRY__INIT;
	V1(NodeUnprepareResourcesResponse__ClaimsEntry)
	ue2 = K8S__IO__KUBELET__PKG__APIS__DRA__V1__NODE_UNPREPARE_RESOURCES_RESPONSE__CLAIMS_ENTRY__INIT;
	V1(NodeUnprepareResourcesResponse__ClaimsEntry) * uents[] = { &ue1, &ue2 };
	V1(NodeUnprepareResourcesResponse)
	uresp = K8S__IO__KUBELET__PKG__APIS__DRA__V1__NODE_UNPREPARE_RESOURCES_RESPONSE__INIT;
	V1(NodePrepareResourcesResponse) * d;
	int n;

	a.namespace_ = "default";
	a.uid = "0a1b-uid";
	a.name = "claim-a";
	b.namespace_ = "kube-system";
	b.uid = "2c3d-uid";
	b.name = "claim-b";
	req.n_claims = 2;
	req.claims = cl;
	CHECK(same("prepare_request_v1", &req.base));
	ureq.n_claims = 1;
	ureq.claims = cl;
	CHECK(same("unprepare_request_v1", &ureq.base));
	dev.n_request_names = 1;
	dev.request_names = reqnames;
	dev.pool_name = "node-1";
	dev.device_name = "pci-0000-00-03-0";
	dev.n_cdi_device_ids = 1;
	dev.cdi_device_ids = cdi;
	r1.n_devices = 1;
	r1.devices = devs;
	r2.error = "no such device";
	e1.key = "0a1b-uid";
	e1.value = &r1;
	e2.key = "2c3d-uid";
	e2.value = &r2;
	resp.n_claims = 2;
	resp.claims = ents;
	CHECK(same("prepare_response_v1", &resp.base));
	u2.error = "busy";
	ue1.key = "0a1b-uid";
	ue1.value = &u1;
	ue2.key = "2c3d-uid";
	ue2.value = &u2;
	uresp.n_claims = 2;
	uresp.claims = uents;
	CHECK(same("unprepare_response_v1", &uresp.base));
	/* And decoding the peer's bytes gives the fields back. */
	n = load("prepare_response_v1");
	REQUIRE(n > 0);
	d = v1(node_prepare_resources_response__unpack)(NULL, (size_t)n, golden);
	REQUIRE(d);
	REQUIRE(d->n_claims == 2);
	CHECK_STR(d->claims[0]->key, "0a1b-uid");
	REQUIRE(d->claims[0]->value && d->claims[0]->value->n_devices == 1);
	CHECK_STR(d->claims[0]->value->devices[0]->pool_name, "node-1");
	CHECK_STR(d->claims[0]->value->devices[0]->device_name, "pci-0000-00-03-0");
	CHECK_STR(d->claims[0]->value->devices[0]->request_names[0], "nic");
	CHECK_STR(d->claims[0]->value->devices[0]->cdi_device_ids[0], "dra.net/nic=eth1");
	CHECK_STR(d->claims[1]->value->error, "no such device");
	v1(node_prepare_resources_response__free_unpacked)(d, NULL);
}

/* v1beta1: decode the peer's bytes with our v1beta1 descriptors, check, re-encode. */
static void test_dra_v1beta1(void)
{
	B1(NodePrepareResourcesRequest) * req;
	B1(NodeUnprepareResourcesResponse) * uresp;
	B1(NodePrepareResourcesResponse) * resp;
	B1(NodeUnprepareResourcesRequest) * ureq;
	int n;

	n = load("prepare_request_v1beta1");
	REQUIRE(n > 0);
	req = b1(node_prepare_resources_request__unpack)(NULL, (size_t)n, golden);
	REQUIRE(req && req->n_claims == 2);
	CHECK_STR(req->claims[1]->namespace_, "kube-system");
	CHECK_STR(req->claims[1]->uid, "2c3d-uid");
	CHECK_STR(req->claims[1]->name, "claim-b");
	CHECK(same("prepare_request_v1beta1", &req->base));
	b1(node_prepare_resources_request__free_unpacked)(req, NULL);
	n = load("prepare_response_v1beta1");
	REQUIRE(n > 0);
	resp = b1(node_prepare_resources_response__unpack)(NULL, (size_t)n, golden);
	REQUIRE(resp && resp->n_claims == 2);
	CHECK_STR(resp->claims[1]->value->error, "no such device");
	CHECK(same("prepare_response_v1beta1", &resp->base));
	b1(node_prepare_resources_response__free_unpacked)(resp, NULL);
	n = load("unprepare_request_v1beta1");
	REQUIRE(n > 0);
	ureq = b1(node_unprepare_resources_request__unpack)(NULL, (size_t)n, golden);
	REQUIRE(ureq && ureq->n_claims == 1);
	CHECK_STR(ureq->claims[0]->uid, "0a1b-uid");
	CHECK(same("unprepare_request_v1beta1", &ureq->base));
	b1(node_unprepare_resources_request__free_unpacked)(ureq, NULL);
	n = load("unprepare_response_v1beta1");
	REQUIRE(n > 0);
	uresp = b1(node_unprepare_resources_response__unpack)(NULL, (size_t)n, golden);
	REQUIRE(uresp && uresp->n_claims == 2);
	CHECK_STR(uresp->claims[1]->value->error, "busy");
	CHECK(same("unprepare_response_v1beta1", &uresp->base));
	b1(node_unprepare_resources_response__free_unpacked)(uresp, NULL);
}

int main(void)
{
	static const struct t_case tests[] = {
		{ "registration", test_registration },
		{ "dra_v1", test_dra_v1 },
		{ "dra_v1beta1", test_dra_v1beta1 },
	};

	return t_run(tests, ARRAY_SIZE(tests));
}
