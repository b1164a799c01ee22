// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz lib/grpc's wire pieces: the 5-byte message framing (push decoder fed
 * in steps picked by the first byte; the whole input at once must agree),
 * the call layer's DATA path to a reply, grpc-timeout parsing and
 * grpc-message percent-encoding.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grpc/grpc.h"
#include "proto/pluginregistration.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct outcome {
	int ret;
	bool done;
	size_t used, len;
};

static void frame(const uint8_t *in, size_t n, size_t step, size_t cap, struct outcome *o)
{
	struct arena *a = arena_new(cap);
	struct grpc_frame_dec d;
	const char *why = NULL;
	size_t off = 0;

	if (!a)
		abort();
	grpc_frame_dec_init(&d, 1 << 16);
	o->ret = 0;
	while (off < n && !d.done) {
		size_t k = n - off < step ? n - off : step;
		int ret = grpc_frame_push(&d, a, in + off, k, &why);

		if (ret < 0) {
			if (!why)
				abort();
			o->ret = ret;
			off = 0; /* where it failed depends on the step */
			break;
		}
		if ((size_t)ret > k || ((size_t)ret < k && !d.done))
			abort();
		off += (size_t)ret;
	}
	o->done = d.done;
	o->used = off;
	o->len = d.done ? d.len : 0;
	if (d.done && d.have != d.len)
		abort();
	arena_free(a);
}

static int echo(void *ctx, struct grpc_call *call, const void *req, void **resp, const char **why)
{
	(void)ctx;
	(void)call;
	(void)why;
	*resp = (void *)req;
	return 0;
}

static void call(const uint8_t *in, size_t n, size_t step)
{
	const struct grpc_method m[] = {
		{ "/p.S/M", &pluginregistration__registration_status__descriptor,
		  &pluginregistration__registration_status__descriptor, echo }
	};
	struct grpc_server srv = { m, 1, NULL, NULL };
	struct grpc_call *c = grpc_call_new(&srv, 0);
	struct slice path = { (const uint8_t *)"/p.S/M", 6 }, post = { (const uint8_t *)"POST", 4 };
	struct slice ct = { (const uint8_t *)"application/grpc", 16 };
	struct slice h1 = { (const uint8_t *)":path", 5 }, h2 = { (const uint8_t *)":method", 7 };
	struct slice h3 = { (const uint8_t *)"content-type", 12 };
	size_t off = 0;

	if (!c || grpc_call_header(c, h1, path) < 0 || grpc_call_header(c, h2, post) < 0 ||
	    grpc_call_header(c, h3, ct) < 0 || grpc_call_headers_end(c, false, 0) < 0)
		abort();
	do {
		size_t k = n - off < step ? n - off : step;

		if (grpc_call_data(c, in + off, k, off + k == n, 0) < 0)
			abort();
		off += k;
	} while (off < n);
	if (!grpc_call_replied(c) || !grpc_call_reply(c))
		abort();
	grpc_call_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome a, b;
	size_t step;
	uint64_t ns;
	char out[64];

	if (size < 1)
		return 0;
	step = (size_t)(data[0] & 0x3f) + 1;
	data++;
	size--;
	frame(data, size, step, 1 << 20, &a);
	frame(data, size, size ? size : 1, 1 << 20, &b);
	if (a.ret != b.ret || a.done != b.done || a.used != b.used || a.len != b.len)
		abort();
	/* A tight arena: -ENOMEM or the same answer. */
	frame(data, size, step, 4096, &b);
	if (b.ret != -ENOMEM && (a.ret != b.ret || a.done != b.done || a.len != b.len))
		abort();
	call(data, size, step);
	if (grpc_timeout_parse(data, size < 12 ? size : 12, &ns) == 0 && size > 9)
		abort();
	if (grpc_pct_encode(data, size, out, sizeof(out)) < size)
		abort();
	if (strlen(out) >= sizeof(out))
		abort();
	return 0;
}
