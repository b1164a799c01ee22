/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One unary gRPC call: request headers, the length-prefixed request message,
 * protobuf-c decoding into the call's arena, the handler, the reply.
 * Spec: grpc/doc/PROTOCOL-HTTP2.md; reference/protocols.md §3.3-3.4.
 */
#include "grpc/grpc.h"

#include <assert.h>
#include <errno.h>
#include <protobuf-c/protobuf-c.h>
#include <stdio.h>
#include <stdlib.h>

enum call_state {
	ST_HEADERS, /* header fields arriving */
	ST_BODY, /* message arriving */
	ST_PENDING, /* handler answers later */
	ST_REPLIED, /* reply set (or cancelled): nothing more happens */
};

struct grpc_call {
	struct grpc_server *srv;
	struct arena *arena;
	enum call_state st;
	uint64_t start_ns, deadline_ns, timeout_ns;
	const struct grpc_method *m;
	struct grpc_frame_dec dec;
	struct slice path;
	bool is_post, is_grpc, has_timeout, bad_timeout, path_too_long, cancelled;
	struct slice encoding; /* grpc-encoding, when not identity */
	void (*cancel_fn)(void *arg, struct grpc_call *c);
	void *cancel_arg;
	void (*reply_fn)(void *arg, struct grpc_call *c);
	void *reply_arg;
	struct grpc_reply reply;
	char msg[GRPC_MESSAGE_MAX * 3 + 1];
};

/* protobuf-c allocator over the call's arena: frees nothing, remembers a failure. */
struct pb_alloc {
	struct arena *a;
	bool failed;
};

static void *pb_alloc_fn(void *data, size_t size)
{
	struct pb_alloc *x = data;
	void *p = arena_alloc(x->a, size);

	if (!p)
		x->failed = true;
	return p;
}

static void pb_free_fn(void *data, void *p)
{
	(void)data;
	(void)p;
}

static void finish(struct grpc_call *c, int status, const char *why, struct slice body)
{
	size_t n = why ? strnlen(why, GRPC_MESSAGE_MAX) : 0;

	c->reply.http_status = c->reply.http_status ? c->reply.http_status : 200;
	c->reply.status = status;
	c->reply.body = body;
	grpc_pct_encode((const uint8_t *)(why ? why : ""), n, c->msg, sizeof(c->msg));
	c->reply.message = c->msg;
	c->st = ST_REPLIED;
	if (c->srv->done)
		c->srv->done(c->srv->ctx, c->m, status, time_now_ns() - c->start_ns);
}

static void fail(struct grpc_call *c, int err, const char *why)
{
	struct slice none = { NULL, 0 };

	finish(c, grpc_status_from_err(err), why, none);
}

/* Encode @resp as the framed reply body; 0 or -EMSGSIZE/-ENOMEM. */
static int encode(struct grpc_call *c, const void *resp, const char **why)
{
	const ProtobufCMessage *msg = resp;
	struct slice body;
	uint8_t *p;
	size_t n;

	assert(msg && msg->descriptor == (const ProtobufCMessageDescriptor *)c->m->resp);
	n = protobuf_c_message_get_packed_size(msg);
	if (n > GRPC_MSG_MAX) {
		*why = "response message larger than 4 MiB";
		return -EMSGSIZE;
	}
	p = arena_alloc(c->arena, GRPC_FRAME_HDR + n);
	if (!p) {
		*why = "out of memory for the response message";
		return -ENOMEM;
	}
	grpc_frame_hdr_put(p, (uint32_t)n);
	protobuf_c_message_pack(msg, p + GRPC_FRAME_HDR);
	body.p = p;
	body.len = GRPC_FRAME_HDR + n;
	finish(c, GRPC_OK, NULL, body);
	return 0;
}

static void dispatch(struct grpc_call *c, uint64_t now_ns)
{
	static const uint8_t empty[1];
	struct pb_alloc pa = { c->arena, false };
	ProtobufCAllocator al = { pb_alloc_fn, pb_free_fn, &pa };
	ProtobufCMessage *req;
	const char *why = NULL;
	void *resp = NULL;
	int ret;

	if (c->deadline_ns && now_ns >= c->deadline_ns) {
		fail(c, -ETIMEDOUT, "deadline exceeded");
		return;
	}
	req = protobuf_c_message_unpack((const ProtobufCMessageDescriptor *)c->m->req, &al,
					c->dec.len, c->dec.msg ? c->dec.msg : empty);
	if (!req) {
		if (pa.failed)
			fail(c, -ENOMEM, "out of memory decoding the request message");
		else
			fail(c, -EBADMSG, "undecodable request message");
		return;
	}
	ret = c->m->fn(c->srv->ctx, c, req, &resp, &why);
	if (ret == -EINPROGRESS) {
		c->st = ST_PENDING;
		return;
	}
	if (ret < 0) {
		fail(c, ret, why);
		return;
	}
	ret = encode(c, resp, &why);
	if (ret < 0)
		fail(c, ret, why);
}

static const struct grpc_method *lookup(const struct grpc_server *s, struct slice path)
{
	for (size_t i = 0; i < s->n_methods; i++)
		if (slice_eq_str(path, s->methods[i].path))
			return &s->methods[i];
	return NULL;
}

/* "application/grpc" alone or followed by '+' or ';' (PROTOCOL-HTTP2.md Content-Type). */
static bool is_grpc_content_type(struct slice v)
{
	static const char ct[] = "application/grpc";
	size_t n = sizeof(ct) - 1;

	if (v.len < n || memcmp(v.p, ct, n) != 0)
		return false;
	return v.len == n || v.p[n] == '+' || v.p[n] == ';';
}

struct grpc_call *grpc_call_new(struct grpc_server *srv, uint64_t now_ns)
{
	struct grpc_call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->arena = arena_new(GRPC_CALL_ARENA_CAP);
	if (!c->arena) {
		free(c);
		return NULL;
	}
	c->srv = srv;
	c->start_ns = now_ns;
	grpc_frame_dec_init(&c->dec, GRPC_MSG_MAX);
	return c;
}

void grpc_call_free(struct grpc_call *c)
{
	if (!c)
		return;
	arena_free(c->arena);
	free(c);
}

int grpc_call_header(struct grpc_call *c, struct slice name, struct slice value)
{
	if (c->st != ST_HEADERS)
		return 0;
	if (slice_eq_str(name, ":path")) {
		if (value.len > GRPC_PATH_MAX) {
			c->path_too_long = true;
			return 0;
		}
		c->path.p = arena_dup(c->arena, value.p, value.len);
		if (!c->path.p && value.len)
			return -ENOMEM;
		c->path.len = value.len;
	} else if (slice_eq_str(name, ":method")) {
		c->is_post = slice_eq_str(value, "POST");
	} else if (slice_eq_str(name, "content-type")) {
		c->is_grpc = is_grpc_content_type(value);
	} else if (slice_eq_str(name, "grpc-timeout")) {
		c->has_timeout = true;
		c->bad_timeout = grpc_timeout_parse(value.p, value.len, &c->timeout_ns) < 0;
	} else if (slice_eq_str(name, "grpc-encoding")) {
		if (!slice_eq_str(value, "identity")) {
			size_t n = value.len < 32 ? value.len : 32;

			c->encoding.p = arena_dup(c->arena, value.p, n);
			if (!c->encoding.p && n)
				return -ENOMEM;
			c->encoding.len = n;
		}
	}
	return 0;
}

int grpc_call_headers_end(struct grpc_call *c, bool end_stream, uint64_t now_ns)
{
	char why[GRPC_MESSAGE_MAX];

	if (c->st != ST_HEADERS)
		return 0;
	c->st = ST_BODY;
	if (!c->is_post) {
		c->reply.http_status = 405;
		fail(c, -EPROTO, "method must be POST");
		return 0;
	}
	if (!c->is_grpc) {
		c->reply.http_status = 415;
		fail(c, -EPROTO, "content-type must be application/grpc");
		return 0;
	}
	if (c->bad_timeout) {
		fail(c, -EPROTO, "malformed grpc-timeout");
		return 0;
	}
	if (c->has_timeout)
		c->deadline_ns =
			c->timeout_ns > UINT64_MAX - now_ns ? UINT64_MAX : now_ns + c->timeout_ns;
	c->m = c->path_too_long ? NULL : lookup(c->srv, c->path);
	if (!c->m) {
		snprintf(why, sizeof(why), "unknown method %.*s", (int)c->path.len,
			 (const char *)c->path.p);
		fail(c, -ENOSYS, c->path_too_long ? "unknown method (path too long)" : why);
		return 0;
	}
	if (c->encoding.len) {
		snprintf(why, sizeof(why),
			 "grpc-encoding %.*s not supported: compression not supported",
			 (int)c->encoding.len, (const char *)c->encoding.p);
		fail(c, -EPROTONOSUPPORT, why);
		return 0;
	}
	if (end_stream)
		fail(c, -EPROTO, "missing request message");
	return 0;
}

int grpc_call_data(struct grpc_call *c, const uint8_t *p, size_t n, bool end_stream,
		   uint64_t now_ns)
{
	const char *why = NULL;
	int ret = 0;

	if (c->st != ST_BODY)
		return 0;
	if (n) {
		ret = grpc_frame_push(&c->dec, c->arena, p, n, &why);
		if (ret < 0) {
			fail(c, ret, why);
			return 0;
		}
		if ((size_t)ret < n) {
			fail(c, -EPROTO, "more than one request message for a unary method");
			return 0;
		}
	}
	if (!end_stream)
		return 0;
	if (!c->dec.done) {
		fail(c, -EPROTO,
		     c->dec.hlen ? "truncated request message" : "missing request message");
		return 0;
	}
	dispatch(c, now_ns);
	return 0;
}

bool grpc_call_replied(const struct grpc_call *c)
{
	return c->st == ST_REPLIED;
}

const struct grpc_reply *grpc_call_reply(const struct grpc_call *c)
{
	return c->st == ST_REPLIED && !c->cancelled ? &c->reply : NULL;
}

struct arena *grpc_call_arena(struct grpc_call *c)
{
	return c->arena;
}

const struct grpc_method *grpc_call_method(const struct grpc_call *c)
{
	return c->m;
}

uint64_t grpc_call_deadline(const struct grpc_call *c)
{
	return c->deadline_ns;
}

static void run_cancel_hook(struct grpc_call *c)
{
	void (*fn)(void *, struct grpc_call *) = c->cancel_fn;

	c->cancel_fn = NULL;
	if (c->st == ST_PENDING && fn)
		fn(c->cancel_arg, c);
}

bool grpc_call_expire(struct grpc_call *c, uint64_t now_ns)
{
	if (c->st == ST_REPLIED || !c->deadline_ns || now_ns < c->deadline_ns)
		return false;
	run_cancel_hook(c);
	fail(c, -ETIMEDOUT, "deadline exceeded");
	return true;
}

void grpc_call_cancel(struct grpc_call *c)
{
	if (c->st == ST_REPLIED)
		return;
	run_cancel_hook(c);
	fail(c, -ECANCELED, "cancelled by the client");
	c->cancelled = true;
}

void grpc_call_on_cancel(struct grpc_call *c, void (*fn)(void *arg, struct grpc_call *c), void *arg)
{
	c->cancel_fn = fn;
	c->cancel_arg = arg;
}

void grpc_call_on_reply(struct grpc_call *c, void (*fn)(void *arg, struct grpc_call *c), void *arg)
{
	c->reply_fn = fn;
	c->reply_arg = arg;
}

int grpc_call_respond(struct grpc_call *c, const void *resp)
{
	const char *why = NULL;
	int ret;

	if (c->st != ST_PENDING)
		return -EALREADY;
	c->cancel_fn = NULL;
	ret = encode(c, resp, &why);
	if (ret < 0)
		fail(c, ret, why);
	if (c->reply_fn)
		c->reply_fn(c->reply_arg, c);
	return 0;
}

int grpc_call_fail(struct grpc_call *c, int err, const char *why)
{
	if (c->st != ST_PENDING)
		return -EALREADY;
	c->cancel_fn = NULL;
	fail(c, err, why);
	if (c->reply_fn)
		c->reply_fn(c->reply_arg, c);
	return 0;
}
