// SPDX-License-Identifier: Apache-2.0
/*
 * struct drv_api over lib/k8s (reference/protocols.md §5): slice list,
 * create, update, delete as client requests in the loop; resource.k8s.io
 * version discovery and the Node GET at start; a watch of this node's
 * slices so that one deleted behind our back is recreated promptly.
 */
#include "driver.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "json/json.h"
#include "k8s/k8s.h"

enum stage { ST_DISCOVER, ST_NODE, ST_READY };

/* One fd that lib/k8s may replace on a reconnect, kept in the loop. */
struct fdw {
	int fd;
	uint32_t events;
};

struct drv_k8s {
	struct drv_loop *l;
	struct k8s_client *c;
	struct drv_k8s_opts o;
	char *node, *driver;
	struct drv_api api;
	struct drv_pub *pub;
	enum stage stage;
	struct k8s_req *start_req; /* discovery or node GET in flight */
	struct k8s_req *req; /* the publisher's request in flight */
	struct drv_api_req *pub_req;
	struct arena *a; /* call building (reset per call) */
	struct fdw cfd, wfd;
	struct drv_timer client_t, watch_t, retry_t, settle_t;
	struct k8s_watch *watch;
	bool node_warned;
};

static void sync_client(struct drv_k8s *k);
static void sync_watch(struct drv_k8s *k);

/*
 * Keep the loop's watcher on @want_fd with @events, whatever lib/k8s did to
 * its fd. A reconnect may give the new socket the old one's number: the
 * close dropped it from the epoll set, so the MOD fails with ENOENT and the
 * fd is added again. Hence a MOD on every sync, never "same number, skip".
 */
static void fd_sync(struct drv_k8s *k, struct fdw *w, int want_fd, uint32_t events, drv_fd_cb cb)
{
	if (w->fd < 0 && want_fd < 0)
		return;
	if (w->fd >= 0 && w->fd == want_fd && drv_loop_mod_fd(k->l, w->fd, events) == 0) {
		w->events = events;
		return;
	}
	if (w->fd >= 0)
		drv_loop_del_fd(k->l, w->fd);
	w->fd = -1;
	if (want_fd >= 0 && drv_loop_add_fd(k->l, want_fd, events, cb, k) == 0) {
		w->fd = want_fd;
		w->events = events;
	}
}

static void timer_at(struct drv_k8s *k, struct drv_timer *t, uint64_t due)
{
	if (due == UINT64_MAX)
		drv_timer_cancel(k->l, t);
	else if (drv_timer_arm(k->l, t, due) < 0)
		log_err("cannot arm a k8s timer", "timers=%d", DRV_TIMERS_MAX);
}

static void step_client(struct drv_k8s *k, short revents)
{
	if (k8s_client_step(k->c, time_now_ms(), revents) < 0)
		log_err("k8s client out of memory", NULL);
	sync_client(k);
}

static void on_client_fd(struct drv_loop *l, int fd, uint32_t events, void *data)
{
	(void)l;
	(void)fd;
	step_client(data, (short)events);
}

static void on_client_timer(struct drv_loop *l, struct drv_timer *t, void *data)
{
	(void)l;
	(void)t;
	step_client(data, 0);
}

static void sync_client(struct drv_k8s *k)
{
	fd_sync(k, &k->cfd, k8s_client_fd(k->c), (uint32_t)k8s_client_events(k->c), on_client_fd);
	timer_at(k, &k->client_t, k8s_client_deadline(k->c));
}

/* ------------------------------------------------------------ the publisher's requests */

/* A list body → a JSON array of v1-shaped slices. */
static int list_items(struct drv_k8s *k, const char *body, size_t len, struct json **out)
{
	struct k8s_list list;
	struct json *tree = NULL, *arr = json_new_array();
	int ret;

	if (!arr)
		return -ENOMEM;
	arena_reset(k->a);
	ret = k8s_list_decode(body, len, k->a, &list, &tree);
	for (const struct json *it = ret == 0 ? json_at(list.items, 0) : NULL; it;
	     it = json_next(it)) {
		struct json *v1 = NULL;

		ret = k8s_slice_to_v1(it, k8s_client_version(k->c), &v1);
		if (ret < 0)
			break;
		ret = json_arr_add(arr, v1);
		if (ret < 0)
			break;
	}
	json_free(tree);
	if (ret < 0) {
		json_free(arr);
		return ret;
	}
	*out = arr;
	return 0;
}

static void pub_done(struct k8s_req *r, void *arg)
{
	struct drv_k8s *k = arg;
	struct drv_api_req *req = k->pub_req;
	int ret = k8s_req_result(r);

	k->req = NULL;
	k->pub_req = NULL;
	if (ret < 0) {
		log_warn("slice request failed", "err=\"%s\"", k8s_req_strerror(r));
	} else if (req->kind == DRV_API_LIST) {
		size_t len;
		const char *body = k8s_req_body(r, &len);

		ret = list_items(k, body, len, &req->result);
		if (ret < 0)
			log_warn("slice list unreadable", "err=\"%s\"", strerror(-ret));
	} else {
		log_debug("slice written", "op=%d name=%s", (int)req->kind,
			  req->name ? req->name : "(new)");
	}
	req->err = ret < 0 ? ret : 0;
	k8s_req_free(r);
	if (k->pub)
		drv_pub_done(k->pub, req);
}

static int submit(void *ctx, struct drv_api_req *req)
{
	struct drv_k8s *k = ctx;
	struct k8s_call call;
	int ret = -EINVAL;

	if (k->req)
		return -EBUSY;
	arena_reset(k->a);
	switch (req->kind) {
	case DRV_API_LIST:
		ret = k8s_call_slices_list(k->c, req->node, req->driver, k->a, &call);
		break;
	case DRV_API_CREATE:
		ret = k8s_call_slice_create(k->c, req->body, k->a, &call);
		break;
	case DRV_API_UPDATE:
		ret = k8s_call_slice_update(k->c, req->name, req->body, k->a, &call);
		break;
	case DRV_API_DELETE:
		ret = k8s_call_slice_delete(k->c, req->name, req->uid, req->resource_version, k->a,
					    &call);
		break;
	}
	if (ret < 0)
		return ret;
	k->pub_req = req;
	ret = k8s_req_start(k->c, &call, pub_done, k, &k->req);
	if (ret < 0) {
		k->pub_req = NULL;
		return ret;
	}
	sync_client(k);
	return 0;
}

/* ------------------------------------------------------------ the slice watch */

static void on_settle(struct drv_loop *l, struct drv_timer *t, void *data)
{
	struct drv_k8s *k = data;

	(void)l;
	(void)t;
	if (k->o.on_change)
		k->o.on_change(k->o.ctx);
}

static void step_watch(struct drv_k8s *k, short revents)
{
	struct k8s_watch_event ev;
	int ret, n = 0;

	/* A bounded number of events per turn: the loop serves others between. */
	while (k->watch && n++ < 64) {
		ret = k8s_watch_step(k->watch, time_now_ms(), revents, &ev);
		revents = 0;
		if (ret == -EAGAIN)
			break;
		if (ret == K8S_WATCH_GONE) {
			/* Expired: start over from the current state (ADDED events, a re-list). */
			if (k8s_watch_restart(k->watch, "") < 0)
				break;
			continue;
		}
		if (ret < 0) {
			log_warn("slice watch stopped; periodic re-lists only", "err=\"%s\"",
				 strerror(-ret));
			drv_loop_del_fd(k->l, k->wfd.fd);
			k->wfd.fd = -1;
			k8s_watch_free(k->watch);
			k->watch = NULL;
			drv_timer_cancel(k->l, &k->watch_t);
			return;
		}
		if (ev.type == K8S_WATCH_BOOKMARK)
			continue;
		log_debug("slice event", "type=%s name=%s", k8s_watch_type_name(ev.type),
			  ev.meta.name ? ev.meta.name : "");
		if (!drv_timer_armed(&k->settle_t))
			timer_at(k, &k->settle_t, time_now_ms() + DRV_WATCH_SETTLE_MS);
	}
	sync_watch(k);
}

static void on_watch_fd(struct drv_loop *l, int fd, uint32_t events, void *data)
{
	(void)l;
	(void)fd;
	step_watch(data, (short)events);
}

static void on_watch_timer(struct drv_loop *l, struct drv_timer *t, void *data)
{
	(void)l;
	(void)t;
	step_watch(data, 0);
}

static void sync_watch(struct drv_k8s *k)
{
	if (!k->watch)
		return;
	fd_sync(k, &k->wfd, k8s_watch_fd(k->watch), (uint32_t)k8s_watch_events(k->watch),
		on_watch_fd);
	timer_at(k, &k->watch_t, k8s_watch_deadline(k->watch));
}

static int start_watch(struct drv_k8s *k)
{
	const char *segs[] = { "apis", "resource.k8s.io",
			       k8s_res_version_name(k8s_client_version(k->c)), "resourceslices" };
	char sel[512];
	struct buf path;
	int ret;

	buf_init(&path, 8192);
	ret = k8s_target(&path, k8s_client_config(k->c)->base_path, segs, ARRAY_SIZE(segs), NULL,
			 0);
	snprintf(sel, sizeof(sel), "spec.nodeName=%s,spec.driver=%s", k->node, k->driver);
	if (ret == 0)
		ret = k8s_watch_new(k->c, path.p, sel, "", &k->watch);
	buf_fini(&path);
	if (ret < 0)
		return ret;
	step_watch(k, 0);
	return 0;
}

/* ------------------------------------------------------------ start: version, Node */

static int start_next(struct drv_k8s *k);

static void node_found(struct drv_k8s *k, struct k8s_req *r)
{
	struct k8s_node node;
	const char *addrs[32];
	size_t len, n = 0;
	const char *body = k8s_req_body(r, &len);

	arena_reset(k->a);
	if (k8s_node_decode(body, len, k->a, &node) < 0 || !node.meta.uid) {
		log_warn("node object unreadable", "node=%s", k->node);
		return;
	}
	for (size_t i = 0; i < node.naddrs && n < ARRAY_SIZE(addrs); i++)
		if (node.addrs[i].type && node.addrs[i].address &&
		    (!strcmp(node.addrs[i].type, "InternalIP") ||
		     !strcmp(node.addrs[i].type, "ExternalIP")))
			addrs[n++] = node.addrs[i].address;
	log_info("node found", "node=%s uid=%s addresses=%zu", k->node, node.meta.uid, n);
	k->stage = ST_READY;
	if (k->o.on_node)
		k->o.on_node(k->o.ctx, node.meta.uid, addrs, n);
	if (start_watch(k) < 0)
		log_warn("slice watch not started; periodic re-lists only", "node=%s", k->node);
}

static void start_done(struct k8s_req *r, void *arg)
{
	struct drv_k8s *k = arg;
	int ret = k8s_req_result(r);
	size_t len;
	const char *body;

	k->start_req = NULL;
	if (k->stage == ST_DISCOVER) {
		body = k8s_req_body(r, &len);
		ret = ret < 0 ? ret : k8s_discovery_pick(body, len);
		if (ret > 0) {
			k8s_client_set_version(k->c, (enum k8s_res_version)ret);
			log_info("resource.k8s.io version", "version=%s",
				 k8s_res_version_name((enum k8s_res_version)ret));
			k->stage = ST_NODE;
		} else {
			log_warn("resource.k8s.io discovery failed, retrying", "err=\"%s\"",
				 ret == -ENOENT && k8s_req_result(r) == 0 ? "not served"
									  : k8s_req_strerror(r));
		}
	} else if (k->stage == ST_NODE) {
		if (ret == 0) {
			node_found(k, r);
		} else if (!k->node_warned) {
			log_warn("node not readable, publishing waits for it", "node=%s err=\"%s\"",
				 k->node, k8s_req_strerror(r));
			k->node_warned = true;
		}
	}
	k8s_req_free(r);
	if (k->stage == ST_READY)
		return;
	/* Discovery done: the Node now; a failure: again after a pause. */
	if (ret > 0 && k->stage == ST_NODE) {
		if (start_next(k) < 0)
			timer_at(k, &k->retry_t, time_now_ms() + DRV_NODE_RETRY_MS);
		return;
	}
	timer_at(k, &k->retry_t, time_now_ms() + DRV_NODE_RETRY_MS);
}

static int start_next(struct drv_k8s *k)
{
	const char *segs[] = { "apis", "resource.k8s.io" };
	struct k8s_call call;
	struct buf target;
	int ret;

	arena_reset(k->a);
	buf_init(&target, 8192);
	if (k->stage == ST_DISCOVER) {
		ret = k8s_target(&target, k8s_client_config(k->c)->base_path, segs,
				 ARRAY_SIZE(segs), NULL, 0);
		call = (struct k8s_call){ .method = "GET",
					  .target = target.p,
					  .verb = "get",
					  .resource = "apis",
					  .idempotent = true };
	} else {
		ret = k8s_call_node_get(k->c, k->node, k->a, &call);
	}
	if (ret == 0)
		ret = k8s_req_start(k->c, &call, start_done, k, &k->start_req);
	buf_fini(&target);
	if (ret == 0)
		sync_client(k);
	return ret;
}

static void on_retry(struct drv_loop *l, struct drv_timer *t, void *data)
{
	struct drv_k8s *k = data;

	(void)l;
	(void)t;
	if (k->stage != ST_READY && !k->start_req && start_next(k) < 0)
		timer_at(k, &k->retry_t, time_now_ms() + DRV_NODE_RETRY_MS);
}

/* ------------------------------------------------------------ public */

int drv_k8s_new(struct drv_loop *l, struct k8s_client *c, const struct drv_k8s_opts *o,
		struct drv_k8s **out)
{
	struct drv_k8s *k = calloc(1, sizeof(*k));
	int ret = -ENOMEM;

	if (!k)
		return -ENOMEM;
	k->l = l;
	k->c = c;
	k->o = *o;
	k->cfd.fd = -1;
	k->wfd.fd = -1;
	k->node = strdup(o->node);
	k->driver = strdup(o->driver);
	k->a = arena_new(K8S_REQ_ARENA_CAP);
	k->api = (struct drv_api){ submit, k };
	drv_timer_init(&k->client_t, on_client_timer, k);
	drv_timer_init(&k->watch_t, on_watch_timer, k);
	drv_timer_init(&k->retry_t, on_retry, k);
	drv_timer_init(&k->settle_t, on_settle, k);
	if (!k->node || !k->driver || !k->a)
		goto out_free;
	ret = start_next(k);
	if (ret < 0)
		goto out_free;
	*out = k;
	return 0;

out_free:
	drv_k8s_free(k);
	return ret;
}

void drv_k8s_free(struct drv_k8s *k)
{
	if (!k)
		return;
	k->pub = NULL;
	k8s_req_free(k->start_req);
	k8s_req_free(k->req);
	if (k->cfd.fd >= 0)
		drv_loop_del_fd(k->l, k->cfd.fd);
	if (k->wfd.fd >= 0)
		drv_loop_del_fd(k->l, k->wfd.fd);
	k8s_watch_free(k->watch);
	drv_timer_cancel(k->l, &k->client_t);
	drv_timer_cancel(k->l, &k->watch_t);
	drv_timer_cancel(k->l, &k->retry_t);
	drv_timer_cancel(k->l, &k->settle_t);
	arena_free(k->a);
	free(k->node);
	free(k->driver);
	free(k);
}

const struct drv_api *drv_k8s_api(struct drv_k8s *k)
{
	return &k->api;
}

void drv_k8s_set_pub(struct drv_k8s *k, struct drv_pub *pub)
{
	k->pub = pub;
}

bool drv_k8s_ready(const struct drv_k8s *k)
{
	return k->stage == ST_READY;
}
