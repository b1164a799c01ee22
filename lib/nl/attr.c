// SPDX-License-Identifier: Apache-2.0
/*
 * Netlink messages and attributes: bounds-checked building in a caller
 * buffer, and validating parses (libmnl attr.c's shape).
 * Spec: include/uapi/linux/netlink.h; Documentation/userspace-api/netlink/intro.rst.
 */
#include "nl/nl.h"

#include <errno.h>
#include <string.h>

#include "nl/internal.h"

/* Room left in a message of capacity @cap, or 0 when nlmsg_len is already past it. */
static size_t room(const struct nlmsghdr *nlh, size_t cap)
{
	size_t used = NLMSG_ALIGN((size_t)nlh->nlmsg_len);

	return used <= cap ? cap - used : 0;
}

/* Reserve @n aligned, zeroed bytes at the tail; NULL (message unchanged) when full. */
static void *reserve(struct nlmsghdr *nlh, size_t cap, size_t n)
{
	size_t used = NLMSG_ALIGN((size_t)nlh->nlmsg_len), len;
	uint8_t *p;

	if (n > UINT32_MAX || NLMSG_ALIGN(n) > room(nlh, cap))
		return NULL;
	len = NLMSG_ALIGN(n);
	if (used + len > UINT32_MAX)
		return NULL;
	p = (uint8_t *)nlh + used;
	memset(p, 0, len);
	nlh->nlmsg_len = (uint32_t)(used + len);
	return p;
}

struct nlmsghdr *nl_msg_put_header(void *buf, size_t cap, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = buf;

	if (!buf || cap < NLMSG_HDRLEN)
		return NULL;
	memset(nlh, 0, NLMSG_HDRLEN);
	nlh->nlmsg_len = NLMSG_HDRLEN;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	return nlh;
}

void *nl_msg_put_extra(struct nlmsghdr *nlh, size_t cap, size_t len)
{
	return reserve(nlh, cap, len);
}

bool nl_attr_put(struct nlmsghdr *nlh, size_t cap, uint16_t type, size_t len, const void *data)
{
	struct nlattr *a;
	size_t total;

	if (size_add_overflows(len, (size_t)NLA_HDRLEN, &total) || total > UINT16_MAX)
		return false;
	a = reserve(nlh, cap, total);
	if (!a)
		return false;
	a->nla_type = type;
	a->nla_len = (uint16_t)total;
	if (len)
		memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
	return true;
}

bool nl_attr_put_u8(struct nlmsghdr *nlh, size_t cap, uint16_t type, uint8_t v)
{
	return nl_attr_put(nlh, cap, type, sizeof(v), &v);
}

bool nl_attr_put_u16(struct nlmsghdr *nlh, size_t cap, uint16_t type, uint16_t v)
{
	return nl_attr_put(nlh, cap, type, sizeof(v), &v);
}

bool nl_attr_put_u32(struct nlmsghdr *nlh, size_t cap, uint16_t type, uint32_t v)
{
	return nl_attr_put(nlh, cap, type, sizeof(v), &v);
}

bool nl_attr_put_u64(struct nlmsghdr *nlh, size_t cap, uint16_t type, uint64_t v)
{
	return nl_attr_put(nlh, cap, type, sizeof(v), &v);
}

bool nl_attr_put_strz(struct nlmsghdr *nlh, size_t cap, uint16_t type, const char *s)
{
	return nl_attr_put(nlh, cap, type, strlen(s) + 1, s);
}

struct nlattr *nl_attr_nest_start(struct nlmsghdr *nlh, size_t cap, uint16_t type)
{
	struct nlattr *a = reserve(nlh, cap, NLA_HDRLEN);

	if (!a)
		return NULL;
	a->nla_type = type | NLA_F_NESTED;
	a->nla_len = NLA_HDRLEN;
	return a;
}

void nl_attr_nest_end(struct nlmsghdr *nlh, struct nlattr *nest)
{
	size_t len = (size_t)((uint8_t *)nlh + nlh->nlmsg_len - (uint8_t *)nest);

	/* A nest longer than an attribute can say is a programming error. */
	nest->nla_len = len > UINT16_MAX ? 0 : (uint16_t)len;
}

uint16_t nl_attr_type(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

size_t nl_attr_len(const struct nlattr *a)
{
	return a->nla_len >= NLA_HDRLEN ? (size_t)a->nla_len - NLA_HDRLEN : 0;
}

const void *nl_attr_data(const struct nlattr *a)
{
	return (const uint8_t *)a + NLA_HDRLEN;
}

int nl_attr_validate(const struct nlattr *a, enum nl_attr_kind kind)
{
	size_t len = nl_attr_len(a);
	const uint8_t *p = nl_attr_data(a);

	if (a->nla_len < NLA_HDRLEN)
		return -EBADMSG;
	switch (kind) {
	case NL_ATTR_U8:
		return len == 1 ? 0 : -EBADMSG;
	case NL_ATTR_U16:
		return len == 2 ? 0 : -EBADMSG;
	case NL_ATTR_U32:
	case NL_ATTR_S32:
		return len == 4 ? 0 : -EBADMSG;
	case NL_ATTR_U64:
		return len == 8 ? 0 : -EBADMSG;
	case NL_ATTR_STRZ:
		return len > 0 && p[len - 1] == '\0' ? 0 : -EBADMSG;
	case NL_ATTR_BINARY:
		return 0;
	case NL_ATTR_NESTED:
		/* Empty, or at least one attribute header (libmnl). */
		return len == 0 || len >= NLA_HDRLEN ? 0 : -EBADMSG;
	case NL_ATTR_FLAG:
		return len == 0 ? 0 : -EBADMSG;
	}
	return -EBADMSG;
}

/* Getters copy (payloads are only 4-byte aligned); callers validated the length. */
uint8_t nl_attr_get_u8(const struct nlattr *a)
{
	return *(const uint8_t *)nl_attr_data(a);
}

uint16_t nl_attr_get_u16(const struct nlattr *a)
{
	uint16_t v;

	memcpy(&v, nl_attr_data(a), sizeof(v));
	return v;
}

uint32_t nl_attr_get_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, nl_attr_data(a), sizeof(v));
	return v;
}

uint64_t nl_attr_get_u64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, nl_attr_data(a), sizeof(v));
	return v;
}

const char *nl_attr_get_str(const struct nlattr *a)
{
	return nl_attr_data(a);
}

int nl_attr_parse_payload(const void *p, size_t len, nl_attr_cb cb, void *data)
{
	struct rd r = rd_init(p, len);

	while (rd_left(&r) > 0) {
		const struct nlattr *a = (const struct nlattr *)r.p;
		uint16_t alen = rd_ne16(&r);
		size_t step;
		int ret;

		rd_ne16(&r); /* nla_type */
		if (r.err || alen < NLA_HDRLEN || (size_t)alen - NLA_HDRLEN > rd_left(&r))
			return -EBADMSG;
		ret = cb(a, data);
		if (ret < 0)
			return ret;
		/* The last attribute's padding may be missing. */
		step = NLA_ALIGN((size_t)alen) - NLA_HDRLEN;
		if (step >= rd_left(&r))
			break;
		rd_skip(&r, step);
	}
	return 0;
}

int nl_attr_parse(const struct nlmsghdr *nlh, size_t offset, nl_attr_cb cb, void *data)
{
	size_t len = nlh->nlmsg_len, off = NLMSG_HDRLEN + NLMSG_ALIGN(offset);

	if (len < NLMSG_HDRLEN || offset > len || off > len)
		return -EBADMSG;
	return nl_attr_parse_payload((const uint8_t *)nlh + off, len - off, cb, data);
}

int nl_attr_parse_nested(const struct nlattr *nest, nl_attr_cb cb, void *data)
{
	if (nest->nla_len < NLA_HDRLEN)
		return -EBADMSG;
	return nl_attr_parse_payload(nl_attr_data(nest), nl_attr_len(nest), cb, data);
}

struct table {
	const struct nlattr **tb;
	uint16_t max;
};

static int table_cb(const struct nlattr *a, void *data)
{
	struct table *t = data;
	uint16_t type = nl_attr_type(a);

	if (type <= t->max)
		t->tb[type] = a;
	return 0;
}

int nl_attr_parse_table(const void *p, size_t len, const struct nlattr **tb, uint16_t max)
{
	struct table t = { tb, max };

	memset(tb, 0, ((size_t)max + 1) * sizeof(*tb));
	return nl_attr_parse_payload(p, len, table_cb, &t);
}
