// SPDX-License-Identifier: MIT
/*
 * Secondary CPUs and the HYP timer tick.  Logical CPU 0 is the boot CPU;
 * the others are the DT's cpus in order, started with PSCI CPU_ON through
 * the conduit the DT names.  A CPU that fails to start or does not report
 * within SMP_ONLINE_TIMEOUT_MS is logged and left out; boot goes on.
 */
#include "arch/sysreg.h"
#include "drivers.h"
#include "hyp.h"
#include "mm.h"
#include "log.h"
#include "percpu.h"
#include "arch/lpae.h"
#include "scheduler.h"
#include "smp.h"
#include "vm.h"

#define SMP_ONLINE_TIMEOUT_MS 2000

struct percpu percpu_area[PLAT_MAX_CPUS];
static unsigned cpu_count = 1;
static volatile uint32_t sched_started;

extern char secondary_entry[];
void secondary_main(unsigned index);

unsigned smp_cpu_count(void)
{
	return cpu_count;
}

/* The first BOOT_TICKS ticks come BOOT_TICK_US apart: boot waits for them
 * on every CPU (the report shows the interrupt path working) and should
 * not wait a 100 Hz tick's 30 ms for that. */
#define BOOT_TICKS 3
#define BOOT_TICK_US 20

static uint64_t tick_interval_now(const struct percpu *c)
{
	return c->ticks < BOOT_TICKS ? timer_us_to_ticks(BOOT_TICK_US) : c->tick_interval;
}

/* Housekeeping, from the HYP timer (sched_timer_irq) once next_tick is
 * due; the scheduler arms the timer. */
void tick_handle(uint64_t now)
{
	struct percpu *c = this_cpu();

	c->ticks++;
	c->exits += c->tick_exits;
	c->tick_exits = 0;
	if (c->index == 0 && c->ticks % 8 == 0)
		vm_flush_stale_output(now);
	c->next_tick += tick_interval_now(c);
	if (c->next_tick <= now) /* fell behind (e.g. a stalled host): do not storm */
		c->next_tick = now + tick_interval_now(c);
}

static void cpu_setup(struct percpu *c, unsigned index)
{
	c->index = index;
	c->mpidr = mpidr_read();
	sched_cpu_init(c);
	vtcr_write(STAGE2_VTCR);
	hcr_write(0);
	gic_cpu_init();
	c->gic_mask = gic_cpu_mask();
	gic_enable_irq(SGI_KICK, GIC_PRIO_HYP);
	gic_enable_irq(SGI_RENDEZVOUS, GIC_PRIO_HYP);
	gic_enable_irq(hyp.plat.gic.maint_irq, GIC_PRIO_HYP);
	gic_enable_irq(hyp.plat.timer.virt_irq, GIC_PRIO_HYP);
	timer_cpu_init();
	c->tick_interval = timer_freq() / hyp.opts.tick_hz;
	c->next_tick = timer_now() + tick_interval_now(c);
	gic_enable_irq(hyp.plat.timer.hyp_irq, GIC_PRIO_HYP);
	hyp_timer_arm_at(c->next_tick); /* the first tick */
}

void smp_init_boot_cpu(void)
{
	cpu_setup(&percpu_area[0], 0);
	percpu_area[0].online = 1;
	irq_enable();
}

void secondary_main(unsigned index)
{
	struct percpu *c = this_cpu();

	cpu_setup(c, index);
	dsb();
	c->online = 1;
	sev();
	log_info("cpu%u: online, mpidr 0x%08lx", index, (unsigned long)c->mpidr);
	irq_enable();
	while (!sched_started)
		wfe();
	sched_loop();
}

void smp_release(void)
{
	dsb();
	sched_started = 1;
	dsb();
	sev();
}

void smp_boot_secondaries(void)
{
	uint32_t self = mpidr_read() & 0x00ffffffu;
	uint32_t entry = (uint32_t)pa_addr(hyp_image_pa(secondary_entry));
	uint64_t deadline;
	unsigned i, logical = 1, pending = 0;

	/* An HVC from HYP traps to Lowvisor itself: no firmware behind it. */
	if (hyp.plat.psci.conduit != PSCI_CONDUIT_SMC && hyp.plat.cpu_count > 1)
		log_err("smp: PSCI conduit is %s: the other %u CPUs cannot be started",
			hyp.plat.psci.conduit == PSCI_CONDUIT_HVC ? "hvc (not usable from HYP)"
								  : "missing",
			hyp.plat.cpu_count - 1);
	if (hyp.plat.psci.conduit != PSCI_CONDUIT_SMC)
		return;
	for (i = 0; i < hyp.plat.cpu_count && logical < PLAT_MAX_CPUS; i++) {
		uint32_t mpidr = hyp.plat.cpu_mpidr[i];
		int32_t r;

		if (mpidr == self)
			continue;
		/* The DT's value until the CPU, online, writes its own. */
		percpu_area[logical].mpidr = mpidr;
		r = smc_call(hyp.plat.psci.cpu_on, mpidr, entry, logical);
		if (r == PSCI_RET_SUCCESS)
			pending |= 1u << logical;
		else
			log_err("smp: cpu%u (mpidr 0x%lx): CPU_ON failed: %s (%ld); continuing "
				"without it", logical, (unsigned long)mpidr, psci_strerror(r), (long)r);
		logical++;
	}
	cpu_count = logical;
	deadline = timer_now() + timer_us_to_ticks(SMP_ONLINE_TIMEOUT_MS * 1000ull);
	for (;;) {
		for (i = 1; i < logical; i++)
			if (percpu_area[i].online)
				pending &= ~(1u << i);
		if (!pending || timer_now() > deadline)
			break;
		wfe();
	}
	for (i = 1; i < logical; i++)
		if (pending & (1u << i))
			log_err("smp: cpu%u (mpidr 0x%lx) did not come up within %u ms; continuing "
				"without it", i, (unsigned long)(percpu_area[i].mpidr & 0x00ffffffu),
				SMP_ONLINE_TIMEOUT_MS);
}
