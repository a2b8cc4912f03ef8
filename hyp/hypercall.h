/* SPDX-License-Identifier: MIT */
/* HVC from guests: PSCI 1.0, SMCCC and Lowvisor's calls (include/uapi). */
#ifndef LOWVISOR_HYPERCALL_H
#define LOWVISOR_HYPERCALL_H

#include "hsr.h"
#include "scheduler.h"
#include "vcpu.h"

enum trap_action hypercall(struct vcpu *v);

/* From trap_fast(): serves the call in r (the guest's r0-r3, results
 * written back) and answers 0, or -1, nothing done, for a call that
 * needs the whole exit (hypercall() then). */
int hypercall_fast(struct vcpu *v, uint32_t *r);

/* Trapped CP15 accesses (hyp/cp15.c): 0 if emulated, else the guest gets
 * an undefined instruction. */
int cp15_emulate(struct vcpu *v, const struct cp_access *a);

/* The guest's register n (0-15) as its current mode sees it. */
uint32_t *guest_reg_ptr(struct vcpu *v, unsigned n);
uint32_t guest_reg(struct vcpu *v, unsigned n);
void guest_reg_set(struct vcpu *v, unsigned n, uint32_t val);

#endif
