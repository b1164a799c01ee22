// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the decoding of DRA NodePrepareResourcesRequest, v1 and v1beta1 (the
 * same bytes through both packages' descriptors must decode the same way).
 */
#include <stdint.h>

#include "pb_call.h"
#include "proto/dra_v1.pb-c.h"
#include "proto/dra_v1beta1.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WALK(V, v)                                                                                 \
	static int walk_##v(void *ctx, struct grpc_call *call, const void *req_, void **resp,      \
			    const char **why)                                                      \
	{                                                                                          \
		static K8s__Io__Kubelet__Pkg__Apis__Dra__##V##__NodePrepareResourcesResponse r;    \
		const K8s__Io__Kubelet__Pkg__Apis__Dra__##V##__NodePrepareResourcesRequest *req =  \
			req_;                                                                      \
		size_t *n = ctx;                                                                   \
                                                                                                   \
		(void)call;                                                                        \
		(void)why;                                                                         \
		k8s__io__kubelet__pkg__apis__dra__##v##__node_prepare_resources_response__init(    \
			&r);                                                                       \
		*n = req->n_claims;                                                                \
		for (size_t i = 0; i < req->n_claims; i++)                                         \
			*n += pb_walk_str(req->claims[i]->namespace_) +                            \
			      pb_walk_str(req->claims[i]->uid) +                                   \
			      pb_walk_str(req->claims[i]->name);                                   \
		*resp = &r;                                                                        \
		return 0;                                                                          \
	}

WALK(V1, v1)
WALK(V1beta1, v1beta1)

static const struct grpc_method methods[] = {
	{ "/k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin/NodePrepareResources",
	  &k8s__io__kubelet__pkg__apis__dra__v1__node_prepare_resources_request__descriptor,
	  &k8s__io__kubelet__pkg__apis__dra__v1__node_prepare_resources_response__descriptor,
	  walk_v1 },
	{ "/k8s.io.kubelet.pkg.apis.dra.v1beta1.DRAPlugin/NodePrepareResources",
	  &k8s__io__kubelet__pkg__apis__dra__v1beta1__node_prepare_resources_request__descriptor,
	  &k8s__io__kubelet__pkg__apis__dra__v1beta1__node_prepare_resources_response__descriptor,
	  walk_v1beta1 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n1 = 0, n2 = 0;
	struct grpc_server s1 = { methods, 2, &n1, NULL }, s2 = { methods, 2, &n2, NULL };
	int st1 = pb_run(&s1, methods[0].path, data, size);
	int st2 = pb_run(&s2, methods[1].path, data, size);

	if (st1 != st2 || n1 != n2)
		abort();
	return 0;
}
