/* IPv4 fragmentation and reassembly under Linux's policy: out-of-order
 * arrival, duplicates, overlaps, the 30 s timeout with its ICMP, bounded
 * memory, and fragments we send. */
#include <errno.h>
#include <string.h>

#include "net/stack.h"
#include "net/wire.h"
#include "test.h"
#include "testnet.h"

#define SEC 1000000000ULL
#define ECHO_LEN 3008 /* ICMP header + 3000 bytes: three fragments at 1500 */

static struct ut_stack *make(struct test_clock *tc, struct capdev *cd)
{
	test_clock_init(tc, 0);
	return testnet_stack(tc, cd, UT_DEV_RAWIP, "10.0.0.1", 24);
}

/* An echo request of ECHO_LEN bytes whose data is a recognisable pattern. */
static void make_echo(uint8_t *msg, uint16_t seq)
{
	uint8_t data[ECHO_LEN - ICMP_HLEN];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + seq);
	build_icmp(msg, ICMP_ECHO, 0, 0x55u << 16 | seq, data, sizeof(data));
}

/* Injects bytes [off, off+len) of msg as a fragment of datagram id. */
static void inject_frag(struct capdev *cd, const uint8_t *msg, uint16_t id, size_t off, size_t len,
			bool more)
{
	uint8_t pkt[2048];
	uint16_t fo = (uint16_t)((off / 8) | (more ? IP_MF : 0));
	size_t n = build_ipv4(pkt, ip4("10.0.0.2"), ip4("10.0.0.1"), IPPROTO_ICMP_, 64, id, fo,
			      msg + off, len);
	CHECK_EQ(capdev_inject(cd, pkt, n), 0);
}

/* Reassembles captured frames [first, cd->n) of one datagram the way a
 * receiver would, checking each fragment's shape on the way. Returns the
 * payload length. */
static size_t collect(const struct capdev *cd, size_t first, uint8_t *out, size_t cap, unsigned mtu)
{
	size_t total = 0, seen = 0;
	uint16_t id = 0;
	bool last_seen = false;

	for (size_t i = first; i < cd->n; i++) {
		struct wire_ipv4 ip;
		CHECK_EQ(wire_ipv4_parse(cd->frames[i].data, cd->frames[i].len, true, &ip),
			 WIRE_OK);
		CHECK(cd->frames[i].len <= mtu);
		size_t off = (size_t)(ip.frag_off & IP_OFFMASK) * 8;
		if (i == first)
			id = ip.id;
		CHECK_EQ(ip.id, id);
		CHECK(!(ip.frag_off & IP_DF));
		if (ip.frag_off & IP_MF)
			CHECK_EQ(ip.payload_len % 8, 0);
		else
			last_seen = true, total = off + ip.payload_len;
		CHECK(off + ip.payload_len <= cap);
		memcpy(out + off, ip.payload, ip.payload_len);
		seen += ip.payload_len;
	}
	CHECK(last_seen);
	CHECK_EQ(seen, total);
	return total;
}

static void check_reply(const struct capdev *cd, size_t first, const uint8_t *request)
{
	static uint8_t reply[65536];
	struct wire_icmp icmp;
	size_t len = collect(cd, first, reply, sizeof(reply), 1500);
	CHECK_EQ(len, ECHO_LEN);
	CHECK_EQ(wire_icmp_parse(reply, len, true, &icmp), WIRE_OK);
	CHECK_EQ(icmp.type, ICMP_ECHOREPLY);
	CHECK_MEM_EQ(reply + 4, request + 4, ECHO_LEN - 4);
}

TEST(fragments_in_order_reassemble_and_the_large_reply_leaves_in_fragments)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[ECHO_LEN];
	struct ut_stack *s = make(&tc, &cd);

	make_echo(msg, 1);
	inject_frag(&cd, msg, 100, 0, 1480, true);
	inject_frag(&cd, msg, 100, 1480, 1480, true);
	CHECK_EQ(cd.n, 0);
	inject_frag(&cd, msg, 100, 2960, ECHO_LEN - 2960, false);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmReqds"), 3);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmOKs"), 1);
	CHECK_EQ(cd.n, 3);
	check_reply(&cd, 0, msg);
	CHECK_EQ(testnet_counter(s, "Ip", "FragOKs"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "FragCreates"), 3);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(fragments_out_of_order_with_a_duplicate_still_reassemble_once)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[ECHO_LEN];
	struct ut_stack *s = make(&tc, &cd);

	make_echo(msg, 2);
	inject_frag(&cd, msg, 200, 2960, ECHO_LEN - 2960, false);
	inject_frag(&cd, msg, 200, 1480, 1480, true);
	inject_frag(&cd, msg, 200, 1480, 1480, true); /* exact duplicate */
	CHECK_EQ(cd.n, 0);
	inject_frag(&cd, msg, 200, 0, 1480, true);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmOKs"), 1);
	CHECK_EQ(testnet_counter(s, "IpExt", "ReasmOverlaps"), 0);
	check_reply(&cd, 0, msg);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(an_overlapping_fragment_discards_the_whole_datagram)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[ECHO_LEN];
	struct ut_stack *s = make(&tc, &cd);

	make_echo(msg, 3);
	inject_frag(&cd, msg, 300, 0, 1480, true);
	inject_frag(&cd, msg, 300, 1472, 1480, true); /* overlaps by 8 bytes */
	CHECK_EQ(testnet_counter(s, "IpExt", "ReasmOverlaps"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmFails"), 1);
	/* What arrives next starts a new datagram that can never complete. */
	inject_frag(&cd, msg, 300, 2960, ECHO_LEN - 2960, false);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmOKs"), 0);
	testnet_advance(s, &tc, 31 * SEC);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(an_incomplete_datagram_times_out_after_ipfrag_time_with_time_exceeded)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[ECHO_LEN];
	struct wire_ipv4 ip, inner;
	struct wire_icmp icmp;
	struct ut_stack *s = make(&tc, &cd);

	make_echo(msg, 4);
	inject_frag(&cd, msg, 400, 0, 1480, true);
	testnet_advance(s, &tc, 29 * SEC);
	CHECK_EQ(cd.n, 0);
	testnet_advance(s, &tc, 2 * SEC);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmTimeout"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmFails"), 1);
	CHECK_EQ(cd.n, 1);
	CHECK_EQ(wire_ipv4_parse(cd.frames[0].data, cd.frames[0].len, true, &ip), WIRE_OK);
	CHECK_EQ(wire_icmp_parse(ip.payload, ip.payload_len, true, &icmp), WIRE_OK);
	CHECK_EQ(icmp.type, ICMP_TIME_EXCEEDED);
	CHECK_EQ(icmp.code, ICMP_EXC_FRAGTIME);
	CHECK_EQ(ip.daddr, ip4("10.0.0.2"));
	/* The quote is the first fragment's header and its ICMP header. */
	CHECK(icmp.payload_len >= IPV4_HLEN_MIN + 8);
	CHECK_EQ(wire_ipv4_parse(icmp.payload, IPV4_HLEN_MIN, false, &inner), WIRE_ETOTLEN);
	CHECK_EQ(get_be16(icmp.payload + 4), 400);
	CHECK_EQ(icmp.payload[IPV4_HLEN_MIN], ICMP_ECHO);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(a_timed_out_datagram_without_its_first_fragment_sends_no_icmp)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[ECHO_LEN];
	struct ut_stack *s = make(&tc, &cd);

	make_echo(msg, 5);
	inject_frag(&cd, msg, 500, 1480, 1480, true);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv4.ipfrag_time", 5), 0);
	testnet_advance(s, &tc, 40 * SEC); /* armed with the old 30 s */
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmTimeout"), 1);
	CHECK_EQ(cd.n, 0);
	inject_frag(&cd, msg, 501, 1480, 1480, true);
	testnet_advance(s, &tc, 6 * SEC);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmTimeout"), 2);
	CHECK_EQ(cd.n, 0);
	testnet_destroy(s, &cd);
}

TEST(fragments_beyond_ipfrag_high_thresh_are_dropped_and_the_stack_keeps_working)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[ECHO_LEN];
	struct ut_stack *s = make(&tc, &cd);
	uint8_t small[16];
	size_t n;

	CHECK_EQ(ut_sysctl_set(s, "net.ipv4.ipfrag_high_thresh", 10000), 0);
	make_echo(msg, 6);
	for (uint16_t id = 1; id <= 20; id++)
		inject_frag(&cd, msg, id, 0, 1480, true);
	uint64_t fails = testnet_counter(s, "Ip", "ReasmFails");
	CHECK(fails >= 15 && fails < 20);
	CHECK(s->frags.mem <= 10000);
	/* Unfragmented traffic is untouched. */
	n = build_icmp(small, ICMP_ECHO, 0, 9, "abcdefgh", 8);
	uint8_t pkt[64];
	size_t pl = build_ipv4(pkt, ip4("10.0.0.2"), ip4("10.0.0.1"), IPPROTO_ICMP_, 64, 9, 0,
			       small, n);
	CHECK_EQ(capdev_inject(&cd, pkt, pl), 0);
	CHECK_EQ(cd.n, 1);
	testnet_advance(s, &tc, 31 * SEC);
	CHECK_EQ(s->frags.mem, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(a_fragment_ending_past_65535_bytes_is_rejected)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[ECHO_LEN];
	struct ut_stack *s = make(&tc, &cd);

	make_echo(msg, 7);
	inject_frag(&cd, msg, 700, 65528, 16, false);
	CHECK_EQ(testnet_counter(s, "Ip", "InHdrErrors"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "ReasmReqds"), 0);
	testnet_destroy(s, &cd);
}

TEST(a_large_echo_leaves_in_mtu_sized_fragments_on_8_byte_boundaries)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t data[4000], whole[65536];
	struct wire_icmp icmp;
	struct ut_stack *s = make(&tc, &cd);

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	CHECK_EQ(ut_dev_set_mtu(cd.dev, 1000), 0);
	CHECK_EQ(ut_ping_send(s, ip4("10.0.0.2"), 1, 1, data, sizeof(data)), 0);
	testnet_poll(s);
	CHECK_EQ(cd.n, 5); /* 4008 bytes in 976-byte pieces */
	size_t len = collect(&cd, 0, whole, sizeof(whole), 1000);
	CHECK_EQ(len, sizeof(data) + ICMP_HLEN);
	CHECK_EQ(wire_icmp_parse(whole, len, true, &icmp), WIRE_OK);
	CHECK_MEM_EQ(icmp.payload, data, sizeof(data));
	CHECK_EQ(testnet_counter(s, "Ip", "FragCreates"), 5);
	/* Over 65535 bytes cannot be sent at all. */
	CHECK_EQ(ut_ping_send(s, ip4("10.0.0.2"), 1, 2, whole, 65508), -EMSGSIZE);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

static uint64_t reply_when;

static void on_reply(void *arg, const struct ut_ping_event *ev)
{
	(void)arg;
	if (ev->kind == UT_PING_REPLY)
		reply_when = ev->when_ns;
}

TEST(a_reassembled_datagram_arrives_when_its_last_fragment_does)
{
	struct test_clock tc;
	struct capdev cd;
	static uint8_t msg[ECHO_LEN];
	struct ut_stack *s = make(&tc, &cd);

	ut_ping_set_handler(s, on_reply, NULL);
	make_echo(msg, 8);
	msg[0] = ICMP_ECHOREPLY;
	put_be16(msg + 2, 0);
	put_be16(msg + 2, csum_fold(csum_partial(msg, ECHO_LEN, 0)));
	tc.now = 1000;
	inject_frag(&cd, msg, 800, 0, 1480, true);
	tc.now = 2000;
	inject_frag(&cd, msg, 800, 2960, ECHO_LEN - 2960, false);
	tc.now = 3000;
	inject_frag(&cd, msg, 800, 1480, 1480, true);
	CHECK_EQ(reply_when, 3000);
	testnet_destroy(s, &cd);
}
