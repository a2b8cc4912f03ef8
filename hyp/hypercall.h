/* SPDX-License-Identifier: MIT */
/* HVC from guests: PSCI 1.0, SMCCC and Lowvisor's calls (include/uapi). */
#ifndef LOWVISOR_HYPERCALL_H
#define LOWVISOR_HYPERCALL_H

#include "trap.h"
#include "vcpu.h"

/* The whole exit's HVC (trap_hvc(), trap.h, is the fast path's and
 * lives in hypercall.c too). */
enum trap_action hypercall(struct vcpu *v);

#endif
