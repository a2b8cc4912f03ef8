/* SPDX-License-Identifier: MIT */
/*
 * The virtual GICv2 of a VM: all the rest of the hypervisor sees of vgic/.
 *
 * Each VM has an emulated distributor at its GICD address, and each vCPU
 * the GIC's virtual CPU interface (GICV, mapped by stage 2 at the guest's
 * GICC address, so acknowledge and EOI never trap).  The VGIC keeps every
 * interrupt's state (enabled, pending, line level, active, priority,
 * targets, edge/level, hardware mapping, SGI sources) and moves the most
 * urgent ones of a vCPU into the list registers before it runs.
 *
 * vCPUs are numbered 0 .. vcpu_count - 1 (the index in the VM, which is
 * also the CPU number the guest sees in ITARGETSR and SGI sources).
 *
 * Kicks.  Functions that can make an interrupt deliverable to a vCPU other
 * than the caller's return a bit mask of vCPUs to kick (bit n: vCPU n).
 * The VGIC never calls the scheduler; for each vCPU in the mask the caller,
 * after the call returned:
 *   - wakes it if it is blocked in WFI (a kick means something became
 *     deliverable to it; one its priority mask holds back ends the WFI
 *     too: WFI is a hint, which an implementation may treat as a NOP);
 *   - sends an SGI to the physical CPU running it, if that is another CPU,
 *     so that it exits, syncs and flushes (its list registers may hold an
 *     interrupt whose state changed);
 *   - does nothing if it is the vCPU of this CPU: the flush before it
 *     re-enters the guest picks the change up.
 *
 * Running a vCPU, all on its physical CPU (each call masks IRQs itself;
 * see vgic.c for the locking, and below for the flush):
 *
 *   switch in:   vgic_restore(d, v)      GICH_VMCR, GICH_APR, GICH_HCR.En
 *   each entry:  vgic_flush(d, v)        fill the list registers
 *                ... guest runs ...
 *   each exit:   kick |= vgic_sync(d, v) fold the list registers back, before
 *                                        handling the exit (an MMIO access to
 *                                        the distributor, WFI, ...)
 *   switch out:  vgic_save(d, v)         after the last sync; GICH_HCR = 0
 *
 * The maintenance interrupt (PPI 25, enabled on every CPU, the handler
 * running with IRQs masked): kick |= vgic_maintenance(d, v) for the vCPU
 * loaded on this CPU (nothing if none is), then EOI and deactivate 25.
 * It comes when the guest has deactivated a level-triggered interrupt (so
 * the line is resampled) or an SGI with more sources waiting, and when more
 * interrupts are pending than list registers and the guest has taken all
 * but one; the flush on the way back in refills the list registers.
 *
 * Hardware-mapped interrupts (the virtual timer's PPI 27, passthrough
 * SPIs), after vgic_map_hw(d, v, 27, 27): the hypervisor's handler for the
 * physical interrupt acknowledges it and drops its priority (GICC_EOIR, with
 * EOImode = 1) but does not deactivate it, then calls vgic_inject(d, v, 27,
 * true).  The physical interrupt stays active, so it cannot fire again,
 * until the guest's own EOI deactivates it through the list register's HW
 * bit; if the source is still asserted then, it fires again.  So a mapped
 * interrupt is one rising edge per physical occurrence: injecting false is
 * ignored for it.  A mapped PPI's physical copy is banked per CPU, so
 * whenever a vCPU is loaded on a CPU (after vgic_restore), the hypervisor
 * sets that CPU's physical active state of the PPI to vgic_map_is_active()
 * (GICD_ISACTIVER0 or GICD_ICACTIVER0): the state follows the vCPU, and a
 * PPI left active by the vCPU loaded before does not block this one's.
 *
 * vgic_flush is the last thing before entering the guest, with IRQs masked
 * from there to the entry: an interrupt injected after the flush then
 * makes the CPU exit at once (physical IRQs trap to HYP) and is picked up
 * by the next flush.
 *
 * Distributor accesses: the distributor's registers are banked per vCPU
 * (SGIs and PPIs), so the emulation needs the accessing vCPU.  The VM's
 * region list holds the distributor with vgic_dist_ops and dev = the
 * struct vgic; the MMIO dispatch hands its handlers the accessing vCPU
 * (struct mmio_ctx) and returns the vCPUs they ask to kick.
 */
#ifndef LOWVISOR_VGIC_H
#define LOWVISOR_VGIC_H

#include "emul.h"
#include "types.h"

#define VGIC_MAX_VCPUS 8     /* a GICv2 has at most 8 CPU interfaces */
#define VGIC_SGI_COUNT 16    /* interrupt IDs 0-15 */
#define VGIC_PRIVATE_COUNT 32 /* SGIs and PPIs, banked per vCPU */
#define VGIC_MAX_SPIS 988    /* IDs 32-1019 */
/* The largest distributor region a VM has: a guest told of
 * 64 KiB of GICD (QEMU virt's DT) finds the rest RAZ/WI. */
#define VGIC_DIST_REGION_MAX 0x10000
#define VGIC_VTIMER_IRQ 27   /* the virtual timer's PPI (PPI 11) */

struct vgic;

/* The bytes a VGIC of vcpu_count vCPUs and spi_count SPIs takes. */
size_t vgic_size(unsigned vcpu_count, unsigned spi_count);

/*
 * Sets up the VGIC in d (vgic_size() bytes) in its reset state: the
 * distributor off, every interrupt disabled, inactive, not pending, of
 * priority 0; SGIs enabled and edge-triggered, PPIs and SPIs level-
 * triggered, SPIs targeting no vCPU (with one vCPU: vCPU 0).  Reads
 * GICH_VTR for the number of list registers.  -EINVAL for 0 or more than
 * VGIC_MAX_VCPUS vCPUs or more than VGIC_MAX_SPIS SPIs.
 */
int vgic_init(struct vgic *d, unsigned vcpu_count, unsigned spi_count);

/* Once at boot: where this machine's GICH registers are (VA == PA). */
void vgic_hw_init(uintptr_t gich);

/*
 * The same reset state again, to restart the VM, under the VGIC's lock:
 * other CPUs may still inject into it or save a vCPU of it meanwhile.  No
 * vCPU of the VM may be in its guest.  The vCPUs still loaded on their
 * CPUs count as not loaded afterwards: their list registers are empty
 * out of the guest but for what vgic_inject_loaded placed, which their
 * CPU's next vgic_save clears; vgic_restore writes the rest when they run
 * again.
 */
void vgic_reset(struct vgic *d);

/*
 * Sets interrupt irq's input line to level, as a device (or the management
 * partition's IRQ_LINE hypercall) drives it: irq 16-31 is vCPU vcpu's PPI,
 * irq 32 and up an SPI of the VM (vcpu is then ignored).  A level-
 * triggered interrupt is pending while its line is high (or it was set
 * pending by GICD_ISPENDR); an edge-triggered one becomes pending on a
 * rising edge, once.  A pending interrupt stays pending while disabled and
 * is delivered when enabled.  Returns the kick mask, or -EINVAL for an SGI,
 * an interrupt the VM does not have, or a bad vcpu.  Callable from any CPU,
 * also from IRQ handlers.
 */
int vgic_inject(struct vgic *d, unsigned vcpu, unsigned irq, bool level);

/*
 * A rising edge of private interrupt irq (a mapped PPI) of vCPU vcpu, the
 * vCPU whose state is loaded on this CPU, out of its guest: its list
 * registers are empty then (each exit syncs), and a deliverable interrupt
 * goes straight into list register 0, so that the flush before the entry
 * has nothing left to do; vgic_save folds it back if the vCPU is put
 * before it runs.  The path of a timer interrupt for a vCPU idle in WFI.
 * A CPU that then idles with the vCPU still loaded (not runnable) must
 * vgic_sync it first: a pending list register is a wake-up event that
 * ends every WFI at once.  Returns the kick mask.  IRQs masked, on the
 * vCPU's CPU.
 */
uint32_t vgic_inject_loaded(struct vgic *d, unsigned vcpu, unsigned irq);

/*
 * Maps virtual interrupt virq (a PPI of vCPU vcpu, or an SPI) to physical
 * interrupt phys_irq (16-1019): it goes into list registers with the HW
 * bit, so the guest's EOI deactivates phys_irq.  -EINVAL for an SGI, an
 * interrupt the VM does not have, a bad vcpu or phys_irq.
 */
int vgic_map_hw(struct vgic *d, unsigned vcpu, unsigned virq, unsigned phys_irq);

/* Whether mapped interrupt virq of vCPU vcpu is pending or active, that
 * is whether its physical interrupt must be active (see above). */
bool vgic_map_is_active(struct vgic *d, unsigned vcpu, unsigned virq);

/*
 * Whether vCPU vcpu has an interrupt the GIC would signal to it, to decide
 * whether a vCPU in WFI stays blocked: pending, enabled, the distributor
 * enabled, group 0 enabled in the guest's GICV_CTLR and of higher priority
 * than its GICV_PMR (both as of its last sync or save).  The running
 * priority is not considered.  Callable from any CPU.
 */
bool vgic_vcpu_pending(struct vgic *d, unsigned vcpu);

/*
 * vgic_flush, vgic_sync, vgic_maintenance and vgic_save concern the vCPU
 * whose state vgic_restore loaded on this CPU; called for a vCPU that is
 * not loaded (never restored, or saved since), they do nothing, except
 * that vgic_save clears list register 0 (see vgic_reset).
 *
 * Before entering vCPU vcpu, on its CPU, IRQs masked, after vgic_restore
 * and after the previous exit's vgic_sync: writes its active interrupts,
 * then its most urgent pending and enabled ones (highest priority first,
 * the lowest ID among equals) into the list registers, and asks for the
 * underflow maintenance interrupt (GICH_HCR.UIE) if more are waiting.
 */
void vgic_flush(struct vgic *d, unsigned vcpu);

/*
 * After an exit of vCPU vcpu, on its CPU, IRQs masked: folds what the guest
 * did with the list registers (acknowledged, deactivated) back into the
 * interrupts' state, together with what changed meanwhile, and empties the
 * list registers.  A level-triggered interrupt the guest deactivated is
 * pending again if its line is still high.  Returns the kick mask (an SPI
 * the guest left pending may now belong to another vCPU).
 */
uint32_t vgic_sync(struct vgic *d, unsigned vcpu);

/* Whether vCPU vcpu's interface state is in this CPU's GICH (restored and
 * not saved since).  Asked on the vCPU's own CPU. */
bool vgic_loaded(const struct vgic *d, unsigned vcpu);

/* No list register in use (the usual case) and GICH_HCR plain: the
 * distributor's state is whole without a vgic_sync, as a read of it on
 * the trap fast path needs. */
bool vgic_lrs_idle(const struct vgic *d, unsigned vcpu);

/* The maintenance interrupt, for the vCPU loaded on this CPU (see above):
 * does what vgic_sync does, which removes its cause.  Returns the kick
 * mask. */
uint32_t vgic_maintenance(struct vgic *d, unsigned vcpu);

/* Loads vCPU vcpu's virtual CPU interface state (GICH_VMCR, GICH_APR) on
 * this CPU and enables the virtual interface (GICH_HCR.En). */
void vgic_restore(struct vgic *d, unsigned vcpu);

/* Saves it, after the last vgic_sync, and disables the virtual interface
 * (GICH_HCR = 0): no maintenance interrupt comes while no vCPU is loaded. */
void vgic_save(struct vgic *d, unsigned vcpu);

/* The distributor's register table: the ops of its region in a VM's
 * region list, with the struct vgic as dev (see above). */
extern const struct mmio_ops vgic_dist_ops;

#endif
