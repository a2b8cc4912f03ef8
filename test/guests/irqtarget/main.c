// SPDX-License-Identifier: MIT
/*
 * irqtarget: the target of the management guest's IRQ_LINE calls
 * (configs/irq-line.its: VM id 0, 2 vCPUs; test/guests/irqmgmt is the
 * manager).  Both vCPUs install an IRQ handler that records (vCPU,
 * interrupt ID) and EOIs.  The distributor is set up with
 *   SPI 40 (ID 72): edge-triggered, to CPU 0,
 *   SPI 41 (ID 73): level-sensitive, to CPU 0,
 *   PPI 20: enabled on each vCPU (banked ISENABLER0, set by each vCPU),
 * then the guest prints "ready" and waits about WINDOW_US of the virtual
 * counter in WFI (each vCPU's virtual timer, PPI 27, wakes it at the end),
 * and prints what arrived, one line per (ID, vCPU):
 *   got 72 on cpu 0 count 1
 * The checks: the edge SPI arrived exactly once on vCPU 0; the level SPI
 * at least once on vCPU 0 and is not pending at the end (the manager
 * lowered it); PPI 20 once, on vCPU 1 only (the manager targets vCPU 1);
 * nothing else.
 *
 * The level sources (ID 73, PPI 20) are disabled by the handler when first
 * taken, so a line held high does not storm; the line is lowered while the
 * interrupt is disabled, which must leave it not pending.
 *
 * The vCPUs' own lines (type 0): the manager raises vCPU 1's IRQ line and
 * vCPU 0's FIQ line, each for a while, then lowers them.  An IRQ exception
 * with GICC_IAR = 1023 while ISR.I shows the line is that vCPU's IRQ line:
 * the handler counts it and waits, IRQs masked, until ISR.I drops (the
 * manager lowered it), so the line does not storm.  A FIQ is taken by the
 * library's handler, which records it and returns with FIQs masked.  The
 * guest prints, e.g.
 *   line irq on cpu 1 count 1 lowered 1
 *   line fiq on cpu 0 count 1 lowered 1
 * Each must come once, on its vCPU only, and be low at the end.
 *
 * Natively (no hypervisor, nobody injects) the tests of what arrived fail.
 */
#include "gic.h"
#include "test.h"




#define IAR_ID(v) ((v) & 0x3ffu)

#define PRIO_IRQ 0xa0u
#define PMR_OPEN 0xf0u

#define SPI_EDGE 72 /* SPI 40 */
#define SPI_LEVEL 73 /* SPI 41 */
#define PPI_INJ 20
#define TIMER_ID 27

#define WINDOW_US 3000000u
#define SECONDARY_TIMEOUT_US 2000000u
#define LOG_IDS 128

SYSREG32(cntv_ctl, 0, c14, c3, 1)
SYSREG32(isr, 0, c12, c1, 0)
SYSREG64(cntv_cval, 3, c14)


static void irq_set_edge(uint32_t id, bool edge)
{
	uint32_t off = GICD_ICFGR + (id / 16) * 4, bit = 2u << ((id % 16) * 2);
	uint32_t v = gicd_read(off);

	gicd_write(off, edge ? v | bit : v & ~bit);
}

static bool irq_is_edge(uint32_t id)
{
	return (gicd_read(GICD_ICFGR + (id / 16) * 4) >> ((id % 16) * 2)) & 2u;
}

/* --- What each vCPU's handler saw --- */

struct irq_log {
	uint32_t count[LOG_IDS];
	uint32_t other; /* IDs >= LOG_IDS (not spurious) */
	uint32_t spurious; /* IAR read 1020..1023 without the IRQ line */
	uint32_t line_irq; /* IRQ exceptions of the vCPU's own IRQ line */
	uint32_t line_irq_lowered; /* ... that ended with the line low */
	uint32_t line_fiq; /* FIQ exceptions (the vCPU's FIQ line) */
	uint32_t isr_at_end; /* ISR.I and ISR.F after the window */
};

#define ISR_F (1u << 6)
#define ISR_I (1u << 7)
#define LINE_WAIT_US 2000000u

static volatile struct irq_log logs[2];
static volatile uint64_t deadline;
static volatile uint32_t sec_up, sec_done;
static uint32_t cpu_regs[GUEST_MAX_CPUS];
static int cpu_total;

static void irq_handler(void)
{
	uint32_t cpu = smp_cpu_index() & 1;
	uint32_t iar = mmio_read32(GICC_BASE + GICC_IAR), id = IAR_ID(iar);

	if (id >= 1020) {
		uint64_t end = counter() + (uint64_t)counter_freq() * (LINE_WAIT_US / 1000u) / 1000u;

		if (!(isr_read() & ISR_I)) {
			logs[cpu].spurious++;
			return;
		}
		logs[cpu].line_irq++;
		while ((isr_read() & ISR_I) && counter() < end)
			;
		if (!(isr_read() & ISR_I))
			logs[cpu].line_irq_lowered++;
		return;
	}
	if (id == TIMER_ID)
		cntv_ctl_write(CNTV_ENABLE | CNTV_IMASK);
	if (id == SPI_LEVEL || id == PPI_INJ)
		irq_bit_write(GICD_ICENABLER, id); /* no storm while held high */
	mmio_write32(GICC_BASE + GICC_EOIR, iar);
	if (id < LOG_IDS)
		logs[cpu].count[id]++;
	else
		logs[cpu].other++;
	sev();
}

/* This vCPU's banked part: PPI 20 and the timer, the CPU interface. */
static void cpu_init(void)
{
	exc_set_irq_handler(irq_handler);
	mmio_write8(GICD_BASE + GICD_IPRIORITYR + PPI_INJ, PRIO_IRQ);
	mmio_write8(GICD_BASE + GICD_IPRIORITYR + TIMER_ID, PRIO_IRQ);
	irq_bit_write(GICD_ICPENDR, PPI_INJ);
	irq_bit_write(GICD_ISENABLER, PPI_INJ);
	irq_bit_write(GICD_ISENABLER, TIMER_ID);
	mmio_write32(GICC_BASE + GICC_PMR, PMR_OPEN);
	mmio_write32(GICC_BASE + GICC_CTLR, 1);
}

/* WFI with IRQs unmasked until the deadline; this vCPU's virtual timer
 * wakes it then if nothing else does. */
static void window(void)
{
	uint32_t cpu = smp_cpu_index() & 1;

	cntv_cval_write(deadline);
	cntv_ctl_write(CNTV_ENABLE);
	isb();
	exc_set_quiet(true);
	exc_expect(true);
	exc_clear();
	__asm__ volatile("cpsie f" ::: "memory"); /* the FIQ line's, once */
	irqs_on();
	while (counter() < deadline)
		wfi();
	irqs_off();
	__asm__ volatile("cpsid f\n\tisb" ::: "memory");
	exc_expect(false);
	exc_set_quiet(false);
	logs[cpu].line_fiq = exc_last().type == EXC_FIQ ? 1 : 0;
	logs[cpu].isr_at_end = isr_read() & (ISR_I | ISR_F);
	cntv_ctl_write(0);
	isb();
}

static void secondary(uint32_t ctx)
{
	(void)ctx;
	cpu_init();
	dsb();
	sec_up = 1;
	sev();
	window();
	dsb();
	sec_done = 1;
	sev();
}

static void spi_setup(uint32_t id, bool edge)
{
	irq_bit_write(GICD_ICENABLER, id);
	irq_bit_write(GICD_ICPENDR, id);
	irq_bit_write(GICD_ICACTIVER, id);
	irq_set_edge(id, edge);
	mmio_write8(GICD_BASE + GICD_IPRIORITYR + id, PRIO_IRQ);
	mmio_write8(GICD_BASE + GICD_ITARGETSR + id, 1u); /* CPU 0 */
	irq_bit_write(GICD_ISENABLER, id);
}

static bool setup_ok, level_pending_after;

static void run_window(void)
{
	uint64_t end;

	gicd_write(GICD_CTLR, 1);
	spi_setup(SPI_EDGE, true);
	spi_setup(SPI_LEVEL, false);
	cpu_init();
	setup_ok = irq_is_edge(SPI_EDGE) && !irq_is_edge(SPI_LEVEL) &&
		   irq_bit(GICD_ISENABLER, SPI_EDGE) && irq_bit(GICD_ISENABLER, SPI_LEVEL) &&
		   irq_bit(GICD_ISENABLER, PPI_INJ);
	deadline = counter() + (uint64_t)counter_freq() * (WINDOW_US / 1000u) / 1000u +
		   (uint64_t)counter_freq() / 2; /* + the secondary's start */
	if (cpu_total >= 2 && smp_cpu_on(cpu_regs[1], secondary, 1) == PSCI_RET_SUCCESS) {
		end = time_now_us() + SECONDARY_TIMEOUT_US;
		while (!sec_up && time_now_us() < end)
			;
	}
	printf("ready\n");
	window();
	end = time_now_us() + SECONDARY_TIMEOUT_US;
	while (sec_up && !sec_done && time_now_us() < end)
		;
	level_pending_after = irq_bit(GICD_ISPENDR, SPI_LEVEL);
	for (uint32_t cpu = 0; cpu < 2; cpu++) {
		for (uint32_t id = 0; id < LOG_IDS; id++) {
			uint32_t n = logs[cpu].count[id];

			if (!n)
				continue;
			if (id == TIMER_ID)
				printf("# timer %lu on cpu %lu count %lu\n", id, cpu, n);
			else
				printf("got %lu on cpu %lu count %lu\n", id, cpu, n);
		}
		if (logs[cpu].line_irq)
			printf("line irq on cpu %lu count %lu lowered %lu\n", cpu,
			       logs[cpu].line_irq, logs[cpu].line_irq_lowered);
		if (logs[cpu].line_fiq)
			printf("line fiq on cpu %lu count %lu lowered %lu\n", cpu,
			       logs[cpu].line_fiq, (logs[cpu].isr_at_end & ISR_F) ? 0ul : 1ul);
		printf("# cpu %lu: %lu spurious, %lu with ID >= %u, ISR 0x%lx at the end\n", cpu,
		       logs[cpu].spurious, logs[cpu].other, LOG_IDS, logs[cpu].isr_at_end);
	}
}

TEST(irqtarget, setup)
{
	EXPECT_GE(cpu_total, 2);
	EXPECT_TRUE(setup_ok);
	EXPECT_EQ(sec_up, 1);
	EXPECT_EQ(sec_done, 1);
}

TEST(irqtarget, spi_edge_once_on_cpu0)
{
	EXPECT_EQ(logs[0].count[SPI_EDGE], 1);
	EXPECT_EQ(logs[1].count[SPI_EDGE], 0);
}

TEST(irqtarget, spi_level_on_cpu0_then_lowered)
{
	EXPECT_GE(logs[0].count[SPI_LEVEL], 1u);
	EXPECT_EQ(logs[1].count[SPI_LEVEL], 0);
	EXPECT_EQ(level_pending_after, 0);
}

TEST(irqtarget, ppi_once_on_cpu1)
{
	EXPECT_EQ(logs[1].count[PPI_INJ], 1);
	EXPECT_EQ(logs[0].count[PPI_INJ], 0);
}

TEST(irqtarget, irq_line_once_on_cpu1_then_lowered)
{
	EXPECT_EQ(logs[1].line_irq, 1);
	EXPECT_EQ(logs[1].line_irq_lowered, 1);
	EXPECT_EQ(logs[0].line_irq, 0);
	EXPECT_EQ(logs[1].isr_at_end & ISR_I, 0);
}

TEST(irqtarget, fiq_line_on_cpu0_then_lowered)
{
	EXPECT_EQ(logs[0].line_fiq, 1);
	EXPECT_EQ(logs[1].line_fiq, 0);
	EXPECT_EQ(logs[0].isr_at_end & ISR_F, 0);
}

TEST(irqtarget, nothing_else)
{
	for (uint32_t cpu = 0; cpu < 2; cpu++) {
		for (uint32_t id = 0; id < LOG_IDS; id++) {
			if (id == SPI_EDGE || id == SPI_LEVEL || id == PPI_INJ || id == TIMER_ID)
				continue;
			if (logs[cpu].count[id])
				FAIL("ID %lu arrived %lu time(s) on cpu %lu", id,
				     logs[cpu].count[id], cpu);
		}
		EXPECT_EQ(logs[cpu].other, 0);
	}
}

int main(void)
{
	cpu_total = fdt_cpus(guest_dtb(), cpu_regs, GUEST_MAX_CPUS);
	printf("# irqtarget: %d vCPU(s), counter %lu Hz\n", cpu_total, counter_freq());
	run_window();
	return test_run_all();
}
