// SPDX-License-Identifier: Apache-2.0
/*
 * The host snapshot of a device (what detach restores) and its JSON form,
 * plus the attach result's JSON form. Field reports 5, 6, 7, 43 (what a
 * netns move loses); include/uapi/linux/{if_addr,rtnetlink,fib_rules}.h.
 */
#include "attach/attach.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "attach/internal.h"

/* ------------------------------------------------------------- taking */

static bool is_kept_table(uint32_t t)
{
	return t != RT_TABLE_LOCAL && t != RT_TABLE_UNSPEC;
}

static bool table_in(const struct nl_route *r, size_t n, uint32_t table)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].table == table)
			return true;
	return false;
}

int attach_sysctl_path(const char *name, uint8_t family, const char *key, char *out, size_t n)
{
	int len = snprintf(out, n, "/proc/sys/net/%s/conf/%s/%s",
			   family == AF_INET6 ? "ipv6" : "ipv4", name, key);

	return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

int32_t attach_sysctl_read_one(const char *name, uint8_t family, const char *key)
{
	char path[128], val[32];
	int64_t v;

	if (attach_sysctl_path(name, family, key, path, sizeof(path)) < 0)
		return -1;
	if (fd_read_line(AT_FDCWD, path, val, sizeof(val)) < 0 || str_to_i64(val, 10, &v) < 0 ||
	    v < 0 || v > INT32_MAX)
		return -1;
	return (int32_t)v;
}

void attach_sysctls_read(const char *name, struct attach_sysctls *s)
{
	s->arp_ignore = attach_sysctl_read_one(name, AF_INET, "arp_ignore");
	s->arp_announce = attach_sysctl_read_one(name, AF_INET, "arp_announce");
	s->forwarding4 = attach_sysctl_read_one(name, AF_INET, "forwarding");
	s->forwarding6 = attach_sysctl_read_one(name, AF_INET6, "forwarding");
	s->disable_ipv6 = attach_sysctl_read_one(name, AF_INET6, "disable_ipv6");
}

static int find_by_name(struct nl_sock *s, const char *name, struct arena *a, struct nl_link *out)
{
	struct nl_link *l;
	size_t n;
	int ret = nl_link_dump(s, a, &l, &n);

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(l[i].name, name)) {
			*out = l[i];
			return 0;
		}
	}
	return -ENODEV;
}

void attach_snapshot_link(const struct nl_link *l, struct attach_snapshot *out)
{
	memcpy(out->name, l->name, sizeof(out->name));
	memcpy(out->kind, l->kind, sizeof(out->kind));
	out->ifindex = l->ifindex;
	memcpy(out->perm_addr, l->perm_addr, sizeof(out->perm_addr));
	out->perm_addr_len = l->perm_addr_len;
	memcpy(out->pci, l->parent_dev,
	       sizeof(out->pci) < sizeof(l->parent_dev) ? sizeof(out->pci) : sizeof(l->parent_dev));
	out->pci[sizeof(out->pci) - 1] = '\0';
	/* A veth's peer on the host is its identity (attach.h); elsewhere: unknown. */
	out->peer_ifindex = !strcmp(l->kind, "veth") && l->link_netnsid < 0 ? l->link : 0;
	memcpy(out->mac, l->addr, sizeof(out->mac));
	out->mac_len = l->addr_len;
	out->mtu = l->mtu;
	out->gso_max_size = l->gso_max_size;
	out->gro_max_size = l->gro_max_size;
	out->gso_ipv4_max_size = l->gso_ipv4_max_size;
	out->gro_ipv4_max_size = l->gro_ipv4_max_size;
	out->up = (l->flags & IFF_UP) != 0;
}

int attach_snapshot_take(struct nl_sock *host, int ifindex, const char *ifname, struct arena *a,
			 struct attach_snapshot *out)
{
	struct nl_link link;
	struct nl_addr *addrs;
	struct nl_route *routes;
	struct nl_rule *rules;
	struct nl_neigh *neighs, *proxies;
	size_t n_addrs, n_routes, n_rules, n_neighs, n_proxies, k;
	int ret;

	memset(out, 0, sizeof(*out));
	if (ifindex > 0)
		ret = nl_link_get(host, ifindex, &link);
	else if (ifname)
		ret = find_by_name(host, ifname, a, &link);
	else
		return -EINVAL;
	if (ret < 0)
		return ret == -ENOENT ? -ENODEV : ret;
	attach_snapshot_link(&link, out);

	ret = nl_addr_dump(host, AF_UNSPEC, a, &addrs, &n_addrs);
	if (ret < 0)
		return ret;
	out->addrs = arena_calloc(a, n_addrs + 1, sizeof(*out->addrs));
	if (!out->addrs)
		return -ENOMEM;
	for (size_t i = 0; i < n_addrs; i++) {
		if (addrs[i].ifindex != link.ifindex)
			continue;
		if (out->n_addrs == ATTACH_SNAP_ADDRS_MAX)
			return -EMSGSIZE;
		out->addrs[out->n_addrs++] = addrs[i];
	}

	ret = nl_route_dump(host, AF_UNSPEC, a, &routes, &n_routes);
	if (ret < 0)
		return ret;
	out->routes = arena_calloc(a, n_routes + 1, sizeof(*out->routes));
	if (!out->routes)
		return -ENOMEM;
	for (size_t i = 0; i < n_routes; i++) {
		/* Multipath routes (oif 0, next hops) are not ours alone: left out. */
		if (routes[i].oif != link.ifindex || routes[i].n_nh ||
		    !is_kept_table(routes[i].table))
			continue;
		if (out->n_routes == ATTACH_SNAP_ROUTES_MAX)
			return -EMSGSIZE;
		out->routes[out->n_routes++] = routes[i];
	}

	ret = nl_rule_dump(host, AF_UNSPEC, a, &rules, &n_rules);
	if (ret < 0)
		return ret;
	out->rules = arena_calloc(a, n_rules + 1, sizeof(*out->rules));
	if (!out->rules)
		return -ENOMEM;
	for (size_t i = 0; i < n_rules; i++) {
		uint32_t t = rules[i].table;

		/* The rules that select this device's tables: never main/local/default. */
		if (t == RT_TABLE_MAIN || t == RT_TABLE_LOCAL || t == RT_TABLE_DEFAULT ||
		    t == RT_TABLE_UNSPEC || !table_in(out->routes, out->n_routes, t))
			continue;
		/*
		 * A selector we cannot write back (a newer kernel's): the rule is
		 * neither copied into the pod nor ever re-added on the host.
		 */
		if (rules[i].unknown) {
			log_info("host rule with an unknown selector not copied",
				 "table=%u pref=%u", t, rules[i].priority);
			continue;
		}
		if (out->n_rules == ATTACH_SNAP_RULES_MAX)
			return -EMSGSIZE;
		out->rules[out->n_rules++] = rules[i];
	}

	ret = nl_neigh_dump(host, AF_UNSPEC, a, &neighs, &n_neighs);
	if (ret < 0)
		return ret;
	/* And the proxy entries (`ip neigh add proxy ADDR dev DEV`), a table of their own. */
	ret = nl_neigh_proxy_dump(host, AF_UNSPEC, a, &proxies, &n_proxies);
	if (ret < 0)
		return ret;
	out->neighs = arena_calloc(a, n_neighs + n_proxies + 1, sizeof(*out->neighs));
	if (!out->neighs)
		return -ENOMEM;
	for (k = 0; k < n_neighs + n_proxies; k++) {
		const struct nl_neigh *e = k < n_neighs ? &neighs[k] : &proxies[k - n_neighs];

		if (e->ifindex != link.ifindex || (k < n_neighs && !(e->state & NUD_PERMANENT)) ||
		    (k >= n_neighs && !(e->flags & NTF_PROXY)))
			continue;
		if (out->n_neighs == ATTACH_SNAP_NEIGHS_MAX)
			return -EMSGSIZE;
		out->neighs[out->n_neighs++] = *e;
	}
	attach_sysctls_read(out->name, &out->sysctl);
	attach_sysctls_extra_read(out->name, out->sysctl_extra);
	return 0;
}

/* -------------------------------------------------------------- JSON */

/*
 * One table-driven codec for the four kernel structs kept in a snapshot.
 * Numbers are JSON integers, addresses text ("10.0.0.1", "fd00::1"),
 * hardware addresses "aa:bb:...", so the state file is readable.
 */
enum fkind {
	F_U8,
	F_U16,
	F_U32,
	F_U64, /* uint64_t as a JSON integer (bit pattern of an int64) */
	F_INT, /* int */
	F_BOOL,
	F_STR, /* char[aux] */
	F_IP, /* uint8_t[16] in the family at offset aux; present when has_off says so */
	F_IPF, /* uint8_t[16] with its own family u8 at aux; absent when that is 0 */
	F_HEX, /* uint8_t[aux2] with its length u8 at aux */
	F_PSTR, /* const char * (decoded into the arena) */
	F_RTAX, /* uint32_t[NL_RTAX_SLOTS] with its set-bitmask u32 at aux: [[type, value], ...] */
};

struct fdesc {
	const char *key;
	enum fkind k;
	size_t off, aux, aux2;
	size_t has_off; /* 1 + offset of a bool, or 0 */
};

#define FD(st, m, key, kind)                                                                       \
	{                                                                                          \
		key, kind, offsetof(st, m), 0, 0, 0                                                \
	}
#define FD_STR(st, m, key)                                                                         \
	{                                                                                          \
		key, F_STR, offsetof(st, m), sizeof(((st *)0)->m), 0, 0                            \
	}
#define FD_IP(st, m, key, fam, has)                                                                \
	{                                                                                          \
		key, F_IP, offsetof(st, m), offsetof(st, fam), 0, has                              \
	}
#define FD_IPF(st, m, key, fam)                                                                    \
	{                                                                                          \
		key, F_IPF, offsetof(st, m), offsetof(st, fam), 0, 0                               \
	}
#define FD_HEX(st, m, key, len)                                                                    \
	{                                                                                          \
		key, F_HEX, offsetof(st, m), offsetof(st, len), sizeof(((st *)0)->m), 0            \
	}
#define FD_RTAX(st, m, key, set)                                                                   \
	{                                                                                          \
		key, F_RTAX, offsetof(st, m), offsetof(st, set), 0, 0                              \
	}
#define HAS(st, m) (offsetof(st, m) + 1)

static const struct fdesc addr_fd[] = {
	FD(struct nl_addr, ifindex, "ifindex", F_INT),
	FD(struct nl_addr, family, "family", F_U8),
	FD(struct nl_addr, prefixlen, "prefixlen", F_U8),
	FD(struct nl_addr, scope, "scope", F_U8),
	FD(struct nl_addr, flags, "flags", F_U32),
	FD_IP(struct nl_addr, addr, "local", family, 0),
	FD_IP(struct nl_addr, peer, "peer", family, HAS(struct nl_addr, has_peer)),
	FD_STR(struct nl_addr, label, "label"),
	FD(struct nl_addr, valid_lft, "validLft", F_U32),
	FD(struct nl_addr, preferred_lft, "preferredLft", F_U32),
	FD(struct nl_addr, rt_priority, "metric", F_U32), /* absent in older files: 0 */
};

static const struct fdesc route_fd[] = {
	FD(struct nl_route, family, "family", F_U8),
	FD(struct nl_route, dst_len, "dstLen", F_U8),
	FD(struct nl_route, src_len, "srcLen", F_U8),
	FD(struct nl_route, tos, "tos", F_U8),
	FD(struct nl_route, protocol, "protocol", F_U8),
	FD(struct nl_route, scope, "scope", F_U8),
	FD(struct nl_route, type, "type", F_U8),
	FD(struct nl_route, table, "table", F_U32),
	FD(struct nl_route, flags, "flags", F_U32),
	FD(struct nl_route, priority, "metric", F_U32),
	FD_IP(struct nl_route, dst, "dst", family, HAS(struct nl_route, has_dst)),
	FD_IP(struct nl_route, src, "src", family, HAS(struct nl_route, has_src)),
	FD_IP(struct nl_route, prefsrc, "prefsrc", family, HAS(struct nl_route, has_prefsrc)),
	FD(struct nl_route, oif, "oif", F_INT),
	FD_IPF(struct nl_route, gw, "gateway", gw_family),
	FD(struct nl_route, mtu, "mtu", F_U32),
	/* Newer fields: absent (older state files) reads as none. */
	FD(struct nl_route, realms, "realms", F_U32),
	FD_RTAX(struct nl_route, metrics, "metrics", metrics_set),
	FD_STR(struct nl_route, cc_algo, "congctl"),
};

static const struct fdesc rule_fd[] = {
	FD(struct nl_rule, family, "family", F_U8),
	FD(struct nl_rule, action, "action", F_U8),
	FD(struct nl_rule, dst_len, "dstLen", F_U8),
	FD(struct nl_rule, src_len, "srcLen", F_U8),
	FD(struct nl_rule, tos, "tos", F_U8),
	FD(struct nl_rule, table, "table", F_U32),
	FD(struct nl_rule, priority, "priority", F_U32),
	FD(struct nl_rule, has_priority, "hasPriority", F_BOOL),
	FD(struct nl_rule, flags, "flags", F_U32),
	FD_IP(struct nl_rule, dst, "dst", family, 0),
	FD_IP(struct nl_rule, src, "src", family, 0),
	FD_STR(struct nl_rule, iifname, "iifname"),
	FD_STR(struct nl_rule, oifname, "oifname"),
	FD(struct nl_rule, fwmark, "fwmark", F_U32),
	FD(struct nl_rule, fwmask, "fwmask", F_U32),
	FD(struct nl_rule, has_fwmark, "hasFwmark", F_BOOL),
	FD(struct nl_rule, uid_start, "uidStart", F_U32),
	FD(struct nl_rule, uid_end, "uidEnd", F_U32),
	FD(struct nl_rule, has_uidrange, "hasUidrange", F_BOOL),
	FD(struct nl_rule, protocol, "protocol", F_U8),
	/* Newer fields: absent (older state files) reads as zero, "any". */
	FD(struct nl_rule, ip_proto, "ipProto", F_U8),
	FD(struct nl_rule, l3mdev, "l3mdev", F_U8),
	FD(struct nl_rule, sport_start, "sportStart", F_U16),
	FD(struct nl_rule, sport_end, "sportEnd", F_U16),
	FD(struct nl_rule, has_sport, "hasSport", F_BOOL),
	FD(struct nl_rule, dport_start, "dportStart", F_U16),
	FD(struct nl_rule, dport_end, "dportEnd", F_U16),
	FD(struct nl_rule, has_dport, "hasDport", F_BOOL),
	FD(struct nl_rule, sport_mask, "sportMask", F_U16),
	FD(struct nl_rule, dport_mask, "dportMask", F_U16),
	FD(struct nl_rule, suppress_prefixlen, "suppressPrefixlen", F_U32),
	FD(struct nl_rule, has_suppress_prefixlen, "hasSuppressPrefixlen", F_BOOL),
	FD(struct nl_rule, suppress_ifgroup, "suppressIfgroup", F_U32),
	FD(struct nl_rule, has_suppress_ifgroup, "hasSuppressIfgroup", F_BOOL),
	FD(struct nl_rule, tun_id, "tunId", F_U64),
	FD(struct nl_rule, flow, "realms", F_U32),
	FD(struct nl_rule, goto_target, "goto", F_U32),
};

static const struct fdesc neigh_fd[] = {
	FD(struct nl_neigh, ifindex, "ifindex", F_INT),
	FD(struct nl_neigh, family, "family", F_U8),
	FD(struct nl_neigh, state, "state", F_U16),
	FD(struct nl_neigh, flags, "flags", F_U8),
	FD_IP(struct nl_neigh, dst, "dst", family, 0),
	FD_HEX(struct nl_neigh, lladdr, "lladdr", lladdr_len),
};

static const struct fdesc flag_fd[] = {
	FD(struct nl_ethtool_flag, name, "name", F_PSTR),
	FD(struct nl_ethtool_flag, on, "on", F_BOOL),
};

static const struct fdesc snap_fd[] = {
	FD_STR(struct attach_snapshot, name, "name"),
	FD(struct attach_snapshot, ifindex, "ifindex", F_INT),
	FD_STR(struct attach_snapshot, kind, "kind"),
	FD_HEX(struct attach_snapshot, perm_addr, "permAddr", perm_addr_len),
	FD_STR(struct attach_snapshot, pci, "pci"),
	FD_HEX(struct attach_snapshot, mac, "mac", mac_len),
	FD(struct attach_snapshot, mtu, "mtu", F_U32),
	FD(struct attach_snapshot, gso_max_size, "gsoMaxSize", F_U32),
	FD(struct attach_snapshot, gro_max_size, "groMaxSize", F_U32),
	FD(struct attach_snapshot, gso_ipv4_max_size, "gsoIPv4MaxSize", F_U32),
	FD(struct attach_snapshot, gro_ipv4_max_size, "groIPv4MaxSize", F_U32),
	FD(struct attach_snapshot, up, "up", F_BOOL),
};

static const struct fdesc sysctl_fd[] = {
	FD(struct attach_sysctls, arp_ignore, "arpIgnore", F_INT),
	FD(struct attach_sysctls, arp_announce, "arpAnnounce", F_INT),
	FD(struct attach_sysctls, forwarding4, "forwardingIPv4", F_INT),
	FD(struct attach_sysctls, forwarding6, "forwardingIPv6", F_INT),
	FD(struct attach_sysctls, disable_ipv6, "disableIPv6", F_INT),
};

static size_t fam_len(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

void attach_hex_format(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && o + 4 <= cap; i++)
		o += (size_t)snprintf(out + o, cap - o, i ? ":%02x" : "%02x", p[i]);
}

int attach_hex_parse(const char *s, uint8_t *out, size_t cap, uint8_t *len)
{
	size_t n = 0;

	if (!*s) {
		*len = 0;
		return 0;
	}
	for (;;) {
		unsigned v;
		int used;

		if (n == cap || sscanf(s, "%2x%n", &v, &used) != 1 || used != 2)
			return -EINVAL;
		out[n++] = (uint8_t)v;
		s += 2;
		if (!*s)
			break;
		if (*s++ != ':')
			return -EINVAL;
	}
	*len = (uint8_t)n;
	return 0;
}

static int rtax_encode(struct json *o, const char *key, const uint32_t *m, uint32_t set)
{
	struct json *arr = json_obj_add_array(o, key);

	if (!arr)
		return -ENOMEM;
	for (unsigned t = 0; t < NL_RTAX_SLOTS; t++) {
		struct json *pair;

		if (!(set & (1u << t)))
			continue;
		pair = json_new_array();
		if (!pair || json_arr_add(pair, json_new_int(t)) < 0 ||
		    json_arr_add(pair, json_new_int(m[t])) < 0) {
			json_free(pair);
			return -ENOMEM;
		}
		if (json_arr_add(arr, pair) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* [[type, value], ...]: types 1..31 (not RTAX_CC_ALGO, a name), each once, u32 values. */
static int rtax_decode(const struct json *v, uint32_t *m, uint32_t *set)
{
	if (json_type_of(v) != JSON_ARRAY)
		return -EINVAL;
	for (const struct json *e = json_at(v, 0); e; e = json_next(e)) {
		int64_t t, val;

		if (json_type_of(e) != JSON_ARRAY || json_count(e) != 2 ||
		    json_get_int(json_at(e, 0), &t) < 0 || json_get_int(json_at(e, 1), &val) < 0 ||
		    t < 1 || t >= NL_RTAX_SLOTS || t == RTAX_CC_ALGO || val < 0 ||
		    val > (int64_t)UINT32_MAX || (*set & (1u << t)))
			return -EINVAL;
		m[t] = (uint32_t)val;
		*set |= 1u << t;
	}
	return 0;
}

static struct json *fd_encode(const void *st, const struct fdesc *fd, size_t nfd)
{
	struct json *o = json_new_object();
	const uint8_t *b = st;
	char txt[INET6_ADDRSTRLEN + 64];
	int ret = 0;

	if (!o)
		return NULL;
	for (size_t i = 0; i < nfd && ret == 0; i++) {
		const struct fdesc *f = &fd[i];
		const void *p = b + f->off;
		uint8_t fam;

		switch (f->k) {
		case F_U8:
			ret = json_obj_add_int(o, f->key, *(const uint8_t *)p);
			break;
		case F_U16:
			ret = json_obj_add_int(o, f->key, *(const uint16_t *)p);
			break;
		case F_U32:
			ret = json_obj_add_int(o, f->key, *(const uint32_t *)p);
			break;
		case F_U64:
			ret = json_obj_add_int(o, f->key, (int64_t) * (const uint64_t *)p);
			break;
		case F_INT:
			ret = json_obj_add_int(o, f->key, *(const int *)p);
			break;
		case F_BOOL:
			ret = json_obj_add_bool(o, f->key, *(const bool *)p);
			break;
		case F_STR:
			ret = json_obj_add_str(o, f->key, p);
			break;
		case F_PSTR:
			ret = json_obj_add_str(o, f->key, *(const char *const *)p);
			break;
		case F_IP:
		case F_IPF:
			fam = *(const uint8_t *)(b + f->aux);
			if ((f->has_off && !*(const bool *)(b + f->has_off - 1)) || !fam_len(fam))
				break;
			ret = json_obj_add_str(o, f->key, nl_addr_ntop(fam, p, txt, sizeof(txt)));
			break;
		case F_HEX:
			attach_hex_format(p, *(const uint8_t *)(b + f->aux), txt, sizeof(txt));
			ret = json_obj_add_str(o, f->key, txt);
			break;
		case F_RTAX:
			ret = rtax_encode(o, f->key, p, *(const uint32_t *)(b + f->aux));
			break;
		}
	}
	if (ret < 0) {
		json_free(o);
		return NULL;
	}
	return o;
}

static int bad(struct json_err *err, const char *path, const char *key, const char *msg)
{
	if (err) {
		snprintf(err->path, sizeof(err->path), "%s%s%s", path, *path && key ? "." : "",
			 key ? key : "");
		snprintf(err->msg, sizeof(err->msg), "%s", msg);
	}
	return -EBADMSG;
}

static const struct fdesc *fd_find(const struct fdesc *fd, size_t nfd, const char *key)
{
	for (size_t i = 0; i < nfd; i++)
		if (!strcmp(fd[i].key, key))
			return &fd[i];
	return NULL;
}

static int ip_parse(const char *s, uint8_t *fam, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1) {
		*fam = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*fam = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/* Decode @v into @st (zeroed by the caller): every key must be known. Family fields come first. */
static int fd_decode(const struct json *v, void *st, const struct fdesc *fd, size_t nfd,
		     const char *path, struct arena *a, struct json_err *err)
{
	uint8_t *b = st;

	if (json_type_of(v) != JSON_OBJECT)
		return bad(err, path, NULL, "expected object");
	/* Two passes: scalars (families) first, then addresses that need them. */
	for (int pass = 0; pass < 2; pass++) {
		for (const struct json *m = json_at(v, 0); m; m = json_next(m)) {
			const struct fdesc *f = fd_find(fd, nfd, json_key(m));
			void *p;
			int64_t iv = 0;
			const char *sv = NULL;
			bool is_addr;
			uint8_t fam;

			if (!f)
				return bad(err, path, json_key(m), "unknown field");
			is_addr = f->k == F_IP || f->k == F_IPF;
			if (is_addr != (pass == 1))
				continue;
			p = b + f->off;
			switch (f->k) {
			case F_U8:
			case F_U16:
			case F_U32:
			case F_INT:
			case F_U64:
				if (json_get_int(m, &iv) < 0)
					return bad(err, path, f->key, "expected integer");
				if (f->k == F_U64) {
					*(uint64_t *)p = (uint64_t)iv;
					break;
				}
				if (iv < (f->k == F_INT ? INT32_MIN : 0) ||
				    iv > (f->k == F_U8	  ? UINT8_MAX
					  : f->k == F_U16 ? UINT16_MAX
					  : f->k == F_U32 ? (int64_t)UINT32_MAX
							  : INT32_MAX))
					return bad(err, path, f->key, "value out of range");
				if (f->k == F_U8)
					*(uint8_t *)p = (uint8_t)iv;
				else if (f->k == F_U16)
					*(uint16_t *)p = (uint16_t)iv;
				else if (f->k == F_U32)
					*(uint32_t *)p = (uint32_t)iv;
				else
					*(int *)p = (int)iv;
				break;
			case F_BOOL:
				if (json_get_bool(m, (bool *)p) < 0)
					return bad(err, path, f->key, "expected bool");
				break;
			case F_STR:
				if (json_get_string(m, &sv) < 0)
					return bad(err, path, f->key, "expected string");
				if (str_copy(p, f->aux, sv) < 0)
					return bad(err, path, f->key, "string too long");
				break;
			case F_PSTR:
				if (json_get_string(m, &sv) < 0)
					return bad(err, path, f->key, "expected string");
				*(const char **)p = arena_strdup(a, sv);
				if (!*(const char **)p)
					return -ENOMEM;
				break;
			case F_HEX:
				if (json_get_string(m, &sv) < 0 ||
				    attach_hex_parse(sv, p, f->aux2, b + f->aux) < 0)
					return bad(err, path, f->key,
						   "expected aa:bb:... hex bytes");
				break;
			case F_RTAX:
				if (rtax_decode(m, p, (uint32_t *)(b + f->aux)) < 0)
					return bad(err, path, f->key,
						   "expected [[type, value], ...] route metrics");
				break;
			case F_IP:
			case F_IPF:
				if (json_get_string(m, &sv) < 0 || ip_parse(sv, &fam, p) < 0)
					return bad(err, path, f->key, "expected an IP address");
				if (f->k == F_IPF)
					*(b + f->aux) = fam;
				else if (fam != *(b + f->aux))
					return bad(err, path, f->key, "address of another family");
				if (f->has_off)
					*(bool *)(b + f->has_off - 1) = true;
				break;
			}
		}
	}
	return 0;
}

static int add_arr(struct json *o, const char *key, const void *arr, size_t n, size_t size,
		   const struct fdesc *fd, size_t nfd)
{
	struct json *a = json_obj_add_array(o, key);

	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int ret = json_arr_add(a, fd_encode((const uint8_t *)arr + i * size, fd, nfd));

		if (ret < 0)
			return ret;
	}
	return 0;
}

/* "sysctlExtra": {"ipv4.rp_filter": 1, ...}, the values read (>= 0) only. */
static int sysctl_extra_encode(struct json *o, const int32_t *vals)
{
	struct json *x = json_obj_add_object(o, "sysctlExtra");
	uint8_t fam;
	const char *key;

	if (!x)
		return -ENOMEM;
	for (size_t i = 0; (key = attach_sysctl_extra_key(i, &fam)); i++) {
		char name[64];

		if (vals[i] < 0)
			continue;
		snprintf(name, sizeof(name), "%s.%s", fam == AF_INET6 ? "ipv6" : "ipv4", key);
		if (json_obj_add_int(x, name, vals[i]) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Absent (an older state file) or a key not there: -1, not read, not written back. */
static int sysctl_extra_decode(const struct json *x, int32_t *vals, struct json_err *err)
{
	for (size_t i = 0; i < ATTACH_SYSCTL_EXTRA_N; i++)
		vals[i] = -1;
	if (!x)
		return 0;
	if (json_type_of(x) != JSON_OBJECT)
		return bad(err, "", "sysctlExtra", "expected object");
	for (const struct json *m = json_at(x, 0); m; m = json_next(m)) {
		const char *key;
		uint8_t fam;
		int64_t v;
		size_t i;

		for (i = 0; (key = attach_sysctl_extra_key(i, &fam)); i++) {
			char name[64];

			snprintf(name, sizeof(name), "%s.%s", fam == AF_INET6 ? "ipv6" : "ipv4",
				 key);
			if (!strcmp(name, json_key(m)))
				break;
		}
		if (!key)
			return bad(err, "sysctlExtra", json_key(m), "unknown field");
		if (json_get_int(m, &v) < 0 || v < 0 || v > INT32_MAX)
			return bad(err, "sysctlExtra", json_key(m),
				   "expected a non-negative integer");
		vals[i] = (int32_t)v;
	}
	return 0;
}

struct json *attach_snapshot_json(const struct attach_snapshot *s)
{
	struct json *o = fd_encode(s, snap_fd, ARRAY_SIZE(snap_fd));

	if (!o)
		return NULL;
	/* Optional (older state files lack it: 0 = unknown). */
	if (s->peer_ifindex > 0 && json_obj_add_int(o, "peerIfindex", s->peer_ifindex) < 0) {
		json_free(o);
		return NULL;
	}
	if (json_obj_add(o, "sysctl", fd_encode(&s->sysctl, sysctl_fd, ARRAY_SIZE(sysctl_fd))) <
		    0 ||
	    sysctl_extra_encode(o, s->sysctl_extra) < 0 ||
	    add_arr(o, "addrs", s->addrs, s->n_addrs, sizeof(*s->addrs), addr_fd,
		    ARRAY_SIZE(addr_fd)) < 0 ||
	    add_arr(o, "routes", s->routes, s->n_routes, sizeof(*s->routes), route_fd,
		    ARRAY_SIZE(route_fd)) < 0 ||
	    add_arr(o, "rules", s->rules, s->n_rules, sizeof(*s->rules), rule_fd,
		    ARRAY_SIZE(rule_fd)) < 0 ||
	    add_arr(o, "neighs", s->neighs, s->n_neighs, sizeof(*s->neighs), neigh_fd,
		    ARRAY_SIZE(neigh_fd)) < 0) {
		json_free(o);
		return NULL;
	}
	return o;
}

static int get_arr(const struct json *o, const char *key, struct arena *a, void **out, size_t *n,
		   size_t size, size_t max, const struct fdesc *fd, size_t nfd,
		   struct json_err *err)
{
	const struct json *v = json_get(o, key);
	uint8_t *arr;
	size_t i = 0;

	*n = 0;
	if (!v || json_type_of(v) != JSON_ARRAY)
		return bad(err, "", key, "expected array");
	if (json_count(v) > max)
		return bad(err, "", key, "too many entries");
	arr = arena_calloc(a, json_count(v) + 1, size);
	if (!arr)
		return -ENOMEM;
	for (const struct json *e = json_at(v, 0); e; e = json_next(e), i++) {
		char path[64];
		int ret;

		snprintf(path, sizeof(path), "%s[%zu]", key, i);
		ret = fd_decode(e, arr + i * size, fd, nfd, path, a, err);
		if (ret < 0)
			return ret;
	}
	*out = arr;
	*n = i;
	return 0;
}

int attach_snapshot_from_json(const struct json *v, struct arena *a, struct attach_snapshot *out,
			      struct json_err *err)
{
	static const char *const arrays[] = { "sysctl", "sysctlExtra", "addrs",
					      "routes", "rules",       "neighs" };
	const struct json *sc;
	void *p;
	int ret;

	memset(out, 0, sizeof(*out));
	if (json_type_of(v) != JSON_OBJECT)
		return bad(err, "", NULL, "expected object");
	/* Scalars through the table; the nested members are checked by name below. */
	for (const struct json *m = json_at(v, 0); m; m = json_next(m)) {
		bool nested = false;

		for (size_t i = 0; i < ARRAY_SIZE(arrays); i++)
			nested |= !strcmp(json_key(m), arrays[i]);
		if (!strcmp(json_key(m), "peerIfindex")) {
			int64_t iv;

			if (json_get_int(m, &iv) < 0 || iv < 0 || iv > INT32_MAX)
				return bad(err, "", "peerIfindex", "expected an ifindex");
			out->peer_ifindex = (int)iv;
			continue;
		}
		if (!nested && !fd_find(snap_fd, ARRAY_SIZE(snap_fd), json_key(m)))
			return bad(err, "", json_key(m), "unknown field");
	}
	for (size_t i = 0; i < ARRAY_SIZE(snap_fd); i++) {
		const struct json *m = json_get(v, snap_fd[i].key);
		struct json *one;

		if (!m)
			return bad(err, "", snap_fd[i].key, "required field is missing");
		one = json_new_object();
		if (!one)
			return -ENOMEM;
		ret = json_obj_add(one, snap_fd[i].key, json_dup(m));
		if (ret == 0)
			ret = fd_decode(one, out, &snap_fd[i], 1, "", a, err);
		json_free(one);
		if (ret < 0)
			return ret;
	}
	sc = json_get(v, "sysctl");
	if (!sc)
		return bad(err, "", "sysctl", "required field is missing");
	ret = fd_decode(sc, &out->sysctl, sysctl_fd, ARRAY_SIZE(sysctl_fd), "sysctl", a, err);
	if (ret < 0)
		return ret;
	ret = sysctl_extra_decode(json_get(v, "sysctlExtra"), out->sysctl_extra, err);
	if (ret < 0)
		return ret;
	ret = get_arr(v, "addrs", a, &p, &out->n_addrs, sizeof(*out->addrs), ATTACH_SNAP_ADDRS_MAX,
		      addr_fd, ARRAY_SIZE(addr_fd), err);
	if (ret < 0)
		return ret;
	out->addrs = p;
	ret = get_arr(v, "routes", a, &p, &out->n_routes, sizeof(*out->routes),
		      ATTACH_SNAP_ROUTES_MAX, route_fd, ARRAY_SIZE(route_fd), err);
	if (ret < 0)
		return ret;
	out->routes = p;
	ret = get_arr(v, "rules", a, &p, &out->n_rules, sizeof(*out->rules), ATTACH_SNAP_RULES_MAX,
		      rule_fd, ARRAY_SIZE(rule_fd), err);
	if (ret < 0)
		return ret;
	out->rules = p;
	ret = get_arr(v, "neighs", a, &p, &out->n_neighs, sizeof(*out->neighs),
		      ATTACH_SNAP_NEIGHS_MAX, neigh_fd, ARRAY_SIZE(neigh_fd), err);
	if (ret < 0)
		return ret;
	out->neighs = p;
	return 0;
}

/* ------------------------------------------------------------ result */

struct json *attach_result_json(const struct attach_result *r)
{
	struct json *o = json_new_object(), *ips;
	char mac[NL_ADDR_MAX * 3 + 1];

	if (!o)
		return NULL;
	attach_hex_format(r->mac, r->mac_len, mac, sizeof(mac));
	ips = json_obj_add_array(o, "ips");
	if (!ips || json_obj_add_str(o, "podName", r->pod_name) < 0 ||
	    json_obj_add_int(o, "podIfindex", r->pod_ifindex) < 0 ||
	    json_obj_add_str(o, "mac", mac) < 0)
		goto out_free;
	for (size_t i = 0; i < r->n_ips; i++)
		if (json_arr_add(ips, json_new_string(r->ips[i])) < 0)
			goto out_free;
	if (add_arr(o, "podRules", r->rules, r->n_rules, sizeof(*r->rules), rule_fd,
		    ARRAY_SIZE(rule_fd)) < 0 ||
	    add_arr(o, "ethtoolFeatures", r->ethtool_old.features, r->ethtool_old.n_features,
		    sizeof(struct nl_ethtool_flag), flag_fd, ARRAY_SIZE(flag_fd)) < 0 ||
	    add_arr(o, "ethtoolPrivateFlags", r->ethtool_old.private_flags,
		    r->ethtool_old.n_private_flags, sizeof(struct nl_ethtool_flag), flag_fd,
		    ARRAY_SIZE(flag_fd)) < 0)
		goto out_free;
	/* Only with a VRF: a result without one reads as before. */
	if (r->vrf.name[0]) {
		struct json *vrf = json_obj_add_object(o, "vrf");

		if (!vrf || json_obj_add_str(vrf, "name", r->vrf.name) < 0 ||
		    json_obj_add_int(vrf, "table", r->vrf.table) < 0 ||
		    json_obj_add_bool(vrf, "created", r->vrf.created) < 0)
			goto out_free;
	}
	return o;
out_free:
	json_free(o);
	return NULL;
}

static int vrf_from_json(const struct json *v, struct attach_vrf_result *out, struct json_err *err)
{
	const struct json *name = json_get(v, "name"), *table = json_get(v, "table"),
			  *created = json_get(v, "created");
	const char *s;
	int64_t i64;

	if (!v)
		return 0;
	if (json_type_of(v) != JSON_OBJECT || json_count(v) != 3)
		return bad(err, "", "vrf", "expected object {name, table, created}");
	/* An empty name is no VRF, which is written as no member: refuse it. */
	if (!name || json_get_string(name, &s) < 0 || !s[0] ||
	    str_copy(out->name, sizeof(out->name), s) < 0)
		return bad(err, "vrf", "name", "expected an interface name");
	if (!table || json_get_int(table, &i64) < 0 || i64 <= 0 || i64 > UINT32_MAX)
		return bad(err, "vrf", "table", "expected a table id");
	out->table = (uint32_t)i64;
	if (!created || json_get_bool(created, &out->created) < 0)
		return bad(err, "vrf", "created", "expected a boolean");
	return 0;
}

int attach_result_from_json(const struct json *v, struct arena *a, struct attach_result *out,
			    struct json_err *err)
{
	const struct json *name = json_get(v, "podName"), *idx = json_get(v, "podIfindex"),
			  *mac = json_get(v, "mac"), *ips = json_get(v, "ips");
	const char *s;
	int64_t i64;
	size_t i = 0;
	void *p;
	int ret;

	memset(out, 0, sizeof(*out));
	if (json_type_of(v) != JSON_OBJECT || json_count(v) != 7u + !!json_get(v, "vrf"))
		return bad(err, "", NULL,
			   "expected object {podName, podIfindex, mac, ips, podRules, "
			   "ethtoolFeatures, ethtoolPrivateFlags[, vrf]}");
	if (!name || json_get_string(name, &s) < 0 || str_copy(out->pod_name, IFNAMSIZ, s) < 0)
		return bad(err, "", "podName", "expected an interface name");
	if (!idx || json_get_int(idx, &i64) < 0 || i64 <= 0 || i64 > INT32_MAX)
		return bad(err, "", "podIfindex", "expected a positive integer");
	out->pod_ifindex = (int)i64;
	if (!mac || json_get_string(mac, &s) < 0 ||
	    attach_hex_parse(s, out->mac, sizeof(out->mac), &out->mac_len) < 0)
		return bad(err, "", "mac", "expected aa:bb:... hex bytes");
	if (!ips || json_type_of(ips) != JSON_ARRAY || json_count(ips) > ATTACH_IPS_MAX)
		return bad(err, "", "ips", "expected an array of CIDR strings");
	out->ips = arena_calloc(a, json_count(ips) + 1, sizeof(*out->ips));
	if (!out->ips)
		return -ENOMEM;
	for (const struct json *e = json_at(ips, 0); e; e = json_next(e), i++) {
		if (json_get_string(e, &s) < 0)
			return bad(err, "", "ips", "expected an array of CIDR strings");
		out->ips[i] = arena_strdup(a, s);
		if (!out->ips[i])
			return -ENOMEM;
	}
	out->n_ips = i;
	ret = get_arr(v, "podRules", a, &p, &out->n_rules, sizeof(*out->rules),
		      ATTACH_PLAN_RULES_MAX, rule_fd, ARRAY_SIZE(rule_fd), err);
	if (ret < 0)
		return ret;
	out->rules = p;
	ret = get_arr(v, "ethtoolFeatures", a, &p, &out->ethtool_old.n_features,
		      sizeof(struct nl_ethtool_flag), NL_ETHTOOL_REQ_MAX, flag_fd,
		      ARRAY_SIZE(flag_fd), err);
	if (ret < 0)
		return ret;
	out->ethtool_old.features = p;
	ret = get_arr(v, "ethtoolPrivateFlags", a, &p, &out->ethtool_old.n_private_flags,
		      sizeof(struct nl_ethtool_flag), NL_ETHTOOL_REQ_MAX, flag_fd,
		      ARRAY_SIZE(flag_fd), err);
	if (ret < 0)
		return ret;
	out->ethtool_old.private_flags = p;
	return vrf_from_json(json_get(v, "vrf"), &out->vrf, err);
}
