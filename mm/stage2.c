// SPDX-License-Identifier: MIT
/*
 * Stage-2 tables (the layout and the contract are in stage2.h).
 *
 * stage2_map() and stage2_unmap() walk their range twice: a dry run that
 * changes nothing, finds conflicts and counts the table pages the change
 * will take, then, only if all is well, the run that makes the change.  So
 * a call that fails leaves the tables exactly as they were.
 *
 * Order of writes, for walkers running on other CPUs meanwhile: a new table
 * is filled and synced before the entry pointing to it is written; every
 * descriptor is written with one single-copy-atomic 64-bit store.
 */
#include <errno.h>
#include <string.h>

#include "arch/lpae.h"
#include "mm.h"

#define L1_SIZE (_ULL(1) << LPAE_L1_SHIFT)
#define L2_SIZE (_ULL(1) << LPAE_L2_SHIFT)
#define IPA_LIMIT (_ULL(1) << STAGE2_IPA_BITS)
#define PA_LIMIT (_ULL(1) << STAGE2_PA_BITS)

/* One walk over a range: the dry run (commit false) or the real one. */
struct walk {
	struct stage2 *s2;
	bool commit;
	unsigned need;   /* table pages the real run will take */
	bool removed;    /* unmap: a translation went away */
	uint64_t pa_off; /* map: pa - ipa, modulo 2^64 */
	uint64_t attrs;  /* map: block/page descriptor bits but address and type */
};

/* On ARMv7 with LPAE, GCC makes these one LDRD/STRD: no walker sees half a
 * descriptor (whose low word alone could map a wrong PA or drop XN). */
static uint64_t desc_read(const uint64_t *e)
{
	return __atomic_load_n(e, __ATOMIC_RELAXED);
}

/* Runs of entries are synced once, by the caller. */
static void desc_store(uint64_t *e, uint64_t d)
{
	__atomic_store_n(e, d, __ATOMIC_RELAXED);
}

static void desc_write(uint64_t *e, uint64_t d)
{
	desc_store(e, d);
	stage2_sync_table(e, sizeof(*e));
}

static bool desc_valid(uint64_t d)
{
	return d & LPAE_VALID;
}

/* At level 3 the same type means a page. */
static bool desc_table(uint64_t d)
{
	return (d & LPAE_TYPE_MASK) == LPAE_TYPE_TABLE;
}

static uint64_t *table_at(uint64_t pa)
{
	return stage2_phys_to_virt(pa_init(pa));
}

static uint64_t *next_table(uint64_t d)
{
	return table_at(d & LPAE_ADDR_MASK);
}

static unsigned l2_index(uint64_t ipa)
{
	return (unsigned)(ipa >> LPAE_L2_SHIFT) & (LPAE_ENTRIES - 1);
}

static unsigned l3_index(uint64_t ipa)
{
	return (unsigned)(ipa >> LPAE_L3_SHIFT) & (LPAE_ENTRIES - 1);
}

static unsigned page_count(uint64_t size)
{
	return (unsigned)(size >> LPAE_L3_SHIFT);
}

/* Reached through its own page, so the two level-1 pages need not be
 * contiguous virtually. */
static uint64_t *l1_entry(const struct stage2 *s2, uint64_t ipa)
{
	unsigned i = (unsigned)(ipa >> LPAE_L1_SHIFT) & (STAGE2_L1_ENTRIES - 1);

	return stage2_phys_to_virt(pa_init(s2->l1_pa + i * sizeof(uint64_t)));
}

/* Where the region of region_size holding ipa ends, or end if sooner. */
static uint64_t region_end(uint64_t ipa, uint64_t end, uint64_t region_size)
{
	uint64_t next = ALIGN_DOWN(ipa, region_size) + region_size;

	return next < end ? next : end;
}

static void cache_remove(struct stage2_cache *cache, unsigned i)
{
	cache->pages[i] = cache->pages[--cache->count];
}

static void table_zero(uint64_t pa)
{
	uint64_t *t = table_at(pa);

	memset(t, 0, PAGE_SIZE);
	stage2_sync_table(t, PAGE_SIZE);
}

/* A zeroed table page; the dry run made sure the cache has one. */
static uint64_t table_alloc(struct stage2 *s2)
{
	uint64_t pa = s2->cache->pages[s2->cache->count - 1];

	cache_remove(s2->cache, s2->cache->count - 1);
	table_zero(pa);
	s2->table_pages++;
	return pa;
}

static void table_free(struct stage2 *s2, uint64_t pa)
{
	stage2_free_page(pa_init(pa));
	s2->table_pages--;
}

static int check_range(uint64_t addr, uint64_t size, uint64_t limit)
{
	if (!size || !IS_ALIGNED(addr, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE) ||
	    addr + size < addr)
		return -EINVAL;
	return addr + size > limit ? -ERANGE : 0;
}

int stage2_cache_put(struct stage2_cache *cache, paddr_t pa)
{
	if (!IS_ALIGNED(pa_addr(pa), PAGE_SIZE) || pa_addr(pa) >= PA_LIMIT)
		return -EINVAL;
	if (cache->count == STAGE2_CACHE_PAGES)
		return -ENOSPC;
	cache->pages[cache->count++] = pa_addr(pa);
	return 0;
}

/* The most regions of region_size that size bytes, page aligned, touch. */
static uint64_t regions_touched(uint64_t size, uint64_t region_size)
{
	return (size + region_size - PAGE_SIZE - 1) / region_size + 1;
}

unsigned stage2_cache_need(uint64_t size)
{
	if (!size)
		return 0;
	if (size > IPA_LIMIT)
		size = IPA_LIMIT;
	size = ALIGN_UP(size, PAGE_SIZE);
	return (unsigned)(regions_touched(size, L1_SIZE) + regions_touched(size, L2_SIZE));
}

/* Finds an 8 KiB-aligned page whose next page is in the cache too. */
static bool cache_find_pair(const struct stage2_cache *cache, unsigned *lo, unsigned *hi)
{
	unsigned i, j;

	for (i = 0; i < cache->count; i++)
		for (j = 0; j < cache->count; j++)
			if (IS_ALIGNED(cache->pages[i], STAGE2_L1_SIZE) &&
			    cache->pages[j] == cache->pages[i] + PAGE_SIZE) {
				*lo = i;
				*hi = j;
				return true;
			}
	return false;
}

int stage2_init(struct stage2 *s2, struct stage2_cache *cache)
{
	unsigned lo, hi;

	if (!cache_find_pair(cache, &lo, &hi))
		return -ENOMEM;
	s2->l1_pa = cache->pages[lo];
	s2->cache = cache;
	s2->table_pages = STAGE2_INIT_PAGES;
	/* The higher index first, so the lower one still means the same page. */
	cache_remove(cache, lo > hi ? lo : hi);
	cache_remove(cache, lo > hi ? hi : lo);
	table_zero(s2->l1_pa);
	table_zero(s2->l1_pa + PAGE_SIZE);
	return 0;
}

static int make_attrs(enum stage2_mem type, unsigned perms, uint64_t *attrs)
{
	uint64_t a = LPAE_AF;

	if ((perms & ~STAGE2_PERM_RWX) || !(perms & STAGE2_PERM_RW) ||
	    ((perms & STAGE2_PERM_EXEC) && !(perms & STAGE2_PERM_READ)))
		return -EINVAL;
	if (type == STAGE2_MEM_NORMAL)
		a |= S2_MEMATTR(S2_MEMATTR_NORMAL_WB) | LPAE_SH_INNER;
	else if (type == STAGE2_MEM_DEVICE && !(perms & STAGE2_PERM_EXEC))
		a |= S2_MEMATTR(S2_MEMATTR_DEVICE);
	else
		return -EINVAL;
	if (perms & STAGE2_PERM_READ)
		a |= S2_AP_READ;
	if (perms & STAGE2_PERM_WRITE)
		a |= S2_AP_WRITE;
	if (!(perms & STAGE2_PERM_EXEC))
		a |= LPAE_XN;
	*attrs = a;
	return 0;
}

/* Pages [ipa, end) of one level-3 table t. */
static int map_l3(struct walk *w, uint64_t *t, uint64_t ipa, uint64_t end)
{
	unsigned first = l3_index(ipa), n = page_count(end - ipa), i;

	for (i = 0; i < n; i++) {
		uint64_t *e = &t[first + i];
		uint64_t pa = ipa + w->pa_off + (uint64_t)i * PAGE_SIZE;
		uint64_t want = pa | w->attrs | LPAE_TYPE_PAGE;

		if (desc_valid(*e) && *e != want)
			return -EEXIST;
		if (w->commit && !desc_valid(*e))
			desc_store(e, want);
	}
	if (w->commit)
		stage2_sync_table(&t[first], n * sizeof(*t));
	return 0;
}

/* Whether the level-2 block d already maps ipa as w wants. */
static bool block_maps(const struct walk *w, uint64_t d, uint64_t ipa)
{
	uint64_t pa = (d & LPAE_BLOCK_ADDR_L2_MASK) | (ipa & (L2_SIZE - 1));

	return (d & LPAE_ATTR_MASK) == w->attrs && pa == ipa + w->pa_off;
}

/* [ipa, end) inside one 2 MiB region whose level-2 entry is e, or NULL in a
 * dry run where the level-2 table is still to be made. */
static int map_l2(struct walk *w, uint64_t *e, uint64_t ipa, uint64_t end)
{
	uint64_t d = e ? *e : 0, pa = ipa + w->pa_off, t;

	if (desc_table(d))
		return map_l3(w, next_table(d), ipa, end);
	if (desc_valid(d))
		return block_maps(w, d, ipa) ? 0 : -EEXIST;
	if (end - ipa == L2_SIZE && IS_ALIGNED(pa, L2_SIZE)) {
		if (w->commit)
			desc_write(e, pa | w->attrs | LPAE_TYPE_BLOCK);
		return 0;
	}
	if (!w->commit) {
		w->need++;
		return 0;
	}
	t = table_alloc(w->s2);
	map_l3(w, table_at(t), ipa, end);
	desc_write(e, t | LPAE_TYPE_TABLE);
	return 0;
}

/* [ipa, end) inside one 1 GiB region whose level-1 entry is e. */
static int map_l1(struct walk *w, uint64_t *e, uint64_t ipa, uint64_t end)
{
	uint64_t *t = NULL, t_pa = 0, next;
	int err = 0;

	if (desc_valid(*e))
		t = next_table(*e);
	else if (!w->commit)
		w->need++;
	else
		t = table_at(t_pa = table_alloc(w->s2));
	for (; ipa < end && !err; ipa = next) {
		next = region_end(ipa, end, L2_SIZE);
		err = map_l2(w, t ? &t[l2_index(ipa)] : NULL, ipa, next);
	}
	if (t_pa)
		desc_write(e, t_pa | LPAE_TYPE_TABLE);
	return err;
}

static int map_walk(struct walk *w, uint64_t ipa, uint64_t end)
{
	uint64_t next;
	int err = 0;

	for (; ipa < end && !err; ipa = next) {
		next = region_end(ipa, end, L1_SIZE);
		err = map_l1(w, l1_entry(w->s2, ipa), ipa, next);
	}
	return err;
}

int stage2_map(struct stage2 *s2, ipaddr_t at, paddr_t to, uint64_t size,
	       enum stage2_mem type, unsigned perms)
{
	uint64_t ipa = ipa_addr(at), pa = pa_addr(to);
	struct walk w = { .s2 = s2, .pa_off = pa - ipa };
	int err = check_range(ipa, size, IPA_LIMIT);

	err = err ?: check_range(pa, size, PA_LIMIT);
	err = err ?: make_attrs(type, perms, &w.attrs);
	err = err ?: map_walk(&w, ipa, ipa + size);
	if (err)
		return err;
	if (w.need > s2->cache->count)
		return -ENOMEM;
	w.commit = true;
	return map_walk(&w, ipa, ipa + size);
}

int stage2_ioremap(struct stage2 *s2, ipaddr_t ipa, paddr_t pa, uint64_t size)
{
	return stage2_map(s2, ipa, pa, size, STAGE2_MEM_DEVICE, STAGE2_PERM_RW);
}

/* Entries [first, first + n) of table t made invalid. */
static void clear_entries(struct walk *w, uint64_t *t, unsigned first, unsigned n)
{
	unsigned i;

	for (i = first; i < first + n; i++) {
		if (desc_valid(t[i])) {
			desc_store(&t[i], 0);
			w->removed = true;
		}
	}
	stage2_sync_table(&t[first], n * sizeof(*t));
}

/*
 * Replaces the block at e by a table of the same pages but [ipa, end).
 * Break-before-make: the block goes and its TLB entries with it before the
 * table comes, so no TLB ever holds both a block and a page for one IPA.
 */
static void split_block(struct walk *w, uint64_t *e, uint64_t ipa, uint64_t end)
{
	uint64_t d = *e, t_pa = table_alloc(w->s2);
	uint64_t *t = table_at(t_pa);
	unsigned i, first = l3_index(ipa), last = first + page_count(end - ipa);

	for (i = 0; i < LPAE_ENTRIES; i++)
		if (i < first || i >= last)
			t[i] = d | LPAE_TYPE_PAGE | ((uint64_t)i << LPAE_L3_SHIFT);
	stage2_sync_table(t, PAGE_SIZE);
	desc_write(e, 0);
	stage2_tlb_flush(w->s2);
	desc_write(e, t_pa | LPAE_TYPE_TABLE);
	w->removed = true;
}

/* [ipa, end) inside one 2 MiB region whose level-2 entry is e. */
static void unmap_l2(struct walk *w, uint64_t *e, uint64_t ipa, uint64_t end)
{
	uint64_t d = *e;

	if (desc_table(d)) {
		if (w->commit)
			clear_entries(w, next_table(d), l3_index(ipa), page_count(end - ipa));
	} else if (!desc_valid(d)) {
		return;
	} else if (end - ipa == L2_SIZE) {
		if (w->commit) {
			desc_write(e, 0);
			w->removed = true;
		}
	} else if (!w->commit) {
		w->need++;
	} else {
		split_block(w, e, ipa, end);
	}
}

/* Level-1 entries are never blocks: only tables need a look. */
static void unmap_walk(struct walk *w, uint64_t ipa, uint64_t end)
{
	uint64_t next;

	for (; ipa < end; ipa = next) {
		uint64_t d = *l1_entry(w->s2, ipa);

		next = region_end(ipa, end, L1_SIZE);
		for (; desc_table(d) && ipa < next; ipa = region_end(ipa, next, L2_SIZE))
			unmap_l2(w, &next_table(d)[l2_index(ipa)], ipa,
				 region_end(ipa, next, L2_SIZE));
	}
}

int stage2_unmap(struct stage2 *s2, ipaddr_t at, uint64_t size)
{
	uint64_t ipa = ipa_addr(at);
	struct walk w = { .s2 = s2 };
	int err = check_range(ipa, size, IPA_LIMIT);

	if (err)
		return err;
	unmap_walk(&w, ipa, ipa + size);
	if (w.need > s2->cache->count)
		return -ENOMEM;
	w.commit = true;
	unmap_walk(&w, ipa, ipa + size);
	if (w.removed)
		stage2_tlb_flush(s2);
	return 0;
}

/* The block or page descriptor the MMU finds for ipa (invalid if none),
 * and in *mask the output address bits it gives. */
static uint64_t walk_leaf(const struct stage2 *s2, uint64_t ipa, uint64_t *mask)
{
	uint64_t d = desc_read(l1_entry(s2, ipa));

	*mask = LPAE_BLOCK_ADDR_L1_MASK;
	if (!desc_table(d))
		return d;
	d = desc_read(&next_table(d)[l2_index(ipa)]);
	*mask = LPAE_BLOCK_ADDR_L2_MASK;
	if (!desc_table(d))
		return d;
	d = desc_read(&next_table(d)[l3_index(ipa)]);
	*mask = LPAE_ADDR_MASK;
	return desc_table(d) ? d : 0; /* 0b01 is reserved at level 3 */
}

int stage2_translate(const struct stage2 *s2, ipaddr_t at, paddr_t *pa, unsigned *perms,
		     enum stage2_mem *type)
{
	uint64_t ipa = ipa_addr(at), mask, d;

	if (ipa >= IPA_LIMIT)
		return -EFAULT;
	d = walk_leaf(s2, ipa, &mask);
	if (!desc_valid(d) || !(d & LPAE_AF)) /* translation or access flag fault */
		return -EFAULT;
	if (pa)
		*pa = pa_init((d & mask) | (ipa & ~mask));
	if (perms)
		*perms = ((d & S2_AP_READ) ? STAGE2_PERM_READ : 0) |
			 ((d & S2_AP_WRITE) ? STAGE2_PERM_WRITE : 0) |
			 ((d & LPAE_XN) ? 0 : STAGE2_PERM_EXEC);
	if (type) /* MemAttr[3:2] == 00 is Device or Strongly-ordered */
		*type = (d & S2_MEMATTR(_ULL(0xc))) ? STAGE2_MEM_NORMAL : STAGE2_MEM_DEVICE;
	return 0;
}

static void free_l2_table(struct stage2 *s2, uint64_t pa)
{
	uint64_t *t = table_at(pa);
	unsigned i;

	for (i = 0; i < LPAE_ENTRIES; i++)
		if (desc_table(t[i]))
			table_free(s2, t[i] & LPAE_ADDR_MASK);
	table_free(s2, pa);
}

void stage2_destroy(struct stage2 *s2)
{
	unsigned i;

	if (!s2->l1_pa)
		return;
	stage2_tlb_flush(s2);
	for (i = 0; i < STAGE2_L1_ENTRIES; i++) {
		uint64_t d = *l1_entry(s2, (uint64_t)i << LPAE_L1_SHIFT);

		if (desc_table(d))
			free_l2_table(s2, d & LPAE_ADDR_MASK);
	}
	table_free(s2, s2->l1_pa);
	table_free(s2, s2->l1_pa + PAGE_SIZE);
	s2->l1_pa = 0;
}

uint64_t stage2_vttbr(const struct stage2 *s2, uint8_t vmid)
{
	return s2->l1_pa | (uint64_t)vmid << VTTBR_VMID_SHIFT;
}
