// SPDX-License-Identifier: Apache-2.0
/*
 * lib/http: request serialisation, response parser vectors (Content-Length,
 * chunked with extensions and trailers, no-body statuses, Connection:
 * close, rejected folding and bad status lines, caps), truncation at every
 * offset, byte-at-a-time = whole, an arena-cap sweep; lib/tls's SAN walker.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "t.h"
#include "tls/tls.h"

/* ------------------------------------------------------------ helpers */

struct result {
	int ret; /* HTTP_EV_DONE, -EAGAIN (input ended first) or the error */
	int status;
	int heads, pieces;
	bool keep_alive, chunked;
	int64_t content_length;
	char body[4096];
	size_t body_len;
	size_t consumed;
	const char *why;
};

/*
 * Feed @len bytes of @in to a fresh parser @step bytes at a time, until DONE
 * or an error. The arena is freed before returning; what the test needs is
 * copied into @res.
 */
static void run(const void *in, size_t len, size_t step, size_t body_cap, unsigned flags,
		size_t arena_cap, struct result *res)
{
	struct arena *a = arena_new(arena_cap);
	struct http_parser p;
	const uint8_t *b = in;
	size_t off = 0;

	memset(res, 0, sizeof(*res));
	res->ret = -EAGAIN;
	if (!a) {
		res->ret = -ENOMEM;
		return;
	}
	http_parser_init(&p, a, body_cap, flags);
	while (off < len || step == 0) {
		size_t n = len - off < step ? len - off : step;
		struct rd r = rd_init(b + off, n);
		struct slice piece;
		int ret;

		for (;;) {
			ret = http_parser_push(&p, &r, &piece);
			if (ret == HTTP_EV_HEAD) {
				const struct http_response *h = http_parser_response(&p);

				res->heads++;
				res->status = h->status;
				res->keep_alive = h->keep_alive;
				res->chunked = h->chunked;
				res->content_length = h->content_length;
				continue;
			}
			if (ret == HTTP_EV_BODY) {
				res->pieces++;
				if (piece.len <= sizeof(res->body) - res->body_len) {
					memcpy(res->body + res->body_len, piece.p, piece.len);
					res->body_len += piece.len;
				}
				continue;
			}
			break;
		}
		off += (size_t)(r.p - (b + off));
		res->consumed = off;
		if (ret != -EAGAIN) {
			res->ret = ret;
			break;
		}
		if (n == 0)
			break;
	}
	res->why = http_parser_why(&p);
	arena_free(a);
}

#define S(x) x, sizeof(x) - 1

static void parse_whole(const char *s, struct result *res)
{
	run(s, strlen(s), strlen(s) + 1, 1 << 20, 0, 1 << 20, res);
}

/* ------------------------------------------------------------ requests */

static void test_request_encode(void)
{
	struct http_header extra[] = { { "User-Agent", "dranet/test" } };
	struct http_request req = {
		.method = "PUT",
		.target = "/apis/resource.k8s.io/v1/resourceslices/n1-dra.net?fieldManager=dra.net",
		.host = "10.96.0.1:443",
		.bearer = "eyJhbGciOi.abc-_~+/=",
		.accept = "application/json",
		.content_type = "application/json",
		.headers = extra,
		.nheaders = 1,
		.body = "{\"a\":1}",
		.body_len = 7,
	};
	const char *want =
		"PUT /apis/resource.k8s.io/v1/resourceslices/n1-dra.net?fieldManager=dra.net HTTP/1.1\r\n"
		"Host: 10.96.0.1:443\r\n"
		"Authorization: Bearer eyJhbGciOi.abc-_~+/=\r\n"
		"Accept: application/json\r\n"
		"Content-Type: application/json\r\n"
		"User-Agent: dranet/test\r\n"
		"Content-Length: 7\r\n"
		"\r\n"
		"{\"a\":1}";
	struct buf b;
	const char *why = NULL;

	buf_init(&b, 1 << 16);
	REQUIRE(http_request_encode(&req, &b, &why) == 0);
	CHECK_STR(b.p, want);

	/* GET without body: no Content-Length; close asked */
	buf_reset(&b);
	req = (struct http_request){
		.method = "GET", .target = "/version", .host = "[::1]:6443", .close = true
	};
	REQUIRE(http_request_encode(&req, &b, &why) == 0);
	CHECK_STR(b.p, "GET /version HTTP/1.1\r\nHost: [::1]:6443\r\nConnection: close\r\n\r\n");

	/* an empty body still says Content-Length: 0 (POST with no content) */
	buf_reset(&b);
	req = (struct http_request){ .method = "POST", .target = "/x", .host = "h", .body = "" };
	REQUIRE(http_request_encode(&req, &b, &why) == 0);
	CHECK_STR(b.p, "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
	buf_fini(&b);
}

static void test_request_rejects_injection(void)
{
	struct http_header bad_name[] = { { "X Bad", "v" } };
	struct http_header bad_value[] = { { "X-Ok", "a\r\nInjected: 1" } };
	struct http_header dup_len[] = { { "content-length", "3" } };
	struct http_request base = { .method = "GET", .target = "/", .host = "h" }, r;
	struct buf b;
	const char *why = NULL;

	buf_init(&b, 1 << 16);
	r = base, r.method = "G T";
	CHECK_EQ(http_request_encode(&r, &b, &why), -EINVAL);
	r = base, r.target = "/a b";
	CHECK_EQ(http_request_encode(&r, &b, &why), -EINVAL);
	r = base, r.target = "http://x/";
	CHECK_EQ(http_request_encode(&r, &b, &why), -EINVAL);
	r = base, r.host = "h\r\nX: y";
	CHECK_EQ(http_request_encode(&r, &b, &why), -EINVAL);
	r = base, r.bearer = "tok\nX: y";
	CHECK_EQ(http_request_encode(&r, &b, &why), -EINVAL);
	r = base, r.bearer = "tok en";
	CHECK_EQ(http_request_encode(&r, &b, &why), -EINVAL);
	r = base, r.headers = bad_name, r.nheaders = 1;
	CHECK_EQ(http_request_encode(&r, &b, &why), -EINVAL);
	r = base, r.headers = bad_value, r.nheaders = 1;
	CHECK_EQ(http_request_encode(&r, &b, &why), -EINVAL);
	r = base, r.headers = dup_len, r.nheaders = 1;
	CHECK_EQ(http_request_encode(&r, &b, &why), -EINVAL);
	CHECK(why && *why);
	CHECK_EQ(b.len, 0);
	/* the buffer's cap */
	buf_fini(&b);
	buf_init(&b, 16);
	CHECK_EQ(http_request_encode(&base, &b, &why), -ENOMEM);
	buf_fini(&b);
	CHECK(http_method_is_idempotent("PUT") && http_method_is_idempotent("GET"));
	CHECK(!http_method_is_idempotent("POST") && !http_method_is_idempotent("PATCH"));
}

/* ------------------------------------------------------------ responses */

static const char resp_len[] = "HTTP/1.1 200 OK\r\n"
			       "Content-Type: application/json\r\n"
			       "Content-Length: 11\r\n"
			       "\r\n"
			       "{\"kind\":1}\n";

static const char resp_chunked[] = "HTTP/1.1 200 OK\r\n"
				   "Transfer-Encoding: chunked\r\n"
				   "\r\n"
				   "5;name=value;q=\"x y\"\r\n"
				   "hello\r\n"
				   "1 ; ext\r\n"
				   ",\r\n"
				   "A\r\n"
				   " world!!!!\r\n"
				   "0\r\n"
				   "X-Trailer: yes\r\n"
				   "X-Other: 1\r\n"
				   "\r\n";

static void test_content_length(void)
{
	struct result r;

	parse_whole(resp_len, &r);
	CHECK_EQ(r.ret, HTTP_EV_DONE);
	CHECK_EQ(r.status, 200);
	CHECK_EQ(r.heads, 1);
	CHECK_EQ(r.content_length, 11);
	CHECK(r.keep_alive);
	CHECK_EQ(r.body_len, 11);
	CHECK_MEM(r.body, "{\"kind\":1}\n", 11);
	CHECK_EQ(r.consumed, sizeof(resp_len) - 1);
}

static void test_headers_lookup(void)
{
	const char *s = "HTTP/1.1 429 Too Many Requests\r\nRetry-After:  3 \r\n"
			"x-empty:\r\nContent-Length: 0\r\n\r\n";
	struct arena *a = arena_new(1 << 16);
	struct http_parser p;
	struct rd r = rd_init(s, strlen(s));
	struct slice piece;
	const struct http_response *h;

	REQUIRE(a);
	http_parser_init(&p, a, 100, 0);
	CHECK(http_parser_response(&p) == NULL);
	CHECK_EQ(http_parser_push(&p, &r, &piece), HTTP_EV_HEAD);
	h = http_parser_response(&p);
	REQUIRE(h);
	CHECK_EQ(h->status, 429);
	CHECK_STR(h->reason, "Too Many Requests");
	CHECK_EQ(h->nheaders, 3);
	CHECK_STR(http_response_header(h, "retry-after"), "3");
	CHECK_STR(http_response_header(h, "X-Empty"), "");
	CHECK(http_response_header(h, "Missing") == NULL);
	CHECK_EQ(http_parser_push(&p, &r, &piece), HTTP_EV_DONE);
	CHECK_EQ(http_parser_push(&p, &r, &piece), -EINVAL);
	arena_free(a);
}

static void test_chunked(void)
{
	struct result r;

	parse_whole(resp_chunked, &r);
	CHECK_EQ(r.ret, HTTP_EV_DONE);
	CHECK(r.chunked);
	CHECK_EQ(r.content_length, -1);
	CHECK_EQ(r.body_len, 16);
	CHECK_MEM(r.body, "hello, world!!!!", 16);
	CHECK_EQ(r.pieces, 3);
	CHECK_EQ(r.consumed, sizeof(resp_chunked) - 1);
	/* hex in both cases, bare LF line ends (RFC 9112 §2.2 lets recipients accept them) */
	parse_whole("HTTP/1.1 200 OK\nTransfer-Encoding: Chunked\n\naB\n"
		    "0123456789012345678901234567890123456789"
		    "0123456789012345678901234567890123456789"
		    "0123456789012345678901234567890123456789"
		    "0123456789012345678901234567890123456789"
		    "01234567890\n0\n\n",
		    &r);
	CHECK_EQ(r.ret, HTTP_EV_DONE);
	CHECK_EQ(r.body_len, 0xab);
}

static void test_no_body_statuses(void)
{
	struct result r;

	/* 204 and 304 have no body whatever the fields say (RFC 9110 §15.3.5, §15.4.5) */
	parse_whole("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", &r);
	CHECK_EQ(r.ret, HTTP_EV_DONE);
	CHECK_EQ(r.body_len, 0);
	CHECK(r.keep_alive);
	parse_whole("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", &r);
	CHECK_EQ(r.ret, HTTP_EV_DONE);
	CHECK_EQ(r.status, 304);
	/* the answer to HEAD */
	run(S("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n"), 1000, 1 << 20, HTTP_PARSE_HEAD,
	    1 << 20, &r);
	CHECK_EQ(r.ret, HTTP_EV_DONE);
	CHECK_EQ(r.body_len, 0);
	/* 1xx interim responses are skipped */
	parse_whole("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX: y\r\n\r\n"
		    "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
		    &r);
	CHECK_EQ(r.ret, HTTP_EV_DONE);
	CHECK_EQ(r.status, 201);
	CHECK_EQ(r.heads, 1);
	CHECK_EQ(r.body_len, 2);
	/* 101 is a protocol switch we never asked for */
	parse_whole("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", &r);
	CHECK_EQ(r.ret, -EPROTO);
	/* empty lines before the status line are ignored */
	parse_whole("\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", &r);
	CHECK_EQ(r.ret, HTTP_EV_DONE);
}

static void test_connection_close(void)
{
	struct arena *a = arena_new(1 << 16);
	struct http_parser p;
	struct result r;
	struct slice piece;
	struct rd in;
	const char *s = "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\n\r\nall of it";

	parse_whole("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx", &r);
	CHECK_EQ(r.ret, HTTP_EV_DONE);
	CHECK(!r.keep_alive);
	/* HTTP/1.0 closes unless it says keep-alive */
	parse_whole("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", &r);
	CHECK(!r.keep_alive);
	parse_whole("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx", &r);
	CHECK(r.keep_alive);

	/* no length: the body runs to the close */
	REQUIRE(a);
	http_parser_init(&p, a, 100, 0);
	in = rd_init(s, strlen(s));
	CHECK_EQ(http_parser_push(&p, &in, &piece), HTTP_EV_HEAD);
	CHECK(!http_parser_response(&p)->keep_alive);
	CHECK_EQ(http_parser_push(&p, &in, &piece), HTTP_EV_BODY);
	CHECK_EQ(piece.len, 9);
	CHECK_EQ(http_parser_push(&p, &in, &piece), -EAGAIN);
	CHECK_EQ(http_parser_eof(&p), HTTP_EV_DONE);

	/* a close before any byte, and one mid-body */
	http_parser_init(&p, a, 100, 0);
	CHECK_EQ(http_parser_eof(&p), 0);
	http_parser_init(&p, a, 100, 0);
	in = rd_init(resp_len, sizeof(resp_len) - 3);
	CHECK_EQ(http_parser_push(&p, &in, &piece), HTTP_EV_HEAD);
	CHECK_EQ(http_parser_push(&p, &in, &piece), HTTP_EV_BODY);
	CHECK_EQ(http_parser_push(&p, &in, &piece), -EAGAIN);
	CHECK_EQ(http_parser_eof(&p), -EBADMSG);
	arena_free(a);
}

static void test_rejects(void)
{
	static const struct {
		const char *in;
		int err;
	} v[] = {
		{ "HTTP/1.1 200 OK\r\nX: a\r\n  folded\r\nContent-Length: 0\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\n\tX: a\r\n\r\n", -EBADMSG },
		{ "HTTP/2 200 OK\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 20 OK\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 2000 OK\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 099 Low\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 700 High\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1  200 OK\r\n\r\n", -EBADMSG },
		{ "ICY 200 OK\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 200 O\x01K\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nNo colon\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nX : space before colon\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nX: a\x7f\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nx", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nxx", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", -EMSGSIZE },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
		  -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", -EPROTO },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", -EPROTO },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;x\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1 2\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\rx", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;a\x01\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\r\n folded\r\n\r\n",
		  -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n",
		  -EMSGSIZE },
	};
	struct result r;

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		parse_whole(v[i].in, &r);
		if (r.ret != v[i].err)
			T_FAIL("vector %zu: got %d, want %d (%s)", i, r.ret, v[i].err, r.why);
		else
			CHECK(r.why && *r.why);
	}
}

static void test_caps(void)
{
	char *big = malloc(HTTP_HEAD_MAX + 256);
	struct result r;
	size_t n;

	REQUIRE(big);
	/* a head of exactly HTTP_HEAD_MAX bytes passes; one more byte does not */
	for (int extra = 0; extra <= 1; extra++) {
		n = (size_t)sprintf(big, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX: ");
		memset(big + n, 'a', HTTP_HEAD_MAX - n - 4 + (size_t)extra);
		n = HTTP_HEAD_MAX - 4 + (size_t)extra;
		memcpy(big + n, "\r\n\r\n", 4);
		n += 4;
		run(big, n, n, 100, 0, 1 << 20, &r);
		CHECK_EQ(r.ret, extra ? -EMSGSIZE : HTTP_EV_DONE);
	}
	/* too many fields */
	n = (size_t)sprintf(big, "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i < HTTP_HEADERS_MAX + 1; i++)
		n += (size_t)sprintf(big + n, "A:\r\n");
	n += (size_t)sprintf(big + n, "\r\n");
	run(big, n, n, 100, 0, 1 << 20, &r);
	CHECK_EQ(r.ret, -EMSGSIZE);
	/* body at the cap and one over, for both framings */
	run(S(resp_len), 100, 11, 0, 1 << 20, &r);
	CHECK_EQ(r.ret, HTTP_EV_DONE);
	run(S(resp_len), 100, 10, 0, 1 << 20, &r);
	CHECK_EQ(r.ret, -EMSGSIZE);
	run(S(resp_chunked), 100, 16, 0, 1 << 20, &r);
	CHECK_EQ(r.ret, HTTP_EV_DONE);
	run(S(resp_chunked), 100, 15, 0, 1 << 20, &r);
	CHECK_EQ(r.ret, -EMSGSIZE);
	/* chunk line with extensions up to the limit */
	n = (size_t)sprintf(big, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0;");
	memset(big + n, 'e', HTTP_CHUNK_LINE_MAX);
	n += HTTP_CHUNK_LINE_MAX;
	n += (size_t)sprintf(big + n, "\r\n\r\n");
	run(big, n, n, 100, 0, 1 << 20, &r);
	CHECK_EQ(r.ret, -EMSGSIZE);
	/* an endless trailer */
	n = (size_t)sprintf(big, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n");
	memset(big + n, 'T', HTTP_HEAD_MAX + 10);
	n += HTTP_HEAD_MAX + 10;
	run(big, n, n, 100, 0, 1 << 20, &r);
	CHECK_EQ(r.ret, -EMSGSIZE);
	free(big);
}

/* Every prefix: -EAGAIN (or an event and then -EAGAIN), never an error or a crash. */
static void test_truncation(void)
{
	const char *const vecs[] = { resp_len, resp_chunked,
				     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No\r\n\r\n" };

	for (size_t v = 0; v < ARRAY_SIZE(vecs); v++) {
		size_t len = strlen(vecs[v]);

		for (size_t cut = 0; cut < len; cut++) {
			struct result r;

			run(vecs[v], cut, cut + 1, 1 << 20, 0, 1 << 20, &r);
			if (r.ret != -EAGAIN)
				T_FAIL("vector %zu cut at %zu: %d (%s)", v, cut, r.ret, r.why);
		}
	}
}

/* Feeding one byte at a time (and in other steps) gives what feeding all at once gives. */
static void test_split_equals_whole(void)
{
	const char *const vecs[] = { resp_len, resp_chunked };

	for (size_t v = 0; v < ARRAY_SIZE(vecs); v++) {
		size_t len = strlen(vecs[v]);
		struct result whole, split;

		run(vecs[v], len, len, 1 << 20, 0, 1 << 20, &whole);
		REQUIRE(whole.ret == HTTP_EV_DONE);
		for (size_t step = 1; step < len; step += (step < 8 ? 1 : 13)) {
			run(vecs[v], len, step, 1 << 20, 0, 1 << 20, &split);
			CHECK_EQ(split.ret, HTTP_EV_DONE);
			CHECK_EQ(split.status, whole.status);
			CHECK_EQ(split.heads, 1);
			CHECK_EQ(split.body_len, whole.body_len);
			CHECK_MEM(split.body, whole.body, whole.body_len);
			CHECK_EQ(split.consumed, whole.consumed);
		}
	}
}

/* Arena caps from 0 up: each fails cleanly with -ENOMEM until the response fits. */
static void test_arena_cap_sweep(void)
{
	size_t len = strlen(resp_chunked);
	bool done = false;

	for (size_t cap = 0; cap <= 8192 && !done; cap += 16) {
		struct result r;

		run(resp_chunked, len, 7, 1 << 20, 0, cap, &r);
		if (r.ret == HTTP_EV_DONE) {
			done = true;
			CHECK_MEM(r.body, "hello, world!!!!", 16);
		} else if (r.ret != -ENOMEM) {
			T_FAIL("cap %zu: %d", cap, r.ret);
		}
	}
	CHECK(done);
}

/* ------------------------------------------------------------ x509 SANs */

/* A certificate skeleton: SEQ { SEQ tbs { [0]{INT 2}, INT serial, ..., [3]{ SEQ { ext } } } } */
static size_t der_cert(uint8_t *out, const uint8_t *san, size_t san_len)
{
	uint8_t ext[512], tbs[600];
	size_t e = 0, t = 0, o = 0;

	/* Extension { OID 2.5.29.17, OCTET STRING { GeneralNames } } */
	uint8_t extn[300];
	size_t x = 0;

	extn[x++] = 0x06, extn[x++] = 3, extn[x++] = 0x55, extn[x++] = 0x1d, extn[x++] = 0x11;
	extn[x++] = 0x04, extn[x++] = (uint8_t)(san_len + 2);
	extn[x++] = 0x30, extn[x++] = (uint8_t)san_len;
	memcpy(extn + x, san, san_len), x += san_len;
	ext[e++] = 0xa3, ext[e++] = (uint8_t)(x + 4);
	ext[e++] = 0x30, ext[e++] = (uint8_t)(x + 2);
	ext[e++] = 0x30, ext[e++] = (uint8_t)x;
	memcpy(ext + e, extn, x), e += x;
	/* version [0] INT 2, serial INT 1, then skipped fields stood in by one NULL */
	static const uint8_t head[] = { 0xa0, 3, 0x02, 1, 2, 0x02, 1, 1, 0x05, 0 };
	memcpy(tbs + t, head, sizeof(head)), t += sizeof(head);
	memcpy(tbs + t, ext, e), t += e;
	out[o++] = 0x30, out[o++] = 0x82, out[o++] = (uint8_t)((t + 4) >> 8),
	out[o++] = (uint8_t)(t + 4);
	out[o++] = 0x30, out[o++] = 0x82, out[o++] = (uint8_t)(t >> 8), out[o++] = (uint8_t)t;
	memcpy(out + o, tbs, t), o += t;
	return o;
}

struct sans {
	int dns, ip;
	char last_dns[64];
	uint8_t last_ip[16];
};

static int collect(void *arg, int type, struct slice v)
{
	struct sans *s = arg;

	if (type == TLS_SAN_DNS) {
		s->dns++;
		snprintf(s->last_dns, sizeof(s->last_dns), "%.*s", (int)v.len, (const char *)v.p);
	} else {
		s->ip++;
		memcpy(s->last_ip, v.p, v.len);
	}
	return 0;
}

static void test_x509_sans(void)
{
	static const uint8_t san[] = {
		0x82, 9,  'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', /* dNSName */
		0x87, 4,  127, 0,   0,	 1, /* iPAddress v4 */
		0x81, 3,  'a', '@', 'b', /* rfc822: skipped */
		0x87, 16, 0,   0,   0,	 0,   0,   0,	0,   0,	  0,
		0,    0,  0,   0,   0,	 0,   1, /* ::1 */
	};
	uint8_t der[1024];
	size_t n = der_cert(der, san, sizeof(san));
	struct sans s = { 0 };

	CHECK_EQ(tls_x509_sans(der, n, collect, &s), 0);
	CHECK_EQ(s.dns, 1);
	CHECK_EQ(s.ip, 2);
	CHECK_STR(s.last_dns, "localhost");
	CHECK_EQ(s.last_ip[15], 1);
	/* every truncation is -EBADMSG, never a read past the end */
	for (size_t cut = 0; cut < n; cut++) {
		uint8_t *p = malloc(cut ? cut : 1);

		memcpy(p, der, cut);
		memset(&s, 0, sizeof(s));
		if (tls_x509_sans(p, cut, collect, &s) != -EBADMSG)
			T_FAIL("cut %zu not refused", cut);
		free(p);
	}
	/* indefinite length (BER) is refused */
	der[1] = 0x80;
	CHECK_EQ(tls_x509_sans(der, n, collect, &s), -EBADMSG);
}

/* ------------------------------------------------------------ connections */

/*
 * http_conn against a scripted server on 127.0.0.1 in this process: the
 * test plays the server between steps (everything is non-blocking), so the
 * orderings are exact.
 */
struct srv {
	int lfd, fd;
	uint16_t port;
};

static int srv_open(struct srv *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	s->fd = -1;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(s->lfd, 4) < 0 || getsockname(s->lfd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	s->port = ntohs(a.sin_port);
	return 0;
}

static void srv_close(struct srv *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->lfd >= 0)
		close(s->lfd);
}

/* Accept the next connection (closing the previous one). */
static bool srv_accept(struct srv *s)
{
	struct pollfd p = { s->lfd, POLLIN, 0 };

	if (poll(&p, 1, 2000) != 1)
		return false;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = accept(s->lfd, NULL, NULL);
	return s->fd >= 0;
}

/* Read one request head (up to the empty line) plus @body bytes; its first line in @line. */
static bool srv_read_request(struct srv *s, char *line, size_t size, size_t body)
{
	char buf[8192];
	size_t n = 0;
	char *end = NULL;

	while (!end || (size_t)(buf + n - (end + 4)) < body) {
		struct pollfd p = { s->fd, POLLIN, 0 };
		ssize_t r;

		if (n == sizeof(buf) - 1 || poll(&p, 1, 2000) != 1)
			return false;
		r = read(s->fd, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			return false;
		n += (size_t)r;
		buf[n] = 0;
		end = strstr(buf, "\r\n\r\n");
	}
	snprintf(line, size, "%.*s", (int)strcspn(buf, "\r"), buf);
	return true;
}

static bool srv_write(struct srv *s, const char *text)
{
	return write(s->fd, text, strlen(text)) == (ssize_t)strlen(text);
}

/* Step @c (polling its fd) until it returns something other than -EAGAIN. */
static int drive(struct http_conn *c)
{
	short revents = 0;

	for (int i = 0; i < 1000; i++) {
		int ret = http_conn_step(c, time_now_ms(), revents);
		struct pollfd p = { http_conn_fd(c), http_conn_events(c), 0 };

		if (ret != -EAGAIN)
			return ret;
		revents = poll(&p, 1, 2000) == 1 ? p.revents : 0;
	}
	return -ETIME;
}

static const struct http_request get_a = { .method = "GET", .target = "/a" };

/* drive() past the head: DONE or an error (collected bodies have no BODY events). */
static int drive_done(struct http_conn *c)
{
	int ret;

	do
		ret = drive(c);
	while (ret == HTTP_EV_HEAD);
	return ret;
}

/* Step @c until it has sent its request (the server reads it next). */
static int send_request(struct http_conn *c)
{
	for (int i = 0; i < 200; i++) {
		int ret = http_conn_step(c, time_now_ms(), 0);
		struct pollfd p = { http_conn_fd(c), POLLOUT, 0 };

		if (ret != -EAGAIN || !(http_conn_events(c) & POLLOUT))
			return ret;
		poll(&p, 1, 10);
	}
	return -ETIME;
}

/* One whole exchange: request, the server's reading and @answer, the client's DONE. */
static int exchange(struct http_conn *c, struct srv *s, const struct http_request *req,
		    struct arena *a, bool new_conn, const char *answer, char *line)
{
	int ret = http_conn_request(c, req, a, 100, 0, time_now_ms(), 2000);

	if (ret < 0)
		return ret;
	ret = send_request(c);
	if (ret != -EAGAIN)
		return ret;
	if (new_conn && !srv_accept(s))
		return -ETIME;
	if (!srv_read_request(s, line, 256, req->body_len) || !srv_write(s, answer))
		return -ETIME;
	return drive_done(c);
}

static void test_conn_keep_alive_and_resend(void)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	struct http_request post = { .method = "POST", .target = "/p", .body = "{}", .body_len = 2 };
	struct arena *a = arena_new(1 << 16);
	struct http_conn *c = NULL;
	const struct http_response *r;
	struct srv s;
	char line[256];

	REQUIRE(a && srv_open(&s) == 0);
	REQUIRE(http_conn_new("127.0.0.1", s.port, NULL, &c) == 0);
	CHECK_EQ(http_conn_fd(c), -1);
	CHECK_EQ(http_conn_events(c), 0);
	CHECK_EQ(http_conn_deadline(c), UINT64_MAX);

	/* a new connection */
	CHECK_EQ(exchange(c, &s, &get_a, a, true, ok, line), HTTP_EV_DONE);
	CHECK_STR(line, "GET /a HTTP/1.1");
	r = http_conn_response(c);
	REQUIRE(r);
	CHECK_EQ(r->status, 200);
	CHECK_EQ(r->body_len, 2);
	CHECK_STR(r->body, "ok");
	CHECK(!http_conn_is_busy(c));
	CHECK_EQ(http_conn_events(c), POLLIN); /* idle: noticing the server's close */
	CHECK_EQ(http_conn_connects(c), 1);

	/* the same connection again */
	CHECK_EQ(exchange(c, &s, &get_a, a, false, ok, line), HTTP_EV_DONE);
	CHECK_EQ(http_conn_connects(c), 1);

	/* the server closes the idle connection unseen: a GET is resent on a new one */
	close(s.fd);
	s.fd = -1;
	CHECK_EQ(exchange(c, &s, &get_a, a, true, ok, line), HTTP_EV_DONE);
	CHECK_EQ(http_conn_connects(c), 2);
	CHECK_STR(http_conn_response(c)->body, "ok");

	/* ... but a POST is not (it may not be idempotent): the caller decides */
	close(s.fd);
	s.fd = -1;
	REQUIRE(http_conn_request(c, &post, a, 100, 0, time_now_ms(), 2000) == 0);
	CHECK_EQ(drive_done(c), -ECONNRESET);
	CHECK(strstr(http_conn_strerror(c), "closed the connection before responding") ||
	      strstr(http_conn_strerror(c), "reset"));
	CHECK(!http_conn_is_busy(c));
	CHECK_EQ(http_conn_fd(c), -1);

	/* after a failure the next request reconnects */
	CHECK_EQ(exchange(c, &s, &post, a, true, ok, line), HTTP_EV_DONE);
	CHECK_STR(line, "POST /p HTTP/1.1");
	CHECK_EQ(http_conn_connects(c), 3);

	/* Connection: close is honoured */
	CHECK_EQ(exchange(c, &s, &get_a, a, false,
			  "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", line),
		 HTTP_EV_DONE);
	CHECK_EQ(http_conn_fd(c), -1);
	/* bytes after the response: the connection is not trusted again */
	CHECK_EQ(exchange(c, &s, &get_a, a, true,
			  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", line),
		 HTTP_EV_DONE);
	CHECK_EQ(http_conn_fd(c), -1);
	http_conn_free(c);
	srv_close(&s);
	arena_free(a);
}

static void test_conn_failures(void)
{
	struct arena *a = arena_new(1 << 16);
	struct http_conn *c = NULL;
	struct srv s;
	char line[256];
	uint64_t now;

	REQUIRE(a && srv_open(&s) == 0);
	REQUIRE(http_conn_new("127.0.0.1", s.port, NULL, &c) == 0);

	/* a truncated body then a close */
	REQUIRE(http_conn_request(c, &get_a, a, 100, 0, time_now_ms(), 2000) == 0);
	REQUIRE(send_request(c) == -EAGAIN);
	REQUIRE(srv_accept(&s) && srv_read_request(&s, line, sizeof(line), 0));
	REQUIRE(srv_write(&s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"));
	close(s.fd);
	s.fd = -1;
	CHECK_EQ(drive_done(c), -ECONNRESET);
	CHECK(strstr(http_conn_strerror(c), "before the response ended"));

	/* a malformed response */
	CHECK_EQ(exchange(c, &s, &get_a, a, true, "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", line),
		 -EBADMSG);
	CHECK(strstr(http_conn_strerror(c), "obsolete line folding"));

	/* a body over the cap */
	CHECK_EQ(
		exchange(
			c, &s, &get_a, a, true,
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			"40\r\n0123456789012345678901234567890123456789012345678901234567890123\r\n"
			"40\r\n0123456789012345678901234567890123456789012345678901234567890123\r\n",
			line),
		-EMSGSIZE);

	/* the deadline: a step at or after it fails the request and closes */
	now = time_now_ms();
	REQUIRE(http_conn_request(c, &get_a, a, 100, 0, now, 500) == 0);
	CHECK_EQ(http_conn_deadline(c), now + 500);
	CHECK_EQ(http_conn_step(c, now + 499, 0), -EAGAIN);
	CHECK_EQ(http_conn_step(c, now + 500, 0), -ETIMEDOUT);
	CHECK(strstr(http_conn_strerror(c), "timed out after 500 ms"));
	CHECK_EQ(http_conn_fd(c), -1);
	CHECK_EQ(http_conn_deadline(c), UINT64_MAX);

	/* a bad request is refused before any I/O */
	REQUIRE(http_conn_request(c, &(struct http_request){ .method = "GET", .target = "x" }, a,
				  100, 0, now, 500) == -EINVAL);
	CHECK(strstr(http_conn_strerror(c), "bad request"));
	CHECK(!http_conn_is_busy(c));
	http_conn_free(c);
	srv_close(&s);
	arena_free(a);
}

/* Streaming: each piece as the server writes it, the deadline renewed by each. */
static void test_conn_stream(void)
{
	struct arena *a = arena_new(1 << 16);
	struct http_conn *c = NULL;
	struct slice piece;
	struct srv s;
	char line[256];
	int ret;

	REQUIRE(a && srv_open(&s) == 0);
	REQUIRE(http_conn_new("localhost", s.port, NULL, &c) == 0);
	REQUIRE(http_conn_request(c, &get_a, a, SIZE_MAX, HTTP_STREAM, time_now_ms(), 2000) == 0);
	REQUIRE(send_request(c) == -EAGAIN);
	REQUIRE(srv_accept(&s) && srv_read_request(&s, line, sizeof(line), 0));
	REQUIRE(srv_write(&s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
	CHECK_EQ(drive(c), HTTP_EV_HEAD);
	CHECK_EQ(http_conn_response(c)->status, 200);
	for (int i = 0; i < 3; i++) {
		char chunk[64];

		snprintf(chunk, sizeof(chunk), "5\r\nev %d\n\r\n", i);
		REQUIRE(srv_write(&s, chunk));
		ret = drive(c);
		CHECK_EQ(ret, HTTP_EV_BODY);
		piece = http_conn_body(c);
		snprintf(chunk, sizeof(chunk), "ev %d\n", i);
		CHECK(piece.len == 5 && memcmp(piece.p, chunk, 5) == 0);
		CHECK(http_conn_deadline(c) > time_now_ms() + 1000);
	}
	REQUIRE(srv_write(&s, "0\r\n\r\n"));
	CHECK_EQ(drive(c), HTTP_EV_DONE);
	CHECK_EQ(http_conn_connects(c), 1);
	http_conn_free(c);
	srv_close(&s);
	arena_free(a);
}

static void test_resolve(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct http_conn *c;

	CHECK_EQ(http_resolve("10.96.0.1", 443, &ss, &len), 0);
	CHECK_EQ(ss.ss_family, AF_INET);
	CHECK_EQ(ntohs(((struct sockaddr_in *)&ss)->sin_port), 443);
	CHECK_EQ(http_resolve("fd00::1", 6443, &ss, &len), 0);
	CHECK_EQ(ss.ss_family, AF_INET6);
	CHECK_EQ(http_resolve("localhost", 1, &ss, &len), 0);
	CHECK_EQ(((struct sockaddr_in *)&ss)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	CHECK_EQ(http_resolve("bad name", 1, &ss, &len), -EINVAL);
	CHECK_EQ(http_resolve("", 1, &ss, &len), -EINVAL);
	CHECK_EQ(http_conn_new("[::1]", 443, NULL, &c), 0);
	http_conn_free(c);
	CHECK_EQ(http_conn_new("10.0.0.1", 0, NULL, &c), -EINVAL);
	CHECK_EQ(http_conn_new("", 1, NULL, &c), -EINVAL);
}

int main(void)
{
	static const struct t_case tests[] = {
		T(test_request_encode),
		T(test_request_rejects_injection),
		T(test_content_length),
		T(test_headers_lookup),
		T(test_chunked),
		T(test_no_body_statuses),
		T(test_connection_close),
		T(test_rejects),
		T(test_caps),
		T(test_truncation),
		T(test_split_equals_whole),
		T(test_arena_cap_sweep),
		T(test_x509_sans),
		T(test_conn_keep_alive_and_resend),
		T(test_conn_failures),
		T(test_conn_stream),
		T(test_resolve),
	};

	return T_RUN(tests);
}
