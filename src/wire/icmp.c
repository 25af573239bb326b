/* ICMPv4 (RFC 792): type(1) code(1) checksum(2) rest-of-header(4), then
 * data. The checksum covers the whole ICMP message (RFC 792, "Checksum"). */
#include "net/wire.h"

enum wire_err wire_icmp_parse(const uint8_t *buf, size_t len, bool verify_csum,
			      struct wire_icmp *out)
{
	if (len < ICMP_HLEN)
		return WIRE_ETRUNC;
	/* len is the IP payload length, so the sum covers exactly the
	 * message; an odd length is padded per RFC 1071 inside csum_partial. */
	if (verify_csum && csum_fold(csum_partial(buf, len, 0)) != 0)
		return WIRE_ECSUM;
	out->type = buf[0];
	out->code = buf[1];
	out->check = get_be16(buf + 2);
	/* Echo: identifier then sequence (RFC 792 "Echo or Echo Reply");
	 * Destination Unreachable code 4: unused(2), next-hop MTU(2)
	 * (RFC 1191 section 4). One big-endian word serves both. */
	out->rest = get_be32(buf + 4);
	out->payload = buf + ICMP_HLEN;
	out->payload_len = len - ICMP_HLEN;
	return WIRE_OK;
}

size_t wire_icmp_emit(uint8_t *buf, uint8_t type, uint8_t code, uint32_t rest, size_t payload_len)
{
	buf[0] = type;
	buf[1] = code;
	put_be16(buf + 2, 0); /* RFC 792: zero while computing */
	put_be32(buf + 4, rest);
	put_be16(buf + 2, csum_fold(csum_partial(buf, ICMP_HLEN + payload_len, 0)));
	return ICMP_HLEN;
}
