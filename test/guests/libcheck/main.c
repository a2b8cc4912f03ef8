// SPDX-License-Identifier: MIT
/*
 * libcheck: the guests' library checking itself, natively (no hypervisor
 * needed): printf, bootargs, the FDT reader, and the framework's own
 * failure paths.  The fail.* tests fail on purpose; native.sh checks that
 * they, and only they, do.
 *
 * Run with: -smp 2 -append "flag name=vm1 n=42 list=1,0xA0,4294967295
 *           bad=1,,2 big=0x100000000"
 */
#include "test.h"

TEST(fail, unexpected_abort)
{
	(void)*(volatile uint32_t *)0x81000000;
}

TEST(fail, expectations)
{
	EXPECT_EQ(1, 2);
	EXPECT_EQ64(1ull << 40, 3);
	EXPECT_TRUE(0 > 1);
}

TEST(fail, assert_returns)
{
	ASSERT_EQ(1, 0);
	printf("# NOT REACHED\n");
}

TEST(framework, skip)
{
	SKIP("reason %d", 42);
}

TEST(framework, compare)
{
	int32_t minus_one = -1;
	uint32_t reg = 0xffffffffu;

	EXPECT_LT(minus_one, 0);
	EXPECT_GE(reg, 1u);
	EXPECT_EQ(reg, PSCI_RET_NOT_SUPPORTED);
	EXPECT_NE(reg, 0);
	EXPECT_EQ64(1ull << 40, 1ull << 40);
	EXPECT_FALSE(test_failed());
}

TEST(printf, conversions)
{
	char b[128];

	snprintf(b, sizeof(b), "%d|%5d|%-5d|%05d|%x|%08X|%llx|%lld|%s|%c|%%|%p|%zu|%lu",
		 -12, 3, 4, -5, 0xabcu, 0xbeefu, 0x123456789abcull,
		 -9000000000ll, "s", 'c', (void *)0x1234, (size_t)7, 0xffffffffu + 0ul);
	EXPECT_TRUE(!strcmp(b, "-12|    3|4    |-0005|abc|0000BEEF|123456789abc|"
			       "-9000000000|s|c|%|0x00001234|7|4294967295"));
	snprintf(b, sizeof(b), "%+d|%+ld|%+d", 5, -6l, 0);
	EXPECT_TRUE(!strcmp(b, "+5|-6|+0"));
	EXPECT_EQ(snprintf(b, 4, "%s", "abcdef"), 6);
	EXPECT_TRUE(!strcmp(b, "abc"));
}

TEST(bootargs, parse)
{
	char v[16];
	uint32_t x, l[4];

	EXPECT_TRUE(bootarg_get("flag", v, sizeof(v)));
	EXPECT_EQ(v[0], '\0');
	EXPECT_TRUE(bootarg_get("name", v, sizeof(v)) && !strcmp(v, "vm1"));
	EXPECT_FALSE(bootarg_get("nam", v, sizeof(v)));
	EXPECT_TRUE(bootarg_u32("n", &x));
	EXPECT_EQ(x, 42);
	EXPECT_EQ(bootarg_u32_list("list", l, 4), 3);
	EXPECT_EQ(l[0], 1);
	EXPECT_EQ(l[1], 0xa0);
	EXPECT_EQ(l[2], 0xffffffffu);
	EXPECT_EQ(bootarg_u32_list("bad", l, 4), -1);
	EXPECT_FALSE(bootarg_u32("big", &x));
	EXPECT_EQ(bootarg_u32_list("absent", l, 4), 0);
}

TEST(fdt, lookups)
{
	const void *fdt = guest_dtb();
	uint32_t len, mpidrs[GUEST_MAX_CPUS];
	const char *s = fdt_getprop(fdt, "/pl011@9000000", "compatible", &len);
	uint64_t base, size;

	EXPECT_TRUE(s && !strcmp(s, "arm,pl011"));
	EXPECT_TRUE(fdt_getprop(fdt, "/pl011", "compatible", &len));
	EXPECT_FALSE(fdt_getprop(fdt, "/pl0", "compatible", &len));
	EXPECT_FALSE(fdt_getprop(fdt, "/chosen/x", "bootargs", &len));
	EXPECT_TRUE(fdt_getprop(fdt, "/cpus/cpu@1", "reg", &len));
	EXPECT_EQ(len, 4);
	EXPECT_EQ(fdt_cpus(fdt, mpidrs, GUEST_MAX_CPUS), 2);
	EXPECT_EQ(mpidrs[1], 1);
	ASSERT_TRUE(fdt_memory(fdt, &base, &size));
	EXPECT_EQ64(base, 0x40000000);
	EXPECT_EQ64(size, 1024ull << 20);
	EXPECT_FALSE(fdt_valid((const void *)__image_start));
	EXPECT_EQ(boot_count(), -1);
}

int main(void)
{
	return test_run_all();
}
