/* The wire layer: pure parse and emit functions for every header usertcp
 * speaks. No state, no allocation, no clock.
 *
 * Parsers read a buffer they are given and fill a small host-order struct;
 * they never modify the received bytes and never read outside [buf, buf+len).
 * Every length is checked before the first read that depends on it, and a
 * malformed input is reported as a distinct enum wire_err value.
 *
 * Emitters write a header into a buffer the caller sized (the *_HLEN or
 * *_hdr_len() value) and return the number of bytes written. Checksums are
 * filled by the emitters that can compute them (ICMP over its whole message;
 * IPv4 header) or by the caller with the pseudo-header helpers (UDP, TCP),
 * because those cover payload the emitter does not see.
 */
#ifndef USERTCP_NET_WIRE_H
#define USERTCP_NET_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

enum wire_err {
	WIRE_OK = 0,
	WIRE_ETRUNC,   /* buffer shorter than the fixed header */
	WIRE_EHDRLEN,  /* header length field too small or past the buffer */
	WIRE_ETOTLEN,  /* total/length field disagrees with the buffer */
	WIRE_EVERSION, /* IP version is not the one parsed (4, or 6) */
	WIRE_ECSUM,    /* checksum does not verify */
	WIRE_EOPTLEN,  /* an option's length is 0, 1, or runs past the header */
	WIRE_EOPTVAL,  /* an option has a length wrong for its kind */
	WIRE_EHWTYPE,  /* ARP: not Ethernet/IPv4 (htype 1, ptype 0x0800, 6, 4) */
	WIRE_EFRAG,    /* IPv4: fragment offset+length beyond 65535 */
	WIRE_ETYPE,    /* a type the parser does not read: an IPv6 Next Header
			* that is no extension header, an ICMPv6 type that is
			* no Neighbour Discovery message */
	WIRE_EFLAGS,   /* a flag bit the format does not define */
};

/* Human-readable name of an error, for traces and test output. */
const char *wire_strerror(enum wire_err err);

/* ---- Internet checksum (RFC 1071) ---------------------------------------
 * csum_partial() returns a 32-bit running sum (not folded) of len bytes added
 * to sum, reading 8 bytes at a time; odd lengths and any alignment are
 * handled. csum_fold() folds to 16 bits and complements. A message verifies
 * when csum_fold(csum_partial(msg, len, 0)) == 0.
 * The pseudo-header helper sums the RFC 793/768 pseudo-header (addresses in
 * network byte order, proto, length) for TCP/UDP. */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);
uint16_t csum_fold(uint32_t sum);
uint32_t csum_tcpudp_nofold(uint32_t saddr_be, uint32_t daddr_be, uint16_t len, uint8_t proto,
			    uint32_t sum);
/* The complete checksum of a TCP or UDP segment (header with its checksum
 * field zero, plus payload) under the pseudo-header; value in host order,
 * ready for the emitters' csum field. For UDP a result of 0 must be sent as
 * 0xffff (RFC 768); wire_udp_emit does that. */
uint16_t csum_tcpudp(uint32_t saddr_be, uint32_t daddr_be, uint8_t proto, const void *seg,
		     size_t seg_len);

/* Byte order helpers that never do unaligned loads. */
static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- Ethernet II ---------------------------------------------------------*/
#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_IPV6 0x86DD
#define ETH_ZLEN 60 /* minimum frame without FCS */

struct wire_eth {
	uint8_t dst[ETH_ALEN], src[ETH_ALEN];
	uint16_t proto; /* host order */
	const uint8_t *payload;
	size_t payload_len;
};
enum wire_err wire_eth_parse(const uint8_t *buf, size_t len, struct wire_eth *out);
size_t wire_eth_emit(uint8_t *buf, const uint8_t dst[ETH_ALEN], const uint8_t src[ETH_ALEN],
		     uint16_t proto);

/* ---- ARP (RFC 826), Ethernet/IPv4 only -----------------------------------*/
#define ARP_HLEN 28
#define ARPOP_REQUEST 1
#define ARPOP_REPLY 2

struct wire_arp {
	uint16_t op;
	uint8_t sha[ETH_ALEN];
	uint32_t sip; /* network byte order, as in_addr_t */
	uint8_t tha[ETH_ALEN];
	uint32_t tip; /* network byte order */
};
enum wire_err wire_arp_parse(const uint8_t *buf, size_t len, struct wire_arp *out);
size_t wire_arp_emit(uint8_t *buf, const struct wire_arp *arp);

/* ---- IPv4 (RFC 791) ------------------------------------------------------*/
#define IPV4_HLEN_MIN 20
#define IPV4_HLEN_MAX 60
#define IP_MAXPACKET 65535 /* tot_len is 16 bits: the largest datagram and MTU */
#define IPV4_MIN_MTU 68	   /* RFC 791: every module forwards this unfragmented */
/* RFC 791, RFC 1122 3.3.2 (EMTU_R): every host accepts datagrams this
 * large, so it is the size to assume when nothing better is known. */
#define IPV4_MIN_REASM_SIZE 576
#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17

struct wire_ipv4 {
	uint8_t hdr_len; /* bytes, 20..60 */
	uint8_t tos;
	uint16_t tot_len; /* header + payload, from the header */
	uint16_t id;
	uint16_t frag_off; /* flags (IP_DF, IP_MF) | offset in 8-byte units */
	uint8_t ttl, protocol;
	uint16_t check;
	uint32_t saddr, daddr; /* network byte order */
	const uint8_t *opts;   /* options are skipped, but bounds-checked */
	size_t opts_len;
	const uint8_t *payload; /* tot_len - hdr_len bytes */
	size_t payload_len;
};
/* Validates version, header length, total length <= len (bytes past
 * tot_len are link-layer padding and are ignored), fragment end <= 65535,
 * option list well-formed (EOL/NOP single bytes, others len >= 2 and within
 * the header) and, when verify_csum, the header checksum. */
enum wire_err wire_ipv4_parse(const uint8_t *buf, size_t len, bool verify_csum,
			      struct wire_ipv4 *out);
/* Writes a 20-byte header (no options) with its checksum. ip->hdr_len,
 * opts and payload are ignored; tot_len must be set by the caller. */
size_t wire_ipv4_emit(uint8_t *buf, const struct wire_ipv4 *ip);

/* ---- ICMPv4 (RFC 792) ----------------------------------------------------*/
#define ICMP_HLEN 8
#define ICMP_ECHOREPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12
/* Destination unreachable codes. */
#define ICMP_NET_UNREACH 0
#define ICMP_HOST_UNREACH 1
#define ICMP_PROT_UNREACH 2
#define ICMP_PORT_UNREACH 3
#define ICMP_FRAG_NEEDED 4
/* Time exceeded codes. */
#define ICMP_EXC_TTL 0
#define ICMP_EXC_FRAGTIME 1

struct wire_icmp {
	uint8_t type, code;
	uint16_t check;
	uint32_t rest;		/* bytes 4..7, host order: echo id<<16|seq, or
					 * next-hop MTU for FRAG_NEEDED in low 16 bits */
	const uint8_t *payload; /* echo data, or the offending datagram */
	size_t payload_len;
};
static inline uint16_t wire_icmp_echo_id(const struct wire_icmp *m)
{
	return (uint16_t)(m->rest >> 16);
}
static inline uint16_t wire_icmp_echo_seq(const struct wire_icmp *m)
{
	return (uint16_t)m->rest;
}
/* Checks length >= 8 and, when verify_csum, the checksum over all len bytes. */
enum wire_err wire_icmp_parse(const uint8_t *buf, size_t len, bool verify_csum,
			      struct wire_icmp *out);
/* Writes the 8-byte header followed by nothing: the payload must already sit
 * right after it in buf (buf[8..8+payload_len)), because the checksum covers
 * it. Returns ICMP_HLEN. */
size_t wire_icmp_emit(uint8_t *buf, uint8_t type, uint8_t code, uint32_t rest, size_t payload_len);

/* ---- IPv6 (RFC 8200) -----------------------------------------------------*/
#define IPV6_HLEN 40
#define IPV6_MIN_MTU 1280 /* RFC 8200 5: every link carries this unfragmented */
/* Next Header values (IANA "Assigned Internet Protocol Numbers"), Linux's
 * names. */
#define NEXTHDR_HOP 0
#define NEXTHDR_TCP 6
#define NEXTHDR_UDP 17
#define NEXTHDR_IPV6 41
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_ESP 50
#define NEXTHDR_AUTH 51
#define NEXTHDR_ICMP 58
#define NEXTHDR_NONE 59
#define NEXTHDR_DEST 60

struct wire_ipv6 {
	uint8_t tclass;	      /* traffic class: DSCP and ECN, as IPv4's TOS */
	uint32_t flow_label;  /* 20 bits */
	uint16_t payload_len; /* bytes after the fixed header, from the header */
	uint8_t nexthdr, hop_limit;
	struct in6_addr saddr, daddr;
	const uint8_t *payload; /* payload_len bytes: extension headers first */
};
/* Validates the version and that the payload length fits the buffer
 * (bytes past it are link-layer padding and are ignored, as for IPv4). A
 * payload length of 0 is an empty payload: jumbograms (RFC 2675) are not
 * taken, as no link usertcp drives carries them. */
enum wire_err wire_ipv6_parse(const uint8_t *buf, size_t len, struct wire_ipv6 *out);
/* Writes the 40-byte header from ip (payload ignored). Returns IPV6_HLEN. */
size_t wire_ipv6_emit(uint8_t *buf, const struct wire_ipv6 *ip);

/* True for the Next Header values that are extension headers in the sense
 * of Linux's ipv6_ext_hdr: hop-by-hop, routing, fragment, authentication,
 * destination options, and "no next header". */
bool wire_ipv6_ext_hdr(uint8_t nexthdr);

#define IPV6_FRAG_HLEN 8
#define IP6_OFFSET 0xfff8 /* fragment offset in bytes, a multiple of 8 */
#define IP6_MF 0x0001

/* One extension header (RFC 8200 4.3-4.6, RFC 4302 2 for AH). */
struct wire_ipv6_ext {
	uint8_t type;	 /* NEXTHDR_HOP, _ROUTING, _FRAGMENT, _AUTH, _DEST */
	uint8_t nexthdr; /* the header after this one */
	size_t hdr_len;	 /* bytes of the whole extension header */
	/* Hop-by-hop and destination options: the option area (TLVs,
	 * checked well formed); routing: the type-specific data after the
	 * first four bytes; fragment and AH: empty. */
	const uint8_t *data;
	size_t data_len;
	union {
		struct {
			uint8_t type, segments_left;
		} rt;
		struct {
			uint16_t offset; /* bytes, a multiple of 8 */
			bool more;	 /* M flag: more fragments follow */
			uint32_t id;
		} frag;
	};
};
/* Parses the extension header of the given type (the previous header's
 * Next Header) at the start of buf: its length must fit len, and the
 * option area of a hop-by-hop or destination options header must be a
 * well formed TLV list (Pad1 one byte; every other option a type, a
 * length and that many bytes inside the header), else WIRE_EOPTLEN.
 * WIRE_ETYPE for a type that is not one of the five above (ESP, "no
 * next header", an upper layer). The walk of a chain, and its bounds,
 * belong to the caller. */
enum wire_err wire_ipv6_ext_parse(uint8_t type, const uint8_t *buf, size_t len,
				  struct wire_ipv6_ext *out);

/* One option of a hop-by-hop or destination options header. The two high
 * bits of type say what a node that does not know it must do (RFC 8200
 * 4.2), the third whether it may change en route. */
#define IPV6_TLV_PAD1 0
#define IPV6_TLV_PADN 1
#define IPV6_TLV_ROUTERALERT 5
#define IPV6_TLV_JUMBO 0xc2
struct wire_ipv6_tlv {
	uint8_t type;
	uint8_t len; /* bytes of data (0 for Pad1) */
	const uint8_t *data;
};
/* Steps through the options of a header wire_ipv6_ext_parse accepted,
 * Pad1 and PadN included: *off starts at 0; false once past the last. */
bool wire_ipv6_tlv_next(const struct wire_ipv6_ext *ext, size_t *off, struct wire_ipv6_tlv *tlv);
/* Writes a fragment header. Returns IPV6_FRAG_HLEN. */
size_t wire_ipv6_frag_emit(uint8_t *buf, uint8_t nexthdr, uint16_t offset, bool more, uint32_t id);

/* The checksum of an upper-layer message (TCP, UDP, ICMPv6) under the IPv6
 * pseudo-header of RFC 8200 8.1: source, destination, the upper-layer
 * length as 32 bits, three zero bytes and the Next Header value. The
 * nofold form adds the pseudo-header to a running sum, as
 * csum_tcpudp_nofold does for IPv4. */
uint32_t csum_ipv6_magic_nofold(const struct in6_addr *saddr, const struct in6_addr *daddr,
				uint32_t len, uint8_t proto, uint32_t sum);
uint16_t csum_ipv6(const struct in6_addr *saddr, const struct in6_addr *daddr, uint8_t proto,
		   const void *msg, size_t len);

/* ---- ICMPv6 (RFC 4443) ---------------------------------------------------*/
#define ICMPV6_HLEN 8
#define ICMPV6_DEST_UNREACH 1
#define ICMPV6_PKT_TOOBIG 2
#define ICMPV6_TIME_EXCEED 3
#define ICMPV6_PARAMPROB 4
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129
/* Destination unreachable codes. */
#define ICMPV6_NOROUTE 0
#define ICMPV6_ADM_PROHIBITED 1
#define ICMPV6_NOT_NEIGHBOUR 2
#define ICMPV6_ADDR_UNREACH 3
#define ICMPV6_PORT_UNREACH 4
/* Time exceeded codes. */
#define ICMPV6_EXC_HOPLIMIT 0
#define ICMPV6_EXC_FRAGTIME 1
/* Parameter problem codes; rest holds the offending byte's offset. */
#define ICMPV6_HDR_FIELD 0
#define ICMPV6_UNK_NEXTHDR 1
#define ICMPV6_UNK_OPTION 2
#define ICMPV6_HDR_INCOMP 3 /* RFC 7112: first fragment without the whole header chain */

struct wire_icmp6 {
	uint8_t type, code;
	uint16_t check;
	uint32_t rest;		/* bytes 4..7, host order: echo id<<16|seq,
					 * the MTU of Packet Too Big, the pointer
					 * of Parameter Problem */
	const uint8_t *payload; /* after the 8-byte header */
	size_t payload_len;
};
/* Checks len >= 8 and, when saddr and daddr are given, the checksum, which
 * ICMPv6 always carries and which covers the pseudo-header (RFC 4443 2.3). */
enum wire_err wire_icmp6_parse(const uint8_t *buf, size_t len, const struct in6_addr *saddr,
			       const struct in6_addr *daddr, struct wire_icmp6 *out);
/* Writes the 8-byte header over the payload_len bytes that must already
 * follow it in buf, with the checksum for saddr -> daddr. Returns
 * ICMPV6_HLEN. */
size_t wire_icmp6_emit(uint8_t *buf, uint8_t type, uint8_t code, uint32_t rest, size_t payload_len,
		       const struct in6_addr *saddr, const struct in6_addr *daddr);

/* ---- Neighbour Discovery (RFC 4861) --------------------------------------*/
#define NDISC_ROUTER_SOLICITATION 133
#define NDISC_ROUTER_ADVERTISEMENT 134
#define NDISC_NEIGHBOUR_SOLICITATION 135
#define NDISC_NEIGHBOUR_ADVERTISEMENT 136
#define NDISC_REDIRECT 137
/* Option types (RFC 4861 4.6; the nonce of RFC 3971 5.3.2, which Linux
 * uses for enhanced duplicate address detection, RFC 7527). */
#define ND_OPT_SOURCE_LL_ADDR 1
#define ND_OPT_TARGET_LL_ADDR 2
#define ND_OPT_PREFIX_INFO 3
#define ND_OPT_REDIRECT_HDR 4
#define ND_OPT_MTU 5
#define ND_OPT_NONCE 14
#define ND_OPT_PREFIX_INFO_LEN 32
#define ND_OPT_MTU_LEN 8
#define ND_OPT_NONCE_LEN 6 /* the nonce's bytes in the smallest option */

struct wire_nd_msg {
	uint8_t type; /* NDISC_* */
	/* NS, NA, redirect: the target; redirect: the destination too. */
	struct in6_addr target, dest;
	bool router, solicited, override; /* NA's R, S, O flags */
	/* RA: the current hop limit, M and O flags, router lifetime (s),
	 * reachable time and retransmission timer (ms). */
	uint8_t cur_hop_limit;
	bool managed, other;
	uint16_t router_lifetime;
	uint32_t reachable_time, retrans_timer;
	const uint8_t *opts; /* the option list, not yet checked */
	size_t opts_len;
};
/* Reads the message body of an ICMPv6 message of an ND type, checking that
 * it is long enough for its type (RFC 4861 6.1, 7.1, 8.1: RS 8 bytes, RA
 * 16, NS and NA 24, redirect 40). Hop limit, code and options are the
 * caller's to check (wire_nd_parse_options). WIRE_ETYPE if icmp's type
 * is not an ND message. */
enum wire_err wire_nd_parse(const struct wire_icmp6 *icmp, struct wire_nd_msg *out);

struct wire_nd_prefix {
	uint8_t prefix_len;
	bool onlink, autoconf;		   /* L and A flags */
	uint32_t valid_lft, preferred_lft; /* seconds; 0xffffffff: forever */
	struct in6_addr prefix;
};
/* The options Linux's ndisc_parse_options keeps: the first of each kind
 * that may appear once (a duplicate is ignored), and where the prefix
 * information options are, to walk with wire_nd_next_prefix. */
struct wire_nd_opts {
	const uint8_t *src_lladdr, *tgt_lladdr; /* the address bytes */
	uint8_t src_lladdr_len, tgt_lladdr_len; /* bytes: option length - 2 */
	bool saw_mtu;
	uint32_t mtu;
	const uint8_t *nonce; /* ND_OPT_NONCE_LEN bytes or NULL */
	const uint8_t *redirect_hdr;
	size_t redirect_hdr_len;
	unsigned num_prefixes;
};
/* Checks the option list: every option has a length of at least one
 * 8-byte unit that fits the list (RFC 4861 4.6: length 0 makes the whole
 * message invalid: WIRE_EOPTLEN), and a prefix or MTU option has its
 * fixed size (WIRE_EOPTVAL). Unknown options are skipped by their length
 * (RFC 4861 4.6, "MUST silently ignore"). */
enum wire_err wire_nd_parse_options(const uint8_t *opts, size_t len, struct wire_nd_opts *out);
/* Steps through the prefix information options of a list that
 * wire_nd_parse_options accepted: *off starts at 0; false at the end. */
bool wire_nd_next_prefix(const uint8_t *opts, size_t len, size_t *off, struct wire_nd_prefix *out);

/* Option emitters: each writes one option padded to a multiple of 8 bytes
 * and returns its length. */
size_t wire_nd_opt_emit_lladdr(uint8_t *buf, uint8_t type, const uint8_t *lladdr, size_t alen);
size_t wire_nd_opt_emit_prefix(uint8_t *buf, const struct wire_nd_prefix *p);
size_t wire_nd_opt_emit_mtu(uint8_t *buf, uint32_t mtu);
/* The bytes wire_nd_emit writes before the options for a message type (0
 * for a type that is not ND). */
size_t wire_nd_msg_len(uint8_t type);
/* Writes a whole ND message: the ICMPv6 header, the body of m->type and,
 * after it, opts_len bytes of options that the caller has already written
 * at buf + wire_nd_msg_len(m->type) (m->opts is ignored); then the
 * checksum for saddr -> daddr. Code 0, as RFC 4861 requires. Returns the
 * message's length. */
size_t wire_nd_emit(uint8_t *buf, const struct wire_nd_msg *m, size_t opts_len,
		    const struct in6_addr *saddr, const struct in6_addr *daddr);

/* ---- UDP (RFC 768) -------------------------------------------------------*/
#define UDP_HLEN 8
struct wire_udp {
	uint16_t sport, dport, len, check;
	const uint8_t *payload;
	size_t payload_len;
};
/* Checks length >= 8, 8 <= udp len <= buffer len (shorter datagrams inside a
 * longer buffer are trimmed to their length field). Checksum is verified by
 * the caller, which knows the addresses (csum_tcpudp; check 0 = none). */
enum wire_err wire_udp_parse(const uint8_t *buf, size_t len, struct wire_udp *out);
/* Writes the header; payload_len bytes of payload must follow in buf. If
 * saddr/daddr are non-zero, the checksum is computed (0 sent as 0xffff). */
size_t wire_udp_emit(uint8_t *buf, uint16_t sport, uint16_t dport, size_t payload_len,
		     uint32_t saddr_be, uint32_t daddr_be);

/* ---- TCP (RFC 9293) and its options --------------------------------------*/
#define TCP_HLEN_MIN 20
#define TCP_HLEN_MAX 60
#define TCPHDR_FIN 0x01
#define TCPHDR_SYN 0x02
#define TCPHDR_RST 0x04
#define TCPHDR_PSH 0x08
#define TCPHDR_ACK 0x10
#define TCPHDR_URG 0x20
#define TCPHDR_ECE 0x40
#define TCPHDR_CWR 0x80

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WINDOW 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK 5
#define TCPOPT_TIMESTAMP 8
#define TCPOPT_FASTOPEN 34 /* RFC 7413 section 4.1.1 */
#define TCPOPT_EXP 254	   /* RFC 6994 experimental, shared by a 16-bit magic */
#define TCPOPT_FASTOPEN_MAGIC 0xF989
#define TCPOLEN_FASTOPEN_BASE 2
#define TCPOLEN_EXP_FASTOPEN_BASE 4
#define TCP_FASTOPEN_COOKIE_MIN 4
#define TCP_FASTOPEN_COOKIE_MAX 16
#define TCP_FASTOPEN_COOKIE_SIZE 8 /* what usertcp's server makes, as Linux */
#define TCPOLEN_MSS 4
#define TCPOLEN_WINDOW 3
#define TCPOLEN_SACK_PERM 2
#define TCPOLEN_TIMESTAMP 10
/* Sizes of the pieces wire_tcp_emit_options writes, each padded to a
 * multiple of 4 with leading NOPs the way Linux does it. */
#define TCPOLEN_MSS_ALIGNED 4
#define TCPOLEN_TSTAMP_ALIGNED 12   /* [NOP,NOP] or [4,2], then 8,10,val,ecr */
#define TCPOLEN_SACKPERM_ALIGNED 4  /* [NOP,NOP,4,2] */
#define TCPOLEN_WSCALE_ALIGNED 4    /* [NOP,3,3,shift] */
#define TCPOLEN_SACK_BASE_ALIGNED 4 /* [NOP,NOP,5,len] */
#define TCPOLEN_SACK_PERBLOCK 8
#define TCP_MAX_SACKS 4

struct wire_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack_seq;
	uint8_t hdr_len; /* bytes, 20..60 */
	uint8_t flags;	 /* TCPHDR_* */
	uint16_t window, check, urg_ptr;
	const uint8_t *opts;
	size_t opts_len;
	const uint8_t *payload;
	size_t payload_len;
};
/* Checks length >= 20 and 20 <= data offset*4 <= len. Options are parsed
 * separately by wire_tcp_parse_options. Checksum is the caller's (it needs
 * the pseudo-header). */
enum wire_err wire_tcp_parse(const uint8_t *buf, size_t len, struct wire_tcp *out);

struct wire_tcp_sack_block {
	uint32_t start, end;
};
/* The options Linux understands, parsed from the option bytes. A saw_* flag
 * (and sack_ok, num_sacks) is set only when the option was present with its
 * correct length and taken by the rules of wire_tcp_parse_options. */
struct wire_tcp_opts {
	bool saw_mss, saw_wscale, sack_ok, saw_tstamp;
	uint16_t mss;
	uint8_t wscale; /* raw value as received (clamping is policy) */
	uint32_t tsval, tsecr;
	uint8_t num_sacks;
	struct wire_tcp_sack_block sacks[TCP_MAX_SACKS];
	/* Fast Open (RFC 7413 4.1.1), in a SYN only: saw_fastopen when the
	 * option came (kind 34, or 254 with magic 0xF989: fastopen_exp);
	 * fastopen_len is the cookie's length, 0 for a cookie request, -1
	 * for a length Linux refuses (odd, or not 4..16). The last such
	 * option wins, as in Linux's tcp_parse_options. For the emitter,
	 * saw_fastopen with fastopen_len >= 0 writes it. */
	bool saw_fastopen, fastopen_exp;
	int8_t fastopen_len;
	uint8_t fastopen_cookie[TCP_FASTOPEN_COOKIE_MAX];
};
/* The one TCP option parser: TCP input uses what it fills in, tests and
 * fuzzers also check what it returns. One walk of the list gives both:
 *
 * out holds what Linux's tcp_parse_options would take. EOL ends the list,
 * NOP is one byte, every other kind has a length byte. A length under 2 or
 * past the end stops the walk, keeping what came before. A known kind with
 * a wrong length is passed over (SACK: length 2+8n, n >= 1; more than 4
 * blocks gives the first 4). MSS, window scale and SACK-permitted are taken
 * only when syn (the segment has SYN set), and an MSS of 0 never. Unknown
 * kinds are skipped by their length.
 *
 * The return value is the first malformation met, WIRE_OK if none: a length
 * that stopped the walk gives WIRE_EOPTLEN, a known kind with a wrong length
 * (or more than 4 SACK blocks) WIRE_EOPTVAL. Options ignored for not being
 * in a SYN, or an MSS of 0, are well formed. */
enum wire_err wire_tcp_parse_options(const uint8_t *opts, size_t len, bool syn,
				     struct wire_tcp_opts *out);
/* Bytes needed by wire_tcp_emit_options for these options, a multiple of 4. */
size_t wire_tcp_options_len(const struct wire_tcp_opts *opts);
/* Writes the options present in opts (saw_mss, saw_tstamp, sack_ok,
 * saw_wscale, num_sacks) in the order and layout Linux's tcp_options_write()
 * uses, so captures look like Linux's:
 *   MSS                      [2,4,mss]
 *   SACK-permitted + TS      [4,2][8,10,tsval,tsecr]   (both present)
 *   TS alone                 [NOP,NOP][8,10,tsval,tsecr]
 *   SACK-permitted alone     [NOP,NOP][4,2]
 *   window scale             [NOP][3,3,shift]
 *   SACK blocks              [NOP,NOP][5,2+8n, blocks...]
 *   Fast Open cookie         [34,2+n,cookie] or [254,4+n,0xF989,cookie],
 *                            then [NOP,NOP] when its length is 2 mod 4
 * Returns the length written (== wire_tcp_options_len, a multiple of 4). */
size_t wire_tcp_emit_options(uint8_t *buf, const struct wire_tcp_opts *opts);
/* Writes the fixed header with data offset (20 + opts_len)/4; tcp->opts bytes
 * (opts_len, multiple of 4) are copied after it. Checksum field is written as
 * tcp->check (the caller computes it over header+payload with csum_tcpudp). */
size_t wire_tcp_emit(uint8_t *buf, const struct wire_tcp *tcp);

/* ---- virtio-net header (virtio 1.x, 5.1.6; Linux's struct virtio_net_hdr)
 * What a TAP or TUN descriptor opened with IFF_VNET_HDR puts in front of
 * every frame, both ways: flags(1) gso_type(1) hdr_len(2) gso_size(2)
 * csum_start(2) csum_offset(2), the 16-bit fields little-endian (the
 * descriptor is set to little-endian with TUNSETVNETLE, as virtio 1.x
 * is, so the layout does not depend on the host). */
#define WIRE_VNET_HLEN 10
#define VNET_HDR_F_NEEDS_CSUM 0x01 /* checksum at csum_start+csum_offset is partial */
#define VNET_HDR_F_DATA_VALID 0x02 /* the sender vouches for the checksums */
#define VNET_HDR_GSO_NONE 0x00
#define VNET_HDR_GSO_TCPV4 0x01
#define VNET_HDR_GSO_TCPV6 0x04
#define VNET_HDR_GSO_ECN 0x80 /* with a TCP type: a segment carries CWR */

struct wire_virtio_net_hdr {
	uint8_t flags;	  /* VNET_HDR_F_* */
	uint8_t gso_type; /* VNET_HDR_GSO_*, ECN bit included */
	uint16_t hdr_len; /* bytes of headers in front of the payload (a hint) */
	uint16_t gso_size;
	uint16_t csum_start, csum_offset; /* from the frame's first byte */
};

/* Parses the header in buf[0, len) (len >= WIRE_VNET_HLEN) that precedes a
 * frame of frame_len bytes, checking every length against the frame:
 * WIRE_ETRUNC (len too short), WIRE_EFLAGS (a flag other than NEEDS_CSUM
 * and DATA_VALID: nothing else may come from a TAP), WIRE_ETYPE (a GSO
 * type other than none, TCPv4 and TCPv6, which are all usertcp grants;
 * or the ECN bit without a TCP type), WIRE_EOPTVAL (a GSO type with
 * gso_size 0, or NEEDS_CSUM with a csum_offset that cannot hold a
 * checksum inside a TCP or UDP header), WIRE_EHDRLEN (hdr_len, or the
 * checksum's two bytes at csum_start + csum_offset, past the frame). */
enum wire_err wire_virtio_net_hdr_parse(const uint8_t *buf, size_t len, size_t frame_len,
					struct wire_virtio_net_hdr *out);
/* Writes h in WIRE_VNET_HLEN bytes. Returns WIRE_VNET_HLEN. */
size_t wire_virtio_net_hdr_emit(uint8_t *buf, const struct wire_virtio_net_hdr *h);

/* Sequence-number comparison modulo 2^32 (RFC 9293 3.4): always use these,
 * never < on sequence numbers. */
static inline bool before(uint32_t seq1, uint32_t seq2)
{
	return (int32_t)(seq1 - seq2) < 0;
}
static inline bool after(uint32_t seq1, uint32_t seq2)
{
	return before(seq2, seq1);
}
static inline bool between(uint32_t seq1, uint32_t low, uint32_t high)
{
	return high - low >= seq1 - low; /* low <= seq1 <= high, modulo 2^32 */
}

#endif
