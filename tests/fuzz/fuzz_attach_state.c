// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the attach engine's stored state (what dranet-attach's state files
 * and the driver's checkpoint hold): a JSON document {"snapshot": ...,
 * "result": ...} decoded by attach_snapshot_from_json() and
 * attach_result_from_json(). Invariant: what decodes re-encodes to JSON
 * that decodes to the same encoding again (a fixed point after one trip).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attach/attach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_bytes(struct json *a, struct json *b)
{
	struct buf x, y;

	buf_init(&x, 1u << 24);
	buf_init(&y, 1u << 24);
	if (json_print(a, JSON_COMPACT, &x) == 0 && json_print(b, JSON_COMPACT, &y) == 0 &&
	    (x.len != y.len || memcmp(x.p, y.p, x.len)))
		abort();
	buf_fini(&x);
	buf_fini(&y);
}

static void snapshot(const struct json *v, struct arena *a)
{
	struct attach_snapshot s, t;
	struct json *e1, *e2;

	if (attach_snapshot_from_json(v, a, &s, NULL) < 0)
		return;
	e1 = attach_snapshot_json(&s);
	if (e1 && attach_snapshot_from_json(e1, a, &t, NULL) == 0) {
		e2 = attach_snapshot_json(&t);
		if (e2)
			same_bytes(e1, e2);
		json_free(e2);
	} else if (e1) {
		/* What we wrote must read back (an -ENOMEM at the arena cap aside). */
		if (attach_snapshot_from_json(e1, a, &t, NULL) == -EBADMSG)
			abort();
	}
	json_free(e1);
}

static void result(const struct json *v, struct arena *a)
{
	struct attach_result r, t;
	struct json *e1, *e2;

	if (attach_result_from_json(v, a, &r, NULL) < 0)
		return;
	e1 = attach_result_json(&r);
	if (e1 && attach_result_from_json(e1, a, &t, NULL) == 0) {
		e2 = attach_result_json(&t);
		if (e2)
			same_bytes(e1, e2);
		json_free(e2);
	}
	json_free(e1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json *doc = NULL;
	struct arena *a;
	const struct json *v;

	if (json_parse((const char *)data, size, &doc, NULL) < 0)
		return 0;
	a = arena_new(4u << 20);
	if (a) {
		v = json_get(doc, "snapshot");
		if (v)
			snapshot(v, a);
		v = json_get(doc, "result");
		if (v)
			result(v, a);
	}
	arena_free(a);
	json_free(doc);
	return 0;
}
