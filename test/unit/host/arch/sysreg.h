/* SPDX-License-Identifier: MIT */
/*
 * The fake arch of the host's unit tests, found before include/arch/ on
 * their include path (as Hafnium keeps one under src/arch/fake): each CP15
 * register of include/arch/sysreg-table.h, ELR_hyp, SPSR_hyp and the CPSR
 * are fields of fake_sysreg (test/unit/host/fake_arch.c) that a test sets
 * and reads; barriers only count, WFI/WFE/SEV/YIELD count, IRQ masking is
 * CPSR.I, an SMC records its arguments and returns smc_ret.
 */
#ifndef LOWVISOR_SYSREG_H
#define LOWVISOR_SYSREG_H

#include <stdint.h>

#include "arch/cpsr.h"

#define SYSREG32(name, op1, crn, crm, op2) uintptr_t name; /* wide enough for a host pointer in HTPIDR */
#define SYSREG64(name, op1, crm) uint64_t name;
extern struct fake_sysregs {
#include "arch/sysreg-table.h"
	uint32_t elr_hyp, spsr_hyp, cpsr;
	unsigned barriers, wfi, wfe, sev, relax, tlb_flushes;
	uint32_t smc_args[4]; /* the last smc_call's */
	int32_t smc_ret;
} fake_sysreg;
#undef SYSREG32
#undef SYSREG64

#define FAKE_REG(name, type)                                                          \
	static inline type name##_read(void) { return fake_sysreg.name; }             \
	static inline void name##_write(type v) { fake_sysreg.name = v; }
#define SYSREG32(name, op1, crn, crm, op2) FAKE_REG(name, uintptr_t)
#define SYSREG64(name, op1, crm) FAKE_REG(name, uint64_t)
#include "arch/sysreg-table.h"
FAKE_REG(elr_hyp, uint32_t)
FAKE_REG(spsr_hyp, uint32_t)

static inline uint32_t cpsr_read(void) { return fake_sysreg.cpsr; }
static inline void isb(void) { fake_sysreg.barriers++; }
static inline void dsb(void) { fake_sysreg.barriers++; }
static inline void dsb_ish(void) { fake_sysreg.barriers++; }
static inline void dmb(void) { fake_sysreg.barriers++; }
static inline void wfi(void) { fake_sysreg.wfi++; }
static inline void wfe(void) { fake_sysreg.wfe++; }
static inline void sev(void) { fake_sysreg.sev++; }
static inline void cpu_relax(void) { fake_sysreg.relax++; }
static inline void irq_enable(void) { fake_sysreg.cpsr &= ~(uint32_t)CPSR_I; }
static inline void irq_disable(void) { fake_sysreg.cpsr |= CPSR_I; }

#include "arch/irqflags.h"

static inline int32_t smc_call(uint32_t fn, uint32_t a1, uint32_t a2, uint32_t a3)
{
	fake_sysreg.smc_args[0] = fn, fake_sysreg.smc_args[1] = a1;
	fake_sysreg.smc_args[2] = a2, fake_sysreg.smc_args[3] = a3;
	return fake_sysreg.smc_ret;
}

#endif
