/* SPDX-License-Identifier: MIT */
/*
 * What the MMIO tests (test_hsr, test_vgic) share: an access through a VM's
 * regions as the trap path makes it, and the check that a register table
 * keeps the rules mmio_dispatch and its index rely on.
 */
#ifndef LOWVISOR_TEST_MMIO_CHECK_H
#define LOWVISOR_TEST_MMIO_CHECK_H

#include <errno.h>

#include "emul.h"

/* mmio_region_find, then mmio_dispatch by vCPU vcpu: -ENODEV if no
 * region holds ipa, else what the access returns. */
static inline int mmio_emulate(const struct mmio_regions *rs, unsigned vcpu, uint64_t ipa,
			       const struct mmio_access *a, uint32_t *val)
{
	const struct mmio_region *r = mmio_region_find(rs, ipa);

	return r ? mmio_dispatch(r, vcpu, a, ipa, val) : -ENODEV;
}

static inline bool reg_entry_valid(const struct mmio_reg *reg)
{
	unsigned bpi = reg->bits_per_irq;

	return reg->length && reg->length - 1 <= UINT32_MAX - reg->offset && reg->widths &&
	       !(reg->widths & ~MMIO_W_ANY) && reg->read && reg->write && bpi <= 32 &&
	       !(bpi & (bpi - 1));
}

/* Each entry non-empty, not wrapping, with widths among MMIO_W_ANY, both
 * handlers, bits_per_irq 0 or a power of two up to 32; entries sorted by
 * offset and disjoint.  If not, *bad (if given) is the index of the first
 * offending entry. */
static inline bool mmio_regs_valid(const struct mmio_reg *regs, size_t count, size_t *bad)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (!reg_entry_valid(&regs[i]) ||
		    (i > 0 && (regs[i].offset < regs[i - 1].offset ||
			       regs[i].offset - regs[i - 1].offset < regs[i - 1].length))) {
			if (bad)
				*bad = i;
			return false;
		}
	}
	return true;
}

/* After a region of ops is added, its index names, for every offset of
 * its words, the register of the table that holds it (NULL: a hole). */
static inline bool mmio_index_agrees(const struct mmio_ops *ops, uint32_t *bad)
{
	struct mmio_regions rs;
	uint32_t off;

	mmio_regions_init(&rs);
	if (mmio_region_add(&rs, 0x10000000, 0x10000, ops, NULL) || !ops->index ||
	    !ops->index->built)
		return false;
	for (off = 0; off < MMIO_INDEX_WORDS * 4; off++) {
		uint8_t slot = ops->index->slot[off / 4];
		const struct mmio_reg *want = NULL;
		size_t i;

		for (i = 0; i < ops->reg_count; i++)
			if (off - ops->regs[i].offset < ops->regs[i].length)
				want = &ops->regs[i];
		if (want != (slot ? &ops->regs[slot - 1] : NULL)) {
			*bad = off;
			return false;
		}
	}
	return true;
}

#endif
