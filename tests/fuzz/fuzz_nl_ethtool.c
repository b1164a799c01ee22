// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz lib/nl's ethtool reply decoders. Input: one selector byte, a u32
 * (little-endian) length L, L bytes of an ETHTOOL_MSG_STRSET_GET_REPLY whose
 * ETH_SS_FEATURES strings name the bits, then the reply to decode: 0 features
 * GET, 1 privflags GET, 2 features SET, 3 a raw stream of bitset attributes.
 * Seeds are replies captured from the kernel on veth
 * (tests/data/nl/ethtool/capture.py).
 */
#include <linux/ethtool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nl/internal.h"
#include "nl/nl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An exact-size, aligned copy whose nlmsg_len does not exceed it (the decoders' precondition). */
static struct nlmsghdr *msg_copy(const uint8_t *p, size_t n)
{
	struct nlmsghdr *nlh;

	if (n < NLMSG_HDRLEN)
		return NULL;
	nlh = malloc(n);
	if (!nlh)
		return NULL;
	memcpy(nlh, p, n);
	if (nlh->nlmsg_len > n)
		nlh->nlmsg_len = (uint32_t)n;
	return nlh;
}

struct bs_ctx {
	const char *const *names;
	size_t n;
	unsigned ok;
};

static int bitset_cb(const struct nlattr *a, void *data)
{
	struct bs_ctx *c = data;
	struct nl_bitset bs;

	if (nl_ethtool_bitset_decode(a, c->names, c->n, &bs) == 0)
		c->ok += nl_bitset_test(bs.value, bs.nbits, 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a;
	struct nlmsghdr *ss = NULL, *msg = NULL;
	const char **names = NULL;
	size_t n = 0, k;
	uint32_t l;
	uint8_t sel;

	if (size < 5)
		return 0;
	sel = data[0] % 4;
	l = (uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16 |
	    (uint32_t)data[4] << 24;
	data += 5;
	size -= 5;
	if (l > size)
		return 0;
	a = arena_new(1 << 20);
	if (!a)
		return 0;
	ss = msg_copy(data, l);
	if (ss && nl_ethtool_strset_decode(ss, ETH_SS_FEATURES, a, &names, &n) < 0) {
		names = NULL;
		n = 0;
	}
	data += l;
	size -= l;
	if (sel == 3) {
		struct bs_ctx c = { (const char *const *)names, n, 0 };
		uint8_t *p = malloc(size ? size : 1);

		if (p) {
			memcpy(p, data, size);
			if (nl_attr_parse_payload(p, size, bitset_cb, &c) < 0)
				c.ok = 0;
			free(p);
		}
		goto out;
	}
	msg = msg_copy(data, size);
	if (!msg)
		goto out;
	if (sel == 0) {
		struct nl_feature *f;

		if (nl_ethtool_features_decode(msg, (const char *const *)names, n, a, &f, &k) == 0)
			for (size_t i = 0; i < k; i++)
				(void)strlen(f[i].name);
	} else if (sel == 1) {
		struct nl_ethtool_flag *pf;

		if (nl_ethtool_privflags_decode(msg, (const char *const *)names, n, a, &pf, &k) ==
		    0)
			for (size_t i = 0; i < k; i++)
				(void)strlen(pf[i].name);
	} else {
		char *failed;

		if (nl_ethtool_features_set_decode(msg, (const char *const *)names, n, a,
						   &failed) == 0)
			(void)strlen(failed);
	}
out:
	free(msg);
	free(ss);
	arena_free(a);
	return 0;
}
