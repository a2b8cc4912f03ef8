// SPDX-License-Identifier: MIT
/*
 * hcfuzz: a seeded hypercall fuzzer (configs/hcfuzz.its), run as a
 * management VM and as a plain one beside a canary VM.
 *
 * It makes `calls` calls with random and boundary values in r0-r7:
 * function IDs across every SMCCC owner (Arm architecture 0x80, CPU 0x81,
 * SiP 0x82, OEM 0x83, standard/PSCI 0x84, standard hypervisor 0x85,
 * Lowvisor's vendor hypervisor 0x86, reserved ones, trusted applications
 * 0xB0-0xB1 and OS 0xB2-0xBF), 32- and 64-bit, fast and yielding, with
 * the reserved bits 23:16 sometimes set; a share aimed at the calls
 * Lowvisor serves, IRQ_LINE with random targets, encodings and levels, the
 * lifecycle calls with random VM ids, the device-model calls (-EPERM: no
 * VM here backs a device), and VM_LIST with buffers outside its
 * RAM, unaligned, straddling its end or the end of a 2 MiB block Lowvisor
 * has not zeroed yet, of huge sizes and wrapping around 4 GiB.  One call
 * in eight is made by SMC instead of HVC.
 *
 * Every answer is checked against the ABI (include/uapi/lowvisor.h, SMCCC
 * 1.1, PSCI 1.0): r4-r7 preserved; an SMC is an undefined-instruction
 * exception at the SMC with r0-r7 untouched; an ID Lowvisor does not serve
 * answers NOT_SUPPORTED; the fixed answers (versions, UID, revision) are
 * right whatever the arguments; a VM not marked management gets -EPERM
 * for every management call; VM_LIST fills exactly the entries that fit,
 * or says -EFAULT when the buffer is not all in the caller's RAM, and the
 * entries read back; IRQ_LINE is 0 or -EINVAL exactly as the header's
 * rules say; an unknown VM id is -ENOENT, the caller's own -EINVAL.  Any
 * other exception fails the run.
 *
 * bootargs:
 *   seed=S        the seed (default: from the virtual counter, so each run
 *                 differs); printed first, so that a run can be replayed
 *                 with seed=S (with this build, the sequence of calls
 *                 depends only on the seed and the VM's id, not on the
 *                 answers)
 *   calls=N       how many calls (default 20000)
 *   vms=N         how many VMs the system has (ids 0 .. N - 1, at most 8)
 *   role=plain    this VM is not marked management
 *   protect=ID,.. VMs that lifecycle calls and IRQ_LINE must leave alone
 *                 (the canary, the fuzzers): such an id becomes victim's
 *   victim=ID     the VM those calls may pause, resume, reset and stop;
 *                 the management fuzzer stops it at the end, so that the
 *                 system powers off when the others are done
 * PSCI calls that would stop or suspend this VM or its CPU (CPU_SUSPEND,
 * CPU_OFF, SYSTEM_OFF, SYSTEM_RESET, CPU_FREEZE, CPU_DEFAULT_SUSPEND,
 * SYSTEM_SUSPEND, SYSTEM_RESET2, 32- or 64-bit) become PSCI_VERSION.
 *
 * Prints "# hcfuzz: seed 0xS vm N role R calls N", "# hcfuzz: K calls"
 * ten times, each call that broke a rule (the first 8) with its registers
 * before and after, and "# hcfuzz: done: calls N hvc H smc M undef U
 * unsupported X ok O eperm P efault F enoent E einval I bad B".
 */
#include "test.h"

#define CALLS_DEFAULT 20000u
#define VMS_MAX 8
#define REPORT_MAX 8
#define SCRATCH_SIZE 8192u
#define BLOCK_SIZE 0x200000u /* Lowvisor zeroes a VM's RAM lazily, by 2 MiB blocks */
#define GUEST_SPIS 96u /* SPIs of a VM's vGIC (hyp/config/config.h) */
#define LIST_SLACK 4096u /* VM_LIST buffers start this far before scratch's end */
#define INFO_SIZE ((uint32_t)sizeof(struct lowvisor_vm_info))
/* ...and at least this far: room for every VM's entry (the size of an
 * entry grows with the ABI: 52 bytes in 0.2, 96 in 0.3). */
#define LIST_ROOM (VMS_MAX * INFO_SIZE)
#define LOWVISOR_EFAULT_RET ((uint32_t)-LOWVISOR_EFAULT)
#define NOT_SUPPORTED ((uint32_t)SMCCC_RET_NOT_SUPPORTED)

static uint64_t rng;
static uint32_t seed, calls = CALLS_DEFAULT, self, victim, vm_count;
static uint32_t protect[VMS_MAX];
static uint32_t vcpus[VMS_MAX]; /* of VM id, from VM_LIST (management only) */
static int protect_count;
static bool plain;
static struct ram_info ram;
static uint8_t scratch[SCRATCH_SIZE] __attribute__((aligned(8)));

static struct {
	uint32_t hvc, smc, undef, unsupported, ok, eperm, efault, enoent, einval, bad;
} st;

/* splitmix64: the whole sequence follows from the seed. */
static uint32_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)((z ^ (z >> 31)) >> 16);
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

#define PICK(a) ((a)[below(sizeof(a) / sizeof((a)[0]))])

static uint32_t ram_end(void)
{
	return ram.base + ram.size;
}

/* A boundary value or a random one. */
static uint32_t arg(void)
{
	const uint32_t v[] = { 0,
			       1,
			       2,
			       3,
			       0x7fffffffu,
			       0x80000000u,
			       0x80000001u,
			       0xfffffffeu,
			       0xffffffffu,
			       ram.base,
			       ram_end() - 4,
			       ram_end(),
			       self,
			       victim,
			       vm_count,
			       (uint32_t)(uintptr_t)scratch,
			       0x80000000u | below(4),
			       below(0x100) << 24 };

	return below(4) ? PICK(v) : rnd();
}

/* Function IDs (SMCCC: bit 31 fast, bit 30 SMC64, 29:24 owner, 23:16
 * reserved but for a few owners, 15:0 the function). */
static uint32_t function_id(void)
{
	static const uint8_t owners[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 47, 48, 49, 50, 51, 63 };
	static const uint16_t nums[] = { 0,	 1,	 2,	 3,	 4,	 5,	 6,
					 8,	 9,	 0xa,	 0xb,	 0xe,	 0x10,	 0x11,
					 0x12,	 0x13,	 0x14,	 0x15,	 0x16,	 0x1f,	 0x20,
					 0x3fff, 0x7fff, 0x8000, 0xff00, 0xff01, 0xff02, 0xff03,
					 0xff04, 0xfffe, 0xffff };
	uint32_t fid = (below(8) ? 1u << 31 : 0) | (below(4) ? 0 : 1u << 30) |
		       (uint32_t)PICK(owners) << 24 | (below(8) ? 0 : below(0x100) << 16);

	return fid | (below(4) ? PICK(nums) : below(0x10000));
}

/* The calls Lowvisor serves (every other ID is NOT_SUPPORTED). */
static const uint32_t served[] = {
	SMCCC_VERSION,
	PSCI_0_2_FN_VERSION,
	PSCI_0_2_FN_CPU_SUSPEND,
	PSCI_0_2_FN_CPU_OFF,
	PSCI_0_2_FN_CPU_ON,
	PSCI_0_2_FN_AFFINITY_INFO,
	PSCI_0_2_FN_MIGRATE_INFO_TYPE,
	PSCI_0_2_FN_SYSTEM_OFF,
	PSCI_0_2_FN_SYSTEM_RESET,
	PSCI_1_0_FN_PSCI_FEATURES,
	LOWVISOR_FN_IRQ_LINE,
	LOWVISOR_FN_VM_LIST,
	LOWVISOR_FN_VM_PAUSE,
	LOWVISOR_FN_VM_RESUME,
	LOWVISOR_FN_VM_RESET,
	LOWVISOR_FN_VM_STOP,
	LOWVISOR_FN_IOREQ_SETUP,
	LOWVISOR_FN_IOREQ_DONE,
	LOWVISOR_FN_MAP_GUEST,
	LOWVISOR_FN_CALL_UID,
	LOWVISOR_FN_REVISION,
};

static bool is_served(uint32_t fid)
{
	for (unsigned i = 0; i < sizeof(served) / sizeof(served[0]); i++)
		if (served[i] == fid)
			return true;
	return false;
}

/* PSCI calls after which this VM or its only CPU would not go on. */
static bool stops_me(uint32_t fid)
{
	static const uint32_t stop[] = { 0x1, 0x2, 0x8, 0x9, 0xb, 0xc, 0xe, 0x12 };

	if ((fid & ~(1u << 30)) >> 16 != 0x8400u)
		return false;
	for (unsigned i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
		if ((fid & 0xffffu) == stop[i])
			return true;
	return false;
}

static bool protected(uint32_t id)
{
	for (int i = 0; i < protect_count; i++)
		if (protect[i] == id)
			return true;
	return false;
}

/* A VM id for a management call (gen() spares the protected ones). */
static uint32_t target_vm(void)
{
	const uint32_t ids[] = { 0, 1, 2, 3, 4, 5, 6, self, victim, vm_count, 0xffffffffu };

	return below(8) ? PICK(ids) : rnd();
}

static void gen_irq_line(uint32_t *r)
{
	static const uint16_t nums[] = { 0,  1,  2,  15, 16, 20, 26, 27,	  31,	  32,
					 33, 72, 95, 96, 127, 128, 1019, 1020, 0xffff };

	r[1] = target_vm();
	r[2] = below(4) ? lowvisor_irq_encode(below(5), below(4) ? below(3) : rnd() & 0xfff,
					      below(4) ? PICK(nums) : rnd())
			: rnd();
	r[3] = below(4) ? below(2) : arg();
}

/* A VM_LIST buffer: in the scratch area (unaligned too), in free RAM, of
 * whole entries ending a byte before, at or a byte past the end of RAM or
 * of a 2 MiB block Lowvisor zeroes when first touched, or anywhere
 * outside RAM; sizes that fit or not, huge, or running past 4 GiB. */
static void gen_vm_list(uint32_t *r)
{
	uint32_t free = (uint32_t)(uintptr_t)__image_end, end = ram_end(), k, edge;

	r[3] = below(2) ? below(vm_count + 2) : arg();
	switch (below(6)) {
	case 0:
	case 1:
		r[1] = (uint32_t)(uintptr_t)scratch + SCRATCH_SIZE - LIST_SLACK + below(LIST_SLACK - LIST_ROOM);
		break;
	case 2:
		r[1] = free + below(end - free - 256);
		break;
	case 3:
		k = 1 + below(4);
		edge = below(2) ? end : ram.base + BLOCK_SIZE * (1 + below(ram.size / BLOCK_SIZE));
		r[1] = edge - k * INFO_SIZE + below(3) - 1;
		r[2] = k * INFO_SIZE + below(INFO_SIZE);
		return;
	case 4:
		r[1] = below(2) ? ram.base - 1 - below(4 * INFO_SIZE) : end + below(64);
		break;
	default:
		r[1] = arg();
		break;
	}
	switch (below(4)) {
	case 0:
		r[2] = below(6 * INFO_SIZE);
		break;
	case 1:
		r[2] = 0u - r[1] + below(2 * INFO_SIZE); /* wraps around 4 GiB */
		break;
	default:
		r[2] = arg();
		break;
	}
	/* What it writes (at most vm_count entries) must land in free
	 * memory: the scratch window, RAM past the image, or nowhere. */
	if (r[1] >= ram.base && r[1] < free &&
	    (r[1] < (uint32_t)(uintptr_t)scratch + SCRATCH_SIZE - LIST_SLACK ||
	     r[1] > (uint32_t)(uintptr_t)scratch + SCRATCH_SIZE - LIST_ROOM))
		r[1] = free;
}

/* One call's registers and conduit. */
static bool gen(uint32_t *r)
{
	static const uint32_t lifecycle[] = { LOWVISOR_FN_VM_PAUSE, LOWVISOR_FN_VM_RESUME,
					      LOWVISOR_FN_VM_RESET, LOWVISOR_FN_VM_STOP };
	uint32_t kind = below(100);

	for (int i = 1; i < 8; i++)
		r[i] = arg();
	if (kind < 35) {
		r[0] = function_id();
	} else if (kind < 55) {
		r[0] = PICK(served);
	} else if (kind < 70) {
		r[0] = LOWVISOR_FN_VM_LIST;
		gen_vm_list(r);
	} else if (kind < 85) {
		r[0] = LOWVISOR_FN_IRQ_LINE;
		gen_irq_line(r);
	} else if (kind < 90) {
		r[0] = PICK(lifecycle);
		r[1] = target_vm();
	} else {
		r[0] = rnd();
	}
	if (stops_me(r[0]))
		r[0] = PSCI_0_2_FN_VERSION;
	/* However its ID came about, a call aimed at another VM spares the
	 * protected ones. */
	if ((r[0] == LOWVISOR_FN_IRQ_LINE || r[0] == LOWVISOR_FN_VM_PAUSE ||
	     r[0] == LOWVISOR_FN_VM_RESUME || r[0] == LOWVISOR_FN_VM_RESET ||
	     r[0] == LOWVISOR_FN_VM_STOP) && protected(r[1]))
		r[1] = victim;
	return below(8) == 0;
}

/* -EPERM is -1, as NOT_SUPPORTED is: which one it is depends on the ID. */
static void tally(uint32_t fid, uint32_t r0)
{
	switch ((int32_t)r0) {
	case 0:
		st.ok++;
		break;
	case SMCCC_RET_NOT_SUPPORTED:
		if (is_served(fid) && fid >> 16 == 0x8600u)
			st.eperm++;
		else
			st.unsupported++;
		break;
	case -LOWVISOR_EFAULT:
		st.efault++;
		break;
	case -LOWVISOR_ENOENT:
		st.enoent++;
		break;
	case -LOWVISOR_EINVAL:
		st.einval++;
		break;
	default:
		break;
	}
}

static bool one_of(uint32_t v, const int32_t *set, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (v == (uint32_t)set[i])
			return true;
	return false;
}

static bool terminated(const char *s, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (!s[i])
			return true;
	return false;
}

#define ONE_OF(v, ...) one_of((v), (const int32_t[]){ __VA_ARGS__ }, \
			      sizeof((const int32_t[]){ __VA_ARGS__ }) / sizeof(int32_t))

/* What VM_LIST must have answered, and the entries it wrote. */
static bool vm_list_ok(const uint32_t *in, const uint32_t *out)
{
	uint32_t max = in[2] / INFO_SIZE, n;
	uint64_t len = (uint64_t)max * INFO_SIZE;

	if (!max)
		return out[0] == 0 && out[1] == vm_count;
	if (in[1] < ram.base || in[1] + len > (uint64_t)ram_end())
		return out[0] == LOWVISOR_EFAULT_RET;
	n = in[3] < vm_count ? vm_count - in[3] : 0;
	if (n > max)
		n = max;
	if (out[0] != n || out[1] != vm_count)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		struct lowvisor_vm_info e;

		memcpy(&e, (const void *)(uintptr_t)(in[1] + i * INFO_SIZE), sizeof(e));
		if (e.id != in[3] + i || e.state > LOWVISOR_VM_PAUSED || !e.vcpus ||
		    !e.name[0] || !terminated(e.name, sizeof(e.name)))
			return false;
	}
	return true;
}

/* Whether IRQ_LINE(vm, irq, level) is valid, as include/uapi/lowvisor.h
 * says. */
static bool irq_line_ok(uint32_t vm, uint32_t irq, uint32_t level)
{
	uint32_t num = LOWVISOR_IRQ_NUM(irq), vcpu = lowvisor_irq_vcpu(irq);
	uint32_t n = vm < VMS_MAX ? vcpus[vm] : 0;

	if (level > 1)
		return false;
	switch (LOWVISOR_IRQ_TYPE(irq)) {
	case LOWVISOR_IRQ_TYPE_CPU:
		return num <= LOWVISOR_IRQ_CPU_FIQ && vcpu < n;
	case LOWVISOR_IRQ_TYPE_SPI:
		return num >= 32 && num < 32 + GUEST_SPIS;
	case LOWVISOR_IRQ_TYPE_PPI:
		return num >= 16 && num <= 31 && vcpu < n;
	default:
		return false;
	}
}

/* What an HVC must have answered. */
static bool hvc_ok(const uint32_t *in, const uint32_t *out)
{
	uint32_t fid = in[0], r0 = out[0];

	for (int i = 4; i < 8; i++)
		if (out[i] != in[i])
			return false;
	if (!is_served(fid))
		return r0 == NOT_SUPPORTED;
	switch (fid) {
	case SMCCC_VERSION:
		return r0 == SMCCC_VERSION_1_1;
	case PSCI_0_2_FN_VERSION:
		return r0 == PSCI_VERSION_1_0;
	case PSCI_0_2_FN_CPU_ON: /* its one vCPU is on */
		return ONE_OF(r0, PSCI_RET_INVALID_PARAMS, PSCI_RET_ALREADY_ON,
			      PSCI_RET_INVALID_ADDRESS);
	case PSCI_0_2_FN_AFFINITY_INFO:
		return ONE_OF(r0, PSCI_AFFINITY_ON, PSCI_AFFINITY_OFF, PSCI_RET_INVALID_PARAMS);
	case PSCI_0_2_FN_MIGRATE_INFO_TYPE:
		return r0 == PSCI_MIGRATE_NOT_PRESENT;
	case PSCI_1_0_FN_PSCI_FEATURES:
		return r0 == ((in[1] >> 24 == 0x84 || in[1] == SMCCC_VERSION) && is_served(in[1])
				      ? (uint32_t)PSCI_RET_SUCCESS
				      : NOT_SUPPORTED);
	case LOWVISOR_FN_CALL_UID:
		return r0 == LOWVISOR_UID_0 && out[1] == LOWVISOR_UID_1 &&
		       out[2] == LOWVISOR_UID_2 && out[3] == LOWVISOR_UID_3;
	case LOWVISOR_FN_REVISION:
		return r0 == LOWVISOR_ABI_MAJOR && out[1] == LOWVISOR_ABI_MINOR;
	default:
		break;
	}
	/* The management calls; a backend's, from a VM that backs no device. */
	if (plain || fid == LOWVISOR_FN_IOREQ_SETUP || fid == LOWVISOR_FN_IOREQ_DONE ||
	    fid == LOWVISOR_FN_MAP_GUEST)
		return r0 == (uint32_t)-LOWVISOR_EPERM;
	if (fid == LOWVISOR_FN_VM_LIST)
		return vm_list_ok(in, out);
	if (in[1] >= vm_count) /* this system's ids are 0 .. vm_count - 1 */
		return r0 == (uint32_t)-LOWVISOR_ENOENT;
	if (fid == LOWVISOR_FN_IRQ_LINE)
		return r0 == (irq_line_ok(in[1], in[2], in[3]) ? 0 : (uint32_t)-LOWVISOR_EINVAL);
	if (in[1] == self)
		return r0 == (uint32_t)-LOWVISOR_EINVAL;
	if (fid == LOWVISOR_FN_VM_PAUSE || fid == LOWVISOR_FN_VM_RESUME) /* -EINVAL: stopped */
		return ONE_OF(r0, 0, -LOWVISOR_EINVAL);
	return r0 == 0;
}

static void report(uint32_t n, bool smc, const uint32_t *in, const uint32_t *out)
{
	if (st.bad++ >= REPORT_MAX)
		return;
	printf("# bad call %lu by %s: r0-r7 %08lx %08lx %08lx %08lx %08lx %08lx %08lx %08lx\n",
	       n, smc ? "SMC" : "HVC", in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7]);
	printf("#   came back as          %08lx %08lx %08lx %08lx %08lx %08lx %08lx %08lx\n",
	       out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7]);
}

/* An SMC: one undefined-instruction exception at the SMC, nothing
 * changed. */
static bool smc_call(uint32_t *r)
{
	uint32_t before = exc_count;
	struct exc_record e;
	uint32_t in[8];

	memcpy(in, r, sizeof(in));
	exc_clear();
	exc_set_quiet(true);
	exc_expect(true);
	smccc_smc_regs(r);
	exc_expect(false);
	exc_set_quiet(false);
	e = exc_last();
	if (exc_count != before + 1 || e.type != EXC_UNDEF ||
	    e.pc != (uint32_t)(uintptr_t)smccc_smc_regs_insn)
		return false;
	st.undef++;
	return !memcmp(in, r, sizeof(in));
}

static bool chosen_u32(const char *prop, uint32_t *v)
{
	uint32_t len;
	const void *p = fdt_getprop(guest_dtb(), "/chosen", prop, &len);

	if (!p || len != 4)
		return false;
	*v = fdt_cell(p, 0);
	return true;
}

TEST(hcfuzz, vms)
{
	struct lowvisor_vm_info info[8];
	struct smccc_res res;
	int32_t n;

	if (plain) {
		EXPECT_EQ(smccc_hvc(LOWVISOR_FN_VM_LIST, (uint32_t)(uintptr_t)info, sizeof(info),
				    0, &res), -LOWVISOR_EPERM);
		return;
	}
	n = (int32_t)smccc_hvc(LOWVISOR_FN_VM_LIST, (uint32_t)(uintptr_t)info, sizeof(info), 0,
			       &res);
	ASSERT_GE(n, 1);
	EXPECT_EQ(res.a1, vm_count);
	ASSERT_TRUE(vm_count <= VMS_MAX);
	for (int32_t i = 0; i < n; i++) {
		EXPECT_EQ(info[i].id, i);
		vcpus[i] = info[i].vcpus;
		printf("# vm %lu: %s%s%s\n", info[i].id, info[i].name,
		       info[i].id == self ? " (this one)" : "",
		       info[i].id == victim ? " (the victim)"
					    : protected(info[i].id) ? " (protected)" : "");
	}
}

TEST(hcfuzz, calls)
{
	uint32_t every = calls / 10 ? calls / 10 : 1;

	for (uint32_t i = 1; i <= calls; i++) {
		uint32_t in[8], out[8];
		bool smc = gen(in);

		memcpy(out, in, sizeof(out));
		if (smc) {
			st.smc++;
			if (!smc_call(out))
				report(i, true, in, out);
		} else {
			st.hvc++;
			smccc_hvc_regs(out);
			tally(in[0], out[0]);
			if (!hvc_ok(in, out))
				report(i, false, in, out);
		}
		if (i % every == 0)
			printf("# hcfuzz: %lu calls\n", i);
	}
	printf("# hcfuzz: done: calls %lu hvc %lu smc %lu undef %lu unsupported %lu ok %lu "
	       "eperm %lu efault %lu enoent %lu einval %lu bad %lu\n",
	       calls, st.hvc, st.smc, st.undef, st.unsupported, st.ok, st.eperm, st.efault,
	       st.enoent, st.einval, st.bad);
	EXPECT_EQ(st.bad, 0);
	EXPECT_EQ(st.undef, st.smc);
	EXPECT_EQ(st.hvc + st.smc, calls);
}

/* The victim stops, so that the system powers off when all are done. */
TEST(hcfuzz, victim_stopped)
{
	struct lowvisor_vm_info info;
	struct smccc_res res;

	if (plain)
		SKIP("role=plain");
	EXPECT_EQ(smccc_hvc(LOWVISOR_FN_VM_STOP, victim, 0, 0, &res), 0);
	ASSERT_EQ(smccc_hvc(LOWVISOR_FN_VM_LIST, (uint32_t)(uintptr_t)&info, sizeof(info), victim,
			    &res), 1);
	EXPECT_EQ(info.id, victim);
	EXPECT_EQ(info.state, LOWVISOR_VM_STOPPED);
}

int main(void)
{
	char role[16] = "";
	uint64_t c = counter();

	seed = (uint32_t)c ^ (uint32_t)(c >> 32);
	bootarg_u32("seed", &seed);
	bootarg_u32("calls", &calls);
	bootarg_u32("victim", &victim);
	bootarg_u32("vms", &vm_count);
	protect_count = bootarg_u32_list("protect", protect, VMS_MAX);
	if (protect_count < 0)
		protect_count = 0;
	plain = bootarg_get("role", role, sizeof(role)) && strcmp(role, "plain") == 0;
	chosen_u32("lowvisor,vm-id", &self);
	ram_info(&ram);
	rng = (uint64_t)self << 32 | seed;
	printf("# hcfuzz: seed 0x%08lx vm %lu role %s calls %lu victim %lu\n", seed, self,
	       plain ? "plain" : "management", calls, victim);
	return test_run_all();
}
