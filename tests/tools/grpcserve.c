/* SPDX-License-Identifier: Apache-2.0 */
/*
 * grpcserve: the kubelet-facing sockets (lib/kubelet over lib/grpc + lib/h2)
 * in a plain poll() loop, for the e2e tests until the driver's own loop
 * serves them.
 *
 *   grpcserve --registry-dir DIR --plugins-dir DIR [--driver NAME]
 *             [--metrics FILE] [--max-conns N] [-v]
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
				 "grpcserve_refusals %u\ngrpcserve_registered %d\n",
				 (unsigned long long)k->getinfo_calls,
				 (unsigned long long)k->notify_calls, k->refusals, k->registered);
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
		case 'v':
			level = LOG_DEBUG;
			break;
		default:
			fprintf(stderr, "usage: grpcserve --registry-dir DIR --plugins-dir DIR "
					"[--driver NAME] [--metrics FILE] [--max-conns N] [-v]\n");
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
