// SPDX-License-Identifier: MIT
#include "arch/sysreg.h"
#include "drivers.h"

#define CNTHP_CTL_ENABLE (1u << 0)
#define CNTHP_CTL_IMASK (1u << 1)

static uint32_t freq;

void timer_init(uint32_t dt_freq)
{
	/* The DT's clock-frequency overrides a CNTFRQ that firmware left unset;
	 * with neither, 62.5 MHz. */
	freq = dt_freq ?: cntfrq_read() ?: 62500000;
}

uint32_t timer_freq(void)
{
	return freq;
}

uint64_t timer_now(void)
{
	isb();
	return cntpct_read();
}

uint64_t timer_ticks_to_us(uint64_t ticks)
{
	return ticks / freq * 1000000 + (ticks % freq) * 1000000 / freq;
}

uint64_t timer_us_to_ticks(uint64_t us)
{
	return us / 1000000 * freq + (us % 1000000) * freq / 1000000;
}

void timer_cpu_init(void)
{
	/* PL1 may read the physical counter but not use the physical timer. */
	cnthctl_write(1u << 0);
	cntvoff_write(0);
	cnthp_ctl_write(CNTHP_CTL_IMASK); /* the HYP timer stays quiet until armed */
	isb();
}

void hyp_timer_arm_at(uint64_t cval)
{
	cnthp_cval_write(cval);
	cnthp_ctl_write(CNTHP_CTL_ENABLE);
	isb();
}
