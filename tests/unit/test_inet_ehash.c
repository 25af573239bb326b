/* The established table's chains (src/ipv4/inet_hashtables.c): singly
 * linked, newest first, each link tagged with the hash of the socket it
 * leads to and whether that socket has a successor. After every insert
 * and removal, in any order and across the table's doublings, each tag
 * must describe its socket exactly, every socket in the table must be
 * found and every other 4-tuple not: a stale "more" bit or tag would
 * make lookups stop early (a connection lost) or miss nothing. */
#include <arpa/inet.h>
#include <string.h>

#include "net/inet_hashtables.h"
#include "net/random.h"
#include "net/stack.h"
#include "test.h"

#define N 6000

static struct ut_stack *new_stack(void)
{
	struct ut_stack_config cfg;
	struct ut_stack *s;

	ut_stack_config_init(&cfg);
	cfg.seed = 11;
	CHECK_EQ(ut_stack_create(&cfg, &s), 0);
	return s;
}

/* Connection i: 10.0.x.y:(1000 + i % 7) -> 127.0.0.1:(40000 + i), and so
 * many share a local port, as time-wait sockets do. */
static void make_conn(struct sock_common *skc, unsigned i)
{
	memset(skc, 0, sizeof(*skc));
	skc->skc_family = AF_INET;
	skc->skc_daddr = htonl(0x0a000000u + i / 7);
	skc->skc_dport = (uint16_t)(1000 + i % 7);
	skc->skc_rcv_saddr = htonl(INADDR_LOOPBACK);
	skc->skc_num = (uint16_t)(40000 + i % 300);
}

/* Walks every chain checking each link's tag against the socket it
 * leads to; returns the sockets counted. */
static uint32_t check_chains(const struct inet_hashinfo *h)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i <= h->ehash_mask; i++) {
		struct sock_common *skc = h->ehash[i].first;
		uint32_t tag = h->ehash[i].tag;

		if (!skc)
			CHECK_EQ(tag, 0);
		for (; skc; skc = skc->skc_node_next) {
			CHECK_EQ(skc->skc_hash & h->ehash_mask, i);
			CHECK_EQ(tag & ~INET_EHASH_MORE, skc->skc_hash & ~INET_EHASH_MORE);
			CHECK_EQ(!!(tag & INET_EHASH_MORE), skc->skc_node_next != NULL);
			CHECK(skc->skc_node_pprev != NULL);
			tag = skc->skc_node_next_tag;
			n++;
		}
		CHECK_EQ(tag, 0);
	}
	return n;
}

static bool found(struct inet_hashinfo *h, const struct sock_common *skc)
{
	return inet_lookup_established(h, skc->skc_daddr, skc->skc_dport, skc->skc_rcv_saddr,
				       skc->skc_num) == skc;
}

TEST(chains_stay_consistent_through_growth_and_removal_in_any_order)
{
	static struct sock_common conn[N];
	static unsigned order[N];
	static bool in[N];
	struct ut_stack *s = new_stack();
	struct inet_hashinfo h;
	struct prandom_state rng;
	uint32_t mask0;

	CHECK_EQ(inet_hashinfo_init(&h, s), 0);
	prandom_seed(&rng, 5);
	mask0 = h.ehash_mask;
	for (unsigned i = 0; i < N; i++) {
		make_conn(&conn[i], i);
		CHECK_EQ(inet_ehash_insert(&h, &conn[i]), 0);
		in[i] = true;
	}
	CHECK(h.ehash_mask > mask0); /* it grew */
	CHECK_EQ(h.ehash_count, N);
	CHECK_EQ(check_chains(&h), N);
	/* no more than one entry per two slots */
	CHECK(h.ehash_count <= (h.ehash_mask + 1) / 2);
	for (unsigned i = 0; i < N; i++)
		CHECK(found(&h, &conn[i]));

	/* Remove half in a random order (first, middle and last of chains
	 * alike), checking the chains after each few. */
	for (unsigned i = 0; i < N; i++)
		order[i] = i;
	for (unsigned i = N - 1; i > 0; i--) {
		unsigned j = prandom_u32(&rng) % (i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (unsigned k = 0; k < N / 2; k++) {
		unsigned i = order[k];
		inet_ehash_remove(&h, &conn[i]);
		in[i] = false;
		CHECK(conn[i].skc_node_pprev == NULL);
		inet_ehash_remove(&h, &conn[i]); /* a second removal does nothing */
		if (k % 97 == 0)
			CHECK_EQ(check_chains(&h), N - k - 1);
	}
	CHECK_EQ(h.ehash_count, N - N / 2);
	CHECK_EQ(check_chains(&h), N - N / 2);
	for (unsigned i = 0; i < N; i++) {
		struct sock_common probe;
		make_conn(&probe, i);
		struct sock_common *got = inet_lookup_established(
			&h, probe.skc_daddr, probe.skc_dport, probe.skc_rcv_saddr, probe.skc_num);
		CHECK(got == (in[i] ? &conn[i] : NULL));
	}

	/* Put them back: newest first in each chain, found again. */
	for (unsigned k = 0; k < N / 2; k++) {
		unsigned i = order[k];
		CHECK_EQ(inet_ehash_insert(&h, &conn[i]), 0);
		CHECK(h.ehash[conn[i].skc_hash & h.ehash_mask].first == &conn[i]);
	}
	CHECK_EQ(check_chains(&h), N);
	for (unsigned i = 0; i < N; i++)
		CHECK(found(&h, &conn[i]));
	for (unsigned i = 0; i < N; i++)
		inet_ehash_remove(&h, &conn[i]);
	CHECK_EQ(h.ehash_count, 0);
	CHECK_EQ(check_chains(&h), 0);
	inet_hashinfo_destroy(&h);
	ut_stack_destroy(s);
}

/* A table's doubling keeps each chain's order: the newest connection of
 * a chain is still its first, where a lookup for it stops at once. */
TEST(growth_keeps_the_newest_connection_first_in_its_chain)
{
	static struct sock_common conn[N];
	struct ut_stack *s = new_stack();
	struct inet_hashinfo h;

	CHECK_EQ(inet_hashinfo_init(&h, s), 0);
	for (unsigned i = 0; i < N; i++) {
		make_conn(&conn[i], i);
		CHECK_EQ(inet_ehash_insert(&h, &conn[i]), 0);
	}
	/* In every chain, later inserts come before earlier ones. */
	for (uint32_t i = 0; i <= h.ehash_mask; i++)
		for (struct sock_common *skc = h.ehash[i].first; skc && skc->skc_node_next;
		     skc = skc->skc_node_next)
			CHECK(skc > skc->skc_node_next);
	for (unsigned i = 0; i < N; i++)
		inet_ehash_remove(&h, &conn[i]);
	inet_hashinfo_destroy(&h);
	ut_stack_destroy(s);
}
