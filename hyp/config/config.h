/* SPDX-License-Identifier: MIT */
/*
 * hyp/config/: what is read at boot and never after, the room's whole
 * interface: the boot options, the bundle (a FIT: its images and their
 * hashes), the system configuration in it, each guest's device tree, and
 * the checks on passthrough nodes.  Plain C over libfdt, tested on the host
 * and fuzzed (test/fuzz).  Includes include/ and platform/.
 */
#ifndef LOWVISOR_CONFIG_H
#define LOWVISOR_CONFIG_H

#include "log.h"
#include "platform.h" /* struct dt_status, dt_check() */
#include "types.h"
#include "uapi/lowvisor.h"

/*
 * Hypervisor options from the host's /chosen/bootargs: words of the form
 * lowvisor.NAME=VALUE.  Other words belong to no one here and are ignored.
 *
 *   lowvisor.log=error|warn|info|debug   log level (default info)
 *   lowvisor.tick_hz=N                   housekeeping tick rate, 1..10000 (default 100)
 *   lowvisor.slice_us=N                  a vCPU's turn on a shared CPU, in
 *                                        microseconds, SLICE_US_MIN..SLICE_US_MAX
 *                                        (default SLICE_US_DEFAULT); a VM's
 *                                        `slice-us` overrides it
 *   lowvisor.fault=1                     take a deliberate data abort after
 *                                        boot, to check the register dump
 */

struct hyp_options {
	enum log_level log_level;
	unsigned tick_hz;
	unsigned slice_us;
	unsigned fault;
};

#define SLICE_US_MIN 100
#define SLICE_US_MAX 1000000
#define SLICE_US_DEFAULT 5000

#define OPTIONS_WARN_MAX 4

struct options_warnings {
	unsigned count;
	char msg[OPTIONS_WARN_MAX][96];
};

void options_default(struct hyp_options *o);
/* Applies every lowvisor.* word of args; a bad one is skipped and described
 * in w, the others still apply. */
void options_parse(struct hyp_options *o, const char *args, struct options_warnings *w);

/*
 * A bundle is a FIT: the DTB `mkimage -f configs/NAME.its NAME.itb` makes.
 * It comes from outside (QEMU -initrd, U-Boot, the default linked into
 * hyp.bin), so bundle_open() checks the whole blob before anything is read,
 * and bundle_image_get() checks an image fully -- its data inside the
 * bundle, compression "none", every hash node -- before its data is used.
 *
 * mkimage itself insists on a root `description`; the reader does not.
 * An image node, as mkimage writes it:
 *
 * /images/NAME {
 *     data = [...];                  or, with mkimage -E, data-size = <N> and
 *                                    data-offset = <OFF> (from the end of the
 *                                    FDT, 4-byte aligned) or, with -p,
 *                                    data-position = <POS> (from the start)
 *     type = "kernel";               (optional; any string, kept for checks)
 *     arch = "arm";                  (optional; anything else is refused)
 *     compression = "none";          (optional; anything else is refused)
 *     load = <ADDR>;  entry = <ADDR>;  (optional; 1 or 2 cells)
 *     hash-1 { algo = "sha256" | "crc32"; value = [...]; };
 *                                    (every subnode whose name starts with
 *                                    "hash"; none is allowed)
 * };
 */

#define BUNDLE_NAME_MAX 64
#define BUNDLE_TYPE_MAX 24

/* An image of the bundle, as found under /images and checked. */
struct bundle_image {
	char name[BUNDLE_NAME_MAX]; /* the node's name */
	char type[BUNDLE_TYPE_MAX]; /* "" when the node has no type */
	const void *data;           /* inside the bundle */
	uint32_t size;
	bool has_load, has_entry;
	uint64_t load;  /* guest IPA */
	uint64_t entry; /* guest IPA */
	unsigned hash_count; /* hash nodes checked; 0 means nothing vouches for it */
};

#define BUNDLE_HASHED_MAX 8

struct bundle {
	const void *fit;
	size_t size; /* bytes readable at fit: the FDT and any external data */
	int images;  /* offset of /images */
	/* Images whose hashes matched (their nodes) and how many each has:
	 * an image that many VMs run is hashed once. */
	unsigned hashed_count;
	int hashed[BUNDLE_HASHED_MAX];
	unsigned hashed_hashes[BUNDLE_HASHED_MAX];
};

/*
 * Checks fit as a bundle of at most size bytes: dt_check() (header,
 * totalsize within size, every tag) and an /images node.  Messages start
 * with "bundle: ".  err is 0, or -EINVAL.
 */
struct dt_status bundle_open(struct bundle *b, const void *fit, size_t size);

/*
 * Finds /images/NAME and fills img after checking it.  err is 0, -ENOENT
 * ("no image 'NAME' under /images") or -EINVAL (a message naming the image
 * and, for hashes, the hash node).
 */
struct dt_status bundle_image_get(struct bundle *b, const char *name, struct bundle_image *img);

/*
 * Property readers for FIT-like trees, shared with config.c.  Each returns
 * 0, -ENOENT when the property is absent, or -EINVAL when it is malformed
 * (a string without its NUL or empty, a cell count other than allowed).
 */
int bundle_prop_str(const void *fit, int node, const char *name, const char **out);
int bundle_prop_u32(const void *fit, int node, const char *name, uint32_t *out);
/* 1 or 2 cells. */
int bundle_prop_u64(const void *fit, int node, const char *name, uint64_t *out);

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
 *             priority = <P>;              (optional, 0..CONFIG_PRIO_MAX,
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
 *                                           is created, hyp/config/config.h)
 *             guest-dt {                   (optional: device nodes for the
 *                 NODE { ... };             guest's DT, see below)
 *             };
 *             virtio {                     (optional: emulated devices, at
 *                 NAME {                    most VM_MAX_VIRTIO, served by a
 *                     type = "block";       management VM: see below)
 *                     backend = "VM";
 *                 };
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
#define GUEST_VTIMER_PPI 11u /* the virtual timer's: ID 27 (VGIC_VTIMER_IRQ) */
#define GUEST_TIMER_PPIS { 13u, 14u, GUEST_VTIMER_PPI, 10u }

/* GIC binding (a guest DT's interrupt specifiers): types, trigger flags. */
#define GIC_SPI 0u
#define GIC_PPI 1u
#define IRQ_TYPE_SENSE_MASK 0xfu
#define IRQ_EDGE_RISING 1u
#define IRQ_EDGE_FALLING 2u
#define IRQ_LEVEL_HIGH 4u
#define IRQ_LEVEL_LOW 8u

/* Placement, see above. */
#define GUEST_KERNEL_OFFSET 0x8000u
#define GUEST_RAMDISK_OFFSET_MAX MiB(128)
#define GUEST_DTB_SIZE KiB(16) /* room reserved for, and largest, guest DTB */

/* Guest IPAs of the devices every VM has. */
/*
 * virtio: device i of a VM (in node order) is a virtio-mmio window of
 * LOWVISOR_VIRTIO_SIZE bytes at LOWVISOR_VIRTIO_BASE + i * that, with SPI
 * LOWVISOR_VIRTIO_SPI + i, as QEMU virt places its transports; its type is
 * "block", "net" or "console" and its backend a VM marked management
 * (not the VM itself).  The window must be clear of the VM's memory, the
 * SPI of its guest-dt interrupts (and, when the VM is created, both of its
 * passthrough devices).  A backend's DT gets a "lowvisor,ioreq" node with
 * SPI LOWVISOR_IOREQ_SPI; its ring has LOWVISOR_IOREQ_SLOTS slots, one for
 * each vCPU of each VM it serves.
 */
#define VM_MAX_VIRTIO LOWVISOR_VIRTIO_MAX

struct vm_virtio {
	const char *name;         /* the node's, in the bundle */
	const char *backend_name; /* in the bundle */
	unsigned backend;         /* the backend's VM id */
	uint8_t type;             /* virtio device ID: 1 net, 2 block, 3 console */
	uint8_t slot_base;        /* vCPU 0's slot in the backend's ring */
};

struct vm_devices {
	uint64_t gicd, gicc, uart;
};

#define CONFIG_PRIO_MAX 15 /* the scheduler's RUNQ_PRIO_MAX (asserted in hyp/vm.c) */

struct vm_config {
	char name[VM_NAME_MAX];
	uint32_t name_crc; /* its CRC-32: names are compared only where it matches */
	unsigned id; /* position under /lowvisor/vms, kept when others are left out */
	bool management;
	bool identity;
	unsigned vcpus;
	uint32_t cpus; /* physical CPUs, always a subset of the machine's */
	uint32_t slice_us; /* 0: the system's (lowvisor.slice_us) */
	uint32_t priority; /* 0..CONFIG_PRIO_MAX */
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
	/* Emulated devices (virtio, above); backend: it serves some, in
	 * ioreq_slots slots of its ring. */
	unsigned virtio_count;
	struct vm_virtio virtio[VM_MAX_VIRTIO];
	bool backend;
	unsigned ioreq_slots;

	/* Computed placement (IPAs), see above. */
	uint64_t kernel_ipa;
	uint64_t entry_ipa;
	uint64_t ramdisk_ipa; /* 0 without a ramdisk */
	uint64_t dtb_ipa;     /* GUEST_DTB_SIZE bytes reserved */
};

enum console_mode { CONSOLE_PREFIX, CONSOLE_FOCUS };

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

/* What in the VM's own configuration uses SPI spi (ID 32 + spi), to
 * follow "is": "the VM's virtual UART's", "also a guest-dt node's
 * interrupt", "virtio device 'NAME''s" (in buf), "the VM's ioreq
 * interrupt"; or NULL. */
const char *config_spi_user(const struct vm_config *c, unsigned spi, char *buf, size_t len);

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

/* Phandles, as QEMU numbers them from 0x8000. */
#define GUEST_DT_PHANDLE_CLK 0x8000u
#define GUEST_DT_PHANDLE_GIC 0x8001u

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

/*
 * Which host DT nodes a VM may be given by passthrough: devices whose
 * registers' pages hold nothing Lowvisor or another VM needs.  Plain C over
 * libfdt, unit-tested on QEMU-dumped DTBs (test/unit/test_platform.c).
 */

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
