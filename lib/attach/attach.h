/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/attach: the attach engine. Put a host netdev into a pod's network
 * namespace configured as a claim asks, and later put it back on the host
 * exactly as it was (DESIGN.md "Beyond upstream" 2 and 3).
 *
 *  - the claim configuration (config.c): upstream's opaque parameters
 *    (reference/upstream.md §5, upstream-v1.4.md §4), parsed strictly
 *    through lib/json and validated with upstream's rules and messages,
 *    fixed where upstream is wrong (§11 weaknesses 19-21);
 *  - the engine: host snapshot, attach as a transaction with an undo log,
 *    detach and restore (engine sections below, owned by their .c files);
 *  - DHCPv4 as a non-blocking state machine (dhcp.c).
 *
 * Sections below are owned by their .c file.
 */
#ifndef DRANET_ATTACH_ATTACH_H
#define DRANET_ATTACH_ATTACH_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "json/json.h"
#include "nl/nl.h"

/* ------------------------------------------------- claim config (config.c) */

/* Limits of one claim config (a hostile config must not cost more than this). */
#define ATTACH_ADDRS_MAX 64 /* interface.addresses */
#define ATTACH_ROUTES_MAX 512 /* the config's routes (host routes: ATTACH_SNAP_ROUTES_MAX) */
#define ATTACH_RULES_MAX 256
#define ATTACH_NEIGHS_MAX 256
#define ATTACH_ETHTOOL_MAX 256 /* ethtool features + private flags */
#define ATTACH_ERRS_MAX 64 /* validation errors kept; more are counted */
#define ATTACH_MAC_MAX 20 /* EUI-48, EUI-64 or a 20-byte IPoIB address */

/* An IP address, or a prefix when len is meaningful. family 0 = not set. */
struct attach_ip {
	uint8_t family; /* AF_INET, AF_INET6, 0 */
	uint8_t len; /* prefix length; 32/128 for a bare address */
	uint8_t addr[16];
};

struct attach_mac {
	uint8_t len; /* 0 = not set; 6, 8 or 20 */
	uint8_t addr[ATTACH_MAC_MAX];
};

/*
 * JSON names are upstream's (camelCase); each optional scalar has a has_
 * flag because upstream's pointer fields tell absent from zero. Strings are
 * the text as given (for messages and round-trips), the parsed forms sit
 * beside them. Everything lives in the arena given to the parser.
 */
struct attach_vrf_cfg {
	const char *name;
	int64_t table;
	bool has_table; /* after defaulting always true (FNV-1a table in [1000, 1999]) */
};

struct attach_iface_cfg {
	const char *name; /* "" or NULL: keep the host name */
	const char **addresses;
	size_t n_addresses;
	struct attach_ip *addrs; /* parsed addresses[], same order and count */
	bool dhcp, has_dhcp;
	int32_t mtu;
	bool has_mtu;
	const char *hardware_addr;
	bool has_hardware_addr;
	struct attach_mac mac; /* parsed hardware_addr */
	int32_t gso_max_size, gro_max_size, gso_ipv4_max_size, gro_ipv4_max_size;
	bool has_gso_max_size, has_gro_max_size, has_gso_ipv4_max_size, has_gro_ipv4_max_size;
	bool disable_ebpf, has_disable_ebpf; /* "disableEbpfPrograms" */
	bool forwarding, has_forwarding;
	int32_t arp_ignore, arp_announce;
	bool has_arp_ignore, has_arp_announce;
	struct attach_vrf_cfg vrf;
	bool has_vrf;
};

/* Where a route or rule came from: the claim, or copied from the host at prepare. */
enum attach_origin {
	ATTACH_FROM_CONFIG,
	ATTACH_FROM_HOST,
};

struct attach_route_cfg {
	const char *destination, *gateway, *source;
	uint8_t scope; /* RT_SCOPE_UNIVERSE (0) or RT_SCOPE_LINK (253) */
	int64_t table; /* 0: main */
	struct attach_ip dst, gw, src; /* parsed; a bare IP destination is a host route */
	/* Copied host routes keep these (weakness 21); 0 for config routes = kernel default. */
	enum attach_origin origin;
	uint32_t metric, mtu;
	uint8_t protocol, type;
	const struct nl_route *host; /* ATTACH_FROM_HOST: onlink, realms, metrics from it */
};

struct attach_rule_cfg {
	int64_t priority;
	bool has_priority; /* absent: the kernel picks (weakness 20) */
	const char *source, *destination;
	int64_t table;
	bool has_table; /* absent: main */
	struct attach_ip src, dst; /* parsed prefixes */
	enum attach_origin origin;
};

struct attach_neigh_cfg {
	const char *destination, *hardware_addr;
	struct attach_ip dst;
	struct attach_mac mac;
};

struct attach_ethtool_cfg {
	struct json_kv_bool *features; /* document order; names as the user wrote them */
	size_t n_features;
	struct json_kv_bool *private_flags;
	size_t n_private_flags;
};

struct attach_config {
	const char *profile; /* upstream v1.4; resolved by a later issue */
	struct attach_iface_cfg interface;
	struct attach_route_cfg *routes;
	size_t n_routes;
	struct attach_rule_cfg *rules;
	size_t n_rules;
	struct attach_neigh_cfg *neighbors;
	size_t n_neighbors;
	struct attach_ethtool_cfg ethtool;
	bool has_ethtool;
};

/* Validation errors, each "path: message" in upstream's words, in the arena. */
struct attach_errs {
	const char *msg[ATTACH_ERRS_MAX];
	size_t n; /* kept */
	size_t dropped; /* beyond ATTACH_ERRS_MAX */
};

/*
 * Config functions (config.c) are declared here, below the types above.
 */

/*
 * Parse and validate a claim's opaque parameters (@len bytes of @text, need
 * not be NUL-terminated), everything allocated in @a:
 *  - strict JSON (lib/json): an unknown or wrong-case member name is an
 *    error "failed to unmarshal strict JSON data: <path>: unknown field" and
 *    the known fields are still returned; a syntax error, a duplicate key, a
 *    wrong type or an out-of-range integer is a single error "failed to
 *    unmarshal JSON data: ..." and *out is NULL (upstream returns nil);
 *  - a list longer than its ATTACH_*_MAX is a single error per list
 *    ("routes: too many entries (513, at most 512)") and *out is NULL;
 *  - the shared-NIC fields of a later issue (interface.type,
 *    interface.addressing, interface.ipvlan, top-level subInterface) are
 *    refused with "<path>: ... not supported yet";
 *  - defaulting (vrf.table from the name), then validation with upstream's
 *    rules and messages, every error collected as "path: message".
 * Empty text (@text NULL or @len 0) is no config: 0 and *out points to a
 * zeroed struct attach_config (JSON null decodes the same way).
 * Parsed forms are filled for every string that parses (attach_ip, with
 * route and rule prefixes masked to their length as Go's net.ParseCIDR does;
 * interface addresses keep their host bits; attach_mac). A bare IP route
 * destination is a host route (/32 or /128).
 * @errs is reset first. Returns 0 (valid), -EBADMSG (invalid: @errs says
 * why; *out holds what decoded, or NULL as above), -ENOMEM (arena cap or
 * malloc), -EINVAL (NULL arguments).
 */
MUST_CHECK int attach_config_parse(const char *text, size_t len, struct arena *a,
				   struct attach_config **out, struct attach_errs *errs);

/*
 * One string "a; b; c" of all kept errors, with " (and N more)" when some
 * were dropped; "" when there are none. In @a; NULL when out of memory.
 */
const char *attach_errs_join(const struct attach_errs *e, struct arena *a);

/*
 * Prepare-time checks that need no kernel. Each appends to @errs (not reset,
 * so a caller can collect several; messages in @a) and returns 0 (nothing
 * added), -EBADMSG (errors added) or -ENOMEM.
 *
 * rdma_only: an RDMA-only device (no netdev) takes no netdev config: one
 * error per category as upstream (interface fields, routes, rules, ethtool,
 * neighbors; profile, vrf and forwarding are not checked).
 */
MUST_CHECK int attach_config_check_rdma_only(const struct attach_config *cfg,
					     struct attach_errs *errs, struct arena *a);
/* vf_mtu: a VF's requested MTU must not be above its PF's current @pf_mtu. */
MUST_CHECK int attach_config_check_vf_mtu(const struct attach_config *cfg, uint32_t pf_mtu,
					  struct attach_errs *errs, struct arena *a);

/* What the running kernel can do (attach_kernel_probe()). */
struct attach_kernel {
	bool gso_ipv4_sizes; /* IFLA_GSO/GRO_IPV4_MAX_SIZE, Linux >= 6.3 */
	bool tcx; /* BPF_TCX_INGRESS/EGRESS, Linux >= 6.6 */
};

/* kernel: a config that needs a feature @k lacks gets an error naming it. */
MUST_CHECK int attach_config_check_kernel(const struct attach_config *cfg,
					  const struct attach_kernel *k, struct attach_errs *errs,
					  struct arena *a);

/*
 * Probe the running kernel (in the caller's network namespace) without
 * reading its version: RTM_GETLINK of the loopback (ifindex 1) tells
 * whether IFLA_GSO_IPV4_MAX_SIZE exists; bpf(BPF_PROG_QUERY) with
 * BPF_TCX_INGRESS on the loopback answers EINVAL where TCX does not.
 * Returns 0 or -errno (netlink, or bpf() failing for another reason, e.g.
 * -EPERM without CAP_NET_ADMIN).
 */
MUST_CHECK int attach_kernel_probe(struct attach_kernel *k);

/*
 * Write @cfg back as upstream's JSON (field names as upstream, only the
 * fields that are present: has_ flags set, strings non-empty, lists
 * non-empty; route scope and table when not 0). Routes and rules copied
 * from the host (ATTACH_FROM_HOST) are not claim config and are left out.
 * A config from attach_config_parse() re-parses to the same config.
 * Returns a new tree owned by the caller (json_free) or NULL when out of
 * memory.
 */
struct json *attach_config_to_json(const struct attach_config *cfg);

/* --------------------------------------------- engine (snapshot.c, engine.c) */

/*
 * The engine moves one host netdev into a pod's network namespace and back.
 *
 *  1. attach_snapshot_take(): what the host has for the device (identity,
 *     link attributes, addresses, routes of every table, the rules that
 *     select those tables, permanent neighbours, per-interface sysctls). A
 *     plain value: attach_snapshot_json()/attach_snapshot_from_json() store
 *     and reload it (the applet's state file, the driver's checkpoint).
 *  2. attach_plan_build(): claim config + snapshot + defaults = what the pod
 *     gets (name, addresses, routes, rules, neighbours).
 *  3. attach_apply(): the transaction. One RTM_NEWLINK moves, renames and
 *     sets MTU/MAC/GSO/GRO; then, in the pod: sysctls, addresses, link up,
 *     ethtool, eBPF detach, routes, rules, neighbours. Each step records its
 *     undo; on failure the log is undone in reverse and the device is put
 *     back on the host as the snapshot says.
 *  4. attach_detach(): move back under the host name (or a temporary name
 *     when it was taken) and restore the snapshot.
 *
 * Identity: a device is found again by ifindex or name plus an identity
 * the pod cannot forge, never by name alone: the same permanent MAC and
 * the same PCI parent (IFLA_PARENT_DEV_NAME) when the snapshot has them;
 * a veth by its peer: the host's link at the snapshot's peer_ifindex must
 * still be a veth whose peer is the candidate (IFLA_LINK, and
 * IFLA_LINK_NETNSID naming the candidate's netns). Other virtual kinds
 * (and snapshots without peerIfindex) fall back to kind plus MAC, which a
 * pod can imitate (docs/attach.md, Identity).
 */

/*
 * Limits of a snapshot (a host device with more is refused with -EMSGSIZE),
 * apart from the config's: a config at its limits plus a host device at
 * these fits a plan (ATTACH_PLAN_*, DHCP routes counted too).
 */
#define ATTACH_SNAP_ADDRS_MAX 256
#define ATTACH_SNAP_ROUTES_MAX 512 /* the device's routes, every table but local */
#define ATTACH_SNAP_RULES_MAX 256
#define ATTACH_SNAP_NEIGHS_MAX 256
#define ATTACH_PLAN_ROUTES_MAX (ATTACH_ROUTES_MAX + ATTACH_SNAP_ROUTES_MAX + ATTACH_DHCP_ROUTES_MAX)
#define ATTACH_PLAN_RULES_MAX (ATTACH_RULES_MAX + ATTACH_SNAP_RULES_MAX)
#define ATTACH_PLAN_NEIGHS_MAX (ATTACH_NEIGHS_MAX + ATTACH_SNAP_NEIGHS_MAX)
#define ATTACH_IPS_MAX ATTACH_ADDRS_MAX
#define ATTACH_SYSCTL_EXTRA_N 48 /* slots of attach_snapshot.sysctl_extra */
/* Text of a failed step: "routes: 10.0.0.0/8 via 10.1.0.1: Nexthop has invalid gateway". */
#define ATTACH_ERR_MAX 512

/* Per-interface sysctls that a netns move re-initialises (field report 7); -1 = not read. */
struct attach_sysctls {
	int32_t arp_ignore, arp_announce; /* net.ipv4.conf.IF.* */
	int32_t forwarding4; /* net.ipv4.conf.IF.forwarding */
	int32_t forwarding6, disable_ipv6; /* net.ipv6.conf.IF.* */
};

struct attach_snapshot {
	char name[IFNAMSIZ];
	int ifindex;
	char kind[NL_KIND_MAX]; /* "veth", "" for hardware */
	uint8_t perm_addr[NL_ADDR_MAX];
	uint8_t perm_addr_len;
	char pci[64]; /* IFLA_PARENT_DEV_NAME, "" if none */
	int peer_ifindex; /* veth: its peer's ifindex on the host; 0: unknown/elsewhere ("peerIfindex") */
	uint8_t mac[NL_ADDR_MAX];
	uint8_t mac_len;
	uint32_t mtu;
	uint32_t gso_max_size, gro_max_size, gso_ipv4_max_size, gro_ipv4_max_size;
	bool up; /* IFF_UP */
	struct nl_addr *addrs; /* as dumped (kernel order) */
	size_t n_addrs;
	struct nl_route *routes; /* every table but local (255), oif = this device */
	size_t n_routes;
	struct nl_rule *
		rules; /* rules whose table is one of the routes' tables (not main/local/default) */
	size_t n_rules;
	struct nl_neigh *neighs; /* NUD_PERMANENT ones, then proxy (NTF_PROXY) ones */
	size_t n_neighs;
	struct attach_sysctls sysctl;
	/*
	 * More per-interface sysctls a move resets (rp_filter, proxy_arp,
	 * accept_ra, ipv6 mtu, ...): docs/attach.md lists them, in the order of
	 * attach_sysctl_extra_key(); -1 = not read (absent, negative, or an
	 * older state file). Detach writes back those that differ.
	 */
	int32_t sysctl_extra[ATTACH_SYSCTL_EXTRA_N];
};

/*
 * Take the snapshot of the host device @ifindex (or, when 0, named @ifname)
 * through @host (an rtnetlink socket in the host netns); sysctls are read
 * from /proc/sys/net of the calling thread's netns (the host). Arrays in @a.
 * Returns 0, -ENODEV (no such device), -EMSGSIZE (over the limits above),
 * -ENOMEM or a netlink -errno.
 */
MUST_CHECK int attach_snapshot_take(struct nl_sock *host, int ifindex, const char *ifname,
				    struct arena *a, struct attach_snapshot *out);
/* The snapshot as JSON (a new tree owned by the caller), NULL when out of memory. */
struct json *attach_snapshot_json(const struct attach_snapshot *s);
/*
 * Reload what attach_snapshot_json() wrote; strict (unknown fields, bad
 * addresses, over-limit arrays are errors naming the path in @err).
 * Returns 0, -EBADMSG or -ENOMEM.
 */
MUST_CHECK int attach_snapshot_from_json(const struct json *v, struct arena *a,
					 struct attach_snapshot *out, struct json_err *err);

/*
 * What the pod gets. Routes are in programming order (link scope before
 * universe, config routes before host-copied ones otherwise); rules carry
 * the full selectors of the host's rules (config rules: priority, src,
 * dst, table only).
 */
struct attach_plan {
	char pod_name[IFNAMSIZ];
	const struct attach_config *cfg; /* NULL: no config (defaults only) */
	struct attach_ip *addrs;
	size_t n_addrs;
	struct attach_route_cfg *routes;
	size_t n_routes;
	struct nl_rule *rules; /* has_priority false: the kernel picks; table 0: main */
	size_t n_rules;
	struct attach_neigh_cfg *neighs;
	size_t n_neighs;
};

/*
 * Build the plan: pod name = interface.name or the host name; addresses =
 * the config's, else the host's global-scope ones; routes = the config's
 * then the host's (ATTACH_FROM_HOST, keeping metric, protocol, type, MTU;
 * local table, IPv6 fe80::/64 and IPv6 kernel routes skipped; multipath
 * routes skipped; a prefsrc that is not a pod address dropped, upstream
 * #318); rules = the config's, then the host's for the copied tables;
 * neighbours = the config's, then the host's permanent ones. @cfg may be
 * NULL. Returns 0, -EMSGSIZE (over ATTACH_*_MAX) or -ENOMEM.
 */
MUST_CHECK int attach_plan_build(const struct attach_config *cfg,
				 const struct attach_snapshot *snap, struct arena *a,
				 struct attach_plan *out);

/* Ethtool values an attach replaced (kernel names), put back by rollback and detach. */
struct attach_ethtool_state {
	struct nl_ethtool_flag *features;
	size_t n_features;
	struct nl_ethtool_flag *private_flags;
	size_t n_private_flags;
};

struct attach_dhcp_lease;

/*
 * Add a DHCP lease (attach_dhcp_acquire(), DHCPv4 section) to a plan: its
 * address (when not there already) and its routes (option 121, else a
 * default route through the first router; a route without gateway is
 * on-link), programming order kept. Returns 0, -EMSGSIZE or -ENOMEM.
 */
MUST_CHECK int attach_plan_add_dhcp(struct attach_plan *p, const struct attach_dhcp_lease *l,
				    struct arena *a);

/*
 * interface.dhcp on the host, before the move (as upstream; the lease then
 * travels with the device): set the snapshot's device up, take a lease
 * (blocking, @timeout_ms, 0: the default), close the client. The caller's
 * rollback (attach_apply's) puts the admin state back. 0, -ETIMEDOUT,
 * -EINVAL (not Ethernet) or -errno with @why.
 */
MUST_CHECK int attach_dhcp_take(struct nl_sock *host, const struct attach_snapshot *snap,
				uint32_t timeout_ms, struct attach_dhcp_lease *out, char *why,
				size_t whylen);
/*
 * Release @lease on @ifname (MAC @mac) in @netns_path (NULL: ours): a
 * DHCPRELEASE to its server. 0 or -errno.
 */
MUST_CHECK int attach_dhcp_give_back(const char *netns_path, const char *ifname,
				     const uint8_t mac[6], const struct attach_dhcp_lease *lease);

/* What the claim status reports, and what detach needs to find the device again. */
struct attach_result {
	char pod_name[IFNAMSIZ];
	int pod_ifindex;
	uint8_t mac[NL_ADDR_MAX]; /* read back in the pod */
	uint8_t mac_len;
	const char **ips; /* CIDR strings ("10.0.0.2/24"), plan order */
	size_t n_ips;
	/* Rules added in the pod (not tied to the device: detach deletes them). */
	struct nl_rule *rules;
	size_t n_rules;
	struct attach_ethtool_state ethtool_old;
	/*
	 * interface.vrf: the VRF the device was enslaved to (name "" when
	 * none), and whether this attach created it (detach deletes it once
	 * nothing is enslaved to it any more; one that was there stays).
	 */
	struct attach_vrf_result {
		char name[IFNAMSIZ];
		uint32_t table;
		bool created;
	} vrf;
};

struct json *attach_result_json(const struct attach_result *r);
MUST_CHECK int attach_result_from_json(const struct json *v, struct arena *a,
				       struct attach_result *out, struct json_err *err);

/* Why a transaction failed: the step ("addresses", "routes", ...) and the reason. */
struct attach_error {
	char step[32];
	char msg[ATTACH_ERR_MAX]; /* "what: kernel's extack or strerror" */
	int undo_err; /* 0, or the first error of the rollback (then msg says so too) */
};

/*
 * Overrides of steps implemented in other areas. ebpf_detach (NULL: the
 * built-in lib/attach/ebpf.c over lib/nl's tc/TCX detach) gets the pod
 * netns path and the device's pod-side ifindex, returns 0 or -errno with a
 * reason in @why. @hooks itself may be NULL. (Ethtool is built in too:
 * lib/attach/ethtool.c.)
 */
struct attach_hooks {
	int (*ebpf_detach)(void *ctx, const char *netns_path, int ifindex, char *why,
			   size_t whylen);
	void *ctx;
};

/*
 * Attach the snapshot's device to the netns at @netns_path as @plan says.
 * @host: rtnetlink socket in the host netns (the caller's). On success
 * @res (strings in @a) says where it is. On failure everything done is
 * undone in reverse, the snapshot restored on the host, and @err names the
 * step and the kernel's reason. When the device is already in that netns
 * under the pod name with the snapshot's identity (a retry), nothing is
 * done and @res is read back: returns 1. Returns 0, 1, or -errno.
 */
MUST_CHECK int attach_apply(struct nl_sock *host, const char *netns_path,
			    const struct attach_snapshot *snap, const struct attach_plan *plan,
			    const struct attach_hooks *hooks, struct arena *a,
			    struct attach_result *res, struct attach_error *err);

/*
 * What a claim config asks that the device cannot take, before anything
 * moves: interface.hardwareAddr of another length than the device's
 * addresses (6 for Ethernet, 20 for IPoIB). 0 or -EINVAL with @why naming
 * the field and both lengths. attach_apply() checks it too.
 */
MUST_CHECK int attach_check_device(const struct attach_config *cfg,
				   const struct attach_snapshot *snap, char *why, size_t whylen);
/*
 * *same = @netns_path is the caller's own network namespace (st_dev and
 * st_ino against /proc/self/ns/net). attach_apply() refuses such a target
 * (-EINVAL, step "netns"). 0 or -errno of stat.
 */
MUST_CHECK int attach_netns_is_current(const char *netns_path, bool *same);

struct attach_detached {
	char host_name[IFNAMSIZ]; /* the name it has on the host now */
	int ifindex; /* host ifindex */
	bool temp_name; /* the host name was taken: renamed to attach_temp_name() */
	bool gone; /* not found anywhere (a virtual device destroyed with its netns) */
	bool was_on_host; /* found on the host already (returned by the kernel or a retry) */
};

/*
 * Move the device of @res back from @netns_path (NULL or a path that no
 * longer exists: look on the host only) and restore @snap on the host.
 * The device is found in the pod by ifindex and identity (a rename inside
 * the pod does not matter), else on the host by ifindex/identity (the
 * kernel returns physical devices as dev%d when a netns dies). Idempotent.
 * @out->gone only when the device is known to be destroyed (a veth whose
 * host peer is gone too); not found otherwise (the netns cannot be opened,
 * the device moved on to another netns, a link in the pod that fails
 * identity, which is left alone) is -ENODEV with @err saying which.
 * Returns 0 (also when gone: @out->gone), or -errno with @err.
 */
MUST_CHECK int attach_detach(struct nl_sock *host, const char *netns_path,
			     const struct attach_snapshot *snap, const struct attach_result *res,
			     struct attach_detached *out, struct attach_error *err);

/*
 * *ours = the link named @name in @netns_path is the device of @snap (the
 * identity rules above; @res may be NULL): how a detach finds the state of
 * a device renamed inside the pod. 0 (also when there is no such link) or
 * -errno (the netns cannot be opened, netlink).
 */
MUST_CHECK int attach_identify(struct nl_sock *host, const char *netns_path, const char *name,
			       const struct attach_snapshot *snap, const struct attach_result *res,
			       bool *ours);

/* The deterministic temporary host name "dranet<ifindex>" (at most 15 chars). */
void attach_temp_name(int ifindex, char out[IFNAMSIZ]);

/*
 * Fault points: attach_fault("attach.route.before") is called before and
 * after every step ("attach.<step>.before|after", "detach.<step>..."). The
 * library's definition (fault.c) is weak and does nothing, so the release
 * binary never honours anything. Test builds link tests/fault/fault_env.o,
 * whose strong definition reads DRANET_FAULT=POINT:error|crash (several
 * separated by commas): error returns -EIO at that point, crash _exit(137)s
 * (a kill -9 stand-in). Returns 0 or -EIO.
 */
MUST_CHECK int attach_fault(const char *point);

/* ----------------------------------------------------------- DHCPv4 (dhcp.c) */

/*
 * DHCPv4 client (RFC 2131, options RFC 2132, classless routes RFC 3442):
 * a pure message codec (dhcp_msg.c) and a non-blocking state machine that
 * an event loop drives (dhcp.c). Upstream runs one blocking exchange in the
 * host netns and never renews or releases (weakness 23); this client takes
 * the lease in the host netns, renews it from the pod's netns after the
 * device moved (a new socket there, unicast to the server) and releases it.
 */
#define ATTACH_DHCP_ROUTES_MAX 64 /* option 121: 51 fit in 255 bytes; RFC 3396 may split more */
#define ATTACH_DHCP_ADDRS_MAX 8 /* routers (3), DNS servers (6) kept */
#define ATTACH_DHCP_OPT_MAX 1024 /* one option after RFC 3396 concatenation */
#define ATTACH_DHCP_MSG_MAX 1500 /* what we receive (and announce as option 57 - 28) */
#define ATTACH_DHCP_TIMEOUT_MS_DEFAULT 5000 /* upstream's acquisition timeout */
#define ATTACH_DHCP_LEASE_INFINITE UINT32_MAX /* RFC 2131 §3.3 */

/* Message types, option 53 (RFC 2132 §9.6). */
enum attach_dhcp_type {
	ATTACH_DHCP_DISCOVER = 1,
	ATTACH_DHCP_OFFER = 2,
	ATTACH_DHCP_REQUEST = 3,
	ATTACH_DHCP_DECLINE = 4,
	ATTACH_DHCP_ACK = 5,
	ATTACH_DHCP_NAK = 6,
	ATTACH_DHCP_RELEASE = 7,
	ATTACH_DHCP_INFORM = 8,
};

/* IPv4 addresses below are host-order uint32_t (10.0.0.1 is 0x0a000001). */
struct attach_dhcp_route4 {
	uint32_t dst, gw; /* gw 0: on-link (RFC 3442 §2, router 0.0.0.0) */
	uint8_t len; /* 0..32; dst has no bits set past len */
};

/* A parsed server reply (BOOTREPLY). has_ flags tell absent from zero. */
struct attach_dhcp_reply {
	uint8_t type; /* enum attach_dhcp_type; 0 when option 53 is absent */
	uint32_t xid;
	uint8_t chaddr[16];
	uint16_t flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint32_t mask, server_id, lease_s, t1_s, t2_s;
	bool has_mask, has_server_id, has_lease, has_t1, has_t2;
	uint32_t routers[ATTACH_DHCP_ADDRS_MAX], dns[ATTACH_DHCP_ADDRS_MAX];
	size_t n_routers, n_dns; /* more than _MAX are dropped (the first are kept) */
	struct attach_dhcp_route4 routes[ATTACH_DHCP_ROUTES_MAX];
	size_t n_routes;
	bool has_routes; /* option 121 was present (and valid) */
};

/*
 * Decode a BOOTREPLY (@n bytes at @p, untrusted) into @out. Options come from
 * the options field, then file and sname when option 52 overloads them
 * (RFC 2131 §4.1); repeated options are concatenated (RFC 3396). Each area
 * must end with option 255. Lengths of every option we use are checked.
 * Returns 0; -EBADMSG for a malformed message (truncated, no magic cookie, not
 * a BOOTREPLY for Ethernet, a bad option length, mask or option 121 encoding);
 * -EMSGSIZE when an option or the route list is over its limit. @why (may be
 * NULL) gets a static reason on error.
 */
MUST_CHECK int attach_dhcp_decode(const uint8_t *p, size_t n, struct attach_dhcp_reply *out,
				  const char **why);

/*
 * The UDP payload of an IPv4 packet (@n bytes at @p, untrusted, from the
 * IP header on: what an AF_PACKET SOCK_DGRAM socket reads) sent to port 68:
 * version, header length and checksum, total length, no fragment, protocol
 * UDP, destination port 68 and the UDP length are checked; the UDP checksum
 * is not (offloads). Returns 0 with @out pointing into @p, or -EBADMSG with
 * a static @why (may be NULL).
 */
MUST_CHECK int attach_dhcp_udp_payload(const uint8_t *p, size_t n, struct slice *out,
				       const char **why);

/* What a client message carries; 0 fields are omitted (see RFC 2131 table 5). */
struct attach_dhcp_req {
	uint8_t type; /* DISCOVER, REQUEST, RELEASE, DECLINE */
	uint32_t xid;
	uint16_t secs;
	bool broadcast; /* ask for a broadcast answer (no address yet) */
	uint8_t mac[6];
	uint32_t ciaddr, requested_ip, server_id;
};

/*
 * Encode a BOOTREQUEST into @out (@size bytes; 300 are always enough: the
 * message is padded to BOOTP's 300 bytes). Options: 53, 61 (client id:
 * type 1 + MAC), 50/54 when set, 57 and 55 (1 3 6 51 54 58 59 121) for
 * DISCOVER and REQUEST, 255. Returns the length, -EINVAL for a bad type,
 * -EMSGSIZE when @size is too small.
 */
MUST_CHECK int attach_dhcp_encode(const struct attach_dhcp_req *q, uint8_t *out, size_t size);

/*
 * A lease in the engine's types. routes is what the engine installs: the
 * option 121 routes when the server sent them (option 3 is then ignored,
 * RFC 3442 §1), else a default route through the first router (option 3),
 * else none. A route whose gw family is 0 is on-link (scope link).
 */
struct attach_dhcp_route {
	struct attach_ip dst, gw;
};

struct attach_dhcp_lease {
	struct attach_ip addr; /* yiaddr/prefix (option 1) */
	struct attach_ip server; /* option 54: renewals and the release go there */
	struct attach_ip routers[ATTACH_DHCP_ADDRS_MAX], dns[ATTACH_DHCP_ADDRS_MAX];
	size_t n_routers, n_dns;
	struct attach_dhcp_route routes[ATTACH_DHCP_ROUTES_MAX];
	size_t n_routes;
	uint32_t lease_s, t1_s, t2_s; /* T1 = lease/2, T2 = 7/8 lease when not sent */
	uint64_t start_ms; /* monotonic ms when the REQUEST that got the lease was sent */
	int64_t start_unix; /* the same moment in wall-clock seconds (checkpoints) */
};

/*
 * Build a lease from an ACK (its address, mask, server id and times must be
 * present and sane: lease >= 1 s, T1 <= T2 <= lease). Returns 0 or -EBADMSG.
 */
MUST_CHECK int attach_dhcp_lease_from_reply(const struct attach_dhcp_reply *r, uint64_t start_ms,
					    int64_t start_unix, struct attach_dhcp_lease *out);

/*
 * The lease as checkpoint JSON: {"address":"10.0.0.5/24","server":"10.0.0.1",
 * "routers":[...],"dns":[...],"routes":[{"destination":..,"gateway":..}],
 * "leaseSeconds":N,"acquiredAt":UNIX,"renewAt":UNIX,"rebindAt":UNIX,
 * "expiresAt":UNIX} (absolute times in wall-clock seconds; no expiresAt
 * etc. for an infinite lease). Returns a new object (json_free) or NULL.
 */
struct json *attach_dhcp_lease_to_json(const struct attach_dhcp_lease *l);
/*
 * Read it back; start_ms is set from the wall clock offset: @now_ms and
 * @now_unix are the current monotonic ms and wall-clock seconds. Returns 0
 * or -EINVAL (with *why) for a missing or bad field.
 */
MUST_CHECK int attach_dhcp_lease_from_json(const struct json *v, uint64_t now_ms, int64_t now_unix,
					   struct attach_dhcp_lease *out, const char **why);

enum attach_dhcp_state {
	ATTACH_DHCP_INIT,
	ATTACH_DHCP_SELECTING,
	ATTACH_DHCP_REQUESTING,
	ATTACH_DHCP_BOUND,
	ATTACH_DHCP_RENEWING,
	ATTACH_DHCP_REBINDING,
	ATTACH_DHCP_RELEASED, /* attach_dhcp_release() was called: nothing more to do */
	ATTACH_DHCP_FAILED, /* the initial acquisition timed out */
};

/* What attach_dhcp_step()/attach_dhcp_input() report (>= 0). */
enum attach_dhcp_event {
	ATTACH_DHCP_EV_NONE,
	ATTACH_DHCP_EV_BOUND, /* a new lease (first, or again after an expiry or NAK) */
	ATTACH_DHCP_EV_RENEWED, /* same address, routes and server; times extended */
	ATTACH_DHCP_EV_CHANGED, /* renewed with a different lease: re-apply it */
	ATTACH_DHCP_EV_EXPIRED, /* lease lost (expiry or NAK): remove it; back to INIT */
	ATTACH_DHCP_EV_FAILED, /* no lease within the acquisition timeout */
};

/*
 * Send seam for tests: when set, no socket is opened and every message goes
 * here (@dst is the host-order destination, 0xffffffff = broadcast); replies
 * are then fed with attach_dhcp_input(). Returns 0 or -errno.
 */
typedef int (*attach_dhcp_send_fn)(void *ctx, const uint8_t *p, size_t n, uint32_t dst);

struct attach_dhcp_params {
	const char *ifname; /* the interface in @netns_path's namespace */
	const char *netns_path; /* NULL: the current netns */
	uint8_t mac[6]; /* chaddr and client id */
	uint32_t timeout_ms; /* initial acquisition; 0: ATTACH_DHCP_TIMEOUT_MS_DEFAULT */
	uint32_t seed; /* xid and jitter; 0: from getrandom() */
	attach_dhcp_send_fn send; /* NULL: a UDP socket (see attach_dhcp_new) */
	void *send_ctx;
};

struct attach_dhcp;

/*
 * A client in INIT for @p->ifname (must be up; no address needed). Without
 * a send seam it opens two sockets in @p->netns_path's namespace: a UDP
 * socket bound to 0.0.0.0:68 with SO_BINDTODEVICE, SO_REUSEADDR (other
 * clients on other interfaces) and SO_BROADCAST, which sends (from port 68)
 * and keeps the port bound (no ICMP port unreachable to the server), and an
 * AF_PACKET socket on the interface with a BPF filter for UDP to port 68,
 * which receives: a UDP socket on an interface without an address does not
 * see the server's answers when rp_filter is 1 or 2 (the kernel drops them
 * as martians; Debian and systemd default to 2). Requests in SELECTING and
 * REQUESTING set the broadcast flag. The first attach_dhcp_step() sends the
 * DISCOVER. Needs CAP_NET_RAW. Returns 0 with *out set, -EINVAL, -ENOMEM
 * or the socket's -errno.
 */
MUST_CHECK int attach_dhcp_new(const struct attach_dhcp_params *p, struct attach_dhcp **out);
/*
 * A client in BOUND (or RENEWING/REBINDING, or INIT when expired, by the
 * clock @now_ms) holding @lease: for a restarted driver that must renew or
 * release a checkpointed lease. Same returns as attach_dhcp_new().
 */
MUST_CHECK int attach_dhcp_resume(const struct attach_dhcp_params *p,
				  const struct attach_dhcp_lease *lease, uint64_t now_ms,
				  struct attach_dhcp **out);
void attach_dhcp_free(struct attach_dhcp *d);

/*
 * The device moved: close the socket and open one in @netns_path's
 * namespace bound to @ifname (its name there may differ). Renewals then go
 * unicast from the leased address, which the engine has configured there.
 * Returns 0 or -errno (the old socket is kept on failure).
 */
MUST_CHECK int attach_dhcp_move(struct attach_dhcp *d, const char *netns_path, const char *ifname);

/* The socket to poll for POLLIN (-1 with a send seam). */
int attach_dhcp_fd(const struct attach_dhcp *d);
/* Monotonic ms at which attach_dhcp_step() wants to run (UINT64_MAX: never). */
uint64_t attach_dhcp_next_ms(const struct attach_dhcp *d);
/*
 * Read every pending datagram, then send what is due at @now_ms and move
 * on the timers. Never blocks. Returns an enum attach_dhcp_event (the most
 * important one when several happened) or -errno from the socket.
 */
MUST_CHECK int attach_dhcp_step(struct attach_dhcp *d, uint64_t now_ms);
/* Feed one received datagram (what step() does per read). Returns an event. */
MUST_CHECK int attach_dhcp_input(struct attach_dhcp *d, const uint8_t *p, size_t n,
				 uint64_t now_ms);
enum attach_dhcp_state attach_dhcp_state(const struct attach_dhcp *d);
const char *attach_dhcp_state_name(enum attach_dhcp_state s);
/* The current lease (NULL unless BOUND, RENEWING or REBINDING). */
const struct attach_dhcp_lease *attach_dhcp_lease(const struct attach_dhcp *d);
/*
 * Send a DHCPRELEASE for the lease and go to RELEASED: unicast to the server
 * from the leased address when it is configured on the interface, else by
 * broadcast (a release after the engine removed the address, or from the
 * host netns after the device came back). Returns 0, -ENOENT when
 * there is no lease, or -errno from the socket.
 */
MUST_CHECK int attach_dhcp_release(struct attach_dhcp *d);

/*
 * Blocking convenience on the state machine (poll()): acquire a lease
 * within @p->timeout_ms. Returns 0 with *lease set and the client in *out
 * (BOUND, for renewal or release; may be NULL to free it), -ETIMEDOUT, or
 * -errno.
 */
MUST_CHECK int attach_dhcp_acquire(const struct attach_dhcp_params *p,
				   struct attach_dhcp_lease *lease, struct attach_dhcp **out);

#endif
