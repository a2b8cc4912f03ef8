/* SPDX-License-Identifier: MIT */
/*
 * The scheduler: each physical CPU has a run queue of the vCPUs placed on
 * it, run by priority and then in a rotation of turns (runq.h), turns
 * ended by the HYP timer.
 */
#ifndef LOWVISOR_SCHEDULER_H
#define LOWVISOR_SCHEDULER_H

#include "vcpu.h"

struct percpu;

void sched_cpu_init(struct percpu *cpu);
/* Places v on physical CPU pcpu (at VM creation) with turns of slice_us
 * and priority prio (0..RUNQ_PRIO_MAX). */
void sched_add(struct vcpu *v, unsigned pcpu, unsigned slice_us, unsigned prio);
/* Makes a CPU look at its run queue again (an SGI if it is another). */
void sched_kick(unsigned pcpu);
/* The same, and for this CPU too: its running vCPU's loop asks the run
 * queue (need_resched). */
void sched_poke(unsigned pcpu);
/* v, placed on this CPU, has something new to deliver (an interrupt, a
 * wake-up): the running vCPU's loop looks again (need_resched) if v is
 * the running vCPU, or goes before it (runq_before); else only the timer
 * is re-armed, for the end of the running vCPU's turn now that v waits. */
void sched_kick_here(struct vcpu *v);
/* The HYP timer fired on this CPU. */
void sched_timer_irq(void);
/* For the running vCPU's loop when need_resched is set: must it make way
 * now?  If not, the timer is re-armed for the next event. */
bool sched_check(void);
/* The running vCPU yields (WFE): true if another runnable vCPU on this CPU
 * takes its place (runq_yield). */
bool sched_yield_turn(void);
/* The per-CPU loop; never returns. */
__noreturn void sched_loop(void);

#endif
