// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the decoders of what the API server sends (lib/k8s, all lenient):
 * Status bodies, lists, the discovery APIGroup, Nodes; and the ResourceSlice
 * shape conversion, which must round-trip v1 → v1beta1 → v1 exactly.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "json/json.h"
#include "k8s/k8s.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void slice_roundtrip(const char *text, size_t n)
{
	struct json *v = NULL, *b1 = NULL, *back = NULL;
	struct buf p1, p2;
	const char *av = NULL;
	int ret;

	if (json_parse(text, n, &v, NULL))
		return;
	ret = k8s_slice_to_version(v, K8S_RES_V1BETA1, &b1);
	if (ret && ret != -EINVAL && ret != -ENOMEM)
		abort();
	if (!ret) {
		ret = k8s_slice_to_v1(b1, K8S_RES_V1BETA1, &back);
		if (ret && ret != -ENOMEM)
			abort();
	}
	if (back && !json_get_string(json_get(v, "apiVersion"), &av) &&
	    strcmp(av, "resource.k8s.io/v1") == 0) {
		buf_init(&p1, 1u << 24);
		buf_init(&p2, 1u << 24);
		if (json_print(v, JSON_COMPACT, &p1) == 0 &&
		    json_print(back, JSON_COMPACT, &p2) == 0 &&
		    (p1.len != p2.len || memcmp(p1.p, p2.p, p1.len)))
			abort();
		buf_fini(&p1);
		buf_fini(&p2);
	}
	json_free(back);
	json_free(b1);
	json_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct arena *a = arena_new(1u << 22);
	struct k8s_status st;
	struct k8s_list l;
	struct k8s_node node;
	struct json *tree = NULL;
	int ret;

	if (!a)
		abort();
	ret = k8s_status_parse(text, size, a, &st);
	if (ret != 0 && ret != -EBADMSG && ret != -ENOMEM)
		abort();
	if (!ret && (!st.message || !st.reason || !st.status))
		abort();
	ret = k8s_list_decode(text, size, a, &l, &tree);
	if (ret != 0 && ret != -EBADMSG && ret != -ENOMEM)
		abort();
	if (!ret && (!tree || (l.count && !l.items)))
		abort();
	json_free(tree);
	ret = k8s_discovery_pick(text, size);
	if (ret != -ENOENT && ret != -EBADMSG && ret != -ENOMEM &&
	    (ret < K8S_RES_V1 || ret > K8S_RES_V1BETA1))
		abort();
	ret = k8s_node_decode(text, size, a, &node);
	if (ret != 0 && ret != -EBADMSG && ret != -ENOMEM)
		abort();
	if (!ret && (!node.meta.name || !node.meta.uid))
		abort();
	slice_roundtrip(text, size);
	arena_free(a);
	return 0;
}
