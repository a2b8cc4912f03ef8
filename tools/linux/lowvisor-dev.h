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

#endif
