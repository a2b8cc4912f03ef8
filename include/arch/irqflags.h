/* SPDX-License-Identifier: MIT */
/*
 * Saving and restoring the IRQ mask, on top of cpsr_read, irq_disable and
 * irq_enable: included at the end of arch/sysreg.h and of the host tests'
 * fake (test/unit/host/arch/sysreg.h), so both keep one definition.
 */
#ifndef LOWVISOR_ARCH_IRQFLAGS_H
#define LOWVISOR_ARCH_IRQFLAGS_H

static inline uint32_t irq_save(void)
{
	uint32_t flags = cpsr_read();

	irq_disable();
	return flags;
}

static inline void irq_restore(uint32_t flags)
{
	if (!(flags & CPSR_I))
		irq_enable();
}

#endif
