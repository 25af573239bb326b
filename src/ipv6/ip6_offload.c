/* Software segmentation of TCP buffers over IPv6 (Linux's
 * net/ipv6/ip6_offload.c and tcpv6_offload.c): TCP's rules are shared
 * (tcp_gso_segment in src/ipv4/tcp_offload.c); IPv6 adds its
 * pseudo-header to each segment's checksum and its payload length to each
 * header. No IPv6 identification to count up: IPv6 has none outside a
 * fragment header, which a GSO buffer never carries.
 *
 * GRO over IPv6 (Linux's ipv6_gro_receive and tcp6_gro_receive): TCP's
 * rules are shared too (tcp_gro_receive); IPv6 matches the flow by its
 * addresses and flow label and refuses a merge across a change of
 * traffic class or hop limit. A packet with extension headers goes up
 * alone (Linux skips some of them to reach TCP; TCP senders add none). */
#include <errno.h>
#include <string.h>

#include "net/gro.h"
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

/* TCP over IPv6 (Linux's tcp6_gro_receive): the checksum with IPv6's
 * pseudo-header first, so a damaged segment goes up alone; a partial
 * one counts as good, as in tcp4_gro_receive. */
static struct sk_buff *tcp6_gro_receive(struct sk_buff_head *head, struct sk_buff *skb,
					uint32_t tcp_len)
{
	struct napi_gro_cb *cb = NAPI_GRO_CB(skb);
	const uint8_t *ip6h = skb->data;
	struct in6_addr saddr, daddr;

	if (!cb->flush && skb->ip_summed != CHECKSUM_UNNECESSARY &&
	    skb->ip_summed != CHECKSUM_PARTIAL) {
		memcpy(&saddr, ip6h + 8, sizeof(saddr));
		memcpy(&daddr, ip6h + 24, sizeof(daddr));
		if (csum_ipv6(&saddr, &daddr, IPPROTO_TCP_, skb->data + cb->thoff, tcp_len) != 0) {
			cb->flush = 1;
			return NULL;
		}
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	}
	return tcp_gro_receive(head, skb, tcp_len);
}

static struct sk_buff *ipv6_gro_receive(struct sk_buff_head *head, struct sk_buff *skb)
{
	struct napi_gro_cb *cb = NAPI_GRO_CB(skb);
	const uint8_t *ip6h = skb->data;
	uint32_t first_word, payload_len;
	struct sk_buff *p;

	if (skb->len < IPV6_HLEN || (ip6h[0] >> 4) != 6)
		goto out;
	payload_len = get_be16(ip6h + 4);
	/* 0 is a jumbogram's (RFC 2675), which needs a hop-by-hop header */
	if (payload_len == 0 || IPV6_HLEN + payload_len > skb->len || ip6h[6] != NEXTHDR_TCP)
		goto out;
	first_word = get_be32(ip6h);
	skb_queue_walk(head, p) {
		const uint8_t *pip6h = p->data;
		struct napi_gro_cb *pcb = NAPI_GRO_CB(p);
		uint32_t diff = first_word ^ get_be32(pip6h);

		if (!pcb->same_flow)
			continue;
		/* version and flow label name the flow (mask 0xf00fffff) */
		if ((diff & 0xf00fffffu) || pip6h[6] != ip6h[6] ||
		    memcmp(pip6h + 8, ip6h + 8, 32) != 0) {
			pcb->same_flow = 0;
			continue;
		}
		/* the traffic class (mask 0x0ff00000) and the hop limit */
		pcb->flush |= (diff & 0x0ff00000u) != 0 || pip6h[7] != ip6h[7];
		pcb->flush_id = 0; /* no identification to count */
		pcb->id_same = 1;
	}
	cb->flush |= IPV6_HLEN + payload_len != skb->len;
	cb->thoff = IPV6_HLEN;
	skb_reset_network_header(skb);
	skb->transport_header = (uint16_t)(skb->network_header + IPV6_HLEN);
	return tcp6_gro_receive(head, skb, payload_len);
out:
	cb->flush = 1;
	return NULL;
}

/* A merged IPv6 packet's payload length (Linux's ipv6_gro_complete, then
 * tcp6_gro_complete). */
static int ipv6_gro_complete(struct sk_buff *skb)
{
	if (skb->len < IPV6_HLEN || skb->len - IPV6_HLEN > 0xffffu)
		return -EINVAL;
	put_be16(skb->data + 4, (uint16_t)(skb->len - IPV6_HLEN));
	tcp_gro_complete(skb, SKB_GSO_TCPV6);
	return 0;
}

const struct packet_offload ipv6_packet_offload = {
	.type = ETH_P_IPV6,
	.gso_segment = ipv6_gso_segment,
	.gro_receive = ipv6_gro_receive,
	.gro_complete = ipv6_gro_complete,
};
