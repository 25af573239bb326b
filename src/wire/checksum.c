/* The Internet checksum (RFC 1071) and the TCP/UDP pseudo-header sum
 * (RFC 768, RFC 9293 section 3.1).
 *
 * Byte-order convention
 * ---------------------
 * Every 32-bit "sum" that goes into or comes out of these functions is the
 * ones'-complement sum of the data read as BIG-ENDIAN 16-bit words, exactly
 * as RFC 1071 writes it on paper: the bytes 00 01 f2 03 sum to 0x0001 +
 * 0xf203, whatever the host's byte order. So:
 *
 *   - csum_fold(csum_partial(hdr, n, 0)) is the checksum as a host-order
 *     number; an emitter stores it with put_be16() and a parser compares it
 *     with get_be16(). A message that carries its own checksum verifies when
 *     csum_fold(csum_partial(msg, len, 0)) == 0.
 *   - a value read with get_be16() can be added to a running sum directly,
 *     which is what csum_tcpudp_nofold() does with the pseudo-header fields.
 *
 * Internally the fast loop sums host-order words (whatever memcpy loads) and
 * swaps the folded 16-bit result on a little-endian host; RFC 1071 section
 * 2(B) ("byte order independence") is why that gives the same answer as
 * summing big-endian words.
 *
 * Running sums chain: csum_partial(b, nb, csum_partial(a, na, 0)) is the sum
 * of a followed by b as long as na is even (every piece but the last must
 * have even length, because an odd piece would shift the 16-bit word
 * boundaries of the next one).
 */
#include "net/wire.h"

#include <string.h>

#include "net/compiler.h"

/* Constant-folded by the compiler; avoids relying on predefined byte-order
 * macros, which C17 does not provide. */
static inline bool host_is_little_endian(void)
{
	const uint16_t one = 1;
	uint8_t first;

	memcpy(&first, &one, 1);
	return first == 1;
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v)); /* any alignment: no casts over bytes */
	return v;
}

/* Each 64-bit load contributes its two 32-bit halves, so every addend is
 * below 2^32 and the 64-bit accumulator cannot overflow for fewer than 2^32
 * addends. Adding 32-bit halves instead of 16-bit words is allowed by RFC
 * 1071 section 2(C) ("parallel summation"): the end-around carries are put
 * back by the folds at the end. */
#define CSUM_ADD64(acc, w) ((acc) += ((w)&0xffffffffu) + ((w) >> 32))

/* Within one block each accumulator takes at most 2^28 addends below 2^33
 * (a whole 64-bit load), so it stays below 2^61, well clear of 2^64; between
 * blocks the accumulators are folded. Only buffers over 1 GiB ever see a
 * second block. */
#define CSUM_BLOCK ((size_t)1 << 30)

static inline uint32_t load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint16_t load16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Ones'-complement sum of len bytes as host-order 16-bit words (the final
 * odd byte padded with a zero byte, RFC 1071 section 4.1), not folded.
 *
 * Most sums are short: a 20-byte IPv4 header, a bare ACK, a small
 * segment. So after the 32-byte loop the rest is taken by its binary
 * digits (16, 8, 4, 2, 1 bytes), each a fixed-size load at an even
 * offset, which puts every 16-bit word in a 16-bit lane of its addend:
 * no loop and no copy through a buffer for the tail. */
static uint64_t sum_host_words(const uint8_t *p, size_t len)
{
	uint64_t total = 0;
	uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;

	while (len >= 32) {
		size_t chunk = len < CSUM_BLOCK ? len : CSUM_BLOCK;

		len -= chunk & ~(size_t)31;
		/* Four independent accumulators so the adds of successive
		 * words do not wait on each other. */
		while (chunk >= 32) {
			uint64_t w0 = load64(p), w1 = load64(p + 8);
			uint64_t w2 = load64(p + 16), w3 = load64(p + 24);

			CSUM_ADD64(a0, w0);
			CSUM_ADD64(a1, w1);
			CSUM_ADD64(a2, w2);
			CSUM_ADD64(a3, w3);
			p += 32;
			chunk -= 32;
		}
		/* Fold each accumulator to 33 bits first so their sum (and
		 * total) cannot overflow. */
		a0 = (a0 & 0xffffffffu) + (a0 >> 32);
		a1 = (a1 & 0xffffffffu) + (a1 >> 32);
		a2 = (a2 & 0xffffffffu) + (a2 >> 32);
		a3 = (a3 & 0xffffffffu) + (a3 >> 32);
		total += a0 + a1 + a2 + a3;
		total = (total & 0xffffffffu) + (total >> 32);
		a0 = a1 = a2 = a3 = 0;
	}
	/* Below 32 bytes: every addend is below 2^33 and there are at most
	 * six of them, added to a total below 2^33. */
	if (len & 16) {
		uint64_t w0 = load64(p), w1 = load64(p + 8);

		CSUM_ADD64(total, w0);
		CSUM_ADD64(total, w1);
		p += 16;
	}
	if (len & 8) {
		uint64_t w = load64(p);

		CSUM_ADD64(total, w);
		p += 8;
	}
	if (len & 4) {
		total += load32(p);
		p += 4;
	}
	if (len & 2) {
		total += load16(p);
		p += 2;
	}
	if (len & 1) {
		/* the odd final byte, padded with a zero byte to a word */
		const uint8_t pad[2] = {p[0], 0};

		total += load16(pad);
	}
	return total;
}

uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	uint64_t s = sum_host_words(buf, len);
	uint64_t t;

	/* Fold to 16 bits with end-around carry (RFC 1071 section 4.1): two
	 * folds take 64 bits to at most 0xffffffff, two more to 0xffff. */
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	/* Host-order words -> big-endian words: swapping the bytes of the
	 * folded sum is exact (RFC 1071 section 2(B)). */
	if (host_is_little_endian())
		s = ((s >> 8) | (s << 8)) & 0xffff;

	t = (uint64_t)sum + s;
	t = (t & 0xffffffffu) + (t >> 32); /* at most 0xffff + 1: no 2nd carry */
	return (uint32_t)t;
}

uint16_t csum_fold(uint32_t sum)
{
	/* Two folds suffice: after the first the value is at most
	 * 0xffff + 0xffff = 0x1fffe, after the second at most 0xffff. */
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Adds the 16-bit big-endian words of an address kept in network byte
 * order (its in-memory bytes are the wire bytes). */
static inline uint64_t sum_addr(uint32_t addr_be)
{
	uint8_t b[4];

	memcpy(b, &addr_be, sizeof(b));
	return (uint64_t)get_be16(b) + get_be16(b + 2);
}

uint32_t csum_tcpudp_nofold(uint32_t saddr_be, uint32_t daddr_be, uint16_t len, uint8_t proto,
			    uint32_t sum)
{
	/* The IPv4 pseudo-header of RFC 768 and RFC 9293 section 3.1:
	 * source address, destination address, zero, protocol, length. The
	 * zero byte and the protocol form one big-endian word. */
	uint64_t s = sum;

	s += sum_addr(saddr_be);
	s += sum_addr(daddr_be);
	s += proto;
	s += len;
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t csum_tcpudp(uint32_t saddr_be, uint32_t daddr_be, uint8_t proto, const void *seg,
		     size_t seg_len)
{
	/* The pseudo-header length is a 16-bit field; an IPv4 datagram cannot
	 * carry a larger segment, so a larger one is a caller bug. */
	BUG_ON(seg_len > 0xffff);
	return csum_fold(csum_tcpudp_nofold(saddr_be, daddr_be, (uint16_t)seg_len, proto,
					    csum_partial(seg, seg_len, 0)));
}

uint32_t csum_ipv6_magic_nofold(const struct in6_addr *saddr, const struct in6_addr *daddr,
				uint32_t len, uint8_t proto, uint32_t sum)
{
	/* RFC 8200 8.1: the two addresses, the upper-layer length as a
	 * 32-bit word, three zero bytes and the Next Header value; the
	 * zeros and Next Header make one big-endian word of value proto. */
	const uint8_t *s = saddr->s6_addr, *d = daddr->s6_addr;
	uint64_t t = sum;

	for (int i = 0; i < 16; i += 2)
		t += (uint64_t)get_be16(s + i) + get_be16(d + i);
	t += (len >> 16) + (len & 0xffff);
	t += proto;
	t = (t & 0xffffffffu) + (t >> 32);
	t = (t & 0xffffffffu) + (t >> 32);
	return (uint32_t)t;
}

uint16_t csum_ipv6(const struct in6_addr *saddr, const struct in6_addr *daddr, uint8_t proto,
		   const void *msg, size_t len)
{
	/* Without jumbograms a payload, and so an upper-layer message, is at
	 * most 65535 bytes: a larger one is a caller bug. */
	BUG_ON(len > 0xffff);
	return csum_fold(csum_ipv6_magic_nofold(saddr, daddr, (uint32_t)len, proto,
						csum_partial(msg, len, 0)));
}
