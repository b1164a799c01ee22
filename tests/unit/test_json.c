// SPDX-License-Identifier: Apache-2.0
/*
 * lib/json: building and printing vectors (sorted keys, escapes, exact
 * int64, pretty form, YAML quoting), strict parsing errors, truncation at
 * every offset, strict decoding paths and an arena-cap sweep.
 *
 * Also a helper for tests/schema/json-yaml-roundtrip.sh:
 *   test_json --emit-yaml FILE.json   prints FILE's YAML on stdout
 */
#include "json/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "t.h"

/* ------------------------------------------------------------ helpers */

static struct json *parse_str(const char *s)
{
	struct json *v = NULL;
	struct json_err err;

	if (json_parse(s, strlen(s), &v, &err) != 0)
		return NULL;
	return v;
}

/* Print @v (compact, pretty or YAML) into a static buffer; NULL on error. */
static const char *show(const struct json *v, int how)
{
	static char text[8192];
	struct buf b;
	int ret;

	buf_init(&b, 1 << 20);
	ret = how == 2 ? json_print_yaml(v, &b) : json_print(v, (unsigned)how, &b);
	if (ret || b.len >= sizeof(text)) {
		buf_fini(&b);
		return NULL;
	}
	memcpy(text, b.p, b.len + 1);
	buf_fini(&b);
	return text;
}

/* Parse @in and print it compactly: the canonical form. */
static const char *canon(const char *in)
{
	struct json *v = parse_str(in);
	const char *s = v ? show(v, JSON_COMPACT) : NULL;

	json_free(v);
	return s;
}

static int parse_err(const char *in, size_t len, struct json_err *err)
{
	struct json *v = NULL;
	int ret = json_parse(in, len, &v, err);

	json_free(v);
	return ret;
}

/* ------------------------------------------------------------ building */

static void test_build_sorted(void)
{
	struct json *o = json_new_object(), *inner;
	const char *s;

	REQUIRE(o);
	CHECK_EQ(json_obj_add_str(o, "b", "2"), 0);
	CHECK_EQ(json_obj_add_int(o, "a", 1), 0);
	CHECK_EQ(json_obj_add_bool(o, "B", true), 0);
	CHECK_EQ(json_obj_add_str(o, "aa", ""), 0);
	CHECK_EQ(json_obj_add(o, "\xc3\xa9", json_new_null()), 0);
	CHECK_EQ(json_obj_add(o, "a/b", json_new_bool(false)), 0);
	inner = json_obj_add_object(o, "c");
	REQUIRE(inner);
	CHECK_EQ(json_obj_add_int(inner, "z", -1), 0);
	CHECK_EQ(json_obj_add_int(inner, "y", 0), 0);
	REQUIRE(json_obj_add_array(o, "d"));
	s = show(o, JSON_COMPACT);
	CHECK_STR(
		s,
		"{\"B\":true,\"a\":1,\"a/b\":false,\"aa\":\"\",\"b\":\"2\",\"c\":{\"y\":0,\"z\":-1},"
		"\"d\":[],\"\xc3\xa9\":null}");
	/* Printing did not reorder the tree: document order is kept. */
	CHECK_STR(json_key(json_at(o, 0)), "b");
	CHECK_STR(json_key(json_at(o, 1)), "a");
	CHECK_EQ(json_count(o), 8);
	/* A later add of the same key replaces the value in place. */
	CHECK_EQ(json_obj_add_str(o, "a", "one"), 0);
	CHECK_EQ(json_count(o), 8);
	CHECK_STR(json_key(json_at(o, 1)), "a");
	CHECK_STR(show(json_get(o, "a"), JSON_COMPACT), "\"one\"");
	json_free(o);
}

static void test_build_ownership(void)
{
	struct json *o = json_new_object(), *a = json_new_array(), *s = json_new_string("x");

	REQUIRE(o && a && s);
	/* NULL value (a failed constructor): -ENOMEM, nothing added. */
	CHECK_EQ(json_obj_add(o, "k", NULL), -ENOMEM);
	CHECK_EQ(json_arr_add(a, NULL), -ENOMEM);
	/* NULL container: the value is freed (ASan would report a leak). */
	CHECK_EQ(json_obj_add(NULL, "k", json_new_int(1)), -ENOMEM);
	CHECK_EQ(json_arr_add(NULL, json_new_int(1)), -ENOMEM);
	/* Wrong container type: -EINVAL and the value freed. */
	CHECK_EQ(json_arr_add(o, json_new_int(1)), -EINVAL);
	CHECK_EQ(json_obj_add(a, "k", json_new_int(1)), -EINVAL);
	CHECK_EQ(json_arr_add(a, s), 0);
	/* Already in a tree: refused, not freed. */
	CHECK_EQ(json_arr_add(a, s), -EINVAL);
	CHECK_EQ(json_obj_add(o, "a", a), 0);
	CHECK_EQ(json_count(o), 1);
	CHECK_STR(show(o, JSON_COMPACT), "{\"a\":[\"x\"]}");
	CHECK(json_new_string(NULL) == NULL);
	json_free(o);
	json_free(NULL);
}

static void test_print_escapes(void)
{
	struct json *v = json_new_string("q\"b\\s/\b\f\n\r\t\x01\x1f\x7f \xc3\xa9\xe2\x82\xac"
					 "\xf0\x9f\x98\x80");
	struct buf b;

	REQUIRE(v);
	CHECK_STR(show(v, JSON_COMPACT), "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f "
					 "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	json_free(v);
	/* Invalid UTF-8 is refused, in values and in keys. */
	v = json_new_string("a\xc3");
	buf_init(&b, 1024);
	CHECK_EQ(json_print(v, 0, &b), -EINVAL);
	CHECK_EQ(json_print_yaml(v, &b), -EINVAL);
	json_free(v);
	v = json_new_object();
	CHECK_EQ(json_obj_add_int(v, "\xed\xa0\x80", 1), 0);
	CHECK_EQ(json_print(v, 0, &b), -EINVAL);
	json_free(v);
	buf_fini(&b);
	CHECK(json_is_utf8("", 0));
	CHECK(json_is_utf8("\xf4\x8f\xbf\xbf", 4));
	CHECK(!json_is_utf8("\xf4\x90\x80\x80", 4));
	CHECK(!json_is_utf8("\xc0\x80", 2));
	CHECK(!json_is_utf8("\xe0\x80\x80", 3));
	CHECK(!json_is_utf8("\x80", 1));
}

static void test_int64_exact(void)
{
	struct json *a = json_new_array(), *v;
	int64_t n = 0;

	REQUIRE(a);
	CHECK_EQ(json_arr_add(a, json_new_int(INT64_MIN)), 0);
	CHECK_EQ(json_arr_add(a, json_new_int(INT64_MAX)), 0);
	CHECK_EQ(json_arr_add(a, json_new_int(9007199254740993)), 0); /* 2^53 + 1 */
	CHECK_EQ(json_arr_add(a, json_new_int(0)), 0);
	CHECK_STR(show(a, JSON_COMPACT),
		  "[-9223372036854775808,9223372036854775807,9007199254740993,0]");
	CHECK_EQ(json_get_int(json_at(a, 0), &n), 0);
	CHECK(n == INT64_MIN);
	CHECK_EQ(json_get_int(json_at(a, 1), &n), 0);
	CHECK(n == INT64_MAX);
	CHECK_EQ(json_get_int(json_at(a, 2), &n), 0);
	CHECK(n == 9007199254740993);
	/* json_dup keeps the exact text. */
	v = json_dup(a);
	REQUIRE(v);
	CHECK_STR(show(v, JSON_COMPACT),
		  "[-9223372036854775808,9223372036854775807,9007199254740993,0]");
	json_free(v);
	json_free(a);

	/* Parsed literals: exact within int64, -ERANGE beyond or when not integral. */
	static const struct {
		const char *in;
		int ret;
		int64_t want;
	} vec[] = {
		{ "9223372036854775807", 0, INT64_MAX },
		{ "-9223372036854775808", 0, INT64_MIN },
		{ "9007199254740993", 0, 9007199254740993 },
		{ "-0", 0, 0 },
		{ "9223372036854775808", -ERANGE, 0 },
		{ "-9223372036854775809", -ERANGE, 0 },
		{ "1.5", -ERANGE, 0 },
		{ "1.0", -ERANGE, 0 },
		{ "1e2", -ERANGE, 0 },
		{ "\"1\"", -EINVAL, 0 },
		{ "true", -EINVAL, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(vec); i++) {
		v = parse_str(vec[i].in);
		n = 42;
		CHECK(v != NULL);
		CHECK_EQ(json_get_int(v, &n), vec[i].ret);
		if (vec[i].ret == 0)
			CHECK(n == vec[i].want);
		/* The literal prints back as written. */
		CHECK_STR(show(v, JSON_COMPACT), vec[i].in);
		json_free(v);
	}
}

static void test_print_pretty(void)
{
	struct json *v = parse_str("{\"b\":[1,{\"c\":\"x\"},[]],\"a\":{},\"s\":\"t\"}");

	REQUIRE(v);
	CHECK_STR(show(v, JSON_PRETTY), "{\n"
					"  \"a\": {},\n"
					"  \"b\": [\n"
					"    1,\n"
					"    {\n"
					"      \"c\": \"x\"\n"
					"    },\n"
					"    []\n"
					"  ],\n"
					"  \"s\": \"t\"\n"
					"}");
	CHECK_STR(show(v, JSON_COMPACT), "{\"a\":{},\"b\":[1,{\"c\":\"x\"},[]],\"s\":\"t\"}");
	json_free(v);
	CHECK_STR(canon(" [ ] "), "[]");
	CHECK_STR(canon("{}"), "{}");
	CHECK_STR(canon("\"\\u00e9\\ud83d\\ude00\\/\""), "\"\xc3\xa9\xf0\x9f\x98\x80/\"");
	CHECK_STR(canon("[1.5e3,-0.25,1E-7,0]"), "[1.5e3,-0.25,1E-7,0]");
	CHECK_STR(canon("null"), "null");
	CHECK_STR(canon("{\"z\":{\"b\":1,\"a\":2},\"y\":[{\"d\":0,\"c\":1}]}"),
		  "{\"y\":[{\"c\":1,\"d\":0}],\"z\":{\"a\":2,\"b\":1}}");
}

static void test_read_access(void)
{
	struct json *v = parse_str("{\"s\":\"x\",\"b\":true,\"n\":7,\"a\":[1,2],\"z\":null}");
	const char *s = NULL;
	bool b = false;
	int64_t n = 0;

	REQUIRE(v);
	CHECK_EQ(json_type_of(v), JSON_OBJECT);
	CHECK_EQ(json_type_of(json_get(v, "z")), JSON_NULL);
	CHECK_EQ(json_type_of(json_get(v, "a")), JSON_ARRAY);
	CHECK(json_get(v, "S") == NULL); /* case-sensitive */
	CHECK(json_get(json_get(v, "a"), "x") == NULL);
	CHECK_EQ(json_get_string(json_get(v, "s"), &s), 0);
	CHECK_STR(s, "x");
	CHECK_EQ(json_get_string(json_get(v, "b"), &s), -EINVAL);
	CHECK_EQ(json_get_bool(json_get(v, "b"), &b), 0);
	CHECK(b);
	CHECK_EQ(json_get_bool(json_get(v, "n"), &b), -EINVAL);
	CHECK_EQ(json_get_int(json_get(v, "n"), &n), 0);
	CHECK_EQ(n, 7);
	CHECK_EQ(json_count(json_get(v, "a")), 2);
	CHECK_EQ(json_count(json_get(v, "s")), 0);
	CHECK(json_at(json_get(v, "a"), 2) == NULL);
	CHECK_STR(json_key(json_at(v, 2)), "n");
	CHECK(json_next(json_at(v, 2)) == json_at(v, 3));
	CHECK(json_next(json_at(v, 4)) == NULL);
	CHECK(json_next(NULL) == NULL);
	CHECK_STR(json_type_name(JSON_BOOL), "boolean");
	CHECK_STR(json_type_name(JSON_OBJECT), "object");
	json_free(v);
}

/* ------------------------------------------------------------------ YAML */

static void test_yaml_document(void)
{
	static const char in[] =
		"{\"apiVersion\":\"resource.k8s.io/v1\",\"kind\":\"ResourceSlice\","
		"\"metadata\":{\"name\":\"n1-dra.net\",\"labels\":{}},"
		"\"spec\":{\"devices\":[{\"name\":\"pci-0000-8a-00-0\",\"attributes\":"
		"{\"dra.net/mtu\":{\"int\":1500},\"dra.net/ifName\":{\"string\":\"eth0\"},"
		"\"dra.net/rdma\":{\"bool\":false}}},{\"name\":\"veth0\",\"attributes\":{}}],"
		"\"nodeName\":\"n1\",\"pool\":{\"generation\":1,\"name\":\"n1\","
		"\"resourceSliceCount\":1},\"driver\":\"dra.net\",\"empty\":[],"
		"\"nested\":[[1,2],[]],\"nil\":null,\"f\":1.5,\"g\":1e5,\"h\":-2E-3,\"i\":3.0,\"j\":1e300,\"k\":-1.25E+1}}";
	static const char want[] = "apiVersion: resource.k8s.io/v1\n"
				   "kind: ResourceSlice\n"
				   "metadata:\n"
				   "  labels: {}\n"
				   "  name: n1-dra.net\n"
				   "spec:\n"
				   "  devices:\n"
				   "  - attributes:\n"
				   "      dra.net/ifName:\n"
				   "        string: eth0\n"
				   "      dra.net/mtu:\n"
				   "        int: 1500\n"
				   "      dra.net/rdma:\n"
				   "        bool: false\n"
				   "    name: pci-0000-8a-00-0\n"
				   "  - attributes: {}\n"
				   "    name: veth0\n"
				   "  driver: dra.net\n"
				   "  empty: []\n"
				   "  f: 1.5\n"
				   "  g: 100000.0\n"
				   "  h: -0.002\n"
				   "  i: 3.0\n"
				   "  j: 1.0e+300\n"
				   "  k: -12.5\n"
				   "  nested:\n"
				   "  - - 1\n"
				   "    - 2\n"
				   "  - []\n"
				   "  nil: null\n"
				   "  nodeName: n1\n"
				   "  pool:\n"
				   "    generation: 1\n"
				   "    name: n1\n"
				   "    resourceSliceCount: 1\n";
	struct json *v = parse_str(in);

	REQUIRE(v);
	CHECK_STR(show(v, 2), want);
	json_free(v);

	/* Top-level shapes. */
	v = parse_str("[{\"a\":[{\"b\":1}]},\"x\",[[]]]");
	REQUIRE(v);
	CHECK_STR(show(v, 2), "- a:\n"
			      "  - b: 1\n"
			      "- x\n"
			      "- - []\n");
	json_free(v);
	v = parse_str("{}");
	CHECK_STR(show(v, 2), "{}\n");
	json_free(v);
	v = parse_str("\"true\"");
	CHECK_STR(show(v, 2), "\"true\"\n");
	json_free(v);
	v = parse_str("123456789012345678901234567890");
	CHECK_STR(show(v, 2), "123456789012345678901234567890\n");
	json_free(v);
}

static void test_yaml_quoting(void)
{
	static const struct {
		const char *in, *want;
	} vec[] = {
		{ "plain", "plain" },
		{ "with space", "with space" },
		{ "eth0", "eth0" },
		{ "dra.net/ifName", "dra.net/ifName" },
		{ "a-b_c", "a-b_c" },
		{ "", "\"\"" },
		{ " lead", "\" lead\"" },
		{ "trail ", "\"trail \"" },
		{ "a:b", "\"a:b\"" },
		{ "a: b", "\"a: b\"" },
		{ "a #b", "\"a #b\"" },
		{ "{x}", "\"{x}\"" },
		{ "[x]", "\"[x]\"" },
		{ "a,b", "\"a,b\"" },
		{ "&anchor", "\"&anchor\"" },
		{ "*alias", "\"*alias\"" },
		{ "!tag", "\"!tag\"" },
		{ "|", "\"|\"" },
		{ ">", "\">\"" },
		{ "it's", "\"it's\"" },
		{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
		{ "%x", "\"%x\"" },
		{ "@x", "\"@x\"" },
		{ "`x", "\"`x\"" },
		{ "-x", "\"-x\"" },
		{ "-", "\"-\"" },
		{ "---", "\"---\"" },
		{ "?x", "\"?x\"" },
		{ "true", "\"true\"" },
		{ "False", "\"False\"" },
		{ "YES", "\"YES\"" },
		{ "no", "\"no\"" },
		{ "On", "\"On\"" },
		{ "off", "\"off\"" },
		{ "null", "\"null\"" },
		{ "NULL", "\"NULL\"" },
		{ "~", "\"~\"" },
		{ "y", "\"y\"" },
		{ "N", "\"N\"" },
		{ "123", "\"123\"" },
		{ "-1", "\"-1\"" },
		{ "+1", "\"+1\"" },
		{ "1.5", "\"1.5\"" },
		{ ".5", "\".5\"" },
		{ "1e3", "\"1e3\"" },
		{ "0o17", "\"0o17\"" },
		{ "017", "\"017\"" },
		{ "0x1F", "\"0x1F\"" },
		{ ".inf", "\".inf\"" },
		{ ".NaN", "\".NaN\"" },
		{ "1_000", "\"1_000\"" },
		{ "2001-12-14", "\"2001-12-14\"" },
		{ "10.0.0.1", "\"10.0.0.1\"" },
		{ "<<", "\"<<\"" },
		{ "=", "\"=\"" },
		{ "line\nbreak", "\"line\\nbreak\"" },
		{ "tab\there", "\"tab\\there\"" },
		{ "cr\r", "\"cr\\r\"" },
		{ "nul\x01", "\"nul\\x01\"" },
		{ "del\x7f", "\"del\\x7F\"" },
		{ "back\\slash", "back\\slash" },
		{ "q\\\"", "\"q\\\\\\\"\"" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
		{ "nel\xc2\x85", "\"nel\\x85\"" },
		{ "ls\xe2\x80\xa8", "\"ls\\u2028\"" },
		{ "bom\xef\xbb\xbf", "\"bom\\uFEFF\"" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(vec); i++) {
		struct json *o = json_new_object();
		char want[256];
		const char *got;

		REQUIRE(o);
		CHECK_EQ(json_obj_add_str(o, "k", vec[i].in), 0);
		CHECK_EQ(json_obj_add_int(o, vec[i].in, 1), 0);
		got = show(o, 2);
		/* Keys are quoted by the same rule as values. */
		snprintf(want, sizeof(want), "k: %s\n", vec[i].want);
		CHECK(got && strstr(got, want) != NULL);
		snprintf(want, sizeof(want), "%s: 1\n", vec[i].want);
		CHECK(got && strstr(got, want) != NULL);
		if (!got || !strstr(got, want))
			fprintf(stderr, "  case %zu: %s", i, got ? got : "(null)\n");
		json_free(o);
	}
}

static void test_yaml_long_key(void)
{
	char key[1102];
	struct json *o = json_new_object(), *a;
	const char *got;

	REQUIRE(o);
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	CHECK_EQ(json_obj_add_int(o, key, 1), 0);
	a = json_obj_add_array(o, "l");
	REQUIRE(a);
	CHECK_EQ(json_arr_add(a, json_new_int(2)), 0);
	got = show(o, 2);
	REQUIRE(got);
	CHECK(strncmp(got, "? \"kkk", 6) == 0);
	CHECK(strstr(got, "k\"\n: 1\nl:\n- 2\n") != NULL);
	json_free(o);
}

/* ------------------------------------------------------------- parsing */

static void test_parse_errors(void)
{
	static const struct {
		const char *in;
		int ret;
		size_t off;
		const char *msg;
	} vec[] = {
		{ "", -EBADMSG, 0, "unexpected end" },
		{ "   ", -EBADMSG, 3, "unexpected end" },
		{ "{\"a\":1} x", -EBADMSG, 8, "trailing" },
		{ "{\"a\":1}}", -EBADMSG, 7, "trailing" },
		{ "1 2", -EBADMSG, 2, "trailing" },
		{ "\xef\xbb\xbf{}", -EBADMSG, 0, "unexpected character" },
		{ "{\"a\" 1}", -EBADMSG, 5, "unexpected" },
		{ "{\"a\":1,}", -EBADMSG, 7, "unexpected" },
		{ "[1,]", -EBADMSG, 3, "unexpected" },
		{ "[1 2]", -EBADMSG, 3, "unexpected" },
		{ "{1:2}", -EBADMSG, 1, "unexpected" },
		{ "[}", -EBADMSG, 1, "unexpected" },
		{ "{]", -EBADMSG, 1, "unexpected" },
		{ "]", -EBADMSG, 0, "unexpected" },
		{ "01", -EBADMSG, 1, "invalid number" },
		{ "1.", -EBADMSG, 2, "invalid number" },
		{ ".5", -EBADMSG, 0, "unexpected" },
		{ "+1", -EBADMSG, 0, "unexpected" },
		{ "-", -EBADMSG, 1, "invalid number" },
		{ "1e", -EBADMSG, 2, "invalid number" },
		{ "NaN", -EBADMSG, 0, "unexpected" },
		{ "Infinity", -EBADMSG, 0, "unexpected" },
		{ "-Infinity", -EBADMSG, 1, "invalid number" },
		{ "[1e400]", -EBADMSG, 1, "out of range" },
		{ "[-1e400]", -EBADMSG, 1, "out of range" },
		{ "tru", -EBADMSG, 0, "invalid literal" },
		{ "nul", -EBADMSG, 0, "invalid literal" },
		{ "True", -EBADMSG, 0, "unexpected" },
		{ "\"abc", -EBADMSG, 4, "unterminated" },
		{ "\"a\x01\"", -EBADMSG, 2, "control" },
		{ "\"a\tb\"", -EBADMSG, 2, "control" },
		{ "\"\\x\"", -EBADMSG, 2, "invalid escape" },
		{ "\"\\u12\"", -EBADMSG, 5, "\\u" },
		{ "\"\\u0000\"", -EBADMSG, 7, "\\u0000" },
		{ "\"\\ud800\"", -EBADMSG, 7, "surrogate" },
		{ "\"\\udc00\"", -EBADMSG, 7, "surrogate" },
		{ "\"\\ud800\\u0041\"", -EBADMSG, 13, "surrogate" },
		{ "\"\xc3\"", -EBADMSG, 1, "UTF-8" },
		{ "\"\xc0\x80\"", -EBADMSG, 1, "UTF-8" },
		{ "\"\xed\xa0\x80\"", -EBADMSG, 1, "UTF-8" },
		{ "\"\xf4\x90\x80\x80\"", -EBADMSG, 1, "UTF-8" },
		{ "\"\x80\"", -EBADMSG, 1, "UTF-8" },
		{ "[1]\f", -EBADMSG, 3, "trailing" },
		{ "[\f1]", -EBADMSG, 1, "unexpected" },
		{ "{'a':1}", -EBADMSG, 1, "unexpected" },
		{ "/* c */ 1", -EBADMSG, 0, "unexpected" },
	};
	struct json_err err;
	char line[600];

	for (size_t i = 0; i < ARRAY_SIZE(vec); i++) {
		int ret = parse_err(vec[i].in, strlen(vec[i].in), &err);

		CHECK_EQ(ret, vec[i].ret);
		CHECK_EQ(err.offset, vec[i].off);
		CHECK(strstr(err.msg, vec[i].msg) != NULL);
		if (ret != vec[i].ret || err.offset != vec[i].off || !strstr(err.msg, vec[i].msg))
			fprintf(stderr, "  case %zu: %s\n", i,
				json_err_format(&err, line, sizeof(line)));
	}
	/* A NUL inside the length is not the end of the text. */
	CHECK_EQ(parse_err("[1]\0", 4, &err), -EBADMSG);
	CHECK_EQ(parse_err("\"a\0b\"", 5, &err), -EBADMSG);
	/* Not NUL-terminated: only @len bytes are read. */
	CHECK_EQ(parse_err("[1]]]]", 3, &err), 0);
	/* err may be NULL. */
	CHECK_EQ(parse_err("[", 1, NULL), -EBADMSG);
	/* 63-byte literal ok, 64 refused. */
	{
		char num[80];

		memset(num, '1', 63);
		num[63] = '\0';
		CHECK_EQ(parse_err(num, 63, &err), 0);
		memset(num, '1', 64);
		CHECK_EQ(parse_err(num, 64, &err), -EBADMSG);
		CHECK(strstr(err.msg, "63") != NULL);
	}
}

static void test_parse_duplicates(void)
{
	struct json_err err;
	char line[600];

	CHECK_EQ(parse_err("{\"a\":1,\"a\":2}", 13, &err), -EBADMSG);
	CHECK_STR(err.path, "a");
	CHECK_STR(err.msg, "duplicate key");
	static const char in[] = "{\"x\":0,\"spec\":{\"routes\":[{\"gw\":\"a\"},"
				 "{\"dst\":\"b\",\"gw\":\"c\",\"gw\":\"d\"}]}}";
	CHECK_EQ(parse_err(in, strlen(in), &err), -EBADMSG);
	CHECK_STR(json_err_format(&err, line, sizeof(line)), "spec.routes[1].gw: duplicate key");
	/* Same key in different objects is fine; keys differ bytewise. */
	CHECK_STR(canon("[{\"a\":1},{\"a\":2},{\"A\":1,\"a\":2,\"a \":3}]"),
		  "[{\"a\":1},{\"a\":2},{\"A\":1,\"a\":2,\"a \":3}]");
	/* Escaped and raw spellings of one key are the same key. */
	CHECK_EQ(parse_err("{\"\\u0061\":1,\"a\":2}", 18, &err), -EBADMSG);
}

static void nest(char *buf, size_t depth, char open, char close, const char *inner)
{
	size_t n = 0;

	for (size_t i = 0; i < depth; i++) {
		if (open == '{') {
			memcpy(buf + n, "{\"k\":", 5);
			n += 5;
		} else {
			buf[n++] = open;
		}
	}
	memcpy(buf + n, inner, strlen(inner));
	n += strlen(inner);
	for (size_t i = 0; i < depth; i++)
		buf[n++] = close;
	buf[n] = '\0';
}

static void test_parse_depth(void)
{
	char buf[1024];
	struct json_err err;

	nest(buf, JSON_DEPTH_MAX, '[', ']', "1");
	CHECK_EQ(parse_err(buf, strlen(buf), &err), 0);
	nest(buf, JSON_DEPTH_MAX + 1, '[', ']', "1");
	CHECK_EQ(parse_err(buf, strlen(buf), &err), -EBADMSG);
	CHECK_EQ(err.offset, JSON_DEPTH_MAX);
	CHECK(strstr(err.msg, "deeper") != NULL);
	nest(buf, JSON_DEPTH_MAX, '{', '}', "1");
	CHECK_EQ(parse_err(buf, strlen(buf), &err), 0);
	nest(buf, JSON_DEPTH_MAX + 1, '{', '}', "1");
	CHECK_EQ(parse_err(buf, strlen(buf), &err), -EBADMSG);
	/* Depth 64 of objects with a duplicate at the bottom names the whole path. */
	nest(buf, JSON_DEPTH_MAX - 1, '{', '}', "{\"d\":1,\"d\":2}");
	CHECK_EQ(parse_err(buf, strlen(buf), &err), -EBADMSG);
	CHECK(strncmp(err.path, "k.k.k.", 6) == 0);
	CHECK(strlen(err.path) == 2 * (JSON_DEPTH_MAX - 1) + 1);
	/* Deep but printable and YAML-printable. */
	nest(buf, JSON_DEPTH_MAX - 1, '[', ']', "{}");
	CHECK_STR(canon(buf), buf);
	nest(buf, JSON_DEPTH_MAX, '[', ']', "{}");
	CHECK_EQ(parse_err(buf, strlen(buf), &err), -EBADMSG);
}

static void test_parse_limits(void)
{
	size_t n = JSON_TEXT_MAX;
	char *big = malloc(n + 1);
	struct json_err err;
	struct json *v = NULL;
	const char *s = NULL;

	REQUIRE(big);
	memset(big, 'a', n + 1);
	big[0] = '"';
	big[n - 1] = '"';
	CHECK_EQ(json_parse(big, n, &v, &err), 0);
	CHECK_EQ(json_get_string(v, &s), 0);
	CHECK(s && strlen(s) == n - 2);
	json_free(v);
	big[n] = '"';
	big[n - 1] = 'a';
	CHECK_EQ(json_parse(big, n + 1, &v, &err), -EMSGSIZE);
	CHECK(v == NULL);
	free(big);
}

static const char sample[] =
	"{\"interface\":{\"name\":\"eth1\",\"mtu\":9000,\"addresses\":[\"10.0.0.1/24\","
	"\"fd00::1/64\"],\"dhcp\":false},\"routes\":[{\"destination\":\"0.0.0.0/0\","
	"\"gateway\":\"10.0.0.254\",\"scope\":0},{\"destination\":\"10.1.0.0/16\","
	"\"gateway\":\"10.0.0.253\"}],\"ethtool\":{\"features\":{\"tso\":true,\"gro\":false}},"
	"\"x\":[null,true,-1.5e-3,\"\\u00e9\\n\",{}],\"big\":9223372036854775807}";

static void test_parse_truncation(void)
{
	size_t n = strlen(sample);
	struct json_err err;

	CHECK_EQ(parse_err(sample, n, &err), 0);
	for (size_t i = 0; i < n; i++) {
		/* An exact-size heap copy, so ASan sees any read past the end. */
		char *p = malloc(i ? i : 1);
		int ret;

		REQUIRE(p);
		memcpy(p, sample, i);
		ret = parse_err(p, i, &err);
		CHECK_EQ(ret, -EBADMSG);
		CHECK(err.offset <= i);
		CHECK(err.msg[0] != '\0');
		free(p);
	}
}

static void test_roundtrip(void)
{
	struct json *v = parse_str(sample), *w;
	struct buf b;

	REQUIRE(v);
	for (unsigned flags = 0; flags <= JSON_PRETTY; flags++) {
		char *first;

		buf_init(&b, 1 << 20);
		CHECK_EQ(json_print(v, flags, &b), 0);
		first = strdup(b.p);
		REQUIRE(first);
		w = parse_str(b.p);
		REQUIRE(w);
		buf_reset(&b);
		CHECK_EQ(json_print(w, flags, &b), 0);
		CHECK_STR(b.p, first);
		json_free(w);
		free(first);
		buf_fini(&b);
	}
	/* A buf too small: -ENOMEM for JSON and YAML, never overflow. */
	for (size_t cap = 0; cap < 64; cap++) {
		buf_init(&b, cap);
		CHECK_EQ(json_print(v, JSON_PRETTY, &b), -ENOMEM);
		buf_fini(&b);
		buf_init(&b, cap);
		CHECK_EQ(json_print_yaml(v, &b), -ENOMEM);
		buf_fini(&b);
	}
	json_free(v);
}

/* ------------------------------------------------------------- decoding */

/* A slice of upstream's claim config (reference/upstream.md §5.1). */
struct t_iface {
	const char *name;
	const char **addresses;
	size_t n_addresses;
	bool dhcp, has_dhcp;
	int32_t mtu;
	bool has_mtu;
};

struct t_route {
	const char *destination, *gateway;
	uint8_t scope;
	int64_t table;
};

struct t_ethtool {
	struct json_kv_bool *features;
	size_t n_features;
};

struct t_config {
	struct t_iface interface;
	struct t_route *routes;
	size_t n_routes;
	struct t_ethtool ethtool;
	bool has_ethtool;
	const struct json *x;
	int64_t *ints;
	size_t n_ints;
	uint32_t u32;
	struct json_kv_str *labels;
	size_t n_labels;
};

static const struct json_field t_iface_fields[] = {
	JSON_FIELD(struct t_iface, name, "name", JSON_FK_STRING),
	JSON_FIELD(struct t_iface, addresses, "addresses", JSON_FK_ARRAY_STRING,
		   JSON_COUNT(struct t_iface, n_addresses)),
	JSON_FIELD(struct t_iface, dhcp, "dhcp", JSON_FK_BOOL, JSON_HAS(struct t_iface, has_dhcp)),
	JSON_FIELD(struct t_iface, mtu, "mtu", JSON_FK_INT32, JSON_HAS(struct t_iface, has_mtu)),
};
static const struct json_schema t_iface_schema = JSON_SCHEMA(struct t_iface, t_iface_fields);

static const struct json_field t_route_fields[] = {
	JSON_FIELD(struct t_route, destination, "destination", JSON_FK_STRING,
		   .flags = JSON_F_REQUIRED),
	JSON_FIELD(struct t_route, gateway, "gateway", JSON_FK_STRING),
	JSON_FIELD(struct t_route, scope, "scope", JSON_FK_UINT8),
	JSON_FIELD(struct t_route, table, "table", JSON_FK_INT64, .flags = JSON_F_RANGE, .min = 0,
		   .max = INT64_MAX),
};
static const struct json_schema t_route_schema = JSON_SCHEMA(struct t_route, t_route_fields);

static const struct json_field t_ethtool_fields[] = {
	JSON_FIELD(struct t_ethtool, features, "features", JSON_FK_MAP_BOOL,
		   JSON_COUNT(struct t_ethtool, n_features)),
};
static const struct json_schema t_ethtool_schema = JSON_SCHEMA(struct t_ethtool, t_ethtool_fields);

static const struct json_field t_config_fields[] = {
	JSON_FIELD(struct t_config, interface, "interface", JSON_FK_OBJECT, .sub = &t_iface_schema),
	JSON_FIELD(struct t_config, routes, "routes", JSON_FK_ARRAY_OBJECT, .sub = &t_route_schema,
		   JSON_COUNT(struct t_config, n_routes)),
	JSON_FIELD(struct t_config, ethtool, "ethtool", JSON_FK_OBJECT, .sub = &t_ethtool_schema,
		   JSON_HAS(struct t_config, has_ethtool)),
	JSON_FIELD(struct t_config, x, "x", JSON_FK_RAW),
	JSON_FIELD(struct t_config, ints, "ints", JSON_FK_ARRAY_INT64,
		   JSON_COUNT(struct t_config, n_ints)),
	JSON_FIELD(struct t_config, u32, "u32", JSON_FK_UINT32),
	JSON_FIELD(struct t_config, labels, "labels", JSON_FK_MAP_STRING,
		   JSON_COUNT(struct t_config, n_labels)),
};
static const struct json_schema t_config_schema = JSON_SCHEMA(struct t_config, t_config_fields);

/* Parse and decode @in; returns the decode result and "path: msg" in @line. */
static int decode_str(const char *in, struct t_config *c, struct arena *a, char *line, size_t n)
{
	struct json *v = NULL;
	struct json_err err;
	int ret = json_parse(in, strlen(in), &v, &err);

	if (!ret)
		ret = json_decode(v, &t_config_schema, c, a, &err);
	json_err_format(&err, line, n);
	json_free(v);
	c->x = NULL; /* RAW borrowed from the tree just freed */
	return ret;
}

static void test_decode_ok(void)
{
	struct arena *a = arena_new(1 << 20);
	struct json *v = parse_str(sample);
	struct t_config c;
	struct json_err err;

	REQUIRE(a && v);
	memset(&c, 0xa5, sizeof(c));
	CHECK_EQ(json_decode(v, &t_config_schema, &c, a, &err), -EBADMSG);
	/* sample has "big", which this schema does not know: every other field is still filled. */
	CHECK_STR(err.path, "big");
	CHECK_STR(err.msg, "unknown field");
	CHECK_STR(c.interface.name, "eth1");
	CHECK(c.interface.has_mtu && c.interface.mtu == 9000);
	CHECK(c.interface.has_dhcp && !c.interface.dhcp);
	REQUIRE(c.interface.n_addresses == 2);
	CHECK_STR(c.interface.addresses[1], "fd00::1/64");
	REQUIRE(c.n_routes == 2);
	CHECK_STR(c.routes[0].destination, "0.0.0.0/0");
	CHECK_STR(c.routes[1].gateway, "10.0.0.253");
	CHECK_EQ(c.routes[1].scope, 0);
	CHECK(c.has_ethtool);
	REQUIRE(c.ethtool.n_features == 2);
	CHECK_STR(c.ethtool.features[0].key, "tso");
	CHECK(c.ethtool.features[0].value && !c.ethtool.features[1].value);
	REQUIRE(c.x);
	CHECK_EQ(json_type_of(c.x), JSON_ARRAY);
	CHECK_EQ(json_count(c.x), 5);
	CHECK(c.ints == NULL && c.n_ints == 0);
	CHECK(c.labels == NULL && c.n_labels == 0);
	json_free(v);

	/* Omitted and null fields: zero, has_ flags clear. */
	v = parse_str(
		"{\"interface\":{\"mtu\":null},\"routes\":[],\"ethtool\":null,"
		"\"ints\":[1,-2,null],\"u32\":4294967295,\"labels\":{\"a\":\"b\",\"c\":null}}");
	REQUIRE(v);
	CHECK_EQ(json_decode(v, &t_config_schema, &c, a, &err), 0);
	CHECK(c.interface.name == NULL && !c.interface.has_mtu && !c.interface.has_dhcp);
	CHECK(c.routes == NULL && c.n_routes == 0);
	CHECK(!c.has_ethtool);
	CHECK(c.x == NULL);
	REQUIRE(c.n_ints == 3);
	CHECK(c.ints[0] == 1 && c.ints[1] == -2 && c.ints[2] == 0);
	CHECK(c.u32 == UINT32_MAX);
	REQUIRE(c.n_labels == 2);
	CHECK_STR(c.labels[0].key, "a");
	CHECK_STR(c.labels[0].value, "b");
	CHECK_STR(c.labels[1].value, "");
	json_free(v);
	arena_free(a);
}

static void test_decode_errors(void)
{
	static const struct {
		const char *in, *want;
	} vec[] = {
		{ "{\"routes\":[{\"destination\":\"a\",\"gateway\":\"b\"},"
		  "{\"destination\":\"c\",\"gateway\":5}]}",
		  "routes[1].gateway: expected string, got number" },
		{ "{\"interface\":{\"name\":\"eth0\",\"mtuu\":1500}}",
		  "interface.mtuu: unknown field" },
		{ "{\"routes\":[{\"gateway\":\"x\"}]}",
		  "routes[0].destination: required field is missing" },
		{ "{\"routes\":[{\"destination\":null}]}",
		  "routes[0].destination: required field is missing" },
		{ "{\"routes\":[{\"destination\":\"a\"},null]}",
		  "routes[1].destination: required field is missing" },
		{ "{\"interface\":{\"mtu\":1.5}}", "interface.mtu: expected integer, got 1.5" },
		{ "{\"interface\":{\"mtu\":\"1500\"}}",
		  "interface.mtu: expected integer, got string" },
		{ "{\"interface\":{\"mtu\":3000000000}}",
		  "interface.mtu: value 3000000000 out of range [-2147483648, 2147483647]" },
		{ "{\"interface\":{\"mtu\":99999999999999999999}}",
		  "interface.mtu: value 99999999999999999999 out of range" },
		{ "{\"routes\":[{\"destination\":\"a\",\"scope\":256}]}",
		  "routes[0].scope: value 256 out of range [0, 255]" },
		{ "{\"routes\":[{\"destination\":\"a\",\"table\":-1}]}",
		  "routes[0].table: value -1 out of range [0, 9223372036854775807]" },
		{ "{\"u32\":-1}", "u32: value -1 out of range [0, 4294967295]" },
		{ "{\"interface\":[]}", "interface: expected object, got array" },
		{ "{\"routes\":{}}", "routes: expected array, got object" },
		{ "{\"routes\":[1]}", "routes[0]: expected object, got number" },
		{ "{\"interface\":{\"addresses\":[\"a\",true]}}",
		  "interface.addresses[1]: expected string, got boolean" },
		{ "{\"interface\":{\"dhcp\":\"yes\"}}",
		  "interface.dhcp: expected boolean, got string" },
		{ "{\"ethtool\":{\"features\":{\"tso\":1}}}",
		  "ethtool.features.tso: expected boolean, got number" },
		{ "{\"labels\":{\"a\":1}}", "labels.a: expected string, got number" },
		{ "{\"ints\":[1,\"2\"]}", "ints[1]: expected integer, got string" },
		{ "[]", "expected object, got array" },
		{ "{\"Interface\":{}}", "Interface: unknown field" },
		/* The first unknown field is reported, a later type error wins. */
		{ "{\"a\":1,\"b\":2}", "a: unknown field" },
		{ "{\"a\":1,\"interface\":{\"name\":1}}",
		  "interface.name: expected string, got number" },
	};
	struct arena *a = arena_new(1 << 20);
	struct t_config c;
	char line[600];

	REQUIRE(a);
	for (size_t i = 0; i < ARRAY_SIZE(vec); i++) {
		int ret = decode_str(vec[i].in, &c, a, line, sizeof(line));

		CHECK_EQ(ret, -EBADMSG);
		CHECK_STR(line, vec[i].want);
	}
	/* Unknown fields do not stop decoding the known ones. */
	CHECK_EQ(decode_str("{\"interface\":{\"name\":\"eth0\",\"unknownField\":\"test\"}}", &c, a,
			    line, sizeof(line)),
		 -EBADMSG);
	CHECK_STR(line, "interface.unknownField: unknown field");
	CHECK_STR(c.interface.name, "eth0");
	/* A broken schema is the caller's bug. */
	{
		static const struct json_field bad_fields[] = {
			JSON_FIELD(struct t_config, interface, "interface", JSON_FK_OBJECT),
		};
		static const struct json_schema bad = JSON_SCHEMA(struct t_config, bad_fields);
		struct json *v = parse_str("{\"interface\":{}}");
		struct json_err err;

		CHECK_EQ(json_decode(v, &bad, &c, a, &err), -EINVAL);
		CHECK_EQ(json_decode(NULL, &bad, &c, a, &err), -EINVAL);
		json_free(v);
	}
	arena_free(a);
}

static void test_decode_arena_sweep(void)
{
	static const char in[] =
		"{\"interface\":{\"name\":\"eth1\",\"addresses\":[\"10.0.0.1/24\",\"a\",\"b\"]},"
		"\"routes\":[{\"destination\":\"0.0.0.0/0\",\"gateway\":\"10.0.0.254\"},"
		"{\"destination\":\"x\"}],\"ethtool\":{\"features\":{\"tso\":true}},"
		"\"ints\":[1,2,3],\"labels\":{\"k\":\"v\"}}";
	struct json *v = parse_str(in);
	struct arena *a = arena_new(1 << 20);
	struct json_err err;
	struct t_config c;
	size_t need, ok_from = 0;
	bool ok_seen = false;

	REQUIRE(v && a);
	CHECK_EQ(json_decode(v, &t_config_schema, &c, a, &err), 0);
	need = 32768 + arena_used(a);
	arena_free(a);
	for (size_t cap = 0; cap <= need; cap += 7) {
		int ret;

		a = arena_new(cap);
		REQUIRE(a);
		ret = json_decode(v, &t_config_schema, &c, a, &err);
		CHECK(ret == 0 || ret == -ENOMEM);
		if (ret == 0 && !ok_seen)
			ok_seen = true, ok_from = cap;
		/* Once it fits, a larger cap fits too. */
		if (ok_seen)
			CHECK_EQ(ret, 0);
		if (ret == 0)
			CHECK_STR(c.routes[1].destination, "x");
		arena_free(a);
	}
	CHECK(ok_seen && ok_from > 0);
	json_free(v);
}

static void test_err_format(void)
{
	struct json_err err = { .path = "a.b", .msg = "unknown field" };
	char small[6];

	CHECK_STR(json_err_format(&err, small, sizeof(small)), "a.b: ");
	err.path[0] = '\0';
	CHECK_STR(json_err_format(&err, small, sizeof(small)), "unkno");
}

/* --emit-yaml FILE: the YAML of a JSON file on stdout (tests/schema). */
static int emit_yaml(const char *path)
{
	FILE *f = fopen(path, "rb");
	static char text[1 << 20];
	struct json *v = NULL;
	struct json_err err;
	struct buf b;
	size_t n;
	int ret;

	if (!f)
		return 2;
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	ret = json_parse(text, n, &v, &err);
	if (ret) {
		fprintf(stderr, "%s: %s (offset %zu)\n", path, err.msg, err.offset);
		return 1;
	}
	buf_init(&b, BUF_CAP_DEFAULT);
	ret = json_print_yaml(v, &b);
	if (!ret)
		fwrite(b.p, 1, b.len, stdout);
	buf_fini(&b);
	json_free(v);
	return ret ? 1 : 0;
}

/* JSON_S_LENIENT: unknown members skipped at that level; a nested strict schema stays strict. */
struct t_inner {
	int64_t n;
};
struct t_outer {
	const char *name;
	struct t_inner in;
};
static const struct json_field t_inner_fields[] = {
	JSON_FIELD(struct t_inner, n, "n", JSON_FK_INT64),
};
static const struct json_schema t_inner_strict = JSON_SCHEMA(struct t_inner, t_inner_fields);
static const struct json_field t_outer_fields[] = {
	JSON_FIELD(struct t_outer, name, "name", JSON_FK_STRING, .flags = JSON_F_REQUIRED),
	JSON_FIELD(struct t_outer, in, "in", JSON_FK_OBJECT, .sub = &t_inner_strict),
};
static const struct json_schema t_outer_lenient =
	JSON_SCHEMA_LENIENT(struct t_outer, t_outer_fields);
static const struct json_schema t_outer_strict = JSON_SCHEMA(struct t_outer, t_outer_fields);

static void test_decode_lenient(void)
{
	struct arena *a = arena_new(1 << 20);
	struct json *v =
		parse_str("{\"extra\":[1,{\"x\":2}],\"name\":\"n1\",\"in\":{\"n\":5},\"z\":null}");
	struct json *w = parse_str("{\"name\":\"n1\",\"in\":{\"n\":5,\"more\":1}}");
	struct json *t = parse_str("{\"name\":7,\"other\":1}");
	struct t_outer o;
	struct json_err err;

	REQUIRE(a && v && w && t);
	CHECK_EQ(json_decode(v, &t_outer_lenient, &o, a, &err), 0);
	CHECK_STR(o.name, "n1");
	CHECK_EQ(o.in.n, 5);
	CHECK_EQ(json_decode(v, &t_outer_strict, &o, a, &err), -EBADMSG);
	CHECK_STR(err.path, "extra");
	CHECK_STR(err.msg, "unknown field");
	CHECK_EQ(json_decode(w, &t_outer_lenient, &o, a, &err), -EBADMSG);
	CHECK_STR(err.path, "in.more");
	/* wrong types are still errors */
	CHECK_EQ(json_decode(t, &t_outer_lenient, &o, a, &err), -EBADMSG);
	CHECK_STR(err.path, "name");
	json_free(v);
	json_free(w);
	json_free(t);
	arena_free(a);
}

static const struct t_case tests[] = {
	T(test_build_sorted),  T(test_build_ownership),	 T(test_print_escapes),
	T(test_int64_exact),   T(test_print_pretty),	 T(test_read_access),
	T(test_yaml_document), T(test_yaml_quoting),	 T(test_yaml_long_key),
	T(test_parse_errors),  T(test_parse_duplicates), T(test_parse_depth),
	T(test_parse_limits),  T(test_parse_truncation), T(test_roundtrip),
	T(test_decode_ok),     T(test_decode_errors),	 T(test_decode_arena_sweep),
	T(test_err_format),    T(test_decode_lenient),
};

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--emit-yaml") == 0)
		return emit_yaml(argv[2]);
	return T_RUN(tests);
}
