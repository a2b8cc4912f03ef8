/* SPDX-License-Identifier: MIT */
/*
 * Lowvisor's guest ABI: the one header shared by the hypervisor, the test
 * guests and the tools.
 *
 * Calls follow the SMC Calling Convention (ARM DEN 0028): HVC #0, function
 * ID in r0, arguments in r1-r6, results in r0-r3.  PSCI 1.0 (0x84000000 -
 * 0x8400001F) and SMCCC's own calls are served as the specifications say;
 * Lowvisor's calls are fast calls in the vendor-specific hypervisor service
 * range 0x86000000 - 0x8600FFFF.  An unknown function ID returns
 * SMCCC_RET_NOT_SUPPORTED (-1); Lowvisor's own errors are negative errno
 * values.
 */
#ifndef LOWVISOR_UAPI_H
#define LOWVISOR_UAPI_H

#include <stdint.h>

/* SMCCC */
#define SMCCC_VERSION 0x80000000u
#define SMCCC_ARCH_FEATURES 0x80000001u
#define SMCCC_VERSION_1_1 0x10001
#define SMCCC_RET_SUCCESS 0
#define SMCCC_RET_NOT_SUPPORTED (-1)

/* PSCI 1.0, 32-bit calling convention */
#define PSCI_0_2_FN_VERSION 0x84000000u
#define PSCI_0_2_FN_CPU_SUSPEND 0x84000001u
#define PSCI_0_2_FN_CPU_OFF 0x84000002u
#define PSCI_0_2_FN_CPU_ON 0x84000003u
#define PSCI_0_2_FN_AFFINITY_INFO 0x84000004u
#define PSCI_0_2_FN_MIGRATE_INFO_TYPE 0x84000006u
#define PSCI_0_2_FN_SYSTEM_OFF 0x84000008u
#define PSCI_0_2_FN_SYSTEM_RESET 0x84000009u
#define PSCI_1_0_FN_PSCI_FEATURES 0x8400000Au

#define PSCI_VERSION_1_0 0x00010000
#define PSCI_RET_SUCCESS 0
#define PSCI_RET_NOT_SUPPORTED (-1)
#define PSCI_RET_INVALID_PARAMS (-2)
#define PSCI_RET_DENIED (-3)
#define PSCI_RET_ALREADY_ON (-4)
#define PSCI_RET_ON_PENDING (-5)
#define PSCI_RET_INTERNAL_FAILURE (-6)
#define PSCI_RET_NOT_PRESENT (-7)
#define PSCI_RET_DISABLED (-8)
#define PSCI_RET_INVALID_ADDRESS (-9)

#define PSCI_AFFINITY_ON 0
#define PSCI_AFFINITY_OFF 1
#define PSCI_AFFINITY_ON_PENDING 2
#define PSCI_MIGRATE_NOT_PRESENT 2 /* MIGRATE_INFO_TYPE: no Trusted OS */

/* Lowvisor's vendor-specific hypervisor service calls */
#define LOWVISOR_FN(n) (0x86000000u | (n))
#define LOWVISOR_FN_CALL_UID LOWVISOR_FN(0xFF01)
#define LOWVISOR_FN_REVISION LOWVISOR_FN(0xFF03)

/*
 * CALL_UID returns this UUID in r0-r3 (SMCCC: the bytes of the UUID in
 * order, four per register, little-endian within each register).
 * UUID 6c6f7776-6973-6f72-a15e-2026c0ffee00 ("lowvisor").
 */
#define LOWVISOR_UID_0 0x76776f6cu
#define LOWVISOR_UID_1 0x726f7369u
#define LOWVISOR_UID_2 0x26205ea1u
#define LOWVISOR_UID_3 0x00eeffc0u

/* REVISION: major in r0, minor in r1. */
#define LOWVISOR_ABI_MAJOR 0
#define LOWVISOR_ABI_MINOR 1

#endif
