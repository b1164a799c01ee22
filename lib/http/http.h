/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/http: HTTP/1.1 client (RFC 9110, RFC 9112), plain or over lib/tls,
 * non-blocking, for the driver's single epoll loop.
 *
 * - http_request_encode(): a request's bytes (method, target, Host, the
 *   usual headers, a Content-Length body).
 * - struct http_parser: a push parser of one response (status line,
 *   headers, Content-Length, chunked or close-delimited body), fed partial
 *   input, answering -EAGAIN for more.
 * - struct http_conn: one connection (plain or TLS), one request at a time,
 *   kept alive between requests. It never blocks: it reports its fd, the
 *   poll events it waits for and its next deadline; http_conn_step()
 *   advances it. Watch responses can be streamed piece by piece.
 * - http_do_blocking(): poll() around a connection, for applets and tests.
 *
 * Host names: IPv4 and IPv6 literals are used as they are and "localhost"
 * means the loopback addresses; any other name is resolved once, with
 * getaddrinfo() (musl's resolver: /etc/hosts, then DNS from
 * /etc/resolv.conf), when the connection object is made. That call can
 * block, so make connections at start-up, not inside the loop; reconnects
 * reuse the address. In-cluster API servers are reached by IP.
 */
#ifndef DRANET_HTTP_HTTP_H
#define DRANET_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/base.h"

struct tls_config;

/* Response header block (status line + headers), like Go's default 1 MiB but tighter. */
#define HTTP_HEAD_MAX (16u << 10)
/* Header fields per response (a 16 KiB block holds at most ~4000 tiny ones). */
#define HTTP_HEADERS_MAX 256
/* A chunk-size line with its extensions. */
#define HTTP_CHUNK_LINE_MAX 4096
/* A body cap for lists (k8s: a list of slices of one node fits easily). */
#define HTTP_BODY_CAP_DEFAULT (8u << 20)
/* Serialised request (headers + body): an update of a full slice is ~200 KiB. */
#define HTTP_REQUEST_MAX (8u << 20)
/* Plaintext input buffer of a plain connection. */
#define HTTP_INBUF_SIZE (16u << 10)
/*
 * Bytes one http_conn_step() moves before it yields (DESIGN.md "The event
 * loop keeps its promises"): 256 KiB is ~1 ms of TLS decryption, so an 8 MiB
 * list never holds the loop for long.
 */
#define HTTP_STEP_BUDGET (256u << 10)

/* ------------------------------------------------------------ requests */

struct http_header {
	const char *name, *value;
};

struct http_request {
	const char *method; /* "GET", "PUT", ... */
	const char *target; /* origin-form path and query, already escaped */
	const char *host; /* Host header value (host[:port], IPv6 in brackets) */
	const char *bearer; /* Authorization: Bearer <bearer>, or NULL */
	const char *accept; /* or NULL */
	const char *content_type; /* or NULL */
	const struct http_header *headers; /* more fields, or NULL */
	size_t nheaders;
	const void *body; /* sent with Content-Length when not NULL */
	size_t body_len;
	bool close; /* Connection: close */
};

/*
 * Append @req's bytes to @out. Every string is checked (no CR, LF, NUL or
 * other control characters; tokens where RFC 9110 wants tokens) so a caller's
 * value cannot inject a header. Returns 0, -EINVAL (a bad field, @why names
 * it) or -ENOMEM (@out's cap).
 */
MUST_CHECK int http_request_encode(const struct http_request *req, struct buf *out,
				   const char **why);

/* RFC 9110 §9.2.2: methods a client may resend after a lost connection. */
bool http_method_is_idempotent(const char *method);

/* ------------------------------------------------------------ responses */

struct http_response {
	int status; /* 100..999 */
	int minor; /* HTTP/1.<minor> */
	const char *reason;
	struct http_header *headers; /* names and values NUL-terminated, in the arena */
	size_t nheaders;
	int64_t content_length; /* -1 when absent */
	bool chunked;
	bool keep_alive; /* the connection may carry another request after this one */
	bool no_body; /* HEAD, 1xx, 204, 304 */
	/* Filled by http_conn (not the parser) when the body is collected. */
	const char *body; /* NUL-terminated (the NUL is not counted) */
	size_t body_len;
};

/* The value of the first field named @name (case-insensitive), or NULL. */
const char *http_response_header(const struct http_response *resp, const char *name);

enum http_event {
	HTTP_EV_HEAD = 1, /* the response head is parsed */
	HTTP_EV_BODY = 2, /* a piece of the body (chunk framing removed) */
	HTTP_EV_DONE = 3, /* the response is complete */
};

enum http_parser_flags {
	HTTP_PARSE_HEAD = 1 << 0, /* the response to a HEAD request: no body */
};

/* A response parser; its fields are private. */
struct http_parser {
	int state, err;
	unsigned flags;
	struct arena *a;
	size_t body_cap;
	uint64_t body_seen, left;
	uint8_t *head;
	size_t head_len, head_size, line_start, line_len, trailer_len;
	bool cr, any_digit, bws, started;
	struct http_response resp;
	const char *why;
};

/*
 * Prepare @p for one response. Header strings go to @a (the request's
 * arena; its cap bounds them). A body longer than @body_cap is an error
 * (SIZE_MAX: unlimited, for streams).
 */
void http_parser_init(struct http_parser *p, struct arena *a, size_t body_cap, unsigned flags);

/*
 * Consume bytes of @in (advancing in->p) until the next event. Returns
 * HTTP_EV_HEAD (then http_parser_response()), HTTP_EV_BODY (*body points
 * into @in's bytes: use or copy it before they go away), HTTP_EV_DONE,
 * -EAGAIN (every byte consumed, more needed), or the error, after which
 * the parser is dead: -EBADMSG (malformed: bad status line, obsolete line
 * folding, bad field, bad chunk framing, conflicting lengths), -EPROTO
 * (a 101 or an unsupported transfer coding), -EMSGSIZE (head over
 * HTTP_HEAD_MAX, fields over HTTP_HEADERS_MAX, chunk line over
 * HTTP_CHUNK_LINE_MAX, body over its cap), -ENOMEM (arena cap), -EINVAL
 * (pushed after DONE). Interim 1xx responses are skipped. http_parser_why()
 * names the problem.
 */
MUST_CHECK int http_parser_push(struct http_parser *p, struct rd *in, struct slice *body);

/*
 * The transport closed. Returns HTTP_EV_DONE when that ends a body delimited
 * by the close, 0 when no byte of a response had arrived yet, else -EBADMSG
 * (truncated response).
 */
MUST_CHECK int http_parser_eof(struct http_parser *p);

const struct http_response *http_parser_response(const struct http_parser *p);
const char *http_parser_why(const struct http_parser *p);

/* ------------------------------------------------------------ connections */

struct http_conn;

/*
 * Resolve @host (see the top of this file) and port into @addr. Returns 0,
 * -EINVAL (empty or bad name), -ENOENT (the name does not resolve).
 */
MUST_CHECK int http_resolve(const char *host, uint16_t port, struct sockaddr_storage *addr,
			    socklen_t *addrlen);

/*
 * A connection object for @host:@port; TLS with @tls (borrowed: it must
 * outlive the conn) or plain when NULL. Nothing connects yet. @host is
 * resolved now (http_resolve) and is the name TLS verifies. Returns 0 or
 * http_resolve's errors, -ENOMEM.
 */
MUST_CHECK int http_conn_new(const char *host, uint16_t port, const struct tls_config *tls,
			     struct http_conn **out);
void http_conn_free(struct http_conn *c);

/*
 * Verify the server's certificate for @name instead of the connection's host
 * (kubeconfig's tls-server-name); a DNS name is also sent as SNI. Applies to
 * the next connection opened. Returns 0 or -EINVAL (empty or too long).
 */
MUST_CHECK int http_conn_set_server_name(struct http_conn *c, const char *name);

enum http_request_flags {
	HTTP_STREAM = 1 << 0, /* deliver the body piece by piece (HTTP_EV_BODY) */
};

/*
 * Start @req on @c (connecting first when no connection is open; a kept-alive
 * one is reused). The request is serialised now: @req may go away after this
 * call. Response strings go to @a, which must live until the response is
 * done with. Without HTTP_STREAM the body is collected (at most @body_cap
 * bytes, -EMSGSIZE beyond); with it, each piece is an HTTP_EV_BODY event.
 * @timeout_ms bounds connecting + sending + the whole response, or, with
 * HTTP_STREAM, everything up to the head and then each silence between two
 * pieces. Returns 0, -EBUSY (a request is in flight), -EINVAL (bad request,
 * see http_conn_strerror), -ENOMEM, or a socket error.
 */
MUST_CHECK int http_conn_request(struct http_conn *c, const struct http_request *req,
				 struct arena *a, size_t body_cap, unsigned flags, uint64_t now_ms,
				 uint32_t timeout_ms);

/*
 * Advance @c: call when poll/epoll reported its fd (pass the revents, or 0)
 * or its deadline passed, and again while it returns an event. Returns
 * HTTP_EV_HEAD (http_conn_response() has status and headers), HTTP_EV_BODY
 * (streaming: http_conn_body() until the next step), HTTP_EV_DONE (the
 * response is complete; without HTTP_STREAM its body is in
 * http_conn_response()), -EAGAIN (wait for http_conn_events() on
 * http_conn_fd() or until http_conn_deadline()), or an error, after which
 * the connection is closed (the next request reconnects) and
 * http_conn_strerror() says what happened: -ETIMEDOUT, -ECONNREFUSED,
 * -ECONNRESET (closed mid-response), -EKEYREJECTED/-EKEYEXPIRED/-EPROTO
 * (TLS), the parser's errors, other -errno. A reused connection the server
 * had closed is reopened and an idempotent request resent once, silently.
 */
MUST_CHECK int http_conn_step(struct http_conn *c, uint64_t now_ms, short revents);

/* The socket (-1 when none), the poll events it waits for (POLLIN/POLLOUT). */
int http_conn_fd(const struct http_conn *c);
short http_conn_events(struct http_conn *c);
/*
 * When http_conn_step() must be called even without I/O: the request's
 * deadline, 0 (now) when the last step yielded at HTTP_STEP_BUDGET with
 * input still buffered, UINT64_MAX when nothing is in flight.
 */
uint64_t http_conn_deadline(const struct http_conn *c);
/* The response of the current (or last completed) request, or NULL before its head. */
const struct http_response *http_conn_response(const struct http_conn *c);
/* The body piece of the last HTTP_EV_BODY. */
struct slice http_conn_body(const struct http_conn *c);
/* A request is in flight (started and neither done nor failed). */
bool http_conn_is_busy(const struct http_conn *c);
/* Connections opened so far (tests count keep-alive reuse with it). */
unsigned http_conn_connects(const struct http_conn *c);
/* Abandon any request and close the socket (e.g. to end a watch). */
void http_conn_close(struct http_conn *c);
/* The last failure, in words ("" when none). */
const char *http_conn_strerror(const struct http_conn *c);

/*
 * Do @req on @c and wait for the whole response with poll(), at most
 * @timeout_ms. On success (0) *resp is the response, body collected (at most
 * @body_cap bytes), valid until the next request on @c; strings in @a.
 * Errors as http_conn_request/http_conn_step. Not for the driver's loop.
 */
MUST_CHECK int http_do_blocking(struct http_conn *c, const struct http_request *req,
				struct arena *a, size_t body_cap, uint32_t timeout_ms,
				const struct http_response **resp);

/* ------------------------------------------------------------ server (server.c) */

/*
 * A tiny non-blocking HTTP/1.1 server for /healthz, /livez and /metrics:
 * GET and HEAD only, no request bodies, keep-alive and pipelining, one
 * response at a time per connection. It owns its sockets but no loop: it
 * asks the caller to watch fds through struct http_server_io and is
 * driven by http_server_on_fd() and http_server_on_timer().
 */

/* A request head (request line + fields); our endpoints need no large headers. */
#define HTTP_SERVER_HEAD_MAX (8u << 10)
/* Open connections; more are accepted and closed at once (scrapers use one or two). */
#define HTTP_SERVER_CONNS_MAX 64
/* A connection idle (or trickling a head) this long is closed: slowloris. */
#define HTTP_SERVER_IDLE_MS 10000u
/* A response (the metrics text is a few KiB). */
#define HTTP_SERVER_RESP_MAX (1u << 20)

struct http_server_req {
	const char *method, *target; /* NUL-terminated, in the parse arena */
	const char *path; /* target without its query */
	int minor; /* HTTP/1.<minor> */
	struct http_header *headers;
	size_t nheaders;
	bool keep_alive; /* the client did not ask to close (1.1 default, 1.0 keep-alive) */
	bool has_body; /* Content-Length > 0 or Transfer-Encoding: we answer and close */
};

/*
 * Parse one request head from @in[0..@len) (partial input fine). Returns
 * the head's length in bytes (the request starts the next one after it),
 * -EAGAIN (no complete head yet, and it may still fit), or an error with
 * *why naming it, after which the caller answers and closes: -EBADMSG
 * (400: bad request line or field, bare CR, missing or repeated Host in
 * HTTP/1.1, bad Content-Length), -EMSGSIZE (431: head over
 * HTTP_SERVER_HEAD_MAX or over HTTP_HEADERS_MAX fields), -EPROTONOSUPPORT
 * (505: not HTTP/1.x), -ENOMEM (@a's cap). Empty lines before the request
 * line are skipped (RFC 9112 §2.2) and count in the length.
 */
MUST_CHECK int http_server_parse(const uint8_t *in, size_t len, struct arena *a,
				 struct http_server_req *out, const char **why);

struct http_server_resp {
	int status;
	const char *content_type; /* NULL: text/plain; charset=utf-8 */
	struct buf *body; /* the handler appends the body here */
};

/* Answer @req: set resp->status (and content_type), append the body. */
typedef void (*http_server_handler)(void *ctx, const struct http_server_req *req,
				    struct http_server_resp *resp);

/* How the server asks its caller's loop to watch fds (events: POLLIN, POLLOUT). */
struct http_server_io {
	int (*watch)(void *ctx, int fd, short events); /* add, or change */
	void (*unwatch)(void *ctx, int fd); /* before the fd is closed */
	void *ctx;
};

struct http_server;

/*
 * Parse a Go-style listen address "[HOST]:PORT": ":9177" and "[::]:9177"
 * are all addresses, both IPv4 and IPv6 (one dual-stack socket, as Go's
 * net.Listen does; IPv4 only when the kernel has no IPv6), "0.0.0.0:9177"
 * IPv4 only, "127.0.0.1:9177", "[::1]:9177", "localhost:9177". Port 0
 * picks a free port (http_server_port). Returns 0, -EINVAL.
 */
MUST_CHECK int http_listen_addr(const char *bind, struct sockaddr_storage *addr, socklen_t *addrlen,
				bool *dual_stack);

/*
 * Listen on @bind and serve through @handler. Returns 0, -EINVAL (bad
 * address), or the -errno of socket/bind/listen (-EADDRINUSE, ...).
 */
MUST_CHECK int http_server_new(const char *bind, const struct http_server_io *io,
			       http_server_handler handler, void *ctx, struct http_server **out);
/* Close every connection and the listener (unwatching them). NULL-safe. */
void http_server_free(struct http_server *s);
/* The port listened on. */
uint16_t http_server_port(const struct http_server *s);
/* @fd (the listener or a connection) is ready with poll @revents. */
void http_server_on_fd(struct http_server *s, int fd, short revents, uint64_t now_ms);
/* The earliest idle deadline (UINT64_MAX when none); call on_timer then. */
uint64_t http_server_deadline(const struct http_server *s);
void http_server_on_timer(struct http_server *s, uint64_t now_ms);
/* Requests answered so far. */
uint64_t http_server_requests(const struct http_server *s);

#endif
