/* IPv4 forwarding (Linux's ip_forward.c): a router between two networks,
 * a (10.0.1.1) -- r -- b (10.0.2.1), once net.ipv4.ip_forward = 1 on r:
 * the TTL each hop costs, the ICMP errors a router owes (time exceeded,
 * net unreachable, fragmentation needed), and the TCP packets its GRO
 * merged, cut back to the next link's MTU on the way out. */
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

/* a sends b len bytes over TCP through r; b reads them all. */
static void tcp_through_r(struct net3 *n, size_t len)
{
	static uint8_t buf[65536];
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(80)};
	size_t sent = 0, got = 0;
	int l, c, s;

	sa.sin_addr.s_addr = ip4("10.0.2.1");
	l = ut_socket(n->b, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_bind(n->b, l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(ut_listen(n->b, l, 1), 0);
	c = ut_socket(n->a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_connect(n->a, c, (struct sockaddr *)&sa, sizeof(sa)), -1);
	s = ut_accept4(n->b, l, NULL, NULL, SOCK_NONBLOCK);
	CHECK(s >= 0);
	while (got < len) {
		ssize_t k;
		while (sent < len &&
		       (k = ut_send(n->a, c, buf, MIN(sizeof(buf), len - sent), 0)) > 0)
			sent += (size_t)k;
		while ((k = ut_recv(n->b, s, buf, sizeof(buf), 0)) > 0)
			got += (size_t)k;
		ut_sim_run_for(n->sim, 1 * MS);
		CHECK(ut_sim_now(n->sim) < 300 * SEC);
	}
	CHECK_EQ(got, len);
	ut_close(n->a, c);
	ut_close(n->b, s);
	ut_close(n->b, l);
}

TEST(segments_a_router_merged_leave_it_cut_to_the_next_links_mtu_and_a_smaller_one_teaches_the_sender)
{
	static struct net3 n;
	struct ut_dev_stats rx;
	struct ut_link_stats out;

	/* The same MTU on both links: r's GRO merges a's segments into
	 * packets of up to 64 KB, and r's forwarding cuts them back into
	 * 1500-byte frames for b's link (software GSO), none too big. */
	net3_make(&n, 1500, true);
	tcp_through_r(&n, 4 << 20);
	ut_dev_get_stats(ut_sim_link_dev(n.ar, 1), &rx);
	ut_sim_link_get_stats(n.rb, 0, &out);
	CHECK(rx.rx_gro_packets > 0);
	CHECK_EQ(out.mtu_drops, 0);
	CHECK(out.sent > rx.rx_packets - rx.rx_gro_wire_packets + rx.rx_gro_packets);
	CHECK_EQ(testnet_counter(n.r, "Ip", "FragFails"), 0);
	net3_done(&n);

	/* A smaller MTU on r's side of the next link than b's (so that b's
	 * MSS does not already fit it): a merged packet whose segments do
	 * not fit gets a "fragmentation needed" (Linux's
	 * skb_gso_validate_network_len), a learns the path MTU, and the
	 * transfer completes in segments that fit. */
	net3_make(&n, 1500, true);
	CHECK_EQ(ut_dev_set_mtu(ut_sim_link_dev(n.rb, 0), 1280), 0);
	tcp_through_r(&n, 4 << 20);
	ut_sim_link_get_stats(n.rb, 0, &out);
	CHECK_EQ(out.mtu_drops, 0);
	CHECK(testnet_counter(n.r, "Ip", "FragFails") > 0);
	CHECK(testnet_counter(n.a, "Icmp", "InDestUnreachs") > 0);
	net3_done(&n);
}
