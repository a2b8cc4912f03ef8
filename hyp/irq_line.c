// SPDX-License-Identifier: MIT
/*
 * IRQ_LINE's irq argument: see irq_line.h and design section 9.
 */
#include <errno.h>

#include "irq_line.h"
#include "uapi/lowvisor.h"

/* The largest SPI id of a GICv2 (1020..1023 are special). */
#define IRQ_LINE_SPI_MAX 1019u

int irq_line_decode(uint32_t irq, unsigned level, const struct irq_line_target *t,
		    struct irq_line *out)
{
	unsigned num = LOWVISOR_IRQ_NUM(irq);
	unsigned vcpu = lowvisor_irq_vcpu(irq);
	struct irq_line l = { .vcpu = vcpu, .intid = num, .level = level };

	if (level > 1)
		return -EINVAL;

	switch (LOWVISOR_IRQ_TYPE(irq)) {
	case LOWVISOR_IRQ_TYPE_CPU:
		if ((num != LOWVISOR_IRQ_CPU_IRQ && num != LOWVISOR_IRQ_CPU_FIQ) ||
		    vcpu >= t->vcpu_count)
			return -EINVAL;
		l.kind = num == LOWVISOR_IRQ_CPU_IRQ ? IRQ_LINE_CPU_IRQ : IRQ_LINE_CPU_FIQ;
		l.intid = 0;
		break;
	case LOWVISOR_IRQ_TYPE_SPI:
		/* num - 32 < spi_count, written so that no sum can overflow. */
		if (num < 32 || num > IRQ_LINE_SPI_MAX || num - 32 >= t->spi_count)
			return -EINVAL;
		l.kind = IRQ_LINE_SPI;
		l.vcpu = 0; /* vcpu_index is ignored */
		break;
	case LOWVISOR_IRQ_TYPE_PPI:
		if (num < 16 || num > 31 || vcpu >= t->vcpu_count)
			return -EINVAL;
		l.kind = IRQ_LINE_PPI;
		break;
	default:
		return -EINVAL;
	}

	*out = l;
	return 0;
}
