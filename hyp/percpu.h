/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU data, reached through HTPIDR (TPIDRPRW belongs to the guest).
 * Logical CPU 0 is the CPU that booted; the others follow in DT order.
 */
#ifndef LOWVISOR_PERCPU_H
#define LOWVISOR_PERCPU_H

#include "arch/sysreg.h"
#include "list.h"
#include "platform.h"
#include "runq.h"

struct vcpu;
struct vcpu_gpregs;

#define PERCPU_STACK_SIZE 8192

/* The fields first: the hot paths reach them at small offsets from
 * HTPIDR (one instruction each). */
struct percpu {
	unsigned index;
	uint32_t mpidr;
	uint8_t gic_mask; /* its bit in GIC target lists */
	volatile uint32_t online;
	volatile uint32_t ticks;
	uint64_t tick_interval;
	uint64_t next_tick;       /* CNTPCT of the next housekeeping tick */
	/* The world switch and the scheduler. */
	struct vcpu_gpregs *guest_regs; /* boot/guest.S saves exits here */
	struct vcpu *loaded;            /* whose CP15 state is in the hardware */
	struct vcpu *vfp_owner;         /* whose VFP state is in the hardware */
	uint64_t vttbr;                 /* what vttbr_load last wrote (0: nothing) */
	volatile uint32_t need_resched; /* the HYP timer or a kick: ask the run queue */
	bool vtimer_active;             /* the virtual timer's PPI may be active */
	struct runq rq;                 /* the vCPUs placed on this CPU */
	uint64_t exits, switches, idle_waits; /* idle_waits: WFIs of the idle loop */
	uint32_t tick_exits; /* since the last tick, which adds them to exits: a 32-bit count
	                      * costs the trap paths fewer instructions */
	volatile uint32_t rendezvous_ack;
	uint8_t stack[PERCPU_STACK_SIZE] __aligned(4096); /* grows down towards the fields */
} __aligned(4096);

extern struct percpu percpu_area[PLAT_MAX_CPUS];

static inline struct percpu *this_cpu(void)
{
	return (struct percpu *)(uintptr_t)htpidr_read();
}

#endif
