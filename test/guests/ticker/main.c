// SPDX-License-Identifier: MIT
/*
 * ticker: a small VM that runs until it is stopped, printing "tick N" every
 * period_ms (bootargs, default 10000) of its virtual time and sleeping in
 * WFI in between (its virtual timer wakes it; IRQs stay masked, so no
 * handler: the interrupt is acknowledged and ended here).  The demo system
 * (configs/demo.its) and the management tests pause, resume, reset and
 * stop it and watch the ticks.  With ticks=N it ends after tick N (its VM
 * stops; the last one powers the machine off).
 */
#include "test.h"

int main(void)
{
	uint32_t period_ms = 10000, ticks = 0;
	uint64_t next;

	bootarg_u32("period_ms", &period_ms);
	bootarg_u32("ticks", &ticks);
	if (!period_ms)
		period_ms = 10000;
	time_sleep_init();
	printf("ticker: a tick every %lu ms\n", period_ms);
	next = counter();
	for (uint32_t n = 1; n != ticks + 1 || !ticks; n++) {
		next += (uint64_t)counter_freq() * period_ms / 1000u;
		time_sleep_until(next);
		printf("tick %lu\n", n);
	}
	return 0;
}
