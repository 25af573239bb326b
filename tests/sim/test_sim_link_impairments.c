/* The simulated link's impairments, measured frame by frame: host a sends
 * numbered raw Ethernet frames (ethertype 0x88b5, a local experimental
 * type) and an rx handler on host b's device records each arrival before
 * the stack sees it. Fractions are checked over 100,000 frames against
 * the binomial standard deviation (5 sigma: the seed is fixed, so a run is
 * reproducible, and the bound is loose enough that a change of generator
 * would not make the test fragile). Counts that follow from the link's
 * rules (serialisation, queue limit, MTU, link state) are checked
 * exactly. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net/simnet.h"
#include "net/stack.h"
#include "net/wire.h"
#include "test.h"
#include "testnet.h"

#define US 1000ULL
#define MS 1000000ULL
#define SEC 1000000000ULL

#define N_PACKETS 100000u
#define ETH_P_TEST 0x88b5
#define SMALL_FRAME 64u /* Ethernet header, sequence number, pattern */
#define KEEP_BYTES 64u	/* bytes of each received frame kept */

/* One received frame. */
struct rx_rec {
	uint64_t when;
	uint32_t seq; /* as read from the frame (may be corrupted) */
	uint32_t len;
};

struct rx_log {
	const struct ut_sim *sim;
	struct rx_rec *recs;
	uint8_t *bytes; /* KEEP_BYTES per record, or NULL */
	size_t n, cap;
	size_t overflow;
};

struct lworld {
	struct ut_sim *sim;
	struct ut_stack *a, *b;
	struct ut_sim_link *link;
	struct net_device *tx, *rx;
	struct rx_log log;
	uint64_t *sent_at; /* by sequence number */
	uint32_t nsent;
};

static double sigma(double n, double p)
{
	return sqrt(n * p * (1.0 - p));
}

/* The frame with sequence number seq: Ethernet header from tx to rx,
 * the number (big endian), then a pattern that depends on seq. */
static void fill_frame(const struct lworld *w, uint8_t *buf, uint32_t seq, uint32_t len)
{
	wire_eth_emit(buf, w->rx->dev_addr, w->tx->dev_addr, ETH_P_TEST);
	put_be32(buf + ETH_HLEN, seq);
	for (uint32_t i = ETH_HLEN + 4; i < len; i++)
		buf[i] = (uint8_t)(seq * 131u + i * 7u + 1u);
}

static enum rx_handler_result rx_record(struct sk_buff *skb, void *data)
{
	struct rx_log *log = data;

	if (log->n < log->cap) {
		struct rx_rec *r = &log->recs[log->n];
		r->when = ut_sim_now(log->sim);
		r->len = skb->len;
		r->seq = skb->len >= ETH_HLEN + 4 ? get_be32(skb->data + ETH_HLEN) : UINT32_MAX;
		if (log->bytes) {
			uint8_t *b = log->bytes + log->n * KEEP_BYTES;
			memset(b, 0, KEEP_BYTES);
			memcpy(b, skb->data, skb->len < KEEP_BYTES ? skb->len : KEEP_BYTES);
		}
		log->n++;
	} else {
		log->overflow++;
	}
	kfree_skb(skb);
	return RX_HANDLER_CONSUMED;
}

/* Two hosts joined by one link with lp; b's device records what arrives.
 * Room for cap received frames and max_seq sent ones. */
static void lworld_make(struct lworld *w, uint64_t seed, const struct ut_link_params *lp,
			size_t cap, uint32_t max_seq, int keep_bytes)
{
	memset(w, 0, sizeof(*w));
	CHECK_EQ(ut_sim_create(seed, &w->sim), 0);
	CHECK_EQ(ut_sim_host_add(w->sim, "a", &w->a), 0);
	CHECK_EQ(ut_sim_host_add(w->sim, "b", &w->b), 0);
	CHECK_EQ(ut_sim_link_add(w->sim, w->a, w->b, lp, &w->link), 0);
	w->tx = netdev_from_ut(ut_sim_link_dev(w->link, 0));
	w->rx = netdev_from_ut(ut_sim_link_dev(w->link, 1));
	w->log.sim = w->sim;
	w->log.cap = cap;
	w->log.recs = calloc(cap, sizeof(*w->log.recs));
	CHECK(w->log.recs != NULL);
	if (keep_bytes) {
		w->log.bytes = calloc(cap, KEEP_BYTES);
		CHECK(w->log.bytes != NULL);
	}
	w->sent_at = calloc(max_seq, sizeof(*w->sent_at));
	CHECK(w->sent_at != NULL);
	w->rx->rx_handler = rx_record;
	w->rx->rx_handler_data = &w->log;
}

/* Queues frame seq of len bytes on a's device (not yet handed to the
 * link: netdev_flush_tx does that). */
static void queue_frame(struct lworld *w, uint32_t seq, uint32_t len)
{
	struct sk_buff *skb = stack_alloc_skb(w->a, len);
	CHECK(skb != NULL);
	fill_frame(w, skb_put(skb, len), seq, len);
	skb->dev = w->tx;
	w->sent_at[seq] = ut_sim_now(w->sim);
	dev_queue_xmit(skb);
	if (seq + 1 > w->nsent)
		w->nsent = seq + 1;
}

/* Sends one frame now. */
static void send_frame(struct lworld *w, uint32_t seq, uint32_t len)
{
	queue_frame(w, seq, len);
	netdev_flush_tx(w->tx);
}

/* Sends frames first..first+n-1, one every gap ns, then runs on for
 * drain ns. */
static void send_spaced(struct lworld *w, uint32_t first, uint32_t n, uint32_t len, uint64_t gap,
			uint64_t drain)
{
	for (uint32_t i = 0; i < n; i++) {
		send_frame(w, first + i, len);
		ut_sim_run_for(w->sim, gap);
	}
	ut_sim_run_for(w->sim, drain);
}

/* Sends frames first..first+n-1 at one instant. */
static void send_burst(struct lworld *w, uint32_t first, uint32_t n, uint32_t len)
{
	for (uint32_t i = 0; i < n; i++)
		queue_frame(w, first + i, len);
	netdev_flush_tx(w->tx);
}

/* Nothing may remain in the world's pool once everything was delivered. */
static void lworld_done(struct lworld *w)
{
	ut_sim_run_for(w->sim, 10 * SEC);
	CHECK_EQ(w->log.overflow, 0);
	CHECK_EQ(skb_pool_in_use(w->sim->pool), 0);
	ut_sim_destroy(w->sim);
	free(w->log.recs);
	free(w->log.bytes);
	free(w->sent_at);
	memset(w, 0, sizeof(*w));
}

static struct ut_link_stats link_stats(const struct lworld *w, int dir)
{
	struct ut_link_stats st;
	ut_sim_link_get_stats(w->link, dir, &st);
	return st;
}

/* Received records whose sequence number is below one already seen. */
static size_t count_inversions(const struct rx_log *log)
{
	size_t inv = 0;
	uint32_t max = 0;
	for (size_t i = 0; i < log->n; i++) {
		if (i > 0 && log->recs[i].seq < max)
			inv++;
		if (log->recs[i].seq > max)
			max = log->recs[i].seq;
	}
	return inv;
}

TEST(loss_drops_the_configured_fraction_of_100000_packets)
{
	static struct lworld w;
	struct ut_link_params lp;
	const double p = 0.10;

	ut_link_params_init(&lp);
	lp.loss = p;
	lp.delay_ns = 50 * US;
	lworld_make(&w, 101, &lp, N_PACKETS, N_PACKETS, 0);
	send_spaced(&w, 0, N_PACKETS, SMALL_FRAME, 10 * US, 10 * MS);

	struct ut_link_stats st = link_stats(&w, 0);
	CHECK_EQ(st.sent, N_PACKETS);
	CHECK_EQ(st.lost + st.delivered, N_PACKETS);
	CHECK_EQ(w.log.n, st.delivered);
	CHECK_EQ(st.bytes_delivered, (uint64_t)st.delivered * SMALL_FRAME);
	CHECK_EQ(st.duplicated + st.reordered + st.corrupted + st.queue_drops + st.mtu_drops +
			 st.down_drops,
		 0);
	CHECK_NEAR((double)st.lost, N_PACKETS * p, 5 * sigma(N_PACKETS, p));
	/* The survivors arrive once each, in order, after exactly the delay. */
	for (size_t i = 0; i < w.log.n; i++) {
		const struct rx_rec *r = &w.log.recs[i];
		CHECK(r->seq < N_PACKETS);
		CHECK(i == 0 || r->seq > w.log.recs[i - 1].seq);
		CHECK_EQ(r->when - w.sent_at[r->seq], lp.delay_ns);
	}
	/* Nothing went the other way. */
	CHECK_EQ(link_stats(&w, 1).sent, 0);
	lworld_done(&w);
}

TEST(duplication_delivers_the_configured_fraction_twice)
{
	static struct lworld w;
	struct ut_link_params lp;
	const double p = 0.05;
	uint8_t *copies;

	ut_link_params_init(&lp);
	lp.duplicate = p;
	lworld_make(&w, 202, &lp, 2 * N_PACKETS, N_PACKETS, 0);
	send_spaced(&w, 0, N_PACKETS, SMALL_FRAME, 10 * US, 10 * MS);

	struct ut_link_stats st = link_stats(&w, 0);
	CHECK_EQ(st.sent, N_PACKETS);
	CHECK_EQ(st.delivered, N_PACKETS + st.duplicated);
	CHECK_EQ(w.log.n, st.delivered);
	CHECK_NEAR((double)st.duplicated, N_PACKETS * p, 5 * sigma(N_PACKETS, p));

	copies = calloc(N_PACKETS, 1);
	CHECK(copies != NULL);
	for (size_t i = 0; i < w.log.n; i++) {
		const struct rx_rec *r = &w.log.recs[i];
		CHECK(r->seq < N_PACKETS);
		CHECK_EQ(r->len, SMALL_FRAME);
		copies[r->seq]++;
		/* The copy follows its original at once, at the same time. */
		if (copies[r->seq] == 2) {
			CHECK(i > 0);
			CHECK_EQ(w.log.recs[i - 1].seq, r->seq);
			CHECK_EQ(w.log.recs[i - 1].when, r->when);
		}
	}
	size_t once = 0, twice = 0;
	for (uint32_t s = 0; s < N_PACKETS; s++) {
		CHECK(copies[s] == 1 || copies[s] == 2);
		once += copies[s] == 1;
		twice += copies[s] == 2;
	}
	free(copies);
	CHECK_EQ(twice, st.duplicated);
	CHECK_EQ(once + twice, N_PACKETS);
	lworld_done(&w);
}

TEST(reordering_holds_back_the_configured_fraction_and_later_packets_pass_them)
{
	static struct lworld w;
	struct ut_link_params lp;
	const double p = 0.10;
	const uint64_t gap = 10 * US;

	ut_link_params_init(&lp);
	lp.reorder = p;
	lp.delay_ns = 100 * US;
	lp.reorder_delay_ns = 1 * MS; /* about 100 later frames pass each */
	lworld_make(&w, 303, &lp, N_PACKETS, N_PACKETS, 0);
	send_spaced(&w, 0, N_PACKETS, SMALL_FRAME, gap, 10 * MS);

	struct ut_link_stats st = link_stats(&w, 0);
	CHECK_EQ(st.sent, N_PACKETS);
	CHECK_EQ(st.delivered, N_PACKETS);
	CHECK_EQ(w.log.n, N_PACKETS);
	CHECK_NEAR((double)st.reordered, N_PACKETS * p, 5 * sigma(N_PACKETS, p));

	/* Each frame took either the delay or the delay plus the hold. */
	uint8_t *held = calloc(N_PACKETS, 1), *late = calloc(N_PACKETS, 1);
	CHECK(held != NULL && late != NULL);
	size_t nheld = 0;
	uint32_t max = 0;
	for (size_t i = 0; i < w.log.n; i++) {
		const struct rx_rec *r = &w.log.recs[i];
		uint64_t took = r->when - w.sent_at[r->seq];
		CHECK(took == lp.delay_ns || took == lp.delay_ns + lp.reorder_delay_ns);
		held[r->seq] = took != lp.delay_ns;
		nheld += held[r->seq];
		late[r->seq] = i > 0 && r->seq < max;
		if (r->seq > max)
			max = r->seq;
	}
	CHECK_EQ(nheld, st.reordered);
	/* A frame arrives after a later one exactly when it was held and a
	 * later frame that was not held was sent within the hold; frames not
	 * held never arrive late. */
	size_t mismatches = 0, nlate = 0;
	uint64_t next_unheld_sent = UINT64_MAX;
	for (uint32_t s = N_PACKETS; s-- > 0;) {
		int expect = held[s] && next_unheld_sent < w.sent_at[s] + lp.reorder_delay_ns;
		mismatches += expect != late[s];
		nlate += late[s];
		if (!held[s])
			next_unheld_sent = w.sent_at[s];
	}
	free(held);
	free(late);
	CHECK_EQ(mismatches, 0);
	CHECK_EQ(count_inversions(&w.log), nlate);
	CHECK_NEAR((double)nlate, N_PACKETS * p, 5 * sigma(N_PACKETS, p));
	lworld_done(&w);
}

static unsigned popcount8(uint8_t x)
{
	unsigned n = 0;
	for (; x; x &= (uint8_t)(x - 1))
		n++;
	return n;
}

TEST(corruption_flips_exactly_one_bit_in_the_configured_fraction)
{
	static struct lworld w;
	struct ut_link_params lp;
	const double p = 0.05;
	enum { HELD = 2000 };
	static struct sk_buff *kept[HELD];
	uint8_t want[SMALL_FRAME];

	ut_link_params_init(&lp);
	lp.corrupt = p;
	lp.delay_ns = 20 * US;
	lworld_make(&w, 404, &lp, N_PACKETS, N_PACKETS, 1);
	/* The sender keeps a clone of its first frames, as TCP keeps data
	 * for retransmission: corruption must not reach them. */
	for (uint32_t seq = 0; seq < N_PACKETS; seq++) {
		struct sk_buff *skb = stack_alloc_skb(w.a, SMALL_FRAME);
		CHECK(skb != NULL);
		fill_frame(&w, skb_put(skb, SMALL_FRAME), seq, SMALL_FRAME);
		skb->dev = w.tx;
		if (seq < HELD) {
			kept[seq] = skb_clone(skb);
			CHECK(kept[seq] != NULL);
		}
		w.sent_at[seq] = ut_sim_now(w.sim);
		dev_queue_xmit(skb);
		netdev_flush_tx(w.tx);
		ut_sim_run_for(w.sim, 10 * US);
	}
	ut_sim_run_for(w.sim, 10 * MS);

	struct ut_link_stats st = link_stats(&w, 0);
	CHECK_EQ(st.delivered, N_PACKETS);
	CHECK_EQ(w.log.n, N_PACKETS);
	CHECK_NEAR((double)st.corrupted, N_PACKETS * p, 5 * sigma(N_PACKETS, p));
	/* Nothing is lost or reordered, so the i-th arrival is frame i even
	 * when the flipped bit is in its sequence number. */
	size_t one_bit = 0, clean = 0, other = 0, in_header = 0;
	for (uint32_t i = 0; i < N_PACKETS; i++) {
		const uint8_t *got = w.log.bytes + (size_t)i * KEEP_BYTES;
		unsigned bits = 0, first = 0;
		CHECK_EQ(w.log.recs[i].len, SMALL_FRAME);
		fill_frame(&w, want, i, SMALL_FRAME);
		for (unsigned k = 0; k < SMALL_FRAME; k++) {
			unsigned d = popcount8((uint8_t)(got[k] ^ want[k]));
			if (d && !bits)
				first = k;
			bits += d;
		}
		if (bits == 0) {
			clean++;
		} else if (bits == 1) {
			one_bit++;
			in_header += first < ETH_HLEN;
		} else {
			other++;
		}
	}
	CHECK_EQ(other, 0);
	CHECK_EQ(one_bit, st.corrupted);
	CHECK_EQ(clean + one_bit, N_PACKETS);
	/* The bit is drawn over the whole frame: 14 of 64 bytes are header. */
	CHECK_NEAR((double)in_header, one_bit * (double)ETH_HLEN / SMALL_FRAME,
		   5 * sigma((double)one_bit, (double)ETH_HLEN / SMALL_FRAME));
	for (uint32_t seq = 0; seq < HELD; seq++) {
		fill_frame(&w, want, seq, SMALL_FRAME);
		CHECK_EQ(kept[seq]->len, SMALL_FRAME);
		CHECK_MEM_EQ(kept[seq]->data, want, SMALL_FRAME);
		kfree_skb(kept[seq]);
		kept[seq] = NULL;
	}
	lworld_done(&w);
}

/* Delay and jitter statistics of one run: every frame's transit time must
 * lie in [delay - jitter, delay + jitter] and arrivals keep sending order. */
struct transit {
	uint64_t min, max;
	double mean, var;
};

static struct transit check_transit(const struct lworld *w, const struct ut_link_params *lp)
{
	struct transit t = {UINT64_MAX, 0, 0.0, 0.0};
	double sum = 0.0, sum2 = 0.0;

	CHECK_EQ(w->log.n, w->nsent);
	for (size_t i = 0; i < w->log.n; i++) {
		const struct rx_rec *r = &w->log.recs[i];
		CHECK_EQ(r->seq, i);
		CHECK(i == 0 || r->when >= w->log.recs[i - 1].when);
		uint64_t took = r->when - w->sent_at[r->seq];
		CHECK(took >= lp->delay_ns - lp->jitter_ns);
		CHECK(took <= lp->delay_ns + lp->jitter_ns);
		if (took < t.min)
			t.min = took;
		if (took > t.max)
			t.max = took;
		double d = (double)took - (double)lp->delay_ns;
		sum += d;
		sum2 += d * d;
	}
	t.mean = (double)lp->delay_ns + sum / (double)w->log.n;
	t.var = sum2 / (double)w->log.n - (sum / (double)w->log.n) * (sum / (double)w->log.n);
	CHECK_EQ(count_inversions(&w->log), 0);
	return t;
}

TEST(delay_and_jitter_keep_every_packet_within_bounds_and_in_order)
{
	static struct lworld w;
	struct ut_link_params lp;
	struct transit t;

	/* Frames 10 us apart with +-4 us of jitter never catch up with each
	 * other: the transit time is the delay plus a uniform offset. */
	ut_link_params_init(&lp);
	lp.delay_ns = 1 * MS;
	lp.jitter_ns = 4 * US;
	lworld_make(&w, 505, &lp, N_PACKETS, N_PACKETS, 0);
	send_spaced(&w, 0, N_PACKETS, SMALL_FRAME, 10 * US, 10 * MS);
	t = check_transit(&w, &lp);
	double j = (double)lp.jitter_ns;
	double uvar = j * (j + 1) / 3; /* uniform on -J..J */
	CHECK_NEAR(t.mean, (double)lp.delay_ns, 5 * sqrt(uvar / N_PACKETS));
	/* The sample variance of a uniform law has a standard deviation of
	 * sqrt(4/5) var / sqrt(n): 0.3% here, so 2% is well over 5 sigma. */
	CHECK_NEAR(t.var, uvar, 0.02 * uvar);
	CHECK(t.min < lp.delay_ns - lp.jitter_ns + lp.jitter_ns / 10);
	CHECK(t.max > lp.delay_ns + lp.jitter_ns - lp.jitter_ns / 10);
	lworld_done(&w);

	/* With jitter far wider than the gap, frames would pass each other;
	 * the wire keeps them in order, which only ever delays a frame to
	 * its predecessor's arrival: still inside the bounds, later on
	 * average (and short transit times become rare). */
	ut_link_params_init(&lp);
	lp.delay_ns = 1 * MS;
	lp.jitter_ns = 200 * US;
	lworld_make(&w, 506, &lp, N_PACKETS, N_PACKETS, 0);
	send_spaced(&w, 0, N_PACKETS, SMALL_FRAME, 10 * US, 10 * MS);
	t = check_transit(&w, &lp);
	CHECK(t.mean > (double)lp.delay_ns + (double)lp.jitter_ns / 2);
	CHECK(t.max > lp.delay_ns + lp.jitter_ns - lp.jitter_ns / 10);
	lworld_done(&w);

	/* Jitter larger than the delay: a transit time is never negative. */
	ut_link_params_init(&lp);
	lp.delay_ns = 10 * US;
	lp.jitter_ns = 50 * US;
	lworld_make(&w, 507, &lp, 10000, 10000, 0);
	send_spaced(&w, 0, 10000, SMALL_FRAME, 200 * US, 10 * MS);
	for (size_t i = 0; i < w.log.n; i++) {
		const struct rx_rec *r = &w.log.recs[i];
		CHECK_EQ(r->seq, i);
		CHECK(r->when >= w.sent_at[r->seq]);
		CHECK(r->when <= w.sent_at[r->seq] + lp.delay_ns + lp.jitter_ns);
	}
	CHECK_EQ(w.log.n, 10000);
	lworld_done(&w);
}

TEST(rate_limit_serialises_packets_at_the_configured_bits_per_second)
{
	static struct lworld w;
	struct ut_link_params lp;
	const uint32_t len = 1000, burst = 500;
	const uint64_t ser = (uint64_t)len * 8 * SEC / (10 * 1000 * 1000); /* 800 us */

	ut_link_params_init(&lp);
	lp.rate_bps = 10 * 1000 * 1000;
	lp.delay_ns = 2 * MS;
	lworld_make(&w, 606, &lp, 2 * burst, 2 * burst, 0);
	CHECK_EQ(ser, 800 * US);

	ut_sim_run_for(w.sim, 1 * MS);
	uint64_t t0 = ut_sim_now(w.sim);
	send_burst(&w, 0, burst, len);
	ut_sim_run_for(w.sim, SEC);
	CHECK_EQ(w.log.n, burst);
	/* Frame i finishes serialising (i + 1) frame times after the burst
	 * and arrives one delay later. */
	for (uint32_t i = 0; i < burst; i++) {
		CHECK_EQ(w.log.recs[i].seq, i);
		CHECK_EQ(w.log.recs[i].when, t0 + (i + 1) * ser + lp.delay_ns);
		if (i > 0)
			CHECK_EQ(w.log.recs[i].when - w.log.recs[i - 1].when, ser);
	}
	/* Throughput over the burst is the configured rate. */
	struct ut_link_stats st = link_stats(&w, 0);
	uint64_t span = w.log.recs[burst - 1].when - lp.delay_ns - t0;
	CHECK_EQ(st.bytes_delivered, (uint64_t)burst * len);
	CHECK_EQ(st.bytes_delivered * 8 * SEC / span, lp.rate_bps);
	CHECK_EQ(st.queue_drops, 0);

	/* An idle wire starts the next frame at once, not behind the old
	 * schedule; a frame sent while one is on the wire waits for it. */
	uint64_t t1 = ut_sim_now(w.sim);
	send_frame(&w, burst, len);
	ut_sim_run_for(w.sim, ser / 2);
	send_frame(&w, burst + 1, len);
	ut_sim_run_for(w.sim, SEC);
	CHECK_EQ(w.log.n, burst + 2);
	CHECK_EQ(w.log.recs[burst].when, t1 + ser + lp.delay_ns);
	CHECK_EQ(w.log.recs[burst + 1].when, t1 + 2 * ser + lp.delay_ns);

	/* Rates that do not divide the frame's bits round each frame's
	 * serialisation up to the next ns. */
	lp.rate_bps = 3 * 1000 * 1000;
	CHECK_EQ(ut_sim_link_set_params(w.link, 0, &lp), 0);
	uint64_t t2 = ut_sim_now(w.sim);
	send_burst(&w, burst + 2, 3, len);
	ut_sim_run_for(w.sim, SEC);
	CHECK_EQ(w.log.n, burst + 5);
	for (uint32_t i = 0; i < 3; i++)
		CHECK_EQ(w.log.recs[burst + 2 + i].when, t2 + (i + 1) * 2666667ULL + lp.delay_ns);
	lworld_done(&w);
}

TEST(queue_limit_tail_drops_when_more_frames_wait_than_allowed)
{
	static struct lworld w;
	struct ut_link_params lp;
	const uint32_t len = 1000, limit = 100, burst = 250;
	const uint64_t ser = 8 * MS; /* 1000 bytes at 1 Mbit/s */

	ut_link_params_init(&lp);
	lp.rate_bps = 1000 * 1000;
	lp.queue_limit = limit;
	lworld_make(&w, 707, &lp, 1000, 1000, 0);

	/* The frame on the wire counts: the first limit frames of the burst
	 * are taken, every later one is dropped at the tail. */
	uint64_t t0 = ut_sim_now(w.sim);
	send_burst(&w, 0, burst, len);
	struct ut_link_stats st = link_stats(&w, 0);
	CHECK_EQ(st.sent, burst);
	CHECK_EQ(st.queue_drops, burst - limit);

	/* Ten serialisation times later exactly ten frames have left, so
	 * ten of twenty new frames find room. */
	ut_sim_run_until(w.sim, t0 + 10 * ser);
	CHECK_EQ(w.log.n, 10);
	send_burst(&w, burst, 20, len);
	st = link_stats(&w, 0);
	CHECK_EQ(st.queue_drops, burst - limit + 10);

	ut_sim_run_for(w.sim, 2 * SEC);
	st = link_stats(&w, 0);
	CHECK_EQ(st.delivered, limit + 10);
	CHECK_EQ(w.log.n, limit + 10);
	for (uint32_t i = 0; i < w.log.n; i++) {
		uint32_t want = i < limit ? i : burst + (i - limit);
		CHECK_EQ(w.log.recs[i].seq, want);
		CHECK_EQ(w.log.recs[i].when, t0 + (i + 1) * ser);
	}

	/* A drained queue takes a full burst again. */
	send_burst(&w, 300, limit, len);
	ut_sim_run_for(w.sim, 2 * SEC);
	st = link_stats(&w, 0);
	CHECK_EQ(st.queue_drops, burst - limit + 10);
	CHECK_EQ(w.log.n, 2 * limit + 10);
	lworld_done(&w);
}

TEST(frames_larger_than_the_link_mtu_are_dropped)
{
	static struct lworld w;
	struct ut_link_params lp;

	ut_link_params_init(&lp);
	lworld_make(&w, 808, &lp, 100, 100, 0);
	CHECK_EQ(ut_dev_mtu(netdev_to_ut(w.tx)), 1500);
	/* The MTU bounds the IP packet: the frame may add its 14-byte header. */
	send_frame(&w, 0, 1500 + ETH_HLEN);
	send_frame(&w, 1, 1500 + ETH_HLEN + 1);
	send_frame(&w, 2, 60);
	send_frame(&w, 3, 4000);
	ut_sim_run_for(w.sim, MS);
	struct ut_link_stats st = link_stats(&w, 0);
	CHECK_EQ(st.sent, 4);
	CHECK_EQ(st.mtu_drops, 2);
	CHECK_EQ(st.delivered, 2);
	CHECK_EQ(w.log.n, 2);
	CHECK_EQ(w.log.recs[0].seq, 0);
	CHECK_EQ(w.log.recs[0].len, 1514);
	CHECK_EQ(w.log.recs[1].seq, 2);

	/* A smaller MTU applies to the link and both its devices. */
	lp.mtu = 576;
	CHECK_EQ(ut_sim_link_set_params(w.link, -1, &lp), 0);
	CHECK_EQ(ut_dev_mtu(netdev_to_ut(w.tx)), 576);
	CHECK_EQ(ut_dev_mtu(netdev_to_ut(w.rx)), 576);
	send_frame(&w, 4, 576 + ETH_HLEN);
	send_frame(&w, 5, 576 + ETH_HLEN + 1);
	send_frame(&w, 6, 1514);
	ut_sim_run_for(w.sim, MS);
	st = link_stats(&w, 0);
	CHECK_EQ(st.mtu_drops, 4);
	CHECK_EQ(w.log.n, 3);
	CHECK_EQ(w.log.recs[2].seq, 4);
	CHECK_EQ(w.log.recs[2].len, 590);
	/* Out-of-range MTUs are refused. */
	lp.mtu = 67;
	CHECK_EQ(ut_sim_link_set_params(w.link, -1, &lp), -EINVAL);
	lworld_done(&w);
}

TEST(a_link_taken_down_drops_frames_in_flight_and_new_ones_and_carries_again_when_up)
{
	static struct lworld w;
	struct ut_link_params lp;
	struct ut_link_stats st;

	ut_link_params_init(&lp);
	lp.delay_ns = 10 * MS;
	lworld_make(&w, 909, &lp, 100, 100, 0);

	/* Ten frames on the wire, then the link goes down under them. */
	send_spaced(&w, 0, 10, SMALL_FRAME, 100 * US, 0);
	ut_sim_link_set_up(w.link, false);
	send_spaced(&w, 10, 10, SMALL_FRAME, 100 * US, 0);
	ut_sim_run_for(w.sim, 50 * MS);
	st = link_stats(&w, 0);
	CHECK_EQ(st.sent, 20);
	CHECK_EQ(st.down_drops, 20);
	CHECK_EQ(st.delivered, 0);
	CHECK_EQ(w.log.n, 0);

	/* Up again: it carries. */
	ut_sim_link_set_up(w.link, true);
	send_spaced(&w, 20, 10, SMALL_FRAME, 100 * US, 50 * MS);
	st = link_stats(&w, 0);
	CHECK_EQ(st.delivered, 10);
	CHECK_EQ(w.log.n, 10);
	for (uint32_t i = 0; i < 10; i++) {
		CHECK_EQ(w.log.recs[i].seq, 20 + i);
		CHECK_EQ(w.log.recs[i].when, w.sent_at[20 + i] + lp.delay_ns);
	}

	/* A flap shorter than the delay still loses what was in flight. */
	send_spaced(&w, 30, 10, SMALL_FRAME, 100 * US, 0);
	ut_sim_link_set_up(w.link, false);
	ut_sim_link_set_up(w.link, true);
	send_spaced(&w, 40, 10, SMALL_FRAME, 100 * US, 50 * MS);
	st = link_stats(&w, 0);
	CHECK_EQ(st.down_drops, 30);
	CHECK_EQ(st.delivered, 20);
	CHECK_EQ(w.log.n, 20);
	for (uint32_t i = 10; i < 20; i++)
		CHECK_EQ(w.log.recs[i].seq, 30 + i);

	/* On a slow link, frames still waiting for the wire are in flight
	 * too: after a flap the wire is free at once. */
	lp.rate_bps = 1000 * 1000; /* 64-byte frame: 512 us */
	CHECK_EQ(ut_sim_link_set_params(w.link, 0, &lp), 0);
	send_burst(&w, 50, 10, SMALL_FRAME);
	ut_sim_run_for(w.sim, 1 * MS);
	ut_sim_link_set_up(w.link, false);
	ut_sim_link_set_up(w.link, true);
	uint64_t t = ut_sim_now(w.sim);
	send_frame(&w, 60, SMALL_FRAME);
	ut_sim_run_for(w.sim, 100 * MS);
	st = link_stats(&w, 0);
	CHECK_EQ(st.down_drops, 40);
	CHECK_EQ(w.log.n, 21);
	CHECK_EQ(w.log.recs[20].seq, 60);
	CHECK_EQ(w.log.recs[20].when, t + 512 * US + lp.delay_ns);
	lworld_done(&w);
}

static bool count_iterations(void *arg)
{
	(*(unsigned long *)arg)++;
	return false;
}

TEST(a_simulated_hour_of_idle_time_passes_without_work)
{
	static struct lworld w;
	struct ut_link_params lp;
	struct ut_neigh_info ni;
	unsigned long iterations = 0;

	ut_link_params_init(&lp);
	lp.delay_ns = 1 * MS;
	lworld_make(&w, 1001, &lp, 100, 1, 0);

	/* Nothing scheduled: the hour passes in one step. */
	CHECK_EQ(ut_sim_run_until_cond(w.sim, count_iterations, &iterations, 3600 * SEC),
		 -ETIMEDOUT);
	CHECK_EQ(ut_sim_now(w.sim), 3600 * SEC);
	CHECK(iterations <= 2);

	/* A resolution that can never succeed: a few solicitations a second
	 * apart, then only the cache's own housekeeping, a few per minute. */
	CHECK_EQ(ut_addr_add(w.a, netdev_to_ut(w.tx), ipaddr("10.0.0.1"), 24), 0);
	CHECK_EQ(ut_neigh_resolve(w.a, ipaddr("10.0.0.99")), 0);
	iterations = 0;
	ut_sim_run_for(w.sim, 0);
	CHECK_EQ(ut_sim_run_until_cond(w.sim, count_iterations, &iterations, 7200 * SEC),
		 -ETIMEDOUT);
	CHECK_EQ(ut_sim_now(w.sim), 7200 * SEC);
	CHECK(iterations < 1000);
	struct ut_link_stats st = link_stats(&w, 0);
	CHECK_EQ(st.sent, 3); /* net.ipv4.neigh.default.mcast_solicit */
	CHECK_EQ(w.log.n, 3);
	CHECK(ut_neigh_get(w.a, ipaddr("10.0.0.99"), &ni) == -ENOENT ||
	      strcmp(ni.state, "FAILED") == 0);

	/* And the world still works after the hour. */
	ut_sim_run_for(w.sim, 3600 * SEC);
	CHECK_EQ(ut_sim_now(w.sim), 10800 * SEC);
	lworld_done(&w);
}

/* ---- ECN marking (netem's ecn, a step marker) ----------------------------*/

#define IP_FRAME 64u /* Ethernet, IPv4 header, sequence number, padding */

/* An IPv4 packet (protocol 253, for experiments) with the given TOS byte,
 * its sequence number right after the IP header. */
static struct sk_buff *ip_frame(struct lworld *w, uint32_t seq, uint8_t tos)
{
	struct sk_buff *skb = stack_alloc_skb(w->a, IP_FRAME);
	uint8_t *f, *iph;

	CHECK(skb != NULL);
	f = skb_put(skb, IP_FRAME);
	memset(f, 0, IP_FRAME);
	wire_eth_emit(f, w->rx->dev_addr, w->tx->dev_addr, ETH_P_IP);
	iph = f + ETH_HLEN;
	iph[0] = 0x45;
	iph[1] = tos;
	put_be16(iph + 2, IP_FRAME - ETH_HLEN);
	iph[8] = 64;
	iph[9] = 253;
	put_be32(iph + 12, ip4("10.0.0.1"));
	put_be32(iph + 16, ip4("10.0.0.2"));
	put_be16(iph + 10, csum_fold(csum_partial(iph, IPV4_HLEN_MIN, 0)));
	put_be32(iph + IPV4_HLEN_MIN, seq);
	skb->dev = w->tx;
	w->sent_at[seq] = ut_sim_now(w->sim);
	return skb;
}

/* The TOS byte of received frame i, its IPv4 header checked. */
static uint8_t rx_tos(const struct lworld *w, size_t i, uint32_t *seq)
{
	const uint8_t *iph = w->log.bytes + i * KEEP_BYTES + ETH_HLEN;

	CHECK_EQ(csum_fold(csum_partial(iph, IPV4_HLEN_MIN, 0)), 0);
	*seq = get_be32(iph + IPV4_HLEN_MIN);
	return iph[1];
}

/* netem's `ecn`: of the frames loss picks, the ECN-capable ones go on
 * marked CE (their header checksum mended) and only the others are
 * dropped; the sender's clone keeps its clean header. */
TEST(ecn_marks_ect_packets_ce_where_loss_would_drop_them)
{
	static struct lworld w;
	struct ut_link_params lp;
	const double p = 0.10;
	enum { N = 20000, HELD = 1000 };
	static struct sk_buff *kept[HELD];

	ut_link_params_init(&lp);
	lp.loss = p;
	lp.ecn = true;
	lp.delay_ns = 20 * US;
	lworld_make(&w, 505, &lp, N, N, 1);
	/* even frames ECT(0), odd ones Not-ECT */
	for (uint32_t seq = 0; seq < N; seq++) {
		struct sk_buff *skb = ip_frame(&w, seq, seq % 2 ? 0x10 : 0x10 | 2);
		if (seq < HELD) {
			kept[seq] = skb_clone(skb);
			CHECK(kept[seq] != NULL);
		}
		dev_queue_xmit(skb);
		netdev_flush_tx(w.tx);
		ut_sim_run_for(w.sim, 10 * US);
	}
	ut_sim_run_for(w.sim, 10 * MS);

	struct ut_link_stats st = link_stats(&w, 0);
	CHECK_NEAR((double)st.lost, N / 2 * p, 5 * sigma(N / 2, p));
	CHECK_NEAR((double)st.ce_marked, N / 2 * p, 5 * sigma(N / 2, p));
	CHECK_EQ(st.delivered, N - st.lost);
	size_t ect = 0, ce = 0;
	for (size_t i = 0; i < w.log.n; i++) {
		uint32_t seq;
		uint8_t tos = rx_tos(&w, i, &seq);
		CHECK_EQ(tos & ~3, 0x10);
		if (seq % 2) {
			CHECK_EQ(tos & 3, 0);
			continue;
		}
		ect++;
		ce += (tos & 3) == 3;
		CHECK((tos & 3) == 2 || (tos & 3) == 3);
	}
	CHECK_EQ(ect, N / 2); /* every ECN-capable frame arrived */
	CHECK_EQ(ce, st.ce_marked);
	for (uint32_t seq = 0; seq < HELD; seq++) {
		CHECK_EQ(kept[seq]->data[ETH_HLEN + 1], seq % 2 ? 0x10 : 0x12);
		kfree_skb(kept[seq]);
		kept[seq] = NULL;
	}
	lworld_done(&w);
}

/* A step marker (ce_threshold, DCTCP's K): an ECN-capable frame that finds
 * more than K frames waiting for the wire is marked CE; below K, and for
 * Not-ECT frames, nothing changes. Without ecn, loss still drops. */
TEST(a_ce_threshold_marks_ect_frames_that_find_a_long_queue)
{
	static struct lworld w;
	struct ut_link_params lp;
	const uint32_t k = 10, burst = 30;

	ut_link_params_init(&lp);
	lp.rate_bps = 1000 * 1000;
	lp.ce_threshold = k;
	lworld_make(&w, 606, &lp, 100, 100, 1);
	/* every fifth frame Not-ECT; frame i finds i frames queued */
	for (uint32_t i = 0; i < burst; i++)
		dev_queue_xmit(ip_frame(&w, i, i % 5 == 4 ? 0 : 2));
	netdev_flush_tx(w.tx);
	ut_sim_run_for(w.sim, 2 * SEC);

	struct ut_link_stats st = link_stats(&w, 0);
	CHECK_EQ(w.log.n, burst);
	unsigned marked = 0;
	for (uint32_t i = 0; i < burst; i++) {
		uint32_t seq;
		uint8_t tos = rx_tos(&w, i, &seq);
		CHECK_EQ(seq, i);
		if (i % 5 == 4)
			CHECK_EQ(tos, 0);
		else
			CHECK_EQ(tos, i > k ? 3 : 2);
		marked += tos == 3;
	}
	CHECK_EQ(marked, 15); /* 11..29 less 14, 19, 24, 29 */
	CHECK_EQ(st.ce_marked, marked);
	CHECK_EQ(st.lost + st.queue_drops, 0);
	lworld_done(&w);
}

TEST(queue_statistics_integrate_the_queue_over_virtual_time)
{
	static struct lworld w;
	struct ut_link_params lp;
	const uint32_t len = 1000, burst = 10;
	const uint64_t ser = 8 * MS; /* 1000 bytes at 1 Mbit/s */

	ut_link_params_init(&lp);
	lp.rate_bps = 1000 * 1000;
	lworld_make(&w, 808, &lp, 100, 100, 0);

	struct ut_link_stats before = link_stats(&w, 0);
	uint64_t t0 = ut_sim_now(w.sim);
	CHECK_EQ(before.queue_len, 0);
	CHECK_EQ(before.queue_time_ns, t0);
	send_burst(&w, 0, burst, len);

	/* Halfway through the first frame's serialisation all ten wait (the
	 * one on the wire counts, as for queue_limit). Reading twice changes
	 * nothing: stats are a pure read. */
	ut_sim_run_until(w.sim, t0 + ser / 2);
	struct ut_link_stats mid = link_stats(&w, 0);
	CHECK_EQ(mid.queue_len, burst);
	CHECK_EQ(mid.queue_bytes, (uint64_t)burst * len);
	CHECK_EQ(mid.queue_max, burst);
	CHECK_EQ(mid.queue_bytes_max, (uint64_t)burst * len);
	CHECK_EQ(mid.queue_time_ns, t0 + ser / 2);
	CHECK_EQ(mid.queue_integral - before.queue_integral, burst * (ser / 2));
	struct ut_link_stats again = link_stats(&w, 0);
	CHECK_EQ(again.queue_integral, mid.queue_integral);
	CHECK_EQ(again.queue_len, mid.queue_len);

	/* After 3.5 frame times, 7 remain; the queue stepped 10, 9, 8, 7. */
	ut_sim_run_until(w.sim, t0 + 3 * ser + ser / 2);
	struct ut_link_stats part = link_stats(&w, 0);
	CHECK_EQ(part.queue_len, 7);
	CHECK_EQ(part.queue_bytes, 7 * len);
	CHECK_EQ(part.queue_integral - before.queue_integral, (10 + 9 + 8) * ser + 7 * (ser / 2));

	/* Drained, the queue stood 10, 9 ... 1 for one frame time each (a
	 * mean of 5.5 frames over the burst), and idle time adds nothing. */
	ut_sim_run_for(w.sim, 2 * SEC);
	struct ut_link_stats after = link_stats(&w, 0);
	CHECK_EQ(after.queue_len, 0);
	CHECK_EQ(after.queue_bytes, 0);
	CHECK_EQ(after.queue_max, burst);
	CHECK_EQ(after.queue_integral - before.queue_integral, 55 * ser);
	CHECK_EQ(after.queue_bytes_integral - before.queue_bytes_integral, 55 * ser * len);
	CHECK_EQ(after.queue_time_ns, ut_sim_now(w.sim));
	/* The other direction carried nothing. */
	CHECK_EQ(link_stats(&w, 1).queue_max, 0);
	CHECK_EQ(link_stats(&w, 1).queue_integral, 0);

	/* A link taken down empties its queue: the integral stops growing. */
	send_burst(&w, burst, burst, len);
	ut_sim_run_for(w.sim, ser);
	ut_sim_link_set_up(w.link, false);
	struct ut_link_stats down = link_stats(&w, 0);
	CHECK_EQ(down.queue_len, 0);
	CHECK_EQ(down.queue_integral - after.queue_integral, burst * ser);
	ut_sim_run_for(w.sim, SEC);
	CHECK_EQ(link_stats(&w, 0).queue_integral, down.queue_integral);
	ut_sim_link_set_up(w.link, true);
	lworld_done(&w);
}
