/* SPDX-License-Identifier: MIT */
/*
 * The world switch's register half.  guest_enter() saves the host's
 * callee-saved registers on the HYP stack, loads the guest's r0-r12, LR_usr
 * (HYP's own lr), PC and CPSR, and erets; every exit that leaves the fast
 * path (boot/vectors.S) saves those back and returns from guest_enter()
 * with the reason.  The other banked registers (SP_usr and those of the
 * svc, abt, und, irq and fiq modes) are untouched by HYP and stay in the
 * hardware while the vCPU runs: banked_save() and banked_restore() move
 * them when C needs them or another vCPU takes the CPU (hyp/vcpu.c).
 * CP15 and VFP state are switched in C too.
 */
#include "asm.h"
#include "asm-offsets.h"

	.syntax unified
	.arch_extension virt
	.text
	.arm

/* uint32_t guest_enter(struct vcpu_gpregs *regs, bool banked):
 * banked: load the banked registers from regs first. */
BEGIN_FUNC(guest_enter)
	push	{r4-r12, lr}
	mrc	HTPIDR(r2)
	movw	r3, #PERCPU_GUEST_REGS
	str	r0, [r2, r3]
	cmp	r1, #0
	blne	banked_restore			@ keeps r0
	ldr	lr, [r0, #GP_LR_USR]
	ldr	r2, [r0, #GP_PC]
	ldr	r3, [r0, #GP_CPSR]
	msr	ELR_hyp, r2
	msr	spsr_cxsf, r3
	ldm	r0, {r0-r12}
	eret
END_FUNC(guest_enter)

/*
 * From the vectors, with the guest's r0-r12 and lr in a struct
 * guest_frame on the HYP stack and r0 = the exit reason.  Saves them, PC
 * and CPSR into the regs that guest_enter() was given and returns from it.
 */
BEGIN_FUNC(guest_exit)
	mrc	HTPIDR(r1)
	movw	r2, #PERCPU_GUEST_REGS
	ldr	r1, [r1, r2]
	pop	{r2-r12}			@ the guest's r0-r10
	stm	r1, {r2-r12}
	pop	{r2-r4}				@ r11, r12, lr
	str	r2, [r1, #GP_R11]
	str	r3, [r1, #GP_R12]
	str	r4, [r1, #GP_LR_USR]
	mrs	r2, ELR_hyp
	mrs	r3, spsr
	str	r2, [r1, #GP_PC]
	str	r3, [r1, #GP_CPSR]
	pop	{r4-r12, lr}
	bx	lr
END_FUNC(guest_exit)

/* void banked_save(struct vcpu_gpregs *regs) */
BEGIN_FUNC(banked_save)
	push	{r4-r9}
	add	r1, r0, #GP_SP_USR
	mrs	r2, SP_usr
	str	r2, [r1], #8			@ lr_usr is guest_exit's
	mrs	r2, SP_svc
	mrs	r3, LR_svc
	mrs	r4, SPSR_svc
	mrs	r5, SP_abt
	mrs	r6, LR_abt
	mrs	r7, SPSR_abt
	stm	r1!, {r2-r7}
	mrs	r2, SP_und
	mrs	r3, LR_und
	mrs	r4, SPSR_und
	mrs	r5, SP_irq
	mrs	r6, LR_irq
	mrs	r7, SPSR_irq
	stm	r1!, {r2-r7}
	mrs	r2, r8_fiq
	mrs	r3, r9_fiq
	mrs	r4, r10_fiq
	mrs	r5, r11_fiq
	mrs	r6, r12_fiq
	mrs	r7, SP_fiq
	mrs	r8, LR_fiq
	mrs	r9, SPSR_fiq
	stm	r1, {r2-r9}
	pop	{r4-r9}
	bx	lr
END_FUNC(banked_save)

/* void banked_restore(const struct vcpu_gpregs *regs): r0 is kept. */
BEGIN_FUNC(banked_restore)
	push	{r4-r9}
	add	r1, r0, #GP_SP_USR
	ldr	r2, [r1], #8
	msr	SP_usr, r2
	ldm	r1!, {r2-r7}
	msr	SP_svc, r2
	msr	LR_svc, r3
	msr	SPSR_svc, r4
	msr	SP_abt, r5
	msr	LR_abt, r6
	msr	SPSR_abt, r7
	ldm	r1!, {r2-r7}
	msr	SP_und, r2
	msr	LR_und, r3
	msr	SPSR_und, r4
	msr	SP_irq, r5
	msr	LR_irq, r6
	msr	SPSR_irq, r7
	ldm	r1, {r2-r9}
	msr	r8_fiq, r2
	msr	r9_fiq, r3
	msr	r10_fiq, r4
	msr	r11_fiq, r5
	msr	r12_fiq, r6
	msr	SP_fiq, r7
	msr	LR_fiq, r8
	msr	SPSR_fiq, r9
	pop	{r4-r9}
	bx	lr
END_FUNC(banked_restore)

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
