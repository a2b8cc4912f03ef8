// SPDX-License-Identifier: MIT
/*
 * sched: one of several single-vCPU VMs sharing a physical CPU
 * (configs/sched.its), in the role its bootargs give:
 *
 *   role=spin seed=S: CPU-bound.  Fills d0-d31 and FPSCR with a pattern of
 *     its own (from S) and, from WINDOW_START_US to WINDOW_END_US of its
 *     virtual counter, does units of fixed work, re-reading and checking the
 *     VFP registers after each.  It prints how many units it did (the test
 *     compares the shares of all spinners) and how often it was switched
 *     out (a jump of the counter: the others ran), and checks that the VFP
 *     registers never changed.
 *
 *   role=timer limit=US [busy=US]: arms its virtual timer ROUNDS times, a
 *     few milliseconds ahead, and waits for the interrupt, in WFI (blocked:
 *     only the hypervisor's timer can wake it) and, with busy=US, spinning
 *     with IRQs unmasked every other round (runnable but descheduled while
 *     the spinners run).  The handler notes the counter; the lateness past
 *     CVAL must stay within `limit` microseconds in WFI (it has some of its
 *     turn left: at once) and `busy` spinning (its turn in the rotation).
 *
 *   role=count cpus=N tick=US: N vCPUs (all on one physical CPU) count
 *     units of fixed work from WINDOW_START_US to WINDOW_END_US, each with
 *     its virtual timer interrupting every `tick` microseconds, as a Linux
 *     guest's tick does.  The first prints each one's units, ticks and
 *     longest time switched out; the shares must be within 10 % of their
 *     mean.
 *
 *   role=ipi cpus=N limit=US: N vCPUs on one physical CPU, as an SMP
 *     Linux's cross-CPU calls use them: vCPU 0 sends an SGI to vCPU 1,
 *     which waits in WFI, and spins (no WFE) until its handler's reply;
 *     vCPUs 2.. count, CPU-bound; between rounds vCPU 0 works a few
 *     milliseconds, so rounds start anywhere in the turns.  The woken vCPU
 *     has most of its turn left, so it must run at once: the median and the
 *     longest round trip must stay within `limit` microseconds, where
 *     waiting out the spinning sender's turn takes a slice.
 *
 * They print "# sched: ..." lines with the numbers and TAP results.
 * Natively (alone on a CPU) the spinner passes trivially and the timer is
 * never late.
 */
#include "gic.h"
#include "test.h"

#define WINDOW_START_US 50000u
#define WINDOW_END_US 550000u
#define WORK_UNIT 200u       /* loop iterations per unit of work */
#define GAP_US 500u          /* a jump of the counter this long: switched out */
#define ROUNDS 12
#define TIMER_ID 27u
#define PRIO_IRQ 0xa0u
#define PMR_OPEN 0xf0u

SYSREG32(cpacr, 0, c1, c0, 2)
SYSREG32(cntv_ctl, 0, c14, c3, 1)
SYSREG64(cntv_cval, 3, c14)

static uint64_t us_to_ticks(uint64_t us)
{
	return us * counter_freq() / 1000000u;
}

static uint32_t ticks_to_us(uint64_t t)
{
	return (uint32_t)(t * 1000000u / counter_freq());
}

/* --- role=spin --- */

static uint32_t seed;
static uint32_t units, switches, max_gap_us, vfp_checks, vfp_bad;

static uint64_t pattern(uint32_t i)
{
	uint64_t x = (uint64_t)(seed * 0x9e3779b9u + i) << 32 | (seed ^ (i * 0x85ebca6bu));

	return x ^ 0x5555aaaa5555aaaaull;
}

static void spin(void)
{
	uint64_t want[32], got[32];
	uint64_t start = us_to_ticks(WINDOW_START_US), end = us_to_ticks(WINDOW_END_US);
	uint64_t gap = us_to_ticks(GAP_US), now, last;
	uint32_t fpscr_want = (seed & 3u) << 22; /* a rounding mode of its own */
	volatile uint32_t sink = seed;

	cpacr_write(cpacr_read() | CPACR_CP10_CP11);
	isb();
	fpexc_write(fpexc_read() | FPEXC_EN);
	for (uint32_t i = 0; i < 32; i++)
		want[i] = pattern(i);
	vfp_load(want, fpscr_want);

	while (counter() < start)
		;
	last = counter();
	while ((now = counter()) < end) {
		if (now - last > gap) {
			uint32_t us = ticks_to_us(now - last);

			switches++;
			if (us > max_gap_us)
				max_gap_us = us;
		}
		last = now;
		for (uint32_t i = 0; i < WORK_UNIT; i++)
			sink = sink * 1664525u + 1013904223u;
		if (vfp_store(got) != fpscr_want)
			vfp_bad++;
		for (uint32_t i = 0; i < 32; i++)
			if (got[i] != want[i])
				vfp_bad++;
		vfp_checks++;
		units++;
	}
	printf("# sched: spin seed=%lu units=%lu switches=%lu max_gap_us=%lu vfp_checks=%lu "
	       "vfp_bad=%lu\n",
	       seed, units, switches, max_gap_us, vfp_checks, vfp_bad);
}

TEST(sched, vfp_survives_switches)
{
	if (!seed) {
		test_skip("not a spinner");
		return;
	}
	EXPECT_EQ(vfp_bad, 0);
	EXPECT_GE(vfp_checks, 1000);
}

TEST(sched, spinner_made_progress)
{
	if (!seed) {
		test_skip("not a spinner");
		return;
	}
	EXPECT_GE(units, 1000);
}

/* --- role=timer --- */

static volatile uint64_t fired_at;
static volatile uint32_t fired;
static uint32_t limit_us, busy_limit_us, wfi_max_us, busy_max_us, rounds_done;
static bool is_timer;

static void irq_handler(void)
{
	uint64_t now = counter();
	uint32_t iar = gicc_read(GICC_IAR);

	if ((iar & 0x3ffu) == TIMER_ID) {
		fired_at = now;
		fired++;
		cntv_ctl_write(CNTV_ENABLE | CNTV_IMASK);
		isb();
	}
	if ((iar & 0x3ffu) < 1020)
		gicc_write(GICC_EOIR, iar);
}

/* Arms the timer ahead_us from now, waits for it in WFI or spinning;
 * returns how late the handler ran, in microseconds (~0u: never). */
static uint32_t timer_round(uint32_t ahead_us, bool in_wfi)
{
	uint32_t before = fired;
	uint64_t cval = counter() + us_to_ticks(ahead_us);
	uint64_t give_up = cval + us_to_ticks(1000000u);

	cntv_cval_write(cval);
	cntv_ctl_write(CNTV_ENABLE);
	isb();
	while (fired == before && counter() < give_up) {
		if (in_wfi) {
			/* WFI with IRQs masked (a pending IRQ ends it), then
			 * take it: no window for it to slip in before WFI. */
			wfi();
			irqs_on();
			irqs_off();
		} else {
			irqs_on();
			irqs_off();
		}
	}
	cntv_ctl_write(0);
	isb();
	if (fired == before)
		return ~0u;
	return fired_at < cval ? 0 : ticks_to_us(fired_at - cval);
}

static void timer(void)
{
	exc_set_irq_handler(irq_handler);
	gicd_write(GICD_ISENABLER, 1u << TIMER_ID);
	mmio_write8(GICD_BASE + GICD_IPRIORITYR + TIMER_ID, PRIO_IRQ);
	gicc_write(GICC_PMR, PMR_OPEN);
	gicc_write(GICC_CTLR, 1);
	gicd_write(GICD_CTLR, 1);

	while (counter() < us_to_ticks(WINDOW_START_US))
		;
	for (uint32_t k = 0; k < ROUNDS; k++) {
		/* Deadlines that fall anywhere in the spinners' turns. */
		uint32_t ahead = 3000u + (k * 1700u) % 9000u;
		bool in_wfi = !busy_limit_us || (k & 1u) == 0;
		uint32_t late = timer_round(ahead, in_wfi);
		uint32_t *max = in_wfi ? &wfi_max_us : &busy_max_us;

		if (late > *max)
			*max = late;
		rounds_done++;
	}
	printf("# sched: timer limit_us=%lu wfi_max_us=%lu busy_limit_us=%lu busy_max_us=%lu "
	       "rounds=%lu\n", limit_us, wfi_max_us, busy_limit_us, busy_max_us, rounds_done);
}

TEST(sched, timer_within_limit)
{
	if (!is_timer) {
		test_skip("not a timer");
		return;
	}
	EXPECT_EQ(rounds_done, ROUNDS);
	EXPECT_TRUE(wfi_max_us <= limit_us);
	EXPECT_TRUE(busy_max_us <= busy_limit_us);
}

/* --- role=count --- */

#define COUNT_MAX_CPUS 4

static struct count_cpu {
	volatile uint32_t units, ticks, max_gap_us, done;
} counts[COUNT_MAX_CPUS];
static uint32_t count_cpus, tick_us;

static void tick_handler(void)
{
	uint32_t iar = gicc_read(GICC_IAR);

	if ((iar & 0x3ffu) == TIMER_ID) {
		cntv_cval_write(counter() + us_to_ticks(tick_us));
		isb();
		counts[smp_cpu_index()].ticks++;
	}
	if ((iar & 0x3ffu) < 1020)
		gicc_write(GICC_EOIR, iar);
}

/* Counts on this vCPU, its timer ticking, through the window. */
static void count(uint32_t cpu)
{
	struct count_cpu *c = &counts[cpu];
	uint64_t end = us_to_ticks(WINDOW_END_US), gap = us_to_ticks(GAP_US), now, last;
	volatile uint32_t sink = cpu;

	exc_set_irq_handler(tick_handler); /* per vCPU */
	gicd_write(GICD_ISENABLER, 1u << TIMER_ID); /* banked: this vCPU's */
	mmio_write8(GICD_BASE + GICD_IPRIORITYR + TIMER_ID, PRIO_IRQ);
	gicc_write(GICC_PMR, PMR_OPEN);
	gicc_write(GICC_CTLR, 1);
	cntv_cval_write(counter() + us_to_ticks(tick_us));
	cntv_ctl_write(CNTV_ENABLE);
	isb();
	irqs_on();
	while (counter() < us_to_ticks(WINDOW_START_US))
		;
	last = counter();
	while ((now = counter()) < end) {
		if (now - last > gap && ticks_to_us(now - last) > c->max_gap_us)
			c->max_gap_us = ticks_to_us(now - last);
		last = now;
		for (uint32_t i = 0; i < WORK_UNIT; i++)
			sink = sink * 1664525u + 1013904223u;
		c->units++;
	}
	irqs_off();
	cntv_ctl_write(0);
	isb();
	dmb();
	c->done = 1;
}

static void count_all(void)
{
	gicd_write(GICD_CTLR, 1);
	for (uint32_t i = 1; i < count_cpus; i++)
		if (smp_cpu_on(i, count, i) != PSCI_RET_SUCCESS)
			printf("# sched: CPU_ON %lu failed\n", i);
	count(0);
	for (uint32_t i = 1; i < count_cpus; i++)
		while (!counts[i].done)
			;
	for (uint32_t i = 0; i < count_cpus; i++)
		printf("# sched: count cpu=%lu units=%lu ticks=%lu max_gap_us=%lu\n", i,
		       counts[i].units, counts[i].ticks, counts[i].max_gap_us);
}

TEST(sched, count_shares_even)
{
	uint32_t sum = 0;

	if (!count_cpus) {
		test_skip("not counting");
		return;
	}
	for (uint32_t i = 0; i < count_cpus; i++)
		sum += counts[i].units;
	for (uint32_t i = 0; i < count_cpus; i++) {
		EXPECT_TRUE(counts[i].units * count_cpus * 10 >= sum * 9);
		EXPECT_TRUE(counts[i].units * count_cpus * 10 <= sum * 11);
		EXPECT_GE(counts[i].ticks, 10);
	}
}

/* --- role=ipi --- */

#define IPI_SGI 1u
#define IPI_ROUNDS 64
#define SGIR_TARGET_SHIFT 16

static volatile uint32_t pongs, ipi_done;
static uint32_t ipi_cpus, ipi_limit_us, ipi_rounds, ipi_median_us, ipi_max_us;

static void pong_handler(void)
{
	uint32_t iar = gicc_read(GICC_IAR);

	if ((iar & 0x3ffu) == IPI_SGI) {
		dmb();
		pongs++;
	}
	if ((iar & 0x3ffu) < 1020)
		gicc_write(GICC_EOIR, iar);
}

/* vCPU 1: answers each SGI from its handler, waiting in WFI. */
static void ipi_receiver(uint32_t cpu)
{
	(void)cpu;
	exc_set_irq_handler(pong_handler);
	mmio_write8(GICD_BASE + GICD_IPRIORITYR + IPI_SGI, PRIO_IRQ);
	gicc_write(GICC_PMR, PMR_OPEN);
	gicc_write(GICC_CTLR, 1);
	while (!ipi_done) {
		wfi();
		irqs_on();
		irqs_off();
	}
}

/* vCPUs 2..: CPU-bound until the sender is done. */
static void ipi_busy(uint32_t cpu)
{
	volatile uint32_t sink = cpu;

	while (!ipi_done)
		sink = sink * 1664525u + 1013904223u;
}

static void ipi_sender(void)
{
	uint32_t lat[IPI_ROUNDS];
	volatile uint32_t sink = 1;

	gicd_write(GICD_CTLR, 1);
	if (smp_cpu_on(1, ipi_receiver, 1) != PSCI_RET_SUCCESS)
		printf("# sched: CPU_ON 1 failed\n");
	for (uint32_t i = 2; i < ipi_cpus; i++)
		if (smp_cpu_on(i, ipi_busy, i) != PSCI_RET_SUCCESS)
			printf("# sched: CPU_ON %lu failed\n", i);
	while (counter() < us_to_ticks(WINDOW_START_US))
		;
	for (ipi_rounds = 0; ipi_rounds < IPI_ROUNDS; ipi_rounds++) {
		uint32_t before = pongs;
		uint64_t t0 = counter(), give_up = t0 + us_to_ticks(1000000u);
		uint64_t work_end;

		gicd_write(GICD_SGIR, (1u << (SGIR_TARGET_SHIFT + 1)) | IPI_SGI);
		while (pongs == before && counter() < give_up)
			;
		if (pongs == before)
			break;
		lat[ipi_rounds] = ticks_to_us(counter() - t0);
		/* 1.3 to 4.2 ms of work: the next round starts elsewhere in the turn. */
		work_end = counter() + us_to_ticks(1300u + (ipi_rounds * 700u) % 2900u);
		while (counter() < work_end)
			sink = sink * 1664525u + 1013904223u;
	}
	dmb();
	ipi_done = 1;
	sev();
	/* Insertion sort: the median and the maximum. */
	for (uint32_t i = 1; i < ipi_rounds; i++)
		for (uint32_t j = i; j > 0 && lat[j - 1] > lat[j]; j--) {
			uint32_t t = lat[j];

			lat[j] = lat[j - 1];
			lat[j - 1] = t;
		}
	if (ipi_rounds) {
		ipi_median_us = lat[ipi_rounds / 2];
		ipi_max_us = lat[ipi_rounds - 1];
	}
	printf("# sched: ipi cpus=%lu rounds=%lu median_us=%lu max_us=%lu limit_us=%lu\n",
	       ipi_cpus, ipi_rounds, ipi_median_us, ipi_max_us, ipi_limit_us);
}

TEST(sched, ipi_reply_soon)
{
	if (!ipi_cpus) {
		test_skip("not an ipi sender");
		return;
	}
	EXPECT_EQ(ipi_rounds, IPI_ROUNDS);
	EXPECT_TRUE(ipi_median_us <= ipi_limit_us);
	EXPECT_TRUE(ipi_max_us <= ipi_limit_us);
}

int main(void)
{
	char role[16] = "";

	bootarg_get("role", role, sizeof(role));
	if (!strcmp(role, "spin") && bootarg_u32("seed", &seed) && seed) {
		spin();
	} else if (!strcmp(role, "timer") && bootarg_u32("limit", &limit_us)) {
		is_timer = true;
		bootarg_u32("busy", &busy_limit_us);
		timer();
	} else if (!strcmp(role, "count") && bootarg_u32("cpus", &count_cpus) &&
		   bootarg_u32("tick", &tick_us) && count_cpus - 1 < COUNT_MAX_CPUS) {
		count_all();
	} else if (!strcmp(role, "ipi") && bootarg_u32("cpus", &ipi_cpus) &&
		   bootarg_u32("limit", &ipi_limit_us) && ipi_cpus >= 2 && ipi_cpus <= 8) {
		ipi_sender();
	} else {
		count_cpus = 0;
		ipi_cpus = 0;
		printf("# sched: bootargs \"%s\": want role=spin seed=S (S > 0), role=timer "
		       "limit=US [busy=US], role=count cpus=N tick=US (N <= %u) or role=ipi "
		       "cpus=N limit=US (2 <= N <= 8)\n", bootargs(), COUNT_MAX_CPUS);
	}
	return test_run_all();
}
