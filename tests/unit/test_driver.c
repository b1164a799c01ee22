// SPDX-License-Identifier: Apache-2.0
/*
 * lib/driver: the loop (timers in order, cancel, fd watchers, a watcher
 * removed inside a batch, SIGTERM through the signalfd), the token bucket,
 * publish planning (split at 128/129/300, zero diff, generation bumps, one
 * slice in place, other drivers' and nodes' slices untouched, slices
 * deleted behind our back, owner references) and the publisher over an
 * in-memory fake of struct drv_api (a map of stored slices), node-address
 * exclusion.
 */
#include "driver/driver.h"
#include "inventory/inventory.h"
#include "json/json.h"
#include "nl/nl.h"
#include "t.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* ------------------------------------------------------------ loop */

struct tick {
	int order[8];
	int n;
	struct drv_timer t[4];
};

static void on_tick(struct drv_loop *l, struct drv_timer *t, void *data)
{
	struct tick *k = data;

	(void)l;
	if (k->n < 8)
		k->order[k->n++] = (int)(t - k->t);
}

static void test_timers(void)
{
	struct drv_loop *l;
	struct tick k = { .n = 0 };
	uint64_t now = time_now_ms();
	int ran = 0;

	REQUIRE(drv_loop_new(false, &l) == 0);
	for (int i = 0; i < 4; i++)
		drv_timer_init(&k.t[i], on_tick, &k);
	/* Armed out of order; timer 1 cancelled; timer 3 re-armed earlier. */
	CHECK_EQ(drv_timer_arm(l, &k.t[0], now + 30), 0);
	CHECK_EQ(drv_timer_arm(l, &k.t[1], now + 10), 0);
	CHECK_EQ(drv_timer_arm(l, &k.t[2], now + 20), 0);
	CHECK_EQ(drv_timer_arm(l, &k.t[3], now + 100), 0);
	CHECK_EQ(drv_timer_arm(l, &k.t[3], now + 5), 0);
	drv_timer_cancel(l, &k.t[1]);
	CHECK(!drv_timer_armed(&k.t[1]));
	while (k.n < 3 && ran < 20) {
		CHECK(drv_loop_once(l, 1000) >= 0);
		ran++;
	}
	CHECK_EQ(k.n, 3);
	CHECK_EQ(k.order[0], 3);
	CHECK_EQ(k.order[1], 2);
	CHECK_EQ(k.order[2], 0);
	/* The waits were bounded by the timers, not by the 1 s cap. */
	CHECK(time_now_ms() - now < 500);
	CHECK(!drv_timer_armed(&k.t[0]));
	drv_loop_free(l);
}

struct fds {
	int a[2], b[2];
	int hits_a, hits_b;
};

static void on_a(struct drv_loop *l, int fd, uint32_t events, void *data)
{
	struct fds *f = data;
	char c;

	(void)fd;
	CHECK(events & EPOLLIN);
	f->hits_a++;
	CHECK_EQ(read(f->a[0], &c, 1), 1);
	/* Removing b inside the batch drops its pending event. */
	drv_loop_del_fd(l, f->b[0]);
}

static void on_b(struct drv_loop *l, int fd, uint32_t events, void *data)
{
	struct fds *f = data;

	(void)l;
	(void)fd;
	(void)events;
	f->hits_b++;
	drv_loop_del_fd(l, f->a[0]);
}

static void test_watchers(void)
{
	struct drv_loop *l;
	struct fds f = { .hits_a = 0 };

	REQUIRE(drv_loop_new(false, &l) == 0);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, f.a) == 0);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, f.b) == 0);
	CHECK_EQ(drv_loop_add_fd(l, f.a[0], EPOLLIN, on_a, &f), 0);
	CHECK_EQ(drv_loop_add_fd(l, f.a[0], EPOLLIN, on_a, &f), -EEXIST);
	CHECK_EQ(drv_loop_add_fd(l, f.b[0], EPOLLIN, on_b, &f), 0);
	CHECK_EQ(drv_loop_once(l, 0), 0);
	CHECK_EQ(write(f.a[1], "x", 1), 1);
	CHECK_EQ(write(f.b[1], "y", 1), 1);
	/* One batch holds both events; whichever runs first removes the other. */
	CHECK_EQ(drv_loop_once(l, 1000), 1);
	CHECK_EQ(f.hits_a + f.hits_b, 1);
	CHECK_EQ(drv_loop_mod_fd(l, 1000, EPOLLIN), -ENOENT);
	drv_loop_del_fd(l, f.a[0]);
	drv_loop_del_fd(l, f.b[0]);
	close(f.a[0]);
	close(f.a[1]);
	close(f.b[0]);
	close(f.b[1]);
	drv_loop_free(l);
}

static void test_signal_stops(void)
{
	struct drv_loop *l;
	sigset_t set, old;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, NULL, &old);
	REQUIRE(drv_loop_new(true, &l) == 0);
	CHECK_EQ(kill(getpid(), SIGTERM), 0);
	CHECK_EQ(drv_loop_run(l), 0);
	CHECK_EQ(drv_loop_signal(l), SIGTERM);
	drv_loop_free(l);
	sigprocmask(SIG_SETMASK, &old, NULL);
	/* SIGPIPE is ignored: a write to a closed socket is EPIPE, not death. */
	{
		int sp[2];

		REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
		close(sp[1]);
		CHECK_EQ(write(sp[0], "x", 1), -1);
		CHECK_EQ(errno, EPIPE);
		close(sp[0]);
	}
}

static void test_bucket(void)
{
	struct drv_bucket b;
	uint64_t t = 1000;
	int got = 0;

	/* Burst 5, one per 2 s: 5 at once, then one every 2 s. */
	drv_bucket_init(&b, 2000, 5, t);
	for (int i = 0; i < 10; i++)
		got += drv_bucket_take(&b, t);
	CHECK_EQ(got, 5);
	CHECK_EQ(drv_bucket_ready_ms(&b, t), t + 2000);
	CHECK(!drv_bucket_take(&b, t + 1999));
	CHECK(drv_bucket_take(&b, t + 2000));
	CHECK(!drv_bucket_take(&b, t + 2001));
	CHECK_EQ(drv_bucket_ready_ms(&b, t + 2001), t + 4000);
	/* A long idle refills to the burst, never beyond. */
	got = 0;
	for (int i = 0; i < 10; i++)
		got += drv_bucket_take(&b, t + 1000000);
	CHECK_EQ(got, 5);
	/* Burst 0 is 1; period 0 is no limit. */
	drv_bucket_init(&b, 1000, 0, t);
	CHECK(drv_bucket_take(&b, t));
	CHECK(!drv_bucket_take(&b, t));
	drv_bucket_init(&b, 0, 1, t);
	for (int i = 0; i < 100; i++)
		CHECK(drv_bucket_take(&b, t));
	CHECK_EQ(drv_bucket_ready_ms(&b, t), t);
}

/* ------------------------------------------------------------ scans */

/* Devices "dev-0000".."dev-<n-1>" with ifindex i + 2; every 4th is RDMA. */
static struct inv_scan make_scan(struct arena *a, size_t n, int mtu)
{
	struct inv_scan s = { 0 };

	s.dev = arena_calloc(a, n ? n : 1, sizeof(*s.dev));
	s.n = n;
	for (size_t i = 0; i < n; i++) {
		struct inv_device *d = &s.dev[i];
		char *name = arena_printf(a, "dev-%04zu", i);
		int ret = 0;

		d->name = name;
		d->ifname = name;
		d->ifindex = (int)i + 2;
		ret |= inv_attr_set_str(d, "dra.net/ifName", name);
		ret |= inv_attr_set_int(d, "dra.net/mtu", mtu);
		ret |= inv_attr_set_bool(d, "dra.net/rdma", i % 4 == 0);
		if (ret)
			fprintf(stderr, "make_scan: attribute set failed\n");
	}
	return s;
}

static const struct drv_pool_opts pool = {
	.node = "node1",
	.driver = INV_DRIVER_NAME,
	.node_uid = "uid-node1",
	.api_version = "resource.k8s.io/v1",
};

static struct json *desired_of(const struct inv_scan *s)
{
	struct inv_slice_opts so = { "node1", INV_DRIVER_NAME, 1, "resource.k8s.io/v1" };
	struct json *d = NULL;

	if (inv_slices_build(s, &so, &d) < 0)
		return NULL;
	return d;
}

/* ------------------------------------------------------------ the fake API */

#define FAKE_MAX 64

/* The API server as a map of stored slices (name → object), counting writes. */
struct fake {
	struct json *obj[FAKE_MAX];
	size_t n;
	unsigned seq, writes, lists;
	int fail_next; /* an error for the next write */
	struct drv_pub *pub;
};

static const char *meta_str(const struct json *o, const char *k)
{
	const char *s = NULL;

	if (json_get_string(json_get(json_get(o, "metadata"), k), &s) < 0)
		return NULL;
	return s;
}

/* @body with metadata name, uid and a fresh resourceVersion. */
static struct json *stored(struct fake *f, const struct json *body, const char *name,
			   const char *uid)
{
	struct json *o = json_new_object(), *meta;
	char rv[32];

	for (const struct json *m = json_at(body, 0); m; m = json_next(m))
		if (strcmp(json_key(m), "metadata") &&
		    json_obj_add(o, json_key(m), json_dup(m)) < 0)
			return NULL;
	meta = json_obj_add_object(o, "metadata");
	for (const struct json *m = json_at(json_get(body, "metadata"), 0); m; m = json_next(m))
		if (json_obj_add(meta, json_key(m), json_dup(m)) < 0)
			return NULL;
	snprintf(rv, sizeof(rv), "%u", ++f->seq);
	if (json_obj_add_str(meta, "name", name) < 0 || json_obj_add_str(meta, "uid", uid) < 0 ||
	    json_obj_add_str(meta, "resourceVersion", rv) < 0)
		return NULL;
	return o;
}

static long find(struct fake *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(meta_str(f->obj[i], "name"), name))
			return (long)i;
	return -1;
}

static int fake_submit(void *ctx, struct drv_api_req *r)
{
	struct fake *f = ctx;
	char name[64], uid[64];
	long i;

	if (r->kind != DRV_API_LIST && f->fail_next) {
		r->err = f->fail_next;
		f->fail_next = 0;
		goto done;
	}
	switch (r->kind) {
	case DRV_API_LIST:
		/* The field selectors: this node and this driver only. */
		f->lists++;
		r->result = json_new_array();
		for (size_t k = 0; k < f->n; k++) {
			const struct json *spec = json_get(f->obj[k], "spec");
			const char *drv = NULL, *node = NULL;

			if (json_get_string(json_get(spec, "driver"), &drv) < 0 ||
			    json_get_string(json_get(spec, "nodeName"), &node) < 0 ||
			    strcmp(drv, r->driver) || strcmp(node, r->node))
				continue;
			if (json_arr_add(r->result, json_dup(f->obj[k])) < 0)
				r->err = -ENOMEM;
		}
		break;
	case DRV_API_CREATE:
		f->writes++;
		snprintf(name, sizeof(name), "%sx%u", meta_str(r->body, "generateName"), f->seq);
		snprintf(uid, sizeof(uid), "uid-%u", f->seq);
		if (f->n >= FAKE_MAX) {
			r->err = -ENOSPC;
			break;
		}
		f->obj[f->n] = stored(f, r->body, name, uid);
		r->result = json_dup(f->obj[f->n++]);
		break;
	case DRV_API_UPDATE:
		f->writes++;
		i = find(f, r->name);
		if (i < 0) {
			r->err = -ENOENT;
			break;
		}
		if (strcmp(meta_str(r->body, "resourceVersion"),
			   meta_str(f->obj[i], "resourceVersion"))) {
			r->err = -EEXIST;
			break;
		}
		{
			struct json *o = stored(f, r->body, r->name, meta_str(f->obj[i], "uid"));

			json_free(f->obj[i]);
			f->obj[i] = o;
			r->result = json_dup(o);
		}
		break;
	case DRV_API_DELETE:
		f->writes++;
		i = find(f, r->name);
		if (i < 0 || strcmp(r->uid, meta_str(f->obj[i], "uid")) ||
		    strcmp(r->resource_version, meta_str(f->obj[i], "resourceVersion"))) {
			r->err = i < 0 ? -ENOENT : -EEXIST;
			break;
		}
		json_free(f->obj[i]);
		f->obj[i] = f->obj[--f->n];
		break;
	}
done:
	drv_pub_done(f->pub, r);
	return 0;
}

static void fake_fini(struct fake *f)
{
	for (size_t i = 0; i < f->n; i++)
		json_free(f->obj[i]);
	f->n = 0;
}

/* Add a slice of another driver or node straight to the store. */
static void fake_put_other(struct fake *f, const char *driver, const char *node)
{
	char text[512];
	struct json *o = NULL;

	snprintf(text, sizeof(text),
		 "{\"apiVersion\":\"resource.k8s.io/v1\",\"kind\":\"ResourceSlice\","
		 "\"metadata\":{\"name\":\"other-%u\",\"uid\":\"u-other-%u\","
		 "\"resourceVersion\":\"%u\"},\"spec\":{\"driver\":\"%s\",\"nodeName\":\"%s\","
		 "\"pool\":{\"name\":\"%s\",\"generation\":7,\"resourceSliceCount\":1},"
		 "\"devices\":[]}}",
		 f->seq, f->seq, f->seq + 1, driver, node, node);
	f->seq += 2;
	if (json_parse(text, strlen(text), &o, NULL) == 0 && f->n < FAKE_MAX)
		f->obj[f->n++] = o;
}

static int64_t slice_gen(const struct json *o)
{
	int64_t g = -1;

	if (json_get_int(json_get(json_get(json_get(o, "spec"), "pool"), "generation"), &g) < 0)
		return -1;
	return g;
}

static size_t ours_expected;

/* Our slices in the store: count, and every one at @gen with the right count. */
static size_t ours(struct fake *f, int64_t gen, size_t *devices)
{
	size_t n = 0, devs = 0;

	for (size_t i = 0; i < f->n; i++) {
		const struct json *spec = json_get(f->obj[i], "spec");
		const char *drv = NULL;
		int64_t cnt = -1;

		if (json_get_string(json_get(spec, "driver"), &drv) < 0 || strcmp(drv, "dra.net"))
			continue;
		if (strcmp(meta_str(f->obj[i], "generateName") ? meta_str(f->obj[i], "generateName")
							       : "",
			   "node1-dra.net-"))
			continue;
		n++;
		devs += json_count(json_get(spec, "devices"));
		CHECK_EQ(slice_gen(f->obj[i]), gen);
		CHECK(json_get_int(json_get(json_get(spec, "pool"), "resourceSliceCount"), &cnt) ==
		      0);
		CHECK_EQ(cnt, ours_expected);
	}
	if (devices)
		*devices = devs;
	return n;
}

/* ------------------------------------------------------------ planning */

static void test_plan_split(void)
{
	static const size_t sizes[] = { 0, 1, 128, 129, 300 };
	static const size_t want[] = { 1, 1, 1, 2, 3 };

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct arena *a = arena_new(8u << 20);
		struct inv_scan s = make_scan(a, sizes[i], 1500);
		struct json *d = desired_of(&s), *cur = json_new_array();
		struct drv_plan p;

		REQUIRE(d && cur);
		CHECK_EQ(drv_plan_make(&pool, d, cur, &p), 0);
		CHECK_EQ(p.n, want[i]);
		CHECK_EQ(p.n_slices, want[i]);
		CHECK_EQ(p.generation, 1);
		for (size_t k = 0; k < p.n; k++) {
			const struct json *b = p.ops[k].body;
			const struct json *refs =
				json_get(json_get(b, "metadata"), "ownerReferences");
			const char *uid = NULL;

			CHECK_EQ(p.ops[k].kind, DRV_OP_CREATE);
			CHECK_EQ(slice_gen(b), 1);
			CHECK(json_get_string(json_get(json_at(refs, 0), "uid"), &uid) == 0 &&
			      !strcmp(uid, "uid-node1"));
			CHECK(json_count(json_get(json_get(b, "spec"), "devices")) <= 128);
		}
		drv_plan_fini(&p);
		json_free(d);
		json_free(cur);
		arena_free(a);
	}
}

struct world {
	struct arena *a;
	struct fake f;
	struct drv_api api;
	struct drv_pub *pub;
};

static int world_init(struct world *w, const struct drv_pool_opts *o)
{
	memset(w, 0, sizeof(*w));
	w->a = arena_new(16u << 20);
	w->api = (struct drv_api){ fake_submit, &w->f };
	if (!w->a || drv_pub_new(o, &w->api, &w->pub) < 0)
		return -1;
	w->f.pub = w->pub;
	return 0;
}

static void world_fini(struct world *w)
{
	drv_pub_free(w->pub);
	fake_fini(&w->f);
	arena_free(w->a);
}

/* Publish @n devices of MTU @mtu and run the round to the end. */
static int publish(struct world *w, size_t n, int mtu)
{
	struct inv_scan s = make_scan(w->a, n, mtu);
	int ret = drv_pub_set_scan(w->pub, &s);

	if (ret < 0)
		return ret;
	ret = drv_pub_kick(w->pub);
	if (ret < 0)
		return ret;
	CHECK(!drv_pub_busy(w->pub));
	return drv_pub_last_err(w->pub);
}

static void test_publisher(void)
{
	struct world w;
	const struct drv_pub_stats *st;
	size_t devs = 0;

	REQUIRE(world_init(&w, &pool) == 0);
	st = drv_pub_stats(w.pub);
	fake_put_other(&w.f, "gpu.example.com", "node1");
	fake_put_other(&w.f, "dra.net", "node2");
	/* 300 devices → 3 slices at generation 1. */
	CHECK_EQ(publish(&w, 300, 1500), 0);
	ours_expected = 3;
	CHECK_EQ(ours(&w.f, 1, &devs), 3);
	CHECK_EQ(devs, 300);
	CHECK_EQ(w.f.writes, 3);
	CHECK_EQ(st->devices, 300);
	CHECK_EQ(st->devices_rdma, 75);
	CHECK(st->last_published_unix > 1e9);
	/* The same devices again: no round due, and a forced round writes nothing. */
	CHECK_EQ(publish(&w, 300, 1500), 0);
	CHECK_EQ(w.f.lists, 1);
	drv_pub_resync(w.pub);
	CHECK_EQ(drv_pub_kick(w.pub), 1);
	CHECK_EQ(w.f.lists, 2);
	CHECK_EQ(w.f.writes, 3);
	CHECK_EQ(ours(&w.f, 1, NULL), 3);
	/* A change in every slice: generation 2, three updates, no creates. */
	CHECK_EQ(publish(&w, 300, 9000), 0);
	CHECK_EQ(w.f.writes, 6);
	CHECK_EQ(ours(&w.f, 2, NULL), 3);
	CHECK_EQ(st->generation, 2);
	/* 129 devices: two slices at generation 3, one deleted. */
	CHECK_EQ(publish(&w, 129, 9000), 0);
	CHECK_EQ(w.f.writes, 9);
	ours_expected = 2;
	CHECK_EQ(ours(&w.f, 3, &devs), 2);
	CHECK_EQ(devs, 129);
	/* Slices deleted behind our back are recreated at the next resync. */
	fake_fini(&w.f);
	fake_put_other(&w.f, "gpu.example.com", "node1");
	drv_pub_resync(w.pub);
	CHECK_EQ(drv_pub_kick(w.pub), 1);
	CHECK_EQ(ours(&w.f, 1, &devs), 2);
	CHECK_EQ(devs, 129);
	/* Other drivers' and nodes' slices were never touched. */
	CHECK_EQ(w.f.n, 3);
	/* A failed write ends the round with its error; the next round fixes it. */
	w.f.fail_next = -EIO;
	CHECK_EQ(publish(&w, 128, 9000), -EIO);
	CHECK(drv_pub_due(w.pub));
	CHECK_EQ(drv_pub_kick(w.pub), 1);
	CHECK_EQ(drv_pub_last_err(w.pub), 0);
	ours_expected = 1;
	CHECK_EQ(ours(&w.f, 2, &devs), 1);
	CHECK_EQ(devs, 128);
	world_fini(&w);
}

/* One slice of three changes: updated in place, generation kept. */
static void test_plan_one_in_place(void)
{
	struct world w;
	struct arena *a = arena_new(8u << 20);
	struct inv_scan s;
	unsigned writes;

	REQUIRE(a && world_init(&w, &pool) == 0);
	CHECK_EQ(publish(&w, 300, 1500), 0);
	writes = w.f.writes;
	s = make_scan(a, 300, 1500);
	/* dev-0299 is in the third slice only. */
	CHECK_EQ(inv_attr_set_int(&s.dev[299], "dra.net/mtu", 1400), 0);
	CHECK_EQ(drv_pub_set_scan(w.pub, &s), 1);
	CHECK_EQ(drv_pub_kick(w.pub), 1);
	CHECK_EQ(w.f.writes, writes + 1);
	ours_expected = 3;
	CHECK_EQ(ours(&w.f, 1, NULL), 3);
	/* Excluding a device shifts the split: a new generation for all. */
	s.dev[0].excluded = "holds the node address 10.0.0.1";
	CHECK_EQ(drv_pub_set_scan(w.pub, &s), 1);
	CHECK_EQ(drv_pub_kick(w.pub), 1);
	CHECK_EQ(ours(&w.f, 2, NULL), 3);
	world_fini(&w);
	arena_free(a);
}

/* Server-set metadata and field order do not count as a difference; the owner does. */
static void test_plan_content(void)
{
	struct world w;
	struct drv_plan p;
	struct json *cur = json_new_array(), *d;
	struct arena *a = arena_new(1u << 20);
	struct inv_scan s;
	struct drv_pool_opts other_uid = pool;

	REQUIRE(a && cur && world_init(&w, &pool) == 0);
	CHECK_EQ(publish(&w, 5, 1500), 0);
	for (size_t i = 0; i < w.f.n; i++)
		CHECK_EQ(json_arr_add(cur, json_dup(w.f.obj[i])), 0);
	s = make_scan(a, 5, 1500);
	d = desired_of(&s);
	REQUIRE(d);
	CHECK_EQ(drv_plan_make(&pool, d, cur, &p), 0);
	CHECK_EQ(p.n, 0);
	CHECK_EQ(p.generation, 1);
	drv_plan_fini(&p);
	/* The Node was recreated (new uid): the owner reference must follow. */
	other_uid.node_uid = "uid-new";
	CHECK_EQ(drv_plan_make(&other_uid, d, cur, &p), 0);
	CHECK_EQ(p.n, 1);
	CHECK_EQ(p.ops[0].kind, DRV_OP_UPDATE);
	drv_plan_fini(&p);
	/* Unknown uid: no owner reference compared or written. */
	other_uid.node_uid = NULL;
	CHECK_EQ(drv_plan_make(&other_uid, d, cur, &p), 0);
	CHECK_EQ(p.n, 0);
	drv_plan_fini(&p);
	/* Bad input: no desired slice at all (inv_slices_build always gives one). */
	{
		struct json *empty = json_new_array();

		CHECK_EQ(drv_plan_make(&pool, empty, cur, &p), -EINVAL);
		drv_plan_fini(&p);
		json_free(empty);
	}
	json_free(d);
	json_free(cur);
	arena_free(a);
	world_fini(&w);
}

/* A slice of ours in another pool name and a duplicate at an old generation are deleted. */
static void test_plan_strays(void)
{
	struct world w;
	unsigned writes;

	REQUIRE(world_init(&w, &pool) == 0);
	CHECK_EQ(publish(&w, 3, 1500), 0);
	writes = w.f.writes;
	fake_put_other(&w.f, "dra.net", "node1"); /* pool "node1", generation 7, no devices */
	drv_pub_resync(w.pub);
	CHECK_EQ(drv_pub_kick(w.pub), 1);
	/* Generation 8 written over both; then one is left. */
	CHECK(w.f.writes > writes);
	CHECK_EQ(w.f.n, 1);
	CHECK_EQ(slice_gen(w.f.obj[0]), 8);
	world_fini(&w);
}

static void test_node_addrs(void)
{
	struct arena *a = arena_new(1u << 20);
	struct inv_scan s;
	struct nl_addr addrs[3] = { 0 };
	const char *node[] = { "10.0.0.1", "fd00::1" };
	const char *bad[] = { "node1" };

	REQUIRE(a);
	s = make_scan(a, 4, 1500);
	addrs[0] = (struct nl_addr){ .ifindex = 2, .family = AF_INET };
	inet_pton(AF_INET, "10.0.0.1", addrs[0].addr);
	addrs[1] = (struct nl_addr){ .ifindex = 3, .family = AF_INET };
	inet_pton(AF_INET, "10.0.0.2", addrs[1].addr);
	addrs[2] = (struct nl_addr){ .ifindex = 5, .family = AF_INET6 };
	inet_pton(AF_INET6, "fd00::1", addrs[2].addr);
	CHECK_EQ(drv_exclude_node_addrs(&s, addrs, 3, node, 2, a), 2);
	CHECK_STR(s.dev[0].excluded, "holds the node address 10.0.0.1");
	CHECK(!s.dev[1].excluded);
	CHECK(!s.dev[2].excluded);
	CHECK_STR(s.dev[3].excluded, "holds the node address fd00::1");
	CHECK_EQ(drv_exclude_node_addrs(&s, addrs, 3, bad, 1, a), -EINVAL);
	arena_free(a);
}

/* The exposition text: upstream's names, no timestamp before a confirmed write, well-formed lines. */
static void test_metrics(void)
{
	struct drv_pub_stats pub = { .writes = 3, .last_published_unix = 1700000000.5 };
	struct drv_follow_stats fs = { .full_scans = 2, .link_scans = 7, .last_full_us = 1500 };
	struct drv_metrics m = { .have_devices = true, .devices = 5, .devices_rdma = 1 };
	struct buf b;
	char *line, *save = NULL;

	buf_init(&b, 1 << 20);
	CHECK_EQ(drv_metrics_write(&m, &b), 0);
	CHECK(strstr(b.p, "dranet_driver_published_devices_total{feature=\"total\"} 5\n") != NULL);
	CHECK(strstr(b.p, "dranet_driver_published_devices_total{feature=\"rdma\"} 1\n") != NULL);
	CHECK(strstr(b.p, "# TYPE dranet_driver_last_published_time_seconds gauge\n") != NULL);
	CHECK(strstr(b.p, "\ndranet_driver_last_published_time_seconds ") == NULL);
	CHECK(strstr(b.p, "\nprocess_start_time_seconds ") != NULL);
	CHECK(strstr(b.p, "\nprocess_resident_memory_bytes ") != NULL);
	CHECK(strstr(b.p, "\nprocess_open_fds ") != NULL);
	CHECK(strstr(b.p, "\nprocess_cpu_seconds_total ") != NULL);
	buf_reset(&b);
	m.pub = &pub;
	m.follow = &fs;
	CHECK_EQ(drv_metrics_write(&m, &b), 0);
	CHECK(strstr(b.p, "\ndranet_driver_last_published_time_seconds 1700000000.500\n") != NULL);
	CHECK(strstr(b.p, "\ndranet_driver_inventory_scans_total{kind=\"link\"} 7\n") != NULL);
	CHECK(strstr(b.p, "\ndranet_driver_inventory_full_scan_seconds 0.001500\n") != NULL);
	CHECK(strstr(b.p, "\ndranet_driver_slice_writes_total 3\n") != NULL);
	CHECK(b.len && b.p[b.len - 1] == '\n');
	/* Every sample line: NAME[{labels}] SP VALUE, the value a number. */
	for (line = strtok_r(b.p, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strrchr(line, ' '), *end;

		if (line[0] == '#')
			continue;
		REQUIRE(sp);
		(void)strtod(sp + 1, &end);
		if (*end || end == sp + 1)
			T_FAIL("bad sample line: %s", line);
	}
	/* A cap too small fails cleanly. */
	buf_fini(&b);
	buf_init(&b, 64);
	CHECK_EQ(drv_metrics_write(&m, &b), -ENOMEM);
	buf_fini(&b);
}

int main(void)
{
	static const struct t_case tests[] = {
		T(test_timers),
		T(test_watchers),
		T(test_signal_stops),
		T(test_bucket),
		T(test_plan_split),
		T(test_publisher),
		T(test_plan_one_in_place),
		T(test_plan_content),
		T(test_plan_strays),
		T(test_node_addrs),
		T(test_metrics),
	};

	log_setup("test", LOG_ERR);
	return T_RUN(tests);
}
