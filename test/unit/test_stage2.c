// SPDX-License-Identifier: MIT
/*
 * Stage-2 tables (mm/stage2.c), checked by what the MMU would find: a
 * walker written here from the architecture (ARMv7 LPAE, VTCR.T0SZ = -8,
 * SL0 = 1) reads the descriptors the module wrote, level by level.
 *
 * Table pages live in a fake physical memory: a 64 MiB arena standing at
 * PA 0x80000000, whose pages the test hands out and counts back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "arch/lpae.h"
#include "mm.h"
#include "unit.h"

#define ARENA_PA 0x80000000ull
#define ARENA_SIZE MiB(64)
#define ARENA_PAGES (ARENA_SIZE / PAGE_SIZE)
#define JUNK 0xa5 /* what fresh pages hold: the module must zero its tables */

/* The fake hardware and allocator behind the module's environment hooks. */
static struct {
	uint8_t *mem;
	bool used[ARENA_PAGES];
	unsigned taken, given_back, flushes, syncs;
	const struct stage2 *s2;
	void (*on_flush)(void); /* a test's look at the tables at a TLB flush */
} fake;

/* The test's fixture: one VM's tables and cache. */
struct vm {
	struct stage2 s2;
	struct stage2_cache cache;
};

static uint8_t *arena_ptr(uint64_t pa)
{
	if (pa < ARENA_PA || pa >= ARENA_PA + ARENA_SIZE)
		fail_msg("PA 0x%" PRIx64 " is outside the fake memory", pa);
	return fake.mem + (pa - ARENA_PA);
}

static size_t page_of(uint64_t pa)
{
	arena_ptr(pa);
	return (size_t)((pa - ARENA_PA) / PAGE_SIZE);
}

void *stage2_phys_to_virt(paddr_t p)
{
	uint64_t pa = pa_addr(p);

	if (!fake.used[page_of(pa)])
		fail_msg("the module touches PA 0x%" PRIx64 ", not a page it was given", pa);
	return arena_ptr(pa);
}

void stage2_sync_table(void *va, size_t len)
{
	uint8_t *p = va;

	assert_true(p >= fake.mem && p + len <= fake.mem + ARENA_SIZE);
	fake.syncs++;
}

void stage2_tlb_flush(const struct stage2 *s2)
{
	assert_ptr_equal(s2, fake.s2);
	fake.flushes++;
	if (fake.on_flush)
		fake.on_flush();
}

void stage2_free_page(paddr_t p)
{
	uint64_t pa = pa_addr(p);
	size_t i = page_of(pa);

	assert_true(IS_ALIGNED(pa, PAGE_SIZE));
	if (!fake.used[i])
		fail_msg("page 0x%" PRIx64 " given back twice or never taken", pa);
	fake.used[i] = false;
	fake.given_back++;
}

static uint64_t take_page_at(size_t i)
{
	fake.used[i] = true;
	fake.taken++;
	memset(fake.mem + i * PAGE_SIZE, JUNK, PAGE_SIZE);
	return ARENA_PA + i * PAGE_SIZE;
}

static uint64_t take_page(void)
{
	size_t i;

	for (i = 0; i < ARENA_PAGES; i++)
		if (!fake.used[i])
			return take_page_at(i);
	fail_msg("fake memory used up");
	return 0;
}

/* An 8 KiB-aligned pair, as a level-1 table needs. */
static uint64_t take_pair(void)
{
	size_t i;

	for (i = 0; i + 1 < ARENA_PAGES; i += 2) {
		if (!fake.used[i] && !fake.used[i + 1]) {
			take_page_at(i + 1);
			return take_page_at(i);
		}
	}
	fail_msg("fake memory used up");
	return 0;
}

static unsigned pages_out(void)
{
	return fake.taken - fake.given_back;
}

static void cache_fill(struct stage2_cache *cache, unsigned count)
{
	while (cache->count < count)
		assert_int_equal(stage2_cache_put(cache, pa_init(take_page())), 0);
}

static void cache_drain(struct stage2_cache *cache)
{
	while (cache->count)
		stage2_free_page(pa_init(cache->pages[--cache->count]));
}

static int setup(void **state)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	uint64_t l1;

	memset(&fake, 0, sizeof(fake));
	fake.mem = aligned_alloc(STAGE2_L1_SIZE, ARENA_SIZE);
	if (!vm || !fake.mem)
		return -1;
	fake.s2 = &vm->s2;
	l1 = take_pair();
	assert_int_equal(stage2_cache_put(&vm->cache, pa_init(l1)), 0);
	assert_int_equal(stage2_cache_put(&vm->cache, pa_init(l1 + PAGE_SIZE)), 0);
	cache_fill(&vm->cache, STAGE2_CACHE_PAGES);
	assert_int_equal(stage2_init(&vm->s2, &vm->cache), 0);
	*state = vm;
	return 0;
}

/* Every page taken, tables and cache alike, must come back. */
static int teardown(void **state)
{
	struct vm *vm = *state;

	stage2_destroy(&vm->s2);
	assert_int_equal(vm->s2.table_pages, 0);
	cache_drain(&vm->cache);
	assert_int_equal(pages_out(), 0);
	free(fake.mem);
	free(vm);
	return 0;
}

/* ---- The architecture's walk, independent of the module ---------------- */

struct leaf {
	int level; /* of the block or page descriptor */
	uint64_t pa;
	unsigned memattr, s2ap, sh;
	bool xn, af;
};

static uint64_t read_desc(uint64_t table_pa, uint64_t index)
{
	uint64_t d;

	memcpy(&d, arena_ptr(table_pa + index * 8), sizeof(d));
	return d;
}

/* What a block or page descriptor at level gives for ipa. */
static void decode_leaf(uint64_t d, int level, uint64_t ipa, struct leaf *out)
{
	unsigned shift = 12 + 9 * (unsigned)(3 - level);
	uint64_t offset_mask = (1ull << shift) - 1;

	if (d & 0x000fff0000000000ull)
		fail_msg("descriptor 0x%016" PRIx64 ": output address beyond 40 bits", d);
	if (d & offset_mask & ~0xfffull)
		fail_msg("block descriptor 0x%016" PRIx64 ": address bits below the block", d);
	if (d & ((1ull << 11) | (1ull << 52) | (1ull << 53)))
		fail_msg("descriptor 0x%016" PRIx64 ": nG/contiguous/bit 53 set", d);
	out->level = level;
	out->pa = (d & 0xfffffff000ull & ~offset_mask) | (ipa & offset_mask);
	out->memattr = (unsigned)(d >> 2) & 0xf;
	out->s2ap = (unsigned)(d >> 6) & 3;
	out->sh = (unsigned)(d >> 8) & 3;
	out->af = (d >> 10) & 1;
	out->xn = (d >> 54) & 1;
}

/*
 * VTCR.T0SZ = -8: a 40-bit IPA.  SL0 = 1: the walk starts at level 1 with
 * IPA[39:30] indexing 1024 entries (the concatenated 8 KiB table at
 * VTTBR.BADDR), then IPA[29:21] and IPA[20:12].  Descriptor bits [1:0]:
 * x0 invalid; 01 block (levels 1, 2) or reserved (level 3); 11 table
 * (levels 1, 2) or page (level 3).  Returns false on a translation fault.
 */
static bool arch_walk(const struct stage2 *s2, uint64_t ipa, struct leaf *out)
{
	uint64_t table = stage2_vttbr(s2, 0);
	int level;

	assert_true(IS_ALIGNED(table, 8192));
	if (ipa >> 40)
		return false;
	for (level = 1; level <= 3; level++) {
		unsigned shift = 12 + 9 * (unsigned)(3 - level);
		uint64_t index = (ipa >> shift) & (level == 1 ? 0x3ff : 0x1ff);
		uint64_t d = read_desc(table, index);

		if (!(d & 1))
			return false;
		if (level < 3 && (d & 2)) {
			table = d & 0xfffffff000ull;
			continue;
		}
		if (level == 3 && !(d & 2))
			return false;
		decode_leaf(d, level, ipa, out);
		return true;
	}
	return false;
}

/* What a mapping of type and perms must look like in a descriptor. */
struct want {
	unsigned memattr, s2ap, sh;
	bool xn;
};

static struct want want_of(enum stage2_mem type, unsigned perms)
{
	struct want w = {
		.memattr = type == STAGE2_MEM_NORMAL ? 0xf : 0x1,
		.s2ap = ((perms & STAGE2_PERM_READ) ? 1u : 0u) | ((perms & STAGE2_PERM_WRITE) ? 2u : 0u),
		.sh = type == STAGE2_MEM_NORMAL ? 3 : 0,
		.xn = !(perms & STAGE2_PERM_EXEC),
	};

	return w;
}

/* One page, by the architecture's walk and by stage2_translate(). */
static void expect_page(const struct stage2 *s2, uint64_t ipa, uint64_t pa,
			enum stage2_mem type, unsigned perms)
{
	struct want w = want_of(type, perms);
	struct leaf l;
	paddr_t got_pa = pa_init(0);
	unsigned got_perms = 0;
	enum stage2_mem got_type = STAGE2_MEM_NORMAL;

	if (!arch_walk(s2, ipa, &l))
		fail_msg("IPA 0x%" PRIx64 " faults, expected PA 0x%" PRIx64, ipa, pa);
	if (l.pa != pa || l.memattr != w.memattr || l.s2ap != w.s2ap || l.sh != w.sh ||
	    l.xn != w.xn || !l.af)
		fail_msg("IPA 0x%" PRIx64 ": PA 0x%" PRIx64 " MemAttr %x S2AP %u SH %u XN %d AF %d,"
			 " expected PA 0x%" PRIx64 " MemAttr %x S2AP %u SH %u XN %d AF 1",
			 ipa, l.pa, l.memattr, l.s2ap, l.sh, l.xn, l.af, pa, w.memattr, w.s2ap,
			 w.sh, w.xn);
	assert_int_equal(stage2_translate(s2, ipa_init(ipa), &got_pa, &got_perms, &got_type), 0);
	assert_int_equal(pa_addr(got_pa), pa);
	assert_int_equal(got_perms, perms);
	assert_int_equal(got_type, type);
}

static void expect_mapped(const struct stage2 *s2, uint64_t ipa, uint64_t pa, uint64_t size,
			  enum stage2_mem type, unsigned perms)
{
	uint64_t off;

	for (off = 0; off < size; off += PAGE_SIZE)
		expect_page(s2, ipa + off, pa + off, type, perms);
}

static void expect_unmapped(const struct stage2 *s2, uint64_t ipa, uint64_t size)
{
	struct leaf l;
	uint64_t off;
	paddr_t pa;

	for (off = 0; off < size; off += PAGE_SIZE) {
		if (arch_walk(s2, ipa + off, &l))
			fail_msg("IPA 0x%" PRIx64 " maps PA 0x%" PRIx64 ", expected a fault",
				 ipa + off, l.pa);
		assert_int_equal(stage2_translate(s2, ipa_init(ipa + off), &pa, NULL,
						  NULL), -EFAULT);
	}
}

/* The level of the descriptors mapping every page of a range. */
static void expect_level(const struct stage2 *s2, uint64_t ipa, uint64_t size, int level)
{
	struct leaf l;
	uint64_t off;

	for (off = 0; off < size; off += PAGE_SIZE) {
		assert_true(arch_walk(s2, ipa + off, &l));
		if (l.level != level)
			fail_msg("IPA 0x%" PRIx64 " mapped at level %d, expected %d", ipa + off,
				 l.level, level);
	}
}

/* The state of every page taken, tables and cache: a failed call must
 * leave it as it was. */
static uint64_t fake_hash(const struct vm *vm)
{
	uint64_t h = 1469598103934665603ull, word;
	size_t i, j;

	for (i = 0; i < ARENA_PAGES; i++) {
		if (!fake.used[i])
			continue;
		for (j = 0; j < PAGE_SIZE; j += sizeof(word)) {
			memcpy(&word, fake.mem + i * PAGE_SIZE + j, sizeof(word));
			h = (h ^ word) * 1099511628211ull;
		}
	}
	for (i = 0; i < vm->cache.count; i++)
		h = (h ^ vm->cache.pages[i]) * 1099511628211ull;
	return h ^ vm->cache.count;
}

/* ---- Tests ---------------------------------------------------------------- */

static void test_vtcr_and_vttbr(void **state)
{
	struct vm *vm = *state;
	int t0sz = -8;

	/* T0SZ is signed 4 bits (region 2^(32 - T0SZ)), S copies its sign. */
	assert_int_equal(32 - t0sz, STAGE2_IPA_BITS);
	assert_int_equal(VTCR_T0SZ_40BIT, (unsigned)t0sz & 0xf);
	assert_int_equal(STAGE2_VTCR, VTCR_RES1 | VTCR_SH0_INNER | VTCR_ORGN0_WBWA |
					  VTCR_IRGN0_WBWA | VTCR_SL0_L1 | VTCR_S | VTCR_T0SZ_40BIT);
	/* BADDR is aligned to 2^(5 - T0SZ) = 8 KiB with SL0 = 1. */
	assert_true(IS_ALIGNED(stage2_vttbr(&vm->s2, 0), 1u << (5 - t0sz)));
	assert_int_equal(vm->s2.table_pages, STAGE2_INIT_PAGES);
	assert_int_equal(vm->cache.count, STAGE2_CACHE_PAGES - STAGE2_INIT_PAGES);
	/* The junk the level-1 pages held is gone: nothing is mapped. */
	expect_unmapped(&vm->s2, 0, PAGE_SIZE);
	expect_unmapped(&vm->s2, (1ull << 40) - PAGE_SIZE, PAGE_SIZE);
	assert_int_equal(stage2_translate(&vm->s2, ipa_init(1ull << 40), NULL, NULL,
					  NULL), -EFAULT);
}

static void test_init_needs_an_aligned_pair(void **state)
{
	struct vm *vm = *state;
	struct stage2_cache cache = { .count = 0 };
	struct stage2 s2 = { .l1_pa = 0 };
	uint64_t pair = take_pair();

	(void)vm;
	/* The upper half then the lower half of a pair's neighbour: no pair
	 * starts on an 8 KiB boundary. */
	assert_int_equal(stage2_cache_put(&cache, pa_init(pair + PAGE_SIZE)), 0);
	assert_int_equal(stage2_cache_put(&cache, pa_init(take_page())), 0);
	assert_int_equal(stage2_init(&s2, &cache), -ENOMEM);
	assert_int_equal(cache.count, 2);
	assert_int_equal(stage2_cache_put(&cache, pa_init(pair)), 0);
	assert_int_equal(stage2_init(&s2, &cache), 0);
	assert_int_equal(stage2_vttbr(&s2, 0), pair);
	assert_int_equal(cache.count, 1);

	fake.s2 = &s2;
	stage2_destroy(&s2);
	stage2_destroy(&s2); /* a second time does nothing */
	fake.s2 = &vm->s2;
	cache_drain(&cache);
}

static void test_ram_maps_as_blocks(void **state)
{
	struct vm *vm = *state;
	unsigned before = vm->cache.count;

	/* PA above 4 GiB: the descriptors' high address bits matter. */
	assert_int_equal(stage2_map(&vm->s2, ipa_init(0x40000000), pa_init(0x840000000ull),
				    MiB(128),
				    STAGE2_MEM_NORMAL, STAGE2_PERM_RWX),
			 0);
	expect_mapped(&vm->s2, 0x40000000, 0x840000000ull, MiB(128), STAGE2_MEM_NORMAL,
		      STAGE2_PERM_RWX);
	expect_level(&vm->s2, 0x40000000, MiB(128), 2);
	assert_int_equal(before - vm->cache.count, 1); /* one level-2 table */
	expect_unmapped(&vm->s2, 0x40000000 - PAGE_SIZE, PAGE_SIZE);
	expect_unmapped(&vm->s2, 0x40000000 + MiB(128), PAGE_SIZE);
	assert_int_equal(fake.flushes, 0); /* filling invalid entries needs none */
}

static void test_unaligned_maps_as_pages(void **state)
{
	struct vm *vm = *state;
	struct stage2 *s2 = &vm->s2;

	/* Unaligned IPA and PA, a size that is not whole blocks. */
	assert_int_equal(stage2_map(s2, ipa_init(0x40001000), pa_init(0x90001000), MiB(2) + 0x3000,
				    STAGE2_MEM_NORMAL, STAGE2_PERM_RW),
			 0);
	expect_mapped(s2, 0x40001000, 0x90001000, MiB(2) + 0x3000, STAGE2_MEM_NORMAL,
		      STAGE2_PERM_RW);
	expect_level(s2, 0x40001000, MiB(2) + 0x3000, 3);

	/* IPA aligned, PA only to 1 MiB: no block can do it. */
	assert_int_equal(stage2_map(s2, ipa_init(0x50000000), pa_init(0x90100000), MiB(4),
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_READ),
			 0);
	expect_mapped(s2, 0x50000000, 0x90100000, MiB(4), STAGE2_MEM_NORMAL, STAGE2_PERM_READ);
	expect_level(s2, 0x50000000, MiB(4), 3);

	/* Both aligned, 6 MiB from 1 MiB before a block boundary: pages,
	 * two blocks, pages. */
	assert_int_equal(stage2_map(s2, ipa_init(0x60100000), pa_init(0xa0100000), MiB(6),
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_RW),
			 0);
	expect_mapped(s2, 0x60100000, 0xa0100000, MiB(6), STAGE2_MEM_NORMAL, STAGE2_PERM_RW);
	expect_level(s2, 0x60100000, MiB(1), 3);
	expect_level(s2, 0x60200000, MiB(4), 2);
	expect_level(s2, 0x60600000, MiB(1), 3);
}

static void test_ioremap_gicv(void **state)
{
	struct vm *vm = *state;
	struct leaf l;

	/* QEMU virt's GICV at the guest's GICC address. */
	assert_int_equal(stage2_ioremap(&vm->s2, ipa_init(0x08010000), pa_init(0x08040000),
					KiB(8)), 0);
	expect_mapped(&vm->s2, 0x08010000, 0x08040000, KiB(8), STAGE2_MEM_DEVICE, STAGE2_PERM_RW);
	assert_true(arch_walk(&vm->s2, 0x08011000, &l));
	assert_int_equal(l.level, 3);
	assert_int_equal(l.memattr, 0x1); /* Device, not Strongly-ordered */
	assert_int_equal(l.s2ap, 3);
	assert_true(l.xn);
	expect_unmapped(&vm->s2, 0x08000000, 0x10000);
	expect_unmapped(&vm->s2, 0x08012000, 0x1000);
}

static void test_perms_and_types(void **state)
{
	static const unsigned good[] = {
		STAGE2_PERM_READ, STAGE2_PERM_WRITE, STAGE2_PERM_RW,
		STAGE2_PERM_READ | STAGE2_PERM_EXEC, STAGE2_PERM_RWX,
	};
	static const unsigned bad[] = {
		0, STAGE2_PERM_EXEC, STAGE2_PERM_WRITE | STAGE2_PERM_EXEC, 8, STAGE2_PERM_RW | 16,
	};
	struct vm *vm = *state;
	uint64_t ipa = 0x40000000, h;
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(good); i++, ipa += MiB(2)) {
		assert_int_equal(stage2_map(&vm->s2, ipa_init(ipa), pa_init(ipa), MiB(2),
					    STAGE2_MEM_NORMAL, good[i]), 0);
		expect_mapped(&vm->s2, ipa, ipa, MiB(2), STAGE2_MEM_NORMAL, good[i]);
	}
	assert_int_equal(stage2_map(&vm->s2, ipa_init(ipa), pa_init(ipa), PAGE_SIZE,
				    STAGE2_MEM_DEVICE,
				    STAGE2_PERM_READ),
			 0);
	expect_page(&vm->s2, ipa, ipa, STAGE2_MEM_DEVICE, STAGE2_PERM_READ);

	h = fake_hash(vm);
	ipa += MiB(2);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(stage2_map(&vm->s2, ipa_init(ipa), pa_init(ipa), PAGE_SIZE,
					    STAGE2_MEM_NORMAL, bad[i]),
				 -EINVAL);
	assert_int_equal(stage2_map(&vm->s2, ipa_init(ipa), pa_init(ipa), PAGE_SIZE,
				    STAGE2_MEM_DEVICE,
				    STAGE2_PERM_RWX),
			 -EINVAL); /* device memory is never executable */
	assert_int_equal(stage2_map(&vm->s2, ipa_init(ipa), pa_init(ipa), PAGE_SIZE,
				    (enum stage2_mem)7,
				    STAGE2_PERM_RW),
			 -EINVAL);
	assert_int_equal(fake_hash(vm), h);
}

/* For the split test: what the tables say at each TLB flush. */
static struct {
	uint64_t ipa;
	unsigned count;
	bool mapped[4];
} flush_seen;

static void look_at_flush(void)
{
	struct leaf l;

	if (flush_seen.count < ARRAY_SIZE(flush_seen.mapped))
		flush_seen.mapped[flush_seen.count] = arch_walk(fake.s2, flush_seen.ipa, &l);
	flush_seen.count++;
}

static void test_unmap_splits_a_block(void **state)
{
	struct vm *vm = *state;
	struct stage2 *s2 = &vm->s2;
	const uint64_t ipa = 0x40000000, pa = 0x880000000ull;
	unsigned before;

	assert_int_equal(stage2_map(s2, ipa_init(ipa), pa_init(pa), MiB(4), STAGE2_MEM_NORMAL,
				    STAGE2_PERM_RWX), 0);
	expect_level(s2, ipa, MiB(4), 2);

	/* One page from the middle of the first block. */
	memset(&flush_seen, 0, sizeof(flush_seen));
	flush_seen.ipa = ipa; /* a page that stays mapped */
	fake.on_flush = look_at_flush;
	before = vm->cache.count;
	assert_int_equal(stage2_unmap(s2, ipa_init(ipa + 0x5000), PAGE_SIZE), 0);
	fake.on_flush = NULL;
	assert_int_equal(before - vm->cache.count, 1);
	/* Break (the block gone at the flush), make, then the final flush
	 * for the removed page. */
	assert_int_equal(flush_seen.count, 2);
	assert_false(flush_seen.mapped[0]);
	assert_true(flush_seen.mapped[1]);

	expect_unmapped(s2, ipa + 0x5000, PAGE_SIZE);
	expect_mapped(s2, ipa, pa, 0x5000, STAGE2_MEM_NORMAL, STAGE2_PERM_RWX);
	expect_mapped(s2, ipa + 0x6000, pa + 0x6000, MiB(4) - 0x6000, STAGE2_MEM_NORMAL,
		      STAGE2_PERM_RWX);
	expect_level(s2, ipa, 0x5000, 3);
	expect_level(s2, ipa + MiB(2), MiB(2), 2);

	/* Across the boundary: the tail of the split block, the head of the
	 * second, which is split too. */
	before = vm->cache.count;
	assert_int_equal(stage2_unmap(s2, ipa_init(ipa + MiB(2) - 0x2000), 0x4000), 0);
	assert_int_equal(before - vm->cache.count, 1);
	expect_unmapped(s2, ipa + MiB(2) - 0x2000, 0x4000);
	expect_mapped(s2, ipa + MiB(2) + 0x2000, pa + MiB(2) + 0x2000, MiB(2) - 0x2000,
		      STAGE2_MEM_NORMAL, STAGE2_PERM_RWX);
	expect_mapped(s2, ipa + 0x6000, pa + 0x6000, MiB(2) - 0x8000, STAGE2_MEM_NORMAL,
		      STAGE2_PERM_RWX);
}

static void test_unmap_then_faults(void **state)
{
	struct vm *vm = *state;
	struct stage2 *s2 = &vm->s2;
	unsigned flushes, before;

	assert_int_equal(stage2_map(s2, ipa_init(0x40000000), pa_init(0x40000000), MiB(8),
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_RW),
			 0);
	assert_int_equal(stage2_map(s2, ipa_init(0x40800000), pa_init(0x50001000), 0x10000,
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_RW),
			 0);
	before = vm->cache.count;
	flushes = fake.flushes;
	assert_int_equal(stage2_unmap(s2, ipa_init(0x40000000), MiB(8) + 0x10000), 0);
	assert_int_equal(vm->cache.count, before); /* whole blocks: no split */
	assert_int_equal(fake.flushes, flushes + 1);
	expect_unmapped(s2, 0x40000000, MiB(8) + 0x10000);

	/* Nothing there: nothing to do, no flush. */
	assert_int_equal(stage2_unmap(s2, ipa_init(0x40000000), MiB(16)), 0);
	assert_int_equal(stage2_unmap(s2, ipa_init(0x7000000000ull), GiB(2)), 0);
	assert_int_equal(fake.flushes, flushes + 1);

	/* The emptied tables are reused: mapping again takes no page. */
	assert_int_equal(stage2_map(s2, ipa_init(0x40800000), pa_init(0x60000000), 0x10000,
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_READ),
			 0);
	assert_int_equal(vm->cache.count, before);
	expect_mapped(s2, 0x40800000, 0x60000000, 0x10000, STAGE2_MEM_NORMAL, STAGE2_PERM_READ);

	/* Pages alone going flush the TLB too. */
	assert_int_equal(stage2_unmap(s2, ipa_init(0x4080f000), PAGE_SIZE), 0);
	assert_int_equal(fake.flushes, flushes + 2);
	expect_unmapped(s2, 0x4080f000, PAGE_SIZE);
	expect_mapped(s2, 0x40800000, 0x60000000, 0xf000, STAGE2_MEM_NORMAL, STAGE2_PERM_READ);
}

static void test_overlap_is_eexist(void **state)
{
	struct vm *vm = *state;
	struct stage2 *s2 = &vm->s2;
	uint64_t h;

	assert_int_equal(stage2_map(s2, ipa_init(0x40000000), pa_init(0x80000000), MiB(4),
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_RW),
			 0);
	assert_int_equal(stage2_map(s2, ipa_init(0x40400000), pa_init(0x90000000), 0x3000,
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_RW),
			 0);
	h = fake_hash(vm);
	/* Another PA, other perms, another type, inside a block or a table. */
	assert_int_equal(stage2_map(s2, ipa_init(0x40001000), pa_init(0x70001000), PAGE_SIZE,
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_RW),
			 -EEXIST);
	assert_int_equal(stage2_map(s2, ipa_init(0x40200000), pa_init(0x80200000), MiB(2),
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_READ),
			 -EEXIST);
	assert_int_equal(stage2_ioremap(s2, ipa_init(0x40401000), pa_init(0x90001000),
					PAGE_SIZE), -EEXIST);
	/* Mostly free, overlapping by one page at the end: nothing is mapped. */
	assert_int_equal(stage2_map(s2, ipa_init(0x3fe00000), pa_init(0x10000000),
				    MiB(2) + PAGE_SIZE,
				    STAGE2_MEM_NORMAL, STAGE2_PERM_RW),
			 -EEXIST);
	assert_int_equal(stage2_map(s2, ipa_init(0x40402000), pa_init(0x90003000), 0x2000,
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_RW),
			 -EEXIST);
	assert_int_equal(fake_hash(vm), h);
	expect_unmapped(s2, 0x3fe00000, MiB(2));

	/* The same mapping again, whole or in part, even a page of a block. */
	assert_int_equal(stage2_map(s2, ipa_init(0x40000000), pa_init(0x80000000), MiB(4),
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_RW),
			 0);
	assert_int_equal(stage2_map(s2, ipa_init(0x40123000), pa_init(0x80123000), 0x2000,
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_RW),
			 0);
	assert_int_equal(fake_hash(vm), h);
	/* ... and further on, only the new part is added. */
	assert_int_equal(stage2_map(s2, ipa_init(0x40401000), pa_init(0x90001000), 0x5000,
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_RW),
			 0);
	expect_mapped(s2, 0x40400000, 0x90000000, 0x6000, STAGE2_MEM_NORMAL, STAGE2_PERM_RW);
}

static void test_bad_ranges(void **state)
{
	struct vm *vm = *state;
	struct stage2 *s2 = &vm->s2;
	const uint64_t top = 1ull << 40;
	uint64_t h = fake_hash(vm);

	assert_int_equal(stage2_map(s2, ipa_init(top), pa_init(0x80000000), PAGE_SIZE,
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_RW),
			 -ERANGE);
	assert_int_equal(stage2_map(s2, ipa_init(top - MiB(2)), pa_init(0x80000000), MiB(4),
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_RW),
			 -ERANGE);
	assert_int_equal(stage2_ioremap(s2, ipa_init(0x40000000), pa_init(top - PAGE_SIZE),
					0x2000), -ERANGE);
	assert_int_equal(stage2_ioremap(s2, ipa_init(1ull << 48), pa_init(0x1000),
					0x1000), -ERANGE);
	assert_int_equal(stage2_ioremap(s2, ipa_init(0x40000800), pa_init(0x1000),
					0x1000), -EINVAL);
	assert_int_equal(stage2_ioremap(s2, ipa_init(0x40000000), pa_init(0x1800),
					0x1000), -EINVAL);
	assert_int_equal(stage2_ioremap(s2, ipa_init(0x40000000), pa_init(0x1000),
					0x1800), -EINVAL);
	assert_int_equal(stage2_ioremap(s2, ipa_init(0x40000000), pa_init(0x1000), 0), -EINVAL);
	assert_int_equal(stage2_ioremap(s2, ipa_init(0x40000000), pa_init(0x1000),
					0ull - 0x40000000), -EINVAL);
	assert_int_equal(stage2_ioremap(s2, ipa_init(0x40000000), pa_init(0xfffffffffffff000ull),
					0x2000), -EINVAL);
	assert_int_equal(stage2_unmap(s2, ipa_init(top), PAGE_SIZE), -ERANGE);
	assert_int_equal(stage2_unmap(s2, ipa_init(top - PAGE_SIZE), 0x2000), -ERANGE);
	assert_int_equal(stage2_unmap(s2, ipa_init(0x1000), 0), -EINVAL);
	assert_int_equal(stage2_unmap(s2, ipa_init(0x1001), 0x1000), -EINVAL);
	assert_int_equal(stage2_unmap(s2, ipa_init(0x1000), 0xfff), -EINVAL);
	assert_int_equal(stage2_unmap(s2, ipa_init(0x1000), 0ull - 0x1000), -EINVAL);
	assert_int_equal(fake_hash(vm), h);
	assert_int_equal(stage2_translate(s2, ipa_init(top), NULL, NULL, NULL), -EFAULT);
	assert_int_equal(stage2_translate(s2, ipa_init(UINT64_MAX), NULL, NULL, NULL), -EFAULT);

	/* The very top of both spaces is fine. */
	assert_int_equal(stage2_map(s2, ipa_init(top - MiB(2)), pa_init(top - MiB(2)), MiB(2),
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_RW),
			 0);
	expect_level(s2, top - PAGE_SIZE, PAGE_SIZE, 2);
	expect_page(s2, top - PAGE_SIZE, top - PAGE_SIZE, STAGE2_MEM_NORMAL, STAGE2_PERM_RW);
	assert_int_equal(stage2_ioremap(s2, ipa_init(0), pa_init(top - PAGE_SIZE), PAGE_SIZE), 0);
	expect_page(s2, 0, top - PAGE_SIZE, STAGE2_MEM_DEVICE, STAGE2_PERM_RW);
}

static void test_cache_exhaustion(void **state)
{
	struct vm *vm = *state;
	struct stage2 *s2 = &vm->s2;
	uint64_t h, spare[STAGE2_CACHE_PAGES];
	unsigned n = 0;

	/* Keep all but 3 pages aside. */
	while (vm->cache.count > 3)
		spare[n++] = vm->cache.pages[--vm->cache.count];
	/* 8 MiB of pages across a GiB boundary: 2 level-2 + 4 level-3 tables. */
	h = fake_hash(vm);
	assert_int_equal(stage2_map(s2, ipa_init(GiB(1) - MiB(4)), pa_init(0x90001000), MiB(8),
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_RW),
			 -ENOMEM);
	assert_int_equal(fake_hash(vm), h);
	expect_unmapped(s2, GiB(1) - MiB(4), MiB(8));
	assert_true(stage2_cache_need(MiB(8)) >= 6);
	while (vm->cache.count < 6)
		assert_int_equal(stage2_cache_put(&vm->cache, pa_init(spare[--n])), 0);
	assert_int_equal(stage2_map(s2, ipa_init(GiB(1) - MiB(4)), pa_init(0x90001000), MiB(8),
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_RW),
			 0);
	assert_int_equal(vm->cache.count, 0);
	expect_mapped(s2, GiB(1) - MiB(4), 0x90001000, MiB(8), STAGE2_MEM_NORMAL, STAGE2_PERM_RW);

	/* A split needs a page too; whole blocks and pages in tables none. */
	assert_int_equal(stage2_map(s2, ipa_init(GiB(1) + MiB(4)), pa_init(0xa0000000), MiB(2),
				    STAGE2_MEM_NORMAL,
				    STAGE2_PERM_RW),
			 0);
	h = fake_hash(vm);
	assert_int_equal(stage2_unmap(s2, ipa_init(GiB(1) + MiB(5)), PAGE_SIZE), -ENOMEM);
	assert_int_equal(fake_hash(vm), h);
	assert_int_equal(stage2_unmap(s2, ipa_init(GiB(1) - MiB(4)), MiB(8) + MiB(2)), 0);
	expect_unmapped(s2, GiB(1) - MiB(4), MiB(10));

	while (n)
		assert_int_equal(stage2_cache_put(&vm->cache, pa_init(spare[--n])), 0);
	assert_int_equal(stage2_cache_put(&vm->cache, pa_init(0x1234)), -EINVAL);
	assert_int_equal(stage2_cache_put(&vm->cache, pa_init(1ull << 40)), -EINVAL);
	cache_fill(&vm->cache, STAGE2_CACHE_PAGES);
	spare[0] = take_page();
	assert_int_equal(stage2_cache_put(&vm->cache, pa_init(spare[0])), -ENOSPC);
	stage2_free_page(pa_init(spare[0]));
}

static void test_cache_need_bounds(void **state)
{
	(void)state;
	assert_int_equal(stage2_cache_need(0), 0);
	assert_int_equal(stage2_cache_need(PAGE_SIZE), 2);
	/* Two pages may straddle a GiB, so a 2 MiB, boundary. */
	assert_int_equal(stage2_cache_need(0x2000), 4);
	assert_int_equal(stage2_cache_need(MiB(2)), 4);
	assert_int_equal(stage2_cache_need(MiB(2) + PAGE_SIZE), 4);
	assert_int_equal(stage2_cache_need(MiB(2) + 0x2000), 5);
	assert_int_equal(stage2_cache_need(MiB(8)), 2 + 5);
	assert_int_equal(stage2_cache_need(GiB(1)), 2 + 513);
	assert_true(stage2_cache_need(UINT64_MAX) >= 1024 + 512 * 1024);
	assert_true(stage2_cache_need(MiB(120)) <= STAGE2_CACHE_PAGES);
}

static void test_destroy_gives_back_every_page(void **state)
{
	struct vm *vm = *state;
	struct stage2 *s2 = &vm->s2;
	unsigned i;

	/* Tables under several level-1 entries, both halves of the level-1
	 * table, blocks, pages and split blocks: per GiB one level-2 table,
	 * level-3 tables for the 1 MiB of pages at each end, one split. */
	for (i = 0; i < 6; i++) {
		uint64_t ipa = (uint64_t)i * GiB(130) + MiB(3);

		cache_fill(&vm->cache, STAGE2_CACHE_PAGES);
		assert_int_equal(stage2_map(s2, ipa_init(ipa),
					    pa_init(0x100000000ull + i * MiB(64) + MiB(3)), MiB(20),
					    STAGE2_MEM_NORMAL, STAGE2_PERM_RW),
				 0);
		assert_int_equal(stage2_unmap(s2, ipa_init(ipa + MiB(6)), PAGE_SIZE), 0);
	}
	/* Every page taken is in the cache or a table, and destroy gives
	 * every table back. */
	assert_int_equal(pages_out(), vm->cache.count + s2->table_pages);
	assert_int_equal(s2->table_pages, 2 + 6 * (1 + 2 + 1));
	i = fake.given_back;
	stage2_destroy(s2);
	assert_int_equal(fake.given_back - i, 2 + 6 * 4);
	assert_int_equal(pages_out(), vm->cache.count);
	assert_int_equal(stage2_vttbr(s2, 0), 0);
}

/* ---- 1000 random operations against a model of every page ---------------- */

#define MODEL_BASE (GiB(1) - MiB(16)) /* across a GiB boundary */
#define MODEL_PAGES 8192u             /* 32 MiB */
#define MODEL_OPS 1000

struct model_page {
	bool valid;
	uint8_t type, perms;
	uint64_t pa;
};

static struct model_page model[MODEL_PAGES];
static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t rng_below(uint64_t n)
{
	return rng() % n;
}

static void model_check(const struct stage2 *s2)
{
	unsigned i;

	for (i = 0; i < MODEL_PAGES; i++) {
		uint64_t ipa = MODEL_BASE + (uint64_t)i * PAGE_SIZE;

		if (model[i].valid)
			expect_page(s2, ipa, model[i].pa, model[i].type, model[i].perms);
		else
			expect_unmapped(s2, ipa, PAGE_SIZE);
	}
}

/* A range in the model's window: block-sized and aligned half the time. */
static void random_range(uint64_t *ipa, uint64_t *size)
{
	uint64_t first, count;

	if (rng_below(2)) {
		first = rng_below(MODEL_PAGES / 512) * 512;
		count = (1 + rng_below(3)) * 512;
	} else {
		first = rng_below(MODEL_PAGES);
		count = 1 + rng_below(rng_below(4) ? 64 : 1200);
	}
	if (first + count > MODEL_PAGES)
		count = MODEL_PAGES - first;
	*ipa = MODEL_BASE + first * PAGE_SIZE;
	*size = count * PAGE_SIZE;
}

/* A PA: often the same offset from the IPA, so blocks happen and maps
 * repeat what is there; otherwise anywhere below 2^40. */
static uint64_t random_pa(uint64_t ipa, uint64_t size)
{
	if (rng_below(4))
		return ipa + 0x7000000000ull;
	return ALIGN_DOWN(rng_below((1ull << 40) - size), (uint64_t)PAGE_SIZE);
}

static void random_attrs(enum stage2_mem *type, unsigned *perms)
{
	static const unsigned normal[] = { STAGE2_PERM_RWX, STAGE2_PERM_RW, STAGE2_PERM_READ,
					   STAGE2_PERM_READ | STAGE2_PERM_EXEC, STAGE2_PERM_WRITE };

	if (rng_below(5)) {
		*type = STAGE2_MEM_NORMAL;
		*perms = rng_below(2) ? STAGE2_PERM_RWX : normal[rng_below(ARRAY_SIZE(normal))];
	} else {
		*type = STAGE2_MEM_DEVICE;
		*perms = rng_below(4) ? STAGE2_PERM_RW : STAGE2_PERM_READ;
	}
}

static int model_map(uint64_t ipa, uint64_t pa, uint64_t size, enum stage2_mem type,
		     unsigned perms)
{
	unsigned first = (unsigned)((ipa - MODEL_BASE) / PAGE_SIZE);
	unsigned n = (unsigned)(size / PAGE_SIZE), i;

	for (i = first; i < first + n; i++) {
		const struct model_page *m = &model[i];

		if (m->valid && (m->pa != pa + (uint64_t)(i - first) * PAGE_SIZE ||
				 m->type != type || m->perms != perms))
			return -EEXIST;
	}
	for (i = first; i < first + n; i++)
		model[i] = (struct model_page){ true, (uint8_t)type, (uint8_t)perms,
						pa + (uint64_t)(i - first) * PAGE_SIZE };
	return 0;
}

/* Whether anything was mapped: then, and only then, the TLB is flushed. */
static bool model_unmap(uint64_t ipa, uint64_t size)
{
	unsigned first = (unsigned)((ipa - MODEL_BASE) / PAGE_SIZE);
	unsigned n = (unsigned)(size / PAGE_SIZE), i;
	bool any = false;

	for (i = first; i < first + n; i++)
		any |= model[i].valid;
	memset(&model[first], 0, n * sizeof(model[0]));
	return any;
}

/* Cache full two times in three, nearly empty otherwise.  A full cache holds
 * more than any operation here needs. */
static bool random_cache_level(struct vm *vm)
{
	unsigned level = rng_below(3) ? STAGE2_CACHE_PAGES : (unsigned)rng_below(3);

	while (vm->cache.count > level)
		stage2_free_page(pa_init(vm->cache.pages[--vm->cache.count]));
	cache_fill(&vm->cache, level);
	return level < STAGE2_CACHE_PAGES;
}

static int call(struct vm *vm, bool map, uint64_t ipa, uint64_t pa, uint64_t size,
		enum stage2_mem type, unsigned perms)
{
	if (map)
		return stage2_map(&vm->s2, ipa_init(ipa), pa_init(pa), size, type, perms);
	return stage2_unmap(&vm->s2, ipa_init(ipa), size);
}

/* Runs one call; on -ENOMEM checks nothing changed, fills the cache and
 * runs it again. */
static int run_op(struct vm *vm, bool map, uint64_t ipa, uint64_t pa, uint64_t size,
		  enum stage2_mem type, unsigned perms, bool *retried)
{
	bool low = random_cache_level(vm);
	uint64_t h = low ? fake_hash(vm) : 0;
	int err = call(vm, map, ipa, pa, size, type, perms);

	*retried = err == -ENOMEM;
	if (!*retried)
		return err;
	assert_true(low);
	assert_int_equal(fake_hash(vm), h);
	cache_fill(&vm->cache, STAGE2_CACHE_PAGES);
	return call(vm, map, ipa, pa, size, type, perms);
}

/* Every table page back, then a fresh level-1 table and an empty model. */
static void restart(struct vm *vm)
{
	uint64_t l1;

	stage2_destroy(&vm->s2);
	assert_int_equal(pages_out(), vm->cache.count);
	cache_drain(&vm->cache);
	l1 = take_pair();
	assert_int_equal(stage2_cache_put(&vm->cache, pa_init(l1)), 0);
	assert_int_equal(stage2_cache_put(&vm->cache, pa_init(l1 + PAGE_SIZE)), 0);
	assert_int_equal(stage2_init(&vm->s2, &vm->cache), 0);
	memset(model, 0, sizeof(model));
}

static void test_random_against_model(void **state)
{
	struct vm *vm = *state;
	unsigned op, maps = 0, unmaps = 0, eexist = 0, enomem_retries = 0;

	memset(model, 0, sizeof(model));
	for (op = 0; op < MODEL_OPS; op++) {
		uint64_t ipa, size, pa = 0;
		enum stage2_mem type = STAGE2_MEM_NORMAL;
		unsigned perms = 0, before, flushes = fake.flushes;
		bool map = rng_below(100) < 60, retried;
		int err, want;

		random_range(&ipa, &size);
		if (map) {
			pa = random_pa(ipa, size);
			random_attrs(&type, &perms);
		}
		before = vm->s2.table_pages;
		err = run_op(vm, map, ipa, pa, size, type, perms, &retried);
		enomem_retries += retried;
		want = map ? model_map(ipa, pa, size, type, perms) : 0;
		if (map)
			assert_int_equal(fake.flushes, flushes);
		else if (!model_unmap(ipa, size))
			assert_int_equal(fake.flushes, flushes);
		else
			assert_true(fake.flushes > flushes);
		if (err != want)
			fail_msg("op %u: %s ipa 0x%" PRIx64 " size 0x%" PRIx64 " pa 0x%" PRIx64
				 ": %d, expected %d",
				 op, map ? "map" : "unmap", ipa, size, pa, err, want);
		assert_true(vm->s2.table_pages - before <=
			    (map ? stage2_cache_need(size) : STAGE2_UNMAP_PAGES));
		maps += map && !err;
		unmaps += !map;
		eexist += err == -EEXIST;
		model_check(&vm->s2);
		if (op % 250 == 249)
			restart(vm);
	}
	print_message("  %u maps, %u unmaps, %u -EEXIST, %u -ENOMEM retried\n", maps, unmaps,
		      eexist, enomem_retries);
	assert_true(maps > 100 && unmaps > 100 && eexist > 10 && enomem_retries > 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vtcr_and_vttbr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_needs_an_aligned_pair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ram_maps_as_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unaligned_maps_as_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ioremap_gicv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_perms_and_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_splits_a_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_then_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_is_eexist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_exhaustion, setup, teardown),
		cmocka_unit_test(test_cache_need_bounds),
		cmocka_unit_test_setup_teardown(test_destroy_gives_back_every_page, setup,
teardown),
		cmocka_unit_test_setup_teardown(test_random_against_model, setup, teardown),
	};

	return cmocka_run_group_tests_name("stage2", tests, NULL, NULL);
}
