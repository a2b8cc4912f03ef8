// SPDX-License-Identifier: MIT
/*
 * The scheduler of DESIGN section 10: each physical CPU runs the vCPUs
 * placed on it by the policy of runq.c.  The CPU's HYP timer is one-shot,
 * armed for the earliest of: the housekeeping tick, the end of the running
 * vCPU's turn (when another could run), and the virtual-timer deadline of a
 * vCPU that is not loaded (so a descheduled or blocked vCPU's timer is
 * delivered on time, not at the next tick).
 */
#include "arch/sysreg.h"
#include "drivers.h"
#include "hyp.h"
#include "percpu.h"
#include "scheduler.h"
#include "smp.h"
#include "vgic.h"
#include "vm.h"

#define vcpu_of(e) container_of(e, struct vcpu, sched)

static bool entity_runnable(const struct runq_entity *e)
{
	return vcpu_runnable(vcpu_of(e));
}

/* A vCPU that is not loaded has its virtual timer in its structure: its
 * deadline needs the HYP timer, once.  The loaded one's is the hardware's. */
static uint64_t entity_wake_at(const struct runq_entity *e)
{
	const struct vcpu *v = vcpu_of(e);
	uint64_t due;

	if (v == percpu_area[v->pcpu].loaded || v->state != VCPU_RUNNABLE ||
	    v->vm->state != VM_RUNNING)
		return 0;
	due = vcpu_timer_deadline(v);
	return due == v->timer_woken ? 0 : due;
}

/* Its deadline passed: the interrupt is injected (which wakes it from WFI:
 * it runs at once if its place in the rotation comes first). */
static void entity_wake(struct runq_entity *e)
{
	struct vcpu *v = vcpu_of(e);

	v->timer_woken = vcpu_timer_deadline(v);
	v->cp15.cntv_ctl |= CNTV_CTL_ISTATUS; /* as the hardware would show */
	vm_set_irq_vcpu(v->vm, v->index, VGIC_VTIMER_IRQ, true);
}

static const struct runq_ops vcpu_runq_ops = { entity_runnable, entity_wake_at };

void sched_cpu_init(struct percpu *cpu)
{
	runq_init(&cpu->rq, &vcpu_runq_ops);
}

void sched_add(struct vcpu *v, unsigned pcpu, unsigned slice_us, unsigned prio)
{
	uint32_t flags = irq_save();

	v->pcpu = pcpu;
	runq_add(&percpu_area[pcpu].rq, &v->sched, timer_us_to_ticks(slice_us), prio);
	irq_restore(flags);
}

void sched_kick(unsigned pcpu)
{
	if (pcpu != this_cpu()->index)
		gic_send_sgi(SGI_KICK, percpu_area[pcpu].gic_mask);
}

void sched_poke(unsigned pcpu)
{
	if (pcpu == this_cpu()->index)
		this_cpu()->need_resched = 1;
	else
		sched_kick(pcpu);
}

/* Arms the HYP timer for the next thing this CPU must do.  A turn that is
 * over already (its vCPU ran on alone and another now waits) is the run
 * loop's to act on (need_resched), not the timer's: the timer is also
 * armed where IRQs are on, and an expired deadline would keep it firing. */
static void timer_arm(struct percpu *cpu, uint64_t now)
{
	uint64_t next = runq_next_event(&cpu->rq);

	if (next <= now)
		cpu->need_resched = 1;
	hyp_timer_arm_at(next > now && next < cpu->next_tick ? next : cpu->next_tick);
}

/* Delivers the due timer deadlines of the vCPUs not loaded, then arms. */
static void timer_update(struct percpu *cpu, uint64_t now)
{
	runq_wake_due(&cpu->rq, now, entity_wake);
	timer_arm(cpu, now);
}

void sched_kick_here(struct vcpu *v)
{
	struct percpu *cpu = this_cpu();
	const struct runq_entity *cur = cpu->rq.current;

	if (v == cpu->loaded || !cur || runq_before(&v->sched, cur)) {
		cpu->need_resched = 1;
		return;
	}
	/* Its place comes later: it waits for the running one's turn to end.
	 * No trip through the run loop. */
	timer_arm(cpu, timer_now());
}

void sched_timer_irq(void)
{
	struct percpu *cpu = this_cpu();
	uint64_t now = timer_now();

	if (now >= cpu->next_tick)
		tick_handle(now);
	cpu->need_resched = 1;
	timer_update(cpu, now);
}

bool sched_check(void)
{
	struct percpu *cpu = this_cpu();
	uint64_t now = timer_now();

	cpu->need_resched = 0;
	if (runq_preempt(&cpu->rq, now))
		return true;
	timer_update(cpu, now);
	return false;
}

bool sched_yield_turn(void)
{
	return runq_yield(&this_cpu()->rq);
}

__noreturn void sched_loop(void)
{
	struct percpu *cpu = this_cpu();

	for (;;) {
		struct runq_entity *e;
		struct vcpu *v;
		uint64_t now;

		irq_disable();
		now = timer_now();
		runq_wake_due(&cpu->rq, now, entity_wake);
		cpu->need_resched = 0;
		e = runq_pick(&cpu->rq, now);
		timer_arm(cpu, now);
		if (!e) {
			/* Nothing to run: sleep until an interrupt (the timer or
			 * a kick), with the list registers of the vCPU still
			 * loaded here emptied: a pending one (vgic_inject_loaded)
			 * is a wake-up event that would end every WFI at once. */
			v = cpu->loaded;
			if (v && !vgic_lrs_idle(v->vm->vgic, v->index))
				vm_kick(v->vm, vgic_sync(v->vm->vgic, v->index));
			cpu->idle_waits++;
			wfi();
			irq_enable();
			continue;
		}
		vcpu_run(vcpu_of(e));
		runq_put(&cpu->rq, timer_now());
		irq_enable();
	}
}
