/* SPDX-License-Identifier: MIT */
/* The CPUs (hyp/smp.c): bringing them up, their ticks, and the SGIs
 * they send each other. */
#ifndef LOWVISOR_SMP_H
#define LOWVISOR_SMP_H

#include "types.h"

/* The boot CPU's own per-CPU set-up, then interrupts on. */
void smp_init_boot_cpu(void);
void smp_boot_secondaries(void);
/* Lets the secondaries, waiting after they came online, start scheduling. */
void smp_release(void);
unsigned smp_cpu_count(void);
void tick_handle(uint64_t now);

/* The SGIs between CPUs: look at the run queue again (sched_kick), and
 * take part in a VMID rollover (hyp/mm_env.c), which the receiving CPU
 * acknowledges with vmid_rendezvous_ack from its IRQ handler. */
#define SGI_KICK 0
#define SGI_RENDEZVOUS 1

void vmid_rendezvous_ack(void);

#endif
