/* An intrusive circular doubly linked list, with Linux's list_head names.
 *
 * The head is a struct list_head of its own whose next and prev point at
 * the first and last entries (at itself when the list is empty); an entry
 * embeds a struct list_head and is found again with list_entry(). Every
 * operation is O(1) and allocates nothing, which is why the stack uses it
 * for lists that change per packet (TCP's tsorted_sent_queue) and per
 * event (epoll's ready list).
 */
#ifndef USERTCP_NET_LIST_H
#define USERTCP_NET_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_head {
	struct list_head *next, *prev;
};

/* The struct of type that holds member at ptr. */
#define list_entry(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))
#define list_first_entry(head, type, member) list_entry((head)->next, type, member)

static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l->prev = l;
}

static inline bool list_empty(const struct list_head *l)
{
	return l->next == l;
}

static inline void list_add_between(struct list_head *n, struct list_head *prev,
				    struct list_head *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

/* Adds n right after head: at the front when head is the list's head. */
static inline void list_add(struct list_head *n, struct list_head *head)
{
	list_add_between(n, head, head->next);
}

/* Adds n right before head: at the back when head is the list's head. */
static inline void list_add_tail(struct list_head *n, struct list_head *head)
{
	list_add_between(n, head->prev, head);
}

/* Unlinks n. Its pointers are left pointing at itself, so that a second
 * list_del, or list_empty(n) to ask "on a list?", stays safe (Linux's
 * list_del poisons instead; list_del_init is the same as this). */
static inline void list_del(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	INIT_LIST_HEAD(n);
}
#define list_del_init list_del

/* Moves n to the back of the list headed by head. */
static inline void list_move_tail(struct list_head *n, struct list_head *head)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_add_tail(n, head);
}

/* Moves every entry of from to the front of to, in order; from ends empty. */
static inline void list_splice_init(struct list_head *from, struct list_head *to)
{
	if (list_empty(from))
		return;
	struct list_head *first = from->next, *last = from->prev;
	first->prev = to;
	last->next = to->next;
	to->next->prev = last;
	to->next = first;
	INIT_LIST_HEAD(from);
}

#define list_for_each(pos, head) for (pos = (head)->next; pos != (head); pos = pos->next)

/* pos walks the entries (of type typeof(*pos)) in order. */
#define list_for_each_entry(pos, head, member)                                                 \
	for (pos = list_entry((head)->next, __typeof__(*pos), member); &pos->member != (head); \
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))

/* As list_for_each_entry, and pos may be unlinked inside the loop: n
 * holds the next entry already. */
#define list_for_each_entry_safe(pos, n, head, member)                  \
	for (pos = list_entry((head)->next, __typeof__(*pos), member),  \
	    n = list_entry(pos->member.next, __typeof__(*pos), member); \
	     &pos->member != (head);                                    \
	     pos = n, n = list_entry(n->member.next, __typeof__(*n), member))

#endif
