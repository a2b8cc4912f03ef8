/* SPDX-License-Identifier: MIT */
/* The GICv2 register maps (ARM IHI 0048B), shared by the GIC driver
 * (drivers/gic.c) and the VGIC (vgic/). */
#ifndef LOWVISOR_HW_GICV2_H
#define LOWVISOR_HW_GICV2_H

#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_IIDR 0x008
#define GICD_IGROUPR 0x080
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_ISPENDR 0x200
#define GICD_ICPENDR 0x280
#define GICD_ISACTIVER 0x300
#define GICD_ICACTIVER 0x380
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_ICFGR 0xc00
#define GICD_SGIR 0xf00
#define GICD_CPENDSGIR 0xf10
#define GICD_SPENDSGIR 0xf20
#define GICD_PIDR4 0xfd0 /* the ID registers: PIDR4-7, PIDR0-3, CIDR0-3 */

#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_BPR 0x08
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10
#define GICC_DIR 0x1000

/* The virtual interface control block (5.3): the hypervisor's GICH. */
#define GICH_HCR 0x000
#define GICH_VTR 0x004
#define GICH_VMCR 0x008
#define GICH_MISR 0x010
#define GICH_EISR0 0x020
#define GICH_EISR1 0x024
#define GICH_ELRSR0 0x030
#define GICH_ELRSR1 0x034
#define GICH_APR 0x0f0
#define GICH_LR0 0x100
#define GICH_LR(n) (GICH_LR0 + 4u * (n))

#endif
