// SPDX-License-Identifier: MIT
/*
 * The VMID allocator (mm/vmid.c): which id each VM runs with, when the
 * generation rolls over, and that a rollover interrupts every CPU and then
 * flushes, once.  The hardware hooks are fakes: the lock is a mutex, and in
 * the threaded test each thread is a CPU whose "IRQs masked" is a mutex of
 * its own that the rendezvous must take, as an IPI must be taken.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#include "unit.h"
#include "mm.h"

/* What the hooks saw.  In the rendezvous every VM the test registered must
 * already be stale (so no CPU can pass its entry recheck), and the ids of
 * the generation that is ending must have been distinct. */
static struct {
	pthread_mutex_t lock;
	unsigned lock_count;
	unsigned rendezvous_count;
	unsigned flush_count;
	unsigned errors;
	char first_error[160];
	struct vmid *vms; /* registered for the rendezvous checks */
	size_t vm_count;
	bool threaded;    /* the rendezvous takes every CPU's IRQ mutex */
} fake = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void fake_error(const char *fmt, ...) __printf(1, 2);
static void fake_error(const char *fmt, ...)
{
	va_list ap;

	if (__atomic_fetch_add(&fake.errors, 1, __ATOMIC_RELAXED) == 0) {
		va_start(ap, fmt);
		vsnprintf(fake.first_error, sizeof(fake.first_error), fmt, ap);
		va_end(ap);
	}
}

static void expect_no_fake_errors(void)
{
	if (fake.errors)
		fail_msg("%u errors, the first: %s", fake.errors, fake.first_error);
}

void vmid_hw_lock(void)
{
	pthread_mutex_lock(&fake.lock);
	fake.lock_count++;
}

void vmid_hw_unlock(void)
{
	pthread_mutex_unlock(&fake.lock);
}

/* Ids of generation gen among vms are distinct and never 0. */
static void check_generation_unique(const struct vmid *vms, size_t n, uint64_t gen)
{
	size_t owner[256];
	size_t i;

	for (i = 0; i < 256; i++)
		owner[i] = SIZE_MAX;
	for (i = 0; i < n; i++) {
		if (__atomic_load_n(&vms[i].gen, __ATOMIC_ACQUIRE) != gen)
			continue;
		if (vms[i].id == 0)
			fake_error("VM %zu has VMID 0", i);
		else if (owner[vms[i].id] != SIZE_MAX)
			fake_error("VMs %zu and %zu share VMID %u in generation %" PRIu64,
				   owner[vms[i].id], i, vms[i].id, gen);
		owner[vms[i].id] = i;
	}
}

static void mt_rendezvous(void);
static void mt_check_all_out(void);

void vmid_hw_rendezvous(void)
{
	struct vmid_stats st;
	size_t i;

	fake.rendezvous_count++;
	if (fake.rendezvous_count != fake.flush_count + 1)
		fake_error("rendezvous %u after %u flushes", fake.rendezvous_count,
			   fake.flush_count);
	vmid_stats_read(&st);
	for (i = 0; i < fake.vm_count; i++)
		if (vmid_current_id(&fake.vms[i]))
			fake_error("VM %zu still current in the rendezvous", i);
	check_generation_unique(fake.vms, fake.vm_count, st.generation - 1);
	if (fake.threaded)
		mt_rendezvous();
}

void vmid_hw_flush_all(void)
{
	fake.flush_count++;
	if (fake.flush_count != fake.rendezvous_count)
		fake_error("flush %u without its rendezvous", fake.flush_count);
	if (fake.threaded)
		mt_check_all_out();
}

static int setup(void **state)
{
	(void)state;
	vmid_init();
	fake.lock_count = 0;
	fake.rendezvous_count = 0;
	fake.flush_count = 0;
	fake.errors = 0;
	fake.vms = NULL;
	fake.vm_count = 0;
	fake.threaded = false;
	return 0;
}

static void register_vms(struct vmid *vms, size_t n)
{
	memset(vms, 0, n * sizeof(*vms));
	fake.vms = vms;
	fake.vm_count = n;
}

static void expect_rollovers(unsigned n)
{
	struct vmid_stats st;

	vmid_stats_read(&st);
	assert_int_equal(st.rollovers, n);
	assert_int_equal(st.generation, n + 1);
	assert_int_equal(fake.rendezvous_count, n);
	assert_int_equal(fake.flush_count, n);
	expect_no_fake_errors();
}

/* Runs vms[i] as the entry sequence of vmid.h does, on one CPU. */
static uint8_t run(struct vmid *vms, size_t i)
{
	uint8_t id = vmid_check_and_update(&vms[i]);

	assert_int_not_equal(id, 0);
	assert_int_equal(vmid_current_id(&vms[i]), id);
	assert_int_equal(vmid_last_id(&vms[i]), id);
	return id;
}

static void expect_current_unique(const struct vmid *vms, size_t n)
{
	struct vmid_stats st;

	vmid_stats_read(&st);
	check_generation_unique(vms, n, st.generation);
	expect_no_fake_errors();
}

static void test_vm_keeps_its_id_within_a_generation(void **state)
{
	struct vmid vms[3];
	uint8_t id[3];
	unsigned round, i;

	(void)state;
	register_vms(vms, 3);
	assert_int_equal(vmid_current_id(&vms[0]), 0); /* a new VM has none */
	assert_int_equal(vmid_last_id(&vms[0]), 0);
	for (i = 0; i < 3; i++)
		id[i] = run(vms, i);
	assert_int_equal(fake.lock_count, 3);
	for (round = 0; round < 1000; round++)
		for (i = 0; i < 3; i++)
			assert_int_equal(run(vms, i), id[i]);
	assert_int_equal(fake.lock_count, 3); /* the fast path never locks */
	expect_current_unique(vms, 3);
	expect_rollovers(0);
}

static void test_255_vms_get_all_ids_without_rollover(void **state)
{
	struct vmid vms[VMID_COUNT];
	bool seen[256] = { false };
	struct vmid_stats st;
	size_t i;

	(void)state;
	register_vms(vms, VMID_COUNT);
	for (i = 0; i < VMID_COUNT; i++) {
		uint8_t id = run(vms, i);

		assert_false(seen[id]);
		seen[id] = true;
	}
	assert_false(seen[0]);
	for (i = VMID_FIRST; i <= VMID_LAST; i++)
		assert_true(seen[i]);
	vmid_stats_read(&st);
	assert_int_equal(st.live, 255);
	assert_int_equal(st.allocations, 255);
	expect_rollovers(0);
}

static void test_256th_vm_rolls_over_once(void **state)
{
	struct vmid vms[VMID_COUNT + 1];
	struct vmid_stats st;
	uint8_t old_id = 0;
	size_t i;

	(void)state;
	register_vms(vms, VMID_COUNT + 1);
	for (i = 0; i < VMID_COUNT; i++)
		old_id = run(vms, i);
	assert_int_equal(old_id, VMID_LAST);
	assert_int_equal(run(vms, VMID_COUNT), VMID_FIRST);
	expect_rollovers(1); /* the rendezvous checked every other VM was stale */
	for (i = 0; i < VMID_COUNT; i++) {
		assert_int_equal(vmid_current_id(&vms[i]), 0);
		assert_int_not_equal(vmid_last_id(&vms[i]), 0); /* still flushable */
	}
	vmid_stats_read(&st);
	assert_int_equal(st.live, 1);
	assert_int_equal(st.allocations, 256);
	/* The new generation fills up again before the next rollover. */
	for (i = 0; i < VMID_COUNT - 1; i++)
		run(vms, i);
	expect_rollovers(1);
	expect_current_unique(vms, VMID_COUNT + 1);
	run(vms, VMID_COUNT - 1);
	expect_rollovers(2);
}

static void test_vmid_0_is_never_handed_out(void **state)
{
	enum { VMS = 400 };
	static struct vmid vms[VMS];
	unsigned uses[256] = { 0 };
	unsigned n, id;

	(void)state;
	register_vms(vms, VMS);
	/* Ten generations, from VMs that are current and stale, in a
	 * scrambled order. */
	for (n = 0; n < 10 * VMID_COUNT; n++)
		uses[run(vms, (n * 7) % VMS)]++;
	expect_rollovers(9);
	assert_int_equal(uses[0], 0);
	for (id = VMID_FIRST; id <= VMID_LAST; id++)
		assert_int_equal(uses[id], 10);
	expect_current_unique(vms, VMS);
}

/* 300 VMs in turn: between two runs of a VM the 299 others take at least
 * 255 ids, so every run allocates and a rollover comes every 255 runs. */
static void test_300_vms_round_robin(void **state)
{
	enum { VMS = 300, ROUNDS = 20 };
	static struct vmid vms[VMS];
	struct vmid_stats st;
	unsigned round, i, runs = 0;

	(void)state;
	register_vms(vms, VMS);
	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < VMS; i++) {
			run(vms, i);
			runs++;
			/* Allocation k (from 1) rolls over when k - 1 is a
			 * positive multiple of 255. */
			assert_int_equal(fake.rendezvous_count, (runs - 1) / VMID_COUNT);
			expect_current_unique(vms, VMS);
		}
	}
	vmid_stats_read(&st);
	assert_int_equal(st.allocations, VMS * ROUNDS);
	assert_int_equal(st.live, (VMS * ROUNDS - 1) % VMID_COUNT + 1);
	expect_rollovers((VMS * ROUNDS - 1) / VMID_COUNT); /* 23 */
}

static void test_vm_idle_for_a_generation_gets_a_new_id(void **state)
{
	struct vmid vms[VMID_COUNT + 2];
	struct vmid_stats before, after;
	struct vmid *idle = &vms[VMID_COUNT + 1];
	uint8_t old_id;
	size_t i;

	(void)state;
	register_vms(vms, VMID_COUNT + 2);
	old_id = run(vms, VMID_COUNT + 1); /* id 1 */
	/* 254 more fill generation 1, the 255th starts generation 2 with id 1. */
	for (i = 0; i < VMID_COUNT; i++)
		run(vms, i);
	expect_rollovers(1);
	assert_int_equal(vmid_current_id(idle), 0);
	assert_int_equal(vmid_last_id(idle), old_id);
	assert_int_equal(vmid_current_id(&vms[VMID_COUNT - 1]), old_id); /* id 1 is reused */

	vmid_stats_read(&before);
	assert_int_not_equal(run(vms, VMID_COUNT + 1), old_id);
	vmid_stats_read(&after);
	assert_int_equal(after.allocations, before.allocations + 1);
	expect_current_unique(vms, VMID_COUNT + 2);
	expect_rollovers(1);
}

/* One VM with several vCPUs shares one struct vmid: whichever vCPU enters
 * first in a generation allocates, the others find the id there. */
static void test_vcpus_of_one_vm_share_the_id(void **state)
{
	struct vmid vms[VMID_COUNT + 1];
	struct vmid_stats st;
	uint8_t id;
	size_t i;

	(void)state;
	register_vms(vms, VMID_COUNT + 1);
	id = run(vms, 0);                  /* vCPU 0 */
	assert_int_equal(run(vms, 0), id); /* vCPU 1 */
	for (i = 1; i <= VMID_COUNT; i++)
		run(vms, i);
	expect_rollovers(1);
	id = run(vms, 0);                  /* vCPU 1 first, now */
	assert_int_equal(run(vms, 0), id); /* vCPU 0 */
	vmid_stats_read(&st);
	assert_int_equal(st.allocations, VMID_COUNT + 2);
	expect_current_unique(vms, VMID_COUNT + 1);
}

/*
 * Threads as CPUs.  A thread holds its irq mutex from its entry recheck to
 * its guest exit, as a CPU runs its guest with IRQs masked in HYP; the
 * rendezvous takes each mutex in turn, as the SGI is taken once the CPU
 * leaves its guest.  While "in the guest" a CPU publishes what it runs, and
 * at each entry it checks against the others: every CPU in a guest runs
 * the same generation (so none kept an old one past a rollover), two CPUs
 * running different VMs never share an id, and two running the same VM use
 * the same one (its TLB entries are flushed by one id).  At each flush no CPU is in
 * a guest.  These hold whatever the interleaving, so the test is not flaky;
 * how many rollovers happen varies, but not their relation to allocations.
 */
enum { MT_CPUS = 4, MT_OWN = 100, MT_SHARED = 3, MT_ENTRIES = 4000 };

static struct {
	struct vmid vms[MT_CPUS * MT_OWN + MT_SHARED]; /* shared ones last */
	pthread_mutex_t irq[MT_CPUS];
	pthread_mutex_t check; /* guards running[] */
	struct {
		const struct vmid *vm; /* NULL: not in a guest */
		uint64_t gen;
		uint8_t id;
	} running[MT_CPUS];
	unsigned retries;      /* entry rechecks that failed */
} mt = { .check = PTHREAD_MUTEX_INITIALIZER };

static void mt_rendezvous(void)
{
	unsigned c;

	for (c = 0; c < MT_CPUS; c++) {
		pthread_mutex_lock(&mt.irq[c]);
		pthread_mutex_unlock(&mt.irq[c]);
	}
}

static void mt_check_all_out(void)
{
	unsigned c;

	pthread_mutex_lock(&mt.check);
	for (c = 0; c < MT_CPUS; c++)
		if (mt.running[c].vm)
			fake_error("cpu%u in a guest during the flush", c);
	pthread_mutex_unlock(&mt.check);
}

static void mt_guest_enter(unsigned cpu, const struct vmid *v, uint8_t id)
{
	/* Cannot change while this CPU has "IRQs masked": a newer id needs a
	 * completed rendezvous. */
	uint64_t gen = __atomic_load_n(&v->gen, __ATOMIC_ACQUIRE);
	unsigned c;

	pthread_mutex_lock(&mt.check);
	for (c = 0; c < MT_CPUS; c++) {
		if (!mt.running[c].vm)
			continue;
		if (mt.running[c].gen != gen)
			fake_error("cpu%u enters generation %" PRIu64 " while cpu%u runs %" PRIu64,
				   cpu, gen, c, mt.running[c].gen);
		if (mt.running[c].vm != v && mt.running[c].id == id)
			fake_error("cpu%u and cpu%u run different VMs with VMID %u", cpu, c, id);
		if (mt.running[c].vm == v && mt.running[c].id != id)
			fake_error("cpu%u and cpu%u run one VM with VMIDs %u and %u", cpu, c, id,
				   mt.running[c].id);
	}
	mt.running[cpu].vm = v;
	mt.running[cpu].gen = gen;
	mt.running[cpu].id = id;
	pthread_mutex_unlock(&mt.check);
}

static void mt_guest_exit(unsigned cpu)
{
	pthread_mutex_lock(&mt.check);
	mt.running[cpu].vm = NULL;
	pthread_mutex_unlock(&mt.check);
}

static void *mt_cpu(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;
	unsigned n, own = 0;

	/* Every fifth entry is of a shared VM; the others go round all of this
	 * CPU's own VMs (n % MT_OWN would skip every fifth of them). */
	for (n = 0; n < MT_ENTRIES; n++) {
		struct vmid *v = n % 5 == 0 ? &mt.vms[MT_CPUS * MT_OWN + n / 5 % MT_SHARED]
					    : &mt.vms[cpu * MT_OWN + own++ % MT_OWN];
		uint8_t id;

		for (;;) {
			vmid_check_and_update(v);
			if (n % 3 == 0) /* widen the window the recheck closes */
				sched_yield();
			pthread_mutex_lock(&mt.irq[cpu]);
			id = vmid_current_id(v);
			if (id)
				break;
			pthread_mutex_unlock(&mt.irq[cpu]);
			__atomic_fetch_add(&mt.retries, 1, __ATOMIC_RELAXED);
		}
		mt_guest_enter(cpu, v, id);
		sched_yield();
		mt_guest_exit(cpu);
		pthread_mutex_unlock(&mt.irq[cpu]);
	}
	return NULL;
}

static void test_threads_never_share_an_id(void **state)
{
	pthread_t threads[MT_CPUS];
	struct vmid_stats st;
	unsigned c;

	(void)state;
	register_vms(mt.vms, ARRAY_SIZE(mt.vms));
	for (c = 0; c < MT_CPUS; c++)
		pthread_mutex_init(&mt.irq[c], NULL);
	fake.threaded = true;
	for (c = 0; c < MT_CPUS; c++)
		assert_int_equal(pthread_create(&threads[c], NULL, mt_cpu, (void *)(uintptr_t)c), 0);
	for (c = 0; c < MT_CPUS; c++)
		assert_int_equal(pthread_join(threads[c], NULL), 0);
	fake.threaded = false;
	for (c = 0; c < MT_CPUS; c++)
		pthread_mutex_destroy(&mt.irq[c]);

	vmid_stats_read(&st);
	print_message("  %" PRIu64 " allocations, %" PRIu64 " rollovers, %u rechecks failed\n",
		      st.allocations, st.rollovers, mt.retries);
	/* Every VM ran at least once: at least 403 allocations. */
	assert_true(st.allocations >= ARRAY_SIZE(mt.vms));
	assert_int_equal(st.rollovers, (st.allocations - 1) / VMID_COUNT);
	expect_rollovers((unsigned)st.rollovers);
	expect_current_unique(mt.vms, ARRAY_SIZE(mt.vms));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_vm_keeps_its_id_within_a_generation, setup),
		cmocka_unit_test_setup(test_255_vms_get_all_ids_without_rollover, setup),
		cmocka_unit_test_setup(test_256th_vm_rolls_over_once, setup),
		cmocka_unit_test_setup(test_vmid_0_is_never_handed_out, setup),
		cmocka_unit_test_setup(test_300_vms_round_robin, setup),
		cmocka_unit_test_setup(test_vm_idle_for_a_generation_gets_a_new_id, setup),
		cmocka_unit_test_setup(test_vcpus_of_one_vm_share_the_id, setup),
		cmocka_unit_test_setup(test_threads_never_share_an_id, setup),
	};

	return cmocka_run_group_tests_name("vmid", tests, NULL, NULL);
}
