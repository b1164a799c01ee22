// SPDX-License-Identifier: Apache-2.0
/* lib/base: arena caps, readers and writers, buffers, file and string helpers. */
#include "base/base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "t.h"

static void test_arena_basic(void)
{
	struct arena *a = arena_new(1 << 20);
	char *s;
	unsigned char *p;

	REQUIRE(a);
	p = arena_alloc(a, 100);
	REQUIRE(p);
	CHECK(((uintptr_t)p & 15) == 0);
	for (int i = 0; i < 100; i++)
		CHECK_EQ(p[i], 0);
	s = arena_strndup(a, "hello world", 5);
	CHECK_STR(s, "hello");
	s = arena_printf(a, "%s-%d", "x", 42);
	CHECK_STR(s, "x-42");
	CHECK(arena_used(a) >= 100);
	arena_reset(a);
	CHECK_EQ(arena_used(a), 0);
	CHECK(arena_alloc(a, 10));
	arena_free(a);
}

/* Every cap from 0 up fails cleanly (NULL), never overshoots the cap. */
static void test_arena_cap_sweep(void)
{
	for (size_t cap = 0; cap < 70000; cap += 997) {
		struct arena *a = arena_new(cap);
		size_t got = 0;

		REQUIRE(a);
		for (;;) {
			void *p = arena_alloc(a, 1000);

			if (!p)
				break;
			memset(p, 0xaa, 1000);
			got += 1000;
		}
		CHECK(got <= cap);
		arena_free(a);
	}
}

static void test_arena_overflow(void)
{
	struct arena *a = arena_new(1 << 20);

	REQUIRE(a);
	CHECK(arena_calloc(a, SIZE_MAX / 2, 4) == NULL);
	CHECK(arena_alloc(a, SIZE_MAX) == NULL);
	CHECK(arena_alloc(a, (1 << 20) + 1) == NULL);
	CHECK(arena_alloc(a, 16));
	arena_free(a);
}

static void test_arena_realloc(void)
{
	struct arena *a = arena_new(1 << 20);
	char *p, *q;

	REQUIRE(a);
	p = arena_alloc(a, 8);
	REQUIRE(p);
	memcpy(p, "abcdefg", 8);
	q = arena_realloc(a, p, 8, 4000);
	REQUIRE(q);
	CHECK_STR(q, "abcdefg");
	CHECK_EQ(q[3999], 0);
	arena_free(a);
}

static void test_rd(void)
{
	const uint8_t in[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };
	struct rd r = rd_init(in, sizeof(in));
	struct slice s;

	CHECK_EQ(rd_u8(&r), 1);
	CHECK_EQ(rd_be16(&r), 0x0203);
	CHECK_EQ(rd_be24(&r), 0x040506);
	CHECK(!r.err);
	CHECK_EQ(rd_be32(&r), 0);
	CHECK(r.err);
	/* Sticky: even a 1-byte read now fails. */
	CHECK_EQ(rd_u8(&r), 0);
	CHECK(!rd_bytes(&r, 0, &s));
	CHECK_EQ(s.len, 0);
}

static void test_rd_truncation(void)
{
	const uint8_t in[] = { 0xde, 0xad, 0xbe, 0xef };

	for (size_t n = 0; n < sizeof(in); n++) {
		struct rd r = rd_init(in, n);

		(void)rd_be32(&r);
		CHECK(r.err);
	}
}

static void test_varint(void)
{
	static const struct {
		uint8_t b[11];
		size_t n;
		uint64_t v;
		bool err;
	} v[] = {
		{ { 0x00 }, 1, 0, false },
		{ { 0x96, 0x01 }, 2, 150, false },
		{ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 },
		  10,
		  UINT64_MAX,
		  false },
		/* Tenth byte too large, eleven bytes, truncated. */
		{ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 }, 10, 0, true },
		{ { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 },
		  11,
		  0,
		  true },
		{ { 0x80 }, 1, 0, true },
	};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		struct rd r = rd_init(v[i].b, v[i].n);
		uint64_t got = rd_varint(&r);

		CHECK_EQ(r.err, v[i].err);
		if (!v[i].err)
			CHECK(got == v[i].v);
	}
}

static void test_wr(void)
{
	uint8_t out[8];
	struct wr w = wr_init(out, sizeof(out));
	struct rd r;

	wr_be16(&w, 0x1234);
	wr_varint(&w, 300);
	wr_be24(&w, 0xabcdef);
	CHECK(!w.err);
	CHECK_EQ(wr_len(&w), 7);
	wr_be16(&w, 1);
	CHECK(w.err);
	CHECK_EQ(wr_len(&w), 7);
	r = rd_init(out, 7);
	CHECK_EQ(rd_be16(&r), 0x1234);
	CHECK_EQ(rd_varint(&r), 300);
	CHECK_EQ(rd_be24(&r), 0xabcdef);
	CHECK(!r.err);
}

static void test_buf(void)
{
	struct buf b;

	buf_init(&b, 16);
	CHECK_EQ(buf_puts(&b, "hello"), 0);
	CHECK_EQ(buf_printf(&b, " %d", 12345), 0);
	CHECK_STR(b.p, "hello 12345");
	/* 11 + 4 = 15 bytes fit with the NUL; one more does not, and stays failed. */
	CHECK_EQ(buf_puts(&b, "abcd"), 0);
	CHECK_EQ(buf_putc(&b, 'x'), -ENOMEM);
	CHECK(b.err);
	CHECK_EQ(buf_puts(&b, ""), -ENOMEM);
	CHECK_STR(b.p, "hello 12345abcd");
	buf_reset(&b);
	CHECK_EQ(b.len, 0);
	CHECK_EQ(buf_puts(&b, "ok"), 0);
	buf_fini(&b);
}

static void test_fd_read(void)
{
	char path[] = "/tmp/dranet-test-XXXXXX";
	char out[8];
	int fd = mkstemp(path);

	REQUIRE(fd >= 0);
	CHECK_EQ(fd_write_all(fd, "1234\n", 5), 0);
	close(fd);
	CHECK_EQ(fd_read_file(AT_FDCWD, path, out, sizeof(out)), 5);
	CHECK_EQ(fd_read_line(AT_FDCWD, path, out, sizeof(out)), 4);
	CHECK_STR(out, "1234");
	/* Exactly at the limit (cap - 1 bytes) fits, one less does not. */
	CHECK_EQ(fd_read_file(AT_FDCWD, path, out, 6), 5);
	CHECK_EQ(fd_read_file(AT_FDCWD, path, out, 5), -EMSGSIZE);
	unlink(path);
	CHECK_EQ(fd_read_file(AT_FDCWD, path, out, sizeof(out)), -ENOENT);
}

static void test_str(void)
{
	char small[4];
	int64_t v;

	CHECK_EQ(str_copy(small, sizeof(small), "abc"), 0);
	CHECK_EQ(str_copy(small, sizeof(small), "abcd"), -EMSGSIZE);
	CHECK_STR(small, "");
	CHECK_EQ(str_to_i64("-1", 10, &v), 0);
	CHECK_EQ(v, -1);
	CHECK_EQ(str_to_i64("0x1f", 0, &v), 0);
	CHECK_EQ(v, 31);
	CHECK_EQ(str_to_i64("12a", 10, &v), -EINVAL);
	CHECK_EQ(str_to_i64("", 10, &v), -EINVAL);
	CHECK_EQ(str_to_i64(" 1", 10, &v), -EINVAL);
	CHECK_EQ(str_to_i64("99999999999999999999", 10, &v), -ERANGE);
	CHECK(str_has_prefix("dra.net/ifName", "dra.net/"));
	CHECK(!str_has_prefix("dra", "dra.net/"));
	/* every byte: only 0-9, a-f, A-F are hex digits, with their values */
	for (int c = -128; c < 256; c++) {
		int want = -1;

		if (c >= 0 && c < 128 && strchr("0123456789abcdef", c) && c)
			want = (int)(strchr("0123456789abcdef", c) - "0123456789abcdef");
		else if (c >= 0 && c < 128 && c && strchr("ABCDEF", c))
			want = 10 + (int)(strchr("ABCDEF", c) - "ABCDEF");
		CHECK_EQ(str_hex_digit(c), want);
	}
}

int main(void)
{
	static const struct t_case tests[] = {
		T(test_arena_basic),
		T(test_arena_cap_sweep),
		T(test_arena_overflow),
		T(test_arena_realloc),
		T(test_rd),
		T(test_rd_truncation),
		T(test_varint),
		T(test_wr),
		T(test_buf),
		T(test_fd_read),
		T(test_str),
	};

	return T_RUN(tests);
}
