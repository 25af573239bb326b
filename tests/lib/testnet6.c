#include "testnet6.h"

#include <string.h>

#include "net/stack.h"
#include "test.h"
#include "testwire.h"
#include "usertcp/usertcp.h"

struct ut_stack *testnet_host6(struct test_clock *tc, struct capdev *cd)
{
	struct ut_stack *s = testnet_host(tc, cd, UT_DEV_RAWIP);

	/* No router solicitations: a test reads every frame sent. */
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.router_solicitations", 0), 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.disable_ipv6", 0), 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.lo.disable_ipv6", 0), 0);
	CHECK_EQ(ut_addr_add(s, cd->dev, ipaddr("2001:db8::1"), 64), 0);
	testnet_poll(s);
	capdev_clear(cd);
	/* What bringing IPv6 up did is not what the test counts. */
	memset(&s->mib, 0, sizeof(s->mib));
	return s;
}

size_t build_ipv6_text(uint8_t *buf, const char *src, const char *dst, uint8_t nexthdr, uint8_t hop,
		       const void *payload, size_t len)
{
	struct in6_addr s = ip6_text(src), d = ip6_text(dst);

	return build_ipv6(buf, &s, &d, nexthdr, hop, payload, len);
}

size_t build_icmp6_text(uint8_t *buf, const char *src, const char *dst, uint8_t type, uint8_t code,
			uint32_t rest, const void *data, size_t len)
{
	struct in6_addr s = ip6_text(src), d = ip6_text(dst);

	return build_icmp6(buf, &s, &d, type, code, rest, data, len);
}

size_t build_ipv6_frag(uint8_t *buf, const char *src, const char *dst, uint8_t nexthdr, uint32_t id,
		       uint16_t off, bool more, const void *payload, size_t len)
{
	static uint8_t body[65536 + IPV6_FRAG_HLEN];

	CHECK(len <= 65536);
	wire_ipv6_frag_emit(body, nexthdr, off, more, id);
	if (len)
		memcpy(body + IPV6_FRAG_HLEN, payload, len);
	return build_ipv6_text(buf, src, dst, NEXTHDR_FRAGMENT, 64, body, IPV6_FRAG_HLEN + len);
}

void testnet_inject6(struct capdev *cd, const void *pkt, size_t len)
{
	CHECK_EQ(capdev_inject(cd, pkt, len), 0);
}

void testnet_frame_ip6_l3(const struct capdev *cd, size_t i, struct wire_ipv6 *ip)
{
	CHECK(i < cd->n);
	CHECK_EQ(wire_ipv6_parse(cd->frames[i].data, cd->frames[i].len, ip), WIRE_OK);
}

void testnet_frame_icmp6_l3(const struct capdev *cd, size_t i, struct wire_ipv6 *ip,
			    struct wire_icmp6 *icmp)
{
	testnet_frame_ip6_l3(cd, i, ip);
	CHECK_EQ(ip->nexthdr, NEXTHDR_ICMP);
	CHECK_EQ(wire_icmp6_parse(ip->payload, ip->payload_len, &ip->saddr, &ip->daddr, icmp),
		 WIRE_OK);
}
