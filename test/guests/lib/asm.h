/* SPDX-License-Identifier: MIT */
/* Assembly helpers of the test guests' library. */
#ifndef GUEST_ASM_H
#define GUEST_ASM_H

#define BEGIN_FUNC(name)                                                       \
	.global name;                                                          \
	.type name, %function;                                                 \
	name:
#define END_FUNC(name) .size name, .- name

#define MODE_FIQ 0x11
#define MODE_IRQ 0x12
#define MODE_SVC 0x13
#define MODE_ABT 0x17
#define MODE_UND 0x1b
#define PSR_I (1 << 7)
#define PSR_F (1 << 6)

/* CP15 registers, as the ARM ARM names them: mrc SCTLR(r0) */
#define MIDR(r) p15, 0, r, c0, c0, 0
#define CTR(r) p15, 0, r, c0, c0, 1
#define MPIDR(r) p15, 0, r, c0, c0, 5
#define SCTLR(r) p15, 0, r, c1, c0, 0
#define ICIALLU(r) p15, 0, r, c7, c5, 0
#define DCCIMVAC(r) p15, 0, r, c7, c14, 1
#define TLBIALL(r) p15, 0, r, c8, c7, 0
#define VBAR(r) p15, 0, r, c12, c0, 0

#define SCTLR_M (1 << 0)
#define SCTLR_C (1 << 2)
#define SCTLR_I (1 << 12)

/* Per-CPU stack block (guest.ld GUEST_STACK_BLOCK): the top of each
 * mode's stack, from the block's base. */
#define STACK_BLOCK_SHIFT 15
#define STACK_UND_TOP 0x1000
#define STACK_ABT_TOP 0x2000
#define STACK_IRQ_TOP 0x3000
#define STACK_FIQ_TOP 0x4000
#define STACK_SVC_TOP 0x8000
#define GUEST_MAX_CPUS 8

#define UART_BASE 0x09000000

#endif
