// SPDX-License-Identifier: MIT
/*
 * irqpulse: a management VM that injects a number of edges of one SPI into
 * another VM with IRQ_LINE when it is told to (configs/linux-irq.its, where
 * the target is an unmodified Linux that counts them in /proc/interrupts).
 *
 * bootargs: intid=ID (the SPI's interrupt ID, 32..1019; required),
 * vm=N (the target VM's id, default 0), count=N (edges, default 5),
 * gap_ms=N (between edges, default 200: the target must have taken one
 * before the next comes, or the GIC keeps them as one pending interrupt).
 *
 * It prints its plan and then sleeps in WFI, woken by its UART's receive
 * interrupt, until a 'g' arrives on its console: the system test types it
 * once the target is ready to count.  Then one test, pulse.edges: count
 * times IRQ_LINE(vm, SPI intid, 1) and (.., 0), each returning 0, gap_ms
 * apart; it prints
 *   # injected N edges of ID X into vm Y
 * with the number of edges whose raise and lower both returned 0.
 */
#include "gic.h"
#include "test.h"

#define PMR_OPEN 0xf0u

#define SPI(id) lowvisor_irq_encode(LOWVISOR_IRQ_TYPE_SPI, 0, (id))

static uint32_t target_vm, intid, count = 5, gap_ms = 200;
static bool have_intid;

/* Waits for a 'g' on the console (uart_wait_for), the GIC on for it. */
static void wait_for_go(void)
{
	gicd_write(GICD_CTLR, 1);
	gicc_write(GICC_PMR, PMR_OPEN);
	gicc_write(GICC_CTLR, 1);
	uart_wait_for('g');
}

TEST(pulse, edges)
{
	uint32_t i, done = 0;

	ASSERT_TRUE(have_intid); /* intid= in the bootargs */
	for (i = 0; i < count; i++) {
		int32_t up = lowvisor_irq_line(target_vm, SPI(intid), 1);
		int32_t down = lowvisor_irq_line(target_vm, SPI(intid), 0);

		if (!EXPECT_EQ(up, 0) || !EXPECT_EQ(down, 0))
			break;
		done++;
		time_delay_us((uint64_t)gap_ms * 1000u);
	}
	printf("# injected %lu edges of ID %lu into vm %lu\n", (unsigned long)done,
	       (unsigned long)intid, (unsigned long)target_vm);
	EXPECT_EQ(done, count);
}

int main(void)
{
	have_intid = bootarg_u32("intid", &intid);
	bootarg_u32("vm", &target_vm);
	bootarg_u32("count", &count);
	bootarg_u32("gap_ms", &gap_ms);
	if (have_intid) {
		printf("# irqpulse: %lu edges of ID %lu into vm %lu, %lu ms apart; type g to "
		       "start\n", (unsigned long)count, (unsigned long)intid,
		       (unsigned long)target_vm, (unsigned long)gap_ms);
		wait_for_go();
	}
	return test_run_all();
}
