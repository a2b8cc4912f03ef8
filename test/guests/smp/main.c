// SPDX-License-Identifier: MIT
/*
 * smp: PSCI CPU power management as a guest sees it.  Every CPU in /cpus
 * is started with CPU_ON (mpidr = its reg), reports its MPIDR and the
 * context id it was given, and waits for orders; one is turned off with
 * CPU_OFF and started again.
 */
#include "test.h"

#define CTX_FIRST 0xc0de0000u /* | cpu number */
#define CTX_AGAIN 0xc0de0100u /* | cpu number */
#define START_TIMEOUT_US 2000000u
#define MPIDR_AFF_MASK 0xffffffu
#define MPIDR_MP (1u << 31)
#define INVALID_MPIDR 0xfeu
#define LOCKED_INCREMENTS 100

enum cpu_order { ORDER_NONE, ORDER_COUNT, ORDER_TOUCH, ORDER_OFF };

static uint32_t cpu_regs[GUEST_MAX_CPUS];
static int cpu_total;
static int self = -1; /* this CPU's number in /cpus */

static volatile uint32_t seen_mpidr[GUEST_MAX_CPUS];
static volatile uint32_t seen_ctx[GUEST_MAX_CPUS];
static volatile uint32_t checkins[GUEST_MAX_CPUS];
static volatile uint32_t orders[GUEST_MAX_CPUS];
static volatile uint32_t shared_counter;
static volatile uint32_t touch_go;
static uint32_t touch_base; /* a 2 MiB block of RAM nobody has touched */

#define BLOCK_SIZE 0x200000u
#define TOUCH_MARK 0x70c40000u /* | cpu number */

/* The first write to fresh RAM, by every CPU at once (smp.first_touch). */
static void touch(int n)
{
	while (!touch_go)
		wfe();
	*(volatile uint32_t *)(touch_base + 64u * (uint32_t)n) = TOUCH_MARK | (uint32_t)n;
	dsb();
}

/* Read-modify-write of plain memory, made safe only by the lock. */
static void count_locked(void)
{
	for (int i = 0; i < LOCKED_INCREMENTS; i++) {
		console_lock();
		shared_counter = shared_counter + 1;
		console_unlock();
	}
}

/* Runs on secondary CPU N = ctx & 0xff until it is ordered off. */
static void secondary(uint32_t ctx)
{
	uint32_t n = (ctx & 0xff) % GUEST_MAX_CPUS, mpidr = mpidr_read();

	printf("cpu %lu mpidr 0x%08lx\n", n, mpidr);
	seen_mpidr[n] = mpidr;
	seen_ctx[n] = ctx;
	dsb();
	checkins[n]++;
	sev();
	for (uint32_t order; (order = orders[n]) != ORDER_OFF;) {
		if (order == ORDER_COUNT) {
			count_locked();
			orders[n] = ORDER_NONE;
			sev();
		} else if (order == ORDER_TOUCH) {
			touch((int)n);
			orders[n] = ORDER_NONE;
			sev();
		}
		wfe();
	}
	orders[n] = ORDER_NONE;
	dsb();
	/* returning makes the library call CPU_OFF */
}

static bool wait_checkins(int n, uint32_t count)
{
	uint64_t end = time_now_us() + START_TIMEOUT_US;

	while (checkins[n] < count) {
		if (time_now_us() > end)
			return false;
		wfe();
	}
	return true;
}

static bool wait_affinity(int n, int32_t state)
{
	uint64_t end = time_now_us() + START_TIMEOUT_US;

	while (psci_affinity_info(cpu_regs[n], 0) != state) {
		if (time_now_us() > end)
			return false;
	}
	return true;
}

/* Tests that need secondaries skip without them (smp.cpus_in_dtb fails). */
#define NEED_SECONDARIES()                                                     \
	do {                                                                   \
		if (cpu_total < 2 || self < 0)                                 \
			SKIP("needs 2 CPUs or more in /cpus");                 \
	} while (0)

/* The last secondary: the one turned off and on again. */
static int victim(void)
{
	return self == cpu_total - 1 ? cpu_total - 2 : cpu_total - 1;
}

TEST(smp, cpus_in_dtb)
{
	printf("# %d CPUs in /cpus, this is number %d (MPIDR 0x%08lx)\n",
	       cpu_total, self, mpidr_read());
	EXPECT_GE(cpu_total, 2);
	EXPECT_TRUE(cpu_total <= GUEST_MAX_CPUS);
	EXPECT_TRUE(self >= 0);
}

TEST(smp, cpu_on_all)
{
	NEED_SECONDARIES();
	for (int i = 0; i < cpu_total; i++) {
		if (i == self)
			continue;
		EXPECT_EQ(smp_cpu_on(cpu_regs[i], secondary, CTX_FIRST | (uint32_t)i),
			  PSCI_RET_SUCCESS);
	}
	for (int i = 0; i < cpu_total; i++) {
		if (i != self && !wait_checkins(i, 1))
			FAIL("cpu %d (0x%lx) did not start", i, cpu_regs[i]);
	}
}

TEST(smp, mpidr_matches_dtb)
{
	NEED_SECONDARIES();
	EXPECT_TRUE(mpidr_read() & MPIDR_MP);
	for (int i = 0; i < cpu_total; i++) {
		if (i == self || !checkins[i])
			continue;
		EXPECT_EQ(seen_mpidr[i] & 0xff, i); /* Aff0 == N */
		EXPECT_EQ(seen_mpidr[i] & MPIDR_AFF_MASK, cpu_regs[i]);
		EXPECT_TRUE(seen_mpidr[i] & MPIDR_MP);
	}
}

/* PSCI: the context id in r0, SVC mode, MMU off, interrupts masked. */
TEST(smp, entry_state)
{
	NEED_SECONDARIES();
	for (int i = 0; i < cpu_total; i++) {
		struct cpu_entry_state e;

		if (i == self || !checkins[i])
			continue;
		e = smp_entry_state(cpu_regs[i] & 0xff);
		EXPECT_EQ(seen_ctx[i], CTX_FIRST | (uint32_t)i);
		EXPECT_EQ(e.r0, CTX_FIRST | (uint32_t)i);
		EXPECT_EQ(e.cpsr & CPSR_MODE_MASK, CPSR_MODE_SVC);
		EXPECT_EQ(e.cpsr & (CPSR_I | CPSR_F), CPSR_I | CPSR_F);
		EXPECT_EQ(e.sctlr & (SCTLR_M | SCTLR_C), 0);
	}
}

/* Waits until no CPU still has order o; the first that does after the
 * timeout, or -1. */
static int orders_wait(enum cpu_order o)
{
	uint64_t end = time_now_us() + 5 * START_TIMEOUT_US;

	for (int i = 0; i < cpu_total; i++) {
		while (orders[i] == o && time_now_us() < end)
			wfe();
		if (orders[i] == o)
			return i;
	}
	return -1;
}

/* All CPUs at once, through the library's lock: memory is coherent
 * between the vCPUs, whatever runs them. */
TEST(smp, shared_memory_lock)
{
	uint32_t expected = LOCKED_INCREMENTS;
	int late;

	NEED_SECONDARIES();
	shared_counter = 0;
	dsb();
	for (int i = 0; i < cpu_total; i++) {
		if (i != self && checkins[i]) {
			orders[i] = ORDER_COUNT;
			expected += LOCKED_INCREMENTS;
		}
	}
	sev();
	count_locked();
	late = orders_wait(ORDER_COUNT);
	if (late >= 0)
		FAIL("cpu %d did not finish counting", late);
	EXPECT_EQ(shared_counter, expected);
}

/* The highest 2 MiB block of RAM that holds neither the DTB nor this
 * image (block 0), or 0. */
static uint32_t fresh_block(void)
{
	uint32_t dtb = (uint32_t)(uintptr_t)guest_dtb();
	uint64_t base, size;
	uint32_t b;

	if (!fdt_memory(guest_dtb(), &base, &size) || size < 3 * BLOCK_SIZE)
		return 0;
	for (b = (uint32_t)(base + size) - BLOCK_SIZE; b > (uint32_t)base; b -= BLOCK_SIZE)
		if (dtb - b >= BLOCK_SIZE)
			return b;
	return 0;
}

/*
 * Every CPU writes its first word into the same untouched block, as near
 * at once as the scheduler lets them.  Lowvisor zeroes a block of RAM when
 * it is first touched (a stage-2 fault): a CPU that faults while another
 * is zeroing the block must find it ready afterwards, not zero it again
 * under the first one's write (whether the faults overlap depends on how
 * the vCPUs are scheduled).  Every marker must be there, and the words
 * between them zero.
 */
TEST(smp, first_touch)
{
	int n = 0, late;

	NEED_SECONDARIES();
	touch_base = fresh_block();
	ASSERT_TRUE(touch_base != 0);
	touch_go = 0;
	dsb();
	for (int i = 0; i < cpu_total; i++)
		if (i != self && checkins[i])
			orders[i] = ORDER_TOUCH;
	dsb();
	touch_go = 1;
	dsb();
	sev();
	touch(self);
	late = orders_wait(ORDER_TOUCH);
	if (late >= 0)
		FAIL("cpu %d did not write", late);
	for (int i = 0; i < cpu_total; i++) {
		const volatile uint32_t *w = (const volatile uint32_t *)(touch_base + 64u * (uint32_t)i);

		if (i != self && !checkins[i])
			continue;
		EXPECT_EQ(w[0], TOUCH_MARK | (uint32_t)i);
		for (int j = 1; j < 16; j++)
			n += w[j] != 0;
		printf("# cpu %d wrote 0x%08lx at 0x%08lx\n", i, w[0], touch_base + 64u * (uint32_t)i);
	}
	EXPECT_EQ(n, 0);
}

TEST(psci, affinity_info_on)
{
	NEED_SECONDARIES();
	for (int i = 0; i < cpu_total; i++)
		EXPECT_EQ(psci_affinity_info(cpu_regs[i], 0), PSCI_AFFINITY_ON);
}

TEST(psci, affinity_info_invalid)
{
	EXPECT_EQ(psci_affinity_info(INVALID_MPIDR, 0), PSCI_RET_INVALID_PARAMS);
}

TEST(psci, cpu_on_already_on)
{
	NEED_SECONDARIES();
	EXPECT_EQ(psci_cpu_on(cpu_regs[victim()], (uintptr_t)secondary_entry, 0),
		  PSCI_RET_ALREADY_ON);
	EXPECT_EQ(psci_cpu_on(cpu_regs[self], (uintptr_t)secondary_entry, 0),
		  PSCI_RET_ALREADY_ON);
}

TEST(psci, cpu_on_invalid_mpidr)
{
	EXPECT_EQ(psci_cpu_on(INVALID_MPIDR, (uintptr_t)secondary_entry, 0),
		  PSCI_RET_INVALID_PARAMS);
}

TEST(psci, cpu_off)
{
	int v;

	NEED_SECONDARIES();
	v = victim();
	orders[v] = ORDER_OFF;
	sev();
	EXPECT_TRUE(wait_affinity(v, PSCI_AFFINITY_OFF));
	EXPECT_EQ(psci_affinity_info(cpu_regs[v], 0), PSCI_AFFINITY_OFF);
	for (int i = 0; i < cpu_total; i++) {
		if (i != v)
			EXPECT_EQ(psci_affinity_info(cpu_regs[i], 0), PSCI_AFFINITY_ON);
	}
}

TEST(psci, cpu_on_again)
{
	int v;

	NEED_SECONDARIES();
	v = victim();
	ASSERT_EQ(psci_affinity_info(cpu_regs[v], 0), PSCI_AFFINITY_OFF);
	EXPECT_EQ(smp_cpu_on(cpu_regs[v], secondary, CTX_AGAIN | (uint32_t)v),
		  PSCI_RET_SUCCESS);
	ASSERT_TRUE(wait_checkins(v, 2));
	EXPECT_EQ(seen_ctx[v], CTX_AGAIN | (uint32_t)v);
	EXPECT_EQ(seen_mpidr[v] & MPIDR_AFF_MASK, cpu_regs[v]);
	EXPECT_EQ(psci_affinity_info(cpu_regs[v], 0), PSCI_AFFINITY_ON);
}

int main(void)
{
	uint32_t me = mpidr_read() & MPIDR_AFF_MASK;

	cpu_total = fdt_cpus(guest_dtb(), cpu_regs, GUEST_MAX_CPUS);
	for (int i = 0; i < cpu_total && i < GUEST_MAX_CPUS; i++) {
		if (cpu_regs[i] == me)
			self = i;
	}
	return test_run_all();
}
