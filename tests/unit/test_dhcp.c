// SPDX-License-Identifier: Apache-2.0
/*
 * lib/attach DHCPv4: the codec against hand-built RFC 2131 layouts, RFC 3442
 * option 121 examples and replies captured from Debian's dnsmasq
 * (tests/data/dhcp/, from the config in tests/e2e/22-dhcp.t plus two DNS
 * servers); truncation at every offset; malformed lengths; the state machine
 * driven by a fake clock through its send seam.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "attach/attach.h"
#include "t.h"

static const uint8_t MAC[6] = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 };
#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * A BOOTREPLY laid out by hand (RFC 2131 §2, figure 1): op 2, htype 1,
 * hlen 6, xid at 4, flags at 10, yiaddr at 16, siaddr at 20, chaddr at 28,
 * sname at 44, file at 108, cookie at 236, options from 240. @opts are
 * copied as given (the caller writes the end option). Returns the length.
 */
static size_t mk_reply(uint8_t *buf, uint32_t xid, uint32_t yiaddr, const uint8_t *opts, size_t n)
{
	memset(buf, 0, 240);
	buf[0] = 2;
	buf[1] = 1;
	buf[2] = 6;
	put32(buf + 4, xid);
	put32(buf + 16, yiaddr);
	memcpy(buf + 28, MAC, 6);
	put32(buf + 236, 0x63825363);
	memcpy(buf + 240, opts, n);
	return 240 + n;
}

/* A typical ACK: 53=ACK, 54, 51, 1, 3 and end. */
static const uint8_t ack_opts[] = {
	53, 1, 5,   54,	 4,   10, 0, 0, 1,  51, 4, 0,	0,  0x0e, 0x10, /* 3600 s */
	1,  4, 255, 255, 255, 0,  3, 8, 10, 0,	0, 254, 10, 0,	  0,	253, 255,
};

static void test_decode_layout(void)
{
	uint8_t buf[600];
	struct attach_dhcp_reply r;
	size_t n = mk_reply(buf, 0x11223344, IP(10, 0, 0, 5), ack_opts, sizeof(ack_opts));

	put32(buf + 20, IP(10, 0, 0, 9)); /* siaddr */
	REQUIRE(attach_dhcp_decode(buf, n, &r, NULL) == 0);
	CHECK_EQ(r.type, ATTACH_DHCP_ACK);
	CHECK_EQ(r.xid, 0x11223344);
	CHECK_MEM(r.chaddr, MAC, 6);
	CHECK_EQ(r.yiaddr, IP(10, 0, 0, 5));
	CHECK_EQ(r.siaddr, IP(10, 0, 0, 9));
	CHECK(r.has_server_id && r.server_id == IP(10, 0, 0, 1));
	CHECK(r.has_lease && r.lease_s == 3600);
	CHECK(r.has_mask && r.mask == IP(255, 255, 255, 0));
	CHECK_EQ(r.n_routers, 2);
	CHECK_EQ(r.routers[0], IP(10, 0, 0, 254));
	CHECK_EQ(r.routers[1], IP(10, 0, 0, 253));
	CHECK(!r.has_routes && !r.has_t1 && !r.has_t2);
}

static int read_data(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, cap, f);
	fclose(f);
	return (int)n;
}

static void test_decode_dnsmasq(void)
{
	uint8_t buf[1500];
	struct attach_dhcp_reply r;
	struct attach_dhcp_lease l;
	int n = read_data("tests/data/dhcp/dnsmasq-ack.bin", buf, sizeof(buf));

	REQUIRE(n > 240);
	REQUIRE(attach_dhcp_decode(buf, (size_t)n, &r, NULL) == 0);
	CHECK_EQ(r.type, ATTACH_DHCP_ACK);
	CHECK_EQ(r.yiaddr, IP(10, 77, 0, 57));
	CHECK_EQ(r.server_id, IP(10, 77, 0, 1));
	CHECK_EQ(r.lease_s, 120);
	CHECK_EQ(r.mask, IP(255, 255, 255, 0));
	CHECK(r.n_routers == 1 && r.routers[0] == IP(10, 77, 0, 254));
	CHECK(r.n_dns == 2 && r.dns[0] == IP(10, 77, 0, 9) && r.dns[1] == IP(10, 77, 0, 8));
	REQUIRE(r.has_routes && r.n_routes == 4);
	CHECK(r.routes[0].dst == IP(10, 0, 0, 0) && r.routes[0].len == 8);
	CHECK_EQ(r.routes[0].gw, IP(10, 77, 0, 2));
	CHECK(r.routes[1].dst == IP(192, 168, 5, 0) && r.routes[1].len == 24);
	CHECK(r.routes[2].dst == IP(172, 16, 1, 1) && r.routes[2].len == 32);
	CHECK(r.routes[3].dst == 0 && r.routes[3].len == 0 && r.routes[3].gw == IP(10, 77, 0, 1));
	/* Option 121 present: option 3's router makes no route (RFC 3442 §1). */
	REQUIRE(attach_dhcp_lease_from_reply(&r, 0, 0, &l) == 0);
	CHECK_EQ(l.n_routes, 4);
	CHECK_EQ(l.addr.len, 24);
	CHECK_EQ(l.t1_s, 60); /* dnsmasq sends the RFC defaults */
	CHECK_EQ(l.t2_s, 105);
	n = read_data("tests/data/dhcp/dnsmasq-offer.bin", buf, sizeof(buf));
	REQUIRE(n > 240);
	REQUIRE(attach_dhcp_decode(buf, (size_t)n, &r, NULL) == 0);
	CHECK_EQ(r.type, ATTACH_DHCP_OFFER);
	CHECK_EQ(r.yiaddr, IP(10, 77, 0, 57));
}

static int decode_opts(const uint8_t *opts, size_t n, struct attach_dhcp_reply *r)
{
	uint8_t buf[2048];
	size_t len = mk_reply(buf, 1, IP(10, 0, 0, 5), opts, n);

	return attach_dhcp_decode(buf, len, r, NULL);
}

/* RFC 3442 §2's examples: widths 0, 8, 24, 32 (and 9: two significant octets). */
static void test_rfc3442(void)
{
	static const uint8_t o[] = {
		121, 28,  0,   10, 0,  0, 1, /* 0.0.0.0/0 via 10.0.0.1 */
		8,   10,  10,  0,  0,  2, /* 10.0.0.0/8 via 10.0.0.2 */
		24,  192, 168, 5,  10, 0, 0, 3, /* 192.168.5.0/24 */
		32,  172, 16,  1,  1,  0, 0, 0, 0, /* host route, on-link */
		255,
	};
	static const uint8_t nine[] = { 121, 7, 9, 129, 0x80, 10, 0, 0, 1, 255 }; /* 129.0/9 */
	static const uint8_t stray[] = { 121, 8, 20, 10, 1, 0x3f, 1, 2, 3, 4, 255 };
	struct attach_dhcp_reply r;
	struct attach_dhcp_lease l;

	REQUIRE(decode_opts(o, sizeof(o), &r) == 0);
	REQUIRE(r.n_routes == 4);
	CHECK(r.routes[0].len == 0 && r.routes[0].dst == 0 && r.routes[0].gw == IP(10, 0, 0, 1));
	CHECK(r.routes[1].len == 8 && r.routes[1].dst == IP(10, 0, 0, 0));
	CHECK(r.routes[2].len == 24 && r.routes[2].dst == IP(192, 168, 5, 0));
	CHECK(r.routes[3].len == 32 && r.routes[3].dst == IP(172, 16, 1, 1) && r.routes[3].gw == 0);
	REQUIRE(decode_opts(nine, sizeof(nine), &r) == 0);
	CHECK(r.n_routes == 1 && r.routes[0].len == 9 && r.routes[0].dst == IP(129, 128, 0, 0));
	/* Bits past the width are dropped: 10.1.63.x/20 is 10.1.48.0/20. */
	REQUIRE(decode_opts(stray, sizeof(stray), &r) == 0);
	CHECK_EQ(r.routes[0].dst, IP(10, 1, 48, 0));
	/* The lease: on-link route has no gateway. */
	r.type = ATTACH_DHCP_ACK;
	(void)decode_opts(o, sizeof(o), &r);
	r.has_server_id = r.has_lease = true;
	r.server_id = IP(10, 0, 0, 1);
	r.lease_s = 100;
	REQUIRE(attach_dhcp_lease_from_reply(&r, 0, 0, &l) == 0);
	CHECK_EQ(l.routes[3].gw.family, 0);
	CHECK_EQ(l.routes[0].gw.family, AF_INET);
	CHECK_EQ(l.addr.len, 8); /* no option 1: class A */
}

static void test_rfc3442_bad(void)
{
	static const uint8_t wide[] = { 121, 5, 33, 1, 2, 3, 4, 255 };
	static const uint8_t short_rt[] = { 121, 7, 24, 192, 168, 5, 10, 0, 0, 255 };
	static const uint8_t tiny[] = { 121, 4, 0, 10, 0, 0, 255 };
	static const uint8_t empty[] = { 121, 0, 255 };
	static const uint8_t tail[] = { 121, 6, 0, 10, 0, 0, 1, 8, 255 };
	struct attach_dhcp_reply r;
	uint8_t many[2 + 255 * 2 + 1];
	size_t n = 0;

	CHECK_EQ(decode_opts(wide, sizeof(wide), &r), -EBADMSG);
	CHECK_EQ(decode_opts(short_rt, sizeof(short_rt), &r), -EBADMSG);
	CHECK_EQ(decode_opts(tiny, sizeof(tiny), &r), -EBADMSG);
	CHECK_EQ(decode_opts(empty, sizeof(empty), &r), -EBADMSG);
	CHECK_EQ(decode_opts(tail, sizeof(tail), &r), -EBADMSG);
	/* 65 default routes (5 bytes each) over two instances (RFC 3396): over the cap. */
	for (int part = 0; part < 2; part++) {
		many[n++] = 121;
		many[n++] = 250;
		for (int i = 0; i < 50; i++) {
			many[n++] = 0;
			put32(many + n, IP(10, 0, 0, 1));
			n += 4;
		}
	}
	many[n++] = 255;
	CHECK_EQ(decode_opts(many, n, &r), -EMSGSIZE);
}

static void test_option3_default(void)
{
	struct attach_dhcp_reply r;
	struct attach_dhcp_lease l;

	REQUIRE(decode_opts(ack_opts, sizeof(ack_opts), &r) == 0);
	REQUIRE(attach_dhcp_lease_from_reply(&r, 5000, 1700000000, &l) == 0);
	REQUIRE(l.n_routes == 1);
	CHECK_EQ(l.routes[0].dst.len, 0);
	CHECK_EQ(l.routes[0].dst.family, AF_INET);
	CHECK_MEM(l.routes[0].gw.addr, ((uint8_t[]){ 10, 0, 0, 254 }), 4);
	CHECK_EQ(l.addr.len, 24);
	CHECK_MEM(l.addr.addr, ((uint8_t[]){ 10, 0, 0, 5 }), 4);
	CHECK_EQ(l.t1_s, 1800);
	CHECK_EQ(l.t2_s, 3150);
}

static void test_truncation(void)
{
	uint8_t buf[600], *p;
	struct attach_dhcp_reply r;
	size_t n = mk_reply(buf, 7, IP(10, 0, 0, 5), ack_opts, sizeof(ack_opts));

	/* Every cut before the end option (last byte) fails; a cut after the end is padding. */
	for (size_t cut = 0; cut < n; cut++) {
		const char *why = NULL;

		p = malloc(cut ? cut : 1);
		memcpy(p, buf, cut);
		CHECK_EQ(attach_dhcp_decode(p, cut, &r, &why), -EBADMSG);
		CHECK(why != NULL);
		free(p);
	}
	memset(buf + n, 0, 20);
	for (size_t extra = 0; extra <= 20; extra++)
		CHECK_EQ(attach_dhcp_decode(buf, n + extra, &r, NULL), 0);
}

static void test_bad_options(void)
{
	static const struct {
		uint8_t o[16];
		size_t n;
		int err;
	} cases[] = {
		{ { 53, 2, 5, 5, 255 }, 5, -EBADMSG },
		{ { 53, 1, 5, 53, 1, 5, 255 }, 7, -EBADMSG }, /* RFC 3396 joins them: length 2 */
		{ { 1, 3, 255, 255, 0, 255 }, 6, -EBADMSG },
		{ { 1, 4, 255, 0, 255, 0, 255 }, 7, -EBADMSG }, /* not contiguous */
		{ { 51, 5, 0, 0, 0, 1, 0, 255 }, 8, -EBADMSG },
		{ { 54, 0, 255 }, 3, -EBADMSG },
		{ { 58, 2, 0, 1, 255 }, 5, -EBADMSG },
		{ { 3, 6, 1, 2, 3, 4, 5, 6, 255 }, 9, -EBADMSG },
		{ { 6, 0, 255 }, 3, -EBADMSG },
		{ { 52, 1, 4, 255 }, 4, -EBADMSG },
		{ { 50, 9, 1, 2, 255 }, 5, -EBADMSG }, /* runs past the end */
		{ { 0, 0, 0, 255 }, 4, 0 }, /* pads */
		{ { 200, 3, 1, 2, 3, 255 }, 6, 0 }, /* unknown: skipped */
		{ { 1, 4, 0, 0, 0, 0, 255 }, 7, 0 }, /* /0 is a mask */
	};
	struct attach_dhcp_reply r;
	uint8_t buf[400];
	size_t n;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int got = decode_opts(cases[i].o, cases[i].n, &r);

		if (got != cases[i].err)
			T_FAIL("case %zu: %d != %d", i, got, cases[i].err);
	}
	/* Not a reply, wrong hlen, no cookie. */
	n = mk_reply(buf, 1, 0, ack_opts, sizeof(ack_opts));
	buf[0] = 1;
	CHECK_EQ(attach_dhcp_decode(buf, n, &r, NULL), -EBADMSG);
	buf[0] = 2;
	buf[2] = 16;
	CHECK_EQ(attach_dhcp_decode(buf, n, &r, NULL), -EBADMSG);
	buf[2] = 6;
	buf[239] = 0;
	CHECK_EQ(attach_dhcp_decode(buf, n, &r, NULL), -EBADMSG);
}

/* Option 52 (RFC 2131 §4.1): options continue in file, then sname; RFC 3396 joins 121. */
static void test_overload(void)
{
	static const uint8_t o[] = { 53, 1, 5, 52, 1, 3, 121, 5, 0, 10, 0, 0, 1, 255 };
	uint8_t buf[400];
	struct attach_dhcp_reply r;
	size_t n = mk_reply(buf, 1, IP(10, 0, 0, 5), o, sizeof(o));
	/* file: the rest of option 121 (a /8) and option 54; sname: option 51. */
	static const uint8_t file[] = { 121, 6, 8, 10, 10, 0, 0, 2, 54, 4, 10, 0, 0, 1, 255 };
	static const uint8_t sname[] = { 51, 4, 0, 0, 0, 60, 255 };

	memcpy(buf + 108, file, sizeof(file));
	memcpy(buf + 44, sname, sizeof(sname));
	REQUIRE(attach_dhcp_decode(buf, n, &r, NULL) == 0);
	CHECK_EQ(r.n_routes, 2);
	CHECK_EQ(r.routes[1].dst, IP(10, 0, 0, 0));
	CHECK(r.has_server_id && r.has_lease && r.lease_s == 60);
	/* sname without an end option: malformed. */
	memset(buf + 44, 51, 64);
	CHECK_EQ(attach_dhcp_decode(buf, n, &r, NULL), -EBADMSG);
	/* Without option 52 (renamed to an unknown 200) the same fields are ignored. */
	buf[240 + 3] = 200;
	REQUIRE(attach_dhcp_decode(buf, n, &r, NULL) == 0);
	CHECK(r.n_routes == 1 && !r.has_server_id && !r.has_lease);
	buf[240 + 3] = 52;
	buf[240 + 5] = 0; /* option 52 value 0: invalid */
	CHECK_EQ(attach_dhcp_decode(buf, n, &r, NULL), -EBADMSG);
}

/* Find option @code in an encoded request; its length, or -1. */
static int find_opt(const uint8_t *p, size_t n, uint8_t code, const uint8_t **val)
{
	size_t i = 240;

	while (i < n && p[i] != 255) {
		if (p[i] == 0) {
			i++;
			continue;
		}
		if (i + 1 >= n || i + 2 + p[i + 1] > n)
			return -1;
		if (p[i] == code) {
			*val = p + i + 2;
			return p[i + 1];
		}
		i += 2 + p[i + 1];
	}
	return -1;
}

static void test_encode(void)
{
	struct attach_dhcp_req q = { .type = ATTACH_DHCP_DISCOVER,
				     .xid = 0xa1b2c3d4,
				     .broadcast = true };
	uint8_t buf[600];
	const uint8_t *v;
	int n;

	memcpy(q.mac, MAC, 6);
	n = attach_dhcp_encode(&q, buf, sizeof(buf));
	REQUIRE(n == 300);
	CHECK(buf[0] == 1 && buf[1] == 1 && buf[2] == 6 && buf[3] == 0);
	CHECK_EQ(get32(buf + 4), 0xa1b2c3d4);
	CHECK(buf[10] == 0x80 && buf[11] == 0);
	CHECK_EQ(get32(buf + 12), 0);
	CHECK_MEM(buf + 28, MAC, 6);
	CHECK_EQ(get32(buf + 236), 0x63825363);
	CHECK(find_opt(buf, (size_t)n, 53, &v) == 1 && v[0] == 1);
	CHECK(find_opt(buf, (size_t)n, 61, &v) == 7 && v[0] == 1 && memcmp(v + 1, MAC, 6) == 0);
	REQUIRE(find_opt(buf, (size_t)n, 55, &v) == 8);
	CHECK(memchr(v, 121, 8) && memchr(v, 3, 8) && memchr(v, 58, 8));
	CHECK_EQ(find_opt(buf, (size_t)n, 50, &v), -1);
	CHECK_EQ(find_opt(buf, (size_t)n, 54, &v), -1);
	/* REQUEST in SELECTING: 50 and 54. */
	q.type = ATTACH_DHCP_REQUEST;
	q.requested_ip = IP(10, 0, 0, 5);
	q.server_id = IP(10, 0, 0, 1);
	n = attach_dhcp_encode(&q, buf, sizeof(buf));
	REQUIRE(n == 300);
	CHECK(find_opt(buf, (size_t)n, 50, &v) == 4 && get32(v) == IP(10, 0, 0, 5));
	CHECK(find_opt(buf, (size_t)n, 54, &v) == 4 && get32(v) == IP(10, 0, 0, 1));
	/* RELEASE: ciaddr, 54, no parameter list. */
	q = (struct attach_dhcp_req){ .type = ATTACH_DHCP_RELEASE,
				      .ciaddr = IP(10, 0, 0, 5),
				      .server_id = IP(10, 0, 0, 1) };
	n = attach_dhcp_encode(&q, buf, sizeof(buf));
	REQUIRE(n == 300);
	CHECK_EQ(get32(buf + 12), IP(10, 0, 0, 5));
	CHECK(buf[10] == 0);
	CHECK_EQ(find_opt(buf, (size_t)n, 55, &v), -1);
	CHECK(find_opt(buf, (size_t)n, 53, &v) == 1 && v[0] == 7);
	q.type = ATTACH_DHCP_OFFER;
	CHECK_EQ(attach_dhcp_encode(&q, buf, sizeof(buf)), -EINVAL);
	q.type = ATTACH_DHCP_DISCOVER;
	for (size_t sz = 0; sz < 300; sz += 7)
		CHECK_EQ(attach_dhcp_encode(&q, buf, sz), -EMSGSIZE);
}

static void test_lease_times(void)
{
	struct attach_dhcp_reply r;
	struct attach_dhcp_lease l;

	REQUIRE(decode_opts(ack_opts, sizeof(ack_opts), &r) == 0);
	r.has_t1 = r.has_t2 = true;
	r.t1_s = 100;
	r.t2_s = 200;
	REQUIRE(attach_dhcp_lease_from_reply(&r, 0, 0, &l) == 0);
	CHECK(l.t1_s == 100 && l.t2_s == 200);
	r.t1_s = 300; /* T1 > T2: default T1 */
	r.t2_s = 200;
	REQUIRE(attach_dhcp_lease_from_reply(&r, 0, 0, &l) == 0);
	CHECK(l.t1_s == 200 && l.t2_s == 200);
	r.t2_s = 4000; /* T2 > lease: default T2 */
	r.t1_s = 10;
	REQUIRE(attach_dhcp_lease_from_reply(&r, 0, 0, &l) == 0);
	CHECK(l.t1_s == 10 && l.t2_s == 3150);
	r.lease_s = ATTACH_DHCP_LEASE_INFINITE;
	REQUIRE(attach_dhcp_lease_from_reply(&r, 0, 0, &l) == 0);
	CHECK(l.t1_s == ATTACH_DHCP_LEASE_INFINITE && l.t2_s == ATTACH_DHCP_LEASE_INFINITE);
	r.has_server_id = false;
	CHECK_EQ(attach_dhcp_lease_from_reply(&r, 0, 0, &l), -EBADMSG);
	r.has_server_id = true;
	r.yiaddr = 0;
	CHECK_EQ(attach_dhcp_lease_from_reply(&r, 0, 0, &l), -EBADMSG);
}

static void test_json(void)
{
	struct attach_dhcp_reply r;
	struct attach_dhcp_lease l, back;
	struct json *j;
	struct json_err jerr;
	const char *why = NULL;
	struct buf b;
	uint8_t buf[1500];
	int n = read_data("tests/data/dhcp/dnsmasq-ack.bin", buf, sizeof(buf));

	REQUIRE(n > 0 && attach_dhcp_decode(buf, (size_t)n, &r, NULL) == 0);
	REQUIRE(attach_dhcp_lease_from_reply(&r, 50000, 1700000000, &l) == 0);
	j = attach_dhcp_lease_to_json(&l);
	REQUIRE(j);
	buf_init(&b, 1 << 16);
	REQUIRE(json_print(j, JSON_COMPACT, &b) == 0);
	CHECK_STR(b.p,
		  "{\"acquiredAt\":1700000000,\"address\":\"10.77.0.57/24\","
		  "\"dns\":[\"10.77.0.9\",\"10.77.0.8\"],\"expiresAt\":1700000120,"
		  "\"leaseSeconds\":120,\"rebindAt\":1700000105,\"renewAt\":1700000060,"
		  "\"routers\":[\"10.77.0.254\"],\"routes\":[{\"destination\":\"10.0.0.0/8\","
		  "\"gateway\":\"10.77.0.2\"},{\"destination\":\"192.168.5.0/24\",\"gateway\":"
		  "\"10.77.0.3\"},{\"destination\":\"172.16.1.1/32\",\"gateway\":\"10.77.0.4\"},"
		  "{\"destination\":\"0.0.0.0/0\",\"gateway\":\"10.77.0.1\"}],"
		  "\"server\":\"10.77.0.1\"}");
	/* Read back 30 s later on a monotonic clock at 90 s: it started at 60 s. */
	REQUIRE(attach_dhcp_lease_from_json(j, 90000, 1700000030, &back, &why) == 0);
	CHECK_EQ(back.start_ms, 60000);
	CHECK_EQ(back.start_unix, 1700000000);
	CHECK(back.lease_s == 120 && back.t1_s == 60 && back.t2_s == 105);
	CHECK_MEM(&back.addr, &l.addr, sizeof(l.addr));
	CHECK_MEM(&back.server, &l.server, sizeof(l.server));
	CHECK_MEM(back.routes, l.routes, sizeof(l.routes[0]) * 4);
	CHECK(back.n_routes == 4 && back.n_dns == 2 && back.n_routers == 1);
	json_free(j);
	buf_fini(&b);
	/* The longest address text (the fuzzer found a buffer one prefix too short). */
	{
		static const char good[] = "{\"address\":\"223.255.255.254/31\",\"server\":"
					   "\"223.255.255.255\",\"leaseSeconds\":4294967295,"
					   "\"acquiredAt\":5}";
		struct json *v = NULL;

		REQUIRE(json_parse(good, strlen(good), &v, &jerr) == 0);
		CHECK_EQ(attach_dhcp_lease_from_json(v, 0, 0, &back, &why), 0);
		CHECK(back.addr.len == 31 && back.addr.addr[0] == 223 && back.addr.addr[3] == 254);
		CHECK_EQ(back.t1_s, ATTACH_DHCP_LEASE_INFINITE);
		json_free(v);
	}
	/* Malformed checkpoints. */
	static const char *const bad[] = {
		"[]",
		"{\"address\":\"10.0.0.1\",\"server\":\"10.0.0.1\",\"leaseSeconds\":9,\"acquiredAt\":1}",
		"{\"address\":\"10.0.0.1/33\",\"server\":\"10.0.0.1\",\"leaseSeconds\":9,\"acquiredAt\":1}",
		"{\"address\":\"10.0.0.1/8\",\"server\":\"x\",\"leaseSeconds\":9,\"acquiredAt\":1}",
		"{\"address\":\"10.0.0.1/8\",\"server\":\"10.0.0.1\",\"leaseSeconds\":0,\"acquiredAt\":1}",
		"{\"address\":\"10.0.0.1/8\",\"server\":\"10.0.0.1\",\"leaseSeconds\":9,\"acquiredAt\":1}",
		("{\"address\":\"10.0.0.1/8\",\"server\":\"10.0.0.1\",\"leaseSeconds\":9,"
		 "\"acquiredAt\":1,\"renewAt\":5,\"rebindAt\":4,\"expiresAt\":10}"),
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct json *v = NULL;

		REQUIRE(json_parse(bad[i], strlen(bad[i]), &v, &jerr) == 0);
		if (attach_dhcp_lease_from_json(v, 0, 0, &back, &why) != -EINVAL)
			T_FAIL("bad[%zu] accepted", i);
		json_free(v);
	}
}

/* RFC 1071 checksum over the IPv4 header of @p (field at 10 zeroed first). */
static void ip_csum(uint8_t *p)
{
	uint32_t sum = 0;
	size_t ihl = (size_t)(p[0] & 0xf) * 4;

	p[10] = p[11] = 0;
	for (size_t i = 0; i + 1 < ihl; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	p[10] = (uint8_t)(~sum >> 8);
	p[11] = (uint8_t)~sum;
}

/* A packet-socket read: IPv4 + UDP 67 -> 68 around 3 bytes (checksum by Python's struct). */
static void test_udp_payload(void)
{
	static const uint8_t pkt[] = {
		0x45, 0x00, 0x00, 0x1f, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x70,
		0x80, 0x0a, 0x4d, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0x00, 0x43,
		0x00, 0x44, 0x00, 0x0b, 0x00, 0x00, 0x01, 0x02, 0x03,
	};
	static const struct {
		size_t off;
		uint8_t val;
	} bad[] = {
		{ 0, 0x65 }, /* version 6 */
		{ 0, 0x44 }, /* header length 16 */
		{ 9, 6 }, /* TCP */
		{ 6, 0x20 }, /* more fragments */
		{ 7, 0x01 }, /* fragment offset */
		{ 23, 67 }, /* to the server port */
		{ 25, 7 }, /* UDP length under 8 */
		{ 25, 12 }, /* UDP length past the IP total */
		{ 3, 0x20 }, /* IP total past the buffer */
		{ 3, 0x10 }, /* IP total under header + UDP header */
	};
	uint8_t buf[64], *p;
	struct slice pl;
	const char *why = NULL;

	REQUIRE(attach_dhcp_udp_payload(pkt, sizeof(pkt), &pl, &why) == 0);
	CHECK(pl.len == 3 && pl.p == pkt + 28);
	memcpy(buf, pkt, sizeof(pkt));
	ip_csum(buf);
	CHECK_MEM(buf, pkt, sizeof(pkt)); /* our helper agrees with Python's */
	/* Ethernet padding after the IP total is not payload. */
	memset(buf + sizeof(pkt), 0, 20);
	REQUIRE(attach_dhcp_udp_payload(buf, sizeof(pkt) + 20, &pl, NULL) == 0);
	CHECK_EQ(pl.len, 3);
	for (size_t cut = 0; cut < sizeof(pkt); cut++) {
		p = malloc(cut ? cut : 1);
		memcpy(p, pkt, cut);
		why = NULL;
		CHECK_EQ(attach_dhcp_udp_payload(p, cut, &pl, &why), -EBADMSG);
		CHECK(why != NULL);
		free(p);
	}
	memcpy(buf, pkt, sizeof(pkt));
	buf[8] = 63; /* TTL changed, checksum not */
	CHECK_EQ(attach_dhcp_udp_payload(buf, sizeof(pkt), &pl, NULL), -EBADMSG);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memcpy(buf, pkt, sizeof(pkt));
		buf[bad[i].off] = bad[i].val;
		ip_csum(buf);
		if (attach_dhcp_udp_payload(buf, sizeof(pkt), &pl, NULL) != -EBADMSG)
			T_FAIL("bad[%zu] accepted", i);
	}
	/* IP options (header length 24) are skipped. */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, pkt, 20);
	memcpy(buf + 24, pkt + 20, 11);
	buf[0] = 0x46;
	buf[3] = 0x23;
	buf[20] = 1; /* NOP options */
	buf[21] = 1;
	buf[22] = 1;
	ip_csum(buf);
	REQUIRE(attach_dhcp_udp_payload(buf, 35, &pl, NULL) == 0);
	CHECK(pl.len == 3 && pl.p == buf + 32 && pl.p[2] == 3);
}

/* ------------------------------------------------------------ state machine */

struct sent {
	uint8_t p[8][600];
	size_t n[8];
	uint32_t dst[8];
	size_t count;
};

static int capture(void *ctx, const uint8_t *p, size_t n, uint32_t dst)
{
	struct sent *s = ctx;
	size_t i = s->count % 8;

	memcpy(s->p[i], p, n);
	s->n[i] = n;
	s->dst[i] = dst;
	s->count++;
	return 0;
}

static const uint8_t *last(const struct sent *s, size_t *n, uint32_t *dst)
{
	size_t i = (s->count - 1) % 8;

	*n = s->n[i];
	*dst = s->dst[i];
	return s->p[i];
}

static uint8_t last_type(const struct sent *s)
{
	const uint8_t *v;
	uint32_t dst;
	size_t n;
	const uint8_t *p = last(s, &n, &dst);

	return find_opt(p, n, 53, &v) == 1 ? v[0] : 0;
}

static uint32_t last_xid(const struct sent *s)
{
	uint32_t dst;
	size_t n;

	return get32(last(s, &n, &dst) + 4);
}

/* A server reply to the last request: @type, a lease of @lease_s from server 10.0.0.1. */
static int answer(struct attach_dhcp *d, const struct sent *s, uint8_t type, uint32_t lease_s,
		  uint64_t now)
{
	uint8_t o[64] = { 53, 1, type, 54, 4, 10, 0, 0, 1, 51, 4 }, buf[400];
	size_t k = 11;

	put32(o + k, lease_s);
	k += 4;
	memcpy(o + k, (uint8_t[]){ 1, 4, 255, 255, 255, 0, 3, 4, 10, 0, 0, 1, 255 }, 13);
	k += 13;
	return attach_dhcp_input(
		d, buf,
		mk_reply(buf, last_xid(s), type == ATTACH_DHCP_NAK ? 0 : IP(10, 0, 0, 5), o, k),
		now);
}

static struct attach_dhcp *mk_client(struct sent *s, uint32_t timeout_ms)
{
	struct attach_dhcp_params p = { .ifname = "eth0",
					.timeout_ms = timeout_ms,
					.seed = 42,
					.send = capture,
					.send_ctx = s };
	struct attach_dhcp *d = NULL;

	memcpy(p.mac, MAC, 6);
	memset(s, 0, sizeof(*s));
	if (attach_dhcp_new(&p, &d) < 0)
		return NULL;
	return d;
}

static void test_sm_acquire(void)
{
	struct sent s;
	struct attach_dhcp *d = mk_client(&s, 0);
	const struct attach_dhcp_lease *l;
	const uint8_t *v;
	uint32_t dst, xid;
	size_t n;

	REQUIRE(d);
	CHECK_EQ(attach_dhcp_fd(d), -1);
	CHECK_EQ(attach_dhcp_next_ms(d), 0);
	CHECK_EQ(attach_dhcp_step(d, 1000), ATTACH_DHCP_EV_NONE);
	CHECK_EQ(attach_dhcp_state(d), ATTACH_DHCP_SELECTING);
	REQUIRE(s.count == 1 && last_type(&s) == ATTACH_DHCP_DISCOVER);
	last(&s, &n, &dst);
	CHECK_EQ(dst, 0xffffffffu);
	CHECK(attach_dhcp_next_ms(d) >= 1750 && attach_dhcp_next_ms(d) <= 2250);
	xid = last_xid(&s);
	/* A reply for someone else (xid, then chaddr) changes nothing. */
	{
		uint8_t buf[400];
		size_t len = mk_reply(buf, xid + 1, IP(10, 0, 0, 5), ack_opts, sizeof(ack_opts));

		buf[242] = ATTACH_DHCP_OFFER;
		CHECK_EQ(attach_dhcp_input(d, buf, len, 1100), ATTACH_DHCP_EV_NONE);
		put32(buf + 4, xid);
		buf[28] ^= 1;
		CHECK_EQ(attach_dhcp_input(d, buf, len, 1100), ATTACH_DHCP_EV_NONE);
		CHECK_EQ(attach_dhcp_input(d, buf, 100, 1100), ATTACH_DHCP_EV_NONE);
		CHECK_EQ(attach_dhcp_state(d), ATTACH_DHCP_SELECTING);
	}
	CHECK_EQ(answer(d, &s, ATTACH_DHCP_OFFER, 3600, 1200), ATTACH_DHCP_EV_NONE);
	CHECK_EQ(attach_dhcp_state(d), ATTACH_DHCP_REQUESTING);
	REQUIRE(s.count == 2 && last_type(&s) == ATTACH_DHCP_REQUEST);
	CHECK_EQ(last_xid(&s), xid); /* the REQUEST keeps the OFFER's xid */
	{
		const uint8_t *p = last(&s, &n, &dst);

		CHECK(find_opt(p, n, 50, &v) == 4 && get32(v) == IP(10, 0, 0, 5));
		CHECK(find_opt(p, n, 54, &v) == 4 && get32(v) == IP(10, 0, 0, 1));
		CHECK(p[10] == 0x80);
	}
	CHECK_EQ(answer(d, &s, ATTACH_DHCP_ACK, 3600, 1300), ATTACH_DHCP_EV_BOUND);
	CHECK_EQ(attach_dhcp_state(d), ATTACH_DHCP_BOUND);
	l = attach_dhcp_lease(d);
	REQUIRE(l);
	CHECK_EQ(l->start_ms, 1200); /* when the REQUEST went out */
	CHECK_EQ(attach_dhcp_next_ms(d), 1200 + 1800 * 1000);
	/* Nothing to do until T1. */
	CHECK_EQ(attach_dhcp_step(d, 100000), ATTACH_DHCP_EV_NONE);
	CHECK_EQ(s.count, 2);
	attach_dhcp_free(d);
}

static void test_sm_backoff_timeout(void)
{
	struct sent s;
	struct attach_dhcp *d = mk_client(&s, 30000);
	uint64_t now = 0, prev = 0, base = 1000;

	REQUIRE(d);
	CHECK_EQ(attach_dhcp_step(d, now), ATTACH_DHCP_EV_NONE);
	/* Retransmissions at 1, 2, 4, 8, 16 s (±jitter), until the 30 s timeout. */
	for (int i = 0; i < 10; i++) {
		uint64_t next = attach_dhcp_next_ms(d), gap = next - prev;
		int ev;

		if (next >= 30000) {
			CHECK_EQ(next, 30000);
			break;
		}
		if (gap < base - base / 4 || gap > base + base / 4)
			T_FAIL("retransmission %d after %llu ms, want %llu +- 25%%", i,
			       (unsigned long long)gap, (unsigned long long)base);
		/* Early steps send nothing. */
		ev = attach_dhcp_step(d, next - 1);
		CHECK_EQ(ev, ATTACH_DHCP_EV_NONE);
		CHECK_EQ(s.count, (size_t)i + 1);
		now = next;
		CHECK_EQ(attach_dhcp_step(d, now), ATTACH_DHCP_EV_NONE);
		CHECK_EQ(s.count, (size_t)i + 2);
		CHECK_EQ(last_type(&s), ATTACH_DHCP_DISCOVER);
		prev = now;
		base *= 2;
	}
	CHECK_EQ(s.count, 5); /* at 0, ~1, ~3, ~7, ~15 s; ~31 s is past the timeout */
	CHECK_EQ(attach_dhcp_step(d, 30000), ATTACH_DHCP_EV_FAILED);
	CHECK_EQ(attach_dhcp_state(d), ATTACH_DHCP_FAILED);
	CHECK_EQ(attach_dhcp_next_ms(d), UINT64_MAX);
	CHECK(attach_dhcp_lease(d) == NULL);
	attach_dhcp_free(d);
}

static void test_sm_nak(void)
{
	struct sent s;
	struct attach_dhcp *d = mk_client(&s, 0);
	uint32_t xid;

	REQUIRE(d);
	CHECK(attach_dhcp_step(d, 0) >= 0);
	(void)answer(d, &s, ATTACH_DHCP_OFFER, 600, 10);
	xid = last_xid(&s);
	/* NAK in REQUESTING: back to INIT, a new DISCOVER with a new xid. */
	CHECK_EQ(answer(d, &s, ATTACH_DHCP_NAK, 0, 20), ATTACH_DHCP_EV_NONE);
	CHECK_EQ(attach_dhcp_state(d), ATTACH_DHCP_INIT);
	CHECK_EQ(attach_dhcp_next_ms(d), 20);
	CHECK_EQ(attach_dhcp_step(d, 20), ATTACH_DHCP_EV_NONE);
	CHECK_EQ(last_type(&s), ATTACH_DHCP_DISCOVER);
	CHECK(last_xid(&s) != xid);
	(void)answer(d, &s, ATTACH_DHCP_OFFER, 600, 30);
	CHECK_EQ(answer(d, &s, ATTACH_DHCP_ACK, 600, 40), ATTACH_DHCP_EV_BOUND);
	/* NAK in RENEWING: the lease is lost. */
	CHECK_EQ(attach_dhcp_step(d, 30 + 300000), ATTACH_DHCP_EV_NONE);
	CHECK_EQ(attach_dhcp_state(d), ATTACH_DHCP_RENEWING);
	CHECK_EQ(answer(d, &s, ATTACH_DHCP_NAK, 0, 300100), ATTACH_DHCP_EV_EXPIRED);
	CHECK_EQ(attach_dhcp_state(d), ATTACH_DHCP_INIT);
	CHECK(attach_dhcp_lease(d) == NULL);
	attach_dhcp_free(d);
}

static void test_sm_renew_rebind_expire(void)
{
	struct sent s;
	struct attach_dhcp *d = mk_client(&s, 0);
	const uint8_t *p, *v;
	uint32_t dst;
	size_t n;

	REQUIRE(d);
	CHECK(attach_dhcp_step(d, 0) >= 0);
	(void)answer(d, &s, ATTACH_DHCP_OFFER, 1000, 0);
	REQUIRE(answer(d, &s, ATTACH_DHCP_ACK, 1000, 0) == ATTACH_DHCP_EV_BOUND);
	/* T1 = 500 s: a unicast REQUEST to the server, ciaddr set, no 50/54. */
	CHECK_EQ(attach_dhcp_step(d, 500000), ATTACH_DHCP_EV_NONE);
	CHECK_EQ(attach_dhcp_state(d), ATTACH_DHCP_RENEWING);
	p = last(&s, &n, &dst);
	CHECK_EQ(last_type(&s), ATTACH_DHCP_REQUEST);
	CHECK_EQ(dst, IP(10, 0, 0, 1));
	CHECK_EQ(get32(p + 12), IP(10, 0, 0, 5));
	CHECK(p[10] == 0);
	CHECK_EQ(find_opt(p, n, 50, &v), -1);
	CHECK_EQ(find_opt(p, n, 54, &v), -1);
	/* Resent at half the time to T2 (875 s): 187.5 s later. */
	CHECK_EQ(attach_dhcp_next_ms(d), 687500);
	CHECK_EQ(attach_dhcp_step(d, 687500), ATTACH_DHCP_EV_NONE);
	CHECK_EQ(s.count, 4);
	/* Down to 60 s apart, then T2 (875 s): broadcast, still ciaddr. */
	CHECK_EQ(attach_dhcp_next_ms(d), 781250);
	CHECK(attach_dhcp_step(d, 781250) >= 0);
	CHECK_EQ(attach_dhcp_next_ms(d), 841250);
	CHECK(attach_dhcp_step(d, 841250) >= 0);
	CHECK_EQ(attach_dhcp_next_ms(d), 875000);
	CHECK_EQ(attach_dhcp_step(d, 875000), ATTACH_DHCP_EV_NONE);
	CHECK_EQ(attach_dhcp_state(d), ATTACH_DHCP_REBINDING);
	p = last(&s, &n, &dst);
	CHECK_EQ(dst, 0xffffffffu);
	CHECK_EQ(get32(p + 12), IP(10, 0, 0, 5));
	/* An ACK while rebinding: renewed, times from the rebinding REQUEST. */
	CHECK_EQ(answer(d, &s, ATTACH_DHCP_ACK, 1000, 876000), ATTACH_DHCP_EV_RENEWED);
	CHECK_EQ(attach_dhcp_state(d), ATTACH_DHCP_BOUND);
	CHECK_EQ(attach_dhcp_lease(d)->start_ms, 875000);
	CHECK_EQ(attach_dhcp_next_ms(d), 875000 + 500000);
	/* A long sleep past the expiry: lost at once. */
	CHECK_EQ(attach_dhcp_step(d, 875000 + 1000000), ATTACH_DHCP_EV_EXPIRED);
	CHECK_EQ(attach_dhcp_state(d), ATTACH_DHCP_SELECTING); /* and discovering again */
	CHECK_EQ(last_type(&s), ATTACH_DHCP_DISCOVER);
	/* No acquisition deadline after the first lease. */
	CHECK(attach_dhcp_step(d, 875000 + 1000000 + 600000) == ATTACH_DHCP_EV_NONE);
	CHECK(attach_dhcp_state(d) == ATTACH_DHCP_SELECTING);
	attach_dhcp_free(d);
}

static void test_sm_changed_release(void)
{
	struct sent s;
	struct attach_dhcp *d = mk_client(&s, 0);
	const uint8_t *p, *v;
	uint8_t buf[400];
	uint32_t dst;
	size_t n;
	static const uint8_t o[] = { 53, 1, 5, 54,  4, 10, 0,	0,   1, 51, 4,
				     0,	 0, 3, 232, 1, 4,  255, 255, 0, 0,  255 };

	REQUIRE(d);
	CHECK(attach_dhcp_step(d, 0) >= 0);
	(void)answer(d, &s, ATTACH_DHCP_OFFER, 1000, 0);
	REQUIRE(answer(d, &s, ATTACH_DHCP_ACK, 1000, 0) == ATTACH_DHCP_EV_BOUND);
	CHECK(attach_dhcp_step(d, 500000) >= 0);
	/* Renewed with another mask and no router: the engine must re-apply. */
	CHECK_EQ(attach_dhcp_input(d, buf,
				   mk_reply(buf, last_xid(&s), IP(10, 0, 0, 5), o, sizeof(o)),
				   500001),
		 ATTACH_DHCP_EV_CHANGED);
	CHECK_EQ(attach_dhcp_lease(d)->addr.len, 16);
	CHECK_EQ(attach_dhcp_lease(d)->n_routes, 0);
	CHECK_EQ(attach_dhcp_release(d), 0);
	CHECK_EQ(attach_dhcp_state(d), ATTACH_DHCP_RELEASED);
	p = last(&s, &n, &dst);
	CHECK_EQ(last_type(&s), ATTACH_DHCP_RELEASE);
	CHECK_EQ(dst, IP(10, 0, 0, 1));
	CHECK_EQ(get32(p + 12), IP(10, 0, 0, 5));
	CHECK(find_opt(p, n, 54, &v) == 4 && get32(v) == IP(10, 0, 0, 1));
	CHECK_EQ(attach_dhcp_release(d), -ENOENT);
	CHECK_EQ(attach_dhcp_next_ms(d), UINT64_MAX);
	CHECK(attach_dhcp_move(d, NULL, "net1") == 0);
	CHECK(attach_dhcp_move(d, NULL, "") == -EINVAL);
	attach_dhcp_free(d);
}

static void test_sm_resume(void)
{
	struct attach_dhcp_params pp = { .ifname = "net1", .seed = 7, .send = capture };
	struct attach_dhcp_reply r;
	struct attach_dhcp_lease l;
	struct attach_dhcp *d = NULL;
	struct sent s = { 0 };
	uint32_t dst;
	size_t n;

	pp.send_ctx = &s;
	memcpy(pp.mac, MAC, 6);
	REQUIRE(decode_opts(ack_opts, sizeof(ack_opts), &r) == 0);
	REQUIRE(attach_dhcp_lease_from_reply(&r, 10000, 0, &l) == 0);
	/* Resumed past T1 (1800 s): renews at the first step. */
	REQUIRE(attach_dhcp_resume(&pp, &l, 10000 + 2000000, &d) == 0);
	CHECK_EQ(attach_dhcp_state(d), ATTACH_DHCP_BOUND);
	CHECK_EQ(attach_dhcp_next_ms(d), 10000 + 1800000);
	CHECK_EQ(attach_dhcp_step(d, 10000 + 2000000), ATTACH_DHCP_EV_NONE);
	CHECK_EQ(attach_dhcp_state(d), ATTACH_DHCP_RENEWING);
	last(&s, &n, &dst);
	CHECK_EQ(dst, IP(10, 0, 0, 1));
	attach_dhcp_free(d);
	/* Resumed past the expiry: lost. */
	REQUIRE(attach_dhcp_resume(&pp, &l, 10000 + 4000000, &d) == 0);
	CHECK_EQ(attach_dhcp_step(d, 10000 + 4000000), ATTACH_DHCP_EV_EXPIRED);
	attach_dhcp_free(d);
	pp.ifname = "";
	CHECK_EQ(attach_dhcp_new(&pp, &d), -EINVAL);
	CHECK(d == NULL);
}

static const struct t_case tests[] = {
	T(test_decode_layout),
	T(test_decode_dnsmasq),
	T(test_rfc3442),
	T(test_rfc3442_bad),
	T(test_option3_default),
	T(test_truncation),
	T(test_bad_options),
	T(test_overload),
	T(test_encode),
	T(test_lease_times),
	T(test_json),
	T(test_udp_payload),
	T(test_sm_acquire),
	T(test_sm_backoff_timeout),
	T(test_sm_nak),
	T(test_sm_renew_rebind_expire),
	T(test_sm_changed_release),
	T(test_sm_resume),
};

int main(void)
{
	return T_RUN(tests);
}
