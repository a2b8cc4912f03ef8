// SPDX-License-Identifier: MIT
/*
 * vgic: the interrupt controller and the virtual timer as a guest driver
 * sees them (configs/vgic.its: one VM, 2 vCPUs on 2 physical CPUs).  The
 * guest finds a GICv2: the distributor at 0x08000000 (emulated by
 * Lowvisor), the CPU interface at 0x08010000 (the GIC's GICV), the
 * virtual timer on PPI 27.  Everything runs from vCPU 0; vCPU 1 is
 * started with PSCI CPU_ON and obeys a mailbox.
 *
 * - Distributor registers: TYPER, CTLR (forwarding off and on), byte
 *   access to IPRIORITYR and ITARGETSR, the read-only banked targets of
 *   SGIs and PPIs, ICFGR, the enable registers (banked for PPIs).
 * - The virtual timer interrupts never before its deadline and, in the
 *   best of TIMER_ROUNDS, less than TIMER_TOLERANCE_US after it; it is
 *   level-triggered: it fires again after EOI while its condition holds
 *   and it is not masked, and stops when masked.
 * - SGIs between the two vCPUs with the source CPU in GICC_IAR, through
 *   every GICD_SGIR target filter.
 * - The CPU interface: PMR masking, the running priority, spurious 1023.
 * - Pending while disabled (delivered when enabled), ICPENDR, an edge
 *   SPI set pending by software taken once, the active state seen in
 *   ISACTIVER from the handler, ISACTIVER/ICACTIVER, active blocking a
 *   pending interrupt.
 * - An SGI wakes a vCPU sitting in WFI, with IRQs unmasked and masked.
 *
 * Natively (qemu-system-arm -M virt -cpu cortex-a15 -smp 2, QEMU's own
 * GICv2 at the same addresses, PSCI by HVC answered by QEMU) every test
 * passes: none depends on something only Lowvisor gives.  The timings are
 * measured on the virtual counter, so a busy host delays single rounds;
 * the limits apply to the best round.
 */
#include "gic.h"
#include "test.h"

/* --- The GIC --- */




#define TYPER_ITLINES(t) ((t) & 0x1fu)
#define TYPER_CPUS(t) ((((t) >> 5) & 7u) + 1)
#define IAR_ID(v) ((v) & 0x3ffu)
#define IAR_SRC(v) (((v) >> 10) & 7u)
#define SPURIOUS 1023u

#define SGIR_FILTER_LIST (0u << 24)
#define SGIR_FILTER_OTHERS (1u << 24)
#define SGIR_FILTER_SELF (2u << 24)
#define SGIR_TARGETS(list) ((uint32_t)(list) << 16)

/* Priorities with their low 3 bits clear: the virtual CPU interface keeps
 * 5 bits, a distributor at least 4 (16 levels). */
#define PRIO_IRQ 0xa0u
#define PMR_OPEN 0xf0u
#define IDLE_PRIORITY 0xffu

/* The interrupts the tests use. */
#define SGI_PING 5 /* vCPU 0 -> vCPU 1 */
#define SGI_PONG 6 /* vCPU 1's answer, to "all but self" */
#define SGI_SELF0 7 /* vCPU 0 to itself */
#define SGI_SELF1 8 /* vCPU 1 to itself */
#define SGI_OTHERS 9 /* vCPU 0 to "all but self" */
#define SGI_PRIO 10 /* the priority-mask test, vCPU 0 to itself */
#define SGI_WAKE 11 /* wakes vCPU 1 in WFI */
#define SGI_BOTH 12 /* vCPU 1 to the list 0b11 */
#define PPI_SPARE 20 /* no device behind it */
#define TIMER_PPI 11 /* the DT's number: ID 16 + 11 */
#define TIMER_ID 27
#define SPI_PEND 72 /* SPI 40: pending while disabled */
#define SPI_EDGE 73 /* SPI 41: edge, set pending by software */
#define SPI_ACTIVE 74 /* SPI 42: active state */
#define SPI_FWD 75 /* SPI 43: distributor forwarding */
#define SPI_MAX_USED SPI_FWD

/* --- Time limits --- */

#define TIMER_DEADLINE_US 5000u
#define TIMER_TOLERANCE_US 2000u /* fire at most this late (best round) */
#define TIMER_ROUNDS 10
#define TIMER_LEVEL_FIRES 3u
#define QUIET_US 10000u /* "nothing is taken": IRQs unmasked this long */
#define IRQ_WAIT_US 1000000u /* an expected interrupt arrives within this */
#define SECONDARY_TIMEOUT_US 2000000u
#define WFI_SETTLE_US 20000u /* vCPU 1 is in WFI before the SGI is sent */
#define WFI_RESEND_US 100000u
#define WFI_SENDS 10
#define WFI_ROUNDS 5
#define WAKE_MAX_US 5000u /* best round: half of Lowvisor's 10 ms tick */

/* --- CP15: the virtual timer --- */

SYSREG32(cntv_tval, 0, c14, c3, 0)
SYSREG32(cntv_ctl, 0, c14, c3, 1)
SYSREG64(cntv_cval, 3, c14)


static void irq_enable(uint32_t id)
{
	irq_bit_write(GICD_ISENABLER, id);
}

static void irq_disable(uint32_t id)
{
	irq_bit_write(GICD_ICENABLER, id);
}

static void irq_set_priority(uint32_t id, uint8_t prio)
{
	mmio_write8(GICD_BASE + GICD_IPRIORITYR + id, prio);
}

/* ICFGR: edge (true) or level; bit 0 of each field is reserved. */
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

/* An SPI disabled, inactive, not pending, with our priority, targeting
 * CPU interface `cpu`. */
static void spi_reset(uint32_t id, bool edge, uint32_t cpu)
{
	irq_disable(id);
	irq_bit_write(GICD_ICPENDR, id);
	irq_bit_write(GICD_ICACTIVER, id);
	irq_set_edge(id, edge);
	irq_set_priority(id, PRIO_IRQ);
	mmio_write8(GICD_BASE + GICD_ITARGETSR + id, (uint8_t)(1u << cpu));
}

static void sgi_send(uint32_t filter, uint32_t targets, uint32_t id)
{
	dsb();
	gicd_write(GICD_SGIR, filter | SGIR_TARGETS(targets) | id);
}

/* This CPU's interface and banked interrupts, as Linux's gic_cpu_init. */
static void gic_cpu_init(void)
{
	gicd_write(GICD_ISENABLER, 0x0000ffffu); /* SGIs */
	for (uint32_t id = 0; id < 32; id++)
		irq_set_priority(id, PRIO_IRQ);
	gicc_write(GICC_PMR, PMR_OPEN);
	gicc_write(GICC_CTLR, 1);
}

/* --- Counter --- */

static uint64_t ticks_to_us(uint64_t ticks)
{
	return ticks * 1000000u / counter_freq();
}

/* --- What each CPU's IRQ handler saw --- */

#define LOG_IDS 128

struct irq_log {
	uint32_t taken; /* interrupts acknowledged (not spurious) */
	uint32_t spurious;
	uint32_t last_iar;
	uint32_t count[LOG_IDS]; /* per interrupt ID */
	uint32_t src[LOG_IDS]; /* GICC_IAR.CPUID of the last one */
	uint32_t rpr_in[LOG_IDS]; /* GICC_RPR before EOI */
	uint32_t rpr_after[LOG_IDS]; /* after EOI */
	uint32_t active_in[LOG_IDS]; /* ISACTIVER bit before EOI */
	uint32_t pending_in[LOG_IDS]; /* ISPENDR bit before EOI */
	uint64_t entry[LOG_IDS]; /* CNTVCT at handler entry */
};

static struct irq_log irq_logs[2];

static volatile struct irq_log *irq_log(uint32_t cpu)
{
	return &irq_logs[cpu & 1];
}

/* The timer masks itself after this many interrupts (1: one-shot). */
static volatile uint32_t timer_mask_after = 1;
static volatile uint32_t timer_fires;

/* The handler sets this interrupt pending again, once, before its EOI. */
static volatile uint32_t repend_id = 1023, repend_pending, repend_active;

static void irq_handler(void)
{
	uint64_t now = counter();
	uint32_t cpu = smp_cpu_index();
	volatile struct irq_log *l = irq_log(cpu);
	uint32_t iar = gicc_read(GICC_IAR), id = IAR_ID(iar);

	if (id >= 1020) {
		l->spurious++;
		return;
	}
	if (id == TIMER_ID && ++timer_fires >= timer_mask_after) {
		cntv_ctl_write(CNTV_ENABLE | CNTV_IMASK);
		isb();
	}
	if (cpu == 1 && id == SGI_PING)
		sgi_send(SGIR_FILTER_OTHERS, 0, SGI_PONG);
	if (id == repend_id) {
		repend_id = 1023;
		irq_bit_write(GICD_ISPENDR, id);
		repend_pending = irq_bit(GICD_ISPENDR, id);
		repend_active = irq_bit(GICD_ISACTIVER, id);
	}
	if (id < LOG_IDS) {
		l->entry[id] = now;
		l->src[id] = IAR_SRC(iar);
		l->rpr_in[id] = gicc_read(GICC_RPR);
		l->active_in[id] = irq_bit(GICD_ISACTIVER, id);
		l->pending_in[id] = irq_bit(GICD_ISPENDR, id);
	}
	l->last_iar = iar;
	gicc_write(GICC_EOIR, iar);
	if (id < LOG_IDS) {
		l->rpr_after[id] = gicc_read(GICC_RPR);
		l->count[id]++;
	}
	l->taken++;
	sev(); /* for WFE loops */
}

static uint32_t irq_count(uint32_t cpu, uint32_t id)
{
	return irq_log(cpu)->count[id];
}

/* IRQs unmasked until *v reaches target or timeout_us passes. */
static bool irqs_on_until(volatile uint32_t *v, uint32_t target, uint32_t timeout_us)
{
	uint64_t end = time_now_us() + timeout_us;

	irqs_on();
	while (*v < target && time_now_us() < end)
		;
	irqs_off();
	return *v >= target;
}

static void irqs_on_for(uint32_t us)
{
	irqs_on();
	time_delay_us(us);
	irqs_off();
}

/* --- vCPU 1: a mailbox --- */

enum sec_cmd {
	SEC_READ, /* arg = address: result = the word */
	SEC_SGIR, /* arg = GICD_SGIR value */
	SEC_WFI, /* WFI with IRQs unmasked until SGI arg arrives */
	SEC_WFI_MASKED, /* WFI with IRQs masked, then unmask, until SGI arg */
};

struct sec_mailbox {
	uint32_t seq, done; /* a command is pending while seq != done */
	uint32_t cmd, arg, result;
	uint32_t in_wfi; /* SEC_WFI*: about to WFI */
	uint32_t wfi_returns; /* SEC_WFI*: WFIs that returned */
};

static volatile struct sec_mailbox mbox;
static volatile uint32_t sec_up;
static uint32_t cpu_regs[GUEST_MAX_CPUS];
static int cpu_total;

static void sec_wfi(uint32_t id, bool masked)
{
	uint32_t before = irq_count(1, id), n = 0;

	irqs_off();
	mbox.in_wfi = 1;
	dsb();
	if (masked) {
		/* As Linux's idle loop: a pending IRQ ends WFI even when
		 * masked; it is taken once unmasked. */
		while (irq_count(1, id) == before) {
			wfi();
			n++;
			irqs_on();
			irqs_off();
		}
	} else {
		irqs_on();
		while (irq_count(1, id) == before) {
			wfi();
			n++;
		}
		irqs_off();
	}
	mbox.wfi_returns = n;
	mbox.in_wfi = 0;
}

static void secondary(uint32_t ctx)
{
	(void)ctx;
	exc_set_irq_handler(irq_handler);
	gic_cpu_init();
	sec_up = 1;
	sev();
	for (;;) {
		uint32_t seq = mbox.seq;

		if (seq == mbox.done) {
			irqs_on(); /* idle: interrupts come in here */
			wfe();
			irqs_off();
			continue;
		}
		switch (mbox.cmd) {
		case SEC_READ:
			mbox.result = mmio_read32(mbox.arg);
			break;
		case SEC_SGIR:
			dsb();
			gicd_write(GICD_SGIR, mbox.arg);
			break;
		case SEC_WFI:
		case SEC_WFI_MASKED:
			sec_wfi(mbox.arg, mbox.cmd == SEC_WFI_MASKED);
			break;
		}
		dsb();
		mbox.done = seq;
		sev();
	}
}

static bool sec_start(void)
{
	uint64_t end;

	if (sec_up)
		return true;
	if (cpu_total < 2)
		return false;
	if (smp_cpu_on(cpu_regs[1], secondary, 1) != PSCI_RET_SUCCESS)
		return false;
	end = time_now_us() + SECONDARY_TIMEOUT_US;
	while (!sec_up && time_now_us() < end)
		wfe();
	return sec_up;
}

static void sec_post(uint32_t cmd, uint32_t arg)
{
	mbox.cmd = cmd;
	mbox.arg = arg;
	dsb();
	mbox.seq = mbox.seq + 1;
	sev();
}

static bool sec_wait(uint32_t timeout_us)
{
	uint64_t end = time_now_us() + timeout_us;

	while (mbox.done != mbox.seq) {
		if (time_now_us() > end)
			return false;
		sev();
	}
	return true;
}

static bool sec_call(uint32_t cmd, uint32_t arg, uint32_t *result)
{
	sec_post(cmd, arg);
	if (!sec_wait(SECONDARY_TIMEOUT_US))
		return false;
	if (result)
		*result = mbox.result;
	return true;
}

#define NEED_SECONDARY()                                                       \
	do {                                                                   \
		if (cpu_total < 2)                                             \
			SKIP("needs 2 vCPUs");                                 \
		ASSERT_TRUE(sec_start());                                      \
	} while (0)

/* Whether mask is a priority field's implemented bits: at least 4 (16
 * levels), the high ones. */
static bool priority_mask_ok(uint32_t mask)
{
	return mask <= 0xff && (mask & 0xf0u) == 0xf0u &&
	       ((~mask & 0xffu) & ((~mask & 0xffu) + 1)) == 0;
}

/* --- 1. The distributor as a driver uses it --- */

TEST(gicd, typer)
{
	uint32_t typer = gicd_read(GICD_TYPER);
	uint32_t lines = 32 * (TYPER_ITLINES(typer) + 1);
	uint32_t last; /* the last implemented ID (1019 at most) */

	printf("# GICD_TYPER 0x%08lx: %lu CPU interface(s), %lu interrupt IDs; GICD_IIDR 0x%08lx\n",
	       typer, TYPER_CPUS(typer), lines, gicd_read(GICD_IIDR));
	EXPECT_EQ(TYPER_CPUS(typer), cpu_total);
	EXPECT_GE(lines, 64u);
	EXPECT_GE(lines, SPI_MAX_USED + 1u); /* the SPIs used here exist */
	last = (lines > 1020 ? 1020 : lines) - 1;
	/* The last implemented line is there: its enable bit sticks. */
	irq_enable(last);
	EXPECT_EQ(irq_bit(GICD_ISENABLER, last), 1);
	irq_disable(last);
	EXPECT_EQ(irq_bit(GICD_ISENABLER, last), 0);
}

/* GICD_CTLR.Enable reads back; while it is 0, a pending interrupt is
 * not forwarded to the CPU interface. */
TEST(gicd, ctlr_forwarding)
{
	uint32_t before = irq_count(0, SPI_FWD);

	spi_reset(SPI_FWD, false, 0);
	irq_enable(SPI_FWD);
	gicd_write(GICD_CTLR, 0);
	EXPECT_EQ(gicd_read(GICD_CTLR) & 1, 0);
	irq_bit_write(GICD_ISPENDR, SPI_FWD);
	EXPECT_EQ(irq_bit(GICD_ISPENDR, SPI_FWD), 1);
	irqs_on_for(QUIET_US);
	EXPECT_EQ(irq_count(0, SPI_FWD), before);
	EXPECT_EQ(IAR_ID(gicc_read(GICC_HPPIR)), SPURIOUS);
	gicd_write(GICD_CTLR, 1);
	EXPECT_EQ(gicd_read(GICD_CTLR) & 1, 1);
	EXPECT_TRUE(irqs_on_until(&irq_log(0)->count[SPI_FWD], before + 1, IRQ_WAIT_US));
	EXPECT_EQ(irq_bit(GICD_ISPENDR, SPI_FWD), 0);
	irq_disable(SPI_FWD);
}

/* Byte writes to IPRIORITYR read back with the implemented bits only,
 * without touching the neighbouring bytes; a word write reads back as
 * four bytes. */
TEST(gicd, priority_bytes)
{
	uint32_t word = GICD_BASE + GICD_IPRIORITYR + (SPI_PEND & ~3u);
	uint32_t mask, expect = 0;
	static const uint8_t vals[4] = { 0x10, 0x5a, 0xc3, 0xf8 };

	irq_set_priority(SPI_PEND, 0xff);
	mask = mmio_read8(GICD_BASE + GICD_IPRIORITYR + SPI_PEND);
	printf("# IPRIORITYR implemented bits 0x%02lx\n", mask);
	EXPECT_TRUE(priority_mask_ok(mask));
	irq_set_priority(SPI_PEND, 0xa5);
	EXPECT_EQ(mmio_read8(GICD_BASE + GICD_IPRIORITYR + SPI_PEND), 0xa5 & mask);

	for (uint32_t i = 0; i < 4; i++) {
		mmio_write8(word + i, vals[i]);
		expect |= (vals[i] & mask) << (8 * i);
	}
	EXPECT_EQ(mmio_read32(word), expect);
	for (uint32_t i = 0; i < 4; i++)
		EXPECT_EQ(mmio_read8(word + i), vals[i] & mask);
	mmio_write32(word, 0x4080c0e0u);
	EXPECT_EQ(mmio_read32(word), 0x4080c0e0u & (mask * 0x01010101u));
	EXPECT_EQ(mmio_read8(word + 2), 0x80 & mask);
	/* SGIs and PPIs: banked, but written the same way. */
	irq_set_priority(PPI_SPARE, 0x60);
	EXPECT_EQ(mmio_read8(GICD_BASE + GICD_IPRIORITYR + PPI_SPARE), 0x60 & mask);
	irq_set_priority(PPI_SPARE, PRIO_IRQ);
	for (uint32_t id = SPI_PEND; id <= SPI_MAX_USED; id++)
		irq_set_priority(id, PRIO_IRQ);
}

/* ITARGETSR0-7 (SGIs, PPIs) are read-only and read as the reading CPU's
 * own bit, on each vCPU; an SPI's target byte is writable. */
TEST(gicd, targets)
{
	uint32_t v = 0;

	for (uint32_t i = 0; i < 8; i++)
		EXPECT_EQ(gicd_read(GICD_ITARGETSR + 4 * i), 0x01010101u);
	mmio_write8(GICD_BASE + GICD_ITARGETSR + PPI_SPARE, 0x02);
	EXPECT_EQ(mmio_read8(GICD_BASE + GICD_ITARGETSR + PPI_SPARE), 0x01);

	mmio_write8(GICD_BASE + GICD_ITARGETSR + SPI_PEND, 0x02);
	EXPECT_EQ(mmio_read8(GICD_BASE + GICD_ITARGETSR + SPI_PEND), 0x02);
	mmio_write8(GICD_BASE + GICD_ITARGETSR + SPI_PEND, 0x01);
	EXPECT_EQ(mmio_read8(GICD_BASE + GICD_ITARGETSR + SPI_PEND), 0x01);
	EXPECT_EQ((gicd_read(GICD_ITARGETSR + (SPI_PEND & ~3u)) >> (8 * (SPI_PEND & 3))) & 0xff,
		  0x01);

	NEED_SECONDARY();
	for (uint32_t i = 0; i < 8; i++) {
		ASSERT_TRUE(sec_call(SEC_READ, GICD_BASE + GICD_ITARGETSR + 4 * i, &v));
		EXPECT_EQ(v, 0x02020202u);
	}
}

/* SGIs are edge-triggered, read-only; an SPI's config is writable. */
TEST(gicd, icfgr)
{
	uint32_t v = gicd_read(GICD_ICFGR);

	EXPECT_EQ(v & 0xaaaaaaaau, 0xaaaaaaaau);
	gicd_write(GICD_ICFGR, 0);
	EXPECT_EQ(gicd_read(GICD_ICFGR) & 0xaaaaaaaau, 0xaaaaaaaau);
	printf("# ICFGR1 (PPIs) 0x%08lx: the timer's PPI is %s\n",
	       gicd_read(GICD_ICFGR + 4), irq_is_edge(TIMER_ID) ? "edge" : "level");
	EXPECT_FALSE(irq_is_edge(TIMER_ID));

	/* SPI_PEND and its neighbour SPI_EDGE share a register. */
	irq_disable(SPI_PEND);
	irq_disable(SPI_EDGE);
	irq_set_edge(SPI_EDGE, false);
	irq_set_edge(SPI_PEND, true);
	EXPECT_TRUE(irq_is_edge(SPI_PEND));
	EXPECT_FALSE(irq_is_edge(SPI_EDGE));
	irq_set_edge(SPI_EDGE, true);
	irq_set_edge(SPI_PEND, false);
	EXPECT_FALSE(irq_is_edge(SPI_PEND));
	EXPECT_TRUE(irq_is_edge(SPI_EDGE));
	irq_set_edge(SPI_EDGE, false);
}

/* ISENABLER and ICENABLER read the same bits; PPI enables are banked per
 * CPU interface. */
TEST(gicd, enable_round_trip)
{
	uint32_t v = 0;

	irq_disable(SPI_PEND);
	EXPECT_EQ(irq_bit(GICD_ISENABLER, SPI_PEND), 0);
	EXPECT_EQ(irq_bit(GICD_ICENABLER, SPI_PEND), 0);
	irq_enable(SPI_PEND);
	EXPECT_EQ(irq_bit(GICD_ISENABLER, SPI_PEND), 1);
	EXPECT_EQ(irq_bit(GICD_ICENABLER, SPI_PEND), 1);
	/* Writing 0 changes nothing. */
	gicd_write(GICD_ICENABLER + (SPI_PEND / 32) * 4, 0);
	EXPECT_EQ(irq_bit(GICD_ISENABLER, SPI_PEND), 1);
	irq_disable(SPI_PEND);
	EXPECT_EQ(irq_bit(GICD_ISENABLER, SPI_PEND), 0);
	gicd_write(GICD_ISENABLER + (SPI_PEND / 32) * 4, 0);
	EXPECT_EQ(irq_bit(GICD_ISENABLER, SPI_PEND), 0);

	irq_enable(PPI_SPARE);
	EXPECT_EQ(irq_bit(GICD_ISENABLER, PPI_SPARE), 1);
	NEED_SECONDARY();
	ASSERT_TRUE(sec_call(SEC_READ, GICD_BASE + GICD_ISENABLER, &v));
	EXPECT_EQ((v >> PPI_SPARE) & 1, 0); /* vCPU 1's own PPI 20 */
	EXPECT_EQ(v & 0xffffu, 0xffffu); /* its SGIs, enabled by gic_cpu_init */
	irq_disable(PPI_SPARE);
	EXPECT_EQ(irq_bit(GICD_ISENABLER, PPI_SPARE), 0);
}

/* --- 2, 3. The virtual timer --- */

static void timer_setup(void)
{
	cntv_ctl_write(0);
	isb();
	irq_disable(TIMER_ID);
	irq_set_priority(TIMER_ID, PRIO_IRQ);
	irq_enable(TIMER_ID);
}

/* One round of timer.fires_on_time: arm the timer TIMER_DEADLINE_US
 * ahead, wait, return how late (in ticks) the handler was entered, or -1
 * if it did not come within a second. */
static int64_t timer_round(void)
{
	uint32_t freq = counter_freq(), before = irq_count(0, TIMER_ID);
	uint32_t taken = irq_log(0)->taken;
	uint64_t cval, end;

	timer_mask_after = 1;
	timer_fires = 0;
	cntv_tval_write((uint32_t)((uint64_t)freq * TIMER_DEADLINE_US / 1000000u));
	isb();
	cval = cntv_cval_read();
	cntv_ctl_write(CNTV_ENABLE);
	isb();
	end = cval + (uint64_t)freq;
	/* WFI with IRQs masked (a pending IRQ still ends it), then unmask:
	 * no window between unmasking and WFI for the IRQ to slip in. */
	while (irq_count(0, TIMER_ID) == before && counter() < end) {
		wfi();
		irqs_on();
		irqs_off();
	}
	if (irq_count(0, TIMER_ID) != before + 1)
		return -1;
	EXPECT_EQ(irq_log(0)->taken, taken + 1);
	EXPECT_EQ(IAR_ID(irq_log(0)->last_iar), TIMER_ID);
	/* Masked by the handler, the condition still true. */
	EXPECT_EQ(cntv_ctl_read(), CNTV_ENABLE | CNTV_IMASK | CNTV_ISTATUS);
	/* Never early: the handler ran at or after CVAL. */
	EXPECT_TRUE(irq_log(0)->entry[TIMER_ID] >= cval);
	return (int64_t)(irq_log(0)->entry[TIMER_ID] - cval);
}

/* The DT names PPI 11 (ID 27) for the virtual timer; it interrupts at the
 * programmed time: CNTVCT at the handler's entry minus CVAL is at least 0
 * in every round, and below TIMER_TOLERANCE_US in the best of
 * TIMER_ROUNDS (a host running other work delays single rounds).  Masked
 * by its handler, it does not come again. */
TEST(timer, fires_on_time)
{
	uint32_t len = 0, freq = counter_freq(), before;
	const void *prop = fdt_getprop(guest_dtb(), "/timer", "interrupts", &len);
	char list[TIMER_ROUNDS * 12] = "";
	size_t used = 0;
	int64_t best = INT64_MAX;

	ASSERT_TRUE(prop && len >= 36);
	EXPECT_EQ(fdt_cell(prop, 6), 1); /* PPI */
	EXPECT_EQ(fdt_cell(prop, 7), TIMER_PPI);

	timer_setup();
	for (int r = 0; r < TIMER_ROUNDS; r++) {
		int64_t late = timer_round();

		ASSERT_GE(late, 0);
		if (late < best)
			best = late;
		used += (size_t)snprintf(list + used, sizeof(list) - used, " %lu",
					 (uint32_t)ticks_to_us((uint64_t)late));
	}
	printf("# timer: %lu us deadline, handler entered after CVAL by (us):%s; best %lld ticks (%lu us), tolerance %lu us (%lu Hz)\n",
	       (uint32_t)TIMER_DEADLINE_US, list, (long long)best,
	       (uint32_t)ticks_to_us((uint64_t)best), (uint32_t)TIMER_TOLERANCE_US, freq);
	EXPECT_LT((uint32_t)ticks_to_us((uint64_t)best), TIMER_TOLERANCE_US);
	before = irq_count(0, TIMER_ID);
	irqs_on_for(QUIET_US);
	EXPECT_EQ(irq_count(0, TIMER_ID), before);
	cntv_ctl_write(0);
	isb();
}

/* Level-triggered: while the condition holds and the timer is not masked,
 * the interrupt is pending (ISPENDR) and comes again after each EOI;
 * masked by the handler at the TIMER_LEVEL_FIRES-th, it stops, though the
 * condition still holds; unmasked again, it comes back. */
TEST(timer, level_triggered)
{
	uint32_t before = irq_count(0, TIMER_ID);

	timer_setup();
	timer_mask_after = TIMER_LEVEL_FIRES;
	timer_fires = 0;
	cntv_cval_write(counter());
	cntv_ctl_write(CNTV_ENABLE);
	isb();
	time_delay_us(1000);
	EXPECT_EQ(cntv_ctl_read() & CNTV_ISTATUS, CNTV_ISTATUS);
	EXPECT_EQ(irq_bit(GICD_ISPENDR, TIMER_ID), 1);
	EXPECT_TRUE(irqs_on_until(&timer_fires, TIMER_LEVEL_FIRES, IRQ_WAIT_US));
	irqs_on_for(QUIET_US);
	printf("# timer: %lu interrupts while unmasked, none once masked\n", timer_fires);
	EXPECT_EQ(timer_fires, TIMER_LEVEL_FIRES);
	EXPECT_EQ(irq_count(0, TIMER_ID), before + TIMER_LEVEL_FIRES);
	EXPECT_EQ(cntv_ctl_read(), CNTV_ENABLE | CNTV_IMASK | CNTV_ISTATUS);
	EXPECT_EQ(irq_bit(GICD_ISPENDR, TIMER_ID), 0);

	/* Unmasked again with the condition still true: it comes back. */
	timer_mask_after = TIMER_LEVEL_FIRES + 1;
	cntv_ctl_write(CNTV_ENABLE);
	isb();
	EXPECT_TRUE(irqs_on_until(&timer_fires, TIMER_LEVEL_FIRES + 1, IRQ_WAIT_US));
	irqs_on_for(QUIET_US);
	EXPECT_EQ(timer_fires, TIMER_LEVEL_FIRES + 1);
	cntv_ctl_write(0);
	isb();
	irq_disable(TIMER_ID);
}

/* --- 4. SGIs between the vCPUs --- */

/* Target list (filter 0): vCPU 0 sends PING to vCPU 1, whose handler
 * sees source 0 and answers PONG to "all but self" (filter 1): vCPU 0
 * sees it from source 1. */
TEST(sgi, ping_pong)
{
	uint32_t ping = irq_count(1, SGI_PING), pong = irq_count(0, SGI_PONG);

	NEED_SECONDARY();
	sgi_send(SGIR_FILTER_LIST, 0x2, SGI_PING);
	ASSERT_TRUE(irqs_on_until(&irq_log(0)->count[SGI_PONG], pong + 1, IRQ_WAIT_US));
	/* vCPU 1's handler answers before it counts: wait for the count. */
	EXPECT_TRUE(irqs_on_until(&irq_log(1)->count[SGI_PING], ping + 1, IRQ_WAIT_US));
	EXPECT_EQ(irq_count(1, SGI_PING), ping + 1);
	EXPECT_EQ(irq_log(1)->src[SGI_PING], 0);
	EXPECT_EQ(irq_log(0)->src[SGI_PONG], 1);
	EXPECT_EQ(irq_log(0)->last_iar, SGI_PONG | (1u << 10));
	EXPECT_EQ(irq_log(1)->pending_in[SGI_PING], 0);
	EXPECT_EQ(irq_log(1)->active_in[SGI_PING], 1);
	/* PING was not for vCPU 0, PONG not for vCPU 1. */
	irqs_on_for(QUIET_US);
	EXPECT_EQ(irq_count(0, SGI_PING), 0);
	EXPECT_EQ(irq_count(1, SGI_PONG), 0);
}

/* Filter 2 (self) from either vCPU: source = the sender; filter 1 from
 * vCPU 0 reaches vCPU 1 only; a list naming both reaches both. */
TEST(sgi, filters)
{
	uint32_t self0 = irq_count(0, SGI_SELF0), self1 = irq_count(1, SGI_SELF1);
	uint32_t others = irq_count(1, SGI_OTHERS), both0 = irq_count(0, SGI_BOTH);
	uint32_t both1 = irq_count(1, SGI_BOTH);

	sgi_send(SGIR_FILTER_SELF, 0, SGI_SELF0);
	EXPECT_TRUE(irqs_on_until(&irq_log(0)->count[SGI_SELF0], self0 + 1, IRQ_WAIT_US));
	EXPECT_EQ(irq_log(0)->src[SGI_SELF0], 0);

	NEED_SECONDARY();
	ASSERT_TRUE(sec_call(SEC_SGIR, SGIR_FILTER_SELF | SGI_SELF1, NULL));
	sgi_send(SGIR_FILTER_OTHERS, 0, SGI_OTHERS);
	ASSERT_TRUE(sec_call(SEC_SGIR, SGIR_FILTER_LIST | SGIR_TARGETS(0x3) | SGI_BOTH, NULL));
	EXPECT_TRUE(irqs_on_until(&irq_log(0)->count[SGI_BOTH], both0 + 1, IRQ_WAIT_US));
	irqs_on_for(QUIET_US);
	EXPECT_EQ(irq_count(1, SGI_SELF1), self1 + 1);
	EXPECT_EQ(irq_log(1)->src[SGI_SELF1], 1);
	EXPECT_EQ(irq_count(1, SGI_OTHERS), others + 1);
	EXPECT_EQ(irq_log(1)->src[SGI_OTHERS], 0);
	EXPECT_EQ(irq_count(1, SGI_BOTH), both1 + 1);
	EXPECT_EQ(irq_log(1)->src[SGI_BOTH], 1);
	EXPECT_EQ(irq_count(0, SGI_BOTH), both0 + 1);
	EXPECT_EQ(irq_log(0)->src[SGI_BOTH], 1);
	/* Not for the other one. */
	EXPECT_EQ(irq_count(0, SGI_SELF1), 0);
	EXPECT_EQ(irq_count(0, SGI_OTHERS), 0);
	EXPECT_EQ(irq_count(1, SGI_SELF0), 0);
	EXPECT_EQ(irq_bit(GICD_ISPENDR, SGI_OTHERS), 0);
}

/* --- 5. Priority masking, the running priority --- */

/* PMR at or below an interrupt's priority keeps it from the CPU (IAR
 * reads 1023, nothing is taken, the distributor still shows it
 * pending); raised above, HPPIR names it and it is taken.  GICC_RPR is
 * its priority in the handler, idle (0xFF) after EOI. */
TEST(cpuif, priority_mask)
{
	uint32_t before = irq_count(0, SGI_PRIO), pmr_bits, iar;

	gicc_write(GICC_PMR, 0xff);
	pmr_bits = gicc_read(GICC_PMR);
	printf("# GICC_PMR implemented bits 0x%02lx\n", pmr_bits);
	EXPECT_TRUE(priority_mask_ok(pmr_bits));
	gicc_write(GICC_PMR, 0x80);
	EXPECT_EQ(gicc_read(GICC_PMR), 0x80);
	EXPECT_EQ(gicc_read(GICC_RPR), IDLE_PRIORITY);

	irq_set_priority(SGI_PRIO, PRIO_IRQ);
	gicc_write(GICC_PMR, PRIO_IRQ); /* equal: still masked */
	sgi_send(SGIR_FILTER_SELF, 0, SGI_PRIO);
	EXPECT_EQ(irq_bit(GICD_ISPENDR, SGI_PRIO), 1);
	iar = gicc_read(GICC_IAR);
	EXPECT_EQ(iar, SPURIOUS);
	if (IAR_ID(iar) < 1020)
		gicc_write(GICC_EOIR, iar);
	gicc_write(GICC_PMR, 0x80);
	irqs_on_for(QUIET_US);
	EXPECT_EQ(irq_count(0, SGI_PRIO), before);
	EXPECT_EQ(irq_bit(GICD_ISPENDR, SGI_PRIO), 1);

	gicc_write(GICC_PMR, PRIO_IRQ + 0x10);
	EXPECT_EQ(gicc_read(GICC_HPPIR), SGI_PRIO);
	EXPECT_TRUE(irqs_on_until(&irq_log(0)->count[SGI_PRIO], before + 1, IRQ_WAIT_US));
	printf("# RPR 0x%02lx while handling priority 0x%02x, 0x%02lx after EOI\n",
	       irq_log(0)->rpr_in[SGI_PRIO], PRIO_IRQ, irq_log(0)->rpr_after[SGI_PRIO]);
	EXPECT_EQ(irq_log(0)->rpr_in[SGI_PRIO], PRIO_IRQ);
	EXPECT_EQ(irq_log(0)->rpr_after[SGI_PRIO], IDLE_PRIORITY);
	EXPECT_EQ(gicc_read(GICC_RPR), IDLE_PRIORITY);
	EXPECT_EQ(irq_bit(GICD_ISPENDR, SGI_PRIO), 0);
	gicc_write(GICC_PMR, PMR_OPEN);
}

/* --- 6. Spurious --- */

TEST(cpuif, spurious_when_idle)
{
	uint32_t spurious = irq_log(0)->spurious;

	irqs_on_for(QUIET_US); /* anything left over is taken now */
	EXPECT_EQ(gicc_read(GICC_HPPIR), SPURIOUS);
	EXPECT_EQ(gicc_read(GICC_IAR), SPURIOUS);
	EXPECT_EQ(gicc_read(GICC_IAR), SPURIOUS);
	gicc_write(GICC_EOIR, SPURIOUS); /* ignored */
	EXPECT_EQ(gicc_read(GICC_RPR), IDLE_PRIORITY);
	EXPECT_EQ(irq_log(0)->spurious, spurious);
}

/* --- 7. Pending while disabled --- */

/* A disabled SPI set pending stays pending and is not signalled; once
 * enabled it is taken.  ICPENDR clears a pending one, which is then not
 * taken when enabled. */
TEST(pending, while_disabled)
{
	uint32_t before = irq_count(0, SPI_PEND);

	spi_reset(SPI_PEND, false, 0);
	EXPECT_EQ(irq_bit(GICD_ISPENDR, SPI_PEND), 0);
	irq_bit_write(GICD_ISPENDR, SPI_PEND);
	EXPECT_EQ(irq_bit(GICD_ISPENDR, SPI_PEND), 1);
	EXPECT_EQ(irq_bit(GICD_ICPENDR, SPI_PEND), 1);
	EXPECT_EQ(gicc_read(GICC_HPPIR), SPURIOUS);
	EXPECT_EQ(gicc_read(GICC_IAR), SPURIOUS);
	irqs_on_for(QUIET_US);
	EXPECT_EQ(irq_count(0, SPI_PEND), before);
	EXPECT_EQ(irq_bit(GICD_ISPENDR, SPI_PEND), 1);

	irq_enable(SPI_PEND);
	EXPECT_TRUE(irqs_on_until(&irq_log(0)->count[SPI_PEND], before + 1, IRQ_WAIT_US));
	EXPECT_EQ(irq_log(0)->src[SPI_PEND], 0);
	EXPECT_EQ(irq_bit(GICD_ISPENDR, SPI_PEND), 0);
	irqs_on_for(QUIET_US);
	EXPECT_EQ(irq_count(0, SPI_PEND), before + 1);

	/* Pending, cleared, enabled: nothing. */
	irq_disable(SPI_PEND);
	irq_bit_write(GICD_ISPENDR, SPI_PEND);
	EXPECT_EQ(irq_bit(GICD_ISPENDR, SPI_PEND), 1);
	irq_bit_write(GICD_ICPENDR, SPI_PEND);
	EXPECT_EQ(irq_bit(GICD_ISPENDR, SPI_PEND), 0);
	irq_enable(SPI_PEND);
	irqs_on_for(QUIET_US);
	EXPECT_EQ(irq_count(0, SPI_PEND), before + 1);
	irq_disable(SPI_PEND);
}

/* --- 8. Edge, the active state --- */

/* An edge SPI set pending by ISPENDR is taken once; in its handler,
 * before EOI, ISACTIVER shows it active and ISPENDR not pending; after
 * EOI it is inactive. */
TEST(active, edge_spi_in_handler)
{
	uint32_t before = irq_count(0, SPI_EDGE);

	spi_reset(SPI_EDGE, true, 0);
	EXPECT_TRUE(irq_is_edge(SPI_EDGE));
	irq_enable(SPI_EDGE);
	irq_bit_write(GICD_ISPENDR, SPI_EDGE);
	EXPECT_EQ(irq_bit(GICD_ISPENDR, SPI_EDGE), 1);
	EXPECT_EQ(gicc_read(GICC_HPPIR), SPI_EDGE);
	EXPECT_TRUE(irqs_on_until(&irq_log(0)->count[SPI_EDGE], before + 1, IRQ_WAIT_US));
	irqs_on_for(QUIET_US);
	EXPECT_EQ(irq_count(0, SPI_EDGE), before + 1);
	EXPECT_EQ(irq_log(0)->active_in[SPI_EDGE], 1);
	EXPECT_EQ(irq_log(0)->pending_in[SPI_EDGE], 0);
	EXPECT_EQ(irq_log(0)->rpr_in[SPI_EDGE], PRIO_IRQ);
	EXPECT_EQ(irq_bit(GICD_ISACTIVER, SPI_EDGE), 0);
	EXPECT_EQ(irq_bit(GICD_ISPENDR, SPI_EDGE), 0);
	irq_disable(SPI_EDGE);
}

/* Set pending again by its own handler (ISPENDR while it is active in a
 * list register): active and pending then, and taken once more after the
 * EOI, once. */
TEST(active, repend_in_handler)
{
	uint32_t before = irq_count(0, SPI_EDGE);

	spi_reset(SPI_EDGE, true, 0);
	irq_enable(SPI_EDGE);
	repend_pending = repend_active = 0;
	repend_id = SPI_EDGE;
	irq_bit_write(GICD_ISPENDR, SPI_EDGE);
	EXPECT_TRUE(irqs_on_until(&irq_log(0)->count[SPI_EDGE], before + 2, IRQ_WAIT_US));
	irqs_on_for(QUIET_US);
	EXPECT_EQ(irq_count(0, SPI_EDGE), before + 2);
	EXPECT_EQ(repend_pending, 1);
	EXPECT_EQ(repend_active, 1);
	EXPECT_EQ(irq_bit(GICD_ISPENDR, SPI_EDGE), 0);
	EXPECT_EQ(irq_bit(GICD_ISACTIVER, SPI_EDGE), 0);
	irq_disable(SPI_EDGE);
}

/* ISACTIVER sets and ICACTIVER clears the active state of an idle
 * interrupt (as Linux does when it migrates or shuts one down); both
 * read the same bits. */
TEST(active, set_clear_round_trip)
{
	spi_reset(SPI_ACTIVE, false, 0);
	EXPECT_EQ(irq_bit(GICD_ISACTIVER, SPI_ACTIVE), 0);
	irq_bit_write(GICD_ISACTIVER, SPI_ACTIVE);
	EXPECT_EQ(irq_bit(GICD_ISACTIVER, SPI_ACTIVE), 1);
	EXPECT_EQ(irq_bit(GICD_ICACTIVER, SPI_ACTIVE), 1);
	EXPECT_EQ(irq_bit(GICD_ISACTIVER, SPI_ACTIVE + 1), 0);
	irq_bit_write(GICD_ICACTIVER, SPI_ACTIVE);
	EXPECT_EQ(irq_bit(GICD_ISACTIVER, SPI_ACTIVE), 0);
	EXPECT_EQ(irq_bit(GICD_ICACTIVER, SPI_ACTIVE), 0);
	/* A PPI's active bit is banked. */
	irq_bit_write(GICD_ISACTIVER, PPI_SPARE);
	EXPECT_EQ(irq_bit(GICD_ISACTIVER, PPI_SPARE), 1);
	if (cpu_total >= 2 && sec_start()) {
		uint32_t v = 0;

		ASSERT_TRUE(sec_call(SEC_READ, GICD_BASE + GICD_ISACTIVER, &v));
		EXPECT_EQ((v >> PPI_SPARE) & 1, 0);
	}
	irq_bit_write(GICD_ICACTIVER, PPI_SPARE);
	EXPECT_EQ(irq_bit(GICD_ISACTIVER, PPI_SPARE), 0);
}

/* An active interrupt that becomes pending (active and pending) is not
 * signalled until it is deactivated through ICACTIVER. */
TEST(active, blocks_pending)
{
	uint32_t before = irq_count(0, SPI_ACTIVE);

	spi_reset(SPI_ACTIVE, true, 0);
	irq_bit_write(GICD_ISACTIVER, SPI_ACTIVE);
	irq_bit_write(GICD_ISPENDR, SPI_ACTIVE);
	irq_enable(SPI_ACTIVE);
	EXPECT_EQ(irq_bit(GICD_ISACTIVER, SPI_ACTIVE), 1);
	EXPECT_EQ(irq_bit(GICD_ISPENDR, SPI_ACTIVE), 1);
	irqs_on_for(QUIET_US);
	EXPECT_EQ(irq_count(0, SPI_ACTIVE), before);
	irq_bit_write(GICD_ICACTIVER, SPI_ACTIVE);
	EXPECT_TRUE(irqs_on_until(&irq_log(0)->count[SPI_ACTIVE], before + 1, IRQ_WAIT_US));
	EXPECT_EQ(irq_bit(GICD_ISPENDR, SPI_ACTIVE), 0);
	EXPECT_EQ(irq_bit(GICD_ISACTIVER, SPI_ACTIVE), 0);
	irq_disable(SPI_ACTIVE);
}

/* --- 9. WFI wake --- */

/* One round: vCPU 1 sits in WFI; vCPU 0 waits WFI_SETTLE_US and sends it
 * SGI_WAKE (again every WFI_RESEND_US, should the first have slipped in
 * before the WFI); vCPU 1 wakes, takes it and reports.  Returns the
 * microseconds from the (last) SGI to vCPU 1's handler, or -1. */
static int32_t wfi_round(bool masked)
{
	uint32_t before = irq_count(1, SGI_WAKE), sends = 0;
	uint64_t sent = 0, end;

	mbox.in_wfi = 0;
	sec_post(masked ? SEC_WFI_MASKED : SEC_WFI, SGI_WAKE);
	end = time_now_us() + SECONDARY_TIMEOUT_US;
	while (!mbox.in_wfi && time_now_us() < end)
		;
	if (!EXPECT_TRUE(mbox.in_wfi))
		return -1;
	time_delay_us(WFI_SETTLE_US);
	EXPECT_EQ(irq_count(1, SGI_WAKE), before);
	while (sends < WFI_SENDS) {
		sent = counter();
		sgi_send(SGIR_FILTER_LIST, 0x2, SGI_WAKE);
		sends++;
		if (sec_wait(WFI_RESEND_US))
			break;
	}
	if (!EXPECT_TRUE(sec_wait(0)))
		return -1;
	EXPECT_GE(irq_count(1, SGI_WAKE), before + 1);
	EXPECT_EQ(irq_log(1)->src[SGI_WAKE], 0);
	EXPECT_GE(mbox.wfi_returns, 1u);
	if (sends > 1)
		printf("# %lu SGIs sent: the first came before the WFI\n", sends);
	return (int32_t)ticks_to_us(irq_log(1)->entry[SGI_WAKE] - sent);
}

/* WFI_ROUNDS rounds; the best wakes within WAKE_MAX_US of its SGI. */
static void wfi_wake(bool masked)
{
	char list[WFI_ROUNDS * 12] = "";
	size_t used = 0;
	int32_t best = INT32_MAX;

	NEED_SECONDARY();
	for (int r = 0; r < WFI_ROUNDS; r++) {
		int32_t us = wfi_round(masked);

		ASSERT_GE(us, 0);
		if (us < best)
			best = us;
		used += (size_t)snprintf(list + used, sizeof(list) - used, " %ld", us);
	}
	printf("# vCPU 1 in WFI (IRQs %s) woken after the SGI by (us):%s; best %ld us, limit %lu us\n",
	       masked ? "masked" : "unmasked", list, best, (uint32_t)WAKE_MAX_US);
	EXPECT_LT(best, (int32_t)WAKE_MAX_US);
}

TEST(wfi, sgi_wakes_unmasked)
{
	wfi_wake(false);
}

TEST(wfi, sgi_wakes_masked)
{
	wfi_wake(true);
}

int main(void)
{
	cpu_total = fdt_cpus(guest_dtb(), cpu_regs, GUEST_MAX_CPUS);
	printf("# vgic: %d vCPU(s), counter %lu Hz\n", cpu_total, counter_freq());
	exc_set_irq_handler(irq_handler);
	gicd_write(GICD_CTLR, 1);
	gic_cpu_init();
	return test_run_all();
}
