/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/nl: our small libmnl-shaped netlink layer (DESIGN.md: libmnl cannot be
 * linked statically here). Three levels:
 *
 *  1. messages and attributes: build requests in a caller buffer with
 *     bounds-checked puts; parse attributes with a callback that validates
 *     the types it knows and skips the rest (libmnl attr.c);
 *  2. a socket with NETLINK_EXT_ACK, NETLINK_CAP_ACK and
 *     NETLINK_GET_STRICT_CHK, request/ack and dump handling (sequence and
 *     port checks, NLM_F_DUMP_INTR restarts the dump, extack text returned);
 *  3. rtnetlink dumps decoded into plain structs (links, addresses, routes
 *     of all tables, rules, neighbours) and multicast subscription.
 *
 * Specs: include/uapi/linux/{netlink,rtnetlink,if_link,if_addr,fib_rules,
 * neighbour}.h; Documentation/userspace-api/netlink/intro.rst.
 */
#ifndef DRANET_NL_NL_H
#define DRANET_NL_NL_H

#include <linux/netlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* libmnl's MNL_SOCKET_BUFFER_SIZE: large enough for any single kernel message. */
#define NL_BUF_SIZE 8192u
/* Receive buffer for dumps: the kernel fills up to 32 KiB per recvmsg. */
#define NL_RECV_SIZE 32768u
/* NLM_F_DUMP_INTR: restart a dump this many times, then fail with -EAGAIN. */
#define NL_DUMP_RETRIES 5

/* ------------------------------------------------ messages and attributes */

/* Start a request in @buf (@cap bytes, zeroed header). NULL if cap is too small. */
struct nlmsghdr *nl_msg_put_header(void *buf, size_t cap, uint16_t type, uint16_t flags);
/* Append @len zeroed bytes of family header (ifinfomsg, rtmsg, ...). NULL when full. */
void *nl_msg_put_extra(struct nlmsghdr *nlh, size_t cap, size_t len);

/* Attribute puts: false (message unchanged) when @cap would be exceeded. */
bool nl_attr_put(struct nlmsghdr *nlh, size_t cap, uint16_t type, size_t len, const void *data);
bool nl_attr_put_u8(struct nlmsghdr *nlh, size_t cap, uint16_t type, uint8_t v);
bool nl_attr_put_u16(struct nlmsghdr *nlh, size_t cap, uint16_t type, uint16_t v);
bool nl_attr_put_u32(struct nlmsghdr *nlh, size_t cap, uint16_t type, uint32_t v);
bool nl_attr_put_u64(struct nlmsghdr *nlh, size_t cap, uint16_t type, uint64_t v);
/* NUL-terminated string attribute. */
bool nl_attr_put_strz(struct nlmsghdr *nlh, size_t cap, uint16_t type, const char *s);
/* Open a nested attribute (NLA_F_NESTED set); NULL when full. */
struct nlattr *nl_attr_nest_start(struct nlmsghdr *nlh, size_t cap, uint16_t type);
void nl_attr_nest_end(struct nlmsghdr *nlh, struct nlattr *nest);

enum nl_attr_kind {
	NL_ATTR_U8,
	NL_ATTR_U16,
	NL_ATTR_U32,
	NL_ATTR_U64,
	NL_ATTR_S32,
	NL_ATTR_STRZ, /* NUL-terminated within its payload */
	NL_ATTR_BINARY, /* any length (check it yourself) */
	NL_ATTR_NESTED,
	NL_ATTR_FLAG, /* zero-length */
};

/* Attribute type without NLA_F_NESTED / NLA_F_NET_BYTEORDER. */
uint16_t nl_attr_type(const struct nlattr *a);
size_t nl_attr_len(const struct nlattr *a);
const void *nl_attr_data(const struct nlattr *a);
/* 0 if @a is well-formed for @kind, else -EBADMSG. */
MUST_CHECK int nl_attr_validate(const struct nlattr *a, enum nl_attr_kind kind);
uint8_t nl_attr_get_u8(const struct nlattr *a);
uint16_t nl_attr_get_u16(const struct nlattr *a);
uint32_t nl_attr_get_u32(const struct nlattr *a);
uint64_t nl_attr_get_u64(const struct nlattr *a);
const char *nl_attr_get_str(const struct nlattr *a);

/*
 * Callback for each attribute: return 0 to go on, a negative errno to stop
 * the parse with that error. Unknown types should be skipped (return 0).
 */
typedef int (*nl_attr_cb)(const struct nlattr *a, void *data);

/*
 * Walk the attributes of @nlh after @offset bytes of family header, or of a
 * raw attribute stream / a nested attribute. Truncated or malformed
 * attribute headers are -EBADMSG (nothing is read outside the message).
 */
MUST_CHECK int nl_attr_parse(const struct nlmsghdr *nlh, size_t offset, nl_attr_cb cb, void *data);
MUST_CHECK int nl_attr_parse_payload(const void *p, size_t len, nl_attr_cb cb, void *data);
MUST_CHECK int nl_attr_parse_nested(const struct nlattr *nest, nl_attr_cb cb, void *data);

/* A table-filling parse: tb[0..max] zeroed, tb[type] = attribute (last wins), types > max skipped. */
MUST_CHECK int nl_attr_parse_table(const void *p, size_t len, const struct nlattr **tb,
				   uint16_t max);

/* ------------------------------------------------------------------ socket */

struct nl_sock;

/*
 * Open a netlink socket of @protocol (NETLINK_ROUTE, NETLINK_GENERIC,
 * NETLINK_RDMA) in the current network namespace, or inside the namespace
 * at @netns_path when not NULL (entered with setns and left again before
 * returning; the socket stays bound to that namespace). Returns 0 or -errno.
 */
MUST_CHECK int nl_open(int protocol, const char *netns_path, struct nl_sock **out);
void nl_close(struct nl_sock *s);
int nl_fd(const struct nl_sock *s);

/* Called for each reply message of a request or dump; return 0 or -errno to stop. */
typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, void *data);

/*
 * Send @req (its seq and flags are set here: NLM_F_REQUEST, NLM_F_ACK
 * unless it is a dump) and read replies until the ack or NLMSG_DONE,
 * calling @cb for each data message. A kernel error returns its -errno and,
 * when the kernel sent extack text, copies it to @extack (may be NULL;
 * @extack_len bytes). A dump interrupted by a change (NLM_F_DUMP_INTR) is
 * restarted from the beginning up to NL_DUMP_RETRIES times; @restart (may
 * be NULL) is called before each restart so the caller can drop what it
 * collected. Returns 0, -errno, -EBADMSG for malformed replies, -EAGAIN when
 * the retries ran out.
 */
MUST_CHECK int nl_request(struct nl_sock *s, struct nlmsghdr *req, nl_msg_cb cb, void *data,
			  void (*restart)(void *data), char *extack, size_t extack_len);

/* Join a multicast group (RTNLGRP_LINK, ...); the fd then carries events. */
MUST_CHECK int nl_subscribe(struct nl_sock *s, unsigned group);
/*
 * Read pending event messages without blocking and call @cb for each.
 * Returns the number of messages, 0 when none, -ENOBUFS when the kernel
 * dropped events (the caller must rescan), or -errno.
 */
MUST_CHECK int nl_read_events(struct nl_sock *s, nl_msg_cb cb, void *data);

/* -------------------------------------------------------- rtnetlink dumps */

#define NL_ADDR_MAX 32 /* hardware address bytes (IPoIB is 20) */
#define NL_KIND_MAX 32
#define NL_ALIAS_MAX 256 /* IFALIASZ */

struct nl_link {
	int ifindex;
	unsigned flags; /* IFF_* */
	unsigned short type; /* ARPHRD_* */
	char name[IFNAMSIZ];
	char kind[NL_KIND_MAX]; /* IFLA_INFO_KIND, "" for hardware */
	char slave_kind[NL_KIND_MAX]; /* IFLA_INFO_SLAVE_KIND */
	uint32_t mtu;
	uint8_t addr[NL_ADDR_MAX];
	uint8_t addr_len;
	uint8_t perm_addr[NL_ADDR_MAX];
	uint8_t perm_addr_len;
	uint8_t operstate; /* IF_OPER_* */
	char alias[NL_ALIAS_MAX];
	int master; /* IFLA_MASTER, 0 if none */
	int link; /* IFLA_LINK (lower device), 0 if none */
	int link_netnsid; /* IFLA_LINK_NETNSID, -1 if absent (lower is local) */
	uint32_t gso_max_size, gso_max_segs, gro_max_size;
	uint32_t gso_ipv4_max_size, gro_ipv4_max_size; /* 0 when the kernel lacks them */
	bool has_gso_ipv4_max_size; /* the kernel sent IFLA_GSO_IPV4_MAX_SIZE (Linux >= 6.3) */
	uint32_t num_vf;
	char parent_bus[32]; /* IFLA_PARENT_DEV_BUS_NAME ("pci"), "" if absent */
	char parent_dev[64]; /* IFLA_PARENT_DEV_NAME ("0000:00:03.0") */
};

struct nl_addr {
	int ifindex;
	uint8_t family; /* AF_INET, AF_INET6 */
	uint8_t prefixlen;
	uint8_t scope; /* RT_SCOPE_* */
	uint32_t flags; /* IFA_F_* (IFA_FLAGS when present) */
	uint8_t addr[16]; /* IFA_LOCAL for v4 when present, else IFA_ADDRESS */
	uint8_t peer[16]; /* IFA_ADDRESS when it differs (point-to-point) */
	bool has_peer;
	char label[IFNAMSIZ];
	uint32_t valid_lft, preferred_lft; /* IFA_CACHEINFO, 0xffffffff forever */
	uint32_t rt_priority; /* IFA_RT_PRIORITY: the prefix route's metric, 0 = default */
};

#define NL_NEXTHOPS_MAX 16
#define NL_RTAX_SLOTS 32 /* RTAX_* are < 32 (RTAX_MAX is 17 in Linux 6.18) */

struct nl_nexthop {
	int ifindex;
	uint8_t weight; /* rtnh_hops + 1 */
	uint8_t gw[16];
	uint8_t gw_family; /* 0 when no gateway; RTA_VIA may give another family */
};

struct nl_route {
	uint8_t family;
	uint8_t dst_len, src_len;
	uint8_t tos, protocol, scope, type; /* RTPROT_*, RT_SCOPE_*, RTN_* */
	uint32_t table; /* RTA_TABLE when present, else rtm_table */
	uint32_t flags; /* rtm_flags */
	uint32_t priority; /* RTA_PRIORITY (metric) */
	uint8_t dst[16], src[16], prefsrc[16];
	bool has_dst, has_src, has_prefsrc;
	int oif;
	uint8_t gw[16];
	uint8_t gw_family; /* 0 when no gateway */
	uint32_t mtu; /* RTAX_MTU from RTA_METRICS, 0 if unset */
	/*
	 * Every RTA_METRICS entry (advmss, window, rtt, initcwnd, lock, ...):
	 * metrics[RTAX_x] when bit x of metrics_set; RTAX_CC_ALGO is the name.
	 */
	uint32_t metrics[NL_RTAX_SLOTS];
	uint32_t metrics_set;
	char cc_algo[16]; /* RTAX_CC_ALGO ("congctl"), "" if unset */
	uint32_t realms; /* RTA_FLOW, 0 if unset */
	struct nl_nexthop nh[NL_NEXTHOPS_MAX]; /* RTA_MULTIPATH */
	unsigned n_nh;
};

struct nl_rule {
	uint8_t family, action; /* FR_ACT_* */
	uint8_t dst_len, src_len, tos;
	uint32_t table, priority, flags;
	bool has_priority;
	uint8_t dst[16], src[16];
	char iifname[IFNAMSIZ], oifname[IFNAMSIZ];
	uint32_t fwmark, fwmask;
	bool has_fwmark;
	uint32_t uid_start, uid_end;
	bool has_uidrange;
	uint8_t protocol; /* FRA_PROTOCOL: who added it (part of its identity) */
	uint8_t ip_proto; /* FRA_IP_PROTO, 0 = any */
	uint8_t l3mdev; /* FRA_L3MDEV */
	uint16_t sport_start, sport_end, dport_start, dport_end; /* FRA_[SD]PORT_RANGE */
	bool has_sport, has_dport;
	uint16_t sport_mask, dport_mask; /* FRA_[SD]PORT_MASK (Linux 6.16), 0 = none */
	uint32_t suppress_prefixlen, suppress_ifgroup; /* FRA_SUPPRESS_* */
	bool has_suppress_prefixlen, has_suppress_ifgroup;
	uint64_t tun_id; /* FRA_TUN_ID (host order), 0 = any */
	uint32_t flow; /* FRA_FLOW: realm(s), 0 = none */
	uint32_t goto_target; /* FRA_GOTO (FR_ACT_GOTO) */
	/*
	 * The kernel sent an attribute or header flag this decoder does not
	 * know (a newer selector: FRA_DSCP, FRA_FLOWLABEL, port masks, ...):
	 * re-adding the rule from these fields would broaden it. Not encoded.
	 */
	bool unknown;
};

/* Rule flags a caller may set (FIB_RULE_INVERT); the others are the kernel's. */
#define NL_RULE_SETTABLE_FLAGS 0x2u
/*
 * Same rule: every selector, action, table and priority equal (flags
 * compared on NL_RULE_SETTABLE_FLAGS only; @unknown ones are never equal).
 */
bool nl_rule_same(const struct nl_rule *a, const struct nl_rule *b);

struct nl_neigh {
	int ifindex;
	uint8_t family;
	uint16_t state; /* NUD_* */
	uint8_t flags; /* NTF_* */
	uint8_t dst[16];
	uint8_t lladdr[NL_ADDR_MAX];
	uint8_t lladdr_len;
};

/*
 * Dumps: on success *out is an array of *n entries allocated in @a (valid
 * until the arena is freed or reset). @family is AF_UNSPEC, AF_INET or
 * AF_INET6 where it applies. Routes come from every table (RTM_GETROUTE
 * dump without a table filter), cloned/cached entries skipped. Returns 0,
 * -ENOMEM (arena cap), -EBADMSG (malformed reply) or a kernel -errno.
 */
MUST_CHECK int nl_link_dump(struct nl_sock *s, struct arena *a, struct nl_link **out, size_t *n);
/* One link by index (RTM_GETLINK), for re-reading a single changed link. -ENODEV if gone. */
MUST_CHECK int nl_link_get(struct nl_sock *s, int ifindex, struct nl_link *out);
MUST_CHECK int nl_addr_dump(struct nl_sock *s, uint8_t family, struct arena *a,
			    struct nl_addr **out, size_t *n);
MUST_CHECK int nl_route_dump(struct nl_sock *s, uint8_t family, struct arena *a,
			     struct nl_route **out, size_t *n);
MUST_CHECK int nl_rule_dump(struct nl_sock *s, uint8_t family, struct arena *a,
			    struct nl_rule **out, size_t *n);
MUST_CHECK int nl_neigh_dump(struct nl_sock *s, uint8_t family, struct arena *a,
			     struct nl_neigh **out, size_t *n);
/* Proxy entries (`ip neigh show proxy`: ndm_flags NTF_PROXY), a table of their own. */
MUST_CHECK int nl_neigh_proxy_dump(struct nl_sock *s, uint8_t family, struct arena *a,
				   struct nl_neigh **out, size_t *n);

/*
 * Decoders for single messages, as found in dumps and in multicast events
 * (RTM_NEWLINK/DELLINK, RTM_NEWADDR/DELADDR, RTM_NEWROUTE/DELROUTE).
 * 0, -EBADMSG, or -ENOENT for a message of another type; nl_route_decode
 * also -EMSGSIZE for more than NL_NEXTHOPS_MAX next hops in RTA_MULTIPATH.
 * @nlh->nlmsg_len bytes must be readable (nl_request's callbacks get such).
 */
MUST_CHECK int nl_link_decode(const struct nlmsghdr *nlh, struct nl_link *out);
MUST_CHECK int nl_addr_decode(const struct nlmsghdr *nlh, struct nl_addr *out);
MUST_CHECK int nl_route_decode(const struct nlmsghdr *nlh, struct nl_route *out);
MUST_CHECK int nl_rule_decode(const struct nlmsghdr *nlh, struct nl_rule *out);
MUST_CHECK int nl_neigh_decode(const struct nlmsghdr *nlh, struct nl_neigh *out);

/* Render an address of @family as text ("10.0.0.1", "fd00::1"); returns @out. */
const char *nl_addr_ntop(uint8_t family, const uint8_t *addr, char *out, size_t n);
/*
 * The name vishvananda/netlink gives an ARPHRD type (upstream's
 * dra.net/encapsulation: "ether", "infiniband", "none", "loopback", "ipip",
 * "tunnel6", "void", ...); "unknown" for a type it has no name for.
 */
const char *nl_arphrd_name(unsigned short type);
/* As nl_arphrd_name, but upstream's exact text for unnamed types ("unknown823"); returns @out. */
#define NL_ARPHRD_NAME_MAX 24
const char *nl_arphrd_format(unsigned short type, char *out, size_t n);
/*
 * vishvananda/netlink's LinkOperState.String() of an IF_OPER_* state
 * (upstream's dra.net/state): "unknown", "not-present", "down",
 * "lower-layer-down", "testing", "dormant", "up"; "unknown" above IF_OPER_UP.
 */
const char *nl_operstate_name(uint8_t state);

/* ------------------------------------------------ generic netlink: ethtool */

/*
 * Generic netlink (include/uapi/linux/genetlink.h) and the ethtool family
 * (include/uapi/linux/ethtool_netlink.h; Documentation/networking/
 * ethtool-netlink.rst). Replies are asked for in compact bitsets and named
 * with the device's string sets (ETHTOOL_MSG_STRSET_GET): the verbose form
 * of a bitset without a mask lists only the bits that are set, so a feature
 * that is off everywhere would have no name (ethtool -k lists it too).
 * Requests name their bits (verbose mask form), as upstream does.
 */

#define NL_GENL_NAME_MAX 16 /* GENL_NAMSIZ */
/* Bits in one ethtool bitset: netdev features are < 64, private flags <= 32. */
#define NL_ETHTOOL_BITS_MAX 1024u
/* Longest bit name, NUL included (ETH_GSTRING_LEN). */
#define NL_ETHTOOL_NAME_MAX 32u
/* Feature or flag pairs in one request (a claim names a few). */
#define NL_ETHTOOL_REQ_MAX 256u

/*
 * Resolve a generic netlink family id by name (CTRL_CMD_GETFAMILY).
 * Returns 0, -EINVAL (name too long), -ENOENT (the kernel has no such
 * family), -EBADMSG (malformed reply) or a kernel -errno.
 */
MUST_CHECK int nl_genl_family(struct nl_sock *s, const char *name, uint16_t *id);

/*
 * An ethtool client: a NETLINK_GENERIC socket (owned by the caller; open it
 * with nl_open(NETLINK_GENERIC, netns_path, ...) to act inside another
 * namespace) and the family id, resolved once per socket by
 * nl_ethtool_init(): 0, -ENOENT (kernel without ethtool netlink), -errno.
 */
struct nl_ethtool {
	struct nl_sock *s;
	uint16_t family;
};
MUST_CHECK int nl_ethtool_init(struct nl_ethtool *e, struct nl_sock *s);

/* A device: by @ifindex when > 0, else by @ifname. */
struct nl_ethtool_dev {
	int ifindex;
	const char *ifname;
};

/* One netdev feature (ETH_SS_FEATURES name) as ethtool -k shows it. */
struct nl_feature {
	const char *name;
	bool active; /* ETHTOOL_A_FEATURES_ACTIVE: "on"/"off" */
	bool wanted; /* ETHTOOL_A_FEATURES_WANTED ("[requested on]" when != active) */
	bool hw; /* ETHTOOL_A_FEATURES_HW: changeable by the user */
	bool nochange; /* ETHTOOL_A_FEATURES_NOCHANGE: never changes */
};

/* ethtool -k's "[fixed]": not user-changeable. */
static inline bool nl_feature_is_fixed(const struct nl_feature *f)
{
	return !f->hw || f->nochange;
}

/* A name and an on/off value: a feature or private flag request, or a private flag. */
struct nl_ethtool_flag {
	const char *name;
	bool on;
};

/*
 * The device's features, in the kernel's feature order, allocated in @a
 * (names too). Returns 0, -ENOMEM (arena cap), -EBADMSG, -EMSGSIZE (a
 * bitset over NL_ETHTOOL_BITS_MAX) or a kernel -errno (-ENODEV).
 */
MUST_CHECK int nl_ethtool_features_get(struct nl_ethtool *e, const struct nl_ethtool_dev *dev,
				       struct arena *a, struct nl_feature **out, size_t *n);

/*
 * Upstream's feature-name translation (reference/upstream.md §6.5): a name
 * the device has verbatim is used as is, else a legacy short or long name
 * (tso, tcp-segmentation-offload, ...) becomes a glob over the device's
 * feature names and every match gets the value. A kernel name requested
 * twice keeps the last value. Pure: reads @feat and @in, writes only the
 * new array *out (in @a; names point into @feat or @in).
 * Returns 0, -ENOENT naming the feature in @why ("feature x not supported
 * by interface"), -EINVAL (over NL_ETHTOOL_REQ_MAX), -ENOMEM.
 */
MUST_CHECK int nl_ethtool_features_translate(const struct nl_feature *feat, size_t n_feat,
					     const struct nl_ethtool_flag *in, size_t n_in,
					     struct arena *a, struct nl_ethtool_flag **out,
					     size_t *n_out, char *why, size_t why_len);

/*
 * Set features by kernel name (translate first). Every name must exist
 * (-ENOENT), and a [fixed] feature may only be "set" to its current value
 * (-EOPNOTSUPP); both checked before anything is sent. Then one
 * ETHTOOL_MSG_FEATURES_SET with the reply requested: requested bits whose
 * result differs are -EOPNOTSUPP ("could not set the following features:
 * a, b"). The message (also the kernel's extack text) goes to @why.
 * Returns 0, those, -ENOMEM, -EBADMSG, -EINVAL or a kernel -errno.
 */
MUST_CHECK int nl_ethtool_features_set(struct nl_ethtool *e, const struct nl_ethtool_dev *dev,
				       const struct nl_ethtool_flag *req, size_t n, struct arena *a,
				       char *why, size_t why_len);

/*
 * The device's private flags (ETHTOOL_MSG_PRIVFLAGS_GET), in the driver's
 * order; a device whose driver has none (veth: -EOPNOTSUPP) has an empty
 * list. Returns 0, -ENOMEM, -EBADMSG, -EMSGSIZE or a kernel -errno.
 */
MUST_CHECK int nl_ethtool_privflags_get(struct nl_ethtool *e, const struct nl_ethtool_dev *dev,
					struct arena *a, struct nl_ethtool_flag **out, size_t *n);
/*
 * Set private flags by name: each name is checked against the device's
 * list first (-ENOENT naming it in @why: "private flag x not supported by
 * interface"; upstream does not check, reference/upstream.md §11.22).
 * Returns 0, -ENOENT, -ENOMEM, -EBADMSG, -EINVAL or a kernel -errno.
 */
MUST_CHECK int nl_ethtool_privflags_set(struct nl_ethtool *e, const struct nl_ethtool_dev *dev,
					const struct nl_ethtool_flag *req, size_t n,
					struct arena *a, char *why, size_t why_len);
/* ------------------------------------------------- tc filters and TCX (bpf) */

/*
 * tc filters on the clsact qdisc (lib/nl/tc.c, RTM_GETTFILTER/DELTFILTER;
 * include/uapi/linux/{rtnetlink,pkt_sched,pkt_cls}.h) and programs attached
 * through TCX (lib/nl/bpf.c, bpf(2) BPF_PROG_QUERY, Linux 6.6). Upstream's
 * dra.net/tcFilterNames, tcxProgramNames and ebpf come from these, and the
 * disableEbpfPrograms detach (upstream.md §6.6).
 */

/* TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS / TC_H_MIN_EGRESS): "tc filter ... ingress/egress". */
#define NL_TC_PARENT_INGRESS 0xfffffff2u
#define NL_TC_PARENT_EGRESS 0xfffffff3u
#define NL_TC_BPF_NAME_MAX 256 /* TCA_BPF_NAME ("dummy_bpf.o:[classifier]") */

struct nl_tc_filter {
	int ifindex;
	uint32_t parent; /* tcm_parent */
	uint32_t handle; /* tcm_handle */
	uint16_t prio; /* TC_H_MAJ(tcm_info) >> 16 */
	uint16_t protocol; /* TC_H_MIN(tcm_info): ETH_P_* in network byte order, as tc sends it */
	uint32_t chain; /* TCA_CHAIN, 0 when absent */
	char kind[NL_KIND_MAX]; /* TCA_KIND: "bpf", "u32", "flower", ... */
	/* kind "bpf" (TCA_OPTIONS): */
	char bpf_name[NL_TC_BPF_NAME_MAX]; /* TCA_BPF_NAME, "" when absent */
	uint32_t bpf_id; /* TCA_BPF_ID: the program's ID, 0 when absent */
	uint32_t bpf_flags; /* TCA_BPF_FLAGS: TCA_BPF_FLAG_ACT_DIRECT (direct-action) */
	bool has_options; /* the kernel sent TCA_OPTIONS (every filter but a chain template) */
};

/*
 * Decode one RTM_NEWTFILTER (or DELTFILTER) message. 0, -EBADMSG, or
 * -ENOENT for a message of another type. A chain's template, or the
 * placeholder the kernel sends for a chain without filters, has no
 * TCA_OPTIONS (has_options false).
 */
MUST_CHECK int nl_tc_filter_decode(const struct nlmsghdr *nlh, struct nl_tc_filter *out);
/*
 * The filters of @ifindex under @parent (NL_TC_PARENT_INGRESS / _EGRESS), of
 * every chain, on @s (whose namespace names @ifindex), in @a; the kernel's
 * per-chain placeholder entries (no TCA_OPTIONS) are left out. A link
 * without a clsact qdisc has none: 0 with *n = 0 (the kernel ends such a
 * dump empty, no error), and so does an @ifindex that does not exist.
 * 0, -ENOMEM, -EBADMSG, or a kernel -errno.
 */
MUST_CHECK int nl_tc_filter_dump(struct nl_sock *s, int ifindex, uint32_t parent, struct arena *a,
				 struct nl_tc_filter **out, size_t *n);
/* Delete the one filter @f names (ifindex, parent, chain, prio, protocol, handle, kind). */
MUST_CHECK int nl_tc_filter_del(struct nl_sock *s, const struct nl_tc_filter *f);

#define NL_BPF_OBJ_NAME_MAX 16 /* BPF_OBJ_NAME_LEN, NUL included */
#define NL_TCX_PROGS_MAX 64 /* BPF_MPROG_MAX: programs per TCX hook */

struct nl_tcx_prog {
	uint32_t prog_id;
	uint32_t link_id; /* the bpf_link attaching it, 0 when attached without one */
	char name[NL_BPF_OBJ_NAME_MAX]; /* bpf_prog_info.name ("handle_ingress"), may be "" */
};

/*
 * The programs attached through TCX to @ifindex (@egress: BPF_TCX_EGRESS,
 * else BPF_TCX_INGRESS), in attach order, at most NL_TCX_PROGS_MAX in
 * @out. bpf(2) resolves @ifindex in the calling thread's CURRENT network
 * namespace: to look into another one, setns(2) into it first (the attach
 * engine does, in the pod's namespace). A kernel without TCX (before 6.6:
 * EINVAL) gives 0 with *n = 0 and *supported false. A program that goes
 * away between the query and its name lookup is left out. 0, -ENODEV
 * (no such ifindex), -EPERM (no CAP_BPF/CAP_NET_ADMIN) or another -errno.
 */
MUST_CHECK int nl_tcx_query(int ifindex, bool egress, struct nl_tcx_prog *out, size_t *n,
			    bool *supported);
/*
 * Detach one program nl_tcx_query returned, in the current namespace: one
 * attached by a bpf_link through BPF_LINK_DETACH on that link (pinned or
 * not; the link object stays, defunct, until its last reference goes), one
 * attached without a link through BPF_PROG_DETACH with its fd. -ENOENT when
 * it is already gone.
 */
MUST_CHECK int nl_tcx_detach(int ifindex, bool egress, const struct nl_tcx_prog *p);

/* What is attached to one link: BPF tc filters on clsact ingress/egress and TCX programs. */
struct nl_ebpf {
	struct nl_tc_filter *tc; /* kind "bpf" only, ingress then egress, in @a */
	size_t n_tc;
	struct nl_tcx_prog tcx[2 * NL_TCX_PROGS_MAX]; /* ingress then egress */
	size_t n_tcx, n_tcx_ingress; /* tcx[0..n_tcx_ingress) are ingress */
	bool tcx_supported;
};

/*
 * List both (tc through @s, TCX through bpf(2) in the current namespace:
 * @s must be a socket of that same namespace). 0 or -errno; -ENODEV when
 * @ifindex does not exist (on a kernel with TCX; without, an empty list).
 */
MUST_CHECK int nl_ebpf_list(struct nl_sock *s, int ifindex, struct arena *a, struct nl_ebpf *out);
/*
 * upstream's disableEbpfPrograms, run in the namespace that holds @ifindex:
 * delete every BPF tc filter on clsact ingress and egress and detach every
 * TCX program (moving a link into another namespace already drops its
 * clsact qdisc and filters; TCX programs stay). Goes on past a failure and
 * returns the first -errno, or 0;
 * *@n_tc and *@n_tcx (may be NULL) count what was removed. A kernel without
 * TCX has nothing to detach there.
 */
MUST_CHECK int nl_ebpf_detach_all(struct nl_sock *s, int ifindex, unsigned *n_tc, unsigned *n_tcx);

#endif
