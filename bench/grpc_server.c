/* SPDX-License-Identifier: Apache-2.0 */
/*
 * grpc_server: the DRA v1 service on lib/grpc + lib/h2 in a poll() loop, for
 * bench/grpc.sh, doing the same work per call as the grpc-go server of
 * bench/grpc/main.go: decode NodePrepareResourcesRequest (lib/grpc), look
 * every claim up by uid in an in-memory table of --claims claims, and encode
 * a response with one device per known claim (an error text for an unknown
 * one). NodeUnprepareResources answers each claim with an empty result.
 *
 *   grpc_server --sock PATH [--claims N]
 *
 * Claim i has uid "uid-<i>", device "dev-<i>" in pool "node-1", request
 * "nic" and CDI id "dra.net/nic=dev-<i>" (the Go server builds the same).
 * Prints "ready PATH" once listening; exits on SIGTERM/SIGINT.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/base.h"
#include "grpc/grpc.h"
#include "kubelet/kubelet.h"
#include "proto/dra_v1.pb-c.h"

#define MAX_CONNS 256
#define MAX_CLAIMS 65536u

#define DRA_T(N) K8s__Io__Kubelet__Pkg__Apis__Dra__V1__##N
#define DRA_F(n) k8s__io__kubelet__pkg__apis__dra__v1__##n

struct claim {
	char *uid, *pool, *device, *cdi;
};

/* Open addressing by FNV-1a of the uid; a power of two, at most half full. */
static struct claim *table;
static size_t table_mask;
static char *request_names[1] = { "nic" };

static uint64_t fnv(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

static const struct claim *lookup(const char *uid)
{
	for (size_t i = fnv(uid) & table_mask;; i = (i + 1) & table_mask) {
		if (!table[i].uid)
			return NULL;
		if (strcmp(table[i].uid, uid) == 0)
			return &table[i];
	}
}

static int fill(size_t n)
{
	size_t slots = 16;

	while (slots < 2 * n)
		slots <<= 1;
	table = calloc(slots, sizeof(*table));
	if (!table)
		return -ENOMEM;
	table_mask = slots - 1;
	for (size_t k = 0; k < n; k++) {
		struct claim c = { 0 };
		size_t i;

		if (asprintf(&c.uid, "uid-%zu", k) < 0 || asprintf(&c.device, "dev-%zu", k) < 0 ||
		    asprintf(&c.cdi, "dra.net/nic=dev-%zu", k) < 0)
			return -ENOMEM;
		c.pool = "node-1";
		for (i = fnv(c.uid) & table_mask; table[i].uid; i = (i + 1) & table_mask)
			;
		table[i] = c;
	}
	return 0;
}

static int prepare(void *ctx, struct grpc_call *call, const void *req_, void **resp_,
		   const char **why)
{
	const DRA_T(NodePrepareResourcesRequest) *req = req_;
	struct arena *a = grpc_call_arena(call);
	DRA_T(NodePrepareResourcesResponse) *resp = arena_alloc(a, sizeof(*resp));

	(void)ctx;
	if (!resp)
		goto nomem;
	DRA_F(node_prepare_resources_response__init)(resp);
	resp->claims = arena_calloc(a, req->n_claims, sizeof(*resp->claims));
	if (!resp->claims && req->n_claims)
		goto nomem;
	for (size_t i = 0; i < req->n_claims; i++) {
		const DRA_T(Claim) *c = req->claims[i];
		const struct claim *found = lookup(c->uid);
		DRA_T(NodePrepareResourcesResponse__ClaimsEntry) *e = arena_alloc(a, sizeof(*e));
		DRA_T(NodePrepareResourceResponse) *r = arena_alloc(a, sizeof(*r));

		if (!e || !r)
			goto nomem;
		DRA_F(node_prepare_resources_response__claims_entry__init)(e);
		DRA_F(node_prepare_resource_response__init)(r);
		if (found) {
			DRA_T(Device) *d = arena_alloc(a, sizeof(*d));

			r->devices = arena_alloc(a, sizeof(*r->devices));
			if (!d || !r->devices)
				goto nomem;
			DRA_F(device__init)(d);
			d->n_request_names = 1;
			d->request_names = request_names;
			d->pool_name = found->pool;
			d->device_name = found->device;
			d->n_cdi_device_ids = 1;
			d->cdi_device_ids = (char **)&found->cdi;
			r->devices[0] = d;
			r->n_devices = 1;
		} else {
			r->error = "claim not found";
		}
		e->key = c->uid;
		e->value = r;
		resp->claims[resp->n_claims++] = e;
	}
	*resp_ = resp;
	return 0;
nomem:
	*why = "out of memory";
	return -ENOMEM;
}

static int unprepare(void *ctx, struct grpc_call *call, const void *req_, void **resp_,
		     const char **why)
{
	const DRA_T(NodeUnprepareResourcesRequest) *req = req_;
	struct arena *a = grpc_call_arena(call);
	DRA_T(NodeUnprepareResourcesResponse) *resp = arena_alloc(a, sizeof(*resp));

	(void)ctx;
	if (!resp)
		goto nomem;
	DRA_F(node_unprepare_resources_response__init)(resp);
	resp->claims = arena_calloc(a, req->n_claims, sizeof(*resp->claims));
	if (!resp->claims && req->n_claims)
		goto nomem;
	for (size_t i = 0; i < req->n_claims; i++) {
		DRA_T(NodeUnprepareResourcesResponse__ClaimsEntry) *e = arena_alloc(a, sizeof(*e));
		DRA_T(NodeUnprepareResourceResponse) *r = arena_alloc(a, sizeof(*r));

		if (!e || !r)
			goto nomem;
		DRA_F(node_unprepare_resources_response__claims_entry__init)(e);
		DRA_F(node_unprepare_resource_response__init)(r);
		e->key = req->claims[i]->uid;
		e->value = r;
		resp->claims[resp->n_claims++] = e;
	}
	*resp_ = resp;
	return 0;
nomem:
	*why = "out of memory";
	return -ENOMEM;
}

static const struct grpc_method methods[] = {
	{ "/k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin/NodePrepareResources",
	  &DRA_F(node_prepare_resources_request__descriptor),
	  &DRA_F(node_prepare_resources_response__descriptor), prepare },
	{ "/k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin/NodeUnprepareResources",
	  &DRA_F(node_unprepare_resources_request__descriptor),
	  &DRA_F(node_unprepare_resources_response__descriptor), unprepare },
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct conn {
	int fd;
	bool ready; /* poll() flagged it, or it is new */
	struct grpc_conn *g;
};

static int run(int lfd, struct grpc_server *srv)
{
	static struct conn conns[MAX_CONNS];
	static struct pollfd pfd[MAX_CONNS + 1];
	size_t n = 0;

	while (!stop) {
		uint64_t now = time_now_ns(), wake = 0;
		int timeout = -1, ret;

		pfd[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (size_t i = 0; i < n; i++) {
			uint64_t d = grpc_conn_deadline(conns[i].g);

			pfd[1 + i] = (struct pollfd){
				.fd = conns[i].fd,
				.events = POLLIN | (grpc_conn_want_write(conns[i].g) ? POLLOUT : 0),
			};
			if (d && (!wake || d < wake))
				wake = d;
		}
		if (wake)
			timeout = wake <= now ? 0 : (int)((wake - now) / 1000000 + 1);
		ret = poll(pfd, 1 + n, timeout);
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (stop)
			break;
		/* Only the connections poll() flagged, plus new ones (SETTINGS first). */
		for (size_t i = 0; i < n; i++)
			conns[i].ready = pfd[1 + i].revents != 0;
		while (pfd[0].revents & POLLIN) {
			int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

			if (fd < 0)
				break;
			if (n >= MAX_CONNS || !(conns[n].g = grpc_conn_new(srv))) {
				close(fd);
				continue;
			}
			conns[n].ready = true;
			conns[n++].fd = fd;
		}
		now = time_now_ns();
		for (size_t i = 0; i < n;) {
			bool due = wake && wake <= now;
			const char *why = NULL;

			if (!conns[i].ready && !due) {
				i++;
				continue;
			}
			ret = grpc_conn_io(conns[i].g, conns[i].fd, now, &why);
			if (ret > 0) {
				i++;
				continue;
			}
			grpc_conn_free(conns[i].g);
			close(conns[i].fd);
			conns[i] = conns[--n];
		}
	}
	for (size_t i = 0; i < n; i++) {
		grpc_conn_free(conns[i].g);
		close(conns[i].fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sock", required_argument, NULL, 's' },
		{ "claims", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct grpc_server srv = { methods, ARRAY_SIZE(methods), NULL, NULL };
	struct sigaction sa = { .sa_handler = on_signal };
	const char *sock = NULL;
	size_t claims = 1024;
	int c, fd, ret;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'n':
			claims = strtoul(optarg, NULL, 10);
			break;
		default:
			sock = NULL;
			optind = argc;
			break;
		}
	}
	if (!sock || claims < 1 || claims > MAX_CLAIMS) {
		fprintf(stderr, "usage: grpc_server --sock PATH [--claims N (1..%u)]\n",
			MAX_CLAIMS);
		return 2;
	}
	log_setup("grpc_server", LOG_WARN);
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (fill(claims) < 0)
		return 1;
	fd = kubelet_listen(sock);
	if (fd < 0) {
		fprintf(stderr, "grpc_server: %s: %s\n", sock, strerror(-fd));
		return 1;
	}
	printf("ready %s\n", sock);
	fflush(stdout);
	ret = run(fd, &srv);
	close(fd);
	unlink(sock);
	if (ret < 0)
		fprintf(stderr, "grpc_server: %s\n", strerror(-ret));
	return ret < 0 ? 1 : 0;
}
