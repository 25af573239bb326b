/* Software segmentation of TCP buffers (Linux's net/ipv4/tcp_offload.c and
 * the IPv4 half of af_inet.c's GSO): a buffer TCP built of several
 * segments (skb_shinfo()->gso_size, gso_segs) is cut into the frames a
 * device without TSO sends, each with its own headers.
 *
 * The rules are Linux's (tcp_gso_segment, inet_gso_segment; IPv6's half
 * is src/ipv6/ip6_offload.c):
 *  - each segment carries gso_size bytes of payload, the last the rest;
 *  - its sequence number advances by the payload before it;
 *  - CWR only on the first segment (RFC 3168 6.1.2: one reduction, one
 *    CWR), PSH and FIN only on the last (they belong to the last byte);
 *  - an urgent pointer is rebased on each segment's own sequence number,
 *    and a segment that starts at or past it carries no URG, as TCP would
 *    have sent each segment alone (a saturated 0xFFFF stays as it is);
 *  - the IP id counts up by one a segment, as a device's TSO does;
 *  - IP total length, header checksum and TCP checksum are per segment,
 *    the TCP checksum left uncomputed when the buffer's was (a loopback
 *    buffer marked CHECKSUM_PARTIAL, as Linux's lo offloads it).
 *
 * Cost: one copy of each segment's headers and payload into a frame from
 * the stack's pool; the buffer itself is read, never written.
 *
 * The other direction, GRO (Linux's tcp_gro_receive, inet_gro_receive and
 * their gro_complete), merges received segments back into such buffers
 * under the rules below tcp_gro_receive; the core is src/core/gro.c.
 */
#include <errno.h>
#include <string.h>

#include "net/gro.h"
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
		    uint16_t (*csum)(const void *ctx, const uint8_t *th, uint32_t tcp_len),
		    const void *ctx)
{
	const uint8_t *th = skb_transport_header(skb);
	uint32_t thlen = (uint32_t)(th[12] >> 4) * 4;
	uint32_t hdr_len = (uint32_t)(th - skb->data) + thlen;
	uint32_t mss = skb_shinfo(skb)->gso_size;
	uint32_t seq = get_be32(th + 4);
	uint8_t flags = th[13];
	uint32_t urg = get_be16(th + 18), first_seq = seq;
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
		if ((f & TCPHDR_URG) && urg != 0xFFFF) {
			uint32_t off = seq - first_seq;
			if (urg > off) {
				put_be16(sth + 18, (uint16_t)(urg - off));
			} else {
				f &= (uint8_t)~TCPHDR_URG;
				put_be16(sth + 18, 0);
			}
		}
		put_be32(sth + 4, seq);
		sth[13] = f;
		seq += tcp_len - thlen;
		if (seg->ip_summed != CHECKSUM_PARTIAL) {
			put_be16(sth + 16, 0);
			put_be16(sth + 16, csum(ctx, sth, tcp_len));
		}
	}
	return 0;
}

/* IPv4's pseudo-header: ctx is the IPv4 header. */
static uint16_t tcp4_gso_csum(const void *ctx, const uint8_t *th, uint32_t tcp_len)
{
	const uint8_t *iph = ctx;
	uint32_t saddr, daddr;

	memcpy(&saddr, iph + 12, 4);
	memcpy(&daddr, iph + 16, 4);
	return csum_tcpudp(saddr, daddr, IPPROTO_TCP_, th, tcp_len);
}

int tcp4_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs)
{
	return tcp_gso_segment(skb, segs, tcp4_gso_csum, skb_network_header(skb));
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

/* ---- GRO ------------------------------------------------------------------------------*/

/* The flag word Linux compares (tcp_flag_word): data offset, flags and
 * window, the TCP header's bytes 12 to 15. */
#define TCP_FLAG_WORD(th) get_be32((th) + 12)
#define TCP_FLAG_BIT(f) ((uint32_t)(f) << 16)
/* The fragment offset field of an IPv4 header (Linux's IP_OFFSET). */
#define IP_OFFSET 0x1fff

struct sk_buff *tcp_gro_receive(struct sk_buff_head *head, struct sk_buff *skb, uint32_t tcp_len)
{
	struct napi_gro_cb *cb = NAPI_GRO_CB(skb);
	const uint8_t *th = skb->data + cb->thoff, *pth;
	struct sk_buff *p = NULL, *pp = NULL;
	uint32_t thlen, len, flags, mss = 1;
	struct napi_gro_cb *pcb;
	bool flush;

	if (tcp_len < TCP_HLEN_MIN) {
		cb->flush = 1;
		return NULL;
	}
	thlen = (uint32_t)(th[12] >> 4) * 4;
	if (thlen < TCP_HLEN_MIN || thlen > tcp_len) {
		cb->flush = 1;
		return NULL;
	}
	len = tcp_len - thlen;
	flags = TCP_FLAG_WORD(th);
	/* The held packet of the same connection: ports, after the family
	 * matched the addresses (Linux's tcp_gro_lookup). */
	skb_queue_walk(head, p) {
		if (!NAPI_GRO_CB(p)->same_flow)
			continue;
		if (get_be32(skb_transport_header(p)) != get_be32(th)) {
			NAPI_GRO_CB(p)->same_flow = 0;
			continue;
		}
		break;
	}
	if (!p)
		goto out_check_final;
	pcb = NAPI_GRO_CB(p);
	pth = skb_transport_header(p);
	/* What the network layer found against this flow (TTL, TOS, DF),
	 * a CWR (it starts a new reduction: the segment that carries it
	 * leads its own packet), any other difference in the flag word but
	 * PSH and FIN (the data offset, flags, window), and another ACK. */
	flush = pcb->flush;
	flush |= (flags & TCP_FLAG_BIT(TCPHDR_CWR)) != 0;
	flush |= ((flags ^ TCP_FLAG_WORD(pth)) &
		  ~TCP_FLAG_BIT(TCPHDR_CWR | TCPHDR_FIN | TCPHDR_PSH)) != 0;
	flush |= get_be32(th + 8) != get_be32(pth + 8);
	/* Options byte for byte (the data offset is equal, or flush is set
	 * already): a new timestamp, a SACK block, starts a new packet. */
	if (!flush)
		flush |= memcmp(th + TCP_HLEN_MIN, pth + TCP_HLEN_MIN, thlen - TCP_HLEN_MIN) != 0;
	/* IPv4 identifications: counting up by one a segment, or, with DF,
	 * fixed, as decided at the flow's second segment (RFC 6864 lets an
	 * atomic datagram's id stay). IPv6 reports every id as counting. */
	switch (pcb->id_mode) {
	case GRO_ID_UNDECIDED:
		if (pcb->flush_id == 0)
			pcb->id_mode = GRO_ID_COUNTING;
		else if (pcb->is_atomic && pcb->id_same)
			pcb->id_mode = GRO_ID_FIXED;
		else
			flush = true;
		break;
	case GRO_ID_COUNTING:
		flush |= pcb->flush_id != 0;
		break;
	default:
		flush |= !pcb->id_same;
		break;
	}
	/* No longer than the first segment (a longer one cannot be cut back
	 * at the first's size), none empty (len - 1 wraps), and exactly the
	 * next byte. */
	mss = pcb->mss;
	flush |= len - 1 >= mss;
	flush |= get_be32(pth + 4) + pcb->len != get_be32(th + 4);
	flush |= cb->flush;
	if (flush || skb_gro_receive(head, &p, th + thlen, len, skb) < 0) {
		mss = 1;
		goto out_check_final;
	}
	cb->same_flow = 1;
	/* The last segment's PSH and FIN belong to the merged packet's last
	 * byte (Linux folds them into the first header the same way). */
	skb_transport_header(p)[13] |= th[13] & (TCPHDR_FIN | TCPHDR_PSH);
out_check_final:
	/* A segment shorter than the flow's ends it; PSH, FIN, RST, URG and
	 * SYN end it too, so the receiver sees them at once. */
	flush = len < mss;
	flush |= (flags & TCP_FLAG_BIT(TCPHDR_URG | TCPHDR_PSH | TCPHDR_RST | TCPHDR_SYN |
				       TCPHDR_FIN)) != 0;
	if (p && (!cb->same_flow || flush))
		pp = p;
	cb->flush |= flush;
	/* A new flow remembers its segment size and its payload. */
	cb->mss = (uint16_t)MIN(len, 0xffffu);
	cb->len = len;
	return pp;
}

void tcp_gro_complete(struct sk_buff *skb, uint32_t gso_type)
{
	struct napi_gro_cb *cb = NAPI_GRO_CB(skb);

	/* The buffer is GRO's own (gro_grow), so its shared info may be
	 * written. The TCP checksum field stays the first segment's:
	 * ip_summed says every segment's was checked, and a forwarded
	 * packet's segments get theirs from GSO. */
	skb_shinfo(skb)->gso_size = cb->mss;
	skb_shinfo(skb)->gso_segs = cb->count;
	skb_shinfo(skb)->gso_type = gso_type;
	skb->ip_summed = CHECKSUM_UNNECESSARY;
}

/* TCP over IPv4 (Linux's tcp4_gro_receive): the checksum with IPv4's
 * pseudo-header first, so that a damaged segment is never merged and
 * goes up alone to be counted where it always was. A checksum left to
 * the device (CHECKSUM_PARTIAL: a packet of this host's, joined again
 * behind an impairment) is not there to check, and counts as good, as
 * Linux's skb_gro_checksum_validate takes it. */
static struct sk_buff *tcp4_gro_receive(struct sk_buff_head *head, struct sk_buff *skb,
					uint32_t tcp_len)
{
	struct napi_gro_cb *cb = NAPI_GRO_CB(skb);
	const uint8_t *iph = skb->data;
	uint32_t saddr, daddr;

	if (!cb->flush && skb->ip_summed != CHECKSUM_UNNECESSARY &&
	    skb->ip_summed != CHECKSUM_PARTIAL) {
		memcpy(&saddr, iph + 12, 4);
		memcpy(&daddr, iph + 16, 4);
		if (csum_tcpudp(saddr, daddr, IPPROTO_TCP_, skb->data + cb->thoff, tcp_len) != 0) {
			cb->flush = 1;
			return NULL;
		}
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	}
	return tcp_gro_receive(head, skb, tcp_len);
}

/* IPv4's rules (Linux's inet_gro_receive): a 20-byte header (no
 * options), not a fragment, a good header checksum, TCP; held packets of
 * other addresses are another flow; one whose TTL, TOS or DF differs
 * must not be joined; a total length short of what arrived (link
 * padding) sends the packet up alone. */
static struct sk_buff *inet_gro_receive(struct sk_buff_head *head, struct sk_buff *skb)
{
	struct napi_gro_cb *cb = NAPI_GRO_CB(skb);
	const uint8_t *iph = skb->data;
	uint16_t tot_len, frag_off, id;
	struct sk_buff *p;

	if (skb->len < IPV4_HLEN_MIN || iph[0] != 0x45)
		goto out;
	tot_len = get_be16(iph + 2);
	frag_off = get_be16(iph + 6);
	if (tot_len < IPV4_HLEN_MIN || tot_len > skb->len || (frag_off & (IP_MF | IP_OFFSET)) ||
	    iph[9] != IPPROTO_TCP_ || csum_fold(csum_partial(iph, IPV4_HLEN_MIN, 0)) != 0)
		goto out;
	id = get_be16(iph + 4);
	skb_queue_walk(head, p) {
		const uint8_t *piph = p->data;
		struct napi_gro_cb *pcb = NAPI_GRO_CB(p);

		if (!pcb->same_flow)
			continue;
		if (piph[9] != iph[9] || memcmp(piph + 12, iph + 12, 8) != 0) {
			pcb->same_flow = 0;
			continue;
		}
		pcb->flush |= piph[8] != iph[8] || piph[1] != iph[1] ||
			      ((get_be16(piph + 6) ^ frag_off) & IP_DF);
		pcb->flush_id = (uint16_t)(pcb->first_id + pcb->count) ^ id;
		pcb->id_same = pcb->first_id == id;
	}
	cb->flush |= tot_len != skb->len;
	cb->first_id = id;
	cb->is_atomic = (frag_off & IP_DF) != 0;
	cb->thoff = IPV4_HLEN_MIN;
	skb_reset_network_header(skb);
	skb->transport_header = (uint16_t)(skb->network_header + IPV4_HLEN_MIN);
	return tcp4_gro_receive(head, skb, (uint32_t)tot_len - IPV4_HLEN_MIN);
out:
	cb->flush = 1;
	return NULL;
}

/* A merged IPv4 packet's header: its total length and checksum (Linux's
 * inet_gro_complete, then tcp4_gro_complete). The id is the first's. */
static int inet_gro_complete(struct sk_buff *skb)
{
	uint8_t *iph = skb->data;

	if (skb->len > GRO_MAX_SIZE || skb->len < IPV4_HLEN_MIN)
		return -EINVAL;
	put_be16(iph + 2, (uint16_t)skb->len);
	ip_send_check(iph, IPV4_HLEN_MIN);
	tcp_gro_complete(skb, SKB_GSO_TCPV4);
	return 0;
}

const struct packet_offload ip_packet_offload = {
	.type = ETH_P_IP,
	.gso_segment = inet_gso_segment,
	.gro_receive = inet_gro_receive,
	.gro_complete = inet_gro_complete,
};
