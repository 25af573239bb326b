/* IPv4 header (RFC 791 section 3.1).
 *
 *   0      ver/ihl  1 tos  2-3 total length  4-5 id  6-7 flags/fragment offset
 *   8      ttl      9 protocol  10-11 header checksum  12-15 source
 *   16-19  destination  20.. options (ihl*4 - 20 bytes)
 */
#include "net/wire.h"

#include <string.h>

#define IPOPT_EOL_ 0 /* RFC 791 "End of Option List" */
#define IPOPT_NOP_ 1 /* RFC 791 "No Operation" */

/* RFC 791 section 3.1 "Options": type 0 and 1 are single octets; every other
 * option is type, length (counting type and length, so >= 2), data. An
 * option that runs past the header would make whoever interprets it read
 * the payload as options (or past the buffer), so it is rejected here even
 * though the options themselves are skipped. */
static enum wire_err ipv4_check_options(const uint8_t *opt, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t kind = opt[i];
		uint8_t olen;

		if (kind == IPOPT_EOL_)
			break; /* the rest is padding, content irrelevant */
		if (kind == IPOPT_NOP_) {
			i++;
			continue;
		}
		if (len - i < 2)
			return WIRE_EOPTLEN; /* no room for the length byte */
		olen = opt[i + 1];
		if (olen < 2 || olen > len - i)
			return WIRE_EOPTLEN;
		i += olen;
	}
	return WIRE_OK;
}

enum wire_err wire_ipv4_parse(const uint8_t *buf, size_t len, bool verify_csum,
			      struct wire_ipv4 *out)
{
	size_t hdr_len, tot_len, payload_len, frag_end;
	enum wire_err err;

	if (len < IPV4_HLEN_MIN)
		return WIRE_ETRUNC;
	if (buf[0] >> 4 != 4)
		return WIRE_EVERSION;
	/* RFC 791: IHL is in 32-bit words, minimum 5. */
	hdr_len = (size_t)(buf[0] & 0x0f) * 4;
	if (hdr_len < IPV4_HLEN_MIN || hdr_len > len)
		return WIRE_EHDRLEN;
	/* Total length covers header and data. Bytes past it are link-layer
	 * padding (an Ethernet frame is at least ETH_ZLEN, RFC 894), so a
	 * longer buffer is fine; a shorter one means the datagram was cut. */
	tot_len = get_be16(buf + 2);
	if (tot_len < hdr_len || tot_len > len)
		return WIRE_ETOTLEN;
	err = ipv4_check_options(buf + IPV4_HLEN_MIN, hdr_len - IPV4_HLEN_MIN);
	if (err != WIRE_OK)
		return err;
	/* RFC 791 "Header Checksum" / RFC 1071: the header, checksum field
	 * included, sums to all ones. */
	if (verify_csum && csum_fold(csum_partial(buf, hdr_len, 0)) != 0)
		return WIRE_ECSUM;
	/* A fragment whose end lies past the largest datagram could never be
	 * reassembled and is the classic overlapping-reassembly attack
	 * ("ping of death"); RFC 791 bounds a datagram at 65535 octets. */
	payload_len = tot_len - hdr_len;
	frag_end = (size_t)(get_be16(buf + 6) & IP_OFFMASK) * 8 + payload_len;
	if (frag_end > IP_MAXPACKET)
		return WIRE_EFRAG;

	out->hdr_len = (uint8_t)hdr_len;
	out->tos = buf[1];
	out->tot_len = (uint16_t)tot_len;
	out->id = get_be16(buf + 4);
	out->frag_off = get_be16(buf + 6);
	out->ttl = buf[8];
	out->protocol = buf[9];
	out->check = get_be16(buf + 10);
	memcpy(&out->saddr, buf + 12, 4); /* stays in network byte order */
	memcpy(&out->daddr, buf + 16, 4);
	out->opts = buf + IPV4_HLEN_MIN;
	out->opts_len = hdr_len - IPV4_HLEN_MIN;
	out->payload = buf + hdr_len;
	out->payload_len = payload_len;
	return WIRE_OK;
}

size_t wire_ipv4_emit(uint8_t *buf, const struct wire_ipv4 *ip)
{
	buf[0] = 4 << 4 | IPV4_HLEN_MIN / 4; /* version 4, IHL 5 */
	buf[1] = ip->tos;
	put_be16(buf + 2, ip->tot_len);
	put_be16(buf + 4, ip->id);
	put_be16(buf + 6, ip->frag_off);
	buf[8] = ip->ttl;
	buf[9] = ip->protocol;
	put_be16(buf + 10, 0); /* RFC 791: zero while computing */
	memcpy(buf + 12, &ip->saddr, 4);
	memcpy(buf + 16, &ip->daddr, 4);
	put_be16(buf + 10, csum_fold(csum_partial(buf, IPV4_HLEN_MIN, 0)));
	return IPV4_HLEN_MIN;
}
