/* IPv4 receive, one frame at a time: every drop under the counter Linux
 * uses for it (/proc/net/snmp, /proc/net/netstat), the RFC 1122 martian
 * addresses, link padding, and the ICMP errors a host owes (protocol and
 * port unreachable) and must not send (to a broadcast). Whatever arrives,
 * the stack keeps answering. */
#include <errno.h>
#include <string.h>

#include "net/stack.h"
#include "net/wire.h"
#include "test.h"
#include "testnet.h"

#define SEC 1000000000ULL

static size_t echo_packet(uint8_t *pkt, const char *src, const char *dst, uint16_t seq)
{
	return build_ipv4_echo(pkt, ip4(src), ip4(dst), 0x2222, seq, "abcdefgh", 8);
}

/* Pings the stack from 10.0.0.2 and checks that exactly one echo reply
 * comes back. */
static void check_still_answers(struct capdev *cd, uint16_t seq)
{
	uint8_t pkt[128];
	struct wire_ipv4 ip;
	struct wire_icmp icmp;
	size_t before = cd->n, n = echo_packet(pkt, "10.0.0.2", "10.0.0.1", seq);

	testnet_inject_ip(cd, NULL, pkt, n);
	CHECK_EQ(cd->n, before + 1);
	testnet_frame_icmp(cd, before, &ip, &icmp);
	CHECK_EQ(icmp.type, ICMP_ECHOREPLY);
	CHECK_EQ(wire_icmp_echo_seq(&icmp), seq);
	CHECK_EQ(ip.daddr, ip4("10.0.0.2"));
}

/* The end of most tests here: whatever came before, the stack still
 * answers a ping and holds no buffer. */
static void check_unharmed_and_destroy(struct ut_stack *s, struct capdev *cd, uint16_t seq)
{
	check_still_answers(cd, seq);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, cd);
}

static size_t udp_packet(uint8_t *pkt, const char *src, const char *dst, uint16_t dport, bool csum)
{
	return build_ipv4_udp(pkt, ip4(src), ip4(dst), 40000, dport, "datagram", 8, csum);
}

TEST(a_bad_header_checksum_is_dropped_as_InHdrErrors_and_InCsumErrors)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t pkt[128];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n = echo_packet(pkt, "10.0.0.2", "10.0.0.1", 1);

	pkt[11] ^= 0x01;
	testnet_inject_ip(&cd, NULL, pkt, n);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Ip", "InReceives"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "InHdrErrors"), 1);
	CHECK_EQ(testnet_counter(s, "IpExt", "InCsumErrors"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "InDelivers"), 0);
	CHECK_EQ(testnet_counter(s, "Icmp", "InMsgs"), 0);
	check_unharmed_and_destroy(s, &cd, 2);
}

TEST(a_datagram_longer_than_its_frame_is_counted_as_truncated)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t pkt[128];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n = echo_packet(pkt, "10.0.0.2", "10.0.0.1", 1);

	testnet_inject_ip(&cd, NULL, pkt, n - 1);	  /* tot_len says one byte more */
	testnet_inject_ip(&cd, NULL, pkt, IPV4_HLEN_MIN); /* the header alone */
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "IpExt", "InTruncatedPkts"), 2);
	CHECK_EQ(testnet_counter(s, "Ip", "InHdrErrors"), 0);
	CHECK_EQ(testnet_counter(s, "Ip", "InDelivers"), 0);
	check_unharmed_and_destroy(s, &cd, 2);
}

TEST(an_ethernet_ipv4_frame_with_a_version_other_than_4_is_a_header_error)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t pkt[128];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_ETHER);
	size_t n = echo_packet(pkt, "10.0.0.2", "10.0.0.1", 1);

	pkt[0] = 0x65; /* version 6, ihl 5 */
	testnet_inject_ip(&cd, NULL, pkt, n);
	pkt[0] = 0x05; /* version 0 */
	testnet_inject_ip(&cd, NULL, pkt, n);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Ip", "InReceives"), 2);
	CHECK_EQ(testnet_counter(s, "Ip", "InHdrErrors"), 2);
	CHECK_EQ(testnet_counter(s, "IpExt", "InCsumErrors"), 0);
	check_unharmed_and_destroy(s, &cd, 2);
}

TEST(a_layer_3_device_drops_a_packet_of_neither_ip_version_before_ip_sees_it)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_dev_stats st;
	uint8_t pkt[128];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n = echo_packet(pkt, "10.0.0.2", "10.0.0.1", 1);

	/* As a TUN device without packet information: the version nibble
	 * decides the protocol, and 5 is neither 4 nor 6. */
	pkt[0] = 0x55;
	testnet_inject_ip(&cd, NULL, pkt, n);
	ut_dev_get_stats(cd.dev, &st);
	CHECK_EQ(st.rx_dropped, 1);
	CHECK_EQ(testnet_counter(s, "Ip", "InReceives"), 0);
	check_unharmed_and_destroy(s, &cd, 2);
}

TEST(an_ethernet_frame_of_an_ethertype_no_family_registered_is_dropped_and_counted)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_dev_stats st;
	uint8_t pkt[128], frame[ETH_HLEN + 128];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_ETHER);
	size_t n = echo_packet(pkt, "10.0.0.2", "10.0.0.1", 1);

	/* An ethertype for local experiments (IEEE 802, 0x88b5), which no
	 * family of this stack takes: the device layer drops it before IP
	 * or ARP sees it. */
	n = build_eth(frame, testnet_mac, peer_mac, 0x88b5, pkt, n);
	CHECK_EQ(capdev_inject(&cd, frame, n), 0);
	ut_dev_get_stats(cd.dev, &st);
	CHECK_EQ(st.rx_dropped, 1);
	CHECK_EQ(testnet_counter(s, "Ip", "InReceives"), 0);
	check_unharmed_and_destroy(s, &cd, 2);
}

TEST(a_header_length_below_20_or_beyond_the_datagram_is_a_header_error)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t pkt[128], bad[128];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n = echo_packet(pkt, "10.0.0.2", "10.0.0.1", 1);

	/* ihl 4: 16 bytes, less than the fixed header. */
	memcpy(bad, pkt, n);
	bad[0] = 0x44;
	testnet_inject_ip(&cd, NULL, bad, n);
	CHECK_EQ(testnet_counter(s, "Ip", "InHdrErrors"), 1);
	/* ihl 15: 60 bytes, longer than the 36-byte frame. */
	memcpy(bad, pkt, n);
	bad[0] = 0x4f;
	testnet_inject_ip(&cd, NULL, bad, n);
	CHECK_EQ(testnet_counter(s, "Ip", "InHdrErrors"), 2);
	/* Total length shorter than the header itself. */
	memcpy(bad, pkt, n);
	put_be16(bad + 2, 16);
	put_be16(bad + 10, 0);
	put_be16(bad + 10, csum_fold(csum_partial(bad, IPV4_HLEN_MIN, 0)));
	testnet_inject_ip(&cd, NULL, bad, n);
	CHECK_EQ(testnet_counter(s, "Ip", "InHdrErrors"), 3);
	/* Shorter than a minimal header. */
	testnet_inject_ip(&cd, NULL, pkt, 19);
	CHECK_EQ(testnet_counter(s, "Ip", "InHdrErrors"), 4);
	/* ihl 6 whose option claims more bytes than the header holds. */
	memcpy(bad, pkt, IPV4_HLEN_MIN);
	bad[0] = 0x46;
	bad[20] = 0x07; /* record route */
	bad[21] = 12;	/* runs past the 4 option bytes */
	bad[22] = 4;
	bad[23] = 0;
	memcpy(bad + 24, pkt + IPV4_HLEN_MIN, n - IPV4_HLEN_MIN);
	put_be16(bad + 2, (uint16_t)(n + 4));
	put_be16(bad + 10, 0);
	put_be16(bad + 10, csum_fold(csum_partial(bad, 24, 0)));
	testnet_inject_ip(&cd, NULL, bad, n + 4);
	CHECK_EQ(testnet_counter(s, "Ip", "InHdrErrors"), 5);
	CHECK_EQ(testnet_counter(s, "Ip", "InDelivers"), 0);
	CHECK_EQ(testnet_counter(s, "IpExt", "InTruncatedPkts"), 0);
	check_unharmed_and_destroy(s, &cd, 2);
}

TEST(a_datagram_for_another_host_is_dropped_as_InAddrErrors_when_not_forwarding)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t pkt[128];
	long fwd = -1;
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n = echo_packet(pkt, "10.0.0.2", "10.0.0.3", 1);

	CHECK_EQ(ut_sysctl_get(s, "net.ipv4.ip_forward", &fwd), 0);
	CHECK_EQ(fwd, 0);
	testnet_inject_ip(&cd, NULL, pkt, n);
	n = echo_packet(pkt, "10.0.0.2", "192.0.2.1", 2); /* not even on-link */
	testnet_inject_ip(&cd, NULL, pkt, n);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Ip", "InAddrErrors"), 2);
	CHECK_EQ(testnet_counter(s, "Ip", "ForwDatagrams"), 0);
	CHECK_EQ(testnet_counter(s, "Ip", "InDelivers"), 0);
	check_unharmed_and_destroy(s, &cd, 3);
}

TEST(a_broadcast_or_multicast_source_is_a_martian_and_is_dropped_silently)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t pkt[128];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	static const char *const sources[] = {"255.255.255.255", "10.0.0.255", "224.0.0.1",
					      "239.1.2.3"};
	size_t n;

	for (size_t i = 0; i < ARRAY_SIZE(sources); i++) {
		n = echo_packet(pkt, sources[i], "10.0.0.1", (uint16_t)i);
		testnet_inject_ip(&cd, NULL, pkt, n);
		/* Also a datagram that would earn an ICMP error. */
		n = udp_packet(pkt, sources[i], "10.0.0.1", 7, true);
		testnet_inject_ip(&cd, NULL, pkt, n);
	}
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Ip", "InAddrErrors"), 2 * ARRAY_SIZE(sources));
	CHECK_EQ(testnet_counter(s, "Ip", "InDelivers"), 0);
	CHECK_EQ(testnet_counter(s, "Icmp", "InEchos"), 0);
	CHECK_EQ(testnet_counter(s, "Udp", "NoPorts"), 0);
	check_unharmed_and_destroy(s, &cd, 9);
}

TEST(loopback_zero_and_our_own_addresses_arriving_from_the_wire_are_martians)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t pkt[128];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	/* RFC 1122 3.2.1.3: 127/8 must never appear outside a host, 0/8
	 * only as the source of a host that does not know its address yet,
	 * and Linux (accept_local 0) refuses its own addresses as sources. */
	static const char *const pairs[][2] = {
		{"10.0.0.2", "127.0.0.1"}, {"127.0.0.1", "10.0.0.1"}, {"0.0.0.0", "10.0.0.1"},
		{"0.1.2.3", "10.0.0.1"},   {"10.0.0.1", "10.0.0.1"},  {"10.0.0.2", "0.0.0.0"},
	};
	size_t n;

	for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
		n = echo_packet(pkt, pairs[i][0], pairs[i][1], (uint16_t)i);
		testnet_inject_ip(&cd, NULL, pkt, n);
		n = udp_packet(pkt, pairs[i][0], pairs[i][1], 7, true);
		testnet_inject_ip(&cd, NULL, pkt, n);
	}
	testnet_poll(s);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Ip", "InDelivers"), 0);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutMsgs"), 0);
	check_unharmed_and_destroy(s, &cd, 9);
}

TEST(link_padding_beyond_the_total_length_is_not_part_of_the_datagram)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t pkt[128], icmp[16], frame[128];
	struct wire_ipv4 ip, inner;
	struct wire_icmp reply;
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_ETHER);
	size_t n, fl;

	/* A 4-byte echo: 32 bytes of IP in a 60-byte minimum Ethernet frame
	 * whose 14 bytes of padding are not zero. */
	n = build_icmp(icmp, ICMP_ECHO, 0, 0x3333u << 16 | 1, "pad!", 4);
	n = build_ipv4(pkt, ip4("10.0.0.2"), ip4("10.0.0.1"), IPPROTO_ICMP_, 64, 1, 0, icmp, n);
	fl = build_eth(frame, testnet_mac, peer_mac, ETH_P_IP, pkt, n);
	memset(frame + fl, 0xee, ETH_ZLEN - fl);
	CHECK_EQ(capdev_inject(&cd, frame, ETH_ZLEN), 0);
	CHECK_EQ(cd.n, 1);
	testnet_frame_icmp(&cd, 0, &ip, &reply);
	CHECK_EQ(reply.type, ICMP_ECHOREPLY);
	CHECK_EQ(reply.payload_len, 4);
	CHECK_MEM_EQ(reply.payload, "pad!", 4);
	CHECK_EQ(ip.tot_len, 32);

	/* A padded UDP datagram: its checksum covers only its own length,
	 * and the port unreachable quotes the datagram, not the padding. */
	n = udp_packet(pkt, "10.0.0.2", "10.0.0.1", 9, true);
	fl = build_eth(frame, testnet_mac, peer_mac, ETH_P_IP, pkt, n);
	memset(frame + fl, 0x5a, ETH_ZLEN - fl);
	CHECK_EQ(capdev_inject(&cd, frame, ETH_ZLEN), 0);
	CHECK_EQ(testnet_counter(s, "Udp", "InCsumErrors"), 0);
	CHECK_EQ(testnet_counter(s, "Udp", "NoPorts"), 1);
	CHECK_EQ(cd.n, 2);
	testnet_frame_icmp(&cd, 1, &ip, &reply);
	CHECK_EQ(reply.type, ICMP_DEST_UNREACH);
	CHECK_EQ(reply.code, ICMP_PORT_UNREACH);
	CHECK_EQ(reply.payload_len, n);
	CHECK_EQ(wire_ipv4_parse(reply.payload, reply.payload_len, true, &inner), WIRE_OK);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(an_unknown_protocol_gets_protocol_unreachable_quoting_the_datagram_within_576_bytes)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t pkt[1500], data[1400];
	struct wire_ipv4 ip, inner;
	struct wire_icmp icmp;
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0xa0 + i);
	n = build_ipv4(pkt, ip4("10.0.0.2"), ip4("10.0.0.1"), 253, 17, 0x4321, 0, data, 40);
	testnet_inject_ip(&cd, NULL, pkt, n);
	CHECK_EQ(testnet_counter(s, "Ip", "InUnknownProtos"), 1);
	CHECK_EQ(testnet_counter(s, "Ip", "InDelivers"), 0);
	CHECK_EQ(cd.n, 1);
	testnet_frame_icmp(&cd, 0, &ip, &icmp);
	CHECK_EQ(icmp.type, ICMP_DEST_UNREACH);
	CHECK_EQ(icmp.code, ICMP_PROT_UNREACH);
	CHECK_EQ(icmp.rest, 0);
	CHECK_EQ(ip.saddr, ip4("10.0.0.1"));
	CHECK_EQ(ip.daddr, ip4("10.0.0.2"));
	CHECK_EQ(ip.ttl, 64);
	CHECK_EQ(ip.tos, 0xc0); /* IPTOS_PREC_INTERNETCONTROL */
	/* RFC 792: the header and at least 8 bytes of data; a datagram
	 * this small is quoted whole, byte for byte as received. */
	CHECK(icmp.payload_len >= IPV4_HLEN_MIN + 8);
	CHECK_EQ(icmp.payload_len, n);
	CHECK_MEM_EQ(icmp.payload, pkt, n);
	CHECK_EQ(wire_ipv4_parse(icmp.payload, icmp.payload_len, true, &inner), WIRE_OK);
	CHECK_EQ(inner.protocol, 253);
	CHECK_EQ(inner.ttl, 17);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutDestUnreachs"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutMsgs"), 1);

	/* RFC 1812 4.3.2.3, as Linux: a large datagram is quoted only as far
	 * as the error stays within 576 bytes. */
	n = build_ipv4(pkt, ip4("10.0.0.2"), ip4("10.0.0.1"), 253, 17, 0x4322, 0, data,
		       sizeof(data));
	testnet_inject_ip(&cd, NULL, pkt, n);
	CHECK_EQ(cd.n, 2);
	testnet_frame_icmp(&cd, 1, &ip, &icmp);
	CHECK_EQ(icmp.code, ICMP_PROT_UNREACH);
	CHECK_EQ(ip.tot_len, 576);
	CHECK_EQ(icmp.payload_len, 576 - IPV4_HLEN_MIN - ICMP_HLEN);
	CHECK_MEM_EQ(icmp.payload, pkt, icmp.payload_len);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(udp_to_a_closed_port_gets_port_unreachable_and_counts_NoPorts)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t pkt[128];
	struct wire_ipv4 ip, inner;
	struct wire_icmp icmp;
	struct wire_udp udp;
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n = udp_packet(pkt, "10.0.0.2", "10.0.0.1", 4242, true);

	testnet_inject_ip(&cd, NULL, pkt, n);
	CHECK_EQ(testnet_counter(s, "Udp", "NoPorts"), 1);
	CHECK_EQ(testnet_counter(s, "Udp", "InErrors"), 0);
	CHECK_EQ(testnet_counter(s, "Ip", "InDelivers"), 1);
	CHECK_EQ(cd.n, 1);
	testnet_frame_icmp(&cd, 0, &ip, &icmp);
	CHECK_EQ(icmp.type, ICMP_DEST_UNREACH);
	CHECK_EQ(icmp.code, ICMP_PORT_UNREACH);
	CHECK_EQ(ip.daddr, ip4("10.0.0.2"));
	CHECK_EQ(wire_ipv4_parse(icmp.payload, icmp.payload_len, true, &inner), WIRE_OK);
	CHECK_EQ(inner.protocol, IPPROTO_UDP_);
	CHECK_EQ(wire_udp_parse(inner.payload, inner.payload_len, &udp), WIRE_OK);
	CHECK_EQ(udp.sport, 40000);
	CHECK_EQ(udp.dport, 4242);

	/* A datagram sent without a checksum (0) is taken as it is. */
	n = udp_packet(pkt, "10.0.0.2", "10.0.0.1", 4243, false);
	testnet_inject_ip(&cd, NULL, pkt, n);
	CHECK_EQ(testnet_counter(s, "Udp", "NoPorts"), 2);
	CHECK_EQ(cd.n, 2);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(a_udp_datagram_with_a_bad_checksum_is_counted_and_gets_no_icmp)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t pkt[128];
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n = udp_packet(pkt, "10.0.0.2", "10.0.0.1", 4242, true);

	pkt[IPV4_HLEN_MIN + UDP_HLEN + 3] ^= 0x10; /* payload changed in flight */
	testnet_inject_ip(&cd, NULL, pkt, n);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Udp", "InCsumErrors"), 1);
	CHECK_EQ(testnet_counter(s, "Udp", "InErrors"), 1);
	CHECK_EQ(testnet_counter(s, "Udp", "NoPorts"), 0);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutMsgs"), 0);
	/* A UDP length beyond the IP payload is an error too, not a port. */
	n = udp_packet(pkt, "10.0.0.2", "10.0.0.1", 4242, true);
	put_be16(pkt + IPV4_HLEN_MIN + 4, 200);
	testnet_inject_ip(&cd, NULL, pkt, n);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Udp", "InErrors"), 2);
	CHECK_EQ(testnet_counter(s, "Udp", "NoPorts"), 0);
	check_unharmed_and_destroy(s, &cd, 1);
}

TEST(no_icmp_error_answers_a_datagram_sent_to_a_broadcast_address)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t pkt[128], data[16] = {0};
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_ETHER);
	size_t n;

	/* Directed and limited broadcast, in link broadcast frames. */
	n = udp_packet(pkt, "10.0.0.2", "10.0.0.255", 9, true);
	testnet_inject_ip(&cd, testnet_bcast, pkt, n);
	n = udp_packet(pkt, "10.0.0.2", "255.255.255.255", 9, true);
	testnet_inject_ip(&cd, testnet_bcast, pkt, n);
	n = build_ipv4(pkt, ip4("10.0.0.2"), ip4("10.0.0.255"), 253, 64, 1, 0, data, sizeof(data));
	testnet_inject_ip(&cd, testnet_bcast, pkt, n);
	/* An IP broadcast sent to our MAC is still a broadcast... */
	n = udp_packet(pkt, "10.0.0.2", "10.0.0.255", 9, true);
	testnet_inject_ip(&cd, NULL, pkt, n);
	/* ...and a unicast datagram in a link broadcast frame gets no
	 * error either (RFC 1122 3.2.2: "a datagram sent as a link-layer
	 * broadcast"). */
	n = udp_packet(pkt, "10.0.0.2", "10.0.0.1", 9, true);
	testnet_inject_ip(&cd, testnet_bcast, pkt, n);
	testnet_poll(s);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "IpExt", "InBcastPkts"), 4);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutMsgs"), 0);
	CHECK_EQ(testnet_counter(s, "Ip", "InUnknownProtos"), 1);
	/* Linux counts a UDP broadcast nobody takes as IgnoredMulti, not
	 * NoPorts; the unicast one in a broadcast frame is a NoPorts. */
	CHECK_EQ(testnet_counter(s, "Udp", "IgnoredMulti"), 3);
	CHECK_EQ(testnet_counter(s, "Udp", "NoPorts"), 1);
	/* The same unicast datagram addressed to our MAC does get one. */
	testnet_inject_ip(&cd, NULL, pkt, n);
	CHECK_EQ(cd.n, 1);
	CHECK_EQ(testnet_counter(s, "Icmp", "OutDestUnreachs"), 1);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

/* A small deterministic generator for the mutation test. */
static uint32_t lcg(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return *state >> 8;
}

TEST(every_malformed_frame_leaves_the_stack_answering_pings)
{
	struct test_clock tc;
	struct capdev cd;
	uint8_t good[128], pkt[128], udp[128];
	uint32_t rnd = 12345;
	uint16_t seq = 100;
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);
	size_t n = echo_packet(good, "10.0.0.2", "10.0.0.1", 1);
	size_t un = udp_packet(udp, "10.0.0.2", "10.0.0.1", 9, true);

	/* Every truncation of a valid echo and of a valid UDP datagram. */
	for (size_t len = 0; len < n; len++)
		testnet_inject_ip(&cd, NULL, good, len);
	for (size_t len = 0; len < un; len++)
		testnet_inject_ip(&cd, NULL, udp, len);
	CHECK_EQ(cd.n, 0);
	check_still_answers(&cd, seq++);

	/* Every single-bit flip of the IP and ICMP headers. */
	for (size_t bit = 0; bit < (IPV4_HLEN_MIN + ICMP_HLEN) * 8; bit++) {
		memcpy(pkt, good, n);
		pkt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		testnet_inject_ip(&cd, NULL, pkt, n);
	}
	capdev_clear(&cd);
	check_still_answers(&cd, seq++);

	/* Random header fields with a valid header checksum, so that they
	 * get past the first check: lengths, fragment fields, protocols,
	 * addresses. */
	for (int i = 0; i < 2000; i++) {
		size_t len = n;
		memcpy(pkt, (i & 1) ? udp : good, (i & 1) ? un : n);
		if (i & 1)
			len = un;
		for (int k = 0; k < 3; k++) {
			size_t at = lcg(&rnd) % 24; /* header and 4 bytes after */
			uint8_t v = (uint8_t)lcg(&rnd);
			pkt[at] = at == 0 ? (uint8_t)(0x40 | (v & 0x0f)) : v;
		}
		/* Keep the addresses ours half of the time. */
		if (lcg(&rnd) % 2)
			memcpy(pkt + 12, good + 12, 8);
		put_be16(pkt + 10, 0);
		put_be16(pkt + 10, csum_fold(csum_partial(pkt, IPV4_HLEN_MIN, 0)));
		testnet_inject_ip(&cd, NULL, pkt, len);
	}
	capdev_clear(&cd);
	check_still_answers(&cd, seq++);
	/* Whatever fragment queues the noise opened expire; nothing leaks. */
	testnet_advance(s, &tc, 31 * SEC);
	capdev_clear(&cd);
	check_still_answers(&cd, seq++);
	CHECK_EQ(s->frags.nqueues, 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

static unsigned count_frames(void *ctx, const struct iovec *frames, unsigned count)
{
	(void)frames;
	*(unsigned *)ctx += count;
	return count;
}

/* A device of ut_dev_create refuses a packet larger than its MTU, unless
 * made with UT_DEV_F_RX_ANY_SIZE: Linux's tun takes whatever its writer
 * gives (up to 65535 bytes) and IPv4 input checks no MTU, which
 * packetdrill relies on when it injects GRO-sized packets. */
TEST(a_packet_larger_than_the_mtu_is_refused_unless_the_device_accepts_any_size)
{
	static const struct ut_dev_driver drv = {.transmit = count_frames};
	static uint8_t icmp[3000], pkt[3100];
	struct test_clock tc;
	struct capdev cd;
	struct ut_dev *tun;
	unsigned sent = 0;
	struct ut_stack *s = testnet_host(&tc, &cd, UT_DEV_RAWIP);

	size_t n = build_icmp(icmp, ICMP_ECHO, 0, 0x2222u << 16 | 1, pkt, 2972);
	n = build_ipv4(pkt, ip4("10.0.0.2"), ip4("10.0.0.1"), IPPROTO_ICMP_, 64, 0x101, 0, icmp, n);
	CHECK_EQ(n, 3000);
	CHECK_EQ(ut_dev_input(cd.dev, pkt, n), -EMSGSIZE);

	CHECK_EQ(ut_dev_create(s, "tun1", UT_DEV_RAWIP, 1500, UT_DEV_F_RX_ANY_SIZE, NULL, &drv,
			       &sent, &tun),
		 0);
	CHECK_EQ(ut_addr_add(s, tun, ipaddr("10.9.0.1"), 24), 0);
	n = build_ipv4(pkt, ip4("10.9.0.2"), ip4("10.9.0.1"), IPPROTO_ICMP_, 64, 0x102, 0, icmp,
		       n - 20);
	CHECK_EQ(ut_dev_input(tun, pkt, n), 0);
	testnet_poll(s);
	CHECK_EQ(testnet_counter(s, "Icmp", "InEchos"), 1);
	/* the 3000-byte reply leaves in three fragments of the 1500 MTU */
	CHECK_EQ(sent, 3);
	static uint8_t big[65536];
	CHECK_EQ(ut_dev_input(tun, big, 65535), 0);
	CHECK_EQ(ut_dev_input(tun, big, 65536), -EMSGSIZE);
	testnet_poll(s);
	testnet_destroy(s, &cd);
}
