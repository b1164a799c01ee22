/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kubelet plugin registration and the DRA service (reference/protocols.md
 * §1-2): sockets, GetInfo / NotifyRegistrationStatus, NodePrepareResources /
 * NodeUnprepareResources on v1 and v1beta1, request metrics.
 */
#include "kubelet/kubelet.h"

#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto/dra_v1.pb-c.h"
#include "proto/dra_v1beta1.pb-c.h"
#include "proto/pluginregistration.pb-c.h"

/* ------------------------------------------------------------ sockets */

/* mkdir -p the parent directories of @path, new ones 0750. */
static int mkdir_parents(const char *path)
{
	char dir[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, n + 1);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

int kubelet_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	struct stat st;
	int fd, ret;

	if (n == 0 || n >= sizeof(sa.sun_path))
		return n ? -ENAMETOOLONG : -EINVAL;
	memcpy(sa.sun_path, path, n);
	ret = mkdir_parents(path);
	if (ret < 0)
		return ret;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Linux gives the bound file the socket inode's mode: 0600 from the start. */
	if (fchmod(fd, 0600) < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, 64) < 0) {
		ret = -errno;
		goto out_close;
	}
	return fd;
out_close:
	close(fd);
	return ret;
}

static bool is_valid_driver(const char *d)
{
	size_t n = strlen(d);

	return n > 0 && n <= 63 && d[0] != '.' && !strchr(d, '/');
}

/* @out = "@a/@b" */
static int join(char *out, size_t size, const char *a, const char *b)
{
	int n = snprintf(out, size, "%s/%s", a, b);

	return n < 0 ? -EINVAL : (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* ------------------------------------------------------------ metrics */

static const double lat_bounds[KUBELET_LAT_BUCKETS] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
							0.5,   1,    2.5,   5,	  10 };
static const char *const method_label[2] = { "PrepareResourceClaims", "UnprepareResourceClaims" };

static void count(struct kubelet *k, int method, bool failed, uint64_t ns)
{
	struct kubelet_hist *h = &k->latency[method];
	double s = (double)ns / 1e9;

	k->requests[method][failed ? 1 : 0]++;
	h->count++;
	h->sum += s;
	for (size_t i = 0; i < KUBELET_LAT_BUCKETS; i++) {
		if (s <= lat_bounds[i]) {
			h->le[i]++;
			break;
		}
	}
}

int kubelet_metrics_write(const struct kubelet *k, struct buf *b)
{
	static const char *const st[2] = { "success", "failed" };
	int ret = 0;

	ret |= buf_puts(b, "# HELP dranet_driver_dra_plugin_requests_total Total number of DRA "
			   "plugin requests.\n# TYPE dranet_driver_dra_plugin_requests_total "
			   "counter\n");
	for (int m = 0; m < 2; m++)
		for (int s = 0; s < 2; s++)
			ret |= buf_printf(b,
					  "dranet_driver_dra_plugin_requests_total{method=\"%s\","
					  "status=\"%s\"} %llu\n",
					  method_label[m], st[s],
					  (unsigned long long)k->requests[m][s]);
	ret |= buf_puts(b, "# HELP dranet_driver_dra_plugin_requests_latency_seconds DRA plugin "
			   "request latency in seconds.\n# TYPE "
			   "dranet_driver_dra_plugin_requests_latency_seconds histogram\n");
	for (int m = 0; m < 2; m++) {
		const struct kubelet_hist *h = &k->latency[m];
		uint64_t cum = 0;

		for (size_t i = 0; i < KUBELET_LAT_BUCKETS; i++) {
			cum += h->le[i];
			ret |= buf_printf(
				b,
				"dranet_driver_dra_plugin_requests_latency_seconds_bucket{"
				"method=\"%s\",le=\"%g\"} %llu\n",
				method_label[m], lat_bounds[i], (unsigned long long)cum);
		}
		ret |= buf_printf(
			b,
			"dranet_driver_dra_plugin_requests_latency_seconds_bucket{method="
			"\"%s\",le=\"+Inf\"} %llu\n"
			"dranet_driver_dra_plugin_requests_latency_seconds_sum{method=\"%s\"} "
			"%.9g\n"
			"dranet_driver_dra_plugin_requests_latency_seconds_count{method=\"%s\"} "
			"%llu\n",
			method_label[m], (unsigned long long)h->count, method_label[m], h->sum,
			method_label[m], (unsigned long long)h->count);
	}
	return ret ? -ENOMEM : 0;
}

/* ------------------------------------------------------- registration */

static char *supported_versions[] = { "v1.DRAPlugin", "v1beta1.DRAPlugin" };

static int h_get_info(void *ctx, struct grpc_call *call, const void *req, void **resp,
		      const char **why)
{
	struct kubelet *k = ctx;
	Pluginregistration__PluginInfo *pi;

	(void)req;
	pi = arena_alloc(grpc_call_arena(call), sizeof(*pi));
	if (!pi) {
		*why = "out of memory";
		return -ENOMEM;
	}
	pluginregistration__plugin_info__init(pi);
	pi->type = KUBELET_PLUGIN_TYPE;
	pi->name = (char *)k->driver;
	pi->endpoint = k->dra_path;
	pi->n_supported_versions = ARRAY_SIZE(supported_versions);
	pi->supported_versions = supported_versions;
	k->getinfo_calls++;
	log_debug("kubelet getinfo", "endpoint=%s", k->dra_path);
	*resp = pi;
	return 0;
}

/* The kubelet's error text made safe for one logfmt value: printable ASCII, no quotes. */
static void log_safe(char *out, size_t size, const char *in)
{
	size_t i = 0;

	for (; in[i] && i + 1 < size; i++)
		out[i] = (in[i] >= 0x20 && in[i] < 0x7f && in[i] != '"' && in[i] != '\\') ? in[i]
											  : '?';
	out[i] = '\0';
}

static int h_notify(void *ctx, struct grpc_call *call, const void *req, void **resp,
		    const char **why)
{
	static Pluginregistration__RegistrationStatusResponse empty =
		PLUGINREGISTRATION__REGISTRATION_STATUS_RESPONSE__INIT;
	const Pluginregistration__RegistrationStatus *st = req;
	struct kubelet *k = ctx;
	char err[201];

	(void)call;
	(void)why;
	k->notify_calls++;
	if (st->plugin_registered) {
		if (!k->registered)
			log_info("registered with the kubelet", "driver=%s endpoint=%s", k->driver,
				 k->dra_path);
		k->registered = true;
		k->retry_at_ms = 0;
		k->retry_ms = 0;
	} else {
		k->registered = false;
		k->refusals++;
		k->retry_ms = k->retry_ms ? k->retry_ms * 2 : KUBELET_RETRY_MIN_MS;
		if (k->retry_ms > KUBELET_RETRY_MAX_MS)
			k->retry_ms = KUBELET_RETRY_MAX_MS;
		k->retry_at_ms = time_now_ms() + k->retry_ms;
		log_safe(err, sizeof(err), st->error);
		log_warn("kubelet refused the registration", "driver=%s error=\"%s\" retry_ms=%u",
			 k->driver, err, k->retry_ms);
	}
	*resp = &empty;
	return 0;
}

static const struct grpc_method reg_methods[] = {
	{ "/pluginregistration.Registration/GetInfo", &pluginregistration__info_request__descriptor,
	  &pluginregistration__plugin_info__descriptor, h_get_info },
	{ "/pluginregistration.Registration/NotifyRegistrationStatus",
	  &pluginregistration__registration_status__descriptor,
	  &pluginregistration__registration_status_response__descriptor, h_notify },
};

/* ---------------------------------------------------------------- DRA */

static const char *const not_implemented[2] = {
	"dra.net: NodePrepareResources is not implemented yet",
	"dra.net: NodeUnprepareResources is not implemented yet",
};

static const char *run_hook(struct kubelet *k, int method, const char *ns, const char *uid,
			    const char *name, struct arena *a)
{
	kubelet_claim_fn fn = method == KUBELET_PREPARE ? k->prepare : k->unprepare;
	struct kubelet_claim c = { ns, uid, name };

	if (!fn)
		return not_implemented[method];
	return fn(k->hook_ctx, &c, a);
}

/*
 * The DRA handlers, once per API version: the v1 and v1beta1 messages are
 * the same on the wire, but protoc-c gives each package its own types.
 */
#define DRA_T(V, N) K8s__Io__Kubelet__Pkg__Apis__Dra__##V##__##N
#define DRA_F(v, n) k8s__io__kubelet__pkg__apis__dra__##v##__##n

#define DRA_HANDLERS(V, v)                                                                         \
	static int prepare_##v(void *ctx, struct grpc_call *call, const void *req_, void **resp_,  \
			       const char **why)                                                   \
	{                                                                                          \
		const DRA_T(V, NodePrepareResourcesRequest) *req = req_;                           \
		struct arena *a = grpc_call_arena(call);                                           \
		struct kubelet *k = ctx;                                                           \
		uint64_t t0 = time_now_ns();                                                       \
		DRA_T(V, NodePrepareResourcesResponse) *resp = arena_alloc(a, sizeof(*resp));      \
		bool failed = false;                                                               \
                                                                                                   \
		if (!resp)                                                                         \
			goto out_nomem;                                                            \
		DRA_F(v, node_prepare_resources_response__init)(resp);                             \
		resp->claims = arena_calloc(a, req->n_claims, sizeof(*resp->claims));              \
		if (!resp->claims && req->n_claims)                                                \
			goto out_nomem;                                                            \
		for (size_t i = 0; i < req->n_claims; i++) {                                       \
			const DRA_T(V, Claim) *c = req->claims[i];                                 \
			DRA_T(V, NodePrepareResourcesResponse__ClaimsEntry) *e =                   \
				arena_alloc(a, sizeof(*e));                                        \
			DRA_T(V, NodePrepareResourceResponse) *r = arena_alloc(a, sizeof(*r));     \
			const char *err;                                                           \
                                                                                                   \
			if (!e || !r)                                                              \
				goto out_nomem;                                                    \
			DRA_F(v, node_prepare_resources_response__claims_entry__init)(e);          \
			DRA_F(v, node_prepare_resource_response__init)(r);                         \
			err = run_hook(k, KUBELET_PREPARE, c->namespace_, c->uid, c->name, a);     \
			if (err) {                                                                 \
				r->error = (char *)err;                                            \
				failed = true;                                                     \
			}                                                                          \
			e->key = c->uid;                                                           \
			e->value = r;                                                              \
			resp->claims[resp->n_claims++] = e;                                        \
		}                                                                                  \
		count(k, KUBELET_PREPARE, failed, time_now_ns() - t0);                             \
		*resp_ = resp;                                                                     \
		return 0;                                                                          \
	out_nomem:                                                                                 \
		count(k, KUBELET_PREPARE, true, time_now_ns() - t0);                               \
		*why = "out of memory";                                                            \
		return -ENOMEM;                                                                    \
	}                                                                                          \
                                                                                                   \
	static int unprepare_##v(void *ctx, struct grpc_call *call, const void *req_,              \
				 void **resp_, const char **why)                                   \
	{                                                                                          \
		const DRA_T(V, NodeUnprepareResourcesRequest) *req = req_;                         \
		struct arena *a = grpc_call_arena(call);                                           \
		struct kubelet *k = ctx;                                                           \
		uint64_t t0 = time_now_ns();                                                       \
		DRA_T(V, NodeUnprepareResourcesResponse) *resp = arena_alloc(a, sizeof(*resp));    \
		bool failed = false;                                                               \
                                                                                                   \
		if (!resp)                                                                         \
			goto out_nomem;                                                            \
		DRA_F(v, node_unprepare_resources_response__init)(resp);                           \
		resp->claims = arena_calloc(a, req->n_claims, sizeof(*resp->claims));              \
		if (!resp->claims && req->n_claims)                                                \
			goto out_nomem;                                                            \
		for (size_t i = 0; i < req->n_claims; i++) {                                       \
			const DRA_T(V, Claim) *c = req->claims[i];                                 \
			DRA_T(V, NodeUnprepareResourcesResponse__ClaimsEntry) *e =                 \
				arena_alloc(a, sizeof(*e));                                        \
			DRA_T(V, NodeUnprepareResourceResponse) *r = arena_alloc(a, sizeof(*r));   \
			const char *err;                                                           \
                                                                                                   \
			if (!e || !r)                                                              \
				goto out_nomem;                                                    \
			DRA_F(v, node_unprepare_resources_response__claims_entry__init)(e);        \
			DRA_F(v, node_unprepare_resource_response__init)(r);                       \
			err = run_hook(k, KUBELET_UNPREPARE, c->namespace_, c->uid, c->name, a);   \
			if (err) {                                                                 \
				r->error = (char *)err;                                            \
				failed = true;                                                     \
			}                                                                          \
			e->key = c->uid;                                                           \
			e->value = r;                                                              \
			resp->claims[resp->n_claims++] = e;                                        \
		}                                                                                  \
		count(k, KUBELET_UNPREPARE, failed, time_now_ns() - t0);                           \
		*resp_ = resp;                                                                     \
		return 0;                                                                          \
	out_nomem:                                                                                 \
		count(k, KUBELET_UNPREPARE, true, time_now_ns() - t0);                             \
		*why = "out of memory";                                                            \
		return -ENOMEM;                                                                    \
	}

DRA_HANDLERS(V1, v1)
DRA_HANDLERS(V1beta1, v1beta1)

#define DRA_METHODS(V, v, pkg)                                                                     \
	{ "/" pkg ".DRAPlugin/NodePrepareResources",                                               \
	  &DRA_F(v, node_prepare_resources_request__descriptor),                                   \
	  &DRA_F(v, node_prepare_resources_response__descriptor), prepare_##v },                   \
	{                                                                                          \
		"/" pkg ".DRAPlugin/NodeUnprepareResources",                                       \
			&DRA_F(v, node_unprepare_resources_request__descriptor),                   \
			&DRA_F(v, node_unprepare_resources_response__descriptor), unprepare_##v    \
	}

static const struct grpc_method dra_methods[] = {
	DRA_METHODS(V1, v1, "k8s.io.kubelet.pkg.apis.dra.v1"),
	DRA_METHODS(V1beta1, v1beta1, "k8s.io.kubelet.pkg.apis.dra.v1beta1"),
};

/* --------------------------------------------------------------- life */

int kubelet_init(struct kubelet *k, const char *registry_dir, const char *plugins_dir,
		 const char *driver)
{
	char name[80];
	int ret;

	memset(k, 0, sizeof(*k));
	k->reg_fd = k->dra_fd = -1;
	k->driver = driver ? driver : KUBELET_DRIVER_NAME;
	registry_dir = registry_dir ? registry_dir : KUBELET_REGISTRY_DIR;
	plugins_dir = plugins_dir ? plugins_dir : KUBELET_PLUGINS_DIR;
	if (!is_valid_driver(k->driver) || registry_dir[0] != '/' || plugins_dir[0] != '/')
		return -EINVAL;
	snprintf(name, sizeof(name), "%s-reg.sock", k->driver); /* driver <= 63 bytes */
	ret = join(k->reg_path, sizeof(k->reg_path), registry_dir, name);
	if (ret == 0)
		ret = join(k->dra_dir, sizeof(k->dra_dir), plugins_dir, k->driver);
	if (ret == 0)
		ret = join(k->dra_path, sizeof(k->dra_path), k->dra_dir, "dra.sock");
	if (ret < 0)
		return ret;
	k->reg_srv = (struct grpc_server){ reg_methods, ARRAY_SIZE(reg_methods), k, NULL };
	k->dra_srv = (struct grpc_server){ dra_methods, ARRAY_SIZE(dra_methods), k, NULL };
	k->dra_fd = kubelet_listen(k->dra_path);
	if (k->dra_fd < 0) {
		ret = k->dra_fd;
		goto out;
	}
	k->reg_fd = kubelet_listen(k->reg_path);
	if (k->reg_fd < 0) {
		ret = k->reg_fd;
		goto out_close_dra;
	}
	return 0;
out_close_dra:
	close(k->dra_fd);
	unlink(k->dra_path);
	k->dra_fd = -1;
out:
	k->reg_fd = -1;
	return ret;
}

void kubelet_fini(struct kubelet *k)
{
	if (k->reg_fd >= 0) {
		close(k->reg_fd);
		unlink(k->reg_path);
	}
	if (k->dra_fd >= 0) {
		close(k->dra_fd);
		unlink(k->dra_path);
	}
	k->reg_fd = k->dra_fd = -1;
}

int kubelet_tick(struct kubelet *k, uint64_t now_ms)
{
	int fd;

	if (!k->retry_at_ms || now_ms < k->retry_at_ms)
		return 0;
	k->retry_at_ms = 0;
	if (k->reg_fd >= 0) {
		close(k->reg_fd);
		k->reg_fd = -1;
	}
	/* kubelet_listen() removes the old socket: the watcher sees Remove, then Create. */
	fd = kubelet_listen(k->reg_path);
	if (fd < 0) {
		k->retry_at_ms = now_ms + KUBELET_RETRY_MAX_MS;
		return fd;
	}
	k->reg_fd = fd;
	log_info("registration socket re-created", "path=%s refusals=%u", k->reg_path, k->refusals);
	return 1;
}

uint64_t kubelet_next_tick(const struct kubelet *k)
{
	return k->retry_at_ms;
}
