// SPDX-License-Identifier: MIT
#include "gic.h"
#include "mmio.h"

#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_IIDR 0x008
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_ICPENDR 0x280
#define GICD_ISACTIVER 0x300
#define GICD_ICACTIVER 0x380
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_ICFGR 0xc00
#define GICD_SGIR 0xf00

#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_BPR 0x08
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10
#define GICC_DIR 0x1000

#define GICH_HCR 0x00
#define GICH_VTR 0x04

/* Enable (group 0 and 1 in the secure view, group 1 in the non-secure
 * one) and EOImode: bit 9 is EOImode in both views. */
#define GICC_CTLR_ENABLE 0x3u
#define GICC_CTLR_EOIMODE (1u << 9)

static uintptr_t gicd, gicc, gich;

void gic_init(uintptr_t d, uintptr_t c, uintptr_t h, struct gic_info *info)
{
	uint32_t typer, vtr;
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
	vtr = mmio_read32(gich + GICH_VTR);
	info->list_regs = (vtr & 0x3f) + 1;
	info->pri_bits = ((vtr >> 29) & 7) + 1;

	mmio_write32(gicd + GICD_CTLR, 0);
	for (i = 32; i < info->irq_count; i += 32) {
		mmio_write32(gicd + GICD_ICENABLER + i / 8, ~0u);
		mmio_write32(gicd + GICD_ICPENDR + i / 8, ~0u);
		mmio_write32(gicd + GICD_ICACTIVER + i / 8, ~0u);
	}
	for (i = 32; i < info->irq_count; i += 4) {
		mmio_write32(gicd + GICD_IPRIORITYR + i, 0xa0a0a0a0u);
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
		mmio_write32(gicd + GICD_IPRIORITYR + i, 0xa0a0a0a0u);
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

bool gic_irq_active(unsigned irq)
{
	return (mmio_read32(gicd + GICD_ISACTIVER + (irq / 32) * 4) >> (irq % 32)) & 1;
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
	/* ITARGETSR0-7 read as this CPU interface's own bit. */
	return mmio_read8(gicd + GICD_ITARGETSR);
}

uint32_t gic_cpu_ctlr(void)
{
	return mmio_read32(gicc + GICC_CTLR);
}

