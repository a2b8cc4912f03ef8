/* SPDX-License-Identifier: MIT */
/* Calls to the platform's PSCI firmware, by SMC or HVC as the DTB says. */
#ifndef LOWVISOR_PSCI_H
#define LOWVISOR_PSCI_H

#include <stdint.h>

#define PSCI_VERSION 0x84000000u
#define PSCI_SUCCESS 0
#define PSCI_NOT_SUPPORTED (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_DENIED (-3)
#define PSCI_ALREADY_ON (-4)
#define PSCI_ON_PENDING (-5)
#define PSCI_INTERNAL_FAILURE (-6)

int32_t psci_smc(uint32_t fn, uint32_t a1, uint32_t a2, uint32_t a3);
int32_t psci_hvc(uint32_t fn, uint32_t a1, uint32_t a2, uint32_t a3);
const char *psci_strerror(int32_t err);

#endif
