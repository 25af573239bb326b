/* Every allocation the library makes goes through these wrappers, so that a
 * test build can make chosen allocations fail and prove each failure is
 * handled (hardening issue: fault injection). In normal builds they are
 * plain malloc/calloc. */
#ifndef USERTCP_NET_FAULT_H
#define USERTCP_NET_FAULT_H

#include <stdlib.h>

static inline void *ut_malloc(size_t size)
{
	return malloc(size);
}

static inline void *ut_calloc(size_t n, size_t size)
{
	return calloc(n, size);
}

static inline void *ut_realloc(void *ptr, size_t size)
{
	return realloc(ptr, size);
}

#endif
