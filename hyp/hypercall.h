/* SPDX-License-Identifier: MIT */
/* HVC from guests: PSCI 1.0, SMCCC and Lowvisor's calls (include/uapi). */
#ifndef LOWVISOR_HYPERCALL_H
#define LOWVISOR_HYPERCALL_H

#include "trap.h"
#include "vcpu.h"

enum trap_action hypercall(struct vcpu *v);

/* From trap_fast(): serves the call in r (the guest's r0-r3, results
 * written back) and answers 0, or -1, nothing done, for a call that
 * needs the whole exit (hypercall() then). */
int hypercall_fast(struct vcpu *v, uint32_t *r);

#endif
