/* Software segmentation of TCP buffers over IPv6 (Linux's
 * net/ipv6/ip6_offload.c and tcpv6_offload.c): TCP's rules are shared
 * (tcp_gso_segment in src/ipv4/tcp_offload.c); IPv6 adds its
 * pseudo-header to each segment's checksum and its payload length to each
 * header. No IPv6 identification to count up: IPv6 has none outside a
 * fragment header, which a GSO buffer never carries. */
#include <errno.h>
#include <string.h>

#include "net/ipv6.h"
#include "net/netdevice.h"
#include "net/offload.h"
#include "net/wire.h"

/* IPv6's pseudo-header (RFC 8200 8.1): ctx is the IPv6 header. */
static uint16_t tcp6_gso_csum(const void *ctx, const uint8_t *th, uint32_t tcp_len)
{
	const uint8_t *ip6h = ctx;
	struct in6_addr saddr, daddr;

	memcpy(&saddr, ip6h + 8, sizeof(saddr));
	memcpy(&daddr, ip6h + 24, sizeof(daddr));
	return csum_ipv6(&saddr, &daddr, IPPROTO_TCP_, th, tcp_len);
}

int tcp6_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs)
{
	return tcp_gso_segment(skb, segs, tcp6_gso_csum, skb_network_header(skb));
}

int ipv6_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs)
{
	const uint8_t *ip6h = skb_network_header(skb);
	uint32_t nhoff = (uint32_t)(ip6h - skb->data);
	struct sk_buff *seg;
	int err;

	if (nhoff + IPV6_HLEN > skb->len || (ip6h[0] >> 4) != 6)
		return -EINVAL;
	/* TCP right after the header (what tcp_v6_xmit builds) */
	if (ip6h[6] != NEXTHDR_TCP || skb_transport_header(skb) != ip6h + IPV6_HLEN ||
	    !(skb_shinfo(skb)->gso_type & SKB_GSO_TCPV6))
		return -EPROTONOSUPPORT;
	err = tcp6_gso_segment(skb, segs);
	if (err)
		return err;
	skb_queue_walk(segs, seg) {
		uint8_t *sip6h = skb_network_header(seg);
		put_be16(sip6h + 4, (uint16_t)(seg->len - nhoff - IPV6_HLEN));
	}
	return 0;
}
