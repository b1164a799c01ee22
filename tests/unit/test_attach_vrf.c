// SPDX-License-Identifier: Apache-2.0
/*
 * interface.vrf (upstream-v1.4.md §4.5). This kernel has no vrf link type,
 * so the requests are checked here byte for byte, read back with lib/nl's
 * attribute parser, and decoded a second time by an independent decoder
 * (tests/data/nl/vrf_decode.py, Python's struct over the uapi layouts):
 * the VRF's RTM_NEWLINK, the enslaving and releasing RTM_NEWLINK, the
 * routes in the VRF table (user and host-copied, tables below and above
 * 255). In a private netns: lookup by name (kind, table), the kernel's
 * answer to creating a VRF, master release, slave count, the netns sysctls.
 * The result JSON's vrf member round-trips and is strict.
 */
#include "attach/attach.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attach/internal.h"
#include "t.h"

/* The uapi layout of the VRF request, written out by hand (host byte order: little-endian). */
static const uint8_t vrf_blue_1234[] = {
	0x54, 0x00, 0x00, 0x00, /* nlmsg_len 84 */
	0x10, 0x00, /* RTM_NEWLINK */
	0x00, 0x06, /* NLM_F_CREATE | NLM_F_EXCL (nl_request adds REQUEST | ACK) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* seq, pid: nl_request's */
	0x00, 0x00, 0x00, 0x00, /* ifi_family AF_UNSPEC, pad, ifi_type */
	0x00, 0x00, 0x00, 0x00, /* ifi_index 0: a new link */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* ifi_flags, ifi_change */
	0x0d, 0x00, 0x03, 0x00, 'v',  'r',  'f',  '-',	'b', 'l', 'u', 'e',
	0,    0,    0,	  0, /* IFLA_IFNAME */
	0x0b, 0x00, 0x14, 0x00, 'd',  'r',  'a',  'n',	'e', 't', 0,   0, /* IFLA_IFALIAS */
	0x18, 0x00, 0x12, 0x80, /* IFLA_LINKINFO | NLA_F_NESTED */
	0x08, 0x00, 0x01, 0x00, 'v',  'r',  'f',  0, /* IFLA_INFO_KIND "vrf" */
	0x0c, 0x00, 0x02, 0x80, /* IFLA_INFO_DATA | NLA_F_NESTED */
	0x08, 0x00, 0x01, 0x00, 0xd2, 0x04, 0x00, 0x00, /* IFLA_VRF_TABLE 1234 */
};

static const uint8_t master_5_to_7[] = {
	0x28, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, /* 40 bytes, RTM_NEWLINK, no flags */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* seq, pid */
	0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, /* AF_UNSPEC, ifi_index 5 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* no flag change */
	0x08, 0x00, 0x0a, 0x00, 0x07, 0x00, 0x00, 0x00, /* IFLA_MASTER 7 */
};

static void hexline(FILE *f, const struct nlmsghdr *nlh)
{
	const uint8_t *p = (const uint8_t *)nlh;

	for (size_t i = 0; i < nlh->nlmsg_len; i++)
		fprintf(f, "%02x", p[i]);
	fputc('\n', f);
}

/* Decoded by vrf_decode.py: its lines for the messages, in order, into @out. */
static int py_decode(const struct nlmsghdr *const *msgs, size_t n, char out[][512])
{
	char path[] = "/tmp/vrf_msgs.XXXXXX", cmd[128];
	int fd = mkstemp(path), ret = 0;
	FILE *f, *p;
	size_t i = 0;

	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	for (size_t k = 0; k < n; k++)
		hexline(f, msgs[k]);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 tests/data/nl/vrf_decode.py %s", path);
	p = popen(cmd, "r");
	while (p && i < n && fgets(out[i], 512, p)) {
		out[i][strcspn(out[i], "\n")] = '\0';
		i++;
	}
	if (!p || pclose(p) != 0 || i != n)
		ret = -EIO;
	unlink(path);
	return ret;
}

static void test_vrf_msg(void)
{
	uint8_t buf[256];
	const struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1], *data[IFLA_VRF_MAX + 1];
	struct nlmsghdr *nlh;
	struct attach_vrf_link l;
	const struct ifinfomsg *ifi;

	/* Garbage first: padding must be written as zeroes, not left over. */
	memset(buf, 0xaa, sizeof(buf));
	nlh = attach_nl_vrf_msg(buf, sizeof(buf), "vrf-blue", 1234);
	REQUIRE(nlh);
	REQUIRE(nlh->nlmsg_len == sizeof(vrf_blue_1234));
	CHECK_MEM(nlh, vrf_blue_1234, sizeof(vrf_blue_1234));

	/* lib/nl's parser. */
	ifi = NLMSG_DATA(nlh);
	CHECK_EQ(ifi->ifi_index, 0);
	REQUIRE(nl_attr_parse_table((const uint8_t *)ifi + sizeof(*ifi),
				    nlh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)), tb,
				    IFLA_MAX) == 0);
	REQUIRE(tb[IFLA_IFNAME] && tb[IFLA_LINKINFO]);
	CHECK_STR(nl_attr_get_str(tb[IFLA_IFNAME]), "vrf-blue");
	CHECK(tb[IFLA_LINKINFO]->nla_type & NLA_F_NESTED);
	REQUIRE(nl_attr_parse_table(nl_attr_data(tb[IFLA_LINKINFO]), nl_attr_len(tb[IFLA_LINKINFO]),
				    info, IFLA_INFO_MAX) == 0);
	REQUIRE(info[IFLA_INFO_KIND] && info[IFLA_INFO_DATA]);
	CHECK_STR(nl_attr_get_str(info[IFLA_INFO_KIND]), "vrf");
	REQUIRE(nl_attr_parse_table(nl_attr_data(info[IFLA_INFO_DATA]),
				    nl_attr_len(info[IFLA_INFO_DATA]), data, IFLA_VRF_MAX) == 0);
	REQUIRE(data[IFLA_VRF_TABLE]);
	CHECK_EQ(nl_attr_get_u32(data[IFLA_VRF_TABLE]), 1234);

	/* The engine's own decoder (it reads the kernel's replies the same way). */
	REQUIRE(attach_vrf_link_parse(nlh, &l) == 0);
	CHECK_STR(l.name, "vrf-blue");
	CHECK_STR(l.kind, "vrf");
	CHECK_STR(l.alias, ATTACH_VRF_ALIAS);
	CHECK_EQ(l.table, 1234);

	/* Names the kernel would refuse are not sent; a short buffer is no message. */
	CHECK(!attach_nl_vrf_msg(buf, sizeof(buf), "", 10));
	CHECK(!attach_nl_vrf_msg(buf, sizeof(buf), "0123456789abcdef", 10));
	CHECK(!attach_nl_vrf_msg(buf, 60, "vrf-blue", 10));
	/* A truncated nest is refused by the parser, not read past. */
	nlh = attach_nl_vrf_msg(buf, sizeof(buf), "vrf-blue", 10);
	REQUIRE(nlh);
	nlh->nlmsg_len -= 4;
	CHECK(attach_vrf_link_parse(nlh, &l) < 0);
}

static void test_master_msg(void)
{
	uint8_t buf[128];
	struct attach_link_set ls = { .netns_fd = -1, .set_master = true, .master = 7 };
	const struct nlattr *tb[IFLA_MAX + 1];
	struct nlmsghdr *nlh;

	memset(buf, 0xaa, sizeof(buf));
	nlh = attach_nl_link_msg(buf, sizeof(buf), 5, &ls);
	REQUIRE(nlh && nlh->nlmsg_len == sizeof(master_5_to_7));
	CHECK_MEM(nlh, master_5_to_7, sizeof(master_5_to_7));
	/* Release: IFLA_MASTER 0, the same message otherwise. */
	ls.master = 0;
	nlh = attach_nl_link_msg(buf, sizeof(buf), 5, &ls);
	REQUIRE(nlh);
	REQUIRE(nl_attr_parse_table((uint8_t *)NLMSG_DATA(nlh) + sizeof(struct ifinfomsg),
				    nlh->nlmsg_len - NLMSG_LENGTH(sizeof(struct ifinfomsg)), tb,
				    IFLA_MAX) == 0);
	REQUIRE(tb[IFLA_MASTER]);
	CHECK_EQ(nl_attr_get_u32(tb[IFLA_MASTER]), 0);
	/* Without set_master no IFLA_MASTER at all (every other request of the engine). */
	ls = (struct attach_link_set){ .netns_fd = -1, .set_up = true };
	nlh = attach_nl_link_msg(buf, sizeof(buf), 5, &ls);
	REQUIRE(nlh);
	CHECK_EQ(nlh->nlmsg_len, NLMSG_LENGTH(sizeof(struct ifinfomsg)));
}

/* A host device with one route in main, to be copied into the pod. */
static void snapshot(struct attach_snapshot *s, struct nl_route *r)
{
	memset(s, 0, sizeof(*s));
	strcpy(s->name, "nic0");
	strcpy(s->kind, "veth");
	s->ifindex = 5;
	s->mac_len = 6;
	memcpy(s->mac, "\x02\x00\x00\x00\x00\x05", 6);
	memset(r, 0, sizeof(*r));
	r->family = AF_INET;
	r->dst_len = 16;
	r->has_dst = true;
	inet_pton(AF_INET, "10.9.0.0", r->dst);
	r->gw_family = AF_INET;
	inet_pton(AF_INET, "10.0.0.1", r->gw);
	r->table = RT_TABLE_MAIN;
	r->protocol = RTPROT_BOOT;
	r->type = RTN_UNICAST;
	r->oif = 5;
	s->routes = r;
	s->n_routes = 1;
}

/* Every route of a VRF plan goes to the VRF table, whatever its own (user or host). */
static void plan_routes(uint32_t vrf_table, struct nlmsghdr **msgs, uint8_t (*bufs)[256], size_t *n)
{
	char cfgtext[512];
	struct arena *a = arena_new(1u << 20);
	struct attach_config *cfg = NULL;
	struct attach_errs errs;
	struct attach_snapshot s;
	struct nl_route host_route;
	struct attach_plan p;

	*n = 0;
	REQUIRE(a);
	snprintf(cfgtext, sizeof(cfgtext),
		 "{\"interface\":{\"name\":\"eth9\",\"addresses\":[\"10.0.0.2/24\"],"
		 "\"vrf\":{\"name\":\"vrf-blue\",\"table\":%u}},"
		 "\"routes\":[{\"destination\":\"10.1.0.0/16\",\"gateway\":\"10.0.0.1\","
		 "\"table\":100}]}",
		 vrf_table);
	if (attach_config_parse(cfgtext, strlen(cfgtext), a, &cfg, &errs) != 0) {
		T_FAIL("config: %s", errs.n ? errs.msg[0] : "?");
		arena_free(a);
		return;
	}
	snapshot(&s, &host_route);
	if (attach_plan_build(cfg, &s, a, &p) != 0 || p.n_routes != 2 || p.n_rules != 0) {
		T_FAIL("plan: %zu routes, %zu rules", p.n_routes, p.n_rules);
		arena_free(a);
		return;
	}
	for (size_t i = 0; i < p.n_routes; i++) {
		struct nl_route r;

		attach_route_in_plan(&p, i, &r);
		CHECK_EQ(r.table, vrf_table);
		msgs[*n] = attach_nl_route_msg(bufs[*n], sizeof(bufs[*n]), true, 9, &r);
		CHECK(msgs[*n]);
		*n += msgs[*n] != NULL;
	}
	/* Without the vrf the tables are the routes' own. */
	cfg->interface.has_vrf = false;
	for (size_t i = 0; i < p.n_routes; i++) {
		struct nl_route r;

		attach_route_in_plan(&p, i, &r);
		CHECK(r.table == 100 || r.table == RT_TABLE_MAIN);
	}
	arena_free(a);
}

static void test_decoder_agrees(void)
{
	uint8_t vbuf[256], mbuf[128], rbufs[4][256];
	struct attach_link_set ls = { .netns_fd = -1, .set_master = true, .master = 7 };
	const struct nlmsghdr *msgs[6];
	struct nlmsghdr *routes[4] = { 0 };
	char out[6][512];
	size_t n1 = 0, n2 = 0;

	msgs[0] = attach_nl_vrf_msg(vbuf, sizeof(vbuf), "vrf-blue", 1234);
	msgs[1] = attach_nl_link_msg(mbuf, sizeof(mbuf), 5, &ls);
	plan_routes(1234, routes, rbufs, &n1);
	plan_routes(42, routes + 2, rbufs + 2, &n2);
	REQUIRE(msgs[0] && msgs[1] && n1 == 2 && n2 == 2);
	for (size_t i = 0; i < 4; i++)
		msgs[2 + i] = routes[i];
	REQUIRE(py_decode(msgs, 6, out) == 0);
	CHECK_STR(out[0], "RTM_NEWLINK flags=0x600 seq=0 family=0 type=0 index=0 flags=0x0 "
			  "change=0x0 IFLA_IFNAME=vrf-blue IFLA_IFALIAS=dranet "
			  "IFLA_LINKINFO{IFLA_INFO_KIND=vrf IFLA_INFO_DATA{IFLA_VRF_TABLE=1234}}");
	CHECK_STR(out[1], "RTM_NEWLINK flags=0x0 seq=0 family=0 type=0 index=5 flags=0x0 "
			  "change=0x0 IFLA_MASTER=7");
	/* Sorted by scope (both universe): the config's route, then the host's. Table > 255:
	 * rtm_table RT_TABLE_UNSPEC and the id in RTA_TABLE; <= 255: in both. */
	CHECK_STR(out[2], "RTM_NEWROUTE flags=0x600 seq=0 family=2 dst_len=16 rtm_table=0 "
			  "protocol=3 scope=0 type=1 RTA_TABLE=1234 RTA_DST=0a010000 "
			  "RTA_GATEWAY=0a000001 RTA_OIF=9");
	CHECK_STR(out[3], "RTM_NEWROUTE flags=0x600 seq=0 family=2 dst_len=16 rtm_table=0 "
			  "protocol=3 scope=0 type=1 RTA_TABLE=1234 RTA_DST=0a090000 "
			  "RTA_GATEWAY=0a000001 RTA_OIF=9");
	CHECK_STR(out[4], "RTM_NEWROUTE flags=0x600 seq=0 family=2 dst_len=16 rtm_table=42 "
			  "protocol=3 scope=0 type=1 RTA_TABLE=42 RTA_DST=0a010000 "
			  "RTA_GATEWAY=0a000001 RTA_OIF=9");
	CHECK_STR(out[5], "RTM_NEWROUTE flags=0x600 seq=0 family=2 dst_len=16 rtm_table=42 "
			  "protocol=3 scope=0 type=1 RTA_TABLE=42 RTA_DST=0a090000 "
			  "RTA_GATEWAY=0a000001 RTA_OIF=9");
}

static struct json *roundtrip(const struct json *v, struct buf *b)
{
	struct json *back = NULL;

	buf_reset(b);
	if (json_print(v, JSON_COMPACT, b) < 0 || json_parse(b->p, b->len, &back, NULL) < 0)
		return NULL;
	return back;
}

static void test_result_vrf_json(void)
{
	struct arena *a = arena_new(1u << 20);
	struct attach_result r = { .pod_ifindex = 3, .mac_len = 6 }, t;
	struct json_err err;
	struct json *v, *back;
	struct buf b;
	const char *bad[] = {
		"{\"name\":\"\",\"table\":5,\"created\":true}",
		"{\"name\":\"v\",\"table\":0,\"created\":true}",
		"{\"name\":\"v\",\"table\":4294967296,\"created\":true}",
		"{\"name\":\"v\",\"table\":5}",
		"{\"name\":\"v\",\"table\":5,\"created\":1}",
		"{\"name\":\"0123456789abcdef\",\"table\":5,\"created\":true}",
		"{\"name\":\"v\",\"table\":5,\"created\":true,\"x\":1}",
		"[]",
	};

	REQUIRE(a);
	buf_init(&b, 1u << 16);
	strcpy(r.pod_name, "eth9");
	strcpy(r.vrf.name, "vrf-blue");
	r.vrf.table = 4000000000u;
	r.vrf.created = true;
	v = attach_result_json(&r);
	REQUIRE(v);
	back = roundtrip(v, &b);
	REQUIRE(back);
	REQUIRE(attach_result_from_json(back, a, &t, &err) == 0);
	CHECK_STR(t.vrf.name, "vrf-blue");
	CHECK_EQ(t.vrf.table, 4000000000u);
	CHECK(t.vrf.created);
	json_free(back);
	json_free(v);
	/* No VRF: no member, and it reads back as none. */
	memset(&r.vrf, 0, sizeof(r.vrf));
	v = attach_result_json(&r);
	REQUIRE(v);
	CHECK(!json_get(v, "vrf"));
	REQUIRE(attach_result_from_json(v, a, &t, &err) == 0);
	CHECK_STR(t.vrf.name, "");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct json *bv = NULL, *copy;

		REQUIRE(json_parse(bad[i], strlen(bad[i]), &bv, NULL) == 0);
		copy = json_dup(v);
		REQUIRE(copy && json_obj_add(copy, "vrf", bv) == 0);
		if (attach_result_from_json(copy, a, &t, &err) != -EBADMSG)
			T_FAIL("vrf %s accepted", bad[i]);
		json_free(copy);
	}
	json_free(v);
	buf_fini(&b);
	arena_free(a);
}

/* ------------------------------------------------------------ kernel */

static int netns_err = -1;

static int enter_netns(void)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		return -errno;
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	return system("ip link set lo up") == 0 ? 0 : -EIO;
}

/* `ip -j -d link show dev @dev | jq -r @filter`: one line. */
static void ip_link_field(const char *dev, const char *filter, char *out, size_t n)
{
	char cmd[256];
	FILE *p;

	out[0] = '\0';
	snprintf(cmd, sizeof(cmd), "ip -j -d link show dev %s | jq -r '.[0] | %s'", dev, filter);
	p = popen(cmd, "r");
	if (p && fgets(out, (int)n, p))
		out[strcspn(out, "\n")] = '\0';
	if (p)
		pclose(p);
}

static void test_kernel(void)
{
	struct nl_sock *s = NULL;
	struct attach_vrf_link l;
	struct attach_link_set ls = { .netns_fd = -1, .set_master = true };
	char ext[256] = "", why[128], txt[64];
	int old = -1, ret;
	size_t n;

	if (netns_err) {
		T_FAIL("no private network namespace: %s", strerror(-netns_err));
		return;
	}
	REQUIRE(system("ip link add vv0 type veth peer name vv0p && ip link add br9 type bridge") ==
		0);
	REQUIRE(nl_open(NETLINK_ROUTE, NULL, &s) == 0);

	CHECK_EQ(attach_vrf_lookup(s, "nosuch0", &l), -ENODEV);
	REQUIRE(attach_vrf_lookup(s, "vv0", &l) == 0);
	CHECK_STR(l.kind, "veth");
	CHECK_EQ(l.table, 0);
	CHECK_EQ(l.master, 0);
	ip_link_field("vv0", ".ifindex", txt, sizeof(txt));
	CHECK_EQ(l.ifindex, atoi(txt));

	/* The kernel's answer to a VRF: made (then checked by ip), or no such link type. */
	ret = attach_vrf_create(s, "vrf-t", 1234, ext, sizeof(ext));
	if (ret == 0) {
		ip_link_field("vrf-t", ".linkinfo.info_data.table", txt, sizeof(txt));
		CHECK_STR(txt, "1234");
		REQUIRE(attach_vrf_lookup(s, "vrf-t", &l) == 0);
		CHECK_STR(l.kind, "vrf");
		CHECK_EQ(l.table, 1234);
		CHECK_STR(l.alias, ATTACH_VRF_ALIAS);
		CHECK_EQ(attach_nl_link_del(s, l.ifindex, ext, sizeof(ext)), 0);
		fprintf(stderr, "# this kernel has vrf links: created and checked\n");
	} else {
		CHECK_EQ(ret, -EOPNOTSUPP);
		if (!strstr(ext, "kernel has no vrf link type (CONFIG_NET_VRF)"))
			T_FAIL("extack: %s", ext);
		CHECK_EQ(attach_vrf_lookup(s, "vrf-t", &l), -ENODEV);
	}

	/* Enslave and release with the same request (a bridge stands in for the VRF). */
	REQUIRE(attach_vrf_lookup(s, "br9", &l) == 0);
	ls.master = l.ifindex;
	REQUIRE(attach_vrf_lookup(s, "vv0", &l) == 0);
	CHECK_EQ(attach_nl_link_set(s, l.ifindex, &ls, ext, sizeof(ext)), 0);
	ip_link_field("vv0", ".master", txt, sizeof(txt));
	CHECK_STR(txt, "br9");
	CHECK(attach_vrf_slaves(s, ls.master, &n) == 0 && n == 1);
	ls.master = 0;
	CHECK_EQ(attach_nl_link_set(s, l.ifindex, &ls, ext, sizeof(ext)), 0);
	ip_link_field("vv0", ".master // \"none\"", txt, sizeof(txt));
	CHECK_STR(txt, "none");
	REQUIRE(attach_vrf_lookup(s, "br9", &l) == 0);
	CHECK(attach_vrf_slaves(s, l.ifindex, &n) == 0 && n == 0);

	/* Netns-wide sysctls (NULL: ours, a private one): old value read, new one written. */
	CHECK_EQ(attach_netns_sysctl(NULL, "net/ipv4/tcp_l3mdev_accept", 1, &old, why, sizeof(why)),
		 0);
	CHECK_EQ(old, 0);
	CHECK_EQ(
		attach_netns_sysctl(NULL, "net/ipv4/tcp_l3mdev_accept", -1, &old, why, sizeof(why)),
		0);
	CHECK_EQ(old, 1);
	CHECK_EQ(attach_netns_sysctl(NULL, "net/ipv4/tcp_l3mdev_accept", 0, NULL, why, sizeof(why)),
		 0);
	CHECK(attach_netns_sysctl(NULL, "net/ipv4/no_such_key", 1, &old, why, sizeof(why)) ==
	      -ENOENT);
	CHECK_STR(why, "/proc/sys/net/ipv4/no_such_key");
	nl_close(s);
}

static const struct t_case tests[] = {
	T(test_vrf_msg),	 T(test_master_msg), T(test_decoder_agrees),
	T(test_result_vrf_json), T(test_kernel),
};

int main(void)
{
	netns_err = enter_netns();
	if (netns_err)
		fprintf(stderr, "unshare(CLONE_NEWNET): %s (the kernel tests need root)\n",
			strerror(-netns_err));
	return T_RUN(tests);
}
