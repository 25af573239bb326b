/* IPv4 receive and ICMP, frame by frame on a layer 3 device: every drop
 * counted under Linux's name, echo answered, errors sent when RFC 1122
 * allows them and as often as Linux's rate limits allow. */
#include <errno.h>
#include <string.h>

#include "net/stack.h"
#include "net/wire.h"
#include "test.h"
#include "testnet.h"

#define SEC 1000000000ULL

static void inject_ip(struct capdev *cd, const char *src, const char *dst, uint8_t proto,
		      const void *payload, size_t len)
{
	uint8_t pkt[2048];
	size_t n = build_ipv4(pkt, ip4(src), ip4(dst), proto, 64, 0x1234, 0, payload, len);
	CHECK_EQ(capdev_inject(cd, pkt, n), 0);
}

static void inject_echo(struct capdev *cd, const char *src, const char *dst, uint16_t seq)
{
	uint8_t icmp[64];
	size_t n = build_icmp(icmp, ICMP_ECHO, 0, 0x4242u << 16 | seq, "abcdefgh", 8);
	inject_ip(cd, src, dst, IPPROTO_ICMP_, icmp, n);
}

static size_t udp_datagram(uint8_t *buf, const char *src, const char *dst, uint16_t dport)
{
	memcpy(buf + UDP_HLEN, "payload!", 8);
	return wire_udp_emit(buf, 5555, dport, 8, ip4(src), ip4(dst)) + 8;
}

TEST(an_echo_request_is_answered_with_its_id_sequence_and_data)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_ipv4 ip;
	struct wire_icmp icmp;
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);

	inject_echo(&cd, "10.0.0.2", "10.0.0.1", 7);
	CHECK_EQ(cd.n, 1);
	testnet_frame_icmp(&cd, 0, &ip, &icmp);
	CHECK_EQ(icmp.type, ICMP_ECHOREPLY);
	CHECK_EQ(wire_icmp_echo_id(&icmp), 0x4242);
	CHECK_EQ(wire_icmp_echo_seq(&icmp), 7);
	CHECK_EQ(icmp.payload_len, 8);
	CHECK_MEM_EQ(icmp.payload, "abcdefgh", 8);
	CHECK_EQ(ip.saddr, ip4("10.0.0.1"));
	CHECK_EQ(ip.daddr, ip4("10.0.0.2"));
	CHECK_EQ(ip.ttl, 64);
	CHECK_EQ(testnet_counter(s, "Icmp", "InEchos"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutEchoReps"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "InDelivers"), 1);
	/* net.ipv4.ip_default_ttl applies to what we send. */
	CHECK_EQ(ut_sysctl_set(s, "net.ipv4.ip_default_ttl", 200), 0);
	inject_echo(&cd, "10.0.0.2", "10.0.0.1", 8);
	testnet_frame_icmp(&cd, 1, &ip, &icmp);
	CHECK_EQ(ip.ttl, 200);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv4.ip_default_ttl", 0), -EINVAL);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(echo_is_not_answered_when_ignored_or_sent_to_a_broadcast)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);

	inject_echo(&cd, "10.0.0.2", "10.0.0.255", 1);
	inject_echo(&cd, "10.0.0.2", "255.255.255.255", 2);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "IpExt", "InBcastPkts"), 2);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv4.icmp_echo_ignore_all", 1), 0);
	inject_echo(&cd, "10.0.0.2", "10.0.0.1", 3);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Icmp", "InEchos"), 3);
	testnet_destroy(s, &cd);
}

TEST(malformed_ip_headers_are_dropped_with_linux_counters_and_the_stack_carries_on)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t pkt[256], icmp[64];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n, il = build_icmp(icmp, ICMP_ECHO, 0, 1, "abcdefgh", 8);

	/* Bad header checksum. */
	n = build_ipv4(pkt, ip4("10.0.0.2"), ip4("10.0.0.1"), IPPROTO_ICMP_, 64, 1, 0, icmp, il);
	pkt[10] ^= 0xff;
	CHECK_EQ(capdev_inject(&cd, pkt, n), 0);
	CHECK_EQ(testnet_counter(s, "IpExt", "InCsumErrors"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "InHdrErrors"), 1);
	/* Total length beyond the frame: truncated. */
	n = build_ipv4(pkt, ip4("10.0.0.2"), ip4("10.0.0.1"), IPPROTO_ICMP_, 64, 1, 0, icmp, il);
	CHECK_EQ(capdev_inject(&cd, pkt, n - 4), 0);
	CHECK_EQ(testnet_counter(s, "IpExt", "InTruncatedPkts"), 1);
	/* Header length below 20 bytes. */
	n = build_ipv4(pkt, ip4("10.0.0.2"), ip4("10.0.0.1"), IPPROTO_ICMP_, 64, 1, 0, icmp, il);
	pkt[0] = 0x44;
	CHECK_EQ(capdev_inject(&cd, pkt, n), 0);
	CHECK_EQ(testnet_counter(s, "Ip", "InHdrErrors"), 2);
	/* Shorter than any header. */
	CHECK_EQ(capdev_inject(&cd, pkt, 12), 0);
	CHECK_EQ(testnet_counter(s, "Ip", "InHdrErrors"), 3);
	/* Version 6 on an IPv4 device is not taken as IPv4 at all. */
	n = build_ipv4(pkt, ip4("10.0.0.2"), ip4("10.0.0.1"), IPPROTO_ICMP_, 64, 1, 0, icmp, il);
	pkt[0] = 0x65;
	CHECK_EQ(capdev_inject(&cd, pkt, n), 0);
	/* Not addressed to us: this host does not forward. */
	inject_echo(&cd, "10.0.0.2", "10.0.0.9", 1);
	CHECK_EQ(testnet_counter(s, "Ip", "InAddrErrors"), 1);
	/* A broadcast source is a martian. */
	inject_echo(&cd, "10.0.0.255", "10.0.0.1", 1);
	CHECK_EQ(testnet_counter(s, "Ip", "InAddrErrors"), 2);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Ip", "InDelivers"), 0);
	/* Link padding after tot_len is not part of the datagram. */
	n = build_ipv4(pkt, ip4("10.0.0.2"), ip4("10.0.0.1"), IPPROTO_ICMP_, 64, 1, 0, icmp, il);
	memset(pkt + n, 0xee, 10);
	CHECK_EQ(capdev_inject(&cd, pkt, n + 10), 0);
	CHECK_EQ(cd.n, 1);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(an_unknown_protocol_gets_protocol_unreachable_quoting_header_and_eight_bytes)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_ipv4 ip, inner;
	struct wire_icmp icmp;
	uint8_t data[100];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);

	memset(data, 0xab, sizeof(data));
	inject_ip(&cd, "10.0.0.2", "10.0.0.1", 253, data, sizeof(data));
	CHECK_EQ(testnet_counter(s, "Ip", "InUnknownProtos"), 1);
	CHECK_EQ(cd.n, 1);
	testnet_frame_icmp(&cd, 0, &ip, &icmp);
	CHECK_EQ(icmp.type, ICMP_DEST_UNREACH);
	CHECK_EQ(icmp.code, ICMP_PROT_UNREACH);
	CHECK_EQ(ip.daddr, ip4("10.0.0.2"));
	CHECK_EQ(ip.saddr, ip4("10.0.0.1"));
	CHECK_EQ(ip.tos, 0xc0); /* IPTOS_PREC_INTERNETCONTROL */
	CHECK_EQ(wire_ipv4_parse(icmp.payload, icmp.payload_len, true, &inner), WIRE_OK);
	CHECK_EQ(inner.protocol, 253);
	CHECK_EQ(inner.payload_len, sizeof(data)); /* small: quoted whole */
	CHECK_EQ(testnet_counter(s, "Icmp", "OutDestUnreachs"), 1);
	testnet_destroy(s, &cd);
}

TEST(a_large_offending_datagram_is_quoted_only_up_to_a_576_byte_error)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_ipv4 ip;
	struct wire_icmp icmp;
	uint8_t data[1400];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);

	memset(data, 0x11, sizeof(data));
	inject_ip(&cd, "10.0.0.2", "10.0.0.1", 253, data, sizeof(data));
	testnet_frame_icmp(&cd, 0, &ip, &icmp);
	CHECK_EQ(ip.tot_len, 576);
	testnet_destroy(s, &cd);
}

TEST(udp_to_a_closed_port_gets_port_unreachable_and_a_bad_checksum_gets_nothing)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_ipv4 ip;
	struct wire_icmp icmp;
	uint8_t udp[64];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n = udp_datagram(udp, "10.0.0.2", "10.0.0.1", 9);

	inject_ip(&cd, "10.0.0.2", "10.0.0.1", IPPROTO_UDP_, udp, n);
	CHECK_EQ(testnet_counter(s, "Udp", "NoPorts"), 1);
	CHECK_EQ(cd.n, 1);
	testnet_frame_icmp(&cd, 0, &ip, &icmp);
	CHECK_EQ(icmp.type, ICMP_DEST_UNREACH);
	CHECK_EQ(icmp.code, ICMP_PORT_UNREACH);

	udp[UDP_HLEN] ^= 1; /* payload changed under its checksum */
	inject_ip(&cd, "10.0.0.2", "10.0.0.1", IPPROTO_UDP_, udp, n);
	CHECK_EQ(testnet_counter(s, "Udp", "InCsumErrors"), 1);
	CHECK_EQ(testnet_counter(s, "Udp", "InErrors"), 1);
	CHECK_EQ(cd.n, 1);
	/* No error about a datagram sent to a broadcast address; Linux
	 * counts it as IgnoredMulti, not NoPorts. */
	n = udp_datagram(udp, "10.0.0.2", "10.0.0.255", 9);
	inject_ip(&cd, "10.0.0.2", "10.0.0.255", IPPROTO_UDP_, udp, n);
	CHECK_EQ(testnet_counter(s, "Udp", "NoPorts"), 1);
	CHECK_EQ(testnet_counter(s, "Udp", "IgnoredMulti"), 1);
	CHECK_EQ(cd.n, 1);
	testnet_destroy(s, &cd);
}

TEST(errors_to_one_peer_are_limited_to_a_burst_of_six_then_one_a_second)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t udp[64];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n = udp_datagram(udp, "10.0.0.2", "10.0.0.1", 9);

	tc.now = 10 * SEC;
	for (int i = 0; i < 20; i++)
		inject_ip(&cd, "10.0.0.2", "10.0.0.1", IPPROTO_UDP_, udp, n);
	CHECK_EQ(cd.n, 6);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutRateLimitHost"), 14);
	/* Another peer has its own bucket. */
	n = udp_datagram(udp, "10.0.0.3", "10.0.0.1", 9);
	inject_ip(&cd, "10.0.0.3", "10.0.0.1", IPPROTO_UDP_, udp, n);
	CHECK_EQ(cd.n, 7);
	n = udp_datagram(udp, "10.0.0.2", "10.0.0.1", 9);
	testnet_advance(s, &tc, SEC);
	for (int i = 0; i < 5; i++)
		inject_ip(&cd, "10.0.0.2", "10.0.0.1", IPPROTO_UDP_, udp, n);
	CHECK_EQ(cd.n, 8);
	/* Echo replies are not errors and are never limited. */
	for (int i = 0; i < 50; i++)
		inject_echo(&cd, "10.0.0.2", "10.0.0.1", (uint16_t)i);
	CHECK_EQ(cd.n, 58);
	testnet_destroy(s, &cd);
}

TEST(a_corrupted_icmp_message_is_counted_and_not_answered)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t icmp[64];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n = build_icmp(icmp, ICMP_ECHO, 0, 1, "abcdefgh", 8);

	icmp[9] ^= 0x40;
	inject_ip(&cd, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP_, icmp, n);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Icmp", "InCsumErrors"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp", "InErrors"), 1);
	/* Shorter than an ICMP header. */
	inject_ip(&cd, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP_, icmp, 5);
	CHECK_EQ(testnet_counter(s, "Icmp", "InErrors"), 2);
	testnet_destroy(s, &cd);
}

TEST(replies_and_errors_about_our_echo_requests_reach_the_ping_handler)
{
	struct test_clock tc;
	struct capdev cd;
	static struct ping_log log;
	uint8_t icmp[256], quote[64];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n;

	ping_log_attach(s, &log);
	CHECK_EQ(ut_ping_send(s, ip4("10.0.0.2"), 0x77, 3, "ping", 4), 0);
	testnet_poll(s);
	CHECK_EQ(cd.n, 1);
	/* The reply. */
	n = build_icmp(icmp, ICMP_ECHOREPLY, 0, 0x77u << 16 | 3, "ping", 4);
	tc.now = 5000000;
	inject_ip(&cd, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP_, icmp, n);
	CHECK_EQ(log.replies, 1);
	CHECK_EQ(log.last.seq, 3);
	CHECK_EQ(log.last.id, 0x77);
	CHECK_EQ(log.last.len, 4);
	CHECK_EQ(log.last.ttl, 64);
	CHECK_EQ(log.last.from, ip4("10.0.0.2"));
	CHECK_EQ(log.last.when_ns, 5000000);
	/* A router reports our request as undeliverable: the error quotes
	 * the request we sent, which the capture holds. */
	memcpy(quote, cd.frames[0].data, 28);
	n = build_icmp(icmp, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0, quote, 28);
	inject_ip(&cd, "10.0.0.254", "10.0.0.1", IPPROTO_ICMP_, icmp, n);
	CHECK_EQ(log.errors, 1);
	CHECK_EQ(log.last.kind, UT_PING_ERROR);
	CHECK_EQ(log.last.icmp_type, ICMP_DEST_UNREACH);
	CHECK_EQ(log.last.icmp_code, ICMP_HOST_UNREACH);
	CHECK_EQ(log.last.from, ip4("10.0.0.254"));
	CHECK_EQ(log.last.seq, 3);
	/* A quote too short to hold the ICMP header is counted as an error. */
	n = build_icmp(icmp, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0, quote, 24);
	inject_ip(&cd, "10.0.0.254", "10.0.0.1", IPPROTO_ICMP_, icmp, n);
	CHECK_EQ(log.errors, 1);
	CHECK_EQ(testnet_counter(s, "Icmp", "InErrors"), 1);
	/* Never an ICMP error about an ICMP error. */
	CHECK_EQ(cd.n, 1);
	testnet_destroy(s, &cd);
}
