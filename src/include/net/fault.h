/* Every allocation the library makes goes through these wrappers, so that a
 * fault-injection build (cmake -DUSERTCP_FAULT=ON) can make a chosen
 * allocation fail and prove that each failure is handled: no crash, no
 * leak, and ENOMEM or ENOBUFS where an application can see it. alloc_skb
 * and skb_clone are allocation points too, even when the pool serves them
 * from its free lists, since a full pool fails them the same way. In
 * normal builds the wrappers are plain malloc/calloc/realloc. */
#ifndef USERTCP_NET_FAULT_H
#define USERTCP_NET_FAULT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#ifdef USERTCP_FAULT_INJECTION
/* Counts an allocation point; true if this one must fail. */
bool fault_should_fail(void);
/* Makes the nth allocation point from now fail (1: the next one); 0 turns
 * injection off. Resets the count. */
void fault_inject_nth(uint64_t nth);
/* Allocation points passed since the last fault_inject_nth. */
uint64_t fault_points(void);
/* Whether the chosen allocation has failed yet. */
bool fault_injected(void);
#else
static inline bool fault_should_fail(void)
{
	return false;
}
#endif

static inline void *ut_malloc(size_t size)
{
	return fault_should_fail() ? NULL : malloc(size);
}

static inline void *ut_calloc(size_t n, size_t size)
{
	return fault_should_fail() ? NULL : calloc(n, size);
}

static inline void *ut_realloc(void *ptr, size_t size)
{
	return fault_should_fail() ? NULL : realloc(ptr, size);
}

#endif
