// SPDX-License-Identifier: Apache-2.0
/*
 * Ethtool over generic netlink: string sets, features and private flags,
 * get and set, bitsets in both forms, and upstream's legacy feature names.
 * Spec: include/uapi/linux/ethtool_netlink.h; Documentation/networking/
 * ethtool-netlink.rst ("Bit sets", FEATURES_GET/SET, PRIVFLAGS_GET/SET);
 * reference/upstream.md §6.5.
 */
#include "nl/nl.h"

#include <errno.h>
#include <fnmatch.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nl/internal.h"

/* A request: header, then at most NL_ETHTOOL_REQ_MAX named bits (~48 bytes each). */
#define REQ_BUF_SIZE (NL_BUF_SIZE + NL_ETHTOOL_REQ_MAX * 48u)

/* --------------------------------------------------------------- helpers */

/* tb[0..max] from a nested attribute; -EBADMSG when it is not a nest. */
static int nest_table(const struct nlattr *a, const struct nlattr **tb, uint16_t max)
{
	if (nl_attr_validate(a, NL_ATTR_NESTED) < 0)
		return -EBADMSG;
	return nl_attr_parse_table(nl_attr_data(a), nl_attr_len(a), tb, max);
}

/* A NUL-terminated name of at most NL_ETHTOOL_NAME_MAX bytes with its NUL. */
static const char *get_name(const struct nlattr *a)
{
	if (nl_attr_validate(a, NL_ATTR_STRZ) < 0 || nl_attr_len(a) > NL_ETHTOOL_NAME_MAX)
		return NULL;
	return nl_attr_get_str(a);
}

static void set_bit(uint32_t *words, uint32_t i)
{
	words[i / 32] |= 1u << (i % 32);
}

static void PRINTF_LIKE(3, 4) fmt_why(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !why_len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
}

/* Append ", name" (or "name" first) to the arena string *s. -ENOMEM at the cap. */
static int join_name(struct arena *a, char **s, const char *name)
{
	char *n = *s ? arena_printf(a, "%s, %s", *s, name) : arena_strdup(a, name);

	if (!n)
		return -ENOMEM;
	*s = n;
	return 0;
}

/* ---------------------------------------------------------------- bitsets */

struct bits_ctx {
	const char *const *names;
	size_t n_names;
	struct nl_bitset *out;
};

static int bit_index(const struct nlattr **tb, const struct bits_ctx *c, uint32_t *idx)
{
	const char *name;

	if (tb[ETHTOOL_A_BITSET_BIT_INDEX]) {
		if (nl_attr_validate(tb[ETHTOOL_A_BITSET_BIT_INDEX], NL_ATTR_U32) < 0)
			return -EBADMSG;
		*idx = nl_attr_get_u32(tb[ETHTOOL_A_BITSET_BIT_INDEX]);
		return 0;
	}
	if (!tb[ETHTOOL_A_BITSET_BIT_NAME])
		return -EBADMSG;
	name = get_name(tb[ETHTOOL_A_BITSET_BIT_NAME]);
	if (!name)
		return -EBADMSG;
	for (size_t i = 0; i < c->n_names; i++) {
		if (c->names[i] && strcmp(c->names[i], name) == 0) {
			*idx = (uint32_t)i;
			return 0;
		}
	}
	return -EBADMSG;
}

/* One ETHTOOL_A_BITSET_BITS_BIT of a verbose bitset. */
static int bits_cb(const struct nlattr *a, void *data)
{
	const struct nlattr *tb[ETHTOOL_A_BITSET_BIT_MAX + 1];
	struct bits_ctx *c = data;
	uint32_t idx = 0;
	int ret;

	if (nl_attr_type(a) != ETHTOOL_A_BITSET_BITS_BIT)
		return 0;
	ret = nest_table(a, tb, ETHTOOL_A_BITSET_BIT_MAX);
	if (ret < 0)
		return ret;
	ret = bit_index(tb, c, &idx);
	if (ret < 0)
		return ret;
	if (idx >= c->out->nbits)
		return -EBADMSG;
	if (tb[ETHTOOL_A_BITSET_BIT_NAME] && !get_name(tb[ETHTOOL_A_BITSET_BIT_NAME]))
		return -EBADMSG;
	if (tb[ETHTOOL_A_BITSET_BIT_VALUE] &&
	    nl_attr_validate(tb[ETHTOOL_A_BITSET_BIT_VALUE], NL_ATTR_FLAG) < 0)
		return -EBADMSG;
	/* A list (no mask) names the bits that are set; a mask form flags the set ones. */
	if (!c->out->has_mask || tb[ETHTOOL_A_BITSET_BIT_VALUE])
		set_bit(c->out->value, idx);
	if (c->out->has_mask)
		set_bit(c->out->mask, idx);
	return 0;
}

/* Compact VALUE or MASK: exactly the u32 words of nbits bits. */
static int compact_words(const struct nlattr *a, uint32_t nbits, uint32_t *words)
{
	size_t len = ((size_t)nbits + 31) / 32 * sizeof(uint32_t);

	if (nl_attr_len(a) != len)
		return -EBADMSG;
	memcpy(words, nl_attr_data(a), len);
	/* Bits past nbits are padding. */
	if (nbits % 32)
		words[nbits / 32] &= (1u << (nbits % 32)) - 1;
	return 0;
}

int nl_ethtool_bitset_decode(const struct nlattr *bs, const char *const *names, size_t n_names,
			     struct nl_bitset *out)
{
	const struct nlattr *tb[ETHTOOL_A_BITSET_MAX + 1];
	struct bits_ctx c = { names, n_names, out };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = nest_table(bs, tb, ETHTOOL_A_BITSET_MAX);
	if (ret < 0)
		return ret;
	if (!tb[ETHTOOL_A_BITSET_SIZE] ||
	    nl_attr_validate(tb[ETHTOOL_A_BITSET_SIZE], NL_ATTR_U32) < 0)
		return -EBADMSG;
	out->nbits = nl_attr_get_u32(tb[ETHTOOL_A_BITSET_SIZE]);
	if (out->nbits > NL_ETHTOOL_BITS_MAX)
		return -EMSGSIZE;
	if (tb[ETHTOOL_A_BITSET_NOMASK] &&
	    nl_attr_validate(tb[ETHTOOL_A_BITSET_NOMASK], NL_ATTR_FLAG) < 0)
		return -EBADMSG;
	out->has_mask = !tb[ETHTOOL_A_BITSET_NOMASK];
	if (tb[ETHTOOL_A_BITSET_VALUE]) {
		/* Compact: a list has no mask; a mask form must carry one. */
		if (!out->has_mask != !tb[ETHTOOL_A_BITSET_MASK])
			return -EBADMSG;
		ret = compact_words(tb[ETHTOOL_A_BITSET_VALUE], out->nbits, out->value);
		if (!ret && out->has_mask)
			ret = compact_words(tb[ETHTOOL_A_BITSET_MASK], out->nbits, out->mask);
		return ret;
	}
	if (tb[ETHTOOL_A_BITSET_MASK])
		return -EBADMSG;
	if (!tb[ETHTOOL_A_BITSET_BITS])
		return 0;
	if (nl_attr_validate(tb[ETHTOOL_A_BITSET_BITS], NL_ATTR_NESTED) < 0)
		return -EBADMSG;
	return nl_attr_parse_nested(tb[ETHTOOL_A_BITSET_BITS], bits_cb, &c);
}

bool nl_ethtool_bitset_put(struct nlmsghdr *nlh, size_t cap, uint16_t type,
			   const struct nl_ethtool_flag *req, size_t n)
{
	struct nlattr *bs = nl_attr_nest_start(nlh, cap, type);
	struct nlattr *bits;

	if (!bs)
		return false;
	bits = nl_attr_nest_start(nlh, cap, ETHTOOL_A_BITSET_BITS);
	if (!bits)
		return false;
	for (size_t i = 0; i < n; i++) {
		struct nlattr *bit = nl_attr_nest_start(nlh, cap, ETHTOOL_A_BITSET_BITS_BIT);

		if (!bit || strlen(req[i].name) >= NL_ETHTOOL_NAME_MAX ||
		    !nl_attr_put_strz(nlh, cap, ETHTOOL_A_BITSET_BIT_NAME, req[i].name) ||
		    (req[i].on && !nl_attr_put(nlh, cap, ETHTOOL_A_BITSET_BIT_VALUE, 0, NULL)))
			return false;
		nl_attr_nest_end(nlh, bit);
	}
	nl_attr_nest_end(nlh, bits);
	nl_attr_nest_end(nlh, bs);
	return true;
}

/* ------------------------------------------------------- reply decoders */

struct strset_ctx {
	uint32_t id;
	struct arena *a;
	const char **names;
	size_t n;
	bool found;
	int err;
};

/* One ETHTOOL_A_STRINGS_STRING: an index below the set's count and its name. */
static int string_cb(const struct nlattr *a, void *data)
{
	const struct nlattr *tb[ETHTOOL_A_STRING_MAX + 1];
	struct strset_ctx *c = data;
	const char *name;
	uint32_t idx;
	int ret;

	if (nl_attr_type(a) != ETHTOOL_A_STRINGS_STRING)
		return 0;
	ret = nest_table(a, tb, ETHTOOL_A_STRING_MAX);
	if (ret < 0)
		return ret;
	if (!tb[ETHTOOL_A_STRING_INDEX] || !tb[ETHTOOL_A_STRING_VALUE] ||
	    nl_attr_validate(tb[ETHTOOL_A_STRING_INDEX], NL_ATTR_U32) < 0)
		return -EBADMSG;
	idx = nl_attr_get_u32(tb[ETHTOOL_A_STRING_INDEX]);
	name = get_name(tb[ETHTOOL_A_STRING_VALUE]);
	if (!name || idx >= c->n)
		return -EBADMSG;
	c->names[idx] = arena_strdup(c->a, name);
	return c->names[idx] ? 0 : -ENOMEM;
}

static int stringset_cb(const struct nlattr *a, void *data)
{
	const struct nlattr *tb[ETHTOOL_A_STRINGSET_MAX + 1];
	struct strset_ctx *c = data;
	uint32_t count;
	int ret;

	if (nl_attr_type(a) != ETHTOOL_A_STRINGSETS_STRINGSET)
		return 0;
	ret = nest_table(a, tb, ETHTOOL_A_STRINGSET_MAX);
	if (ret < 0)
		return ret;
	if (!tb[ETHTOOL_A_STRINGSET_ID] || !tb[ETHTOOL_A_STRINGSET_COUNT] ||
	    nl_attr_validate(tb[ETHTOOL_A_STRINGSET_ID], NL_ATTR_U32) < 0 ||
	    nl_attr_validate(tb[ETHTOOL_A_STRINGSET_COUNT], NL_ATTR_U32) < 0)
		return -EBADMSG;
	if (nl_attr_get_u32(tb[ETHTOOL_A_STRINGSET_ID]) != c->id)
		return 0;
	if (c->found)
		return -EBADMSG;
	count = nl_attr_get_u32(tb[ETHTOOL_A_STRINGSET_COUNT]);
	if (count > NL_ETHTOOL_BITS_MAX)
		return -EMSGSIZE;
	c->found = true;
	c->n = count;
	c->names = arena_calloc(c->a, count ? count : 1, sizeof(*c->names));
	if (!c->names)
		return -ENOMEM;
	if (!tb[ETHTOOL_A_STRINGSET_STRINGS])
		return count ? -EBADMSG : 0;
	if (nl_attr_validate(tb[ETHTOOL_A_STRINGSET_STRINGS], NL_ATTR_NESTED) < 0)
		return -EBADMSG;
	ret = nl_attr_parse_nested(tb[ETHTOOL_A_STRINGSET_STRINGS], string_cb, c);
	if (ret < 0)
		return ret;
	/* Every index has its string (the kernel sends them all). */
	for (size_t i = 0; i < c->n; i++)
		if (!c->names[i])
			return -EBADMSG;
	return 0;
}

static int strset_cb(const struct nlattr *a, void *data)
{
	if (nl_attr_type(a) != ETHTOOL_A_STRSET_STRINGSETS)
		return 0;
	if (nl_attr_validate(a, NL_ATTR_NESTED) < 0)
		return -EBADMSG;
	return nl_attr_parse_nested(a, stringset_cb, data);
}

int nl_ethtool_strset_decode(const struct nlmsghdr *nlh, uint32_t id, struct arena *a,
			     const char ***names, size_t *n)
{
	struct strset_ctx c = { .id = id, .a = a };
	int ret;

	*names = NULL;
	*n = 0;
	ret = nl_genl_parse(nlh, ETHTOOL_MSG_STRSET_GET_REPLY, strset_cb, &c);
	if (ret < 0)
		return ret;
	/* A per-device set the driver lacks is left out: no strings. */
	*names = c.names;
	*n = c.found ? c.n : 0;
	return 0;
}

int nl_ethtool_features_decode(const struct nlmsghdr *nlh, const char *const *names, size_t n_names,
			       struct arena *a, struct nl_feature **out, size_t *n)
{
	const struct nlattr *tb[ETHTOOL_A_FEATURES_MAX + 1];
	struct nl_bitset hw, wanted, active, nochange;
	struct nl_feature *f;
	size_t k = 0;
	int ret;

	*out = NULL;
	*n = 0;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EBADMSG;
	if (((const struct genlmsghdr *)NLMSG_DATA(nlh))->cmd != ETHTOOL_MSG_FEATURES_GET_REPLY)
		return -EBADMSG;
	ret = nl_attr_parse_table((const uint8_t *)nlh + NLMSG_HDRLEN + GENL_HDRLEN,
				  nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, tb,
				  ETHTOOL_A_FEATURES_MAX);
	if (ret < 0)
		return ret;
	if (!tb[ETHTOOL_A_FEATURES_HW] || !tb[ETHTOOL_A_FEATURES_WANTED] ||
	    !tb[ETHTOOL_A_FEATURES_ACTIVE] || !tb[ETHTOOL_A_FEATURES_NOCHANGE])
		return -EBADMSG;
	ret = nl_ethtool_bitset_decode(tb[ETHTOOL_A_FEATURES_HW], names, n_names, &hw);
	if (!ret)
		ret = nl_ethtool_bitset_decode(tb[ETHTOOL_A_FEATURES_WANTED], names, n_names,
					       &wanted);
	if (!ret)
		ret = nl_ethtool_bitset_decode(tb[ETHTOOL_A_FEATURES_ACTIVE], names, n_names,
					       &active);
	if (!ret)
		ret = nl_ethtool_bitset_decode(tb[ETHTOOL_A_FEATURES_NOCHANGE], names, n_names,
					       &nochange);
	if (ret < 0)
		return ret;
	f = arena_calloc(a, n_names ? n_names : 1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	for (uint32_t i = 0; i < n_names; i++) {
		if (!names[i] || !names[i][0])
			continue; /* an unnamed (reserved) feature bit */
		f[k].name = names[i];
		f[k].hw = nl_bitset_test(hw.value, hw.nbits, i);
		f[k].wanted = nl_bitset_test(wanted.value, wanted.nbits, i);
		f[k].active = nl_bitset_test(active.value, active.nbits, i);
		f[k].nochange = nl_bitset_test(nochange.value, nochange.nbits, i);
		k++;
	}
	*out = f;
	*n = k;
	return 0;
}

int nl_ethtool_privflags_decode(const struct nlmsghdr *nlh, const char *const *names,
				size_t n_names, struct arena *a, struct nl_ethtool_flag **out,
				size_t *n)
{
	const struct nlattr *tb[ETHTOOL_A_PRIVFLAGS_MAX + 1];
	struct nl_bitset flags;
	struct nl_ethtool_flag *f;
	size_t k = 0;
	int ret;

	*out = NULL;
	*n = 0;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EBADMSG;
	if (((const struct genlmsghdr *)NLMSG_DATA(nlh))->cmd != ETHTOOL_MSG_PRIVFLAGS_GET_REPLY)
		return -EBADMSG;
	ret = nl_attr_parse_table((const uint8_t *)nlh + NLMSG_HDRLEN + GENL_HDRLEN,
				  nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, tb,
				  ETHTOOL_A_PRIVFLAGS_MAX);
	if (ret < 0)
		return ret;
	if (!tb[ETHTOOL_A_PRIVFLAGS_FLAGS])
		return -EBADMSG;
	ret = nl_ethtool_bitset_decode(tb[ETHTOOL_A_PRIVFLAGS_FLAGS], names, n_names, &flags);
	if (ret < 0)
		return ret;
	f = arena_calloc(a, n_names ? n_names : 1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	for (uint32_t i = 0; i < n_names; i++) {
		if (!names[i] || !names[i][0])
			continue;
		f[k].name = names[i];
		f[k].on = nl_bitset_test(flags.value, flags.nbits, i);
		k++;
	}
	*out = f;
	*n = k;
	return 0;
}

int nl_ethtool_features_set_decode(const struct nlmsghdr *nlh, const char *const *names,
				   size_t n_names, struct arena *a, char **failed)
{
	const struct nlattr *tb[ETHTOOL_A_FEATURES_MAX + 1];
	struct nl_bitset wanted, active;
	char *s = NULL;
	int ret;

	*failed = NULL;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EBADMSG;
	if (((const struct genlmsghdr *)NLMSG_DATA(nlh))->cmd != ETHTOOL_MSG_FEATURES_SET_REPLY)
		return -EBADMSG;
	ret = nl_attr_parse_table((const uint8_t *)nlh + NLMSG_HDRLEN + GENL_HDRLEN,
				  nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, tb,
				  ETHTOOL_A_FEATURES_MAX);
	if (ret < 0)
		return ret;
	/* The ACTIVE diff (what changed) is only informative, but must be well-formed. */
	if (tb[ETHTOOL_A_FEATURES_ACTIVE]) {
		ret = nl_ethtool_bitset_decode(tb[ETHTOOL_A_FEATURES_ACTIVE], names, n_names,
					       &active);
		if (ret < 0)
			return ret;
	}
	memset(&wanted, 0, sizeof(wanted));
	if (tb[ETHTOOL_A_FEATURES_WANTED]) {
		ret = nl_ethtool_bitset_decode(tb[ETHTOOL_A_FEATURES_WANTED], names, n_names,
					       &wanted);
		if (ret < 0)
			return ret;
	}
	/* WANTED's mask: requested bits whose result differs from the request. */
	for (uint32_t i = 0; i < wanted.nbits; i++) {
		char num[16];
		const char *name = i < n_names && names[i] ? names[i] : NULL;

		if (!nl_bitset_test(wanted.has_mask ? wanted.mask : wanted.value, wanted.nbits, i))
			continue;
		if (!name) {
			snprintf(num, sizeof(num), "bit%u", (unsigned)i);
			name = num;
		}
		ret = join_name(a, &s, name);
		if (ret < 0)
			return ret;
	}
	*failed = s ? s : arena_strdup(a, "");
	return *failed ? 0 : -ENOMEM;
}

/* --------------------------------------------------------------- requests */

int nl_ethtool_init(struct nl_ethtool *e, struct nl_sock *s)
{
	e->s = s;
	e->family = 0;
	return nl_genl_family(s, ETHTOOL_GENL_NAME, &e->family);
}

/* ETHTOOL_A_*_HEADER: the device and the reply flags. */
static bool put_header(struct nlmsghdr *nlh, size_t cap, uint16_t type,
		       const struct nl_ethtool_dev *dev, uint32_t flags)
{
	struct nlattr *h = nl_attr_nest_start(nlh, cap, type);

	if (!h)
		return false;
	if (dev->ifindex > 0) {
		if (!nl_attr_put_u32(nlh, cap, ETHTOOL_A_HEADER_DEV_INDEX, (uint32_t)dev->ifindex))
			return false;
	} else if (!dev->ifname || !dev->ifname[0] || strnlen(dev->ifname, IFNAMSIZ) >= IFNAMSIZ ||
		   !nl_attr_put_strz(nlh, cap, ETHTOOL_A_HEADER_DEV_NAME, dev->ifname)) {
		return false;
	}
	if (flags && !nl_attr_put_u32(nlh, cap, ETHTOOL_A_HEADER_FLAGS, flags))
		return false;
	nl_attr_nest_end(nlh, h);
	return true;
}

/* What a reply callback collects; each request uses the fields it needs. */
struct reply_ctx {
	uint16_t family;
	uint8_t cmd;
	struct arena *a;
	uint32_t strset_id;
	const char **names;
	size_t n_names;
	void *out; /* struct nl_feature * or struct nl_ethtool_flag * */
	size_t n;
	char *failed; /* FEATURES_SET: names that did not take */
	bool seen;
};

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply_ctx *c = data;
	const char *const *names = c->names;

	if (nlh->nlmsg_type != c->family || c->seen)
		return -EBADMSG;
	c->seen = true;
	switch (c->cmd) {
	case ETHTOOL_MSG_STRSET_GET_REPLY:
		return nl_ethtool_strset_decode(nlh, c->strset_id, c->a, &c->names, &c->n_names);
	case ETHTOOL_MSG_FEATURES_GET_REPLY:
		return nl_ethtool_features_decode(nlh, names, c->n_names, c->a,
						  (struct nl_feature **)&c->out, &c->n);
	case ETHTOOL_MSG_PRIVFLAGS_GET_REPLY:
		return nl_ethtool_privflags_decode(nlh, names, c->n_names, c->a,
						   (struct nl_ethtool_flag **)&c->out, &c->n);
	case ETHTOOL_MSG_FEATURES_SET_REPLY:
		return nl_ethtool_features_set_decode(nlh, names, c->n_names, c->a, &c->failed);
	}
	return -EBADMSG;
}

/* Send a request built in @buf and collect its reply into @c. */
static int request(struct nl_ethtool *e, struct nlmsghdr *nlh, struct reply_ctx *c, char *why,
		   size_t why_len)
{
	c->family = e->family;
	c->seen = false;
	return nl_request(e->s, nlh, reply_cb, c, NULL, why, why_len);
}

/* The strings of set @id (ETH_SS_FEATURES, ETH_SS_PRIV_FLAGS) into c->names. */
static int strset_get(struct nl_ethtool *e, const struct nl_ethtool_dev *dev, uint32_t id,
		      struct reply_ctx *c)
{
	uint8_t buf[512] __attribute__((aligned(4)));
	struct nlmsghdr *nlh;
	struct nlattr *sets, *set;
	int ret;

	nlh = nl_genl_put_header(buf, sizeof(buf), e->family, ETHTOOL_MSG_STRSET_GET,
				 ETHTOOL_GENL_VERSION);
	if (!nlh || !put_header(nlh, sizeof(buf), ETHTOOL_A_STRSET_HEADER, dev, 0))
		return -EINVAL;
	sets = nl_attr_nest_start(nlh, sizeof(buf), ETHTOOL_A_STRSET_STRINGSETS);
	set = sets ? nl_attr_nest_start(nlh, sizeof(buf), ETHTOOL_A_STRINGSETS_STRINGSET) : NULL;
	if (!set || !nl_attr_put_u32(nlh, sizeof(buf), ETHTOOL_A_STRINGSET_ID, id))
		return -EINVAL;
	nl_attr_nest_end(nlh, set);
	nl_attr_nest_end(nlh, sets);
	c->cmd = ETHTOOL_MSG_STRSET_GET_REPLY;
	c->strset_id = id;
	ret = request(e, nlh, c, NULL, 0);
	if (ret == 0 && !c->seen)
		ret = -EBADMSG;
	return ret;
}

/* A GET of @cmd with compact bitsets, decoded with c->names. */
static int get_simple(struct nl_ethtool *e, const struct nl_ethtool_dev *dev, uint8_t cmd,
		      uint8_t reply_cmd, struct reply_ctx *c)
{
	uint8_t buf[256] __attribute__((aligned(4)));
	struct nlmsghdr *nlh;
	int ret;

	/* FEATURES_HEADER and PRIVFLAGS_HEADER are both attribute 1. */
	nlh = nl_genl_put_header(buf, sizeof(buf), e->family, cmd, ETHTOOL_GENL_VERSION);
	if (!nlh || !put_header(nlh, sizeof(buf), ETHTOOL_A_FEATURES_HEADER, dev,
				ETHTOOL_FLAG_COMPACT_BITSETS))
		return -EINVAL;
	c->cmd = reply_cmd;
	ret = request(e, nlh, c, NULL, 0);
	if (ret == 0 && !c->seen)
		ret = -EBADMSG;
	return ret;
}

/* Strings, then FEATURES_GET: c->names and c->out/c->n filled. */
static int features_get(struct nl_ethtool *e, const struct nl_ethtool_dev *dev, struct reply_ctx *c)
{
	int ret = strset_get(e, dev, ETH_SS_FEATURES, c);

	if (ret < 0)
		return ret;
	/* Every kernel with ethtool netlink names its features (NETDEV_FEATURE_COUNT). */
	if (c->n_names == 0)
		return -EBADMSG;
	return get_simple(e, dev, ETHTOOL_MSG_FEATURES_GET, ETHTOOL_MSG_FEATURES_GET_REPLY, c);
}

int nl_ethtool_features_get(struct nl_ethtool *e, const struct nl_ethtool_dev *dev, struct arena *a,
			    struct nl_feature **out, size_t *n)
{
	struct reply_ctx c = { .a = a };
	int ret;

	*out = NULL;
	*n = 0;
	ret = features_get(e, dev, &c);
	if (ret < 0)
		return ret;
	*out = c.out;
	*n = c.n;
	return 0;
}

int nl_ethtool_privflags_get(struct nl_ethtool *e, const struct nl_ethtool_dev *dev,
			     struct arena *a, struct nl_ethtool_flag **out, size_t *n)
{
	struct reply_ctx c = { .a = a };
	int ret;

	*out = NULL;
	*n = 0;
	ret = strset_get(e, dev, ETH_SS_PRIV_FLAGS, &c);
	if (ret < 0)
		return ret;
	ret = get_simple(e, dev, ETHTOOL_MSG_PRIVFLAGS_GET, ETHTOOL_MSG_PRIVFLAGS_GET_REPLY, &c);
	/* The driver has no private flags (no get_priv_flags op): an empty list. */
	if (ret == -EOPNOTSUPP)
		return 0;
	if (ret < 0)
		return ret;
	*out = c.out;
	*n = c.n;
	return 0;
}

static const struct nl_feature *find_feature(const struct nl_feature *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return &f[i];
	return NULL;
}

/* The checks before FEATURES_SET: every name known, fixed ones left as they are. */
static int features_check(const struct nl_feature *f, size_t nf, const struct nl_ethtool_flag *req,
			  size_t n, struct arena *a, char *why, size_t why_len)
{
	char *fixed = NULL;
	int ret;

	for (size_t i = 0; i < n; i++) {
		const struct nl_feature *x = find_feature(f, nf, req[i].name);

		if (!x) {
			fmt_why(why, why_len, "feature %s not supported by interface", req[i].name);
			return -ENOENT;
		}
		if (nl_feature_is_fixed(x) && x->active != req[i].on) {
			ret = join_name(a, &fixed, x->name);
			if (ret < 0)
				return ret;
		}
	}
	if (fixed) {
		fmt_why(why, why_len, "could not set the following features: %s [fixed]", fixed);
		return -EOPNOTSUPP;
	}
	return 0;
}

int nl_ethtool_features_set(struct nl_ethtool *e, const struct nl_ethtool_dev *dev,
			    const struct nl_ethtool_flag *req, size_t n, struct arena *a, char *why,
			    size_t why_len)
{
	struct reply_ctx c = { .a = a };
	struct nlmsghdr *nlh;
	void *buf;
	int ret;

	if (why && why_len)
		why[0] = '\0';
	if (n > NL_ETHTOOL_REQ_MAX)
		return -EINVAL;
	if (n == 0)
		return 0;
	ret = features_get(e, dev, &c);
	if (ret < 0)
		return ret;
	ret = features_check(c.out, c.n, req, n, a, why, why_len);
	if (ret < 0)
		return ret;
	buf = arena_alloc(a, REQ_BUF_SIZE);
	if (!buf)
		return -ENOMEM;
	nlh = nl_genl_put_header(buf, REQ_BUF_SIZE, e->family, ETHTOOL_MSG_FEATURES_SET,
				 ETHTOOL_GENL_VERSION);
	/* Compact reply bitsets; ETHTOOL_FLAG_OMIT_REPLY off: we want the diff. */
	if (!nlh ||
	    !put_header(nlh, REQ_BUF_SIZE, ETHTOOL_A_FEATURES_HEADER, dev,
			ETHTOOL_FLAG_COMPACT_BITSETS) ||
	    !nl_ethtool_bitset_put(nlh, REQ_BUF_SIZE, ETHTOOL_A_FEATURES_WANTED, req, n))
		return -EINVAL;
	c.cmd = ETHTOOL_MSG_FEATURES_SET_REPLY;
	ret = request(e, nlh, &c, why, why_len);
	if (ret < 0)
		return ret;
	if (c.failed && c.failed[0]) {
		fmt_why(why, why_len, "could not set the following features: %s", c.failed);
		return -EOPNOTSUPP;
	}
	return 0;
}

int nl_ethtool_privflags_set(struct nl_ethtool *e, const struct nl_ethtool_dev *dev,
			     const struct nl_ethtool_flag *req, size_t n, struct arena *a,
			     char *why, size_t why_len)
{
	struct nl_ethtool_flag *have;
	struct nlmsghdr *nlh;
	size_t nh;
	void *buf;
	int ret;

	if (why && why_len)
		why[0] = '\0';
	if (n > NL_ETHTOOL_REQ_MAX)
		return -EINVAL;
	if (n == 0)
		return 0;
	ret = nl_ethtool_privflags_get(e, dev, a, &have, &nh);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		while (j < nh && strcmp(have[j].name, req[i].name) != 0)
			j++;
		if (j == nh) {
			fmt_why(why, why_len, "private flag %s not supported by interface",
				req[i].name);
			return -ENOENT;
		}
	}
	buf = arena_alloc(a, REQ_BUF_SIZE);
	if (!buf)
		return -ENOMEM;
	nlh = nl_genl_put_header(buf, REQ_BUF_SIZE, e->family, ETHTOOL_MSG_PRIVFLAGS_SET,
				 ETHTOOL_GENL_VERSION);
	if (!nlh || !put_header(nlh, REQ_BUF_SIZE, ETHTOOL_A_PRIVFLAGS_HEADER, dev, 0) ||
	    !nl_ethtool_bitset_put(nlh, REQ_BUF_SIZE, ETHTOOL_A_PRIVFLAGS_FLAGS, req, n))
		return -EINVAL;
	/* PRIVFLAGS_SET answers with the ack only. */
	return nl_request(e->s, nlh, NULL, NULL, NULL, why, why_len);
}

/* ------------------------------------------------------------ translation */

/* Upstream's legacy names (reference/upstream.md §6.5): short, long, glob. */
static const struct {
	const char *short_name, *long_name, *glob;
} legacy[] = {
	{ "rx", "rx-checksumming", "rx-checksum" },
	{ "tx", "tx-checksumming", "tx-checksum-*" },
	{ "sg", "scatter-gather", "tx-scatter-gather*" },
	{ "tso", "tcp-segmentation-offload", "tx-tcp*-segmentation" },
	{ "ufo", "udp-fragmentation-offload", "tx-udp-fragmentation" },
	{ "gso", "generic-segmentation-offload", "tx-generic-segmentation" },
	{ "gro", "generic-receive-offload", "rx-gro" },
	{ "lro", "large-receive-offload", "rx-lro" },
	{ "rxvlan", "rx-vlan-offload", "rx-vlan-hw-parse" },
	{ "txvlan", "tx-vlan-offload", "tx-vlan-hw-insert" },
	{ "ntuple", "ntuple-filters", "rx-ntuple-filter" },
	{ "rxhash", "receive-hashing", "rx-hashing" },
};

static const char *legacy_glob(const char *name)
{
	for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++)
		if (strcmp(name, legacy[i].short_name) == 0 ||
		    strcmp(name, legacy[i].long_name) == 0)
			return legacy[i].glob;
	return NULL;
}

/* Add or overwrite (a later request wins) @name in out[0..*k). */
static void out_set(struct nl_ethtool_flag *out, size_t *k, const char *name, bool on)
{
	for (size_t i = 0; i < *k; i++) {
		if (strcmp(out[i].name, name) == 0) {
			out[i].on = on;
			return;
		}
	}
	out[*k].name = name;
	out[*k].on = on;
	(*k)++;
}

int nl_ethtool_features_translate(const struct nl_feature *feat, size_t n_feat,
				  const struct nl_ethtool_flag *in, size_t n_in, struct arena *a,
				  struct nl_ethtool_flag **out, size_t *n_out, char *why,
				  size_t why_len)
{
	struct nl_ethtool_flag *o;
	size_t k = 0;

	*out = NULL;
	*n_out = 0;
	if (why && why_len)
		why[0] = '\0';
	if (n_in > NL_ETHTOOL_REQ_MAX)
		return -EINVAL;
	/* Every output is a distinct feature of the device. */
	o = arena_calloc(a, n_feat ? n_feat : 1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < n_in; i++) {
		const struct nl_feature *f = find_feature(feat, n_feat, in[i].name);
		const char *glob;
		bool hit = false;

		if (f) {
			out_set(o, &k, f->name, in[i].on);
			continue;
		}
		glob = legacy_glob(in[i].name);
		for (size_t j = 0; glob && j < n_feat; j++) {
			if (fnmatch(glob, feat[j].name, 0) == 0) {
				out_set(o, &k, feat[j].name, in[i].on);
				hit = true;
			}
		}
		if (!hit) {
			fmt_why(why, why_len, "feature %s not supported by interface", in[i].name);
			return -ENOENT;
		}
	}
	*out = o;
	*n_out = k;
	return 0;
}
