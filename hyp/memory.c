// SPDX-License-Identifier: MIT
/*
 * The page allocator over the host's free RAM: every memory bank minus the
 * firmware image, the DTB, the initrd, /memreserve/ and /reserved-memory.
 */
#include <errno.h>

#include "arch/sysreg.h"
#include "hyp.h"
#include "pages.h"
#include "mm.h"
#include "log.h"
#include "spinlock.h"

extern char __bundle_start[], __bundle_end[];

static struct palloc pool;
static struct spinlock pool_lock = SPINLOCK_INIT;

static int reserve(uint64_t base, uint64_t size, const char *what)
{
	int err = palloc_reserve(&pool, base, size);

	if (err)
		log_err("memory: cannot reserve %s at %s (+%s): %d", what,
			HEX64(base), HEX64(size), err);
	else if (size)
		log_debug("memory: reserved %s %s-%s", what, HEX64(base), HEX64(base + size - 1));
	return err;
}

int memory_init(void)
{
	const struct platform *p = &hyp.plat;
	struct mem_range img = hyp_image_range();
	unsigned i;
	int err = 0;

	palloc_init(&pool);
	for (i = 0; i < p->mem_count && !err; i++) {
		struct mem_range r = p->mem[i];

		if (r.base >= HYP_IDENTITY_LIMIT) {
			log_warn("memory: bank %s-%s is above %s and is not used", HEX64(r.base),
				 HEX64(range_end(&r) - 1), HEX64(HYP_IDENTITY_LIMIT));
			continue;
		}
		if (range_end(&r) > HYP_IDENTITY_LIMIT) {
			log_warn("memory: RAM above %s is not used", HEX64(HYP_IDENTITY_LIMIT));
			r.size = HYP_IDENTITY_LIMIT - r.base;
		}
		err = hyp_map_identity(pa_init(r.base), r.size, HYP_MEM_NORMAL);
		if (err) {
			log_err("memory: cannot map bank %s: %d", HEX64(r.base), err);
			return err;
		}
		err = palloc_add(&pool, r.base, r.size);
	}
	/* An empty range (no default bundle, no initrd) reserves nothing. */
	err = err ?: reserve(img.base, img.size, "firmware image");
	err = err ?: reserve(pa_addr(hyp_image_pa(__bundle_start)),
			     (uint64_t)(__bundle_end - __bundle_start), "default bundle");
	err = err ?: reserve(hyp.dtb_pa, p->dtb_size, "device tree");
	err = err ?: reserve(p->initrd.base, p->initrd.size, "initrd");
	for (i = 0; i < p->resv_count && !err; i++)
		err = reserve(p->resv[i].base, p->resv[i].size, "reserved memory");
	if (!err && !palloc_free_bytes(&pool)) {
		log_err("memory: no free RAM left after the reservations");
		err = -ENOMEM;
	}
	return err;
}

int page_alloc(uint64_t size, uint64_t align, const char *what, uint64_t *pa)
{
	uint32_t flags = spin_lock_irqsave(&pool_lock);
	int err = palloc_alloc(&pool, size, align, pa);
	uint64_t free_bytes = palloc_free_bytes(&pool), largest = palloc_largest(&pool);

	spin_unlock_irqrestore(&pool_lock, flags);
	if (err == -ENOMEM) {
		char want[24], have[24], big[24];

		log_err("out of memory: %s needs %s, %s free, largest free range %s", what,
			fmt_size(want, sizeof(want), size), fmt_size(have, sizeof(have), free_bytes),
			fmt_size(big, sizeof(big), largest));
	}
	return err;
}

int page_alloc_at(uint64_t pa, uint64_t size)
{
	uint32_t flags = spin_lock_irqsave(&pool_lock);
	int err = palloc_alloc_at(&pool, pa, size);

	spin_unlock_irqrestore(&pool_lock, flags);
	return err;
}

void page_free(uint64_t pa, uint64_t size)
{
	uint32_t flags = spin_lock_irqsave(&pool_lock);
	int err = palloc_free(&pool, pa, size);

	spin_unlock_irqrestore(&pool_lock, flags);
	if (err)
		log_err("memory: bad free of %s (+%s): %d", HEX64(pa), HEX64(size), err);
}

uint64_t memory_free_bytes(void)
{
	return palloc_free_bytes(&pool);
}

unsigned memory_free_ranges(void)
{
	return pool.count;
}
