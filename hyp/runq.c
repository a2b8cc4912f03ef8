// SPDX-License-Identifier: MIT
/*
 * The run-queue policy (see runq.h).  Every decision is a scan of the
 * queue: a CPU holds a few vCPUs in the normal case and a few hundred at
 * most, and the scans happen per scheduling event, not per exit.
 */
#include "runq.h"

#define entity_of(n) container_of(n, struct runq_entity, node)

void runq_init(struct runq *rq, const struct runq_ops *ops)
{
	list_init(&rq->head);
	rq->ops = ops;
	rq->current = NULL;
	rq->rr = NULL;
	rq->len = 0;
}

void runq_add(struct runq *rq, struct runq_entity *e, uint64_t slice, unsigned prio)
{
	e->slice = slice;
	e->slice_end = 0;
	e->runtime = 0;
	e->ran_at = 0;
	e->prio = (uint8_t)(prio > RUNQ_PRIO_MAX ? RUNQ_PRIO_MAX : prio);
	e->boost = false;
	list_add_tail(&rq->head, &e->node);
	rq->len++;
}

/* The order of precedence: priority first, then a boost. */
static unsigned rank(const struct runq_entity *e)
{
	return (unsigned)e->prio * 2 + (e->boost ? 1 : 0);
}

struct runq_entity *runq_pick(struct runq *rq, uint64_t now)
{
	struct list_node *n = rq->rr ? &rq->rr->node : &rq->head;
	struct runq_entity *best = NULL;
	unsigned i;

	/* One lap, from the entity after the last turn round to that one: the
	 * first of the best rank in that order is the next in the rotation. */
	for (i = 0; i < rq->len; i++) {
		struct runq_entity *e;

		n = n->next;
		if (n == &rq->head)
			n = n->next;
		e = entity_of(n);
		if ((!best || rank(e) > rank(best)) && rq->ops->runnable(e))
			best = e;
	}
	rq->current = best;
	if (!best)
		return NULL;
	if (best->boost)
		best->boost = false; /* a boosted turn leaves the rotation as it is */
	else
		rq->rr = best;
	best->ran_at = now;
	best->slice_end = now + best->slice;
	return best;
}

void runq_put(struct runq *rq, uint64_t now)
{
	struct runq_entity *e = rq->current;

	if (!e)
		return;
	if (now > e->ran_at)
		e->runtime += now - e->ran_at;
	rq->current = NULL;
}

/* The highest priority of the runnable entities other than the current,
 * or -1. */
static int best_other_prio(const struct runq *rq)
{
	const struct list_node *n;
	int best = -1;

	for (n = rq->head.next; n != &rq->head; n = n->next) {
		const struct runq_entity *e = entity_of(n);

		if (e != rq->current && (int)e->prio > best && rq->ops->runnable(e))
			best = e->prio;
	}
	return best;
}

bool runq_preempt(const struct runq *rq, uint64_t now)
{
	const struct runq_entity *cur = rq->current;
	int other;

	if (!cur || !rq->ops->runnable(cur))
		return true;
	other = best_other_prio(rq);
	if (other > (int)cur->prio)
		return true;
	return other == (int)cur->prio && now >= cur->slice_end;
}

bool runq_others_runnable(const struct runq *rq)
{
	return best_other_prio(rq) >= 0;
}

uint64_t runq_next_event(const struct runq *rq)
{
	const struct runq_entity *cur = rq->current;
	const struct list_node *n;
	uint64_t next = UINT64_MAX;

	if (cur && best_other_prio(rq) >= (int)cur->prio)
		next = cur->slice_end;
	for (n = rq->head.next; n != &rq->head; n = n->next) {
		const struct runq_entity *e = entity_of(n);
		uint64_t at;

		if (e == cur)
			continue;
		at = rq->ops->wake_at(e);
		if (at && at < next)
			next = at;
	}
	return next;
}

unsigned runq_wake_due(struct runq *rq, uint64_t now, void (*wake)(struct runq_entity *e))
{
	struct list_node *n;
	unsigned woken = 0;

	for (n = rq->head.next; n != &rq->head; n = n->next) {
		struct runq_entity *e = entity_of(n);
		uint64_t at;

		if (e == rq->current)
			continue;
		at = rq->ops->wake_at(e);
		if (at && at <= now) {
			wake(e);
			woken++;
		}
	}
	return woken;
}
