/* SPDX-License-Identifier: MIT */
/*
 * The physical GICv2: distributor, CPU interface (EOImode = 1: Lowvisor
 * drops priority with EOIR and deactivates with DIR, so that hardware-mapped
 * interrupts can later be deactivated by the guest), and the virtual
 * interface control block GICH.
 */
#ifndef LOWVISOR_GIC_H
#define LOWVISOR_GIC_H

#include <stdbool.h>
#include <stdint.h>

#define GIC_SPURIOUS 1023u

struct gic_info {
	unsigned irq_count;  /* lines the distributor implements, from TYPER */
	unsigned cpu_count;  /* CPU interfaces, from TYPER */
	unsigned list_regs;  /* GICH_VTR.ListRegs + 1 */
	unsigned pri_bits;   /* virtual priority bits, GICH_VTR.PRIbits + 1 */
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

#endif
