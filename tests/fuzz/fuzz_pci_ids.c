// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target for lib/inventory/pcidb.c's pci.ids line parser: the input is
 * a pci.ids text. It must parse (0, or -ENOMEM at the arena cap), and every
 * name found must be non-empty printable text with no line break.
 */
#include "inventory/inventory.h"
#include "inventory/internal.h"

#include <assert.h>
#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const char *s, size_t size)
{
	size_t len;

	if (!s)
		return;
	len = strlen(s);
	assert(len > 0 && len <= size);
	for (size_t i = 0; i < len; i++)
		assert((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t fixed[][2] = {
		{ 0x8086, 0x100e }, { 0x0000, 0x0000 }, { 0xffff, 0xffff }, { 0x1af4, 0x1041 }
	};
	struct arena *a = arena_new(8u << 20);
	struct inv_pcidb_table *t = NULL;
	int ret;

	if (!a)
		return 0;
	ret = inv_pcidb_table_parse(data, size, a, &t);
	assert(ret == 0 || ret == -ENOMEM || (ret == -EMSGSIZE && size > INV_PCIDB_FILE_MAX));
	if (ret == 0) {
		for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
			check_name(inv_pcidb_table_vendor(t, fixed[i][0]), size);
			check_name(inv_pcidb_table_device(t, fixed[i][0], fixed[i][1]), size);
		}
		/* IDs written in the input itself: the hex at each line start. */
		for (size_t i = 0; i + 9 < size && i < 4096; i++) {
			uint16_t v = (uint16_t)(data[i] << 8 | data[i + 1]);
			uint16_t d = (uint16_t)(data[i + 2] << 8 | data[i + 3]);

			check_name(inv_pcidb_table_vendor(t, v), size);
			check_name(inv_pcidb_table_device(t, v, d), size);
		}
	}
	arena_free(a);
	return 0;
}
