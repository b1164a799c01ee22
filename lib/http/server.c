// SPDX-License-Identifier: Apache-2.0
/*
 * lib/http/server: the small HTTP/1.1 server behind /healthz, /livez and
 * /metrics (RFC 9112 §3 request line, §5 fields, §9.3 persistence; RFC
 * 9110 §9.1 methods, §15 status codes; RFC 6585 §5 for 431). Non-blocking;
 * the caller's loop watches the fds it names.
 */
#include "http/http.h"
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Parse arena of one request head: its copies of the strings are a few times smaller. */
#define PARSE_ARENA_CAP (64u << 10)
/* Connections accepted per readiness of the listener (the rest wait for the next turn). */
#define ACCEPT_BATCH 16

/* ------------------------------------------------------------ request parsing */

struct req_flags {
	struct http_server_req *r;
	bool close, keep_alive;
	int64_t length;
	const char *why;
};

static int conn_token(void *ctx, const char *v, size_t n)
{
	struct req_flags *f = ctx;

	if (n == 5 && !strncasecmp(v, "close", 5))
		f->close = true;
	else if (n == 10 && !strncasecmp(v, "keep-alive", 10))
		f->keep_alive = true;
	return 0;
}

/* RFC 9112 §6.3 item 5: a list of one repeated length is that length. */
static int length_elem(void *ctx, const char *v, size_t n)
{
	struct req_flags *f = ctx;
	int64_t len = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9' || len > INT64_MAX / 10 - 9) {
			f->why = "bad Content-Length";
			return -EBADMSG;
		}
		len = len * 10 + (v[i] - '0');
	}
	if (f->length >= 0 && f->length != len) {
		f->why = "conflicting Content-Length values";
		return -EBADMSG;
	}
	f->length = len;
	return 0;
}

/* "METHOD SP target SP HTTP/1.x" into @r. */
static int request_line(const uint8_t *s, const uint8_t *e, struct arena *a,
			struct http_server_req *r, const char **why)
{
	const uint8_t *m = s, *t, *v;

	while (s < e && http_is_tchar(*s))
		s++;
	if (s == m || s == e || *s != ' ')
		return *why = "bad method", -EBADMSG;
	t = ++s;
	while (s<e && * s> 0x20 && *s < 0x7f)
		s++;
	if (s == t || s == e || *s != ' ')
		return *why = "bad request target", -EBADMSG;
	v = s + 1;
	if (e - v != 8 || memcmp(v, "HTTP/", 5) || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
	    v[7] < '0' || v[7] > '9')
		return *why = "bad HTTP version", -EBADMSG;
	if (v[5] != '1')
		return *why = "HTTP version not supported", -EPROTONOSUPPORT;
	r->minor = v[7] - '0';
	r->method = arena_strndup(a, (const char *)m, (size_t)(t - 1 - m));
	r->target = arena_strndup(a, (const char *)t, (size_t)(s - t));
	if (!r->method || !r->target)
		return *why = "arena cap", -ENOMEM;
	r->path = r->target;
	if (strchr(r->target, '?')) {
		r->path = arena_strndup(a, r->target, (size_t)(strchr(r->target, '?') - r->target));
		if (!r->path)
			return *why = "arena cap", -ENOMEM;
	}
	return 0;
}

/* Field semantics: Host, Connection, the body's framing (RFC 9112 §3.2, §6, §9.3). */
static int request_fields(struct http_server_req *r, const char **why)
{
	struct req_flags f = { .r = r, .length = -1 };
	size_t hosts = 0;
	bool te = false;
	int ret = 0;

	for (size_t i = 0; i < r->nheaders && ret == 0; i++) {
		const struct http_header *h = &r->headers[i];

		if (!strcasecmp(h->name, "Host"))
			hosts++;
		else if (!strcasecmp(h->name, "Connection"))
			ret = http_each_element(h->value, conn_token, &f);
		else if (!strcasecmp(h->name, "Transfer-Encoding"))
			te = true;
		else if (!strcasecmp(h->name, "Content-Length"))
			ret = *h->value ? http_each_element(h->value, length_elem, &f)
					: (f.why = "bad Content-Length", -EBADMSG);
	}
	if (ret < 0)
		return *why = f.why, ret;
	/* RFC 9112 §3.2: exactly one Host in HTTP/1.1, at most one before. */
	if ((r->minor >= 1 && hosts != 1) || hosts > 1)
		return *why = hosts ? "more than one Host field" : "no Host field", -EBADMSG;
	/* RFC 9112 §6.3 item 3: both is a smuggling sign. */
	if (te && f.length >= 0)
		return *why = "both Transfer-Encoding and Content-Length", -EBADMSG;
	r->has_body = te || f.length > 0;
	r->keep_alive = !f.close && (r->minor >= 1 || f.keep_alive) && !r->has_body;
	return 0;
}

/* Where the head ends (just after its empty line), or 0 when not in [0, len). */
static size_t head_end(const uint8_t *in, size_t start, size_t len)
{
	size_t line = start;

	for (size_t i = start; i < len; i++) {
		if (in[i] != '\n')
			continue;
		if (i > start && (i == line || (i == line + 1 && in[line] == '\r')))
			return i + 1;
		line = i + 1;
	}
	return 0;
}

int http_server_parse(const uint8_t *in, size_t len, struct arena *a, struct http_server_req *out,
		      const char **why)
{
	size_t skip = 0, end, nlines = 0;
	const uint8_t *s, *e, *nl, *le;
	int ret;

	*why = NULL;
	memset(out, 0, sizeof(*out));
	/* RFC 9112 §2.2: empty lines before the request line are ignored. */
	while (skip < len) {
		if (in[skip] == '\n')
			skip++;
		else if (in[skip] == '\r' && skip + 1 < len && in[skip + 1] == '\n')
			skip += 2;
		else
			break;
	}
	if (skip > HTTP_SERVER_HEAD_MAX)
		return *why = "request head too large", -EMSGSIZE;
	end = head_end(in, skip,
		       len < skip + HTTP_SERVER_HEAD_MAX ? len : skip + HTTP_SERVER_HEAD_MAX);
	if (!end) {
		if (len - skip >= HTTP_SERVER_HEAD_MAX)
			return *why = "request head too large", -EMSGSIZE;
		return -EAGAIN;
	}
	s = in + skip;
	e = in + end;
	for (const uint8_t *q = s; q < e; q++)
		nlines += *q == '\n';
	if (nlines - 2 > HTTP_HEADERS_MAX)
		return *why = "too many header fields", -EMSGSIZE;
	for (const uint8_t *q = s; q < e; q++)
		if (*q == '\r' && (q + 1 == e || q[1] != '\n'))
			return *why = "bare CR in the request head", -EBADMSG;
	nl = memchr(s, '\n', (size_t)(e - s));
	le = nl > s && nl[-1] == '\r' ? nl - 1 : nl;
	ret = request_line(s, le, a, out, why);
	if (ret < 0)
		return ret;
	if (nlines > 2) {
		out->headers = arena_calloc(a, nlines - 2, sizeof(*out->headers));
		if (!out->headers)
			return *why = "arena cap", -ENOMEM;
	}
	for (s = nl + 1; s < e; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(e - s));
		le = nl > s && nl[-1] == '\r' ? nl - 1 : nl;
		if (le == s)
			break;
		ret = http_field_parse(a, s, le, &out->headers[out->nheaders], why);
		if (ret < 0)
			return ret;
		out->nheaders++;
	}
	ret = request_fields(out, why);
	if (ret < 0)
		return ret;
	return (int)end;
}

/* ------------------------------------------------------------ listening */

int http_listen_addr(const char *bind, struct sockaddr_storage *addr, socklen_t *addrlen,
		     bool *dual_stack)
{
	const char *colon = bind ? strrchr(bind, ':') : NULL;
	char host[256];
	int64_t port;
	size_t hl;

	if (!colon || str_to_i64(colon + 1, 10, &port) < 0 || port < 0 || port > 65535)
		return -EINVAL;
	hl = (size_t)(colon - bind);
	if (hl >= 2 && bind[0] == '[' && bind[hl - 1] == ']') {
		bind++;
		hl -= 2;
	} else if (memchr(bind, ':', hl) || memchr(bind, '[', hl) || memchr(bind, ']', hl)) {
		return -EINVAL;
	}
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, bind, hl);
	host[hl] = 0;
	*dual_stack = false;
	/* Go: an empty host and "::" listen on every address, both families. */
	if (!*host || !strcmp(host, "::")) {
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;

		memset(addr, 0, sizeof(*addr));
		v6->sin6_family = AF_INET6;
		v6->sin6_addr = in6addr_any;
		v6->sin6_port = htons((uint16_t)port);
		*addrlen = sizeof(*v6);
		*dual_stack = true;
		return 0;
	}
	return http_resolve(host, (uint16_t)port, addr, addrlen) < 0 ? -EINVAL : 0;
}

/* A listening socket for @addr; a dual-stack one falls back to IPv4 without IPv6. */
static int listen_on(struct sockaddr_storage *addr, socklen_t len, bool dual)
{
	int one = 1, zero = 0, fd, ret;

	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && dual && (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)) {
		struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
		uint16_t port = ((struct sockaddr_in6 *)addr)->sin6_port;

		memset(addr, 0, sizeof(*addr));
		v4->sin_family = AF_INET;
		v4->sin_port = port;
		len = sizeof(*v4);
		dual = false;
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (dual && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0) ||
	    bind(fd, (struct sockaddr *)addr, len) < 0 || listen(fd, 64) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/* ------------------------------------------------------------ connections */

struct sconn {
	int fd; /* -1: free slot */
	uint8_t *in;
	size_t in_len;
	struct buf out;
	size_t out_off;
	uint64_t deadline;
	bool closing; /* close once the output is sent */
	short watching;
};

struct http_server {
	int lfd;
	uint16_t port;
	struct http_server_io io;
	http_server_handler handler;
	void *ctx;
	struct arena *a;
	struct buf body;
	uint64_t requests;
	struct sconn c[HTTP_SERVER_CONNS_MAX];
};

static struct sconn *conn_of(struct http_server *s, int fd)
{
	for (size_t i = 0; i < HTTP_SERVER_CONNS_MAX; i++)
		if (s->c[i].fd == fd)
			return &s->c[i];
	return NULL;
}

static void conn_close(struct http_server *s, struct sconn *c)
{
	if (c->fd < 0)
		return;
	s->io.unwatch(s->io.ctx, c->fd);
	close(c->fd);
	c->fd = -1;
	free(c->in);
	c->in = NULL;
	buf_fini(&c->out);
}

static void conn_watch(struct http_server *s, struct sconn *c, short events)
{
	if (c->watching == events)
		return;
	if (s->io.watch(s->io.ctx, c->fd, events) < 0) {
		conn_close(s, c);
		return;
	}
	c->watching = events;
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

/* Queue a response; @head_only for HEAD (the length of the body all the same). */
static void respond(struct sconn *c, int status, const char *type, const struct buf *body,
		    bool head_only)
{
	int ret;

	ret = buf_printf(&c->out,
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Cache-Control: no-store\r\n%s%s\r\n",
			 status, reason(status), type ? type : "text/plain; charset=utf-8",
			 body ? body->len : 0, status == 405 ? "Allow: GET, HEAD\r\n" : "",
			 c->closing ? "Connection: close\r\n" : "");
	if (!ret && body && body->len && !head_only)
		ret = buf_put(&c->out, body->p, body->len);
	if (ret < 0)
		c->closing = true; /* nothing sensible left to send */
}

static void respond_error(struct http_server *s, struct sconn *c, int err, const char *why)
{
	int status = err == -EMSGSIZE	       ? 431
		     : err == -EPROTONOSUPPORT ? 505
		     : err == -ENOMEM	       ? 500
					       : 400;

	buf_reset(&s->body);
	if (buf_printf(&s->body, "%s\n", why ? why : reason(status)) < 0)
		buf_reset(&s->body);
	c->closing = true;
	respond(c, status, NULL, &s->body, false);
}

/* Answer the complete request heads buffered in @c while no output is pending. */
static void process(struct http_server *s, struct sconn *c, uint64_t now)
{
	while (c->in_len && !c->closing && c->out.len == 0) {
		struct http_server_req req;
		struct http_server_resp resp = { .status = 500, .body = &s->body };
		const char *why = NULL;
		bool head;
		int n;

		arena_reset(s->a);
		n = http_server_parse(c->in, c->in_len, s->a, &req, &why);
		if (n == -EAGAIN)
			return;
		s->requests++;
		if (n < 0) {
			respond_error(s, c, n, why);
			return;
		}
		memmove(c->in, c->in + n, c->in_len - (size_t)n);
		c->in_len -= (size_t)n;
		c->deadline = now + HTTP_SERVER_IDLE_MS;
		buf_reset(&s->body);
		head = !strcmp(req.method, "HEAD");
		if (!req.keep_alive)
			c->closing = true;
		if (strcmp(req.method, "GET") && !head) {
			/* The body, if any, is not read: close after the answer. */
			c->closing = true;
			respond(c, 405, NULL, &s->body, false);
			return;
		}
		s->handler(s->ctx, &req, &resp);
		if (s->body.err) {
			buf_reset(&s->body);
			resp.status = 500;
			resp.content_type = NULL;
		}
		respond(c, resp.status, resp.content_type, &s->body, head);
	}
}

/* Send pending output; then go on with buffered requests or close. */
static void flush(struct http_server *s, struct sconn *c, uint64_t now)
{
	while (c->fd >= 0) {
		while (c->out_off < c->out.len) {
			ssize_t n = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off,
					 MSG_NOSIGNAL);

			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK) {
					conn_watch(s, c, POLLOUT);
					return;
				}
				conn_close(s, c);
				return;
			}
			c->out_off += (size_t)n;
		}
		buf_reset(&c->out);
		c->out_off = 0;
		if (c->closing) {
			conn_close(s, c);
			return;
		}
		process(s, c, now);
		if (c->fd >= 0 && c->out.len == 0) {
			conn_watch(s, c, POLLIN);
			return;
		}
	}
}

static void on_readable(struct http_server *s, struct sconn *c, uint64_t now)
{
	ssize_t n;

	if (c->in_len == 0)
		c->deadline = now + HTTP_SERVER_IDLE_MS; /* a new request's clock starts */
	if (c->in_len == HTTP_SERVER_HEAD_MAX) {
		process(s, c, now);
		flush(s, c, now);
		return;
	}
	n = recv(c->fd, c->in + c->in_len, HTTP_SERVER_HEAD_MAX - c->in_len, 0);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_close(s, c);
		return;
	}
	if (n == 0) {
		conn_close(s, c);
		return;
	}
	c->in_len += (size_t)n;
	process(s, c, now);
	flush(s, c, now);
}

static void on_accept(struct http_server *s, uint64_t now)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct sconn *c;

		if (fd < 0)
			return;
		c = conn_of(s, -1);
		if (!c) {
			close(fd); /* full: the client retries */
			continue;
		}
		c->in = malloc(HTTP_SERVER_HEAD_MAX);
		if (!c->in) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->in_len = 0;
		c->out_off = 0;
		c->closing = false;
		c->watching = 0;
		c->deadline = now + HTTP_SERVER_IDLE_MS;
		buf_init(&c->out, HTTP_SERVER_RESP_MAX + 4096);
		conn_watch(s, c, POLLIN);
		/* The request often came with the handshake: answer it in this turn. */
		if (c->fd >= 0)
			on_readable(s, c, now);
	}
}

/* ------------------------------------------------------------ public */

int http_server_new(const char *bind, const struct http_server_io *io, http_server_handler handler,
		    void *ctx, struct http_server **out)
{
	struct sockaddr_storage addr;
	socklen_t len;
	bool dual;
	struct http_server *s;
	int ret;

	if (!io || !io->watch || !io->unwatch || !handler)
		return -EINVAL;
	ret = http_listen_addr(bind, &addr, &len, &dual);
	if (ret < 0)
		return ret;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < HTTP_SERVER_CONNS_MAX; i++)
		s->c[i].fd = -1;
	s->io = *io;
	s->handler = handler;
	s->ctx = ctx;
	buf_init(&s->body, HTTP_SERVER_RESP_MAX);
	s->a = arena_new(PARSE_ARENA_CAP);
	s->lfd = -1;
	if (!s->a) {
		ret = -ENOMEM;
		goto out_free;
	}
	ret = listen_on(&addr, len, dual);
	if (ret < 0)
		goto out_free;
	s->lfd = ret;
	len = sizeof(addr);
	if (getsockname(s->lfd, (struct sockaddr *)&addr, &len) < 0) {
		ret = -errno;
		goto out_free;
	}
	s->port = ntohs(addr.ss_family == AF_INET ? ((struct sockaddr_in *)&addr)->sin_port
						  : ((struct sockaddr_in6 *)&addr)->sin6_port);
	ret = io->watch(io->ctx, s->lfd, POLLIN);
	if (ret < 0)
		goto out_free;
	*out = s;
	return 0;

out_free:
	if (s->lfd >= 0)
		close(s->lfd);
	s->lfd = -1;
	arena_free(s->a);
	buf_fini(&s->body);
	free(s);
	return ret;
}

void http_server_free(struct http_server *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < HTTP_SERVER_CONNS_MAX; i++)
		conn_close(s, &s->c[i]);
	if (s->lfd >= 0) {
		s->io.unwatch(s->io.ctx, s->lfd);
		close(s->lfd);
	}
	arena_free(s->a);
	buf_fini(&s->body);
	free(s);
}

uint16_t http_server_port(const struct http_server *s)
{
	return s->port;
}

void http_server_on_fd(struct http_server *s, int fd, short revents, uint64_t now_ms)
{
	struct sconn *c;

	if (fd == s->lfd) {
		on_accept(s, now_ms);
		return;
	}
	c = fd >= 0 ? conn_of(s, fd) : NULL;
	if (!c)
		return;
	if (c->out.len > c->out_off) {
		if (revents & (POLLOUT | POLLERR | POLLHUP))
			flush(s, c, now_ms);
		return;
	}
	if (revents & (POLLIN | POLLERR | POLLHUP))
		on_readable(s, c, now_ms);
}

uint64_t http_server_deadline(const struct http_server *s)
{
	uint64_t d = UINT64_MAX;

	for (size_t i = 0; i < HTTP_SERVER_CONNS_MAX; i++)
		if (s->c[i].fd >= 0 && s->c[i].deadline < d)
			d = s->c[i].deadline;
	return d;
}

void http_server_on_timer(struct http_server *s, uint64_t now_ms)
{
	for (size_t i = 0; i < HTTP_SERVER_CONNS_MAX; i++)
		if (s->c[i].fd >= 0 && s->c[i].deadline <= now_ms)
			conn_close(s, &s->c[i]);
}

uint64_t http_server_requests(const struct http_server *s)
{
	return s->requests;
}
