// SPDX-License-Identifier: MIT
/*
 * A VM's lifecycle: pause, resume, reset and stop, asked for by the
 * management partition or by the VM itself (PSCI SYSTEM_OFF, SYSTEM_RESET,
 * CPU_OFF of its last vCPU).
 *
 * No CPU ever waits here for another CPU or VM.  A request changes the
 * VM's state at once, under vm->lock, and kicks the CPUs of its vCPUs; a
 * vCPU whose VM is not running leaves its guest at the kick and does not
 * enter it again.  What must wait until no vCPU of the VM is in vcpu_run
 * (the VM "quiet"): a reset's reloading of the images, and the return of
 * the management call that asked (PAUSE, RESET and STOP return once the
 * VM is out of its CPUs, or reset).  That is done by whoever sees the VM
 * quiet first: the requester at once, or the CPU of the VM's last vCPU to
 * leave vcpu_run (vm_vcpu_left).  The calling vCPU meanwhile waits off its
 * CPU (vcpu_runnable is false until its VM's lc_done reaches the request's
 * number), and is kicked when it may go on.
 *
 * The order that makes "quiet" safe to see: a vCPU sets running, then
 * (DMB) reads the VM's state; a requester writes the state, then (DMB, in
 * spin_lock) reads every running flag.  One of them sees the other's write.
 *
 * A state change during a reset is kept for its end (vm->after_reset):
 * STOP wins over the reset, PAUSE and RESUME choose how it restarts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "ioreq.h"
#include "log.h"
#include "scheduler.h"
#include "uapi/lowvisor.h"
#include "vm.h"

/* Lifecycle lines about vm, rate-limited by the VM that caused them: vm
 * itself (its PSCI calls, its resets) on one limit, a management VM's calls
 * on another, so that a management VM flooding the console with calls on
 * others does not hide its own stop line. */
static __printf(3, 4) void lifecycle_log(struct vm *vm, struct vm *by, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (!vm_log_allow(by, by == vm ? &by->lc_log_limit : &by->mgmt_log_limit))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_info("%s", msg);
}

/* No vCPU of vm in vcpu_run (lock held, or a later recheck under it). */
static bool quiet(const struct vm *vm)
{
	unsigned i;

	for (i = 0; i < vm->cfg.vcpus; i++)
		if (vm->vcpus[i]->running)
			return false;
	return true;
}

static void kick_vcpus(const struct vm *vm)
{
	unsigned i;

	for (i = 0; i < vm->cfg.vcpus; i++)
		sched_kick(vm->vcpus[i]->pcpu);
}

/* The CPUs with a vCPU waiting for vm's requests: look again. */
static void kick_waiters(struct vm *vm)
{
	uint32_t cpus = __atomic_exchange_n(&vm->waiter_cpus, 0, __ATOMIC_SEQ_CST);

	for (; cpus; cpus &= cpus - 1)
		sched_poke((unsigned)__builtin_ctz(cpus));
}

static bool all_stopped(void)
{
	unsigned i;

	for (i = 0; i < vm_count(); i++)
		if (vm_at(i)->state != VM_OFF)
			return false;
	return true;
}

/* vm has just become VM_OFF. */
static void stopped(struct vm *vm, struct vm *by, const char *why)
{
	vuart_flush(&vm->uart);
	ioreq_vm_reset(vm); /* its requests, its RAM in backends, its ring */
	lifecycle_log(vm, by, "vm '%s': stopped (%s)", vm->cfg.name, why);
	if (vm_poweroff_when_last_stops() && all_stopped())
		vm_power_off_machine();
}

/* vm is quiet and its reset is ours: its images again, then what was
 * asked for meanwhile. */
static void reset_finish(struct vm *vm)
{
	unsigned i;
	int err;

	vuart_flush(&vm->uart);
	vuart_reset(&vm->uart);
	for (i = 0; i < vm->cfg.vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];

		v->blocked = false;
		v->wait_vm = NULL; /* its call is gone with the reset */
		v->state = VCPU_OFF; /* vCPU 0 boots; the others wait for CPU_ON */
	}
	vm_vgic_reset(vm);
	ioreq_vm_reset(vm);
	vm->boot_count++;
	err = vm_load_images(vm);
	spin_lock(&vm->lock);
	if (err)
		vm->after_reset = VM_OFF;
	else if (vm->after_reset != VM_OFF)
		vm_boot(vm);
	vm->state = vm->after_reset;
	vm->lc_done = vm->lc_requested;
	spin_unlock(&vm->lock);
	if (err)
		stopped(vm, vm, "its reset failed: its images could not be loaded");
	else if (vm->state == VM_OFF)
		stopped(vm, vm, "stopped during its reset");
	else
		lifecycle_log(vm, vm, "vm '%s': reset (boot %u)", vm->cfg.name, vm->boot_count);
	if (vm->state == VM_RUNNING)
		sched_kick(vm->vcpus[0]->pcpu);
}

/* Completes vm's outstanding requests if it is quiet: a reset is reloaded
 * by whoever claims it, the rest needs nothing more.  Then the vCPUs that
 * wait for them may go on. */
void vm_settle(struct vm *vm)
{
	bool done = false, reset = false;

	spin_lock(&vm->lock);
	if (vm->lc_done != vm->lc_requested && quiet(vm)) {
		if (vm->state != VM_RESETTING) {
			vm->lc_done = vm->lc_requested;
			done = true;
		} else if (!vm->reset_claimed) { /* else another CPU reloads it */
			reset = vm->reset_claimed = true;
		}
	}
	spin_unlock(&vm->lock);
	if (reset)
		reset_finish(vm);
	if (done || reset)
		kick_waiters(vm);
}

bool vm_lifecycle_done(const struct vm *vm, uint32_t seq)
{
	return (int32_t)(vm->lc_done - seq) >= 0;
}

/* Request seq of vm is made: settled now if vm is quiet, else caller (if
 * any) waits off its CPU until it is. */
static void request_wait(struct vm *vm, struct vcpu *caller, uint32_t seq)
{
	kick_vcpus(vm);
	vm_settle(vm);
	if (!caller || vm_lifecycle_done(vm, seq))
		return;
	caller->wait_vm = vm;
	caller->wait_seq = seq;
	__atomic_or_fetch(&vm->waiter_cpus, 1u << caller->pcpu, __ATOMIC_SEQ_CST);
	vm_settle(vm); /* a vCPU of vm may have left before our bit was there */
}

/* Makes vm's state to (during a reset: what the reset ends in), unless it
 * is stopped or stopping: then -1.  Else the state it had, and *seq the
 * number of the request to wait for. */
static int change(struct vm *vm, enum vm_state to, uint32_t *seq)
{
	int was;

	spin_lock(&vm->lock);
	was = vm->state;
	if (was == VM_OFF || (was == VM_RESETTING && vm->after_reset == VM_OFF)) {
		was = -1;
	} else if (was == VM_RESETTING) {
		vm->after_reset = to;
		*seq = vm->lc_requested; /* its end completes this too */
	} else {
		vm->state = to;
		*seq = ++vm->lc_requested;
		if (to == VM_RUNNING) /* a pause not yet seen through is over */
			vm->lc_done = *seq;
	}
	spin_unlock(&vm->lock);
	return was;
}

int vm_pause(struct vm *vm, struct vcpu *caller)
{
	uint32_t seq;

	if (change(vm, VM_PAUSED, &seq) < 0)
		return -EINVAL;
	lifecycle_log(vm, caller ? caller->vm : vm, "vm '%s': paused", vm->cfg.name);
	request_wait(vm, caller, seq);
	return 0;
}

int vm_resume(struct vm *vm, struct vcpu *caller)
{
	uint32_t seq;

	if (change(vm, VM_RUNNING, &seq) < 0)
		return -EINVAL;
	lifecycle_log(vm, caller ? caller->vm : vm, "vm '%s': resumed", vm->cfg.name);
	kick_waiters(vm);
	kick_vcpus(vm);
	return 0;
}

void vm_stop(struct vm *vm, struct vcpu *caller, const char *why)
{
	uint32_t seq;
	int was = change(vm, VM_OFF, &seq);

	if (was < 0)
		return;
	if (was != VM_RESETTING) /* else the reset's end says so */
		stopped(vm, caller ? caller->vm : vm, why);
	request_wait(vm, caller, seq);
}

void vm_reset(struct vm *vm, struct vcpu *caller)
{
	bool own = caller && caller->vm == vm;
	uint32_t seq;

	spin_lock(&vm->lock);
	/* From its own vCPU only while running; the management partition may
	 * restart it from any state. */
	if (own && vm->state != VM_RUNNING) {
		spin_unlock(&vm->lock);
		return;
	}
	vm->after_reset = VM_RUNNING;
	if (vm->state == VM_RESETTING) { /* the one in progress will do */
		seq = vm->lc_requested;
	} else {
		vm->state = VM_RESETTING;
		vm->reset_claimed = false;
		seq = ++vm->lc_requested;
	}
	spin_unlock(&vm->lock);
	request_wait(vm, own ? NULL : caller, seq);
}

void vm_vcpu_off(struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool last = true;
	unsigned i;

	spin_lock(&vm->lock);
	v->state = VCPU_OFF;
	for (i = 0; i < vm->cfg.vcpus; i++)
		if (vm->vcpus[i]->state == VCPU_RUNNABLE)
			last = false;
	spin_unlock(&vm->lock);
	if (last)
		vm_stop(vm, NULL, "PSCI CPU_OFF of its last vCPU");
}

int vm_cpu_on(struct vm *vm, unsigned target, uint32_t pc, uint32_t context)
{
	struct vcpu *t = vm->vcpus[target];
	int ret = PSCI_RET_SUCCESS;

	spin_lock(&vm->lock);
	if (t->state == VCPU_RUNNABLE)
		ret = PSCI_RET_ALREADY_ON;
	else if (t->running) /* still leaving after CPU_OFF */
		ret = PSCI_RET_ON_PENDING;
	else
		vcpu_boot(t, pc, context, 0, 0);
	spin_unlock(&vm->lock);
	if (ret == PSCI_RET_SUCCESS)
		sched_kick(t->pcpu);
	return ret;
}
