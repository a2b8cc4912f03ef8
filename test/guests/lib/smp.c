// SPDX-License-Identifier: MIT
/* Secondary CPUs: PSCI CPU_ON into secondary_entry (start.S), which picks
 * the CPU's stacks by MPIDR.Aff0 and comes here. */
#include "guest.h"
#include "internal.h"

static volatile smp_fn_t cpu_fns[GUEST_MAX_CPUS];
static volatile struct cpu_entry_state cpu_entry[GUEST_MAX_CPUS];

uint32_t smp_cpu_index(void)
{
	return (mpidr_read() & 0xff) % GUEST_MAX_CPUS;
}

int32_t smp_cpu_on(uint32_t mpidr, smp_fn_t fn, uint32_t context_id)
{
	cpu_fns[(mpidr & 0xff) % GUEST_MAX_CPUS] = fn;
	dsb();
	return psci_cpu_on(mpidr, (uintptr_t)secondary_entry, context_id);
}

struct cpu_entry_state smp_entry_state(uint32_t aff0)
{
	const volatile struct cpu_entry_state *e =
		&cpu_entry[aff0 % GUEST_MAX_CPUS];
	struct cpu_entry_state copy = {
		.r0 = e->r0,
		.cpsr = e->cpsr,
		.sctlr = e->sctlr,
	};

	return copy;
}

void smp_secondary_main(uint32_t context_id, uint32_t cpsr, uint32_t sctlr)
{
	uint32_t me = smp_cpu_index();
	smp_fn_t fn;

	cpu_entry[me].r0 = context_id;
	cpu_entry[me].cpsr = cpsr;
	cpu_entry[me].sctlr = sctlr;
	dsb();
	fn = cpu_fns[me];
	if (fn)
		fn(context_id);
	else
		printf("# cpu 0x%lx started with nothing to run\n", mpidr_read());
	psci_cpu_off();
	printf("# cpu 0x%lx: CPU_OFF returned\n", mpidr_read());
	for (;;)
		__asm__ volatile("wfi");
}
