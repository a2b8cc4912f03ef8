/* SPDX-License-Identifier: MIT */
/*
 * SMCCC conduits.  The result pointer (the fifth argument, on the stack)
 * is kept on the stack across the call rather than in a register the
 * callee must preserve: these wrappers are what tests of preservation use.
 */
#include "asm.h"

	.syntax unified
	.arch_extension virt
	.arch_extension sec
	.arm
	.text

.macro smccc_call name, insn
BEGIN_FUNC(\name)
	ldr	r12, [sp]			@ res
	push	{r12, lr}
	\insn	#0
	pop	{r12, lr}
	cmp	r12, #0
	stmiane	r12, {r0-r3}
	bx	lr
END_FUNC(\name)
.endm

	smccc_call smccc_hvc, hvc
	smccc_call smccc_smc, smc

/*
 * void smccc_hvc_regs(uint32_t r[8]), smccc_smc_regs(uint32_t r[8])
 * HVC #0 / SMC #0 with r0-r7 loaded from r[], which gets r0-r7 as they
 * are after the call.  NAME_insn is the address of the HVC or SMC itself.
 */
.macro smccc_regs name, insn
BEGIN_FUNC(\name)
	push	{r4-r11, lr}
	push	{r0, r1}			@ r[]
	ldm	r0, {r0-r7}
	.global	\name\()_insn
\name\()_insn:
	\insn	#0
	pop	{r8, r9}
	stm	r8, {r0-r7}
	pop	{r4-r11, pc}
END_FUNC(\name)
.endm

	smccc_regs smccc_hvc_regs, hvc
	smccc_regs smccc_smc_regs, smc

/*
 * uint32_t smccc_hvc_clobbers(uint32_t fn)
 * HVC #0 with fn and r1-r3 = 0 and known values in r4-r12 and LR; returns
 * the set of registers (bit n = rn, bit 13 = SP, bit 14 = LR) that came
 * back changed.
 */
BEGIN_FUNC(smccc_hvc_clobbers)
	push	{r4-r11, lr}
	ldr	r1, =clobbers_sp
	str	sp, [r1]
	ldr	r4, =0xa5a50004
	add	r5, r4, #1
	add	r6, r4, #2
	add	r7, r4, #3
	add	r8, r4, #4
	add	r9, r4, #5
	add	r10, r4, #6
	add	r11, r4, #7
	add	r12, r4, #8
	add	lr, r4, #10
	mov	r1, #0
	mov	r2, #0
	mov	r3, #0
	hvc	#0
	mov	r0, #0
	ldr	r1, =0xa5a50004
	cmp	r4, r1
	orrne	r0, r0, #(1 << 4)
	add	r1, r1, #1
	cmp	r5, r1
	orrne	r0, r0, #(1 << 5)
	add	r1, r1, #1
	cmp	r6, r1
	orrne	r0, r0, #(1 << 6)
	add	r1, r1, #1
	cmp	r7, r1
	orrne	r0, r0, #(1 << 7)
	add	r1, r1, #1
	cmp	r8, r1
	orrne	r0, r0, #(1 << 8)
	add	r1, r1, #1
	cmp	r9, r1
	orrne	r0, r0, #(1 << 9)
	add	r1, r1, #1
	cmp	r10, r1
	orrne	r0, r0, #(1 << 10)
	add	r1, r1, #1
	cmp	r11, r1
	orrne	r0, r0, #(1 << 11)
	add	r1, r1, #1
	cmp	r12, r1
	orrne	r0, r0, #(1 << 12)
	add	r1, r1, #2
	cmp	lr, r1
	orrne	r0, r0, #(1 << 14)
	ldr	r1, =clobbers_sp
	ldr	r1, [r1]
	cmp	sp, r1
	orrne	r0, r0, #(1 << 13)
	movne	sp, r1
	pop	{r4-r11, pc}
END_FUNC(smccc_hvc_clobbers)

	.bss
	.align	2
clobbers_sp:
	.space	4
