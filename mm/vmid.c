// SPDX-License-Identifier: MIT
/*
 * The VMID allocator (see vmid.h for the model and the rendezvous contract).
 *
 * Everything is written under vmid_hw_lock(); the entry fast path reads
 * without it, so the shared words are accessed with __atomic builtins (on
 * ARMv7 a 64-bit one is an inline ldrexd/strexd or LPAE ldrd, never a
 * library call).  Memory ordering:
 *
 * - A VM's id is stored before its gen, the gen with release; the fast path
 *   loads the gen with acquire before the id.  Seeing v->gen == generation
 *   therefore means seeing the id allocated in that generation, even when
 *   another vCPU of the VM allocated it on another CPU.
 * - The fast path loads the global generation with acquire before v->gen
 *   and v->id, so those are never older than the generation they are
 *   compared with (Linux's smp_rmb() in need_new_vmid_gen()).  A generation
 *   read stale by a moment is harmless: the rollover interrupts every CPU
 *   before it flushes or hands out a new-generation id, and a CPU with IRQs
 *   masked cannot be past that point.
 * - The rollover stores the new generation with a full barrier (seq_cst)
 *   before the rendezvous, so any CPU interrupted by it, or reaching the
 *   lock after it, sees the new generation and does not enter a guest with
 *   an old id.
 */
#include "mm.h"

static struct {
	uint64_t gen;         /* read lock-free */
	unsigned next;        /* the next id to hand out; > VMID_LAST: none left */
	uint64_t rollovers;   /* read lock-free, by vmid_stats_read() */
	uint64_t allocations; /* likewise */
} vmids = { .gen = 1, .next = VMID_FIRST };

void vmid_init(void)
{
	vmids = (__typeof__(vmids)){ .gen = 1, .next = VMID_FIRST };
}

uint8_t vmid_current_id(const struct vmid *v)
{
	uint64_t gen = __atomic_load_n(&vmids.gen, __ATOMIC_ACQUIRE);

	if (__atomic_load_n(&v->gen, __ATOMIC_ACQUIRE) != gen)
		return 0;
	return __atomic_load_n(&v->id, __ATOMIC_RELAXED);
}

uint8_t vmid_last_id(const struct vmid *v)
{
	return __atomic_load_n(&v->id, __ATOMIC_RELAXED);
}

/* Lock held.  The order is the contract's: no CPU may still be in a guest
 * when the flush runs, or it could refill entries of an old-generation id
 * that is about to be reused. */
static void rollover_locked(void)
{
	__atomic_store_n(&vmids.gen, vmids.gen + 1, __ATOMIC_SEQ_CST);
	vmid_hw_rendezvous();
	vmid_hw_flush_all();
	vmids.next = VMID_FIRST;
	__atomic_store_n(&vmids.rollovers, vmids.rollovers + 1, __ATOMIC_RELAXED);
}

static void assign_locked(struct vmid *v)
{
	if (vmids.next > VMID_LAST)
		rollover_locked();
	__atomic_store_n(&v->id, (uint8_t)vmids.next, __ATOMIC_RELAXED);
	__atomic_store_n(&v->gen, vmids.gen, __ATOMIC_RELEASE);
	__atomic_store_n(&vmids.next, vmids.next + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&vmids.allocations, vmids.allocations + 1, __ATOMIC_RELAXED);
}

uint8_t vmid_check_and_update(struct vmid *v)
{
	uint8_t id = vmid_current_id(v);

	if (id)
		return id;
	vmid_hw_lock();
	/* Another vCPU of this VM may have got it an id while we waited. */
	if (!vmid_current_id(v))
		assign_locked(v);
	id = v->id;
	vmid_hw_unlock();
	return id;
}

void vmid_stats_read(struct vmid_stats *st)
{
	st->generation = __atomic_load_n(&vmids.gen, __ATOMIC_RELAXED);
	st->rollovers = __atomic_load_n(&vmids.rollovers, __ATOMIC_RELAXED);
	st->allocations = __atomic_load_n(&vmids.allocations, __ATOMIC_RELAXED);
	st->live = __atomic_load_n(&vmids.next, __ATOMIC_RELAXED) - VMID_FIRST;
}
