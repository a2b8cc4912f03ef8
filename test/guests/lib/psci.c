// SPDX-License-Identifier: MIT
/* PSCI 1.0 calls by HVC (the conduit Lowvisor's guest DTB names). */
#include "guest.h"

static int32_t psci_call(uint32_t fn, uint32_t a1, uint32_t a2, uint32_t a3)
{
	return (int32_t)smccc_hvc(fn, a1, a2, a3, NULL);
}

int32_t psci_version(void)
{
	return psci_call(PSCI_0_2_FN_VERSION, 0, 0, 0);
}

int32_t psci_cpu_on(uint32_t mpidr, uintptr_t entry, uint32_t context_id)
{
	return psci_call(PSCI_0_2_FN_CPU_ON, mpidr, entry, context_id);
}

int32_t psci_cpu_off(void)
{
	return psci_call(PSCI_0_2_FN_CPU_OFF, 0, 0, 0);
}

int32_t psci_affinity_info(uint32_t mpidr, uint32_t level)
{
	return psci_call(PSCI_0_2_FN_AFFINITY_INFO, mpidr, level, 0);
}

int32_t psci_migrate_info_type(void)
{
	return psci_call(PSCI_0_2_FN_MIGRATE_INFO_TYPE, 0, 0, 0);
}

int32_t psci_features(uint32_t fn)
{
	return psci_call(PSCI_1_0_FN_PSCI_FEATURES, fn, 0, 0);
}

int32_t psci_system_off(void)
{
	return psci_call(PSCI_0_2_FN_SYSTEM_OFF, 0, 0, 0);
}

int32_t psci_system_reset(void)
{
	return psci_call(PSCI_0_2_FN_SYSTEM_RESET, 0, 0, 0);
}
