// SPDX-License-Identifier: Apache-2.0
/*
 * h2echo: a test HTTP/2 server on lib/h2 only, for tests/e2e/50-h2-conformance.t.
 *
 *   h2echo SOCKET_PATH
 *
 * Listens on a unix socket (prior knowledge, no TLS) and answers each request
 * with :status 200, content-type application/octet-stream, x-echo-method,
 * x-echo-path, x-echo-len and the request body echoed back. A request with
 * no body for /size/N gets N bytes of 'a'..'z' instead. A request with
 * "te: trailers" also gets a trailer x-echo-trailer: done. SIGTERM or SIGINT
 * sends GOAWAY on every connection, lets open streams finish, then exits.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "h2/h2.h"

#define MAX_CONNS 256

struct conn {
	int fd;
	struct h2_conn *h2;
};

struct call {
	uint8_t *body;
	size_t len, cap;
	char method[16], path[256];
	bool trailers;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int grow(struct arena *a, struct call *k, size_t add)
{
	size_t need = k->len + add, cap = k->cap ? k->cap : 1024;
	void *p;

	if (need <= k->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	p = arena_realloc(a, k->body, k->cap, cap);
	if (!p)
		return -ENOMEM;
	k->body = p;
	k->cap = cap;
	return 0;
}

static void copy_field(char *dst, size_t size, struct slice v)
{
	size_t n = v.len < size - 1 ? v.len : size - 1;

	memcpy(dst, v.p, n);
	dst[n] = 0;
}

static int respond(struct h2_conn *c, struct h2_stream *s, struct call *k)
{
	char len[32];
	struct h2_field f[4];
	int ret;

	if (k->len == 0 && strncmp(k->path, "/size/", 6) == 0) {
		size_t n = strtoul(k->path + 6, NULL, 10);

		if (n > H2_MAX_MESSAGE)
			n = H2_MAX_MESSAGE;
		ret = grow(h2_stream_arena(s), k, n);
		if (ret < 0)
			return ret;
		for (size_t i = 0; i < n; i++)
			k->body[i] = (uint8_t)('a' + i % 26);
		k->len = n;
	}
	snprintf(len, sizeof(len), "%zu", k->len);
	f[0] = h2_field_str("content-type", "application/octet-stream");
	f[1] = h2_field_str("x-echo-method", k->method);
	f[2] = h2_field_str("x-echo-path", k->path);
	f[3] = h2_field_str("x-echo-len", len);
	ret = h2_submit_headers(c, s, 200, f, 4, false);
	if (ret == 0)
		ret = h2_submit_data(c, s, k->body, k->len, !k->trailers);
	if (ret == 0 && k->trailers) {
		f[0] = h2_field_str("x-echo-trailer", "done");
		ret = h2_submit_trailers(c, s, f, 1);
	}
	return ret;
}

static int on_request(void *user, struct h2_stream *s, const struct h2_request *req,
		      bool end_stream)
{
	struct h2_conn *c = ((struct conn *)user)->h2;
	struct call *k = arena_alloc(h2_stream_arena(s), sizeof(*k));
	const struct slice *te = h2_request_field(req, "te");

	if (!k)
		return -ENOMEM;
	copy_field(k->method, sizeof(k->method), req->method);
	copy_field(k->path, sizeof(k->path), req->path);
	k->trailers = te && slice_eq_str(*te, "trailers");
	h2_stream_set_user(s, k);
	return end_stream ? respond(c, s, k) : 0;
}

static int on_data(void *user, struct h2_stream *s, struct slice data, bool end_stream)
{
	struct call *k = h2_stream_user(s);
	int ret;

	if (data.len) {
		ret = grow(h2_stream_arena(s), k, data.len);
		if (ret < 0)
			return ret;
		memcpy(k->body + k->len, data.p, data.len);
		k->len += data.len;
	}
	return end_stream ? respond(((struct conn *)user)->h2, s, k) : 0;
}

static void on_close(void *user, struct h2_stream *s, uint32_t code)
{
	(void)user;
	if (code != H2_NO_ERROR)
		fprintf(stderr, "h2echo: stream %u closed: %s\n", h2_stream_id(s),
			h2_errcode_name(code));
}

static const struct h2_callbacks callbacks = { on_request, on_data, on_close };

static void set_events(int ep, struct conn *k)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = k };

	if (h2_conn_want_write(k->h2))
		ev.events |= EPOLLOUT;
	(void)epoll_ctl(ep, EPOLL_CTL_MOD, k->fd, &ev);
}

static void drop(int ep, struct conn *k, int *n)
{
	(void)epoll_ctl(ep, EPOLL_CTL_DEL, k->fd, NULL);
	close(k->fd);
	h2_conn_free(k->h2);
	free(k);
	(*n)--;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct conn *all[MAX_CONNS] = { 0 };
	int lfd, ep, n = 0;
	bool shutting = false;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: h2echo SOCKET_PATH\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 64) < 0) {
		perror("h2echo: listen");
		return 1;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	{
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

		(void)epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	}
	while (!(shutting && n == 0)) {
		struct epoll_event evs[32];
		int k = epoll_wait(ep, evs, 32, 100);

		if (stop && !shutting) {
			shutting = true;
			(void)epoll_ctl(ep, EPOLL_CTL_DEL, lfd, NULL);
			for (int i = 0; i < MAX_CONNS; i++) {
				if (!all[i])
					continue;
				h2_conn_shutdown(all[i]->h2);
				set_events(ep, all[i]);
			}
		}
		for (int i = 0; i < k; i++) {
			struct conn *cn = evs[i].data.ptr;
			const char *why = NULL;
			int ret;

			if (!cn) {
				int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT };
				int slot = 0;

				if (fd < 0)
					continue;
				while (slot < MAX_CONNS && all[slot])
					slot++;
				cn = slot < MAX_CONNS ? calloc(1, sizeof(*cn)) : NULL;
				if (cn)
					cn->h2 = h2_conn_new(&callbacks, cn);
				if (!cn || !cn->h2) {
					free(cn);
					close(fd);
					continue;
				}
				cn->fd = fd;
				all[slot] = cn;
				n++;
				ev.data.ptr = cn;
				(void)epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				continue;
			}
			ret = h2_conn_io(cn->h2, cn->fd, &why);
			if (why)
				fprintf(stderr, "h2echo: connection error: %s\n", why);
			if (ret <= 0) {
				for (int j = 0; j < MAX_CONNS; j++)
					if (all[j] == cn)
						all[j] = NULL;
				drop(ep, cn, &n);
				continue;
			}
			set_events(ep, cn);
		}
	}
	close(lfd);
	unlink(argv[1]);
	return 0;
}
