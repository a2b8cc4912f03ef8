// SPDX-License-Identifier: MIT
/*
 * isolation: run as two (or more) VMs at once on different CPUs.  Each
 * writes its own signature across its RAM and checks it round after round
 * while the others do the same: a word changed under it means another VM
 * (or the hypervisor) wrote into its memory.  Then it reads an address it
 * must not reach.
 *
 * bootargs: sig=0x...      this VM's signature (words are sig ^ address)
 *           rounds=N       how many checking rounds (default 5), each
 *                          ending with a line "progress N"
 *           probe=ADDR[,ADDR...]  addresses whose read must abort
 */
#include "test.h"

#define SIG_DEFAULT 0x15011a7eu
#define ROUNDS_DEFAULT 5
#define PROBE_MAX 16
#define REPORT_MAX 8

static struct ram_info ram;
static bool have_ram;
static uint32_t sig = SIG_DEFAULT;
static uint32_t rounds = ROUNDS_DEFAULT;

static bool fill_signature(uint32_t start, uint32_t end, void *arg)
{
	uint32_t *bytes = arg;

	for (volatile uint32_t *p = (uint32_t *)start; (uint32_t)p < end; p++)
		*p = sig ^ (uint32_t)p;
	*bytes += end - start;
	return true;
}

static bool check_signature(uint32_t start, uint32_t end, void *arg)
{
	uint32_t *errors = arg;

	for (volatile uint32_t *p = (uint32_t *)start; (uint32_t)p < end; p++) {
		uint32_t v = *p;

		if (v != (sig ^ (uint32_t)p) && (*errors)++ < REPORT_MAX)
			FAIL("word at %p is 0x%08lx, not 0x%08lx (signature 0x%08lx of a VM?)",
			     (void *)p, v, sig ^ (uint32_t)p, v ^ (uint32_t)p);
	}
	return true;
}

TEST(isolation, fill)
{
	uint32_t bytes = 0;

	ASSERT_TRUE(have_ram);
	ram_for_each_free(&ram, fill_signature, &bytes);
	printf("# signature 0x%08lx over %lu bytes of RAM 0x%08lx-0x%08lx\n", sig,
	       bytes, ram.base, ram.base + ram.size - 1);
	EXPECT_GE(bytes, ram.size / 2);
}

TEST(isolation, rounds)
{
	uint32_t errors = 0;

	ASSERT_TRUE(have_ram);
	for (uint32_t r = 1; r <= rounds; r++) {
		ram_for_each_free(&ram, check_signature, &errors);
		printf("progress %lu\n", r);
	}
	EXPECT_EQ(errors, 0);
}

TEST(isolation, probe)
{
	uint32_t addrs[PROBE_MAX], v;
	int n = bootarg_u32_list("probe", addrs, PROBE_MAX);

	ASSERT_TRUE(n >= 0);
	if (n == 0)
		SKIP("no probe= in bootargs");
	for (int i = 0; i < n && i < PROBE_MAX; i++) {
		if (!probe_read32(addrs[i], &v))
			FAIL("reading 0x%08lx did not abort (read 0x%08lx)", addrs[i], v);
	}
}

int main(void)
{
	have_ram = ram_info(&ram);
	printf("# isolation: bootargs \"%s\"\n", bootargs());
	if (!bootarg_u32("sig", &sig))
		printf("# no sig= in bootargs: using 0x%08lx\n", sig);
	if (!bootarg_u32("rounds", &rounds))
		rounds = ROUNDS_DEFAULT;
	return test_run_all();
}
