/* The virtio-net header in front of each frame on a TAP or TUN descriptor
 * opened with IFF_VNET_HDR (virtio 1.x section 5.1.6). The kernel is the
 * writer of what is parsed here, but a header is still input: each
 * length is checked against the frame it describes before anyone
 * relies on it, since the driver reads and writes at those offsets. */
#include "net/wire.h"

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

enum wire_err wire_virtio_net_hdr_parse(const uint8_t *buf, size_t len, size_t frame_len,
					struct wire_virtio_net_hdr *out)
{
	struct wire_virtio_net_hdr h;
	uint8_t type;

	if (len < WIRE_VNET_HLEN)
		return WIRE_ETRUNC;
	h.flags = buf[0];
	h.gso_type = buf[1];
	h.hdr_len = get_le16(buf + 2);
	h.gso_size = get_le16(buf + 4);
	h.csum_start = get_le16(buf + 6);
	h.csum_offset = get_le16(buf + 8);
	/* RSC_INFO is a device-to-guest flag of virtio hardware; tun never
	 * sets it, nor anything unnamed. */
	if (h.flags & ~(VNET_HDR_F_NEEDS_CSUM | VNET_HDR_F_DATA_VALID))
		return WIRE_EFLAGS;
	type = h.gso_type & (uint8_t)~VNET_HDR_GSO_ECN;
	if (type != VNET_HDR_GSO_NONE && type != VNET_HDR_GSO_TCPV4 && type != VNET_HDR_GSO_TCPV6)
		return WIRE_ETYPE;
	if (type == VNET_HDR_GSO_NONE && (h.gso_type & VNET_HDR_GSO_ECN))
		return WIRE_ETYPE;
	if (type != VNET_HDR_GSO_NONE && h.gso_size == 0)
		return WIRE_EOPTVAL;
	if (h.hdr_len > frame_len)
		return WIRE_EHDRLEN;
	if (h.flags & VNET_HDR_F_NEEDS_CSUM) {
		/* A partial checksum is UDP's (offset 6) or TCP's (16); an
		 * offset that could not be either would have the receiver
		 * write into an arbitrary header. */
		if (h.csum_offset != 6 && h.csum_offset != 16)
			return WIRE_EOPTVAL;
		if ((size_t)h.csum_start + h.csum_offset + 2 > frame_len)
			return WIRE_EHDRLEN;
	}
	*out = h;
	return WIRE_OK;
}

size_t wire_virtio_net_hdr_emit(uint8_t *buf, const struct wire_virtio_net_hdr *h)
{
	buf[0] = h->flags;
	buf[1] = h->gso_type;
	put_le16(buf + 2, h->hdr_len);
	put_le16(buf + 4, h->gso_size);
	put_le16(buf + 6, h->csum_start);
	put_le16(buf + 8, h->csum_offset);
	return WIRE_VNET_HLEN;
}
