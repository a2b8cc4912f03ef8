// SPDX-License-Identifier: MIT
#include "drivers.h"

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
