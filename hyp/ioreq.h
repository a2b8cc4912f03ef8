/* SPDX-License-Identifier: MIT */
/*
 * The device-model path: guest accesses to virtio windows forwarded to a
 * backend VM (hyp/ioreq.c; the ABI in uapi/lowvisor.h).
 */
#ifndef LOWVISOR_IOREQ_H
#define LOWVISOR_IOREQ_H

#include "emul.h"
#include "types.h"

struct vcpu;
struct vm;

/* v's access a at ipa, if ipa is in one of its VM's virtio windows: sent
 * to the device's backend, the PC moved past it (or kept, to retry it
 * after a posted write); 0.  -ENODEV for any other IPA. */
int ioreq_forward(struct vcpu *v, uint64_t ipa, const struct mmio_access *a);
/* A completed access finished by its vCPU, in the run loop: a read's
 * value into its register. */
void ioreq_finish(struct vcpu *v);
/* The calls (uapi/lowvisor.h): IOREQ_SETUP, IOREQ_DONE, MAP_GUEST. */
int ioreq_setup(struct vm *b, uint64_t ipa);
int ioreq_done(struct vm *b, uint32_t who, uint32_t seq, uint32_t value);
int ioreq_map_guest(struct vm *b, unsigned id, uint64_t ipa, bool unmap);
/* Before vm's RAM is zeroed for a reset: its requests cancelled, its RAM
 * unmapped from backends, and as a backend its ring and mappings gone. */
void ioreq_vm_reset(struct vm *vm);
/* vCPUs of vm waiting for a backend. */
unsigned ioreq_waiting(const struct vm *vm);

#endif
