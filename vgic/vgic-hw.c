// SPDX-License-Identifier: MIT
/* The GICH registers vgic/vgic-v2.c programs: the platform's, at VA == PA
 * (vgic_hw_init gives their base). */
#include "arch/sysreg.h"
#include "drivers.h"
#include "spinlock.h"
#include "mmio.h"
#include "vgic-hw.h"
#include "vgic.h"

static uintptr_t gich_base;

void vgic_hw_init(uintptr_t gich)
{
	gich_base = gich;
}

uint32_t gich_read(unsigned off)
{
	return mmio_read32(gich_base + off);
}

void gich_write(unsigned off, uint32_t v)
{
	mmio_write32(gich_base + off, v);
}

uint32_t vgic_hw_lock(struct spinlock *l)
{
	return spin_lock_irqsave(l);
}

void vgic_hw_unlock(struct spinlock *l, uint32_t flags)
{
	spin_unlock_irqrestore(l, flags);
}

void vgic_hw_phys_deactivate(unsigned phys_irq)
{
	gic_irq_set_active(phys_irq, false);
}
