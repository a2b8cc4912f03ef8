// SPDX-License-Identifier: MIT
/* The TAP runner of test.h. */
#include "test.h"

#define TEST_MAX 128
#define REASON_SIZE 160

extern const struct test_case __test_cases_start[], __test_cases_end[];

static struct {
	bool failed, skipped;
	char reason[REASON_SIZE];
} cur;

/* "test/guests/basic/main.c" -> "basic/main.c" */
static const char *short_file(const char *file)
{
	const char *last = file, *prev = file;

	for (const char *p = file; *p; p++) {
		if (*p == '/') {
			prev = last;
			last = p + 1;
		}
	}
	return prev;
}

static void test_vfail(const char *file, int line, const char *fmt, va_list ap)
{
	char msg[REASON_SIZE];
	int n = snprintf(msg, sizeof(msg), "%s:%d: ", short_file(file), line);

	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	printf("# %s\n", msg);
	if (!cur.failed)
		memcpy(cur.reason, msg, sizeof(msg));
	cur.failed = true;
}

bool test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	test_vfail(file, line, fmt, ap);
	va_end(ap);
	return false;
}

void test_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cur.reason, sizeof(cur.reason), fmt, ap);
	va_end(ap);
	cur.skipped = true;
}

bool test_failed(void)
{
	return cur.failed;
}

static bool test_compare(unsigned op, uint32_t a, uint32_t b)
{
	bool is_signed = op & TEST_SIGNED;

	switch (op & ~(unsigned)TEST_SIGNED) {
	case TEST_EQ:
		return a == b;
	case TEST_NE:
		return a != b;
	case TEST_GE:
		return is_signed ? (int32_t)a >= (int32_t)b : a >= b;
	default:
		return is_signed ? (int32_t)a < (int32_t)b : a < b;
	}
}

bool test_expect_cmp(unsigned op, uint32_t a, uint32_t b, const char *as,
		     const char *bs, const char *file, int line)
{
	static const char *const ops[] = {
		[TEST_EQ] = "==", [TEST_NE] = "!=", [TEST_GE] = ">=", [TEST_LT] = "<",
	};

	if (test_compare(op, a, b))
		return true;
	return test_fail(file, line, "expected %s %s %s: 0x%lx (%ld) vs 0x%lx (%ld)",
			 as, ops[op & 3], bs, a, (int32_t)a, b, (int32_t)b);
}

bool test_expect_eq64(uint64_t a, uint64_t b, const char *as, const char *bs,
		      const char *file, int line)
{
	if (a == b)
		return true;
	return test_fail(file, line, "expected %s == %s: 0x%llx vs 0x%llx", as,
			 bs, a, b);
}

bool test_expect_true(bool ok, const char *cond, const char *file, int line)
{
	if (ok)
		return true;
	return test_fail(file, line, "expected %s", cond);
}

/* Source order: by file name, then line (the linker keeps no order). */
static bool test_before(const struct test_case *a, const struct test_case *b)
{
	int c = strcmp(a->file, b->file);

	return c < 0 || (c == 0 && a->line < b->line);
}

static int test_sorted(const struct test_case **out)
{
	int n = 0;

	for (const struct test_case *t = __test_cases_start; t < __test_cases_end;
	     t++) {
		int i = n++;

		if (n > TEST_MAX) {
			printf("# more than %d tests: %s.%s and later ones left out\n",
			       TEST_MAX, t->suite, t->name);
			return TEST_MAX;
		}

		for (; i > 0 && test_before(t, out[i - 1]); i--)
			out[i] = out[i - 1];
		out[i] = t;
	}
	return n;
}

static bool test_run_one(int num, const struct test_case *t)
{
	uint32_t unexpected = exc_unexpected_count;

	memset(&cur, 0, sizeof(cur));
	exc_clear();
	t->fn();
	if (exc_unexpected_count != unexpected)
		test_fail(t->file, t->line, "%lu unexpected exception(s), the last: %s",
			  exc_unexpected_count - unexpected,
			  exc_name(exc_last().type));
	if (cur.failed)
		printf("not ok %d - %s.%s # %s\n", num, t->suite, t->name, cur.reason);
	else if (cur.skipped)
		printf("ok %d - %s.%s # SKIP %s\n", num, t->suite, t->name, cur.reason);
	else
		printf("ok %d - %s.%s\n", num, t->suite, t->name);
	return !cur.failed;
}

int test_run(const char *guest)
{
	static const struct test_case *tests[TEST_MAX];
	int n = test_sorted(tests), passed = 0, failed = 0;

	printf("1..%d\n", n);
	for (int i = 0; i < n; i++) {
		if (test_run_one(i + 1, tests[i]))
			passed++;
		else
			failed++;
	}
	printf("# %s: %d passed, %d failed\n", guest, passed, failed);
	return failed;
}
