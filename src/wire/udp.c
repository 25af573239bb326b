/* UDP (RFC 768): sport(2) dport(2) length(2) checksum(2), then data. */
#include "net/wire.h"

#include "net/compiler.h"

enum wire_err wire_udp_parse(const uint8_t *buf, size_t len, struct wire_udp *out)
{
	uint16_t ulen;

	if (len < UDP_HLEN)
		return WIRE_ETRUNC;
	/* RFC 768: "Length is the length in octets of this user datagram
	 * including this header and the data", so at least 8. Bytes past it
	 * (IP payload longer than the datagram) are not part of it; a length
	 * past the buffer means the datagram was cut. */
	ulen = get_be16(buf + 4);
	if (ulen < UDP_HLEN || ulen > len)
		return WIRE_ETOTLEN;
	out->sport = get_be16(buf);
	out->dport = get_be16(buf + 2);
	out->len = ulen;
	out->check = get_be16(buf + 6);
	out->payload = buf + UDP_HLEN;
	out->payload_len = (size_t)ulen - UDP_HLEN;
	return WIRE_OK;
}

size_t wire_udp_emit(uint8_t *buf, uint16_t sport, uint16_t dport, size_t payload_len,
		     uint32_t saddr_be, uint32_t daddr_be)
{
	uint16_t check = 0;

	/* The length field is 16 bits; a larger datagram is a caller bug. */
	BUG_ON(payload_len > 0xffff - UDP_HLEN);
	put_be16(buf, sport);
	put_be16(buf + 2, dport);
	put_be16(buf + 4, (uint16_t)(UDP_HLEN + payload_len));
	put_be16(buf + 6, 0);
	/* Without both addresses the pseudo-header is unknown and the
	 * datagram goes without a checksum (0, allowed over IPv4 by RFC 768).
	 * A computed 0 is sent as all ones, its ones'-complement twin, so it
	 * is not mistaken for "no checksum" (RFC 768, "Checksum"). */
	if (saddr_be != 0 && daddr_be != 0) {
		check = csum_tcpudp(saddr_be, daddr_be, IPPROTO_UDP_, buf, UDP_HLEN + payload_len);
		if (check == 0)
			check = 0xffff;
	}
	put_be16(buf + 6, check);
	return UDP_HLEN;
}
