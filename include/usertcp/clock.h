/* Time as usertcp sees it. The stack never reads a clock on its own: every
 * instant it uses comes from the struct ut_clock it was created with, either
 * the real monotonic clock or a simulated world's virtual time. */
#ifndef USERTCP_CLOCK_H
#define USERTCP_CLOCK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A clock: now_ns() returns monotonic nanoseconds that never go backwards.
 * Embed it first in a larger struct to carry state (the callback receives
 * the same pointer). */
struct ut_clock {
	uint64_t (*now_ns)(const struct ut_clock *clock);
};

/* The host's CLOCK_MONOTONIC. The returned object is immutable and shared. */
const struct ut_clock *ut_clock_monotonic(void);

/* CLOCK_REALTIME less CLOCK_MONOTONIC now, in ns. A stack on
 * ut_clock_monotonic() reads it when created and adds it to the
 * timestamps it reports (SO_TIMESTAMP, SO_TIMESTAMPING), which Linux
 * gives in real time. */
int64_t ut_clock_realtime_offset(void);

#ifdef __cplusplus
}
#endif
#endif
