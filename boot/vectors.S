/* SPDX-License-Identifier: MIT */
/*
 * HYP exception vectors.  Every entry saves a struct trap_frame (r0-r12,
 * lr, ELR_hyp, SPSR_hyp) on the HYP stack and calls C.  IRQs return;
 * everything else is unexpected for now and ends in a register dump.
 */
#include "asm.h"
#include "asm-offsets.h"

	.syntax unified
	.arch_extension virt
	.text
	.arm
	.align 5
BEGIN_FUNC(hyp_vectors)
	b	vec_reset
	b	vec_undef
	b	vec_svc
	b	vec_pabt
	b	vec_dabt
	b	vec_trap
	b	vec_irq
	b	vec_fiq
END_FUNC(hyp_vectors)

.macro save_frame
	sub	sp, sp, #FRAME_SIZE
	stmia	sp, {r0-r12, lr}
	mrs	r0, ELR_hyp
	mrs	r1, spsr			@ SPSR_hyp: the banked form is UNPREDICTABLE in HYP
	str	r0, [sp, #FRAME_ELR]
	str	r1, [sp, #FRAME_SPSR]
	mov	r0, sp
.endm

.macro unexpected n
	save_frame
	mov	r1, #\n
	bl	hyp_unexpected
.endm

vec_reset:	unexpected 0
vec_undef:	unexpected 1
vec_svc:	unexpected 2
vec_pabt:	unexpected 3
vec_dabt:	unexpected 4
vec_trap:	unexpected 5
vec_fiq:	unexpected 7

vec_irq:
	save_frame
	bl	hyp_irq
	ldr	r0, [sp, #FRAME_ELR]
	ldr	r1, [sp, #FRAME_SPSR]
	msr	ELR_hyp, r0
	msr	spsr_cxsf, r1
	ldmia	sp, {r0-r12, lr}
	add	sp, sp, #FRAME_SIZE
	eret
