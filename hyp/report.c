// SPDX-License-Identifier: MIT
/*
 * The boot report: one block of "lowvisor:   key  value" lines that says
 * what Lowvisor found and set up.  Tests parse it; keep the keys stable.
 */
#include "hyp.h"
#include "log.h"
#include "pages.h"
#include "percpu.h"
#include "mm.h"
#include "drivers.h"
#include "report.h"
#include "smp.h"
#include "vm.h"

static const char *const conduit_names[] = {
	[PSCI_CONDUIT_NONE] = "none", [PSCI_CONDUIT_SMC] = "smc", [PSCI_CONDUIT_HVC] = "hvc",
};

static void report_cpus(void)
{
	unsigned i, n = smp_cpu_count(), online = 0;

	for (i = 0; i < n; i++)
		online += percpu_area[i].online ? 1 : 0;
	log_info("  cpus       %u of %u online", online, n);
	for (i = 0; i < n; i++) {
		const struct percpu *c = &percpu_area[i];

		if (c->online)
			log_info("  cpu%-2u      mpidr 0x%08lx online, hyp timer ticks %lu", i,
				 (unsigned long)c->mpidr, (unsigned long)c->ticks);
		else
			log_info("  cpu%-2u      mpidr 0x%08lx offline", i, (unsigned long)c->mpidr);
	}
}

static void report_memory(void)
{
	const struct platform *p = &hyp.plat;
	uint64_t total = 0;
	char a[24], b[24];
	unsigned i;

	for (i = 0; i < p->mem_count; i++) {
		log_info("  ram        %s-%s %s", HEX64(p->mem[i].base),
			 HEX64(range_end(&p->mem[i]) - 1), fmt_size(a, sizeof(a), p->mem[i].size));
		total += p->mem[i].size;
	}
	log_info("  memory     %s KiB free (%s) of %s in %u ranges",
		 U64(memory_free_bytes() >> 10), fmt_size(a, sizeof(a), memory_free_bytes()),
		 fmt_size(b, sizeof(b), total), memory_free_ranges());
}

void boot_report(void)
{
	const struct platform *p = &hyp.plat;
	const struct plat_gic *g = &p->gic;

	log_info("Lowvisor %s boot report", LOWVISOR_VERSION);
	log_info("  platform   %s (%s), %s", hyp.board ? hyp.board->name : "unknown board",
		 p->compatible, hyp.board ? hyp.board->status : "untested");
	report_cpus();
	report_memory();
	log_info("  gic        gicd %s gicc %s gich %s gicv %s", HEX64(g->gicd.base),
		 HEX64(g->gicc.base), HEX64(g->gich.base), HEX64(g->gicv.base));
	log_info("  gic        %u irqs, %u list registers, maintenance irq %lu", hyp.gic.irq_count,
		 hyp.gic.list_regs, (unsigned long)g->maint_irq);
	log_info("  timer      %lu Hz, hyp timer irq %lu at %u Hz", (unsigned long)timer_freq(),
		 (unsigned long)p->timer.hyp_irq, hyp.opts.tick_hz);
	log_info("  scheduler  %u us slices by default", hyp.opts.slice_us);
	log_info("  console    pl011 %s at %s", p->uart.path, HEX64(p->uart.regs.base));
	log_info("  psci       %s", conduit_names[p->psci.conduit]);
	log_info("  vms        %u running", vm_count());
	log_info("  log level  %s", log_level_name(log_get_level()));
	log_info("  boot time  %s us from entry to this report",
		 U64(timer_ticks_to_us(timer_now() - hyp.entry_time)));
}

void run_report(void)
{
	struct vmid_stats st;
	unsigned i;

	for (i = 0; i < smp_cpu_count(); i++) {
		const struct percpu *c = &percpu_area[i];

		if (c->online)
			log_info("  cpu%-2u      %s exits, %s vCPU switches, %s idle waits", i,
				 U64(c->exits + c->tick_exits), U64(c->switches), U64(c->idle_waits));
	}
	if (hyp.first_guest_time)
		log_info("  first vm   %s us from entry to the first guest instruction",
			 U64(timer_ticks_to_us(hyp.first_guest_time - hyp.entry_time)));
	if (hyp.last_vm_start_time)
		log_info("  last vm    %s us from entry to the last VM's first instruction",
			 U64(timer_ticks_to_us(hyp.last_vm_start_time - hyp.entry_time)));
	vmid_stats_read(&st);
	log_info("  vmids      generation %s, %s rollovers, %s allocated", U64(st.generation),
		 U64(st.rollovers), U64(st.allocations));
}
