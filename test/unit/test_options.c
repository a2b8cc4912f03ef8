// SPDX-License-Identifier: MIT
/*
 * Hypervisor options from the host bootargs (hyp/config/options.c): which words
 * change what, and which warnings a person sees for the rest.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "config.h"
#include "unit.h"

/* log.c (for log_level_parse) wants a console; options print nothing. */
void console_write(const char *s, size_t len)
{
	(void)s;
	(void)len;
	fail_msg("options wrote to the console");
}

struct parsed {
	struct hyp_options o;
	struct options_warnings w;
};

static struct parsed parse(const char *args)
{
	struct parsed p;

	memset(&p, 0x5a, sizeof(p));
	options_default(&p.o);
	options_parse(&p.o, args, &p.w);
	return p;
}

static void expect_no_warnings(const struct parsed *p)
{
	if (p->w.count)
		fail_msg("unexpected warning: %s", p->w.msg[0]);
}

static void test_defaults(void **state)
{
	struct parsed p = parse("");

	(void)state;
	assert_int_equal(p.o.log_level, LOG_INFO);
	assert_int_equal(p.o.tick_hz, 100);
	assert_int_equal(p.o.fault, 0);
	assert_int_equal(p.o.slice_us, SLICE_US_DEFAULT);
	expect_no_warnings(&p);
	p = parse(NULL);
	assert_int_equal(p.o.log_level, LOG_INFO);
	assert_int_equal(p.o.tick_hz, 100);
	expect_no_warnings(&p);
}

static void test_log_level_set(void **state)
{
	struct parsed p = parse("console=ttyAMA0 lowvisor.log=debug root=/dev/vda");

	(void)state;
	assert_int_equal(p.o.log_level, LOG_DEBUG);
	assert_int_equal(p.o.tick_hz, 100);
	expect_no_warnings(&p);

	p = parse("lowvisor.log=error");
	assert_int_equal(p.o.log_level, LOG_ERROR);
	p = parse("lowvisor.log=1");
	assert_int_equal(p.o.log_level, LOG_WARN);
	expect_no_warnings(&p);
}

static void test_tick_hz_range(void **state)
{
	static const char *const bad[] = {
		"lowvisor.tick_hz=0",     "lowvisor.tick_hz=10001",   "lowvisor.tick_hz=-5",
		"lowvisor.tick_hz=abc",   "lowvisor.tick_hz=",        "lowvisor.tick_hz=12x",
		"lowvisor.tick_hz=99999999999", "lowvisor.tick_hz=4294967396", "lowvisor.tick_hz",
	};
	struct parsed p;
	size_t i;

	(void)state;
	p = parse("lowvisor.tick_hz=1000");
	assert_int_equal(p.o.tick_hz, 1000);
	expect_no_warnings(&p);
	p = parse("lowvisor.tick_hz=1");
	assert_int_equal(p.o.tick_hz, 1);
	p = parse("lowvisor.tick_hz=10000");
	assert_int_equal(p.o.tick_hz, 10000);
	expect_no_warnings(&p);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		p = parse(bad[i]);
		if (p.o.tick_hz != 100 || p.w.count != 1)
			fail_msg("\"%s\": tick_hz %u with %u warnings", bad[i], p.o.tick_hz,
				 p.w.count);
		assert_contains(p.w.msg[0], "bad value");
		assert_contains(p.w.msg[0], bad[i]);
	}
}

static void test_slice_us_range(void **state)
{
	static const char *const bad[] = {
		"lowvisor.slice_us=0", "lowvisor.slice_us=99", "lowvisor.slice_us=1000001",
		"lowvisor.slice_us=5ms", "lowvisor.slice_us=", "lowvisor.slice_us",
	};
	struct parsed p;
	size_t i;

	(void)state;
	p = parse("lowvisor.slice_us=2000");
	assert_int_equal(p.o.slice_us, 2000);
	expect_no_warnings(&p);
	p = parse("lowvisor.slice_us=100");
	assert_int_equal(p.o.slice_us, SLICE_US_MIN);
	p = parse("lowvisor.slice_us=1000000");
	assert_int_equal(p.o.slice_us, SLICE_US_MAX);
	expect_no_warnings(&p);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		p = parse(bad[i]);
		if (p.o.slice_us != SLICE_US_DEFAULT || p.w.count != 1)
			fail_msg("\"%s\": slice_us %u with %u warnings", bad[i], p.o.slice_us,
				 p.w.count);
		assert_contains(p.w.msg[0], bad[i]);
	}
}

static void test_bad_value_keeps_previous(void **state)
{
	struct parsed p = parse("lowvisor.log=debug lowvisor.log=loud lowvisor.tick_hz=250 "
				"lowvisor.tick_hz=0");

	(void)state;
	assert_int_equal(p.o.log_level, LOG_DEBUG);
	assert_int_equal(p.o.tick_hz, 250);
	assert_int_equal(p.w.count, 2);
	assert_string_equal(p.w.msg[0], "bootargs: bad value in 'lowvisor.log=loud'");
	assert_string_equal(p.w.msg[1], "bootargs: bad value in 'lowvisor.tick_hz=0'");

	/* A word without "=" has no value. */
	p = parse("lowvisor.log");
	assert_int_equal(p.o.log_level, LOG_INFO);
	assert_int_equal(p.w.count, 1);
	assert_contains(p.w.msg[0], "bad value in 'lowvisor.log'");
}

static void test_unknown_option_warned(void **state)
{
	struct parsed p = parse("lowvisor.colour=blue lowvisor.log=warn lowvisor.tick=5");

	(void)state;
	assert_int_equal(p.o.log_level, LOG_WARN); /* the good word still applies */
	assert_int_equal(p.w.count, 2);
	assert_string_equal(p.w.msg[0], "bootargs: unknown option 'lowvisor.colour'");
	assert_string_equal(p.w.msg[1], "bootargs: unknown option 'lowvisor.tick'");
}

static void test_other_words_ignored(void **state)
{
	struct parsed p = parse("log=debug tick_hz=5 lowvisorlog=debug xlowvisor.log=debug "
				"lowvisor. lowvisor LOWVISOR.log=debug lowvisor_log=debug "
				"earlycon=pl011,0x9000000 quiet");

	(void)state;
	assert_int_equal(p.o.log_level, LOG_INFO);
	assert_int_equal(p.o.tick_hz, 100);
	expect_no_warnings(&p);
}

static void test_separators_and_last_wins(void **state)
{
	struct parsed p = parse("  \tlowvisor.tick_hz=50\n\nlowvisor.log=debug   "
				"lowvisor.tick_hz=200\t ");

	(void)state;
	assert_int_equal(p.o.tick_hz, 200);
	assert_int_equal(p.o.log_level, LOG_DEBUG);
	expect_no_warnings(&p);
}

static void test_fault_flag(void **state)
{
	struct parsed p = parse("");

	(void)state;
	assert_int_equal(p.o.fault, 0);
	p = parse("lowvisor.fault=1");
	assert_int_equal(p.o.fault, 1);
	expect_no_warnings(&p);
	p = parse("lowvisor.fault=1 lowvisor.fault=0");
	assert_int_equal(p.o.fault, 0);
	p = parse("lowvisor.fault=2");
	assert_int_equal(p.o.fault, 0);
	assert_int_equal(p.w.count, 1);
	assert_string_equal(p.w.msg[0], "bootargs: bad value in 'lowvisor.fault=2'");
	p = parse("lowvisor.fault=yes");
	assert_int_equal(p.o.fault, 0);
	assert_int_equal(p.w.count, 1);
}

static void test_warnings_bounded(void **state)
{
	char args[1024], word[400];
	struct parsed p;

	(void)state;
	/* More bad words than warning slots: the first ones are kept. */
	p = parse("lowvisor.a=1 lowvisor.b=1 lowvisor.c=1 lowvisor.d=1 lowvisor.e=1 "
		  "lowvisor.tick_hz=300");
	assert_int_equal(p.w.count, OPTIONS_WARN_MAX);
	assert_contains(p.w.msg[0], "'lowvisor.a'");
	assert_contains(p.w.msg[3], "'lowvisor.d'");
	assert_int_equal(p.o.tick_hz, 300);

	/* A very long word is cut to fit its warning. */
	memset(word, 'z', sizeof(word) - 1);
	word[sizeof(word) - 1] = '\0';
	snprintf(args, sizeof(args), "lowvisor.log=%s", word);
	p = parse(args);
	assert_int_equal(p.w.count, 1);
	assert_int_equal(strlen(p.w.msg[0]), sizeof(p.w.msg[0]) - 1);
	assert_contains(p.w.msg[0], "bad value in 'lowvisor.log=zzz");

	/* A second parse starts with no warnings of its own. */
	options_parse(&p.o, "lowvisor.log=info", &p.w);
	assert_int_equal(p.w.count, 0);
	assert_int_equal(p.o.log_level, LOG_INFO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_log_level_set),
		cmocka_unit_test(test_tick_hz_range),
		cmocka_unit_test(test_slice_us_range),
		cmocka_unit_test(test_bad_value_keeps_previous),
		cmocka_unit_test(test_unknown_option_warned),
		cmocka_unit_test(test_other_words_ignored),
		cmocka_unit_test(test_separators_and_last_wins),
		cmocka_unit_test(test_fault_flag),
		cmocka_unit_test(test_warnings_bounded),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
