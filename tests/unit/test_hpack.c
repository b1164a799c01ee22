// SPDX-License-Identifier: Apache-2.0
/*
 * HPACK (RFC 7541): every example of Appendix C (decoded, with the dynamic
 * table checked after each block, and re-encoded byte for byte), integers
 * (C.1 and edge cases), Huffman round trips and bad codes, truncation at every
 * byte, table size updates, header list caps.
 */
#include <errno.h>
#include <stdlib.h>

#include "h2/internal.h"
#include "t.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (h[0] && h[1] && n < cap) {
		unsigned v;

		if (h[0] == ' ') {
			h++;
			continue;
		}
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

/* Decoded fields as "name: value\n" lines. */
struct collect {
	char text[8192];
	size_t len;
	unsigned flags_or;
	int fail_at, count;
};

static int collect(void *ctx, struct slice name, struct slice value, unsigned flags)
{
	struct collect *c = ctx;
	int n = snprintf(c->text + c->len, sizeof(c->text) - c->len, "%.*s: %.*s\n", (int)name.len,
			 (const char *)name.p, (int)value.len, (const char *)value.p);

	c->count++;
	if (c->fail_at && c->count == c->fail_at)
		return -EPROTO;
	c->flags_or |= flags;
	if (n > 0 && (size_t)n < sizeof(c->text) - c->len)
		c->len += (size_t)n;
	return 0;
}

/* The dynamic table as "[i] (s = size) name: value\n" lines, as RFC 7541 prints it. */
static void table_text(const struct hpack_table *t, char *out, size_t cap)
{
	size_t len = 0;

	out[0] = 0;
	for (uint32_t i = 1; i <= t->n; i++) {
		struct slice n, v;

		if (!hpack_table_get(t, HPACK_STATIC_COUNT + i, &n, &v))
			break;
		len += (size_t)snprintf(out + len, cap - len, "[%u] (s = %zu) %.*s: %.*s\n", i,
					n.len + v.len + 32, (int)n.len, (const char *)n.p,
					(int)v.len, (const char *)v.p);
	}
	snprintf(out + len, cap - len, "size %u", t->size);
}

static struct hpack_dec dec, dec2;

static int decode_hex(struct hpack_dec *d, const char *hex, struct collect *c)
{
	uint8_t b[1024];
	struct slice s = { b, unhex(hex, b, sizeof(b)) };
	const char *why = NULL;

	memset(c, 0, sizeof(*c));
	return hpack_decode(d, s, SIZE_MAX, collect, c, &why);
}

struct step {
	const char *hex, *fields, *table;
};

static void check_sequence(const struct step *st, size_t n, uint32_t table_size)
{
	struct collect c;
	char tab[2048];

	hpack_dec_init(&dec, H2_HPACK_TABLE_SIZE);
	hpack_table_resize(&dec.t, table_size);
	for (size_t i = 0; i < n; i++) {
		CHECK_EQ(decode_hex(&dec, st[i].hex, &c), 0);
		CHECK_STR(c.text, st[i].fields);
		table_text(&dec.t, tab, sizeof(tab));
		CHECK_STR(tab, st[i].table);
	}
}

/* Encode the fields of each step; the bytes must be the RFC's. */
static void check_encode(const struct step *st, size_t n, uint32_t table_size, bool huffman)
{
	struct hpack_enc e;

	hpack_enc_init(&e, true);
	e.no_huffman = !huffman;
	hpack_table_resize(&e.t, table_size);
	for (size_t i = 0; i < n; i++) {
		uint8_t want[1024], got[1024];
		size_t wlen = unhex(st[i].hex, want, sizeof(want));
		struct wr w = wr_init(got, sizeof(got));
		const char *p = st[i].fields;
		char tab[2048];

		hpack_encode_begin(&e, &w);
		while (*p) {
			const char *colon = strstr(p + 1, ": "), *nl = strchr(colon, '\n');
			struct slice name = { (const uint8_t *)p, (size_t)(colon - p) };
			struct slice value = { (const uint8_t *)colon + 2,
					       (size_t)(nl - colon - 2) };

			hpack_encode_field(&e, &w, name, value, false);
			p = nl + 1;
		}
		CHECK(!w.err);
		CHECK_EQ(wr_len(&w), wlen);
		if (memcmp(got, want, wlen) != 0) {
			T_FAIL("step %zu encodes differently", i);
			for (size_t k = 0; k < wr_len(&w); k++)
				fprintf(stderr, "%02x", got[k]);
			fprintf(stderr, "\n");
		}
		table_text(&e.t, tab, sizeof(tab));
		CHECK_STR(tab, st[i].table);
	}
}

/* ---------------------------------------------------------------- vectors */

static const char req1[] = ":method: GET\n:scheme: http\n:path: /\n:authority: www.example.com\n";
static const char req2[] = ":method: GET\n:scheme: http\n:path: /\n:authority: www.example.com\n"
			   "cache-control: no-cache\n";
static const char req3[] = ":method: GET\n:scheme: https\n:path: /index.html\n"
			   ":authority: www.example.com\ncustom-key: custom-value\n";
static const char req_t1[] = "[1] (s = 57) :authority: www.example.com\nsize 57";
static const char req_t2[] = "[1] (s = 53) cache-control: no-cache\n"
			     "[2] (s = 57) :authority: www.example.com\nsize 110";
static const char req_t3[] = "[1] (s = 54) custom-key: custom-value\n"
			     "[2] (s = 53) cache-control: no-cache\n"
			     "[3] (s = 57) :authority: www.example.com\nsize 164";

static const struct step c3[] = {
	{ "828684410f7777772e6578616d706c652e636f6d", req1, req_t1 },
	{ "828684be58086e6f2d6361636865", req2, req_t2 },
	{ "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565", req3, req_t3 },
};

static const struct step c4[] = {
	{ "828684418cf1e3c2e5f23a6ba0ab90f4ff", req1, req_t1 },
	{ "828684be5886a8eb10649cbf", req2, req_t2 },
	{ "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf", req3, req_t3 },
};

static const char resp1[] =
	":status: 302\ncache-control: private\n"
	"date: Mon, 21 Oct 2013 20:13:21 GMT\nlocation: https://www.example.com\n";
static const char resp2[] =
	":status: 307\ncache-control: private\n"
	"date: Mon, 21 Oct 2013 20:13:21 GMT\nlocation: https://www.example.com\n";
static const char resp3[] =
	":status: 200\ncache-control: private\ndate: Mon, 21 Oct 2013 20:13:22 GMT\n"
	"location: https://www.example.com\ncontent-encoding: gzip\n"
	"set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1\n";
static const char resp_t1[] = "[1] (s = 63) location: https://www.example.com\n"
			      "[2] (s = 65) date: Mon, 21 Oct 2013 20:13:21 GMT\n"
			      "[3] (s = 52) cache-control: private\n"
			      "[4] (s = 42) :status: 302\nsize 222";
static const char resp_t2[] = "[1] (s = 42) :status: 307\n"
			      "[2] (s = 63) location: https://www.example.com\n"
			      "[3] (s = 65) date: Mon, 21 Oct 2013 20:13:21 GMT\n"
			      "[4] (s = 52) cache-control: private\nsize 222";
static const char resp_t3[] =
	"[1] (s = 98) set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1\n"
	"[2] (s = 52) content-encoding: gzip\n"
	"[3] (s = 65) date: Mon, 21 Oct 2013 20:13:22 GMT\nsize 215";

static const struct step c5[] = {
	{ "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a3231"
	  "20474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
	  resp1, resp_t1 },
	{ "4803333037c1c0bf", resp2, resp_t2 },
	{ "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a6970"
	  "7738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d61"
	  "67653d333630303b2076657273696f6e3d31",
	  resp3, resp_t3 },
};

static const struct step c6[] = {
	{ "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad"
	  "171863c78f0b97c8e9ae82ae43d3",
	  resp1, resp_t1 },
	{ "4883640effc1c0bf", resp2, resp_t2 },
	{ "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2"
	  "e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
	  resp3, resp_t3 },
};

/* ------------------------------------------------------------------ tests */

static void test_static_table(void)
{
	struct hpack_table t;
	struct slice n, v;

	hpack_table_init(&t, 4096);
	CHECK(!hpack_table_get(&t, 0, &n, &v));
	REQUIRE(hpack_table_get(&t, 2, &n, &v));
	CHECK(slice_eq_str(n, ":method") && slice_eq_str(v, "GET"));
	REQUIRE(hpack_table_get(&t, 8, &n, &v));
	CHECK(slice_eq_str(n, ":status") && slice_eq_str(v, "200"));
	REQUIRE(hpack_table_get(&t, 61, &n, &v));
	CHECK(slice_eq_str(n, "www-authenticate") && v.len == 0);
	CHECK(!hpack_table_get(&t, 62, &n, &v));
}

static void test_c1_integers(void)
{
	static const struct {
		unsigned prefix;
		uint32_t v;
		const char *hex;
	} cases[] = {
		{ 5, 10, "0a" }, /* C.1.1 */
		{ 5, 1337, "1f9a0a" }, /* C.1.2 */
		{ 8, 42, "2a" }, /* C.1.3 */
		{ 5, 30, "1e" },
		{ 5, 31, "1f00" },
		{ 7, 127, "7f00" },
		{ 1, 0, "00" },
		{ 1, 1, "0100" },
		{ 8, 255, "ff00" },
		{ 5, UINT32_MAX, "1fe0ffffff0f" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t want[16], got[16];
		size_t n = unhex(cases[i].hex, want, sizeof(want));
		struct wr w = wr_init(got, sizeof(got));
		struct rd r;
		uint32_t v = 0;

		hpack_int_put(&w, 0, cases[i].prefix, cases[i].v);
		CHECK_EQ(wr_len(&w), n);
		CHECK_MEM(got, want, n);
		r = rd_init(want, n);
		CHECK_EQ(hpack_int_get(&r, cases[i].prefix, &v), 0);
		CHECK_EQ(v, cases[i].v);
		CHECK_EQ(rd_left(&r), 0);
		/* Every truncation needs more bytes. */
		for (size_t k = 0; k < n; k++) {
			r = rd_init(want, k);
			CHECK_EQ(hpack_int_get(&r, cases[i].prefix, &v), -EAGAIN);
		}
	}
}

static void test_integer_overflow(void)
{
	static const char *const bad[] = {
		"1fe1ffffff0f", /* UINT32_MAX + 1 */
		"1fffffffff7f", /* far over */
		"1f808080808000", /* zero continuation bytes past 32 bits */
		"1fffffffffffffff", /* endless */
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		uint8_t b[16];
		size_t n = unhex(bad[i], b, sizeof(b));
		struct rd r = rd_init(b, n);
		uint32_t v;

		CHECK_EQ(hpack_int_get(&r, 5, &v), -EILSEQ);
	}
}

static void test_c2(void)
{
	struct collect c;
	char tab[512];

	hpack_dec_init(&dec, 4096);
	CHECK_EQ(decode_hex(&dec, "400a637573746f6d2d6b65790d637573746f6d2d686561646572", &c), 0);
	CHECK_STR(c.text, "custom-key: custom-header\n");
	table_text(&dec.t, tab, sizeof(tab));
	CHECK_STR(tab, "[1] (s = 55) custom-key: custom-header\nsize 55");

	hpack_dec_init(&dec, 4096);
	CHECK_EQ(decode_hex(&dec, "040c2f73616d706c652f70617468", &c), 0);
	CHECK_STR(c.text, ":path: /sample/path\n");
	CHECK_EQ(dec.t.n, 0);

	hpack_dec_init(&dec, 4096);
	CHECK_EQ(decode_hex(&dec, "100870617373776f726406736563726574", &c), 0);
	CHECK_STR(c.text, "password: secret\n");
	CHECK_EQ(c.flags_or, HPACK_NEVER_INDEXED);
	CHECK_EQ(dec.t.n, 0);

	hpack_dec_init(&dec, 4096);
	CHECK_EQ(decode_hex(&dec, "82", &c), 0);
	CHECK_STR(c.text, ":method: GET\n");
	CHECK_EQ(dec.t.n, 0);
}

static void test_c3(void)
{
	check_sequence(c3, ARRAY_SIZE(c3), 4096);
	check_encode(c3, ARRAY_SIZE(c3), 4096, false);
}

static void test_c4(void)
{
	check_sequence(c4, ARRAY_SIZE(c4), 4096);
	check_encode(c4, ARRAY_SIZE(c4), 4096, true);
}

static void test_c5(void)
{
	check_sequence(c5, ARRAY_SIZE(c5), 256);
	check_encode(c5, ARRAY_SIZE(c5), 256, false);
}

static void test_c6(void)
{
	check_sequence(c6, ARRAY_SIZE(c6), 256);
	check_encode(c6, ARRAY_SIZE(c6), 256, true);
}

/* Every prefix of every Appendix C block: 0 or -EILSEQ, never a crash or garbage. */
static void test_truncation(void)
{
	const struct step *seqs[] = { c3, c4, c5, c6 };
	int ok = 0, bad = 0;

	for (size_t q = 0; q < ARRAY_SIZE(seqs); q++) {
		hpack_dec_init(&dec, 4096);
		if (q >= 2)
			hpack_table_resize(&dec.t, 256);
		for (size_t i = 0; i < 3; i++) {
			uint8_t b[1024];
			size_t n = unhex(seqs[q][i].hex, b, sizeof(b));

			for (size_t k = 0; k < n; k++) {
				struct collect c = { 0 };
				const char *why = NULL;
				int ret;

				dec2 = dec;
				ret = hpack_decode(&dec2, (struct slice){ b, k }, SIZE_MAX, collect,
						   &c, &why);
				CHECK(ret == 0 || ret == -EILSEQ);
				if (ret == 0) {
					ok++;
					/* A clean cut: a prefix of the full field list. */
					CHECK(strncmp(c.text, seqs[q][i].fields, c.len) == 0);
				} else {
					bad++;
					CHECK(why != NULL);
				}
			}
			{
				struct collect c;
				const char *why;

				CHECK_EQ(hpack_decode(&dec, (struct slice){ b, n }, SIZE_MAX,
						      collect, &c, &why),
					 0);
			}
		}
	}
	CHECK(ok > 0 && bad > 0);
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void test_huffman_roundtrip(void)
{
	uint8_t in[512], enc[2048], out[512];
	uint32_t seed = 7;

	/* All 256 byte values, then random strings of every length up to 300. */
	for (int i = 0; i < 256; i++)
		in[i] = (uint8_t)i;
	for (size_t len = 0; len <= 300; len++) {
		struct wr w = wr_init(enc, sizeof(enc));
		struct slice s = { in, len };
		int n;

		if (len != 256)
			for (size_t i = 0; i < len; i++)
				in[i] = (uint8_t)(len % 3 ? lcg(&seed) : 'a' + lcg(&seed) % 26);
		hpack_huff_encode(&w, s);
		CHECK(!w.err);
		CHECK_EQ(wr_len(&w), hpack_huff_encoded_len(s));
		n = hpack_huff_decode((struct slice){ enc, wr_len(&w) }, out, sizeof(out));
		CHECK_EQ(n, (int)len);
		if (n == (int)len)
			CHECK_MEM(out, in, len);
		if (len > 0) /* one byte less room */
			CHECK_EQ(hpack_huff_decode((struct slice){ enc, wr_len(&w) }, out, len - 1),
				 -EMSGSIZE);
		if (len == 255)
			for (int i = 0; i < 256; i++)
				in[i] = (uint8_t)i;
	}
}

static void test_huffman_bad(void)
{
	static const struct {
		const char *hex;
		int want;
	} cases[] = {
		{ "ffffffff", -EILSEQ }, /* EOS (30 ones) inside a string */
		{ "ff", -EILSEQ }, /* 8 bits of padding */
		{ "18", -EILSEQ }, /* 'a' then zero padding */
		{ "1f", 1 }, /* 'a' then 111 */
		{ "", 0 },
		{ "fe", -EILSEQ }, /* no symbol, padding not all ones */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t b[8], out[8];
		size_t n = unhex(cases[i].hex, b, sizeof(b));

		CHECK_EQ(hpack_huff_decode((struct slice){ b, n }, out, sizeof(out)),
			 cases[i].want);
	}
}

static void test_bad_blocks(void)
{
	static const char *const bad[] = {
		"80", /* index 0, RFC 7541 §6.1 */
		"be", /* dynamic index 1 of an empty table */
		"7f00", /* name index 63 out of range */
		"8220", /* size update after a field */
		"3fe21f", /* size update to 4097 > SETTINGS 4096 */
		"4083ffffff0161", /* Huffman name with EOS */
		"41", /* literal cut before its value */
		"418f", /* value length 15, nothing follows */
		"1f808080808000", /* integer overflow in a name index */
		"00ff8080808008616161", /* string length overflow */
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct collect c;

		hpack_dec_init(&dec, 4096);
		CHECK_EQ(decode_hex(&dec, bad[i], &c), -EILSEQ);
	}
}

static void test_size_updates(void)
{
	struct collect c;
	struct hpack_enc e;
	uint8_t b[256];
	struct wr w;
	struct slice n, v;

	/* Fill, then a size update to 0 at the start of the next block evicts all. */
	hpack_dec_init(&dec, 4096);
	CHECK_EQ(decode_hex(&dec, c4[0].hex, &c), 0);
	CHECK_EQ(dec.t.n, 1);
	CHECK_EQ(decode_hex(&dec, "2082", &c), 0);
	CHECK_EQ(dec.t.n, 0);
	CHECK_EQ(dec.t.max_size, 0);
	/* Two updates in a row are fine (RFC 7541 §4.2), then 4096 again. */
	CHECK_EQ(decode_hex(&dec, "203fe11f82", &c), 0);
	CHECK_EQ(dec.t.max_size, 4096);
	/* A literal with indexing into a 0-size table adds nothing. */
	CHECK_EQ(decode_hex(&dec, "20400161016282", &c), 0);
	CHECK_EQ(dec.t.n, 0);
	CHECK_STR(c.text, "a: b\n:method: GET\n");
	/* Shrinking to 60 keeps only what fits. */
	CHECK_EQ(decode_hex(&dec, "3fe11f400161016240016301648286", &c), 0);
	CHECK_EQ(dec.t.n, 2);
	CHECK_EQ(decode_hex(&dec, "3f1d", &c), 0); /* 60 */
	CHECK_EQ(dec.t.n, 1);
	REQUIRE(hpack_table_get(&dec.t, 62, &n, &v));
	CHECK(slice_eq_str(n, "c") && slice_eq_str(v, "d"));

	/* Our encoder follows a smaller SETTINGS_HEADER_TABLE_SIZE with an update. */
	hpack_enc_init(&e, true);
	hpack_enc_set_peer_max(&e, 0);
	hpack_enc_set_peer_max(&e, 100);
	w = wr_init(b, sizeof(b));
	hpack_encode_begin(&e, &w);
	CHECK_EQ(wr_len(&w), 3); /* 0, then 100 */
	CHECK_EQ(b[0], 0x20);
	hpack_dec_init(&dec, 4096);
	hpack_encode_field(&e, &w, (struct slice){ (const uint8_t *)"x", 1 },
			   (struct slice){ (const uint8_t *)"y", 1 }, false);
	CHECK_EQ(hpack_decode(&dec, (struct slice){ b, wr_len(&w) }, SIZE_MAX, collect,
			      &(struct collect){ 0 }, &(const char *){ NULL }),
		 0);
	CHECK_EQ(dec.t.max_size, 100);
	CHECK_EQ(dec.t.n, 1);
	/* Without a table, our encoder still announces 0 when the peer shrinks. */
	hpack_enc_init(&e, false);
	hpack_enc_set_peer_max(&e, 1000);
	w = wr_init(b, sizeof(b));
	hpack_encode_begin(&e, &w);
	CHECK_EQ(wr_len(&w), 1);
	CHECK_EQ(b[0], 0x20);
	w = wr_init(b, sizeof(b));
	hpack_encode_begin(&e, &w);
	CHECK_EQ(wr_len(&w), 0);
}

static void test_header_list_cap(void)
{
	struct collect c = { 0 };
	const char *why = NULL;
	uint8_t b[256];
	struct wr w = wr_init(b, sizeof(b));
	struct hpack_enc e;
	int ret;

	/* Two indexed literals of 1+1+32 = 34 each: a cap of 67 takes one. */
	hpack_enc_init(&e, true);
	hpack_encode_field(&e, &w, (struct slice){ (const uint8_t *)"a", 1 },
			   (struct slice){ (const uint8_t *)"b", 1 }, false);
	hpack_encode_field(&e, &w, (struct slice){ (const uint8_t *)"c", 1 },
			   (struct slice){ (const uint8_t *)"d", 1 }, false);
	hpack_dec_init(&dec, 4096);
	dec2 = dec;
	ret = hpack_decode(&dec, (struct slice){ b, wr_len(&w) }, 68, collect, &c, &why);
	CHECK_EQ(ret, 0);
	ret = hpack_decode(&dec2, (struct slice){ b, wr_len(&w) }, 67, collect, &c, &why);
	CHECK_EQ(ret, -E2BIG);
	/* Both went into the table all the same: the table stays in sync. */
	CHECK_EQ(dec2.t.n, 2);

	/* An emit error is returned after the whole block was decoded. */
	memset(&c, 0, sizeof(c));
	c.fail_at = 1;
	hpack_dec_init(&dec, 4096);
	CHECK_EQ(hpack_decode(&dec, (struct slice){ b, wr_len(&w) }, SIZE_MAX, collect, &c, &why),
		 -EPROTO);
	CHECK_EQ(dec.t.n, 2);
}

static void test_oversize_string(void)
{
	static uint8_t blk[HPACK_MAX_STRING + 64], val[HPACK_MAX_STRING + 1];
	struct wr w = wr_init(blk, sizeof(blk));
	struct hpack_enc e;
	struct collect c = { 0 };
	const char *why = NULL;

	memset(val, '0', sizeof(val)); /* Huffman: 5 bits each, still over the cap decoded */
	hpack_enc_init(&e, false);
	hpack_dec_init(&dec, 4096);
	CHECK_EQ(decode_hex(&dec, c4[0].hex, &c), 0);
	CHECK_EQ(dec.t.n, 1);
	/* Literal with incremental indexing, new name "x", Huffman value. */
	wr_u8(&w, 0x40);
	wr_u8(&w, 1);
	wr_u8(&w, 'x');
	hpack_int_put(&w, 0x80, 7,
		      (uint32_t)hpack_huff_encoded_len((struct slice){ val, sizeof(val) }));
	hpack_huff_encode(&w, (struct slice){ val, sizeof(val) });
	REQUIRE(!w.err);
	memset(&c, 0, sizeof(c));
	CHECK_EQ(hpack_decode(&dec, (struct slice){ blk, wr_len(&w) }, H2_MAX_HEADER_LIST, collect,
			      &c, &why),
		 -E2BIG);
	CHECK_EQ(c.count, 0);
	/* Larger than the table: the table is emptied (RFC 7541 §4.4). */
	CHECK_EQ(dec.t.n, 0);
	(void)e;
}

/* Our response encoder: static matches indexed, the rest literal without indexing. */
static void test_response_encoding(void)
{
	struct hpack_enc e;
	uint8_t b[128];
	struct wr w = wr_init(b, sizeof(b));
	struct collect c = { 0 };
	const char *why;

	hpack_enc_init(&e, false);
	hpack_encode_field(&e, &w, (struct slice){ (const uint8_t *)":status", 7 },
			   (struct slice){ (const uint8_t *)"200", 3 }, false);
	CHECK_EQ(b[0], 0x88);
	hpack_encode_field(&e, &w, (struct slice){ (const uint8_t *)"content-type", 12 },
			   (struct slice){ (const uint8_t *)"application/grpc", 16 }, false);
	CHECK_EQ(b[1], 0x0f); /* 0000 1111: without indexing, name index 31 = 15 + 16 */
	CHECK_EQ(b[2], 0x10);
	hpack_encode_field(&e, &w, (struct slice){ (const uint8_t *)"grpc-status", 11 },
			   (struct slice){ (const uint8_t *)"0", 1 }, false);
	CHECK_EQ(e.t.n, 0);
	hpack_dec_init(&dec, 4096);
	CHECK_EQ(hpack_decode(&dec, (struct slice){ b, wr_len(&w) }, SIZE_MAX, collect, &c, &why),
		 0);
	CHECK_STR(c.text, ":status: 200\ncontent-type: application/grpc\ngrpc-status: 0\n");
	CHECK_EQ(dec.t.n, 0);
}

static const struct t_case tests[] = {
	T(test_static_table),
	T(test_c1_integers),
	T(test_integer_overflow),
	T(test_c2),
	T(test_c3),
	T(test_c4),
	T(test_c5),
	T(test_c6),
	T(test_truncation),
	T(test_huffman_roundtrip),
	T(test_huffman_bad),
	T(test_bad_blocks),
	T(test_size_updates),
	T(test_header_list_cap),
	T(test_oversize_string),
	T(test_response_encoding),
};

int main(void)
{
	return T_RUN(tests);
}
