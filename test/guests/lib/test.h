/* SPDX-License-Identifier: MIT */
/*
 * A TAP test framework for the guests (after Hafnium's hftest).
 *
 *   TEST(mmu, short_descriptor) { EXPECT_EQ(x, 1); ... }
 *
 * TEST entries are collected in the .test_cases linker section and run in
 * the order they appear in the source by test_run_all(), which prints
 *
 *   1..N
 *   ok 1 - suite.name
 *   # file:line: diagnostic of a failed expectation
 *   not ok 2 - suite.name # the first failure
 *   ok 3 - suite.name # SKIP why
 *   # GUEST: P passed, F failed
 *
 * (skipped tests count as passed).  An exception nobody expected during a
 * test fails it.  The comparisons are of 32-bit values (EXPECT_EQ64 for
 * 64-bit ones), so a PSCI error in a uint32_t register compares equal to
 * its negative constant; EXPECT_GE and EXPECT_LT compare signed when both
 * operands have signed types, unsigned otherwise.
 * ASSERT_* return from the test when they fail.
 */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include "guest.h"

struct test_case {
	const char *suite, *name;
	void (*fn)(void);
	const char *file;
	int line;
};

#define TEST(suite, name)                                                      \
	static void test_##suite##_##name(void);                               \
	static const struct test_case test_case_##suite##_##name               \
		__attribute__((used, section(".test_cases"), aligned(4))) = {  \
			#suite, #name, test_##suite##_##name, __FILE__,        \
			__LINE__                                               \
		};                                                             \
	static void test_##suite##_##name(void)

enum test_cmp { TEST_EQ, TEST_NE, TEST_GE, TEST_LT, TEST_SIGNED = 8 };

/* Whether an operand has a signed integer type. */
#define TEST_IS_SIGNED(x)                                                      \
	_Generic((x), signed char: 1, short: 1, int: 1, long: 1,               \
		 long long: 1, default: 0)
/* Ordered comparisons are signed when both operands are. */
#define TEST_ORDER(op, a, b)                                                   \
	((op) | (TEST_IS_SIGNED(a) && TEST_IS_SIGNED(b) ? TEST_SIGNED : 0))

bool test_expect_cmp(unsigned op, uint32_t a, uint32_t b, const char *as,
		     const char *bs, const char *file, int line);
bool test_expect_eq64(uint64_t a, uint64_t b, const char *as, const char *bs,
		      const char *file, int line);
bool test_expect_true(bool ok, const char *cond, const char *file, int line);
bool test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs every TEST; prints the plan, the results and the summary line with
 * this guest's name; returns the number of failed tests. */
int test_run(const char *guest);
/* Whether the running test has failed so far. */
bool test_failed(void);

#define test_run_all() test_run(GUEST_NAME)

#define EXPECT_EQ(a, b)                                                        \
	test_expect_cmp(TEST_EQ, (uint32_t)(a), (uint32_t)(b), #a, #b,         \
			__FILE__, __LINE__)
#define EXPECT_NE(a, b)                                                        \
	test_expect_cmp(TEST_NE, (uint32_t)(a), (uint32_t)(b), #a, #b,         \
			__FILE__, __LINE__)
#define EXPECT_GE(a, b)                                                        \
	test_expect_cmp(TEST_ORDER(TEST_GE, a, b), (uint32_t)(a),              \
			(uint32_t)(b), #a, #b, __FILE__, __LINE__)
#define EXPECT_LT(a, b)                                                        \
	test_expect_cmp(TEST_ORDER(TEST_LT, a, b), (uint32_t)(a),              \
			(uint32_t)(b), #a, #b, __FILE__, __LINE__)
#define EXPECT_EQ64(a, b)                                                      \
	test_expect_eq64((uint64_t)(a), (uint64_t)(b), #a, #b, __FILE__,       \
			 __LINE__)
#define EXPECT_TRUE(c) test_expect_true(!!(c), #c, __FILE__, __LINE__)
#define EXPECT_FALSE(c) test_expect_true(!(c), "!(" #c ")", __FILE__, __LINE__)

#define ASSERT_EQ(a, b) do { if (!EXPECT_EQ(a, b)) return; } while (0)
#define ASSERT_NE(a, b) do { if (!EXPECT_NE(a, b)) return; } while (0)
#define ASSERT_GE(a, b) do { if (!EXPECT_GE(a, b)) return; } while (0)
#define ASSERT_LT(a, b) do { if (!EXPECT_LT(a, b)) return; } while (0)
#define ASSERT_EQ64(a, b) do { if (!EXPECT_EQ64(a, b)) return; } while (0)
#define ASSERT_TRUE(c) do { if (!EXPECT_TRUE(c)) return; } while (0)
#define ASSERT_FALSE(c) do { if (!EXPECT_FALSE(c)) return; } while (0)

/* Fails the test with a message (and carries on). */
#define FAIL(...) test_fail(__FILE__, __LINE__, __VA_ARGS__)
/* Ends the test as "ok N - suite.name # SKIP why". */
#define SKIP(...) do { test_skip(__VA_ARGS__); return; } while (0)

#endif
