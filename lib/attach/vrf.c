// SPDX-License-Identifier: Apache-2.0
/*
 * interface.vrf (upstream-v1.4.md §4.5): the VRF link's requests, finding
 * a link by name with its kind and VRF table, and the netns-wide sysctls
 * (tcp/udp_l3mdev_accept). include/uapi/linux/if_link.h (IFLA_LINKINFO,
 * IFLA_INFO_KIND, IFLA_INFO_DATA, IFLA_VRF_TABLE), drivers/net/vrf.c.
 */
#include "attach/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attach/internal.h"

struct nlmsghdr *attach_nl_vrf_msg(void *buf, size_t cap, const char *name, uint32_t table)
{
	struct nlmsghdr *nlh = nl_msg_put_header(buf, cap, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = nlh ? nl_msg_put_extra(nlh, cap, sizeof(*ifi)) : NULL;
	struct nlattr *info, *data;
	bool ok;

	if (!ifi || !name || !name[0] || strlen(name) >= IFNAMSIZ)
		return NULL;
	ifi->ifi_family = AF_UNSPEC;
	ok = nl_attr_put_strz(nlh, cap, IFLA_IFNAME, name) &&
	     nl_attr_put_strz(nlh, cap, IFLA_IFALIAS, ATTACH_VRF_ALIAS);
	info = ok ? nl_attr_nest_start(nlh, cap, IFLA_LINKINFO) : NULL;
	if (!info || !nl_attr_put_strz(nlh, cap, IFLA_INFO_KIND, "vrf"))
		return NULL;
	data = nl_attr_nest_start(nlh, cap, IFLA_INFO_DATA);
	if (!data || !nl_attr_put_u32(nlh, cap, IFLA_VRF_TABLE, table))
		return NULL;
	nl_attr_nest_end(nlh, data);
	nl_attr_nest_end(nlh, info);
	return nlh;
}

struct nlmsghdr *attach_nl_getlink_msg(void *buf, size_t cap, const char *name)
{
	struct nlmsghdr *nlh = nl_msg_put_header(buf, cap, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = nlh ? nl_msg_put_extra(nlh, cap, sizeof(*ifi)) : NULL;

	if (!ifi || !name || strlen(name) >= IFNAMSIZ)
		return NULL;
	ifi->ifi_family = AF_UNSPEC;
	return nl_attr_put_strz(nlh, cap, IFLA_IFNAME, name) ? nlh : NULL;
}

struct nlmsghdr *attach_nl_dellink_msg(void *buf, size_t cap, int ifindex)
{
	struct nlmsghdr *nlh = nl_msg_put_header(buf, cap, RTM_DELLINK, 0);
	struct ifinfomsg *ifi = nlh ? nl_msg_put_extra(nlh, cap, sizeof(*ifi)) : NULL;

	if (!ifi)
		return NULL;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

static int copy_str(const struct nlattr *a, char *out, size_t cap)
{
	if (nl_attr_validate(a, NL_ATTR_STRZ) < 0 || str_copy(out, cap, nl_attr_get_str(a)) < 0)
		return -EBADMSG;
	return 0;
}

static int parse_info(const struct nlattr *linkinfo, struct attach_vrf_link *out)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1], *vtb[IFLA_VRF_MAX + 1];
	int ret;

	if (nl_attr_validate(linkinfo, NL_ATTR_NESTED) < 0)
		return -EBADMSG;
	ret = nl_attr_parse_table(nl_attr_data(linkinfo), nl_attr_len(linkinfo), tb, IFLA_INFO_MAX);
	if (ret < 0)
		return ret;
	/* The kernel sends the kind NUL-terminated; iproute2 sends it without. */
	if (tb[IFLA_INFO_KIND]) {
		size_t n = nl_attr_len(tb[IFLA_INFO_KIND]);
		const char *k = nl_attr_data(tb[IFLA_INFO_KIND]);

		if (n && k[n - 1] == '\0')
			n--;
		if (n >= sizeof(out->kind) || memchr(k, '\0', n))
			return -EBADMSG;
		memcpy(out->kind, k, n);
		out->kind[n] = '\0';
	}
	if (!tb[IFLA_INFO_DATA] || strcmp(out->kind, "vrf"))
		return 0;
	if (nl_attr_validate(tb[IFLA_INFO_DATA], NL_ATTR_NESTED) < 0)
		return -EBADMSG;
	ret = nl_attr_parse_table(nl_attr_data(tb[IFLA_INFO_DATA]), nl_attr_len(tb[IFLA_INFO_DATA]),
				  vtb, IFLA_VRF_MAX);
	if (ret < 0)
		return ret;
	if (vtb[IFLA_VRF_TABLE]) {
		if (nl_attr_validate(vtb[IFLA_VRF_TABLE], NL_ATTR_U32) < 0)
			return -EBADMSG;
		out->table = nl_attr_get_u32(vtb[IFLA_VRF_TABLE]);
	}
	return 0;
}

int attach_vrf_link_parse(const struct nlmsghdr *nlh, struct attach_vrf_link *out)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;
	int ret;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return -EBADMSG;
	ifi = NLMSG_DATA(nlh);
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	ret = nl_attr_parse_table((const uint8_t *)ifi + NLMSG_ALIGN(sizeof(*ifi)),
				  nlh->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*ifi))), tb,
				  IFLA_MAX);
	if (ret < 0)
		return ret;
	if (tb[IFLA_IFNAME] && copy_str(tb[IFLA_IFNAME], out->name, sizeof(out->name)) < 0)
		return -EBADMSG;
	if (tb[IFLA_IFALIAS] && copy_str(tb[IFLA_IFALIAS], out->alias, sizeof(out->alias)) < 0)
		return -EBADMSG;
	if (tb[IFLA_MASTER]) {
		if (nl_attr_validate(tb[IFLA_MASTER], NL_ATTR_U32) < 0)
			return -EBADMSG;
		out->master = (int)nl_attr_get_u32(tb[IFLA_MASTER]);
	}
	return tb[IFLA_LINKINFO] ? parse_info(tb[IFLA_LINKINFO], out) : 0;
}

struct lookup {
	struct attach_vrf_link *out;
	bool found;
};

static int lookup_cb(const struct nlmsghdr *nlh, void *data)
{
	struct lookup *l = data;
	int ret;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	ret = attach_vrf_link_parse(nlh, l->out);
	l->found = ret == 0;
	return ret;
}

int attach_vrf_lookup(struct nl_sock *s, const char *name, struct attach_vrf_link *out)
{
	uint8_t buf[256];
	struct nlmsghdr *nlh = attach_nl_getlink_msg(buf, sizeof(buf), name);
	struct lookup l = { out, false };
	int ret;

	if (!nlh)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	ret = nl_request(s, nlh, lookup_cb, &l, NULL, NULL, 0);
	if (ret == 0 && !l.found)
		ret = -ENODEV;
	return ret;
}

int attach_vrf_create(struct nl_sock *s, const char *name, uint32_t table, char *ext, size_t extlen)
{
	uint8_t buf[256];
	struct nlmsghdr *nlh = attach_nl_vrf_msg(buf, sizeof(buf), name, table);
	int ret;

	if (!nlh)
		return -EINVAL;
	ret = nl_request(s, nlh, NULL, NULL, NULL, ext, extlen);
	/* rtnl_newlink: no rtnl_link_ops for "vrf" (module absent, not built). */
	if (ret == -EOPNOTSUPP && ext && extlen) {
		char kext[128];

		snprintf(kext, sizeof(kext), "%s", ext);
		snprintf(ext, extlen, "kernel has no vrf link type (CONFIG_NET_VRF)%s%s",
			 kext[0] ? ": " : "", kext);
	}
	return ret;
}

int attach_nl_link_del(struct nl_sock *s, int ifindex, char *ext, size_t extlen)
{
	uint8_t buf[64];
	struct nlmsghdr *nlh = attach_nl_dellink_msg(buf, sizeof(buf), ifindex);

	if (!nlh)
		return -EMSGSIZE;
	return nl_request(s, nlh, NULL, NULL, NULL, ext, extlen);
}

int attach_vrf_slaves(struct nl_sock *s, int ifindex, size_t *n)
{
	struct arena *a = arena_new(ARENA_CAP_DEFAULT);
	struct nl_link *l;
	size_t cnt;
	int ret;

	*n = 0;
	if (!a)
		return -ENOMEM;
	ret = nl_link_dump(s, a, &l, &cnt);
	for (size_t i = 0; ret == 0 && i < cnt; i++)
		*n += l[i].master == ifindex;
	arena_free(a);
	return ret;
}

struct sysctl_arg {
	const char *key;
	int val;
	int *old;
	char *why;
	size_t whylen;
};

static int sysctl_cb(void *p)
{
	struct sysctl_arg *s = p;
	char path[128], txt[32];
	int64_t v;
	int fd, ret, len;

	snprintf(path, sizeof(path), "/proc/sys/%s", s->key);
	snprintf(s->why, s->whylen, "%s", path);
	if (s->old) {
		ret = fd_read_line(AT_FDCWD, path, txt, sizeof(txt));
		if (ret < 0)
			return ret;
		if (str_to_i64(txt, 10, &v) < 0 || v < INT32_MIN || v > INT32_MAX)
			return -EBADMSG;
		*s->old = (int)v;
	}
	if (s->val < 0)
		return 0;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(txt, sizeof(txt), "%d\n", s->val);
	ret = fd_write_all(fd, txt, (size_t)len);
	close(fd);
	return ret;
}

int attach_netns_sysctl(const char *netns_path, const char *key, int val, int *old, char *why,
			size_t whylen)
{
	struct sysctl_arg s = { key, val, old, why, whylen };

	why[0] = '\0';
	return attach_netns_run(netns_path, sysctl_cb, &s, why, whylen);
}

void attach_route_in_plan(const struct attach_plan *p, size_t i, struct nl_route *r)
{
	const struct attach_config *c = p->cfg;

	attach_route_from_cfg(&p->routes[i], r);
	if (c && c->interface.has_vrf && c->interface.vrf.has_table)
		r->table = (uint32_t)c->interface.vrf.table;
}
