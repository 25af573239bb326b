/* IPv6 header, extension headers and the IPv6 pseudo-header checksum
 * (RFC 8200), checked against packets Linux 6.18 sent over a veth pair. */
#include "test.h"
#include "testwire.h"

#include <stdlib.h>

#include "net/wire.h"

/* Linux's SYN from 2001:db8::1 port 34450 to 2001:db8::2 port 5000: flow
 * label 0xba195, hop limit 64, MSS, SACK-permitted, timestamps, window
 * scale 10. */
static const uint8_t linux_syn[80] = {
	0x60, 0x0b, 0xa1, 0x95, 0x00, 0x28, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x86, 0x92,
	0x13, 0x88, 0x08, 0xa5, 0xad, 0xde, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfd, 0x20,
	0x5b, 0xa3, 0x00, 0x00, 0x02, 0x04, 0x05, 0xa0, 0x04, 0x02, 0x08, 0x0a, 0xcf, 0x08,
	0x2f, 0x9b, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};

/* Linux's MLDv2 report from :: to ff02::16 at link-up: a hop-by-hop
 * header with the router alert option (value 0, MLD) and a two-byte PadN,
 * then ICMPv6 type 143. */
static const uint8_t linux_mld[96] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x38, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x02, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x3a, 0x00,
	0x05, 0x02, 0x00, 0x00, 0x01, 0x00, 0x8f, 0x00, 0x52, 0xcf, 0x00, 0x00, 0x00, 0x02,
	0x03, 0x00, 0x00, 0x00, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0xff, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0xff, 0x02, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0xfc, 0x1a, 0xa4,
};

static enum wire_err parse_exact(const uint8_t *src, size_t len, struct wire_ipv6 *out)
{
	uint8_t *block, *p = exact_copy(src, len, &block);
	enum wire_err err = wire_ipv6_parse(p, len, out);

	free(block);
	return err;
}

TEST(ipv6_parse_reads_every_field_of_a_linux_syn)
{
	struct wire_ipv6 ip;
	struct in6_addr src = ip6_text("2001:db8::1"), dst = ip6_text("2001:db8::2");

	CHECK_EQ(parse_exact(linux_syn, sizeof(linux_syn), &ip), WIRE_OK);
	CHECK_EQ(ip.tclass, 0);
	CHECK_EQ(ip.flow_label, 0xba195);
	CHECK_EQ(ip.payload_len, 40);
	CHECK_EQ(ip.nexthdr, NEXTHDR_TCP);
	CHECK_EQ(ip.hop_limit, 64);
	CHECK_MEM_EQ(&ip.saddr, &src, 16);
	CHECK_MEM_EQ(&ip.daddr, &dst, 16);
}

TEST(the_ipv6_pseudo_header_sum_is_what_linux_leaves_for_checksum_offload)
{
	/* The SYN was captured on a veth, which offloads TCP checksums:
	 * Linux left in the field the folded pseudo-header sum alone (not
	 * complemented) for the device to finish (CHECKSUM_PARTIAL). */
	struct wire_ipv6 ip;
	uint8_t seg[40];

	CHECK_EQ(wire_ipv6_parse(linux_syn, sizeof(linux_syn), &ip), WIRE_OK);
	CHECK_EQ(get_be16(ip.payload + 16), 0x5ba3);
	CHECK_EQ((uint16_t)~csum_fold(csum_ipv6_magic_nofold(&ip.saddr, &ip.daddr, ip.payload_len,
							     NEXTHDR_TCP, 0)),
		 0x5ba3);
	/* Finishing it as the device would gives a segment that verifies. */
	memcpy(seg, ip.payload, sizeof(seg));
	put_be16(seg + 16, 0);
	put_be16(seg + 16, csum_ipv6(&ip.saddr, &ip.daddr, NEXTHDR_TCP, seg, sizeof(seg)));
	CHECK_EQ(csum_ipv6(&ip.saddr, &ip.daddr, NEXTHDR_TCP, seg, sizeof(seg)), 0);
	/* Another Next Header value, or another length, gives another sum. */
	CHECK(csum_ipv6(&ip.saddr, &ip.daddr, NEXTHDR_UDP, seg, sizeof(seg)) != 0);
	CHECK(csum_ipv6(&ip.saddr, &ip.daddr, NEXTHDR_TCP, seg, sizeof(seg) - 2) != 0);
}

TEST(ipv6_emit_then_parse_gives_back_the_same_header)
{
	struct wire_ipv6 in = {
		.tclass = 0xb9, /* DSCP 46, ECT(1) */
		.flow_label = 0xfffff,
		.payload_len = 1234,
		.nexthdr = NEXTHDR_FRAGMENT,
		.hop_limit = 255,
		.saddr = ip6_text("fe80::1"),
		.daddr = ip6_text("ff02::1:ff00:2"),
	};
	uint8_t buf[IPV6_HLEN + 1234] = {0};
	struct wire_ipv6 out;

	CHECK_EQ(wire_ipv6_emit(buf, &in), IPV6_HLEN);
	CHECK_EQ(buf[0], 0x6b);
	CHECK_EQ(buf[1], 0x9f);
	CHECK_EQ(parse_exact(buf, sizeof(buf), &out), WIRE_OK);
	CHECK_EQ(out.tclass, in.tclass);
	CHECK_EQ(out.flow_label, in.flow_label);
	CHECK_EQ(out.payload_len, in.payload_len);
	CHECK_EQ(out.nexthdr, in.nexthdr);
	CHECK_EQ(out.hop_limit, in.hop_limit);
	CHECK_MEM_EQ(&out.saddr, &in.saddr, 16);
	CHECK_MEM_EQ(&out.daddr, &in.daddr, 16);
	/* The same header over Linux's SYN bytes reproduces them. */
	CHECK_EQ(wire_ipv6_parse(linux_syn, sizeof(linux_syn), &out), WIRE_OK);
	CHECK_EQ(wire_ipv6_emit(buf, &out), IPV6_HLEN);
	CHECK_MEM_EQ(buf, linux_syn, IPV6_HLEN);
}

TEST(ipv6_parse_refuses_short_buffers_other_versions_and_cut_payloads)
{
	struct wire_ipv6 ip;
	uint8_t b[sizeof(linux_syn) + 6];

	for (size_t len = 0; len < IPV6_HLEN; len++)
		CHECK_EQ(parse_exact(linux_syn, len, &ip), WIRE_ETRUNC);
	/* The payload length says 40: any cut of it is refused, link padding
	 * after it is not. */
	for (size_t len = IPV6_HLEN; len < sizeof(linux_syn); len++)
		CHECK_EQ(parse_exact(linux_syn, len, &ip), WIRE_ETOTLEN);
	memcpy(b, linux_syn, sizeof(linux_syn));
	memset(b + sizeof(linux_syn), 0xee, 6);
	CHECK_EQ(parse_exact(b, sizeof(b), &ip), WIRE_OK);
	CHECK_EQ(ip.payload_len, 40);
	b[0] = 0x40;
	CHECK_EQ(parse_exact(b, sizeof(b), &ip), WIRE_EVERSION);
	/* An empty payload is a packet, as Linux takes one. */
	memcpy(b, linux_syn, IPV6_HLEN);
	put_be16(b + 4, 0);
	CHECK_EQ(parse_exact(b, IPV6_HLEN, &ip), WIRE_OK);
	CHECK_EQ(ip.payload_len, 0);
}

TEST(the_hop_by_hop_header_of_linux_mld_report_walks_to_its_router_alert)
{
	struct wire_ipv6 ip;
	struct wire_ipv6_ext ext;
	struct wire_ipv6_tlv tlv;
	size_t off = 0;

	CHECK_EQ(wire_ipv6_parse(linux_mld, sizeof(linux_mld), &ip), WIRE_OK);
	CHECK_EQ(ip.nexthdr, NEXTHDR_HOP);
	CHECK(wire_ipv6_ext_hdr(ip.nexthdr));
	CHECK_EQ(wire_ipv6_ext_parse(ip.nexthdr, ip.payload, ip.payload_len, &ext), WIRE_OK);
	CHECK_EQ(ext.type, NEXTHDR_HOP);
	CHECK_EQ(ext.nexthdr, NEXTHDR_ICMP);
	CHECK_EQ(ext.hdr_len, 8);
	CHECK_EQ(ext.data_len, 6);
	CHECK(wire_ipv6_tlv_next(&ext, &off, &tlv));
	CHECK_EQ(tlv.type, IPV6_TLV_ROUTERALERT);
	CHECK_EQ(tlv.len, 2);
	CHECK_EQ(get_be16(tlv.data), 0); /* RFC 2711: 0 is MLD */
	CHECK(wire_ipv6_tlv_next(&ext, &off, &tlv));
	CHECK_EQ(tlv.type, IPV6_TLV_PADN);
	CHECK_EQ(tlv.len, 0);
	CHECK(!wire_ipv6_tlv_next(&ext, &off, &tlv));
	/* What follows is an ICMPv6 message whose checksum holds. */
	CHECK_EQ(csum_ipv6(&ip.saddr, &ip.daddr, NEXTHDR_ICMP, ip.payload + 8, ip.payload_len - 8),
		 0);
	CHECK(!wire_ipv6_ext_hdr(NEXTHDR_ICMP) && !wire_ipv6_ext_hdr(NEXTHDR_TCP));
	CHECK(wire_ipv6_ext_hdr(NEXTHDR_NONE) && wire_ipv6_ext_hdr(NEXTHDR_FRAGMENT));
}

TEST(an_option_running_past_its_header_makes_the_header_malformed)
{
	/* Hop-by-hop of 8 bytes: next header, length 0, then six bytes of
	 * options. */
	uint8_t h[8] = {NEXTHDR_TCP, 0, IPV6_TLV_PADN, 4, 0, 0, 0, 0};
	struct wire_ipv6_ext ext;
	uint8_t *block, *p;

	CHECK_EQ(wire_ipv6_ext_parse(NEXTHDR_HOP, h, sizeof(h), &ext), WIRE_OK);
	h[3] = 5; /* PadN of 5 in 6 bytes: one byte too many */
	CHECK_EQ(wire_ipv6_ext_parse(NEXTHDR_HOP, h, sizeof(h), &ext), WIRE_EOPTLEN);
	CHECK_EQ(wire_ipv6_ext_parse(NEXTHDR_DEST, h, sizeof(h), &ext), WIRE_EOPTLEN);
	/* An option whose length byte is the header's last byte. */
	memset(h + 2, IPV6_TLV_PAD1, 6);
	h[7] = 0x1e;
	CHECK_EQ(wire_ipv6_ext_parse(NEXTHDR_DEST, h, sizeof(h), &ext), WIRE_EOPTLEN);
	h[7] = IPV6_TLV_PAD1;
	/* The header's own length past the buffer, read from an exact copy
	 * so that any over-read is a sanitizer error. */
	h[1] = 1; /* 16 bytes */
	p = exact_copy(h, sizeof(h), &block);
	CHECK_EQ(wire_ipv6_ext_parse(NEXTHDR_HOP, p, sizeof(h), &ext), WIRE_EHDRLEN);
	CHECK_EQ(wire_ipv6_ext_parse(NEXTHDR_HOP, p, 1, &ext), WIRE_ETRUNC);
	CHECK_EQ(wire_ipv6_ext_parse(NEXTHDR_FRAGMENT, p, 7, &ext), WIRE_ETRUNC);
	CHECK_EQ(wire_ipv6_ext_parse(NEXTHDR_TCP, p, sizeof(h), &ext), WIRE_ETYPE);
	CHECK_EQ(wire_ipv6_ext_parse(NEXTHDR_ESP, p, sizeof(h), &ext), WIRE_ETYPE);
	free(block);
}

TEST(fragment_and_routing_headers_give_their_fields)
{
	uint8_t f[IPV6_FRAG_HLEN];
	uint8_t rt[24] = {NEXTHDR_TCP, 2, 0, 3};
	struct wire_ipv6_ext ext;

	CHECK_EQ(wire_ipv6_frag_emit(f, NEXTHDR_UDP, 1448, true, 0xdeadbeef), IPV6_FRAG_HLEN);
	CHECK_EQ(wire_ipv6_ext_parse(NEXTHDR_FRAGMENT, f, sizeof(f), &ext), WIRE_OK);
	CHECK_EQ(ext.nexthdr, NEXTHDR_UDP);
	CHECK_EQ(ext.hdr_len, IPV6_FRAG_HLEN);
	CHECK_EQ(ext.frag.offset, 1448);
	CHECK(ext.frag.more);
	CHECK_EQ(ext.frag.id, 0xdeadbeef);
	/* The reserved bits around the offset are not part of it. */
	f[1] = 0xff;
	f[3] |= 0x06;
	CHECK_EQ(wire_ipv6_ext_parse(NEXTHDR_FRAGMENT, f, sizeof(f), &ext), WIRE_OK);
	CHECK_EQ(ext.frag.offset, 1448);
	CHECK_EQ(wire_ipv6_frag_emit(f, NEXTHDR_TCP, 65528, false, 1), IPV6_FRAG_HLEN);
	CHECK_EQ(wire_ipv6_ext_parse(NEXTHDR_FRAGMENT, f, sizeof(f), &ext), WIRE_OK);
	CHECK_EQ(ext.frag.offset, 65528);
	CHECK(!ext.frag.more);
	/* Routing type 0 (deprecated by RFC 5095), three segments left. */
	CHECK_EQ(wire_ipv6_ext_parse(NEXTHDR_ROUTING, rt, sizeof(rt), &ext), WIRE_OK);
	CHECK_EQ(ext.hdr_len, 24);
	CHECK_EQ(ext.rt.type, 0);
	CHECK_EQ(ext.rt.segments_left, 3);
	CHECK_EQ(ext.data_len, 20);
	/* AH counts 4-byte units beyond the first 8 bytes. */
	rt[1] = 4;
	CHECK_EQ(wire_ipv6_ext_parse(NEXTHDR_AUTH, rt, sizeof(rt), &ext), WIRE_OK);
	CHECK_EQ(ext.hdr_len, 24);
}
