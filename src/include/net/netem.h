/* Network emulation (Linux's netem qdisc, net/sched/sch_netem.c): loss,
 * duplication, corruption, a rate-limited queue, delay with jitter, and
 * reordering, applied to one direction of a medium. The same core serves
 * the simulator's links (src/sim/link.c), which schedule the result as
 * world events, and the impairment any device can carry (ut_dev_set_netem),
 * which holds frames in a time-ordered queue until they are due. */
#ifndef USERTCP_NET_NETEM_H
#define USERTCP_NET_NETEM_H

#include <stdint.h>

#include "net/random.h"
#include "net/timeheap.h"
#include "usertcp/dev.h"

struct sk_buff;

/* One direction's impairment state. */
struct netem_dir {
	struct ut_link_params params;
	struct ut_link_stats stats;
	struct prandom_state rng;
	uint64_t busy_until;   /* serialisation of the last frame ends */
	uint64_t last_arrival; /* FIFO floor for jittered arrivals */
	uint64_t *departures;  /* ring of serialisation end times */
	uint32_t *dep_len;     /* ring of those frames' lengths */
	unsigned dep_head, dep_count, dep_cap;
	/* The queue is accounted up to q_stamp: stats.queue_len and
	 * queue_bytes are the frames then in the ring, and the integrals
	 * cover [0, q_stamp]. */
	uint64_t q_stamp;
};

/* 0 if every value is in range, else -EINVAL. */
int netem_params_check(const struct ut_link_params *p);
int netem_dir_init(struct netem_dir *d, const struct ut_link_params *p, uint64_t seed);
/* New parameters; the generator and the frames in flight carry on. */
int netem_dir_set_params(struct netem_dir *d, const struct ut_link_params *p);
/* Forgets the wire's state at time now (a link going down empties it). */
void netem_dir_reset(struct netem_dir *d, uint64_t now);
void netem_dir_free(struct netem_dir *d);
/* The direction's counts as of time now (>= every time it was passed),
 * the queue's state and time integrals brought up to now. Reads only:
 * O(frames that left the queue since the last enqueue). */
void netem_dir_get_stats(const struct netem_dir *d, uint64_t now, struct ut_link_stats *st);

/* Passes skb through loss, duplication, corruption, the queue and the
 * delay, in netem's order, at time now. Consumes skb; returns how many
 * frames come out (0, 1 or 2 with a duplicate) in out[] with the time each
 * reaches the far end in when[]. Counts lost, duplicated, corrupted,
 * reordered and queue_drops; the caller counts sent and delivered. */
unsigned netem_enqueue(struct netem_dir *d, struct sk_buff *skb, uint64_t now,
		       struct sk_buff *out[2], uint64_t when[2]);

/* ---- a device's own impairment: a queue of frames ordered by due time ---*/

/* A held frame, due at key.time. */
struct netem_slot {
	struct timeheap_key key; /* first: an element of the timeheap */
	struct sk_buff *skb;
};

struct netem_qdisc {
	struct netem_dir dir;
	struct timeheap held; /* of struct netem_slot */
};

/* Most frames a device impairment holds (delayed and queued together);
 * beyond it new frames count as queue_drops. */
#define NETEM_QDISC_MAX_FRAMES 65536u

struct netem_qdisc *netem_qdisc_create(const struct ut_link_params *p, uint64_t seed);
/* Frees the qdisc and every frame it holds. */
void netem_qdisc_destroy(struct netem_qdisc *q);
/* Impairs skb (consumed) and holds what comes out until it is due. */
void netem_qdisc_enqueue(struct netem_qdisc *q, struct sk_buff *skb, uint64_t now);
/* The next frame due at or before now, or NULL. */
struct sk_buff *netem_qdisc_dequeue(struct netem_qdisc *q, uint64_t now);
/* When the next held frame is due, or UINT64_MAX. */
static inline uint64_t netem_qdisc_next(const struct netem_qdisc *q)
{
	return timeheap_next(&q->held);
}

#endif
