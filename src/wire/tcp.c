/* TCP header (RFC 9293 section 3.1):
 *
 *   0-1 source port  2-3 destination port  4-7 sequence  8-11 acknowledgment
 *   12 data offset(4 bits) | reserved(4)  13 flags CWR ECE URG ACK PSH RST SYN
 *   FIN  14-15 window  16-17 checksum  18-19 urgent pointer  20.. options
 *
 * The options are parsed and built in tcp_options.c.
 */
#include "net/wire.h"

#include <string.h>

enum wire_err wire_tcp_parse(const uint8_t *buf, size_t len, struct wire_tcp *out)
{
	size_t hdr_len;

	if (len < TCP_HLEN_MIN)
		return WIRE_ETRUNC;
	/* RFC 9293 section 3.1 "Data Offset": header length in 32-bit words,
	 * at least 5; section 3.10.7.1 drops a segment whose header does not
	 * fit. */
	hdr_len = (size_t)(buf[12] >> 4) * 4;
	if (hdr_len < TCP_HLEN_MIN || hdr_len > len)
		return WIRE_EHDRLEN;
	out->sport = get_be16(buf);
	out->dport = get_be16(buf + 2);
	out->seq = get_be32(buf + 4);
	out->ack_seq = get_be32(buf + 8);
	out->hdr_len = (uint8_t)hdr_len;
	/* The four low bits of byte 12 are reserved (RFC 9293) and ignored
	 * on receipt; byte 13 is exactly the eight TCPHDR_* flags. */
	out->flags = buf[13];
	out->window = get_be16(buf + 14);
	out->check = get_be16(buf + 16);
	out->urg_ptr = get_be16(buf + 18);
	out->opts = buf + TCP_HLEN_MIN;
	out->opts_len = hdr_len - TCP_HLEN_MIN;
	out->payload = buf + hdr_len;
	out->payload_len = len - hdr_len;
	return WIRE_OK;
}

/* tcp->hdr_len is ignored: the data offset follows from opts_len. Returns 0
 * and writes nothing when opts_len is not a multiple of 4 or exceeds the 40
 * bytes a 4-bit data offset can describe; that is a caller bug (the options
 * come from wire_tcp_emit_options, which pads to 4), reported by a length no
 * segment can have rather than by a header with a wrong offset. */
size_t wire_tcp_emit(uint8_t *buf, const struct wire_tcp *tcp)
{
	size_t hdr_len = TCP_HLEN_MIN + tcp->opts_len;

	if (tcp->opts_len % 4 != 0 || hdr_len > TCP_HLEN_MAX)
		return 0;
	put_be16(buf, tcp->sport);
	put_be16(buf + 2, tcp->dport);
	put_be32(buf + 4, tcp->seq);
	put_be32(buf + 8, tcp->ack_seq);
	buf[12] = (uint8_t)(hdr_len / 4 << 4); /* reserved bits sent as zero */
	buf[13] = tcp->flags;
	put_be16(buf + 14, tcp->window);
	put_be16(buf + 16, tcp->check);
	put_be16(buf + 18, tcp->urg_ptr);
	if (tcp->opts_len)
		memcpy(buf + TCP_HLEN_MIN, tcp->opts, tcp->opts_len);
	return hdr_len;
}
