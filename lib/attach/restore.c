// SPDX-License-Identifier: Apache-2.0
/*
 * Detach and restore: move the device back from the pod under its host
 * name (a temporary one when that was taken) and put the snapshot back
 * (reference/upstream.md §6.4 and weakness 4; field reports 1-5, 38-45).
 */
#include "attach/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h> /* linux/if.h: IF_OPER_* */
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "attach/internal.h"

int attach_err_set(struct attach_error *err, const char *step, int ret, const char *ext,
		   const char *fmt, ...)
{
	char what[256];
	va_list ap;

	/* A success records nothing (restore passes every step's result through here). */
	if (!err || err->step[0] || ret >= 0)
		return ret;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err->step, sizeof(err->step), "%s", step);
	snprintf(err->msg, sizeof(err->msg), "%s: %s%s%s", what,
		 ext && ext[0] ? ext : strerror(-ret), ext && ext[0] ? " (" : "",
		 ext && ext[0] ? strerror(-ret) : "");
	if (ext && ext[0])
		strncat(err->msg, ")", sizeof(err->msg) - strlen(err->msg) - 1);
	return ret;
}

static int fault(const char *prefix, const char *step, const char *when, struct attach_error *err)
{
	char point[64];
	int ret;

	if (!prefix)
		return 0;
	snprintf(point, sizeof(point), "%s.%s.%s", prefix, step, when);
	ret = attach_fault(point);
	if (ret < 0)
		return attach_err_set(err, step, ret, NULL, "fault point %s", point);
	return 0;
}

static bool is_v6_link_local(const struct nl_addr *a)
{
	return a->family == AF_INET6 && a->addr[0] == 0xfe && (a->addr[1] & 0xc0) == 0x80;
}

/* Until the link's operstate is up (carrier seen by linkwatch), 1 s at most. */
static void wait_oper_up(struct nl_sock *host, int ifindex)
{
	for (int i = 0; i < 100; i++) {
		struct nl_link l;
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (nl_link_get(host, ifindex, &l) < 0 || !(l.flags & IFF_UP) ||
		    l.operstate == IF_OPER_UP ||
		    (l.operstate == IF_OPER_UNKNOWN && (l.flags & IFF_LOWER_UP)))
			return;
		nanosleep(&ts, NULL);
	}
}

static bool has_addr(const struct nl_addr *list, size_t n, int ifindex, const struct nl_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if ((!ifindex || list[i].ifindex == ifindex) && list[i].family == a->family &&
		    list[i].prefixlen == a->prefixlen && !memcmp(list[i].addr, a->addr, 16))
			return true;
	return false;
}

/*
 * The IPv6 link-local addresses as they were: the kernel made one when the
 * link came up (from the current MAC, or by the netns's addr_gen_mode),
 * which need not be the host's (one set by hand, another generation mode).
 * Add the snapshot's that are missing, then delete the others. One the
 * kernel makes later (a carrier that comes up after detach) is not seen.
 */
static int restore_link_local(struct nl_sock *host, int ifindex, const struct attach_snapshot *snap,
			      char *ext, size_t extlen, struct attach_error *err)
{
	struct arena *a = arena_new(ARENA_CAP_DEFAULT);
	struct nl_addr *cur;
	size_t n;
	int first = 0, ret;

	if (!a)
		return attach_err_set(err, "up", -ENOMEM, NULL, "list addresses");
	ret = nl_addr_dump(host, AF_INET6, a, &cur, &n);
	if (ret < 0) {
		first = attach_err_set(err, "up", ret, NULL, "list addresses");
		goto out;
	}
	for (size_t k = 0; k < snap->n_addrs; k++) {
		const struct nl_addr *s = &snap->addrs[k];
		char txt[64];

		if (!is_v6_link_local(s) || has_addr(cur, n, ifindex, s))
			continue;
		ret = attach_nl_addr(host, true, ifindex, s, ext, extlen);
		if (ret < 0 && ret != -EEXIST && !first)
			first = attach_err_set(err, "up", ret, ext, "add %s/%u",
					       nl_addr_ntop(s->family, s->addr, txt, sizeof(txt)),
					       s->prefixlen);
	}
	for (size_t k = 0; k < n; k++) {
		char txt[64];

		if (cur[k].ifindex != ifindex || !is_v6_link_local(&cur[k]) ||
		    has_addr(snap->addrs, snap->n_addrs, 0, &cur[k]))
			continue;
		ret = attach_nl_addr(host, false, ifindex, &cur[k], ext, extlen);
		if (ret < 0 && ret != -EADDRNOTAVAIL && !first)
			first = attach_err_set(
				err, "up", ret, ext, "delete %s/%u",
				nl_addr_ntop(cur[k].family, cur[k].addr, txt, sizeof(txt)),
				cur[k].prefixlen);
	}
out:
	arena_free(a);
	return first;
}

static int restore_rules(struct nl_sock *host, const struct attach_snapshot *snap, char *ext,
			 size_t extlen, struct attach_error *err)
{
	struct arena *a = arena_new(ARENA_CAP_DEFAULT);
	struct nl_rule *cur;
	size_t n;
	int first = 0, ret;

	if (!a)
		return attach_err_set(err, "rule", -ENOMEM, NULL, "list host rules");
	ret = nl_rule_dump(host, AF_UNSPEC, a, &cur, &n);
	if (ret < 0) {
		attach_err_set(err, "rule", ret, NULL, "list host rules");
		goto out;
	}
	for (size_t k = 0; k < snap->n_rules; k++) {
		const struct nl_rule *r = &snap->rules[k];
		bool present = false;

		/*
		 * Equal in every selector, or at the same place (family, priority,
		 * table): a state file of an older build kept fewer selectors, and
		 * re-adding that rule would broaden it. Never a second rule there.
		 */
		for (size_t i = 0; i < n && !present; i++)
			present = nl_rule_same(&cur[i], r) ||
				  (cur[i].family == r->family && cur[i].table == r->table &&
				   cur[i].has_priority && r->has_priority &&
				   cur[i].priority == r->priority);
		if (present || r->unknown)
			continue;
		ret = attach_nl_rule(host, true, r, ext, extlen);
		if (ret < 0 && ret != -EEXIST && !first)
			first = attach_err_set(err, "rule", ret, ext, "add rule to table %u",
					       r->table);
	}
	ret = first;
out:
	arena_free(a);
	return ret;
}

int attach_restore_host(struct nl_sock *host, int ifindex, const char *name,
			const struct attach_snapshot *snap, const char *fault_prefix,
			struct attach_error *err)
{
	struct attach_link_set ls = { .netns_fd = -1 };
	struct nl_link cur;
	char ext[256] = "", why[160];
	int first = 0, ret;

#define STEP_BEGIN(step)                                                                           \
	do {                                                                                       \
		ret = fault(fault_prefix, step, "before", err);                                    \
		if (ret < 0)                                                                       \
			return ret;                                                                \
	} while (0)
#define STEP_END(step)                                                                             \
	do {                                                                                       \
		ret = fault(fault_prefix, step, "after", err);                                     \
		if (ret < 0)                                                                       \
			return ret;                                                                \
	} while (0)
#define KEEP(r)                                                                                    \
	do {                                                                                       \
		if ((r) < 0 && !first)                                                             \
			first = (r);                                                               \
	} while (0)

	/*
	 * Only what differs from now, so that restoring a restored device
	 * changes nothing (and a device that takes no MAC is not asked to).
	 */
	STEP_BEGIN("link");
	ret = nl_link_get(host, ifindex, &cur);
	if (ret < 0) {
		attach_err_set(err, "link", ret, NULL, "read link %d", ifindex);
		return ret;
	}
	if (strcmp(cur.name, name) && (cur.flags & IFF_UP)) {
		/* Down first: older kernels refuse to rename an UP link (field report 39). */
		ls.set_down = true;
		ret = attach_nl_link_set(host, ifindex, &ls, ext, sizeof(ext));
		KEEP(attach_err_set(err, "link", ret, ext, "set %s down", cur.name));
		cur.flags &= ~(unsigned)IFF_UP;
	}
	ls = (struct attach_link_set){ .netns_fd = -1 };
	if (strcmp(cur.name, name))
		ls.name = name;
	if (snap->mtu && cur.mtu != snap->mtu)
		ls.mtu = snap->mtu;
	if (snap->mac_len &&
	    (cur.addr_len != snap->mac_len || memcmp(cur.addr, snap->mac, snap->mac_len))) {
		ls.mac = snap->mac;
		ls.mac_len = snap->mac_len;
	}
	if (cur.gso_max_size != snap->gso_max_size)
		ls.gso_max_size = snap->gso_max_size;
	if (cur.gro_max_size != snap->gro_max_size)
		ls.gro_max_size = snap->gro_max_size;
	if (cur.gso_ipv4_max_size != snap->gso_ipv4_max_size)
		ls.gso_ipv4_max_size = snap->gso_ipv4_max_size;
	if (cur.gro_ipv4_max_size != snap->gro_ipv4_max_size)
		ls.gro_ipv4_max_size = snap->gro_ipv4_max_size;
	if (ls.name || ls.mtu || ls.mac_len || ls.gso_max_size || ls.gro_max_size ||
	    ls.gso_ipv4_max_size || ls.gro_ipv4_max_size) {
		ret = attach_nl_link_set(host, ifindex, &ls, ext, sizeof(ext));
		KEEP(attach_err_set(err, "link", ret, ext, "restore name, mtu, mac, gso/gro of %s",
				    name));
	}
	STEP_END("link");

	STEP_BEGIN("sysctl");
	ret = attach_sysctls_write(NULL, name, &snap->sysctl, why, sizeof(why));
	KEEP(attach_err_set(err, "sysctl", ret, NULL, "write %s", why));
	ret = attach_sysctls_extra_restore(name, snap->sysctl_extra, why, sizeof(why));
	KEEP(attach_err_set(err, "sysctl", ret, NULL, "write %s", why));
	STEP_END("sysctl");

	/*
	 * Addresses: IPv4 in dump order (primary before secondaries); IPv6 in
	 * reverse, as the kernel lists the newest of a scope first. IPv6
	 * link-local ones come back by themselves when the link goes up.
	 */
	STEP_BEGIN("addr");
	for (size_t k = 0; k < snap->n_addrs; k++) {
		struct nl_addr a = snap->addrs[k];
		size_t nlen = strlen(snap->name);
		char txt[64], label[IFNAMSIZ * 2];

		if (a.family != AF_INET)
			continue;
		/* A label is the device name plus an optional ":suffix": follow the name. */
		if (!strncmp(a.label, snap->name, nlen)) {
			snprintf(label, sizeof(label), "%s%s", name, a.label + nlen);
			if (str_copy(a.label, sizeof(a.label), label) < 0)
				memcpy(a.label, name, IFNAMSIZ);
		}
		ret = attach_nl_addr(host, true, ifindex, &a, ext, sizeof(ext));
		if (ret != -EEXIST)
			KEEP(attach_err_set(err, "addr", ret, ext, "add %s/%u",
					    nl_addr_ntop(a.family, a.addr, txt, sizeof(txt)),
					    a.prefixlen));
	}
	for (size_t k = snap->n_addrs; k-- > 0;) {
		const struct nl_addr *a = &snap->addrs[k];
		char txt[64];

		if (a->family != AF_INET6 || is_v6_link_local(a))
			continue;
		ret = attach_nl_addr(host, true, ifindex, a, ext, sizeof(ext));
		if (ret != -EEXIST)
			KEEP(attach_err_set(err, "addr", ret, ext, "add %s/%u",
					    nl_addr_ntop(a->family, a->addr, txt, sizeof(txt)),
					    a->prefixlen));
	}
	STEP_END("addr");

	STEP_BEGIN("up");
	if (snap->up != !!(cur.flags & IFF_UP)) {
		ls = (struct attach_link_set){ .netns_fd = -1,
					       .set_up = snap->up,
					       .set_down = !snap->up };
		ret = attach_nl_link_set(host, ifindex, &ls, ext, sizeof(ext));
		KEEP(attach_err_set(err, "up", ret, ext, "set %s %s", name,
				    snap->up ? "up" : "down"));
	}
	/*
	 * Bringing it up resets some (ipv6 mtu to the link's) when IPv6 sees
	 * the carrier, which linkwatch reports after the up: wait for that
	 * (operstate up, at most a second), then once more those that differ.
	 */
	if (snap->up)
		wait_oper_up(host, ifindex);
	ret = attach_sysctls_extra_restore(name, snap->sysctl_extra, why, sizeof(why));
	KEEP(attach_err_set(err, "up", ret, NULL, "write %s", why));
	if (snap->up) {
		ret = restore_link_local(host, ifindex, snap, ext, sizeof(ext), err);
		KEEP(ret);
	}
	STEP_END("up");

	/*
	 * Routes, highest scope first (on-link before via-gateway). Kernel
	 * routes come back with the addresses; a down link takes no IPv4
	 * route (-ENETDOWN), and had none in the snapshot but IPv6 ones.
	 */
	STEP_BEGIN("route");
	for (int scope = 255; scope >= 0; scope--) {
		for (size_t k = 0; k < snap->n_routes; k++) {
			const struct nl_route *r = &snap->routes[k];
			char txt[64];

			if (r->scope != scope || r->protocol == RTPROT_KERNEL)
				continue;
			ret = attach_nl_route(host, true, ifindex, r, ext, sizeof(ext));
			if (ret == -EEXIST || (ret == -ENETDOWN && !snap->up))
				continue;
			KEEP(attach_err_set(err, "route", ret, ext, "add route %s/%u table %u",
					    nl_addr_ntop(r->family, r->dst, txt, sizeof(txt)),
					    r->dst_len, r->table));
		}
	}
	STEP_END("route");

	/*
	 * Rules stay on the host while the device is away: re-add only those
	 * no host rule equals in every selector (never one that was not there).
	 */
	STEP_BEGIN("rule");
	if (snap->n_rules) {
		ret = restore_rules(host, snap, ext, sizeof(ext), err);
		KEEP(ret);
	}
	STEP_END("rule");

	STEP_BEGIN("neigh");
	for (size_t k = 0; k < snap->n_neighs; k++) {
		char txt[64];

		ret = attach_nl_neigh(host, true, ifindex, &snap->neighs[k], ext, sizeof(ext));
		KEEP(attach_err_set(err, "neigh", ret, ext, "add neighbour %s",
				    nl_addr_ntop(snap->neighs[k].family, snap->neighs[k].dst, txt,
						 sizeof(txt))));
	}
	STEP_END("neigh");
	return first;
#undef STEP_BEGIN
#undef STEP_END
#undef KEEP
}

/* Move the pod's link back to the host netns (fd @host_ns) as @name; -EEXIST when taken. */
static int move_back(struct nl_sock *pod, const struct nl_link *l, int host_ns, const char *name,
		     int ifindex, struct attach_error *err)
{
	struct attach_link_set ls = { .netns_fd = -1, .set_down = true };
	char ext[256] = "";
	int ret;

	/*
	 * Out of its VRF (or any master a pod gave it) first: the kernel's
	 * NETDEV_UNREGISTER of the move releases it too, but a VRF we delete
	 * afterwards must see no slave of ours, and the host must get the
	 * device back without a master whatever the kernel does.
	 */
	if (l->master) {
		ls = (struct attach_link_set){ .netns_fd = -1, .set_master = true };
		ret = attach_nl_link_set(pod, l->ifindex, &ls, ext, sizeof(ext));
		if (ret < 0 && ret != -ENODEV)
			return attach_err_set(err, "move", ret, ext,
					      "release %s from its master in the pod", l->name);
		ls = (struct attach_link_set){ .netns_fd = -1, .set_down = true };
	}
	/* Down before the move (field report 39); the move closes it anyway. */
	if (l->flags & IFF_UP) {
		ret = attach_nl_link_set(pod, l->ifindex, &ls, ext, sizeof(ext));
		if (ret < 0)
			return attach_err_set(err, "move", ret, ext, "set %s down in the pod",
					      l->name);
	}
	/* One message moves and renames: nothing half done when it fails (field report 40). */
	ls = (struct attach_link_set){ .netns_fd = host_ns, .name = name, .new_ifindex = ifindex };
	ret = attach_nl_link_set(pod, l->ifindex, &ls, ext, sizeof(ext));
	if (ret < 0 && ret != -EEXIST) {
		/* Leave it as it was, up if it was (field report 42). */
		if (l->flags & IFF_UP) {
			struct attach_link_set up = { .netns_fd = -1, .set_up = true };
			char ext2[64];

			if (attach_nl_link_set(pod, l->ifindex, &up, ext2, sizeof(ext2)) < 0)
				err->undo_err = -EIO;
		}
		return attach_err_set(err, "move", ret, ext, "move %s back to the host as %s",
				      l->name, name);
	}
	return ret;
}

/*
 * The VRF this attach created, once nothing is enslaved to it: found by
 * name, and only while it is still a VRF of that table with our alias (the
 * pod may have replaced it). Best effort: a VRF left behind dies with the
 * pod's netns.
 */
static int vrf_cleanup(struct nl_sock *pod, const struct attach_result *res, const char *fp,
		       struct attach_error *err)
{
	struct attach_vrf_link v;
	char ext[256] = "";
	size_t n;
	int ret;

	if (!pod || !res->vrf.name[0] || !res->vrf.created)
		return 0;
	ret = fault(fp, "vrf", "before", err);
	if (ret < 0)
		return ret;
	ret = attach_vrf_lookup(pod, res->vrf.name, &v);
	if (ret == 0 && !strcmp(v.kind, "vrf") && v.table == res->vrf.table &&
	    !strcmp(v.alias, ATTACH_VRF_ALIAS) && attach_vrf_slaves(pod, v.ifindex, &n) == 0 &&
	    n == 0) {
		ret = attach_nl_link_del(pod, v.ifindex, ext, sizeof(ext));
		if (ret < 0 && ret != -ENODEV)
			return attach_err_set(err, "vrf", ret, ext, "delete vrf %s in the pod",
					      res->vrf.name);
	}
	return fault(fp, "vrf", "after", err);
}

/* A link in the pod under our names that is not ours (identity differs): its name. */
static void impostor_name(struct nl_sock *pod, const struct attach_result *res,
			  const struct attach_snapshot *snap, char out[IFNAMSIZ])
{
	const char *names[] = { res->pod_name, snap->name };
	int owner;

	for (size_t i = 0; i < ARRAY_SIZE(names) && !out[0]; i++)
		if (names[i][0] && attach_name_owner(pod, names[i], &owner) == 0 && owner)
			memcpy(out, names[i], IFNAMSIZ);
}

/*
 * Not in the pod, not on the host. "Gone" only when it is known to be
 * destroyed: a veth whose peer on the host is gone too (the pair dies
 * together). A physical device comes back to the host when its netns dies,
 * so not finding it there is an error, as is a veth whose peer still
 * points into some netns (alive elsewhere), an unreachable netns, or a
 * link under our name in the pod that fails identity (never touched).
 */
static int not_found(struct nl_sock *host, const char *netns_path, int open_err,
		     const char *impostor, const struct attach_snapshot *snap,
		     struct attach_detached *out, struct attach_error *err)
{
	struct attach_peer peer;
	char where[300];
	int ret;

	if (netns_path && open_err < 0)
		snprintf(where, sizeof(where), "%s cannot be opened (%s)", netns_path,
			 strerror(-open_err));
	else if (netns_path)
		snprintf(where, sizeof(where), "it is not in %s", netns_path);
	else
		snprintf(where, sizeof(where), "no netns was given");
	if (impostor[0])
		return attach_err_set(err, "find", -ENODEV, NULL,
				      "%s not found: %s in %s is not the device attached (its "
				      "identity differs), left alone; not on the host",
				      snap->name, impostor, netns_path);
	if (!strcmp(snap->kind, "veth") && snap->peer_ifindex > 0) {
		/*
		 * A netns just deleted is destroyed by a kernel worker a moment
		 * later: give it that moment (2 s) before calling the device alive.
		 */
		for (int i = 0;; i++) {
			const struct timespec tick = { 0, 50 * 1000 * 1000 };

			ret = attach_peer_read(host, -1, snap, &peer);
			if (ret < 0)
				return attach_err_set(err, "find", ret, NULL,
						      "read the peer %d of %s", snap->peer_ifindex,
						      snap->name);
			if (!peer.known || strcmp(peer.link.kind, "veth")) {
				out->gone = true; /* the pair was destroyed with its peer */
				return 0;
			}
			if (!netns_path || open_err >= 0 || i == 40)
				break;
			nanosleep(&tick, NULL);
		}
		return attach_err_set(err, "find", -ENODEV, NULL,
				      "%s is alive elsewhere: not on the host, %s; its peer %s on "
				      "the host points to ifindex %d in netns id %d: give --netns "
				      "PATH of that netns",
				      snap->name, where, peer.link.name, peer.link.link,
				      peer.link.link_netnsid);
	}
	return attach_err_set(err, "find", -ENODEV, NULL, "%s not found: not on the host, and %s%s",
			      snap->name, where,
			      netns_path && open_err < 0
				      ? ": give --netns PATH of a process still in that netns"
				      : "");
}

static int detach(struct nl_sock *host, const char *netns_path, const struct attach_snapshot *snap,
		  const struct attach_result *res, struct attach_detached *out,
		  struct attach_error *err, const char *fp)
{
	struct nl_sock *pod = NULL;
	struct nl_link l, hl;
	int want_index = 0;
	char target[IFNAMSIZ], impostor[IFNAMSIZ] = "";
	int host_ns = -1, pod_ns = -1, open_err = 0, owner, ret;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	memcpy(target, snap->name, IFNAMSIZ);
	ret = fault(fp, "move", "before", err);
	if (ret < 0)
		return ret;
	/*
	 * A netns that cannot be opened (deleted, its --pid dead) or no path at
	 * all: look on the host, and say "unreachable" (not "gone") when the
	 * device is not there either.
	 */
	if (netns_path) {
		pod_ns = open(netns_path, O_RDONLY | O_CLOEXEC);
		open_err = pod_ns < 0 ? -errno : nl_open(NETLINK_ROUTE, netns_path, &pod);
		if (open_err < 0)
			pod = NULL;
	}
	/* Our rules stay in the pod when the device leaves: take them out first. */
	for (size_t i = 0; pod && i < res->n_rules; i++) {
		char ext[128] = "";

		ret = attach_nl_rule(pod, false, &res->rules[i], ext, sizeof(ext));
		if (ret < 0 && ret != -ENOENT)
			log_debug("pod rule not deleted", "err=\"%s\"", ext);
	}
	/*
	 * In the pod: by ifindex (a rename there does not matter), by the pod
	 * name, or by the host name (a move whose rename failed keeps it).
	 */
	ret = pod ? attach_find(pod, host, pod_ns, res->pod_ifindex, res->pod_name, snap->name,
				snap, res->mac, res->mac_len, &l)
		  : -ENODEV;
	if (pod && ret == -ENODEV)
		impostor_name(pod, res, snap, impostor);
	if (ret == 0) {
		host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (host_ns < 0) {
			ret = attach_err_set(err, "move", -errno, NULL, "open /proc/self/ns/net");
			goto out;
		}
		ret = attach_name_owner(host, target, &owner);
		if (ret < 0) {
			attach_err_set(err, "move", ret, NULL, "list host links");
			goto out;
		}
		if (owner)
			attach_temp_name(snap->ifindex, target);
		/*
		 * Back under its host ifindex when that is free (the pod may have
		 * had it taken, and the kernel then picked another on the way in).
		 */
		if (l.ifindex != snap->ifindex && nl_link_get(host, snap->ifindex, &hl) == -ENODEV)
			want_index = snap->ifindex;
		ret = move_back(pod, &l, host_ns, target, want_index, err);
		/*
		 * EEXIST: the name was taken between the check and the move. The
		 * kernel uses our name as the pattern only when the current one
		 * is taken on the host; else it moves first and the rename fails,
		 * leaving the device on the host under its pod name (found below).
		 */
		if (ret == -EEXIST && attach_find(pod, host, pod_ns, l.ifindex, NULL, NULL, snap,
						  res->mac, res->mac_len, &l) == 0) {
			attach_temp_name(snap->ifindex, target);
			memset(err, 0, sizeof(*err));
			ret = move_back(pod, &l, host_ns, target, want_index, err);
		}
		if (ret < 0 && ret != -EEXIST)
			goto out;
		memset(err, 0, sizeof(*err));
	}
	ret = fault(fp, "move", "after", err);
	if (ret < 0)
		goto out;

	/* On the host: under the name we gave, or where the kernel put it (dev%d, pod name). */
	ret = attach_find(host, host, -1, snap->ifindex, target, res->pod_name, snap, res->mac,
			  res->mac_len, &l);
	if (ret == -ENODEV) {
		ret = not_found(host, netns_path, open_err, impostor, snap, out, err);
		goto out;
	}
	if (ret < 0) {
		attach_err_set(err, "move", ret, NULL, "find %s on the host", snap->name);
		goto out;
	}
	out->was_on_host = host_ns < 0;
	if (strcmp(l.name, target)) {
		/* Returned by the kernel under another name: take the host name if free. */
		ret = attach_name_owner(host, snap->name, &owner);
		if (ret < 0) {
			attach_err_set(err, "link", ret, NULL, "list host links");
			goto out;
		}
		memcpy(target, snap->name, IFNAMSIZ);
		if (owner && owner != l.ifindex)
			attach_temp_name(snap->ifindex, target);
	}
	out->temp_name = strcmp(target, snap->name) != 0;
	memcpy(out->host_name, target, IFNAMSIZ);
	out->ifindex = l.ifindex;
	ret = attach_restore_host(host, l.ifindex, target, snap, fp, err);
	if (res->ethtool_old.n_features || res->ethtool_old.n_private_flags) {
		char why[256];
		int r2 = attach_ethtool_restore(NULL, l.ifindex, &res->ethtool_old, why,
						sizeof(why));

		if (r2 < 0 && ret == 0)
			ret = attach_err_set(err, "ethtool", r2, why,
					     "restore ethtool settings of %s", target);
	}
	/* Last: the host comes first, and a retry gets here again. */
	if (ret == 0)
		ret = vrf_cleanup(pod, res, fp, err);
out:
	if (host_ns >= 0)
		close(host_ns);
	if (pod_ns >= 0)
		close(pod_ns);
	nl_close(pod);
	return ret;
}

int attach_identify(struct nl_sock *host, const char *netns_path, const char *name,
		    const struct attach_snapshot *snap, const struct attach_result *res, bool *ours)
{
	struct attach_peer peer;
	struct nl_sock *pod = NULL;
	struct nl_link l;
	int ns = open(netns_path, O_RDONLY | O_CLOEXEC), ifindex, ret;

	*ours = false;
	if (ns < 0)
		return -errno;
	ret = nl_open(NETLINK_ROUTE, netns_path, &pod);
	if (ret == 0)
		ret = attach_name_owner(pod, name, &ifindex);
	if (ret == 0 && ifindex)
		ret = nl_link_get(pod, ifindex, &l);
	if (ret == 0 && ifindex)
		ret = attach_peer_read(host, ns, snap, &peer);
	if (ret == 0 && ifindex)
		*ours = attach_is_ours(&l, snap, &peer, res ? res->mac : NULL,
				       res ? res->mac_len : 0);
	nl_close(pod);
	close(ns);
	return ret == -ENODEV ? 0 : ret;
}

int attach_detach(struct nl_sock *host, const char *netns_path, const struct attach_snapshot *snap,
		  const struct attach_result *res, struct attach_detached *out,
		  struct attach_error *err)
{
	return detach(host, netns_path, snap, res, out, err, "detach");
}

int attach_detach_quiet(struct nl_sock *host, const char *netns_path,
			const struct attach_snapshot *snap, const struct attach_result *res,
			struct attach_detached *out, struct attach_error *err)
{
	return detach(host, netns_path, snap, res, out, err, NULL);
}
