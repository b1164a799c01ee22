/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the fuzz_pb_* targets: run the input as the request message of a
 * unary call through lib/grpc (size check, protobuf-c unpack into the call's
 * capped arena), with a handler that walks every decoded string.
 */
#ifndef DRANET_TESTS_FUZZ_PB_CALL_H
#define DRANET_TESTS_FUZZ_PB_CALL_H

#include <stdlib.h>
#include <string.h>

#include "grpc/grpc.h"

static inline struct slice pb_s(const char *s)
{
	struct slice x = { (const uint8_t *)s, strlen(s) };
	return x;
}

/* Walk: strlen() of every string proves it is NUL-terminated inside the arena. */
static inline size_t pb_walk_str(const char *s)
{
	return s ? strlen(s) : 0;
}

/* Run @data as the request of @path on @srv; returns the grpc-status. */
static inline int pb_run(struct grpc_server *srv, const char *path, const uint8_t *data, size_t size)
{
	struct grpc_call *c = grpc_call_new(srv, 0);
	uint8_t hdr[GRPC_FRAME_HDR];
	int status;

	if (!c)
		abort();
	grpc_frame_hdr_put(hdr, (uint32_t)size);
	if (grpc_call_header(c, pb_s(":method"), pb_s("POST")) < 0 ||
	    grpc_call_header(c, pb_s(":path"), pb_s(path)) < 0 ||
	    grpc_call_header(c, pb_s("content-type"), pb_s("application/grpc")) < 0 ||
	    grpc_call_headers_end(c, false, 0) < 0 || grpc_call_data(c, hdr, 5, false, 0) < 0 ||
	    grpc_call_data(c, data, size, true, 0) < 0 || !grpc_call_replied(c))
		abort();
	status = grpc_call_reply(c)->status;
	/* Undecodable input is INVALID_ARGUMENT, never anything else but OK. */
	if (status != GRPC_OK && status != GRPC_INVALID_ARGUMENT && status != GRPC_RESOURCE_EXHAUSTED)
		abort();
	grpc_call_free(c);
	return status;
}

#endif
