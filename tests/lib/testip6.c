#include "testip6.h"

#include <string.h>

#include "net/ipv6.h"
#include "net/wire.h"
#include "test.h"
#include "testwire.h"

struct ut_stack *testip6_host(struct test_clock *tc, struct capdev *cd, const char *addr,
			      unsigned prefix, const char *peer_addr)
{
	struct ut_stack *s;

	test_clock_init(tc, 1000000000ULL);
	s = testnet_stack(tc, cd, UT_DEV_ETHER, NULL, 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.accept_dad", 0), 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.router_solicitations", 0), 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.disable_ipv6", 0), 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.lo.disable_ipv6", 0), 0);
	if (addr)
		CHECK_EQ(ut_addr_add(s, cd->dev, ipaddr(addr), prefix), 0);
	if (peer_addr) {
		/* A solicitation from the peer naming its link-layer
		 * address: the stack learns it as STALE, which carries
		 * traffic at once (RFC 4861 7.2.3), and answers. */
		uint8_t msg[24], pkt[128];
		struct in6_addr peer = ip6_text(peer_addr), me = ip6_text(addr);
		size_t n;

		memcpy(msg, &me, 16);
		msg[16] = ND_OPT_SOURCE_LL_ADDR;
		msg[17] = 1;
		memcpy(msg + 18, peer_mac, 6);
		n = build_icmp6(pkt + IPV6_HLEN, &peer, &me, NDISC_NEIGHBOUR_SOLICITATION, 0, 0,
				msg, sizeof(msg));
		n = build_ipv6(pkt, &peer, &me, NEXTHDR_ICMP, 255, pkt + IPV6_HLEN, n);
		testnet_inject_ip6(cd, NULL, pkt, n);
	}
	testnet_poll(s);
	capdev_clear(cd);
	return s;
}

size_t build_ipv6(uint8_t *buf, const struct in6_addr *saddr, const struct in6_addr *daddr,
		  uint8_t nexthdr, uint8_t hop_limit, const void *payload, size_t len)
{
	struct wire_ipv6 ip;

	CHECK(len <= 0xffff);
	memset(&ip, 0, sizeof(ip));
	ip.payload_len = (uint16_t)len;
	ip.nexthdr = nexthdr;
	ip.hop_limit = hop_limit;
	ip.saddr = *saddr;
	ip.daddr = *daddr;
	if (payload != buf + IPV6_HLEN)
		memmove(buf + IPV6_HLEN, payload, len);
	wire_ipv6_emit(buf, &ip);
	return IPV6_HLEN + len;
}

size_t build_icmp6(uint8_t *buf, const struct in6_addr *saddr, const struct in6_addr *daddr,
		   uint8_t type, uint8_t code, uint32_t rest, const void *data, size_t len)
{
	if (len)
		memmove(buf + ICMPV6_HLEN, data, len);
	wire_icmp6_emit(buf, type, code, rest, len, saddr, daddr);
	return ICMPV6_HLEN + len;
}

size_t build_ipv6_echo(uint8_t *buf, const char *saddr, const char *daddr, uint16_t id,
		       uint16_t seq, const void *data, size_t len)
{
	struct in6_addr s = ip6_text(saddr), d = ip6_text(daddr);
	size_t n = build_icmp6(buf + IPV6_HLEN, &s, &d, ICMPV6_ECHO_REQUEST, 0,
			       (uint32_t)id << 16 | seq, data, len);

	return build_ipv6(buf, &s, &d, NEXTHDR_ICMP, 64, buf + IPV6_HLEN, n);
}

void testnet_inject_ip6(struct capdev *cd, const uint8_t *dst_mac, const void *pkt, size_t len)
{
	static uint8_t frame[ETH_HLEN + 65536];

	CHECK(len <= sizeof(frame) - ETH_HLEN);
	len = build_eth(frame, dst_mac ? dst_mac : testnet_mac, peer_mac, ETH_P_IPV6, pkt, len);
	CHECK_EQ(capdev_inject(cd, frame, len), 0);
}

void testnet_frame_ip6(const struct capdev *cd, size_t i, struct wire_ipv6 *ip)
{
	struct wire_eth eth;

	CHECK(i < cd->n);
	CHECK_EQ(wire_eth_parse(cd->frames[i].data, cd->frames[i].len, &eth), WIRE_OK);
	CHECK_EQ(eth.proto, ETH_P_IPV6);
	CHECK_EQ(wire_ipv6_parse(cd->frames[i].data + ETH_HLEN, cd->frames[i].len - ETH_HLEN, ip),
		 WIRE_OK);
}

void testnet_frame_icmp6(const struct capdev *cd, size_t i, struct wire_ipv6 *ip,
			 struct wire_icmp6 *icmp)
{
	testnet_frame_ip6(cd, i, ip);
	CHECK_EQ(ip->nexthdr, NEXTHDR_ICMP);
	CHECK_EQ(wire_icmp6_parse(ip->payload, ip->payload_len, &ip->saddr, &ip->daddr, icmp),
		 WIRE_OK);
}

size_t testip6_answer_ns(struct capdev *cd, size_t from)
{
	size_t answered = 0, end = cd->n;

	for (size_t k = from; k < end; k++) {
		struct wire_ipv6 ip;
		struct wire_icmp6 icmp;
		struct in6_addr target, dst;
		uint8_t msg[24], pkt[128];
		size_t n;

		testnet_frame_ip6(cd, k, &ip);
		if (ip.nexthdr != NEXTHDR_ICMP ||
		    wire_icmp6_parse(ip.payload, ip.payload_len, &ip.saddr, &ip.daddr, &icmp) !=
			    WIRE_OK ||
		    icmp.type != NDISC_NEIGHBOUR_SOLICITATION || icmp.payload_len < 16)
			continue;
		memcpy(&target, icmp.payload, 16);
		/* RFC 4861 7.2.4: to the solicitor, or to all nodes when
		 * it had no address yet. */
		dst = ipv6_addr_any(&ip.saddr) ? ip6_text("ff02::1") : ip.saddr;
		memcpy(msg, &target, 16);
		msg[16] = ND_OPT_TARGET_LL_ADDR;
		msg[17] = 1;
		memcpy(msg + 18, peer_mac, 6);
		n = build_icmp6(pkt + IPV6_HLEN, &target, &dst, NDISC_NEIGHBOUR_ADVERTISEMENT, 0,
				ipv6_addr_any(&ip.saddr) ? 0x20000000u : 0x60000000u, msg,
				sizeof(msg));
		n = build_ipv6(pkt, &target, &dst, NEXTHDR_ICMP, 255, pkt + IPV6_HLEN, n);
		testnet_inject_ip6(cd, NULL, pkt, n);
		answered++;
	}
	return answered;
}
