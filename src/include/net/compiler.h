/* Small helpers every internal file uses. */
#ifndef USERTCP_NET_COMPILER_H
#define USERTCP_NET_COMPILER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
/* Marks a deliberate fall-through between switch cases. */
#define fallthrough __attribute__((__fallthrough__))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* The smallest power of two >= x (x in 1..2^31), as Linux's
 * roundup_pow_of_two. */
static inline uint32_t roundup_pow_of_two(uint32_t x)
{
	return x <= 1 ? 1u : 1u << (32 - __builtin_clz(x - 1));
}

/* Library entry points visible from the shared object; everything else is
 * hidden (the build sets -fvisibility=hidden). */
#define UT_EXPORT __attribute__((visibility("default")))

/* A broken internal invariant is a bug in usertcp, never a property of the
 * input: like Linux's BUG_ON it stops the program where the damage is, with
 * the place, rather than corrupting memory further on. Input-driven failures
 * are always error returns, never BUG_ON. */
#define BUG_ON(cond)                                                                               \
	do {                                                                                       \
		if (unlikely(cond)) {                                                              \
			fprintf(stderr, "usertcp: BUG at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC 1000000000ULL
#define USEC_PER_SEC 1000000ULL
#define USEC_PER_MSEC 1000u

#endif
