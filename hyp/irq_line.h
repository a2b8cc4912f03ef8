/* SPDX-License-Identifier: MIT */
/*
 * The irq argument of the IRQ_LINE management call (design section 9,
 * include/uapi/lowvisor.h), decoded and checked against the target VM.
 * Plain C, tested on the host.
 *
 * The hypercall handler checks the caller and the VM id first -- -EPERM
 * when the caller is not a management VM, -ENOENT when no VM has that id
 * (Lowvisor's choice between -ENOENT and -ESRCH) -- then calls
 * irq_line_decode(), and injects only when it returns 0, so an error
 * changes nothing.
 */
#ifndef LOWVISOR_IRQ_LINE_H
#define LOWVISOR_IRQ_LINE_H

#include <stdint.h>

/* What irq_line_decode() needs to know of the target VM. */
struct irq_line_target {
	unsigned vcpu_count; /* vCPUs 0 .. vcpu_count - 1 */
	unsigned spi_count;  /* SPIs 32 .. 32 + spi_count - 1 of its vGIC */
};

enum irq_line_kind {
	IRQ_LINE_CPU_IRQ, /* the vCPU's own IRQ line (HCR.VI) */
	IRQ_LINE_CPU_FIQ, /* the vCPU's own FIQ line (HCR.VF) */
	IRQ_LINE_SPI,     /* a shared peripheral interrupt of the vGIC */
	IRQ_LINE_PPI,     /* a private peripheral interrupt of one vCPU */
};

struct irq_line {
	enum irq_line_kind kind;
	unsigned vcpu;  /* the target vCPU; 0 for an SPI */
	unsigned intid; /* the GIC interrupt id: 32..1019 (SPI), 16..31 (PPI); 0 (CPU lines) */
	unsigned level; /* 0 or 1 */
};

/*
 * Decodes irq (KVM_IRQ_LINE layout 2, which reads the older layout's values
 * the same) and level for target t into *out.  Returns 0, or -EINVAL --
 * leaving *out alone -- for a type other than 0, 1, 2, a number out of
 * range for the type or for t's SPIs (at most 1019), a vCPU index
 * (vcpu2_index * 256 + vcpu_index) not below t->vcpu_count for types 0 and
 * 2, or a level other than 0 and 1.
 */
int irq_line_decode(uint32_t irq, unsigned level, const struct irq_line_target *t,
		    struct irq_line *out);

#endif
