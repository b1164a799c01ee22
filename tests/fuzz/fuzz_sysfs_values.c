// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz discovery's sysfs value parsers (lib/inventory/sysfs.c): the first
 * byte picks the parser, the rest is the file content (NUL-terminated, as
 * fd_read_line gives it). Each success is checked for its invariants: the
 * value re-printed the kernel's way parses to the same value, a resolved
 * link is an absolute path without ".", ".." or empty components, a PCIe
 * root is one "pci..." component.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN_MAX 4096

static void check_int(const char *s)
{
	char again[32];
	int64_t v, w;

	if (inv_sysfs_parse_int(s, -1, INT32_MAX, &v) < 0)
		return;
	if (v < -1 || v > INT32_MAX)
		abort();
	snprintf(again, sizeof(again), "%lld", (long long)v);
	if (inv_sysfs_parse_int(again, -1, INT32_MAX, &w) < 0 || w != v)
		abort();
}

static void check_hex(const char *s, unsigned digits)
{
	char again[16];
	uint32_t v, w;

	if (inv_sysfs_parse_hex(s, digits, &v) < 0)
		return;
	if (digits < 8 && v >> (4 * digits))
		abort();
	snprintf(again, sizeof(again), "0x%0*x", (int)digits, v);
	if (inv_sysfs_parse_hex(again, digits, &w) < 0 || w != v)
		abort();
}

static void check_modalias(const char *s)
{
	struct inv_pci_ids id, again;
	char text[64];

	if (inv_sysfs_parse_modalias(s, &id) < 0)
		return;
	if (id.class >> 24)
		abort();
	snprintf(text, sizeof(text), "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X", id.vendor,
		 id.device, id.subsys_vendor, id.subsys_device, id.class >> 16,
		 (id.class >> 8) & 0xff, id.class & 0xff);
	if (strlen(s) != strlen(text) || inv_sysfs_parse_modalias(text, &again) < 0 ||
	    memcmp(&id, &again, sizeof(id)) != 0)
		abort();
}

static void check_guid(const char *s)
{
	uint8_t g[8], h[8];
	char text[24];

	if (inv_sysfs_parse_guid(s, g) < 0)
		return;
	snprintf(text, sizeof(text), "%02x%02x:%02x%02x:%02x%02x:%02x%02x", g[0], g[1], g[2], g[3],
		 g[4], g[5], g[6], g[7]);
	if (inv_sysfs_parse_guid(text, h) < 0 || memcmp(g, h, 8) != 0 || strlen(s) != 19)
		abort();
}

/* "link\ntarget" */
static void check_join(char *s)
{
	char out[256], root[64];
	char *nl = strchr(s, '\n');
	const char *link = s, *target = s;
	size_t n;

	if (nl) {
		*nl = '\0';
		target = nl + 1;
	}
	if (inv_sysfs_join_link(link, target, out, sizeof(out)) < 0)
		return;
	n = strlen(out);
	if (out[0] != '/' || n >= sizeof(out) || (n > 1 && out[n - 1] == '/') ||
	    strstr(out, "//") || strstr(out, "/./") || strstr(out, "/../"))
		abort();
	if ((n >= 2 && strcmp(out + n - 2, "/.") == 0) ||
	    (n >= 3 && strcmp(out + n - 3, "/..") == 0))
		abort();
	/* the resolved path against a BDF in the target's last component */
	if (inv_sysfs_pcie_root(out, strrchr(out, '/') + 1, root, sizeof(root)) == 0 &&
	    (strncmp(root, "pci", 3) != 0 || strchr(root, '/') || strlen(root) >= sizeof(root)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1 || size > IN_MAX)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 6) {
	case 0:
		check_int(s);
		break;
	case 1:
		check_hex(s, 4);
		check_hex(s, 6);
		break;
	case 2:
		check_modalias(s);
		break;
	case 3:
		check_guid(s);
		break;
	case 4:
		check_join(s);
		break;
	default:
		check_hex(s, 8);
		check_int(s);
		break;
	}
	free(s);
	return 0;
}
