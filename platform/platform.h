/* SPDX-License-Identifier: MIT */
/*
 * The platform description: everything Lowvisor learns about the machine
 * from the host device tree, in one structure.  platform_parse() is plain C
 * over libfdt, so the host unit tests run it on QEMU-dumped and broken DTBs.
 */
#ifndef LOWVISOR_PLATFORM_H
#define LOWVISOR_PLATFORM_H

#include "types.h"

#define PLAT_MAX_MEM 8
#define PLAT_MAX_CPUS 8 /* GICv2 targets at most 8 CPU interfaces */
#define PLAT_MAX_RESV 16
#define PLAT_MAX_WARN 4
#define PLAT_PATH_MAX 64

enum psci_conduit { PSCI_CONDUIT_NONE, PSCI_CONDUIT_SMC, PSCI_CONDUIT_HVC };

/* Interrupt IDs as the GIC numbers them: PPI n is 16 + n, SPI n is 32 + n. */
struct plat_timer {
	uint32_t sec_irq, nonsec_irq, virt_irq, hyp_irq;
	uint32_t freq; /* clock-frequency from the DT, 0 = use CNTFRQ */
};

struct plat_gic {
	char path[PLAT_PATH_MAX];
	struct mem_range gicd, gicc, gich, gicv;
	uint32_t maint_irq;
};

struct plat_uart {
	char path[PLAT_PATH_MAX];
	struct mem_range regs;
	uint32_t irq; /* 0 when the node has none */
};

struct plat_psci {
	enum psci_conduit conduit;
	uint32_t cpu_on; /* function ID: from the node (PSCI 0.1) or the standard 0.2+ one */
};

struct platform {
	char model[PLAT_PATH_MAX];
	char compatible[PLAT_PATH_MAX]; /* first string of the root compatible */
	uint32_t dtb_size;

	unsigned mem_count;
	struct mem_range mem[PLAT_MAX_MEM];

	unsigned cpu_count;
	uint32_t cpu_mpidr[PLAT_MAX_CPUS]; /* the affinity value of each cpu's reg */

	struct plat_gic gic;
	struct plat_timer timer;
	struct plat_uart uart;
	struct plat_psci psci;

	bool has_initrd;
	struct mem_range initrd;

	/* /memreserve/ entries and /reserved-memory children with a reg. */
	unsigned resv_count;
	struct mem_range resv[PLAT_MAX_RESV];

	char bootargs[256];

	/* Things that are odd but not fatal, for the log once a console exists. */
	unsigned warn_count;
	char warn[PLAT_MAX_WARN][96];
};

/* The result of parsing: err is 0 or a negative errno, msg says what. */
struct dt_status {
	int err;
	char msg[160];
};

/* Sets st to err with a formatted message and returns it: the one way
 * parsers of untrusted trees (the host DTB, bundles) report a problem. */
__printf(3, 4) struct dt_status dt_fail(struct dt_status *st, int err, const char *fmt, ...);

/* Checks the whole structure of the blob at fdt (header, every tag and
 * property name).  Nothing else in it is trusted before this passes. */
struct dt_status dt_check(const void *fdt, size_t max_size);

/* Fills p from fdt.  Runs dt_check() first. */
struct dt_status platform_parse(struct platform *p, const void *fdt, size_t max_size);

/* Entry idx of node's reg, translated to a CPU physical address: 0,
 * -ENOENT or -EINVAL. */
int dt_read_reg(const void *fdt, int node, int idx, struct mem_range *out);
/* Entry idx of node's 3-cell "interrupts" as a GIC interrupt ID. */
int dt_gic_irq(const void *fdt, int node, int idx, uint32_t *id);

/* Finds only the console, for errors printed before or after a failed
 * platform_parse (e.g. the mode check).  0 on success. */
int platform_find_uart(const void *fdt, size_t max_size, struct plat_uart *uart);

/*
 * Boards as data.  The DT says everything Lowvisor needs; a board entry
 * adds the name a person knows it by, its support status, and the UART to
 * use for errors when the DTB itself is missing or unreadable (chosen by
 * which board's RAM holds the image).
 */
struct board {
	const char *compatible;
	const char *name;
	const char *status;
	uint64_t ram_base, ram_size;
	uint64_t early_uart; /* PL011 base, 0 for none */
};

const struct board *board_by_compatible(const void *fdt);
const struct board *board_by_address(uint64_t pa);
extern const struct board boards[];
extern const unsigned board_count;

#endif
