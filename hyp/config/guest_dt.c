// SPDX-License-Identifier: MIT
/*
 * A guest's device tree, written with libfdt's sequential-write API: one
 * function per node, in the order the nodes appear.  Values follow what
 * QEMU's virt machine writes (hw/arm/virt.c), so a kernel cannot tell the
 * difference where it matters.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "uapi/lowvisor.h"

#define TRY(expr)                          \
	do {                               \
		int err_ = (expr);         \
		if (err_)                  \
			return err_;       \
	} while (0)

#define APB_PCLK_HZ 24000000u

/* Property values with embedded NULs: sizeof keeps the last one. */
#define PROP_STRINGS(fdt, name, s) fdt_property(fdt, name, s, sizeof(s))
/* An empty property: its value is a pointer memcpy may be given, not NULL. */
#define PROP_EMPTY(fdt, name) fdt_property(fdt, name, "", 0)

/* "name@ADDR" with the unit address in hex without leading zeros. */
static void node_name(char *buf, size_t len, const char *name, uint64_t addr)
{
	if (addr >> 32)
		snprintf(buf, len, "%s@%lx%08lx", name, (unsigned long)(addr >> 32),
			 (unsigned long)(uint32_t)addr);
	else
		snprintf(buf, len, "%s@%lx", name, (unsigned long)addr);
}

/* Begins node "name@ADDR". */
static int begin_node_at(void *fdt, const char *name, uint64_t addr)
{
	char buf[32];

	node_name(buf, sizeof(buf), name, addr);
	return fdt_begin_node(fdt, buf);
}

/* reg = <addr size> pairs, 2 cells each. */
static int prop_reg(void *fdt, const uint64_t *pairs, unsigned count)
{
	fdt64_t cells[4];
	unsigned i;

	for (i = 0; i < 2 * count; i++)
		cells[i] = cpu_to_fdt64(pairs[i]);
	return fdt_property(fdt, "reg", cells, (int)(2 * count * sizeof(fdt64_t)));
}

static int prop_irq(void *fdt, uint32_t type, uint32_t num, uint32_t flags)
{
	fdt32_t cells[3] = { cpu_to_fdt32(type), cpu_to_fdt32(num), cpu_to_fdt32(flags) };

	return fdt_property(fdt, "interrupts", cells, sizeof(cells));
}

static int add_root_props(void *fdt, const struct vm_config *vm)
{
	char model[VM_NAME_MAX + 16];

	snprintf(model, sizeof(model), "Lowvisor VM %s", vm->name);
	TRY(fdt_property_u32(fdt, "#address-cells", 2));
	TRY(fdt_property_u32(fdt, "#size-cells", 2));
	TRY(fdt_property_string(fdt, "compatible", "linux,dummy-virt"));
	TRY(fdt_property_string(fdt, "model", model));
	return fdt_property_u32(fdt, "interrupt-parent", GUEST_DT_PHANDLE_GIC);
}

static int add_chosen(void *fdt, const struct vm_config *vm, uint32_t boot_count)
{
	char uart[32];

	node_name(uart, sizeof(uart), "/pl011", vm->dev.uart);
	TRY(fdt_begin_node(fdt, "chosen"));
	if (vm->bootargs[0])
		TRY(fdt_property_string(fdt, "bootargs", vm->bootargs));
	TRY(fdt_property_string(fdt, "stdout-path", uart));
	if (vm->has_ramdisk) {
		TRY(fdt_property_u64(fdt, "linux,initrd-start", vm->ramdisk_ipa));
		TRY(fdt_property_u64(fdt, "linux,initrd-end", vm->ramdisk_ipa + vm->ramdisk.size));
	}
	TRY(fdt_property_u32(fdt, "lowvisor,boot-count", boot_count));
	TRY(fdt_property_u32(fdt, "lowvisor,vm-id", vm->id));
	return fdt_end_node(fdt);
}

static int add_memory(void *fdt, const struct vm_config *vm, uint32_t boot_count __unused)
{
	uint64_t reg[2] = { vm->mem_base, vm->mem_size };

	TRY(begin_node_at(fdt, "memory", vm->mem_base));
	TRY(fdt_property_string(fdt, "device_type", "memory"));
	TRY(prop_reg(fdt, reg, 1));
	return fdt_end_node(fdt);
}

static int add_cpus(void *fdt, const struct vm_config *vm, uint32_t boot_count __unused)
{
	char name[16];
	unsigned i;

	TRY(fdt_begin_node(fdt, "cpus"));
	TRY(fdt_property_u32(fdt, "#address-cells", 1));
	TRY(fdt_property_u32(fdt, "#size-cells", 0));
	for (i = 0; i < vm->vcpus; i++) {
		snprintf(name, sizeof(name), "cpu@%u", i);
		TRY(fdt_begin_node(fdt, name));
		TRY(fdt_property_string(fdt, "device_type", "cpu"));
		TRY(fdt_property_string(fdt, "compatible", "arm,cortex-a15"));
		TRY(fdt_property_u32(fdt, "reg", i));
		TRY(fdt_property_string(fdt, "enable-method", "psci"));
		TRY(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int add_psci(void *fdt, const struct vm_config *vm __unused, uint32_t boot_count __unused)
{
	TRY(fdt_begin_node(fdt, "psci"));
	TRY(PROP_STRINGS(fdt, "compatible", "arm,psci-1.0\0arm,psci-0.2\0arm,psci"));
	TRY(fdt_property_string(fdt, "method", "hvc"));
	/* PSCI 0.1 function IDs: the 0.2 SMC32 ones, as QEMU writes them,
	 * so one hvc handler serves 0.1 and 0.2+ guests. */
	TRY(fdt_property_u32(fdt, "cpu_suspend", PSCI_0_2_FN_CPU_SUSPEND));
	TRY(fdt_property_u32(fdt, "cpu_off", PSCI_0_2_FN_CPU_OFF));
	TRY(fdt_property_u32(fdt, "cpu_on", PSCI_0_2_FN_CPU_ON));
	TRY(fdt_property_u32(fdt, "migrate", PSCI_0_2_FN_MIGRATE));
	return fdt_end_node(fdt);
}

static int add_gic(void *fdt, const struct vm_config *vm, uint32_t boot_count __unused)
{
	uint64_t reg[4] = { vm->dev.gicd, GUEST_GICD_SIZE, vm->dev.gicc, GUEST_GICC_SIZE };

	TRY(begin_node_at(fdt, "intc", vm->dev.gicd));
	TRY(fdt_property_string(fdt, "compatible", "arm,cortex-a15-gic"));
	TRY(fdt_property_u32(fdt, "#interrupt-cells", 3));
	TRY(PROP_EMPTY(fdt, "interrupt-controller"));
	TRY(prop_reg(fdt, reg, 2));
	TRY(fdt_property_u32(fdt, "phandle", GUEST_DT_PHANDLE_GIC));
	return fdt_end_node(fdt);
}

/* Secure, non-secure, virtual and hyp physical timer PPIs; the flags carry
 * the mask of CPUs the PPI goes to, as for a GICv2 (QEMU does the same). */
static int add_timer(void *fdt, const struct vm_config *vm, uint32_t boot_count __unused)
{
	static const uint32_t ppis[4] = GUEST_TIMER_PPIS;
	uint32_t flags = ((1u << vm->vcpus) - 1) << 8 | IRQ_LEVEL_HIGH;
	fdt32_t cells[12];
	unsigned i;

	for (i = 0; i < 4; i++) {
		cells[3 * i] = cpu_to_fdt32(GIC_PPI);
		cells[3 * i + 1] = cpu_to_fdt32(ppis[i]);
		cells[3 * i + 2] = cpu_to_fdt32(flags);
	}
	TRY(fdt_begin_node(fdt, "timer"));
	TRY(fdt_property_string(fdt, "compatible", "arm,armv7-timer"));
	TRY(fdt_property(fdt, "interrupts", cells, sizeof(cells)));
	TRY(PROP_EMPTY(fdt, "always-on"));
	return fdt_end_node(fdt);
}

static int add_clock(void *fdt, const struct vm_config *vm __unused, uint32_t boot_count __unused)
{
	TRY(fdt_begin_node(fdt, "apb-pclk"));
	TRY(fdt_property_string(fdt, "compatible", "fixed-clock"));
	TRY(fdt_property_u32(fdt, "#clock-cells", 0));
	TRY(fdt_property_u32(fdt, "clock-frequency", APB_PCLK_HZ));
	TRY(fdt_property_string(fdt, "clock-output-names", "clk24mhz"));
	TRY(fdt_property_u32(fdt, "phandle", GUEST_DT_PHANDLE_CLK));
	return fdt_end_node(fdt);
}

static int add_uart(void *fdt, const struct vm_config *vm, uint32_t boot_count __unused)
{
	uint64_t reg[2] = { vm->dev.uart, GUEST_UART_SIZE };
	fdt32_t clocks[2] = { cpu_to_fdt32(GUEST_DT_PHANDLE_CLK),
			      cpu_to_fdt32(GUEST_DT_PHANDLE_CLK) };

	TRY(begin_node_at(fdt, "pl011", vm->dev.uart));
	TRY(PROP_STRINGS(fdt, "compatible", "arm,pl011\0arm,primecell"));
	TRY(prop_reg(fdt, reg, 1));
	TRY(prop_irq(fdt, GIC_SPI, GUEST_UART_SPI, IRQ_LEVEL_HIGH));
	TRY(fdt_property(fdt, "clocks", clocks, sizeof(clocks)));
	TRY(PROP_STRINGS(fdt, "clock-names", "uartclk\0apb_pclk"));
	return fdt_end_node(fdt);
}

/* Its virtio devices (config.h), as QEMU virt writes its transports; and
 * for a backend, the node of its ring's interrupt. */
static int add_virtio(void *fdt, const struct vm_config *vm, uint32_t boot_count __unused)
{
	unsigned i;

	for (i = 0; i < vm->virtio_count; i++) {
		uint64_t reg[2] = { LOWVISOR_VIRTIO_BASE + i * LOWVISOR_VIRTIO_SIZE,
				    LOWVISOR_VIRTIO_SIZE };

		TRY(begin_node_at(fdt, "virtio_mmio", reg[0]));
		TRY(fdt_property_string(fdt, "compatible", "virtio,mmio"));
		TRY(PROP_EMPTY(fdt, "dma-coherent"));
		TRY(prop_reg(fdt, reg, 1));
		TRY(prop_irq(fdt, GIC_SPI, LOWVISOR_VIRTIO_SPI + i, IRQ_EDGE_RISING));
		TRY(fdt_end_node(fdt));
	}
	if (!vm->backend)
		return 0;
	TRY(fdt_begin_node(fdt, "lowvisor-ioreq"));
	TRY(fdt_property_string(fdt, "compatible", "lowvisor,ioreq"));
	TRY(prop_irq(fdt, GIC_SPI, LOWVISOR_IOREQ_SPI, IRQ_EDGE_RISING));
	return fdt_end_node(fdt);
}

/* The subtree at node of fit as it is: its properties, then its children.
 * config_parse() checked it; the depth is bounded again here because this
 * recursion runs on the hypervisor's stack. */
static int copy_subtree(void *fdt, const void *fit, int node, unsigned depth)
{
	const char *name = fdt_get_name(fit, node, NULL);
	int prop, sub;

	if (!name || depth > VM_GUEST_DT_MAX_DEPTH)
		return -FDT_ERR_BADSTRUCTURE;
	TRY(fdt_begin_node(fdt, name));
	fdt_for_each_property_offset(prop, fit, node) {
		const char *pname;
		int len;
		const void *val = fdt_getprop_by_offset(fit, prop, &pname, &len);

		if (!val)
			return -FDT_ERR_BADSTRUCTURE;
		TRY(fdt_property(fdt, pname, val, len));
	}
	fdt_for_each_subnode(sub, fit, node)
		TRY(copy_subtree(fdt, fit, sub, depth + 1));
	return fdt_end_node(fdt);
}

/* The configuration's own nodes (guest-dt, config.h), after Lowvisor's. */
static int add_guest_dt(void *fdt, const struct vm_config *vm, uint32_t boot_count __unused)
{
	int sub;

	if (!vm->guest_dt_fit)
		return 0;
	fdt_for_each_subnode(sub, vm->guest_dt_fit, vm->guest_dt_node)
		TRY(copy_subtree(fdt, vm->guest_dt_fit, sub, 1));
	return 0;
}

static int build(void *fdt, int size, const struct vm_config *vm, uint32_t boot_count)
{
	static int (*const nodes[])(void *, const struct vm_config *, uint32_t) = {
		add_chosen, add_memory, add_cpus,  add_psci,     add_gic,
		add_timer,  add_clock,  add_uart, add_virtio, add_guest_dt,
	};
	size_t i;

	/* Property names not looked up in the strings block: libfdt scans it a
	 * byte at a time for each one, 150,000 instructions a VM. */
	TRY(fdt_create_with_flags(fdt, size, FDT_CREATE_FLAG_NO_NAME_DEDUP));
	TRY(fdt_finish_reservemap(fdt));
	TRY(fdt_begin_node(fdt, ""));
	TRY(add_root_props(fdt, vm));
	for (i = 0; i < ARRAY_SIZE(nodes); i++)
		TRY(nodes[i](fdt, vm, boot_count));
	TRY(fdt_end_node(fdt));
	return fdt_finish(fdt);
}

int guest_dt_build(void *buf, size_t size, const struct vm_config *vm, uint32_t boot_count)
{
	int err;

	if (vm->vcpus < 1 || vm->vcpus > VM_MAX_VCPUS)
		return -EINVAL;
	if (size > INT32_MAX)
		size = INT32_MAX;
	err = build(buf, (int)size, vm, boot_count);
	if (err == -FDT_ERR_NOSPACE)
		return -ENOSPC;
	return err ? -EINVAL : 0;
}

bool guest_dt_own_node(const struct vm_config *vm, const char *name)
{
	static const char *const fixed[] = { "chosen", "cpus", "psci", "timer", "apb-pclk",
					     "lowvisor-ioreq" };
	char own[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		if (!strcmp(name, fixed[i]))
			return true;
	if (!strcmp(name, "memory") || !strncmp(name, "memory@", 7))
		return true;
	node_name(own, sizeof(own), "intc", vm->dev.gicd);
	if (!strcmp(name, own))
		return true;
	node_name(own, sizeof(own), "pl011", vm->dev.uart);
	return !strcmp(name, own);
}

int guest_dt_copy_node(void *buf, size_t size, const void *host, int node)
{
	const char *name = fdt_get_name(host, node, NULL);
	int prop, err, dst;

	if (!name)
		return -EINVAL;
	err = fdt_open_into(buf, buf, (int)size);
	if (err)
		return -ENOSPC;
	dst = fdt_add_subnode(buf, 0, name);
	if (dst < 0)
		return dst == -FDT_ERR_EXISTS ? -EEXIST : -ENOSPC;
	fdt_for_each_property_offset(prop, host, node) {
		const char *pname;
		int len;
		const void *val = fdt_getprop_by_offset(host, prop, &pname, &len);

		/* Phandles are the host's: the guest's root interrupt-parent
		 * (its GIC) serves instead. */
		if (!val || !strcmp(pname, "interrupt-parent") || !strcmp(pname, "phandle"))
			continue;
		if (fdt_setprop(buf, dst, pname, val, len))
			return -ENOSPC;
	}
	return 0;
}
