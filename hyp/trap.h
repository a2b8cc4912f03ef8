/* SPDX-License-Identifier: MIT */
#ifndef LOWVISOR_TRAP_H
#define LOWVISOR_TRAP_H

#include <stdint.h>

#include "types.h"

struct cp_access;
struct vcpu;

/* What a trap handler wants next. */
enum trap_action {
	TRAP_CONTINUE, /* back into the guest */
	TRAP_YIELD,    /* let another vCPU run if there is one */
	TRAP_IDLE,     /* WFI: wait for an interrupt if nothing else runs */
};

enum trap_action trap_handle(struct vcpu *v, uint32_t reason);

/* Trapped CP15 accesses (hyp/cp15.c): 0 if emulated, else the guest gets
 * an undefined instruction. */
int cp15_emulate(struct vcpu *v, const struct cp_access *a);

/* What boot/vectors.S saves on every exception taken to HYP. */
struct trap_frame {
	uint32_t r[13];
	uint32_t lr;
	uint32_t elr;
	uint32_t spsr;
};

/* What boot/vectors.S saves on an exception from a guest. */
struct guest_frame {
	uint32_t r[13];
	uint32_t lr; /* LR_usr */
};

/* Why guest_enter() returned. */
enum guest_exit_reason {
	EXIT_TRAP, /* HSR says what */
	EXIT_IRQ,
	EXIT_FIQ,
	EXIT_HANDLED, /* trap_fast() served the trap; the run loop's checks remain */
};

/* trap_fast()'s answer when the guest goes on at once. */
#define TRAP_FAST_RESUME 0xffffffffu

uint32_t guest_enter(void *regs, bool banked);
void banked_save(void *regs);

/*
 * Called by the trap vector with nothing but the frame saved, trap_hvc()
 * for a hypercall and trap_fast() for any other class (hsr: HSR): serve
 * the traps that need no more (hypercalls, MMIO) and answer
 * TRAP_FAST_RESUME, or EXIT_HANDLED when the run loop must look again (a
 * kick for this CPU); EXIT_TRAP leaves the trap, untouched, to
 * trap_handle().
 */
uint32_t trap_hvc(struct guest_frame *f);
uint32_t trap_fast(struct guest_frame *f, uint32_t hsr);

__noreturn void hyp_unexpected(struct trap_frame *f, unsigned vector);
void hyp_irq(struct trap_frame *f);

#endif
