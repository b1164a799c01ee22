// SPDX-License-Identifier: Apache-2.0
/*
 * rtnetlink: decoders of link, address, route, rule and neighbour messages
 * into plain structs, the dumps that collect them, and display names.
 * Spec: include/uapi/linux/{rtnetlink,if_link,if_addr,fib_rules,neighbour}.h.
 */
#include "nl/nl.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "nl/internal.h"
#include "nl/kcompat.h"

/* ------------------------------------------------------------- helpers */

/* Copy the family header that follows nlmsghdr; false when the message is shorter. */
static bool family_hdr(const struct nlmsghdr *nlh, void *out, size_t len)
{
	if (nlh->nlmsg_len < NLMSG_HDRLEN || len > nlh->nlmsg_len - NLMSG_HDRLEN)
		return false;
	memcpy(out, NLMSG_DATA(nlh), len);
	return true;
}

static int attr_table(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		      uint16_t max)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);

	if (nlh->nlmsg_len < off)
		return -EBADMSG;
	return nl_attr_parse_table((const uint8_t *)nlh + off, nlh->nlmsg_len - off, tb, max);
}

/* Each get_*() leaves @out alone when @a is absent and is false when @a is malformed. */
static bool get_u8(const struct nlattr *a, uint8_t *out)
{
	if (!a)
		return true;
	if (nl_attr_validate(a, NL_ATTR_U8) < 0)
		return false;
	*out = nl_attr_get_u8(a);
	return true;
}

static bool get_u16(const struct nlattr *a, uint16_t *out)
{
	if (!a)
		return true;
	if (nl_attr_validate(a, NL_ATTR_U16) < 0)
		return false;
	*out = nl_attr_get_u16(a);
	return true;
}

static bool get_u32(const struct nlattr *a, uint32_t *out)
{
	if (!a)
		return true;
	if (nl_attr_validate(a, NL_ATTR_U32) < 0)
		return false;
	*out = nl_attr_get_u32(a);
	return true;
}

static bool get_int(const struct nlattr *a, int *out)
{
	uint32_t v;

	if (!a)
		return true;
	if (!get_u32(a, &v))
		return false;
	*out = (int)v;
	return true;
}

/* A NUL-terminated string that must fit @n bytes with its NUL. */
static bool get_str(const struct nlattr *a, char *out, size_t n)
{
	size_t len;

	if (!a)
		return true;
	if (nl_attr_validate(a, NL_ATTR_STRZ) < 0)
		return false;
	len = strnlen(nl_attr_get_str(a), nl_attr_len(a));
	if (len >= n)
		return false;
	memcpy(out, nl_attr_get_str(a), len);
	out[len] = '\0';
	return true;
}

static bool get_bytes(const struct nlattr *a, uint8_t *out, size_t cap, uint8_t *len)
{
	if (!a)
		return true;
	if (nl_attr_len(a) > cap)
		return false;
	memcpy(out, nl_attr_data(a), nl_attr_len(a));
	*len = (uint8_t)nl_attr_len(a);
	return true;
}

static size_t family_addr_len(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* An address of @family (4 or 16 bytes; other families: at most 16). */
static bool get_addr(const struct nlattr *a, uint8_t family, uint8_t out[16], bool *has)
{
	size_t want = family_addr_len(family), len;

	if (!a)
		return true;
	len = nl_attr_len(a);
	if (want ? len != want : len > 16)
		return false;
	memset(out, 0, 16);
	memcpy(out, nl_attr_data(a), len);
	if (has)
		*has = true;
	return true;
}

/* RTA_VIA: struct rtvia, a 16-bit family then an address of it. */
static bool get_via(const struct nlattr *a, uint8_t out[16], uint8_t *family)
{
	struct rd r;
	uint16_t fam;
	struct slice addr;

	if (!a)
		return true;
	r = rd_init(nl_attr_data(a), nl_attr_len(a));
	fam = rd_ne16(&r);
	if (r.err || fam > UINT8_MAX || !family_addr_len((uint8_t)fam) ||
	    rd_left(&r) != family_addr_len((uint8_t)fam) ||
	    !rd_bytes(&r, family_addr_len((uint8_t)fam), &addr))
		return false;
	memset(out, 0, 16);
	memcpy(out, addr.p, addr.len);
	*family = (uint8_t)fam;
	return true;
}

static bool get_gw(const struct nlattr *gw, const struct nlattr *via, uint8_t family,
		   uint8_t out[16], uint8_t *gw_family)
{
	bool has = false;

	if (!get_addr(gw, family, out, &has))
		return false;
	if (has)
		*gw_family = family;
	return get_via(via, out, gw_family);
}

/* --------------------------------------------------------------- links */

static bool decode_linkinfo(const struct nlattr *a, struct nl_link *out)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1];

	if (!a)
		return true;
	if (nl_attr_validate(a, NL_ATTR_NESTED) < 0 ||
	    nl_attr_parse_table(nl_attr_data(a), nl_attr_len(a), tb, IFLA_INFO_MAX) < 0)
		return false;
	return get_str(tb[IFLA_INFO_KIND], out->kind, sizeof(out->kind)) &&
	       get_str(tb[IFLA_INFO_SLAVE_KIND], out->slave_kind, sizeof(out->slave_kind));
}

int nl_link_decode(const struct nlmsghdr *nlh, struct nl_link *out)
{
	const struct nlattr *tb[NL_IFLA_DECODE_MAX + 1];
	struct ifinfomsg ifi;
	bool ok = true;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	if (!family_hdr(nlh, &ifi, sizeof(ifi)) ||
	    attr_table(nlh, sizeof(ifi), tb, NL_IFLA_DECODE_MAX) < 0)
		return -EBADMSG;
	out->ifindex = ifi.ifi_index;
	out->flags = ifi.ifi_flags;
	out->type = ifi.ifi_type;
	out->link_netnsid = -1;
	ok &= get_str(tb[IFLA_IFNAME], out->name, sizeof(out->name));
	ok &= decode_linkinfo(tb[IFLA_LINKINFO], out);
	ok &= get_u32(tb[IFLA_MTU], &out->mtu);
	ok &= get_bytes(tb[IFLA_ADDRESS], out->addr, sizeof(out->addr), &out->addr_len);
	ok &= get_bytes(tb[IFLA_PERM_ADDRESS], out->perm_addr, sizeof(out->perm_addr),
			&out->perm_addr_len);
	ok &= get_u8(tb[IFLA_OPERSTATE], &out->operstate);
	ok &= get_str(tb[IFLA_IFALIAS], out->alias, sizeof(out->alias));
	ok &= get_int(tb[IFLA_MASTER], &out->master);
	ok &= get_int(tb[IFLA_LINK], &out->link);
	ok &= get_int(tb[IFLA_LINK_NETNSID], &out->link_netnsid);
	ok &= get_u32(tb[IFLA_GSO_MAX_SIZE], &out->gso_max_size);
	ok &= get_u32(tb[IFLA_GSO_MAX_SEGS], &out->gso_max_segs);
	ok &= get_u32(tb[IFLA_GRO_MAX_SIZE], &out->gro_max_size);
	ok &= get_u32(tb[NL_IFLA_GSO_IPV4_MAX_SIZE], &out->gso_ipv4_max_size);
	out->has_gso_ipv4_max_size = tb[NL_IFLA_GSO_IPV4_MAX_SIZE] != NULL;
	ok &= get_u32(tb[NL_IFLA_GRO_IPV4_MAX_SIZE], &out->gro_ipv4_max_size);
	ok &= get_u32(tb[IFLA_NUM_VF], &out->num_vf);
	ok &= get_str(tb[IFLA_PARENT_DEV_BUS_NAME], out->parent_bus, sizeof(out->parent_bus));
	ok &= get_str(tb[IFLA_PARENT_DEV_NAME], out->parent_dev, sizeof(out->parent_dev));
	return ok ? 0 : -EBADMSG;
}

/* ----------------------------------------------------------- addresses */

int nl_addr_decode(const struct nlmsghdr *nlh, struct nl_addr *out)
{
	const struct nlattr *tb[IFA_MAX + 1];
	struct ifaddrmsg ifa;
	uint8_t local[16] = { 0 }, address[16] = { 0 };
	bool has_local = false, has_address = false, ok = true;

	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	if (!family_hdr(nlh, &ifa, sizeof(ifa)) || attr_table(nlh, sizeof(ifa), tb, IFA_MAX) < 0)
		return -EBADMSG;
	out->ifindex = (int)ifa.ifa_index;
	out->family = ifa.ifa_family;
	out->prefixlen = ifa.ifa_prefixlen;
	out->scope = ifa.ifa_scope;
	out->flags = ifa.ifa_flags;
	out->valid_lft = out->preferred_lft = 0xffffffffu;
	ok &= get_addr(tb[IFA_LOCAL], ifa.ifa_family, local, &has_local);
	ok &= get_addr(tb[IFA_ADDRESS], ifa.ifa_family, address, &has_address);
	/* IFA_FLAGS carries the flags that do not fit ifa_flags' 8 bits. */
	ok &= get_u32(tb[IFA_FLAGS], &out->flags);
	ok &= get_str(tb[IFA_LABEL], out->label, sizeof(out->label));
	ok &= get_u32(tb[IFA_RT_PRIORITY], &out->rt_priority);
	if (tb[IFA_CACHEINFO]) {
		struct ifa_cacheinfo ci;

		if (nl_attr_len(tb[IFA_CACHEINFO]) != sizeof(ci))
			return -EBADMSG;
		memcpy(&ci, nl_attr_data(tb[IFA_CACHEINFO]), sizeof(ci));
		out->valid_lft = ci.ifa_valid;
		out->preferred_lft = ci.ifa_prefered;
	}
	if (!ok)
		return -EBADMSG;
	/*
	 * IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on
	 * point-to-point links and equals IFA_LOCAL otherwise (v6 often omits LOCAL).
	 */
	if (has_local) {
		memcpy(out->addr, local, 16);
		if (has_address && memcmp(local, address, 16) != 0) {
			memcpy(out->peer, address, 16);
			out->has_peer = true;
		}
	} else if (has_address) {
		memcpy(out->addr, address, 16);
	}
	return 0;
}

/* -------------------------------------------------------------- routes */

static bool decode_metrics(const struct nlattr *a, struct nl_route *out)
{
	const struct nlattr *tb[NL_RTAX_SLOTS];

	if (!a)
		return true;
	if (nl_attr_validate(a, NL_ATTR_NESTED) < 0 ||
	    nl_attr_parse_table(nl_attr_data(a), nl_attr_len(a), tb, NL_RTAX_SLOTS - 1) < 0)
		return false;
	for (unsigned t = 1; t < NL_RTAX_SLOTS; t++) {
		if (!tb[t])
			continue;
		if (t == RTAX_CC_ALGO) {
			if (!get_str(tb[t], out->cc_algo, sizeof(out->cc_algo)))
				return false;
			continue;
		}
		if (!get_u32(tb[t], &out->metrics[t]))
			return false;
		out->metrics_set |= 1u << t;
	}
	return get_u32(tb[RTAX_MTU], &out->mtu);
}

/* RTA_MULTIPATH: struct rtnexthop entries, each followed by its own attributes. */
static int decode_multipath(const struct nlattr *a, uint8_t family, struct nl_route *out)
{
	struct rd r;

	if (!a)
		return 0;
	r = rd_init(nl_attr_data(a), nl_attr_len(a));
	while (rd_left(&r) > 0) {
		const struct nlattr *tb[RTA_MAX + 1];
		struct nl_nexthop *nh;
		struct rtnexthop rtnh;
		struct slice s;
		size_t step;

		if (!rd_bytes(&r, sizeof(rtnh), &s))
			return -EBADMSG;
		memcpy(&rtnh, s.p, sizeof(rtnh));
		if (rtnh.rtnh_len < sizeof(rtnh) || rtnh.rtnh_len - sizeof(rtnh) > rd_left(&r))
			return -EBADMSG;
		if (out->n_nh == NL_NEXTHOPS_MAX)
			return -EMSGSIZE;
		nh = &out->nh[out->n_nh++];
		nh->ifindex = rtnh.rtnh_ifindex;
		nh->weight = (uint8_t)(rtnh.rtnh_hops + 1);
		if (nl_attr_parse_table(r.p, rtnh.rtnh_len - sizeof(rtnh), tb, RTA_MAX) < 0 ||
		    !get_gw(tb[RTA_GATEWAY], tb[RTA_VIA], family, nh->gw, &nh->gw_family))
			return -EBADMSG;
		step = RTNH_ALIGN((size_t)rtnh.rtnh_len) - sizeof(rtnh);
		if (step >= rd_left(&r))
			break;
		rd_skip(&r, step);
	}
	return 0;
}

int nl_route_decode(const struct nlmsghdr *nlh, struct nl_route *out)
{
	const struct nlattr *tb[RTA_MAX + 1];
	struct rtmsg rtm;
	bool ok = true;

	if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	if (!family_hdr(nlh, &rtm, sizeof(rtm)) || attr_table(nlh, sizeof(rtm), tb, RTA_MAX) < 0)
		return -EBADMSG;
	out->family = rtm.rtm_family;
	out->dst_len = rtm.rtm_dst_len;
	out->src_len = rtm.rtm_src_len;
	out->tos = rtm.rtm_tos;
	out->protocol = rtm.rtm_protocol;
	out->scope = rtm.rtm_scope;
	out->type = rtm.rtm_type;
	out->table = rtm.rtm_table;
	out->flags = rtm.rtm_flags;
	ok &= get_u32(tb[RTA_TABLE], &out->table);
	ok &= get_addr(tb[RTA_DST], rtm.rtm_family, out->dst, &out->has_dst);
	ok &= get_addr(tb[RTA_SRC], rtm.rtm_family, out->src, &out->has_src);
	ok &= get_addr(tb[RTA_PREFSRC], rtm.rtm_family, out->prefsrc, &out->has_prefsrc);
	ok &= get_gw(tb[RTA_GATEWAY], tb[RTA_VIA], rtm.rtm_family, out->gw, &out->gw_family);
	ok &= get_int(tb[RTA_OIF], &out->oif);
	ok &= get_u32(tb[RTA_PRIORITY], &out->priority);
	ok &= get_u32(tb[RTA_FLOW], &out->realms);
	ok &= decode_metrics(tb[RTA_METRICS], out);
	if (!ok)
		return -EBADMSG;
	return decode_multipath(tb[RTA_MULTIPATH], rtm.rtm_family, out);
}

/* --------------------------------------------------------------- rules */

/* FRA_SPORT_RANGE, FRA_DPORT_RANGE: struct fib_rule_port_range. */
static bool get_port_range(const struct nlattr *a, uint16_t *start, uint16_t *end, bool *has)
{
	struct fib_rule_port_range pr;

	if (!a)
		return true;
	if (nl_attr_len(a) != sizeof(pr))
		return false;
	memcpy(&pr, nl_attr_data(a), sizeof(pr));
	*start = pr.start;
	*end = pr.end;
	*has = true;
	return true;
}

/* Every attribute type the kernel may send that nl_rule_decode() keeps (or may ignore). */
static int rule_attr_known(const struct nlattr *a, void *data)
{
	struct nl_rule *r = data;

	switch (nl_attr_type(a)) {
	case FRA_DST:
	case FRA_SRC:
	case FRA_IIFNAME:
	case FRA_GOTO:
	case FRA_PRIORITY:
	case FRA_FWMARK:
	case FRA_FLOW:
	case FRA_TUN_ID:
	case FRA_SUPPRESS_IFGROUP:
	case FRA_SUPPRESS_PREFIXLEN:
	case FRA_TABLE:
	case FRA_FWMASK:
	case FRA_OIFNAME:
	case FRA_PAD:
	case FRA_L3MDEV:
	case FRA_UID_RANGE:
	case FRA_PROTOCOL:
	case FRA_IP_PROTO:
	case FRA_SPORT_RANGE:
	case FRA_DPORT_RANGE:
	case NL_FRA_SPORT_MASK:
	case NL_FRA_DPORT_MASK:
		break;
	default:
		r->unknown = true;
	}
	return 0;
}

bool nl_rule_same(const struct nl_rule *a, const struct nl_rule *b)
{
	size_t alen = family_addr_len(a->family);

	if (a->unknown || b->unknown)
		return false;
	return a->family == b->family && a->action == b->action && a->dst_len == b->dst_len &&
	       a->src_len == b->src_len && a->tos == b->tos && a->table == b->table &&
	       a->has_priority == b->has_priority &&
	       (!a->has_priority || a->priority == b->priority) &&
	       (a->flags & NL_RULE_SETTABLE_FLAGS) == (b->flags & NL_RULE_SETTABLE_FLAGS) &&
	       !memcmp(a->dst, b->dst, alen) && !memcmp(a->src, b->src, alen) &&
	       !strcmp(a->iifname, b->iifname) && !strcmp(a->oifname, b->oifname) &&
	       a->has_fwmark == b->has_fwmark && a->fwmark == b->fwmark && a->fwmask == b->fwmask &&
	       a->has_uidrange == b->has_uidrange && a->uid_start == b->uid_start &&
	       a->uid_end == b->uid_end && a->protocol == b->protocol &&
	       a->ip_proto == b->ip_proto && a->l3mdev == b->l3mdev &&
	       a->has_sport == b->has_sport && a->sport_start == b->sport_start &&
	       a->sport_end == b->sport_end && a->has_dport == b->has_dport &&
	       a->dport_start == b->dport_start && a->dport_end == b->dport_end &&
	       a->sport_mask == b->sport_mask && a->dport_mask == b->dport_mask &&
	       a->has_suppress_prefixlen == b->has_suppress_prefixlen &&
	       a->suppress_prefixlen == b->suppress_prefixlen &&
	       a->has_suppress_ifgroup == b->has_suppress_ifgroup &&
	       a->suppress_ifgroup == b->suppress_ifgroup && a->tun_id == b->tun_id &&
	       a->flow == b->flow && a->goto_target == b->goto_target;
}

int nl_rule_decode(const struct nlmsghdr *nlh, struct nl_rule *out)
{
	const struct nlattr *tb[NL_FRA_DPORT_MASK + 1];
	struct fib_rule_hdr frh;
	bool ok = true;

	if (nlh->nlmsg_type != RTM_NEWRULE && nlh->nlmsg_type != RTM_DELRULE)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	if (!family_hdr(nlh, &frh, sizeof(frh)) ||
	    attr_table(nlh, sizeof(frh), tb, NL_FRA_DPORT_MASK) < 0)
		return -EBADMSG;
	out->family = frh.family;
	out->action = frh.action;
	out->dst_len = frh.dst_len;
	out->src_len = frh.src_len;
	out->tos = frh.tos;
	out->table = frh.table;
	out->flags = frh.flags;
	ok &= get_u32(tb[FRA_TABLE], &out->table);
	out->has_priority = tb[FRA_PRIORITY] != NULL;
	ok &= get_u32(tb[FRA_PRIORITY], &out->priority);
	ok &= get_addr(tb[FRA_SRC], frh.family, out->src, NULL);
	ok &= get_addr(tb[FRA_DST], frh.family, out->dst, NULL);
	ok &= get_str(tb[FRA_IIFNAME], out->iifname, sizeof(out->iifname));
	ok &= get_str(tb[FRA_OIFNAME], out->oifname, sizeof(out->oifname));
	out->has_fwmark = tb[FRA_FWMARK] != NULL;
	ok &= get_u32(tb[FRA_FWMARK], &out->fwmark);
	ok &= get_u32(tb[FRA_FWMASK], &out->fwmask);
	ok &= get_u8(tb[FRA_PROTOCOL], &out->protocol);
	ok &= get_u8(tb[FRA_IP_PROTO], &out->ip_proto);
	ok &= get_u8(tb[FRA_L3MDEV], &out->l3mdev);
	ok &= get_port_range(tb[FRA_SPORT_RANGE], &out->sport_start, &out->sport_end,
			     &out->has_sport);
	ok &= get_port_range(tb[FRA_DPORT_RANGE], &out->dport_start, &out->dport_end,
			     &out->has_dport);
	ok &= get_u16(tb[NL_FRA_SPORT_MASK], &out->sport_mask);
	ok &= get_u16(tb[NL_FRA_DPORT_MASK], &out->dport_mask);
	out->has_suppress_prefixlen = tb[FRA_SUPPRESS_PREFIXLEN] != NULL;
	ok &= get_u32(tb[FRA_SUPPRESS_PREFIXLEN], &out->suppress_prefixlen);
	out->has_suppress_ifgroup = tb[FRA_SUPPRESS_IFGROUP] != NULL;
	ok &= get_u32(tb[FRA_SUPPRESS_IFGROUP], &out->suppress_ifgroup);
	ok &= get_u32(tb[FRA_FLOW], &out->flow);
	ok &= get_u32(tb[FRA_GOTO], &out->goto_target);
	if (tb[FRA_TUN_ID]) {
		uint64_t be;

		if (nl_attr_len(tb[FRA_TUN_ID]) != sizeof(be))
			return -EBADMSG;
		memcpy(&be, nl_attr_data(tb[FRA_TUN_ID]), sizeof(be));
		out->tun_id = be64toh(be);
	}
	/* A selector we cannot put back makes the rule one not to copy or re-add. */
	if (nl_attr_parse(nlh, NLMSG_ALIGN(sizeof(frh)), rule_attr_known, out) < 0)
		return -EBADMSG;
	if (frh.flags & ~(uint32_t)(FIB_RULE_PERMANENT | FIB_RULE_INVERT | FIB_RULE_UNRESOLVED |
				    FIB_RULE_IIF_DETACHED | FIB_RULE_OIF_DETACHED))
		out->unknown = true;
	if (frh.action > FR_ACT_PROHIBIT)
		out->unknown = true;
	if (tb[FRA_UID_RANGE]) {
		struct fib_rule_uid_range ur;

		if (nl_attr_len(tb[FRA_UID_RANGE]) != sizeof(ur))
			return -EBADMSG;
		memcpy(&ur, nl_attr_data(tb[FRA_UID_RANGE]), sizeof(ur));
		out->uid_start = ur.start;
		out->uid_end = ur.end;
		out->has_uidrange = true;
	}
	return ok ? 0 : -EBADMSG;
}

/* ---------------------------------------------------------- neighbours */

int nl_neigh_decode(const struct nlmsghdr *nlh, struct nl_neigh *out)
{
	const struct nlattr *tb[NDA_MAX + 1];
	struct ndmsg ndm;
	bool ok = true;

	if (nlh->nlmsg_type != RTM_NEWNEIGH && nlh->nlmsg_type != RTM_DELNEIGH)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	if (!family_hdr(nlh, &ndm, sizeof(ndm)) || attr_table(nlh, sizeof(ndm), tb, NDA_MAX) < 0)
		return -EBADMSG;
	out->ifindex = ndm.ndm_ifindex;
	out->family = ndm.ndm_family;
	out->state = ndm.ndm_state;
	out->flags = ndm.ndm_flags;
	ok &= get_addr(tb[NDA_DST], ndm.ndm_family, out->dst, NULL);
	ok &= get_bytes(tb[NDA_LLADDR], out->lladdr, sizeof(out->lladdr), &out->lladdr_len);
	return ok ? 0 : -EBADMSG;
}

/* --------------------------------------------------------------- dumps */

struct collect {
	struct arena *a;
	uint8_t *items;
	size_t n, cap, elem;
	int (*decode)(const struct nlmsghdr *nlh, void *out);
	bool skip_cloned;
};

static int dec_link(const struct nlmsghdr *nlh, void *out)
{
	return nl_link_decode(nlh, out);
}

static int dec_addr(const struct nlmsghdr *nlh, void *out)
{
	return nl_addr_decode(nlh, out);
}

static int dec_route(const struct nlmsghdr *nlh, void *out)
{
	return nl_route_decode(nlh, out);
}

static int dec_rule(const struct nlmsghdr *nlh, void *out)
{
	return nl_rule_decode(nlh, out);
}

static int dec_neigh(const struct nlmsghdr *nlh, void *out)
{
	return nl_neigh_decode(nlh, out);
}

static int collect_cb(const struct nlmsghdr *nlh, void *data)
{
	struct collect *c = data;
	void *slot;
	int ret;

	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 16, old, bytes;
		uint8_t *p;

		if (size_mul_overflows(c->cap, c->elem, &old) ||
		    size_mul_overflows(ncap, c->elem, &bytes))
			return -ENOMEM;
		p = arena_realloc(c->a, c->items, old, bytes);
		if (!p)
			return -ENOMEM;
		c->items = p;
		c->cap = ncap;
	}
	slot = c->items + c->n * c->elem;
	ret = c->decode(nlh, slot);
	if (ret == -ENOENT)
		return 0; /* another message type */
	if (ret < 0)
		return ret;
	if (c->skip_cloned && (((struct nl_route *)slot)->flags & RTM_F_CLONED))
		return 0;
	c->n++;
	return 0;
}

static void collect_restart(void *data)
{
	((struct collect *)data)->n = 0;
}

static int dump(struct nl_sock *s, uint16_t type, const void *hdr, size_t hdrlen, struct collect *c,
		void **out, size_t *n)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = nl_msg_put_header(buf, sizeof(buf), type, NLM_F_DUMP);
	char extack[128];
	void *fh;
	int ret;

	*out = NULL;
	*n = 0;
	fh = nl_msg_put_extra(nlh, sizeof(buf), hdrlen);
	if (!fh)
		return -EMSGSIZE;
	memcpy(fh, hdr, hdrlen);
	ret = nl_request(s, nlh, collect_cb, c, collect_restart, extack, sizeof(extack));
	if (ret < 0) {
		log_debug("netlink dump failed", "type=%u err=%d extack=\"%s\"", type, ret, extack);
		return ret;
	}
	*out = c->items;
	*n = c->n;
	return 0;
}

int nl_link_dump(struct nl_sock *s, struct arena *a, struct nl_link **out, size_t *n)
{
	struct collect c = { .a = a, .elem = sizeof(**out), .decode = dec_link };
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

	return dump(s, RTM_GETLINK, &ifi, sizeof(ifi), &c, (void **)out, n);
}

static int link_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_link *l = data;
	int ret = nl_link_decode(nlh, l);

	return ret == -ENOENT ? 0 : ret;
}

int nl_link_get(struct nl_sock *s, int ifindex, struct nl_link *out)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = nl_msg_put_header(buf, sizeof(buf), RTM_GETLINK, 0);
	struct ifinfomsg *ifi = nl_msg_put_extra(nlh, sizeof(buf), sizeof(*ifi));
	int ret;

	memset(out, 0, sizeof(*out));
	if (ifindex <= 0)
		return -EINVAL;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ret = nl_request(s, nlh, link_get_cb, out, NULL, NULL, 0);
	if (ret < 0)
		return ret;
	return out->ifindex == ifindex ? 0 : -ENODEV;
}

int nl_addr_dump(struct nl_sock *s, uint8_t family, struct arena *a, struct nl_addr **out,
		 size_t *n)
{
	struct collect c = { .a = a, .elem = sizeof(**out), .decode = dec_addr };
	struct ifaddrmsg ifa = { .ifa_family = family };

	return dump(s, RTM_GETADDR, &ifa, sizeof(ifa), &c, (void **)out, n);
}

int nl_route_dump(struct nl_sock *s, uint8_t family, struct arena *a, struct nl_route **out,
		  size_t *n)
{
	struct collect c = {
		.a = a, .elem = sizeof(**out), .decode = dec_route, .skip_cloned = true
	};
	struct rtmsg rtm = { .rtm_family = family, .rtm_table = RT_TABLE_UNSPEC };

	return dump(s, RTM_GETROUTE, &rtm, sizeof(rtm), &c, (void **)out, n);
}

int nl_rule_dump(struct nl_sock *s, uint8_t family, struct arena *a, struct nl_rule **out,
		 size_t *n)
{
	struct collect c = { .a = a, .elem = sizeof(**out), .decode = dec_rule };
	struct fib_rule_hdr frh = { .family = family };

	return dump(s, RTM_GETRULE, &frh, sizeof(frh), &c, (void **)out, n);
}

int nl_neigh_dump(struct nl_sock *s, uint8_t family, struct arena *a, struct nl_neigh **out,
		  size_t *n)
{
	struct collect c = { .a = a, .elem = sizeof(**out), .decode = dec_neigh };
	struct ndmsg ndm = { .ndm_family = family };

	return dump(s, RTM_GETNEIGH, &ndm, sizeof(ndm), &c, (void **)out, n);
}

int nl_neigh_proxy_dump(struct nl_sock *s, uint8_t family, struct arena *a, struct nl_neigh **out,
			size_t *n)
{
	struct collect c = { .a = a, .elem = sizeof(**out), .decode = dec_neigh };
	struct ndmsg ndm = { .ndm_family = family, .ndm_flags = NTF_PROXY };

	return dump(s, RTM_GETNEIGH, &ndm, sizeof(ndm), &c, (void **)out, n);
}

/* --------------------------------------------------------------- names */

/* vishvananda/netlink's IfInfomsg.EncapType() strings (upstream's dra.net/encapsulation). */
static const struct {
	unsigned short type;
	const char *name;
} arphrd_names[] = {
	{ 0, "generic" },
	{ ARPHRD_ETHER, "ether" },
	{ ARPHRD_EETHER, "eether" },
	{ ARPHRD_AX25, "ax25" },
	{ ARPHRD_PRONET, "pronet" },
	{ ARPHRD_CHAOS, "chaos" },
	{ ARPHRD_IEEE802, "ieee802" },
	{ ARPHRD_ARCNET, "arcnet" },
	{ ARPHRD_APPLETLK, "atalk" },
	{ ARPHRD_DLCI, "dlci" },
	{ ARPHRD_ATM, "atm" },
	{ ARPHRD_METRICOM, "metricom" },
	{ ARPHRD_IEEE1394, "ieee1394" },
	{ ARPHRD_INFINIBAND, "infiniband" },
	{ ARPHRD_SLIP, "slip" },
	{ ARPHRD_CSLIP, "cslip" },
	{ ARPHRD_SLIP6, "slip6" },
	{ ARPHRD_CSLIP6, "cslip6" },
	{ ARPHRD_RSRVD, "rsrvd" },
	{ ARPHRD_ADAPT, "adapt" },
	{ ARPHRD_ROSE, "rose" },
	{ ARPHRD_X25, "x25" },
	{ ARPHRD_HWX25, "hwx25" },
	{ ARPHRD_PPP, "ppp" },
	{ ARPHRD_HDLC, "hdlc" },
	{ ARPHRD_LAPB, "lapb" },
	{ ARPHRD_DDCMP, "ddcmp" },
	{ ARPHRD_RAWHDLC, "rawhdlc" },
	{ ARPHRD_TUNNEL, "ipip" },
	{ ARPHRD_TUNNEL6, "tunnel6" },
	{ ARPHRD_FRAD, "frad" },
	{ ARPHRD_SKIP, "skip" },
	{ ARPHRD_LOOPBACK, "loopback" },
	{ ARPHRD_LOCALTLK, "ltalk" },
	{ ARPHRD_FDDI, "fddi" },
	{ ARPHRD_BIF, "bif" },
	{ ARPHRD_SIT, "sit" },
	{ ARPHRD_IPDDP, "ip/ddp" },
	{ ARPHRD_IPGRE, "gre" },
	{ ARPHRD_PIMREG, "pimreg" },
	{ ARPHRD_HIPPI, "hippi" },
	{ ARPHRD_ASH, "ash" },
	{ ARPHRD_ECONET, "econet" },
	{ ARPHRD_IRDA, "irda" },
	{ ARPHRD_FCPP, "fcpp" },
	{ ARPHRD_FCAL, "fcal" },
	{ ARPHRD_FCPL, "fcpl" },
	{ ARPHRD_FCFABRIC, "fcfb0" },
	{ ARPHRD_FCFABRIC + 1, "fcfb1" },
	{ ARPHRD_FCFABRIC + 2, "fcfb2" },
	{ ARPHRD_FCFABRIC + 3, "fcfb3" },
	{ ARPHRD_FCFABRIC + 4, "fcfb4" },
	{ ARPHRD_FCFABRIC + 5, "fcfb5" },
	{ ARPHRD_FCFABRIC + 6, "fcfb6" },
	{ ARPHRD_FCFABRIC + 7, "fcfb7" },
	{ ARPHRD_FCFABRIC + 8, "fcfb8" },
	{ ARPHRD_FCFABRIC + 9, "fcfb9" },
	{ ARPHRD_FCFABRIC + 10, "fcfb10" },
	{ ARPHRD_FCFABRIC + 11, "fcfb11" },
	{ ARPHRD_FCFABRIC + 12, "fcfb12" },
	{ ARPHRD_IEEE802_TR, "tr" },
	{ ARPHRD_IEEE80211, "ieee802.11" },
	{ ARPHRD_IEEE80211_PRISM, "ieee802.11/prism" },
	{ ARPHRD_IEEE80211_RADIOTAP, "ieee802.11/radiotap" },
	{ ARPHRD_IEEE802154, "ieee802.15.4" },
	{ ARPHRD_NONE, "none" },
	{ ARPHRD_VOID, "void" },
};

const char *nl_arphrd_name(unsigned short type)
{
	for (size_t i = 0; i < ARRAY_SIZE(arphrd_names); i++)
		if (arphrd_names[i].type == type)
			return arphrd_names[i].name;
	return "unknown";
}

const char *nl_arphrd_format(unsigned short type, char *out, size_t n)
{
	const char *name = nl_arphrd_name(type);

	if (strcmp(name, "unknown") == 0)
		snprintf(out, n, "unknown%u", (unsigned)type);
	else
		snprintf(out, n, "%s", name);
	return out;
}

/* vishvananda/netlink's LinkOperState.String() (upstream's dra.net/state). */
const char *nl_operstate_name(uint8_t state)
{
	static const char *const names[] = {
		[IF_OPER_UNKNOWN] = "unknown", [IF_OPER_NOTPRESENT] = "not-present",
		[IF_OPER_DOWN] = "down",       [IF_OPER_LOWERLAYERDOWN] = "lower-layer-down",
		[IF_OPER_TESTING] = "testing", [IF_OPER_DORMANT] = "dormant",
		[IF_OPER_UP] = "up",
	};

	return state < ARRAY_SIZE(names) ? names[state] : "unknown";
}

const char *nl_addr_ntop(uint8_t family, const uint8_t *addr, char *out, size_t n)
{
	if (n == 0)
		return out;
	if ((family != AF_INET && family != AF_INET6) ||
	    !inet_ntop(family, addr, out, (socklen_t)(n > INT32_MAX ? INT32_MAX : n)))
		out[0] = '\0';
	return out;
}
