/* UDP headers (RFC 768) and their pseudo-header checksum. */
#include "test.h"
#include "testwire.h"

#include <stdlib.h>

#include "net/wire.h"

static enum wire_err parse_exact(const uint8_t *src, size_t len, struct wire_udp *out)
{
	uint8_t *block, *p = exact_copy(src, len, &block);
	enum wire_err err = wire_udp_parse(p, len, out);

	free(block);
	return err;
}

TEST(udp_emit_gives_the_known_checksum_0x14de)
{
	/* The classic worked example: 152.1.51.27:41103 -> 152.14.94.75:9876
	 * carrying "bb". */
	static const uint8_t want[10] = {0xa0, 0x8f, 0x26, 0x94, 0x00,
					 0x0a, 0x14, 0xde, 0x62, 0x62};
	uint8_t d[10];

	d[8] = 'b';
	d[9] = 'b';
	CHECK_EQ(wire_udp_emit(d, 0xa08f, 0x2694, 2, ip4_bytes(152, 1, 51, 27),
			       ip4_bytes(152, 14, 94, 75)),
		 UDP_HLEN);
	CHECK_MEM_EQ(d, want, sizeof(want));
}

TEST(udp_emit_then_parse_gives_back_the_same_fields_and_a_checksum_that_verifies)
{
	enum { PLEN = 101 };
	uint32_t s = ip4_bytes(192, 0, 2, 1), dst = ip4_bytes(198, 51, 100, 7);
	uint8_t d[UDP_HLEN + PLEN];
	struct wire_udp u;

	for (size_t i = 0; i < PLEN; i++)
		d[UDP_HLEN + i] = (uint8_t)(i * 3);
	CHECK_EQ(wire_udp_emit(d, 5353, 53, PLEN, s, dst), UDP_HLEN);
	CHECK_EQ(parse_exact(d, sizeof(d), &u), WIRE_OK);
	CHECK_EQ(wire_udp_parse(d, sizeof(d), &u), WIRE_OK);
	CHECK_EQ(u.sport, 5353);
	CHECK_EQ(u.dport, 53);
	CHECK_EQ(u.len, sizeof(d));
	CHECK(u.check != 0);
	CHECK(u.payload == d + UDP_HLEN);
	CHECK_EQ(u.payload_len, PLEN);
	/* What a receiver does (RFC 768): the datagram with its checksum sums
	 * to all ones under the pseudo-header. */
	CHECK_EQ(csum_tcpudp(s, dst, IPPROTO_UDP_, d, sizeof(d)), 0);
	/* Delivered to the wrong address, it does not. */
	CHECK(csum_tcpudp(s, ip4_bytes(198, 51, 100, 8), IPPROTO_UDP_, d, sizeof(d)) != 0);
}

TEST(udp_emit_without_addresses_sends_no_checksum)
{
	uint8_t d[UDP_HLEN + 4] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};

	wire_udp_emit(d, 1, 2, 4, 0, 0);
	CHECK_EQ(get_be16(d + 6), 0);
	wire_udp_emit(d, 1, 2, 4, ip4_bytes(10, 0, 0, 1), 0);
	CHECK_EQ(get_be16(d + 6), 0);
	wire_udp_emit(d, 1, 2, 4, 0, ip4_bytes(10, 0, 0, 1));
	CHECK_EQ(get_be16(d + 6), 0);
}

TEST(udp_emit_sends_a_computed_zero_checksum_as_all_ones)
{
	uint32_t s = ip4_bytes(10, 0, 0, 1), dst = ip4_bytes(10, 0, 0, 2);
	uint8_t d[UDP_HLEN + 2] = {0};
	uint16_t c;

	/* With a zero last word the checksum is c; making the last word c
	 * brings the ones'-complement sum to 0xffff and the checksum to 0. */
	wire_udp_emit(d, 7, 9, 2, s, dst);
	c = get_be16(d + 6);
	put_be16(d + UDP_HLEN, c);
	wire_udp_emit(d, 7, 9, 2, s, dst);
	CHECK_EQ(get_be16(d + 6), 0xffff);
	/* And 0xffff verifies at the receiver. */
	CHECK_EQ(csum_tcpudp(s, dst, IPPROTO_UDP_, d, sizeof(d)), 0);
}

struct udp_bad {
	const char *name;
	uint8_t b[24];
	size_t len;
	enum wire_err want;
};

TEST(udp_parse_rejects_each_malformed_datagram_in_the_table)
{
	static const struct udp_bad table[] = {
		{"empty buffer", {0}, 0, WIRE_ETRUNC},
		{"ports only", {0, 53, 0, 53}, 4, WIRE_ETRUNC},
		{"seven bytes", {0, 53, 0, 53, 0, 8, 0}, 7, WIRE_ETRUNC},
		{"length 0", {0, 53, 0, 53, 0, 0, 0, 0}, 8, WIRE_ETOTLEN},
		{"length 7, inside the header", {0, 53, 0, 53, 0, 7, 0, 0}, 8, WIRE_ETOTLEN},
		{"length one past the buffer", {0, 53, 0, 53, 0, 9, 0, 0}, 8, WIRE_ETOTLEN},
		{"length 24 in 23 bytes", {0, 53, 0, 53, 0, 24, 0, 0}, 23, WIRE_ETOTLEN},
		{"length 65535 in 24 bytes", {0, 53, 0, 53, 0xff, 0xff, 0, 0}, 24, WIRE_ETOTLEN},
	};
	struct wire_udp u;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct udp_bad *t = &table[i];
		enum wire_err got = parse_exact(t->b, t->len, &u);

		if (got != t->want)
			test_fail(__FILE__, __LINE__, "%s: got %s, want %s", t->name,
				  wire_strerror(got), wire_strerror(t->want));
	}
}

TEST(udp_parse_rejects_every_length_shorter_than_8)
{
	static const uint8_t d[UDP_HLEN] = {0, 53, 0, 53, 0, 8, 0, 0};
	struct wire_udp u;

	for (size_t len = 0; len < UDP_HLEN; len++)
		CHECK_EQ(parse_exact(d, len, &u), WIRE_ETRUNC);
	CHECK_EQ(parse_exact(d, UDP_HLEN, &u), WIRE_OK);
	CHECK_EQ(u.payload_len, 0);
}

TEST(udp_parse_trims_a_datagram_shorter_than_its_buffer)
{
	/* IP payload of 20 bytes holding a 10-byte datagram. */
	uint8_t d[20] = {0x12, 0x34, 0x56, 0x78, 0, 10, 0, 0, 'h', 'i'};
	struct wire_udp u;

	memset(d + 10, 0xee, 10);
	CHECK_EQ(wire_udp_parse(d, sizeof(d), &u), WIRE_OK);
	CHECK_EQ(u.len, 10);
	CHECK_EQ(u.payload_len, 2);
	CHECK_EQ(u.sport, 0x1234);
	CHECK_EQ(u.dport, 0x5678);
}

TEST(udp_parse_of_every_prefix_stays_inside_the_buffer)
{
	enum { PLEN = 23 };
	uint8_t d[UDP_HLEN + PLEN];
	struct wire_udp u;

	memset(d + UDP_HLEN, 'x', PLEN);
	wire_udp_emit(d, 1000, 2000, PLEN, ip4_bytes(10, 0, 0, 1), ip4_bytes(10, 0, 0, 2));
	for (size_t len = 0; len <= sizeof(d); len++)
		CHECK_EQ(parse_exact(d, len, &u), len < UDP_HLEN    ? WIRE_ETRUNC
						  : len < sizeof(d) ? WIRE_ETOTLEN
								    : WIRE_OK);
}

TEST(udp_parse_does_not_modify_its_input)
{
	uint8_t d[UDP_HLEN + 16], copy[UDP_HLEN + 16];
	struct wire_udp u;

	memset(d + UDP_HLEN, 0x5a, 16);
	wire_udp_emit(d, 1, 2, 16, ip4_bytes(10, 0, 0, 1), ip4_bytes(10, 0, 0, 2));
	memcpy(copy, d, sizeof(copy));
	CHECK_EQ(wire_udp_parse(d, sizeof(d), &u), WIRE_OK);
	CHECK_MEM_EQ(d, copy, sizeof(d));
}
