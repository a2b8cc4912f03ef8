/* SPDX-License-Identifier: MIT */
/* Helpers for assembly that reads like the ARM ARM. */
#ifndef LOWVISOR_ASM_H
#define LOWVISOR_ASM_H

#define BEGIN_FUNC(name) \
	.global name;    \
	.type name, %function; \
	.align 2;        \
name:

#define END_FUNC(name) .size name, .- name

/* CP15 registers by name, for mrc/mcr: "mrc HSR(r0)". */
#define HSR(r) p15, 4, r, c5, c2, 0
#define HSCTLR(r) p15, 4, r, c1, c0, 0
#define HTCR(r) p15, 4, r, c2, c0, 2
#define HMAIR0(r) p15, 4, r, c10, c2, 0
#define HVBAR(r) p15, 4, r, c12, c0, 0
#define HTPIDR(r) p15, 4, r, c13, c0, 2
#define SCTLR(r) p15, 0, r, c1, c0, 0
#define TTBCR(r) p15, 0, r, c2, c0, 2
#define MAIR0(r) p15, 0, r, c10, c2, 0
#define TLBIALLH(r) p15, 4, r, c8, c7, 0
#define TLBIALL(r) p15, 0, r, c8, c7, 0
#define ICIALLU(r) p15, 0, r, c7, c5, 0
#define DCIMVAC(r) p15, 0, r, c7, c6, 1
/* 64-bit, for mrrc/mcrr: "mcrr HTTBR(r0, r1)". */
#define HTTBR(lo, hi) p15, 4, lo, hi, c2
#define TTBR0(lo, hi) p15, 0, lo, hi, c2
#define CNTPCT(lo, hi) p15, 0, lo, hi, c14

#endif
