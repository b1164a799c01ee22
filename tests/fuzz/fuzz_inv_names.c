// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target for lib/inventory/names.c and pci.c: the input is a name, a
 * PCI address and a sysfs path at once, then (split at '\n') a device
 * list for inv_names_dedupe. Invariants: every name produced is a DNS
 * label within its limit or an error; dedupe gives unique labels, the same
 * ones whatever the order of the list.
 */
#include "inventory/inventory.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DEVS_MAX 16
#define LINE_MAX_BYTES 40

static bool b32_chars(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '2' && *s <= '7')))
			return false;
	return true;
}

static void check_strings(const char *s)
{
	char small[INV_NAME_MAX + 1], big[1024], bdf[INV_BDF_LEN + 1], again[INV_BDF_LEN + 1];
	int ret;

	ret = inv_name_ifname(s, small, sizeof(small));
	if (s[0] == '\0')
		assert(ret == -EINVAL);
	else if (inv_is_dns_label(s))
		assert(ret == (int)strlen(s) && strcmp(small, s) == 0);
	else
		assert(ret == -EMSGSIZE ||
		       (ret > 4 && inv_is_dns_label(small) && strncmp(small, "net-", 4) == 0 &&
			b32_chars(small + 4)));
	ret = inv_name_ifname(s, big, sizeof(big));
	assert(ret == -EINVAL || ret == -EMSGSIZE || ret == (int)strlen(big));
	if (ret > 0 && ret <= INV_NAME_MAX)
		assert(inv_is_dns_label(big));
	if (inv_pci_parse(s, bdf) == 0) {
		assert(strlen(bdf) == INV_BDF_LEN);
		assert(inv_pci_parse(bdf, again) == 0 && strcmp(bdf, again) == 0);
		assert(inv_name_pci(s, small, sizeof(small)) == 16 && inv_is_dns_label(small));
	} else {
		assert(inv_name_pci(s, small, sizeof(small)) == -EINVAL);
	}
	ret = inv_pci_from_path(s, bdf);
	assert(ret == 0 || ret == -ENOENT);
	if (ret == 0)
		assert(inv_pci_parse(bdf, again) == 0 && strcmp(bdf, again) == 0);
}

struct spec {
	const char *pci, *ifname, *name;
};

static int dedupe(const struct spec *s, size_t n, bool reverse, struct arena *a, const char **got)
{
	struct inv_device d[DEVS_MAX];
	int ret;

	for (size_t i = 0; i < n; i++) {
		const struct spec *x = &s[reverse ? n - 1 - i : i];

		d[i] = (struct inv_device){ .pci = x->pci, .ifname = x->ifname, .name = x->name };
	}
	ret = inv_names_dedupe(d, n, a);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n; i++) {
		assert(inv_is_dns_label(d[i].name));
		for (size_t j = 0; j < i; j++)
			assert(strcmp(d[i].name, d[j].name) != 0);
		got[reverse ? n - 1 - i : i] = d[i].name;
	}
	return ret;
}

static void check_dedupe(const uint8_t *data, size_t size, struct arena *a)
{
	static const char *const pcis[] = { NULL, "0000:00:03.0", "0000:8a:00.0", "00:03.0" };
	struct spec s[DEVS_MAX];
	const char *fwd[DEVS_MAX], *rev[DEVS_MAX];
	size_t n = 0, at = 0;
	bool distinct = true;
	int r1, r2;

	while (at < size && n < DEVS_MAX) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = nl ? (size_t)(nl - data - at) : size - at;
		uint8_t flags = len ? data[at] : 0;
		size_t rest = len ? len - 1 : 0;
		char *text, buf[256];

		if (rest > LINE_MAX_BYTES)
			rest = LINE_MAX_BYTES;
		text = arena_strndup(a, (const char *)data + at + (len ? 1 : 0), rest);
		if (!text)
			return;
		s[n].pci = pcis[flags & 3];
		s[n].ifname = text[0] && !(flags & 8) ? text : NULL;
		s[n].name = NULL;
		if (flags & 4)
			s[n].name = text;
		else if (s[n].pci && inv_name_pci(s[n].pci, buf, sizeof(buf)) > 0)
			s[n].name = arena_strdup(a, buf);
		else if (s[n].ifname && inv_name_ifname(s[n].ifname, buf, sizeof(buf)) > 0)
			s[n].name = arena_strdup(a, buf);
		n++;
		at += len + 1;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (!!s[i].pci == !!s[j].pci &&
			    (!s[i].pci || !strcmp(s[i].pci, s[j].pci)) &&
			    !!s[i].ifname == !!s[j].ifname &&
			    (!s[i].ifname || !strcmp(s[i].ifname, s[j].ifname)) &&
			    !!s[i].name == !!s[j].name &&
			    (!s[i].name || !strcmp(s[i].name, s[j].name)))
				distinct = false;
	r1 = dedupe(s, n, false, a, fwd);
	r2 = dedupe(s, n, true, a, rev);
	assert(r1 >= 0 || r1 == -ENOMEM);
	if (r1 >= 0 && r2 >= 0 && distinct) {
		assert(r1 == r2);
		for (size_t i = 0; i < n; i++)
			assert(strcmp(fwd[i], rev[i]) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(1u << 20);
	char *s;

	if (!a)
		return 0;
	s = arena_strndup(a, (const char *)data, size > 4096 ? 4096 : size);
	if (s)
		check_strings(s);
	check_dedupe(data, size, a);
	arena_free(a);
	return 0;
}
