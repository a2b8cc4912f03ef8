/* SPDX-License-Identifier: MIT */
/* Ticket spinlock (ldrex/strex); needs the MMU on (normal memory). */
#ifndef LOWVISOR_SPINLOCK_H
#define LOWVISOR_SPINLOCK_H

#include <stdint.h>

#include "arch/sysreg.h"

/* Word aligned: ldrex/strex fault on anything less, MMU or not. */
struct spinlock {
	volatile uint16_t owner;
	volatile uint16_t next;
} __attribute__((aligned(4)));

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock(struct spinlock *l)
{
	uint32_t tmp, newval, ticket;

	__asm__ volatile("1:	ldrex	%0, [%3]\n"
			 "	add	%1, %0, #0x10000\n"
			 "	strex	%2, %1, [%3]\n"
			 "	teq	%2, #0\n"
			 "	bne	1b\n"
			 : "=&r"(ticket), "=&r"(newval), "=&r"(tmp)
			 : "r"(l)
			 : "cc", "memory");
	while ((ticket >> 16) != l->owner)
		__asm__ volatile("wfe" ::: "memory");
	__asm__ volatile("dmb ish" ::: "memory");
}

static inline void spin_unlock(struct spinlock *l)
{
	__asm__ volatile("dmb ish" ::: "memory");
	l->owner = (uint16_t)(l->owner + 1);
	__asm__ volatile("dsb ishst\n sev" ::: "memory");
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
