// SPDX-License-Identifier: MIT
/*
 * The run-queue policy (hyp/runq.c) on the host: priorities first and
 * preempting, a rotation within a priority where each entity has a turn of
 * its own slice that it may use in several runs, the timer's next event
 * and due wake-ups; then a simulated CPU that drives the policy the way
 * hyp/sched.c does through long random sequences of blocks, WFI wake-ups,
 * timer expiries, kicks, yields and priorities, checking the two bounds of
 * runq.h: between two runs of a runnable entity no other of its priority
 * runs more than one slice (so it waits at most (n - 1) slices), and
 * always-runnable entities get equal shares.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "runq.h"

#define N 48

enum kind {
	BUSY,    /* always runnable */
	SLEEPER, /* runs a burst, then blocks in WFI until its timer or a kick */
	YIELDER, /* runs a burst, then yields (a spin loop's WFE) */
};

struct fake {
	struct runq_entity e; /* first: the callbacks cast back */
	bool runnable;
	uint64_t wake_at;
	unsigned woken;
	/* For the simulation. */
	enum kind kind;
	uint64_t tick;     /* period of its guest timer, or 0 */
	uint64_t deadline; /* its guest timer's next deadline, or 0 */
	bool injected;     /* that deadline was delivered while not running */
	uint64_t burst;    /* SLEEPER, YIELDER: left of the current burst */
	uint64_t runtime;
	uint64_t wait_from;  /* runnable and not running since, or UINT64_MAX */
	uint64_t snap[N];    /* the others' runtime when its wait began */
	uint64_t above_snap; /* time run by higher priorities then */
	uint64_t max_wait;   /* the longest wait, higher priorities' time aside */
};

static struct fake f[N];
static struct runq rq;

static bool fake_runnable(const struct runq_entity *e)
{
	return ((const struct fake *)e)->runnable;
}

static uint64_t fake_wake_at(const struct runq_entity *e)
{
	return ((const struct fake *)e)->wake_at;
}

static void fake_wake(struct runq_entity *e)
{
	struct fake *x = (struct fake *)e;

	x->woken++;
	x->wake_at = 0; /* as the vCPU's is once its interrupt is injected */
	x->runnable = true;
}

static const struct runq_ops ops = { fake_runnable, fake_wake_at };

/* n entities with slice 10 and the given priorities (NULL: all 0), all
 * runnable. */
static void setup_n(unsigned n, const unsigned *prio)
{
	unsigned i;

	memset(f, 0, sizeof(f));
	runq_init(&rq, &ops);
	for (i = 0; i < n; i++) {
		runq_add(&rq, &f[i].e, 10, prio ? prio[i] : 0);
		runq_timed(&rq, &f[i].e, true);
		f[i].runnable = true;
	}
}

static unsigned idx(const struct runq_entity *e)
{
	assert_non_null(e);
	return (unsigned)((const struct fake *)e - f);
}

/* Picks, checks the pick and the end of what is left of its turn, and puts
 * it back at now + ran. */
static void run(uint64_t *now, unsigned expect, uint64_t left, uint64_t ran)
{
	struct runq_entity *e = runq_pick(&rq, *now);

	assert_int_equal(idx(e), expect);
	assert_ptr_equal(rq.current, e);
	assert_true(e->turn_end == *now + left);
	*now += ran;
	runq_put(&rq, *now);
	assert_null(rq.current);
}

static void turn(uint64_t *now, unsigned expect)
{
	run(now, expect, 10, 10);
}

static void test_empty_and_none_runnable(void **state)
{
	(void)state;
	setup_n(0, NULL);
	assert_null(runq_pick(&rq, 0));
	assert_true(runq_next_event(&rq) == UINT64_MAX);
	assert_false(runq_yield(&rq));
	setup_n(3, NULL);
	f[0].runnable = f[1].runnable = f[2].runnable = false;
	assert_null(runq_pick(&rq, 0));
	assert_null(rq.current);
}

static void test_round_robin_in_order(void **state)
{
	uint64_t now = 0;
	unsigned lap;

	(void)state;
	setup_n(3, NULL);
	for (lap = 0; lap < 3; lap++) {
		turn(&now, 0);
		turn(&now, 1);
		turn(&now, 2);
	}
}

static void test_skips_blocked(void **state)
{
	uint64_t now = 0;

	(void)state;
	setup_n(4, NULL);
	f[1].runnable = false;
	turn(&now, 0);
	turn(&now, 2);
	turn(&now, 3);
	turn(&now, 0);
	f[1].runnable = true; /* it kept its place: first now */
	turn(&now, 1);
	turn(&now, 2);
}

static void test_alone_runs_on(void **state)
{
	uint64_t now = 1000;

	(void)state;
	setup_n(2, NULL);
	f[1].runnable = false;
	assert_int_equal(idx(runq_pick(&rq, 0)), 0);
	assert_false(runq_preempt(&rq, 5));
	assert_false(runq_preempt(&rq, 1000)); /* turn over, nobody else */
	assert_true(runq_next_event(&rq) == UINT64_MAX);
	assert_false(runq_yield(&rq)); /* nobody to yield to */
	/* Another wakes, after 0 in the rotation: 0's turn is long over, so
	 * it makes way at once. */
	f[1].runnable = true;
	assert_true(runq_preempt(&rq, now));
	runq_put(&rq, now);
	turn(&now, 1);
	turn(&now, 0);
	f[0].runnable = false;
	assert_null(runq_pick(&rq, now) == &f[0].e ? &f[0].e : NULL);
}

static void test_slice_ends_turn(void **state)
{
	(void)state;
	setup_n(2, NULL);
	assert_int_equal(idx(runq_pick(&rq, 100)), 0);
	assert_true(runq_next_event(&rq) == 110);
	assert_false(runq_preempt(&rq, 109));
	assert_true(runq_preempt(&rq, 110));
	f[1].runnable = false;
	assert_false(runq_preempt(&rq, 110)); /* the other blocked meanwhile */
	assert_true(runq_next_event(&rq) == UINT64_MAX);
}

static void test_own_slice_length(void **state)
{
	(void)state;
	memset(f, 0, sizeof(f));
	runq_init(&rq, &ops);
	runq_add(&rq, &f[0].e, 30, 0);
	runq_add(&rq, &f[1].e, 5, 0);
	f[0].runnable = f[1].runnable = true;
	assert_int_equal(idx(runq_pick(&rq, 0)), 0);
	assert_true(runq_next_event(&rq) == 30);
	runq_put(&rq, 30);
	assert_int_equal(idx(runq_pick(&rq, 30)), 1);
	assert_true(runq_next_event(&rq) == 35);
}

/* A turn is used in several runs: an entity that blocks keeps its place
 * and the rest of its turn, and goes to the back only once it is used. */
static void test_turn_in_several_runs(void **state)
{
	uint64_t now = 0;

	(void)state;
	setup_n(3, NULL);
	assert_int_equal(idx(runq_pick(&rq, now)), 0);
	now = 4;
	f[0].runnable = false; /* WFI after 4 */
	runq_put(&rq, now);
	run(&now, 1, 10, 10);
	f[0].runnable = true; /* woken: 6 left, still first */
	run(&now, 0, 6, 6);
	turn(&now, 2); /* used up: 2, then 1, then 0 again */
	turn(&now, 1);
	turn(&now, 0);
}

/* A woken entity whose place comes first preempts the running one at once;
 * the preempted one keeps its place and what is left of its turn. */
static void test_woken_first_preempts(void **state)
{
	uint64_t now = 0;

	(void)state;
	setup_n(3, NULL);
	f[0].runnable = false;
	assert_int_equal(idx(runq_pick(&rq, now)), 1);
	assert_false(runq_preempt(&rq, 3));
	f[0].runnable = true;
	assert_true(runq_preempt(&rq, 3));
	now = 3;
	runq_put(&rq, now);
	turn(&now, 0);
	run(&now, 1, 7, 7); /* the rest of 1's turn */
	turn(&now, 2);
	turn(&now, 0);
}

/* One whose turn is used up waits for the others' turns, however often it
 * is woken: the three-busy-vCPUs case reduced to its core. */
static void test_woken_after_turn_waits(void **state)
{
	uint64_t now = 0;

	(void)state;
	setup_n(3, NULL);
	turn(&now, 0);
	assert_int_equal(idx(runq_pick(&rq, now)), 1);
	f[0].wake_at = now + 2; /* its timer, due while 1 runs */
	assert_true(runq_next_event(&rq) == now + 2);
	assert_int_equal(runq_wake_due(&rq, now + 2, fake_wake), 1);
	assert_false(runq_preempt(&rq, now + 2));
	now += 10;
	runq_put(&rq, now);
	turn(&now, 2); /* not 0 */
	turn(&now, 0);
}

static void test_yield_goes_to_back(void **state)
{
	uint64_t now = 0;

	(void)state;
	setup_n(3, NULL);
	assert_int_equal(idx(runq_pick(&rq, now)), 0);
	assert_true(runq_yield(&rq));
	now = 2;
	runq_put(&rq, now);
	turn(&now, 1);
	turn(&now, 2);
	run(&now, 0, 10, 10); /* a fresh turn */
}

static void test_priority_first_and_preempts(void **state)
{
	static const unsigned prio[] = { 0, 0, 3 };
	uint64_t now = 0;

	(void)state;
	setup_n(3, prio);
	turn(&now, 2);
	turn(&now, 2); /* alone at the top: runs again */
	f[2].runnable = false;
	assert_int_equal(idx(runq_pick(&rq, now)), 0);
	assert_false(runq_preempt(&rq, now + 1));
	f[2].runnable = true; /* woken: preempts at once, mid-turn */
	assert_true(runq_preempt(&rq, now + 1));
	runq_put(&rq, now + 1);
	assert_int_equal(idx(runq_pick(&rq, now + 1)), 2);
	/* A lower priority never preempts, not even past the turn, and the
	 * timer need not end the turn; nor does a yield give way to it. */
	assert_false(runq_preempt(&rq, now + 100));
	assert_true(runq_next_event(&rq) == UINT64_MAX);
	assert_false(runq_yield(&rq));
	f[2].runnable = false;
	runq_put(&rq, now + 2);
	now += 2;
	run(&now, 0, 9, 9); /* 0 kept its place and the rest of its turn */
	turn(&now, 1);
}

static void test_priority_clamped(void **state)
{
	(void)state;
	memset(f, 0, sizeof(f));
	runq_init(&rq, &ops);
	runq_add(&rq, &f[0].e, 10, 99);
	assert_int_equal(f[0].e.prio, RUNQ_PRIO_MAX);
}

static void test_next_event_and_wake_due(void **state)
{
	(void)state;
	setup_n(4, NULL);
	f[1].runnable = f[2].runnable = f[3].runnable = false;
	f[1].wake_at = 50;
	f[2].wake_at = 30;
	assert_int_equal(idx(runq_pick(&rq, 0)), 0);
	f[0].wake_at = 5; /* the current one's timer is its CPU's business */
	assert_true(runq_next_event(&rq) == 30); /* nobody else runnable */
	assert_int_equal(runq_wake_due(&rq, 29, fake_wake), 0);
	assert_int_equal(runq_wake_due(&rq, 30, fake_wake), 1);
	assert_int_equal(f[2].woken, 1);
	assert_int_equal(f[0].woken, 0);
	/* 2 is runnable, its place after 0's: 0 ran on alone past its turn's
	 * end, which is due now (the run loop's to act on). */
	assert_false(runq_preempt(&rq, 9));
	assert_true(runq_preempt(&rq, 30));
	assert_true(runq_next_event(&rq) == 10);
	runq_put(&rq, 10);
	assert_int_equal(idx(runq_pick(&rq, 10)), 2);
	assert_int_equal(runq_wake_due(&rq, 60, fake_wake), 2); /* 1, and 0 */
	assert_int_equal(f[1].woken, 1);
	assert_int_equal(f[0].woken, 1);
	/* Idle: no current, only wake-ups. */
	runq_put(&rq, 60);
	f[0].runnable = f[1].runnable = f[2].runnable = false;
	f[3].wake_at = 77;
	assert_true(runq_next_event(&rq) == 77);
}

static uint64_t rng;

static uint64_t rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? rng % n : 0;
}

/* Only the entities on the timed list are looked at for their wake_at;
 * the list's order does not matter, the queue's does. */
static void test_timed_list(void **state)
{
	(void)state;
	setup_n(3, NULL);
	f[1].runnable = f[2].runnable = false;
	f[1].wake_at = 20;
	f[2].wake_at = 40;
	runq_timed(&rq, &f[1].e, false);
	runq_timed(&rq, &f[1].e, false); /* twice: still off */
	assert_int_equal(idx(runq_pick(&rq, 0)), 0);
	assert_true(runq_next_event(&rq) == 40);
	assert_int_equal(runq_wake_due(&rq, 50, fake_wake), 1);
	assert_int_equal(f[1].woken, 0);
	assert_int_equal(f[2].woken, 1);
	runq_timed(&rq, &f[1].e, true);
	runq_timed(&rq, &f[1].e, true); /* twice: on once */
	assert_true(runq_next_event(&rq) == 10); /* 2 is runnable: 0's turn */
	assert_int_equal(runq_wake_due(&rq, 50, fake_wake), 1);
	assert_int_equal(f[1].woken, 1);
	/* Woken, 1 and 2 wait in the order of their places. */
	runq_put(&rq, 10);
	turn(&(uint64_t){ 10 }, 1);
	assert_int_equal(idx(runq_pick(&rq, 20)), 2);
}

/* The queue stays in the order of runq_before however places and
 * priorities mix: walking it, each entity goes before the next. */
static void test_queue_in_order(void **state)
{
	static const unsigned prio[8] = { 0, 3, 1, 3, 0, 2, 1, 3 };
	struct runq_entity *prev = NULL;
	uint64_t now = 0;
	unsigned n = 0;

	(void)state;
	rng = 12345;
	setup_n(8, prio);
	for (unsigned i = 0; i < 200; i++) {
		f[rnd(8)].runnable = rnd(3) != 0;
		if (runq_pick(&rq, now))
			now += 1 + rnd(15);
		runq_put(&rq, now);
	}
	for (struct list_node *p = rq.head.next; p != &rq.head; p = p->next, n++) {
		struct runq_entity *e = container_of(p, struct runq_entity, node);

		if (prev)
			assert_true(runq_before(prev, e));
		prev = e;
	}
	assert_int_equal(n, 8);
}

/* --- The simulated CPU --- */

#define SLICE 50 /* 5 ms in units of 0.1 ms */


static unsigned sim_n;
/* Samples of every entity's run time at each put, for the share checks. */
#define SAMPLES 16384
static uint64_t sample_at[SAMPLES], sample_rt[SAMPLES][N];
static unsigned long samples;

static uint64_t prio_time[RUNQ_PRIO_MAX + 1];
static uint64_t kick_every; /* mean time between kicks, 0: none */

static void sim_add(enum kind kind, unsigned prio, uint64_t tick)
{
	struct fake *x = &f[sim_n++];

	runq_add(&rq, &x->e, SLICE, prio);
	runq_timed(&rq, &x->e, tick != 0);
	x->kind = kind;
	x->tick = tick;
	x->deadline = tick;
	x->runnable = true;
	x->wait_from = 0;
}

static void sim_init(uint64_t seed)
{
	memset(f, 0, sizeof(f));
	memset(prio_time, 0, sizeof(prio_time));
	samples = 0;
	runq_init(&rq, &ops);
	sim_n = 0;
	kick_every = 0;
	rng = seed * 0x9e3779b97f4a7c15ull + 1;
}

static uint64_t time_above(unsigned prio)
{
	uint64_t t = 0;

	for (unsigned p = prio + 1; p <= RUNQ_PRIO_MAX; p++)
		t += prio_time[p];
	return t;
}

/* x became runnable and is not running: its wait begins. */
static void wait_begin(struct fake *x, uint64_t now)
{
	if (x->wait_from != UINT64_MAX)
		return;
	x->wait_from = now;
	for (unsigned i = 0; i < sim_n; i++)
		x->snap[i] = f[i].runtime;
	x->above_snap = time_above(x->e.prio);
}

/* x is picked: while it waited, every other entity of its priority ran at
 * most one slice, so it waited at most (n - 1) slices besides the time of
 * higher priorities. */
static void wait_end(struct fake *x, uint64_t now)
{
	unsigned same = 0;
	uint64_t waited;

	if (x->wait_from == UINT64_MAX)
		return;
	for (unsigned i = 0; i < sim_n; i++) {
		if (&f[i] == x || f[i].e.prio != x->e.prio)
			continue;
		same++;
		if (f[i].runtime - x->snap[i] > SLICE)
			fail_msg("entity %u ran %llu while %u waited", i,
				 (unsigned long long)(f[i].runtime - x->snap[i]),
				 (unsigned)(x - f));
	}
	waited = now - x->wait_from - (time_above(x->e.prio) - x->above_snap);
	if (waited > x->max_wait)
		x->max_wait = waited;
	if (waited > same * SLICE)
		fail_msg("entity %u waited %llu with %u others", (unsigned)(x - f),
			 (unsigned long long)waited, same);
	x->wait_from = UINT64_MAX;
}

/* What the timer does for entities not running (sched.c's entity_wake_at):
 * the deadline of a guest timer not yet delivered. */
static void sim_timers(const struct fake *cur)
{
	for (unsigned i = 0; i < sim_n; i++)
		f[i].wake_at = &f[i] == cur || f[i].injected ? 0 : f[i].deadline;
}

static void sim_wake(struct runq_entity *e)
{
	struct fake *x = (struct fake *)e;
	uint64_t at = x->deadline;

	fake_wake(e);
	x->injected = true;
	(void)at;
}

/* The picked entity runs: its guest takes a delivered timer interrupt and
 * sets the next deadline; a sleeper begins a burst. */
static void sim_enter(struct fake *x, uint64_t now)
{
	if (x->injected || (x->deadline && x->deadline <= now)) {
		x->injected = false;
		x->deadline = x->tick ? now + x->tick - now % x->tick : 0;
	}
	if (x->kind != BUSY && !x->burst)
		x->burst = 1 + rnd(x->kind == SLEEPER ? 2 * SLICE : SLICE / 2);
}

/* The running entity's own next event: the end of its burst, or its guest
 * timer (which it takes itself, without the scheduler). */
static uint64_t sim_own_event(const struct fake *x, uint64_t now)
{
	uint64_t at = x->kind == BUSY ? UINT64_MAX : now + x->burst;

	if (x->deadline && x->deadline < at)
		at = x->deadline;
	return at;
}

/* The always-runnable entities of each priority: within one slice of each
 * other at every put (the rotation's bound), and, where a window of 100
 * slices gives each of them 20 turns or more, within 10 % of their mean
 * over every such window. */
static void check_shares(uint64_t now)
{
	unsigned long k = samples % SAMPLES, j;
	uint64_t window = 100 * SLICE;

	sample_at[k] = now;
	for (unsigned i = 0; i < sim_n; i++)
		sample_rt[k][i] = f[i].runtime;
	samples++;
	for (unsigned p = 0; p <= RUNQ_PRIO_MAX; p++) {
		uint64_t min = UINT64_MAX, max = 0, sum = 0, n = 0;

		for (unsigned i = 0; i < sim_n; i++) {
			if (f[i].kind != BUSY || f[i].e.prio != p)
				continue;
			min = f[i].runtime < min ? f[i].runtime : min;
			max = f[i].runtime > max ? f[i].runtime : max;
			n++;
		}
		if (n && max - min > SLICE)
			fail_msg("prio %u at %llu: run times %llu .. %llu", p,
				 (unsigned long long)now, (unsigned long long)min,
				 (unsigned long long)max);
		/* The latest sample at least a window back. */
		for (j = 1; j < samples && j < SAMPLES; j++)
			if (sample_at[(samples - 1 - j) % SAMPLES] + window <= now)
				break;
		if (!n || j >= samples || j >= SAMPLES)
			continue;
		j = (samples - 1 - j) % SAMPLES;
		for (unsigned i = 0; i < sim_n; i++)
			if (f[i].kind == BUSY && f[i].e.prio == p)
				sum += f[i].runtime - sample_rt[j][i];
		if (sum < 20 * SLICE * n)
			continue;
		for (unsigned i = 0; i < sim_n; i++) {
			uint64_t d = f[i].runtime - sample_rt[j][i];

			if (f[i].kind == BUSY && f[i].e.prio == p &&
			    (d * n * 10 < sum * 9 || d * n * 10 > sum * 11))
				fail_msg("entity %u ran %llu of %llu in %llu..%llu", i,
					 (unsigned long long)d, (unsigned long long)sum,
					 (unsigned long long)sample_at[j], (unsigned long long)now);
		}
	}
}

/* Runs the CPU from 0 to end; returns the number of scheduling decisions. */
static unsigned long sim_run(uint64_t end)
{
	uint64_t now = 0, next_kick = kick_every ? 1 + rnd(2 * kick_every) : UINT64_MAX;
	unsigned long picks = 0;

	while (now < end) {
		struct runq_entity *e;
		struct fake *cur;
		uint64_t at, q;

		sim_timers(NULL);
		runq_wake_due(&rq, now, sim_wake);
		for (unsigned i = 0; i < sim_n; i++)
			if (f[i].runnable)
				wait_begin(&f[i], now);
		e = runq_pick(&rq, now);
		cur = (struct fake *)e;
		picks++;
		if (cur) {
			wait_end(cur, now);
			sim_enter(cur, now);
			runq_timed(&rq, e, false); /* loaded: the hardware times it */
		}
		for (;;) {
			sim_timers(cur);
			q = runq_next_event(&rq);
			at = cur ? sim_own_event(cur, now) : UINT64_MAX;
			if (q < at)
				at = q;
			if (next_kick < at)
				at = next_kick;
			if (at > end)
				at = end;
			assert_true(at >= now);
			if (cur) {
				cur->runtime += at - now;
				prio_time[cur->e.prio] += at - now;
				if (cur->kind != BUSY)
					cur->burst -= at - now;
			}
			now = at;
			if (now >= end)
				break;
			if (cur && cur->deadline && cur->deadline <= now)
				sim_enter(cur, now); /* its own timer, in the guest */
			if (now == next_kick) {
				/* An interrupt from elsewhere for a random entity:
				 * it wakes one blocked in WFI. */
				struct fake *x = &f[rnd(sim_n)];

				if (!x->runnable) {
					x->runnable = true;
					wait_begin(x, now);
				}
				next_kick = now + 1 + rnd(2 * kick_every);
			}
			if (cur && cur->kind != BUSY && !cur->burst) {
				if (cur->kind == SLEEPER) {
					cur->runnable = false; /* WFI */
					if (!cur->deadline)
						cur->deadline = now + 1 + rnd(3 * SLICE);
				} else {
					runq_yield(&rq);
				}
				break;
			}
			runq_wake_due(&rq, now, sim_wake);
			for (unsigned i = 0; i < sim_n; i++)
				if (f[i].runnable && &f[i] != cur)
					wait_begin(&f[i], now);
			if (!cur || runq_preempt(&rq, now))
				break;
		}
		runq_put(&rq, now);
		if (cur)
			runq_timed(&rq, &cur->e, cur->deadline != 0); /* as vcpu_put */
		if (cur && cur->runnable)
			wait_begin(cur, now);
		check_shares(now);
	}
	return picks;
}

/* The three-busy-vCPUs case: 5 ms slices, each guest with a 4 ms timer
 * tick, so each one's deadline passes while the others run. */
static void test_three_busy_with_timer_ticks(void **state)
{
	(void)state;
	sim_init(1);
	for (unsigned i = 0; i < 3; i++)
		sim_add(BUSY, 0, 40);
	sim_run(100 * SLICE * 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_true(f[i].runtime >= 100 * SLICE - SLICE);
		assert_true(f[i].max_wait <= 2 * SLICE);
	}
}

/* A management VM's vCPU (priority 1) that runs briefly and often, beside
 * 40 spinning vCPUs of priority 0: the higher one's turns do not move the
 * lower ones' rotation, so all 40 take turns. */
static void test_busy_high_priority_beside_many(void **state)
{
	(void)state;
	sim_init(2);
	sim_add(SLEEPER, 1, 0);
	for (unsigned i = 0; i < 40; i++)
		sim_add(BUSY, 0, 100);
	f[0].tick = 0;
	kick_every = 20; /* wakes it well within a slice */
	sim_run(40 * SLICE * 20);
	for (unsigned i = 1; i <= 40; i++)
		assert_true(f[i].runtime >= 10 * SLICE);
	assert_true(f[0].woken + f[0].runtime > 0);
}

/* Long random mixes: busy vCPUs with guest timer ticks, vCPUs that block
 * in WFI for their timer or a kick, vCPUs that yield, sometimes one of a
 * higher priority; every pick checks the wait bound, every put the
 * shares. */
static void test_random_mixes(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		unsigned busy, sleepers, yielders;

		sim_init(seed);
		busy = 1 + (unsigned)rnd(6);
		sleepers = (unsigned)rnd(4);
		yielders = (unsigned)rnd(3);
		for (unsigned i = 0; i < busy; i++)
			sim_add(BUSY, 0, rnd(2) ? 10 + rnd(60) : 0);
		for (unsigned i = 0; i < sleepers; i++)
			sim_add(SLEEPER, 0, 0);
		for (unsigned i = 0; i < yielders; i++)
			sim_add(YIELDER, 0, rnd(2) ? 10 + rnd(60) : 0);
		if (seed % 3 == 0)
			sim_add(SLEEPER, 1 + (unsigned)rnd(2), 0);
		kick_every = rnd(3) ? 1 + rnd(2 * SLICE) : 0;
		sim_run(2000 * SLICE);
		for (unsigned i = 0; i < sim_n; i++)
			if (f[i].kind == BUSY)
				assert_true(f[i].runtime > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_none_runnable),
		cmocka_unit_test(test_round_robin_in_order),
		cmocka_unit_test(test_skips_blocked),
		cmocka_unit_test(test_alone_runs_on),
		cmocka_unit_test(test_slice_ends_turn),
		cmocka_unit_test(test_own_slice_length),
		cmocka_unit_test(test_turn_in_several_runs),
		cmocka_unit_test(test_woken_first_preempts),
		cmocka_unit_test(test_woken_after_turn_waits),
		cmocka_unit_test(test_yield_goes_to_back),
		cmocka_unit_test(test_priority_first_and_preempts),
		cmocka_unit_test(test_priority_clamped),
		cmocka_unit_test(test_next_event_and_wake_due),
		cmocka_unit_test(test_timed_list),
		cmocka_unit_test(test_queue_in_order),
		cmocka_unit_test(test_three_busy_with_timer_ticks),
		cmocka_unit_test(test_busy_high_priority_beside_many),
		cmocka_unit_test(test_random_mixes),
	};

	return cmocka_run_group_tests_name("runq", tests, NULL, NULL);
}
