/* libFuzzer target: every wire parser on arbitrary bytes. Beyond "no
 * out-of-bounds read" (ASan) it checks what each successful parse
 * promises: the views it returns lie inside the input and agree with the
 * header's lengths, and emitting what was parsed and parsing that again
 * gives the same fields. */
#include <stdint.h>
#include <string.h>

#include "net/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                     \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

static void inside(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
	REQUIRE(p >= buf && n <= len && (size_t)(p - buf) <= len - n);
}

static void fuzz_ipv4(const uint8_t *d, size_t n)
{
	struct wire_ipv4 ip, again;
	uint8_t out[IPV4_HLEN_MIN];

	if (wire_ipv4_parse(d, n, false, &ip) != WIRE_OK)
		return;
	inside(d, ip.hdr_len, d, n);
	inside(ip.payload, ip.payload_len, d, n);
	inside(ip.opts, ip.opts_len, d, n);
	REQUIRE(ip.hdr_len + ip.payload_len == ip.tot_len);
	REQUIRE((ip.frag_off & IP_OFFMASK) * 8u + ip.payload_len <= IP_MAXPACKET);
	/* Re-emitting the fixed header verifies and parses to the same. */
	ip.tot_len = IPV4_HLEN_MIN;
	wire_ipv4_emit(out, &ip);
	REQUIRE(wire_ipv4_parse(out, sizeof(out), true, &again) == WIRE_OK);
	REQUIRE(again.saddr == ip.saddr && again.daddr == ip.daddr && again.id == ip.id &&
		again.ttl == ip.ttl && again.protocol == ip.protocol &&
		again.frag_off == ip.frag_off);
}

static void fuzz_tcp(const uint8_t *d, size_t n)
{
	struct wire_tcp tcp;
	struct wire_tcp_opts opts, nosyn, again;
	enum wire_err verdict;
	uint8_t buf[TCP_HLEN_MAX];

	if (wire_tcp_parse(d, n, &tcp) != WIRE_OK)
		return;
	inside(tcp.payload, tcp.payload_len, d, n);
	inside(tcp.opts, tcp.opts_len, d, n);
	REQUIRE(tcp.hdr_len + tcp.payload_len == n);
	/* Read as in a SYN, where every option counts, and as in any other
	 * segment: the verdict is the same, and outside a SYN only the
	 * timestamps and SACK blocks are taken. */
	verdict = wire_tcp_parse_options(tcp.opts, tcp.opts_len, true, &opts);
	REQUIRE(wire_tcp_parse_options(tcp.opts, tcp.opts_len, false, &nosyn) == verdict);
	REQUIRE(!nosyn.saw_mss && !nosyn.saw_wscale && !nosyn.sack_ok && !nosyn.saw_fastopen);
	/* A Fast Open cookie is a request (0), 4..16 even bytes, or refused */
	REQUIRE(!opts.saw_fastopen || opts.fastopen_len == -1 || opts.fastopen_len == 0 ||
		(opts.fastopen_len >= TCP_FASTOPEN_COOKIE_MIN &&
		 opts.fastopen_len <= TCP_FASTOPEN_COOKIE_MAX && !(opts.fastopen_len & 1)));
	REQUIRE(nosyn.saw_tstamp == opts.saw_tstamp && nosyn.num_sacks == opts.num_sacks);
	REQUIRE(opts.num_sacks <= TCP_MAX_SACKS);
	REQUIRE(!opts.saw_mss || opts.mss != 0);
	/* What we took, well formed or not, written Linux's way, reads back
	 * the same and well formed. */
	size_t len = wire_tcp_options_len(&opts);
	if (len > sizeof(buf))
		return; /* e.g. 4 SACK blocks with timestamps: too long to send */
	REQUIRE(wire_tcp_emit_options(buf, &opts) == len);
	REQUIRE(wire_tcp_parse_options(buf, len, true, &again) == WIRE_OK);
	REQUIRE(again.saw_mss == opts.saw_mss && (!opts.saw_mss || again.mss == opts.mss));
	REQUIRE(again.saw_wscale == opts.saw_wscale &&
		(!opts.saw_wscale || again.wscale == opts.wscale));
	REQUIRE(again.sack_ok == opts.sack_ok && again.saw_tstamp == opts.saw_tstamp);
	REQUIRE(!opts.saw_tstamp || (again.tsval == opts.tsval && again.tsecr == opts.tsecr));
	REQUIRE(again.num_sacks == opts.num_sacks);
	REQUIRE(memcmp(again.sacks, opts.sacks, opts.num_sacks * sizeof(opts.sacks[0])) == 0);
	if (opts.saw_fastopen && opts.fastopen_len >= 0) {
		REQUIRE(again.saw_fastopen && again.fastopen_exp == opts.fastopen_exp &&
			again.fastopen_len == opts.fastopen_len);
		REQUIRE(memcmp(again.fastopen_cookie, opts.fastopen_cookie,
			       (size_t)opts.fastopen_len) == 0);
	}
}

/* An IPv6 packet and its chain of extension headers, walked as far as
 * the parsers let it go: every view lies inside the input, the options of
 * each header step to its end exactly, and re-emitted headers parse the
 * same. */
static void fuzz_ipv6(const uint8_t *d, size_t n)
{
	struct wire_ipv6 ip, again;
	uint8_t out[IPV6_HLEN];
	const uint8_t *p;
	size_t left;
	uint8_t next;

	if (wire_ipv6_parse(d, n, &ip) != WIRE_OK)
		return;
	inside(ip.payload, ip.payload_len, d, n);
	REQUIRE(IPV6_HLEN + (size_t)ip.payload_len <= n);
	wire_ipv6_emit(out, &ip);
	REQUIRE(memcmp(out, d, IPV6_HLEN) == 0);
	REQUIRE(wire_ipv6_parse(out, sizeof(out), &again) ==
		(ip.payload_len ? WIRE_ETOTLEN : WIRE_OK));
	p = ip.payload;
	left = ip.payload_len;
	next = ip.nexthdr;
	for (int hops = 0; hops < 64; hops++) {
		struct wire_ipv6_ext ext;
		struct wire_ipv6_tlv tlv;
		size_t off = 0, steps = 0;

		if (wire_ipv6_ext_parse(next, p, left, &ext) != WIRE_OK)
			break;
		REQUIRE(wire_ipv6_ext_hdr(next));
		inside(p, ext.hdr_len, p, left);
		inside(ext.data, ext.data_len, p, ext.hdr_len);
		while (wire_ipv6_tlv_next(&ext, &off, &tlv)) {
			REQUIRE(off <= ext.data_len && ++steps <= ext.data_len);
			if (tlv.type != IPV6_TLV_PAD1)
				inside(tlv.data, tlv.len, ext.data, ext.data_len);
		}
		REQUIRE(off == ext.data_len || (next != NEXTHDR_HOP && next != NEXTHDR_DEST));
		if (next == NEXTHDR_FRAGMENT) {
			uint8_t f[IPV6_FRAG_HLEN];
			struct wire_ipv6_ext fa;
			wire_ipv6_frag_emit(f, ext.nexthdr, ext.frag.offset, ext.frag.more,
					    ext.frag.id);
			REQUIRE(wire_ipv6_ext_parse(NEXTHDR_FRAGMENT, f, sizeof(f), &fa) ==
				WIRE_OK);
			REQUIRE(fa.frag.offset == ext.frag.offset &&
				fa.frag.more == ext.frag.more && fa.frag.id == ext.frag.id &&
				fa.nexthdr == ext.nexthdr);
		}
		next = ext.nexthdr;
		p += ext.hdr_len;
		left -= ext.hdr_len;
	}
}

/* ICMPv6 and, for the ND types, the message and its options: views inside
 * the input, prefixes counted as the walk finds them, and the message
 * built again from what was read parses to the same fields. */
static void fuzz_ndisc(const uint8_t *d, size_t n)
{
	static const struct in6_addr a = {{{0xfe, 0x80, [15] = 1}}}, b = {{{0xff, 0x02, [15] = 1}}};
	struct wire_icmp6 icmp, icmp2;
	struct wire_nd_msg nd, nd2;
	struct wire_nd_opts o;
	struct wire_nd_prefix pfx;
	uint8_t buf[64];
	size_t off = 0, len;
	unsigned prefixes = 0;

	if (wire_icmp6_parse(d, n, NULL, NULL, &icmp) != WIRE_OK)
		return;
	inside(icmp.payload, icmp.payload_len, d, n);
	if (wire_nd_parse(&icmp, &nd) != WIRE_OK)
		return;
	inside(nd.opts, nd.opts_len, d, n);
	REQUIRE(wire_nd_msg_len(nd.type) + nd.opts_len == n);
	if (wire_nd_parse_options(nd.opts, nd.opts_len, &o) == WIRE_OK) {
		if (o.src_lladdr)
			inside(o.src_lladdr, o.src_lladdr_len, nd.opts, nd.opts_len);
		if (o.tgt_lladdr)
			inside(o.tgt_lladdr, o.tgt_lladdr_len, nd.opts, nd.opts_len);
		if (o.nonce)
			inside(o.nonce, ND_OPT_NONCE_LEN, nd.opts, nd.opts_len);
		if (o.redirect_hdr)
			inside(o.redirect_hdr, o.redirect_hdr_len, nd.opts, nd.opts_len);
		while (wire_nd_next_prefix(nd.opts, nd.opts_len, &off, &pfx))
			REQUIRE(++prefixes <= o.num_prefixes);
		REQUIRE(prefixes == o.num_prefixes);
	}
	len = wire_nd_emit(buf, &nd, 0, &a, &b);
	REQUIRE(len == wire_nd_msg_len(nd.type));
	REQUIRE(wire_icmp6_parse(buf, len, &a, &b, &icmp2) == WIRE_OK);
	REQUIRE(wire_nd_parse(&icmp2, &nd2) == WIRE_OK);
	REQUIRE(nd2.type == nd.type && memcmp(&nd2.target, &nd.target, 16) == 0 &&
		memcmp(&nd2.dest, &nd.dest, 16) == 0 && nd2.router == nd.router &&
		nd2.solicited == nd.solicited && nd2.override == nd.override &&
		nd2.cur_hop_limit == nd.cur_hop_limit && nd2.managed == nd.managed &&
		nd2.other == nd.other && nd2.router_lifetime == nd.router_lifetime &&
		nd2.reachable_time == nd.reachable_time && nd2.retrans_timer == nd.retrans_timer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_eth eth;
	struct wire_arp arp;
	struct wire_icmp icmp;
	struct wire_udp udp;

	if (wire_eth_parse(data, size, &eth) == WIRE_OK) {
		inside(eth.payload, eth.payload_len, data, size);
		REQUIRE(eth.payload_len + ETH_HLEN == size);
	}
	if (wire_arp_parse(data, size, &arp) == WIRE_OK) {
		uint8_t out[ARP_HLEN];
		struct wire_arp again;
		wire_arp_emit(out, &arp);
		REQUIRE(wire_arp_parse(out, sizeof(out), &again) == WIRE_OK);
		REQUIRE(again.op == arp.op && again.sip == arp.sip && again.tip == arp.tip);
	}
	if (wire_icmp_parse(data, size, true, &icmp) == WIRE_OK) {
		inside(icmp.payload, icmp.payload_len, data, size);
		REQUIRE(icmp.payload_len + ICMP_HLEN == size);
	}
	if (wire_udp_parse(data, size, &udp) == WIRE_OK) {
		inside(udp.payload, udp.payload_len, data, size);
		REQUIRE(udp.len == udp.payload_len + UDP_HLEN && udp.len <= size);
	}
	fuzz_ipv4(data, size);
	fuzz_ipv6(data, size);
	fuzz_ndisc(data, size);
	fuzz_tcp(data, size);
	(void)csum_fold(csum_partial(data, size, 0));
	return 0;
}
