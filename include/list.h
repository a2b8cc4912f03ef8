/* SPDX-License-Identifier: MIT */
/* Intrusive circular doubly-linked lists. */
#ifndef LOWVISOR_LIST_H
#define LOWVISOR_LIST_H

#include <stddef.h>

struct list_node {
	struct list_node *next, *prev;
};

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

static inline void list_init(struct list_node *head)
{
	head->next = head->prev = head;
}

/* Inserts n before head: at the list's tail, or before any node. */
static inline void list_add_tail(struct list_node *head, struct list_node *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

/* Takes n out of its list, if in one, and leaves it alone in a list. */
static inline void list_del(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

#endif
