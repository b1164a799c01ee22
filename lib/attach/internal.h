/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/attach private declarations. Only lib/attach (and its unit tests)
 * include this. Blocks are owned by the .c files they name.
 */
#ifndef DRANET_ATTACH_INTERNAL_H
#define DRANET_ATTACH_INTERNAL_H

#include "attach/attach.h"

/* ---------------------------------------- snapshot.c, engine.c, sysctl.c */

/* "/proc/sys/net/ipv4|ipv6/conf/NAME/KEY" into @out; -ENAMETOOLONG. */
MUST_CHECK int attach_sysctl_path(const char *name, uint8_t family, const char *key, char *out,
				  size_t n);
/* Read the five per-interface sysctls of @name in the calling thread's netns (-1 = unreadable). */
void attach_sysctls_read(const char *name, struct attach_sysctls *s);
/* The link part of a snapshot from a decoded link. */
void attach_snapshot_link(const struct nl_link *l, struct attach_snapshot *out);
/* "aa:bb:cc" of @n bytes into @out (@cap >= 3n); parse it back (-EINVAL). */
void attach_hex_format(const uint8_t *p, size_t n, char *out, size_t cap);
MUST_CHECK int attach_hex_parse(const char *s, uint8_t *out, size_t cap, uint8_t *len);
/*
 * Run @fn(@arg) with the calling thread inside the netns at @netns_path
 * (NULL: ours, no setns) and come back: the one place the engine uses
 * setns. Returns what @fn returns, or -errno of open/setns (@why says).
 */
MUST_CHECK int attach_netns_run(const char *netns_path, int (*fn)(void *arg), void *arg, char *why,
				size_t whylen);
/*
 * Write sysctls of interface @name inside the netns at @netns_path (NULL:
 * ours) through attach_netns_run (/proc/sys/net shows the netns of the
 * writing thread). Entries of @vals that are -1 are left alone. 0 or -errno
 * (@why: the file).
 */
MUST_CHECK int attach_sysctls_write(const char *netns_path, const char *name,
				    const struct attach_sysctls *vals, char *why, size_t whylen);

/* ------------------------------------------------------------- nlreq.c */

/* One RTM_NEWLINK: fields that are 0/NULL/-1 (netns_fd) are not sent. */
struct attach_link_set {
	int netns_fd; /* -1: stay */
	const char *name;
	uint32_t mtu;
	const uint8_t *mac;
	size_t mac_len;
	uint32_t gso_max_size, gro_max_size, gso_ipv4_max_size, gro_ipv4_max_size;
	bool set_up, set_down;
	int new_ifindex; /* with netns_fd: IFLA_NEW_IFINDEX, the index in the target; 0: any */
	bool set_master; /* send IFLA_MASTER = @master (0: release from its master) */
	int master;
};

/*
 * The request attach_nl_link_set() sends, built in @buf (@cap bytes) without
 * sending it (nl_request adds NLM_F_REQUEST | NLM_F_ACK and the seq). NULL
 * when it does not fit.
 */
struct nlmsghdr *attach_nl_link_msg(void *buf, size_t cap, int ifindex,
				    const struct attach_link_set *ls);
/* The request attach_nl_route() sends (see attach_nl_link_msg); NULL: no fit or no family. */
struct nlmsghdr *attach_nl_route_msg(void *buf, size_t cap, bool add, int ifindex,
				     const struct nl_route *r);

/* Requests; each returns 0 or the kernel's -errno with its extack text in @ext. */
MUST_CHECK int attach_nl_link_set(struct nl_sock *s, int ifindex, const struct attach_link_set *ls,
				  char *ext, size_t extlen);
MUST_CHECK int attach_nl_addr(struct nl_sock *s, bool add, int ifindex, const struct nl_addr *a,
			      char *ext, size_t extlen);
/* @r->oif is ignored: @ifindex is the output device (0: none). */
MUST_CHECK int attach_nl_route(struct nl_sock *s, bool add, int ifindex, const struct nl_route *r,
			       char *ext, size_t extlen);
MUST_CHECK int attach_nl_rule(struct nl_sock *s, bool add, const struct nl_rule *r, char *ext,
			      size_t extlen);
MUST_CHECK int attach_nl_neigh(struct nl_sock *s, bool add, int ifindex, const struct nl_neigh *n,
			       char *ext, size_t extlen);
/*
 * A veth's peer as the host sees it: @link is the host's link at the
 * snapshot's peer_ifindex (@known false: none there), @nsid the id the host
 * gives the netns the candidate is in (-1: the host itself; -2: unknown).
 */
struct attach_peer {
	bool known;
	struct nl_link link;
	int nsid;
};
/*
 * Identity (attach.h): perm MAC and PCI parent (each that the snapshot
 * has); a veth with peer_ifindex by @peer; else kind + the snapshot's MAC
 * or @alt_mac.
 */
bool attach_is_ours(const struct nl_link *l, const struct attach_snapshot *s,
		    const struct attach_peer *peer, const uint8_t *alt_mac, size_t alt_mac_len);
/* *nsid = the id @host's netns gives the netns of @ns_fd (RTM_GETNSID; -1: none). 0 or -errno. */
MUST_CHECK int attach_netns_id(struct nl_sock *host, int ns_fd, int *nsid);
/* Fill @out for a candidate in the netns of @ns_fd (-1: the host). 0 or -errno. */
MUST_CHECK int attach_peer_read(struct nl_sock *host, int ns_fd, const struct attach_snapshot *snap,
				struct attach_peer *out);
/*
 * Find our device through @s (in the netns of @ns_fd; -1: @s is @host): by
 * @ifindex, then by @name, then by @name2 (both may be NULL), then anywhere
 * (only for a perm MAC/PCI identity). 0, -ENODEV, or -errno.
 */
MUST_CHECK int attach_find(struct nl_sock *s, struct nl_sock *host, int ns_fd, int ifindex,
			   const char *name, const char *name2, const struct attach_snapshot *snap,
			   const uint8_t *alt_mac, size_t alt_mac_len, struct nl_link *out);
/* *ifindex = the link named @name, 0 when none. 0 or -errno. */
MUST_CHECK int attach_name_owner(struct nl_sock *s, const char *name, int *ifindex);

/* ------------------------------------------------------------ restore.c */

/*
 * Put the snapshot back on the host device @ifindex (through @host): name
 * (@name: the snapshot's or a temporary one), MTU, MAC, GSO/GRO, sysctls,
 * addresses, admin state, routes, rules, neighbours. Best effort: every
 * part is tried; the first failure is returned with @err. @fault_prefix
 * ("detach") names fault points, NULL for none (a rollback).
 */
MUST_CHECK int attach_restore_host(struct nl_sock *host, int ifindex, const char *name,
				   const struct attach_snapshot *snap, const char *fault_prefix,
				   struct attach_error *err);
/* Record "what: reason" in @err (first failure wins); returns @ret. */
int attach_err_set(struct attach_error *err, const char *step, int ret, const char *ext,
		   const char *fmt, ...) PRINTF_LIKE(5, 6);
/* attach_detach() without fault points (the rollback of a failed attach). */
MUST_CHECK int attach_detach_quiet(struct nl_sock *host, const char *netns_path,
				   const struct attach_snapshot *snap,
				   const struct attach_result *res, struct attach_detached *out,
				   struct attach_error *err);
/* The route of a plan as a kernel struct (table 0 = main). */
void attach_route_from_cfg(const struct attach_route_cfg *c, struct nl_route *r);

/* --------------------------------------------------------------- ebpf.c */

/*
 * upstream's disableEbpfPrograms: every BPF tc filter and TCX program of
 * @ifindex in @netns_path removed (lib/nl nl_ebpf_detach_all, run inside
 * that netns). Not undoable: a rollback cannot re-attach programs.
 * 0 or -errno with @why.
 */
MUST_CHECK int attach_ebpf_detach(const char *netns_path, int ifindex, char *why, size_t whylen);

/* ------------------------------------------------------------ ethtool.c */

/*
 * Set @cfg's features (upstream's name translation) and private flags on
 * @ifindex inside @netns_path (NULL: ours). @old gets the values replaced
 * (in @a), also when a later part fails. 0 or -errno with @why.
 */
MUST_CHECK int attach_ethtool_apply(const char *netns_path, int ifindex,
				    const struct attach_ethtool_cfg *cfg, struct arena *a,
				    struct attach_ethtool_state *old, char *why, size_t whylen);
/* Put @old back on @ifindex in @netns_path (NULL: ours). 0 or -errno with @why. */
MUST_CHECK int attach_ethtool_restore(const char *netns_path, int ifindex,
				      const struct attach_ethtool_state *old, char *why,
				      size_t whylen);

/* ---------------------------------------------------------------- vrf.c */

/* IFLA_IFALIAS of a VRF link dranet created (detach deletes only those, once unused). */
#define ATTACH_VRF_ALIAS "dranet"

/*
 * RTM_NEWLINK (NLM_F_CREATE | NLM_F_EXCL) of a "vrf" link @name with
 * IFLA_VRF_TABLE @table and IFLA_IFALIAS ATTACH_VRF_ALIAS, built in @buf;
 * NULL when it does not fit (or @name is too long).
 */
struct nlmsghdr *attach_nl_vrf_msg(void *buf, size_t cap, const char *name, uint32_t table);
/* RTM_GETLINK of the link named @name (NULL when it does not fit). */
struct nlmsghdr *attach_nl_getlink_msg(void *buf, size_t cap, const char *name);
/* RTM_DELLINK of @ifindex (NULL when it does not fit). */
struct nlmsghdr *attach_nl_dellink_msg(void *buf, size_t cap, int ifindex);

/* What the engine needs to know of a link that may be a VRF. */
struct attach_vrf_link {
	int ifindex;
	unsigned flags; /* IFF_* */
	int master;
	char name[IFNAMSIZ];
	char kind[NL_KIND_MAX]; /* IFLA_INFO_KIND, "" when none */
	char alias[NL_ALIAS_MAX];
	uint32_t table; /* IFLA_VRF_TABLE, 0 when absent */
};

/* Decode an RTM_NEWLINK message (a kernel reply, or our own request). 0 or -EBADMSG. */
MUST_CHECK int attach_vrf_link_parse(const struct nlmsghdr *nlh, struct attach_vrf_link *out);
/* The link named @name through @s: 0, -ENODEV when there is none, or -errno. */
MUST_CHECK int attach_vrf_lookup(struct nl_sock *s, const char *name, struct attach_vrf_link *out);
/*
 * Create the VRF (attach_nl_vrf_msg). A kernel without the vrf link type
 * answers -EOPNOTSUPP; @ext then says so (CONFIG_NET_VRF). 0 or -errno.
 */
MUST_CHECK int attach_vrf_create(struct nl_sock *s, const char *name, uint32_t table, char *ext,
				 size_t extlen);
MUST_CHECK int attach_nl_link_del(struct nl_sock *s, int ifindex, char *ext, size_t extlen);
/* *n = the links whose master is @ifindex. 0 or -errno. */
MUST_CHECK int attach_vrf_slaves(struct nl_sock *s, int ifindex, size_t *n);
/* Route @i of @p as the engine installs it: with a VRF, in the VRF's table (as upstream). */
void attach_route_in_plan(const struct attach_plan *p, size_t i, struct nl_route *r);
/*
 * Read /proc/sys/@key (e.g. "net/ipv4/tcp_l3mdev_accept") inside the netns
 * at @netns_path into *@old (when not NULL) and write @val there (@val < 0:
 * only read). 0 or -errno with @why.
 */
MUST_CHECK int attach_netns_sysctl(const char *netns_path, const char *key, int val, int *old,
				   char *why, size_t whylen);

/* -------------------------------------- sysctl.c: the snapshot's extra sysctls */

/* Read one net.ipv{4,6}.conf.@name.@key of the calling thread's netns: >= 0, or -1. */
int32_t attach_sysctl_read_one(const char *name, uint8_t family, const char *key);
/* Key @i of attach_snapshot.sysctl_extra ("rp_filter") and its family; NULL past the last. */
const char *attach_sysctl_extra_key(size_t i, uint8_t *family);
/* Read them all for device @name (host netns); -1 for each not readable. */
void attach_sysctls_extra_read(const char *name, int32_t vals[ATTACH_SYSCTL_EXTRA_N]);
/*
 * Write back (host netns) each value >= 0 that differs from the current
 * one; every key is tried, the first error is returned with its path in @why.
 */
MUST_CHECK int attach_sysctls_extra_restore(const char *name,
					    const int32_t vals[ATTACH_SYSCTL_EXTRA_N], char *why,
					    size_t whylen);

#endif
