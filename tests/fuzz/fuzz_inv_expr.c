// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target for lib/inventory/expr*.c: the input is an expression, compiled
 * in both modes (filter and selector) and evaluated against two fixed
 * devices. Results must be one of the documented codes.
 */
#include "inventory/inventory.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct inv_device device(bool full)
{
	struct inv_device d = { .name = full ? "eth1" : "pci-0000-00-04-0" };
	int ret = 0;

	ret |= inv_attr_set_str(&d, "dra.net/pciAddress", "0000:00:04.0");
	ret |= inv_attr_set_bool(&d, "dra.net/rdma", full);
	if (full) {
		ret |= inv_attr_set_str(&d, "dra.net/ifName", "eth1");
		ret |= inv_attr_set_str(&d, "dra.net/type", "device");
		ret |= inv_attr_set_int(&d, "dra.net/mtu", 9000);
		ret |= inv_attr_set_int(&d, "dra.net/numaNode", -1);
		ret |= inv_attr_set_str(&d, "resource.kubernetes.io/pcieRoot", "pci0000:00");
		ret |= inv_attr_set_str(&d, "gce.dra.net/networkName", "tpu-net-1");
		ret |= inv_attr_set_str(&d, "x.io/ver", "1.2.3");
		d.attr[d.n_attr - 1].type = INV_VERSION;
	}
	assert(ret == 0);
	return d;
}

static void one(const char *src, enum inv_expr_mode mode, const struct inv_device *devs)
{
	struct arena *a = arena_new(1u << 20);
	struct inv_expr_err err;
	struct inv_expr *e;
	struct buf b;
	int ret;

	assert(a);
	ret = inv_expr_compile(src, mode, a, &e, &err);
	if (ret) {
		assert(ret == -EINVAL || ret == -ENOMEM);
		assert(err.msg[0] != '\0' && err.column <= strlen(src));
		buf_init(&b, 1u << 16);
		assert(inv_expr_format_err(src, &err, &b) == 0 || b.err);
		buf_fini(&b);
		arena_free(a);
		return;
	}
	for (int i = 0; i < 2; i++) {
		const char *why;

		ret = inv_expr_eval(e, &devs[i], &why, a);
		assert(ret == 0 || ret == 1 || ret == -EINVAL || ret == -ENOMEM);
		assert((ret < 0) == (why != NULL));
		/* Without an arena: the same verdict unless a value needed memory. */
		ret = inv_expr_eval(e, &devs[i], &why, NULL);
		assert(ret == 0 || ret == 1 || ret == -EINVAL || ret == -ENOMEM);
	}
	arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inv_device devs[2] = { device(true), device(false) };
	char *src = malloc(size + 1);

	if (!src)
		return 0;
	memcpy(src, data, size);
	src[size] = '\0';
	one(src, INV_EXPR_FILTER, devs);
	one(src, INV_EXPR_SELECT, devs);
	free(src);
	return 0;
}
