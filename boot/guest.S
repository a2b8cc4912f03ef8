/* SPDX-License-Identifier: MIT */
/*
 * The world switch's register half.  guest_enter() saves the host's
 * callee-saved registers on the HYP stack, loads the guest's general and
 * banked registers and erets; every exit from the guest (a trap, an IRQ or
 * an FIQ taken to HYP) saves them back and returns from guest_enter() with
 * the reason.  CP15 and VFP state are switched in C (hyp/vcpu.c).
 */
#include "asm.h"
#include "asm-offsets.h"

	.syntax unified
	.arch_extension virt
	.text
	.arm

/* uint32_t guest_enter(struct vcpu_gpregs *regs) */
BEGIN_FUNC(guest_enter)
	push	{r4-r12, lr}
	mrc	HTPIDR(r1)
	movw	r2, #PERCPU_GUEST_REGS
	str	r0, [r1, r2]
	add	r1, r0, #GP_SP_USR
	ldm	r1!, {r2, r3}			@ sp_usr, lr_usr (HYP's lr is lr_usr)
	msr	SP_usr, r2
	mov	lr, r3
	ldm	r1!, {r2, r3, r4}
	msr	SP_svc, r2
	msr	LR_svc, r3
	msr	SPSR_svc, r4
	ldm	r1!, {r2, r3, r4}
	msr	SP_abt, r2
	msr	LR_abt, r3
	msr	SPSR_abt, r4
	ldm	r1!, {r2, r3, r4}
	msr	SP_und, r2
	msr	LR_und, r3
	msr	SPSR_und, r4
	ldm	r1!, {r2, r3, r4}
	msr	SP_irq, r2
	msr	LR_irq, r3
	msr	SPSR_irq, r4
	ldm	r1!, {r2, r3, r4, r5, r6, r7, r8, r9}
	msr	r8_fiq, r2
	msr	r9_fiq, r3
	msr	r10_fiq, r4
	msr	r11_fiq, r5
	msr	r12_fiq, r6
	msr	SP_fiq, r7
	msr	LR_fiq, r8
	msr	SPSR_fiq, r9
	ldm	r1, {r2, r3}			@ pc, cpsr
	msr	ELR_hyp, r2
	msr	spsr_cxsf, r3
	ldm	r0, {r0-r12}
	eret
END_FUNC(guest_enter)

/*
 * From the vectors (boot/vectors.S), with the guest's r0 and r1 pushed on
 * the HYP stack and r1 = exit reason.  Saves everything into the regs that
 * guest_enter() was given and returns from it.
 */
BEGIN_FUNC(guest_exit)
	mrc	HTPIDR(r0)
	push	{r1}
	movw	r1, #PERCPU_GUEST_REGS
	ldr	r0, [r0, r1]
	pop	{r1}
	add	r0, r0, #8
	stm	r0, {r2-r12}			@ r2-r12
	sub	r0, r0, #8
	mov	r12, r1				@ the reason
	pop	{r1, r2}
	stm	r0, {r1, r2}			@ r0, r1
	add	r1, r0, #GP_SP_USR
	mrs	r2, SP_usr
	stm	r1!, {r2, lr}
	mrs	r2, SP_svc
	mrs	r3, LR_svc
	mrs	r4, SPSR_svc
	stm	r1!, {r2, r3, r4}
	mrs	r2, SP_abt
	mrs	r3, LR_abt
	mrs	r4, SPSR_abt
	stm	r1!, {r2, r3, r4}
	mrs	r2, SP_und
	mrs	r3, LR_und
	mrs	r4, SPSR_und
	stm	r1!, {r2, r3, r4}
	mrs	r2, SP_irq
	mrs	r3, LR_irq
	mrs	r4, SPSR_irq
	stm	r1!, {r2, r3, r4}
	mrs	r2, r8_fiq
	mrs	r3, r9_fiq
	mrs	r4, r10_fiq
	mrs	r5, r11_fiq
	mrs	r6, r12_fiq
	mrs	r7, SP_fiq
	mrs	r8, LR_fiq
	mrs	r9, SPSR_fiq
	stm	r1!, {r2, r3, r4, r5, r6, r7, r8, r9}
	mrs	r2, ELR_hyp
	mrs	r3, spsr
	stm	r1, {r2, r3}
	mov	r0, r12
	pop	{r4-r12, lr}
	bx	lr
END_FUNC(guest_exit)

/* VFP/NEON state, for the lazy switch.  FPEXC.EN is set around the
 * accesses (they are undefined without it) and restored after. */
	.fpu	neon
/* void vfp_save(struct vcpu_vfp *vfp) */
BEGIN_FUNC(vfp_save)
	vmrs	r1, fpexc
	orr	r2, r1, #(1 << 30)
	vmsr	fpexc, r2
	vstmia	r0!, {d0-d15}
	vstmia	r0!, {d16-d31}
	vmrs	r2, fpscr
	str	r2, [r0], #4
	str	r1, [r0], #4			@ the guest's FPEXC
	tst	r1, #(1 << 31)			@ EX: FPINST valid
	vmrsne	r2, fpinst
	strne	r2, [r0]
	tst	r1, #(1 << 28)			@ FP2V: FPINST2 valid
	vmrsne	r2, fpinst2
	strne	r2, [r0, #4]
	bic	r1, r1, #(1 << 31)		@ no pending exception in HYP
	vmsr	fpexc, r1
	bx	lr
END_FUNC(vfp_save)

/* void vfp_restore(const struct vcpu_vfp *vfp) */
BEGIN_FUNC(vfp_restore)
	vmrs	r1, fpexc
	orr	r1, r1, #(1 << 30)
	vmsr	fpexc, r1
	vldmia	r0!, {d0-d15}
	vldmia	r0!, {d16-d31}
	ldr	r2, [r0], #4
	vmsr	fpscr, r2
	ldr	r1, [r0], #4			@ the guest's FPEXC
	tst	r1, #(1 << 31)
	ldrne	r2, [r0]
	vmsrne	fpinst, r2
	tst	r1, #(1 << 28)
	ldrne	r2, [r0, #4]
	vmsrne	fpinst2, r2
	vmsr	fpexc, r1
	bx	lr
END_FUNC(vfp_restore)
