// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz inv_slices_build with devices made from the input: 2 bytes of count
 * (up to 400 devices), then per device an exclusion bit and attribute bytes.
 * Invariants: the documents print, parse back, hold every published device
 * exactly once in name order, at most INV_SLICE_DEVICES_MAX per slice, and
 * every slice's resourceSliceCount equals the number of slices.
 */
#include "inventory/inventory.h"
#include "json/json.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const keys[] = { "dra.net/mtu", "dra.net/ifName", "dra.net/rdma",
				    "dra.net/alias", "resource.kubernetes.io/pcieRoot" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = rd_init(data, size);
	struct arena *a = arena_new(8u << 20);
	struct inv_scan scan = { 0 };
	const struct inv_slice_opts o = { "node-f", INV_DRIVER_NAME, 1, "resource.k8s.io/v1" };
	struct json *doc = NULL, *back = NULL;
	struct json_err jerr;
	struct buf b;
	size_t published = 0, seen = 0, n;
	const char *prev = "";

	if (!a)
		return 0;
	n = rd_be16(&r) % 401;
	scan.dev = arena_calloc(a, n ? n : 1, sizeof(*scan.dev));
	if (!scan.dev)
		goto out;
	scan.n = n;
	for (size_t i = 0; i < n; i++) {
		struct inv_device *d = &scan.dev[i];
		uint8_t flags = rd_u8(&r), v = rd_u8(&r);
		char *s = arena_printf(a, "d%03u-%zu", v, i);

		d->name = s;
		if (flags & 1)
			d->excluded = "fuzz";
		else
			published++;
		for (unsigned k = 0; k < ARRAY_SIZE(keys); k++) {
			if (!(flags & (2u << k)))
				continue;
			if (k == 0 && inv_attr_set_int(d, keys[k], (int8_t)v) < 0)
				goto out;
			if (k == 2 && inv_attr_set_bool(d, keys[k], v & 1) < 0)
				goto out;
			if (k != 0 && k != 2 && inv_attr_set_str(d, keys[k], s) < 0)
				goto out;
		}
	}
	if (inv_slices_build(&scan, &o, &doc) < 0)
		goto out;
	buf_init(&b, 64u << 20);
	assert(json_print(doc, JSON_COMPACT, &b) == 0);
	assert(json_parse(b.p, b.len, &back, &jerr) == 0);
	assert(json_count(back) >= 1);
	for (size_t i = 0; i < json_count(back); i++) {
		const struct json *sl = json_at(back, i);
		const struct json *spec = json_get(sl, "spec");
		const struct json *devs = json_get(spec, "devices");
		int64_t count = 0;

		assert(json_get_int(json_get(json_get(spec, "pool"), "resourceSliceCount"),
				    &count) == 0);
		assert((size_t)count == json_count(back));
		assert(json_count(devs) <= INV_SLICE_DEVICES_MAX);
		for (size_t j = 0; j < json_count(devs); j++) {
			const char *name = NULL;

			assert(json_get_string(json_get(json_at(devs, j), "name"), &name) == 0);
			assert(strcmp(prev, name) < 0);
			prev = name;
			seen++;
		}
	}
	assert(seen == published);
	json_free(back);
	buf_fini(&b);
out:
	json_free(doc);
	arena_free(a);
	return 0;
}
