/* A clock the fuzz targets move by hand, and a run of the stack through
 * every deadline up to a time, so that a run's timing comes from its
 * input alone. */
#ifndef USERTCP_FUZZ_CLOCK_H
#define USERTCP_FUZZ_CLOCK_H

#include <stdint.h>

#include "usertcp/usertcp.h"

struct tclock {
	struct ut_clock c;
	uint64_t now;
};

static inline uint64_t tnow(const struct ut_clock *c)
{
	return ((const struct tclock *)(const void *)c)->now;
}

/* Polls s at each deadline up to end (at most 200,000 of them), then at
 * end itself. */
static inline void fuzz_run_until(struct ut_stack *s, struct tclock *tc, uint64_t end)
{
	for (int k = 0; k < 200000; k++) {
		uint64_t d = ut_stack_next_deadline(s);
		if (d > end)
			break;
		if (d > tc->now)
			tc->now = d;
		ut_stack_poll(s);
	}
	if (tc->now < end)
		tc->now = end;
	ut_stack_poll(s);
}

#endif
