// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz lib/http's response parser (status line, fields, Content-Length,
 * chunked decoder, trailers). The first byte picks the feeding step and
 * flags; the same input fed whole must give the same result and body.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct outcome {
	int ret;
	uint64_t body_len, body_sum;
	int status;
};

static void feed(const uint8_t *in, size_t len, size_t step, unsigned flags, size_t cap,
		 struct outcome *o)
{
	struct arena *a = arena_new(64 << 10);
	struct http_parser p;
	size_t off = 0;

	o->ret = -EAGAIN;
	o->body_len = o->body_sum = 0;
	o->status = 0;
	if (!a)
		abort();
	http_parser_init(&p, a, cap, flags);
	while (off < len) {
		size_t n = len - off < step ? len - off : step;
		struct rd r = rd_init(in + off, n);
		struct slice piece;
		int ret;

		do {
			ret = http_parser_push(&p, &r, &piece);
			if (ret == HTTP_EV_BODY) {
				if (piece.p < in + off || piece.p + piece.len > in + off + n)
					abort(); /* pieces borrow the input */
				o->body_len += piece.len;
				for (size_t i = 0; i < piece.len; i++)
					o->body_sum = o->body_sum * 31 + piece.p[i];
			}
			if (ret == HTTP_EV_HEAD)
				o->status = http_parser_response(&p)->status;
		} while (ret == HTTP_EV_HEAD || ret == HTTP_EV_BODY);
		if (r.p < in + off || r.p > in + off + n)
			abort();
		off = (size_t)(r.p - in);
		if (ret != -EAGAIN) {
			o->ret = ret;
			break;
		}
	}
	if (o->ret == -EAGAIN) {
		int e = http_parser_eof(&p);

		o->ret = e == HTTP_EV_DONE ? e : o->ret;
	}
	if (o->body_len > cap)
		abort();
	arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, split;
	unsigned flags;
	size_t step, cap;

	if (size < 1)
		return 0;
	step = (data[0] & 0x1f) + 1;
	flags = data[0] & 0x20 ? HTTP_PARSE_HEAD : 0;
	cap = data[0] & 0x40 ? 64 : 1 << 20;
	data++, size--;
	feed(data, size, size ? size : 1, flags, cap, &whole);
	feed(data, size, step, flags, cap, &split);
	if (whole.ret != split.ret || whole.status != split.status)
		abort();
	/* After an error the pieces delivered before it depend on the split. */
	if (whole.ret >= 0 &&
	    (whole.body_len != split.body_len || whole.body_sum != split.body_sum))
		abort();
	return 0;
}
