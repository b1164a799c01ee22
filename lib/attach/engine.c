// SPDX-License-Identifier: Apache-2.0
/*
 * Attach as a transaction: every step records its undo; a failure undoes
 * the log in reverse and puts the snapshot back on the host
 * (reference/upstream.md §6.3 and weakness 3; upstream-v1.4.md §4.5 for
 * the order; field reports 7, 8, 38, 42, 43).
 */
#include "attach/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach/internal.h"

enum undo_kind {
	U_MOVE, /* moved (or maybe moved) into the pod: move back and restore the snapshot */
	U_SYSCTL, /* pod-side sysctls: the move back resets them */
	U_ADDR,
	U_UP,
	U_ETHTOOL, /* put the replaced feature and private flag values back */
	U_ROUTE,
	U_RULE,
	U_NEIGH,
	U_VRF_NEW, /* the VRF link we created: delete it */
	U_VRF_UP, /* a VRF that was there, down: set it down again */
	U_VRF_SYSCTL, /* idx 0/1: tcp/udp_l3mdev_accept back to its old value */
	U_VRF_MASTER, /* release the device from the VRF */
};

/* The netns-wide sysctls a VRF needs (upstream-v1.4.md §4.5). */
static const char *const l3mdev_keys[] = { "net/ipv4/tcp_l3mdev_accept",
					   "net/ipv4/udp_l3mdev_accept" };

struct undo {
	enum undo_kind kind;
	size_t idx; /* into the plan's array */
};

/* The state of one attach: sockets, the pod device, the undo log. */
struct txn {
	struct nl_sock *host, *pod;
	const char *netns_path;
	const struct attach_snapshot *snap;
	const struct attach_plan *plan;
	int pod_ns; /* fd of the pod netns */
	int pod_ifindex;
	uint8_t pod_mac[NL_ADDR_MAX]; /* what the move left (undo_move looks for it) */
	uint8_t pod_mac_len;
	struct attach_ethtool_state eth_old;
	struct attach_vrf_link vrf; /* the VRF the device went into (ifindex 0: none) */
	bool vrf_created;
	int l3mdev_old[2];
	struct undo *log;
	size_t n_log, cap_log;
	struct attach_error *err;
	char ext[256];
};

static size_t fam_len(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static int push(struct txn *t, enum undo_kind k, size_t idx)
{
	if (t->n_log == t->cap_log)
		return -ENOMEM; /* sized for every step up front: cannot happen */
	t->log[t->n_log++] = (struct undo){ k, idx };
	return 0;
}

static int fault(struct txn *t, const char *step, const char *when)
{
	char point[64];
	int ret;

	snprintf(point, sizeof(point), "attach.%s.%s", step, when);
	ret = attach_fault(point);
	if (ret < 0)
		return attach_err_set(t->err, step, ret, NULL, "fault point %s", point);
	return 0;
}

static void addr_from_ip(const struct attach_ip *ip, struct nl_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = ip->family;
	a->prefixlen = ip->len;
	memcpy(a->addr, ip->addr, 16);
	a->valid_lft = a->preferred_lft = 0xffffffffu;
}

void attach_route_from_cfg(const struct attach_route_cfg *c, struct nl_route *r)
{
	memset(r, 0, sizeof(*r));
	r->family = c->dst.family ? c->dst.family : c->gw.family;
	r->dst_len = c->dst.len;
	memcpy(r->dst, c->dst.addr, 16);
	r->has_dst = c->dst.family != 0;
	if (c->gw.family) {
		r->gw_family = c->gw.family;
		memcpy(r->gw, c->gw.addr, 16);
	}
	if (c->src.family) {
		r->has_prefsrc = true;
		memcpy(r->prefsrc, c->src.addr, 16);
	}
	r->scope = c->scope;
	r->table = c->table > 0 && c->table <= UINT32_MAX ? (uint32_t)c->table : RT_TABLE_MAIN;
	r->priority = c->metric;
	r->mtu = c->mtu;
	r->protocol = c->protocol;
	r->type = c->type;
	if (c->host) {
		r->flags = c->host->flags & RTNH_F_ONLINK;
		r->realms = c->host->realms;
		memcpy(r->metrics, c->host->metrics, sizeof(r->metrics));
		r->metrics_set = c->host->metrics_set;
		memcpy(r->cc_algo, c->host->cc_algo, sizeof(r->cc_algo));
	}
}

static void neigh_from_cfg(const struct attach_neigh_cfg *c, struct nl_neigh *n)
{
	memset(n, 0, sizeof(*n));
	n->family = c->dst.family;
	memcpy(n->dst, c->dst.addr, 16);
	n->lladdr_len = c->mac.len;
	memcpy(n->lladdr, c->mac.addr, c->mac.len);
}

static const char *ip_text(const struct attach_ip *ip, char *buf, size_t n)
{
	char a[64];

	snprintf(buf, n, "%s/%u", nl_addr_ntop(ip->family, ip->addr, a, sizeof(a)), ip->len);
	return buf;
}

/* EEXIST on a route is fine only when the route there is the same one. */
static bool same_route_exists(struct txn *t, const struct nl_route *want)
{
	struct arena *a = arena_new(ARENA_CAP_DEFAULT);
	struct nl_route *r;
	size_t n;
	bool same = false;

	if (!a)
		return false;
	if (nl_route_dump(t->pod, want->family, a, &r, &n) == 0) {
		for (size_t i = 0; i < n && !same; i++) {
			size_t len = fam_len(want->family);

			same = r[i].table == want->table && r[i].dst_len == want->dst_len &&
			       !memcmp(r[i].dst, want->dst, len) && r[i].oif == t->pod_ifindex &&
			       r[i].gw_family == want->gw_family &&
			       !memcmp(r[i].gw, want->gw, fam_len(want->gw_family));
		}
	}
	arena_free(a);
	return same;
}

/* ------------------------------------------------------------- steps */

static int step_move(struct txn *t)
{
	const struct attach_iface_cfg *ic = t->plan->cfg ? &t->plan->cfg->interface : NULL;
	struct attach_link_set ls = { .netns_fd = t->pod_ns, .name = t->plan->pod_name };
	struct nl_link l;
	int ret;

	if (ic) {
		ls.mtu = ic->has_mtu ? (uint32_t)ic->mtu : 0;
		if (ic->has_hardware_addr && ic->mac.len) {
			ls.mac = ic->mac.addr;
			ls.mac_len = ic->mac.len;
		}
		ls.gso_max_size = ic->has_gso_max_size ? (uint32_t)ic->gso_max_size : 0;
		ls.gro_max_size = ic->has_gro_max_size ? (uint32_t)ic->gro_max_size : 0;
		ls.gso_ipv4_max_size =
			ic->has_gso_ipv4_max_size ? (uint32_t)ic->gso_ipv4_max_size : 0;
		ls.gro_ipv4_max_size =
			ic->has_gro_ipv4_max_size ? (uint32_t)ic->gro_ipv4_max_size : 0;
	}
	/*
	 * Logged before sending: the kernel moves first and then applies MTU,
	 * MAC and sizes in the pod, so a failed request may have moved it.
	 * The new name is applied atomically with the move only when the
	 * current name is taken in the pod (it is the move's name pattern);
	 * else the device moves under its host name and the rename follows,
	 * so a pod name taken there leaves it moved under the host name
	 * (the undo looks for both names).
	 */
	ret = push(t, U_MOVE, 0);
	if (ret < 0)
		return ret;
	ret = attach_nl_link_set(t->host, t->snap->ifindex, &ls, t->ext, sizeof(t->ext));
	if (ret < 0)
		return attach_err_set(t->err, "move", ret, t->ext, "move %s into %s as %s",
				      t->snap->name, t->netns_path, t->plan->pod_name);
	ret = attach_find(t->pod, t->host, t->pod_ns, t->snap->ifindex, t->plan->pod_name,
			  t->snap->name, t->snap, ls.mac, ls.mac_len, &l);
	/*
	 * The link we just moved keeps its ifindex (when free in the pod):
	 * found there with our kind under either name, whatever MAC it got.
	 */
	if (ret == -ENODEV && nl_link_get(t->pod, t->snap->ifindex, &l) == 0 &&
	    !strcmp(l.kind, t->snap->kind) &&
	    (!strcmp(l.name, t->plan->pod_name) || !strcmp(l.name, t->snap->name)))
		ret = 0;
	if (ret < 0)
		return attach_err_set(t->err, "move", ret, NULL, "find %s in %s after the move",
				      t->plan->pod_name, t->netns_path);
	t->pod_ifindex = l.ifindex;
	memcpy(t->pod_mac, l.addr, sizeof(t->pod_mac));
	t->pod_mac_len = l.addr_len;
	return 0;
}

static int step_sysctl(struct txn *t)
{
	const struct attach_iface_cfg *ic = t->plan->cfg ? &t->plan->cfg->interface : NULL;
	struct attach_sysctls v = { -1, -1, -1, -1, -1 };
	bool any = false, v6 = false;
	char why[160];
	int ret;

	for (size_t i = 0; i < t->plan->n_addrs; i++)
		v6 |= t->plan->addrs[i].family == AF_INET6;
	if (ic && ic->has_arp_ignore) {
		v.arp_ignore = ic->arp_ignore;
		any = true;
	}
	if (ic && ic->has_arp_announce) {
		v.arp_announce = ic->arp_announce;
		any = true;
	}
	if (ic && ic->has_forwarding) {
		v.forwarding4 = v.forwarding6 = ic->forwarding ? 1 : 0;
		any = true;
	}
	/* A pod whose default disables IPv6 cannot take our IPv6 addresses (field report 8). */
	if (v6) {
		v.disable_ipv6 = 0;
		any = true;
	}
	if (!any)
		return 0;
	ret = push(t, U_SYSCTL, 0);
	if (ret < 0)
		return ret;
	ret = attach_sysctls_write(t->netns_path, t->plan->pod_name, &v, why, sizeof(why));
	if (ret < 0)
		return attach_err_set(t->err, "sysctl", ret, NULL, "write %s", why);
	return 0;
}

static int step_addr(struct txn *t)
{
	for (size_t i = 0; i < t->plan->n_addrs; i++) {
		struct nl_addr a;
		char txt[64];
		int ret;

		addr_from_ip(&t->plan->addrs[i], &a);
		ret = attach_nl_addr(t->pod, true, t->pod_ifindex, &a, t->ext, sizeof(t->ext));
		if (ret < 0)
			return attach_err_set(t->err, "addr", ret, t->ext, "add address %s",
					      ip_text(&t->plan->addrs[i], txt, sizeof(txt)));
		ret = push(t, U_ADDR, i);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int step_up(struct txn *t)
{
	struct attach_link_set ls = { .netns_fd = -1, .set_up = true };
	int ret;

	/* Always, addresses or not (field report 42). */
	ret = attach_nl_link_set(t->pod, t->pod_ifindex, &ls, t->ext, sizeof(t->ext));
	if (ret < 0)
		return attach_err_set(t->err, "up", ret, t->ext, "set %s up", t->plan->pod_name);
	return push(t, U_UP, 0);
}

static int step_ethtool(struct txn *t, struct arena *a)
{
	const struct attach_config *c = t->plan->cfg;
	char why[256] = "";
	int ret;

	if (!c || !c->has_ethtool || (!c->ethtool.n_features && !c->ethtool.n_private_flags))
		return 0;
	ret = attach_ethtool_apply(t->netns_path, t->pod_ifindex, &c->ethtool, a, &t->eth_old, why,
				   sizeof(why));
	/* Logged even on failure: features may be set when private flags fail. */
	if (t->eth_old.n_features || t->eth_old.n_private_flags) {
		int r2 = push(t, U_ETHTOOL, 0);

		if (r2 < 0)
			return r2;
	}
	if (ret < 0)
		return attach_err_set(t->err, "ethtool", ret, why, "ethtool on %s",
				      t->plan->pod_name);
	return 0;
}

static int step_ebpf(struct txn *t, const struct attach_hooks *h)
{
	const struct attach_config *c = t->plan->cfg;
	char why[256] = "";
	int ret;

	if (!c || !c->interface.has_disable_ebpf || !c->interface.disable_ebpf)
		return 0;
	if (h && h->ebpf_detach)
		ret = h->ebpf_detach(h->ctx, t->netns_path, t->pod_ifindex, why, sizeof(why));
	else
		ret = attach_ebpf_detach(t->netns_path, t->pod_ifindex, why, sizeof(why));
	if (ret < 0)
		return attach_err_set(t->err, "ebpf", ret, why, "detach eBPF programs of %s",
				      t->plan->pod_name);
	return 0;
}

/*
 * interface.vrf: find the VRF by name in the pod or create it, set it up,
 * enslave the device, turn on tcp/udp_l3mdev_accept. A link of that name
 * that is not a VRF, or a VRF of another table, is refused (upstream
 * reuses any link of that name: its routes would then go to a table the
 * VRF does not use).
 */
static int step_vrf(struct txn *t)
{
	const struct attach_config *c = t->plan->cfg;
	const struct attach_vrf_cfg *v = c ? &c->interface.vrf : NULL;
	struct attach_link_set ls = { .netns_fd = -1 };
	uint32_t table;
	char why[160];
	int ret;

	if (!c || !c->interface.has_vrf || !v->name || !v->has_table)
		return 0;
	table = (uint32_t)v->table;
	ret = attach_vrf_lookup(t->pod, v->name, &t->vrf);
	if (ret == -ENODEV) {
		ret = attach_vrf_create(t->pod, v->name, table, t->ext, sizeof(t->ext));
		if (ret < 0)
			return attach_err_set(t->err, "vrf", ret, t->ext,
					      "create vrf %s (table %u) in %s", v->name, table,
					      t->netns_path);
		ret = attach_vrf_lookup(t->pod, v->name, &t->vrf);
		if (ret < 0) {
			memset(&t->vrf, 0, sizeof(t->vrf));
			return attach_err_set(t->err, "vrf", ret, NULL,
					      "find vrf %s after creating it", v->name);
		}
		t->vrf_created = true;
		ret = push(t, U_VRF_NEW, 0);
		if (ret < 0)
			return ret;
	} else if (ret < 0) {
		return attach_err_set(t->err, "vrf", ret, NULL, "look up %s in %s", v->name,
				      t->netns_path);
	} else if (strcmp(t->vrf.kind, "vrf")) {
		ret = attach_err_set(t->err, "vrf", -EEXIST, NULL,
				     "%s in %s is a %s link, not a vrf", v->name, t->netns_path,
				     t->vrf.kind[0] ? t->vrf.kind : "device");
		memset(&t->vrf, 0, sizeof(t->vrf));
		return ret;
	} else if (t->vrf.table != table) {
		ret = attach_err_set(t->err, "vrf", -EEXIST, NULL,
				     "vrf %s in %s has table %u, the config wants table %u",
				     v->name, t->netns_path, t->vrf.table, table);
		memset(&t->vrf, 0, sizeof(t->vrf));
		return ret;
	}
	if (!(t->vrf.flags & IFF_UP)) {
		ls.set_up = true;
		ret = attach_nl_link_set(t->pod, t->vrf.ifindex, &ls, t->ext, sizeof(t->ext));
		if (ret < 0)
			return attach_err_set(t->err, "vrf", ret, t->ext, "set vrf %s up", v->name);
		if (!t->vrf_created) {
			ret = push(t, U_VRF_UP, 0);
			if (ret < 0)
				return ret;
		}
	}
	ls = (struct attach_link_set){ .netns_fd = -1,
				       .set_master = true,
				       .master = t->vrf.ifindex };
	ret = attach_nl_link_set(t->pod, t->pod_ifindex, &ls, t->ext, sizeof(t->ext));
	if (ret < 0)
		return attach_err_set(t->err, "vrf", ret, t->ext, "enslave %s to vrf %s",
				      t->plan->pod_name, v->name);
	ret = push(t, U_VRF_MASTER, 0);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < ARRAY_SIZE(l3mdev_keys); i++) {
		ret = attach_netns_sysctl(t->netns_path, l3mdev_keys[i], 1, &t->l3mdev_old[i], why,
					  sizeof(why));
		if (ret < 0)
			return attach_err_set(t->err, "vrf", ret, NULL, "write %s", why);
		ret = push(t, U_VRF_SYSCTL, i);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int step_route(struct txn *t)
{
	/* The plan is in scope order already: link scope before universe. */
	for (size_t i = 0; i < t->plan->n_routes; i++) {
		const struct attach_route_cfg *c = &t->plan->routes[i];
		struct nl_route r;
		char txt[64];
		int ret;

		attach_route_in_plan(t->plan, i, &r);
		ret = attach_nl_route(t->pod, true, t->pod_ifindex, &r, t->ext, sizeof(t->ext));
		if (ret == -EEXIST && same_route_exists(t, &r))
			continue; /* the kernel made it for an address; not ours to undo */
		if (ret < 0)
			return attach_err_set(t->err, "route", ret, t->ext, "add route %s%s%s",
					      ip_text(&c->dst, txt, sizeof(txt)),
					      c->gw.family ? " via " : "",
					      c->gateway && c->gw.family ? c->gateway : "");
		ret = push(t, U_ROUTE, i);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int step_rule(struct txn *t)
{
	for (size_t i = 0; i < t->plan->n_rules; i++) {
		int ret = attach_nl_rule(t->pod, true, &t->plan->rules[i], t->ext, sizeof(t->ext));

		/* With NLM_F_EXCL, EEXIST means this very rule (every selector) is there. */
		if (ret == -EEXIST)
			continue;
		if (ret < 0)
			return attach_err_set(t->err, "rule", ret, t->ext,
					      "add rule %zu (table %u)", i,
					      t->plan->rules[i].table);
		ret = push(t, U_RULE, i);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int step_neigh(struct txn *t)
{
	for (size_t i = 0; i < t->plan->n_neighs; i++) {
		struct nl_neigh n;
		char txt[64];
		int ret;

		neigh_from_cfg(&t->plan->neighs[i], &n);
		ret = attach_nl_neigh(t->pod, true, t->pod_ifindex, &n, t->ext, sizeof(t->ext));
		if (ret < 0)
			return attach_err_set(t->err, "neigh", ret, t->ext, "add neighbour %s",
					      nl_addr_ntop(n.family, n.dst, txt, sizeof(txt)));
		ret = push(t, U_NEIGH, i);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------- undo */

/* Put the device back on the host, wherever the failed move left it. */
static int undo_move(struct txn *t, struct attach_error *uerr)
{
	struct attach_detached d;
	struct attach_result r = { 0 };
	const struct attach_iface_cfg *ic = t->plan->cfg ? &t->plan->cfg->interface : NULL;

	memcpy(r.pod_name, t->plan->pod_name, IFNAMSIZ);
	r.pod_ifindex = t->pod_ifindex ? t->pod_ifindex : t->snap->ifindex;
	if (t->pod_mac_len) {
		memcpy(r.mac, t->pod_mac, sizeof(r.mac));
		r.mac_len = t->pod_mac_len;
	} else if (ic && ic->has_hardware_addr && ic->mac.len <= sizeof(r.mac)) {
		memcpy(r.mac, ic->mac.addr, ic->mac.len);
		r.mac_len = ic->mac.len;
	}
	return attach_detach_quiet(t->host, t->netns_path, t->snap, &r, &d, uerr);
}

static int undo_one(struct txn *t, const struct undo *u, struct attach_error *uerr)
{
	struct attach_link_set ls = { .netns_fd = -1, .set_down = true };
	struct nl_addr a;
	struct nl_route r;
	struct nl_neigh n;
	char ext[256] = "";
	int ret = 0;

	switch (u->kind) {
	case U_MOVE:
		return undo_move(t, uerr);
	case U_SYSCTL:
		/*
		 * Nothing to write: the move back re-initialises them from the
		 * host's defaults and the restore writes the snapshot's.
		 */
		return 0;
	case U_ADDR:
		addr_from_ip(&t->plan->addrs[u->idx], &a);
		ret = attach_nl_addr(t->pod, false, t->pod_ifindex, &a, ext, sizeof(ext));
		break;
	case U_UP:
		ret = attach_nl_link_set(t->pod, t->pod_ifindex, &ls, ext, sizeof(ext));
		break;
	case U_ETHTOOL:
		ret = attach_ethtool_restore(t->netns_path, t->pod_ifindex, &t->eth_old, ext,
					     sizeof(ext));
		break;
	case U_ROUTE:
		attach_route_in_plan(t->plan, u->idx, &r);
		ret = attach_nl_route(t->pod, false, t->pod_ifindex, &r, ext, sizeof(ext));
		break;
	case U_RULE:
		ret = attach_nl_rule(t->pod, false, &t->plan->rules[u->idx], ext, sizeof(ext));
		break;
	case U_NEIGH:
		neigh_from_cfg(&t->plan->neighs[u->idx], &n);
		ret = attach_nl_neigh(t->pod, false, t->pod_ifindex, &n, ext, sizeof(ext));
		break;
	case U_VRF_NEW:
		ret = attach_nl_link_del(t->pod, t->vrf.ifindex, ext, sizeof(ext));
		break;
	case U_VRF_UP:
		ret = attach_nl_link_set(t->pod, t->vrf.ifindex, &ls, ext, sizeof(ext));
		break;
	case U_VRF_SYSCTL:
		ret = attach_netns_sysctl(t->netns_path, l3mdev_keys[u->idx], t->l3mdev_old[u->idx],
					  NULL, ext, sizeof(ext));
		break;
	case U_VRF_MASTER:
		ls = (struct attach_link_set){ .netns_fd = -1, .set_master = true };
		ret = attach_nl_link_set(t->pod, t->pod_ifindex, &ls, ext, sizeof(ext));
		break;
	}
	/* Already gone is undone (a route removed with its address, ...). */
	if (ret == -ENOENT || ret == -ESRCH || ret == -EADDRNOTAVAIL || ret == -ENODEV)
		ret = 0;
	return attach_err_set(uerr, "undo", ret, ext, "undo step %d", (int)u->kind);
}

static void rollback(struct txn *t)
{
	struct attach_error uerr = { 0 };
	int first = 0;

	for (size_t i = t->n_log; i-- > 0;) {
		int ret = undo_one(t, &t->log[i], &uerr);

		if (ret < 0 && !first)
			first = ret;
	}
	if (first) {
		size_t len = strlen(t->err->msg);

		t->err->undo_err = first;
		snprintf(t->err->msg + len, sizeof(t->err->msg) - len, "; rollback failed: %s",
			 uerr.msg);
	}
}

/* ------------------------------------------------------------- result */

/* The VRF of the result; a retry tells one we created by its alias. */
static int read_vrf(struct txn *t, const struct nl_link *l, struct attach_result *res, bool retry)
{
	const struct attach_config *c = t->plan->cfg;

	if (!c || !c->interface.has_vrf || !c->interface.vrf.name)
		return 0;
	if (retry && attach_vrf_lookup(t->pod, c->interface.vrf.name, &t->vrf) == 0 &&
	    t->vrf.ifindex == l->master && !strcmp(t->vrf.kind, "vrf"))
		t->vrf_created = !strcmp(t->vrf.alias, ATTACH_VRF_ALIAS);
	if (str_copy(res->vrf.name, sizeof(res->vrf.name), c->interface.vrf.name) < 0)
		return -EMSGSIZE;
	res->vrf.table = (uint32_t)c->interface.vrf.table;
	res->vrf.created = t->vrf_created;
	return 0;
}

static int read_result(struct txn *t, struct arena *a, struct attach_result *res, bool retry)
{
	struct nl_link l;
	int ret = nl_link_get(t->pod, t->pod_ifindex, &l);

	if (ret < 0)
		return attach_err_set(t->err, "result", ret, NULL, "read %s back",
				      t->plan->pod_name);
	memset(res, 0, sizeof(*res));
	memcpy(res->pod_name, l.name, IFNAMSIZ);
	res->pod_ifindex = l.ifindex;
	memcpy(res->mac, l.addr, sizeof(res->mac));
	res->mac_len = l.addr_len;
	res->ips = arena_calloc(a, t->plan->n_addrs + 1, sizeof(*res->ips));
	if (!res->ips)
		return -ENOMEM;
	for (size_t i = 0; i < t->plan->n_addrs; i++) {
		char txt[64];

		res->ips[i] = arena_strdup(a, ip_text(&t->plan->addrs[i], txt, sizeof(txt)));
		if (!res->ips[i])
			return -ENOMEM;
	}
	res->n_ips = t->plan->n_addrs;
	res->ethtool_old = t->eth_old;
	/* The rules this attach added (a retry cannot tell: it takes the plan's). */
	res->rules = arena_calloc(a, t->plan->n_rules + 1, sizeof(*res->rules));
	if (!res->rules)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_log; i++)
		if (t->log[i].kind == U_RULE)
			res->rules[res->n_rules++] = t->plan->rules[t->log[i].idx];
	if (retry) {
		memcpy(res->rules, t->plan->rules, t->plan->n_rules * sizeof(*res->rules));
		res->n_rules = t->plan->n_rules;
	}
	return read_vrf(t, &l, res, retry);
}

/*
 * A retry: already in the pod under the pod name, and not on the host: 1.
 * In the pod under another name (another config, or renamed there): refused
 * with -EEXIST, nothing touched (a move would tear it out of a running pod).
 */
static int already_attached(struct txn *t)
{
	const struct attach_iface_cfg *ic = t->plan->cfg ? &t->plan->cfg->interface : NULL;
	const uint8_t *mac = ic && ic->has_hardware_addr ? ic->mac.addr : NULL;
	size_t mac_len = mac ? ic->mac.len : 0;
	struct nl_link l;

	if (attach_find(t->host, t->host, -1, t->snap->ifindex, t->snap->name, NULL, t->snap, mac,
			mac_len, &l) == 0)
		return 0;
	if (attach_find(t->pod, t->host, t->pod_ns, t->snap->ifindex, t->plan->pod_name, NULL,
			t->snap, mac, mac_len, &l) < 0)
		return 0;
	if (strcmp(l.name, t->plan->pod_name))
		return attach_err_set(t->err, "attach", -EEXIST, NULL,
				      "%s is attached to %s already as %s, with another config; "
				      "detach first",
				      t->snap->name, t->netns_path, l.name);
	t->pod_ifindex = l.ifindex;
	return 1;
}

int attach_check_device(const struct attach_config *cfg, const struct attach_snapshot *snap,
			char *why, size_t whylen)
{
	const struct attach_iface_cfg *ic = cfg ? &cfg->interface : NULL;

	if (ic && ic->has_hardware_addr && ic->mac.len && snap->mac_len &&
	    ic->mac.len != snap->mac_len) {
		snprintf(
			why, whylen,
			"interface.hardwareAddr: %u bytes, but %s's hardware addresses are %u bytes",
			ic->mac.len, snap->name, snap->mac_len);
		return -EINVAL;
	}
	return 0;
}

int attach_netns_is_current(const char *netns_path, bool *same)
{
	struct stat a, b;

	*same = false;
	if (stat(netns_path, &a) < 0 || stat("/proc/self/ns/net", &b) < 0)
		return -errno;
	*same = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	return 0;
}

int attach_apply(struct nl_sock *host, const char *netns_path, const struct attach_snapshot *snap,
		 const struct attach_plan *plan, const struct attach_hooks *hooks, struct arena *a,
		 struct attach_result *res, struct attach_error *err)
{
	struct txn t = { .host = host,
			 .netns_path = netns_path,
			 .snap = snap,
			 .plan = plan,
			 .pod_ns = -1,
			 .err = err };
	bool same;
	int ret;

	memset(err, 0, sizeof(*err));
	if (!netns_path)
		return -EINVAL;
	ret = attach_check_device(plan->cfg, snap, t.ext, sizeof(t.ext));
	if (ret < 0)
		return attach_err_set(err, "plan", ret, NULL, "%s", t.ext);
	/* The device is in our netns: moving it "into" ours would only rename it. */
	ret = attach_netns_is_current(netns_path, &same);
	if (ret < 0)
		return attach_err_set(err, "netns", ret, NULL, "stat %s", netns_path);
	if (same)
		return attach_err_set(err, "netns", -EINVAL, NULL,
				      "%s is the network namespace %s is in already (the host's)",
				      netns_path, snap->name);
	t.cap_log = 4 + 5 + plan->n_addrs + plan->n_routes + plan->n_rules + plan->n_neighs;
	t.log = arena_calloc(a, t.cap_log, sizeof(*t.log));
	if (!t.log)
		return -ENOMEM;
	t.pod_ns = open(netns_path, O_RDONLY | O_CLOEXEC);
	if (t.pod_ns < 0)
		return attach_err_set(err, "netns", -errno, NULL, "open %s", netns_path);
	ret = nl_open(NETLINK_ROUTE, netns_path, &t.pod);
	if (ret < 0) {
		attach_err_set(err, "netns", ret, NULL, "netlink socket in %s", netns_path);
		goto out;
	}
	ret = already_attached(&t);
	if (ret != 0) {
		if (ret == 1)
			ret = read_result(&t, a, res, true);
		if (ret == 0)
			ret = 1;
		goto out;
	}

#define STEP(name, call)                                                                           \
	do {                                                                                       \
		ret = fault(&t, name, "before");                                                   \
		if (ret == 0)                                                                      \
			ret = (call);                                                              \
		if (ret == 0)                                                                      \
			ret = fault(&t, name, "after");                                            \
		if (ret < 0)                                                                       \
			goto out_rollback;                                                         \
	} while (0)

	STEP("move", step_move(&t));
	STEP("sysctl", step_sysctl(&t));
	STEP("addr", step_addr(&t));
	STEP("up", step_up(&t));
	STEP("ethtool", step_ethtool(&t, a));
	STEP("ebpf", step_ebpf(&t, hooks));
	STEP("vrf", step_vrf(&t));
	STEP("route", step_route(&t));
	STEP("rule", step_rule(&t));
	STEP("neigh", step_neigh(&t));
#undef STEP
	ret = read_result(&t, a, res, false);
	if (ret == 0)
		goto out;
out_rollback:
	if (ret == -ENOMEM && !err->step[0])
		attach_err_set(err, "attach", ret, NULL, "out of memory");
	rollback(&t);
out:
	nl_close(t.pod);
	if (t.pod_ns >= 0)
		close(t.pod_ns);
	return ret;
}
