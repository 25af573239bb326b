/* High-resolution timers (net/hrtimer.h): nanosecond expiry, earliest
 * first with equal expiries in arming order, cancelling any pending timer
 * wherever it sits in the heap, and what timer functions may do. A
 * seeded random walk checks the heap against a plain array. */
#include "net/hrtimer.h"

#include <string.h>

#include "test.h"

#define NT 512

struct rec {
	struct hrtimer t;
	unsigned id;
	uint64_t ran_at; /* the time passed to hrtimer_run when it ran */
	unsigned runs;
	uint64_t armed_seq; /* arming order in the model */
	bool armed;	    /* the model says queued */
	uint64_t expires;   /* the model's expiry */
};

static struct rec recs[NT];
static unsigned order[4 * NT], norder;
static uint64_t run_now;

static uint64_t rnd(uint64_t *s)
{
	/* splitmix64: seeded and reproducible */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static enum hrtimer_restart record(struct hrtimer *t)
{
	struct rec *r = container_of(t, struct rec, t);

	r->ran_at = run_now;
	r->runs++;
	if (norder < sizeof(order) / sizeof(order[0]))
		order[norder++] = r->id;
	return HRTIMER_NORESTART;
}

static void setup_all(struct hrtimer_base *base)
{
	memset(recs, 0, sizeof(recs));
	norder = 0;
	hrtimer_base_init(base);
	for (unsigned i = 0; i < NT; i++) {
		recs[i].id = i;
		hrtimer_setup(base, &recs[i].t, record);
	}
}

static unsigned run(struct hrtimer_base *base, uint64_t now)
{
	run_now = now;
	return hrtimer_run(base, now);
}

TEST(hrtimers_run_at_their_nanosecond_and_not_before)
{
	struct hrtimer_base base;

	setup_all(&base);
	CHECK_EQ(hrtimer_next_expiry(&base), UINT64_MAX);
	/* Three segments' times apart at 100 Mbit/s: 116 us each. */
	hrtimer_start(&recs[0].t, 116000);
	hrtimer_start(&recs[1].t, 232001);
	hrtimer_start(&recs[2].t, 348002);
	CHECK(hrtimer_is_queued(&recs[1].t));
	CHECK_EQ(base.pending, 3);
	CHECK_EQ(hrtimer_next_expiry(&base), 116000);
	CHECK_EQ(run(&base, 115999), 0);
	CHECK_EQ(run(&base, 116000), 1);
	CHECK_EQ(recs[0].ran_at, 116000);
	CHECK(!hrtimer_is_queued(&recs[0].t));
	CHECK_EQ(hrtimer_next_expiry(&base), 232001);
	CHECK_EQ(run(&base, 232000), 0);
	CHECK_EQ(run(&base, 1000000), 2);
	CHECK_EQ(recs[1].ran_at, 1000000);
	CHECK_EQ(recs[2].runs, 1);
	CHECK_EQ(base.pending, 0);
	CHECK_EQ(hrtimer_next_expiry(&base), UINT64_MAX);
}

TEST(hrtimers_due_together_run_earliest_first_and_equal_expiries_in_arming_order)
{
	struct hrtimer_base base;
	uint64_t s = 12;

	setup_all(&base);
	/* Few distinct expiries, so that many are equal; arm in id order. */
	for (unsigned i = 0; i < NT; i++)
		hrtimer_start(&recs[i].t, 1000 + rnd(&s) % 37);
	CHECK_EQ(run(&base, 2000), NT);
	CHECK_EQ(norder, NT);
	for (unsigned i = 1; i < NT; i++) {
		const struct hrtimer *a = &recs[order[i - 1]].t, *b = &recs[order[i]].t;
		CHECK(a->expires < b->expires ||
		      (a->expires == b->expires && order[i - 1] < order[i]));
	}
}

TEST(re_arming_a_pending_hrtimer_moves_it_behind_others_due_then)
{
	struct hrtimer_base base;

	setup_all(&base);
	hrtimer_start(&recs[0].t, 500);
	hrtimer_start(&recs[1].t, 500);
	hrtimer_start(&recs[0].t, 500);
	hrtimer_start(&recs[2].t, 9000);
	hrtimer_start(&recs[2].t, 400); /* earlier now */
	CHECK_EQ(base.pending, 3);
	CHECK_EQ(run(&base, 500), 3);
	CHECK_EQ(order[0], 2);
	CHECK_EQ(order[1], 1);
	CHECK_EQ(order[2], 0);
}

/* A random walk of arming, re-arming, cancelling and running, checked
 * step by step against an array: the heap's shape varies widely, so
 * cancels hit roots, first children, middle siblings and leaves. */
TEST(hrtimer_heap_matches_a_plain_array_through_a_random_walk_of_operations)
{
	struct hrtimer_base base;
	uint64_t s = 2024, now = 0, seq = 0;

	setup_all(&base);
	for (unsigned step = 0; step < 200000; step++) {
		uint64_t op = rnd(&s) % 10;
		struct rec *r = &recs[rnd(&s) % NT];
		if (op < 5) {
			uint64_t when = now + rnd(&s) % 5000;
			hrtimer_start(&r->t, when);
			r->armed = true;
			r->expires = when;
			r->armed_seq = seq++;
		} else if (op < 8) {
			CHECK_EQ(hrtimer_cancel(&r->t), r->armed);
			r->armed = false;
		} else {
			now += rnd(&s) % 800;
			/* What the model expects, in order: the armed and due,
			 * by (expires, arming order). */
			unsigned want[NT], nwant = 0;
			for (unsigned i = 0; i < NT; i++) {
				if (!recs[i].armed || recs[i].expires > now)
					continue;
				unsigned j = nwant++;
				while (j > 0 &&
				       (recs[want[j - 1]].expires > recs[i].expires ||
					(recs[want[j - 1]].expires == recs[i].expires &&
					 recs[want[j - 1]].armed_seq > recs[i].armed_seq))) {
					want[j] = want[j - 1];
					j--;
				}
				want[j] = i;
			}
			norder = 0;
			CHECK_EQ(run(&base, now), nwant);
			CHECK_EQ(norder, nwant);
			for (unsigned i = 0; i < nwant; i++) {
				CHECK_EQ(order[i], want[i]);
				recs[want[i]].armed = false;
			}
		}
		uint64_t next = UINT64_MAX;
		unsigned pending = 0;
		for (unsigned i = 0; i < NT; i++) {
			CHECK_EQ(hrtimer_is_queued(&recs[i].t), recs[i].armed);
			if (recs[i].armed) {
				pending++;
				next = recs[i].expires < next ? recs[i].expires : next;
			}
		}
		CHECK_EQ(base.pending, pending);
		CHECK_EQ(hrtimer_next_expiry(&base), next);
	}
}

/* ---- what timer functions may do -------------------------------------------*/

struct periodic {
	struct hrtimer t;
	uint64_t period;
	unsigned runs, limit;
};

static enum hrtimer_restart tick(struct hrtimer *t)
{
	struct periodic *p = container_of(t, struct periodic, t);

	if (++p->runs == p->limit)
		return HRTIMER_NORESTART;
	t->expires += p->period;
	return HRTIMER_RESTART;
}

TEST(an_hrtimer_that_returns_restart_runs_again_at_the_expiry_it_moved_to)
{
	struct hrtimer_base base;
	struct periodic p = {.period = 116000, .limit = 4};

	hrtimer_base_init(&base);
	hrtimer_setup(&base, &p.t, tick);
	hrtimer_start(&p.t, 116000);
	CHECK_EQ(hrtimer_run(&base, 116000), 1);
	CHECK(hrtimer_is_queued(&p.t));
	CHECK_EQ(hrtimer_next_expiry(&base), 232000);
	/* Two periods late: both due runs happen in one call. */
	CHECK_EQ(hrtimer_run(&base, 348000), 2);
	CHECK_EQ(hrtimer_next_expiry(&base), 464000);
	CHECK_EQ(hrtimer_run(&base, 464000), 1);
	CHECK_EQ(p.runs, 4);
	CHECK(!hrtimer_is_queued(&p.t));
	CHECK_EQ(base.pending, 0);
}

static struct hrtimer_base *cb_base;

static enum hrtimer_restart cancel_next_and_rearm_self(struct hrtimer *t)
{
	struct rec *r = container_of(t, struct rec, t);

	record(t);
	CHECK(cb_base->running == t);
	if (r->id == 0 && r->runs == 1) {
		/* Cancels timer 1 (due now too), and arms itself again for
		 * a time already reached: it runs again in this call. */
		CHECK(hrtimer_cancel(&recs[1].t));
		CHECK(!hrtimer_cancel(&recs[1].t));
		hrtimer_start(t, run_now);
	}
	return HRTIMER_NORESTART;
}

TEST(an_hrtimer_function_may_cancel_others_and_re_arm_itself_within_the_same_run)
{
	struct hrtimer_base base;

	setup_all(&base);
	cb_base = &base;
	for (unsigned i = 0; i < 3; i++)
		hrtimer_setup(&base, &recs[i].t, cancel_next_and_rearm_self);
	hrtimer_start(&recs[0].t, 10);
	hrtimer_start(&recs[1].t, 10);
	hrtimer_start(&recs[2].t, 10);
	CHECK_EQ(run(&base, 10), 3);
	CHECK_EQ(norder, 3);
	CHECK_EQ(order[0], 0);
	CHECK_EQ(order[1], 2);
	CHECK_EQ(order[2], 0);
	CHECK_EQ(recs[1].runs, 0);
	CHECK(base.running == NULL);
	CHECK_EQ(base.pending, 0);
}
