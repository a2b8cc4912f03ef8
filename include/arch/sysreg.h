/* SPDX-License-Identifier: MIT */
/*
 * CP15 system register accessors, generated from one table of encodings:
 * SYSREG32(hcr, 4, c1, c1, 0) makes hcr_read() and hcr_write().
 */
#ifndef LOWVISOR_SYSREG_H
#define LOWVISOR_SYSREG_H

#include <stdint.h>

#include "arch/cpsr.h"

#define SYSREG32(name, op1, crn, crm, op2)                                            \
	static inline uint32_t name##_read(void)                                      \
	{                                                                             \
		uint32_t v;                                                           \
		__asm__ volatile("mrc p15, " #op1 ", %0, " #crn ", " #crm ", " #op2  \
				 : "=r"(v));                                          \
		return v;                                                             \
	}                                                                             \
	static inline void name##_write(uint32_t v)                                   \
	{                                                                             \
		__asm__ volatile("mcr p15, " #op1 ", %0, " #crn ", " #crm ", " #op2  \
				 ::"r"(v) : "memory");                                \
	}

#define SYSREG64(name, op1, crm)                                                      \
	static inline uint64_t name##_read(void)                                      \
	{                                                                             \
		uint64_t v;                                                           \
		__asm__ volatile("mrrc p15, " #op1 ", %Q0, %R0, " #crm : "=r"(v));    \
		return v;                                                             \
	}                                                                             \
	static inline void name##_write(uint64_t v)                                   \
	{                                                                             \
		__asm__ volatile("mcrr p15, " #op1 ", %Q0, %R0, " #crm ::"r"(v)      \
				 : "memory");                                         \
	}

#include "arch/sysreg-table.h"


static inline uint32_t cpsr_read(void)
{
	uint32_t v;

	__asm__ volatile("mrs %0, cpsr" : "=r"(v));
	return v;
}

/* The return state of the exception HYP is handling: the guest's PC and
 * CPSR during a trap (ELR_hyp, SPSR_hyp). */
#define HYP_SPECIAL_REG(name, rd, wr)                                                \
	static inline uint32_t name##_read(void)                                      \
	{                                                                             \
		uint32_t v;                                                           \
		__asm__ volatile("mrs %0, " rd : "=r"(v));                            \
		return v;                                                             \
	}                                                                             \
	static inline void name##_write(uint32_t v)                                   \
	{                                                                             \
		__asm__ volatile("msr " wr ", %0" ::"r"(v) : "memory");               \
	}

HYP_SPECIAL_REG(elr_hyp, "ELR_hyp", "ELR_hyp")
HYP_SPECIAL_REG(spsr_hyp, "spsr", "spsr_cxsf")

static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }
static inline void dsb(void) { __asm__ volatile("dsb sy" ::: "memory"); }
static inline void dsb_ish(void) { __asm__ volatile("dsb ish" ::: "memory"); }
static inline void dmb(void) { __asm__ volatile("dmb sy" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline void wfe(void) { __asm__ volatile("wfe" ::: "memory"); }
static inline void sev(void) { __asm__ volatile("sev" ::: "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("yield" ::: "memory"); }
static inline void irq_enable(void) { __asm__ volatile("cpsie i" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cpsid i" ::: "memory"); }

#include "arch/irqflags.h"

/* A Secure Monitor Call of the SMC calling convention with three
 * arguments: r0 back. */
static inline int32_t smc_call(uint32_t fn, uint32_t a1, uint32_t a2, uint32_t a3)
{
	register uint32_t r0 __asm__("r0") = fn;
	register uint32_t r1 __asm__("r1") = a1;
	register uint32_t r2 __asm__("r2") = a2;
	register uint32_t r3 __asm__("r3") = a3;

	__asm__ volatile(".arch_extension sec\n\tsmc #0"
			 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3)::"memory");
	return (int32_t)r0;
}

#endif
