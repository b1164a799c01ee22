// SPDX-License-Identifier: Apache-2.0
/*
 * The rtnetlink requests of the engine: link set/move, address, route,
 * rule and neighbour add/delete, and finding a device again by identity.
 * include/uapi/linux/{rtnetlink,if_link,if_addr,fib_rules,neighbour}.h.
 */
#include "attach/attach.h"

#include <endian.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "attach/internal.h"
#include "nl/kcompat.h"

static size_t fam_len(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

struct nlmsghdr *attach_nl_link_msg(void *buf, size_t cap, int ifindex,
				    const struct attach_link_set *ls)
{
	struct nlmsghdr *nlh = nl_msg_put_header(buf, cap, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = nlh ? nl_msg_put_extra(nlh, cap, sizeof(*ifi)) : NULL;
	bool ok = true;

	if (!ifi)
		return NULL;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (ls->set_up || ls->set_down) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = ls->set_up ? IFF_UP : 0;
	}
	if (ls->netns_fd >= 0)
		ok &= nl_attr_put_u32(nlh, cap, IFLA_NET_NS_FD, (uint32_t)ls->netns_fd);
	if (ls->netns_fd >= 0 && ls->new_ifindex > 0)
		ok &= nl_attr_put_u32(nlh, cap, IFLA_NEW_IFINDEX, (uint32_t)ls->new_ifindex);
	if (ls->name && ls->name[0])
		ok &= nl_attr_put_strz(nlh, cap, IFLA_IFNAME, ls->name);
	if (ls->mtu)
		ok &= nl_attr_put_u32(nlh, cap, IFLA_MTU, ls->mtu);
	if (ls->mac_len)
		ok &= nl_attr_put(nlh, cap, IFLA_ADDRESS, ls->mac_len, ls->mac);
	if (ls->gso_max_size)
		ok &= nl_attr_put_u32(nlh, cap, IFLA_GSO_MAX_SIZE, ls->gso_max_size);
	if (ls->gro_max_size)
		ok &= nl_attr_put_u32(nlh, cap, IFLA_GRO_MAX_SIZE, ls->gro_max_size);
	if (ls->gso_ipv4_max_size)
		ok &= nl_attr_put_u32(nlh, cap, NL_IFLA_GSO_IPV4_MAX_SIZE, ls->gso_ipv4_max_size);
	if (ls->gro_ipv4_max_size)
		ok &= nl_attr_put_u32(nlh, cap, NL_IFLA_GRO_IPV4_MAX_SIZE, ls->gro_ipv4_max_size);
	if (ls->set_master)
		ok &= nl_attr_put_u32(nlh, cap, IFLA_MASTER, (uint32_t)ls->master);
	return ok ? nlh : NULL;
}

int attach_nl_link_set(struct nl_sock *s, int ifindex, const struct attach_link_set *ls, char *ext,
		       size_t extlen)
{
	uint8_t buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = attach_nl_link_msg(buf, sizeof(buf), ifindex, ls);

	if (!nlh)
		return -EMSGSIZE;
	return nl_request(s, nlh, NULL, NULL, NULL, ext, extlen);
}

int attach_nl_addr(struct nl_sock *s, bool add, int ifindex, const struct nl_addr *a, char *ext,
		   size_t extlen)
{
	uint8_t buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = nl_msg_put_header(buf, sizeof(buf), add ? RTM_NEWADDR : RTM_DELADDR,
						 add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	struct ifaddrmsg *ifa = nl_msg_put_extra(nlh, sizeof(buf), sizeof(*ifa));
	size_t len = fam_len(a->family);
	bool ok = true;

	if (!len)
		return -EAFNOSUPPORT;
	ifa->ifa_family = a->family;
	ifa->ifa_prefixlen = a->prefixlen;
	ifa->ifa_index = (uint32_t)ifindex;
	ifa->ifa_scope = a->scope;
	ok &= nl_attr_put(nlh, sizeof(buf), IFA_LOCAL, len, a->addr);
	ok &= nl_attr_put(nlh, sizeof(buf), IFA_ADDRESS, len, a->has_peer ? a->peer : a->addr);
	if (add) {
		/* Settable flags only (IFA_F_PERMANENT, TENTATIVE... are the kernel's). */
		uint32_t fl = a->flags & (IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR |
					  IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN);

		if (fl)
			ok &= nl_attr_put_u32(nlh, sizeof(buf), IFA_FLAGS, fl);
		if (a->family == AF_INET && a->label[0])
			ok &= nl_attr_put_strz(nlh, sizeof(buf), IFA_LABEL, a->label);
		/* The address's metric: its prefix route gets it (ip addr ... metric N). */
		if (a->rt_priority)
			ok &= nl_attr_put_u32(nlh, sizeof(buf), IFA_RT_PRIORITY, a->rt_priority);
		if (a->valid_lft != 0xffffffffu || a->preferred_lft != 0xffffffffu) {
			struct ifa_cacheinfo ci = { .ifa_prefered = a->preferred_lft,
						    .ifa_valid = a->valid_lft };

			if (a->valid_lft)
				ok &= nl_attr_put(nlh, sizeof(buf), IFA_CACHEINFO, sizeof(ci), &ci);
		}
	}
	if (!ok)
		return -EMSGSIZE;
	return nl_request(s, nlh, NULL, NULL, NULL, ext, extlen);
}

struct nlmsghdr *attach_nl_route_msg(void *buf, size_t cap, bool add, int ifindex,
				     const struct nl_route *r)
{
	struct nlmsghdr *nlh = nl_msg_put_header(buf, cap, add ? RTM_NEWROUTE : RTM_DELROUTE,
						 add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	struct rtmsg *rtm = nlh ? nl_msg_put_extra(nlh, cap, sizeof(*rtm)) : NULL;
	size_t len = fam_len(r->family);
	uint32_t table = r->table ? r->table : RT_TABLE_MAIN;
	bool ok = true;

	if (!rtm || !len)
		return NULL;
	rtm->rtm_family = r->family;
	rtm->rtm_dst_len = r->dst_len;
	rtm->rtm_src_len = r->src_len;
	rtm->rtm_tos = r->tos;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = add ? (r->protocol ? r->protocol : RTPROT_BOOT) : RTPROT_UNSPEC;
	rtm->rtm_scope = add ? r->scope : RT_SCOPE_NOWHERE;
	rtm->rtm_type = r->type ? r->type : RTN_UNICAST;
	/* onlink is the one next-hop flag a user sets; the others are the kernel's. */
	if (add)
		rtm->rtm_flags = r->flags & RTNH_F_ONLINK;
	ok &= nl_attr_put_u32(nlh, cap, RTA_TABLE, table);
	if (r->dst_len)
		ok &= nl_attr_put(nlh, cap, RTA_DST, len, r->dst);
	if (r->src_len)
		ok &= nl_attr_put(nlh, cap, RTA_SRC, len, r->src);
	if (r->has_prefsrc)
		ok &= nl_attr_put(nlh, cap, RTA_PREFSRC, len, r->prefsrc);
	if (r->gw_family == r->family) {
		ok &= nl_attr_put(nlh, cap, RTA_GATEWAY, len, r->gw);
	} else if (r->gw_family) {
		/* RTA_VIA: struct rtvia { family; addr[] } (an IPv6 next hop of an IPv4 route). */
		uint8_t via[2 + 16] = { 0 };
		size_t glen = fam_len(r->gw_family);

		memcpy(via, &(uint16_t){ r->gw_family }, 2);
		memcpy(via + 2, r->gw, glen);
		ok &= nl_attr_put(nlh, cap, RTA_VIA, 2 + glen, via);
	}
	if (ifindex > 0)
		ok &= nl_attr_put_u32(nlh, cap, RTA_OIF, (uint32_t)ifindex);
	if (r->priority)
		ok &= nl_attr_put_u32(nlh, cap, RTA_PRIORITY, r->priority);
	if (add && r->realms)
		ok &= nl_attr_put_u32(nlh, cap, RTA_FLOW, r->realms);
	if (add && (r->mtu || r->metrics_set || r->cc_algo[0])) {
		struct nlattr *m = nl_attr_nest_start(nlh, cap, RTA_METRICS);

		ok &= m != NULL;
		/* Every metric as dumped, in type order; mtu alone for a route built by hand. */
		for (unsigned t = 1; m && t < NL_RTAX_SLOTS; t++) {
			if (t == RTAX_MTU && !(r->metrics_set & (1u << t)) && r->mtu)
				ok &= nl_attr_put_u32(nlh, cap, RTAX_MTU, r->mtu);
			else if (t == RTAX_CC_ALGO && r->cc_algo[0])
				ok &= nl_attr_put_strz(nlh, cap, RTAX_CC_ALGO, r->cc_algo);
			else if (t != RTAX_CC_ALGO && (r->metrics_set & (1u << t)))
				ok &= nl_attr_put_u32(nlh, cap, (uint16_t)t, r->metrics[t]);
		}
		if (m)
			nl_attr_nest_end(nlh, m);
	}
	return ok ? nlh : NULL;
}

int attach_nl_route(struct nl_sock *s, bool add, int ifindex, const struct nl_route *r, char *ext,
		    size_t extlen)
{
	uint8_t buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;

	if (!fam_len(r->family))
		return -EAFNOSUPPORT;
	nlh = attach_nl_route_msg(buf, sizeof(buf), add, ifindex, r);
	if (!nlh)
		return -EMSGSIZE;
	return nl_request(s, nlh, NULL, NULL, NULL, ext, extlen);
}

int attach_nl_rule(struct nl_sock *s, bool add, const struct nl_rule *r, char *ext, size_t extlen)
{
	uint8_t buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = nl_msg_put_header(buf, sizeof(buf), add ? RTM_NEWRULE : RTM_DELRULE,
						 add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	struct fib_rule_hdr *h = nl_msg_put_extra(nlh, sizeof(buf), sizeof(*h));
	size_t len = fam_len(r->family);
	uint32_t table = r->table ? r->table : RT_TABLE_MAIN;
	bool ok = true;

	if (!len)
		return -EAFNOSUPPORT;
	/* A rule with a selector we cannot write would come out broader: never. */
	if (r->unknown)
		return -EOPNOTSUPP;
	h->family = r->family;
	h->dst_len = r->dst_len;
	h->src_len = r->src_len;
	h->tos = r->tos;
	h->action = r->action ? r->action : FR_ACT_TO_TBL;
	h->flags = r->flags & NL_RULE_SETTABLE_FLAGS;
	h->table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	if (h->action == FR_ACT_TO_TBL)
		ok &= nl_attr_put_u32(nlh, sizeof(buf), FRA_TABLE, table);
	if (r->has_priority)
		ok &= nl_attr_put_u32(nlh, sizeof(buf), FRA_PRIORITY, r->priority);
	if (r->src_len)
		ok &= nl_attr_put(nlh, sizeof(buf), FRA_SRC, len, r->src);
	if (r->dst_len)
		ok &= nl_attr_put(nlh, sizeof(buf), FRA_DST, len, r->dst);
	if (r->iifname[0])
		ok &= nl_attr_put_strz(nlh, sizeof(buf), FRA_IIFNAME, r->iifname);
	if (r->oifname[0])
		ok &= nl_attr_put_strz(nlh, sizeof(buf), FRA_OIFNAME, r->oifname);
	if (r->has_fwmark)
		ok &= nl_attr_put_u32(nlh, sizeof(buf), FRA_FWMARK, r->fwmark);
	if (r->has_fwmark || r->fwmask)
		ok &= nl_attr_put_u32(nlh, sizeof(buf), FRA_FWMASK, r->fwmask);
	if (r->has_uidrange) {
		struct fib_rule_uid_range u = { r->uid_start, r->uid_end };

		ok &= nl_attr_put(nlh, sizeof(buf), FRA_UID_RANGE, sizeof(u), &u);
	}
	if (add && r->protocol)
		ok &= nl_attr_put_u8(nlh, sizeof(buf), FRA_PROTOCOL, r->protocol);
	/* Every other selector the decoder keeps, so that no rule comes back broader. */
	if (r->ip_proto)
		ok &= nl_attr_put_u8(nlh, sizeof(buf), FRA_IP_PROTO, r->ip_proto);
	if (r->l3mdev)
		ok &= nl_attr_put_u8(nlh, sizeof(buf), FRA_L3MDEV, r->l3mdev);
	if (r->has_sport) {
		struct fib_rule_port_range pr = { r->sport_start, r->sport_end };

		ok &= nl_attr_put(nlh, sizeof(buf), FRA_SPORT_RANGE, sizeof(pr), &pr);
	}
	if (r->has_dport) {
		struct fib_rule_port_range pr = { r->dport_start, r->dport_end };

		ok &= nl_attr_put(nlh, sizeof(buf), FRA_DPORT_RANGE, sizeof(pr), &pr);
	}
	/* A single port gets the mask 0xffff by itself; older kernels know no mask. */
	if (r->sport_mask && !(r->sport_mask == 0xffff && r->sport_start == r->sport_end))
		ok &= nl_attr_put_u16(nlh, sizeof(buf), NL_FRA_SPORT_MASK, r->sport_mask);
	if (r->dport_mask && !(r->dport_mask == 0xffff && r->dport_start == r->dport_end))
		ok &= nl_attr_put_u16(nlh, sizeof(buf), NL_FRA_DPORT_MASK, r->dport_mask);
	if (r->has_suppress_prefixlen)
		ok &= nl_attr_put_u32(nlh, sizeof(buf), FRA_SUPPRESS_PREFIXLEN,
				      r->suppress_prefixlen);
	if (r->has_suppress_ifgroup)
		ok &= nl_attr_put_u32(nlh, sizeof(buf), FRA_SUPPRESS_IFGROUP, r->suppress_ifgroup);
	if (r->tun_id)
		ok &= nl_attr_put_u64(nlh, sizeof(buf), FRA_TUN_ID, htobe64(r->tun_id));
	if (r->flow)
		ok &= nl_attr_put_u32(nlh, sizeof(buf), FRA_FLOW, r->flow);
	if (r->goto_target)
		ok &= nl_attr_put_u32(nlh, sizeof(buf), FRA_GOTO, r->goto_target);
	if (!ok)
		return -EMSGSIZE;
	return nl_request(s, nlh, NULL, NULL, NULL, ext, extlen);
}

int attach_nl_neigh(struct nl_sock *s, bool add, int ifindex, const struct nl_neigh *n, char *ext,
		    size_t extlen)
{
	uint8_t buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh =
		nl_msg_put_header(buf, sizeof(buf), add ? RTM_NEWNEIGH : RTM_DELNEIGH,
				  add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	struct ndmsg *nd = nl_msg_put_extra(nlh, sizeof(buf), sizeof(*nd));
	size_t len = fam_len(n->family);
	bool ok = true;

	if (!len)
		return -EAFNOSUPPORT;
	nd->ndm_family = n->family;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = NUD_PERMANENT;
	nd->ndm_flags = n->flags;
	ok &= nl_attr_put(nlh, sizeof(buf), NDA_DST, len, n->dst);
	if (add && n->lladdr_len)
		ok &= nl_attr_put(nlh, sizeof(buf), NDA_LLADDR, n->lladdr_len, n->lladdr);
	if (!ok)
		return -EMSGSIZE;
	return nl_request(s, nlh, NULL, NULL, NULL, ext, extlen);
}

bool attach_is_ours(const struct nl_link *l, const struct attach_snapshot *s,
		    const struct attach_peer *peer, const uint8_t *alt_mac, size_t alt_mac_len)
{
	/* Hardware: every stable identity the snapshot has must match. */
	if (s->perm_addr_len || s->pci[0]) {
		if (s->perm_addr_len && (l->perm_addr_len != s->perm_addr_len ||
					 memcmp(l->perm_addr, s->perm_addr, s->perm_addr_len)))
			return false;
		return !s->pci[0] || !strcmp(l->parent_dev, s->pci);
	}
	if (strcmp(l->kind, s->kind))
		return false;
	/* A veth: the host's peer must point at this very link, in its netns. */
	if (!strcmp(s->kind, "veth") && s->peer_ifindex > 0)
		return peer && peer->known && !strcmp(peer->link.kind, "veth") &&
		       peer->link.ifindex == s->peer_ifindex && peer->link.link == l->ifindex &&
		       peer->link.link_netnsid == peer->nsid && l->link == s->peer_ifindex;
	/* Other virtual kinds: one of the MACs it can have (a pod can imitate it). */
	return (l->addr_len == s->mac_len && !memcmp(l->addr, s->mac, s->mac_len)) ||
	       (alt_mac_len && l->addr_len == alt_mac_len &&
		!memcmp(l->addr, alt_mac, alt_mac_len));
}

/* The id (seen through @host) of the netns of @ns_fd: RTM_GETNSID. */
static int netns_id_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;
	size_t off = NLMSG_LENGTH(sizeof(struct rtgenmsg));

	if (nlh->nlmsg_type != RTM_NEWNSID || nlh->nlmsg_len < off)
		return 0;
	for (a = (const void *)((const char *)nlh + NLMSG_ALIGN(off));
	     (const char *)a + sizeof(*a) <= (const char *)nlh + nlh->nlmsg_len &&
	     a->nla_len >= sizeof(*a);
	     a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len)))
		if ((a->nla_type & NLA_TYPE_MASK) == NETNSA_NSID && a->nla_len >= NLA_HDRLEN + 4)
			*(int *)data = (int)nl_attr_get_u32(a);
	return 0;
}

int attach_netns_id(struct nl_sock *host, int ns_fd, int *nsid)
{
	uint8_t buf[64];
	struct nlmsghdr *nlh = nl_msg_put_header(buf, sizeof(buf), RTM_GETNSID, 0);
	struct rtgenmsg *g = nlh ? nl_msg_put_extra(nlh, sizeof(buf), sizeof(*g)) : NULL;

	*nsid = -2;
	if (!g || !nl_attr_put_u32(nlh, sizeof(buf), NETNSA_FD, (uint32_t)ns_fd))
		return -EMSGSIZE;
	g->rtgen_family = AF_UNSPEC;
	return nl_request(host, nlh, netns_id_cb, nsid, NULL, NULL, 0);
}

int attach_peer_read(struct nl_sock *host, int ns_fd, const struct attach_snapshot *snap,
		     struct attach_peer *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	out->nsid = -1;
	if (strcmp(snap->kind, "veth") || snap->peer_ifindex <= 0 || !host)
		return 0;
	/* The peer first: dumping it makes the kernel allocate the pod's nsid. */
	ret = nl_link_get(host, snap->peer_ifindex, &out->link);
	if (ret == -ENODEV)
		return 0;
	if (ret < 0)
		return ret;
	out->known = true;
	if (ns_fd >= 0) {
		ret = attach_netns_id(host, ns_fd, &out->nsid);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int attach_find(struct nl_sock *s, struct nl_sock *host, int ns_fd, int ifindex, const char *name,
		const char *name2, const struct attach_snapshot *snap, const uint8_t *alt_mac,
		size_t alt_mac_len, struct nl_link *out)
{
	struct attach_peer peer;
	struct arena *a;
	struct nl_link *l;
	size_t n;
	int ret;

	ret = attach_peer_read(host, ns_fd, snap, &peer);
	if (ret < 0)
		return ret;
	/* The common case without a dump of every link (a node may have thousands). */
	if (ifindex > 0 && nl_link_get(s, ifindex, out) == 0 &&
	    attach_is_ours(out, snap, &peer, alt_mac, alt_mac_len))
		return 0;
	a = arena_new(ARENA_CAP_DEFAULT);
	if (!a)
		return -ENOMEM;
	ret = nl_link_dump(s, a, &l, &n);
	if (ret < 0)
		goto out;
	ret = -ENODEV;
	/* By ifindex, then by either name, then (stable identities only) anywhere. */
	for (int pass = 0; pass < 4 && ret == -ENODEV; pass++) {
		if (pass == 3 && !snap->perm_addr_len && !snap->pci[0])
			break;
		for (size_t i = 0; i < n; i++) {
			if ((pass == 0 && l[i].ifindex != ifindex) ||
			    (pass == 1 && (!name || strcmp(l[i].name, name))) ||
			    (pass == 2 && (!name2 || strcmp(l[i].name, name2))))
				continue;
			if (attach_is_ours(&l[i], snap, &peer, alt_mac, alt_mac_len)) {
				*out = l[i];
				ret = 0;
				break;
			}
		}
	}
out:
	arena_free(a);
	return ret;
}

int attach_name_owner(struct nl_sock *s, const char *name, int *ifindex)
{
	struct arena *a = arena_new(ARENA_CAP_DEFAULT);
	struct nl_link *l;
	size_t n;
	int ret;

	if (!a)
		return -ENOMEM;
	*ifindex = 0;
	ret = nl_link_dump(s, a, &l, &n);
	for (size_t i = 0; ret == 0 && i < n; i++)
		if (!strcmp(l[i].name, name))
			*ifindex = l[i].ifindex;
	arena_free(a);
	return ret;
}

void attach_temp_name(int ifindex, char out[IFNAMSIZ])
{
	snprintf(out, IFNAMSIZ, "dranet%u", (unsigned)ifindex % 1000000000u);
}
