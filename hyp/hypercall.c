// SPDX-License-Identifier: MIT
/*
 * The SMCCC calls a guest makes with HVC #0: function ID in r0, arguments
 * in r1-r3, results in r0-r3.  One table from function ID to handler.
 */
#include <errno.h>
#include <string.h>

#include "arch/cache.h"
#include "ioreq.h"
#include "irq_line.h"
#include "hypercall.h"
#include "percpu.h"
#include "trap.h"
#include "uapi/lowvisor.h"
#include "vm.h"

/* A call: its arguments and results in r[0..3] (the guest's registers);
 * what the vCPU does next. */
typedef enum trap_action (*call_fn)(struct vcpu *v, uint32_t *r);

/*
 * A call and where it may run.  Most need nothing but r0-r3 and the
 * calling VM, and run in trap_hvc() with the rest of the guest's state
 * still in the hardware.  The ones marked own_state change the calling
 * vCPU's run state or registers (off, idle, a reset, waiting for another
 * VM's lifecycle call to be seen through): those run from the
 * run loop, after a whole exit.  Calls that kick this CPU (an injection
 * for a vCPU placed here) are fine on the fast path: trap_hvc() sees the
 * kick and takes the run loop's checks.
 */
struct call {
	call_fn fn;
	bool own_state;
};

static enum trap_action smccc_version(struct vcpu *v __unused, uint32_t *r)
{
	r[0] = SMCCC_VERSION_1_1;
	return TRAP_CONTINUE;
}

static enum trap_action psci_version(struct vcpu *v __unused, uint32_t *r)
{
	r[0] = PSCI_VERSION_1_0;
	return TRAP_CONTINUE;
}

static enum trap_action psci_cpu_on(struct vcpu *v, uint32_t *r)
{
	struct vcpu *t = vm_vcpu_by_mpidr(v->vm, r[1]);

	r[0] = (uint32_t)(t ? vm_cpu_on(v->vm, t->index, r[2], r[3]) : PSCI_RET_INVALID_PARAMS);
	return TRAP_CONTINUE;
}

static enum trap_action psci_cpu_off(struct vcpu *v, uint32_t *r __unused)
{
	vm_vcpu_off(v);
	return TRAP_YIELD;
}

static enum trap_action psci_cpu_suspend(struct vcpu *v __unused, uint32_t *r)
{
	/* Standby only: a power-down state would need the entry point. */
	r[0] = PSCI_RET_SUCCESS;
	return TRAP_IDLE;
}

static enum trap_action psci_affinity_info(struct vcpu *v, uint32_t *r)
{
	struct vcpu *t = vm_vcpu_by_mpidr(v->vm, r[1]);

	if (!t || r[2] != 0)
		r[0] = (uint32_t)PSCI_RET_INVALID_PARAMS;
	else
		r[0] = t->state == VCPU_RUNNABLE ? PSCI_AFFINITY_ON : PSCI_AFFINITY_OFF;
	return TRAP_CONTINUE;
}

static enum trap_action psci_migrate_info_type(struct vcpu *v __unused, uint32_t *r)
{
	r[0] = PSCI_MIGRATE_NOT_PRESENT;
	return TRAP_CONTINUE;
}

static enum trap_action psci_system_off(struct vcpu *v, uint32_t *r __unused)
{
	vm_stop(v->vm, NULL, "PSCI SYSTEM_OFF");
	return TRAP_YIELD;
}

static enum trap_action psci_system_reset(struct vcpu *v, uint32_t *r __unused)
{
	vm_reset(v->vm, v);
	return TRAP_YIELD;
}

static enum trap_action lowvisor_uid(struct vcpu *v __unused, uint32_t *r)
{
	r[0] = LOWVISOR_UID_0;
	r[1] = LOWVISOR_UID_1;
	r[2] = LOWVISOR_UID_2;
	r[3] = LOWVISOR_UID_3;
	return TRAP_CONTINUE;
}

static enum trap_action lowvisor_revision(struct vcpu *v __unused, uint32_t *r)
{
	r[0] = LOWVISOR_ABI_MAJOR;
	r[1] = LOWVISOR_ABI_MINOR;
	return TRAP_CONTINUE;
}

/* The VM a management call names in r[1], r[0] then 0; or NULL with r[0]
 * the error: -EPERM from a VM not marked management, -ENOENT for an
 * unknown VM, and -EINVAL for the caller's own unless self may be it. */
static struct vm *mgmt_target(struct vcpu *v, uint32_t *r, bool self)
{
	struct vm *t = v->vm->cfg.management ? vm_by_id(r[1]) : NULL;

	r[0] = (uint32_t)(!v->vm->cfg.management ? -EPERM : !t ? -ENOENT :
			  t == v->vm && !self ? -EINVAL : 0);
	return r[0] ? NULL : t;
}

/*
 * IRQ_LINE(vm, irq, level), the KVM_IRQ_LINE of the management partition:
 * mgmt_target's errors, -EINVAL for anything irq_line_decode() refuses;
 * nothing changes then.
 */
static enum trap_action irq_line_call(struct vcpu *v, uint32_t *r)
{
	struct vm *target = mgmt_target(v, r, true);
	struct irq_line_target t;
	struct irq_line l;

	if (!target)
		return TRAP_CONTINUE;
	t = (struct irq_line_target){ .vcpu_count = target->cfg.vcpus, .spi_count = VM_SPIS };
	r[0] = (uint32_t)irq_line_decode(r[2], r[3], &t, &l);
	if (!r[0])
		vm_irq_line(target, &l);
	return TRAP_CONTINUE;
}

/* PAUSE, RESUME, RESET and STOP of another VM (uapi/lowvisor.h). */
static enum trap_action vm_op_call(struct vcpu *v, uint32_t *r)
{
	uint32_t fid = r[0];
	struct vm *t = mgmt_target(v, r, false);

	if (!t)
		return TRAP_CONTINUE;
	if (fid == LOWVISOR_FN_VM_PAUSE)
		r[0] = (uint32_t)vm_pause(t, v);
	else if (fid == LOWVISOR_FN_VM_RESUME)
		r[0] = (uint32_t)vm_resume(t, v);
	else if (fid == LOWVISOR_FN_VM_RESET)
		vm_reset(t, v);
	else
		vm_stop(t, v, "stopped by the management partition");
	return TRAP_CONTINUE;
}

static enum trap_action vm_list_call(struct vcpu *v, uint32_t *r)
{
	struct lowvisor_vm_info e;
	uint8_t *out; /* bytes: the caller's buffer need not be aligned */
	unsigned i, k, n = 0, max = r[2] / sizeof(e);

	if (!v->vm->cfg.management) {
		r[0] = (uint32_t)-EPERM;
		return TRAP_CONTINUE;
	}
	/* The buffer is the caller's RAM, translated and bounds-checked. */
	out = max ? vm_ram_ptr(v->vm, r[1], max * sizeof(e)) : NULL;
	if (max && !out) {
		r[0] = (uint32_t)-EFAULT;
		return TRAP_CONTINUE;
	}
	for (i = r[3]; i < vm_count() && n < max; i++, n++) {
		const struct vm *vm = vm_at(i);

		memset(&e, 0, sizeof(e));
		e.id = vm->cfg.id;
		e.state = vm->state;
		e.vcpus = vm->cfg.vcpus;
		e.mem_mib = (uint32_t)(vm->cfg.mem_size >> 20);
		strncpy(e.name, vm->cfg.name, sizeof(e.name) - 1);
		e.waiting = ioreq_waiting(vm);
		e.mem_base = vm->cfg.mem_base;
		e.virtio_count = vm->cfg.virtio_count;
		for (k = 0; k < vm->cfg.virtio_count; k++) {
			e.virtio_type[k] = vm->cfg.virtio[k].type;
			e.virtio_backend[k] = (uint16_t)vm->cfg.virtio[k].backend;
		}
		/* Copied, not stored field by field: the compiler pairs stores
		 * into STRD, which faults in HYP mode at an unaligned address. */
		memcpy(out + n * sizeof(e), &e, sizeof(e));
	}
	if (n)
		dcache_clean_poc(out, n * sizeof(e)); /* a guest may read with caches off */
	r[0] = n;
	r[1] = vm_count();
	return TRAP_CONTINUE;
}

/* The device-model path's calls (uapi/lowvisor.h), from a backend. */
static enum trap_action ioreq_call(struct vcpu *v, uint32_t *r)
{
	struct vm *b = v->vm;

	if (r[0] == LOWVISOR_FN_IOREQ_SETUP)
		r[0] = (uint32_t)ioreq_setup(b, (uint64_t)r[1] << PAGE_SHIFT);
	else if (r[0] == LOWVISOR_FN_IOREQ_DONE)
		r[0] = (uint32_t)ioreq_done(b, r[1], r[2], r[3]);
	else
		r[0] = (uint32_t)(!b->cfg.backend ? -EPERM : r[3] > 1 ? -EINVAL :
				  ioreq_map_guest(b, r[1], (uint64_t)r[2] << PAGE_SHIFT, r[3]));
	return TRAP_CONTINUE;
}

/* An SMCCC function ID's call type, convention and owner (bits 31-24). */
#define SMCCC_PREFIX_MASK 0xff000000u

static enum trap_action psci_features(struct vcpu *v, uint32_t *r);

/* The calls, indexed by the function number within their service (bits
 * 15:0 of the function ID): a hypercall is dispatched by two loads, not a
 * search. */
#define FN_NUM(fid) ((fid) & 0xffffu)
#define FN_SERVICE(fid) ((fid) & 0xffff0000u)

static const struct call psci_calls[] = {
	[FN_NUM(PSCI_0_2_FN_VERSION)] = { psci_version, false },
	[FN_NUM(PSCI_0_2_FN_CPU_SUSPEND)] = { psci_cpu_suspend, true },
	[FN_NUM(PSCI_0_2_FN_CPU_OFF)] = { psci_cpu_off, true },
	[FN_NUM(PSCI_0_2_FN_CPU_ON)] = { psci_cpu_on, false },
	[FN_NUM(PSCI_0_2_FN_AFFINITY_INFO)] = { psci_affinity_info, false },
	[FN_NUM(PSCI_0_2_FN_MIGRATE_INFO_TYPE)] = { psci_migrate_info_type, false },
	[FN_NUM(PSCI_0_2_FN_SYSTEM_OFF)] = { psci_system_off, true },
	[FN_NUM(PSCI_0_2_FN_SYSTEM_RESET)] = { psci_system_reset, true },
	[FN_NUM(PSCI_1_0_FN_PSCI_FEATURES)] = { psci_features, false },
};

#define LOWVISOR_FN_FIRST FN_NUM(LOWVISOR_FN_IRQ_LINE)
static const struct call lowvisor_calls[] = {
	[FN_NUM(LOWVISOR_FN_IRQ_LINE) - LOWVISOR_FN_FIRST] = { irq_line_call, false },
	[FN_NUM(LOWVISOR_FN_VM_LIST) - LOWVISOR_FN_FIRST] = { vm_list_call, false },
	[FN_NUM(LOWVISOR_FN_VM_PAUSE) - LOWVISOR_FN_FIRST] = { vm_op_call, true },
	[FN_NUM(LOWVISOR_FN_VM_RESUME) - LOWVISOR_FN_FIRST] = { vm_op_call, false },
	[FN_NUM(LOWVISOR_FN_VM_RESET) - LOWVISOR_FN_FIRST] = { vm_op_call, true },
	[FN_NUM(LOWVISOR_FN_VM_STOP) - LOWVISOR_FN_FIRST] = { vm_op_call, true },
	[FN_NUM(LOWVISOR_FN_IOREQ_SETUP) - LOWVISOR_FN_FIRST] = { ioreq_call, false },
	[FN_NUM(LOWVISOR_FN_IOREQ_DONE) - LOWVISOR_FN_FIRST] = { ioreq_call, false },
	[FN_NUM(LOWVISOR_FN_MAP_GUEST) - LOWVISOR_FN_FIRST] = { ioreq_call, false },
};

static const struct call smccc_version_call = { smccc_version, false };
static const struct call uid_call = { lowvisor_uid, false };
static const struct call revision_call = { lowvisor_revision, false };

static const struct call *find_call(uint32_t fid)
{
	uint32_t n = FN_NUM(fid);
	const struct call *c = NULL;

	switch (FN_SERVICE(fid)) {
	case FN_SERVICE(SMCCC_VERSION):
		c = fid == SMCCC_VERSION ? &smccc_version_call : NULL;
		break;
	case FN_SERVICE(PSCI_0_2_FN_VERSION):
		c = n < ARRAY_SIZE(psci_calls) ? &psci_calls[n] : NULL;
		break;
	case FN_SERVICE(LOWVISOR_FN(0)):
		if (n >= LOWVISOR_FN_FIRST && n - LOWVISOR_FN_FIRST < ARRAY_SIZE(lowvisor_calls))
			c = &lowvisor_calls[n - LOWVISOR_FN_FIRST];
		else if (fid == LOWVISOR_FN_CALL_UID)
			c = &uid_call;
		else if (fid == LOWVISOR_FN_REVISION)
			c = &revision_call;
		break;
	default:
		break;
	}
	return c && c->fn ? c : NULL;
}

static enum trap_action psci_features(struct vcpu *v __unused, uint32_t *r)
{
	uint32_t fid = r[1];

	/* Every PSCI call Lowvisor serves is supported; SMCCC_VERSION too. */
	r[0] = ((fid & SMCCC_PREFIX_MASK) == PSCI_0_2_FN_VERSION || fid == SMCCC_VERSION) &&
	       find_call(fid) ? PSCI_RET_SUCCESS : (uint32_t)PSCI_RET_NOT_SUPPORTED;
	return TRAP_CONTINUE;
}

enum trap_action hypercall(struct vcpu *v)
{
	const struct call *c = find_call(v->regs.r[0]);

	if (!c) {
		v->regs.r[0] = (uint32_t)SMCCC_RET_NOT_SUPPORTED;
		return TRAP_CONTINUE;
	}
	return c->fn(v, v->regs.r);
}

/* The fast path's hypercall (trap.h): served with the guest's r0-r3 in
 * the frame, the results written back there; a call with state of its
 * own takes the whole exit (hypercall()).  Here, beside the table, the
 * call is found inline, and pays for no frame but its own. */
uint32_t trap_hvc(struct guest_frame *f)
{
	struct percpu *cpu = this_cpu();
	const struct call *c = find_call(f->r[0]);

	if (c && c->own_state)
		return EXIT_TRAP;
	if (c)
		c->fn(cpu->loaded, f->r); /* TRAP_CONTINUE */
	else
		f->r[0] = (uint32_t)SMCCC_RET_NOT_SUPPORTED;
	if (cpu->need_resched)
		return EXIT_HANDLED;
	cpu->tick_exits++;
	return TRAP_FAST_RESUME;
}
