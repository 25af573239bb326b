/* IPv6 header and extension headers (RFC 8200 sections 3 and 4).
 *
 *   0      version(4) traffic class(8) flow label(20)
 *   4-5    payload length  6 next header  7 hop limit
 *   8-23   source  24-39 destination
 *
 * Extension headers chain through their first byte (Next Header). Every
 * one but the fragment header carries its own length in its second byte:
 * in 8-byte units not counting the first 8 (hop-by-hop, routing,
 * destination options), or in 4-byte units not counting the first 8
 * (authentication, RFC 4302 2.2).
 */
#include "net/wire.h"

#include <string.h>

enum wire_err wire_ipv6_parse(const uint8_t *buf, size_t len, struct wire_ipv6 *out)
{
	size_t payload_len;

	if (len < IPV6_HLEN)
		return WIRE_ETRUNC;
	if (buf[0] >> 4 != 6)
		return WIRE_EVERSION;
	/* The payload length counts everything after the fixed header,
	 * extension headers included (RFC 8200 3). A shorter buffer means
	 * the packet was cut; a longer one carries link padding. */
	payload_len = get_be16(buf + 4);
	if (payload_len > len - IPV6_HLEN)
		return WIRE_ETOTLEN;
	out->tclass = (uint8_t)(get_be16(buf) >> 4);
	out->flow_label = get_be32(buf) & 0xfffff;
	out->payload_len = (uint16_t)payload_len;
	out->nexthdr = buf[6];
	out->hop_limit = buf[7];
	memcpy(&out->saddr, buf + 8, 16);
	memcpy(&out->daddr, buf + 24, 16);
	out->payload = buf + IPV6_HLEN;
	return WIRE_OK;
}

size_t wire_ipv6_emit(uint8_t *buf, const struct wire_ipv6 *ip)
{
	put_be32(buf, 6u << 28 | (uint32_t)ip->tclass << 20 | (ip->flow_label & 0xfffff));
	put_be16(buf + 4, ip->payload_len);
	buf[6] = ip->nexthdr;
	buf[7] = ip->hop_limit;
	memcpy(buf + 8, &ip->saddr, 16);
	memcpy(buf + 24, &ip->daddr, 16);
	return IPV6_HLEN;
}

bool wire_ipv6_ext_hdr(uint8_t nexthdr)
{
	return nexthdr == NEXTHDR_HOP || nexthdr == NEXTHDR_ROUTING ||
	       nexthdr == NEXTHDR_FRAGMENT || nexthdr == NEXTHDR_AUTH || nexthdr == NEXTHDR_NONE ||
	       nexthdr == NEXTHDR_DEST;
}

/* RFC 8200 4.2: Pad1 is a lone zero byte; every other option is type,
 * length of its data, data. An option running past its header would make
 * whoever reads it take the next header's bytes as option data. */
static enum wire_err ipv6_check_tlvs(const uint8_t *opt, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (opt[i] == IPV6_TLV_PAD1) {
			i++;
			continue;
		}
		if (len - i < 2 || opt[i + 1] > len - i - 2)
			return WIRE_EOPTLEN;
		i += 2 + (size_t)opt[i + 1];
	}
	return WIRE_OK;
}

enum wire_err wire_ipv6_ext_parse(uint8_t type, const uint8_t *buf, size_t len,
				  struct wire_ipv6_ext *out)
{
	size_t hdr_len;

	switch (type) {
	case NEXTHDR_HOP:
	case NEXTHDR_DEST:
	case NEXTHDR_ROUTING:
		if (len < 2)
			return WIRE_ETRUNC;
		hdr_len = ((size_t)buf[1] + 1) * 8;
		break;
	case NEXTHDR_AUTH:
		if (len < 2)
			return WIRE_ETRUNC;
		hdr_len = ((size_t)buf[1] + 2) * 4;
		break;
	case NEXTHDR_FRAGMENT:
		hdr_len = IPV6_FRAG_HLEN;
		break;
	default:
		return WIRE_ETYPE;
	}
	if (hdr_len > len)
		return len < 8 ? WIRE_ETRUNC : WIRE_EHDRLEN;
	memset(out, 0, sizeof(*out));
	out->type = type;
	out->nexthdr = buf[0];
	out->hdr_len = hdr_len;
	out->data = buf + hdr_len;
	switch (type) {
	case NEXTHDR_HOP:
	case NEXTHDR_DEST:
		out->data = buf + 2;
		out->data_len = hdr_len - 2;
		return ipv6_check_tlvs(out->data, out->data_len);
	case NEXTHDR_ROUTING:
		/* RFC 8200 4.4: routing type, segments left, then data
		 * whose format the routing type defines. */
		out->rt.type = buf[2];
		out->rt.segments_left = buf[3];
		out->data = buf + 4;
		out->data_len = hdr_len - 4;
		return WIRE_OK;
	case NEXTHDR_FRAGMENT:
		/* RFC 8200 4.5: the offset's 13 bits sit above two reserved
		 * bits and M, so masking leaves the offset in bytes. */
		out->frag.offset = get_be16(buf + 2) & IP6_OFFSET;
		out->frag.more = (get_be16(buf + 2) & IP6_MF) != 0;
		out->frag.id = get_be32(buf + 4);
		return WIRE_OK;
	default:
		return WIRE_OK; /* AH: its contents are IPsec's */
	}
}

bool wire_ipv6_tlv_next(const struct wire_ipv6_ext *ext, size_t *off, struct wire_ipv6_tlv *tlv)
{
	size_t i = *off;

	/* Only these two carry options; a routing header's data is not a
	 * TLV list. */
	if ((ext->type != NEXTHDR_HOP && ext->type != NEXTHDR_DEST) || i >= ext->data_len)
		return false;
	tlv->type = ext->data[i];
	if (tlv->type == IPV6_TLV_PAD1) {
		tlv->len = 0;
		tlv->data = NULL;
		*off = i + 1;
		return true;
	}
	/* The list was checked whole by wire_ipv6_ext_parse. */
	tlv->len = ext->data[i + 1];
	tlv->data = ext->data + i + 2;
	*off = i + 2 + tlv->len;
	return true;
}

size_t wire_ipv6_frag_emit(uint8_t *buf, uint8_t nexthdr, uint16_t offset, bool more, uint32_t id)
{
	buf[0] = nexthdr;
	buf[1] = 0;
	put_be16(buf + 2, (uint16_t)((offset & IP6_OFFSET) | (more ? IP6_MF : 0)));
	put_be32(buf + 4, id);
	return IPV6_FRAG_HLEN;
}
