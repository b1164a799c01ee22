/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gRPC calls carried by lib/h2: one struct grpc_call per HTTP/2 stream, the
 * reply as HEADERS + DATA + trailers (grpc/doc/PROTOCOL-HTTP2.md "Responses").
 */
#include "grpc/grpc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "h2/h2.h"

struct gstream {
	struct grpc_conn *conn;
	struct h2_stream *s;
	struct grpc_call *call;
	struct gstream *prev, *next;
	bool sent; /* our reply is queued */
};

struct grpc_conn {
	struct grpc_server *srv;
	struct h2_conn *h2;
	struct gstream *streams; /* open calls, for deadlines */
};

static void unlink_stream(struct gstream *g)
{
	if (g->prev)
		g->prev->next = g->next;
	else if (g->conn->streams == g)
		g->conn->streams = g->next;
	if (g->next)
		g->next->prev = g->prev;
	g->prev = g->next = NULL;
}

/* Queue the call's reply on its stream (once). */
static void send_reply(struct gstream *g)
{
	const struct grpc_reply *r = grpc_call_reply(g->call);
	struct h2_conn *h2 = g->conn->h2;
	struct h2_field f[3];
	char status[12];
	size_t n = 0;
	int ret;

	if (!r || g->sent)
		return;
	g->sent = true;
	snprintf(status, sizeof(status), "%d", r->status);
	if (r->body.len == 0) {
		/* Trailers-only: one HEADERS with END_STREAM. */
		f[n++] = h2_field_str("content-type", "application/grpc");
		f[n++] = h2_field_str("grpc-status", status);
		if (r->message[0])
			f[n++] = h2_field_str("grpc-message", r->message);
		ret = h2_submit_headers(h2, g->s, r->http_status, f, n, true);
	} else {
		f[n++] = h2_field_str("content-type", "application/grpc");
		ret = h2_submit_headers(h2, g->s, r->http_status, f, n, false);
		if (ret == 0)
			ret = h2_submit_data(h2, g->s, r->body.p, r->body.len, false);
		n = 0;
		f[n++] = h2_field_str("grpc-status", status);
		if (r->message[0])
			f[n++] = h2_field_str("grpc-message", r->message);
		if (ret == 0)
			ret = h2_submit_trailers(h2, g->s, f, n);
	}
	/*
	 * A reply before the request ended (unknown method, over 4 MiB) is not
	 * followed by RST_STREAM(NO_ERROR): lib/h2 sends a reset ahead of queued
	 * frames, and clients read a reset before the status as an error. The
	 * rest of the request is read and dropped.
	 */
	if (ret < 0)
		h2_stream_reset(h2, g->s, h2_errcode_from_err(ret));
	unlink_stream(g);
}

static void on_reply(void *arg, struct grpc_call *call)
{
	(void)call;
	send_reply(arg);
}

static int header(struct grpc_call *call, const char *name, struct slice v)
{
	struct slice n = { (const uint8_t *)name, strlen(name) };

	return grpc_call_header(call, n, v);
}

static int on_request(void *user, struct h2_stream *s, const struct h2_request *req,
		      bool end_stream)
{
	struct grpc_conn *c = user;
	uint64_t now = time_now_ns();
	struct gstream *g;
	int ret;

	g = arena_alloc(h2_stream_arena(s), sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->call = grpc_call_new(c->srv, now);
	if (!g->call)
		return -ENOMEM;
	g->conn = c;
	g->s = s;
	h2_stream_set_user(s, g);
	grpc_call_on_reply(g->call, on_reply, g);
	g->next = c->streams;
	if (c->streams)
		c->streams->prev = g;
	c->streams = g;
	ret = header(g->call, ":method", req->method);
	if (ret == 0)
		ret = header(g->call, ":path", req->path);
	for (size_t i = 0; ret == 0 && i < req->n_fields; i++)
		ret = grpc_call_header(g->call, req->fields[i].name, req->fields[i].value);
	if (ret == 0)
		ret = grpc_call_headers_end(g->call, end_stream, now);
	if (ret < 0)
		return ret;
	send_reply(g);
	return 0;
}

static int on_data(void *user, struct h2_stream *s, struct slice data, bool end_stream)
{
	struct gstream *g = h2_stream_user(s);
	int ret;

	(void)user;
	if (!g)
		return 0;
	ret = grpc_call_data(g->call, data.p, data.len, end_stream, time_now_ns());
	if (ret < 0)
		return ret;
	send_reply(g);
	return 0;
}

static void on_close(void *user, struct h2_stream *s, uint32_t code)
{
	struct gstream *g = h2_stream_user(s);

	(void)user;
	(void)code;
	if (!g)
		return;
	unlink_stream(g);
	grpc_call_cancel(g->call); /* no-op once replied */
	grpc_call_free(g->call);
	h2_stream_set_user(s, NULL);
}

static const struct h2_callbacks callbacks = { on_request, on_data, on_close };

struct grpc_conn *grpc_conn_new(struct grpc_server *srv)
{
	struct grpc_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->srv = srv;
	c->h2 = h2_conn_new(&callbacks, c);
	if (!c->h2) {
		free(c);
		return NULL;
	}
	return c;
}

void grpc_conn_free(struct grpc_conn *c)
{
	if (!c)
		return;
	h2_conn_free(c->h2);
	free(c);
}

static void expire(struct grpc_conn *c, uint64_t now_ns)
{
	struct gstream *g = c->streams, *next;

	for (; g; g = next) {
		next = g->next;
		if (grpc_call_expire(g->call, now_ns))
			send_reply(g);
	}
}

int grpc_conn_io(struct grpc_conn *c, int fd, uint64_t now_ns, const char **why)
{
	expire(c, now_ns);
	return h2_conn_io(c->h2, fd, why);
}

bool grpc_conn_want_write(struct grpc_conn *c)
{
	return h2_conn_want_write(c->h2);
}

uint64_t grpc_conn_deadline(const struct grpc_conn *c)
{
	uint64_t best = 0;

	for (const struct gstream *g = c->streams; g; g = g->next) {
		uint64_t d = grpc_call_deadline(g->call);

		if (d && !grpc_call_replied(g->call) && (!best || d < best))
			best = d;
	}
	return best;
}

void grpc_conn_shutdown(struct grpc_conn *c)
{
	h2_conn_shutdown(c->h2);
}
