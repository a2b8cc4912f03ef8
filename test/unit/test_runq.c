// SPDX-License-Identifier: MIT
/*
 * The run-queue policy (hyp/runq.c) on the host: round robin within a
 * priority, turns of the entity's own slice, priorities first and
 * preempting, woken entities next without disturbing the rotation, the
 * timer's next event, due wake-ups, and the shares CPU-bound entities get
 * when a simulated CPU runs the policy for a while.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "runq.h"

#define N 6

struct fake {
	struct runq_entity e; /* first: the callbacks cast back */
	bool runnable;
	uint64_t wake_at;
	unsigned woken;
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
	e->boost = true;
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
		f[i].runnable = true;
	}
}

static unsigned idx(const struct runq_entity *e)
{
	assert_non_null(e);
	return (unsigned)((const struct fake *)e - f);
}

/* Picks, checks the pick, and puts it back at now + ran. */
static void turn(uint64_t *now, unsigned expect, uint64_t ran)
{
	struct runq_entity *e = runq_pick(&rq, *now);

	assert_int_equal(idx(e), expect);
	assert_ptr_equal(rq.current, e);
	assert_true(e->slice_end == *now + 10);
	*now += ran;
	runq_put(&rq, *now);
	assert_null(rq.current);
}

static void test_empty_and_none_runnable(void **state)
{
	(void)state;
	setup_n(0, NULL);
	assert_null(runq_pick(&rq, 0));
	assert_true(runq_next_event(&rq) == UINT64_MAX);
	setup_n(3, NULL);
	f[0].runnable = f[1].runnable = f[2].runnable = false;
	assert_null(runq_pick(&rq, 0));
	assert_null(rq.current);
	assert_false(runq_others_runnable(&rq));
}

static void test_round_robin_in_order(void **state)
{
	uint64_t now = 0;
	unsigned lap;

	(void)state;
	setup_n(3, NULL);
	for (lap = 0; lap < 3; lap++) {
		turn(&now, 0, 10);
		turn(&now, 1, 10);
		turn(&now, 2, 10);
	}
}

static void test_skips_blocked(void **state)
{
	uint64_t now = 0;

	(void)state;
	setup_n(4, NULL);
	f[1].runnable = false;
	turn(&now, 0, 10);
	turn(&now, 2, 10);
	turn(&now, 3, 10);
	turn(&now, 0, 10);
	f[1].runnable = true; /* back in its place in the rotation */
	turn(&now, 1, 10);
	turn(&now, 2, 10);
}

static void test_alone_runs_on(void **state)
{
	(void)state;
	setup_n(1, NULL);
	assert_int_equal(idx(runq_pick(&rq, 0)), 0);
	assert_false(runq_preempt(&rq, 5));
	assert_false(runq_preempt(&rq, 1000)); /* slice over, nobody else */
	assert_true(runq_next_event(&rq) == UINT64_MAX);
	f[0].runnable = false;
	assert_true(runq_preempt(&rq, 1000)); /* it blocked */
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
	assert_true(f[0].e.runtime == 30);
}

static void test_priority_first_and_preempts(void **state)
{
	static const unsigned prio[] = { 0, 0, 3 };
	uint64_t now = 0;

	(void)state;
	setup_n(3, prio);
	turn(&now, 2, 10);
	turn(&now, 2, 10); /* alone at the top: runs again */
	f[2].runnable = false;
	assert_int_equal(idx(runq_pick(&rq, now)), 0);
	assert_false(runq_preempt(&rq, now + 1));
	f[2].runnable = true; /* woken: preempts at once, mid-slice */
	assert_true(runq_preempt(&rq, now + 1));
	runq_put(&rq, now + 1);
	assert_int_equal(idx(runq_pick(&rq, now + 1)), 2);
	/* A lower priority never preempts, not even past the slice, and the
	 * timer need not end the turn. */
	assert_false(runq_preempt(&rq, now + 100));
	assert_true(runq_next_event(&rq) == UINT64_MAX);
}

static void test_priority_clamped(void **state)
{
	(void)state;
	memset(f, 0, sizeof(f));
	runq_init(&rq, &ops);
	runq_add(&rq, &f[0].e, 10, 99);
	assert_int_equal(f[0].e.prio, RUNQ_PRIO_MAX);
}

static void test_boost_runs_next_keeps_rotation(void **state)
{
	uint64_t now = 0;

	(void)state;
	setup_n(4, NULL);
	f[3].runnable = false;
	assert_int_equal(idx(runq_pick(&rq, now)), 0);
	/* 3 is woken while 0 runs: no preemption before 0's slice ends. */
	f[3].runnable = true;
	f[3].e.boost = true;
	assert_false(runq_preempt(&rq, 5));
	assert_true(runq_preempt(&rq, 10));
	now = 10;
	runq_put(&rq, now);
	turn(&now, 3, 10); /* next, ahead of 1 */
	assert_false(f[3].e.boost);
	turn(&now, 1, 10); /* the rotation goes on from 0, not from 3 */
	turn(&now, 2, 10);
	turn(&now, 3, 10); /* and 3 has its own turn too */
	turn(&now, 0, 10);
}

static void test_boost_below_priority(void **state)
{
	static const unsigned prio[] = { 0, 1 };

	(void)state;
	setup_n(2, prio);
	f[0].e.boost = true;
	assert_int_equal(idx(runq_pick(&rq, 0)), 1);
	assert_false(runq_preempt(&rq, 50));
	assert_true(f[0].e.boost); /* still waiting for its turn */
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
	/* Now 2 is runnable: the turn's end comes first. */
	assert_true(runq_next_event(&rq) == 10);
	assert_true(runq_preempt(&rq, 10));
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

/* A simulated CPU: n CPU-bound entities, one of which blocks for a while
 * each time it runs; the rest must share equally, within one slice. */
static void test_shares(void **state)
{
	uint64_t now = 0, end = 100000, min = UINT64_MAX, max = 0;
	unsigned i;

	(void)state;
	setup_n(N, NULL);
	f[0].runnable = true;
	while (now < end) {
		struct runq_entity *e;
		uint64_t next;

		runq_wake_due(&rq, now, fake_wake);
		e = runq_pick(&rq, now);
		if (!e) {
			now = runq_next_event(&rq);
			continue;
		}
		if (e == &f[0].e) {
			/* runs 3, then waits (WFI) for its timer 25 ahead */
			now += 3;
			f[0].runnable = false;
			f[0].wake_at = now + 25;
			runq_put(&rq, now);
			continue;
		}
		/* CPU-bound: runs until the policy says otherwise; the timer
		 * fires at runq_next_event. */
		for (;;) {
			next = runq_next_event(&rq);
			assert_true(next > now);
			now = next;
			runq_wake_due(&rq, now, fake_wake);
			if (runq_preempt(&rq, now))
				break;
		}
		runq_put(&rq, now);
	}
	for (i = 1; i < N; i++) {
		if (f[i].e.runtime < min)
			min = f[i].e.runtime;
		if (f[i].e.runtime > max)
			max = f[i].e.runtime;
	}
	assert_true(max - min <= 10);
	assert_true(min > end / N); /* the blocking one takes less than a share */
	assert_true(f[0].woken > 100);
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
		cmocka_unit_test(test_priority_first_and_preempts),
		cmocka_unit_test(test_priority_clamped),
		cmocka_unit_test(test_boost_runs_next_keeps_rotation),
		cmocka_unit_test(test_boost_below_priority),
		cmocka_unit_test(test_next_event_and_wake_due),
		cmocka_unit_test(test_shares),
	};

	return cmocka_run_group_tests_name("runq", tests, NULL, NULL);
}
