// SPDX-License-Identifier: MIT
/*
 * The VGIC's interrupt state machine: what makes an interrupt pending and
 * deliverable, to which vCPU, injection from devices, and the choice of
 * the interrupts that go into a vCPU's list registers.
 *
 * Locks.  One per VM, vgic->lock, taken through vgic_lock(), which masks
 * IRQs (vgic_inject runs in IRQ handlers too).  It guards every
 * interrupt's state, the distributor enable and each vCPU's list-register
 * bookkeeping (lr_used, lr_intid, vmcr, hcr).  Order:
 *
 *     vm->lock  ->  vgic->lock
 *
 * The VGIC lock is innermost: nothing done under it takes another lock
 * (gich_read/gich_write and vgic_hw_phys_deactivate are register
 * accesses), and the VGIC never calls the scheduler: it returns the vCPUs
 * to kick, and the caller kicks them after the lock is dropped.  List
 * registers are only touched on the CPU where their vCPU is loaded, with
 * IRQs masked, under the lock.
 *
 * The model.  The state here is the truth for every interrupt, except what
 * the guest does through GICV to an interrupt in a list register of a
 * running vCPU (acknowledge, EOI): that is read back at the next
 * vgic_sync.  A change the distributor (another vCPU) or a device makes to
 * such an interrupt meanwhile is applied here at once and also noted
 * (pend_change, act_change), so that at sync it wins over the stale list
 * register; the vCPU holding it is kicked, so the sync comes soon.  Since
 * every exit syncs, an interrupt is in the list registers of a running
 * vCPU only (or on its way in: vgic_inject_loaded places one for the vCPU
 * loaded on its CPU before the flush), and the accessing vCPU's own
 * interrupts never are.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "vgic-internal.h"

/* The per-vCPU state is sized for VGIC_MAX_VCPUS, whatever vcpu_count. */
size_t vgic_size(unsigned vcpu_count __unused, unsigned spi_count)
{
	return sizeof(struct vgic) + spi_count * sizeof(struct vgic_irq);
}

/* On a zeroed irq (vgic_init clears the structure first). */
static void irq_reset(struct vgic_irq *irq, unsigned intid, unsigned owner)
{
	irq->intid = (uint16_t)intid;
	irq->owner = (uint8_t)owner;
	irq->active_vcpu = VGIC_NO_VCPU;
	irq->lr_vcpu = VGIC_NO_VCPU;
	/* SGIs are always edge-triggered; Linux's GIC driver expects them
	 * enabled out of reset (it only enables them on GICs that need it). */
	irq->edge = intid < VGIC_SGI_COUNT;
	irq->enabled = intid < VGIC_SGI_COUNT;
	if (owner != VGIC_NO_VCPU)
		irq->targets = (uint8_t)(1u << owner);
}

/* Everything but the lock, which other CPUs may hold or wait for. */
static void reset_state(struct vgic *d, unsigned vcpu_count, unsigned spi_count)
{
	const size_t keep = offsetof(struct vgic, vcpu_count);
	unsigned v, i;

	memset((char *)d + keep, 0, vgic_size(vcpu_count, spi_count) - keep);
	d->vcpu_count = vcpu_count;
	d->spi_count = spi_count;
	i = (gich_read(GICH_VTR) & GICH_VTR_LISTREGS_MASK) + 1;
	d->lr_count = i < GICH_LR_MAX ? i : GICH_LR_MAX;
	for (v = 0; v < vcpu_count; v++) /* the others are never looked up */
		for (i = 0; i < VGIC_PRIVATE_COUNT; i++)
			irq_reset(&d->cpu[v].priv[i], i, v);
	for (i = 0; i < spi_count; i++)
		irq_reset(&d->spi[i], VGIC_PRIVATE_COUNT + i, VGIC_NO_VCPU);
}

int vgic_init(struct vgic *d, unsigned vcpu_count, unsigned spi_count)
{
	if (!vcpu_count || vcpu_count > VGIC_MAX_VCPUS || spi_count > VGIC_MAX_SPIS)
		return -EINVAL;
	d->lock = (struct spinlock)SPINLOCK_INIT;
	reset_state(d, vcpu_count, spi_count);
	return 0;
}

void vgic_reset(struct vgic *d)
{
	uint32_t flags = vgic_lock(d);

	reset_state(d, d->vcpu_count, d->spi_count);
	vgic_unlock(d, flags);
}

struct vgic_irq *vgic_get_irq(struct vgic *d, unsigned vcpu, unsigned intid)
{
	if (intid < VGIC_PRIVATE_COUNT)
		return vcpu < d->vcpu_count ? &d->cpu[vcpu].priv[intid] : NULL;
	if (intid - VGIC_PRIVATE_COUNT < d->spi_count)
		return &d->spi[intid - VGIC_PRIVATE_COUNT];
	return NULL;
}

/* Not inlined: the distributor's setters are many and cold. */
__attribute__((noinline)) unsigned vgic_irq_delivery(const struct vgic *d,
						     const struct vgic_irq *irq)
{
	return vgic_irq_deliver_to(d, irq);
}

/* The live bitmaps hold the interrupts that may need a list register:
 * active, or pending and enabled.  Its pending state is worked out once
 * for both (the same test as vgic_irq_deliver_to's). */
uint32_t vgic_irq_changed(struct vgic *d, struct vgic_irq *irq, unsigned before)
{
	uint32_t *word = vgic_irq_is_private(irq) ? &d->cpu[irq->owner].live
						  : &d->spi_live[irq->intid / 32];
	uint32_t bit = 1u << (irq->intid % 32), wbit = 1u << (irq->intid / 32);
	bool pending = irq->enabled && vgic_irq_pending(irq);
	unsigned after = pending && d->enabled ? vgic_irq_target(d, irq) : VGIC_NO_VCPU;

	*word = irq->active || pending ? *word | bit : *word & ~bit;
	if (!vgic_irq_is_private(irq)) /* word 0: the words with a live SPI */
		d->spi_live[0] = *word ? d->spi_live[0] | wbit : d->spi_live[0] & ~wbit;
	if (irq->lr_vcpu != VGIC_NO_VCPU)
		return 1u << irq->lr_vcpu;
	if (after != VGIC_NO_VCPU && after != before)
		return 1u << after;
	return 0;
}

/* Notes a change to an interrupt that a running vCPU's list register
 * holds: it wins over that list register at the vCPU's next sync. */
static void note_change(const struct vgic_irq *irq, uint8_t *change, bool on)
{
	if (irq->lr_vcpu != VGIC_NO_VCPU)
		*change = on ? VGIC_SET : VGIC_CLEAR;
}

static bool irq_busy(const struct vgic_irq *irq)
{
	return irq->active || vgic_irq_pending(irq);
}

/*
 * A mapped interrupt's physical copy stays active while the virtual one is
 * pending or active, until the guest's EOI deactivates it through the list
 * register.  When the distributor clears the virtual state instead, no EOI
 * will come: deactivate it here (at sync, for one in a list register).
 */
static void hw_release(const struct vgic_irq *irq, bool was_busy)
{
	if (irq->hw && was_busy && !irq_busy(irq) && irq->lr_vcpu == VGIC_NO_VCPU)
		vgic_hw_phys_deactivate(irq->hw_intid);
}

uint32_t vgic_irq_set_enabled(struct vgic *d, struct vgic_irq *irq, bool on)
{
	unsigned before = vgic_irq_delivery(d, irq);

	if (irq->enabled == on)
		return 0;
	irq->enabled = on;
	return vgic_irq_changed(d, irq, before);
}

/* GICD_ISPENDR/ICPENDR (not SGIs): for a level-triggered interrupt the
 * latch, which does not hide a line still high. */
uint32_t vgic_irq_set_pending(struct vgic *d, struct vgic_irq *irq, bool on)
{
	unsigned before = vgic_irq_delivery(d, irq);
	bool was_busy = irq_busy(irq);

	irq->pending_latch = on;
	note_change(irq, &irq->pend_change, on);
	hw_release(irq, was_busy);
	return vgic_irq_changed(d, irq, before);
}

uint32_t vgic_irq_set_active(struct vgic *d, struct vgic_irq *irq, bool on, unsigned requester)
{
	unsigned before = vgic_irq_delivery(d, irq);
	bool was_busy = irq_busy(irq);

	if (irq->active == on && irq->lr_vcpu == VGIC_NO_VCPU)
		return 0;
	if (on && vgic_irq_is_sgi(irq))
		irq->active_source = (uint8_t)requester;
	if (on && !irq->active && !vgic_irq_is_private(irq)) {
		unsigned t = vgic_irq_target(d, irq);

		irq->active_vcpu = (uint8_t)(t != VGIC_NO_VCPU ? t : requester);
	}
	irq->active = on;
	note_change(irq, &irq->act_change, on);
	hw_release(irq, was_busy);
	return vgic_irq_changed(d, irq, before);
}

uint32_t vgic_irq_set_priority(struct vgic *d, struct vgic_irq *irq, uint8_t prio)
{
	unsigned before = vgic_irq_delivery(d, irq);

	prio &= VGIC_PRIORITY_MASK;
	if (irq->priority == prio)
		return 0;
	irq->priority = prio;
	return vgic_irq_changed(d, irq, before);
}

uint32_t vgic_irq_set_edge(struct vgic *d, struct vgic_irq *irq, bool edge)
{
	unsigned before = vgic_irq_delivery(d, irq);

	if (irq->edge == edge)
		return 0;
	irq->edge = edge;
	return vgic_irq_changed(d, irq, before);
}

uint32_t vgic_irq_set_targets(struct vgic *d, struct vgic_irq *irq, uint8_t targets)
{
	unsigned before = vgic_irq_delivery(d, irq);

	targets &= (uint8_t)vgic_vcpu_mask(d);
	if (irq->targets == targets)
		return 0;
	irq->targets = targets;
	return vgic_irq_changed(d, irq, before);
}

/* The SGI a list register holds pending from lr_source: whether sources
 * touch that one. */
static bool sgi_touches_lr(const struct vgic_irq *irq, uint8_t sources)
{
	return irq->lr_vcpu != VGIC_NO_VCPU && irq->lr_pending &&
	       (sources & (1u << irq->lr_source));
}

uint32_t vgic_sgi_add_sources(struct vgic *d, struct vgic_irq *irq, uint8_t sources)
{
	unsigned before = vgic_irq_delivery(d, irq);

	sources &= (uint8_t)vgic_vcpu_mask(d);
	if (!sources)
		return 0;
	if (sgi_touches_lr(irq, sources))
		irq->pend_change = VGIC_SET;
	irq->sources |= sources;
	return vgic_irq_changed(d, irq, before);
}

uint32_t vgic_sgi_clear_sources(struct vgic *d, struct vgic_irq *irq, uint8_t sources)
{
	unsigned before = vgic_irq_delivery(d, irq);

	sources &= irq->sources;
	if (!sources)
		return 0;
	if (sgi_touches_lr(irq, sources))
		irq->pend_change = VGIC_CLEAR;
	irq->sources &= (uint8_t)~sources;
	return vgic_irq_changed(d, irq, before);
}

/* GICD_CTLR.Enable: every vCPU may gain or lose deliverable interrupts. */
uint32_t vgic_set_enabled(struct vgic *d, bool on)
{
	if (d->enabled == on)
		return 0;
	d->enabled = on;
	return vgic_vcpu_mask(d);
}

/* A device drives irq's line to level. */
static uint32_t line_set(struct vgic *d, struct vgic_irq *irq, bool level)
{
	unsigned before = vgic_irq_delivery(d, irq);
	bool rising = level && !irq->line_level;

	if (irq->hw || irq->edge) {
		/* A mapped interrupt: one occurrence per call (see vgic.h). */
		if (!irq->hw)
			irq->line_level = level;
		if (irq->hw ? !level : !rising)
			return 0;
		irq->pending_latch = true;
		note_change(irq, &irq->pend_change, true);
	} else {
		if (irq->line_level == level)
			return 0;
		irq->line_level = level;
	}
	return vgic_irq_changed(d, irq, before);
}

int vgic_inject(struct vgic *d, unsigned vcpu, unsigned irq, bool level)
{
	struct vgic_irq *i;
	uint32_t flags, kick = 0;

	if (irq < VGIC_SGI_COUNT)
		return -EINVAL;
	flags = vgic_lock(d);
	i = vgic_get_irq(d, vcpu, irq);
	if (i)
		kick = line_set(d, i, level);
	vgic_unlock(d, flags);
	return i ? (int)kick : -EINVAL;
}

uint32_t vgic_inject_loaded(struct vgic *d, unsigned vcpu, unsigned irq)
{
	struct vgic_cpu *c = &d->cpu[vcpu];
	struct vgic_irq *i = &c->priv[irq];
	uint32_t flags = vgic_lock(d), kick = line_set(d, i, true);

	/* With no list register in use, a kick means it has just become
	 * deliverable to its vCPU. */
	if (kick && c->loaded && !c->lr_used) {
		vgic_v2_populate_lr(d, vcpu, i, 0);
		c->placed = 1u << irq;
	}
	vgic_unlock(d, flags);
	return kick;
}

int vgic_map_hw(struct vgic *d, unsigned vcpu, unsigned virq, unsigned phys_irq)
{
	struct vgic_irq *irq;
	uint32_t flags;

	if (virq < VGIC_SGI_COUNT || phys_irq < VGIC_SGI_COUNT || phys_irq >= VGIC_IRQ_LIMIT)
		return -EINVAL;
	flags = vgic_lock(d);
	irq = vgic_get_irq(d, vcpu, virq);
	if (irq) {
		irq->hw = true;
		irq->hw_intid = (uint16_t)phys_irq;
	}
	vgic_unlock(d, flags);
	return irq ? 0 : -EINVAL;
}

/* Without the lock, which would only order a racing change (an IRQ_LINE
 * from another CPU) before or after the read, not prevent it; the answer
 * is a few bytes of the interrupt's state, read whole. */
bool vgic_map_is_active(struct vgic *d, unsigned vcpu, unsigned virq)
{
	const struct vgic_irq *irq = vgic_get_irq(d, vcpu, virq);

	return irq && irq->hw && irq_busy(irq);
}

/* Walks the interrupts that may need vCPU vcpu's list registers: its live
 * private ones, then the VM's live SPIs (the words spi_live[0] names). */
struct live_iter {
	unsigned vcpu;
	unsigned word;
	uint32_t words; /* the SPI words still to walk */
	uint32_t bits;
};

static struct live_iter live_begin(const struct vgic *d, unsigned vcpu)
{
	return (struct live_iter){
		.vcpu = vcpu,
		.words = d->spi_live[0],
		.bits = d->cpu[vcpu].live,
	};
}

static inline __attribute__((always_inline)) struct vgic_irq *live_next(struct vgic *d,
									  struct live_iter *it)
{
	unsigned bit;

	while (!it->bits) {
		if (!it->words)
			return NULL;
		it->word = (unsigned)__builtin_ctz(it->words);
		it->words &= it->words - 1;
		it->bits = d->spi_live[it->word];
	}
	bit = (unsigned)__builtin_ctz(it->bits);
	it->bits &= it->bits - 1;
	return vgic_get_irq(d, it->vcpu, it->word * 32 + bit);
}

/* Whether the GIC would signal irq to a vCPU whose GICH_VMCR is vmcr. */
static bool passes_pmr(const struct vgic_irq *irq, uint32_t vmcr)
{
	return (vmcr & GICH_VMCR_GRP0_EN) &&
	       (unsigned)(irq->priority >> 3) < (vmcr >> GICH_VMCR_PRIMASK_SHIFT);
}

bool vgic_vcpu_pending(struct vgic *d, unsigned vcpu)
{
	struct live_iter it;
	struct vgic_irq *irq;
	uint32_t flags;
	bool found = false;

	if (vcpu >= d->vcpu_count)
		return false;
	flags = vgic_lock(d);
	it = live_begin(d, vcpu);
	while (!found && (irq = live_next(d, &it)))
		found = vgic_irq_deliver_to(d, irq) == vcpu && passes_pmr(irq, d->cpu[vcpu].vmcr);
	vgic_unlock(d, flags);
	return found;
}

/* The interrupts chosen for the free list registers, best first. */
struct lr_pick {
	unsigned cap;
	unsigned count;
	bool overflow; /* more wanted a list register than there were */
	struct vgic_irq *irq[GICH_LR_MAX];
};

/* Whether a goes into a list register before b: active ones first (the
 * guest must be able to EOI them), then by priority, then by ID. */
static bool lr_before(const struct vgic_irq *a, const struct vgic_irq *b)
{
	if (a->active != b->active)
		return a->active;
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return a->intid < b->intid;
}

static void pick_add(struct lr_pick *p, struct vgic_irq *irq)
{
	unsigned i;

	if (p->count == p->cap) {
		p->overflow = true;
		if (!p->cap || !lr_before(irq, p->irq[p->cap - 1]))
			return;
		p->count--;
	}
	for (i = p->count; i > 0 && lr_before(irq, p->irq[i - 1]); i--)
		p->irq[i] = p->irq[i - 1];
	p->irq[i] = irq;
	p->count++;
}

static bool lr_wanted(const struct vgic *d, const struct vgic_irq *irq, unsigned vcpu)
{
	if (irq->lr_vcpu != VGIC_NO_VCPU || vgic_irq_target(d, irq) != vcpu)
		return false;
	/* Active, or deliverable (to its target, vcpu). */
	return irq->active || (d->enabled && irq->enabled && vgic_irq_pending(irq));
}

static unsigned free_lr_count(const struct vgic *d, unsigned vcpu)
{
	uint32_t used = d->cpu[vcpu].lr_used;

	/* Empty after every sync: no popcount (a libgcc call) then. */
	return d->lr_count - (used ? (unsigned)__builtin_popcount(used) : 0);
}

/* Lock held, vcpu loaded on this CPU. */
static void flush_locked(struct vgic *d, unsigned vcpu)
{
	/* Not an initializer: that would zero irq[] (GICH_LR_MAX pointers)
	 * on every guest entry, and pick_add reads only what it wrote. */
	struct lr_pick p;
	struct live_iter it = live_begin(d, vcpu);
	struct vgic_irq *irq;
	unsigned i, lr = 0;
	bool underflow;

	p.cap = free_lr_count(d, vcpu);
	p.count = 0;
	p.overflow = false;
	while ((irq = live_next(d, &it)))
		if (lr_wanted(d, irq, vcpu))
			pick_add(&p, irq);
	for (i = 0; i < p.count; i++, lr++) {
		while (d->cpu[vcpu].lr_used & (1u << lr))
			lr++;
		vgic_v2_populate_lr(d, vcpu, p.irq[i], lr);
	}
	/* Underflow: a maintenance interrupt once at most one list register
	 * is still valid, so more than one must be in use for it to wait. */
	underflow = p.overflow && p.count + (d->cpu[vcpu].placed != 0) > 1;
	vgic_v2_set_hcr(d, vcpu, GICH_HCR_EN | (underflow ? GICH_HCR_UIE : 0));
}

/* Nothing live for it but what its injection placed (no other private
 * interrupt, no SPI of the VM) and its GICH_HCR as flush would leave it:
 * flushing has nothing to do.  Read without the lock, on the vCPU's own
 * CPU: whoever makes an interrupt live does so under the lock and then
 * kicks this CPU, so a change missed here is flushed on the entry after
 * that exit. */
static bool nothing_to_flush(const struct vgic *d, unsigned vcpu)
{
	const struct vgic_cpu *c = &d->cpu[vcpu];

	return !(c->live & ~c->placed) && c->hcr == GICH_HCR_EN && !d->spi_live[0];
}

/* Not loaded (never restored, or saved since), a vCPU has nothing in this
 * CPU's GICH: flush and sync leave it alone. */
void vgic_flush(struct vgic *d, unsigned vcpu)
{
	uint32_t flags;

	if (d->cpu[vcpu].loaded && nothing_to_flush(d, vcpu))
		return;
	flags = vgic_lock(d);
	if (d->cpu[vcpu].loaded)
		flush_locked(d, vcpu);
	vgic_unlock(d, flags);
}

bool vgic_lrs_idle(const struct vgic *d, unsigned vcpu)
{
	const struct vgic_cpu *c = &d->cpu[vcpu];

	/* lr_used and hcr are this CPU's own. */
	return c->loaded && !c->lr_used && c->hcr == GICH_HCR_EN;
}

uint32_t vgic_sync(struct vgic *d, unsigned vcpu)
{
	struct vgic_cpu *c = &d->cpu[vcpu];
	uint32_t flags, kick = 0;

	/* With the list registers idle only the guest's GICV_PMR/CTLR (in
	 * GICH_VMCR) may have changed; vmcr is one aligned word, read by
	 * others whole. */
	if (vgic_lrs_idle(d, vcpu)) {
		c->vmcr = gich_read(GICH_VMCR);
		return 0;
	}
	flags = vgic_lock(d);
	if (c->loaded) {
		kick = vgic_v2_sync_lrs(d, vcpu);
		c->vmcr = gich_read(GICH_VMCR);
		vgic_v2_set_hcr(d, vcpu, GICH_HCR_EN);
	}
	vgic_unlock(d, flags);
	return kick;
}

/* The causes (EOI of an interrupt that asked for it, underflow) go away
 * with the list registers emptied and GICH_HCR.UIE cleared. */
uint32_t vgic_maintenance(struct vgic *d, unsigned vcpu)
{
	return vgic_sync(d, vcpu);
}
