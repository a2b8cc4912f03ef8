// SPDX-License-Identifier: MIT
/*
 * Structure offsets for assembly.  Compiled to assembly only; the build
 * turns each "->NAME value" marker into a #define in asm-offsets.h.
 */
#include <stddef.h>

#include "emul.h"
#include "percpu.h"
#include "trap.h"
#include "vcpu.h"

/* boot/guest.S moves these with ldm/stm: r0-r12 first, then the banked
 * registers, one word each, in the order of the struct (C keeps it). */
_Static_assert(offsetof(struct vcpu_gpregs, r) == 0, "guest_enter's ldm r0, {r0-r12}");
_Static_assert(offsetof(struct vcpu_gpregs, spsr_fiq) ==
		       offsetof(struct vcpu_gpregs, sp_usr) + 21 * sizeof(uint32_t),
	       "banked_save and banked_restore's ldm/stm: no padding");

#define DEFINE(sym, val) __asm__ volatile("\n.ascii \"->" #sym " %0\"" ::"i"(val))

void asm_offsets(void);
void asm_offsets(void)
{
	DEFINE(PERCPU_SIZE, sizeof(struct percpu));
	DEFINE(PERCPU_STACK_TOP, offsetof(struct percpu, stack) + PERCPU_STACK_SIZE);
	DEFINE(FRAME_SIZE, sizeof(struct trap_frame));
	DEFINE(FRAME_ELR, offsetof(struct trap_frame, elr));
	DEFINE(FRAME_SPSR, offsetof(struct trap_frame, spsr));
	DEFINE(PERCPU_GUEST_REGS, offsetof(struct percpu, guest_regs));
	DEFINE(GP_R11, offsetof(struct vcpu_gpregs, r[11]));
	DEFINE(GP_R12, offsetof(struct vcpu_gpregs, r[12]));
	DEFINE(GP_SP_USR, offsetof(struct vcpu_gpregs, sp_usr));
	DEFINE(GP_LR_USR, offsetof(struct vcpu_gpregs, lr_usr));
	DEFINE(GP_PC, offsetof(struct vcpu_gpregs, pc));
	DEFINE(GP_CPSR, offsetof(struct vcpu_gpregs, cpsr));
	DEFINE(EXIT_TRAP, EXIT_TRAP);
	DEFINE(EXIT_IRQ, EXIT_IRQ);
	DEFINE(EXIT_FIQ, EXIT_FIQ);
	DEFINE(HSR_EC_SHIFT, HSR_EC_SHIFT);
	DEFINE(HSR_EC_HVC, HSR_EC_HVC);
}
