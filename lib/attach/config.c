// SPDX-License-Identifier: Apache-2.0
/*
 * The claim configuration: upstream's opaque parameters (reference/upstream.md
 * §5, upstream-v1.4.md §4) decoded strictly through lib/json, defaulted and
 * validated with upstream's rules and messages, fixed where upstream is wrong
 * (docs/compatibility.md "Claim configuration"). Also the prepare-time checks
 * that need no kernel, the kernel feature probe and the JSON writer.
 */
#include "attach/attach.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nl/kcompat.h"
#include "nl/nl.h"

#define MIN_MTU 68 /* upstream's MinMTU */
#define IFNAME_MAX 15 /* IFNAMSIZ - 1 */
#define CLIP_MAX 64 /* bytes of a user's value quoted in a message */
#define RULE_PRIO_MAX 32767

/* ------------------------------------------------------------- errors */

struct vctx {
	struct arena *a;
	struct attach_errs *e;
	int ret; /* -ENOMEM once a message could not be stored */
};

static void verr(struct vctx *v, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void verr(struct vctx *v, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	char *m;

	if (v->e->n >= ATTACH_ERRS_MAX) {
		v->e->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	m = arena_strdup(v->a, buf);
	if (!m) {
		v->ret = -ENOMEM;
		return;
	}
	v->e->msg[v->e->n++] = m;
}

/* Bytes of @s quoted in a message: at most CLIP_MAX, cut at a UTF-8 boundary. */
static int clip_len(const char *s)
{
	size_t n = strlen(s);

	if (n <= CLIP_MAX)
		return (int)n;
	n = CLIP_MAX;
	while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

#define CLIP(s) clip_len(s), (s), strlen(s) > CLIP_MAX ? "..." : ""

/* --------------------------------------------------- addresses and MACs */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Dotted quad as Go's netip.ParseAddr: 4 fields, 0-255, no leading zeros. */
static bool parse_v4(const char *s, size_t n, uint8_t out[4])
{
	size_t p = 0;

	for (int f = 0; f < 4; f++) {
		size_t start = p;
		unsigned v = 0;

		while (p < n && is_digit(s[p]) && p - start < 3)
			v = v * 10 + (unsigned)(s[p++] - '0');
		if (p == start || v > 255 || (p - start > 1 && s[start] == '0'))
			return false;
		out[f] = (uint8_t)v;
		if (f < 3) {
			if (p >= n || s[p] != '.')
				return false;
			p++;
		}
	}
	return p == n;
}

/* RFC 4291 §2.2 text as Go's netip parses it (no zone: upstream rejects zones everywhere). */
static bool parse_v6(const char *s, size_t n, uint8_t out[16])
{
	size_t p = 0, i = 0;
	long ellipsis = -1;

	memset(out, 0, 16);
	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		ellipsis = 0;
		p = 2;
		if (p == n)
			return true;
	}
	while (i < 16) {
		size_t q = p;
		unsigned v = 0;

		while (q < n && str_hex_digit(s[q]) >= 0 && q - p <= 4)
			v = v * 16 + (unsigned)str_hex_digit(s[q++]);
		if (q == p || q - p > 4)
			return false;
		if (q < n && s[q] == '.') {
			if ((ellipsis < 0 && i != 12) || i + 4 > 16)
				return false;
			if (!parse_v4(s + p, n - p, out + i))
				return false;
			i += 4;
			p = n;
			break;
		}
		out[i++] = (uint8_t)(v >> 8);
		out[i++] = (uint8_t)v;
		p = q;
		if (p == n)
			break;
		if (s[p] != ':' || p + 1 == n)
			return false;
		p++;
		if (s[p] == ':') {
			if (ellipsis >= 0)
				return false;
			ellipsis = (long)i;
			if (++p == n)
				break;
		}
	}
	if (p != n)
		return false;
	if (ellipsis < 0)
		return i == 16;
	if (i == 16)
		return false; /* "::" must stand for at least one zero group */
	{
		size_t shift = 16 - i, e = (size_t)ellipsis;

		memmove(out + e + shift, out + e, i - e);
		memset(out + e, 0, shift);
	}
	return true;
}

static bool parse_ip_n(const char *s, size_t n, struct attach_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (memchr(s, ':', n)) {
		if (!parse_v6(s, n, ip->addr))
			return false;
		ip->family = AF_INET6;
		ip->len = 128;
		return true;
	}
	if (!parse_v4(s, n, ip->addr))
		return false;
	ip->family = AF_INET;
	ip->len = 32;
	return true;
}

static bool parse_ip(const char *s, struct attach_ip *ip)
{
	return parse_ip_n(s, strlen(s), ip);
}

static void mask_ip(struct attach_ip *ip)
{
	size_t bytes = ip->family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < bytes; i++) {
		unsigned keep = ip->len >= (i + 1) * 8 ? 8 : ip->len > i * 8 ? ip->len - i * 8 : 0;

		ip->addr[i] &= (uint8_t)(0xff00u >> keep);
	}
}

/*
 * "addr/len". @strict: netip.ParsePrefix (no leading zeros in the length);
 * otherwise net.ParseCIDR (leading zeros allowed). Host bits are kept.
 */
static bool parse_prefix(const char *s, bool strict, struct attach_ip *ip)
{
	const char *slash = strchr(s, '/');
	const char *b;
	unsigned bits = 0;

	if (!slash || !parse_ip_n(s, (size_t)(slash - s), ip))
		return false;
	b = slash + 1;
	if (!is_digit(*b) || (strict && b[0] == '0' && b[1]))
		return false;
	for (; is_digit(*b); b++) {
		bits = bits * 10 + (unsigned)(*b - '0');
		if (bits > 128)
			return false;
	}
	if (*b || bits > (ip->family == AF_INET ? 32u : 128u))
		return false;
	ip->len = (uint8_t)bits;
	return true;
}

/* Two hex digits, then @sep unless at the end (Go's xtoi2). */
static bool mac_byte(const char *s, size_t left, char sep, uint8_t *out)
{
	int hi, lo;

	if (left < 2 || (hi = str_hex_digit(s[0])) < 0 || (lo = str_hex_digit(s[1])) < 0)
		return false;
	if (left > 2 && s[2] != sep)
		return false;
	*out = (uint8_t)(hi << 4 | lo);
	return true;
}

/* Go's net.ParseMAC: EUI-48, EUI-64, 20-byte IPoIB; "a:b", "a-b" or "aabb.ccdd". */
static bool parse_mac(const char *s, struct attach_mac *mac)
{
	size_t len = strlen(s), n;

	memset(mac, 0, sizeof(*mac));
	if (len < 14)
		return false;
	if (s[2] == ':' || s[2] == '-') {
		if ((len + 1) % 3)
			return false;
		n = (len + 1) / 3;
		if (n != 6 && n != 8 && n != 20)
			return false;
		for (size_t i = 0, x = 0; i < n; i++, x += 3) {
			if (!mac_byte(s + x, len - x, s[2], &mac->addr[i]))
				return false;
		}
	} else if (s[4] == '.') {
		if ((len + 1) % 5)
			return false;
		n = 2 * (len + 1) / 5;
		if (n != 6 && n != 8 && n != 20)
			return false;
		for (size_t i = 0, x = 0; i < n; i += 2, x += 5) {
			if (!mac_byte(s + x, 2, 0, &mac->addr[i]) ||
			    !mac_byte(s + x + 2, len - x - 2, s[4], &mac->addr[i + 1]))
				return false;
		}
	} else {
		return false;
	}
	mac->len = (uint8_t)n;
	return true;
}

/* ------------------------------------------------------------ decoding */

/* The refused shared-NIC fields ride along in private wrappers (RAW: never decoded). */
struct iface_dec {
	struct attach_iface_cfg c;
	const struct json *type, *addressing, *ipvlan;
};

struct config_dec {
	struct attach_config c;
	struct iface_dec iface;
	const struct json *sub_interface;
};

static const struct json_field vrf_fields[] = {
	JSON_FIELD(struct attach_vrf_cfg, name, "name", JSON_FK_STRING),
	JSON_FIELD(struct attach_vrf_cfg, table, "table", JSON_FK_INT64,
		   JSON_HAS(struct attach_vrf_cfg, has_table)),
};
static const struct json_schema vrf_schema = JSON_SCHEMA(struct attach_vrf_cfg, vrf_fields);

#define IF_FIELD(member, jname, kind)                                                              \
	JSON_FIELD(struct iface_dec, c.member, jname, kind,                                        \
		   JSON_HAS(struct iface_dec, c.has_##member))

static const struct json_field iface_fields[] = {
	JSON_FIELD(struct iface_dec, c.name, "name", JSON_FK_STRING),
	JSON_FIELD(struct iface_dec, c.addresses, "addresses", JSON_FK_ARRAY_STRING,
		   JSON_COUNT(struct iface_dec, c.n_addresses)),
	IF_FIELD(dhcp, "dhcp", JSON_FK_BOOL),
	IF_FIELD(mtu, "mtu", JSON_FK_INT32),
	JSON_FIELD(struct iface_dec, c.hardware_addr, "hardwareAddr", JSON_FK_STRING,
		   JSON_HAS(struct iface_dec, c.has_hardware_addr)),
	IF_FIELD(gso_max_size, "gsoMaxSize", JSON_FK_INT32),
	IF_FIELD(gro_max_size, "groMaxSize", JSON_FK_INT32),
	IF_FIELD(gso_ipv4_max_size, "gsoIPv4MaxSize", JSON_FK_INT32),
	IF_FIELD(gro_ipv4_max_size, "groIPv4MaxSize", JSON_FK_INT32),
	JSON_FIELD(struct iface_dec, c.disable_ebpf, "disableEbpfPrograms", JSON_FK_BOOL,
		   JSON_HAS(struct iface_dec, c.has_disable_ebpf)),
	IF_FIELD(forwarding, "forwarding", JSON_FK_BOOL),
	IF_FIELD(arp_ignore, "arpIgnore", JSON_FK_INT32),
	IF_FIELD(arp_announce, "arpAnnounce", JSON_FK_INT32),
	JSON_FIELD(struct iface_dec, c.vrf, "vrf", JSON_FK_OBJECT, .sub = &vrf_schema,
		   JSON_HAS(struct iface_dec, c.has_vrf)),
	JSON_FIELD(struct iface_dec, type, "type", JSON_FK_RAW),
	JSON_FIELD(struct iface_dec, addressing, "addressing", JSON_FK_RAW),
	JSON_FIELD(struct iface_dec, ipvlan, "ipvlan", JSON_FK_RAW),
};
static const struct json_schema iface_schema = JSON_SCHEMA(struct iface_dec, iface_fields);

static const struct json_field route_fields[] = {
	JSON_FIELD(struct attach_route_cfg, destination, "destination", JSON_FK_STRING),
	JSON_FIELD(struct attach_route_cfg, gateway, "gateway", JSON_FK_STRING),
	JSON_FIELD(struct attach_route_cfg, source, "source", JSON_FK_STRING),
	JSON_FIELD(struct attach_route_cfg, scope, "scope", JSON_FK_UINT8),
	JSON_FIELD(struct attach_route_cfg, table, "table", JSON_FK_INT64),
};
static const struct json_schema route_schema = JSON_SCHEMA(struct attach_route_cfg, route_fields);

static const struct json_field rule_fields[] = {
	JSON_FIELD(struct attach_rule_cfg, priority, "priority", JSON_FK_INT64,
		   JSON_HAS(struct attach_rule_cfg, has_priority)),
	JSON_FIELD(struct attach_rule_cfg, source, "source", JSON_FK_STRING),
	JSON_FIELD(struct attach_rule_cfg, destination, "destination", JSON_FK_STRING),
	JSON_FIELD(struct attach_rule_cfg, table, "table", JSON_FK_INT64,
		   JSON_HAS(struct attach_rule_cfg, has_table)),
};
static const struct json_schema rule_schema = JSON_SCHEMA(struct attach_rule_cfg, rule_fields);

static const struct json_field neigh_fields[] = {
	JSON_FIELD(struct attach_neigh_cfg, destination, "destination", JSON_FK_STRING),
	JSON_FIELD(struct attach_neigh_cfg, hardware_addr, "hardwareAddr", JSON_FK_STRING),
};
static const struct json_schema neigh_schema = JSON_SCHEMA(struct attach_neigh_cfg, neigh_fields);

static const struct json_field ethtool_fields[] = {
	JSON_FIELD(struct attach_ethtool_cfg, features, "features", JSON_FK_MAP_BOOL,
		   JSON_COUNT(struct attach_ethtool_cfg, n_features)),
	JSON_FIELD(struct attach_ethtool_cfg, private_flags, "privateFlags", JSON_FK_MAP_BOOL,
		   JSON_COUNT(struct attach_ethtool_cfg, n_private_flags)),
};
static const struct json_schema ethtool_schema =
	JSON_SCHEMA(struct attach_ethtool_cfg, ethtool_fields);

static const struct json_field config_fields[] = {
	JSON_FIELD(struct config_dec, c.profile, "profile", JSON_FK_STRING),
	JSON_FIELD(struct config_dec, iface, "interface", JSON_FK_OBJECT, .sub = &iface_schema),
	JSON_FIELD(struct config_dec, c.routes, "routes", JSON_FK_ARRAY_OBJECT,
		   .sub = &route_schema, JSON_COUNT(struct config_dec, c.n_routes)),
	JSON_FIELD(struct config_dec, c.rules, "rules", JSON_FK_ARRAY_OBJECT, .sub = &rule_schema,
		   JSON_COUNT(struct config_dec, c.n_rules)),
	JSON_FIELD(struct config_dec, c.neighbors, "neighbors", JSON_FK_ARRAY_OBJECT,
		   .sub = &neigh_schema, JSON_COUNT(struct config_dec, c.n_neighbors)),
	JSON_FIELD(struct config_dec, c.ethtool, "ethtool", JSON_FK_OBJECT, .sub = &ethtool_schema,
		   JSON_HAS(struct config_dec, c.has_ethtool)),
	JSON_FIELD(struct config_dec, sub_interface, "subInterface", JSON_FK_RAW),
};
static const struct json_schema config_schema = JSON_SCHEMA(struct config_dec, config_fields);

/* Members of @obj's array @key when it is an array (else 0: the decoder reports the type). */
static size_t array_len(const struct json *obj, const char *key)
{
	const struct json *v = obj && json_type_of(obj) == JSON_OBJECT ? json_get(obj, key) : NULL;

	return v && json_type_of(v) == JSON_ARRAY ? json_count(v) : 0;
}

static size_t map_len(const struct json *obj, const char *key)
{
	const struct json *v = obj && json_type_of(obj) == JSON_OBJECT ? json_get(obj, key) : NULL;

	return v && json_type_of(v) == JSON_OBJECT ? json_count(v) : 0;
}

/* ATTACH_*_MAX over the tree before decoding, so a hostile list costs no arena. */
static bool check_limits(struct vctx *v, const struct json *root)
{
	const struct json *iface =
		json_type_of(root) == JSON_OBJECT ? json_get(root, "interface") : NULL;
	const struct json *eth =
		json_type_of(root) == JSON_OBJECT ? json_get(root, "ethtool") : NULL;
	struct {
		const char *path;
		size_t n, max;
	} l[] = {
		{ "interface.addresses", array_len(iface, "addresses"), ATTACH_ADDRS_MAX },
		{ "routes", array_len(root, "routes"), ATTACH_ROUTES_MAX },
		{ "rules", array_len(root, "rules"), ATTACH_RULES_MAX },
		{ "neighbors", array_len(root, "neighbors"), ATTACH_NEIGHS_MAX },
		{ "ethtool", map_len(eth, "features") + map_len(eth, "privateFlags"),
		  ATTACH_ETHTOOL_MAX },
	};
	bool ok = true;

	for (size_t i = 0; i < ARRAY_SIZE(l); i++) {
		if (l[i].n > l[i].max) {
			verr(v, "%s: too many entries (%zu, at most %zu)", l[i].path, l[i].n,
			     l[i].max);
			ok = false;
		}
	}
	return ok;
}

static void refuse_shared_nic(struct vctx *v, const struct config_dec *d)
{
	static const char why[] = "shared-NIC (IPVLAN subinterface) configuration is not "
				  "supported yet";

	if (d->iface.type)
		verr(v, "interface.type: %s", why);
	if (d->iface.addressing)
		verr(v, "interface.addressing: %s", why);
	if (d->iface.ipvlan)
		verr(v, "interface.ipvlan: %s", why);
	if (d->sub_interface)
		verr(v, "subInterface: %s", why);
}

/* ----------------------------------------------------------- validation */

static uint32_t fnv1a32(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

/* upstream-v1.4.md §4.2: runs after decoding, before validation. */
static void apply_defaults(struct attach_config *c)
{
	struct attach_vrf_cfg *vrf = &c->interface.vrf;

	if (c->interface.has_vrf && !vrf->has_table && vrf->name && vrf->name[0]) {
		vrf->table = (int64_t)(fnv1a32(vrf->name) % 1000) + 1000;
		vrf->has_table = true;
	}
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
	       c == '_' || c == '.';
}

static bool is_ascii_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Length of the UTF-8 sequence starting at @s (the text is valid UTF-8: lib/json checked). */
static size_t rune_len(const char *s)
{
	unsigned char c = (unsigned char)*s;
	size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

	for (size_t i = 1; i < n; i++) {
		if (!s[i])
			return i;
	}
	return n;
}

/*
 * upstream's isValidLinuxInterfaceName, except that only ASCII letters and
 * digits pass the character check (upstream lets any Unicode letter through;
 * compatibility.md "Claim configuration").
 */
static void check_ifname(struct vctx *v, const char *name, const char *path)
{
	size_t len = strlen(name);

	if (!len)
		return;
	if (len > IFNAME_MAX)
		verr(v, "%s: name '%.*s%s' exceeds maximum length of %d characters", path,
		     CLIP(name), IFNAME_MAX);
	if (strchr(name, '/'))
		verr(v, "%s: name '%.*s%s' cannot contain '/'", path, CLIP(name));
	if (strpbrk(name, " \t\n\v\f\r"))
		verr(v, "%s: name '%.*s%s' cannot contain whitespace", path, CLIP(name));
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		verr(v, "%s: name '%.*s%s' cannot be '.' or '..'", path, CLIP(name));
	for (const char *p = name; *p;) {
		size_t n = rune_len(p);

		if (n > 1 || (!is_name_char(*p) && *p != '/' && !is_ascii_space(*p)))
			verr(v,
			     "%s: name '%.*s%s' contains invalid character '%.*s'. Only letters, digits, '-', '_', '.' are recommended",
			     path, CLIP(name), (int)n, p);
		p += n;
	}
}

static void check_iface(struct vctx *v, struct attach_iface_cfg *c)
{
	static const struct {
		const char *name;
		size_t val, has;
	} sizes[] = {
		{ "gsoMaxSize", offsetof(struct attach_iface_cfg, gso_max_size),
		  offsetof(struct attach_iface_cfg, has_gso_max_size) },
		{ "groMaxSize", offsetof(struct attach_iface_cfg, gro_max_size),
		  offsetof(struct attach_iface_cfg, has_gro_max_size) },
		/* upstream's texts name the IPv4 ones so */
		{ "gsov4MaxSize", offsetof(struct attach_iface_cfg, gso_ipv4_max_size),
		  offsetof(struct attach_iface_cfg, has_gso_ipv4_max_size) },
		{ "grov4MaxSize", offsetof(struct attach_iface_cfg, gro_ipv4_max_size),
		  offsetof(struct attach_iface_cfg, has_gro_ipv4_max_size) },
	};
	const char *base = (const char *)c;

	check_ifname(v, c->name ? c->name : "", "interface.name");
	if (c->n_addresses) {
		c->addrs = arena_calloc(v->a, c->n_addresses, sizeof(*c->addrs));
		if (!c->addrs) {
			v->ret = -ENOMEM;
			return;
		}
	}
	for (size_t i = 0; i < c->n_addresses; i++) {
		if (!parse_prefix(c->addresses[i], true, &c->addrs[i]))
			verr(v, "interface.addresses[%zu]: invalid IP CIDR format '%.*s%s'", i,
			     CLIP(c->addresses[i]));
	}
	if (c->has_dhcp && c->dhcp && c->n_addresses)
		verr(v, "interface: dhcp and addresses are mutually exclusive");
	if (c->has_mtu && c->mtu < MIN_MTU)
		verr(v, "interface.mtu: must be at least %d, got %d", MIN_MTU, c->mtu);
	if (c->has_hardware_addr && !parse_mac(c->hardware_addr, &c->mac))
		verr(v,
		     "interface.hardwareAddress: invalid Hardware Address format '%.*s%s': address %.*s%s: invalid MAC address",
		     CLIP(c->hardware_addr), CLIP(c->hardware_addr));
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		int32_t val;

		memcpy(&val, base + sizes[i].val, sizeof(val));
		if (base[sizes[i].has] && val <= 0)
			verr(v, "interface.%s: must be positive, got %d", sizes[i].name, val);
	}
	if (c->has_arp_ignore && !(c->arp_ignore >= 0 && c->arp_ignore <= 3) && c->arp_ignore != 8)
		verr(v, "interface.arpIgnore: must be one of 0, 1, 2, 3 or 8, got %d",
		     c->arp_ignore);
	if (c->has_arp_announce && (c->arp_announce < 0 || c->arp_announce > 2))
		verr(v, "interface.arpAnnounce: must be between 0 and 2, got %d", c->arp_announce);
	if (c->has_vrf) {
		if (!c->vrf.name || !c->vrf.name[0])
			verr(v, "interface.vrf.name: cannot be empty");
		if (c->vrf.has_table && c->vrf.table <= 0)
			verr(v, "interface.vrf.table: must be a positive integer, got %lld",
			     (long long)c->vrf.table);
		if (c->vrf.has_table && c->vrf.table >= RT_TABLE_DEFAULT &&
		    c->vrf.table <= RT_TABLE_LOCAL)
			verr(v, "interface.vrf.table: cannot use reserved table ID %lld",
			     (long long)c->vrf.table);
	}
}

static void check_route(struct vctx *v, size_t i, struct attach_route_cfg *r)
{
	const char *dst = r->destination ? r->destination : "";

	if (!dst[0]) {
		verr(v, "routes[%zu].destination: cannot be empty", i);
	} else if (parse_prefix(dst, false, &r->dst)) {
		mask_ip(&r->dst); /* net.ParseCIDR's IPNet, what the kernel takes */
	} else if (!parse_ip(dst, &r->dst)) {
		/* A bare IP is a host route (fixed; upstream v1.4 rejects it, v1.0 failed at run time). */
		verr(v, "routes[%zu].destination: invalid IP or CIDR format '%.*s%s'", i,
		     CLIP(dst));
	}
	if (r->scope != RT_SCOPE_UNIVERSE && r->scope != RT_SCOPE_LINK)
		verr(v,
		     "routes[%zu].scope: invalid scope '%u', only Link (%d) or Universe (%d) allowed",
		     i, r->scope, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE);
	if (r->gateway && r->gateway[0]) {
		if (!parse_ip(r->gateway, &r->gw))
			verr(v, "routes[%zu].gateway: invalid IP address format '%.*s%s'", i,
			     CLIP(r->gateway));
		else if (r->dst.family && r->gw.family != r->dst.family)
			verr(v,
			     "routes[%zu].gateway: '%.*s%s' must be the same IP family as destination '%.*s%s'",
			     i, CLIP(r->gateway), CLIP(dst));
	} else if (r->scope != RT_SCOPE_LINK) {
		verr(v, "routes[%zu].gateway: must be specified for Universe scope routes", i);
	}
	if (r->source && r->source[0]) {
		if (!parse_ip(r->source, &r->src))
			verr(v, "routes[%zu].source: invalid IP address format '%.*s%s'", i,
			     CLIP(r->source));
		else if (r->dst.family && r->src.family != r->dst.family)
			verr(v,
			     "routes[%zu].source: '%.*s%s' must be the same IP family as destination '%.*s%s'",
			     i, CLIP(r->source), CLIP(dst));
	}
	if (r->table < 0)
		verr(v, "routes[%zu].table: must be a non-negative integer, got %lld", i,
		     (long long)r->table);
}

static void check_rule(struct vctx *v, size_t i, struct attach_rule_cfg *r)
{
	if (r->has_priority && (r->priority < 0 || r->priority > RULE_PRIO_MAX))
		verr(v, "rules[%zu].priority: must be an integer between 0 and %d, got %lld", i,
		     RULE_PRIO_MAX, (long long)r->priority);
	if (r->has_table && r->table < 0)
		verr(v, "rules[%zu].table: must be a non-negative integer, got %lld", i,
		     (long long)r->table);
	if (r->source && r->source[0]) {
		if (parse_prefix(r->source, false, &r->src))
			mask_ip(&r->src);
		else
			verr(v, "rules[%zu].source: invalid CIDR format '%.*s%s'", i,
			     CLIP(r->source));
	}
	if (r->destination && r->destination[0]) {
		if (parse_prefix(r->destination, false, &r->dst))
			mask_ip(&r->dst);
		else
			verr(v, "rules[%zu].destination: invalid CIDR format '%.*s%s'", i,
			     CLIP(r->destination));
	}
	if (r->src.family && r->dst.family && r->src.family != r->dst.family)
		verr(v,
		     "rules[%zu]: source '%.*s%s' and destination '%.*s%s' must be the same IP family",
		     i, CLIP(r->source), CLIP(r->destination));
}

static void check_neigh(struct vctx *v, size_t i, struct attach_neigh_cfg *n)
{
	const char *dst = n->destination ? n->destination : "";
	const char *mac = n->hardware_addr ? n->hardware_addr : "";

	if (!dst[0])
		verr(v, "neighbors[%zu].destination: cannot be empty", i);
	else if (!parse_ip(dst, &n->dst))
		verr(v, "neighbors[%zu].destination: invalid IP address format '%.*s%s'", i,
		     CLIP(dst));
	if (!mac[0])
		verr(v, "neighbors[%zu].hardwareAddress: cannot be empty", i);
	else if (!parse_mac(mac, &n->mac))
		verr(v,
		     "neighbors[%zu].hardwareAddress: invalid Hardware Address format '%.*s%s': address %.*s%s: invalid MAC address",
		     i, CLIP(mac), CLIP(mac));
}

static void validate(struct vctx *v, struct attach_config *c)
{
	check_iface(v, &c->interface);
	for (size_t i = 0; i < c->n_routes && !v->ret; i++)
		check_route(v, i, &c->routes[i]);
	if (c->n_rules && c->interface.has_vrf) {
		verr(v, "rules: rules are not supported when VRF is enabled");
	} else {
		for (size_t i = 0; i < c->n_rules && !v->ret; i++)
			check_rule(v, i, &c->rules[i]);
	}
	for (size_t i = 0; i < c->n_neighbors && !v->ret; i++)
		check_neigh(v, i, &c->neighbors[i]);
}

/* ------------------------------------------------------------- parsing */

/* A decoded tree into *out; 0, -EBADMSG (errors in @v), -ENOMEM. */
static int decode_tree(struct vctx *v, const struct json *root, struct attach_config **out)
{
	struct config_dec *d;
	struct json_err jerr;
	char msg[sizeof(jerr.path) + sizeof(jerr.msg) + 4];
	int ret;

	if (!check_limits(v, root))
		return -EBADMSG;
	d = arena_alloc(v->a, sizeof(*d));
	if (!d)
		return -ENOMEM;
	ret = json_decode(root, &config_schema, d, v->a, &jerr);
	if (ret == -ENOMEM || ret == -EINVAL)
		return ret;
	if (ret && strcmp(jerr.msg, "unknown field") != 0) {
		verr(v, "failed to unmarshal JSON data: %s",
		     json_err_format(&jerr, msg, sizeof(msg)));
		return -EBADMSG;
	}
	if (ret)
		verr(v, "failed to unmarshal strict JSON data: %s",
		     json_err_format(&jerr, msg, sizeof(msg)));
	refuse_shared_nic(v, d);
	d->c.interface = d->iface.c;
	*out = &d->c;
	return 0;
}

int attach_config_parse(const char *text, size_t len, struct arena *a, struct attach_config **out,
			struct attach_errs *errs)
{
	struct vctx v = { .a = a, .e = errs };
	struct json *root = NULL;
	struct json_err jerr;
	char msg[sizeof(jerr.path) + sizeof(jerr.msg) + 4];
	int ret;

	if (!a || !out || !errs || (!text && len))
		return -EINVAL;
	memset(errs, 0, sizeof(*errs));
	*out = NULL;
	if (!len) {
		*out = arena_alloc(a, sizeof(**out));
		return *out ? 0 : -ENOMEM;
	}
	ret = json_parse(text, len, &root, &jerr);
	if (ret == -EBADMSG || ret == -EMSGSIZE) {
		if (ret == -EMSGSIZE)
			verr(&v, "failed to unmarshal JSON data: document larger than %u bytes",
			     JSON_TEXT_MAX);
		else if (jerr.path[0])
			verr(&v, "failed to unmarshal JSON data: %s",
			     json_err_format(&jerr, msg, sizeof(msg)));
		else
			verr(&v, "failed to unmarshal JSON data: %s at offset %zu", jerr.msg,
			     jerr.offset);
		return v.ret ? v.ret : -EBADMSG;
	}
	if (ret)
		return ret;
	ret = decode_tree(&v, root, out);
	json_free(root);
	if (ret == -EBADMSG || ret == -ENOMEM || ret == -EINVAL) {
		*out = NULL;
		return v.ret ? v.ret : ret;
	}
	apply_defaults(*out);
	validate(&v, *out);
	if (v.ret)
		return v.ret;
	return errs->n || errs->dropped ? -EBADMSG : 0;
}

const char *attach_errs_join(const struct attach_errs *e, struct arena *a)
{
	struct buf b;
	const char *s;
	int ret = 0;

	buf_init(&b, 1u << 20);
	for (size_t i = 0; i < e->n && !ret; i++)
		ret = buf_printf(&b, "%s%s", i ? "; " : "", e->msg[i]);
	if (!ret && e->dropped)
		ret = buf_printf(&b, " (and %zu more)", e->dropped);
	s = ret ? NULL : arena_strndup(a, b.len ? (const char *)b.p : "", b.len);
	buf_fini(&b);
	return s;
}

/* ---------------------------------------------------- prepare-time checks */

static int check_result(const struct vctx *v, size_t before)
{
	if (v->ret)
		return v->ret;
	return v->e->n + v->e->dropped > before ? -EBADMSG : 0;
}

int attach_config_check_rdma_only(const struct attach_config *cfg, struct attach_errs *errs,
				  struct arena *a)
{
	struct vctx v = { .a = a, .e = errs };
	size_t before = errs->n + errs->dropped;
	const struct attach_iface_cfg *i = &cfg->interface;

	/* upstream-v1.4.md §4.4: one error per category, upstream's texts. */
	if ((i->name && i->name[0]) || i->n_addresses || i->has_mtu || i->has_hardware_addr ||
	    i->has_dhcp || i->has_gso_max_size || i->has_gro_max_size || i->has_gso_ipv4_max_size ||
	    i->has_gro_ipv4_max_size || i->has_disable_ebpf || i->has_arp_ignore ||
	    i->has_arp_announce)
		verr(&v,
		     "interface configuration is not supported for RDMA-only devices (no network interface present)");
	if (cfg->n_routes)
		verr(&v,
		     "routes are not supported for RDMA-only devices (no network interface present)");
	if (cfg->n_rules)
		verr(&v,
		     "rules are not supported for RDMA-only devices (no network interface present)");
	if (cfg->has_ethtool)
		verr(&v,
		     "ethtool configuration is not supported for RDMA-only devices (no network interface present)");
	if (cfg->n_neighbors)
		verr(&v,
		     "neighbors are not supported for RDMA-only devices (no network interface present)");
	return check_result(&v, before);
}

int attach_config_check_vf_mtu(const struct attach_config *cfg, uint32_t pf_mtu,
			       struct attach_errs *errs, struct arena *a)
{
	struct vctx v = { .a = a, .e = errs };
	size_t before = errs->n + errs->dropped;

	if (cfg->interface.has_mtu && cfg->interface.mtu > 0 &&
	    (uint32_t)cfg->interface.mtu > pf_mtu)
		verr(&v, "interface.mtu: %d exceeds the MTU %u of the VF's physical function",
		     cfg->interface.mtu, pf_mtu);
	return check_result(&v, before);
}

int attach_config_check_kernel(const struct attach_config *cfg, const struct attach_kernel *k,
			       struct attach_errs *errs, struct arena *a)
{
	struct vctx v = { .a = a, .e = errs };
	size_t before = errs->n + errs->dropped;

	if (cfg->interface.has_gso_ipv4_max_size && !k->gso_ipv4_sizes)
		verr(&v,
		     "interface.gsoIPv4MaxSize: the running kernel lacks IFLA_GSO_IPV4_MAX_SIZE (Linux 6.3)");
	if (cfg->interface.has_gro_ipv4_max_size && !k->gso_ipv4_sizes)
		verr(&v,
		     "interface.groIPv4MaxSize: the running kernel lacks IFLA_GRO_IPV4_MAX_SIZE (Linux 6.3)");
	return check_result(&v, before);
}

/* bpf(BPF_PROG_QUERY) of @attach_type on @ifindex: 0 or -errno. */
static int bpf_query(int ifindex, uint32_t attach_type)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)ifindex; /* target_ifindex for TCX (same union slot) */
	attr.query.attach_type = attach_type;
	return syscall(SYS_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)) < 0 ? -errno : 0;
}

int attach_kernel_probe(struct attach_kernel *k)
{
	struct nl_sock *s;
	struct nl_link lo;
	int ret;

	memset(k, 0, sizeof(*k));
	ret = nl_open(NETLINK_ROUTE, NULL, &s);
	if (ret)
		return ret;
	ret = nl_link_get(s, 1, &lo); /* the loopback is always ifindex 1 */
	nl_close(s);
	if (ret)
		return ret;
	k->gso_ipv4_sizes = lo.has_gso_ipv4_max_size;
	ret = bpf_query(1, NL_BPF_TCX_INGRESS);
	if (ret == -EINVAL)
		return 0; /* no TCX: bpf_prog_query() knows no such attach type */
	if (ret)
		return ret;
	k->tcx = true;
	return 0;
}

/* ------------------------------------------------------------- writing */

/* Add a member when @flag; uses the caller's @o and @ret. */
#define PUT(flag, fn, key, val)                                                                    \
	do {                                                                                       \
		if (!ret && (flag))                                                                \
			ret = fn(o, key, val);                                                     \
	} while (0)

static int add_str(struct json *o, const char *key, const char *s)
{
	return s && s[0] ? json_obj_add_str(o, key, s) : 0;
}

static int iface_to_json(const struct attach_iface_cfg *c, struct json *o)
{
	struct json *arr;
	int ret = add_str(o, "name", c->name);

	if (!ret && c->n_addresses) {
		arr = json_obj_add_array(o, "addresses");
		for (size_t i = 0; arr && !ret && i < c->n_addresses; i++)
			ret = json_arr_add(arr, json_new_string(c->addresses[i]));
		ret = arr ? ret : -ENOMEM;
	}
	PUT(c->has_dhcp, json_obj_add_bool, "dhcp", c->dhcp);
	PUT(c->has_mtu, json_obj_add_int, "mtu", c->mtu);
	PUT(c->has_hardware_addr, json_obj_add_str, "hardwareAddr", c->hardware_addr);
	PUT(c->has_gso_max_size, json_obj_add_int, "gsoMaxSize", c->gso_max_size);
	PUT(c->has_gro_max_size, json_obj_add_int, "groMaxSize", c->gro_max_size);
	PUT(c->has_gso_ipv4_max_size, json_obj_add_int, "gsoIPv4MaxSize", c->gso_ipv4_max_size);
	PUT(c->has_gro_ipv4_max_size, json_obj_add_int, "groIPv4MaxSize", c->gro_ipv4_max_size);
	PUT(c->has_disable_ebpf, json_obj_add_bool, "disableEbpfPrograms", c->disable_ebpf);
	PUT(c->has_forwarding, json_obj_add_bool, "forwarding", c->forwarding);
	PUT(c->has_arp_ignore, json_obj_add_int, "arpIgnore", c->arp_ignore);
	PUT(c->has_arp_announce, json_obj_add_int, "arpAnnounce", c->arp_announce);
	if (!ret && c->has_vrf) {
		struct json *vrf = json_obj_add_object(o, "vrf");

		ret = vrf ? add_str(vrf, "name", c->vrf.name) : -ENOMEM;
		if (!ret && c->vrf.has_table)
			ret = json_obj_add_int(vrf, "table", c->vrf.table);
	}
	return ret;
}

static int route_to_json(const struct attach_route_cfg *r, struct json *arr)
{
	struct json *o = json_new_object();
	int ret = json_arr_add(arr, o);

	if (!ret)
		ret = add_str(o, "destination", r->destination);
	if (!ret)
		ret = add_str(o, "gateway", r->gateway);
	if (!ret)
		ret = add_str(o, "source", r->source);
	PUT(r->scope, json_obj_add_int, "scope", r->scope);
	PUT(r->table, json_obj_add_int, "table", r->table);
	return ret;
}

static int rule_to_json(const struct attach_rule_cfg *r, struct json *arr)
{
	struct json *o = json_new_object();
	int ret = json_arr_add(arr, o);

	PUT(r->has_priority, json_obj_add_int, "priority", r->priority);
	if (!ret)
		ret = add_str(o, "source", r->source);
	if (!ret)
		ret = add_str(o, "destination", r->destination);
	PUT(r->has_table, json_obj_add_int, "table", r->table);
	return ret;
}

static int neigh_to_json(const struct attach_neigh_cfg *n, struct json *arr)
{
	struct json *o = json_new_object();
	int ret = json_arr_add(arr, o);

	if (!ret)
		ret = add_str(o, "destination", n->destination);
	if (!ret)
		ret = add_str(o, "hardwareAddr", n->hardware_addr);
	return ret;
}

static int map_to_json(struct json *o, const char *key, const struct json_kv_bool *kv, size_t n)
{
	struct json *m;
	int ret = 0;

	if (!n)
		return 0;
	m = json_obj_add_object(o, key);
	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < n && !ret; i++)
		ret = json_obj_add_bool(m, kv[i].key, kv[i].value);
	return ret;
}

static int lists_to_json(const struct attach_config *cfg, struct json *root)
{
	struct json *arr = NULL;
	int ret = 0;

	for (size_t i = 0; i < cfg->n_routes && !ret; i++) {
		if (cfg->routes[i].origin != ATTACH_FROM_CONFIG)
			continue;
		if (!arr && !(arr = json_obj_add_array(root, "routes")))
			return -ENOMEM;
		ret = route_to_json(&cfg->routes[i], arr);
	}
	arr = NULL;
	for (size_t i = 0; i < cfg->n_rules && !ret; i++) {
		if (cfg->rules[i].origin != ATTACH_FROM_CONFIG)
			continue;
		if (!arr && !(arr = json_obj_add_array(root, "rules")))
			return -ENOMEM;
		ret = rule_to_json(&cfg->rules[i], arr);
	}
	if (!ret && cfg->n_neighbors) {
		arr = json_obj_add_array(root, "neighbors");
		if (!arr)
			return -ENOMEM;
		for (size_t i = 0; i < cfg->n_neighbors && !ret; i++)
			ret = neigh_to_json(&cfg->neighbors[i], arr);
	}
	return ret;
}

struct json *attach_config_to_json(const struct attach_config *cfg)
{
	struct json *root = json_new_object(), *iface = NULL, *eth;
	int ret = root ? add_str(root, "profile", cfg->profile) : -ENOMEM;

	if (!ret) {
		iface = json_new_object();
		ret = iface ? iface_to_json(&cfg->interface, iface) : -ENOMEM;
		if (!ret && json_count(iface)) {
			ret = json_obj_add(root, "interface", iface);
			iface = NULL;
		}
	}
	if (!ret)
		ret = lists_to_json(cfg, root);
	if (!ret && cfg->has_ethtool) {
		eth = json_obj_add_object(root, "ethtool");
		ret = eth ? map_to_json(eth, "features", cfg->ethtool.features,
					cfg->ethtool.n_features)
			  : -ENOMEM;
		if (!ret)
			ret = map_to_json(eth, "privateFlags", cfg->ethtool.private_flags,
					  cfg->ethtool.n_private_flags);
	}
	json_free(iface);
	if (ret) {
		json_free(root);
		return NULL;
	}
	return root;
}
