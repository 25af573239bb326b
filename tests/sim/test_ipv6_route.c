/* IPv6 routes and transmission: the longest prefix, then the lowest
 * metric; gateways Linux would refuse; `ip -6 route get`; the source
 * address chosen; fragmentation at the source to the path MTU (RFC 8200
 * 4.5) and path MTUs learned from Packet Too Big (RFC 8201), never below
 * 1280 and forgotten after net.ipv6.route.mtu_expires. */
#include <errno.h>
#include <string.h>

#include "net/ip6_route.h"
#include "net/ipv6.h"
#include "net/stack.h"
#include "net/wire.h"
#include "test.h"
#include "testip6.h"
#include "testwire.h"

#define ME "2001:db8::1"
#define PEER "2001:db8::2"
#define SEC 1000000000ULL

static struct ut_ip v6(const char *text)
{
	struct in6_addr a = ip6_text(text);

	return ut_ip_v6(&a);
}

TEST(the_longest_prefix_wins_and_then_the_lowest_metric)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = testip6_host(&tc, &cd, ME, 64, NULL);
	struct ut_route_info ri;

	CHECK_EQ(ut_route_add(s, v6("2001:db8:1::"), 48, v6(PEER), NULL), 0);
	CHECK_EQ(ut_route_add(s, v6("::"), 0, v6("2001:db8::fe"), NULL), 0);
	CHECK_EQ(ut_route_get(s, v6("2001:db8:1::5"), &ri), 0);
	CHECK(ut_ip_equal(ri.gateway, v6(PEER)));
	CHECK_EQ(ri.prefix_len, 48);
	CHECK(ut_ip_equal(ri.prefsrc, v6(ME)));
	CHECK_EQ(ut_route_get(s, v6("2001:db9::5"), &ri), 0);
	CHECK(ut_ip_equal(ri.gateway, v6("2001:db8::fe")));
	CHECK_EQ(ri.prefix_len, 0);
	/* On-link: no gateway. */
	CHECK_EQ(ut_route_get(s, v6("2001:db8::77"), &ri), 0);
	CHECK(ut_ip_is_any(ri.gateway));
	CHECK_EQ(ri.gateway.family, AF_INET6);
	CHECK_EQ(ri.prefix_len, 64);
	/* Ours: local, through lo. */
	CHECK_EQ(ut_route_get(s, v6(ME), &ri), 0);
	CHECK(ri.local);
	CHECK(ri.dev == ut_dev_by_name(s, "lo"));
	CHECK_EQ(ut_route_del(s, v6("2001:db8:1::"), 48), 0);
	CHECK_EQ(ut_route_del(s, v6("2001:db8:1::"), 48), -ESRCH);
	CHECK_EQ(ut_route_get(s, v6("2001:db8:1::5"), &ri), 0);
	CHECK(ut_ip_equal(ri.gateway, v6("2001:db8::fe")));
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(routes_linux_would_refuse_are_refused_with_its_errors)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = testip6_host(&tc, &cd, ME, 64, NULL);
	struct ut_route_info ri;

	/* Host bits set under the prefix length. */
	CHECK_EQ(ut_route_add(s, v6("2001:db8:1::1"), 48, v6(PEER), NULL), -EINVAL);
	CHECK_EQ(ut_route_add(s, v6("2001:db8:1::"), 129, v6(PEER), NULL), -EINVAL);
	/* A gateway on no connected prefix. */
	CHECK_EQ(ut_route_add(s, v6("2001:db8:1::"), 48, v6("2001:db9::1"), NULL), -ENETUNREACH);
	/* A link-local gateway without its device. */
	CHECK_EQ(ut_route_add(s, v6("2001:db8:1::"), 48, v6("fe80::1"), NULL), -ENODEV);
	CHECK_EQ(ut_route_add(s, v6("2001:db8:1::"), 48, v6("fe80::1"), cd.dev), 0);
	CHECK_EQ(ut_route_add(s, v6("2001:db8:1::"), 48, v6("fe80::1"), cd.dev), -EEXIST);
	/* A group is no gateway; families do not mix. */
	CHECK_EQ(ut_route_add(s, v6("2001:db8:2::"), 48, v6("ff02::1"), cd.dev), -EINVAL);
	CHECK_EQ(ut_route_add(s, v6("2001:db8:2::"), 48, ipaddr("10.0.0.1"), cd.dev),
		 -EAFNOSUPPORT);
	/* Nothing matches. */
	CHECK_EQ(ut_route_get(s, v6("2001:db9::1"), &ri), -ENETUNREACH);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(two_routers_give_two_default_routes_and_a_lifetime_refreshes_only_a_route_that_has_one)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = testip6_host(&tc, &cd, ME, 64, NULL);
	struct net_device *dev = netdev_from_ut(cd.dev);
	struct in6_addr any = ip6_text("::"), r1 = ip6_text("fe80::1"), r2 = ip6_text("fe80::2");
	struct in6_addr far = ip6_text("2001:db9::1");
	struct fib6_route r = {.prefix_len = 0,
			       .protocol = RTPROT_RA,
			       .flags = RTF_GATEWAY | RTF_DEFAULT | RTF_EXPIRES,
			       .metric = IP6_RT_PRIO_USER,
			       .dev = dev};
	struct rt6_result res;

	stack_lock(s);
	r.gateway = r1;
	r.expires = stack_jiffies(s) + 1800 * 1000;
	CHECK_EQ(ip6_route_add(s, &r), 0);
	r.gateway = r2;
	r.expires = stack_jiffies(s) + 30 * 1000;
	CHECK_EQ(ip6_route_add(s, &r), 0);
	/* The first router's route is kept beside the second's. */
	CHECK_EQ(ip6_route_output(s, &far, 0, &res), 0);
	CHECK(ipv6_addr_equal(&res.nexthop, &r1));
	CHECK_EQ(ip6_route_del(s, &any, 0, dev, &r1), 0);
	CHECK_EQ(ip6_route_output(s, &far, 0, &res), 0);
	CHECK(ipv6_addr_equal(&res.nexthop, &r2));
	/* The second router's advertisement again: a new lifetime. */
	r.expires = stack_jiffies(s) + 60 * 1000;
	CHECK_EQ(ip6_route_add(s, &r), 0);
	stack_unlock(s);
	testnet_advance(s, &tc, 45 * SEC);
	stack_lock(s);
	CHECK_EQ(ip6_route_output(s, &far, 0, &res), 0);
	stack_unlock(s);
	testnet_advance(s, &tc, 20 * SEC);
	stack_lock(s);
	CHECK_EQ(ip6_route_output(s, &far, 0, &res), -ENETUNREACH);
	/* A permanent route is not turned into one that expires. */
	r.flags &= ~(uint32_t)RTF_EXPIRES;
	r.expires = 0;
	CHECK_EQ(ip6_route_add(s, &r), 0);
	r.flags |= RTF_EXPIRES;
	r.expires = stack_jiffies(s) + 10 * 1000;
	CHECK_EQ(ip6_route_add(s, &r), -EEXIST);
	stack_unlock(s);
	testnet_advance(s, &tc, 20 * SEC);
	stack_lock(s);
	CHECK_EQ(ip6_route_output(s, &far, 0, &res), 0);
	stack_unlock(s);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

/* Sends len bytes of protocol 253 to PEER through ip6_send_skb. */
static int send_raw(struct ut_stack *s, size_t len, uint8_t pmtudisc)
{
	struct ip6_out_params p;
	struct sk_buff *skb = stack_alloc_skb(s, (uint32_t)len);
	int err;

	CHECK(skb != NULL);
	memset(skb_put(skb, (uint32_t)len), 0xab, len);
	memset(&p, 0, sizeof(p));
	p.daddr = ip6_text(PEER);
	p.nexthdr = 253;
	p.hop_limit = -1;
	p.pmtudisc = pmtudisc;
	stack_lock(s);
	err = ip6_send_skb(s, skb, &p, NULL);
	stack_unlock(s);
	testnet_poll(s);
	return err;
}

/* The fragments captured: each one's payload after the fragment header,
 * in order, must add up to len bytes of 0xab at consecutive offsets. */
static void check_fragments(struct capdev *cd, size_t len, unsigned mtu)
{
	uint32_t id = 0;
	size_t off = 0;

	for (size_t i = 0; i < cd->n; i++) {
		struct wire_ipv6 ip;
		struct wire_ipv6_ext ext;
		size_t part;

		testnet_frame_ip6(cd, i, &ip);
		CHECK(IPV6_HLEN + (size_t)ip.payload_len <= mtu);
		CHECK_EQ(ip.nexthdr, NEXTHDR_FRAGMENT);
		CHECK_EQ(wire_ipv6_ext_parse(NEXTHDR_FRAGMENT, ip.payload, ip.payload_len, &ext),
			 WIRE_OK);
		CHECK_EQ(ext.nexthdr, 253);
		CHECK_EQ(ext.frag.offset, off);
		if (i == 0)
			id = ext.frag.id;
		CHECK_EQ(ext.frag.id, id);
		CHECK_EQ(ext.frag.more, i + 1 < cd->n);
		part = ip.payload_len - IPV6_FRAG_HLEN;
		if (ext.frag.more)
			CHECK_EQ(part % 8, 0);
		for (size_t k = 0; k < part; k++)
			CHECK_EQ(ip.payload[IPV6_FRAG_HLEN + k], 0xab);
		off += part;
	}
	CHECK_EQ(off, len);
}

TEST(a_packet_larger_than_the_mtu_leaves_as_fragments_of_eight_byte_multiples)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = testip6_host(&tc, &cd, ME, 64, PEER);
	uint64_t requests = testnet_counter(s, "Ip6", "OutRequests");

	CHECK_EQ(send_raw(s, 4000, IPV6_PMTUDISC_WANT), 0);
	/* 1500 - 40 - 8 = 1452, cut to 1448: 1448 + 1448 + 1104. */
	CHECK_EQ(cd.n, 3);
	check_fragments(&cd, 4000, 1500);
	CHECK_EQ(testnet_counter(s, "Ip6", "FragOKs"), 1);
	CHECK_EQ(testnet_counter(s, "Ip6", "FragCreates"), 3);
	CHECK_EQ(testnet_counter(s, "Ip6", "OutRequests"), requests + 1);
	capdev_clear(&cd);
	/* Asked not to fragment: EMSGSIZE, nothing sent. */
	CHECK_EQ(send_raw(s, 4000, IPV6_PMTUDISC_DO), -EMSGSIZE);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Ip6", "FragFails"), 1);
	/* What fits leaves whole. */
	CHECK_EQ(send_raw(s, 1460, IPV6_PMTUDISC_WANT), 0);
	CHECK_EQ(cd.n, 1);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(a_learned_path_mtu_is_used_never_below_1280_and_forgotten_after_mtu_expires)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = testip6_host(&tc, &cd, ME, 64, PEER);
	struct in6_addr peer = ip6_text(PEER);

	stack_lock(s);
	rt6_pmtu_update(s, &peer, 1000); /* below the minimum: 1280 */
	CHECK_EQ(rt6_path_mtu(s, &peer, netdev_from_ut(cd.dev)), 1280);
	rt6_pmtu_update(s, &peer, 1400); /* more than known: stale */
	CHECK_EQ(rt6_path_mtu(s, &peer, netdev_from_ut(cd.dev)), 1280);
	stack_unlock(s);
	CHECK_EQ(send_raw(s, 2000, IPV6_PMTUDISC_WANT), 0);
	CHECK_EQ(cd.n, 2);
	check_fragments(&cd, 2000, 1280);
	capdev_clear(&cd);
	testnet_advance(s, &tc, 601 * SEC);
	stack_lock(s);
	CHECK_EQ(rt6_path_mtu(s, &peer, netdev_from_ut(cd.dev)), 1500);
	stack_unlock(s);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(the_loopback_address_never_leaves_the_node_even_while_every_other_address_is_tentative)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s;

	test_clock_init(&tc, 0);
	s = testnet_stack(&tc, &cd, UT_DEV_ETHER, NULL, 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.all.disable_ipv6", 0), 0);
	CHECK_EQ(ut_addr_add(s, cd.dev, v6(ME), 64), 0); /* tentative: DAD runs */
	/* Only lo's ::1 is usable: it is not a source for the link (RFC
	 * 4291 2.5.3). */
	CHECK_EQ(send_raw(s, 100, IPV6_PMTUDISC_WANT), -EADDRNOTAVAIL);
	for (size_t i = 0; i < cd.n; i++) {
		struct wire_ipv6 ip;

		testnet_frame_ip6(&cd, i, &ip);
		CHECK(!ipv6_addr_loopback(&ip.saddr));
	}
	CHECK_EQ(testnet_counter(s, "Ip6", "OutDiscards"), 1);
	/* Once DAD has passed, the address is the source. */
	testnet_advance(s, &tc, 3 * SEC);
	capdev_clear(&cd);
	stack_lock(s);
	{
		struct ip6_out_params p = {
			.daddr = ip6_text(PEER), .nexthdr = 253, .hop_limit = -1};
		struct sk_buff *skb = stack_alloc_skb(s, 8);

		CHECK(skb != NULL);
		memset(skb_put(skb, 8), 0, 8);
		CHECK_EQ(ip6_send_skb(s, skb, &p, NULL), 0);
	}
	stack_unlock(s);
	testnet_poll(s);
	CHECK_EQ(testip6_answer_ns(&cd, 0), 1);
	{
		struct wire_ipv6 ip;
		struct in6_addr me = ip6_text(ME);

		testnet_frame_ip6(&cd, cd.n - 1, &ip);
		CHECK_EQ(ip.nexthdr, 253);
		CHECK(ipv6_addr_equal(&ip.saddr, &me));
	}
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(the_ipv6_settings_have_linux_names_defaults_and_ranges)
{
	static const struct {
		const char *name;
		long def, bad;
		const char *set;
	} table[] = {
		{"net.ipv6.bindv6only", 0, 2, "1"},
		{"net.ipv6.ip6frag_time", 60, 0, "7"},
		{"net.ipv6.ip6frag_high_thresh", 4194304, -1, "70000"},
		{"net.ipv6.icmp.ratelimit", 1000, -1, "7"},
		{"net.ipv6.route.mtu_expires", 600, -1, "7"},
		{"net.ipv6.neigh.default.retrans_time_ms", 1000, 1, "700"},
		{"net.ipv6.neigh.default.base_reachable_time_ms", 30000, 0, "7"},
	};
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s;
	char buf[32];

	test_clock_init(&tc, 0);
	s = testnet_stack(&tc, &cd, UT_DEV_ETHER, NULL, 0);

	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		long v = -99;

		CHECK_EQ(ut_sysctl_get(s, table[i].name, &v), 0);
		CHECK_EQ(v, table[i].def);
		CHECK_EQ(ut_sysctl_set(s, table[i].name, table[i].bad), -EINVAL);
		CHECK_EQ(ut_sysctl_set_str(s, table[i].name, table[i].set), 0);
		CHECK_EQ(ut_sysctl_get_str(s, table[i].name, buf, sizeof(buf)), 0);
		CHECK(strcmp(buf, table[i].set) == 0);
	}
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.no_such_thing", 1), -ENOENT);
	CHECK_EQ(ut_sysctl_set_str(s, "net.ipv6.no_such_thing", "1"), -ENOENT);
	testnet_destroy(s, &cd);
}
