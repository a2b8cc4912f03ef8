/* SPDX-License-Identifier: MIT */
/*
 * Physical memory allocator: a sorted list of free ranges, page granular.
 * Large contiguous allocations (guest RAM) and single pages (tables, vCPU
 * structures) come from the same place.  Plain C, tested on the host; the
 * hypervisor wraps one global instance with a lock (mm/page.c).
 */
#ifndef LOWVISOR_PALLOC_H
#define LOWVISOR_PALLOC_H

#include "types.h"

#define PALLOC_MAX_RANGES 64

struct palloc {
	unsigned count;
	struct mem_range free[PALLOC_MAX_RANGES]; /* sorted, disjoint, not adjacent */
};

void palloc_init(struct palloc *pa);

/* Adds [base, base + size) as free, trimmed inward to whole pages.
 * -EINVAL if it overlaps memory already free, -ENOSPC if the list is full. */
int palloc_add(struct palloc *pa, uint64_t base, uint64_t size);

/* Removes [base, base + size), widened to whole pages, from the free memory
 * wherever it overlaps (parts not free are ignored).  -ENOSPC if splitting
 * needs more ranges than the list holds. */
int palloc_reserve(struct palloc *pa, uint64_t base, uint64_t size);

/* Allocates size bytes (rounded up to pages) aligned to align (a power of
 * two, at least a page).  -ENOMEM if no free range fits, -EINVAL for a bad
 * size or alignment. */
int palloc_alloc(struct palloc *pa, uint64_t size, uint64_t align, uint64_t *out);

/* Allocates exactly [base, base + size): -EBUSY if any of it is not free. */
int palloc_alloc_at(struct palloc *pa, uint64_t base, uint64_t size);

/* Returns an allocation.  -EINVAL if it is not page aligned or any of it is
 * already free (a double free). */
int palloc_free(struct palloc *pa, uint64_t base, uint64_t size);

uint64_t palloc_free_bytes(const struct palloc *pa);
uint64_t palloc_largest(const struct palloc *pa);

#endif
