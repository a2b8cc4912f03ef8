/* SPDX-License-Identifier: MIT */
/*
 * drivers/: the hypervisor's own hardware (the GIC as its interrupt
 * controller, the PL011 console, PSCI to firmware, the generic timer), the
 * room's whole interface.  Includes only include/.
 */
#ifndef LOWVISOR_DRIVERS_H
#define LOWVISOR_DRIVERS_H

#include <stdbool.h>
#include <stdint.h>
#include "uapi/lowvisor.h" /* the PSCI function IDs and return values */

/*
 * The physical GICv2: distributor, CPU interface (EOImode = 1: Lowvisor
 * drops priority with EOIR and deactivates with DIR, so that hardware-mapped
 * interrupts can later be deactivated by the guest), and the virtual
 * interface control block GICH.
 */

#define GIC_SPURIOUS 1023u
#define GIC_IAR_ID_MASK 0x3ffu
/* Priorities (lower is more urgent): the hypervisor's own ticks, SGIs, the
 * maintenance and vtimer PPIs; the console's UART; passthrough SPIs (and
 * every interrupt's reset value). */
#define GIC_PRIO_HYP 0x20u
#define GIC_PRIO_CONSOLE 0x80u
#define GIC_PRIO_GUEST 0xa0u

struct gic_info {
	unsigned irq_count;  /* lines the distributor implements, from TYPER */
	unsigned cpu_count;  /* CPU interfaces, from TYPER */
	unsigned list_regs;  /* GICH_VTR.ListRegs + 1 */
	uint32_t iidr;
};

void gic_init(uintptr_t gicd, uintptr_t gicc, uintptr_t gich, struct gic_info *info);
/* Per CPU: CPU interface on, banked SGIs/PPIs reset. */
void gic_cpu_init(void);
void gic_enable_irq(unsigned irq, uint8_t priority);
void gic_disable_irq(unsigned irq);
/* Acknowledges the highest pending interrupt (IAR; source CPU in 12:10). */
uint32_t gic_ack(void);
void gic_eoi(uint32_t iar);        /* priority drop */
void gic_deactivate(uint32_t iar); /* DIR */
void gic_set_target(unsigned irq, uint8_t cpu_mask);
void gic_irq_set_active(unsigned irq, bool active);
void gic_send_sgi(unsigned sgi, uint8_t target_mask);
/* This CPU's bit in target lists. */
uint8_t gic_cpu_mask(void);

void pl011_init(uintptr_t base);
void pl011_putc(uintptr_t base, char c);
/* -1 when the receive FIFO is empty. */
int pl011_getc(uintptr_t base);
void pl011_rx_irq_enable(uintptr_t base);

/* Calls to the platform's PSCI firmware: by SMC (the DTB's method), as
 * arch/sysreg.h's smc_call(); the name of a PSCI error code. */
const char *psci_strerror(int32_t err);

/* The generic timer as Lowvisor uses it: the physical count, and the HYP
 * timer (CNTHP_*, interrupt 26 on QEMU virt) for its own ticks. */

void timer_init(uint32_t dt_freq);
uint32_t timer_freq(void);
uint64_t timer_now(void);
uint64_t timer_ticks_to_us(uint64_t ticks);
uint64_t timer_us_to_ticks(uint64_t us);
/* Per CPU: guests' physical timer trapped, virtual offset zero. */
void timer_cpu_init(void);
void hyp_timer_arm_at(uint64_t cval);

#endif
