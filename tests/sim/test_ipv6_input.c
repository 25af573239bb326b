/* IPv6 receive, one frame at a time: every drop under the counter Linux
 * uses for it (/proc/net/snmp6), the addresses RFC 4291 forbids where
 * they arrive, the extension-header walk (RFC 8200 4: order, unknown
 * options by their high bits, routing headers, the bound on a chain),
 * and the parameter problems a host owes. Whatever arrives, the stack
 * keeps answering. */
#include <string.h>

#include "net/ipv6.h"
#include "net/stack.h"
#include "net/wire.h"
#include "test.h"
#include "testip6.h"
#include "testwire.h"

#define ME "2001:db8::1"
#define PEER "2001:db8::2"

static struct ut_stack *host(struct test_clock *tc, struct capdev *cd)
{
	return testip6_host(tc, cd, ME, 64, PEER);
}

static uint64_t ip6_counter(struct ut_stack *s, const char *name)
{
	return testnet_counter(s, "Ip6", name);
}

/* Pings the stack from the peer and checks that exactly one echo reply
 * comes back. */
static void check_still_answers(struct capdev *cd, uint16_t seq)
{
	uint8_t pkt[128];
	struct wire_ipv6 ip;
	struct wire_icmp6 icmp;
	struct in6_addr peer = ip6_text(PEER);
	size_t before = cd->n, n = build_ipv6_echo(pkt, PEER, ME, 0x77, seq, "abcdefgh", 8);

	testnet_inject_ip6(cd, NULL, pkt, n);
	/* The peer answers the neighbour probes sent meanwhile (NUD), so
	 * that a reply held for it leaves. */
	testip6_answer_ns(cd, before);
	/* A neighbour probe may go out beside it, not counted. */
	for (size_t k = before; k < cd->n; k++) {
		testnet_frame_icmp6(cd, k, &ip, &icmp);
		if (icmp.type != NDISC_NEIGHBOUR_SOLICITATION)
			break;
	}
	CHECK_EQ(icmp.type, ICMPV6_ECHO_REPLY);
	CHECK_EQ(icmp.rest & 0xffff, seq);
	CHECK(ipv6_addr_equal(&ip.daddr, &peer));
}

static void check_unharmed_and_destroy(struct ut_stack *s, struct capdev *cd, uint16_t seq)
{
	check_still_answers(cd, seq);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, cd);
}

/* An echo request to ME whose ICMPv6 message follows the extension
 * headers in ext (ext_len bytes, their Next Header chain already
 * written, the last naming ICMPv6). first is the Next Header of the IPv6
 * header. */
static size_t echo_behind(uint8_t *pkt, uint8_t first, const uint8_t *ext, size_t ext_len,
			  const char *dst)
{
	struct in6_addr s = ip6_text(PEER), d = ip6_text(dst);
	uint8_t body[512];
	size_t n;

	memcpy(body, ext, ext_len);
	n = build_icmp6(body + ext_len, &s, &d, ICMPV6_ECHO_REQUEST, 0, 0x00770009, "ext", 3);
	return build_ipv6(pkt, &s, &d, first, 64, body, ext_len + n);
}

/* The ICMPv6 error in captured frame i: its type, code and pointer. */
static void check_error(struct capdev *cd, size_t i, uint8_t type, uint8_t code, uint32_t ptr)
{
	struct wire_ipv6 ip;
	struct wire_icmp6 icmp;

	testnet_frame_icmp6(cd, i, &ip, &icmp);
	CHECK_EQ(icmp.type, type);
	CHECK_EQ(icmp.code, code);
	CHECK_EQ(icmp.rest, ptr);
}

TEST(an_echo_request_to_our_address_is_answered_and_counted_as_delivered)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint64_t in = ip6_counter(s, "InReceives"), delivered = ip6_counter(s, "InDelivers");
	uint64_t out = ip6_counter(s, "OutRequests"), noect = ip6_counter(s, "InNoECTPkts");

	check_still_answers(&cd, 1);
	CHECK_EQ(ip6_counter(s, "InReceives"), in + 1);
	CHECK_EQ(ip6_counter(s, "InDelivers"), delivered + 1);
	CHECK_EQ(ip6_counter(s, "OutRequests"), out + 1);
	CHECK_EQ(ip6_counter(s, "InNoECTPkts"), noect + 1);
	check_unharmed_and_destroy(s, &cd, 2);
}

TEST(a_packet_cut_short_of_its_payload_length_is_InTruncatedPkts)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t pkt[128];
	size_t n = build_ipv6_echo(pkt, PEER, ME, 1, 1, "abcdefgh", 8);

	testnet_inject_ip6(&cd, NULL, pkt, n - 1);
	CHECK_EQ(ip6_counter(s, "InTruncatedPkts"), 1);
	CHECK_EQ(cd.n, 0);
	check_unharmed_and_destroy(s, &cd, 2);
}

TEST(link_padding_past_the_payload_length_is_not_part_of_the_packet)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t pkt[160];
	size_t n = build_ipv6_echo(pkt, PEER, ME, 1, 7, "abcdefgh", 8);
	struct wire_ipv6 ip;
	struct wire_icmp6 icmp;

	memset(pkt + n, 0xee, 20);
	testnet_inject_ip6(&cd, NULL, pkt, n + 20);
	CHECK_EQ(cd.n, 1);
	testnet_frame_icmp6(&cd, 0, &ip, &icmp);
	CHECK_EQ(icmp.payload_len, 8);
	check_unharmed_and_destroy(s, &cd, 8);
}

/* Header errors: each is dropped, counted in Ip6InHdrErrors, answered
 * with nothing. */
TEST(forbidden_addresses_and_bad_headers_are_InHdrErrors)
{
	static const struct {
		const char *what, *src, *dst;
		uint8_t version;
	} table[] = {
		{"a group as source (RFC 4291 2.7)", "ff02::1", ME, 6},
		{"a v4-mapped source (RFC 4038)", "::ffff:10.0.0.2", ME, 6},
		{"the loopback source from outside (RFC 4291 2.5.3)", "::1", ME, 6},
		{"the loopback destination from outside", PEER, "::1", 6},
		{"an interface-local group from outside", PEER, "ff01::1", 6},
		{"a group of reserved scope 0", PEER, "ff00::1", 6},
		{"version 4 in an IPv6 frame", PEER, ME, 4},
	};
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint64_t errors = ip6_counter(s, "InHdrErrors");

	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		uint8_t pkt[128];
		size_t n = build_ipv6_echo(pkt, table[i].src, table[i].dst, 1, 1, "x", 1);

		pkt[0] = (uint8_t)(table[i].version << 4 | (pkt[0] & 0x0f));
		testnet_inject_ip6(&cd, NULL, pkt, n);
		if (ip6_counter(s, "InHdrErrors") != errors + 1 || cd.n != 0)
			test_fail(__FILE__, __LINE__, "%s", table[i].what);
		errors++;
	}
	check_unharmed_and_destroy(s, &cd, 2);
}

TEST(a_packet_for_another_host_is_InAddrErrors_since_a_host_does_not_forward)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t pkt[128];
	size_t n = build_ipv6_echo(pkt, PEER, "2001:db8::99", 1, 1, "x", 1);

	testnet_inject_ip6(&cd, NULL, pkt, n);
	CHECK_EQ(ip6_counter(s, "InAddrErrors"), 1);
	CHECK_EQ(cd.n, 0);
	check_unharmed_and_destroy(s, &cd, 2);
}

TEST(a_group_the_device_has_not_joined_is_dropped_and_all_nodes_is_answered)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t pkt[128];
	static const uint8_t mc_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
	size_t n = build_ipv6_echo(pkt, PEER, "ff02::1234", 1, 1, "x", 1);

	testnet_inject_ip6(&cd, mc_mac, pkt, n);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(ip6_counter(s, "InMcastPkts"), 1);
	n = build_ipv6_echo(pkt, PEER, "ff02::1", 1, 2, "x", 1);
	testnet_inject_ip6(&cd, mc_mac, pkt, n);
	/* RFC 4443 4.1: an echo request to a group may be answered (Linux
	 * does unless echo_ignore_multicast), from a unicast source. */
	CHECK_EQ(cd.n, 1);
	check_unharmed_and_destroy(s, &cd, 3);
}

TEST(an_unknown_next_header_is_a_parameter_problem_pointing_at_it)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	struct in6_addr src = ip6_text(PEER), dst = ip6_text(ME);
	uint8_t pkt[128];
	/* A destination options header (PadN) naming protocol 253. */
	static const uint8_t dstopt[8] = {253, 0, IPV6_TLV_PADN, 4, 0, 0, 0, 0};
	size_t n = build_ipv6(pkt, &src, &dst, 253, 64, "payload!", 8);

	testnet_inject_ip6(&cd, NULL, pkt, n);
	CHECK_EQ(ip6_counter(s, "InUnknownProtos"), 1);
	CHECK_EQ(cd.n, 1);
	check_error(&cd, 0, ICMPV6_PARAMPROB, ICMPV6_UNK_NEXTHDR, 6);
	capdev_clear(&cd);
	tc.now += 2000000000ULL; /* past the per-host rate limit */
	n = build_ipv6(pkt, &src, &dst, NEXTHDR_DEST, 64, dstopt, sizeof(dstopt));
	testnet_inject_ip6(&cd, NULL, pkt, n);
	CHECK_EQ(ip6_counter(s, "InUnknownProtos"), 2);
	check_error(&cd, 0, ICMPV6_PARAMPROB, ICMPV6_UNK_NEXTHDR, 40);
	check_unharmed_and_destroy(s, &cd, 2);
}

/* RFC 8200 4.2: what the two high bits of an unknown option's type ask. */
TEST(an_unknown_option_is_skipped_dropped_or_answered_as_its_type_says)
{
	static const struct {
		uint8_t type;
		const char *dst;
		int answered, error; /* echo reply; parameter problem */
	} table[] = {
		{0x1e, ME, 1, 0},	 /* 00: skip */
		{0x5e, ME, 0, 0},	 /* 01: discard */
		{0x9e, ME, 0, 1},	 /* 10: discard, answer */
		{0xde, ME, 0, 1},	 /* 11: discard, answer unicast */
		{0x9e, "ff02::1", 0, 1}, /* 10 to a group: answered too */
		{0xde, "ff02::1", 0, 0}, /* 11 to a group: not */
	};
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);

	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		uint8_t pkt[128];
		const uint8_t opt[8] = {NEXTHDR_ICMP, 0, table[i].type, 2, 0, 0, IPV6_TLV_PAD1,
					IPV6_TLV_PAD1};
		static const uint8_t mc_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
		bool group = table[i].dst[0] == 'f';
		size_t n = echo_behind(pkt, NEXTHDR_DEST, opt, sizeof(opt), table[i].dst);
		struct wire_ipv6 ip;
		struct wire_icmp6 icmp;

		size_t got = 0, at = 0;

		/* Seconds apart, past the per-host limit on errors; the
		 * peer's neighbour entry is probed meanwhile (NUD), which
		 * is not what is counted here. */
		capdev_clear(&cd);
		tc.now += 2000000000ULL;
		testnet_inject_ip6(&cd, group ? mc_mac : NULL, pkt, n);
		for (size_t k = 0; k < cd.n; k++) {
			testnet_frame_icmp6(&cd, k, &ip, &icmp);
			if (icmp.type < NDISC_ROUTER_SOLICITATION || icmp.type > NDISC_REDIRECT) {
				got++;
				at = k;
			}
		}
		if (got != (size_t)(table[i].answered + table[i].error))
			test_fail(__FILE__, __LINE__, "row %zu: %zu answers", i, got);
		if (got == 0)
			continue;
		testnet_frame_icmp6(&cd, at, &ip, &icmp);
		if (table[i].answered) {
			CHECK_EQ(icmp.type, ICMPV6_ECHO_REPLY);
		} else {
			CHECK_EQ(icmp.type, ICMPV6_PARAMPROB);
			CHECK_EQ(icmp.code, ICMPV6_UNK_OPTION);
			CHECK_EQ(icmp.rest, 42); /* the option's type byte */
		}
	}
	check_unharmed_and_destroy(s, &cd, 2);
}

TEST(a_routing_header_with_segments_left_is_refused_and_with_none_is_ignored)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t pkt[160];
	/* Type 0 (RFC 5095) with one address and one segment left. */
	uint8_t rt[24] = {NEXTHDR_ICMP, 2, 0, 1};
	size_t n = echo_behind(pkt, NEXTHDR_ROUTING, rt, sizeof(rt), ME);

	testnet_inject_ip6(&cd, NULL, pkt, n);
	CHECK_EQ(cd.n, 1);
	check_error(&cd, 0, ICMPV6_PARAMPROB, ICMPV6_HDR_FIELD, 42);
	CHECK_EQ(ip6_counter(s, "InHdrErrors"), 1);
	capdev_clear(&cd);
	rt[3] = 0; /* no segments left: the header is skipped */
	n = echo_behind(pkt, NEXTHDR_ROUTING, rt, sizeof(rt), ME);
	testnet_inject_ip6(&cd, NULL, pkt, n);
	CHECK_EQ(cd.n, 1);
	check_error(&cd, 0, ICMPV6_ECHO_REPLY, 0, 0x00770009);
	check_unharmed_and_destroy(s, &cd, 2);
}

TEST(a_hop_by_hop_header_anywhere_but_first_is_an_unknown_next_header)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t pkt[160];
	/* Destination options, then hop-by-hop. */
	static const uint8_t ext[16] = {NEXTHDR_HOP,  0, IPV6_TLV_PADN, 4, 0, 0, 0, 0,
					NEXTHDR_ICMP, 0, IPV6_TLV_PADN, 4, 0, 0, 0, 0};
	static const uint8_t hbh_first[8] = {
		NEXTHDR_ICMP, 0, IPV6_TLV_ROUTERALERT, 2, 0, 0, IPV6_TLV_PAD1, IPV6_TLV_PAD1};
	size_t n = echo_behind(pkt, NEXTHDR_DEST, ext, sizeof(ext), ME);

	testnet_inject_ip6(&cd, NULL, pkt, n);
	CHECK_EQ(cd.n, 1);
	check_error(&cd, 0, ICMPV6_PARAMPROB, ICMPV6_UNK_NEXTHDR, 40);
	capdev_clear(&cd);
	/* First, with a router alert, it is read and passed. */
	n = echo_behind(pkt, NEXTHDR_HOP, hbh_first, sizeof(hbh_first), ME);
	testnet_inject_ip6(&cd, NULL, pkt, n);
	CHECK_EQ(cd.n, 1);
	check_error(&cd, 0, ICMPV6_ECHO_REPLY, 0, 0x00770009);
	check_unharmed_and_destroy(s, &cd, 2);
}

TEST(a_jumbo_payload_option_is_a_parameter_problem_since_the_length_is_not_zero)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t pkt[160];
	static const uint8_t hbh[8] = {NEXTHDR_ICMP, 0, IPV6_TLV_JUMBO, 4, 0, 1, 0, 0};
	size_t n = echo_behind(pkt, NEXTHDR_HOP, hbh, sizeof(hbh), ME);

	testnet_inject_ip6(&cd, NULL, pkt, n);
	CHECK_EQ(cd.n, 1);
	check_error(&cd, 0, ICMPV6_PARAMPROB, ICMPV6_HDR_FIELD, 44);
	check_unharmed_and_destroy(s, &cd, 2);
}

TEST(a_chain_of_more_extension_headers_than_the_bound_is_dropped_unread)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t pkt[512], ext[8 * (IP6_MAX_EXT_HDRS + 1)];
	size_t n;

	for (unsigned i = 0; i <= IP6_MAX_EXT_HDRS; i++) {
		uint8_t *h = ext + 8 * i;

		h[0] = i == IP6_MAX_EXT_HDRS ? NEXTHDR_ICMP : NEXTHDR_DEST;
		h[1] = 0;
		h[2] = IPV6_TLV_PADN;
		h[3] = 4;
		memset(h + 4, 0, 4);
	}
	n = echo_behind(pkt, NEXTHDR_DEST, ext, sizeof(ext), ME);
	testnet_inject_ip6(&cd, NULL, pkt, n);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(ip6_counter(s, "InHdrErrors"), 1);
	/* One header fewer is walked to the end. */
	ext[8 * (IP6_MAX_EXT_HDRS - 1)] = NEXTHDR_ICMP;
	n = echo_behind(pkt, NEXTHDR_DEST, ext, 8 * IP6_MAX_EXT_HDRS, ME);
	testnet_inject_ip6(&cd, NULL, pkt, n);
	CHECK_EQ(cd.n, 1);
	check_unharmed_and_destroy(s, &cd, 2);
}

TEST(an_extension_header_running_past_the_packet_is_a_header_error)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	struct in6_addr src = ip6_text(PEER), dst = ip6_text(ME);
	uint8_t pkt[128];
	/* Says 16 bytes; 8 follow. */
	static const uint8_t dstopt[8] = {NEXTHDR_ICMP, 1, IPV6_TLV_PADN, 4, 0, 0, 0, 0};
	/* An option whose length runs past its header. */
	static const uint8_t badopt[8] = {NEXTHDR_ICMP, 0, 0x1e, 9, 0, 0, 0, 0};
	size_t n = build_ipv6(pkt, &src, &dst, NEXTHDR_DEST, 64, dstopt, sizeof(dstopt));

	testnet_inject_ip6(&cd, NULL, pkt, n);
	CHECK_EQ(ip6_counter(s, "InHdrErrors"), 1);
	n = build_ipv6(pkt, &src, &dst, NEXTHDR_DEST, 64, badopt, sizeof(badopt));
	testnet_inject_ip6(&cd, NULL, pkt, n);
	CHECK_EQ(ip6_counter(s, "InHdrErrors"), 2);
	check_unharmed_and_destroy(s, &cd, 2);
}

TEST(no_next_header_ends_the_packet_silently)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	struct in6_addr src = ip6_text(PEER), dst = ip6_text(ME);
	uint8_t pkt[128];
	size_t n = build_ipv6(pkt, &src, &dst, NEXTHDR_NONE, 64, "ignored", 7);

	testnet_inject_ip6(&cd, NULL, pkt, n);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(ip6_counter(s, "InUnknownProtos"), 0);
	check_unharmed_and_destroy(s, &cd, 2);
}

TEST(a_device_with_ipv6_disabled_discards_what_arrives)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t pkt[128];
	size_t n = build_ipv6_echo(pkt, PEER, ME, 1, 1, "x", 1);

	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.disable_ipv6", 1), 0);
	testnet_inject_ip6(&cd, NULL, pkt, n);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(ip6_counter(s, "InDiscards"), 1);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}
