// SPDX-License-Identifier: Apache-2.0
/*
 * lib/k8s rest.c and resources.c: escaping and targets (vectors from Go's
 * net/url), Status bodies (as the API server peer sends them), errno
 * mapping, Retry-After, the backoff schedule, the watch line splitter at
 * every chunk boundary, watch events, discovery, the v1 ⇄ v1beta1 slice
 * shapes, lists and Nodes; the call builders' targets and bodies.
 */
#include "k8s/k8s.h"

#include <errno.h>
#include <stdlib.h>

#include "json/json.h"
#include "t.h"

static const char *esc(bool path, const char *s)
{
	static struct buf b;

	buf_fini(&b);
	buf_init(&b, 4096);
	if ((path ? k8s_escape_path(&b, s) : k8s_escape_query(&b, s)) != 0)
		return "(error)";
	return b.p ? b.p : "";
}

static void test_escape(void)
{
	/* url.QueryEscape / url.PathEscape outputs of Go 1.19 */
	CHECK_STR(esc(false, "spec.nodeName=node1,spec.driver=dra.net"),
		  "spec.nodeName%3Dnode1%2Cspec.driver%3Ddra.net");
	CHECK_STR(esc(false, "a b/c?d&e#f+g~h"), "a+b%2Fc%3Fd%26e%23f%2Bg~h");
	CHECK_STR(esc(false, "ü"), "%C3%BC");
	CHECK_STR(esc(false, ""), "");
	CHECK_STR(esc(true, "node1-dra.net-abcde"), "node1-dra.net-abcde");
	CHECK_STR(esc(true, "a b/c"), "a%20b%2Fc");
	CHECK_STR(esc(true, "a:b@c=d+e$f&g"), "a:b@c=d+e$f&g");
	CHECK_STR(esc(true, "x;y,z?w!'()*"), "x%3By%2Cz%3Fw%21%27%28%29%2A");
	CHECK_STR(esc(true, "%2F"), "%252F");
	CHECK_STR(esc(true, ""), "(error)");
	CHECK_STR(esc(true, "."), "(error)");
	CHECK_STR(esc(true, ".."), "(error)");
	CHECK_STR(esc(true, "..."), "...");
}

static void test_target(void)
{
	struct buf b;
	const char *segs[] = { "apis", "resource.k8s.io", "v1", "resourceslices", "a/b" };
	const struct k8s_query q[] = { { "fieldSelector", "spec.nodeName=n 1" },
				       { "continue", NULL },
				       { "limit", "500" } };
	const struct k8s_query bad[] = { { "field=x", "y" } };
	char big[5000];

	buf_init(&b, 1 << 16);
	REQUIRE(k8s_target(&b, "", segs, 5, q, 3) == 0);
	CHECK_STR(b.p,
		  "/apis/resource.k8s.io/v1/resourceslices/a%2Fb?fieldSelector=spec.nodeName%3Dn+1"
		  "&limit=500");
	REQUIRE(k8s_target(&b, "/prefix/k8s", segs, 2, NULL, 0) == 0);
	CHECK_STR(b.p, "/prefix/k8s/apis/resource.k8s.io");
	REQUIRE(k8s_target(&b, NULL, segs, 0, q + 2, 1) == 0);
	CHECK_STR(b.p, "/?limit=500");
	CHECK_EQ(k8s_target(&b, NULL, segs, 1, bad, 1), -EINVAL);
	CHECK_EQ(k8s_target(&b, "prefix", segs, 1, NULL, 0), -EINVAL);
	CHECK_EQ(k8s_target(&b, "/a?b", segs, 1, NULL, 0), -EINVAL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	segs[4] = big;
	CHECK_EQ(k8s_target(&b, NULL, segs, 5, NULL, 0), -EMSGSIZE);
	segs[4] = "..";
	CHECK_EQ(k8s_target(&b, NULL, segs, 5, NULL, 0), -EINVAL);
	buf_fini(&b);
}

/* Bodies as tests/peers/k8s/apiserver.py sends them. */
static const char status_403[] =
	"{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
	"\"message\":\"pods \\\"p1\\\" is forbidden: User \\\"system:serviceaccount:kube-system:"
	"dranet\\\" cannot get resource \\\"pods\\\" in API group \\\"\\\" in the namespace "
	"\\\"default\\\"\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"p1\",\"kind\":\"pods\"},"
	"\"code\":403}\n";
static const char status_429[] =
	"{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
	"\"message\":\"Too many requests, please try again later.\",\"reason\":\"TooManyRequests\","
	"\"details\":{\"retryAfterSeconds\":3,\"causes\":[{\"message\":\"x\"}]},\"code\":429,"
	"\"newField\":[1,2,3]}";

static void test_status(void)
{
	struct arena *a = arena_new(1 << 20);
	struct k8s_status st;

	REQUIRE(a);
	REQUIRE(k8s_status_parse(status_403, strlen(status_403), a, &st) == 0);
	CHECK_EQ(st.code, 403);
	CHECK_STR(st.reason, "Forbidden");
	CHECK_STR(st.status, "Failure");
	CHECK_STR(st.name, "p1");
	CHECK_STR(st.kind, "pods");
	CHECK(strstr(st.message, "cannot get resource \"pods\"") != NULL);
	/* unknown members anywhere are ignored: the server's schema, not ours */
	REQUIRE(k8s_status_parse(status_429, strlen(status_429), a, &st) == 0);
	CHECK_EQ(st.retry_after_s, 3);
	CHECK_STR(st.reason, "TooManyRequests");
	CHECK_EQ(k8s_status_parse("{\"kind\":\"Pod\"}", 14, a, &st), -EBADMSG);
	CHECK_EQ(k8s_status_parse("{}", 2, a, &st), -EBADMSG);
	CHECK_EQ(k8s_status_parse("not json", 8, a, &st), -EBADMSG);
	CHECK_EQ(k8s_status_parse("", 0, a, &st), -EBADMSG);
	CHECK_EQ(k8s_status_parse("{\"kind\":\"Status\",\"code\":\"403\"}", 30, a, &st), -EBADMSG);
	CHECK_EQ(k8s_status_parse("[1]", 3, a, &st), -EBADMSG);
	/* truncation at every offset never crashes and never succeeds early */
	for (size_t i = 0; i < strlen(status_403) - 1; i++)
		CHECK_EQ(k8s_status_parse(status_403, i, a, &st), -EBADMSG);
	arena_free(a);
}

static void test_errno(void)
{
	CHECK_EQ(k8s_errno_from_status(200, NULL), 0);
	CHECK_EQ(k8s_errno_from_status(201, NULL), 0);
	CHECK_EQ(k8s_errno_from_status(400, NULL), -EINVAL);
	CHECK_EQ(k8s_errno_from_status(401, NULL), -EPERM);
	CHECK_EQ(k8s_errno_from_status(403, "Forbidden"), -EACCES);
	CHECK_EQ(k8s_errno_from_status(404, "NotFound"), -ENOENT);
	CHECK_EQ(k8s_errno_from_status(409, "AlreadyExists"), -EEXIST);
	CHECK_EQ(k8s_errno_from_status(409, "Conflict"), -ESTALE);
	CHECK_EQ(k8s_errno_from_status(409, NULL), -ESTALE);
	CHECK_EQ(k8s_errno_from_status(410, "Expired"), -ETIME);
	CHECK_EQ(k8s_errno_from_status(415, NULL), -EOPNOTSUPP);
	CHECK_EQ(k8s_errno_from_status(422, "Invalid"), -EINVAL);
	CHECK_EQ(k8s_errno_from_status(429, NULL), -EBUSY);
	CHECK_EQ(k8s_errno_from_status(500, NULL), -EIO);
	CHECK_EQ(k8s_errno_from_status(503, NULL), -EIO);
	CHECK_EQ(k8s_errno_from_status(504, NULL), -ETIMEDOUT);
	CHECK_EQ(k8s_errno_from_status(302, NULL), -EPROTO);
}

static void test_retry_after(void)
{
	CHECK_EQ(k8s_retry_after_parse("1"), 1);
	CHECK_EQ(k8s_retry_after_parse("0"), 0);
	CHECK_EQ(k8s_retry_after_parse(" 7 "), 7);
	CHECK_EQ(k8s_retry_after_parse("60"), 60);
	CHECK_EQ(k8s_retry_after_parse("61"), K8S_RETRY_AFTER_MAX_S);
	CHECK_EQ(k8s_retry_after_parse("99999999999999999999999"), K8S_RETRY_AFTER_MAX_S);
	CHECK_EQ(k8s_retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT"), -EINVAL);
	CHECK_EQ(k8s_retry_after_parse("-1"), -EINVAL);
	CHECK_EQ(k8s_retry_after_parse("1.5"), -EINVAL);
	CHECK_EQ(k8s_retry_after_parse(""), -EINVAL);
	CHECK_EQ(k8s_retry_after_parse(NULL), -EINVAL);
}

static void test_backoff(void)
{
	uint32_t prev_max = 0;

	/* no jitter (rnd 0): 250, 500, 1000, 2000, 4000, 8000, 8000 */
	CHECK_EQ(k8s_backoff_ms(1, 0), 250);
	CHECK_EQ(k8s_backoff_ms(2, 0), 500);
	CHECK_EQ(k8s_backoff_ms(3, 0), 1000);
	CHECK_EQ(k8s_backoff_ms(5, 0), 4000);
	CHECK_EQ(k8s_backoff_ms(6, 0), 8000);
	CHECK_EQ(k8s_backoff_ms(7, 0), 8000);
	CHECK_EQ(k8s_backoff_ms(1000, 0), 8000);
	CHECK_EQ(k8s_backoff_ms(0, 0), 250);
	/* jitter takes off at most half */
	for (unsigned at = 1; at < 10; at++) {
		uint32_t max = k8s_backoff_ms(at, 0);

		CHECK(max >= prev_max);
		prev_max = max;
		for (uint32_t r = 0; r < 5000; r += 7) {
			uint32_t v = k8s_backoff_ms(at, r * 2654435761u);

			CHECK(v <= max && v >= max / 2);
		}
		CHECK_EQ(k8s_backoff_ms(at, max / 2), max - max / 2);
	}
	/* the same random bits give the same wait */
	CHECK_EQ(k8s_backoff_ms(3, 12345), k8s_backoff_ms(3, 12345));
}

static const char stream[] =
	"{\"type\":\"ADDED\",\"object\":{\"kind\":\"ResourceSlice\",\"metadata\":{\"name\":\"s1\","
	"\"resourceVersion\":\"7\",\"uid\":\"u1\"}}}\n"
	"{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"ResourceSlice\",\"apiVersion\":"
	"\"resource.k8s.io/v1\",\"metadata\":{\"resourceVersion\":\"9\",\"creationTimestamp\":null},"
	"\"spec\":{\"driver\":\"\",\"pool\":{\"name\":\"\",\"generation\":0,"
	"\"resourceSliceCount\":0}}}}\r\n"
	"\n"
	"{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
	"\"status\":\"Failure\",\"message\":\"too old resource version: 5 (20)\",\"reason\":"
	"\"Expired\",\"code\":410}}\n";

/* Feed @s in pieces cut at @a and @b; collect the lines joined by '|'. */
static int split(const char *s, size_t n, size_t cut1, size_t cut2, size_t max, struct buf *out)
{
	struct k8s_lines l;
	size_t cuts[] = { 0, cut1, cut2, n };
	int ret = 0;

	k8s_lines_init(&l, max);
	buf_reset(out);
	for (size_t i = 0; i + 1 < ARRAY_SIZE(cuts) && ret >= 0; i++) {
		struct rd r = rd_init(s + cuts[i], cuts[i + 1] - cuts[i]);
		struct slice line;

		while ((ret = k8s_lines_push(&l, &r, &line)) == 1)
			if (buf_put(out, line.p, line.len) || buf_putc(out, '|'))
				ret = -ENOMEM;
		if (ret == -EAGAIN)
			ret = 0;
		CHECK(ret < 0 || rd_left(&r) == 0);
	}
	k8s_lines_fini(&l);
	return ret;
}

static void test_lines(void)
{
	size_t n = strlen(stream);
	struct buf whole, got;
	struct k8s_lines l;
	struct rd r;
	struct slice line;
	int lines = 0;

	buf_init(&whole, 1 << 16);
	buf_init(&got, 1 << 16);
	REQUIRE(split(stream, n, 0, 0, 4096, &whole) == 0);
	for (const char *p = whole.p; (p = strchr(p, '|')); p++)
		lines++;
	CHECK_EQ(lines, 3);
	CHECK(strstr(whole.p, "\r") == NULL);
	/* every pair of cut points gives the same lines */
	for (size_t i = 0; i <= n; i += 3)
		for (size_t j = i; j <= n; j += 5) {
			REQUIRE(split(stream, n, i, j, 4096, &got) == 0);
			if (strcmp(got.p, whole.p) != 0) {
				T_FAIL("cut at %zu,%zu: %s", i, j, got.p);
				return;
			}
		}
	/* byte at a time */
	k8s_lines_init(&l, 4096);
	lines = 0;
	for (size_t i = 0; i < n; i++) {
		r = rd_init(stream + i, 1);
		if (k8s_lines_push(&l, &r, &line) == 1)
			lines++;
	}
	CHECK_EQ(lines, 3);
	/* no newline yet: nothing */
	k8s_lines_reset(&l);
	r = rd_init("{\"a\":1}", 7);
	CHECK_EQ(k8s_lines_push(&l, &r, &line), -EAGAIN);
	r = rd_init("\n", 1);
	CHECK_EQ(k8s_lines_push(&l, &r, &line), 1);
	CHECK(slice_eq_str(line, "{\"a\":1}"));
	k8s_lines_fini(&l);
	/* a line exactly at the cap passes, one byte over fails */
	k8s_lines_init(&l, 8);
	r = rd_init("12345678\n123456789\n", 19);
	CHECK_EQ(k8s_lines_push(&l, &r, &line), 1);
	CHECK_EQ(line.len, 8);
	CHECK_EQ(k8s_lines_push(&l, &r, &line), -EMSGSIZE);
	k8s_lines_fini(&l);
	buf_fini(&whole);
	buf_fini(&got);
}

static void test_watch_event(void)
{
	struct arena *a = arena_new(1 << 20);
	struct k8s_watch_event ev;
	struct json *tree = NULL;
	const char *l1 = strchr(stream, '\n'), *l2 = strchr(l1 + 1, '\n'), *l3;

	REQUIRE(a);
	REQUIRE(k8s_watch_event_decode(stream, (size_t)(l1 - stream), a, &ev, &tree) == 0);
	CHECK_EQ(ev.type, K8S_WATCH_ADDED);
	CHECK_STR(ev.meta.name, "s1");
	CHECK_STR(ev.meta.uid, "u1");
	CHECK_STR(ev.meta.resource_version, "7");
	CHECK(json_type_of(ev.object) == JSON_OBJECT);
	json_free(tree);
	REQUIRE(k8s_watch_event_decode(l1 + 1, (size_t)(l2 - l1 - 2), a, &ev, &tree) == 0);
	CHECK_EQ(ev.type, K8S_WATCH_BOOKMARK);
	CHECK_STR(ev.meta.resource_version, "9");
	CHECK(ev.meta.name == NULL);
	json_free(tree);
	l3 = l2 + 2;
	REQUIRE(k8s_watch_event_decode(l3, strlen(l3) - 1, a, &ev, &tree) == 0);
	CHECK_EQ(ev.type, K8S_WATCH_ERROR);
	CHECK_EQ(ev.status.code, 410);
	CHECK_STR(ev.status.reason, "Expired");
	json_free(tree);
#define BAD(s)                                                                                     \
	do {                                                                                       \
		CHECK_EQ(k8s_watch_event_decode(s, strlen(s), a, &ev, &tree), -EBADMSG);           \
		CHECK(tree == NULL);                                                               \
	} while (0)
	BAD("");
	BAD("{");
	BAD("{\"type\":\"ADDED\"}");
	BAD("{\"type\":\"ADDED\",\"object\":[]}");
	BAD("{\"type\":\"UPSERTED\",\"object\":{\"metadata\":{\"resourceVersion\":\"1\"}}}");
	BAD("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"x\"}}}");
	BAD("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"resourceVersion\":7}}}");
	BAD("{\"type\":1,\"object\":{}}");
#undef BAD
	CHECK_STR(k8s_watch_type_name(K8S_WATCH_DELETED), "DELETED");
	CHECK_STR(k8s_watch_type_name((enum k8s_watch_type)99), "?");
	arena_free(a);
}

static void test_discovery(void)
{
	static const char all[] =
		"{\"kind\":\"APIGroup\",\"apiVersion\":\"v1\",\"name\":\"resource.k8s.io\","
		"\"versions\":[{\"groupVersion\":\"resource.k8s.io/v1beta1\",\"version\":\"v1beta1\"},"
		"{\"groupVersion\":\"resource.k8s.io/v1\",\"version\":\"v1\"},"
		"{\"groupVersion\":\"resource.k8s.io/v1beta2\",\"version\":\"v1beta2\"}],"
		"\"preferredVersion\":{\"groupVersion\":\"resource.k8s.io/v1\",\"version\":\"v1\"}}";
	static const char beta[] =
		"{\"kind\":\"APIGroup\",\"name\":\"resource.k8s.io\",\"versions\":["
		"{\"version\":\"v1alpha3\"},{\"version\":\"v1beta1\"},{\"version\":\"v1beta2\"}]}";
	static const char beta1[] = "{\"kind\":\"APIGroup\",\"name\":\"resource.k8s.io\","
				    "\"versions\":[{\"version\":\"v1beta1\"}]}";
	static const char alpha[] = "{\"kind\":\"APIGroup\",\"name\":\"resource.k8s.io\","
				    "\"versions\":[{\"version\":\"v1alpha3\"}]}";

	CHECK_EQ(k8s_discovery_pick(all, strlen(all)), K8S_RES_V1);
	CHECK_EQ(k8s_discovery_pick(beta, strlen(beta)), K8S_RES_V1BETA2);
	CHECK_EQ(k8s_discovery_pick(beta1, strlen(beta1)), K8S_RES_V1BETA1);
	CHECK_EQ(k8s_discovery_pick(alpha, strlen(alpha)), -ENOENT);
	CHECK_EQ(k8s_discovery_pick("{\"kind\":\"APIGroupList\"}", 23), -EBADMSG);
	CHECK_EQ(k8s_discovery_pick("{\"kind\":\"APIGroup\",\"name\":\"x\"}", 30), -EBADMSG);
	CHECK_EQ(k8s_discovery_pick("nope", 4), -EBADMSG);
	CHECK_STR(k8s_res_version_name(K8S_RES_V1BETA1), "v1beta1");
	CHECK_EQ(k8s_res_version_parse("v1beta2"), K8S_RES_V1BETA2);
	CHECK_EQ(k8s_res_version_parse("v2"), K8S_RES_NONE);
}

static const char slice_v1[] =
	"{\"apiVersion\":\"resource.k8s.io/v1\",\"kind\":\"ResourceSlice\",\"metadata\":"
	"{\"generateName\":\"node1-dra.net-\"},\"spec\":{\"devices\":[{\"attributes\":"
	"{\"dra.net/ifName\":{\"string\":\"eth1\"},\"dra.net/mtu\":{\"int\":1500}},\"capacity\":"
	"{\"dra.net/bw\":{\"value\":\"10G\"}},\"name\":\"eth1\"},{\"name\":\"eth2\"}],\"driver\":"
	"\"dra.net\",\"nodeName\":\"node1\",\"pool\":{\"generation\":1,\"name\":\"node1\","
	"\"resourceSliceCount\":1}}}";

static char *print(const struct json *v)
{
	static struct buf b;

	buf_fini(&b);
	buf_init(&b, 1 << 20);
	if (json_print(v, JSON_COMPACT, &b))
		return NULL;
	return b.p;
}

static void test_slice_shapes(void)
{
	struct json *v1 = NULL, *b1 = NULL, *back = NULL, *b2 = NULL, *bad = NULL;
	const struct json *d0;
	const char *s;

	REQUIRE(json_parse(slice_v1, strlen(slice_v1), &v1, NULL) == 0);
	REQUIRE(k8s_slice_to_version(v1, K8S_RES_V1BETA1, &b1) == 0);
	CHECK_STR(
		print(b1),
		"{\"apiVersion\":\"resource.k8s.io/v1beta1\",\"kind\":\"ResourceSlice\",\"metadata\":"
		"{\"generateName\":\"node1-dra.net-\"},\"spec\":{\"devices\":[{\"basic\":{\"attributes\":"
		"{\"dra.net/ifName\":{\"string\":\"eth1\"},\"dra.net/mtu\":{\"int\":1500}},\"capacity\":"
		"{\"dra.net/bw\":{\"value\":\"10G\"}}},\"name\":\"eth1\"},{\"basic\":{},\"name\":\"eth2\"}],"
		"\"driver\":\"dra.net\",\"nodeName\":\"node1\",\"pool\":{\"generation\":1,\"name\":"
		"\"node1\",\"resourceSliceCount\":1}}}");
	d0 = json_at(json_get(json_get(b1, "spec"), "devices"), 0);
	CHECK(json_get(d0, "attributes") == NULL);
	/* and back: the same document */
	REQUIRE(k8s_slice_to_v1(b1, K8S_RES_V1BETA1, &back) == 0);
	CHECK_STR(print(back), slice_v1);
	/* v1beta2 is v1's shape under another apiVersion */
	REQUIRE(k8s_slice_to_version(v1, K8S_RES_V1BETA2, &b2) == 0);
	CHECK(strstr(print(b2), "\"apiVersion\":\"resource.k8s.io/v1beta2\"") != NULL);
	CHECK(strstr(print(b2), "\"basic\"") == NULL);
	json_free(back);
	REQUIRE(k8s_slice_to_v1(b2, K8S_RES_V1BETA2, &back) == 0);
	CHECK_STR(print(back), slice_v1);
	json_free(b2);
	/* not a slice */
	REQUIRE(json_parse("{\"spec\":{\"devices\":[1]}}", 24, &bad, NULL) == 0);
	CHECK_EQ(k8s_slice_to_version(bad, K8S_RES_V1BETA1, &b2), -EINVAL);
	CHECK_EQ(k8s_slice_to_version(v1, K8S_RES_NONE, &b2), -EINVAL);
	json_free(bad);
	s = "{\"spec\":{\"devices\":[{\"name\":\"x\",\"basic\":1}]}}";
	REQUIRE(json_parse(s, strlen(s), &bad, NULL) == 0);
	CHECK_EQ(k8s_slice_to_v1(bad, K8S_RES_V1BETA1, &b2), -EINVAL);
	json_free(bad);
	json_free(back);
	json_free(b1);
	json_free(v1);
}

static void test_list_and_node(void)
{
	static const char list[] =
		"{\"kind\":\"ResourceSliceList\",\"apiVersion\":\"resource.k8s.io/v1\",\"metadata\":"
		"{\"resourceVersion\":\"42\",\"continue\":\"abc\"},\"items\":[{\"metadata\":{\"name\":"
		"\"s1\"}},{\"metadata\":{\"name\":\"s2\"}}]}";
	static const char node[] =
		"{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"node1\",\"uid\":"
		"\"u-1\",\"resourceVersion\":\"3\",\"labels\":{\"a\":\"b\"}},\"spec\":{},\"status\":"
		"{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"192.0.2.10\"},{\"type\":"
		"\"Hostname\",\"address\":\"node1\"}],\"capacity\":{\"cpu\":\"4\"}}}";
	struct arena *a = arena_new(1 << 20);
	struct k8s_list l;
	struct k8s_node n;
	struct json *tree = NULL;

	REQUIRE(a);
	REQUIRE(k8s_list_decode(list, strlen(list), a, &l, &tree) == 0);
	CHECK_STR(l.resource_version, "42");
	CHECK_STR(l.cont, "abc");
	CHECK_EQ(l.count, 2);
	json_free(tree);
	CHECK_EQ(k8s_list_decode("{\"items\":[]}", 12, a, &l, &tree), -EBADMSG);
	CHECK_EQ(k8s_list_decode("{\"metadata\":{},\"items\":{}}", 26, a, &l, &tree), -EBADMSG);
	CHECK(tree == NULL);
	REQUIRE(k8s_list_decode("{\"metadata\":{},\"items\":null}", 28, a, &l, &tree) == 0);
	CHECK_EQ(l.count, 0);
	json_free(tree);
	REQUIRE(k8s_node_decode(node, strlen(node), a, &n) == 0);
	CHECK_STR(n.meta.name, "node1");
	CHECK_STR(n.meta.uid, "u-1");
	REQUIRE(n.naddrs == 2);
	CHECK_STR(n.addrs[0].type, "InternalIP");
	CHECK_STR(n.addrs[0].address, "192.0.2.10");
	CHECK_EQ(k8s_node_decode("{\"metadata\":{\"name\":\"n\"}}", 25, a, &n), -EBADMSG);
	CHECK_EQ(k8s_node_decode("{\"metadata\":{\"name\":1}}", 23, a, &n), -EBADMSG);
	arena_free(a);
}

/* The call builders, on a client that never connects. */
static void test_calls(void)
{
	struct k8s_config cfg = { 0 };
	struct k8s_config_err err;
	struct k8s_client *c = NULL;
	struct arena *a = arena_new(1 << 20);
	struct k8s_call call;
	struct json *v1 = NULL, *devs = NULL;
	static const char kc[] = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
				 "    server: http://127.0.0.1:1/base\nusers:\n- name: u\n  user:\n"
				 "    token: t0\ncontexts:\n- name: x\n  context:\n    cluster: c\n"
				 "    user: u\ncurrent-context: x\n";
	static const char ours[] =
		"[{\"driver\":\"dra.net\",\"pool\":\"node1\",\"device\":\"eth1\"}]";
	static const char theirs[] =
		"[{\"driver\":\"gpu.example.com\",\"pool\":\"p\",\"device\":\"g\"}]";

	REQUIRE(a);
	REQUIRE(k8s_config_parse_kubeconfig(&cfg, kc, strlen(kc), NULL, NULL, NULL, &err) == 0);
	REQUIRE(k8s_client_new(&cfg, NULL, &c) == 0);
	CHECK_EQ(k8s_client_version(c), K8S_RES_V1);
	REQUIRE(k8s_call_slices_list(c, "node1", "dra.net", a, &call) == 0);
	CHECK_STR(call.method, "GET");
	CHECK_STR(call.target, "/base/apis/resource.k8s.io/v1/resourceslices?fieldSelector="
			       "spec.nodeName%3Dnode1%2Cspec.driver%3Ddra.net");
	CHECK(call.idempotent);
	k8s_client_set_version(c, K8S_RES_V1BETA1);
	REQUIRE(json_parse(slice_v1, strlen(slice_v1), &v1, NULL) == 0);
	REQUIRE(k8s_call_slice_update(c, "node1-dra.net-x", v1, a, &call) == 0);
	CHECK_STR(call.method, "PUT");
	CHECK(call.conflict_reread);
	CHECK_STR(call.target, "/base/apis/resource.k8s.io/v1beta1/resourceslices/node1-dra.net-x");
	CHECK(strstr(call.body, "\"basic\":{\"attributes\"") != NULL);
	CHECK(strstr(call.body, "\"name\":\"node1-dra.net-x\"") != NULL);
	REQUIRE(k8s_call_slice_create(c, v1, a, &call) == 0);
	CHECK(!call.idempotent);
	CHECK_STR(call.target, "/base/apis/resource.k8s.io/v1beta1/resourceslices");
	REQUIRE(k8s_call_slice_delete(c, "s1", "u1", "5", a, &call) == 0);
	CHECK_STR(call.body, "{\"apiVersion\":\"v1\",\"kind\":\"DeleteOptions\",\"preconditions\":"
			     "{\"resourceVersion\":\"5\",\"uid\":\"u1\"}}");
	k8s_client_set_version(c, K8S_RES_V1);
	REQUIRE(k8s_call_pod_get(c, "default", "p/1", a, &call) == 0);
	CHECK_STR(call.target, "/base/api/v1/namespaces/default/pods/p%2F1");
	CHECK_EQ(k8s_call_node_get(c, "", a, &call), -EINVAL);
	CHECK_EQ(k8s_call_claim_get(c, NULL, "c", a, &call), -EINVAL);
	REQUIRE(json_parse(ours, strlen(ours), &devs, NULL) == 0);
	REQUIRE(k8s_call_claim_status_apply(c, "ns1", "c1", "dra.net", devs, a, &call) == 0);
	CHECK_STR(call.method, "PATCH");
	CHECK_STR(call.content_type, "application/apply-patch+yaml");
	CHECK_STR(call.target, "/base/apis/resource.k8s.io/v1/namespaces/ns1/resourceclaims/c1/"
			       "status?fieldManager=dra.net&force=true");
	CHECK_STR(call.body, "{\"apiVersion\":\"resource.k8s.io/v1\",\"kind\":\"ResourceClaim\","
			     "\"metadata\":{\"name\":\"c1\",\"namespace\":\"ns1\"},\"status\":"
			     "{\"devices\":[{\"device\":\"eth1\",\"driver\":\"dra.net\",\"pool\":"
			     "\"node1\"}]}}");
	json_free(devs);
	REQUIRE(json_parse(theirs, strlen(theirs), &devs, NULL) == 0);
	CHECK_EQ(k8s_call_claim_status_apply(c, "ns1", "c1", "dra.net", devs, a, &call), -EINVAL);
	json_free(devs);
	json_free(v1);
	k8s_client_free(c);
	k8s_config_fini(&cfg);
	arena_free(a);
}

int main(void)
{
	static const struct t_case tests[] = {
		T(test_escape),	      T(test_target),	     T(test_status),
		T(test_errno),	      T(test_retry_after),   T(test_backoff),
		T(test_lines),	      T(test_watch_event),   T(test_discovery),
		T(test_slice_shapes), T(test_list_and_node), T(test_calls),
	};

	return T_RUN(tests);
}
