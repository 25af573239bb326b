/* The timer wheel: exact expiry, arming order among equal expiries,
 * cancellation and re-arming from anywhere (timer functions included),
 * idle skipping, and a randomized differential test against a naive model.
 */
#include "net/timer.h"

#include "net/compiler.h"
#include "test.h"

#include <stdbool.h>
#include <stdlib.h>

#define DAY (24ULL * 3600 * HZ)

/* ---- helpers ----------------------------------------------------------- */

static uint64_t rnd(uint64_t *s)
{
	/* splitmix64: seeded, reproducible, good enough to spread expiries */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t *s, uint64_t n)
{
	return rnd(s) % n;
}

/* A delta that lands anywhere in the wheel, biased towards every level
 * evenly rather than towards the top one as a uniform draw would be. */
static uint64_t rnd_delta(uint64_t *s, unsigned max_bits)
{
	return rnd_below(s, 1ULL << (1 + rnd_below(s, max_bits)));
}

/* Log of timer functions run: which timer, and at which jiffy (base->clk
 * inside a timer function is the jiffy being processed). */
struct fire_log {
	struct timer_base *base;
	unsigned n;
	int id[4096];
	uint64_t at[4096];
	uint64_t expires[4096];
};

struct rec_timer {
	struct timer_list timer;
	struct fire_log *log;
	int id;
};

static void record(struct timer_list *timer)
{
	struct rec_timer *r = from_timer(r, timer, timer);
	struct fire_log *log = r->log;

	CHECK(log->n < ARRAY_SIZE(log->id));
	CHECK(log->base->running == timer);
	CHECK(!timer_pending(timer));
	log->id[log->n] = r->id;
	log->at[log->n] = log->base->clk;
	log->expires[log->n] = timer->expires;
	log->n++;
}

static void rec_init(struct timer_base *base, struct fire_log *log, struct rec_timer *r, unsigned n)
{
	log->base = base;
	log->n = 0;
	for (unsigned i = 0; i < n; i++) {
		timer_setup(base, &r[i].timer, record);
		r[i].log = log;
		r[i].id = (int)i;
	}
}

/* ---- fixed behaviours -------------------------------------------------- */

TEST(timers_run_in_expiry_order_and_exactly_at_their_expiry)
{
	enum { N = 2000 };
	static struct fire_log log;
	static struct rec_timer r[N];
	struct timer_base base;
	uint64_t seed = 1, start = 1000003;
	unsigned calls = 0;

	timer_base_init(&base, start);
	rec_init(&base, &log, r, N);
	/* Up to 2^29 jiffies: over six days, through all four tvn levels. */
	for (unsigned i = 0; i < N; i++)
		CHECK(!mod_timer(&r[i].timer, start + rnd_delta(&seed, 29)));
	CHECK_EQ(base.pending, N);

	/* Driving by timer_next_expiry(): each call may only run timers due
	 * exactly then, and it must never be later than the earliest one. */
	while (base.pending) {
		uint64_t next = timer_next_expiry(&base), first = UINT64_MAX;
		unsigned before = log.n;

		for (unsigned i = 0; i < N; i++)
			if (timer_pending(&r[i].timer))
				first = MIN(first, r[i].timer.expires);
		CHECK(next >= base.clk);
		CHECK(next <= first);
		timer_run(&base, next);
		CHECK_EQ(base.clk, next + 1);
		for (unsigned k = before; k < log.n; k++) {
			CHECK_EQ(log.expires[k], next);
			CHECK_EQ(log.at[k], next);
		}
		CHECK(++calls < 6 * N);
	}
	CHECK_EQ(log.n, N);
	for (unsigned k = 1; k < log.n; k++)
		CHECK(log.expires[k - 1] <= log.expires[k]);
	CHECK_EQ(timer_next_expiry(&base), UINT64_MAX);

	/* The same in large random strides: still exact, still ordered. */
	log.n = 0;
	start = base.clk;
	for (unsigned i = 0; i < N; i++)
		CHECK(!mod_timer(&r[i].timer, start + rnd_delta(&seed, 29)));
	while (base.pending)
		timer_run(&base, base.clk + rnd_delta(&seed, 25));
	CHECK_EQ(log.n, N);
	for (unsigned k = 0; k < log.n; k++) {
		CHECK_EQ(log.at[k], log.expires[k]);
		CHECK_EQ(log.expires[k], r[log.id[k]].timer.expires);
		if (k)
			CHECK(log.expires[k - 1] <= log.expires[k]);
	}
}

TEST(timers_with_equal_expiry_run_in_arming_order)
{
	static struct fire_log log;
	static struct rec_timer r[300];
	struct timer_base base;
	/* Expiries on every kind of cascade boundary, and off them. */
	static const uint64_t offsets[] = {0,	       1,	   255,	       256,	4096,
					   1ULL << 14, 3ULL << 14, 1ULL << 20, 12345678};

	/* Many timers armed together, in one slot of each level. */
	for (unsigned level = 0; level < 5; level++) {
		uint64_t start = 77777, e = start + (1ULL << (6 * level + 2)) + 3;

		timer_base_init(&base, start);
		rec_init(&base, &log, r, 300);
		for (unsigned i = 0; i < 300; i++)
			mod_timer(&r[i].timer, e);
		CHECK_EQ(timer_run(&base, e), 300);
		for (unsigned i = 0; i < 300; i++)
			CHECK_EQ(log.id[i], i);
	}

	/* Timers for one expiry E armed at ever shorter notice, so that they
	 * sit at every level at once, interleaved with timers for E - 1 and
	 * E + 1: they must still run in arming order. */
	for (unsigned o = 0; o < ARRAY_SIZE(offsets); o++) {
		uint64_t e = (7ULL << 26) + offsets[o];
		static const uint64_t notice[] = {(1ULL << 27) + 5,
						  1ULL << 26,
						  (1ULL << 21) + 9,
						  1ULL << 20,
						  (1ULL << 15) + 1,
						  1ULL << 14,
						  1000,
						  256,
						  255,
						  3,
						  1};
		unsigned n = 0, expect = 0;

		timer_base_init(&base, e - notice[0]);
		rec_init(&base, &log, r, 300);
		for (unsigned k = 0; k < ARRAY_SIZE(notice); k++) {
			timer_run(&base, e - notice[k] - 1);
			mod_timer(&r[n++].timer, e - 1);
			mod_timer(&r[n++].timer, e);
			mod_timer(&r[n++].timer, e + 1);
			mod_timer(&r[n++].timer, e);
		}
		CHECK_EQ(timer_run(&base, e + 1), n);
		/* The E - 1 timers in order, then E, then E + 1. */
		for (unsigned pass = 0; pass < 3; pass++)
			for (unsigned i = 0; i < n; i++) {
				unsigned kind = i % 4;
				bool mine = pass == 0	? kind == 0
					    : pass == 1 ? kind == 1 || kind == 3
							: kind == 2;

				if (!mine)
					continue;
				CHECK_EQ(log.id[expect], i);
				CHECK_EQ(log.at[expect], e - 1 + pass);
				expect++;
			}
	}

	/* Re-arming a pending timer for the same expiry is arming anew. */
	timer_base_init(&base, 0);
	rec_init(&base, &log, r, 3);
	mod_timer(&r[0].timer, 5000);
	mod_timer(&r[1].timer, 5000);
	mod_timer(&r[2].timer, 5000);
	CHECK(mod_timer(&r[0].timer, 5000));
	CHECK_EQ(timer_run(&base, 5000), 3);
	CHECK_EQ(log.id[0], 1);
	CHECK_EQ(log.id[1], 2);
	CHECK_EQ(log.id[2], 0);
}

TEST(a_cancelled_timer_never_runs_and_its_slot_neighbours_still_do)
{
	static struct fire_log log;
	static struct rec_timer r[12];
	struct timer_base base;
	static const int expect[] = {1, 2, 4, 5, 6, 8};

	/* Same slot: in tv1 and at a higher level. Cancel the head, the tail
	 * and two in the middle of the ring. */
	for (uint64_t delta = 100; delta < 40 * DAY; delta *= 37) {
		timer_base_init(&base, 5);
		rec_init(&base, &log, r, 12);
		for (unsigned i = 0; i < 10; i++)
			mod_timer(&r[i].timer, 5 + delta);
		/* A lone far timer, alone in its slot, cancelled too. */
		mod_timer(&r[10].timer, 5 + 3 * DAY);
		CHECK(del_timer(&r[0].timer));
		CHECK(del_timer(&r[9].timer));
		CHECK(del_timer(&r[3].timer));
		CHECK(del_timer(&r[7].timer));
		CHECK(!del_timer(&r[7].timer));
		CHECK(del_timer(&r[10].timer));
		CHECK(!del_timer(&r[11].timer)); /* never armed */
		CHECK(!timer_pending(&r[3].timer));
		CHECK_EQ(base.pending, 6);
		CHECK_EQ(timer_run(&base, 5 + 4 * DAY), 6);
		for (unsigned i = 0; i < ARRAY_SIZE(expect); i++) {
			CHECK_EQ(log.id[i], expect[i]);
			CHECK_EQ(log.at[i], 5 + delta);
		}
		CHECK_EQ(base.pending, 0);
		CHECK_EQ(timer_next_expiry(&base), UINT64_MAX);
		/* Cancelling empties the bitmaps along with the slots. */
		for (unsigned w = 0; w < ARRAY_SIZE(base.tv1_map); w++)
			CHECK_EQ(base.tv1_map[w], 0);
		for (unsigned l = 0; l < TVN_LEVELS; l++)
			CHECK_EQ(base.tvn_map[l], 0);
	}
}

TEST(rearming_moves_a_timer_earlier_or_later_and_reports_whether_it_was_pending)
{
	static struct fire_log log;
	static struct rec_timer r[1];
	struct timer_base base;
	struct timer_list *t = &r[0].timer;

	timer_base_init(&base, 1000);
	rec_init(&base, &log, r, 1);
	CHECK(!timer_pending(t));
	CHECK(!del_timer(t));
	CHECK(!mod_timer(t, 1000 + 5 * DAY));
	CHECK(timer_pending(t));
	/* Earlier: from the top level straight into tv1. */
	CHECK(mod_timer(t, 1010));
	CHECK_EQ(base.pending, 1);
	CHECK_EQ(timer_next_expiry(&base), 1010);
	CHECK_EQ(timer_run(&base, 1009), 0);
	CHECK_EQ(timer_run(&base, 1010), 1);
	CHECK_EQ(log.at[0], 1010);
	CHECK(!timer_pending(t));
	/* Later: from tv1 up to a higher level, then higher still. */
	CHECK(!mod_timer(t, 1100));
	CHECK(mod_timer(t, 6000));
	CHECK(mod_timer(t, 70000));
	CHECK_EQ(timer_run(&base, 69999), 0);
	CHECK(timer_pending(t));
	CHECK_EQ(timer_run(&base, 70000), 1);
	CHECK_EQ(log.at[1], 70000);
	/* Cancel, then arm again. */
	CHECK(!mod_timer(t, 80000));
	CHECK(del_timer(t));
	CHECK(!del_timer(t));
	CHECK(!mod_timer(t, 80001));
	CHECK_EQ(timer_run(&base, 90000), 1);
	CHECK_EQ(log.at[2], 80001);
	CHECK_EQ(log.n, 3);
}

/* ---- timer functions acting on the wheel ------------------------------- */

struct actor {
	struct timer_list timer;
	struct fire_log *log;
	int id;
	unsigned runs, max_runs;
	uint64_t period;
	struct timer_list *victim; /* deleted on the first run */
	struct timer_list *late;   /* armed for the past on the first run */
};

static void act(struct timer_list *timer)
{
	struct actor *a = from_timer(a, timer, timer);
	struct fire_log *log = a->log;
	uint64_t now = log->base->clk;

	CHECK(log->base->running == timer);
	CHECK_EQ(now, timer->expires);
	log->id[log->n] = a->id;
	log->at[log->n] = now;
	log->n++;
	/* Its own del_timer is harmless: it is no longer pending. */
	CHECK(!del_timer(timer));
	if (a->runs++ == 0) {
		if (a->victim)
			CHECK(del_timer(a->victim));
		if (a->late)
			CHECK(!mod_timer(a->late, now - 5));
	}
	if (a->runs < a->max_runs)
		CHECK(!mod_timer(timer, now + a->period));
}

TEST(a_timer_function_may_rearm_itself_and_delete_a_timer_due_in_the_same_jiffy)
{
	static struct fire_log log;
	struct timer_base base;
	struct actor p = {0}, v = {0}, w = {0}, q = {0};

	timer_base_init(&base, 500);
	log.base = &base;
	log.n = 0;
	struct actor *all[] = {&p, &v, &w, &q};
	for (int i = 0; i < 4; i++) {
		timer_setup(&base, &all[i]->timer, act);
		all[i]->log = &log;
		all[i]->id = i;
		all[i]->max_runs = 1;
	}
	/* p is periodic (40 jiffies, 25 runs); on its first run, at 540, it
	 * cancels v (due at 540, after it) and arms w for a past jiffy. q is
	 * a second periodic timer with period 0: it re-arms for its own jiffy
	 * three times, and all those runs happen in the same call. */
	p.period = 40;
	p.max_runs = 25;
	p.victim = &v.timer;
	p.late = &w.timer;
	q.period = 0;
	q.max_runs = 3;
	mod_timer(&p.timer, 540);
	mod_timer(&v.timer, 540);
	mod_timer(&q.timer, 540);
	CHECK_EQ(timer_run(&base, 500 + 40 * 25), 25 + 1 + 3);
	CHECK_EQ(v.runs, 0);
	CHECK_EQ(w.runs, 1);
	CHECK_EQ(q.runs, 3);
	/* At 540: p, q (armed before the past-due w), w, then q's re-runs. */
	static const int first[] = {0, 3, 2, 3, 3};
	for (unsigned i = 0; i < ARRAY_SIZE(first); i++) {
		CHECK_EQ(log.id[i], first[i]);
		CHECK_EQ(log.at[i], 540);
	}
	for (unsigned i = ARRAY_SIZE(first), k = 2; i < log.n; i++, k++) {
		CHECK_EQ(log.id[i], 0);
		CHECK_EQ(log.at[i], 500 + 40 * k);
	}
	CHECK_EQ(base.pending, 0);
	CHECK(base.running == NULL);
}

TEST(timer_next_expiry_is_exact_within_the_first_level_and_never_late_beyond_it)
{
	static struct fire_log log;
	static struct rec_timer r[2];
	struct timer_base base;
	uint64_t seed = 7;

	timer_base_init(&base, 123);
	rec_init(&base, &log, r, 2);
	CHECK_EQ(timer_next_expiry(&base), UINT64_MAX);
	mod_timer(&r[0].timer, 123 + 255);
	CHECK_EQ(timer_next_expiry(&base), 123 + 255);
	mod_timer(&r[1].timer, 123 + 5);
	CHECK_EQ(timer_next_expiry(&base), 123 + 5);
	del_timer(&r[1].timer);
	CHECK_EQ(timer_next_expiry(&base), 123 + 255);
	/* Past expiry: due now. */
	mod_timer(&r[1].timer, 100);
	CHECK_EQ(timer_next_expiry(&base), 123);
	del_timer(&r[1].timer);
	del_timer(&r[0].timer);
	CHECK_EQ(timer_next_expiry(&base), UINT64_MAX);

	for (unsigned i = 0; i < 20000; i++) {
		uint64_t d0 = rnd_below(&seed, 256), d1 = rnd_delta(&seed, 32);
		uint64_t e0, e1, next;

		/* Anywhere in tv1's window, from any clock phase: exact. */
		timer_base_init(&base, rnd(&seed) >> 20);
		mod_timer(&r[0].timer, base.clk + d0);
		CHECK_EQ(timer_next_expiry(&base), base.clk + d0);
		/* Further out: never late, and when early, then exactly on a
		 * cascade boundary. */
		mod_timer(&r[1].timer, base.clk + d1);
		e0 = r[0].timer.expires;
		e1 = r[1].timer.expires;
		next = timer_next_expiry(&base);
		CHECK(next >= base.clk);
		CHECK(next <= MIN(e0, e1));
		CHECK(next == MIN(e0, e1) || next % 256 == 0);
		del_timer(&r[0].timer);
		next = timer_next_expiry(&base);
		CHECK(next >= base.clk && next <= e1);
		if (d1 < 256)
			CHECK_EQ(next, e1);
		del_timer(&r[1].timer);
	}
}

TEST(idle_jumps_of_a_simulated_year_cost_few_iterations)
{
	static struct fire_log log;
	static struct rec_timer r[3];
	struct timer_base base;
	uint64_t start = 42, calls = 0;

	timer_base_init(&base, start);
	rec_init(&base, &log, r, 3);
	mod_timer(&r[0].timer, start + 10 * DAY);
	CHECK_EQ(timer_run(&base, start + 10 * DAY - 1), 0);
	CHECK_EQ(base.clk, start + 10 * DAY);
	CHECK_EQ(timer_run(&base, start + 10 * DAY), 1);
	CHECK_EQ(log.at[0], start + 10 * DAY);

	/* One call for a whole year with timers at +1 day and +40 days. */
	start = base.clk;
	mod_timer(&r[1].timer, start + DAY);
	mod_timer(&r[2].timer, start + 40 * DAY);
	CHECK_EQ(timer_run(&base, start + 365 * DAY), 2);
	CHECK_EQ(log.at[1], start + DAY);
	CHECK_EQ(log.at[2], start + 40 * DAY);
	CHECK_EQ(base.clk, start + 365 * DAY + 1);

	/* Driven by timer_next_expiry(), a timer 40 days out costs one wake-up
	 * per level it cascades through, not one per idle slot. */
	start = base.clk;
	mod_timer(&r[0].timer, start + 40 * DAY);
	while (base.pending) {
		timer_run(&base, timer_next_expiry(&base));
		calls++;
	}
	CHECK(calls <= TVN_LEVELS + 1);
	CHECK_EQ(log.at[3], start + 40 * DAY);

	/* Passing "nothing pending" (UINT64_MAX) back as now saturates the
	 * clock far in the future instead of wrapping it to 0, and a timer
	 * armed there cannot wrap round to run early. */
	start = base.clk;
	CHECK_EQ(timer_run(&base, timer_next_expiry(&base)), 0);
	CHECK(base.clk > start);
	CHECK(base.clk < UINT64_MAX - TIMER_MAX_DELTA);
	start = base.clk;
	mod_timer(&r[0].timer, UINT64_MAX);
	CHECK_EQ(r[0].timer.expires, start + TIMER_MAX_DELTA);
	CHECK(timer_next_expiry(&base) >= start);
	CHECK_EQ(timer_run(&base, UINT64_MAX), 0);
	CHECK(timer_pending(&r[0].timer));
	CHECK_EQ(base.clk, start);
}

TEST(expiry_beyond_2_32_jiffies_is_clamped_to_that_horizon)
{
	static struct fire_log log;
	static struct rec_timer r[3];
	struct timer_base base;
	uint64_t start = 999;

	timer_base_init(&base, start);
	rec_init(&base, &log, r, 3);
	mod_timer(&r[0].timer, start + (1ULL << 40));
	mod_timer(&r[1].timer, UINT64_MAX);
	mod_timer(&r[2].timer, start + TIMER_MAX_DELTA);
	CHECK_EQ(r[0].timer.expires, start + TIMER_MAX_DELTA);
	CHECK_EQ(r[1].timer.expires, start + TIMER_MAX_DELTA);
	CHECK_EQ(r[2].timer.expires, start + TIMER_MAX_DELTA);
	CHECK_EQ(timer_run(&base, start + TIMER_MAX_DELTA - 1), 0);
	CHECK_EQ(timer_run(&base, start + TIMER_MAX_DELTA), 3);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(log.id[i], i);
		CHECK_EQ(log.at[i], start + TIMER_MAX_DELTA);
	}
}

TEST(a_timer_armed_in_the_past_runs_at_the_next_run_after_those_already_due)
{
	static struct fire_log log;
	static struct rec_timer r[3];
	struct timer_base base;

	timer_base_init(&base, 0);
	rec_init(&base, &log, r, 3);
	timer_run(&base, 9999);
	mod_timer(&r[0].timer, 10000);
	mod_timer(&r[1].timer, 10);
	mod_timer(&r[2].timer, 9999);
	/* expires tells the jiffy the timer will really run at. */
	CHECK_EQ(r[1].timer.expires, 10000);
	CHECK_EQ(timer_next_expiry(&base), 10000);
	CHECK_EQ(timer_run(&base, 10000), 3);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(log.id[i], i);
		CHECK_EQ(log.at[i], 10000);
	}
	/* A run for a jiffy already processed neither runs nor rewinds. */
	mod_timer(&r[0].timer, 10005);
	CHECK_EQ(timer_run(&base, 500), 0);
	CHECK_EQ(base.clk, 10001);
	CHECK_EQ(timer_run(&base, 10004), 0);
	CHECK_EQ(base.clk, 10005);
	CHECK_EQ(timer_run(&base, 10005), 1);
}

/* ---- randomized differential test -------------------------------------- */

/* The model is an array: a pending flag, an expiry and an arming sequence
 * number per timer. Due timers run by (expiry, sequence). The wheel and the
 * model run in lockstep: every time the wheel runs a timer function, the
 * model's next due timer must be that very timer, at that very jiffy; then
 * the function applies the same random action to both. */
enum { DIFF_N = 256 };

struct dtimer {
	struct timer_list timer;
	struct diff *d;
	int id;
	bool pending;	   /* model */
	uint64_t exp, seq; /* model */
};

struct diff {
	struct timer_base base;
	struct dtimer t[DIFF_N];
	uint64_t rng;
	uint64_t seq; /* model arming counter */
	uint64_t clk; /* model: next jiffy to process */
	uint64_t cur; /* model: jiffy arming is relative to */
	uint64_t now; /* the current timer_run's now */
	bool actions; /* timer functions act on the wheel */
	bool exact;   /* every run must fire at exactly now */
	uint64_t fired, ran;
};

static int model_next(struct diff *d, uint64_t now)
{
	int best = -1;

	for (int i = 0; i < DIFF_N; i++) {
		struct dtimer *t = &d->t[i];

		if (!t->pending || t->exp > now)
			continue;
		if (best < 0 || t->exp < d->t[best].exp ||
		    (t->exp == d->t[best].exp && t->seq < d->t[best].seq))
			best = i;
	}
	return best;
}

static uint64_t diff_expiry(struct diff *d)
{
	uint64_t e;

	switch (rnd_below(&d->rng, 8)) {
	case 0: /* the past, or now */
		return d->cur - MIN(d->cur, rnd_below(&d->rng, 600));
	case 1: /* on a cascade boundary of some level */
		e = d->cur + rnd_delta(&d->rng, 32);
		return e & ~((1ULL << (8 + 6 * rnd_below(&d->rng, 4))) - 1);
	case 2: /* near the horizon, or beyond */
		return d->cur + TIMER_MAX_DELTA - 1000 + rnd_below(&d->rng, 2000);
	case 3:
	case 4: /* soon: many timers share slots and expiries */
		return d->cur + rnd_below(&d->rng, 40);
	default:
		return d->cur + rnd_delta(&d->rng, 32);
	}
}

static void diff_arm(struct diff *d, int i, uint64_t e)
{
	struct dtimer *t = &d->t[i];
	uint64_t want = e;

	if (want < d->cur)
		want = d->cur;
	else if (want - d->cur > TIMER_MAX_DELTA)
		want = d->cur + TIMER_MAX_DELTA;
	CHECK_EQ(mod_timer(&t->timer, e), t->pending);
	CHECK_EQ(t->timer.expires, want);
	CHECK(timer_pending(&t->timer));
	t->pending = true;
	t->exp = want;
	t->seq = ++d->seq;
}

static void diff_del(struct diff *d, int i)
{
	struct dtimer *t = &d->t[i];

	CHECK_EQ(del_timer(&t->timer), t->pending);
	CHECK(!timer_pending(&t->timer));
	t->pending = false;
}

static void diff_fire(struct timer_list *timer)
{
	struct dtimer *t = from_timer(t, timer, timer);
	struct diff *d = t->d;

	CHECK_EQ(model_next(d, d->now), t->id);
	CHECK_EQ(timer->expires, t->exp);
	CHECK_EQ(d->base.clk, t->exp);
	CHECK(d->base.running == timer);
	CHECK(!timer_pending(timer));
	if (d->exact)
		CHECK_EQ(t->exp, d->now);
	t->pending = false;
	d->cur = t->exp;
	d->fired++;
	if (!d->actions)
		return;
	switch (rnd_below(&d->rng, 8)) {
	case 0: /* periodic: again soon, possibly this same jiffy */
		diff_arm(d, t->id, d->cur + rnd_below(&d->rng, 100));
		break;
	case 1:
	case 2: /* (re-)arm another, possibly for the past */
		diff_arm(d, (int)rnd_below(&d->rng, DIFF_N), diff_expiry(d));
		break;
	case 3:
	case 4: /* cancel another, possibly one due this jiffy */
		diff_del(d, (int)rnd_below(&d->rng, DIFF_N));
		break;
	default:
		break;
	}
}

static void diff_run(struct diff *d, uint64_t now)
{
	uint64_t before = d->fired;
	unsigned ran;

	d->now = now;
	ran = timer_run(&d->base, now);
	CHECK_EQ(ran, d->fired - before);
	CHECK_EQ(model_next(d, now), -1);
	if (now >= d->clk)
		d->clk = now + 1;
	CHECK_EQ(d->base.clk, d->clk);
	d->cur = d->clk;
	d->ran++;
}

static void diff_check_next(struct diff *d)
{
	uint64_t next = timer_next_expiry(&d->base), first = UINT64_MAX;
	unsigned pending = 0;

	for (int i = 0; i < DIFF_N; i++) {
		if (!d->t[i].pending)
			continue;
		pending++;
		first = MIN(first, d->t[i].exp);
	}
	CHECK_EQ(d->base.pending, pending);
	CHECK(next <= first);
	if (!pending) {
		CHECK_EQ(next, UINT64_MAX);
		return;
	}
	CHECK(next >= d->base.clk);
	/* Early only for a cascade, which happens on a 256 boundary. */
	CHECK(next == first || next % TVR_SIZE == 0);
}

static void diff_init(struct diff *d, uint64_t seed, bool actions)
{
	d->rng = seed;
	d->seq = 0;
	d->clk = d->cur = rnd(&d->rng) >> 24;
	d->actions = actions;
	d->exact = false;
	d->fired = d->ran = 0;
	timer_base_init(&d->base, d->cur);
	for (int i = 0; i < DIFF_N; i++) {
		timer_setup(&d->base, &d->t[i].timer, diff_fire);
		d->t[i].d = d;
		d->t[i].id = i;
		d->t[i].pending = false;
	}
}

static void diff_random_ops(struct diff *d, unsigned ops)
{
	for (unsigned op = 0; op < ops; op++) {
		uint64_t r = rnd_below(&d->rng, 100), jump;
		int i = (int)rnd_below(&d->rng, DIFF_N);

		if (r < 45) {
			diff_arm(d, i, diff_expiry(d));
		} else if (r < 60) {
			diff_del(d, i);
		} else if (r < 70) {
			/* Step exactly to the next work, as an event loop. */
			uint64_t next = timer_next_expiry(&d->base);

			if (next != UINT64_MAX) {
				d->exact = true;
				diff_run(d, next);
				d->exact = false;
			}
		} else {
			switch (rnd_below(&d->rng, 20)) {
			case 0:
				jump = rnd_below(&d->rng, 1ULL << 34);
				break;
			case 1:
			case 2:
				jump = rnd_below(&d->rng, 1ULL << 26);
				break;
			case 3:
			case 4:
			case 5:
				jump = rnd_below(&d->rng, 1ULL << 18);
				break;
			default:
				jump = rnd_below(&d->rng, 600);
				break;
			}
			/* jump 0 asks for a jiffy already processed. */
			diff_run(d, d->clk - 1 + jump);
		}
		diff_check_next(d);
	}
}

TEST(randomized_operations_match_a_naive_model_exactly)
{
	static struct diff d;

	for (uint64_t seed = 1; seed <= 4; seed++) {
		diff_init(&d, seed, false);
		diff_random_ops(&d, 50000);
		CHECK(d.fired > 10000);
	}
}

TEST(randomized_timer_functions_that_arm_and_cancel_match_the_model)
{
	static struct diff d;

	for (uint64_t seed = 100; seed <= 103; seed++) {
		diff_init(&d, seed, true);
		diff_random_ops(&d, 50000);
		CHECK(d.fired > 10000);
	}
}

TEST(driving_only_by_timer_next_expiry_fires_every_timer_exactly_at_its_expiry)
{
	static struct diff d;

	for (uint64_t seed = 200; seed <= 203; seed++) {
		unsigned calls = 0;

		diff_init(&d, seed, seed & 1);
		for (int i = 0; i < DIFF_N; i++)
			diff_arm(&d, i, diff_expiry(&d));
		d.exact = true;
		while (d.base.pending) {
			diff_check_next(&d);
			diff_run(&d, timer_next_expiry(&d.base));
			CHECK(++calls < 100000);
		}
		CHECK(d.fired >= DIFF_N);
		for (int i = 0; i < DIFF_N; i++)
			CHECK(!d.t[i].pending);
	}
}
