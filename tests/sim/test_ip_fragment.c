/* IPv4 fragmentation and reassembly: datagrams arriving in pieces in any
 * order, duplicates, overlaps, contradictions, the ipfrag_time timeout and
 * its ICMP, the 65535-byte ceiling, the ipfrag_high_thresh memory bound,
 * and the fragments this host makes itself. Replies that leave in
 * fragments are checked by handing them to a second stack, which must put
 * them back together. */
#include <errno.h>
#include <string.h>

#include "net/stack.h"
#include "net/wire.h"
#include "test.h"
#include "testnet.h"

#define SEC 1000000000ULL
#define MSEC 1000000ULL
#define DATA_LEN 3000			/* echo data: 3008 ICMP bytes */
#define ECHO_LEN (ICMP_HLEN + DATA_LEN) /* three fragments at MTU 1500 */

static struct ut_stack *make(struct test_clock *tc, struct capdev *cd, const char *addr)
{
	test_clock_init(tc, 0);
	return testnet_stack(tc, cd, UT_DEV_RAWIP, addr, 24);
}

static void pattern(uint8_t *data, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 13 + seed + (i >> 8));
}

/* An ICMP echo request of ICMP_HLEN + len bytes, id 0x66. */
static void make_echo(uint8_t *msg, size_t len, uint16_t seq)
{
	static uint8_t data[65536];
	pattern(data, len, seq);
	build_icmp(msg, ICMP_ECHO, 0, 0x66u << 16 | seq, data, len);
}

/* Injects bytes [off, off + len) of msg as a fragment of datagram id from
 * 10.0.0.2 to 10.0.0.1. */
static void inject_frag(struct capdev *cd, const uint8_t *msg, uint16_t id, size_t off, size_t len,
			bool more)
{
	static uint8_t pkt[65536];
	uint16_t fo = (uint16_t)((off / 8) | (more ? IP_MF : 0));
	size_t n = build_ipv4(pkt, ip4("10.0.0.2"), ip4("10.0.0.1"), IPPROTO_ICMP_, 64, id, fo,
			      msg + off, len);
	CHECK_EQ(capdev_inject(cd, pkt, n), 0);
}

/* The three fragments of a 3008-byte message at MTU 1500. */
static void inject_piece(struct capdev *cd, const uint8_t *msg, uint16_t id, int piece)
{
	if (piece == 0)
		inject_frag(cd, msg, id, 0, 1480, true);
	else if (piece == 1)
		inject_frag(cd, msg, id, 1480, 1480, true);
	else
		inject_frag(cd, msg, id, 2960, ECHO_LEN - 2960, false);
}

/* Hands frames [first, from->n) captured from one stack to another. */
static void relay(const struct capdev *from, size_t first, struct capdev *to)
{
	for (size_t i = first; i < from->n; i++)
		CHECK_EQ(capdev_inject(to, from->frames[i].data, from->frames[i].len), 0);
}

/* Checks that frames [first, cd->n) are the fragments of one datagram as
 * RFC 791 shapes them: each within mtu, same id, DF clear, payload offsets
 * in 8-byte units, MF on all but the last, no gaps. Returns how many. */
static size_t check_fragments(const struct capdev *cd, size_t first, unsigned mtu,
			      size_t whole_payload)
{
	size_t next_off = 0, count = 0;
	uint16_t id = 0;

	for (size_t i = first; i < cd->n; i++, count++) {
		struct wire_ipv4 ip;
		size_t off;

		CHECK_EQ(wire_ipv4_parse(cd->frames[i].data, cd->frames[i].len, true, &ip),
			 WIRE_OK);
		CHECK(cd->frames[i].len <= mtu);
		CHECK_EQ(ip.tot_len, cd->frames[i].len);
		if (i == first)
			id = ip.id;
		CHECK_EQ(ip.id, id);
		CHECK(!(ip.frag_off & IP_DF));
		off = (size_t)(ip.frag_off & IP_OFFMASK) * 8;
		CHECK_EQ(off, next_off);
		next_off += ip.payload_len;
		if (i + 1 < cd->n) {
			CHECK(ip.frag_off & IP_MF);
			CHECK_EQ(ip.payload_len % 8, 0);
		} else {
			CHECK(!(ip.frag_off & IP_MF));
		}
	}
	CHECK_EQ(next_off, whole_payload);
	return count;
}

/* A second host, 10.0.0.2, that receives what the first one sent. */
struct peer {
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s;
	struct ping_log log;
};

static void peer_init(struct peer *p)
{
	p->s = make(&p->tc, &p->cd, "10.0.0.2");
	ping_log_attach(p->s, &p->log);
}

/* Relays our reply (frames [first, n)) to the peer and checks that it
 * reassembles into the echo reply to msg. */
static void check_reply_reaches_peer(const struct capdev *cd, size_t first, const uint8_t *msg,
				     size_t data_len)
{
	static struct peer p;

	peer_init(&p);
	relay(cd, first, &p.cd);
	CHECK_EQ(p.log.replies, 1);
	CHECK_EQ(p.log.last.id, get_be16(msg + 4));
	CHECK_EQ(p.log.last.seq, get_be16(msg + 6));
	CHECK_EQ(p.log.last.len, data_len);
	CHECK_MEM_EQ(p.log.data, msg + ICMP_HLEN, data_len);
	CHECK_EQ(testnet_counter(p.s, "Ip", "ReasmOKs"), 1);
	CHECK_EQ(skb_pool_in_use(p.s->pool), 0);
	testnet_destroy(p.s, &p.cd);
}

TEST(fragments_in_order_reassemble_and_the_fragmented_reply_reassembles_at_the_peer)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[ECHO_LEN];
	struct ut_stack *s = make(&tc, &cd, "10.0.0.1");

	make_echo(msg, DATA_LEN, 1);
	inject_piece(&cd, msg, 100, 0);
	inject_piece(&cd, msg, 100, 1);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(s->frags.nqueues, 1);
	inject_piece(&cd, msg, 100, 2);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmReqds"), 3);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmOKs"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmFails"), 0);
	CHECK_EQ(testnet_counter(s, "Icmp", "InEchos"), 1);
	CHECK_EQ(s->frags.nqueues, 0);
	CHECK_EQ(s->frags.mem, 0);

	/* The 3028-byte reply leaves in three fragments... */
	CHECK_EQ(check_fragments(&cd, 0, 1500, ECHO_LEN), 3);
	CHECK_EQ(testnet_counter(s, "Ip", "FragOKs"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "FragCreates"), 3);
	/* ...that another host puts back together. */
	check_reply_reaches_peer(&cd, 0, msg, DATA_LEN);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(fragments_in_any_order_and_interleaved_with_another_datagram_reassemble)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t a[ECHO_LEN], b[ECHO_LEN], c[ECHO_LEN];
	struct ut_stack *s = make(&tc, &cd, "10.0.0.1");

	make_echo(a, DATA_LEN, 2);
	make_echo(b, DATA_LEN, 3);
	make_echo(c, DATA_LEN, 4);
	/* Last first, then the middle, the first completing it; another
	 * datagram's pieces in between, in reverse. */
	inject_piece(&cd, a, 200, 2);
	inject_piece(&cd, b, 201, 2);
	inject_piece(&cd, a, 200, 1);
	inject_piece(&cd, b, 201, 1);
	CHECK_EQ(s->frags.nqueues, 2);
	inject_piece(&cd, a, 200, 0);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmOKs"), 1);
	check_reply_reaches_peer(&cd, 0, a, DATA_LEN);
	capdev_clear(&cd);
	inject_piece(&cd, b, 201, 0);
	check_reply_reaches_peer(&cd, 0, b, DATA_LEN);
	capdev_clear(&cd);
	/* First, last, middle. */
	inject_piece(&cd, c, 202, 0);
	inject_piece(&cd, c, 202, 2);
	inject_piece(&cd, c, 202, 1);
	check_reply_reaches_peer(&cd, 0, c, DATA_LEN);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmReqds"), 9);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmOKs"), 3);
	CHECK_EQ(s->frags.nqueues, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(the_same_id_from_another_source_or_protocol_is_another_datagram)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[ECHO_LEN], pkt[2048];
	struct ut_stack *s = make(&tc, &cd, "10.0.0.1");
	size_t n;

	make_echo(msg, DATA_LEN, 5);
	inject_piece(&cd, msg, 300, 0);
	/* The middle piece with id 300, but from 10.0.0.3, then as UDP. */
	n = build_ipv4(pkt, ip4("10.0.0.3"), ip4("10.0.0.1"), IPPROTO_ICMP_, 64, 300,
		       IP_MF | 1480 / 8, msg + 1480, 1480);
	CHECK_EQ(capdev_inject(&cd, pkt, n), 0);
	n = build_ipv4(pkt, ip4("10.0.0.2"), ip4("10.0.0.1"), IPPROTO_UDP_, 64, 300,
		       IP_MF | 1480 / 8, msg + 1480, 1480);
	CHECK_EQ(capdev_inject(&cd, pkt, n), 0);
	CHECK_EQ(s->frags.nqueues, 3);
	inject_piece(&cd, msg, 300, 2);
	CHECK_EQ(cd.n, 0);
	inject_piece(&cd, msg, 300, 1);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmOKs"), 1);
	check_reply_reaches_peer(&cd, 0, msg, DATA_LEN);
	testnet_advance(s, &tc, 31 * SEC);
	CHECK_EQ(s->frags.nqueues, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(an_exact_duplicate_of_any_fragment_is_ignored)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[ECHO_LEN];
	struct ut_stack *s = make(&tc, &cd, "10.0.0.1");

	/* The first and the last fragment twice, the middle one completing. */
	make_echo(msg, DATA_LEN, 6);
	inject_piece(&cd, msg, 400, 0);
	inject_piece(&cd, msg, 400, 0);
	inject_piece(&cd, msg, 400, 2);
	inject_piece(&cd, msg, 400, 2);
	CHECK_EQ(s->frags.nqueues, 1);
	CHECK_EQ(cd.n, 0);
	inject_piece(&cd, msg, 400, 1);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmReqds"), 5);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmOKs"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmFails"), 0);
	CHECK_EQ(testnet_counter(s, "IpExt", "ReasmOverlaps"), 0);
	CHECK_EQ(testnet_counter(s, "Icmp", "InEchos"), 1);
	check_reply_reaches_peer(&cd, 0, msg, DATA_LEN);
	capdev_clear(&cd);
	/* Backwards, the middle fragment twice (held beside the last). */
	inject_piece(&cd, msg, 401, 2);
	inject_piece(&cd, msg, 401, 1);
	inject_piece(&cd, msg, 401, 1);
	CHECK_EQ(cd.n, 0);
	inject_piece(&cd, msg, 401, 0);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmOKs"), 2);
	CHECK_EQ(testnet_counter(s, "IpExt", "ReasmOverlaps"), 0);
	check_reply_reaches_peer(&cd, 0, msg, DATA_LEN);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(a_fragment_whose_bytes_are_all_held_already_is_dropped_as_a_duplicate)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[ECHO_LEN];
	struct ut_stack *s = make(&tc, &cd, "10.0.0.1");

	make_echo(msg, DATA_LEN, 7);
	inject_piece(&cd, msg, 500, 0);
	inject_piece(&cd, msg, 500, 1);
	/* Inside one held fragment, and across two adjacent ones (as a
	 * router that fragmented a retransmission differently would send):
	 * Linux ignores both and keeps the datagram. */
	inject_frag(&cd, msg, 500, 8, 16, true);
	inject_frag(&cd, msg, 500, 1000, 1000, true);
	CHECK_EQ(s->frags.nqueues, 1);
	CHECK_EQ(testnet_counter(s, "IpExt", "ReasmOverlaps"), 0);
	inject_piece(&cd, msg, 500, 2);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmOKs"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmFails"), 0);
	check_reply_reaches_peer(&cd, 0, msg, DATA_LEN);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(an_overlapping_fragment_discards_the_whole_datagram)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[ECHO_LEN];
	struct ut_stack *s = make(&tc, &cd, "10.0.0.1");

	make_echo(msg, DATA_LEN, 8);
	/* New bytes that also rewrite 8 held ones (RFC 5722's rule, which
	 * Linux applies to IPv4 since CVE-2018-5391). */
	inject_piece(&cd, msg, 600, 0);
	inject_frag(&cd, msg, 600, 1472, 1480, true);
	CHECK_EQ(testnet_counter(s, "IpExt", "ReasmOverlaps"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmFails"), 1);
	CHECK_EQ(s->frags.nqueues, 0);
	CHECK_EQ(s->frags.mem, 0);
	/* Overlapping the fragment after it rather than before. */
	inject_piece(&cd, msg, 601, 1);
	inject_frag(&cd, msg, 601, 8, 1480, true);
	CHECK_EQ(testnet_counter(s, "IpExt", "ReasmOverlaps"), 2);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmFails"), 2);
	CHECK_EQ(s->frags.nqueues, 0);

	/* The rest of datagram 600 starts afresh and never completes. */
	inject_piece(&cd, msg, 600, 1);
	inject_piece(&cd, msg, 600, 2);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmOKs"), 0);
	testnet_advance(s, &tc, 31 * SEC);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmTimeout"), 1);
	CHECK_EQ(cd.n, 0); /* its first fragment never came: no ICMP */
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(a_fragment_contradicting_the_known_length_discards_the_datagram_without_an_overlap)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[ECHO_LEN + 128];
	struct ut_stack *s = make(&tc, &cd, "10.0.0.1");

	make_echo(msg, DATA_LEN + 56, 9);
	/* Two last fragments that disagree on where the datagram ends. */
	inject_piece(&cd, msg, 700, 2);
	inject_frag(&cd, msg, 700, 2960, 56, false);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmFails"), 1);
	CHECK_EQ(testnet_counter(s, "IpExt", "ReasmOverlaps"), 0);
	CHECK_EQ(s->frags.nqueues, 0);
	/* A middle fragment reaching past the known end. */
	inject_piece(&cd, msg, 701, 2);
	inject_frag(&cd, msg, 701, 2000, 1080, true);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmFails"), 2);
	CHECK_EQ(s->frags.nqueues, 0);
	/* A fragment with no data at all. */
	inject_piece(&cd, msg, 702, 0);
	inject_frag(&cd, msg, 702, 1480, 0, true);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmFails"), 3);
	CHECK_EQ(testnet_counter(s, "IpExt", "ReasmOverlaps"), 0);
	CHECK_EQ(s->frags.nqueues, 0);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(an_incomplete_datagram_times_out_after_ipfrag_time_with_time_exceeded)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[ECHO_LEN];
	struct wire_ipv4 ip, quoted;
	struct wire_icmp icmp;
	long t = 0;
	struct ut_stack *s = make(&tc, &cd, "10.0.0.1");

	CHECK_EQ(ut_sysctl_get(s, "net.ipv4.ipfrag_time", &t), 0);
	CHECK_EQ(t, 30);
	make_echo(msg, DATA_LEN, 10);
	inject_piece(&cd, msg, 800, 0);
	/* A later fragment does not restart the clock. */
	testnet_advance(s, &tc, 20 * SEC);
	inject_piece(&cd, msg, 800, 2);
	testnet_advance(s, &tc, 10 * SEC - 1 * MSEC);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmTimeout"), 0);
	CHECK_EQ(s->frags.nqueues, 1);
	testnet_advance(s, &tc, 1 * MSEC);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmTimeout"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmFails"), 1);
	CHECK_EQ(s->frags.nqueues, 0);

	/* RFC 792 time exceeded, code 1, quoting the first fragment. */
	CHECK_EQ(cd.n, 1);
	CHECK_EQ(wire_ipv4_parse(cd.frames[0].data, cd.frames[0].len, true, &ip), WIRE_OK);
	CHECK_EQ(ip.saddr, ip4("10.0.0.1"));
	CHECK_EQ(ip.daddr, ip4("10.0.0.2"));
	CHECK_EQ(wire_icmp_parse(ip.payload, ip.payload_len, true, &icmp), WIRE_OK);
	CHECK_EQ(icmp.type, ICMP_TIME_EXCEEDED);
	CHECK_EQ(icmp.code, ICMP_EXC_FRAGTIME);
	CHECK(icmp.payload_len >= IPV4_HLEN_MIN + 8);
	CHECK(ip.tot_len <= 576);
	/* The quoted header is the first fragment's, as it arrived. */
	CHECK_EQ(wire_ipv4_parse(icmp.payload, icmp.payload_len, false, &quoted), WIRE_ETOTLEN);
	CHECK_EQ(get_be16(icmp.payload + 2), IPV4_HLEN_MIN + 1480);
	CHECK_EQ(get_be16(icmp.payload + 4), 800);
	CHECK_EQ(get_be16(icmp.payload + 6), IP_MF);
	CHECK_MEM_EQ(icmp.payload + IPV4_HLEN_MIN, msg, 8); /* the echo header */
	CHECK_EQ(testnet_counter(s, "Icmp", "OutTimeExcds"), 1);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(a_timed_out_datagram_whose_first_fragment_never_came_sends_no_icmp)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[ECHO_LEN];
	struct ut_stack *s = make(&tc, &cd, "10.0.0.1");

	make_echo(msg, DATA_LEN, 11);
	inject_piece(&cd, msg, 900, 1);
	inject_piece(&cd, msg, 900, 2);
	testnet_advance(s, &tc, 30 * SEC);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmTimeout"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmFails"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutMsgs"), 0);
	CHECK_EQ(cd.n, 0);
	/* A shorter ipfrag_time applies to queues made afterwards. */
	CHECK_EQ(ut_sysctl_set(s, "net.ipv4.ipfrag_time", 2), 0);
	inject_piece(&cd, msg, 901, 1);
	testnet_advance(s, &tc, 2 * SEC);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmTimeout"), 2);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(a_datagram_whose_fragments_would_exceed_65535_bytes_is_dropped)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[65536 + 64];
	struct wire_ipv4 ip;
	struct ut_stack *s = make(&tc, &cd, "10.0.0.1");

	CHECK_EQ(ut_dev_set_mtu(cd.dev, 65535), 0);
	make_echo(msg, 65528 - ICMP_HLEN, 12);
	/* Each fragment is legal, but together with the header the
	 * datagram would be 20 + 65520 bytes. */
	inject_frag(&cd, msg, 1000, 0, 65000, true);
	inject_frag(&cd, msg, 1000, 65000, 520, false);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmReqds"), 2);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmOKs"), 0);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmFails"), 1);
	CHECK_EQ(s->frags.nqueues, 0);
	/* The classic ping of death: the last fragment ends past 65535.
	 * Its header alone says so: a header error that never reaches
	 * reassembly. */
	inject_frag(&cd, msg, 1001, 0, 65000, true);
	inject_frag(&cd, msg, 1001, 65528, 16, false);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Ip", "InHdrErrors"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmReqds"), 3);
	CHECK_EQ(testnet_counter(s, "Icmp", "InEchos"), 0);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmOKs"), 0);

	/* One byte less and it is the largest datagram there is. */
	make_echo(msg, 65515 - ICMP_HLEN, 13);
	inject_frag(&cd, msg, 1002, 0, 65000, true);
	inject_frag(&cd, msg, 1002, 65000, 515, false);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmOKs"), 1);
	CHECK_EQ(cd.n, 1);
	CHECK_EQ(wire_ipv4_parse(cd.frames[0].data, cd.frames[0].len, true, &ip), WIRE_OK);
	CHECK_EQ(ip.tot_len, 65535);
	CHECK_MEM_EQ(ip.payload + ICMP_HLEN, msg + ICMP_HLEN, 65515 - ICMP_HLEN);
	testnet_advance(s, &tc, 31 * SEC);
	CHECK_EQ(s->frags.nqueues, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(fragments_beyond_ipfrag_high_thresh_are_dropped_and_the_stack_keeps_working)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[ECHO_LEN], small[64], pkt[128];
	struct ut_stack *s = make(&tc, &cd, "10.0.0.1");
	uint64_t one;
	size_t n;

	make_echo(msg, DATA_LEN, 14);
	/* What one held fragment costs, then room for three and a half. */
	inject_piece(&cd, msg, 1, 0);
	one = s->frags.mem;
	CHECK(one > 1480);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv4.ipfrag_high_thresh", (long)(one * 7 / 2)), 0);
	for (uint16_t id = 2; id <= 10; id++)
		inject_piece(&cd, msg, id, 0);
	CHECK_EQ(s->frags.nqueues, 3);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmFails"), 7);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmReqds"), 10);
	CHECK(s->frags.mem <= one * 7 / 2);
	/* A whole datagram cannot get in while memory is full (its short
	 * last piece still fits)... */
	for (int piece = 0; piece < 3; piece++)
		inject_piece(&cd, msg, 50, piece);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmOKs"), 0);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmFails"), 9);
	CHECK_EQ(cd.n, 0);
	/* ...but unfragmented traffic is not affected. */
	n = build_icmp(small, ICMP_ECHO, 0, 0x66u << 16 | 99, "tiny", 4);
	n = build_ipv4(pkt, ip4("10.0.0.2"), ip4("10.0.0.1"), IPPROTO_ICMP_, 64, 77, 0, small, n);
	CHECK_EQ(capdev_inject(&cd, pkt, n), 0);
	CHECK_EQ(cd.n, 1);

	/* Once the held queues expire, reassembly works again. */
	testnet_advance(s, &tc, 31 * SEC);
	CHECK_EQ(s->frags.nqueues, 0);
	CHECK_EQ(s->frags.mem, 0);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmTimeout"), 4);
	capdev_clear(&cd);
	for (int piece = 0; piece < 3; piece++)
		inject_piece(&cd, msg, 51, piece);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmOKs"), 1);
	check_reply_reaches_peer(&cd, 0, msg, DATA_LEN);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(a_large_ping_leaves_in_fragments_within_the_mtu_on_8_byte_boundaries)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t data[4000], huge[65508];
	static struct peer p;
	static struct ping_log log;
	struct wire_ipv4 ip;
	struct ut_stack *s = make(&tc, &cd, "10.0.0.1");

	pattern(data, sizeof(data), 15);
	ping_log_attach(s, &log);

	/* 4008 ICMP bytes at MTU 1500: 1480 + 1480 + 1048. */
	CHECK_EQ(ut_ping_send(s, ipaddr("10.0.0.2"), 0x66, 1, data, sizeof(data)), 0);
	CHECK_EQ(check_fragments(&cd, 0, 1500, ICMP_HLEN + sizeof(data)), 3);
	CHECK_EQ(testnet_counter(s, "Ip", "FragOKs"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "FragCreates"), 3);
	CHECK_EQ(testnet_counter(s, "Ip", "FragFails"), 0);

	/* An MTU that is not 20 + a multiple of 8: data still in 8-byte units. */
	capdev_clear(&cd);
	CHECK_EQ(ut_dev_set_mtu(cd.dev, 1006), 0);
	CHECK_EQ(ut_ping_send(s, ipaddr("10.0.0.2"), 0x66, 2, data, sizeof(data)), 0);
	CHECK_EQ(check_fragments(&cd, 0, 1006, ICMP_HLEN + sizeof(data)), 5); /* 4 x 984 + 72 */
	CHECK_EQ(testnet_counter(s, "Ip", "FragOKs"), 2);
	CHECK_EQ(testnet_counter(s, "Ip", "FragCreates"), 8);

	/* The peer reassembles the request and answers; its reply, in
	 * fragments too, reassembles here into the ping handler. */
	peer_init(&p);
	relay(&cd, 0, &p.cd);
	CHECK_EQ(testnet_counter(p.s, "Ip", "ReasmOKs"), 1);
	CHECK_EQ(testnet_counter(p.s, "Icmp", "OutEchoReps"), 1);
	CHECK_EQ(check_fragments(&p.cd, 0, 1500, ICMP_HLEN + sizeof(data)), 3);
	CHECK_EQ(ut_dev_set_mtu(cd.dev, 1500), 0); /* to take 1500-byte frames */
	relay(&p.cd, 0, &cd);
	CHECK_EQ(log.replies, 1);
	CHECK_EQ(log.last.seq, 2);
	CHECK_EQ(log.last.len, sizeof(data));
	CHECK_MEM_EQ(log.data, data, sizeof(data));

	/* A ping that fits is sent whole, with DF (path MTU discovery). */
	capdev_clear(&cd);
	CHECK_EQ(ut_ping_send(s, ipaddr("10.0.0.2"), 0x66, 3, data, 1500 - 28), 0);
	CHECK_EQ(cd.n, 1);
	CHECK_EQ(wire_ipv4_parse(cd.frames[0].data, cd.frames[0].len, true, &ip), WIRE_OK);
	CHECK_EQ(ip.tot_len, 1500);
	CHECK(ip.frag_off & IP_DF);
	CHECK_EQ(testnet_counter(s, "Ip", "FragOKs"), 2);
	/* Over 65535 bytes with its headers, a ping cannot be sent at all. */
	CHECK_EQ(ut_ping_send(s, ipaddr("10.0.0.2"), 0x66, 4, huge, sizeof(huge)), -EMSGSIZE);
	CHECK_EQ(cd.n, 1);
	CHECK_EQ(skb_pool_in_use(p.s->pool), 0);
	testnet_destroy(p.s, &p.cd);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(a_reassembled_datagram_arrives_when_its_last_fragment_does)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[ECHO_LEN];
	static struct ping_log log;
	struct ut_stack *s = make(&tc, &cd, "10.0.0.1");

	/* An echo reply in three fragments, the middle one last: the ping
	 * handler sees it when that one comes, not the first. */
	ping_log_attach(s, &log);
	make_echo(msg, DATA_LEN, 16);
	msg[0] = ICMP_ECHOREPLY;
	put_be16(msg + 2, 0);
	put_be16(msg + 2, csum_fold(csum_partial(msg, ECHO_LEN, 0)));
	tc.now = 1000;
	inject_piece(&cd, msg, 1100, 0);
	tc.now = 2000;
	inject_piece(&cd, msg, 1100, 2);
	CHECK_EQ(log.replies, 0);
	tc.now = 3000;
	inject_piece(&cd, msg, 1100, 1);
	CHECK_EQ(log.replies, 1);
	CHECK_EQ(log.last.when_ns, 3000);
	CHECK_EQ(log.last.len, DATA_LEN);
	CHECK_MEM_EQ(log.data, msg + ICMP_HLEN, DATA_LEN);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}
