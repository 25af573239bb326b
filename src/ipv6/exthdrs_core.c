/* Stepping over a packet's extension headers without processing them
 * (Linux's ipv6_skip_exthdr, net/ipv6/exthdrs_core.c): how ICMPv6 finds
 * the upper-layer header of a quoted packet, and reassembly the upper
 * layer of a first fragment. */
#include "net/ipv6.h"

int ipv6_skip_exthdr(const uint8_t *buf, size_t len, size_t start, uint8_t *nexthdr,
		     uint16_t *frag_off)
{
	uint8_t nh = *nexthdr;
	unsigned hdrs = 0;

	*frag_off = 0;
	while (wire_ipv6_ext_hdr(nh)) {
		size_t hdrlen;

		/* "No next header" has no upper layer to find (RFC 8200
		 * 4.7); the count bounds the work, as ipv6_rcv's walk. */
		if (nh == NEXTHDR_NONE || ++hdrs > IP6_MAX_EXT_HDRS)
			return -1;
		/* Every extension header starts with Next Header and a
		 * length byte: that much must be there to step over it. */
		if (start > len || len - start < 2)
			return -1;
		if (nh == NEXTHDR_FRAGMENT) {
			if (len - start < 4)
				return -1;
			*frag_off = get_be16(buf + start + 2);
			/* A later fragment holds no headers: stop at its
			 * fragment header, as Linux does. */
			if (*frag_off & IP6_OFFSET)
				break;
			hdrlen = IPV6_FRAG_HLEN;
		} else if (nh == NEXTHDR_AUTH) {
			/* RFC 4302 2.2: in 4-byte units, less 2. */
			hdrlen = ((size_t)buf[start + 1] + 2) * 4;
		} else {
			/* RFC 8200 4.3: in 8-byte units, less the first. */
			hdrlen = ((size_t)buf[start + 1] + 1) * 8;
		}
		nh = buf[start];
		start += hdrlen;
	}
	if (start > INT32_MAX)
		return -1;
	*nexthdr = nh;
	return (int)start;
}
