// SPDX-License-Identifier: Apache-2.0
/*
 * ResourceSlice documents: splitting at 128 devices, pool counts, device
 * order, excluded devices left out, attribute value JSON. With
 * TEST_SLICE_DUMP=FILE set, also writes a 300-device document list there
 * for tests/schema/slices.sh (schema validation by a real peer).
 */
#include "inventory/inventory.h"
#include "json/json.h"
#include "t.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* Devices "dev-0000".."dev-<n-1>", stored in reverse order to prove sorting. */
static struct inv_scan make_scan(struct arena *a, size_t n, size_t exclude_every)
{
	struct inv_scan s = { 0 };

	s.dev = arena_calloc(a, n ? n : 1, sizeof(*s.dev));
	s.n = n;
	for (size_t i = 0; i < n; i++) {
		struct inv_device *d = &s.dev[n - 1 - i];
		char *name = arena_printf(a, "dev-%04zu", i);
		int ret = 0;

		d->name = name;
		d->ifname = name;
		ret |= inv_attr_set_str(d, "dra.net/ifName", name);
		ret |= inv_attr_set_int(d, "dra.net/mtu", 1500 + (int64_t)i);
		ret |= inv_attr_set_bool(d, "dra.net/rdma", i % 2);
		ret |= inv_attr_set_str(d, "dra.net/type", "veth");
		ret |= inv_attr_set_str(d, "dra.net/alias", "");
		/* Exactly at the API's 64-character limit. */
		ret |= inv_attr_set_str(
			d, "dra.net/ipv4",
			"10.0.0.10/24,10.0.0.11/24,10.0.0.12/24,10.0.0.13/24,10.0.10.1/24");
		ret |= inv_attr_set_str(d, "resource.kubernetes.io/pcieRoot", "pci0000:00");
		if (ret)
			fprintf(stderr, "make_scan: attribute set failed\n");
		if (exclude_every && i % exclude_every == 0)
			d->excluded = "bridge";
	}
	return s;
}

static const struct inv_slice_opts opts = {
	.node = "node1",
	.driver = INV_DRIVER_NAME,
	.generation = 1,
	.api_version = "resource.k8s.io/v1",
};

static const struct json *path(const struct json *v, const char *a, const char *b, const char *c)
{
	v = v ? json_get(v, a) : NULL;
	if (v && b)
		v = json_get(v, b);
	if (v && c)
		v = json_get(v, c);
	return v;
}

static int64_t get_int(const struct json *v)
{
	int64_t i = -999;

	if (!v || json_get_int(v, &i) < 0)
		return -999;
	return i;
}

static const char *get_str(const struct json *v)
{
	const char *s = NULL;

	if (!v || json_get_string(v, &s) < 0)
		return NULL;
	return s;
}

/* Build for @n devices and check slices, counts, order and uniqueness. */
static void check_split(size_t n, size_t exclude_every, size_t want_devices, size_t want_slices)
{
	struct arena *a = arena_new(16u << 20);
	struct inv_scan s;
	struct json *doc = NULL;
	const char *prev = "";
	size_t total = 0;

	REQUIRE(a);
	s = make_scan(a, n, exclude_every);
	CHECK_EQ(inv_slices_build(&s, &opts, &doc), 0);
	if (!doc)
		goto out;
	CHECK_EQ(json_type_of(doc), JSON_ARRAY);
	CHECK_EQ(json_count(doc), want_slices);
	for (size_t i = 0; i < json_count(doc); i++) {
		const struct json *sl = json_at(doc, i);
		const struct json *devs = path(sl, "spec", "devices", NULL);
		size_t want = want_devices - i * INV_SLICE_DEVICES_MAX;

		if (want > INV_SLICE_DEVICES_MAX)
			want = INV_SLICE_DEVICES_MAX;
		CHECK_EQ(get_int(path(sl, "spec", "pool", "resourceSliceCount")), want_slices);
		CHECK_EQ(get_int(path(sl, "spec", "pool", "generation")), 1);
		CHECK_STR(get_str(path(sl, "spec", "pool", "name")), "node1");
		REQUIRE(devs);
		CHECK_EQ(json_type_of(devs), JSON_ARRAY);
		CHECK_EQ(json_count(devs), want);
		for (size_t j = 0; j < json_count(devs); j++) {
			const char *name = get_str(json_get(json_at(devs, j), "name"));

			REQUIRE(name);
			/* Strictly increasing across all slices: each device once, in order. */
			CHECK(strcmp(prev, name) < 0);
			prev = name;
			total++;
		}
	}
	CHECK_EQ(total, want_devices);
out:
	json_free(doc);
	arena_free(a);
}

static void test_split_0(void)
{
	check_split(0, 0, 0, 1);
}

static void test_split_1(void)
{
	check_split(1, 0, 1, 1);
}

static void test_split_128(void)
{
	check_split(128, 0, 128, 1);
}

static void test_split_129(void)
{
	check_split(129, 0, 129, 2);
}

static void test_split_300(void)
{
	check_split(300, 0, 300, 3);
}

static void test_split_counts_published_only(void)
{
	/* 260 devices, every 10th excluded: 234 published -> 2 slices. */
	check_split(260, 10, 234, 2);
	/* 256 with every 2nd excluded: 128 published -> exactly one slice. */
	check_split(256, 2, 128, 1);
}

static void test_all_excluded_is_one_empty_slice(void)
{
	check_split(5, 1, 0, 1);
}

static void test_excluded_skipped(void)
{
	struct arena *a = arena_new(1u << 20);
	struct inv_scan s;
	struct json *doc = NULL;
	struct buf b;

	REQUIRE(a);
	s = make_scan(a, 10, 3); /* dev-0000, 0003, 0006, 0009 excluded */
	CHECK_EQ(inv_slices_build(&s, &opts, &doc), 0);
	REQUIRE(doc);
	buf_init(&b, 1u << 20);
	CHECK_EQ(json_print(doc, JSON_COMPACT, &b), 0);
	CHECK(strstr(b.p, "\"dev-0001\"") != NULL);
	CHECK(strstr(b.p, "\"dev-0000\"") == NULL);
	CHECK(strstr(b.p, "\"dev-0003\"") == NULL);
	CHECK(strstr(b.p, "\"dev-0009\"") == NULL);
	CHECK(strstr(b.p, "bridge") == NULL);
	buf_fini(&b);
	json_free(doc);
	arena_free(a);
}

static void test_document_shape(void)
{
	struct arena *a = arena_new(1u << 20);
	struct inv_scan s;
	struct json *doc = NULL;
	const struct json *sl;

	REQUIRE(a);
	s = make_scan(a, 2, 0);
	CHECK_EQ(inv_slices_build(&s, &opts, &doc), 0);
	REQUIRE(doc);
	sl = json_at(doc, 0);
	CHECK_STR(get_str(json_get(sl, "apiVersion")), "resource.k8s.io/v1");
	CHECK_STR(get_str(json_get(sl, "kind")), "ResourceSlice");
	CHECK_STR(get_str(path(sl, "metadata", "generateName", NULL)), "node1-dra.net-");
	/* What the driver would create: the API server picks the name. */
	CHECK(path(sl, "metadata", "name", NULL) == NULL);
	CHECK_EQ(json_count(json_get(sl, "metadata")), 1);
	CHECK_STR(get_str(path(sl, "spec", "driver", NULL)), "dra.net");
	CHECK_STR(get_str(path(sl, "spec", "nodeName", NULL)), "node1");
	/* v1: attributes directly on the device, no v1beta1 "basic" wrapper. */
	CHECK(json_get(json_at(path(sl, "spec", "devices", NULL), 0), "basic") == NULL);
	CHECK(json_get(json_at(path(sl, "spec", "devices", NULL), 0), "attributes") != NULL);
	CHECK_EQ(json_count(json_get(sl, "spec")), 4); /* driver nodeName pool devices */
	json_free(doc);
	arena_free(a);
}

static void test_attr_types(void)
{
	struct inv_device d = { .name = "eth1" };
	struct json *o;
	const struct json *v;
	bool b = false;

	CHECK_EQ(inv_attr_set_int(&d, "dra.net/mtu", 9000), 0);
	CHECK_EQ(inv_attr_set_str(&d, "dra.net/ifName", "eth1"), 0);
	CHECK_EQ(inv_attr_set_bool(&d, "dra.net/rdma", true), 0);
	CHECK_EQ(inv_attr_set_int(&d, "dra.net/numaNode", -1), 0);
	d.attr[d.n_attr++] =
		(struct inv_attr){ .key = "dra.net/kver", .type = INV_VERSION, .s = "6.8.0" };
	o = inv_device_attrs_json(&d);
	REQUIRE(o);
	CHECK_EQ(json_count(o), 5);
	v = json_get(o, "dra.net/mtu");
	CHECK_EQ(json_count(v), 1);
	CHECK_EQ(json_type_of(json_get(v, "int")), JSON_NUMBER);
	CHECK_EQ(get_int(json_get(v, "int")), 9000);
	CHECK_EQ(get_int(path(o, "dra.net/numaNode", "int", NULL)), -1);
	v = json_get(o, "dra.net/ifName");
	CHECK_EQ(json_count(v), 1);
	CHECK_STR(get_str(json_get(v, "string")), "eth1");
	v = json_get(o, "dra.net/rdma");
	CHECK_EQ(json_count(v), 1);
	CHECK_EQ(json_type_of(json_get(v, "bool")), JSON_BOOL);
	CHECK(json_get_bool(json_get(v, "bool"), &b) == 0 && b);
	v = json_get(o, "dra.net/kver");
	CHECK_EQ(json_count(v), 1);
	CHECK_STR(get_str(json_get(v, "version")), "6.8.0");
	json_free(o);
}

static void test_attrs_print_sorted(void)
{
	struct inv_device d = { .name = "x" };
	struct json *o;
	struct buf b;

	CHECK_EQ(inv_attr_set_str(&d, "dra.net/type", "veth"), 0);
	CHECK_EQ(inv_attr_set_bool(&d, "dra.net/rdma", false), 0);
	CHECK_EQ(inv_attr_set_int(&d, "dra.net/mtu", 1500), 0);
	o = inv_device_attrs_json(&d);
	REQUIRE(o);
	buf_init(&b, 4096);
	CHECK_EQ(json_print(o, JSON_COMPACT, &b), 0);
	CHECK_STR(b.p, "{\"dra.net/mtu\":{\"int\":1500},\"dra.net/rdma\":{\"bool\":false},"
		       "\"dra.net/type\":{\"string\":\"veth\"}}");
	buf_fini(&b);
	json_free(o);
}

static void test_bad_opts(void)
{
	struct inv_scan s = { 0 };
	struct json *doc = NULL;
	struct inv_slice_opts o = opts;

	o.node = "";
	CHECK_EQ(inv_slices_build(&s, &o, &doc), -EINVAL);
	o = opts;
	o.generation = 0;
	CHECK_EQ(inv_slices_build(&s, &o, &doc), -EINVAL);
	o = opts;
	o.driver = NULL;
	CHECK_EQ(inv_slices_build(&s, &o, &doc), -EINVAL);
	CHECK(doc == NULL);
}

static void test_same_input_same_bytes(void)
{
	struct arena *a = arena_new(8u << 20);
	struct inv_scan s;
	struct json *d1 = NULL, *d2 = NULL;
	struct buf b1, b2;

	REQUIRE(a);
	s = make_scan(a, 200, 7);
	CHECK_EQ(inv_slices_build(&s, &opts, &d1), 0);
	/* Same devices in another order: same documents. */
	for (size_t i = 0; i < s.n / 2; i++) {
		struct inv_device t = s.dev[i];

		s.dev[i] = s.dev[s.n - 1 - i];
		s.dev[s.n - 1 - i] = t;
	}
	CHECK_EQ(inv_slices_build(&s, &opts, &d2), 0);
	REQUIRE(d1 && d2);
	buf_init(&b1, 8u << 20);
	buf_init(&b2, 8u << 20);
	CHECK_EQ(json_print(d1, JSON_COMPACT, &b1), 0);
	CHECK_EQ(json_print(d2, JSON_COMPACT, &b2), 0);
	CHECK(b1.len == b2.len && memcmp(b1.p, b2.p, b1.len) == 0);
	buf_fini(&b1);
	buf_fini(&b2);
	json_free(d1);
	json_free(d2);
	arena_free(a);
}

static void test_filter_null_is_noop(void)
{
	struct arena *a = arena_new(1u << 20);
	struct inv_scan s;

	REQUIRE(a);
	s = make_scan(a, 4, 0);
	CHECK_EQ(inv_scan_filter(&s, NULL, a), 0);
	for (size_t i = 0; i < s.n; i++)
		CHECK(s.dev[i].excluded == NULL);
	arena_free(a);
}

static void test_filter_marks_reasons(void)
{
	struct arena *a = arena_new(1u << 20);
	struct inv_expr *e = NULL;
	struct inv_expr_err err;
	struct inv_scan s;

	REQUIRE(a);
	s = make_scan(a, 6, 0);
	/* dev-0000..0005 stored reversed; mtu = 1500 + i. */
	REQUIRE(inv_expr_compile("attributes[\"dra.net/mtu\"].IntValue > 1502 && "
				 "(100 / (attributes[\"dra.net/mtu\"].IntValue - 1504)) > 0",
				 INV_EXPR_FILTER, a, &e, &err) == 0);
	CHECK_EQ(inv_scan_filter(&s, e, a), 1); /* mtu 1504: division by zero */
	for (size_t i = 0; i < s.n; i++) {
		const struct inv_device *d = &s.dev[i];
		int64_t mtu = inv_attr_get(d, "dra.net/mtu")->i;

		if (mtu <= 1502 || mtu == 1503)
			CHECK_STR(d->excluded, "filter: false");
		else if (mtu == 1504)
			CHECK(d->excluded && str_has_prefix(d->excluded, "filter error: "));
		else
			CHECK(d->excluded == NULL);
	}
	arena_free(a);
}

/* The 300-device document list for the schema check (not a test by itself). */
static int dump(const char *file)
{
	struct arena *a = arena_new(16u << 20);
	struct inv_scan s;
	struct json *doc = NULL;
	struct buf b;
	FILE *f;
	int ret = 1;

	if (!a)
		return 1;
	s = make_scan(a, 300, 0);
	/* Add a PCI-like device with every kind of value and 32 attributes. */
	for (unsigned k = s.dev[0].n_attr; k < INV_ATTRS_MAX; k++) {
		char *key = arena_printf(a, "dra.net/extra%u", k);

		if (!key || inv_attr_set_int(&s.dev[0], key, k) < 0)
			goto out;
	}
	buf_init(&b, 16u << 20);
	if (inv_slices_build(&s, &opts, &doc) == 0 && json_print(doc, JSON_PRETTY, &b) == 0) {
		f = fopen(file, "w");
		if (f) {
			ret = fwrite(b.p, 1, b.len, f) == b.len ? 0 : 1;
			ret |= fclose(f) != 0;
		}
	}
	buf_fini(&b);
	json_free(doc);
out:
	arena_free(a);
	return ret;
}

static const struct t_case tests[] = {
	T(test_split_0),
	T(test_split_1),
	T(test_split_128),
	T(test_split_129),
	T(test_split_300),
	T(test_split_counts_published_only),
	T(test_all_excluded_is_one_empty_slice),
	T(test_excluded_skipped),
	T(test_document_shape),
	T(test_attr_types),
	T(test_attrs_print_sorted),
	T(test_bad_opts),
	T(test_same_input_same_bytes),
	T(test_filter_null_is_noop),
	T(test_filter_marks_reasons),
};

int main(void)
{
	const char *file = getenv("TEST_SLICE_DUMP");

	if (file && *file)
		return dump(file);
	return T_RUN(tests);
}
