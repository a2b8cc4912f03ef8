// SPDX-License-Identifier: MIT
#include <errno.h>

#include "arch/sysreg.h"
#include "mm.h"
#include "arch/lpae.h"

/* Built by boot/entry.S with the MMU off, then extended here. */
uint64_t hyp_l1[4] __section(".boot_tables") __aligned(4096);
uint64_t hyp_l2[4][LPAE_ENTRIES] __section(".boot_tables") __aligned(4096);
uint64_t hyp_l3_image[2][LPAE_ENTRIES] __section(".boot_tables") __aligned(4096);
static uint64_t hyp_l3_pool[HYP_L3_POOL_PAGES][LPAE_ENTRIES] __section(".boot_tables")
	__aligned(4096);
static unsigned l3_pool_used;

extern char __image_start[], __image_end[];
extern uint32_t hyp_phys_offset; /* PA - VA of the image, set by entry.S */

paddr_t hyp_image_pa(const void *va)
{
	return pa_init((uint32_t)((uintptr_t)va + hyp_phys_offset));
}

struct mem_range hyp_image_range(void)
{
	return (struct mem_range){ pa_addr(hyp_image_pa(__image_start)),
				   (uint64_t)(__image_end - __image_start) };
}

void *hyp_dtb_window(uint32_t dtb_pa)
{
	return (void *)(HYP_DTB_WINDOW_VA + (dtb_pa & (LPAE_BLOCK_SIZE - 1)));
}

/* The level-3 table under a level-2 entry, made from the pool if the entry
 * is empty; NULL if a block is there or the pool is used up.  Every table
 * lives in the image, so its VA is its PA minus the image offset. */
static uint64_t *l3_table(uint64_t *l2e)
{
	uint64_t *l3;

	if ((*l2e & LPAE_TYPE_MASK) == LPAE_TYPE_TABLE)
		return (uint64_t *)(uintptr_t)((uint32_t)(*l2e & LPAE_ADDR_MASK) - hyp_phys_offset);
	if ((*l2e & LPAE_VALID) || l3_pool_used == HYP_L3_POOL_PAGES)
		return NULL;
	l3 = hyp_l3_pool[l3_pool_used++];
	*l2e = pa_addr(hyp_image_pa(l3)) | LPAE_TYPE_TABLE;
	return l3;
}

/* Maps the page at pa under its level-2 entry l2e, with attributes a. */
static int map_page(uint64_t *l2e, uint64_t pa, uint64_t a)
{
	uint64_t *l3, *e;

	if ((*l2e & LPAE_TYPE_MASK) == LPAE_TYPE_BLOCK)
		return (*l2e & LPAE_ADDR_MASK) == ALIGN_DOWN(pa, (uint64_t)LPAE_BLOCK_SIZE) ? 0 : -EEXIST;
	l3 = l3_table(l2e);
	if (!l3)
		return -ENOMEM;
	e = &l3[(pa >> 12) & (LPAE_ENTRIES - 1)];
	if (*e & LPAE_VALID)
		return (*e & LPAE_ADDR_MASK) == pa ? 0 : -EEXIST;
	*e = pa | a | LPAE_TYPE_PAGE;
	return 0;
}

int hyp_map_identity(paddr_t base, uint64_t size, enum hyp_mem_type type)
{
	uint64_t pa = ALIGN_DOWN(pa_addr(base), PAGE_SIZE);
	uint64_t end = ALIGN_UP(pa_addr(base) + size, PAGE_SIZE);
	uint64_t a = type == HYP_MEM_DEVICE ? LPAE_HYP_DEVICE : LPAE_HYP_NORMAL;
	int err = 0;

	if (end > HYP_IDENTITY_LIMIT || end < pa)
		return -ERANGE;
	while (pa < end && !err) {
		uint64_t *l2e = &hyp_l2[pa >> 30][(pa >> 21) & (LPAE_ENTRIES - 1)];

		if (IS_ALIGNED(pa, LPAE_BLOCK_SIZE) && end - pa >= LPAE_BLOCK_SIZE &&
		    !(*l2e & LPAE_VALID)) {
			*l2e = pa | a | LPAE_TYPE_BLOCK;
			pa += LPAE_BLOCK_SIZE;
			continue;
		}
		err = map_page(l2e, pa, a);
		pa += PAGE_SIZE;
	}
	dsb_ish();
	isb();
	return err;
}
