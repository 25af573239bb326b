/* ICMPv6 as a Linux host runs it (RFC 4443): echo replies and the sysctls
 * that silence them, checksum and malformed-message counting, errors
 * received handed to the upper layer (Packet Too Big teaching the path
 * MTU first, RFC 8201), the rules of RFC 4443 2.4 on which errors may be
 * sent, and the rate limits Linux puts on them (per destination scaled
 * by the route's prefix, Packet Too Big exempt, the global bucket shared
 * with IPv4). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/addrconf.h"
#include "net/ip6_route.h"
#include "net/stack.h"
#include "net/wire.h"
#include "test.h"
#include "testnet.h"
#include "testnet6.h"
#include "testwire.h"

#define SEC 1000000000ULL
#define MSEC 1000000ULL
#define NEXTHDR_TEST 253 /* RFC 3692's experimental protocol number */

static void inject_echo6(struct capdev *cd, const char *src, const char *dst, uint16_t id,
			 uint16_t seq, const void *data, size_t len)
{
	static uint8_t pkt[65536];
	uint8_t msg[2048];
	size_t n = build_icmp6_text(msg, src, dst, ICMPV6_ECHO_REQUEST, 0, (uint32_t)id << 16 | seq,
				    data, len);

	n = build_ipv6_text(pkt, src, dst, NEXTHDR_ICMP, 64, msg, n);
	testnet_inject6(cd, pkt, n);
}

/* What the test protocol's handlers saw. */
static struct {
	int errs, rcvs;
	uint8_t type, code, nexthdr;
	uint32_t info;
	struct in6_addr from, qsaddr, qdaddr;
	uint8_t first[8]; /* the first bytes at skb->data */
	uint16_t thoff;
} seen;

static void test_rcv(struct sk_buff *skb)
{
	seen.rcvs++;
	kfree_skb(skb);
}

static void test_err(struct sk_buff *skb, const struct in6_addr *from, uint8_t type, uint8_t code,
		     uint32_t info)
{
	seen.errs++;
	seen.type = type;
	seen.code = code;
	seen.info = info;
	seen.from = *from;
	seen.nexthdr = IP6CB(skb)->nexthdr;
	seen.thoff = IP6CB(skb)->thoff;
	ipv6_hdr_saddr(skb, &seen.qsaddr);
	ipv6_hdr_daddr(skb, &seen.qdaddr);
	CHECK(skb->len >= 8);
	memcpy(seen.first, skb->data, 8);
}

static const struct inet6_protocol test_proto = {.handler = test_rcv, .err_handler = test_err};

static struct ut_stack *host_with_test_proto(struct test_clock *tc, struct capdev *cd)
{
	struct ut_stack *s = testnet_host6(tc, cd);

	memset(&seen, 0, sizeof(seen));
	CHECK_EQ(inet6_add_protocol(s, &test_proto, NEXTHDR_TEST), 0);
	return s;
}

/* Calls icmp6_send about the packet pkt as if it had arrived on eth0
 * (pkt_type and the IP6CB flags as given), then polls. */
static void error_about(struct ut_stack *s, struct capdev *cd, const uint8_t *pkt, size_t n,
			uint8_t pkt_type, uint8_t type, uint8_t code, uint32_t info)
{
	struct sk_buff *skb = stack_alloc_skb(s, (uint32_t)n);

	CHECK(skb != NULL);
	memcpy(skb_put(skb, (uint32_t)n), pkt, n);
	skb->dev = netdev_from_ut(cd->dev);
	skb->pkt_type = pkt_type;
	skb_reset_network_header(skb);
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	IP6CB(skb)->iif = skb->dev->ifindex;
	icmp6_send(skb, type, code, info);
	kfree_skb(skb);
	testnet_poll(s);
}

/* A packet of the test protocol from src to dst with len bytes of body. */
static size_t test_packet(uint8_t *pkt, const char *src, const char *dst, size_t len)
{
	static uint8_t body[4096];

	for (size_t i = 0; i < len; i++)
		body[i] = (uint8_t)(i * 7 + 1);
	return build_ipv6_text(pkt, src, dst, NEXTHDR_TEST, 64, body, len);
}

TEST(an_echo_request_is_answered_from_the_address_pinged_with_its_id_sequence_data_and_class)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_ipv6 ip;
	struct wire_icmp6 icmp;
	uint8_t data[56], msg[128], pkt[256];
	struct ut_stack *s = testnet_host6(&tc, &cd);
	size_t n;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 3 + 1);
	n = build_icmp6_text(msg, "2001:db8::2", "2001:db8::1", ICMPV6_ECHO_REQUEST, 0,
			     0xbeefu << 16 | 0x0102, data, sizeof(data));
	n = build_ipv6_text(pkt, "2001:db8::2", "2001:db8::1", NEXTHDR_ICMP, 3, msg, n);
	pkt[0] = 0x62; /* traffic class 0x20, which Linux's reply reflects */
	pkt[1] = 0x00;
	testnet_inject6(&cd, pkt, n);

	CHECK_EQ(cd.n, 1);
	testnet_frame_icmp6_l3(&cd, 0, &ip, &icmp);
	CHECK_EQ(icmp.type, ICMPV6_ECHO_REPLY);
	CHECK_EQ(icmp.code, 0);
	CHECK_EQ(icmp.rest, 0xbeefu << 16 | 0x0102);
	CHECK_EQ(icmp.payload_len, sizeof(data));
	CHECK_MEM_EQ(icmp.payload, data, sizeof(data));
	CHECK_IP_EQ(ut_ip_v6(&ip.saddr), ipaddr("2001:db8::1"));
	CHECK_IP_EQ(ut_ip_v6(&ip.daddr), ipaddr("2001:db8::2"));
	CHECK_EQ(ip.hop_limit, 64); /* the device's hop_limit, not the request's */
	CHECK_EQ(ip.tclass, 0x20);
	CHECK_EQ(testnet_counter(s, "Icmp6", "InMsgs"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp6", "InEchos"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutMsgs"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutEchoReplies"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp6", "InErrors"), 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(echo_ignore_all_silences_every_echo_and_echo_ignore_multicast_those_to_a_group)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_ipv6 ip;
	struct wire_icmp6 icmp;
	struct ut_stack *s = testnet_host6(&tc, &cd);

	/* To all-nodes: answered by default, from our own unicast address
	 * (source selection), never from the group. */
	inject_echo6(&cd, "2001:db8::2", "ff02::1", 7, 1, "x", 1);
	CHECK_EQ(cd.n, 1);
	testnet_frame_icmp6_l3(&cd, 0, &ip, &icmp);
	CHECK_EQ(icmp.type, ICMPV6_ECHO_REPLY);
	CHECK_IP_EQ(ut_ip_v6(&ip.saddr), ipaddr("2001:db8::1"));
	capdev_clear(&cd);

	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.icmp.echo_ignore_multicast", 1), 0);
	inject_echo6(&cd, "2001:db8::2", "ff02::1", 7, 2, "x", 1);
	CHECK_EQ(cd.n, 0);
	inject_echo6(&cd, "2001:db8::2", "2001:db8::1", 7, 3, "x", 1);
	CHECK_EQ(cd.n, 1);
	capdev_clear(&cd);

	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.icmp.echo_ignore_multicast", 0), 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.icmp.echo_ignore_all", 1), 0);
	inject_echo6(&cd, "2001:db8::2", "2001:db8::1", 7, 4, "x", 1);
	inject_echo6(&cd, "2001:db8::2", "ff02::1", 7, 5, "x", 1);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Icmp6", "InEchos"), 5);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutEchoReplies"), 2);
	CHECK_EQ(testnet_counter(s, "Icmp6", "InErrors"), 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(malformed_icmpv6_messages_are_counted_in_the_right_counters_and_never_answered)
{
	static const struct {
		const char *what;
		size_t len;	  /* bytes of the message kept */
		bool corrupt;	  /* a checksum byte flipped */
		uint64_t csum;	  /* InCsumErrors expected to move by */
		uint64_t errors;  /* InErrors */
		uint64_t inechos; /* InEchos */
	} cases[] = {
		{"a bad checksum", 16, true, 1, 1, 0},
		{"shorter than the header", 7, false, 0, 1, 0},
		{"no bytes at all", 0, false, 0, 1, 0},
		{"a bare header", 8, false, 0, 0, 1},
	};
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = testnet_host6(&tc, &cd);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t msg[64], pkt[128];
		uint64_t msgs = testnet_counter(s, "Icmp6", "InMsgs");
		uint64_t csum = testnet_counter(s, "Icmp6", "InCsumErrors");
		uint64_t errs = testnet_counter(s, "Icmp6", "InErrors");
		uint64_t echos = testnet_counter(s, "Icmp6", "InEchos");
		size_t n;

		fprintf(stderr, "case: %s\n", cases[i].what);
		build_icmp6_text(msg, "2001:db8::2", "2001:db8::1", ICMPV6_ECHO_REQUEST, 0, 1,
				 "12345678",
				 cases[i].len > ICMPV6_HLEN ? cases[i].len - ICMPV6_HLEN : 0);
		if (cases[i].corrupt)
			msg[2] ^= 0x40;
		n = build_ipv6_text(pkt, "2001:db8::2", "2001:db8::1", NEXTHDR_ICMP, 64, msg,
				    cases[i].len);
		testnet_inject6(&cd, pkt, n);
		CHECK_EQ(testnet_counter(s, "Icmp6", "InMsgs"), msgs + 1);
		CHECK_EQ(testnet_counter(s, "Icmp6", "InCsumErrors"), csum + cases[i].csum);
		CHECK_EQ(testnet_counter(s, "Icmp6", "InErrors"), errs + cases[i].errors);
		CHECK_EQ(testnet_counter(s, "Icmp6", "InEchos"), echos + cases[i].inechos);
		/* Only the well-formed request is answered (its checksum is
		 * that of the 8 bytes it has). */
		CHECK_EQ(cd.n, cases[i].inechos ? 1u : 0u);
		capdev_clear(&cd);
	}
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(an_unknown_informational_type_is_dropped_and_an_unknown_error_type_goes_up)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t quote[128], msg[256], pkt[512];
	struct ut_stack *s = host_with_test_proto(&tc, &cd);
	size_t q, n;

	q = test_packet(quote, "2001:db8::1", "2001:db8::9", 16);
	/* RFC 4443 2.4 a: an unknown informational message is dropped. */
	n = build_icmp6_text(msg, "2001:db8::9", "2001:db8::1", 200, 0, 0, quote, q);
	n = build_ipv6_text(pkt, "2001:db8::9", "2001:db8::1", NEXTHDR_ICMP, 64, msg, n);
	testnet_inject6(&cd, pkt, n);
	CHECK_EQ(seen.errs, 0);
	/* 2.4 b: an unknown error goes to the upper layer like a known one. */
	n = build_icmp6_text(msg, "2001:db8::9", "2001:db8::1", 100, 5, 0x01020304, quote, q);
	n = build_ipv6_text(pkt, "2001:db8::9", "2001:db8::1", NEXTHDR_ICMP, 64, msg, n);
	testnet_inject6(&cd, pkt, n);
	CHECK_EQ(seen.errs, 1);
	CHECK_EQ(seen.type, 100);
	CHECK_EQ(seen.code, 5);
	CHECK_EQ(seen.info, 0x01020304u);
	CHECK_EQ(testnet_counter(s, "Icmp6", "InMsgs"), 2);
	CHECK_EQ(testnet_counter(s, "Icmp6", "InErrors"), 0);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(an_error_reaches_the_err_handler_at_the_quoted_upper_header_past_extension_headers)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t body[64], quote[128], msg[256], pkt[512];
	struct ut_stack *s = host_with_test_proto(&tc, &cd);
	size_t q, n;

	/* A destination options header (PadN) before 8 bytes of the test
	 * protocol, as a router quotes what we sent. */
	memset(body, 0, sizeof(body));
	body[0] = NEXTHDR_TEST;
	body[1] = 0;
	body[2] = IPV6_TLV_PADN;
	body[3] = 4;
	memcpy(body + 8, "UPPERHDR", 8);
	q = build_ipv6_text(quote, "2001:db8::1", "2001:db8::9", NEXTHDR_DEST, 64, body, 16);
	n = build_icmp6_text(msg, "2001:db8::fe", "2001:db8::1", ICMPV6_DEST_UNREACH,
			     ICMPV6_ADDR_UNREACH, 0, quote, q);
	n = build_ipv6_text(pkt, "2001:db8::fe", "2001:db8::1", NEXTHDR_ICMP, 64, msg, n);
	testnet_inject6(&cd, pkt, n);
	CHECK_EQ(seen.errs, 1);
	CHECK_EQ(seen.type, ICMPV6_DEST_UNREACH);
	CHECK_EQ(seen.code, ICMPV6_ADDR_UNREACH);
	CHECK_IP_EQ(ut_ip_v6(&seen.from), ipaddr("2001:db8::fe"));
	CHECK_IP_EQ(ut_ip_v6(&seen.qsaddr), ipaddr("2001:db8::1"));
	CHECK_IP_EQ(ut_ip_v6(&seen.qdaddr), ipaddr("2001:db8::9"));
	CHECK_EQ(seen.nexthdr, NEXTHDR_TEST);
	CHECK_EQ(seen.thoff, IPV6_HLEN + 8);
	CHECK_MEM_EQ(seen.first, "UPPERHDR", 8);
	CHECK_EQ(testnet_counter(s, "Icmp6", "InDestUnreachs"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp6", "InErrors"), 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(an_error_whose_quote_lacks_a_header_or_eight_upper_layer_bytes_is_an_in_error)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host_with_test_proto(&tc, &cd);
	static uint8_t body[1024];
	static const struct {
		const char *what;
		uint8_t first;	 /* the quoted IPv6 header's Next Header */
		size_t body_len; /* bytes after the quoted IPv6 header */
		int chain;	 /* destination options headers of 8 bytes first */
		bool long_opt;	 /* the first says it is 16 bytes */
		size_t cut;	 /* the quote cut to this many bytes (0: not) */
	} cases[] = {
		{"a quote shorter than an IPv6 header", NEXTHDR_TEST, 8, 0, false, 39},
		{"seven bytes of the upper layer", NEXTHDR_TEST, 7, 0, false, 0},
		{"an extension header running past the quote", NEXTHDR_DEST, 16, 1, true, 0},
		{"no next header", NEXTHDR_NONE, 16, 0, false, 0},
		{"more extension headers than the walk takes", NEXTHDR_DEST, 17 * 8 + 8, 17, false,
		 0},
		{"extension headers and nothing after", NEXTHDR_DEST, 8, 1, false, 0},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t quote[1200], msg[1300], pkt[1400];
		uint64_t errs = testnet_counter(s, "Icmp6", "InErrors");
		size_t q, n;

		fprintf(stderr, "case: %s\n", cases[i].what);
		memset(body, 0x55, sizeof(body));
		for (int h = 0; h < cases[i].chain; h++) {
			body[h * 8] = h + 1 < cases[i].chain ? NEXTHDR_DEST : NEXTHDR_TEST;
			body[h * 8 + 1] = 0;
			body[h * 8 + 2] = IPV6_TLV_PADN;
			body[h * 8 + 3] = 4;
			memset(body + h * 8 + 4, 0, 4);
		}
		if (cases[i].long_opt)
			body[1] = 1;
		q = build_ipv6_text(quote, "2001:db8::1", "2001:db8::9", cases[i].first, 64, body,
				    cases[i].body_len);
		if (cases[i].cut)
			q = cases[i].cut;
		n = build_icmp6_text(msg, "2001:db8::fe", "2001:db8::1", ICMPV6_TIME_EXCEED, 0, 0,
				     quote, q);
		n = build_ipv6_text(pkt, "2001:db8::fe", "2001:db8::1", NEXTHDR_ICMP, 64, msg, n);
		testnet_inject6(&cd, pkt, n);
		CHECK_EQ(seen.errs, 0);
		CHECK_EQ(testnet_counter(s, "Icmp6", "InErrors"), errs + 1);
	}
	CHECK_EQ(testnet_counter(s, "Icmp6", "InTimeExcds"), ARRAY_SIZE(cases));
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(packet_too_big_lowers_the_path_mtu_never_below_1280_then_reaches_the_err_handler)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t quote[128], msg[256], pkt[512];
	struct ut_stack *s = host_with_test_proto(&tc, &cd);
	struct net_device *dev = netdev_from_ut(cd.dev);
	struct in6_addr dst = ip6_text("2001:db8::9");
	size_t q, n;

	CHECK_EQ(rt6_path_mtu(s, &dst, dev), 1500);
	q = test_packet(quote, "2001:db8::1", "2001:db8::9", 64);
	n = build_icmp6_text(msg, "2001:db8::fe", "2001:db8::1", ICMPV6_PKT_TOOBIG, 0, 1400, quote,
			     q);
	n = build_ipv6_text(pkt, "2001:db8::fe", "2001:db8::1", NEXTHDR_ICMP, 64, msg, n);
	testnet_inject6(&cd, pkt, n);
	CHECK_EQ(rt6_path_mtu(s, &dst, dev), 1400);
	CHECK_EQ(seen.errs, 1);
	CHECK_EQ(seen.type, ICMPV6_PKT_TOOBIG);
	CHECK_EQ(seen.info, 1400);
	/* RFC 8201 4: a smaller report is taken, but not below 1280. */
	n = build_icmp6_text(msg, "2001:db8::fe", "2001:db8::1", ICMPV6_PKT_TOOBIG, 0, 600, quote,
			     q);
	n = build_ipv6_text(pkt, "2001:db8::fe", "2001:db8::1", NEXTHDR_ICMP, 64, msg, n);
	testnet_inject6(&cd, pkt, n);
	CHECK_EQ(rt6_path_mtu(s, &dst, dev), IPV6_MIN_MTU);
	CHECK_EQ(seen.errs, 2);
	CHECK_EQ(seen.info, 600); /* the handler hears what was reported */
	CHECK_EQ(testnet_counter(s, "Icmp6", "InPktTooBigs"), 2);
	CHECK_EQ(testnet_counter(s, "Icmp6", "InErrors"), 0);
	/* A quote too short for the rules teaches nothing. */
	dst = ip6_text("2001:db8::a");
	q = test_packet(quote, "2001:db8::1", "2001:db8::a", 4);
	n = build_icmp6_text(msg, "2001:db8::fe", "2001:db8::1", ICMPV6_PKT_TOOBIG, 0, 1300, quote,
			     q);
	n = build_ipv6_text(pkt, "2001:db8::fe", "2001:db8::1", NEXTHDR_ICMP, 64, msg, n);
	testnet_inject6(&cd, pkt, n);
	CHECK_EQ(rt6_path_mtu(s, &dst, dev), 1500);
	CHECK_EQ(testnet_counter(s, "Icmp6", "InErrors"), 1);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(an_unknown_next_header_is_answered_by_a_parameter_problem_quoting_up_to_1280_bytes)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_ipv6 ip;
	struct wire_icmp6 icmp;
	static uint8_t pkt[2048];
	struct ut_stack *s = testnet_host6(&tc, &cd);
	size_t n;

	/* Nothing registered for the test protocol: the core points a
	 * parameter problem (code 1) at the Next Header byte. */
	n = test_packet(pkt, "2001:db8::2", "2001:db8::1", 1400);
	testnet_inject6(&cd, pkt, n);
	CHECK_EQ(cd.n, 1);
	testnet_frame_icmp6_l3(&cd, 0, &ip, &icmp);
	CHECK_EQ(icmp.type, ICMPV6_PARAMPROB);
	CHECK_EQ(icmp.code, ICMPV6_UNK_NEXTHDR);
	CHECK_EQ(icmp.rest, 6);
	CHECK_IP_EQ(ut_ip_v6(&ip.saddr), ipaddr("2001:db8::1"));
	CHECK_IP_EQ(ut_ip_v6(&ip.daddr), ipaddr("2001:db8::2"));
	/* RFC 4443 2.4 c: as much as fits the minimum MTU. */
	CHECK_EQ(IPV6_HLEN + ip.payload_len, IPV6_MIN_MTU);
	CHECK_EQ(icmp.payload_len, IPV6_MIN_MTU - IPV6_HLEN - ICMPV6_HLEN);
	CHECK_MEM_EQ(icmp.payload, pkt, icmp.payload_len);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutMsgs"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutParmProblems"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutErrors"), 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(no_error_is_sent_about_an_error_an_nd_message_a_group_or_an_unspecified_source)
{
	static const struct {
		const char *what;
		const char *src, *dst;
		uint8_t pkt_type;
		int icmp_type; /* the offending packet is ICMPv6 of this type; -1: not ICMPv6 */
		uint8_t type, code;
		uint32_t info;
		bool hopopt_10; /* a hop-by-hop option of type 10xxxxxx at offset 42 */
		bool sent;
	} cases[] = {
		{"an echo request", "2001:db8::2", "2001:db8::1", PACKET_HOST, ICMPV6_ECHO_REQUEST,
		 ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH, 0, false, true},
		{"a destination unreachable", "2001:db8::2", "2001:db8::1", PACKET_HOST,
		 ICMPV6_DEST_UNREACH, ICMPV6_PARAMPROB, 0, 0, false, false},
		{"a packet too big", "2001:db8::2", "2001:db8::1", PACKET_HOST, ICMPV6_PKT_TOOBIG,
		 ICMPV6_PARAMPROB, 0, 0, false, false},
		{"an unknown error type", "2001:db8::2", "2001:db8::1", PACKET_HOST, 100,
		 ICMPV6_PARAMPROB, 0, 0, false, false},
		{"a neighbour solicitation", "2001:db8::2", "2001:db8::1", PACKET_HOST,
		 NDISC_NEIGHBOUR_SOLICITATION, ICMPV6_PARAMPROB, 0, 0, false, false},
		{"a redirect", "2001:db8::2", "2001:db8::1", PACKET_HOST, NDISC_REDIRECT,
		 ICMPV6_PARAMPROB, 0, 0, false, false},
		{"a packet from ::", "::", "2001:db8::1", PACKET_HOST, -1, ICMPV6_DEST_UNREACH, 0,
		 0, false, false},
		{"a packet from a group", "ff02::1", "2001:db8::1", PACKET_HOST, -1,
		 ICMPV6_DEST_UNREACH, 0, 0, false, false},
		{"a packet to a group", "2001:db8::2", "ff02::1", PACKET_HOST, -1,
		 ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH, 0, false, false},
		{"a link-layer multicast", "2001:db8::2", "2001:db8::1", PACKET_MULTICAST, -1,
		 ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH, 0, false, false},
		{"packet too big about a packet to a group", "2001:db8::2", "ff02::1", PACKET_HOST,
		 -1, ICMPV6_PKT_TOOBIG, 0, 1280, false, true},
		{"an unknown option of type 10xxxxxx in a packet to a group", "2001:db8::2",
		 "ff02::1", PACKET_HOST, -1, ICMPV6_PARAMPROB, ICMPV6_UNK_OPTION, 42, true, true},
		{"an unknown option of type 01xxxxxx in a packet to a group", "2001:db8::2",
		 "ff02::1", PACKET_HOST, -1, ICMPV6_PARAMPROB, ICMPV6_UNK_OPTION, 42, false, false},
		{"another parameter problem about a packet to a group", "2001:db8::2", "ff02::1",
		 PACKET_HOST, -1, ICMPV6_PARAMPROB, ICMPV6_HDR_FIELD, 42, true, false},
	};
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = testnet_host6(&tc, &cd);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t body[64], pkt[128];
		size_t n;

		fprintf(stderr, "case: %s\n", cases[i].what);
		memset(body, 0, sizeof(body));
		if (cases[i].icmp_type >= 0) {
			n = build_icmp6_text(body, cases[i].src, cases[i].dst,
					     (uint8_t)cases[i].icmp_type, 0, 0, "abcdefgh", 8);
			n = build_ipv6_text(pkt, cases[i].src, cases[i].dst, NEXTHDR_ICMP, 64, body,
					    n);
		} else {
			/* A hop-by-hop header whose option at byte 42 is of
			 * type 0x80 (10xxxxxx) or 0x40 (01xxxxxx). */
			body[0] = NEXTHDR_TEST;
			body[2] = cases[i].hopopt_10 ? 0x80 : 0x40;
			body[3] = 4;
			n = build_ipv6_text(pkt, cases[i].src, cases[i].dst, NEXTHDR_HOP, 64, body,
					    16);
		}
		error_about(s, &cd, pkt, n, cases[i].pkt_type, cases[i].type, cases[i].code,
			    cases[i].info);
		CHECK_EQ(cd.n, cases[i].sent ? 1u : 0u);
		if (cases[i].sent) {
			struct wire_ipv6 ip;
			struct wire_icmp6 icmp;

			testnet_frame_icmp6_l3(&cd, 0, &ip, &icmp);
			CHECK_EQ(icmp.type, cases[i].type);
			CHECK_IP_EQ(ut_ip_v6(&ip.daddr), ipaddr(cases[i].src));
			/* From the address the packet went to if it is ours
			 * and unicast, else from source selection. */
			CHECK_IP_EQ(ut_ip_v6(&ip.saddr), ipaddr("2001:db8::1"));
		}
		capdev_clear(&cd);
	}
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(errors_to_one_destination_come_in_a_burst_of_six_then_one_per_ratelimit_scaled_by_prefix)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t pkt[128];
	long v = 0;
	struct ut_stack *s = testnet_host6(&tc, &cd);
	size_t n = test_packet(pkt, "2001:db8::2", "2001:db8::1", 8);

	CHECK_EQ(ut_sysctl_get(s, "net.ipv6.icmp.ratelimit", &v), 0);
	CHECK_EQ(v, 1000);
	for (int i = 0; i < 10; i++)
		error_about(s, &cd, pkt, n, PACKET_HOST, ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH,
			    0);
	CHECK_EQ(cd.n, 6);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutRateLimitHost"), 4);
	/* 2001:db8::2 is on a /64: Linux shifts the 1000 ms right by
	 * (128 - 64) / 32 = 2, so one more error each 250 ms. */
	testnet_advance(s, &tc, 249 * MSEC);
	error_about(s, &cd, pkt, n, PACKET_HOST, ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH, 0);
	CHECK_EQ(cd.n, 6);
	testnet_advance(s, &tc, 1 * MSEC);
	error_about(s, &cd, pkt, n, PACKET_HOST, ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH, 0);
	CHECK_EQ(cd.n, 7);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutRateLimitHost"), 5);
	/* Another destination has its own bucket. */
	n = test_packet(pkt, "2001:db8::3", "2001:db8::1", 8);
	error_about(s, &cd, pkt, n, PACKET_HOST, ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH, 0);
	CHECK_EQ(cd.n, 8);
	/* net.ipv6.icmp.ratelimit 0 lifts the limit. */
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.icmp.ratelimit", 0), 0);
	n = test_packet(pkt, "2001:db8::2", "2001:db8::1", 8);
	for (int i = 0; i < 10; i++)
		error_about(s, &cd, pkt, n, PACKET_HOST, ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH,
			    0);
	CHECK_EQ(cd.n, 18);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(packet_too_big_and_echo_replies_are_outside_the_ratemask_and_never_limited)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t pkt[128];
	struct ut_stack *s = testnet_host6(&tc, &cd);
	size_t n = test_packet(pkt, "2001:db8::2", "2001:db8::1", 8);

	for (int i = 0; i < 60; i++)
		error_about(s, &cd, pkt, n, PACKET_HOST, ICMPV6_PKT_TOOBIG, 0, 1280);
	CHECK_EQ(cd.n, 60);
	capdev_clear(&cd);
	for (int i = 0; i < 60; i++)
		inject_echo6(&cd, "2001:db8::2", "2001:db8::1", 1, (uint16_t)i, "x", 1);
	CHECK_EQ(cd.n, 60);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutPktTooBigs"), 60);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutRateLimitHost"), 0);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutRateLimitGlobal"), 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(the_global_bucket_is_shared_with_ipv4_and_counted_in_icmp_out_rate_limit_global)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t pkt[128];
	struct ut_stack *s = testnet_host6(&tc, &cd);
	size_t n;

	/* Per-destination limits off: only the global bucket (burst 50,
	 * net.ipv4.icmp_msgs_burst) stands in the way. */
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.icmp.ratelimit", 0), 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv4.icmp_ratelimit", 0), 0);
	for (int i = 0; i < 55; i++) {
		char src[64];

		snprintf(src, sizeof(src), "2001:db8::%x", 0x100 + i);
		n = test_packet(pkt, src, "2001:db8::1", 8);
		error_about(s, &cd, pkt, n, PACKET_HOST, ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH,
			    0);
	}
	CHECK_EQ(cd.n, 50);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutRateLimitGlobal"), 5);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutRateLimitHost"), 0);
	/* IPv4's errors draw on the same bucket, as in Linux. */
	capdev_clear(&cd);
	n = build_ipv4_udp(pkt, ip4("10.0.0.2"), ip4("10.0.0.1"), 1, 9, "x", 1, true);
	testnet_inject_ip(&cd, NULL, pkt, n);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutRateLimitGlobal"), 6);
	/* A second refills it at icmp_msgs_per_sec. */
	testnet_advance(s, &tc, SEC);
	testnet_inject_ip(&cd, NULL, pkt, n);
	CHECK_EQ(cd.n, 1);
	n = test_packet(pkt, "2001:db8::2", "2001:db8::1", 8);
	error_about(s, &cd, pkt, n, PACKET_HOST, ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH, 0);
	CHECK_EQ(cd.n, 2);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}
