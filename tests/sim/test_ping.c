/* Ping between two simulated hosts: ARP resolution and echo across a link
 * that loses packets, with the delivery rate matching the loss. */
#include <math.h>
#include <string.h>

#include "net/simnet.h"
#include "net/stack.h"
#include "test.h"
#include "testnet.h"

#define MS 1000000ULL
#define SEC 1000000000ULL

struct pinger {
	int replies, errors, bad;
	uint64_t sent_at[2001];
	uint8_t seen[2001];
	uint64_t delay;
};

static void on_ping(void *arg, const struct ut_ping_event *ev)
{
	struct pinger *p = arg;
	if (ev->kind != UT_PING_REPLY) {
		p->errors++;
		return;
	}
	if (ev->seq == 0 || ev->seq > 2000 || p->seen[ev->seq]++ || ev->ttl != 64 ||
	    ev->when_ns - p->sent_at[ev->seq] != 2 * p->delay || ev->len != 56)
		p->bad++;
	else
		p->replies++;
}

struct world {
	struct ut_sim *sim;
	struct ut_stack *a, *b;
	struct ut_sim_link *link;
};

static void world_make(struct world *w, uint64_t seed, const struct ut_link_params *lp)
{
	CHECK_EQ(ut_sim_create(seed, &w->sim), 0);
	CHECK_EQ(ut_sim_host_add(w->sim, "a", &w->a), 0);
	CHECK_EQ(ut_sim_host_add(w->sim, "b", &w->b), 0);
	CHECK_EQ(ut_sim_link_add(w->sim, w->a, w->b, lp, &w->link), 0);
	CHECK_EQ(ut_addr_add(w->a, ut_sim_link_dev(w->link, 0), ipaddr("10.0.0.1"), 24), 0);
	CHECK_EQ(ut_addr_add(w->b, ut_sim_link_dev(w->link, 1), ipaddr("10.0.0.2"), 24), 0);
}

static void world_done(struct world *w)
{
	/* Let every timer that holds buffers run out, then nothing may
	 * remain in the world's pool. */
	ut_sim_run_for(w->sim, 120 * SEC);
	CHECK_EQ(skb_pool_in_use(w->sim->pool), 0);
	ut_sim_destroy(w->sim);
}

TEST(arp_resolves_and_every_echo_is_answered_on_a_clean_link)
{
	struct ut_link_params lp;
	struct world w;
	static struct pinger p;
	uint8_t data[56] = {0};
	struct ut_neigh_info ni;

	memset(&p, 0, sizeof(p));
	ut_link_params_init(&lp);
	lp.delay_ns = 10 * MS;
	p.delay = lp.delay_ns;
	world_make(&w, 1, &lp);
	ut_ping_set_handler(w.a, on_ping, &p);
	CHECK_EQ(ut_neigh_resolve(w.a, ipaddr("10.0.0.2")), 0);
	ut_sim_run_for(w.sim, 100 * MS);
	CHECK_EQ(ut_neigh_get(w.a, ipaddr("10.0.0.2"), &ni), 0);
	CHECK(strcmp(ni.state, "REACHABLE") == 0);
	/* b learned a from a's request (STALE), as Linux does. */
	CHECK_EQ(ut_neigh_get(w.b, ipaddr("10.0.0.1"), &ni), 0);
	for (int seq = 1; seq <= 100; seq++) {
		p.sent_at[seq] = ut_sim_now(w.sim);
		CHECK_EQ(ut_ping_send(w.a, ipaddr("10.0.0.2"), 9, (uint16_t)seq, data,
				      sizeof(data)),
			 0);
		ut_sim_run_for(w.sim, SEC);
	}
	CHECK_EQ(p.replies, 100);
	CHECK_EQ(p.bad, 0);
	CHECK_EQ(p.errors, 0);
	uint64_t v;
	CHECK_EQ(ut_counter_get(w.b, "Icmp", "InEchos", &v), 0);
	CHECK_EQ(v, 100);
	CHECK_EQ(ut_counter_get(w.b, "Icmp", "OutEchoReps", &v), 0);
	CHECK_EQ(v, 100);
	world_done(&w);
}

TEST(ping_across_a_lossy_link_delivers_what_the_loss_allows)
{
	struct ut_link_params lp;
	struct world w;
	static struct pinger p;
	uint8_t data[56] = {0};
	const int n = 2000;
	const double loss = 0.10;

	memset(&p, 0, sizeof(p));
	ut_link_params_init(&lp);
	lp.delay_ns = 5 * MS;
	lp.loss = loss;
	p.delay = lp.delay_ns;
	world_make(&w, 77, &lp);
	ut_ping_set_handler(w.a, on_ping, &p);
	/* No warm-up: the first echo has to get ARP through the loss too
	 * (retried each second until a request and its reply survive). */
	for (int seq = 1; seq <= n; seq++) {
		p.sent_at[seq] = ut_sim_now(w.sim);
		CHECK_EQ(ut_ping_send(w.a, ipaddr("10.0.0.2"), 9, (uint16_t)seq, data,
				      sizeof(data)),
			 0);
		ut_sim_run_for(w.sim, SEC);
	}
	/* Every echo that got through came back intact and on time, except
	 * those that waited for ARP (their RTT includes resolution). */
	CHECK(p.bad <= 3);
	/* Request and reply must both survive: (1 - loss)^2 of them. */
	double expect = n * (1 - loss) * (1 - loss);
	double sigma = sqrt(n * (1 - loss) * (1 - loss) * (1 - (1 - loss) * (1 - loss)));
	CHECK_NEAR(p.replies + p.bad, expect, 5 * sigma);
	CHECK_EQ(p.errors, 0);
	struct ut_link_stats st;
	ut_sim_link_get_stats(w.link, 0, &st);
	CHECK(st.lost > 0);
	world_done(&w);
}

TEST(loopback_ping_to_our_own_address_is_answered_without_touching_the_link)
{
	struct ut_link_params lp;
	struct world w;
	static struct pinger p;
	uint8_t data[56] = {0};
	struct ut_link_stats st;

	memset(&p, 0, sizeof(p));
	ut_link_params_init(&lp);
	world_make(&w, 3, &lp);
	ut_ping_set_handler(w.a, on_ping, &p);
	p.sent_at[1] = ut_sim_now(w.sim);
	CHECK_EQ(ut_ping_send(w.a, ipaddr("10.0.0.1"), 9, 1, data, sizeof(data)), 0);
	p.sent_at[2] = ut_sim_now(w.sim);
	CHECK_EQ(ut_ping_send(w.a, ipaddr("127.0.0.1"), 9, 2, data, sizeof(data)), 0);
	ut_sim_run_for(w.sim, SEC);
	CHECK_EQ(p.replies, 2);
	ut_sim_link_get_stats(w.link, 0, &st);
	CHECK_EQ(st.sent, 0);
	world_done(&w);
}
