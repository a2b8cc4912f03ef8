// SPDX-License-Identifier: MIT
#include "drivers.h"

__asm__(".arch_extension sec\n.arch_extension virt");

int32_t psci_smc(uint32_t fn, uint32_t a1, uint32_t a2, uint32_t a3)
{
	register uint32_t r0 __asm__("r0") = fn;
	register uint32_t r1 __asm__("r1") = a1;
	register uint32_t r2 __asm__("r2") = a2;
	register uint32_t r3 __asm__("r3") = a3;

	__asm__ volatile("smc #0" : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3)::"memory");
	return (int32_t)r0;
}

const char *psci_strerror(int32_t err)
{
	static const char *const names[] = {
		"SUCCESS",   "NOT_SUPPORTED", "INVALID_PARAMETERS", "DENIED",
		"ALREADY_ON", "ON_PENDING",   "INTERNAL_FAILURE",
	};

	if (err <= 0 && err > -(int32_t)(sizeof(names) / sizeof(names[0])))
		return names[-err];
	return "unknown error";
}
