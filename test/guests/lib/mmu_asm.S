/* SPDX-License-Identifier: MIT */
#include "asm.h"

	.syntax unified
	.arm
	.text

/*
 * void mmu_disable(void)
 * Data cache off first, so nothing new becomes dirty; then clean and
 * invalidate the whole image (data, BSS, stacks) by VA; then MMU and
 * I-cache off.  No stack is used between the first and the last step.
 */
BEGIN_FUNC(mmu_disable)
	mrc	SCTLR(r0)
	bic	r0, r0, #SCTLR_C
	mcr	SCTLR(r0)
	isb
	mrc	CTR(r3)
	ubfx	r3, r3, #16, #4			@ DminLine: log2(words)
	mov	r2, #4
	lsl	r2, r2, r3			@ line size in bytes
	ldr	r0, =__image_start
	ldr	r1, =__image_end
	sub	r3, r2, #1
	bic	r0, r0, r3
1:	mcr	DCCIMVAC(r0)
	add	r0, r0, r2
	cmp	r0, r1
	blo	1b
	dsb
	mrc	SCTLR(r0)
	bic	r0, r0, #SCTLR_M
	bic	r0, r0, #SCTLR_I
	mcr	SCTLR(r0)
	isb
	mov	r0, #0
	mcr	ICIALLU(r0)
	mcr	TLBIALL(r0)
	dsb
	isb
	bx	lr
END_FUNC(mmu_disable)
