// SPDX-License-Identifier: MIT
/*
 * The vCPU on the host, through the fake arch: hyp/vcpu.c's exceptions
 * into the guest (checked against the ARM ARM's exception entry, B1.8.3
 * and B1.9), the guest's registers as each mode sees them, the boot
 * state, the virtual timer's deadline, and the run loop's load, entry
 * and put of CP15, timer, stage 2 and HCR.  The world switch (guest_enter)
 * and what vcpu.c calls in the rest of the core are faked here and
 * record what they were asked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/sysreg.h"
#include "hyp.h"
#include "percpu.h"
#include "scheduler.h"
#include "trap.h"
#include "vcpu.h"
#include "vgic.h"
#include "ioreq.h"
#include "vm.h"

struct hyp_state hyp;
static struct vm vm;
static struct vcpu vcpu;
static struct percpu cpu;

#define VTTBR_OF_VM 0x0005000040000000ull

static struct {
	unsigned entries, banked_saves, settles, vfp_saves, vfp_restores;
	uint32_t hcr_in_guest, hcptr_in_guest;
	uint64_t vttbr_in_guest, ttbr0_in_guest;
	uint32_t exit_reason;   /* what guest_enter returns */
	bool block_on_trap;     /* trap_handle blocks the vCPU */
	struct vcpu_gpregs hw_banked; /* the "hardware's" banked registers */
	unsigned io_finished, entries_at_finish;
	bool vgic_unloaded, timer_virq_active; /* vgic_loaded, vgic_map_is_active */
	unsigned ppi_writes;                   /* gic_irq_set_active(27, ...) */
	bool ppi_active;
} fake;

void ioreq_finish(struct vcpu *v)
{
	fake.io_finished++;
	fake.entries_at_finish = fake.entries;
	v->io.state = IO_IDLE;
}

uint32_t guest_enter(void *regs, bool banked)
{
	(void)banked;
	assert_ptr_equal(regs, &vcpu.regs);
	fake.entries++;
	fake.hcr_in_guest = (uint32_t)fake_sysreg.hcr;
	fake.hcptr_in_guest = (uint32_t)fake_sysreg.hcptr;
	fake.vttbr_in_guest = fake_sysreg.vttbr;
	fake.ttbr0_in_guest = fake_sysreg.ttbr0;
	return fake.exit_reason;
}

void banked_save(void *regs)
{
	struct vcpu_gpregs *g = regs;

	fake.banked_saves++;
	g->sp_svc = fake.hw_banked.sp_svc;
	g->lr_svc = fake.hw_banked.lr_svc;
	g->spsr_svc = fake.hw_banked.spsr_svc;
}

enum trap_action trap_handle(struct vcpu *v, uint32_t reason)
{
	assert_int_equal(reason, fake.exit_reason);
	if (fake.block_on_trap)
		v->blocked = true;
	return TRAP_CONTINUE;
}

void vfp_save(struct vcpu_vfp *vfp) { (void)vfp; fake.vfp_saves++; }
void vfp_restore(const struct vcpu_vfp *vfp) { (void)vfp; fake.vfp_restores++; }
void gic_irq_set_active(unsigned irq, bool active)
{
	assert_int_equal(irq, 27);
	fake.ppi_writes++;
	fake.ppi_active = active;
}
uint64_t timer_now(void) { return 1234; }
bool sched_check(void) { return true; }
bool sched_yield_turn(void) { return true; }
uint64_t stage2_vttbr(const struct stage2 *s2, uint8_t id)
{
	(void)s2;
	return VTTBR_OF_VM | (uint64_t)id << 48;
}
uint8_t vmid_current_id(const struct vmid *v) { (void)v; return 7; }
uint8_t vmid_check_and_update(struct vmid *v) { (void)v; return 7; }
bool vgic_loaded(const struct vgic *d, unsigned i) { (void)d; (void)i; return !fake.vgic_unloaded; }
void vgic_restore(struct vgic *d, unsigned i) { (void)d; (void)i; fake.vgic_unloaded = false; }
void vgic_save(struct vgic *d, unsigned i) { (void)d; (void)i; fake.vgic_unloaded = true; }
bool vgic_map_is_active(struct vgic *d, unsigned i, unsigned irq)
{
	(void)d, (void)i;
	assert_int_equal(irq, 27);
	return fake.timer_virq_active;
}
void vgic_flush(struct vgic *d, unsigned i) { (void)d; (void)i; }
uint32_t vgic_sync(struct vgic *d, unsigned i) { (void)d; (void)i; return 0; }
void vm_kick(struct vm *v, uint32_t mask) { (void)v; (void)mask; }
void vm_settle(struct vm *v) { (void)v; fake.settles++; }
bool vm_lifecycle_done(const struct vm *v, uint32_t seq)
{
	return v->lc_done - seq < 0x80000000u;
}

static int setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	memset(&fake_sysreg, 0, sizeof(fake_sysreg));
	memset(&vm, 0, sizeof(vm));
	memset(&vcpu, 0, sizeof(vcpu));
	memset(&cpu, 0, sizeof(cpu));
	vm.state = VM_RUNNING;
	vcpu.vm = &vm;
	vcpu.index = 1;
	runq_init(&cpu.rq, NULL);
	runq_add(&cpu.rq, &vcpu.sched, 1, 0);
	vcpu_reset(&vcpu, 0x40008000, 0, 0x12345678, 0x48000000);
	fake_sysreg.htpidr = (uintptr_t)&cpu;
	fake_sysreg.vbar = 0x40000000;
	hyp.plat.timer.virt_irq = 27;
	return 0;
}

/* ---- The boot state ----------------------------------------------------- */

static void test_reset_is_the_linux_boot_state(void **state)
{
	(void)state;
	/* Documentation/arm/booting.rst: SVC mode, IRQs and FIQs masked, MMU
	 * and data cache off; r0 = 0, r1 = machine type, r2 = the DTB. */
	assert_int_equal(vcpu.regs.cpsr & CPSR_MODE_MASK, CPSR_MODE_SVC);
	assert_true(vcpu.regs.cpsr & CPSR_I);
	assert_true(vcpu.regs.cpsr & CPSR_F);
	assert_false(vcpu.regs.cpsr & CPSR_T);
	assert_int_equal(vcpu.regs.pc, 0x40008000);
	assert_int_equal(vcpu.regs.r[0], 0);
	assert_int_equal(vcpu.regs.r[1], 0x12345678);
	assert_int_equal(vcpu.regs.r[2], 0x48000000);
	assert_false(vcpu.cp15.sctlr & SCTLR_M);
	assert_false(vcpu.cp15.sctlr & (1u << 2)); /* C */
	/* MPIDR: the multiprocessing format (bit 31), Aff0 the vCPU's index. */
	assert_int_equal(vcpu.vmpidr, 0x80000001u);
	/* A Thumb entry point (bit 0 set) starts in Thumb state. */
	vcpu_reset(&vcpu, 0x40008001, 0, 0, 0);
	assert_int_equal(vcpu.regs.pc, 0x40008000);
	assert_true(vcpu.regs.cpsr & CPSR_T);
}

/* ---- Exceptions into the guest -------------------------------------------- */

static void test_undefined_instruction(void **state)
{
	uint32_t before = CPSR_MODE_SVC | CPSR_F | 0xf0000000u; /* NZCV, A clear */

	(void)state;
	vcpu.regs.cpsr = before;
	vcpu.regs.pc = 0x40001000;
	vcpu_inject_undef(&vcpu);
	/* Undefined mode at VBAR + 4; LR_und the next ARM instruction. */
	assert_int_equal(vcpu.regs.cpsr & CPSR_MODE_MASK, CPSR_MODE_UND);
	assert_int_equal(vcpu.regs.pc, 0x40000004);
	assert_int_equal(vcpu.regs.lr_und, 0x40001004);
	assert_int_equal(vcpu.regs.spsr_und, before);
	/* I set; A and F unchanged for an Undefined exception; flags kept. */
	assert_true(vcpu.regs.cpsr & CPSR_I);
	assert_false(vcpu.regs.cpsr & CPSR_A);
	assert_true(vcpu.regs.cpsr & CPSR_F);
	assert_int_equal(vcpu.regs.cpsr & 0xf0000000u, 0xf0000000u);

	/* From Thumb: LR is the next 16-bit instruction; SCTLR.TE = 1 enters
	 * the handler in Thumb, SCTLR.V = 1 takes the high vectors. */
	vcpu.regs.cpsr = CPSR_MODE_USR | CPSR_T;
	vcpu.regs.pc = 0x8002;
	fake_sysreg.sctlr = (1u << 30) | (1u << 13);
	vcpu_inject_undef(&vcpu);
	assert_int_equal(vcpu.regs.lr_und, 0x8004);
	assert_int_equal(vcpu.regs.pc, 0xffff0004);
	assert_true(vcpu.regs.cpsr & CPSR_T);
	assert_int_equal(vcpu.regs.spsr_und, CPSR_MODE_USR | CPSR_T);
}

static void test_data_abort(void **state)
{
	/* A Thumb instruction inside an IT block. */
	uint32_t before = CPSR_MODE_SVC | CPSR_T | (1u << CPSR_IT_HIGH_SHIFT);

	(void)state;
	vcpu.regs.cpsr = before;
	vcpu.regs.pc = 0x40002000;
	vcpu_inject_dabt(&vcpu, 0x09001000, true);
	/* Abort mode at VBAR + 0x10; LR_abt the instruction + 8. */
	assert_int_equal(vcpu.regs.cpsr & CPSR_MODE_MASK, CPSR_MODE_ABT);
	assert_int_equal(vcpu.regs.pc, 0x40000010);
	assert_int_equal(vcpu.regs.lr_abt, 0x40002008);
	assert_int_equal(vcpu.regs.spsr_abt, before);
	/* A and I set, IT cleared, T from SCTLR.TE (0: ARM). */
	assert_true(vcpu.regs.cpsr & CPSR_A);
	assert_true(vcpu.regs.cpsr & CPSR_I);
	assert_false(vcpu.regs.cpsr & CPSR_IT_MASK);
	assert_false(vcpu.regs.cpsr & CPSR_T);
	/* The short-descriptor DFSR (TTBCR.EAE = 0): synchronous external
	 * abort 0b01000, WnR (bit 11) for a write; DFAR the address. */
	assert_int_equal(fake_sysreg.dfar, 0x09001000);
	assert_int_equal(fake_sysreg.dfsr, 0x808);

	/* The long-descriptor format (TTBCR.EAE = 1): LPAE bit 9, 0b010000. */
	fake_sysreg.ttbcr = 1u << 31;
	vcpu.regs.cpsr = CPSR_MODE_SVC;
	vcpu_inject_dabt(&vcpu, 0x09000000, false);
	assert_int_equal(fake_sysreg.dfsr, 0x210);
}

static void test_prefetch_abort(void **state)
{
	(void)state;
	fake_sysreg.sctlr = 1u << 25; /* EE: the handler runs big-endian */
	vcpu.regs.cpsr = CPSR_MODE_USR;
	vcpu.regs.pc = 0x7ff000;
	vcpu_inject_pabt(&vcpu, 0x7ff000);
	assert_int_equal(vcpu.regs.cpsr & CPSR_MODE_MASK, CPSR_MODE_ABT);
	assert_int_equal(vcpu.regs.pc, 0x4000000c);
	assert_int_equal(vcpu.regs.lr_abt, 0x7ff004);
	assert_true(vcpu.regs.cpsr & CPSR_E);
	assert_int_equal(fake_sysreg.ifar, 0x7ff000);
	assert_int_equal(fake_sysreg.ifsr, 0x008);
}

/* An exception into a loaded vCPU writes its banked SPSR and LR: the
 * hardware's banked registers are taken first, so the others survive. */
static void test_exception_takes_the_banked_registers_first(void **state)
{
	(void)state;
	vcpu.banked_hw = true;
	fake.hw_banked.sp_svc = 0x4ff00000;
	vcpu.regs.cpsr = CPSR_MODE_SVC;
	vcpu_inject_undef(&vcpu);
	assert_int_equal(fake.banked_saves, 1);
	assert_false(vcpu.banked_hw);
	assert_int_equal(vcpu.regs.sp_svc, 0x4ff00000);
}

/* ---- The guest's registers ---------------------------------------------- */

static void test_registers_as_each_mode_sees_them(void **state)
{
	static const struct {
		uint32_t mode;
		size_t sp, lr;
	} modes[] = {
		{ CPSR_MODE_USR, offsetof(struct vcpu_gpregs, sp_usr), offsetof(struct vcpu_gpregs, lr_usr) },
		{ CPSR_MODE_SYS, offsetof(struct vcpu_gpregs, sp_usr), offsetof(struct vcpu_gpregs, lr_usr) },
		{ CPSR_MODE_SVC, offsetof(struct vcpu_gpregs, sp_svc), offsetof(struct vcpu_gpregs, lr_svc) },
		{ CPSR_MODE_ABT, offsetof(struct vcpu_gpregs, sp_abt), offsetof(struct vcpu_gpregs, lr_abt) },
		{ CPSR_MODE_UND, offsetof(struct vcpu_gpregs, sp_und), offsetof(struct vcpu_gpregs, lr_und) },
		{ CPSR_MODE_IRQ, offsetof(struct vcpu_gpregs, sp_irq), offsetof(struct vcpu_gpregs, lr_irq) },
		{ CPSR_MODE_FIQ, offsetof(struct vcpu_gpregs, sp_fiq), offsetof(struct vcpu_gpregs, lr_fiq) },
	};
	char *base = (char *)&vcpu.regs;
	unsigned i, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		vcpu.regs.cpsr = modes[i].mode;
		assert_ptr_equal(guest_reg_ptr(&vcpu, 13), base + modes[i].sp);
		assert_ptr_equal(guest_reg_ptr(&vcpu, 14), base + modes[i].lr);
		assert_ptr_equal(guest_reg_ptr(&vcpu, 15), &vcpu.regs.pc);
		for (n = 0; n < 8; n++)
			assert_ptr_equal(guest_reg_ptr(&vcpu, n), &vcpu.regs.r[n]);
		/* r8-r12: FIQ mode has its own. */
		for (n = 8; n < 13; n++)
			assert_ptr_equal(guest_reg_ptr(&vcpu, n),
					 modes[i].mode == CPSR_MODE_FIQ ? &(&vcpu.regs.r8_fiq)[n - 8]
									 : &vcpu.regs.r[n]);
	}
	vcpu.regs.cpsr = CPSR_MODE_SVC;
	guest_reg_set(&vcpu, 13, 0x1234);
	assert_int_equal(vcpu.regs.sp_svc, 0x1234);
	assert_int_equal(guest_reg(&vcpu, 13 + 16), 0x1234); /* n is 4 bits */
}

static void test_skip_moves_past_the_instruction_and_the_it_state(void **state)
{
	(void)state;
	vcpu.regs.pc = 0x1000;
	vcpu.regs.cpsr = CPSR_MODE_SVC;
	vcpu_skip_insn(&vcpu, 4);
	assert_int_equal(vcpu.regs.pc, 0x1004);
	assert_int_equal(vcpu.regs.cpsr, CPSR_MODE_SVC);
	/* ITT EQ (IT = 0x04 | EQ << 4): one instruction done, one left. */
	vcpu.regs.cpsr = CPSR_MODE_SVC | CPSR_T | (0x01u << CPSR_IT_HIGH_SHIFT);
	vcpu_skip_insn(&vcpu, 2);
	assert_int_equal(vcpu.regs.pc, 0x1006);
	assert_int_equal(vcpu.regs.cpsr & CPSR_IT_MASK, 0x02u << CPSR_IT_HIGH_SHIFT);
}

/* ---- The virtual timer ---------------------------------------------------- */

static void test_timer_deadline(void **state)
{
	(void)state;
	vm.cntvoff = 1000;
	vcpu.cp15.cntv_cval = 500;
	vcpu.cp15.cntv_ctl = CNTV_CTL_ENABLE;
	assert_int_equal(vcpu_timer_deadline(&vcpu), 1500);
	vcpu.cp15.cntv_ctl = CNTV_CTL_ENABLE | CNTV_CTL_IMASK;
	assert_int_equal(vcpu_timer_deadline(&vcpu), 0);
	vcpu.cp15.cntv_ctl = 0;
	assert_int_equal(vcpu_timer_deadline(&vcpu), 0);
}

/* ---- The run loop --------------------------------------------------------- */

static void test_run_loads_enters_and_puts(void **state)
{
	(void)state;
	vcpu.cp15.ttbr0 = 0x48004000;
	vcpu.cp15.cntv_cval = 99;
	vcpu.cp15.cntv_ctl = CNTV_CTL_ENABLE;
	vm.cntvoff = 5;
	vcpu.hcr |= HCR_VI;
	fake_sysreg.midr = 0x412fc0f1;
	vcpu_boot(&vcpu, 0x40100000, 0, 0, 0x48000000);
	vcpu.state = VCPU_RUNNABLE;
	fake.exit_reason = EXIT_TRAP;
	fake.block_on_trap = true;

	vcpu_run(&vcpu);
	/* Started from the boot state, entered once with its own CP15, stage
	 * 2 (the VM's tables, its VMID), HCR and VFP traps. */
	assert_int_equal(fake.entries, 1);
	assert_int_equal(vcpu.regs.pc, 0x40100000);
	assert_int_equal(vcpu.regs.r[2], 0x48000000);
	assert_int_equal(hyp.first_guest_time, 1234);
	assert_int_equal(fake.ttbr0_in_guest, 0); /* vcpu_boot's reset cleared it */
	assert_int_equal(fake.vttbr_in_guest, VTTBR_OF_VM | 7ull << 48);
	assert_int_equal(cpu.vttbr, VTTBR_OF_VM | 7ull << 48);
	assert_true(fake.hcr_in_guest & HCR_VM);
	assert_false(fake.hcr_in_guest & HCR_VI); /* the reset: no line */
	assert_true(fake.hcptr_in_guest != 0); /* VFP traps: not its VFP yet */
	assert_int_equal(fake_sysreg.vmpidr, 0x80000001u);
	assert_int_equal(fake_sysreg.vpidr, 0x412fc0f1);
	/* Out of the guest: HCR off, its state still loaded, and it left. */
	assert_int_equal(fake_sysreg.hcr, 0);
	assert_false(vcpu.running);
	assert_true(vcpu.banked_hw);
	assert_ptr_equal(cpu.loaded, &vcpu);
	assert_int_equal(fake_sysreg.sev, 1);
	/* Loaded, its timer is the hardware's: off the run queue's timed list. */
	assert_ptr_equal(cpu.rq.timed.next, &cpu.rq.timed);

	/* Put: the hardware's CP15 and timer go back into the vCPU. */
	fake_sysreg.ttbr0 = 0x48008000;
	fake_sysreg.cntv_cval = 777;
	fake_sysreg.cntv_ctl = CNTV_CTL_ENABLE | CNTV_CTL_ISTATUS;
	fake.hw_banked.sp_svc = 0x40ff0000;
	vcpu_put();
	assert_null(cpu.loaded);
	assert_int_equal(vcpu.cp15.ttbr0, 0x48008000);
	assert_int_equal(vcpu.cp15.cntv_cval, 777);
	assert_int_equal(vcpu.cp15.cntv_ctl, CNTV_CTL_ENABLE | CNTV_CTL_ISTATUS);
	assert_int_equal(fake_sysreg.cntv_ctl, 0); /* the next vCPU's timer is its own */
	assert_int_equal(vcpu.regs.sp_svc, 0x40ff0000);
	assert_false(vcpu.banked_hw);
	/* Its timer armed, the run queue's scans must see it. */
	assert_ptr_equal(cpu.rq.timed.next, &vcpu.sched.timed);
}

/* A vCPU waiting for its backend does not run; once its access is done it
 * finishes it (a read's register) before it enters the guest. */
static void test_run_finishes_a_forwarded_access_first(void **state)
{
	(void)state;
	vcpu.state = VCPU_RUNNABLE;
	fake.exit_reason = EXIT_TRAP;
	fake.block_on_trap = true;
	vcpu.io.state = IO_WAIT;
	assert_false(vcpu_runnable(&vcpu));
	vcpu.io.state = IO_RETRY;
	assert_false(vcpu_runnable(&vcpu));
	vcpu_run(&vcpu);
	assert_int_equal(fake.entries, 0);
	vcpu.io.state = IO_POSTED; /* a posted write: it goes on */
	assert_true(vcpu_runnable(&vcpu));
	vcpu.io.state = IO_DONE;
	assert_true(vcpu_runnable(&vcpu));
	vcpu_run(&vcpu);
	assert_int_equal(fake.io_finished, 1);
	assert_int_equal(fake.entries_at_finish, 0);
	assert_int_equal(fake.entries, 1);
}

/* The timer's physical PPI follows the vCPU's virtual copy: set active at
 * the load of a vCPU whose copy is active, inactive again at its put; a
 * switch between vCPUs whose timers rest writes nothing, and a PPI the
 * handler left active (vtimer_active) is cleared at the put. */
static void test_run_and_put_carry_the_timer_ppi(void **state)
{
	(void)state;
	vcpu.state = VCPU_RUNNABLE;
	fake.exit_reason = EXIT_TRAP;
	fake.block_on_trap = true;
	fake.vgic_unloaded = true;
	fake.timer_virq_active = true;
	vcpu_run(&vcpu);
	assert_int_equal(fake.entries, 1);
	assert_int_equal(fake.ppi_writes, 1);
	assert_true(fake.ppi_active && cpu.vtimer_active);
	vcpu_put();
	assert_int_equal(fake.ppi_writes, 2);
	assert_false(fake.ppi_active || cpu.vtimer_active);

	fake.timer_virq_active = false;
	vcpu.blocked = false;
	vcpu_run(&vcpu);
	vcpu_put();
	assert_int_equal(fake.entries, 2);
	assert_int_equal(fake.ppi_writes, 2);

	vcpu.blocked = false;
	vcpu_run(&vcpu);
	cpu.vtimer_active = true; /* its interrupt came and stays active */
	vcpu_put();
	assert_int_equal(fake.ppi_writes, 3);
	assert_false(fake.ppi_active || cpu.vtimer_active);
}

static void test_run_returns_at_once_for_a_vcpu_not_runnable(void **state)
{
	(void)state;
	vcpu.state = VCPU_RUNNABLE;
	vm.state = VM_PAUSED;
	vm.lc_requested = 1; /* a request pending: the vCPU's leaving settles it */
	vcpu_run(&vcpu);
	assert_int_equal(fake.entries, 0);
	assert_int_equal(fake.settles, 1);
	assert_false(vcpu.running);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_is_the_linux_boot_state, setup),
		cmocka_unit_test_setup(test_undefined_instruction, setup),
		cmocka_unit_test_setup(test_data_abort, setup),
		cmocka_unit_test_setup(test_prefetch_abort, setup),
		cmocka_unit_test_setup(test_exception_takes_the_banked_registers_first, setup),
		cmocka_unit_test_setup(test_registers_as_each_mode_sees_them, setup),
		cmocka_unit_test_setup(test_skip_moves_past_the_instruction_and_the_it_state, setup),
		cmocka_unit_test_setup(test_timer_deadline, setup),
		cmocka_unit_test_setup(test_run_loads_enters_and_puts, setup),
		cmocka_unit_test_setup(test_run_finishes_a_forwarded_access_first, setup),
		cmocka_unit_test_setup(test_run_and_put_carry_the_timer_ppi, setup),
		cmocka_unit_test_setup(test_run_returns_at_once_for_a_vcpu_not_runnable, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
