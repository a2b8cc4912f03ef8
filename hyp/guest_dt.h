/* SPDX-License-Identifier: MIT */
/*
 * The device tree each guest boots with, built from its vm_config: what
 * QEMU's virt machine gives a guest (DESIGN section 13), so kernels built
 * for virt -- Debian's armmp among them -- boot unchanged:
 *
 * /  #address-cells = #size-cells = <2>, compatible "linux,dummy-virt",
 *    model "Lowvisor VM NAME", interrupt-parent = <&gic>
 *   memory@BASE   device_type "memory", reg = <mem_base mem_size>
 *   cpus          #address-cells <1>, #size-cells <0>; cpu@N for each vCPU:
 *                 "arm,cortex-a15", device_type "cpu", reg = <N> (the vCPU's
 *                 MPIDR affinity), enable-method "psci"
 *   psci          "arm,psci-1.0", "arm,psci-0.2", "arm,psci", method "hvc",
 *                 and the PSCI 0.1 function IDs as QEMU gives them
 *   intc@GICD     "arm,cortex-a15-gic": GICD and GICC only (a guest has no
 *                 GICH/GICV), #interrupt-cells <3>, interrupt-controller
 *   timer         "arm,armv7-timer", PPIs 13 14 11 10 level-high with the CPU
 *                 mask of the vCPUs, always-on
 *   apb-pclk      fixed-clock, 24 MHz
 *   pl011@UART    "arm,pl011", "arm,primecell", SPI 1, clocks uartclk/apb_pclk
 *   chosen        bootargs (when set), stdout-path "/pl011@UART",
 *                 linux,initrd-start/-end (2 cells, with a ramdisk),
 *                 lowvisor,boot-count = <resets of this VM so far>,
 *                 lowvisor,vm-id = <the VM's id>
 *   ...           the configuration's guest-dt nodes (config.h), as they are
 *
 * The device addresses are vm->dev (QEMU virt's by default).
 */
#ifndef LOWVISOR_GUEST_DT_H
#define LOWVISOR_GUEST_DT_H

#include "config.h"
#include "types.h"

/* Phandles, as QEMU numbers them from 0x8000. */
#define GUEST_DT_PHANDLE_CLK 0x8000u
#define GUEST_DT_PHANDLE_GIC 0x8001u

/* PSCI 0.1 function IDs in the psci node: the PSCI 0.2 SMC32 IDs, as QEMU
 * writes them, so one hvc handler serves 0.1 and 0.2+ guests. */
#define GUEST_PSCI_CPU_SUSPEND 0x84000001u
#define GUEST_PSCI_CPU_OFF 0x84000002u
#define GUEST_PSCI_CPU_ON 0x84000003u
#define GUEST_PSCI_MIGRATE 0x84000005u

/*
 * Builds vm's device tree into buf (size bytes; GUEST_DTB_SIZE is always
 * enough), boot_count being how many times the VM was reset before this
 * boot.  The result is a complete DTB of fdt_totalsize(buf) bytes.
 * Returns 0, -ENOSPC when buf is too small, or -EINVAL for a vm_config
 * config_parse() would not produce (0 or more than VM_MAX_VCPUS vCPUs, a
 * guest-dt deeper than VM_GUEST_DT_MAX_DEPTH).  The guest-dt nodes, which
 * config_parse() checked, are copied from the bundle: it must still be
 * where it was parsed.
 */
int guest_dt_build(void *buf, size_t size, const struct vm_config *vm, uint32_t boot_count);

/* Whether a node called name at the root would clash with one
 * guest_dt_build() writes for vm: chosen, cpus, psci, timer, apb-pclk, the
 * GIC's and UART's intc@ADDR and pl011@ADDR, and memory with any unit
 * address (the VM's memory is for Lowvisor to describe). */
bool guest_dt_own_node(const struct vm_config *vm, const char *name);

/* Copies host DT node (its properties, not its children, without
 * interrupt-parent and phandle) under the root of the guest DT in buf:
 * passthrough.  0, -EEXIST, -ENOSPC or -EINVAL. */
int guest_dt_copy_node(void *buf, size_t size, const void *host, int node);

#endif
