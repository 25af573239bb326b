/* ICMPv6 (RFC 4443) and the Neighbour Discovery messages carried in it
 * (RFC 4861 section 4).
 *
 * ICMPv6: type(1) code(1) checksum(2) four type-specific bytes, then the
 * message body. Unlike ICMPv4 its checksum covers the IPv6 pseudo-header
 * (RFC 4443 2.3), so verifying it needs the packet's addresses.
 *
 * ND options (RFC 4861 4.6): type(1), length(1) in units of 8 bytes
 * counting type and length, then data; options fill the message to its
 * end.
 */
#include "net/wire.h"

#include <string.h>

#include "net/compiler.h"

enum wire_err wire_icmp6_parse(const uint8_t *buf, size_t len, const struct in6_addr *saddr,
			       const struct in6_addr *daddr, struct wire_icmp6 *out)
{
	if (len < ICMPV6_HLEN)
		return WIRE_ETRUNC;
	if (len > 0xffff)
		return WIRE_ETOTLEN;
	if (saddr && daddr &&
	    csum_fold(csum_ipv6_magic_nofold(saddr, daddr, (uint32_t)len, NEXTHDR_ICMP,
					     csum_partial(buf, len, 0))) != 0)
		return WIRE_ECSUM;
	out->type = buf[0];
	out->code = buf[1];
	out->check = get_be16(buf + 2);
	out->rest = get_be32(buf + 4);
	out->payload = buf + ICMPV6_HLEN;
	out->payload_len = len - ICMPV6_HLEN;
	return WIRE_OK;
}

size_t wire_icmp6_emit(uint8_t *buf, uint8_t type, uint8_t code, uint32_t rest, size_t payload_len,
		       const struct in6_addr *saddr, const struct in6_addr *daddr)
{
	buf[0] = type;
	buf[1] = code;
	put_be16(buf + 2, 0); /* zero while computing */
	put_be32(buf + 4, rest);
	put_be16(buf + 2, csum_ipv6(saddr, daddr, NEXTHDR_ICMP, buf, ICMPV6_HLEN + payload_len));
	return ICMPV6_HLEN;
}

/* ---- Neighbour Discovery --------------------------------------------------*/

/* RA flags (RFC 4861 4.2) and NA flags (4.4), in the four bytes after the
 * checksum. */
#define ND_RA_FLAG_MANAGED 0x80
#define ND_RA_FLAG_OTHER 0x40
#define ND_NA_FLAG_ROUTER 0x80000000u
#define ND_NA_FLAG_SOLICITED 0x40000000u
#define ND_NA_FLAG_OVERRIDE 0x20000000u
/* Prefix information flags (4.6.2). */
#define ND_PREFIX_FLAG_ONLINK 0x80
#define ND_PREFIX_FLAG_AUTO 0x40

size_t wire_nd_msg_len(uint8_t type)
{
	switch (type) {
	case NDISC_ROUTER_SOLICITATION:
		return 8; /* header and four reserved bytes */
	case NDISC_ROUTER_ADVERTISEMENT:
		return 16; /* + reachable time, retrans timer */
	case NDISC_NEIGHBOUR_SOLICITATION:
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
		return 24; /* + target */
	case NDISC_REDIRECT:
		return 40; /* + target, destination */
	default:
		return 0;
	}
}

enum wire_err wire_nd_parse(const struct wire_icmp6 *icmp, struct wire_nd_msg *out)
{
	size_t need = wire_nd_msg_len(icmp->type);
	const uint8_t *b = icmp->payload; /* the message from byte 8 */
	size_t len = icmp->payload_len + ICMPV6_HLEN;

	if (!need)
		return WIRE_ETYPE;
	if (len < need)
		return WIRE_ETRUNC;
	memset(out, 0, sizeof(*out));
	out->type = icmp->type;
	switch (icmp->type) {
	case NDISC_ROUTER_ADVERTISEMENT:
		out->cur_hop_limit = (uint8_t)(icmp->rest >> 24);
		out->managed = (icmp->rest >> 16) & ND_RA_FLAG_MANAGED;
		out->other = (icmp->rest >> 16) & ND_RA_FLAG_OTHER;
		out->router_lifetime = (uint16_t)icmp->rest;
		out->reachable_time = get_be32(b);
		out->retrans_timer = get_be32(b + 4);
		break;
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
		out->router = icmp->rest & ND_NA_FLAG_ROUTER;
		out->solicited = icmp->rest & ND_NA_FLAG_SOLICITED;
		out->override = icmp->rest & ND_NA_FLAG_OVERRIDE;
		memcpy(&out->target, b, 16);
		break;
	case NDISC_NEIGHBOUR_SOLICITATION:
		memcpy(&out->target, b, 16);
		break;
	case NDISC_REDIRECT:
		memcpy(&out->target, b, 16);
		memcpy(&out->dest, b + 16, 16);
		break;
	default:
		break; /* RS: nothing but reserved bytes */
	}
	out->opts = b + (need - ICMPV6_HLEN);
	out->opts_len = len - need;
	return WIRE_OK;
}

enum wire_err wire_nd_parse_options(const uint8_t *opts, size_t len, struct wire_nd_opts *out)
{
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	while (i < len) {
		size_t olen;
		const uint8_t *o = opts + i;

		if (len - i < 2)
			return WIRE_EOPTLEN;
		olen = (size_t)o[1] * 8;
		/* RFC 4861 4.6: a length of 0 invalidates the message. */
		if (olen == 0 || olen > len - i)
			return WIRE_EOPTLEN;
		switch (o[0]) {
		case ND_OPT_SOURCE_LL_ADDR:
			if (!out->src_lladdr) {
				out->src_lladdr = o + 2;
				out->src_lladdr_len = (uint8_t)(olen - 2 > 255 ? 255 : olen - 2);
			}
			break;
		case ND_OPT_TARGET_LL_ADDR:
			if (!out->tgt_lladdr) {
				out->tgt_lladdr = o + 2;
				out->tgt_lladdr_len = (uint8_t)(olen - 2 > 255 ? 255 : olen - 2);
			}
			break;
		case ND_OPT_PREFIX_INFO:
			if (olen != ND_OPT_PREFIX_INFO_LEN)
				return WIRE_EOPTVAL;
			out->num_prefixes++;
			break;
		case ND_OPT_MTU:
			if (olen != ND_OPT_MTU_LEN)
				return WIRE_EOPTVAL;
			if (!out->saw_mtu) {
				out->saw_mtu = true;
				out->mtu = get_be32(o + 4);
			}
			break;
		case ND_OPT_NONCE:
			if (!out->nonce)
				out->nonce = o + 2;
			break;
		case ND_OPT_REDIRECT_HDR:
			if (!out->redirect_hdr) {
				/* type, length, six reserved bytes, then as
				 * much of the redirected packet as fits. */
				out->redirect_hdr = o + 8;
				out->redirect_hdr_len = olen - 8;
			}
			break;
		default:
			break; /* RFC 4861 4.6: unknown options are skipped */
		}
		i += olen;
	}
	return WIRE_OK;
}

bool wire_nd_next_prefix(const uint8_t *opts, size_t len, size_t *off, struct wire_nd_prefix *out)
{
	/* The list was checked by wire_nd_parse_options: lengths are non-zero
	 * and fit, a prefix option is exactly 32 bytes. */
	while (*off + 2 <= len) {
		const uint8_t *o = opts + *off;

		*off += (size_t)o[1] * 8;
		if (o[0] != ND_OPT_PREFIX_INFO)
			continue;
		out->prefix_len = o[2];
		out->onlink = o[3] & ND_PREFIX_FLAG_ONLINK;
		out->autoconf = o[3] & ND_PREFIX_FLAG_AUTO;
		out->valid_lft = get_be32(o + 4);
		out->preferred_lft = get_be32(o + 8);
		memcpy(&out->prefix, o + 16, 16);
		return true;
	}
	return false;
}

size_t wire_nd_opt_emit_lladdr(uint8_t *buf, uint8_t type, const uint8_t *lladdr, size_t alen)
{
	size_t olen = (2 + alen + 7) / 8 * 8;

	memset(buf, 0, olen);
	buf[0] = type;
	buf[1] = (uint8_t)(olen / 8);
	memcpy(buf + 2, lladdr, alen);
	return olen;
}

size_t wire_nd_opt_emit_prefix(uint8_t *buf, const struct wire_nd_prefix *p)
{
	memset(buf, 0, ND_OPT_PREFIX_INFO_LEN);
	buf[0] = ND_OPT_PREFIX_INFO;
	buf[1] = ND_OPT_PREFIX_INFO_LEN / 8;
	buf[2] = p->prefix_len;
	buf[3] = (uint8_t)((p->onlink ? ND_PREFIX_FLAG_ONLINK : 0) |
			   (p->autoconf ? ND_PREFIX_FLAG_AUTO : 0));
	put_be32(buf + 4, p->valid_lft);
	put_be32(buf + 8, p->preferred_lft);
	memcpy(buf + 16, &p->prefix, 16);
	return ND_OPT_PREFIX_INFO_LEN;
}

size_t wire_nd_opt_emit_mtu(uint8_t *buf, uint32_t mtu)
{
	memset(buf, 0, ND_OPT_MTU_LEN);
	buf[0] = ND_OPT_MTU;
	buf[1] = ND_OPT_MTU_LEN / 8;
	put_be32(buf + 4, mtu);
	return ND_OPT_MTU_LEN;
}

size_t wire_nd_emit(uint8_t *buf, const struct wire_nd_msg *m, size_t opts_len,
		    const struct in6_addr *saddr, const struct in6_addr *daddr)
{
	size_t body = wire_nd_msg_len(m->type);
	uint8_t *b = buf + ICMPV6_HLEN;
	uint32_t rest = 0;

	BUG_ON(!body);
	memset(b, 0, body - ICMPV6_HLEN);
	switch (m->type) {
	case NDISC_ROUTER_ADVERTISEMENT:
		rest = (uint32_t)m->cur_hop_limit << 24 |
		       (uint32_t)((m->managed ? ND_RA_FLAG_MANAGED : 0) |
				  (m->other ? ND_RA_FLAG_OTHER : 0))
			       << 16 |
		       m->router_lifetime;
		put_be32(b, m->reachable_time);
		put_be32(b + 4, m->retrans_timer);
		break;
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
		rest = (m->router ? ND_NA_FLAG_ROUTER : 0) |
		       (m->solicited ? ND_NA_FLAG_SOLICITED : 0) |
		       (m->override ? ND_NA_FLAG_OVERRIDE : 0);
		memcpy(b, &m->target, 16);
		break;
	case NDISC_NEIGHBOUR_SOLICITATION:
		memcpy(b, &m->target, 16);
		break;
	case NDISC_REDIRECT:
		memcpy(b, &m->target, 16);
		memcpy(b + 16, &m->dest, 16);
		break;
	default:
		break;
	}
	wire_icmp6_emit(buf, m->type, 0, rest, body - ICMPV6_HLEN + opts_len, saddr, daddr);
	return body + opts_len;
}
