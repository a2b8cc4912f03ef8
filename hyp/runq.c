// SPDX-License-Identifier: MIT
/*
 * The run-queue policy (see runq.h).  Every decision is a scan of the
 * queue: a CPU holds a few vCPUs in the normal case and a few hundred at
 * most, and the scans happen per scheduling event, not per exit.
 */
#include "runq.h"

#define entity_of(n) container_of(n, struct runq_entity, node)
#define for_each_entity(rq, e)                                                        \
	for (struct list_node *n_ = (rq)->head.next;                                  \
	     n_ != &(rq)->head && ((e) = entity_of(n_), true); n_ = n_->next)

void runq_init(struct runq *rq, const struct runq_ops *ops)
{
	list_init(&rq->head);
	rq->ops = ops;
	rq->current = NULL;
	rq->seq = 0;
	rq->len = 0;
}

void runq_add(struct runq *rq, struct runq_entity *e, uint64_t slice, unsigned prio)
{
	e->slice = e->left = slice;
	e->turn_end = 0;
	e->seq = ++rq->seq;
	e->prio = (uint8_t)(prio > RUNQ_PRIO_MAX ? RUNQ_PRIO_MAX : prio);
	list_add_tail(&rq->head, &e->node);
	rq->len++;
}

struct runq_entity *runq_pick(struct runq *rq, uint64_t now)
{
	struct runq_entity *e, *best = NULL;

	for_each_entity(rq, e)
		if ((!best || runq_before(e, best)) && rq->ops->runnable(e))
			best = e;
	rq->current = best;
	if (best)
		best->turn_end = now + best->left;
	return best;
}

void runq_put(struct runq *rq, uint64_t now)
{
	struct runq_entity *e = rq->current;

	if (!e)
		return;
	if (now < e->turn_end) {
		e->left = e->turn_end - now;
	} else { /* its turn is over: a fresh one at the back */
		e->left = e->slice;
		e->seq = ++rq->seq;
	}
	rq->current = NULL;
}

/* The highest priority of the runnable entities other than the current,
 * or -1. */
static int best_other_prio(const struct runq *rq)
{
	const struct runq_entity *e;
	int best = -1;

	for_each_entity(rq, e)
		if (e != rq->current && (int)e->prio > best && rq->ops->runnable(e))
			best = e->prio;
	return best;
}

bool runq_preempt(const struct runq *rq, uint64_t now)
{
	const struct runq_entity *cur = rq->current, *e;

	if (!cur || !rq->ops->runnable(cur))
		return true;
	/* Someone goes first (it woke up), or the turn is over and another of
	 * the priority waits. */
	for_each_entity(rq, e)
		if (e != cur &&
		    (runq_before(e, cur) || (e->prio == cur->prio && now >= cur->turn_end)) &&
		    rq->ops->runnable(e))
			return true;
	return false;
}

bool runq_yield(struct runq *rq)
{
	struct runq_entity *cur = rq->current;

	if (!cur || best_other_prio(rq) < (int)cur->prio)
		return false;
	cur->turn_end = 0;
	return true;
}

uint64_t runq_next_event(const struct runq *rq)
{
	const struct runq_entity *cur = rq->current, *e;
	uint64_t next = UINT64_MAX;

	if (cur && best_other_prio(rq) >= (int)cur->prio)
		next = cur->turn_end;
	for_each_entity(rq, e) {
		uint64_t at = e == cur ? 0 : rq->ops->wake_at(e);

		if (at && at < next)
			next = at;
	}
	return next;
}

unsigned runq_wake_due(struct runq *rq, uint64_t now, void (*wake)(struct runq_entity *e))
{
	struct runq_entity *e;
	unsigned woken = 0;

	for_each_entity(rq, e) {
		uint64_t at = e == rq->current ? 0 : rq->ops->wake_at(e);

		if (at && at <= now) {
			wake(e);
			woken++;
		}
	}
	return woken;
}
