// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the server's request-head parser (lib/http/server.c): every prefix
 * of a head that parses must be -EAGAIN or the same error class, never a
 * crash; a parsed head's strings are NUL-terminated and its length within
 * the input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(64 << 10);
	struct http_server_req r;
	const char *why;
	int ret;

	if (!a)
		abort();
	ret = http_server_parse(data, size, a, &r, &why);
	if (ret > 0) {
		if ((size_t)ret > size || !r.method || !r.target || !r.path)
			abort();
		if (strlen(r.path) > strlen(r.target))
			abort();
		for (size_t i = 0; i < r.nheaders; i++)
			if (!r.headers[i].name || !r.headers[i].value)
				abort();
		/* A shorter input, cut inside the head, is incomplete or the same error class. */
		arena_reset(a);
		if (http_server_parse(data, (size_t)ret - 1, a, &r, &why) > 0)
			abort();
	} else if (ret != -EAGAIN && ret != -EBADMSG && ret != -EMSGSIZE &&
		   ret != -EPROTONOSUPPORT && ret != -ENOMEM) {
		abort();
	}
	arena_free(a);
	return 0;
}
