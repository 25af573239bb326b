/* ARP for Ethernet/IPv4 (RFC 826). */
#include "test.h"
#include "testwire.h"

#include <stdlib.h>

#include "net/wire.h"

static enum wire_err parse_exact(const uint8_t *src, size_t len, struct wire_arp *out)
{
	uint8_t *block, *p = exact_copy(src, len, &block);
	enum wire_err err = wire_arp_parse(p, len, out);

	free(block);
	return err;
}

/* who-has 192.168.1.1 tell 192.168.1.100, as on the wire. */
static const uint8_t request[ARP_HLEN] = {
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0xc0, 0xa8, 0x01, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0x01, 0x01,
};

TEST(arp_parse_reads_a_real_request)
{
	static const uint8_t sha[ETH_ALEN] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	static const uint8_t zero[ETH_ALEN] = {0};
	struct wire_arp arp;

	CHECK_EQ(wire_arp_parse(request, sizeof(request), &arp), WIRE_OK);
	CHECK_EQ(arp.op, ARPOP_REQUEST);
	CHECK_MEM_EQ(arp.sha, sha, ETH_ALEN);
	CHECK_EQ(arp.sip, ip4_bytes(192, 168, 1, 100));
	CHECK_MEM_EQ(arp.tha, zero, ETH_ALEN);
	CHECK_EQ(arp.tip, ip4_bytes(192, 168, 1, 1));
}

TEST(arp_emit_then_parse_gives_back_the_same_fields)
{
	struct wire_arp in = {
		.op = ARPOP_REPLY,
		.sha = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
		.sip = ip4_bytes(10, 0, 0, 1),
		.tha = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02},
		.tip = ip4_bytes(10, 0, 0, 2),
	};
	struct wire_arp out;
	uint8_t buf[ARP_HLEN];

	CHECK_EQ(wire_arp_emit(buf, &in), ARP_HLEN);
	CHECK_EQ(parse_exact(buf, sizeof(buf), &out), WIRE_OK);
	CHECK_EQ(out.op, in.op);
	CHECK_MEM_EQ(out.sha, in.sha, ETH_ALEN);
	CHECK_EQ(out.sip, in.sip);
	CHECK_MEM_EQ(out.tha, in.tha, ETH_ALEN);
	CHECK_EQ(out.tip, in.tip);
}

TEST(arp_emit_reproduces_the_real_request_byte_for_byte)
{
	struct wire_arp arp;
	uint8_t buf[ARP_HLEN + 1];

	CHECK_EQ(wire_arp_parse(request, sizeof(request), &arp), WIRE_OK);
	buf[ARP_HLEN] = 0xee;
	CHECK_EQ(wire_arp_emit(buf, &arp), ARP_HLEN);
	CHECK_MEM_EQ(buf, request, ARP_HLEN);
	CHECK_EQ(buf[ARP_HLEN], 0xee);
}

struct arp_bad {
	const char *name;
	size_t at;	  /* patch offset */
	uint8_t patch[2]; /* bytes written at `at` (patch_len of them) */
	size_t patch_len;
	size_t len; /* bytes handed to the parser */
	enum wire_err want;
};

TEST(arp_parse_rejects_each_malformed_packet_in_the_table)
{
	static const struct arp_bad table[] = {
		{"empty buffer", 0, {0}, 0, 0, WIRE_ETRUNC},
		{"fixed part only", 0, {0}, 0, 8, WIRE_ETRUNC},
		{"one byte short of the target address", 0, {0}, 0, 27, WIRE_ETRUNC},
		{"hardware type IEEE 802 (6)", 0, {0x00, 0x06}, 2, 28, WIRE_EHWTYPE},
		{"hardware type 0", 0, {0x00, 0x00}, 2, 28, WIRE_EHWTYPE},
		{"hardware type byte-swapped", 0, {0x01, 0x00}, 2, 28, WIRE_EHWTYPE},
		{"protocol IPv6", 2, {0x86, 0xdd}, 2, 28, WIRE_EHWTYPE},
		{"protocol ARP", 2, {0x08, 0x06}, 2, 28, WIRE_EHWTYPE},
		{"hardware length 8", 4, {8}, 1, 28, WIRE_EHWTYPE},
		{"hardware length 0", 4, {0}, 1, 28, WIRE_EHWTYPE},
		{"protocol length 16", 5, {16}, 1, 28, WIRE_EHWTYPE},
		{"protocol length 0", 5, {0}, 1, 28, WIRE_EHWTYPE},
		{"short and bad type: length wins", 0, {0x00, 0x06}, 2, 27, WIRE_ETRUNC},
	};
	struct wire_arp arp;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		uint8_t pkt[ARP_HLEN];
		enum wire_err got;

		memcpy(pkt, request, sizeof(pkt));
		memcpy(pkt + table[i].at, table[i].patch, table[i].patch_len);
		got = parse_exact(pkt, table[i].len, &arp);
		if (got != table[i].want)
			test_fail(__FILE__, __LINE__, "%s: got %s, want %s", table[i].name,
				  wire_strerror(got), wire_strerror(table[i].want));
	}
}

TEST(arp_parse_rejects_every_length_shorter_than_28)
{
	struct wire_arp arp;

	for (size_t len = 0; len < ARP_HLEN; len++)
		CHECK_EQ(parse_exact(request, len, &arp), WIRE_ETRUNC);
}

TEST(arp_parse_of_every_prefix_stays_inside_the_buffer)
{
	uint8_t frame[46]; /* an ARP padded to the Ethernet minimum payload */
	struct wire_arp arp;

	memset(frame, 0, sizeof(frame));
	memcpy(frame, request, sizeof(request));
	for (size_t len = 0; len <= sizeof(frame); len++)
		CHECK_EQ(parse_exact(frame, len, &arp), len < ARP_HLEN ? WIRE_ETRUNC : WIRE_OK);
}

TEST(arp_parse_leaves_unknown_opcodes_to_the_caller)
{
	uint8_t pkt[ARP_HLEN];
	struct wire_arp arp;

	memcpy(pkt, request, sizeof(pkt));
	put_be16(pkt + 6, 3); /* RARP request (RFC 903) */
	CHECK_EQ(wire_arp_parse(pkt, sizeof(pkt), &arp), WIRE_OK);
	CHECK_EQ(arp.op, 3);
}

TEST(arp_parse_does_not_modify_its_input)
{
	uint8_t pkt[ARP_HLEN];
	struct wire_arp arp;

	memcpy(pkt, request, sizeof(pkt));
	CHECK_EQ(wire_arp_parse(pkt, sizeof(pkt), &arp), WIRE_OK);
	CHECK_MEM_EQ(pkt, request, sizeof(pkt));
}
