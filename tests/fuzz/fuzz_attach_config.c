// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz lib/attach's claim config parser (config.c): the input is the
 * opaque parameters text. Invariants: the result is 0, -EBADMSG or -ENOMEM;
 * the error count agrees with it (0 for valid, at least one for invalid,
 * never more than ATTACH_ERRS_MAX kept, drops only when full); every parsed
 * form is filled for a valid config; a valid config written back as JSON
 * re-parses as valid and writes the same text again; the writer and the
 * prepare-time checks never crash on an invalid one.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attach/attach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* @c as compact JSON into @b; false when out of memory. */
static bool print_cfg(const struct attach_config *c, struct buf *b)
{
	struct json *j = attach_config_to_json(c);
	bool ok = j && json_print(j, JSON_COMPACT, b) == 0;

	json_free(j);
	return ok;
}

static void check_errs(int ret, const struct attach_errs *e)
{
	assert(ret == 0 || ret == -EBADMSG || ret == -ENOMEM);
	assert(e->n <= ATTACH_ERRS_MAX);
	assert(!e->dropped || e->n == ATTACH_ERRS_MAX);
	if (ret == 0)
		assert(e->n == 0 && e->dropped == 0);
	if (ret == -EBADMSG)
		assert(e->n >= 1);
	for (size_t i = 0; i < e->n; i++)
		assert(e->msg[i] && e->msg[i][0]);
}

static void check_forms(const struct attach_config *c)
{
	for (size_t i = 0; i < c->interface.n_addresses; i++)
		assert(c->interface.addrs[i].family);
	if (c->interface.has_hardware_addr)
		assert(c->interface.mac.len);
	for (size_t i = 0; i < c->n_routes; i++)
		assert(c->routes[i].dst.family);
	for (size_t i = 0; i < c->n_neighbors; i++)
		assert(c->neighbors[i].dst.family && c->neighbors[i].mac.len);
	if (c->interface.has_vrf)
		assert(c->interface.vrf.has_table && c->interface.vrf.table > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(4u << 20);
	struct attach_kernel k = { 0 };
	struct attach_config *c = NULL, *c2 = NULL;
	struct attach_errs e, e2;
	struct buf b1, b2;
	int ret;

	if (!a)
		return 0;
	buf_init(&b1, 1u << 20);
	buf_init(&b2, 1u << 20);
	ret = attach_config_parse((const char *)data, size, a, &c, &e);
	check_errs(ret, &e);
	if (ret != -ENOMEM)
		assert(attach_errs_join(&e, a));
	if (ret == 0) {
		check_forms(c);
		assert(print_cfg(c, &b1));
		ret = attach_config_parse((const char *)b1.p, b1.len, a, &c2, &e2);
		check_errs(ret, &e2);
		assert(ret == 0);
		assert(print_cfg(c2, &b2));
		assert(b1.len == b2.len && memcmp(b1.p, b2.p, b1.len) == 0);
	}
	if (c && ret != -ENOMEM) {
		(void)print_cfg(c, &b2);
		e.n = 0;
		e.dropped = 0;
		ret = attach_config_check_rdma_only(c, &e, a);
		check_errs(ret, &e);
		ret = attach_config_check_vf_mtu(c, 1500, &e, a);
		assert(ret == 0 || ret == -EBADMSG);
		ret = attach_config_check_kernel(c, &k, &e, a);
		assert(ret == 0 || ret == -EBADMSG);
	}
	buf_fini(&b1);
	buf_fini(&b2);
	arena_free(a);
	return 0;
}
