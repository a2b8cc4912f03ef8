/* SPDX-License-Identifier: MIT */
/*
 * The fake arch's cache and TLB maintenance (include/arch/cache.h): host
 * memory is coherent, so cleaning is a barrier, zeroing is memset, and a
 * TLB flush counts.
 */
#ifndef LOWVISOR_ARCH_CACHE_H
#define LOWVISOR_ARCH_CACHE_H

#include <stddef.h>
#include <string.h>

#include "arch/sysreg.h"

static inline void dcache_clean_poc(const void *va, size_t len)
{
	(void)va, (void)len;
	fake_sysreg.barriers++;
}

static inline void dcache_zero_poc(void *va, size_t len)
{
	memset(va, 0, len);
	fake_sysreg.barriers++;
}

static inline void table_store_barrier(void) { fake_sysreg.barriers++; }
static inline void tlb_flush_vmid(void) { fake_sysreg.tlb_flushes++; }
static inline void tlb_flush_guests(void) { fake_sysreg.tlb_flushes++; }

#endif
