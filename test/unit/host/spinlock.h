/* SPDX-License-Identifier: MIT */
/* include/spinlock.h for the host's unit tests (found first on their
 * include path): the same ticket lock with the compiler's atomics in place
 * of ldrex/strex and WFE. */
#ifndef LOWVISOR_SPINLOCK_H
#define LOWVISOR_SPINLOCK_H

#include <stdint.h>

#include "arch/sysreg.h"

struct spinlock {
	volatile uint16_t owner;
	volatile uint16_t next;
} __attribute__((aligned(4)));

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock(struct spinlock *l)
{
	uint16_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		;
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}

/* The lock with this CPU's IRQs masked: returns the mask state that
 * spin_unlock_irqrestore puts back. */
static inline uint32_t spin_lock_irqsave(struct spinlock *l)
{
	uint32_t flags = irq_save();

	spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, uint32_t flags)
{
	spin_unlock(l);
	irq_restore(flags);
}

#endif
