/* SPDX-License-Identifier: Apache-2.0 */
/*
 * grpcserve: the kubelet-facing sockets (lib/kubelet over lib/grpc + lib/h2)
 * in a plain poll() loop, for the e2e tests until the driver's own loop
 * serves them.
 *
 *   grpcserve --registry-dir DIR --plugins-dir DIR [--driver NAME]
 *             [--metrics FILE] [--max-conns N] [--defer-ms N] [-v]
 *
 * --defer-ms N answers every DRA call N ms late, the way the driver will
 * when a prepare waits for the API server: the handler returns -EINPROGRESS
 * and the loop calls grpc_call_respond() later (or the call is cancelled or
 * expires first, and its cancel hook drops it).
 *
 * Prints "ready <reg socket> <dra socket>" on stdout once both listen. On
 * SIGTERM/SIGINT it shuts down: sockets removed, metrics written to FILE.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/base.h"
#include "grpc/grpc.h"
#include "kubelet/kubelet.h"

#define MAX_CONNS 256

struct conn {
	int fd;
	struct grpc_conn *g;
};

/* Deferred DRA answers (--defer-ms). */
struct deferred {
	struct grpc_call *call;
	void *resp;
	uint64_t due_ns;
	struct deferred *next;
};

static uint64_t defer_ns;
static struct deferred *deferred_list;
static grpc_handler_fn orig_fn[8];
static struct grpc_method defer_methods[8];
static uint64_t deferred_cancelled;

static void drop_deferred(void *arg, struct grpc_call *call)
{
	struct deferred **pp = &deferred_list;

	(void)arg;
	for (; *pp; pp = &(*pp)->next) {
		if ((*pp)->call == call) {
			struct deferred *d = *pp;

			*pp = d->next;
			free(d);
			deferred_cancelled++;
			return;
		}
	}
}

static int deferring(void *ctx, struct grpc_call *call, const void *req, void **resp,
		     const char **why)
{
	size_t i = (size_t)(grpc_call_method(call) - defer_methods);
	struct deferred *d;
	int ret = orig_fn[i](ctx, call, req, resp, why);

	if (ret < 0)
		return ret;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->call = call;
	d->resp = *resp;
	d->due_ns = time_now_ns() + defer_ns;
	d->next = deferred_list;
	deferred_list = d;
	grpc_call_on_cancel(call, drop_deferred, NULL);
	return -EINPROGRESS;
}

static void install_defer(struct kubelet *k)
{
	for (size_t i = 0; i < k->dra_srv.n_methods && i < ARRAY_SIZE(defer_methods); i++) {
		defer_methods[i] = k->dra_srv.methods[i];
		orig_fn[i] = defer_methods[i].fn;
		defer_methods[i].fn = deferring;
	}
	k->dra_srv.methods = defer_methods;
}

/* Answer the deferred calls that are due; returns the earliest remaining due time. */
static uint64_t answer_deferred(uint64_t now)
{
	struct deferred **pp = &deferred_list;
	uint64_t next = 0;

	while (*pp) {
		struct deferred *d = *pp;

		if (d->due_ns > now) {
			if (!next || d->due_ns < next)
				next = d->due_ns;
			pp = &d->next;
			continue;
		}
		*pp = d->next;
		if (grpc_call_respond(d->call, d->resp) < 0)
			log_warn("deferred answer refused", "%s", "err=already");
		free(d);
	}
	return next;
}

static volatile sig_atomic_t stop;
/* Replies by grpc-status, both services (grpcserve_calls_total in the metrics file). */
static uint64_t calls_by_status[GRPC_UNAUTHENTICATED + 1];

static void on_done(void *ctx, const struct grpc_method *m, int status, uint64_t ns)
{
	(void)ctx;
	(void)m;
	(void)ns;
	if (status >= 0 && status <= GRPC_UNAUTHENTICATED)
		calls_by_status[status]++;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void accept_all(int lfd, struct grpc_server *srv, struct conn *conns, size_t *n, size_t max)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		if (*n >= max) {
			log_warn("too many connections", "max=%zu", max);
			close(fd);
			continue;
		}
		conns[*n].fd = fd;
		conns[*n].g = grpc_conn_new(srv);
		if (!conns[*n].g) {
			close(fd);
			continue;
		}
		(*n)++;
	}
}

static int write_metrics(const struct kubelet *k, const char *path)
{
	struct buf b;
	FILE *f;
	int ret;

	buf_init(&b, 1 << 20);
	ret = kubelet_metrics_write(k, &b);
	if (ret == 0) {
		ret = buf_printf(&b,
				 "grpcserve_getinfo_calls %llu\ngrpcserve_notify_calls %llu\n"
				 "grpcserve_refusals %u\ngrpcserve_registered %d\n"
				 "grpcserve_deferred_cancelled %llu\n",
				 (unsigned long long)k->getinfo_calls,
				 (unsigned long long)k->notify_calls, k->refusals, k->registered,
				 (unsigned long long)deferred_cancelled);
	}
	for (int i = 0; ret == 0 && i <= GRPC_UNAUTHENTICATED; i++)
		ret = buf_printf(&b, "grpcserve_calls_total{status=\"%s\"} %llu\n",
				 grpc_status_name(i), (unsigned long long)calls_by_status[i]);
	f = ret == 0 ? fopen(path, "w") : NULL;
	if (f) {
		fputs(b.p, f);
		if (fclose(f) != 0)
			ret = -EIO;
	} else if (ret == 0) {
		ret = -errno;
	}
	buf_fini(&b);
	return ret;
}

static int run(struct kubelet *k, size_t max_conns)
{
	static struct conn conns[MAX_CONNS];
	static struct pollfd pfd[MAX_CONNS + 2];
	size_t n = 0;

	while (!stop) {
		uint64_t now = time_now_ns(), wake = 0;
		int timeout = -1, ret;

		pfd[0] = (struct pollfd){ .fd = k->reg_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = k->dra_fd, .events = POLLIN };
		for (size_t i = 0; i < n; i++) {
			uint64_t d = grpc_conn_deadline(conns[i].g);

			pfd[2 + i] = (struct pollfd){
				.fd = conns[i].fd,
				.events = POLLIN | (grpc_conn_want_write(conns[i].g) ? POLLOUT : 0),
			};
			if (d && (!wake || d < wake))
				wake = d;
		}
		if (deferred_list) {
			uint64_t t = answer_deferred(now);

			if (t && (!wake || t < wake))
				wake = t;
			/* Answers just queued: write them now. */
			for (size_t i = 0; i < n; i++)
				if (grpc_conn_want_write(conns[i].g))
					pfd[2 + i].events |= POLLOUT;
		}
		if (kubelet_next_tick(k)) {
			uint64_t t = kubelet_next_tick(k) * 1000000ull;

			if (!wake || t < wake)
				wake = t;
		}
		if (wake)
			timeout = wake <= now ? 0 : (int)((wake - now) / 1000000 + 1);
		ret = poll(pfd, 2 + n, timeout);
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (stop)
			break;
		ret = kubelet_tick(k, time_now_ms());
		if (ret < 0)
			log_warn("registration retry failed", "err=%s", strerror(-ret));
		if (ret < 0 || ret == 1)
			continue; /* pfd[0] is stale */
		if (pfd[0].revents & POLLIN)
			accept_all(k->reg_fd, &k->reg_srv, conns, &n, max_conns);
		if (pfd[1].revents & POLLIN)
			accept_all(k->dra_fd, &k->dra_srv, conns, &n, max_conns);
		now = time_now_ns();
		for (size_t i = 0; i < n;) {
			const char *why = NULL;
			/* New connections (not polled yet) get one io call too: SETTINGS first. */
			ret = grpc_conn_io(conns[i].g, conns[i].fd, now, &why);
			if (ret > 0) {
				i++;
				continue;
			}
			if (why || ret < 0)
				log_info("connection closed", "fd=%d why=\"%s\" err=%s",
					 conns[i].fd, why ? why : "",
					 ret < 0 ? strerror(-ret) : "none");
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
		{ "registry-dir", required_argument, NULL, 'r' },
		{ "plugins-dir", required_argument, NULL, 'p' },
		{ "driver", required_argument, NULL, 'd' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "max-conns", required_argument, NULL, 'c' },
		{ "defer-ms", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reg = NULL, *plug = NULL, *driver = NULL, *metrics = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	size_t max_conns = MAX_CONNS;
	struct kubelet k;
	int c, ret, level = LOG_INFO;

	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			reg = optarg;
			break;
		case 'p':
			plug = optarg;
			break;
		case 'd':
			driver = optarg;
			break;
		case 'm':
			metrics = optarg;
			break;
		case 'c':
			max_conns = strtoul(optarg, NULL, 10);
			if (max_conns < 1 || max_conns > MAX_CONNS)
				max_conns = MAX_CONNS;
			break;
		case 'D':
			defer_ns = strtoull(optarg, NULL, 10) * 1000000ull;
			break;
		case 'v':
			level = LOG_DEBUG;
			break;
		default:
			fprintf(stderr,
				"usage: grpcserve --registry-dir DIR --plugins-dir DIR "
				"[--driver NAME] [--metrics FILE] [--max-conns N] [--defer-ms N] "
				"[-v]\n");
			return 2;
		}
	}
	log_setup("grpcserve", level);
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	ret = kubelet_init(&k, reg, plug, driver);
	if (ret < 0) {
		log_err("cannot listen", "err=%s", strerror(-ret));
		return 1;
	}
	k.reg_srv.done = on_done;
	k.dra_srv.done = on_done;
	if (defer_ns)
		install_defer(&k);
	printf("ready %s %s\n", k.reg_path, k.dra_path);
	fflush(stdout);
	ret = run(&k, max_conns);
	kubelet_fini(&k);
	if (metrics && write_metrics(&k, metrics) < 0)
		ret = -EIO;
	if (ret < 0)
		log_err("loop failed", "err=%s", strerror(-ret));
	return ret < 0 ? 1 : 0;
}
