// SPDX-License-Identifier: MIT
/*
 * reset: SYSTEM_RESET restarts the VM from its images on zeroed memory.
 *
 * Boot 0 (/chosen "lowvisor,boot-count" = 0) changes an initialised
 * global, fills its free RAM with a marker and calls SYSTEM_RESET; it
 * prints only comment lines.  Boot 1 runs the tests: the global has its
 * initial value again (the image was reloaded) and RAM outside the image
 * and the DTB reads zero.
 */
#include "test.h"

#define DATA_INITIAL 0x600dda7au
#define DATA_CHANGED 0xbad0da7au
#define MARKER 0xfeedf00du
#define REPORT_MAX 8

static volatile uint32_t reset_data = DATA_INITIAL; /* in .data */
static int32_t boot;
static int32_t reset_ret; /* what SYSTEM_RESET returned, if it did */
static struct ram_info ram;

static bool fill_marker(uint32_t start, uint32_t end, void *arg)
{
	(void)arg;
	for (volatile uint32_t *p = (uint32_t *)start; (uint32_t)p < end; p++)
		*p = MARKER;
	return true;
}

struct zero_check {
	uint32_t bytes, nonzero, markers;
};

static bool check_zero(uint32_t start, uint32_t end, void *arg)
{
	struct zero_check *zc = arg;

	for (volatile uint32_t *p = (uint32_t *)start; (uint32_t)p < end; p++) {
		uint32_t v = *p;

		if (!v)
			continue;
		zc->markers += v == MARKER;
		if (zc->nonzero++ < REPORT_MAX)
			FAIL("RAM at %p (DTB %+ld) reads 0x%08lx after the reset%s",
			     (void *)p, (int32_t)((uint32_t)p - ram.dtb), v,
			     v == MARKER ? " (the marker from before it)" : "");
	}
	zc->bytes += end - start;
	return true;
}

TEST(reset, boot_count)
{
	if (boot < 0) {
		FAIL("no lowvisor,boot-count in /chosen");
		return;
	}
	EXPECT_EQ(boot, 1);
}

TEST(reset, system_reset)
{
	if (boot == 0)
		FAIL("SYSTEM_RESET returned %ld", reset_ret);
	EXPECT_GE(boot, 1); /* boot 0 reset, so this is a later boot */
}

TEST(reset, data_reloaded)
{
	ASSERT_GE(boot, 1);
	EXPECT_EQ(reset_data, DATA_INITIAL);
}

TEST(reset, ram_zeroed)
{
	struct zero_check zc = { 0 };

	ASSERT_GE(boot, 1);
	ASSERT_TRUE(ram_info(&ram));
	ram_for_each_free(&ram, check_zero, &zc);
	printf("# checked %lu bytes: %lu nonzero words, %lu markers\n", zc.bytes,
	       zc.nonzero, zc.markers);
	EXPECT_EQ(zc.nonzero, 0);
	EXPECT_GE(zc.bytes, ram.size / 2);
}

/* Boot 0: leave traces everywhere, then reset. */
static void boot0(void)
{
	if (!ram_info(&ram)) {
		printf("# reset: no /memory in the DTB\n");
		return;
	}
	reset_data = DATA_CHANGED;
	ram_for_each_free(&ram, fill_marker, NULL);
	dsb();
	printf("# reset: boot 0: RAM filled with 0x%08x, calling SYSTEM_RESET\n",
	       MARKER);
	reset_ret = psci_system_reset();
	printf("# reset: SYSTEM_RESET returned %ld\n", reset_ret);
}

int main(void)
{
	boot = boot_count();
	printf("# reset: boot %ld\n", boot);
	if (boot < 0)
		printf("# reset: no lowvisor,boot-count in /chosen\n");
	if (boot == 0)
		boot0();
	return test_run_all();
}
