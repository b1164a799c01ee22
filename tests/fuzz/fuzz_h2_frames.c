// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the HTTP/2 server connection (lib/h2/conn.c, frame.c, hpack.c): a
 * valid client preface, then the input as frames. The first byte picks the
 * feeding step and how the application answers (respond, defer, reset,
 * refuse). The input is fed twice, whole and in steps: the bytes we write
 * back must be the same, must parse as frames no larger than 16384, and the
 * callbacks must pair up (one on_close per on_request).
 */
#include <errno.h>
#include <stdlib.h>

#include "h2/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct app {
	struct h2_conn *c;
	unsigned mode;
	int requests, closes;
};

static int answer(struct app *a, struct h2_stream *s, size_t n)
{
	static const uint8_t body[4096];
	struct h2_field f = h2_field_str("content-type", "application/grpc");
	int ret;

	switch (a->mode % 4) {
	case 1:
		return 0; /* defer: the stream stays open */
	case 2:
		h2_stream_reset(a->c, s, H2_CANCEL);
		return 0;
	case 3:
		return -ENOMEM;
	default:
		break;
	}
	ret = h2_submit_headers(a->c, s, 200, &f, 1, false);
	if (ret == 0)
		ret = h2_submit_data(a->c, s, body, n % sizeof(body), false);
	if (ret == 0)
		ret = h2_submit_trailers(a->c, s, &f, 1);
	return ret;
}

static int on_request(void *user, struct h2_stream *s, const struct h2_request *req, bool end)
{
	struct app *a = user;

	a->requests++;
	if (!req->method.p || !req->path.p || (req->n_fields && !req->fields))
		abort();
	return end ? answer(a, s, req->path.len * 100) : 0;
}

static int on_data(void *user, struct h2_stream *s, struct slice d, bool end)
{
	return end ? answer(user, s, d.len) : 0;
}

static void on_close(void *user, struct h2_stream *s, uint32_t code)
{
	struct app *a = user;

	(void)s, (void)code;
	a->closes++;
}

static const struct h2_callbacks cbs = { on_request, on_data, on_close };

static uint8_t out[2][4 << 20];

static size_t run(const uint8_t *in, size_t len, size_t step, unsigned mode, uint8_t *o, int *reqs,
		  int *err)
{
	struct app a = { NULL, mode, 0, 0 };
	size_t olen = 0;
	struct slice s;

	a.c = h2_conn_new(&cbs, &a);
	if (!a.c)
		abort();
	if (h2_conn_feed(a.c, H2_PREFACE, H2_PREFACE_LEN, NULL) != 0)
		abort();
	*err = 0;
	for (size_t off = 0; off < len; off += step) {
		size_t n = len - off < step ? len - off : step;
		const char *why = NULL;
		int ret = h2_conn_feed(a.c, in + off, n, &why);

		if (ret < 0 && !why)
			abort();
		if (ret < 0 && !*err)
			*err = ret;
	}
	while (h2_conn_output(a.c, &s) > 0) {
		if (s.len > sizeof(out[0]) - olen)
			abort();
		memcpy(o + olen, s.p, s.len);
		olen += s.len;
		h2_conn_consume(a.c, s.len);
	}
	(void)h2_conn_is_done(a.c);
	h2_conn_shutdown(a.c);
	h2_conn_free(a.c);
	if (a.closes != a.requests)
		abort();
	*reqs = a.requests;
	return olen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t l1, l2, step;
	int r1, r2, e1, e2;
	struct rd r;
	unsigned mode;

	if (size < 1)
		return 0;
	step = (data[0] & 0x0f) + 1;
	mode = data[0] >> 4;
	data++, size--;
	l1 = run(data, size, size ? size : 1, mode, out[0], &r1, &e1);
	l2 = run(data, size, step, mode, out[1], &r2, &e2);
	if (l1 != l2 || memcmp(out[0], out[1], l1) != 0 || r1 != r2 || e1 != e2)
		abort();
	r = rd_init(out[0], l1);
	while (rd_left(&r)) {
		struct h2_frame f;
		const char *why;

		if (h2_frame_decode(&r, H2_MAX_FRAME_SIZE, &f, &why) != 0)
			abort();
	}
	return 0;
}
