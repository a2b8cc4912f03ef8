/* SPDX-License-Identifier: MIT */
/*
 * Lowvisor's own (HYP stage-1, LPAE) address space:
 *
 *   0x00000000 - 0xEFFFFFFF  identity: RAM and devices at VA == PA, mapped
 *                            as the platform description says
 *   0xF0000000 - 0xF03FFFFF  the firmware image, linked here and mapped to
 *                            wherever it was loaded (so it runs from any
 *                            page-aligned load address)
 *   0xFF000000 - 0xFF3FFFFF  the host DTB window: the 4 MiB around the DTB
 *
 * The tables are static (one level-1 table, four level-2 tables covering the
 * whole 4 GiB, level-3 tables for the image and a small pool for 4 KiB
 * device mappings), built by boot/entry.S before the MMU is on.
 */
#ifndef LOWVISOR_HYP_MMU_H
#define LOWVISOR_HYP_MMU_H

#include "types.h"

#define HYP_IMAGE_VA 0xF0000000u
#define HYP_DTB_WINDOW_VA 0xFF000000u
#define HYP_DTB_WINDOW_SIZE 0x400000u
#define HYP_IDENTITY_LIMIT 0xF0000000ull /* RAM above this is not identity mapped */
#define HYP_L3_POOL_PAGES 8

enum hyp_mem_type {
	HYP_MEM_NORMAL,
	HYP_MEM_DEVICE,
};

/* Maps [pa, pa + size) at VA == PA; 2 MiB blocks where aligned, pages
 * elsewhere.  -ERANGE beyond the identity limit, -ENOMEM when the level-3
 * pool is used up, -EEXIST if a different mapping is already there. */
int hyp_map_identity(uint64_t pa, uint64_t size, enum hyp_mem_type type);

/* The physical address of a firmware image address. */
uint64_t hyp_image_pa(const void *va);
/* Where the image starts and ends (including BSS), physically. */
struct mem_range hyp_image_range(void);

/* The DTB window VA for a DTB at physical address pa. */
void *hyp_dtb_window(uint32_t dtb_pa);

#endif
