// SPDX-License-Identifier: Apache-2.0
/*
 * Generic netlink: resolve a family id by name with the controller's
 * CTRL_CMD_GETFAMILY (callers keep the id for the life of their socket).
 * Spec: include/uapi/linux/genetlink.h; Documentation/userspace-api/netlink/intro.rst.
 */
#include "nl/nl.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <string.h>

#include "nl/internal.h"

struct family_reply {
	uint16_t id;
	bool found;
};

static int family_attr_cb(const struct nlattr *a, void *data)
{
	struct family_reply *r = data;

	if (nl_attr_type(a) != CTRL_ATTR_FAMILY_ID)
		return 0;
	if (nl_attr_validate(a, NL_ATTR_U16) < 0)
		return -EBADMSG;
	r->id = nl_attr_get_u16(a);
	r->found = true;
	return 0;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != GENL_ID_CTRL)
		return -EBADMSG;
	return nl_genl_parse(nlh, CTRL_CMD_NEWFAMILY, family_attr_cb, data);
}

int nl_genl_parse(const struct nlmsghdr *nlh, uint8_t cmd, nl_attr_cb cb, void *data)
{
	struct genlmsghdr g;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EBADMSG;
	memcpy(&g, NLMSG_DATA(nlh), sizeof(g));
	if (g.cmd != cmd)
		return -EBADMSG;
	return nl_attr_parse(nlh, GENL_HDRLEN, cb, data);
}

struct nlmsghdr *nl_genl_put_header(void *buf, size_t cap, uint16_t family, uint8_t cmd,
				    uint8_t version)
{
	struct nlmsghdr *nlh = nl_msg_put_header(buf, cap, family, 0);
	struct genlmsghdr *g;

	if (!nlh)
		return NULL;
	g = nl_msg_put_extra(nlh, cap, sizeof(*g));
	if (!g)
		return NULL;
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

int nl_genl_family(struct nl_sock *s, const char *name, uint16_t *id)
{
	uint8_t buf[256] __attribute__((aligned(4)));
	struct family_reply r = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	*id = 0;
	if (strnlen(name, NL_GENL_NAME_MAX) >= NL_GENL_NAME_MAX)
		return -EINVAL;
	nlh = nl_genl_put_header(buf, sizeof(buf), GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	if (!nlh || !nl_attr_put_strz(nlh, sizeof(buf), CTRL_ATTR_FAMILY_NAME, name))
		return -EINVAL;
	ret = nl_request(s, nlh, family_cb, &r, NULL, NULL, 0);
	if (ret < 0)
		return ret;
	if (!r.found || r.id == 0)
		return -EBADMSG;
	*id = r.id;
	return 0;
}
