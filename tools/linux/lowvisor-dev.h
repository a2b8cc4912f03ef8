/* SPDX-License-Identifier: MIT */
/*
 * /dev/lowvisor: the device of the management partition's Linux module
 * (tools/linux/lowvisor.c), used by lowvisorctl.  Each ioctl is one of
 * Lowvisor's management calls (include/uapi/lowvisor.h); the hypervisor's
 * error comes back as the ioctl's errno (EPERM, ENOENT, EINVAL, EFAULT).
 *
 *   LOWVISOR_IRQ_LINE  struct lowvisor_irq_line: the target VM and a struct
 *                      kvm_irq_level, as KVM_IRQ_LINE takes it (irq in
 *                      KVM's encoding, level 0 or 1)
 *   LOWVISOR_VM_LIST   struct lowvisor_vm_list: up to LOWVISOR_LIST_MAX VMs
 *                      from index `first`; `count` and `total` come back
 *   LOWVISOR_VM_PAUSE, _RESUME, _RESET, _STOP   a __u32 VM id
 */
#ifndef LOWVISOR_DEV_H
#define LOWVISOR_DEV_H

#include <linux/ioctl.h>
#include <linux/types.h>

#include "uapi/lowvisor.h"

/* struct kvm_irq_level of <linux/kvm.h>, field for field (32-bit ARM
 * Linux no longer has KVM's headers). */
struct lowvisor_kvm_irq_level {
	union {
		__u32 irq;
		__s32 status;
	};
	__u32 level;
};

struct lowvisor_irq_line {
	__u32 vm;
	struct lowvisor_kvm_irq_level irq_level;
};

#define LOWVISOR_LIST_MAX 16

struct lowvisor_vm_list {
	__u32 first; /* in: the first VM index */
	__u32 count; /* out: entries filled */
	__u32 total; /* out: VMs in the system */
	struct lowvisor_vm_info vms[LOWVISOR_LIST_MAX];
};

#define LOWVISOR_IOC 0xAF /* KVMIO's number, in our own device's space */
#define LOWVISOR_IRQ_LINE _IOW(LOWVISOR_IOC, 0x61, struct lowvisor_irq_line)
#define LOWVISOR_VM_LIST _IOWR(LOWVISOR_IOC, 0xe0, struct lowvisor_vm_list)
#define LOWVISOR_VM_PAUSE _IOW(LOWVISOR_IOC, 0xe1, __u32)
#define LOWVISOR_VM_RESUME _IOW(LOWVISOR_IOC, 0xe2, __u32)
#define LOWVISOR_VM_RESET _IOW(LOWVISOR_IOC, 0xe3, __u32)
#define LOWVISOR_VM_STOP _IOW(LOWVISOR_IOC, 0xe4, __u32)

/*
 * The device-model path, for a management VM that backs virtio devices
 * (include/uapi/lowvisor.h).  read() of /dev/lowvisor blocks until a
 * frontend's access arrives and returns one struct lowvisor_mmio (poll()
 * says when one is there; O_NONBLOCK gives -EAGAIN); the program answers
 * it with LOWVISOR_IOREQ_COMPLETE, data[] holding a read's value (little
 * endian, len bytes).  A request read and not completed when the file is
 * closed (its program exited or was killed) is returned again by the next
 * read() of any open file.  The first fields are struct kvm_run's mmio exit.
 * LOWVISOR_MAP_GUEST maps a frontend's RAM into this VM and returns the
 * mmap() offset and size of it on /dev/lowvisor (normal cacheable memory,
 * read-write, shared).  Lowvisor revokes it before that RAM is zeroed for
 * the frontend's reset: an access after that faults (SIGBUS), and the next
 * LOWVISOR_MAP_GUEST maps it afresh, with another `gen` (the offset may be
 * the same: a revoked mapping's place is used again).
 */
struct lowvisor_mmio {
	__u64 phys_addr; /* the frontend's IPA */
	__u8 data[8];    /* a write's value; a read's answer */
	__u32 len;       /* 1, 2 or 4 */
	__u8 is_write;
	__u8 posted;     /* a write the vCPU did not wait for (QueueNotify) */
	__u16 vm;        /* the frontend's id */
	__u16 vcpu;
	__u16 device;    /* the window's index */
	__u32 seq;       /* names the request to LOWVISOR_IOREQ_COMPLETE */
};

struct lowvisor_map {
	__u32 vm;     /* in: the frontend's id */
	__u32 gen;    /* out: a new number each time its RAM is mapped afresh */
	__u64 offset; /* out: mmap() offset */
	__u64 size;   /* out: bytes */
};

#define LOWVISOR_IOREQ_COMPLETE _IOW(LOWVISOR_IOC, 0xe5, struct lowvisor_mmio)
#define LOWVISOR_MAP_GUEST _IOWR(LOWVISOR_IOC, 0xe6, struct lowvisor_map)

#endif
