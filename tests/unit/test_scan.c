// SPDX-License-Identifier: Apache-2.0
/*
 * Discovery tests: the sysfs value parsers (vectors, every truncation,
 * limits), the sysfs readers and a whole scan on the fixture trees of
 * tests/data/sysfs (root override, docs/testing.md) with synthetic links,
 * the uplink and exclusion rules, and a live scan in a fresh network +
 * mount namespace checked against iproute2 (tests/data/sysfs/ip-oracle.py),
 * including inv_scan_link against a full rescan.
 */
#include "inventory/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/fib_rules.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nl/kcompat.h"
#include "t.h"

#define FIXTURE "tests/data/sysfs/node1"
#define PCI_IDS "tests/data/sysfs/pci.ids"

/* ------------------------------------------------------------- helpers */

static int open_sys(const char *root)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/sys", root);
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static const struct inv_device *dev_by_name(const struct inv_scan *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->dev[i].name, name) == 0)
			return &s->dev[i];
	return NULL;
}

static const struct inv_device *dev_by_ifname(const struct inv_scan *s, const char *ifname)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->dev[i].ifname && strcmp(s->dev[i].ifname, ifname) == 0)
			return &s->dev[i];
	return NULL;
}

static const char *attr_s(const struct inv_device *d, const char *key)
{
	const struct inv_attr *a = d ? inv_attr_get(d, key) : NULL;

	return a && a->type == INV_STRING ? a->s : NULL;
}

static long long attr_i(const struct inv_device *d, const char *key)
{
	const struct inv_attr *a = d ? inv_attr_get(d, key) : NULL;

	return a && a->type == INV_INT ? a->i : -999;
}

/* 1 true, 0 false, -1 absent. */
static int attr_b(const struct inv_device *d, const char *key)
{
	const struct inv_attr *a = d ? inv_attr_get(d, key) : NULL;

	return a && a->type == INV_BOOL ? a->b : -1;
}

/* Every device stays within the API limits. */
static void check_limits(const struct inv_scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct inv_device *d = &s->dev[i];

		CHECK(inv_is_dns_label(d->name));
		CHECK(d->n_attr <= INV_ATTRS_MAX);
		for (unsigned k = 0; k < d->n_attr; k++) {
			CHECK(strlen(d->attr[k].key) - strcspn(d->attr[k].key, "/") - 1 <=
			      INV_ATTR_ID_MAX);
			if (d->attr[k].type == INV_STRING)
				CHECK(strlen(d->attr[k].s) <= INV_STRING_MAX);
		}
		if (i > 0)
			CHECK(strcmp(s->dev[i - 1].name, d->name) < 0);
	}
}

/* ------------------------------------------------------------- parsers */

static void test_parse_int(void)
{
	int64_t v = 7;

	CHECK(inv_sysfs_parse_int("0", -1, 100, &v) == 0 && v == 0);
	CHECK(inv_sysfs_parse_int("-1", -1, 100, &v) == 0 && v == -1);
	CHECK(inv_sysfs_parse_int("1", -1, 100, &v) == 0 && v == 1);
	/* exactly at the limits, and one over */
	CHECK(inv_sysfs_parse_int("2147483647", 0, INT32_MAX, &v) == 0 && v == INT32_MAX);
	CHECK_EQ(inv_sysfs_parse_int("2147483648", 0, INT32_MAX, &v), -EINVAL);
	CHECK_EQ(inv_sysfs_parse_int("-2", -1, 100, &v), -EINVAL);
	CHECK(inv_sysfs_parse_int("9999999999", 0, INT64_MAX, &v) == 0 && v == 9999999999LL);
	CHECK_EQ(inv_sysfs_parse_int("12345678901", 0, INT64_MAX, &v), -EINVAL);
	v = 7;
	static const char *const bad[] = { "", "-", "+1", " 1", "1 ", "0x1", "--1", "1-", "1\n" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK_EQ(inv_sysfs_parse_int(bad[i], -1, 100, &v), -EINVAL);
	CHECK_EQ(v, 7);
}

static void test_parse_hex(void)
{
	uint32_t v = 0;

	CHECK(inv_sysfs_parse_hex("0x020000", 6, &v) == 0 && v == 0x020000);
	CHECK(inv_sysfs_parse_hex("0x8086", 4, &v) == 0 && v == 0x8086);
	CHECK(inv_sysfs_parse_hex("0xABcd", 4, &v) == 0 && v == 0xabcd);
	CHECK(inv_sysfs_parse_hex("0x1", 4, &v) == 0 && v == 1);
	CHECK(inv_sysfs_parse_hex("0xffffffff", 8, &v) == 0 && v == 0xffffffffu);
	/* one digit over the limit */
	CHECK_EQ(inv_sysfs_parse_hex("0x0200000", 6, &v), -EINVAL);
	CHECK_EQ(inv_sysfs_parse_hex("0x80860", 4, &v), -EINVAL);
	static const char *const bad[] = { "", "0x", "0X02", "020000", "0xg", "0x 1", " 0x1" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK_EQ(inv_sysfs_parse_hex(bad[i], 6, &v), -EINVAL);
	CHECK_EQ(inv_sysfs_parse_hex("0x1", 0, &v), -EINVAL);
	CHECK_EQ(inv_sysfs_parse_hex("0x1", 9, &v), -EINVAL);
}

static void test_parse_modalias(void)
{
	/* This machine's virtio-net (0000:00:03.0), and an mlx5 VF. */
	static const char real[] = "pci:v00001AF4d00001041sv00001AF4sd00001041bc02sc00i00";
	struct inv_pci_ids id;
	char buf[sizeof(real) + 1];

	REQUIRE(inv_sysfs_parse_modalias(real, &id) == 0);
	CHECK_EQ(id.vendor, 0x1af4);
	CHECK_EQ(id.device, 0x1041);
	CHECK_EQ(id.subsys_vendor, 0x1af4);
	CHECK_EQ(id.subsys_device, 0x1041);
	CHECK_EQ(id.class, 0x020000);
	REQUIRE(inv_sysfs_parse_modalias("pci:v000015b3d0000101esv000015B3sd00000016bc02sc07i01",
					 &id) == 0);
	CHECK_EQ(id.device, 0x101e);
	CHECK_EQ(id.subsys_device, 0x16);
	CHECK_EQ(id.class, 0x020701);
	/* every truncation fails, and so does one byte more */
	for (size_t n = 0; n < sizeof(real) - 1; n++) {
		memcpy(buf, real, n);
		buf[n] = '\0';
		CHECK_EQ(inv_sysfs_parse_modalias(buf, &id), -EINVAL);
	}
	snprintf(buf, sizeof(buf), "%s0", real);
	CHECK_EQ(inv_sysfs_parse_modalias(buf, &id), -EINVAL);
	/* a 16-bit ID cannot have its upper half set; wrong tags */
	CHECK_EQ(inv_sysfs_parse_modalias("pci:v00011AF4d00001041sv00001AF4sd00001041bc02sc00i00",
					  &id),
		 -EINVAL);
	CHECK_EQ(inv_sysfs_parse_modalias("usb:v00001AF4d00001041sv00001AF4sd00001041bc02sc00i00",
					  &id),
		 -EINVAL);
	CHECK_EQ(inv_sysfs_parse_modalias("pci:v00001AF4d00001041sv00001AF4sd00001041bc02sc00i0g",
					  &id),
		 -EINVAL);
}

static void test_parse_guid(void)
{
	static const char real[] = "b8ce:f603:0000:0001";
	static const uint8_t want[8] = { 0xb8, 0xce, 0xf6, 0x03, 0, 0, 0, 1 };
	uint8_t g[8];
	char buf[sizeof(real) + 1];

	REQUIRE(inv_sysfs_parse_guid(real, g) == 0);
	CHECK_MEM(g, want, 8);
	CHECK(inv_sysfs_parse_guid("B8CE:F603:0000:0001", g) == 0);
	for (size_t n = 0; n < sizeof(real) - 1; n++) {
		memcpy(buf, real, n);
		buf[n] = '\0';
		CHECK_EQ(inv_sysfs_parse_guid(buf, g), -EINVAL);
	}
	snprintf(buf, sizeof(buf), "%s0", real);
	CHECK_EQ(inv_sysfs_parse_guid(buf, g), -EINVAL);
	CHECK_EQ(inv_sysfs_parse_guid("b8ce-f603-0000-0001", g), -EINVAL);
	CHECK_EQ(inv_sysfs_parse_guid("b8ce:f603:0000:001", g), -EINVAL);
}

static void test_join_link(void)
{
	char out[128];

	REQUIRE(inv_sysfs_join_link("class/net/eth0",
				    "../../devices/pci0000:00/0000:00:03.0/virtio2/net/eth0", out,
				    sizeof(out)) == 0);
	CHECK_STR(out, "/sys/devices/pci0000:00/0000:00:03.0/virtio2/net/eth0");
	REQUIRE(inv_sysfs_join_link("bus/pci/devices/0000:00:03.0",
				    "../../../devices/pci0000:00/0000:00:03.0", out,
				    sizeof(out)) == 0);
	CHECK_STR(out, "/sys/devices/pci0000:00/0000:00:03.0");
	REQUIRE(inv_sysfs_join_link("x", "./a/./b//c/", out, sizeof(out)) == 0);
	CHECK_STR(out, "/sys/a/b/c");
	/* ".." never climbs above "/" */
	REQUIRE(inv_sysfs_join_link("a/b", "../../../../../x", out, sizeof(out)) == 0);
	CHECK_STR(out, "/x");
	REQUIRE(inv_sysfs_join_link("a", "../..", out, sizeof(out)) == 0);
	CHECK_STR(out, "/");
	REQUIRE(inv_sysfs_join_link("class/net/x", "/sys/devices/virtual/net/x", out,
				    sizeof(out)) == 0);
	CHECK_STR(out, "/sys/devices/virtual/net/x");
	CHECK_EQ(inv_sysfs_join_link("class/net/x", "", out, sizeof(out)), -EINVAL);
	/* exactly at the buffer size, and one byte short */
	CHECK_EQ(inv_sysfs_join_link("q", "abc", out, sizeof("/sys/abc")), 0);
	CHECK_STR(out, "/sys/abc");
	CHECK_EQ(inv_sysfs_join_link("q", "abc", out, sizeof("/sys/abc") - 1), -EMSGSIZE);
	CHECK_EQ(inv_sysfs_join_link("q", "abc", out, 1), -EMSGSIZE);
}

static void test_pcie_root(void)
{
	char out[32];

	REQUIRE(inv_sysfs_pcie_root("/sys/devices/pci0000:8c/0000:8c:00.0/0000:8d:00.0/"
				    "0000:8e:02.0/0000:91:00.0",
				    "0000:91:00.0", out, sizeof(out)) == 0);
	CHECK_STR(out, "pci0000:8c");
	REQUIRE(inv_sysfs_pcie_root("/sys/devices/pci0000:00/0000:00:03.0", "0000:00:03.0", out,
				    sizeof(out)) == 0);
	CHECK_STR(out, "pci0000:00");
	/* exactly fits: "pci0000:00" + NUL */
	CHECK_EQ(inv_sysfs_pcie_root("/sys/devices/pci0000:00/0000:00:03.0", "0000:00:03.0", out,
				     11),
		 0);
	CHECK_EQ(inv_sysfs_pcie_root("/sys/devices/pci0000:00/0000:00:03.0", "0000:00:03.0", out,
				     10),
		 -EINVAL);
	/* the k8s helper wants a lower-case 4-digit-domain BDF at the end */
	CHECK_EQ(inv_sysfs_pcie_root("/sys/devices/pci0000:00/0000:00:0A.0", "0000:00:0A.0", out,
				     sizeof(out)),
		 -EINVAL);
	CHECK_EQ(inv_sysfs_pcie_root("/sys/devices/pci0000:00/0000:00:03.0", "00:03.0", out,
				     sizeof(out)),
		 -EINVAL);
	CHECK_EQ(inv_sysfs_pcie_root("/sys/devices/pci0000:00/0000:00:03.0", "0000:00:04.0", out,
				     sizeof(out)),
		 -EINVAL);
	CHECK_EQ(inv_sysfs_pcie_root("/sys/devices/platform/0000:00:03.0", "0000:00:03.0", out,
				     sizeof(out)),
		 -EINVAL);
	CHECK_EQ(inv_sysfs_pcie_root("/sys/bus/pci/devices/0000:00:03.0", "0000:00:03.0", out,
				     sizeof(out)),
		 -EINVAL);
}

/* --------------------------------------------------------- sysfs readers */

static void test_pci_read(void)
{
	struct inv_sysfs_pci p;
	int fd = open_sys(FIXTURE);

	REQUIRE(fd >= 0);
	REQUIRE(inv_sysfs_pci_read(fd, "0000:91:00.0", false, &p, NULL) == 0);
	CHECK_EQ(p.ids.vendor, 0x15b3);
	CHECK_EQ(p.ids.device, 0x101d);
	CHECK_EQ(p.ids.subsys_device, 0x0016);
	CHECK_EQ(p.ids.class, 0x020000);
	CHECK(p.has_numa && p.numa_node == 1);
	CHECK_STR(p.driver, "mlx5_core");
	CHECK_STR(p.pcie_root, "pci0000:8c"); /* four bridge levels up */
	CHECK_STR(p.rdma, "mlx5_0");
	/* ids only: nothing else read */
	REQUIRE(inv_sysfs_pci_read(fd, "0000:91:00.0", true, &p, NULL) == 0);
	CHECK(!p.has_numa && !p.driver[0] && !p.pcie_root[0]);
	REQUIRE(inv_sysfs_pci_read(fd, "0000:00:03.0", false, &p, NULL) == 0);
	CHECK(!p.has_numa && p.numa_node == -1);
	CHECK_STR(p.driver, "virtio-pci");
	CHECK_STR(p.pcie_root, "pci0000:00");
	CHECK_STR(p.rdma, "");
	REQUIRE(inv_sysfs_pci_read(fd, "0000:00:04.0", false, &p, NULL) == 0);
	CHECK_STR(p.driver, "vfio-pci");
	CHECK(inv_sysfs_is_userspace_driver(p.driver));
	CHECK(!inv_sysfs_is_userspace_driver("mlx5_core"));
	CHECK(inv_sysfs_is_userspace_driver("uio_pci_generic") &&
	      inv_sysfs_is_userspace_driver("igb_uio") &&
	      inv_sysfs_is_userspace_driver("pci-stub"));
	REQUIRE(inv_sysfs_pci_read(fd, "0000:00:05.0", false, &p, NULL) == 0);
	CHECK_STR(p.driver, "");
	CHECK(p.has_numa && p.numa_node == 0);
	REQUIRE(inv_sysfs_pci_read(fd, "0000:8e:02.0", false, &p, NULL) == 0);
	CHECK_EQ(p.ids.class, 0x060400);
	REQUIRE(inv_sysfs_pci_read(fd, "0000:91:00.3", false, &p, NULL) == 0);
	CHECK_STR(p.rdma, "mlx5_2");
	CHECK_EQ(inv_sysfs_pci_read(fd, "0000:99:00.0", false, &p, NULL), -ENOENT);
	close(fd);
}

static void test_netdev_read(void)
{
	struct inv_sysfs_netdev nd;
	int fd = open_sys(FIXTURE);

	REQUIRE(fd >= 0);
	REQUIRE(inv_sysfs_netdev_read(fd, "eth0", &nd, NULL) == 0);
	CHECK(nd.resolved && !nd.is_virtual && nd.has_pci);
	CHECK_STR(nd.bdf, "0000:00:03.0"); /* through virtio2 */
	CHECK(nd.sriov_totalvfs == -1 && !nd.is_vf && !nd.rdma[0]);
	REQUIRE(inv_sysfs_netdev_read(fd, "ens1f0np0", &nd, NULL) == 0);
	CHECK_STR(nd.bdf, "0000:91:00.0"); /* the deepest of five PCI components */
	CHECK(nd.sriov_totalvfs == 8 && nd.sriov_numvfs == 2 && !nd.is_vf);
	CHECK_STR(nd.rdma, "mlx5_0");
	REQUIRE(inv_sysfs_netdev_read(fd, "ens1f0v0", &nd, NULL) == 0);
	CHECK_STR(nd.bdf, "0000:91:00.2");
	CHECK(nd.is_vf && nd.sriov_totalvfs == -1);
	CHECK_STR(nd.rdma, "mlx5_1");
	REQUIRE(inv_sysfs_netdev_read(fd, "enx00e04c680001", &nd, NULL) == 0);
	CHECK(!nd.is_virtual && nd.has_pci);
	CHECK_STR(nd.bdf, "0000:00:14.0"); /* the USB controller */
	REQUIRE(inv_sysfs_netdev_read(fd, "veth0", &nd, NULL) == 0);
	CHECK(nd.resolved && nd.is_virtual && !nd.has_pci && nd.sriov_totalvfs == -1);
	CHECK_EQ(inv_sysfs_netdev_read(fd, "nope0", &nd, NULL), -ENOENT);
	CHECK(!nd.resolved);
	CHECK_EQ(inv_sysfs_netdev_read(fd, "", &nd, NULL), -EINVAL);
	CHECK_EQ(inv_sysfs_netdev_read(fd, "..", &nd, NULL), -EINVAL);
	CHECK_EQ(inv_sysfs_netdev_read(fd, "a/b", &nd, NULL), -EINVAL);
	CHECK_EQ(inv_sysfs_netdev_read(fd, "0123456789abcdef", &nd, NULL), -EINVAL);
	close(fd);
}

static const uint8_t ib0_addr[20] = { 0x00, 0x00, 0x10, 0x87, 0xfe, 0x80, 0,	0,    0,    0,
				      0,    0,	  0xb8, 0x59, 0x9f, 0x03, 0x00, 0xc1, 0x2a, 0x3e };

static void test_rdma_read(void)
{
	struct arena *a = arena_new(1 << 20);
	struct inv_rdma r;
	int fd = open_sys(FIXTURE);
	uint8_t other[20];

	REQUIRE(a && fd >= 0);
	REQUIRE(inv_rdma_read(fd, a, &r, NULL) == 0);
	REQUIRE(r.n_dev == 6);
	CHECK_STR(r.dev[0].name, "erdma_0");
	CHECK(r.dev[0].has_pci);
	CHECK_STR(r.dev[0].bdf, "0000:00:06.0");
	CHECK_STR(r.dev[1].name, "mlx5_0");
	CHECK_STR(r.dev[1].bdf, "0000:91:00.0");
	CHECK_STR(r.dev[5].name, "rxe0");
	CHECK(!r.dev[5].has_pci); /* software RDMA: no device link */
	/* ens1f0np0 twice in mlx5_0's table, once each elsewhere */
	CHECK_EQ(r.n_ndev, 3);
	CHECK_STR(inv_rdma_by_netdev(&r, "ens1f0np0"), "mlx5_0");
	CHECK_STR(inv_rdma_by_netdev(&r, "ens1f0v0"), "mlx5_1");
	CHECK_STR(inv_rdma_by_netdev(&r, "veth0"), "rxe0");
	/* exact names only (upstream weakness 27) */
	CHECK(inv_rdma_by_netdev(&r, "ens1f0") == NULL);
	CHECK(inv_rdma_by_netdev(&r, "ens1f0np") == NULL);
	CHECK(inv_rdma_by_netdev(&r, "ens1f0np00") == NULL);
	CHECK(inv_rdma_by_netdev(&r, "") == NULL);
	CHECK_STR(inv_rdma_by_ipoib(&r, ib0_addr, sizeof(ib0_addr)), "mlx5_4");
	CHECK(inv_rdma_by_ipoib(&r, ib0_addr, 19) == NULL);
	memcpy(other, ib0_addr, sizeof(other));
	other[19] ^= 1;
	CHECK(inv_rdma_by_ipoib(&r, other, sizeof(other)) == NULL);
	close(fd);
	/* no class/infiniband at all */
	fd = open_sys("tests/data/sysfs/empty");
	REQUIRE(fd >= 0);
	REQUIRE(inv_rdma_read(fd, a, &r, NULL) == 0);
	CHECK(r.n_dev == 0 && r.n_ndev == 0);
	CHECK(inv_rdma_by_netdev(&r, "veth0") == NULL);
	close(fd);
	arena_free(a);
}

/* ------------------------------------------------------- uplinks, reasons */

static struct nl_route defroute(uint8_t family, uint32_t table, uint32_t metric, int oif)
{
	return (struct nl_route){ .family = family,
				  .table = table,
				  .priority = metric,
				  .type = RTN_UNICAST,
				  .oif = oif };
}

static void test_uplinks(void)
{
	struct arena *a = arena_new(1 << 20);
	struct nl_route rt[8];
	struct nl_rule rules[3] = {
		{ .family = AF_INET, .action = FR_ACT_TO_TBL, .table = RT_TABLE_LOCAL },
		{ .family = AF_INET, .action = FR_ACT_TO_TBL, .table = 100, .src_len = 24 },
		{ .family = AF_INET, .action = FR_ACT_BLACKHOLE, .table = 0 },
	};
	struct inv_uplink *up;
	size_t n;

	REQUIRE(a);
	rt[0] = defroute(AF_INET, RT_TABLE_MAIN, 100, 2); /* lowest v4 main */
	rt[1] = defroute(AF_INET, RT_TABLE_MAIN, 200, 3); /* higher metric: not an uplink */
	rt[2] = defroute(AF_INET, RT_TABLE_MAIN, 100, 4); /* tie: kept */
	rt[3] = defroute(AF_INET6, RT_TABLE_MAIN, 1024, 0); /* ECMP */
	rt[3].n_nh = 2;
	rt[3].nh[0].ifindex = 5;
	rt[3].nh[1].ifindex = 6;
	rt[4] = defroute(AF_INET6, RT_TABLE_MAIN, 1, 0); /* unreachable default: ignored */
	rt[4].type = RTN_UNREACHABLE;
	rt[5] = defroute(AF_INET, 100, 0, 7); /* gateway-less, table a rule reaches */
	rt[6] = defroute(AF_INET, 200, 0, 8); /* table no rule reaches */
	rt[7] = defroute(AF_INET, RT_TABLE_MAIN, 50, 9); /* not a default route */
	rt[7].dst_len = 8;
	REQUIRE(inv_uplinks(rt, 8, rules, 3, a, &up, &n) == 0);
	REQUIRE(n == 5);
	CHECK(up[0].ifindex == 2 && up[0].family == AF_INET && up[0].metric == 100);
	CHECK(up[1].ifindex == 4 && up[1].table == RT_TABLE_MAIN);
	CHECK(up[2].ifindex == 5 && up[2].family == AF_INET6 && up[2].metric == 1024);
	CHECK(up[3].ifindex == 6 && up[3].family == AF_INET6);
	CHECK(up[4].ifindex == 7 && up[4].table == 100 && up[4].metric == 0);
	/* without rules only main counts */
	REQUIRE(inv_uplinks(rt, 8, NULL, 0, a, &up, &n) == 0);
	CHECK_EQ(n, 4);
	REQUIRE(inv_uplinks(NULL, 0, NULL, 0, a, &up, &n) == 0);
	CHECK_EQ(n, 0);
	arena_free(a);
}

static struct nl_link mklink(int ifindex, const char *name, const char *kind)
{
	struct nl_link l = { .ifindex = ifindex, .type = ARPHRD_ETHER, .link_netnsid = -1 };

	snprintf(l.name, sizeof(l.name), "%s", name);
	snprintf(l.kind, sizeof(l.kind), "%s", kind);
	l.operstate = IF_OPER_UP;
	l.mtu = 1500;
	l.addr_len = 6;
	l.addr[0] = 2;
	l.addr[5] = (uint8_t)ifindex;
	return l;
}

static void test_exclusions(void)
{
	struct arena *a = arena_new(1 << 20);
	struct nl_link l[12];
	const struct nl_link *lp[12];
	const char *why[12];
	struct inv_uplink up[3] = {
		{ .ifindex = 3, .family = AF_INET, .table = RT_TABLE_MAIN, .metric = 0 },
		{ .ifindex = 3, .family = AF_INET6, .table = RT_TABLE_MAIN, .metric = 1024 },
		{ .ifindex = 9, .family = AF_INET6, .table = 100, .metric = 5 },
	};

	REQUIRE(a);
	l[0] = mklink(1, "lo", "");
	l[0].flags = IFF_LOOPBACK;
	l[1] = mklink(2, "eth0", ""); /* lower of vlan3 */
	l[2] = mklink(3, "mv0", "macvlan"); /* the uplink, on vlan */
	l[2].link = 4;
	l[3] = mklink(4, "vlan3", "vlan");
	l[3].link = 2;
	l[4] = mklink(5, "br0", "bridge");
	l[5] = mklink(6, "vx0", "veth");
	l[5].master = 5;
	l[6] = mklink(7, "docker0", "bridge");
	l[7] = mklink(8, "bond0", "bond");
	l[8] = mklink(9, "v9", "veth"); /* uplink whose peer is here */
	l[8].link = 10;
	l[9] = mklink(10, "v10", "veth");
	l[9].link = 9;
	l[10] = mklink(11, "ib0", "ipoib");
	l[11] = mklink(12, "loop1", "macvlan"); /* IFLA_LINK loop, master gone */
	l[11].link = 12;
	l[11].master = 99;
	for (int i = 0; i < 12; i++)
		lp[i] = &l[i];
	REQUIRE(inv_exclusions(lp, 12, up, 3, true, a, why) == 0);
	CHECK_STR(why[0], "loopback");
	CHECK_STR(why[1], "lower device of uplink mv0");
	CHECK_STR(why[2], "uplink of the default route (ipv4, metric 0)");
	CHECK_STR(why[3], "lower device of uplink mv0");
	CHECK_STR(why[4], "bridge");
	CHECK_STR(why[5], "enslaved to br0");
	CHECK_STR(why[6], "ignored name");
	CHECK_STR(why[7], "bond");
	CHECK_STR(why[8], "uplink of the default route (ipv6, table 100, metric 5)");
	CHECK_STR(why[9], "veth peer of uplink v9");
	CHECK(why[10] == NULL);
	CHECK_STR(why[11], "enslaved to ifindex 99");
	/* the other kinds the kernel will not move, and tunnel modules' fallback devices */
	{
		struct nl_link k[5];
		const struct nl_link *kp[5];
		const char *kwhy[5];

		k[0] = mklink(1, "vrf-blue", "vrf");
		k[1] = mklink(2, "hsr0", "hsr");
		k[2] = mklink(3, "tunl0", "ipip");
		k[3] = mklink(4, "gre0", "gre");
		k[4] = mklink(5, "tunl0x", "ipip"); /* a tunnel a user made: movable */
		for (int i = 0; i < 5; i++)
			kp[i] = &k[i];
		REQUIRE(inv_exclusions(kp, 5, NULL, 0, true, a, kwhy) == 0);
		CHECK_STR(kwhy[0], "vrf");
		CHECK_STR(kwhy[1], "hsr");
		CHECK_STR(kwhy[2], "fallback tunnel device");
		CHECK_STR(kwhy[3], "fallback tunnel device");
		CHECK(kwhy[4] == NULL);
	}
	/* --move-ib-interfaces=false; a lower device in another namespace is not followed */
	l[2].link_netnsid = 0;
	REQUIRE(inv_exclusions(lp, 12, up, 3, false, a, why) == 0);
	CHECK_STR(why[10], "ipoib link, --move-ib-interfaces=false");
	CHECK(why[1] == NULL && why[3] == NULL);
	/* no uplinks */
	REQUIRE(inv_exclusions(lp, 12, NULL, 0, true, a, why) == 0);
	CHECK(why[2] == NULL && why[8] == NULL && why[9] == NULL);
	arena_free(a);
}

/* --------------------------------------------------- a whole fixture scan */

static void add_addr(struct nl_addr *v, size_t *n, int ifindex, uint8_t family, const char *s,
		     uint8_t plen)
{
	struct nl_addr *x = &v[(*n)++];

	memset(x, 0, sizeof(*x));
	x->ifindex = ifindex;
	x->family = family;
	x->prefixlen = plen;
	REQUIRE(inet_pton(family, s, x->addr) == 1);
}

struct fixture {
	struct arena *a;
	struct inv_pcidb *db;
	int sysfd;
	struct nl_link links[12];
	struct nl_addr addrs[24];
	struct nl_route routes[2];
	struct inv_nl_state nl;
};

static bool fixture_init(struct fixture *f)
{
	struct nl_link *l = f->links;
	size_t na = 0;

	memset(f, 0, sizeof(*f));
	f->a = arena_new(ARENA_CAP_DEFAULT);
	f->sysfd = open_sys(FIXTURE);
	if (!f->a || f->sysfd < 0 || inv_pcidb_open("", PCI_IDS, &f->db) < 0)
		return false;
	l[0] = mklink(1, "lo", "");
	l[0].flags = IFF_LOOPBACK;
	l[0].type = ARPHRD_LOOPBACK;
	l[1] = mklink(2, "eth0", "");
	l[2] = mklink(3, "ens1f0np0", "");
	l[3] = mklink(4, "ens1f0v0", "");
	l[4] = mklink(5, "ib0", "ipoib");
	l[4].type = ARPHRD_INFINIBAND;
	l[4].addr_len = 20;
	memcpy(l[4].addr, ib0_addr, 20);
	l[4].mtu = 2044;
	l[5] = mklink(6, "ib0.8001", "ipoib");
	l[5].type = ARPHRD_INFINIBAND;
	l[5].addr_len = 20;
	l[6] = mklink(7, "enx00e04c680001", "");
	l[7] = mklink(8, "veth0", "veth");
	memset(l[7].alias, 'x', 100); /* over 64 bytes: left out */
	l[8] = mklink(9, "br0", "bridge");
	l[9] = mklink(10, "veth1", "veth"); /* no sysfs entry in the fixture */
	l[9].master = 9;
	l[10] = mklink(11, "docker0", "bridge");
	l[11] = mklink(12, "tap0", "tun");
	l[11].operstate = IF_OPER_DOWN;
	add_addr(f->addrs, &na, 2, AF_INET, "10.0.0.5", 24);
	add_addr(f->addrs, &na, 2, AF_INET6, "fe80::1", 64); /* link-local: never */
	for (int i = 0; i < 8; i++) {
		char s[32];

		snprintf(s, sizeof(s), "192.168.100.%d", 200 - i * 10);
		add_addr(f->addrs, &na, 8, AF_INET, s, 24);
	}
	add_addr(f->addrs, &na, 8, AF_INET, "169.254.1.1", 16);
	add_addr(f->addrs, &na, 8, AF_INET6, "fd00::1", 64); /* ULA: published */
	add_addr(f->addrs, &na, 8, AF_INET6, "2001:db8::1", 64);
	add_addr(f->addrs, &na, 3, AF_INET, "10.1.0.10", 24);
	add_addr(f->addrs, &na, 3, AF_INET, "10.1.0.2", 24);
	f->routes[0] = defroute(AF_INET, RT_TABLE_MAIN, 100, 2);
	f->routes[1] = defroute(AF_INET, RT_TABLE_MAIN, 200, 7);
	f->nl = (struct inv_nl_state){ .links = f->links,
				       .n_links = 12,
				       .addrs = f->addrs,
				       .n_addrs = na,
				       .routes = f->routes,
				       .n_routes = 2 };
	return true;
}

static void fixture_fini(struct fixture *f)
{
	inv_pcidb_free(f->db);
	if (f->sysfd >= 0)
		close(f->sysfd);
	arena_free(f->a);
}

static void test_scan_fixture(void)
{
	struct inv_opts o = { .move_ib_interfaces = true };
	const struct inv_device *d;
	struct fixture f;
	struct inv_scan s;

	REQUIRE(fixture_init(&f));
	REQUIRE(inv_scan_build(f.sysfd, f.db, &o, &f.nl, f.a, &s) == 0);
	check_limits(&s);
	for (size_t i = 0; i < s.n; i++)
		printf("  %-34s %s\n", s.dev[i].name,
		       s.dev[i].excluded ? s.dev[i].excluded : "published");
	/* the VGA function and the PCIe bridges are no devices */
	CHECK(!dev_by_name(&s, "pci-0000-00-01-0") && !dev_by_name(&s, "pci-0000-8e-02-0"));
	CHECK(!dev_by_name(&s, "pci-0000-00-14-0"));
	CHECK_EQ(s.n, 16);

	/* the PF four bridge levels deep, with its netdev merged */
	d = dev_by_name(&s, "pci-0000-91-00-0");
	REQUIRE(d);
	CHECK(d->excluded == NULL);
	CHECK_STR(d->pci, "0000:91:00.0");
	CHECK_STR(attr_s(d, "dra.net/pciAddress"), "0000:91:00.0");
	CHECK_STR(attr_s(d, "dra.net/pciVendor"), "Mellanox Technologies");
	CHECK_STR(attr_s(d, "dra.net/pciDevice"), "MT2892 Family [ConnectX-6 Dx]");
	CHECK_STR(attr_s(d, "dra.net/pciSubsystem"), "0016");
	CHECK_EQ(attr_i(d, "dra.net/numaNode"), 1);
	CHECK_EQ(attr_i(d, "resource.kubernetes.io/numaNode"), 1);
	CHECK_STR(attr_s(d, "resource.kubernetes.io/pcieRoot"), "pci0000:8c");
	CHECK_STR(attr_s(d, "dra.net/ifName"), "ens1f0np0");
	CHECK_EQ(d->ifindex, 3);
	CHECK_EQ(attr_b(d, "dra.net/sriov"), 1);
	CHECK_EQ(attr_i(d, "dra.net/sriovVfs"), 2);
	CHECK_EQ(attr_b(d, "dra.net/isSriovVf"), -1); /* only when true */
	CHECK_EQ(attr_b(d, "dra.net/virtual"), 0);
	CHECK_EQ(attr_b(d, "dra.net/rdma"), 1);
	CHECK_STR(attr_s(d, "dra.net/rdmaDevice"), "mlx5_0");
	CHECK_STR(attr_s(d, "dra.net/ipv4"), "10.1.0.10/24,10.1.0.2/24"); /* bytewise */
	CHECK_STR(attr_s(d, "dra.net/type"), "device");
	CHECK_STR(attr_s(d, "dra.net/encapsulation"), "ether");
	CHECK_STR(attr_s(d, "dra.net/state"), "up");
	CHECK_STR(attr_s(d, "dra.net/alias"), "");
	CHECK_STR(attr_s(d, "dra.net/mac"), "02:00:00:00:00:03");
	CHECK_EQ(attr_i(d, "dra.net/mtu"), 1500);

	d = dev_by_name(&s, "pci-0000-91-00-2");
	REQUIRE(d);
	CHECK_STR(attr_s(d, "dra.net/pciDevice"), "ConnectX Family mlx5Gen Virtual Function");
	CHECK_EQ(attr_b(d, "dra.net/isSriovVf"), 1);
	CHECK_EQ(attr_b(d, "dra.net/sriov"), 0);
	CHECK_STR(attr_s(d, "dra.net/rdmaDevice"), "mlx5_1");
	/* netdev-less RDMA function */
	d = dev_by_name(&s, "pci-0000-91-00-3");
	REQUIRE(d);
	CHECK(d->excluded == NULL && d->ifname == NULL && d->ifindex == 0);
	CHECK(attr_s(d, "dra.net/ifName") == NULL);
	CHECK_EQ(attr_b(d, "dra.net/rdma"), 1);
	CHECK_STR(attr_s(d, "dra.net/rdmaDevice"), "mlx5_2");
	CHECK_EQ(attr_i(d, "resource.kubernetes.io/numaNode"), 1);

	/* the uplink (lowest metric), merged into its PCI function */
	d = dev_by_name(&s, "pci-0000-00-03-0");
	REQUIRE(d);
	CHECK_STR(d->excluded, "uplink of the default route (ipv4, metric 100)");
	CHECK_STR(attr_s(d, "dra.net/ifName"), "eth0");
	CHECK_STR(attr_s(d, "dra.net/pciVendor"), "Red Hat, Inc.");
	CHECK_EQ(attr_i(d, "dra.net/numaNode"), -999); /* numa_node -1 */
	CHECK_EQ(attr_i(d, "resource.kubernetes.io/numaNode"), -999);
	CHECK_STR(attr_s(d, "dra.net/ipv4"), "10.0.0.5/24");
	CHECK(attr_s(d, "dra.net/ipv6") == NULL);
	CHECK_EQ(attr_b(d, "dra.net/rdma"), 0);
	CHECK(attr_s(d, "dra.net/rdmaDevice") == NULL);

	/* skipped functions stay visible with the reason */
	d = dev_by_name(&s, "pci-0000-00-04-0");
	REQUIRE(d);
	CHECK_STR(d->excluded, "bound to userspace driver vfio-pci");
	CHECK_STR(attr_s(d, "dra.net/pciDevice"), "82599ES 10-Gigabit SFI/SFP+ Network Connection");
	d = dev_by_name(&s, "pci-0000-00-05-0");
	REQUIRE(d);
	CHECK_STR(d->excluded, "no driver bound");

	/* a standalone RDMA function of class 00ff; its long product name is cut */
	d = dev_by_name(&s, "pci-0000-00-06-0");
	REQUIRE(d);
	CHECK(d->excluded == NULL);
	CHECK_STR(attr_s(d, "dra.net/rdmaDevice"), "erdma_0");
	CHECK_EQ(attr_b(d, "dra.net/rdma"), 1);
	CHECK_EQ(attr_i(d, "dra.net/numaNode"), 0);
	CHECK_STR(attr_s(d, "resource.kubernetes.io/pcieRoot"), "pci0000:00");
	CHECK_STR(attr_s(d, "dra.net/pciDevice"),
		  "Elastic RDMA Adapter with a product name much longer than sixty-");
	CHECK_STR(attr_s(d, "dra.net/pciVendor"), "Alibaba (China) Co., Ltd.");

	/* IPoIB: RDMA by node GUID; its child is a second netdev of the function */
	d = dev_by_name(&s, "pci-0000-00-07-0");
	REQUIRE(d);
	CHECK_STR(attr_s(d, "dra.net/ifName"), "ib0");
	CHECK_STR(attr_s(d, "dra.net/rdmaDevice"), "mlx5_4");
	CHECK_STR(attr_s(d, "dra.net/encapsulation"), "infiniband");
	CHECK_STR(attr_s(d, "dra.net/type"), "ipoib");
	CHECK_STR(attr_s(d, "dra.net/mac"),
		  "00:00:10:87:fe:80:00:00:00:00:00:00:b8:59:9f:03:00:c1:2a:3e");
	d = dev_by_ifname(&s, "ib0.8001");
	REQUIRE(d);
	CHECK_STR(d->name, "pci-0000-00-07-0-nfrdalrygaydc");
	CHECK_STR(attr_s(d, "dra.net/pciAddress"), "0000:00:07.0");
	/* its GUID is not mlx5_4's: the function's infiniband/ entry names it */
	CHECK_STR(attr_s(d, "dra.net/rdmaDevice"), "mlx5_4");

	/* a USB NIC: a device of its own, named by its interface, no PCI attributes */
	d = dev_by_name(&s, "enx00e04c680001");
	REQUIRE(d);
	CHECK(d->excluded == NULL && d->pci == NULL);
	CHECK(attr_s(d, "dra.net/pciAddress") == NULL);
	CHECK_EQ(attr_b(d, "dra.net/virtual"), 0);

	/* soft-RoCE on a veth; the long alias is left out; the ipv4 list is cut at 64 */
	d = dev_by_name(&s, "veth0");
	REQUIRE(d);
	CHECK_STR(attr_s(d, "dra.net/rdmaDevice"), "rxe0");
	CHECK_EQ(attr_b(d, "dra.net/virtual"), 1);
	CHECK(attr_s(d, "dra.net/alias") == NULL);
	CHECK_STR(attr_s(d, "dra.net/ipv4"),
		  "192.168.100.130/24,192.168.100.140/24,192.168.100.150/24");
	CHECK_STR(attr_s(d, "dra.net/ipv6"), "2001:db8::1/64,fd00::1/64");
	CHECK_STR(attr_s(d, "dra.net/type"), "veth");

	d = dev_by_name(&s, "lo");
	CHECK(d && d->excluded && strcmp(d->excluded, "loopback") == 0);
	d = dev_by_name(&s, "br0");
	CHECK(d && d->excluded && strcmp(d->excluded, "bridge") == 0);
	d = dev_by_name(&s, "veth1");
	REQUIRE(d);
	CHECK_STR(d->excluded, "enslaved to br0");
	CHECK_EQ(attr_b(d, "dra.net/virtual"), -1); /* no sysfs entry: unknown */
	d = dev_by_name(&s, "docker0");
	CHECK(d && d->excluded && strcmp(d->excluded, "ignored name") == 0);
	d = dev_by_name(&s, "tap0");
	REQUIRE(d);
	CHECK_STR(attr_s(d, "dra.net/type"), "tuntap");
	CHECK_STR(attr_s(d, "dra.net/state"), "down");
	/* the higher-metric default route's device is published */
	d = dev_by_name(&s, "enx00e04c680001");
	CHECK(d && d->excluded == NULL);
	CHECK(s.n_warnings >= 2); /* the alias, veth1's sysfs, the cut name */
	fixture_fini(&f);
}

static void test_scan_fixture_no_ib_move(void)
{
	struct inv_opts o = { .move_ib_interfaces = false };
	const struct inv_device *d;
	struct fixture f;
	struct inv_scan s, s2;

	REQUIRE(fixture_init(&f));
	REQUIRE(inv_scan_build(f.sysfd, f.db, &o, &f.nl, f.a, &s) == 0);
	check_limits(&s);
	/* the function is published as an IB-only RDMA device, its IPoIB links are not */
	d = dev_by_name(&s, "pci-0000-00-07-0");
	REQUIRE(d);
	CHECK(d->excluded == NULL && d->ifname == NULL);
	CHECK_STR(attr_s(d, "dra.net/rdmaDevice"), "mlx5_4");
	d = dev_by_ifname(&s, "ib0");
	REQUIRE(d);
	CHECK_STR(d->excluded, "ipoib link, --move-ib-interfaces=false");
	CHECK_STR(d->name, "ib0"); /* not merged, so named by its interface */
	/* the same input gives the same scan */
	REQUIRE(inv_scan_build(f.sysfd, f.db, &o, &f.nl, f.a, &s2) == 0);
	CHECK(inv_scan_equal(&s, &s2));
	o.move_ib_interfaces = true;
	REQUIRE(inv_scan_build(f.sysfd, f.db, &o, &f.nl, f.a, &s2) == 0);
	CHECK(!inv_scan_equal(&s, &s2));
	fixture_fini(&f);
}

static void test_scan_fixture_empty(void)
{
	struct inv_opts o = { .move_ib_interfaces = true };
	struct inv_nl_state nl = { 0 };
	struct arena *a = arena_new(1 << 20);
	int fd = open_sys("tests/data/sysfs/empty");
	struct inv_scan s;

	REQUIRE(a && fd >= 0);
	REQUIRE(inv_scan_build(fd, NULL, &o, &nl, a, &s) == 0);
	CHECK_EQ(s.n, 0);
	CHECK_EQ(s.n_warnings, 0);
	close(fd);
	arena_free(a);
}

/* An arena cap sweep: every cap fails cleanly with -ENOMEM or succeeds. */
static void test_scan_fixture_arena_caps(void)
{
	struct inv_opts o = { .move_ib_interfaces = true };
	struct fixture f;
	struct inv_scan s;
	int ok = 0;

	REQUIRE(fixture_init(&f));
	for (size_t cap = 0; cap < (400u << 10); cap += cap < 8192 ? 512 : 4096) {
		struct arena *a = arena_new(cap);
		int ret;

		if (!a)
			continue;
		ret = inv_scan_build(f.sysfd, f.db, &o, &f.nl, a, &s);
		CHECK(ret == 0 || ret == -ENOMEM);
		if (ret == 0) {
			ok++;
			CHECK_EQ(s.n, 16);
		}
		arena_free(a);
	}
	CHECK(ok > 0);
	fixture_fini(&f);
}

/* ---------------------------------------------------------------- live */

static int sh(const char *cmd)
{
	int ret = system(cmd);

	if (ret != 0)
		fprintf(stderr, "command failed (%d): %s\n", ret, cmd);
	return ret;
}

/* A fresh network namespace with its own sysfs at /sys (DESIGN.md test facts). */
static bool enter_netns(void)
{
	static int state; /* 0 not yet, 1 in, -1 failed */

	if (state)
		return state > 0;
	state = -1;
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) {
		perror("unshare");
		return false;
	}
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) < 0) {
		perror("mount");
		return false;
	}
	state = 1;
	return true;
}

static const char setup_cmds[] =
	"set -e\n"
	"ip link set lo up\n"
	/* many addresses: sorted and cut at 64 bytes; an alias; MTU; a down peer */
	"ip link add va0 type veth peer name vb0\n"
	"ip link set va0 mtu 9000 alias 'scan test: va0'\n"
	"for a in 10.1.0.2/24 10.1.0.3/24 10.1.0.10/24 10.1.0.11/24 10.1.0.100/24 "
	"10.1.0.200/24 169.254.3.3/16; do ip addr add $a dev va0; done\n"
	"for a in fd00:1::10/64 2001:db8:1::1/64 2001:db8:1::2/64 2001:db8:1::3/64; do "
	"ip addr add $a dev va0 nodad; done\n"
	"ip link set va0 up\n"
	/* the lowest-metric default: vc0; its peer vd0 */
	"ip link add vc0 type veth peer name vd0\n"
	"ip addr add 10.2.0.2/24 dev vc0\n"
	"ip link set vc0 up; ip link set vd0 up\n"
	"ip route add default via 10.2.0.1 dev vc0 metric 10\n"
	/* a higher metric default: not an uplink */
	"ip link add ve0 type veth peer name ve1\n"
	"ip addr add 10.4.0.2/24 dev ve0; ip link set ve0 up\n"
	"ip route add default via 10.4.0.1 dev ve0 metric 20\n"
	/* an IPv6 ECMP default over vm0 and vn0 */
	"ip link add vm0 type veth peer name vm1\n"
	"ip link add vn0 type veth peer name vn1\n"
	"ip addr add fd00:5::2/64 dev vm0 nodad; ip addr add fd00:6::2/64 dev vn0 nodad\n"
	"ip link set vm0 up; ip link set vn0 up; ip link set vm1 up; ip link set vn1 up\n"
	"ip -6 route add default metric 5 nexthop via fd00:5::1 dev vm0 nexthop via fd00:6::1 "
	"dev vn0\n"
	/* a gateway-less default in a table a rule reaches; one in a table none does */
	"ip link add vp0 type veth peer name vp1; ip link set vp0 up\n"
	"ip link add vq0 type veth peer name vq1; ip link set vq0 up\n"
	"ip rule add from 10.9.0.0/24 lookup 100\n"
	"ip route add default dev vp0 table 100\n"
	"ip route add default dev vq0 table 200\n"
	/* a macvlan on the uplink (published), and a macvlan that is an uplink */
	"ip link add mv0 link vc0 type macvlan mode bridge; ip link set mv0 up\n"
	"ip link add vr0 type veth peer name vr1; ip link set vr0 up\n"
	"ip link add mv1 link vr0 type macvlan mode bridge; ip link set mv1 up\n"
	"ip addr add 10.7.0.2/24 dev mv1\n"
	"ip route append default via 10.7.0.1 dev mv1 metric 10\n"
	/* a bridge and a veth enslaved to it */
	"ip link add br0 type bridge; ip link set br0 up\n"
	"ip link add vs0 type veth peer name vs1; ip link set vs0 master br0\n";

/* Compare every attribute the oracle prints with the scan's. */
static void check_oracle(const struct inv_scan *s)
{
	FILE *p = popen("/usr/bin/python3 tests/data/sysfs/ip-oracle.py", "r");
	char line[512];
	int rows = 0;

	REQUIRE(p);
	while (fgets(line, sizeof(line), p)) {
		char *name = strtok(line, "\t"), *key = strtok(NULL, "\t"),
		     *val = strtok(NULL, "\n");
		const struct inv_device *d;
		char full[64], got[128];
		const struct inv_attr *at;

		if (!key)
			continue;
		if (!val)
			val = "";
		rows++;
		d = dev_by_ifname(s, name);
		if (!d) {
			T_FAIL("%s: not in the scan", name);
			continue;
		}
		if (strcmp(key, "ifindex") == 0) {
			CHECK_EQ(d->ifindex, atoi(val));
			continue;
		}
		snprintf(full, sizeof(full), "dra.net/%s", key);
		at = inv_attr_get(d, full);
		if (!at) {
			T_FAIL("%s: %s missing (oracle %s)", name, full, val);
			continue;
		}
		if (at->type == INV_INT)
			snprintf(got, sizeof(got), "%lld", (long long)at->i);
		else if (at->type == INV_BOOL)
			snprintf(got, sizeof(got), "%s", at->b ? "true" : "false");
		else
			snprintf(got, sizeof(got), "%s", at->s);
		if (strcmp(got, val) != 0)
			T_FAIL("%s: %s = \"%s\", oracle \"%s\"", name, full, got, val);
	}
	CHECK(pclose(p) == 0);
	CHECK(rows > 100);
	/* nothing the oracle lacks: every ipv4/ipv6 we set, it has too (counted above) */
}

static void diff_scans(const struct inv_scan *x, const struct inv_scan *y)
{
	for (size_t i = 0; i < x->n || i < y->n; i++) {
		const struct inv_device *p = i < x->n ? &x->dev[i] : NULL,
					*q = i < y->n ? &y->dev[i] : NULL;

		if (p && q && inv_device_equal(p, q))
			continue;
		fprintf(stderr, "  differ at %zu: %s / %s\n", i, p ? p->name : "-",
			q ? q->name : "-");
		for (unsigned k = 0; p && q && k < p->n_attr && k < q->n_attr; k++)
			if (strcmp(p->attr[k].key, q->attr[k].key) ||
			    (p->attr[k].type == INV_STRING && strcmp(p->attr[k].s, q->attr[k].s)) ||
			    p->attr[k].i != q->attr[k].i || p->attr[k].b != q->attr[k].b)
				fprintf(stderr, "    %s %s / %s %s\n", p->attr[k].key,
					p->attr[k].type == INV_STRING ? p->attr[k].s : "",
					q->attr[k].key,
					q->attr[k].type == INV_STRING ? q->attr[k].s : "");
		if (p && q)
			fprintf(stderr, "    n_attr %u %u ifindex %d %d excl %s %s\n", p->n_attr,
				q->n_attr, p->ifindex, q->ifindex, p->excluded ? p->excluded : "-",
				q->excluded ? q->excluded : "-");
		return;
	}
}

/*
 * Run a change and let it settle: the kernel's linkwatch updates operstate
 * up to a second later (another RTM_NEWLINK), which would race a rescan.
 */
static int change(const char *cmd)
{
	int ret = sh(cmd);

	usleep(1100 * 1000);
	return ret;
}

/* A full rescan into @b must equal @s. */
static void check_rescan(struct inv *inv, struct arena *b, const struct inv_scan *s)
{
	struct inv_scan full;

	arena_reset(b);
	REQUIRE(inv_scan_all(inv, b, &full) == 0);
	CHECK(inv_scan_equal(s, &full));
	if (!inv_scan_equal(s, &full))
		diff_scans(s, &full);
}

static const char *why(const struct inv_scan *s, const char *ifname)
{
	const struct inv_device *d = dev_by_ifname(s, ifname);

	return !d ? "(absent)" : d->excluded ? d->excluded : "(published)";
}

static void test_live(void)
{
	struct inv_opts o = { .move_ib_interfaces = true };
	struct arena *a = NULL, *b = NULL;
	struct inv *inv = NULL;
	struct inv_scan s;
	const struct inv_device *d;
	unsigned idx, idx2;
	size_t used;

	if (geteuid() != 0) {
		printf("  test_live: skipped (needs root)\n");
		return;
	}
	REQUIRE(enter_netns());
	REQUIRE(change(setup_cmds) == 0);
	a = arena_new(ARENA_CAP_DEFAULT);
	b = arena_new(ARENA_CAP_DEFAULT);
	REQUIRE(a && b);
	REQUIRE(inv_new(&o, &inv) == 0);
	REQUIRE(inv_scan_all(inv, a, &s) == 0);
	check_limits(&s);
	for (size_t i = 0; i < s.n; i++)
		printf("  %-12s %s\n", s.dev[i].name,
		       s.dev[i].excluded ? s.dev[i].excluded : "published");
	check_oracle(&s);
	CHECK_STR(why(&s, "lo"), "loopback");
	CHECK_STR(why(&s, "vc0"), "uplink of the default route (ipv4, metric 10)");
	CHECK_STR(why(&s, "vd0"), "veth peer of uplink vc0");
	CHECK_STR(why(&s, "ve0"), "(published)");
	CHECK_STR(why(&s, "vm0"), "uplink of the default route (ipv6, metric 5)");
	CHECK_STR(why(&s, "vn0"), "uplink of the default route (ipv6, metric 5)");
	CHECK_STR(why(&s, "vm1"), "veth peer of uplink vm0");
	CHECK_STR(why(&s, "vp0"), "uplink of the default route (ipv4, table 100, metric 0)");
	CHECK_STR(why(&s, "vq0"), "(published)");
	CHECK_STR(why(&s, "mv0"), "(published)");
	CHECK_STR(why(&s, "mv1"), "uplink of the default route (ipv4, metric 10)");
	CHECK_STR(why(&s, "vr0"), "lower device of uplink mv1");
	CHECK_STR(why(&s, "br0"), "bridge");
	CHECK_STR(why(&s, "vs0"), "enslaved to br0");
	CHECK_STR(why(&s, "va0"), "(published)");
	CHECK_STR(why(&s, "vb0"), "(published)");
	d = dev_by_ifname(&s, "va0");
	REQUIRE(d);
	CHECK_STR(d->name, "va0");
	CHECK_STR(attr_s(d, "dra.net/ipv4"), "10.1.0.10/24,10.1.0.100/24,10.1.0.11/24,10.1.0.2/24");
	CHECK_STR(attr_s(d, "dra.net/alias"), "scan test: va0");
	CHECK_EQ(attr_b(d, "dra.net/virtual"), 1);
	CHECK_EQ(attr_b(d, "dra.net/rdma"), 0);

	/* one changed link re-read alone equals a full rescan */
	idx = if_nametoindex("va0");
	REQUIRE(idx > 0);
	REQUIRE(change("ip link set va0 mtu 1400 alias changed && ip addr add 10.1.0.4/24 dev va0 && "
		       "ip addr del 10.1.0.2/24 dev va0") == 0);
	CHECK_EQ(inv_scan_link(inv, a, &s, (int)idx), 1);
	check_rescan(inv, b, &s);
	CHECK_EQ(attr_i(dev_by_ifname(&s, "va0"), "dra.net/mtu"), 1400);
	used = arena_used(a);
	CHECK_EQ(inv_scan_link(inv, a, &s, (int)idx), 0); /* nothing changed since */
	/* a rebuild reuses its buffers: little new memory per event */
	CHECK(arena_used(a) - used < 200 * s.n + 16384);
	check_oracle(&s);

	/* a new pair: each end is an event */
	REQUIRE(change("ip link add vt0 type veth peer name vt1") == 0);
	CHECK_EQ(inv_scan_link(inv, a, &s, (int)if_nametoindex("vt0")), 1);
	CHECK_EQ(inv_scan_link(inv, a, &s, (int)if_nametoindex("vt1")), 1);
	check_rescan(inv, b, &s);
	/* enslaving: the kernel reports the bridge too (its state follows its ports) */
	REQUIRE(change("ip link set vb0 master br0") == 0);
	CHECK_EQ(inv_scan_link(inv, a, &s, (int)if_nametoindex("vb0")), 1);
	CHECK_STR(why(&s, "vb0"), "enslaved to br0");
	CHECK(inv_scan_link(inv, a, &s, (int)if_nametoindex("br0")) >= 0);
	check_rescan(inv, b, &s);
	/* deleting a pair */
	idx = if_nametoindex("vt0");
	idx2 = if_nametoindex("vt1");
	REQUIRE(idx > 0 && idx2 > 0);
	REQUIRE(change("ip link del vt0") == 0);
	CHECK_EQ(inv_scan_link(inv, a, &s, (int)idx), 1);
	CHECK_EQ(inv_scan_link(inv, a, &s, (int)idx2), 1); /* its peer went too */
	CHECK_EQ(inv_scan_link(inv, a, &s, (int)idx), 0);
	CHECK(!dev_by_ifname(&s, "vt0") && !dev_by_ifname(&s, "vt1"));
	check_rescan(inv, b, &s);
	/* a rename: the device name follows the interface name */
	REQUIRE(change("ip link set vq1 name Vq1") == 0);
	CHECK_EQ(inv_scan_link(inv, a, &s, (int)if_nametoindex("Vq1")), 1);
	CHECK(dev_by_name(&s, "net-kzytc") != NULL);
	check_rescan(inv, b, &s);
	CHECK_EQ(inv_scan_link(inv, a, &s, 0), -EINVAL);
	inv_free(inv);
	arena_free(a);
	arena_free(b);
}

/* Load "r0 = 0; exit" as a classifier named @name and attach it to TCX ingress of @ifindex. */
static int tcx_attach(int ifindex, const char *name)
{
	static const struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	long fd, ret;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = 2;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	snprintf(attr.prog_name, sizeof(attr.prog_name), "%s", name);
	fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0)
		return -errno;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)ifindex;
	attr.attach_bpf_fd = (uint32_t)fd;
	attr.attach_type = NL_BPF_TCX_INGRESS;
	ret = syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr));
	ret = ret < 0 ? -errno : 0;
	close((int)fd);
	return (int)ret;
}

/*
 * eBPF attributes: an unnamed (classic BPF) tc filter makes dra.net/ebpf true
 * without a name; a link re-read alone equals a full scan; and with
 * netns_path the TCX query runs inside that namespace (its ifindexes are
 * not ours). tests/e2e/21-ebpf.t checks names against tc and bpftool.
 */
static void test_live_ebpf(void)
{
	struct inv_opts o = { .move_ib_interfaces = true };
	struct arena *a = NULL, *b = NULL;
	struct inv *inv = NULL;
	struct inv_scan s;
	const struct inv_device *d;
	struct nl_tcx_prog progs[NL_TCX_PROGS_MAX];
	size_t n;
	bool tcx = false;
	int orig, ns, ifx;

	if (geteuid() != 0) {
		printf("  test_live_ebpf: skipped (needs root)\n");
		return;
	}
	REQUIRE(enter_netns());
	a = arena_new(ARENA_CAP_DEFAULT);
	b = arena_new(ARENA_CAP_DEFAULT);
	REQUIRE(a && b);
	REQUIRE(change("ip link add vx0 type veth peer name vx1") == 0);
	REQUIRE(inv_new(&o, &inv) == 0);
	REQUIRE(inv_scan_all(inv, a, &s) == 0);
	d = dev_by_ifname(&s, "vx0");
	REQUIRE(d);
	CHECK_EQ(attr_b(d, "dra.net/ebpf"), 0);
	REQUIRE(change("tc qdisc add dev vx0 clsact && "
		       "tc filter add dev vx0 ingress bpf bytecode '1,6 0 0 0'") == 0);
	CHECK_EQ(inv_scan_link(inv, a, &s, (int)if_nametoindex("vx0")), 1);
	d = dev_by_ifname(&s, "vx0");
	REQUIRE(d);
	CHECK_EQ(attr_b(d, "dra.net/ebpf"), 1);
	CHECK(inv_attr_get(d, "dra.net/tcFilterNames") == NULL); /* cBPF: no name */
	CHECK_EQ(attr_b(dev_by_ifname(&s, "vx1"), "dra.net/ebpf"), 0);
	check_rescan(inv, b, &s);
	inv_free(inv);
	inv = NULL;

	if (nl_tcx_query(1, false, progs, &n, &tcx) < 0 || !tcx) {
		printf("  test_live_ebpf: no TCX on this kernel, netns part skipped\n");
		goto out;
	}
	REQUIRE(sh("mkdir -p /run/netns && mount -t tmpfs none /run/netns && "
		   "ip netns add scan21 && ip -n scan21 link add nx0 type veth peer name nx1 && "
		   "ip -n scan21 link add nx2 type veth peer name nx3") == 0);
	orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	ns = open("/run/netns/scan21", O_RDONLY | O_CLOEXEC);
	REQUIRE(orig >= 0 && ns >= 0);
	REQUIRE(setns(ns, CLONE_NEWNET) == 0);
	ifx = (int)if_nametoindex("nx2");
	CHECK(ifx > 0 && tcx_attach(ifx, "t_scan") == 0);
	REQUIRE(setns(orig, CLONE_NEWNET) == 0);
	close(orig);
	close(ns);
	o.netns_path = "/run/netns/scan21";
	REQUIRE(inv_new(&o, &inv) == 0);
	arena_reset(a);
	REQUIRE(inv_scan_all(inv, a, &s) == 0);
	d = dev_by_ifname(&s, "nx2");
	REQUIRE(d);
	CHECK_EQ(attr_b(d, "dra.net/ebpf"), 1);
	CHECK_STR(attr_s(d, "dra.net/tcxProgramNames"), "t_scan");
	CHECK_EQ(attr_b(dev_by_ifname(&s, "nx0"), "dra.net/ebpf"), 0);
	/* and back in our namespace: vx0 is as before */
	REQUIRE(if_nametoindex("vx0") > 0);
out:
	inv_free(inv);
	arena_free(a);
	arena_free(b);
}

static const struct t_case tests[] = {
	T(test_parse_int),
	T(test_parse_hex),
	T(test_parse_modalias),
	T(test_parse_guid),
	T(test_join_link),
	T(test_pcie_root),
	T(test_pci_read),
	T(test_netdev_read),
	T(test_rdma_read),
	T(test_uplinks),
	T(test_exclusions),
	T(test_scan_fixture),
	T(test_scan_fixture_no_ib_move),
	T(test_scan_fixture_empty),
	T(test_scan_fixture_arena_caps),
	T(test_live),
	T(test_live_ebpf),
};

int main(void)
{
	return T_RUN(tests);
}
