/* The virtio-net header of TAP/TUN descriptors with IFF_VNET_HDR: its
 * little-endian layout, and every malformed header refused with its own
 * error before any of its lengths is used. */
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "testwire.h"

#include "net/wire.h"

static enum wire_err parse_exact(const uint8_t *src, size_t len, size_t frame_len,
				 struct wire_virtio_net_hdr *out)
{
	uint8_t *block, *p = exact_copy(src, len, &block);
	enum wire_err err = wire_virtio_net_hdr_parse(p, len, frame_len, out);

	free(block);
	return err;
}

TEST(the_header_has_the_kernels_size_flags_and_gso_types)
{
	/* The UAPI the kernel reads: the constants must be its. */
	CHECK_EQ(WIRE_VNET_HLEN, sizeof(struct virtio_net_hdr));
	CHECK_EQ(VNET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(VNET_HDR_F_DATA_VALID, VIRTIO_NET_HDR_F_DATA_VALID);
	CHECK_EQ(VNET_HDR_GSO_NONE, VIRTIO_NET_HDR_GSO_NONE);
	CHECK_EQ(VNET_HDR_GSO_TCPV4, VIRTIO_NET_HDR_GSO_TCPV4);
	CHECK_EQ(VNET_HDR_GSO_TCPV6, VIRTIO_NET_HDR_GSO_TCPV6);
	CHECK_EQ(VNET_HDR_GSO_ECN, VIRTIO_NET_HDR_GSO_ECN);
}

TEST(emit_writes_little_endian_fields_in_the_kernels_order)
{
	struct wire_virtio_net_hdr h = {.flags = VNET_HDR_F_NEEDS_CSUM,
					.gso_type = VNET_HDR_GSO_TCPV4,
					.hdr_len = 0x0042,
					.gso_size = 0x05a8,
					.csum_start = 0x0022,
					.csum_offset = 16};
	static const uint8_t want[10] = {0x01, 0x01, 0x42, 0x00, 0xa8,
					 0x05, 0x22, 0x00, 0x10, 0x00};
	uint8_t b[10];
	struct virtio_net_hdr k;

	CHECK_EQ(wire_virtio_net_hdr_emit(b, &h), WIRE_VNET_HLEN);
	CHECK_MEM_EQ(b, want, sizeof(want));
	/* As the struct of <linux/virtio_net.h> reads it on this (little-
	 * endian) host. */
	memcpy(&k, b, sizeof(k));
	CHECK_EQ(k.gso_size, 1448);
	CHECK_EQ(k.csum_start, 34);
}

TEST(parse_gives_back_what_emit_wrote)
{
	struct wire_virtio_net_hdr h = {.flags = VNET_HDR_F_NEEDS_CSUM,
					.gso_type = VNET_HDR_GSO_TCPV6 | VNET_HDR_GSO_ECN,
					.hdr_len = 86,
					.gso_size = 1428,
					.csum_start = 54,
					.csum_offset = 16},
				   g;
	uint8_t b[10];

	wire_virtio_net_hdr_emit(b, &h);
	CHECK_EQ(parse_exact(b, sizeof(b), 65000, &g), WIRE_OK);
	CHECK_EQ(g.flags, h.flags);
	CHECK_EQ(g.gso_type, h.gso_type);
	CHECK_EQ(g.hdr_len, 86);
	CHECK_EQ(g.gso_size, 1428);
	CHECK_EQ(g.csum_start, 54);
	CHECK_EQ(g.csum_offset, 16);
}

TEST(a_header_of_zeros_is_a_plain_frame)
{
	static const uint8_t z[10];
	struct wire_virtio_net_hdr g;

	CHECK_EQ(parse_exact(z, sizeof(z), 60, &g), WIRE_OK);
	CHECK_EQ(g.flags, 0);
	CHECK_EQ(g.gso_type, VNET_HDR_GSO_NONE);
	/* Even before an empty frame: nothing in it is relied on. */
	CHECK_EQ(parse_exact(z, sizeof(z), 0, &g), WIRE_OK);
}

/* One malformed header: its bytes, the frame behind it, the error. */
struct bad {
	const char *what;
	uint8_t b[10];
	size_t len, frame_len;
	enum wire_err err;
};

TEST(every_malformed_header_is_refused_with_its_own_error)
{
	static const struct bad table[] = {
		{"no header at all", {0}, 0, 100, WIRE_ETRUNC},
		{"nine bytes", {0}, 9, 100, WIRE_ETRUNC},
		{"RSC_INFO (never from a TAP)", {0x04}, 10, 100, WIRE_EFLAGS},
		{"an unnamed flag", {0x80}, 10, 100, WIRE_EFLAGS},
		{"GSO UDP (UFO, never granted)", {0, 3, 0, 0, 0x10, 0}, 10, 100, WIRE_ETYPE},
		{"GSO UDP_L4 (USO, never granted)", {0, 5, 0, 0, 0x10, 0}, 10, 100, WIRE_ETYPE},
		{"an unknown GSO type", {0, 0x22, 0, 0, 0x10, 0}, 10, 100, WIRE_ETYPE},
		{"ECN without a TCP type", {0, 0x80}, 10, 100, WIRE_ETYPE},
		{"GSO TCPv4 with gso_size 0",
		 {1, 1, 54, 0, 0, 0, 34, 0, 16, 0},
		 10,
		 3000,
		 WIRE_EOPTVAL},
		{"GSO TCPv6 with gso_size 0",
		 {1, 4, 74, 0, 0, 0, 54, 0, 16, 0},
		 10,
		 3000,
		 WIRE_EOPTVAL},
		{"hdr_len past the frame", {0, 0, 0x65, 0}, 10, 100, WIRE_EHDRLEN},
		{"hdr_len 65535", {0, 0, 0xff, 0xff}, 10, 65534, WIRE_EHDRLEN},
		{"checksum field past the frame",
		 {1, 0, 0, 0, 0, 0, 34, 0, 16, 0},
		 10,
		 51,
		 WIRE_EHDRLEN},
		{"csum_start past the frame",
		 {1, 0, 0, 0, 0, 0, 0xff, 0xff, 16, 0},
		 10,
		 1500,
		 WIRE_EHDRLEN},
		{"csum_offset 0xffff",
		 {1, 0, 0, 0, 0, 0, 34, 0, 0xff, 0xff},
		 10,
		 65535,
		 WIRE_EOPTVAL},
		{"csum_offset of no TCP or UDP field",
		 {1, 0, 0, 0, 0, 0, 34, 0, 2, 0},
		 10,
		 1500,
		 WIRE_EOPTVAL},
	};
	struct wire_virtio_net_hdr g;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		enum wire_err got =
			table[i].len ? parse_exact(table[i].b, table[i].len, table[i].frame_len, &g)
				     : wire_virtio_net_hdr_parse(NULL, 0, 100, &g);
		if (got != table[i].err)
			test_fail(__FILE__, __LINE__, "%s: %s, not %s", table[i].what,
				  wire_strerror(got), wire_strerror(table[i].err));
	}
}

TEST(a_checksum_field_ending_exactly_at_the_frames_end_is_accepted)
{
	/* TCP's checksum at 34 + 16 needs 52 bytes; UDP's at 34 + 6, 42. */
	static const uint8_t tcp[10] = {1, 0, 0, 0, 0, 0, 34, 0, 16, 0};
	static const uint8_t udp[10] = {1, 0, 0, 0, 0, 0, 34, 0, 6, 0};
	struct wire_virtio_net_hdr g;

	CHECK_EQ(parse_exact(tcp, 10, 52, &g), WIRE_OK);
	CHECK_EQ(parse_exact(tcp, 10, 51, &g), WIRE_EHDRLEN);
	CHECK_EQ(parse_exact(udp, 10, 42, &g), WIRE_OK);
	CHECK_EQ(parse_exact(udp, 10, 41, &g), WIRE_EHDRLEN);
}

TEST(a_header_followed_by_more_bytes_reads_only_its_ten)
{
	/* A 12-byte header (num_buffers) is read by its first ten. */
	static const uint8_t b[12] = {2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
	struct wire_virtio_net_hdr g;

	CHECK_EQ(parse_exact(b, sizeof(b), 60, &g), WIRE_OK);
	CHECK_EQ(g.flags, VNET_HDR_F_DATA_VALID);
}
