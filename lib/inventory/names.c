// SPDX-License-Identifier: Apache-2.0
/*
 * DRA device names: upstream's rules (reference/upstream.md §2.3, pkg/names)
 * and the tie-break that keeps them unique (docs/compatibility.md "Device
 * names"). Base32: RFC 4648 §6, lowercase, no padding. DNS label: RFC 1123
 * as Kubernetes' IsDNS1123Label checks it.
 */
#include "inventory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* Bytes of a name's prefix kept in front of "-" + 8 hex digits. */
#define HASHED_BASE_MAX (INV_NAME_MAX - 9)
/* Probes of the hashed form per device before giving up (-EEXIST). */
#define HASH_PROBES_MAX 4096u

static bool is_alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Length of base32 text for @len bytes, unpadded; false on overflow. */
static bool b32_len(size_t len, size_t *out)
{
	size_t bits;

	if (size_mul_overflows(len, (size_t)8, &bits))
		return false;
	*out = bits / 5 + (bits % 5 != 0);
	return true;
}

/* Write the unpadded lowercase base32 of @p[0..len) to @out (no NUL). */
static void b32_write(const unsigned char *p, size_t len, char *out)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz234567";
	uint32_t acc = 0;
	unsigned bits = 0;

	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | p[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			*out++ = alpha[(acc >> bits) & 31];
		}
	}
	if (bits)
		*out++ = alpha[(acc << (5 - bits)) & 31];
}

/* @prefix + base32(@s) into @out[0..n); length, or -EMSGSIZE. */
static int put_b32(const char *prefix, const char *s, char *out, size_t n)
{
	size_t plen = strlen(prefix), slen = strlen(s), blen, total;

	if (!b32_len(slen, &blen) || size_add_overflows(plen, blen, &total) || total >= n ||
	    total > INT32_MAX)
		return -EMSGSIZE;
	memcpy(out, prefix, plen);
	b32_write((const unsigned char *)s, slen, out + plen);
	out[total] = '\0';
	return (int)total;
}

bool inv_is_dns_label(const char *s)
{
	size_t len;

	if (!s)
		return false;
	len = strlen(s);
	if (len == 0 || len > INV_NAME_MAX)
		return false;
	if (!is_alnum_lower(s[0]) || !is_alnum_lower(s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum_lower(s[i]) && s[i] != '-')
			return false;
	return true;
}

int inv_name_pci(const char *bdf, char *out, size_t n)
{
	char norm[INV_BDF_LEN + 1];
	int ret;

	if (!out)
		return -EINVAL;
	ret = inv_pci_parse(bdf, norm);
	if (ret < 0)
		return ret;
	if (n < 4 + INV_BDF_LEN + 1)
		return -EMSGSIZE;
	memcpy(out, "pci-", 4);
	for (size_t i = 0; i <= INV_BDF_LEN; i++)
		out[4 + i] = (norm[i] == ':' || norm[i] == '.') ? '-' : norm[i];
	return 4 + INV_BDF_LEN;
}

int inv_name_ifname(const char *ifname, char *out, size_t n)
{
	if (!ifname || !out || ifname[0] == '\0')
		return -EINVAL;
	if (inv_is_dns_label(ifname)) {
		size_t len = strlen(ifname);

		if (len >= n)
			return -EMSGSIZE;
		memcpy(out, ifname, len + 1);
		return (int)len;
	}
	return put_b32("net-", ifname, out, n);
}

/* ------------------------------------------------------------------ dedupe */

/*
 * How the device came by its name, best first: a PCI function's upstream
 * name, an interface name kept verbatim, an interface's base32 form, or
 * anything else.
 */
enum rank {
	RANK_PCI,
	RANK_IFNAME,
	RANK_ENCODED,
	RANK_OTHER,
};

struct ent {
	struct inv_device *d;
	const char *name; /* the name before dedupe */
	size_t idx;
	enum rank rank;
	bool label; /* name is a DNS label */
};

struct nameset {
	const char **slot;
	size_t mask;
};

static uint32_t fnv1a(uint32_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 16777619u;
	}
	return h;
}

/* Hash a possibly-NULL string so that NULL and "" differ. */
static uint32_t fnv1a_str(uint32_t h, const char *s)
{
	static const unsigned char null_mark = 0xff, end = 0;

	if (!s)
		return fnv1a(h, &null_mark, 1);
	return fnv1a(fnv1a(h, s, strlen(s)), &end, 1);
}

static bool set_has(const struct nameset *set, const char *s)
{
	size_t i = fnv1a_str(2166136261u, s) & set->mask;

	for (; set->slot[i]; i = (i + 1) & set->mask)
		if (strcmp(set->slot[i], s) == 0)
			return true;
	return false;
}

static void set_add(struct nameset *set, const char *s)
{
	size_t i = fnv1a_str(2166136261u, s) & set->mask;

	while (set->slot[i])
		i = (i + 1) & set->mask;
	set->slot[i] = s;
}

/* NULL sorts first. */
static int cmp_nullable(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* The stable identity order: never the dump order (idx is the last resort). */
static int cmp_identity(const struct ent *x, const struct ent *y)
{
	int c;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	c = cmp_nullable(x->d->pci, y->d->pci);
	if (c)
		return c;
	c = cmp_nullable(x->d->ifname, y->d->ifname);
	if (c)
		return c;
	c = cmp_nullable(x->name, y->name);
	if (c)
		return c;
	if (x->d->ifindex != y->d->ifindex)
		return x->d->ifindex < y->d->ifindex ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Group equal valid names together, the winner of each group first. */
static int cmp_by_name(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c;

	if (x->label != y->label)
		return x->label ? -1 : 1;
	c = x->label ? strcmp(x->name, y->name) : 0;
	return c ? c : cmp_identity(x, y);
}

static int cmp_by_identity(const void *a, const void *b)
{
	return cmp_identity(*(const struct ent *const *)a, *(const struct ent *const *)b);
}

static enum rank rank_of(const struct inv_device *d)
{
	char buf[INV_NAME_MAX + 1];
	const char *name = d->name;

	if (!name)
		return RANK_OTHER;
	if (d->pci && inv_name_pci(d->pci, buf, sizeof(buf)) > 0 && strcmp(buf, name) == 0)
		return RANK_PCI;
	if (d->ifname && inv_name_ifname(d->ifname, buf, sizeof(buf)) > 0 && strcmp(buf, name) == 0)
		return inv_is_dns_label(d->ifname) ? RANK_IFNAME : RANK_ENCODED;
	return RANK_OTHER;
}

/*
 * The first choice for a device that lost its name: "pci-<bdf>-<ifname as
 * a label, else its base32>" for a second netdev of one PCI function;
 * "net-<base32 of ifname>" for an interface whose verbatim name was taken.
 * 0 when there is none (the hashed form follows).
 */
static int primary_name(const struct ent *e, char *out, size_t n)
{
	const struct inv_device *d = e->d;
	int len;

	if (!d->ifname || !d->ifname[0])
		return 0;
	if (e->rank == RANK_PCI) {
		len = inv_name_pci(d->pci, out, n);
		if (len < 0 || (size_t)len + 1 >= n)
			return 0;
		out[len++] = '-';
		if (inv_is_dns_label(d->ifname)) {
			if (str_copy(out + len, n - (size_t)len, d->ifname) < 0)
				return 0;
			len += (int)strlen(d->ifname);
		} else {
			int b = put_b32("", d->ifname, out + len, n - (size_t)len);

			if (b < 0)
				return 0;
			len += b;
		}
	} else if (e->rank != RANK_ENCODED) {
		len = put_b32("net-", d->ifname, out, n);
		if (len < 0 || (e->name && strcmp(out, e->name) == 0))
			return 0;
	} else {
		return 0;
	}
	return inv_is_dns_label(out) ? len : 0;
}

/*
 * The hashed form, probe @k: the longest [a-z0-9-] prefix of the old name
 * (at most HASHED_BASE_MAX bytes, trailing '-' dropped; "dev" when that
 * leaves nothing that starts alphanumeric) + "-" + 8 hex digits of FNV-1a
 * over (pci, ifname, old name, k). Stable across scans: no ifindex in it.
 */
static void hashed_name(const struct ent *e, uint32_t k, char *out, size_t n)
{
	const char *name = e->name ? e->name : "";
	uint32_t h = 2166136261u;
	unsigned char kb[4] = { (unsigned char)(k >> 24), (unsigned char)(k >> 16),
				(unsigned char)(k >> 8), (unsigned char)k };
	size_t len = 0;

	while (len < HASHED_BASE_MAX && (is_alnum_lower(name[len]) || name[len] == '-'))
		len++;
	while (len > 0 && name[len - 1] == '-')
		len--;
	if (len == 0 || !is_alnum_lower(name[0])) {
		memcpy(out, "dev", 3);
		len = 3;
	} else {
		memcpy(out, name, len);
	}
	h = fnv1a_str(h, e->d->pci);
	h = fnv1a_str(h, e->d->ifname);
	h = fnv1a_str(h, e->name);
	h = fnv1a(h, kb, sizeof(kb));
	snprintf(out + len, n - len, "-%08x", (unsigned)h);
}

/* Give @e a name no other device has; record it in @taken. */
static int rename_one(struct ent *e, struct nameset *taken, struct arena *a)
{
	char buf[INV_NAME_MAX + 1];
	char *name;

	if (primary_name(e, buf, sizeof(buf)) <= 0 || set_has(taken, buf)) {
		uint32_t k;

		for (k = 0; k < HASH_PROBES_MAX; k++) {
			hashed_name(e, k, buf, sizeof(buf));
			if (!set_has(taken, buf))
				break;
		}
		if (k == HASH_PROBES_MAX)
			return -EEXIST;
	}
	name = arena_strdup(a, buf);
	if (!name)
		return -ENOMEM;
	set_add(taken, name);
	e->d->name = name;
	return 0;
}

int inv_names_dedupe(struct inv_device *devs, size_t n, struct arena *a)
{
	struct ent *ent, **losers;
	struct nameset taken;
	size_t n_losers = 0, slots = 16;
	int ret;

	if (n == 0)
		return 0;
	if (!devs || !a)
		return -EINVAL;
	/* Every name (winners + renamed) fits at a load factor under 1/2. */
	while (slots < 2 * n + 2) {
		if (size_mul_overflows(slots, (size_t)2, &slots))
			return -ENOMEM;
	}
	ent = arena_calloc(a, n, sizeof(*ent));
	losers = arena_calloc(a, n, sizeof(*losers));
	taken.slot = arena_calloc(a, slots, sizeof(*taken.slot));
	if (!ent || !losers || !taken.slot)
		return -ENOMEM;
	taken.mask = slots - 1;
	for (size_t i = 0; i < n; i++) {
		ent[i] = (struct ent){ .d = &devs[i], .name = devs[i].name, .idx = i };
		ent[i].rank = rank_of(&devs[i]);
		ent[i].label = inv_is_dns_label(devs[i].name);
	}
	qsort(ent, n, sizeof(*ent), cmp_by_name);
	/* The first of each group of one valid name keeps it. */
	for (size_t i = 0; i < n; i++) {
		if (ent[i].label &&
		    (i == 0 || !ent[i - 1].label || strcmp(ent[i - 1].name, ent[i].name) != 0))
			set_add(&taken, ent[i].name);
		else
			losers[n_losers++] = &ent[i];
	}
	/* Losers choose in identity order, so the dump order never matters. */
	qsort(losers, n_losers, sizeof(*losers), cmp_by_identity);
	for (size_t i = 0; i < n_losers; i++) {
		ret = rename_one(losers[i], &taken, a);
		if (ret < 0)
			return ret;
	}
	return (int)n_losers;
}
