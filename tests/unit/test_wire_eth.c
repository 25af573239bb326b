/* Ethernet II framing, and the error names every wire test prints. */
#include "test.h"
#include "testwire.h"

#include <stdlib.h>

#include "net/wire.h"

static enum wire_err parse_exact(const uint8_t *src, size_t len, struct wire_eth *out)
{
	uint8_t *block, *p = exact_copy(src, len, &block);
	enum wire_err err = wire_eth_parse(p, len, out);

	free(block);
	return err;
}

static const uint8_t dst_mac[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t src_mac[ETH_ALEN] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};

TEST(eth_emit_then_parse_gives_back_the_same_fields)
{
	uint8_t frame[ETH_ZLEN] = {0};
	struct wire_eth eth;

	CHECK_EQ(wire_eth_emit(frame, dst_mac, src_mac, ETH_P_ARP), ETH_HLEN);
	memset(frame + ETH_HLEN, 0xa5, sizeof(frame) - ETH_HLEN);
	CHECK_EQ(wire_eth_parse(frame, sizeof(frame), &eth), WIRE_OK);
	CHECK_MEM_EQ(eth.dst, dst_mac, ETH_ALEN);
	CHECK_MEM_EQ(eth.src, src_mac, ETH_ALEN);
	CHECK_EQ(eth.proto, ETH_P_ARP);
	CHECK(eth.payload == frame + ETH_HLEN);
	CHECK_EQ(eth.payload_len, ETH_ZLEN - ETH_HLEN);
}

TEST(eth_emit_writes_destination_source_and_big_endian_type)
{
	static const uint8_t want[ETH_HLEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01, 0x08, 0x00,
	};
	uint8_t frame[ETH_HLEN + 2];

	memset(frame, 0xee, sizeof(frame));
	CHECK_EQ(wire_eth_emit(frame, dst_mac, src_mac, ETH_P_IP), ETH_HLEN);
	CHECK_MEM_EQ(frame, want, ETH_HLEN);
	CHECK_EQ(frame[ETH_HLEN], 0xee); /* nothing written past the header */
}

struct eth_bad {
	const char *name;
	uint8_t bytes[ETH_HLEN];
	size_t len;
	enum wire_err want;
};

TEST(eth_parse_rejects_each_malformed_frame_in_the_table)
{
	static const struct eth_bad table[] = {
		{"empty buffer", {0}, 0, WIRE_ETRUNC},
		{"one byte", {0xff}, 1, WIRE_ETRUNC},
		{"addresses but no type", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 12, WIRE_ETRUNC},
		{"half a type field",
		 {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08},
		 13,
		 WIRE_ETRUNC},
	};
	struct wire_eth eth;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		enum wire_err got = parse_exact(table[i].bytes, table[i].len, &eth);

		if (got != table[i].want)
			test_fail(__FILE__, __LINE__, "%s: got %s, want %s", table[i].name,
				  wire_strerror(got), wire_strerror(table[i].want));
	}
}

TEST(eth_parse_rejects_every_length_shorter_than_the_header)
{
	uint8_t frame[ETH_HLEN];
	struct wire_eth eth;

	wire_eth_emit(frame, dst_mac, src_mac, ETH_P_IP);
	for (size_t len = 0; len < ETH_HLEN; len++)
		CHECK_EQ(parse_exact(frame, len, &eth), WIRE_ETRUNC);
	CHECK_EQ(parse_exact(frame, ETH_HLEN, &eth), WIRE_OK);
	CHECK_EQ(eth.payload_len, 0);
}

TEST(eth_parse_of_every_prefix_stays_inside_the_buffer)
{
	uint8_t frame[ETH_ZLEN];
	struct wire_eth eth;

	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7 + 1);
	for (size_t len = 0; len <= sizeof(frame); len++) {
		enum wire_err err = parse_exact(frame, len, &eth);

		CHECK_EQ(err, len < ETH_HLEN ? WIRE_ETRUNC : WIRE_OK);
		if (err == WIRE_OK)
			CHECK_EQ(eth.payload_len, len - ETH_HLEN);
	}
}

TEST(eth_parse_keeps_link_padding_in_the_payload_for_the_next_layer)
{
	uint8_t frame[ETH_ZLEN] = {0};
	struct wire_eth eth;

	wire_eth_emit(frame, dst_mac, src_mac, ETH_P_ARP);
	/* A 28-byte ARP padded to the 60-byte minimum (RFC 894). */
	CHECK_EQ(wire_eth_parse(frame, ETH_ZLEN, &eth), WIRE_OK);
	CHECK_EQ(eth.payload_len, ETH_ZLEN - ETH_HLEN);
}

TEST(eth_parse_accepts_any_type_value)
{
	uint8_t frame[ETH_HLEN];
	struct wire_eth eth;

	/* 802.3 length, IPv6, and an unassigned type: framing is fine. */
	static const uint16_t types[] = {0x002e, 0x86dd, 0xffff, 0x0000};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		wire_eth_emit(frame, dst_mac, src_mac, types[i]);
		CHECK_EQ(wire_eth_parse(frame, sizeof(frame), &eth), WIRE_OK);
		CHECK_EQ(eth.proto, types[i]);
	}
}

TEST(eth_parse_does_not_modify_its_input)
{
	uint8_t frame[ETH_ZLEN], copy[ETH_ZLEN];
	struct wire_eth eth;

	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 13);
	memcpy(copy, frame, sizeof(copy));
	CHECK_EQ(wire_eth_parse(frame, sizeof(frame), &eth), WIRE_OK);
	CHECK_MEM_EQ(frame, copy, sizeof(frame));
}

TEST(wire_strerror_names_every_error_distinctly)
{
	static const enum wire_err all[] = {
		WIRE_OK,    WIRE_ETRUNC,  WIRE_EHDRLEN, WIRE_ETOTLEN, WIRE_EVERSION,
		WIRE_ECSUM, WIRE_EOPTLEN, WIRE_EOPTVAL, WIRE_EHWTYPE, WIRE_EFRAG,
	};
	const size_t n = sizeof(all) / sizeof(all[0]);

	for (size_t i = 0; i < n; i++) {
		const char *s = wire_strerror(all[i]);

		CHECK(s != NULL && s[0] != '\0');
		CHECK(strcmp(s, wire_strerror((enum wire_err)99)) != 0);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(s, wire_strerror(all[j])) != 0);
	}
	CHECK(wire_strerror((enum wire_err)99) != NULL);
}
