/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/driver: the dranet-driver process (DESIGN.md "The job, as data flows
 * through it").
 *
 *  - loop.c: the one epoll loop: fd watchers, timers (a min-heap of
 *    deadlines feeding epoll_wait's timeout), signalfd for SIGTERM/SIGINT;
 *    and the token bucket that rate-limits inventory re-reads;
 *  - follow.c: inventory following: netlink multicast (links, addresses,
 *    routes) marks links dirty, re-reads are rate limited, a slow safety
 *    rescan runs every --inventory-max-poll-interval;
 *  - publish.c: what the pool's ResourceSlices should be, compared with what
 *    the API server has, as a minimal plan of writes (pure, no I/O), and
 *    the publisher that runs plans through a struct drv_api;
 *  - metrics.c: the Prometheus text of /metrics;
 *  - plugin.c: the kubelet plugin (lib/kubelet) on the loop.
 *
 * Nothing here blocks: every peer is a non-blocking fd in the loop.
 */
#ifndef DRANET_DRIVER_DRIVER_H
#define DRANET_DRIVER_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

struct json;
struct inv_scan;
struct nl_addr;

/* ------------------------------------------------------------ loop.c */

struct drv_loop;
struct drv_timer;

/* An fd is ready: @events are EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP bits. */
typedef void (*drv_fd_cb)(struct drv_loop *l, int fd, uint32_t events, void *data);
typedef void (*drv_timer_cb)(struct drv_loop *l, struct drv_timer *t, void *data);

/*
 * A timer, owned by the caller (embed it in the object it serves). Fields
 * are private to loop.c; drv_timer_init() before first use.
 */
struct drv_timer {
	uint64_t due_ms; /* monotonic (time_now_ms) */
	drv_timer_cb cb;
	void *data;
	size_t idx; /* position in the heap, SIZE_MAX when not armed */
};

/* Cap on timers armed at once (a few per peer; a bug beyond this). */
#define DRV_TIMERS_MAX 4096
/* Events taken from one epoll_wait. */
#define DRV_EVENTS_MAX 64

/*
 * A new loop: an epoll fd, no watchers, no timers. With @signals, SIGTERM
 * and SIGINT are blocked and read from a signalfd in the loop (the first
 * ends drv_loop_run() with 0 and is logged), and SIGPIPE is ignored (a
 * write to a closed socket returns EPIPE instead). Returns 0 or -errno.
 */
MUST_CHECK int drv_loop_new(bool signals, struct drv_loop **out);
/* Close the epoll and signal fds (watched fds are the caller's). NULL-safe. */
void drv_loop_free(struct drv_loop *l);

/*
 * Watch @fd for @events (EPOLLIN, EPOLLOUT; level-triggered) and call @cb.
 * One watcher per fd. A watcher may remove itself or others from inside a
 * callback; events already fetched for a removed fd are dropped. Returns
 * 0, -EEXIST, -ENOMEM or epoll's -errno.
 */
MUST_CHECK int drv_loop_add_fd(struct drv_loop *l, int fd, uint32_t events, drv_fd_cb cb,
			       void *data);
/* Change the events of a watched fd. 0, -ENOENT or -errno. */
MUST_CHECK int drv_loop_mod_fd(struct drv_loop *l, int fd, uint32_t events);
/* Stop watching @fd (before closing it). Unknown fds are ignored. */
void drv_loop_del_fd(struct drv_loop *l, int fd);

void drv_timer_init(struct drv_timer *t, drv_timer_cb cb, void *data);
/*
 * Arm @t to fire at monotonic @due_ms (re-arming moves it). A timer fires
 * once; its callback may re-arm it. Returns 0 or -ENOMEM (DRV_TIMERS_MAX).
 */
MUST_CHECK int drv_timer_arm(struct drv_loop *l, struct drv_timer *t, uint64_t due_ms);
void drv_timer_cancel(struct drv_loop *l, struct drv_timer *t);
static inline bool drv_timer_armed(const struct drv_timer *t)
{
	return t->idx != SIZE_MAX;
}

/*
 * One turn: wait for I/O at most until the earliest timer (and at most
 * @max_wait_ms; -1: no bound), then run due timers and ready watchers.
 * Returns the number of callbacks run, or -errno of epoll_wait.
 */
MUST_CHECK int drv_loop_once(struct drv_loop *l, int max_wait_ms);
/*
 * Turn until drv_loop_stop() or a SIGTERM/SIGINT. Returns the stop code
 * (0 after a signal), or -errno when the loop itself failed.
 */
MUST_CHECK int drv_loop_run(struct drv_loop *l);
void drv_loop_stop(struct drv_loop *l, int code);
/* The signal that stopped the loop (SIGTERM, SIGINT), 0 if none. */
int drv_loop_signal(const struct drv_loop *l);
/* Slowest callback so far, in milliseconds (a promise we check in tests). */
uint64_t drv_loop_max_cb_ms(const struct drv_loop *l);

/*
 * A token bucket as Go's rate.Limiter(rate.Every(@period_ms), @burst):
 * it starts full with @burst tokens and gains one every @period_ms, never
 * holding more than @burst. @period_ms 0 means no limit; a @burst of 0 is
 * taken as 1 (Go's limiter would refuse everything, which is never what
 * --inventory-poll-burst=0 means). Integer arithmetic in ms.
 */
struct drv_bucket {
	uint64_t period_ms;
	uint64_t credit_ms; /* tokens × period, at most burst × period */
	uint64_t max_ms;
	uint64_t last_ms;
};

void drv_bucket_init(struct drv_bucket *b, uint64_t period_ms, uint32_t burst, uint64_t now_ms);
/* Take one token if there is one. */
bool drv_bucket_take(struct drv_bucket *b, uint64_t now_ms);
/* When the next token is there (@now_ms when there is one already). */
uint64_t drv_bucket_ready_ms(struct drv_bucket *b, uint64_t now_ms);

/* ------------------------------------------------------------ publish.c */

/* The pool this node publishes. */
struct drv_pool_opts {
	const char *node; /* pool name, spec.nodeName */
	const char *driver; /* INV_DRIVER_NAME */
	const char *node_uid; /* ownerReference to the Node; NULL or "" while unknown */
	const char *api_version; /* "resource.k8s.io/v1" */
};

/*
 * Mark the devices of @scan whose link holds one of the Node's own
 * addresses (@node_addrs: the IP strings of status.addresses InternalIP
 * and ExternalIP) as excluded ("holds the node address 10.0.0.1"), using
 * @addrs (an address dump: ifindex + address) to map addresses to links;
 * upstream weakness 16. Reasons live in @a. Returns the number of devices
 * newly excluded, -EINVAL (an address that is not an IP) or -ENOMEM.
 */
MUST_CHECK int drv_exclude_node_addrs(struct inv_scan *scan, const struct nl_addr *addrs,
				      size_t n_addrs, const char *const *node_addrs,
				      size_t n_node_addrs, struct arena *a);

enum drv_op_kind {
	DRV_OP_CREATE,
	DRV_OP_UPDATE,
	DRV_OP_DELETE,
};

/* One write. Strings are borrowed from the @current tree of drv_plan_make(). */
struct drv_op {
	enum drv_op_kind kind;
	struct json *body; /* CREATE, UPDATE: the object to send (owned by the plan) */
	const char *name, *uid, *resource_version; /* UPDATE, DELETE */
};

struct drv_plan {
	struct drv_op *ops; /* creates and updates first, then deletes */
	size_t n;
	int64_t generation; /* the pool's generation once the plan is done */
	size_t n_slices; /* slices of the pool once the plan is done */
	size_t n_others; /* slices of other drivers, nodes: never touched */
};

/*
 * The minimal writes that make the server's slices @current (a JSON array
 * of ResourceSlice objects as a list returns them: any driver, any node)
 * equal to @desired (inv_slices_build()'s array; its generation is
 * ignored). Slices are compared by content (driver, node, pool name and
 * slice count, each device's name, attributes and capacity, and the owner
 * reference when @o->node_uid is known), never by server-set metadata.
 * Nothing differs → no ops, generation unchanged. Exactly one slice
 * differs and the count holds → that slice is updated in place at the same
 * generation (one slice is written atomically). Otherwise the generation
 * goes up by one and every desired slice is written: updates reuse the
 * existing slices (content-equal ones first), creates add the rest,
 * leftovers (and slices of this driver and node in another pool) are
 * deleted with uid and resourceVersion preconditions. Slices of other
 * drivers or nodes are never in the plan. Returns 0, -EINVAL (bad options
 * or @desired), -ENOMEM; drv_plan_fini() in every case.
 */
MUST_CHECK int drv_plan_make(const struct drv_pool_opts *o, const struct json *desired,
			     const struct json *current, struct drv_plan *out);
void drv_plan_fini(struct drv_plan *p);

/*
 * What the publisher asks of the API server (the REST client, or a fake in
 * tests, implements it). The client fills err and result and then calls
 * drv_pub_done(); it may do so before submit returns.
 */
enum drv_api_kind {
	DRV_API_LIST, /* this node's slices of this driver (field selectors) */
	DRV_API_CREATE,
	DRV_API_UPDATE, /* PUT with metadata.resourceVersion */
	DRV_API_DELETE, /* with preconditions uid, resourceVersion */
};

struct drv_api_req {
	enum drv_api_kind kind;
	const char *node, *driver; /* LIST */
	const struct json *body; /* CREATE, UPDATE */
	const char *name, *uid, *resource_version; /* UPDATE (name), DELETE */
	/* Filled by the client. */
	int err; /* 0; -ENOENT 404, -EEXIST 409, -EACCES 403, -EINVAL 422, other -errno */
	struct json *result; /* LIST: the items array; CREATE/UPDATE: the stored object */
};

struct drv_api {
	/* Start @req (borrowed until done). 0, or -errno: then done is never called. */
	int (*submit)(void *ctx, struct drv_api_req *req);
	void *ctx;
};

struct drv_pub;

/* Counters for /metrics and tests. */
struct drv_pub_stats {
	uint64_t writes; /* confirmed creates, updates, deletes */
	uint64_t write_errors;
	uint64_t lists;
	uint64_t rounds; /* list + plan rounds completed */
	int64_t generation;
	size_t devices, devices_rdma; /* published by the last confirmed round */
	double last_published_unix; /* wall time of the last round the API confirmed; 0 never */
};

/*
 * A publisher for @o (strings copied) through @api (borrowed). A round
 * lists the server's slices, plans, and runs the plan's writes one at a
 * time; a failed write ends the round and the next round re-lists.
 * Returns 0, -EINVAL or -ENOMEM.
 */
MUST_CHECK int drv_pub_new(const struct drv_pool_opts *o, const struct drv_api *api,
			   struct drv_pub **out);
void drv_pub_free(struct drv_pub *p);
/* The Node's uid became known (owner references follow at the next round). */
MUST_CHECK int drv_pub_set_node_uid(struct drv_pub *p, const char *uid);
/*
 * The devices to publish: the non-excluded devices of @scan (copied now).
 * A round is due when they differ from the last set. Returns 1 when they
 * changed, 0 when not, -ENOMEM.
 */
MUST_CHECK int drv_pub_set_scan(struct drv_pub *p, const struct inv_scan *scan);
/* Ask for a round even without a change (periodic resync: slices deleted behind our back). */
void drv_pub_resync(struct drv_pub *p);
/* Start a round when one is due and none is running. 1 started, 0 not, or -errno of submit. */
MUST_CHECK int drv_pub_kick(struct drv_pub *p);
/* Is a round running? Is one due? */
bool drv_pub_busy(const struct drv_pub *p);
bool drv_pub_due(const struct drv_pub *p);
/* Call @fn with the round's result (0 or -errno) each time a round ends. */
void drv_pub_on_round(struct drv_pub *p, void (*fn)(void *ctx, int err), void *ctx);
/* The client finished @req (see struct drv_api). */
void drv_pub_done(struct drv_pub *p, struct drv_api_req *req);
/* The last round's error (0 when it completed). */
int drv_pub_last_err(const struct drv_pub *p);
const struct drv_pub_stats *drv_pub_stats(const struct drv_pub *p);

/* ------------------------------------------------------------ follow.c */

struct inv;
struct inv_expr;

/* Links marked dirty before the follower gives up on them one by one and rescans all. */
#define DRV_DIRTY_MAX 256
/* Netlink receive buffer for events (a burst of 4000 links fits; overflow → rescan). */
#define DRV_NL_RCVBUF (4u << 20)

struct drv_follow_opts {
	uint64_t min_poll_ms; /* --inventory-min-poll-interval: token refill period */
	uint64_t max_poll_ms; /* --inventory-max-poll-interval: safety rescan period */
	uint32_t burst; /* --inventory-poll-burst */
	const struct inv_expr *filter; /* --filter, NULL for none */
	const char *netns_path; /* where to listen for events; NULL: ours (tests) */
	/*
	 * The inventory changed (or the first scan is there): @scan is valid
	 * until the next call or drv_follow_free(); excluded devices carry
	 * their reason (filter and node addresses applied).
	 */
	void (*on_scan)(void *ctx, struct inv_scan *scan);
	void *ctx;
};

struct drv_follow_stats {
	uint64_t events; /* netlink messages read */
	uint64_t full_scans, link_scans;
	uint64_t overflows; /* ENOBUFS: the kernel dropped events */
	uint64_t errors; /* failed scans (the last good one stays) */
	uint64_t last_full_us; /* how long the last full scan took, microseconds */
	uint64_t max_full_us;
	size_t devices, published;
};

struct drv_follow;

/*
 * Follow @inv's node from loop @l: subscribe to links, addresses, routes
 * and rules, run the first full scan now (it is the start-up scan, before
 * anyone waits on the loop), then re-read dirty links as events come
 * (rate limited by a token bucket), a full scan on route or rule changes,
 * -ENOBUFS, and every max_poll_ms. A scan that fails keeps the last good
 * inventory (never an empty one) and is retried. Returns 0 or -errno of
 * the netlink setup; a failed first scan is not an error (retried).
 */
MUST_CHECK int drv_follow_new(struct drv_loop *l, struct inv *inv, const struct drv_follow_opts *o,
			      struct drv_follow **out);
void drv_follow_free(struct drv_follow *f);
/*
 * The Node's own addresses (status.addresses, IP strings): their links are
 * excluded from now on (a rescan applies them). Returns 0, -EINVAL, -ENOMEM.
 */
MUST_CHECK int drv_follow_set_node_addrs(struct drv_follow *f, const char *const *addrs, size_t n);
/* The current inventory, NULL before the first good scan. */
const struct inv_scan *drv_follow_scan(const struct drv_follow *f);
const struct drv_follow_stats *drv_follow_stats(const struct drv_follow *f);

/* ------------------------------------------------------------ metrics.c */

/* What /metrics shows; NULL parts are left out. */
struct drv_metrics {
	bool have_devices; /* the first scan is there */
	size_t devices, devices_rdma; /* after the filter and exclusions */
	const struct drv_pub_stats *pub; /* NULL: not publishing */
	const struct drv_follow_stats *follow;
	uint64_t http_requests;
	uint64_t loop_max_cb_ms;
};

/*
 * Append the Prometheus text exposition (format 0.0.4) of @m to @out:
 * upstream's dranet_driver_published_devices_total{feature="rdma"|"total"}
 * and dranet_driver_last_published_time_seconds (only once the API
 * confirmed a write), our inventory and publishing counters, and the
 * process collector's process_cpu_seconds_total,
 * process_resident_memory_bytes, process_virtual_memory_bytes,
 * process_start_time_seconds, process_open_fds and process_max_fds
 * (from /proc/self, as client_golang reads them). Returns 0 or -ENOMEM.
 */
MUST_CHECK int drv_metrics_write(const struct drv_metrics *m, struct buf *out);
/* Content-Type of the text format. */
#define DRV_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* ------------------------------------------------------------ k8sapi.c */

struct k8s_client;

/* Wait before asking again for a Node that is not there (or not readable). */
#define DRV_NODE_RETRY_MS 5000u
/* Coalesce slice watch events this long before a re-list (our own writes come back too). */
#define DRV_WATCH_SETTLE_MS 500u

/*
 * The publisher's struct drv_api over lib/k8s's client, on loop @l: the
 * client's connection and a watch of this node's slices are fds in the
 * loop. At start it discovers the resource.k8s.io version and GETs the
 * Node (retried every DRV_NODE_RETRY_MS); then @on_node gets its uid and
 * its InternalIP/ExternalIP addresses. A watch event on our slices (one
 * deleted behind our back, say) asks @on_change for a re-list round.
 */
struct drv_k8s_opts {
	const char *node, *driver;
	void (*on_node)(void *ctx, const char *uid, const char *const *addrs, size_t n);
	void (*on_change)(void *ctx); /* the server's slices changed */
	void *ctx;
};

struct drv_k8s;

/* @c is borrowed (it must outlive the adapter). Returns 0, -ENOMEM, or the first request's error. */
MUST_CHECK int drv_k8s_new(struct drv_loop *l, struct k8s_client *c, const struct drv_k8s_opts *o,
			   struct drv_k8s **out);
void drv_k8s_free(struct drv_k8s *k);
/* The struct drv_api to give drv_pub_new(); then drv_k8s_set_pub() so completions reach it. */
const struct drv_api *drv_k8s_api(struct drv_k8s *k);
void drv_k8s_set_pub(struct drv_k8s *k, struct drv_pub *pub);
/* The Node and the version are known: publishing may start. */
bool drv_k8s_ready(const struct drv_k8s *k);

/* ------------------------------------------------------------ plugin.c */

struct kubelet;

/* Open connections on the two kubelet sockets; more are closed at once. */
#define DRV_PLUGIN_CONNS_MAX 128

struct drv_plugin_opts {
	const char *registry_dir; /* NULL: /var/lib/kubelet/plugins_registry */
	const char *plugins_dir; /* NULL: /var/lib/kubelet/plugins (dra.sock in <dir>/dra.net) */
	/* The kubelet accepted the registration (again after a refusal). */
	void (*on_registered)(void *ctx);
	void *ctx;
};

struct drv_plugin_stats {
	uint64_t accepted; /* connections */
	uint64_t refused; /* closed at once: over DRV_PLUGIN_CONNS_MAX */
	size_t conns; /* open now */
};

struct drv_plugin;

/*
 * The kubelet plugin (lib/kubelet) on loop @l: both sockets listen (stale
 * ones removed first), and every accepted connection is an fd of @l; call
 * deadlines and the registration retry are timers of @l. Returns 0, or
 * kubelet_init()'s -errno (-EINVAL, -ENAMETOOLONG, -EEXIST, ...).
 */
MUST_CHECK int drv_plugin_new(struct drv_loop *l, const struct drv_plugin_opts *o,
			      struct drv_plugin **out);
/* GOAWAY to open connections, close them, remove both sockets. NULL-safe. */
void drv_plugin_free(struct drv_plugin *p);
/* lib/kubelet's state (hooks for prepare/unprepare go there). */
struct kubelet *drv_plugin_kubelet(struct drv_plugin *p);
const char *drv_plugin_reg_path(const struct drv_plugin *p);
const char *drv_plugin_dra_path(const struct drv_plugin *p);
/* Did the kubelet's last NotifyRegistrationStatus accept us? */
bool drv_plugin_registered(const struct drv_plugin *p);
const struct drv_plugin_stats *drv_plugin_stats(const struct drv_plugin *p);
/*
 * Append the plugin's metrics: upstream's dranet_driver_dra_plugin_requests_total
 * and ..._requests_latency_seconds (kubelet_metrics_write()), and ours on
 * registration and connections. 0 or -ENOMEM.
 */
MUST_CHECK int drv_plugin_metrics_write(const struct drv_plugin *p, struct buf *b);

#endif
