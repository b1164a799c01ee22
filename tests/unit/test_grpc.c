/* SPDX-License-Identifier: Apache-2.0 */
/* lib/grpc: status mapping, grpc-timeout, percent-encoding, framing, calls. */
#include "grpc/grpc.h"

#include <errno.h>
#include <stdlib.h>

#include "proto/pluginregistration.pb-c.h"
#include "t.h"

static struct slice S(const char *s) {
	struct slice x = { (const uint8_t *)s, strlen(s) };
	return x;
}

static void
test_status(void)
{
	CHECK_EQ(grpc_status_from_err(0), GRPC_OK);
	CHECK_EQ(grpc_status_from_err(-EBADMSG), GRPC_INVALID_ARGUMENT);
	CHECK_EQ(grpc_status_from_err(-EMSGSIZE), GRPC_RESOURCE_EXHAUSTED);
	CHECK_EQ(grpc_status_from_err(-ENOMEM), GRPC_RESOURCE_EXHAUSTED);
	CHECK_EQ(grpc_status_from_err(-ENOSYS), GRPC_UNIMPLEMENTED);
	CHECK_EQ(grpc_status_from_err(-EPROTONOSUPPORT), GRPC_UNIMPLEMENTED);
	CHECK_EQ(grpc_status_from_err(-ETIMEDOUT), GRPC_DEADLINE_EXCEEDED);
	CHECK_EQ(grpc_status_from_err(-ECANCELED), GRPC_CANCELLED);
	CHECK_EQ(grpc_status_from_err(-ENOENT), GRPC_NOT_FOUND);
	CHECK_EQ(grpc_status_from_err(-EAGAIN), GRPC_UNAVAILABLE);
	CHECK_EQ(grpc_status_from_err(-EACCES), GRPC_PERMISSION_DENIED);
	CHECK_EQ(grpc_status_from_err(-EPROTO), GRPC_INTERNAL);
	CHECK_EQ(grpc_status_from_err(-EIO), GRPC_INTERNAL);
	CHECK_STR(grpc_status_name(0), "OK");
	CHECK_STR(grpc_status_name(12), "UNIMPLEMENTED");
	CHECK_STR(grpc_status_name(16), "UNAUTHENTICATED");
	CHECK_STR(grpc_status_name(17), "UNKNOWN_STATUS");
	CHECK_STR(grpc_status_name(-1), "UNKNOWN_STATUS");
}

static int tparse(const char *s, uint64_t *ns)
{
	return grpc_timeout_parse((const uint8_t *)s, strlen(s), ns);
}

static void test_timeout(void)
{
	uint64_t ns = 0;

	CHECK_EQ(tparse("1H", &ns), 0);
	CHECK(ns == 3600ull * 1000000000ull);
	CHECK_EQ(tparse("2M", &ns), 0);
	CHECK(ns == 120ull * 1000000000ull);
	CHECK_EQ(tparse("45S", &ns), 0);
	CHECK(ns == 45ull * 1000000000ull);
	CHECK_EQ(tparse("1000m", &ns), 0);
	CHECK(ns == 1000000000ull);
	CHECK_EQ(tparse("999871u", &ns), 0); /* what grpc-go sends for 1 s */
	CHECK(ns == 999871000ull);
	CHECK_EQ(tparse("5n", &ns), 0);
	CHECK(ns == 5);
	CHECK_EQ(tparse("0m", &ns), 0);
	CHECK(ns == 0);
	CHECK_EQ(tparse("99999999n", &ns), 0); /* 8 digits: the most */
	CHECK(ns == 99999999ull);
	CHECK_EQ(tparse("99999999H", &ns), 0); /* saturates */
	CHECK(ns == UINT64_MAX);
	CHECK_EQ(tparse("100000000n", &ns), -EINVAL); /* 9 digits */
	CHECK_EQ(tparse("", &ns), -EINVAL);
	CHECK_EQ(tparse("S", &ns), -EINVAL);
	CHECK_EQ(tparse("10", &ns), -EINVAL);
	CHECK_EQ(tparse("10s", &ns), -EINVAL); /* units are case-sensitive */
	CHECK_EQ(tparse("10x", &ns), -EINVAL);
	CHECK_EQ(tparse("-1S", &ns), -EINVAL);
	CHECK_EQ(tparse(" 1S", &ns), -EINVAL);
	CHECK_EQ(tparse("1 S", &ns), -EINVAL);
}

static void test_pct(void)
{
	char out[64];
	const uint8_t bin[] = { 'a', 0x00, 0x7f, 0x1f, 0xc3, 0xa9, '%', '~', ' ' };

	CHECK_EQ(grpc_pct_encode((const uint8_t *)"unknown method /a/b", 19, out, sizeof(out)), 19);
	CHECK_STR(out, "unknown method /a/b");
	CHECK_EQ(grpc_pct_encode(bin, sizeof(bin), out, sizeof(out)), 1 + 5 * 3 + 3 + 2);
	CHECK_STR(out, "a%00%7F%1F%C3%A9%25~ ");
	/* Cut, never inside a triple: "ab%0" would be wrong. */
	CHECK_EQ(grpc_pct_encode((const uint8_t *)"ab\ncd", 5, out, 5), 7);
	CHECK_STR(out, "ab");
	CHECK_EQ(grpc_pct_encode((const uint8_t *)"abc", 3, out, 0), 3);
	CHECK_EQ(grpc_pct_encode((const uint8_t *)"", 0, out, sizeof(out)), 0);
	CHECK_STR(out, "");
}

static void test_frame(void)
{
	struct arena *a = arena_new(1 << 20);
	struct grpc_frame_dec d;
	const char *why = NULL;
	uint8_t in[] = { 0, 0, 0, 0, 3, 'a', 'b', 'c', 0xee };

	REQUIRE(a);
	/* Whole message in one push; the byte after it is not consumed. */
	grpc_frame_dec_init(&d, GRPC_MSG_MAX);
	CHECK_EQ(grpc_frame_push(&d, a, in, sizeof(in), &why), 8);
	CHECK(d.done);
	CHECK_EQ(d.len, 3);
	CHECK_MEM(d.msg, "abc", 3);
	CHECK_EQ(grpc_frame_push(&d, a, in, sizeof(in), &why), 0);
	/* Byte by byte. */
	grpc_frame_dec_init(&d, GRPC_MSG_MAX);
	for (size_t i = 0; i < 8; i++) {
		CHECK(!d.done);
		CHECK_EQ(grpc_frame_push(&d, a, in + i, 1, &why), 1);
	}
	CHECK(d.done);
	CHECK_MEM(d.msg, "abc", 3);
	/* Empty message. */
	grpc_frame_dec_init(&d, GRPC_MSG_MAX);
	CHECK_EQ(grpc_frame_push(&d, a, in, 5, &why), 5);
	CHECK(!d.done);
	in[4] = 0;
	grpc_frame_dec_init(&d, GRPC_MSG_MAX);
	CHECK_EQ(grpc_frame_push(&d, a, in, 5, &why), 5);
	CHECK(d.done);
	CHECK_EQ(d.len, 0);
	/* Compressed flag, bad flag. */
	in[0] = 1;
	grpc_frame_dec_init(&d, GRPC_MSG_MAX);
	CHECK_EQ(grpc_frame_push(&d, a, in, 5, &why), -EPROTO);
	CHECK(strstr(why, "compression not supported"));
	in[0] = 2;
	grpc_frame_dec_init(&d, GRPC_MSG_MAX);
	CHECK_EQ(grpc_frame_push(&d, a, in, 5, &why), -EPROTO);
	/* Exactly at the limit: accepted, nothing allocated before data arrives. */
	grpc_frame_hdr_put(in, GRPC_MSG_MAX);
	CHECK_EQ(in[0], 0);
	CHECK_EQ(in[1], 0x00);
	CHECK_EQ(in[2], 0x40);
	grpc_frame_dec_init(&d, GRPC_MSG_MAX);
	CHECK_EQ(grpc_frame_push(&d, a, in, 5, &why), 5);
	CHECK(!d.msg);
	/* One over. */
	grpc_frame_hdr_put(in, GRPC_MSG_MAX + 1);
	grpc_frame_dec_init(&d, GRPC_MSG_MAX);
	CHECK_EQ(grpc_frame_push(&d, a, in, 5, &why), -EMSGSIZE);
	arena_free(a);
}

static void test_frame_big_and_caps(void)
{
	size_t n = GRPC_MSG_MAX;
	uint8_t *big = malloc(GRPC_FRAME_HDR + n);
	struct grpc_frame_dec d;
	const char *why = NULL;
	int ret = 0;

	REQUIRE(big);
	grpc_frame_hdr_put(big, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		big[GRPC_FRAME_HDR + i] = (uint8_t)(i * 7);
	/* 4 MiB in 16 KiB pieces, as DATA frames bring it. */
	struct arena *a = arena_new(GRPC_CALL_ARENA_CAP);
	REQUIRE(a);
	grpc_frame_dec_init(&d, GRPC_MSG_MAX);
	for (size_t off = 0; off < GRPC_FRAME_HDR + n; off += 16384) {
		size_t k = GRPC_FRAME_HDR + n - off < 16384 ? GRPC_FRAME_HDR + n - off : 16384;

		ret = grpc_frame_push(&d, a, big + off, k, &why);
		if (ret != (int)k)
			break;
	}
	CHECK(d.done);
	CHECK(d.done && memcmp(d.msg, big + GRPC_FRAME_HDR, n) == 0);
	CHECK(arena_used(a) <= 2 * n + 65536);
	arena_free(a);
	/* Arena-cap sweep: each cap fails with -ENOMEM or succeeds, never more. */
	for (size_t cap = 0; cap <= (1u << 20); cap = cap ? cap * 2 : 1024) {
		a = arena_new(cap);
		if (!a)
			continue;
		grpc_frame_dec_init(&d, GRPC_MSG_MAX);
		grpc_frame_hdr_put(big, 300000);
		ret = grpc_frame_push(&d, a, big, GRPC_FRAME_HDR + 300000, &why);
		CHECK(ret == -ENOMEM || (ret == GRPC_FRAME_HDR + 300000 && d.done));
		arena_free(a);
	}
	free(big);
}

/* ------------------------------------------------------------------ calls */

static int n_done, last_done_status;
static int cancelled;

static void on_done(void *ctx, const struct grpc_method *m, int status, uint64_t ns)
{
	(void)ctx;
	(void)m;
	(void)ns;
	n_done++;
	last_done_status = status;
}

static int h_getinfo(void *ctx, struct grpc_call *call, const void *req, void **resp,
		     const char **why)
{
	Pluginregistration__PluginInfo *pi;
	static char *versions[] = { "v1.DRAPlugin", "v1beta1.DRAPlugin" };

	(void)ctx;
	(void)req;
	(void)why;
	pi = arena_alloc(grpc_call_arena(call), sizeof(*pi));
	if (!pi)
		return -ENOMEM;
	pluginregistration__plugin_info__init(pi);
	pi->type = "DRAPlugin";
	pi->name = "dra.net";
	pi->endpoint = "/x/dra.sock";
	pi->n_supported_versions = 2;
	pi->supported_versions = versions;
	*resp = pi;
	return 0;
}

static struct grpc_call *pending_call;

static int h_notify(void *ctx, struct grpc_call *call, const void *req, void **resp,
		    const char **why)
{
	const Pluginregistration__RegistrationStatus *st = req;

	(void)ctx;
	(void)resp;
	if (!st->plugin_registered) {
		*why = st->error;
		return -EBADMSG;
	}
	pending_call = call;
	return -EINPROGRESS;
}

static void on_cancel(void *arg, struct grpc_call *c)
{
	(void)arg;
	(void)c;
	cancelled++;
}

static const struct grpc_method methods[] = {
	{ "/pluginregistration.Registration/GetInfo", &pluginregistration__info_request__descriptor,
	  &pluginregistration__plugin_info__descriptor, h_getinfo },
	{ "/pluginregistration.Registration/NotifyRegistrationStatus",
	  &pluginregistration__registration_status__descriptor,
	  &pluginregistration__registration_status_response__descriptor, h_notify },
	/* A test method that decodes a PluginInfo (repeated strings: an arena eater). */
	{ "/t.T/Eat", &pluginregistration__plugin_info__descriptor,
	  &pluginregistration__plugin_info__descriptor, h_getinfo },
};

static struct grpc_server srv = { methods, ARRAY_SIZE(methods), NULL, on_done };

static struct grpc_call *start(const char *method, const char *path, const char *ct,
			       const char *timeout, bool end_stream, uint64_t now)
{
	struct grpc_call *c = grpc_call_new(&srv, now);

	if (!c)
		return NULL;
	if (grpc_call_header(c, S(":method"), S(method)) < 0 ||
	    grpc_call_header(c, S(":scheme"), S("http")) < 0 ||
	    grpc_call_header(c, S(":path"), S(path)) < 0 ||
	    grpc_call_header(c, S(":authority"), S("localhost")) < 0 ||
	    grpc_call_header(c, S("content-type"), S(ct)) < 0 ||
	    grpc_call_header(c, S("te"), S("trailers")) < 0 ||
	    (timeout && grpc_call_header(c, S("grpc-timeout"), S(timeout)) < 0) ||
	    grpc_call_headers_end(c, end_stream, now) < 0) {
		grpc_call_free(c);
		return NULL;
	}
	return c;
}

static int send_msg(struct grpc_call *c, const uint8_t *pb, size_t n, uint64_t now)
{
	uint8_t hdr[GRPC_FRAME_HDR];

	grpc_frame_hdr_put(hdr, (uint32_t)n);
	if (grpc_call_data(c, hdr, sizeof(hdr), false, now) < 0)
		return -1;
	return grpc_call_data(c, pb, n, true, now);
}

#define GI "/pluginregistration.Registration/GetInfo"
#define NT "/pluginregistration.Registration/NotifyRegistrationStatus"

static void test_call_ok(void)
{
	struct grpc_call *c = start("POST", GI, "application/grpc", "1S", false, 1000);
	const struct grpc_reply *r;
	Pluginregistration__PluginInfo *pi;

	REQUIRE(c);
	CHECK(!grpc_call_replied(c));
	CHECK(grpc_call_deadline(c) == 1000 + 1000000000ull);
	CHECK_EQ(send_msg(c, NULL, 0, 2000), 0);
	REQUIRE(grpc_call_replied(c));
	r = grpc_call_reply(c);
	REQUIRE(r);
	CHECK_EQ(r->http_status, 200);
	CHECK_EQ(r->status, GRPC_OK);
	CHECK_STR(r->message, "");
	REQUIRE(r->body.len > GRPC_FRAME_HDR);
	CHECK_EQ(r->body.p[0], 0);
	pi = pluginregistration__plugin_info__unpack(NULL, r->body.len - GRPC_FRAME_HDR,
						     r->body.p + GRPC_FRAME_HDR);
	REQUIRE(pi);
	CHECK_STR(pi->type, "DRAPlugin");
	CHECK_EQ(pi->n_supported_versions, 2);
	pluginregistration__plugin_info__free_unpacked(pi, NULL);
	/* Data after the reply is dropped. */
	CHECK_EQ(grpc_call_data(c, (const uint8_t *)"x", 1, true, 3000), 0);
	grpc_call_free(c);
	/* content-type with a suffix, split DATA with END_STREAM on an empty frame. */
	c = start("POST", GI, "application/grpc+proto", NULL, false, 0);
	REQUIRE(c);
	CHECK(grpc_call_deadline(c) == 0);
	CHECK_EQ(grpc_call_data(c, (const uint8_t *)"\0\0", 2, false, 0), 0);
	CHECK_EQ(grpc_call_data(c, (const uint8_t *)"\0\0\0", 3, false, 0), 0);
	CHECK(!grpc_call_replied(c));
	CHECK_EQ(grpc_call_data(c, NULL, 0, true, 0), 0);
	CHECK(grpc_call_replied(c) && grpc_call_reply(c)->status == GRPC_OK);
	grpc_call_free(c);
}

static int status_of(struct grpc_call *c)
{
	const struct grpc_reply *r = c ? grpc_call_reply(c) : NULL;

	return r ? r->status : -1;
}

static void test_call_errors(void)
{
	struct grpc_call *c;
	const uint8_t bad_pb[] = { 0xff, 0xff, 0xff };

	c = start("POST", "/no.Such/Method", "application/grpc", NULL, false, 0);
	CHECK_EQ(status_of(c), GRPC_UNIMPLEMENTED);
	CHECK(c && grpc_call_reply(c)->body.len == 0);
	CHECK(c && strstr(grpc_call_reply(c)->message, "unknown method /no.Such/Method"));
	grpc_call_free(c);
	/* A path with bytes to percent-encode in the message. */
	c = start("POST", "/x\xc3\xa9/y", "application/grpc", NULL, false, 0);
	CHECK(c && strstr(grpc_call_reply(c)->message, "/x%C3%A9/y"));
	grpc_call_free(c);
	c = start("GET", GI, "application/grpc", NULL, true, 0);
	CHECK(c && grpc_call_reply(c)->http_status == 405);
	grpc_call_free(c);
	c = start("POST", GI, "application/json", NULL, false, 0);
	CHECK(c && grpc_call_reply(c)->http_status == 415);
	grpc_call_free(c);
	c = start("POST", GI, "application/grpcx", NULL, false, 0);
	CHECK(c && grpc_call_reply(c)->http_status == 415);
	grpc_call_free(c);
	c = start("POST", GI, "application/grpc", "1x", false, 0);
	CHECK_EQ(status_of(c), GRPC_INTERNAL);
	CHECK(c && strstr(grpc_call_reply(c)->message, "grpc-timeout"));
	grpc_call_free(c);
	/* END_STREAM on the headers: no message. */
	c = start("POST", GI, "application/grpc", NULL, true, 0);
	CHECK_EQ(status_of(c), GRPC_INTERNAL);
	grpc_call_free(c);
	/* Truncated message. */
	c = start("POST", GI, "application/grpc", NULL, false, 0);
	REQUIRE(c);
	CHECK_EQ(grpc_call_data(c, (const uint8_t *)"\0\0\0\0\5ab", 7, true, 0), 0);
	CHECK_EQ(status_of(c), GRPC_INTERNAL);
	grpc_call_free(c);
	/* Two messages on a unary call. */
	c = start("POST", GI, "application/grpc", NULL, false, 0);
	REQUIRE(c);
	CHECK_EQ(grpc_call_data(c, (const uint8_t *)"\0\0\0\0\0\0\0\0\0\0", 10, true, 0), 0);
	CHECK_EQ(status_of(c), GRPC_INTERNAL);
	grpc_call_free(c);
	/* Undecodable protobuf. */
	c = start("POST", NT, "application/grpc", NULL, false, 0);
	REQUIRE(c);
	CHECK_EQ(send_msg(c, bad_pb, sizeof(bad_pb), 0), 0);
	CHECK_EQ(status_of(c), GRPC_INVALID_ARGUMENT);
	grpc_call_free(c);
	/* Compressed. */
	c = start("POST", GI, "application/grpc", NULL, false, 0);
	REQUIRE(c);
	CHECK_EQ(grpc_call_data(c, (const uint8_t *)"\1\0\0\0\0", 5, true, 0), 0);
	CHECK_EQ(status_of(c), GRPC_INTERNAL);
	CHECK(strstr(grpc_call_reply(c)->message, "compression not supported"));
	grpc_call_free(c);
	/* grpc-encoding gzip: refused before any message. */
	c = grpc_call_new(&srv, 0);
	REQUIRE(c);
	CHECK_EQ(grpc_call_header(c, S(":method"), S("POST")), 0);
	CHECK_EQ(grpc_call_header(c, S(":path"), S(GI)), 0);
	CHECK_EQ(grpc_call_header(c, S("content-type"), S("application/grpc")), 0);
	CHECK_EQ(grpc_call_header(c, S("grpc-encoding"), S("gzip")), 0);
	CHECK_EQ(grpc_call_headers_end(c, false, 0), 0);
	CHECK_EQ(status_of(c), GRPC_UNIMPLEMENTED);
	grpc_call_free(c);
	/* Over 4 MiB. */
	c = start("POST", GI, "application/grpc", NULL, false, 0);
	REQUIRE(c);
	CHECK_EQ(grpc_call_data(c, (const uint8_t *)"\0\0\x40\0\1", 5, false, 0), 0);
	CHECK_EQ(status_of(c), GRPC_RESOURCE_EXHAUSTED);
	grpc_call_free(c);
	/* Handler error with a message. */
	{
		uint8_t pb[] = { 0x12, 0x03, 'n', '\n', 'o' };

		c = start("POST", NT, "application/grpc", NULL, false, 0);
		REQUIRE(c);
		CHECK_EQ(send_msg(c, pb, sizeof(pb), 0), 0);
		CHECK_EQ(status_of(c), GRPC_INVALID_ARGUMENT);
		CHECK_STR(grpc_call_reply(c)->message, "n%0Ao");
		grpc_call_free(c);
	}
}

static void test_call_deadline_and_pending(void)
{
	struct grpc_call *c;
	const uint8_t yes[] = { 0x08, 0x01 };
	Pluginregistration__RegistrationStatusResponse resp =
		PLUGINREGISTRATION__REGISTRATION_STATUS_RESPONSE__INIT;

	/* Deadline passes before the message is complete. */
	c = start("POST", GI, "application/grpc", "10m", false, 0);
	REQUIRE(c);
	CHECK(!grpc_call_expire(c, 9999999));
	CHECK(grpc_call_expire(c, 10000000));
	CHECK_EQ(status_of(c), GRPC_DEADLINE_EXCEEDED);
	CHECK(!grpc_call_expire(c, 20000000));
	grpc_call_free(c);
	/* Message complete after the deadline. */
	c = start("POST", GI, "application/grpc", "1n", false, 0);
	REQUIRE(c);
	CHECK_EQ(send_msg(c, NULL, 0, 5), 0);
	CHECK_EQ(status_of(c), GRPC_DEADLINE_EXCEEDED);
	grpc_call_free(c);
	/* Pending, then answered. */
	n_done = 0;
	c = start("POST", NT, "application/grpc", "1S", false, 0);
	REQUIRE(c);
	CHECK_EQ(send_msg(c, yes, sizeof(yes), 0), 0);
	CHECK(pending_call == c);
	CHECK(!grpc_call_replied(c));
	CHECK_EQ(n_done, 0);
	CHECK_EQ(grpc_call_respond(c, &resp), 0);
	CHECK_EQ(status_of(c), GRPC_OK);
	CHECK_EQ(grpc_call_reply(c)->body.len, GRPC_FRAME_HDR);
	CHECK_EQ(grpc_call_respond(c, &resp), -EALREADY);
	CHECK_EQ(n_done, 1);
	grpc_call_free(c);
	/* Pending, then failed. */
	c = start("POST", NT, "application/grpc", NULL, false, 0);
	REQUIRE(c);
	CHECK_EQ(send_msg(c, yes, sizeof(yes), 0), 0);
	CHECK_EQ(grpc_call_fail(c, -ENOENT, "claim gone"), 0);
	CHECK_EQ(status_of(c), GRPC_NOT_FOUND);
	CHECK_STR(grpc_call_reply(c)->message, "claim gone");
	grpc_call_free(c);
	/* Pending, then the deadline: the cancel hook runs once. */
	cancelled = 0;
	c = start("POST", NT, "application/grpc", "1m", false, 0);
	REQUIRE(c);
	CHECK_EQ(send_msg(c, yes, sizeof(yes), 0), 0);
	grpc_call_on_cancel(c, on_cancel, NULL);
	CHECK(grpc_call_expire(c, 1000000));
	CHECK_EQ(cancelled, 1);
	CHECK_EQ(status_of(c), GRPC_DEADLINE_EXCEEDED);
	CHECK_EQ(grpc_call_respond(c, &resp), -EALREADY);
	grpc_call_cancel(c);
	CHECK_EQ(cancelled, 1);
	grpc_call_free(c);
	/* Pending, then the client goes away: no reply to send. */
	c = start("POST", NT, "application/grpc", NULL, false, 0);
	REQUIRE(c);
	CHECK_EQ(send_msg(c, yes, sizeof(yes), 0), 0);
	grpc_call_on_cancel(c, on_cancel, NULL);
	grpc_call_cancel(c);
	CHECK_EQ(cancelled, 2);
	CHECK(grpc_call_replied(c));
	CHECK(grpc_call_reply(c) == NULL);
	CHECK_EQ(last_done_status, GRPC_CANCELLED);
	grpc_call_free(c);
}

static void test_call_arena_cap(void)
{
	/* 4 MiB of empty repeated strings: ~2M entries, over the call's arena cap. */
	size_t n = GRPC_MSG_MAX;
	uint8_t *pb = malloc(n);
	struct grpc_call *c;

	REQUIRE(pb);
	for (size_t i = 0; i < n; i += 2) {
		pb[i] = 0x22;
		pb[i + 1] = 0x00;
	}
	c = start("POST", "/t.T/Eat", "application/grpc", NULL, false, 0);
	REQUIRE(c);
	CHECK_EQ(send_msg(c, pb, n, 0), 0);
	CHECK_EQ(status_of(c), GRPC_RESOURCE_EXHAUSTED);
	CHECK(arena_used(grpc_call_arena(c)) <= GRPC_CALL_ARENA_CAP);
	grpc_call_free(c);
	/* A tenth of it decodes. */
	c = start("POST", "/t.T/Eat", "application/grpc", NULL, false, 0);
	REQUIRE(c);
	CHECK_EQ(send_msg(c, pb, n / 10, 0), 0);
	CHECK_EQ(status_of(c), GRPC_OK);
	grpc_call_free(c);
	free(pb);
}

int main(void)
{
	static const struct t_case tests[] = {
		{ "status", test_status },
		{ "timeout", test_timeout },
		{ "pct", test_pct },
		{ "frame", test_frame },
		{ "frame_big_and_caps", test_frame_big_and_caps },
		{ "call_ok", test_call_ok },
		{ "call_errors", test_call_errors },
		{ "call_deadline_and_pending", test_call_deadline_and_pending },
		{ "call_arena_cap", test_call_arena_cap },
	};

	return t_run(tests, ARRAY_SIZE(tests));
}
