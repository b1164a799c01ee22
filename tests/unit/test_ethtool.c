// SPDX-License-Identifier: Apache-2.0
/*
 * lib/nl ethtool tests: bitsets in both forms from hand-built attributes
 * (include/uapi/linux/ethtool_netlink.h, Documentation/networking/
 * ethtool-netlink.rst "Bit sets"), the request encoding byte for byte, real
 * kernel replies captured on veth (tests/data/nl/ethtool/capture.py, an
 * independent Python client), compact and verbose replies decoding alike,
 * truncation and corruption at every offset, arena-cap sweeps, and the
 * legacy feature-name table against hand-written expectations. The live
 * kernel is exercised by tests/e2e/20-ethtool.t against ethtool(8).
 */
#include "nl/nl.h"

#include <errno.h>
#include <linux/ethtool_netlink.h>
#include <net/if.h>
#include <sched.h>
#include <linux/genetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl/internal.h"
#include "t.h"

#define DATA "tests/data/nl/ethtool/"

/* Test-only state: did main() get us into a private network namespace? */
static int netns_err = -1;

/* ------------------------------------------------ a hand-made attribute writer */

struct hb {
	uint8_t b[4096] __attribute__((aligned(4)));
	size_t len;
	size_t stack[8];
	int depth;
};

static void hb_attr(struct hb *h, uint16_t type, const void *p, size_t n)
{
	uint16_t l = (uint16_t)(4 + n);

	memcpy(h->b + h->len, &l, 2);
	memcpy(h->b + h->len + 2, &type, 2);
	if (n)
		memcpy(h->b + h->len + 4, p, n);
	h->len += (4 + n + 3) & ~(size_t)3;
}

static void hb_u32(struct hb *h, uint16_t type, uint32_t v)
{
	hb_attr(h, type, &v, 4);
}

static void hb_str(struct hb *h, uint16_t type, const char *s)
{
	hb_attr(h, type, s, strlen(s) + 1);
}

static void hb_open(struct hb *h, uint16_t type)
{
	h->stack[h->depth++] = h->len;
	hb_attr(h, type | NLA_F_NESTED, NULL, 0);
}

static void hb_close(struct hb *h)
{
	size_t at = h->stack[--h->depth];
	uint16_t l = (uint16_t)(h->len - at);

	memcpy(h->b + at, &l, 2);
}

static const struct nlattr *hb_first(const struct hb *h)
{
	return (const struct nlattr *)h->b;
}

static const char *const names5[] = { "a0", "b1", "c2", "d3", "e4" };

/* ---------------------------------------------------------------- bitsets */

static void test_bitset_compact(void)
{
	struct nl_bitset bs;
	uint32_t val[2] = { 0x80000001u, 0xffffffffu }, mask[2] = { 0x80000003u, 0x00000081u };
	struct hb h = { .len = 0 };

	/* 40 bits, mask form: the words beyond bit 39 are padding and cleared. */
	hb_open(&h, 1);
	hb_u32(&h, ETHTOOL_A_BITSET_SIZE, 40);
	hb_attr(&h, ETHTOOL_A_BITSET_VALUE, val, 8);
	hb_attr(&h, ETHTOOL_A_BITSET_MASK, mask, 8);
	hb_close(&h);
	REQUIRE(nl_ethtool_bitset_decode(hb_first(&h), NULL, 0, &bs) == 0);
	CHECK_EQ(bs.nbits, 40);
	CHECK(bs.has_mask);
	CHECK(nl_bitset_test(bs.value, bs.nbits, 0));
	CHECK(!nl_bitset_test(bs.value, bs.nbits, 1));
	CHECK(nl_bitset_test(bs.value, bs.nbits, 31));
	CHECK(nl_bitset_test(bs.value, bs.nbits, 39));
	CHECK(!nl_bitset_test(bs.value, bs.nbits, 40));
	CHECK_EQ(bs.value[1], 0xff);
	CHECK(nl_bitset_test(bs.mask, bs.nbits, 1));
	CHECK(nl_bitset_test(bs.mask, bs.nbits, 39));
	CHECK(!nl_bitset_test(bs.mask, bs.nbits, 38));

	/* List form (NOMASK): only VALUE. */
	h.len = 0;
	hb_open(&h, 1);
	hb_attr(&h, ETHTOOL_A_BITSET_NOMASK, NULL, 0);
	hb_u32(&h, ETHTOOL_A_BITSET_SIZE, 5);
	hb_attr(&h, ETHTOOL_A_BITSET_VALUE, (uint32_t[]){ 0x12 }, 4);
	hb_close(&h);
	REQUIRE(nl_ethtool_bitset_decode(hb_first(&h), NULL, 0, &bs) == 0);
	CHECK(!bs.has_mask);
	CHECK_EQ(bs.value[0], 0x12);

	/* Malformed: VALUE of the wrong length, NOMASK with a MASK, mask form without one. */
	h.len = 0;
	hb_open(&h, 1);
	hb_u32(&h, ETHTOOL_A_BITSET_SIZE, 33);
	hb_attr(&h, ETHTOOL_A_BITSET_VALUE, val, 4);
	hb_attr(&h, ETHTOOL_A_BITSET_MASK, mask, 4);
	hb_close(&h);
	CHECK_EQ(nl_ethtool_bitset_decode(hb_first(&h), NULL, 0, &bs), -EBADMSG);
	h.len = 0;
	hb_open(&h, 1);
	hb_attr(&h, ETHTOOL_A_BITSET_NOMASK, NULL, 0);
	hb_u32(&h, ETHTOOL_A_BITSET_SIZE, 32);
	hb_attr(&h, ETHTOOL_A_BITSET_VALUE, val, 4);
	hb_attr(&h, ETHTOOL_A_BITSET_MASK, mask, 4);
	hb_close(&h);
	CHECK_EQ(nl_ethtool_bitset_decode(hb_first(&h), NULL, 0, &bs), -EBADMSG);
	h.len = 0;
	hb_open(&h, 1);
	hb_u32(&h, ETHTOOL_A_BITSET_SIZE, 32);
	hb_attr(&h, ETHTOOL_A_BITSET_VALUE, val, 4);
	hb_close(&h);
	CHECK_EQ(nl_ethtool_bitset_decode(hb_first(&h), NULL, 0, &bs), -EBADMSG);
	/* No SIZE; SIZE not a u32; NOMASK with a payload. */
	h.len = 0;
	hb_open(&h, 1);
	hb_attr(&h, ETHTOOL_A_BITSET_NOMASK, NULL, 0);
	hb_attr(&h, ETHTOOL_A_BITSET_VALUE, val, 4);
	hb_close(&h);
	CHECK_EQ(nl_ethtool_bitset_decode(hb_first(&h), NULL, 0, &bs), -EBADMSG);
	h.len = 0;
	hb_open(&h, 1);
	hb_attr(&h, ETHTOOL_A_BITSET_SIZE, val, 2);
	hb_close(&h);
	CHECK_EQ(nl_ethtool_bitset_decode(hb_first(&h), NULL, 0, &bs), -EBADMSG);
	h.len = 0;
	hb_open(&h, 1);
	hb_u32(&h, ETHTOOL_A_BITSET_NOMASK, 1);
	hb_u32(&h, ETHTOOL_A_BITSET_SIZE, 0);
	hb_close(&h);
	CHECK_EQ(nl_ethtool_bitset_decode(hb_first(&h), NULL, 0, &bs), -EBADMSG);
	/* Exactly at the limit, and one over. */
	{
		static uint32_t big[NL_ETHTOOL_BITS_MAX / 32 + 1];

		h.len = 0;
		hb_open(&h, 1);
		hb_attr(&h, ETHTOOL_A_BITSET_NOMASK, NULL, 0);
		hb_u32(&h, ETHTOOL_A_BITSET_SIZE, NL_ETHTOOL_BITS_MAX);
		hb_attr(&h, ETHTOOL_A_BITSET_VALUE, big, NL_ETHTOOL_BITS_MAX / 8);
		hb_close(&h);
		CHECK_EQ(nl_ethtool_bitset_decode(hb_first(&h), NULL, 0, &bs), 0);
		h.len = 0;
		hb_open(&h, 1);
		hb_attr(&h, ETHTOOL_A_BITSET_NOMASK, NULL, 0);
		hb_u32(&h, ETHTOOL_A_BITSET_SIZE, NL_ETHTOOL_BITS_MAX + 1);
		hb_attr(&h, ETHTOOL_A_BITSET_VALUE, big, NL_ETHTOOL_BITS_MAX / 8 + 4);
		hb_close(&h);
		CHECK_EQ(nl_ethtool_bitset_decode(hb_first(&h), NULL, 0, &bs), -EMSGSIZE);
	}
}

static void hb_bit(struct hb *h, int idx, const char *name, bool value)
{
	hb_open(h, ETHTOOL_A_BITSET_BITS_BIT);
	if (idx >= 0)
		hb_u32(h, ETHTOOL_A_BITSET_BIT_INDEX, (uint32_t)idx);
	if (name)
		hb_str(h, ETHTOOL_A_BITSET_BIT_NAME, name);
	if (value)
		hb_attr(h, ETHTOOL_A_BITSET_BIT_VALUE, NULL, 0);
	hb_close(h);
}

static int verbose1(bool nomask, int idx, const char *name, bool value)
{
	struct nl_bitset bs;
	struct hb h = { .len = 0 };

	hb_open(&h, 1);
	if (nomask)
		hb_attr(&h, ETHTOOL_A_BITSET_NOMASK, NULL, 0);
	hb_u32(&h, ETHTOOL_A_BITSET_SIZE, 5);
	hb_open(&h, ETHTOOL_A_BITSET_BITS);
	hb_bit(&h, idx, name, value);
	hb_close(&h);
	hb_close(&h);
	return nl_ethtool_bitset_decode(hb_first(&h), names5, 5, &bs);
}

static void test_bitset_verbose(void)
{
	struct nl_bitset bs;
	struct hb h = { .len = 0 };

	/* List form: the listed bits are set (the kernel sends index and name). */
	hb_open(&h, 1);
	hb_attr(&h, ETHTOOL_A_BITSET_NOMASK, NULL, 0);
	hb_u32(&h, ETHTOOL_A_BITSET_SIZE, 5);
	hb_open(&h, ETHTOOL_A_BITSET_BITS);
	hb_bit(&h, 1, "b1", false);
	hb_bit(&h, 4, "e4", false);
	hb_u32(&h, 7, 42); /* an unknown attribute type is skipped */
	hb_close(&h);
	hb_close(&h);
	REQUIRE(nl_ethtool_bitset_decode(hb_first(&h), names5, 5, &bs) == 0);
	CHECK(!bs.has_mask);
	CHECK_EQ(bs.value[0], 0x12);

	/* Mask form: listed bits are in the mask, VALUE flags the set ones; names alone work. */
	h.len = 0;
	hb_open(&h, 1);
	hb_u32(&h, ETHTOOL_A_BITSET_SIZE, 5);
	hb_open(&h, ETHTOOL_A_BITSET_BITS);
	hb_bit(&h, -1, "a0", true);
	hb_bit(&h, 2, NULL, false);
	hb_bit(&h, -1, "d3", true);
	hb_close(&h);
	hb_close(&h);
	REQUIRE(nl_ethtool_bitset_decode(hb_first(&h), names5, 5, &bs) == 0);
	CHECK(bs.has_mask);
	CHECK_EQ(bs.value[0], 0x9);
	CHECK_EQ(bs.mask[0], 0xd);

	CHECK_EQ(verbose1(true, 3, "d3", false), 0);
	CHECK_EQ(verbose1(true, 5, "f5", false), -EBADMSG); /* index past SIZE */
	CHECK_EQ(verbose1(false, -1, "zz", true), -EBADMSG); /* unknown name */
	CHECK_EQ(verbose1(false, -1, NULL, true), -EBADMSG); /* neither index nor name */
	/* A name longer than ETH_GSTRING_LEN. */
	CHECK_EQ(verbose1(false, 1, "0123456789012345678901234567890123", true), -EBADMSG);
	/* A VALUE flag with a payload, a BITS that is not a nest. */
	h.len = 0;
	hb_open(&h, 1);
	hb_u32(&h, ETHTOOL_A_BITSET_SIZE, 5);
	hb_open(&h, ETHTOOL_A_BITSET_BITS);
	hb_open(&h, ETHTOOL_A_BITSET_BITS_BIT);
	hb_u32(&h, ETHTOOL_A_BITSET_BIT_INDEX, 1);
	hb_u32(&h, ETHTOOL_A_BITSET_BIT_VALUE, 1);
	hb_close(&h);
	hb_close(&h);
	hb_close(&h);
	CHECK_EQ(nl_ethtool_bitset_decode(hb_first(&h), names5, 5, &bs), -EBADMSG);
	h.len = 0;
	hb_open(&h, 1);
	hb_u32(&h, ETHTOOL_A_BITSET_SIZE, 5);
	hb_attr(&h, ETHTOOL_A_BITSET_BITS, "ab", 2);
	hb_close(&h);
	CHECK_EQ(nl_ethtool_bitset_decode(hb_first(&h), names5, 5, &bs), -EBADMSG);
}

/* The request encoding, byte for byte against the uapi layout. */
static void test_bitset_put(void)
{
	uint8_t buf[256] __attribute__((aligned(4)));
	const struct nl_ethtool_flag req[] = { { "rx-gro", true }, { "highdma", false } };
	struct nlmsghdr *nlh = nl_msg_put_header(buf, sizeof(buf), 21, 0);
	struct hb h = { .len = 0 };
	struct nl_bitset bs;
	const char *const names[] = { "highdma", "x", "rx-gro" };

	REQUIRE(nlh);
	REQUIRE(nl_ethtool_bitset_put(nlh, sizeof(buf), ETHTOOL_A_FEATURES_WANTED, req, 2));
	hb_open(&h, ETHTOOL_A_FEATURES_WANTED);
	hb_open(&h, ETHTOOL_A_BITSET_BITS);
	hb_bit(&h, -1, "rx-gro", true);
	hb_bit(&h, -1, "highdma", false);
	hb_close(&h);
	hb_close(&h);
	REQUIRE(nlh->nlmsg_len == NLMSG_HDRLEN + h.len);
	CHECK_MEM(buf + NLMSG_HDRLEN, h.b, h.len);
	/* It decodes back (no SIZE in a request: the kernel knows it; add one to decode). */
	h.len = 0;
	hb_open(&h, 1);
	hb_u32(&h, ETHTOOL_A_BITSET_SIZE, 3);
	memcpy(h.b + h.len, buf + NLMSG_HDRLEN + 4, nlh->nlmsg_len - NLMSG_HDRLEN - 4);
	h.len += nlh->nlmsg_len - NLMSG_HDRLEN - 4;
	hb_close(&h);
	REQUIRE(nl_ethtool_bitset_decode(hb_first(&h), names, 3, &bs) == 0);
	CHECK_EQ(bs.mask[0], 0x5);
	CHECK_EQ(bs.value[0], 0x4);
	/* Too small a buffer, a name over ETH_GSTRING_LEN. */
	nlh = nl_msg_put_header(buf, 40, 21, 0);
	CHECK(!nl_ethtool_bitset_put(nlh, 40, ETHTOOL_A_FEATURES_WANTED, req, 2));
	nlh = nl_msg_put_header(buf, sizeof(buf), 21, 0);
	CHECK(!nl_ethtool_bitset_put(
		nlh, sizeof(buf), 3,
		&(struct nl_ethtool_flag){ "0123456789012345678901234567890123", true }, 1));
}

/* ---------------------------------------------------- real kernel replies */

struct blob {
	uint8_t *p;
	size_t len;
};

static struct blob load(const char *name)
{
	char path[256];
	struct blob b = { 0 };
	FILE *f;
	long n;

	snprintf(path, sizeof(path), DATA "%s", name);
	f = fopen(path, "rb");
	if (!f)
		return b;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		b.p = malloc((size_t)n);
		if (b.p && fread(b.p, 1, (size_t)n, f) == (size_t)n)
			b.len = (size_t)n;
	}
	fclose(f);
	return b;
}

static const struct nl_feature *feat(const struct nl_feature *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return &f[i];
	return NULL;
}

static void test_real_replies(void)
{
	struct blob ss = load("strset-features.bin"), sp = load("strset-privflags.bin");
	struct blob fc = load("features-compact.bin"), fv = load("features-verbose.bin");
	struct blob sc = load("features-set-compact.bin"), sv = load("features-set-verbose.bin");
	struct arena *a = arena_new(1 << 20);
	const char **names, **pnames;
	struct nl_feature *f1, *f2;
	const struct nl_feature *x;
	struct nl_ethtool_flag *pf;
	size_t n, np, n1, n2;
	char *failed;

	REQUIRE(a && ss.len && sp.len && fc.len && fv.len && sc.len && sv.len);
	REQUIRE(nl_ethtool_strset_decode((struct nlmsghdr *)ss.p, ETH_SS_FEATURES, a, &names, &n) ==
		0);
	CHECK_EQ(n, 64);
	CHECK_STR(names[0], "tx-scatter-gather");
	CHECK_STR(names[2], ""); /* reserved bits have empty names */
	CHECK_STR(names[5], "highdma");
	CHECK_STR(names[16], "tx-tcp-segmentation");
	/* Asking the features reply for another set: it is not there. */
	CHECK_EQ(nl_ethtool_strset_decode((struct nlmsghdr *)ss.p, ETH_SS_PRIV_FLAGS, a, &pnames,
					  &np),
		 0);
	CHECK_EQ(np, 0);
	/* veth has no private flags: the kernel leaves the set out. */
	CHECK_EQ(nl_ethtool_strset_decode((struct nlmsghdr *)sp.p, ETH_SS_PRIV_FLAGS, a, &pnames,
					  &np),
		 0);
	CHECK_EQ(np, 0);

	/* Compact and verbose replies of the same state decode alike. */
	REQUIRE(nl_ethtool_features_decode((struct nlmsghdr *)fc.p, names, n, a, &f1, &n1) == 0);
	REQUIRE(nl_ethtool_features_decode((struct nlmsghdr *)fv.p, names, n, a, &f2, &n2) == 0);
	REQUIRE(n1 == n2);
	CHECK(n1 >= 60 && n1 <= 64);
	for (size_t i = 0; i < n1; i++) {
		CHECK_STR(f1[i].name, f2[i].name);
		CHECK(f1[i].active == f2[i].active && f1[i].wanted == f2[i].wanted &&
		      f1[i].hw == f2[i].hw && f1[i].nochange == f2[i].nochange);
	}
	/* What `ethtool -k` showed for a fresh veth when the capture ran. */
	x = feat(f1, n1, "tx-scatter-gather");
	CHECK(x && x->active && x->hw && !nl_feature_is_fixed(x));
	x = feat(f1, n1, "rx-lro");
	CHECK(x && !x->active && nl_feature_is_fixed(x));
	x = feat(f1, n1, "rx-vlan-filter");
	CHECK(x && !x->active && nl_feature_is_fixed(x));
	x = feat(f1, n1, "rx-gro");
	CHECK(x && !x->active && !nl_feature_is_fixed(x));
	x = feat(f1, n1, "highdma");
	CHECK(x && x->active && !nl_feature_is_fixed(x));
	x = feat(f1, n1, "vlan-challenged");
	CHECK(x && nl_feature_is_fixed(x));

	/* sg off + tso on: the kernel drops TSO, the WANTED diff names it (both forms). */
	REQUIRE(nl_ethtool_features_set_decode((struct nlmsghdr *)sc.p, names, n, a, &failed) == 0);
	CHECK_STR(failed, "tx-tcp-segmentation");
	REQUIRE(nl_ethtool_features_set_decode((struct nlmsghdr *)sv.p, names, n, a, &failed) == 0);
	CHECK_STR(failed, "tx-tcp-segmentation");
	/* Without names the bit is still named, by number. */
	REQUIRE(nl_ethtool_features_set_decode((struct nlmsghdr *)sc.p, NULL, 0, a, &failed) == 0);
	CHECK_STR(failed, "bit16");
	/* The wrong decoder for a message: its genl command does not match. */
	CHECK_EQ(nl_ethtool_features_decode((struct nlmsghdr *)sc.p, names, n, a, &f1, &n1),
		 -EBADMSG);
	CHECK_EQ(nl_ethtool_privflags_decode((struct nlmsghdr *)fc.p, names, n, a, &pf, &np),
		 -EBADMSG);
	CHECK_EQ(nl_ethtool_strset_decode((struct nlmsghdr *)fc.p, 4, a, &names, &n), -EBADMSG);
	arena_free(a);
	free(ss.p);
	free(sp.p);
	free(fc.p);
	free(fv.p);
	free(sc.p);
	free(sv.p);
}

/* A hand-built PRIVFLAGS_GET_REPLY (compact list) and its strings. */
static void test_privflags_decode(void)
{
	struct arena *a = arena_new(1 << 16);
	struct hb h = { .len = 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)h.b;
	struct nl_ethtool_flag *pf;
	struct genlmsghdr g = { .cmd = ETHTOOL_MSG_PRIVFLAGS_GET_REPLY, .version = 1 };
	const char *const names[] = { "legacy-rx", "", "disable-fw-lldp" };
	size_t n;

	REQUIRE(a);
	h.len = NLMSG_HDRLEN;
	memcpy(h.b + h.len, &g, sizeof(g));
	h.len += sizeof(g);
	hb_open(&h, ETHTOOL_A_PRIVFLAGS_HEADER);
	hb_u32(&h, ETHTOOL_A_HEADER_DEV_INDEX, 3);
	hb_close(&h);
	hb_open(&h, ETHTOOL_A_PRIVFLAGS_FLAGS);
	hb_attr(&h, ETHTOOL_A_BITSET_NOMASK, NULL, 0);
	hb_u32(&h, ETHTOOL_A_BITSET_SIZE, 3);
	hb_attr(&h, ETHTOOL_A_BITSET_VALUE, (uint32_t[]){ 0x4 }, 4);
	hb_close(&h);
	nlh->nlmsg_len = (uint32_t)h.len;
	nlh->nlmsg_type = 21;
	REQUIRE(nl_ethtool_privflags_decode(nlh, names, 3, a, &pf, &n) == 0);
	REQUIRE(n == 2); /* the unnamed bit is left out */
	CHECK_STR(pf[0].name, "legacy-rx");
	CHECK(!pf[0].on);
	CHECK_STR(pf[1].name, "disable-fw-lldp");
	CHECK(pf[1].on);
	/* Without FLAGS: malformed. */
	nlh->nlmsg_len = NLMSG_HDRLEN + 4 + 12;
	CHECK_EQ(nl_ethtool_privflags_decode(nlh, names, 3, a, &pf, &n), -EBADMSG);
	arena_free(a);
}

/* Every decoder on one message: 0 or a negative errno, never a crash. */
static int decode_any(const struct nlmsghdr *nlh, const char *const *names, size_t n,
		      struct arena *a)
{
	const char **nm;
	struct nl_feature *f;
	struct nl_ethtool_flag *pf;
	size_t k;
	char *failed;
	int r = 0;

	r |= nl_ethtool_strset_decode(nlh, ETH_SS_FEATURES, a, &nm, &k) < 0;
	r |= (nl_ethtool_features_decode(nlh, names, n, a, &f, &k) < 0) << 1;
	r |= (nl_ethtool_privflags_decode(nlh, names, n, a, &pf, &k) < 0) << 2;
	r |= (nl_ethtool_features_set_decode(nlh, names, n, a, &failed) < 0) << 3;
	return r;
}

/* Truncated at every length and each byte corrupted: clean errors, no crash (ASan). */
static void test_truncate_corrupt(void)
{
	static const char *const files[] = { "strset-features.bin", "features-compact.bin",
					     "features-verbose.bin", "features-set-compact.bin",
					     "features-set-verbose.bin" };
	struct blob ss = load("strset-features.bin");
	struct arena *a = arena_new(1 << 20), *scratch = arena_new(1 << 20);
	const char **names;
	struct nl_feature *f;
	size_t n, k;

	REQUIRE(a && scratch && ss.len);
	REQUIRE(nl_ethtool_strset_decode((struct nlmsghdr *)ss.p, ETH_SS_FEATURES, a, &names, &n) ==
		0);
	for (size_t fi = 0; fi < sizeof(files) / sizeof(files[0]); fi++) {
		struct blob b = load(files[fi]);

		REQUIRE(b.len);
		/* The whole message decodes with exactly one of the decoders. */
		CHECK_EQ(__builtin_popcount(~decode_any((struct nlmsghdr *)b.p, names, n, scratch) &
					    0xf),
			 1);
		for (size_t len = NLMSG_HDRLEN; len < b.len; len++) {
			uint8_t *p = malloc(len);
			struct nlmsghdr *nlh = (struct nlmsghdr *)p;

			REQUIRE(p);
			memcpy(p, b.p, len);
			nlh->nlmsg_len = (uint32_t)len;
			/* A GET reply cut anywhere lacks a required part: -EBADMSG. */
			if (fi == 1 || fi == 2)
				CHECK_EQ(nl_ethtool_features_decode(nlh, names, n, scratch, &f, &k),
					 -EBADMSG);
			(void)decode_any(nlh, names, n, scratch);
			arena_reset(scratch);
			free(p);
		}
		for (size_t i = NLMSG_HDRLEN; i < b.len; i++) {
			uint8_t *p = malloc(b.len);

			REQUIRE(p);
			memcpy(p, b.p, b.len);
			p[i] ^= 0xff;
			(void)decode_any((struct nlmsghdr *)p, names, n, scratch);
			arena_reset(scratch);
			free(p);
		}
		free(b.p);
	}
	arena_free(scratch);
	arena_free(a);
	free(ss.p);
}

/* Arena caps from 0 up: -ENOMEM until the decode fits, then 0. */
static void test_arena_sweep(void)
{
	struct blob ss = load("strset-features.bin"), fc = load("features-compact.bin");
	struct blob sc = load("features-set-compact.bin");
	const struct nl_ethtool_flag in[] = { { "tso", true },
					      { "gro", false },
					      { "highdma", true } };

	REQUIRE(ss.len && fc.len && sc.len);
	for (size_t cap = 0;; cap += 64) {
		struct arena *t = arena_new(cap);
		const char **names;
		struct nl_feature *f;
		struct nl_ethtool_flag *out;
		size_t n, nf, no;
		char *failed;
		int ret = t ? 0 : -ENOMEM;

		if (!ret)
			ret = nl_ethtool_strset_decode((struct nlmsghdr *)ss.p, ETH_SS_FEATURES, t,
						       &names, &n);
		if (!ret)
			ret = nl_ethtool_features_decode((struct nlmsghdr *)fc.p, names, n, t, &f,
							 &nf);
		if (!ret)
			ret = nl_ethtool_features_translate(f, nf, in, 3, t, &out, &no, NULL, 0);
		if (!ret)
			ret = nl_ethtool_features_set_decode((struct nlmsghdr *)sc.p, names, n, t,
							     &failed);
		arena_free(t);
		CHECK(ret == 0 || ret == -ENOMEM);
		if (ret == 0 || cap > (1u << 20)) {
			CHECK(ret == 0 && cap > 0);
			break;
		}
	}
	free(ss.p);
	free(fc.p);
	free(sc.p);
}

/* ------------------------------------------------------------ translation */

/* The kernel names a request maps to, sorted and joined ("" on error). */
static void translate1(const struct nl_feature *f, size_t nf, const char *name, char *out,
		       size_t len, int *ret)
{
	struct arena *a = arena_new(1 << 16);
	struct nl_ethtool_flag in = { name, true }, *o;
	char why[128];
	size_t n;

	out[0] = '\0';
	*ret = nl_ethtool_features_translate(f, nf, &in, 1, a, &o, &n, why, sizeof(why));
	if (*ret == 0) {
		/* Feature order is the kernel's; the expectations below follow it. */
		for (size_t i = 0; i < n; i++) {
			strncat(out, i ? " " : "", len - strlen(out) - 1);
			strncat(out, o[i].name, len - strlen(out) - 1);
		}
	} else {
		snprintf(out, len, "%s", why);
	}
	arena_free(a);
}

static void test_translate_table(void)
{
	/* Hand-written from the §6.5 table and the names of this kernel's veth capture. */
	static const struct {
		const char *s, *l, *want;
	} cases[] = {
		{ "rx", "rx-checksumming", "rx-checksum" },
		{ "tx", "tx-checksumming",
		  "tx-checksum-ipv4 tx-checksum-ip-generic tx-checksum-ipv6 tx-checksum-fcoe-crc "
		  "tx-checksum-sctp" },
		{ "sg", "scatter-gather", "tx-scatter-gather tx-scatter-gather-fraglist" },
		{ "tso", "tcp-segmentation-offload",
		  "tx-tcp-segmentation tx-tcp-ecn-segmentation tx-tcp-mangleid-segmentation "
		  "tx-tcp6-segmentation tx-tcp-accecn-segmentation" },
		{ "gso", "generic-segmentation-offload", "tx-generic-segmentation" },
		{ "gro", "generic-receive-offload", "rx-gro" },
		{ "lro", "large-receive-offload", "rx-lro" },
		{ "rxvlan", "rx-vlan-offload", "rx-vlan-hw-parse" },
		{ "txvlan", "tx-vlan-offload", "tx-vlan-hw-insert" },
		{ "ntuple", "ntuple-filters", "rx-ntuple-filter" },
		{ "rxhash", "receive-hashing", "rx-hashing" },
		/* UFO left the kernel in 4.14: the glob matches nothing. */
		{ "ufo", "udp-fragmentation-offload", NULL },
	};
	struct blob ss = load("strset-features.bin"), fc = load("features-compact.bin");
	struct arena *a = arena_new(1 << 20);
	const char **names;
	struct nl_feature *f;
	size_t n, nf;
	char got[512], want[128];
	int ret;

	REQUIRE(a && ss.len && fc.len);
	REQUIRE(nl_ethtool_strset_decode((struct nlmsghdr *)ss.p, ETH_SS_FEATURES, a, &names, &n) ==
		0);
	REQUIRE(nl_ethtool_features_decode((struct nlmsghdr *)fc.p, names, n, a, &f, &nf) == 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int k = 0; k < 2; k++) {
			const char *name = k ? cases[i].l : cases[i].s;

			translate1(f, nf, name, got, sizeof(got), &ret);
			if (cases[i].want) {
				CHECK_EQ(ret, 0);
				CHECK_STR(got, cases[i].want);
			} else {
				snprintf(want, sizeof(want),
					 "feature %s not supported by interface", name);
				CHECK_EQ(ret, -ENOENT);
				CHECK_STR(got, want);
			}
		}
	}
	/* Kernel names pass verbatim; unknown ones fail naming them. */
	translate1(f, nf, "rx-gro-list", got, sizeof(got), &ret);
	CHECK_EQ(ret, 0);
	CHECK_STR(got, "rx-gro-list");
	translate1(f, nf, "tx-tcp*", got, sizeof(got), &ret); /* not a legacy name: no glob */
	CHECK_EQ(ret, -ENOENT);
	translate1(f, nf, "TSO", got, sizeof(got), &ret);
	CHECK_EQ(ret, -ENOENT);
	CHECK_STR(got, "feature TSO not supported by interface");
	arena_free(a);
	free(ss.p);
	free(fc.p);
}

static void test_translate_rules(void)
{
	/* A device with a feature literally named "tso": verbatim beats the legacy glob. */
	struct nl_feature f[] = { { .name = "tso" },
				  { .name = "tx-tcp-segmentation" },
				  { .name = "tx-tcp6-segmentation" },
				  { .name = "rx-gro" } };
	const struct nl_ethtool_flag in[] = { { "tcp-segmentation-offload", true },
					      { "tso", false },
					      { "tx-tcp6-segmentation", false },
					      { "gro", true },
					      { "generic-receive-offload", false } };
	struct arena *a = arena_new(1 << 16);
	struct nl_ethtool_flag *o;
	char why[64];
	size_t n;

	REQUIRE(a);
	REQUIRE(nl_ethtool_features_translate(f, 4, in, 5, a, &o, &n, why, sizeof(why)) == 0);
	REQUIRE(n == 4);
	CHECK_STR(o[0].name, "tx-tcp-segmentation");
	CHECK(o[0].on);
	/* The later request wins for a name reached twice. */
	CHECK_STR(o[1].name, "tx-tcp6-segmentation");
	CHECK(!o[1].on);
	CHECK_STR(o[2].name, "tso");
	CHECK(!o[2].on);
	CHECK_STR(o[3].name, "rx-gro");
	CHECK(!o[3].on);
	/* Inputs are not modified (no shared map: upstream weakness 22). */
	CHECK_STR(in[0].name, "tcp-segmentation-offload");
	/* Nothing requested: nothing out; too many: -EINVAL; empty device: not supported. */
	CHECK_EQ(nl_ethtool_features_translate(f, 4, in, 0, a, &o, &n, why, sizeof(why)), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(nl_ethtool_features_translate(f, 4, in, NL_ETHTOOL_REQ_MAX + 1, a, &o, &n, why,
					       sizeof(why)),
		 -EINVAL);
	CHECK_EQ(nl_ethtool_features_translate(f, 0, in, 1, a, &o, &n, why, sizeof(why)), -ENOENT);
	CHECK_STR(why, "feature tcp-segmentation-offload not supported by interface");
	arena_free(a);
}

/* --------------------------------------------------------- the live kernel */

/* A veth in our private netns; the oracle for values is e2e 20 (ethtool -k). */
static void test_kernel_sweep(void)
{
	const struct nl_ethtool_flag req[] = { { "rx-gro", true }, { "highdma", false } };
	const struct nl_ethtool_flag fixed[] = { { "rx-vlan-filter", true } };
	const struct nl_ethtool_flag priv[] = { { "legacy-rx", true } };
	struct nl_ethtool_dev dev = { .ifname = "eth0t" }, missing = { .ifname = "nope0" };
	struct nl_ethtool_flag *pf;
	struct nl_feature *f;
	struct nl_sock *s = NULL;
	struct nl_ethtool e;
	struct arena *a;
	char why[256];
	size_t n;
	int ret;

	if (netns_err) {
		T_FAIL("no private network namespace: %s", strerror(-netns_err));
		return;
	}
	REQUIRE(system("ip link add eth0t type veth peer name eth1t") == 0);
	REQUIRE(nl_open(NETLINK_GENERIC, NULL, &s) == 0);
	REQUIRE(nl_ethtool_init(&e, s) == 0);
	CHECK(e.family >= GENL_MIN_ID);
	a = arena_new(1 << 20);
	REQUIRE(a);
	/* By name and by index: the same list. */
	REQUIRE(nl_ethtool_features_get(&e, &dev, a, &f, &n) == 0);
	CHECK(n >= 60);
	{
		struct nl_ethtool_dev byidx = { .ifindex = (int)if_nametoindex("eth0t") };
		struct nl_feature *f2;
		size_t n2;

		REQUIRE(byidx.ifindex > 0);
		REQUIRE(nl_ethtool_features_get(&e, &byidx, a, &f2, &n2) == 0);
		CHECK_EQ(n2, n);
		for (size_t i = 0; i < n && i < n2; i++)
			CHECK_STR(f[i].name, f2[i].name);
	}
	CHECK_EQ(nl_ethtool_features_get(&e, &missing, a, &f, &n), -ENODEV);
	CHECK_EQ(nl_genl_family(s, "no-such-family", &e.family), -ENOENT);
	REQUIRE(nl_ethtool_init(&e, s) == 0);
	/* Errors name the feature; -ENOENT and [fixed] are found before anything is sent. */
	CHECK_EQ(nl_ethtool_features_set(&e, &dev, fixed, 1, a, why, sizeof(why)), -EOPNOTSUPP);
	CHECK_STR(why, "could not set the following features: rx-vlan-filter [fixed]");
	CHECK_EQ(nl_ethtool_privflags_get(&e, &dev, a, &pf, &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(nl_ethtool_privflags_set(&e, &dev, priv, 1, a, why, sizeof(why)), -ENOENT);
	CHECK_STR(why, "private flag legacy-rx not supported by interface");
	/* Arena caps from 0 up: -ENOMEM until the get and the set fit, the socket usable. */
	for (size_t cap = 0;; cap += 1024) {
		struct arena *t = arena_new(cap);

		ret = t ? nl_ethtool_features_get(&e, &dev, t, &f, &n) : -ENOMEM;
		if (!ret) {
			arena_reset(t);
			ret = nl_ethtool_features_set(&e, &dev, req, 2, t, why, sizeof(why));
		}
		arena_free(t);
		CHECK(ret == 0 || ret == -ENOMEM);
		if (ret == 0 || cap > (1u << 20)) {
			CHECK(ret == 0 && cap > 0);
			break;
		}
	}
	REQUIRE(nl_ethtool_features_get(&e, &dev, a, &f, &n) == 0);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(f[i].name, "rx-gro") == 0)
			CHECK(f[i].active);
		if (strcmp(f[i].name, "highdma") == 0)
			CHECK(!f[i].active);
	}
	arena_free(a);
	nl_close(s);
	CHECK(system("ip link del eth0t") == 0);
}

static const struct t_case tests[] = {
	T(test_bitset_compact), T(test_bitset_verbose),	  T(test_bitset_put),
	T(test_real_replies),	T(test_privflags_decode), T(test_truncate_corrupt),
	T(test_arena_sweep),	T(test_translate_table),  T(test_translate_rules),
	T(test_kernel_sweep),
};

/* Our own network and mount namespaces: the host's links stay untouched. */
static int enter_netns(void)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		return -errno;
	return 0;
}

int main(void)
{
	netns_err = enter_netns();
	if (netns_err)
		fprintf(stderr, "unshare(CLONE_NEWNET): %s (the kernel tests need root)\n",
			strerror(-netns_err));
	return T_RUN(tests);
}
