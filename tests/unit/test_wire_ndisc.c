/* ICMPv6 (RFC 4443) and Neighbour Discovery messages and options (RFC
 * 4861), checked against what Linux 6.18 sent over a veth pair. */
#include "test.h"
#include "testwire.h"

#include <stdlib.h>

#include "net/wire.h"

/* Neighbour solicitation from 2001:db8::1 to the solicited-node address
 * of 2001:db8::2, with its source link-layer address 5e:c1:3f:fc:1a:a4. */
static const uint8_t linux_ns[72] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x00, 0x00, 0x02, 0x87, 0x00, 0x64, 0xc6, 0x00,
	0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0x5e, 0xc1, 0x3f, 0xfc, 0x1a, 0xa4,
};
/* The answer: solicited and override set, target link-layer address
 * 72:3f:09:67:0e:fc. */
static const uint8_t linux_na[72] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x00, 0x01, 0xd1, 0x60,
	0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x02, 0x01, 0x72, 0x3f, 0x09, 0x67, 0x0e, 0xfc,
};
/* Duplicate address detection for fe80::5cc1:3fff:fefc:1aa4: from ::,
 * no link-layer address, a nonce option (RFC 7527) instead. */
static const uint8_t linux_dad_ns[72] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0xfc, 0x1a, 0xa4, 0x87, 0x00, 0x54, 0xd0, 0x00,
	0x00, 0x00, 0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5c, 0xc1, 0x3f, 0xff,
	0xfe, 0xfc, 0x1a, 0xa4, 0x0e, 0x01, 0x1b, 0xe2, 0xc9, 0x73, 0x61, 0xf6,
};
/* Router solicitation from the link-local address to ff02::2. */
static const uint8_t linux_rs[56] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x5c, 0xc1, 0x3f, 0xff, 0xfe, 0xfc, 0x1a, 0xa4, 0xff, 0x02, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x85, 0x00,
	0x0c, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x5e, 0xc1, 0x3f, 0xfc, 0x1a, 0xa4,
};

/* Parses a captured packet down to its ND message and options. */
static void parse_nd(const uint8_t *pkt, size_t len, struct wire_ipv6 *ip, struct wire_nd_msg *nd,
		     struct wire_nd_opts *opts)
{
	struct wire_icmp6 icmp;

	CHECK_EQ(wire_ipv6_parse(pkt, len, ip), WIRE_OK);
	CHECK_EQ(ip->nexthdr, NEXTHDR_ICMP);
	CHECK_EQ(ip->hop_limit, 255);
	CHECK_EQ(wire_icmp6_parse(ip->payload, ip->payload_len, &ip->saddr, &ip->daddr, &icmp),
		 WIRE_OK);
	CHECK_EQ(icmp.code, 0);
	CHECK_EQ(wire_nd_parse(&icmp, nd), WIRE_OK);
	CHECK_EQ(wire_nd_parse_options(nd->opts, nd->opts_len, opts), WIRE_OK);
}

TEST(linux_neighbour_solicitation_and_advertisement_parse_to_their_fields)
{
	static const uint8_t mac_a[6] = {0x5e, 0xc1, 0x3f, 0xfc, 0x1a, 0xa4};
	static const uint8_t mac_b[6] = {0x72, 0x3f, 0x09, 0x67, 0x0e, 0xfc};
	struct in6_addr target = ip6_text("2001:db8::2");
	struct wire_ipv6 ip;
	struct wire_nd_msg nd;
	struct wire_nd_opts o;

	parse_nd(linux_ns, sizeof(linux_ns), &ip, &nd, &o);
	CHECK_EQ(nd.type, NDISC_NEIGHBOUR_SOLICITATION);
	CHECK_MEM_EQ(&nd.target, &target, 16);
	CHECK(o.src_lladdr && o.src_lladdr_len == 6);
	CHECK_MEM_EQ(o.src_lladdr, mac_a, 6);
	CHECK(!o.tgt_lladdr && !o.nonce && !o.saw_mtu && o.num_prefixes == 0);

	parse_nd(linux_na, sizeof(linux_na), &ip, &nd, &o);
	CHECK_EQ(nd.type, NDISC_NEIGHBOUR_ADVERTISEMENT);
	CHECK(!nd.router && nd.solicited && nd.override);
	CHECK_MEM_EQ(&nd.target, &target, 16);
	CHECK(!o.src_lladdr && o.tgt_lladdr && o.tgt_lladdr_len == 6);
	CHECK_MEM_EQ(o.tgt_lladdr, mac_b, 6);
}

TEST(linux_dad_probe_carries_a_nonce_and_no_link_layer_address)
{
	struct in6_addr any = ip6_text("::"), target = ip6_text("fe80::5cc1:3fff:fefc:1aa4");
	static const uint8_t nonce[6] = {0x1b, 0xe2, 0xc9, 0x73, 0x61, 0xf6};
	struct wire_ipv6 ip;
	struct wire_nd_msg nd;
	struct wire_nd_opts o;

	parse_nd(linux_dad_ns, sizeof(linux_dad_ns), &ip, &nd, &o);
	CHECK_MEM_EQ(&ip.saddr, &any, 16);
	CHECK_MEM_EQ(&nd.target, &target, 16);
	CHECK(!o.src_lladdr);
	CHECK(o.nonce != NULL);
	CHECK_MEM_EQ(o.nonce, nonce, ND_OPT_NONCE_LEN);
}

TEST(nd_emit_reproduces_linux_messages_byte_for_byte)
{
	static const uint8_t mac_a[6] = {0x5e, 0xc1, 0x3f, 0xfc, 0x1a, 0xa4};
	static const uint8_t mac_b[6] = {0x72, 0x3f, 0x09, 0x67, 0x0e, 0xfc};
	struct wire_ipv6 ip;
	struct wire_nd_msg m = {0};
	uint8_t buf[64];
	size_t body;

	/* NS with the source link-layer address. */
	CHECK_EQ(wire_ipv6_parse(linux_ns, sizeof(linux_ns), &ip), WIRE_OK);
	m.type = NDISC_NEIGHBOUR_SOLICITATION;
	m.target = ip6_text("2001:db8::2");
	body = wire_nd_msg_len(m.type);
	CHECK_EQ(body, 24);
	CHECK_EQ(wire_nd_opt_emit_lladdr(buf + body, ND_OPT_SOURCE_LL_ADDR, mac_a, 6), 8);
	CHECK_EQ(wire_nd_emit(buf, &m, 8, &ip.saddr, &ip.daddr), 32);
	CHECK_MEM_EQ(buf, linux_ns + IPV6_HLEN, 32);

	/* NA, solicited and override, with the target link-layer address. */
	CHECK_EQ(wire_ipv6_parse(linux_na, sizeof(linux_na), &ip), WIRE_OK);
	m.type = NDISC_NEIGHBOUR_ADVERTISEMENT;
	m.solicited = m.override = true;
	CHECK_EQ(wire_nd_opt_emit_lladdr(buf + 24, ND_OPT_TARGET_LL_ADDR, mac_b, 6), 8);
	CHECK_EQ(wire_nd_emit(buf, &m, 8, &ip.saddr, &ip.daddr), 32);
	CHECK_MEM_EQ(buf, linux_na + IPV6_HLEN, 32);

	/* RS with the source link-layer address. */
	CHECK_EQ(wire_ipv6_parse(linux_rs, sizeof(linux_rs), &ip), WIRE_OK);
	memset(&m, 0, sizeof(m));
	m.type = NDISC_ROUTER_SOLICITATION;
	CHECK_EQ(wire_nd_opt_emit_lladdr(buf + 8, ND_OPT_SOURCE_LL_ADDR, mac_a, 6), 8);
	CHECK_EQ(wire_nd_emit(buf, &m, 8, &ip.saddr, &ip.daddr), 16);
	CHECK_MEM_EQ(buf, linux_rs + IPV6_HLEN, 16);
}

TEST(a_router_advertisement_round_trips_with_prefixes_and_mtu)
{
	struct in6_addr src = ip6_text("fe80::1"), dst = ip6_text("ff02::1");
	struct wire_nd_prefix p1 = {64, true, true, 2592000, 604800, ip6_text("2001:db8:1::")};
	struct wire_nd_prefix p2 = {48,		true,	    false,
				    0xffffffff, 0xffffffff, ip6_text("2001:db8:2::")};
	struct wire_nd_msg m = {
		.type = NDISC_ROUTER_ADVERTISEMENT,
		.cur_hop_limit = 64,
		.managed = false,
		.other = true,
		.router_lifetime = 1800,
		.reachable_time = 30000,
		.retrans_timer = 1000,
	};
	static const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
	uint8_t buf[256];
	size_t off = wire_nd_msg_len(m.type), len;
	struct wire_icmp6 icmp;
	struct wire_nd_msg out;
	struct wire_nd_opts o;
	struct wire_nd_prefix p;

	off += wire_nd_opt_emit_lladdr(buf + off, ND_OPT_SOURCE_LL_ADDR, mac, 6);
	off += wire_nd_opt_emit_mtu(buf + off, 1400);
	off += wire_nd_opt_emit_prefix(buf + off, &p1);
	off += wire_nd_opt_emit_prefix(buf + off, &p2);
	len = wire_nd_emit(buf, &m, off - wire_nd_msg_len(m.type), &src, &dst);
	CHECK_EQ(len, 16 + 8 + 8 + 32 + 32);
	CHECK_EQ(wire_icmp6_parse(buf, len, &src, &dst, &icmp), WIRE_OK);
	CHECK_EQ(icmp.type, NDISC_ROUTER_ADVERTISEMENT);
	CHECK_EQ(wire_nd_parse(&icmp, &out), WIRE_OK);
	CHECK_EQ(out.cur_hop_limit, 64);
	CHECK(!out.managed && out.other);
	CHECK_EQ(out.router_lifetime, 1800);
	CHECK_EQ(out.reachable_time, 30000);
	CHECK_EQ(out.retrans_timer, 1000);
	CHECK_EQ(wire_nd_parse_options(out.opts, out.opts_len, &o), WIRE_OK);
	CHECK(o.src_lladdr && o.src_lladdr_len == 6);
	CHECK(o.saw_mtu && o.mtu == 1400);
	CHECK_EQ(o.num_prefixes, 2);
	off = 0;
	CHECK(wire_nd_next_prefix(out.opts, out.opts_len, &off, &p));
	CHECK(p.prefix_len == 64 && p.onlink && p.autoconf);
	CHECK(p.valid_lft == 2592000 && p.preferred_lft == 604800);
	CHECK_MEM_EQ(&p.prefix, &p1.prefix, 16);
	CHECK(wire_nd_next_prefix(out.opts, out.opts_len, &off, &p));
	CHECK(p.prefix_len == 48 && p.onlink && !p.autoconf && p.valid_lft == 0xffffffff);
	CHECK(!wire_nd_next_prefix(out.opts, out.opts_len, &off, &p));
	/* The checksum covers the pseudo-header: other addresses fail it. */
	CHECK_EQ(wire_icmp6_parse(buf, len, &src, &src, &icmp), WIRE_ECSUM);
	CHECK_EQ(wire_icmp6_parse(buf, len, NULL, NULL, &icmp), WIRE_OK);
}

TEST(nd_options_of_length_zero_or_past_the_end_invalidate_the_message)
{
	/* RFC 4861 4.6: length 0 is invalid; an unknown type is skipped. */
	uint8_t o[24] = {99,
			 1,
			 0,
			 0,
			 0,
			 0,
			 0,
			 0,
			 ND_OPT_SOURCE_LL_ADDR,
			 1,
			 1,
			 2,
			 3,
			 4,
			 5,
			 6,
			 ND_OPT_SOURCE_LL_ADDR,
			 1,
			 9,
			 9,
			 9,
			 9,
			 9,
			 9};
	struct wire_nd_opts out;
	uint8_t *block, *p;

	CHECK_EQ(wire_nd_parse_options(o, sizeof(o), &out), WIRE_OK);
	/* The first of a duplicated option counts, as in Linux. */
	CHECK(out.src_lladdr == o + 10);
	o[9] = 0;
	CHECK_EQ(wire_nd_parse_options(o, sizeof(o), &out), WIRE_EOPTLEN);
	o[9] = 3; /* 24 bytes from offset 8: past the list */
	CHECK_EQ(wire_nd_parse_options(o, sizeof(o), &out), WIRE_EOPTLEN);
	o[9] = 1;
	o[0] = ND_OPT_MTU;
	o[1] = 2; /* an MTU option is exactly 8 bytes */
	CHECK_EQ(wire_nd_parse_options(o, sizeof(o), &out), WIRE_EOPTVAL);
	o[0] = ND_OPT_PREFIX_INFO; /* and a prefix exactly 32 */
	CHECK_EQ(wire_nd_parse_options(o, sizeof(o), &out), WIRE_EOPTVAL);
	/* A lone type byte at the end, read from an exact copy. */
	o[0] = 99;
	o[1] = 1;
	p = exact_copy(o, 17, &block);
	CHECK_EQ(wire_nd_parse_options(p, 17, &out), WIRE_EOPTLEN);
	free(block);
}

TEST(nd_parse_refuses_messages_too_short_for_their_type)
{
	uint8_t msg[40] = {0};
	struct in6_addr a = ip6_text("fe80::1"), b = ip6_text("fe80::2");
	struct wire_icmp6 icmp;
	struct wire_nd_msg nd;
	static const struct {
		uint8_t type;
		size_t min;
	} t[] = {
		{NDISC_ROUTER_SOLICITATION, 8},
		{NDISC_ROUTER_ADVERTISEMENT, 16},
		{NDISC_NEIGHBOUR_SOLICITATION, 24},
		{NDISC_NEIGHBOUR_ADVERTISEMENT, 24},
		{NDISC_REDIRECT, 40},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		for (size_t len = ICMPV6_HLEN; len <= sizeof(msg); len++) {
			uint8_t *block, *p;

			wire_icmp6_emit(msg, t[i].type, 0, 0, len - ICMPV6_HLEN, &a, &b);
			p = exact_copy(msg, len, &block);
			CHECK_EQ(wire_icmp6_parse(p, len, &a, &b, &icmp), WIRE_OK);
			CHECK_EQ(wire_nd_parse(&icmp, &nd), len < t[i].min ? WIRE_ETRUNC : WIRE_OK);
			free(block);
		}
	}
	wire_icmp6_emit(msg, ICMPV6_ECHO_REQUEST, 0, 0, 32, &a, &b);
	CHECK_EQ(wire_icmp6_parse(msg, 40, &a, &b, &icmp), WIRE_OK);
	CHECK_EQ(wire_nd_parse(&icmp, &nd), WIRE_ETYPE);
	CHECK_EQ(wire_icmp6_parse(msg, 7, &a, &b, &icmp), WIRE_ETRUNC);
}
