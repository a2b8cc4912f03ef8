/* SPDX-License-Identifier: MIT */
/*
 * A system configuration, parsed from a bundle (a FIT made by mkimage from
 * configs/NAME.its): the images, and the /lowvisor/vms nodes, one per VM in
 * the order of their node, which is the VM id.  Plain C over libfdt, tested
 * on the host.  Every error names the VM (or image) and the property; a VM
 * with an error is left out and the others still start.
 *
 * /lowvisor {
 *     console = "prefix" | "focus";        (optional, default "prefix")
 *     poweroff = "last-vm" | "never";      (optional, default "never": power
 *                                           the machine off when the last VM
 *                                           stops, or never)
 *     vms {
 *         NAME {                           (the node name is the VM's name)
 *             management;                  (optional)
 *             vcpus = <N>;                 (1..VM_MAX_VCPUS)
 *             cpus = <MASK>;               (physical CPUs it may run on;
 *                                           optional, default all)
 *             slice-us = <US>;             (optional: its vCPUs' turn on a
 *                                           shared CPU, SLICE_US_MIN..
 *                                           SLICE_US_MAX; default
 *                                           lowvisor.slice_us)
 *             priority = <P>;              (optional, 0..RUNQ_PRIO_MAX,
 *                                           default 0: a runnable vCPU of a
 *                                           higher priority runs first and
 *                                           preempts lower ones at once)
 *             memory = <IPA_HI IPA_LO SIZE_HI SIZE_LO>  or  <IPA SIZE>;
 *                                          (4 KiB aligned, below 1 << 40,
 *                                           clear of the guest's devices)
 *             identity;                    (optional: IPA == PA, for DMA)
 *             kernel = "IMAGE";            (an image under /images)
 *             ramdisk = "IMAGE";           (optional)
 *             bootargs = "...";            (optional)
 *             passthrough = "/PATH", ...;  (optional: host DT devices given
 *                                           to the VM, at most
 *                                           VM_MAX_PASSTHROUGH; checked
 *                                           against the host DT when the VM
 *                                           is created, hyp/passthrough.h)
 *             guest-dt {                   (optional: device nodes for the
 *                 NODE { ... };             guest's DT, see below)
 *             };
 *         };
 *     };
 * };
 *
 * guest-dt: each child node, with its whole subtree, is copied as it is
 * into the root of the VM's device tree, after the nodes Lowvisor writes
 * (guest_dt.h): a device the guest's stock driver binds to, such as an
 * interrupt-only node for an interrupt the management VM injects with
 * IRQ_LINE.  Lowvisor maps nothing for these nodes: a `reg` is only what
 * the guest is told.  The node holds nodes only (a property of guest-dt
 * itself is an error), and is checked when the bundle is read:
 * - at most VM_GUEST_DT_MAX_NODES nodes, VM_GUEST_DT_MAX_DEPTH levels
 *   deep, taking at most VM_GUEST_DT_MAX_SIZE bytes of the guest's DTB
 *   (so the whole DTB always fits in GUEST_DTB_SIZE), node names of the
 *   characters dtc allows, no two siblings with one name;
 * - a top-level node must not have the name of a node Lowvisor writes
 *   (chosen, cpus, psci, timer, apb-pclk, intc@..., pl011@...; any
 *   memory@...: the VM's memory is Lowvisor's to describe) nor that of a
 *   passthrough node;
 * - interrupts go to the VM's vGIC: an `interrupt-parent`, if given, is
 *   the GIC's phandle (GUEST_DT_PHANDLE_GIC, 0x8001); `interrupts` are GIC
 *   triples <type number flags>: an SPI (type 0) is one of the VM's
 *   GUEST_SPIS (number 0 .. GUEST_SPIS - 1, ID 32 + number), not the
 *   virtual UART's (GUEST_UART_SPI), rising-edge (1) or level-high (4), as
 *   Linux's GIC driver requires; a PPI (type 1) is 0..15 and not one of
 *   the timer's (GUEST_TIMER_PPIS); `interrupts-extended` entries are
 *   <GIC-phandle type number flags>, read the same way;
 * - a `phandle` (or `linux,phandle`) is one cell and not one of Lowvisor's
 *   (GUEST_DT_PHANDLE_CLK 0x8000, GUEST_DT_PHANDLE_GIC 0x8001); nodes may
 *   refer to those two by number, and to each other by label (dtc gives
 *   the bundle's labelled nodes phandles from 1).
 * Integer properties (vcpus, cpus, slice-us, priority) are one 32-bit cell;
 * a string there is named as one ("two" is 4 bytes, as a cell is).
 *
 * An SPI of a guest-dt node that is also one of the VM's passthrough SPIs
 * is found when the VM is created (the host DT says which those are): the
 * VM is not started.
 *
 * Unknown properties are warnings, not errors: a newer configuration still
 * starts on an older hypervisor.  Bad /lowvisor properties are warnings too
 * (the default is used); only the VMs can be left out.
 *
 * Where things go in a VM's memory (all IPAs; computed into struct
 * vm_config so the loader, the guest DT builder and the tests agree):
 *
 * - The kernel at its image's `load`; without one, at mem_base +
 *   GUEST_KERNEL_OFFSET (0x8000, the zImage convention: the decompressor
 *   finds its page tables below and relocates itself if needed).  An image
 *   of type "kernel_noload" always goes there, and its `entry` is an offset
 *   into the image, as U-Boot does.  The entry point is the image's `entry`,
 *   else the kernel's first byte; it must lie inside the loaded kernel.
 * - The ramdisk at its image's `load`; without one, as QEMU does, at
 *   mem_base + min(mem_size / 2, 128 MiB) (rounded up to 4 KiB): above the
 *   decompressed kernel, inside Linux's low memory.
 * - The guest DTB (GUEST_DTB_SIZE reserved) right after the ramdisk, 4 KiB
 *   aligned; without a ramdisk, where the default ramdisk would go (QEMU's
 *   place for it too).  If that is outside memory or overlaps the kernel, it
 *   goes right after the highest image instead.  Linux wants it 8-byte
 *   aligned and in low memory, which the first place gives.
 * Everything must lie inside the VM's memory, below 4 GiB (a guest starts
 * with its MMU off, and r2 holds the DTB's address), and not overlap, or
 * the VM is left out with a message saying which.  The VM's memory itself
 * may reach above 4 GiB, for LPAE guests.
 *
 * What the parser cannot check: for `identity` VMs, that the memory is
 * free physical RAM, clear of the hypervisor, the host DTB, the bundle and
 * other identity VMs; and, for all VMs, that there is enough RAM for all of
 * them.  The page allocator answers both when the VMs' memory is allocated
 * (vm creation), and that failure is reported there, naming the VM.
 */
#ifndef LOWVISOR_CONFIG_H
#define LOWVISOR_CONFIG_H

#include "bundle.h"
#include "types.h"

#define VM_NAME_MAX 32
#define VM_MAX_VCPUS 8 /* a GICv2 distributor targets at most 8 CPU interfaces */
#define VM_BOOTARGS_MAX 256
#define VM_MAX_PASSTHROUGH 4
#define VM_PATH_MAX 64
#define CONFIG_MAX_VMS 320
#define CONFIG_MSG_MAX 224
#define CONFIG_MAX_ERRORS 16
#define CONFIG_MAX_WARNINGS 8
#define VM_GUEST_DT_MAX_NODES 32
#define VM_GUEST_DT_MAX_DEPTH 4 /* a top-level node is level 1 */
#define VM_GUEST_DT_MAX_SIZE KiB(4)

#define GUEST_IPA_BITS 40

/* What a guest sees by default (DESIGN section 13, as on QEMU virt). */
#define GUEST_GICD_BASE 0x08000000u
#define GUEST_GICD_SIZE 0x10000u
#define GUEST_GICC_BASE 0x08010000u
#define GUEST_GICC_SIZE 0x2000u
#define GUEST_UART_BASE 0x09000000u
#define GUEST_UART_SIZE 0x1000u
#define GUEST_SPIS 96u    /* SPIs of a VM's vGIC: numbers 0..95, IDs 32..127 */
#define GUEST_UART_SPI 1u /* the virtual PL011's: ID 33 */
/* The generic timer's PPIs (secure, non-secure, virtual, hyp; ID 16 + n). */
#define GUEST_TIMER_PPIS { 13u, 14u, 11u, 10u }

/* Placement, see above. */
#define GUEST_KERNEL_OFFSET 0x8000u
#define GUEST_RAMDISK_OFFSET_MAX MiB(128)
#define GUEST_DTB_SIZE KiB(16) /* room reserved for, and largest, guest DTB */

/* Guest IPAs of the devices every VM has. */
struct vm_devices {
	uint64_t gicd, gicc, uart;
};

struct vm_config {
	char name[VM_NAME_MAX];
	unsigned id; /* position under /lowvisor/vms, kept when others are left out */
	bool management;
	bool identity;
	unsigned vcpus;
	uint32_t cpus; /* physical CPUs, always a subset of the machine's */
	uint32_t slice_us; /* 0: the system's (lowvisor.slice_us) */
	unsigned priority;
	uint64_t mem_base, mem_size; /* IPA */
	struct vm_devices dev;
	struct bundle_image kernel;
	bool has_ramdisk;
	struct bundle_image ramdisk;
	char bootargs[VM_BOOTARGS_MAX];
	/* Host DT nodes given to this VM (passthrough = "/path", ...): mapped
	 * at the same IPA, their SPIs hardware-mapped, copied into its DT. */
	unsigned passthrough_count;
	char passthrough[VM_MAX_PASSTHROUGH][VM_PATH_MAX];
	/* Nodes for its DT (guest-dt, checked): the children of node
	 * guest_dt_node of the bundle at guest_dt_fit; NULL without.  Bit n of
	 * guest_dt_spis: SPI n (ID 32 + n) is an interrupt of one of them. */
	const void *guest_dt_fit;
	int guest_dt_node;
	uint32_t guest_dt_spis[(GUEST_SPIS + 31) / 32];

	/* Computed placement (IPAs), see above. */
	uint64_t kernel_ipa;
	uint64_t entry_ipa;
	uint64_t ramdisk_ipa; /* 0 without a ramdisk */
	uint64_t dtb_ipa;     /* GUEST_DTB_SIZE bytes reserved */
};

enum console_mode {
	CONSOLE_PREFIX,
	CONSOLE_FOCUS,
};

struct system_config {
	enum console_mode console;
	bool poweroff_when_last_stops;
	unsigned vm_count;    /* VMs that parsed cleanly */
	unsigned error_count; /* VMs left out */
};

/*
 * One message per problem; the caller logs them (errors at error level,
 * warnings at warning level).  count and warn_count count every problem,
 * also those beyond the kept ones.  About 5 KiB: not for a small stack.
 */
struct config_errors {
	unsigned count;
	char msg[CONFIG_MAX_ERRORS][CONFIG_MSG_MAX];
	unsigned warn_count;
	char warn[CONFIG_MAX_WARNINGS][CONFIG_MSG_MAX];
};

/*
 * Parses the bundle (size bytes at bundle; nothing is trusted before
 * bundle_open() has checked it) into sys and vms[0 .. sys->vm_count - 1],
 * in node order, each with the id of its node.  cpu_count is the number of
 * physical CPUs (for `cpus`).  At most max_vms VMs are kept; further ones
 * are errors.  errs receives the messages.
 *
 * Returns 0 when /lowvisor/vms was read, even if VMs were left out
 * (sys->error_count) or none is left (sys->vm_count == 0); -EINVAL when the
 * bundle cannot be used at all (not a valid FIT, no /lowvisor/vms, no VM in
 * it), with the reason in errs->msg[0].
 *
 * The image data pointers in vms point into the bundle, which must stay
 * where it is while the VMs use them.
 */
int config_parse(struct system_config *sys, struct vm_config *vms, unsigned max_vms,
		 const void *bundle, size_t size, unsigned cpu_count, struct config_errors *errs);

#endif
