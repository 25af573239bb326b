/* Timer wheel costs for 10^6 timers with random expiries spread evenly over
 * the five wheel levels (tv1 and the four tvn levels): ns per mod_timer
 * (fresh and re-arming a pending timer), per del_timer, and per timer run
 * (cascades included), both in one timer_run() call and driven as an event
 * loop by timer_next_expiry(). Figures only; nothing is asserted.
 */
#include "net/timer.h"

#include "net/compiler.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NTIMERS 1000000u

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A delta uniform within a level chosen uniformly: [0,2^8) for tv1, then
 * [2^8,2^14), [2^14,2^20), [2^20,2^26), [2^26,2^32). */
static uint64_t rnd_delta(uint64_t *s)
{
	unsigned level = (unsigned)(rnd(s) % (TVN_LEVELS + 1));
	uint64_t lo = level ? 1ULL << (TVR_BITS + (level - 1) * TVN_BITS) : 0;
	uint64_t hi = 1ULL << (TVR_BITS + level * TVN_BITS);

	return lo + rnd(s) % (hi - lo);
}

static void nop(struct timer_list *t)
{
	(void)t;
}

static void report(const char *what, uint64_t ns, uint64_t n)
{
	printf("%-44s %8.1f ns\n", what, (double)ns / (double)n);
}

int main(void)
{
	struct timer_base *base = malloc(sizeof(*base));
	struct timer_list *t = calloc(NTIMERS, sizeof(*t));
	uint64_t *exp = calloc(NTIMERS, sizeof(*exp));
	uint32_t *order = calloc(NTIMERS, sizeof(*order));
	uint64_t seed = 12345, t0, ran, calls;

	if (!base || !t || !exp || !order) {
		fprintf(stderr, "bench_timer: out of memory\n");
		return 1;
	}
	timer_base_init(base, 1000);
	for (uint32_t i = 0; i < NTIMERS; i++) {
		timer_setup(base, &t[i], nop);
		order[i] = i;
	}
	/* Operations in random timer order, as a stack's timers are touched. */
	for (uint32_t i = NTIMERS - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(rnd(&seed) % (i + 1)), x = order[i];

		order[i] = order[j];
		order[j] = x;
	}
#define FILL_EXPIRIES()                        \
	for (uint32_t i = 0; i < NTIMERS; i++) \
	exp[i] = base->clk + rnd_delta(&seed)

	printf("%u timers, expiries uniform over the 5 wheel levels\n", NTIMERS);
	FILL_EXPIRIES();
	t0 = now_ns();
	for (uint32_t i = 0; i < NTIMERS; i++)
		mod_timer(&t[order[i]], exp[i]);
	report("mod_timer (not pending)", now_ns() - t0, NTIMERS);

	FILL_EXPIRIES();
	t0 = now_ns();
	for (uint32_t i = 0; i < NTIMERS; i++)
		mod_timer(&t[order[i]], exp[i]);
	report("mod_timer (re-arm pending)", now_ns() - t0, NTIMERS);

	t0 = now_ns();
	for (uint32_t i = 0; i < NTIMERS; i++)
		del_timer(&t[order[NTIMERS - 1 - i]]);
	report("del_timer (pending)", now_ns() - t0, NTIMERS);

	FILL_EXPIRIES();
	for (uint32_t i = 0; i < NTIMERS; i++)
		mod_timer(&t[order[i]], exp[i]);
	t0 = now_ns();
	ran = timer_run(base, base->clk + TIMER_MAX_DELTA);
	report("per timer run (one timer_run call)", now_ns() - t0, ran);

	FILL_EXPIRIES();
	for (uint32_t i = 0; i < NTIMERS; i++)
		mod_timer(&t[order[i]], exp[i]);
	ran = calls = 0;
	t0 = now_ns();
	while (base->pending) {
		ran += timer_run(base, timer_next_expiry(base));
		calls++;
	}
	report("per timer run (next_expiry event loop)", now_ns() - t0, ran);
	printf("  %llu timer_run calls for %llu timers\n", (unsigned long long)calls,
	       (unsigned long long)ran);

	free(order);
	free(exp);
	free(t);
	free(base);
	return 0;
}
