// SPDX-License-Identifier: MIT
/*
 * The physical page allocator (mm/palloc.c): what the free list holds after
 * each call, and the error each bad call gets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>

#include "mm.h"
#include "unit.h"

static void dump_list(const struct palloc *pa)
{
	unsigned i;

	for (i = 0; i < pa->count; i++)
		print_message("  free[%u] = [0x%" PRIx64 ", 0x%" PRIx64 ")\n", i,
			      pa->free[i].base, range_end(&pa->free[i]));
}

/* What struct palloc promises: sorted, disjoint, not adjacent, whole pages. */
static void check_list(const struct palloc *pa)
{
	unsigned i;

	assert_true(pa->count <= PALLOC_MAX_RANGES);
	for (i = 0; i < pa->count; i++) {
		const struct mem_range *r = &pa->free[i];

		if (!r->size || !IS_ALIGNED(r->base, PAGE_SIZE) ||
		    !IS_ALIGNED(r->size, PAGE_SIZE) || range_end(r) < r->base ||
		    (i > 0 && range_end(&pa->free[i - 1]) >= r->base)) {
			dump_list(pa);
			fail_msg("free list broken at entry %u", i);
		}
	}
}

/* Checks the free list is exactly the (base, size) pairs in want. */
static void expect_ranges_(const struct palloc *pa, const uint64_t *want, size_t n)
{
	unsigned i;

	check_list(pa);
	if (pa->count != n / 2) {
		dump_list(pa);
		fail_msg("%u free ranges, expected %zu", pa->count, n / 2);
	}
	for (i = 0; i < pa->count; i++) {
		if (pa->free[i].base != want[2 * i] || pa->free[i].size != want[2 * i + 1]) {
			dump_list(pa);
			fail_msg("free[%u] is [0x%" PRIx64 ", +0x%" PRIx64 "), expected "
				 "[0x%" PRIx64 ", +0x%" PRIx64 ")",
				 i, pa->free[i].base, pa->free[i].size, want[2 * i],
				 want[2 * i + 1]);
		}
	}
}

#define expect_ranges(pa, ...)                                                     \
	expect_ranges_((pa), (const uint64_t[]){ __VA_ARGS__ },                   \
		       sizeof((const uint64_t[]){ __VA_ARGS__ }) / sizeof(uint64_t))

/* Checks a failed call left the allocator exactly as it was. */
static void expect_unchanged(const struct palloc *pa, const struct palloc *before)
{
	check_list(pa);
	assert_int_equal(pa->count, before->count);
	assert_memory_equal(pa->free, before->free, pa->count * sizeof(pa->free[0]));
}

static void test_add_trims_to_whole_pages(void **state)
{
	struct palloc pa;

	(void)state;
	palloc_init(&pa);
	assert_int_equal(palloc_free_bytes(&pa), 0);
	assert_int_equal(palloc_add(&pa, 0x1001, 0x3000), 0);
	expect_ranges(&pa, 0x2000, 0x2000);
	/* Less than a page, and a page's worth straddling a boundary: nothing. */
	assert_int_equal(palloc_add(&pa, 0x10000, 0xfff), 0);
	assert_int_equal(palloc_add(&pa, 0x20800, 0x1000), 0);
	assert_int_equal(palloc_add(&pa, 0x30000, 0), 0);
	expect_ranges(&pa, 0x2000, 0x2000);
	assert_int_equal(palloc_free_bytes(&pa), 0x2000);
}

static void test_add_merges_neighbours(void **state)
{
	struct palloc pa;

	(void)state;
	palloc_init(&pa);
	assert_int_equal(palloc_add(&pa, 0x1000, 0x1000), 0);
	assert_int_equal(palloc_add(&pa, 0x3000, 0x1000), 0);
	expect_ranges(&pa, 0x1000, 0x1000, 0x3000, 0x1000);
	assert_int_equal(palloc_add(&pa, 0x2000, 0x1000), 0); /* fills the gap */
	expect_ranges(&pa, 0x1000, 0x3000);
	assert_int_equal(palloc_add(&pa, 0x5000, 0x1000), 0);
	assert_int_equal(palloc_add(&pa, 0x4000, 0x1000), 0);
	expect_ranges(&pa, 0x1000, 0x5000);
	assert_int_equal(palloc_add(&pa, 0x0, 0x1000), 0); /* merges with the next */
	expect_ranges(&pa, 0x0, 0x6000);
	assert_int_equal(palloc_add(&pa, 0x6000, 0x2000), 0); /* with the previous */
	expect_ranges(&pa, 0x0, 0x8000);
}

static void test_add_overlap_rejected(void **state)
{
	struct palloc pa, before;

	(void)state;
	palloc_init(&pa);
	assert_int_equal(palloc_add(&pa, 0x1000, 0x4000), 0);
	assert_int_equal(palloc_add(&pa, 0x8000, 0x1000), 0);
	before = pa;
	assert_int_equal(palloc_add(&pa, 0x4000, 0x2000), -EINVAL); /* tail */
	assert_int_equal(palloc_add(&pa, 0x0, 0x2000), -EINVAL);    /* head */
	assert_int_equal(palloc_add(&pa, 0x2000, 0x1000), -EINVAL); /* inside */
	assert_int_equal(palloc_add(&pa, 0x0, 0x10000), -EINVAL);   /* both ranges */
	assert_int_equal(palloc_add(&pa, 0x1000, 0x4000), -EINVAL); /* the same again */
	expect_unchanged(&pa, &before);
}

static void test_add_near_top_of_address_space(void **state)
{
	struct palloc pa;

	(void)state;
	palloc_init(&pa);
	assert_int_equal(palloc_add(&pa, UINT64_MAX - 0xfff, 0x2000), -EINVAL); /* wraps */
	/* No whole page: rounding the base up must not wrap to 0 and add
	 * the whole address space. */
	assert_int_equal(palloc_add(&pa, 0xfffffffffffff800ull, 0x100), 0);
	assert_int_equal(pa.count, 0);
	assert_int_equal(palloc_add(&pa, 0xffffffffffffe000ull, 0x1000), 0);
	expect_ranges(&pa, 0xffffffffffffe000ull, 0x1000);
}

static void test_reserve_splits_a_range(void **state)
{
	struct palloc pa;

	(void)state;
	palloc_init(&pa);
	assert_int_equal(palloc_add(&pa, 0x40000000, GiB(1)), 0);
	assert_int_equal(palloc_reserve(&pa, 0x40010000, 0x1000), 0);
	expect_ranges(&pa, 0x40000000, 0x10000, 0x40011000, GiB(1) - 0x11000);
	assert_int_equal(palloc_free_bytes(&pa), GiB(1) - 0x1000);
	assert_int_equal(palloc_largest(&pa), GiB(1) - 0x11000);
	/* Giving the page back merges the two halves again. */
	assert_int_equal(palloc_add(&pa, 0x40010000, 0x1000), 0);
	expect_ranges(&pa, 0x40000000, GiB(1));
}

static void test_reserve_rounds_outward(void **state)
{
	struct palloc pa;

	(void)state;
	palloc_init(&pa);
	assert_int_equal(palloc_add(&pa, 0x40000000, MiB(1)), 0);
	/* 16 bytes inside one page take that page. */
	assert_int_equal(palloc_reserve(&pa, 0x40010001, 0x10), 0);
	expect_ranges(&pa, 0x40000000, 0x10000, 0x40011000, MiB(1) - 0x11000);
	/* 2 bytes across a page boundary take both pages. */
	assert_int_equal(palloc_reserve(&pa, 0x40020fff, 2), 0);
	expect_ranges(&pa, 0x40000000, 0x10000, 0x40011000, 0xf000, 0x40022000,
		      MiB(1) - 0x22000);
	assert_int_equal(palloc_free_bytes(&pa), MiB(1) - 0x3000);
}

static void test_reserve_edges_and_gaps(void **state)
{
	struct palloc pa, before;

	(void)state;
	palloc_init(&pa);
	assert_int_equal(palloc_add(&pa, 0x10000, 0x10000), 0);
	assert_int_equal(palloc_add(&pa, 0x30000, 0x10000), 0);
	assert_int_equal(palloc_add(&pa, 0x50000, 0x10000), 0);

	assert_int_equal(palloc_reserve(&pa, 0x10000, 0x1000), 0); /* head */
	assert_int_equal(palloc_reserve(&pa, 0x5f000, 0x1000), 0); /* tail */
	expect_ranges(&pa, 0x11000, 0xf000, 0x30000, 0x10000, 0x50000, 0xf000);

	/* From inside the first range, across the gap, into the second. */
	assert_int_equal(palloc_reserve(&pa, 0x1f000, 0x12000), 0);
	expect_ranges(&pa, 0x11000, 0xe000, 0x31000, 0xf000, 0x50000, 0xf000);

	/* Swallowing a whole range removes it. */
	assert_int_equal(palloc_reserve(&pa, 0x30000, 0x20000), 0);
	expect_ranges(&pa, 0x11000, 0xe000, 0x50000, 0xf000);

	/* Memory that is not free, and nothing at all: no change. */
	before = pa;
	assert_int_equal(palloc_reserve(&pa, 0x1000, 0x1000), 0);
	assert_int_equal(palloc_reserve(&pa, 0x20000, 0x30000), 0);
	assert_int_equal(palloc_reserve(&pa, 0x11000, 0), 0);
	expect_unchanged(&pa, &before);

	/* Everything from an address to the top of the address space. */
	assert_int_equal(palloc_reserve(&pa, 0x15000, UINT64_MAX), 0);
	expect_ranges(&pa, 0x11000, 0x4000);
}

static void test_alloc_honours_alignment(void **state)
{
	struct palloc pa;
	uint64_t a = 0;

	(void)state;
	palloc_init(&pa);
	assert_int_equal(palloc_add(&pa, 0x40001000, MiB(4)), 0);
	assert_int_equal(palloc_alloc(&pa, 0x1000, MiB(2), &a), 0);
	assert_int_equal(a, 0x40200000);
	expect_ranges(&pa, 0x40001000, 0x1ff000, 0x40201000, 0x200000);

	/* No 2 MiB-aligned 2 MiB block is left, though 4 MiB - 4 KiB is free. */
	a = 0xdead;
	assert_int_equal(palloc_alloc(&pa, MiB(2), MiB(2), &a), -ENOMEM);
	assert_int_equal(a, 0xdead);

	/* First fit at page alignment, and sizes round up to a page. */
	assert_int_equal(palloc_alloc(&pa, 0x1000, PAGE_SIZE, &a), 0);
	assert_int_equal(a, 0x40001000);
	assert_int_equal(palloc_alloc(&pa, 1, PAGE_SIZE, &a), 0);
	assert_int_equal(a, 0x40002000);
	assert_int_equal(palloc_free_bytes(&pa), MiB(4) - 0x3000);

	/* 64 KiB alignment skips to the next boundary. */
	assert_int_equal(palloc_alloc(&pa, 0x3000, KiB(64), &a), 0);
	assert_int_equal(a, 0x40010000);
	expect_ranges(&pa, 0x40003000, 0xd000, 0x40013000, 0x1ed000, 0x40201000, 0x200000);
}

static void test_alloc_bad_arguments(void **state)
{
	struct palloc pa, before;
	uint64_t a = 0xdead;

	(void)state;
	palloc_init(&pa);
	assert_int_equal(palloc_add(&pa, 0x40000000, MiB(16)), 0);
	before = pa;
	assert_int_equal(palloc_alloc(&pa, 0, PAGE_SIZE, &a), -EINVAL);
	assert_int_equal(palloc_alloc(&pa, 0x1000, 0, &a), -EINVAL);
	assert_int_equal(palloc_alloc(&pa, 0x1000, 0x800, &a), -EINVAL);
	assert_int_equal(palloc_alloc(&pa, 0x1000, 0x3000, &a), -EINVAL);
	assert_int_equal(palloc_alloc(&pa, UINT64_MAX, PAGE_SIZE, &a), -EINVAL);
	assert_int_equal(a, 0xdead);
	expect_unchanged(&pa, &before);
}

static void test_alloc_runs_out_with_enomem(void **state)
{
	struct palloc pa, before;
	uint64_t a = 0xdead;
	unsigned pages = 0;
	int err;

	(void)state;
	palloc_init(&pa);
	assert_int_equal(palloc_alloc(&pa, 0x1000, PAGE_SIZE, &a), -ENOMEM);
	assert_int_equal(palloc_add(&pa, 0x10000, 0x1000), 0);
	assert_int_equal(palloc_add(&pa, 0x20000, 0x3000), 0);
	before = pa;
	assert_int_equal(palloc_largest(&pa), 0x3000);
	assert_int_equal(palloc_alloc(&pa, 0x4000, PAGE_SIZE, &a), -ENOMEM);
	assert_int_equal(a, 0xdead);
	expect_unchanged(&pa, &before);

	while ((err = palloc_alloc(&pa, 0x1000, PAGE_SIZE, &a)) == 0)
		pages++;
	assert_int_equal(err, -ENOMEM);
	assert_int_equal(pages, 4);
	assert_int_equal(pa.count, 0);
	assert_int_equal(palloc_free_bytes(&pa), 0);
	assert_int_equal(palloc_largest(&pa), 0);
}

static void test_alloc_at(void **state)
{
	struct palloc pa, before;

	(void)state;
	palloc_init(&pa);
	assert_int_equal(palloc_add(&pa, 0x40000000, MiB(1)), 0);
	assert_int_equal(palloc_alloc_at(&pa, 0x40010000, 0x2000), 0);
	expect_ranges(&pa, 0x40000000, 0x10000, 0x40012000, MiB(1) - 0x12000);

	before = pa;
	assert_int_equal(palloc_alloc_at(&pa, 0x40010000, 0x2000), -EBUSY); /* again */
	assert_int_equal(palloc_alloc_at(&pa, 0x4000f000, 0x2000), -EBUSY); /* overlaps */
	assert_int_equal(palloc_alloc_at(&pa, 0x40011000, 0x2000), -EBUSY);
	assert_int_equal(palloc_alloc_at(&pa, 0x400ff000, 0x2000), -EBUSY); /* past end */
	assert_int_equal(palloc_alloc_at(&pa, 0x3ffff000, 0x2000), -EBUSY); /* before */
	assert_int_equal(palloc_alloc_at(&pa, 0x40000000, MiB(1)), -EBUSY); /* hole */
	assert_int_equal(palloc_alloc_at(&pa, 0x40020001, 0x1000), -EINVAL);
	assert_int_equal(palloc_alloc_at(&pa, 0x40020000, 0), -EINVAL);
	/* A range that wraps past the top once rounded to pages. */
	assert_int_equal(palloc_alloc_at(&pa, 0x40000000, UINT64_MAX - 0x40000000), -EINVAL);
	/* Up to the last whole page does not wrap: only busy. */
	assert_int_equal(palloc_alloc_at(&pa, 0x40000000, UINT64_MAX - 0x40000fff), -EBUSY);
	expect_unchanged(&pa, &before);

	/* One byte takes its whole page. */
	assert_int_equal(palloc_alloc_at(&pa, 0x40020000, 1), 0);
	expect_ranges(&pa, 0x40000000, 0x10000, 0x40012000, 0xe000, 0x40021000,
		      MiB(1) - 0x21000);
}

static void test_free_rejects_double_free(void **state)
{
	struct palloc pa, before;
	uint64_t a, b;

	(void)state;
	palloc_init(&pa);
	assert_int_equal(palloc_add(&pa, 0x40000000, MiB(1)), 0);
	assert_int_equal(palloc_alloc(&pa, 0x4000, PAGE_SIZE, &a), 0);
	assert_int_equal(palloc_alloc(&pa, 0x4000, PAGE_SIZE, &b), 0);
	assert_int_equal(palloc_free(&pa, a, 0x4000), 0);

	before = pa;
	assert_int_equal(palloc_free(&pa, a, 0x4000), -EINVAL);          /* twice */
	assert_int_equal(palloc_free(&pa, a + 0x1000, 0x1000), -EINVAL); /* part of it */
	assert_int_equal(palloc_free(&pa, b - 0x1000, 0x2000), -EINVAL); /* straddles */
	assert_int_equal(palloc_free(&pa, b + 0x3000, 0x2000), -EINVAL); /* into free */
	assert_int_equal(palloc_free(&pa, b + 1, 0x1000), -EINVAL);      /* unaligned */
	assert_int_equal(palloc_free(&pa, b, 0), -EINVAL);
	assert_int_equal(palloc_free(&pa, b, UINT64_MAX - b), -EINVAL); /* wraps */
	expect_unchanged(&pa, &before);

	/* A size that is not whole pages frees the pages it was given. */
	assert_int_equal(palloc_free(&pa, b, 0x3001), 0);
	expect_ranges(&pa, 0x40000000, MiB(1));
}

static void test_free_restores_the_original_range(void **state)
{
	static const struct {
		uint64_t size, align;
	} reqs[] = {
		{ 0x1000, PAGE_SIZE }, { MiB(2), MiB(2) },   { 0x3000, PAGE_SIZE },
		{ 0x5000, KiB(64) },   { 1, PAGE_SIZE },     { MiB(1), MiB(1) },
		{ 0x7000, KiB(16) },   { 0x2000, PAGE_SIZE }, { MiB(3), MiB(2) },
		{ 0x1000, MiB(4) },    { 0x9000, PAGE_SIZE }, { 0x1000, PAGE_SIZE },
	};
	/* A fixed shuffle, so frees come back in neither order. */
	static const unsigned order[] = { 5, 0, 9, 2, 11, 7, 1, 4, 10, 3, 8, 6 };
	uint64_t at[ARRAY_SIZE(reqs)];
	struct palloc pa;
	unsigned i;

	(void)state;
	assert_int_equal(ARRAY_SIZE(order), ARRAY_SIZE(reqs));
	palloc_init(&pa);
	assert_int_equal(palloc_add(&pa, 0x40000000, MiB(64)), 0);
	for (i = 0; i < ARRAY_SIZE(reqs); i++) {
		assert_int_equal(palloc_alloc(&pa, reqs[i].size, reqs[i].align, &at[i]), 0);
		assert_true(IS_ALIGNED(at[i], reqs[i].align));
		check_list(&pa);
	}
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		unsigned j = order[i];

		assert_int_equal(palloc_free(&pa, at[j], reqs[j].size), 0);
		check_list(&pa);
	}
	expect_ranges(&pa, 0x40000000, MiB(64));
}

/* Fills the list: PALLOC_MAX_RANGES ranges of 3 pages, 16 KiB apart. */
static void fill_list(struct palloc *pa)
{
	unsigned i;

	palloc_init(pa);
	for (i = 0; i < PALLOC_MAX_RANGES; i++)
		assert_int_equal(palloc_add(pa, 0x100000 + i * 0x4000ull, 0x3000), 0);
	assert_int_equal(pa->count, PALLOC_MAX_RANGES);
}

static void test_full_list_gives_enospc(void **state)
{
	struct palloc pa, before;
	uint64_t a;

	(void)state;
	fill_list(&pa);
	before = pa;
	/* A new separate range, a split by reserve, alloc_at or free: no room. */
	assert_int_equal(palloc_add(&pa, 0x1000000, 0x1000), -ENOSPC);
	assert_int_equal(palloc_reserve(&pa, 0x100000 + 10 * 0x4000 + 0x1000, 0x1000), -ENOSPC);
	assert_int_equal(palloc_alloc_at(&pa, 0x100000 + 3 * 0x4000 + 0x1000, 0x1000), -ENOSPC);
	expect_unchanged(&pa, &before);

	/* What needs no new entry still works: growing a range, taking a head. */
	assert_int_equal(palloc_add(&pa, 0x100000 + 0x3000, 0x1000), 0); /* joins 0 and 1 */
	assert_int_equal(pa.count, PALLOC_MAX_RANGES - 1);
	assert_int_equal(palloc_alloc(&pa, 0x1000, PAGE_SIZE, &a), 0);
	assert_int_equal(a, 0x100000);
	assert_int_equal(palloc_add(&pa, 0x2000000, 0x1000), 0); /* room again */
	assert_int_equal(pa.count, PALLOC_MAX_RANGES);
	assert_int_equal(palloc_free(&pa, 0x3000000, 0x1000), -ENOSPC);
	check_list(&pa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_trims_to_whole_pages),
		cmocka_unit_test(test_add_merges_neighbours),
		cmocka_unit_test(test_add_overlap_rejected),
		cmocka_unit_test(test_add_near_top_of_address_space),
		cmocka_unit_test(test_reserve_splits_a_range),
		cmocka_unit_test(test_reserve_rounds_outward),
		cmocka_unit_test(test_reserve_edges_and_gaps),
		cmocka_unit_test(test_alloc_honours_alignment),
		cmocka_unit_test(test_alloc_bad_arguments),
		cmocka_unit_test(test_alloc_runs_out_with_enomem),
		cmocka_unit_test(test_alloc_at),
		cmocka_unit_test(test_free_rejects_double_free),
		cmocka_unit_test(test_free_restores_the_original_range),
		cmocka_unit_test(test_full_list_gives_enospc),
	};

	return cmocka_run_group_tests_name("palloc", tests, NULL, NULL);
}
