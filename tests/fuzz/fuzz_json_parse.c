// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz lib/json parsing: parse, print (compact, pretty, YAML), reparse the
 * printed JSON and require the same canonical bytes (print is a fixed point).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "json/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fixed_point(const struct json *v, unsigned flags)
{
	struct json *w = NULL;
	struct json_err err;
	struct buf a, b;

	buf_init(&a, 64u << 20);
	buf_init(&b, 64u << 20);
	if (json_print(v, flags, &a) != 0)
		abort(); /* a parsed tree always prints */
	if (json_parse(a.p, a.len, &w, &err) != 0)
		abort(); /* and what we print always parses */
	if (json_print(w, flags, &b) != 0 || a.len != b.len || memcmp(a.p, b.p, a.len) != 0)
		abort();
	json_free(w);
	buf_fini(&a);
	buf_fini(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json *v = NULL, *d;
	struct json_err err;
	struct buf y;

	if (json_parse((const char *)data, size, &v, &err) != 0) {
		if (v || err.offset > size || !err.msg[0])
			abort();
		return 0;
	}
	check_fixed_point(v, JSON_COMPACT);
	check_fixed_point(v, JSON_PRETTY);
	buf_init(&y, 64u << 20);
	if (json_print_yaml(v, &y) != 0 || y.len == 0 || y.p[y.len - 1] != '\n')
		abort();
	buf_fini(&y);
	d = json_dup(v);
	if (d)
		check_fixed_point(d, JSON_COMPACT);
	json_free(d);
	json_free(v);
	return 0;
}
