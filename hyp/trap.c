// SPDX-License-Identifier: MIT
/*
 * Exits from guests: one dispatch on HSR.EC after the ARMv7 condition-code
 * check, every entry filled (unknown classes reflect an undefined
 * instruction).  A guest fault Lowvisor cannot serve becomes an abort or an
 * undefined instruction in that guest, with a rate-limited log line, never
 * a hypervisor panic.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "arch/sysreg.h"
#include "emul.h"
#include "hyp.h"
#include "hypercall.h"
#include "log.h"
#include "percpu.h"
#include "scheduler.h"
#include "trap.h"
#include "vgic.h"
#include "vm.h"

typedef enum trap_action (*trap_fn)(struct vcpu *v, uint32_t hsr);

/* Guest-caused log lines: at most 5 a second for each VM, so a guest can
 * flood neither the console nor the other guests' messages out. */
static __printf(2, 3) void guest_log(struct vcpu *v, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (!vm_log_allow(v->vm, &v->vm->log_limit))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warn("vm '%s' vcpu%u: %s (pc 0x%08lx)", v->vm->cfg.name, v->index, msg,
		 (unsigned long)v->regs.pc);
}

static enum trap_action undefined(struct vcpu *v, uint32_t hsr)
{
	guest_log(v, "%s (HSR 0x%08lx): undefined instruction injected", hsr_ec_name(hsr_ec(hsr)),
		  (unsigned long)hsr);
	vcpu_inject_undef(v);
	return TRAP_CONTINUE;
}

static enum trap_action wfx(struct vcpu *v, uint32_t hsr)
{
	vcpu_skip_insn(v, hsr_il(hsr));
	if (hsr_wfx_is_wfe(hsr))
		return TRAP_YIELD;
	/* Block until an interrupt is deliverable.  Blocked first, checked
	 * after: an injection on another CPU either sees the flag or is seen
	 * here (vm_kick checks in the other order). */
	v->blocked = true;
	dmb();
	if (vgic_vcpu_pending(v->vm->vgic, v->index) || vm_vcpu_has_line(v))
		v->blocked = false;
	return TRAP_IDLE;
}

static enum trap_action hvc(struct vcpu *v, uint32_t hsr)
{
	(void)hsr; /* ELR already points past the HVC */
	return hypercall(v);
}

static enum trap_action smc(struct vcpu *v, uint32_t hsr)
{
	/* The guest's DT says PSCI is by HVC; an SMC has no firmware behind it. */
	(void)hsr;
	vcpu_inject_undef(v);
	return TRAP_CONTINUE;
}

static enum trap_action vfp(struct vcpu *v, uint32_t hsr)
{
	(void)hsr;
	vcpu_vfp_switch(v);
	return TRAP_CONTINUE;
}

static enum trap_action cp15_32(struct vcpu *v, uint32_t hsr)
{
	struct cp_access a;

	if (hsr_decode_cp(hsr, &a) || cp15_emulate(v, &a))
		return undefined(v, hsr);
	vcpu_skip_insn(v, hsr_il(hsr));
	return TRAP_CONTINUE;
}

/* va through the guest's own stage 1 (ATS1CPR from HYP: its PL1&0 stage
 * 1 alone), the guest's PAR kept; par_ipa() reads the result. */
static uint64_t guest_ats1cpr(uint32_t va)
{
	uint64_t saved = par_read(), par;

	ats1cpr_write(va);
	isb();
	par = par_read();
	par_write(saved);
	return par;
}

/*
 * The IPA at which a guest access at va faulted at stage 2 (hsr: its
 * abort).  HPFAR should hold IPA[39:12], but QEMU 7.2 keeps bits [31:12]
 * only (docs/architecture.md), and it holds nothing after a permission
 * fault.  So the guest's stage 1 answers: off, the IPA is va; on, ATS1CPR
 * translates va by it, as the access has just done.  HPFAR serves for a
 * fault on the stage-1 walk itself (S1PTW: the walk's table entry, which
 * QEMU 7.2 never looks for above 4 GiB), and if the guest changed its
 * mapping meanwhile.
 */
static uint64_t stage1_abort_ipa(uint32_t hsr, uint32_t va)
{
	uint64_t ipa;

	if ((hsr & HSR_ABT_S1PTW) || !par_ipa(guest_ats1cpr(va), va, &ipa))
		return fault_ipa(hpfar_read(), va);
	return ipa;
}

/* Inline: a guest with its stage 1 off pays one register read. */
static inline __attribute__((always_inline)) uint64_t abort_ipa(uint32_t hsr, uint32_t va)
{
	return (sctlr_read() & SCTLR_M) ? stage1_abort_ipa(hsr, va) : va;
}

static enum trap_action pabt(struct vcpu *v, uint32_t hsr)
{
	uint32_t far = hifar_read();

	guest_log(v, "instruction fetch at 0x%08lx (IPA %s) is not RAM: prefetch abort injected",
		  (unsigned long)far, HEX64(abort_ipa(hsr, far)));
	vcpu_inject_pabt(v, far);
	return TRAP_CONTINUE;
}

/*
 * An emulated MMIO access, decoded: the register it reads into or stores
 * from (rt, as reg), the access and its value.  0 when done (a load is in
 * *reg, the instruction not yet skipped); otherwise vm_mmio's error, with
 * nothing changed.
 */
static int mmio_access(struct vcpu *v, const struct mmio_access *a, uint64_t ipa, uint32_t *reg)
{
	uint32_t val = a->write ? mmio_store_value(a, *reg) : 0;
	int err = vm_mmio(v, ipa, a, &val);

	if (!err && !a->write)
		*reg = mmio_load_value(a, val);
	return err;
}

static enum trap_action dabt(struct vcpu *v, uint32_t hsr)
{
	struct mmio_access a;
	uint32_t far = hdfar_read();
	uint64_t ipa = abort_ipa(hsr, far);
	int err = hsr_decode_dabt(hsr, &a);

	if (!err)
		err = mmio_access(v, &a, ipa, guest_reg_ptr(v, a.rt)); /* rt 15: a store */
	else if (err == -EFAULT) {
		guest_log(v, "stage-1 table walk at IPA %s is not RAM: data abort injected",
			  HEX64(ipa));
		vcpu_inject_dabt(v, far, a.write);
		return TRAP_CONTINUE;
	} else if (a.cm) {
		vcpu_skip_insn(v, hsr_il(hsr)); /* cache maintenance on MMIO: nothing to do */
		return TRAP_CONTINUE;
	}
	if (err) {
		guest_log(v, "%s at 0x%08lx (IPA %s)%s: data abort injected",
			  a.write ? "write" : "read", (unsigned long)far, HEX64(ipa),
			  err == -ENOSYS ? " without syndrome" : err == -ENODEV ? " is not RAM or a device" : " is not a valid access");
		vcpu_inject_dabt(v, far, a.write);
		return TRAP_CONTINUE;
	}
	vcpu_skip_insn(v, a.il);
	return TRAP_CONTINUE;
}

/* The frame's copy of register n as the guest's mode sees it, or NULL
 * where that is a banked register (in the hardware) or the PC. */
static uint32_t *frame_reg(struct guest_frame *f, unsigned n, uint32_t cpsr)
{
	uint32_t mode = cpsr & CPSR_MODE_MASK;

	if (n < 8 || (n < 13 && mode != CPSR_MODE_FIQ))
		return &f->r[n];
	if (n == 14 && (mode == CPSR_MODE_USR || mode == CPSR_MODE_SYS))
		return &f->lr;
	return NULL;
}

/* A stage-2 translation fault in RAM not zeroed yet: vm_ram_fault()
 * zeroes and maps the block, and the access is retried.  At the whole IPA
 * (abort_ipa): one cut to 32 bits could name a block mapped already, and
 * the access would fault there again forever. */
static bool ram_fault(struct vcpu *v, uint32_t hsr, uint64_t ipa)
{
	return fsc_type(hsr_fsc(hsr)) == FSC_TRANSLATION && vm_ram_fault(v->vm, ipa);
}

/*
 * dabt() on the fast path, for an access that succeeds (anything else is
 * left to dabt(), which finds the same error and reports it), or the
 * first touch of a block of lazily zeroed RAM (retried).  Before a read,
 * as on a whole exit, the list registers are folded back (vgic_sync,
 * nearly nothing when none is in use), so that the distributor's state is
 * whole; *synced says they were, and must be filled again before the
 * guest runs.
 */
static int dabt_fast(struct vcpu *v, uint32_t hsr, struct guest_frame *f, bool *synced)
{
	struct vgic *g = v->vm->vgic;
	struct mmio_access a;
	uint32_t cpsr = spsr_hyp_read();
	uint32_t *reg, kick;
	int err;

	if (hsr_decode_dabt(hsr, &a))
		goto ram;
	reg = frame_reg(f, a.rt, cpsr);
	if (!reg)
		goto ram;
	/* A read must see the list registers' state; a write is applied at
	 * once, and one that touches an interrupt in a list register, or
	 * makes one deliverable here, kicks this vCPU, which takes the run
	 * loop's sync and flush (vgic.c: the same as another vCPU's write). */
	if (!a.write && !vgic_sync_idle(g, v->index)) {
		kick = vgic_sync(g, v->index);
		if (kick)
			vm_kick(v->vm, kick);
		*synced = true;
	}
	err = mmio_access(v, &a, abort_ipa(hsr, hdfar_read()), reg);
	if (err)
		goto ram;
	elr_hyp_write(elr_hyp_read() + a.il);
	if (cpsr & CPSR_IT_MASK)
		spsr_hyp_write(cpsr_it_advance(cpsr));
	return 0;
ram:	/* Not an MMIO access it can serve: the first touch of a RAM block? */
	return ram_fault(v, hsr, abort_ipa(hsr, hdfar_read())) ? 0 : -1;
}

/*
 * The fast path (trap.h).  Its state is the frame (r0-r12, LR_usr), ELR,
 * SPSR and the rest in the hardware; what it serves does not change this
 * vCPU's scheduling, and a hypercall does not depend on the list
 * registers.  A data abort's instruction passed its condition (it
 * accessed memory); HVC has none.  IRQs stay masked throughout, so the
 * VMID cannot go stale and the flush is the last thing before the guest.
 * Three classes, so a switch rather than trap_table's form: the compiler
 * then inlines dabt_fast (a table of pointers cost MMIO 20 instructions).
 */
uint32_t trap_fast(struct guest_frame *f)
{
	struct percpu *cpu = this_cpu();
	struct vcpu *v = cpu->loaded;
	uint32_t hsr = hsr_read();
	bool synced = false;
	int err;

	switch (hsr_ec(hsr)) {
	case HSR_EC_HVC:
		err = hypercall_fast(v, f->r);
		break;
	case HSR_EC_IABT_LOWER:
		/* Its first touch of a block of lazily zeroed RAM: retried. */
		if (!ram_fault(v, hsr, abort_ipa(hsr, hifar_read())))
			return EXIT_TRAP;
		err = 0;
		break;
	case HSR_EC_DABT_LOWER:
		err = dabt_fast(v, hsr, f, &synced);
		break;
	default:
		return EXIT_TRAP;
	}
	if (err)
		return EXIT_TRAP;
	if (cpu->need_resched) /* a kick for this CPU: ask the run queue */
		return EXIT_HANDLED;
	if (synced)
		vgic_flush(v->vm->vgic, v->index);
	cpu->exits++;
	return TRAP_FAST_RESUME;
}

static const trap_fn trap_table[HSR_EC_COUNT] = {
	[HSR_EC_WFX] = wfx,
	[HSR_EC_CP15_32] = cp15_32,
	[HSR_EC_CP15_64] = cp15_32,
	[HSR_EC_HCPTR] = vfp,
	[HSR_EC_HVC] = hvc,
	[HSR_EC_SMC] = smc,
	[HSR_EC_IABT_LOWER] = pabt,
	[HSR_EC_DABT_LOWER] = dabt,
};

static enum trap_action trap_sync(struct vcpu *v)
{
	uint32_t hsr = hsr_read();
	unsigned ec = hsr_ec(hsr);
	trap_fn fn = trap_table[ec] ? trap_table[ec] : undefined;

	/* A conditional instruction that failed its condition traps anyway
	 * on some implementations: it must do nothing. */
	if (!hsr_condition_passed(hsr, v->regs.cpsr)) {
		vcpu_skip_insn(v, hsr_il(hsr));
		return TRAP_CONTINUE;
	}
	return fn(v, hsr);
}

enum trap_action trap_handle(struct vcpu *v, uint32_t reason)
{
	switch (reason) {
	case EXIT_TRAP:
		return trap_sync(v);
	case EXIT_IRQ:
		hyp_irq(NULL);
		return TRAP_CONTINUE;
	case EXIT_HANDLED:
		return TRAP_CONTINUE;
	default:
		return TRAP_CONTINUE; /* FIQs are not used */
	}
}
