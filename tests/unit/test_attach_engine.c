// SPDX-License-Identifier: Apache-2.0
/*
 * lib/attach engine, the pure parts: plan building (defaults, host route
 * copying rules, prefsrc dropping, order), the snapshot and result JSON
 * round trips and their strictness, temporary names; and, in a private
 * network namespace, the undo order of a failed attach watched through the
 * kernel's own rtnetlink events. The rest of the kernel side is tested end
 * to end in tests/e2e/23-27.
 */
#include "attach/attach.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach/internal.h"
#include "t.h"

/*
 * This binary's fault points: a strong definition that wins over the
 * library's weak one at link time (as tests/fault/fault_env.c does for the
 * test build of dranet). Fails at fail_at, else does nothing.
 */
static const char *fail_at;

int attach_fault(const char *point)
{
	return fail_at && !strcmp(point, fail_at) ? -EIO : 0;
}

static void ip4(uint8_t *out, const char *s)
{
	inet_pton(AF_INET, s, out);
}

static void ip6(uint8_t *out, const char *s)
{
	inet_pton(AF_INET6, s, out);
}

/* A host device with a bit of everything the snapshot keeps. */
static void host_snapshot(struct arena *a, struct attach_snapshot *s)
{
	struct nl_addr *ad = arena_calloc(a, 3, sizeof(*ad));
	struct nl_route *r = arena_calloc(a, 6, sizeof(*r));
	struct nl_rule *ru = arena_calloc(a, 2, sizeof(*ru));
	struct nl_neigh *n = arena_calloc(a, 2, sizeof(*n));

	memset(s, 0, sizeof(*s));
	strcpy(s->name, "mlx5_6");
	strcpy(s->kind, "");
	strcpy(s->pci, "0000:8a:00.0");
	s->ifindex = 7;
	s->perm_addr_len = 6;
	memcpy(s->perm_addr, "\x02\x00\x00\x00\x00\x07", 6);
	s->mac_len = 6;
	memcpy(s->mac, "\x02\x00\x00\x00\x00\x08", 6);
	s->mtu = 9000;
	s->gso_max_size = s->gro_max_size = 65536;
	s->gso_ipv4_max_size = s->gro_ipv4_max_size = 65536;
	s->up = true;
	s->sysctl = (struct attach_sysctls){ 1, 2, 0, 1, 0 };
	for (size_t i = 0; i < ATTACH_SYSCTL_EXTRA_N; i++)
		s->sysctl_extra[i] = i % 3 == 2 ? -1 : (int32_t)i;

	ad[0] = (struct nl_addr){ .ifindex = 7,
				  .family = AF_INET,
				  .prefixlen = 24,
				  .flags = IFA_F_PERMANENT,
				  .valid_lft = 0xffffffffu,
				  .preferred_lft = 0xffffffffu,
				  .rt_priority = 77 };
	ip4(ad[0].addr, "10.0.0.2");
	strcpy(ad[0].label, "mlx5_6");
	ad[1] = (struct nl_addr){ .ifindex = 7,
				  .family = AF_INET6,
				  .prefixlen = 64,
				  .flags = IFA_F_NODAD,
				  .valid_lft = 3600,
				  .preferred_lft = 1800 };
	ip6(ad[1].addr, "fd00::2");
	ad[2] = (struct nl_addr){ .ifindex = 7,
				  .family = AF_INET6,
				  .prefixlen = 64,
				  .scope = RT_SCOPE_LINK,
				  .valid_lft = 0xffffffffu,
				  .preferred_lft = 0xffffffffu };
	ip6(ad[2].addr, "fe80::2");
	s->addrs = ad;
	s->n_addrs = 3;

	/* 0: main, universe, via a gateway, prefsrc a pod address, metric 50. */
	r[0] = (struct nl_route){ .family = AF_INET,
				  .dst_len = 16,
				  .protocol = RTPROT_BOOT,
				  .type = RTN_UNICAST,
				  .table = RT_TABLE_MAIN,
				  .priority = 50,
				  .has_dst = true,
				  .has_prefsrc = true,
				  .oif = 7,
				  .gw_family = AF_INET,
				  .mtu = 1400,
				  .flags = RTNH_F_ONLINK,
				  .realms = 5,
				  .metrics_set = (1u << RTAX_MTU) | (1u << RTAX_ADVMSS) |
						 (1u << RTAX_LOCK),
				  .cc_algo = "cubic" };
	r[0].metrics[RTAX_MTU] = 1400;
	r[0].metrics[RTAX_ADVMSS] = 1200;
	r[0].metrics[RTAX_LOCK] = 1u << RTAX_MTU;
	ip4(r[0].dst, "10.1.0.0");
	ip4(r[0].prefsrc, "10.0.0.2");
	ip4(r[0].gw, "10.0.0.1");
	/* 1: table 100, link scope, prefsrc not a pod address. */
	r[1] = (struct nl_route){ .family = AF_INET,
				  .dst_len = 24,
				  .protocol = RTPROT_STATIC,
				  .scope = RT_SCOPE_LINK,
				  .type = RTN_UNICAST,
				  .table = 100,
				  .has_dst = true,
				  .has_prefsrc = true,
				  .oif = 7 };
	ip4(r[1].dst, "10.10.10.0");
	ip4(r[1].prefsrc, "10.9.9.9");
	/* 2: IPv6 kernel prefix route (skipped, v1.4). */
	r[2] = (struct nl_route){ .family = AF_INET6,
				  .dst_len = 64,
				  .protocol = RTPROT_KERNEL,
				  .type = RTN_UNICAST,
				  .table = RT_TABLE_MAIN,
				  .has_dst = true,
				  .oif = 7,
				  .priority = 256 };
	ip6(r[2].dst, "fd00::");
	/* 3: fe80::/64, not kernel protocol here but link-local: skipped. */
	r[3] = (struct nl_route){ .family = AF_INET6,
				  .dst_len = 64,
				  .protocol = RTPROT_BOOT,
				  .type = RTN_UNICAST,
				  .table = RT_TABLE_MAIN,
				  .has_dst = true,
				  .oif = 7 };
	ip6(r[3].dst, "fe80::");
	/* 4: IPv4 kernel prefix route: copied (its prefsrc is a pod address). */
	r[4] = (struct nl_route){ .family = AF_INET,
				  .dst_len = 24,
				  .protocol = RTPROT_KERNEL,
				  .scope = RT_SCOPE_LINK,
				  .type = RTN_UNICAST,
				  .table = RT_TABLE_MAIN,
				  .has_dst = true,
				  .has_prefsrc = true,
				  .oif = 7 };
	ip4(r[4].dst, "10.0.0.0");
	ip4(r[4].prefsrc, "10.0.0.2");
	/* 5: a v6 route via a v4 gateway family mix is kept with its gateway family. */
	r[5] = (struct nl_route){ .family = AF_INET6,
				  .dst_len = 48,
				  .protocol = RTPROT_STATIC,
				  .type = RTN_UNICAST,
				  .table = 200,
				  .has_dst = true,
				  .oif = 7,
				  .gw_family = AF_INET6 };
	ip6(r[5].dst, "2001:db8:5::");
	ip6(r[5].gw, "fd00::1");
	s->routes = r;
	s->n_routes = 6;

	ru[0] = (struct nl_rule){ .family = AF_INET,
				  .action = FR_ACT_TO_TBL,
				  .src_len = 24,
				  .table = 100,
				  .priority = 500,
				  .has_priority = true,
				  .has_fwmark = true,
				  .fwmark = 0x42,
				  .fwmask = 0xff };
	ip4(ru[0].src, "10.20.30.0");
	strcpy(ru[0].iifname, "mlx5_6");
	ru[1] = (struct nl_rule){ .family = AF_INET6,
				  .action = FR_ACT_TO_TBL,
				  .table = 300,
				  .priority = 600,
				  .has_priority = true,
				  .has_uidrange = true,
				  .uid_start = 1000,
				  .uid_end = 2000,
				  .protocol = RTPROT_STATIC,
				  .ip_proto = 17,
				  .has_dport = true,
				  .dport_start = 53,
				  .dport_end = 53,
				  .dport_mask = 0xffff,
				  .has_suppress_prefixlen = true,
				  .tun_id = 0xfedcba9876543210ull,
				  .flow = 5 };
	strcpy(ru[1].oifname, "other0");
	s->rules = ru;
	s->n_rules = 2;

	n[0] = (struct nl_neigh){
		.ifindex = 7, .family = AF_INET, .state = NUD_PERMANENT, .lladdr_len = 6
	};
	ip4(n[0].dst, "10.0.0.77");
	memcpy(n[0].lladdr, "\x00\x11\x22\x33\x44\x55", 6);
	n[1] = (struct nl_neigh){
		.ifindex = 7, .family = AF_INET6, .state = NUD_PERMANENT, .lladdr_len = 6
	};
	ip6(n[1].dst, "2001:db8::1");
	memcpy(n[1].lladdr, "\x00\xaa\xbb\xcc\xdd\xee", 6);
	s->neighs = n;
	s->n_neighs = 2;
}

static void test_temp_name(void)
{
	char n[IFNAMSIZ];

	attach_temp_name(5, n);
	CHECK_STR(n, "dranet5");
	attach_temp_name(2147483647, n);
	CHECK(strlen(n) < IFNAMSIZ);
	CHECK(str_has_prefix(n, "dranet"));
	/* Deterministic. */
	{
		char m[IFNAMSIZ];

		attach_temp_name(2147483647, m);
		CHECK_STR(n, m);
	}
}

static void test_plan_defaults(void)
{
	struct arena *a = arena_new(1u << 20);
	struct attach_snapshot s;
	struct attach_plan p;
	char txt[64];

	REQUIRE(a);
	host_snapshot(a, &s);
	REQUIRE(attach_plan_build(NULL, &s, a, &p) == 0);
	CHECK_STR(p.pod_name, "mlx5_6");
	/* The host's global addresses only (no fe80). */
	REQUIRE(p.n_addrs == 2);
	CHECK_STR(nl_addr_ntop(AF_INET, p.addrs[0].addr, txt, sizeof(txt)), "10.0.0.2");
	CHECK_EQ(p.addrs[0].len, 24);
	CHECK_STR(nl_addr_ntop(AF_INET6, p.addrs[1].addr, txt, sizeof(txt)), "fd00::2");
	/* Routes 0, 1, 4, 5 copied; link scope (1, 4) first, order kept otherwise. */
	REQUIRE(p.n_routes == 4);
	CHECK_EQ(p.routes[0].scope, RT_SCOPE_LINK);
	CHECK_EQ(p.routes[0].table, 100);
	CHECK_EQ(p.routes[1].scope, RT_SCOPE_LINK);
	CHECK_EQ(p.routes[1].protocol, RTPROT_KERNEL);
	CHECK_EQ(p.routes[2].metric, 50);
	CHECK_EQ(p.routes[2].mtu, 1400);
	CHECK_EQ(p.routes[2].protocol, RTPROT_BOOT);
	CHECK_EQ(p.routes[3].table, 200);
	for (size_t i = 0; i < p.n_routes; i++)
		CHECK_EQ(p.routes[i].origin, ATTACH_FROM_HOST);
	/* upstream #318: 10.9.9.9 is not a pod address: prefsrc dropped; 10.0.0.2 kept. */
	CHECK_EQ(p.routes[0].src.family, 0);
	CHECK_EQ(p.routes[1].src.family, AF_INET);
	CHECK_EQ(p.routes[2].src.family, AF_INET);
	CHECK_STR(p.routes[2].destination, "10.1.0.0/16");
	CHECK_STR(p.routes[2].gateway, "10.0.0.1");
	/* Rules for copied tables only (100; 300 has no route), the name follows. */
	REQUIRE(p.n_rules == 1);
	CHECK_EQ(p.rules[0].table, 100);
	CHECK_STR(p.rules[0].iifname, "mlx5_6");
	CHECK(p.rules[0].has_fwmark);
	/* Permanent neighbours. */
	REQUIRE(p.n_neighs == 2);
	CHECK_EQ(p.neighs[1].dst.family, AF_INET6);
	CHECK_EQ(p.neighs[1].mac.len, 6);
	arena_free(a);
}

static void test_plan_config(void)
{
	struct arena *a = arena_new(1u << 20);
	struct attach_config cfg = { 0 };
	struct attach_ip addr = { .family = AF_INET, .len = 24 };
	struct attach_route_cfg route = { .scope = RT_SCOPE_UNIVERSE, .destination = "0.0.0.0/0" };
	struct attach_rule_cfg rule = { 0 };
	struct attach_snapshot s;
	struct attach_plan p;

	REQUIRE(a);
	host_snapshot(a, &s);
	ip4(addr.addr, "192.0.2.9");
	route.dst.family = AF_INET;
	cfg.interface.name = "eth99";
	cfg.interface.addrs = &addr;
	cfg.interface.n_addresses = 1;
	cfg.routes = &route;
	cfg.n_routes = 1;
	cfg.rules = &rule;
	cfg.n_rules = 1;
	rule.src.family = AF_INET;
	rule.src.len = 8;
	ip4(rule.src.addr, "10.0.0.0");
	REQUIRE(attach_plan_build(&cfg, &s, a, &p) == 0);
	CHECK_STR(p.pod_name, "eth99");
	REQUIRE(p.n_addrs == 1);
	/* The config's route first among universe ones, the host's follow. */
	REQUIRE(p.n_routes == 5);
	CHECK_EQ(p.routes[2].origin, ATTACH_FROM_CONFIG);
	/* No pod address is 10.0.0.2 now: every copied prefsrc is dropped. */
	for (size_t i = 0; i < p.n_routes; i++)
		CHECK_EQ(p.routes[i].src.family, 0);
	/* Config rule: no priority (the kernel picks, weakness 20), table main. */
	REQUIRE(p.n_rules == 2);
	CHECK(!p.rules[0].has_priority);
	CHECK_EQ(p.rules[0].table, RT_TABLE_MAIN);
	CHECK_EQ(p.rules[0].src_len, 8);
	CHECK_STR(p.rules[1].iifname, "eth99");
	/* A VRF takes no host rules (upstream v1.4). */
	cfg.interface.has_vrf = true;
	REQUIRE(attach_plan_build(&cfg, &s, a, &p) == 0);
	CHECK_EQ(p.n_rules, 1);
	/* Over the limits. */
	cfg.interface.has_vrf = false;
	cfg.interface.name = "a-name-far-too-long";
	CHECK_EQ(attach_plan_build(&cfg, &s, a, &p), -EMSGSIZE);
	arena_free(a);
}

/*
 * Finding 9: the config's 512 routes are its own limit; the host's copied
 * routes (up to ATTACH_SNAP_ROUTES_MAX) and DHCP's come on top.
 */
static void test_plan_limits(void)
{
	struct arena *a = arena_new(8u << 20);
	struct attach_config cfg = { 0 };
	struct attach_route_cfg *routes;
	struct attach_rule_cfg *rules;
	struct attach_snapshot s;
	struct attach_plan p;
	struct attach_dhcp_lease l = { 0 };
	size_t host_routes;

	REQUIRE(a);
	host_snapshot(a, &s);
	routes = arena_calloc(a, ATTACH_ROUTES_MAX + 1, sizeof(*routes));
	rules = arena_calloc(a, ATTACH_RULES_MAX + 1, sizeof(*rules));
	REQUIRE(routes && rules);
	for (size_t i = 0; i <= ATTACH_ROUTES_MAX; i++)
		routes[i] = (struct attach_route_cfg){ .scope = RT_SCOPE_UNIVERSE,
						       .destination = "10.0.0.0/8",
						       .dst = { .family = AF_INET, .len = 8 } };
	for (size_t i = 0; i <= ATTACH_RULES_MAX; i++)
		rules[i].src.family = AF_INET;
	cfg.routes = routes;
	cfg.n_routes = ATTACH_ROUTES_MAX;
	cfg.rules = rules;
	cfg.n_rules = ATTACH_RULES_MAX;
	REQUIRE(attach_plan_build(NULL, &s, a, &p) == 0);
	host_routes = p.n_routes;
	REQUIRE(host_routes > 0);
	REQUIRE(attach_plan_build(&cfg, &s, a, &p) == 0);
	CHECK_EQ(p.n_routes, ATTACH_ROUTES_MAX + host_routes);
	CHECK(p.n_rules > ATTACH_RULES_MAX);
	/* DHCP routes on top of both. */
	l.addr = (struct attach_ip){ .family = AF_INET, .len = 24 };
	ip4(l.addr.addr, "10.77.0.55");
	l.n_routes = 2;
	l.routes[0].dst = (struct attach_ip){ .family = AF_INET, .len = 0 };
	l.routes[1].dst = (struct attach_ip){ .family = AF_INET, .len = 16 };
	CHECK(attach_plan_add_dhcp(&p, &l, a) == 0);
	/* One config route or rule more is over the config's own limit. */
	cfg.n_routes = ATTACH_ROUTES_MAX + 1;
	CHECK_EQ(attach_plan_build(&cfg, &s, a, &p), -EMSGSIZE);
	cfg.n_routes = ATTACH_ROUTES_MAX;
	cfg.n_rules = ATTACH_RULES_MAX + 1;
	CHECK_EQ(attach_plan_build(&cfg, &s, a, &p), -EMSGSIZE);
	arena_free(a);
}

static void test_plan_dhcp(void)
{
	struct arena *a = arena_new(1u << 20);
	struct attach_dhcp_lease l = { 0 };
	struct attach_snapshot s;
	struct attach_plan p;
	char txt[64];

	REQUIRE(a);
	host_snapshot(a, &s);
	REQUIRE(attach_plan_build(NULL, &s, a, &p) == 0);
	l.addr = (struct attach_ip){ .family = AF_INET, .len = 24 };
	ip4(l.addr.addr, "10.77.0.55");
	l.routes[0].dst = (struct attach_ip){ .family = AF_INET, .len = 0 };
	l.routes[0].gw = (struct attach_ip){ .family = AF_INET, .len = 32 };
	ip4(l.routes[0].gw.addr, "10.77.0.1");
	l.routes[1].dst = (struct attach_ip){ .family = AF_INET, .len = 32 };
	ip4(l.routes[1].dst.addr, "10.77.0.1");
	l.n_routes = 2;
	REQUIRE(attach_plan_add_dhcp(&p, &l, a) == 0);
	REQUIRE(p.n_addrs == 3);
	CHECK_STR(nl_addr_ntop(AF_INET, p.addrs[2].addr, txt, sizeof(txt)), "10.77.0.55");
	REQUIRE(p.n_routes == 6);
	/* The on-link /32 among the link-scope routes, before any universe route. */
	for (size_t i = 0; i + 1 < p.n_routes; i++)
		CHECK(p.routes[i].scope >= p.routes[i + 1].scope);
	CHECK_STR(p.routes[2].destination, "10.77.0.1/32");
	CHECK_EQ(p.routes[2].scope, RT_SCOPE_LINK);
	CHECK_STR(p.routes[5].destination, "0.0.0.0/0");
	CHECK_STR(p.routes[5].gateway, "10.77.0.1");
	/* The same address again is not added twice. */
	REQUIRE(attach_plan_add_dhcp(&p, &l, a) == 0);
	CHECK_EQ(p.n_addrs, 3);
	arena_free(a);
}

static struct json *roundtrip_text(const struct json *v, struct buf *b)
{
	struct json *back = NULL;

	buf_reset(b);
	if (json_print(v, JSON_COMPACT, b) < 0 || json_parse(b->p, b->len, &back, NULL) < 0)
		return NULL;
	return back;
}

static void test_snapshot_roundtrip(void)
{
	struct arena *a = arena_new(1u << 20);
	struct attach_snapshot s, t;
	struct json_err err;
	struct json *v, *back;
	struct buf b;

	REQUIRE(a);
	buf_init(&b, 1u << 20);
	host_snapshot(a, &s);
	v = attach_snapshot_json(&s);
	REQUIRE(v);
	back = roundtrip_text(v, &b);
	REQUIRE(back);
	REQUIRE(attach_snapshot_from_json(back, a, &t, &err) == 0);
	CHECK_STR(t.name, s.name);
	CHECK_STR(t.pci, s.pci);
	CHECK_EQ(t.ifindex, s.ifindex);
	CHECK_EQ(t.perm_addr_len, 6);
	CHECK_MEM(t.perm_addr, s.perm_addr, 6);
	CHECK_MEM(t.mac, s.mac, 6);
	CHECK_EQ(t.mtu, 9000);
	CHECK_EQ(t.gro_ipv4_max_size, 65536);
	CHECK(t.up);
	CHECK_MEM(&t.sysctl, &s.sysctl, sizeof(s.sysctl));
	CHECK_MEM(t.sysctl_extra, s.sysctl_extra, sizeof(s.sysctl_extra));
	REQUIRE(t.n_addrs == s.n_addrs && t.n_routes == s.n_routes && t.n_rules == s.n_rules &&
		t.n_neighs == s.n_neighs);
	/* Whole structs: every field we keep is in the JSON (both zero-filled). */
	CHECK_MEM(t.addrs, s.addrs, s.n_addrs * sizeof(*s.addrs));
	CHECK_MEM(t.routes, s.routes, s.n_routes * sizeof(*s.routes));
	CHECK_MEM(t.rules, s.rules, s.n_rules * sizeof(*s.rules));
	CHECK_MEM(t.neighs, s.neighs, s.n_neighs * sizeof(*s.neighs));
	/* And the JSON of the reloaded one prints the same bytes. */
	{
		struct json *v2 = attach_snapshot_json(&t);
		struct buf b2;

		buf_init(&b2, 1u << 20);
		buf_reset(&b);
		REQUIRE(v2);
		CHECK(json_print(v, JSON_COMPACT, &b) == 0 &&
		      json_print(v2, JSON_COMPACT, &b2) == 0);
		CHECK_STR(b.p, b2.p);
		buf_fini(&b2);
		json_free(v2);
	}
	json_free(back);
	json_free(v);
	buf_fini(&b);
	arena_free(a);
}

/* Decode @text; returns the error code, err filled. */
static int snap_decode(const char *text, struct json_err *err)
{
	struct arena *a = arena_new(1u << 20);
	struct attach_snapshot t;
	struct json *v = NULL;
	int ret;

	memset(err, 0, sizeof(*err));
	if (!a || json_parse(text, strlen(text), &v, NULL) < 0) {
		arena_free(a);
		return -EINVAL;
	}
	ret = attach_snapshot_from_json(v, a, &t, err);
	json_free(v);
	arena_free(a);
	return ret;
}

static void test_snapshot_strict(void)
{
	struct arena *a = arena_new(1u << 20);
	struct attach_snapshot s;
	struct json_err err;
	struct json *v;
	struct buf b;
	char *text, *p;

	REQUIRE(a);
	buf_init(&b, 1u << 20);
	host_snapshot(a, &s);
	v = attach_snapshot_json(&s);
	REQUIRE(v && json_print(v, JSON_COMPACT, &b) == 0);
	text = arena_strdup(a, b.p);
	REQUIRE(text);
	CHECK_EQ(snap_decode(text, &err), 0);

	/* An unknown member, at the top and inside an array element. */
	p = arena_printf(a, "{\"bogus\":1,%s", text + 1);
	CHECK_EQ(snap_decode(p, &err), -EBADMSG);
	CHECK_STR(err.path, "bogus");
	CHECK_STR(err.msg, "unknown field");
	p = strstr(text, "\"addrs\":[{");
	REQUIRE(p);
	{
		size_t off = (size_t)(p - text) + strlen("\"addrs\":[{");
		char *q = arena_printf(a, "%.*s\"x\":1,%s", (int)off, text, text + off);

		CHECK_EQ(snap_decode(q, &err), -EBADMSG);
		CHECK_STR(err.path, "addrs[0].x");
	}
	/* A bad address, an address of the other family, a value out of range. */
	{
		char *q = arena_strdup(a, text), *r = strstr(q, "\"10.0.0.2\"");

		REQUIRE(r);
		memcpy(r, "\"10.0.0.x\"", 10);
		CHECK_EQ(snap_decode(q, &err), -EBADMSG);
		CHECK_STR(err.msg, "expected an IP address");
		q = arena_strdup(a, text);
		r = strstr(q, "\"10.0.0.77\"");
		REQUIRE(r);
		q = arena_printf(a, "%.*s\"fd00::77\"%s", (int)(r - q), q, r + 11);
		CHECK_EQ(snap_decode(q, &err), -EBADMSG);
		CHECK_STR(err.path, "neighs[0].dst");
		q = arena_strdup(a, text);
		r = strstr(q, "\"prefixlen\":24");
		REQUIRE(r);
		q = arena_printf(a, "%.*s\"prefixlen\":256%s", (int)(r - q), q, r + 14);
		CHECK_EQ(snap_decode(q, &err), -EBADMSG);
		CHECK_STR(err.msg, "value out of range");
	}
	/* Newer members: bad route metrics, an unknown extra sysctl, a negative one. */
	{
		char *q = arena_strdup(a, text), *r = strstr(q, "\"metrics\":[]");

		/* RTAX_CC_ALGO (16) is a name ("congctl"), never a number. */
		REQUIRE(r);
		q = arena_printf(a, "%.*s\"metrics\":[[16,1]]%s", (int)(r - q), q, r + 12);
		CHECK_EQ(snap_decode(q, &err), -EBADMSG);
		CHECK_STR(err.msg, "expected [[type, value], ...] route metrics");
		q = arena_strdup(a, text);
		r = strstr(q, "\"sysctlExtra\":{");
		REQUIRE(r);
		q = arena_printf(a, "%.*s\"sysctlExtra\":{\"ipv4.bogus\":1,%s", (int)(r - q), q,
				 r + 15);
		CHECK_EQ(snap_decode(q, &err), -EBADMSG);
		CHECK_STR(err.path, "sysctlExtra.ipv4.bogus");
		q = arena_strdup(a, text);
		r = strstr(q, "\"sysctlExtra\":{");
		REQUIRE(r);
		q = arena_printf(a, "%.*s\"sysctlExtra\":{\"ipv4.proxy_arp_pvlan\":-5,%s",
				 (int)(r - q), q, r + 15);
		CHECK_EQ(snap_decode(q, &err), -EBADMSG);
	}
	/* A missing member. */
	CHECK_EQ(snap_decode("{}", &err), -EBADMSG);
	CHECK_EQ(snap_decode("[]", &err), -EBADMSG);
	json_free(v);
	buf_fini(&b);
	arena_free(a);
}

/* Every arena cap below what a decode needs fails with -ENOMEM, never a crash. */
static void test_snapshot_arena_sweep(void)
{
	struct arena *a = arena_new(1u << 20);
	struct attach_snapshot s, t;
	struct json *v;
	size_t ok = 0;

	REQUIRE(a);
	host_snapshot(a, &s);
	v = attach_snapshot_json(&s);
	REQUIRE(v);
	for (size_t cap = 0; cap < 64 * 1024; cap += 64) {
		struct arena *c = arena_new(cap);
		int ret;

		if (!c)
			continue;
		ret = attach_snapshot_from_json(v, c, &t, NULL);
		CHECK(ret == 0 || ret == -ENOMEM);
		ok += ret == 0;
		arena_free(c);
	}
	CHECK(ok > 0);
	json_free(v);
	arena_free(a);
}

static void test_result_roundtrip(void)
{
	struct arena *a = arena_new(1u << 20);
	struct attach_result r = { .pod_ifindex = 3, .mac_len = 6 }, t;
	const char *ips[] = { "10.0.0.2/24", "fd00::2/64" };
	struct nl_ethtool_flag feat[] = { { "tx-checksum-ipv4", true } };
	struct nl_rule rule = {
		.family = AF_INET, .table = 100, .priority = 5, .has_priority = true
	};
	struct json_err err;
	struct json *v, *back;
	struct buf b;

	REQUIRE(a);
	buf_init(&b, 1u << 20);
	strcpy(r.pod_name, "eth99");
	memcpy(r.mac, "\x00\x11\x22\x33\x44\x55", 6);
	r.ips = ips;
	r.n_ips = 2;
	r.rules = &rule;
	r.n_rules = 1;
	r.ethtool_old.features = feat;
	r.ethtool_old.n_features = 1;
	v = attach_result_json(&r);
	REQUIRE(v);
	back = roundtrip_text(v, &b);
	REQUIRE(back);
	REQUIRE(attach_result_from_json(back, a, &t, &err) == 0);
	CHECK_STR(t.pod_name, "eth99");
	CHECK_EQ(t.pod_ifindex, 3);
	CHECK_MEM(t.mac, r.mac, 6);
	REQUIRE(t.n_ips == 2);
	CHECK_STR(t.ips[1], "fd00::2/64");
	REQUIRE(t.n_rules == 1);
	CHECK_MEM(&t.rules[0], &rule, sizeof(rule));
	REQUIRE(t.ethtool_old.n_features == 1);
	CHECK_STR(t.ethtool_old.features[0].name, "tx-checksum-ipv4");
	CHECK(t.ethtool_old.features[0].on);
	CHECK_EQ(t.ethtool_old.n_private_flags, 0);
	json_free(back);
	json_free(v);
	buf_fini(&b);
	arena_free(a);
}

static void test_hex(void)
{
	uint8_t out[8], len = 0;
	char txt[32];

	CHECK_EQ(attach_hex_parse("00:11:aa:FF", out, sizeof(out), &len), 0);
	CHECK_EQ(len, 4);
	attach_hex_format(out, len, txt, sizeof(txt));
	CHECK_STR(txt, "00:11:aa:ff");
	CHECK_EQ(attach_hex_parse("", out, sizeof(out), &len), 0);
	CHECK_EQ(len, 0);
	CHECK_EQ(attach_hex_parse("0:11", out, sizeof(out), &len), -EINVAL);
	CHECK_EQ(attach_hex_parse("00:11:", out, sizeof(out), &len), -EINVAL);
	CHECK_EQ(attach_hex_parse("00-11", out, sizeof(out), &len), -EINVAL);
	CHECK_EQ(attach_hex_parse("00:11:22", out, 2, &len), -EINVAL);
	/* A short output buffer truncates, never overflows. */
	attach_hex_format((const uint8_t *)"\x01\x02\x03", 3, txt, 6);
	CHECK(strlen(txt) < 6);
}

/* ------------------------------------------------------------ kernel */

static int netns_err = -1;
static pid_t pod_pid;

/* rtnetlink message types of the pod's events, in arrival order. */
struct seen_ev {
	uint16_t type[256];
	size_t n;
};

static int ev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct seen_ev *e = data;

	if (e->n < ARRAY_SIZE(e->type))
		e->type[e->n++] = nlh->nlmsg_type;
	return 0;
}

static size_t first(const struct seen_ev *e, uint16_t type)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->type[i] == type)
			return i;
	return SIZE_MAX;
}

/*
 * Fail after the last step; the rollback must undo in reverse: the
 * neighbour, then the rule, the route, (link down,) the address, and
 * last the move (the link leaves the pod).
 */
static void test_kernel_undo_order(void)
{
	struct arena *a = arena_new(4u << 20);
	struct attach_config cfg = { 0 };
	struct attach_ip addr = { .family = AF_INET, .len = 24 };
	struct attach_route_cfg route = { .scope = RT_SCOPE_LINK, .destination = "10.60.0.0/16" };
	struct attach_rule_cfg rule = {
		.priority = 700, .has_priority = true, .table = 100, .has_table = true
	};
	struct attach_neigh_cfg neigh = { .mac = { .len = 6 } };
	struct attach_snapshot snap;
	struct attach_plan plan;
	struct attach_result res;
	struct attach_error err;
	struct nl_sock *host = NULL, *pod = NULL;
	struct seen_ev ev = { 0 };
	struct nl_link l;
	char path[64];
	size_t i_neigh, i_rule, i_route, i_addr, i_link;

	if (netns_err) {
		T_FAIL("no private network namespace: %s", strerror(-netns_err));
		goto out;
	}
	REQUIRE(a);
	REQUIRE(system("ip link add uo0 type veth peer name uo0p && ip link set uo0p up") == 0);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pod_pid);
	REQUIRE(nl_open(NETLINK_ROUTE, NULL, &host) == 0);
	REQUIRE(nl_open(NETLINK_ROUTE, path, &pod) == 0);
	REQUIRE(nl_subscribe(pod, RTNLGRP_LINK) == 0 &&
		nl_subscribe(pod, RTNLGRP_IPV4_IFADDR) == 0 &&
		nl_subscribe(pod, RTNLGRP_IPV4_ROUTE) == 0 &&
		nl_subscribe(pod, RTNLGRP_IPV4_RULE) == 0 && nl_subscribe(pod, RTNLGRP_NEIGH) == 0);
	REQUIRE(attach_snapshot_take(host, 0, "uo0", a, &snap) == 0);
	ip4(addr.addr, "10.50.0.2");
	route.dst = (struct attach_ip){ .family = AF_INET, .len = 16 };
	ip4(route.dst.addr, "10.60.0.0");
	rule.src = (struct attach_ip){ .family = AF_INET, .len = 16 };
	ip4(rule.src.addr, "10.70.0.0");
	neigh.dst = (struct attach_ip){ .family = AF_INET, .len = 32 };
	ip4(neigh.dst.addr, "10.50.0.9");
	memcpy(neigh.mac.addr, "\x02\x00\x00\x00\x00\x09", 6);
	cfg.interface.name = "eth77";
	cfg.interface.addrs = &addr;
	cfg.interface.n_addresses = 1;
	cfg.routes = &route;
	cfg.n_routes = 1;
	cfg.rules = &rule;
	cfg.n_rules = 1;
	cfg.neighbors = &neigh;
	cfg.n_neighbors = 1;
	REQUIRE(attach_plan_build(&cfg, &snap, a, &plan) == 0);

	fail_at = "attach.neigh.after";
	CHECK_EQ(attach_apply(host, path, &snap, &plan, NULL, a, &res, &err), -EIO);
	fail_at = NULL;
	CHECK_STR(err.step, "neigh");
	CHECK_EQ(err.undo_err, 0);
	while (nl_read_events(pod, ev_cb, &ev) > 0)
		;
	i_neigh = first(&ev, RTM_DELNEIGH);
	i_rule = first(&ev, RTM_DELRULE);
	i_route = first(&ev, RTM_DELROUTE);
	i_addr = first(&ev, RTM_DELADDR);
	i_link = first(&ev, RTM_DELLINK);
	CHECK(first(&ev, RTM_NEWNEIGH) < i_neigh);
	CHECK(i_neigh < i_rule);
	CHECK(i_rule < i_route);
	CHECK(i_route < i_addr);
	CHECK(i_addr < i_link);
	CHECK(i_link != SIZE_MAX);
	/* Back on the host as it was. */
	CHECK_EQ(nl_link_get(host, snap.ifindex, &l), 0);
	CHECK_STR(l.name, "uo0");
	CHECK_EQ(l.mtu, snap.mtu);
out:
	nl_close(pod);
	nl_close(host);
	arena_free(a);
}

static int enter_netns(void)
{
	int sync[2];
	char c;

	/* Our own network and mount namespaces: the host's links stay untouched. */
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		return -errno;
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	/* The "pod": a child holding a netns of its own. */
	if (pipe(sync) < 0)
		return -errno;
	pod_pid = fork();
	if (pod_pid < 0)
		return -errno;
	if (pod_pid == 0) {
		close(sync[0]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (write(sync[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(sync[1]);
	if (read(sync[0], &c, 1) != 1)
		return -ECHILD;
	close(sync[0]);
	return 0;
}

static void test_err_set(void)
{
	struct attach_error e = { 0 };

	CHECK_EQ(attach_err_set(&e, "route", -EINVAL, "Nexthop has invalid gateway", "add route %s",
				"10.0.0.0/8"),
		 -EINVAL);
	CHECK_STR(e.step, "route");
	CHECK(strstr(e.msg, "add route 10.0.0.0/8: Nexthop has invalid gateway") == e.msg);
	/* The first failure wins. */
	CHECK_EQ(attach_err_set(&e, "rule", -EEXIST, NULL, "later"), -EEXIST);
	CHECK_STR(e.step, "route");
	memset(&e, 0, sizeof(e));
	attach_err_set(&e, "addr", -EEXIST, "", "add %s", "x");
	CHECK_STR(e.msg, "add x: File exists");
	/* A success leaves the slot free for a later failure. */
	memset(&e, 0, sizeof(e));
	CHECK_EQ(attach_err_set(&e, "sysctl", 0, NULL, "write %s", "x"), 0);
	CHECK_STR(e.step, "");
	attach_err_set(&e, "route", -ENETUNREACH, NULL, "add route");
	CHECK_STR(e.step, "route");
}

static const struct t_case tests[] = {
	T(test_temp_name),	   T(test_plan_dhcp),
	T(test_plan_defaults),	   T(test_plan_config),
	T(test_plan_limits),	   T(test_snapshot_roundtrip),
	T(test_snapshot_strict),   T(test_snapshot_arena_sweep),
	T(test_result_roundtrip),  T(test_hex),
	T(test_kernel_undo_order), T(test_err_set),
};

int main(void)
{
	int rc;

	netns_err = enter_netns();
	if (netns_err)
		fprintf(stderr, "unshare(CLONE_NEWNET): %s (the kernel tests need root)\n",
			strerror(-netns_err));
	rc = T_RUN(tests);
	if (pod_pid > 0) {
		kill(pod_pid, SIGKILL);
		waitpid(pod_pid, NULL, 0);
	}
	return rc;
}
