// SPDX-License-Identifier: MIT
/*
 * The guest device-tree builder (hyp/config/guest_dt.c): the DTB is read back with
 * the host's libfdt, node by node and property by property, against what
 * QEMU's virt machine gives a guest; it must pass the same whole-tree check
 * as any DTB (dt_check), and platform_parse() must refuse it as a host tree,
 * since a guest's GIC has no GICH/GICV.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "platform.h"
#include "unit.h"

static uint8_t buf[GUEST_DTB_SIZE];
static struct vm_config vm;

/* A Linux VM as config_parse() makes it: 2 vCPUs, 128 MiB, a ramdisk. */
static int setup(void **state)
{
	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	memset(&vm, 0, sizeof(vm));
	strcpy(vm.name, "linux");
	vm.id = 3;
	vm.vcpus = 2;
	vm.cpus = 0x3;
	vm.mem_base = 0x40000000;
	vm.mem_size = 0x08000000;
	vm.dev = (struct vm_devices){ GUEST_GICD_BASE, GUEST_GICC_BASE, GUEST_UART_BASE };
	vm.has_ramdisk = true;
	vm.ramdisk.size = 0x2345;
	vm.ramdisk_ipa = 0x44000000;
	vm.kernel_ipa = vm.entry_ipa = 0x40008000;
	vm.dtb_ipa = 0x44003000;
	strcpy(vm.bootargs, "console=ttyAMA0 root=/dev/ram");
	return 0;
}

static void build(uint32_t boot_count)
{
	int err = guest_dt_build(buf, sizeof(buf), &vm, boot_count);

	if (err)
		fail_msg("guest_dt_build: %d", err);
	assert_int_equal(fdt_check_header(buf), 0);
	assert_true(fdt_totalsize(buf) <= sizeof(buf));
	assert_int_equal(dt_check(buf, fdt_totalsize(buf)).err, 0);
}

static int node(const char *path)
{
	int n = fdt_path_offset(buf, path);

	if (n < 0)
		fail_msg("no node %s: %s", path, fdt_strerror(n));
	return n;
}

static const void *prop(int n, const char *name, int *len)
{
	const void *p = fdt_getprop(buf, n, name, len);

	if (!p)
		fail_msg("%s has no %s", fdt_get_name(buf, n, NULL), name);
	return p;
}

/* Exactly these bytes (strings with their NULs). */
static void assert_bytes(int n, const char *name, const void *want, int len)
{
	int got;
	const void *p = prop(n, name, &got);

	assert_int_equal(got, len);
	assert_memory_equal(p, want, (size_t)len);
}

#define assert_strings(n, name, s) assert_bytes(n, name, s, (int)sizeof(s))

static void assert_str(int n, const char *name, const char *s)
{
	assert_bytes(n, name, s, (int)strlen(s) + 1);
}

static void assert_cells(int n, const char *name, const uint32_t *want, int count)
{
	int len, i;
	const fdt32_t *p = prop(n, name, &len);

	assert_int_equal(len, 4 * count);
	for (i = 0; i < count; i++)
		if (fdt32_to_cpu(p[i]) != want[i])
			fail_msg("%s: cell %d is 0x%x, want 0x%x", name, i, fdt32_to_cpu(p[i]),
				 want[i]);
}

static void assert_u32(int n, const char *name, uint32_t v)
{
	assert_cells(n, name, &v, 1);
}

static void assert_empty(int n, const char *name)
{
	assert_bytes(n, name, "", 0);
}

/* The node has exactly these properties, in any order. */
static void assert_prop_names(int n, const char *const *names)
{
	int p, count = 0, want = 0;

	while (names[want])
		want++;
	fdt_for_each_property_offset(p, buf, n) {
		const char *name;
		int i;

		assert_non_null(fdt_getprop_by_offset(buf, p, &name, NULL));
		for (i = 0; names[i] && strcmp(names[i], name); i++)
			;
		if (!names[i])
			fail_msg("%s has an unexpected property %s", fdt_get_name(buf, n, NULL),
				 name);
		count++;
	}
	assert_int_equal(count, want);
}

/* The node's children are exactly these, in this order. */
static void assert_children(int n, const char *const *names)
{
	int sub, i = 0;

	fdt_for_each_subnode(sub, buf, n) {
		if (!names[i])
			fail_msg("unexpected node %s", fdt_get_name(buf, sub, NULL));
		assert_string_equal(fdt_get_name(buf, sub, NULL), names[i]);
		i++;
	}
	assert_null(names[i]);
}

static void check_root(const char *model)
{
	static const char *const props[] = { "#address-cells", "#size-cells", "compatible",
					     "model", "interrupt-parent", NULL };
	static const char *const nodes[] = { "chosen", "memory@40000000", "cpus", "psci",
					     "intc@8000000", "timer", "apb-pclk", "pl011@9000000",
					     NULL };

	assert_prop_names(0, props);
	assert_u32(0, "#address-cells", 2);
	assert_u32(0, "#size-cells", 2);
	assert_str(0, "compatible", "linux,dummy-virt");
	assert_str(0, "model", model);
	assert_u32(0, "interrupt-parent", GUEST_DT_PHANDLE_GIC);
	assert_children(0, nodes);
	assert_int_equal(fdt_num_mem_rsv(buf), 0);
}

static void check_memory(void)
{
	static const char *const props[] = { "device_type", "reg", NULL };
	static const uint32_t reg[] = { 0, 0x40000000, 0, 0x08000000 };
	int n = node("/memory@40000000");

	assert_prop_names(n, props);
	assert_str(n, "device_type", "memory");
	assert_cells(n, "reg", reg, 4);
}

static void check_cpus(unsigned count)
{
	static const char *const props[] = { "#address-cells", "#size-cells", NULL };
	static const char *const cpu_props[] = { "device_type", "compatible", "reg",
						 "enable-method", NULL };
	const char *names[VM_MAX_VCPUS + 1] = { NULL };
	char storage[VM_MAX_VCPUS][16];
	int cpus = node("/cpus");
	unsigned i;

	assert_prop_names(cpus, props);
	assert_u32(cpus, "#address-cells", 1);
	assert_u32(cpus, "#size-cells", 0);
	for (i = 0; i < count; i++) {
		snprintf(storage[i], sizeof(storage[i]), "cpu@%u", i);
		names[i] = storage[i];
	}
	assert_children(cpus, names);
	for (i = 0; i < count; i++) {
		int n = fdt_subnode_offset(buf, cpus, storage[i]);

		assert_true(n >= 0);
		assert_prop_names(n, cpu_props);
		assert_str(n, "device_type", "cpu");
		assert_str(n, "compatible", "arm,cortex-a15");
		assert_u32(n, "reg", i);
		assert_str(n, "enable-method", "psci");
	}
}

static void check_psci(void)
{
	static const char *const props[] = { "compatible", "method", "cpu_suspend", "cpu_off",
					     "cpu_on", "migrate", NULL };
	int n = node("/psci");

	assert_prop_names(n, props);
	assert_strings(n, "compatible", "arm,psci-1.0\0arm,psci-0.2\0arm,psci");
	assert_str(n, "method", "hvc");
	assert_u32(n, "cpu_suspend", 0x84000001);
	assert_u32(n, "cpu_off", 0x84000002);
	assert_u32(n, "cpu_on", 0x84000003);
	assert_u32(n, "migrate", 0x84000005);
}

static void check_gic(const char *path, uint32_t gicd, uint32_t gicc)
{
	static const char *const props[] = { "compatible", "#interrupt-cells",
					     "interrupt-controller", "reg", "phandle", NULL };
	const uint32_t reg[] = { 0, gicd, 0, 0x10000, 0, gicc, 0, 0x2000 };
	int n = node(path);

	assert_prop_names(n, props);
	assert_str(n, "compatible", "arm,cortex-a15-gic");
	assert_u32(n, "#interrupt-cells", 3);
	assert_empty(n, "interrupt-controller");
	assert_cells(n, "reg", reg, 8);
	assert_u32(n, "phandle", GUEST_DT_PHANDLE_GIC);
	assert_int_equal(fdt_node_offset_by_phandle(buf, GUEST_DT_PHANDLE_GIC), n);
	assert_true(fdt_first_subnode(buf, n) < 0);
}

static void check_timer(unsigned vcpus)
{
	static const char *const props[] = { "compatible", "interrupts", "always-on", NULL };
	uint32_t flags = ((1u << vcpus) - 1) << 8 | 4;
	const uint32_t irqs[] = { 1, 13, flags, 1, 14, flags, 1, 11, flags, 1, 10, flags };
	int n = node("/timer");

	assert_prop_names(n, props);
	assert_str(n, "compatible", "arm,armv7-timer");
	assert_cells(n, "interrupts", irqs, 12);
	assert_empty(n, "always-on");
}

static void check_clock(void)
{
	static const char *const props[] = { "compatible", "#clock-cells", "clock-frequency",
					     "clock-output-names", "phandle", NULL };
	int n = node("/apb-pclk");

	assert_prop_names(n, props);
	assert_str(n, "compatible", "fixed-clock");
	assert_u32(n, "#clock-cells", 0);
	assert_u32(n, "clock-frequency", 24000000);
	assert_str(n, "clock-output-names", "clk24mhz");
	assert_u32(n, "phandle", GUEST_DT_PHANDLE_CLK);
	assert_int_equal(fdt_node_offset_by_phandle(buf, GUEST_DT_PHANDLE_CLK), n);
}

static void check_uart(const char *path, uint32_t base)
{
	static const char *const props[] = { "compatible", "reg", "interrupts", "clocks",
					     "clock-names", NULL };
	static const uint32_t irq[] = { 0, 1, 4 };
	static const uint32_t clocks[] = { GUEST_DT_PHANDLE_CLK, GUEST_DT_PHANDLE_CLK };
	const uint32_t reg[] = { 0, base, 0, 0x1000 };
	int n = node(path);

	assert_prop_names(n, props);
	assert_strings(n, "compatible", "arm,pl011\0arm,primecell");
	assert_cells(n, "reg", reg, 4);
	assert_cells(n, "interrupts", irq, 3);
	assert_cells(n, "clocks", clocks, 2);
	assert_strings(n, "clock-names", "uartclk\0apb_pclk");
}

static void test_linux_vm(void **state)
{
	static const char *const chosen_props[] = { "bootargs", "stdout-path",
						    "linux,initrd-start", "linux,initrd-end",
						    "lowvisor,boot-count", "lowvisor,vm-id", NULL };
	static const uint32_t start[] = { 0, 0x44000000 }, end[] = { 0, 0x44002345 };
	int chosen;

	(void)state;
	build(5);
	print_message("  guest DTB: %u bytes\n", fdt_totalsize(buf));
	check_root("Lowvisor VM linux");
	check_memory();
	check_cpus(2);
	check_psci();
	check_gic("/intc@8000000", 0x08000000, 0x08010000);
	check_timer(2);
	check_clock();
	check_uart("/pl011@9000000", 0x09000000);

	chosen = node("/chosen");
	assert_prop_names(chosen, chosen_props);
	assert_str(chosen, "bootargs", "console=ttyAMA0 root=/dev/ram");
	assert_str(chosen, "stdout-path", "/pl011@9000000");
	assert_int_equal(fdt_path_offset(buf, "/pl011@9000000"), node("/pl011@9000000"));
	assert_cells(chosen, "linux,initrd-start", start, 2);
	assert_cells(chosen, "linux,initrd-end", end, 2);
	assert_u32(chosen, "lowvisor,boot-count", 5);
	assert_u32(chosen, "lowvisor,vm-id", 3);
}

/* The timer PPIs' CPU mask follows the vCPU count, as QEMU's does. */
static void test_vcpu_counts(void **state)
{
	unsigned n;

	(void)state;
	for (n = 1; n <= VM_MAX_VCPUS; n++) {
		vm.vcpus = n;
		build(0);
		check_cpus(n);
		check_timer(n);
	}
	/* The values QEMU writes for 1, 2, 4 and 8 CPUs. */
	for (n = 1; n <= VM_MAX_VCPUS; n *= 2) {
		const fdt32_t *irqs;

		vm.vcpus = n;
		build(0);
		irqs = fdt_getprop(buf, node("/timer"), "interrupts", NULL);
		assert_non_null(irqs);
		assert_int_equal(fdt32_to_cpu(irqs[2]),
				 n == 1 ? 0x104 : n == 2 ? 0x304 : n == 4 ? 0xf04 : 0xff04);
	}
}

static void test_no_ramdisk_no_bootargs(void **state)
{
	static const char *const chosen_props[] = { "stdout-path", "lowvisor,boot-count",
						    "lowvisor,vm-id", NULL };

	(void)state;
	vm.has_ramdisk = false;
	vm.ramdisk_ipa = 0;
	vm.bootargs[0] = '\0';
	build(0);
	assert_prop_names(node("/chosen"), chosen_props);
	assert_u32(node("/chosen"), "lowvisor,boot-count", 0);
}

/* Other device addresses (a vexpress-like layout) and RAM above 4 GiB. */
static void test_device_addresses(void **state)
{
	static const uint32_t reg[] = { 0x1, 0x00000000, 0, 0x08000000 };
	int chosen;

	(void)state;
	vm.dev = (struct vm_devices){ 0x2c001000, 0x2c002000, 0x1c090000 };
	vm.mem_base = 0x100000000ull;
	vm.has_ramdisk = false;
	build(1);
	check_gic("/intc@2c001000", 0x2c001000, 0x2c002000);
	check_uart("/pl011@1c090000", 0x1c090000);
	assert_cells(node("/memory@100000000"), "reg", reg, 4);
	chosen = node("/chosen");
	assert_str(chosen, "stdout-path", "/pl011@1c090000");
}

/* The largest configuration still fits in GUEST_DTB_SIZE, with room. */
static void test_largest_fits(void **state)
{
	(void)state;
	vm.vcpus = VM_MAX_VCPUS;
	memset(vm.name, 'n', VM_NAME_MAX - 1);
	vm.name[VM_NAME_MAX - 1] = '\0';
	memset(vm.bootargs, 'b', VM_BOOTARGS_MAX - 1);
	vm.bootargs[VM_BOOTARGS_MAX - 1] = '\0';
	build(0xffffffffu);
	print_message("  largest guest DTB: %u bytes of %u\n", fdt_totalsize(buf),
		      (unsigned)GUEST_DTB_SIZE);
	assert_true(fdt_totalsize(buf) < GUEST_DTB_SIZE / 2);
	assert_str(node("/chosen"), "bootargs", vm.bootargs);
	assert_u32(node("/chosen"), "lowvisor,boot-count", 0xffffffffu);
}

static void test_buffer_too_small(void **state)
{
	uint32_t size;

	(void)state;
	build(0);
	size = fdt_totalsize(buf);
	assert_int_equal(guest_dt_build(buf, size, &vm, 0), 0);
	assert_int_equal(fdt_totalsize(buf), size);
	assert_int_equal(guest_dt_build(buf, size - 1, &vm, 0), -ENOSPC);
	assert_int_equal(guest_dt_build(buf, 256, &vm, 0), -ENOSPC);
	assert_int_equal(guest_dt_build(buf, 0, &vm, 0), -ENOSPC);
}

static void test_bad_vcpus(void **state)
{
	(void)state;
	vm.vcpus = 0;
	assert_int_equal(guest_dt_build(buf, sizeof(buf), &vm, 0), -EINVAL);
	vm.vcpus = VM_MAX_VCPUS + 1;
	assert_int_equal(guest_dt_build(buf, sizeof(buf), &vm, 0), -EINVAL);
}

/* Same input, same bytes; the boot count is the only thing a reset
 * changes. */
static void test_deterministic(void **state)
{
	static uint8_t first[GUEST_DTB_SIZE];

	(void)state;
	build(7);
	memcpy(first, buf, sizeof(buf));
	build(8);
	assert_int_equal(fdt_totalsize(buf), fdt_totalsize(first));
	assert_memory_not_equal(buf, first, fdt_totalsize(buf));
	assert_int_equal(fdt_setprop_inplace_u32(buf, node("/chosen"), "lowvisor,boot-count", 7),
			 0);
	assert_memory_equal(buf, first, fdt_totalsize(buf));
}

/* A guest's tree describes a GIC without virtualization extensions: as a
 * host tree it is refused at the GIC, after memory and CPUs were read. */
static void test_not_a_host_tree(void **state)
{
	static struct platform p;
	struct plat_uart uart;
	struct dt_status st;

	(void)state;
	build(0);
	st = platform_parse(&p, buf, fdt_totalsize(buf));
	assert_int_equal(st.err, -ENODEV);
	assert_contains(st.msg, "/intc@8000000: reg has no GICH and GICV regions");
	assert_int_equal(p.mem_count, 1);
	assert_int_equal(p.mem[0].base, 0x40000000);
	assert_int_equal(p.mem[0].size, 0x08000000);
	assert_int_equal(p.cpu_count, 2);
	/* The console is found the way the host finds its own. */
	assert_int_equal(platform_find_uart(buf, fdt_totalsize(buf), &uart), 0);
	assert_string_equal(uart.path, "/pl011@9000000");
	assert_int_equal(uart.regs.base, 0x09000000);
	assert_int_equal(uart.irq, 33);
}

/* A guest-dt fragment as a bundle holds it: "guest-dt" with children
 * (names at each level: top-level "keys" with a child "button"), plus
 * chain levels of "deep" nodes below "keys/button". */
static uint8_t frag[4096];

static int build_fragment(unsigned chain)
{
	const fdt32_t irq[3] = { cpu_to_fdt32(0), cpu_to_fdt32(80), cpu_to_fdt32(1) };
	unsigned i;

	assert_int_equal(fdt_create(frag, sizeof(frag)), 0);
	assert_int_equal(fdt_finish_reservemap(frag), 0);
	assert_int_equal(fdt_begin_node(frag, ""), 0);
	assert_int_equal(fdt_begin_node(frag, "guest-dt"), 0);
	assert_int_equal(fdt_begin_node(frag, "keys"), 0);
	assert_int_equal(fdt_property_string(frag, "compatible", "gpio-keys"), 0);
	assert_int_equal(fdt_property(frag, "autorepeat", NULL, 0), 0);
	assert_int_equal(fdt_begin_node(frag, "button"), 0);
	assert_int_equal(fdt_property_string(frag, "label", "lowvisor-irq"), 0);
	assert_int_equal(fdt_property(frag, "interrupts", irq, sizeof(irq)), 0);
	for (i = 0; i < chain; i++)
		assert_int_equal(fdt_begin_node(frag, "deep"), 0);
	for (i = 0; i < chain; i++)
		assert_int_equal(fdt_end_node(frag), 0);
	assert_int_equal(fdt_end_node(frag), 0);
	assert_int_equal(fdt_end_node(frag), 0);
	assert_int_equal(fdt_begin_node(frag, "second@1"), 0);
	assert_int_equal(fdt_property_u32(frag, "phandle", 1), 0);
	assert_int_equal(fdt_end_node(frag), 0);
	assert_int_equal(fdt_end_node(frag), 0);
	assert_int_equal(fdt_end_node(frag), 0);
	assert_int_equal(fdt_finish(frag), 0);
	vm.guest_dt_fit = frag;
	vm.guest_dt_node = fdt_path_offset(frag, "/guest-dt");
	assert_true(vm.guest_dt_node > 0);
	return vm.guest_dt_node;
}

/* The configuration's nodes come after Lowvisor's, as they are. */
static void test_guest_dt_nodes(void **state)
{
	static const char *const nodes[] = { "chosen", "memory@40000000", "cpus", "psci",
					     "intc@8000000", "timer", "apb-pclk", "pl011@9000000",
					     "keys", "second@1", NULL };
	static const char *const keys_props[] = { "compatible", "autorepeat", NULL };
	static const char *const button_props[] = { "label", "interrupts", NULL };
	static const uint32_t irq[] = { 0, 80, 1 };
	int n;

	(void)state;
	build_fragment(0);
	build(0);
	assert_children(0, nodes);
	n = node("/keys");
	assert_prop_names(n, keys_props);
	assert_str(n, "compatible", "gpio-keys");
	assert_empty(n, "autorepeat");
	n = node("/keys/button");
	assert_prop_names(n, button_props);
	assert_str(n, "label", "lowvisor-irq");
	assert_cells(n, "interrupts", irq, 3);
	assert_true(fdt_first_subnode(buf, n) < 0);
	assert_int_equal(fdt_node_offset_by_phandle(buf, 1), node("/second@1"));
	/* Lowvisor's part is what it was. */
	check_gic("/intc@8000000", 0x08000000, 0x08010000);
	check_uart("/pl011@9000000", 0x09000000);
}

/* The copy's recursion is bounded on its own, whatever the caller passed. */
static void test_guest_dt_depth_bound(void **state)
{
	(void)state;
	build_fragment(VM_GUEST_DT_MAX_DEPTH - 2); /* keys/button/deep/deep: 4 levels */
	build(0);
	assert_true(fdt_path_offset(buf, "/keys/button/deep/deep") >= 0);
	build_fragment(VM_GUEST_DT_MAX_DEPTH - 1);
	assert_int_equal(guest_dt_build(buf, sizeof(buf), &vm, 0), -EINVAL);
}

/* guest_dt_own_node() names exactly the root nodes the builder writes (and
 * memory at any address). */
static void test_own_nodes(void **state)
{
	static const char *const others[] = { "keys", "pl011@9040000", "intc", "intc@8010000",
					      "timers", "chosen-one", "memory-controller", "" };
	int n;
	size_t i;

	(void)state;
	build(0);
	fdt_for_each_subnode(n, buf, 0) {
		const char *name = fdt_get_name(buf, n, NULL);

		if (!guest_dt_own_node(&vm, name))
			fail_msg("%s is written by the builder, but not reported as its own", name);
	}
	assert_true(guest_dt_own_node(&vm, "memory@80000000"));
	assert_true(guest_dt_own_node(&vm, "memory"));
	for (i = 0; i < ARRAY_SIZE(others); i++)
		if (guest_dt_own_node(&vm, others[i]))
			fail_msg("%s is not a node the builder writes", others[i]);
	/* The device addresses are the VM's. */
	vm.dev = (struct vm_devices){ 0x2c001000, 0x2c002000, 0x1c090000 };
	assert_true(guest_dt_own_node(&vm, "pl011@1c090000"));
	assert_true(guest_dt_own_node(&vm, "intc@2c001000"));
	assert_false(guest_dt_own_node(&vm, "pl011@9000000"));
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_linux_vm),
		T(test_vcpu_counts),
		T(test_no_ramdisk_no_bootargs),
		T(test_device_addresses),
		T(test_largest_fits),
		T(test_buffer_too_small),
		T(test_bad_vcpus),
		T(test_deterministic),
		T(test_not_a_host_tree),
		T(test_guest_dt_nodes),
		T(test_guest_dt_depth_bound),
		T(test_own_nodes),
	};

	return cmocka_run_group_tests_name("guest_dt", tests, NULL, NULL);
}
