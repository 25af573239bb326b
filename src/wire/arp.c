/* ARP for IPv4 over Ethernet (RFC 826). Only the hardware/protocol pair
 * usertcp speaks is accepted; the packet layout is then fixed at 28 bytes:
 *   htype(2) ptype(2) hlen(1) plen(1) op(2) sha(6) spa(4) tha(6) tpa(4)
 */
#include "net/wire.h"

#include <string.h>

#define ARPHRD_ETHER_ 1 /* RFC 826 ar$hrd for Ethernet (IANA hardware type 1) */

enum wire_err wire_arp_parse(const uint8_t *buf, size_t len, struct wire_arp *out)
{
	if (len < ARP_HLEN)
		return WIRE_ETRUNC;
	/* RFC 826 "Packet Reception": a receiver first checks it speaks
	 * ar$hrd and ar$pro; the lengths must then match for the fixed
	 * offsets below to be right. */
	if (get_be16(buf) != ARPHRD_ETHER_ || get_be16(buf + 2) != ETH_P_IP || buf[4] != ETH_ALEN ||
	    buf[5] != 4)
		return WIRE_EHWTYPE;
	/* The opcode is not checked: unknown opcodes are the caller's to
	 * drop (RFC 5494 assigns many). */
	out->op = get_be16(buf + 6);
	memcpy(out->sha, buf + 8, ETH_ALEN);
	memcpy(&out->sip, buf + 14, 4); /* stays in network byte order */
	memcpy(out->tha, buf + 18, ETH_ALEN);
	memcpy(&out->tip, buf + 24, 4);
	return WIRE_OK;
}

size_t wire_arp_emit(uint8_t *buf, const struct wire_arp *arp)
{
	put_be16(buf, ARPHRD_ETHER_);
	put_be16(buf + 2, ETH_P_IP);
	buf[4] = ETH_ALEN;
	buf[5] = 4;
	put_be16(buf + 6, arp->op);
	memcpy(buf + 8, arp->sha, ETH_ALEN);
	memcpy(buf + 14, &arp->sip, 4);
	memcpy(buf + 18, arp->tha, ETH_ALEN);
	memcpy(buf + 24, &arp->tip, 4);
	return ARP_HLEN;
}
