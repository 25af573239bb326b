/* xoshiro256** seeded through splitmix64: fast, 256 bits of state, and
 * every stream is fully determined by its 64-bit seed. */
#include "net/random.h"

#include <sys/random.h>
#include <time.h>

uint64_t prandom_mix(uint64_t x)
{
	/* splitmix64's output function: a bijection that scatters nearby
	 * seeds (host 1, host 2) into unrelated states. */
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void prandom_seed(struct prandom_state *st, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		seed = prandom_mix(seed);
		st->s[i] = seed;
	}
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t prandom_u64(struct prandom_state *st)
{
	uint64_t *s = st->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t prandom_below(struct prandom_state *st, uint64_t bound)
{
	/* Rejection sampling: discard the top sliver that would bias a
	 * plain modulo. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
	uint64_t r;
	do
		r = prandom_u64(st);
	while (r >= limit);
	return r % bound;
}

double prandom_double(struct prandom_state *st)
{
	return (double)(prandom_u64(st) >> 11) * 0x1.0p-53;
}

uint64_t prandom_os_seed(void)
{
	uint64_t seed;
	if (getrandom(&seed, sizeof(seed), 0) == (ssize_t)sizeof(seed))
		return seed;
	/* No entropy source: mix the time in, never return a constant. */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return prandom_mix((uint64_t)ts.tv_sec ^ ((uint64_t)ts.tv_nsec << 20));
}
