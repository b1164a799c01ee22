/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/kubelet: the kubelet-facing side of the driver (reference/protocols.md
 * §1-2, docs/kubelet.md):
 *
 * - the two listening unix sockets: the plugin-registration socket
 *   <registry_dir>/<driver>-reg.sock and the DRA service socket
 *   <plugins_dir>/<driver>/dra.sock; stale sockets are removed before
 *   listening, both are removed by kubelet_fini(); sockets 0600, the
 *   directories we create 0750;
 * - the Registration service (GetInfo, NotifyRegistrationStatus) and the DRA
 *   service on both API versions (v1 and v1beta1 DRAPlugin), as
 *   struct grpc_server method tables for lib/grpc;
 * - a refused registration is logged and retried by re-creating the
 *   registration socket (the kubelet's watcher sees a new socket), with a
 *   back-off from KUBELET_RETRY_MIN_MS to KUBELET_RETRY_MAX_MS;
 * - the dranet_driver_dra_plugin_requests_total and
 *   ..._requests_latency_seconds metrics, as upstream counts them.
 *
 * Until the driver's prepare/unprepare exist (issue 6), every claim of a
 * NodePrepareResources / NodeUnprepareResources call gets a per-claim error
 * (never a fake success), unless the owner sets kubelet.prepare/unprepare.
 *
 * Lives beside lib/driver (which owns the event loop) and lib/grpc; depends
 * on grpc, proto and base. Not thread-safe.
 */
#ifndef DRANET_KUBELET_KUBELET_H
#define DRANET_KUBELET_KUBELET_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/base.h"
#include "grpc/grpc.h"

#define KUBELET_DRIVER_NAME "dra.net"
#define KUBELET_REGISTRY_DIR "/var/lib/kubelet/plugins_registry"
#define KUBELET_PLUGINS_DIR "/var/lib/kubelet/plugins"
/* "DRAPlugin" is PluginInfo.type for DRA drivers. */
#define KUBELET_PLUGIN_TYPE "DRAPlugin"
/* Re-creating the registration socket after a refusal: 1 s doubling to 30 s. */
#define KUBELET_RETRY_MIN_MS 1000u
#define KUBELET_RETRY_MAX_MS 30000u
/* sun_path holds 108 bytes with its NUL. */
#define KUBELET_SOCK_PATH_MAX 108

/* A claim as the kubelet names it (strings NUL-terminated, in the call's arena). */
struct kubelet_claim {
	const char *ns, *uid, *name;
};

/*
 * A per-claim hook: NULL on success, else the claim's error text (static or
 * in @a). Called once per claim of a batch.
 */
typedef const char *(*kubelet_claim_fn)(void *ctx, const struct kubelet_claim *claim,
					struct arena *a);

/* Latency histogram with Prometheus' default buckets (.005 ... 10 s). */
#define KUBELET_LAT_BUCKETS 11
struct kubelet_hist {
	uint64_t le[KUBELET_LAT_BUCKETS]; /* cumulative at render time; per bucket here */
	uint64_t count;
	double sum;
};

enum { KUBELET_PREPARE = 0, KUBELET_UNPREPARE = 1 };

struct kubelet {
	char reg_path[KUBELET_SOCK_PATH_MAX];
	char dra_dir[PATH_MAX];
	char dra_path[KUBELET_SOCK_PATH_MAX];
	const char *driver;
	int reg_fd, dra_fd;
	/* Registration state from NotifyRegistrationStatus. */
	bool registered;
	unsigned refusals;
	uint64_t retry_at_ms; /* 0: no re-registration pending */
	unsigned retry_ms;
	uint64_t getinfo_calls, notify_calls;
	/* Batch hooks (NULL: "not implemented yet" per claim) and their context. */
	kubelet_claim_fn prepare, unprepare;
	void *hook_ctx;
	/* dranet_driver_dra_plugin_requests_total{method,status} and latency. */
	uint64_t requests[2][2]; /* [method][0 success, 1 failed] */
	struct kubelet_hist latency[2];
	struct grpc_server reg_srv, dra_srv;
};

/*
 * Set up @k for @driver (NULL: "dra.net") with sockets under @registry_dir
 * and @plugins_dir (NULL: the kubelet defaults; both must be absolute), and
 * listen on both (DRA first, so the endpoint answers before the kubelet
 * learns of it). Returns 0, -EINVAL (relative dir, bad driver name),
 * -ENAMETOOLONG (a socket path over 107 bytes), -EEXIST (something that is
 * not a socket sits at a socket path), or -errno from mkdir/socket/bind.
 */
MUST_CHECK int kubelet_init(struct kubelet *k, const char *registry_dir, const char *plugins_dir,
			    const char *driver);
/* Close both listeners and remove both sockets. */
void kubelet_fini(struct kubelet *k);

/*
 * Listen on a unix stream socket at @path (non-blocking, close-on-exec):
 * parent directories are created 0750 when missing, a stale socket there is
 * removed, the socket is made 0600. Returns the fd, -EEXIST (not a socket
 * at @path), -ENAMETOOLONG, or -errno.
 */
MUST_CHECK int kubelet_listen(const char *path);

/*
 * Time-driven work at @now_ms (monotonic): the registration retry. Returns 1
 * when the registration listener was re-created (k->reg_fd changed: re-add
 * it to the loop), 0 when nothing happened, or -errno (the retry is
 * rescheduled).
 */
MUST_CHECK int kubelet_tick(struct kubelet *k, uint64_t now_ms);
/* When kubelet_tick() wants to run next (monotonic ms), 0 for never. */
uint64_t kubelet_next_tick(const struct kubelet *k);

/* Append the DRA request metrics in Prometheus text format. 0 or -ENOMEM. */
MUST_CHECK int kubelet_metrics_write(const struct kubelet *k, struct buf *b);

#endif
