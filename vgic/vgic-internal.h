/* SPDX-License-Identifier: MIT */
/*
 * What the parts of vgic/ share: the state of each interrupt and vCPU, and
 * the state machine's operations.  Not for the rest of the hypervisor,
 * which sees vgic.h only.
 *
 * vgic.c        the IRQ state machine, injection, choosing list registers
 * vgic-mmio.c   generic per-IRQ register fields (enable, pending, active,
 *               priority, configuration) for the distributor's table
 * vgic-mmio-v2.c  the GICv2 distributor's register table
 * vgic-v2.c     the list-register backend (GICH)
 */
#ifndef LOWVISOR_VGIC_INTERNAL_H
#define LOWVISOR_VGIC_INTERNAL_H

#include "spinlock.h"
#include "vgic-hw.h"
#include "vgic.h"

#define VGIC_NO_VCPU 0xffu
#define VGIC_IRQ_LIMIT 1020 /* IDs 1020-1023 are special */
#define VGIC_PRIORITY_MASK 0xf8u /* GICH_LR and GICH_VMCR keep 5 bits */

/* A change the distributor made to an interrupt held by a list register
 * of a running vCPU; it wins over what that list register says at sync. */
enum vgic_override {
	VGIC_KEEP,  /* none: the list register has the last word */
	VGIC_SET,   /* set since the flush */
	VGIC_CLEAR, /* cleared since the flush */
};

struct vgic_irq {
	uint16_t intid;
	uint16_t hw_intid;     /* the physical interrupt, if hw */
	uint8_t owner;         /* SGIs, PPIs: the vCPU; SPIs: VGIC_NO_VCPU */
	uint8_t priority;      /* GICD_IPRIORITYR, top 5 bits */
	uint8_t targets;       /* SPIs: GICD_ITARGETSR, a vCPU mask */
	uint8_t sources;       /* SGIs: the vCPUs it is pending from */
	uint8_t active_source; /* SGIs: the vCPU the active one came from */
	uint8_t active_vcpu;   /* SPIs: the vCPU that acknowledged it */
	bool enabled;
	bool edge;          /* GICD_ICFGR: edge-triggered (else level) */
	bool pending_latch; /* edge: pending; level: set by GICD_ISPENDR */
	bool line_level;    /* the input line */
	bool active;
	bool hw;            /* mapped to physical interrupt hw_intid */

	/* While a list register holds it (vgic_flush to vgic_sync): */
	uint8_t lr_vcpu;     /* the vCPU whose list register, or VGIC_NO_VCPU */
	bool lr_pending;     /* that list register was written pending */
	uint8_t lr_source;   /* SGIs: the source of that pending state */
	uint8_t pend_change; /* enum vgic_override */
	uint8_t act_change;  /* enum vgic_override */
};

struct vgic_cpu {
	uint32_t vmcr; /* GICH_VMCR as of the last sync or save */
	uint32_t apr;  /* GICH_APR as of the last save */
	uint32_t hcr;  /* GICH_HCR as last written for this vCPU */
	bool loaded;   /* restored on a CPU and not saved since */
	uint32_t lr_used; /* list registers holding an interrupt */
	uint16_t lr_intid[GICH_LR_MAX];
	uint32_t live; /* private IRQs that are active, or pending and enabled */
	uint32_t placed; /* private IRQs vgic_inject_loaded put in a list register */
	struct vgic_irq priv[VGIC_PRIVATE_COUNT];
};

struct vgic {
	struct spinlock lock; /* see the top of vgic.c */
	unsigned vcpu_count;
	unsigned spi_count;
	unsigned lr_count;
	bool enabled; /* GICD_CTLR.Enable */
	/* SPIs that are active, or pending and enabled: for interrupt ID n,
	 * bit n % 32 of word n / 32.  Word 0 has bit w set while word w is
	 * not 0 (the private IDs are in each vgic_cpu's live). */
	uint32_t spi_live[VGIC_IRQ_LIMIT / 32 + 1];
	struct vgic_cpu cpu[VGIC_MAX_VCPUS];
	struct vgic_irq spi[]; /* spi_count, from ID 32 */
};

static inline bool vgic_irq_is_sgi(const struct vgic_irq *irq)
{
	return irq->intid < VGIC_SGI_COUNT;
}

static inline bool vgic_irq_is_private(const struct vgic_irq *irq)
{
	return irq->intid < VGIC_PRIVATE_COUNT;
}

static inline uint32_t vgic_vcpu_mask(const struct vgic *d)
{
	return (1u << d->vcpu_count) - 1;
}

/* The lock, held for everything taking a struct vgic_irq. */
static inline uint32_t vgic_lock(struct vgic *d)
{
	return vgic_hw_lock(&d->lock);
}

static inline void vgic_unlock(struct vgic *d, uint32_t flags)
{
	vgic_hw_unlock(&d->lock, flags);
}

/* Interrupt intid as vCPU vcpu sees it (its own SGIs and PPIs), or NULL if
 * the VM has no such interrupt. */
struct vgic_irq *vgic_get_irq(struct vgic *d, unsigned vcpu, unsigned intid);


/* State changes from the distributor; each returns the kick mask. */
uint32_t vgic_irq_set_enabled(struct vgic *d, struct vgic_irq *irq, bool on);
uint32_t vgic_irq_set_pending(struct vgic *d, struct vgic_irq *irq, bool on);
uint32_t vgic_irq_set_active(struct vgic *d, struct vgic_irq *irq, bool on, unsigned requester);
uint32_t vgic_irq_set_priority(struct vgic *d, struct vgic_irq *irq, uint8_t prio);
uint32_t vgic_irq_set_edge(struct vgic *d, struct vgic_irq *irq, bool edge);
uint32_t vgic_irq_set_targets(struct vgic *d, struct vgic_irq *irq, uint8_t targets);
uint32_t vgic_sgi_add_sources(struct vgic *d, struct vgic_irq *irq, uint8_t sources);
uint32_t vgic_sgi_clear_sources(struct vgic *d, struct vgic_irq *irq, uint8_t sources);
uint32_t vgic_set_enabled(struct vgic *d, bool on);

/* Inline: the run loop asks these many times per entry and exit. */
static inline bool vgic_irq_pending(const struct vgic_irq *irq)
{
	if (vgic_irq_is_sgi(irq))
		return irq->sources != 0;
	if (!irq->edge && !irq->hw)
		return irq->pending_latch || irq->line_level;
	return irq->pending_latch;
}

/*
 * The vCPU whose list registers irq belongs in, or VGIC_NO_VCPU: where it
 * is; a private interrupt's own vCPU; the vCPU that acknowledged an active
 * SPI (the guest EOIs it there); else the lowest vCPU of the SPI's targets
 * (a 1-of-N choice; a VM with one vCPU ignores the targets, as a GIC with
 * one CPU interface does).
 */
static inline unsigned vgic_irq_target(const struct vgic *d, const struct vgic_irq *irq)
{
	if (irq->lr_vcpu != VGIC_NO_VCPU)
		return irq->lr_vcpu;
	if (irq->owner != VGIC_NO_VCPU)
		return irq->owner;
	if (irq->active && irq->active_vcpu != VGIC_NO_VCPU)
		return irq->active_vcpu;
	if (d->vcpu_count == 1)
		return 0;
	return irq->targets ? (unsigned)__builtin_ctz(irq->targets) : VGIC_NO_VCPU;
}

/* The vCPU irq is deliverable to now (pending, enabled, distributor on,
 * a target), or VGIC_NO_VCPU.  Inline for the list-register paths;
 * vgic_irq_delivery() is the same out of line, for the rest. */
static inline unsigned vgic_irq_deliver_to(const struct vgic *d, const struct vgic_irq *irq)
{
	if (!d->enabled || !irq->enabled || !vgic_irq_pending(irq))
		return VGIC_NO_VCPU;
	return vgic_irq_target(d, irq);
}

unsigned vgic_irq_delivery(const struct vgic *d, const struct vgic_irq *irq);

/* Re-files irq after its state changed, given vgic_irq_delivery() from
 * before the change: the live bitmaps, and the kick mask (the vCPU whose
 * list register holds it; or a vCPU it has just become deliverable to). */
uint32_t vgic_irq_changed(struct vgic *d, struct vgic_irq *irq, unsigned before);

/* vgic-v2.c: the list registers of the vCPU loaded on this CPU. */
void vgic_v2_populate_lr(struct vgic *d, unsigned vcpu, struct vgic_irq *irq, unsigned lr);
uint32_t vgic_v2_sync_lrs(struct vgic *d, unsigned vcpu);

/* GICH_HCR for the loaded vCPU, written only when it changes. */
static inline void vgic_v2_set_hcr(struct vgic *d, unsigned vcpu, uint32_t hcr)
{
	if (d->cpu[vcpu].hcr != hcr) {
		gich_write(GICH_HCR, hcr);
		d->cpu[vcpu].hcr = hcr;
	}
}

#endif
