/* A stack per core (include/usertcp/group.h): what the rest of the stack
 * calls. A stack outside a group has stack->group NULL, and every call
 * here is then a test of that pointer. */
#ifndef USERTCP_NET_STACK_GROUP_H
#define USERTCP_NET_STACK_GROUP_H

#include <stdbool.h>
#include <stdint.h>

struct sk_buff;
struct ut_stack;

/* A segment that found no socket (TCP's reset, UDP's port unreachable
 * are next): if dport (host order) lies in another stack's slice of
 * the local port range and the segment came in on a queue of the group's
 * interface, a copy of it from from to its end is handed to that stack,
 * and true is returned (the caller frees its skb and sends nothing). A
 * segment already handed over once is never handed on. */
bool stack_group_steer(struct sk_buff *skb, const uint8_t *from, uint16_t dport);
/* An ARP reply or a neighbour advertisement this stack took in: a copy
 * from from to its end goes to every other stack of the group, each on
 * its queue of the same interface. */
void stack_group_share(struct sk_buff *skb, const uint8_t *from);
/* Delivers what other stacks handed over; the number of packets. */
int stack_group_rx(struct ut_stack *stack);
/* Whether other stacks handed over something not yet delivered. */
bool stack_group_pending(const struct ut_stack *stack);
/* The descriptor that becomes readable when something is handed over,
 * for the waits to watch; -1 outside a group. */
int stack_group_fd(const struct ut_stack *stack);

#endif
