// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz lib/json strict decoding: parse, then decode with a schema shaped
 * like upstream's claim config (interface, routes[], ethtool maps, raw),
 * in an arena whose cap comes from the first input byte.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "json/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct f_iface {
	const char *name, *mac;
	const char **addresses;
	size_t n_addresses;
	bool dhcp, has_dhcp;
	int32_t mtu;
	bool has_mtu;
};

struct f_route {
	const char *destination, *gateway;
	uint8_t scope;
	int64_t table;
};

struct f_config {
	struct f_iface interface;
	struct f_route *routes;
	size_t n_routes;
	struct json_kv_bool *features;
	size_t n_features;
	struct json_kv_str *labels;
	size_t n_labels;
	int64_t *ints;
	size_t n_ints;
	uint32_t u32;
	const struct json *raw;
};

static const struct json_field iface_fields[] = {
	JSON_FIELD(struct f_iface, name, "name", JSON_FK_STRING),
	JSON_FIELD(struct f_iface, mac, "hardwareAddr", JSON_FK_STRING),
	JSON_FIELD(struct f_iface, addresses, "addresses", JSON_FK_ARRAY_STRING,
		   JSON_COUNT(struct f_iface, n_addresses)),
	JSON_FIELD(struct f_iface, dhcp, "dhcp", JSON_FK_BOOL, JSON_HAS(struct f_iface, has_dhcp)),
	JSON_FIELD(struct f_iface, mtu, "mtu", JSON_FK_INT32, JSON_HAS(struct f_iface, has_mtu)),
};
static const struct json_schema iface_schema = JSON_SCHEMA(struct f_iface, iface_fields);

static const struct json_field route_fields[] = {
	JSON_FIELD(struct f_route, destination, "destination", JSON_FK_STRING,
		   .flags = JSON_F_REQUIRED),
	JSON_FIELD(struct f_route, gateway, "gateway", JSON_FK_STRING),
	JSON_FIELD(struct f_route, scope, "scope", JSON_FK_UINT8),
	JSON_FIELD(struct f_route, table, "table", JSON_FK_INT64, .flags = JSON_F_RANGE, .min = 0,
		   .max = INT64_MAX),
};
static const struct json_schema route_schema = JSON_SCHEMA(struct f_route, route_fields);

static const struct json_field config_fields[] = {
	JSON_FIELD(struct f_config, interface, "interface", JSON_FK_OBJECT, .sub = &iface_schema),
	JSON_FIELD(struct f_config, routes, "routes", JSON_FK_ARRAY_OBJECT, .sub = &route_schema,
		   JSON_COUNT(struct f_config, n_routes)),
	JSON_FIELD(struct f_config, features, "features", JSON_FK_MAP_BOOL,
		   JSON_COUNT(struct f_config, n_features)),
	JSON_FIELD(struct f_config, labels, "labels", JSON_FK_MAP_STRING,
		   JSON_COUNT(struct f_config, n_labels)),
	JSON_FIELD(struct f_config, ints, "ints", JSON_FK_ARRAY_INT64,
		   JSON_COUNT(struct f_config, n_ints)),
	JSON_FIELD(struct f_config, u32, "u32", JSON_FK_UINT32),
	JSON_FIELD(struct f_config, raw, "raw", JSON_FK_RAW),
};
static const struct json_schema config_schema = JSON_SCHEMA(struct f_config, config_fields);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json *v = NULL;
	struct json_err err;
	struct f_config c;
	struct arena *a;
	size_t cap;
	int ret;

	if (size < 1)
		return 0;
	/* 0: a roomy arena; else a small cap, to exercise -ENOMEM paths. */
	cap = data[0] ? (size_t)data[0] * 64 : 1u << 20;
	if (json_parse((const char *)data + 1, size - 1, &v, &err) != 0)
		return 0;
	a = arena_new(cap);
	if (!a)
		abort();
	ret = json_decode(v, &config_schema, &c, a, &err);
	if (ret != 0 && ret != -EBADMSG && ret != -ENOMEM)
		abort();
	if (ret == -EBADMSG && !err.msg[0])
		abort();
	if (ret == 0) {
		/* Everything decoded is readable. */
		size_t n = 0;

		for (size_t i = 0; i < c.n_routes; i++)
			n += strlen(c.routes[i].destination);
		for (size_t i = 0; i < c.interface.n_addresses; i++)
			n += strlen(c.interface.addresses[i]);
		for (size_t i = 0; i < c.n_labels; i++)
			n += strlen(c.labels[i].key) + strlen(c.labels[i].value);
		if (c.raw)
			n += (size_t)json_type_of(c.raw);
		(void)n;
	}
	arena_free(a);
	json_free(v);
	return 0;
}
