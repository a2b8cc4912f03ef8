// SPDX-License-Identifier: MIT
#include "drivers.h"
#include "hw/gicv2.h"
#include "mmio.h"

/* Enable (group 0 and 1 in the secure view, group 1 in the non-secure
 * one) and EOImode: bit 9 is EOImode in both views. */
#define GICC_CTLR_ENABLE 0x3u
#define GICC_CTLR_EOIMODE (1u << 9)

static uintptr_t gicd, gicc, gich;

void gic_init(uintptr_t d, uintptr_t c, uintptr_t h, struct gic_info *info)
{
	uint32_t typer;
	unsigned i;

	gicd = d;
	gicc = c;
	gich = h;
	typer = mmio_read32(gicd + GICD_TYPER);
	info->irq_count = 32 * ((typer & 0x1f) + 1);
	if (info->irq_count > 1020)
		info->irq_count = 1020;
	info->cpu_count = ((typer >> 5) & 7) + 1;
	info->iidr = mmio_read32(gicd + GICD_IIDR);
	info->list_regs = (mmio_read32(gich + GICH_VTR) & 0x3f) + 1;

	mmio_write32(gicd + GICD_CTLR, 0);
	for (i = 32; i < info->irq_count; i += 32) {
		mmio_write32(gicd + GICD_ICENABLER + i / 8, ~0u);
		mmio_write32(gicd + GICD_ICPENDR + i / 8, ~0u);
		mmio_write32(gicd + GICD_ICACTIVER + i / 8, ~0u);
	}
	for (i = 32; i < info->irq_count; i += 4) {
		mmio_write32(gicd + GICD_IPRIORITYR + i, GIC_PRIO_GUEST * 0x01010101u);
		mmio_write32(gicd + GICD_ITARGETSR + i, 0x01010101u);
	}
	for (i = 32; i < info->irq_count; i += 16)
		mmio_write32(gicd + GICD_ICFGR + i / 4, 0); /* level */
	mmio_write32(gicd + GICD_CTLR, 1);
	mmio_write32(gich + GICH_HCR, 0);
}

void gic_cpu_init(void)
{
	unsigned i;

	mmio_write32(gicd + GICD_ICENABLER, ~0u);
	mmio_write32(gicd + GICD_ICPENDR, ~0u);
	mmio_write32(gicd + GICD_ICACTIVER, ~0u);
	for (i = 0; i < 32; i += 4)
		mmio_write32(gicd + GICD_IPRIORITYR + i, GIC_PRIO_GUEST * 0x01010101u);
	mmio_write32(gicc + GICC_PMR, 0xf0);
	mmio_write32(gicc + GICC_BPR, 0);
	mmio_write32(gicc + GICC_CTLR, GICC_CTLR_ENABLE | GICC_CTLR_EOIMODE);
}

void gic_enable_irq(unsigned irq, uint8_t priority)
{
	mmio_write8(gicd + GICD_IPRIORITYR + irq, priority);
	mmio_write32(gicd + GICD_ISENABLER + (irq / 32) * 4, 1u << (irq % 32));
}

void gic_disable_irq(unsigned irq)
{
	mmio_write32(gicd + GICD_ICENABLER + (irq / 32) * 4, 1u << (irq % 32));
}

uint32_t gic_ack(void)
{
	return mmio_read32(gicc + GICC_IAR);
}

void gic_eoi(uint32_t iar)
{
	mmio_write32(gicc + GICC_EOIR, iar);
}

void gic_deactivate(uint32_t iar)
{
	mmio_write32(gicc + GICC_DIR, iar);
}

void gic_set_target(unsigned irq, uint8_t cpu_mask)
{
	mmio_write8(gicd + GICD_ITARGETSR + irq, cpu_mask);
}

void gic_irq_set_active(unsigned irq, bool active)
{
	mmio_write32(gicd + (active ? GICD_ISACTIVER : GICD_ICACTIVER) + (irq / 32) * 4,
		     1u << (irq % 32));
}

void gic_send_sgi(unsigned sgi, uint8_t target_mask)
{
	mmio_write32(gicd + GICD_SGIR, ((uint32_t)target_mask << 16) | (sgi & 0xf));
}

uint8_t gic_cpu_mask(void)
{
	/* ITARGETSR0-7 read as this CPU interface's own bit, in every byte:
	 * a word read will do, as Linux's gic_get_cpumask does it. */
	return (uint8_t)mmio_read32(gicd + GICD_ITARGETSR);
}

