/* SPDX-License-Identifier: MIT */
/*
 * A virtual CPU: the whole architectural state of design section 5.
 *
 * The general-purpose and banked registers are saved by boot/guest.S on
 * every exit.  The CP15 state, the virtual timer and VFP stay in the
 * hardware while the vCPU is loaded on a physical CPU and are only saved
 * and restored when another vCPU is loaded there (vcpu_load/vcpu_put);
 * VFP/NEON is switched lazily on the first use after a switch (HCPTR).
 */
#ifndef LOWVISOR_VCPU_H
#define LOWVISOR_VCPU_H

#include "list.h"
#include "runq.h"
#include "types.h"
#include "uapi/lowvisor.h"

struct vm;

/* A vCPU's forwarded access (hyp/ioreq.c), under its VM's lock: IDLE;
 * WAIT, the vCPU waits for IOREQ_DONE; POSTED, a posted write not yet
 * taken; RETRY, posted and the vCPU waits to retry its next access; DONE,
 * to be finished by the vCPU (a read's register) before it runs. */
enum {
	IO_IDLE = 0,
	IO_POSTED = 1,
	IO_DONE = 2,
	IO_OUTSTANDING = 1, /* the bit of the states a backend still has */
	IO_BLOCKS = 4,      /* the bit of the states the vCPU waits in */
	IO_WAIT = IO_BLOCKS | IO_OUTSTANDING,
	IO_RETRY = IO_BLOCKS | IO_OUTSTANDING | 8,
};

struct vcpu_io {
	volatile uint8_t state;
	uint8_t rt;
	bool sign_extend;
	uint32_t value;             /* a read's, from IOREQ_DONE */
	struct lowvisor_ioreq req;  /* as the backend's ring has it */
};

/* Offsets used by boot/guest.S come from asm-offsets.c. */
struct vcpu_gpregs {
	uint32_t r[13]; /* r0-r12 as the guest's usr/sys/svc/... modes see them */
	uint32_t sp_usr, lr_usr;
	uint32_t sp_svc, lr_svc, spsr_svc;
	uint32_t sp_abt, lr_abt, spsr_abt;
	uint32_t sp_und, lr_und, spsr_und;
	uint32_t sp_irq, lr_irq, spsr_irq;
	uint32_t r8_fiq, r9_fiq, r10_fiq, r11_fiq, r12_fiq, sp_fiq, lr_fiq, spsr_fiq;
	uint32_t pc;   /* ELR_hyp */
	uint32_t cpsr; /* SPSR_hyp */
};

struct vcpu_cp15 {
	uint32_t sctlr, cpacr, ttbcr, dacr;
	uint64_t ttbr0, ttbr1, par;
	uint32_t dfsr, ifsr, adfsr, aifsr, dfar, ifar;
	uint32_t mair0, mair1, amair0, amair1; /* MAIR0/1 are PRRR/NMRR */
	uint32_t vbar, contextidr, tpidrurw, tpidruro, tpidrprw;
	uint32_t csselr, cntkctl;
	uint32_t cntv_ctl;
	uint64_t cntv_cval;
};

struct vcpu_vfp {
	uint64_t d[32];
	uint32_t fpscr, fpexc, fpinst, fpinst2;
};

enum vcpu_state {
	VCPU_OFF,      /* never started, or PSCI CPU_OFF */
	VCPU_RUNNABLE,
};

struct vcpu {
	struct vcpu_gpregs regs; /* first: guest.S takes &vcpu->regs */
	struct vcpu_cp15 cp15;
	struct vcpu_vfp vfp;
	struct vm *vm;
	unsigned index; /* within the VM; VMPIDR Aff0 */
	unsigned pcpu;  /* the physical CPU it runs on */
	uint32_t vmpidr;
	volatile enum vcpu_state state;
	volatile bool running; /* in the guest or in a trap handler */
	bool cp15_valid; /* cp15 holds the state (not the hardware) */
	bool banked_hw;  /* its CPU's banked registers hold them (regs' are stale) */
	uint32_t hcr;    /* HCR while it runs (VI/VF for its lines) */
	struct runq_entity sched;  /* on its CPU's run queue */
	uint64_t timer_woken;      /* the timer deadline already injected */
	volatile bool blocked;  /* in WFI with nothing to deliver */
	/* A lifecycle call of its own waits for request wait_seq of wait_vm
	 * (vm.h): it does not run until then. */
	struct vm *volatile wait_vm;
	uint32_t wait_seq;
	struct vcpu_io io;
	volatile bool boot_pending; /* start from boot_regs on its next run */
	uint32_t boot_regs[4];      /* pc, r0, r1, r2 */
};

/* The VFP/NEON registers to and from the structure (boot/guest.S). */
void vfp_save(struct vcpu_vfp *vfp);
void vfp_restore(const struct vcpu_vfp *vfp);

/* Makes regs' banked registers (SP_usr, svc/abt/und/irq/fiq) the vCPU's
 * own, to read or write, for a vCPU in vcpu_run on this CPU. */
void vcpu_banked_sync(struct vcpu *v);

/* Puts the vCPU in the state the Linux boot protocol (or PSCI CPU_ON)
 * gives: SVC mode, MMU and caches off, IRQ/FIQ/async aborts masked. */
void vcpu_reset(struct vcpu *v, uint32_t pc, uint32_t r0, uint32_t r1, uint32_t r2);

/* Makes v runnable from pc with r0-r2 (CPU_ON, VM start and reset).  The
 * CPU that runs it applies the reset, since only it may touch the state
 * that may still be loaded in its hardware. */
void vcpu_boot(struct vcpu *v, uint32_t pc, uint32_t r0, uint32_t r1, uint32_t r2);

/* Makes v the vCPU of this physical CPU (CP15, timer, VTTBR, HCR, VPIDR)
 * and runs it until an exit that needs the scheduler; returns then. */
void vcpu_run(struct vcpu *v);

/* Saves the loaded vCPU's CP15 and timer state (before it is loaded
 * elsewhere or reset). */
void vcpu_put(void);

/* Exceptions into the guest, as the hardware would take them. */
void vcpu_inject_undef(struct vcpu *v);
void vcpu_inject_dabt(struct vcpu *v, uint32_t far, bool write);
void vcpu_inject_pabt(struct vcpu *v, uint32_t far);

uint64_t vcpu_timer_deadline(const struct vcpu *v);

/* Lazy VFP: give v the VFP/NEON registers of this CPU (HCPTR trap). */
void vcpu_vfp_switch(struct vcpu *v);

/* Makes the guest skip the trapped instruction. */
void vcpu_skip_insn(struct vcpu *v, unsigned len);

/* The guest's register n (0-15) as its current mode sees it. */
uint32_t *guest_reg_ptr(struct vcpu *v, unsigned n);
uint32_t guest_reg(struct vcpu *v, unsigned n);
void guest_reg_set(struct vcpu *v, unsigned n, uint32_t val);

#endif
