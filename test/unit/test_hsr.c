// SPDX-License-Identifier: MIT
/*
 * HSR decoding (hyp/emul/hsr.c) and table-driven MMIO emulation (hyp/emul/mmio.c):
 * what a trap handler gets from the syndromes a Cortex-A15 reports, and
 * what a guest observes from an emulated device: the value loaded, the
 * bytes stored, or the abort it gets.
 *
 * Syndromes are built here from the ARM ARM bit layout with literal shifts
 * (not hsr.h's macros), and spelled out as hex where they stand for a
 * particular instruction.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "emul.h"
#include "mmio_check.h"
#include "unit.h"

/* ---- Building syndromes ------------------------------------------------ */

static uint32_t make_hsr(unsigned ec, bool il32, uint32_t iss)
{
	return (uint32_t)ec << 26 | (il32 ? 1u << 25 : 0) | iss;
}

/* A data abort from a guest (EC 0x24) with a valid syndrome. */
static uint32_t make_dabt(bool il32, unsigned sas, bool sse, unsigned srt, bool wnr,
			  unsigned dfsc)
{
	return make_hsr(0x24, il32,
			1u << 24 | sas << 22 | (sse ? 1u << 21 : 0) | srt << 16 |
				(wnr ? 1u << 6 : 0) | dfsc);
}

/* MCR/MRC p15 (EC 0x03), condition cond, CV = 1. */
static uint32_t make_mcr(unsigned cond, unsigned opc1, unsigned rt, unsigned crn, unsigned crm,
			 unsigned opc2, bool read)
{
	return make_hsr(0x03, true,
			1u << 24 | cond << 20 | opc2 << 17 | opc1 << 14 | crn << 10 |
				rt << 5 | crm << 1 | (read ? 1u : 0));
}

/* A CPSR with flags NZCV (a 4-bit value, N highest) and IT state it. */
static uint32_t make_cpsr(unsigned nzcv, unsigned it)
{
	return (uint32_t)nzcv << 28 | (uint32_t)(it & 3) << 25 | (uint32_t)(it >> 2) << 10 |
	       0x13 /* SVC mode */;
}

static void expect_dabt(uint32_t hsr, int ret, bool write, unsigned width, bool sse,
			unsigned rt, unsigned il)
{
	struct mmio_access a;

	memset(&a, 0xa5, sizeof(a));
	assert_int_equal(hsr_decode_dabt(hsr, &a), ret);
	assert_true(a.valid);
	assert_int_equal(a.write, write);
	assert_int_equal(a.width, width);
	assert_int_equal(a.sign_extend, sse);
	assert_int_equal(a.rt, rt);
	assert_int_equal(a.il, il);
}

/* ---- Exception class and instruction length --------------------------- */

static void test_ec_of_every_class(void **state)
{
	static const struct {
		uint32_t hsr;
		unsigned ec;
	} cases[] = {
		{ 0x02000000, HSR_EC_UNKNOWN },    { 0x07e00001, HSR_EC_WFX },
		{ 0x0fe00440, HSR_EC_CP15_32 },    { 0x13e00404, HSR_EC_CP15_64 },
		{ 0x17e00003, HSR_EC_CP14_32 },    { 0x1be00000, HSR_EC_CP14_LS },
		{ 0x1fe0000a, HSR_EC_HCPTR },      { 0x23e00000, HSR_EC_CP10_ID },
		{ 0x27e00000, HSR_EC_JAZELLE },    { 0x2be00000, HSR_EC_BXJ },
		{ 0x33e00403, HSR_EC_CP14_64 },    { 0x46000000, HSR_EC_SVC_HYP },
		{ 0x4a001234, HSR_EC_HVC },        { 0x4e000000, HSR_EC_SMC },
		{ 0x82000006, HSR_EC_IABT_LOWER }, { 0x86000006, HSR_EC_IABT_HYP },
		{ 0x93830006, HSR_EC_DABT_LOWER }, { 0x97830006, HSR_EC_DABT_HYP },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(hsr_ec(cases[i].hsr), cases[i].ec);
		assert_string_not_equal(hsr_ec_name(cases[i].ec), "reserved");
	}
	assert_int_equal(hsr_ec(0xffffffff), 0x3f);
	assert_string_equal(hsr_ec_name(0x02), "reserved");
	assert_string_equal(hsr_ec_name(0x3f), "reserved");
	assert_string_equal(hsr_ec_name(HSR_EC_COUNT), "reserved");
	assert_string_equal(hsr_ec_name(HSR_EC_DABT_LOWER), "data abort from a guest");
}

static void test_il_arm_and_thumb(void **state)
{
	(void)state;
	assert_int_equal(hsr_il(0x93830006), 4); /* ARM or 32-bit Thumb */
	assert_int_equal(hsr_il(0x91020046), 2); /* 16-bit Thumb */
	assert_int_equal(hsr_il(0x05e00000), 2); /* Thumb WFI */
	assert_int_equal(hsr_il(0x07e00001), 4);
}

static void test_wfx_hvc_hcptr_fields(void **state)
{
	(void)state;
	assert_true(hsr_wfx_is_wfe(0x07e00001));
	assert_false(hsr_wfx_is_wfe(0x07e00000));
}

/* ---- Data aborts ------------------------------------------------------- */

static void test_dabt_every_width(void **state)
{
	static const unsigned width[4] = { 1, 2, 4, 8 };
	unsigned sas;

	(void)state;
	for (sas = 0; sas < 4; sas++) {
		expect_dabt(make_dabt(true, sas, false, 5, false, 0x06), 0, false, width[sas],
			    false, 5, 4);
		expect_dabt(make_dabt(true, sas, false, 5, true, 0x06), 0, true, width[sas],
			    false, 5, 4);
		expect_dabt(make_dabt(false, sas, false, 0, true, 0x07), 0, true, width[sas],
			    false, 0, 2);
	}
}

static void test_dabt_sign_extension(void **state)
{
	struct mmio_access a;

	(void)state;
	/* LDRSB r7 and LDRSH r7; LDRB and LDRH do not sign-extend. */
	expect_dabt(make_dabt(true, 0, true, 7, false, 0x06), 0, false, 1, true, 7, 4);
	expect_dabt(make_dabt(true, 1, true, 7, false, 0x06), 0, false, 2, true, 7, 4);
	expect_dabt(make_dabt(true, 0, false, 7, false, 0x06), 0, false, 1, false, 7, 4);
	expect_dabt(make_dabt(true, 1, false, 7, false, 0x06), 0, false, 2, false, 7, 4);

	assert_int_equal(hsr_decode_dabt(make_dabt(true, 0, true, 7, false, 6), &a), 0);
	assert_int_equal(mmio_load_value(&a, 0x80), 0xffffff80);
	assert_int_equal(mmio_load_value(&a, 0xff), 0xffffffff);
	assert_int_equal(mmio_load_value(&a, 0x7f), 0x7f);
	assert_int_equal(mmio_load_value(&a, 0x12345680), 0xffffff80); /* only the byte */
	assert_int_equal(hsr_decode_dabt(make_dabt(true, 1, true, 7, false, 6), &a), 0);
	assert_int_equal(mmio_load_value(&a, 0x8000), 0xffff8000);
	assert_int_equal(mmio_load_value(&a, 0x7fff), 0x7fff);
	assert_int_equal(mmio_load_value(&a, 0xdead8001), 0xffff8001);
	assert_int_equal(hsr_decode_dabt(make_dabt(true, 0, false, 7, false, 6), &a), 0);
	assert_int_equal(mmio_load_value(&a, 0x12345680), 0x80);
	assert_int_equal(hsr_decode_dabt(make_dabt(true, 1, false, 7, false, 6), &a), 0);
	assert_int_equal(mmio_load_value(&a, 0x12348000), 0x8000);
	assert_int_equal(hsr_decode_dabt(make_dabt(true, 2, false, 7, false, 6), &a), 0);
	assert_int_equal(mmio_load_value(&a, 0x87654321), 0x87654321);
	/* SSE with a word load means nothing to sign-extend. */
	assert_int_equal(hsr_decode_dabt(make_dabt(true, 2, true, 7, false, 6), &a), 0);
	assert_int_equal(mmio_load_value(&a, 0x87654321), 0x87654321);
}

static void test_store_value_masks(void **state)
{
	struct mmio_access a;

	(void)state;
	assert_int_equal(hsr_decode_dabt(make_dabt(true, 0, false, 1, true, 6), &a), 0);
	assert_int_equal(mmio_store_value(&a, 0x12345678), 0x78);
	assert_int_equal(hsr_decode_dabt(make_dabt(true, 1, false, 1, true, 6), &a), 0);
	assert_int_equal(mmio_store_value(&a, 0x12345678), 0x5678);
	assert_int_equal(hsr_decode_dabt(make_dabt(true, 2, false, 1, true, 6), &a), 0);
	assert_int_equal(mmio_store_value(&a, 0x12345678), 0x12345678);
}

static void test_dabt_every_register(void **state)
{
	unsigned rt;

	(void)state;
	for (rt = 0; rt < 15; rt++) {
		expect_dabt(make_dabt(true, 2, false, rt, false, 0x06), 0, false, 4, false, rt, 4);
		expect_dabt(make_dabt(true, 2, false, rt, true, 0x06), 0, true, 4, false, rt, 4);
	}
	/* Storing the PC is a store like any other... */
	expect_dabt(make_dabt(true, 2, false, 15, true, 0x06), 0, true, 4, false, 15, 4);
	/* ...loading it would be a branch, which Lowvisor does not emulate. */
	expect_dabt(make_dabt(true, 2, false, 15, false, 0x06), -ENOSYS, false, 4, false, 15, 4);
}

static void test_dabt_as_reported(void **state)
{
	(void)state;
	/* ldr r3, [r0]: ARM, word, stage-2 translation fault at level 2. */
	expect_dabt(0x93830006, 0, false, 4, false, 3, 4);
	/* str r1, [r2, #4]: ARM, word, translation fault at level 3. */
	expect_dabt(0x93810047, 0, true, 4, false, 1, 4);
	/* strb r2, [r0]: 16-bit Thumb. */
	expect_dabt(0x91020046, 0, true, 1, false, 2, 2);
	/* ldrh r0, [r1]: 16-bit Thumb. */
	expect_dabt(0x91400006, 0, false, 2, false, 0, 2);
	/* ldrsb r0, [r1, r2]: 16-bit Thumb, level 1 fault. */
	expect_dabt(0x91200005, 0, false, 1, true, 0, 2);
	/* ldrsh.w r4, [r1]: 32-bit Thumb. */
	expect_dabt(0x93640006, 0, false, 2, true, 4, 4);
	/* ldr r3, [r0] taken in HYP mode (EC 0x25) decodes the same way. */
	expect_dabt(0x97830006, 0, false, 4, false, 3, 4);
}

static void test_dabt_without_syndrome(void **state)
{
	struct mmio_access a;

	(void)state;
	/* ldrd/ldm (ISV = 0), a load: no width or register, but what is
	 * always reported is. */
	memset(&a, 0xa5, sizeof(a));
	assert_int_equal(hsr_decode_dabt(0x92000006, &a), -ENOSYS);
	assert_false(a.valid);
	assert_false(a.write);
	assert_int_equal(a.il, 4);
	assert_int_equal(a.width, 0);
	/* stm from Thumb-2, level 3. */
	assert_int_equal(hsr_decode_dabt(0x92000047, &a), -ENOSYS);
	assert_false(a.valid);
	assert_true(a.write);
	/* A 16-bit Thumb push into an emulated region. */
	assert_int_equal(hsr_decode_dabt(0x90000046, &a), -ENOSYS);
	assert_int_equal(a.il, 2);
}

static void test_dabt_stage1_walk(void **state)
{
	struct mmio_access a;

	(void)state;
	/* The guest's own translation tables point at an emulated region. */
	assert_int_equal(hsr_decode_dabt(0x92000086, &a), -EFAULT);
	assert_false(a.write);
	/* Even with a syndrome, the access was not the instruction's. */
	assert_int_equal(hsr_decode_dabt(0x93830086, &a), -EFAULT);
}

static void test_dabt_cache_maintenance_and_external(void **state)
{
	struct mmio_access a;

	(void)state;
	/* dcimvac on an emulated address: CM, reported as a write. */
	assert_int_equal(hsr_decode_dabt(0x92000146, &a), -ENOSYS);
	assert_true(a.cm);
	assert_true(a.write);
	/* A synchronous external abort on a load: an access like any other. */
	assert_int_equal(hsr_decode_dabt(0x93830210, &a), 0);
	assert_false(a.cm);
	assert_int_equal(fsc_type(hsr_fsc(0x93830210)), FSC_SYNC_EXTERNAL);
}

static void test_dabt_wrong_class(void **state)
{
	struct mmio_access a;

	(void)state;
	assert_int_equal(hsr_decode_dabt(0x82000006, &a), -EINVAL); /* prefetch abort */
	assert_int_equal(hsr_decode_dabt(0x4a000000, &a), -EINVAL); /* HVC */
	assert_int_equal(hsr_decode_dabt(0x0fe00440, &a), -EINVAL); /* MCR */
}

static void test_fault_ipa(void **state)
{
	(void)state;
	/* GICD_ISENABLER0 at IPA 0x08000100, through guest VA 0xf8000100. */
	assert_int_equal(fault_ipa(0x00080000, 0xf8000100), 0x08000100);
	/* HPFAR[3:0] are not address bits. */
	assert_int_equal(fault_ipa(0x0008000f, 0xf8000104), 0x08000104);
	/* UARTFR of the PL011 at 0x09000000. */
	assert_int_equal(fault_ipa(0x00090000, 0xc0a00018), 0x09000018);
	/* The top of a 40-bit IPA space. */
	assert_int_equal(fault_ipa(0xfffffff0, 0x00000abc), 0xfffffffabcull);
	/* HPFAR bit 24 is IPA bit 32: the first page above 4 GiB. */
	assert_int_equal(fault_ipa(0x01000000, 0xffffffff), 0x100000fffull);
	assert_int_equal(fault_ipa(0x10000000, 0x00000000), 0x1000000000ull);
	assert_int_equal(fault_ipa(0, 0), 0);
}

static void test_fsc(void **state)
{
	(void)state;
	assert_int_equal(fsc_type(hsr_fsc(0x93830006)), FSC_TRANSLATION); /* level 2 */
	assert_int_equal(fsc_type(hsr_fsc(0x93830005)), FSC_TRANSLATION); /* level 1 */
	assert_int_equal(fsc_type(hsr_fsc(0x9383000a)), FSC_ACCESS_FLAG);
	assert_int_equal(fsc_type(hsr_fsc(0x9383004f)), FSC_PERMISSION);
	assert_int_equal(fsc_type(hsr_fsc(0x82000007)), FSC_TRANSLATION); /* prefetch abort */
	assert_int_equal(fsc_type(0x07), FSC_TRANSLATION);
}

/* PAR after ATS1CPR from HYP: always the 64-bit format. */
static void test_par_ipa(void **state)
{
	uint64_t ipa = 0x1234;

	(void)state;
	/* What QEMU 7.2 returned for VA 0xc0000008 mapped by an LPAE block to
	 * 0x1_0800_0000 (attributes in [63:56], NS, SH, LPAE). */
	assert_true(par_ipa(0xff00000108000b80ull, 0xc0000008, &ipa));
	assert_int_equal(ipa, 0x108000008ull);
	/* The top of the 40-bit space: the offset comes from the VA. */
	assert_true(par_ipa(0x000000fffffff800ull, 0x001ffabc, &ipa));
	assert_int_equal(ipa, 0xfffffffabcull);
	assert_true(par_ipa(0x0000000050000800ull, 0x50000254, &ipa));
	assert_int_equal(ipa, 0x50000254ull);
	/* A failed translation (F, with FST) or a 32-bit PAR: no IPA. */
	ipa = 0x1234;
	assert_false(par_ipa(0x0000000000000809ull, 0xc0000008, &ipa));
	assert_false(par_ipa(0x0000000050000000ull, 0x50000254, &ipa));
	assert_int_equal(ipa, 0x1234);
}

/* ---- Coprocessor accesses ---------------------------------------------- */

static void expect_cp(uint32_t hsr, const struct cp_access *want)
{
	struct cp_access got;

	memset(&got, 0xa5, sizeof(got));
	assert_int_equal(hsr_decode_cp(hsr, &got), 0);
	assert_int_equal(got.cp, want->cp);
	assert_int_equal(got.is_64, want->is_64);
	assert_int_equal(got.read, want->read);
	assert_int_equal(got.opc1, want->opc1);
	assert_int_equal(got.crn, want->crn);
	assert_int_equal(got.crm, want->crm);
	assert_int_equal(got.opc2, want->opc2);
	assert_int_equal(got.rt, want->rt);
	assert_int_equal(got.rt2, want->rt2);
}

static void test_cp15_mcr_mrc(void **state)
{
	(void)state;
	/* mcr p15, 0, r2, c1, c0, 0: SCTLR. */
	expect_cp(0x0fe00440, &(struct cp_access){ .cp = 15, .crn = 1, .rt = 2 });
	assert_int_equal(make_mcr(0xe, 0, 2, 1, 0, 0, false), 0x0fe00440);
	/* mrc p15, 0, r2, c1, c0, 0. */
	expect_cp(0x0fe00441, &(struct cp_access){ .cp = 15, .read = true, .crn = 1, .rt = 2 });
	/* mcr p15, 0, r0, c7, c6, 2: DCISW. */
	expect_cp(0x0fe41c0c,
		  &(struct cp_access){ .cp = 15, .crn = 7, .crm = 6, .opc2 = 2, .rt = 0 });
	/* mcrne p15, 0, r5, c13, c0, 1: CONTEXTIDR, conditional. */
	expect_cp(0x0f1234a0, &(struct cp_access){ .cp = 15, .crn = 13, .opc2 = 1, .rt = 5 });
	assert_int_equal(hsr_cv_cond(0x0f1234a0), COND_NE);
	/* Every field at its largest: mrc p15, 7, r14, c15, c15, 7. */
	expect_cp(make_mcr(0xe, 7, 14, 15, 15, 7, true),
		  &(struct cp_access){ .cp = 15, .read = true, .opc1 = 7, .crn = 15, .crm = 15,
				       .opc2 = 7, .rt = 14 });
	/* mrc p15, 0, APSR_nzcv, ...: Rt = 15. */
	expect_cp(make_mcr(0xe, 0, 15, 7, 14, 3, true),
		  &(struct cp_access){ .cp = 15, .read = true, .crn = 7, .crm = 14, .opc2 = 3,
				       .rt = 15 });
}

static void test_cp15_mcrr_mrrc(void **state)
{
	(void)state;
	/* mcrr p15, 0, r0, r1, c2: TTBR0. */
	expect_cp(0x13e00404,
		  &(struct cp_access){ .cp = 15, .is_64 = true, .crm = 2, .rt = 0, .rt2 = 1 });
	/* mrrc p15, 1, r2, r3, c2: TTBR1. */
	expect_cp(0x13e10c45, &(struct cp_access){ .cp = 15, .is_64 = true, .read = true,
						   .opc1 = 1, .crm = 2, .rt = 2, .rt2 = 3 });
	/* mcrr p15, 15, r12, r14, c15: Opc1 is 4 bits wide here. */
	expect_cp(make_hsr(0x04, true, 1u << 24 | 0xeu << 20 | 15u << 16 | 14u << 10 | 12u << 5 |
					       15u << 1),
		  &(struct cp_access){ .cp = 15, .is_64 = true, .opc1 = 15, .crm = 15, .rt = 12,
				       .rt2 = 14 });
}

static void test_cp14(void **state)
{
	(void)state;
	/* mrc p14, 0, r0, c0, c1, 0: DBGDSCRint. */
	expect_cp(0x17e00003, &(struct cp_access){ .cp = 14, .read = true, .crm = 1 });
	/* mrrc p14, 0, r0, r1, c1: DBGDRAR. */
	expect_cp(0x33e00403,
		  &(struct cp_access){ .cp = 14, .is_64 = true, .read = true, .crm = 1, .rt2 = 1 });
}

static void test_cp_wrong_class(void **state)
{
	struct cp_access cp;

	(void)state;
	assert_int_equal(hsr_decode_cp(0x93830006, &cp), -EINVAL);
	assert_int_equal(hsr_decode_cp(0x1be00000, &cp), -EINVAL); /* LDC p14 */
	assert_int_equal(hsr_decode_cp(0x02000000, &cp), -EINVAL);
}

/* ---- Condition codes ---------------------------------------------------- */

/* The ARM ARM's table of condition codes, written out. */
static bool reference_cond(unsigned cond, unsigned nzcv)
{
	bool n = nzcv & 8, z = nzcv & 4, c = nzcv & 2, v = nzcv & 1;

	switch (cond) {
	case 0x0: return z;              /* EQ */
	case 0x1: return !z;             /* NE */
	case 0x2: return c;              /* CS */
	case 0x3: return !c;             /* CC */
	case 0x4: return n;              /* MI */
	case 0x5: return !n;             /* PL */
	case 0x6: return v;              /* VS */
	case 0x7: return !v;             /* VC */
	case 0x8: return c && !z;        /* HI */
	case 0x9: return !c || z;        /* LS */
	case 0xa: return n == v;         /* GE */
	case 0xb: return n != v;         /* LT */
	case 0xc: return !z && n == v;   /* GT */
	case 0xd: return z || n != v;    /* LE */
	default: return true;            /* AL, and NV behaves as AL */
	}
}

static void test_condition_all_16(void **state)
{
	unsigned cond, nzcv;

	(void)state;
	for (cond = 0; cond < 16; cond++) {
		for (nzcv = 0; nzcv < 16; nzcv++) {
			uint32_t hsr = make_mcr(cond, 0, 2, 1, 0, 0, false);
			bool want = reference_cond(cond, nzcv);

			if (hsr_condition_passed(hsr, make_cpsr(nzcv, 0)) != want)
				fail_msg("cond 0x%x with NZCV 0x%x: expected %d", cond, nzcv, want);
			assert_int_equal(cond_holds(cond, (uint32_t)nzcv << 28), want);
			assert_int_equal(hsr_cv_cond(hsr), (int)cond);
		}
	}
	/* A few by hand. */
	assert_true(cond_holds(COND_HI, CPSR_C));
	assert_false(cond_holds(COND_HI, CPSR_C | CPSR_Z));
	assert_true(cond_holds(COND_LE, CPSR_N));
	assert_false(cond_holds(COND_GT, CPSR_V));
	assert_true(cond_holds(COND_GE, CPSR_N | CPSR_V));
	assert_false(cond_holds(COND_EQ, 0));
	assert_true(cond_holds(COND_NV, 0));
}

static void test_condition_unconditional_classes(void **state)
{
	unsigned nzcv;

	(void)state;
	for (nzcv = 0; nzcv < 16; nzcv++) {
		uint32_t cpsr = make_cpsr(nzcv, 0x08); /* even inside "IT EQ" */

		/* Aborts, HVC, SMC carry no condition: bits [23:20] are
		 * SAS/SSE/... there, not COND. */
		assert_true(hsr_condition_passed(0x93830006, cpsr));
		assert_true(hsr_condition_passed(0x4a001234, cpsr));
		assert_true(hsr_condition_passed(0x4e000000, cpsr));
		assert_true(hsr_condition_passed(0x02000000, cpsr));
	}
	assert_int_equal(hsr_cv_cond(0x93f30006), COND_AL);
	assert_int_equal(hsr_cv_cond(0x02000000), COND_AL);
}

static void test_condition_from_it_state(void **state)
{
	unsigned cond, nzcv;

	(void)state;
	/* CV = 0 (a Thumb MCR): the condition is IT[7:4] of a one-instruction
	 * block, IT state (cond << 4) | 0b1000. */
	for (cond = 0; cond < 15; cond++) {
		for (nzcv = 0; nzcv < 16; nzcv++) {
			uint32_t hsr = make_hsr(0x03, true, 1u << 10);
			bool want = reference_cond(cond, nzcv);

			assert_int_equal(hsr_cv_cond(hsr), -1);
			if (hsr_condition_passed(hsr, make_cpsr(nzcv, cond << 4 | 8)) != want)
				fail_msg("IT cond 0x%x with NZCV 0x%x: expected %d", cond, nzcv,
					 want);
		}
	}
	/* Outside an IT block, or in ARM state: unconditional. */
	for (nzcv = 0; nzcv < 16; nzcv++)
		assert_true(hsr_condition_passed(make_hsr(0x03, true, 0), make_cpsr(nzcv, 0)));
	/* IT[3:0] == 0 is no IT block, whatever IT[7:4] holds (InITBlock()). */
	assert_true(hsr_condition_passed(make_hsr(0x03, true, 0), make_cpsr(0x4, COND_NE << 4)));
	/* A reported condition wins over the IT state. */
	assert_false(hsr_condition_passed(make_mcr(COND_EQ, 0, 2, 1, 0, 0, false),
					  make_cpsr(0, COND_NE << 4 | 8)));
}

static void test_it_advance(void **state)
{
	uint32_t cpsr, hsr = make_hsr(0x01, false, 0); /* a Thumb WFI, CV = 0 */

	(void)state;
	/* ite eq: "then" instruction runs on EQ, "else" on NE. ITSTATE of
	 * the first is firstcond:mask = 0000:1100. */
	cpsr = make_cpsr(0x4 /* Z */, 0x0c) | CPSR_T;
	assert_true(hsr_condition_passed(hsr, cpsr));
	cpsr = cpsr_it_advance(cpsr);
	assert_int_equal(cpsr, make_cpsr(0x4, 0x18) | CPSR_T);
	assert_false(hsr_condition_passed(hsr, cpsr)); /* the else, NE, with Z set */
	cpsr = cpsr_it_advance(cpsr);
	assert_int_equal(cpsr, make_cpsr(0x4, 0) | CPSR_T); /* block done */
	assert_true(hsr_condition_passed(hsr, cpsr));
	/* Outside a block nothing changes. */
	assert_int_equal(cpsr_it_advance(cpsr), cpsr);
	/* ittt gt: firstcond 1100, mask 0010 (the low bit of GT each time). */
	cpsr = make_cpsr(0, 0xc2);
	cpsr = cpsr_it_advance(cpsr);
	assert_int_equal(cpsr, make_cpsr(0, 0xc4));
	cpsr = cpsr_it_advance(cpsr);
	assert_int_equal(cpsr, make_cpsr(0, 0xc8));
	cpsr = cpsr_it_advance(cpsr);
	assert_int_equal(cpsr, make_cpsr(0, 0));
	/* The flags and mode bits are left alone. */
	assert_int_equal(cpsr_it_advance(0xf80001f3 | 0x0c00) & ~CPSR_IT_MASK, 0xf80001f3);
}

/* ---- A fake device with a GICv2-like register file ---------------------- */

struct fake_dev {
	uint32_t ctlr;
	uint32_t enable[MMIO_IRQ_COUNT / 32];
	uint8_t prio[MMIO_IRQ_COUNT];
	uint16_t half[2];
	unsigned calls;
	uint32_t last_offset;
	unsigned last_width;
	uint32_t last_write; /* the value the last write handler got */
};

static void fake_note(struct fake_dev *d, uint32_t offset, unsigned width)
{
	d->calls++;
	d->last_offset = offset;
	d->last_width = width;
}

static uint32_t fake_read_ctlr(struct mmio_ctx *c, const struct mmio_reg *reg, uint32_t offset,
			       unsigned width)
{
	struct fake_dev *d = c->dev;

	(void)reg;
	fake_note(d, offset, width);
	return d->ctlr;
}

static void fake_write_ctlr(struct mmio_ctx *c, const struct mmio_reg *reg, uint32_t offset,
			    unsigned width, uint32_t val)
{
	struct fake_dev *d = c->dev;

	(void)reg;
	fake_note(d, offset, width);
	d->ctlr = val & 1;
}

static uint32_t fake_read_typer(struct mmio_ctx *c, const struct mmio_reg *reg, uint32_t offset,
				unsigned width)
{
	(void)reg;
	fake_note(c->dev, offset, width);
	return 0x0000fc07;
}

static uint32_t fake_read_enable(struct mmio_ctx *c, const struct mmio_reg *reg, uint32_t offset,
				 unsigned width)
{
	struct fake_dev *d = c->dev;

	fake_note(d, offset, width);
	return d->enable[mmio_reg_irq(reg, offset) / 32];
}

/* Set-enable: writing 1 sets, 0 does nothing. */
static void fake_write_enable(struct mmio_ctx *c, const struct mmio_reg *reg, uint32_t offset,
			      unsigned width, uint32_t val)
{
	struct fake_dev *d = c->dev;

	fake_note(d, offset, width);
	d->last_write = val;
	d->enable[mmio_reg_irq(reg, offset) / 32] |= val;
}

static uint32_t fake_read_prio(struct mmio_ctx *c, const struct mmio_reg *reg, uint32_t offset,
			       unsigned width)
{
	struct fake_dev *d = c->dev;
	unsigned irq = mmio_reg_irq(reg, offset), i;
	uint32_t v = 0;

	fake_note(d, offset, width);
	for (i = 0; i < width; i++)
		v |= (uint32_t)d->prio[irq + i] << (8 * i);
	return v;
}

static void fake_write_prio(struct mmio_ctx *c, const struct mmio_reg *reg, uint32_t offset,
			    unsigned width, uint32_t val)
{
	struct fake_dev *d = c->dev;
	unsigned irq = mmio_reg_irq(reg, offset), i;

	fake_note(d, offset, width);
	d->last_write = val;
	for (i = 0; i < width; i++)
		d->prio[irq + i] = (uint8_t)(val >> (8 * i));
}

static uint32_t fake_read_half(struct mmio_ctx *c, const struct mmio_reg *reg, uint32_t offset,
			       unsigned width)
{
	struct fake_dev *d = c->dev;

	fake_note(d, offset, width);
	return d->half[(offset - reg->offset) / 2];
}

static void fake_write_half(struct mmio_ctx *c, const struct mmio_reg *reg, uint32_t offset,
			    unsigned width, uint32_t val)
{
	struct fake_dev *d = c->dev;

	fake_note(d, offset, width);
	d->last_write = val;
	d->half[(offset - reg->offset) / 2] = (uint16_t)val;
}

static const struct mmio_reg fake_regs[] = {
	MMIO_REG(0x000, 4, MMIO_W32, fake_read_ctlr, fake_write_ctlr),
	MMIO_REG_RO(0x004, 4, MMIO_W32, fake_read_typer),
	MMIO_REG_RAZ_WI(0x008, 4, MMIO_W32),
	MMIO_REG_PER_IRQ(0x080, 1, MMIO_W32, mmio_read_raz, mmio_write_wi),
	MMIO_REG_PER_IRQ(0x100, 1, MMIO_W32, fake_read_enable, fake_write_enable),
	MMIO_REG_PER_IRQ(0x400, 8, MMIO_W8 | MMIO_W32, fake_read_prio, fake_write_prio),
	MMIO_REG_PER_IRQ(0xc00, 2, MMIO_W32, mmio_read_raz, mmio_write_wi),
	MMIO_REG(0xf10, 4, MMIO_W16, fake_read_half, fake_write_half),
	MMIO_REG_RAZ_WI(0xfd0, 0x30, MMIO_W_ANY),
};

/* The index of fake_regs, which both devices below share. */
static struct mmio_index fake_index;

/* A GIC-style device: reserved space reads as zero. */
static const struct mmio_ops fake_gic_ops = {
	.name = "fake-gicd",
	MMIO_OPS_REGS(fake_regs),
	.holes_raz_wi = true,
	.index = &fake_index,
};

/* The same registers, with holes refused. */
static const struct mmio_ops fake_strict_ops = {
	.name = "fake-strict",
	MMIO_OPS_REGS(fake_regs),
	.holes_raz_wi = false,
	.index = &fake_index,
};

/* A table the index cannot hold: mmio_region_add refuses its device. */
static void expect_not_indexed(const struct mmio_reg *regs, size_t count)
{
	static struct mmio_index idx;
	const struct mmio_ops ops = { .name = "odd", .regs = regs, .reg_count = count,
				      .index = &idx };
	struct mmio_regions rs;

	mmio_regions_init(&rs);
	assert_int_equal(mmio_region_add(&rs, 0x09000000, 0x10000, &ops, NULL), -EINVAL);
	assert_int_equal(rs.count, 0);
	assert_false(idx.built);
}

/* The registers by word (mmio_index): each offset's register, as a scan of
 * the table finds it; a table that is not whole words, reaches beyond the
 * index or has more than 255 registers is refused, as is a device without
 * an index. */
static void test_index(void **state)
{
	static struct mmio_index idx, most_idx;
	static const struct mmio_reg half[] = {
		MMIO_REG_RAZ_WI(0x000, 4, MMIO_W32),
		MMIO_REG(0x006, 2, MMIO_W16, fake_read_half, fake_write_half),
	};
	static const struct mmio_reg beyond[] = { MMIO_REG_RAZ_WI(MMIO_INDEX_WORDS * 4, 4, MMIO_W32) };
	static struct mmio_reg many[256];
	const struct mmio_ops ops = { .name = "indexed", MMIO_OPS_REGS(fake_regs),
				      .holes_raz_wi = true, .index = &idx };
	const struct mmio_ops most = { .name = "most", .regs = many, .reg_count = 255,
				       .index = &most_idx };
	const struct mmio_ops none = { .name = "none", MMIO_OPS_REGS(fake_regs) };
	struct mmio_access a = { .valid = true, .width = 2, .il = 4 };
	struct mmio_regions rs;
	struct fake_dev d = { 0 };
	uint32_t off = 0, v = 0;
	size_t i;

	(void)state;
	assert_true(mmio_index_agrees(&ops, &off));
	expect_not_indexed(half, ARRAY_SIZE(half));
	expect_not_indexed(beyond, ARRAY_SIZE(beyond));
	for (i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct mmio_reg)MMIO_REG_RAZ_WI(i * 4, 4, MMIO_W32);
	expect_not_indexed(many, ARRAY_SIZE(many));
	assert_true(mmio_index_agrees(&most, &off));
	mmio_regions_init(&rs);
	assert_int_equal(mmio_region_add(&rs, 0x09000000, 0x1000, &none, NULL), -EINVAL);
	/* Dispatch through it: GICD_TYPER-like, a hole, past the index. */
	mmio_regions_init(&rs);
	assert_int_equal(mmio_region_add(&rs, 0x08000000, 0x10000, &ops, &d), 0);
	a.width = 4;
	assert_int_equal(mmio_dispatch(&rs.r[0], 0, &a, 0x08000004, &v), 0);
	assert_int_equal(v, fake_read_typer(&(struct mmio_ctx){ .dev = &d }, &fake_regs[1], 4, 4));
	v = 7;
	assert_int_equal(mmio_dispatch(&rs.r[0], 0, &a, 0x0800000c, &v), 0);
	assert_int_equal(v, 0);
	v = 7;
	assert_int_equal(mmio_dispatch(&rs.r[0], 0, &a, 0x08002000, &v), 0);
	assert_int_equal(v, 0);
}

/* Every register table here; each device's own table (vGIC, vUART) gets
 * the same check in its unit test. */
static void test_tables_valid(void **state)
{
	size_t bad = 99;

	(void)state;
	assert_true(mmio_regs_valid(fake_regs, ARRAY_SIZE(fake_regs), &bad));
	assert_int_equal(bad, 99);
	assert_true(mmio_regs_valid(fake_gic_ops.regs, fake_gic_ops.reg_count, NULL));
	assert_true(mmio_regs_valid(fake_regs, 0, NULL));
	/* What the constructors made. */
	assert_int_equal(fake_regs[4].length, 0x80);
	assert_int_equal(fake_regs[4].bits_per_irq, 1);
	assert_int_equal(fake_regs[5].length, 0x400);
	assert_int_equal(fake_regs[6].length, 0x100);
	assert_ptr_equal(fake_regs[1].write, mmio_write_wi);
	assert_ptr_equal(fake_regs[2].read, mmio_read_raz);
}

static void expect_bad_table(const struct mmio_reg *regs, size_t count, size_t want_bad)
{
	size_t bad = 99;

	assert_false(mmio_regs_valid(regs, count, &bad));
	assert_int_equal(bad, want_bad);
	assert_false(mmio_regs_valid(regs, count, NULL));
}

static void test_table_checker_finds_bad_entries(void **state)
{
	static const struct mmio_reg unsorted[] = {
		MMIO_REG_RAZ_WI(0x000, 4, MMIO_W32),
		MMIO_REG_RAZ_WI(0x008, 4, MMIO_W32),
		MMIO_REG_RAZ_WI(0x004, 4, MMIO_W32),
	};
	static const struct mmio_reg overlapping[] = {
		MMIO_REG_RAZ_WI(0x000, 4, MMIO_W32),
		MMIO_REG_PER_IRQ(0x100, 1, MMIO_W32, mmio_read_raz, mmio_write_wi),
		MMIO_REG_RAZ_WI(0x17c, 4, MMIO_W32), /* inside 0x100-0x17f */
	};
	static const struct mmio_reg duplicate[] = {
		MMIO_REG_RAZ_WI(0x000, 4, MMIO_W32),
		MMIO_REG_RAZ_WI(0x000, 4, MMIO_W32),
	};
	static const struct mmio_reg empty[] = {
		MMIO_REG_RAZ_WI(0x000, 0, MMIO_W32),
	};
	static const struct mmio_reg no_width[] = {
		MMIO_REG_RAZ_WI(0x000, 4, MMIO_W32),
		MMIO_REG_RAZ_WI(0x004, 4, 0),
	};
	static const struct mmio_reg wide[] = {
		MMIO_REG_RAZ_WI(0x000, 8, MMIO_W32 | 8),
	};
	static const struct mmio_reg no_write[] = {
		MMIO_REG(0x000, 4, MMIO_W32, mmio_read_raz, NULL),
	};
	static const struct mmio_reg no_read[] = {
		MMIO_REG(0x000, 4, MMIO_W32, NULL, mmio_write_wi),
	};
	static const struct mmio_reg odd_bits[] = {
		MMIO_REG_PER_IRQ(0x000, 3, MMIO_W32, mmio_read_raz, mmio_write_wi),
	};
	static const struct mmio_reg wraps[] = {
		MMIO_REG_RAZ_WI(0xfffffffc, 8, MMIO_W32),
	};
	static const struct mmio_reg at_top[] = {
		MMIO_REG_RAZ_WI(0x0, 4, MMIO_W32),
		MMIO_REG_RAZ_WI(0xfffffffc, 4, MMIO_W32),
	};

	(void)state;
	expect_bad_table(unsorted, ARRAY_SIZE(unsorted), 2);
	expect_bad_table(overlapping, ARRAY_SIZE(overlapping), 2);
	expect_bad_table(duplicate, ARRAY_SIZE(duplicate), 1);
	expect_bad_table(empty, ARRAY_SIZE(empty), 0);
	expect_bad_table(no_width, ARRAY_SIZE(no_width), 1);
	expect_bad_table(wide, ARRAY_SIZE(wide), 0);
	expect_bad_table(no_write, ARRAY_SIZE(no_write), 0);
	expect_bad_table(no_read, ARRAY_SIZE(no_read), 0);
	expect_bad_table(odd_bits, ARRAY_SIZE(odd_bits), 0);
	expect_bad_table(wraps, ARRAY_SIZE(wraps), 0);
	assert_true(mmio_regs_valid(at_top, ARRAY_SIZE(at_top), NULL));
}

/* ---- Regions ------------------------------------------------------------- */

static void check_regions(const struct mmio_regions *rs)
{
	unsigned i;

	assert_true(rs->count <= MMIO_REGIONS_MAX);
	for (i = 0; i < rs->count; i++) {
		assert_true(rs->r[i].size > 0);
		assert_non_null(rs->r[i].ops);
		if (i > 0 && rs->r[i - 1].base + rs->r[i - 1].size > rs->r[i].base)
			fail_msg("regions %u and %u out of order or overlapping", i - 1, i);
	}
}

static void add_virt_regions(struct mmio_regions *rs, struct fake_dev *gicd,
			     struct fake_dev *uart)
{
	mmio_regions_init(rs);
	/* Out of order on purpose. */
	assert_int_equal(mmio_region_add(rs, 0x09000000, 0x1000, &fake_strict_ops, uart), 0);
	assert_int_equal(mmio_region_add(rs, 0x0a000000, 0x1000, &fake_strict_ops, NULL), 0);
	assert_int_equal(mmio_region_add(rs, 0x08000000, 0x10000, &fake_gic_ops, gicd), 0);
	check_regions(rs);
}

static void test_region_insert_keeps_order(void **state)
{
	struct mmio_regions rs;
	struct fake_dev gicd, uart;

	(void)state;
	add_virt_regions(&rs, &gicd, &uart);
	assert_int_equal(rs.count, 3);
	assert_int_equal(rs.r[0].base, 0x08000000);
	assert_ptr_equal(rs.r[0].dev, &gicd);
	assert_int_equal(rs.r[1].base, 0x09000000);
	assert_ptr_equal(rs.r[1].dev, &uart);
	assert_int_equal(rs.r[2].base, 0x0a000000);
	/* Adjacent on both sides is fine. */
	assert_int_equal(mmio_region_add(&rs, 0x08ff0000, 0x10000, &fake_gic_ops, NULL), 0);
	assert_int_equal(mmio_region_add(&rs, 0x09001000, 0x1000, &fake_gic_ops, NULL), 0);
	assert_int_equal(mmio_region_add(&rs, 0x00000000, 0x1000, &fake_gic_ops, NULL), 0);
	check_regions(&rs);
	assert_int_equal(rs.count, 6);
	assert_int_equal(rs.r[0].base, 0);
	assert_int_equal(rs.r[2].base, 0x08ff0000);
	assert_int_equal(rs.r[4].base, 0x09001000);
}

static void test_region_overlap_rejected(void **state)
{
	struct mmio_regions rs, before;
	struct fake_dev gicd, uart;

	(void)state;
	add_virt_regions(&rs, &gicd, &uart);
	before = rs;
	assert_int_equal(mmio_region_add(&rs, 0x08008000, 0x1000, &fake_gic_ops, NULL), -EBUSY);
	assert_int_equal(mmio_region_add(&rs, 0x07fff000, 0x2000, &fake_gic_ops, NULL), -EBUSY);
	assert_int_equal(mmio_region_add(&rs, 0x0800f000, 0x2000, &fake_gic_ops, NULL), -EBUSY);
	assert_int_equal(mmio_region_add(&rs, 0x08000000, 0x10000, &fake_gic_ops, NULL), -EBUSY);
	assert_int_equal(mmio_region_add(&rs, 0, 0x10000000, &fake_gic_ops, NULL), -EBUSY);
	assert_int_equal(mmio_region_add(&rs, 0x09000fff, 1, &fake_gic_ops, NULL), -EBUSY);
	assert_int_equal(rs.count, before.count);
	assert_memory_equal(rs.r, before.r, sizeof(rs.r));
}

static void test_region_bad_arguments_and_full(void **state)
{
	struct mmio_regions rs;
	unsigned i;

	(void)state;
	mmio_regions_init(&rs);
	assert_int_equal(mmio_region_add(&rs, 0x1000, 0, &fake_gic_ops, NULL), -EINVAL);
	assert_int_equal(mmio_region_add(&rs, 0x1000, 0x1000, NULL, NULL), -EINVAL);
	assert_int_equal(mmio_region_add(&rs, UINT64_MAX - 0xfff, 0x2000, &fake_gic_ops, NULL),
			 -EINVAL);
	assert_int_equal(mmio_region_add(&rs, 0xfffffffffffff000ull, 0x1000, &fake_gic_ops, NULL),
			 -EINVAL);
	assert_int_equal(mmio_region_add(&rs, 0, GiB(4) + 1, &fake_gic_ops, NULL), -EINVAL);
	assert_int_equal(rs.count, 0);
	assert_int_equal(mmio_region_add(&rs, 0xff00000000ull, GiB(4), &fake_gic_ops, NULL), 0);
	for (i = 1; i < MMIO_REGIONS_MAX; i++)
		assert_int_equal(mmio_region_add(&rs, 0x10000 * i, 0x1000, &fake_gic_ops, NULL), 0);
	assert_int_equal(mmio_region_add(&rs, 0x10000000, 0x1000, &fake_gic_ops, NULL), -ENOSPC);
	/* An overlap is reported as such even when full. */
	assert_int_equal(mmio_region_add(&rs, 0x10000, 0x1000, &fake_gic_ops, NULL), -EBUSY);
	check_regions(&rs);
	assert_int_equal(rs.count, MMIO_REGIONS_MAX);
}

static void test_region_find_at_edges(void **state)
{
	struct mmio_regions rs;
	struct fake_dev gicd, uart;

	(void)state;
	mmio_regions_init(&rs);
	assert_null(mmio_region_find(&rs, 0x08000000));
	add_virt_regions(&rs, &gicd, &uart);
	assert_null(mmio_region_find(&rs, 0));
	assert_null(mmio_region_find(&rs, 0x07ffffff));
	assert_ptr_equal(mmio_region_find(&rs, 0x08000000), &rs.r[0]);
	assert_ptr_equal(mmio_region_find(&rs, 0x08000100), &rs.r[0]);
	assert_ptr_equal(mmio_region_find(&rs, 0x0800ffff), &rs.r[0]);
	assert_null(mmio_region_find(&rs, 0x08010000)); /* GICC: GICV, not emulated */
	assert_null(mmio_region_find(&rs, 0x08ffffff));
	assert_ptr_equal(mmio_region_find(&rs, 0x09000000), &rs.r[1]);
	assert_ptr_equal(mmio_region_find(&rs, 0x09000fff), &rs.r[1]);
	assert_null(mmio_region_find(&rs, 0x09001000));
	assert_ptr_equal(mmio_region_find(&rs, 0x0a000fff), &rs.r[2]);
	assert_null(mmio_region_find(&rs, 0x0a001000));
	assert_null(mmio_region_find(&rs, 0x40000000)); /* RAM */
	assert_null(mmio_region_find(&rs, UINT64_MAX));
	/* Adjacent regions: the boundary belongs to the upper one. */
	assert_int_equal(mmio_region_add(&rs, 0x09001000, 0x1000, &fake_gic_ops, NULL), 0);
	assert_int_equal(mmio_region_find(&rs, 0x09000fff)->base, 0x09000000);
	assert_int_equal(mmio_region_find(&rs, 0x09001000)->base, 0x09001000);
}

/* ---- Dispatch ------------------------------------------------------------ */

static struct mmio_access access_of(bool write, unsigned width)
{
	return (struct mmio_access){ .valid = true, .write = write, .width = width, .il = 4 };
}

static const struct mmio_region fake_region = {
	.base = 0x08000000,
	.size = 0x1000,
	.ops = &fake_gic_ops,
};

static const struct mmio_region strict_region = {
	.base = 0x09000000,
	.size = 0x1000,
	.ops = &fake_strict_ops,
};

/* mmio_dispatch on region r with dev d, at offset off of it. */
static int region_dispatch(const struct mmio_region *r, struct fake_dev *d,
			   const struct mmio_access *a, uint64_t off, uint32_t *val)
{
	struct mmio_region with_dev = *r;

	with_dev.dev = d;
	return mmio_dispatch(&with_dev, 0, a, r->base + off, val);
}

static int dispatch(struct fake_dev *d, bool write, unsigned width, uint64_t off, uint32_t *val)
{
	struct mmio_access a = access_of(write, width);

	return region_dispatch(&fake_region, d, &a, off, val);
}

static void test_dispatch_reads_and_writes(void **state)
{
	struct fake_dev d = { 0 };
	uint32_t v;

	(void)state;
	v = 0xffffffff;
	assert_int_equal(dispatch(&d, true, 4, 0x000, &v), 0);
	assert_int_equal(d.ctlr, 1);
	assert_int_equal(d.calls, 1);
	assert_int_equal(dispatch(&d, false, 4, 0x000, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(dispatch(&d, false, 4, 0x004, &v), 0);
	assert_int_equal(v, 0x0000fc07);
	assert_int_equal(d.last_offset, 0x004);
	assert_int_equal(d.last_width, 4);
	/* GICD_ISENABLER1: IRQs 32-63. */
	v = 0x80000001;
	assert_int_equal(dispatch(&d, true, 4, 0x104, &v), 0);
	assert_int_equal(d.enable[1], 0x80000001);
	assert_int_equal(d.enable[0], 0);
	v = 0;
	assert_int_equal(dispatch(&d, false, 4, 0x104, &v), 0);
	assert_int_equal(v, 0x80000001);
	/* Halfwords of a 16-bit-only register. */
	v = 0xabcd1234; /* only the halfword is stored */
	assert_int_equal(dispatch(&d, true, 2, 0xf12, &v), 0);
	assert_int_equal(d.half[1], 0x1234);
	assert_int_equal(d.last_write, 0x1234);
	assert_int_equal(d.half[0], 0);
	assert_int_equal(dispatch(&d, false, 2, 0xf12, &v), 0);
	assert_int_equal(v, 0x1234);
}

static void test_dispatch_per_irq_bytes(void **state)
{
	struct fake_dev d = { 0 };
	uint32_t v;

	(void)state;
	assert_int_equal(mmio_reg_irq(&fake_regs[5], 0x420), 32);
	assert_int_equal(mmio_reg_irq(&fake_regs[5], 0x7fb), 1019);
	assert_int_equal(mmio_reg_irq(&fake_regs[4], 0x104), 32);
	assert_int_equal(mmio_reg_irq(&fake_regs[4], 0x17c), 992);
	assert_int_equal(mmio_reg_irq(&fake_regs[6], 0xc08), 32);
	/* A byte write sets IRQ 33's priority only; the handler gets the byte. */
	v = 0x123456a0;
	assert_int_equal(dispatch(&d, true, 1, 0x421, &v), 0);
	assert_int_equal(d.prio[33], 0xa0);
	assert_int_equal(d.last_write, 0xa0);
	assert_int_equal(d.prio[32], 0);
	assert_int_equal(d.prio[34], 0);
	assert_int_equal(d.last_width, 1);
	/* A word read sees IRQs 32-35, IRQ 32 in the low byte. */
	d.prio[35] = 0x80;
	assert_int_equal(dispatch(&d, false, 4, 0x420, &v), 0);
	assert_int_equal(v, 0x8000a000);
	/* The last byte of the register: IRQ 1023. */
	v = 0xf0;
	assert_int_equal(dispatch(&d, true, 1, 0x7ff, &v), 0);
	assert_int_equal(d.prio[1023], 0xf0);
}

static void test_dispatch_width_rejected(void **state)
{
	struct fake_dev d = { 0 };
	struct mmio_access a = access_of(false, 4);
	uint32_t v = 0x5a5a5a5a;

	(void)state;
	/* GICD_CTLR is word-only; priorities take bytes and words. */
	assert_int_equal(dispatch(&d, false, 1, 0x000, &v), -EINVAL);
	assert_int_equal(dispatch(&d, true, 2, 0x000, &v), -EINVAL);
	assert_int_equal(dispatch(&d, true, 2, 0x420, &v), -EINVAL);
	assert_int_equal(dispatch(&d, false, 1, 0x104, &v), -EINVAL);
	assert_int_equal(dispatch(&d, false, 4, 0xf10, &v), -EINVAL); /* 16-bit only */
	assert_int_equal(dispatch(&d, false, 8, 0x000, &v), -EINVAL); /* SAS = 3 */
	assert_int_equal(dispatch(&d, false, 3, 0x000, &v), -EINVAL);
	assert_int_equal(dispatch(&d, false, 0, 0x000, &v), -EINVAL);
	/* Unaligned. */
	assert_int_equal(dispatch(&d, false, 4, 0x422, &v), -EINVAL);
	assert_int_equal(dispatch(&d, false, 2, 0xf11, &v), -EINVAL);
	/* No syndrome. */
	a.valid = false;
	assert_int_equal(region_dispatch(&fake_region, &d, &a, 0, &v), -EINVAL);
	/* Nothing reached the device, and the read value is untouched. */
	assert_int_equal(d.calls, 0);
	assert_int_equal(d.ctlr, 0);
	assert_int_equal(v, 0x5a5a5a5a);
}

static void test_dispatch_outside_region(void **state)
{
	struct fake_dev d = { 0 };
	uint32_t v = 0;

	(void)state;
	assert_int_equal(dispatch(&d, false, 4, 0x1000, &v), -ERANGE);
	assert_int_equal(dispatch(&d, false, 1, 0x1000, &v), -ERANGE);
	assert_int_equal(dispatch(&d, false, 4, UINT64_MAX - 3, &v), -ERANGE);
	assert_int_equal(dispatch(&d, false, 4, 0xffc, &v), 0); /* the last word */
	assert_int_equal(d.calls, 0); /* 0xffc is RAZ/WI */
}

static void test_dispatch_raz_wi(void **state)
{
	struct fake_dev d = { 0 }, before;
	uint32_t v;
	unsigned w;

	(void)state;
	for (w = 1; w <= 4; w *= 2) {
		/* GICD reserved 0xfd0-0xfff takes any width. */
		v = 0xffffffff;
		assert_int_equal(dispatch(&d, false, w, 0xfe0, &v), 0);
		assert_int_equal(v, 0);
	}
	v = 0xdeadbeef;
	assert_int_equal(dispatch(&d, false, 4, 0x008, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(dispatch(&d, false, 4, 0x0fc, &v), 0); /* IGROUPR31 */
	assert_int_equal(v, 0);
	before = d;
	v = 0xffffffff;
	assert_int_equal(dispatch(&d, true, 4, 0x008, &v), 0);
	assert_int_equal(dispatch(&d, true, 4, 0x080, &v), 0);
	assert_int_equal(dispatch(&d, true, 4, 0xc04, &v), 0);
	assert_int_equal(dispatch(&d, true, 4, 0x004, &v), 0); /* read-only TYPER */
	assert_memory_equal(&d, &before, sizeof(d));
	/* Widths still apply to RAZ/WI registers. */
	assert_int_equal(dispatch(&d, true, 1, 0x008, &v), -EINVAL);
}

static void test_dispatch_holes(void **state)
{
	struct fake_dev d = { 0 };
	struct mmio_access rd = access_of(false, 4), wr = access_of(true, 4);
	uint32_t v = 0x12345678;

	(void)state;
	/* GIC: reserved space reads as zero, writes ignored. */
	assert_int_equal(dispatch(&d, false, 4, 0x00c, &v), 0);
	assert_int_equal(v, 0);
	v = 0xffffffff;
	assert_int_equal(dispatch(&d, true, 4, 0x800, &v), 0);
	assert_int_equal(dispatch(&d, false, 1, 0xe03, &v), 0);
	assert_int_equal(v, 0);
	/* Elsewhere the guest gets an abort. */
	v = 0x12345678;
	assert_int_equal(region_dispatch(&strict_region, &d, &rd, 0x00c, &v), -ENOENT);
	assert_int_equal(v, 0x12345678);
	assert_int_equal(region_dispatch(&strict_region, &d, &wr, 0x800, &v), -ENOENT);
	assert_int_equal(region_dispatch(&strict_region, &d, &rd, 0x000, &v), 0);
	assert_int_equal(d.calls, 1);
}

/* From the syndrome to the value in the guest's register. */
static void test_emulate_from_syndrome(void **state)
{
	struct mmio_regions rs;
	struct fake_dev gicd = { 0 }, uart = { 0 };
	struct mmio_access a;
	uint32_t v, reg;

	(void)state;
	add_virt_regions(&rs, &gicd, &uart);
	gicd.ctlr = 1;

	/* ldr r3, [r0] at GICD_CTLR (IPA 0x08000000). */
	assert_int_equal(hsr_decode_dabt(0x93830006, &a), 0);
	assert_int_equal(mmio_emulate(&rs, 0, fault_ipa(0x00080000, 0xf8000000), &a, &v), 0);
	assert_int_equal(mmio_load_value(&a, v), 1);
	assert_int_equal(a.rt, 3);

	/* str r1, [r2, #4] of 0x80 to GICD_ISENABLER1... */
	assert_int_equal(hsr_decode_dabt(0x93810047, &a), 0);
	reg = 0x80;
	v = mmio_store_value(&a, reg);
	assert_int_equal(mmio_emulate(&rs, 0, 0x08000104, &a, &v), 0);
	assert_int_equal(gicd.enable[1], 0x80);

	/* ...strb r2, [r0] (Thumb) of 0x1ff: priority 0xff for IRQ 40... */
	assert_int_equal(hsr_decode_dabt(0x91020046, &a), 0);
	v = mmio_store_value(&a, 0x1ff);
	assert_int_equal(mmio_emulate(&rs, 0, 0x08000428, &a, &v), 0);
	assert_int_equal(gicd.prio[40], 0xff);

	/* ...read back by ldrsb r0 (Thumb): -1. */
	assert_int_equal(hsr_decode_dabt(0x91200005, &a), 0);
	assert_int_equal(mmio_emulate(&rs, 0, 0x08000428, &a, &v), 0);
	assert_int_equal(mmio_load_value(&a, v), 0xffffffff);
	assert_int_equal(a.il, 2);

	/* ldrh r0 at GICD_CTLR: halfword not allowed, the guest gets an abort. */
	assert_int_equal(hsr_decode_dabt(0x91400006, &a), 0);
	assert_int_equal(mmio_emulate(&rs, 0, 0x08000000, &a, &v), -EINVAL);

	/* The UART region goes to its own device. */
	assert_int_equal(hsr_decode_dabt(0x93830006, &a), 0);
	uart.ctlr = 1;
	gicd.ctlr = 0;
	assert_int_equal(mmio_emulate(&rs, 0, 0x09000000, &a, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(uart.calls, 1);

	/* Nothing emulated at the GICC page or in RAM. */
	assert_int_equal(mmio_emulate(&rs, 0, 0x08010000, &a, &v), -ENODEV);
	assert_int_equal(mmio_emulate(&rs, 0, 0x40000000, &a, &v), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ec_of_every_class),
		cmocka_unit_test(test_il_arm_and_thumb),
		cmocka_unit_test(test_wfx_hvc_hcptr_fields),
		cmocka_unit_test(test_dabt_every_width),
		cmocka_unit_test(test_dabt_sign_extension),
		cmocka_unit_test(test_store_value_masks),
		cmocka_unit_test(test_dabt_every_register),
		cmocka_unit_test(test_dabt_as_reported),
		cmocka_unit_test(test_dabt_without_syndrome),
		cmocka_unit_test(test_dabt_stage1_walk),
		cmocka_unit_test(test_dabt_cache_maintenance_and_external),
		cmocka_unit_test(test_dabt_wrong_class),
		cmocka_unit_test(test_fault_ipa),
		cmocka_unit_test(test_fsc),
		cmocka_unit_test(test_par_ipa),
		cmocka_unit_test(test_cp15_mcr_mrc),
		cmocka_unit_test(test_cp15_mcrr_mrrc),
		cmocka_unit_test(test_cp14),
		cmocka_unit_test(test_cp_wrong_class),
		cmocka_unit_test(test_condition_all_16),
		cmocka_unit_test(test_condition_unconditional_classes),
		cmocka_unit_test(test_condition_from_it_state),
		cmocka_unit_test(test_it_advance),
		cmocka_unit_test(test_tables_valid),
		cmocka_unit_test(test_table_checker_finds_bad_entries),
		cmocka_unit_test(test_region_insert_keeps_order),
		cmocka_unit_test(test_region_overlap_rejected),
		cmocka_unit_test(test_region_bad_arguments_and_full),
		cmocka_unit_test(test_region_find_at_edges),
		cmocka_unit_test(test_dispatch_reads_and_writes),
		cmocka_unit_test(test_dispatch_per_irq_bytes),
		cmocka_unit_test(test_dispatch_width_rejected),
		cmocka_unit_test(test_dispatch_outside_region),
		cmocka_unit_test(test_dispatch_raz_wi),
		cmocka_unit_test(test_dispatch_holes),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_emulate_from_syndrome),
	};

	return cmocka_run_group_tests_name("hsr", tests, NULL, NULL);
}
