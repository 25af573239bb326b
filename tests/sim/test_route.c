/* IPv4 routing as `ip route` shows it: longest prefix match among
 * overlapping prefixes, a default route through a gateway, connected
 * routes that come and go with addresses, the errors `ip route add` gives,
 * the source address a route chooses, local addresses through lo, and
 * what an unroutable destination does. */
#include <errno.h>
#include <string.h>

#include "net/stack.h"
#include "net/wire.h"
#include "test.h"
#include "testnet.h"

static struct ut_stack *make(struct test_clock *tc, struct capdev *cd, enum ut_dev_type type)
{
	test_clock_init(tc, 0);
	return testnet_stack(tc, cd, type, "192.168.1.10", 24);
}

/* A second device whose transmissions are only counted. */
static unsigned count_transmit(void *ctx, const struct iovec *frames, unsigned count)
{
	unsigned *n = ctx;
	(void)frames;
	*n += count;
	return count;
}

static struct ut_dev *second_dev(struct ut_stack *s, unsigned *sent)
{
	static const struct ut_dev_driver drv = {.transmit = count_transmit};
	static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x11};
	struct ut_dev *dev = NULL;

	*sent = 0;
	CHECK_EQ(ut_dev_create(s, "eth1", UT_DEV_ETHER, 1500, 0, mac, &drv, sent, &dev), 0);
	return dev;
}

static struct ut_ip route_gw(struct ut_stack *s, const char *dst)
{
	struct ut_route_info ri;
	CHECK_EQ(ut_route_get(s, ipaddr(dst), &ri), 0);
	return ri.gateway;
}

static unsigned route_len(struct ut_stack *s, const char *dst)
{
	struct ut_route_info ri;
	CHECK_EQ(ut_route_get(s, ipaddr(dst), &ri), 0);
	return ri.prefix_len;
}

TEST(the_longest_of_several_overlapping_prefixes_wins_whatever_the_insertion_order_and_the_default_takes_the_rest)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = make(&tc, &cd, UT_DEV_ETHER);

	/* Inserted neither longest- nor shortest-first, the default among
	 * them. */
	CHECK_EQ(ut_route_add(s, ipaddr("10.1.0.0"), 16, ipaddr("192.168.1.2"), NULL), 0);
	CHECK_EQ(ut_route_add(s, ipaddr("0.0.0.0"), 0, ipaddr("192.168.1.254"), NULL), 0);
	CHECK_EQ(ut_route_add(s, ipaddr("10.1.2.3"), 32, ipaddr("192.168.1.4"), NULL), 0);
	CHECK_EQ(ut_route_add(s, ipaddr("10.0.0.0"), 8, ipaddr("192.168.1.1"), NULL), 0);
	CHECK_EQ(ut_route_add(s, ipaddr("10.1.2.0"), 24, ipaddr("192.168.1.3"), NULL), 0);
	CHECK_EQ(ut_route_add(s, ipaddr("10.1.2.0"), 25, ipaddr("192.168.1.5"), NULL), 0);

	CHECK_IP_EQ(route_gw(s, "10.1.2.3"), ipaddr("192.168.1.4"));
	CHECK_EQ(route_len(s, "10.1.2.3"), 32);
	CHECK_IP_EQ(route_gw(s, "10.1.2.4"), ipaddr("192.168.1.5"));
	CHECK_EQ(route_len(s, "10.1.2.4"), 25);
	CHECK_IP_EQ(route_gw(s, "10.1.2.200"), ipaddr("192.168.1.3"));
	CHECK_EQ(route_len(s, "10.1.2.200"), 24);
	CHECK_IP_EQ(route_gw(s, "10.1.3.1"), ipaddr("192.168.1.2"));
	CHECK_IP_EQ(route_gw(s, "10.2.0.1"), ipaddr("192.168.1.1"));
	CHECK_EQ(route_len(s, "10.255.255.255"), 8);
	/* The connected /24 is still the route to the link itself: on-link
	 * beats the default. */
	CHECK_IP_EQ(route_gw(s, "192.168.1.77"), ipaddr("0.0.0.0"));
	/* Just outside 10/8, no prefix covers it but the default. */
	CHECK_IP_EQ(route_gw(s, "11.0.0.1"), ipaddr("192.168.1.254"));
	CHECK_EQ(route_len(s, "11.0.0.1"), 0);

	/* Removing the most specific route uncovers the next one. */
	CHECK_EQ(ut_route_del(s, ipaddr("10.1.2.0"), 25), 0);
	CHECK_IP_EQ(route_gw(s, "10.1.2.4"), ipaddr("192.168.1.3"));
	CHECK_EQ(ut_route_del(s, ipaddr("10.1.2.0"), 25), -ESRCH);
	testnet_destroy(s, &cd);
}

/* Captured frame i is an IPv4 packet from us to dst, sent to the link
 * address gw_mac. */
static void check_relayed(const struct capdev *cd, size_t i, const uint8_t *gw_mac, const char *dst)
{
	struct wire_ipv4 ip;

	testnet_frame_ip(cd, i, &ip);
	CHECK_MEM_EQ(cd->frames[i].data, gw_mac, 6); /* the Ethernet destination */
	CHECK_EQ(ip.daddr, ip4(dst));		     /* the gateway only relays */
	CHECK_EQ(ip.saddr, ip4("192.168.1.10"));
}

TEST(a_default_route_resolves_the_gateway_and_sends_off_link_traffic_to_its_mac)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_route_info ri;
	struct wire_eth eth;
	struct wire_arp arp;
	static const uint8_t gw_mac[6] = {0x02, 0, 0, 0, 0, 0xfe};
	struct ut_stack *s = make(&tc, &cd, UT_DEV_ETHER);

	CHECK_EQ(ut_route_add(s, ipaddr("0.0.0.0"), 0, ipaddr("192.168.1.254"), NULL), 0);
	CHECK_EQ(ut_route_get(s, ipaddr("198.51.100.7"), &ri), 0);
	CHECK(ri.dev == cd.dev);
	CHECK_IP_EQ(ri.gateway, ipaddr("192.168.1.254"));
	CHECK_EQ(ri.prefix_len, 0);
	CHECK_IP_EQ(ri.prefsrc, ipaddr("192.168.1.10"));
	CHECK(!ri.local);

	/* Resolution asks for the gateway, not the destination; the packet
	 * waits for the answer. */
	CHECK_EQ(ut_ping_send(s, ipaddr("198.51.100.7"), 9, 1, "route", 5), 0);
	testnet_poll(s);
	CHECK_EQ(cd.n, 1);
	CHECK_EQ(wire_eth_parse(cd.frames[0].data, cd.frames[0].len, &eth), WIRE_OK);
	CHECK_EQ(eth.proto, ETH_P_ARP);
	CHECK_EQ(wire_arp_parse(eth.payload, eth.payload_len, &arp), WIRE_OK);
	CHECK_EQ(arp.op, ARPOP_REQUEST);
	CHECK_EQ(arp.tip, ip4("192.168.1.254"));
	testnet_inject_arp(&cd, ARPOP_REPLY, testnet_mac, gw_mac, "192.168.1.254", testnet_mac,
			   "192.168.1.10");
	CHECK_EQ(cd.n, 2);
	check_relayed(&cd, 1, gw_mac, "198.51.100.7");
	/* Once the gateway is known, the next packet goes straight out. */
	CHECK_EQ(ut_ping_send(s, ipaddr("198.51.100.8"), 9, 2, "route", 5), 0);
	testnet_poll(s);
	CHECK_EQ(cd.n, 3);
	check_relayed(&cd, 2, gw_mac, "198.51.100.8");

	/* Without the default route the same destination is unreachable. */
	CHECK_EQ(ut_route_del(s, ipaddr("0.0.0.0"), 0), 0);
	CHECK_EQ(ut_route_get(s, ipaddr("198.51.100.7"), &ri), -ENETUNREACH);
	testnet_destroy(s, &cd);
}

TEST(an_address_adds_its_connected_route_once_and_deleting_it_removes_the_route)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_route_info ri;
	struct ut_stack *s = make(&tc, &cd, UT_DEV_ETHER);

	CHECK_EQ(ut_route_get(s, ipaddr("172.16.9.1"), &ri), -ENETUNREACH);
	CHECK_EQ(ut_addr_add(s, cd.dev, ipaddr("172.16.5.9"), 20), 0);
	/* "RTNETLINK answers: File exists". */
	CHECK_EQ(ut_addr_add(s, cd.dev, ipaddr("172.16.5.9"), 20), -EEXIST);
	CHECK_EQ(ut_route_get(s, ipaddr("172.16.9.1"), &ri), 0);
	CHECK(ri.dev == cd.dev);
	CHECK_IP_EQ(ri.gateway, ipaddr("0.0.0.0"));
	CHECK_EQ(ri.prefix_len, 20);
	CHECK_IP_EQ(ri.prefsrc, ipaddr("172.16.5.9"));
	/* Just outside the /20. */
	CHECK_EQ(ut_route_get(s, ipaddr("172.16.16.1"), &ri), -ENETUNREACH);
	/* The other prefix keeps its own source. */
	CHECK_EQ(ut_route_get(s, ipaddr("192.168.1.1"), &ri), 0);
	CHECK_IP_EQ(ri.prefsrc, ipaddr("192.168.1.10"));

	CHECK_EQ(ut_addr_del(s, cd.dev, ipaddr("172.16.5.9"), 16), -EADDRNOTAVAIL);
	CHECK_EQ(ut_addr_del(s, cd.dev, ipaddr("172.16.5.9"), 20), 0);
	CHECK_EQ(ut_route_get(s, ipaddr("172.16.9.1"), &ri), -ENETUNREACH);
	CHECK_EQ(ut_addr_del(s, cd.dev, ipaddr("172.16.5.9"), 20), -EADDRNOTAVAIL);
	CHECK_EQ(ut_route_get(s, ipaddr("192.168.1.1"), &ri), 0);
	testnet_destroy(s, &cd);
}

TEST(deleting_one_of_two_addresses_in_a_prefix_keeps_the_route_with_the_other_as_source)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_route_info ri;
	struct wire_ipv4 ip;
	struct ut_stack *s = make(&tc, &cd, UT_DEV_RAWIP);

	CHECK_EQ(ut_addr_add(s, cd.dev, ipaddr("192.168.1.20"), 24), 0);
	CHECK_EQ(ut_route_get(s, ipaddr("192.168.1.99"), &ri), 0);
	CHECK_IP_EQ(ri.prefsrc, ipaddr("192.168.1.10")); /* the first (primary) address */

	/* Like Linux with promote_secondaries: the prefix stays reachable
	 * and packets leave from an address the host still has. */
	CHECK_EQ(ut_addr_del(s, cd.dev, ipaddr("192.168.1.10"), 24), 0);
	CHECK_EQ(ut_route_get(s, ipaddr("192.168.1.99"), &ri), 0);
	CHECK_IP_EQ(ri.prefsrc, ipaddr("192.168.1.20"));
	CHECK_EQ(ut_ping_send(s, ipaddr("192.168.1.99"), 1, 1, "x", 1), 0);
	CHECK_EQ(cd.n, 1);
	CHECK_EQ(wire_ipv4_parse(cd.frames[0].data, cd.frames[0].len, true, &ip), WIRE_OK);
	CHECK_EQ(ip.saddr, ip4("192.168.1.20"));

	CHECK_EQ(ut_addr_del(s, cd.dev, ipaddr("192.168.1.20"), 24), 0);
	CHECK_EQ(ut_route_get(s, ipaddr("192.168.1.99"), &ri), -ENETUNREACH);
	testnet_destroy(s, &cd);
}

TEST(deleting_the_last_address_of_a_device_takes_its_gateway_routes_too)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_route_info ri;
	struct ut_stack *s = make(&tc, &cd, UT_DEV_RAWIP);

	CHECK_EQ(ut_route_add(s, ipaddr("0.0.0.0"), 0, ipaddr("192.168.1.1"), NULL), 0);
	CHECK_EQ(ut_route_get(s, ipaddr("8.8.8.8"), &ri), 0);
	/* Linux's fib_disable_ip: a device without addresses routes
	 * nothing, so no packet can leave with source 0.0.0.0. */
	CHECK_EQ(ut_addr_del(s, cd.dev, ipaddr("192.168.1.10"), 24), 0);
	CHECK_EQ(ut_route_get(s, ipaddr("8.8.8.8"), &ri), -ENETUNREACH);
	CHECK_EQ(ut_ping_send(s, ipaddr("8.8.8.8"), 1, 1, "x", 1), -ENETUNREACH);
	CHECK_EQ(cd.n, 0);
	testnet_destroy(s, &cd);
}

TEST(route_add_refuses_host_bits_an_off_link_gateway_a_duplicate_and_no_next_hop)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_route_info ri;
	struct ut_stack *s = make(&tc, &cd, UT_DEV_ETHER);

	/* "Invalid prefix for given prefix length". */
	CHECK_EQ(ut_route_add(s, ipaddr("10.1.2.3"), 24, ipaddr("192.168.1.1"), NULL), -EINVAL);
	CHECK_EQ(ut_route_add(s, ipaddr("0.0.0.1"), 0, ipaddr("192.168.1.1"), NULL), -EINVAL);
	CHECK_EQ(ut_route_add(s, ipaddr("10.0.0.0"), 33, ipaddr("192.168.1.1"), NULL), -EINVAL);
	/* "Nexthop has invalid gateway": not on any connected prefix. */
	CHECK_EQ(ut_route_add(s, ipaddr("10.0.0.0"), 8, ipaddr("172.16.0.1"), NULL), -ENETUNREACH);
	/* Nor reachable only through another gateway. */
	CHECK_EQ(ut_route_add(s, ipaddr("172.16.0.0"), 12, ipaddr("192.168.1.1"), NULL), 0);
	CHECK_EQ(ut_route_add(s, ipaddr("10.0.0.0"), 8, ipaddr("172.16.0.1"), NULL), -ENETUNREACH);
	/* "File exists". */
	CHECK_EQ(ut_route_add(s, ipaddr("10.0.0.0"), 8, ipaddr("192.168.1.1"), NULL), 0);
	CHECK_EQ(ut_route_add(s, ipaddr("10.0.0.0"), 8, ipaddr("192.168.1.1"), NULL), -EEXIST);
	CHECK_EQ(ut_route_add(s, ipaddr("10.0.0.0"), 8, ipaddr("192.168.1.2"), NULL), -EEXIST);
	/* Neither a gateway nor a device: no next hop at all. */
	CHECK_EQ(ut_route_add(s, ipaddr("198.18.0.0"), 15, ipaddr("0.0.0.0"), NULL), -ENODEV);
	/* A refused route leaves the table as it was. */
	CHECK_IP_EQ(route_gw(s, "10.9.9.9"), ipaddr("192.168.1.1"));
	CHECK_IP_EQ(route_gw(s, "172.16.0.1"), ipaddr("192.168.1.1"));
	CHECK_EQ(ut_route_get(s, ipaddr("198.18.0.1"), &ri), -ENETUNREACH);
	testnet_destroy(s, &cd);
}

TEST(route_get_gives_the_device_gateway_and_source_of_the_route_it_picks)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_route_info ri;
	unsigned sent;
	struct ut_stack *s = make(&tc, &cd, UT_DEV_ETHER);
	struct ut_dev *eth1 = second_dev(s, &sent);

	CHECK_EQ(ut_addr_add(s, eth1, ipaddr("10.20.0.5"), 16), 0);
	CHECK_EQ(ut_route_add(s, ipaddr("203.0.113.0"), 24, ipaddr("10.20.0.1"), NULL), 0);
	CHECK_EQ(ut_route_add(s, ipaddr("0.0.0.0"), 0, ipaddr("192.168.1.1"), NULL), 0);

	CHECK_EQ(ut_route_get(s, ipaddr("203.0.113.50"), &ri), 0);
	CHECK(ri.dev == eth1); /* the device holding the gateway's prefix */
	CHECK_IP_EQ(ri.gateway, ipaddr("10.20.0.1"));
	CHECK_IP_EQ(ri.prefsrc, ipaddr("10.20.0.5"));
	CHECK_EQ(ri.prefix_len, 24);
	CHECK(!ri.local);

	CHECK_EQ(ut_route_get(s, ipaddr("203.0.114.50"), &ri), 0);
	CHECK(ri.dev == cd.dev);
	CHECK_IP_EQ(ri.gateway, ipaddr("192.168.1.1"));
	CHECK_IP_EQ(ri.prefsrc, ipaddr("192.168.1.10"));

	CHECK_EQ(ut_route_get(s, ipaddr("10.20.255.1"), &ri), 0);
	CHECK(ri.dev == eth1);
	CHECK_IP_EQ(ri.gateway, ipaddr("0.0.0.0"));
	CHECK_IP_EQ(ri.prefsrc, ipaddr("10.20.0.5"));

	/* A device given with the gateway must be the gateway's. */
	CHECK_EQ(ut_route_add(s, ipaddr("198.18.0.0"), 15, ipaddr("10.20.0.1"), cd.dev),
		 -ENETUNREACH);
	CHECK_EQ(ut_route_add(s, ipaddr("198.18.0.0"), 15, ipaddr("10.20.0.1"), eth1), 0);
	/* A connected route named by device alone. */
	CHECK_EQ(ut_route_add(s, ipaddr("100.64.0.0"), 10, ipaddr("0.0.0.0"), eth1), 0);
	CHECK_EQ(ut_route_get(s, ipaddr("100.64.1.1"), &ri), 0);
	CHECK(ri.dev == eth1);
	CHECK_IP_EQ(ri.gateway, ipaddr("0.0.0.0"));
	CHECK_IP_EQ(ri.prefsrc, ipaddr("10.20.0.5"));
	CHECK_EQ(sent, 0);
	testnet_destroy(s, &cd);
}

TEST(local_addresses_route_through_lo_and_a_ping_to_ourselves_never_touches_the_wire)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_route_info ri;
	static struct ping_log log;
	struct ut_stack *s = make(&tc, &cd, UT_DEV_ETHER);
	struct ut_dev *lo = ut_dev_by_name(s, "lo");

	CHECK(lo != NULL);
	CHECK_EQ(ut_route_get(s, ipaddr("192.168.1.10"), &ri), 0);
	CHECK(ri.local);
	CHECK(ri.dev == lo);
	CHECK_IP_EQ(ri.gateway, ipaddr("0.0.0.0"));
	CHECK_IP_EQ(ri.prefsrc, ipaddr("192.168.1.10"));
	CHECK_EQ(ri.prefix_len, 32);
	CHECK_EQ(ut_route_get(s, ipaddr("127.1.2.3"), &ri), 0);
	CHECK(ri.local);
	CHECK(ri.dev == lo);
	/* A local address wins over a more specific route covering it. */
	CHECK_EQ(ut_route_add(s, ipaddr("192.168.1.10"), 32, ipaddr("192.168.1.1"), NULL), 0);
	CHECK_EQ(ut_route_get(s, ipaddr("192.168.1.10"), &ri), 0);
	CHECK(ri.local);

	ping_log_attach(s, &log);
	CHECK_EQ(ut_ping_send(s, ipaddr("192.168.1.10"), 5, 1, "self", 4), 0);
	testnet_poll(s);
	CHECK_EQ(log.replies, 1);
	CHECK_IP_EQ(log.last.from, ipaddr("192.168.1.10"));
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

/* ip_route_output and the receive path's inet_addr_type keep their
 * answers per stack (route.c's caches): every change of routes and
 * addresses must be seen by the very next question, asked twice here so
 * that the second answer comes from the cache. */
TEST(the_answers_kept_per_packet_follow_every_change_of_routes_and_addresses)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_route_info ri;
	struct ut_stack *s = make(&tc, &cd, UT_DEV_ETHER);
	struct ut_dev *lo = ut_dev_by_name(s, "lo");

	for (int i = 0; i < 2; i++)
		CHECK_EQ(ut_route_get(s, ipaddr("10.1.2.3"), &ri), -ENETUNREACH);
	CHECK_EQ(ut_route_add(s, ipaddr("10.0.0.0"), 8, ipaddr("192.168.1.1"), NULL), 0);
	for (int i = 0; i < 2; i++)
		CHECK_IP_EQ(route_gw(s, "10.1.2.3"), ipaddr("192.168.1.1"));
	CHECK_EQ(ut_route_add(s, ipaddr("10.1.0.0"), 16, ipaddr("192.168.1.2"), NULL), 0);
	for (int i = 0; i < 2; i++)
		CHECK_IP_EQ(route_gw(s, "10.1.2.3"), ipaddr("192.168.1.2"));
	CHECK_EQ(ut_route_del(s, ipaddr("10.1.0.0"), 16), 0);
	for (int i = 0; i < 2; i++)
		CHECK_EQ(route_len(s, "10.1.2.3"), 8);

	/* An address becomes local, then stops being it. */
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(ut_route_get(s, ipaddr("192.168.1.77"), &ri), 0);
		CHECK(!ri.local);
		CHECK_EQ(inet_addr_type_cached(s, ip4("192.168.1.77")), RTN_UNICAST);
	}
	CHECK_EQ(ut_addr_add(s, cd.dev, ipaddr("192.168.1.77"), 24), 0);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(ut_route_get(s, ipaddr("192.168.1.77"), &ri), 0);
		CHECK(ri.local && ri.dev == lo);
		CHECK_EQ(inet_addr_type_cached(s, ip4("192.168.1.77")), RTN_LOCAL);
		CHECK_EQ(inet_addr_type_cached(s, ip4("192.168.1.255")), RTN_BROADCAST);
	}
	CHECK_EQ(ut_addr_del(s, cd.dev, ipaddr("192.168.1.77"), 24), 0);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(ut_route_get(s, ipaddr("192.168.1.77"), &ri), 0);
		CHECK(!ri.local);
		CHECK_EQ(inet_addr_type_cached(s, ip4("192.168.1.77")), RTN_UNICAST);
	}
	/* The last address gone, so is the prefix and its broadcast. */
	CHECK_EQ(ut_addr_del(s, cd.dev, ipaddr("192.168.1.10"), 24), 0);
	CHECK_EQ(inet_addr_type_cached(s, ip4("192.168.1.255")), RTN_UNICAST);
	CHECK_EQ(ut_route_get(s, ipaddr("10.1.2.3"), &ri), -ENETUNREACH);
	testnet_destroy(s, &cd);
}

TEST(an_unroutable_destination_fails_with_enetunreach_and_counts_outnoroutes)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_route_info ri;
	struct ut_stack *s = make(&tc, &cd, UT_DEV_ETHER);

	CHECK_EQ(ut_route_get(s, ipaddr("203.0.113.9"), &ri), -ENETUNREACH);
	CHECK_EQ(ut_ping_send(s, ipaddr("203.0.113.9"), 1, 1, "x", 1), -ENETUNREACH);
	CHECK_EQ(testnet_counter(s, "Ip", "OutNoRoutes"), 1);
	CHECK_EQ(ut_ping_send(s, ipaddr("203.0.113.10"), 1, 2, "x", 1), -ENETUNREACH);
	CHECK_EQ(testnet_counter(s, "Ip", "OutNoRoutes"), 2);
	/* Refused before it was a request: Linux does not count it there. */
	CHECK_EQ(testnet_counter(s, "Ip", "OutRequests"), 0);
	testnet_poll(s);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

/* The API takes addresses of either family: an address of no family the
 * stack speaks is refused before anything changes or leaves, and a
 * gateway must be of its destination's family. */
TEST(every_address_call_refuses_an_address_of_no_family_with_eafnosupport_and_changes_nothing)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_route_info ri;
	struct ut_neigh_info ni;
	struct ut_stack *s = make(&tc, &cd, UT_DEV_ETHER);
	struct ut_ip none;

	memset(&none, 0, sizeof(none));
	CHECK_EQ(ut_addr_add(s, cd.dev, none, 64), -EAFNOSUPPORT);
	CHECK_EQ(ut_addr_del(s, cd.dev, none, 64), -EAFNOSUPPORT);
	CHECK_EQ(ut_route_add(s, none, 0, ipaddr("192.168.1.1"), NULL), -EAFNOSUPPORT);
	CHECK_EQ(ut_route_add(s, ipaddr("10.0.0.0"), 8, ipaddr("2001:db8::1"), NULL),
		 -EAFNOSUPPORT);
	CHECK_EQ(ut_route_del(s, none, 32), -EAFNOSUPPORT);
	CHECK_EQ(ut_route_get(s, none, &ri), -EAFNOSUPPORT);
	CHECK_EQ(ut_neigh_get(s, none, &ni), -EAFNOSUPPORT);
	CHECK_EQ(ut_neigh_resolve(s, none), -EAFNOSUPPORT);
	CHECK_EQ(ut_ping_send(s, none, 1, 1, "x", 1), -EAFNOSUPPORT);
	CHECK_EQ(ut_route_get(s, ipaddr("10.0.0.1"), &ri), -ENETUNREACH);
	testnet_poll(s);
	CHECK_EQ(cd.n, 0);

	/* No gateway, whatever the family of its "none", is an on-link
	 * route; what route_get reports is IPv4. */
	CHECK_EQ(ut_route_add(s, ipaddr("10.0.0.0"), 8, none, cd.dev), 0);
	CHECK_EQ(ut_route_add(s, ipaddr("10.1.0.0"), 16, ipaddr("::"), cd.dev), 0);
	CHECK_EQ(ut_route_get(s, ipaddr("10.1.0.1"), &ri), 0);
	CHECK_IP_EQ(ri.gateway, ipaddr("0.0.0.0"));
	CHECK_IP_EQ(ri.prefsrc, ipaddr("192.168.1.10"));
	testnet_destroy(s, &cd);
}
