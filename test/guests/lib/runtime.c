// SPDX-License-Identifier: MIT
/* Boot state, the end of a guest, and time. */
#include "guest.h"

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
