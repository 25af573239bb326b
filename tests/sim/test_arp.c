/* ARP and the neighbour cache, driven frame by frame: the test plays the
 * peer at 10.0.0.2 and reads what the stack at 10.0.0.1 transmits. */
#include <string.h>

#include "net/stack.h"
#include "net/wire.h"
#include "test.h"
#include "testnet.h"

#define SEC 1000000000ULL

/* Parses captured frame i as ARP; fails the test if it is not. */
static struct wire_arp frame_arp(const struct capdev *cd, size_t i, struct wire_eth *eth)
{
	struct wire_arp arp;
	CHECK(i < cd->n);
	CHECK_EQ(wire_eth_parse(cd->frames[i].data, cd->frames[i].len, eth), WIRE_OK);
	CHECK_EQ(eth->proto, ETH_P_ARP);
	CHECK_EQ(wire_arp_parse(eth->payload, eth->payload_len, &arp), WIRE_OK);
	return arp;
}

static const char *neigh_state(struct ut_stack *stack, const char *addr)
{
	struct ut_neigh_info ni;
	if (ut_neigh_get(stack, ipaddr(addr), &ni) < 0)
		return "none";
	return ni.state;
}

TEST(the_first_packet_broadcasts_a_request_and_waits_for_the_reply)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_eth eth;
	struct ut_stack *s;

	test_clock_init(&tc, 0);
	s = testnet_stack(&tc, &cd, UT_DEV_ETHER, "10.0.0.1", 24);
	CHECK_EQ(ut_ping_send(s, ipaddr("10.0.0.2"), 7, 1, "x", 1), 0);
	testnet_poll(s);
	CHECK_EQ(cd.n, 1); /* only the request: the echo is held */
	struct wire_arp req = frame_arp(&cd, 0, &eth);
	CHECK_MEM_EQ(eth.dst, testnet_bcast, 6);
	CHECK_EQ(req.op, ARPOP_REQUEST);
	CHECK_EQ(req.sip, ip4("10.0.0.1"));
	CHECK_EQ(req.tip, ip4("10.0.0.2"));
	CHECK_MEM_EQ(req.sha, testnet_mac, 6);
	CHECK(strcmp(neigh_state(s, "10.0.0.2"), "INCOMPLETE") == 0);

	testnet_inject_arp(&cd, ARPOP_REPLY, testnet_mac, peer_mac, "10.0.0.2", testnet_mac,
			   "10.0.0.1");
	CHECK_EQ(cd.n, 2); /* the held echo request leaves at once */
	CHECK_EQ(wire_eth_parse(cd.frames[1].data, cd.frames[1].len, &eth), WIRE_OK);
	CHECK_EQ(eth.proto, ETH_P_IP);
	CHECK_MEM_EQ(eth.dst, peer_mac, 6);
	CHECK(strcmp(neigh_state(s, "10.0.0.2"), "REACHABLE") == 0);

	/* Later packets go straight out. */
	CHECK_EQ(ut_ping_send(s, ipaddr("10.0.0.2"), 7, 2, "y", 1), 0);
	testnet_poll(s);
	CHECK_EQ(cd.n, 3);
	CHECK_EQ(wire_eth_parse(cd.frames[2].data, cd.frames[2].len, &eth), WIRE_OK);
	CHECK_EQ(eth.proto, ETH_P_IP);
	testnet_destroy(s, &cd);
}

TEST(unanswered_resolution_sends_three_requests_a_second_apart_then_reports_host_unreachable)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_eth eth;
	static struct ping_log log;
	struct ut_stack *s;

	test_clock_init(&tc, 0);
	s = testnet_stack(&tc, &cd, UT_DEV_ETHER, "10.0.0.1", 24);
	ping_log_attach(s, &log);
	CHECK_EQ(ut_ping_send(s, ipaddr("10.0.0.9"), 7, 1, "x", 1), 0);
	testnet_poll(s);
	testnet_advance(s, &tc, 10 * SEC);
	CHECK_EQ(cd.n, 3);
	for (size_t i = 0; i < 3; i++) {
		struct wire_arp req = frame_arp(&cd, i, &eth);
		CHECK_EQ(req.tip, ip4("10.0.0.9"));
		CHECK_MEM_EQ(eth.dst, testnet_bcast, 6);
		CHECK_EQ(cd.frames[i].when, i * SEC); /* net.ipv4.neigh.default.retrans_time_ms */
	}
	CHECK(strcmp(neigh_state(s, "10.0.0.9"), "FAILED") == 0);
	/* The held echo request comes back as Destination Host Unreachable
	 * from ourselves, as Linux's ping shows it. */
	CHECK_EQ(log.errors, 1);
	CHECK_EQ(log.last.icmp_type, ICMP_DEST_UNREACH);
	CHECK_EQ(log.last.icmp_code, ICMP_HOST_UNREACH);
	CHECK_IP_EQ(log.last.from, ipaddr("10.0.0.1"));
	CHECK_EQ(testnet_counter(s, "ArpCache", "res_failed"), 1);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(a_request_for_our_address_is_answered_and_teaches_us_the_sender_as_stale)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_eth eth;
	static const uint8_t zero[6];
	struct ut_stack *s;

	test_clock_init(&tc, 0);
	s = testnet_stack(&tc, &cd, UT_DEV_ETHER, "10.0.0.1", 24);
	testnet_inject_arp(&cd, ARPOP_REQUEST, testnet_bcast, peer_mac, "10.0.0.2", zero,
			   "10.0.0.1");
	CHECK_EQ(cd.n, 1);
	struct wire_arp rep = frame_arp(&cd, 0, &eth);
	CHECK_EQ(rep.op, ARPOP_REPLY);
	CHECK_MEM_EQ(eth.dst, peer_mac, 6);
	CHECK_MEM_EQ(rep.sha, testnet_mac, 6);
	CHECK_EQ(rep.sip, ip4("10.0.0.1"));
	CHECK_MEM_EQ(rep.tha, peer_mac, 6);
	CHECK_EQ(rep.tip, ip4("10.0.0.2"));
	CHECK_EQ(cd.frames[0].len, ETH_ZLEN); /* padded to the Ethernet minimum */
	CHECK(strcmp(neigh_state(s, "10.0.0.2"), "STALE") == 0);
	CHECK_EQ(testnet_counter(s, "ArpCache", "rcv_probes_mcast"), 1);

	/* A request for someone else gets no answer and teaches nothing. */
	testnet_inject_arp(&cd, ARPOP_REQUEST, testnet_bcast, peer_mac, "10.0.0.3", zero,
			   "10.0.0.4");
	CHECK_EQ(cd.n, 1);
	CHECK(strcmp(neigh_state(s, "10.0.0.3"), "none") == 0);
	testnet_destroy(s, &cd);
}

TEST(a_stale_entry_is_used_at_once_then_probed_by_unicast_after_the_delay)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_eth eth;
	/* The peer's request has taught us its address (STALE). */
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_ETHER);

	CHECK_EQ(ut_ping_send(s, ipaddr("10.0.0.2"), 7, 1, "x", 1), 0);
	testnet_poll(s);
	CHECK_EQ(cd.n, 1); /* sent immediately to the stale address */
	CHECK(strcmp(neigh_state(s, "10.0.0.2"), "DELAY") == 0);
	/* delay_first_probe_time (5 s) passes without confirmation: PROBE,
	 * three unicast requests a second apart, then FAILED. */
	testnet_advance(s, &tc, 5 * SEC);
	CHECK(strcmp(neigh_state(s, "10.0.0.2"), "PROBE") == 0);
	testnet_advance(s, &tc, 5 * SEC);
	CHECK_EQ(cd.n, 4);
	for (size_t i = 1; i < 4; i++) {
		struct wire_arp req = frame_arp(&cd, i, &eth);
		CHECK_MEM_EQ(eth.dst, peer_mac, 6);
		CHECK_EQ(req.op, ARPOP_REQUEST);
	}
	CHECK(strcmp(neigh_state(s, "10.0.0.2"), "FAILED") == 0);
	testnet_destroy(s, &cd);
}

TEST(a_probe_answered_in_time_makes_the_entry_reachable_again)
{
	struct test_clock tc;
	struct capdev cd;
	/* The peer's request has taught us its address (STALE). */
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_ETHER);

	CHECK_EQ(ut_ping_send(s, ipaddr("10.0.0.2"), 7, 1, "x", 1), 0);
	testnet_advance(s, &tc, 5 * SEC);
	CHECK(strcmp(neigh_state(s, "10.0.0.2"), "PROBE") == 0);
	testnet_inject_arp(&cd, ARPOP_REPLY, testnet_mac, peer_mac, "10.0.0.2", testnet_mac,
			   "10.0.0.1");
	CHECK(strcmp(neigh_state(s, "10.0.0.2"), "REACHABLE") == 0);
	testnet_destroy(s, &cd);
}

TEST(a_reachable_entry_goes_stale_within_linux_randomised_reachable_time)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s;

	test_clock_init(&tc, 0);
	s = testnet_stack(&tc, &cd, UT_DEV_ETHER, "10.0.0.1", 24);
	CHECK_EQ(ut_neigh_resolve(s, ipaddr("10.0.0.2")), 0);
	testnet_inject_arp(&cd, ARPOP_REPLY, testnet_mac, peer_mac, "10.0.0.2", testnet_mac,
			   "10.0.0.1");
	CHECK(strcmp(neigh_state(s, "10.0.0.2"), "REACHABLE") == 0);
	/* base_reachable_time 30 s, drawn from [15 s, 45 s). Unused since
	 * the confirmation, the entry goes straight to STALE. */
	testnet_advance(s, &tc, 15 * SEC - 1000000);
	CHECK(strcmp(neigh_state(s, "10.0.0.2"), "REACHABLE") == 0);
	testnet_advance(s, &tc, 31 * SEC);
	CHECK(strcmp(neigh_state(s, "10.0.0.2"), "STALE") == 0);
	testnet_destroy(s, &cd);
}

TEST(packets_held_beyond_unres_qlen_bytes_drop_the_oldest)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s;
	static struct ping_log log;
	char data[1000];

	memset(data, 0x5a, sizeof(data));
	test_clock_init(&tc, 0);
	s = testnet_stack(&tc, &cd, UT_DEV_ETHER, "10.0.0.1", 24);
	ping_log_attach(s, &log);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv4.neigh.default.unres_qlen_bytes", 10000), 0);
	for (int i = 0; i < 20; i++)
		CHECK_EQ(ut_ping_send(s, ipaddr("10.0.0.2"), 7, (uint16_t)i, data, sizeof(data)),
			 0);
	uint64_t discards = testnet_counter(s, "ArpCache", "unresolved_discards");
	CHECK(discards > 0 && discards < 20);
	capdev_clear(&cd);
	testnet_inject_arp(&cd, ARPOP_REPLY, testnet_mac, peer_mac, "10.0.0.2", testnet_mac,
			   "10.0.0.1");
	/* The survivors are the newest, in order. */
	CHECK_EQ(cd.n, 20 - discards);
	struct wire_eth eth;
	struct wire_ipv4 ip;
	struct wire_icmp icmp;
	CHECK_EQ(wire_eth_parse(cd.frames[cd.n - 1].data, cd.frames[cd.n - 1].len, &eth), WIRE_OK);
	CHECK_EQ(wire_ipv4_parse(eth.payload, eth.payload_len, true, &ip), WIRE_OK);
	CHECK_EQ(wire_icmp_parse(ip.payload, ip.payload_len, true, &icmp), WIRE_OK);
	CHECK_EQ(wire_icmp_echo_seq(&icmp), 19);
	testnet_destroy(s, &cd);
}

TEST(unused_entries_are_collected_after_gc_stale_time)
{
	struct test_clock tc;
	struct capdev cd;
	static const uint8_t zero[6];
	struct ut_stack *s;

	test_clock_init(&tc, 0);
	s = testnet_stack(&tc, &cd, UT_DEV_ETHER, "10.0.0.1", 24);
	/* Linux collects nothing below gc_thresh1 (128 entries). */
	CHECK_EQ(ut_sysctl_set(s, "net.ipv4.neigh.default.gc_thresh1", 0), 0);
	testnet_inject_arp(&cd, ARPOP_REQUEST, testnet_bcast, peer_mac, "10.0.0.2", zero,
			   "10.0.0.1");
	CHECK(strcmp(neigh_state(s, "10.0.0.2"), "STALE") == 0);
	testnet_advance(s, &tc, 59 * SEC);
	CHECK(strcmp(neigh_state(s, "10.0.0.2"), "STALE") == 0);
	testnet_advance(s, &tc, 32 * SEC);
	CHECK(strcmp(neigh_state(s, "10.0.0.2"), "none") == 0);
	testnet_destroy(s, &cd);
}

TEST(malformed_or_foreign_arp_is_ignored)
{
	struct test_clock tc;
	struct capdev cd;
	static const uint8_t zero[6];
	struct ut_stack *s;
	uint8_t arp[ARP_HLEN], frame[64];

	test_clock_init(&tc, 0);
	s = testnet_stack(&tc, &cd, UT_DEV_ETHER, "10.0.0.1", 24);
	build_arp(arp, ARPOP_REQUEST, peer_mac, ip4("10.0.0.2"), zero, ip4("10.0.0.1"));
	arp[1] = 6; /* hardware type IEEE 802, not Ethernet */
	size_t len = build_eth(frame, testnet_bcast, peer_mac, ETH_P_ARP, arp, sizeof(arp));
	CHECK_EQ(capdev_inject(&cd, frame, len), 0);
	/* Truncated: 27 bytes of ARP. */
	build_arp(arp, ARPOP_REQUEST, peer_mac, ip4("10.0.0.2"), zero, ip4("10.0.0.1"));
	len = build_eth(frame, testnet_bcast, peer_mac, ETH_P_ARP, arp, ARP_HLEN - 1);
	CHECK_EQ(capdev_inject(&cd, frame, len), 0);
	/* A multicast sender hardware address. */
	static const uint8_t mc[6] = {0x01, 0, 0x5e, 0, 0, 1};
	build_arp(arp, ARPOP_REQUEST, mc, ip4("10.0.0.2"), zero, ip4("10.0.0.1"));
	len = build_eth(frame, testnet_bcast, peer_mac, ETH_P_ARP, arp, sizeof(arp));
	CHECK_EQ(capdev_inject(&cd, frame, len), 0);
	CHECK_EQ(cd.n, 0);
	CHECK(strcmp(neigh_state(s, "10.0.0.2"), "none") == 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}
