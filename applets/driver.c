// SPDX-License-Identifier: Apache-2.0
/*
 * dranet-driver: parses and checks every upstream flag (reference/upstream.md
 * §1.1, upstream-v1.4.md §1) plus ours, then runs the daemon on one epoll
 * loop: inventory following (lib/driver follow.c) and /healthz, /livez,
 * /metrics (lib/http server.c), publishing through lib/k8s (lib/driver
 * publish.c, k8sapi.c), the kubelet plugin's registration and DRA sockets
 * (lib/driver plugin.c over lib/kubelet). docs/driver.md, docs/kubelet.md.
 */
#include "applet.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/driver.h"
#include "http/http.h"
#include "inventory/inventory.h"
#include "k8s/k8s.h"

const char driver_usage[] =
	"usage: dranet-driver [FLAGS...]\n"
	"       dranet [FLAGS...]\n"
	"\n"
	"The DRA kubelet plugin and NRI plugin daemon. Built so far: discovery\n"
	"that follows the kernel (netlink events, rate limited, a safety rescan),\n"
	"ResourceSlice publishing for this node's pool, the kubelet plugin\n"
	"(registration, the DRA service on v1 and v1beta1; prepare answers\n"
	"'not implemented yet' per claim), /healthz, /livez and /metrics on\n"
	"--bind-address. Not yet: prepare/unprepare and NRI (issue 6 and later).\n"
	"docs/driver.md, docs/kubelet.md.\n"
	"\n"
	"Upstream's flags (Go syntax -flag=value and GNU syntax both work):\n"
	"  --kubeconfig PATH                 kubeconfig; default in-cluster config\n"
	"  --bind-address ADDR               /healthz and /metrics (default :9177)\n"
	"  --hostname-override NAME          node name; default the hostname\n"
	"  --filter EXPR                     CEL device filter (default: drop veth)\n"
	"  --inventory-min-poll-interval D   scan rate limit period (default 2s)\n"
	"  --inventory-max-poll-interval D   forced rescan period (default 1m)\n"
	"  --inventory-poll-burst N          scan burst (default 5)\n"
	"  --db-path PATH                    checkpoint file (default\n"
	"                                    /var/run/dranet/dranet.db; '' = none)\n"
	"  --move-ib-interfaces[=BOOL]       move IPoIB netdevs (default true)\n"
	"  --cloud-provider-hint NAME        AWS GCE AZURE OKE ALIBABA webhook NONE\n"
	"                                    none or '' (auto-detect)\n"
	"  --profile-provider NAME           cloud (default), webhook or none\n"
	"  --webhook-url URL                 http(s)://... or unix:///path\n"
	"  --kubelet-root-dir DIR            kubelet root (default /var/lib/kubelet):\n"
	"                                    DIR/plugins_registry/dra.net-reg.sock and\n"
	"                                    DIR/plugins/dra.net/dra.sock\n"
	"  --feature-gates LIST              Name=bool,... (DRAListTypeAttributes,\n"
	"                                    PersistentResourceSliceAttributes)\n"
	"  -v, --v N                         log verbosity 0..10\n"
	"  klog flags (--logtostderr, --log_dir, ...) are accepted and ignored.\n"
	"Ours:\n"
	"  --state-dir DIR                   checkpoint directory (default\n"
	"                                    /var/lib/kubelet/plugins/dra.net)\n"
	"  --nri-socket PATH                 NRI socket (default /var/run/nri/nri.sock)\n"
	"  --kubelet-registry-dir DIR        registration socket's directory (default\n"
	"                                    <kubelet-root-dir>/plugins_registry)\n"
	"  --kubelet-plugins-dir DIR         plugins directory: the DRA socket is\n"
	"                                    DIR/dra.net/dra.sock (default\n"
	"                                    <kubelet-root-dir>/plugins)\n"
	"\n"
	"Exit status: 0 after SIGTERM or SIGINT, 1 on a runtime failure (bad\n"
	"kubeconfig, --bind-address in use, no netlink, a kubelet socket that\n"
	"cannot listen), 2 on a usage error.\n";

enum {
	OPT_KUBECONFIG = 0x100,
	OPT_BIND,
	OPT_HOSTNAME,
	OPT_FILTER,
	OPT_MIN_POLL,
	OPT_MAX_POLL,
	OPT_BURST,
	OPT_DB_PATH,
	OPT_MOVE_IB,
	OPT_CLOUD_HINT,
	OPT_PROFILE,
	OPT_WEBHOOK,
	OPT_KUBELET_ROOT,
	OPT_GATES,
	OPT_STATE_DIR,
	OPT_NRI_SOCKET,
	OPT_REGISTRY_DIR,
	OPT_PLUGINS_DIR,
};

static const struct option long_opts[] = {
	{ "kubeconfig", required_argument, NULL, OPT_KUBECONFIG },
	{ "bind-address", required_argument, NULL, OPT_BIND },
	{ "hostname-override", required_argument, NULL, OPT_HOSTNAME },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "inventory-min-poll-interval", required_argument, NULL, OPT_MIN_POLL },
	{ "inventory-max-poll-interval", required_argument, NULL, OPT_MAX_POLL },
	{ "inventory-poll-burst", required_argument, NULL, OPT_BURST },
	{ "db-path", required_argument, NULL, OPT_DB_PATH },
	{ "move-ib-interfaces", optional_argument, NULL, OPT_MOVE_IB },
	{ "cloud-provider-hint", required_argument, NULL, OPT_CLOUD_HINT },
	{ "profile-provider", required_argument, NULL, OPT_PROFILE },
	{ "webhook-url", required_argument, NULL, OPT_WEBHOOK },
	{ "kubelet-root-dir", required_argument, NULL, OPT_KUBELET_ROOT },
	{ "feature-gates", required_argument, NULL, OPT_GATES },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "nri-socket", required_argument, NULL, OPT_NRI_SOCKET },
	{ "kubelet-registry-dir", required_argument, NULL, OPT_REGISTRY_DIR },
	{ "kubelet-plugins-dir", required_argument, NULL, OPT_PLUGINS_DIR },
	{ "v", required_argument, NULL, 'v' },
	APPLET_KLOG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

struct driver_opts {
	const char *kubeconfig;
	const char *bind_address;
	const char *hostname_override;
	const char *filter;
	uint64_t min_poll_ms, max_poll_ms;
	int64_t poll_burst;
	const char *db_path;
	bool move_ib;
	const char *cloud_hint;
	const char *profile_provider;
	const char *webhook_url;
	const char *kubelet_root_dir;
	struct applet_gates gates;
	const char *state_dir;
	const char *nri_socket;
	const char *registry_dir, *plugins_dir; /* NULL: under kubelet_root_dir */
	char registry_buf[PATH_MAX], plugins_buf[PATH_MAX];
	int verbosity;
	char node_name[256];
	struct inv_expr *filter_expr; /* compiled --filter, NULL when empty */
};

/* "[host]:port", "host:port" or ":port" with a port 0..65535 (Go net.SplitHostPort). */
static bool is_bind_address(const char *s)
{
	const char *colon = strrchr(s, ':');
	int64_t port;

	if (!colon || !colon[1])
		return false;
	if (str_to_i64(colon + 1, 10, &port) < 0 || port < 0 || port > 65535)
		return false;
	if (s[0] == '[')
		return colon > s && colon[-1] == ']' &&
		       !memchr(s + 1, '[', (size_t)(colon - s - 1));
	/* An unbracketed host must not contain another ':' (an IPv6 literal needs []). */
	return !memchr(s, ':', (size_t)(colon - s)) && !strchr(s, '[') && !strchr(s, ']');
}

static bool is_in(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

static int parse_flags(int argc, char **argv, struct driver_opts *o, struct arena *a)
{
	static const char *const hints[] = { "AWS",	"GCE",	"AZURE", "OKE", "ALIBABA",
					     "webhook", "NONE", "none",	 "" };
	static const char *const profiles[] = { "cloud", "webhook", "none" };
	const char *me = argv[0];
	struct inv_expr *filter;
	char err[160];
	int c, idx, ret;

	opterr = 1;
	for (;;) {
		idx = -1;
		/*
		 * No short options: -o and -v are one-letter long options. musl
		 * finds "-o=json" ambiguous when 'o' is also a short option and
		 * then reads it as -o with the argument "=json".
		 */
		c = getopt_long_only(argc, argv, "", long_opts, &idx);
		if (c == -1)
			break;
		switch (c) {
		case OPT_KUBECONFIG:
			o->kubeconfig = optarg;
			break;
		case OPT_BIND:
			if (!is_bind_address(optarg))
				return applet_usage_error(
					me, "--bind-address: want [HOST]:PORT, got '%s'", optarg);
			o->bind_address = optarg;
			break;
		case OPT_HOSTNAME:
			o->hostname_override = optarg;
			break;
		case OPT_FILTER:
			o->filter = optarg;
			break;
		case OPT_MIN_POLL:
		case OPT_MAX_POLL:
			if (applet_parse_duration_ms(optarg, c == OPT_MIN_POLL
								     ? &o->min_poll_ms
								     : &o->max_poll_ms) < 0)
				return applet_usage_error(me, "--%s: not a duration: '%s'",
							  long_opts[idx].name, optarg);
			break;
		case OPT_BURST:
			if (str_to_i64(optarg, 0, &o->poll_burst) < 0 || o->poll_burst < 0 ||
			    o->poll_burst > INT32_MAX)
				return applet_usage_error(
					me, "--inventory-poll-burst: not a count: '%s'", optarg);
			break;
		case OPT_DB_PATH:
			o->db_path = optarg;
			break;
		case OPT_MOVE_IB:
			if (applet_parse_bool(optarg, &o->move_ib) < 0)
				return applet_usage_error(
					me, "--move-ib-interfaces: not a bool: '%s'", optarg);
			break;
		case OPT_CLOUD_HINT:
			if (!is_in(optarg, hints, ARRAY_SIZE(hints)))
				return applet_usage_error(
					me,
					"--cloud-provider-hint: want one of AWS, GCE, "
					"AZURE, OKE, ALIBABA, webhook, NONE; got '%s'",
					optarg);
			o->cloud_hint = optarg;
			break;
		case OPT_PROFILE:
			if (!is_in(optarg, profiles, ARRAY_SIZE(profiles)))
				return applet_usage_error(
					me,
					"--profile-provider: want cloud, webhook or none; got '%s'",
					optarg);
			o->profile_provider = optarg;
			break;
		case OPT_WEBHOOK:
			if (*optarg && !str_has_prefix(optarg, "http://") &&
			    !str_has_prefix(optarg, "https://") &&
			    !str_has_prefix(optarg, "unix:///"))
				return applet_usage_error(
					me,
					"--webhook-url: want http(s)://... or unix:///path, got '%s'",
					optarg);
			o->webhook_url = optarg;
			break;
		case OPT_KUBELET_ROOT:
		case OPT_REGISTRY_DIR:
		case OPT_PLUGINS_DIR:
			/* The kubelet dials the endpoint GetInfo names: it must be absolute. */
			if (optarg[0] != '/')
				return applet_usage_error(me,
							  "--%s: want an absolute path, got '%s'",
							  long_opts[idx].name, optarg);
			if (c == OPT_KUBELET_ROOT)
				o->kubelet_root_dir = optarg;
			else if (c == OPT_REGISTRY_DIR)
				o->registry_dir = optarg;
			else
				o->plugins_dir = optarg;
			break;
		case OPT_GATES:
			ret = applet_parse_feature_gates(optarg, &o->gates, err, sizeof(err));
			if (ret < 0)
				return applet_usage_error(me, "--feature-gates: %s", err);
			break;
		case OPT_STATE_DIR:
			if (!*optarg)
				return applet_usage_error(me, "--state-dir: empty");
			o->state_dir = optarg;
			break;
		case OPT_NRI_SOCKET:
			if (!*optarg)
				return applet_usage_error(me, "--nri-socket: empty");
			o->nri_socket = optarg;
			break;
		case 'v':
			if (applet_parse_verbosity(optarg, &o->verbosity) < 0)
				return applet_usage_error(me, "-v: want 0..10, got '%s'", optarg);
			break;
		case APPLET_OPT_KLOG:
			applet_klog_flag("driver", long_opts, idx);
			break;
		default:
			fputs(driver_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return applet_usage_error(me, "unexpected argument '%s'", argv[optind]);
	if (!o->registry_dir) {
		if (snprintf(o->registry_buf, sizeof(o->registry_buf), "%s/plugins_registry",
			     o->kubelet_root_dir) >= (int)sizeof(o->registry_buf))
			return applet_usage_error(me, "--kubelet-root-dir: too long");
		o->registry_dir = o->registry_buf;
	}
	if (!o->plugins_dir) {
		if (snprintf(o->plugins_buf, sizeof(o->plugins_buf), "%s/plugins",
			     o->kubelet_root_dir) >= (int)sizeof(o->plugins_buf))
			return applet_usage_error(me, "--kubelet-root-dir: too long");
		o->plugins_dir = o->plugins_buf;
	}
	if (!strcmp(o->profile_provider, "webhook") && !*o->webhook_url)
		return applet_usage_error(me, "--profile-provider=webhook needs --webhook-url");
	if (!strcmp(o->cloud_hint, "webhook") && !*o->webhook_url)
		return applet_usage_error(me, "--cloud-provider-hint=webhook needs --webhook-url");
	/* Upstream: the node name and the filter are resolved at start, fatal when bad. */
	ret = applet_node_name(o->hostname_override, o->node_name, sizeof(o->node_name));
	if (ret < 0)
		return applet_usage_error(me, "node name: %s",
					  ret == -EINVAL ? "empty hostname is invalid"
							 : strerror(-ret));
	if (*o->filter) {
		ret = applet_compile_expr(me, "--filter", o->filter, INV_EXPR_FILTER, a, &filter);
		if (ret)
			return ret;
		o->filter_expr = filter;
	}
	return 0;
}

/* ------------------------------------------------------------ the daemon */

struct driver {
	struct driver_opts *o;
	struct drv_loop *l;
	struct inv *inv;
	struct drv_follow *follow;
	struct http_server *http;
	struct drv_timer http_t;
	/* /healthz: 503 until the first inventory is there and the kubelet registered us. */
	bool started;
	bool have_devices;
	struct drv_plugin *plugin;
	bool registered; /* the kubelet accepted the registration once (sticky) */
	bool said_waiting;
	size_t devices, devices_rdma;
	/* Publishing (only with an API server configuration). */
	struct k8s_config cfg;
	struct k8s_client *client;
	struct drv_k8s *k8s;
	struct drv_pub *pub;
	struct drv_timer pub_t, resync_t;
	bool addrs_pending; /* node addresses set, the scan that applies them not seen yet */
	uint32_t backoff_ms;
};

/* A periodic re-list besides the watch (a missed watch event is caught within this). */
#define RESYNC_MS 60000u
#define BACKOFF_MIN_MS 1000u
#define BACKOFF_MAX_MS 30000u

static void pub_soon(struct driver *d, uint64_t delay_ms)
{
	uint64_t due = time_now_ms() + delay_ms;

	if (drv_timer_armed(&d->pub_t) && d->pub_t.due_ms <= due)
		return;
	if (drv_timer_arm(d->l, &d->pub_t, due) < 0)
		log_err("cannot arm the publish timer", "timers=%d", DRV_TIMERS_MAX);
}

static void on_pub_timer(struct drv_loop *l, struct drv_timer *t, void *data)
{
	struct driver *d = data;
	int ret;

	(void)l;
	(void)t;
	if (!d->pub || !drv_k8s_ready(d->k8s) || d->addrs_pending)
		return;
	ret = drv_pub_kick(d->pub);
	if (ret < 0)
		log_warn("publish round not started", "err=\"%s\"", strerror(-ret));
}

static void on_round(void *ctx, int err)
{
	struct driver *d = ctx;
	const struct drv_pub_stats *st = drv_pub_stats(d->pub);

	if (err < 0) {
		d->backoff_ms = d->backoff_ms ? d->backoff_ms * 2 : BACKOFF_MIN_MS;
		if (d->backoff_ms > BACKOFF_MAX_MS)
			d->backoff_ms = BACKOFF_MAX_MS;
		log_warn("publishing failed, retrying", "err=\"%s\" retry_ms=%u", strerror(-err),
			 d->backoff_ms);
		pub_soon(d, d->backoff_ms);
		return;
	}
	if (d->backoff_ms)
		log_info("publishing works again", NULL);
	d->backoff_ms = 0;
	log_debug("publish round", "generation=%lld writes=%llu devices=%zu",
		  (long long)st->generation, (unsigned long long)st->writes, st->devices);
	if (drv_pub_due(d->pub))
		pub_soon(d, 0);
}

static void on_resync(struct drv_loop *l, struct drv_timer *t, void *data)
{
	struct driver *d = data;

	if (d->pub) {
		drv_pub_resync(d->pub);
		pub_soon(d, 0);
	}
	if (drv_timer_arm(l, t, time_now_ms() + RESYNC_MS) < 0)
		log_err("cannot arm the resync timer", "timers=%d", DRV_TIMERS_MAX);
}

static void on_node(void *ctx, const char *uid, const char *const *addrs, size_t n)
{
	struct driver *d = ctx;
	int ret;

	ret = drv_pub_set_node_uid(d->pub, uid);
	if (ret == 0 && d->follow)
		ret = drv_follow_set_node_addrs(d->follow, addrs, n);
	if (ret < 0) {
		log_err("node addresses not usable, publishing nothing", "err=\"%s\"",
			strerror(-ret));
		return;
	}
	d->addrs_pending = d->follow != NULL;
	if (!d->addrs_pending)
		pub_soon(d, 0);
}

static void on_change(void *ctx)
{
	struct driver *d = ctx;

	drv_pub_resync(d->pub);
	pub_soon(d, 0);
}

/* Upstream's driver.Start returns once the kubelet has registered the plugin. */
static void check_started(struct driver *d)
{
	if (d->started || !d->have_devices)
		return;
	if (!d->registered) {
		if (d->plugin && !d->said_waiting)
			log_info("waiting for the kubelet to register the plugin", "socket=%s",
				 drv_plugin_reg_path(d->plugin));
		d->said_waiting = d->plugin != NULL;
		return;
	}
	d->started = true;
	log_info("driver started", "node=%s bind=%s", d->o->node_name, d->o->bind_address);
}

static void on_registered(void *ctx)
{
	struct driver *d = ctx;

	d->registered = true;
	check_started(d);
}

static void on_scan(void *ctx, struct inv_scan *scan)
{
	struct driver *d = ctx;
	size_t n = 0, rdma = 0;

	for (size_t i = 0; i < scan->n; i++) {
		const struct inv_attr *at;

		if (scan->dev[i].excluded)
			continue;
		n++;
		at = inv_attr_get(&scan->dev[i], "dra.net/rdma");
		rdma += at && at->type == INV_BOOL && at->b;
	}
	if (!d->have_devices || n != d->devices)
		log_info("inventory", "devices=%zu published=%zu rdma=%zu", scan->n, n, rdma);
	d->have_devices = true;
	d->devices = n;
	d->devices_rdma = rdma;
	if (d->pub) {
		int ret = drv_pub_set_scan(d->pub, scan);

		if (ret < 0)
			log_err("slices not built", "err=\"%s\"", strerror(-ret));
		d->addrs_pending = false;
		if (drv_pub_due(d->pub))
			pub_soon(d, 0);
	}
	check_started(d);
}

/* lib/http's server asks for fds to be watched: poll bits are epoll bits on Linux. */
static void on_http_fd(struct drv_loop *l, int fd, uint32_t events, void *data);

static int http_watch(void *ctx, int fd, short events)
{
	struct driver *d = ctx;
	int ret = drv_loop_mod_fd(d->l, fd, (uint32_t)events);

	if (ret == -ENOENT)
		ret = drv_loop_add_fd(d->l, fd, (uint32_t)events, on_http_fd, d);
	return ret;
}

static void http_unwatch(void *ctx, int fd)
{
	struct driver *d = ctx;

	drv_loop_del_fd(d->l, fd);
}

static void http_rearm(struct driver *d)
{
	uint64_t due = http_server_deadline(d->http);

	if (due == UINT64_MAX)
		drv_timer_cancel(d->l, &d->http_t);
	else if (drv_timer_arm(d->l, &d->http_t, due) < 0)
		log_err("cannot arm the http timer", "timers=%d", DRV_TIMERS_MAX);
}

static void on_http_fd(struct drv_loop *l, int fd, uint32_t events, void *data)
{
	struct driver *d = data;

	(void)l;
	http_server_on_fd(d->http, fd, (short)events, time_now_ms());
	http_rearm(d);
}

static void on_http_timer(struct drv_loop *l, struct drv_timer *t, void *data)
{
	struct driver *d = data;

	(void)l;
	(void)t;
	http_server_on_timer(d->http, time_now_ms());
	http_rearm(d);
}

static void on_request(void *ctx, const struct http_server_req *req, struct http_server_resp *resp)
{
	struct driver *d = ctx;

	if (!strcmp(req->path, "/healthz")) {
		resp->status = d->started ? 200 : 503;
		if (buf_puts(resp->body, d->started	    ? "ok\n"
					 : !d->have_devices ? "starting: no inventory yet\n"
							    : "starting: not registered with the "
							      "kubelet yet\n") < 0)
			resp->status = 500;
	} else if (!strcmp(req->path, "/livez")) {
		resp->status = 200;
		if (buf_puts(resp->body, "ok\n") < 0)
			resp->status = 500;
	} else if (!strcmp(req->path, "/metrics")) {
		struct drv_metrics m = {
			.have_devices = d->have_devices,
			.devices = d->devices,
			.devices_rdma = d->devices_rdma,
			.follow = d->follow ? drv_follow_stats(d->follow) : NULL,
			.pub = d->pub ? drv_pub_stats(d->pub) : NULL,
			.http_requests = http_server_requests(d->http),
			.loop_max_cb_ms = drv_loop_max_cb_ms(d->l),
		};

		resp->status = drv_metrics_write(&m, resp->body) < 0 ? 500 : 200;
		if (d->plugin && drv_plugin_metrics_write(d->plugin, resp->body) < 0)
			resp->status = 500;
		resp->content_type = DRV_METRICS_CONTENT_TYPE;
	} else {
		resp->status = 404;
		if (buf_puts(resp->body, "404 page not found\n") < 0)
			resp->status = 500;
	}
}

/*
 * The API server as upstream finds it (--kubeconfig, else in-cluster; a
 * broken --kubeconfig is fatal) and the publisher on it. Without any
 * configuration the driver still discovers and serves /metrics, and says
 * loudly that nothing is published (upstream exits instead).
 */
static int setup_api(struct driver *d)
{
	struct k8s_config_err err = { { 0 } };
	struct drv_pool_opts po = {
		.node = d->o->node_name,
		.driver = INV_DRIVER_NAME,
		.api_version = "resource.k8s.io/v1",
	};
	struct drv_k8s_opts ko = {
		.node = d->o->node_name,
		.driver = INV_DRIVER_NAME,
		.on_node = on_node,
		.on_change = on_change,
		.ctx = d,
	};
	int ret = k8s_config_load(&d->cfg, d->o->kubeconfig, NULL, &err);

	if (ret < 0 && *d->o->kubeconfig) {
		log_err("kubeconfig unusable", "path=%s err=\"%s\"", d->o->kubeconfig,
			err.msg[0] ? err.msg : strerror(-ret));
		return ret;
	}
	if (ret < 0) {
		log_warn("no API server configuration (no --kubeconfig, not in a cluster): "
			 "discovery, /healthz and /metrics run, nothing is published",
			 "err=\"%s\"", err.msg[0] ? err.msg : strerror(-ret));
		return 0;
	}
	log_info("api server", "source=\"%s\" server=%s", d->cfg.source, d->cfg.authority);
	ret = k8s_client_new(&d->cfg, NULL, &d->client);
	if (ret == 0)
		ret = drv_k8s_new(d->l, d->client, &ko, &d->k8s);
	if (ret == 0)
		ret = drv_pub_new(&po, drv_k8s_api(d->k8s), &d->pub);
	if (ret < 0) {
		log_err("api client", "err=\"%s\"", strerror(-ret));
		return ret;
	}
	drv_k8s_set_pub(d->k8s, d->pub);
	drv_pub_on_round(d->pub, on_round, d);
	return drv_timer_arm(d->l, &d->resync_t, time_now_ms() + RESYNC_MS);
}

static int run_driver(struct driver_opts *o)
{
	struct driver d = { .o = o };
	struct inv_opts io = {
		.pcidb_path = getenv("PCIDB_PATH"),
		.move_ib_interfaces = o->move_ib,
		.list_type_attributes = o->gates.list_type_attributes,
	};
	struct drv_follow_opts fo = {
		.min_poll_ms = o->min_poll_ms,
		.max_poll_ms = o->max_poll_ms,
		.burst = (uint32_t)o->poll_burst,
		.filter = o->filter_expr,
		.on_scan = on_scan,
		.ctx = &d,
	};
	struct http_server_io hio = { http_watch, http_unwatch, &d };
	struct drv_plugin_opts po = {
		.registry_dir = o->registry_dir,
		.plugins_dir = o->plugins_dir,
		.on_registered = on_registered,
		.ctx = &d,
	};
	int ret, rc = EXIT_FAIL;

	ret = drv_loop_new(true, &d.l);
	if (ret < 0) {
		log_err("event loop", "err=\"%s\"", strerror(-ret));
		return EXIT_FAIL;
	}
	drv_timer_init(&d.http_t, on_http_timer, &d);
	drv_timer_init(&d.pub_t, on_pub_timer, &d);
	drv_timer_init(&d.resync_t, on_resync, &d);
	if (setup_api(&d) < 0)
		goto out;
	/* Upstream starts its HTTP server first: /healthz answers 503 while discovery starts. */
	ret = http_server_new(o->bind_address, &hio, on_request, &d, &d.http);
	if (ret < 0) {
		log_err("cannot listen", "bind=%s err=\"%s\"", o->bind_address, strerror(-ret));
		goto out;
	}
	ret = inv_new(&io, &d.inv);
	if (ret < 0) {
		log_err("inventory", "err=\"%s\"", strerror(-ret));
		goto out;
	}
	ret = drv_follow_new(d.l, d.inv, &fo, &d.follow);
	if (ret < 0) {
		log_err("netlink events", "err=\"%s\"", strerror(-ret));
		goto out;
	}
	/* After the first scan: the DRA socket answers with an inventory behind it. */
	ret = drv_plugin_new(d.l, &po, &d.plugin);
	if (ret < 0) {
		log_err("kubelet plugin sockets", "registry_dir=%s plugins_dir=%s err=\"%s\"",
			o->registry_dir, o->plugins_dir, strerror(-ret));
		goto out;
	}
	log_info("kubelet plugin listening", "registration=%s dra=%s",
		 drv_plugin_reg_path(d.plugin), drv_plugin_dra_path(d.plugin));
	check_started(&d);
	log_info("serving", "bind=%s port=%u min_poll_ms=%llu max_poll_ms=%llu burst=%lld",
		 o->bind_address, http_server_port(d.http), (unsigned long long)o->min_poll_ms,
		 (unsigned long long)o->max_poll_ms, (long long)o->poll_burst);
	ret = drv_loop_run(d.l);
	if (ret < 0) {
		log_err("event loop failed", "err=\"%s\"", strerror(-ret));
		goto out;
	}
	rc = EXIT_OK;
	log_info("driver stopped", NULL);
out:
	/* Upstream stops the kubelet plugin first: no more calls, both sockets removed. */
	drv_plugin_free(d.plugin);
	drv_k8s_free(d.k8s);
	drv_pub_free(d.pub);
	k8s_client_free(d.client);
	k8s_config_fini(&d.cfg);
	drv_timer_cancel(d.l, &d.pub_t);
	drv_timer_cancel(d.l, &d.resync_t);
	drv_follow_free(d.follow);
	http_server_free(d.http);
	drv_timer_cancel(d.l, &d.http_t);
	inv_free(d.inv);
	drv_loop_free(d.l);
	return rc;
}

int driver_main(int argc, char **argv)
{
	struct driver_opts o = {
		.kubeconfig = "",
		.bind_address = ":9177",
		.hostname_override = "",
		.filter = INV_FILTER_DEFAULT,
		.min_poll_ms = 2000,
		.max_poll_ms = 60000,
		.poll_burst = 5,
		.db_path = "/var/run/dranet/dranet.db",
		.move_ib = true,
		.cloud_hint = "",
		.profile_provider = "cloud",
		.webhook_url = "",
		.kubelet_root_dir = "/var/lib/kubelet",
		.state_dir = "/var/lib/kubelet/plugins/dra.net",
		.nri_socket = "/var/run/nri/nri.sock",
	};
	struct arena *a = arena_new(1u << 20);
	int ret;

	if (!a) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return EXIT_FAIL;
	}
	ret = parse_flags(argc, argv, &o, a);
	if (ret)
		goto out;
	log_setup("driver", o.verbosity ? log_level_from_verbosity(o.verbosity) : LOG_INFO);
	log_debug("flags checked", "node=%s bind=%s registry_dir=%s plugins_dir=%s", o.node_name,
		  o.bind_address, o.registry_dir, o.plugins_dir);
	ret = run_driver(&o);
out:
	arena_free(a);
	return ret;
}
