/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU data, reached through HTPIDR (TPIDRPRW belongs to the guest).
 * Logical CPU 0 is the CPU that booted; the others follow in DT order.
 */
#ifndef LOWVISOR_PERCPU_H
#define LOWVISOR_PERCPU_H

#include "arch/sysreg.h"
#include "platform.h"

#define PERCPU_STACK_SIZE 8192

struct percpu {
	uint8_t stack[PERCPU_STACK_SIZE]; /* grows down towards the fields */
	unsigned index;
	uint32_t mpidr;
	volatile uint32_t online;
	volatile uint32_t ticks;
	uint64_t tick_interval;
	uint64_t online_at; /* CNTPCT when it reported */
} __aligned(4096);

extern struct percpu percpu_area[PLAT_MAX_CPUS];

static inline struct percpu *this_cpu(void)
{
	return (struct percpu *)htpidr_read();
}

#endif
