// SPDX-License-Identifier: Apache-2.0
/* Unit tests of lib/inventory/expr*.c: the --filter and --select CEL subset. */
#include "inventory/inventory.h"

#include <errno.h>
#include <stdlib.h>

#include "t.h"

#define F INV_EXPR_FILTER
#define S INV_EXPR_SELECT

/* A device with up to 8 attributes given as "key=s:val", "key=i:42", "key=b:1", "key=v:1.2.3". */
static struct inv_device mkdev(const char *const *spec)
{
	/* Keys must outlive the device: a ring far larger than any test needs. */
	static char keys[512][64];
	static size_t n_keys;
	struct inv_device d = { .name = "dev" };

	for (size_t i = 0; spec && spec[i]; i++) {
		const char *eq = strchr(spec[i], '=');
		char *key = keys[n_keys++ % ARRAY_SIZE(keys)];
		const char *v = eq + 3;
		int ret;

		snprintf(key, sizeof(keys[0]), "%.*s", (int)(eq - spec[i]), spec[i]);
		switch (eq[1]) {
		case 's':
			ret = inv_attr_set_str(&d, key, v);
			break;
		case 'i':
			ret = inv_attr_set_int(&d, key, strtoll(v, NULL, 10));
			break;
		case 'b':
			ret = inv_attr_set_bool(&d, key, v[0] == '1');
			break;
		default:
			ret = inv_attr_set_str(&d, key, v);
			d.attr[d.n_attr - 1].type = INV_VERSION;
			break;
		}
		if (ret)
			abort();
	}
	return d;
}

/* Compile @src in @mode and evaluate against @d: 1, 0, or -errno (compile: -1000 + ret). */
static int run(const char *src, enum inv_expr_mode mode, const struct inv_device *d,
	       const char **why)
{
	struct arena *a = arena_new(1 << 20);
	struct inv_expr_err err;
	struct inv_expr *e;
	static char why_copy[200];
	const char *w = NULL;
	int ret = inv_expr_compile(src, mode, a, &e, &err);

	if (ret) {
		arena_free(a);
		return -1000 + ret;
	}
	ret = inv_expr_eval(e, d, &w, a);
	if (w)
		snprintf(why_copy, sizeof(why_copy), "%s", w);
	if (why)
		*why = w ? why_copy : NULL;
	arena_free(a);
	return ret;
}

static struct inv_device empty_dev(void)
{
	return mkdev(NULL);
}

/* Evaluate an attribute-free expression in filter mode. */
static int calc(const char *src, const char **why)
{
	struct inv_device d = empty_dev();

	return run(src, F, &d, why);
}

/* Devices kept by @src (NULL = no filter) under our fail-closed rule. */
static int kept(const char *src, const struct inv_device *devs, size_t n, int *errors)
{
	int k = 0;

	*errors = 0;
	for (size_t i = 0; i < n; i++) {
		int r = src ? run(src, F, &devs[i], NULL) : 1;

		k += r == 1;
		*errors += r == -EINVAL;
	}
	return k;
}

/* ------------------------------------------------- upstream's filter matrix */

static void test_upstream_matrix(void)
{
	static const char *const kn[] = { "kind=s:network", NULL }, *const kr[] = { "kind=s:rdma",
										    NULL };
	static const char *const ne[] = { "kind=s:network", "name=s:eth0", NULL };
	static const char *const re[] = { "kind=s:rdma", "name=s:eth1", NULL };
	static const char *const veth[] = { "type=s:veth", NULL }, *const virt[] = { "virtual=b:1",
										     NULL };
	static const char *const d0[] = { "divisor=i:0", NULL }, *const d1[] = { "divisor=i:1",
										 NULL };
	static const char *const d2[] = { "divisor=i:2", NULL };
	static const char *const teth[] = { "dra.net/type=s:eth0", NULL };
	static const char *const tveth[] = { "dra.net/type=s:veth", NULL };
	struct inv_device one[1] = { mkdev(kn) };
	struct inv_device kinds[2] = { mkdev(kn), mkdev(kr) };
	struct inv_device names[2] = { mkdev(ne), mkdev(re) };
	struct inv_device veths[2] = { mkdev(veth), mkdev(veth) };
	struct inv_device virts[2] = { mkdev(virt), mkdev(virt) };
	struct inv_device rdmas[2] = { mkdev(kr), mkdev(kr) };
	struct inv_device divs[3] = { mkdev(d0), mkdev(d2), mkdev(d1) };
	struct inv_device types[3] = { mkdev(NULL), mkdev(teth), mkdev(tveth) };
	int errs;

	CHECK_EQ(kept(NULL, one, 1, &errs), 1); /* nil program: the caller keeps all */
	CHECK_EQ(kept("attributes[\"kind\"].StringValue == \"network\"", kinds, 2, &errs), 1);
	CHECK_EQ(kept("attributes[\"kind\"].StringValue == \"network\" && "
		      "attributes[\"name\"].StringValue == \"eth0\"",
		      names, 2, &errs),
		 1);
	CHECK_EQ(kept("attributes[\"type\"].StringValue  != \"veth\"", veths, 2, &errs), 0);
	CHECK_EQ(kept("attributes[\"virtual\"].BoolValue", virts, 2, &errs), 2);
	CHECK_EQ(kept("attributes[\"kind\"].StringValue == \"network\"", NULL, 0, &errs), 0);
	CHECK_EQ(kept("attributes[\"kind\"].StringValue == \"network\"", rdmas, 2, &errs), 0);
	CHECK_EQ(kept("true", kinds, 2, &errs), 2);
	/*
	 * Upstream keeps 2 here (the division by zero and divisor 1): an
	 * evaluation error keeps the device. We fail closed (weakness 17).
	 */
	CHECK_EQ(kept("(1 / attributes[\"divisor\"].IntValue) == 1", divs, 3, &errs), 1);
	CHECK_EQ(errs, 1);
	/* Upstream keeps 2 (missing key and eth0); we fail closed (weakness 17). */
	CHECK_EQ(kept("attributes[\"dra.net/type\"].StringValue != \"veth\"", types, 3, &errs), 1);
	CHECK_EQ(errs, 1);
}

static void test_default_filter(void)
{
	static const char *const veth[] = { "dra.net/type=s:veth", "dra.net/ifName=s:v0", NULL };
	static const char *const dev[] = { "dra.net/type=s:device", "dra.net/ifName=s:eth1", NULL };
	static const char *const pci[] = { "dra.net/pciAddress=s:0000:00:04.0", NULL };
	struct inv_device dv = mkdev(veth), dd = mkdev(dev), dp = mkdev(pci);

	CHECK_EQ(run(INV_FILTER_DEFAULT, F, &dp, NULL), 1);
	CHECK_EQ(run(INV_FILTER_DEFAULT, F, &dv, NULL), 0);
	CHECK_EQ(run(INV_FILTER_DEFAULT, F, &dd, NULL), 1);
}

static void test_docs_example(void)
{
	static const char *const phys[] = { "dra.net/virtual=b:0", NULL };
	static const char *const virt[] = { "dra.net/virtual=b:1", NULL };
	struct inv_device p = mkdev(phys), v = mkdev(virt), none = empty_dev();
	const char *src = "attributes[\"dra.net/virtual\"].BoolValue == false";
	const char *why;

	CHECK_EQ(run(src, F, &p, NULL), 1);
	CHECK_EQ(run(src, F, &v, NULL), 0);
	CHECK_EQ(run(src, F, &none, &why), -EINVAL);
	CHECK_STR(why, "no such key: dra.net/virtual");
}

/* A field of another type than the attribute's is Go's nil pointer: the zero value. */
static void test_device_attribute_fields(void)
{
	static const char *const spec[] = { "dra.net/mtu=i:1500", "dra.net/ifName=s:eth0",
					    "dra.net/rdma=b:1", "x.io/ver=v:1.2.3", NULL };
	struct inv_device d = mkdev(spec);

	CHECK_EQ(run("attributes[\"dra.net/mtu\"].IntValue == 1500", F, &d, NULL), 1);
	CHECK_EQ(run("attributes[\"dra.net/mtu\"].StringValue == \"\"", F, &d, NULL), 1);
	CHECK_EQ(run("attributes[\"dra.net/ifName\"].IntValue == 0", F, &d, NULL), 1);
	CHECK_EQ(run("attributes[\"dra.net/ifName\"].BoolValue", F, &d, NULL), 0);
	CHECK_EQ(run("attributes[\"dra.net/rdma\"].BoolValue", F, &d, NULL), 1);
	CHECK_EQ(run("attributes[\"x.io/ver\"].VersionValue == \"1.2.3\"", F, &d, NULL), 1);
	CHECK_EQ(run("attributes[\"x.io/ver\"].StringValue == \"\"", F, &d, NULL), 1);
	CHECK_EQ(run("has(attributes[\"dra.net/mtu\"].IntValue)", F, &d, NULL), 1);
	CHECK_EQ(run("has(attributes[\"dra.net/mtu\"].StringValue)", F, &d, NULL), 0);
	CHECK_EQ(run("has(attributes.foo)", F, &d, NULL), 0);
	CHECK_EQ(run("size(attributes) == 4", F, &d, NULL), 1);
	CHECK_EQ(run("attributes[\"dra.net/mtu\"].IntValue / 100 == 15", F, &d, NULL), 1);
}

/* ---------------------------------------------------------- the language */

static void test_precedence(void)
{
	CHECK_EQ(calc("true || false && false", NULL), 1);
	CHECK_EQ(calc("(true || false) && false", NULL), 0);
	CHECK_EQ(calc("!true == false", NULL), 1); /* (!true) == false */
	CHECK_EQ(calc("!(true == false)", NULL), 1);
	CHECK_EQ(calc("!!true", NULL), 1);
	CHECK_EQ(calc("1 + 2 * 3 == 7", NULL), 1);
	CHECK_EQ(calc("(1 + 2) * 3 == 9", NULL), 1);
	CHECK_EQ(calc("10 - 4 - 3 == 3", NULL), 1);
	CHECK_EQ(calc("100 / 10 / 5 == 2", NULL), 1);
	CHECK_EQ(calc("7 % 4 * 2 == 6", NULL), 1);
	CHECK_EQ(calc("-2 * 3 == -6", NULL), 1);
	CHECK_EQ(calc("--5 == 5", NULL), 1);
	CHECK_EQ(calc("1 < 2 == true", NULL), 1);
	CHECK_EQ(calc("1 + 1 in [2]", NULL), 1);
	CHECK_EQ(calc("true ? false : true ? true : true", NULL), 0); /* right associative */
	CHECK_EQ(calc("false ? 1 : 2 == 2", NULL), 1); /* ?: is lowest */
	CHECK_EQ(calc("false || true ? true : false", NULL), 1);
	CHECK_EQ(calc("true // a comment\n && false", NULL), 0);
}

static void test_numbers(void)
{
	const char *why;

	CHECK_EQ(calc("0x10 == 16 && 0xfF == 255 && 0xFFu == 255u", NULL), 1);
	CHECK_EQ(calc("0X10 == 16", NULL), -1000 - EINVAL); /* CEL's INT_LIT: lowercase 0x */
	CHECK_EQ(calc("-9223372036854775808 < 0", NULL), 1);
	CHECK_EQ(calc("9223372036854775807 > 0", NULL), 1);
	CHECK_EQ(calc("18446744073709551615u > 0u", NULL), 1);
	CHECK_EQ(calc("9223372036854775808", NULL), -1000 - EINVAL);
	CHECK_EQ(calc("-9223372036854775809", NULL), -1000 - EINVAL);
	CHECK_EQ(calc("18446744073709551616u", NULL), -1000 - EINVAL);
	CHECK_EQ(calc("-(9223372036854775808)", NULL), -1000 - EINVAL);
	CHECK_EQ(calc("1.5 < 2.0 && 2.0 == 2 && 1e3 == 1000.0 && .5 < 1.0 && 2.5e-1 == 0.25", NULL),
		 1);
	CHECK_EQ(calc("1 == 1u && 1u < 2 && 1 < 1.5", NULL), 1);
	CHECK_EQ(calc("5 / 2 == 2 && -5 / 2 == -2 && -5 % 3 == -2 && 5u % 3u == 2u", NULL), 1);
	CHECK_EQ(calc("1.0 / 0.0 > 1e308", NULL), 1);
	CHECK_EQ(calc("9223372036854775807 + 1 > 0", &why), -EINVAL);
	CHECK_STR(why, "integer overflow");
	CHECK_EQ(calc("-9223372036854775807 - 2 < 0", &why), -EINVAL);
	CHECK_EQ(calc("4611686018427387904 * 2 > 0", &why), -EINVAL);
	CHECK_EQ(calc("(-9223372036854775807 - 1) / -1 > 0", &why), -EINVAL);
	CHECK_STR(why, "integer overflow");
	CHECK_EQ(calc("-(-9223372036854775807 - 1) > 0", &why), -EINVAL);
	CHECK_EQ(calc("0u - 1u > 0u", &why), -EINVAL);
	CHECK_STR(why, "unsigned integer overflow");
	CHECK_EQ(calc("1 / 0 == 0", &why), -EINVAL);
	CHECK_STR(why, "division by zero");
	CHECK_EQ(calc("1 % 0 == 0", &why), -EINVAL);
	CHECK_STR(why, "modulus by zero");
	CHECK_EQ(calc("4611686018427387903 * 2 == 9223372036854775806", NULL), 1);
}

static void test_strings(void)
{
	CHECK_EQ(calc("\"\\x41\\101\\u0041\\U00000041\\X41\" == \"AAAAA\"", NULL), 1);
	CHECK_EQ(calc("'\\'' == \"'\" && \"\\\"\" == '\"'", NULL), 1);
	CHECK_EQ(calc("\"\"\"a\"b\"\"\" == 'a\"b'", NULL), 1);
	CHECK_EQ(calc("'''x''x''' == \"x''x\"", NULL), 1);
	CHECK_EQ(calc("r\"\\n\".size() == 2 && \"\\n\".size() == 1 && R'\\\\' == \"\\\\\\\\\"",
		      NULL),
		 1);
	CHECK_EQ(calc("\"\\303\\277\" == \"\\u00c3\\u00bf\" && \"\\xFF\" == \"\xc3\xbf\"", NULL),
		 1);
	CHECK_EQ(calc("\"h\xc3\xa9llo\".size() == 5", NULL), 1); /* code points */
	CHECK_EQ(calc("\"\\a\\b\\f\\n\\r\\t\\v\\?\\`\".size() == 9", NULL), 1);
	CHECK_EQ(calc("\"\"\"two\nlines\"\"\".contains(\"o\\nl\")", NULL), 1);
	CHECK_EQ(calc("\"eth0\".startsWith(\"eth\") && \"eth0\".endsWith(\"0\")", NULL), 1);
	CHECK_EQ(calc("\"eth0\".contains(\"th\") && !\"eth0\".contains(\"x\")", NULL), 1);
	CHECK_EQ(
		calc("\"\".startsWith(\"\") && !\"a\".startsWith(\"ab\") && !\"a\".endsWith(\"ba\")",
		     NULL),
		1);
	CHECK_EQ(calc("size(\"abc\") == 3 && \"ab\" + \"cd\" == \"abcd\"", NULL), 1);
	CHECK_EQ(calc("\"a\" < \"b\" && \"abc\" < \"abd\" && \"ab\" < \"abc\" && \"b\" >= \"abc\"",
		      NULL),
		 1);
	CHECK_EQ(calc("\"a\" == 1", NULL), -1000 - EINVAL);
}

static void test_lists_and_in(void)
{
	static const char *const spec[] = { "dra.net/mtu=i:1500", NULL };
	struct inv_device d = mkdev(spec);
	const char *why;

	CHECK_EQ(calc("\"a\" in [\"a\", \"b\"] && !(\"c\" in [\"a\", \"b\"])", NULL), 1);
	CHECK_EQ(calc("3 in [1, 2]", NULL), 0);
	CHECK_EQ(calc("1u in [1] && 2.0 in [1, 2]", NULL), 1);
	CHECK_EQ(calc("[1, 2, 3][1] == 2 && size([1, 2, 3]) == 3 && size([]) == 0", NULL), 1);
	CHECK_EQ(calc("[1, 2] + [3] == [1, 2, 3] && [] == [] && [1, \"a\"] == [1, \"a\"]", NULL),
		 1);
	CHECK_EQ(calc("[1, 2,] == [1, 2] && [1] != [2] && [1] != [1, 1]", NULL), 1);
	CHECK_EQ(calc("[[1], [2]][1][0] == 2", NULL), 1);
	CHECK_EQ(calc("[1, 2][2] == 0", &why), -EINVAL);
	CHECK_STR(why, "index out of range: 2");
	CHECK_EQ(calc("[1, 2][-1] == 0", &why), -EINVAL);
	CHECK_EQ(run("\"dra.net/mtu\" in attributes", F, &d, NULL), 1);
	CHECK_EQ(run("\"dra.net/x\" in attributes", F, &d, NULL), 0);
	CHECK_EQ(run("attributes.foo.IntValue == 0", F, &d, &why), -EINVAL);
	CHECK_STR(why, "no such key: foo");
	CHECK_EQ(calc("null == null && !(null == 1) && [null] == [null]", NULL), 1);
}

static void test_absorption(void)
{
	static const char *const spec[] = { "b=b:1", NULL };
	struct inv_device d = mkdev(spec);
	const char *why;

	CHECK_EQ(calc("false && 1 / 0 == 1", NULL), 0);
	CHECK_EQ(calc("1 / 0 == 1 && false", NULL), 0);
	CHECK_EQ(calc("true || 1 / 0 == 1", NULL), 1);
	CHECK_EQ(calc("1 / 0 == 1 || true", NULL), 1);
	CHECK_EQ(calc("1 / 0 == 1 && true", &why), -EINVAL);
	CHECK_STR(why, "division by zero");
	CHECK_EQ(calc("true && 1 / 0 == 1", NULL), -EINVAL);
	CHECK_EQ(calc("1 / 0 == 1 || false", NULL), -EINVAL);
	CHECK_EQ(calc("!(1 / 0 == 1)", NULL), -EINVAL);
	CHECK_EQ(run("attributes[\"a\"].BoolValue || attributes[\"b\"].BoolValue", F, &d, NULL), 1);
	CHECK_EQ(run("attributes[\"x\"].BoolValue && attributes[\"y\"].BoolValue", F, &d, &why),
		 -EINVAL);
	CHECK_STR(why, "no such key: x"); /* the first error is reported */
	CHECK_EQ(calc("true ? 1 == 1 : 1 / 0 == 1", NULL), 1); /* the other branch never runs */
	CHECK_EQ(calc("false ? 1 / 0 == 0 : true", NULL), 1);
	CHECK_EQ(calc("1 / 0 == 0 ? true : true", NULL), -EINVAL);
	/* A non-bool operand is an error, absorbed like any other. */
	CHECK_EQ(calc("[1][0] || true", NULL), 1);
}

static void test_non_bool_result(void)
{
	CHECK_EQ(calc("1", NULL), 0);
	CHECK_EQ(calc("\"true\"", NULL), 0);
	CHECK_EQ(calc("null", NULL), 0);
	CHECK_EQ(calc("[true]", NULL), 0);
}

/* ---------------------------------------------------------- select mode */

static void test_select_mode(void)
{
	static const char *const spec[] = { "dra.net/ifName=s:eth1",
					    "dra.net/type=s:device",
					    "dra.net/rdma=b:1",
					    "dra.net/mtu=i:9000",
					    "resource.kubernetes.io/pcieRoot=s:pci0000:00",
					    NULL };
	struct inv_device d = mkdev(spec);
	const char *why;

	CHECK_EQ(run("device.attributes[\"dra.net\"].ifName == \"eth1\"", S, &d, NULL), 1);
	CHECK_EQ(run("device.attributes[\"dra.net\"].type == \"device\"", S, &d, NULL), 1);
	CHECK_EQ(run("device.attributes[\"dra.net\"].rdma == true", S, &d, NULL), 1);
	CHECK_EQ(run("device.driver == \"dra.net\"", S, &d, NULL), 1);
	CHECK_EQ(run("device.attributes[\"resource.kubernetes.io\"].pcieRoot == \"pci0000:00\"", S,
		     &d, NULL),
		 1);
	CHECK_EQ(run("device.attributes[\"gce.dra.net\"].networkName.startsWith(\"tpu-net\")", S,
		     &d, &why),
		 -EINVAL); /* the caller: no match */
	CHECK_STR(why, "no such key: networkName");
	CHECK_EQ(run("has(device.attributes[\"dra.net\"].rdma)", S, &d, NULL), 1);
	CHECK_EQ(run("has(device.attributes[\"dra.net\"].sriov)", S, &d, NULL), 0);
	CHECK_EQ(run("has(device.attributes[\"gce.dra.net\"].networkName)", S, &d, NULL), 0);
	CHECK_EQ(
		run("device.attributes[\"dra.net\"].mtu > 1500 && device.attributes[\"dra.net\"].mtu % 1000 == 0",
		    S, &d, NULL),
		1);
	CHECK_EQ(run("device.attributes[\"dra.net\"].mtu == \"9000\"", S, &d, NULL), 0);
	CHECK_EQ(run("\"dra.net\" in device.attributes && !(\"x.io\" in device.attributes)", S, &d,
		     NULL),
		 1);
	CHECK_EQ(run("\"ifName\" in device.attributes[\"dra.net\"]", S, &d, NULL), 1);
	CHECK_EQ(run("size(device.attributes) == 2 && size(device.attributes[\"dra.net\"]) == 4", S,
		     &d, NULL),
		 1);
	CHECK_EQ(run("size(device.capacity) == 0 && size(device.capacity[\"dra.net\"]) == 0", S, &d,
		     NULL),
		 1);
	CHECK_EQ(run("device.capacity[\"dra.net\"].bw == 1", S, &d, NULL), -EINVAL);
	CHECK_EQ(run("device.attributes[\"dra.net\"].ifName in [\"eth0\", \"eth1\"]", S, &d, NULL),
		 1);
	CHECK_EQ(run("device.attributes.dra.ifName == \"x\"", S, &d, NULL), -EINVAL);
	CHECK_EQ(run("device.allowMultipleAllocations", S, &d, NULL), 0);
	/* Values typed only at run time: type errors are evaluation errors. */
	CHECK_EQ(run("device.attributes[\"dra.net\"].ifName.size() == 4", S, &d, NULL), 1);
	CHECK_EQ(run("device.attributes[\"dra.net\"].mtu + \"a\" == \"\"", S, &d, &why), -EINVAL);
	CHECK_STR(why, "no such overload: _+_(int, string)");
	CHECK_EQ(run("device.attributes[\"dra.net\"].mtu.startsWith(\"9\")", S, &d, &why), -EINVAL);
	CHECK_STR(why, "no such overload: startsWith(int, string)");
	CHECK_EQ(run("!device.attributes[\"dra.net\"].mtu", S, &d, &why), -EINVAL);
	CHECK_STR(why, "no such overload: !_(int)");
	CHECK_EQ(run("device.attributes[\"dra.net\"].ifName < 1", S, &d, &why), -EINVAL);
	CHECK_STR(why, "no such overload: _<_(string, int)");
	CHECK_EQ(run("device.attributes[\"dra.net\"].rdma || 1 / 0 == 1", S, &d, NULL), 1);
	CHECK_EQ(run("device.attributes[\"dra.net\"][\"ifName\"] == \"eth1\"", S, &d, NULL), 1);
	CHECK_EQ(run("device.foo", S, &d, NULL), -1000 - EINVAL);
	CHECK_EQ(run("attributes", S, &d, NULL), -1000 - EINVAL);
	CHECK_EQ(run("device", F, &d, NULL), -1000 - EINVAL);
}

/* ---------------------------------------------------------- compile errors */

struct err_case {
	const char *src;
	enum inv_expr_mode mode;
	size_t col;
	const char *msg;
};

static const struct err_case err_cases[] = {
	{ "attributes[\"a\"].StringValue ==", F, 30, "unexpected end of expression" },
	{ "", F, 0, "unexpected end of expression" },
	{ "1 +", F, 3, "unexpected end of expression" },
	{ "(1 == 1", F, 7, "unexpected end of expression, expected ')'" },
	{ "[1, 2", F, 5, "unexpected end of expression, expected ','" },
	{ "attributes[\"a\" true", F, 15, "expected ']', found 'true'" },
	{ "foo == 1", F, 0, "undeclared reference to 'foo'" },
	{ "attributes[\"a\"].Foo", F, 16, "undefined field 'Foo' of DeviceAttribute" },
	{ "attributes[\"a\"].StringValue.x", F, 28, "type 'string' has no fields" },
	{ "1 = 1", F, 2, "unexpected '=' (did you mean '=='?)" },
	{ "true & false", F, 5, "unexpected '&' (did you mean '&&'?)" },
	{ "true && 1", F, 5, "no matching overload for '&&' applied to (bool, int)" },
	{ "\"a\" + 1 == \"a1\"", F, 4, "no matching overload for '+' applied to (string, int)" },
	{ "1u + 1 == 2u", F, 3, "no matching overload for '+' applied to (uint, int)" },
	{ "1.5 % 1.0 == 0.5", F, 4, "no matching overload for '%' applied to (double, double)" },
	{ "attributes[\"a\"].StringValue.matches(\"^eth\")", F, 28,
	  "function 'matches' is not supported" },
	{ "[1].all(x, x > 0)", F, 4, "function 'all' is not supported" },
	{ "foo(1)", F, 0, "undeclared function 'foo'" },
	{ "startsWith(\"a\", \"b\")", F, 0, "'startsWith' must be called on a string receiver" },
	{ "{\"a\": 1}", F, 0, "map literals are not supported" },
	{ "b\"x\" == b\"x\"", F, 0, "bytes literals are not supported" },
	{ "rB'x' == 1", F, 0, "bytes literals are not supported" },
	{ "bb\"x\"", F, 0, "undeclared reference to 'bb'" },
	{ "rr'x'", F, 0, "undeclared reference to 'rr'" },
	{ "r", F, 0, "undeclared reference to 'r'" },
	{ "size(1, 2) == 1", F, 0, "wrong number of arguments to 'size'" },
	{ "\"abc\".startsWith()", F, 6, "wrong number of arguments to 'startsWith'" },
	{ "size(1) == 1", F, 0, "no matching overload for 'size' applied to (int)" },
	{ "\"a\".contains(1)", F, 4,
	  "no matching overload for 'contains' applied to (string, int)" },
	{ "has(attributes)", F, 0, "invalid argument to has() macro" },
	{ "has(attributes[\"a\"])", F, 0, "invalid argument to has() macro" },
	{ "if == 1", F, 0, "reserved identifier 'if'" },
	{ "1 2", F, 2, "unexpected '2'" },
	{ ")", F, 0, "unexpected ')'" },
	{ "1 ? 2 : 3", F, 2, "no matching overload for '?:' applied to (int)" },
	{ "true ? 1 2", F, 9, "expected ':', found '2'" },
	{ "attributes[1]", F, 10,
	  "no matching overload for '[]' applied to "
	  "(map(string, DeviceAttribute), int)" },
	{ "!1", F, 0, "no matching overload for '!' applied to (int)" },
	{ "-\"a\"", F, 0, "no matching overload for '-' applied to (string)" },
	{ "\"a\" < 1", F, 4, "no matching overload for '<' applied to (string, int)" },
	{ "1 in 2", F, 2, "no matching overload for 'in' applied to (int, int)" },
	{ "1 @ 2", F, 2, "unexpected character '@'" },
	{ "\"abc", F, 0, "unterminated string literal" },
	{ "'''abc''", F, 0, "unterminated string literal" },
	{ "\"a\nb\"", F, 2, "newline in string literal" },
	{ "\"\\q\"", F, 1, "invalid escape sequence" },
	{ "\"\\x4\"", F, 1, "invalid escape sequence" },
	{ "\"\\400\"", F, 1, "invalid escape sequence" },
	{ "\"\\ud800\"", F, 1, "invalid unicode code point in escape sequence" },
	{ "\"\\000\"", F, 1, "NUL characters are not supported in strings" },
	{ "0x == 1", F, 0, "malformed hexadecimal literal" },
	{ "12ab", F, 2, "malformed number" },
	{ "1e+ == 1", F, 1, "malformed exponent" },
	{ "\"\xff\" == 1", F, 1, "invalid UTF-8" },
	{ "device.x == 1", S, 7, "undefined field 'x' of device" },
	{ "\"driver\" in device", S, 9,
	  "no matching overload for 'in' applied to (string, device)" },
	{ "size(device) == 0", S, 0, "no matching overload for 'size' applied to (device)" },
	{ "device.attributes[\"dra.net\"] ? 1 : 2", S, 29,
	  "no matching overload for '?:' applied to (map(string, dyn))" },
	{ "attributes.", F, 11, "unexpected end of expression" },
	{ "Foo{a: 1}", F, 0, "undeclared reference to 'Foo'" },
	{ "[1]{}", F, 3, "message construction is not supported" },
};

static void test_compile_errors(void)
{
	struct arena *a = arena_new(1 << 20);

	for (size_t i = 0; i < ARRAY_SIZE(err_cases); i++) {
		const struct err_case *c = &err_cases[i];
		struct inv_expr_err err;
		struct inv_expr *e = (void *)1;
		int ret = inv_expr_compile(c->src, c->mode, a, &e, &err);

		CHECK_EQ(ret, -EINVAL);
		CHECK(e == NULL);
		if (ret != -EINVAL || err.column != c->col || strcmp(err.msg, c->msg) != 0)
			T_FAIL("\"%s\": col %zu \"%s\", want col %zu \"%s\"", c->src, err.column,
			       err.msg, c->col, c->msg);
	}
	arena_free(a);
}

static void check_format(const char *src, enum inv_expr_mode mode, const char *want)
{
	struct arena *a = arena_new(1 << 20);
	struct inv_expr_err err;
	struct inv_expr *e;
	struct buf b;

	buf_init(&b, 4096);
	CHECK_EQ(inv_expr_compile(src, mode, a, &e, &err), -EINVAL);
	CHECK_EQ(inv_expr_format_err(src, &err, &b), 0);
	CHECK_STR(b.p, want);
	buf_fini(&b);
	arena_free(a);
}

static void test_format_err(void)
{
	check_format("attributes[\"a\"].StringValue ==", F,
		     "attributes[\"a\"].StringValue ==\n"
		     "                              ^ unexpected end of expression");
	check_format("foo", F, "foo\n^ undeclared reference to 'foo'");
	check_format("true &&\n\tfoo", F, "\tfoo\n\t^ undeclared reference to 'foo'");
	check_format(
		"\"\xc3\xa9\" + 1 == 1", F,
		"\"\xc3\xa9\" + 1 == 1\n    ^ no matching overload for '+' applied to (string, int)");
	check_format("device.attributes[\"dra.net\"].ifName ==", S,
		     "device.attributes[\"dra.net\"].ifName ==\n"
		     "                                      ^ unexpected end of expression");
}

/* --------------------------------------------------------------- limits */

static char *nest(const char *open, const char *mid, const char *close, int n)
{
	size_t lo = strlen(open), lm = strlen(mid), lc = strlen(close);
	char *s = malloc((lo + lc) * (size_t)n + lm + 1), *p = s;

	for (int i = 0; i < n; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, mid, lm);
	p += lm;
	for (int i = 0; i < n; i++, p += lc)
		memcpy(p, close, lc);
	*p = '\0';
	return s;
}

static void check_depth(const char *open, const char *mid, const char *close, int ok)
{
	char *s = nest(open, mid, close, ok), *t = nest(open, mid, close, ok + 1);
	struct arena *a = arena_new(1 << 20);
	struct inv_expr_err err;
	struct inv_expr *e;

	if (inv_expr_compile(s, F, a, &e, &err) != 0)
		T_FAIL("%s: col %zu: %s", s, err.column, err.msg);
	CHECK_EQ(inv_expr_compile(t, F, a, &e, &err), -EINVAL);
	CHECK_STR(err.msg, "expression nested deeper than 32 levels");
	free(s);
	free(t);
	arena_free(a);
}

static char *chain(const char *first, const char *rep, int n)
{
	size_t lf = strlen(first), lr = strlen(rep);
	char *s = malloc(lf + lr * (size_t)n + 1), *p = s;

	memcpy(p, first, lf);
	p += lf;
	for (int i = 0; i < n; i++, p += lr)
		memcpy(p, rep, lr);
	*p = '\0';
	return s;
}

static void test_depth_limit(void)
{
	char *s;

	check_depth("(", "true", ")", 32);
	check_depth("[", "1", "]", 32);
	check_depth("[1][", "0", "]", 32);
	check_depth("-(", "1", ")", 32);
	check_depth("1 in [", "1", "]", 32);
	check_depth("true ? true : ", "true", "", 32);

	/* Chains do not nest, but the AST height (the evaluator's recursion) is capped. */
	s = chain("true", " || false", 200);
	CHECK_EQ(calc(s, NULL), 1);
	free(s);
	s = chain("true", " || false", 300);
	CHECK_EQ(calc(s, NULL), -1000 - EINVAL);
	free(s);
	s = chain("1", " + 1", 300);
	CHECK_EQ(calc(s, NULL), -1000 - EINVAL);
	free(s);
	s = chain("!", "!", 300);
	CHECK_EQ(calc(s, NULL), -1000 - EINVAL);
	free(s);
	s = chain("true", " && true", 255);
	CHECK_EQ(calc(s, NULL), 1);
	free(s);
	s = chain("true", " && true", 256);
	CHECK_EQ(calc(s, NULL), -1000 - EINVAL);
	free(s);
	s = chain("\"a\"", "", 0);
	free(s);
	s = malloc(8194);
	memset(s, ' ', 8193);
	s[0] = '1';
	s[8193] = '\0';
	CHECK_EQ(calc(s, NULL), -1000 - EINVAL);
	s[8192] = '\0';
	CHECK_EQ(calc(s, NULL), 0); /* exactly at the limit: 1 is not true */
	free(s);
}

static const char *const valid[] = {
	INV_FILTER_DEFAULT,
	"attributes[\"dra.net/virtual\"].BoolValue == false",
	"(1 / attributes[\"divisor\"].IntValue) == 1",
	"\"\\x41\\u00e9\" + r'raw' + '''tri''' == \"x\" ? [1, 2u, 3.5e1][0] in [1] : -0x10 < 5",
	("has(attributes.foo.StringValue) || size(attributes) > 2 && "
	 "attributes[\"a\"].StringValue.startsWith(\"e\") // comment"),
};

static const char *const valid_select[] = {
	"device.driver == \"dra.net\" && has(device.attributes[\"dra.net\"].rdma)",
	"device.attributes[\"gce.dra.net\"].networkName.startsWith(\"tpu-net\")",
};

/* Every prefix compiles or fails cleanly with a column inside it. */
static void check_prefixes(const char *src, enum inv_expr_mode mode)
{
	size_t n = strlen(src);
	char *buf = malloc(n + 1);
	struct arena *a = arena_new(1 << 20);

	for (size_t i = 0; i <= n; i++) {
		struct inv_expr_err err;
		struct inv_expr *e;
		int ret;

		memcpy(buf, src, i);
		buf[i] = '\0';
		ret = inv_expr_compile(buf, mode, a, &e, &err);
		if (ret == 0) {
			const char *why;
			struct inv_device d = empty_dev();

			CHECK(inv_expr_eval(e, &d, &why, a) >= -EINVAL);
			continue;
		}
		CHECK_EQ(ret, -EINVAL);
		CHECK(err.column <= i);
		CHECK(err.msg[0] != '\0');
		arena_reset(a);
	}
	CHECK_EQ(inv_expr_compile(src, mode, a, &(struct inv_expr *){ NULL },
				  &(struct inv_expr_err){ 0 }),
		 0);
	free(buf);
	arena_free(a);
}

static void test_prefixes(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(valid); i++)
		check_prefixes(valid[i], F);
	for (size_t i = 0; i < ARRAY_SIZE(valid_select); i++)
		check_prefixes(valid_select[i], S);
}

/* Caps from 0 up: compile and eval each fail with -ENOMEM or succeed. */
static void test_arena_cap(void)
{
	static const char *const spec[] = { "dra.net/type=s:veth", NULL };
	struct inv_device d = mkdev(spec);
	const char *src = "[\"a\" + \"b\", attributes[\"dra.net/type\"].StringValue][1] + \"x\" == "
			  "\"vethx\" || attributes[\"missing\"].BoolValue";
	bool compiled = false, evaluated = false;

	for (size_t cap = 0; cap < (64u << 10) && !evaluated; cap += 16) {
		struct arena *a = arena_new(cap);
		struct inv_expr_err err;
		struct inv_expr *e;
		const char *why;
		int ret = inv_expr_compile(src, F, a, &e, &err);

		if (ret) {
			CHECK_EQ(ret, -ENOMEM);
			CHECK_STR(err.msg, "out of memory");
			arena_free(a);
			continue;
		}
		compiled = true;
		ret = inv_expr_eval(e, &d, &why, a);
		CHECK(ret == 1 || ret == -ENOMEM);
		evaluated = ret == 1;
		arena_free(a);
	}
	CHECK(compiled);
	CHECK(evaluated);
}

/* Without an arena: static reasons, and values that need memory fail. */
static void test_no_arena(void)
{
	struct arena *a = arena_new(1 << 20);
	struct inv_device d = empty_dev();
	struct inv_expr_err err;
	struct inv_expr *e;
	const char *why;

	REQUIRE(inv_expr_compile("attributes[\"k\"].BoolValue", F, a, &e, &err) == 0);
	CHECK_EQ(inv_expr_eval(e, &d, &why, NULL), -EINVAL);
	CHECK_STR(why, "no such key");
	REQUIRE(inv_expr_compile("\"a\" + \"b\" == \"ab\"", F, a, &e, &err) == 0);
	CHECK_EQ(inv_expr_eval(e, &d, &why, NULL), -ENOMEM);
	REQUIRE(inv_expr_compile("1 in [1]", F, a, &e, &err) == 0);
	CHECK_EQ(inv_expr_eval(e, &d, &why, NULL), -ENOMEM);
	REQUIRE(inv_expr_compile("false && 1 in [1]", F, a, &e, &err) == 0);
	CHECK_EQ(inv_expr_eval(e, &d, &why, NULL), 0);
	arena_free(a);
}

/* Our verdict on an expression without variables: true, false or error. */
static const char *verdict(const char *src)
{
	int r = calc(src, NULL);

	return r == 1 ? "true" : r == 0 ? "false" : "error";
}

/*
 * tests/data/expr/oracle.txt: the verdicts of an independent CEL
 * implementation (oracle.mjs) and ours where cases.txt declares a deviation.
 */
static void test_oracle(void)
{
	FILE *f = fopen("tests/data/expr/oracle.txt", "r");
	char line[1024];
	int n = 0;

	REQUIRE(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		char *theirs = line, *ours = strchr(line, '\t'), *src;

		REQUIRE(ours != NULL);
		*ours++ = '\0';
		src = strchr(ours, '\t');
		REQUIRE(src != NULL);
		*src++ = '\0';
		src[strcspn(src, "\n")] = '\0';
		if (strcmp(verdict(src), ours) != 0)
			T_FAIL("%s: ours %s, want %s (oracle: %s)", src, verdict(src), ours,
			       theirs);
		n++;
	}
	fclose(f);
	CHECK(n >= 150);
}

static const struct t_case tests[] = {
	T(test_upstream_matrix), T(test_default_filter),
	T(test_docs_example),	 T(test_device_attribute_fields),
	T(test_precedence),	 T(test_numbers),
	T(test_strings),	 T(test_lists_and_in),
	T(test_absorption),	 T(test_non_bool_result),
	T(test_select_mode),	 T(test_compile_errors),
	T(test_format_err),	 T(test_depth_limit),
	T(test_prefixes),	 T(test_arena_cap),
	T(test_no_arena),	 T(test_oracle),
};

int main(void)
{
	return T_RUN(tests);
}
