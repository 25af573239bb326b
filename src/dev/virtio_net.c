/* sk_buffs to and from virtio-net headers (net/virtio_net.h). The facts
 * follow Linux's partial checksum convention: a checksum left to the
 * other side holds, in its field, the pseudo-header sum without the
 * final complement, and csum_start/csum_offset say where the summed
 * range begins and where the result goes. For a GSO frame the seed's
 * length is the whole buffer's transport length: the segmenting side
 * adjusts it per segment. */
#include <errno.h>
#include <string.h>

#include "net/netdevice.h"
#include "net/virtio_net.h"

/* Where the IP and transport headers of a frame lie, read from the
 * frame itself (a forwarded buffer's header offsets are the receiving
 * side's): every offset checked against len. */
struct l4_loc {
	uint32_t nh, th; /* offsets of the IP and transport headers */
	uint32_t l4len;	 /* transport bytes, by the IP length field */
	uint8_t proto;
	bool v6;
};

static int l4_locate(const struct net_device *dev, const uint8_t *d, uint32_t len, struct l4_loc *o)
{
	uint32_t nh = dev->hard_header_len, ihl, tot;
	unsigned ver;

	if (len < nh + 1)
		return -EINVAL;
	ver = d[nh] >> 4;
	if (dev->type == UT_DEV_ETHER && get_be16(d + 12) != (ver == 4	 ? ETH_P_IP
							      : ver == 6 ? ETH_P_IPV6
									 : 0))
		return -EINVAL;
	o->nh = nh;
	if (ver == 4) {
		if (len < nh + IPV4_HLEN_MIN)
			return -EINVAL;
		ihl = (uint32_t)(d[nh] & 0xf) * 4;
		tot = get_be16(d + nh + 2);
		/* A fragment holds no whole transport message to sum. */
		if (ihl < IPV4_HLEN_MIN || tot < ihl || nh + tot > len ||
		    (get_be16(d + nh + 6) & 0x3fff))
			return -EINVAL;
		o->th = nh + ihl;
		o->l4len = tot - ihl;
		o->proto = d[nh + 9];
		o->v6 = false;
		return 0;
	}
	if (ver == 6) {
		/* Transport directly behind the fixed header: what usertcp
		 * and the kernel's TCP send; a frame with extension headers
		 * goes without offloads. */
		if (len < nh + IPV6_HLEN || nh + IPV6_HLEN + get_be16(d + nh + 4) > len)
			return -EINVAL;
		o->th = nh + IPV6_HLEN;
		o->l4len = get_be16(d + nh + 4);
		o->proto = d[nh + 6];
		o->v6 = true;
		return 0;
	}
	return -EINVAL;
}

/* The pseudo-header's running sum for the transport message at o. */
static uint32_t pseudo_sum(const uint8_t *d, const struct l4_loc *o)
{
	if (o->v6) {
		struct in6_addr s, t;
		memcpy(&s, d + o->nh + 8, 16);
		memcpy(&t, d + o->nh + 24, 16);
		return csum_ipv6_magic_nofold(&s, &t, o->l4len, o->proto, 0);
	}
	uint32_t s, t;
	memcpy(&s, d + o->nh + 12, 4);
	memcpy(&t, d + o->nh + 16, 4);
	return csum_tcpudp_nofold(s, t, (uint16_t)o->l4len, o->proto, 0);
}

/* The checksum field's offset inside the transport header, or 0. */
static uint32_t csum_field(uint8_t proto)
{
	return proto == IPPROTO_TCP_ ? 16 : proto == IPPROTO_UDP_ ? 6 : 0;
}

int virtio_net_hdr_to_skb(const struct net_device *dev, struct sk_buff *skb,
			  const struct wire_virtio_net_hdr *h, bool trust)
{
	uint8_t type = h->gso_type & (uint8_t)~VNET_HDR_GSO_ECN;
	struct l4_loc o;

	skb->ip_summed = CHECKSUM_NONE;
	if (type != VNET_HDR_GSO_NONE) {
		uint32_t doff, payload;

		if (l4_locate(dev, skb->data, skb->len, &o) || o.proto != IPPROTO_TCP_ ||
		    o.v6 != (type == VNET_HDR_GSO_TCPV6) || o.l4len < TCP_HLEN_MIN)
			return -EINVAL;
		doff = (uint32_t)(skb->data[o.th + 12] >> 4) * 4;
		if (doff < TCP_HLEN_MIN || doff >= o.l4len)
			return -EINVAL;
		payload = o.l4len - doff;
		skb_shinfo(skb)->gso_size = h->gso_size;
		skb_shinfo(skb)->gso_segs = (uint16_t)((payload + h->gso_size - 1) / h->gso_size);
		skb_shinfo(skb)->gso_type = (o.v6 ? SKB_GSO_TCPV6 : SKB_GSO_TCPV4) | SKB_GSO_DODGY |
					    (h->gso_type & VNET_HDR_GSO_ECN ? SKB_GSO_TCP_ECN : 0);
	}
	if (h->flags & VNET_HDR_F_NEEDS_CSUM) {
		if (trust) {
			skb->ip_summed = CHECKSUM_UNNECESSARY;
		} else {
			/* The parser kept csum_start + csum_offset + 2 inside
			 * the frame; the seed in the field is summed with the
			 * rest, so the fold is the whole checksum. */
			uint8_t *f = skb->data + h->csum_start + h->csum_offset;
			uint16_t c = csum_fold(csum_partial(skb->data + h->csum_start,
							    skb->len - h->csum_start, 0));
			if (h->csum_offset == 6 && c == 0)
				c = 0xffff; /* UDP's 0 means none (RFC 768) */
			put_be16(f, c);
		}
	} else if ((h->flags & VNET_HDR_F_DATA_VALID) && trust) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	}
	return 0;
}

int virtio_net_hdr_from_skb(const struct net_device *dev, const struct sk_buff *skb,
			    struct wire_virtio_net_hdr *h, uint16_t *seed)
{
	const struct skb_shared_info *si = skb_shinfo(skb);
	struct l4_loc o;
	uint32_t off;

	memset(h, 0, sizeof(*h));
	if (!skb_is_gso(skb) && skb->ip_summed != CHECKSUM_PARTIAL)
		return 0;
	if (l4_locate(dev, skb->data, skb->len, &o))
		return -EINVAL;
	off = csum_field(o.proto);
	/* the headers, checksum field included, must be in the linear part
	 * (a buffer of lent memory has only its payload elsewhere) */
	if (!off || o.th + off + 2 > skb_headlen(skb) || o.th > 0xffff)
		return -EINVAL;
	if (skb_is_gso(skb)) {
		uint32_t doff;

		if (o.proto != IPPROTO_TCP_ || o.l4len < TCP_HLEN_MIN ||
		    !(si->gso_type & (o.v6 ? SKB_GSO_TCPV6 : SKB_GSO_TCPV4)))
			return -EINVAL;
		doff = (uint32_t)(skb->data[o.th + 12] >> 4) * 4;
		if (doff < TCP_HLEN_MIN || doff > o.l4len)
			return -EINVAL;
		h->gso_type = o.v6 ? VNET_HDR_GSO_TCPV6 : VNET_HDR_GSO_TCPV4;
		/* CWR in a buffer's header is its first segment's alone:
		 * the kernel's segmentation must know to clear it on the
		 * rest (Linux's SKB_GSO_TCP_ECN). */
		if (skb->data[o.th + 13] & TCPHDR_CWR)
			h->gso_type |= VNET_HDR_GSO_ECN;
		h->gso_size = si->gso_size;
		h->hdr_len = (uint16_t)(o.th + doff);
	}
	h->flags = VNET_HDR_F_NEEDS_CSUM;
	h->csum_start = (uint16_t)o.th;
	h->csum_offset = (uint16_t)off;
	*seed = (uint16_t)~csum_fold(pseudo_sum(skb->data, &o));
	return 0;
}

int skb_checksum_help(const struct net_device *dev, struct sk_buff *skb)
{
	struct l4_loc o;
	uint32_t off;
	uint16_t c;

	if (l4_locate(dev, skb->data, skb->len, &o))
		return -EINVAL;
	off = csum_field(o.proto);
	if (!off || o.l4len < off + 2)
		return -EINVAL;
	if (skb_unshare_data(skb))
		return -ENOBUFS;
	put_be16(skb->data + o.th + off, 0);
	c = csum_fold(csum_partial(skb->data + o.th, o.l4len, pseudo_sum(skb->data, &o)));
	if (o.proto == IPPROTO_UDP_ && c == 0)
		c = 0xffff;
	put_be16(skb->data + o.th + off, c);
	skb->ip_summed = CHECKSUM_NONE;
	return 0;
}
