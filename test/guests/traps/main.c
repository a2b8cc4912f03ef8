// SPDX-License-Identifier: MIT
/*
 * traps: what Lowvisor does when a guest does something that traps, seen
 * from inside (configs/traps.its: 2 vCPUs on ONE physical CPU).
 *
 * - Lazy VFP/NEON: both vCPUs fill d0-d31 and FPSCR with their own
 *   patterns and check them over and over for VFP_RUN_MS while the
 *   hypervisor's tick switches between them; FPEXC is per vCPU.
 * - MMIO without syndrome (ISV = 0): LDM, LDRD and STM on the virtual
 *   PL011 become a data abort at that address and the guest carries on; a
 *   plain LDR/LDRB of UARTFR reads TXFE | RXFE.
 * - SMC is an undefined instruction (PSCI is by HVC).
 * - Trapped CP15: ACTLR reads, its writes are ignored; set/way cache
 *   maintenance does not fault; the physical timer reads 0 and ignores
 *   writes.  (QEMU 7.2 does not trap set/way maintenance for HCR.TSW:
 *   there that check only shows the instructions are harmless.)
 * - WFI and WFE with IRQs masked and nothing pending return (at the next
 *   hypervisor tick at the latest).
 *
 * (An unknown SMCCC id by HVC returning -1 with r4-r12 kept is the smccc
 * guest's smccc.registers_preserved and smccc.unknown_function.)
 */
#include "gic.h"
#include "test.h"

#define VFP_RUN_MS 300u /* 30 ticks of Lowvisor's 100 Hz tick */
#define VFP_ITER_US 1000u /* one pattern is kept and re-read this long */
#define VFP_GAP_US 2000u /* a jump of the counter this long: switched out */
#define VFP_MIN_GAPS 3u
#define SECONDARY_TIMEOUT_US 5000000u
#define WFX_ROUNDS 5
#define WFX_MAX_US 100000u

#define UART_FR (GUEST_UART_BASE + 0x18u)
#define UART_ICR (GUEST_UART_BASE + 0x44u)
#define UART_FR_IDLE 0x90u /* TXFE | RXFE */

#define FPSCR_QC (1u << 27)
#define FPSCR_DN (1u << 25)
#define FPSCR_FZ (1u << 24)
#define FPSCR_RMODE_SHIFT 22
#define DFSR_WNR (1u << 11)
#define DFSR_FS_MASK 0x40fu
#define DFSR_SYNC_EXTERNAL 0x008u

SYSREG32(cpacr, 0, c1, c0, 2)
SYSREG32(actlr, 0, c1, c0, 1)
SYSREG32(dcisw, 0, c7, c6, 2)
SYSREG32(dccsw, 0, c7, c10, 2)
SYSREG32(dccisw, 0, c7, c14, 2)
SYSREG32(cntp_tval, 0, c14, c2, 0)
SYSREG32(cntp_ctl, 0, c14, c2, 1)
SYSREG64(cntp_cval, 2, c14)

static uint32_t cpu_regs[GUEST_MAX_CPUS];
static int cpu_total;

/* --- Lazy VFP across vCPU switches --- */

struct vfp_result {
	uint32_t fpexc_before; /* once CPACR allows cp10/cp11, before EN */
	uint32_t fpexc_after;
	uint32_t iterations, checks, mismatches, gaps, max_gap_us;
	uint32_t bad_iteration, bad_reg; /* the first mismatch; reg 32 = FPSCR */
	uint64_t bad_got, bad_want;
	uint32_t done;
};

static volatile struct vfp_result vfp_results[2];
static bool vfp_ran;

/* d<reg> of vCPU cpu in round k: every (cpu, k, reg) differs. */
static uint64_t vfp_pattern(uint32_t cpu, uint32_t k, uint32_t reg)
{
	uint32_t hi = 0xc0de0000u | (cpu << 12) | reg;
	uint32_t lo = (k * 0x9e3779b9u) ^ (reg << 8) ^ (cpu << 28) ^ 0xa5a5a5a5u;

	return ((uint64_t)hi << 32) | lo;
}

/* FPSCR of vCPU cpu in round k: flags, QC, DN/FZ, rounding mode and the
 * cumulative exception bits (no Len/Stride: the A15 has no short vectors). */
static uint32_t fpscr_pattern(uint32_t cpu, uint32_t k)
{
	uint32_t v = cpu ? 0x50000000u | FPSCR_FZ | 0x8au : 0xa0000000u | FPSCR_DN | 0x11u;

	v |= ((k + cpu) & 3u) << FPSCR_RMODE_SHIFT;
	if (k & 1)
		v |= FPSCR_QC;
	return v;
}

static void vfp_note_mismatch(struct vfp_result *r, uint32_t k, uint32_t reg,
			      uint64_t got, uint64_t want)
{
	if (!r->mismatches++) {
		r->bad_iteration = k;
		r->bad_reg = reg;
		r->bad_got = got;
		r->bad_want = want;
	}
}

/* Runs on each vCPU: its own registers, checked while the other vCPU
 * (on the same physical CPU) runs between the checks. */
static void vfp_stress(uint32_t cpu)
{
	struct vfp_result r = { 0 };
	uint64_t want[32], got[32];
	uint64_t freq = counter_freq(), now = counter(), last = now;
	uint64_t end = now + freq * VFP_RUN_MS / 1000u;
	uint64_t step = freq * VFP_ITER_US / 1000000u, gap = freq * VFP_GAP_US / 1000000u;

	cpacr_write(cpacr_read() | CPACR_CP10_CP11);
	isb();
	r.fpexc_before = fpexc_read();
	fpexc_write(r.fpexc_before | FPEXC_EN);
	for (uint32_t k = 0; now < end; k++) {
		uint32_t fpscr_want = fpscr_pattern(cpu, k);
		uint64_t round_end = now + step;

		for (uint32_t i = 0; i < 32; i++)
			want[i] = vfp_pattern(cpu, k, i);
		vfp_load(want, fpscr_want);
		do {
			uint32_t fpscr = vfp_store(got);

			r.checks++;
			for (uint32_t i = 0; i < 32; i++) {
				if (got[i] != want[i])
					vfp_note_mismatch(&r, k, i, got[i], want[i]);
			}
			if (fpscr != fpscr_want)
				vfp_note_mismatch(&r, k, 32, fpscr, fpscr_want);
			now = counter();
			if (now - last > gap) {
				uint32_t us = (uint32_t)((now - last) * 1000000u / freq);

				r.gaps++;
				if (us > r.max_gap_us)
					r.max_gap_us = us;
			}
			last = now;
		} while (now < round_end);
		r.iterations++;
	}
	r.fpexc_after = fpexc_read();

	vfp_results[cpu].fpexc_before = r.fpexc_before;
	vfp_results[cpu].fpexc_after = r.fpexc_after;
	vfp_results[cpu].iterations = r.iterations;
	vfp_results[cpu].checks = r.checks;
	vfp_results[cpu].mismatches = r.mismatches;
	vfp_results[cpu].gaps = r.gaps;
	vfp_results[cpu].max_gap_us = r.max_gap_us;
	vfp_results[cpu].bad_iteration = r.bad_iteration;
	vfp_results[cpu].bad_reg = r.bad_reg;
	vfp_results[cpu].bad_got = r.bad_got;
	vfp_results[cpu].bad_want = r.bad_want;
	dsb();
	vfp_results[cpu].done = 1;
	sev();
}

static void vfp_secondary(uint32_t ctx)
{
	vfp_stress(ctx & 1);
	/* returning makes the library call CPU_OFF */
}

static void vfp_report(uint32_t cpu)
{
	const volatile struct vfp_result *r = &vfp_results[cpu];

	printf("# vcpu %lu: %lu rounds, %lu checks, %lu mismatches, switched out %lu "
	       "times (longest %lu us), FPEXC 0x%08lx then 0x%08lx\n",
	       cpu, r->iterations, r->checks, r->mismatches, r->gaps, r->max_gap_us,
	       r->fpexc_before, r->fpexc_after);
}

/* Tests after the first one that need its run. */
#define NEED_VFP_RUN()                                                         \
	do {                                                                   \
		if (!vfp_ran)                                                  \
			SKIP("vfp.both_vcpus_ran did not run both vCPUs");     \
	} while (0)

TEST(vfp, both_vcpus_ran)
{
	uint64_t end;

	ASSERT_GE(cpu_total, 2);
	ASSERT_EQ(mpidr_read() & 0xffffffu, cpu_regs[0]);
	ASSERT_EQ(smp_cpu_on(cpu_regs[1], vfp_secondary, 1), PSCI_RET_SUCCESS);
	vfp_stress(0);
	end = time_now_us() + SECONDARY_TIMEOUT_US;
	while (!vfp_results[1].done && time_now_us() < end)
		wfe();
	ASSERT_TRUE(vfp_results[0].done);
	ASSERT_TRUE(vfp_results[1].done);
	vfp_ran = true;
	vfp_report(0);
	vfp_report(1);
}

/* Otherwise the other checks prove nothing: each vCPU was switched out
 * (the counter jumped) while its registers were live. */
TEST(vfp, vcpus_took_turns)
{
	NEED_VFP_RUN();
	EXPECT_GE(vfp_results[0].gaps, VFP_MIN_GAPS);
	EXPECT_GE(vfp_results[1].gaps, VFP_MIN_GAPS);
}

/* FPEXC is each vCPU's own: EN clear at reset (vCPU 1 started after
 * vCPU 0 may already have set its own), set after it set it. */
TEST(vfp, fpexc_per_vcpu)
{
	NEED_VFP_RUN();
	for (uint32_t c = 0; c < 2; c++) {
		EXPECT_EQ(vfp_results[c].fpexc_before & FPEXC_EN, 0);
		EXPECT_EQ(vfp_results[c].fpexc_after & FPEXC_EN, FPEXC_EN);
	}
}

static void vfp_check_registers(uint32_t cpu)
{
	const volatile struct vfp_result *r = &vfp_results[cpu];

	NEED_VFP_RUN();
	EXPECT_GE(r->checks, 10u);
	if (r->mismatches) {
		if (r->bad_reg == 32)
			FAIL("vcpu %lu: %lu mismatches, the first in round %lu: "
			     "FPSCR 0x%08llx, expected 0x%08llx",
			     cpu, r->mismatches, r->bad_iteration, r->bad_got,
			     r->bad_want);
		else
			FAIL("vcpu %lu: %lu mismatches, the first in round %lu: "
			     "d%lu 0x%016llx, expected 0x%016llx",
			     cpu, r->mismatches, r->bad_iteration, r->bad_reg,
			     r->bad_got, r->bad_want);
	}
}

TEST(vfp, vcpu0_registers_kept)
{
	vfp_check_registers(0);
}

TEST(vfp, vcpu1_registers_kept)
{
	vfp_check_registers(1);
}

/* --- MMIO without syndrome --- */

struct abort_check {
	uint32_t pc; /* the instruction that must abort */
	uint32_t after; /* 1 when the next instruction ran */
	uint32_t r2, r3; /* the transfer registers afterwards */
};

static void expect_abort_at(const struct abort_check *c, uint32_t addr, bool write)
{
	struct exc_record r = exc_last();

	EXPECT_EQ(r.type, EXC_DABT);
	EXPECT_EQ(r.pc, c->pc);
	EXPECT_EQ(r.far, addr);
	EXPECT_EQ(r.fsr & DFSR_FS_MASK, DFSR_SYNC_EXTERNAL);
	EXPECT_EQ(r.fsr & DFSR_WNR, write ? DFSR_WNR : 0);
	EXPECT_EQ(c->after, 1); /* carried on past it */
}

#define SENTINEL2 0x22222222u
#define SENTINEL3 0x33333333u

/* Two registers from UARTFR and the word after: no single syndrome. */
TEST(mmio, ldm_aborts)
{
	struct abort_check c = { 0 };

	exc_clear();
	exc_expect(true);
	__asm__ volatile("ldr	r2, =0x22222222\n\t"
			 "ldr	r3, =0x33333333\n\t"
			 "adr	%[pc], 1f\n"
			 "1:	ldm	%[base], {r2, r3}\n\t"
			 "mov	%[r2], r2\n\t"
			 "mov	%[r3], r3\n\t"
			 "mov	%[after], #1"
			 : [pc] "=&r"(c.pc), [r2] "=&r"(c.r2), [r3] "=&r"(c.r3),
			   [after] "=&r"(c.after)
			 : [base] "r"(UART_FR)
			 : "r2", "r3", "memory");
	exc_expect(false);
	expect_abort_at(&c, UART_FR, false);
	EXPECT_EQ(c.r2, SENTINEL2); /* nothing emulated */
	EXPECT_EQ(c.r3, SENTINEL3);
}

TEST(mmio, ldrd_aborts)
{
	struct abort_check c = { 0 };

	exc_clear();
	exc_expect(true);
	__asm__ volatile("ldr	r2, =0x22222222\n\t"
			 "ldr	r3, =0x33333333\n\t"
			 "adr	%[pc], 1f\n"
			 "1:	ldrd	r2, r3, [%[base]]\n\t"
			 "mov	%[r2], r2\n\t"
			 "mov	%[r3], r3\n\t"
			 "mov	%[after], #1"
			 : [pc] "=&r"(c.pc), [r2] "=&r"(c.r2), [r3] "=&r"(c.r3),
			   [after] "=&r"(c.after)
			 : [base] "r"(UART_FR)
			 : "r2", "r3", "memory");
	exc_expect(false);
	expect_abort_at(&c, UART_FR, false);
	EXPECT_EQ(c.r2, SENTINEL2);
	EXPECT_EQ(c.r3, SENTINEL3);
}

/* Zeros to UARTICR and UARTDMACR: harmless if it went through. */
TEST(mmio, stm_aborts)
{
	struct abort_check c = { 0 };

	exc_clear();
	exc_expect(true);
	__asm__ volatile("mov	r2, #0\n\t"
			 "mov	r3, #0\n\t"
			 "adr	%[pc], 1f\n"
			 "1:	stm	%[base], {r2, r3}\n\t"
			 "mov	%[after], #1"
			 : [pc] "=&r"(c.pc), [after] "=&r"(c.after)
			 : [base] "r"(UART_ICR)
			 : "r2", "r3", "memory");
	exc_expect(false);
	expect_abort_at(&c, UART_ICR, true);
}

/* With a syndrome the same register is emulated: the transmitter and the
 * receiver are empty. */
TEST(mmio, uartfr_reads_idle)
{
	exc_clear();
	EXPECT_EQ(*(volatile uint32_t *)UART_FR, UART_FR_IDLE);
	EXPECT_EQ(*(volatile uint8_t *)UART_FR, UART_FR_IDLE);
	EXPECT_EQ(exc_last().type, EXC_NONE);
}

/*
 * Emulated accesses through every register an access can name, in every
 * mode: each register stores a value of its own to a priority byte of
 * SPI_PRIO (GICD_IPRIORITYR keeps 5 bits), is cleared, and loads it back.
 * r0-r12 and the usr/sys lr come from the trap frame (the fast path);
 * the banked ones (sp and lr of svc, abt, und and irq, r8-r12, sp and lr
 * of fiq, sys's sp) from the hardware through a whole exit.  Returns the
 * number of registers that did not read back their value.
 *
 * mmio_it_block, Thumb: an emulated load that is the first of an ITTE
 * block; the other two must still see their places in it (ITSTATE
 * advanced past the trapped load), so it returns 1, not 0x11.
 */
#define SPI_PRIO 40u
uint32_t mmio_every_register(uint32_t byte_addr);
uint32_t mmio_it_block(uint32_t word_addr);
__asm__(".macro check reg, val, base=r0\n"
	"	mov	\\reg, #\\val\n"
	"	strb	\\reg, [\\base]\n"
	"	mov	\\reg, #0\n"
	"	ldrb	\\reg, [\\base]\n"
	"	cmp	\\reg, #\\val\n"
	"	addne	r1, r1, #1\n"
	".endm\n"
	"	.text\n"
	"	.arm\n"
	"	.global	mmio_every_register\n"
	"	.type	mmio_every_register, %function\n"
	"mmio_every_register:\n"
	"	push	{r4-r12, lr}\n"
	"	mrs	r2, cpsr\n"
	"	push	{r2}\n"
	"	cpsid	aif\n"
	"	mov	r1, #0\n"
	"	cps	#0x13\n"		/* svc */
	"	check	r2, 24\n"
	"	check	r3, 32\n"
	"	check	r4, 40\n"
	"	check	r5, 48\n"
	"	check	r6, 56\n"
	"	check	r7, 64\n"
	"	check	r8, 72\n"
	"	check	r9, 80\n"
	"	check	r10, 88\n"
	"	check	r11, 96\n"
	"	check	r12, 104\n"
	"	mov	r2, sp\n"
	"	check	sp, 112\n"
	"	mov	sp, r2\n"
	"	mov	r2, lr\n"
	"	check	lr, 120\n"
	"	mov	lr, r2\n"
	"	cps	#0x17\n"		/* abt */
	"	check	r2, 152\n"
	"	check	r3, 160\n"
	"	check	r4, 168\n"
	"	check	r5, 176\n"
	"	check	r6, 184\n"
	"	check	r7, 192\n"
	"	check	r8, 200\n"
	"	check	r9, 208\n"
	"	check	r10, 216\n"
	"	check	r11, 224\n"
	"	check	r12, 232\n"
	"	mov	r2, sp\n"
	"	check	sp, 240\n"
	"	mov	sp, r2\n"
	"	mov	r2, lr\n"
	"	check	lr, 248\n"
	"	mov	lr, r2\n"
	"	cps	#0x1b\n"		/* und */
	"	check	r2, 32\n"
	"	check	r3, 40\n"
	"	check	r4, 48\n"
	"	check	r5, 56\n"
	"	check	r6, 64\n"
	"	check	r7, 72\n"
	"	check	r8, 80\n"
	"	check	r9, 88\n"
	"	check	r10, 96\n"
	"	check	r11, 104\n"
	"	check	r12, 112\n"
	"	mov	r2, sp\n"
	"	check	sp, 120\n"
	"	mov	sp, r2\n"
	"	mov	r2, lr\n"
	"	check	lr, 128\n"
	"	mov	lr, r2\n"
	"	cps	#0x12\n"		/* irq */
	"	check	r2, 160\n"
	"	check	r3, 168\n"
	"	check	r4, 176\n"
	"	check	r5, 184\n"
	"	check	r6, 192\n"
	"	check	r7, 200\n"
	"	check	r8, 208\n"
	"	check	r9, 216\n"
	"	check	r10, 224\n"
	"	check	r11, 232\n"
	"	check	r12, 240\n"
	"	mov	r2, sp\n"
	"	check	sp, 248\n"
	"	mov	sp, r2\n"
	"	mov	r2, lr\n"
	"	check	lr, 8\n"
	"	mov	lr, r2\n"
	"	cps	#0x11\n"		/* fiq */
	"	check	r2, 40\n"
	"	check	r3, 48\n"
	"	check	r4, 56\n"
	"	check	r5, 64\n"
	"	check	r6, 72\n"
	"	check	r7, 80\n"
	"	check	r8, 88\n"
	"	check	r9, 96\n"
	"	check	r10, 104\n"
	"	check	r11, 112\n"
	"	check	r12, 120\n"
	"	mov	r2, sp\n"
	"	check	sp, 128\n"
	"	mov	sp, r2\n"
	"	mov	r2, lr\n"
	"	check	lr, 136\n"
	"	mov	lr, r2\n"
	"	cps	#0x1f\n"		/* sys */
	"	check	r2, 168\n"
	"	check	r3, 176\n"
	"	check	r4, 184\n"
	"	check	r5, 192\n"
	"	check	r6, 200\n"
	"	check	r7, 208\n"
	"	check	r8, 216\n"
	"	check	r9, 224\n"
	"	check	r10, 232\n"
	"	check	r11, 240\n"
	"	check	r12, 248\n"
	"	mov	r2, sp\n"
	"	check	sp, 8\n"
	"	mov	sp, r2\n"
	"	mov	r2, lr\n"
	"	check	lr, 16\n"
	"	mov	lr, r2\n"
	"	cps	#0x13\n"		/* the caller's mode (svc): its stack */
	"	pop	{r2}\n"
	"	msr	cpsr_cx, r2\n"
	"	mov	r2, r0\n"
	"	check	r0, 200, r2\n"
	"	mov	r3, r1\n"			/* the count, while r1 is checked */
	"	mov	r1, #208\n"
	"	strb	r1, [r2]\n"
	"	mov	r1, #0\n"
	"	ldrb	r1, [r2]\n"
	"	cmp	r1, #208\n"
	"	addne	r3, r3, #1\n"
	"	mov	r0, r3\n"
	"	pop	{r4-r12, pc}\n"
	"	.size	mmio_every_register, . - mmio_every_register\n"
	"	.purgem	check\n"
	"	.syntax	unified\n"
	"	.thumb\n"
	"	.global	mmio_it_block\n"
	"	.type	mmio_it_block, %function\n"
	"	.thumb_func\n"
	"mmio_it_block:\n"
	"	movs	r2, #0\n"
	"	cmp	r2, #0\n"
	"	itte	eq\n"
	"	ldreq	r3, [r0]\n"
	"	addeq	r2, r2, #1\n"
	"	addne	r2, r2, #0x10\n"
	"	mov	r0, r2\n"
	"	bx	lr\n"
	"	.size	mmio_it_block, . - mmio_it_block\n"
	"	.arm\n");

TEST(mmio, every_register_in_every_mode)
{
	uint32_t addr = GICD_BASE + GICD_IPRIORITYR + SPI_PRIO;

	exc_clear();
	EXPECT_EQ(mmio_every_register(addr), 0);
	EXPECT_EQ(exc_last().type, EXC_NONE);
}

TEST(mmio, load_in_an_it_block)
{
	exc_clear();
	EXPECT_EQ(mmio_it_block(UART_FR), 1);
	EXPECT_EQ(exc_last().type, EXC_NONE);
}

/* --- SMC --- */

TEST(smc, is_undefined)
{
	uint32_t pc = 0, r0 = 0, after = 0;
	struct exc_record r;

	exc_clear();
	exc_expect(true);
	__asm__ volatile(".arch_extension sec\n\t"
			 "ldr	r0, =%c[fn]\n\t"
			 "adr	%[pc], 1f\n"
			 "1:	smc	#0\n\t"
			 "mov	%[r0], r0\n\t"
			 "mov	%[after], #1"
			 : [pc] "=&r"(pc), [r0] "=&r"(r0), [after] "=&r"(after)
			 : [fn] "i"(PSCI_0_2_FN_VERSION)
			 : "r0", "r1", "r2", "r3", "memory");
	exc_expect(false);
	r = exc_last();
	EXPECT_EQ(r.type, EXC_UNDEF);
	EXPECT_EQ(r.pc, pc);
	EXPECT_EQ(after, 1);
	EXPECT_EQ(r0, PSCI_0_2_FN_VERSION); /* no PSCI answer */
}

/* --- Trapped CP15 --- */

TEST(cp15, actlr_reads_and_ignores_writes)
{
	uint32_t old, now;

	exc_clear();
	old = actlr_read();
	actlr_write(old ^ 1u); /* A15: BTB invalidate enable, harmless */
	isb();
	now = actlr_read();
	printf("# ACTLR 0x%08lx\n", old);
	EXPECT_EQ(now, old);
	EXPECT_EQ(exc_last().type, EXC_NONE);
}

TEST(cp15, set_way_maintenance)
{
	exc_clear();
	dccsw_write(0);
	dccisw_write(0);
	dcisw_write(0);
	dsb();
	EXPECT_EQ(exc_last().type, EXC_NONE);
}

/* The physical timer is the hypervisor's: RAZ/WI for the guest. */
TEST(cp15, physical_timer_raz_wi)
{
	exc_clear();
	EXPECT_EQ(cntp_ctl_read(), 0);
	cntp_cval_write(0); /* would fire at once if it were real */
	cntp_tval_write(0);
	cntp_ctl_write(1); /* ENABLE, not masked */
	isb();
	EXPECT_EQ(cntp_ctl_read(), 0);
	EXPECT_EQ(cntp_tval_read(), 0);
	EXPECT_EQ64(cntp_cval_read(), 0);
	cntp_ctl_write(0);
	EXPECT_EQ(exc_last().type, EXC_NONE);
}

/* --- WFI/WFE --- */

/*
 * The other vCPU is off and IRQs are masked.  WFI waits for an interrupt
 * to become pending, masked or not, so each round arms the virtual timer
 * (PPI 27, enabled in the distributor and the CPU interface) 5 ms ahead:
 * the vCPU must come back once it fires, blocked in the hypervisor
 * meanwhile.  WFE may return at any time (the hypervisor yields).
 */
#define WFI_TIMER_US 5000u

static void wfi_timer_arm(uint64_t freq)
{
	gicd_write(GICD_CTLR, 1); /* forward */
	irq_bit_write(GICD_ISENABLER, 27);
	gicc_write(GICC_PMR, 0xf0);
	gicc_write(GICC_CTLR, 1);
	__asm__ volatile("mcr p15, 0, %0, c14, c3, 0" ::"r"((uint32_t)(freq * WFI_TIMER_US / 1000000)));
	__asm__ volatile("mcr p15, 0, %0, c14, c3, 1" ::"r"(1u) : "memory"); /* CNTV_CTL */
	isb();
}

static void wfi_timer_disarm(void)
{
	__asm__ volatile("mcr p15, 0, %0, c14, c3, 1" ::"r"(0u) : "memory");
	isb();
	irq_bit_write(GICD_ICENABLER, 27);
	irq_bit_write(GICD_ICPENDR, 27);
}

static uint32_t wfx_longest_us(bool wfi)
{
	uint64_t freq = counter_freq(), longest = 0;

	for (int i = 0; i < WFX_ROUNDS; i++) {
		uint64_t t0, t1;

		if (wfi)
			wfi_timer_arm(freq);
		t0 = counter();
		dsb();
		if (wfi)
			__asm__ volatile("wfi" ::: "memory");
		else
			__asm__ volatile("wfe" ::: "memory");
		if (wfi)
			wfi_timer_disarm();
		t1 = counter();
		if (t1 - t0 > longest)
			longest = t1 - t0;
	}
	return (uint32_t)(longest * 1000000u / freq);
}

static void wait_secondary_off(void)
{
	uint64_t end = time_now_us() + SECONDARY_TIMEOUT_US;

	if (cpu_total < 2)
		return;
	while (psci_affinity_info(cpu_regs[1], 0) != PSCI_AFFINITY_OFF &&
	       time_now_us() < end)
		;
}

TEST(wfi, returns_with_irqs_masked)
{
	uint32_t us;

	wait_secondary_off();
	EXPECT_EQ(cpsr_read() & CPSR_I, CPSR_I);
	us = wfx_longest_us(true);
	printf("# WFI (woken by a %u us timer): the longest of %d took %lu us\n", WFI_TIMER_US,
	       WFX_ROUNDS, us);
	EXPECT_LT(us, WFX_MAX_US);
}

TEST(wfe, returns_with_irqs_masked)
{
	uint32_t us;

	wait_secondary_off();
	us = wfx_longest_us(false);
	printf("# WFE: the longest of %d took %lu us\n", WFX_ROUNDS, us);
	EXPECT_LT(us, WFX_MAX_US);
}

int main(void)
{
	cpu_total = fdt_cpus(guest_dtb(), cpu_regs, GUEST_MAX_CPUS);
	printf("# traps: %d vCPUs\n", cpu_total);
	return test_run_all();
}
