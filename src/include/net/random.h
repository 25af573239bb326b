/* A small, fast, seedable generator (xoshiro256**, by Blackman and Vigna,
 * public domain algorithm) for every random choice in a stack or a
 * simulated world. Seeded from one 64-bit value through splitmix64, so a
 * seed names a whole run. Not for secrets an attacker must not predict on
 * real networks: those (ISN keys, hereafter) are seeded from getrandom()
 * unless a seed was given for reproducibility. */
#ifndef USERTCP_NET_RANDOM_H
#define USERTCP_NET_RANDOM_H

#include <stdint.h>

struct prandom_state {
	uint64_t s[4];
};

void prandom_seed(struct prandom_state *st, uint64_t seed);
uint64_t prandom_u64(struct prandom_state *st);
static inline uint32_t prandom_u32(struct prandom_state *st)
{
	return (uint32_t)(prandom_u64(st) >> 32);
}
/* Uniform in [0, bound) without modulo bias; bound > 0. */
uint64_t prandom_below(struct prandom_state *st, uint64_t bound);
/* Uniform double in [0, 1). */
double prandom_double(struct prandom_state *st);
/* A seed from the operating system's entropy (getrandom), for real runs. */
uint64_t prandom_os_seed(void);
/* splitmix64: derives independent seeds (seed of host n = mix(seed + n)). */
uint64_t prandom_mix(uint64_t x);

#endif
