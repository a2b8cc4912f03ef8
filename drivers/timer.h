/* SPDX-License-Identifier: MIT */
/* The generic timer as Lowvisor uses it: the physical count, and the HYP
 * timer (CNTHP_*, interrupt 26 on QEMU virt) for its own ticks. */
#ifndef LOWVISOR_TIMER_H
#define LOWVISOR_TIMER_H

#include <stdint.h>

void timer_init(uint32_t dt_freq);
uint32_t timer_freq(void);
uint64_t timer_now(void);
uint64_t timer_ticks_to_us(uint64_t ticks);
uint64_t timer_us_to_ticks(uint64_t us);
/* Per CPU: guests' physical timer trapped, virtual offset zero. */
void timer_cpu_init(void);
void hyp_timer_arm_at(uint64_t cval);
void hyp_timer_stop(void);

#endif
