// SPDX-License-Identifier: MIT
/*
 * The host device tree parser (platform/dt.c) and the board table
 * (platform/boards.c), on the DTBs QEMU itself dumps (unit.mk makes them)
 * and on broken or unusual trees made here with libfdt: copies of QEMU's
 * edited with the read-write API, one built from scratch with the
 * sequential-write API, and byte-patched corrupt ones.  Also which of their
 * nodes passthrough may give a VM (hyp/config/passthrough.c).
 *
 * Usage: test_platform [DTB_DIR]   (else $LOWVISOR_DTB_DIR, else build/dtb)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "config.h"
#include "platform.h"
#include "unit.h"

#define PSCI_0_2_CPU_ON 0x84000003u

static const char *dtb_dir = "build/dtb";

/* hyp/log.c (HEX64 in passthrough's messages) writes nowhere here. */
void console_write(const char *s, size_t len)
{
	(void)s;
	(void)len;
}

/* The tree most tests edit: QEMU virt, virtualization=on, 2 CPUs, 1 GiB. */
static void *virt;

/* Reads a whole DTB file into a new buffer. */
static void *load_dtb(const char *name, size_t *size)
{
	char path[512];
	FILE *f;
	long n;
	void *buf;

	snprintf(path, sizeof(path), "%s/%s", dtb_dir, name);
	f = fopen(path, "rb");
	if (!f) {
		print_error("cannot open %s (make -f test/unit/unit.mk unit-test dumps it)\n",
			    path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static int group_setup(void **state)
{
	size_t size;

	(void)state;
	virt = load_dtb("virt-smp2.dtb", &size);
	return virt && fdt_check_header(virt) == 0 && fdt_totalsize(virt) == size ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	free(virt);
	return 0;
}

/* Each editing test gets a writable copy of virt with room to grow. */
static int copy_setup(void **state)
{
	int size = (int)fdt_totalsize(virt) + 16384;

	*state = malloc((size_t)size);
	return *state && fdt_open_into(virt, *state, size) == 0 ? 0 : -1;
}

static int copy_teardown(void **state)
{
	free(*state);
	return 0;
}

static int node_at(const void *fdt, const char *path)
{
	int node = fdt_path_offset(fdt, path);

	if (node < 0)
		fail_msg("no node %s: %s", path, fdt_strerror(node));
	return node;
}

/* Sets prop of the node at path to count 32-bit cells. */
static void set_cells(void *fdt, const char *path, const char *prop, int count, ...)
{
	fdt32_t cells[32];
	va_list ap;
	int i;

	assert_true(count <= 32);
	va_start(ap, count);
	for (i = 0; i < count; i++)
		cells[i] = cpu_to_fdt32(va_arg(ap, uint32_t));
	va_end(ap);
	assert_int_equal(fdt_setprop(fdt, node_at(fdt, path), prop, cells,
				     count * (int)sizeof(cells[0])), 0);
}

static void set_string(void *fdt, const char *path, const char *prop, const char *value)
{
	assert_int_equal(fdt_setprop_string(fdt, node_at(fdt, path), prop, value), 0);
}

static void del_node(void *fdt, const char *path)
{
	assert_int_equal(fdt_del_node(fdt, node_at(fdt, path)), 0);
}

static void del_prop(void *fdt, const char *path, const char *prop)
{
	assert_int_equal(fdt_delprop(fdt, node_at(fdt, path), prop), 0);
}

static int add_node(void *fdt, const char *parent, const char *name)
{
	int node = fdt_add_subnode(fdt, node_at(fdt, parent), name);

	if (node < 0)
		fail_msg("adding %s under %s: %s", name, parent, fdt_strerror(node));
	return node;
}

static void expect_ok(const struct dt_status *st)
{
	if (st->err)
		fail_msg("unexpected error %d: %s", st->err, st->msg);
}

static void expect_check_ok(const void *fdt, size_t size)
{
	struct dt_status st = dt_check(fdt, size);

	expect_ok(&st);
}

static struct platform plat; /* big for the stack of a test; one at a time */

static struct platform *parse_ok(const void *fdt)
{
	struct dt_status st = platform_parse(&plat, fdt, fdt_totalsize(fdt));

	expect_ok(&st);
	return &plat;
}

/* platform_parse must fail with err and a message holding each string given
 * (a NULL-terminated list). */
static void expect_parse_error(const void *fdt, int err, ...)
{
	struct dt_status st = platform_parse(&plat, fdt, fdt_totalsize(fdt));
	const char *needle;
	va_list ap;

	if (st.err != err)
		fail_msg("error %d (\"%s\"), expected %d", st.err, st.msg, err);
	va_start(ap, err);
	while ((needle = va_arg(ap, const char *)))
		assert_contains(st.msg, needle);
	va_end(ap);
}

static void expect_range(const struct mem_range *r, uint64_t base, uint64_t size)
{
	if (r->base != base || r->size != size)
		fail_msg("range [0x%" PRIx64 ", +0x%" PRIx64 "), expected [0x%" PRIx64
			 ", +0x%" PRIx64 ")", r->base, r->size, base, size);
}

/* QEMU's own DTBs */

struct virt_case {
	const char *file;
	unsigned cpus;
	uint64_t mem;
	void *fdt;
	size_t size;
};

static int virt_case_setup(void **state)
{
	struct virt_case *c = *state;

	c->fdt = load_dtb(c->file, &c->size);
	return c->fdt ? 0 : -1;
}

static int virt_case_teardown(void **state)
{
	struct virt_case *c = *state;

	free(c->fdt);
	c->fdt = NULL;
	return 0;
}

static void test_qemu_virt(void **state)
{
	const struct virt_case *c = *state;
	struct platform *p;
	struct plat_uart uart;
	const struct board *b;
	unsigned i;

	expect_check_ok(c->fdt, c->size);
	p = parse_ok(c->fdt);
	assert_string_equal(p->model, "linux,dummy-virt");
	assert_string_equal(p->compatible, "linux,dummy-virt");
	assert_int_equal(p->dtb_size, c->size);

	assert_int_equal(p->mem_count, 1);
	expect_range(&p->mem[0], 0x40000000, c->mem);

	assert_int_equal(p->cpu_count, c->cpus);
	for (i = 0; i < c->cpus; i++)
		assert_int_equal(p->cpu_mpidr[i], i);

	assert_string_equal(p->gic.path, "/intc@8000000");
	expect_range(&p->gic.gicd, 0x08000000, 0x10000);
	expect_range(&p->gic.gicc, 0x08010000, 0x10000);
	expect_range(&p->gic.gich, 0x08030000, 0x10000);
	expect_range(&p->gic.gicv, 0x08040000, 0x10000);
	assert_int_equal(p->gic.maint_irq, 25);

	assert_int_equal(p->timer.sec_irq, 29);
	assert_int_equal(p->timer.nonsec_irq, 30);
	assert_int_equal(p->timer.virt_irq, 27);
	assert_int_equal(p->timer.hyp_irq, 26);
	assert_int_equal(p->timer.freq, 0);

	assert_string_equal(p->uart.path, "/pl011@9000000");
	expect_range(&p->uart.regs, 0x09000000, 0x1000);
	assert_int_equal(p->uart.irq, 33);

	assert_int_equal(p->psci.conduit, PSCI_CONDUIT_SMC);
	assert_int_equal(p->psci.cpu_on, PSCI_0_2_CPU_ON);

	assert_false(p->has_initrd);
	assert_int_equal(p->resv_count, 0);
	assert_string_equal(p->bootargs, "");
	if (p->warn_count)
		fail_msg("unexpected warning: %s", p->warn[0]);

	memset(&uart, 0, sizeof(uart));
	assert_int_equal(platform_find_uart(c->fdt, c->size, &uart), 0);
	assert_string_equal(uart.path, "/pl011@9000000");
	expect_range(&uart.regs, 0x09000000, 0x1000);
	assert_int_equal(uart.irq, 33);

	b = board_by_compatible(c->fdt);
	assert_non_null(b);
	assert_string_equal(b->name, "QEMU virt");
	assert_int_equal(b->early_uart, 0x09000000);
	assert_int_equal(b->ram_base, 0x40000000);
}

/* QEMU without virtualization=on: the console still works for the error. */
static void test_qemu_virt_without_virtualization(void **state)
{
	const struct virt_case *c = *state;
	struct plat_uart uart;
	const struct board *b;

	expect_check_ok(c->fdt, c->size);
	expect_parse_error(c->fdt, -ENODEV, "/intc@8000000", "GICH", "GICV",
			   "virtualization=on", NULL);
	assert_int_equal(platform_find_uart(c->fdt, c->size, &uart), 0);
	expect_range(&uart.regs, 0x09000000, 0x1000);
	assert_int_equal(uart.irq, 33);
	b = board_by_compatible(c->fdt);
	assert_non_null(b);
	assert_string_equal(b->name, "QEMU virt");
}

/* Memory */

static void test_no_memory(void **state)
{
	del_node(*state, "/memory@40000000");
	expect_parse_error(*state, -ENOENT, "no memory", "device_type", NULL);
}

static void test_memory_disabled(void **state)
{
	set_string(*state, "/memory@40000000", "status", "disabled");
	expect_parse_error(*state, -ENOENT, "no memory", NULL);
}

static void test_memory_two_banks(void **state)
{
	struct platform *p;

	set_cells(*state, "/memory@40000000", "reg", 8, 0, 0x40000000, 0, 0x20000000, 0,
		  0x80000000, 0, 0x40000000);
	p = parse_ok(*state);
	assert_int_equal(p->mem_count, 2);
	expect_range(&p->mem[0], 0x40000000, 0x20000000);
	expect_range(&p->mem[1], 0x80000000, 0x40000000);
}

static void test_memory_second_node_above_4g_and_empty_bank(void **state)
{
	void *fdt = *state;
	struct platform *p;

	add_node(fdt, "/", "memory@100000000");
	set_string(fdt, "/memory@100000000", "device_type", "memory");
	/* A zero-size bank is skipped, a 64-bit one kept whole. */
	set_cells(fdt, "/memory@100000000", "reg", 8, 0x1, 0x0, 0x0, 0x0, 0x1, 0x0, 0x1,
		  0x0);
	p = parse_ok(fdt);
	assert_int_equal(p->mem_count, 2);
	/* The new node comes first: fdt_add_subnode puts it before its siblings. */
	expect_range(&p->mem[0], 0x100000000ull, 0x100000000ull);
	expect_range(&p->mem[1], 0x40000000, 0x40000000);
}

static void test_memory_reg_malformed(void **state)
{
	set_cells(*state, "/memory@40000000", "reg", 5, 0, 0x40000000, 0, 0x40000000, 0);
	expect_parse_error(*state, -EINVAL, "/memory@40000000", "reg entry 0", NULL);
	set_cells(*state, "/memory@40000000", "reg", 3, 0, 0x40000000, 0);
	expect_parse_error(*state, -EINVAL, "/memory@40000000", "no usable reg", NULL);
	/* Base + size past 2^64. */
	set_cells(*state, "/memory@40000000", "reg", 4, 0xffffffff, 0xfffff000, 0, 0x2000);
	expect_parse_error(*state, -EINVAL, "/memory@40000000", "reg entry 0", NULL);
}

/* CPUs */

static void test_no_cpus(void **state)
{
	del_node(*state, "/cpus");
	expect_parse_error(*state, -ENOENT, "no /cpus", NULL);
}

static void test_cpus_without_cpu_nodes(void **state)
{
	del_node(*state, "/cpus/cpu@1");
	del_node(*state, "/cpus/cpu@0");
	expect_parse_error(*state, -ENOENT, "/cpus has no cpu", NULL);
}

static void test_cpu_mpidr_disabled_and_bad_reg(void **state)
{
	struct platform *p;

	set_cells(*state, "/cpus/cpu@1", "reg", 1, 0x101); /* cluster 1, core 1 */
	p = parse_ok(*state);
	assert_int_equal(p->cpu_count, 2);
	assert_int_equal(p->cpu_mpidr[0], 0);
	assert_int_equal(p->cpu_mpidr[1], 0x101);

	set_string(*state, "/cpus/cpu@0", "status", "disabled");
	p = parse_ok(*state);
	assert_int_equal(p->cpu_count, 1);
	assert_int_equal(p->cpu_mpidr[0], 0x101);

	set_cells(*state, "/cpus/cpu@1", "reg", 2, 0, 1);
	expect_parse_error(*state, -EINVAL, "/cpus/cpu@1", "reg", NULL);
	set_cells(*state, "/cpus", "#address-cells", 1, 3);
	expect_parse_error(*state, -EINVAL, "/cpus", "#address-cells", NULL);
}

static void test_more_cpus_than_supported(void **state)
{
	void *fdt = *state;
	char name[16], path[32];
	unsigned i;

	for (i = 2; i <= PLAT_MAX_CPUS; i++) {
		snprintf(name, sizeof(name), "cpu@%u", i);
		snprintf(path, sizeof(path), "/cpus/%s", name);
		add_node(fdt, "/cpus", name);
		set_string(fdt, path, "device_type", "cpu");
		set_cells(fdt, path, "reg", 1, i);
	}
	assert_int_equal(parse_ok(fdt)->cpu_count, PLAT_MAX_CPUS);
	assert_int_equal(plat.warn_count, 1);
	assert_contains(plat.warn[0], "more than 8 CPUs");
}

/* GIC */

static void test_gic_without_virtualization_regions(void **state)
{
	set_cells(*state, "/intc@8000000", "reg", 8, 0, 0x08000000, 0, 0x10000, 0, 0x08010000,
		  0, 0x10000);
	expect_parse_error(*state, -ENODEV, "/intc@8000000", "GICH", "virtualization=on",
			   NULL);
}

static void test_gic_one_region(void **state)
{
	set_cells(*state, "/intc@8000000", "reg", 4, 0, 0x08000000, 0, 0x10000);
	expect_parse_error(*state, -EINVAL, "/intc@8000000", "GICD and GICC", NULL);
}

static void test_no_gic(void **state)
{
	del_node(*state, "/intc@8000000");
	expect_parse_error(*state, -ENOENT, "no GICv2", NULL);
}

static void test_gic_disabled(void **state)
{
	set_string(*state, "/intc@8000000", "status", "disabled");
	expect_parse_error(*state, -ENOENT, "no GICv2", NULL);
}

static void test_gic_without_maintenance_irq(void **state)
{
	del_prop(*state, "/intc@8000000", "interrupts");
	expect_parse_error(*state, -EINVAL, "/intc@8000000", "maintenance interrupt", NULL);
}

static void test_gic_400_compatible(void **state)
{
	struct platform *p;

	set_string(*state, "/intc@8000000", "compatible", "arm,gic-400");
	p = parse_ok(*state);
	expect_range(&p->gic.gich, 0x08030000, 0x10000);
	assert_int_equal(p->gic.maint_irq, 25);
}

/* Timer */

static void test_no_timer(void **state)
{
	del_node(*state, "/timer");
	expect_parse_error(*state, -ENOENT, "timer", "arm,armv7-timer", NULL);
}

static void test_timer_irq_is_spi(void **state)
{
	set_cells(*state, "/timer", "interrupts", 12, 0, 13, 0x304, 1, 14, 0x304, 1, 11,
		  0x304, 1, 10, 0x304);
	expect_parse_error(*state, -EINVAL, "/timer", "interrupt 0", "not a PPI", NULL);
}

static void test_timer_three_irqs_and_frequency(void **state)
{
	set_cells(*state, "/timer", "clock-frequency", 1, 62500000);
	assert_int_equal(parse_ok(*state)->timer.freq, 62500000);
	set_cells(*state, "/timer", "interrupts", 9, 1, 13, 0x304, 1, 14, 0x304, 1, 11, 0x304);
	expect_parse_error(*state, -EINVAL, "/timer", "interrupt 3", NULL);
}

/* Console */

static void test_stdout_not_pl011(void **state)
{
	struct plat_uart uart;

	set_string(*state, "/chosen", "stdout-path", "/pl031@9010000");
	expect_parse_error(*state, -ENODEV, "/pl031@9010000", "arm,pl011", NULL);
	assert_int_equal(platform_find_uart(*state, fdt_totalsize(*state), &uart), -ENODEV);
}

static void test_stdout_with_options(void **state)
{
	struct platform *p;

	set_string(*state, "/chosen", "stdout-path", "/pl011@9000000:115200n8");
	p = parse_ok(*state);
	assert_string_equal(p->uart.path, "/pl011@9000000");
	expect_range(&p->uart.regs, 0x09000000, 0x1000);
	assert_int_equal(p->uart.irq, 33);
}

/*
 * platform/dt.c reads the host DTB through an index of its nodes, made in
 * its check's walk, which holds 1024 nodes at most 32 levels deep: a tree
 * beyond either is refused with the limit named, by platform_find_uart too.
 */
static void test_tree_beyond_the_index_refused(void **state)
{
	void *fdt = *state;
	struct plat_uart uart;
	char path[512] = "", name[8];
	int i, node, depth = 0, count = 0;

	for (i = 1; i < 32; i++) { /* the root is level 0 */
		add_node(fdt, i > 1 ? path : "/", "deep");
		strcat(path, "/deep");
	}
	parse_ok(fdt);
	add_node(fdt, path, "deep");
	expect_parse_error(fdt, -EINVAL, "DTB nests nodes deeper than 32 levels", NULL);
	assert_int_equal(platform_find_uart(fdt, fdt_totalsize(fdt), &uart), -EINVAL);

	del_node(fdt, "/deep");
	for (node = 0; node >= 0 && depth >= 0; node = fdt_next_node(fdt, node, &depth))
		count++;
	for (i = 0; count + i < 1024; i++) {
		snprintf(name, sizeof(name), "%x", i);
		add_node(fdt, "/", name);
	}
	parse_ok(fdt);
	add_node(fdt, "/", "last");
	expect_parse_error(fdt, -EINVAL, "DTB has more than 1024 nodes", NULL);
	assert_int_equal(platform_find_uart(fdt, fdt_totalsize(fdt), &uart), -EINVAL);
}

static void test_stdout_via_alias(void **state)
{
	void *fdt = *state;
	struct platform *p;

	add_node(fdt, "/", "aliases");
	set_string(fdt, "/aliases", "serial0", "/pl011@9000000");
	set_string(fdt, "/chosen", "stdout-path", "serial0:115200n8");
	p = parse_ok(fdt);
	assert_string_equal(p->uart.path, "/pl011@9000000");
	expect_range(&p->uart.regs, 0x09000000, 0x1000);

	set_string(fdt, "/chosen", "stdout-path", "serial0");
	assert_string_equal(parse_ok(fdt)->uart.path, "/pl011@9000000");
}

/* A second PL011 at 0x9040000, with no interrupt; it becomes the first
 * pl011 in the tree (fdt_add_subnode puts new nodes first). */
static void add_second_pl011(void *fdt)
{
	add_node(fdt, "/", "pl011@9040000");
	set_string(fdt, "/pl011@9040000", "compatible", "arm,pl011");
	set_cells(fdt, "/pl011@9040000", "reg", 4, 0, 0x09040000, 0, 0x1000);
}

static void test_stdout_missing_falls_back_to_first_pl011(void **state)
{
	void *fdt = *state;
	struct platform *p;

	del_prop(fdt, "/chosen", "stdout-path");
	p = parse_ok(fdt);
	assert_string_equal(p->uart.path, "/pl011@9000000");
	expect_range(&p->uart.regs, 0x09000000, 0x1000);

	add_second_pl011(fdt);
	p = parse_ok(fdt);
	assert_string_equal(p->uart.path, "/pl011@9040000");
	expect_range(&p->uart.regs, 0x09040000, 0x1000);
	assert_int_equal(p->uart.irq, 0);

	/* Disabled UARTs are passed over. */
	set_string(fdt, "/pl011@9040000", "status", "disabled");
	assert_string_equal(parse_ok(fdt)->uart.path, "/pl011@9000000");

	/* No /chosen at all. */
	del_node(fdt, "/chosen");
	assert_string_equal(parse_ok(fdt)->uart.path, "/pl011@9000000");
}

static void test_stdout_dangling_falls_back(void **state)
{
	set_string(*state, "/chosen", "stdout-path", "/serial@1c090000");
	assert_string_equal(parse_ok(*state)->uart.path, "/pl011@9000000");
}

static void test_linux_stdout_path(void **state)
{
	void *fdt = *state;

	add_second_pl011(fdt);
	del_prop(fdt, "/chosen", "stdout-path");
	set_string(fdt, "/chosen", "linux,stdout-path", "/pl011@9000000");
	assert_string_equal(parse_ok(fdt)->uart.path, "/pl011@9000000");
}

static void test_no_console(void **state)
{
	del_prop(*state, "/chosen", "stdout-path");
	del_node(*state, "/pl011@9000000");
	expect_parse_error(*state, -ENOENT, "no console", "stdout-path", NULL);
}

/* A device behind a bus whose ranges move it: /soc maps its 0x0..0xffffff
 * to 0x1c000000 (the root has 2 address cells, /soc 1). */
static void add_soc_bus(void *fdt)
{
	add_node(fdt, "/", "soc");
	set_string(fdt, "/soc", "compatible", "simple-bus");
	set_cells(fdt, "/soc", "#address-cells", 1, 1);
	set_cells(fdt, "/soc", "#size-cells", 1, 1);
	set_cells(fdt, "/soc", "ranges", 4, 0x0, 0x0, 0x1c000000, 0x1000000);
	add_node(fdt, "/soc", "uart@90000");
	set_string(fdt, "/soc/uart@90000", "compatible", "arm,pl011");
	set_cells(fdt, "/soc/uart@90000", "reg", 2, 0x90000, 0x1000);
	set_cells(fdt, "/soc/uart@90000", "interrupts", 3, 0, 5, 4);
	set_string(fdt, "/chosen", "stdout-path", "/soc/uart@90000");
}

static void test_bus_ranges_translate(void **state)
{
	struct platform *p;

	add_soc_bus(*state);
	p = parse_ok(*state);
	assert_string_equal(p->uart.path, "/soc/uart@90000");
	expect_range(&p->uart.regs, 0x1c090000, 0x1000);
	assert_int_equal(p->uart.irq, 37);
}

static void test_nested_bus_ranges_translate(void **state)
{
	void *fdt = *state;

	add_soc_bus(fdt);
	add_node(fdt, "/soc", "iofpga@80000");
	set_cells(fdt, "/soc/iofpga@80000", "#address-cells", 1, 1);
	set_cells(fdt, "/soc/iofpga@80000", "#size-cells", 1, 1);
	set_cells(fdt, "/soc/iofpga@80000", "ranges", 3, 0x0, 0x80000, 0x20000);
	add_node(fdt, "/soc/iofpga@80000", "uart@a000");
	set_string(fdt, "/soc/iofpga@80000/uart@a000", "compatible", "arm,pl011");
	set_cells(fdt, "/soc/iofpga@80000/uart@a000", "reg", 2, 0xa000, 0x1000);
	set_string(fdt, "/chosen", "stdout-path", "/soc/iofpga@80000/uart@a000");
	expect_range(&parse_ok(fdt)->uart.regs, 0x1c08a000, 0x1000);

	/* Empty ranges: the same addresses on both sides. */
	set_cells(fdt, "/soc/iofpga@80000", "ranges", 0);
	expect_range(&parse_ok(fdt)->uart.regs, 0x1c00a000, 0x1000);
}

static void test_bus_address_outside_ranges(void **state)
{
	add_soc_bus(*state);
	set_cells(*state, "/soc/uart@90000", "reg", 2, 0x1000000, 0x1000);
	expect_parse_error(*state, -EINVAL, "/soc/uart@90000", "reg", NULL);
}

/* A bus whose ranges put the UART's registers at the top of the 64-bit
 * space: translated past it, or ending past it, they are refused as the
 * same range is without a bus (found by test/fuzz: the range came back
 * wrapped around). */
static void test_bus_ranges_translate_past_the_top(void **state)
{
	add_soc_bus(*state);
	set_cells(*state, "/soc", "ranges", 4, 0x0, 0xffffffff, 0xfffff000, 0x100000);
	expect_parse_error(*state, -EINVAL, "/soc/uart@90000", "reg", NULL);
	set_cells(*state, "/soc/uart@90000", "reg", 2, 0xf00, 0x200);
	expect_parse_error(*state, -EINVAL, "/soc/uart@90000", "reg", NULL);
	set_cells(*state, "/soc/uart@90000", "reg", 2, 0xe00, 0x100);
	expect_range(&parse_ok(*state)->uart.regs, 0xfffffffffffffe00ull, 0x100);
}

/* A reg that starts inside a bus's window and ends past it has no
 * physical address as a whole. */
static void test_bus_reg_straddles_the_window(void **state)
{
	add_soc_bus(*state);
	set_cells(*state, "/soc/uart@90000", "reg", 2, 0xfff000, 0x2000);
	expect_parse_error(*state, -EINVAL, "/soc/uart@90000", "reg", NULL);
	set_cells(*state, "/soc/uart@90000", "reg", 2, 0xfff000, 0x1000);
	expect_range(&parse_ok(*state)->uart.regs, 0x1cfff000, 0x1000);
}

static void test_bus_without_ranges(void **state)
{
	add_soc_bus(*state);
	del_prop(*state, "/soc", "ranges");
	expect_parse_error(*state, -EINVAL, "/soc/uart@90000", "reg", NULL);
}

/* PSCI */

static void test_psci_variants(void **state)
{
	void *fdt = *state;
	struct platform *p;

	set_string(fdt, "/psci", "method", "hvc");
	assert_int_equal(parse_ok(fdt)->psci.conduit, PSCI_CONDUIT_HVC);

	/* PSCI 0.1: the node's own function IDs. */
	set_string(fdt, "/psci", "compatible", "arm,psci");
	set_cells(fdt, "/psci", "cpu_on", 1, 0x95c1ba60);
	p = parse_ok(fdt);
	assert_int_equal(p->psci.cpu_on, 0x95c1ba60);

	/* PSCI 0.2 without IDs in the node: the standard ones. */
	set_string(fdt, "/psci", "compatible", "arm,psci-0.2");
	del_prop(fdt, "/psci", "cpu_on");
	p = parse_ok(fdt);
	assert_int_equal(p->psci.cpu_on, PSCI_0_2_CPU_ON);

	set_string(fdt, "/psci", "method", "svc");
	expect_parse_error(fdt, -EINVAL, "PSCI", "method", NULL);
}

static void test_no_psci_is_a_warning(void **state)
{
	struct platform *p;

	del_node(*state, "/psci");
	p = parse_ok(*state);
	assert_int_equal(p->psci.conduit, PSCI_CONDUIT_NONE);
	assert_int_equal(p->warn_count, 1);
	assert_contains(p->warn[0], "no PSCI");
}

/* /chosen: bootargs and initrd */

static void test_bootargs(void **state)
{
	char long_args[400];

	set_string(*state, "/chosen", "bootargs", "console=ttyAMA0 lowvisor.log=debug");
	assert_string_equal(parse_ok(*state)->bootargs, "console=ttyAMA0 lowvisor.log=debug");

	memset(long_args, 'a', sizeof(long_args) - 1);
	long_args[sizeof(long_args) - 1] = '\0';
	set_string(*state, "/chosen", "bootargs", long_args);
	assert_int_equal(strlen(parse_ok(*state)->bootargs), sizeof(plat.bootargs) - 1);
}

static void test_initrd_one_cell(void **state)
{
	struct platform *p;

	set_cells(*state, "/chosen", "linux,initrd-start", 1, 0x48000000);
	set_cells(*state, "/chosen", "linux,initrd-end", 1, 0x48123456);
	p = parse_ok(*state);
	assert_true(p->has_initrd);
	expect_range(&p->initrd, 0x48000000, 0x123456);
}

static void test_initrd_two_cells(void **state)
{
	struct platform *p;

	set_cells(*state, "/chosen", "linux,initrd-start", 2, 0x1, 0x48000000);
	set_cells(*state, "/chosen", "linux,initrd-end", 2, 0x1, 0x48200000);
	p = parse_ok(*state);
	assert_true(p->has_initrd);
	expect_range(&p->initrd, 0x148000000ull, 0x200000);

	/* One of each works too. */
	set_cells(*state, "/chosen", "linux,initrd-start", 1, 0x48000000);
	set_cells(*state, "/chosen", "linux,initrd-end", 2, 0x0, 0x48001000);
	expect_range(&parse_ok(*state)->initrd, 0x48000000, 0x1000);
}

static void test_initrd_errors(void **state)
{
	void *fdt = *state;

	set_cells(fdt, "/chosen", "linux,initrd-start", 1, 0x48100000);
	set_cells(fdt, "/chosen", "linux,initrd-end", 1, 0x48000000);
	expect_parse_error(fdt, -EINVAL, "/chosen", "initrd-end is below", NULL);

	del_prop(fdt, "/chosen", "linux,initrd-start");
	expect_parse_error(fdt, -EINVAL, "/chosen", "initrd-start/end", NULL);

	set_cells(fdt, "/chosen", "linux,initrd-start", 3, 0, 0, 0x48000000);
	expect_parse_error(fdt, -EINVAL, "/chosen", "1 or 2 cells", NULL);

	/* Empty: start == end is no initrd, and no error. */
	set_cells(fdt, "/chosen", "linux,initrd-start", 1, 0x48000000);
	set_cells(fdt, "/chosen", "linux,initrd-end", 1, 0x48000000);
	assert_false(parse_ok(fdt)->has_initrd);
}

/* Reserved memory */

static void test_memreserve_entries(void **state)
{
	struct platform *p;

	assert_int_equal(fdt_add_mem_rsv(*state, 0x48000000, 0x100000), 0);
	assert_int_equal(fdt_add_mem_rsv(*state, 0x7f000000, 0x1000), 0);
	p = parse_ok(*state);
	assert_int_equal(p->resv_count, 2);
	expect_range(&p->resv[0], 0x48000000, 0x100000);
	expect_range(&p->resv[1], 0x7f000000, 0x1000);
}

static void test_reserved_memory_node(void **state)
{
	void *fdt = *state;
	struct platform *p;

	assert_int_equal(fdt_add_mem_rsv(fdt, 0x48000000, 0x100000), 0);
	add_node(fdt, "/", "reserved-memory");
	set_cells(fdt, "/reserved-memory", "#address-cells", 1, 2);
	set_cells(fdt, "/reserved-memory", "#size-cells", 1, 2);
	set_cells(fdt, "/reserved-memory", "ranges", 0);
	add_node(fdt, "/reserved-memory", "pool");
	set_cells(fdt, "/reserved-memory/pool", "size", 2, 0, 0x400000);
	add_node(fdt, "/reserved-memory", "secmon@7e000000");
	set_cells(fdt, "/reserved-memory/secmon@7e000000", "reg", 8, 0, 0x7e000000, 0,
		  0x200000, 0, 0x7f800000, 0, 0x1000);
	assert_int_equal(fdt_setprop(fdt, node_at(fdt, "/reserved-memory/secmon@7e000000"),
				     "no-map", NULL, 0), 0);
	p = parse_ok(fdt);
	assert_int_equal(p->resv_count, 3);
	expect_range(&p->resv[0], 0x48000000, 0x100000);
	expect_range(&p->resv[1], 0x7e000000, 0x200000);
	expect_range(&p->resv[2], 0x7f800000, 0x1000);
	/* A dynamic reservation (size, no reg) is not honoured, and says so. */
	assert_int_equal(p->warn_count, 1);
	assert_contains(p->warn[0], "/reserved-memory/pool");
	assert_contains(p->warn[0], "no reg");
}

static void test_too_many_reservations(void **state)
{
	unsigned i;

	for (i = 0; i < PLAT_MAX_RESV + 1; i++)
		assert_int_equal(fdt_add_mem_rsv(*state, 0x50000000 + i * 0x10000ull, 0x1000), 0);
	assert_int_equal(parse_ok(*state)->resv_count, PLAT_MAX_RESV);
	assert_int_equal(plat.warn_count, 1);
	assert_contains(plat.warn[0], "more than 16 reserved ranges");
}

/* passthrough_check on fdt, parsed into plat first as the host DTB is (its
 * node index is how dt_read_reg finds parents): err and exactly why. */
static int pt_check(const void *fdt, const char *path, const struct pt_avoid *avoid, unsigned n,
		    int err, const char *why)
{
	char msg[224] = "";
	int ret = passthrough_check(fdt, parse_ok(fdt), path, avoid, n, msg, sizeof(msg));

	if (err) {
		assert_string_equal(msg, why);
		assert_int_equal(ret, err);
	} else {
		assert_int_equal(ret, node_at(fdt, path));
	}
	return ret;
}

/* A device node of its own at base, 0x200 bytes. */
static void add_dev(void *fdt, const char *name, uint32_t base)
{
	char path[64];

	snprintf(path, sizeof(path), "/%s", name);
	add_node(fdt, "/", name);
	set_cells(fdt, path, "reg", 4, 0, base, 0, 0x200);
}

/* What is not a device: the root, RAM, reserved memory, the GIC Lowvisor
 * uses, and everything inside them; a node without reg; a disabled node. */
static void test_passthrough_only_devices(void **state)
{
	void *fdt = *state;

	add_node(fdt, "/", "reserved-memory");
	set_cells(fdt, "/reserved-memory", "#address-cells", 1, 2);
	set_cells(fdt, "/reserved-memory", "#size-cells", 1, 2);
	set_cells(fdt, "/reserved-memory", "ranges", 0);
	add_node(fdt, "/reserved-memory", "buf@48000000");
	set_cells(fdt, "/reserved-memory/buf@48000000", "reg", 4, 0, 0x48000000, 0, 0x100000);
	add_node(fdt, "/memory@40000000", "part");
	add_dev(fdt, "off@a200000", 0xa200000);
	set_string(fdt, "/off@a200000", "status", "disabled");
	pt_check(fdt, "/", NULL, 0, -EINVAL, "/: is the root of the host DT, not a device");
	pt_check(fdt, "/memory@40000000", NULL, 0, -EINVAL,
		 "/memory@40000000: is RAM (device_type \"memory\"), not a device");
	pt_check(fdt, "/memory@40000000/part", NULL, 0, -EINVAL,
		 "/memory@40000000/part: is in RAM (device_type \"memory\"), not a device");
	pt_check(fdt, "/reserved-memory", NULL, 0, -EINVAL,
		 "/reserved-memory: is reserved memory, not a device");
	pt_check(fdt, "/reserved-memory/buf@48000000", NULL, 0, -EINVAL,
		 "/reserved-memory/buf@48000000: is in reserved memory, not a device");
	pt_check(fdt, "/intc@8000000", NULL, 0, -EINVAL,
		 "/intc@8000000: is the GIC Lowvisor uses, not a device");
	/* The MSI frame would let the guest raise any SPI. */
	pt_check(fdt, "/intc@8000000/v2m@8020000", NULL, 0, -EINVAL,
		 "/intc@8000000/v2m@8020000: is in the GIC Lowvisor uses, not a device");
	pt_check(fdt, "/gpio-keys", NULL, 0, -EINVAL,
		 "/gpio-keys: has no reg: only a device with registers can be passed through");
	pt_check(fdt, "/off@a200000", NULL, 0, -EINVAL,
		 "/off@a200000: is disabled (status = \"disabled\")");
	set_string(fdt, "/off@a200000", "status", "fail");
	pt_check(fdt, "/off@a200000", NULL, 0, -EINVAL,
		 "/off@a200000: is disabled (status = \"fail\")");
	set_string(fdt, "/off@a200000", "status", "ok");
	pt_check(fdt, "/off@a200000", NULL, 0, 0, NULL);
	set_string(fdt, "/off@a200000", "status", "okay");
	pt_check(fdt, "/off@a200000", NULL, 0, 0, NULL);
	pt_check(fdt, "/nope", NULL, 0, -ENOENT, "no node /nope in the host DT");
	pt_check(fdt, "/virtio_mmio@a000000", NULL, 0, 0, NULL);
	pt_check(fdt, "/pl061@9030000", NULL, 0, 0, NULL);
}

/* A device's pages (any of its reg entries, rounded out to whole pages)
 * must not hold RAM, the GIC's or console's registers, or what the caller
 * names. */
static void test_passthrough_pages(void **state)
{
	static const struct pt_avoid avoid[] = {
		{ "the host DTB", { 0x0a200800, 0x10 } },
		{ "nothing", { 0x0a300000, 0 } },
		{ "the bundle", { 0x0a301000, 0x10 } },
	};
	void *fdt = *state;

	add_dev(fdt, "ram@3fffff00", 0x3fffff00);
	add_dev(fdt, "gich@8030100", 0x8030100);
	add_dev(fdt, "gicv@804fe00", 0x804fe00);
	add_dev(fdt, "dev@a200000", 0xa200000);
	add_dev(fdt, "dev@a300000", 0xa300000);
	add_dev(fdt, "bad@a400000", 0xa400000);
	set_cells(fdt, "/bad@a400000", "reg", 3, 0, 0xa400000, 0);
	pt_check(fdt, "/pl011@9000000", NULL, 0, -EBUSY,
		 "/pl011@9000000: reg 0 (0x09000000 + 0x00001000): its pages overlap the console "
		 "UART at 0x09000000 + 0x00001000");
	pt_check(fdt, "/ram@3fffff00", NULL, 0, -EBUSY,
		 "/ram@3fffff00: reg 0 (0x3fffff00 + 0x00000200): its pages overlap RAM at "
		 "0x40000000 + 0x40000000");
	pt_check(fdt, "/gich@8030100", NULL, 0, -EBUSY,
		 "/gich@8030100: reg 0 (0x08030100 + 0x00000200): its pages overlap the GIC "
		 "hypervisor interface at 0x08030000 + 0x00010000");
	/* 0x0804fe00 + 0x200 ends in GICV's last page, and the next starts it. */
	pt_check(fdt, "/gicv@804fe00", NULL, 0, -EBUSY,
		 "/gicv@804fe00: reg 0 (0x0804fe00 + 0x00000200): its pages overlap the GIC "
		 "virtual CPU interface at 0x08040000 + 0x00010000");
	set_cells(fdt, "/gicv@804fe00", "reg", 4, 0, 0x8050000, 0, 0x200);
	pt_check(fdt, "/gicv@804fe00", NULL, 0, 0, NULL);
	set_cells(fdt, "/gicv@804fe00", "reg", 4, 0, 0x800f000, 0, 0x2000);
	pt_check(fdt, "/gicv@804fe00", NULL, 0, -EBUSY,
		 "/gicv@804fe00: reg 0 (0x0800f000 + 0x00002000): its pages overlap the GIC "
		 "distributor at 0x08000000 + 0x00010000");
	/* The caller's ranges: a page shared without a byte in common counts. */
	pt_check(fdt, "/dev@a200000", avoid, 3, -EBUSY,
		 "/dev@a200000: reg 0 (0x0a200000 + 0x00000200): its pages overlap the host DTB "
		 "at 0x0a200800 + 0x00000010");
	pt_check(fdt, "/dev@a300000", avoid, 3, 0, NULL);
	/* The second reg entry. */
	set_cells(fdt, "/dev@a300000", "reg", 8, 0, 0xa300000, 0, 0x200, 0, 0xa301ff0, 0, 0x10);
	pt_check(fdt, "/dev@a300000", avoid, 3, -EBUSY,
		 "/dev@a300000: reg 1 (0x0a301ff0 + 0x00000010): its pages overlap the bundle at "
		 "0x0a301000 + 0x00000010");
	pt_check(fdt, "/bad@a400000", NULL, 0, -EINVAL,
		 "/bad@a400000: reg 0 cannot be read (malformed, or no physical address through "
		 "its buses' ranges)");
}

static void test_passthrough_shared_page(void **state)
{
	const void *fdt = *state;
	uint64_t page = 0;

	parse_ok(fdt);
	assert_true(passthrough_shared_page(fdt, node_at(fdt, "/virtio_mmio@a000000"),
					    node_at(fdt, "/virtio_mmio@a000200"), &page));
	assert_int_equal(page, 0x0a000000);
	assert_true(passthrough_shared_page(fdt, node_at(fdt, "/virtio_mmio@a003e00"),
					    node_at(fdt, "/virtio_mmio@a003000"), &page));
	assert_int_equal(page, 0x0a003000);
	assert_false(passthrough_shared_page(fdt, node_at(fdt, "/virtio_mmio@a000e00"),
					     node_at(fdt, "/virtio_mmio@a001000"), &page));
	assert_false(passthrough_shared_page(fdt, node_at(fdt, "/pl061@9030000"),
					     node_at(fdt, "/gpio-keys"), &page));
}

/* Sequential-write: a property of count 32-bit cells. */
static void sw_cells(void *fdt, const char *prop, int count, ...)
{
	fdt32_t cells[16];
	va_list ap;
	int i;

	assert_true(count <= 16);
	va_start(ap, count);
	for (i = 0; i < count; i++)
		cells[i] = cpu_to_fdt32(va_arg(ap, uint32_t));
	va_end(ap);
	assert_int_equal(fdt_property(fdt, prop, cells, count * (int)sizeof(cells[0])), 0);
}

static void sw_string(void *fdt, const char *prop, const char *value)
{
	assert_int_equal(fdt_property_string(fdt, prop, value), 0);
}

static void sw_begin(void *fdt, const char *name)
{
	assert_int_equal(fdt_begin_node(fdt, name), 0);
}

static void sw_end(void *fdt)
{
	assert_int_equal(fdt_end_node(fdt), 0);
}

/* A vexpress-like tree from scratch: 1-cell root, the console behind a
 * simple-bus, an alias for stdout-path, PSCI 0.1, a /memreserve/. */
static void *build_vexpress(void)
{
	static const char compat[] = "arm,vexpress,v2p-ca15,tc1\0arm,vexpress";
	static const char uart_compat[] = "arm,pl011\0arm,primecell";
	const int size = 8192;
	void *fdt = malloc(size);
	char name[16];
	unsigned i;

	assert_non_null(fdt);
	assert_int_equal(fdt_create(fdt, size), 0);
	assert_int_equal(fdt_add_reservemap_entry(fdt, 0x80000000, 0x8000), 0);
	assert_int_equal(fdt_finish_reservemap(fdt), 0);
	sw_begin(fdt, "");
	sw_string(fdt, "model", "V2P-CA15");
	assert_int_equal(fdt_property(fdt, "compatible", compat, sizeof(compat)), 0);
	sw_cells(fdt, "#address-cells", 1, 1);
	sw_cells(fdt, "#size-cells", 1, 1);

	sw_begin(fdt, "aliases");
	sw_string(fdt, "serial0", "/soc@1c000000/uart@90000");
	sw_end(fdt);

	sw_begin(fdt, "chosen");
	sw_string(fdt, "stdout-path", "serial0:38400n8");
	sw_string(fdt, "bootargs", "lowvisor.log=debug");
	sw_end(fdt);

	sw_begin(fdt, "memory@80000000");
	sw_string(fdt, "device_type", "memory");
	sw_cells(fdt, "reg", 2, 0x80000000, 0x40000000);
	sw_end(fdt);

	sw_begin(fdt, "cpus");
	sw_cells(fdt, "#address-cells", 1, 1);
	sw_cells(fdt, "#size-cells", 1, 0);
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "cpu@%u", i);
		sw_begin(fdt, name);
		sw_string(fdt, "device_type", "cpu");
		sw_string(fdt, "compatible", "arm,cortex-a15");
		sw_cells(fdt, "reg", 1, i);
		sw_end(fdt);
	}
	sw_end(fdt);

	sw_begin(fdt, "interrupt-controller@2c001000");
	sw_string(fdt, "compatible", "arm,cortex-a15-gic");
	sw_cells(fdt, "reg", 8, 0x2c001000, 0x1000, 0x2c002000, 0x2000, 0x2c004000, 0x2000,
		 0x2c006000, 0x2000);
	sw_cells(fdt, "interrupts", 3, 1, 9, 0xf04);
	sw_end(fdt);

	sw_begin(fdt, "timer");
	sw_string(fdt, "compatible", "arm,armv7-timer");
	sw_cells(fdt, "interrupts", 12, 1, 13, 0xf08, 1, 14, 0xf08, 1, 11, 0xf08, 1, 10, 0xf08);
	sw_cells(fdt, "clock-frequency", 1, 24000000);
	sw_end(fdt);

	sw_begin(fdt, "psci");
	sw_string(fdt, "compatible", "arm,psci");
	sw_string(fdt, "method", "smc");
	sw_cells(fdt, "cpu_on", 1, 0x95c1ba60);
	sw_cells(fdt, "cpu_off", 1, 0x95c1ba61);
	sw_end(fdt);

	sw_begin(fdt, "soc@1c000000");
	sw_string(fdt, "compatible", "simple-bus");
	sw_cells(fdt, "#address-cells", 1, 1);
	sw_cells(fdt, "#size-cells", 1, 1);
	sw_cells(fdt, "ranges", 3, 0x0, 0x1c000000, 0x1000000);
	sw_begin(fdt, "uart@90000");
	assert_int_equal(fdt_property(fdt, "compatible", uart_compat, sizeof(uart_compat)), 0);
	sw_cells(fdt, "reg", 2, 0x90000, 0x1000);
	sw_cells(fdt, "interrupts", 3, 0, 5, 4);
	sw_end(fdt);
	sw_end(fdt);

	sw_end(fdt);
	assert_int_equal(fdt_finish(fdt), 0);
	return fdt;
}

static int vexpress_setup(void **state)
{
	*state = build_vexpress();
	return 0;
}

static void test_vexpress_from_scratch(void **state)
{
	const void *fdt = *state;
	struct platform *p = parse_ok(fdt);
	const struct board *b;

	assert_string_equal(p->model, "V2P-CA15");
	assert_string_equal(p->compatible, "arm,vexpress,v2p-ca15,tc1");
	assert_int_equal(p->mem_count, 1);
	expect_range(&p->mem[0], 0x80000000, 0x40000000);
	assert_int_equal(p->cpu_count, 2);
	assert_int_equal(p->cpu_mpidr[1], 1);
	expect_range(&p->gic.gicd, 0x2c001000, 0x1000);
	expect_range(&p->gic.gicc, 0x2c002000, 0x2000);
	expect_range(&p->gic.gich, 0x2c004000, 0x2000);
	expect_range(&p->gic.gicv, 0x2c006000, 0x2000);
	assert_int_equal(p->gic.maint_irq, 25);
	assert_int_equal(p->timer.hyp_irq, 26);
	assert_int_equal(p->timer.freq, 24000000);
	assert_string_equal(p->uart.path, "/soc@1c000000/uart@90000");
	expect_range(&p->uart.regs, 0x1c090000, 0x1000);
	assert_int_equal(p->uart.irq, 37);
	assert_int_equal(p->psci.conduit, PSCI_CONDUIT_SMC);
	assert_int_equal(p->psci.cpu_on, 0x95c1ba60);
	assert_int_equal(p->resv_count, 1);
	expect_range(&p->resv[0], 0x80000000, 0x8000);
	assert_string_equal(p->bootargs, "lowvisor.log=debug");
	assert_int_equal(p->warn_count, 0);

	b = board_by_compatible(fdt);
	assert_non_null(b);
	assert_string_equal(b->name, "Versatile Express V2P-CA15");
	assert_int_equal(b->early_uart, p->uart.regs.base);
}

/* dt_check on damaged blobs */

static void expect_check_error(const void *fdt, size_t size, const char *needle)
{
	struct dt_status st = dt_check(fdt, size);
	struct plat_uart uart;

	if (!st.err)
		fail_msg("dt_check accepted it; expected a message with \"%s\"", needle);
	assert_int_equal(st.err, -EINVAL);
	assert_contains(st.msg, needle);
	/* Nothing else reads the blob once the check fails. */
	st = platform_parse(&plat, fdt, size);
	assert_int_equal(st.err, -EINVAL);
	assert_contains(st.msg, needle);
	assert_int_equal(platform_find_uart(fdt, size, &uart), -EINVAL);
}

static uint32_t *struct_word(void *fdt, int offset)
{
	return (uint32_t *)((char *)fdt + fdt_off_dt_struct(fdt) + offset);
}

static void test_corrupt_property_name(void **state)
{
	void *fdt = *state;
	int prop = fdt_first_property_offset(fdt, node_at(fdt, "/timer"));

	assert_true(prop >= 0);
	/* struct fdt_property: tag, len, nameoff. */
	*struct_word(fdt, prop + 8) = cpu_to_fdt32(fdt_size_dt_strings(fdt) + 64);
	expect_check_error(fdt, fdt_totalsize(fdt), "corrupt DTB");
	assert_contains(dt_check(fdt, fdt_totalsize(fdt)).msg, "bad property");
}

static void test_corrupt_tag(void **state)
{
	void *fdt = *state;
	int prop = fdt_first_property_offset(fdt, node_at(fdt, "/timer"));

	assert_true(prop >= 0);
	*struct_word(fdt, prop) = cpu_to_fdt32(0x0000000a);
	expect_check_error(fdt, fdt_totalsize(fdt), "corrupt DTB");
}

static void test_root_never_closed(void **state)
{
	void *fdt = *state;
	int end = (int)fdt_size_dt_struct(fdt) - 4;

	assert_int_equal(fdt32_to_cpu(*struct_word(fdt, end)), FDT_END);
	assert_int_equal(fdt32_to_cpu(*struct_word(fdt, end - 4)), FDT_END_NODE);
	*struct_word(fdt, end - 4) = cpu_to_fdt32(FDT_NOP);
	expect_check_error(fdt, fdt_totalsize(fdt), "structure block");
}

static void test_tag_after_root(void **state)
{
	void *fdt = *state;
	int end = (int)fdt_size_dt_struct(fdt) - 4;

	*struct_word(fdt, end) = cpu_to_fdt32(FDT_END_NODE);
	expect_check_error(fdt, fdt_totalsize(fdt), "structure block");
}

static void test_nops_are_fine(void **state)
{
	void *fdt = *state;

	assert_int_equal(fdt_nop_property(fdt, 0, "model"), 0);
	assert_int_equal(fdt_nop_node(fdt, node_at(fdt, "/pmu")), 0);
	expect_check_ok(fdt, fdt_totalsize(fdt));
	assert_string_equal(parse_ok(fdt)->model, "");
}

/* The blocks from offset from on (of a packed tree) moved by bytes
 * further; returns the new size. */
static uint32_t shift_blocks(char *fdt, uint32_t from, uint32_t bytes)
{
	uint32_t end = fdt_totalsize(fdt);

	memmove(fdt + from + bytes, fdt + from, end - from);
	if (fdt_off_mem_rsvmap(fdt) >= from)
		fdt_set_off_mem_rsvmap(fdt, fdt_off_mem_rsvmap(fdt) + bytes);
	fdt_set_off_dt_struct(fdt, fdt_off_dt_struct(fdt) + bytes);
	fdt_set_off_dt_strings(fdt, fdt_off_dt_strings(fdt) + bytes);
	fdt_set_totalsize(fdt, end + bytes);
	return end + bytes;
}

/* Blocks where libfdt would read words at addresses their types do not
 * allow: undefined behaviour in C, a fault on ARM for LDRD/LDM (found by
 * test/fuzz).  Every tag one byte off; the reservation block 4 bytes off
 * its 8. */
static void test_blocks_unaligned(void **state)
{
	char *fdt = *state, *copy;
	uint32_t size;

	assert_int_equal(fdt_pack(fdt), 0); /* the free space goes */
	copy = malloc(fdt_totalsize(fdt) + 4);
	assert_non_null(copy);
	memcpy(copy, fdt, fdt_totalsize(fdt));
	size = shift_blocks(fdt, fdt_off_dt_struct(fdt), 1);
	expect_check_error(fdt, size, "structure block at offset");
	assert_contains(dt_check(fdt, size).msg, "not 4-byte aligned");
	size = shift_blocks(copy, fdt_off_mem_rsvmap(copy), 4);
	expect_check_error(copy, size, "reservation block at offset");
	assert_contains(dt_check(copy, size).msg, "not 8-byte aligned");
	free(copy);
}

static void test_bad_magic(void **state)
{
	void *fdt = *state;

	*(uint32_t *)fdt = cpu_to_fdt32(0xfeedd00d);
	expect_check_error(fdt, fdt_totalsize(fdt), "header");
}

static void test_totalsize_beyond_buffer(void **state)
{
	void *fdt = *state;

	expect_check_error(fdt, fdt_totalsize(fdt) - 1, "claims");
	/* The header says more than the buffer holds. */
	fdt_set_totalsize(fdt, fdt_totalsize(fdt) + 4096);
	expect_check_error(fdt, fdt_totalsize(fdt) - 4096, "claims");
}

static void test_buffer_smaller_than_header(void **state)
{
	/* 16 bytes of a real header right before an unmapped page: reading
	 * the rest of the header would fault. */
	long page = sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *small = map + page - 16;

	(void)state;
	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + page, (size_t)page, PROT_NONE), 0);
	memcpy(small, virt, 16);
	expect_check_error(small, 16, "smaller than its header");
	munmap(map, (size_t)page * 2);
}

static void test_no_dtb(void **state)
{
	struct dt_status st = dt_check(NULL, 0);

	(void)state;
	assert_int_equal(st.err, -EINVAL);
	assert_contains(st.msg, "no device tree");
}

/* Boards */

static void test_board_by_compatible(void **state)
{
	static const char arndale[] = "insignal,arndale\0samsung,exynos5250";
	void *fdt = *state;
	const struct board *b;

	assert_int_equal(fdt_setprop(fdt, 0, "compatible", arndale, sizeof(arndale)), 0);
	b = board_by_compatible(fdt);
	assert_non_null(b);
	assert_string_equal(b->name, "Arndale (Exynos 5250)");
	assert_int_equal(b->early_uart, 0);

	set_string(fdt, "/", "compatible", "acme,unknown-board");
	assert_null(board_by_compatible(fdt));
}

static void test_board_by_address(void **state)
{
	const struct board *b;
	unsigned i;

	(void)state;
	b = board_by_address(0x40010000); /* where QEMU loads -kernel */
	assert_non_null(b);
	assert_string_equal(b->name, "QEMU virt");
	assert_null(board_by_address(0x0));
	assert_null(board_by_address(0x3fffffff));
	assert_null(board_by_address(0x100000000ull));
	assert_null(board_by_address(UINT64_MAX));

	for (i = 0; i < board_count; i++) {
		assert_non_null(boards[i].compatible);
		assert_non_null(boards[i].name);
		assert_non_null(boards[i].status);
		assert_true(boards[i].ram_size > 0);
		assert_non_null(board_by_address(boards[i].ram_base));
	}
}

#define EDIT(f) cmocka_unit_test_setup_teardown(f, copy_setup, copy_teardown)
#define VIRT(name_, file_, cpus_, mem_)                                                \
	{                                                                              \
		.name = "qemu_" name_, .test_func = test_qemu_virt,                    \
		.setup_func = virt_case_setup, .teardown_func = virt_case_teardown,    \
		.initial_state = &(struct virt_case){ .file = file_, .cpus = cpus_,    \
						      .mem = mem_ },                   \
	}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		VIRT("virt_smp1", "virt-smp1.dtb", 1, GiB(1)),
		VIRT("virt_smp2", "virt-smp2.dtb", 2, GiB(1)),
		VIRT("virt_smp4", "virt-smp4.dtb", 4, GiB(1)),
		VIRT("virt_smp8", "virt-smp8.dtb", 8, GiB(1)),
		VIRT("virt_m2048_smp2", "virt-m2048-smp2.dtb", 2, GiB(2)),
		{
			.name = "qemu_virt_without_virtualization",
			.test_func = test_qemu_virt_without_virtualization,
			.setup_func = virt_case_setup,
			.teardown_func = virt_case_teardown,
			.initial_state = &(struct virt_case){ .file = "virt-novirt-smp1.dtb" },
		},
		EDIT(test_no_memory),
		EDIT(test_memory_disabled),
		EDIT(test_memory_two_banks),
		EDIT(test_memory_second_node_above_4g_and_empty_bank),
		EDIT(test_memory_reg_malformed),
		EDIT(test_no_cpus),
		EDIT(test_cpus_without_cpu_nodes),
		EDIT(test_cpu_mpidr_disabled_and_bad_reg),
		EDIT(test_more_cpus_than_supported),
		EDIT(test_gic_without_virtualization_regions),
		EDIT(test_gic_one_region),
		EDIT(test_no_gic),
		EDIT(test_gic_disabled),
		EDIT(test_gic_without_maintenance_irq),
		EDIT(test_gic_400_compatible),
		EDIT(test_no_timer),
		EDIT(test_timer_irq_is_spi),
		EDIT(test_timer_three_irqs_and_frequency),
		EDIT(test_stdout_not_pl011),
		EDIT(test_stdout_with_options),
		EDIT(test_stdout_via_alias),
		EDIT(test_tree_beyond_the_index_refused),
		EDIT(test_stdout_missing_falls_back_to_first_pl011),
		EDIT(test_stdout_dangling_falls_back),
		EDIT(test_linux_stdout_path),
		EDIT(test_no_console),
		EDIT(test_bus_ranges_translate),
		EDIT(test_nested_bus_ranges_translate),
		EDIT(test_bus_address_outside_ranges),
		EDIT(test_bus_ranges_translate_past_the_top),
		EDIT(test_bus_reg_straddles_the_window),
		EDIT(test_bus_without_ranges),
		EDIT(test_psci_variants),
		EDIT(test_no_psci_is_a_warning),
		EDIT(test_bootargs),
		EDIT(test_initrd_one_cell),
		EDIT(test_initrd_two_cells),
		EDIT(test_initrd_errors),
		EDIT(test_memreserve_entries),
		EDIT(test_reserved_memory_node),
		EDIT(test_too_many_reservations),
		EDIT(test_passthrough_only_devices),
		EDIT(test_passthrough_pages),
		EDIT(test_passthrough_shared_page),
		cmocka_unit_test_setup_teardown(test_vexpress_from_scratch, vexpress_setup,
						copy_teardown),
		EDIT(test_corrupt_property_name),
		EDIT(test_corrupt_tag),
		EDIT(test_root_never_closed),
		EDIT(test_tag_after_root),
		EDIT(test_nops_are_fine),
		EDIT(test_blocks_unaligned),
		EDIT(test_bad_magic),
		EDIT(test_totalsize_beyond_buffer),
		cmocka_unit_test(test_buffer_smaller_than_header),
		cmocka_unit_test(test_no_dtb),
		EDIT(test_board_by_compatible),
		cmocka_unit_test(test_board_by_address),
	};

	if (argc > 1)
		dtb_dir = argv[1];
	else if (getenv("LOWVISOR_DTB_DIR"))
		dtb_dir = getenv("LOWVISOR_DTB_DIR");
	return cmocka_run_group_tests_name("platform", tests, group_setup, group_teardown);
}
