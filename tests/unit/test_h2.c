// SPDX-License-Identifier: Apache-2.0
/*
 * lib/h2 frames and the server connection, driven in memory (and once over
 * a socketpair) with hand-built frames: preface, SETTINGS, PING, requests and
 * responses, flow control, CONTINUATION, padding, stream states, limits, and
 * the RFC 9113 error code of each violation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "h2/internal.h"
#include "t.h"

/* ------------------------------------------------------------------ frames */

static size_t frame(uint8_t *out, uint8_t type, uint8_t flags, uint32_t stream, const void *p,
		    size_t n)
{
	struct wr w = wr_init(out, H2_FRAME_HEADER_LEN + n);

	h2_frame_header_put(&w, (uint32_t)n, type, flags, stream);
	wr_bytes(&w, p, n);
	return wr_len(&w);
}

static void test_frame_decode(void)
{
	/* A PING: length 8, type 6, flags 0, stream 0, reserved bit set. */
	static const uint8_t ping[] = { 0, 0, 8, 6, 0, 0x80, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0xaa };
	struct h2_frame f;
	struct h2_frame_info in;
	const char *why = NULL;
	struct rd r;

	for (size_t k = 0; k < 17; k++) {
		r = rd_init(ping, k);
		CHECK_EQ(h2_frame_decode(&r, 16384, &f, &why), -EAGAIN);
		CHECK_EQ(rd_left(&r), k);
	}
	r = rd_init(ping, sizeof(ping));
	REQUIRE(h2_frame_decode(&r, 16384, &f, &why) == 0);
	CHECK_EQ(f.len, 8);
	CHECK_EQ(f.type, H2_FRAME_PING);
	CHECK_EQ(f.stream, 0); /* reserved bit ignored */
	CHECK_EQ(rd_left(&r), 1);
	REQUIRE(h2_frame_parse(&f, &in, &why) == 0);
	CHECK_EQ(in.ping[7], 8);
	/* Over the maximum: refused from the header alone. */
	{
		static const uint8_t big[] = { 0, 0x40, 0x01, 0, 0, 0, 0, 0, 1 };

		r = rd_init(big, sizeof(big));
		CHECK_EQ(h2_frame_decode(&r, 16384, &f, &why), -EMSGSIZE);
		CHECK_EQ(f.len, 16385);
		r = rd_init(big, sizeof(big));
		CHECK_EQ(h2_frame_decode(&r, 16385, &f, &why), -EAGAIN);
	}
}

static int parse_one(uint8_t type, uint8_t flags, const char *hex_payload, struct h2_frame_info *in)
{
	static uint8_t b[256];
	uint8_t p[64];
	size_t n = 0;
	struct h2_frame f;
	struct rd r;
	const char *why = NULL;

	for (const char *h = hex_payload; h[0] && h[1]; h += 2) {
		unsigned v;

		sscanf(h, "%2x", &v);
		p[n++] = (uint8_t)v;
	}
	r = rd_init(b, frame(b, type, flags, 1, p, n));
	if (h2_frame_decode(&r, 16384, &f, &why) != 0)
		return -1000;
	return h2_frame_parse(&f, in, &why);
}

static void test_frame_parse(void)
{
	struct h2_frame_info in;

	/* DATA, padded: pad length 2, "hi", 2 bytes of padding. */
	CHECK_EQ(parse_one(H2_FRAME_DATA, H2_FLAG_PADDED, "0268690000", &in), 0);
	CHECK_EQ(in.body.len, 2);
	CHECK(in.body.len == 2 && in.body.p[0] == 'h');
	CHECK_EQ(parse_one(H2_FRAME_DATA, H2_FLAG_PADDED, "0568690000", &in), -EPROTO);
	CHECK_EQ(parse_one(H2_FRAME_DATA, H2_FLAG_PADDED, "04686900", &in), -EPROTO);
	CHECK_EQ(parse_one(H2_FRAME_DATA, H2_FLAG_PADDED, "03686900", &in), 0);
	CHECK_EQ(in.body.len, 0);
	CHECK_EQ(parse_one(H2_FRAME_DATA, H2_FLAG_PADDED, "", &in), -EMSGSIZE);
	/* HEADERS with padding and priority (exclusive bit set). */
	CHECK_EQ(parse_one(H2_FRAME_HEADERS, H2_FLAG_PADDED | H2_FLAG_PRIORITY, "0180000003ff8200",
			   &in),
		 0);
	CHECK(in.has_priority);
	CHECK_EQ(in.dep, 3);
	CHECK(in.body.len == 1 && in.body.p[0] == 0x82);
	CHECK_EQ(parse_one(H2_FRAME_HEADERS, H2_FLAG_PRIORITY, "00000003", &in), -EMSGSIZE);
	/* Fixed sizes. */
	CHECK_EQ(parse_one(H2_FRAME_PRIORITY, 0, "0000000310", &in), 0);
	CHECK_EQ(parse_one(H2_FRAME_PRIORITY, 0, "00000003", &in), -EMSGSIZE);
	CHECK_EQ(parse_one(H2_FRAME_RST_STREAM, 0, "00000008", &in), 0);
	CHECK_EQ(in.value, H2_CANCEL);
	CHECK_EQ(parse_one(H2_FRAME_RST_STREAM, 0, "000008", &in), -EMSGSIZE);
	CHECK_EQ(parse_one(H2_FRAME_SETTINGS, 0, "000400010000", &in), 0);
	CHECK_EQ(in.n_settings, 1);
	CHECK_EQ(parse_one(H2_FRAME_SETTINGS, 0, "0004000100", &in), -EMSGSIZE);
	CHECK_EQ(parse_one(H2_FRAME_SETTINGS, H2_FLAG_ACK, "000400010000", &in), -EMSGSIZE);
	CHECK_EQ(parse_one(H2_FRAME_PING, 0, "01020304050607", &in), -EMSGSIZE);
	CHECK_EQ(parse_one(H2_FRAME_GOAWAY, 0, "0000000500000000", &in), 0);
	CHECK_EQ(in.last_stream, 5);
	CHECK_EQ(parse_one(H2_FRAME_GOAWAY, 0, "00000005000000", &in), -EMSGSIZE);
	CHECK_EQ(parse_one(H2_FRAME_WINDOW_UPDATE, 0, "80000010", &in), 0);
	CHECK_EQ(in.value, 16); /* reserved bit dropped */
	CHECK_EQ(parse_one(H2_FRAME_WINDOW_UPDATE, 0, "000010", &in), -EMSGSIZE);
	CHECK_EQ(parse_one(0x42, 0xff, "0102", &in), 0); /* unknown type */
}

/* ------------------------------------------------------------- connection */

struct out_frame {
	uint8_t type, flags;
	uint32_t stream, len;
	uint8_t p[16384 + 16];
};

#define MAX_OUT 400

struct h {
	struct h2_conn *c;
	struct out_frame out[MAX_OUT];
	size_t n_out;
	int requests, closes, last_close_code, data_calls;
	bool defer; /* do not answer: leave the stream open */
	char last_path[64];
	int feed_ret;
	const char *why;
};

static struct h H;

static int respond(struct h *h, struct h2_stream *s)
{
	struct h2_field f = h2_field_str("content-type", "application/octet-stream");
	size_t *len = h2_stream_user(s);
	static uint8_t body[200000];
	int ret;

	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)i;
	if (h->defer)
		return 0;
	ret = h2_submit_headers(h->c, s, 200, &f, 1, false);
	if (ret == 0)
		ret = h2_submit_data(h->c, s, body, *len, true);
	return ret;
}

static int cb_request(void *user, struct h2_stream *s, const struct h2_request *req, bool end)
{
	struct h *h = user;
	size_t *len = arena_alloc(h2_stream_arena(s), sizeof(*len));

	if (!len)
		return -ENOMEM;
	h->requests++;
	snprintf(h->last_path, sizeof(h->last_path), "%.*s", (int)req->path.len,
		 (const char *)req->path.p);
	/* GET /N answers N bytes; a body is answered by its length in bytes. */
	*len = strtoul(h->last_path + 1, NULL, 10);
	h2_stream_set_user(s, len);
	return end ? respond(h, s) : 0;
}

static int cb_data(void *user, struct h2_stream *s, struct slice data, bool end)
{
	struct h *h = user;
	size_t *len = h2_stream_user(s);

	h->data_calls++;
	*len += data.len;
	return end ? respond(h, s) : 0;
}

static void cb_close(void *user, struct h2_stream *s, uint32_t code)
{
	struct h *h = user;

	(void)s;
	h->closes++;
	h->last_close_code = (int)code;
}

static const struct h2_callbacks cbs = { cb_request, cb_data, cb_close };

/* Take everything queued and split it into frames. */
static void drain(struct h *h)
{
	static uint8_t acc[4 << 20];
	size_t len = 0;
	struct slice out;
	struct rd r;

	while (h2_conn_output(h->c, &out) > 0) {
		REQUIRE(out.len <= sizeof(acc) - len);
		memcpy(acc + len, out.p, out.len);
		len += out.len;
		h2_conn_consume(h->c, out.len);
	}
	r = rd_init(acc, len);
	while (rd_left(&r)) {
		struct h2_frame f;
		const char *why;
		struct out_frame *o;

		REQUIRE(h2_frame_decode(&r, 16384, &f, &why) == 0);
		if (h->n_out == MAX_OUT)
			continue;
		o = &h->out[h->n_out++];
		o->type = f.type;
		o->flags = f.flags;
		o->stream = f.stream;
		o->len = f.len;
		memcpy(o->p, f.payload.p, f.len);
	}
}

static void feed(struct h *h, const void *p, size_t n)
{
	h->feed_ret = h2_conn_feed(h->c, p, n, &h->why);
}

static void send_frame(struct h *h, uint8_t type, uint8_t flags, uint32_t stream, const void *p,
		       size_t n)
{
	static uint8_t b[H2_FRAME_HEADER_LEN + 70000];

	feed(h, b, frame(b, type, flags, stream, p, n));
}

static void start(struct h *h)
{
	if (h->c)
		h2_conn_free(h->c);
	memset(h, 0, sizeof(*h));
	h->c = h2_conn_new(&cbs, h);
	feed(h, H2_PREFACE, H2_PREFACE_LEN);
	send_frame(h, H2_FRAME_SETTINGS, 0, 0, NULL, 0);
	drain(h);
	h->n_out = 0;
}

static struct out_frame *find_frame(struct h *h, uint8_t type, uint32_t stream)
{
	for (size_t i = 0; i < h->n_out; i++)
		if (h->out[i].type == type && h->out[i].stream == stream)
			return &h->out[i];
	return NULL;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The connection ended with GOAWAY(@code); returns the code seen or -1. */
static long goaway_code(struct h *h)
{
	struct out_frame *g;

	drain(h);
	g = find_frame(h, H2_FRAME_GOAWAY, 0);
	return g ? (long)be32(g->p + 4) : -1;
}

static long rst_code(struct h *h, uint32_t stream)
{
	struct out_frame *f;

	drain(h);
	f = find_frame(h, H2_FRAME_RST_STREAM, stream);
	return f ? (long)be32(f->p) : -1;
}

/* Minimal requests: GET/POST http with a :path of "/N". */
static size_t req_block(uint8_t *b, bool post, unsigned n)
{
	char path[16];
	size_t len = 0;
	int pl = snprintf(path, sizeof(path), "/%u", n);

	b[len++] = post ? 0x83 : 0x82; /* :method */
	b[len++] = 0x86; /* :scheme http */
	b[len++] = 0x04; /* :path, literal without indexing */
	b[len++] = (uint8_t)pl;
	memcpy(b + len, path, (size_t)pl);
	return len + (size_t)pl;
}

static void send_request(struct h *h, uint32_t stream, bool post, unsigned n, bool end)
{
	uint8_t b[32];

	send_frame(h, H2_FRAME_HEADERS,
		   (uint8_t)(H2_FLAG_END_HEADERS | (end ? H2_FLAG_END_STREAM : 0)), stream, b,
		   req_block(b, post, n));
}

static size_t body_bytes(struct h *h, uint32_t stream, bool *ended)
{
	size_t n = 0;

	*ended = false;
	for (size_t i = 0; i < h->n_out; i++) {
		if (h->out[i].stream != stream || h->out[i].type != H2_FRAME_DATA)
			continue;
		n += h->out[i].len;
		*ended |= h->out[i].flags & H2_FLAG_END_STREAM;
	}
	return n;
}

/* ------------------------------------------------------------------- tests */

static void test_preface_and_settings(void)
{
	struct h *h = &H;
	struct slice out;
	struct h2_frame f;
	const char *why;
	struct rd r;
	uint8_t set[6] = { 0, 4, 0, 0, 0x10, 0 };

	memset(h, 0, sizeof(*h));
	h->c = h2_conn_new(&cbs, h);
	/* Our SETTINGS come first, before any input (protocols.md §3.1). */
	REQUIRE(h2_conn_output(h->c, &out) > 0);
	r = rd_init(out.p, out.len);
	REQUIRE(h2_frame_decode(&r, 16384, &f, &why) == 0);
	CHECK_EQ(f.type, H2_FRAME_SETTINGS);
	CHECK_EQ(f.flags, 0);
	CHECK_EQ(f.len % 6, 0);
	/* The preface one byte at a time, then SETTINGS with one value. */
	for (size_t i = 0; i < H2_PREFACE_LEN; i++)
		feed(h, &H2_PREFACE[i], 1);
	CHECK_EQ(h->feed_ret, 0);
	send_frame(h, H2_FRAME_SETTINGS, 0, 0, set, sizeof(set));
	CHECK_EQ(h->feed_ret, 0);
	drain(h);
	REQUIRE(h->n_out >= 3);
	CHECK_EQ(h->out[0].type, H2_FRAME_SETTINGS);
	CHECK_EQ(h->out[1].type, H2_FRAME_WINDOW_UPDATE);
	CHECK_EQ(h->out[2].type, H2_FRAME_SETTINGS);
	CHECK_EQ(h->out[2].flags, H2_FLAG_ACK);
	CHECK_EQ(h->out[2].len, 0);
	/* Their ACK of ours draws no answer. */
	h->n_out = 0;
	send_frame(h, H2_FRAME_SETTINGS, H2_FLAG_ACK, 0, NULL, 0);
	drain(h);
	CHECK_EQ(h->n_out, 0);
	CHECK(!h2_conn_is_done(h->c));
}

static void test_bad_preface(void)
{
	struct h *h = &H;
	static const char http1[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

	start(h);
	h2_conn_free(h->c);
	memset(h, 0, sizeof(*h));
	h->c = h2_conn_new(&cbs, h);
	feed(h, http1, sizeof(http1) - 1);
	CHECK_EQ(h->feed_ret, -EPROTO);
	CHECK_EQ(goaway_code(h), H2_PROTOCOL_ERROR);
	CHECK(h2_conn_is_done(h->c));
	/* Input after the error is ignored. */
	feed(h, H2_PREFACE, H2_PREFACE_LEN);
	CHECK_EQ(h->feed_ret, 0);

	/* The first frame must be SETTINGS (RFC 9113 §3.4). */
	h2_conn_free(h->c);
	memset(h, 0, sizeof(*h));
	h->c = h2_conn_new(&cbs, h);
	feed(h, H2_PREFACE, H2_PREFACE_LEN);
	send_frame(h, H2_FRAME_PING, 0, 0, "12345678", 8);
	CHECK_EQ(goaway_code(h), H2_PROTOCOL_ERROR);
}

static void expect_conn_error(uint8_t type, uint8_t flags, uint32_t stream, const char *p, size_t n,
			      long code, const char *what)
{
	struct h *h = &H;
	long got;

	start(h);
	send_frame(h, type, flags, stream, p, n);
	got = goaway_code(h);
	if (got != code)
		T_FAIL("%s: GOAWAY %ld, want %ld (%s)", what, got, code, h->why ? h->why : "");
	CHECK(h->feed_ret < 0);
	CHECK(h2_conn_is_done(h->c));
}

static void test_settings_errors(void)
{
	expect_conn_error(H2_FRAME_SETTINGS, H2_FLAG_ACK, 0, "\0\1\0\0\0\0", 6, H2_FRAME_SIZE_ERROR,
			  "ack with payload");
	expect_conn_error(H2_FRAME_SETTINGS, 0, 1, NULL, 0, H2_PROTOCOL_ERROR, "on a stream");
	expect_conn_error(H2_FRAME_SETTINGS, 0, 0, "\0\1\0", 3, H2_FRAME_SIZE_ERROR, "length 3");
	expect_conn_error(H2_FRAME_SETTINGS, 0, 0, "\0\2\0\0\0\2", 6, H2_PROTOCOL_ERROR,
			  "ENABLE_PUSH 2");
	expect_conn_error(H2_FRAME_SETTINGS, 0, 0, "\0\4\x80\0\0\0", 6, H2_FLOW_CONTROL_ERROR,
			  "INITIAL_WINDOW_SIZE 2^31");
	expect_conn_error(H2_FRAME_SETTINGS, 0, 0, "\0\5\0\0\x3f\xff", 6, H2_PROTOCOL_ERROR,
			  "MAX_FRAME_SIZE 16383");
	expect_conn_error(H2_FRAME_SETTINGS, 0, 0, "\0\5\1\0\0\0", 6, H2_PROTOCOL_ERROR,
			  "MAX_FRAME_SIZE 2^24");
	/* An unknown setting is ignored and acknowledged. */
	start(&H);
	send_frame(&H, H2_FRAME_SETTINGS, 0, 0, "\0\x99\0\0\0\1", 6);
	drain(&H);
	CHECK(H.n_out == 1 && H.out[0].type == H2_FRAME_SETTINGS && H.out[0].flags == H2_FLAG_ACK);
}

static void test_ping(void)
{
	struct h *h = &H;

	start(h);
	send_frame(h, H2_FRAME_PING, 0, 0, "\2\4\x10\x10\x09\x0e\7\7", 8); /* grpc-go BDP ping */
	drain(h);
	REQUIRE(h->n_out == 1);
	CHECK_EQ(h->out[0].type, H2_FRAME_PING);
	CHECK_EQ(h->out[0].flags, H2_FLAG_ACK);
	CHECK_MEM(h->out[0].p, "\2\4\x10\x10\x09\x0e\7\7", 8);
	h->n_out = 0;
	send_frame(h, H2_FRAME_PING, H2_FLAG_ACK, 0, "abcdefgh", 8);
	drain(h);
	CHECK_EQ(h->n_out, 0);
	expect_conn_error(H2_FRAME_PING, 0, 0, "1234567", 7, H2_FRAME_SIZE_ERROR, "PING length 7");
	expect_conn_error(H2_FRAME_PING, 0, 1, "12345678", 8, H2_PROTOCOL_ERROR,
			  "PING on a stream");
	expect_conn_error(H2_FRAME_GOAWAY, 0, 1, "\0\0\0\0\0\0\0\0", 8, H2_PROTOCOL_ERROR,
			  "GOAWAY on a stream");
	expect_conn_error(H2_FRAME_PUSH_PROMISE, H2_FLAG_END_HEADERS, 1, "\0\0\0\2\x82", 5,
			  H2_PROTOCOL_ERROR, "PUSH_PROMISE");
}

static int collect_text(void *ctx, struct slice n, struct slice v, unsigned flags)
{
	char *t = ctx;
	size_t len = strlen(t);

	(void)flags;
	snprintf(t + len, 256 - len, "%.*s=%.*s;", (int)n.len, (const char *)n.p, (int)v.len,
		 (const char *)v.p);
	return 0;
}

static void test_request_response(void)
{
	struct h *h = &H;
	struct hpack_dec *d = calloc(1, sizeof(*d));
	struct out_frame *hf;
	bool ended;
	uint8_t body[1000];

	start(h);
	send_request(h, 1, false, 300, true);
	drain(h);
	CHECK_EQ(h->requests, 1);
	CHECK_STR(h->last_path, "/300");
	hf = find_frame(h, H2_FRAME_HEADERS, 1);
	REQUIRE(hf && d);
	CHECK(hf->flags & H2_FLAG_END_HEADERS);
	CHECK(!(hf->flags & H2_FLAG_END_STREAM));
	CHECK_EQ(hf->p[0], 0x88); /* :status 200, static index 8 */
	hpack_dec_init(d, 4096);
	{
		const char *why = NULL;
		char text[256] = "";

		CHECK_EQ(hpack_decode(d, (struct slice){ hf->p, hf->len }, SIZE_MAX, collect_text,
				      text, &why),
			 0);
		CHECK_STR(text, ":status=200;content-type=application/octet-stream;");
	}
	CHECK_EQ(body_bytes(h, 1, &ended), 300);
	CHECK(ended);
	CHECK_EQ(h->closes, 1);
	CHECK_EQ(h->last_close_code, H2_NO_ERROR);

	/* POST with a body in 3 DATA frames, the last with END_STREAM. */
	h->n_out = 0;
	send_request(h, 3, true, 0, false);
	memset(body, 'x', sizeof(body));
	send_frame(h, H2_FRAME_DATA, 0, 3, body, 400);
	send_frame(h, H2_FRAME_DATA, 0, 3, body, 500);
	send_frame(h, H2_FRAME_DATA, H2_FLAG_END_STREAM, 3, body, 100);
	drain(h);
	CHECK_EQ(body_bytes(h, 3, &ended), 1000);
	CHECK(ended);
	CHECK_EQ(h->closes, 2);
	/* An empty DATA with END_STREAM also ends the request. */
	h->n_out = 0;
	send_request(h, 5, true, 0, false);
	send_frame(h, H2_FRAME_DATA, 0, 5, body, 7);
	send_frame(h, H2_FRAME_DATA, H2_FLAG_END_STREAM, 5, NULL, 0);
	drain(h);
	CHECK_EQ(body_bytes(h, 5, &ended), 7);
	CHECK(ended);
	free(d);
}

static void test_flow_control_send(void)
{
	struct h *h = &H;
	bool ended;

	/* The peer's INITIAL_WINDOW_SIZE of 1: one byte, then as WINDOW_UPDATEs allow. */
	start(h);
	send_frame(h, H2_FRAME_SETTINGS, 0, 0, "\0\4\0\0\0\1", 6);
	send_request(h, 1, false, 100, true);
	drain(h);
	CHECK_EQ(body_bytes(h, 1, &ended), 1);
	CHECK(!ended);
	send_frame(h, H2_FRAME_WINDOW_UPDATE, 0, 1, "\0\0\0\x0a", 4);
	drain(h);
	CHECK_EQ(body_bytes(h, 1, &ended), 11);
	/* A SETTINGS change applies the delta to open streams (RFC 9113 §6.9.2). */
	send_frame(h, H2_FRAME_SETTINGS, 0, 0, "\0\4\0\0\0\x65", 6); /* 101: +100 */
	drain(h);
	CHECK_EQ(body_bytes(h, 1, &ended), 100);
	CHECK(ended);
	CHECK_EQ(h->closes, 1);

	/* The connection window (65535) holds a big body until WINDOW_UPDATE(0). */
	start(h);
	send_frame(h, H2_FRAME_SETTINGS, 0, 0, "\0\4\0\1\0\0", 6); /* streams: 65536 */
	send_request(h, 1, false, 100000, true);
	drain(h);
	CHECK_EQ(body_bytes(h, 1, &ended), 65535);
	CHECK(!h2_conn_want_write(h->c));
	send_frame(h, H2_FRAME_WINDOW_UPDATE, 0, 0, "\0\1\0\0", 4);
	CHECK(h2_conn_want_write(h->c));
	drain(h);
	CHECK_EQ(body_bytes(h, 1, &ended), 65536); /* now the stream window */
	send_frame(h, H2_FRAME_WINDOW_UPDATE, 0, 1, "\0\1\0\0", 4);
	drain(h);
	CHECK_EQ(body_bytes(h, 1, &ended), 100000);
	CHECK(ended);
	for (size_t i = 0; i < h->n_out; i++)
		CHECK(h->out[i].len <= 16384);
}

static void test_window_overflow(void)
{
	struct h *h = &H;

	expect_conn_error(H2_FRAME_WINDOW_UPDATE, 0, 0, "\x7f\xff\xff\xff", 4,
			  H2_FLOW_CONTROL_ERROR, "connection window over 2^31-1");
	expect_conn_error(H2_FRAME_WINDOW_UPDATE, 0, 0, "\0\0\0\0", 4, H2_PROTOCOL_ERROR,
			  "WINDOW_UPDATE 0 on stream 0");
	expect_conn_error(H2_FRAME_WINDOW_UPDATE, 0, 0, "\0\0\1", 3, H2_FRAME_SIZE_ERROR,
			  "WINDOW_UPDATE length 3");
	expect_conn_error(H2_FRAME_WINDOW_UPDATE, 0, 9, "\0\0\0\1", 4, H2_PROTOCOL_ERROR,
			  "WINDOW_UPDATE on an idle stream");
	/* On a stream: stream errors, the connection lives on. */
	start(h);
	h->defer = true;
	send_request(h, 1, false, 10, true);
	send_frame(h, H2_FRAME_WINDOW_UPDATE, 0, 1, "\x7f\xff\xff\xff", 4);
	CHECK_EQ(rst_code(h, 1), H2_FLOW_CONTROL_ERROR);
	CHECK_EQ(h->last_close_code, H2_FLOW_CONTROL_ERROR);
	send_request(h, 3, false, 10, true);
	send_frame(h, H2_FRAME_WINDOW_UPDATE, 0, 3, "\0\0\0\0", 4);
	CHECK_EQ(rst_code(h, 3), H2_PROTOCOL_ERROR);
	CHECK_EQ(goaway_code(h), -1);
	/* INITIAL_WINDOW_SIZE pushing an open stream over 2^31-1. */
	send_request(h, 5, false, 10, true);
	send_frame(h, H2_FRAME_WINDOW_UPDATE, 0, 5, "\x7f\xff\0\0", 4);
	send_frame(h, H2_FRAME_SETTINGS, 0, 0, "\0\4\0\1\0\0", 6);
	CHECK_EQ(goaway_code(h), H2_FLOW_CONTROL_ERROR);
}

static void test_oversize_frame(void)
{
	struct h *h = &H;
	static uint8_t b[H2_FRAME_HEADER_LEN + 16385], payload[16385];

	start(h);
	send_request(h, 1, true, 0, false);
	/* Exactly at the limit is fine. */
	feed(h, b, frame(b, H2_FRAME_DATA, 0, 1, payload, 16384));
	CHECK_EQ(h->feed_ret, 0);
	feed(h, b, frame(b, H2_FRAME_DATA, 0, 1, payload, 16385));
	CHECK_EQ(h->feed_ret, -EMSGSIZE);
	CHECK_EQ(goaway_code(h), H2_FRAME_SIZE_ERROR);
	/* An oversize HEADERS, announced by its header alone. */
	start(h);
	feed(h, "\0\x40\x01\x01\x04\0\0\0\1", 9);
	CHECK_EQ(goaway_code(h), H2_FRAME_SIZE_ERROR);
}

static void test_header_list_too_large(void)
{
	struct h *h = &H;
	static uint8_t blk[24000];
	size_t n = req_block(blk, false, 5);
	struct out_frame *hf;

	/* 20 fields of ~1 KiB: over 16 KiB, sent as HEADERS + CONTINUATION. */
	for (int i = 0; i < 20; i++) {
		blk[n++] = 0x00;
		blk[n++] = 3;
		memcpy(blk + n, "x-a", 3);
		n += 3;
		blk[n++] = 0x7f; /* 127 + 873 = 1000 */
		blk[n++] = 0xe9;
		blk[n++] = 0x06;
		memset(blk + n, 'v', 1000);
		n += 1000;
	}
	start(h);
	send_frame(h, H2_FRAME_HEADERS, H2_FLAG_END_STREAM, 1, blk, 16000);
	send_frame(h, H2_FRAME_CONTINUATION, H2_FLAG_END_HEADERS, 1, blk + 16000, n - 16000);
	drain(h);
	CHECK_EQ(h->requests, 0);
	hf = find_frame(h, H2_FRAME_HEADERS, 1);
	REQUIRE(hf);
	CHECK(hf->flags & H2_FLAG_END_STREAM);
	/* ":status 431": literal, indexed name 8, without indexing. */
	CHECK_EQ(hf->p[0], 0x08);
	CHECK_EQ(goaway_code(h), -1);
	/* The HPACK state is in sync: the next request works. */
	h->n_out = 0;
	send_request(h, 3, false, 1, true);
	drain(h);
	CHECK_EQ(h->requests, 1);
}

static void test_stream_states(void)
{
	struct h *h = &H;

	expect_conn_error(H2_FRAME_DATA, 0, 0, "x", 1, H2_PROTOCOL_ERROR, "DATA on stream 0");
	expect_conn_error(H2_FRAME_DATA, 0, 1, "x", 1, H2_PROTOCOL_ERROR, "DATA on an idle stream");
	expect_conn_error(H2_FRAME_RST_STREAM, 0, 1, "\0\0\0\x8", 4, H2_PROTOCOL_ERROR,
			  "RST_STREAM on an idle stream");
	expect_conn_error(H2_FRAME_RST_STREAM, 0, 0, "\0\0\0\x8", 4, H2_PROTOCOL_ERROR,
			  "RST_STREAM on stream 0");
	expect_conn_error(H2_FRAME_HEADERS, H2_FLAG_END_HEADERS, 0, "\x82", 1, H2_PROTOCOL_ERROR,
			  "HEADERS on stream 0");
	expect_conn_error(H2_FRAME_HEADERS, H2_FLAG_END_HEADERS, 2, "\x82\x86\x84", 3,
			  H2_PROTOCOL_ERROR, "even stream id");
	expect_conn_error(H2_FRAME_PRIORITY, 0, 0, "\0\0\0\1\x10", 5, H2_PROTOCOL_ERROR,
			  "PRIORITY on stream 0");

	/* Closed after a full exchange: DATA is a stream error, HEADERS a connection one. */
	start(h);
	send_request(h, 1, false, 1, true);
	CHECK_EQ(h->closes, 0); /* our END_STREAM is not out yet */
	drain(h);
	CHECK_EQ(h->closes, 1);
	send_frame(h, H2_FRAME_DATA, 0, 1, "x", 1);
	CHECK_EQ(rst_code(h, 1), H2_STREAM_CLOSED);
	send_frame(h, H2_FRAME_WINDOW_UPDATE, 0, 1, "\0\0\0\1", 4); /* ignored */
	send_frame(h, H2_FRAME_RST_STREAM, 0, 1, "\0\0\0\x8", 4); /* ignored */
	send_frame(h, H2_FRAME_PRIORITY, 0, 1, "\0\0\0\0\x10", 5); /* tolerated */
	CHECK_EQ(goaway_code(h), -1);
	send_request(h, 1, false, 1, true);
	CHECK_EQ(goaway_code(h), H2_STREAM_CLOSED);

	/* Half-closed (remote): DATA after END_STREAM. */
	start(h);
	h->defer = true;
	send_request(h, 1, false, 1, true);
	send_frame(h, H2_FRAME_DATA, 0, 1, "x", 1);
	CHECK_EQ(rst_code(h, 1), H2_STREAM_CLOSED);
	CHECK_EQ(h->last_close_code, H2_STREAM_CLOSED);
	/* A lower id than the last one, never opened: PROTOCOL_ERROR (§5.1.1). */
	start(h);
	send_request(h, 5, false, 1, true);
	send_request(h, 3, false, 1, true);
	CHECK_EQ(goaway_code(h), H2_PROTOCOL_ERROR);

	/* The peer's RST_STREAM closes an open stream with its code. */
	start(h);
	h->defer = true;
	send_request(h, 1, true, 0, false);
	send_frame(h, H2_FRAME_RST_STREAM, 0, 1, "\0\0\0\x8", 4);
	CHECK_EQ(h->closes, 1);
	CHECK_EQ(h->last_close_code, H2_CANCEL);
	drain(h);
	CHECK_EQ(h->n_out, 0);
}

static void test_continuation(void)
{
	struct h *h = &H;
	uint8_t b[32];
	size_t n = req_block(b, false, 4);
	bool ended;

	/* HEADERS + CONTINUATION + CONTINUATION. */
	start(h);
	send_frame(h, H2_FRAME_HEADERS, H2_FLAG_END_STREAM, 1, b, 1);
	send_frame(h, H2_FRAME_CONTINUATION, 0, 1, b + 1, 2);
	send_frame(h, H2_FRAME_CONTINUATION, H2_FLAG_END_HEADERS, 1, b + 3, n - 3);
	drain(h);
	CHECK_EQ(h->requests, 1);
	CHECK_EQ(body_bytes(h, 1, &ended), 4);

	/* Another stream's HEADERS inside a header block. */
	start(h);
	send_frame(h, H2_FRAME_HEADERS, H2_FLAG_END_STREAM, 1, b, 2);
	send_frame(h, H2_FRAME_HEADERS, H2_FLAG_END_STREAM | H2_FLAG_END_HEADERS, 3, b, n);
	CHECK_EQ(goaway_code(h), H2_PROTOCOL_ERROR);
	/* CONTINUATION of another stream. */
	start(h);
	send_frame(h, H2_FRAME_HEADERS, H2_FLAG_END_STREAM, 1, b, 2);
	send_frame(h, H2_FRAME_CONTINUATION, H2_FLAG_END_HEADERS, 3, b + 2, n - 2);
	CHECK_EQ(goaway_code(h), H2_PROTOCOL_ERROR);
	/* PRIORITY, PING, unknown frames inside a header block. */
	start(h);
	send_frame(h, H2_FRAME_HEADERS, H2_FLAG_END_STREAM, 1, b, 2);
	send_frame(h, H2_FRAME_PRIORITY, 0, 1, "\0\0\0\0\x10", 5);
	CHECK_EQ(goaway_code(h), H2_PROTOCOL_ERROR);
	start(h);
	send_frame(h, H2_FRAME_HEADERS, H2_FLAG_END_STREAM, 1, b, 2);
	send_frame(h, 0x42, 0, 0, "", 0);
	CHECK_EQ(goaway_code(h), H2_PROTOCOL_ERROR);
	/* CONTINUATION without a header block, after END_HEADERS, on stream 0. */
	expect_conn_error(H2_FRAME_CONTINUATION, H2_FLAG_END_HEADERS, 1, "\x82", 1,
			  H2_PROTOCOL_ERROR, "CONTINUATION without HEADERS");
	start(h);
	send_request(h, 1, false, 1, true);
	send_frame(h, H2_FRAME_CONTINUATION, H2_FLAG_END_HEADERS, 1, "\x82", 1);
	CHECK_EQ(goaway_code(h), H2_PROTOCOL_ERROR);
	/* Unknown frame types outside a block are ignored. */
	start(h);
	send_frame(h, 0x42, 0xff, 0, "abc", 3);
	send_request(h, 1, false, 1, true);
	CHECK_EQ(goaway_code(h), -1);
	CHECK_EQ(h->requests, 1);
}

static void test_padding(void)
{
	struct h *h = &H;
	uint8_t b[64], p[64];
	size_t n = req_block(b, true, 0);
	bool ended;

	/* Padded HEADERS (with priority) and padded DATA are fine. */
	start(h);
	p[0] = 3;
	memcpy(p + 1, "\0\0\0\0\x10", 5);
	memcpy(p + 6, b, n);
	memset(p + 6 + n, 0, 3);
	send_frame(h, H2_FRAME_HEADERS, H2_FLAG_END_HEADERS | H2_FLAG_PADDED | H2_FLAG_PRIORITY, 1,
		   p, 6 + n + 3);
	send_frame(h, H2_FRAME_DATA, H2_FLAG_PADDED | H2_FLAG_END_STREAM, 1, "\4hello\0\0\0\0", 10);
	drain(h);
	CHECK_EQ(body_bytes(h, 1, &ended), 5);
	CHECK(ended);
	expect_conn_error(H2_FRAME_DATA, H2_FLAG_PADDED, 1, "\5abcd", 5, H2_PROTOCOL_ERROR,
			  "DATA pad length over the payload");
	start(h);
	send_request(h, 1, true, 0, false);
	send_frame(h, H2_FRAME_DATA, H2_FLAG_PADDED, 1, "\5abcd", 5);
	CHECK_EQ(goaway_code(h), H2_PROTOCOL_ERROR);
	p[0] = (uint8_t)(n + 1);
	memcpy(p + 1, b, n);
	expect_conn_error(H2_FRAME_HEADERS, H2_FLAG_END_HEADERS | H2_FLAG_PADDED, 1, (char *)p,
			  n + 1, H2_PROTOCOL_ERROR, "HEADERS pad length over the payload");
}

static void test_priority(void)
{
	struct h *h = &H;
	uint8_t p[64];
	uint8_t b[32];
	size_t n = req_block(b, false, 1);

	/* HEADERS depending on itself: stream error (RFC 9113 §5.3.1). */
	start(h);
	memcpy(p, "\0\0\0\1\x10", 5);
	memcpy(p + 5, b, n);
	send_frame(h, H2_FRAME_HEADERS, H2_FLAG_END_HEADERS | H2_FLAG_PRIORITY | H2_FLAG_END_STREAM,
		   1, p, 5 + n);
	CHECK_EQ(rst_code(h, 1), H2_PROTOCOL_ERROR);
	CHECK_EQ(h->requests, 0);
	send_frame(h, H2_FRAME_PRIORITY, 0, 3, "\0\0\0\3\x10", 5);
	CHECK_EQ(rst_code(h, 3), H2_PROTOCOL_ERROR);
	send_frame(h, H2_FRAME_PRIORITY, 0, 5, "\0\0\0\3", 4);
	CHECK_EQ(rst_code(h, 5), H2_FRAME_SIZE_ERROR);
	/* PRIORITY on an idle stream does not open it. */
	send_frame(h, H2_FRAME_PRIORITY, 0, 9, "\0\0\0\3\x10", 5);
	send_request(h, 7, false, 1, true);
	CHECK_EQ(goaway_code(h), -1);
	CHECK_EQ(h->requests, 1);
}

static void test_malformed_requests(void)
{
	static const struct {
		const char *hex, *what;
	} bad[] = {
		{ "8286844001410161", "uppercase name" },
		{ "8286", "missing :path" },
		{ "8284", "missing :scheme" },
		{ "8684", "missing :method" },
		{ "82860400", "empty :path" },
		{ "82868488", "response pseudo-header :status" },
		{ "82868400053a6d6f64650131", "unknown pseudo-header" }, /* ":mode: 1" */
		{ "82860001610162"
		  "84",
		  "pseudo-header after a regular field" },
		{ "828684000a636f6e6e656374696f6e05636c6f7365", "connection: close" },
		{ "8286840002746504677a6970", "te: gzip" },
		{ "828684000775706772616465026832", "upgrade" },
		{ "82828684", "duplicate :method" },
		{ "828684000161026120", "value with trailing space" },
		{ "8286840003612062016b", "name with a space" },
	};
	struct h *h = &H;
	uint32_t id = 1;

	start(h);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++, id += 2) {
		uint8_t b[64];
		size_t n = 0;
		long code;

		for (const char *x = bad[i].hex; x[0] && x[1]; x += 2) {
			unsigned v;

			sscanf(x, "%2x", &v);
			b[n++] = (uint8_t)v;
		}
		h->n_out = 0;
		send_frame(h, H2_FRAME_HEADERS, H2_FLAG_END_HEADERS | H2_FLAG_END_STREAM, id, b, n);
		code = rst_code(h, id);
		if (code != H2_PROTOCOL_ERROR)
			T_FAIL("%s: RST_STREAM %ld, want PROTOCOL_ERROR", bad[i].what, code);
	}
	CHECK_EQ(h->requests, 0);
	CHECK_EQ(goaway_code(h), -1);
	/* content-length that the body does not match. */
	{
		static const uint8_t cl[] = {
			0x83, 0x86, 0x84, 0x5c, 0x01, '3'
		}; /* content-length: 3 */

		h->n_out = 0;
		send_frame(h, H2_FRAME_HEADERS, H2_FLAG_END_HEADERS, id, cl, sizeof(cl));
		send_frame(h, H2_FRAME_DATA, H2_FLAG_END_STREAM, id, "ab", 2);
		CHECK_EQ(rst_code(h, id), H2_PROTOCOL_ERROR);
		id += 2;
		h->n_out = 0;
		send_frame(h, H2_FRAME_HEADERS, H2_FLAG_END_HEADERS, id, cl, sizeof(cl));
		send_frame(h, H2_FRAME_DATA, 0, id, "abcd", 4);
		CHECK_EQ(rst_code(h, id), H2_PROTOCOL_ERROR);
		id += 2;
		h->n_out = 0;
		send_frame(h, H2_FRAME_HEADERS, H2_FLAG_END_HEADERS, id, cl, sizeof(cl));
		send_frame(h, H2_FRAME_DATA, H2_FLAG_END_STREAM, id, "abc", 3);
		CHECK_EQ(rst_code(h, id), -1);
		id += 2;
	}
	/* Trailers: without END_STREAM, or with a pseudo-header, are malformed. */
	h->n_out = 0;
	send_request(h, id, true, 0, false);
	send_frame(h, H2_FRAME_HEADERS, H2_FLAG_END_HEADERS, id, "\x40\1a\1b", 5);
	CHECK_EQ(rst_code(h, id), H2_PROTOCOL_ERROR);
	id += 2;
	h->n_out = 0;
	send_request(h, id, true, 0, false);
	send_frame(h, H2_FRAME_HEADERS, H2_FLAG_END_HEADERS | H2_FLAG_END_STREAM, id, "\x84", 1);
	CHECK_EQ(rst_code(h, id), H2_PROTOCOL_ERROR);
	id += 2;
	h->n_out = 0;
	send_request(h, id, true, 0, false);
	send_frame(h, H2_FRAME_DATA, 0, id, "abc", 3);
	send_frame(h, H2_FRAME_HEADERS, H2_FLAG_END_HEADERS | H2_FLAG_END_STREAM, id, "\x00\1a\1b",
		   5);
	{
		bool ended;

		drain(h);
		CHECK_EQ(body_bytes(h, id, &ended), 3);
		CHECK(ended);
	}
	CHECK_EQ(goaway_code(h), -1);
}

static void test_compression_error(void)
{
	expect_conn_error(H2_FRAME_HEADERS, H2_FLAG_END_HEADERS | H2_FLAG_END_STREAM, 1, "\x82\xff",
			  2, H2_COMPRESSION_ERROR, "bad index");
	expect_conn_error(H2_FRAME_HEADERS, H2_FLAG_END_HEADERS | H2_FLAG_END_STREAM, 1,
			  "\x82\x86\x84\x3f\xe2\x1f", 6, H2_COMPRESSION_ERROR,
			  "size update after fields");
}

static void test_concurrent_streams(void)
{
	struct h *h = &H;
	uint32_t id;

	start(h);
	h->defer = true;
	for (id = 1; id < 2 * H2_MAX_STREAMS; id += 2)
		send_request(h, id, true, 0, false);
	CHECK_EQ(h->requests, (int)H2_MAX_STREAMS);
	CHECK_EQ(rst_code(h, id - 2), -1);
	send_request(h, id, true, 0, false);
	CHECK_EQ(rst_code(h, id), H2_REFUSED_STREAM);
	CHECK_EQ(h->requests, (int)H2_MAX_STREAMS);
	/* One closes; the next is served. */
	send_frame(h, H2_FRAME_RST_STREAM, 0, 1, "\0\0\0\x8", 4);
	send_request(h, id + 2, true, 0, false);
	CHECK_EQ(h->requests, (int)H2_MAX_STREAMS + 1);
	CHECK_EQ(goaway_code(h), -1);
	h2_conn_free(h->c);
	h->c = NULL;
	CHECK_EQ(h->closes, (int)H2_MAX_STREAMS + 1); /* CANCEL for each one still open */
	CHECK_EQ(h->last_close_code, H2_CANCEL);
}

/* Open and reset streams without waiting for answers: GOAWAY(ENHANCE_YOUR_CALM). */
static void test_rapid_reset(void)
{
	struct h *h = &H;
	uint32_t id = 1;

	start(h);
	h->defer = true;
	for (unsigned i = 0; i < H2_MAX_RESET_DEBT; i++, id += 2) {
		send_request(h, id, true, 0, false);
		send_frame(h, H2_FRAME_RST_STREAM, 0, id, "\0\0\0\x8", 4);
	}
	CHECK_EQ(h->feed_ret, 0);
	/* Answered streams pay the debt back. */
	h->defer = false;
	send_request(h, id, false, 1, true);
	id += 2;
	drain(h);
	h->n_out = 0;
	send_request(h, id, true, 0, false);
	send_frame(h, H2_FRAME_RST_STREAM, 0, id, "\0\0\0\x8", 4);
	CHECK_EQ(h->feed_ret, 0);
	id += 2;
	send_request(h, id, true, 0, false);
	send_frame(h, H2_FRAME_RST_STREAM, 0, id, "\0\0\0\x8", 4);
	CHECK_EQ(h->feed_ret, -E2BIG);
	CHECK_EQ(goaway_code(h), H2_ENHANCE_YOUR_CALM);
	CHECK_EQ(h->closes, h->requests);
}

static void test_graceful_shutdown(void)
{
	struct h *h = &H;
	struct out_frame *g;
	bool ended;

	start(h);
	send_request(h, 1, true, 0, false);
	h2_conn_shutdown(h->c);
	drain(h);
	g = find_frame(h, H2_FRAME_GOAWAY, 0);
	REQUIRE(g);
	CHECK_EQ(be32(g->p), 1);
	CHECK_EQ(be32(g->p + 4), H2_NO_ERROR);
	CHECK(!h2_conn_is_done(h->c));
	/* A later stream is ignored; the open one finishes. */
	send_request(h, 3, false, 1, true);
	CHECK_EQ(h->requests, 1);
	send_frame(h, H2_FRAME_DATA, H2_FLAG_END_STREAM, 1, "abc", 3);
	drain(h);
	CHECK_EQ(body_bytes(h, 1, &ended), 3);
	CHECK(ended);
	CHECK(find_frame(h, H2_FRAME_HEADERS, 3) == NULL);
	CHECK(h2_conn_is_done(h->c));
}

static void test_app_reset(void)
{
	struct h *h = &H;
	struct h2_stream *s = NULL;

	start(h);
	h->defer = true;
	send_request(h, 1, true, 0, false);
	CHECK_EQ(h->requests, 1);
	/* The stream is found through the close callback's counters only; reset via submit API. */
	(void)s;
	h2_conn_shutdown(h->c);
	drain(h);
	CHECK(!h2_conn_is_done(h->c));
	h2_conn_free(h->c);
	h->c = NULL;
	CHECK_EQ(h->closes, 1);
	CHECK_EQ(h->last_close_code, H2_CANCEL);
}

/* The same conversation fed whole and byte by byte gives the same output. */
static void test_split_input(void)
{
	static uint8_t conv[4096], out1[65536], out2[65536];
	size_t n = 0, l1 = 0, l2 = 0;
	uint8_t b[32];
	struct slice o;
	struct h *h = &H;

	memcpy(conv, H2_PREFACE, H2_PREFACE_LEN);
	n = H2_PREFACE_LEN;
	n += frame(conv + n, H2_FRAME_SETTINGS, 0, 0, "\0\4\0\0\0\x10", 6);
	n += frame(conv + n, H2_FRAME_PING, 0, 0, "abcdefgh", 8);
	n += frame(conv + n, H2_FRAME_HEADERS, H2_FLAG_END_HEADERS, 1, b, req_block(b, true, 0));
	n += frame(conv + n, H2_FRAME_DATA, H2_FLAG_PADDED, 1, "\2xyz\0\0", 6);
	n += frame(conv + n, H2_FRAME_DATA, H2_FLAG_END_STREAM, 1, "12345", 5);
	n += frame(conv + n, H2_FRAME_HEADERS, H2_FLAG_END_STREAM, 3, b, 2);
	n += frame(conv + n, H2_FRAME_CONTINUATION, H2_FLAG_END_HEADERS, 3, b + 2,
		   req_block(b, false, 77) - 2);
	for (int pass = 0; pass < 2; pass++) {
		uint8_t *out = pass ? out2 : out1;
		size_t *l = pass ? &l2 : &l1;

		if (h->c)
			h2_conn_free(h->c);
		memset(h, 0, sizeof(*h));
		h->c = h2_conn_new(&cbs, h);
		if (pass == 0)
			feed(h, conv, n);
		for (size_t i = 0; pass == 1 && i < n; i++)
			feed(h, conv + i, 1);
		CHECK_EQ(h->feed_ret, 0);
		while (h2_conn_output(h->c, &o) > 0) {
			memcpy(out + *l, o.p, o.len);
			*l += o.len;
			h2_conn_consume(h->c, o.len);
		}
		CHECK_EQ(h->requests, 2);
	}
	CHECK_EQ(l1, l2);
	CHECK(l1 == l2 && memcmp(out1, out2, l1) == 0);
}

/* h2_conn_io over a socketpair, the peer side written by hand. */
static void test_socketpair_io(void)
{
	struct h *h = &H;
	int sv[2];
	uint8_t b[4096], rbuf[65536];
	size_t n = 0, got = 0;
	const char *why = NULL;
	bool ended = false;
	struct rd r;

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	if (h->c)
		h2_conn_free(h->c);
	memset(h, 0, sizeof(*h));
	h->c = h2_conn_new(&cbs, h);
	memcpy(b, H2_PREFACE, H2_PREFACE_LEN);
	n = H2_PREFACE_LEN;
	n += frame(b + n, H2_FRAME_SETTINGS, 0, 0, NULL, 0);
	{
		uint8_t blk[32];

		n += frame(b + n, H2_FRAME_HEADERS, H2_FLAG_END_HEADERS | H2_FLAG_END_STREAM, 1,
			   blk, req_block(blk, false, 5000));
	}
	REQUIRE(write(sv[1], b, n) == (ssize_t)n);
	CHECK_EQ(h2_conn_io(h->c, sv[0], &why), 1);
	CHECK(!h2_conn_want_write(h->c));
	shutdown(sv[1], SHUT_WR);
	CHECK_EQ(h2_conn_io(h->c, sv[0], &why), 0); /* peer EOF */
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t k = read(sv[1], rbuf + got, sizeof(rbuf) - got);

		if (k <= 0)
			break;
		got += (size_t)k;
	}
	r = rd_init(rbuf, got);
	n = 0;
	while (rd_left(&r)) {
		struct h2_frame f;

		if (h2_frame_decode(&r, 16384, &f, &why) != 0)
			break;
		if (f.type == H2_FRAME_DATA && f.stream == 1) {
			n += f.len;
			ended |= f.flags & H2_FLAG_END_STREAM;
		}
	}
	CHECK_EQ(n, 5000);
	CHECK(ended);
	close(sv[0]);
	close(sv[1]);
}

static void test_errcodes(void)
{
	CHECK_EQ(h2_errcode_from_err(0), H2_NO_ERROR);
	CHECK_EQ(h2_errcode_from_err(-EPROTO), H2_PROTOCOL_ERROR);
	CHECK_EQ(h2_errcode_from_err(-EOVERFLOW), H2_FLOW_CONTROL_ERROR);
	CHECK_EQ(h2_errcode_from_err(-EMSGSIZE), H2_FRAME_SIZE_ERROR);
	CHECK_EQ(h2_errcode_from_err(-EILSEQ), H2_COMPRESSION_ERROR);
	CHECK_EQ(h2_errcode_from_err(-EPIPE), H2_STREAM_CLOSED);
	CHECK_EQ(h2_errcode_from_err(-EBUSY), H2_REFUSED_STREAM);
	CHECK_EQ(h2_errcode_from_err(-ECANCELED), H2_CANCEL);
	CHECK_EQ(h2_errcode_from_err(-ENOMEM), H2_INTERNAL_ERROR);
	CHECK_STR(h2_errcode_name(H2_FLOW_CONTROL_ERROR), "FLOW_CONTROL_ERROR");
	CHECK_STR(h2_errcode_name(99), "UNKNOWN");
}

static const struct t_case tests[] = {
	T(test_frame_decode),
	T(test_frame_parse),
	T(test_preface_and_settings),
	T(test_bad_preface),
	T(test_settings_errors),
	T(test_ping),
	T(test_request_response),
	T(test_flow_control_send),
	T(test_window_overflow),
	T(test_oversize_frame),
	T(test_header_list_too_large),
	T(test_stream_states),
	T(test_continuation),
	T(test_padding),
	T(test_priority),
	T(test_malformed_requests),
	T(test_compression_error),
	T(test_concurrent_streams),
	T(test_rapid_reset),
	T(test_graceful_shutdown),
	T(test_app_reset),
	T(test_split_input),
	T(test_socketpair_io),
	T(test_errcodes),
};

int main(void)
{
	int ret = T_RUN(tests);

	if (H.c)
		h2_conn_free(H.c);
	return ret;
}
