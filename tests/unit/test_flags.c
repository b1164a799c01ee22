// SPDX-License-Identifier: Apache-2.0
/*
 * applets/flags.c: Go bool/duration values, k8s component-base feature
 * gates, nodeutil.GetHostname's trimming and lower-casing. The applets are
 * not in libdranet.a, so the file is compiled into this test.
 */
#include "../../applets/flags.c"

#include "t.h"

static int gates(const char *arg, struct applet_gates *g, char *err)
{
	*g = (struct applet_gates){ 0 };
	err[0] = '\0';
	return applet_parse_feature_gates(arg, g, err, 160);
}

static void test_gates_ok(void)
{
	struct applet_gates g;
	char err[160];

	CHECK_EQ(gates("", &g, err), 0);
	CHECK(!g.list_type_attributes && !g.persistent_slice_attributes);
	CHECK_EQ(gates("DRAListTypeAttributes=true", &g, err), 0);
	CHECK(g.list_type_attributes && !g.persistent_slice_attributes);
	CHECK_EQ(gates(" DRAListTypeAttributes = T , PersistentResourceSliceAttributes=1", &g, err),
		 0);
	CHECK(g.list_type_attributes && g.persistent_slice_attributes);
	CHECK_EQ(gates("DRAListTypeAttributes=true,DRAListTypeAttributes=false", &g, err), 0);
	CHECK(!g.list_type_attributes);
	/* Empty entries are skipped, as component-base does. */
	CHECK_EQ(gates(",,PersistentResourceSliceAttributes=TRUE,", &g, err), 0);
	CHECK(g.persistent_slice_attributes);
}

static void test_gates_all_alpha(void)
{
	struct applet_gates g;
	char err[160];

	CHECK_EQ(gates("AllAlpha=true", &g, err), 0);
	CHECK(g.list_type_attributes && g.persistent_slice_attributes);
	/* A gate named explicitly wins over AllAlpha, in either order. */
	CHECK_EQ(gates("DRAListTypeAttributes=false,AllAlpha=true", &g, err), 0);
	CHECK(!g.list_type_attributes && g.persistent_slice_attributes);
	CHECK_EQ(gates("AllAlpha=true,DRAListTypeAttributes=false", &g, err), 0);
	CHECK(!g.list_type_attributes && g.persistent_slice_attributes);
	/* Both gates are alpha: AllBeta changes nothing. */
	CHECK_EQ(gates("AllBeta=true", &g, err), 0);
	CHECK(!g.list_type_attributes && !g.persistent_slice_attributes);
}

static void test_gates_errors(void)
{
	struct applet_gates g;
	char err[160];

	CHECK_EQ(gates("NoSuchGate=true", &g, err), -EINVAL);
	CHECK_STR(err, "unrecognized feature gate: NoSuchGate");
	CHECK_EQ(gates("DRAListTypeAttributes", &g, err), -EINVAL);
	CHECK_STR(err, "missing bool value for DRAListTypeAttributes");
	CHECK_EQ(gates("DRAListTypeAttributes=yes", &g, err), -EINVAL);
	CHECK(strstr(err, "invalid value of DRAListTypeAttributes=yes") != NULL);
	CHECK_EQ(gates("DRAListTypeAttributes=", &g, err), -EINVAL);
	/* Names are case-sensitive. */
	CHECK_EQ(gates("dralisttypeattributes=true", &g, err), -EINVAL);
	/* An error anywhere fails the whole value. */
	CHECK_EQ(gates("DRAListTypeAttributes=true,Bogus=false", &g, err), -EINVAL);
	CHECK_EQ(gates("DRAListTypeAttributes=true=false", &g, err), -EINVAL);
}

static void test_node_name(void)
{
	char out[256], host[256];

	CHECK_EQ(applet_node_name("  Node-A.Example.COM \n", out, sizeof(out)), 0);
	CHECK_STR(out, "node-a.example.com");
	CHECK_EQ(applet_node_name(" \t ", out, sizeof(out)), -EINVAL);
	CHECK_EQ(applet_node_name("abcdef", out, 6), -EMSGSIZE);
	CHECK_EQ(applet_node_name("abcde", out, 6), 0);
	CHECK_STR(out, "abcde");
	/* No override: the kernel's hostname, lower-cased. */
	REQUIRE(gethostname(host, sizeof(host)) == 0);
	CHECK_EQ(applet_node_name(NULL, out, sizeof(out)), 0);
	for (char *p = host; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	CHECK_STR(out, host);
	CHECK_EQ(applet_node_name("", out, sizeof(out)), 0);
	/* what the API server takes as a node name (DNS-1123 subdomain) */
	CHECK(applet_is_node_name("node-1.example.com"));
	CHECK(applet_is_node_name("a"));
	CHECK(!applet_is_node_name(""));
	CHECK(!applet_is_node_name("bad_node..name"));
	CHECK(!applet_is_node_name("a..b"));
	CHECK(!applet_is_node_name("-a"));
	CHECK(!applet_is_node_name("a-"));
	CHECK(!applet_is_node_name("a.-b"));
	CHECK(!applet_is_node_name("a-.b"));
	CHECK(!applet_is_node_name(".a"));
	CHECK(!applet_is_node_name("a."));
	CHECK(!applet_is_node_name("Node"));
	CHECK_STR(out, host);
}

static void test_bool(void)
{
	bool b = false;

	CHECK_EQ(applet_parse_bool(NULL, &b), 0);
	CHECK(b);
	CHECK_EQ(applet_parse_bool("false", &b), 0);
	CHECK(!b);
	CHECK_EQ(applet_parse_bool("T", &b), 0);
	CHECK(b);
	CHECK_EQ(applet_parse_bool("yes", &b), -EINVAL);
	CHECK_EQ(applet_parse_bool("", &b), -EINVAL);
}

static void test_duration(void)
{
	uint64_t ms = 0;

	CHECK_EQ(applet_parse_duration_ms("2s", &ms), 0);
	CHECK_EQ(ms, 2000);
	CHECK_EQ(applet_parse_duration_ms("1m30s", &ms), 0);
	CHECK_EQ(ms, 90000);
	CHECK_EQ(applet_parse_duration_ms("500ms", &ms), 0);
	CHECK_EQ(ms, 500);
	CHECK_EQ(applet_parse_duration_ms("0", &ms), 0);
	CHECK_EQ(ms, 0);
	CHECK_EQ(applet_parse_duration_ms("2", &ms), -EINVAL);
	CHECK_EQ(applet_parse_duration_ms("-1s", &ms), -EINVAL);
	CHECK_EQ(applet_parse_duration_ms("", &ms), -EINVAL);
	/* strtod would skip white space and read signs, hex and inf; Go does not. */
	CHECK_EQ(applet_parse_duration_ms(" -1s", &ms), -EINVAL);
	CHECK_EQ(applet_parse_duration_ms("\r1s", &ms), -EINVAL);
	CHECK_EQ(applet_parse_duration_ms("0x10s", &ms), -EINVAL);
	CHECK_EQ(applet_parse_duration_ms("infs", &ms), -EINVAL);
	CHECK_EQ(applet_parse_duration_ms("1s+2s", &ms), -EINVAL);
	CHECK_EQ(applet_parse_duration_ms("1.5s", &ms), 0);
	CHECK_EQ(ms, 1500);
}

static const struct t_case tests[] = {
	T(test_gates_ok), T(test_gates_all_alpha), T(test_gates_errors), T(test_node_name),
	T(test_bool),	  T(test_duration),
};

int main(void)
{
	return T_RUN(tests);
}
