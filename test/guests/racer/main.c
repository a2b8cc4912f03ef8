// SPDX-License-Identifier: MIT
/*
 * racer: management VMs racing the lifecycle calls on each other
 * (configs/race.its.sh).  Roles, by bootargs:
 *
 *   role=racer targets=A,B,.. seed=S nap_ms=N   calls PAUSE, RESUME, RESET
 *       and STOP at random on the VMs listed (its own id among them:
 *       -EINVAL), sleeping N ms (default 1) every 32 calls, and
 *       now and then PSCI SYSTEM_RESET on itself; checks every result and
 *       prints "race: N calls" every 256 calls.  A reset of its VM starts
 *       it again from its seed plus its boot count.
 *   role=referee watch=A,B,.. ms=T   every 2 ms resumes the watched VMs
 *       that are paused and resets the stopped ones, so the racers cannot
 *       leave each other paused or stopped for good; after T ms of its time
 *       it stops the watched VMs, then every other VM, prints "referee:
 *       done" and powers its own VM off (the last VM: the machine too).
 *   role=filler   spins without a word: many of them, taking turns, make
 *       the VMIDs roll over.
 *   role=cpuoff   (2 vCPUs) starts vCPU 1, which calls PSCI CPU_OFF; then
 *       vCPU 0 calls CPU_OFF too: its VM has stopped.  With timer_ms=N,
 *       vCPU 0 first arms its virtual timer for N ms later, IRQs unmasked
 *       there, as a guest that goes off without tidying up.
 */
#include "test.h"

#define MAX_VMS 16
#define PROGRESS_EVERY 16u
#define OP_COUNT (sizeof(ops) / sizeof(ops[0]))

static uint32_t rng;

/* xorshift32: a sequence that the seed printed at the start replays. */
static uint32_t rand32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static int32_t vm_op(uint32_t fn, uint32_t vm)
{
	struct smccc_res res;

	return (int32_t)smccc_hvc(fn, vm, 0, 0, &res);
}

static int32_t vm_state(uint32_t vm)
{
	static struct lowvisor_vm_info info;
	struct smccc_res res;

	if ((int32_t)smccc_hvc(LOWVISOR_FN_VM_LIST, (uint32_t)(uintptr_t)&info, sizeof(info), vm,
			       &res) != 1)
		return -1;
	return (int32_t)info.state;
}

/* PAUSE and RESUME 7 times in 16 each, RESET and STOP once: a racer that
 * is reset or stopped starts again from 0, and must get some way. */
static const struct {
	uint32_t fn;
	const char *name;
} ops[16] = {
	[0 ... 6] = { LOWVISOR_FN_VM_PAUSE, "pause" },
	[7 ... 13] = { LOWVISOR_FN_VM_RESUME, "resume" },
	[14] = { LOWVISOR_FN_VM_RESET, "reset" },
	[15] = { LOWVISOR_FN_VM_STOP, "stop" },
};

/* What a call may answer: its own VM is -EINVAL; PAUSE and RESUME of a
 * stopped VM are -EINVAL; everything else 0. */
static bool result_ok(uint32_t fn, uint32_t vm, uint32_t self, int32_t r)
{
	if (vm == self)
		return r == -LOWVISOR_EINVAL;
	if (fn == LOWVISOR_FN_VM_PAUSE || fn == LOWVISOR_FN_VM_RESUME)
		return r == 0 || r == -LOWVISOR_EINVAL;
	return r == 0;
}

static void sleep_ms(uint32_t ms)
{
	time_sleep_until(counter() + (uint64_t)counter_freq() * ms / 1000u);
}

static int racer(uint32_t self)
{
	uint32_t targets[MAX_VMS], seed = 1, nap_ms = 1, bad = 0;
	int n = bootarg_u32_list("targets", targets, MAX_VMS);

	bootarg_u32("seed", &seed);
	bootarg_u32("nap_ms", &nap_ms);
	rng = seed * 2654435761u + (uint32_t)boot_count() + 1;
	printf("race: vm %lu, seed %lu, boot %ld\n", (unsigned long)self, (unsigned long)seed,
	       (long)boot_count());
	if (n < 1)
		return 1;
	for (uint32_t calls = 1;; calls++) {
		uint32_t r = rand32(), vm = targets[r % (uint32_t)n];
		unsigned op = (r >> 8) % OP_COUNT;
		int32_t ret;

		if ((r >> 16) % 1024 == 0) {
			printf("race: resetting itself after %lu calls\n", (unsigned long)calls);
			psci_system_reset();
		}
		ret = vm_op(ops[op].fn, vm);
		if (!result_ok(ops[op].fn, vm, self, ret) && bad++ < 10)
			printf("race: FAIL %s of vm %lu returned %ld\n", ops[op].name,
			       (unsigned long)vm, (long)ret);
		if (calls % PROGRESS_EVERY == 0)
			printf("race: %lu calls\n", (unsigned long)calls);
		if (calls % 32 == 0)
			sleep_ms(nap_ms); /* lower priorities get the CPU meanwhile */
	}
}

/* Stops VM vm; says so if it does not end stopped. */
static void stop_vm(uint32_t vm)
{
	int32_t r = vm_op(LOWVISOR_FN_VM_STOP, vm);

	if (r != 0 || vm_state(vm) != LOWVISOR_VM_STOPPED)
		printf("referee: FAIL stop of vm %lu returned %ld, state %ld\n", (unsigned long)vm,
		       (long)r, (long)vm_state(vm));
}

static int referee(uint32_t self)
{
	uint32_t watch[MAX_VMS], ms = 3000, resumes = 0, resets = 0, round, vms;
	int nw = bootarg_u32_list("watch", watch, MAX_VMS);
	uint64_t end;
	struct smccc_res res;

	bootarg_u32("ms", &ms);
	printf("referee: %lu ms\n", (unsigned long)ms);
	end = counter() + (uint64_t)counter_freq() * ms / 1000u;
	for (round = 1; counter() < end; round++) {
		for (int i = 0; i < nw; i++) {
			int32_t s = vm_state(watch[i]);

			if (s == LOWVISOR_VM_PAUSED && vm_op(LOWVISOR_FN_VM_RESUME, watch[i]) == 0)
				resumes++;
			else if (s == LOWVISOR_VM_STOPPED &&
				 vm_op(LOWVISOR_FN_VM_RESET, watch[i]) == 0)
				resets++;
		}
		if (round % 250 == 0)
			printf("referee: round %lu, %lu resumes, %lu resets\n", (unsigned long)round,
			       (unsigned long)resumes, (unsigned long)resets);
		sleep_ms(2);
	}
	/* The racers first, until none is left to restart another; then the
	 * rest. */
	for (int left = nw, tries = 0; left && tries < 100; tries++) {
		left = 0;
		for (int i = 0; i < nw; i++)
			if (vm_op(LOWVISOR_FN_VM_STOP, watch[i]) != 0 ||
			    vm_state(watch[i]) != LOWVISOR_VM_STOPPED)
				left++;
	}
	smccc_hvc(LOWVISOR_FN_VM_LIST, 0, 0, 0, &res);
	vms = res.a1;
	for (uint32_t vm = 0; vm < vms; vm++)
		if (vm != self)
			stop_vm(vm);
	printf("referee: done after %lu rounds, %lu resumes, %lu resets\n", (unsigned long)round,
	       (unsigned long)resumes, (unsigned long)resets);
	return 0;
}

static __attribute__((noreturn)) int filler(void)
{
	for (;;)
		__asm__ volatile("" ::: "memory");
}

static void cpu1_off(uint32_t context)
{
	(void)context;
	printf("cpuoff: cpu 1 up, calling CPU_OFF\n");
}

/* Both vCPUs end with CPU_OFF, vCPU 0 last: the VM has stopped then. */
static int cpuoff(uint32_t timer_ms)
{
	int32_t r = smp_cpu_on(0x80000001u, cpu1_off, 0);

	printf("cpuoff: CPU_ON of cpu 1: %ld\n", (long)r);
	while (r == 0 && psci_affinity_info(0x80000001u, 0) != 1) /* OFF */
		sleep_ms(1);
	printf("cpuoff: cpu 1 is off, cpu 0 calling CPU_OFF\n");
	if (timer_ms)
		time_arm(counter() + (uint64_t)counter_freq() * timer_ms / 1000u);
	psci_cpu_off();
	printf("cpuoff: FAIL CPU_OFF returned\n");
	return 1;
}

int main(void)
{
	char role[16] = "";
	uint32_t self = 0, timer_ms = 0;

	time_sleep_init();
	bootarg_get("role", role, sizeof(role));
	bootarg_u32("self", &self);
	bootarg_u32("timer_ms", &timer_ms);
	if (!strcmp(role, "racer"))
		return racer(self);
	if (!strcmp(role, "referee"))
		return referee(self);
	if (!strcmp(role, "cpuoff"))
		return cpuoff(timer_ms);
	return filler();
}
