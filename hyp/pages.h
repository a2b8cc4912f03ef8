/* SPDX-License-Identifier: MIT */
/* The page allocator over free RAM (hyp/memory.c). */
#ifndef LOWVISOR_PAGES_H
#define LOWVISOR_PAGES_H

#include "types.h"

int memory_init(void);
/* Allocates size bytes (whole pages) aligned to align for what; logs a
 * clear error naming what and returns -ENOMEM when memory runs out. */
int page_alloc(uint64_t size, uint64_t align, const char *what, uint64_t *pa);
/* Takes exactly [pa, pa + size): -EBUSY if any of it is not free. */
int page_alloc_at(uint64_t pa, uint64_t size);
void page_free(uint64_t pa, uint64_t size);
uint64_t memory_free_bytes(void);
unsigned memory_free_ranges(void);

#endif
