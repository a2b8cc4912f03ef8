/* SPDX-License-Identifier: MIT */
/* What the parts of hyp/ share about the running system. */
#ifndef LOWVISOR_HYP_H
#define LOWVISOR_HYP_H

#include "gic.h"
#include "options.h"
#include "palloc.h"
#include "platform.h"

#define LOWVISOR_VERSION "0.1.0"

struct hyp_state {
	struct platform plat;
	struct hyp_options opts;
	struct gic_info gic;
	const struct board *board;
	uint32_t dtb_pa;
	uint64_t entry_time; /* CNTPCT at entry */
	uint64_t first_guest_time; /* CNTPCT at the first entry to a guest, or 0 */
	unsigned cpus_online;
};

extern struct hyp_state hyp;

__noreturn void hyp_halt(void);

/* hyp/memory.c: the page allocator over free RAM. */
int memory_init(void);
/* Allocates size bytes (whole pages) aligned to align for what; logs a
 * clear error naming what and returns -ENOMEM when memory runs out. */
int page_alloc(uint64_t size, uint64_t align, const char *what, uint64_t *pa);
/* Takes exactly [pa, pa + size): -EBUSY if any of it is not free. */
int page_alloc_at(uint64_t pa, uint64_t size);
void page_free(uint64_t pa, uint64_t size);
uint64_t memory_free_bytes(void);
unsigned memory_free_ranges(void);

/* hyp/smp.c */
void smp_boot_secondaries(void);
/* Lets the secondaries, waiting after they came online, start scheduling. */
void smp_release(void);
unsigned smp_cpu_count(void);
void tick_start(void);
void tick_handle(uint64_t now);

/* hyp/report.c */
void boot_report(void);
/* What ran: exits and switches per CPU, VMID generations (at power-off). */
void run_report(void);

#endif
