// SPDX-License-Identifier: MIT
/*
 * Logging (hyp/log.c): the lines that reach the console, truncation, level
 * filtering, level names, byte-count formatting and the rate limit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "log.h"
#include "unit.h"

/* The fake console: everything log_msg() writes, in order. */
static char console[4096];
static size_t console_len;
static unsigned console_writes;

void console_write(const char *s, size_t len)
{
	assert_true(console_len + len < sizeof(console));
	memcpy(console + console_len, s, len);
	console_len += len;
	console[console_len] = '\0';
	console_writes++;
}

static int reset(void **state)
{
	(void)state;
	console_len = 0;
	console_writes = 0;
	console[0] = '\0';
	log_set_level(LOG_INFO);
	return 0;
}

static __printf(4, 5) size_t format(char *buf, size_t len, enum log_level level,
				    const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = log_format(buf, len, level, fmt, ap);
	va_end(ap);
	return n;
}

/* Formats into a roomy buffer and checks the whole line and its length. */
#define expect_line(level, want, ...)                                                 \
	do {                                                                          \
		char buf_[128];                                                       \
		size_t n_ = format(buf_, sizeof(buf_), (level), __VA_ARGS__);        \
		assert_string_equal(buf_, (want));                                    \
		assert_int_equal(n_, strlen(want));                                   \
	} while (0)

static void test_format_prefixes(void **state)
{
	(void)state;
	expect_line(LOG_ERROR, "lowvisor: error: no GIC at 0x8000000\n", "no GIC at %#x",
		    0x8000000);
	expect_line(LOG_WARN, "lowvisor: warn: odd\n", "%s", "odd");
	expect_line(LOG_INFO, "lowvisor: 4 CPUs\n", "%u CPUs", 4u);
	expect_line(LOG_DEBUG, "lowvisor: vmid 7\n", "vmid %d", 7);
	expect_line(LOG_INFO, "lowvisor: \n", "%s", "");
}

static void test_format_truncates_within_buffer(void **state)
{
	char msg[300], buf[320];
	size_t len, n, i;

	(void)state;
	memset(msg, 'x', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	for (len = 8; len <= 300; len++) {
		memset(buf, 0x5a, sizeof(buf));
		n = format(buf, len, len % 2 ? LOG_WARN : LOG_INFO, "%s", msg);
		assert_int_equal(n, len - 1);
		assert_int_equal(strlen(buf), n);
		assert_memory_equal(buf + n - 4, "...\n", 4);
		for (i = len; i < sizeof(buf); i++)
			if (buf[i] != 0x5a)
				fail_msg("len %zu: byte %zu written past the buffer", len, i);
	}
	/* The smallest buffer still says what it is. */
	format(buf, 8, LOG_ERROR, "%s", msg);
	assert_string_equal(buf, "low...\n");
}

static void test_format_exact_fit(void **state)
{
	char buf[32];

	(void)state;
	/* "lowvisor: " + 20 + "\n" = 31 bytes, NUL included: fits. */
	assert_int_equal(format(buf, sizeof(buf), LOG_INFO, "%s", "01234567890123456789"), 31);
	assert_string_equal(buf, "lowvisor: 01234567890123456789\n");
	/* One more character leaves no room for the newline. */
	assert_int_equal(format(buf, sizeof(buf), LOG_INFO, "%s", "012345678901234567890"), 31);
	assert_string_equal(buf, "lowvisor: 01234567890123456...\n");
}

static void test_format_refuses_tiny_buffers(void **state)
{
	char buf[8];
	size_t len;

	(void)state;
	for (len = 0; len < 8; len++) {
		memset(buf, 0x5a, sizeof(buf));
		assert_int_equal(format(buf, len, LOG_ERROR, "%s", "hello"), 0);
		assert_memory_equal(buf, "\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a", 8);
	}
}

static void test_msg_reaches_console(void **state)
{
	(void)state;
	log_err("bad %s", "bundle");
	assert_string_equal(console, "lowvisor: error: bad bundle\n");
	assert_int_equal(console_writes, 1);
}

static void test_level_filtering(void **state)
{
	(void)state;
	assert_int_equal(log_get_level(), LOG_INFO);
	log_debug("hidden %d", 1);
	assert_int_equal(console_len, 0);
	log_info("shown %d", 2);
	log_warn("warned %d", 3);
	log_err("failed %d", 4);
	assert_string_equal(console, "lowvisor: shown 2\n"
				     "lowvisor: warn: warned 3\n"
				     "lowvisor: error: failed 4\n");

	reset(NULL);
	log_set_level(LOG_ERROR);
	log_info("no");
	log_warn("no");
	log_err("yes");
	assert_string_equal(console, "lowvisor: error: yes\n");

	reset(NULL);
	log_set_level(LOG_DEBUG);
	assert_int_equal(log_get_level(), LOG_DEBUG);
	log_debug("trap ec %#x", 0x24u);
	assert_string_equal(console, "lowvisor: trap ec 0x24\n");
}

static void test_long_msg_truncated_on_console(void **state)
{
	char msg[400];

	(void)state;
	memset(msg, 'y', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	log_warn("%s", msg);
	assert_int_equal(console_writes, 1);
	assert_int_equal(console_len, 255); /* a 256-byte line, NUL included */
	assert_memory_equal(console, "lowvisor: warn: yyy", 19);
	assert_memory_equal(console + console_len - 4, "...\n", 4);
}

static void test_level_parse(void **state)
{
	static const struct {
		const char *s;
		enum log_level level;
	} good[] = {
		{ "error", LOG_ERROR }, { "warn", LOG_WARN }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG }, { "0", LOG_ERROR },   { "1", LOG_WARN },
		{ "2", LOG_INFO },      { "3", LOG_DEBUG },
	};
	static const char *const bad[] = { "", "4", "9", "-1", "inf", "infos", "DEBUG",
					   "warning", "00", " info" };
	enum log_level l;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		l = LOG_WARN == good[i].level ? LOG_ERROR : LOG_WARN;
		assert_int_equal(log_level_parse(good[i].s, strlen(good[i].s), &l), 0);
		assert_int_equal(l, good[i].level);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		l = LOG_INFO;
		if (log_level_parse(bad[i], strlen(bad[i]), &l) != -EINVAL)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_int_equal(l, LOG_INFO); /* untouched */
	}
	/* Only len characters count: the word need not be NUL-terminated. */
	assert_int_equal(log_level_parse("debug tick", 5, &l), 0);
	assert_int_equal(l, LOG_DEBUG);
	assert_int_equal(log_level_parse("debug", 3, &l), -EINVAL);

	assert_string_equal(log_level_name(LOG_ERROR), "error");
	assert_string_equal(log_level_name(LOG_WARN), "warn");
	assert_string_equal(log_level_name(LOG_INFO), "info");
	assert_string_equal(log_level_name(LOG_DEBUG), "debug");
	assert_string_equal(log_level_name((enum log_level)7), "?");
}

static void test_fmt_size(void **state)
{
	static const struct {
		uint64_t bytes;
		const char *text;
	} cases[] = {
		{ 0, "0 bytes" },
		{ 100, "100 bytes" },
		{ 1023, "1023 bytes" },
		{ 1024, "1 KiB" },
		{ 1536, "1.5 KiB" },
		{ KiB(512), "512 KiB" },
		{ MiB(1), "1 MiB" },
		{ MiB(1022) + KiB(950), "1022.9 MiB" },
		{ GiB(1), "1 GiB" },
		{ GiB(1) + MiB(512), "1.5 GiB" },
		{ GiB(4) - 1, "3.9 GiB" }, /* truncated, not rounded up */
		{ GiB(2048), "2 TiB" },
		{ GiB(1024) * 4096, "4096 TiB" }, /* the largest unit */
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_ptr_equal(fmt_size(buf, sizeof(buf), cases[i].bytes), buf);
		assert_string_equal(buf, cases[i].text);
	}
}

static void test_fmt_size_small_buffer(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 0x5a, sizeof(buf));
	fmt_size(buf, 5, GiB(1) + MiB(512));
	assert_string_equal(buf, "1.5 ");
	assert_memory_equal(buf + 5, "\x5a\x5a\x5a", 3);
}

static void test_fmt_hex64(void **state)
{
	char buf[20];

	(void)state;
	assert_string_equal(fmt_hex64(buf, sizeof(buf), 0), "0x00000000");
	assert_string_equal(fmt_hex64(buf, sizeof(buf), 0x09000000), "0x09000000");
	assert_string_equal(fmt_hex64(buf, sizeof(buf), 0xffffffff), "0xffffffff");
	assert_string_equal(fmt_hex64(buf, sizeof(buf), 0x100000000ull), "0x100000000");
	assert_string_equal(fmt_hex64(buf, sizeof(buf), 0x8000000000ull), "0x8000000000");
	assert_string_equal(fmt_hex64(buf, sizeof(buf), UINT64_MAX), "0xffffffffffffffff");
	assert_string_equal(HEX64(0x4000000012345678ull), "0x4000000012345678");
}

static void test_fmt_u64(void **state)
{
	char buf[24];

	(void)state;
	assert_string_equal(fmt_u64(buf, sizeof(buf), 0), "0");
	assert_string_equal(fmt_u64(buf, sizeof(buf), 7), "7");
	assert_string_equal(fmt_u64(buf, sizeof(buf), 1000000), "1000000");
	assert_string_equal(fmt_u64(buf, sizeof(buf), 4294967296ull), "4294967296");
	assert_string_equal(fmt_u64(buf, sizeof(buf), UINT64_MAX), "18446744073709551615");
	assert_string_equal(U64(123456789012ull), "123456789012");
}

static void test_fmt_u64_small_buffer(void **state)
{
	char buf[8];

	(void)state;
	/* Like snprintf: the leading digits, NUL-terminated, nothing past len. */
	memset(buf, 0x5a, sizeof(buf));
	assert_string_equal(fmt_u64(buf, 4, 123456), "123");
	assert_memory_equal(buf + 4, "\x5a\x5a\x5a\x5a", 4);
	assert_string_equal(fmt_u64(buf, 1, 99), "");
	memset(buf, 0x5a, sizeof(buf));
	fmt_u64(buf, 0, 99);
	assert_memory_equal(buf, "\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a", 8);
}

static void test_ratelimit_burst_then_window(void **state)
{
	struct ratelimit rl = { 0, 0, 0 };
	unsigned i;

	(void)state;
	/* A burst of 3 per 100 ticks. */
	for (i = 0; i < 3; i++)
		assert_true(ratelimit_allow(&rl, 1000 + i, 100, 3));
	assert_false(ratelimit_allow(&rl, 1003, 100, 3));
	assert_false(ratelimit_allow(&rl, 1050, 100, 3));
	assert_false(ratelimit_allow(&rl, 1099, 100, 3)); /* last tick of the window */
	assert_int_equal(rl.suppressed, 3);

	/* A new window allows a new burst; suppressed keeps counting. */
	for (i = 0; i < 3; i++)
		assert_true(ratelimit_allow(&rl, 1100, 100, 3));
	assert_false(ratelimit_allow(&rl, 1100, 100, 3));
	assert_int_equal(rl.suppressed, 4);
	assert_int_equal(rl.window_start, 1100);

	/* A clock that goes backwards starts a new window, not a long silence. */
	assert_true(ratelimit_allow(&rl, 500, 100, 3));
	assert_int_equal(rl.window_start, 500);

	/* A burst of 0 allows nothing. */
	assert_false(ratelimit_allow(&rl, 5000, 100, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_format_prefixes, reset),
		cmocka_unit_test_setup(test_format_truncates_within_buffer, reset),
		cmocka_unit_test_setup(test_format_exact_fit, reset),
		cmocka_unit_test_setup(test_format_refuses_tiny_buffers, reset),
		cmocka_unit_test_setup(test_msg_reaches_console, reset),
		cmocka_unit_test_setup(test_level_filtering, reset),
		cmocka_unit_test_setup(test_long_msg_truncated_on_console, reset),
		cmocka_unit_test_setup(test_level_parse, reset),
		cmocka_unit_test_setup(test_fmt_size, reset),
		cmocka_unit_test_setup(test_fmt_size_small_buffer, reset),
		cmocka_unit_test_setup(test_fmt_hex64, reset),
		cmocka_unit_test_setup(test_fmt_u64, reset),
		cmocka_unit_test_setup(test_fmt_u64_small_buffer, reset),
		cmocka_unit_test_setup(test_ratelimit_burst_then_window, reset),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
