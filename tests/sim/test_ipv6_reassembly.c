/* IPv6 reassembly (RFC 8200 4.5) as Linux's: packets arriving in pieces
 * in any order, duplicates, overlaps (RFC 5722: the whole datagram goes),
 * the ip6frag_time timeout and its time exceeded, the ip6frag_high_thresh
 * memory bound, atomic fragments (RFC 6946), and the parameter problems
 * for fragments of bad length or an incomplete header chain (RFC 7112). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/ipv6.h"
#include "net/stack.h"
#include "net/wire.h"
#include "test.h"
#include "testnet.h"
#include "testnet6.h"
#include "testwire.h"

#define SEC 1000000000ULL
#define MSEC 1000000ULL
#define NEXTHDR_TEST 253 /* RFC 3692's experimental protocol number */
#define PEER "2001:db8::2"
#define US "2001:db8::1"

/* What the test protocol was handed. */
static struct {
	int n;
	size_t len;
	uint8_t data[70000];
	uint8_t flags;
	uint16_t frag_max_size, thoff;
	uint16_t payload_len; /* the delivered packet's IPv6 header says */
} got;

static void test_rcv(struct sk_buff *skb)
{
	got.n++;
	got.len = skb->len;
	memcpy(got.data, skb->data, MIN((size_t)skb->len, sizeof(got.data)));
	got.flags = IP6CB(skb)->flags;
	got.frag_max_size = IP6CB(skb)->frag_max_size;
	got.thoff = IP6CB(skb)->thoff;
	got.payload_len = get_be16(ipv6_hdr(skb) + 4);
	kfree_skb(skb);
}

static const struct inet6_protocol test_proto = {.handler = test_rcv};

static struct ut_stack *host(struct test_clock *tc, struct capdev *cd)
{
	struct ut_stack *s = testnet_host6(tc, cd);

	memset(&got, 0, sizeof(got));
	CHECK_EQ(inet6_add_protocol(s, &test_proto, NEXTHDR_TEST), 0);
	return s;
}

static uint8_t *pattern(size_t len, unsigned seed)
{
	static uint8_t data[65536];

	for (size_t i = 0; i < len && i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + seed + (i >> 8));
	return data;
}

/* Injects bytes [off, off + len) of msg as a fragment of id. */
static void frag(struct capdev *cd, const uint8_t *msg, uint32_t id, size_t off, size_t len,
		 bool more)
{
	static uint8_t pkt[70000];
	size_t n = build_ipv6_frag(pkt, PEER, US, NEXTHDR_TEST, id, (uint16_t)off, more, msg + off,
				   len);

	testnet_inject6(cd, pkt, n);
}

/* The same behind 8 bytes of destination options (PadN), which belong to
 * the unfragmentable part (RFC 8200 4.5). */
static void frag_after_dstopts(struct capdev *cd, const uint8_t *msg, uint32_t id, size_t off,
			       size_t len, bool more)
{
	static uint8_t pkt[4096], body[4096];
	size_t n;

	CHECK(len <= sizeof(body) - 16);
	memset(body, 0, 8);
	body[0] = NEXTHDR_FRAGMENT;
	body[2] = IPV6_TLV_PADN;
	body[3] = 4;
	wire_ipv6_frag_emit(body + 8, NEXTHDR_TEST, (uint16_t)off, more, id);
	memcpy(body + 16, msg + off, len);
	n = build_ipv6_text(pkt, PEER, US, NEXTHDR_DEST, 64, body, 16 + len);
	testnet_inject6(cd, pkt, n);
}

#define MSG_LEN 3000 /* three fragments: 1448, 1448, 104 */
static void piece(struct capdev *cd, const uint8_t *msg, uint32_t id, int i)
{
	if (i == 0)
		frag(cd, msg, id, 0, 1448, true);
	else if (i == 1)
		frag(cd, msg, id, 1448, 1448, true);
	else
		frag(cd, msg, id, 2896, MSG_LEN - 2896, false);
}

static uint64_t ctr(struct ut_stack *s, const char *name)
{
	return testnet_counter(s, "Ip6", name);
}

TEST(fragments_in_any_order_are_joined_into_one_packet_without_the_fragment_header)
{
	static const int orders[][3] = {{0, 1, 2}, {2, 1, 0}, {1, 2, 0}, {2, 0, 1}};
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t *msg = pattern(MSG_LEN, 5);

	for (size_t o = 0; o < ARRAY_SIZE(orders); o++) {
		got.n = 0;
		for (int i = 0; i < 3; i++) {
			CHECK_EQ(got.n, 0);
			piece(&cd, msg, 0x1000 + (uint32_t)o, orders[o][i]);
		}
		CHECK_EQ(got.n, 1);
		CHECK_EQ(got.len, MSG_LEN);
		CHECK_MEM_EQ(got.data, msg, MSG_LEN);
		CHECK_EQ(got.thoff, IPV6_HLEN);
		CHECK_EQ(got.payload_len, MSG_LEN);
		CHECK(got.flags & IP6SKB_REASSEMBLED);
		CHECK_EQ(got.frag_max_size, IPV6_HLEN + IPV6_FRAG_HLEN + 1448);
	}
	CHECK_EQ(ctr(s, "ReasmReqds"), 12);
	CHECK_EQ(ctr(s, "ReasmOKs"), 4);
	CHECK_EQ(ctr(s, "ReasmFails"), 0);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(the_unfragmentable_headers_of_the_first_fragment_lead_the_reassembled_packet)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t *msg = pattern(MSG_LEN, 9);

	for (int i = 0; i < 3; i++)
		frag_after_dstopts(&cd, msg, 77, (size_t)i * 1440, i < 2 ? 1440 : MSG_LEN - 2880,
				   i < 2);
	CHECK_EQ(got.n, 1);
	CHECK_EQ(got.thoff, IPV6_HLEN + 8);
	CHECK_EQ(got.payload_len, 8 + MSG_LEN);
	CHECK_EQ(got.len, MSG_LEN);
	CHECK_MEM_EQ(got.data, msg, MSG_LEN);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(a_duplicate_fragment_is_dropped_alone_and_the_packet_still_completes)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t *msg = pattern(MSG_LEN, 1);

	piece(&cd, msg, 7, 0);
	piece(&cd, msg, 7, 0);
	piece(&cd, msg, 7, 2);
	piece(&cd, msg, 7, 2);
	piece(&cd, msg, 7, 1);
	CHECK_EQ(got.n, 1);
	CHECK_MEM_EQ(got.data, msg, MSG_LEN);
	CHECK_EQ(ctr(s, "ReasmReqds"), 5);
	CHECK_EQ(ctr(s, "ReasmOKs"), 1);
	CHECK_EQ(ctr(s, "ReasmFails"), 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(an_overlapping_fragment_discards_the_whole_datagram_as_rfc_5722_requires)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t *msg = pattern(MSG_LEN, 2);

	piece(&cd, msg, 9, 0);
	/* Bytes 1440..2888: eight of them already held, the rest new. */
	frag(&cd, msg, 9, 1440, 1448, true);
	CHECK_EQ(ctr(s, "ReasmFails"), 1);
	/* The rest arrives for a queue that no longer has the start. */
	piece(&cd, msg, 9, 1);
	piece(&cd, msg, 9, 2);
	CHECK_EQ(got.n, 0);
	CHECK_EQ(ctr(s, "ReasmOKs"), 0);
	/* Their queue times out without an error: no first fragment. */
	testnet_advance(s, &tc, 61 * SEC);
	CHECK_EQ(ctr(s, "ReasmTimeout"), 1);
	CHECK_EQ(ctr(s, "ReasmFails"), 2);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(an_incomplete_packet_times_out_after_ip6frag_time_with_time_exceeded_if_its_start_came)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_ipv6 ip;
	struct wire_icmp6 icmp;
	long v = 0;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t *msg = pattern(MSG_LEN, 3);

	CHECK_EQ(ut_sysctl_get(s, "net.ipv6.ip6frag_time", &v), 0);
	CHECK_EQ(v, 60);
	piece(&cd, msg, 21, 0);
	piece(&cd, msg, 21, 2);
	testnet_advance(s, &tc, 59 * SEC);
	CHECK_EQ(cd.n, 0);
	testnet_advance(s, &tc, 1 * SEC);
	CHECK_EQ(ctr(s, "ReasmTimeout"), 1);
	CHECK_EQ(ctr(s, "ReasmFails"), 1);
	CHECK_EQ(cd.n, 1);
	testnet_frame_icmp6_l3(&cd, 0, &ip, &icmp);
	CHECK_EQ(icmp.type, ICMPV6_TIME_EXCEED);
	CHECK_EQ(icmp.code, ICMPV6_EXC_FRAGTIME);
	CHECK_IP_EQ(ut_ip_v6(&ip.saddr), ipaddr(US));
	CHECK_IP_EQ(ut_ip_v6(&ip.daddr), ipaddr(PEER));
	/* It quotes the first fragment, fragment header and all. */
	CHECK(icmp.payload_len >= IPV6_HLEN + IPV6_FRAG_HLEN + 8);
	CHECK_EQ(icmp.payload[6], NEXTHDR_FRAGMENT);
	CHECK_EQ(get_be32(icmp.payload + IPV6_HLEN + 4), 21);
	CHECK_MEM_EQ(icmp.payload + IPV6_HLEN + IPV6_FRAG_HLEN, msg, 8);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutTimeExcds"), 1);
	capdev_clear(&cd);
	/* Without the first fragment, nothing is sent. */
	piece(&cd, msg, 22, 1);
	testnet_advance(s, &tc, 61 * SEC);
	CHECK_EQ(ctr(s, "ReasmTimeout"), 2);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(past_ip6frag_high_thresh_new_fragments_are_dropped_and_held_ones_kept)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t *msg = pattern(MSG_LEN, 4);
	uint64_t fails;

	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.ip6frag_high_thresh", 16384), 0);
	for (uint32_t id = 100; id < 140; id++)
		piece(&cd, msg, id, 1);
	fails = ctr(s, "ReasmFails");
	CHECK(fails > 0);
	CHECK(fails < 40);
	/* Full: even a held queue's missing pieces are refused (Linux
	 * evicts nothing to make room since 4.17). */
	piece(&cd, msg, 100, 0);
	CHECK_EQ(got.n, 0);
	CHECK_EQ(ctr(s, "ReasmFails"), fails + 1);
	/* Every held queue stays until it times out (without an error: no
	 * first fragment), and then the memory serves again. */
	testnet_advance(s, &tc, 61 * SEC);
	CHECK_EQ(ctr(s, "ReasmTimeout"), 40 - fails);
	for (int i = 0; i < 3; i++)
		piece(&cd, msg, 200, i);
	CHECK_EQ(got.n, 1);
	CHECK_MEM_EQ(got.data, msg, MSG_LEN);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(an_atomic_fragment_is_delivered_at_once_apart_from_any_queue_of_its_id)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t *msg = pattern(MSG_LEN, 6);

	piece(&cd, msg, 33, 0);
	/* RFC 6946 4: offset 0 and no M flag: a whole packet. */
	frag(&cd, msg, 33, 0, 100, false);
	CHECK_EQ(got.n, 1);
	CHECK_EQ(got.len, 100);
	CHECK_MEM_EQ(got.data, msg, 100);
	CHECK_EQ(got.thoff, IPV6_HLEN);
	CHECK_EQ(got.payload_len, 100);
	CHECK_EQ(ctr(s, "ReasmReqds"), 2);
	CHECK_EQ(ctr(s, "ReasmOKs"), 1);
	/* The queue of the same identification was not disturbed. */
	piece(&cd, msg, 33, 1);
	piece(&cd, msg, 33, 2);
	CHECK_EQ(got.n, 2);
	CHECK_EQ(got.len, MSG_LEN);
	CHECK_EQ(ctr(s, "ReasmOKs"), 2);
	CHECK_EQ(ctr(s, "ReasmFails"), 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(malformed_fragments_move_the_right_counter_and_draw_the_right_parameter_problem)
{
	static const struct {
		const char *what;
		uint8_t nexthdr; /* the fragment header's Next Header */
		uint16_t off;
		size_t len;
		bool more;
		int prob_code; /* -1: no error sent */
		uint32_t pointer;
		uint64_t hdrerrors, fails;
	} cases[] = {
		{"a non-last fragment not a multiple of 8", NEXTHDR_TEST, 0, 1001, true,
		 ICMPV6_HDR_FIELD, 4, 1, 0},
		{"a fragment ending past 65535", NEXTHDR_TEST, 65528, 16, false, ICMPV6_HDR_FIELD,
		 IPV6_HLEN + 2, 1, 0},
		{"a first fragment without the whole TCP header", NEXTHDR_TCP, 0, 16, true,
		 ICMPV6_HDR_INCOMP, 0, 1, 0},
		{"a first fragment without the whole ICMPv6 header", NEXTHDR_ICMP, 0, 0, true,
		 ICMPV6_HDR_INCOMP, 0, 1, 0},
		{"an empty middle fragment", NEXTHDR_TEST, 8, 0, true, -1, 0, 0, 1},
	};
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t *msg = pattern(2048, 8);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		static uint8_t pkt[4096];
		uint64_t hdr = ctr(s, "InHdrErrors"), fails = ctr(s, "ReasmFails");
		size_t n;

		fprintf(stderr, "case: %s\n", cases[i].what);
		n = build_ipv6_frag(pkt, PEER, US, cases[i].nexthdr, 500 + (uint32_t)i,
				    cases[i].off, cases[i].more, msg, cases[i].len);
		testnet_inject6(&cd, pkt, n);
		CHECK_EQ(ctr(s, "InHdrErrors"), hdr + cases[i].hdrerrors);
		CHECK_EQ(ctr(s, "ReasmFails"), fails + cases[i].fails);
		CHECK_EQ(cd.n, cases[i].prob_code >= 0 ? 1u : 0u);
		if (cases[i].prob_code >= 0) {
			struct wire_ipv6 ip;
			struct wire_icmp6 icmp;

			testnet_frame_icmp6_l3(&cd, 0, &ip, &icmp);
			CHECK_EQ(icmp.type, ICMPV6_PARAMPROB);
			CHECK_EQ(icmp.code, cases[i].prob_code);
			CHECK_EQ(icmp.rest, cases[i].pointer);
			CHECK_IP_EQ(ut_ip_v6(&ip.daddr), ipaddr(PEER));
		}
		capdev_clear(&cd);
	}
	CHECK_EQ(got.n, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(a_last_fragment_contradicting_the_known_length_discards_the_datagram)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t *msg = pattern(MSG_LEN, 10);

	/* Bytes up to 2896 held, then a last fragment ending at 2000. */
	piece(&cd, msg, 40, 1);
	frag(&cd, msg, 40, 1448, 552, false);
	CHECK_EQ(ctr(s, "ReasmFails"), 1);
	/* Two last fragments that disagree. */
	piece(&cd, msg, 41, 2);
	frag(&cd, msg, 41, 2896, 200, false);
	CHECK_EQ(ctr(s, "ReasmFails"), 2);
	/* A fragment past a known end. */
	piece(&cd, msg, 42, 2);
	frag(&cd, msg, 42, 4000, 8, true);
	CHECK_EQ(ctr(s, "ReasmFails"), 3);
	CHECK_EQ(got.n, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(a_reassembled_packet_whose_payload_would_pass_65535_bytes_is_dropped)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	uint8_t *msg = pattern(65536, 11);

	/* 8 bytes of destination options before the fragment header, and
	 * fragments covering 65528 bytes: 65536 bytes of payload. */
	for (size_t off = 0; off < 65528; off += 1440) {
		size_t len = MIN((size_t)1440, 65528 - off);

		frag_after_dstopts(&cd, msg, 99, off, len, off + len < 65528);
	}
	CHECK_EQ(got.n, 0);
	CHECK_EQ(ctr(s, "ReasmFails"), 1);
	CHECK_EQ(ctr(s, "ReasmOKs"), 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(an_echo_request_in_fragments_is_answered_with_its_data_whole)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[MSG_LEN];
	struct ut_stack *s = host(&tc, &cd);
	uint8_t *data = pattern(MSG_LEN - ICMPV6_HLEN, 12);
	struct wire_ipv6 ip;
	uint32_t sum = 0;

	build_icmp6_text(msg, PEER, US, ICMPV6_ECHO_REQUEST, 0, 0x00050006, data,
			 MSG_LEN - ICMPV6_HLEN);
	for (int i = 2; i >= 0; i--) {
		static uint8_t pkt[2048];
		size_t off = (size_t)i * 1448, len = i < 2 ? 1448 : MSG_LEN - 2896;
		size_t n = build_ipv6_frag(pkt, PEER, US, NEXTHDR_ICMP, 0x5151, (uint16_t)off,
					   i < 2, msg + off, len);

		testnet_inject6(&cd, pkt, n);
	}
	CHECK_EQ(testnet_counter(s, "Icmp6", "InEchos"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutEchoReplies"), 1);
	/* The 3000-byte reply leaves in fragments at the 1500-byte MTU. */
	CHECK(cd.n >= 3);
	for (size_t i = 0; i < cd.n; i++) {
		testnet_frame_ip6_l3(&cd, i, &ip);
		CHECK_EQ(ip.nexthdr, NEXTHDR_FRAGMENT);
		sum += (uint32_t)ip.payload_len - IPV6_FRAG_HLEN;
	}
	CHECK_EQ(sum, MSG_LEN);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}
