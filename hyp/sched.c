// SPDX-License-Identifier: MIT
#include "arch/sysreg.h"
#include "gic.h"
#include "hyp.h"
#include "percpu.h"
#include "scheduler.h"
#include "vgic.h"
#include "vm.h"

static bool runnable(const struct vcpu *v)
{
	return vcpu_runnable(v);
}

/*
 * From the tick: a blocked vCPU that is not loaded here has its virtual
 * timer in its structure; when that is due, its interrupt is injected (the
 * loaded vCPU's comes as the physical PPI).
 */
void sched_timer_wake(uint64_t now)
{
	struct percpu *cpu = this_cpu();
	struct list_node *n;

	for (n = cpu->runq.next; n != &cpu->runq; n = n->next) {
		struct vcpu *v = container_of(n, struct vcpu, runq_node);
		uint64_t due;

		if (!v->blocked || cpu->loaded == v)
			continue;
		due = vcpu_timer_deadline(v);
		if (due && due <= now) {
			v->cp15.cntv_ctl |= 4; /* ISTATUS, as the hardware would show */
			vm_set_irq_vcpu(v->vm, v->index, VGIC_VTIMER_IRQ, true);
		}
	}
}

void sched_add(struct vcpu *v, unsigned pcpu)
{
	struct percpu *cpu = &percpu_area[pcpu];
	uint32_t flags = irq_save();

	v->pcpu = pcpu;
	list_add_tail(&cpu->runq, &v->runq_node);
	cpu->runq_len++;
	irq_restore(flags);
}

bool sched_others_runnable(const struct vcpu *v)
{
	const struct percpu *cpu = &percpu_area[v->pcpu];
	const struct list_node *n;

	for (n = cpu->runq.next; n != &cpu->runq; n = n->next) {
		const struct vcpu *o = container_of(n, struct vcpu, runq_node);

		if (o != v && runnable(o))
			return true;
	}
	return false;
}

void sched_kick(unsigned pcpu)
{
	if (pcpu != this_cpu()->index)
		gic_send_sgi(SGI_KICK, percpu_area[pcpu].gic_mask);
}

/* The next runnable vCPU after the last one run, round robin. */
static struct vcpu *pick_next(struct percpu *cpu)
{
	struct list_node *start = cpu->runq_next ? cpu->runq_next : cpu->runq.next;
	struct list_node *n = start;
	unsigned i;

	for (i = 0; i <= cpu->runq_len; i++) {
		if (n == &cpu->runq) {
			n = n->next;
			continue;
		}
		if (runnable(container_of(n, struct vcpu, runq_node))) {
			cpu->runq_next = n->next;
			return container_of(n, struct vcpu, runq_node);
		}
		n = n->next;
	}
	return NULL;
}

__noreturn void sched_loop(void)
{
	struct percpu *cpu = this_cpu();

	for (;;) {
		struct vcpu *v;

		irq_disable();
		v = pick_next(cpu);
		if (!v) {
			/* Nothing to run: sleep until an interrupt (tick or kick). */
			wfi();
			irq_enable();
			continue;
		}
		irq_enable();
		vcpu_run(v);
	}
}
