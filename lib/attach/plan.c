// SPDX-License-Identifier: Apache-2.0
/*
 * The plan: claim config + host snapshot + defaults = what the pod gets
 * (reference/upstream.md §6.3, upstream-v1.4.md §4.4; weaknesses 20, 21).
 */
#include "attach/attach.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include "attach/internal.h"

static size_t fam_len(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static bool is_v6_link_local(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static bool is_pod_addr(const struct attach_plan *p, uint8_t family, const uint8_t *a)
{
	for (size_t i = 0; i < p->n_addrs; i++)
		if (p->addrs[i].family == family && !memcmp(p->addrs[i].addr, a, fam_len(family)))
			return true;
	return false;
}

/* Host routes worth copying (upstream getRouteInfo, v1.4: no IPv6 kernel routes). */
static bool is_copied_route(const struct nl_route *r)
{
	if (r->table == RT_TABLE_LOCAL || r->n_nh)
		return false;
	if (r->family == AF_INET6 && (r->protocol == RTPROT_KERNEL ||
				      (r->has_dst && r->dst_len >= 10 && is_v6_link_local(r->dst))))
		return false;
	return r->family == AF_INET || r->family == AF_INET6;
}

static int copy_host_route(const struct nl_route *h, const struct attach_plan *p, struct arena *a,
			   struct attach_route_cfg *out)
{
	char txt[64];

	memset(out, 0, sizeof(*out));
	out->origin = ATTACH_FROM_HOST;
	out->dst.family = h->family;
	out->dst.len = h->dst_len;
	memcpy(out->dst.addr, h->dst, 16);
	if (h->gw_family) {
		out->gw.family = h->gw_family;
		out->gw.len = h->gw_family == AF_INET ? 32 : 128;
		memcpy(out->gw.addr, h->gw, 16);
	}
	/* upstream #318: a prefsrc the pod will not have makes the route fail. */
	if (h->has_prefsrc && is_pod_addr(p, h->family, h->prefsrc)) {
		out->src.family = h->family;
		out->src.len = h->family == AF_INET ? 32 : 128;
		memcpy(out->src.addr, h->prefsrc, 16);
	}
	out->scope = h->scope;
	out->table = h->table;
	out->metric = h->priority;
	out->mtu = h->mtu;
	out->protocol = h->protocol;
	out->type = h->type;
	out->host = h;
	out->destination = arena_printf(
		a, "%s/%u", nl_addr_ntop(h->family, h->dst, txt, sizeof(txt)), h->dst_len);
	out->gateway =
		h->gw_family ? arena_strdup(a, nl_addr_ntop(h->gw_family, h->gw, txt, sizeof(txt)))
			     : "";
	if (!out->destination || !out->gateway)
		return -ENOMEM;
	return 0;
}

static bool route_table_copied(const struct attach_plan *p, uint32_t table)
{
	for (size_t i = 0; i < p->n_routes; i++)
		if (p->routes[i].origin == ATTACH_FROM_HOST &&
		    (uint32_t)p->routes[i].table == table)
			return true;
	return false;
}

/* Stable insertion sort by scope, highest first (host 254, link 253, universe 0). */
static void sort_routes(struct attach_route_cfg *r, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct attach_route_cfg t = r[i];
		size_t j = i;

		while (j > 0 && r[j - 1].scope < t.scope) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = t;
	}
}

static void rule_from_cfg(const struct attach_rule_cfg *c, struct nl_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->family = c->src.family ? c->src.family : c->dst.family ? c->dst.family : AF_INET;
	r->action = FR_ACT_TO_TBL;
	r->has_priority = c->has_priority;
	r->priority = (uint32_t)c->priority;
	r->table = c->has_table && c->table ? (uint32_t)c->table : RT_TABLE_MAIN;
	if (c->src.family) {
		r->src_len = c->src.len;
		memcpy(r->src, c->src.addr, 16);
	}
	if (c->dst.family) {
		r->dst_len = c->dst.len;
		memcpy(r->dst, c->dst.addr, 16);
	}
}

int attach_plan_build(const struct attach_config *cfg, const struct attach_snapshot *snap,
		      struct arena *a, struct attach_plan *out)
{
	size_t n_cfg_routes = cfg ? cfg->n_routes : 0, n_cfg_rules = cfg ? cfg->n_rules : 0,
	       n_cfg_neighs = cfg ? cfg->n_neighbors : 0;
	bool vrf = cfg && cfg->interface.has_vrf;

	memset(out, 0, sizeof(*out));
	out->cfg = cfg;
	if (cfg && cfg->interface.name && cfg->interface.name[0]) {
		if (str_copy(out->pod_name, sizeof(out->pod_name), cfg->interface.name) < 0)
			return -EMSGSIZE;
	} else {
		memcpy(out->pod_name, snap->name, sizeof(out->pod_name));
	}

	/* Addresses: the config's, else the host's global ones. */
	out->addrs = arena_calloc(a, (cfg ? cfg->interface.n_addresses : 0) + snap->n_addrs + 1,
				  sizeof(*out->addrs));
	if (!out->addrs)
		return -ENOMEM;
	if (cfg && cfg->interface.n_addresses) {
		memcpy(out->addrs, cfg->interface.addrs,
		       cfg->interface.n_addresses * sizeof(*out->addrs));
		out->n_addrs = cfg->interface.n_addresses;
	} else {
		for (size_t i = 0; i < snap->n_addrs; i++) {
			const struct nl_addr *h = &snap->addrs[i];

			if (h->scope != RT_SCOPE_UNIVERSE || !fam_len(h->family))
				continue;
			out->addrs[out->n_addrs].family = h->family;
			out->addrs[out->n_addrs].len = h->prefixlen;
			memcpy(out->addrs[out->n_addrs].addr, h->addr, 16);
			out->n_addrs++;
		}
	}
	if (out->n_addrs > ATTACH_ADDRS_MAX)
		return -EMSGSIZE;

	/* Routes: the config's, then the host's. */
	out->routes = arena_calloc(a, n_cfg_routes + snap->n_routes + 1, sizeof(*out->routes));
	if (!out->routes)
		return -ENOMEM;
	for (size_t i = 0; i < n_cfg_routes; i++)
		out->routes[out->n_routes++] = cfg->routes[i];
	for (size_t i = 0; i < snap->n_routes; i++) {
		int ret;

		if (!is_copied_route(&snap->routes[i]))
			continue;
		ret = copy_host_route(&snap->routes[i], out, a, &out->routes[out->n_routes]);
		if (ret < 0)
			return ret;
		out->n_routes++;
	}
	if (n_cfg_routes > ATTACH_ROUTES_MAX || out->n_routes > ATTACH_PLAN_ROUTES_MAX)
		return -EMSGSIZE;
	sort_routes(out->routes, out->n_routes);

	/* Rules: the config's, then the host's for the tables copied (none with a VRF). */
	out->rules = arena_calloc(a, n_cfg_rules + snap->n_rules + 1, sizeof(*out->rules));
	if (!out->rules)
		return -ENOMEM;
	for (size_t i = 0; i < n_cfg_rules; i++)
		rule_from_cfg(&cfg->rules[i], &out->rules[out->n_rules++]);
	for (size_t i = 0; i < snap->n_rules && !vrf; i++) {
		struct nl_rule *r;

		if (!route_table_copied(out, snap->rules[i].table))
			continue;
		r = &out->rules[out->n_rules++];
		*r = snap->rules[i];
		/* A rule naming the device follows it to its pod-side name. */
		if (!strcmp(r->iifname, snap->name))
			memcpy(r->iifname, out->pod_name, sizeof(r->iifname));
		if (!strcmp(r->oifname, snap->name))
			memcpy(r->oifname, out->pod_name, sizeof(r->oifname));
	}
	if (n_cfg_rules > ATTACH_RULES_MAX || out->n_rules > ATTACH_PLAN_RULES_MAX)
		return -EMSGSIZE;

	/* Neighbours: the config's, then the host's permanent ones. */
	out->neighs = arena_calloc(a, n_cfg_neighs + snap->n_neighs + 1, sizeof(*out->neighs));
	if (!out->neighs)
		return -ENOMEM;
	for (size_t i = 0; i < n_cfg_neighs; i++)
		out->neighs[out->n_neighs++] = cfg->neighbors[i];
	for (size_t i = 0; i < snap->n_neighs; i++) {
		const struct nl_neigh *h = &snap->neighs[i];
		struct attach_neigh_cfg *n = &out->neighs[out->n_neighs];

		/* A proxy entry is the host answering for an address: not the pod's. */
		if (!fam_len(h->family) || h->lladdr_len > ATTACH_MAC_MAX || (h->flags & NTF_PROXY))
			continue;
		memset(n, 0, sizeof(*n));
		n->dst.family = h->family;
		n->dst.len = h->family == AF_INET ? 32 : 128;
		memcpy(n->dst.addr, h->dst, 16);
		n->mac.len = h->lladdr_len;
		memcpy(n->mac.addr, h->lladdr, h->lladdr_len);
		out->n_neighs++;
	}
	if (n_cfg_neighs > ATTACH_NEIGHS_MAX || out->n_neighs > ATTACH_PLAN_NEIGHS_MAX)
		return -EMSGSIZE;
	return 0;
}

int attach_plan_add_dhcp(struct attach_plan *p, const struct attach_dhcp_lease *l, struct arena *a)
{
	struct attach_ip *addrs;
	struct attach_route_cfg *routes;
	char txt[64];

	if (!is_pod_addr(p, l->addr.family, l->addr.addr)) {
		if (p->n_addrs == ATTACH_ADDRS_MAX)
			return -EMSGSIZE;
		addrs = arena_calloc(a, p->n_addrs + 2, sizeof(*addrs));
		if (!addrs)
			return -ENOMEM;
		memcpy(addrs, p->addrs, p->n_addrs * sizeof(*addrs));
		addrs[p->n_addrs++] = l->addr;
		p->addrs = addrs;
	}
	if (p->n_routes + l->n_routes > ATTACH_PLAN_ROUTES_MAX)
		return -EMSGSIZE;
	routes = arena_calloc(a, p->n_routes + l->n_routes + 1, sizeof(*routes));
	if (!routes)
		return -ENOMEM;
	memcpy(routes, p->routes, p->n_routes * sizeof(*routes));
	for (size_t i = 0; i < l->n_routes; i++) {
		struct attach_route_cfg *r = &routes[p->n_routes + i];

		memset(r, 0, sizeof(*r));
		r->origin = ATTACH_FROM_CONFIG;
		r->dst = l->routes[i].dst;
		r->gw = l->routes[i].gw;
		r->scope = r->gw.family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
		r->destination = arena_printf(
			a, "%s/%u", nl_addr_ntop(r->dst.family, r->dst.addr, txt, sizeof(txt)),
			r->dst.len);
		r->gateway = r->gw.family ? arena_strdup(a, nl_addr_ntop(r->gw.family, r->gw.addr,
									 txt, sizeof(txt)))
					  : "";
		if (!r->destination || !r->gateway)
			return -ENOMEM;
	}
	p->n_routes += l->n_routes;
	p->routes = routes;
	sort_routes(p->routes, p->n_routes);
	return 0;
}
