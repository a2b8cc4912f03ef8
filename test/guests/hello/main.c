// SPDX-License-Identifier: MIT
/*
 * hello: the smallest useful VM (configs/hello.its, the default bundle).
 * It says hello with what its DTB tells it, checks the few things every
 * guest needs (entry state, DTB, PSCI by HVC, Lowvisor's UID), and powers
 * its VM off.
 */
#include "test.h"

TEST(hello, entry_state)
{
	EXPECT_EQ(boot_info.cpsr & CPSR_MODE_MASK, CPSR_MODE_SVC);
	EXPECT_EQ(boot_info.sctlr & SCTLR_M, 0);
	EXPECT_EQ(boot_info.r0, 0);
	EXPECT_EQ(boot_info.r1, 0xffffffffu);
	EXPECT_TRUE(fdt_valid(guest_dtb()));
}

TEST(hello, psci_version)
{
	EXPECT_EQ(psci_version(), PSCI_VERSION_1_0);
}

TEST(hello, lowvisor_uid)
{
	struct smccc_res r;

	smccc_hvc(LOWVISOR_FN_CALL_UID, 0, 0, 0, &r);
	EXPECT_EQ(r.a0, LOWVISOR_UID_0);
	EXPECT_EQ(r.a1, LOWVISOR_UID_1);
	EXPECT_EQ(r.a2, LOWVISOR_UID_2);
	EXPECT_EQ(r.a3, LOWVISOR_UID_3);
}

int main(void)
{
	struct ram_info ram = { 0 };
	uint32_t mpidrs[GUEST_MAX_CPUS];
	int cpus = fdt_cpus(guest_dtb(), mpidrs, GUEST_MAX_CPUS);

	ram_info(&ram);
	printf("hello from a Lowvisor VM: %d CPU(s), %lu KiB of RAM at 0x%08lx, "
	       "boot %ld\n",
	       cpus, ram.size >> 10, ram.base, boot_count());
	printf("# bootargs \"%s\"\n", bootargs());
	if (boot_info.dtb != boot_info.r2)
		printf("# the DTB at 0x%08lx lay in BSS: moved to 0x%08lx\n",
		       boot_info.r2, boot_info.dtb);
	return test_run_all();
}
