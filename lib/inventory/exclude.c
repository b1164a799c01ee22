// SPDX-License-Identifier: Apache-2.0
/*
 * The links that must never be published because moving them into a pod
 * would cut the node off or break its switching (DESIGN.md "Never publish
 * what cannot be moved"; upstream.md §2.1 step 5 and upstream-v1.4.md §3
 * "Default-gateway detection", "Uplink descendants"): uplinks of the
 * default routes and their lower devices, enslaved links, bridges, bonds.
 * Kernel facts: include/uapi/linux/rtnetlink.h (RTN_UNICAST, RT_TABLE_MAIN),
 * fib_rules.h (FR_ACT_TO_TBL), if_link.h (IFLA_MASTER, IFLA_LINK).
 */
#include "inventory/internal.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <sys/socket.h>

/* A (family, table) that a packet of this host can be looked up in. */
struct reach {
	uint8_t family;
	uint32_t table;
};

static bool reached(const struct reach *r, size_t n, uint8_t family, uint32_t table)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].family == family && r[i].table == table)
			return true;
	return false;
}

/* The default route is one we follow: unicast, dst_len 0, v4 or v6, in a reached table. */
static bool is_default(const struct nl_route *rt, const struct reach *r, size_t n_r)
{
	return (rt->family == AF_INET || rt->family == AF_INET6) && rt->dst_len == 0 &&
	       rt->type == RTN_UNICAST && (rt->oif > 0 || rt->n_nh > 0) &&
	       reached(r, n_r, rt->family, rt->table);
}

static int cmp_uplink(const void *a, const void *b)
{
	const struct inv_uplink *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	return (x->metric > y->metric) - (x->metric < y->metric);
}

int inv_uplinks(const struct nl_route *routes, size_t n_routes, const struct nl_rule *rules,
		size_t n_rules, struct arena *a, struct inv_uplink **out, size_t *n)
{
	struct reach *r;
	struct inv_uplink *up;
	size_t n_r = 0, n_up = 0, cap = 0, k = 0;

	*out = NULL;
	*n = 0;
	r = arena_calloc(a, 2 + n_rules, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r[n_r++] = (struct reach){ AF_INET, RT_TABLE_MAIN };
	r[n_r++] = (struct reach){ AF_INET6, RT_TABLE_MAIN };
	for (size_t i = 0; i < n_rules; i++)
		if (rules[i].action == FR_ACT_TO_TBL && rules[i].table != 0 &&
		    !reached(r, n_r, rules[i].family, rules[i].table))
			r[n_r++] = (struct reach){ rules[i].family, rules[i].table };
	for (size_t i = 0; i < n_routes; i++)
		if (is_default(&routes[i], r, n_r))
			cap += routes[i].n_nh ? routes[i].n_nh : 1;
	if (cap == 0)
		return 0;
	up = arena_calloc(a, cap, sizeof(*up));
	if (!up)
		return -ENOMEM;
	for (size_t i = 0; i < n_routes; i++) {
		const struct nl_route *rt = &routes[i];
		bool lowest = true;

		if (!is_default(rt, r, n_r))
			continue;
		/* Per family and table the lowest metric wins; ties keep all. */
		for (size_t j = 0; j < n_routes && lowest; j++)
			if (is_default(&routes[j], r, n_r) && routes[j].family == rt->family &&
			    routes[j].table == rt->table && routes[j].priority < rt->priority)
				lowest = false;
		if (!lowest)
			continue;
		if (rt->n_nh == 0) {
			up[n_up++] =
				(struct inv_uplink){ rt->oif, rt->family, rt->table, rt->priority };
			continue;
		}
		for (unsigned h = 0; h < rt->n_nh; h++)
			if (rt->nh[h].ifindex > 0)
				up[n_up++] = (struct inv_uplink){ rt->nh[h].ifindex, rt->family,
								  rt->table, rt->priority };
	}
	qsort(up, n_up, sizeof(*up), cmp_uplink);
	for (size_t i = 0; i < n_up; i++)
		if (k == 0 || cmp_uplink(&up[i], &up[k - 1]) != 0)
			up[k++] = up[i];
	*out = up;
	*n = k;
	return 0;
}

/* ---------------------------------------------------------------- reasons */

static long find_link(const struct nl_link *const *links, size_t n, int ifindex)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (links[mid]->ifindex == ifindex)
			return (long)mid;
		if (links[mid]->ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static const struct inv_uplink *find_uplink(const struct inv_uplink *up, size_t n, int ifindex)
{
	size_t lo = 0, hi = n;

	/* Lower bound: the first entry (ipv4 before ipv6, lowest table). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (up[mid].ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && up[lo].ifindex == ifindex ? &up[lo] : NULL;
}

static const char *const ignored_names[] = { "cilium_net", "cilium_host", "docker0" };

/* The reasons that depend on the link alone. */
static const char *own_reason(const struct nl_link *l, bool move_ib)
{
	if (l->flags & IFF_LOOPBACK)
		return "loopback";
	for (size_t i = 0; i < ARRAY_SIZE(ignored_names); i++)
		if (strcmp(l->name, ignored_names[i]) == 0)
			return "ignored name";
	if (!move_ib && strcmp(l->kind, "ipoib") == 0)
		return "ipoib link, --move-ib-interfaces=false";
	return NULL;
}

/*
 * Links the kernel refuses to move to another namespace (netns_local in
 * struct net_device, formerly NETIF_F_NETNS_LOCAL): by kind, and the
 * per-namespace fallback device each tunnel module makes (tunl0, gre0...).
 */
static const char *kind_reason(const struct nl_link *l)
{
	static const struct {
		const char *kind, *reason;
	} local_kinds[] = {
		{ "bridge", "bridge" },
		{ "bond", "bond" },
		{ "team", "team" },
		{ "openvswitch", "openvswitch bridge" },
		{ "vrf", "vrf" },
		{ "hsr", "hsr" },
		{ "batadv", "batman-adv mesh interface" },
	};
	static const char *const fallback_tunnels[] = {
		"tunl0", "gre0",    "gretap0", "erspan0",  "ip_vti0",
		"sit0",	 "ip6tnl0", "ip6gre0", "ip6_vti0",
	};

	for (size_t i = 0; i < ARRAY_SIZE(local_kinds); i++)
		if (strcmp(l->kind, local_kinds[i].kind) == 0)
			return local_kinds[i].reason;
	if (l->kind[0])
		for (size_t i = 0; i < ARRAY_SIZE(fallback_tunnels); i++)
			if (strcmp(l->name, fallback_tunnels[i]) == 0)
				return "fallback tunnel device";
	return NULL;
}

static const char *uplink_reason(const struct inv_uplink *u, struct arena *a)
{
	const char *fam = u->family == AF_INET ? "ipv4" : "ipv6";

	if (u->table == RT_TABLE_MAIN)
		return arena_printf(a, "uplink of the default route (%s, metric %u)", fam,
				    u->metric);
	return arena_printf(a, "uplink of the default route (%s, table %u, metric %u)", fam,
			    u->table, u->metric);
}

/*
 * Mark the lower devices of uplink @i: its IFLA_LINK chain while the lower
 * device is in this namespace (a veth's IFLA_LINK is its peer: mark it and
 * stop). At most @n steps, so a looped chain ends.
 */
static int mark_lower(const struct nl_link *const *links, size_t n, size_t i, struct arena *a,
		      const char **reason)
{
	const struct nl_link *up = links[i], *cur = up;

	for (size_t step = 0; step < n; step++) {
		bool veth = strcmp(cur->kind, "veth") == 0;
		long j;

		if (cur->link <= 0 || cur->link_netnsid != -1)
			return 0;
		j = find_link(links, n, cur->link);
		if (j < 0 || (size_t)j == i)
			return 0;
		if (!reason[j]) {
			reason[j] = arena_printf(a, "%s of uplink %s",
						 veth ? "veth peer" : "lower device", up->name);
			if (!reason[j])
				return -ENOMEM;
		}
		if (veth)
			return 0;
		cur = links[j];
	}
	return 0;
}

int inv_exclusions(const struct nl_link *const *links, size_t n, const struct inv_uplink *up,
		   size_t n_up, bool move_ib, struct arena *a, const char **reason)
{
	int ret;

	for (size_t i = 0; i < n; i++) {
		const struct inv_uplink *u;

		reason[i] = own_reason(links[i], move_ib);
		if (reason[i])
			continue;
		u = find_uplink(up, n_up, links[i]->ifindex);
		if (u) {
			reason[i] = uplink_reason(u, a);
			if (!reason[i])
				return -ENOMEM;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!find_uplink(up, n_up, links[i]->ifindex))
			continue;
		ret = mark_lower(links, n, i, a, reason);
		if (ret < 0)
			return ret;
	}
	for (size_t i = 0; i < n; i++) {
		const struct nl_link *l = links[i];

		if (reason[i])
			continue;
		if (l->master > 0) {
			long m = find_link(links, n, l->master);

			reason[i] = m >= 0 ? arena_printf(a, "enslaved to %s", links[m]->name)
					   : arena_printf(a, "enslaved to ifindex %d", l->master);
			if (!reason[i])
				return -ENOMEM;
			continue;
		}
		reason[i] = kind_reason(l);
	}
	return 0;
}
