/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP/2 server connection (RFC 9113): preface and SETTINGS (§3.4, §6.5),
 * stream states (§5.1), flow control (§5.2, §6.9), header blocks with
 * CONTINUATION (§4.3, §6.10), request validation (§8.2, §8.3) and the output
 * queue. Errors are scoped as §5.4 says: a stream error resets the stream, a
 * connection error sends GOAWAY and stops reading.
 */
#include "h2/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* Frames we produce are queued while less than this is waiting for the socket. */
#define OUT_HIGH_WATER (64u << 10)

struct h2_stream {
	uint32_t id;
	struct arena *arena;
	void *user;
	bool delivered; /* on_request was called: on_close is owed */
	bool remote_closed; /* the peer's END_STREAM arrived */
	bool local_closed; /* our END_STREAM is queued in c->out */
	bool reset_pending; /* h2_stream_reset(): RST_STREAM on the next output */
	uint32_t reset_code;
	int64_t send_window;
	uint32_t recv_window, recv_consumed;
	int64_t content_length; /* -1: none */
	uint64_t data_received;
	/* Response: header block, then data, then trailers. */
	bool headers_queued, headers_sent, headers_end, data_end, finished;
	struct buf hdr, data, trailers;
	size_t data_off;
	bool has_trailers;
};

struct h2_conn {
	struct h2_callbacks cb;
	void *user;
	size_t preface_got;
	bool got_settings, failed, shutdown, peer_goaway;
	uint32_t last_peer_stream, goaway_last;
	/* A frame that arrived in pieces. */
	uint8_t in[H2_FRAME_HEADER_LEN + H2_MAX_FRAME_SIZE];
	size_t in_len;
	/* A header block spread over HEADERS + CONTINUATION. */
	struct buf hb;
	bool hb_active, hb_end_stream, hb_self_dep;
	uint32_t hb_stream;
	/* Output. */
	struct buf out;
	size_t out_off;
	unsigned rr;
	/* Streams open or half-closed, by age. */
	struct h2_stream *streams[H2_MAX_STREAMS];
	unsigned n_streams;
	/* Flow control. */
	int64_t send_window;
	uint32_t peer_initial_window, peer_max_frame;
	uint32_t recv_window, recv_consumed;
	struct hpack_dec dec;
	struct hpack_enc enc;
};

uint32_t h2_errcode_from_err(int err)
{
	switch (err) {
	case 0:
		return H2_NO_ERROR;
	case -EPROTO:
	case -EBADMSG:
	case -EINVAL:
		return H2_PROTOCOL_ERROR;
	case -EOVERFLOW:
		return H2_FLOW_CONTROL_ERROR;
	case -ETIMEDOUT:
		return H2_SETTINGS_TIMEOUT;
	case -EPIPE:
		return H2_STREAM_CLOSED;
	case -EMSGSIZE:
		return H2_FRAME_SIZE_ERROR;
	case -EBUSY:
		return H2_REFUSED_STREAM;
	case -ECANCELED:
		return H2_CANCEL;
	case -EILSEQ:
		return H2_COMPRESSION_ERROR;
	case -E2BIG:
		return H2_ENHANCE_YOUR_CALM;
	default:
		return H2_INTERNAL_ERROR;
	}
}

const char *h2_errcode_name(uint32_t code)
{
	static const char *const names[] = {
		"NO_ERROR",
		"PROTOCOL_ERROR",
		"INTERNAL_ERROR",
		"FLOW_CONTROL_ERROR",
		"SETTINGS_TIMEOUT",
		"STREAM_CLOSED",
		"FRAME_SIZE_ERROR",
		"REFUSED_STREAM",
		"CANCEL",
		"COMPRESSION_ERROR",
		"CONNECT_ERROR",
		"ENHANCE_YOUR_CALM",
		"INADEQUATE_SECURITY",
		"HTTP_1_1_REQUIRED",
	};

	return code < ARRAY_SIZE(names) ? names[code] : "UNKNOWN";
}

const struct slice *h2_request_field(const struct h2_request *req, const char *name)
{
	for (size_t i = 0; i < req->n_fields; i++)
		if (slice_eq_str(req->fields[i].name, name))
			return &req->fields[i].value;
	return NULL;
}

uint32_t h2_stream_id(const struct h2_stream *s)
{
	return s->id;
}

struct arena *h2_stream_arena(struct h2_stream *s)
{
	return s->arena;
}

void h2_stream_set_user(struct h2_stream *s, void *p)
{
	s->user = p;
}

void *h2_stream_user(const struct h2_stream *s)
{
	return s->user;
}

/* ----------------------------------------------------------------- output */

static size_t out_pending(const struct h2_conn *c)
{
	return c->out.len - c->out_off;
}

/* Queue one frame. A peer that lets H2_CONN_OUT_CAP pile up has failed. */
static int put_frame(struct h2_conn *c, uint8_t type, uint8_t flags, uint32_t stream,
		     const void *p1, size_t n1, const void *p2, size_t n2)
{
	uint8_t hdr[H2_FRAME_HEADER_LEN];
	struct wr w = wr_init(hdr, sizeof(hdr));

	h2_frame_header_put(&w, (uint32_t)(n1 + n2), type, flags, stream);
	if (buf_put(&c->out, hdr, sizeof(hdr)) < 0 || (n1 && buf_put(&c->out, p1, n1) < 0) ||
	    (n2 && buf_put(&c->out, p2, n2) < 0)) {
		c->failed = true;
		return -E2BIG;
	}
	return 0;
}

static int put_u32_frame(struct h2_conn *c, uint8_t type, uint32_t stream, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return put_frame(c, type, 0, stream, b, 4, NULL, 0);
}

/* ---------------------------------------------------------------- streams */

static struct h2_stream *find_stream(struct h2_conn *c, uint32_t id)
{
	for (unsigned i = 0; i < c->n_streams; i++)
		if (c->streams[i]->id == id)
			return c->streams[i];
	return NULL;
}

static void free_stream(struct h2_stream *s)
{
	buf_fini(&s->hdr);
	buf_fini(&s->data);
	buf_fini(&s->trailers);
	arena_free(s->arena);
}

/* Remove @s from the table, tell the layer above, free its arena. */
static void close_stream(struct h2_conn *c, struct h2_stream *s, uint32_t code)
{
	for (unsigned i = 0; i < c->n_streams; i++) {
		if (c->streams[i] != s)
			continue;
		memmove(c->streams + i, c->streams + i + 1,
			(c->n_streams - i - 1) * sizeof(c->streams[0]));
		c->n_streams--;
		break;
	}
	if (s->delivered && c->cb.on_close)
		c->cb.on_close(c->user, s, code);
	free_stream(s);
}

static struct h2_stream *new_stream(struct h2_conn *c, uint32_t id, struct arena *a)
{
	struct h2_stream *s = arena_alloc(a, sizeof(*s));

	if (!s)
		return NULL;
	s->id = id;
	s->arena = a;
	s->send_window = c->peer_initial_window;
	s->recv_window = H2_RECV_WINDOW;
	s->content_length = -1;
	buf_init(&s->hdr, H2_MAX_HEADER_LIST + 64);
	buf_init(&s->data, H2_STREAM_OUT_CAP);
	buf_init(&s->trailers, H2_MAX_HEADER_LIST + 64);
	c->streams[c->n_streams++] = s;
	return s;
}

/* ------------------------------------------------------------------ errors */

static int conn_error(struct h2_conn *c, int err, const char *why, const char **whyp)
{
	uint8_t b[8];
	struct wr w = wr_init(b, sizeof(b));
	size_t dlen = strlen(why);

	if (c->failed)
		return err;
	*whyp = why;
	wr_be32(&w, c->last_peer_stream);
	wr_be32(&w, h2_errcode_from_err(err));
	(void)put_frame(c, H2_FRAME_GOAWAY, 0, 0, b, 8, why, dlen < 128 ? dlen : 128);
	c->failed = true;
	log_debug("h2 connection error", "code=%s why=\"%s\"",
		  h2_errcode_name(h2_errcode_from_err(err)), why);
	return err;
}

/* RST_STREAM for stream @id, and close @s (NULL when not open). */
static int stream_error(struct h2_conn *c, uint32_t id, struct h2_stream *s, uint32_t code,
			const char *why)
{
	log_debug("h2 stream error", "stream=%u code=%s why=\"%s\"", id, h2_errcode_name(code),
		  why);
	if (s)
		close_stream(c, s, code);
	return put_u32_frame(c, H2_FRAME_RST_STREAM, id, code);
}

/* ---------------------------------------------------------- header blocks */

struct req_build {
	struct arena *a;
	struct h2_request *req;
	struct h2_field *fields;
	size_t cap;
	bool regular_seen, trailers;
	unsigned pseudo_seen;
	int64_t content_length;
	const char *why;
};

static bool is_connection_specific(struct slice n)
{
	static const char *const names[] = { "connection", "keep-alive", "proxy-connection",
					     "transfer-encoding", "upgrade" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (slice_eq_str(n, names[i]))
			return true;
	return false;
}

/* RFC 9113 §8.2.1 */
static bool is_valid_name(struct slice n)
{
	if (n.len == 0)
		return false;
	for (size_t i = 0; i < n.len; i++) {
		uint8_t ch = n.p[i];

		if (ch <= 0x20 || ch >= 0x7f || (ch >= 'A' && ch <= 'Z') || (ch == ':' && i))
			return false;
	}
	return true;
}

static bool is_valid_value(struct slice v)
{
	if (v.len &&
	    (v.p[0] == ' ' || v.p[0] == '\t' || v.p[v.len - 1] == ' ' || v.p[v.len - 1] == '\t'))
		return false;
	for (size_t i = 0; i < v.len; i++)
		if (v.p[i] == 0 || v.p[i] == '\r' || v.p[i] == '\n')
			return false;
	return true;
}

static int malformed(struct req_build *b, const char *why)
{
	b->why = why;
	return -EPROTO;
}

static int pseudo(struct req_build *b, struct slice name, struct slice value)
{
	static const char *const names[] = { ":method", ":scheme", ":path", ":authority" };
	struct slice *dst[] = { &b->req->method, &b->req->scheme, &b->req->path,
				&b->req->authority };

	if (b->trailers)
		return malformed(b, "pseudo-header in trailers");
	if (b->regular_seen)
		return malformed(b, "pseudo-header after a regular field");
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		if (!slice_eq_str(name, names[i]))
			continue;
		if (b->pseudo_seen & (1u << i))
			return malformed(b, "duplicate pseudo-header");
		b->pseudo_seen |= 1u << i;
		dst[i]->p = arena_dup(b->a, value.p, value.len ? value.len : 1);
		dst[i]->len = value.len;
		return dst[i]->p ? 0 : -ENOMEM;
	}
	return malformed(b, "unknown or response pseudo-header");
}

static int parse_content_length(struct req_build *b, struct slice v)
{
	int64_t n = 0;

	if (v.len == 0 || v.len > 18)
		return malformed(b, "bad content-length");
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return malformed(b, "bad content-length");
		n = n * 10 + (v.p[i] - '0');
	}
	if (b->content_length >= 0 && b->content_length != n)
		return malformed(b, "conflicting content-length");
	b->content_length = n;
	return 0;
}

static int emit_field(void *ctx, struct slice name, struct slice value, unsigned flags)
{
	struct req_build *b = ctx;
	struct h2_field *f;
	int ret;

	(void)flags; /* we forward nothing, so never-indexed needs no care */
	if (!is_valid_name(name) && !(name.len > 1 && name.p[0] == ':' &&
				      is_valid_name((struct slice){ name.p + 1, name.len - 1 })))
		return malformed(b, "invalid field name");
	if (!is_valid_value(value))
		return malformed(b, "invalid field value");
	if (name.p[0] == ':')
		return pseudo(b, name, value);
	b->regular_seen = true;
	if (is_connection_specific(name))
		return malformed(b, "connection-specific field");
	if (slice_eq_str(name, "te") && !slice_eq_str(value, "trailers"))
		return malformed(b, "te other than trailers");
	if (slice_eq_str(name, "content-length")) {
		ret = parse_content_length(b, value);
		if (ret < 0)
			return ret;
	}
	if (b->trailers)
		return 0; /* request trailers are checked, not kept */
	if (b->req->n_fields == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 16;
		void *p = arena_realloc(b->a, b->fields, b->cap * sizeof(*f), cap * sizeof(*f));

		if (!p)
			return -ENOMEM;
		b->fields = p;
		b->req->fields = p;
		b->cap = cap;
	}
	f = &b->fields[b->req->n_fields];
	f->name.p = arena_dup(b->a, name.p, name.len);
	f->value.p = arena_dup(b->a, value.p, value.len ? value.len : 1);
	if (!f->name.p || !f->value.p)
		return -ENOMEM;
	f->name.len = name.len;
	f->value.len = value.len;
	b->req->n_fields++;
	return 0;
}

static int emit_discard(void *ctx, struct slice name, struct slice value, unsigned flags)
{
	(void)ctx, (void)name, (void)value, (void)flags;
	return 0;
}

/* Decode a block we will not use, to keep the HPACK table in sync. */
static int decode_discard(struct h2_conn *c, struct slice block, const char **why)
{
	int ret = hpack_decode(&c->dec, block, SIZE_MAX, emit_discard, NULL, why);

	return ret < 0 ? conn_error(c, -EILSEQ, *why, why) : 0;
}

static int reply_431(struct h2_conn *c, struct h2_stream *s)
{
	int ret = h2_submit_headers(c, s, 431, NULL, 0, true);

	return ret < 0 ? stream_error(c, s->id, s, H2_INTERNAL_ERROR, "cannot queue 431") : 0;
}

static int deliver(struct h2_conn *c, struct h2_stream *s, struct slice data, bool end)
{
	int ret;

	if (s->reset_pending || s->finished || !c->cb.on_data)
		return 0;
	ret = c->cb.on_data(c->user, s, data, end);
	if (ret < 0)
		return stream_error(c, s->id, s, h2_errcode_from_err(ret), "refused by on_data");
	return 0;
}

static void remote_end(struct h2_conn *c, struct h2_stream *s);

/* A second header block on an open stream: trailers (RFC 9113 §8.1). */
static int trailers_block(struct h2_conn *c, struct h2_stream *s, struct slice block,
			  const char **why)
{
	struct h2_request dummy = { 0 };
	struct req_build b = { s->arena, &dummy, NULL, 0, false, true, 0, s->content_length, NULL };
	int ret;

	if (s->remote_closed) {
		ret = decode_discard(c, block, why);
		return ret < 0 ? ret
			       : stream_error(c, s->id, s, H2_STREAM_CLOSED,
					      "HEADERS after END_STREAM");
	}
	ret = hpack_decode(&c->dec, block, H2_MAX_HEADER_LIST, emit_field, &b, why);
	if (ret == -EILSEQ)
		return conn_error(c, ret, *why, why);
	if (ret < 0)
		return stream_error(c, s->id, s, H2_PROTOCOL_ERROR, b.why ? b.why : *why);
	if (!c->hb_end_stream)
		return stream_error(c, s->id, s, H2_PROTOCOL_ERROR, "trailers without END_STREAM");
	if (s->content_length >= 0 && s->data_received != (uint64_t)s->content_length)
		return stream_error(c, s->id, s, H2_PROTOCOL_ERROR,
				    "body shorter than content-length");
	s->remote_closed = true;
	ret = deliver(c, s, (struct slice){ NULL, 0 }, true);
	if (ret == 0 && find_stream(c, s->id) == s)
		remote_end(c, s);
	return ret;
}

static int request_block(struct h2_conn *c, uint32_t id, struct slice block, const char **why)
{
	struct arena *a;
	struct h2_stream *s;
	struct req_build b = { 0 };
	bool end = c->hb_end_stream;
	int ret;

	if (id % 2 == 0)
		return conn_error(c, -EPROTO, "client stream id is even", why);
	if (id <= c->last_peer_stream)
		return conn_error(c, -EPIPE, "HEADERS on a closed stream", why);
	c->last_peer_stream = id;
	if (c->shutdown || c->n_streams >= H2_MAX_STREAMS) {
		ret = decode_discard(c, block, why);
		if (ret < 0 || c->shutdown)
			return ret; /* after our GOAWAY, later streams are ignored (§6.8) */
		return stream_error(c, id, NULL, H2_REFUSED_STREAM, "too many streams");
	}
	a = arena_new(H2_STREAM_ARENA_CAP);
	s = a ? new_stream(c, id, a) : NULL;
	b.req = s ? arena_alloc(a, sizeof(*b.req)) : NULL;
	if (!b.req) {
		if (s)
			close_stream(c, s, H2_INTERNAL_ERROR);
		else
			arena_free(a);
		ret = decode_discard(c, block, why);
		return ret < 0 ? ret
			       : stream_error(c, id, NULL, H2_INTERNAL_ERROR, "out of memory");
	}
	b.a = a;
	b.content_length = -1;
	ret = hpack_decode(&c->dec, block, H2_MAX_HEADER_LIST, emit_field, &b, why);
	if (ret == -EILSEQ)
		return conn_error(c, ret, *why, why);
	s->remote_closed = end;
	if (ret == -E2BIG) /* RFC 9113 §10.5.1 */
		return reply_431(c, s);
	if (ret == 0 && (!(b.pseudo_seen & 1) || !(b.pseudo_seen & 2) || !(b.pseudo_seen & 4)))
		ret = malformed(&b, "missing :method, :scheme or :path");
	if (ret == 0 && b.req->path.len == 0)
		ret = malformed(&b, "empty :path");
	if (ret == 0 && end && b.content_length > 0)
		ret = malformed(&b, "body shorter than content-length");
	if (ret < 0)
		return stream_error(c, id, s, h2_errcode_from_err(ret == -ENOMEM ? ret : -EPROTO),
				    b.why ? b.why : "bad request header block");
	s->content_length = b.content_length;
	s->delivered = true;
	ret = c->cb.on_request ? c->cb.on_request(c->user, s, b.req, end) : 0;
	if (ret < 0)
		return stream_error(c, id, s, h2_errcode_from_err(ret), "refused by on_request");
	if (end && find_stream(c, id) == s)
		remote_end(c, s);
	return 0;
}

static int end_block(struct h2_conn *c, struct slice block, const char **why)
{
	uint32_t id = c->hb_stream;
	struct h2_stream *s = find_stream(c, id);
	int ret;

	c->hb_active = false;
	if (c->hb_self_dep) {
		ret = decode_discard(c, block, why);
		c->hb.len = 0;
		if (ret < 0)
			return ret;
		if (id > c->last_peer_stream)
			c->last_peer_stream = id;
		return stream_error(c, id, s, H2_PROTOCOL_ERROR, "stream depends on itself");
	}
	ret = s ? trailers_block(c, s, block, why) : request_block(c, id, block, why);
	c->hb.len = 0;
	return ret;
}

/* ------------------------------------------------------------ frame types */

static int on_headers(struct h2_conn *c, const struct h2_frame *f, const struct h2_frame_info *in,
		      const char **why)
{
	if (f->stream == 0)
		return conn_error(c, -EPROTO, "HEADERS on stream 0", why);
	c->hb_stream = f->stream;
	c->hb_end_stream = f->flags & H2_FLAG_END_STREAM;
	c->hb_self_dep = in->has_priority && in->dep == f->stream;
	if (f->flags & H2_FLAG_END_HEADERS)
		return end_block(c, in->body, why);
	c->hb_active = true;
	c->hb.len = 0;
	if (buf_put(&c->hb, in->body.p, in->body.len) < 0)
		return conn_error(c, -E2BIG, "header block too large", why);
	return 0;
}

static int on_continuation(struct h2_conn *c, const struct h2_frame *f,
			   const struct h2_frame_info *in, const char **why)
{
	struct slice block;

	if (!c->hb_active)
		return conn_error(c, -EPROTO, "CONTINUATION without a header block", why);
	if (buf_put(&c->hb, in->body.p, in->body.len) < 0) {
		c->hb.err = false;
		return conn_error(c, -E2BIG, "header block too large", why);
	}
	if (!(f->flags & H2_FLAG_END_HEADERS))
		return 0;
	block.p = (const uint8_t *)c->hb.p;
	block.len = c->hb.len;
	return end_block(c, block, why);
}

static void replenish(struct h2_conn *c, struct h2_stream *s, uint32_t n)
{
	c->recv_consumed += n;
	if (c->recv_consumed >= H2_RECV_WINDOW / 2) {
		(void)put_u32_frame(c, H2_FRAME_WINDOW_UPDATE, 0, c->recv_consumed);
		c->recv_window += c->recv_consumed;
		c->recv_consumed = 0;
	}
	if (!s || s->remote_closed)
		return;
	s->recv_consumed += n;
	if (s->recv_consumed >= H2_RECV_WINDOW / 2) {
		(void)put_u32_frame(c, H2_FRAME_WINDOW_UPDATE, s->id, s->recv_consumed);
		s->recv_window += s->recv_consumed;
		s->recv_consumed = 0;
	}
}

static int on_data(struct h2_conn *c, const struct h2_frame *f, const struct h2_frame_info *in,
		   const char **why)
{
	struct h2_stream *s;
	bool end = f->flags & H2_FLAG_END_STREAM;
	int ret;

	if (f->stream == 0)
		return conn_error(c, -EPROTO, "DATA on stream 0", why);
	/* RFC 9113 §6.9: the whole payload, padding included, counts. */
	if (f->len > c->recv_window)
		return conn_error(c, -EOVERFLOW, "DATA over the connection window", why);
	c->recv_window -= f->len;
	s = find_stream(c, f->stream);
	if (!s) {
		if (f->stream > c->last_peer_stream)
			return conn_error(c, -EPROTO, "DATA on an idle stream", why);
		replenish(c, NULL, f->len);
		return stream_error(c, f->stream, NULL, H2_STREAM_CLOSED,
				    "DATA on a closed stream");
	}
	if (s->remote_closed) {
		replenish(c, NULL, f->len);
		return stream_error(c, f->stream, s, H2_STREAM_CLOSED, "DATA after END_STREAM");
	}
	if (f->len > s->recv_window) {
		replenish(c, NULL, f->len);
		return stream_error(c, f->stream, s, H2_FLOW_CONTROL_ERROR,
				    "DATA over the stream window");
	}
	s->recv_window -= f->len;
	s->data_received += in->body.len;
	if (s->content_length >= 0 && (s->data_received > (uint64_t)s->content_length ||
				       (end && s->data_received != (uint64_t)s->content_length))) {
		replenish(c, NULL, f->len);
		return stream_error(c, f->stream, s, H2_PROTOCOL_ERROR,
				    "body length differs from content-length");
	}
	if (end)
		s->remote_closed = true;
	ret = deliver(c, s, in->body, end);
	if (ret < 0 || find_stream(c, f->stream) != s) {
		replenish(c, NULL, f->len);
		return ret;
	}
	replenish(c, s, f->len);
	if (end)
		remote_end(c, s);
	return 0;
}

static int apply_setting(struct h2_conn *c, uint16_t id, uint32_t v, const char **why)
{
	switch (id) {
	case H2_SETTINGS_HEADER_TABLE_SIZE:
		hpack_enc_set_peer_max(&c->enc, v);
		return 0;
	case H2_SETTINGS_ENABLE_PUSH:
		if (v > 1)
			return conn_error(c, -EPROTO, "ENABLE_PUSH not 0 or 1", why);
		return 0;
	case H2_SETTINGS_INITIAL_WINDOW_SIZE: {
		int64_t delta = (int64_t)v - c->peer_initial_window;

		if (v > H2_MAX_WINDOW)
			return conn_error(c, -EOVERFLOW, "INITIAL_WINDOW_SIZE over 2^31-1", why);
		/* RFC 9113 §6.9.2: the change applies to every open stream. */
		for (unsigned i = 0; i < c->n_streams; i++) {
			c->streams[i]->send_window += delta;
			if (c->streams[i]->send_window > H2_MAX_WINDOW)
				return conn_error(c, -EOVERFLOW, "stream window over 2^31-1", why);
		}
		c->peer_initial_window = v;
		return 0;
	}
	case H2_SETTINGS_MAX_FRAME_SIZE:
		if (v < 16384 || v > 16777215)
			return conn_error(c, -EPROTO, "MAX_FRAME_SIZE out of range", why);
		c->peer_max_frame = v < H2_MAX_FRAME_SIZE ? v : H2_MAX_FRAME_SIZE;
		return 0;
	default:
		return 0; /* MAX_CONCURRENT_STREAMS, MAX_HEADER_LIST_SIZE, unknown */
	}
}

static int on_settings(struct h2_conn *c, const struct h2_frame *f, const struct h2_frame_info *in,
		       const char **why)
{
	if (f->stream != 0)
		return conn_error(c, -EPROTO, "SETTINGS on a stream", why);
	if (f->flags & H2_FLAG_ACK)
		return 0;
	for (size_t i = 0; i < in->n_settings; i++) {
		uint16_t id;
		uint32_t v;
		int ret;

		h2_frame_setting(f, i, &id, &v);
		ret = apply_setting(c, id, v, why);
		if (ret < 0)
			return ret;
	}
	return put_frame(c, H2_FRAME_SETTINGS, H2_FLAG_ACK, 0, NULL, 0, NULL, 0);
}

static int on_window_update(struct h2_conn *c, const struct h2_frame *f,
			    const struct h2_frame_info *in, const char **why)
{
	struct h2_stream *s;

	if (f->stream == 0) {
		if (in->value == 0)
			return conn_error(c, -EPROTO, "WINDOW_UPDATE of 0", why);
		if (c->send_window + in->value > H2_MAX_WINDOW)
			return conn_error(c, -EOVERFLOW, "connection window over 2^31-1", why);
		c->send_window += in->value;
		return 0;
	}
	s = find_stream(c, f->stream);
	if (!s) {
		if (f->stream > c->last_peer_stream)
			return conn_error(c, -EPROTO, "WINDOW_UPDATE on an idle stream", why);
		return 0; /* closed: it may have been in flight (§6.9) */
	}
	if (in->value == 0)
		return stream_error(c, f->stream, s, H2_PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
	if (s->send_window + in->value > H2_MAX_WINDOW)
		return stream_error(c, f->stream, s, H2_FLOW_CONTROL_ERROR,
				    "stream window over 2^31-1");
	s->send_window += in->value;
	return 0;
}

static int on_rst_stream(struct h2_conn *c, const struct h2_frame *f,
			 const struct h2_frame_info *in, const char **why)
{
	struct h2_stream *s;

	if (f->stream == 0)
		return conn_error(c, -EPROTO, "RST_STREAM on stream 0", why);
	s = find_stream(c, f->stream);
	if (s)
		close_stream(c, s, in->value);
	else if (f->stream > c->last_peer_stream)
		return conn_error(c, -EPROTO, "RST_STREAM on an idle stream", why);
	return 0;
}

static int on_frame(struct h2_conn *c, const struct h2_frame *f, const char **why)
{
	struct h2_frame_info in;
	int ret;

	if (!c->got_settings) {
		if (f->type != H2_FRAME_SETTINGS || (f->flags & H2_FLAG_ACK))
			return conn_error(c, -EPROTO, "first frame is not SETTINGS", why);
		c->got_settings = true;
	}
	if (c->hb_active && (f->type != H2_FRAME_CONTINUATION || f->stream != c->hb_stream))
		return conn_error(c, -EPROTO, "frame inside a header block", why);
	ret = h2_frame_parse(f, &in, why);
	if (ret < 0) {
		/* RFC 9113 §6.3: a bad PRIORITY length is a stream error. */
		if (f->type == H2_FRAME_PRIORITY && f->stream != 0)
			return stream_error(c, f->stream, find_stream(c, f->stream),
					    H2_FRAME_SIZE_ERROR, *why);
		return conn_error(c, ret, *why, why);
	}
	switch (f->type) {
	case H2_FRAME_DATA:
		return on_data(c, f, &in, why);
	case H2_FRAME_HEADERS:
		return on_headers(c, f, &in, why);
	case H2_FRAME_PRIORITY:
		if (f->stream == 0)
			return conn_error(c, -EPROTO, "PRIORITY on stream 0", why);
		if (in.dep == f->stream)
			return stream_error(c, f->stream, find_stream(c, f->stream),
					    H2_PROTOCOL_ERROR, "stream depends on itself");
		return 0;
	case H2_FRAME_RST_STREAM:
		return on_rst_stream(c, f, &in, why);
	case H2_FRAME_SETTINGS:
		return on_settings(c, f, &in, why);
	case H2_FRAME_PUSH_PROMISE:
		return conn_error(c, -EPROTO, "PUSH_PROMISE from a client", why);
	case H2_FRAME_PING:
		if (f->stream != 0)
			return conn_error(c, -EPROTO, "PING on a stream", why);
		if (f->flags & H2_FLAG_ACK)
			return 0;
		return put_frame(c, H2_FRAME_PING, H2_FLAG_ACK, 0, in.ping, 8, NULL, 0);
	case H2_FRAME_GOAWAY:
		if (f->stream != 0)
			return conn_error(c, -EPROTO, "GOAWAY on a stream", why);
		c->peer_goaway = true;
		return 0;
	case H2_FRAME_WINDOW_UPDATE:
		return on_window_update(c, f, &in, why);
	case H2_FRAME_CONTINUATION:
		if (f->stream == 0)
			return conn_error(c, -EPROTO, "CONTINUATION on stream 0", why);
		return on_continuation(c, f, &in, why);
	default:
		return 0; /* RFC 9113 §5.5: unknown types are ignored */
	}
}

/* ------------------------------------------------------------------ input */

static int feed_frames(struct h2_conn *c, struct rd *r, const char **why)
{
	while (rd_left(r) && !c->failed) {
		struct h2_frame f;
		struct rd staged;
		size_t need, take;
		int ret;

		if (c->in_len == 0) {
			ret = h2_frame_decode(r, H2_MAX_FRAME_SIZE, &f, why);
			if (ret == 0) {
				ret = on_frame(c, &f, why);
				if (ret < 0)
					return ret;
				continue;
			}
			if (ret != -EAGAIN)
				return conn_error(c, ret, *why, why);
			/* Keep the start of a frame (at most one frame: checked above). */
			take = rd_left(r);
			memcpy(c->in, r->p, take);
			c->in_len = take;
			r->p += take;
			return 0;
		}
		/* Complete the staged header, then the staged frame. */
		need = H2_FRAME_HEADER_LEN;
		if (c->in_len >= H2_FRAME_HEADER_LEN)
			need += ((size_t)c->in[0] << 16) | ((size_t)c->in[1] << 8) | c->in[2];
		take = need - c->in_len < rd_left(r) ? need - c->in_len : rd_left(r);
		memcpy(c->in + c->in_len, r->p, take);
		c->in_len += take;
		r->p += take;
		staged = rd_init(c->in, c->in_len);
		ret = h2_frame_decode(&staged, H2_MAX_FRAME_SIZE, &f, why);
		if (ret == -EAGAIN)
			continue;
		if (ret < 0)
			return conn_error(c, ret, *why, why);
		c->in_len = 0;
		ret = on_frame(c, &f, why);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int h2_conn_feed(struct h2_conn *c, const void *in, size_t len, const char **why)
{
	struct rd r = rd_init(in, len);
	const char *dummy;
	int ret;

	if (!why)
		why = &dummy;
	if (c->failed)
		return 0;
	while (c->preface_got < H2_PREFACE_LEN && rd_left(&r)) {
		/* RFC 9113 §3.4 */
		if (rd_u8(&r) != (uint8_t)H2_PREFACE[c->preface_got])
			return conn_error(c, -EPROTO, "bad connection preface", why);
		c->preface_got++;
	}
	ret = feed_frames(c, &r, why);
	if (ret == 0 && c->failed) {
		*why = "output queue full";
		ret = -E2BIG;
	}
	return ret;
}

/* ----------------------------------------------------------------- output */

static void finish_local(struct h2_conn *c, struct h2_stream *s)
{
	s->local_closed = true;
	/* RFC 9113 §8.1: a complete response may end a request still sending. */
	if (!s->remote_closed)
		(void)put_u32_frame(c, H2_FRAME_RST_STREAM, s->id, H2_NO_ERROR);
	close_stream(c, s, H2_NO_ERROR);
}

static void remote_end(struct h2_conn *c, struct h2_stream *s)
{
	s->remote_closed = true;
	if (s->local_closed)
		close_stream(c, s, H2_NO_ERROR);
}

/* A header block as HEADERS + CONTINUATION frames (RFC 9113 §4.3). */
static int put_block(struct h2_conn *c, uint32_t id, bool end_stream, struct buf *blk)
{
	uint8_t upd[16];
	struct wr w = wr_init(upd, sizeof(upd));
	size_t off = 0, max = c->peer_max_frame;
	uint8_t type = H2_FRAME_HEADERS;
	int ret;

	hpack_encode_begin(&c->enc, &w);
	if (wr_len(&w)) {
		/* The size update starts the block: small, so it shares the first frame. */
		uint8_t first[H2_MAX_FRAME_SIZE];
		size_t n = blk->len < max - wr_len(&w) ? blk->len : max - wr_len(&w);

		memcpy(first, upd, wr_len(&w));
		memcpy(first + wr_len(&w), blk->p, n);
		off = n;
		ret = put_frame(c, type,
				(uint8_t)((end_stream ? H2_FLAG_END_STREAM : 0) |
					  (off == blk->len ? H2_FLAG_END_HEADERS : 0)),
				id, first, wr_len(&w) + n, NULL, 0);
		if (ret < 0)
			return ret;
		type = H2_FRAME_CONTINUATION;
		if (off == blk->len)
			return 0;
	}
	do {
		size_t n = blk->len - off < max ? blk->len - off : max;
		uint8_t flags = (uint8_t)(off + n == blk->len ? H2_FLAG_END_HEADERS : 0);

		if (type == H2_FRAME_HEADERS && end_stream)
			flags |= H2_FLAG_END_STREAM;
		ret = put_frame(c, type, flags, id, blk->p + off, n, NULL, 0);
		if (ret < 0)
			return ret;
		off += n;
		type = H2_FRAME_CONTINUATION;
	} while (off < blk->len);
	return 0;
}

/* Move what @s may send now into c->out. Returns true if anything moved. */
static bool stream_output(struct h2_conn *c, struct h2_stream *s)
{
	bool moved = false;

	if (s->reset_pending) {
		(void)put_u32_frame(c, H2_FRAME_RST_STREAM, s->id, s->reset_code);
		close_stream(c, s, s->reset_code);
		return true;
	}
	if (s->headers_queued && !s->headers_sent) {
		if (put_block(c, s->id, s->headers_end, &s->hdr) < 0)
			return false;
		s->headers_sent = true;
		moved = true;
		if (s->headers_end) {
			finish_local(c, s);
			return true;
		}
	}
	if (!s->headers_sent)
		return moved;
	while (s->data_off < s->data.len && out_pending(c) < OUT_HIGH_WATER) {
		int64_t n = (int64_t)(s->data.len - s->data_off);
		bool last;

		n = n < s->send_window ? n : s->send_window;
		n = n < c->send_window ? n : c->send_window;
		n = n < c->peer_max_frame ? n : c->peer_max_frame;
		if (n <= 0)
			return moved;
		last = s->data_off + (size_t)n == s->data.len && s->data_end && !s->has_trailers;
		if (put_frame(c, H2_FRAME_DATA, last ? H2_FLAG_END_STREAM : 0, s->id,
			      s->data.p + s->data_off, (size_t)n, NULL, 0) < 0)
			return false;
		s->data_off += (size_t)n;
		s->send_window -= n;
		c->send_window -= n;
		moved = true;
		if (last) {
			finish_local(c, s);
			return true;
		}
	}
	if (s->data_off < s->data.len)
		return moved;
	if (s->has_trailers) {
		if (put_block(c, s->id, true, &s->trailers) < 0)
			return false;
		finish_local(c, s);
		return true;
	}
	if (s->data_end) { /* END_STREAM on an empty DATA frame */
		if (put_frame(c, H2_FRAME_DATA, H2_FLAG_END_STREAM, s->id, NULL, 0, NULL, 0) < 0)
			return false;
		finish_local(c, s);
		return true;
	}
	return moved;
}

static void produce(struct h2_conn *c)
{
	bool moved = true;

	while (moved && !c->failed && out_pending(c) < OUT_HIGH_WATER && c->n_streams) {
		unsigned n = c->n_streams, start = c->rr % n;
		struct h2_stream *order[H2_MAX_STREAMS];

		/* Round robin over a snapshot: streams may close on the way. */
		for (unsigned i = 0; i < n; i++)
			order[i] = c->streams[(start + i) % n];
		c->rr++;
		moved = false;
		for (unsigned i = 0; i < n && !c->failed; i++) {
			bool alive = false;

			for (unsigned j = 0; j < c->n_streams; j++)
				alive |= c->streams[j] == order[i];
			if (alive && stream_output(c, order[i]))
				moved = true;
		}
	}
}

size_t h2_conn_output(struct h2_conn *c, struct slice *out)
{
	produce(c);
	out->p = (const uint8_t *)c->out.p + c->out_off;
	out->len = out_pending(c);
	return out->len;
}

void h2_conn_consume(struct h2_conn *c, size_t n)
{
	if (n > out_pending(c))
		n = out_pending(c);
	c->out_off += n;
	if (c->out_off == c->out.len) {
		c->out.len = 0;
		c->out_off = 0;
	} else if (c->out_off >= (64u << 10)) {
		memmove(c->out.p, c->out.p + c->out_off, out_pending(c));
		c->out.len -= c->out_off;
		c->out_off = 0;
	}
}

static bool stream_can_send(const struct h2_conn *c, const struct h2_stream *s)
{
	if (s->reset_pending || (s->headers_queued && !s->headers_sent))
		return true;
	if (!s->headers_sent)
		return false;
	if (s->data_off < s->data.len)
		return s->send_window > 0 && c->send_window > 0;
	return s->has_trailers || s->data_end;
}

bool h2_conn_want_write(struct h2_conn *c)
{
	if (out_pending(c))
		return true;
	if (c->failed)
		return false;
	for (unsigned i = 0; i < c->n_streams; i++)
		if (stream_can_send(c, c->streams[i]))
			return true;
	return false;
}

void h2_conn_shutdown(struct h2_conn *c)
{
	uint8_t b[8];
	struct wr w = wr_init(b, sizeof(b));

	if (c->shutdown || c->failed)
		return;
	c->shutdown = true;
	c->goaway_last = c->last_peer_stream;
	wr_be32(&w, c->goaway_last);
	wr_be32(&w, H2_NO_ERROR);
	(void)put_frame(c, H2_FRAME_GOAWAY, 0, 0, b, 8, NULL, 0);
}

bool h2_conn_is_done(const struct h2_conn *c)
{
	if (out_pending(c))
		return false;
	return c->failed || ((c->shutdown || c->peer_goaway) && c->n_streams == 0);
}

/* ------------------------------------------------------------------ submit */

static int encode_block(struct h2_conn *c, struct buf *dst, int status,
			const struct h2_field *fields, size_t n)
{
	uint8_t tmp[H2_MAX_HEADER_LIST + 64];
	struct wr w = wr_init(tmp, sizeof(tmp));
	size_t list = 0;

	if (status) {
		char st[4] = { (char)('0' + status / 100), (char)('0' + status / 10 % 10),
			       (char)('0' + status % 10), 0 };

		hpack_encode_field(&c->enc, &w, (struct slice){ (const uint8_t *)":status", 7 },
				   (struct slice){ (const uint8_t *)st, 3 }, false);
		list += 7 + 3 + 32;
	}
	for (size_t i = 0; i < n; i++) {
		list += fields[i].name.len + fields[i].value.len + 32;
		if (list > H2_MAX_HEADER_LIST)
			return -EMSGSIZE;
		hpack_encode_field(&c->enc, &w, fields[i].name, fields[i].value, false);
	}
	if (w.err)
		return -EMSGSIZE;
	dst->len = 0;
	return buf_put(dst, tmp, wr_len(&w));
}

int h2_submit_headers(struct h2_conn *c, struct h2_stream *s, int status,
		      const struct h2_field *fields, size_t n, bool end_stream)
{
	int ret;

	if (s->headers_queued || s->finished || s->reset_pending || status < 100 || status > 999)
		return -EINVAL;
	ret = encode_block(c, &s->hdr, status, fields, n);
	if (ret < 0)
		return ret;
	s->headers_queued = true;
	s->headers_end = end_stream;
	s->finished = end_stream;
	return 0;
}

int h2_submit_data(struct h2_conn *c, struct h2_stream *s, const void *p, size_t n, bool end_stream)
{
	(void)c;
	if (!s->headers_queued || s->finished || s->reset_pending)
		return -EINVAL;
	if (n > H2_STREAM_OUT_CAP - (s->data.len - s->data_off))
		return -EMSGSIZE;
	if (s->data_off && s->data_off == s->data.len) {
		s->data.len = 0;
		s->data_off = 0;
	}
	if (n && buf_put(&s->data, p, n) < 0) {
		s->data.err = false;
		return -ENOMEM;
	}
	s->data_end = end_stream;
	s->finished = end_stream;
	return 0;
}

int h2_submit_trailers(struct h2_conn *c, struct h2_stream *s, const struct h2_field *fields,
		       size_t n)
{
	int ret;

	if (!s->headers_queued || s->finished || s->reset_pending)
		return -EINVAL;
	ret = encode_block(c, &s->trailers, 0, fields, n);
	if (ret < 0)
		return ret;
	s->has_trailers = true;
	s->finished = true;
	return 0;
}

void h2_stream_reset(struct h2_conn *c, struct h2_stream *s, uint32_t code)
{
	(void)c;
	if (s->reset_pending)
		return;
	s->reset_pending = true;
	s->reset_code = code;
}

/* --------------------------------------------------------- life and I/O */

struct h2_conn *h2_conn_new(const struct h2_callbacks *cb, void *user)
{
	static const uint16_t ids[] = { H2_SETTINGS_MAX_CONCURRENT_STREAMS,
					H2_SETTINGS_INITIAL_WINDOW_SIZE, H2_SETTINGS_MAX_FRAME_SIZE,
					H2_SETTINGS_MAX_HEADER_LIST_SIZE };
	static const uint32_t vals[] = { H2_MAX_STREAMS, H2_RECV_WINDOW, H2_MAX_FRAME_SIZE,
					 H2_MAX_HEADER_LIST };
	struct h2_conn *c = calloc(1, sizeof(*c));
	uint8_t set[6 * ARRAY_SIZE(ids)];
	struct wr w = wr_init(set, sizeof(set));

	if (!c)
		return NULL;
	c->cb = *cb;
	c->user = user;
	c->send_window = H2_DEFAULT_WINDOW;
	c->peer_initial_window = H2_DEFAULT_WINDOW;
	c->peer_max_frame = H2_MAX_FRAME_SIZE;
	c->recv_window = H2_RECV_WINDOW;
	buf_init(&c->hb, H2_MAX_HEADER_BLOCK);
	buf_init(&c->out, H2_CONN_OUT_CAP);
	hpack_dec_init(&c->dec, H2_HPACK_TABLE_SIZE);
	hpack_enc_init(&c->enc, false);
	/* Our SETTINGS first (protocols.md §3.1), then the connection window. */
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		wr_be16(&w, ids[i]);
		wr_be32(&w, vals[i]);
	}
	if (put_frame(c, H2_FRAME_SETTINGS, 0, 0, set, sizeof(set), NULL, 0) < 0 ||
	    put_u32_frame(c, H2_FRAME_WINDOW_UPDATE, 0, H2_RECV_WINDOW - H2_DEFAULT_WINDOW) < 0) {
		h2_conn_free(c);
		return NULL;
	}
	return c;
}

void h2_conn_free(struct h2_conn *c)
{
	if (!c)
		return;
	while (c->n_streams)
		close_stream(c, c->streams[c->n_streams - 1], H2_CANCEL);
	buf_fini(&c->hb);
	buf_fini(&c->out);
	free(c);
}

static int flush(struct h2_conn *c, int fd)
{
	struct slice out;

	while (h2_conn_output(c, &out) > 0) {
		ssize_t n = send(fd, out.p, out.len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, out.p, out.len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		h2_conn_consume(c, (size_t)n);
	}
	return 0;
}

int h2_conn_io(struct h2_conn *c, int fd, const char **why)
{
	uint8_t b[16384];
	const char *dummy;
	bool eof = false;
	int ret;

	if (!why)
		why = &dummy;
	/* At most 16 reads per call, so one busy peer cannot starve the others. */
	for (int i = 0; i < 16 && !c->failed; i++) {
		ssize_t n = read(fd, b, sizeof(b));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		if (n == 0) {
			eof = true;
			break;
		}
		ret = h2_conn_feed(c, b, (size_t)n, why);
		if (ret < 0)
			break;
	}
	ret = flush(c, fd);
	if (ret < 0)
		return ret == -EPIPE || ret == -ECONNRESET ? 0 : ret;
	if (eof || h2_conn_is_done(c) || (c->failed && !out_pending(c)))
		return 0;
	return 1;
}
