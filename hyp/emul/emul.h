/* SPDX-License-Identifier: MIT */
/*
 * hyp/emul/: what a trapped access is and where it goes, the room's whole
 * interface: the HSR syndrome decoded (data aborts, CP15 accesses) and the
 * table-driven MMIO dispatch that the emulated devices (the vGIC's
 * distributor, the virtual UART, the management window) register with.
 * Plain C with no hardware, tested on the host.  Includes only include/.
 */
#ifndef LOWVISOR_EMUL_H
#define LOWVISOR_EMUL_H

#include <errno.h>

#include "arch/cpsr.h"
#include "types.h"

/*
 * The Hyp Syndrome Register, decoded once.  A trap handler reads HSR (and
 * for aborts HDFAR/HPFAR) a single time; the small accessors below name its
 * fields, and the decode functions turn it into the structures the
 * emulators receive (struct mmio_access, struct cp_access), so no emulator
 * looks at raw syndrome bits.  Plain C, tested on the host.
 *
 * Layout (ARM ARM ARMv7-A/R, B3.13.6 "Use of the HSR"):
 *   [31:26] EC   exception class
 *   [25]    IL   instruction length: 0 for a 16-bit Thumb instruction
 *   [24:0]  ISS  class-specific syndrome; for EC 0x01..0x0f its top bits
 *                are CV [24] and COND [23:20]
 *
 * Lowvisor never decodes guest instructions: whatever the syndrome does not
 * describe becomes an abort or undefined instruction in the guest.
 */

/* Exception classes of an ARMv7 HSR.  The values not named are reserved. */
enum hsr_ec {
	HSR_EC_UNKNOWN = 0x00,    /* includes UNDEFINED instructions routed to HYP */
	HSR_EC_WFX = 0x01,        /* WFI or WFE trapped by HCR.TWI/TWE */
	HSR_EC_CP15_32 = 0x03,    /* MCR/MRC p15 */
	HSR_EC_CP15_64 = 0x04,    /* MCRR/MRRC p15 */
	HSR_EC_CP14_32 = 0x05,    /* MCR/MRC p14 */
	HSR_EC_CP14_LS = 0x06,    /* LDC/STC p14 */
	HSR_EC_HCPTR = 0x07,      /* CP0-CP13 (VFP, NEON) trapped by HCPTR */
	HSR_EC_CP10_ID = 0x08,    /* VMRS of a VFP ID register, HCR.TID0 */
	HSR_EC_JAZELLE = 0x09,    /* Jazelle register access */
	HSR_EC_BXJ = 0x0a,        /* BXJ */
	HSR_EC_CP14_64 = 0x0c,    /* MRRC p14 */
	HSR_EC_SVC_HYP = 0x11,    /* SVC executed in HYP mode */
	HSR_EC_HVC = 0x12,        /* HVC from a guest (or HYP) */
	HSR_EC_SMC = 0x13,        /* SMC trapped by HCR.TSC */
	HSR_EC_IABT_LOWER = 0x20, /* prefetch abort from a guest: a stage-2 fault */
	HSR_EC_IABT_HYP = 0x21,   /* prefetch abort taken in HYP mode */
	HSR_EC_DABT_LOWER = 0x24, /* data abort from a guest: a stage-2 fault */
	HSR_EC_DABT_HYP = 0x25,   /* data abort taken in HYP mode */
};

/* EC is 6 bits: a table indexed by EC has this many entries. */
#define HSR_EC_COUNT 64

#define HSR_EC_SHIFT 26
#define HSR_IL (1u << 25)

/* CV/COND, for the classes 0x01..0x0f (HSR[31:30] == 0). */
#define HSR_CV (1u << 24)
#define HSR_COND_SHIFT 20

/* Data and prefetch aborts (EC 0x20, 0x21, 0x24, 0x25). */
#define HSR_DABT_ISV (1u << 24)
#define HSR_DABT_SAS_SHIFT 22 /* [23:22] access size: 1 << SAS bytes */
#define HSR_DABT_SSE (1u << 21)
#define HSR_DABT_SRT_SHIFT 16 /* [19:16] the transfer register */
#define HSR_DABT_CM (1u << 8)
#define HSR_ABT_S1PTW (1u << 7)
#define HSR_DABT_WNR (1u << 6)
#define HSR_ABT_FSC_MASK 0x3fu

/* Fault status codes, long-descriptor format (HYP and stage 2 use LPAE):
 * the type in [5:2], the lookup level in [1:0]. */
#define FSC_TYPE_MASK 0x3cu
#define FSC_TRANSLATION 0x04u
#define FSC_ACCESS_FLAG 0x08u
#define FSC_PERMISSION 0x0cu
#define FSC_SYNC_EXTERNAL 0x10u

/* CPSR fields the condition check and IT-state handling read. */
#define CPSR_IT_LOW_SHIFT 25  /* IT[1:0] in CPSR[26:25] */
#define CPSR_IT_HIGH_SHIFT 10 /* IT[7:2] in CPSR[15:10] */
#define CPSR_IT_MASK ((3u << CPSR_IT_LOW_SHIFT) | (0x3fu << CPSR_IT_HIGH_SHIFT))

/* Condition codes as in instructions and HSR.COND. */
enum arm_cond {
	COND_EQ, COND_NE, COND_CS, COND_CC, COND_MI, COND_PL, COND_VS, COND_VC,
	COND_HI, COND_LS, COND_GE, COND_LT, COND_GT, COND_LE, COND_AL, COND_NV,
};

static inline unsigned hsr_ec(uint32_t hsr)
{
	return hsr >> HSR_EC_SHIFT;
}

/* The length in bytes of the trapped instruction, which the PC skips. */
static inline unsigned hsr_il(uint32_t hsr)
{
	return (hsr & HSR_IL) ? 4 : 2;
}

/* WFx: the trapped instruction was WFE (else WFI). */
static inline bool hsr_wfx_is_wfe(uint32_t hsr)
{
	return hsr & 1u;
}

/* Aborts: the fault status code (DFSC or IFSC) and its parts. */
static inline unsigned hsr_fsc(uint32_t hsr)
{
	return hsr & HSR_ABT_FSC_MASK;
}

static inline unsigned fsc_type(unsigned fsc)
{
	return fsc & FSC_TYPE_MASK;
}

/*
 * The condition the syndrome reports for the trapped instruction: 0-15 when
 * CV = 1; COND_AL for classes that carry no condition (EC 0x00 and
 * EC >= 0x10: aborts, HVC, SMC are never trapped conditionally); -1 when
 * CV = 0, which happens for Thumb instructions: the condition is then the
 * CPSR's IT state (hsr_condition_passed does that).
 */
int hsr_cv_cond(uint32_t hsr);

/* ConditionHolds() of the ARM ARM for condition cond (0-15) against the
 * CPSR's N, Z, C, V.  COND_NV (0b1111) holds, as AL does. */
bool cond_holds(unsigned cond, uint32_t cpsr);

/*
 * Whether the trapped instruction passes its condition check, so must be
 * emulated; when it fails the caller only skips it (PC += IL, IT state
 * advanced).  The condition comes from HSR.COND, or when CV = 0 from the
 * IT state in cpsr (the guest's SPSR_hyp); outside an IT block, true.
 */
bool hsr_condition_passed(uint32_t hsr, uint32_t cpsr);

/*
 * The guest's CPSR after one instruction of an IT block has executed (or
 * been skipped): ITAdvance() of the ARM ARM.  Unchanged outside an IT block.
 * Whoever moves a guest's PC past a trapped Thumb instruction applies this.
 */
uint32_t cpsr_it_advance(uint32_t cpsr);

/*
 * A trapped coprocessor register access: MCR/MRC (EC 0x03, 0x05) or
 * MCRR/MRRC (EC 0x04, 0x0c).  One structure for both sizes, so a sorted
 * register table can key on {crn, crm, opc1, opc2, is_64}.
 */
struct cp_access {
	unsigned cp;   /* 14 or 15 */
	bool is_64;    /* MCRR/MRRC; crn and opc2 are then 0 */
	bool read;     /* MRC/MRRC: the register is read into rt (and rt2) */
	unsigned opc1; /* 0-7; 0-15 for 64-bit accesses */
	unsigned crn;
	unsigned crm;
	unsigned opc2;
	unsigned rt;  /* 0-14; 15 is APSR_nzcv (MRC only) or the PC */
	unsigned rt2; /* 64-bit accesses: the high word's register */
};

/* Decodes a CP14/CP15 register access.  -EINVAL for any other class. */
int hsr_decode_cp(uint32_t hsr, struct cp_access *out);

/*
 * One data access by a guest to memory it does not own, as every MMIO
 * emulator receives it.  Little-endian guests (CPSR.E = 0).
 */
struct mmio_access { /* bytes: the trap path fills it on its stack */
	bool valid;       /* ISV: the fields below describe the access */
	bool write;       /* WnR */
	uint8_t width;    /* bytes: 1, 2, 4; 8 only from SAS = 3, reserved in ARMv7 */
	bool sign_extend; /* SSE: LDRSB, LDRSH */
	uint8_t rt;       /* SRT: the register loaded or stored */
	uint8_t il;       /* instruction length in bytes: the PC moves by this */
	bool cm;          /* a cache maintenance instruction, not a load/store */
};

/*
 * Decodes a data abort's syndrome.  The fields that are always reported
 * (write, il, cm) are filled whatever the result; the fault status code is
 * hsr_fsc's.
 *   0        a single load or store the emulators can perform;
 *   -EINVAL  not a data abort (EC other than 0x24/0x25);
 *   -EFAULT  S1PTW: the guest's translation tables are not in its RAM;
 *   -ENOSYS  no syndrome (ISV = 0: LDM/STM, LDRD/STRD, writeback forms,
 *            VFP loads, ...), or a load into the PC, which would branch.
 *            Lowvisor has no instruction decoder: the guest gets an abort.
 * A cache maintenance instruction on an emulated region (cm) has nothing to
 * emulate; the caller skips it whatever this returns.  Inline: the trap
 * fast path needs only some of the fields.
 */
static inline int hsr_decode_dabt(uint32_t hsr, struct mmio_access *out)
{
	unsigned ec = hsr_ec(hsr);

	if (ec != HSR_EC_DABT_LOWER && ec != HSR_EC_DABT_HYP)
		return -EINVAL;
	*out = (struct mmio_access){
		.valid = hsr & HSR_DABT_ISV,
		.write = hsr & HSR_DABT_WNR,
		.il = hsr_il(hsr),
		.cm = hsr & HSR_DABT_CM,
	};
	if (out->valid) {
		out->width = 1u << ((hsr >> HSR_DABT_SAS_SHIFT) & 3u);
		out->sign_extend = hsr & HSR_DABT_SSE;
		out->rt = ((hsr >> HSR_DABT_SRT_SHIFT) & 15u);
	}
	if (hsr & HSR_ABT_S1PTW)
		return -EFAULT;
	if (!out->valid || (!out->write && out->rt == 15))
		return -ENOSYS;
	return 0;
}

/*
 * The faulting IPA of a stage-2 abort as HPFAR has it: IPA[39:12] in its
 * bits [31:4] (for translation and access flag faults, and any fault on a
 * stage-1 walk; UNKNOWN after others); the offset in the page comes from
 * the virtual address in HDFAR (or HIFAR).  QEMU 7.2 cuts it to 32 bits:
 * trap.c asks the guest's stage 1 instead (docs/architecture.md, "Which
 * IPA a stage-2 abort is at").
 */
uint64_t fault_ipa(uint32_t hpfar, uint32_t hdfar);

/* PAR's 64-bit format, the one an ATS1C** operation from HYP always
 * returns (the ARM ARM's PAR description): F (bit 0) set if the translation failed, LPAE (bit
 * 11) set, the output address's bits [39:12] in place. */
#define PAR_F 1u
#define PAR_LPAE (1u << 11)
#define PAR_PA_MASK 0xfffffff000ull

/* The IPA of va (its offset in the page kept) as PAR has it after an
 * ATS1CPR from HYP: the guest's own stage-1 translation of va.  False if
 * that failed, or PAR is not in the 64-bit format. */
static inline bool par_ipa(uint64_t par, uint32_t va, uint64_t *ipa)
{
	if ((par & (PAR_F | PAR_LPAE)) != PAR_LPAE)
		return false;
	*ipa = (par & PAR_PA_MASK) | (va & (PAGE_SIZE - 1));
	return true;
}

/* The low width bytes of a 32-bit value; all of it for 4 bytes or more. */
static inline uint32_t mmio_width_mask(unsigned width)
{
	return width >= 4 ? UINT32_MAX : (1u << (width * 8)) - 1;
}

/* The value a load of raw puts in the register: the access's width of raw,
 * sign-extended for LDRSB/LDRSH. */
static inline uint32_t mmio_load_value(const struct mmio_access *a, uint32_t raw)
{
	uint32_t v = raw & mmio_width_mask(a->width);

	if (a->sign_extend && (a->width == 1 || a->width == 2)) {
		uint32_t sign = 1u << (a->width * 8 - 1);

		v = (v ^ sign) - sign;
	}
	return v;
}

/* The bytes a store of register value reg writes: its low width bytes. */
static inline uint32_t mmio_store_value(const struct mmio_access *a, uint32_t reg)
{
	return reg & mmio_width_mask(a->width);
}

/* "data abort (lower EL)" etc., for log lines; "reserved" for reserved ECs. */
const char *hsr_ec_name(unsigned ec);

/*
 * Table-driven MMIO emulation, two levels of tables:
 *
 *  1. a VM's emulated regions (vGIC distributor, virtual UART), sorted by
 *     base: {base, size, ops, dev}, found by a scan (a VM has a few);
 *  2. per device, a static const register table built with the MMIO_REG*
 *     constructors: {offset, length, bits per IRQ, allowed widths, read,
 *     write}, sorted by offset, found through the device's per-word index
 *     (struct mmio_index).
 *
 * mmio_dispatch checks an access once (inside the region, a width the
 * register allows, naturally aligned) and calls one handler; anything it
 * refuses becomes an abort in the guest.  Handlers never see a bad width.
 * Function pointers live only in the static const register tables.
 *
 * (include/mmio.h is something else: the hypervisor's own raw register
 * access.)  Plain C, tested on the host.
 */

/* Allowed access widths of a register, one bit per width: the bit is the
 * width in bytes, so (widths & access width) tests it. */
#define MMIO_W8 1u
#define MMIO_W16 2u
#define MMIO_W32 4u
#define MMIO_W_ANY (MMIO_W8 | MMIO_W16 | MMIO_W32)

/* Interrupt IDs a per-IRQ register covers (GICv2: 0-1019, sized for 1024). */
#define MMIO_IRQ_COUNT 1024

/* What a register handler is called with: the device instance (the
 * region's dev), the accessing vCPU (its index in the VM; the vGIC's
 * registers are banked per vCPU) and the vCPUs the access wants kicked
 * (a mask the handler ORs into, which mmio_dispatch returns). */
struct mmio_ctx {
	void *dev;
	unsigned vcpu;
	uint32_t kick;
};

struct mmio_reg {
	uint32_t offset;      /* from the region base */
	uint32_t length;      /* bytes */
	uint8_t bits_per_irq; /* 0, or the field size of a per-IRQ register */
	uint8_t widths;       /* MMIO_W* */
	/* offset is from the region base, width is 1, 2 or 4 and allowed,
	 * the access is aligned and inside this register.  A read returns
	 * the width's bytes (higher bits are dropped); a write gets them
	 * zero-extended. */
	uint32_t (*read)(struct mmio_ctx *c, const struct mmio_reg *reg, uint32_t offset,
			 unsigned width);
	void (*write)(struct mmio_ctx *c, const struct mmio_reg *reg, uint32_t offset, unsigned width,
		      uint32_t val);
};

/* A register of len bytes. */
#define MMIO_REG(off, len, w, rd, wr)                                                 \
	{                                                                             \
		.offset = (off), .length = (len), .bits_per_irq = 0, .widths = (w),   \
		.read = (rd), .write = (wr),                                          \
	}

/* A register with bpi bits for each of MMIO_IRQ_COUNT interrupts, such as
 * GICD_ISENABLERn (1), GICD_ICFGRn (2), GICD_IPRIORITYRn (8). */
#define MMIO_REG_PER_IRQ(off, bpi, w, rd, wr)                                         \
	{                                                                             \
		.offset = (off), .length = (bpi) * MMIO_IRQ_COUNT / 8,                \
		.bits_per_irq = (bpi), .widths = (w), .read = (rd), .write = (wr),    \
	}

/* Read-only: writes ignored, as the GIC's read-only registers do. */
#define MMIO_REG_RO(off, len, w, rd) MMIO_REG(off, len, w, rd, mmio_write_wi)

/* Reserved or unimplemented: reads as zero, writes ignored. */
#define MMIO_REG_RAZ_WI(off, len, w) MMIO_REG(off, len, w, mmio_read_raz, mmio_write_wi)

/* The shared handlers of MMIO_REG_RO and MMIO_REG_RAZ_WI. */
uint32_t mmio_read_raz(struct mmio_ctx *c, const struct mmio_reg *reg, uint32_t offset,
		       unsigned width);
void mmio_write_wi(struct mmio_ctx *c, const struct mmio_reg *reg, uint32_t offset, unsigned width,
		   uint32_t val);

/* A per-IRQ register: the first interrupt ID the access at offset covers. */
static inline unsigned mmio_reg_irq(const struct mmio_reg *reg, uint32_t offset)
{
	return (offset - reg->offset) * 8 / reg->bits_per_irq;
}

/* A device's registers by word, made once when its first region is added:
 * dispatch then finds a register with one load.  Every device has one, so
 * its table is of whole words (offsets and lengths multiples of 4) in the
 * first MMIO_INDEX_WORDS words, at most 255 registers. */
#define MMIO_INDEX_WORDS 1024
struct mmio_index {
	bool built;
	uint8_t slot[MMIO_INDEX_WORDS]; /* 1 + the register's place, 0 a hole */
};

/* What a device is: its register table and what its holes do. */
struct mmio_ops {
	const char *name;            /* for log lines */
	const struct mmio_reg *regs; /* sorted by offset, disjoint */
	size_t reg_count;
	/* Offsets no register covers read as zero and ignore writes (the
	 * GIC's reserved space); otherwise the access is refused. */
	bool holes_raz_wi;
	struct mmio_index *index; /* the device's own */
};

/* .regs and .reg_count of a struct mmio_ops from a register array. */
#define MMIO_OPS_REGS(table) .regs = (table), .reg_count = ARRAY_SIZE(table)

struct mmio_region {
	uint64_t base; /* IPA */
	uint64_t size;
	const struct mmio_ops *ops;
	void *dev; /* the device instance, handed to its handlers */
};

#define MMIO_REGIONS_MAX 8

/* One VM's emulated regions. */
struct mmio_regions {
	unsigned count;
	struct mmio_region r[MMIO_REGIONS_MAX]; /* sorted by base, disjoint */
};

void mmio_regions_init(struct mmio_regions *rs);

/*
 * Adds the region [base, base + size) emulated by ops, building ops's index
 * if it is the first.  Adjacent regions are fine.  -EINVAL for an empty
 * region, one larger than 4 GiB (register offsets are 32-bit), one that
 * wraps past the top of the address space, no ops or a register table the
 * index cannot hold (struct mmio_index); -EBUSY if it overlaps a region
 * already there; -ENOSPC if the VM has MMIO_REGIONS_MAX.  On error no
 * region changes.
 */
int mmio_region_add(struct mmio_regions *rs, uint64_t base, uint64_t size,
		    const struct mmio_ops *ops, void *dev);

/* The region holding ipa, or NULL. */
const struct mmio_region *mmio_region_find(const struct mmio_regions *rs, uint64_t ipa);

/*
 * Performs access a by vCPU vcpu at ipa inside region r: for a write, *val
 * is the stored register value (only its low a->width bytes are written);
 * for a read, *val receives the a->width bytes read, zero-extended
 * (mmio_load_value makes the register value).  The handlers get r->dev and
 * vcpu (struct mmio_ctx).  Returns the mask of vCPUs the handlers asked to
 * kick (>= 0), or an error, which means the guest gets an abort:
 *   -EINVAL  no syndrome (!a->valid), a width other than 1, 2, 4, an
 *            unaligned access, or a width the register does not allow;
 *   -ERANGE  the access is not wholly inside the region, or straddles the
 *            end of a register;
 *   -ENOENT  a hole in a device without holes_raz_wi.
 */
int mmio_dispatch(const struct mmio_region *r, unsigned vcpu, const struct mmio_access *a,
		  uint64_t ipa, uint32_t *val);

#endif
