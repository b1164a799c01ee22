// SPDX-License-Identifier: Apache-2.0
/*
 * lib/attach/config.c: upstream's whole validation matrix (upstream.md §5.3,
 * each row), v1.4's rules (upstream-v1.4.md §4), our fixes (each says where
 * upstream differs), strict decoding, error texts and counts, limits exactly
 * at and one over, an arena-cap sweep, the JSON round trip, the prepare-time
 * checks and the kernel probe (checked against uname as an independent oracle).
 */
#include "attach/attach.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "t.h"

static struct arena *A;
static struct attach_config *cfg;
static struct attach_errs errs;

static int P(const char *json)
{
	arena_reset(A);
	return attach_config_parse(json, strlen(json), A, &cfg, &errs);
}

/* Some error contains @sub (NULL: nothing asked). */
static bool has(const char *sub)
{
	if (!sub)
		return true;
	for (size_t i = 0; i < errs.n; i++) {
		if (strstr(errs.msg[i], sub))
			return true;
	}
	return false;
}

static void dump(const char *json)
{
	fprintf(stderr, "  input: %s\n", json);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "  err[%zu]: %s\n", i, errs.msg[i]);
}

/* @json gives exactly @n errors (0: valid), the first containing @sub when given. */
#define NERR(json, want, sub)                                                                      \
	do {                                                                                       \
		int r_ = P(json);                                                                  \
		CHECK_EQ(r_, (want) ? -EBADMSG : 0);                                               \
		CHECK_EQ(errs.n, (want));                                                          \
		if (!has(sub))                                                                     \
			T_FAIL("no error containing \"%s\"", (const char *)(sub));                 \
		if (errs.n != (size_t)(want) || !has(sub))                                         \
			dump(json);                                                                \
	} while (0)
#define OK(json) NERR(json, 0, NULL)
#define ERR1(json) NERR(json, 1, NULL)

/* Wrap an interface/route/rule/neighbour object into a whole config. */
static const char *wrap(const char *head, const char *inner, const char *tail)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s%s%s", head, inner, tail);
	return buf;
}
#define IF(x) wrap("{\"interface\":{", x, "}}")
#define ROUTE(x) wrap("{\"routes\":[{", x, "}]}")
#define RULE(x) wrap("{\"rules\":[{", x, "}]}")
#define NEIGH(x) wrap("{\"neighbors\":[{", x, "}]}")

/* Print a config as compact JSON into a static buffer. */
static const char *show(const struct attach_config *c)
{
	static char text[1 << 16];
	struct json *j = attach_config_to_json(c);
	struct buf b;
	int ret;

	if (!j)
		return NULL;
	buf_init(&b, 1 << 20);
	ret = json_print(j, JSON_COMPACT, &b);
	json_free(j);
	if (ret || b.len >= sizeof(text)) {
		buf_fini(&b);
		return NULL;
	}
	memcpy(text, b.p, b.len);
	text[b.len] = '\0';
	buf_fini(&b);
	return text;
}

/* ------------------------------------------------- upstream.md §5.3 rows */

static const char full_valid[] =
	"{\"interface\":{\"name\":\"eth0\",\"addresses\":[\"192.168.1.1/24\"],\"mtu\":1500},"
	"\"routes\":[{\"destination\":\"0.0.0.0/0\",\"gateway\":\"192.168.1.254\",\"scope\":0}],"
	"\"rules\":[{\"source\":\"10.0.0.0/8\",\"table\":100}],"
	"\"ethtool\":{\"features\":{\"tso\":true}}}";

static void test_validate_config(void)
{
	struct attach_config *c1;
	char again[4096];

	/* full valid config, round-trips */
	OK(full_valid);
	REQUIRE(cfg);
	CHECK_STR(cfg->interface.name, "eth0");
	CHECK_EQ(cfg->interface.n_addresses, 1);
	CHECK_EQ(cfg->interface.addrs[0].family, AF_INET);
	CHECK_EQ(cfg->interface.addrs[0].len, 24);
	CHECK_EQ(cfg->interface.mtu, 1500);
	CHECK(cfg->interface.has_mtu);
	CHECK_EQ(cfg->n_routes, 1);
	CHECK_EQ(cfg->routes[0].dst.len, 0);
	CHECK_EQ(cfg->routes[0].gw.family, AF_INET);
	CHECK_EQ(cfg->n_rules, 1);
	CHECK_EQ(cfg->rules[0].table, 100);
	CHECK(cfg->rules[0].has_table);
	CHECK(!cfg->rules[0].has_priority);
	CHECK(cfg->has_ethtool);
	REQUIRE(cfg->ethtool.n_features == 1);
	CHECK_STR(cfg->ethtool.features[0].key, "tso");
	CHECK(cfg->ethtool.features[0].value);
	c1 = cfg;
	REQUIRE(show(c1));
	snprintf(again, sizeof(again), "%s", show(c1));
	OK(again);
	CHECK_STR(show(cfg), again);

	/* nil raw / empty bytes: no error, an empty config (upstream: nil) */
	CHECK_EQ(attach_config_parse(NULL, 0, A, &cfg, &errs), 0);
	REQUIRE(cfg);
	CHECK(!cfg->interface.name && !cfg->n_routes && !cfg->has_ethtool);
	CHECK_EQ(errs.n, 0);
	CHECK_EQ(attach_config_parse("", 0, A, &cfg, &errs), 0);
	CHECK(cfg != NULL);
	CHECK_EQ(attach_config_parse(NULL, 1, A, &cfg, &errs), -EINVAL);

	/* malformed JSON: one error, no config */
	NERR("{\"interface\": {\"name\": \"eth0\"", 1, "failed to unmarshal JSON data");
	CHECK(cfg == NULL);

	/* unknown field: named, the known fields still returned */
	NERR("{\"interface\": {\"name\": \"eth0\", \"unknownField\": \"test\"}}", 1,
	     "failed to unmarshal strict JSON data");
	CHECK(has("interface.unknownField: unknown field"));
	REQUIRE(cfg);
	CHECK_STR(cfg->interface.name, "eth0");

	NERR("{\"interface\":{\"name\":\"eth/0\"}}", 1,
	     "interface.name: name 'eth/0' cannot contain '/'");
	NERR("{\"routes\":[{\"destination\":\"invalid-cidr\",\"gateway\":\"1.1.1.1\"}]}", 1,
	     "routes[0].destination: invalid IP or CIDR format 'invalid-cidr'");
	NERR("{\"rules\":[{\"source\":\"invalid-cidr\"}]}", 1,
	     "rules[0].source: invalid CIDR format 'invalid-cidr'");
}

static void test_ifname(void)
{
	static const char *const good[] = { "eth0",   "my-nic",		 "my_nic",
					    "my.nic", "aaaaaaaaaaaaaaa", "" };
	static const char *const bad[] = { "aaaaaaaaaaaaaaaa", "eth/0", "eth 0", ".", "..", "eth!" };
	char in[128];

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		snprintf(in, sizeof(in), "{\"interface\":{\"name\":\"%s\"}}", good[i]);
		OK(in);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(in, sizeof(in), "{\"interface\":{\"name\":\"%s\"}}", bad[i]);
		NERR(in, 1, "interface.name: name '");
	}
	NERR(IF("\"name\":\"aaaaaaaaaaaaaaaa\""), 1, "exceeds maximum length of 15 characters");
	NERR(IF("\"name\":\"eth 0\""), 1, "cannot contain whitespace");
	NERR(IF("\"name\":\"..\""), 1, "cannot be '.' or '..'");
	NERR(IF("\"name\":\"eth!\""), 1,
	     "interface.name: name 'eth!' contains invalid character '!'. Only letters, digits, '-', '_', '.' are recommended");
	/* each offending rune once; '/' and white space are not reported twice */
	NERR(IF("\"name\":\"a!b?c/ \""), 4, "invalid character '?'");
}

static void test_interface(void)
{
	OK(IF("\"name\":\"eth0\",\"addresses\":[\"10.0.0.1/24\"],\"mtu\":1500,\"gsoMaxSize\":65536"));
	ERR1(IF("\"name\":\"eth/\""));
	NERR(IF("\"addresses\":[\"10.0.0/24\"]"), 1,
	     "interface.addresses[0]: invalid IP CIDR format '10.0.0/24'");
	NERR(IF("\"mtu\":0"), 1, "interface.mtu: must be at least 68, got 0");
	NERR(IF("\"mtu\":67"), 1, "interface.mtu: must be at least 68, got 67");
	OK(IF("\"mtu\":68"));
	NERR(IF("\"gsoMaxSize\":0"), 1, "interface.gsoMaxSize: must be positive, got 0");
	NERR(IF("\"groMaxSize\":-1"), 1, "interface.groMaxSize: must be positive, got -1");
	/* upstream's texts call the IPv4 ones gsov4MaxSize/grov4MaxSize */
	NERR(IF("\"gsoIPv4MaxSize\":0"), 1, "interface.gsov4MaxSize: must be positive, got 0");
	NERR(IF("\"groIPv4MaxSize\":-1"), 1, "interface.grov4MaxSize: must be positive, got -1");
	OK(IF("\"hardwareAddr\":\"00:1A:2B:3C:4D:5E\""));
	NERR(IF("\"hardwareAddr\":\"00-1A-2B-3C-4D-5E-XX\""), 1,
	     "interface.hardwareAddress: invalid Hardware Address format '00-1A-2B-3C-4D-5E-XX': address 00-1A-2B-3C-4D-5E-XX: invalid MAC address");
	OK(IF("\"dhcp\":true"));
	OK(IF("\"dhcp\":false,\"addresses\":[\"10.0.0.1/24\"]"));
	NERR(IF("\"dhcp\":true,\"addresses\":[\"10.0.0.1/24\"]"), 1,
	     "interface: dhcp and addresses are mutually exclusive");
	NERR(IF("\"name\":\"eth/0\",\"addresses\":[\"badip\"],\"mtu\":0"), 3, "badip");
	OK("{\"interface\":null}");
	OK("{}");
	OK("null");
	/* netip.ParsePrefix: CIDR required, host bits kept, no leading zero in the length */
	NERR(IF("\"addresses\":[\"10.0.0.1\"]"), 1, "addresses[0]");
	NERR(IF("\"addresses\":[\"10.0.0.1/024\"]"), 1, "addresses[0]");
	NERR(IF("\"addresses\":[\"10.0.0.1/33\"]"), 1, "addresses[0]");
	NERR(IF("\"addresses\":[\"fe80::1%eth0/64\"]"), 1, "addresses[0]");
	OK(IF("\"addresses\":[\"10.0.0.1/24\",\"2001:db8::1/64\"]"));
	CHECK_EQ(cfg->interface.addrs[0].addr[3], 1); /* host bits kept */
	CHECK_EQ(cfg->interface.addrs[1].family, AF_INET6);
	CHECK_EQ(cfg->interface.addrs[1].len, 64);
}

static void test_routes(void)
{
	OK("{\"routes\":[{\"destination\":\"0.0.0.0/0\",\"gateway\":\"192.168.1.1\",\"scope\":0},"
	   "{\"destination\":\"169.254.0.0/16\",\"scope\":253},"
	   "{\"destination\":\"10.10.10.0/24\",\"gateway\":\"192.168.1.1\",\"table\":100}]}");
	CHECK_EQ(cfg->routes[1].scope, 253);
	CHECK_EQ(cfg->routes[2].table, 100);
	NERR(ROUTE("\"destination\":\"10.0.0.0/8\",\"gateway\":\"1.1.1.1\",\"table\":-1"), 1,
	     "routes[0].table: must be a non-negative integer, got -1");
	NERR(ROUTE("\"gateway\":\"1.1.1.1\""), 1, "routes[0].destination: cannot be empty");
	NERR(ROUTE("\"destination\":\"10.0.0/24\",\"gateway\":\"1.1.1.1\""), 1,
	     "routes[0].destination: invalid IP or CIDR format '10.0.0/24'");
	NERR(ROUTE("\"destination\":\"10.0.0.0/8\",\"scope\":0"), 1,
	     "routes[0].gateway: must be specified for Universe scope routes");
	NERR(ROUTE("\"destination\":\"10.0.0.0/8\""), 1,
	     "routes[0].gateway: must be specified for Universe scope routes");
	NERR(ROUTE("\"destination\":\"10.0.0.0/8\",\"gateway\":\"not-an-ip\""), 1,
	     "routes[0].gateway: invalid IP address format 'not-an-ip'");
	NERR(ROUTE("\"destination\":\"10.0.0.0/8\",\"gateway\":\"1.1.1.1\",\"scope\":100"), 1,
	     "routes[0].scope: invalid scope '100', only Link (253) or Universe (0) allowed");
	NERR(ROUTE("\"destination\":\"10.0.0.0/8\",\"gateway\":\"1.1.1.1\",\"source\":\"not-an-ip\""),
	     1, "routes[0].source: invalid IP address format 'not-an-ip'");
	/* paths count: the second route's gateway */
	NERR("{\"routes\":[{\"destination\":\"10.0.0.0/8\",\"gateway\":\"1.1.1.1\"},"
	     "{\"destination\":\"10.1.0.0/16\",\"gateway\":\"x\"}]}",
	     1, "routes[1].gateway: ");
	/* uint8 scope: 256 does not decode (Go: cannot unmarshal number 256 into uint8) */
	NERR(ROUTE("\"destination\":\"10.0.0.0/8\",\"scope\":256"), 1, "routes[0].scope");
	CHECK(cfg == NULL);
}

static void test_rules(void)
{
	OK(RULE("\"source\":\"10.0.0.0/8\",\"table\":100,\"priority\":10"));
	OK(RULE("\"priority\":0"));
	CHECK(cfg->rules[0].has_priority);
	CHECK_EQ(cfg->rules[0].priority, 0);
	OK(RULE("\"priority\":32767"));
	NERR(RULE("\"priority\":32768"), 1,
	     "rules[0].priority: must be an integer between 0 and 32767, got 32768");
	NERR(RULE("\"priority\":-1"), 1, "rules[0].priority: ");
	NERR(RULE("\"table\":-1"), 1, "rules[0].table: must be a non-negative integer, got -1");
	NERR(RULE("\"source\":\"bad\""), 1, "rules[0].source: invalid CIDR format 'bad'");
	NERR(RULE("\"destination\":\"bad\""), 1, "rules[0].destination: invalid CIDR format 'bad'");
	NERR(RULE("\"priority\":-1,\"table\":-1,\"source\":\"bad\",\"destination\":\"bad\""), 4,
	     NULL);
	/* net.ParseCIDR: a bare IP is no CIDR for a rule */
	NERR(RULE("\"source\":\"10.0.0.1\""), 1, "rules[0].source");
}

static void test_neighbors(void)
{
	OK(NEIGH("\"destination\":\"192.168.1.1\",\"hardwareAddr\":\"00:1A:2B:3C:4D:5E\""));
	CHECK_EQ(cfg->neighbors[0].dst.family, AF_INET);
	CHECK_EQ(cfg->neighbors[0].mac.len, 6);
	CHECK_EQ(cfg->neighbors[0].mac.addr[5], 0x5e);
	NERR(NEIGH("\"hardwareAddr\":\"00:1A:2B:3C:4D:5E\""), 1,
	     "neighbors[0].destination: cannot be empty");
	NERR(NEIGH("\"destination\":\"invalid-ip\",\"hardwareAddr\":\"00:1A:2B:3C:4D:5E\""), 1,
	     "neighbors[0].destination: invalid IP address format 'invalid-ip'");
	NERR(NEIGH("\"destination\":\"192.168.1.1\""), 1,
	     "neighbors[0].hardwareAddress: cannot be empty");
	NERR(NEIGH("\"destination\":\"192.168.1.1\",\"hardwareAddr\":\"invalid-mac\""), 1,
	     "neighbors[0].hardwareAddress: invalid Hardware Address format 'invalid-mac'");
	NERR(NEIGH("\"destination\":\"bad\",\"hardwareAddr\":\"bad\""), 2, NULL);
	/* upstream's docs say ipAddress; strict parsing refuses it */
	NERR(NEIGH("\"ipAddress\":\"192.168.1.1\",\"hardwareAddr\":\"00:1A:2B:3C:4D:5E\""), 2,
	     "neighbors[0].ipAddress: unknown field");
}

/* ----------------------------------------------- upstream-v1.4.md §4 */

static void test_v14(void)
{
	static const int ign_ok[] = { 0, 1, 2, 3, 8 }, ign_bad[] = { -1, 4, 5, 7, 9 };
	char in[128];

	for (size_t i = 0; i < ARRAY_SIZE(ign_ok); i++) {
		snprintf(in, sizeof(in), "{\"interface\":{\"arpIgnore\":%d}}", ign_ok[i]);
		OK(in);
		CHECK(cfg->interface.has_arp_ignore);
		CHECK_EQ(cfg->interface.arp_ignore, ign_ok[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(ign_bad); i++) {
		snprintf(in, sizeof(in), "{\"interface\":{\"arpIgnore\":%d}}", ign_bad[i]);
		NERR(in, 1, "interface.arpIgnore: ");
	}
	for (int i = -1; i <= 3; i++) {
		snprintf(in, sizeof(in), "{\"interface\":{\"arpAnnounce\":%d}}", i);
		NERR(in, i >= 0 && i <= 2 ? 0 : 1,
		     i >= 0 && i <= 2 ? NULL : "interface.arpAnnounce: ");
	}
	OK(IF("\"forwarding\":true"));
	CHECK(cfg->interface.has_forwarding && cfg->interface.forwarding);
	OK(IF("\"forwarding\":false"));
	CHECK(cfg->interface.has_forwarding && !cfg->interface.forwarding);
	OK("{\"profile\":\"fast\"}");
	CHECK_STR(cfg->profile, "fast");

	/* vrf: name required, table > 0 and not 253-255; FNV-1a default in [1000, 1999] */
	NERR(IF("\"vrf\":{}"), 1, "interface.vrf.name: cannot be empty");
	NERR(IF("\"vrf\":{\"name\":\"\",\"table\":10}"), 1, "interface.vrf.name: cannot be empty");
	NERR(IF("\"vrf\":{\"name\":\"v\",\"table\":0}"), 1,
	     "interface.vrf.table: must be a positive integer, got 0");
	NERR(IF("\"vrf\":{\"name\":\"v\",\"table\":-5}"), 1, "interface.vrf.table: ");
	for (int t = 252; t <= 256; t++) {
		snprintf(in, sizeof(in), "{\"interface\":{\"vrf\":{\"name\":\"v\",\"table\":%d}}}",
			 t);
		NERR(in, t >= 253 && t <= 255 ? 1 : 0,
		     t >= 253 && t <= 255 ? "cannot use reserved table ID" : NULL);
		CHECK_EQ(cfg->interface.vrf.table, t); /* explicit tables are not offset */
	}
	/* FNV-1a 32 reference vectors: "a" 0xe40c292c, "foobar" 0xbf9cf968 */
	OK(IF("\"vrf\":{\"name\":\"a\"}"));
	CHECK(cfg->interface.vrf.has_table);
	CHECK_EQ(cfg->interface.vrf.table, 0xe40c292cu % 1000 + 1000);
	OK(IF("\"vrf\":{\"name\":\"foobar\"}"));
	CHECK_EQ(cfg->interface.vrf.table, 0xbf9cf968u % 1000 + 1000);
	/* rules with a vrf: a single error, the rules not validated further */
	NERR("{\"interface\":{\"vrf\":{\"name\":\"v\"}},\"rules\":[{\"source\":\"bad\"},{\"priority\":-1}]}",
	     1, "rules: rules are not supported when VRF is enabled");
	OK("{\"interface\":{\"vrf\":{\"name\":\"v\"}},\"rules\":[]}");
	/* v1.4: gateway/source of the destination's family */
	NERR(ROUTE("\"destination\":\"10.0.0.0/8\",\"gateway\":\"2001:db8::1\""), 1,
	     "routes[0].gateway: '2001:db8::1' must be the same IP family as destination '10.0.0.0/8'");
	NERR(ROUTE("\"destination\":\"2001:db8::/32\",\"gateway\":\"fe80::1\",\"source\":\"10.0.0.1\""),
	     1, "routes[0].source: '10.0.0.1' must be the same IP family as destination");
	NERR(RULE("\"source\":\"10.0.0.0/8\",\"destination\":\"2001:db8::/32\""), 1,
	     "rules[0]: source '10.0.0.0/8' and destination '2001:db8::/32' must be the same IP family");
	OK(RULE("\"source\":\"2001:db8::/32\",\"destination\":\"2001:db8:1::/48\""));
}

/* --------------------------------------------------------- our fixes */

static void test_fixes(void)
{
	/* A bare IP destination is a host route (upstream v1.4 rejects it; v1.0 failed at run time). */
	OK(ROUTE("\"destination\":\"10.1.2.3\",\"gateway\":\"10.0.0.1\""));
	CHECK_EQ(cfg->routes[0].dst.family, AF_INET);
	CHECK_EQ(cfg->routes[0].dst.len, 32);
	CHECK_STR(cfg->routes[0].destination, "10.1.2.3"); /* the text as given */
	OK(ROUTE("\"destination\":\"2001:db8::7\",\"scope\":253"));
	CHECK_EQ(cfg->routes[0].dst.family, AF_INET6);
	CHECK_EQ(cfg->routes[0].dst.len, 128);
	CHECK_EQ(cfg->routes[0].dst.addr[15], 7);
	/* prefixes masked as net.ParseCIDR's IPNet (the kernel refuses host bits in a route) */
	OK(ROUTE("\"destination\":\"10.1.2.3/16\",\"gateway\":\"10.0.0.1\""));
	CHECK_EQ(cfg->routes[0].dst.addr[1], 1);
	CHECK_EQ(cfg->routes[0].dst.addr[2], 0);
	CHECK_EQ(cfg->routes[0].dst.addr[3], 0);
	/* omitted rule priority/table: kernel defaults (upstream sends 0) */
	OK(RULE("\"source\":\"10.0.0.0/8\""));
	CHECK(!cfg->rules[0].has_priority);
	CHECK(!cfg->rules[0].has_table);
	OK(RULE("\"table\":0"));
	CHECK(cfg->rules[0].has_table);
	/* non-ASCII letters are refused (upstream lets Unicode letters through) */
	NERR(IF("\"name\":\"ethé\""), 1, "contains invalid character 'é'");
	NERR(IF("\"name\":\"a\\u00a0b\""), 1, "contains invalid character");
	/* v4-mapped gateway for an IPv4 destination: IPv6 as written (upstream calls it IPv4) */
	NERR(ROUTE("\"destination\":\"10.0.0.0/8\",\"gateway\":\"::ffff:10.0.0.1\""), 1,
	     "same IP family");
}

/* ------------------------------------------------- strict decoding */

static void test_strict(void)
{
	NERR("{\"Interface\":{}}", 1,
	     "failed to unmarshal strict JSON data: Interface: unknown field");
	NERR(IF("\"MTU\":1500"), 1, "interface.MTU: unknown field");
	NERR(IF("\"mtu\":1500,\"mtu\":1400"), 1, "failed to unmarshal JSON data: ");
	CHECK(has("interface.mtu"));
	CHECK(cfg == NULL);
	NERR(IF("\"mtu\":\"1500\""), 1,
	     "failed to unmarshal JSON data: interface.mtu: expected integer, got string");
	CHECK(cfg == NULL);
	NERR(IF("\"mtu\":2147483648"), 1, "interface.mtu: value 2147483648 out of range");
	NERR(IF("\"mtu\":1.5"), 1, "interface.mtu");
	NERR("{\"routes\":{}}", 1, "routes: expected array, got object");
	NERR("[]", 1, "expected object");
	NERR("{\"interface\":{}} x", 1, "failed to unmarshal JSON data");
	/* an unknown field does not hide validation errors */
	NERR(IF("\"bogus\":1,\"mtu\":1"), 2, "interface.mtu: must be at least 68");
	/* shared-NIC fields: refused as not supported yet, not as unknown */
	NERR(IF("\"type\":\"ipvlan\""), 1, "interface.type: shared-NIC");
	CHECK(has("not supported yet"));
	NERR(IF("\"addressing\":{\"type\":\"static\"}"), 1, "interface.addressing: ");
	NERR(IF("\"ipvlan\":{\"mode\":\"l2\",\"flag\":\"bridge\"}"), 1, "interface.ipvlan: ");
	NERR("{\"subInterface\":{\"type\":\"ipvlan\"}}", 1, "subInterface: ");
	CHECK(!has("unknown field"));
	OK(IF("\"type\":null"));
}

/* ------------------------------------------------------ parsed forms */

static void test_parsed_forms(void)
{
	static const struct {
		const char *mac;
		int len;
	} macs[] = {
		{ "00:00:5e:00:53:01", 6 },
		{ "02:00:5e:10:00:00:00:01", 8 },
		{ "00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01", 20 },
		{ "00-00-5e-00-53-01", 6 },
		{ "02-00-5e-10-00-00-00-01", 8 },
		{ "00-00-00-00-fe-80-00-00-00-00-00-00-02-00-5e-10-00-00-00-01", 20 },
		{ "0000.5e00.5301", 6 },
		{ "0200.5e10.0000.0001", 8 },
		{ "0000.0000.fe80.0000.0000.0000.0200.5e10.0000.0001", 20 },
		/* Go's net.ParseMAC refuses these */
		{ "00:00:5e:00:53", 0 },
		{ "00:00:5e-00:53:01", 0 },
		{ "00:00:5e:00:53:01:02", 0 },
		{ "0000.5e00.5301.", 0 },
		{ "00005e005301", 0 },
		{ "0:00:5e:00:53:01:", 0 },
		{ "0000:5e00:5301", 0 },
		{ "00:00:5e:00:53:0g", 0 },
	};
	static const struct {
		const char *ip;
		int family;
	} ips[] = {
		{ "1.2.3.4", AF_INET },
		{ "255.255.255.255", AF_INET },
		{ "::", AF_INET6 },
		{ "::1", AF_INET6 },
		{ "1::", AF_INET6 },
		{ "2001:db8::1:2", AF_INET6 },
		{ "::ffff:1.2.3.4", AF_INET6 },
		{ "1:2:3:4:5:6:7:8", AF_INET6 },
		{ "1:2:3:4:5:6:1.2.3.4", AF_INET6 },
		{ "1.2.3", 0 },
		{ "1.2.3.4.5", 0 },
		{ "01.2.3.4", 0 },
		{ "256.1.1.1", 0 },
		{ "1.2.3.4 ", 0 },
		{ "1:2:3:4:5:6:7:8:9", 0 },
		{ "1:2:3:4:5:6:7::8", 0 }, /* :: must stand for a zero group */
		{ "1::2::3", 0 },
		{ ":1::", 0 },
		{ "1:", 0 },
		{ "12345::", 0 },
		{ "fe80::1%eth0", 0 },
		{ "1:2:3:4:5:1.2.3.4", 0 },
		{ "", 0 },
	};
	char in[256];

	for (size_t i = 0; i < ARRAY_SIZE(macs); i++) {
		snprintf(in, sizeof(in), "{\"interface\":{\"hardwareAddr\":\"%s\"}}", macs[i].mac);
		NERR(in, macs[i].len ? 0 : 1, NULL);
		REQUIRE(cfg);
		CHECK_EQ(cfg->interface.mac.len, macs[i].len);
		if (macs[i].len)
			CHECK_EQ(cfg->interface.mac.addr[macs[i].len - 1], 1);
	}
	OK(IF("\"hardwareAddr\":\"0A:bC:de:F0:12:34\""));
	CHECK_MEM(cfg->interface.mac.addr, "\x0a\xbc\xde\xf0\x12\x34", 6);
	for (size_t i = 0; i < ARRAY_SIZE(ips); i++) {
		uint8_t want[16];

		snprintf(
			in, sizeof(in),
			"{\"neighbors\":[{\"destination\":\"%s\",\"hardwareAddr\":\"00:00:5e:00:53:01\"}]}",
			ips[i].ip);
		NERR(in, ips[i].family ? 0 : 1, NULL);
		REQUIRE(cfg);
		CHECK_EQ(cfg->neighbors[0].dst.family, ips[i].family);
		/* inet_pton as the oracle of the bytes (it accepts what Go accepts here) */
		if (ips[i].family) {
			CHECK_EQ(inet_pton(ips[i].family, ips[i].ip, want), 1);
			CHECK_MEM(cfg->neighbors[0].dst.addr, want,
				  ips[i].family == AF_INET ? 4u : 16u);
		}
	}
}

/* ------------------------------------------------------------- limits */

static char *list_json(const char *head, const char *item, size_t n, const char *tail)
{
	size_t size = strlen(head) + n * (strlen(item) + 1) + strlen(tail) + 1;
	char *s = malloc(size), *p = s;

	if (!s)
		return NULL;
	p += sprintf(p, "%s", head);
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? "," : "", item);
	sprintf(p, "%s", tail);
	return s;
}

static void limit_case(const char *head, const char *item, size_t max, const char *tail,
		       const char *path)
{
	char *at = list_json(head, item, max, tail), *over = list_json(head, item, max + 1, tail);
	char msg[64];

	if (at && over) {
		OK(at);
		snprintf(msg, sizeof(msg), "%s: too many entries (%zu, at most %zu)", path, max + 1,
			 max);
		NERR(over, 1, (const char *)msg);
		CHECK(cfg == NULL);
	} else {
		CHECK(!"malloc");
	}
	free(at);
	free(over);
}

static void test_limits(void)
{
	char *s, *at, *over;
	const char *j;

	limit_case("{\"interface\":{\"addresses\":[", "\"10.0.0.1/24\"", ATTACH_ADDRS_MAX, "]}}",
		   "interface.addresses");
	limit_case("{\"routes\":[", "{\"destination\":\"10.0.0.0/8\",\"scope\":253}",
		   ATTACH_ROUTES_MAX, "]}", "routes");
	limit_case("{\"rules\":[", "{}", ATTACH_RULES_MAX, "]}", "rules");
	limit_case("{\"neighbors\":[",
		   "{\"destination\":\"10.0.0.1\",\"hardwareAddr\":\"00:00:5e:00:53:01\"}",
		   ATTACH_NEIGHS_MAX, "]}", "neighbors");
	/* ethtool: features + privateFlags together; keys must differ (no duplicates) */
	at = malloc(64 * 1024);
	over = malloc(64 * 1024);
	REQUIRE(at && over);
	s = at + sprintf(at, "{\"ethtool\":{\"features\":{");
	for (int i = 0; i < ATTACH_ETHTOOL_MAX - 1; i++)
		s += sprintf(s, "%s\"f%d\":true", i ? "," : "", i);
	strcpy(over, at);
	sprintf(s, "},\"privateFlags\":{\"p\":false}}}");
	OK(at);
	CHECK_EQ(cfg->ethtool.n_features + cfg->ethtool.n_private_flags, ATTACH_ETHTOOL_MAX);
	sprintf(over + (s - at), "},\"privateFlags\":{\"p\":false,\"q\":true}}}");
	NERR(over, 1, "ethtool: too many entries (257, at most 256)");
	free(at);
	free(over);

	/* error collection: ATTACH_ERRS_MAX kept, the rest counted; join says so */
	s = list_json("{\"neighbors\":[", "{}", ATTACH_ERRS_MAX / 2 + 3, "]}");
	REQUIRE(s);
	CHECK_EQ(P(s), -EBADMSG);
	CHECK_EQ(errs.n, ATTACH_ERRS_MAX);
	CHECK_EQ(errs.dropped, 6);
	j = attach_errs_join(&errs, A);
	REQUIRE(j);
	CHECK(strstr(j,
		     "neighbors[0].destination: cannot be empty; neighbors[0].hardwareAddress: cannot be empty; neighbors[1]") ==
	      j);
	CHECK(strstr(j, " (and 6 more)") && strlen(strstr(j, " (and 6 more)")) == 13);
	free(s);
	s = list_json("{\"neighbors\":[", "{}", ATTACH_ERRS_MAX / 2, "]}");
	REQUIRE(s);
	CHECK_EQ(P(s), -EBADMSG);
	CHECK_EQ(errs.n, ATTACH_ERRS_MAX);
	CHECK_EQ(errs.dropped, 0);
	CHECK(!strstr(attach_errs_join(&errs, A), "more"));
	free(s);
	errs.n = 0;
	errs.dropped = 0;
	CHECK_STR(attach_errs_join(&errs, A), "");

	/* over lib/json's JSON_TEXT_MAX: one error, nothing parsed */
	s = malloc(JSON_TEXT_MAX + 1);
	REQUIRE(s);
	memset(s, ' ', JSON_TEXT_MAX + 1);
	s[0] = '{';
	s[JSON_TEXT_MAX] = '}';
	arena_reset(A);
	CHECK_EQ(attach_config_parse(s, JSON_TEXT_MAX + 1, A, &cfg, &errs), -EBADMSG);
	CHECK_EQ(errs.n, 1);
	CHECK(has("failed to unmarshal JSON data: document larger than"));
	CHECK(cfg == NULL);
	CHECK_EQ(attach_config_parse(s, JSON_TEXT_MAX, A, &cfg, &errs), -EBADMSG); /* no '}' */
	s[JSON_TEXT_MAX - 1] = '}';
	CHECK_EQ(attach_config_parse(s, JSON_TEXT_MAX, A, &cfg, &errs), 0);
	free(s);

	/* joining in an arena too small: NULL, no crash */
	{
		struct arena *tiny = arena_new(256);
		struct attach_errs many = { .n = 3, .msg = { "x", "y", "z" } };

		REQUIRE(tiny);
		while (arena_alloc(tiny, 16))
			;
		CHECK(attach_errs_join(&many, tiny) == NULL);
		arena_free(tiny);
		CHECK_STR(attach_errs_join(&many, A), "x; y; z");
	}

	/* a long value is quoted clipped in the message */
	s = malloc(1100);
	REQUIRE(s);
	strcpy(s, "{\"interface\":{\"name\":\"");
	memset(s + strlen(s), 'a', 1000);
	strcpy(s + 22 + 1000, "\"}}");
	NERR(s, 1, "aaaa...' exceeds maximum length of 15 characters");
	CHECK(strlen(errs.msg[0]) < 200);
	free(s);
}

/* ------------------------------------------------------- arena sweep */

static void test_arena_sweep(void)
{
	static const char *const inputs[] = {
		full_valid,
		"{\"profile\":\"p\",\"interface\":{\"name\":\"eth/0\",\"addresses\":[\"x\",\"10.0.0.1/8\"],"
		"\"vrf\":{\"name\":\"blue\"},\"arpIgnore\":4,\"hardwareAddr\":\"zz\"},"
		"\"routes\":[{\"destination\":\"1.2.3.4\",\"gateway\":\"::1\"}],"
		"\"rules\":[{}],\"neighbors\":[{}],\"ethtool\":{\"privateFlags\":{\"a\":true}},"
		"\"bogus\":1}",
	};

	for (size_t k = 0; k < ARRAY_SIZE(inputs); k++) {
		struct arena *big = arena_new(1 << 20);
		struct attach_errs ref;
		struct attach_config *c;
		int want, ret = -ENOMEM;
		size_t cap;

		REQUIRE(big);
		want = attach_config_parse(inputs[k], strlen(inputs[k]), big, &c, &ref);
		CHECK(want == 0 || want == -EBADMSG);
		for (cap = 0; cap < (1 << 20) && ret == -ENOMEM; cap += 16) {
			struct arena *a = arena_new(cap);

			if (!a)
				continue; /* a cap below the arena's own header */
			ret = attach_config_parse(inputs[k], strlen(inputs[k]), a, &c, &errs);
			CHECK(ret == -ENOMEM || ret == want);
			if (ret == want)
				CHECK_EQ(errs.n, ref.n);
			arena_free(a);
		}
		CHECK_EQ(ret, want);
		arena_free(big);
	}
}

/* -------------------------------------------------------- round trip */

static void test_roundtrip(void)
{
	static const char *const inputs[] = {
		full_valid,
		"{\"profile\":\"gold\",\"interface\":{\"name\":\"net1\",\"addresses\":[\"10.0.0.2/24\",\"2001:db8::2/64\"],"
		"\"dhcp\":false,\"mtu\":9000,\"hardwareAddr\":\"02:00:00:00:00:01\",\"gsoMaxSize\":65536,"
		"\"groMaxSize\":65536,\"gsoIPv4MaxSize\":65536,\"groIPv4MaxSize\":65536,"
		"\"disableEbpfPrograms\":true,\"forwarding\":false,\"arpIgnore\":8,\"arpAnnounce\":0,"
		"\"vrf\":{\"name\":\"red\"}},"
		"\"routes\":[{\"destination\":\"10.9.0.0/16\",\"gateway\":\"10.0.0.1\",\"source\":\"10.0.0.2\",\"table\":7},"
		"{\"destination\":\"10.0.0.0/24\",\"scope\":253}],"
		"\"neighbors\":[{\"destination\":\"10.0.0.1\",\"hardwareAddr\":\"02:00:00:00:00:02\"}],"
		"\"ethtool\":{\"features\":{\"rx-checksum\":false},\"privateFlags\":{\"x\":true}}}",
		"{\"rules\":[{\"priority\":0,\"table\":0},{\"source\":\"10.0.0.0/8\"}],\"ethtool\":{}}",
		"{}",
	};
	char first[1 << 14];

	for (size_t i = 0; i < ARRAY_SIZE(inputs); i++) {
		OK(inputs[i]);
		REQUIRE(cfg && show(cfg));
		snprintf(first, sizeof(first), "%s", show(cfg));
		OK(first);
		REQUIRE(cfg);
		CHECK_STR(show(cfg), first);
	}
	/* only present fields; the defaulted vrf table is written */
	OK(inputs[1]);
	CHECK(strstr(show(cfg), "\"vrf\":{\"name\":\"red\",\"table\":"));
	OK(inputs[2]);
	CHECK_STR(show(cfg), "{\"ethtool\":{},\"rules\":[{\"priority\":0,\"table\":0},"
			     "{\"source\":\"10.0.0.0/8\"}]}");
	OK("{}");
	CHECK_STR(show(cfg), "{}");
	/* copied host routes are not claim config */
	OK(inputs[1]);
	cfg->routes[0].origin = ATTACH_FROM_HOST;
	CHECK(!strstr(show(cfg), "10.9.0.0"));
	CHECK(strstr(show(cfg), "10.0.0.0/24"));
}

/* ------------------------------------------------ prepare-time checks */

static void test_checks(void)
{
	struct attach_kernel old = { 0 }, new = { .gso_ipv4_sizes = true, .tcx = true };
	static const char *const netdev_fields[] = {
		"\"name\":\"x\"",	"\"addresses\":[\"10.0.0.1/8\"]",
		"\"mtu\":1500",		"\"hardwareAddr\":\"00:00:5e:00:53:01\"",
		"\"dhcp\":false",	"\"gsoMaxSize\":1",
		"\"groMaxSize\":1",	"\"gsoIPv4MaxSize\":1",
		"\"groIPv4MaxSize\":1", "\"disableEbpfPrograms\":false",
		"\"arpIgnore\":0",	"\"arpAnnounce\":0",
	};

	for (size_t i = 0; i < ARRAY_SIZE(netdev_fields); i++) {
		OK(IF(netdev_fields[i]));
		CHECK_EQ(attach_config_check_rdma_only(cfg, &errs, A), -EBADMSG);
		CHECK_EQ(errs.n, 1);
		CHECK(has("interface configuration is not supported for RDMA-only devices"));
	}
	/* profile, vrf and forwarding pass; everything at once: one error per category */
	OK("{\"profile\":\"p\",\"interface\":{\"forwarding\":true,\"vrf\":{\"name\":\"v\"}}}");
	CHECK_EQ(attach_config_check_rdma_only(cfg, &errs, A), 0);
	CHECK_EQ(errs.n, 0);
	OK("{\"interface\":{\"name\":\"a\",\"mtu\":1500},"
	   "\"routes\":[{\"destination\":\"10.0.0.0/8\",\"scope\":253},{\"destination\":\"10.1.0.0/16\",\"scope\":253}],"
	   "\"rules\":[{}],\"neighbors\":[{\"destination\":\"10.0.0.1\",\"hardwareAddr\":\"00:00:5e:00:53:01\"}],"
	   "\"ethtool\":{}}");
	CHECK_EQ(attach_config_check_rdma_only(cfg, &errs, A), -EBADMSG);
	CHECK_EQ(errs.n, 5);
	CHECK(has("routes are not supported for RDMA-only devices"));
	CHECK(has("rules are not supported for RDMA-only devices"));
	CHECK(has("ethtool configuration is not supported for RDMA-only devices"));
	CHECK(has("neighbors are not supported for RDMA-only devices"));

	/* VF MTU: equal allowed, above refused; checks append */
	OK(IF("\"mtu\":9000"));
	CHECK_EQ(attach_config_check_vf_mtu(cfg, 9000, &errs, A), 0);
	CHECK_EQ(attach_config_check_vf_mtu(cfg, 8999, &errs, A), -EBADMSG);
	CHECK(has("interface.mtu: 9000 exceeds the MTU 8999"));
	CHECK_EQ(attach_config_check_vf_mtu(cfg, 1500, &errs, A), -EBADMSG);
	CHECK_EQ(errs.n, 2);
	OK("{}");
	CHECK_EQ(attach_config_check_vf_mtu(cfg, 68, &errs, A), 0);

	/* kernel features */
	OK(IF("\"gsoIPv4MaxSize\":65536,\"groIPv4MaxSize\":65536,\"gsoMaxSize\":65536"));
	CHECK_EQ(attach_config_check_kernel(cfg, &new, &errs, A), 0);
	CHECK_EQ(attach_config_check_kernel(cfg, &old, &errs, A), -EBADMSG);
	CHECK_EQ(errs.n, 2);
	CHECK(has("interface.gsoIPv4MaxSize: the running kernel lacks IFLA_GSO_IPV4_MAX_SIZE"));
	CHECK(has("interface.groIPv4MaxSize: "));
	OK(IF("\"gsoMaxSize\":65536,\"disableEbpfPrograms\":true"));
	CHECK_EQ(attach_config_check_kernel(cfg, &old, &errs, A), 0);
}

/* The probe against the kernel's own version (uname: an oracle independent of the probe). */
static void test_probe(void)
{
	struct attach_kernel k;
	struct utsname u;
	int maj = 0, min = 0, ret;

	REQUIRE(uname(&u) == 0);
	REQUIRE(sscanf(u.release, "%d.%d", &maj, &min) == 2);
	ret = attach_kernel_probe(&k);
	if (ret == -EPERM && geteuid() != 0) {
		fprintf(stderr, "test_probe: bpf() needs CAP_NET_ADMIN; probe not checked\n");
		return;
	}
	CHECK_EQ(ret, 0);
	CHECK_EQ(k.gso_ipv4_sizes, maj > 6 || (maj == 6 && min >= 3));
	CHECK_EQ(k.tcx, maj > 6 || (maj == 6 && min >= 6));
}

int main(void)
{
	static const struct t_case tests[] = {
		T(test_validate_config),
		T(test_ifname),
		T(test_interface),
		T(test_routes),
		T(test_rules),
		T(test_neighbors),
		T(test_v14),
		T(test_fixes),
		T(test_strict),
		T(test_parsed_forms),
		T(test_limits),
		T(test_arena_sweep),
		T(test_roundtrip),
		T(test_checks),
		T(test_probe),
	};
	int ret;

	A = arena_new(4u << 20);
	if (!A)
		return 1;
	ret = T_RUN(tests);
	arena_free(A);
	return ret;
}
