// SPDX-License-Identifier: Apache-2.0
/*
 * DHCPv4 messages: encode client requests, decode server replies, turn an
 * ACK into a lease in the engine's types and a lease into checkpoint JSON.
 * Pure: no sockets, no clocks.
 * Specs: RFC 2131 (§2 message layout, §4.1 option overload, table 5),
 * RFC 2132 (options), RFC 3396 (long options split in parts),
 * RFC 3442 (option 121, classless static routes).
 */
#include "attach/attach.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define BOOTREQUEST 1
#define BOOTREPLY 2
#define HTYPE_ETHER 1
#define MAGIC_COOKIE 0x63825363u
#define FIXED_LEN 236 /* op .. file, RFC 2131 §2 */
#define BOOTP_MIN_LEN 300 /* RFC 951: some servers drop shorter requests */

enum {
	OPT_PAD = 0,
	OPT_MASK = 1,
	OPT_ROUTER = 3,
	OPT_DNS = 6,
	OPT_REQ_IP = 50,
	OPT_LEASE = 51,
	OPT_OVERLOAD = 52,
	OPT_TYPE = 53,
	OPT_SERVER_ID = 54,
	OPT_PARAMS = 55,
	OPT_MAX_SIZE = 57,
	OPT_T1 = 58,
	OPT_T2 = 59,
	OPT_CLIENT_ID = 61,
	OPT_CLASSLESS = 121,
	OPT_END = 255,
};

/* The options we read, each concatenated over its instances (RFC 3396). */
static const uint8_t wanted[] = { OPT_MASK, OPT_ROUTER,	   OPT_DNS, OPT_LEASE, OPT_OVERLOAD,
				  OPT_TYPE, OPT_SERVER_ID, OPT_T1,  OPT_T2,    OPT_CLASSLESS };

struct opts {
	uint8_t data[ARRAY_SIZE(wanted)][ATTACH_DHCP_OPT_MAX];
	size_t len[ARRAY_SIZE(wanted)];
	bool seen[ARRAY_SIZE(wanted)];
};

static int slot_of(uint8_t code)
{
	for (size_t i = 0; i < ARRAY_SIZE(wanted); i++)
		if (wanted[i] == code)
			return (int)i;
	return -1;
}

/* Walk one option area (which must end with option 255) into @o. */
static int walk(struct rd *r, struct opts *o, const char **why)
{
	for (;;) {
		uint8_t code = rd_u8(r), len;
		struct slice v;
		int i;

		if (r->err) {
			*why = "options without an end option";
			return -EBADMSG;
		}
		if (code == OPT_END)
			return 0;
		if (code == OPT_PAD)
			continue;
		len = rd_u8(r);
		if (!rd_bytes(r, len, &v)) {
			*why = "option truncated";
			return -EBADMSG;
		}
		i = slot_of(code);
		if (i < 0)
			continue;
		if (v.len > ATTACH_DHCP_OPT_MAX - o->len[i]) {
			*why = "option over ATTACH_DHCP_OPT_MAX";
			return -EMSGSIZE;
		}
		if (v.len)
			memcpy(o->data[i] + o->len[i], v.p, v.len);
		o->len[i] += v.len;
		o->seen[i] = true;
	}
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A fixed 4-byte option; -EBADMSG for any other length. */
static int opt_u32(const struct opts *o, uint8_t code, uint32_t *out, bool *has)
{
	int i = slot_of(code);

	if (!o->seen[i])
		return 0;
	if (o->len[i] != 4)
		return -EBADMSG;
	*out = be32_at(o->data[i]);
	*has = true;
	return 0;
}

/* A list of addresses (at least one); more than the cap are dropped. */
static int opt_addrs(const struct opts *o, uint8_t code, uint32_t *out, size_t *n)
{
	int i = slot_of(code);

	if (!o->seen[i])
		return 0;
	if (o->len[i] == 0 || o->len[i] % 4)
		return -EBADMSG;
	for (size_t k = 0; k < o->len[i] / 4 && *n < ATTACH_DHCP_ADDRS_MAX; k++)
		out[(*n)++] = be32_at(o->data[i] + 4 * k);
	return 0;
}

static uint32_t mask_of(uint8_t len)
{
	return len == 0 ? 0 : UINT32_MAX << (32 - len);
}

/* RFC 3442 §2: width, ceil(width / 8) significant octets, router. */
static int classless_routes(const uint8_t *p, size_t n, struct attach_dhcp_reply *out,
			    const char **why)
{
	struct rd r = rd_init(p, n);

	if (n < 5) {
		*why = "option 121 shorter than one route";
		return -EBADMSG;
	}
	while (rd_left(&r)) {
		struct attach_dhcp_route4 *rt;
		uint8_t width = rd_u8(&r), sig;
		uint32_t dst = 0;

		if (width > 32) {
			*why = "option 121 prefix width over 32";
			return -EBADMSG;
		}
		sig = (uint8_t)((width + 7) / 8);
		for (uint8_t k = 0; k < sig; k++)
			dst |= (uint32_t)rd_u8(&r) << (24 - 8 * k);
		if (out->n_routes == ATTACH_DHCP_ROUTES_MAX) {
			*why = "option 121 over ATTACH_DHCP_ROUTES_MAX routes";
			return -EMSGSIZE;
		}
		rt = &out->routes[out->n_routes];
		rt->gw = rd_be32(&r);
		if (r.err) {
			*why = "option 121 route truncated";
			return -EBADMSG;
		}
		/* Bits past the width are not part of the prefix: the kernel wants them 0. */
		rt->dst = dst & mask_of(width);
		rt->len = width;
		out->n_routes++;
	}
	out->has_routes = true;
	return 0;
}

static int interpret(const struct opts *o, struct attach_dhcp_reply *out, const char **why)
{
	int i, err = 0;

	i = slot_of(OPT_TYPE);
	if (o->seen[i]) {
		if (o->len[i] != 1) {
			*why = "option 53 length";
			return -EBADMSG;
		}
		out->type = o->data[i][0];
	}
	if (opt_u32(o, OPT_MASK, &out->mask, &out->has_mask) < 0) {
		*why = "option 1 length";
		return -EBADMSG;
	}
	if (out->has_mask && (uint32_t)(~out->mask & (~out->mask + 1)) != 0) {
		*why = "option 1 is not a contiguous mask";
		return -EBADMSG;
	}
	err |= opt_u32(o, OPT_SERVER_ID, &out->server_id, &out->has_server_id);
	err |= opt_u32(o, OPT_LEASE, &out->lease_s, &out->has_lease);
	err |= opt_u32(o, OPT_T1, &out->t1_s, &out->has_t1);
	err |= opt_u32(o, OPT_T2, &out->t2_s, &out->has_t2);
	if (err) {
		*why = "option 51, 54, 58 or 59 length";
		return -EBADMSG;
	}
	if (opt_addrs(o, OPT_ROUTER, out->routers, &out->n_routers) < 0 ||
	    opt_addrs(o, OPT_DNS, out->dns, &out->n_dns) < 0) {
		*why = "option 3 or 6 length";
		return -EBADMSG;
	}
	i = slot_of(OPT_CLASSLESS);
	if (o->seen[i])
		return classless_routes(o->data[i], o->len[i], out, why);
	return 0;
}

int attach_dhcp_decode(const uint8_t *p, size_t n, struct attach_dhcp_reply *out, const char **why)
{
	const char *dummy;
	struct slice chaddr, sname, file;
	struct rd r = rd_init(p, n);
	struct opts *o;
	uint8_t op, htype, hlen, overload = 0;
	int err, i;

	if (!why)
		why = &dummy;
	*why = NULL;
	memset(out, 0, sizeof(*out));
	op = rd_u8(&r);
	htype = rd_u8(&r);
	hlen = rd_u8(&r);
	rd_u8(&r); /* hops */
	out->xid = rd_be32(&r);
	rd_be16(&r); /* secs */
	out->flags = rd_be16(&r);
	out->ciaddr = rd_be32(&r);
	out->yiaddr = rd_be32(&r);
	out->siaddr = rd_be32(&r);
	out->giaddr = rd_be32(&r);
	rd_bytes(&r, 16, &chaddr);
	rd_bytes(&r, 64, &sname);
	rd_bytes(&r, 128, &file);
	if (rd_be32(&r) != MAGIC_COOKIE || r.err) {
		*why = r.err ? "shorter than the fixed header" : "no magic cookie";
		return -EBADMSG;
	}
	if (op != BOOTREPLY || htype != HTYPE_ETHER || hlen != 6) {
		*why = "not a BOOTREPLY for Ethernet";
		return -EBADMSG;
	}
	memcpy(out->chaddr, chaddr.p, 16);
	/* ~10 KiB: off the stack of an event loop's callers. */
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	err = walk(&r, o, why);
	if (err)
		goto out_free;
	i = slot_of(OPT_OVERLOAD);
	if (o->seen[i]) {
		if (o->len[i] != 1 || o->data[i][0] < 1 || o->data[i][0] > 3) {
			*why = "option 52 value";
			err = -EBADMSG;
			goto out_free;
		}
		overload = o->data[i][0];
	}
	/* RFC 2131 §4.1: options, then file, then sname. */
	if (overload & 1) {
		struct rd f = rd_init(file.p, file.len);

		err = walk(&f, o, why);
		if (err)
			goto out_free;
	}
	if (overload & 2) {
		struct rd s = rd_init(sname.p, sname.len);

		err = walk(&s, o, why);
		if (err)
			goto out_free;
	}
	err = interpret(o, out, why);
out_free:
	free(o);
	return err;
}

int attach_dhcp_udp_payload(const uint8_t *p, size_t n, struct slice *out, const char **why)
{
	struct rd r = rd_init(p, n), ip;
	uint8_t vihl, proto;
	uint16_t total, frag, dport, ulen;
	uint32_t sum = 0;
	const char *dummy;
	size_t ihl;

	if (!why)
		why = &dummy;
	memset(out, 0, sizeof(*out));
	vihl = rd_u8(&r);
	ihl = (size_t)(vihl & 0xf) * 4;
	rd_u8(&r); /* tos */
	total = rd_be16(&r);
	rd_be16(&r); /* id */
	frag = rd_be16(&r);
	rd_u8(&r); /* ttl */
	proto = rd_u8(&r);
	if (r.err || vihl >> 4 != 4 || ihl < 20 || total < ihl + 8 || total > n) {
		*why = "not an IPv4 header";
		return -EBADMSG;
	}
	if (proto != 17 || (frag & 0x3fff) != 0) {
		*why = "not an unfragmented UDP datagram";
		return -EBADMSG;
	}
	/* RFC 791 header checksum: the ones' complement sum of all words is 0xffff. */
	ip = rd_init(p, ihl);
	while (rd_left(&ip))
		sum += rd_be16(&ip);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	if (sum != 0xffff) {
		*why = "bad IPv4 header checksum";
		return -EBADMSG;
	}
	/*
	 * The UDP checksum is not checked: on veth and with offloads a packet
	 * socket sees it before it is computed (CHECKSUM_PARTIAL); the frame
	 * check sequence covered the wire.
	 */
	r = rd_init(p + ihl, total - ihl);
	rd_be16(&r); /* source port */
	dport = rd_be16(&r);
	ulen = rd_be16(&r);
	rd_be16(&r); /* checksum */
	if (dport != 68 || ulen < 8 || ulen > total - ihl) {
		*why = "not a UDP datagram to port 68";
		return -EBADMSG;
	}
	rd_bytes(&r, ulen - 8u, out);
	return 0;
}

static void put_opt32(struct wr *w, uint8_t code, uint32_t v)
{
	wr_u8(w, code);
	wr_u8(w, 4);
	wr_be32(w, v);
}

int attach_dhcp_encode(const struct attach_dhcp_req *q, uint8_t *out, size_t size)
{
	static const uint8_t params[] = { OPT_MASK,	 OPT_ROUTER, OPT_DNS, OPT_LEASE,
					  OPT_SERVER_ID, OPT_T1,     OPT_T2,  OPT_CLASSLESS };
	struct wr w = wr_init(out, size);
	bool asks = q->type == ATTACH_DHCP_DISCOVER || q->type == ATTACH_DHCP_REQUEST;
	uint8_t chaddr[16] = { 0 };

	switch (q->type) {
	case ATTACH_DHCP_DISCOVER:
	case ATTACH_DHCP_REQUEST:
	case ATTACH_DHCP_DECLINE:
	case ATTACH_DHCP_RELEASE:
		break;
	default:
		return -EINVAL;
	}
	memcpy(chaddr, q->mac, 6);
	wr_u8(&w, BOOTREQUEST);
	wr_u8(&w, HTYPE_ETHER);
	wr_u8(&w, 6);
	wr_u8(&w, 0); /* hops */
	wr_be32(&w, q->xid);
	wr_be16(&w, q->secs);
	wr_be16(&w, q->broadcast ? 0x8000 : 0); /* RFC 2131 §2, figure 2 */
	wr_be32(&w, q->ciaddr);
	wr_be32(&w, 0); /* yiaddr */
	wr_be32(&w, 0); /* siaddr */
	wr_be32(&w, 0); /* giaddr */
	wr_bytes(&w, chaddr, sizeof(chaddr));
	if (wr_reserve(&w, 64 + 128))
		memset(w.p - 64 - 128, 0, 64 + 128); /* sname, file */
	wr_be32(&w, MAGIC_COOKIE);
	wr_u8(&w, OPT_TYPE);
	wr_u8(&w, 1);
	wr_u8(&w, q->type);
	wr_u8(&w, OPT_CLIENT_ID); /* RFC 2132 §9.14: hardware type 1 + MAC */
	wr_u8(&w, 7);
	wr_u8(&w, HTYPE_ETHER);
	wr_bytes(&w, q->mac, 6);
	if (q->requested_ip)
		put_opt32(&w, OPT_REQ_IP, q->requested_ip);
	if (q->server_id)
		put_opt32(&w, OPT_SERVER_ID, q->server_id);
	if (asks) {
		wr_u8(&w, OPT_MAX_SIZE);
		wr_u8(&w, 2);
		wr_be16(&w, ATTACH_DHCP_MSG_MAX - 28); /* minus IP and UDP headers */
		wr_u8(&w, OPT_PARAMS);
		wr_u8(&w, sizeof(params));
		wr_bytes(&w, params, sizeof(params));
	}
	wr_u8(&w, OPT_END);
	while (!w.err && wr_len(&w) < BOOTP_MIN_LEN)
		wr_u8(&w, OPT_PAD);
	return w.err ? -EMSGSIZE : (int)wr_len(&w);
}

/* ------------------------------------------------------------------ lease */

static struct attach_ip ip4(uint32_t a, uint8_t len)
{
	struct attach_ip ip = { .family = AF_INET, .len = len };

	ip.addr[0] = (uint8_t)(a >> 24);
	ip.addr[1] = (uint8_t)(a >> 16);
	ip.addr[2] = (uint8_t)(a >> 8);
	ip.addr[3] = (uint8_t)a;
	return ip;
}

static uint8_t prefix_of(uint32_t mask)
{
	return (uint8_t)__builtin_popcount(mask);
}

int attach_dhcp_lease_from_reply(const struct attach_dhcp_reply *r, uint64_t start_ms,
				 int64_t start_unix, struct attach_dhcp_lease *out)
{
	uint32_t mask = r->mask;

	memset(out, 0, sizeof(*out));
	if (r->yiaddr == 0 || !r->has_server_id || !r->has_lease || r->lease_s == 0)
		return -EBADMSG;
	if (!r->has_mask) {
		/* RFC 2131 §3.3 says servers send it; fall back to the class. */
		uint8_t top = (uint8_t)(r->yiaddr >> 24);

		mask = top < 128 ? mask_of(8) : top < 192 ? mask_of(16) : mask_of(24);
	}
	out->addr = ip4(r->yiaddr, prefix_of(mask));
	out->server = ip4(r->server_id, 32);
	for (size_t i = 0; i < r->n_routers; i++)
		out->routers[i] = ip4(r->routers[i], 32);
	out->n_routers = r->n_routers;
	for (size_t i = 0; i < r->n_dns; i++)
		out->dns[i] = ip4(r->dns[i], 32);
	out->n_dns = r->n_dns;
	if (r->has_routes) {
		/* RFC 3442 §1: with option 121 the client MUST ignore option 3. */
		for (size_t i = 0; i < r->n_routes; i++) {
			out->routes[i].dst = ip4(r->routes[i].dst, r->routes[i].len);
			if (r->routes[i].gw)
				out->routes[i].gw = ip4(r->routes[i].gw, 32);
		}
		out->n_routes = r->n_routes;
	} else if (r->n_routers) {
		out->routes[0].dst = ip4(0, 0);
		out->routes[0].gw = out->routers[0];
		out->n_routes = 1;
	}
	out->lease_s = r->lease_s;
	if (r->lease_s == ATTACH_DHCP_LEASE_INFINITE) {
		out->t1_s = out->t2_s = ATTACH_DHCP_LEASE_INFINITE;
	} else {
		/* RFC 2131 §4.4.5 defaults; inconsistent server values fall back to them. */
		out->t1_s = r->lease_s / 2;
		out->t2_s = (uint32_t)((uint64_t)r->lease_s * 7 / 8);
		if (r->has_t2 && r->t2_s <= r->lease_s)
			out->t2_s = r->t2_s;
		if (r->has_t1 && r->t1_s <= out->t2_s)
			out->t1_s = r->t1_s;
		if (out->t1_s > out->t2_s)
			out->t1_s = out->t2_s;
	}
	out->start_ms = start_ms;
	out->start_unix = start_unix;
	return 0;
}

static char *ip_str(const struct attach_ip *ip, bool with_len, char *buf, size_t n)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, ip->addr, a, sizeof(a));
	if (with_len)
		snprintf(buf, n, "%s/%u", a, ip->len);
	else
		snprintf(buf, n, "%s", a);
	return buf;
}

static int add_ip_list(struct json *obj, const char *key, const struct attach_ip *ips, size_t n)
{
	struct json *arr = json_obj_add_array(obj, key);
	char b[32];

	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct json *s = json_new_string(ip_str(&ips[i], false, b, sizeof(b)));

		if (!s || json_arr_add(arr, s) < 0)
			return -ENOMEM;
	}
	return 0;
}

struct json *attach_dhcp_lease_to_json(const struct attach_dhcp_lease *l)
{
	struct json *o = json_new_object(), *routes;
	char b[32];
	int err = 0;

	if (!o)
		return NULL;
	err |= json_obj_add_str(o, "address", ip_str(&l->addr, true, b, sizeof(b)));
	err |= json_obj_add_str(o, "server", ip_str(&l->server, false, b, sizeof(b)));
	err |= add_ip_list(o, "routers", l->routers, l->n_routers);
	err |= add_ip_list(o, "dns", l->dns, l->n_dns);
	routes = json_obj_add_array(o, "routes");
	if (!routes)
		goto out_free;
	for (size_t i = 0; i < l->n_routes; i++) {
		struct json *rt = json_new_object();

		if (!rt || json_arr_add(routes, rt) < 0) {
			json_free(rt);
			goto out_free;
		}
		err |= json_obj_add_str(rt, "destination",
					ip_str(&l->routes[i].dst, true, b, sizeof(b)));
		if (l->routes[i].gw.family)
			err |= json_obj_add_str(rt, "gateway",
						ip_str(&l->routes[i].gw, false, b, sizeof(b)));
	}
	err |= json_obj_add_int(o, "leaseSeconds", l->lease_s);
	err |= json_obj_add_int(o, "acquiredAt", l->start_unix);
	if (l->lease_s != ATTACH_DHCP_LEASE_INFINITE) {
		err |= json_obj_add_int(o, "renewAt", l->start_unix + l->t1_s);
		err |= json_obj_add_int(o, "rebindAt", l->start_unix + l->t2_s);
		err |= json_obj_add_int(o, "expiresAt", l->start_unix + l->lease_s);
	}
	if (err)
		goto out_free;
	return o;
out_free:
	json_free(o);
	return NULL;
}

static int parse_ip(const struct json *v, bool with_len, struct attach_ip *out)
{
	const char *s, *slash;
	char a[INET_ADDRSTRLEN + 4]; /* "255.255.255.255/32" before the cut */
	uint8_t bytes[4];
	int64_t len = 32;

	if (!v || json_get_string(v, &s) < 0)
		return -EINVAL;
	slash = strchr(s, '/');
	if (with_len != (slash != NULL))
		return -EINVAL;
	if (str_copy(a, sizeof(a), s) < 0)
		return -EINVAL;
	if (slash) {
		a[slash - s] = '\0';
		if (str_to_i64(slash + 1, 10, &len) < 0 || len < 0 || len > 32)
			return -EINVAL;
	}
	if (inet_pton(AF_INET, a, bytes) != 1)
		return -EINVAL;
	*out = ip4(be32_at(bytes), (uint8_t)len);
	return 0;
}

static int parse_ip_list(const struct json *v, struct attach_ip *out, size_t *n)
{
	*n = 0;
	if (!v)
		return 0;
	if (json_type_of(v) != JSON_ARRAY || json_count(v) > ATTACH_DHCP_ADDRS_MAX)
		return -EINVAL;
	for (const struct json *e = json_at(v, 0); e; e = json_next(e))
		if (parse_ip(e, false, &out[(*n)++]) < 0)
			return -EINVAL;
	return 0;
}

static int get_int(const struct json *obj, const char *key, int64_t *out)
{
	const struct json *v = json_get(obj, key);

	return v ? json_get_int(v, out) : -ENOENT;
}

int attach_dhcp_lease_from_json(const struct json *v, uint64_t now_ms, int64_t now_unix,
				struct attach_dhcp_lease *out, const char **why)
{
	const struct json *routes;
	int64_t lease, at, t1, t2, exp, el;

	memset(out, 0, sizeof(*out));
	if (!v || json_type_of(v) != JSON_OBJECT) {
		*why = "lease is not an object";
		return -EINVAL;
	}
	if (parse_ip(json_get(v, "address"), true, &out->addr) < 0 ||
	    parse_ip(json_get(v, "server"), false, &out->server) < 0) {
		*why = "lease address or server";
		return -EINVAL;
	}
	if (parse_ip_list(json_get(v, "routers"), out->routers, &out->n_routers) < 0 ||
	    parse_ip_list(json_get(v, "dns"), out->dns, &out->n_dns) < 0) {
		*why = "lease routers or dns";
		return -EINVAL;
	}
	routes = json_get(v, "routes");
	if (routes &&
	    (json_type_of(routes) != JSON_ARRAY || json_count(routes) > ATTACH_DHCP_ROUTES_MAX)) {
		*why = "lease routes";
		return -EINVAL;
	}
	for (const struct json *e = routes ? json_at(routes, 0) : NULL; e; e = json_next(e)) {
		struct attach_dhcp_route *rt = &out->routes[out->n_routes++];
		const struct json *gw = json_get(e, "gateway");

		if (parse_ip(json_get(e, "destination"), true, &rt->dst) < 0 ||
		    (gw && parse_ip(gw, false, &rt->gw) < 0)) {
			*why = "lease route";
			return -EINVAL;
		}
	}
	if (get_int(v, "leaseSeconds", &lease) < 0 || lease < 1 || lease > UINT32_MAX ||
	    get_int(v, "acquiredAt", &at) < 0) {
		*why = "lease leaseSeconds or acquiredAt";
		return -EINVAL;
	}
	out->lease_s = (uint32_t)lease;
	out->start_unix = at;
	if (lease == ATTACH_DHCP_LEASE_INFINITE) {
		out->t1_s = out->t2_s = ATTACH_DHCP_LEASE_INFINITE;
	} else {
		if (get_int(v, "renewAt", &t1) < 0 || get_int(v, "rebindAt", &t2) < 0 ||
		    get_int(v, "expiresAt", &exp) < 0 || exp - at != lease || t1 < at || t2 < t1 ||
		    exp < t2) {
			*why = "lease renewAt, rebindAt or expiresAt";
			return -EINVAL;
		}
		out->t1_s = (uint32_t)(t1 - at);
		out->t2_s = (uint32_t)(t2 - at);
	}
	/* Back to the monotonic clock; a lease older than boot starts at 0. */
	el = now_unix - at;
	if (el < 0)
		el = 0;
	out->start_ms = (uint64_t)el > now_ms / 1000 ? 0 : now_ms - (uint64_t)el * 1000;
	return 0;
}
