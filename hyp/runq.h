/* SPDX-License-Identifier: MIT */
/*
 * The run-queue policy of one physical CPU (DESIGN section 10), in plain C
 * with no hardware so that it is tested on the host (test/unit/test_runq.c).
 * hyp/sched.c drives it with the vCPUs placed on the CPU and the HYP timer.
 *
 * - Priorities: a runnable entity of a higher priority always runs before
 *   any of a lower one, and preempts it at once when it becomes runnable.
 * - Round robin within a priority: entities take turns in the order they
 *   were added; each turn lasts up to the entity's slice.  A turn ends early
 *   when the entity blocks (WFI) or yields (WFE).
 * - A woken entity (an interrupt for a vCPU that was blocked, or its timer
 *   due) is boosted: it runs next within its priority, at the end of the
 *   current turn at the latest, without taking a turn from the rotation.
 * - Nothing is ever preempted for an entity of the same priority before its
 *   slice is over; an entity alone at its priority runs on past its slice.
 *
 * Times are counter ticks (CNTPCT), monotonic.  Callers serialize calls on
 * one run queue (the owning CPU with interrupts masked); only `boost` may be
 * set by another CPU.
 */
#ifndef LOWVISOR_RUNQ_H
#define LOWVISOR_RUNQ_H

#include "list.h"
#include "types.h"

#define RUNQ_PRIO_MAX 15

struct runq_entity {
	struct list_node node;
	uint64_t slice;     /* length of a turn */
	uint64_t slice_end; /* when the current (or last) turn ends */
	uint64_t runtime;   /* time run so far (runq_put) */
	uint64_t ran_at;    /* when the current turn started */
	uint8_t prio;       /* 0..RUNQ_PRIO_MAX, higher runs first */
	volatile bool boost;
};

struct runq_ops {
	/* May the entity run now? */
	bool (*runnable)(const struct runq_entity *e);
	/* When the entity must be looked at again although it is not running
	 * (its timer's deadline), or 0. */
	uint64_t (*wake_at)(const struct runq_entity *e);
};

struct runq {
	struct list_node head;
	const struct runq_ops *ops;
	struct runq_entity *current; /* picked and not yet put, or NULL */
	struct runq_entity *rr;      /* last entity picked by its turn */
	unsigned len;
};

void runq_init(struct runq *rq, const struct runq_ops *ops);
void runq_add(struct runq *rq, struct runq_entity *e, uint64_t slice, unsigned prio);

/* The entity to run next (it becomes current, with a fresh turn from now),
 * or NULL if none is runnable. */
struct runq_entity *runq_pick(struct runq *rq, uint64_t now);

/* The current entity stops running (it blocked, yielded or was preempted):
 * its run time is accounted. */
void runq_put(struct runq *rq, uint64_t now);

/* Must the current entity make way now? */
bool runq_preempt(const struct runq *rq, uint64_t now);

/* Is another entity than the current one runnable? */
bool runq_others_runnable(const struct runq *rq);

/* The next time the queue needs the CPU's attention, for its timer: the end
 * of the current turn if someone else could run then, or the earliest
 * wake_at of the others; UINT64_MAX if neither. */
uint64_t runq_next_event(const struct runq *rq);

/* Calls wake(e) for each entity other than the current one whose wake_at
 * is due (0 < wake_at <= now); returns how many. */
unsigned runq_wake_due(struct runq *rq, uint64_t now, void (*wake)(struct runq_entity *e));

#endif
