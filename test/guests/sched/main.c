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
 *   role=timer limit=US [busy=0]: arms its virtual timer ROUNDS times, a
 *     few milliseconds ahead, and waits for the interrupt, in WFI (blocked:
 *     only the hypervisor's timer can wake it) and, unless busy=0, spinning
 *     with IRQs unmasked (runnable but descheduled while the spinners run).
 *     The handler notes the counter; the lateness past CVAL must stay within
 *     `limit` microseconds (one slice: DESIGN section 10).
 *
 * Both print "# sched: ..." lines with the numbers and TAP results.
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
static uint32_t limit_us, wfi_max_us, busy_max_us, rounds_done;
static bool is_timer, busy_too = true;

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
		bool in_wfi = !busy_too || (k & 1u) == 0;
		uint32_t late = timer_round(ahead, in_wfi);
		uint32_t *max = in_wfi ? &wfi_max_us : &busy_max_us;

		if (late > *max)
			*max = late;
		rounds_done++;
	}
	printf("# sched: timer limit_us=%lu wfi_max_us=%lu busy_max_us=%lu rounds=%lu\n",
	       limit_us, wfi_max_us, busy_too ? busy_max_us : 0, rounds_done);
}

TEST(sched, timer_within_limit)
{
	if (!is_timer) {
		test_skip("not a timer");
		return;
	}
	EXPECT_EQ(rounds_done, ROUNDS);
	EXPECT_TRUE(wfi_max_us <= limit_us);
	EXPECT_TRUE(busy_max_us <= limit_us);
}

int main(void)
{
	char role[16] = "";
	uint32_t busy = 1;

	bootarg_get("role", role, sizeof(role));
	if (!strcmp(role, "spin") && bootarg_u32("seed", &seed) && seed) {
		spin();
	} else if (!strcmp(role, "timer") && bootarg_u32("limit", &limit_us)) {
		is_timer = true;
		if (bootarg_u32("busy", &busy))
			busy_too = busy != 0;
		timer();
	} else {
		printf("# sched: bootargs \"%s\": want role=spin seed=S (S > 0) or role=timer "
		       "limit=US\n", bootargs());
	}
	return test_run_all();
}
