// SPDX-License-Identifier: Apache-2.0
/*
 * PCI addresses: "[dddd:]bb:dd.f" parsing and the sysfs path walk
 * (reference/upstream.md §2.1 step 2, §2.3).
 */
#include "inventory.h"

#include <errno.h>

/* @n hex digits at @s, copied lowercase to @out. */
static bool hex_run(const char *s, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		int v = str_hex_digit(s[i]);

		if (v < 0)
			return false;
		out[i] = "0123456789abcdef"[v];
	}
	return true;
}

/*
 * Upstream's pattern, anchored at both ends (sysfs.go pciAddressRegex):
 * an optional 4-hex-digit domain and ':', 2 hex bus, ':', 2 hex device,
 * '.', 1 hex function. Any case; no range checks beyond the digit counts.
 */
static int parse_n(const char *s, size_t len, char *out)
{
	char bdf[INV_BDF_LEN + 1] = "0000:";
	const char *p = s;

	if (len == INV_BDF_LEN) {
		if (!hex_run(p, 4, bdf) || p[4] != ':')
			return -EINVAL;
		p += 5;
	} else if (len != INV_BDF_LEN - 5) {
		return -EINVAL;
	}
	/* p: "bb:dd.f" */
	if (!hex_run(p, 2, bdf + 5) || p[2] != ':' || !hex_run(p + 3, 2, bdf + 8) || p[5] != '.' ||
	    !hex_run(p + 6, 1, bdf + 11))
		return -EINVAL;
	bdf[7] = ':';
	bdf[10] = '.';
	bdf[INV_BDF_LEN] = '\0';
	memcpy(out, bdf, sizeof(bdf));
	return 0;
}

int inv_pci_parse(const char *s, char *out)
{
	if (!s || !out)
		return -EINVAL;
	return parse_n(s, strlen(s), out);
}

int inv_pci_from_path(const char *path, char *out)
{
	size_t end;

	if (!path || !out)
		return -EINVAL;
	/* From the leaf upwards: the deepest component that is an address. */
	end = strlen(path);
	while (end > 0) {
		size_t start = end;

		while (start > 0 && path[start - 1] != '/')
			start--;
		if (parse_n(path + start, end - start, out) == 0)
			return 0;
		end = start > 0 ? start - 1 : 0;
	}
	return -ENOENT;
}
