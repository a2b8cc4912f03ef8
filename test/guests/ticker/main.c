// SPDX-License-Identifier: MIT
/*
 * ticker: a small VM that runs until it is stopped, printing "tick N" every
 * period_ms (bootargs, default 10000) of its virtual time and sleeping in
 * WFI in between (its virtual timer wakes it; IRQs stay masked, so no
 * handler: the interrupt is acknowledged and ended here).  The demo system
 * (configs/demo.its) and the management tests pause, resume, reset and
 * stop it and watch the ticks.
 */
#include "gic.h"
#include "test.h"

#define TIMER_ID 27u

SYSREG32(cntv_ctl, 0, c14, c3, 1)
SYSREG64(cntv_cval, 3, c14)

static void sleep_until(uint64_t when)
{
	cntv_cval_write(when);
	cntv_ctl_write(CNTV_ENABLE);
	isb();
	while (counter() < when)
		wfi();
	cntv_ctl_write(0);
	isb();
	for (;;) {
		uint32_t iar = gicc_read(GICC_IAR);

		if ((iar & 0x3ffu) >= 1020)
			break;
		gicc_write(GICC_EOIR, iar);
	}
}

int main(void)
{
	uint32_t period_ms = 10000;
	uint64_t next;

	bootarg_u32("period_ms", &period_ms);
	if (!period_ms)
		period_ms = 10000;
	gicd_write(GICD_CTLR, 1);
	gicd_write(GICD_ISENABLER, 1u << TIMER_ID);
	gicc_write(GICC_PMR, 0xf0u);
	gicc_write(GICC_CTLR, 1);
	printf("ticker: a tick every %lu ms\n", period_ms);
	next = counter();
	for (uint32_t n = 1;; n++) {
		next += (uint64_t)counter_freq() * period_ms / 1000u;
		sleep_until(next);
		printf("tick %lu\n", n);
	}
	return 0;
}
