/* IPv4 forwarding (Linux's ip_forward.c): a router between two networks,
 * a (10.0.1.1) -- r -- b (10.0.2.1), once net.ipv4.ip_forward = 1 on r:
 * the TTL each hop costs, and the ICMP errors a router owes (time
 * exceeded, net unreachable, fragmentation needed). */
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
	struct ping_log log; /* a's pings */
};

/* The world with an r--b link of rb_mtu bytes; r forwards if asked to. */
static void net3_make(struct net3 *n, unsigned rb_mtu, bool forward)
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
	CHECK_EQ(ut_addr_add(n->a, ut_sim_link_dev(n->ar, 0), ipaddr("10.0.1.1"), 24), 0);
	CHECK_EQ(ut_addr_add(n->r, ut_sim_link_dev(n->ar, 1), ipaddr("10.0.1.254"), 24), 0);
	CHECK_EQ(ut_addr_add(n->r, ut_sim_link_dev(n->rb, 0), ipaddr("10.0.2.254"), 24), 0);
	CHECK_EQ(ut_addr_add(n->b, ut_sim_link_dev(n->rb, 1), ipaddr("10.0.2.1"), 24), 0);
	CHECK_EQ(ut_route_add(n->a, ipaddr("0.0.0.0"), 0, ipaddr("10.0.1.254"), NULL), 0);
	CHECK_EQ(ut_route_add(n->b, ipaddr("0.0.0.0"), 0, ipaddr("10.0.2.254"), NULL), 0);
	if (forward)
		CHECK_EQ(ut_sysctl_set(n->r, "net.ipv4.ip_forward", 1), 0);
	ping_log_attach(n->a, &n->log);
}

/* a pings dst with len bytes and the world runs for a second. */
static void ping_from_a(struct net3 *n, const char *dst, uint16_t seq, const void *data, size_t len)
{
	CHECK_EQ(ut_ping_send(n->a, ipaddr(dst), 1, seq, data, len), 0);
	ut_sim_run_for(n->sim, SEC);
}

/* a's one ping so far came back as this ICMP error. */
static void check_error(const struct net3 *n, uint8_t type, uint8_t code)
{
	CHECK_EQ(n->log.errors, 1);
	CHECK_EQ(n->log.replies, 0);
	CHECK_EQ(n->log.last.icmp_type, type);
	CHECK_EQ(n->log.last.icmp_code, code);
}

static void net3_done(struct net3 *n)
{
	ut_sim_run_for(n->sim, 120 * SEC);
	CHECK_EQ(skb_pool_in_use(n->sim->pool), 0);
	ut_sim_destroy(n->sim);
}

TEST(a_host_drops_transit_packets_until_ip_forward_makes_it_a_router_where_each_hop_costs_one_ttl)
{
	static struct net3 n;

	/* ip_forward is 0 by default: r is a host, not a router. */
	net3_make(&n, 1500, false);
	ping_from_a(&n, "10.0.2.1", 0, "hello", 5);
	CHECK_EQ(n.log.replies, 0);
	CHECK_EQ(testnet_counter(n.r, "Ip", "InAddrErrors"), 1);
	CHECK_EQ(testnet_counter(n.b, "Ip", "InReceives"), 0);

	/* As a router r forwards both ways. */
	CHECK_EQ(ut_sysctl_set(n.r, "net.ipv4.ip_forward", 1), 0);
	for (uint16_t seq = 1; seq <= 3; seq++)
		ping_from_a(&n, "10.0.2.1", seq, "hello", 5);
	CHECK_EQ(n.log.replies, 3);
	CHECK_EQ(n.log.last.ttl, 63);
	CHECK_IP_EQ(n.log.last.from, ipaddr("10.0.2.1"));
	CHECK_EQ(testnet_counter(n.r, "Ip", "ForwDatagrams"), 6);
	net3_done(&n);
}

TEST(a_packet_whose_ttl_runs_out_gets_time_exceeded_from_the_router)
{
	static struct net3 n;

	net3_make(&n, 1500, true);
	CHECK_EQ(ut_sysctl_set(n.a, "net.ipv4.ip_default_ttl", 1), 0);
	ping_from_a(&n, "10.0.2.1", 1, "hello", 5);
	check_error(&n, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL);
	CHECK_IP_EQ(n.log.last.from, ipaddr("10.0.1.254"));
	CHECK_EQ(testnet_counter(n.r, "Ip", "InHdrErrors"), 1);
	CHECK_EQ(testnet_counter(n.b, "Ip", "InReceives"), 0);
	net3_done(&n);
}

TEST(a_destination_without_a_route_gets_net_unreachable)
{
	static struct net3 n;

	net3_make(&n, 1500, true);
	ping_from_a(&n, "192.0.2.7", 1, "hello", 5);
	check_error(&n, ICMP_DEST_UNREACH, ICMP_NET_UNREACH);
	CHECK_EQ(testnet_counter(n.r, "IpExt", "InNoRoutes"), 1);
	net3_done(&n);
}

TEST(a_df_packet_too_big_for_the_next_link_gets_fragmentation_needed_and_others_are_fragmented)
{
	static struct net3 n;
	static uint8_t data[1000], big[3000];

	net3_make(&n, 576, true);
	/* 1028 bytes fit a's 1500-byte link, so DF is set (IP_PMTUDISC_WANT). */
	ping_from_a(&n, "10.0.2.1", 1, data, sizeof(data));
	check_error(&n, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED);
	CHECK_EQ(n.log.last.mtu, 576);
	CHECK_EQ(testnet_counter(n.r, "Ip", "FragFails"), 1);
	/* Too big for a's own link: a fragments without DF, r fragments the
	 * fragments again for the 576-byte link, b reassembles. */
	ping_from_a(&n, "10.0.2.1", 2, big, sizeof(big));
	CHECK_EQ(n.log.replies, 1);
	CHECK(testnet_counter(n.r, "Ip", "FragCreates") > 0);
	CHECK_EQ(testnet_counter(n.b, "Ip", "ReasmOKs"), 1);
	net3_done(&n);
}
