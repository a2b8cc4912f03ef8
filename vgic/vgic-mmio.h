/* SPDX-License-Identifier: MIT */
/*
 * The distributor's register handlers: the generic per-IRQ fields
 * (vgic-mmio.c), for the GICv2 register table (vgic-mmio-v2.c), which
 * builds its entries with hyp/emul/emul.h's MMIO_REG_PER_IRQ.  Every
 * handler gets a struct mmio_ctx: the VGIC as dev and the accessing vCPU,
 * whose banked SGIs and PPIs the access sees.  An interrupt the VM
 * does not have reads as zero and ignores writes.
 */
#ifndef LOWVISOR_VGIC_MMIO_H
#define LOWVISOR_VGIC_MMIO_H

#include "emul.h"
#include "vgic-internal.h"

/* The VGIC an access is to: the distributor region's dev. */
static inline struct vgic *ctx_vgic(const struct mmio_ctx *ctx)
{
	return ctx->dev;
}

/* The handlers' types, as struct mmio_reg's read and write. */
typedef uint32_t vgic_mmio_read_fn(struct mmio_ctx *ctx, const struct mmio_reg *reg,
				   uint32_t offset, unsigned width);
typedef void vgic_mmio_write_fn(struct mmio_ctx *ctx, const struct mmio_reg *reg,
				uint32_t offset, unsigned width, uint32_t val);

/* GICD_ISENABLERn, GICD_ICENABLERn (1 bit per IRQ). */
vgic_mmio_read_fn vgic_mmio_read_enable;
vgic_mmio_write_fn vgic_mmio_write_senable, vgic_mmio_write_cenable;

/* GICD_ISPENDRn, GICD_ICPENDRn (1 bit).  The SGI bits read as pending from
 * any source and ignore writes: GICD_[SC]PENDSGIRn set and clear them. */
vgic_mmio_read_fn vgic_mmio_read_pending;
vgic_mmio_write_fn vgic_mmio_write_spending, vgic_mmio_write_cpending;

/* GICD_ISACTIVERn, GICD_ICACTIVERn (1 bit). */
vgic_mmio_read_fn vgic_mmio_read_active;
vgic_mmio_write_fn vgic_mmio_write_sactive, vgic_mmio_write_cactive;

/* GICD_IPRIORITYRn (8 bits; the top 5 are kept). */
vgic_mmio_read_fn vgic_mmio_read_priority;
vgic_mmio_write_fn vgic_mmio_write_priority;

/* GICD_ITARGETSRn (8 bits).  Those of SGIs and PPIs are read-only and read
 * as the accessing vCPU's own bit (Linux finds its CPU interface number
 * so). */
vgic_mmio_read_fn vgic_mmio_read_targets;
vgic_mmio_write_fn vgic_mmio_write_targets;

/* GICD_ICFGRn (2 bits: 0b10 edge, 0b00 level).  Read-only for SGIs (edge)
 * and PPIs (level), writable for SPIs. */
vgic_mmio_read_fn vgic_mmio_read_config;
vgic_mmio_write_fn vgic_mmio_write_config;

#endif
