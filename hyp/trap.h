/* SPDX-License-Identifier: MIT */
#ifndef LOWVISOR_TRAP_H
#define LOWVISOR_TRAP_H

#include <stdint.h>

#include "types.h"

/* What boot/vectors.S saves on every exception taken to HYP. */
struct trap_frame {
	uint32_t r[13];
	uint32_t lr;
	uint32_t elr;
	uint32_t spsr;
};

enum hyp_vector {
	VEC_RESET,
	VEC_UNDEF,
	VEC_SVC,
	VEC_PABT,
	VEC_DABT,
	VEC_TRAP,
	VEC_IRQ,
	VEC_FIQ,
};

/* Why guest_enter() returned. */
enum guest_exit_reason {
	EXIT_TRAP, /* HSR says what */
	EXIT_IRQ,
	EXIT_FIQ,
};

uint32_t guest_enter(void *regs);

__noreturn void hyp_unexpected(struct trap_frame *f, unsigned vector);
void hyp_irq(struct trap_frame *f);
__noreturn void hyp_panic_dump(const char *why, const struct trap_frame *f);

#endif
