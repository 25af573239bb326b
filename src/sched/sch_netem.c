/* Network emulation, as Linux's netem qdisc orders its steps:
 *   1. loss                  dropped (lost); with `ecn`, an ECN-capable
 *                            packet is marked CE instead (ce_marked)
 *   2. duplication           a clone follows the original
 *   3. corruption            one random bit flipped (copy-on-write, since
 *                            the sender may still hold the data for
 *                            retransmission)
 *   4. queue and rate        waits for the wire behind earlier frames; a
 *                            full queue (queue_limit) drops at the tail;
 *                            an ECN-capable packet finding more than
 *                            ce_threshold frames waiting is marked CE
 *   5. delay and jitter      due = end of serialisation + delay +- jitter,
 *                            never before the previous frame's
 *   6. reordering            a reordered frame is held reorder_delay_ns
 *                            longer and later frames may pass it
 * A simulated link puts the result on the world's event queue; a device's
 * impairment (ut_dev_set_netem) keeps it in a heap ordered by due time. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net/fault.h"
#include "net/inet_ecn.h"
#include "net/netem.h"
#include "net/stack.h"
#include "net/virtio_net.h"

#define NETEM_DEFAULT_QUEUE_LIMIT 1000
#define NETEM_DEFAULT_REORDER_DELAY (1 * NSEC_PER_MSEC)
/* Room for held frames in a device impairment's first allocation; it
 * doubles as needed, up to NETEM_QDISC_MAX_FRAMES. */
#define NETEM_QDISC_FIRST 64

UT_EXPORT void ut_link_params_init(struct ut_link_params *p)
{
	memset(p, 0, sizeof(*p));
	p->mtu = 1500;
	p->queue_limit = NETEM_DEFAULT_QUEUE_LIMIT;
	p->reorder_delay_ns = NETEM_DEFAULT_REORDER_DELAY;
}

static bool prob_ok(double p)
{
	return p >= 0.0 && p <= 1.0 && !isnan(p);
}

int netem_params_check(const struct ut_link_params *p)
{
	if (!prob_ok(p->loss) || !prob_ok(p->duplicate) || !prob_ok(p->reorder) ||
	    !prob_ok(p->corrupt) || p->mtu < IPV4_MIN_MTU || p->mtu > IP_MAXPACKET ||
	    p->queue_limit == 0 || p->queue_limit > NETEM_QDISC_MAX_FRAMES)
		return -EINVAL;
	return 0;
}

int netem_dir_init(struct netem_dir *d, const struct ut_link_params *p, uint64_t seed)
{
	memset(d, 0, sizeof(*d));
	d->params = *p;
	prandom_seed(&d->rng, seed);
	d->dep_cap = p->queue_limit + 1;
	d->departures = ut_calloc(d->dep_cap, sizeof(*d->departures));
	d->dep_len = ut_calloc(d->dep_cap, sizeof(*d->dep_len));
	if (!d->departures || !d->dep_len) {
		netem_dir_free(d);
		return -ENOMEM;
	}
	return 0;
}

int netem_dir_set_params(struct netem_dir *d, const struct ut_link_params *p)
{
	if (p->queue_limit + 1 > d->dep_cap) {
		/* Re-pack the ring of departures into a larger one. */
		uint64_t *n = ut_calloc(p->queue_limit + 1, sizeof(*n));
		uint32_t *nl = ut_calloc(p->queue_limit + 1, sizeof(*nl));
		if (!n || !nl) {
			free(n);
			free(nl);
			return -ENOMEM;
		}
		for (unsigned i = 0; i < d->dep_count; i++) {
			n[i] = d->departures[(d->dep_head + i) % d->dep_cap];
			nl[i] = d->dep_len[(d->dep_head + i) % d->dep_cap];
		}
		free(d->departures);
		free(d->dep_len);
		d->departures = n;
		d->dep_len = nl;
		d->dep_head = 0;
		d->dep_cap = p->queue_limit + 1;
	}
	d->params = *p;
	return 0;
}

/* Brings the queue's accounting (length, maxima, time integrals) from
 * q_stamp up to now in st, popping from the ring the frames whose
 * serialisation has ended by then when pop is set. The queue only shrinks
 * between enqueues, at each departure, so the integral is exact. */
static void queue_account(const struct netem_dir *d, uint64_t now, struct ut_link_stats *st,
			  unsigned *head, unsigned *count)
{
	uint64_t t = d->q_stamp;

	while (*count && d->departures[*head] <= now) {
		uint64_t dep = MAX(d->departures[*head], t);
		st->queue_integral += st->queue_len * (dep - t);
		st->queue_bytes_integral += st->queue_bytes * (dep - t);
		t = dep;
		st->queue_len--;
		st->queue_bytes -= d->dep_len[*head];
		*head = (*head + 1) % d->dep_cap;
		(*count)--;
	}
	if (now > t) {
		st->queue_integral += st->queue_len * (now - t);
		st->queue_bytes_integral += st->queue_bytes * (now - t);
		t = now;
	}
	st->queue_time_ns = t;
}

void netem_dir_get_stats(const struct netem_dir *d, uint64_t now, struct ut_link_stats *st)
{
	unsigned head = d->dep_head, count = d->dep_count;

	*st = d->stats;
	queue_account(d, now, st, &head, &count);
}

void netem_dir_reset(struct netem_dir *d, uint64_t now)
{
	queue_account(d, now, &d->stats, &d->dep_head, &d->dep_count);
	d->q_stamp = d->stats.queue_time_ns;
	d->stats.queue_len = 0;
	d->stats.queue_bytes = 0;
	d->busy_until = 0;
	d->last_arrival = 0;
	d->dep_head = 0;
	d->dep_count = 0;
}

void netem_dir_free(struct netem_dir *d)
{
	free(d->departures);
	free(d->dep_len);
	d->departures = NULL;
	d->dep_len = NULL;
}

static bool chance(struct netem_dir *d, double p)
{
	return p > 0.0 && prandom_double(&d->rng) < p;
}

/* Marks the IPv4 packet in a frame CE (RFC 3168 5) if it is ECN-capable,
 * as Linux's INET_ECN_set_ce: true if it now carries CE, false if it is no
 * ECN-capable IPv4 packet (which loss then drops). The frame is Ethernet,
 * or a bare IP packet on a raw-IP device. Its data is copied first when
 * shared: the sender keeps a clean copy for retransmission. */
static bool netem_set_ce(struct sk_buff *skb)
{
	uint32_t off = 0;
	size_t ihl;

	if (!skb->dev || skb->dev->type != UT_DEV_RAWIP) {
		if (skb->len < ETH_HLEN || get_be16(skb->data + 12) != ETH_P_IP)
			return false;
		off = ETH_HLEN;
	}
	if (skb->len < off + IPV4_HLEN_MIN || (skb->data[off] >> 4) != 4)
		return false;
	ihl = (size_t)(skb->data[off] & 0xf) * 4;
	if (ihl < IPV4_HLEN_MIN || skb->len < off + ihl || INET_ECN_is_not_ect(skb->data[off + 1]))
		return false;
	if (INET_ECN_is_ce(skb->data[off + 1]))
		return true;
	if (skb_unshare_data(skb))
		return false;
	return IP_ECN_set_ce(skb->data + off, ihl);
}

/* Frames still waiting for (or on) the wire at time now. */
static unsigned queue_depth(struct netem_dir *d, uint64_t now)
{
	queue_account(d, now, &d->stats, &d->dep_head, &d->dep_count);
	d->q_stamp = d->stats.queue_time_ns;
	return d->dep_count;
}

/* Steps 4 to 6 for one frame: false if the queue is full. */
static bool netem_schedule(struct netem_dir *d, const struct sk_buff *skb, uint64_t now,
			   uint64_t *when)
{
	const struct ut_link_params *p = &d->params;
	uint64_t start, done, arrival;

	if (queue_depth(d, now) >= p->queue_limit) {
		d->stats.queue_drops++;
		return false;
	}
	/* Serialisation: the frame starts when the wire is free. */
	start = MAX(now, d->busy_until);
	done = start;
	if (p->rate_bps)
		done += (uint64_t)(((unsigned __int128)skb->len * 8 * NSEC_PER_SEC + p->rate_bps -
				    1) /
				   p->rate_bps);
	d->busy_until = done;
	d->departures[(d->dep_head + d->dep_count) % d->dep_cap] = done;
	d->dep_len[(d->dep_head + d->dep_count) % d->dep_cap] = skb->len;
	d->dep_count++;
	d->stats.queue_len++;
	d->stats.queue_bytes += skb->len;
	d->stats.queue_max = MAX(d->stats.queue_max, d->stats.queue_len);
	d->stats.queue_bytes_max = MAX(d->stats.queue_bytes_max, d->stats.queue_bytes);

	arrival = done + p->delay_ns;
	if (p->jitter_ns) {
		uint64_t span = 2 * p->jitter_ns + 1;
		int64_t j = (int64_t)prandom_below(&d->rng, span) - (int64_t)p->jitter_ns;
		arrival = j < 0 && (uint64_t)-j > arrival - done ? done
								 : (uint64_t)((int64_t)arrival + j);
	}
	if (chance(d, p->reorder)) {
		d->stats.reordered++;
		arrival += p->reorder_delay_ns;
	} else {
		/* A wire keeps order: jitter never lets a frame pass the
		 * one before it. */
		arrival = MAX(arrival, d->last_arrival);
		d->last_arrival = arrival;
	}
	*when = arrival;
	return true;
}

unsigned netem_enqueue(struct netem_dir *d, struct sk_buff *skb, uint64_t now,
		       struct sk_buff *out[2], uint64_t when[2])
{
	struct sk_buff *dup = NULL;
	unsigned n = 0;

	if (chance(d, d->params.loss)) {
		if (d->params.ecn && netem_set_ce(skb)) {
			d->stats.ce_marked++;
		} else {
			d->stats.lost++;
			kfree_skb(skb);
			return 0;
		}
	}
	if (chance(d, d->params.duplicate)) {
		dup = skb_clone(skb);
		if (dup)
			d->stats.duplicated++;
	}
	if (chance(d, d->params.corrupt) && skb->len && skb_unshare_data(skb) == 0) {
		uint64_t bit = prandom_below(&d->rng, (uint64_t)skb->len * 8);

		/* A checksum left to the far side (CHECKSUM_PARTIAL), or one
		 * a device vouched for and left as its seed, would be computed
		 * over the damage and hide it: the whole checksum is written
		 * first, and nothing is vouched for after. */
		if (skb->ip_summed != CHECKSUM_NONE) {
			if (skb->dev)
				(void)skb_checksum_help(skb->dev, skb);
			skb->ip_summed = CHECKSUM_NONE;
		}
		skb->data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		d->stats.corrupted++;
	}
	/* A step marker at the queue, as an AQM set for DCTCP: CE past K
	 * frames waiting, whatever loss drew. */
	if (d->params.ce_threshold && queue_depth(d, now) > d->params.ce_threshold &&
	    queue_depth(d, now) < d->params.queue_limit && netem_set_ce(skb))
		d->stats.ce_marked++;
	if (netem_schedule(d, skb, now, &when[n]))
		out[n++] = skb;
	else
		kfree_skb(skb);
	if (dup) {
		if (netem_schedule(d, dup, now, &when[n]))
			out[n++] = dup;
		else
			kfree_skb(dup);
	}
	return n;
}

/* ---- the device qdisc -----------------------------------------------------*/

struct netem_qdisc *netem_qdisc_create(const struct ut_link_params *p, uint64_t seed)
{
	struct netem_qdisc *q = ut_calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	if (netem_dir_init(&q->dir, p, seed) < 0) {
		free(q);
		return NULL;
	}
	timeheap_init(&q->held, sizeof(struct netem_slot), NETEM_QDISC_FIRST,
		      NETEM_QDISC_MAX_FRAMES);
	return q;
}

void netem_qdisc_destroy(struct netem_qdisc *q)
{
	if (!q)
		return;
	for (unsigned i = 0; i < q->held.len; i++)
		kfree_skb(((struct netem_slot *)timeheap_elem(&q->held, i))->skb);
	timeheap_free(&q->held);
	netem_dir_free(&q->dir);
	free(q);
}

void netem_qdisc_enqueue(struct netem_qdisc *q, struct sk_buff *skb, uint64_t now)
{
	struct sk_buff *out[2];
	uint64_t when[2];
	unsigned n;

	/* A device's impairment delays frames past the device: the sender
	 * is done with them once they enter it, as Linux's netem orphans a
	 * socket's packets on enqueue (skb_orphan_partial), or TCP Small
	 * Queues would wait out the delay. */
	skb_orphan(skb);
	q->dir.stats.sent++;
	n = netem_enqueue(&q->dir, skb, now, out, when);
	for (unsigned i = 0; i < n; i++) {
		struct netem_slot slot = {.key.time = when[i], .skb = out[i]};
		if (timeheap_push(&q->held, &slot) < 0) {
			q->dir.stats.queue_drops++;
			kfree_skb(out[i]);
		}
	}
}

struct sk_buff *netem_qdisc_dequeue(struct netem_qdisc *q, uint64_t now)
{
	struct netem_slot slot;

	if (!q->held.len || timeheap_next(&q->held) > now)
		return NULL;
	timeheap_pop(&q->held, &slot);
	q->dir.stats.delivered++;
	q->dir.stats.bytes_delivered += slot.skb->len;
	return slot.skb;
}
