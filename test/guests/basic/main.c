// SPDX-License-Identifier: MIT
/*
 * basic: what every guest relies on.  The entry state (SVC mode, MMU and
 * caches off, interrupts masked, r0/r1/r2 as Linux's boot protocol says);
 * the guest's own stage-1 MMU in both table formats; all of its RAM; and
 * aborts for accesses outside it, above 4 GiB too.
 *
 * bootargs: probe=ADDR[,ADDR...]  addresses whose read must abort (another
 *                                 VM's RAM IPA, the hypervisor's PA, ...)
 */
#include "gic.h"
#include "test.h"

#define SZ_1M 0x100000u
#define SZ_16M 0x1000000u
#define PATTERN_SEED 0x5a0ff0a5u
#define PROBE_MAX 16

static struct ram_info ram;
static bool have_ram;

/* A word that differs for every address, so aliasing shows. */
static inline uint32_t ram_pattern(uint32_t addr)
{
	return addr ^ PATTERN_SEED ^ (addr << 13);
}

TEST(entry, svc_mode)
{
	EXPECT_EQ(boot_info.cpsr & CPSR_MODE_MASK, CPSR_MODE_SVC);
}

TEST(entry, interrupts_masked)
{
	EXPECT_TRUE(boot_info.cpsr & CPSR_I);
	EXPECT_TRUE(boot_info.cpsr & CPSR_F);
	EXPECT_TRUE(boot_info.cpsr & CPSR_A);
}

TEST(entry, mmu_and_caches_off)
{
	EXPECT_EQ(boot_info.sctlr & SCTLR_M, 0);
	EXPECT_EQ(boot_info.sctlr & SCTLR_C, 0);
	EXPECT_EQ(boot_info.sctlr & SCTLR_I, 0);
}

TEST(entry, registers)
{
	EXPECT_EQ(boot_info.r0, 0);
	EXPECT_EQ(boot_info.r1, 0xffffffffu);
}

TEST(entry, dtb_valid_in_ram)
{
	if (boot_info.dtb != boot_info.r2)
		printf("# the DTB at 0x%08lx lay in BSS: moved to 0x%08lx\n",
		       boot_info.r2, boot_info.dtb);
	ASSERT_TRUE(fdt_valid(guest_dtb()));
	ASSERT_TRUE(have_ram);
	EXPECT_GE(boot_info.r2, ram.base);
	EXPECT_LT(boot_info.r2, ram.base + ram.size);
	EXPECT_TRUE((uint64_t)ram.dtb + ram.dtb_size <= (uint64_t)ram.base + ram.size);
}

/* Lowvisor loads an image at its link address; QEMU's -kernel loader does
 * not (the image then relocates itself, see start.S). */
TEST(entry, loaded_at_link_address)
{
	EXPECT_EQ(boot_info.load_addr, (uintptr_t)__image_start);
}

TEST(fdt, memory_holds_image)
{
	ASSERT_TRUE(have_ram);
	printf("# RAM 0x%08lx-0x%08lx (%lu MiB), DTB at 0x%08lx (%lu bytes), image %p-%p\n",
	       ram.base, ram.base + ram.size - 1, ram.size / SZ_1M, ram.dtb,
	       ram.dtb_size, (void *)__image_start, (void *)__image_end);
	EXPECT_GE((uintptr_t)__image_start, ram.base);
	EXPECT_TRUE((uint64_t)(uintptr_t)__image_end <= (uint64_t)ram.base + ram.size);
}

TEST(fdt, psci_by_hvc)
{
	uint32_t len;
	const char *method = fdt_getprop(guest_dtb(), "/psci",
					 "method", &len);

	ASSERT_TRUE(method);
	EXPECT_TRUE(len == 4 && !strcmp(method, "hvc"));
}

TEST(fdt, cpus)
{
	uint32_t mpidrs[GUEST_MAX_CPUS];
	int n = fdt_cpus(guest_dtb(), mpidrs, GUEST_MAX_CPUS);
	bool found = false;

	EXPECT_GE(n, 1);
	for (int i = 0; i < n && i < GUEST_MAX_CPUS; i++)
		found |= mpidrs[i] == (mpidr_read() & 0xffffff);
	EXPECT_TRUE(found); /* this CPU is one of /cpus */
}

static bool find_free_mib(uint32_t start, uint32_t end, void *arg)
{
	uint32_t *found = arg;
	uint32_t mib = (start + SZ_1M - 1) & ~(SZ_1M - 1);

	if (mib < start || mib + SZ_1M > end || mib + SZ_1M < mib)
		return true;
	*found = mib;
	return false;
}

/* The first free, aligned megabyte of RAM (not the image, not the DTB),
 * for the MMU tests; 0 if there is none. */
static uint32_t scratch_area(void)
{
	uint32_t found = 0;

	if (have_ram)
		ram_for_each_free(&ram, find_free_mib, &found);
	return found;
}

/* With the MMU on: RAM reads back, the UART prints, and translation is
 * the identity. */
static void check_mmu_on(bool lpae)
{
	volatile uint32_t *buf = (volatile uint32_t *)scratch_area();
	uint64_t par;

	EXPECT_TRUE(sctlr_read() & SCTLR_M);
	for (uint32_t i = 0; i < SZ_1M / 4; i++)
		buf[i] = ram_pattern((uint32_t)(uintptr_t)&buf[i]) ^ lpae;
	for (uint32_t i = 0; i < SZ_1M / 4; i++) {
		if (buf[i] != (ram_pattern((uint32_t)(uintptr_t)&buf[i]) ^ lpae)) {
			FAIL("MMU on: word at %p reads 0x%08lx", (void *)&buf[i],
			     buf[i]);
			break;
		}
	}
	printf("# UART output with the MMU on (%s)\n", lpae ? "LPAE" : "short");

	ats1cpr_write((uint32_t)(uintptr_t)buf + 0x124);
	isb();
	if (lpae) {
		par = par64_read();
		EXPECT_EQ(par & 1, 0); /* translation succeeded */
		EXPECT_EQ64(par & 0xfffffff000ull, (uintptr_t)buf);
	} else {
		par = par32_read();
		EXPECT_EQ(par & 1, 0);
		EXPECT_EQ(par & 0xfffff000u, (uintptr_t)buf);
	}
}

/* After the MMU is off again, what was written with the caches on is in
 * memory. */
static void check_mmu_off(bool lpae)
{
	volatile uint32_t *buf = (volatile uint32_t *)scratch_area();

	EXPECT_EQ(sctlr_read() & (SCTLR_M | SCTLR_C), 0);
	for (uint32_t i = 0; i < SZ_1M / 4; i++) {
		if (buf[i] != (ram_pattern((uint32_t)(uintptr_t)&buf[i]) ^ lpae)) {
			FAIL("MMU off: word at %p reads 0x%08lx", (void *)&buf[i],
			     buf[i]);
			break;
		}
	}
}

/* An address the guest's tables leave unmapped, outside RAM. */
static uint32_t unmapped_addr(void)
{
	return ram.base + ram.size + SZ_16M;
}

TEST(mmu, short_descriptor)
{
	uint32_t v, scratch = scratch_area();

	ASSERT_NE(scratch, 0);
	ASSERT_TRUE(mmu_enable_short(ram.base, ram.size));
	check_mmu_on(false);
	/* A stage-1 translation fault is the guest's own: section fault. */
	if (EXPECT_TRUE(probe_read32(unmapped_addr(), &v)))
		EXPECT_EQ(exc_last().fsr & 0x40f, 0x5);
	dcache_clean_inval(scratch, scratch + SZ_1M);
	mmu_disable();
	check_mmu_off(false);
}

TEST(mmu, lpae)
{
	uint32_t v, scratch = scratch_area();

	ASSERT_NE(scratch, 0);
	ASSERT_TRUE(mmu_enable_lpae(ram.base, ram.size));
	EXPECT_TRUE(ttbcr_read() & (1u << 31));
	check_mmu_on(true);
	/* Long-descriptor DFSR: LPAE bit, translation fault level 1 or 2. */
	if (EXPECT_TRUE(probe_read32(unmapped_addr(), &v))) {
		uint32_t fsr = exc_last().fsr;

		EXPECT_TRUE(fsr & (1u << 9));
		EXPECT_TRUE((fsr & 0x3f) == 0x5 || (fsr & 0x3f) == 0x6);
	}
	dcache_clean_inval(scratch, scratch + SZ_1M);
	mmu_disable();
	ttbcr_write(0);
	isb();
	check_mmu_off(true);
}

struct ram_check {
	uint32_t bytes, errors;
};

static bool ram_fill(uint32_t start, uint32_t end, void *arg)
{
	struct ram_check *rc = arg;

	for (volatile uint32_t *p = (uint32_t *)start; (uint32_t)p < end; p++)
		*p = ram_pattern((uint32_t)p);
	rc->bytes += end - start;
	return true;
}

static bool ram_verify(uint32_t start, uint32_t end, void *arg)
{
	struct ram_check *rc = arg;

	for (volatile uint32_t *p = (uint32_t *)start; (uint32_t)p < end; p++) {
		uint32_t v = *p;

		if (v != ram_pattern((uint32_t)p) && rc->errors++ < 8)
			FAIL("RAM at %p reads 0x%08lx, wrote 0x%08lx", (void *)p, v,
			     ram_pattern((uint32_t)p));
	}
	return true;
}

/* Every byte (by words: all written first, then all checked, so two
 * addresses that alias show) and a few single bytes. */
TEST(ram, pattern)
{
	struct ram_check rc = { 0 };
	uint64_t t0 = time_now_us();

	ASSERT_TRUE(have_ram);
	ram_for_each_free(&ram, ram_fill, &rc);
	ram_for_each_free(&ram, ram_verify, &rc);
	printf("# checked %lu bytes of RAM in %u ms\n", rc.bytes,
	       (unsigned)((time_now_us() - t0) / 1000));
	EXPECT_GE(rc.bytes + ram.dtb_size + (uint32_t)(__image_end - __image_start),
		  ram.size - 64);
	EXPECT_EQ(rc.errors, 0);
}

TEST(ram, bytes)
{
	volatile uint8_t *b = (volatile uint8_t *)scratch_area();

	ASSERT_NE(b, 0);
	for (uint32_t i = 0; i < 256; i++)
		b[i] = (uint8_t)(i * 7 + 1);
	for (uint32_t i = 0; i < 256; i++)
		EXPECT_EQ(b[i], (uint8_t)(i * 7 + 1));
	EXPECT_EQ(*(volatile uint32_t *)b, 0x160f0801u); /* little-endian */
}

TEST(abort, read_outside_ram)
{
	uint32_t v, addr;

	ASSERT_TRUE(have_ram);
	addr = ram.base + ram.size + SZ_16M;
	EXPECT_TRUE(probe_read32(addr, &v));
	EXPECT_EQ(exc_last().type, EXC_DABT);
	EXPECT_EQ(exc_last().far, addr);
}

TEST(abort, write_outside_ram)
{
	uint32_t addr;

	ASSERT_TRUE(have_ram);
	addr = ram.base + ram.size + SZ_16M + 0x40;
	EXPECT_TRUE(probe_write32(addr, 0xbad0beefu));
	EXPECT_EQ(exc_last().type, EXC_DABT);
	EXPECT_EQ(exc_last().far, addr);
}

TEST(abort, bootargs_probe)
{
	uint32_t addrs[PROBE_MAX], v;
	int n = bootarg_u32_list("probe", addrs, PROBE_MAX);

	ASSERT_TRUE(n >= 0);
	if (n == 0)
		SKIP("no probe= in bootargs");
	for (int i = 0; i < n && i < PROBE_MAX; i++) {
		printf("# probing 0x%08lx\n", addrs[i]);
		if (!probe_read32(addrs[i], &v))
			FAIL("reading 0x%08lx did not abort (read 0x%08lx)", addrs[i], v);
	}
}

TEST(exception, undefined_instruction)
{
	struct exc_record r;
	uint32_t after = 0;

	exc_expect(true);
	__asm__ volatile("udf #0x42\n\tmov %0, #1" : "=r"(after) : : "memory");
	exc_expect(false);
	r = exc_last();
	EXPECT_EQ(r.type, EXC_UNDEF);
	EXPECT_EQ(after, 1); /* carried on with the next instruction */
}

/* A call to an address outside RAM: the fetch aborts and the handler
 * returns to the caller. */
TEST(exception, prefetch_abort)
{
	void (*outside)(void);
	struct exc_record r;

	ASSERT_TRUE(have_ram);
	outside = (void (*)(void))(uintptr_t)(ram.base + ram.size + SZ_16M);
	exc_clear();
	exc_expect(true);
	outside();
	exc_expect(false);
	r = exc_last();
	EXPECT_EQ(r.type, EXC_PABT);
	EXPECT_EQ(r.pc, (uintptr_t)outside);
	EXPECT_EQ(r.far, (uintptr_t)outside);
}

TEST(exception, supervisor_call)
{
	uint32_t after = 0;

	exc_clear();
	exc_expect(true);
	__asm__ volatile("svc #0x42\n\tmov %0, #1" : "=r"(after) : : "memory", "lr");
	exc_expect(false);
	EXPECT_EQ(exc_last().type, EXC_SVC);
	EXPECT_EQ(after, 1);
}

/*
 * IPAs above 4 GiB, through the guest's own LPAE tables: there is neither
 * RAM nor a device there, so every load, store and instruction fetch
 * aborts, each time (no hang), even where the IPA's low 32 bits are the
 * distributor or this VM's own RAM; the distributor and RAM still answer.
 * The last page of the 40-bit space under Lowvisor; natively, QEMU's high
 * PCIe window (512 GiB up) answers there, so the page below 256 GiB.  Last,
 * after a second's pause: Lowvisor logs 5 lines a second for a VM, and the
 * system test reads this test's first ones.
 * (Not a table above 4 GiB: QEMU 7.2 cuts a long-descriptor table address
 * to 32 bits itself, docs/architecture.md.)
 */
#define HIGH_VA 0xc0000000u /* 2 MiB blocks from here: one per IPA */
#define HIGH_BLOCKS 3
#define SZ_2M 0x200000u

enum high_access { HIGH_READ, HIGH_FETCH, HIGH_WRITE };

static void return_here(void)
{
}

/* Whether the access at va aborts, at va. */
static bool high_aborts(enum high_access how, uint32_t va)
{
	struct exc_record r;
	uint32_t v;

	if (how == HIGH_READ)
		return probe_read32(va, &v);
	if (how == HIGH_WRITE)
		return probe_write32(va, 0x5a5a5a5au);
	exc_clear();
	exc_expect(true);
	((void (*)(void))(uintptr_t)va)();
	exc_expect(false);
	r = exc_last();
	return r.type == EXC_PABT && r.far == va && r.pc == va;
}

TEST(mmu, ipa_above_4gib)
{
	static const char *const how_names[] = { "read", "fetch", "write" };
	const uint64_t ipas[HIGH_BLOCKS] = {
		0x100000000ull + GICD_BASE + GICD_IIDR,
		0x100000000ull + (uintptr_t)return_here, /* this code's RAM */
		boot_count() >= 0 ? 0xfffffff000ull : 0x3ffffff000ull,
	};
	const unsigned n = HIGH_BLOCKS;
	volatile uint32_t *word = (volatile uint32_t *)scratch_area();
	uint32_t vas[HIGH_BLOCKS], iidr = gicd_read(GICD_IIDR);

	ASSERT_NE(word, 0);
	time_delay_us(1100000);
	ASSERT_TRUE(mmu_enable_lpae(ram.base, ram.size));
	for (unsigned i = 0; i < n; i++) {
		mmu_map_lpae(HIGH_VA + i * SZ_2M, ipas[i], false);
		vas[i] = HIGH_VA + i * SZ_2M + (uint32_t)(ipas[i] & (SZ_2M - 1));
	}
	mmu_map_lpae(HIGH_VA + n * SZ_2M, GICD_BASE, true);
	exc_set_quiet(true);
	for (unsigned round = 0; round < 3; round++)
		for (enum high_access how = HIGH_READ; how <= HIGH_WRITE; how++)
			for (unsigned i = 0; i < n; i++)
				if (!high_aborts(how, vas[i]))
					FAIL("%s at 0x%08lx did not abort (round %u)", how_names[how],
					     vas[i], round);
	exc_set_quiet(false);
	EXPECT_NE(iidr, 0);
	EXPECT_EQ(mmio_read32(HIGH_VA + n * SZ_2M + GICD_IIDR), iidr);
	*word = ram_pattern((uintptr_t)word);
	EXPECT_EQ(*word, ram_pattern((uintptr_t)word));
	dcache_clean_inval((uintptr_t)word, (uintptr_t)(word + 1));
	mmu_disable();
	ttbcr_write(0);
	isb();
}

int main(void)
{
	have_ram = ram_info(&ram);
	printf("# basic: bootargs \"%s\"\n", bootargs());
	return test_run_all();
}
