// SPDX-License-Identifier: Apache-2.0
/*
 * lib/http/server.c: request-head parsing (good heads, truncation at every
 * offset, exactly-at and one-over the head cap, bad method / target /
 * version / fields / Host, Content-Length rules, arena cap sweep), listen
 * address forms, and a real server on loopback driven by poll(): GET,
 * HEAD, 404, 405, 431, 400, pipelining and keep-alive.
 */
#include "http/http.h"
#include "t.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static int parse(const char *s, struct arena *a, struct http_server_req *r, const char **why)
{
	arena_reset(a);
	return http_server_parse((const uint8_t *)s, strlen(s), a, r, why);
}

static void test_parse_good(void)
{
	struct arena *a = arena_new(64 << 10);
	struct http_server_req r;
	const char *why;
	const char *s = "\r\nGET /metrics?x=1 HTTP/1.1\r\nHost: localhost:9177\r\n"
			"Accept:  text/plain \r\n\r\nGET / HTTP/1.1\r\n";

	REQUIRE(a);
	CHECK_EQ(parse(s, a, &r, &why), (int)(strstr(s, "\r\n\r\n") - s + 4));
	CHECK_STR(r.method, "GET");
	CHECK_STR(r.target, "/metrics?x=1");
	CHECK_STR(r.path, "/metrics");
	CHECK_EQ(r.minor, 1);
	CHECK_EQ(r.nheaders, 2);
	CHECK_STR(r.headers[1].value, "text/plain");
	CHECK(r.keep_alive);
	CHECK(!r.has_body);
	/* HTTP/1.0: no Host needed, closes unless keep-alive; bare LF line ends. */
	CHECK(parse("GET /healthz HTTP/1.0\n\n", a, &r, &why) > 0);
	CHECK(!r.keep_alive);
	CHECK(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", a, &r, &why) > 0);
	CHECK(r.keep_alive);
	CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n", a, &r, &why) >
	      0);
	CHECK(!r.keep_alive);
	/* A body is allowed but not read: the connection closes after the answer. */
	CHECK(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\n\r\nhi", a, &r, &why) >
	      0);
	CHECK(r.has_body);
	CHECK(!r.keep_alive);
	CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", a, &r, &why) > 0);
	CHECK(!r.has_body);
	arena_free(a);
}

static void test_parse_bad(void)
{
	static const struct {
		const char *in;
		int err;
	} cases[] = {
		{ "GE T / HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG },
		{ "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG },
		{ " GET / HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG },
		{ "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG },
		{ "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG },
		{ "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", -EBADMSG },
		{ "GET / http/1.1\r\nHost: a\r\n\r\n", -EBADMSG },
		{ "GET /\r\nHost: a\r\n\r\n", -EBADMSG },
		{ "GET / HTTP/2.0\r\nHost: a\r\n\r\n", -EPROTONOSUPPORT },
		{ "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", -EPROTONOSUPPORT },
		{ "GET / HTTP/1.1\r\n\r\n", -EBADMSG },
		{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -EBADMSG },
		{ "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", -EBADMSG },
		{ "GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", -EBADMSG },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01\r\n\r\n", -EBADMSG },
		{ "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", -EBADMSG },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\n", -EBADMSG },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", -EBADMSG },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", -EBADMSG },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
		  -EBADMSG },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
		  -EBADMSG },
	};
	struct arena *a = arena_new(64 << 10);
	struct http_server_req r;

	REQUIRE(a);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *why = NULL;
		int ret = parse(cases[i].in, a, &r, &why);

		if (ret != cases[i].err)
			T_FAIL("case %zu: got %d, want %d", i, ret, cases[i].err);
		CHECK(why != NULL);
	}
	arena_free(a);
}

/* Every prefix of a good head is incomplete; caps exactly at and one over. */
static void test_parse_truncation_and_caps(void)
{
	const char *s = "\r\nGET /metrics HTTP/1.1\r\nHost: x\r\nA: b\r\n\r\n";
	struct arena *a = arena_new(64 << 10);
	struct http_server_req r;
	const char *why;
	uint8_t *big = malloc(HTTP_SERVER_HEAD_MAX + 16);
	size_t head = strlen("GET / HTTP/1.1\r\nHost: x\r\nX: \r\n\r\n"), fill;

	REQUIRE(a && big);
	for (size_t n = 0; n < strlen(s); n++) {
		arena_reset(a);
		CHECK_EQ(http_server_parse((const uint8_t *)s, n, a, &r, &why), -EAGAIN);
	}
	CHECK_EQ(parse(s, a, &r, &why), (int)strlen(s));
	/* A head of exactly HTTP_SERVER_HEAD_MAX bytes parses; one more byte is 431. */
	fill = HTTP_SERVER_HEAD_MAX - head;
	memcpy(big, "GET / HTTP/1.1\r\nHost: x\r\nX: ", 28);
	memset(big + 28, 'a', fill);
	memcpy(big + 28 + fill, "\r\n\r\n", 4);
	arena_reset(a);
	CHECK_EQ(http_server_parse(big, HTTP_SERVER_HEAD_MAX, a, &r, &why), HTTP_SERVER_HEAD_MAX);
	memcpy(big + 28, "a", 1);
	memset(big + 28, 'a', fill + 1);
	memcpy(big + 29 + fill, "\r\n\r\n", 4);
	arena_reset(a);
	CHECK_EQ(http_server_parse(big, HTTP_SERVER_HEAD_MAX + 1, a, &r, &why), -EMSGSIZE);
	/* No end in sight with the buffer full: 431, not a wait forever. */
	arena_reset(a);
	CHECK_EQ(http_server_parse(big, HTTP_SERVER_HEAD_MAX, a, &r, &why), -EMSGSIZE);
	/* Too many fields. */
	{
		struct buf b;

		buf_init(&b, 1 << 20);
		CHECK_EQ(buf_puts(&b, "GET / HTTP/1.1\r\nHost: x\r\n"), 0);
		for (int i = 0; i < HTTP_HEADERS_MAX; i++)
			CHECK_EQ(buf_puts(&b, "a:\r\n"), 0);
		CHECK_EQ(buf_puts(&b, "\r\n"), 0);
		arena_reset(a);
		CHECK_EQ(http_server_parse((const uint8_t *)b.p, b.len, a, &r, &why), -EMSGSIZE);
		buf_fini(&b);
	}
	free(big);
	arena_free(a);
}

/* Arena caps from tiny to enough: -ENOMEM cleanly, then success. */
static void test_parse_arena_sweep(void)
{
	const char *s = "GET /metrics?a=b HTTP/1.1\r\nHost: x\r\nUser-Agent: curl\r\n\r\n";
	bool ok = false;

	for (size_t cap = 0; cap < 8192 && !ok; cap += 16) {
		struct arena *a = arena_new(cap);
		struct http_server_req r;
		const char *why;
		int ret;

		if (!a)
			continue;
		ret = parse(s, a, &r, &why);
		CHECK(ret == -ENOMEM || ret == (int)strlen(s));
		ok = ret > 0;
		arena_free(a);
	}
	CHECK(ok);
}

static void test_listen_addr(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	bool dual;

	CHECK_EQ(http_listen_addr(":9177", &ss, &len, &dual), 0);
	CHECK(dual && ss.ss_family == AF_INET6);
	CHECK_EQ(http_listen_addr("[::]:9177", &ss, &len, &dual), 0);
	CHECK(dual && ss.ss_family == AF_INET6);
	CHECK_EQ(http_listen_addr("0.0.0.0:9177", &ss, &len, &dual), 0);
	CHECK(!dual && ss.ss_family == AF_INET);
	CHECK_EQ(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9177);
	CHECK_EQ(http_listen_addr("127.0.0.1:0", &ss, &len, &dual), 0);
	CHECK_EQ(http_listen_addr("[::1]:80", &ss, &len, &dual), 0);
	CHECK(!dual && ss.ss_family == AF_INET6);
	CHECK_EQ(http_listen_addr("9177", &ss, &len, &dual), -EINVAL);
	CHECK_EQ(http_listen_addr("::1:9177", &ss, &len, &dual), -EINVAL);
	CHECK_EQ(http_listen_addr(":70000", &ss, &len, &dual), -EINVAL);
	CHECK_EQ(http_listen_addr("[::1:80", &ss, &len, &dual), -EINVAL);
}

/* ------------------------------------------------------------ a live server */

struct pl {
	struct pollfd fds[80];
	size_t n;
};

static int pl_watch(void *ctx, int fd, short events)
{
	struct pl *p = ctx;

	for (size_t i = 0; i < p->n; i++)
		if (p->fds[i].fd == fd) {
			p->fds[i].events = events;
			return 0;
		}
	if (p->n == ARRAY_SIZE(p->fds))
		return -ENOMEM;
	p->fds[p->n++] = (struct pollfd){ .fd = fd, .events = events };
	return 0;
}

static void pl_unwatch(void *ctx, int fd)
{
	struct pl *p = ctx;

	for (size_t i = 0; i < p->n; i++)
		if (p->fds[i].fd == fd) {
			p->fds[i] = p->fds[--p->n];
			return;
		}
}

static void handler(void *ctx, const struct http_server_req *req, struct http_server_resp *resp)
{
	(void)ctx;
	if (!strcmp(req->path, "/healthz")) {
		resp->status = 200;
		CHECK_EQ(buf_puts(resp->body, "ok\n"), 0);
	} else {
		resp->status = 404;
		CHECK_EQ(buf_puts(resp->body, "not found\n"), 0);
	}
}

/* Send @req to the server on @port, pump the server until the client got EOF or @want bytes. */
static size_t exchange(struct http_server *s, struct pl *p, int cfd, const char *req, char *out,
		       size_t cap, size_t want)
{
	size_t got = 0;

	if (req && send(cfd, req, strlen(req), 0) != (ssize_t)strlen(req))
		return 0;
	for (int round = 0; round < 200 && got < want; round++) {
		ssize_t n;

		if (poll(p->fds, p->n, 10) > 0)
			for (size_t i = 0; i < p->n; i++)
				if (p->fds[i].revents) {
					http_server_on_fd(s, p->fds[i].fd, p->fds[i].revents,
							  time_now_ms());
					break;
				}
		n = recv(cfd, out + got, cap - 1 - got, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			got += (size_t)n;
	}
	out[got] = 0;
	return got;
}

static int client(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void test_server_live(void)
{
	struct pl p = { .n = 0 };
	struct http_server_io io = { pl_watch, pl_unwatch, &p };
	struct http_server *s;
	char out[4096];
	int cfd;

	REQUIRE(http_server_new("127.0.0.1:0", &io, handler, NULL, &s) == 0);
	CHECK(http_server_port(s) > 0);
	cfd = client(http_server_port(s));
	REQUIRE(cfd >= 0);
	/* Two pipelined requests on one connection, then a HEAD. */
	exchange(s, &p, cfd,
		 "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\n\r\n",
		 out, sizeof(out), 1);
	exchange(s, &p, cfd, NULL, out + strlen(out), sizeof(out) - strlen(out), 1);
	CHECK(strstr(out, "HTTP/1.1 200 OK\r\n") != NULL);
	CHECK(strstr(out, "Content-Length: 3\r\n") != NULL);
	CHECK(strstr(out, "HTTP/1.1 404 Not Found\r\n") != NULL);
	exchange(s, &p, cfd, "HEAD /healthz HTTP/1.1\r\nHost: a\r\n\r\n", out, sizeof(out), 1);
	CHECK(strstr(out, "Content-Length: 3\r\n") != NULL);
	CHECK(strlen(out) > 4 && !strcmp(out + strlen(out) - 4, "\r\n\r\n"));
	/* A bad method: 405 with Allow, and the connection closes. */
	exchange(s, &p, cfd, "DELETE /healthz HTTP/1.1\r\nHost: a\r\n\r\n", out, sizeof(out),
		 sizeof(out));
	CHECK(strstr(out, "HTTP/1.1 405 Method Not Allowed\r\n") != NULL);
	CHECK(strstr(out, "Allow: GET, HEAD\r\n") != NULL);
	CHECK(strstr(out, "Connection: close\r\n") != NULL);
	close(cfd);
	/* Garbage: 400 and close. */
	cfd = client(http_server_port(s));
	REQUIRE(cfd >= 0);
	exchange(s, &p, cfd, "HELLO\r\n\r\n", out, sizeof(out), sizeof(out));
	CHECK(strstr(out, "HTTP/1.1 400 Bad Request\r\n") != NULL);
	close(cfd);
	/* A head that never ends: 431 once the buffer is full. */
	cfd = client(http_server_port(s));
	REQUIRE(cfd >= 0);
	{
		char *big = malloc(HTTP_SERVER_HEAD_MAX + 1);

		REQUIRE(big);
		memset(big, 'a', HTTP_SERVER_HEAD_MAX);
		memcpy(big, "GET / HTTP/1.1\r\nX-Long: ", 24);
		big[HTTP_SERVER_HEAD_MAX] = 0;
		exchange(s, &p, cfd, big, out, sizeof(out), sizeof(out));
		CHECK(strstr(out, "HTTP/1.1 431 ") != NULL);
		free(big);
	}
	close(cfd);
	/* An idle connection is closed at its deadline. */
	cfd = client(http_server_port(s));
	REQUIRE(cfd >= 0);
	exchange(s, &p, cfd, "GET /heal", out, sizeof(out), 1);
	CHECK(http_server_deadline(s) != UINT64_MAX);
	http_server_on_timer(s, time_now_ms() + HTTP_SERVER_IDLE_MS + 1);
	CHECK_EQ(http_server_deadline(s), UINT64_MAX);
	CHECK_EQ(recv(cfd, out, sizeof(out), 0), 0);
	close(cfd);
	CHECK(http_server_requests(s) >= 6);
	http_server_free(s);
	CHECK_EQ(p.n, 0);
}

int main(void)
{
	static const struct t_case tests[] = {
		T(test_parse_good),	   T(test_parse_bad),	T(test_parse_truncation_and_caps),
		T(test_parse_arena_sweep), T(test_listen_addr), T(test_server_live),
	};

	return T_RUN(tests);
}
