/* What every IPv6 file needs to know about addresses (Linux's
 * net/ipv6/addrconf_core.c and the helpers of include/net/addrconf.h):
 * their kind and scope, prefixes, and the multicast groups and interface
 * identifiers derived from them. */
#include "net/ipv6.h"

/* The flags of a multicast scope: the three scopes that name a kind of
 * unicast address carry its bit too, so "link-local" means the same for
 * ff02::1 as for fe80::1. */
static unsigned mc_scope_type(unsigned scope)
{
	switch (scope) {
	case IPV6_ADDR_SCOPE_NODELOCAL:
		return IPV6_ADDR_SCOPE_TYPE(scope) | IPV6_ADDR_LOOPBACK;
	case IPV6_ADDR_SCOPE_LINKLOCAL:
		return IPV6_ADDR_SCOPE_TYPE(scope) | IPV6_ADDR_LINKLOCAL;
	case IPV6_ADDR_SCOPE_SITELOCAL:
		return IPV6_ADDR_SCOPE_TYPE(scope) | IPV6_ADDR_SITELOCAL;
	default:
		return IPV6_ADDR_SCOPE_TYPE(scope);
	}
}

unsigned ipv6_addr_type(const struct in6_addr *addr)
{
	const uint8_t *a = addr->s6_addr;
	static const uint8_t zero8[8];
	static const uint8_t mapped[4] = {0, 0, 0xff, 0xff};
	const unsigned global = IPV6_ADDR_UNICAST | IPV6_ADDR_SCOPE_TYPE(IPV6_ADDR_SCOPE_GLOBAL);

	/* Whatever does not start with 000 or 111 is global unicast
	 * (2000::/3 and the unassigned rest alike). */
	if ((a[0] & 0xe0) != 0 && (a[0] & 0xe0) != 0xe0)
		return global;
	if (a[0] == 0xff)
		return IPV6_ADDR_MULTICAST | mc_scope_type(a[1] & 0x0f);
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return IPV6_ADDR_LINKLOCAL | IPV6_ADDR_UNICAST |
		       IPV6_ADDR_SCOPE_TYPE(IPV6_ADDR_SCOPE_LINKLOCAL);
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) /* fec0::/10, deprecated */
		return IPV6_ADDR_SITELOCAL | IPV6_ADDR_UNICAST |
		       IPV6_ADDR_SCOPE_TYPE(IPV6_ADDR_SCOPE_SITELOCAL);
	if (memcmp(a, zero8, 8) == 0) {
		if (memcmp(a + 8, zero8, 4) == 0) {
			if (memcmp(a + 12, zero8, 4) == 0)
				return IPV6_ADDR_ANY;
			if (ipv6_addr_loopback(addr))
				return IPV6_ADDR_LOOPBACK | IPV6_ADDR_UNICAST |
				       IPV6_ADDR_SCOPE_TYPE(IPV6_ADDR_SCOPE_LINKLOCAL);
			return IPV6_ADDR_COMPATv4 | global;
		}
		if (memcmp(a + 8, mapped, 4) == 0)
			return IPV6_ADDR_MAPPED | IPV6_ADDR_SCOPE_TYPE(IPV6_ADDR_SCOPE_GLOBAL);
	}
	return global; /* fc00::/7 (RFC 4193) and the rest */
}

void ipv6_addr_prefix(struct in6_addr *out, const struct in6_addr *addr, unsigned plen)
{
	unsigned bytes, bits;

	if (plen > 128)
		plen = 128;
	bytes = plen / 8;
	bits = plen % 8;
	*out = *addr;
	if (bits) {
		out->s6_addr[bytes] &= (uint8_t)(0xff00u >> bits);
		bytes++;
	}
	memset(out->s6_addr + bytes, 0, 16 - bytes);
}

bool ipv6_prefix_equal(const struct in6_addr *a, const struct in6_addr *b, unsigned plen)
{
	struct in6_addr pa, pb;

	ipv6_addr_prefix(&pa, a, plen);
	ipv6_addr_prefix(&pb, b, plen);
	return ipv6_addr_equal(&pa, &pb);
}

void addrconf_addr_solict_mult(const struct in6_addr *addr, struct in6_addr *out)
{
	static const uint8_t prefix[13] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};

	memcpy(out->s6_addr, prefix, sizeof(prefix));
	memcpy(out->s6_addr + 13, addr->s6_addr + 13, 3);
}

void ipv6_eth_mc_map(const struct in6_addr *addr, uint8_t mac[6])
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, addr->s6_addr + 12, 4);
}

void addrconf_ifid_eui48(struct in6_addr *addr, const uint8_t mac[6])
{
	uint8_t *id = addr->s6_addr + 8;

	memcpy(id, mac, 3);
	id[3] = 0xff;
	id[4] = 0xfe;
	memcpy(id + 5, mac + 3, 3);
	id[0] ^= 0x02; /* modified EUI-64: the universal/local bit inverted */
}
