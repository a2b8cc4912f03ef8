// SPDX-License-Identifier: MIT
/*
 * bench: per-operation costs of Lowvisor, measured from inside a VM with
 * the virtual counter (test/bench/bench.py runs it under QEMU with
 * -icount shift=0, where 1 ns of virtual time is 1 instruction, guest or
 * hypervisor, and one 62.5 MHz counter tick is 16 of them).
 *
 * Each figure is printed as
 *   bench NAME VALUE
 * with VALUE in instructions (one decimal), the median of BATCHES values.
 * A cheap operation is timed as a batch of BATCH back-to-back operations,
 * minus the same loop without the operation, divided by BATCH (so the
 * counter's 16-instruction tick does not matter); a latency (timer, IPI,
 * handover, injection) is one sample per operation, SAMPLES of them.
 *
 * Roles (bootargs role=...), one per bundle (configs/bench-*.its):
 *   one      1 vCPU: a null hypercall (Lowvisor's REVISION), PSCI_VERSION,
 *            a vGIC distributor read (GICD_TYPER), a virtual UART write
 *            (UARTIFLS), acknowledge + EOI through GICV, and the virtual
 *            timer's latency from its deadline to the handler, in WFI;
 *   pingpong 2 vCPUs: vCPU 0 sends an SGI to vCPU 1 and waits in WFI;
 *            vCPU 1's handler replies with an SGI.  On two CPUs
 *            (bench-ipi.its) this is the virtual IPI; on one CPU
 *            (bench-switch.its) each leg is a vCPU switch.  name= gives
 *            the figures' prefix;
 *   inject   a management VM (VM 0, CPU 0): raises and lowers an edge
 *            SPI of VM 1 with IRQ_LINE, then waits in WFI for VM 1's
 *            answer, the same call the other way;
 *   reply    a management VM (VM 1, CPU 1): answers each SPI from VM 0.
 *            The two VMs' counters have different origins (each VM's
 *            starts at 0), so the injection latency is half the round
 *            trip measured by VM 0;
 *   turns    2 vCPUs on one CPU that never wait (bench-turns.its, short
 *            slices): the HYP timer ends one's turn and the other runs.
 *            Each reads the counter in a loop and leaves its last read
 *            where the other sees it, so the switch is the other's first
 *            read after a gap minus that last read: the timer's exit,
 *            the scheduler, vcpu_put/vcpu_load and the entry, plus up to
 *            one turn of each loop (a few instructions);
 *   neutral  1 vCPU, only what any hypervisor for QEMU virt, or the bare
 *            machine, offers (the GICv2 at 0x08000000/0x08010000, PSCI by
 *            HVC, the virtual timer, the PL011): a GICD_TYPER read, a
 *            distributor write with no effect (0 to GICD_ISENABLER1), a
 *            self-SGI from the GICD_SGIR write to the handler, PSCI_VERSION,
 *            the virtual timer's latency in WFI, a PL011 register write.
 *            The same image runs natively (the floor) and under any
 *            hypervisor: docs/performance.md.
 */
#include "gic.h"
#include "test.h"

#define BATCH 1000u
#define BATCHES 15u
#define SAMPLES 101u

/* Smaller runs for an instruction trace (test/bench/profile.py):
 * bootargs batch=N batches=N samples=N, at most the defaults. */
static uint32_t batch = BATCH, batches = BATCHES, samples = SAMPLES;

#define IAR_ID(v) ((v) & 0x3ffu)
#define SGIR_FILTER_LIST (0u << 24)
#define SGIR_FILTER_SELF (2u << 24)
#define SGIR_TARGETS(list) ((uint32_t)(list) << 16)
#define PRIO_IRQ 0xa0u
#define PMR_OPEN 0xf0u

#define SGI_PING 1u
#define SGI_PONG 2u
#define SGI_SELF 3u
#define TIMER_ID 27u
#define SPI_INJ 72u /* SPI 40, edge: VM 0 -> VM 1 and back */

#define UART_BASE 0x09000000u
#define UARTIFLS 0x034u

#define TIMER_DELTA 2000u /* ticks: 32 us ahead */
#define WAIT_TICKS(us) ((uint64_t)counter_freq() / 1000000u * (us))
#define PEER_WAIT_US 200000u
#define REPLY_TIMEOUT_US 100000u

SYSREG32(cntv_ctl, 0, c14, c3, 1)
SYSREG64(cntv_cval, 3, c14)

enum role { ROLE_ONE, ROLE_PINGPONG, ROLE_INJECT, ROLE_REPLY, ROLE_TURNS, ROLE_NEUTRAL };

static enum role role;
static char name[16] = "ipi";

/* --- Time --- */

/* Tenths of an instruction (= of a ns at shift=0) in ticks / n. */
static uint64_t tenths(uint64_t ticks, uint32_t n)
{
	return ticks * 10000000000ull / counter_freq() / n;
}

static void sort64(uint64_t *v, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++)
		for (uint32_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

static uint64_t median(uint64_t *v, uint32_t n)
{
	sort64(v, n);
	return v[n / 2];
}

static void report(const char *prefix, const char *what, uint64_t t10)
{
	printf("bench %s%s %llu.%llu\n", prefix, what, t10 / 10, t10 % 10);
}

/* A batch of BATCH operations minus the empty loop, per operation, in
 * tenths; the median of BATCHES batches. */
typedef void (*op_fn)(void);

static void op_none(void)
{
}

static uint64_t batch_ticks(op_fn op)
{
	uint64_t t0 = counter();

	for (uint32_t i = 0; i < batch; i++)
		op();
	return counter() - t0;
}

static uint64_t time_op(op_fn op)
{
	uint64_t per[BATCHES];

	for (uint32_t b = 0; b < batches; b++) {
		uint64_t base = batch_ticks(op_none), t = batch_ticks(op);

		per[b] = t > base ? tenths(t - base, batch) : 0;
	}
	return median(per, batches);
}

/* --- GIC --- */

static void irq_set_priority(uint32_t id, uint8_t prio)
{
	mmio_write8(GICD_BASE + GICD_IPRIORITYR + id, prio);
}

static void irq_set_edge(uint32_t id)
{
	uint32_t off = GICD_ICFGR + (id / 16) * 4;

	gicd_write(off, gicd_read(off) | (2u << ((id % 16) * 2)));
}

static void gic_cpu_init(void)
{
	gicd_write(GICD_ISENABLER, 0x0000ffffu | (1u << TIMER_ID));
	for (uint32_t id = 0; id < 32; id++)
		irq_set_priority(id, PRIO_IRQ);
	gicc_write(GICC_PMR, PMR_OPEN);
	gicc_write(GICC_CTLR, 1);
}

static void sgi_send(uint32_t filter, uint32_t targets, uint32_t id)
{
	dsb();
	gicd_write(GICD_SGIR, filter | SGIR_TARGETS(targets) | id);
}

/* --- The IRQ handler: the counter at entry per vCPU, then ack + EOI --- */

static volatile uint64_t entry_at[2];
static volatile uint32_t taken[2];
static volatile uint32_t timer_fired;

static void irq_handler(void)
{
	uint64_t now = counter();
	uint32_t cpu = smp_cpu_index() & 1;
	uint32_t iar = gicc_read(GICC_IAR), id = IAR_ID(iar);

	if (id >= 1020)
		return;
	if (id == TIMER_ID) {
		cntv_ctl_write(CNTV_ENABLE | CNTV_IMASK);
		isb();
		timer_fired++;
	}
	if (id == SGI_PING)
		sgi_send(SGIR_FILTER_LIST, 0x1, SGI_PONG);
	gicc_write(GICC_EOIR, iar);
	if (id == SPI_INJ && role == ROLE_REPLY) {
		uint32_t spi = lowvisor_irq_encode(LOWVISOR_IRQ_TYPE_SPI, 0, SPI_INJ);

		lowvisor_irq_line(0, spi, 1);
		lowvisor_irq_line(0, spi, 0);
	}
	entry_at[cpu] = now;
	dmb();
	taken[cpu]++;
}

/* In WFI until the virtual timer fires us from now (not a busy wait:
 * QEMU's -icount sleep=off jumps over idle time). */
static void sleep_us(uint32_t us)
{
	uint32_t before = timer_fired;

	cntv_cval_write(counter() + WAIT_TICKS(us));
	cntv_ctl_write(CNTV_ENABLE);
	isb();
	irqs_on();
	while (timer_fired == before)
		wfi();
	irqs_off();
}

/* --- role=one --- */

static void op_hvc_null(void)
{
	register uint32_t r0 __asm__("r0") = LOWVISOR_FN_REVISION;
	register uint32_t r1 __asm__("r1") = 0, r2 __asm__("r2") = 0, r3 __asm__("r3") = 0;

	__asm__ volatile("hvc #0" : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3) : : "memory");
}

static void op_psci_version(void)
{
	register uint32_t r0 __asm__("r0") = 0x84000000u;
	register uint32_t r1 __asm__("r1") = 0, r2 __asm__("r2") = 0, r3 __asm__("r3") = 0;

	__asm__ volatile("hvc #0" : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3) : : "memory");
}

static void op_gicd_read(void)
{
	(void)gicd_read(GICD_TYPER);
}

static void op_uart_write(void)
{
	mmio_write32(UART_BASE + UARTIFLS, 0x12);
}

#define NEED_ROLE(r)                                                           \
	do {                                                                   \
		if (role != (r))                                               \
			SKIP("another role");                                  \
	} while (0)

TEST(one, hypercalls)
{
	NEED_ROLE(ROLE_ONE);
	ASSERT_EQ(smccc_hvc(LOWVISOR_FN_REVISION, 0, 0, 0, NULL), LOWVISOR_ABI_MAJOR);
	report("", "hvc_null", time_op(op_hvc_null));
	report("", "psci_version", time_op(op_psci_version));
}

TEST(one, mmio)
{
	NEED_ROLE(ROLE_ONE);
	ASSERT_NE(gicd_read(GICD_TYPER), POISON);
	report("", "vgic_mmio_read", time_op(op_gicd_read));
	report("", "vuart_write", time_op(op_uart_write));
}

/* Ack + EOI through GICV of an SGI this vCPU sent itself (IRQs masked):
 * no trap, so it costs a few instructions, under the counter's tick; the
 * mean of many tick-quantised samples, each minus an empty sample. */
TEST(one, ack_eoi)
{
	uint64_t per[BATCHES];
	uint32_t wrong = 0;

	NEED_ROLE(ROLE_ONE);
	for (uint32_t b = 0; b < batches; b++) {
		uint64_t sum = 0, empty = 0;

		for (uint32_t i = 0; i < batch; i++) {
			uint64_t t0, t1, c0, c1;
			uint32_t iar;

			sgi_send(SGIR_FILTER_SELF, 0, SGI_SELF);
			c0 = counter();
			c1 = counter();
			t0 = counter();
			iar = gicc_read(GICC_IAR);
			gicc_write(GICC_EOIR, iar);
			t1 = counter();
			wrong += IAR_ID(iar) != SGI_SELF;
			sum += t1 - t0;
			empty += c1 - c0;
		}
		per[b] = sum > empty ? tenths(sum - empty, batch) : 0;
	}
	EXPECT_EQ(wrong, 0);
	report("", "ack_eoi", median(per, batches));
}

/* The virtual timer armed TIMER_DELTA ticks ahead, the vCPU in WFI: from
 * the deadline (CVAL) to the handler's first counter read; the median. */
static uint64_t vtimer_latency(void)
{
	uint64_t lat[SAMPLES];
	uint32_t missed = 0;

	for (uint32_t i = 0; i < samples; i++) {
		uint32_t before = timer_fired;
		uint64_t cval = counter() + TIMER_DELTA, end = cval + WAIT_TICKS(10000);

		cntv_cval_write(cval);
		cntv_ctl_write(CNTV_ENABLE);
		isb();
		irqs_on();
		while (timer_fired == before && counter() < end)
			wfi();
		irqs_off();
		missed += timer_fired == before;
		lat[i] = tenths(entry_at[0] - cval, 1);
	}
	EXPECT_EQ(missed, 0);
	return median(lat, samples);
}

TEST(one, vtimer_latency)
{
	NEED_ROLE(ROLE_ONE);
	report("", "vtimer_latency", vtimer_latency());
}

/* --- role=neutral --- */

static void op_gicd_write_noop(void)
{
	gicd_write(GICD_ISENABLER + 4, 0); /* writing 0 enables nothing */
}

/* A self-SGI with IRQs unmasked: from the GICD_SGIR write to the
 * handler's first counter read; the median. */
static uint64_t self_sgi_latency(void)
{
	uint64_t lat[SAMPLES];
	uint32_t missed = 0;

	for (uint32_t i = 0; i < samples; i++) {
		uint32_t before = taken[0];
		uint64_t t0, end;

		irqs_on();
		t0 = counter();
		sgi_send(SGIR_FILTER_SELF, 0, SGI_SELF);
		end = t0 + WAIT_TICKS(10000);
		while (taken[0] == before && counter() < end)
			;
		irqs_off();
		missed += taken[0] == before;
		lat[i] = tenths(entry_at[0] - t0, 1);
	}
	EXPECT_EQ(missed, 0);
	return median(lat, samples);
}

TEST(neutral, ops)
{
	NEED_ROLE(ROLE_NEUTRAL);
	ASSERT_NE(gicd_read(GICD_TYPER), POISON);
	report("neutral_", "gicd_read", time_op(op_gicd_read));
	report("neutral_", "gicd_write", time_op(op_gicd_write_noop));
	report("neutral_", "self_sgi", self_sgi_latency());
	report("neutral_", "psci_version", time_op(op_psci_version));
	report("neutral_", "vtimer", vtimer_latency());
	report("neutral_", "uart_write", time_op(op_uart_write));
}

/* --- role=pingpong --- */

static uint32_t cpu_regs[GUEST_MAX_CPUS];
static volatile uint32_t sec_up;

static void secondary(uint32_t ctx)
{
	(void)ctx;
	exc_set_irq_handler(irq_handler);
	gic_cpu_init();
	sec_up = 1;
	sev();
	irqs_on();
	for (;;)
		wfi();
}

/* vCPU 0 sends SGI_PING to vCPU 1 and waits in WFI for SGI_PONG: the
 * send-to-receive time (vCPU 1's handler entry) and the round trip. */
TEST(pingpong, sgi)
{
	uint64_t one[SAMPLES], rtt[SAMPLES];
	uint32_t lost = 0;
	uint64_t end;
	char prefix[24];

	NEED_ROLE(ROLE_PINGPONG);
	ASSERT_GE(fdt_cpus(guest_dtb(), cpu_regs, GUEST_MAX_CPUS), 2);
	ASSERT_EQ(smp_cpu_on(cpu_regs[1], secondary, 1), PSCI_RET_SUCCESS);
	end = counter() + WAIT_TICKS(PEER_WAIT_US);
	while (!sec_up && counter() < end)
		wfe();
	ASSERT_EQ(sec_up, 1);
	for (uint32_t i = 0; i < samples; i++) {
		uint32_t got0 = taken[0], got1 = taken[1];
		uint64_t t0;

		end = counter() + WAIT_TICKS(REPLY_TIMEOUT_US);
		irqs_on();
		t0 = counter();
		sgi_send(SGIR_FILTER_LIST, 0x2, SGI_PING);
		while (taken[0] == got0 && counter() < end)
			wfi();
		irqs_off();
		if (taken[0] == got0 || taken[1] == got1) {
			lost++;
			continue;
		}
		one[i - lost] = tenths(entry_at[1] - t0, 1);
		rtt[i - lost] = tenths(entry_at[0] - t0, 1);
	}
	ASSERT_LT(lost, samples / 10 + 1);
	snprintf(prefix, sizeof(prefix), "%s_", name);
	report(prefix, "one_way", median(one, samples - lost));
	report(prefix, "round_trip", median(rtt, samples - lost));
}

/* --- role=turns --- */

#define TURN_GAP_TICKS 64u /* 1,024 instructions: more than a loop turn */

static volatile uint64_t turn_last[2]; /* each vCPU's latest counter read */
static volatile uint32_t turns_done;
static uint64_t turn_cost[SAMPLES];

/* Spins reading the counter until done: each time it comes back after a
 * gap in which the other vCPU ran (its last read is later than ours
 * before the gap), the switch in is now minus that read. */
static uint32_t turns_spin(uint32_t me, uint32_t want)
{
	uint64_t prev = counter();
	uint32_t n = 0;

	turn_last[me] = prev;
	while (!turns_done) {
		uint64_t t = counter(), other = turn_last[1 - me];

		if (t - prev > TURN_GAP_TICKS && other > prev && other < t && n < want)
			turn_cost[n++] = tenths(t - other, 1);
		turn_last[me] = t;
		prev = t;
		if (want && n == want)
			turns_done = 1;
	}
	return n;
}

static void turns_secondary(uint32_t ctx)
{
	(void)ctx;
	turns_spin(1, 0);
	for (;;)
		wfi();
}

TEST(turns, timer_switch)
{
	uint32_t n;

	NEED_ROLE(ROLE_TURNS);
	ASSERT_GE(fdt_cpus(guest_dtb(), cpu_regs, GUEST_MAX_CPUS), 2);
	ASSERT_EQ(smp_cpu_on(cpu_regs[1], turns_secondary, 1), PSCI_RET_SUCCESS);
	n = turns_spin(0, samples);
	ASSERT_EQ(n, samples);
	report("", "turn_switch", median(turn_cost, n));
}

/* --- role=inject / role=reply --- */

static void spi_setup(void)
{
	irq_set_edge(SPI_INJ);
	irq_set_priority(SPI_INJ, PRIO_IRQ);
	mmio_write8(GICD_BASE + GICD_ITARGETSR + SPI_INJ, 1);
	irq_bit_write(GICD_ISENABLER, SPI_INJ);
}

/* IRQ_LINE raise + lower of VM 1's SPI, then WFI until VM 1's answer:
 * the round trip, in VM 0's counter; one way is half of it. */
TEST(inject, irq_line)
{
	uint32_t spi = lowvisor_irq_encode(LOWVISOR_IRQ_TYPE_SPI, 0, SPI_INJ);
	uint64_t rtt[SAMPLES], half[SAMPLES];
	uint32_t lost = 0;

	NEED_ROLE(ROLE_INJECT);
	sleep_us(PEER_WAIT_US); /* VM 1 has set up its GIC */
	for (uint32_t i = 0; i < samples; i++) {
		uint32_t got = taken[0];
		uint64_t t0, end = counter() + WAIT_TICKS(REPLY_TIMEOUT_US);

		irqs_on();
		t0 = counter();
		lowvisor_irq_line(1, spi, 1);
		lowvisor_irq_line(1, spi, 0);
		while (taken[0] == got && counter() < end)
			wfi();
		irqs_off();
		if (taken[0] == got) {
			lost++;
			continue;
		}
		rtt[i - lost] = tenths(entry_at[0] - t0, 1);
		half[i - lost] = rtt[i - lost] / 2;
	}
	ASSERT_LT(lost, samples / 10 + 1);
	report("", "irq_line_round_trip", median(rtt, samples - lost));
	report("", "irq_line_to_handler", median(half, samples - lost));
}

/* Answers VM 0 (in the IRQ handler) until SAMPLES SPIs came or VM 0 has
 * been quiet for a while. */
TEST(reply, answer)
{
	uint64_t quiet_end = counter() + WAIT_TICKS(2 * PEER_WAIT_US);

	NEED_ROLE(ROLE_REPLY);
	irqs_on();
	while (taken[0] < samples && counter() < quiet_end) {
		uint32_t got = taken[0];

		wfi();
		if (taken[0] != got)
			quiet_end = counter() + WAIT_TICKS(2 * PEER_WAIT_US);
	}
	irqs_off();
	EXPECT_EQ(taken[0], samples);
}

int main(void)
{
	static const char *const roles[] = {
		[ROLE_ONE] = "one", [ROLE_PINGPONG] = "pingpong",
		[ROLE_INJECT] = "inject", [ROLE_REPLY] = "reply", [ROLE_TURNS] = "turns",
		[ROLE_NEUTRAL] = "neutral",
	};
	char r[16] = "one";

	bootarg_get("role", r, sizeof(r));
	bootarg_get("name", name, sizeof(name));
	bootarg_u32("batch", &batch);
	bootarg_u32("batches", &batches);
	bootarg_u32("samples", &samples);
	if (batch == 0 || batch > BATCH || batches == 0 || batches > BATCHES || samples == 0 ||
	    samples > SAMPLES) {
		printf("# bench: batch, batches or samples out of range\n");
		return 1;
	}
	for (uint32_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(r, roles[i]) == 0)
			role = (enum role)i;
	printf("# bench: role %s, counter %lu Hz\n", roles[role], counter_freq());
	exc_set_irq_handler(irq_handler);
	gicd_write(GICD_CTLR, 1);
	gic_cpu_init();
	if (role == ROLE_INJECT || role == ROLE_REPLY)
		spi_setup();
	return test_run_all();
}
