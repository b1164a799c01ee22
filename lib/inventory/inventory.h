/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/inventory: what this node has and what it would publish.
 *
 *  - the device model (a DRA device: name + typed attributes), shared by
 *    discovery, the filter, publishing and the applets;
 *  - device names exactly as upstream (reference/upstream.md §2.3);
 *  - PCI address parsing and the PCI vendor/device name table;
 *  - discovery: PCI functions from sysfs, links from netlink, RDMA from
 *    sysfs, and the devices that must not be published, each with a reason;
 *  - the --filter expression (a CEL subset) and claim-style selectors;
 *  - ResourceSlice documents for one pool, split at 128 devices.
 *
 * Sections below are owned by their .c file (names.c, pci.c, pcidb.c,
 * scan.c, expr.c, slice.c).
 */
#ifndef DRANET_INVENTORY_INVENTORY_H
#define DRANET_INVENTORY_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

struct json;

/* The DRA driver name, pool = node name (DESIGN.md compatibility contract). */
#define INV_DRIVER_NAME "dra.net"

/* Kubernetes API validation limits (resource.k8s.io/v1, protocols.md §5.4). */
#define INV_ATTRS_MAX 32 /* attributes + capacities per device */
#define INV_STRING_MAX 64 /* bytes of a string attribute value */
#define INV_SLICE_DEVICES_MAX 128 /* devices per ResourceSlice */
#define INV_ATTR_ID_MAX 32 /* the part of an attribute name after the domain */
#define INV_NAME_MAX 63 /* DNS-1123 label */

/* ------------------------------------------------------ the device model */

enum inv_type {
	INV_STRING,
	INV_INT,
	INV_BOOL,
	INV_VERSION, /* semver string */
};

/* One attribute. Keys are fully qualified ("dra.net/ifName"). */
struct inv_attr {
	const char *key;
	enum inv_type type;
	const char *s; /* INV_STRING, INV_VERSION */
	int64_t i;
	bool b;
};

struct inv_device {
	const char *name; /* DRA device name, unique within the scan */
	struct inv_attr attr[INV_ATTRS_MAX];
	unsigned n_attr;
	/* Identity, not published: how to find the device again. */
	int ifindex; /* 0 without a netdev */
	const char *ifname; /* NULL without a netdev */
	const char *pci; /* normalized BDF "0000:8a:00.0", NULL if none */
	/*
	 * NULL when the device would be published; else why not (a static
	 * string or one in the scan's arena): "bridge", "enslaved to br0",
	 * "uplink of the default route (ipv4, metric 0)", "filter: false",
	 * "filter error: no such key: dra.net/type".
	 */
	const char *excluded;
};

/* Lookup by full key; NULL when absent. */
const struct inv_attr *inv_attr_get(const struct inv_device *d, const char *key);

/*
 * Set (add or replace) an attribute; @key and string values must outlive
 * the device (static or in @a). Strings over INV_STRING_MAX bytes are never
 * stored as they are: inv_attr_set_str returns -EMSGSIZE and sets nothing,
 * so the caller decides (omit, or truncate at a list separator). -ENOSPC
 * when the device already has INV_ATTRS_MAX attributes.
 */
MUST_CHECK int inv_attr_set_str(struct inv_device *d, const char *key, const char *s);
MUST_CHECK int inv_attr_set_int(struct inv_device *d, const char *key, int64_t v);
MUST_CHECK int inv_attr_set_bool(struct inv_device *d, const char *key, bool v);
/*
 * Join @n strings (sorted bytewise first, duplicates dropped) with ','
 * greedily while the result stays within INV_STRING_MAX (upstream v1.4's
 * rule for ipv4/ipv6: stop at the first item that does not fit). Nothing
 * is set when the result is empty. Returns the number of items kept.
 */
MUST_CHECK int inv_attr_set_list(struct inv_device *d, struct arena *a, const char *key,
				 const char **items, size_t n);

/* --------------------------------------------------------------- names.c */

/*
 * Upstream's device names (upstream.md §2.3): "pci-" + BDF with ':' and '.'
 * turned into '-'; an interface name that is a DNS-1123 label as it is;
 * else "net-" + lowercase unpadded base32 of the name. Write the name
 * NUL-terminated and return its length; -EMSGSIZE when @out (@n bytes) is
 * too small, -EINVAL for a NULL or empty input or a @bdf that
 * inv_pci_parse rejects (the BDF is normalized first, so "00:04.0" gives
 * "pci-0000-00-04-0"). Upstream returns "" for an empty ifname; we refuse.
 */
MUST_CHECK int inv_name_pci(const char *bdf, char *out, size_t n);
MUST_CHECK int inv_name_ifname(const char *ifname, char *out, size_t n);
/* RFC 1123 label as k8s checks it: [a-z0-9-], alphanumeric at both ends, 1..63 bytes. */
bool inv_is_dns_label(const char *s);

/*
 * Make the names (d->name) of @devs unique DNS labels; called once per scan
 * after naming (docs/compatibility.md "Device names" has the rule). Of
 * devices sharing a name, the one upstream would give it keeps it: a PCI
 * function's "pci-<bdf>" first, then a verbatim interface name, then a
 * "net-<base32>" one, then any other; ties by (pci, ifname) bytewise,
 * NULL first, so never by dump order. The others, and any device whose
 * name is not a DNS label (NULL, too long), get in that order:
 *   - a further netdev of one PCI function: "pci-<bdf>-<ifname>" (ifname
 *     in base32 when it is not a label);
 *   - an interface whose verbatim name was taken: "net-<base32(ifname)>";
 *   - else, or when that is taken too: the old name's [a-z0-9-] prefix
 *     (at most 54 bytes; "dev" when empty) + "-" + 8 hex digits of FNV-1a
 *     over (pci, ifname, old name, probe number), probing on.
 * Renamed devices' names are allocated in @a. Give it the names the rules
 * above give (not names an earlier dedupe returned): then the result
 * depends only on the set of devices, so an incremental update that renames
 * every device afresh and dedupes again agrees with a full scan. Returns
 * the number of renamed devices, -ENOMEM, -EINVAL, or -EEXIST after 4096
 * taken probes.
 */
MUST_CHECK int inv_names_dedupe(struct inv_device *devs, size_t n, struct arena *a);

/* ----------------------------------------------------------------- pci.c */

#define INV_BDF_LEN 12 /* "0000:8a:00.0" */

/*
 * Parse a PCI address "[dddd:]bb:dd.f" (hex digits in any case, exactly
 * that many, the whole string: upstream's pciAddressRegex) and write it
 * normalized with a 4-digit domain ("0000" when absent), lowercase, into
 * @out (INV_BDF_LEN + 1 bytes). 0 or -EINVAL.
 */
MUST_CHECK int inv_pci_parse(const char *s, char *out);
/*
 * The deepest '/'-separated component of a sysfs device path that is a PCI
 * address, normalized ("/sys/devices/pci0000:00/0000:00:04.0/virtio1/net/eth0"
 * → "0000:00:04.0"; "pci0000:00" is not one). 0, -ENOENT when there is
 * none, -EINVAL for NULL arguments.
 */
MUST_CHECK int inv_pci_from_path(const char *path, char *out);

/* --------------------------------------------------------------- pcidb.c */

/*
 * PCI vendor and device names. Sources in order: @pcidb_path ($PCIDB_PATH,
 * as upstream; not under @root), then a host pci.ids under @root ("" or
 * NULL = "/"): /usr/share/hwdata/pci.ids, /usr/share/misc/pci.ids and their
 * .gz forms (jaypipes/pcidb's order), else the table compiled into the
 * binary from Debian's pci.ids. A file is plain or gzip by its first two
 * bytes. A source that cannot be used (missing PCIDB_PATH, unreadable,
 * over INV_PCIDB_FILE_MAX, bad gzip, no vendor line) is skipped and the
 * first such is kept as inv_pcidb_warning() (a missing host file is not
 * noted). Upstream instead uses $PCIDB_PATH alone and, when it does not
 * open, publishes no PCI device at all. Files are parsed at open; the
 * compiled-in table is inflated on the first lookup. Not thread-safe, not
 * even lookups. 0 or -ENOMEM, -EINVAL.
 */
#define INV_PCIDB_FILE_MAX (16u << 20) /* pci.ids is 1.3 MB in 2023; text after gunzip too */
#define INV_PCIDB_MEM_MAX (64u << 20) /* the db's arena: names + 8 bytes per entry */

struct inv_pcidb;

MUST_CHECK int inv_pcidb_open(const char *root, const char *pcidb_path, struct inv_pcidb **out);
void inv_pcidb_free(struct inv_pcidb *db);
/*
 * Which source is in use, for logs: "embedded (pci.ids 2023.04.10)" or
 * "/usr/share/misc/pci.ids (pci.ids 2023.04.10)".
 */
const char *inv_pcidb_source(const struct inv_pcidb *db);
/* The first source skipped and why ("PCIDB_PATH /x: No such file or directory"), or NULL. */
const char *inv_pcidb_warning(const struct inv_pcidb *db);
/*
 * Names for @vendor:@device; NULL when unknown. Borrowed, valid while @db
 * lives.
 */
const char *inv_pcidb_vendor(const struct inv_pcidb *db, uint16_t vendor);
const char *inv_pcidb_device(const struct inv_pcidb *db, uint16_t vendor, uint16_t device);

/*
 * Upstream's fallback (ghw 0.20 findPCIVendor/findPCIProduct): an ID
 * missing from the database gets the name "unknown", so dra.net/pciVendor
 * and dra.net/pciDevice are always set on a PCI device (and a device ID
 * is "unknown" whenever its vendor is). dra.net/pciSubsystem is the
 * subsystem device ID as 4 lowercase hex digits (modalias "sd" field),
 * never a name. These two never return NULL.
 */
#define INV_PCI_UNKNOWN "unknown"
const char *inv_pcidb_vendor_name(const struct inv_pcidb *db, uint16_t vendor);
const char *inv_pcidb_device_name(const struct inv_pcidb *db, uint16_t vendor, uint16_t device);

/* ---------------------------------------------------------------- scan.c */

struct inv_opts {
	/*
	 * Root under which /sys (and /dev, /usr/share for pci.ids) are read:
	 * "" or NULL means "/". Tests point it at a fixture tree
	 * (tests/data/sysfs/...); documented in docs/testing.md.
	 */
	const char *root;
	/* Network namespace to discover in (path of a netns file); NULL = ours. */
	const char *netns_path;
	/* $PCIDB_PATH or NULL. */
	const char *pcidb_path;
	/* upstream v1.4 --move-ib-interfaces (default true). */
	bool move_ib_interfaces;
	/* Feature gate DRAListTypeAttributes. */
	bool list_type_attributes;
};

struct inv;
struct inv_scan_ctx;

/* Open sockets and databases once; later scans reuse them. */
MUST_CHECK int inv_new(const struct inv_opts *o, struct inv **out);
void inv_free(struct inv *inv);

struct inv_scan {
	struct inv_device *dev; /* sorted by name; excluded devices included, with reason */
	size_t n;
	/* Non-fatal problems met during the scan (one line each), for --all and logs. */
	const char **warnings;
	size_t n_warnings;
	/* Private (scan.c): the records inv_scan_link updates, in the scan's arena. */
	struct inv_scan_ctx *ctx;
};

/*
 * A full scan: every device and every exclusion, allocated in @a.
 * Returns 0 or -errno (a failure to read the kernel's links at all; a
 * single device whose sysfs cannot be read is a warning, not an error).
 */
MUST_CHECK int inv_scan_all(struct inv *inv, struct arena *a, struct inv_scan *out);

/*
 * Re-read one link (after an RTM_NEWLINK/DELLINK/NEWADDR event for
 * @ifindex) and update @scan in place: the device is replaced, added or
 * removed; names and exclusions are recomputed for it. Returns 1 when the
 * scan changed, 0 when not, or -errno (then the caller falls back to
 * inv_scan_all). @a is the arena of the scan (or one that lives as long);
 * a call allocates about 70 bytes per device in it, and after it, copies
 * of the old *scan are stale (the device buffers are reused). The uplinks
 * are those of the last inv_scan_all: route and rule changes need a full
 * scan.
 */
MUST_CHECK int inv_scan_link(struct inv *inv, struct arena *a, struct inv_scan *scan, int ifindex);

/* ---------------------------------------------------------------- expr.c */

/*
 * Expressions: a CEL subset with CEL's grammar and precedence (literals,
 * lists, ! - * / % + - < <= > >= == != in && || ?:, indexing, field
 * selection, has(), size(), startsWith/endsWith/contains). Other CEL
 * features (matches, macros, map literals, conversions) are compile errors;
 * docs/compatibility.md "Filter expressions" lists every difference.
 *
 * INV_EXPR_FILTER: upstream's --filter environment, one variable
 *   `attributes`: full attribute name → value with .StringValue,
 *   .IntValue, .BoolValue, .VersionValue.
 * INV_EXPR_SELECT: a DeviceClass / claim selector environment:
 *   device.driver, device.attributes["dra.net"].ifName, has(...).
 */
enum inv_expr_mode {
	INV_EXPR_FILTER,
	INV_EXPR_SELECT,
};

/* Upstream's default --filter. */
#define INV_FILTER_DEFAULT                                                                         \
	"!(\"dra.net/type\" in attributes) || attributes[\"dra.net/type\"].StringValue  != \"veth\""

struct inv_expr;

struct inv_expr_err {
	size_t column; /* 0-based byte offset in the source */
	char msg[160];
};

/*
 * Compile @src (NUL-terminated, at most 8192 bytes; the AST lives in @a).
 * 0, -EINVAL with @err filled on a syntax or type error, -ENOMEM (@err says
 * "out of memory"). An expression nested deeper than 32 levels is a syntax
 * error (no recursion the input controls beyond that).
 */
MUST_CHECK int inv_expr_compile(const char *src, enum inv_expr_mode mode, struct arena *a,
				struct inv_expr **out, struct inv_expr_err *err);
/*
 * Evaluate against @d. Returns 1 (true), 0 (false or a non-bool result) or
 * -EINVAL with *why set to the evaluation error ("no such key:
 * dra.net/type", "division by zero"); CEL's error absorption applies
 * (false && error is false, true || error is true). @a holds why strings
 * and values built while evaluating (lists, concatenations); it may be
 * NULL: then why is a static string and building a value fails with
 * -ENOMEM (why "out of memory"), as it does at @a's cap.
 */
MUST_CHECK int inv_expr_eval(const struct inv_expr *e, const struct inv_device *d, const char **why,
			     struct arena *a);
/* Render "<src>\n<spaces>^ <msg>" for a compile error into @out. */
MUST_CHECK int inv_expr_format_err(const char *src, const struct inv_expr_err *err,
				   struct buf *out);

/* --------------------------------------------------------------- slice.c */

struct inv_slice_opts {
	const char *node; /* pool name and spec.nodeName */
	const char *driver; /* INV_DRIVER_NAME */
	int64_t generation; /* pool.generation */
	const char *api_version; /* "resource.k8s.io/v1" */
};

/*
 * The ResourceSlice documents for the published (not excluded) devices of
 * @scan: one pool named after the node, INV_SLICE_DEVICES_MAX devices per
 * slice, resourceSliceCount set on each, devices in name order so the same
 * inventory always gives the same documents. *out is a JSON array of
 * slices (metadata.generateName "<node>-dra.net-"); a pool with nothing
 * published is one slice with "devices": [] (docs/discover.md). 0, -EINVAL
 * (empty node, no driver or api_version, generation < 1) or -ENOMEM.
 */
MUST_CHECK int inv_slices_build(const struct inv_scan *scan, const struct inv_slice_opts *o,
				struct json **out);
/* One device's "attributes" object as the API expects ({"dra.net/mtu": {"int": 1500}}). */
struct json *inv_device_attrs_json(const struct inv_device *d);
/*
 * Apply the --filter expression @filter (INV_EXPR_FILTER; NULL = no filter)
 * to the devices of @scan not yet excluded: false excludes with "filter:
 * false", an evaluation error excludes with "filter error: <why>" (fail
 * closed, unlike upstream: docs/compatibility.md). Reasons live in @a.
 * Returns the number of evaluation errors, or -ENOMEM.
 */
MUST_CHECK int inv_scan_filter(struct inv_scan *scan, const struct inv_expr *filter,
			       struct arena *a);

#endif
