/* SPDX-License-Identifier: MIT */
/*
 * The scheduler: each physical CPU has a run queue of the vCPUs placed on
 * it; round robin among the runnable ones, preempted by the HYP timer tick.
 */
#ifndef LOWVISOR_SCHEDULER_H
#define LOWVISOR_SCHEDULER_H

#include "vcpu.h"

struct percpu;

void sched_cpu_init(struct percpu *cpu);
/* Places v on physical CPU pcpu (at VM creation) with turns of slice_us
 * and priority prio (0..RUNQ_PRIO_MAX). */
void sched_add(struct vcpu *v, unsigned pcpu, unsigned slice_us, unsigned prio);
/* v was blocked and has an interrupt now: it runs next on its CPU. */
void sched_wake(struct vcpu *v);
/* Makes a CPU look at its run queue again (an SGI if it is another). */
void sched_kick(unsigned pcpu);
/* The same, and for this CPU too: its running vCPU's loop asks the run
 * queue (need_resched). */
void sched_poke(unsigned pcpu);
/* v, placed on this CPU, has something new to deliver (an interrupt, a
 * wake-up): the running vCPU's loop looks again (need_resched) if v is
 * the running vCPU, or outranks it; else only the timer is re-armed, for
 * the end of the running vCPU's turn now that v waits for one. */
void sched_kick_here(struct vcpu *v);
/* The HYP timer fired on this CPU. */
void sched_timer_irq(void);
/* For the running vCPU's loop when need_resched is set: must it make way
 * now?  If not, the timer is re-armed for the next event. */
bool sched_check(void);
/* Another runnable vCPU on this CPU than the running one? */
bool sched_others_runnable(void);
/* The per-CPU loop; never returns. */
__noreturn void sched_loop(void);

#endif
