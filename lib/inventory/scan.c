// SPDX-License-Identifier: Apache-2.0
/*
 * Discovery: one scan of this node's network devices (reference/upstream.md
 * §2.1-2.5, upstream-v1.4.md §2-3, DESIGN.md "Never publish what cannot be
 * moved"). PCI functions come from sysfs, links/addresses/routes/rules from
 * netlink, RDMA devices from sysfs; every device that is not published
 * stays in the scan with its reason. The collected records stay with the
 * scan so one link can be re-read alone (inv_scan_link).
 */
#include "inventory/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define K_PCI_ADDRESS "dra.net/pciAddress"
#define K_PCI_VENDOR "dra.net/pciVendor"
#define K_PCI_DEVICE "dra.net/pciDevice"
#define K_PCI_SUBSYSTEM "dra.net/pciSubsystem"
#define K_NUMA "dra.net/numaNode"
#define K_STD_NUMA "resource.kubernetes.io/numaNode"
#define K_STD_PCIE_ROOT "resource.kubernetes.io/pcieRoot"
#define K_IFNAME "dra.net/ifName"
#define K_MAC "dra.net/mac"
#define K_MTU "dra.net/mtu"
#define K_ENCAP "dra.net/encapsulation"
#define K_ALIAS "dra.net/alias"
#define K_STATE "dra.net/state"
#define K_TYPE "dra.net/type"
#define K_IPV4 "dra.net/ipv4"
#define K_IPV6 "dra.net/ipv6"
#define K_TC_FILTERS "dra.net/tcFilterNames"
#define K_TCX_PROGS "dra.net/tcxProgramNames"
#define K_EBPF "dra.net/ebpf"
#define K_SRIOV "dra.net/sriov"
#define K_SRIOV_VFS "dra.net/sriovVfs"
#define K_IS_VF "dra.net/isSriovVf"
#define K_VIRTUAL "dra.net/virtual"
#define K_RDMA "dra.net/rdma"
#define K_RDMA_DEVICE "dra.net/rdmaDevice"

/* PCI base class of network controllers (PCI Code and ID Assignment §1.3). */
#define PCI_BASE_CLASS_NETWORK 0x02

struct pci_rec {
	struct inv_sysfs_pci p;
	bool network; /* becomes a device: class 02, or an RDMA device's function */
	const char *skip; /* a network function that is not published, and why */
	const char *rdma_name; /* a standalone RDMA device's /sys/class/infiniband name */
	/* Made once (pci_prepare): name and attribute values. */
	bool prepared;
	const char *name, *vendor, *device, *subsys;
	long merged; /* build: the link merged into it, -1 */
};

struct link_rec {
	struct nl_link l;
	struct inv_sysfs_netdev sys;
	int sys_err; /* inv_sysfs_netdev_read's result */
	const char **ip[2]; /* "addr/len", [0] ipv4 [1] ipv6 */
	size_t n_ip[2], cap_ip[2];
	/* Made once (link_prepare): name and attribute values, NULL when left out. */
	bool prepared;
	const char *name, *mac, *encap, *alias;
	const char *ip_join[2];
	bool has_ebpf; /* eb was read (always, but in fixture scans) */
	struct inv_ebpf eb;
	const char *tc_join, *tcx_join;
};

struct inv_scan_ctx {
	int sysfd;
	const struct inv_pcidb *db;
	bool move_ib;
	struct pci_rec *pci; /* sorted by bdf */
	size_t n_pci, cap_pci;
	struct link_rec **links; /* sorted by ifindex */
	size_t n_links, cap_links;
	struct inv_rdma rdma;
	struct inv_uplink *up;
	size_t n_up;
	struct inv_warn warn;
	size_t n_warn_collect; /* warnings of the reads; the build's follow */
	/* Two device buffers: a rebuild fills the one the current scan does not use. */
	struct inv_device *dev[2];
	size_t dev_cap[2];
	int cur;
	/* Scratch of a build, kept for the next. */
	const struct nl_link **lp;
	const char **reason;
	long *lpci;
	struct inv_device *unsorted, **order;
	size_t lp_cap, reason_cap, lpci_cap, unsorted_cap, order_cap;
	size_t n_sys_missing; /* links without /sys/class/net/<if> */
	const char *sys_missing_first;
	size_t n_ebpf_err; /* links whose eBPF read failed */
	const char *ebpf_err_first;
	int ebpf_err;
};

struct inv {
	int sysfd;
	struct nl_sock *nl;
	struct inv_pcidb *db;
	bool move_ib;
	int netns_fd; /* the namespace of o->netns_path, -1: ours (bpf(2) needs it current) */
};

/* ------------------------------------------------------------- records */

static long pci_find(const struct inv_scan_ctx *c, const char *bdf)
{
	size_t lo = 0, hi = c->n_pci;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(c->pci[mid].p.bdf, bdf);

		if (cmp == 0)
			return (long)mid;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int pci_insert(struct inv_scan_ctx *c, struct arena *a, const struct pci_rec *r)
{
	size_t pos = 0;

	if (c->n_pci == c->cap_pci) {
		size_t cap = c->cap_pci ? c->cap_pci * 2 : 32;
		struct pci_rec *v =
			arena_realloc(a, c->pci, c->cap_pci * sizeof(*v), cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->pci = v;
		c->cap_pci = cap;
	}
	while (pos < c->n_pci && strcmp(c->pci[pos].p.bdf, r->p.bdf) < 0)
		pos++;
	memmove(&c->pci[pos + 1], &c->pci[pos], (c->n_pci - pos) * sizeof(*c->pci));
	c->pci[pos] = *r;
	c->n_pci++;
	return 0;
}

/* Classify a function read in full: skipped when no kernel driver can give it a netdev. */
static void pci_classify(struct pci_rec *r, struct arena *a)
{
	if (!r->p.driver[0])
		r->skip = "no driver bound";
	else if (inv_sysfs_is_userspace_driver(r->p.driver))
		r->skip = arena_printf(a, "bound to userspace driver %s", r->p.driver);
}

/*
 * Read PCI function @bdf into the records (once; a function that is not a
 * network controller is remembered as such). The index, or -errno.
 */
static long pci_load(struct inv_scan_ctx *c, struct arena *a, const char *bdf)
{
	struct pci_rec r = { .merged = -1 };
	long i = pci_find(c, bdf);
	int ret;

	if (i >= 0)
		return i;
	ret = inv_sysfs_pci_read(c->sysfd, bdf, true, &r.p, &c->warn);
	if (ret < 0)
		return ret;
	r.network = (r.p.ids.class >> 16) == PCI_BASE_CLASS_NETWORK;
	if (r.network) {
		inv_sysfs_pci_read_more(c->sysfd, &r.p, &c->warn);
		pci_classify(&r, a);
	}
	ret = pci_insert(c, a, &r);
	return ret < 0 ? ret : pci_find(c, bdf);
}

/* PCI pass (upstream §2.1 step 1): every function of /sys/bus/pci/devices. */
static int read_pci_all(struct inv_scan_ctx *c, struct arena *a)
{
	const char **names;
	size_t n;
	int ret = inv_sysfs_list_dir(c->sysfd, "bus/pci/devices", a, &names, &n);

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n; i++) {
		char bdf[INV_BDF_LEN + 1];
		long j;

		if (inv_pci_parse(names[i], bdf) < 0) {
			inv_warnf(&c->warn, "sysfs: bus/pci/devices/%s: not a PCI address",
				  names[i]);
			continue;
		}
		j = pci_load(c, a, bdf);
		if (j == -ENOMEM)
			return -ENOMEM;
	}
	return 0;
}

/* Standalone RDMA devices (upstream v1.4 §3): an RDMA function that is not a device yet. */
static int read_rdma(struct inv_scan_ctx *c, struct arena *a)
{
	int ret = inv_rdma_read(c->sysfd, a, &c->rdma, &c->warn);

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < c->rdma.n_dev; i++) {
		const struct inv_rdma_dev *dev = &c->rdma.dev[i];
		struct pci_rec *r;
		long j;

		if (!dev->has_pci)
			continue;
		j = pci_load(c, a, dev->bdf);
		if (j == -ENOMEM)
			return -ENOMEM;
		if (j < 0) {
			inv_warnf(&c->warn, "sysfs: infiniband/%s: PCI function %s unreadable",
				  dev->name, dev->bdf);
			continue;
		}
		r = &c->pci[j];
		if (r->network)
			continue;
		r->network = true;
		r->rdma_name = dev->name;
		inv_sysfs_pci_read_more(c->sysfd, &r->p, &c->warn);
	}
	return 0;
}

static long link_lower_bound(const struct inv_scan_ctx *c, int ifindex)
{
	size_t lo = 0, hi = c->n_links;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->links[mid]->l.ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo;
}

static struct link_rec *link_find(const struct inv_scan_ctx *c, int ifindex)
{
	long i = link_lower_bound(c, ifindex);

	return (size_t)i < c->n_links && c->links[i]->l.ifindex == ifindex ? c->links[i] : NULL;
}

/* Go's net.IP.IsGlobalUnicast, which upstream's ipv4/ipv6 use. */
static bool is_global_unicast(uint8_t family, const uint8_t *p)
{
	static const uint8_t zero[16];

	if (family == AF_INET)
		return !(p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0) &&
		       !(p[0] == 255 && p[1] == 255 && p[2] == 255 && p[3] == 255) && p[0] != 127 &&
		       (p[0] & 0xf0) != 0xe0 && !(p[0] == 169 && p[1] == 254);
	if (family != AF_INET6 || memcmp(p, zero, 16) == 0)
		return false;
	if (memcmp(p, zero, 15) == 0 && p[15] == 1)
		return false; /* ::1 */
	return p[0] != 0xff && !(p[0] == 0xfe && (p[1] & 0xc0) == 0x80);
}

static int link_add_addr(struct link_rec *lr, struct arena *a, const struct nl_addr *ad)
{
	int f = ad->family == AF_INET6;
	char text[INET6_ADDRSTRLEN];
	const char *s;

	if ((ad->family != AF_INET && ad->family != AF_INET6) ||
	    !is_global_unicast(ad->family, ad->addr))
		return 0;
	if (lr->n_ip[f] == lr->cap_ip[f]) {
		size_t cap = lr->cap_ip[f] ? lr->cap_ip[f] * 2 : 4;
		const char **v =
			arena_realloc(a, lr->ip[f], lr->cap_ip[f] * sizeof(*v), cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		lr->ip[f] = v;
		lr->cap_ip[f] = cap;
	}
	nl_addr_ntop(ad->family, ad->addr, text, sizeof(text));
	s = arena_printf(a, "%s/%u", text, ad->prefixlen);
	if (!s)
		return -ENOMEM;
	lr->ip[f][lr->n_ip[f]++] = s;
	return 0;
}

/* A link's record with its sysfs side read (addresses come later). */
static struct link_rec *link_rec_new(struct inv_scan_ctx *c, struct arena *a,
				     const struct nl_link *l)
{
	struct link_rec *lr = arena_alloc(a, sizeof(*lr));

	if (!lr)
		return NULL;
	lr->l = *l;
	lr->sys_err = inv_sysfs_netdev_read(c->sysfd, l->name, &lr->sys, &c->warn);
	if (lr->sys_err == -ENOENT) {
		if (!c->n_sys_missing++)
			c->sys_missing_first = arena_strdup(a, l->name);
	} else if (lr->sys_err < 0) {
		inv_warnf(&c->warn, "sysfs: class/net/%s: %s", l->name, strerror(-lr->sys_err));
	}
	return lr;
}

/* Attach a link's eBPF read to its record; failures are summed into one warning. */
static void link_set_ebpf(struct inv_scan_ctx *c, struct arena *a, struct link_rec *lr,
			  const struct inv_ebpf *eb)
{
	lr->has_ebpf = true;
	lr->eb = *eb;
	if (eb->err < 0 && !c->n_ebpf_err++) {
		c->ebpf_err_first = arena_strdup(a, lr->l.name);
		c->ebpf_err = eb->err;
	}
}

static void warn_ebpf(struct inv_scan_ctx *c)
{
	if (c->n_ebpf_err)
		inv_warnf(&c->warn,
			  "ebpf: tc filters / TCX programs of %s and %zu more links unread: %s "
			  "(dra.net/ebpf false)",
			  c->ebpf_err_first ? c->ebpf_err_first : "?", c->n_ebpf_err - 1,
			  strerror(-c->ebpf_err));
	c->n_ebpf_err = 0;
}

static void warn_sys_missing(struct inv_scan_ctx *c)
{
	if (c->n_sys_missing)
		inv_warnf(&c->warn,
			  "sysfs: class/net/%s and %zu more links missing (sysfs of another "
			  "network namespace?)",
			  c->sys_missing_first ? c->sys_missing_first : "?", c->n_sys_missing - 1);
	c->n_sys_missing = 0;
}

/* A PCI netdev's function must be in the records even when it appeared after the PCI pass. */
static int link_load_pci(struct inv_scan_ctx *c, struct arena *a, const struct link_rec *lr)
{
	long j;

	if (!lr->sys.has_pci)
		return 0;
	j = pci_load(c, a, lr->sys.bdf);
	return j == -ENOMEM ? -ENOMEM : 0;
}

static int cmp_link_rec(const void *a, const void *b)
{
	const struct link_rec *x = *(struct link_rec *const *)a, *y = *(struct link_rec *const *)b;

	return (x->l.ifindex > y->l.ifindex) - (x->l.ifindex < y->l.ifindex);
}

/* The netlink records from @nl (sorted by ifindex) and the uplinks. */
static int collect_links(struct inv_scan_ctx *c, struct arena *a, const struct inv_nl_state *nl)
{
	int ret;

	c->links = arena_calloc(a, nl->n_links ? nl->n_links : 1, sizeof(*c->links));
	if (!c->links)
		return -ENOMEM;
	c->cap_links = nl->n_links ? nl->n_links : 1;
	for (size_t i = 0; i < nl->n_links; i++) {
		struct link_rec *lr = link_rec_new(c, a, &nl->links[i]);

		if (!lr)
			return -ENOMEM;
		ret = link_load_pci(c, a, lr);
		if (ret < 0)
			return ret;
		if (nl->ebpf)
			link_set_ebpf(c, a, lr, &nl->ebpf[i]);
		c->links[c->n_links++] = lr;
	}
	warn_sys_missing(c);
	warn_ebpf(c);
	qsort(c->links, c->n_links, sizeof(*c->links), cmp_link_rec);
	for (size_t i = 0; i < nl->n_addrs; i++) {
		struct link_rec *lr = link_find(c, nl->addrs[i].ifindex);

		if (lr) {
			ret = link_add_addr(lr, a, &nl->addrs[i]);
			if (ret < 0)
				return ret;
		}
	}
	return inv_uplinks(nl->routes, nl->n_routes, nl->rules, nl->n_rules, a, &c->up, &c->n_up);
}

/* ------------------------------------------------------------ attributes */

/*
 * A string value that may be longer than the API allows: a descriptive name
 * is cut at a UTF-8 boundary within INV_STRING_MAX, anything else is left
 * out (NULL); both with a warning (upstream weakness 12). *out or -ENOMEM.
 */
static int fit_str(struct inv_scan_ctx *c, struct arena *a, const char *who, const char *key,
		   const char *s, bool cut, const char **out)
{
	size_t len = strlen(s);

	*out = s;
	if (len <= INV_STRING_MAX)
		return 0;
	if (!cut) {
		inv_warnf(&c->warn, "%s: %s omitted: %zu bytes, over the %d-byte limit", who, key,
			  len, INV_STRING_MAX);
		*out = NULL;
		return 0;
	}
	len = INV_STRING_MAX;
	while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	while (len > 0 && s[len - 1] == ' ')
		len--;
	*out = arena_strndup(a, s, len);
	if (!*out)
		return -ENOMEM;
	inv_warnf(&c->warn, "%s: %s cut to %d bytes", who, key, INV_STRING_MAX);
	return 0;
}

static const char *name_of(struct arena *a, const char *bdf, const char *ifname)
{
	char buf[INV_NAME_MAX + 32];
	int ret = bdf ? inv_name_pci(bdf, buf, sizeof(buf))
		      : inv_name_ifname(ifname, buf, sizeof(buf));

	/* A name that cannot be made stays empty: dedupe gives it one. */
	return arena_strdup(a, ret < 0 ? "" : buf);
}

/* The values of a PCI function's attributes, made once per record. */
static int pci_prepare(struct inv_scan_ctx *c, struct arena *a, struct pci_rec *r)
{
	const struct inv_pci_ids *id = &r->p.ids;
	int ret;

	if (r->prepared || !r->network)
		return 0;
	r->subsys = arena_printf(a, "%04x", id->subsys_device);
	r->name = name_of(a, r->p.bdf, NULL);
	if (!r->subsys || !r->name)
		return -ENOMEM;
	ret = fit_str(c, a, r->p.bdf, K_PCI_VENDOR, inv_pcidb_vendor_name(c->db, id->vendor), true,
		      &r->vendor);
	if (!ret)
		ret = fit_str(c, a, r->p.bdf, K_PCI_DEVICE,
			      inv_pcidb_device_name(c->db, id->vendor, id->device), true,
			      &r->device);
	r->prepared = ret == 0;
	return ret;
}

static const char *format_mac(struct arena *a, const uint8_t *p, size_t n)
{
	char *s = arena_alloc(a, n ? 3 * n : 1);

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		snprintf(s + 3 * i, 4, i + 1 < n ? "%02x:" : "%02x", p[i]);
	return s;
}

static int cmp_cstr(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* How many different strings @items holds (n when the arena is full: no warning lost). */
static size_t count_distinct(struct arena *a, const char **items, size_t n)
{
	const char **v = arena_calloc(a, n, sizeof(*v));
	size_t d = 0;

	if (!v)
		return n;
	memcpy(v, items, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_cstr);
	for (size_t i = 0; i < n; i++)
		d += i == 0 || strcmp(v[i], v[i - 1]) != 0;
	return d;
}

/*
 * A comma-joined list value (upstream v1.4's ipv4/ipv6, tcFilterNames,
 * tcxProgramNames) through inv_attr_set_list's rule: sorted, unique, cut at
 * a comma within INV_STRING_MAX. *out stays NULL when nothing fits.
 */
static int join_list(struct inv_scan_ctx *c, struct arena *a, const struct link_rec *lr,
		     const char *key, const char **items, size_t n, const char **out)
{
	struct inv_device tmp = { 0 };
	int kept;

	*out = NULL;
	if (!n)
		return 0;
	kept = inv_attr_set_list(&tmp, a, key, items, n);
	if (kept < 0)
		return kept;
	if (kept > 0)
		*out = tmp.attr[0].s;
	if ((size_t)kept < n) {
		size_t distinct = count_distinct(a, items, n);

		if ((size_t)kept < distinct)
			inv_warnf(&c->warn, "%s: %s keeps %d of %zu values (%d-byte limit)",
				  lr->l.name, key, kept, distinct, INV_STRING_MAX);
	}
	return 0;
}

static int join_ips(struct inv_scan_ctx *c, struct arena *a, struct link_rec *lr, int f)
{
	return join_list(c, a, lr, f ? K_IPV6 : K_IPV4, lr->ip[f], lr->n_ip[f], &lr->ip_join[f]);
}

/* The values of a link's attributes, made once per record (after its addresses). */
static int link_prepare(struct inv_scan_ctx *c, struct arena *a, struct link_rec *lr)
{
	char encap[NL_ARPHRD_NAME_MAX];
	const char *mac;
	int ret;

	if (lr->prepared)
		return 0;
	mac = format_mac(a, lr->l.addr, lr->l.addr_len);
	lr->encap = arena_strdup(a, nl_arphrd_format(lr->l.type, encap, sizeof(encap)));
	lr->name = name_of(a, NULL, lr->l.name);
	if (!mac || !lr->encap || !lr->name)
		return -ENOMEM;
	ret = fit_str(c, a, lr->l.name, K_MAC, mac, false, &lr->mac);
	if (!ret)
		ret = fit_str(c, a, lr->l.name, K_ALIAS, lr->l.alias, false, &lr->alias);
	if (!ret)
		ret = join_ips(c, a, lr, 0);
	if (!ret)
		ret = join_ips(c, a, lr, 1);
	if (!ret)
		ret = join_list(c, a, lr, K_TC_FILTERS, lr->eb.tc, lr->eb.n_tc, &lr->tc_join);
	if (!ret)
		ret = join_list(c, a, lr, K_TCX_PROGS, lr->eb.tcx, lr->eb.n_tcx, &lr->tcx_join);
	lr->prepared = ret == 0;
	return ret;
}

static int prepare_all(struct inv_scan_ctx *c, struct arena *a)
{
	int ret = 0;

	for (size_t j = 0; !ret && j < c->n_pci; j++)
		ret = pci_prepare(c, a, &c->pci[j]);
	for (size_t i = 0; !ret && i < c->n_links; i++)
		ret = link_prepare(c, a, c->links[i]);
	return ret;
}

static int set_pci_attrs(struct inv_device *d, const struct pci_rec *r)
{
	int ret;

	d->pci = r->p.bdf;
	ret = inv_attr_set_str(d, K_PCI_ADDRESS, r->p.bdf);
	if (!ret && r->vendor)
		ret = inv_attr_set_str(d, K_PCI_VENDOR, r->vendor);
	if (!ret && r->device)
		ret = inv_attr_set_str(d, K_PCI_DEVICE, r->device);
	if (!ret)
		ret = inv_attr_set_str(d, K_PCI_SUBSYSTEM, r->subsys);
	if (!ret && r->p.has_numa)
		ret = inv_attr_set_int(d, K_NUMA, r->p.numa_node);
	/* upstream v1.4: the k8s helper's scalar form (the list form is not built here). */
	if (!ret && r->p.has_numa)
		ret = inv_attr_set_int(d, K_STD_NUMA, r->p.numa_node);
	if (!ret && r->p.pcie_root[0])
		ret = inv_attr_set_str(d, K_STD_PCIE_ROOT, r->p.pcie_root);
	return ret;
}

/* upstream's dra.net/type: vishvananda/netlink's Link.Type() of the link kind. */
static const char *link_type(const struct nl_link *l)
{
	if (!l->kind[0])
		return "device";
	if (strcmp(l->kind, "tun") == 0)
		return "tuntap";
	return l->kind;
}

/* The RDMA device of a netdev (upstream §2.5, v1.4 rdmaDevice), exact names only. */
static const char *link_rdma(const struct inv_scan_ctx *c, const struct link_rec *lr)
{
	const char *r = NULL;

	if (lr->l.type == ARPHRD_ETHER)
		r = inv_rdma_by_netdev(&c->rdma, lr->l.name);
	else if (lr->l.type == ARPHRD_INFINIBAND)
		r = inv_rdma_by_ipoib(&c->rdma, lr->l.addr, lr->l.addr_len);
	if (!r && lr->sys.rdma[0])
		r = lr->sys.rdma;
	return r;
}

static int set_link_attrs(struct inv_device *d, const struct link_rec *lr)
{
	const struct nl_link *l = &lr->l;
	int ret;

	d->ifindex = l->ifindex;
	d->ifname = l->name;
	ret = inv_attr_set_str(d, K_IFNAME, l->name);
	if (!ret && lr->mac)
		ret = inv_attr_set_str(d, K_MAC, lr->mac);
	if (!ret)
		ret = inv_attr_set_int(d, K_MTU, l->mtu);
	if (!ret)
		ret = inv_attr_set_str(d, K_ENCAP, lr->encap);
	if (!ret && lr->alias)
		ret = inv_attr_set_str(d, K_ALIAS, lr->alias);
	if (!ret)
		ret = inv_attr_set_str(d, K_STATE, nl_operstate_name(l->operstate));
	if (!ret)
		ret = inv_attr_set_str(d, K_TYPE, link_type(l));
	if (!ret && lr->ip_join[0])
		ret = inv_attr_set_str(d, K_IPV4, lr->ip_join[0]);
	if (!ret && lr->ip_join[1])
		ret = inv_attr_set_str(d, K_IPV6, lr->ip_join[1]);
	if (!ret && lr->tc_join)
		ret = inv_attr_set_str(d, K_TC_FILTERS, lr->tc_join);
	if (!ret && lr->tcx_join)
		ret = inv_attr_set_str(d, K_TCX_PROGS, lr->tcx_join);
	if (!ret && lr->has_ebpf)
		ret = inv_attr_set_bool(d, K_EBPF, lr->eb.found);
	if (!ret && lr->sys.resolved) {
		bool sriov = lr->sys.sriov_totalvfs > 0;

		ret = inv_attr_set_bool(d, K_SRIOV, sriov);
		if (!ret && sriov && lr->sys.sriov_numvfs >= 0)
			ret = inv_attr_set_int(d, K_SRIOV_VFS, lr->sys.sriov_numvfs);
		if (!ret && lr->sys.is_vf)
			ret = inv_attr_set_bool(d, K_IS_VF, true);
		if (!ret)
			ret = inv_attr_set_bool(d, K_VIRTUAL, lr->sys.is_virtual);
	}
	return ret;
}

static int set_rdma(struct inv_device *d, const char *rdma)
{
	int ret = inv_attr_set_bool(d, K_RDMA, rdma != NULL);

	if (!ret && rdma)
		ret = inv_attr_set_str(d, K_RDMA_DEVICE, rdma);
	return ret;
}

/* ----------------------------------------------------------------- build */

static int cmp_dev_ptr_name(const void *a, const void *b)
{
	return strcmp((*(struct inv_device *const *)a)->name,
		      (*(struct inv_device *const *)b)->name);
}

/* Make @p hold at least @n elements of @size (kept across builds, grown in @a). */
static int reserve(struct arena *a, void **p, size_t *cap, size_t n, size_t size)
{
	size_t ncap = *cap ? *cap : 16, old, bytes;
	void *q;

	if (n <= *cap)
		return 0;
	while (ncap < n)
		if (size_mul_overflows(ncap, (size_t)2, &ncap))
			return -ENOMEM;
	if (size_mul_overflows(*cap, size, &old) || size_mul_overflows(ncap, size, &bytes))
		return -ENOMEM;
	q = arena_realloc(a, *p, old, bytes);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = ncap;
	return 0;
}

/* Which PCI function (index) each link belongs to, and the one merged into each. */
static void assign_links(struct inv_scan_ctx *c, const char *const *reason, long *lpci)
{
	for (size_t j = 0; j < c->n_pci; j++)
		c->pci[j].merged = -1;
	for (size_t i = 0; i < c->n_links; i++) {
		const struct link_rec *lr = c->links[i];
		struct pci_rec *r;
		long j;

		lpci[i] = -1;
		if (!lr->sys.has_pci || (reason[i] && !c->move_ib && !strcmp(lr->l.kind, "ipoib")))
			continue;
		j = pci_find(c, lr->sys.bdf);
		if (j < 0 || !c->pci[j].network || c->pci[j].skip)
			continue; /* its parent is no network function: a device of its own */
		lpci[i] = j;
		r = &c->pci[j];
		/* Several netdevs on one function: the bytewise-first name merges (names.c). */
		if (r->merged < 0 || strcmp(lr->l.name, c->links[r->merged]->l.name) < 0)
			r->merged = (long)i;
	}
}

/* The devices of the PCI functions, with the netdev merged into each. */
static int build_pci(struct inv_scan_ctx *c, const char *const *reason, struct inv_device *devs,
		     size_t *n)
{
	int ret = 0;

	for (size_t j = 0; !ret && j < c->n_pci; j++) {
		const struct pci_rec *r = &c->pci[j];
		struct inv_device *d = &devs[*n];

		if (!r->network)
			continue;
		(*n)++;
		memset(d, 0, sizeof(*d));
		d->name = r->name;
		d->excluded = r->skip;
		ret = set_pci_attrs(d, r);
		if (!ret && r->merged >= 0) {
			const struct link_rec *lr = c->links[r->merged];

			ret = set_link_attrs(d, lr);
			d->excluded = reason[r->merged];
			if (!ret)
				ret = set_rdma(d, r->rdma_name ? r->rdma_name : link_rdma(c, lr));
		} else if (!ret) {
			ret = set_rdma(d, r->rdma_name	 ? r->rdma_name
					  : r->p.rdma[0] ? r->p.rdma
							 : NULL);
		}
	}
	return ret;
}

/* The devices of the links not merged into a PCI function's. */
static int build_links(struct inv_scan_ctx *c, const char *const *reason, const long *lpci,
		       struct inv_device *devs, size_t *n)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < c->n_links; i++) {
		const struct link_rec *lr = c->links[i];
		struct inv_device *d = &devs[*n];

		if (lpci[i] >= 0 && c->pci[lpci[i]].merged == (long)i)
			continue;
		(*n)++;
		memset(d, 0, sizeof(*d));
		d->name = lr->name;
		/* A further netdev of a PCI function carries the function's attributes too. */
		if (lpci[i] >= 0) {
			ret = set_pci_attrs(d, &c->pci[lpci[i]]);
			d->name = c->pci[lpci[i]].name;
		}
		if (!ret)
			ret = set_link_attrs(d, lr);
		if (!ret)
			ret = set_rdma(d, link_rdma(c, lr));
		d->excluded = reason[i];
	}
	return ret;
}

/*
 * Devices from the records, into the device buffer the current scan does
 * not use (so the caller can compare), with the scratch arrays reused:
 * a rebuild allocates only what names and exclusions need.
 */
static int build(struct inv_scan_ctx *c, struct arena *a, struct inv_scan *out)
{
	int k = c->cur ^ 1;
	size_t n = 0, cap = c->n_pci + c->n_links + 1;
	struct inv_device *devs;
	int ret;

	c->warn.n = c->n_warn_collect;
	ret = reserve(a, (void **)&c->dev[k], &c->dev_cap[k], cap, sizeof(*c->dev[k]));
	if (!ret)
		ret = reserve(a, (void **)&c->lp, &c->lp_cap, c->n_links + 1, sizeof(*c->lp));
	if (!ret)
		ret = reserve(a, (void **)&c->reason, &c->reason_cap, c->n_links + 1,
			      sizeof(*c->reason));
	if (!ret)
		ret = reserve(a, (void **)&c->lpci, &c->lpci_cap, c->n_links + 1, sizeof(*c->lpci));
	if (!ret)
		ret = reserve(a, (void **)&c->unsorted, &c->unsorted_cap, cap,
			      sizeof(*c->unsorted));
	if (!ret)
		ret = reserve(a, (void **)&c->order, &c->order_cap, cap, sizeof(*c->order));
	if (ret)
		return ret;
	devs = c->unsorted;
	for (size_t i = 0; i < c->n_links; i++)
		c->lp[i] = &c->links[i]->l;
	ret = inv_exclusions(c->lp, c->n_links, c->up, c->n_up, c->move_ib, a, c->reason);
	if (ret)
		return ret;
	assign_links(c, c->reason, c->lpci);
	ret = build_pci(c, c->reason, devs, &n);
	if (!ret)
		ret = build_links(c, c->reason, c->lpci, devs, &n);
	if (ret)
		return ret == -ENOSPC ? -EMSGSIZE : ret;
	ret = inv_names_dedupe(devs, n, a);
	if (ret < 0)
		return ret;
	/* Sort pointers, then copy: a device is over 1 KiB, too big to swap around. */
	for (size_t i = 0; i < n; i++)
		c->order[i] = &devs[i];
	qsort(c->order, n, sizeof(*c->order), cmp_dev_ptr_name);
	for (size_t i = 0; i < n; i++)
		c->dev[k][i] = *c->order[i];
	c->cur = k;
	*out = (struct inv_scan){
		.dev = c->dev[k], .n = n, .warnings = c->warn.v, .n_warnings = c->warn.n, .ctx = c
	};
	return 0;
}

static struct inv_scan_ctx *ctx_new(struct arena *a, int sysfd, const struct inv_pcidb *db,
				    bool move_ib)
{
	struct inv_scan_ctx *c = arena_alloc(a, sizeof(*c));

	if (!c)
		return NULL;
	c->sysfd = sysfd;
	c->db = db;
	c->move_ib = move_ib;
	c->warn.a = a;
	return c;
}

int inv_scan_build(int sysfd, const struct inv_pcidb *db, const struct inv_opts *o,
		   const struct inv_nl_state *nl, struct arena *a, struct inv_scan *out)
{
	struct inv_scan_ctx *c = ctx_new(a, sysfd, db, o->move_ib_interfaces);
	int ret;

	if (!c)
		return -ENOMEM;
	ret = read_pci_all(c, a);
	if (!ret)
		ret = read_rdma(c, a);
	if (!ret)
		ret = collect_links(c, a, nl);
	if (!ret)
		ret = prepare_all(c, a);
	if (ret)
		return ret;
	c->n_warn_collect = c->warn.n;
	return build(c, a, out);
}

/* ------------------------------------------------------------ comparison */

static bool str_eq(const char *x, const char *y)
{
	return x == y || (x && y && strcmp(x, y) == 0);
}

bool inv_device_equal(const struct inv_device *x, const struct inv_device *y)
{
	if (!str_eq(x->name, y->name) || !str_eq(x->excluded, y->excluded) ||
	    x->ifindex != y->ifindex || !str_eq(x->ifname, y->ifname) || !str_eq(x->pci, y->pci) ||
	    x->n_attr != y->n_attr)
		return false;
	for (unsigned i = 0; i < x->n_attr; i++) {
		const struct inv_attr *p = &x->attr[i], *q = &y->attr[i];

		if (!str_eq(p->key, q->key) || p->type != q->type)
			return false;
		switch (p->type) {
		case INV_STRING:
		case INV_VERSION:
			if (!str_eq(p->s, q->s))
				return false;
			break;
		case INV_INT:
			if (p->i != q->i)
				return false;
			break;
		case INV_BOOL:
			if (p->b != q->b)
				return false;
			break;
		}
	}
	return true;
}

bool inv_scan_equal(const struct inv_scan *x, const struct inv_scan *y)
{
	if (x->n != y->n)
		return false;
	for (size_t i = 0; i < x->n; i++)
		if (!inv_device_equal(&x->dev[i], &y->dev[i]))
			return false;
	return true;
}

/* -------------------------------------------------------------- netlink */

struct addr_one {
	struct link_rec *lr;
	struct arena *a;
};

static int addr_one_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_one *x = data;
	struct nl_addr ad;
	int ret = nl_addr_decode(nlh, &ad);

	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	/* The kernel filters by ifa_index under strict checking; filter anyway. */
	return ad.ifindex == x->lr->l.ifindex ? link_add_addr(x->lr, x->a, &ad) : 0;
}

static void addr_one_restart(void *data)
{
	struct addr_one *x = data;

	x->lr->n_ip[0] = x->lr->n_ip[1] = 0;
}

/* The addresses of one link (RTM_GETADDR dump filtered by ifa_index). */
static int read_link_addrs(struct nl_sock *s, struct link_rec *lr, struct arena *a)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = nl_msg_put_header(buf, sizeof(buf), RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = nlh ? nl_msg_put_extra(nlh, sizeof(buf), sizeof(*ifa)) : NULL;
	struct addr_one x = { lr, a };

	if (!ifa)
		return -EMSGSIZE;
	ifa->ifa_family = AF_UNSPEC;
	ifa->ifa_index = (unsigned)lr->l.ifindex;
	return nl_request(s, nlh, addr_one_cb, &x, addr_one_restart, NULL, 0);
}

/* Default routes only: a node with a full routing table stays cheap. */
struct route_list {
	struct nl_route *v;
	size_t n, cap;
	struct arena *a;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_list *l = data;
	struct nl_route rt;
	int ret = nl_route_decode(nlh, &rt);

	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	if (rt.dst_len != 0 || (rt.flags & RTM_F_CLONED))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct nl_route *v =
			arena_realloc(l->a, l->v, l->cap * sizeof(*v), cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = rt;
	return 0;
}

static void route_restart(void *data)
{
	((struct route_list *)data)->n = 0;
}

static int read_default_routes(struct nl_sock *s, struct arena *a, struct nl_route **out, size_t *n)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = nl_msg_put_header(buf, sizeof(buf), RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = nlh ? nl_msg_put_extra(nlh, sizeof(buf), sizeof(*rtm)) : NULL;
	struct route_list l = { .a = a };
	int ret;

	if (!rtm)
		return -EMSGSIZE;
	rtm->rtm_family = AF_UNSPEC;
	ret = nl_request(s, nlh, route_cb, &l, route_restart, NULL, 0);
	if (ret < 0)
		return ret;
	*out = l.v;
	*n = l.n;
	return 0;
}

/* ------------------------------------------------------------------ eBPF */

/* One link's BPF tc filters and TCX programs; a failed read is eb->err, only -ENOMEM returns. */
static int read_link_ebpf(struct inv *inv, struct arena *a, int ifindex, struct inv_ebpf *eb)
{
	struct nl_ebpf e;
	int ret;

	memset(eb, 0, sizeof(*eb));
	ret = nl_ebpf_list(inv->nl, ifindex, a, &e);
	if (ret == -ENOMEM)
		return ret;
	if (ret == -ENODEV)
		return 0; /* gone since the link dump: its event follows */
	if (ret < 0) {
		eb->err = ret;
		return 0;
	}
	eb->found = e.n_tc || e.n_tcx;
	eb->tc = arena_calloc(a, e.n_tc + 1, sizeof(*eb->tc));
	eb->tcx = arena_calloc(a, e.n_tcx + 1, sizeof(*eb->tcx));
	if (!eb->tc || !eb->tcx)
		return -ENOMEM;
	for (size_t i = 0; i < e.n_tc; i++)
		if (e.tc[i].bpf_name[0] &&
		    !(eb->tc[eb->n_tc++] = arena_strdup(a, e.tc[i].bpf_name)))
			return -ENOMEM;
	for (size_t i = 0; i < e.n_tcx; i++)
		if (e.tcx[i].name[0] && !(eb->tcx[eb->n_tcx++] = arena_strdup(a, e.tcx[i].name)))
			return -ENOMEM;
	return 0;
}

/*
 * bpf(2) finds ifindexes in the thread's current namespace: enter the
 * discovered one for the reads (nl_open's way) and always come back.
 */
static int read_ebpf(struct inv *inv, struct arena *a, const int *ifindex, size_t n,
		     struct inv_ebpf *out)
{
	int orig = -1, ret = 0;

	if (inv->netns_fd >= 0) {
		orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (orig < 0)
			return -errno;
		if (setns(inv->netns_fd, CLONE_NEWNET) < 0) {
			ret = -errno;
			close(orig);
			return ret;
		}
	}
	for (size_t i = 0; !ret && i < n; i++)
		ret = read_link_ebpf(inv, a, ifindex[i], &out[i]);
	if (orig >= 0) {
		if (setns(orig, CLONE_NEWNET) < 0)
			ret = -errno;
		close(orig);
	}
	return ret;
}

/* ---------------------------------------------------------------- public */

int inv_new(const struct inv_opts *o, struct inv **out)
{
	const char *root = o->root && o->root[0] ? o->root : "";
	struct inv *inv;
	char path[4096];
	int ret;

	if (snprintf(path, sizeof(path), "%s/sys", root) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	inv = calloc(1, sizeof(*inv));
	if (!inv)
		return -ENOMEM;
	inv->sysfd = -1;
	inv->netns_fd = -1;
	inv->move_ib = o->move_ib_interfaces;
	inv->sysfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (inv->sysfd < 0) {
		ret = -errno;
		goto err;
	}
	ret = nl_open(NETLINK_ROUTE, o->netns_path, &inv->nl);
	if (ret < 0)
		goto err;
	if (o->netns_path) {
		inv->netns_fd = open(o->netns_path, O_RDONLY | O_CLOEXEC);
		if (inv->netns_fd < 0) {
			ret = -errno;
			goto err;
		}
	}
	ret = inv_pcidb_open(root, o->pcidb_path, &inv->db);
	if (ret < 0)
		goto err;
	*out = inv;
	return 0;
err:
	inv_free(inv);
	return ret;
}

void inv_free(struct inv *inv)
{
	if (!inv)
		return;
	if (inv->sysfd >= 0)
		close(inv->sysfd);
	if (inv->netns_fd >= 0)
		close(inv->netns_fd);
	nl_close(inv->nl);
	inv_pcidb_free(inv->db);
	free(inv);
}

int inv_scan_all(struct inv *inv, struct arena *a, struct inv_scan *out)
{
	struct inv_opts o = { .move_ib_interfaces = inv->move_ib };
	struct inv_nl_state nl = { 0 };
	struct nl_link *links;
	struct nl_addr *addrs;
	struct nl_route *routes;
	struct nl_rule *rules;
	struct inv_ebpf *ebpf;
	int *idx, ret;

	ret = nl_link_dump(inv->nl, a, &links, &nl.n_links);
	if (ret < 0)
		return ret;
	ebpf = arena_calloc(a, nl.n_links + 1, sizeof(*ebpf));
	idx = arena_calloc(a, nl.n_links + 1, sizeof(*idx));
	if (!ebpf || !idx)
		return -ENOMEM;
	for (size_t i = 0; i < nl.n_links; i++)
		idx[i] = links[i].ifindex;
	ret = read_ebpf(inv, a, idx, nl.n_links, ebpf);
	if (ret < 0)
		return ret;
	nl.ebpf = ebpf;
	ret = nl_addr_dump(inv->nl, AF_UNSPEC, a, &addrs, &nl.n_addrs);
	if (!ret)
		ret = read_default_routes(inv->nl, a, &routes, &nl.n_routes);
	if (!ret)
		ret = nl_rule_dump(inv->nl, AF_UNSPEC, a, &rules, &nl.n_rules);
	if (ret < 0)
		return ret;
	nl.links = links;
	nl.addrs = addrs;
	nl.routes = routes;
	nl.rules = rules;
	return inv_scan_build(inv->sysfd, inv->db, &o, &nl, a, out);
}

/* Replace, add or drop the record of @ifindex; 0 when nothing was there to drop. */
static int update_link(struct inv *inv, struct inv_scan_ctx *c, struct arena *a, int ifindex)
{
	long pos = link_lower_bound(c, ifindex);
	bool present = (size_t)pos < c->n_links && c->links[pos]->l.ifindex == ifindex;
	struct link_rec *lr;
	struct inv_ebpf eb;
	struct nl_link l;
	int ret = nl_link_get(inv->nl, ifindex, &l);

	if (ret == -ENODEV) {
		if (!present)
			return 0;
		memmove(&c->links[pos], &c->links[pos + 1],
			(c->n_links - (size_t)pos - 1) * sizeof(*c->links));
		c->n_links--;
		return 1;
	}
	if (ret < 0)
		return ret;
	lr = link_rec_new(c, a, &l);
	if (!lr)
		return -ENOMEM;
	warn_sys_missing(c);
	ret = read_ebpf(inv, a, &ifindex, 1, &eb);
	if (ret < 0)
		return ret;
	link_set_ebpf(c, a, lr, &eb);
	warn_ebpf(c);
	ret = read_link_addrs(inv->nl, lr, a);
	if (!ret)
		ret = link_load_pci(c, a, lr);
	if (ret < 0)
		return ret;
	if (present) {
		c->links[pos] = lr;
		return 1;
	}
	if (c->n_links == c->cap_links) {
		size_t cap = c->cap_links * 2 + 8;
		struct link_rec **v =
			arena_realloc(a, c->links, c->cap_links * sizeof(*v), cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->links = v;
		c->cap_links = cap;
	}
	memmove(&c->links[pos + 1], &c->links[pos], (c->n_links - (size_t)pos) * sizeof(*c->links));
	c->links[pos] = lr;
	c->n_links++;
	return 1;
}

int inv_scan_link(struct inv *inv, struct arena *a, struct inv_scan *scan, int ifindex)
{
	struct inv_scan_ctx *c = scan->ctx;
	struct inv_scan fresh;
	int ret;

	if (!c || ifindex <= 0)
		return -EINVAL;
	c->warn.a = a;
	c->warn.n = c->n_warn_collect;
	ret = update_link(inv, c, a, ifindex);
	if (ret <= 0)
		return ret;
	/* GID tables name netdevs: a rename changes them. Cheap without RDMA. */
	if (c->rdma.n_dev) {
		ret = inv_rdma_read(c->sysfd, a, &c->rdma, &c->warn);
		if (ret < 0)
			return ret;
	}
	ret = prepare_all(c, a);
	if (ret < 0)
		return ret;
	c->n_warn_collect = c->warn.n;
	ret = build(c, a, &fresh);
	if (ret < 0)
		return ret;
	ret = !inv_scan_equal(scan, &fresh);
	*scan = fresh;
	return ret;
}
