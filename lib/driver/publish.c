// SPDX-License-Identifier: Apache-2.0
/*
 * Publishing: the pool's desired ResourceSlices against the server's, as a
 * minimal plan of writes (pure), and the publisher that runs plans through
 * a struct drv_api. Rules: reference/protocols.md §5.3 (the resourceslice
 * controller's generation and resourceSliceCount), upstream.md §2.8,
 * DESIGN.md "Beyond upstream" 4; node addresses: upstream weakness 16.
 */
#include "driver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "inventory/inventory.h"
#include "json/json.h"
#include "nl/nl.h"

/* ------------------------------------------------------ node addresses */

int drv_exclude_node_addrs(struct inv_scan *scan, const struct nl_addr *addrs, size_t n_addrs,
			   const char *const *node_addrs, size_t n_node_addrs, struct arena *a)
{
	int excluded = 0;

	for (size_t k = 0; k < n_node_addrs; k++) {
		uint8_t ip[16] = { 0 };
		uint8_t fam;

		if (inet_pton(AF_INET, node_addrs[k], ip) == 1)
			fam = AF_INET;
		else if (inet_pton(AF_INET6, node_addrs[k], ip) == 1)
			fam = AF_INET6;
		else
			return -EINVAL;
		for (size_t i = 0; i < n_addrs; i++) {
			size_t len = fam == AF_INET ? 4 : 16;

			if (addrs[i].family != fam || memcmp(addrs[i].addr, ip, len))
				continue;
			for (size_t d = 0; d < scan->n; d++) {
				struct inv_device *dev = &scan->dev[d];

				if (dev->ifindex != addrs[i].ifindex || dev->excluded)
					continue;
				dev->excluded =
					arena_printf(a, "holds the node address %s", node_addrs[k]);
				if (!dev->excluded)
					return -ENOMEM;
				excluded++;
			}
		}
	}
	return excluded;
}

/* ------------------------------------------------------------ planning */

static const char *str_at(const struct json *obj, const char *k1, const char *k2)
{
	const struct json *v = json_get(obj, k1);
	const char *s = NULL;

	if (v && k2)
		v = json_get(v, k2);
	if (!v || json_get_string(v, &s) < 0)
		return NULL;
	return s;
}

static int64_t int_at(const struct json *v, const char *k1, const char *k2, const char *k3)
{
	int64_t i = -1;

	v = json_get(v, k1);
	if (v)
		v = json_get(v, k2);
	if (v)
		v = json_get(v, k3);
	if (!v || json_get_int(v, &i) < 0)
		return -1;
	return i;
}

static bool str_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static bool has_uid(const struct drv_pool_opts *o)
{
	return o->node_uid && *o->node_uid;
}

/* The slice carries the controller owner reference to our Node (protocols.md §5.3). */
static bool owned_by_node(const struct json *slice, const struct drv_pool_opts *o)
{
	const struct json *refs = json_get(json_get(slice, "metadata"), "ownerReferences");

	for (const struct json *r = json_at(refs, 0); r; r = json_next(r))
		if (str_eq(str_at(r, "kind", NULL), "Node") &&
		    str_eq(str_at(r, "apiVersion", NULL), "v1") &&
		    str_eq(str_at(r, "name", NULL), o->node) &&
		    str_eq(str_at(r, "uid", NULL), o->node_uid))
			return true;
	return false;
}

/* Copy member @key of @from into @to when present. */
static int copy_member(struct json *to, const struct json *from, const char *key)
{
	const struct json *v = json_get(from, key);

	if (!v)
		return 0;
	return json_obj_add(to, key, json_dup(v));
}

/*
 * What a slice says, as one canonical string: driver, node, pool name and
 * count, devices (name, attributes, capacity; a v1beta1 device's "basic"
 * unwrapped), the owner reference when the node uid is known. Server-set
 * metadata (name, uid, resourceVersion, managedFields, ...) and the pool
 * generation are left out.
 */
static int content_key(const struct json *slice, const struct drv_pool_opts *o, bool desired,
		       struct buf *out)
{
	const struct json *spec = json_get(slice, "spec");
	struct json *k = json_new_object(), *devs;
	int ret = -ENOMEM;

	if (!k)
		return -ENOMEM;
	if (copy_member(k, spec, "driver") < 0 || copy_member(k, spec, "nodeName") < 0 ||
	    copy_member(k, json_get(spec, "pool"), "name") < 0 ||
	    copy_member(k, json_get(spec, "pool"), "resourceSliceCount") < 0)
		goto out;
	if (has_uid(o) && json_obj_add_bool(k, "owner", desired || owned_by_node(slice, o)) < 0)
		goto out;
	devs = json_obj_add_array(k, "devices");
	if (!devs)
		goto out;
	for (const struct json *d = json_at(json_get(spec, "devices"), 0); d; d = json_next(d)) {
		const struct json *body = json_get(d, "basic") ? json_get(d, "basic") : d;
		struct json *c = json_new_object();

		if (json_arr_add(devs, c) < 0 || copy_member(c, d, "name") < 0 ||
		    copy_member(c, body, "attributes") < 0 || copy_member(c, body, "capacity") < 0)
			goto out;
	}
	buf_reset(out);
	ret = json_print(k, JSON_COMPACT, out);
out:
	json_free(k);
	return ret;
}

struct cur {
	const struct json *obj;
	const char *name, *uid, *rv;
	int64_t gen;
	char *key;
	bool used;
};

static struct json *owner_refs(const struct drv_pool_opts *o)
{
	struct json *arr = json_new_array(), *r = json_new_object();

	if (!arr || !r || json_obj_add_str(r, "apiVersion", "v1") < 0 ||
	    json_obj_add_str(r, "kind", "Node") < 0 || json_obj_add_str(r, "name", o->node) < 0 ||
	    json_obj_add_str(r, "uid", o->node_uid) < 0 ||
	    json_obj_add_bool(r, "controller", true) < 0) {
		json_free(arr);
		json_free(r);
		return NULL;
	}
	if (json_arr_add(arr, r) < 0) {
		json_free(arr);
		return NULL;
	}
	return arr;
}

/*
 * The object to send for desired slice @want at generation @gen: a create
 * (@base NULL: generateName) or an update of @base, whose other metadata
 * (labels, annotations, ...) is kept as the server has it.
 */
static struct json *make_body(const struct drv_pool_opts *o, const struct json *want,
			      const struct json *base, int64_t gen)
{
	const struct json *wspec = json_get(want, "spec");
	struct json *b = json_new_object(), *meta, *spec, *pool;

	if (!b || json_obj_add_str(b, "apiVersion", o->api_version) < 0 ||
	    json_obj_add_str(b, "kind", "ResourceSlice") < 0)
		goto out_free;
	meta = json_obj_add_object(b, "metadata");
	if (!meta)
		goto out_free;
	if (base) {
		const struct json *bm = json_get(base, "metadata");

		for (const struct json *m = json_at(bm, 0); m; m = json_next(m)) {
			const char *key = json_key(m);

			if (!strcmp(key, "managedFields") ||
			    (has_uid(o) && !strcmp(key, "ownerReferences")))
				continue;
			if (json_obj_add(meta, key, json_dup(m)) < 0)
				goto out_free;
		}
	} else if (copy_member(meta, json_get(want, "metadata"), "generateName") < 0) {
		goto out_free;
	}
	if (has_uid(o) && json_obj_add(meta, "ownerReferences", owner_refs(o)) < 0)
		goto out_free;
	spec = json_obj_add_object(b, "spec");
	if (!spec || copy_member(spec, wspec, "driver") < 0 ||
	    copy_member(spec, wspec, "nodeName") < 0)
		goto out_free;
	pool = json_obj_add_object(spec, "pool");
	if (!pool || copy_member(pool, json_get(wspec, "pool"), "name") < 0 ||
	    json_obj_add_int(pool, "generation", gen) < 0 ||
	    copy_member(pool, json_get(wspec, "pool"), "resourceSliceCount") < 0 ||
	    copy_member(spec, wspec, "devices") < 0)
		goto out_free;
	return b;

out_free:
	json_free(b);
	return NULL;
}

static int add_op(struct drv_plan *p, size_t cap, enum drv_op_kind kind, struct json *body,
		  const struct cur *c)
{
	struct drv_op *op;

	if (kind != DRV_OP_DELETE && !body)
		return -ENOMEM;
	if (p->n >= cap) {
		json_free(body);
		return -EINVAL;
	}
	op = &p->ops[p->n++];
	op->kind = kind;
	op->body = body;
	if (c) {
		op->name = c->name;
		op->uid = c->uid;
		op->resource_version = c->rv;
	}
	return 0;
}

/* Fill @cs with this node's and driver's slices of @current; others are counted. */
static int collect_current(const struct drv_pool_opts *o, const struct json *current,
			   struct cur *cs, size_t *n, size_t *n_others, struct buf *kb)
{
	*n = 0;
	*n_others = 0;
	for (const struct json *s = json_at(current, 0); s; s = json_next(s)) {
		struct cur *c;
		int ret;

		if (!str_eq(str_at(s, "spec", "driver"), o->driver) ||
		    !str_eq(str_at(s, "spec", "nodeName"), o->node)) {
			(*n_others)++;
			continue;
		}
		c = &cs[(*n)++];
		c->obj = s;
		c->name = str_at(s, "metadata", "name");
		c->uid = str_at(s, "metadata", "uid");
		c->rv = str_at(s, "metadata", "resourceVersion");
		c->gen = int_at(s, "spec", "pool", "generation");
		if (!c->name)
			return -EINVAL;
		/* A slice of ours in another pool never matches: it is deleted. */
		if (!str_eq(str_at(json_get(s, "spec"), "pool", "name"), o->node))
			continue;
		ret = content_key(s, o, false, kb);
		if (ret < 0)
			return ret;
		c->key = strdup(kb->p);
		if (!c->key)
			return -ENOMEM;
	}
	return 0;
}

int drv_plan_make(const struct drv_pool_opts *o, const struct json *desired,
		  const struct json *current, struct drv_plan *out)
{
	size_t n_want = json_count(desired), n_cur = 0, cap_cur = json_count(current), cap;
	struct cur *cs = NULL;
	char **wkey = NULL;
	long *match = NULL;
	struct buf kb;
	int64_t gen = 0;
	size_t n_at_gen = 0, n_unmatched = 0, k;
	int ret = -EINVAL;

	memset(out, 0, sizeof(*out));
	buf_init(&kb, 16u << 20);
	if (!o || !o->node || !o->driver || !o->api_version || n_want == 0)
		goto out;
	ret = -ENOMEM;
	cap = n_want + cap_cur;
	cs = calloc(cap_cur + 1, sizeof(*cs));
	wkey = calloc(n_want, sizeof(*wkey));
	match = calloc(n_want, sizeof(*match));
	out->ops = calloc(cap, sizeof(*out->ops));
	if (!cs || !wkey || !match || !out->ops)
		goto out;
	ret = collect_current(o, current, cs, &n_cur, &out->n_others, &kb);
	if (ret < 0)
		goto out;
	for (size_t j = 0; j < n_cur; j++)
		if (cs[j].key && cs[j].gen > gen)
			gen = cs[j].gen;
	for (size_t j = 0; j < n_cur; j++)
		if (cs[j].key && cs[j].gen == gen)
			n_at_gen++;
	/* Match desired slices to content-equal slices at the current generation. */
	k = 0;
	for (const struct json *w = json_at(desired, 0); w; w = json_next(w), k++) {
		ret = content_key(w, o, true, &kb);
		if (ret < 0)
			goto out;
		wkey[k] = strdup(kb.p);
		if (!wkey[k]) {
			ret = -ENOMEM;
			goto out;
		}
		match[k] = -1;
		for (size_t j = 0; j < n_cur && gen > 0; j++) {
			if (cs[j].used || !cs[j].key || cs[j].gen != gen ||
			    strcmp(cs[j].key, wkey[k]))
				continue;
			cs[j].used = true;
			match[k] = (long)j;
			break;
		}
		if (match[k] < 0)
			n_unmatched++;
	}
	out->n_slices = n_want;
	out->generation = gen;
	ret = 0;
	if (n_unmatched == 0 && n_cur == n_want)
		goto out; /* nothing to write */
	if (n_unmatched == 1 && n_cur == n_want && n_at_gen == n_want) {
		/* One slice differs, the pool keeps its shape: update it in place. */
		for (size_t j = 0; j < n_cur; j++) {
			if (cs[j].used)
				continue;
			k = 0;
			while (match[k] >= 0)
				k++;
			ret = add_op(out, cap, DRV_OP_UPDATE,
				     make_body(o, json_at(desired, k), cs[j].obj, gen), &cs[j]);
			goto out;
		}
	}
	/* A new generation: every desired slice is written. */
	out->generation = ++gen;
	for (size_t j = 0; j < n_cur; j++)
		cs[j].used = false;
	for (k = 0; k < n_want; k++)
		if (match[k] >= 0)
			cs[match[k]].used = true;
	k = 0;
	for (const struct json *w = json_at(desired, 0); w; w = json_next(w), k++) {
		long j = match[k];

		if (j < 0) {
			/* Reuse a slice that matches nothing, else create one. */
			for (size_t i = 0; i < n_cur && j < 0; i++)
				if (!cs[i].used && cs[i].key) {
					j = (long)i;
					cs[i].used = true;
				}
		}
		if (j >= 0)
			ret = add_op(out, cap, DRV_OP_UPDATE, make_body(o, w, cs[j].obj, gen),
				     &cs[j]);
		else
			ret = add_op(out, cap, DRV_OP_CREATE, make_body(o, w, NULL, gen), NULL);
		if (ret < 0)
			goto out;
	}
	for (size_t j = 0; j < n_cur; j++) {
		if (cs[j].used)
			continue;
		ret = add_op(out, cap, DRV_OP_DELETE, NULL, &cs[j]);
		if (ret < 0)
			goto out;
	}
out:
	for (size_t j = 0; cs && j < n_cur; j++)
		free(cs[j].key);
	for (k = 0; wkey && k < n_want; k++)
		free(wkey[k]);
	free(cs);
	free(wkey);
	free(match);
	buf_fini(&kb);
	return ret;
}

void drv_plan_fini(struct drv_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		json_free(p->ops[i].body);
	free(p->ops);
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------ publisher */

enum pub_state { PUB_IDLE, PUB_LISTING, PUB_WRITING };

struct drv_pub {
	struct drv_pool_opts o;
	char *node, *driver, *uid, *api_version;
	struct drv_api api;
	struct json *desired; /* inv_slices_build output at generation 1 */
	struct buf desired_text; /* its printed form: "did it change?" */
	size_t n_dev, n_rdma;
	size_t round_dev, round_rdma; /* the devices the running round publishes */
	enum pub_state state;
	bool due, req_done, in_submit;
	struct drv_api_req req;
	struct json *current;
	struct drv_plan plan;
	size_t next_op, round_writes;
	int last_err;
	struct drv_pub_stats st;
	void (*on_round)(void *ctx, int err);
	void *on_round_ctx;
};

void drv_pub_on_round(struct drv_pub *p, void (*fn)(void *ctx, int err), void *ctx)
{
	p->on_round = fn;
	p->on_round_ctx = ctx;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

int drv_pub_new(const struct drv_pool_opts *o, const struct drv_api *api, struct drv_pub **out)
{
	struct drv_pub *p;

	if (!o || !o->node || !*o->node || !o->driver || !o->api_version || !api || !api->submit)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->node = dup_or_empty(o->node);
	p->driver = dup_or_empty(o->driver);
	p->uid = dup_or_empty(o->node_uid);
	p->api_version = dup_or_empty(o->api_version);
	if (!p->node || !p->driver || !p->uid || !p->api_version) {
		drv_pub_free(p);
		return -ENOMEM;
	}
	p->o = (struct drv_pool_opts){ p->node, p->driver, p->uid, p->api_version };
	p->api = *api;
	buf_init(&p->desired_text, 16u << 20);
	*out = p;
	return 0;
}

static void round_cleanup(struct drv_pub *p)
{
	drv_plan_fini(&p->plan);
	json_free(p->current);
	p->current = NULL;
	json_free(p->req.result);
	p->req.result = NULL;
}

void drv_pub_free(struct drv_pub *p)
{
	if (!p)
		return;
	round_cleanup(p);
	json_free(p->desired);
	buf_fini(&p->desired_text);
	free(p->node);
	free(p->driver);
	free(p->uid);
	free(p->api_version);
	free(p);
}

int drv_pub_set_node_uid(struct drv_pub *p, const char *uid)
{
	char *u;

	if (!strcmp(p->uid, uid ? uid : ""))
		return 0;
	u = dup_or_empty(uid);
	if (!u)
		return -ENOMEM;
	free(p->uid);
	p->uid = u;
	p->o.node_uid = u;
	p->due = true;
	return 0;
}

int drv_pub_set_scan(struct drv_pub *p, const struct inv_scan *scan)
{
	struct inv_slice_opts so = { p->node, p->driver, 1, p->api_version };
	struct json *d = NULL;
	struct buf text;
	size_t n = 0, rdma = 0;
	int ret;

	ret = inv_slices_build(scan, &so, &d);
	if (ret < 0)
		return ret;
	buf_init(&text, 16u << 20);
	ret = json_print(d, JSON_COMPACT, &text);
	if (ret < 0)
		goto out;
	for (size_t i = 0; i < scan->n; i++) {
		const struct inv_attr *at;

		if (scan->dev[i].excluded)
			continue;
		n++;
		at = inv_attr_get(&scan->dev[i], "dra.net/rdma");
		if (at && at->type == INV_BOOL && at->b)
			rdma++;
	}
	p->n_dev = n;
	p->n_rdma = rdma;
	if (p->desired && text.len == p->desired_text.len &&
	    !memcmp(text.p, p->desired_text.p, text.len)) {
		ret = 0;
		goto out;
	}
	json_free(p->desired);
	p->desired = d;
	d = NULL;
	buf_fini(&p->desired_text);
	p->desired_text = text;
	buf_init(&text, 16u << 20);
	p->due = true;
	ret = 1;
out:
	buf_fini(&text);
	json_free(d);
	return ret;
}

void drv_pub_resync(struct drv_pub *p)
{
	p->due = true;
}

bool drv_pub_busy(const struct drv_pub *p)
{
	return p->state != PUB_IDLE;
}

bool drv_pub_due(const struct drv_pub *p)
{
	return p->due && p->desired;
}

int drv_pub_last_err(const struct drv_pub *p)
{
	return p->last_err;
}

const struct drv_pub_stats *drv_pub_stats(const struct drv_pub *p)
{
	return &p->st;
}

static int submit(struct drv_pub *p)
{
	int ret;

	p->req.err = 0;
	p->req.result = NULL;
	p->in_submit = true;
	ret = p->api.submit(p->api.ctx, &p->req);
	p->in_submit = false;
	return ret;
}

static void finish(struct drv_pub *p, int err)
{
	p->last_err = err;
	if (!err) {
		p->st.rounds++;
		p->st.generation = p->plan.generation;
		p->st.devices = p->round_dev;
		p->st.devices_rdma = p->round_rdma;
		if (p->round_writes) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			p->st.last_published_unix = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
		}
	} else {
		/* Try again at the next kick (the caller paces kicks after errors). */
		p->due = true;
	}
	round_cleanup(p);
	p->state = PUB_IDLE;
	if (p->on_round)
		p->on_round(p->on_round_ctx, err);
}

/* Submit the next op of the plan, or finish the round. */
static void next_write(struct drv_pub *p)
{
	const struct drv_op *op;
	int ret;

	if (p->next_op == p->plan.n) {
		finish(p, 0);
		return;
	}
	op = &p->plan.ops[p->next_op];
	p->req = (struct drv_api_req){
		.kind = op->kind == DRV_OP_CREATE   ? DRV_API_CREATE
			: op->kind == DRV_OP_UPDATE ? DRV_API_UPDATE
						    : DRV_API_DELETE,
		.body = op->body,
		.name = op->name,
		.uid = op->uid,
		.resource_version = op->resource_version,
	};
	p->state = PUB_WRITING;
	ret = submit(p);
	if (ret < 0)
		finish(p, ret);
}

/* The request in flight finished: act on it. */
static void handle(struct drv_pub *p)
{
	int ret;

	if (p->state == PUB_LISTING) {
		p->st.lists++;
		if (p->req.err < 0) {
			finish(p, p->req.err);
			return;
		}
		p->current = p->req.result;
		p->req.result = NULL;
		ret = drv_plan_make(&p->o, p->desired, p->current, &p->plan);
		if (ret < 0) {
			finish(p, ret);
			return;
		}
		p->next_op = 0;
		next_write(p);
		return;
	}
	if (p->state != PUB_WRITING)
		return;
	json_free(p->req.result);
	p->req.result = NULL;
	if (p->req.err < 0) {
		p->st.write_errors++;
		finish(p, p->req.err);
		return;
	}
	p->st.writes++;
	p->round_writes++;
	p->next_op++;
	next_write(p);
}

/* Handle completions in a loop: a client answering inside submit never recurses. */
static void run(struct drv_pub *p)
{
	while (p->req_done) {
		p->req_done = false;
		handle(p);
	}
}

void drv_pub_done(struct drv_pub *p, struct drv_api_req *req)
{
	(void)req;
	p->req_done = true;
	if (!p->in_submit)
		run(p);
}

int drv_pub_kick(struct drv_pub *p)
{
	int ret;

	if (p->state != PUB_IDLE || !drv_pub_due(p))
		return 0;
	p->due = false;
	p->round_writes = 0;
	p->round_dev = p->n_dev;
	p->round_rdma = p->n_rdma;
	p->req = (struct drv_api_req){ .kind = DRV_API_LIST, .node = p->node, .driver = p->driver };
	p->state = PUB_LISTING;
	ret = submit(p);
	if (ret < 0) {
		finish(p, ret);
		return ret;
	}
	run(p);
	return 1;
}
