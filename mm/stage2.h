/* SPDX-License-Identifier: MIT */
/*
 * Stage-2 translation tables of one VM: LPAE, 40-bit IPA, 40-bit PA, 4 KiB
 * granule, the walk starting at level 1 (see STAGE2_VTCR in lpae.h).
 *
 *   level 1  1024 entries (two concatenated pages, 8 KiB aligned), 1 GiB each:
 *            always invalid or a table, never a block
 *   level 2  512 entries, 2 MiB each: invalid, a block, or a table
 *   level 3  512 entries, 4 KiB each: invalid or a page
 *
 * Plain C with no locking: the caller serialises every call on one VM (its
 * VM lock).  Table pages come only from the VM's struct stage2_cache, which
 * the caller fills outside the lock, so map and unmap never allocate.
 * Table pages stay until stage2_destroy(), even when unmap empties them: no
 * table page is reused while a TLB walk cache could still point at it.
 *
 * The environment (the hypervisor, or the unit test's fake) provides the
 * functions declared at the bottom.
 */
#ifndef LOWVISOR_STAGE2_H
#define LOWVISOR_STAGE2_H

#include "types.h"

#define STAGE2_IPA_BITS 40
#define STAGE2_PA_BITS 40
#define STAGE2_L1_ENTRIES 1024
#define STAGE2_L1_SIZE (2 * PAGE_SIZE) /* and its alignment */
#define STAGE2_INIT_PAGES 2            /* what stage2_init() takes */
#define STAGE2_UNMAP_PAGES 2           /* the most one unmap takes */
#define STAGE2_CACHE_PAGES 64

enum stage2_mem {
	STAGE2_MEM_NORMAL, /* write-back cacheable, inner shareable */
	STAGE2_MEM_DEVICE, /* Device (nGnRE), never executable */
};

#define STAGE2_PERM_READ 1u
#define STAGE2_PERM_WRITE 2u
#define STAGE2_PERM_EXEC 4u
#define STAGE2_PERM_RW (STAGE2_PERM_READ | STAGE2_PERM_WRITE)
#define STAGE2_PERM_RWX (STAGE2_PERM_RW | STAGE2_PERM_EXEC)

/*
 * Page-aligned physical pages for tables, filled by the caller (directly or
 * with stage2_cache_put()) and taken from the end.  Pages need not be
 * zeroed.  stage2_init() needs two of them to be an 8 KiB-aligned pair
 * (pa, pa + 4 KiB), e.g. both halves of one 8 KiB allocation aligned to
 * 8 KiB.  Pages left in it at destruction are the caller's to free.
 */
struct stage2_cache {
	uint64_t pages[STAGE2_CACHE_PAGES];
	unsigned count;
};

struct stage2 {
	uint64_t l1_pa;               /* STAGE2_L1_SIZE bytes, so aligned */
	struct stage2_cache *cache;   /* where map and unmap take tables */
	unsigned table_pages;         /* in use, including the level-1 pair */
};

/* Adds a page to the cache: -EINVAL if pa is not page aligned or beyond
 * 40 bits, -ENOSPC if the cache is full. */
int stage2_cache_put(struct stage2_cache *cache, uint64_t pa);

/* The most table pages stage2_map() of size bytes can take, wherever it
 * is mapped (one level-2 table per GiB and one level-3 table per 2 MiB it
 * touches).  A map of more than about 120 MiB that cannot use blocks needs
 * more than the cache holds: map such a region in pieces, topping up in
 * between. */
unsigned stage2_cache_need(uint64_t size);

/* Takes the level-1 table (an 8 KiB-aligned pair) from cache and zeroes it;
 * cache is where later maps take their tables.  -ENOMEM if the cache holds
 * no such pair. */
int stage2_init(struct stage2 *s2, struct stage2_cache *cache);

/*
 * Maps [ipa, ipa + size) to [pa, pa + size): 2 MiB blocks where the IPA, the
 * PA and the size allow and no level-3 table is already there, 4 KiB pages
 * elsewhere.  perms: STAGE2_PERM_* with read or write; exec needs read and
 * normal memory.  Parts already mapped exactly so are left alone.
 *
 * Either everything is mapped or nothing changes:
 *   -EINVAL  ipa, pa or size not page aligned, size 0 or wrapping, bad type
 *            or perms
 *   -ERANGE  the IPA or PA range goes beyond 40 bits
 *   -EEXIST  some of the range is mapped differently
 *   -ENOMEM  the cache holds fewer pages than the new tables need
 * Only invalid entries are filled, so no TLB maintenance is needed.
 */
int stage2_map(struct stage2 *s2, uint64_t ipa, uint64_t pa, uint64_t size,
	       enum stage2_mem type, unsigned perms);

/* stage2_map() of a device region, read/write, never executable. */
int stage2_ioremap(struct stage2 *s2, uint64_t ipa, uint64_t pa, uint64_t size);

/*
 * Unmaps [ipa, ipa + size); parts not mapped are ignored.  A 2 MiB block
 * only partly in the range is first split into a level-3 table of pages
 * (break-before-make, one table page from the cache each, so at most
 * STAGE2_UNMAP_PAGES).  When it returns, no TLB holds a removed translation
 * (stage2_tlb_flush() was called).  Either everything is unmapped or
 * nothing changes: -EINVAL, -ERANGE as for stage2_map(); -ENOMEM if the
 * cache holds fewer pages than the splits need.  A vCPU on another CPU may
 * fault on the rest of a block while it is split: its abort handler must
 * retry once it gets the VM lock and finds the IPA mapped.
 */
int stage2_unmap(struct stage2 *s2, uint64_t ipa, uint64_t size);

/* Walks the tables as the MMU does.  -EFAULT if the IPA is not mapped (or
 * beyond 40 bits).  Any output pointer may be NULL. */
int stage2_translate(const struct stage2 *s2, uint64_t ipa, uint64_t *pa, unsigned *perms,
		     enum stage2_mem *type);

/* Invalidates the VM's TLB entries, then gives every table page, the
 * level-1 pair included, to stage2_free_page().  The cache is untouched. */
void stage2_destroy(struct stage2 *s2);

/* VTTBR.BADDR (bits [39:13]). */
uint64_t stage2_vttbr_baddr(const struct stage2 *s2);
/* The whole VTTBR: the tables and the VMID (bits [55:48]). */
uint64_t stage2_vttbr(const struct stage2 *s2, uint8_t vmid);

/*
 * Provided by the environment.
 *
 * stage2_phys_to_virt: where the module reads and writes a table page.
 * stage2_sync_table: makes descriptors just written visible to the table
 *   walkers of every CPU (clean to the PoU if walks do not snoop the data
 *   cache, then DSB ISH); called before a new table is linked in.
 * stage2_tlb_flush: invalidates all stage-1&2 TLB entries of the VM that
 *   owns s2 on every CPU (inner shareable, DSB, ISB).  Reach the VM with
 *   container_of(); a VM without a VMID yet has nothing to invalidate.
 * stage2_free_page: takes back a table page from stage2_destroy().
 */
void *stage2_phys_to_virt(uint64_t pa);
void stage2_sync_table(void *va, size_t len);
void stage2_tlb_flush(const struct stage2 *s2);
void stage2_free_page(uint64_t pa);

#endif
