// SPDX-License-Identifier: MIT
/*
 * Table-driven MMIO emulation: see emul.h.
 */
#include <errno.h>
#include <string.h>

#include "emul.h"

#define REGION_SIZE_MAX GiB(4)

uint32_t mmio_read_raz(struct mmio_ctx *c __unused, const struct mmio_reg *reg __unused,
		       uint32_t offset __unused, unsigned width __unused)
{
	return 0;
}

void mmio_write_wi(struct mmio_ctx *c __unused, const struct mmio_reg *reg __unused,
		   uint32_t offset __unused, unsigned width __unused, uint32_t val __unused)
{
}

void mmio_regions_init(struct mmio_regions *rs)
{
	memset(rs, 0, sizeof(*rs));
}

/* The index of the first region with a base above ipa (rs->count if none). */
static unsigned region_upper_bound(const struct mmio_regions *rs, uint64_t ipa)
{
	unsigned lo = 0, hi = rs->count;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (rs->r[mid].base <= ipa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Fills ops's index, or -EINVAL for a table it cannot hold. */
static int index_build(const struct mmio_ops *ops)
{
	struct mmio_index *x = ops->index;
	size_t i;
	uint32_t o;

	for (i = 0; i < ops->reg_count; i++) {
		const struct mmio_reg *reg = &ops->regs[i];

		if (i >= UINT8_MAX || reg->offset % 4 || reg->length % 4 ||
		    reg->offset + reg->length > MMIO_INDEX_WORDS * 4)
			return -EINVAL;
		for (o = reg->offset; o < reg->offset + reg->length; o += 4)
			x->slot[o / 4] = (uint8_t)(i + 1);
	}
	x->built = true;
	return 0;
}

int mmio_region_add(struct mmio_regions *rs, uint64_t base, uint64_t size,
		    const struct mmio_ops *ops, void *dev)
{
	unsigned i;

	/* The end may not reach 2^64, which would wrap to 0. */
	if (!size || size > REGION_SIZE_MAX || size > UINT64_MAX - base || !ops || !ops->index ||
	    (!ops->index->built && index_build(ops)))
		return -EINVAL;
	i = region_upper_bound(rs, base);
	if ((i > 0 && ranges_overlap(rs->r[i - 1].base, rs->r[i - 1].size, base, size)) ||
	    (i < rs->count && ranges_overlap(rs->r[i].base, rs->r[i].size, base, size)))
		return -EBUSY;
	if (rs->count == MMIO_REGIONS_MAX)
		return -ENOSPC;
	memmove(&rs->r[i + 1], &rs->r[i], (rs->count - i) * sizeof(rs->r[0]));
	rs->r[i] = (struct mmio_region){ .base = base, .size = size, .ops = ops, .dev = dev };
	rs->count++;
	return 0;
}

/* A scan, not a search: a VM has a few regions, the vGIC's first. */
const struct mmio_region *mmio_region_find(const struct mmio_regions *rs, uint64_t ipa)
{
	const struct mmio_region *r;

	for (r = rs->r; r < rs->r + rs->count; r++)
		if (ipa - r->base < r->size)
			return r;
	return NULL;
}

static bool width_ok(unsigned width)
{
	return width == 1 || width == 2 || width == 4;
}

int mmio_dispatch(const struct mmio_region *r, unsigned vcpu, const struct mmio_access *a,
		  uint64_t ipa, uint32_t *val)
{
	struct mmio_ctx c = { .dev = r->dev, .vcpu = vcpu };
	uint64_t offset = ipa - r->base;
	const struct mmio_reg *reg;
	uint32_t off;
	unsigned slot;

	if (!a->valid || !width_ok(a->width) || !IS_ALIGNED(offset, a->width))
		return -EINVAL;
	if (offset >= r->size || a->width > r->size - offset)
		return -ERANGE;
	off = (uint32_t)offset; /* regions are at most 4 GiB */
	slot = off / 4 < MMIO_INDEX_WORDS ? r->ops->index->slot[off / 4] : 0;
	if (!slot) { /* a hole: RAZ/WI, or the access is refused */
		if (!r->ops->holes_raz_wi)
			return -ENOENT;
		if (!a->write)
			*val = 0;
		return 0;
	}
	reg = &r->ops->regs[slot - 1];
	if (!(reg->widths & a->width))
		return -EINVAL;
	if (a->width > reg->length - (off - reg->offset))
		return -ERANGE;
	if (a->write)
		reg->write(&c, reg, off, a->width, *val & mmio_width_mask(a->width));
	else
		*val = reg->read(&c, reg, off, a->width) & mmio_width_mask(a->width);
	return (int)c.kick;
}
