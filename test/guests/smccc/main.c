// SPDX-License-Identifier: MIT
/*
 * smccc: the calls every guest may make by HVC #0, and their answers per
 * the SMC Calling Convention, PSCI 1.0 and include/uapi/lowvisor.h.
 */
#include "test.h"

#define SMCCC_ARCH_UNKNOWN 0x80007fffu
#define PSCI_FN_UNKNOWN 0x8400001fu /* in PSCI's range, not a PSCI call */
#define LOWVISOR_FN_UNKNOWN 0x86000042u
#define FN_UNKNOWN_SMC64 0xc5000000u

TEST(smccc, version)
{
	struct smccc_res r;

	smccc_hvc(SMCCC_VERSION, 0, 0, 0, &r);
	printf("# SMCCC_VERSION 0x%08lx\n", r.a0);
	EXPECT_LT(r.a0, 0x80000000u); /* not an error */
	EXPECT_GE(r.a0, SMCCC_VERSION_1_1);
}

/* Linux asks PSCI_FEATURES before it trusts SMCCC_VERSION. */
TEST(smccc, discoverable_through_psci_features)
{
	EXPECT_EQ(psci_features(SMCCC_VERSION), PSCI_RET_SUCCESS);
}

TEST(smccc, arch_features_unknown)
{
	struct smccc_res r;

	smccc_hvc(SMCCC_ARCH_FEATURES, SMCCC_ARCH_UNKNOWN, 0, 0, &r);
	EXPECT_EQ(r.a0, SMCCC_RET_NOT_SUPPORTED);
}

/* r4-r12, SP and LR survive a call; only r0-r3 carry results. */
TEST(smccc, registers_preserved)
{
	EXPECT_EQ(smccc_hvc_clobbers(PSCI_0_2_FN_VERSION), 0);
	EXPECT_EQ(smccc_hvc_clobbers(LOWVISOR_FN_CALL_UID), 0);
	EXPECT_EQ(smccc_hvc_clobbers(FN_UNKNOWN_SMC64), 0);
}

TEST(psci, version)
{
	int32_t v = psci_version();

	printf("# PSCI_VERSION 0x%08lx\n", (uint32_t)v);
	EXPECT_EQ(v, PSCI_VERSION_1_0);
}

TEST(psci, features)
{
	EXPECT_EQ(psci_features(PSCI_0_2_FN_CPU_ON), PSCI_RET_SUCCESS);
	EXPECT_EQ(psci_features(PSCI_0_2_FN_CPU_OFF), PSCI_RET_SUCCESS);
	EXPECT_EQ(psci_features(PSCI_0_2_FN_SYSTEM_OFF), PSCI_RET_SUCCESS);
	EXPECT_EQ(psci_features(PSCI_0_2_FN_SYSTEM_RESET), PSCI_RET_SUCCESS);
	EXPECT_EQ(psci_features(PSCI_1_0_FN_PSCI_FEATURES), PSCI_RET_SUCCESS);
	EXPECT_EQ(psci_features(PSCI_FN_UNKNOWN), PSCI_RET_NOT_SUPPORTED);
	EXPECT_EQ(psci_features(LOWVISOR_FN_UNKNOWN), PSCI_RET_NOT_SUPPORTED);
}

TEST(psci, migrate_info_type)
{
	EXPECT_EQ(psci_migrate_info_type(), PSCI_MIGRATE_NOT_PRESENT);
}

TEST(psci, unknown_function)
{
	struct smccc_res r;

	smccc_hvc(PSCI_FN_UNKNOWN, 0, 0, 0, &r);
	EXPECT_EQ(r.a0, PSCI_RET_NOT_SUPPORTED);
}

TEST(lowvisor, call_uid)
{
	struct smccc_res r;

	smccc_hvc(LOWVISOR_FN_CALL_UID, 0, 0, 0, &r);
	printf("# CALL_UID 0x%08lx 0x%08lx 0x%08lx 0x%08lx\n", r.a0, r.a1, r.a2,
	       r.a3);
	EXPECT_EQ(r.a0, LOWVISOR_UID_0);
	EXPECT_EQ(r.a1, LOWVISOR_UID_1);
	EXPECT_EQ(r.a2, LOWVISOR_UID_2);
	EXPECT_EQ(r.a3, LOWVISOR_UID_3);
}

TEST(lowvisor, revision)
{
	struct smccc_res r;

	smccc_hvc(LOWVISOR_FN_REVISION, 0, 0, 0, &r);
	printf("# REVISION %lu.%lu\n", r.a0, r.a1);
	EXPECT_EQ(r.a0, LOWVISOR_ABI_MAJOR);
	EXPECT_EQ(r.a1, LOWVISOR_ABI_MINOR);
}

TEST(lowvisor, unknown_function)
{
	EXPECT_EQ(smccc_hvc(LOWVISOR_FN_UNKNOWN, 1, 2, 3, NULL),
		  SMCCC_RET_NOT_SUPPORTED);
}

TEST(smccc, unknown_function)
{
	EXPECT_EQ(smccc_hvc(FN_UNKNOWN_SMC64, 0, 0, 0, NULL),
		  SMCCC_RET_NOT_SUPPORTED);
}

int main(void)
{
	return test_run_all();
}
