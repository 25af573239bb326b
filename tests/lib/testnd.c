/* Neighbour Discovery frames for tests (see testnd.h). */
#include "testnd.h"

#include <string.h>

#include "net/addrconf.h"
#include "net/stack.h"
#include "test.h"
#include "testwire.h"

/* fe80::ff:fe00:1 and fe80::ff:fe00:2: testnet_mac and peer_mac
 * (02:00:00:00:00:0x) with the universal/local bit inverted. */
const struct in6_addr nd_our_ll = {{{0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = 0x01}}};
const struct in6_addr nd_peer_ll = {{{0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = 0x02}}};
const struct in6_addr nd_all_nodes = {{{0xff, 0x02, [15] = 0x01}}};
const struct in6_addr nd_all_routers = {{{0xff, 0x02, [15] = 0x02}}};

struct ut_stack *nd_stack(struct test_clock *tc, struct capdev *cd, enum ut_dev_type type,
			  bool settle)
{
	struct ut_stack *s;

	test_clock_init(tc, 0);
	s = testnet_stack(tc, cd, type, NULL, 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.all.disable_ipv6", 0), 0);
	if (settle) {
		/* DAD's random delay (< 1 s), one probe, one retrans_time. */
		testnet_advance(s, tc, 3 * ND_SEC);
		capdev_clear(cd);
	}
	return s;
}

void nd_frame(const struct capdev *cd, size_t i, struct nd_sent *out)
{
	struct wire_icmp6 icmp;

	memset(out, 0, sizeof(*out));
	CHECK(i < cd->n);
	CHECK_EQ(wire_eth_parse(cd->frames[i].data, cd->frames[i].len, &out->eth), WIRE_OK);
	CHECK_EQ(out->eth.proto, ETH_P_IPV6);
	CHECK_EQ(wire_ipv6_parse(out->eth.payload, out->eth.payload_len, &out->ip), WIRE_OK);
	CHECK_EQ(out->ip.nexthdr, NEXTHDR_ICMP);
	CHECK_EQ(wire_icmp6_parse(out->ip.payload, out->ip.payload_len, &out->ip.saddr,
				  &out->ip.daddr, &icmp),
		 WIRE_OK);
	CHECK_EQ(wire_nd_parse(&icmp, &out->msg), WIRE_OK);
	CHECK_EQ(wire_nd_parse_options(out->msg.opts, out->msg.opts_len, &out->opts), WIRE_OK);
}

size_t nd_count(const struct capdev *cd, size_t from, uint8_t type)
{
	size_t n = 0;

	for (size_t i = from; i < cd->n; i++) {
		struct wire_eth eth;
		struct wire_ipv6 ip;

		if (wire_eth_parse(cd->frames[i].data, cd->frames[i].len, &eth) != WIRE_OK ||
		    eth.proto != ETH_P_IPV6 ||
		    wire_ipv6_parse(eth.payload, eth.payload_len, &ip) != WIRE_OK ||
		    ip.nexthdr != NEXTHDR_ICMP || ip.payload_len < 1)
			continue;
		n += ip.payload[0] == type;
	}
	return n;
}

void nd_inject_raw(struct capdev *cd, const uint8_t *eth_dst, const struct in6_addr *saddr,
		   const struct in6_addr *daddr, uint8_t hop_limit, uint8_t *icmp, size_t len)
{
	uint8_t pkt[1600], frame[1700], mac[6];
	struct wire_ipv6 ip = {
		.payload_len = (uint16_t)len,
		.nexthdr = NEXTHDR_ICMP,
		.hop_limit = hop_limit,
		.saddr = *saddr,
		.daddr = *daddr,
	};
	size_t flen;

	CHECK(len <= sizeof(pkt) - IPV6_HLEN);
	if (len >= 4) {
		icmp[2] = icmp[3] = 0;
		uint16_t c = csum_ipv6(saddr, daddr, NEXTHDR_ICMP, icmp, len);
		icmp[2] = (uint8_t)(c >> 8);
		icmp[3] = (uint8_t)c;
	}
	wire_ipv6_emit(pkt, &ip);
	memcpy(pkt + IPV6_HLEN, icmp, len);
	if (!eth_dst) {
		if (daddr->s6_addr[0] == 0xff) {
			mac[0] = mac[1] = 0x33;
			memcpy(mac + 2, daddr->s6_addr + 12, 4);
			eth_dst = mac;
		} else {
			eth_dst = testnet_mac;
		}
	}
	if (ut_dev_type(cd->dev) == UT_DEV_ETHER) {
		flen = build_eth(frame, eth_dst, peer_mac, ETH_P_IPV6, pkt, IPV6_HLEN + len);
		CHECK_EQ(capdev_inject(cd, frame, flen), 0);
	} else {
		CHECK_EQ(capdev_inject(cd, pkt, IPV6_HLEN + len), 0);
	}
}

void nd_inject(struct capdev *cd, const uint8_t *eth_dst, const struct in6_addr *saddr,
	       const struct in6_addr *daddr, uint8_t hop_limit, uint8_t code,
	       const struct wire_nd_msg *m, const uint8_t *opts, size_t opts_len)
{
	uint8_t msg[1500];
	size_t body = wire_nd_msg_len(m->type), len;

	CHECK(body + opts_len <= sizeof(msg));
	if (opts_len)
		memcpy(msg + body, opts, opts_len);
	len = wire_nd_emit(msg, m, opts_len, saddr, daddr);
	msg[1] = code;
	nd_inject_raw(cd, eth_dst, saddr, daddr, hop_limit, msg, len);
}

size_t nd_opt_ll(uint8_t *buf, uint8_t type, const uint8_t mac[6])
{
	return wire_nd_opt_emit_lladdr(buf, type, mac, 6);
}

const char *nd_state(struct ut_stack *stack, const char *addr)
{
	struct ut_neigh_info ni;

	if (ut_neigh_get(stack, ipaddr(addr), &ni) < 0)
		return "none";
	return ni.state;
}
