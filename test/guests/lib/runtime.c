// SPDX-License-Identifier: MIT
/* Boot state, the end of a guest, and time. */
#include "gic.h"
#include "guest.h"

#define TIMER_ID 27u

SYSREG32(cntv_ctl, 0, c14, c3, 1)
SYSREG64(cntv_cval, 3, c14)

struct boot_info boot_info; /* filled by start.S after BSS is cleared */

/* start.S stores r0-r2, CPSR, SCTLR with one stmia, then these two. */
_Static_assert(offsetof(struct boot_info, sctlr) == 16, "start.S stmia");
_Static_assert(offsetof(struct boot_info, load_addr) == 20, "start.S load_addr");
_Static_assert(offsetof(struct boot_info, dtb) == 24, "start.S dtb");

void guest_exit(int status)
{
	(void)status;
	printf("# done\n");
	psci_system_off();
	/* Only if SYSTEM_OFF failed: nothing else to do. */
	for (;;)
		__asm__ volatile("wfi");
}

uint64_t time_now_us(void)
{
	isb();
	return cntvct_read() * 1000000u / counter_freq();
}

void time_delay_us(uint64_t us)
{
	uint64_t end = time_now_us() + us;

	while (time_now_us() < end)
		;
}

void time_sleep_init(void)
{
	gicd_write(GICD_CTLR, 1);
	gicd_write(GICD_ISENABLER, 1u << TIMER_ID);
	gicc_write(GICC_PMR, 0xf0u);
	gicc_write(GICC_CTLR, 1);
}

/* WFI until the virtual timer says so; IRQs stay masked, so there is no
 * handler: the interrupt is acknowledged and ended here. */
void time_arm(uint64_t when)
{
	cntv_cval_write(when);
	cntv_ctl_write(CNTV_ENABLE);
	isb();
}

void time_sleep_until(uint64_t when)
{
	time_arm(when);
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
