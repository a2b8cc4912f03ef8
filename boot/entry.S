/* SPDX-License-Identifier: MIT */
/*
 * Entry from the loader (Linux ARM boot protocol): r0 = 0, r1 = machine
 * type, r2 = DTB physical address, MMU and caches off, HYP mode expected.
 *
 * The image is linked at HYP_IMAGE_VA but may be loaded at any page-aligned
 * physical address.  Before any C runs we build the boot page tables (see
 * mm/mm.h) position-independently, turn the MMU on, and jump to the
 * link address.  In a wrong mode (SVC: no virtualization extensions) the
 * same tables are installed through TTBR0 so C can still print the error.
 */
#include "asm.h"
#include "asm-offsets.h"
#include "arch/cpsr.h"
#include "arch/lpae.h"
#include "layout.h"

#define HSCTLR_MCI ((1 << 0) | (1 << 2) | (1 << 12))
#define BLOCK_MASK (LPAE_BLOCK_SIZE - 1)
#define NORMAL_BLOCK_LO 0x741 /* AttrIdx 0, AP[1], SH inner, AF, block */
#define NORMAL_PAGE_LO 0x743
#define IMAGE_L2_INDEX ((HYP_IMAGE_VA >> 21) & 511)
#define DTB_L2_INDEX ((HYP_DTB_WINDOW_VA >> 21) & 511)

	.syntax unified
	.arch_extension virt
	.arch_extension sec
	.section .text.entry, "ax"
	.arm

/* \reg = the physical address of \sym (r12 = PA - VA). */
.macro ldr_pa reg, sym
	ldr	\reg, =\sym
	add	\reg, \reg, r12
.endm

BEGIN_FUNC(_start)
	mov	r10, r2				@ DTB
	mrs	r11, cpsr			@ the mode we were entered in
	mov	r8, #0
	mov	r9, #0
	and	r0, r11, #CPSR_MODE_MASK
	cmp	r0, #CPSR_MODE_HYP
	mrrceq	CNTPCT(r8, r9)			@ entry time, HYP only
	cpsid	aif
	adr	r4, _start			@ physical address of the image
	ldr	r5, =_start			@ its link address
	sub	r12, r4, r5			@ PA - VA, kept for C
	lsls	r0, r4, #20
	bne	halt				@ not page aligned: cannot map it
	bl	rescue_dtb
	bl	build_boot_tables
	bl	mmu_enable
	ldr	pc, =1f				@ continue at the link address
1:
	ldr	r0, =hyp_phys_offset
	str	r12, [r0]
	/* Clear BSS. */
	ldr	r0, =__bss_start
	ldr	r1, =__bss_end
	mov	r2, #0
	mov	r3, #0
2:	cmp	r0, r1
	strdlo	r2, r3, [r0], #8
	blo	2b
	/* Stack and per-CPU pointer of logical CPU 0. */
	ldr	r0, =percpu_area
	add	sp, r0, #PERCPU_STACK_TOP
	and	r1, r11, #CPSR_MODE_MASK
	cmp	r1, #CPSR_MODE_HYP			@ HYP registers only in HYP: a wrong
	mcreq	HTPIDR(r0)			@ mode is reported by C, not here
	ldr	r0, =hyp_vectors
	mcreq	HVBAR(r0)
	mov	r0, r10				@ DTB PA
	mov	r1, r11				@ entry CPSR
	mov	r2, r8				@ entry CNTPCT
	mov	r3, r9
	bl	boot_main
halt:
	wfi
	b	halt
END_FUNC(_start)

/*
 * Secondary CPUs, started by PSCI CPU_ON at this physical address with
 * r0 = logical CPU index.  The tables exist already.
 */
BEGIN_FUNC(secondary_entry)
	cpsid	aif
	mov	r10, r0
	adr	r4, secondary_entry
	ldr	r5, =secondary_entry
	sub	r12, r4, r5
	mov	r11, #CPSR_MODE_HYP
	bl	mmu_enable
	ldr	pc, =1f
1:
	ldr	r0, =percpu_area
	ldr	r1, =PERCPU_SIZE
	mla	r0, r1, r10, r0
	mcr	HTPIDR(r0)
	add	sp, r0, #PERCPU_STACK_TOP
	ldr	r0, =hyp_vectors
	mcr	HVBAR(r0)
	mov	r0, r10
	bl	secondary_main
	b	halt
END_FUNC(secondary_entry)

/*
 * A loader may place the DTB right after the image file (QEMU does for a
 * uImage), where BSS and the boot tables go.  Move such a DTB above the
 * image end before anything is cleared.  In: r10 = DTB PA, r12 = PA - VA.
 * Out: r10 = where the DTB is now.  Clobbers r0-r3, r5-r7.
 */
rescue_dtb:
	ldr_pa	r0, __image_file_end
	ldr_pa	r1, __image_end
	cmp	r10, r0
	bxlo	lr				@ below the BSS: safe
	cmp	r10, r1
	bxhs	lr				@ above the image: safe
	ldr	r2, [r10]
	ldr	r3, =0xedfe0dd0			@ FDT magic, big-endian
	cmp	r2, r3
	bxne	lr				@ not a DTB: C reports it
	ldr	r3, [r10, #4]
	rev	r3, r3				@ totalsize
	cmp	r3, #0x200000
	bxhi	lr				@ implausible: C reports it
	add	r3, r3, #3
	bic	r3, r3, #3
	add	r5, r10, r3			@ copy down from the top: the
	add	r6, r1, r3			@ destination is above the source
1:	ldr	r7, [r5, #-4]!
	str	r7, [r6, #-4]!
	cmp	r5, r10
	bhi	1b
	mov	r10, r1
	bx	lr

/*
 * Builds the boot tables in .boot_tables, addressed physically (r12 =
 * PA - VA).  In: r4 = image PA, r10 = DTB PA.  Clobbers r0-r3, r5.
 */
build_boot_tables:
	ldr_pa	r0, __boot_tables_start
	ldr_pa	r1, __boot_tables_end
	mov	r2, #0
	mov	r3, #0
1:	strd	r2, r3, [r0], #8
	cmp	r0, r1
	blo	1b
	/* Entries are 64-bit; all of them point below 4 GiB, so only the low
	 * word is written (the clear above left the high one zero).  Level 1:
	 * four 1 GiB entries, each pointing at its level-2 table. */
	ldr_pa	r0, hyp_l1
	ldr_pa	r1, hyp_l2
	mov	r2, #4
2:	orr	r3, r1, #LPAE_TYPE_TABLE
	str	r3, [r0], #8
	add	r1, r1, #4096
	subs	r2, r2, #1
	bne	2b
	/* The image, page by page, at its link address. */
	ldr_pa	r0, hyp_l3_image
	ldr	r1, =__image_start
	ldr	r2, =__image_end
	sub	r2, r2, r1
	cmp	r2, #0x400000			@ two level-3 tables at most
	bhi	halt
	add	r1, r1, r12
	ldr	r3, =NORMAL_PAGE_LO
3:	orr	r5, r1, r3
	str	r5, [r0], #8
	add	r1, r1, #4096
	subs	r2, r2, #4096
	bhi	3b
	ldr_pa	r0, hyp_l2+3*4096+IMAGE_L2_INDEX*8
	ldr_pa	r1, hyp_l3_image
	orr	r1, r1, #LPAE_TYPE_TABLE
	str	r1, [r0], #8
	add	r1, r1, #4096
	str	r1, [r0]
	/* The DTB window: two 2 MiB blocks from the block holding the DTB. */
	ldr_pa	r0, hyp_l2+3*4096+DTB_L2_INDEX*8
	ldr	r1, =~BLOCK_MASK
	and	r1, r10, r1
	ldr	r3, =NORMAL_BLOCK_LO
	orr	r2, r1, r3
	str	r2, [r0], #8
	add	r2, r2, #LPAE_BLOCK_SIZE
	str	r2, [r0]
	/* Identity block for the code that turns the MMU on.  Refuse a load
	 * address inside Lowvisor's own part of the address space. */
	ldr	r1, =HYP_IMAGE_VA
	cmp	r4, r1
	bhs	halt
	ldr_pa	r0, hyp_l2
	lsr	r1, r4, #21			@ block number = GiB * 512 + index
	add	r0, r0, r1, lsl #3
	lsl	r1, r1, #21
	orr	r1, r1, r3
	str	r1, [r0]
	/* The tables were written with the MMU off; drop stale cache lines. */
	ldr_pa	r0, __boot_tables_start
	ldr_pa	r1, __boot_tables_end
	dsb
4:	mcr	DCIMVAC(r0)
	add	r0, r0, #64
	cmp	r0, r1
	blo	4b
	dsb
	bx	lr

/* Installs the tables and enables MMU and caches, through the HYP
 * registers in HYP mode (r11 = CPSR) and through TTBR0 with EAE otherwise. */
mmu_enable:
	ldr_pa	r0, hyp_l1
	mov	r1, #0
	ldr	r2, =HYP_MAIR0
	and	r3, r11, #CPSR_MODE_MASK
	cmp	r3, #CPSR_MODE_HYP
	bne	1f
	mcr	HMAIR0(r2)
	ldr	r2, =HYP_HTCR
	mcr	HTCR(r2)
	mcrr	HTTBR(r0, r1)
	isb
	mcr	TLBIALLH(r0)
	mcr	ICIALLU(r0)
	dsb
	isb
	mrc	HSCTLR(r0)
	ldr	r1, =HSCTLR_MCI
	orr	r0, r0, r1
	bic	r0, r0, #(1 << 1)		@ no alignment checks
	mcr	HSCTLR(r0)
	isb
	bx	lr
1:	mcr	MAIR0(r2)
	ldr	r2, =PL1_TTBCR
	mcr	TTBCR(r2)
	mcrr	TTBR0(r0, r1)
	isb
	mcr	TLBIALL(r0)
	mcr	ICIALLU(r0)
	dsb
	isb
	mrc	SCTLR(r0)
	ldr	r1, =HSCTLR_MCI
	orr	r0, r0, r1
	bic	r0, r0, #(1 << 1)
	mcr	SCTLR(r0)
	isb
	bx	lr

	.ltorg

	.data
	.global hyp_phys_offset
hyp_phys_offset:
	.word	0
