// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the host device tree, as the hypervisor reads it at boot
 * from the loader (r2).  The input is the DTB: platform_parse() and
 * platform_find_uart() read it (platform/dt.c); then, on a tree dt_check()
 * accepted, what vm.c does with a passthrough node: its reg entries
 * (dt_read_reg, translated through the parents' ranges, which it finds in
 * the node index platform_find_uart's check left: none for a tree beyond
 * the index, whose reg entries all read as malformed) and interrupts
 * (dt_gic_irq), and the node copied into a guest's device tree
 * (guest_dt_copy_node, hyp/config/guest_dt.c).  Besides what the sanitizers
 * catch, it checks the parsers' promises: a tree platform_parse() accepts
 * passes dt_check(); the platform it fills is complete (RAM, CPUs, the
 * GIC's four regions, strings terminated); a reg entry read back does not
 * wrap around the address space; an interrupt is a GIC ID below 1020; the
 * guest's tree stays a valid DTB within GUEST_DTB_SIZE.  Which nodes are
 * read this way (every fourth, up to 16) depends on the input's length, so
 * that runs stay fast and all nodes get their turn.
 */
#include <errno.h>
#include <libfdt.h>

#include "config.h"
#include "fuzz.h"
#include "platform.h"

#define NODES_MAX 16    /* nodes whose reg and interrupts are read */
#define NODES_STRIDE 4  /* every 4th node, from the input's length % 4 */
#define COPIES_MAX 8    /* of those, copied into the guest's tree */
#define ENTRIES_MAX 8   /* reg and interrupts entries read per node */

static void check_range(const struct mem_range *r, const char *what, int idx)
{
	FUZZ_CHECK(!r->size || r->base + r->size - 1 >= r->base,
		   "%s %d: 0x%llx + 0x%llx wraps around", what, idx,
		   (unsigned long long)r->base, (unsigned long long)r->size);
}

static void check_platform(const struct platform *p)
{
	const struct mem_range *gic[] = { &p->gic.gicd, &p->gic.gicc, &p->gic.gich,
					  &p->gic.gicv };
	unsigned i;

	FUZZ_CHECK_STR(p->model, sizeof(p->model));
	FUZZ_CHECK_STR(p->compatible, sizeof(p->compatible));
	FUZZ_CHECK_STR(p->bootargs, sizeof(p->bootargs));
	FUZZ_CHECK_STR(p->gic.path, sizeof(p->gic.path));
	FUZZ_CHECK_STR(p->uart.path, sizeof(p->uart.path));
	FUZZ_CHECK(p->mem_count >= 1 && p->mem_count <= PLAT_MAX_MEM, "%u memory banks",
		   p->mem_count);
	for (i = 0; i < p->mem_count; i++) {
		FUZZ_CHECK(p->mem[i].size, "memory bank %u is empty", i);
		check_range(&p->mem[i], "memory bank", (int)i);
	}
	FUZZ_CHECK(p->cpu_count >= 1 && p->cpu_count <= PLAT_MAX_CPUS, "%u CPUs", p->cpu_count);
	for (i = 0; i < ARRAY_SIZE(gic); i++) {
		FUZZ_CHECK(gic[i]->size, "GIC region %u is empty", i);
		check_range(gic[i], "GIC region", (int)i);
	}
	check_range(&p->uart.regs, "UART", 0);
	FUZZ_CHECK(p->resv_count <= PLAT_MAX_RESV, "%u reserved ranges", p->resv_count);
	FUZZ_CHECK(p->warn_count <= PLAT_MAX_WARN, "%u warnings", p->warn_count);
	for (i = 0; i < p->warn_count; i++)
		FUZZ_CHECK_STR(p->warn[i], sizeof(p->warn[i]));
}

/* A guest's tree as vm.c starts it, before the passthrough nodes. */
static void *guest_tree(void)
{
	static struct vm_config vm;
	void *dtb = malloc(GUEST_DTB_SIZE);

	FUZZ_CHECK(dtb, "out of memory");
	vm = (struct vm_config){ .name = "fuzz", .vcpus = 2, .cpus = 3,
				 .mem_base = 0x40000000, .mem_size = MiB(64),
				 .dev = { GUEST_GICD_BASE, GUEST_GICC_BASE, GUEST_UART_BASE } };
	FUZZ_CHECK(!guest_dt_build(dtb, GUEST_DTB_SIZE, &vm, 0), "guest_dt_build");
	return dtb;
}

/* A node's reg, interrupts and copy into the guest's tree, as for a
 * passthrough node. */
static void check_node(const void *fdt, int node, void *guest, bool copy)
{
	struct mem_range r;
	uint32_t irq;
	int i, err;

	for (i = 0; i < ENTRIES_MAX && !dt_read_reg(fdt, node, i, &r); i++)
		check_range(&r, "reg entry", i);
	for (i = 0; i < ENTRIES_MAX; i++) {
		err = dt_gic_irq(fdt, node, i, &irq);
		if (err == -ENOENT)
			break;
		FUZZ_CHECK(err == -EINVAL || (!err && irq >= 16 && irq < 1020),
			   "interrupt %d: %d, ID %u", i, err, irq);
	}
	if (!copy)
		return;
	err = guest_dt_copy_node(guest, GUEST_DTB_SIZE, fdt, node);
	FUZZ_CHECK(!err || err == -EEXIST || err == -ENOSPC || err == -EINVAL,
		   "guest_dt_copy_node: %d", err);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct platform p;
	struct plat_uart uart;
	struct dt_status st, chk;
	void *guest;
	int node, depth = 0, i = 0, n = 0;

	st = platform_parse(&p, data, size);
	FUZZ_CHECK_STR(st.msg, sizeof(st.msg));
	chk = dt_check(data, size);
	FUZZ_CHECK(!chk.err || st.err, "platform_parse accepted what dt_check refuses: %s",
		   chk.msg);
	if (!st.err)
		check_platform(&p);
	memset(&uart, 0, sizeof(uart));
	if (!platform_find_uart(data, size, &uart)) {
		FUZZ_CHECK_STR(uart.path, sizeof(uart.path));
		check_range(&uart.regs, "UART", 0);
	}
	if (chk.err)
		return 0;
	guest = guest_tree();
	for (node = 0; node >= 0 && n < NODES_MAX; node = fdt_next_node(data, node, &depth), i++)
		if (i % NODES_STRIDE == (int)(size % NODES_STRIDE))
			check_node(data, node, guest, n++ < COPIES_MAX);
	fdt_pack(guest);
	chk = dt_check(guest, GUEST_DTB_SIZE);
	FUZZ_CHECK(!chk.err, "the guest's tree after the copies: %s", chk.msg);
	free(guest);
	return 0;
}
