/* Emitting trace events (the public side is usertcp/trace.h). Protocol
 * code calls the one-call helpers of net/trace_events.h, which test
 * trace_enabled() first (a stack with tracing off pays one branch and
 * builds nothing); only their fillers use trace_event_init and
 * trace_emit. */
#ifndef USERTCP_NET_TRACE_H
#define USERTCP_NET_TRACE_H

#include <stdbool.h>
#include <string.h>

#include "usertcp/trace.h"

struct ut_stack;

#define trace_enabled(stack) ((stack)->trace_fn != NULL)

/* Fills in type, name, time and stack name, then hands ev to the handler.
 * ev's other fields are the caller's (zero those that do not apply). */
void trace_emit(struct ut_stack *stack, enum ut_trace_type type, struct ut_trace_event *ev);

static inline void trace_event_init(struct ut_trace_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->fd = -1;
	/* Every event's addresses are IPv4's, unspecified until filled. */
	ev->saddr = ut_ip_v4(0);
	ev->daddr = ut_ip_v4(0);
}

#endif
