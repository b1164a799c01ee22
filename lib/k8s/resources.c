// SPDX-License-Identifier: Apache-2.0
/*
 * lib/k8s/resources: the calls dranet makes to the API server (k8s.h
 * "resources"), as struct k8s_call builders for k8s_req_start() (the loop)
 * or k8s_do() (blocking): ResourceSlices (protocols.md §5.2, §5.3), Node,
 * Pod, ResourceClaim and its status by server-side apply (§5.6), core/v1
 * Events; and the lenient decoders of what comes back (Node, lists).
 */
#include "k8s/k8s.h"

#include <errno.h>
#include <stdio.h>

#include "http/http.h"
#include "json/json.h"

#define GROUP "resource.k8s.io"

/* @doc printed compactly into @a. */
static int print_body(const struct json *doc, struct arena *a, struct k8s_call *call)
{
	struct buf b;
	int ret;

	buf_init(&b, HTTP_REQUEST_MAX);
	ret = json_print(doc, JSON_COMPACT, &b);
	if (!ret) {
		call->body = arena_dup(a, b.p, b.len + 1);
		call->body_len = b.len;
		if (!call->body)
			ret = -ENOMEM;
	}
	buf_fini(&b);
	return ret;
}

static int target(struct k8s_client *c, struct arena *a, struct k8s_call *call,
		  const char *const *segs, size_t n, const struct k8s_query *q, size_t nq)
{
	struct buf b;
	int ret;

	buf_init(&b, K8S_TARGET_MAX + 1);
	ret = k8s_target(&b, k8s_client_config(c)->base_path, segs, n, q, nq);
	if (!ret) {
		call->target = arena_strdup(a, b.p);
		if (!call->target)
			ret = -ENOMEM;
	}
	buf_fini(&b);
	return ret;
}

static const char *version(struct k8s_client *c)
{
	return k8s_res_version_name(k8s_client_version(c));
}

static void init_call(struct k8s_call *call, const char *method, const char *verb,
		      const char *resource)
{
	memset(call, 0, sizeof(*call));
	call->method = method;
	call->verb = verb;
	call->resource = resource;
	call->idempotent = strcmp(method, "POST") != 0;
}

int k8s_call_slices_list(struct k8s_client *c, const char *node, const char *driver,
			 struct arena *a, struct k8s_call *call)
{
	const char *segs[] = { "apis", GROUP, version(c), "resourceslices" };
	struct k8s_query q[] = { { "fieldSelector", NULL } };

	init_call(call, "GET", "list", "resourceslices");
	if (node || driver) {
		q[0].value = arena_printf(a, "%s%s%s%s%s", node ? "spec.nodeName=" : "",
					  node ? node : "", node && driver ? "," : "",
					  driver ? "spec.driver=" : "", driver ? driver : "");
		if (!q[0].value)
			return -ENOMEM;
	}
	return target(c, a, call, segs, ARRAY_SIZE(segs), q, ARRAY_SIZE(q));
}

/* @v1doc in the client's version, with metadata.name = @name when given. */
static int slice_body(struct k8s_client *c, const struct json *v1doc, const char *name,
		      struct arena *a, struct k8s_call *call)
{
	struct json *doc = NULL, *md;
	int ret;

	ret = k8s_slice_to_version(v1doc, k8s_client_version(c), &doc);
	if (ret)
		return ret;
	if (name) {
		md = (struct json *)json_get(doc, "metadata");
		if (md && json_type_of(md) != JSON_OBJECT)
			ret = -EINVAL;
		else if (!md && !(md = json_obj_add_object(doc, "metadata")))
			ret = -ENOMEM;
		if (!ret)
			ret = json_obj_add_str(md, "name", name);
	}
	if (!ret)
		ret = print_body(doc, a, call);
	json_free(doc);
	return ret;
}

int k8s_call_slice_create(struct k8s_client *c, const struct json *v1doc, struct arena *a,
			  struct k8s_call *call)
{
	const char *segs[] = { "apis", GROUP, version(c), "resourceslices" };
	int ret;

	init_call(call, "POST", "create", "resourceslices");
	ret = slice_body(c, v1doc, NULL, a, call);
	return ret ? ret : target(c, a, call, segs, ARRAY_SIZE(segs), NULL, 0);
}

int k8s_call_slice_update(struct k8s_client *c, const char *name, const struct json *v1doc,
			  struct arena *a, struct k8s_call *call)
{
	const char *segs[] = { "apis", GROUP, version(c), "resourceslices", name };
	int ret;

	init_call(call, "PUT", "update", "resourceslices");
	if (!name || !*name)
		return -EINVAL;
	call->conflict_reread = true;
	ret = slice_body(c, v1doc, name, a, call);
	return ret ? ret : target(c, a, call, segs, ARRAY_SIZE(segs), NULL, 0);
}

int k8s_call_slice_delete(struct k8s_client *c, const char *name, const char *uid, const char *rv,
			  struct arena *a, struct k8s_call *call)
{
	const char *segs[] = { "apis", GROUP, version(c), "resourceslices", name };
	struct json *opts, *pre;
	int ret = 0;

	init_call(call, "DELETE", "delete", "resourceslices");
	if (!name || !*name)
		return -EINVAL;
	if (uid || rv) {
		opts = json_new_object();
		if (!opts)
			return -ENOMEM;
		ret = json_obj_add_str(opts, "apiVersion", "v1");
		if (!ret)
			ret = json_obj_add_str(opts, "kind", "DeleteOptions");
		pre = ret ? NULL : json_obj_add_object(opts, "preconditions");
		if (!ret && !pre)
			ret = -ENOMEM;
		if (!ret && uid)
			ret = json_obj_add_str(pre, "uid", uid);
		if (!ret && rv)
			ret = json_obj_add_str(pre, "resourceVersion", rv);
		if (!ret)
			ret = print_body(opts, a, call);
		json_free(opts);
	}
	return ret ? ret : target(c, a, call, segs, ARRAY_SIZE(segs), NULL, 0);
}

int k8s_call_node_get(struct k8s_client *c, const char *name, struct arena *a,
		      struct k8s_call *call)
{
	const char *segs[] = { "api", "v1", "nodes", name };

	init_call(call, "GET", "get", "nodes");
	if (!name || !*name)
		return -EINVAL;
	return target(c, a, call, segs, ARRAY_SIZE(segs), NULL, 0);
}

int k8s_call_pod_get(struct k8s_client *c, const char *ns, const char *name, struct arena *a,
		     struct k8s_call *call)
{
	const char *segs[] = { "api", "v1", "namespaces", ns, "pods", name };

	init_call(call, "GET", "get", "pods");
	if (!ns || !*ns || !name || !*name)
		return -EINVAL;
	return target(c, a, call, segs, ARRAY_SIZE(segs), NULL, 0);
}

int k8s_call_claim_get(struct k8s_client *c, const char *ns, const char *name, struct arena *a,
		       struct k8s_call *call)
{
	const char *segs[] = { "apis", GROUP, version(c), "namespaces", ns, "resourceclaims", name };

	init_call(call, "GET", "get", "resourceclaims");
	if (!ns || !*ns || !name || !*name)
		return -EINVAL;
	return target(c, a, call, segs, ARRAY_SIZE(segs), NULL, 0);
}

/* Every entry is an object whose "driver" is @manager. */
static bool devices_are_ours(const struct json *devices, const char *manager)
{
	if (json_type_of(devices) != JSON_ARRAY)
		return false;
	for (const struct json *d = json_at(devices, 0); d; d = json_next(d)) {
		const char *drv = NULL;

		if (json_type_of(d) != JSON_OBJECT ||
		    json_get_string(json_get(d, "driver"), &drv) || strcmp(drv, manager) != 0)
			return false;
	}
	return true;
}

int k8s_call_claim_status_apply(struct k8s_client *c, const char *ns, const char *name,
				const char *manager, const struct json *devices, struct arena *a,
				struct k8s_call *call)
{
	const char *segs[] = { "apis",		 GROUP, version(c), "namespaces", ns,
			       "resourceclaims", name,	"status" };
	const struct k8s_query q[] = { { "fieldManager", manager }, { "force", "true" } };
	struct json *doc, *md, *st;
	char av[48];
	int ret;

	init_call(call, "PATCH", "patch", "resourceclaims/status");
	/* apply is idempotent: the same document gives the same result */
	call->idempotent = true;
	call->content_type = "application/apply-patch+yaml";
	if (!ns || !*ns || !name || !*name || !manager || !*manager ||
	    !devices_are_ours(devices, manager))
		return -EINVAL;
	doc = json_new_object();
	if (!doc)
		return -ENOMEM;
	snprintf(av, sizeof(av), "%s/%s", GROUP, version(c));
	ret = json_obj_add_str(doc, "apiVersion", av);
	if (!ret)
		ret = json_obj_add_str(doc, "kind", "ResourceClaim");
	md = ret ? NULL : json_obj_add_object(doc, "metadata");
	st = md ? json_obj_add_object(doc, "status") : NULL;
	if (!ret && !st)
		ret = -ENOMEM;
	if (!ret)
		ret = json_obj_add_str(md, "name", name);
	if (!ret)
		ret = json_obj_add_str(md, "namespace", ns);
	if (!ret)
		ret = json_obj_add(st, "devices", json_dup(devices));
	if (!ret)
		ret = print_body(doc, a, call);
	json_free(doc);
	return ret ? ret : target(c, a, call, segs, ARRAY_SIZE(segs), q, ARRAY_SIZE(q));
}

int k8s_call_event_create(struct k8s_client *c, const char *ns, const struct json *event,
			  struct arena *a, struct k8s_call *call)
{
	const char *segs[] = { "api", "v1", "namespaces", ns, "events" };
	int ret;

	init_call(call, "POST", "create", "events");
	if (!ns || !*ns || json_type_of(event) != JSON_OBJECT)
		return -EINVAL;
	ret = print_body(event, a, call);
	return ret ? ret : target(c, a, call, segs, ARRAY_SIZE(segs), NULL, 0);
}

int k8s_collection_path(struct k8s_client *c, enum k8s_collection coll, const char *ns,
			struct arena *a, const char **path)
{
	const char *slices[] = { "apis", GROUP, version(c), "resourceslices" };
	const char *claims_ns[] = { "apis", GROUP, version(c), "namespaces", ns, "resourceclaims" };
	const char *claims[] = { "apis", GROUP, version(c), "resourceclaims" };
	struct k8s_call call;
	int ret;

	*path = NULL;
	if (coll == K8S_COLL_SLICES)
		ret = target(c, a, &call, slices, ARRAY_SIZE(slices), NULL, 0);
	else if (coll == K8S_COLL_CLAIMS && ns)
		ret = target(c, a, &call, claims_ns, ARRAY_SIZE(claims_ns), NULL, 0);
	else if (coll == K8S_COLL_CLAIMS)
		ret = target(c, a, &call, claims, ARRAY_SIZE(claims), NULL, 0);
	else
		ret = -EINVAL;
	if (!ret)
		*path = call.target;
	return ret;
}

/* ------------------------------------------------------------ decoding */

struct node_status {
	struct k8s_node_addr *addrs;
	size_t naddrs;
};
static const struct json_field addr_fields[] = {
	JSON_FIELD(struct k8s_node_addr, type, "type", JSON_FK_STRING),
	JSON_FIELD(struct k8s_node_addr, address, "address", JSON_FK_STRING),
};
static const struct json_schema addr_schema =
	JSON_SCHEMA_LENIENT(struct k8s_node_addr, addr_fields);
static const struct json_field node_status_fields[] = {
	JSON_FIELD(struct node_status, addrs, "addresses", JSON_FK_ARRAY_OBJECT,
		   .sub = &addr_schema, JSON_COUNT(struct node_status, naddrs)),
};
static const struct json_schema node_status_schema =
	JSON_SCHEMA_LENIENT(struct node_status, node_status_fields);

int k8s_node_decode(const char *body, size_t len, struct arena *a, struct k8s_node *n)
{
	struct json *v = NULL;
	const struct json *st;
	struct node_status ns = { 0 };
	int ret;

	memset(n, 0, sizeof(*n));
	ret = json_parse(body, len, &v, NULL);
	if (ret)
		return ret == -ENOMEM ? ret : -EBADMSG;
	ret = k8s_meta_decode(v, a, &n->meta);
	st = ret ? NULL : json_get(v, "status");
	if (st && json_type_of(st) != JSON_NULL)
		ret = json_decode(st, &node_status_schema, &ns, a, NULL);
	if (!ret && (!n->meta.name || !n->meta.uid))
		ret = -EBADMSG;
	n->addrs = ns.addrs;
	n->naddrs = ns.naddrs;
	json_free(v);
	return ret;
}

int k8s_list_decode(const char *body, size_t len, struct arena *a, struct k8s_list *l,
		    struct json **tree)
{
	struct json *v = NULL;
	const struct json *md, *items;
	const char *s;
	int ret;

	memset(l, 0, sizeof(*l));
	*tree = NULL;
	ret = json_parse(body, len, &v, NULL);
	if (ret)
		return ret == -ENOMEM ? ret : -EBADMSG;
	ret = -EBADMSG;
	md = json_get(v, "metadata");
	items = json_get(v, "items");
	if (json_type_of(v) != JSON_OBJECT || json_type_of(md) != JSON_OBJECT)
		goto out_free;
	if (items && json_type_of(items) != JSON_ARRAY && json_type_of(items) != JSON_NULL)
		goto out_free;
	if (json_get(md, "resourceVersion")) {
		if (json_get_string(json_get(md, "resourceVersion"), &s))
			goto out_free;
		l->resource_version = arena_strdup(a, s);
		if (!l->resource_version) {
			ret = -ENOMEM;
			goto out_free;
		}
	}
	if (json_get(md, "continue") && json_type_of(json_get(md, "continue")) != JSON_NULL) {
		if (json_get_string(json_get(md, "continue"), &s))
			goto out_free;
		l->cont = *s ? arena_strdup(a, s) : NULL;
		if (*s && !l->cont) {
			ret = -ENOMEM;
			goto out_free;
		}
	}
	if (items && json_type_of(items) == JSON_ARRAY) {
		l->items = items;
		l->count = json_count(items);
	}
	*tree = v;
	return 0;
out_free:
	json_free(v);
	memset(l, 0, sizeof(*l));
	return ret;
}
