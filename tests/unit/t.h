/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Minimal unit-test harness (STYLE.md 2.9). CHECK records a failure and goes
 * on; REQUIRE returns from the test. Each binary lists its tests in main():
 *
 *	static const struct t_case tests[] = { T(test_a), T(test_b) };
 *	int main(void) { return T_RUN(tests); }
 *
 * and ends with "N passed, N failed" (a test passes when none of its checks failed).
 */
#ifndef DRANET_TESTS_T_H
#define DRANET_TESTS_T_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int t_fail_count;

#define T_FAIL(fmt, ...)                                                                           \
	do {                                                                                       \
		fprintf(stderr, "%s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__);              \
		t_fail_count++;                                                                    \
	} while (0)

#define CHECK(e)                                                                                   \
	do {                                                                                       \
		if (!(e))                                                                          \
			T_FAIL("CHECK(%s) failed", #e);                                            \
	} while (0)
#define REQUIRE(e)                                                                                 \
	do {                                                                                       \
		if (!(e)) {                                                                        \
			T_FAIL("REQUIRE(%s) failed", #e);                                          \
			return;                                                                    \
		}                                                                                  \
	} while (0)
#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);                            \
		if (t_a_ != t_b_)                                                                  \
			T_FAIL("CHECK_EQ(%s, %s): %lld != %lld", #a, #b, t_a_, t_b_);              \
	} while (0)
#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *t_a_ = (a), *t_b_ = (b);                                               \
		if (!t_a_ || !t_b_ || strcmp(t_a_, t_b_) != 0)                                     \
			T_FAIL("CHECK_STR(%s, %s): \"%s\" != \"%s\"", #a, #b,                      \
			       t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)");                    \
	} while (0)
#define CHECK_MEM(a, b, n)                                                                         \
	do {                                                                                       \
		if (memcmp((a), (b), (n)) != 0)                                                    \
			T_FAIL("CHECK_MEM(%s, %s, %s) differ", #a, #b, #n);                        \
	} while (0)

struct t_case {
	const char *name;
	void (*fn)(void);
};

static inline int t_run(const struct t_case *c, size_t n)
{
	int passed = 0, failed = 0;

	for (size_t i = 0; i < n; i++) {
		int before = t_fail_count;

		c[i].fn();
		if (t_fail_count == before) {
			passed++;
		} else {
			failed++;
			fprintf(stderr, "FAIL %s\n", c[i].name);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

#define T(f)                                                                                       \
	{                                                                                          \
#f, f                                                                              \
	}
#define T_RUN(arr) t_run((arr), sizeof(arr) / sizeof((arr)[0]))

#endif
