/* SPDX-License-Identifier: MIT */
/*
 * The distributor's register handlers: the generic per-IRQ fields
 * (vgic-mmio.c), for the GICv2 register table (vgic-mmio-v2.c), which
 * builds its entries with hyp/emul/emul.h's MMIO_REG_PER_IRQ.  Every
 * handler gets a struct vgic_access_ctx as dev: the VGIC and the accessing
 * vCPU, whose banked SGIs and PPIs the access sees.  An interrupt the VM
 * does not have reads as zero and ignores writes.
 */
#ifndef LOWVISOR_VGIC_MMIO_H
#define LOWVISOR_VGIC_MMIO_H

#include "emul.h"
#include "vgic-internal.h"

/* The access being emulated, what the handlers get as dev. */
struct vgic_access_ctx {
	struct vgic *vgic;
	unsigned vcpu; /* the accessing vCPU */
	uint32_t kick; /* vCPUs to kick, collected by the handlers */
};

/* GICD_ISENABLERn, GICD_ICENABLERn (1 bit per IRQ). */
uint32_t vgic_mmio_read_enable(void *dev, const struct mmio_reg *reg, uint32_t offset,
			       unsigned width);
void vgic_mmio_write_senable(void *dev, const struct mmio_reg *reg, uint32_t offset,
			     unsigned width, uint32_t val);
void vgic_mmio_write_cenable(void *dev, const struct mmio_reg *reg, uint32_t offset,
			     unsigned width, uint32_t val);

/* GICD_ISPENDRn, GICD_ICPENDRn (1 bit).  The SGI bits read as pending from
 * any source and ignore writes: GICD_[SC]PENDSGIRn set and clear them. */
uint32_t vgic_mmio_read_pending(void *dev, const struct mmio_reg *reg, uint32_t offset,
				unsigned width);
void vgic_mmio_write_spending(void *dev, const struct mmio_reg *reg, uint32_t offset,
			      unsigned width, uint32_t val);
void vgic_mmio_write_cpending(void *dev, const struct mmio_reg *reg, uint32_t offset,
			      unsigned width, uint32_t val);

/* GICD_ISACTIVERn, GICD_ICACTIVERn (1 bit). */
uint32_t vgic_mmio_read_active(void *dev, const struct mmio_reg *reg, uint32_t offset,
			       unsigned width);
void vgic_mmio_write_sactive(void *dev, const struct mmio_reg *reg, uint32_t offset,
			     unsigned width, uint32_t val);
void vgic_mmio_write_cactive(void *dev, const struct mmio_reg *reg, uint32_t offset,
			     unsigned width, uint32_t val);

/* GICD_IPRIORITYRn (8 bits; the top 5 are kept). */
uint32_t vgic_mmio_read_priority(void *dev, const struct mmio_reg *reg, uint32_t offset,
				 unsigned width);
void vgic_mmio_write_priority(void *dev, const struct mmio_reg *reg, uint32_t offset,
			      unsigned width, uint32_t val);

/* GICD_ICFGRn (2 bits: 0b10 edge, 0b00 level).  Read-only for SGIs (edge)
 * and PPIs (level), writable for SPIs. */
uint32_t vgic_mmio_read_config(void *dev, const struct mmio_reg *reg, uint32_t offset,
			       unsigned width);
void vgic_mmio_write_config(void *dev, const struct mmio_reg *reg, uint32_t offset,
			    unsigned width, uint32_t val);

/* The GICv2 distributor's register table, for the unit tests' checks. */
extern const struct mmio_ops vgic_v2_dist_ops;

#endif
