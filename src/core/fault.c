/* The fault-injection build's counter of allocation points (see
 * net/fault.h). Atomic, since a stack thread and application threads
 * allocate concurrently; the cost exists only in that build. */
#include "net/fault.h"

#ifdef USERTCP_FAULT_INJECTION
#include <stdatomic.h>

static _Atomic uint64_t fault_count;
static _Atomic uint64_t fault_target; /* 0: off */
static _Atomic bool fault_done;

bool fault_should_fail(void)
{
	uint64_t n = atomic_fetch_add(&fault_count, 1) + 1;
	if (n != atomic_load(&fault_target))
		return false;
	atomic_store(&fault_done, true);
	return true;
}

void fault_inject_nth(uint64_t nth)
{
	atomic_store(&fault_target, nth);
	atomic_store(&fault_count, 0);
	atomic_store(&fault_done, false);
}

uint64_t fault_points(void)
{
	return atomic_load(&fault_count);
}

bool fault_injected(void)
{
	return atomic_load(&fault_done);
}
#else
/* ISO C wants a translation unit to declare something. */
typedef int fault_injection_not_built;
#endif
