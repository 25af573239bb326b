/* Software segmentation of TCP buffers (Linux's net/ipv4/tcp_offload.c and
 * the IPv4 half of af_inet.c's GSO): a buffer TCP built of several
 * segments (skb_shinfo()->gso_size, gso_segs) is cut into the frames a
 * device without TSO sends, each with its own headers.
 *
 * The rules are Linux's (tcp_gso_segment, inet_gso_segment; IPv6's half is
 * src/ipv6/ip6_offload.c):
 *  - each segment carries gso_size bytes of payload, the last the rest;
 *  - its sequence number advances by the payload before it;
 *  - CWR only on the first segment (RFC 3168 6.1.2: one reduction, one
 *    CWR), PSH and FIN only on the last (they belong to the last byte);
 *  - the IP id counts up by one a segment, as a device's TSO does;
 *  - IP total length, header checksum and TCP checksum are per segment,
 *    the TCP checksum left uncomputed when the buffer's was (a loopback
 *    buffer marked CHECKSUM_PARTIAL, as Linux's lo offloads it).
 *
 * Cost: one copy of each segment's headers and payload into a frame from
 * the stack's pool; the buffer itself is read, never written.
 */
#include <errno.h>
#include <string.h>

#include "net/ip.h"
#include "net/netdevice.h"
#include "net/offload.h"
#include "net/wire.h"

/* Cuts skb (data at its link header, network and transport headers set)
 * into segments of mss payload bytes with copies of every header in front,
 * appended to segs. Only the payload and the headers are copied: fields
 * are fixed by the callers. 0 or -ENOBUFS (segs then holds what was made,
 * for the caller to free). */
static int gso_copy_segments(struct sk_buff *skb, uint32_t hdr_len, uint32_t mss,
			     struct sk_buff_head *segs)
{
	uint32_t headroom = skb_headroom(skb);
	uint32_t off;

	for (off = hdr_len; off < skb->len; off += mss) {
		uint32_t chunk = MIN(mss, skb->len - off);
		struct sk_buff *seg = alloc_skb(skb->pool, headroom + hdr_len + chunk);
		uint8_t *p;

		if (!seg)
			return -ENOBUFS;
		skb_reserve(seg, headroom);
		p = skb_put(seg, hdr_len + chunk);
		memcpy(p, skb->data, hdr_len);
		memcpy(p + hdr_len, skb->data + off, chunk);
		seg->dev = skb->dev;
		seg->tstamp = skb->tstamp;
		seg->protocol = skb->protocol;
		seg->ip_summed = skb->ip_summed;
		seg->pkt_type = skb->pkt_type;
		seg->mac_header = skb->mac_header;
		seg->network_header = skb->network_header;
		seg->transport_header = skb->transport_header;
		memcpy(seg->cb, skb->cb, sizeof(seg->cb));
		skb_queue_tail(segs, seg);
	}
	return 0;
}

int tcp_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs,
		    uint16_t (*csum)(const struct sk_buff *seg, const uint8_t *th,
				     uint32_t tcp_len))
{
	const uint8_t *th = skb_transport_header(skb);
	uint32_t thlen = (uint32_t)(th[12] >> 4) * 4;
	uint32_t hdr_len = (uint32_t)(th - skb->data) + thlen;
	uint32_t mss = skb_shinfo(skb)->gso_size;
	uint32_t seq = get_be32(th + 4);
	uint8_t flags = th[13];
	struct sk_buff *seg;
	int err;

	if (!mss || thlen < TCP_HLEN_MIN || hdr_len > skb->len)
		return -EINVAL;
	err = gso_copy_segments(skb, hdr_len, mss, segs);
	if (err)
		return err;
	skb_queue_walk(segs, seg) {
		uint8_t *sth = skb_transport_header(seg);
		uint32_t tcp_len = seg->len - (uint32_t)(sth - seg->data);
		uint8_t f = flags;

		if (seg != skb_peek(segs))
			f &= (uint8_t)~TCPHDR_CWR;
		if (seg->next)
			f &= (uint8_t) ~(TCPHDR_FIN | TCPHDR_PSH);
		put_be32(sth + 4, seq);
		sth[13] = f;
		seq += tcp_len - thlen;
		if (seg->ip_summed != CHECKSUM_PARTIAL) {
			put_be16(sth + 16, 0);
			put_be16(sth + 16, csum(seg, sth, tcp_len));
		}
	}
	return 0;
}

static uint16_t tcp4_gso_csum(const struct sk_buff *seg, const uint8_t *th, uint32_t tcp_len)
{
	const uint8_t *iph = skb_network_header(seg);
	uint32_t saddr, daddr;

	memcpy(&saddr, iph + 12, 4);
	memcpy(&daddr, iph + 16, 4);
	return csum_tcpudp(saddr, daddr, IPPROTO_TCP_, th, tcp_len);
}

int tcp4_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs)
{
	return tcp_gso_segment(skb, segs, tcp4_gso_csum);
}

int inet_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs)
{
	const uint8_t *iph = skb_network_header(skb);
	uint32_t ihl, nhoff = (uint32_t)(iph - skb->data);
	uint16_t id;
	struct sk_buff *seg;
	int err;

	if (nhoff + IPV4_HLEN_MIN > skb->len || (iph[0] >> 4) != 4)
		return -EINVAL;
	ihl = (uint32_t)(iph[0] & 0xf) * 4;
	if (ihl < IPV4_HLEN_MIN || iph[9] != IPPROTO_TCP_ ||
	    !(skb_shinfo(skb)->gso_type & SKB_GSO_TCPV4))
		return -EPROTONOSUPPORT;
	id = get_be16(iph + 4);
	err = tcp4_gso_segment(skb, segs);
	if (err)
		return err;
	skb_queue_walk(segs, seg) {
		uint8_t *siph = skb_network_header(seg);
		put_be16(siph + 2, (uint16_t)(seg->len - nhoff));
		put_be16(siph + 4, id++);
		ip_send_check(siph, ihl);
	}
	return 0;
}

int skb_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs)
{
	if (skb->protocol == ETH_P_IP)
		return inet_gso_segment(skb, segs);
	if (skb->protocol == ETH_P_IPV6)
		return ipv6_gso_segment(skb, segs);
	return -EPROTONOSUPPORT;
}
