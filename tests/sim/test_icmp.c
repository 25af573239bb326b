/* ICMP as a Linux host runs it: echo replies and the sysctls that silence
 * them, checksum errors, the per-peer rate limit on errors (a burst of six,
 * then one per icmp_ratelimit), and replies and errors delivered to the
 * application's ping handler. */
#include <errno.h>
#include <string.h>

#include "net/stack.h"
#include "net/wire.h"
#include "test.h"
#include "testnet.h"

#define SEC 1000000000ULL
#define MSEC 1000000ULL

/* Injects an IP packet carrying payload from src to dst, wrapped in
 * Ethernet to dst_mac (ours when NULL) on an Ethernet device. */
static void inject_ip(struct capdev *cd, const uint8_t *dst_mac, const char *src, const char *dst,
		      uint8_t proto, uint8_t ttl, const void *payload, size_t len)
{
	uint8_t pkt[2048];
	size_t n = build_ipv4(pkt, ip4(src), ip4(dst), proto, ttl, 0x77, 0, payload, len);

	testnet_inject_ip(cd, dst_mac, pkt, n);
}

static void inject_echo(struct capdev *cd, const uint8_t *dst_mac, const char *src, const char *dst,
			uint16_t id, uint16_t seq)
{
	uint8_t pkt[128];
	size_t n = build_ipv4_echo(pkt, ip4(src), ip4(dst), id, seq, "0123456789", 10);

	testnet_inject_ip(cd, dst_mac, pkt, n);
}

static void inject_udp(struct capdev *cd, const char *src, const char *dst, uint16_t dport)
{
	uint8_t pkt[128];
	size_t n = build_ipv4_udp(pkt, ip4(src), ip4(dst), 33434, dport, "closed?", 7, true);

	testnet_inject_ip(cd, NULL, pkt, n);
}

TEST(an_echo_request_is_answered_from_the_address_pinged_with_its_id_sequence_and_data)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_ipv4 ip;
	struct wire_icmp icmp;
	uint8_t data[56], msg[128], pkt[256];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n;

	CHECK_EQ(ut_addr_add(s, cd.dev, ipaddr("10.0.0.7"), 24), 0);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 3 + 1);
	n = build_icmp(msg, ICMP_ECHO, 0, 0xbeefu << 16 | 0x0102, data, sizeof(data));
	n = build_ipv4(pkt, ip4("10.0.0.2"), ip4("10.0.0.7"), IPPROTO_ICMP_, 3, 0x99, 0, msg, n);
	pkt[1] = 0x10; /* a TOS the reply echoes */
	put_be16(pkt + 10, 0);
	put_be16(pkt + 10, csum_fold(csum_partial(pkt, IPV4_HLEN_MIN, 0)));
	CHECK_EQ(capdev_inject(&cd, pkt, n), 0);

	CHECK_EQ(cd.n, 1);
	testnet_frame_icmp(&cd, 0, &ip, &icmp);
	CHECK_EQ(icmp.type, ICMP_ECHOREPLY);
	CHECK_EQ(icmp.code, 0);
	CHECK_EQ(wire_icmp_echo_id(&icmp), 0xbeef);
	CHECK_EQ(wire_icmp_echo_seq(&icmp), 0x0102);
	CHECK_EQ(icmp.payload_len, sizeof(data));
	CHECK_MEM_EQ(icmp.payload, data, sizeof(data));
	/* From the secondary address that was pinged, not the primary. */
	CHECK_EQ(ip.saddr, ip4("10.0.0.7"));
	CHECK_EQ(ip.daddr, ip4("10.0.0.2"));
	CHECK_EQ(ip.ttl, 64); /* our ip_default_ttl, not the request's */
	CHECK_EQ(ip.tos, 0x10);
	CHECK_EQ(testnet_counter(s, "Icmp", "InMsgs"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp", "InEchos"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutMsgs"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutEchoReps"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "InDelivers"), 1);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(the_reply_ttl_is_net_ipv4_ip_default_ttl)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_ipv4 ip;
	struct wire_icmp icmp;
	long ttl = 0;
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);

	CHECK_EQ(ut_sysctl_get(s, "net.ipv4.ip_default_ttl", &ttl), 0);
	CHECK_EQ(ttl, 64);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv4.ip_default_ttl", 128), 0);
	inject_echo(&cd, NULL, "10.0.0.2", "10.0.0.1", 1, 1);
	testnet_frame_icmp(&cd, 0, &ip, &icmp);
	CHECK_EQ(ip.ttl, 128);
	/* Linux's range is 1..255. */
	CHECK_EQ(ut_sysctl_set(s, "net.ipv4.ip_default_ttl", 256), -EINVAL);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv4.ip_default_ttl", 0), -EINVAL);
	CHECK_EQ(ut_sysctl_get(s, "net.ipv4.ip_default_ttl", &ttl), 0);
	CHECK_EQ(ttl, 128);
	testnet_destroy(s, &cd);
}

TEST(icmp_echo_ignore_all_suppresses_every_reply_until_cleared)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);

	CHECK_EQ(ut_sysctl_set(s, "net.ipv4.icmp_echo_ignore_all", 1), 0);
	inject_echo(&cd, NULL, "10.0.0.2", "10.0.0.1", 1, 1);
	inject_echo(&cd, NULL, "10.0.0.3", "10.0.0.1", 1, 2);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Icmp", "InEchos"), 2);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutEchoReps"), 0);
	CHECK_EQ(testnet_counter(s, "Icmp", "InErrors"), 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv4.icmp_echo_ignore_all", 0), 0);
	inject_echo(&cd, NULL, "10.0.0.2", "10.0.0.1", 1, 3);
	CHECK_EQ(cd.n, 1);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(a_broadcast_echo_is_ignored_by_default_and_answered_from_our_address_when_allowed)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_ipv4 ip;
	struct wire_icmp icmp;
	long v = 0;
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_ETHER);

	CHECK_EQ(ut_sysctl_get(s, "net.ipv4.icmp_echo_ignore_broadcasts", &v), 0);
	CHECK_EQ(v, 1);
	inject_echo(&cd, testnet_bcast, "10.0.0.2", "10.0.0.255", 1, 1);
	inject_echo(&cd, testnet_bcast, "10.0.0.2", "255.255.255.255", 1, 2);
	CHECK_EQ(cd.n, 0);
	/* Linux's icmp_rcv counts the refused broadcast echo as an echo
	 * and as an error. */
	CHECK_EQ(testnet_counter(s, "Icmp", "InEchos"), 2);
	CHECK_EQ(testnet_counter(s, "Icmp", "InErrors"), 2);
	CHECK_EQ(testnet_counter(s, "IpExt", "InBcastPkts"), 2);

	CHECK_EQ(ut_sysctl_set(s, "net.ipv4.icmp_echo_ignore_broadcasts", 0), 0);
	inject_echo(&cd, testnet_bcast, "10.0.0.2", "10.0.0.255", 1, 3);
	CHECK_EQ(cd.n, 1);
	testnet_frame_icmp(&cd, 0, &ip, &icmp);
	CHECK_EQ(icmp.type, ICMP_ECHOREPLY);
	CHECK_EQ(wire_icmp_echo_seq(&icmp), 3);
	CHECK_MEM_EQ(cd.frames[0].data, peer_mac, 6); /* Ethernet unicast back */
	/* Never from a broadcast address: from ours on that link. */
	CHECK_EQ(ip.saddr, ip4("10.0.0.1"));
	CHECK_EQ(ip.daddr, ip4("10.0.0.2"));
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(a_bad_icmp_checksum_is_counted_and_not_answered)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t icmp[64];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n = build_icmp(icmp, ICMP_ECHO, 0, 1u << 16 | 1, "0123456789", 10);

	icmp[ICMP_HLEN + 2] ^= 0x01;
	inject_ip(&cd, NULL, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP_, 64, icmp, n);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Icmp", "InCsumErrors"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp", "InErrors"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp", "InMsgs"), 1); /* includes errors */
	CHECK_EQ(testnet_counter(s, "Icmp", "InEchos"), 0);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutMsgs"), 0);
	/* IP delivered it: the error is ICMP's, not IP's. */
	CHECK_EQ(testnet_counter(s, "Ip", "InDelivers"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "InHdrErrors"), 0);
	/* Shorter than an ICMP header. */
	inject_ip(&cd, NULL, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP_, 64, icmp, 7);
	CHECK_EQ(testnet_counter(s, "Icmp", "InErrors"), 2);
	CHECK_EQ(testnet_counter(s, "Icmp", "InCsumErrors"), 1);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(unknown_icmp_types_are_discarded_without_reply)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t icmp[64];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n;

	/* Beyond the last type Linux knows: an error. */
	n = build_icmp(icmp, 42, 0, 0, "abcd", 4);
	inject_ip(&cd, NULL, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP_, 64, icmp, n);
	CHECK_EQ(testnet_counter(s, "Icmp", "InErrors"), 1);
	/* A known type with nothing to do (information request, 15). */
	n = build_icmp(icmp, 15, 0, 0, "abcd", 4);
	inject_ip(&cd, NULL, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP_, 64, icmp, n);
	CHECK_EQ(testnet_counter(s, "Icmp", "InErrors"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp", "InMsgs"), 2);
	CHECK_EQ(cd.n, 0);
	testnet_destroy(s, &cd);
}

TEST(errors_to_one_peer_come_in_a_burst_of_six_then_one_per_second)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_ipv4 ip;
	struct wire_icmp icmp;
	long rl = 0;
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);

	CHECK_EQ(ut_sysctl_get(s, "net.ipv4.icmp_ratelimit", &rl), 0);
	CHECK_EQ(rl, 1000);
	testnet_advance(s, &tc, 100 * SEC);
	for (int i = 0; i < 20; i++)
		inject_udp(&cd, "10.0.0.2", "10.0.0.1", (uint16_t)(1000 + i));
	CHECK_EQ(cd.n, 6);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutRateLimitHost"), 14);
	CHECK_EQ(testnet_counter(s, "Udp", "NoPorts"), 20);
	for (size_t i = 0; i < cd.n; i++) {
		testnet_frame_icmp(&cd, i, &ip, &icmp);
		CHECK_EQ(icmp.type, ICMP_DEST_UNREACH);
		CHECK_EQ(icmp.code, ICMP_PORT_UNREACH);
	}

	/* Then, at four datagrams a second, one error per second. */
	for (int sec = 1; sec <= 5; sec++) {
		for (int q = 0; q < 4; q++) {
			testnet_advance(s, &tc, 250 * MSEC);
			inject_udp(&cd, "10.0.0.2", "10.0.0.1", 2000);
		}
		CHECK_EQ(cd.n, (size_t)(6 + sec));
	}
	CHECK_EQ(testnet_counter(s, "Icmp", "OutRateLimitHost"), 14 + 15);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutDestUnreachs"), 11);

	/* Six quiet seconds refill the whole burst. */
	testnet_advance(s, &tc, 6 * SEC);
	capdev_clear(&cd);
	for (int i = 0; i < 10; i++)
		inject_udp(&cd, "10.0.0.2", "10.0.0.1", 3000);
	CHECK_EQ(cd.n, 6);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(each_peer_has_its_own_error_budget_and_echo_replies_are_not_limited)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);

	for (int i = 0; i < 10; i++)
		inject_udp(&cd, "10.0.0.2", "10.0.0.1", 7);
	CHECK_EQ(cd.n, 6);
	for (int i = 0; i < 10; i++)
		inject_udp(&cd, "10.0.0.3", "10.0.0.1", 7);
	CHECK_EQ(cd.n, 12);
	/* The exhausted peer still gets every echo reply. */
	for (int i = 0; i < 30; i++)
		inject_echo(&cd, NULL, "10.0.0.2", "10.0.0.1", 1, (uint16_t)i);
	CHECK_EQ(cd.n, 42);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutRateLimitHost"), 8);
	testnet_destroy(s, &cd);
}

TEST(icmp_ratelimit_zero_lifts_the_per_peer_limit)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);

	CHECK_EQ(ut_sysctl_set(s, "net.ipv4.icmp_ratelimit", 0), 0);
	for (int i = 0; i < 30; i++)
		inject_udp(&cd, "10.0.0.2", "10.0.0.1", 7);
	CHECK_EQ(cd.n, 30); /* within icmp_msgs_burst (50) */
	CHECK_EQ(testnet_counter(s, "Icmp", "OutRateLimitHost"), 0);
	testnet_destroy(s, &cd);
}

TEST(an_echo_reply_for_our_request_reaches_the_ping_handler)
{
	struct test_clock tc;
	struct capdev cd;
	static struct ping_log log;
	struct wire_ipv4 ip;
	struct wire_icmp req;
	uint8_t icmp[64];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n;

	ping_log_attach(s, &log);
	CHECK_EQ(ut_ping_send(s, ipaddr("10.0.0.2"), 0x4d2, 17, "are you there", 13), 0);
	CHECK_EQ(cd.n, 1);
	testnet_frame_icmp(&cd, 0, &ip, &req);
	CHECK_EQ(req.type, ICMP_ECHO);
	CHECK_EQ(wire_icmp_echo_id(&req), 0x4d2);
	CHECK_EQ(wire_icmp_echo_seq(&req), 17);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutEchos"), 1);

	tc.now = 7 * MSEC;
	n = build_icmp(icmp, ICMP_ECHOREPLY, 0, 0x4d2u << 16 | 17, "are you there", 13);
	inject_ip(&cd, NULL, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP_, 61, icmp, n);
	CHECK_EQ(log.replies, 1);
	CHECK_EQ(log.errors, 0);
	CHECK_EQ(log.last.kind, UT_PING_REPLY);
	CHECK_EQ(log.last.id, 0x4d2);
	CHECK_EQ(log.last.seq, 17);
	CHECK_IP_EQ(log.last.from, ipaddr("10.0.0.2"));
	CHECK_EQ(log.last.ttl, 61);
	CHECK_EQ(log.last.len, 13);
	CHECK_MEM_EQ(log.data, "are you there", 13);
	CHECK_EQ(log.last.when_ns, 7 * MSEC);
	CHECK_EQ(testnet_counter(s, "Icmp", "InEchoReps"), 1);
	/* Without a handler the reply is simply consumed. */
	ut_ping_set_handler(s, NULL, NULL);
	inject_ip(&cd, NULL, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP_, 61, icmp, n);
	CHECK_EQ(log.replies, 1);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(an_icmp_error_quoting_our_echo_request_reaches_the_ping_handler_as_an_error)
{
	struct test_clock tc;
	struct capdev cd;
	static struct ping_log log;
	uint8_t icmp[128], quote[IPV4_HLEN_MIN + 8];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n;

	ping_log_attach(s, &log);
	CHECK_EQ(ut_ping_send(s, ipaddr("192.0.2.9"), 0x31, 5, "x", 1), -ENETUNREACH);
	CHECK_EQ(ut_route_add(s, ipaddr("0.0.0.0"), 0, ipaddr("10.0.0.254"), NULL), 0);
	CHECK_EQ(ut_ping_send(s, ipaddr("192.0.2.9"), 0x31, 5, "x", 1), 0);
	CHECK_EQ(cd.n, 1);
	/* RFC 792: the quote is the IP header and the first 8 bytes. */
	memcpy(quote, cd.frames[0].data, sizeof(quote));

	n = build_icmp(icmp, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0, quote, sizeof(quote));
	inject_ip(&cd, NULL, "10.0.0.254", "10.0.0.1", IPPROTO_ICMP_, 64, icmp, n);
	CHECK_EQ(log.errors, 1);
	CHECK_EQ(log.last.kind, UT_PING_ERROR);
	CHECK_EQ(log.last.icmp_type, ICMP_DEST_UNREACH);
	CHECK_EQ(log.last.icmp_code, ICMP_HOST_UNREACH);
	CHECK_IP_EQ(log.last.from, ipaddr("10.0.0.254"));
	CHECK_EQ(log.last.id, 0x31);
	CHECK_EQ(log.last.seq, 5);
	CHECK_EQ(testnet_counter(s, "Icmp", "InDestUnreachs"), 1);

	/* Time exceeded in transit, from a router further away. */
	n = build_icmp(icmp, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0, quote, sizeof(quote));
	inject_ip(&cd, NULL, "198.51.100.1", "10.0.0.1", IPPROTO_ICMP_, 60, icmp, n);
	CHECK_EQ(log.errors, 2);
	CHECK_EQ(log.last.icmp_type, ICMP_TIME_EXCEEDED);
	CHECK_EQ(log.last.icmp_code, ICMP_EXC_TTL);
	CHECK_IP_EQ(log.last.from, ipaddr("198.51.100.1"));

	/* Fragmentation needed carries the next-hop MTU (RFC 1191). */
	n = build_icmp(icmp, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 1280, quote, sizeof(quote));
	inject_ip(&cd, NULL, "10.0.0.254", "10.0.0.1", IPPROTO_ICMP_, 64, icmp, n);
	CHECK_EQ(log.errors, 3);
	CHECK_EQ(log.last.icmp_code, ICMP_FRAG_NEEDED);
	CHECK_EQ(log.last.mtu, 1280);

	/* A quote too short to hold the ICMP header is counted as an error. */
	n = build_icmp(icmp, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0, quote, sizeof(quote) - 4);
	inject_ip(&cd, NULL, "10.0.0.254", "10.0.0.1", IPPROTO_ICMP_, 64, icmp, n);
	CHECK_EQ(log.errors, 3);
	CHECK_EQ(testnet_counter(s, "Icmp", "InErrors"), 1);

	/* Sent to our broadcast address, an error is bogus and dropped. */
	n = build_icmp(icmp, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0, quote, sizeof(quote));
	inject_ip(&cd, NULL, "10.0.0.254", "10.0.0.255", IPPROTO_ICMP_, 64, icmp, n);
	CHECK_EQ(log.errors, 3);
	CHECK_EQ(testnet_counter(s, "Icmp", "InErrors"), 2);

	/* No ICMP error is ever sent about an ICMP error. */
	CHECK_EQ(cd.n, 1);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(an_icmp_error_about_something_other_than_our_echo_does_not_reach_the_handler)
{
	struct test_clock tc;
	struct capdev cd;
	static struct ping_log log;
	uint8_t icmp[128], quote[64], udp[16];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n;

	ping_log_attach(s, &log);
	/* A UDP datagram of ours, as a router would quote it. */
	n = wire_udp_emit(udp, 5000, 53, 0, ip4("10.0.0.1"), ip4("10.0.0.9"));
	n = build_ipv4(quote, ip4("10.0.0.1"), ip4("10.0.0.9"), IPPROTO_UDP_, 64, 1, 0, udp, n);
	n = build_icmp(icmp, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, quote, n);
	inject_ip(&cd, NULL, "10.0.0.9", "10.0.0.1", IPPROTO_ICMP_, 64, icmp, n);
	/* An echo reply of ours quoted: only requests have an owner. */
	n = build_icmp(udp, ICMP_ECHOREPLY, 0, 1u << 16 | 1, NULL, 0);
	n = build_ipv4(quote, ip4("10.0.0.1"), ip4("10.0.0.9"), IPPROTO_ICMP_, 64, 1, 0, udp, n);
	n = build_icmp(icmp, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0, quote, n);
	inject_ip(&cd, NULL, "10.0.0.9", "10.0.0.1", IPPROTO_ICMP_, 64, icmp, n);
	CHECK_EQ(log.errors, 0);
	CHECK_EQ(log.replies, 0);
	CHECK_EQ(testnet_counter(s, "Icmp", "InDestUnreachs"), 2);
	/* Linux's __udp4_lib_err counts an error for no UDP socket in
	 * InErrors; one for an echo nobody sent (ping_err) goes uncounted. */
	CHECK_EQ(testnet_counter(s, "Icmp", "InErrors"), 1);
	CHECK_EQ(cd.n, 0);
	testnet_destroy(s, &cd);
}
