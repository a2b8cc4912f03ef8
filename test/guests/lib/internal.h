/* SPDX-License-Identifier: MIT */
/* Between the library's assembly and C; not for the guests. */
#ifndef GUEST_INTERNAL_H
#define GUEST_INTERNAL_H

#include <stdint.h>

/* What vectors.S pushes. */
struct exc_frame {
	uint32_t r[13];
	uint32_t lr; /* the exception mode's LR */
	uint32_t ret_pc; /* LR at entry; exc_handle sets where to return */
	uint32_t spsr;
};

void exc_handle(uint32_t type, struct exc_frame *f);
void smp_secondary_main(uint32_t context_id, uint32_t cpsr, uint32_t sctlr)
	__attribute__((noreturn));

#endif
