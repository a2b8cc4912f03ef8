/* SPDX-License-Identifier: MIT */
/*
 * What the VGIC needs from the machine, and nothing more: the GICv2 virtual
 * interface control block (GICH) of the CPU it runs on, the distributor
 * lock, and deactivation of a physical interrupt.  The hypervisor provides
 * these functions (the unit tests provide a fake GICH with 4 list
 * registers); the rest of vgic/ is plain C.
 *
 * GICH register layout: ARM IHI 0048B, GICv2 architecture specification,
 * section 5.3 "GIC virtual interface control register descriptions".
 */
#ifndef LOWVISOR_VGIC_HW_H
#define LOWVISOR_VGIC_HW_H

#include <stdint.h>

#include "hw/gicv2.h" /* GICH register offsets */
#include "spinlock.h"

/* GICH_HCR. */
#define GICH_HCR_EN (1u << 0)
#define GICH_HCR_UIE (1u << 1)     /* maintenance IRQ while at most one LR is valid */

/* GICH_VTR. */
#define GICH_VTR_LISTREGS_MASK 0x3fu /* list registers - 1 */

/* GICH_VMCR: the guest's GICV_CTLR, GICV_PMR, GICV_BPR, GICV_ABPR. */
#define GICH_VMCR_GRP0_EN (1u << 0)
#define GICH_VMCR_PRIMASK_SHIFT 27 /* GICV_PMR[7:3] */

/* GICH_MISR. */
#define GICH_MISR_EOI (1u << 0)
#define GICH_MISR_U (1u << 1)

/* GICH_LRn. */
#define GICH_LR_VIRTUALID_MASK 0x3ffu
#define GICH_LR_PHYSID_SHIFT 10 /* HW = 1: the physical interrupt ID, [19:10] */
#define GICH_LR_CPUID_SHIFT 10  /* HW = 0, SGIs: the source CPU, [12:10] */
#define GICH_LR_CPUID_MASK (7u << GICH_LR_CPUID_SHIFT)
#define GICH_LR_EOI (1u << 19) /* HW = 0: maintenance IRQ when deactivated */
#define GICH_LR_PRIORITY_SHIFT 23 /* [27:23]: the top 5 bits of the priority */
#define GICH_LR_PENDING (1u << 28)
#define GICH_LR_ACTIVE (1u << 29)
#define GICH_LR_STATE (GICH_LR_PENDING | GICH_LR_ACTIVE)
#define GICH_LR_HW (1u << 31)

/* The most list registers used: GICH_VTR can report 64, GICv2's
 * implementations have 4 (GIC-400) to 16, and a word is cheaper. */
#define GICH_LR_MAX 32

/*
 * Reads and writes a GICH register of this CPU (a 32-bit access at GICH
 * base + off).  Only called with IRQs masked, on the CPU where the vCPU
 * concerned is loaded.
 */
uint32_t gich_read(unsigned off);
void gich_write(unsigned off, uint32_t v);

/*
 * The distributor lock of one VM: masks IRQs on this CPU (the lock is
 * also taken by vgic_inject from IRQ handlers) and takes the spinlock;
 * returns the IRQ mask state that vgic_hw_unlock restores.  In the
 * hypervisor: flags = irq_save(); spin_lock(l); return flags.
 */
uint32_t vgic_hw_lock(struct spinlock *l);
void vgic_hw_unlock(struct spinlock *l, uint32_t flags);

/*
 * Deactivates physical interrupt phys_irq (16-1019): the guest will never
 * deactivate it through a list register, because its emulated distributor
 * was told to forget the virtual interrupt's pending and active state
 * (GICD_ICPENDR, GICD_ICACTIVER).  In the hypervisor: a write of its bit to
 * GICD_ICACTIVERn, which for a PPI reaches this CPU's banked copy; a vCPU's
 * private interrupts are only changed on the CPU that runs it.
 */
void vgic_hw_phys_deactivate(unsigned phys_irq);

#endif
