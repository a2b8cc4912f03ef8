/* SPDX-License-Identifier: MIT */
/*
 * VMIDs: the 8-bit tag (VTTBR[55:48]) that keeps VMs' stage-1&2 TLB entries
 * apart.  Guests get 1..255; VMID 0 is never handed out, so 0 means "none".
 * Modelled on Linux arm KVM (v5.x update_vmid()): a global 64-bit generation,
 * and a VM's id is valid only while its gen equals the global one.  Ids are
 * handed out in order; when all 255 are taken the generation advances, every
 * other CPU is made to leave its guest (the rendezvous), the TLBs of all
 * CPUs are flushed, and allocation restarts at 1.  A VM whose id belongs to
 * an old generation gets a fresh one on its next entry, so any number of VMs
 * can exist and run.  Ids are never freed one by one: a destroyed VM's id is
 * not reused before the next rollover's flush, so VM destruction needs
 * nothing from this module.
 *
 * Guest entry, on every CPU, in this order (the hypervisor's run loop):
 *
 *	for (;;) {
 *		vmid_check_and_update(&vm->vmid);     IRQs unmasked, no lock held
 *		irq_disable();
 *		id = vmid_current_id(&vm->vmid);
 *		if (id)
 *			break;
 *		irq_enable();                         a rollover came in between
 *	}
 *	write VTTBR = stage2_vttbr(tables, id), enter the guest
 *	without unmasking IRQs in HYP (physical IRQs trap to HYP in the guest:
 *	HCR.IMO)
 *
 * vmid_check_and_update() must not be called with IRQs masked: its slow
 * path can wait for the lock held by a CPU that is rolling over, which in
 * turn waits in the rendezvous for this CPU to take an interrupt.  The
 * recheck with IRQs masked is what makes the entry safe: if a rollover
 * starts after it, its interrupt stays pending and pulls the CPU out of the
 * guest at once, before the flush and before any id of the new generation
 * exists; if it started before, vmid_current_id() returns 0.
 *
 * Provided by the environment (the hypervisor, or the unit test's fakes):
 *
 * vmid_hw_lock, vmid_hw_unlock: one lock (a struct spinlock in the
 *   hypervisor) that only this module takes, always with IRQs unmasked.
 *   The slow path and the rollover, rendezvous and flush included, run
 *   under it.
 *
 * vmid_hw_rendezvous: called on the CPU that rolls over, lock held, IRQs
 *   unmasked, after the new generation is stored and a full barrier, before
 *   vmid_hw_flush_all().  It returns once every other CPU that can run
 *   guests has taken an interrupt in HYP since the call began.  In the
 *   hypervisor: bump a rendezvous sequence number, DSB ISH, send an SGI to
 *   every other online CPU, and wait until each one's per-CPU ack word
 *   equals the sequence number; the SGI handler copies the sequence number
 *   into its CPU's ack word (DMB ISH before the store).  A CPU that acked
 *   has left its guest (or was not in one) and can only enter again through
 *   the recheck above, which now fails; its vmid_check_and_update() then
 *   waits for the lock until the flush is done.  A CPU brought online later
 *   must be in the set the rendezvous reads (online flag, then DMB ISH)
 *   before its first vmid_current_id().  The waiting CPU keeps IRQs
 *   unmasked: an IRQ handler never takes the vmid lock.
 *
 * vmid_hw_flush_all: invalidates all non-secure non-HYP stage-1&2 TLB
 *   entries on every CPU: TLBIALLNSNHIS, ICIALLUIS (the architecture allows
 *   VMID-tagged instruction caches; Linux does the same), DSB ISH, ISB.
 *
 * Per-VM TLB maintenance (stage2_tlb_flush) must use vmid_last_id(), not
 * vmid_current_id(): between the generation advancing and the rendezvous
 * completing, a vCPU can still be running with its old-generation id.
 * Invalidating by a stale id only costs another VM some TLB refills.
 */
#ifndef LOWVISOR_VMID_H
#define LOWVISOR_VMID_H

#include "types.h"

#define VMID_BITS 8
#define VMID_FIRST 1u /* VMID 0 is never a guest's */
#define VMID_LAST 255u
#define VMID_COUNT (VMID_LAST - VMID_FIRST + 1)

/* One per VM, shared by its vCPUs.  All zero: no id yet.  Written only by
 * this module, under its lock; read without it. */
struct vmid {
	uint64_t gen; /* generation id belongs to; 0 = never had one */
	uint8_t id;
};

struct vmid_stats {
	uint64_t generation;  /* starts at 1 */
	uint64_t rollovers;   /* generation - 1 */
	uint64_t allocations; /* ids handed out since vmid_init() */
	unsigned live;        /* ids handed out in this generation, dead VMs' too */
};

/* Back to generation 1 with no id handed out.  At boot, before any CPU
 * runs a guest (and in each unit test).  The initial state is already
 * this, so calling it is optional at boot. */
void vmid_init(void);

/* Makes v's id current: lock-free if it already is, else takes the lock
 * and allocates one, rolling over when none is left.  Returns the id
 * (never 0).  IRQs unmasked, no lock held: see the entry sequence above. */
uint8_t vmid_check_and_update(struct vmid *v);

/* v's id if it belongs to the current generation, else 0.  Lock-free. */
uint8_t vmid_current_id(const struct vmid *v);

/* The id v last held, current or not; 0 if it never had one.  For
 * invalidating the VM's TLB entries. */
uint8_t vmid_last_id(const struct vmid *v);

/* A snapshot for reports; lock-free, so fields may be from moments apart. */
void vmid_stats_read(struct vmid_stats *st);

void vmid_hw_lock(void);
void vmid_hw_unlock(void);
void vmid_hw_rendezvous(void);
void vmid_hw_flush_all(void);

#endif
