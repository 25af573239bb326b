/* IPv6 address kinds, scopes, prefixes and the addresses derived from
 * them (RFC 4291, RFC 2464), with the values Linux 6.18 used on a veth
 * pair as the reference. */
#include "test.h"
#include "testwire.h"

#include "net/ipv6.h"

static unsigned type_of(const char *text)
{
	struct in6_addr a = ip6_text(text);

	return ipv6_addr_type(&a);
}

TEST(address_kinds_and_scopes_are_linux_ones)
{
	const unsigned global = IPV6_ADDR_UNICAST | IPV6_ADDR_SCOPE_TYPE(IPV6_ADDR_SCOPE_GLOBAL);

	CHECK_EQ(type_of("::"), IPV6_ADDR_ANY);
	CHECK_EQ(type_of("::1"), IPV6_ADDR_LOOPBACK | IPV6_ADDR_UNICAST |
					 IPV6_ADDR_SCOPE_TYPE(IPV6_ADDR_SCOPE_LINKLOCAL));
	CHECK_EQ(type_of("2001:db8::1"), global);
	CHECK_EQ(type_of("fd00::1"), global); /* unique local, RFC 4193 */
	CHECK_EQ(type_of("4000::1"), global); /* unassigned, still unicast */
	CHECK_EQ(type_of("fe80::5cc1:3fff:fefc:1aa4"),
		 IPV6_ADDR_LINKLOCAL | IPV6_ADDR_UNICAST |
			 IPV6_ADDR_SCOPE_TYPE(IPV6_ADDR_SCOPE_LINKLOCAL));
	CHECK_EQ(type_of("febf::1") & IPV6_ADDR_LINKLOCAL, IPV6_ADDR_LINKLOCAL);
	CHECK_EQ(type_of("fec0::1"), IPV6_ADDR_SITELOCAL | IPV6_ADDR_UNICAST |
					     IPV6_ADDR_SCOPE_TYPE(IPV6_ADDR_SCOPE_SITELOCAL));
	CHECK_EQ(type_of("::ffff:10.0.0.1"),
		 IPV6_ADDR_MAPPED | IPV6_ADDR_SCOPE_TYPE(IPV6_ADDR_SCOPE_GLOBAL));
	CHECK_EQ(type_of("::10.0.0.1"), IPV6_ADDR_COMPATv4 | global);
	CHECK_EQ(type_of("ff02::1"), IPV6_ADDR_MULTICAST | IPV6_ADDR_LINKLOCAL |
					     IPV6_ADDR_SCOPE_TYPE(IPV6_ADDR_SCOPE_LINKLOCAL));
	CHECK_EQ(type_of("ff01::1"), IPV6_ADDR_MULTICAST | IPV6_ADDR_LOOPBACK |
					     IPV6_ADDR_SCOPE_TYPE(IPV6_ADDR_SCOPE_NODELOCAL));
	CHECK_EQ(type_of("ff0e::1"),
		 IPV6_ADDR_MULTICAST | IPV6_ADDR_SCOPE_TYPE(IPV6_ADDR_SCOPE_GLOBAL));
	CHECK_EQ(IPV6_ADDR_SCOPE(type_of("ff05::2")), IPV6_ADDR_SCOPE_SITELOCAL);
}

TEST(v4_mapped_addresses_carry_the_ipv4_address)
{
	struct in6_addr a;
	uint32_t v4 = ip4_bytes(192, 0, 2, 33);
	struct in6_addr want = ip6_text("::ffff:192.0.2.33");

	ipv6_addr_set_v4mapped(v4, &a);
	CHECK_MEM_EQ(&a, &want, 16);
	CHECK(ipv6_addr_v4mapped(&a));
	CHECK_EQ(ipv6_addr_v4(&a), v4);
	want = ip6_text("::fffe:192.0.2.33");
	CHECK(!ipv6_addr_v4mapped(&want));
	CHECK(ipv6_addr_any(&(struct in6_addr){0}) && !ipv6_addr_any(&a));
	want = ip6_text("::1");
	CHECK(ipv6_addr_loopback(&want) && !ipv6_addr_loopback(&a));
}

TEST(prefixes_keep_their_first_bits_only)
{
	struct in6_addr a = ip6_text("2001:db8:abcd:12ff:ffff::1"), p;
	struct in6_addr want = ip6_text("2001:db8:abcd:1200::");

	ipv6_addr_prefix(&p, &a, 56);
	CHECK_MEM_EQ(&p, &want, 16);
	ipv6_addr_prefix(&p, &a, 61); /* a prefix ending inside a byte */
	want = ip6_text("2001:db8:abcd:12f8::");
	CHECK_MEM_EQ(&p, &want, 16);
	ipv6_addr_prefix(&p, &a, 0);
	CHECK(ipv6_addr_any(&p));
	ipv6_addr_prefix(&p, &a, 200);
	CHECK_MEM_EQ(&p, &a, 16);
	want = ip6_text("2001:db8:abcd:12fc::");
	CHECK(ipv6_prefix_equal(&a, &want, 61));
	CHECK(!ipv6_prefix_equal(&a, &want, 63));
	CHECK(ipv6_prefix_equal(&a, &want, 0));
}

TEST(link_local_address_solicited_node_group_and_mac_match_linux)
{
	/* Linux gave 5e:c1:3f:fc:1a:a4 the address fe80::5cc1:3fff:fefc:1aa4
	 * and sent its duplicate address detection probe to
	 * ff02::1:fffc:1aa4, at Ethernet 33:33:ff:fc:1a:a4. */
	static const uint8_t mac[6] = {0x5e, 0xc1, 0x3f, 0xfc, 0x1a, 0xa4};
	static const uint8_t group_mac[6] = {0x33, 0x33, 0xff, 0xfc, 0x1a, 0xa4};
	struct in6_addr ll = ip6_text("fe80::"), want = ip6_text("fe80::5cc1:3fff:fefc:1aa4");
	struct in6_addr snm, snm_want = ip6_text("ff02::1:fffc:1aa4");
	uint8_t m[6];

	addrconf_addr_solict_mult(&want, &snm);
	CHECK_MEM_EQ(&snm, &snm_want, 16);
	addrconf_ifid_eui48(&ll, mac);
	CHECK_MEM_EQ(&ll, &want, 16);
	ipv6_eth_mc_map(&snm, m);
	CHECK_MEM_EQ(m, group_mac, 6);
	/* And the group it solicited 2001:db8::2 at. */
	want = ip6_text("2001:db8::2");
	snm_want = ip6_text("ff02::1:ff00:2");
	addrconf_addr_solict_mult(&want, &snm);
	CHECK_MEM_EQ(&snm, &snm_want, 16);
	CHECK(ipv6_addr_is_multicast(&snm) && !ipv6_addr_is_multicast(&want));
	CHECK(ipv6_addr_is_linklocal(&ll) && !ipv6_addr_is_linklocal(&want));
}
