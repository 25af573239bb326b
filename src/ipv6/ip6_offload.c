/* Software segmentation of TCP buffers over IPv6 (Linux's
 * net/ipv6/ip6_offload.c and tcpv6_offload.c): TCP's cutting is shared
 * with IPv4 (src/ipv4/tcp_offload.c); IPv6 gives each segment its own
 * payload length and TCP checksum over IPv6's pseudo-header (RFC 8200
 * 8.1). IPv6 has no header checksum and no id to count (the id lives in a
 * fragment header, which a TCP segment sized to the path never needs). */
#include <errno.h>
#include <string.h>

#include "net/offload.h"
#include "net/wire.h"

static uint16_t tcp6_gso_csum(const struct sk_buff *seg, const uint8_t *th, uint32_t tcp_len)
{
	const uint8_t *ip6h = skb_network_header(seg);
	struct in6_addr saddr, daddr;

	memcpy(&saddr, ip6h + 8, 16);
	memcpy(&daddr, ip6h + 24, 16);
	return csum_ipv6(&saddr, &daddr, IPPROTO_TCP_, th, tcp_len);
}

int ipv6_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs)
{
	const uint8_t *ip6h = skb_network_header(skb);
	uint32_t nhoff = (uint32_t)(ip6h - skb->data);
	struct sk_buff *seg;
	int err;

	if (nhoff + IPV6_HLEN > skb->len || (ip6h[0] >> 4) != 6)
		return -EINVAL;
	if (ip6h[6] != NEXTHDR_TCP || !(skb_shinfo(skb)->gso_type & SKB_GSO_TCPV6))
		return -EPROTONOSUPPORT;
	err = tcp_gso_segment(skb, segs, tcp6_gso_csum);
	if (err)
		return err;
	skb_queue_walk(segs, seg) {
		put_be16(skb_network_header(seg) + 4, (uint16_t)(seg->len - nhoff - IPV6_HLEN));
	}
	return 0;
}
