/* The real clock. Simulated time lives in src/sim. */
#include <time.h>

#include "net/compiler.h"
#include "usertcp/clock.h"

static uint64_t monotonic_now_ns(const struct ut_clock *clock)
{
	struct timespec ts;
	(void)clock;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static const struct ut_clock monotonic_clock = {.now_ns = monotonic_now_ns};

UT_EXPORT const struct ut_clock *ut_clock_monotonic(void)
{
	return &monotonic_clock;
}

/* Both clocks read now: they drift apart only by NTP's slewing and by
 * steps of the real clock, so two readings agree to within the time
 * between the two calls. */
UT_EXPORT int64_t ut_clock_realtime_offset(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((int64_t)r.tv_sec - (int64_t)m.tv_sec) * (int64_t)NSEC_PER_SEC +
	       ((int64_t)r.tv_nsec - (int64_t)m.tv_nsec);
}
