/* SACK scoreboard cost per ACK against the number of segments in flight:
 * 100, 1,000 and 10,000, under heavy loss (every other segment lost).
 *
 * The workload is one round trip of a receiver's ACKs: segment 2k+1
 * arrives, segment 2k was lost, so each ACK leaves the cumulative ACK at
 * the first hole and carries three SACK blocks, newest first (RFC 2018
 * 4): the segment just arrived and the two before it, each a block of
 * its own since its neighbours are missing. For every block the sender
 * finds the first segment it covers, walks what it covers and marks it
 * SACKed (a first mark counts in sacked_out; a repeated block finds its
 * segment marked already), which is the search and walk of
 * tcp_sacktag_write_queue.
 *
 *  - rb-tree: the queue is usertcp's (tcp_rbtree_insert, then for each
 *    block tcp_sacktag_bsearch and skb_rb_next), the real functions of
 *    the library.
 *  - list: the same segments on an sk_buff_head, each block walked from
 *    the head as tcp_sacktag_write_queue did before the tree (commit
 *    c85f4c9): skip what ends before the block, stop at its end
 *    (tag_step is that loop's body, copied here as the anchor).
 *
 * Only the search and walk are timed: the per-segment marking is the
 * same small step in both, and the rest of ACK processing (RTT, RACK,
 * congestion control) does not depend on the queue's shape. Figures only;
 * nothing is asserted. BENCH_SECONDS (default 0.3) is the least time
 * spent per figure.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "net/compiler.h"
#include "net/skbuff.h"
#include "net/tcp.h"

#define MSS 1448u
#define ISN 4000000000u /* the queue crosses the 2^32 wrap */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static struct sk_buff *make_seg(struct skb_pool *pool, unsigned i)
{
	struct sk_buff *skb = alloc_skb(pool, 64);

	if (!skb) {
		fprintf(stderr, "bench_sack: out of memory\n");
		exit(1);
	}
	TCP_SKB_CB(skb)->seq = ISN + i * MSS;
	TCP_SKB_CB(skb)->end_seq = ISN + (i + 1) * MSS;
	return skb;
}

struct block {
	uint32_t start, end;
};

/* The blocks of the ACK for segment i (odd): [i], [i-2], [i-4]. */
static unsigned ack_blocks(unsigned i, struct block *b)
{
	unsigned n = 0;

	for (unsigned k = 0; k < 3 && i >= 2 * k; k++) {
		unsigned s = i - 2 * k;
		b[n].start = ISN + s * MSS;
		b[n].end = ISN + (s + 1) * MSS;
		n++;
	}
	return n;
}

/* One step of a block's walk, the same in both queues: false once skb
 * lies past the block's end; a segment covered whole is marked SACKed (a
 * first mark counts in *sacked_out). */
static bool tag_step(struct sk_buff *skb, const struct block *b, uint32_t *sacked_out)
{
	struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);

	if (!before(tcb->seq, b->end))
		return false;
	if (before(tcb->seq, b->start) || after(tcb->end_seq, b->end))
		return true;
	if (!(tcb->sacked & TCPCB_SACKED_ACKED)) {
		tcb->sacked |= TCPCB_SACKED_ACKED;
		(*sacked_out)++;
	}
	return true;
}

/* One round of ACKs: the receiver's ACK for every segment that arrived,
 * each block found in the tree (tcp_sacktag_bsearch, then skb_rb_next)
 * or, with q set, by walking the list q from its head as the old
 * tcp_sacktag_write_queue did. Returns the segments marked. */
static uint32_t sack_round(struct sock *sk, struct sk_buff_head *q, unsigned n)
{
	uint32_t sacked_out = 0;
	struct block b[3];

	for (unsigned i = 1; i < n; i += 2) {
		unsigned nb = ack_blocks(i, b);
		for (unsigned j = 0; j < nb; j++) {
			struct sk_buff *skb = q ? skb_peek(q) : tcp_sacktag_bsearch(sk, b[j].start);
			for (; skb; skb = q ? skb->next : skb_rb_next(skb))
				if (!tag_step(skb, &b[j], &sacked_out))
					break;
		}
	}
	return sacked_out;
}

static void unmark_tree(struct rb_root *root)
{
	struct sk_buff *skb;

	skb_rbtree_walk(skb, root)
		TCP_SKB_CB(skb)->sacked = 0;
}

static void unmark_list(struct sk_buff_head *q)
{
	struct sk_buff *skb;

	skb_queue_walk(q, skb)
		TCP_SKB_CB(skb)->sacked = 0;
}

int main(void)
{
	static const unsigned sizes[] = {100, 1000, 10000};
	const char *env = getenv("BENCH_SECONDS");
	double seconds = env ? atof(env) : 0.3;
	struct skb_pool *pool = skb_pool_create(0);
	struct tcp_sock *tp = calloc(1, sizeof(*tp));

	if (!pool || !tp) {
		fprintf(stderr, "bench_sack: out of memory\n");
		return 1;
	}
	/* Only the queue of this tcp_sock is used: tcp_sacktag_bsearch reads
	 * nothing else. */
	struct sock *sk = &tp->inet_conn.icsk_inet;
	uint64_t budget = (uint64_t)(seconds * 1e9);

	printf("SACK processing per ACK, every other segment lost, 3 blocks per ACK\n");
	printf("%10s %14s %14s %10s\n", "in flight", "rb-tree ns/ACK", "list ns/ACK", "list/tree");
	for (unsigned z = 0; z < ARRAY_SIZE(sizes); z++) {
		unsigned n = sizes[z];
		struct sk_buff_head list;
		double per_ack[2];

		tp->tcp_rtx_queue = RB_ROOT;
		skb_queue_head_init(&list);
		for (unsigned i = 0; i < n; i++) {
			tcp_rbtree_insert(&tp->tcp_rtx_queue, make_seg(pool, i));
			skb_queue_tail(&list, make_seg(pool, i));
		}
		for (int v = 0; v < 2; v++) {
			uint64_t spent = 0, acks = 0, marked = 0;
			while (spent < budget) {
				if (v == 0)
					unmark_tree(&tp->tcp_rtx_queue);
				else
					unmark_list(&list);
				uint64_t t0 = now_ns();
				marked += sack_round(sk, v == 0 ? NULL : &list, n);
				spent += now_ns() - t0;
				acks += n / 2;
			}
			/* each round marks the n/2 segments that arrived */
			if (marked != acks) {
				fprintf(stderr, "bench_sack: %llu marked for %llu ACKs\n",
					(unsigned long long)marked, (unsigned long long)acks);
				return 1;
			}
			per_ack[v] = (double)spent / (double)acks;
		}
		printf("%10u %14.0f %14.0f %9.0fx\n", n, per_ack[0], per_ack[1],
		       per_ack[1] / per_ack[0]);
		struct sk_buff *skb;
		while ((skb = tcp_rtx_queue_head(sk)) != NULL) {
			rb_erase(&skb->rbnode, &tp->tcp_rtx_queue);
			kfree_skb(skb);
		}
		skb_queue_purge(&list);
	}
	free(tp);
	skb_pool_destroy(pool);
	return 0;
}
