/* SPDX-License-Identifier: MIT */
/*
 * The scheduler: each physical CPU has a run queue of the vCPUs placed on
 * it; round robin among the runnable ones, preempted by the HYP timer tick.
 */
#ifndef LOWVISOR_SCHEDULER_H
#define LOWVISOR_SCHEDULER_H

#include "vcpu.h"

/* What a trap handler wants next. */
enum trap_action {
	TRAP_CONTINUE, /* back into the guest */
	TRAP_YIELD,    /* let another vCPU run if there is one */
	TRAP_IDLE,     /* WFI: wait for an interrupt if nothing else runs */
};

enum trap_action trap_handle(struct vcpu *v, uint32_t reason);

/* Places v on physical CPU pcpu (at VM creation). */
void sched_add(struct vcpu *v, unsigned pcpu);
/* Another runnable vCPU on v's CPU? */
bool sched_others_runnable(const struct vcpu *v);
/* Makes a CPU look at its run queue again (an SGI if it is another). */
void sched_kick(unsigned pcpu);
void sched_timer_wake(uint64_t now);
/* The per-CPU loop; never returns. */
__noreturn void sched_loop(void);

#define SGI_KICK 0
#define SGI_RENDEZVOUS 1

void vmid_rendezvous_ack(void);

#endif
