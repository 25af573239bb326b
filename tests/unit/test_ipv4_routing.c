/* Routing: connected routes from addresses, longest prefix match, the
 * default gateway, local delivery through lo, and the errors `ip route`
 * gives. */
#include <errno.h>

#include "net/stack.h"
#include "test.h"
#include "testnet.h"

TEST(an_address_brings_its_connected_route_and_takes_it_away)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_route_info ri;
	struct ut_stack *s;

	test_clock_init(&tc, 0);
	s = testnet_stack(&tc, &cd, UT_DEV_ETHER, "10.0.0.1", 24);
	CHECK_EQ(ut_route_get(s, ip4("10.0.0.77"), &ri), 0);
	CHECK(ri.dev == cd.dev);
	CHECK_EQ(ri.gateway, 0);
	CHECK_EQ(ri.prefsrc, ip4("10.0.0.1"));
	CHECK_EQ(ri.prefix_len, 24);
	CHECK_EQ(ut_addr_add(s, cd.dev, ip4("10.0.0.1"), 24), -EEXIST);
	CHECK_EQ(ut_addr_del(s, cd.dev, ip4("10.0.0.1"), 24), 0);
	CHECK_EQ(ut_route_get(s, ip4("10.0.0.77"), &ri), -ENETUNREACH);
	CHECK_EQ(ut_addr_del(s, cd.dev, ip4("10.0.0.1"), 24), -EADDRNOTAVAIL);
	testnet_destroy(s, &cd);
}

TEST(the_longest_matching_prefix_wins_and_the_default_route_catches_the_rest)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_route_info ri;
	struct ut_stack *s;

	test_clock_init(&tc, 0);
	s = testnet_stack(&tc, &cd, UT_DEV_ETHER, "10.0.0.1", 24);
	CHECK_EQ(ut_route_add(s, 0, 0, ip4("10.0.0.254"), NULL), 0);
	CHECK_EQ(ut_route_add(s, ip4("192.168.0.0"), 16, ip4("10.0.0.253"), NULL), 0);
	CHECK_EQ(ut_route_add(s, ip4("192.168.7.0"), 24, ip4("10.0.0.252"), NULL), 0);

	CHECK_EQ(ut_route_get(s, ip4("192.168.7.9"), &ri), 0);
	CHECK_EQ(ri.gateway, ip4("10.0.0.252"));
	CHECK_EQ(ri.prefix_len, 24);
	CHECK_EQ(ut_route_get(s, ip4("192.168.8.9"), &ri), 0);
	CHECK_EQ(ri.gateway, ip4("10.0.0.253"));
	CHECK_EQ(ut_route_get(s, ip4("8.8.8.8"), &ri), 0);
	CHECK_EQ(ri.gateway, ip4("10.0.0.254"));
	CHECK_EQ(ri.prefix_len, 0);
	CHECK_EQ(ri.prefsrc, ip4("10.0.0.1"));
	/* On-link beats the default. */
	CHECK_EQ(ut_route_get(s, ip4("10.0.0.5"), &ri), 0);
	CHECK_EQ(ri.gateway, 0);

	CHECK_EQ(ut_route_del(s, ip4("192.168.7.0"), 24), 0);
	CHECK_EQ(ut_route_get(s, ip4("192.168.7.9"), &ri), 0);
	CHECK_EQ(ri.gateway, ip4("10.0.0.253"));
	CHECK_EQ(ut_route_del(s, ip4("192.168.7.0"), 24), -ESRCH);
	testnet_destroy(s, &cd);
}

TEST(route_add_refuses_what_ip_route_refuses)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s;

	test_clock_init(&tc, 0);
	s = testnet_stack(&tc, &cd, UT_DEV_ETHER, "10.0.0.1", 24);
	/* Host bits set under the prefix. */
	CHECK_EQ(ut_route_add(s, ip4("192.168.1.1"), 16, ip4("10.0.0.254"), NULL), -EINVAL);
	CHECK_EQ(ut_route_add(s, ip4("192.168.0.0"), 33, ip4("10.0.0.254"), NULL), -EINVAL);
	/* A gateway that is not on any connected prefix. */
	CHECK_EQ(ut_route_add(s, ip4("192.168.0.0"), 16, ip4("172.16.0.1"), NULL), -ENETUNREACH);
	CHECK_EQ(ut_route_add(s, ip4("192.168.0.0"), 16, ip4("10.0.0.254"), NULL), 0);
	CHECK_EQ(ut_route_add(s, ip4("192.168.0.0"), 16, ip4("10.0.0.253"), NULL), -EEXIST);
	/* Neither a gateway nor a device. */
	CHECK_EQ(ut_route_add(s, ip4("172.16.0.0"), 12, 0, NULL), -ENODEV);
	testnet_destroy(s, &cd);
}

TEST(packets_to_a_gateway_route_are_addressed_to_the_gateway_mac)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s;
	struct wire_eth eth;
	struct wire_arp arp;

	test_clock_init(&tc, 0);
	s = testnet_stack(&tc, &cd, UT_DEV_ETHER, "10.0.0.1", 24);
	CHECK_EQ(ut_route_add(s, 0, 0, ip4("10.0.0.254"), NULL), 0);
	CHECK_EQ(ut_ping_send(s, ip4("198.51.100.1"), 1, 1, "x", 1), 0);
	testnet_poll(s);
	/* Resolution asks for the gateway, not the destination. */
	CHECK_EQ(cd.n, 1);
	CHECK_EQ(wire_eth_parse(cd.frames[0].data, cd.frames[0].len, &eth), WIRE_OK);
	CHECK_EQ(wire_arp_parse(eth.payload, eth.payload_len, &arp), WIRE_OK);
	CHECK_EQ(arp.tip, ip4("10.0.0.254"));
	testnet_destroy(s, &cd);
}

TEST(local_addresses_route_through_lo_and_unknown_destinations_are_unreachable)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_route_info ri;
	struct ut_stack *s;

	test_clock_init(&tc, 0);
	s = testnet_stack(&tc, &cd, UT_DEV_ETHER, "10.0.0.1", 24);
	CHECK_EQ(ut_route_get(s, ip4("10.0.0.1"), &ri), 0);
	CHECK(ri.local);
	CHECK(ri.dev == ut_dev_by_name(s, "lo"));
	CHECK_EQ(ut_route_get(s, ip4("127.0.0.53"), &ri), 0);
	CHECK(ri.local);
	CHECK_EQ(ut_route_get(s, ip4("203.0.113.9"), &ri), -ENETUNREACH);
	CHECK_EQ(ut_ping_send(s, ip4("203.0.113.9"), 1, 1, "x", 1), -ENETUNREACH);
	CHECK_EQ(testnet_counter(s, "Ip", "OutNoRoutes"), 1);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}
