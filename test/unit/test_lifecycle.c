// SPDX-License-Identifier: MIT
/*
 * The VM lifecycle (hyp/lifecycle.c) on the host: pause, resume, reset and
 * stop as management calls and PSCI calls make them, with vCPUs that are in
 * vcpu_run (running) or not.  No call ever waits: a caller that must wait
 * for its target is marked (wait_vm, wait_seq) and its CPU is poked when
 * the target's last vCPU leaves.  What the hypervisor provides (images,
 * the vGIC, the UART, kicks, power-off) is faked here and counted.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ioreq.h"
#include "scheduler.h"
#include "unit.h"
#include "vm.h"

/* --- The fakes --- */

static char console[8192];
static size_t console_len;

void console_write(const char *s, size_t len)
{
	if (console_len + len < sizeof(console)) {
		memcpy(console + console_len, s, len);
		console_len += len;
		console[console_len] = '\0';
	}
}

static struct vm *all[4];
static unsigned nall;
static int load_error;
static unsigned loads, boots, vgic_resets, power_offs, uart_flushes;
/* ioreq_vm_reset calls, and how many loads came after one (hyp/ioreq.c
 * must revoke a VM's RAM from its backends before it is zeroed). */
static unsigned ioreq_resets, loads_after_ioreq;
static bool poweroff_last;
static uint32_t kicked, poked; /* CPU masks */

unsigned vm_count(void)
{
	return nall;
}

struct vm *vm_at(unsigned i)
{
	return i < nall ? all[i] : NULL;
}

int vm_load_images(struct vm *vm)
{
	(void)vm;
	loads++;
	loads_after_ioreq += ioreq_resets >= loads;
	return load_error;
}

void vcpu_boot(struct vcpu *v, uint32_t pc, uint32_t r0, uint32_t r1, uint32_t r2)
{
	(void)pc, (void)r0, (void)r1, (void)r2;
	v->boot_pending = true;
	v->state = VCPU_RUNNABLE;
}

void vm_boot(struct vm *vm)
{
	boots++;
	vcpu_boot(vm->vcpus[0], 0, 0, ~0u, 0);
}

void ioreq_vm_reset(struct vm *vm)
{
	(void)vm;
	ioreq_resets++;
}

void vm_vgic_reset(struct vm *vm)
{
	(void)vm;
	vgic_resets++;
}

bool vm_poweroff_when_last_stops(void)
{
	return poweroff_last;
}

void vm_power_off_machine(void)
{
	power_offs++;
}

bool vm_log_allow(struct vm *vm, struct ratelimit *rl)
{
	(void)vm, (void)rl;
	return true;
}

void vuart_flush(struct vuart *u)
{
	(void)u;
	uart_flushes++;
}

void vuart_reset(struct vuart *u)
{
	(void)u;
}

void sched_kick(unsigned pcpu)
{
	kicked |= 1u << pcpu;
}

void sched_poke(unsigned pcpu)
{
	poked |= 1u << pcpu;
}

/* --- VMs of vCPUs, each placed on a CPU --- */

static struct vm vms[4];
static struct vcpu vcpus[4][4];

static struct vm *make_vm(unsigned id, const char *name, unsigned nvcpus, unsigned first_cpu)
{
	struct vm *vm = &vms[id];
	unsigned i;

	memset(vm, 0, sizeof(*vm));
	snprintf(vm->cfg.name, sizeof(vm->cfg.name), "%s", name);
	vm->cfg.id = id;
	vm->state = VM_RUNNING;
	vm->cfg.vcpus = nvcpus;
	for (i = 0; i < nvcpus; i++) {
		struct vcpu *v = &vcpus[id][i];

		memset(v, 0, sizeof(*v));
		v->vm = vm;
		v->index = i;
		v->pcpu = (first_cpu + i) % 4;
		v->state = i == 0 ? VCPU_RUNNABLE : VCPU_OFF;
		vm->vcpus[i] = v;
	}
	all[id] = vm;
	if (id >= nall)
		nall = id + 1;
	return vm;
}

/* The vCPU leaves vcpu_run on its CPU, as vcpu_run's end does (its DSB
 * orders the store before vm_vcpu_left's reads). */
static void leave(struct vcpu *v)
{
	v->running = false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vm_vcpu_left(v);
}

static bool waiting(const struct vcpu *v)
{
	return v->wait_vm && !vm_lifecycle_done(v->wait_vm, v->wait_seq);
}

static int setup(void **state)
{
	(void)state;
	memset(all, 0, sizeof(all));
	nall = 0;
	load_error = 0;
	loads = boots = vgic_resets = power_offs = uart_flushes = 0;
	ioreq_resets = loads_after_ioreq = 0;
	poweroff_last = false;
	kicked = poked = 0;
	console_len = 0;
	console[0] = '\0';
	return 0;
}

/* --- Tests --- */

static void test_pause_of_a_quiet_vm_needs_no_wait(void **state)
{
	struct vm *mgmt = make_vm(0, "mgmt", 1, 0), *t = make_vm(1, "t", 1, 1);
	struct vcpu *m = mgmt->vcpus[0];

	(void)state;
	m->running = true;
	assert_int_equal(vm_pause(t, m), 0);
	assert_int_equal(t->state, VM_PAUSED);
	assert_false(waiting(m));
	assert_contains(console, "vm 't': paused");
	/* Paused again: still 0. */
	assert_int_equal(vm_pause(t, m), 0);
	assert_false(waiting(m));
}

static void test_pause_waits_off_cpu_until_the_target_leaves(void **state)
{
	struct vm *mgmt = make_vm(0, "mgmt", 1, 0), *t = make_vm(1, "t", 2, 1);
	struct vcpu *m = mgmt->vcpus[0];

	(void)state;
	m->running = true;
	t->vcpus[0]->running = true;
	t->vcpus[1]->running = true;
	t->vcpus[1]->state = VCPU_RUNNABLE;
	assert_int_equal(vm_pause(t, m), 0);
	assert_int_equal(t->state, VM_PAUSED);
	assert_true(waiting(m));
	assert_true(kicked & (1u << 1) && kicked & (1u << 2)); /* the target's CPUs */
	leave(t->vcpus[0]);
	assert_true(waiting(m)); /* one vCPU is still in its guest */
	assert_int_equal(poked, 0);
	leave(t->vcpus[1]);
	assert_false(waiting(m));
	assert_true(poked & 1u); /* the caller's CPU looks again */
}

static void test_resume_ends_a_pause_not_yet_seen_through(void **state)
{
	struct vm *mgmt = make_vm(0, "mgmt", 1, 0), *t = make_vm(1, "t", 1, 1);
	struct vm *other = make_vm(2, "other", 1, 2);
	struct vcpu *m = mgmt->vcpus[0], *o = other->vcpus[0];

	(void)state;
	m->running = o->running = true;
	t->vcpus[0]->running = true; /* and it stays in its guest */
	assert_int_equal(vm_pause(t, m), 0);
	assert_true(waiting(m));
	assert_int_equal(vm_resume(t, o), 0);
	assert_int_equal(t->state, VM_RUNNING);
	assert_false(waiting(m));
	assert_true(poked & 1u);
}

static void test_two_management_vms_pausing_each_other_both_end_paused(void **state)
{
	struct vm *a = make_vm(0, "a", 1, 0), *b = make_vm(1, "b", 1, 1);
	struct vcpu *va = a->vcpus[0], *vb = b->vcpus[0];

	(void)state;
	va->running = vb->running = true; /* both in their calls at once */
	assert_int_equal(vm_pause(b, va), 0);
	assert_int_equal(vm_pause(a, vb), 0);
	assert_true(waiting(va) && waiting(vb));
	/* Neither can run: both leave their CPUs, and that completes both. */
	leave(va);
	leave(vb);
	assert_false(waiting(va));
	assert_false(waiting(vb));
	assert_int_equal(a->state, VM_PAUSED);
	assert_int_equal(b->state, VM_PAUSED);
	/* A third party resumes them. */
	assert_int_equal(vm_resume(a, NULL), 0);
	assert_int_equal(vm_resume(b, NULL), 0);
	assert_int_equal(a->state, VM_RUNNING);
}

static void test_reset_reloads_once_the_vm_is_out(void **state)
{
	struct vm *mgmt = make_vm(0, "mgmt", 1, 0), *t = make_vm(1, "t", 3, 1);
	struct vcpu *m = mgmt->vcpus[0];
	unsigned i;

	(void)state;
	m->running = true;
	for (i = 0; i < 3; i++) {
		t->vcpus[i]->state = VCPU_RUNNABLE;
		t->vcpus[i]->running = true;
	}
	vm_reset(t, m);
	assert_int_equal(t->state, VM_RESETTING);
	assert_true(waiting(m));
	assert_int_equal(loads, 0);
	leave(t->vcpus[2]);
	leave(t->vcpus[0]);
	assert_int_equal(loads, 0);
	leave(t->vcpus[1]); /* the last one reloads it */
	assert_int_equal(loads, 1);
	assert_int_equal(loads_after_ioreq, 1); /* its requests and mappings went first */
	assert_int_equal(vgic_resets, 1);
	assert_int_equal(boots, 1);
	assert_int_equal(t->boot_count, 1);
	assert_int_equal(t->state, VM_RUNNING);
	/* vCPU 0 starts again; the others wait for PSCI CPU_ON. */
	assert_int_equal(t->vcpus[0]->state, VCPU_RUNNABLE);
	assert_int_equal(t->vcpus[1]->state, VCPU_OFF);
	assert_int_equal(t->vcpus[2]->state, VCPU_OFF);
	assert_false(waiting(m));
	assert_contains(console, "vm 't': reset (boot 1)");
	/* Another vCPU leaving later reloads nothing more. */
	t->vcpus[0]->running = true;
	leave(t->vcpus[0]);
	assert_int_equal(loads, 1);
}

static void test_reset_of_a_quiet_or_stopped_vm_is_done_at_once(void **state)
{
	struct vm *mgmt = make_vm(0, "mgmt", 1, 0), *t = make_vm(1, "t", 1, 1);
	struct vcpu *m = mgmt->vcpus[0];

	(void)state;
	vm_stop(t, m, "test");
	assert_int_equal(t->state, VM_OFF);
	vm_reset(t, m);
	assert_int_equal(loads, 1);
	assert_int_equal(t->state, VM_RUNNING);
	assert_false(waiting(m));
}

static void test_stop_during_a_reset_wins(void **state)
{
	struct vm *mgmt = make_vm(0, "mgmt", 1, 0), *mgmt2 = make_vm(2, "mgmt2", 1, 2);
	struct vm *t = make_vm(1, "t", 1, 1);
	struct vcpu *m = mgmt->vcpus[0], *m2 = mgmt2->vcpus[0];

	(void)state;
	m->running = m2->running = true;
	t->vcpus[0]->running = true;
	vm_reset(t, m);
	vm_stop(t, m2, "stopped by the management partition");
	assert_int_equal(t->state, VM_RESETTING); /* still resetting */
	assert_true(waiting(m) && waiting(m2));
	/* Nor can a pause or resume undo the stop. */
	assert_int_equal(vm_pause(t, m2), -EINVAL);
	assert_int_equal(vm_resume(t, m2), -EINVAL);
	leave(t->vcpus[0]);
	assert_int_equal(loads, 1);
	assert_int_equal(boots, 0);
	assert_int_equal(t->state, VM_OFF);
	assert_false(waiting(m));
	assert_false(waiting(m2));
	assert_contains(console, "vm 't': stopped (stopped during its reset)");
}

static void test_pause_or_resume_during_a_reset_say_how_it_restarts(void **state)
{
	struct vm *mgmt = make_vm(0, "mgmt", 1, 0), *t = make_vm(1, "t", 1, 1);
	struct vcpu *m = mgmt->vcpus[0];

	(void)state;
	t->vcpus[0]->running = true;
	vm_reset(t, NULL);
	assert_int_equal(vm_pause(t, m), 0);
	leave(t->vcpus[0]);
	assert_int_equal(t->state, VM_PAUSED);
	assert_int_equal(boots, 1); /* ready to run when resumed */
	t->vcpus[0]->running = true;
	vm_reset(t, NULL);
	assert_int_equal(vm_pause(t, m), 0);
	assert_int_equal(vm_resume(t, m), 0);
	leave(t->vcpus[0]);
	assert_int_equal(t->state, VM_RUNNING);
}

static void test_a_reset_that_cannot_load_its_images_stops_the_vm(void **state)
{
	struct vm *mgmt = make_vm(0, "mgmt", 1, 0), *t = make_vm(1, "t", 1, 1);
	struct vcpu *m = mgmt->vcpus[0];

	(void)state;
	m->running = true;
	t->vcpus[0]->running = true;
	load_error = -ENOMEM;
	vm_reset(t, m);
	leave(t->vcpus[0]);
	assert_int_equal(t->state, VM_OFF);
	assert_int_equal(boots, 0);
	assert_false(waiting(m));
	assert_contains(console, "vm 't': stopped (its reset failed: its images could not be loaded)");
	/* A later reset that succeeds runs it again. */
	load_error = 0;
	vm_reset(t, m);
	assert_int_equal(t->state, VM_RUNNING);
}

static void test_the_vms_own_psci_calls_do_not_wait(void **state)
{
	struct vm *t = make_vm(0, "t", 2, 0);
	struct vcpu *v0 = t->vcpus[0], *v1 = t->vcpus[1];

	(void)state;
	v1->state = VCPU_RUNNABLE;
	v0->running = v1->running = true;
	vm_reset(t, v0); /* SYSTEM_RESET from vCPU 0 */
	assert_int_equal(t->state, VM_RESETTING);
	assert_null(v0->wait_vm);
	leave(v0);
	assert_int_equal(loads, 0);
	leave(v1);
	assert_int_equal(loads, 1);
	assert_int_equal(t->state, VM_RUNNING);
	/* SYSTEM_RESET while not running (paused meanwhile): ignored. */
	assert_int_equal(vm_pause(t, NULL), 0);
	vm_reset(t, v0);
	assert_int_equal(t->state, VM_PAUSED);
}

static void test_cpu_off_of_the_last_vcpu_stops_the_vm(void **state)
{
	struct vm *a = make_vm(0, "a", 2, 0), *b = make_vm(1, "b", 1, 1);

	(void)state;
	poweroff_last = true;
	a->vcpus[1]->state = VCPU_RUNNABLE;
	vm_vcpu_off(a->vcpus[0]);
	assert_int_equal(a->state, VM_RUNNING); /* vCPU 1 still runs */
	vm_vcpu_off(a->vcpus[1]);
	assert_int_equal(a->state, VM_OFF);
	assert_contains(console, "vm 'a': stopped (PSCI CPU_OFF of its last vCPU)");
	assert_int_equal(power_offs, 0); /* b still runs */
	vm_stop(b, NULL, "PSCI SYSTEM_OFF");
	assert_int_equal(power_offs, 1);
}

static void test_stopped_vms_refuse_pause_and_resume(void **state)
{
	struct vm *t = make_vm(0, "t", 1, 0);

	(void)state;
	vm_stop(t, NULL, "test");
	assert_int_equal(vm_pause(t, NULL), -EINVAL);
	assert_int_equal(vm_resume(t, NULL), -EINVAL);
	vm_stop(t, NULL, "again"); /* nothing */
	assert_null(strstr(console, "again"));
	assert_int_equal(uart_flushes, 1);
}

/* Two management vCPUs on two CPUs, and their target's, as host threads:
 * they race PAUSE, RESUME, RESET and STOP on each other for many rounds;
 * every call returns, and every wait it leaves ends once the vCPUs it
 * waits for have left (which a vCPU that cannot run does at once). */
struct racer {
	struct vcpu *self;
	struct vm *targets[2];
	unsigned seed;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	unsigned i;

	for (i = 0; i < 20000; i++) {
		unsigned x = r->seed = r->seed * 1103515245u + 12345u;
		struct vm *t = r->targets[(x >> 8) & 1];
		struct vcpu *v = r->self;

		v->running = true;
		switch ((x >> 12) % 4) {
		case 0:
			vm_pause(t, v);
			break;
		case 1:
			vm_resume(t, v);
			break;
		case 2:
			vm_reset(t, v);
			break;
		default:
			vm_stop(t, v, "race");
			break;
		}
		/* The call is made: it leaves vcpu_run (its wait, or its VM's
		 * state, may keep it out); the other vCPU's leaving completes
		 * whatever waited for it. */
		leave(v);
	}
	return NULL;
}

static void test_racing_management_calls_never_hang(void **state)
{
	struct vm *a = make_vm(0, "a", 1, 0), *b = make_vm(1, "b", 1, 1);
	struct vm *victim = make_vm(2, "victim", 1, 2);
	struct racer ra = { a->vcpus[0], { b, victim }, 1 }, rb = { b->vcpus[0], { a, victim }, 2 };
	pthread_t ta, tb;

	(void)state;
	assert_int_equal(pthread_create(&ta, NULL, race, &ra), 0);
	assert_int_equal(pthread_create(&tb, NULL, race, &rb), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	/* Nothing is left half done: no vCPU runs, so every request is
	 * completed and nobody waits. */
	assert_false(waiting(a->vcpus[0]));
	assert_false(waiting(b->vcpus[0]));
	assert_true(a->state != VM_RESETTING && b->state != VM_RESETTING &&
		    victim->state != VM_RESETTING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_pause_of_a_quiet_vm_needs_no_wait, setup),
		cmocka_unit_test_setup(test_pause_waits_off_cpu_until_the_target_leaves, setup),
		cmocka_unit_test_setup(test_resume_ends_a_pause_not_yet_seen_through, setup),
		cmocka_unit_test_setup(test_two_management_vms_pausing_each_other_both_end_paused,
				       setup),
		cmocka_unit_test_setup(test_reset_reloads_once_the_vm_is_out, setup),
		cmocka_unit_test_setup(test_reset_of_a_quiet_or_stopped_vm_is_done_at_once, setup),
		cmocka_unit_test_setup(test_stop_during_a_reset_wins, setup),
		cmocka_unit_test_setup(test_pause_or_resume_during_a_reset_say_how_it_restarts,
				       setup),
		cmocka_unit_test_setup(test_a_reset_that_cannot_load_its_images_stops_the_vm, setup),
		cmocka_unit_test_setup(test_the_vms_own_psci_calls_do_not_wait, setup),
		cmocka_unit_test_setup(test_cpu_off_of_the_last_vcpu_stops_the_vm, setup),
		cmocka_unit_test_setup(test_stopped_vms_refuse_pause_and_resume, setup),
		cmocka_unit_test_setup(test_racing_management_calls_never_hang, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
