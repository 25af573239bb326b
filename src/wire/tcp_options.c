/* TCP options: parsing the ones Linux understands, and writing them in the
 * order and padding Linux uses so that captures of usertcp look like
 * captures of Linux.
 *
 * Kinds and lengths: MSS (RFC 9293 section 3.2, kind 2 len 4), window scale
 * and timestamps (RFC 7323 sections 2.2 and 3.2, kind 3 len 3, kind 8 len
 * 10), SACK-permitted and SACK (RFC 2018 sections 2 and 3, kind 4 len 2,
 * kind 5 len 2+8n), Fast Open (RFC 7413 section 4.1.1, kind 34 len 2+n,
 * or the experimental kind 254 with magic 0xF989, RFC 6994, len 4+n).
 */
#include "net/wire.h"

#include <string.h>

#include "net/compiler.h"

/* A Fast Open option with a cookie of len bytes at cookie (Linux's
 * tcp_parse_fastopen_option): counted only in a SYN and with an even
 * length; an empty one asks for a cookie (RFC 7413 4.1.1), one of 4 to 16
 * bytes carries it, any other even length is taken as present but
 * unusable (-1). */
static void tcp_parse_fastopen(int len, const uint8_t *cookie, bool syn, bool exp,
			       struct wire_tcp_opts *out)
{
	if (!syn || len < 0 || (len & 1))
		return;
	if (len >= TCP_FASTOPEN_COOKIE_MIN && len <= TCP_FASTOPEN_COOKIE_MAX)
		memcpy(out->fastopen_cookie, cookie, (size_t)len);
	else if (len != 0)
		len = -1;
	out->saw_fastopen = true;
	out->fastopen_exp = exp;
	out->fastopen_len = (int8_t)len;
}

/* Bytes the Fast Open option takes on the wire, padded to 4. */
static size_t tcp_fastopen_option_len(const struct wire_tcp_opts *opts)
{
	if (!opts->saw_fastopen || opts->fastopen_len < 0)
		return 0;
	return ((opts->fastopen_exp ? TCPOLEN_EXP_FASTOPEN_BASE : TCPOLEN_FASTOPEN_BASE) +
		(size_t)opts->fastopen_len + 3) &
	       ~(size_t)3;
}

/* Takes one option whose length byte has already been checked to be >= 2
 * and to fit, and says whether it was well formed. A known kind with the
 * wrong length is malformed and taken as nothing (Linux's tcp_parse_options
 * passes over it and reads on), since its content cannot be trusted. */
static enum wire_err tcp_parse_one(uint8_t kind, const uint8_t *o, uint8_t olen, bool syn,
				   struct wire_tcp_opts *out)
{
	switch (kind) {
	case TCPOPT_MSS:
		if (olen != TCPOLEN_MSS)
			return WIRE_EOPTVAL;
		/* RFC 9293 section 3.7.1: MSS is sent only in a SYN, so Linux
		 * reads it only there; an MSS of 0 could never carry data and
		 * Linux keeps its default instead. */
		if (syn && get_be16(o + 2)) {
			out->saw_mss = true;
			out->mss = get_be16(o + 2);
		}
		break;
	case TCPOPT_WINDOW:
		if (olen != TCPOLEN_WINDOW)
			return WIRE_EOPTVAL;
		/* RFC 7323 section 2.2: only meaningful in a SYN. Section 2.3
		 * caps the shift at 14; applying the cap is connection policy,
		 * so the raw byte is kept. */
		if (syn) {
			out->saw_wscale = true;
			out->wscale = o[2];
		}
		break;
	case TCPOPT_SACK_PERM:
		if (olen != TCPOLEN_SACK_PERM)
			return WIRE_EOPTVAL;
		/* RFC 2018 section 2: sent only in a SYN. */
		if (syn)
			out->sack_ok = true;
		break;
	case TCPOPT_TIMESTAMP:
		if (olen != TCPOLEN_TIMESTAMP)
			return WIRE_EOPTVAL;
		out->saw_tstamp = true;
		out->tsval = get_be32(o + 2);
		out->tsecr = get_be32(o + 6);
		break;
	case TCPOPT_SACK: {
		/* RFC 2018 section 3: 2 + 8n bytes with n >= 1; 40 bytes of
		 * option space hold at most 4 blocks. A longer list (more than
		 * a header can carry) is malformed, and its first 4 blocks are
		 * used, as Linux's tcp_sacktag_write_queue caps the count. */
		size_t n = ((size_t)olen - 2) / 8;

		if ((olen - 2) % 8 != 0 || n < 1)
			return WIRE_EOPTVAL;
		out->num_sacks = (uint8_t)MIN(n, (size_t)TCP_MAX_SACKS);
		for (size_t i = 0; i < out->num_sacks; i++) {
			out->sacks[i].start = get_be32(o + 2 + 8 * i);
			out->sacks[i].end = get_be32(o + 6 + 8 * i);
		}
		return n > TCP_MAX_SACKS ? WIRE_EOPTVAL : WIRE_OK;
	}
	case TCPOPT_FASTOPEN:
		tcp_parse_fastopen(olen - TCPOLEN_FASTOPEN_BASE, o + TCPOLEN_FASTOPEN_BASE, syn,
				   false, out);
		break;
	case TCPOPT_EXP:
		/* RFC 6994: kind 254 is shared, told apart by a 16-bit magic;
		 * another experiment's option is skipped. */
		if (olen >= TCPOLEN_EXP_FASTOPEN_BASE && get_be16(o + 2) == TCPOPT_FASTOPEN_MAGIC)
			tcp_parse_fastopen(olen - TCPOLEN_EXP_FASTOPEN_BASE,
					   o + TCPOLEN_EXP_FASTOPEN_BASE, syn, true, out);
		break;
	default:
		/* RFC 9293 section 3.2: an option a TCP does not implement
		 * is skipped by its length. */
		break;
	}
	return WIRE_OK;
}

enum wire_err wire_tcp_parse_options(const uint8_t *opts, size_t len, bool syn,
				     struct wire_tcp_opts *out)
{
	enum wire_err verdict = WIRE_OK;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	while (i < len) {
		uint8_t kind = opts[i];
		uint8_t olen;
		enum wire_err err;

		/* RFC 9293 section 3.2: End of Option List and No-Operation
		 * are single octets; the rest of the list after EOL is
		 * padding. */
		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		/* Every other kind has a length octet that counts the kind
		 * and length octets too, so it is at least 2, and it must not
		 * run past the header (RFC 9293 section 3.2 asks a receiver to
		 * be prepared for "an illegal option length"). Without a
		 * usable length the rest cannot be walked: Linux stops there
		 * and keeps what it took before. */
		if (len - i < 2 || opts[i + 1] < 2 || opts[i + 1] > len - i)
			return verdict != WIRE_OK ? verdict : WIRE_EOPTLEN;
		olen = opts[i + 1];
		err = tcp_parse_one(kind, opts + i, olen, syn, out);
		if (verdict == WIRE_OK)
			verdict = err;
		i += olen;
	}
	return verdict;
}

size_t wire_tcp_options_len(const struct wire_tcp_opts *opts)
{
	size_t len = 0;

	/* A num_sacks past the array is a corrupted struct, not input. */
	BUG_ON(opts->num_sacks > TCP_MAX_SACKS);
	if (opts->saw_mss)
		len += TCPOLEN_MSS_ALIGNED;
	/* SACK-permitted rides in the timestamp's padding when both are
	 * present, so it only costs space on its own. */
	if (opts->saw_tstamp)
		len += TCPOLEN_TSTAMP_ALIGNED;
	else if (opts->sack_ok)
		len += TCPOLEN_SACKPERM_ALIGNED;
	if (opts->saw_wscale)
		len += TCPOLEN_WSCALE_ALIGNED;
	if (opts->num_sacks)
		len += TCPOLEN_SACK_BASE_ALIGNED + (size_t)opts->num_sacks * TCPOLEN_SACK_PERBLOCK;
	return len + tcp_fastopen_option_len(opts);
}

/* Does not enforce the 40-byte option space: how many SACK blocks to send
 * next to the other options (3 beside timestamps, RFC 2018 section 3) is the
 * sender's choice, made before calling. A set that does not fit (longer than
 * 40) is refused by wire_tcp_emit. */
size_t wire_tcp_emit_options(uint8_t *buf, const struct wire_tcp_opts *opts)
{
	uint8_t *p = buf;

	BUG_ON(opts->num_sacks > TCP_MAX_SACKS);
	if (opts->saw_mss) {
		p[0] = TCPOPT_MSS;
		p[1] = TCPOLEN_MSS;
		put_be16(p + 2, opts->mss);
		p += TCPOLEN_MSS_ALIGNED;
	}
	if (opts->saw_tstamp) {
		if (opts->sack_ok) {
			p[0] = TCPOPT_SACK_PERM;
			p[1] = TCPOLEN_SACK_PERM;
		} else {
			p[0] = TCPOPT_NOP;
			p[1] = TCPOPT_NOP;
		}
		p[2] = TCPOPT_TIMESTAMP;
		p[3] = TCPOLEN_TIMESTAMP;
		put_be32(p + 4, opts->tsval);
		put_be32(p + 8, opts->tsecr);
		p += TCPOLEN_TSTAMP_ALIGNED;
	} else if (opts->sack_ok) {
		p[0] = TCPOPT_NOP;
		p[1] = TCPOPT_NOP;
		p[2] = TCPOPT_SACK_PERM;
		p[3] = TCPOLEN_SACK_PERM;
		p += TCPOLEN_SACKPERM_ALIGNED;
	}
	if (opts->saw_wscale) {
		p[0] = TCPOPT_NOP;
		p[1] = TCPOPT_WINDOW;
		p[2] = TCPOLEN_WINDOW;
		p[3] = opts->wscale;
		p += TCPOLEN_WSCALE_ALIGNED;
	}
	if (opts->num_sacks) {
		p[0] = TCPOPT_NOP;
		p[1] = TCPOPT_NOP;
		p[2] = TCPOPT_SACK;
		p[3] = (uint8_t)(2 + TCPOLEN_SACK_PERBLOCK * opts->num_sacks);
		p += TCPOLEN_SACK_BASE_ALIGNED;
		for (size_t i = 0; i < opts->num_sacks; i++) {
			put_be32(p, opts->sacks[i].start);
			put_be32(p + 4, opts->sacks[i].end);
			p += TCPOLEN_SACK_PERBLOCK;
		}
	}
	if (tcp_fastopen_option_len(opts)) {
		/* Last, as Linux's tcp_options_write puts it; a length of 2
		 * mod 4 is padded with two NOPs after the cookie. */
		size_t n = (size_t)opts->fastopen_len;
		size_t olen = n + (opts->fastopen_exp ? TCPOLEN_EXP_FASTOPEN_BASE
						      : TCPOLEN_FASTOPEN_BASE);
		BUG_ON(n > TCP_FASTOPEN_COOKIE_MAX);
		p[0] = opts->fastopen_exp ? TCPOPT_EXP : TCPOPT_FASTOPEN;
		p[1] = (uint8_t)olen;
		if (opts->fastopen_exp)
			put_be16(p + 2, TCPOPT_FASTOPEN_MAGIC);
		memcpy(p + olen - n, opts->fastopen_cookie, n);
		if ((olen & 3) == 2) {
			p[olen] = TCPOPT_NOP;
			p[olen + 1] = TCPOPT_NOP;
		}
		p += tcp_fastopen_option_len(opts);
	}
	return (size_t)(p - buf);
}
