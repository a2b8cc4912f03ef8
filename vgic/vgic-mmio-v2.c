// SPDX-License-Identifier: MIT
/*
 * The GICv2 distributor's register file, as one table (ARM IHI 0048B,
 * section 4.3 "Distributor register descriptions", table 4-1).  Access
 * widths as the GIC allows them: bytes and words for IPRIORITYR,
 * ITARGETSR, CPENDSGIR and SPENDSGIR, words for the rest.  Reserved and
 * IMPLEMENTATION DEFINED space reads as zero and ignores writes, as do the
 * interrupts beyond the VM's SPIs.
 *
 * Interrupt groups: GICD_IGROUPRn is RAZ/WI, every interrupt is group 0
 * (allowed for a GIC without the Security Extensions, which this one
 * reports in TYPER); see vgic-v2.c.
 */
#include "hw/gicv2.h"
#include "vgic-mmio.h"

#define GICD_CTLR_ENABLE 1u
#define GICD_TYPER_CPUS_SHIFT 5

/* ARM as implementer (JEP106 0x43B), product 2: what Linux's GICv2 VGIC
 * reported. */
#define VGIC_IIDR 0x0200043bu

#define SGIR_TARGETS_SHIFT 16
#define SGIR_FILTER_SHIFT 24
#define SGIR_INTID_MASK 0xfu

static uint32_t read_ctlr(struct mmio_ctx *ctx, const struct mmio_reg *reg, uint32_t offset, unsigned w)
{
	(void)reg, (void)offset, (void)w;
	return ctx_vgic(ctx)->enabled ? GICD_CTLR_ENABLE : 0;
}

static void write_ctlr(struct mmio_ctx *ctx, const struct mmio_reg *reg, uint32_t offset, unsigned w,
		       uint32_t val)
{
	uint32_t flags = vgic_lock(ctx_vgic(ctx));

	(void)reg, (void)offset, (void)w;
	ctx->kick |= vgic_set_enabled(ctx_vgic(ctx), val & GICD_CTLR_ENABLE);
	vgic_unlock(ctx_vgic(ctx), flags);
}

/* ITLinesNumber: the lines in 32s, less one; CPUNumber: vCPUs less one;
 * no Security Extensions. */
static uint32_t read_typer(struct mmio_ctx *ctx, const struct mmio_reg *reg, uint32_t offset, unsigned w)
{
	const struct vgic *d = ctx_vgic(ctx);
	uint32_t lines = (VGIC_PRIVATE_COUNT + d->spi_count + 31) / 32;

	(void)reg, (void)offset, (void)w;
	return (lines - 1) | (d->vcpu_count - 1) << GICD_TYPER_CPUS_SHIFT;
}

static uint32_t read_iidr(struct mmio_ctx *ctx, const struct mmio_reg *reg, uint32_t offset, unsigned w)
{
	(void)ctx, (void)reg, (void)offset, (void)w;
	return VGIC_IIDR;
}

/* GICD_SGIR's TargetListFilter: the vCPUs an SGI from self goes to. */
static uint32_t sgir_targets(const struct vgic *d, unsigned self, uint32_t val)
{
	switch ((val >> SGIR_FILTER_SHIFT) & 3) {
	case 0: /* the CPUTargetList */
		return (val >> SGIR_TARGETS_SHIFT) & vgic_vcpu_mask(d);
	case 1: /* all but self */
		return vgic_vcpu_mask(d) & ~(1u << self);
	case 2: /* self */
		return 1u << self;
	default: /* reserved */
		return 0;
	}
}

static void write_sgir(struct mmio_ctx *ctx, const struct mmio_reg *reg, uint32_t offset, unsigned w,
		       uint32_t val)
{
	struct vgic *d = ctx_vgic(ctx);
	uint32_t targets = sgir_targets(d, ctx->vcpu, val);
	uint32_t flags = vgic_lock(d);

	(void)reg, (void)offset, (void)w;
	while (targets) {
		unsigned t = (unsigned)__builtin_ctz(targets);
		struct vgic_irq *irq = vgic_get_irq(d, t, val & SGIR_INTID_MASK);

		targets &= targets - 1;
		ctx->kick |= vgic_sgi_add_sources(d, irq, (uint8_t)(1u << ctx->vcpu));
	}
	vgic_unlock(d, flags);
}

/* GICD_CPENDSGIRn and GICD_SPENDSGIRn: one byte per SGI of the accessing
 * vCPU, bit n for a pending one from vCPU n. */
static uint32_t read_sgi_pending(struct mmio_ctx *ctx, const struct mmio_reg *reg, uint32_t offset,
				 unsigned width)
{
	unsigned first = offset - reg->offset, i;
	uint32_t flags = vgic_lock(ctx_vgic(ctx)), val = 0;

	for (i = 0; i < width; i++)
		val |= (uint32_t)vgic_get_irq(ctx_vgic(ctx), ctx->vcpu, first + i)->sources << (8 * i);
	vgic_unlock(ctx_vgic(ctx), flags);
	return val;
}

static void write_sgi_pending(struct mmio_ctx *ctx, const struct mmio_reg *reg, uint32_t offset,
			      unsigned width, uint32_t val)
{
	struct vgic *d = ctx_vgic(ctx);
	unsigned first = offset - reg->offset, i;
	bool set = reg->offset == GICD_SPENDSGIR;
	uint32_t flags = vgic_lock(d);

	for (i = 0; i < width; i++) {
		struct vgic_irq *irq = vgic_get_irq(d, ctx->vcpu, first + i);
		uint8_t sources = (uint8_t)(val >> (8 * i));

		ctx->kick |= set ? vgic_sgi_add_sources(d, irq, sources)
				 : vgic_sgi_clear_sources(d, irq, sources);
	}
	vgic_unlock(d, flags);
}

/* PIDR4-7, PIDR0-3, CIDR0-3 of a GIC-400: PIDR2's ArchRev (bits [7:4]) is
 * 2, a GICv2. */
static uint32_t read_id(struct mmio_ctx *ctx, const struct mmio_reg *reg, uint32_t offset, unsigned w)
{
	static const uint8_t id[12] = { 0x04, 0x00, 0x00, 0x00, 0x90, 0xb4,
					0x2b, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

	(void)ctx, (void)w;
	return id[(offset - reg->offset) / 4];
}

static const struct mmio_reg vgic_v2_dist_regs[] = {
	MMIO_REG(GICD_CTLR, 4, MMIO_W32, read_ctlr, write_ctlr),
	MMIO_REG_RO(GICD_TYPER, 4, MMIO_W32, read_typer),
	MMIO_REG_RO(GICD_IIDR, 4, MMIO_W32, read_iidr),
	MMIO_REG_PER_IRQ(GICD_IGROUPR, 1, MMIO_W32, mmio_read_raz, mmio_write_wi),
	MMIO_REG_PER_IRQ(GICD_ISENABLER, 1, MMIO_W32, vgic_mmio_read_enable,
			 vgic_mmio_write_senable),
	MMIO_REG_PER_IRQ(GICD_ICENABLER, 1, MMIO_W32, vgic_mmio_read_enable,
			 vgic_mmio_write_cenable),
	MMIO_REG_PER_IRQ(GICD_ISPENDR, 1, MMIO_W32, vgic_mmio_read_pending,
			 vgic_mmio_write_spending),
	MMIO_REG_PER_IRQ(GICD_ICPENDR, 1, MMIO_W32, vgic_mmio_read_pending,
			 vgic_mmio_write_cpending),
	MMIO_REG_PER_IRQ(GICD_ISACTIVER, 1, MMIO_W32, vgic_mmio_read_active,
			 vgic_mmio_write_sactive),
	MMIO_REG_PER_IRQ(GICD_ICACTIVER, 1, MMIO_W32, vgic_mmio_read_active,
			 vgic_mmio_write_cactive),
	MMIO_REG_PER_IRQ(GICD_IPRIORITYR, 8, MMIO_W8 | MMIO_W32, vgic_mmio_read_priority,
			 vgic_mmio_write_priority),
	MMIO_REG_PER_IRQ(GICD_ITARGETSR, 8, MMIO_W8 | MMIO_W32, vgic_mmio_read_targets,
			 vgic_mmio_write_targets),
	MMIO_REG_PER_IRQ(GICD_ICFGR, 2, MMIO_W32, vgic_mmio_read_config,
			 vgic_mmio_write_config),
	MMIO_REG(GICD_SGIR, 4, MMIO_W32, mmio_read_raz, write_sgir),
	MMIO_REG(GICD_CPENDSGIR, 16, MMIO_W8 | MMIO_W32, read_sgi_pending, write_sgi_pending),
	MMIO_REG(GICD_SPENDSGIR, 16, MMIO_W8 | MMIO_W32, read_sgi_pending, write_sgi_pending),
	MMIO_REG_RO(GICD_PIDR4, 48, MMIO_W32, read_id),
};

static struct mmio_index vgic_dist_index;

const struct mmio_ops vgic_dist_ops = {
	.name = "gicv2-distributor",
	MMIO_OPS_REGS(vgic_v2_dist_regs),
	.holes_raz_wi = true,
	.index = &vgic_dist_index,
};
