// SPDX-License-Identifier: MIT
/*
 * HSR decoding: see hsr.h.  Field positions are from the ARM ARM (ARMv7-A/R,
 * B3.13.6 and the ISS encodings that follow it).
 */
#include <errno.h>

#include "emul.h"

/* ISS layouts of MCR/MRC (EC 0x03, 0x05) and MCRR/MRRC (EC 0x04, 0x0c). */
#define CP32_OPC2_SHIFT 17
#define CP32_OPC1_SHIFT 14
#define CP32_CRN_SHIFT 10
#define CP64_OPC1_SHIFT 16
#define CP64_RT2_SHIFT 10
#define CP_RT_SHIFT 5
#define CP_CRM_SHIFT 1
#define CP_READ 1u

/* HPFAR[31:4] is IPA[39:12]. */
#define HPFAR_FIPA_MASK 0xfffffff0u
#define HPFAR_TO_IPA_SHIFT 8

static const char *const ec_names[HSR_EC_COUNT] = {
	[HSR_EC_UNKNOWN] = "unknown reason",
	[HSR_EC_WFX] = "WFI/WFE",
	[HSR_EC_CP15_32] = "MCR/MRC p15",
	[HSR_EC_CP15_64] = "MCRR/MRRC p15",
	[HSR_EC_CP14_32] = "MCR/MRC p14",
	[HSR_EC_CP14_LS] = "LDC/STC p14",
	[HSR_EC_HCPTR] = "HCPTR coprocessor trap",
	[HSR_EC_CP10_ID] = "VMRS of a VFP ID register",
	[HSR_EC_JAZELLE] = "Jazelle",
	[HSR_EC_BXJ] = "BXJ",
	[HSR_EC_CP14_64] = "MRRC p14",
	[HSR_EC_SVC_HYP] = "SVC in HYP mode",
	[HSR_EC_HVC] = "HVC",
	[HSR_EC_SMC] = "SMC",
	[HSR_EC_IABT_LOWER] = "prefetch abort from a guest",
	[HSR_EC_IABT_HYP] = "prefetch abort in HYP mode",
	[HSR_EC_DABT_LOWER] = "data abort from a guest",
	[HSR_EC_DABT_HYP] = "data abort in HYP mode",
};

static unsigned field(uint32_t v, unsigned shift, unsigned bits)
{
	return (v >> shift) & ((1u << bits) - 1);
}

const char *hsr_ec_name(unsigned ec)
{
	return ec < HSR_EC_COUNT && ec_names[ec] ? ec_names[ec] : "reserved";
}

int hsr_cv_cond(uint32_t hsr)
{
	unsigned ec = hsr_ec(hsr);

	/* Only the classes 0x01..0x0f have CV/COND. */
	if (ec == HSR_EC_UNKNOWN || ec >= 0x10)
		return COND_AL;
	if (!(hsr & HSR_CV))
		return -1;
	return (int)field(hsr, HSR_COND_SHIFT, 4);
}

bool cond_holds(unsigned cond, uint32_t cpsr)
{
	bool n = cpsr & CPSR_N, z = cpsr & CPSR_Z, c = cpsr & CPSR_C, v = cpsr & CPSR_V;
	bool result;

	/* cond[3:1] picks the test, cond[0] inverts it (except for 0b1111). */
	switch ((cond >> 1) & 7) {
	case 0: result = z; break;
	case 1: result = c; break;
	case 2: result = n; break;
	case 3: result = v; break;
	case 4: result = c && !z; break;
	case 5: result = n == v; break;
	case 6: result = n == v && !z; break;
	default: result = true; break;
	}
	if ((cond & 1) && cond != COND_NV)
		result = !result;
	return result;
}

/* ITSTATE, IT[7:0], is split over the CPSR: IT[7:2] in [15:10], IT[1:0] in
 * [26:25]. */
static unsigned cpsr_it(uint32_t cpsr)
{
	return field(cpsr, CPSR_IT_HIGH_SHIFT, 6) << 2 | field(cpsr, CPSR_IT_LOW_SHIFT, 2);
}

static uint32_t cpsr_with_it(uint32_t cpsr, unsigned it)
{
	return (cpsr & ~CPSR_IT_MASK) | (uint32_t)((it >> 2) & 0x3f) << CPSR_IT_HIGH_SHIFT |
	       (uint32_t)(it & 3) << CPSR_IT_LOW_SHIFT;
}

bool hsr_condition_passed(uint32_t hsr, uint32_t cpsr)
{
	int cond = hsr_cv_cond(hsr);

	if (cond < 0) {
		unsigned it = cpsr_it(cpsr);

		/* IT[3:0] == 0: not in an IT block, so unconditional. */
		if (!(it & 0xf))
			return true;
		cond = (int)(it >> 4);
	}
	if (cond >= COND_AL) /* the usual case: no flags to look at */
		return true;
	return cond_holds((unsigned)cond, cpsr);
}

uint32_t cpsr_it_advance(uint32_t cpsr)
{
	unsigned it = cpsr_it(cpsr);

	/* The base condition stays in IT[7:5]; IT[4:0] shifts left, and the
	 * block ends when its last instruction (IT[2:0] == 0) has gone. */
	return cpsr_with_it(cpsr, (it & 7) ? (it & 0xe0) | ((it << 1) & 0x1f) : 0);
}

/* MCR/MRC and MCRR/MRRC share CRm, Rt and the direction; Opc1 is wider
 * in the 64-bit form, which has Rt2 where the 32-bit one has CRn and Opc2. */
int hsr_decode_cp(uint32_t hsr, struct cp_access *out)
{
	unsigned ec = hsr_ec(hsr);
	bool is_64 = ec == HSR_EC_CP15_64 || ec == HSR_EC_CP14_64;

	if (!is_64 && ec != HSR_EC_CP15_32 && ec != HSR_EC_CP14_32)
		return -EINVAL;
	*out = (struct cp_access){
		.cp = ec == HSR_EC_CP14_32 || ec == HSR_EC_CP14_64 ? 14 : 15,
		.is_64 = is_64,
		.read = hsr & CP_READ,
		.opc1 = is_64 ? field(hsr, CP64_OPC1_SHIFT, 4) : field(hsr, CP32_OPC1_SHIFT, 3),
		.crn = is_64 ? 0 : field(hsr, CP32_CRN_SHIFT, 4),
		.crm = field(hsr, CP_CRM_SHIFT, 4),
		.opc2 = is_64 ? 0 : field(hsr, CP32_OPC2_SHIFT, 3),
		.rt = field(hsr, CP_RT_SHIFT, 4),
		.rt2 = is_64 ? field(hsr, CP64_RT2_SHIFT, 4) : 0,
	};
	return 0;
}

uint64_t fault_ipa(uint32_t hpfar, uint32_t hdfar)
{
	return (uint64_t)(hpfar & HPFAR_FIPA_MASK) << HPFAR_TO_IPA_SHIFT |
	       (hdfar & (PAGE_SIZE - 1));
}

