// SPDX-License-Identifier: MIT
/*
 * What mm/stage2.c and mm/vmid.c need from the running hypervisor: table
 * pages reached at VA == PA, TLB maintenance by VMID, and the rendezvous of
 * all CPUs at a VMID rollover (the contract in mm/mm.h).
 */
#include "arch/cache.h"
#include "drivers.h"
#include "list.h"
#include "pages.h"
#include "percpu.h"
#include "smp.h"
#include "spinlock.h"
#include "mm.h"
#include "vm.h"

void *stage2_phys_to_virt(paddr_t pa)
{
	return (void *)(uintptr_t)pa_addr(pa);
}

/* VTCR makes table walks inner-shareable write-back: coherent with the
 * data cache, so ordering the stores is enough. */
void stage2_sync_table(void *va __unused, size_t len __unused)
{
	table_store_barrier();
}

void stage2_tlb_flush(const struct stage2 *s2)
{
	const struct vm *vm = container_of(s2, struct vm, s2);
	uint8_t id = vmid_last_id(&vm->vmid);
	uint32_t flags;
	uint64_t saved;

	if (!id)
		return;
	flags = irq_save();
	saved = vttbr_read();
	vttbr_write(stage2_vttbr(s2, id));
	isb();
	tlb_flush_vmid();
	vttbr_write(saved);
	isb();
	irq_restore(flags);
}

void stage2_free_page(paddr_t pa)
{
	page_free(pa_addr(pa), PAGE_SIZE);
}

static struct spinlock vmid_lock = SPINLOCK_INIT;
static volatile uint32_t rendezvous_seq;

void vmid_hw_lock(void)
{
	spin_lock(&vmid_lock);
}

void vmid_hw_unlock(void)
{
	spin_unlock(&vmid_lock);
}

/* From hyp_irq on SGI_RENDEZVOUS: this CPU has left its guest. */
void vmid_rendezvous_ack(void)
{
	dmb();
	this_cpu()->rendezvous_ack = rendezvous_seq;
	dsb();
	sev();
}

void vmid_hw_rendezvous(void)
{
	struct percpu *self = this_cpu();
	uint32_t seq = rendezvous_seq + 1;
	uint8_t targets = 0;
	unsigned i;

	rendezvous_seq = seq;
	dsb_ish();
	for (i = 0; i < smp_cpu_count(); i++)
		if (&percpu_area[i] != self && percpu_area[i].online)
			targets |= percpu_area[i].gic_mask;
	if (targets)
		gic_send_sgi(SGI_RENDEZVOUS, targets);
	for (i = 0; i < smp_cpu_count(); i++) {
		const struct percpu *c = &percpu_area[i];

		if (c == self || !c->online)
			continue;
		while (c->rendezvous_ack != seq)
			wfe();
	}
}

void vmid_hw_flush_all(void)
{
	tlb_flush_guests();
}
