// SPDX-License-Identifier: MIT
/*
 * The list-register backend: writing an interrupt's state into a GICH_LR,
 * folding what the guest did with it back, and the virtual interface's
 * per-vCPU registers (GICH_HCR, GICH_VMCR, GICH_APR).  Everything here runs
 * on the CPU where the vCPU is loaded, with the VGIC lock held (so IRQs
 * masked); see vgic.c.
 *
 * Group 0 only: GICD_IGROUPR is RAZ/WI and no list register sets Group1,
 * so what the guest enables with GICV_CTLR.EnableGrp0 (bit 0, the bit a
 * GICv2 driver without security extensions sets) is every interrupt.
 */
#include "vgic-internal.h"

/* The state bits for an SGI.  The list register's CPUID field names one
 * source: an active SGI keeps the source it was acknowledged from, and is
 * only also pending from that same source; other sources wait, asking for
 * a maintenance interrupt at EOI so the next one is queued then. */
static uint32_t sgi_lr_bits(struct vgic_irq *irq, bool may_pend)
{
	unsigned src = irq->active ? irq->active_source
				   : (irq->sources ? (unsigned)__builtin_ctz(irq->sources) : 0);
	uint32_t val = (uint32_t)src << GICH_LR_CPUID_SHIFT;

	if (irq->active)
		val |= GICH_LR_ACTIVE;
	if (may_pend && (irq->sources & (1u << src))) {
		val |= GICH_LR_PENDING;
		irq->lr_pending = true;
		irq->lr_source = (uint8_t)src;
	}
	if (irq->sources & ~(1u << src))
		val |= GICH_LR_EOI;
	return val;
}

/* A mapped interrupt: the guest's EOI deactivates the physical one.  Never
 * pending and active: its next occurrence is held by the physical GIC. */
static uint32_t hw_lr_bits(struct vgic_irq *irq, bool may_pend)
{
	uint32_t val = GICH_LR_HW | (uint32_t)irq->hw_intid << GICH_LR_PHYSID_SHIFT;

	if (irq->active) {
		val |= GICH_LR_ACTIVE;
	} else if (may_pend) {
		val |= GICH_LR_PENDING;
		irq->lr_pending = true;
	}
	return val;
}

/* A software interrupt.  A level-triggered one asks for a maintenance
 * interrupt at EOI, so that its line is resampled then; it is never
 * pending and active, or the guest would take it again after an EOI that
 * follows the device lowering its line. */
static uint32_t sw_lr_bits(struct vgic_irq *irq, bool may_pend)
{
	uint32_t val = 0;

	if (irq->active)
		val |= GICH_LR_ACTIVE;
	if (!irq->edge) {
		val |= GICH_LR_EOI;
		may_pend = may_pend && !irq->active;
	}
	if (may_pend) {
		val |= GICH_LR_PENDING;
		irq->lr_pending = true;
	}
	return val;
}

void vgic_v2_populate_lr(struct vgic *d, unsigned vcpu, struct vgic_irq *irq, unsigned lr)
{
	struct vgic_cpu *c = &d->cpu[vcpu];
	/* Its target is vcpu (the flush chose it): deliverable there if it
	 * is deliverable at all. */
	bool may_pend = d->enabled && irq->enabled && vgic_irq_pending(irq);
	uint32_t val = irq->intid | (uint32_t)(irq->priority >> 3) << GICH_LR_PRIORITY_SHIFT;

	irq->lr_pending = false;
	irq->lr_source = 0;
	if (vgic_irq_is_sgi(irq))
		val |= sgi_lr_bits(irq, may_pend);
	else if (irq->hw)
		val |= hw_lr_bits(irq, may_pend);
	else
		val |= sw_lr_bits(irq, may_pend);
	irq->lr_vcpu = (uint8_t)vcpu;
	irq->pend_change = VGIC_KEEP;
	irq->act_change = VGIC_KEEP;
	c->lr_used |= 1u << lr;
	c->lr_intid[lr] = irq->intid;
	gich_write(GICH_LR(lr), val);
}

static void fold_active(struct vgic_irq *irq, unsigned vcpu, uint32_t lr)
{
	if (irq->act_change != VGIC_KEEP) {
		irq->active = irq->act_change == VGIC_SET;
	} else {
		irq->active = lr & GICH_LR_ACTIVE;
		if (irq->active && vgic_irq_is_sgi(irq))
			irq->active_source = (uint8_t)((lr & GICH_LR_CPUID_MASK) >>
						       GICH_LR_CPUID_SHIFT);
	}
	if (irq->active && !vgic_irq_is_private(irq))
		irq->active_vcpu = (uint8_t)vcpu;
}

/* For an interrupt written pending: whether the guest acknowledged it
 * (the list register no longer pending), unless the distributor has
 * spoken since. */
static void fold_pending(struct vgic_irq *irq, uint32_t lr)
{
	bool still = lr & GICH_LR_PENDING;
	bool keep = irq->pend_change == VGIC_KEEP ? still : irq->pend_change == VGIC_SET;
	uint8_t bit = (uint8_t)(1u << irq->lr_source);

	if (vgic_irq_is_sgi(irq))
		irq->sources = keep ? irq->sources | bit : irq->sources & (uint8_t)~bit;
	else if (!irq->edge && !irq->hw && irq->pend_change == VGIC_KEEP)
		irq->pending_latch = irq->pending_latch && still; /* the line stays */
	else
		irq->pending_latch = keep;
}

static uint32_t fold_lr(struct vgic *d, unsigned vcpu, struct vgic_irq *irq, uint32_t lr)
{
	fold_active(irq, vcpu, lr);
	if (irq->lr_pending)
		fold_pending(irq, lr);
	irq->lr_vcpu = VGIC_NO_VCPU;
	irq->pend_change = VGIC_KEEP;
	irq->act_change = VGIC_KEEP;
	/* Cleared by the distributor while the guest still had it. */
	if (irq->hw && (lr & GICH_LR_STATE) && !irq->active && !vgic_irq_pending(irq))
		vgic_hw_phys_deactivate(irq->hw_intid);
	return vgic_irq_changed(d, irq, vcpu);
}

uint32_t vgic_v2_sync_lrs(struct vgic *d, unsigned vcpu)
{
	struct vgic_cpu *c = &d->cpu[vcpu];
	uint32_t used = c->lr_used, empty, kick = 0;

	if (!used)
		return 0;
	empty = gich_read(GICH_ELRSR0);
	while (used) {
		unsigned lr = (unsigned)__builtin_ctz(used);
		uint32_t val = (empty >> lr) & 1 ? 0 : gich_read(GICH_LR(lr));

		used &= used - 1;
		kick |= fold_lr(d, vcpu, vgic_get_irq(d, vcpu, c->lr_intid[lr]), val);
		/* Also clears the EOI bit of a deactivated one: its EISR bit,
		 * and so the maintenance interrupt, go away. */
		gich_write(GICH_LR(lr), 0);
	}
	c->lr_used = 0;
	c->placed = 0;
	return kick;
}

bool vgic_loaded(const struct vgic *d, unsigned vcpu)
{
	return d->cpu[vcpu].loaded;
}

void vgic_restore(struct vgic *d, unsigned vcpu)
{
	struct vgic_cpu *c = &d->cpu[vcpu];
	uint32_t flags = vgic_lock(d);

	gich_write(GICH_VMCR, c->vmcr);
	gich_write(GICH_APR, c->apr);
	gich_write(GICH_HCR, GICH_HCR_EN);
	c->hcr = GICH_HCR_EN;
	c->loaded = true;
	vgic_unlock(d, flags);
}

void vgic_save(struct vgic *d, unsigned vcpu)
{
	struct vgic_cpu *c = &d->cpu[vcpu];
	uint32_t flags = vgic_lock(d);

	if (c->loaded) {
		if (c->lr_used) /* what vgic_inject_loaded placed */
			vgic_v2_sync_lrs(d, vcpu);
		c->vmcr = gich_read(GICH_VMCR);
		c->apr = gich_read(GICH_APR);
		gich_write(GICH_HCR, 0);
		c->hcr = 0;
		c->loaded = false;
	} else { /* reset since: forgotten, but maybe placed before */
		gich_write(GICH_LR(0), 0);
	}
	vgic_unlock(d, flags);
}
