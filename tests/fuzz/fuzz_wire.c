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
	REQUIRE(!nosyn.saw_mss && !nosyn.saw_wscale && !nosyn.sack_ok);
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
	fuzz_tcp(data, size);
	(void)csum_fold(csum_partial(data, size, 0));
	return 0;
}
