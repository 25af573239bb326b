/* IPv4 header parsing and emitting (RFC 791 section 3.1). */
#include "test.h"
#include "testwire.h"

#include <stdlib.h>

#include "net/wire.h"

static enum wire_err parse_exact(const uint8_t *src, size_t len, bool verify, struct wire_ipv4 *out)
{
	uint8_t *block, *p = exact_copy(src, len, &block);
	enum wire_err err = wire_ipv4_parse(p, len, verify, out);

	free(block);
	return err;
}

/* Recomputes the header checksum when the IHL fits the buffer, so a table
 * entry fails for its own reason and not for a stale checksum. */
static void fix_csum(uint8_t *b, size_t len)
{
	size_t hl;

	if (len < IPV4_HLEN_MIN)
		return;
	hl = (size_t)(b[0] & 0x0f) * 4;
	if (hl < IPV4_HLEN_MIN || hl > len)
		return;
	put_be16(b + 10, 0);
	put_be16(b + 10, csum_fold(csum_partial(b, hl, 0)));
}

/* The RFC 1071 / Wikipedia example header: UDP 192.168.0.1 ->
 * 192.168.0.199, total length 115, DF, TTL 64, checksum 0xb861. */
static const uint8_t real_hdr[20] = {
	0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
};

TEST(ipv4_parse_accepts_a_real_header_and_its_checksum)
{
	uint8_t pkt[0x73] = {0};
	struct wire_ipv4 ip;

	memcpy(pkt, real_hdr, sizeof(real_hdr));
	CHECK_EQ(parse_exact(pkt, sizeof(pkt), true, &ip), WIRE_OK);
	CHECK_EQ(wire_ipv4_parse(pkt, sizeof(pkt), true, &ip), WIRE_OK);
	CHECK_EQ(ip.hdr_len, 20);
	CHECK_EQ(ip.tos, 0);
	CHECK_EQ(ip.tot_len, 0x73);
	CHECK_EQ(ip.id, 0);
	CHECK_EQ(ip.frag_off, IP_DF);
	CHECK_EQ(ip.ttl, 64);
	CHECK_EQ(ip.protocol, IPPROTO_UDP_);
	CHECK_EQ(ip.check, 0xb861);
	CHECK_EQ(ip.saddr, ip4_bytes(192, 168, 0, 1));
	CHECK_EQ(ip.daddr, ip4_bytes(192, 168, 0, 199));
	CHECK_EQ(ip.opts_len, 0);
	CHECK(ip.payload == pkt + 20);
	CHECK_EQ(ip.payload_len, 0x73 - 20);
}

TEST(ipv4_emit_then_parse_gives_back_the_same_fields)
{
	struct wire_ipv4 in = {
		.hdr_len = 60, /* ignored by emit: it writes 20 bytes */
		.tos = 0x10,
		.tot_len = 20 + 37,
		.id = 0xbeef,
		.frag_off = IP_MF | 185,
		.ttl = 63,
		.protocol = IPPROTO_TCP_,
		.check = 0x1234, /* ignored: emit computes it */
		.saddr = ip4_bytes(10, 1, 2, 3),
		.daddr = ip4_bytes(172, 16, 254, 1),
	};
	struct wire_ipv4 out;
	uint8_t pkt[20 + 37];

	for (size_t i = 20; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)i;
	CHECK_EQ(wire_ipv4_emit(pkt, &in), IPV4_HLEN_MIN);
	CHECK_EQ(pkt[0], 0x45);
	CHECK_EQ(parse_exact(pkt, sizeof(pkt), true, &out), WIRE_OK);
	CHECK_EQ(wire_ipv4_parse(pkt, sizeof(pkt), true, &out), WIRE_OK);
	CHECK_EQ(out.hdr_len, 20);
	CHECK_EQ(out.tos, in.tos);
	CHECK_EQ(out.tot_len, in.tot_len);
	CHECK_EQ(out.id, in.id);
	CHECK_EQ(out.frag_off, in.frag_off);
	CHECK_EQ(out.ttl, in.ttl);
	CHECK_EQ(out.protocol, in.protocol);
	CHECK_EQ(out.saddr, in.saddr);
	CHECK_EQ(out.daddr, in.daddr);
	CHECK(out.payload == pkt + 20);
	CHECK_EQ(out.payload_len, 37);
	CHECK_EQ(csum_fold(csum_partial(pkt, 20, 0)), 0);
}

TEST(ipv4_emit_reproduces_the_real_header_and_its_checksum)
{
	struct wire_ipv4 ip = {
		.tot_len = 0x73,
		.frag_off = IP_DF,
		.ttl = 64,
		.protocol = IPPROTO_UDP_,
		.saddr = ip4_bytes(192, 168, 0, 1),
		.daddr = ip4_bytes(192, 168, 0, 199),
	};
	uint8_t buf[21];

	buf[20] = 0xee;
	CHECK_EQ(wire_ipv4_emit(buf, &ip), 20);
	CHECK_MEM_EQ(buf, real_hdr, 20);
	CHECK_EQ(buf[20], 0xee);
}

struct ipv4_bad {
	const char *name;
	uint8_t b[48];
	size_t len;
	enum wire_err want;
};

/* Address bytes shared by the table rows: 10.0.0.1 -> 10.0.0.2. */
#define A 10, 0, 0, 1, 10, 0, 0, 2

TEST(ipv4_parse_rejects_each_malformed_header_in_the_table)
{
	static const struct ipv4_bad table[] = {
		{"empty buffer", {0}, 0, WIRE_ETRUNC},
		{"19 bytes",
		 {0x45, 0, 0, 19, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0},
		 19,
		 WIRE_ETRUNC},
		{"version 6", {0x65, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, A}, 20, WIRE_EVERSION},
		{"version 0", {0x05, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, A}, 20, WIRE_EVERSION},
		{"version 15", {0xf5, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, A}, 20, WIRE_EVERSION},
		{"ihl 0", {0x40, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, A}, 20, WIRE_EHDRLEN},
		{"ihl 4", {0x44, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, A}, 20, WIRE_EHDRLEN},
		{"ihl 6 in a 20-byte buffer",
		 {0x46, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, A},
		 20,
		 WIRE_EHDRLEN},
		{"ihl 15 in a 48-byte buffer",
		 {0x4f, 0, 0, 48, 0, 0, 0, 0, 64, 1, 0, 0, A},
		 48,
		 WIRE_EHDRLEN},
		{"total length 0", {0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, A}, 20, WIRE_ETOTLEN},
		{"total length 19", {0x45, 0, 0, 19, 0, 0, 0, 0, 64, 1, 0, 0, A}, 20, WIRE_ETOTLEN},
		{"total length inside a 24-byte header",
		 {0x46, 0, 0, 22, 0, 0, 0, 0, 64, 1, 0, 0, A, 1, 1, 1, 1},
		 24,
		 WIRE_ETOTLEN},
		{"total length one past the buffer",
		 {0x45, 0, 0, 29, 0, 0, 0, 0, 64, 1, 0, 0, A},
		 28,
		 WIRE_ETOTLEN},
		{"total length 65535 in 28 bytes",
		 {0x45, 0, 0xff, 0xff, 0, 0, 0, 0, 64, 1, 0, 0, A},
		 28,
		 WIRE_ETOTLEN},
		{"option length 0",
		 {0x46, 0, 0, 24, 0, 0, 0, 0, 64, 1, 0, 0, A, 0x07, 0x00, 0, 0},
		 24,
		 WIRE_EOPTLEN},
		{"option length 1",
		 {0x46, 0, 0, 24, 0, 0, 0, 0, 64, 1, 0, 0, A, 0x07, 0x01, 0, 0},
		 24,
		 WIRE_EOPTLEN},
		{"option running past the header",
		 {0x46, 0, 0, 28, 0, 0, 0, 0, 64, 1, 0, 0, A, 0x07, 0x07, 4, 0, 9, 9, 9, 9},
		 28,
		 WIRE_EOPTLEN},
		{"option after NOPs running past the header",
		 {0x47, 0, 0, 28, 0, 0, 0, 0, 64, 1, 0, 0, A, 1, 1, 0x44, 12, 5, 0, 0, 0},
		 28,
		 WIRE_EOPTLEN},
		{"option kind with no room for its length",
		 {0x46, 0, 0, 24, 0, 0, 0, 0, 64, 1, 0, 0, A, 1, 1, 1, 0x83},
		 24,
		 WIRE_EOPTLEN},
		{"second option running past the header",
		 {0x47, 0, 0, 28, 0, 0, 0, 0, 64, 1, 0, 0, A, 0x94, 0x04, 0, 0, 0x07, 0x08, 4, 0},
		 28,
		 WIRE_EOPTLEN},
		{"bad checksum", {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0xde, 0xad, A}, 20, WIRE_ECSUM},
		{"checksum left zero", {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, A}, 20, WIRE_ECSUM},
		{"last fragment ending at 65536",
		 {0x45, 0, 0, 28, 0, 0, 0x1f, 0xff, 64, 1, 0, 0, A},
		 28,
		 WIRE_EFRAG},
		{"fragment far past 65535",
		 {0x45, 0, 0, 48, 0, 0, 0x3f, 0xfd, 64, 1, 0, 0, A},
		 48,
		 WIRE_EFRAG},
	};
	struct wire_ipv4 ip;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct ipv4_bad *t = &table[i];
		uint8_t b[48];
		enum wire_err got;

		memcpy(b, t->b, sizeof(b));
		if (t->want != WIRE_ECSUM)
			fix_csum(b, t->len);
		got = parse_exact(b, t->len, true, &ip);
		if (got != t->want)
			test_fail(__FILE__, __LINE__, "%s: got %s, want %s", t->name,
				  wire_strerror(got), wire_strerror(t->want));
		/* Without verification only a checksum error goes away. */
		got = parse_exact(b, t->len, false, &ip);
		if (got != (t->want == WIRE_ECSUM ? WIRE_OK : t->want))
			test_fail(__FILE__, __LINE__, "%s unverified: got %s", t->name,
				  wire_strerror(got));
	}
}

TEST(ipv4_parse_rejects_every_length_shorter_than_20)
{
	struct wire_ipv4 ip;

	for (size_t len = 0; len < IPV4_HLEN_MIN; len++)
		CHECK_EQ(parse_exact(real_hdr, len, false, &ip), WIRE_ETRUNC);
}

TEST(ipv4_parse_rejects_total_length_beyond_the_buffer)
{
	uint8_t pkt[0x73] = {0};
	struct wire_ipv4 ip;

	memcpy(pkt, real_hdr, sizeof(real_hdr));
	/* The datagram was cut: every buffer short of tot_len is refused. */
	for (size_t len = 20; len < sizeof(pkt); len++)
		CHECK_EQ(parse_exact(pkt, len, true, &ip), WIRE_ETOTLEN);
}

TEST(ipv4_parse_of_every_prefix_stays_inside_the_buffer)
{
	/* 24-byte header (Router Alert option, RFC 2113), 10 bytes of data,
	 * 6 bytes of link padding. */
	uint8_t pkt[40] = {0x46, 0, 0, 34, 0x12, 0x34, 0, 0, 1, 2, 0, 0, A, 0x94, 0x04, 0x00, 0x00};
	struct wire_ipv4 ip;

	for (size_t i = 24; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(0xa0 + i);
	fix_csum(pkt, sizeof(pkt));
	for (size_t len = 0; len <= sizeof(pkt); len++) {
		enum wire_err want = len < 20	? WIRE_ETRUNC
				     : len < 24 ? WIRE_EHDRLEN
				     : len < 34 ? WIRE_ETOTLEN
						: WIRE_OK;

		CHECK_EQ(parse_exact(pkt, len, true, &ip), want);
		CHECK_EQ(parse_exact(pkt, len, false, &ip), want);
	}
}

TEST(ipv4_parse_ignores_link_padding_after_total_length)
{
	/* A 28-byte ICMP datagram padded to Ethernet's 46-byte minimum. */
	uint8_t pkt[46] = {0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0, A};
	struct wire_ipv4 ip;

	memset(pkt + 28, 0xee, sizeof(pkt) - 28);
	fix_csum(pkt, sizeof(pkt));
	CHECK_EQ(parse_exact(pkt, sizeof(pkt), true, &ip), WIRE_OK);
	CHECK_EQ(wire_ipv4_parse(pkt, sizeof(pkt), true, &ip), WIRE_OK);
	CHECK_EQ(ip.tot_len, 28);
	CHECK(ip.payload == pkt + 20);
	CHECK_EQ(ip.payload_len, 8);
}

TEST(ipv4_parse_skips_well_formed_options_and_ignores_bytes_after_eol)
{
	/* NOP, Router Alert, EOL, then junk that would be a bad option. */
	uint8_t pkt[28] = {0x47, 0, 0,	  28,	0,    0,    0,	  0,	64,   6,   0,
			   0,	 A, 0x01, 0x94, 0x04, 0x00, 0x00, 0x00, 0x07, 0x00};
	struct wire_ipv4 ip;

	fix_csum(pkt, sizeof(pkt));
	CHECK_EQ(wire_ipv4_parse(pkt, sizeof(pkt), true, &ip), WIRE_OK);
	CHECK_EQ(ip.hdr_len, 28);
	CHECK(ip.opts == pkt + 20);
	CHECK_EQ(ip.opts_len, 8);
	CHECK_EQ(ip.payload_len, 0);
	CHECK(ip.payload == pkt + 28);
}

TEST(ipv4_parse_accepts_the_largest_header_of_60_bytes)
{
	uint8_t pkt[60] = {0x4f, 0, 0, 60, 0, 0, 0, 0, 64, 6, 0, 0, A};
	struct wire_ipv4 ip;

	memset(pkt + 20, 0x01, 40); /* 40 NOPs */
	fix_csum(pkt, sizeof(pkt));
	CHECK_EQ(parse_exact(pkt, sizeof(pkt), true, &ip), WIRE_OK);
	CHECK_EQ(wire_ipv4_parse(pkt, sizeof(pkt), true, &ip), WIRE_OK);
	CHECK_EQ(ip.hdr_len, 60);
	CHECK_EQ(ip.opts_len, 40);
	/* An option exactly filling the area is fine too. */
	pkt[20] = 0x07;
	pkt[21] = 40;
	fix_csum(pkt, sizeof(pkt));
	CHECK_EQ(parse_exact(pkt, sizeof(pkt), true, &ip), WIRE_OK);
	pkt[21] = 41;
	fix_csum(pkt, sizeof(pkt));
	CHECK_EQ(parse_exact(pkt, sizeof(pkt), true, &ip), WIRE_EOPTLEN);
}

TEST(ipv4_parse_accepts_a_fragment_ending_exactly_at_65535)
{
	/* Offset 8190 * 8 = 65520, plus 15 bytes of data = 65535. */
	uint8_t pkt[35] = {0x45, 0, 0, 35, 0, 9, 0x1f, 0xfe, 64, 17, 0, 0, A};
	uint8_t big[36] = {0x45, 0, 0, 36, 0, 9, 0x1f, 0xfe, 64, 17, 0, 0, A};
	struct wire_ipv4 ip;

	fix_csum(pkt, sizeof(pkt));
	CHECK_EQ(parse_exact(pkt, sizeof(pkt), true, &ip), WIRE_OK);
	CHECK_EQ(ip.frag_off & IP_OFFMASK, 8190);
	/* One more byte of data is one too many. */
	fix_csum(big, sizeof(big));
	CHECK_EQ(parse_exact(big, sizeof(big), true, &ip), WIRE_EFRAG);
}

TEST(ipv4_parse_without_verification_accepts_a_bad_checksum)
{
	uint8_t pkt[0x73] = {0};
	struct wire_ipv4 ip;

	memcpy(pkt, real_hdr, sizeof(real_hdr));
	pkt[11] ^= 0x01;
	CHECK_EQ(wire_ipv4_parse(pkt, sizeof(pkt), true, &ip), WIRE_ECSUM);
	CHECK_EQ(wire_ipv4_parse(pkt, sizeof(pkt), false, &ip), WIRE_OK);
	CHECK_EQ(ip.check, 0xb860);
}

TEST(ipv4_parse_does_not_modify_its_input)
{
	uint8_t pkt[0x73], copy[0x73];
	struct wire_ipv4 ip;

	for (size_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i * 31);
	memcpy(pkt, real_hdr, sizeof(real_hdr));
	memcpy(copy, pkt, sizeof(copy));
	CHECK_EQ(wire_ipv4_parse(pkt, sizeof(pkt), true, &ip), WIRE_OK);
	CHECK_MEM_EQ(pkt, copy, sizeof(pkt));
}
