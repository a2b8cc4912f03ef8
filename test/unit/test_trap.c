// SPDX-License-Identifier: MIT
/*
 * Trap dispatch on the host, through the fake arch: hyp/trap.c (the whole
 * exit's trap_handle and the fast path's trap_fast) with the real syndrome
 * decoding (hyp/emul/hsr.c, mmio.c).  The syndrome, HDFAR, HPFAR, SCTLR,
 * PAR, ELR_hyp and SPSR_hyp are the fake's; what trap.c calls in the rest
 * of the core (a device in the VM's region list, the injections, the
 * vGIC, hypercalls) is faked here and records what it was asked.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/sysreg.h"
#include "console.h"
#include "emul.h"
#include "hypercall.h"
#include "ioreq.h"
#include "percpu.h"
#include "trap.h"
#include "vgic.h"
#include "vm.h"

static struct vm vm;
static struct vcpu vcpu;
static struct percpu cpu;

static struct {
	unsigned mmio_calls, undef, dabt, pabt, skipped, hvc, vfp, cp15;
	uint64_t mmio_ipa;
	bool mmio_write;
	unsigned mmio_width;
	uint32_t mmio_val;   /* what a write stored / what a read returns */
	uint32_t dabt_far;
	bool dabt_write;
	bool pending;        /* vgic_vcpu_pending */
	bool ram_fault;      /* vm_ram_fault's answer */
	uint64_t ram_fault_ipa;
	int cp15_ret;
	uint64_t forwarded_ipa; /* ioreq_forward's, for an IPA in a window */
	unsigned forwarded_rt;
} fake;

/* The VM's one device: [DEV_BASE, DEV_BASE + DEV_SIZE), its first 4 KiB
 * (what a device's index holds) one register that records each access. */
#define DEV_BASE 0x08000000u
#define DEV_SIZE 0x02000000u

static uint32_t dev_read(struct mmio_ctx *c, const struct mmio_reg *reg, uint32_t off, unsigned w)
{
	(void)c, (void)reg;
	fake.mmio_calls++;
	fake.mmio_ipa = DEV_BASE + off;
	fake.mmio_write = false;
	fake.mmio_width = w;
	return fake.mmio_val;
}

static void dev_write(struct mmio_ctx *c, const struct mmio_reg *reg, uint32_t off, unsigned w,
		      uint32_t val)
{
	(void)c, (void)reg;
	fake.mmio_calls++;
	fake.mmio_ipa = DEV_BASE + off;
	fake.mmio_write = true;
	fake.mmio_width = w;
	fake.mmio_val = val;
}

static const struct mmio_reg dev_regs[] = {
	MMIO_REG(0, MMIO_INDEX_WORDS * 4, MMIO_W_ANY, dev_read, dev_write),
};
static struct mmio_index dev_index;
static const struct mmio_ops dev_ops = { .name = "fake", MMIO_OPS_REGS(dev_regs),
					 .index = &dev_index };
bool vm_ram_fault(struct vm *v, uint64_t ipa)
{
	assert_ptr_equal(v, &vm);
	fake.ram_fault_ipa = ipa;
	return fake.ram_fault;
}

void vcpu_inject_undef(struct vcpu *v) { (void)v; fake.undef++; }
void vcpu_inject_pabt(struct vcpu *v, uint32_t far) { (void)v; (void)far; fake.pabt++; }

void vcpu_inject_dabt(struct vcpu *v, uint32_t far, bool write)
{
	(void)v;
	fake.dabt++;
	fake.dabt_far = far;
	fake.dabt_write = write;
}

void vcpu_skip_insn(struct vcpu *v, unsigned len)
{
	v->regs.pc += len;
	fake.skipped++;
}

void vcpu_vfp_switch(struct vcpu *v) { (void)v; fake.vfp++; }

uint32_t *guest_reg_ptr(struct vcpu *v, unsigned n)
{
	return n == 15 ? &v->regs.pc : &v->regs.r[n];
}

int cp15_emulate(struct vcpu *v, const struct cp_access *a)
{
	(void)v;
	(void)a;
	fake.cp15++;
	return fake.cp15_ret;
}

enum trap_action hypercall(struct vcpu *v)
{
	(void)v;
	fake.hvc++;
	return TRAP_CONTINUE;
}


void hyp_irq(struct trap_frame *f) { (void)f; }

/* The guest-fault lines (log.c) go nowhere. */
void console_write(const char *s, size_t len)
{
	(void)s;
	(void)len;
}
bool vm_log_allow(struct vm *v, struct ratelimit *rl) { (void)v; (void)rl; return true; }
/* The VM's virtio windows: [0x0a000000, 0x0a000400). */
int ioreq_forward(struct vcpu *v, uint64_t ipa, const struct mmio_access *a)
{
	(void)v;
	if (ipa - 0x0a000000u >= 0x400)
		return -ENODEV;
	fake.forwarded_ipa = ipa;
	fake.forwarded_rt = a->rt;
	return 0;
}

bool vm_vcpu_has_line(const struct vcpu *v) { (void)v; return false; }
void vm_kick(struct vm *v, uint32_t mask) { (void)v; (void)mask; }
bool vgic_vcpu_pending(struct vgic *d, unsigned i) { (void)d; (void)i; return fake.pending; }
bool vgic_lrs_idle(const struct vgic *d, unsigned i) { (void)d; (void)i; return true; }
uint32_t vgic_sync(struct vgic *d, unsigned i) { (void)d; (void)i; return 0; }
void vgic_flush(struct vgic *d, unsigned i) { (void)d; (void)i; }

static int setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	memset(&fake_sysreg, 0, sizeof(fake_sysreg));
	memset(&vm, 0, sizeof(vm));
	memset(&vcpu, 0, sizeof(vcpu));
	memset(&cpu, 0, sizeof(cpu));
	strcpy(vm.cfg.name, "guest");
	vcpu.vm = &vm;
	vcpu.regs.pc = 0x40001000;
	vcpu.regs.cpsr = CPSR_MODE_SVC;
	cpu.loaded = &vcpu;
	fake_sysreg.htpidr = (uintptr_t)&cpu;
	mmio_regions_init(&vm.mmio);
	assert_int_equal(mmio_region_add(&vm.mmio, DEV_BASE, DEV_SIZE, &dev_ops, NULL), 0);
	return 0;
}

/* A data abort's syndrome: a 32-bit instruction, the access of size bytes
 * into or from register rt, with a valid ISS. */
static uint32_t dabt_hsr(unsigned size, unsigned rt, bool write, bool sign)
{
	unsigned sas = size == 1 ? 0 : size == 2 ? 1 : 2;

	return (uint32_t)HSR_EC_DABT_LOWER << HSR_EC_SHIFT | HSR_IL | HSR_DABT_ISV |
	       sas << HSR_DABT_SAS_SHIFT | (sign ? HSR_DABT_SSE : 0) | rt << HSR_DABT_SRT_SHIFT |
	       (write ? HSR_DABT_WNR : 0) | FSC_TRANSLATION;
}

static enum trap_action trap(uint32_t hsr)
{
	fake_sysreg.hsr = hsr;
	return trap_handle(&vcpu, EXIT_TRAP);
}

static void test_mmio_write_and_read_with_stage1_off(void **state)
{
	(void)state;
	/* STR r3 at 0x08000104: the IPA is the address, the value r3's. */
	vcpu.regs.r[3] = 0xcafef00d;
	fake_sysreg.hdfar = 0x08000104;
	assert_int_equal(trap(dabt_hsr(4, 3, true, false)), TRAP_CONTINUE);
	assert_int_equal(fake.mmio_calls, 1);
	assert_int_equal(fake.mmio_ipa, 0x08000104);
	assert_true(fake.mmio_write);
	assert_int_equal(fake.mmio_width, 4);
	assert_int_equal(fake.mmio_val, 0xcafef00d);
	assert_int_equal(vcpu.regs.pc, 0x40001004);
	/* LDRSH r5: the halfword read, sign-extended into r5. */
	fake.mmio_val = 0x8001;
	assert_int_equal(trap(dabt_hsr(2, 5, false, true)), TRAP_CONTINUE);
	assert_int_equal(vcpu.regs.r[5], 0xffff8001u);
	assert_int_equal(vcpu.regs.pc, 0x40001008);
	assert_int_equal(fake.dabt, 0);
}

static void test_mmio_ipa_above_4gib_through_the_guests_stage1(void **state)
{
	(void)state;
	/* Stage 1 on: ATS1CPR's PAR (64-bit format) gives the whole IPA, not
	 * HPFAR (QEMU 7.2 cuts it to 32 bits). */
	fake_sysreg.sctlr = SCTLR_M;
	fake_sysreg.par = PAR_LPAE | 0x140000000ull;
	fake_sysreg.hdfar = 0xc0000120;
	fake_sysreg.hpfar = 0x00080000; /* cut: the device's 0x08000120 */
	assert_int_equal(trap(dabt_hsr(4, 0, false, false)), TRAP_CONTINUE);
	assert_int_equal(fake.mmio_calls, 0);
	/* Neither RAM nor a device: an abort in the guest, at its own VA, the
	 * instruction not skipped. */
	assert_int_equal(fake.dabt, 1);
	assert_int_equal(fake.dabt_far, 0xc0000120);
	assert_false(fake.dabt_write);
	assert_int_equal(vcpu.regs.pc, 0x40001000);
	/* The guest's own PAR is kept. */
	assert_int_equal(fake_sysreg.par, PAR_LPAE | 0x140000000ull);
}

static void test_wfi_wfe_smc_vfp_and_unknown(void **state)
{
	const uint32_t wfi = (uint32_t)HSR_EC_WFX << HSR_EC_SHIFT | HSR_IL;

	(void)state;
	/* WFI with nothing to deliver blocks; with an interrupt pending not. */
	assert_int_equal(trap(wfi), TRAP_IDLE);
	assert_true(vcpu.blocked);
	vcpu.blocked = false;
	fake.pending = true;
	assert_int_equal(trap(wfi), TRAP_IDLE);
	assert_false(vcpu.blocked);
	/* WFE yields; each is skipped. */
	assert_int_equal(trap(wfi | 1), TRAP_YIELD);
	assert_int_equal(fake.skipped, 3);
	/* SMC has no firmware behind it; an unknown class is undefined. */
	assert_int_equal(trap((uint32_t)HSR_EC_SMC << HSR_EC_SHIFT | HSR_IL), TRAP_CONTINUE);
	assert_int_equal(fake.undef, 1);
	assert_int_equal(trap((uint32_t)HSR_EC_UNKNOWN << HSR_EC_SHIFT | HSR_IL), TRAP_CONTINUE);
	assert_int_equal(fake.undef, 2);
	assert_int_equal(trap((uint32_t)HSR_EC_HCPTR << HSR_EC_SHIFT | HSR_IL), TRAP_CONTINUE);
	assert_int_equal(fake.vfp, 1);
	assert_int_equal(trap((uint32_t)HSR_EC_HVC << HSR_EC_SHIFT | HSR_IL), TRAP_CONTINUE);
	assert_int_equal(fake.hvc, 1);
}

static void test_cp15_condition_and_refusal(void **state)
{
	/* MRC p15 with a condition (EQ) that fails (Z clear): skipped, not
	 * emulated. */
	const uint32_t mrc = (uint32_t)HSR_EC_CP15_32 << HSR_EC_SHIFT | HSR_IL | HSR_CV |
			     (uint32_t)COND_EQ << HSR_COND_SHIFT | 1u /* read */;

	(void)state;
	assert_int_equal(trap(mrc), TRAP_CONTINUE);
	assert_int_equal(fake.cp15, 0);
	assert_int_equal(vcpu.regs.pc, 0x40001004);
	/* Z set: emulated and skipped; refused by cp15_emulate: undefined. */
	vcpu.regs.cpsr |= CPSR_Z;
	assert_int_equal(trap(mrc), TRAP_CONTINUE);
	assert_int_equal(fake.cp15, 1);
	assert_int_equal(vcpu.regs.pc, 0x40001008);
	fake.cp15_ret = -1;
	assert_int_equal(trap(mrc), TRAP_CONTINUE);
	assert_int_equal(fake.undef, 1);
	assert_int_equal(vcpu.regs.pc, 0x40001008);
}

static void test_fast_path(void **state)
{
	struct guest_frame f = { 0 };

	(void)state;
	/* HVC: not this path's (the vector sends it to trap_hvc). */
	assert_int_equal(trap_fast(&f, (uint32_t)HSR_EC_HVC << HSR_EC_SHIFT | HSR_IL), EXIT_TRAP);
	assert_int_equal(fake.hvc, 0);
	/* A store of r2 to a device: ELR moves past it, nothing else. */
	f.r[2] = 0x1234;
	fake_sysreg.elr_hyp = 0x40002000;
	fake_sysreg.spsr_hyp = CPSR_MODE_SVC;
	fake_sysreg.hdfar = 0x08000200;
	fake_sysreg.hsr = dabt_hsr(4, 2, true, false);
	assert_int_equal(trap_fast(&f, fake_sysreg.hsr), TRAP_FAST_RESUME);
	assert_int_equal(fake.mmio_val, 0x1234);
	assert_int_equal(fake_sysreg.elr_hyp, 0x40002004);
	assert_int_equal(cpu.tick_exits, 1);
	/* A kick for this CPU: served, but the run loop must look. */
	cpu.need_resched = 1;
	assert_int_equal(trap_fast(&f, fake_sysreg.hsr), EXIT_HANDLED);
	assert_int_equal(fake_sysreg.elr_hyp, 0x40002008);
	cpu.need_resched = 0;
	/* No device there and not a RAM block's first touch: the whole exit
	 * takes it (and reports it), nothing done here. */
	fake_sysreg.hdfar = 0x0c000000;
	assert_int_equal(trap_fast(&f, fake_sysreg.hsr), EXIT_TRAP);
	assert_int_equal(fake_sysreg.elr_hyp, 0x40002008);
	assert_int_equal(fake.ram_fault_ipa, 0x0c000000);
	/* The first touch of a lazily zeroed RAM block: retried. */
	fake.ram_fault = true;
	fake_sysreg.hdfar = 0x40200000;
	assert_int_equal(trap_fast(&f, fake_sysreg.hsr), TRAP_FAST_RESUME);
	assert_int_equal(fake.ram_fault_ipa, 0x40200000);
	assert_int_equal(fake_sysreg.elr_hyp, 0x40002008);
	/* A virtio window: never on the fast path (the vCPU may have to
	 * leave its CPU); the whole exit forwards it, no abort. */
	fake.ram_fault = false;
	fake_sysreg.hdfar = 0x0a000204;
	fake_sysreg.hsr = dabt_hsr(4, 7, false, false);
	assert_int_equal(trap_fast(&f, fake_sysreg.hsr), EXIT_TRAP);
	assert_int_equal(fake.forwarded_ipa, 0);
	assert_int_equal(trap(fake_sysreg.hsr), TRAP_CONTINUE);
	assert_int_equal(fake.forwarded_ipa, 0x0a000204);
	assert_int_equal(fake.forwarded_rt, 7);
	assert_int_equal(fake.dabt, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_mmio_write_and_read_with_stage1_off, setup),
		cmocka_unit_test_setup(test_mmio_ipa_above_4gib_through_the_guests_stage1, setup),
		cmocka_unit_test_setup(test_wfi_wfe_smc_vfp_and_unknown, setup),
		cmocka_unit_test_setup(test_cp15_condition_and_refusal, setup),
		cmocka_unit_test_setup(test_fast_path, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
