// SPDX-License-Identifier: MIT
/*
 * Generic per-IRQ register fields of the distributor: see vgic-mmio.h.
 * Each handler takes the VGIC lock once for the whole access and goes
 * through the interrupts it covers (32 for a 1-bit register word, 4 for an
 * 8-bit one, 1 for a byte); the state changes go through vgic.c.
 */
#include "vgic-mmio.h"

/* The interrupts one access covers, with the VGIC lock held. */
struct irq_span {
	struct mmio_ctx *ctx;
	struct vgic *vgic;
	unsigned first; /* interrupt ID */
	unsigned count;
	uint32_t flags;
};

static struct irq_span span_begin(struct mmio_ctx *ctx, const struct mmio_reg *reg, uint32_t offset,
				  unsigned width)
{
	return (struct irq_span){
		.ctx = ctx,
		.vgic = ctx_vgic(ctx),
		.first = mmio_reg_irq(reg, offset),
		.count = width * 8 / reg->bits_per_irq,
		.flags = vgic_lock(ctx_vgic(ctx)),
	};
}

static void span_end(const struct irq_span *s)
{
	vgic_unlock(s->vgic, s->flags);
}

/* The i-th interrupt of the span, or NULL if the VM has no such one. */
static struct vgic_irq *span_irq(const struct irq_span *s, unsigned i)
{
	return vgic_get_irq(s->vgic, s->ctx->vcpu, s->first + i);
}

/* For 1-bit registers: the next interrupt whose bit is set in *bits (which
 * it consumes), skipping those the VM does not have; NULL at the end. */
static struct vgic_irq *span_next_set(const struct irq_span *s, uint32_t *bits)
{
	while (*bits) {
		unsigned i = (unsigned)__builtin_ctz(*bits);
		struct vgic_irq *irq;

		*bits &= *bits - 1;
		irq = i < s->count ? span_irq(s, i) : NULL;
		if (irq)
			return irq;
	}
	return NULL;
}

/* The 1-bit fields: enabled, pending, active.  The accessors below are
 * inlined with a constant field, so each handler is as if written alone. */
enum irq_bit { BIT_ENABLED, BIT_PENDING, BIT_ACTIVE };

static inline __attribute__((always_inline)) uint32_t
read_bits(struct mmio_ctx *ctx, const struct mmio_reg *reg, uint32_t offset, unsigned width, enum irq_bit f)
{
	struct irq_span s = span_begin(ctx, reg, offset, width);
	uint32_t val = 0;
	unsigned i;

	for (i = 0; i < s.count; i++) {
		const struct vgic_irq *irq = span_irq(&s, i);

		if (irq && (f == BIT_ENABLED ? irq->enabled
			    : f == BIT_PENDING ? vgic_irq_pending(irq) : irq->active))
			val |= 1u << i;
	}
	span_end(&s);
	return val;
}

static inline __attribute__((always_inline)) void
write_bits(struct mmio_ctx *ctx, const struct mmio_reg *reg, uint32_t offset, unsigned width,
	   uint32_t val, enum irq_bit f, bool on)
{
	struct irq_span s = span_begin(ctx, reg, offset, width);
	struct mmio_ctx *c = s.ctx;
	struct vgic_irq *irq;

	while ((irq = span_next_set(&s, &val))) {
		if (f == BIT_ENABLED)
			c->kick |= vgic_irq_set_enabled(s.vgic, irq, on);
		else if (f == BIT_PENDING && !vgic_irq_is_sgi(irq))
			c->kick |= vgic_irq_set_pending(s.vgic, irq, on);
		else if (f == BIT_ACTIVE)
			c->kick |= vgic_irq_set_active(s.vgic, irq, on, c->vcpu);
	}
	span_end(&s);
}

#define BIT_READER(name, f)                                                                \
	uint32_t name(struct mmio_ctx *ctx, const struct mmio_reg *reg, uint32_t offset, unsigned width) \
	{                                                                                  \
		return read_bits(ctx, reg, offset, width, f);                              \
	}
#define BIT_WRITER(name, f, on)                                                            \
	void name(struct mmio_ctx *ctx, const struct mmio_reg *reg, uint32_t offset, unsigned width,  \
		  uint32_t val)                                                            \
	{                                                                                  \
		write_bits(ctx, reg, offset, width, val, f, on);                           \
	}

BIT_READER(vgic_mmio_read_enable, BIT_ENABLED)
BIT_WRITER(vgic_mmio_write_senable, BIT_ENABLED, true)
BIT_WRITER(vgic_mmio_write_cenable, BIT_ENABLED, false)
BIT_READER(vgic_mmio_read_pending, BIT_PENDING)
BIT_WRITER(vgic_mmio_write_spending, BIT_PENDING, true)
BIT_WRITER(vgic_mmio_write_cpending, BIT_PENDING, false)
BIT_READER(vgic_mmio_read_active, BIT_ACTIVE)
BIT_WRITER(vgic_mmio_write_sactive, BIT_ACTIVE, true)
BIT_WRITER(vgic_mmio_write_cactive, BIT_ACTIVE, false)

/* The fields of several bits: priority (8), targets (8), config (2, of
 * which GICv2 defines bit 1, edge). */
enum irq_field { FIELD_PRIORITY, FIELD_TARGETS, FIELD_CONFIG };

#define ICFGR_EDGE 2u
#define FIELD_BITS(f) ((f) == FIELD_CONFIG ? 2 : 8)

static inline __attribute__((always_inline)) uint32_t
read_field(struct mmio_ctx *ctx, const struct mmio_reg *reg, uint32_t offset, unsigned width,
	   enum irq_field f)
{
	struct irq_span s = span_begin(ctx, reg, offset, width);
	uint32_t val = 0;
	unsigned i;

	for (i = 0; i < s.count; i++) {
		const struct vgic_irq *irq = span_irq(&s, i);
		uint32_t v;

		if (!irq)
			continue;
		if (f == FIELD_PRIORITY)
			v = irq->priority;
		else if (f == FIELD_TARGETS)
			v = irq->targets;
		else
			v = irq->edge ? ICFGR_EDGE : 0;
		val |= v << (FIELD_BITS(f) * i);
	}
	span_end(&s);
	return val;
}

/* Only SPIs' targets and config can be written.  SGIs are edge-triggered
 * by definition; whether PPIs can be configured is IMPLEMENTATION DEFINED,
 * and here they cannot (as in Linux's VGIC): the virtual timer's PPI is
 * level-triggered, and guests describe it so. */
static inline __attribute__((always_inline)) void
write_field(struct mmio_ctx *ctx, const struct mmio_reg *reg, uint32_t offset, unsigned width,
	    uint32_t val, enum irq_field f)
{
	struct irq_span s = span_begin(ctx, reg, offset, width);
	unsigned i;

	for (i = 0; i < s.count; i++) {
		struct vgic_irq *irq = span_irq(&s, i);
		uint32_t v = val >> (FIELD_BITS(f) * i);

		if (!irq || (f != FIELD_PRIORITY && vgic_irq_is_private(irq)))
			continue;
		if (f == FIELD_PRIORITY)
			s.ctx->kick |= vgic_irq_set_priority(s.vgic, irq, (uint8_t)v);
		else if (f == FIELD_TARGETS)
			s.ctx->kick |= vgic_irq_set_targets(s.vgic, irq, (uint8_t)v);
		else
			s.ctx->kick |= vgic_irq_set_edge(s.vgic, irq, v & ICFGR_EDGE);
	}
	span_end(&s);
}

#define FIELD_ACCESSORS(field, f)                                                          \
	uint32_t vgic_mmio_read_##field(struct mmio_ctx *ctx, const struct mmio_reg *reg,  \
					uint32_t offset, unsigned width)                   \
	{                                                                                  \
		return read_field(ctx, reg, offset, width, f);                             \
	}                                                                                  \
	void vgic_mmio_write_##field(struct mmio_ctx *ctx, const struct mmio_reg *reg,     \
				     uint32_t offset, unsigned width, uint32_t val)        \
	{                                                                                  \
		write_field(ctx, reg, offset, width, val, f);                              \
	}

FIELD_ACCESSORS(priority, FIELD_PRIORITY)
FIELD_ACCESSORS(targets, FIELD_TARGETS)
FIELD_ACCESSORS(config, FIELD_CONFIG)
