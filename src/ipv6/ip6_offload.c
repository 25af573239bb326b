/* Software segmentation of TCP buffers over IPv6: the IPv6 half of what
 * src/ipv4/tcp_offload.c does for IPv4 (Linux's ip6_offload.c and
 * tcpv6_offload.c). TCP's rules are the same for both families; what
 * differs is the pseudo-header under each segment's checksum and the
 * header field that carries the length. IPv6 has no per-packet id to
 * count up, and this stack puts no extension header between the IPv6
 * header and TCP, so the header is copied as it is.
 */
#include <errno.h>
#include <string.h>

#include "net/ip.h"
#include "net/offload.h"
#include "net/wire.h"

static uint16_t tcp6_gso_csum(const struct sk_buff *seg, const uint8_t *th, uint32_t tcp_len)
{
	const uint8_t *ip6h = skb_network_header(seg);
	struct in6_addr saddr, daddr;

	memcpy(&saddr, ip6h + 8, sizeof(saddr));
	memcpy(&daddr, ip6h + 24, sizeof(daddr));
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
	/* TCP right after the fixed header: what tcp_ipv6.c builds */
	if (ip6h[6] != IPPROTO_TCP_ || !(skb_shinfo(skb)->gso_type & SKB_GSO_TCPV6) ||
	    skb_transport_header(skb) != ip6h + IPV6_HLEN)
		return -EPROTONOSUPPORT;
	err = tcp_gso_segment(skb, segs, tcp6_gso_csum);
	if (err)
		return err;
	skb_queue_walk(segs, seg) {
		uint8_t *sip6h = skb_network_header(seg);
		put_be16(sip6h + 4, (uint16_t)(seg->len - nhoff - IPV6_HLEN));
	}
	return 0;
}
