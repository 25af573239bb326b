/* A router between two networks: a (10.0.1.1) -- r -- b (10.0.2.1), with
 * net.ipv4.ip_forward = 1 on r. */
#include <string.h>

#include "net/simnet.h"
#include "net/stack.h"
#include "test.h"
#include "testnet.h"

#define MS 1000000ULL
#define SEC 1000000000ULL

struct net3 {
	struct ut_sim *sim;
	struct ut_stack *a, *r, *b;
	struct ut_sim_link *ar, *rb;
};

static void net3_make(struct net3 *n, unsigned rb_mtu)
{
	struct ut_link_params lp;
	ut_link_params_init(&lp);
	lp.delay_ns = 1 * MS;
	CHECK_EQ(ut_sim_create(5, &n->sim), 0);
	CHECK_EQ(ut_sim_host_add(n->sim, "a", &n->a), 0);
	CHECK_EQ(ut_sim_host_add(n->sim, "r", &n->r), 0);
	CHECK_EQ(ut_sim_host_add(n->sim, "b", &n->b), 0);
	CHECK_EQ(ut_sim_link_add(n->sim, n->a, n->r, &lp, &n->ar), 0);
	lp.mtu = rb_mtu;
	CHECK_EQ(ut_sim_link_add(n->sim, n->r, n->b, &lp, &n->rb), 0);
	CHECK_EQ(ut_addr_add(n->a, ut_sim_link_dev(n->ar, 0), ip4("10.0.1.1"), 24), 0);
	CHECK_EQ(ut_addr_add(n->r, ut_sim_link_dev(n->ar, 1), ip4("10.0.1.254"), 24), 0);
	CHECK_EQ(ut_addr_add(n->r, ut_sim_link_dev(n->rb, 0), ip4("10.0.2.254"), 24), 0);
	CHECK_EQ(ut_addr_add(n->b, ut_sim_link_dev(n->rb, 1), ip4("10.0.2.1"), 24), 0);
	CHECK_EQ(ut_route_add(n->a, 0, 0, ip4("10.0.1.254"), NULL), 0);
	CHECK_EQ(ut_route_add(n->b, 0, 0, ip4("10.0.2.254"), NULL), 0);
}

static void net3_done(struct net3 *n)
{
	ut_sim_run_for(n->sim, 120 * SEC);
	CHECK_EQ(skb_pool_in_use(n->sim->pool), 0);
	ut_sim_destroy(n->sim);
}

TEST(a_host_that_does_not_forward_drops_transit_packets)
{
	struct net3 n;
	static struct ping_log log;

	net3_make(&n, 1500);
	ping_log_attach(n.a, &log);
	CHECK_EQ(ut_ping_send(n.a, ip4("10.0.2.1"), 1, 1, "hello", 5), 0);
	ut_sim_run_for(n.sim, SEC);
	CHECK_EQ(log.replies, 0);
	CHECK_EQ(testnet_counter(n.r, "Ip", "InAddrErrors"), 1);
	net3_done(&n);
}

TEST(a_router_forwards_both_ways_and_each_hop_costs_one_ttl)
{
	struct net3 n;
	static struct ping_log log;

	net3_make(&n, 1500);
	CHECK_EQ(ut_sysctl_set(n.r, "net.ipv4.ip_forward", 1), 0);
	ping_log_attach(n.a, &log);
	for (uint16_t seq = 1; seq <= 3; seq++) {
		CHECK_EQ(ut_ping_send(n.a, ip4("10.0.2.1"), 1, seq, "hello", 5), 0);
		ut_sim_run_for(n.sim, SEC);
	}
	CHECK_EQ(log.replies, 3);
	CHECK_EQ(log.last.ttl, 63);
	CHECK_EQ(log.last.from, ip4("10.0.2.1"));
	CHECK_EQ(testnet_counter(n.r, "Ip", "ForwDatagrams"), 6);
	net3_done(&n);
}

TEST(a_packet_whose_ttl_runs_out_gets_time_exceeded_from_the_router)
{
	struct net3 n;
	static struct ping_log log;

	net3_make(&n, 1500);
	CHECK_EQ(ut_sysctl_set(n.r, "net.ipv4.ip_forward", 1), 0);
	CHECK_EQ(ut_sysctl_set(n.a, "net.ipv4.ip_default_ttl", 1), 0);
	ping_log_attach(n.a, &log);
	CHECK_EQ(ut_ping_send(n.a, ip4("10.0.2.1"), 1, 1, "hello", 5), 0);
	ut_sim_run_for(n.sim, SEC);
	CHECK_EQ(log.errors, 1);
	CHECK_EQ(log.last.icmp_type, ICMP_TIME_EXCEEDED);
	CHECK_EQ(log.last.icmp_code, ICMP_EXC_TTL);
	CHECK_EQ(log.last.from, ip4("10.0.1.254"));
	CHECK_EQ(testnet_counter(n.r, "Ip", "InHdrErrors"), 1);
	CHECK_EQ(testnet_counter(n.b, "Ip", "InReceives"), 0);
	net3_done(&n);
}

TEST(a_destination_without_a_route_gets_net_unreachable)
{
	struct net3 n;
	static struct ping_log log;

	net3_make(&n, 1500);
	CHECK_EQ(ut_sysctl_set(n.r, "net.ipv4.ip_forward", 1), 0);
	ping_log_attach(n.a, &log);
	CHECK_EQ(ut_ping_send(n.a, ip4("192.0.2.7"), 1, 1, "hello", 5), 0);
	ut_sim_run_for(n.sim, SEC);
	CHECK_EQ(log.errors, 1);
	CHECK_EQ(log.last.icmp_type, ICMP_DEST_UNREACH);
	CHECK_EQ(log.last.icmp_code, ICMP_NET_UNREACH);
	CHECK_EQ(testnet_counter(n.r, "IpExt", "InNoRoutes"), 1);
	net3_done(&n);
}

TEST(a_df_packet_too_big_for_the_next_link_gets_fragmentation_needed_and_others_are_fragmented)
{
	struct net3 n;
	static struct ping_log log;
	static uint8_t data[1000];

	net3_make(&n, 576);
	CHECK_EQ(ut_sysctl_set(n.r, "net.ipv4.ip_forward", 1), 0);
	ping_log_attach(n.a, &log);
	/* 1028 bytes fit a's 1500-byte link, so DF is set (IP_PMTUDISC_WANT). */
	CHECK_EQ(ut_ping_send(n.a, ip4("10.0.2.1"), 1, 1, data, sizeof(data)), 0);
	ut_sim_run_for(n.sim, SEC);
	CHECK_EQ(log.errors, 1);
	CHECK_EQ(log.last.icmp_type, ICMP_DEST_UNREACH);
	CHECK_EQ(log.last.icmp_code, ICMP_FRAG_NEEDED);
	CHECK_EQ(log.last.mtu, 576);
	CHECK_EQ(testnet_counter(n.r, "Ip", "FragFails"), 1);
	/* Too big for a's own link: a fragments without DF, r fragments the
	 * fragments again for the 576-byte link, b reassembles. */
	static uint8_t big[3000];
	CHECK_EQ(ut_ping_send(n.a, ip4("10.0.2.1"), 1, 2, big, sizeof(big)), 0);
	ut_sim_run_for(n.sim, SEC);
	CHECK_EQ(log.replies, 1);
	CHECK(testnet_counter(n.r, "Ip", "FragCreates") > 0);
	CHECK_EQ(testnet_counter(n.b, "Ip", "ReasmOKs"), 1);
	net3_done(&n);
}
