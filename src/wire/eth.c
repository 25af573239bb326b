/* Ethernet II framing (IEEE 802.3 clause 3.2.6 type field, RFC 894 for IP
 * over Ethernet). The FCS is the NIC's business and never seen here. */
#include "net/wire.h"

#include <string.h>

enum wire_err wire_eth_parse(const uint8_t *buf, size_t len, struct wire_eth *out)
{
	if (len < ETH_HLEN)
		return WIRE_ETRUNC;
	memcpy(out->dst, buf, ETH_ALEN);
	memcpy(out->src, buf + ETH_ALEN, ETH_ALEN);
	/* The type field is not checked here: values below 0x0600 are 802.3
	 * lengths, and what to do with any type is the demultiplexer's
	 * policy, not a framing error. */
	out->proto = get_be16(buf + 2 * ETH_ALEN);
	out->payload = buf + ETH_HLEN;
	/* Includes any padding to ETH_ZLEN (RFC 894): the network layer
	 * trims it with its own length field. */
	out->payload_len = len - ETH_HLEN;
	return WIRE_OK;
}

size_t wire_eth_emit(uint8_t *buf, const uint8_t dst[ETH_ALEN], const uint8_t src[ETH_ALEN],
		     uint16_t proto)
{
	memcpy(buf, dst, ETH_ALEN);
	memcpy(buf + ETH_ALEN, src, ETH_ALEN);
	put_be16(buf + 2 * ETH_ALEN, proto);
	return ETH_HLEN;
}
