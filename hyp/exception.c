// SPDX-License-Identifier: MIT
/*
 * Exceptions taken to HYP from HYP.  An IRQ is served; anything else is a
 * bug in Lowvisor and ends in a full register dump and a halt.
 */
#include <stdio.h>

#include "arch/sysreg.h"
#include "console.h"
#include "drivers.h"
#include "hyp.h"
#include "log.h"
#include "percpu.h"
#include "scheduler.h"
#include "smp.h"
#include "trap.h"
#include "vgic.h"
#include "vm.h"

/* By the vector's place in the table, the number boot/vectors.S passes. */
static const char *const vector_names[] = {
	"reset", "undefined instruction", "supervisor call", "prefetch abort",
	"data abort", "hyp trap", "IRQ", "FIQ",
};

static __noreturn void hyp_panic_dump(const char *why, const struct trap_frame *f)
{
	uint32_t hsr = hsr_read();
	unsigned i;

	irq_disable();
	log_err("%s on cpu%u", why, this_cpu()->index);
	log_err("  HSR   0x%08lx (EC 0x%02lx IL %lu ISS 0x%07lx)", (unsigned long)hsr,
		(unsigned long)(hsr >> 26), (unsigned long)((hsr >> 25) & 1),
		(unsigned long)(hsr & 0x1ffffff));
	log_err("  HDFAR 0x%08lx  HIFAR 0x%08lx  HPFAR 0x%08lx", (unsigned long)hdfar_read(),
		(unsigned long)hifar_read(), (unsigned long)hpfar_read());
	log_err("  ELR_hyp 0x%08lx  SPSR 0x%08lx", (unsigned long)f->elr, (unsigned long)f->spsr);
	for (i = 0; i < 12; i += 4)
		log_err("  r%-2u 0x%08lx  r%-2u 0x%08lx  r%-2u 0x%08lx  r%-2u 0x%08lx", i,
			(unsigned long)f->r[i], i + 1, (unsigned long)f->r[i + 1], i + 2,
			(unsigned long)f->r[i + 2], i + 3, (unsigned long)f->r[i + 3]);
	log_err("  r12 0x%08lx  SP  0x%08lx  LR  0x%08lx", (unsigned long)f->r[12],
		(unsigned long)((uintptr_t)f + sizeof(*f)), (unsigned long)f->lr);
	log_err("halted");
	hyp_halt();
}

__noreturn void hyp_unexpected(struct trap_frame *f, unsigned vector)
{
	char why[64];

	snprintf(why, sizeof(why), "unexpected %s in HYP mode",
		 vector < ARRAY_SIZE(vector_names) ? vector_names[vector] : "exception");
	hyp_panic_dump(why, f);
}

/* The virtual timer's PPI and the maintenance interrupt belong to the vCPU
 * loaded on this CPU.  The timer's is hardware-mapped: its priority is
 * dropped here, the guest's EOI deactivates it.  Returns whether the
 * physical interrupt must be left active. */
static bool vcpu_irq(uint32_t id)
{
	struct percpu *cpu = this_cpu();
	struct vcpu *v = cpu->loaded;
	bool timer = id != hyp.plat.gic.maint_irq;
	uint32_t kick;

	if (!v) /* nobody's: a stale timer of a vCPU since put */
		return false;
	kick = timer ? vgic_inject_loaded(v->vm->vgic, v->index, VGIC_VTIMER_IRQ)
		     : vgic_maintenance(v->vm->vgic, v->index);
	if (kick)
		vm_kick(v->vm, kick);
	cpu->vtimer_active |= timer;
	return timer;
}

void hyp_irq(struct trap_frame *f __unused)
{
	static struct ratelimit rl;
	uint32_t iar = gic_ack();
	uint32_t id = iar & GIC_IAR_ID_MASK;
	bool keep_active = false;

	if (id == GIC_SPURIOUS)
		return;
	if (id == hyp.plat.timer.hyp_irq) {
		sched_timer_irq();
	} else if (id == SGI_KICK) {
		this_cpu()->need_resched = 1;
	} else if (id == SGI_RENDEZVOUS) {
		vmid_rendezvous_ack();
	} else if (id == hyp.plat.uart.irq) {
		console_input_irq();
	} else if (id == hyp.plat.gic.maint_irq || id == hyp.plat.timer.virt_irq) {
		keep_active = vcpu_irq(id);
	} else if (vm_passthrough_irq(id)) {
		keep_active = true;
	} else {
		/* Nobody handles it (yet): a level-sensitive source would fire
		 * again at once, so it is disabled rather than left to storm. */
		gic_disable_irq(id);
		if (ratelimit_allow(&rl, this_cpu()->ticks, 100, 5))
			log_warn("cpu%u: interrupt %lu has no handler: disabled", this_cpu()->index,
				 (unsigned long)id);
	}
	gic_eoi(iar);
	if (!keep_active)
		gic_deactivate(iar);
}
