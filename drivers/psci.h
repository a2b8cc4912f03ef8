/* SPDX-License-Identifier: MIT */
/* Calls to the platform's PSCI firmware, by SMC (the DTB's method). */
#ifndef LOWVISOR_PSCI_H
#define LOWVISOR_PSCI_H

#include <stdint.h>

#include "uapi/lowvisor.h" /* the PSCI function IDs and return values */

int32_t psci_smc(uint32_t fn, uint32_t a1, uint32_t a2, uint32_t a3);
const char *psci_strerror(int32_t err);

#endif
