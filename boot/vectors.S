/* SPDX-License-Identifier: MIT */
/*
 * HYP exception vectors.  From a guest: a trap goes to trap_fast() and
 * maybe back to the guest, everything else leaves through guest_exit.
 * From HYP itself: every entry saves a struct trap_frame (r0-r12, lr,
 * ELR_hyp, SPSR_hyp) on the HYP stack and calls C; IRQs return, anything
 * else is unexpected and ends in a register dump.
 */
#include "asm.h"
#include "asm-offsets.h"
#include "arch/cpsr.h"

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

/* An exception from a guest: its r0-r12 and lr (LR_usr) as a struct
 * guest_frame on the HYP stack, then guest_exit (boot/guest.S). */
.macro from_guest reason
	push	{r0-r12, lr}
	mov	r0, #\reason
	b	guest_exit
.endm

/* Flags from comparing SPSR_hyp's mode with HYP; r0 is preserved. */
.macro test_from_hyp
	push	{r0}
	mrs	r0, spsr
	and	r0, r0, #CPSR_MODE_MASK
	cmp	r0, #CPSR_MODE_HYP
	pop	{r0}
.endm

vec_reset:	unexpected 0
vec_undef:	unexpected 1
vec_svc:	unexpected 2
vec_pabt:	unexpected 3
vec_dabt:	unexpected 4

/* A trap from a guest goes to trap_hvc() if it is a hypercall
 * (hyp/hypercall.c: it pays for no frame but its own), else to
 * trap_fast() (hyp/trap.c).  Both serve the common cases with only the
 * frame saved and say -1, back to the guest at once; or they name the
 * exit reason for the whole exit through guest_exit.  Only a guest gets here:
 * the Hyp Trap vector is for exceptions taken to HYP from a Non-secure
 * PL0/PL1 mode; HYP's own undefined instructions, calls and aborts have
 * the entries above (ARM ARM B1.8.3). */
vec_trap:
	push	{r0-r12, lr}
	mov	r0, sp
	mrc	p15, 4, r1, c5, c2, 0		@ HSR: trap_fast's second argument
	lsr	r2, r1, #HSR_EC_SHIFT
	cmp	r2, #HSR_EC_HVC
	beq	2f
	bl	trap_fast
1:	cmn	r0, #1
	bne	guest_exit
	pop	{r0-r12, lr}
	eret
2:	bl	trap_hvc
	b	1b

vec_fiq:
	test_from_hyp
	bne	1f
	unexpected 7
1:	from_guest EXIT_FIQ

vec_irq:
	test_from_hyp
	bne	1f
	save_frame
	bl	hyp_irq
	ldr	r0, [sp, #FRAME_ELR]
	ldr	r1, [sp, #FRAME_SPSR]
	msr	ELR_hyp, r0
	msr	spsr_cxsf, r1
	ldmia	sp, {r0-r12, lr}
	add	sp, sp, #FRAME_SIZE
	eret
1:	from_guest EXIT_IRQ
