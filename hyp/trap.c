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
#include "hsr.h"
#include "hyp.h"
#include "hypercall.h"
#include "log.h"
#include "percpu.h"
#include "scheduler.h"
#include "timer.h"
#include "trap.h"
#include "vgic.h"
#include "vm.h"

typedef enum trap_action (*trap_fn)(struct vcpu *v, uint32_t hsr);

/* Guest-caused log lines: at most 5 a second for each VM, so a guest can
 * flood neither the console nor the other guests' messages out. */
static __printf(2, 3) void guest_log(struct vcpu *v, const char *fmt, ...)
{
	struct ratelimit *rl = &v->vm->log_limit;
	unsigned suppressed = rl->suppressed;
	char msg[160];
	va_list ap;

	if (!ratelimit_allow(rl, timer_now(), timer_freq(), 5))
		return;
	if (suppressed) {
		log_warn("vm '%s': %u messages suppressed", v->vm->cfg.name, suppressed);
		rl->suppressed = 0;
	}
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

static enum trap_action pabt(struct vcpu *v, uint32_t hsr)
{
	uint32_t far = hifar_read();

	guest_log(v, "instruction fetch at 0x%08lx (IPA %s) is not RAM: prefetch abort injected",
		  (unsigned long)far, HEX64(fault_ipa(hpfar_read(), far)));
	(void)hsr;
	vcpu_inject_pabt(v, far);
	return TRAP_CONTINUE;
}

static enum trap_action dabt(struct vcpu *v, uint32_t hsr)
{
	struct mmio_access a;
	uint32_t far = hdfar_read();
	uint64_t ipa = fault_ipa(hpfar_read(), far);
	uint32_t val = 0;
	int err = hsr_decode_dabt(hsr, &a);

	if (!err) {
		if (a.write)
			val = mmio_store_value(&a, a.rt == 15 ? v->regs.pc : guest_reg(v, a.rt));
		err = vm_mmio(v, ipa, &a, &val);
	} else if (err == -EFAULT) {
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
	if (!a.write)
		guest_reg_set(v, a.rt, mmio_load_value(&a, val));
	vcpu_skip_insn(v, a.il);
	return TRAP_CONTINUE;
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
	default:
		return TRAP_CONTINUE; /* FIQs are not used */
	}
}
