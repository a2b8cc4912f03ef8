/* SPDX-License-Identifier: MIT */
/* What the parts of hyp/ share about the running system. */
#ifndef LOWVISOR_HYP_H
#define LOWVISOR_HYP_H

#include "config.h"
#include "drivers.h"
#include "mm.h"
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
	uint64_t last_vm_start_time; /* at the latest first entry to a VM's vCPU 0 */
};

extern struct hyp_state hyp;

__noreturn void hyp_halt(void);

/* The host DTB, through its window. */
static inline const void *host_dtb(void)
{
	return hyp_dtb_window(hyp.dtb_pa);
}

#endif
