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
#include "ioreq.h"
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
	 * after: an injection on another CPU is either seen here or followed
	 * by its vm_kick clearing the flag. */
	v->blocked = true;
	dmb();
	if (vgic_vcpu_pending(v->vm->vgic, v->index) || vm_vcpu_has_line(v))
		v->blocked = false;
	return TRAP_IDLE;
}

/* ELR already points past the HVC. */
static enum trap_action hvc(struct vcpu *v, uint32_t hsr __unused)
{
	return hypercall(v);
}

/* The guest's DT says PSCI is by HVC; an SMC has no firmware behind it. */
static enum trap_action smc(struct vcpu *v, uint32_t hsr __unused)
{
	vcpu_inject_undef(v);
	return TRAP_CONTINUE;
}

static enum trap_action vfp(struct vcpu *v, uint32_t hsr __unused)
{
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

/* An access by v to its VM's emulated devices (the distributor needs the
 * vCPU): 0, or mmio_dispatch's error (-ENODEV: no device there). */
static inline __attribute__((always_inline)) int
device_access(struct vcpu *v, uint64_t ipa, const struct mmio_access *a, uint32_t *val)
{
	const struct mmio_region *r = mmio_region_find(&v->vm->mmio, ipa);
	int ret = r ? mmio_dispatch(r, v->index, a, ipa, val) : -ENODEV;

	if (ret > 0)
		vm_kick(v->vm, (uint32_t)ret);
	return ret < 0 ? ret : 0;
}

/* Moves the guest's PC past the trapped instruction of il bytes: in
 * ELR_hyp and SPSR_hyp on the fast path (f), in the vCPU otherwise. */
static inline __attribute__((always_inline)) void
skip_insn(struct vcpu *v, struct guest_frame *f, unsigned il)
{
	uint32_t cpsr;

	if (!f) {
		vcpu_skip_insn(v, il);
		return;
	}
	elr_hyp_write(elr_hyp_read() + il);
	cpsr = spsr_hyp_read();
	if (cpsr & CPSR_IT_MASK)
		spsr_hyp_write(cpsr_it_advance(cpsr));
}

/*
 * The one data-abort path.  f is the trap's frame on the fast path (the
 * PC and CPSR still in ELR_hyp and SPSR_hyp, the banked registers in the
 * hardware), NULL on a whole exit (everything in the vCPU).  An emulated
 * MMIO access is performed and the PC moved past it, or the first touch
 * of a block of lazily zeroed RAM is mapped for the retry: 0.  Otherwise
 * an error, nothing changed, which the fast path leaves to the whole exit
 * and that reports (dabt).  Before a read on the
 * fast path, as on a whole exit, list registers in use are folded back
 * (vgic_sync; none in use, the usual case, is one check), so that the
 * distributor's state is whole; *synced says they were, and must be
 * filled again before the guest runs.  A write is applied at once; one
 * that touches an interrupt in a list register, or makes one deliverable
 * here, kicks this vCPU, which takes the run loop's sync and flush.
 */
static inline __attribute__((always_inline)) int
dabt_serve(struct vcpu *v, uint32_t hsr, struct guest_frame *f, struct mmio_access *a,
	   uint64_t *ipa, bool *synced)
{
	uint32_t *reg, val, kick;
	int err;

	*ipa = abort_ipa(hsr, hdfar_read());
	err = hsr_decode_dabt(hsr, a);
	if (!err) {
		reg = f ? frame_reg(f, a->rt, spsr_hyp_read()) : guest_reg_ptr(v, a->rt);
		if (!reg) /* a banked register: the whole exit has it */
			return -EAGAIN;
		if (f && !a->write && !vgic_lrs_idle(v->vm->vgic, v->index)) {
			kick = vgic_sync(v->vm->vgic, v->index);
			if (kick)
				vm_kick(v->vm, kick);
			*synced = true;
		}
		val = a->write ? mmio_store_value(a, *reg) : 0; /* rt 15: a store */
		err = device_access(v, *ipa, a, &val);
		if (!err && !a->write)
			*reg = mmio_load_value(a, val);
		if (!err)
			skip_insn(v, f, a->il);
	}
	return err && ram_fault(v, hsr, *ipa) ? 0 : err;
}

static enum trap_action dabt(struct vcpu *v, uint32_t hsr)
{
	struct mmio_access a;
	uint64_t ipa;
	int err = dabt_serve(v, hsr, NULL, &a, &ipa, NULL);

	if (err == -ENODEV)
		err = ioreq_forward(v, ipa, &a);
	if (!err)
		return TRAP_CONTINUE;
	if (err == -EFAULT) {
		guest_log(v, "stage-1 table walk at IPA %s is not RAM: data abort injected",
			  HEX64(ipa));
	} else if (a.cm) { /* cache maintenance on MMIO: nothing to do */
		vcpu_skip_insn(v, hsr_il(hsr));
		return TRAP_CONTINUE;
	} else {
		guest_log(v, "%s at 0x%08lx (IPA %s)%s: data abort injected",
			  a.write ? "write" : "read", (unsigned long)hdfar_read(), HEX64(ipa),
			  err == -ENOSYS ? " without syndrome" : err == -ENODEV ? " is not RAM or a device" : " is not a valid access");
	}
	vcpu_inject_dabt(v, hdfar_read(), a.write);
	return TRAP_CONTINUE;
}

/*
 * The fast path (trap.h; hypercalls are trap_hvc's, in hypercall.c).  Its
 * state is the frame (r0-r12, LR_usr), ELR, SPSR and the rest in the
 * hardware; what it serves does not change this vCPU's scheduling.  A
 * data abort's instruction passed its condition (it accessed memory).
 * IRQs stay masked throughout, so the VMID cannot go stale and the flush
 * is the last thing before the guest.  Two classes tested in turn rather
 * than trap_table's form: the compiler then inlines dabt_serve (a table
 * of pointers cost MMIO 20 instructions), and the common one goes first.
 */
uint32_t trap_fast(struct guest_frame *f, uint32_t hsr)
{
	struct percpu *cpu = this_cpu();
	struct vcpu *v = cpu->loaded;
	struct mmio_access a;
	bool synced = false;
	uint64_t ipa;
	int err;

	if (hsr_ec(hsr) == HSR_EC_DABT_LOWER)
		err = dabt_serve(v, hsr, f, &a, &ipa, &synced);
	else if (hsr_ec(hsr) == HSR_EC_IABT_LOWER) /* first touch of lazy RAM */
		err = !ram_fault(v, hsr, abort_ipa(hsr, hifar_read()));
	else
		return EXIT_TRAP;
	if (err)
		return EXIT_TRAP;
	if (cpu->need_resched) /* a kick for this CPU: ask the run queue */
		return EXIT_HANDLED;
	if (synced)
		vgic_flush(v->vm->vgic, v->index);
	cpu->tick_exits++;
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
		break;
	}
	return TRAP_CONTINUE; /* also EXIT_HANDLED, and FIQs (not used) */
}
