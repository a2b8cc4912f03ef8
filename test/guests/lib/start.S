/* SPDX-License-Identifier: MIT */
/*
 * Entry of a test guest, as Lowvisor (or QEMU's -kernel loader) starts it:
 * SVC mode, MMU and caches off, r0 = 0, r1 = ~0, r2 = the DTB.
 *
 * Under Lowvisor the image runs at its link address.  QEMU loads a raw
 * -kernel image 64 KiB into RAM instead, so when _start finds itself
 * elsewhere it first copies the image to its link address and continues
 * there: the same .bin runs natively and under the hypervisor.
 */
#include "asm.h"

	.syntax unified
	.arm
	.section .text.start, "ax"

BEGIN_FUNC(_start)
	mov	r8, r0				@ keep the entry state for boot_info
	mov	r9, r1
	mov	r10, r2
	mrs	r11, cpsr
	mrc	SCTLR(r12)
	adr	r4, _start			@ where we run
	ldr	r5, =__image_start		@ where we are linked
	cmp	r4, r5
	beq	relocated

	ldr	r6, =__load_end
	sub	r6, r6, r5			@ r6 = bytes to copy
	subs	r7, r4, r5
	rsblt	r7, r7, #0			@ r7 = |load - link|
	cmp	r7, r6
	blo	reloc_overlap			@ the copy would overwrite this loop
	mov	r0, r4
	mov	r1, r5
	add	r2, r4, r6
1:	ldr	r3, [r0], #4
	str	r3, [r1], #4
	cmp	r0, r2
	blo	1b
	dsb
	mov	r0, #0
	mcr	ICIALLU(r0)
	dsb
	isb
	ldr	pc, =relocated

relocated:
	bl	dtb_rescue
	mrc	MPIDR(r0)
	bl	setup_stacks

	ldr	r0, =__bss_start
	ldr	r1, =__bss_end
	mov	r2, #0
2:	cmp	r0, r1
	strlo	r2, [r0], #4
	blo	2b

	ldr	r0, =boot_info
	stmia	r0, {r8-r12}			@ r0, r1, r2, cpsr, sctlr
	str	r4, [r0, #20]			@ load_addr
	str	r7, [r0, #24]			@ dtb
	ldr	r0, =guest_vectors
	mcr	VBAR(r0)
	isb

	bl	main
	b	guest_exit
END_FUNC(_start)

/*
 * PSCI CPU_ON entry of the secondaries: r0 = context id, MMU off, the
 * image already at its link address.
 */
BEGIN_FUNC(secondary_entry)
	mov	r8, r0
	mrs	r9, cpsr
	mrc	SCTLR(r10)
	mrc	MPIDR(r0)
	bl	setup_stacks
	ldr	r0, =guest_vectors
	mcr	VBAR(r0)
	isb
	mov	r0, r8
	mov	r1, r9
	mov	r2, r10
	bl	smp_secondary_main
3:	wfi
	b	3b
END_FUNC(secondary_entry)

/*
 * Stacks of every mode this CPU can take an exception to, from the
 * per-CPU block MPIDR.Aff0 % GUEST_MAX_CPUS (r0 = MPIDR).  Returns in the
 * mode it was called in, with its SP set.  Uses r0-r2.
 */
BEGIN_FUNC(setup_stacks)
	and	r0, r0, #(GUEST_MAX_CPUS - 1)
	ldr	r1, =__stacks_start
	add	r1, r1, r0, lsl #STACK_BLOCK_SHIFT
	mrs	r2, cpsr
	cps	#MODE_UND
	add	sp, r1, #STACK_UND_TOP
	cps	#MODE_ABT
	add	sp, r1, #STACK_ABT_TOP
	cps	#MODE_IRQ
	add	sp, r1, #STACK_IRQ_TOP
	cps	#MODE_FIQ
	add	sp, r1, #STACK_FIQ_TOP
	msr	cpsr_c, r2
	add	sp, r1, #STACK_SVC_TOP
	bx	lr
END_FUNC(setup_stacks)

/*
 * A loader that knows only the file's size may put the DTB (r10) right
 * after it, where BSS and the stacks go.  Before they are touched, such a
 * DTB moves to __image_end (copied from its end: the two may overlap).
 * Returns the DTB's address in r7.  No stack; uses r0-r3, r7.
 */
dtb_rescue:
	mov	r7, r10
	ldr	r0, =__load_end
	ldr	r1, =__image_end
	cmp	r10, r0
	blo	9f				@ below BSS: it was loaded over, or is fine
	cmp	r10, r1
	bhs	9f				@ past the image
	ldr	r2, [r10]
	ldr	r3, =0xedfe0dd0			@ FDT magic, byte-swapped
	cmp	r2, r3
	bne	9f
	ldr	r2, [r10, #4]
	rev	r2, r2				@ totalsize
	add	r2, r2, #3
	bic	r2, r2, #3
	add	r0, r10, r2			@ source end
	add	r1, r1, r2			@ destination end
6:	ldr	r3, [r0, #-4]!
	str	r3, [r1, #-4]!
	cmp	r0, r10
	bhi	6b
	ldr	r7, =__image_end
9:	bx	lr

/* No stack yet: say so on the UART directly and stop. */
reloc_overlap:
	adr	r0, reloc_msg
	ldr	r1, =UART_BASE
4:	ldrb	r2, [r0], #1
	cmp	r2, #0
	strne	r2, [r1]
	bne	4b
5:	wfi
	b	5b
reloc_msg:
	.asciz	"guest: loaded too close to its link address to relocate\r\n"
	.align	2
	.ltorg
