// SPDX-License-Identifier: MIT
/*
 * The run-queue policy (see runq.h).  The queue is kept in the order in
 * which its entities go first (runq_before): the highest priority first,
 * then by place in the rotation.  Every decision is then about the first
 * runnable entity (passing only blocked ones on the way), and the timer's
 * scans go over only the entities whose virtual timer may need the CPU:
 * with many busy vCPUs on a CPU, a switch costs what it costs with two.
 */
#include "runq.h"

#define for_each_in(list, e, member)                                                  \
	for (struct list_node *n_ = (list)->next;                                     \
	     n_ != (list) && ((e) = container_of(n_, struct runq_entity, member), true); \
	     n_ = n_->next)

void runq_init(struct runq *rq, const struct runq_ops *ops)
{
	list_init(&rq->head);
	list_init(&rq->timed);
	rq->ops = ops;
	rq->current = NULL;
	rq->seq = 0;
	rq->len = 0;
}

/* e goes to the back of its priority's rotation, behind every entity of
 * its priority or a higher one, with the last place. */
static void place(struct runq *rq, struct runq_entity *e)
{
	struct list_node *p = rq->head.prev;

	while (p != &rq->head && container_of(p, struct runq_entity, node)->prio < e->prio)
		p = p->prev;
	e->seq = ++rq->seq;
	list_add_tail(p->next, &e->node);
}

void runq_add(struct runq *rq, struct runq_entity *e, uint64_t slice, unsigned prio)
{
	e->slice = e->left = slice;
	e->turn_end = 0;
	e->prio = (uint8_t)(prio > RUNQ_PRIO_MAX ? RUNQ_PRIO_MAX : prio);
	place(rq, e);
	list_init(&e->timed);
	rq->len++;
}

void runq_timed(struct runq *rq, struct runq_entity *e, bool on)
{
	list_del(&e->timed);
	if (on)
		list_add_tail(&rq->timed, &e->timed);
}

/* The runnable entity that goes first, other than skip; or NULL. */
static struct runq_entity *first_runnable(const struct runq *rq, const struct runq_entity *skip)
{
	struct runq_entity *e;

	for_each_in(&rq->head, e, node)
		if (e != skip && rq->ops->runnable(e))
			return e;
	return NULL;
}

struct runq_entity *runq_pick(struct runq *rq, uint64_t now)
{
	struct runq_entity *e = first_runnable(rq, NULL);

	rq->current = e;
	if (e)
		e->turn_end = now + e->left;
	return e;
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
		list_del(&e->node);
		place(rq, e);
	}
	rq->current = NULL;
}

/* Whether another entity of the current's priority or a higher one is
 * runnable. */
static bool other_waits(const struct runq *rq)
{
	const struct runq_entity *o = first_runnable(rq, rq->current);

	return o && o->prio >= rq->current->prio;
}

bool runq_preempt(const struct runq *rq, uint64_t now)
{
	const struct runq_entity *cur = rq->current, *o;

	if (!cur || !rq->ops->runnable(cur))
		return true;
	/* Someone goes first (it woke up), or the turn is over and another of
	 * the priority waits: either is the first runnable one. */
	o = first_runnable(rq, cur);
	return o && (runq_before(o, cur) || (o->prio == cur->prio && now >= cur->turn_end));
}

bool runq_yield(struct runq *rq)
{
	if (!rq->current || !other_waits(rq))
		return false;
	rq->current->turn_end = 0;
	return true;
}

uint64_t runq_next_event(const struct runq *rq)
{
	const struct runq_entity *cur = rq->current;
	struct runq_entity *e;
	uint64_t next = cur && rq->len > 1 && other_waits(rq) ? cur->turn_end : UINT64_MAX;

	for_each_in(&rq->timed, e, timed) {
		uint64_t at = e == cur ? 0 : rq->ops->wake_at(e);

		if (at && at < next)
			next = at;
	}
	return next;
}

unsigned runq_wake_timed(struct runq *rq, uint64_t now, void (*wake)(struct runq_entity *e))
{
	struct runq_entity *e;
	unsigned woken = 0;

	for_each_in(&rq->timed, e, timed) {
		uint64_t at = e == rq->current ? 0 : rq->ops->wake_at(e);

		if (at && at <= now) {
			wake(e);
			woken++;
		}
	}
	return woken;
}
