// SPDX-License-Identifier: MIT
/*
 * The VGIC (vgic/): what a guest observes of its GICv2.  Through the
 * distributor: the bytes and words its register accesses read back, or the
 * abort a refused access gets.  Through the virtual CPU interface: which
 * interrupt an acknowledge returns (ID and, for SGIs, the source CPU), in
 * what order, and what comes back after an EOI.
 *
 * The hardware layer is a fake GICH with 4 list registers (or what a test
 * sets, up to 64), computing ELRSR, EISR and MISR from them as the GIC
 * does, and a fake guest CPU interface working on those list registers
 * (acknowledge: the
 * highest-priority pending one becomes active; EOI: it becomes inactive,
 * deactivating the physical interrupt of a HW one).  The lock fake checks
 * that the VGIC never nests it, never leaves it held, and touches the list
 * registers only with it held.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mmio_check.h"
#include "unit.h"
#include "vgic-hw.h"
#include "vgic-mmio.h"
#include "vgic.h"

/* ---- The fake hardware -------------------------------------------------- */

#define FAKE_LRS 4 /* as QEMU's and the GIC-400's */
#define SPURIOUS 1023u

static unsigned fake_lrs = FAKE_LRS; /* what GICH_VTR says: 1 to 64 */

static struct {
	uint32_t hcr, vmcr, apr;
	uint32_t lr[64];
	unsigned deactivated[16]; /* vgic_hw_phys_deactivate() calls */
	unsigned deactivated_count;
	int lock_depth;
	unsigned lock_calls;
	struct spinlock *lock; /* the last one taken */
} hw;

static uint32_t lr_state(unsigned i)
{
	return hw.lr[i] & GICH_LR_STATE;
}

/* ELRSR0/1 (list registers first to first + 31): no interrupt, and none
 * waiting for an EOI maintenance interrupt. */
static uint32_t fake_elrsr(unsigned first)
{
	uint32_t v = 0;
	unsigned i;

	for (i = first; i < fake_lrs && i < first + 32; i++)
		if (!lr_state(i) && ((hw.lr[i] & GICH_LR_HW) || !(hw.lr[i] & GICH_LR_EOI)))
			v |= 1u << (i - first);
	return v;
}

static uint32_t fake_eisr(unsigned first)
{
	uint32_t v = 0;
	unsigned i;

	for (i = first; i < fake_lrs && i < first + 32; i++)
		if (!lr_state(i) && !(hw.lr[i] & GICH_LR_HW) && (hw.lr[i] & GICH_LR_EOI))
			v |= 1u << (i - first);
	return v;
}

static unsigned valid_lrs(void)
{
	unsigned i, n = 0;

	for (i = 0; i < fake_lrs; i++)
		n += lr_state(i) != 0;
	return n;
}

static uint32_t fake_misr(void)
{
	uint32_t v = fake_eisr(0) | fake_eisr(32) ? GICH_MISR_EOI : 0;

	if ((hw.hcr & GICH_HCR_UIE) && valid_lrs() <= 1)
		v |= GICH_MISR_U;
	return v;
}

static bool is_lr(unsigned off)
{
	return off >= GICH_LR0 && off < GICH_LR(fake_lrs);
}

uint32_t gich_read(unsigned off)
{
	if (is_lr(off)) {
		assert_int_equal(hw.lock_depth, 1);
		return hw.lr[(off - GICH_LR0) / 4];
	}
	switch (off) {
	case GICH_HCR: return hw.hcr;
	case GICH_VTR: return (4u << 29) | (fake_lrs - 1); /* 5 priority bits */
	case GICH_VMCR: return hw.vmcr;
	case GICH_MISR: return fake_misr();
	case GICH_EISR0: return fake_eisr(0);
	case GICH_ELRSR0: return fake_elrsr(0);
	case GICH_EISR1: return fake_eisr(32);
	case GICH_ELRSR1: return fake_elrsr(32);
	case GICH_APR: return hw.apr;
	default: fail_msg("gich_read(0x%x)", off);
	}
	return 0;
}

void gich_write(unsigned off, uint32_t v)
{
	if (is_lr(off)) {
		assert_int_equal(hw.lock_depth, 1);
		hw.lr[(off - GICH_LR0) / 4] = v;
		return;
	}
	switch (off) {
	case GICH_HCR: hw.hcr = v; break;
	case GICH_VMCR: hw.vmcr = v; break;
	case GICH_APR: hw.apr = v; break;
	default: fail_msg("gich_write(0x%x, 0x%x)", off, v);
	}
}

uint32_t vgic_hw_lock(struct spinlock *l)
{
	assert_int_equal(hw.lock_depth, 0);
	hw.lock_depth++;
	hw.lock_calls++;
	hw.lock = l;
	return 0x80; /* as irq_save() would */
}

void vgic_hw_unlock(struct spinlock *l, uint32_t flags)
{
	(void)l;
	assert_int_equal(flags, 0x80);
	assert_int_equal(hw.lock_depth, 1);
	hw.lock_depth--;
}

void vgic_hw_phys_deactivate(unsigned phys_irq)
{
	assert_true(hw.deactivated_count < ARRAY_SIZE(hw.deactivated));
	hw.deactivated[hw.deactivated_count++] = phys_irq;
}

/* ---- The fake guest CPU interface (GICV) -------------------------------- */

/* The list register holding interrupt intid (for an SGI, from source src;
 * any source if src < 0), or -1. */
static int lr_find_src(unsigned intid, int src)
{
	unsigned i;

	for (i = 0; i < fake_lrs; i++) {
		uint32_t lr = hw.lr[i];

		if (!lr_state(i) || (lr & GICH_LR_VIRTUALID_MASK) != intid)
			continue;
		if (src < 0 || (lr & GICH_LR_CPUID_MASK) >> GICH_LR_CPUID_SHIFT == (unsigned)src)
			return (int)i;
	}
	return -1;
}

static int lr_find(unsigned intid)
{
	return lr_find_src(intid, -1);
}

static unsigned lr_priority(uint32_t lr)
{
	return (lr >> GICH_LR_PRIORITY_SHIFT) & 0x1f;
}

/* GICV_IAR: the highest-priority pending list register (the lowest list
 * register among equals) becomes active; its ID, with the source CPU of an
 * SGI in bits [12:10].  1023 if none is pending. */
static uint32_t guest_ack(void)
{
	int best = -1;
	unsigned i;
	uint32_t lr;

	for (i = 0; i < fake_lrs; i++)
		if (lr_state(i) == GICH_LR_PENDING &&
		    (best < 0 || lr_priority(hw.lr[i]) < lr_priority(hw.lr[best])))
			best = (int)i;
	if (best < 0)
		return SPURIOUS;
	lr = hw.lr[best];
	hw.lr[best] = (lr & ~GICH_LR_STATE) | GICH_LR_ACTIVE;
	if (lr & GICH_LR_HW)
		return lr & GICH_LR_VIRTUALID_MASK;
	return lr & (GICH_LR_VIRTUALID_MASK | GICH_LR_CPUID_MASK);
}

/* GICV_EOIR (EOImode 0): deactivates the active interrupt iar names. */
static void guest_eoi(uint32_t iar)
{
	unsigned id = iar & GICH_LR_VIRTUALID_MASK;
	int i = id < 16 ? lr_find_src(id, (int)(iar >> GICH_LR_CPUID_SHIFT)) : lr_find(id);

	assert_true(i >= 0);
	assert_true(hw.lr[i] & GICH_LR_ACTIVE);
	hw.lr[i] &= ~GICH_LR_ACTIVE;
	if (hw.lr[i] & GICH_LR_HW)
		vgic_hw_phys_deactivate((hw.lr[i] >> GICH_LR_PHYSID_SHIFT) & 0x3ff);
}

/* ---- Driving the VGIC --------------------------------------------------- */

static struct vgic *vg;
/* GICH_VMCR as the guest programs it through GICV_CTLR and GICV_PMR. */
static uint32_t guest_vmcr;

static int teardown(void **state)
{
	(void)state;
	free(vg);
	vg = NULL;
	fake_lrs = FAKE_LRS; /* also after a test that failed with another */
	return 0;
}

static struct vgic *new_vgic(unsigned vcpus, unsigned spis)
{
	free(vg);
	memset(&hw, 0, sizeof(hw));
	vg = calloc(1, vgic_size(vcpus, spis));
	assert_non_null(vg);
	assert_int_equal(vgic_init(vg, vcpus, spis), 0);
	/* GICV_CTLR: group 0 on; GICV_PMR 0xf8: all but the lowest priority
	 * pass. */
	guest_vmcr = GICH_VMCR_GRP0_EN | 0x1fu << GICH_VMCR_PRIMASK_SHIFT;
	return vg;
}

static int dist_access(unsigned vcpu, bool write, uint32_t off, unsigned width, uint32_t *val)
{
	struct mmio_access a = { .valid = true, .write = write, .width = width, .il = 4 };
	const struct mmio_region r = { .size = VGIC_DIST_REGION_MAX, .ops = &vgic_dist_ops, .dev = vg };
	int ret = mmio_dispatch(&r, vcpu, &a, off, val);

	assert_int_equal(hw.lock_depth, 0);
	return ret;
}

static uint32_t rd(unsigned vcpu, uint32_t off, unsigned width)
{
	uint32_t val = 0xdeadbeef;

	assert_int_equal(dist_access(vcpu, false, off, width, &val), 0);
	return val;
}

/* A write; returns the kick mask. */
static uint32_t wr(unsigned vcpu, uint32_t off, unsigned width, uint32_t val)
{
	int ret = dist_access(vcpu, true, off, width, &val);

	assert_true(ret >= 0);
	return (uint32_t)ret;
}

static uint32_t rd32(unsigned vcpu, uint32_t off)
{
	return rd(vcpu, off, 4);
}

static uint32_t wr32(unsigned vcpu, uint32_t off, uint32_t val)
{
	return wr(vcpu, off, 4, val);
}

static uint32_t inject(unsigned vcpu, unsigned irq, bool level)
{
	int ret = vgic_inject(vg, vcpu, irq, level);

	assert_int_equal(hw.lock_depth, 0);
	assert_true(ret >= 0);
	return (uint32_t)ret;
}

/* vCPU vcpu is loaded on the fake CPU, its guest programs its virtual CPU
 * interface, and it enters the guest. */
static void enter(unsigned vcpu)
{
	vgic_restore(vg, vcpu);
	hw.vmcr = guest_vmcr;
	vgic_flush(vg, vcpu);
	assert_int_equal(hw.lock_depth, 0);
}

/* ... and exits; returns the kick mask of the sync. */
static uint32_t leave(unsigned vcpu)
{
	uint32_t kick = vgic_sync(vg, vcpu);

	vgic_save(vg, vcpu);
	assert_int_equal(hw.lock_depth, 0);
	for (unsigned i = 0; i < fake_lrs; i++)
		assert_int_equal(hw.lr[i], 0);
	assert_int_equal(hw.hcr, 0);
	return kick;
}

/* vCPU vcpu runs once: what the guest acknowledges first (1023 if
 * nothing), EOIed at once. */
static uint32_t take_one(unsigned vcpu)
{
	uint32_t iar;

	enter(vcpu);
	iar = guest_ack();
	if (iar != SPURIOUS)
		guest_eoi(iar);
	vgic_maintenance(vg, vcpu);
	leave(vcpu);
	return iar;
}

#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_IIDR 0x008
#define GICD_IGROUPR 0x080
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_ISPENDR 0x200
#define GICD_ICPENDR 0x280
#define GICD_ISACTIVER 0x300
#define GICD_ICACTIVER 0x380
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_ICFGR 0xc00
#define GICD_SGIR 0xf00
#define GICD_CPENDSGIR 0xf10
#define GICD_SPENDSGIR 0xf20

static uint32_t bit_reg(uint32_t base, unsigned irq)
{
	return base + irq / 32 * 4;
}

static void dist_on(void)
{
	wr32(0, GICD_CTLR, 1);
}

static uint32_t enable(unsigned vcpu, unsigned irq)
{
	return wr32(vcpu, bit_reg(GICD_ISENABLER, irq), 1u << (irq % 32));
}

static bool is_pending(unsigned vcpu, unsigned irq)
{
	return rd32(vcpu, bit_reg(GICD_ISPENDR, irq)) & (1u << (irq % 32));
}

static bool is_active(unsigned vcpu, unsigned irq)
{
	return rd32(vcpu, bit_reg(GICD_ISACTIVER, irq)) & (1u << (irq % 32));
}

static void set_priority(unsigned irq, uint8_t prio)
{
	wr(0, GICD_IPRIORITYR + irq, 1, prio);
}

static void set_target(unsigned irq, uint8_t targets)
{
	wr(0, GICD_ITARGETSR + irq, 1, targets);
}

static void set_edge(unsigned irq)
{
	uint32_t off = GICD_ICFGR + irq / 16 * 4;

	wr32(0, off, rd32(0, off) | 2u << (irq % 16 * 2));
}

/* An enabled SPI targeting vCPU 0 with the distributor on. */
static void spi_ready(unsigned irq, uint8_t prio)
{
	dist_on();
	set_priority(irq, prio);
	set_target(irq, 1);
	enable(0, irq);
}

/* ---- The register file -------------------------------------------------- */

static void test_table_valid(void **state)
{
	size_t bad = 0;
	uint32_t off = 0;

	(void)state;
	if (!mmio_regs_valid(vgic_dist_ops.regs, vgic_dist_ops.reg_count, &bad))
		fail_msg("entry %zu of the GICv2 distributor table", bad);
	/* Dispatch looks registers up in the index: the same ones. */
	if (!mmio_index_agrees(&vgic_dist_ops, &off))
		fail_msg("the distributor's index differs from its table at 0x%x", off);
}

static void test_typer(void **state)
{
	static const struct {
		unsigned vcpus, spis;
		uint32_t typer;
	} cases[] = {
		{ 1, 0, 0x00 },   { 2, 64, 0x22 }, { 3, 40, 0x42 },
		{ 4, 32, 0x61 },  { 8, 988, 0xff }, { 1, 1, 0x01 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		new_vgic(cases[i].vcpus, cases[i].spis);
		assert_int_equal(rd32(0, GICD_TYPER), cases[i].typer);
		wr32(0, GICD_TYPER, 0xffffffff); /* read-only */
		assert_int_equal(rd32(0, GICD_TYPER), cases[i].typer);
	}
}

static void test_ctlr_iidr_and_id_registers(void **state)
{
	static const uint8_t id[12] = { 0x04, 0,    0,    0, 0x90, 0xb4,
					0x2b, 0, 0x0d, 0xf0, 0x05, 0xb1 };
	unsigned i;

	(void)state;
	new_vgic(2, 32);
	assert_int_equal(rd32(0, GICD_CTLR), 0);
	assert_int_equal(wr32(1, GICD_CTLR, 0xffffffff), 3); /* both vCPUs kicked */
	assert_int_equal(rd32(0, GICD_CTLR), 1);
	assert_int_equal(wr32(1, GICD_CTLR, 1), 0); /* no change, no kick */
	wr32(0, GICD_CTLR, 0);
	assert_int_equal(rd32(1, GICD_CTLR), 0);
	assert_int_equal(rd32(0, GICD_IIDR), 0x0200043b);
	for (i = 0; i < 12; i++)
		assert_int_equal(rd32(0, 0xfd0 + 4 * i), id[i]);
	assert_int_equal(rd32(0, 0xfe8), 0x2b); /* ICPIDR2: GICv2 */
}

static void test_igroupr_raz_wi(void **state)
{
	(void)state;
	new_vgic(1, 32);
	wr32(0, GICD_IGROUPR, 0xffffffff);
	wr32(0, GICD_IGROUPR + 4, 0xffffffff);
	assert_int_equal(rd32(0, GICD_IGROUPR), 0);
	assert_int_equal(rd32(0, GICD_IGROUPR + 4), 0);
}

static void test_enable_set_and_clear(void **state)
{
	(void)state;
	new_vgic(2, 64);
	/* SGIs come out of reset enabled, PPIs and SPIs disabled. */
	assert_int_equal(rd32(0, GICD_ISENABLER), 0x0000ffff);
	assert_int_equal(rd32(0, GICD_ISENABLER + 4), 0);
	wr32(0, GICD_ISENABLER + 4, 0x80000005);
	assert_int_equal(rd32(0, GICD_ISENABLER + 4), 0x80000005);
	assert_int_equal(rd32(0, GICD_ICENABLER + 4), 0x80000005);
	wr32(0, GICD_ICENABLER + 4, 0x00000001); /* clears only bit 0 */
	assert_int_equal(rd32(0, GICD_ISENABLER + 4), 0x80000004);
	wr32(0, GICD_ISENABLER + 4, 0); /* zeros do nothing */
	wr32(0, GICD_ICENABLER + 4, 0);
	assert_int_equal(rd32(1, GICD_ISENABLER + 4), 0x80000004);
	/* SGIs can be disabled and enabled again. */
	wr32(0, GICD_ICENABLER, 0x0000ff00);
	assert_int_equal(rd32(0, GICD_ISENABLER), 0x000000ff);
}

static void test_enable_banked_per_vcpu(void **state)
{
	(void)state;
	new_vgic(2, 32);
	wr32(0, GICD_ISENABLER, 1u << 27);
	wr32(1, GICD_ICENABLER, 0x0000000f);
	assert_int_equal(rd32(0, GICD_ISENABLER), 0x0800ffff);
	assert_int_equal(rd32(1, GICD_ISENABLER), 0x0000fff0);
}

static void test_bit_registers_are_word_only(void **state)
{
	static const uint32_t regs[] = { GICD_CTLR,	 GICD_TYPER,	 GICD_IGROUPR,
					 GICD_ISENABLER, GICD_ICENABLER, GICD_ISPENDR,
					 GICD_ICPENDR,	 GICD_ISACTIVER, GICD_ICACTIVER,
					 GICD_ICFGR,	 GICD_SGIR,	 0xfe8 };
	uint32_t val = 1;
	size_t i;

	(void)state;
	new_vgic(1, 32);
	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		assert_int_equal(dist_access(0, false, regs[i], 1, &val), -EINVAL);
		assert_int_equal(dist_access(0, true, regs[i], 1, &val), -EINVAL);
		assert_int_equal(dist_access(0, false, regs[i], 2, &val), -EINVAL);
	}
	/* Byte-accessible registers still refuse halfwords (the GIC has none)
	 * and unaligned words. */
	assert_int_equal(dist_access(0, false, GICD_IPRIORITYR, 2, &val), -EINVAL);
	assert_int_equal(dist_access(0, true, GICD_ITARGETSR + 32, 2, &val), -EINVAL);
	assert_int_equal(dist_access(0, false, GICD_SPENDSGIR, 2, &val), -EINVAL);
	assert_int_equal(dist_access(0, false, GICD_IPRIORITYR + 1, 4, &val), -EINVAL);
}

static void test_pending_set_and_clear(void **state)
{
	(void)state;
	new_vgic(2, 64);
	wr32(0, GICD_ISPENDR + 4, 0x00000006);
	assert_int_equal(rd32(0, GICD_ISPENDR + 4), 0x00000006);
	assert_int_equal(rd32(1, GICD_ICPENDR + 4), 0x00000006);
	wr32(1, GICD_ICPENDR + 4, 0x00000002);
	assert_int_equal(rd32(0, GICD_ISPENDR + 4), 0x00000004);
	/* PPIs are banked. */
	wr32(1, GICD_ISPENDR, 1u << 20);
	assert_int_equal(rd32(1, GICD_ISPENDR), 1u << 20);
	assert_int_equal(rd32(0, GICD_ISPENDR), 0);
	/* The SGI bits ignore writes; an SGI sent by GICD_SGIR reads pending. */
	wr32(0, GICD_ISPENDR, 0x0000ffff);
	assert_int_equal(rd32(0, GICD_ISPENDR), 0);
	wr32(1, GICD_SGIR, 1u << 16 | 5);
	assert_int_equal(rd32(0, GICD_ISPENDR), 1u << 5);
	wr32(0, GICD_ICPENDR, 1u << 5);
	assert_int_equal(rd32(0, GICD_ISPENDR), 1u << 5);
}

static void test_active_set_and_clear(void **state)
{
	(void)state;
	new_vgic(2, 64);
	wr32(0, GICD_ISACTIVER + 4, 0x00000201); /* SPIs 32 and 41 */
	wr32(1, GICD_ISACTIVER, 1u << 27);       /* vCPU 1's PPI 27 */
	wr32(1, GICD_ISACTIVER, 1u << 3);        /* vCPU 1's SGI 3 */
	assert_int_equal(rd32(1, GICD_ISACTIVER + 4), 0x00000201);
	assert_int_equal(rd32(0, GICD_ICACTIVER + 4), 0x00000201);
	assert_int_equal(rd32(1, GICD_ICACTIVER), 1u << 27 | 1u << 3);
	assert_int_equal(rd32(0, GICD_ISACTIVER), 0);
	wr32(1, GICD_ICACTIVER + 4, 0x00000001);
	wr32(1, GICD_ICACTIVER, 1u << 27);
	assert_int_equal(rd32(0, GICD_ISACTIVER + 4), 0x00000200);
	assert_int_equal(rd32(1, GICD_ISACTIVER), 1u << 3);
}

/* An interrupt set active by the distributor is presented active, so the
 * guest can EOI it, and the EOI is seen in GICD_ISACTIVER. */
static void test_active_round_trip_through_the_guest(void **state)
{
	uint32_t iar;
	int i;

	(void)state;
	new_vgic(1, 32);
	spi_ready(40, 0x80);
	wr32(0, GICD_ISACTIVER + 4, 1u << 8);
	enter(0);
	i = lr_find(40);
	assert_true(i >= 0);
	assert_int_equal(lr_state((unsigned)i), GICH_LR_ACTIVE);
	guest_eoi(40);
	leave(0);
	assert_false(is_active(0, 40));
	/* And the other way: acknowledged by the guest, seen active; then
	 * cleared by GICD_ICACTIVER before the EOI. */
	wr32(0, GICD_ISPENDR + 4, 1u << 8);
	enter(0);
	iar = guest_ack();
	assert_int_equal(iar, 40);
	leave(0);
	assert_true(is_active(0, 40));
	assert_false(is_pending(0, 40));
	wr32(0, GICD_ICACTIVER + 4, 1u << 8);
	enter(0);
	assert_int_equal(lr_find(40), -1);
	leave(0);
	assert_false(is_active(0, 40));
}

static void test_priority_bytes_and_words(void **state)
{
	(void)state;
	new_vgic(2, 32);
	wr(0, GICD_IPRIORITYR + 33, 1, 0xa0);
	assert_int_equal(rd32(0, GICD_IPRIORITYR + 32), 0x0000a000);
	assert_int_equal(rd(1, GICD_IPRIORITYR + 33, 1), 0xa0);
	wr32(1, GICD_IPRIORITYR + 36, 0x10203040);
	assert_int_equal(rd(0, GICD_IPRIORITYR + 38, 1), 0x20);
	assert_int_equal(rd32(0, GICD_IPRIORITYR + 36), 0x10203040);
	/* Five bits of priority, as GICH_LR and GICV_PMR keep. */
	wr(0, GICD_IPRIORITYR + 34, 1, 0xff);
	assert_int_equal(rd(0, GICD_IPRIORITYR + 34, 1), 0xf8);
	wr32(0, GICD_IPRIORITYR + 40, 0x07070707);
	assert_int_equal(rd32(0, GICD_IPRIORITYR + 40), 0);
	/* SGIs and PPIs are banked. */
	wr(0, GICD_IPRIORITYR + 27, 1, 0x88);
	wr(1, GICD_IPRIORITYR + 3, 1, 0x18);
	assert_int_equal(rd32(0, GICD_IPRIORITYR + 24), 0x88000000);
	assert_int_equal(rd32(1, GICD_IPRIORITYR + 24), 0);
	assert_int_equal(rd32(1, GICD_IPRIORITYR), 0x18000000);
	assert_int_equal(rd32(0, GICD_IPRIORITYR), 0);
}

static void test_targets(void **state)
{
	unsigned v, i;

	(void)state;
	new_vgic(3, 32);
	/* SGIs and PPIs: read-only, each vCPU reads its own bit. */
	for (v = 0; v < 3; v++) {
		uint32_t own = 0x01010101u << v;

		for (i = 0; i < 32; i += 4)
			assert_int_equal(rd32(v, GICD_ITARGETSR + i), own);
		wr32(v, GICD_ITARGETSR + 24, 0xffffffff);
		wr(v, GICD_ITARGETSR + 27, 1, 0);
		assert_int_equal(rd32(v, GICD_ITARGETSR + 24), own);
		assert_int_equal(rd(v, GICD_ITARGETSR + 5, 1), 1u << v);
	}
	/* SPIs: reset to none; bytes and words; only the VM's vCPUs. */
	assert_int_equal(rd32(0, GICD_ITARGETSR + 32), 0);
	wr(0, GICD_ITARGETSR + 33, 1, 0x02);
	wr(1, GICD_ITARGETSR + 34, 1, 0xff);
	assert_int_equal(rd32(2, GICD_ITARGETSR + 32), 0x00070200);
	wr32(0, GICD_ITARGETSR + 36, 0x01020304);
	assert_int_equal(rd(0, GICD_ITARGETSR + 36, 1), 0x04);
	assert_int_equal(rd(0, GICD_ITARGETSR + 39, 1), 0x01);
	assert_int_equal(rd32(1, GICD_ITARGETSR + 36), 0x01020304);
}

static void test_icfgr(void **state)
{
	(void)state;
	new_vgic(2, 64);
	/* SGIs: edge, read-only. */
	assert_int_equal(rd32(0, GICD_ICFGR), 0xaaaaaaaa);
	wr32(0, GICD_ICFGR, 0);
	assert_int_equal(rd32(1, GICD_ICFGR), 0xaaaaaaaa);
	/* PPIs: level, read-only here (IMPLEMENTATION DEFINED). */
	assert_int_equal(rd32(0, GICD_ICFGR + 4), 0);
	wr32(0, GICD_ICFGR + 4, 0xaaaaaaaa);
	assert_int_equal(rd32(0, GICD_ICFGR + 4), 0);
	/* SPIs: level at reset, writable; bit 0 of each field is reserved. */
	assert_int_equal(rd32(0, GICD_ICFGR + 8), 0);
	wr32(0, GICD_ICFGR + 8, 0x0000000b); /* SPI 32: 0b11, SPI 33: 0b10 */
	assert_int_equal(rd32(1, GICD_ICFGR + 8), 0x0000000a);
	wr32(0, GICD_ICFGR + 8, 0x00000008);
	assert_int_equal(rd32(0, GICD_ICFGR + 8), 0x00000008);
	wr32(0, GICD_ICFGR + 12, 0xffffffff);
	assert_int_equal(rd32(0, GICD_ICFGR + 12), 0xaaaaaaaa);
}

static void test_spis_beyond_the_vm_raz_wi(void **state)
{
	(void)state;
	new_vgic(2, 40); /* IDs 32-71 */
	assert_int_equal(rd32(0, GICD_TYPER) & 0x1f, 2); /* 96 lines... */
	wr32(0, GICD_ISENABLER + 8, 0xffffffff);    /* ...but only 64-71 exist */
	assert_int_equal(rd32(0, GICD_ISENABLER + 8), 0x000000ff);
	wr32(0, GICD_ISPENDR + 8, 0xffffffff);
	assert_int_equal(rd32(0, GICD_ISPENDR + 8), 0x000000ff);
	wr32(0, GICD_ISACTIVER + 8, 0xffff0000);
	assert_int_equal(rd32(0, GICD_ISACTIVER + 8), 0);
	wr(0, GICD_IPRIORITYR + 72, 1, 0x80);
	assert_int_equal(rd(0, GICD_IPRIORITYR + 72, 1), 0);
	wr32(0, GICD_IPRIORITYR + 68, 0x80808080);
	assert_int_equal(rd32(0, GICD_IPRIORITYR + 68), 0x80808080);
	wr32(0, GICD_IPRIORITYR + 72, 0x80808080);
	assert_int_equal(rd32(0, GICD_IPRIORITYR + 72), 0);
	wr(0, GICD_ITARGETSR + 100, 1, 1);
	assert_int_equal(rd(0, GICD_ITARGETSR + 100, 1), 0);
	wr32(0, GICD_ICFGR + 16, 0xffffffff); /* IDs 64-79 */
	assert_int_equal(rd32(0, GICD_ICFGR + 16), 0x0000aaaa);
	/* The far end: IDs 1020-1023 and the last register words. */
	assert_int_equal(rd32(0, GICD_ISENABLER + 0x7c), 0);
	assert_int_equal(rd32(0, GICD_IPRIORITYR + 0x3fc), 0);
	inject(0, 71, true); /* the last SPI is there */
	assert_int_equal(vgic_inject(vg, 0, 72, true), -EINVAL);
}

static void test_reserved_space_and_region(void **state)
{
	struct mmio_regions rs;
	struct mmio_access a = { .valid = true, .width = 4 };
	uint32_t val = 7;

	(void)state;
	new_vgic(1, 32);
	/* Reserved and IMPLEMENTATION DEFINED space: RAZ/WI. */
	assert_int_equal(rd32(0, 0x00c), 0);
	assert_int_equal(rd32(0, 0xd00), 0);
	assert_int_equal(rd32(0, 0xe00), 0);
	assert_int_equal(rd32(0, 0xf04), 0);
	assert_int_equal(rd32(0, 0xf30), 0);
	assert_int_equal(rd32(0, 0x1000), 0);
	assert_int_equal(rd32(0, 0xfffc), 0);
	wr32(0, 0xd00, 0xffffffff);
	/* GICD_SGIR is write-only. */
	assert_int_equal(rd32(0, GICD_SGIR), 0);
	/* Past 64 KiB: refused. */
	assert_int_equal(dist_access(0, false, 0x10000, 4, &val), -ERANGE);
	/* Through a VM's region list, as the trap path goes: the handlers get
	 * the accessing vCPU (its own bit in the SGIs' GICD_ITARGETSR). */
	mmio_regions_init(&rs);
	assert_int_equal(mmio_region_add(&rs, 0x08000000, 0x10000, &vgic_dist_ops, vg), 0);
	assert_ptr_equal(mmio_region_find(&rs, 0x08000100)->ops, &vgic_dist_ops);
	assert_int_equal(mmio_emulate(&rs, 0, 0x08000004, &a, &val), 0);
	assert_int_equal(val, rd32(0, GICD_TYPER));
	assert_int_equal(mmio_emulate(&rs, 0, 0x08000000 + GICD_ITARGETSR, &a, &val), 0);
	assert_int_equal(val, 0x01010101);
}

/* ---- SGIs --------------------------------------------------------------- */

/* Which vCPUs have SGI sgi pending from vCPU src, by GICD_SPENDSGIR. */
static uint32_t sgi_pending_on(unsigned vcpus, unsigned sgi, unsigned src)
{
	uint32_t mask = 0;
	unsigned v;

	for (v = 0; v < vcpus; v++)
		if (rd(v, GICD_SPENDSGIR + sgi, 1) & (1u << src))
			mask |= 1u << v;
	return mask;
}

static void test_sgir_target_list_filters(void **state)
{
	(void)state;
	new_vgic(4, 32);
	dist_on();
	/* 0: the target list (kicks are the targets). */
	assert_int_equal(wr32(1, GICD_SGIR, 0x00 << 24 | 0x05 << 16 | 3), 0x5);
	assert_int_equal(sgi_pending_on(4, 3, 1), 0x5);
	/* 1: all but self. */
	assert_int_equal(wr32(2, GICD_SGIR, 0x01 << 24 | 0xff << 16 | 5), 0xb);
	assert_int_equal(sgi_pending_on(4, 5, 2), 0xb);
	/* 2: self only, whatever the list says. */
	assert_int_equal(wr32(3, GICD_SGIR, 0x02 << 24 | 0x01 << 16 | 7), 0x8);
	assert_int_equal(sgi_pending_on(4, 7, 3), 0x8);
	/* 3: reserved, nothing. */
	assert_int_equal(wr32(0, GICD_SGIR, 0x03u << 24 | 0x0f << 16 | 9), 0);
	assert_int_equal(sgi_pending_on(4, 9, 0), 0);
	/* CPUs the VM does not have are ignored; an empty list sends none. */
	assert_int_equal(wr32(0, GICD_SGIR, 0xf0 << 16 | 11), 0);
	assert_int_equal(wr32(0, GICD_SGIR, 0x00 << 16 | 11), 0);
	assert_int_equal(sgi_pending_on(4, 11, 0), 0);
	/* The SGI ID is bits [3:0]; NSATT and the reserved bits are ignored. */
	wr32(0, GICD_SGIR, 0x8000u | 0x02 << 16 | 0xf0 | 12);
	assert_int_equal(sgi_pending_on(4, 12, 0), 0x2);
}

/* The source CPU reaches the guest in the acknowledge's CPUID field, one
 * source at a time. */
static void test_sgi_sources_seen_by_the_guest(void **state)
{
	uint32_t iar;
	int i;

	(void)state;
	new_vgic(3, 0);
	dist_on();
	wr32(2, GICD_SGIR, 0x01 << 16 | 4);
	wr32(1, GICD_SGIR, 0x01 << 16 | 4);
	assert_int_equal(rd(0, GICD_SPENDSGIR + 4, 1), 0x06);
	enter(0);
	i = lr_find(4);
	assert_true(i >= 0);
	assert_true(hw.lr[i] & GICH_LR_EOI); /* another source waits */
	assert_int_equal(lr_find_src(4, 2), -1); /* one list register per ID */
	iar = guest_ack();
	assert_int_equal(iar, 1u << 10 | 4);
	guest_eoi(iar);
	assert_true(fake_misr() & GICH_MISR_EOI);
	vgic_maintenance(vg, 0);
	assert_int_equal(fake_misr(), 0);
	leave(0);
	assert_int_equal(rd(0, GICD_SPENDSGIR + 4, 1), 0x04);
	assert_int_equal(take_one(0), 2u << 10 | 4);
	assert_int_equal(rd(0, GICD_SPENDSGIR + 4, 1), 0);
	assert_int_equal(take_one(0), SPURIOUS);
}

/* An acknowledged SGI keeps its source across an exit; a second one from
 * the same source while it is active is pending and active. */
static void test_sgi_active_keeps_its_source(void **state)
{
	uint32_t iar;
	int i;

	(void)state;
	new_vgic(3, 0);
	dist_on();
	wr32(2, GICD_SGIR, 0x01 << 16 | 1);
	enter(0);
	iar = guest_ack();
	assert_int_equal(iar, 2u << 10 | 1);
	leave(0);
	wr32(2, GICD_SGIR, 0x01 << 16 | 1);
	wr32(1, GICD_SGIR, 0x01 << 16 | 1);
	enter(0);
	i = lr_find(1);
	assert_true(i >= 0);
	assert_int_equal(hw.lr[i] & (GICH_LR_STATE | GICH_LR_CPUID_MASK | GICH_LR_EOI),
			 GICH_LR_ACTIVE | GICH_LR_PENDING | 2u << 10 | GICH_LR_EOI);
	guest_eoi(iar);
	iar = guest_ack();
	assert_int_equal(iar, 2u << 10 | 1);
	guest_eoi(iar);
	vgic_maintenance(vg, 0);
	leave(0);
	assert_int_equal(take_one(0), 1u << 10 | 1);
	assert_int_equal(take_one(0), SPURIOUS);
}

/* An SGI set active through the distributor: its source is the vCPU that
 * wrote GICD_ISACTIVER0 (there is no other to give), and the guest EOIs
 * it with that source. */
static void test_sgi_set_active_by_the_distributor(void **state)
{
	int i;

	(void)state;
	new_vgic(3, 0);
	wr32(2, GICD_ISACTIVER, 1u << 9);
	enter(2);
	i = lr_find(9);
	assert_true(i >= 0);
	assert_int_equal(hw.lr[i] & (GICH_LR_STATE | GICH_LR_CPUID_MASK),
			 GICH_LR_ACTIVE | 2u << 10);
	guest_eoi(2u << 10 | 9);
	leave(2);
	assert_false(is_active(2, 9));
}

static void test_cpendsgir_spendsgir(void **state)
{
	(void)state;
	new_vgic(4, 0);
	wr(1, GICD_SPENDSGIR + 2, 1, 0x05);
	wr(1, GICD_SPENDSGIR + 3, 1, 0xf8); /* only CPUs 0-3 exist */
	assert_int_equal(rd32(1, GICD_SPENDSGIR), 0x08050000);
	assert_int_equal(rd32(1, GICD_CPENDSGIR), 0x08050000);
	assert_int_equal(rd32(0, GICD_SPENDSGIR), 0); /* banked */
	assert_int_equal(rd32(1, GICD_ISPENDR), 0x0000000c);
	wr32(1, GICD_SPENDSGIR + 12, 0x0f000001); /* SGIs 12 and 15 */
	assert_int_equal(rd(1, GICD_SPENDSGIR + 15, 1), 0x0f);
	assert_int_equal(rd(1, GICD_CPENDSGIR + 12, 1), 0x01);
	wr(1, GICD_CPENDSGIR + 2, 1, 0x04);
	assert_int_equal(rd(1, GICD_SPENDSGIR + 2, 1), 0x01);
	wr32(1, GICD_CPENDSGIR, 0xffffffff);
	assert_int_equal(rd32(1, GICD_SPENDSGIR), 0);
	assert_int_equal(rd32(1, GICD_ISPENDR), 1u << 12 | 1u << 15);
	/* A pending SGI set by SPENDSGIR reaches the guest with its source. */
	dist_on();
	wr32(1, GICD_CPENDSGIR + 12, 0xffffffff);
	wr(1, GICD_SPENDSGIR + 6, 1, 0x08);
	assert_int_equal(take_one(1), 3u << 10 | 6);
}

/* ---- Injection and delivery --------------------------------------------- */

static void test_pending_while_disabled_delivered_on_enable(void **state)
{
	(void)state;
	new_vgic(2, 32);
	dist_on();
	set_target(40, 2);
	assert_int_equal(inject(0, 40, true), 0); /* disabled: nobody to kick */
	assert_true(is_pending(0, 40));
	assert_false(vgic_vcpu_pending(vg, 1));
	enter(1);
	assert_int_equal(lr_find(40), -1);
	leave(1);
	assert_int_equal(enable(0, 40), 0x2); /* vCPU 1 is kicked */
	assert_true(vgic_vcpu_pending(vg, 1));
	assert_false(vgic_vcpu_pending(vg, 0));
	assert_int_equal(take_one(0), SPURIOUS);
	assert_int_equal(take_one(1), 40);
}

static void test_distributor_disabled_holds_everything(void **state)
{
	(void)state;
	new_vgic(1, 32);
	set_target(33, 1);
	enable(0, 33);
	inject(0, 33, true);
	assert_false(vgic_vcpu_pending(vg, 0));
	assert_int_equal(take_one(0), SPURIOUS);
	assert_int_equal(wr32(0, GICD_CTLR, 1), 1);
	assert_true(vgic_vcpu_pending(vg, 0));
	assert_int_equal(take_one(0), 33);
}

static void test_level_follows_the_line(void **state)
{
	(void)state;
	new_vgic(1, 32);
	spi_ready(35, 0x40);
	/* Lowered before the guest saw it: nothing. */
	assert_int_equal(inject(0, 35, true), 1);
	assert_true(is_pending(0, 35));
	assert_int_equal(inject(0, 35, false), 0);
	assert_false(is_pending(0, 35));
	assert_false(vgic_vcpu_pending(vg, 0));
	assert_int_equal(take_one(0), SPURIOUS);
	/* Lowered while in a list register of the running vCPU, before the
	 * acknowledge: gone at the next sync. */
	inject(0, 35, true);
	enter(0);
	assert_true(lr_find(35) >= 0);
	assert_int_equal(inject(0, 35, false), 1); /* its holder is kicked */
	leave(0);
	assert_false(is_pending(0, 35));
	assert_int_equal(take_one(0), SPURIOUS);
	/* Held high: raising it again does nothing more. */
	inject(0, 35, true);
	assert_int_equal(inject(0, 35, true), 0);
}

/* A level-triggered interrupt asks for the EOI maintenance interrupt; if
 * its line is still high then, it is pending again. */
static void test_level_resampled_at_eoi(void **state)
{
	uint32_t iar;
	int i;

	(void)state;
	new_vgic(1, 32);
	spi_ready(36, 0x40);
	inject(0, 36, true);
	enter(0);
	i = lr_find(36);
	assert_true(i >= 0);
	assert_int_equal(hw.lr[i], GICH_LR_PENDING | GICH_LR_EOI | 0x40u >> 3 << 23 | 36);
	iar = guest_ack();
	assert_int_equal(iar, 36);
	guest_eoi(iar);
	assert_int_equal(fake_misr(), GICH_MISR_EOI);
	vgic_maintenance(vg, 0);
	assert_int_equal(fake_misr(), 0);
	vgic_flush(vg, 0); /* back into the guest: the line is still high */
	i = lr_find(36);
	assert_true(i >= 0);
	assert_int_equal(lr_state((unsigned)i), GICH_LR_PENDING);
	/* The device lowers its line while the guest handles it: after the
	 * EOI nothing is pending. */
	iar = guest_ack();
	vgic_sync(vg, 0); /* the guest touched the device: an exit */
	inject(0, 36, false);
	vgic_flush(vg, 0);
	i = lr_find(36);
	assert_int_equal(hw.lr[i] & GICH_LR_STATE, GICH_LR_ACTIVE);
	guest_eoi(iar);
	vgic_maintenance(vg, 0);
	leave(0);
	assert_false(is_pending(0, 36));
	assert_false(is_active(0, 36));
}

/* Active and still high: presented active only (never pending and active),
 * pending again after the EOI. */
static void test_level_active_and_pending(void **state)
{
	uint32_t iar;

	(void)state;
	new_vgic(1, 32);
	spi_ready(37, 0x40);
	inject(0, 37, true);
	enter(0);
	iar = guest_ack();
	leave(0);
	assert_true(is_active(0, 37));
	assert_true(is_pending(0, 37));
	enter(0);
	assert_int_equal(lr_state((unsigned)lr_find(37)), GICH_LR_ACTIVE);
	assert_int_equal(guest_ack(), SPURIOUS);
	guest_eoi(iar);
	vgic_maintenance(vg, 0);
	vgic_flush(vg, 0);
	assert_int_equal(guest_ack(), 37);
	leave(0);
}

/* GICD_ISPENDR on a level-triggered interrupt latches until acknowledged;
 * GICD_ICPENDR does not hide a line still high. */
static void test_level_pending_latch(void **state)
{
	(void)state;
	new_vgic(1, 32);
	spi_ready(38, 0x40);
	wr32(0, GICD_ISPENDR + 4, 1u << 6);
	assert_true(is_pending(0, 38));
	assert_int_equal(take_one(0), 38);
	assert_false(is_pending(0, 38));
	inject(0, 38, true);
	wr32(0, GICD_ICPENDR + 4, 1u << 6);
	assert_true(is_pending(0, 38));
	inject(0, 38, false);
	assert_false(is_pending(0, 38));
}

static void test_edge_pends_once_per_rising_edge(void **state)
{
	(void)state;
	new_vgic(1, 32);
	spi_ready(39, 0x40);
	set_edge(39);
	assert_int_equal(inject(0, 39, true), 1);
	assert_int_equal(inject(0, 39, true), 0); /* still high: no new edge */
	assert_int_equal(take_one(0), 39);
	assert_int_equal(take_one(0), SPURIOUS);
	inject(0, 39, false);
	assert_false(is_pending(0, 39)); /* an edge's pending does not follow the line */
	inject(0, 39, true);
	inject(0, 39, false);
	assert_true(is_pending(0, 39));
	assert_int_equal(take_one(0), 39);
}

/* A new edge while the guest handles the first: pending and active, and
 * the guest takes it again after its EOI. */
static void test_edge_while_active(void **state)
{
	uint32_t iar;
	int i;

	(void)state;
	new_vgic(1, 32);
	spi_ready(42, 0x40);
	set_edge(42);
	inject(0, 42, true);
	inject(0, 42, false);
	enter(0);
	iar = guest_ack();
	assert_int_equal(iar, 42);
	assert_int_equal(inject(0, 42, true), 1); /* held by the running vCPU */
	vgic_sync(vg, 0);
	assert_true(is_active(0, 42));
	assert_true(is_pending(0, 42));
	vgic_flush(vg, 0);
	i = lr_find(42);
	assert_int_equal(lr_state((unsigned)i), GICH_LR_STATE);
	assert_int_equal(hw.lr[i] & GICH_LR_EOI, 0);
	guest_eoi(iar);
	assert_int_equal(guest_ack(), 42);
	guest_eoi(42);
	leave(0);
	assert_false(is_pending(0, 42));
	assert_false(is_active(0, 42));
}

static void test_ppis_are_per_vcpu(void **state)
{
	(void)state;
	new_vgic(2, 0);
	dist_on();
	enable(1, 20);
	assert_int_equal(inject(1, 20, true), 0x2);
	assert_false(is_pending(0, 20));
	assert_true(is_pending(1, 20));
	assert_int_equal(take_one(0), SPURIOUS);
	assert_int_equal(take_one(1), 20);
}

static void test_inject_and_map_errors(void **state)
{
	struct vgic *d;

	(void)state;
	d = new_vgic(2, 32);
	assert_int_equal(vgic_inject(d, 0, 0, true), -EINVAL);  /* SGI */
	assert_int_equal(vgic_inject(d, 0, 15, true), -EINVAL);
	assert_int_equal(vgic_inject(d, 2, 20, true), -EINVAL); /* no vCPU 2 */
	assert_int_equal(vgic_inject(d, 0, 64, true), -EINVAL); /* no SPI 64 */
	assert_int_equal(vgic_inject(d, 0, 1023, true), -EINVAL);
	assert_int_equal(vgic_inject(d, 7, 63, true), 0); /* SPIs ignore vcpu */
	assert_int_equal(vgic_map_hw(d, 0, 5, 40), -EINVAL);
	assert_int_equal(vgic_map_hw(d, 0, 27, 15), -EINVAL);
	assert_int_equal(vgic_map_hw(d, 0, 27, 1020), -EINVAL);
	assert_int_equal(vgic_map_hw(d, 3, 27, 27), -EINVAL);
	assert_int_equal(vgic_map_hw(d, 0, 64, 64), -EINVAL);
	assert_int_equal(hw.lock_depth, 0);
	assert_int_equal(vgic_init(d, 0, 0), -EINVAL);
	assert_int_equal(vgic_init(d, 9, 0), -EINVAL);
	assert_int_equal(vgic_init(d, 1, 989), -EINVAL);
}

/* ---- Choosing list registers -------------------------------------------- */

static void test_lrs_by_priority_with_underflow(void **state)
{
	static const struct {
		unsigned irq;
		uint8_t prio;
	} irqs[] = {
		{ 32, 0xa0 }, { 33, 0x20 }, { 34, 0xa0 }, { 35, 0x80 },
		{ 36, 0x10 }, { 37, 0x20 }, { 38, 0xf0 },
	};
	static const unsigned order[] = { 36, 33, 37, 35, 32, 34, 38 };
	size_t i;

	(void)state;
	new_vgic(1, 32);
	for (i = 0; i < ARRAY_SIZE(irqs); i++) {
		spi_ready(irqs[i].irq, irqs[i].prio);
		inject(0, irqs[i].irq, true);
	}
	enter(0);
	/* The four most urgent, ties by the lowest ID; underflow asked. */
	assert_true(lr_find(36) >= 0 && lr_find(33) >= 0 && lr_find(37) >= 0 &&
		    lr_find(35) >= 0);
	assert_int_equal(valid_lrs(), 4);
	assert_int_equal(hw.hcr, GICH_HCR_EN | GICH_HCR_UIE);
	assert_int_equal(fake_misr(), 0);
	/* The guest takes three: the underflow interrupt (one LR left). */
	for (i = 0; i < 3; i++) {
		uint32_t iar = guest_ack();

		assert_int_equal(iar, order[i]);
		guest_eoi(iar);
		inject(0, iar, false);
	}
	assert_true(fake_misr() & GICH_MISR_U);
	vgic_maintenance(vg, 0);
	assert_int_equal(fake_misr(), 0);
	vgic_flush(vg, 0);
	assert_int_equal(valid_lrs(), 4); /* 35, then 32, 34, 38 */
	assert_int_equal(hw.hcr, GICH_HCR_EN);
	for (i = 3; i < ARRAY_SIZE(order); i++) {
		uint32_t iar = guest_ack();

		assert_int_equal(iar, order[i]);
		guest_eoi(iar);
		inject(0, iar, false);
	}
	assert_int_equal(guest_ack(), SPURIOUS);
	vgic_maintenance(vg, 0);
	leave(0);
	assert_int_equal(take_one(0), SPURIOUS);
}

/* Active interrupts go in first, whatever their priority: the guest must
 * be able to EOI them. */
static void test_active_ones_first(void **state)
{
	unsigned irq;

	(void)state;
	new_vgic(1, 32);
	for (irq = 40; irq < 45; irq++) {
		spi_ready(irq, 0x10);
		set_edge(irq);
	}
	spi_ready(50, 0xe0);
	set_edge(50);
	wr32(0, GICD_ISACTIVER + 4, 1u << 18);
	for (irq = 40; irq < 45; irq++)
		inject(0, irq, true);
	enter(0);
	assert_true(lr_find(50) >= 0);
	assert_true(lr_find(40) >= 0 && lr_find(41) >= 0 && lr_find(42) >= 0);
	assert_int_equal(lr_find(43), -1);
	assert_int_equal(hw.hcr, GICH_HCR_EN | GICH_HCR_UIE);
	leave(0);
}

/* The guest's priority mask decides whether a vCPU in WFI wakes. */
static void test_vcpu_pending_respects_the_mask(void **state)
{
	(void)state;
	new_vgic(1, 32);
	spi_ready(45, 0xa0);
	inject(0, 45, true);
	guest_vmcr = GICH_VMCR_GRP0_EN | (0xa0u >> 3) << GICH_VMCR_PRIMASK_SHIFT;
	enter(0);
	leave(0);
	assert_false(vgic_vcpu_pending(vg, 0)); /* PMR 0xa0: equal does not pass */
	guest_vmcr = GICH_VMCR_GRP0_EN | (0xa8u >> 3) << GICH_VMCR_PRIMASK_SHIFT;
	enter(0);
	leave(0);
	assert_true(vgic_vcpu_pending(vg, 0));
	guest_vmcr = (0xf8u >> 3) << GICH_VMCR_PRIMASK_SHIFT; /* group 0 off */
	enter(0);
	leave(0);
	assert_false(vgic_vcpu_pending(vg, 0));
	guest_vmcr = GICH_VMCR_GRP0_EN | (0xf8u >> 3) << GICH_VMCR_PRIMASK_SHIFT;
	enter(0);
	leave(0);
	assert_true(vgic_vcpu_pending(vg, 0));
	wr32(0, GICD_ICENABLER + 4, 1u << 13);
	assert_false(vgic_vcpu_pending(vg, 0));
	assert_false(vgic_vcpu_pending(vg, 1));
}

static void test_save_and_restore(void **state)
{
	(void)state;
	new_vgic(2, 0);
	hw.vmcr = 0x11;
	hw.apr = 0x22;
	vgic_restore(vg, 0); /* vCPU 0: reset state */
	assert_int_equal(hw.vmcr, 0);
	assert_int_equal(hw.apr, 0);
	assert_int_equal(hw.hcr, GICH_HCR_EN);
	hw.vmcr = 0xf0000001;
	hw.apr = 0x00000004;
	vgic_save(vg, 0);
	assert_int_equal(hw.hcr, 0);
	vgic_restore(vg, 1);
	assert_int_equal(hw.vmcr, 0);
	hw.vmcr = 0x80000001;
	vgic_save(vg, 1);
	vgic_restore(vg, 0);
	assert_int_equal(hw.vmcr, 0xf0000001);
	assert_int_equal(hw.apr, 0x00000004);
	vgic_save(vg, 0);
	vgic_restore(vg, 1);
	assert_int_equal(hw.vmcr, 0x80000001);
	vgic_save(vg, 1);
	/* Not loaded: the hardware is left alone. */
	hw.vmcr = 0x33;
	hw.hcr = 0;
	vgic_save(vg, 1);
	assert_int_equal(vgic_maintenance(vg, 1), 0);
	assert_int_equal(vgic_sync(vg, 0), 0);
	vgic_flush(vg, 0);
	assert_int_equal(hw.hcr, 0);
	vgic_restore(vg, 1);
	assert_int_equal(hw.vmcr, 0x80000001);
	vgic_save(vg, 1);
	assert_int_equal(hw.lock_depth, 0);
}

/* A VM's reset clears its vGIC while another CPU may hold the lock (its
 * vcpu_put saving a vCPU's interface): vgic_reset clears the rest under the
 * lock and leaves the lock itself to its holder.  Zeroed, the holder's
 * unlock left a lock nobody could take again (found by the hypercall
 * fuzzer, configs/hcfuzz.its: a VM_RESET hung CPU 0). */
static void test_reset_leaves_the_lock_to_its_holder(void **state)
{
	struct spinlock *lock;
	unsigned calls;

	(void)state;
	new_vgic(2, 0);
	vgic_save(vg, 0);
	lock = hw.lock;
	assert_non_null(lock);
	lock->next = 1; /* taken, as if by another CPU */
	calls = hw.lock_calls;
	vgic_reset(vg);
	assert_int_equal(hw.lock_calls, calls + 1);
	assert_ptr_equal(hw.lock, lock);
	assert_int_equal(lock->owner, 0);
	assert_int_equal(lock->next, 1);
	assert_int_equal(hw.lock_depth, 0);
	lock->next = 0;
}

/* ---- SPIs between vCPUs, changes while in a list register -------------- */

static void test_spi_follows_its_target(void **state)
{
	(void)state;
	new_vgic(2, 32);
	dist_on();
	enable(0, 48);
	set_target(48, 0x3); /* 1 of N: the lowest */
	assert_int_equal(inject(0, 48, true), 0x1);
	set_target(48, 0);
	assert_int_equal(take_one(0), SPURIOUS);
	assert_int_equal(take_one(1), SPURIOUS);
	assert_int_equal(wr(1, GICD_ITARGETSR + 48, 1, 0x2), 0x2);
	assert_int_equal(take_one(0), SPURIOUS);
	assert_int_equal(take_one(1), 48);
}

/* A GIC with one CPU interface has no use for targets: a VM with one vCPU
 * gets its SPIs whatever GICD_ITARGETSR says. */
static void test_one_vcpu_ignores_targets(void **state)
{
	(void)state;
	new_vgic(1, 32);
	dist_on();
	enable(0, 41);
	assert_int_equal(rd(0, GICD_ITARGETSR + 41, 1), 0);
	assert_int_equal(inject(0, 41, true), 1);
	assert_int_equal(take_one(0), 41);
}

/* Retargeted while the first target's list register holds it: that vCPU
 * is kicked, and its sync hands the interrupt to the new target. */
static void test_spi_retargeted_while_held(void **state)
{
	(void)state;
	new_vgic(2, 32);
	dist_on();
	enable(0, 49);
	set_target(49, 0x2);
	inject(0, 49, true);
	enter(1);
	assert_true(lr_find(49) >= 0);
	assert_int_equal(wr(0, GICD_ITARGETSR + 49, 1, 0x1), 0x2);
	assert_int_equal(leave(1), 0x1);
	assert_int_equal(take_one(0), 49);
}

/* Acknowledged on vCPU 1: it stays there, active, until vCPU 1 EOIs it,
 * even when retargeted meanwhile. */
static void test_active_spi_stays_with_its_vcpu(void **state)
{
	uint32_t iar;

	(void)state;
	new_vgic(2, 32);
	dist_on();
	enable(0, 50);
	set_target(50, 0x2);
	inject(0, 50, true);
	enter(1);
	iar = guest_ack();
	leave(1);
	set_target(50, 0x1);
	enter(0);
	assert_int_equal(lr_find(50), -1);
	leave(0);
	enter(1);
	assert_int_equal(lr_state((unsigned)lr_find(50)), GICH_LR_ACTIVE);
	guest_eoi(iar);
	vgic_maintenance(vg, 1);
	leave(1);
	assert_false(is_active(0, 50));
	assert_int_equal(take_one(0), 50); /* the line is still high */
}

/* The distributor's word wins over a list register of a running vCPU. */
static void test_distributor_changes_while_held(void **state)
{
	uint32_t iar;

	(void)state;
	new_vgic(2, 32);
	dist_on();
	wr32(0, GICD_ISENABLER + 4, 0x3u << 20); /* SPIs 52, 53 */
	set_target(52, 0x2);
	set_target(53, 0x2);
	set_edge(52);
	set_edge(53);
	inject(0, 52, true);
	inject(0, 53, true);
	enter(1);
	assert_int_equal(valid_lrs(), 2);
	iar = guest_ack(); /* 52 */
	assert_int_equal(iar, 52);
	/* vCPU 0 clears 53's pending state and 52's active state. */
	assert_int_equal(wr32(0, GICD_ICPENDR + 4, 1u << 21), 0x2);
	assert_int_equal(wr32(0, GICD_ICACTIVER + 4, 1u << 20), 0x2);
	assert_false(is_pending(0, 53));
	assert_false(is_active(0, 52));
	leave(1);
	assert_false(is_pending(0, 53));
	assert_false(is_active(0, 52));
	assert_int_equal(take_one(1), SPURIOUS);
	/* And sets them: pending while the guest still has it pending merges;
	 * active while pending in a list register sticks. */
	inject(0, 52, false);
	inject(0, 52, true);
	enter(1);
	assert_int_equal(wr32(0, GICD_ISACTIVER + 4, 1u << 20), 0x2);
	leave(1);
	assert_true(is_active(0, 52));
	assert_true(is_pending(0, 52));
}

/* ---- Hardware-mapped interrupts ----------------------------------------- */

static void test_hw_mapped_lr_encoding(void **state)
{
	uint32_t iar;
	int i;

	(void)state;
	new_vgic(2, 32);
	dist_on();
	assert_int_equal(vgic_map_hw(vg, 1, 27, 27), 0);
	enable(1, 27);
	wr(1, GICD_IPRIORITYR + 27, 1, 0xa0);
	assert_false(vgic_map_is_active(vg, 1, 27));
	assert_int_equal(inject(1, 27, true), 0x2);
	assert_true(vgic_map_is_active(vg, 1, 27));
	assert_int_equal(inject(1, 27, false), 0); /* ignored for a mapped one */
	assert_true(is_pending(1, 27));
	enter(1);
	i = lr_find(27);
	assert_true(i >= 0);
	assert_int_equal(hw.lr[i],
			 GICH_LR_HW | 27u << 10 | GICH_LR_PENDING | 0xa0u >> 3 << 23 | 27);
	iar = guest_ack();
	assert_int_equal(iar, 27);
	vgic_sync(vg, 1);
	assert_true(vgic_map_is_active(vg, 1, 27));
	vgic_flush(vg, 1);
	assert_int_equal(hw.lr[lr_find(27)],
			 GICH_LR_HW | 27u << 10 | GICH_LR_ACTIVE | 0xa0u >> 3 << 23 | 27);
	guest_eoi(iar); /* deactivates physical 27 through the HW bit */
	assert_int_equal(hw.deactivated_count, 1);
	assert_int_equal(hw.deactivated[0], 27);
	assert_int_equal(fake_misr(), 0); /* no maintenance interrupt */
	leave(1);
	assert_false(vgic_map_is_active(vg, 1, 27));
	assert_false(vgic_map_is_active(vg, 0, 27));
	assert_int_equal(inject(1, 27, false), 0);
	assert_false(is_pending(1, 27));
	assert_int_equal(take_one(1), SPURIOUS);
	/* A mapped SPI: virtual 60 is physical 90. */
	assert_int_equal(vgic_map_hw(vg, 0, 60, 90), 0);
	spi_ready(60, 0x30);
	inject(0, 60, true);
	enter(0);
	assert_int_equal(hw.lr[lr_find(60)],
			 GICH_LR_HW | 90u << 10 | GICH_LR_PENDING | 0x30u >> 3 << 23 | 60);
	leave(0);
}

/* The physical interrupt of a mapped one is released when the distributor
 * clears the virtual state, since no EOI will. */
static void test_hw_mapped_cleared_by_the_distributor(void **state)
{
	uint32_t iar;

	(void)state;
	new_vgic(1, 32);
	assert_int_equal(vgic_map_hw(vg, 0, 61, 91), 0);
	assert_int_equal(vgic_map_hw(vg, 0, 62, 92), 0);
	spi_ready(61, 0x30);
	spi_ready(62, 0x30);
	inject(0, 61, true);
	wr32(0, GICD_ICPENDR + 4, 1u << 29);
	assert_int_equal(hw.deactivated_count, 1);
	assert_int_equal(hw.deactivated[0], 91);
	/* Acknowledged, then ICACTIVER before the EOI: released at sync. */
	inject(0, 62, true);
	enter(0);
	iar = guest_ack();
	assert_int_equal(iar, 62);
	leave(0);
	wr32(0, GICD_ICACTIVER + 4, 1u << 30);
	assert_int_equal(hw.deactivated_count, 2);
	assert_int_equal(hw.deactivated[1], 92);
	/* Nothing to release for one neither pending nor active. */
	wr32(0, GICD_ICACTIVER + 4, 1u << 30);
	wr32(0, GICD_ICPENDR + 4, 1u << 29);
	assert_int_equal(hw.deactivated_count, 2);
}

/* Cleared by another vCPU while the guest holds it active: released when
 * the holder syncs. */
static void test_hw_mapped_cleared_while_held(void **state)
{
	(void)state;
	new_vgic(2, 32);
	assert_int_equal(vgic_map_hw(vg, 0, 63, 93), 0);
	dist_on();
	enable(0, 63);
	set_target(63, 0x2);
	inject(0, 63, true);
	enter(1);
	assert_int_equal(guest_ack(), 63);
	assert_int_equal(wr32(0, GICD_ICACTIVER + 4, 1u << 31), 0x2);
	assert_int_equal(hw.deactivated_count, 0); /* the guest still has it */
	leave(1);
	assert_int_equal(hw.deactivated_count, 1);
	assert_int_equal(hw.deactivated[0], 93);
	assert_false(vgic_map_is_active(vg, 0, 63));
}

/* A GICH with 64 list registers: the vGIC uses the first 32 (a word of
 * them); the rest wait for the underflow interrupt as beyond any count. */
static void test_at_most_32_list_registers(void **state)
{
	unsigned irq, i;

	(void)state;
	fake_lrs = 64;
	new_vgic(1, 64);
	for (irq = 32; irq < 72; irq++) {
		spi_ready(irq, 0x80);
		inject(0, irq, true);
	}
	enter(0);
	assert_int_equal(valid_lrs(), 32);
	for (i = 32; i < 64; i++)
		assert_int_equal(hw.lr[i], 0);
	assert_int_equal(hw.hcr, GICH_HCR_EN | GICH_HCR_UIE);
	for (i = 0; i < 31; i++) {
		uint32_t iar = guest_ack();

		assert_int_equal(iar, 32 + i); /* equal priorities: by ID */
		guest_eoi(iar);
		inject(0, iar, false);
	}
	assert_true(fake_misr() & GICH_MISR_U);
	vgic_maintenance(vg, 0);
	vgic_flush(vg, 0);
	assert_int_equal(valid_lrs(), 9); /* 63, and 64-71 */
	for (i = 31; i < 40; i++)
		assert_int_equal(guest_ack(), 32 + i);
	leave(0);
}

/* ---- Injection into the loaded vCPU (vgic_inject_loaded) ------------------ */

#define TIMER_LR(state) (GICH_LR_HW | 27u << 10 | (state) | 0xa0u >> 3 << 23 | 27)

/* vCPU 1 with the timer's PPI mapped and enabled, loaded out of its guest
 * (restored, as after the sync of its WFI exit). */
static void timer_vcpu_loaded(unsigned spis)
{
	new_vgic(2, spis);
	dist_on();
	assert_int_equal(vgic_map_hw(vg, 1, 27, 27), 0);
	enable(1, 27);
	wr(1, GICD_IPRIORITYR + 27, 1, 0xa0);
	vgic_restore(vg, 1);
	hw.vmcr = guest_vmcr;
}

static uint32_t inject_loaded(unsigned vcpu)
{
	uint32_t kick = vgic_inject_loaded(vg, vcpu, 27);

	assert_int_equal(hw.lock_depth, 0);
	return kick;
}

/* The timer of a vCPU idle on its CPU goes straight into list register 0;
 * the flush before its entry then has nothing to do (not even the lock),
 * and the guest takes it and EOIs it as any other. */
static void test_inject_loaded_fills_lr0_and_the_flush_rests(void **state)
{
	unsigned calls;
	uint32_t iar;

	(void)state;
	timer_vcpu_loaded(32);
	assert_int_equal(inject_loaded(1), 0x2);
	assert_int_equal(hw.lr[0], TIMER_LR(GICH_LR_PENDING));
	assert_true(vgic_map_is_active(vg, 1, 27));
	calls = hw.lock_calls;
	vgic_flush(vg, 1);
	assert_int_equal(hw.lock_calls, calls);
	assert_int_equal(valid_lrs(), 1);
	assert_int_equal(hw.hcr, GICH_HCR_EN);
	iar = guest_ack();
	assert_int_equal(iar, 27);
	guest_eoi(iar);
	assert_int_equal(hw.deactivated_count, 1);
	leave(1); /* synced: LR 0 folded back and cleared */
	assert_false(is_pending(1, 27));
	assert_false(vgic_map_is_active(vg, 1, 27));
	assert_int_equal(take_one(1), SPURIOUS);
}

/* Placed with others live: the flush adds them beside it, by priority for
 * the guest, and an SPI that made the SPI words live is walked. */
static void test_inject_loaded_beside_others(void **state)
{
	(void)state;
	timer_vcpu_loaded(64);
	assert_int_equal(inject_loaded(1), 0x2);
	set_priority(90, 0x10);
	set_target(90, 0x2);
	enable(0, 90);
	assert_int_equal(inject(0, 90, true), 0x2);
	vgic_flush(vg, 1);
	assert_int_equal(hw.lr[0], TIMER_LR(GICH_LR_PENDING));
	assert_int_equal(lr_find(90), 1);
	assert_int_equal(guest_ack(), 90); /* the more urgent one first */
	assert_int_equal(guest_ack(), 27);
	leave(1);
	assert_true(is_active(1, 27) && is_active(1, 90));
}

/* Not placed: a vCPU not loaded (never restored, saved, or reset since), an
 * interrupt not newly deliverable (no kick), list registers in use.  It is
 * pending all the same, for the flush. */
static void test_inject_loaded_only_when_it_can(void **state)
{
	(void)state;
	timer_vcpu_loaded(32);
	vgic_save(vg, 1);
	assert_int_equal(inject_loaded(1), 0x2);
	assert_int_equal(valid_lrs(), 0);
	assert_int_equal(take_one(1), 27);

	timer_vcpu_loaded(32);
	wr32(1, GICD_ICENABLER, 1u << 27);
	assert_int_equal(inject_loaded(1), 0); /* disabled: pending only */
	assert_int_equal(valid_lrs(), 0);
	enable(1, 27);
	assert_int_equal(inject_loaded(1), 0); /* pending already: no edge */
	assert_int_equal(valid_lrs(), 0);
	vgic_flush(vg, 1);
	assert_int_equal(hw.lr[0], TIMER_LR(GICH_LR_PENDING));
	leave(1);

	/* List registers in use (from a flush, before the sync): left alone. */
	timer_vcpu_loaded(32);
	spi_ready(40, 0x30);
	set_target(40, 0x2);
	inject(0, 40, true);
	vgic_flush(vg, 1);
	assert_int_equal(inject_loaded(1), 0x2);
	assert_int_equal(valid_lrs(), 1);
	assert_int_equal(lr_find(27), -1);
	vgic_sync(vg, 1);
	vgic_flush(vg, 1);
	assert_int_equal(valid_lrs(), 2);
	leave(1);
}

/* Two list registers, one placed at injection and two SPIs wanting the
 * other: the underflow interrupt is asked, since two are in use. */
static void test_inject_loaded_counts_for_the_underflow(void **state)
{
	(void)state;
	fake_lrs = 2;
	timer_vcpu_loaded(32);
	assert_int_equal(inject_loaded(1), 0x2);
	for (unsigned irq = 40; irq < 42; irq++) {
		set_target(irq, 0x2);
		enable(0, irq);
		inject(0, irq, true);
	}
	vgic_flush(vg, 1);
	assert_int_equal(valid_lrs(), 2);
	assert_int_equal(hw.lr[0], TIMER_LR(GICH_LR_PENDING));
	assert_int_equal(hw.hcr, GICH_HCR_EN | GICH_HCR_UIE);
	leave(1);
}

/* Put before it ran, the vCPU folds the placed interrupt back: list
 * register 0 empty for the next vCPU, the interrupt pending for its own
 * next entry.  A reset meanwhile forgets it: the save (its CPU's next
 * switch, or the reset vCPU's own restart) then clears list register 0. */
static void test_inject_loaded_put_or_reset_before_it_runs(void **state)
{
	(void)state;
	timer_vcpu_loaded(32);
	assert_int_equal(inject_loaded(1), 0x2);
	vgic_save(vg, 1);
	assert_int_equal(hw.lr[0], 0);
	assert_int_equal(hw.hcr, 0);
	assert_true(is_pending(1, 27));
	assert_int_equal(take_one(1), 27);

	timer_vcpu_loaded(32);
	assert_int_equal(inject_loaded(1), 0x2);
	vgic_reset(vg);
	assert_int_equal(hw.lr[0], TIMER_LR(GICH_LR_PENDING)); /* another CPU's */
	vgic_save(vg, 1);
	assert_int_equal(hw.lr[0], 0);
	assert_false(is_pending(1, 27));
	assert_int_equal(take_one(1), SPURIOUS);
}

#define T(name) cmocka_unit_test_teardown(name, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_table_valid),
		T(test_typer),
		T(test_ctlr_iidr_and_id_registers),
		T(test_igroupr_raz_wi),
		T(test_enable_set_and_clear),
		T(test_enable_banked_per_vcpu),
		T(test_bit_registers_are_word_only),
		T(test_pending_set_and_clear),
		T(test_active_set_and_clear),
		T(test_active_round_trip_through_the_guest),
		T(test_priority_bytes_and_words),
		T(test_targets),
		T(test_icfgr),
		T(test_spis_beyond_the_vm_raz_wi),
		T(test_reserved_space_and_region),
		T(test_sgir_target_list_filters),
		T(test_sgi_sources_seen_by_the_guest),
		T(test_sgi_active_keeps_its_source),
		T(test_sgi_set_active_by_the_distributor),
		T(test_cpendsgir_spendsgir),
		T(test_pending_while_disabled_delivered_on_enable),
		T(test_distributor_disabled_holds_everything),
		T(test_level_follows_the_line),
		T(test_level_resampled_at_eoi),
		T(test_level_active_and_pending),
		T(test_level_pending_latch),
		T(test_edge_pends_once_per_rising_edge),
		T(test_edge_while_active),
		T(test_ppis_are_per_vcpu),
		T(test_inject_and_map_errors),
		T(test_lrs_by_priority_with_underflow),
		T(test_at_most_32_list_registers),
		T(test_inject_loaded_fills_lr0_and_the_flush_rests),
		T(test_inject_loaded_beside_others),
		T(test_inject_loaded_only_when_it_can),
		T(test_inject_loaded_counts_for_the_underflow),
		T(test_inject_loaded_put_or_reset_before_it_runs),
		T(test_active_ones_first),
		T(test_vcpu_pending_respects_the_mask),
		T(test_save_and_restore),
		T(test_reset_leaves_the_lock_to_its_holder),
		T(test_spi_follows_its_target),
		T(test_one_vcpu_ignores_targets),
		T(test_spi_retargeted_while_held),
		T(test_active_spi_stays_with_its_vcpu),
		T(test_distributor_changes_while_held),
		T(test_hw_mapped_lr_encoding),
		T(test_hw_mapped_cleared_by_the_distributor),
		T(test_hw_mapped_cleared_while_held),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
