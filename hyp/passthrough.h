/* SPDX-License-Identifier: MIT */
/*
 * Which host DT nodes a VM may be given by passthrough: devices whose
 * registers' pages hold nothing Lowvisor or another VM needs.  Plain C over
 * libfdt, unit-tested on QEMU-dumped DTBs (test/unit/test_platform.c).
 */
#ifndef LOWVISOR_PASSTHROUGH_H
#define LOWVISOR_PASSTHROUGH_H

#include "platform.h"

/* A range no passthrough page may touch, and what it is ("the host DTB"). */
struct pt_avoid {
	const char *what;
	struct mem_range r;
};

/*
 * Whether host node path of fdt is a device a VM may be given: not the root,
 * a memory or reserved-memory node or the GIC of p (or in one), enabled
 * (status "okay" or "ok", or none), with a reg no page of which holds RAM,
 * the GIC's or console UART's registers (from p) or any of avoid[0..n).
 * The node's offset, or a negative errno with why, in words beginning with
 * the path, in why[0..len).
 */
int passthrough_check(const void *fdt, const struct platform *p, const char *path,
		      const struct pt_avoid *avoid, unsigned n, char *why, size_t len);

/* Whether nodes a and b of fdt have registers in one page: its address in
 * *page. */
bool passthrough_shared_page(const void *fdt, int a, int b, uint64_t *page);

#endif
