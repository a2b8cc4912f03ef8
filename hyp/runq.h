/* SPDX-License-Identifier: MIT */
/*
 * The run-queue policy of one physical CPU (DESIGN section 10), in plain C
 * with no hardware so that it is tested on the host (test/unit/test_runq.c).
 * hyp/sched.c drives it with the vCPUs placed on the CPU and the HYP timer.
 *
 * - Priorities: a runnable entity of a higher priority always runs before
 *   any of a lower one, and preempts it at once when it becomes runnable.
 * - A rotation within a priority: every entity has a place (`seq`) and a
 *   turn of its own slice, which it may use in several runs (it blocks in
 *   WFI, a higher priority preempts it).  The runnable entity with the
 *   earliest place runs, and preempts the running one at once when it
 *   becomes runnable (a woken entity with some of its turn left); an entity
 *   goes to the back of the rotation with a fresh turn when its turn is used
 *   up or it yields (WFE).  So between two runs of a runnable entity every
 *   other one of its priority ends at most one turn: n always-runnable
 *   entities get equal shares, within a slice, and none waits more than
 *   (n - 1) slices, whatever wakes, blocks or preempts in between.
 * - An entity alone at its priority runs on past its turn.
 *
 * Times are counter ticks (CNTPCT), monotonic.  Callers serialize calls on
 * one run queue (the owning CPU with interrupts masked).
 */
#ifndef LOWVISOR_RUNQ_H
#define LOWVISOR_RUNQ_H

#include "list.h"
#include "types.h"

#define RUNQ_PRIO_MAX 15

struct runq_entity {
	struct list_node node;  /* in the queue, in the order of runq_before */
	struct list_node timed; /* on the queue's timed list, or alone */
	uint64_t slice;    /* length of a turn */
	uint64_t left;     /* what is left of its turn */
	uint64_t turn_end; /* picked: when what is left runs out */
	uint64_t seq;      /* its place in the rotation: the lowest goes first */
	uint8_t prio;      /* 0..RUNQ_PRIO_MAX, higher runs first */
};

struct runq_ops {
	/* May the entity run now? */
	bool (*runnable)(const struct runq_entity *e);
	/* When the entity must be looked at again although it is not running
	 * (its timer's deadline), or 0. */
	uint64_t (*wake_at)(const struct runq_entity *e);
};

struct runq {
	struct list_node head;  /* every entity, the one to go first first */
	struct list_node timed; /* those whose wake_at may be set */
	const struct runq_ops *ops;
	struct runq_entity *current; /* picked and not yet put, or NULL */
	uint64_t seq;                /* the last place given */
	unsigned len;
};

/* Does a, when runnable, go before b? */
static inline bool runq_before(const struct runq_entity *a, const struct runq_entity *b)
{
	return a->prio != b->prio ? a->prio > b->prio : a->seq < b->seq;
}

void runq_init(struct runq *rq, const struct runq_ops *ops);
/* Adds e at the back of the rotation with a fresh turn. */
void runq_add(struct runq *rq, struct runq_entity *e, uint64_t slice, unsigned prio);

/* Whether e may have a wake_at (0 otherwise: the scans pass it by).  An
 * entity is not from runq_add. */
void runq_timed(struct runq *rq, struct runq_entity *e, bool on);

/* The entity to run next (it becomes current, to run what is left of its
 * turn from now), or NULL if none is runnable. */
struct runq_entity *runq_pick(struct runq *rq, uint64_t now);

/* The current entity stops running (it blocked, yielded or was preempted);
 * if its turn is used up, it goes to the back of the rotation. */
void runq_put(struct runq *rq, uint64_t now);

/* Must the current entity make way now? */
bool runq_preempt(const struct runq *rq, uint64_t now);

/* The current entity gives up the rest of its turn, if another of its
 * priority or a higher one is runnable; returns whether. */
bool runq_yield(struct runq *rq);

/* The next time the queue needs the CPU's attention, for its timer: the end
 * of the current turn if someone else could run then, or the earliest
 * wake_at of the other timed ones; UINT64_MAX if neither. */
uint64_t runq_next_event(const struct runq *rq);

/* Calls wake(e) for each timed entity other than the current one whose
 * wake_at is due (0 < wake_at <= now); returns how many. */
unsigned runq_wake_timed(struct runq *rq, uint64_t now, void (*wake)(struct runq_entity *e));
static inline unsigned runq_wake_due(struct runq *rq, uint64_t now,
				     void (*wake)(struct runq_entity *e))
{
	return rq->timed.next == &rq->timed ? 0 : runq_wake_timed(rq, now, wake); /* no frame */
}

#endif
