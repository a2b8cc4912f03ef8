// SPDX-License-Identifier: MIT
/*
 * vCPU state: the world switch's CP15/timer/VFP half (a flat list of named
 * save and restore steps, one per register group), entering the guest, and
 * exceptions injected into it.
 */
#include <string.h>

#include "arch/sysreg.h"
#include "drivers.h"
#include "hyp.h"
#include "ioreq.h"
#include "percpu.h"
#include "scheduler.h"
#include "trap.h"
#include "vcpu.h"
#include "vgic.h"
#include "vm.h"

/* HCR for guests: stage-2 on; IRQ/FIQ/async aborts to HYP; broadcast TLB
 * and cache maintenance inner shareable; trap SMC, WFI/WFE, ACTLR, the
 * implementation-defined registers, set/way maintenance, and table walks
 * into device memory. */
#define HCR_GUEST                                                                      \
	(HCR_VM | HCR_SWIO | HCR_PTW | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB | HCR_BSU_IS |   \
	 HCR_TWI | HCR_TWE | HCR_TSC | HCR_TIDCP | HCR_TAC | HCR_TSW)

#define SCTLR_RESET 0x00c50078u /* Cortex-A15: MMU, caches off; V = 0 */

void vcpu_reset(struct vcpu *v, uint32_t pc, uint32_t r0, uint32_t r1, uint32_t r2)
{
	memset(&v->regs, 0, sizeof(v->regs));
	memset(&v->cp15, 0, sizeof(v->cp15));
	memset(&v->vfp, 0, sizeof(v->vfp));
	v->regs.r[0] = r0;
	v->regs.r[1] = r1;
	v->regs.r[2] = r2;
	v->regs.pc = pc & ~1u;
	v->regs.cpsr = CPSR_MODE_SVC | CPSR_A | CPSR_I | CPSR_F | ((pc & 1) ? CPSR_T : 0);
	v->cp15.sctlr = SCTLR_RESET;
	v->cp15_valid = true;
	v->banked_hw = false;
	v->hcr = HCR_GUEST;
	v->vmpidr = 0x80000000u | v->index;
}

static void cp15_save(struct vcpu_cp15 *c)
{
	c->sctlr = sctlr_read();
	c->cpacr = cpacr_read();
	c->ttbcr = ttbcr_read();
	c->dacr = dacr_read();
	c->ttbr0 = ttbr0_read();
	c->ttbr1 = ttbr1_read();
	c->par = par_read();
	c->dfsr = dfsr_read();
	c->ifsr = ifsr_read();
	c->adfsr = adfsr_read();
	c->aifsr = aifsr_read();
	c->dfar = dfar_read();
	c->ifar = ifar_read();
	c->mair0 = mair0_read();
	c->mair1 = mair1_read();
	c->amair0 = amair0_read();
	c->amair1 = amair1_read();
	c->vbar = vbar_read();
	c->contextidr = contextidr_read();
	c->tpidrurw = tpidrurw_read();
	c->tpidruro = tpidruro_read();
	c->tpidrprw = tpidrprw_read();
	c->csselr = csselr_read();
	c->cntkctl = cntkctl_read();
}

static void cp15_restore(const struct vcpu_cp15 *c)
{
	csselr_write(c->csselr);
	cpacr_write(c->cpacr);
	ttbcr_write(c->ttbcr);
	dacr_write(c->dacr);
	ttbr0_write(c->ttbr0);
	ttbr1_write(c->ttbr1);
	par_write(c->par);
	dfsr_write(c->dfsr);
	ifsr_write(c->ifsr);
	adfsr_write(c->adfsr);
	aifsr_write(c->aifsr);
	dfar_write(c->dfar);
	ifar_write(c->ifar);
	mair0_write(c->mair0);
	mair1_write(c->mair1);
	amair0_write(c->amair0);
	amair1_write(c->amair1);
	vbar_write(c->vbar);
	contextidr_write(c->contextidr);
	tpidrurw_write(c->tpidrurw);
	tpidruro_write(c->tpidruro);
	tpidrprw_write(c->tpidrprw);
	cntkctl_write(c->cntkctl);
	sctlr_write(c->sctlr); /* last: it may turn the guest's MMU on */
}

/*
 * The guest's virtual timer: it keeps counting while the vCPU is out (the
 * VM's CNTVOFF is fixed at its start).  Its interrupt is hardware-mapped
 * (vgic/vgic.h): vcpu_run gives the physical PPI the active state of the
 * vCPU's virtual copy.  The CPU's vtimer_active is set wherever the PPI
 * becomes active (its handler, the load), and the guest's EOI may clear the
 * PPI behind it: a switch between vCPUs whose timers rest writes nothing.
 */
static void timer_save(struct vcpu *v)
{
	v->cp15.cntv_ctl = cntv_ctl_read();
	v->cp15.cntv_cval = cntv_cval_read();
	cntv_ctl_write(0);
	isb();
	if (this_cpu()->vtimer_active) { /* the next vCPU sets its own */
		gic_irq_set_active(hyp.plat.timer.virt_irq, false);
		this_cpu()->vtimer_active = false;
	}
}

static void timer_restore(struct vcpu *v)
{
	cntvoff_write(v->vm->cntvoff);
	cntv_cval_write(v->cp15.cntv_cval);
	cntv_ctl_write(v->cp15.cntv_ctl);
}

/*
 * Everything of the vCPU loaded on this CPU that stays in the hardware
 * after vcpu_run (until another vCPU needs the CPU) goes back into its
 * structures: CP15, the virtual timer, the banked registers, the vGIC
 * interface (GICH_VMCR/APR; its list registers are empty out of the
 * guest, or folded back by vgic_save).  vCPUs never change CPUs, so this
 * is the only CPU that has them.
 */
void vcpu_put(void)
{
	struct percpu *cpu = this_cpu();
	struct vcpu *v = cpu->loaded;

	if (!v)
		return;
	if (!v->cp15_valid) { /* else the structure was reset meanwhile */
		cp15_save(&v->cp15);
		timer_save(v);
		v->cp15_valid = true;
	}
	vcpu_banked_sync(v);
	vgic_save(v->vm->vgic, v->index); /* if still loaded: a reset unloads */
	runq_timed(&cpu->rq, &v->sched, vcpu_timer_deadline(v) != 0);
	cpu->loaded = NULL;
}

static void vcpu_load(struct vcpu *v)
{
	struct percpu *cpu = this_cpu();

	if (cpu->loaded == v && !v->cp15_valid)
		return;
	vcpu_put();
	runq_timed(&cpu->rq, &v->sched, false); /* the hardware has its timer */
	cp15_restore(&v->cp15);
	timer_restore(v);
	v->cp15_valid = false;
	vmpidr_write(v->vmpidr);
	vpidr_write(midr_read());
	cpu->loaded = v;
	cpu->switches++;
}

/* Lazy VFP: the first use after a switch traps (HCPTR) and lands here. */
void vcpu_vfp_switch(struct vcpu *v)
{
	struct percpu *cpu = this_cpu();

	hcptr_write(hcptr_read() & ~HCPTR_VFP_TRAPS);
	isb();
	if (cpu->vfp_owner != v) {
		if (cpu->vfp_owner)
			vfp_save(&cpu->vfp_owner->vfp);
		vfp_restore(&v->vfp);
		cpu->vfp_owner = v;
	}
}

static void vttbr_load(struct vcpu *v)
{
	struct percpu *cpu = this_cpu();
	struct vm *vm = v->vm;
	uint64_t vttbr;
	uint8_t id;

	/* vmid.h's contract: update with IRQs on, check with them off.  An id
	 * still current, seen with IRQs off, is valid until this CPU takes
	 * the rollover's rendezvous: the usual case needs no update. */
	id = vmid_current_id(&vm->vmid);
	while (!id) {
		irq_enable();
		vmid_check_and_update(&vm->vmid);
		irq_disable();
		id = vmid_current_id(&vm->vmid);
	}
	vttbr = stage2_vttbr(&vm->s2, id);
	if (vttbr != cpu->vttbr) { /* the same VM, id and tables: already there */
		vttbr_write(vttbr);
		cpu->vttbr = vttbr;
	}
}

void vcpu_banked_sync(struct vcpu *v)
{
	if (v->banked_hw) {
		banked_save(&v->regs);
		v->banked_hw = false; /* loaded again at the next entry */
	}
}

void vcpu_boot(struct vcpu *v, uint32_t pc, uint32_t r0, uint32_t r1, uint32_t r2)
{
	v->boot_regs[0] = pc;
	v->boot_regs[1] = r0;
	v->boot_regs[2] = r1;
	v->boot_regs[3] = r2;
	v->boot_pending = true;
	dmb();
	v->state = VCPU_RUNNABLE;
}

/* Started or restarted (by CPU_ON or a reset, on another CPU): v begins
 * from the boot state, not the old one. */
static void vcpu_start(struct percpu *cpu, struct vcpu *v)
{
	v->boot_pending = false;
	/* For the run report, off the hot path: the first vCPU to start is a
	 * few hundred instructions from its first instruction here; a race
	 * only moves it a little. */
	if (!hyp.first_guest_time)
		hyp.first_guest_time = timer_now();
	if (!v->index && !v->vm->boot_count)
		hyp.last_vm_start_time = timer_now();
	vcpu_reset(v, v->boot_regs[0], v->boot_regs[1], v->boot_regs[2], v->boot_regs[3]);
	if (cpu->vfp_owner == v)
		cpu->vfp_owner = NULL;
}

/* v's state on this CPU for an entry: its registers, its vGIC interface
 * (the timer's physical PPI is active while the guest has not deactivated
 * its virtual copy: it follows the vCPU), its stage 2. */
static inline void vcpu_enter_state(struct vcpu *v, struct vgic *vgic)
{
	vcpu_load(v);
	if (!vgic_loaded(vgic, v->index)) {
		vgic_restore(vgic, v->index);
		if (vgic_map_is_active(vgic, v->index, VGIC_VTIMER_IRQ)) {
			gic_irq_set_active(hyp.plat.timer.virt_irq, true);
			this_cpu()->vtimer_active = true;
		}
	}
	vttbr_load(v);
}

void vcpu_run(struct vcpu *v)
{
	struct percpu *cpu = this_cpu();
	struct vgic *vgic = v->vm->vgic;

	irq_disable();
	v->running = true;
	dmb();
	v->wait_vm = NULL; /* picked: what it waited for is done */
	while (vcpu_runnable(v)) {
		uint32_t reason, kick;
		enum trap_action act;

		if (v->boot_pending)
			vcpu_start(cpu, v);
		vcpu_enter_state(v, vgic);
		if (v->io.state == IO_DONE)
			ioreq_finish(v);
		/* vttbr_load may have had IRQs on: the timer may have ended the
		 * turn.  Checked before the flush, so that the list registers
		 * are only ever filled right before the guest runs. */
		if (cpu->need_resched && sched_check())
			break;
		vgic_flush(vgic, v->index);
		hcr_write(v->hcr);
		hcptr_write(cpu->vfp_owner == v ? 0 : HCPTR_VFP_TRAPS);
		isb();
		reason = guest_enter(&v->regs, !v->banked_hw);
		v->banked_hw = true;
		cpu->tick_exits++;
		kick = vgic_sync(vgic, v->index);
		if (kick)
			vm_kick(v->vm, kick);
		act = trap_handle(v, reason);
		if (v->blocked)
			break;
		if (act == TRAP_YIELD && sched_yield_turn())
			break;
		if (cpu->need_resched && sched_check())
			break;
	}
	/* Its banked registers and vGIC interface stay (vcpu_put). */
	hcr_write(0);
	dmb();
	v->running = false;
	dsb(); /* also before vm_vcpu_left's reads (hyp/lifecycle.c) */
	sev();
	vm_vcpu_left(v);
}

/* Takes an exception into the guest in mode with the return address lr, at
 * offset from the vector base SCTLR.V and VBAR give. */
static void enter_exception(struct vcpu *v, uint32_t mode, uint32_t lr, unsigned offset)
{
	uint32_t sctlr = sctlr_read();
	uint32_t old = v->regs.cpsr;
	/* Clear mode, T, IT, J and E; mask IRQs, and asynchronous aborts
	 * unless the exception is an Undefined one (ARM ARM B1.8.3). */
	uint32_t cpsr = (old & ~(CPSR_MODE_MASK | CPSR_T | CPSR_IT_MASK | CPSR_J | CPSR_E)) |
			mode | CPSR_I | (mode == CPSR_MODE_UND ? 0 : CPSR_A);

	vcpu_banked_sync(v); /* spsr_<mode> and lr_<mode> are written below */

	if (sctlr & SCTLR_TE)
		cpsr |= CPSR_T;
	if (sctlr & SCTLR_EE)
		cpsr |= CPSR_E;
	if (mode == CPSR_MODE_ABT) {
		v->regs.spsr_abt = old;
		v->regs.lr_abt = lr;
	} else {
		v->regs.spsr_und = old;
		v->regs.lr_und = lr;
	}
	v->regs.cpsr = cpsr;
	v->regs.pc = ((sctlr & SCTLR_V) ? 0xffff0000u : vbar_read()) + offset;
}

void vcpu_inject_undef(struct vcpu *v)
{
	enter_exception(v, CPSR_MODE_UND, v->regs.pc + ((v->regs.cpsr & CPSR_T) ? 2 : 4), 0x04);
}

/* A synchronous external abort, in the format the guest's TTBCR selects:
 * long-descriptor (LPAE bit, status 0x10) or short-descriptor (0x08). */
#define FSR_LPAE (1u << 9)
#define FSR_LD_SYNC_EXT 0x10u
#define FSR_SD_SYNC_EXT 0x08u
static uint32_t abort_fsr(void)
{
	return (ttbcr_read() & TTBCR_EAE) ? FSR_LPAE | FSR_LD_SYNC_EXT : FSR_SD_SYNC_EXT;
}

void vcpu_inject_dabt(struct vcpu *v, uint32_t far, bool write)
{
	dfar_write(far);
	dfsr_write(abort_fsr() | (write ? 1u << 11 : 0));
	enter_exception(v, CPSR_MODE_ABT, v->regs.pc + 8, 0x10);
}

void vcpu_inject_pabt(struct vcpu *v, uint32_t far)
{
	ifar_write(far);
	ifsr_write(abort_fsr());
	enter_exception(v, CPSR_MODE_ABT, v->regs.pc + 4, 0x0c);
}

void vcpu_skip_insn(struct vcpu *v, unsigned len)
{
	v->regs.pc += len;
	if (v->regs.cpsr & CPSR_IT_MASK)
		v->regs.cpsr = cpsr_it_advance(v->regs.cpsr);
}

/* The physical time at which v's virtual timer fires, or 0: enabled, not
 * masked.  For a vCPU not loaded (its timer state is in the structure). */
uint64_t vcpu_timer_deadline(const struct vcpu *v)
{
	if ((v->cp15.cntv_ctl & (CNTV_CTL_ENABLE | CNTV_CTL_IMASK)) != CNTV_CTL_ENABLE)
		return 0;
	return v->cp15.cntv_cval + v->vm->cntvoff;
}

uint32_t *guest_reg_ptr(struct vcpu *v, unsigned n)
{
	struct vcpu_gpregs *g = &v->regs;
	uint32_t mode = g->cpsr & CPSR_MODE_MASK;

	if (n == 15)
		return &g->pc;
	if (n < 8 || (n < 13 && mode != CPSR_MODE_FIQ))
		return &g->r[n];
	vcpu_banked_sync(v);
	if (n < 13)
		return &(&g->r8_fiq)[n - 8];
	switch (mode) {
	case CPSR_MODE_FIQ: return n == 13 ? &g->sp_fiq : &g->lr_fiq;
	case CPSR_MODE_IRQ: return n == 13 ? &g->sp_irq : &g->lr_irq;
	case CPSR_MODE_SVC: return n == 13 ? &g->sp_svc : &g->lr_svc;
	case CPSR_MODE_ABT: return n == 13 ? &g->sp_abt : &g->lr_abt;
	case CPSR_MODE_UND: return n == 13 ? &g->sp_und : &g->lr_und;
	default: return n == 13 ? &g->sp_usr : &g->lr_usr; /* usr, sys */
	}
}

uint32_t guest_reg(struct vcpu *v, unsigned n)
{
	return *guest_reg_ptr(v, n & 15);
}

void guest_reg_set(struct vcpu *v, unsigned n, uint32_t val)
{
	*guest_reg_ptr(v, n & 15) = val;
}
