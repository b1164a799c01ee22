// SPDX-License-Identifier: Apache-2.0
/*
 * httpc: a test client over lib/http + lib/tls, for tests/e2e/40-http-tls.t.
 *
 *   httpc [--ca FILE] [--cert FILE --key FILE] [--insecure] [--stream]
 *         [--loop] [--repeat N] [--method M] [--data TEXT] [--bearer TOKEN]
 *         [--timeout MS] [--server-name NAME] HOST PORT PATH
 *
 * Prints "status=N len=N" and "body=..." per request (--stream: "head
 * status=N", then "piece t=MS len=N data=..." per piece, MS since the head),
 * and "connects=N" at the end. --loop drives the connection with the
 * non-blocking API and epoll (as the driver does) instead of
 * http_do_blocking(). A failure prints "error: MESSAGE" on stderr, exit 1.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "http/http.h"
#include "tls/tls.h"

struct opts {
	const char *ca, *cert, *key, *method, *data, *bearer, *server_name;
	bool insecure, stream, loop;
	int repeat;
	uint32_t timeout;
};

static int read_all(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char tmp[4096];
	size_t n;
	int ret = 0;

	if (!f)
		return -errno;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		ret |= buf_put(b, tmp, n);
	fclose(f);
	return ret;
}

static void print_escaped(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n')
			fputs("\\n", stdout);
		else if (p[i] == '\r')
			fputs("\\r", stdout);
		else
			putchar(p[i]);
	}
	putchar('\n');
}

/* The driver's way: epoll on the fd, deadlines from the conn, step until -EAGAIN. */
static int run_loop(struct http_conn *c, const struct http_request *req, struct arena *a,
		    const struct opts *o)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), fd = -1, ret;
	uint64_t head_at = 0;
	uint32_t revents = 0;

	if (ep < 0)
		return -errno;
	ret = http_conn_request(c, req, a, o->stream ? SIZE_MAX : HTTP_BODY_CAP_DEFAULT,
				o->stream ? HTTP_STREAM : 0, time_now_ms(), o->timeout);
	while (ret == 0) {
		struct epoll_event ev = { 0 }, got;
		uint64_t now = time_now_ms(), dl;
		int n, step;

		step = http_conn_step(c, now, (short)revents);
		revents = 0;
		if (step == HTTP_EV_HEAD) {
			head_at = now;
			if (o->stream)
				printf("head status=%d\n", http_conn_response(c)->status);
			continue;
		}
		if (step == HTTP_EV_BODY) {
			struct slice s = http_conn_body(c);

			printf("piece t=%llu len=%zu data=", (unsigned long long)(now - head_at),
			       s.len);
			print_escaped((const char *)s.p, s.len);
			fflush(stdout);
			continue;
		}
		if (step == HTTP_EV_DONE)
			break;
		if (step != -EAGAIN) {
			ret = step;
			break;
		}
		/* (re)register: the fd changes on reconnects, the events with the state */
		if (fd >= 0 && fd != http_conn_fd(c))
			epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
		ev.events = (http_conn_events(c) & POLLIN ? EPOLLIN : 0) |
			    (http_conn_events(c) & POLLOUT ? EPOLLOUT : 0);
		if (fd != http_conn_fd(c)) {
			fd = http_conn_fd(c);
			if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
				ret = -errno;
		} else if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) < 0) {
			ret = -errno;
		}
		dl = http_conn_deadline(c);
		dl = dl > now ? dl - now : 0;
		n = epoll_wait(ep, &got, 1, dl > 60000 ? 60000 : (int)dl);
		if (n < 0 && errno != EINTR)
			ret = -errno;
		if (n > 0)
			revents = (got.events & EPOLLIN ? POLLIN : 0) |
				  (got.events & EPOLLOUT ? POLLOUT : 0);
	}
	close(ep);
	return ret;
}

static int one(struct http_conn *c, const struct opts *o)
{
	struct arena *a = arena_new(1 << 20);
	struct http_request req = {
		.method = o->method,
		.accept = "application/json",
		.bearer = o->bearer,
		.body = o->data,
		.body_len = o->data ? strlen(o->data) : 0,
		.content_type = o->data ? "application/json" : NULL,
	};
	const struct http_response *resp = NULL;
	int ret;

	if (!a)
		return -ENOMEM;
	req.target = getenv("HTTPC_TARGET");
	if (o->loop || o->stream) {
		ret = run_loop(c, &req, a, o);
		resp = http_conn_response(c);
	} else {
		ret = http_do_blocking(c, &req, a, HTTP_BODY_CAP_DEFAULT, o->timeout, &resp);
	}
	if (ret == 0 && !o->stream) {
		printf("status=%d len=%zu\nbody=", resp->status, resp->body_len);
		print_escaped(resp->body, resp->body_len);
	}
	arena_free(a);
	return ret;
}

static int load_tls(const struct opts *o, struct tls_config **out)
{
	struct tls_config *cfg;
	struct buf a, b;
	const char *why = "";
	int ret;

	ret = tls_config_new(&cfg);
	if (ret < 0)
		return ret;
	buf_init(&a, TLS_PEM_MAX);
	buf_init(&b, TLS_PEM_MAX);
	tls_config_set_insecure(cfg, o->insecure);
	if (o->ca) {
		ret = read_all(o->ca, &a);
		if (ret == 0)
			ret = tls_config_add_ca_pem(cfg, a.p, a.len, &why);
		if (ret < 0) {
			fprintf(stderr, "error: CA %s: %s (%s)\n", o->ca, why, strerror(-ret));
			goto out;
		}
	}
	if (o->cert) {
		buf_reset(&a);
		ret = read_all(o->cert, &a);
		if (ret == 0)
			ret = read_all(o->key, &b);
		if (ret == 0)
			ret = tls_config_set_client_pem(cfg, a.p, a.len, b.p, b.len, &why);
		if (ret < 0) {
			fprintf(stderr, "error: client certificate: %s (%s)\n", why,
				strerror(-ret));
			goto out;
		}
	}
	*out = cfg;
	cfg = NULL;
	ret = 0;
out:
	tls_config_free(cfg);
	buf_fini(&a);
	buf_fini(&b);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ca", 1, NULL, 'a' },	     { "cert", 1, NULL, 'c' },
		{ "key", 1, NULL, 'k' },     { "insecure", 0, NULL, 'i' },
		{ "stream", 0, NULL, 's' },  { "loop", 0, NULL, 'l' },
		{ "repeat", 1, NULL, 'r' },  { "method", 1, NULL, 'm' },
		{ "data", 1, NULL, 'd' },    { "bearer", 1, NULL, 'b' },
		{ "timeout", 1, NULL, 't' }, { "server-name", 1, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .method = "GET", .repeat = 1, .timeout = 10000 };
	struct tls_config *tls = NULL;
	struct http_conn *c = NULL;
	bool use_tls = false;
	int opt, ret = 0;

	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'a':
			o.ca = optarg, use_tls = true;
			break;
		case 'c':
			o.cert = optarg, use_tls = true;
			break;
		case 'k':
			o.key = optarg;
			break;
		case 'i':
			o.insecure = true, use_tls = true;
			break;
		case 's':
			o.stream = true;
			break;
		case 'l':
			o.loop = true;
			break;
		case 'r':
			o.repeat = atoi(optarg);
			break;
		case 'm':
			o.method = optarg;
			break;
		case 'd':
			o.data = optarg;
			break;
		case 'b':
			o.bearer = optarg;
			break;
		case 't':
			o.timeout = (uint32_t)atoi(optarg);
			break;
		case 'n':
			o.server_name = optarg;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 3 || (o.cert && !o.key)) {
		fprintf(stderr, "usage: httpc [options] HOST PORT PATH\n");
		return 2;
	}
	setenv("HTTPC_TARGET", argv[optind + 2], 1);
	if (use_tls && load_tls(&o, &tls) < 0)
		return 1;
	ret = http_conn_new(argv[optind], (uint16_t)atoi(argv[optind + 1]), tls, &c);
	if (ret < 0) {
		fprintf(stderr, "error: %s: %s\n", argv[optind], strerror(-ret));
		tls_config_free(tls);
		return 1;
	}
	if (o.server_name)
		ret = http_conn_set_server_name(c, o.server_name);
	for (int i = 0; i < o.repeat && ret == 0; i++)
		ret = one(c, &o);
	if (ret < 0)
		fprintf(stderr, "error: %s (%s)\n", http_conn_strerror(c), strerror(-ret));
	printf("connects=%u\n", http_conn_connects(c));
	http_conn_free(c);
	tls_config_free(tls);
	return ret < 0 ? 1 : 0;
}
