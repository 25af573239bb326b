/* Echo for applications over IPv6: ut_ping_send to an AF_INET6 address
 * sends an ICMPv6 echo request (RFC 4443 4.1); the reply, and the ICMPv6
 * errors that quote the request, reach the ping handler as Linux's ping
 * sockets deliver them. */
#include <errno.h>
#include <string.h>

#include "net/ip6_route.h"
#include "net/stack.h"
#include "net/wire.h"
#include "test.h"
#include "testnet.h"
#include "testnet6.h"
#include "testwire.h"

#define MSEC 1000000ULL

/* Injects an ICMPv6 message from src to us (2001:db8::1). */
static void inject_icmp6(struct capdev *cd, const char *src, uint8_t hop, uint8_t type,
			 uint8_t code, uint32_t rest, const void *data, size_t len)
{
	static uint8_t msg[2048], pkt[2048];
	size_t n = build_icmp6_text(msg, src, "2001:db8::1", type, code, rest, data, len);

	n = build_ipv6_text(pkt, src, "2001:db8::1", NEXTHDR_ICMP, hop, msg, n);
	testnet_inject6(cd, pkt, n);
}

TEST(an_echo_reply_for_our_ipv6_request_reaches_the_ping_handler_with_its_hop_limit)
{
	struct test_clock tc;
	struct capdev cd;
	static struct ping_log log;
	struct wire_ipv6 ip;
	struct wire_icmp6 req;
	struct ut_stack *s = testnet_host6(&tc, &cd);

	ping_log_attach(s, &log);
	CHECK_EQ(ut_ping_send(s, ipaddr("2001:db8::2"), 0x4d2, 17, "are you there", 13), 0);
	CHECK_EQ(cd.n, 1);
	testnet_frame_icmp6_l3(&cd, 0, &ip, &req);
	CHECK_EQ(req.type, ICMPV6_ECHO_REQUEST);
	CHECK_EQ(req.code, 0);
	CHECK_EQ(req.rest, 0x4d2u << 16 | 17);
	CHECK_EQ(req.payload_len, 13);
	CHECK_MEM_EQ(req.payload, "are you there", 13);
	CHECK_IP_EQ(ut_ip_v6(&ip.saddr), ipaddr("2001:db8::1"));
	CHECK_IP_EQ(ut_ip_v6(&ip.daddr), ipaddr("2001:db8::2"));
	CHECK_EQ(ip.hop_limit, 64);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutEchos"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutMsgs"), 1);

	tc.now += 7 * MSEC;
	inject_icmp6(&cd, "2001:db8::2", 61, ICMPV6_ECHO_REPLY, 0, 0x4d2u << 16 | 17,
		     "are you there", 13);
	CHECK_EQ(log.replies, 1);
	CHECK_EQ(log.errors, 0);
	CHECK_EQ(log.last.kind, UT_PING_REPLY);
	CHECK_EQ(log.last.id, 0x4d2);
	CHECK_EQ(log.last.seq, 17);
	CHECK_IP_EQ(log.last.from, ipaddr("2001:db8::2"));
	CHECK_EQ(log.last.ttl, 61);
	CHECK_EQ(log.last.len, 13);
	CHECK_MEM_EQ(log.data, "are you there", 13);
	CHECK_EQ(log.last.when_ns, tc.now);
	CHECK_EQ(testnet_counter(s, "Icmp6", "InEchoReplies"), 1);
	/* Without a handler the reply is simply consumed. */
	ut_ping_set_handler(s, NULL, NULL);
	inject_icmp6(&cd, "2001:db8::2", 61, ICMPV6_ECHO_REPLY, 0, 1, NULL, 0);
	CHECK_EQ(log.replies, 1);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(pinging_our_own_ipv6_address_loops_through_lo_and_is_answered)
{
	struct test_clock tc;
	struct capdev cd;
	static struct ping_log log;
	struct ut_stack *s = testnet_host6(&tc, &cd);

	ping_log_attach(s, &log);
	CHECK_EQ(ut_ping_send(s, ipaddr("2001:db8::1"), 9, 1, "self", 4), 0);
	testnet_poll(s);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(log.replies, 1);
	CHECK_IP_EQ(log.last.from, ipaddr("2001:db8::1"));
	CHECK_EQ(log.last.len, 4);
	CHECK_MEM_EQ(log.data, "self", 4);
	CHECK_EQ(testnet_counter(s, "Icmp6", "InErrors"), 0);
	CHECK_EQ(testnet_counter(s, "Icmp6", "InCsumErrors"), 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(icmpv6_errors_quoting_our_request_reach_the_handler_with_type_code_and_mtu)
{
	struct test_clock tc;
	struct capdev cd;
	static struct ping_log log;
	struct in6_addr dst = ip6_text("2001:db8::2");
	struct ut_stack *s = testnet_host6(&tc, &cd);
	uint8_t quote[128];
	size_t q;

	ping_log_attach(s, &log);
	CHECK_EQ(ut_ping_send(s, ipaddr("2001:db8::2"), 0x77, 3, "payload!", 8), 0);
	CHECK_EQ(cd.n, 1);
	q = cd.frames[0].len;
	memcpy(quote, cd.frames[0].data, q);

	inject_icmp6(&cd, "2001:db8::fe", 64, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0, quote,
		     q);
	CHECK_EQ(log.errors, 1);
	CHECK_EQ(log.last.kind, UT_PING_ERROR);
	CHECK_IP_EQ(log.last.from, ipaddr("2001:db8::fe"));
	CHECK_EQ(log.last.id, 0x77);
	CHECK_EQ(log.last.seq, 3);
	CHECK_EQ(log.last.icmp_type, ICMPV6_DEST_UNREACH);
	CHECK_EQ(log.last.icmp_code, ICMPV6_ADDR_UNREACH);
	CHECK_EQ(log.last.mtu, 0);

	inject_icmp6(&cd, "2001:db8::fe", 64, ICMPV6_PKT_TOOBIG, 0, 1400, quote, q);
	CHECK_EQ(log.errors, 2);
	CHECK_EQ(log.last.icmp_type, ICMPV6_PKT_TOOBIG);
	CHECK_EQ(log.last.mtu, 1400);
	CHECK_EQ(rt6_path_mtu(s, &dst, netdev_from_ut(cd.dev)), 1400);

	/* An echo reply of ours quoted: only requests have an owner. */
	quote[IPV6_HLEN] = ICMPV6_ECHO_REPLY;
	inject_icmp6(&cd, "2001:db8::fe", 64, ICMPV6_DEST_UNREACH, 0, 0, quote, q);
	CHECK_EQ(log.errors, 2);
	CHECK_EQ(log.replies, 0);
	CHECK_EQ(testnet_counter(s, "Icmp6", "InDestUnreachs"), 2);
	CHECK_EQ(testnet_counter(s, "Icmp6", "InErrors"), 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(ut_ping_send_to_ipv6_refuses_oversized_payloads_and_unreachable_destinations)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t data[65536];
	struct ut_stack *s = testnet_host6(&tc, &cd);

	/* 65535 bytes of IPv6 payload, less the ICMPv6 header: Linux's
	 * ping sockets' limit. The largest leaves in fragments. */
	CHECK_EQ(ut_ping_send(s, ipaddr("2001:db8::2"), 1, 1, data, 65528), -EMSGSIZE);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(ut_ping_send(s, ipaddr("2001:db8::2"), 1, 2, data, 65527), 0);
	CHECK(cd.n > 40);
	capdev_clear(&cd);
	/* Beyond every route (no default route here). */
	CHECK_EQ(ut_ping_send(s, ipaddr("2001:db9::1"), 1, 3, "x", 1), -ENETUNREACH);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(ut_ping_send_to_a_link_local_address_leaves_by_the_device_the_route_picks)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_ipv6 ip;
	struct wire_icmp6 req;
	struct ut_stack *s = testnet_host6(&tc, &cd);

	/* Out of eth0, the only device with IPv6 besides lo, from its
	 * link-local address (RFC 6724 rule 2: the destination's scope). */
	CHECK_EQ(ut_ping_send(s, ipaddr("fe80::2"), 5, 6, "ll", 2), 0);
	CHECK_EQ(cd.n, 1);
	testnet_frame_icmp6_l3(&cd, 0, &ip, &req);
	CHECK_EQ(req.type, ICMPV6_ECHO_REQUEST);
	CHECK(ipv6_addr_is_linklocal(&ip.saddr));
	CHECK_IP_EQ(ut_ip_v6(&ip.daddr), ipaddr("fe80::2"));
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}
