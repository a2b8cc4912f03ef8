/* SPDX-License-Identifier: MIT */
/*
 * Cache and TLB maintenance, by what each operation is for (ARM ARM
 * B4.2.1, "Cache and branch predictor maintenance operations", and B4.2.2,
 * TLB maintenance, inner shareable forms: every CPU of the cluster sees
 * them).  The host's unit tests have a fake of this header beside their
 * fake sysreg.h.
 */
#ifndef LOWVISOR_ARCH_CACHE_H
#define LOWVISOR_ARCH_CACHE_H

#include <stddef.h>

#include "arch/sysreg.h"

/* Cleans [va, va + len) to the point of coherency and invalidates the
 * instruction caches: a guest with its caches off reads, and runs, what
 * the hypervisor wrote. */
static inline void dcache_clean_poc(const void *va, size_t len)
{
	uintptr_t p = (uintptr_t)va & ~(uintptr_t)(DCACHE_LINE - 1);

	for (; p < (uintptr_t)va + len; p += DCACHE_LINE)
		dccmvac_write(p);
	dsb_ish();
	icialluis_write(0);
	dsb_ish();
	isb();
}

/*
 * Zeroes [va, va + len) and cleans it to the point of coherency, one line
 * at a time: eight registers stored twice and the line cleaned, six
 * instructions per 64 bytes, where memset and a separate cleaning pass
 * took several times that.  va and len are multiples of DCACHE_LINE.
 */
static inline void dcache_zero_poc(void *va, size_t len)
{
	register uint32_t z0 __asm__("r4") = 0, z1 __asm__("r5") = 0;
	register uint32_t z2 __asm__("r6") = 0, z3 __asm__("r7") = 0;
	register uint32_t z4 __asm__("r8") = 0, z5 __asm__("r9") = 0;
	register uint32_t z6 __asm__("r10") = 0, z7 __asm__("r12") = 0;
	uintptr_t p = (uintptr_t)va, end = p + len, q = p; /* q: the line to clean */

	_Static_assert(DCACHE_LINE == 64, "dcache_zero_poc stores 64 bytes per line");
	if (!len)
		return;
	__asm__ volatile("1:	stmia	%[p]!, {r4-r10, r12}\n"
			 "	stmia	%[p]!, {r4-r10, r12}\n"
			 "	mcr	p15, 0, %[q], c7, c10, 1\n" /* DCCMVAC */
			 "	add	%[q], %[q], #64\n"
			 "	cmp	%[p], %[end]\n"
			 "	blo	1b\n"
			 : [p] "+r"(p), [q] "+r"(q)
			 : [end] "r"(end), "r"(z0), "r"(z1), "r"(z2), "r"(z3), "r"(z4), "r"(z5),
			   "r"(z6), "r"(z7)
			 : "cc", "memory");
	dsb_ish();
}

/* Orders stores to translation tables before the walks that read them
 * (walks are inner-shareable write-back, coherent with the data cache). */
static inline void table_store_barrier(void)
{
	__asm__ volatile("dsb ishst" ::: "memory");
}

/* Every TLB entry of the VMID in VTTBR, stage 1 and 2, on every CPU. */
static inline void tlb_flush_vmid(void)
{
	tlbiallis_write(0);
	dsb_ish();
	isb();
}

/* Every non-HYP TLB entry, of every VMID, and the instruction caches, on
 * every CPU: what a VMID generation's rollover needs. */
static inline void tlb_flush_guests(void)
{
	tlbiallnsnhis_write(0);
	icialluis_write(0);
	dsb_ish();
	isb();
}

#endif
