/* SPDX-License-Identifier: MIT */
/*
 * Lowvisor's guest ABI: the one header shared by the hypervisor, the test
 * guests and the tools.
 *
 * Calls follow the SMC Calling Convention (ARM DEN 0028): HVC #0, function
 * ID in r0, arguments in r1-r6, results in r0-r3.  PSCI 1.0 (0x84000000 -
 * 0x8400001F) and SMCCC's own calls are served as the specifications say;
 * Lowvisor's calls are fast calls in the vendor-specific hypervisor service
 * range 0x86000000 - 0x8600FFFF.  An unknown function ID returns
 * SMCCC_RET_NOT_SUPPORTED (-1); Lowvisor's own errors are negative errno
 * values.  This header is the ABI's one description (docs/ points here).
 *
 *   function ID   name        who           what
 *   0x80000000    SMCCC_VERSION any VM      1.1
 *   0x80000001    SMCCC_ARCH_FEATURES       NOT_SUPPORTED for all
 *   0x84000000..  PSCI 1.0    any VM        its own vCPUs and its own VM
 *   0x8600FF01    CALL_UID    any VM        Lowvisor's UUID (below)
 *   0x8600FF03    REVISION    any VM        ABI major.minor
 *   0x86000010    IRQ_LINE    management    raise/lower another VM's line
 *   0x86000011    VM_LIST     management    id, state, vCPUs, memory, name
 *   0x86000012    VM_PAUSE    management
 *   0x86000013    VM_RESUME   management
 *   0x86000014    VM_RESET    management    restart from the images
 *   0x86000015    VM_STOP     management
 *   0x86000016    IOREQ_SETUP backend       its ring of forwarded accesses
 *   0x86000017    IOREQ_DONE  backend       complete one (a read's value)
 *   0x86000018    MAP_GUEST   backend       a frontend's RAM into its own
 * A VM is `management` by the property of that name in its configuration
 * (hyp/config/config.h); every management call from another VM returns -EPERM
 * before its arguments are looked at.
 */
#ifndef LOWVISOR_UAPI_H
#define LOWVISOR_UAPI_H

#ifdef __KERNEL__
#include <linux/types.h> /* the Linux module (tools/linux) */
#else
#include <stdint.h>
#endif

/* Linux has its own (linux/arm-smccc.h, uapi/linux/psci.h). */
#ifndef __KERNEL__
/* SMCCC */
#define SMCCC_VERSION 0x80000000u
#define SMCCC_ARCH_FEATURES 0x80000001u
#define SMCCC_VERSION_1_1 0x10001
#define SMCCC_RET_NOT_SUPPORTED (-1)

/* PSCI 1.0, 32-bit calling convention */
#define PSCI_0_2_FN_VERSION 0x84000000u
#define PSCI_0_2_FN_CPU_SUSPEND 0x84000001u
#define PSCI_0_2_FN_CPU_OFF 0x84000002u
#define PSCI_0_2_FN_CPU_ON 0x84000003u
#define PSCI_0_2_FN_AFFINITY_INFO 0x84000004u
#define PSCI_0_2_FN_MIGRATE 0x84000005u
#define PSCI_0_2_FN_MIGRATE_INFO_TYPE 0x84000006u
#define PSCI_0_2_FN_SYSTEM_OFF 0x84000008u
#define PSCI_0_2_FN_SYSTEM_RESET 0x84000009u
#define PSCI_1_0_FN_PSCI_FEATURES 0x8400000Au

#define PSCI_VERSION_1_0 0x00010000
#define PSCI_RET_SUCCESS 0
#define PSCI_RET_NOT_SUPPORTED (-1)
#define PSCI_RET_INVALID_PARAMS (-2)
#define PSCI_RET_ALREADY_ON (-4)
#define PSCI_RET_ON_PENDING (-5)
#define PSCI_RET_INVALID_ADDRESS (-9)

#define PSCI_AFFINITY_ON 0
#define PSCI_AFFINITY_OFF 1
#define PSCI_MIGRATE_NOT_PRESENT 2 /* MIGRATE_INFO_TYPE: no Trusted OS */
#endif

/* Lowvisor's vendor-specific hypervisor service calls */
#define LOWVISOR_FN(n) (0x86000000u | (n))
#define LOWVISOR_FN_CALL_UID LOWVISOR_FN(0xFF01)
#define LOWVISOR_FN_REVISION LOWVISOR_FN(0xFF03)

/*
 * CALL_UID returns this UUID in r0-r3 (SMCCC: the bytes of the UUID in
 * order, four per register, little-endian within each register).
 * UUID 6c6f7776-6973-6f72-a15e-2026c0ffee00 ("lowvisor").
 */
#define LOWVISOR_UID_0 0x76776f6cu
#define LOWVISOR_UID_1 0x726f7369u
#define LOWVISOR_UID_2 0x26205ea1u
#define LOWVISOR_UID_3 0x00eeffc0u

/* REVISION: major in r0, minor in r1. */
#define LOWVISOR_ABI_MAJOR 0
#define LOWVISOR_ABI_MINOR 3

/*
 * Errors of Lowvisor's own calls, as the negative values returned in r0.
 * They are Linux's (and newlib's) errno numbers, named here for guests that
 * have no <errno.h>.
 */
#define LOWVISOR_EPERM 1
#define LOWVISOR_ENOENT 2
#define LOWVISOR_EINVAL 22

/*
 * IRQ_LINE(vm_id, irq, level): raise or lower an interrupt line of another
 * VM, as Linux's KVM_IRQ_LINE ioctl does with its struct kvm_irq_level.
 * Management VMs only.
 *   r0 = LOWVISOR_FN_IRQ_LINE
 *   r1 = target VM id
 *   r2 = irq, encoded as below (lowvisor_irq_encode())
 *   r3 = level: 1 raises the line, 0 lowers it
 * Returns in r0:
 *   0                  done; a level-sensitive interrupt (the target's own
 *                      GICD_ICFGR setting) follows the line, an
 *                      edge-triggered one is pended once by a rising edge;
 *                      a target vCPU that is descheduled or in WFI is woken
 *   -LOWVISOR_EPERM    the caller is not a VM marked `management`
 *   -LOWVISOR_ENOENT   no VM has the id vm_id
 *   -LOWVISOR_EINVAL   bad irq_type; irq_number out of range for that type
 *                      or for the target's vGIC; vCPU index beyond the
 *                      target's vCPUs; level neither 0 nor 1
 * No error changes anything.
 *
 * The irq encoding is KVM's KVM_ARM_IRQ_* layout 2 (Linux's
 * KVM_CAP_ARM_IRQ_LINE_LAYOUT_2):
 *   [31:28] vcpu2_index  high part of the vCPU index
 *   [27:24] irq_type     LOWVISOR_IRQ_TYPE_*
 *   [23:16] vcpu_index   low part of the vCPU index
 *   [15:0]  irq_number
 * vcpu = vcpu2_index * 256 + vcpu_index.  The older layout (irq_type in
 * [31:24], vcpu2_index absent) has zero in bits 31:28 for every valid value,
 * so it reads the same.
 *   type 0 (CPU): irq_number 0 = the vCPU's IRQ line, 1 = its FIQ line
 *                 (HCR.VI / HCR.VF of that vCPU, no GIC involved)
 *   type 1 (SPI): irq_number 32 .. 32 + the target's SPI count - 1 (at most
 *                 1019); the vCPU index is ignored
 *   type 2 (PPI): irq_number 16 .. 31 of the vCPU given
 */
#define LOWVISOR_FN_IRQ_LINE LOWVISOR_FN(0x0010)

#define LOWVISOR_IRQ_VCPU2_SHIFT 28
#define LOWVISOR_IRQ_VCPU2_MASK 0xfu
#define LOWVISOR_IRQ_TYPE_SHIFT 24
#define LOWVISOR_IRQ_TYPE_MASK 0xfu
#define LOWVISOR_IRQ_VCPU_SHIFT 16
#define LOWVISOR_IRQ_VCPU_MASK 0xffu
#define LOWVISOR_IRQ_NUM_SHIFT 0
#define LOWVISOR_IRQ_NUM_MASK 0xffffu

#define LOWVISOR_IRQ_TYPE_CPU 0
#define LOWVISOR_IRQ_TYPE_SPI 1
#define LOWVISOR_IRQ_TYPE_PPI 2

#define LOWVISOR_IRQ_CPU_IRQ 0 /* irq_number of type 0 */
#define LOWVISOR_IRQ_CPU_FIQ 1

/* The largest vCPU index the encoding carries. */
#define LOWVISOR_IRQ_VCPU_MAX 4095u

/* The fields of an encoded irq; lowvisor_irq_vcpu() joins both vCPU parts. */
#define LOWVISOR_IRQ_TYPE(irq) (((irq) >> LOWVISOR_IRQ_TYPE_SHIFT) & LOWVISOR_IRQ_TYPE_MASK)
#define LOWVISOR_IRQ_VCPU_INDEX(irq) (((irq) >> LOWVISOR_IRQ_VCPU_SHIFT) & LOWVISOR_IRQ_VCPU_MASK)
#define LOWVISOR_IRQ_VCPU2_INDEX(irq) (((irq) >> LOWVISOR_IRQ_VCPU2_SHIFT) & LOWVISOR_IRQ_VCPU2_MASK)
#define LOWVISOR_IRQ_NUM(irq) (((irq) >> LOWVISOR_IRQ_NUM_SHIFT) & LOWVISOR_IRQ_NUM_MASK)

/*
 * Encodes an irq for IRQ_LINE.  vcpu (0 .. LOWVISOR_IRQ_VCPU_MAX) is split
 * into vcpu_index and vcpu2_index; bits of type, vcpu or num beyond their
 * fields are dropped.
 */
static inline uint32_t lowvisor_irq_encode(unsigned type, unsigned vcpu, unsigned num)
{
	return ((uint32_t)((vcpu >> 8) & LOWVISOR_IRQ_VCPU2_MASK) << LOWVISOR_IRQ_VCPU2_SHIFT) |
	       ((uint32_t)(type & LOWVISOR_IRQ_TYPE_MASK) << LOWVISOR_IRQ_TYPE_SHIFT) |
	       ((uint32_t)(vcpu & LOWVISOR_IRQ_VCPU_MASK) << LOWVISOR_IRQ_VCPU_SHIFT) |
	       ((uint32_t)(num & LOWVISOR_IRQ_NUM_MASK) << LOWVISOR_IRQ_NUM_SHIFT);
}

/* The vCPU index of an encoded irq: vcpu2_index * 256 + vcpu_index. */
static inline unsigned lowvisor_irq_vcpu(uint32_t irq)
{
	return LOWVISOR_IRQ_VCPU2_INDEX(irq) * 256u + LOWVISOR_IRQ_VCPU_INDEX(irq);
}

/*
 * The call itself, for code running in a guest at PL1 (HVC is undefined in
 * user mode, so not under Linux, and not in the hypervisor or on the host).
 */
#if defined(__arm__) && !defined(LOWVISOR_HYPERVISOR) && !defined(__linux__)
/*
 * Raises (level 1) or lowers (level 0) line irq of VM vm_id.  Returns 0,
 * -LOWVISOR_EPERM (the caller is not a management VM), -LOWVISOR_ENOENT (no
 * such VM), -LOWVISOR_EINVAL (bad irq or level, see above), or
 * SMCCC_RET_NOT_SUPPORTED (-1, a hypervisor without IRQ_LINE).
 */
static inline int32_t lowvisor_irq_line(uint32_t vm_id, uint32_t irq, uint32_t level)
{
	register uint32_t r0 __asm__("r0") = LOWVISOR_FN_IRQ_LINE;
	register uint32_t r1 __asm__("r1") = vm_id;
	register uint32_t r2 __asm__("r2") = irq;
	register uint32_t r3 __asm__("r3") = level;

	/* SMCCC: r0-r3 carry results; r4-r7 and up are preserved. */
	__asm__ volatile(".arch_extension virt\n\thvc #0"
			 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3)
			 :
			 : "memory");
	return (int32_t)r0;
}
#endif

/*
 * VM lifecycle, for the management partition (a VM marked `management;`).
 * r1 = the target VM's id (its position under /lowvisor/vms).  Each returns
 * 0, -EPERM (caller not management), -ENOENT (no such VM) or -EINVAL (the
 * caller's own VM: it uses PSCI for itself; or, for PAUSE and RESUME, a VM
 * that is stopped).
 *   PAUSE   its vCPUs stop running until RESUME (no state is lost)
 *   RESUME  runs a paused VM again (a running one: nothing to do, 0)
 *   RESET   restarts it from its images in zeroed memory, from any state
 *   STOP    stops it, as its own PSCI SYSTEM_OFF would
 * PAUSE, RESET and STOP return once the target is out of its CPUs (and, for
 * RESET, running from its images again): the calling vCPU leaves its CPU
 * meanwhile, other vCPUs run there.  A STOP during a reset wins (the VM
 * ends stopped); a PAUSE or RESUME during one says how the VM restarts.
 * Two management VMs that pause each other at once both end paused.
 * LIST: r1 = IPA of a buffer in the caller's RAM, r2 = its size in bytes,
 * r3 = the first VM index to list; fills struct lowvisor_vm_info entries
 * and returns in r0 how many it wrote, in r1 how many VMs exist; -EFAULT
 * (LOWVISOR_EFAULT) if the buffer is not the caller's RAM.
 */
#define LOWVISOR_FN_VM_LIST LOWVISOR_FN(0x0011)
#define LOWVISOR_FN_VM_PAUSE LOWVISOR_FN(0x0012)
#define LOWVISOR_FN_VM_RESUME LOWVISOR_FN(0x0013)
#define LOWVISOR_FN_VM_RESET LOWVISOR_FN(0x0014)
#define LOWVISOR_FN_VM_STOP LOWVISOR_FN(0x0015)
#define LOWVISOR_EFAULT 14

/* A VM's state in struct lowvisor_vm_info (RESETTING: reloading its
 * images, only ever seen by other callers than the one that asked). */
#define LOWVISOR_VM_RUNNING 0
#define LOWVISOR_VM_STOPPED 1
#define LOWVISOR_VM_PAUSED 2
#define LOWVISOR_VM_RESETTING 3

#define LOWVISOR_VIRTIO_MAX 8u /* emulated devices of a VM (below) */

struct lowvisor_vm_info {
	uint32_t id;
	uint32_t state; /* LOWVISOR_VM_* */
	uint32_t vcpus;
	uint32_t mem_mib;
	char name[32]; /* NUL-terminated */
	uint32_t waiting; /* vCPUs waiting for a backend to complete an access */
	uint64_t mem_base; /* its RAM's IPA (ABI 0.3) */
	uint32_t virtio_count; /* its emulated devices, windows 0..count-1 */
	uint8_t virtio_type[LOWVISOR_VIRTIO_MAX]; /* 1 net, 2 block, 3 console */
	uint16_t virtio_backend[LOWVISOR_VIRTIO_MAX]; /* the id of the VM serving it */
};

/*
 * The device-model path (docs/architecture.md, "The path of one forwarded
 * access").  A VM's configuration may list emulated devices (virtio =
 * {...}), each backed by a management VM.  Device i of a frontend has the
 * register window LOWVISOR_VIRTIO_BASE + i * LOWVISOR_VIRTIO_SIZE and SPI
 * LOWVISOR_VIRTIO_SPI + i (as QEMU virt places its virtio-mmio transports);
 * every access to it traps and becomes a request in the backend's ring, and
 * the backend's SPI LOWVISOR_IOREQ_SPI (edge) rises.  The accessing vCPU
 * leaves its CPU until the backend completes the request; a write to a
 * virtio-mmio QueueNotify (offset LOWVISOR_VIRTIO_NOTIFY) is posted: the
 * vCPU goes on at once, and its next forwarded access waits until the
 * backend has completed the notify.  A backend's DT has a node
 * "lowvisor,ioreq" with that interrupt.
 *
 * IOREQ_SETUP: r1 = the page number (IPA >> 12) of a page of the caller's
 * RAM for its ring, or 0 for none.  Returns the number of slots; every
 * outstanding request is (re)written into the new ring, so a restarted
 * backend picks them up.  -EPERM from a VM that backs no device; -EFAULT
 * if the page is not its RAM.  Only Lowvisor writes the ring; the backend
 * reads it.
 * IOREQ_DONE: r1 = LOWVISOR_IOREQ_WHO(vm, vcpu) of the request, r2 = its
 * seq, r3 = a read's value (its len bytes; 0 for a write).  -EPERM as
 * above; -EINVAL for no such VM or vCPU, or a value wider than the read;
 * -ENOENT if that vCPU has no outstanding request of that seq for this
 * backend (completed already, cancelled by a reset of the frontend).
 * Nothing changes on error.
 * MAP_GUEST: r1 = a frontend's VM id, r2 = the page number (IPA >> 12) in
 * the caller's space where the frontend's RAM is to appear (2 MiB
 * aligned), r3 = 0 to map or 1 to unmap.  Returns the RAM's size in pages.
 * -EPERM unless the caller backs a device of that frontend (never for its
 * own RAM); -EINVAL for a misaligned IPA or one in use (its RAM, devices
 * or another mapping) or past the IPA space; -EEXIST if it is mapped
 * already; -EAGAIN to be called again (one 2 MiB block of the frontend's
 * RAM not zeroed since its reset was zeroed: one a call, so no call takes
 * long; or the frontend is being reset).  The mapping is normal write-back memory, read-write.  Lowvisor
 * removes it (TLBs invalidated) before the frontend's RAM is zeroed for a
 * reset, clears the frontend's bit in the ring's mapped[] and raises the
 * backend's SPI.
 */
#define LOWVISOR_FN_IOREQ_SETUP LOWVISOR_FN(0x0016)
#define LOWVISOR_FN_IOREQ_DONE LOWVISOR_FN(0x0017)
#define LOWVISOR_FN_MAP_GUEST LOWVISOR_FN(0x0018)
#define LOWVISOR_EEXIST 17
#define LOWVISOR_EAGAIN 11

#define LOWVISOR_VIRTIO_BASE 0x0a000000u
#define LOWVISOR_VIRTIO_SIZE 0x200u
#define LOWVISOR_VIRTIO_SPI 16u   /* SPI number: ID 48 for device 0 */
#define LOWVISOR_VIRTIO_NOTIFY 0x050u
#define LOWVISOR_IOREQ_SPI 95u    /* the backend's: ID 127 */

#define LOWVISOR_IOREQ_WHO(vm, vcpu) ((uint32_t)(vcpu) << 16 | (uint32_t)(vm))

#define LOWVISOR_IOREQ_FREE 0
#define LOWVISOR_IOREQ_PENDING 1

/* One slot of the ring: a forwarded access. */
struct lowvisor_ioreq {
	uint32_t state;     /* LOWVISOR_IOREQ_*, written last */
	uint32_t seq;       /* names the request in IOREQ_DONE */
	uint64_t phys_addr; /* the frontend's IPA accessed */
	uint32_t data;      /* a write's value (its len bytes) */
	uint16_t vm;        /* the frontend's id */
	uint8_t vcpu;       /* the accessing vCPU's index in it */
	uint8_t device;     /* the window's index (LOWVISOR_VIRTIO_BASE) */
	uint8_t len;        /* bytes: 1, 2 or 4 */
	uint8_t is_write;
	uint8_t posted;     /* a write the vCPU did not wait for */
	uint8_t reserved[5];
};

#define LOWVISOR_IOREQ_SLOTS 126u
#define LOWVISOR_IOREQ_VMS 320u

/* The ring: one page of the backend's RAM. */
struct lowvisor_ioreq_ring {
	uint32_t mapped[LOWVISOR_IOREQ_VMS / 32]; /* frontends mapped by MAP_GUEST */
	uint32_t reserved[6];
	struct lowvisor_ioreq slot[LOWVISOR_IOREQ_SLOTS];
};

#endif
