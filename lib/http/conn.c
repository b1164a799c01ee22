// SPDX-License-Identifier: Apache-2.0
/*
 * lib/http/conn: one non-blocking HTTP/1.1 client connection, plain or TLS,
 * driven by the caller's poll/epoll loop (DESIGN.md "The event loop keeps
 * its promises"); keep-alive reuse (RFC 9112 §9.3), the resend of an
 * idempotent request on a connection the server closed while idle
 * (RFC 9112 §9.3.1), and http_do_blocking() around it.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tls/tls.h"

/* Request and body buffers larger than this are freed, not kept, between requests. */
#define HTTP_KEEP_BUF (64u << 10)

struct http_conn {
	char host[TLS_HOST_MAX + 1];
	char server_name[TLS_HOST_MAX + 1]; /* what TLS verifies: host unless overridden */
	char hostport[TLS_HOST_MAX + 16]; /* the default Host header */
	uint16_t port;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	const struct tls_config *tls_cfg;
	struct tls_conn *tls;
	int fd;
	unsigned connects;
	/* the request in flight */
	bool busy, connecting, reused, retried, idempotent, eof, got_bytes;
	bool more; /* a step stopped at its budget: call again now */
	unsigned flags;
	struct buf req;
	size_t sent;
	struct http_parser parser;
	struct buf body;
	struct slice piece;
	size_t pending; /* parsed input still to be released */
	uint64_t deadline;
	uint32_t timeout_ms;
	/* plain connections: received bytes */
	uint8_t in[HTTP_INBUF_SIZE];
	size_t in_pos, in_len;
	char err[TLS_ERRMSG_MAX + 128];
};

/* ------------------------------------------------------------ addresses */

static bool is_name(const char *h)
{
	if (!*h || strlen(h) > TLS_HOST_MAX)
		return false;
	for (; *h; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') ||
		      (*h >= '0' && *h <= '9') || *h == '-' || *h == '.' || *h == '_'))
			return false;
	return true;
}

int http_resolve(const char *host, uint16_t port, struct sockaddr_storage *addr, socklen_t *addrlen)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	int ret;

	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1 || strcmp(host, "localhost") == 0) {
		if (strcmp(host, "localhost") == 0)
			v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		*addrlen = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		*addrlen = sizeof(*v6);
		return 0;
	}
	if (!is_name(host))
		return -EINVAL;
	/* A real name: blocking, at start-up only (see http.h). */
	ret = getaddrinfo(host, NULL, &hints, &res);
	if (ret != 0 || !res || res->ai_addrlen > sizeof(*addr)) {
		if (res)
			freeaddrinfo(res);
		return -ENOENT;
	}
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	*addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	if (addr->ss_family == AF_INET)
		v4->sin_port = htons(port);
	else
		v6->sin6_port = htons(port);
	return 0;
}

/* ------------------------------------------------------------ lifecycle */

int http_conn_new(const char *host, uint16_t port, const struct tls_config *tls,
		  struct http_conn **out)
{
	struct http_conn *c;
	size_t n = host ? strlen(host) : 0;
	int ret;

	/* Accept "[v6]" as well as a bare IPv6 literal. */
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (n == 0 || n > TLS_HOST_MAX || port == 0)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	memcpy(c->host, host, n);
	memcpy(c->server_name, host, n);
	c->port = port;
	c->tls_cfg = tls;
	c->fd = -1;
	buf_init(&c->req, HTTP_REQUEST_MAX);
	buf_init(&c->body, 0);
	ret = http_resolve(c->host, port, &c->addr, &c->addrlen);
	if (ret < 0) {
		free(c);
		return ret;
	}
	snprintf(c->hostport, sizeof(c->hostport), strchr(c->host, ':') ? "[%s]:%u" : "%s:%u",
		 c->host, port);
	*out = c;
	return 0;
}

int http_conn_set_server_name(struct http_conn *c, const char *name)
{
	if (!name || !*name || strlen(name) > TLS_HOST_MAX)
		return -EINVAL;
	memcpy(c->server_name, name, strlen(name) + 1);
	return 0;
}

static void close_socket(struct http_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	tls_conn_free(c->tls);
	c->tls = NULL;
	c->connecting = false;
	c->in_pos = c->in_len = 0;
	c->pending = 0;
}

static void end_request(struct http_conn *c)
{
	c->busy = false;
	/* the request may hold a bearer token */
	if (c->req.p)
		explicit_bzero(c->req.p, c->req.size);
	if (c->req.size > HTTP_KEEP_BUF)
		buf_fini(&c->req);
	else
		buf_reset(&c->req);
}

void http_conn_free(struct http_conn *c)
{
	if (!c)
		return;
	close_socket(c);
	end_request(c);
	buf_fini(&c->req);
	buf_fini(&c->body);
	free(c);
}

void http_conn_close(struct http_conn *c)
{
	close_socket(c);
	end_request(c);
}

static int fail(struct http_conn *c, int err, const char *fmt, ...) PRINTF_LIKE(3, 4);

static int fail(struct http_conn *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	close_socket(c);
	end_request(c);
	return err;
}

static int open_socket(struct http_conn *c)
{
	int fd, one = 1, ret;

	fd = socket(c->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* requests are written whole; no Nagle delay between head and body */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	c->connects++;
	if (connect(fd, (struct sockaddr *)&c->addr, c->addrlen) < 0) {
		if (errno != EINPROGRESS)
			return -errno;
		c->connecting = true;
	}
	if (c->tls_cfg) {
		ret = tls_conn_new(c->tls_cfg, c->server_name, &c->tls);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------ requests */

int http_conn_request(struct http_conn *c, const struct http_request *req, struct arena *a,
		      size_t body_cap, unsigned flags, uint64_t now_ms, uint32_t timeout_ms)
{
	struct http_request r = *req;
	const char *why = "";
	int ret;

	if (c->busy)
		return -EBUSY;
	c->err[0] = 0;
	if (!r.host)
		r.host = c->hostport;
	buf_reset(&c->req);
	ret = http_request_encode(&r, &c->req, &why);
	if (ret < 0) {
		snprintf(c->err, sizeof(c->err), "bad request: %s", why);
		end_request(c);
		return ret;
	}
	http_parser_init(&c->parser, a, body_cap,
			 strcmp(r.method, "HEAD") == 0 ? HTTP_PARSE_HEAD : 0);
	/* a big list's buffer is not kept for the life of the connection (RSS) */
	if (c->body.size > HTTP_KEEP_BUF)
		buf_fini(&c->body);
	buf_reset(&c->body);
	c->body.cap = body_cap < SIZE_MAX ? body_cap + 1 : SIZE_MAX;
	c->flags = flags;
	c->sent = 0;
	c->piece = (struct slice){ NULL, 0 };
	c->eof = c->got_bytes = c->retried = false;
	c->idempotent = http_method_is_idempotent(r.method);
	c->timeout_ms = timeout_ms;
	c->deadline = now_ms + timeout_ms;
	c->reused = c->fd >= 0;
	c->busy = true;
	if (c->fd < 0) {
		ret = open_socket(c);
		if (ret < 0)
			return fail(c, ret, "connect %s: %s", c->hostport, strerror(-ret));
	}
	return 0;
}

/* The plaintext received and not yet parsed. */
static const uint8_t *input(struct http_conn *c, size_t *len)
{
	if (c->tls)
		return tls_conn_peek(c->tls, len);
	*len = c->in_len - c->in_pos;
	return c->in + c->in_pos;
}

static void release(struct http_conn *c)
{
	if (!c->pending)
		return;
	if (c->tls)
		tls_conn_consume(c->tls, c->pending);
	else
		c->in_pos += c->pending;
	c->pending = 0;
}

static int finish(struct http_conn *c)
{
	const struct http_response *r = http_parser_response(&c->parser);
	size_t left;

	release(c);
	input(c, &left);
	c->parser.resp.body = c->body.p ? c->body.p : "";
	c->parser.resp.body_len = c->body.len;
	/* Bytes after the response were never asked for: do not trust this connection. */
	if (!r->keep_alive || left || c->eof)
		close_socket(c);
	end_request(c);
	return HTTP_EV_DONE;
}

/* Run the parser over what was received; an event, -EAGAIN, or an error. */
static int parse(struct http_conn *c, uint64_t now)
{
	static const uint8_t none[1];

	for (;;) {
		size_t len;
		const uint8_t *p;
		struct rd in;
		int ret;

		release(c);
		p = input(c, &len);
		if (!p)
			p = none, len = 0;
		in = rd_init(p, len);
		ret = http_parser_push(&c->parser, &in, &c->piece);
		c->pending = (size_t)(in.p - p);
		if (c->pending)
			c->got_bytes = true;
		switch (ret) {
		case HTTP_EV_HEAD:
			if (c->flags & HTTP_STREAM)
				c->deadline = now + c->timeout_ms;
			return ret;
		case HTTP_EV_BODY:
			if (c->flags & HTTP_STREAM) {
				c->deadline = now + c->timeout_ms;
				return ret;
			}
			if (buf_put(&c->body, c->piece.p, c->piece.len) < 0)
				return fail(c, -EMSGSIZE, "response body over the cap");
			continue;
		case HTTP_EV_DONE:
			return finish(c);
		case -EAGAIN:
			release(c);
			return ret;
		default:
			return fail(c, ret, "bad response from %s: %s", c->hostport,
				    http_parser_why(&c->parser));
		}
	}
}

/* Move bytes between the socket and the request/input (plain): the count moved. */
static int pump_plain(struct http_conn *c)
{
	size_t moved = 0;
	ssize_t n;

	while (c->sent < c->req.len) {
		n = send(c->fd, c->req.p + c->sent, c->req.len - c->sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return -errno;
		c->sent += (size_t)n;
		moved += (size_t)n;
	}
	if (c->in_pos == c->in_len) {
		c->in_pos = c->in_len = 0;
	} else if (c->in_pos) {
		memmove(c->in, c->in + c->in_pos, c->in_len - c->in_pos);
		c->in_len -= c->in_pos;
		c->in_pos = 0;
	}
	while (!c->eof && c->in_len < sizeof(c->in)) {
		n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return -errno;
		if (n == 0)
			c->eof = true;
		c->in_len += (size_t)n;
		moved += (size_t)n;
		break;
	}
	return moved > INT_MAX ? INT_MAX : (int)moved;
}

/* The same through the TLS engine: plaintext in, records out and in. */
static int pump_tls(struct http_conn *c)
{
	struct tls_conn *t = c->tls;
	size_t moved = 0, len;
	ssize_t n;

	for (bool again = true; again;) {
		const uint8_t *out;
		uint8_t *in;
		int w;

		again = false;
		if (c->sent < c->req.len) {
			w = tls_conn_write(t, c->req.p + c->sent, c->req.len - c->sent);
			if (w < 0)
				return w;
			c->sent += (size_t)w;
			if (w > 0 && c->sent == c->req.len)
				tls_conn_flush(t);
			again |= w > 0;
		}
		out = tls_conn_out(t, &len);
		if (len) {
			n = send(c->fd, out, len, MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return -errno;
			if (n > 0) {
				tls_conn_out_done(t, (size_t)n);
				moved += (size_t)n;
				again = true;
			}
		}
		in = tls_conn_in(t, &len);
		if (len && !c->eof) {
			n = recv(c->fd, in, len, 0);
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return -errno;
			if (n == 0)
				c->eof = true;
			if (n > 0) {
				tls_conn_in_done(t, (size_t)n);
				moved += (size_t)n;
				again = true;
			}
		}
		if (tls_conn_is_closed(t)) {
			if (tls_conn_error(t))
				return tls_conn_error(t);
			c->eof = true; /* close_notify */
			break;
		}
	}
	return moved > INT_MAX ? INT_MAX : (int)moved;
}

static int check_connect(struct http_conn *c)
{
	struct pollfd pfd = { c->fd, POLLOUT, 0 };
	int err = 0;
	socklen_t len = sizeof(err);

	if (poll(&pfd, 1, 0) <= 0)
		return 0; /* still in progress */
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err)
		return -err;
	c->connecting = false;
	return 0;
}

/* A reused connection died before answering: reopen it and resend, once. */
static bool can_resend(struct http_conn *c)
{
	return c->reused && !c->retried && !c->got_bytes && c->idempotent;
}

static int resend(struct http_conn *c)
{
	int ret;

	close_socket(c);
	c->retried = true;
	c->reused = false;
	c->eof = false;
	c->sent = 0;
	ret = open_socket(c);
	if (ret < 0)
		return fail(c, ret, "connect %s: %s", c->hostport, strerror(-ret));
	return -EAGAIN;
}

static int io_error(struct http_conn *c, int err)
{
	if (c->tls && tls_conn_is_closed(c->tls) && tls_conn_error(c->tls))
		return fail(c, err, "tls %s: %s", c->hostport, tls_conn_strerror(c->tls));
	if ((err == -ECONNRESET || err == -EPIPE) && can_resend(c))
		return resend(c);
	return fail(c, err, "%s: %s", c->hostport, strerror(-err));
}

static int at_eof(struct http_conn *c)
{
	int ret = http_parser_eof(&c->parser);

	if (ret == HTTP_EV_DONE)
		return finish(c);
	if (ret == 0 && can_resend(c))
		return resend(c);
	if (ret == 0)
		return fail(c, -ECONNRESET, "%s closed the connection before responding",
			    c->hostport);
	return fail(c, -ECONNRESET, "%s: %s", c->hostport, http_parser_why(&c->parser));
}

/* Nothing in flight: a kept-alive connection the server closed (or wrote to) is dropped. */
static void idle_check(struct http_conn *c)
{
	uint8_t b;
	ssize_t n;

	if (c->fd < 0)
		return;
	n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		close_socket(c);
}

int http_conn_step(struct http_conn *c, uint64_t now_ms, short revents)
{
	size_t moved = 0;
	int ret;

	(void)revents; /* I/O is tried in every direction the state allows */
	c->more = false;
	if (!c->busy) {
		idle_check(c);
		return -EAGAIN;
	}
	if (now_ms >= c->deadline)
		return fail(c, -ETIMEDOUT, "%s: timed out after %u ms %s", c->hostport,
			    c->timeout_ms,
			    c->connecting ? "connecting" : "waiting for the response");
	if (c->connecting) {
		ret = check_connect(c);
		if (ret < 0 && c->reused)
			return io_error(c, ret);
		if (ret < 0)
			return fail(c, ret, "connect %s: %s", c->hostport, strerror(-ret));
		if (c->connecting)
			return -EAGAIN;
	}
	for (;;) {
		ret = parse(c, now_ms);
		if (ret != -EAGAIN)
			return ret;
		ret = c->tls ? pump_tls(c) : pump_plain(c);
		if (ret < 0)
			return io_error(c, ret);
		if (ret == 0)
			break;
		/* Bytes may wait inside the TLS engine where epoll cannot see them: the deadline says "now". */
		moved += (size_t)ret;
		if (moved >= HTTP_STEP_BUDGET) {
			c->more = true;
			return -EAGAIN;
		}
	}
	if (c->eof)
		return at_eof(c);
	return -EAGAIN;
}

int http_conn_fd(const struct http_conn *c)
{
	return c->fd;
}

short http_conn_events(struct http_conn *c)
{
	short ev = 0;

	if (c->fd < 0)
		return 0;
	if (c->connecting)
		return POLLOUT;
	if (!c->busy)
		return POLLIN;
	if (c->tls) {
		if (tls_conn_wants_read(c->tls))
			ev |= POLLIN;
		if (tls_conn_wants_write(c->tls))
			ev |= POLLOUT;
		return ev;
	}
	ev = POLLIN;
	if (c->sent < c->req.len)
		ev |= POLLOUT;
	return ev;
}

uint64_t http_conn_deadline(const struct http_conn *c)
{
	if (c->busy && c->more)
		return 0;
	return c->busy ? c->deadline : UINT64_MAX;
}

const struct http_response *http_conn_response(const struct http_conn *c)
{
	return http_parser_response(&c->parser);
}

struct slice http_conn_body(const struct http_conn *c)
{
	return c->piece;
}

bool http_conn_is_busy(const struct http_conn *c)
{
	return c->busy;
}

unsigned http_conn_connects(const struct http_conn *c)
{
	return c->connects;
}

const char *http_conn_strerror(const struct http_conn *c)
{
	return c->err;
}

int http_do_blocking(struct http_conn *c, const struct http_request *req, struct arena *a,
		     size_t body_cap, uint32_t timeout_ms, const struct http_response **resp)
{
	short revents = 0;
	int ret;

	ret = http_conn_request(c, req, a, body_cap, 0, time_now_ms(), timeout_ms);
	if (ret < 0)
		return ret;
	for (;;) {
		uint64_t now = time_now_ms(), dl;
		struct pollfd pfd;

		ret = http_conn_step(c, now, revents);
		revents = 0;
		if (ret == HTTP_EV_DONE) {
			*resp = http_conn_response(c);
			return 0;
		}
		if (ret == HTTP_EV_HEAD || ret == HTTP_EV_BODY)
			continue;
		if (ret != -EAGAIN)
			return ret;
		dl = http_conn_deadline(c);
		pfd = (struct pollfd){ http_conn_fd(c), http_conn_events(c), 0 };
		dl = dl > now ? dl - now : 0;
		ret = poll(&pfd, 1, dl > INT_MAX ? INT_MAX : (int)dl);
		if (ret < 0 && errno != EINTR)
			return -errno;
		revents = ret > 0 ? pfd.revents : 0;
	}
}
