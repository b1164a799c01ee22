// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz lib/nl's attribute parser: the input is a raw attribute stream, walked
 * with a callback that validates each attribute as a kind chosen by its type
 * (and descends one level into those that validate as nested), then parsed
 * into a table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nl/nl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
	unsigned depth;
	uint64_t sum;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct state *st = data;
	enum nl_attr_kind kind = (enum nl_attr_kind)(nl_attr_type(a) % (NL_ATTR_FLAG + 1));
	int ret;

	if (nl_attr_validate(a, kind) < 0)
		return 0; /* skipped, as callbacks do with attributes they cannot use */
	switch (kind) {
	case NL_ATTR_U8:
		st->sum += nl_attr_get_u8(a);
		break;
	case NL_ATTR_U16:
		st->sum += nl_attr_get_u16(a);
		break;
	case NL_ATTR_U32:
	case NL_ATTR_S32:
		st->sum += nl_attr_get_u32(a);
		break;
	case NL_ATTR_U64:
		st->sum += nl_attr_get_u64(a);
		break;
	case NL_ATTR_STRZ:
		st->sum += strlen(nl_attr_get_str(a));
		break;
	case NL_ATTR_BINARY:
		if (nl_attr_len(a))
			st->sum += ((const uint8_t *)nl_attr_data(a))[nl_attr_len(a) - 1];
		break;
	case NL_ATTR_NESTED:
		if (st->depth >= 2)
			break;
		st->depth++;
		ret = nl_attr_parse_nested(a, attr_cb, st);
		st->depth--;
		return ret;
	case NL_ATTR_FLAG:
		st->sum++;
		break;
	}
	return 0;
}

static volatile uint64_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct nlattr *tb[65];
	struct state st = { 0 };
	uint8_t *p = malloc(size ? size : 1);

	/* An exact-size, aligned copy: ASan sees any read past the end. */
	if (!p)
		return 0;
	memcpy(p, data, size);
	if (nl_attr_parse_payload(p, size, attr_cb, &st) < 0)
		st.sum++;
	if (nl_attr_parse_table(p, size, tb, 64) == 0) {
		for (unsigned i = 0; i <= 64; i++)
			if (tb[i] && nl_attr_validate(tb[i], NL_ATTR_STRZ) == 0)
				st.sum += strlen(nl_attr_get_str(tb[i]));
	}
	free(p);
	sink = st.sum; /* keep the work observable */
	return 0;
}
