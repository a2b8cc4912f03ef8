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

SYSREG32(midr, 0, c0, c0, 0)
SYSREG32(mpidr, 0, c0, c0, 5)
SYSREG32(hcr, 4, c1, c1, 0)
SYSREG32(hcptr, 4, c1, c1, 2)
SYSREG32(vtcr, 4, c2, c1, 2)
SYSREG32(hsr, 4, c5, c2, 0)
SYSREG32(hdfar, 4, c6, c0, 0)
SYSREG32(hifar, 4, c6, c0, 2)
SYSREG32(hpfar, 4, c6, c0, 4)
SYSREG32(htpidr, 4, c13, c0, 2)
SYSREG32(vpidr, 4, c0, c0, 0)
SYSREG32(vmpidr, 4, c0, c0, 5)
SYSREG32(cntfrq, 0, c14, c0, 0)
SYSREG32(cnthctl, 4, c14, c1, 0)
SYSREG32(cnthp_ctl, 4, c14, c2, 1)
SYSREG32(cntv_ctl, 0, c14, c3, 1)

/* The guest's own CP15 state, switched by hyp/vcpu.c. */
SYSREG32(sctlr, 0, c1, c0, 0)
SYSREG32(actlr, 0, c1, c0, 1)
SYSREG32(cpacr, 0, c1, c0, 2)
SYSREG32(ttbcr, 0, c2, c0, 2)
SYSREG32(dacr, 0, c3, c0, 0)
SYSREG32(dfsr, 0, c5, c0, 0)
SYSREG32(ifsr, 0, c5, c0, 1)
SYSREG32(adfsr, 0, c5, c1, 0)
SYSREG32(aifsr, 0, c5, c1, 1)
SYSREG32(dfar, 0, c6, c0, 0)
SYSREG32(ifar, 0, c6, c0, 2)
SYSREG32(mair0, 0, c10, c2, 0)
SYSREG32(mair1, 0, c10, c2, 1)
SYSREG32(amair0, 0, c10, c3, 0)
SYSREG32(amair1, 0, c10, c3, 1)
SYSREG32(vbar, 0, c12, c0, 0)
SYSREG32(contextidr, 0, c13, c0, 1)
SYSREG32(tpidrurw, 0, c13, c0, 2)
SYSREG32(tpidruro, 0, c13, c0, 3)
SYSREG32(tpidrprw, 0, c13, c0, 4)
SYSREG32(csselr, 2, c0, c0, 0)
SYSREG32(cntkctl, 0, c14, c1, 0)
SYSREG64(ttbr0, 0, c2)
SYSREG64(ttbr1, 1, c2)
SYSREG64(par, 0, c7)
SYSREG32(ats1cpr, 0, c7, c8, 0) /* write only: from HYP, the guest's stage 1 alone */
SYSREG64(cntv_cval, 3, c14)

SYSREG64(vttbr, 6, c2)
SYSREG64(cntpct, 0, c14)
SYSREG64(cntvoff, 4, c14)
SYSREG64(cnthp_cval, 6, c14)

#define SCTLR_M (1u << 0) /* the guest's stage 1 on */
#define CNTV_CTL_ENABLE (1u << 0)
#define CNTV_CTL_IMASK (1u << 1)
#define CNTV_CTL_ISTATUS (1u << 2)


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
static inline void irq_enable(void) { __asm__ volatile("cpsie i" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cpsid i" ::: "memory"); }

static inline uint32_t irq_save(void)
{
	uint32_t flags = cpsr_read();

	irq_disable();
	return flags;
}

static inline void irq_restore(uint32_t flags)
{
	if (!(flags & (1u << 7)))
		irq_enable();
}

#endif
