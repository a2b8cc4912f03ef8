/* SPDX-License-Identifier: MIT */
/*
 * VFP/NEON register access.  The guests are built with -mgeneral-regs-only
 * and -mfloat-abi=soft, so the C code never touches the VFP registers:
 * these are the only instructions that do.
 */
#include "asm.h"

	.syntax unified
	.arm
	.fpu	neon
	.text

BEGIN_FUNC(vfp_load)
	vldmia	r0!, {d0-d15}
	vldmia	r0, {d16-d31}
	vmsr	fpscr, r1
	bx	lr
END_FUNC(vfp_load)

BEGIN_FUNC(vfp_store)
	vstmia	r0!, {d0-d15}
	vstmia	r0, {d16-d31}
	vmrs	r0, fpscr
	bx	lr
END_FUNC(vfp_store)

BEGIN_FUNC(fpexc_read)
	vmrs	r0, fpexc
	bx	lr
END_FUNC(fpexc_read)

BEGIN_FUNC(fpexc_write)
	vmsr	fpexc, r0
	isb
	bx	lr
END_FUNC(fpexc_write)
