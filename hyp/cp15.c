// SPDX-License-Identifier: MIT
/*
 * The few CP15 registers HCR traps for guests (TAC, TIDCP, TSW) and the
 * physical timer (CNTHCTL): a sorted const table {CRn, CRm, Op1, Op2,
 * 64-bit} -> handler; anything else is an undefined instruction.
 */
#include <stdlib.h>

#include "arch/sysreg.h"
#include "hypercall.h"
#include "vm.h"

struct cp15_reg {
	uint8_t crn, crm, op1, op2;
	bool is64;
	/* read: fill *val; write: take *val.  0 or an error (undefined). */
	int (*access)(struct vcpu *v, const struct cp_access *a, uint64_t *val);
};

static int raz_wi(struct vcpu *v __unused, const struct cp_access *a, uint64_t *val)
{
	if (a->read)
		*val = 0;
	return 0;
}

static int actlr(struct vcpu *v __unused, const struct cp_access *a, uint64_t *val)
{
	if (a->read)
		*val = actlr_read();
	return 0; /* writes ignored: ACTLR is the hypervisor's */
}

/* Cortex-A15 L2CTLR: the number of CPUs the guest sees in [25:24]. */
static int l2ctlr(struct vcpu *v, const struct cp_access *a, uint64_t *val)
{
	if (a->read)
		*val = (l2ctlr_read() & ~L2CTLR_CPUS_MASK) |
		       (v->vm->cfg.vcpus - 1u) << L2CTLR_CPUS_SHIFT;
	return 0;
}

/* Set/way maintenance cannot be done for the guest alone: clean and
 * invalidate (never only invalidate, which could drop other data) the
 * line the guest named, on this CPU. */
static int dc_setway(struct vcpu *v __unused, const struct cp_access *a, uint64_t *val)
{
	if (a->read)
		return -1;
	dccisw_write((uint32_t)*val);
	return 0;
}

static const struct cp15_reg cp15_regs[] = {
	{ 1, 0, 0, 1, false, actlr },
	{ 7, 6, 0, 2, false, dc_setway },  /* DCISW */
	{ 7, 10, 0, 2, false, dc_setway }, /* DCCSW */
	{ 7, 14, 0, 2, false, dc_setway }, /* DCCISW */
	{ 9, 0, 1, 2, false, l2ctlr },
	{ 9, 0, 1, 3, false, raz_wi },     /* L2ECTLR */
	{ 14, 2, 0, 0, false, raz_wi },    /* CNTP_TVAL: physical timer is the host's */
	{ 14, 2, 0, 1, false, raz_wi },    /* CNTP_CTL */
	{ 0, 14, 2, 0, true, raz_wi },     /* CNTP_CVAL (MCRR: CRm only) */
};

static int cmp_reg(const void *k, const void *e)
{
	const struct cp15_reg *a = k, *b = e;
	int ka = (a->is64 << 24) | (a->crn << 16) | (a->crm << 8) | (a->op1 << 4) | a->op2;
	int kb = (b->is64 << 24) | (b->crn << 16) | (b->crm << 8) | (b->op1 << 4) | b->op2;

	return ka - kb;
}

int cp15_emulate(struct vcpu *v, const struct cp_access *a)
{
	struct cp15_reg key = { (uint8_t)(a->is_64 ? 0 : a->crn), (uint8_t)a->crm,
				(uint8_t)a->opc1, (uint8_t)(a->is_64 ? 0 : a->opc2), a->is_64, NULL };
	const struct cp15_reg *r;
	uint64_t val = 0;

	if (a->cp != 15)
		return -1;
	r = bsearch(&key, cp15_regs, ARRAY_SIZE(cp15_regs), sizeof(cp15_regs[0]), cmp_reg);
	if (!r)
		return -1;
	if (!a->read)
		val = guest_reg(v, a->rt) | (a->is_64 ? (uint64_t)guest_reg(v, a->rt2) << 32 : 0);
	if (r->access(v, a, &val))
		return -1;
	if (a->read) {
		guest_reg_set(v, a->rt, (uint32_t)val);
		if (a->is_64)
			guest_reg_set(v, a->rt2, (uint32_t)(val >> 32));
	}
	return 0;
}
