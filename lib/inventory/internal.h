/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/inventory private declarations: only the .c files of lib/inventory and the unit
 * tests and fuzz targets include this (STYLE.md 2.7). Sections are owned by
 * their .c files like inventory.h's.
 */
#ifndef DRANET_INVENTORY_INTERNAL_H
#define DRANET_INVENTORY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "inventory/inventory.h"
#include "nl/nl.h"

/* ------------------------------------------------------------- pcidb.c */

/*
 * The PCI name table compiled into the binary (build/gen/pcinames.c, made
 * by lib/inventory/pcinames_gen.py from Debian's pci.ids): a pci.ids text
 * reduced to vendor lines "vvvv Name" and device lines "\tdddd Name"
 * (comments, subsystems and classes dropped), zlib-compressed. pcidb.c
 * inflates it on first lookup and parses it like a host pci.ids.
 */
extern const char inv_pcinames_version[]; /* its "Version:" line value */
extern const size_t inv_pcinames_len; /* inflated bytes */
extern const size_t inv_pcinames_z_len; /* compressed bytes */
extern const unsigned char inv_pcinames_z[];

/* Vendor and device names parsed from one pci.ids text (in an arena). */
struct inv_pcidb_table;

/*
 * Parse pci.ids @text (not NUL-terminated, at most INV_PCIDB_FILE_MAX
 * bytes) into *out, allocated in @a: vendor lines "vvvv  Name", device
 * lines "\tdddd  Name" (hex IDs in any case, then spaces or tabs, then a
 * non-empty printable UTF-8 name kept as it is), CRLF tolerated. Comments,
 * subsystem lines ("\t\t..."), the "C" class section and malformed lines
 * are skipped (so are the devices under a malformed vendor line); of
 * repeated IDs the last wins (a map, as jaypipes/pcidb). 0, -EMSGSIZE,
 * -ENOMEM or -EINVAL. Fuzzed by tests/fuzz/fuzz_pci_ids.c.
 */
MUST_CHECK int inv_pcidb_table_parse(const void *text, size_t len, struct arena *a,
				     struct inv_pcidb_table **out);
/* Lookups in a parsed table; NULL when unknown. Borrowed, valid while @a lives. */
const char *inv_pcidb_table_vendor(const struct inv_pcidb_table *t, uint16_t vendor);
const char *inv_pcidb_table_device(const struct inv_pcidb_table *t, uint16_t vendor,
				   uint16_t device);

/* ------------------------------------------------- scan: warnings (sysfs.c) */

/* Non-fatal problems of one scan, one line each, in @a. */
struct inv_warn {
	struct arena *a;
	const char **v;
	size_t n, cap;
};

/* Append a warning line; silently dropped when the arena is full. */
void inv_warnf(struct inv_warn *w, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* ------------------------------------------- scan: sysfs values (sysfs.c) */

/*
 * Parsers of single sysfs values, input already stripped of its trailing
 * newline (fd_read_line). All are whole-string parsers: 0, or -EINVAL for
 * anything else (also for values out of range). Fuzzed by
 * tests/fuzz/fuzz_sysfs_values.c.
 */

/* A decimal integer as the kernel prints %d/%u: optional '-', 1-10 digits, within [min, max]. */
MUST_CHECK int inv_sysfs_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);
/* "0x" + 1..@digits hex digits (class "0x020000", vendor "0x8086"). */
MUST_CHECK int inv_sysfs_parse_hex(const char *s, unsigned digits, uint32_t *out);

struct inv_pci_ids {
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_device;
	uint32_t class; /* base class << 16 | subclass << 8 | prog-if */
};

/* A PCI modalias "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X" (drivers/pci/pci-sysfs.c). */
MUST_CHECK int inv_sysfs_parse_modalias(const char *s, struct inv_pci_ids *out);
/* An RDMA node_guid "%04x:%04x:%04x:%04x" into 8 bytes, network order. */
MUST_CHECK int inv_sysfs_parse_guid(const char *s, uint8_t out[8]);

/*
 * Resolve a symlink found at sysfs path @link ("class/net/eth0", relative
 * to /sys) whose content is @target, lexically, into an absolute path under
 * "/sys" ("/sys/devices/pci0000:00/.../net/eth0"): what the kernel's
 * relative links point to. ".." never climbs above "/". 0, -EMSGSIZE when
 * @out (@n bytes) is too small, -EINVAL for an empty target.
 */
MUST_CHECK int inv_sysfs_join_link(const char *link, const char *target, char *out, size_t n);
/*
 * The k8s deviceattribute rule for resource.kubernetes.io/pcieRoot: @resolved
 * (the resolved /sys/bus/pci/devices/@bdf) must start with "/sys/devices/pci"
 * and end with the component @bdf (lower-case, 4-digit domain); the root is
 * the component after "/sys/devices/" ("pci0000:00"). 0 or -EINVAL.
 */
MUST_CHECK int inv_sysfs_pcie_root(const char *resolved, const char *bdf, char *out, size_t n);

/* ------------------------------------------ scan: sysfs readers (sysfs.c) */

#define INV_SYSFS_NAME_MAX 64 /* a driver, RDMA device or PCIe root name */

/* What discovery needs of one PCI function (/sys/bus/pci/devices/<bdf>). */
struct inv_sysfs_pci {
	char bdf[INV_BDF_LEN + 1];
	struct inv_pci_ids ids;
	bool has_numa; /* numa_node readable and >= 0 */
	int numa_node;
	char driver[INV_SYSFS_NAME_MAX]; /* basename of driver link, "" when none */
	char pcie_root[INV_SYSFS_NAME_MAX]; /* "" when it does not resolve */
	char rdma[INV_SYSFS_NAME_MAX]; /* first (bytewise) entry of infiniband/, "" none */
};

/*
 * Read PCI function @bdf (normalized) under the sysfs dir @sysfd. Only the
 * identity (modalias, else class/vendor/device/subsystem_* files) is
 * required: -ENOENT when the function is gone, -EINVAL when its identity
 * does not parse; the rest degrades to "absent", with a warning in @w (may
 * be NULL) for values that exist but do not parse. @ids_only skips
 * everything but the identity (class filter first, the rest later).
 */
MUST_CHECK int inv_sysfs_pci_read(int sysfd, const char *bdf, bool ids_only,
				  struct inv_sysfs_pci *out, struct inv_warn *w);
/* The rest of inv_sysfs_pci_read after an @ids_only read. */
void inv_sysfs_pci_read_more(int sysfd, struct inv_sysfs_pci *p, struct inv_warn *w);

/* Userspace/passthrough drivers whose functions are never published (upstream v1.4 §3). */
bool inv_sysfs_is_userspace_driver(const char *driver);

/* What discovery needs of one netdev (/sys/class/net/<ifname>). */
struct inv_sysfs_netdev {
	bool resolved; /* class/net/<if> resolved; the rest is meaningful */
	bool is_virtual; /* resolved under /sys/devices/virtual */
	bool has_pci; /* a path component is a PCI address */
	char bdf[INV_BDF_LEN + 1]; /* the deepest such component */
	int sriov_totalvfs; /* device/sriov_totalvfs, -1 when absent */
	int sriov_numvfs; /* device/sriov_numvfs, -1 when absent */
	bool is_vf; /* device/physfn is a symlink */
	char rdma[INV_SYSFS_NAME_MAX]; /* first entry of device/infiniband/, "" none */
};

/*
 * Read netdev @ifname under @sysfd. 0; -ENOENT when /sys/class/net/@ifname
 * does not exist (a sysfs of another network namespace), -EINVAL for a name
 * that cannot be a netdev name. Unparsable values are warnings in @w.
 */
MUST_CHECK int inv_sysfs_netdev_read(int sysfd, const char *ifname, struct inv_sysfs_netdev *out,
				     struct inv_warn *w);

/*
 * The sorted names of the directory @path under @dirfd (entries starting
 * with '.' skipped), in @a. 0 (with *n 0 when the directory does not
 * exist), -ENOMEM, or -errno.
 */
MUST_CHECK int inv_sysfs_list_dir(int dirfd, const char *path, struct arena *a, const char ***out,
				  size_t *n);

/* ------------------------------------------------------ scan: rdma.c */

/* One /sys/class/infiniband entry. */
struct inv_rdma_dev {
	const char *name; /* "mlx5_0" */
	bool has_pci; /* its device link resolves to a PCI function */
	char bdf[INV_BDF_LEN + 1];
	bool has_guid; /* node_guid parsed */
	uint8_t guid[8];
};

/* A GID table entry naming a netdev (ports/<p>/gid_attrs/ndevs/<i>). */
struct inv_rdma_ndev {
	const char *netdev;
	const char *rdma;
};

struct inv_rdma {
	struct inv_rdma_dev *dev; /* sorted by name */
	size_t n_dev;
	struct inv_rdma_ndev *ndev; /* sorted by netdev, then rdma name; unique */
	size_t n_ndev;
};

/*
 * Read every RDMA device of /sys/class/infiniband under @sysfd into @out
 * (in @a): names, PCI functions, node GUIDs and the netdev names of their
 * GID tables. An absent class directory is an empty result. 0 or -ENOMEM;
 * unreadable entries are warnings.
 */
MUST_CHECK int inv_rdma_read(int sysfd, struct arena *a, struct inv_rdma *out, struct inv_warn *w);
/*
 * RoCE/iWARP (encapsulation ether): the first RDMA device (by name) whose
 * GID table names exactly @netdev, or NULL. Never a substring match
 * (upstream weakness 27).
 */
const char *inv_rdma_by_netdev(const struct inv_rdma *r, const char *netdev);
/*
 * IPoIB (encapsulation infiniband): the first RDMA device whose node GUID
 * equals the last 8 bytes of the 20-byte hardware address @addr, or NULL.
 */
const char *inv_rdma_by_ipoib(const struct inv_rdma *r, const uint8_t *addr, size_t len);

/* --------------------------------------------------- scan: exclude.c */

/* A device a default route leaves by. */
struct inv_uplink {
	int ifindex;
	uint8_t family; /* AF_INET, AF_INET6 */
	uint32_t table;
	uint32_t metric;
};

/*
 * The uplinks (DESIGN.md "Never publish what cannot be moved"): among the
 * unicast default routes (dst_len 0) of @routes in the tables a packet of
 * this host can reach (main, and every table an FR_ACT_TO_TBL rule of
 * @rules points to), per family and table those of the lowest metric,
 * with every next hop of a multipath route and gateway-less ("dev")
 * defaults included. Sorted by (ifindex, family, table), in @a.
 * 0 or -ENOMEM.
 */
MUST_CHECK int inv_uplinks(const struct nl_route *routes, size_t n_routes,
			   const struct nl_rule *rules, size_t n_rules, struct arena *a,
			   struct inv_uplink **out, size_t *n);

/*
 * Why each link of @links (sorted by ifindex) must not be published, or
 * NULL: reason[i] for links[i], strings static or in @a. In order of
 * precedence: "loopback"; "ignored name" (upstream's cilium_net,
 * cilium_host, docker0); "ipoib link, --move-ib-interfaces=false";
 * "uplink of the default route (ipv4, metric 0)" (", table N" when not
 * main); "lower device of uplink X" / "veth peer of uplink X" (IFLA_LINK
 * chain of an uplink, same namespace only); "enslaved to X" (IFLA_MASTER;
 * this covers everything whose master chain leads to an uplink);
 * "bridge", "bond", "team", "openvswitch bridge". 0 or -ENOMEM.
 */
MUST_CHECK int inv_exclusions(const struct nl_link *const *links, size_t n,
			      const struct inv_uplink *up, size_t n_up, bool move_ib,
			      struct arena *a, const char **reason);

/* ------------------------------------------------------ scan: scan.c */

/*
 * What is attached to one link (nl_ebpf_list boiled down): the names of
 * its BPF tc filters on clsact ingress/egress and of its TCX programs.
 */
struct inv_ebpf {
	const char **tc, **tcx; /* in an arena; unnamed ones are counted, not listed */
	size_t n_tc, n_tcx;
	bool found; /* at least one filter or program, named or not */
	int err; /* the read failed (-errno): nothing known, dra.net/ebpf false */
};

/* The netlink state a scan is built from (what inv_scan_all dumps). */
struct inv_nl_state {
	const struct nl_link *links;
	size_t n_links;
	const struct nl_addr *addrs;
	size_t n_addrs;
	const struct nl_route *routes; /* default routes suffice */
	size_t n_routes;
	const struct nl_rule *rules;
	size_t n_rules;
	/* Per link, same index as @links; NULL: not read (fixtures), no eBPF keys at all. */
	const struct inv_ebpf *ebpf;
};

/*
 * What inv_scan_all does after its dumps: the scan of sysfs @sysfd (a
 * directory fd of a /sys) and the netlink state @nl, with names from @db
 * (may be NULL: "unknown"). For fixture tests with synthetic links; the
 * result supports inv_scan_link only when made by inv_scan_all.
 */
MUST_CHECK int inv_scan_build(int sysfd, const struct inv_pcidb *db, const struct inv_opts *o,
			      const struct inv_nl_state *nl, struct arena *a, struct inv_scan *out);

/* Same devices (names, identity, exclusions, attributes in order)? */
bool inv_device_equal(const struct inv_device *x, const struct inv_device *y);
bool inv_scan_equal(const struct inv_scan *x, const struct inv_scan *y);

#endif
