/* SPDX-License-Identifier: MIT */
/*
 * Exception vectors of the test guests.  Each entry pushes a struct
 * exc_frame (r0-r12, the mode's LR, the return PC and SPSR) on that mode's
 * stack, lets exc_handle report the exception and pick the return address,
 * and returns with RFE.
 */
#include "asm.h"

	.syntax unified
	.arm
	.text

	.align	5
BEGIN_FUNC(guest_vectors)
	b	vec_reset
	b	vec_undef
	b	vec_svc
	b	vec_pabt
	b	vec_dabt
	b	vec_hyp
	b	vec_irq
	b	vec_fiq
END_FUNC(guest_vectors)

/* srsdb stores LR and SPSR; with r0-r12 and LR again the frame is 64
 * bytes, so the C call sees an 8-byte aligned stack. */
.macro vector name, mode, type
\name:
	srsdb	sp!, #\mode
	push	{r0-r12, lr}
	mov	r0, #\type
	mov	r1, sp
	bl	exc_handle
	pop	{r0-r12, lr}
	rfeia	sp!
.endm

	vector	vec_undef, MODE_UND, 2
	vector	vec_svc, MODE_SVC, 3
	vector	vec_pabt, MODE_ABT, 4
	vector	vec_dabt, MODE_ABT, 5
	vector	vec_irq, MODE_IRQ, 7
	vector	vec_fiq, MODE_FIQ, 8

/* Neither is taken in SVC mode; there is nothing sensible to return to. */
vec_reset:
vec_hyp:
	b	.
