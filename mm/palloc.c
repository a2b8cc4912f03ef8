// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "mm.h"

void palloc_init(struct palloc *pa)
{
	pa->count = 0;
}

static void remove_at(struct palloc *pa, unsigned i)
{
	memmove(&pa->free[i], &pa->free[i + 1], (pa->count - i - 1) * sizeof(pa->free[0]));
	pa->count--;
}

static int insert_at(struct palloc *pa, unsigned i, uint64_t base, uint64_t size)
{
	if (pa->count == PALLOC_MAX_RANGES)
		return -ENOSPC;
	memmove(&pa->free[i + 1], &pa->free[i], (pa->count - i) * sizeof(pa->free[0]));
	pa->free[i] = (struct mem_range){ base, size };
	pa->count++;
	return 0;
}

/* Inserts a free range that overlaps nothing, merging with neighbours. */
static int insert_free(struct palloc *pa, uint64_t base, uint64_t size)
{
	unsigned i = 0;

	while (i < pa->count && pa->free[i].base < base)
		i++;
	if ((i > 0 && range_end(&pa->free[i - 1]) > base) ||
	    (i < pa->count && base + size > pa->free[i].base))
		return -EINVAL;
	if (i < pa->count && base + size == pa->free[i].base) {
		size += pa->free[i].size;
		remove_at(pa, i); /* so the insertion below has room */
	}
	if (i > 0 && range_end(&pa->free[i - 1]) == base) {
		pa->free[i - 1].size += size;
		return 0;
	}
	return insert_at(pa, i, base, size);
}

int palloc_add(struct palloc *pa, uint64_t base, uint64_t size)
{
	uint64_t start = ALIGN_UP(base, PAGE_SIZE);
	uint64_t end = ALIGN_DOWN(base + size, PAGE_SIZE);

	if (base + size < base)
		return -EINVAL;
	if (start < base || end <= start) /* start < base: rounded up past the top */
		return 0;
	return insert_free(pa, start, end - start);
}

int palloc_reserve(struct palloc *pa, uint64_t base, uint64_t size)
{
	uint64_t start = ALIGN_DOWN(base, PAGE_SIZE);
	uint64_t end = base + size < base ? UINT64_MAX : ALIGN_UP(base + size, PAGE_SIZE);
	unsigned i;

	if (!size)
		return 0;
	if (end < start) /* rounded past the top */
		end = UINT64_MAX & ~(uint64_t)(PAGE_SIZE - 1);
	for (i = 0; i < pa->count;) {
		struct mem_range *r = &pa->free[i];
		uint64_t rend = range_end(r);

		if (rend <= start || r->base >= end) {
			i++;
			continue;
		}
		if (r->base < start && rend > end) {
			int err = insert_at(pa, i + 1, end, rend - end);

			if (!err)
				pa->free[i].size = start - pa->free[i].base;
			return err;
		}
		if (r->base < start) {
			r->size = start - r->base;
			i++;
		} else if (rend > end) {
			r->size = rend - end;
			r->base = end;
			i++;
		} else {
			remove_at(pa, i);
		}
	}
	return 0;
}

int palloc_alloc(struct palloc *pa, uint64_t size, uint64_t align, uint64_t *out)
{
	unsigned i;

	if (!size || align < PAGE_SIZE || (align & (align - 1)) || size > UINT64_MAX - PAGE_SIZE)
		return -EINVAL;
	size = ALIGN_UP(size, PAGE_SIZE);
	for (i = 0; i < pa->count; i++) {
		struct mem_range *r = &pa->free[i];
		uint64_t base = ALIGN_UP(r->base, align);

		if (base < r->base || base >= range_end(r) || range_end(r) - base < size)
			continue;
		*out = base;
		return palloc_reserve(pa, base, size);
	}
	return -ENOMEM;
}

/* Rounds *size up to whole pages; false if [base, base + *size) then runs
 * past the top of the address space. */
static bool page_span(uint64_t base, uint64_t *size)
{
	if (*size > UINT64_MAX - (PAGE_SIZE - 1))
		return false;
	*size = ALIGN_UP(*size, PAGE_SIZE);
	return base + *size > base;
}

int palloc_alloc_at(struct palloc *pa, uint64_t base, uint64_t size)
{
	unsigned i;

	if (!size || !IS_ALIGNED(base, PAGE_SIZE) || !page_span(base, &size))
		return -EINVAL;
	for (i = 0; i < pa->count; i++)
		if (pa->free[i].base <= base && range_end(&pa->free[i]) >= base + size)
			return palloc_reserve(pa, base, size);
	return -EBUSY;
}

int palloc_free(struct palloc *pa, uint64_t base, uint64_t size)
{
	if (!size || !IS_ALIGNED(base, PAGE_SIZE) || !page_span(base, &size))
		return -EINVAL;
	return insert_free(pa, base, size);
}

uint64_t palloc_free_bytes(const struct palloc *pa)
{
	uint64_t sum = 0;
	unsigned i;

	for (i = 0; i < pa->count; i++)
		sum += pa->free[i].size;
	return sum;
}

uint64_t palloc_largest(const struct palloc *pa)
{
	uint64_t best = 0;
	unsigned i;

	for (i = 0; i < pa->count; i++)
		if (pa->free[i].size > best)
			best = pa->free[i].size;
	return best;
}
