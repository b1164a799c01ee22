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
};

#define NL_NEXTHOPS_MAX 16

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
	uint8_t protocol;
};

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

#endif
