/* The Internet checksum (RFC 1071): published vectors, the pseudo-header, and
 * csum_partial against a deliberately naive 16-bit-at-a-time reference over
 * every alignment and many lengths. Buffers are malloc'd to their exact size
 * so that AddressSanitizer catches any read past the end. */
#include "test.h"
#include "testwire.h"

#include <stdlib.h>

#include "net/wire.h"

/* The textbook algorithm, kept as plain as possible: add big-endian 16-bit
 * words, pad an odd last byte with zero, fold the carries back in. Returns
 * the folded sum (not complemented). */
static uint16_t ref_sum(const uint8_t *p, size_t len, uint32_t init)
{
	uint64_t s = init;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint16_t ref_csum(const uint8_t *p, size_t len, uint32_t init)
{
	return (uint16_t)~ref_sum(p, len, init);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64: deterministic, so a failure reproduces. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_random(uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)rnd();
}

TEST(rfc1071_example_sums_to_0xddf2_and_checksums_to_0x220d)
{
	/* RFC 1071 section 3, "Numerical Examples". */
	static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	uint32_t sum = csum_partial(b, sizeof(b), 0);

	CHECK_EQ((uint16_t)~csum_fold(sum), 0xddf2);
	CHECK_EQ(csum_fold(sum), 0x220d);
}

TEST(real_ipv4_header_checksums_to_0xb861)
{
	static const uint8_t hdr[20] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
		0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
	};

	CHECK_EQ(csum_fold(csum_partial(hdr, sizeof(hdr), 0)), 0xb861);
}

TEST(real_ipv4_header_carrying_its_checksum_verifies_to_zero)
{
	static const uint8_t hdr[20] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
		0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
	};
	uint8_t bad[20];

	CHECK_EQ(csum_fold(csum_partial(hdr, sizeof(hdr), 0)), 0);
	memcpy(bad, hdr, sizeof(bad));
	bad[8] = 0x3f; /* TTL decremented without updating the checksum */
	CHECK(csum_fold(csum_partial(bad, sizeof(bad), 0)) != 0);
}

TEST(udp_datagram_under_its_pseudo_header_has_the_known_checksum_0x14de)
{
	/* The classic worked example: 152.1.51.27:41103 -> 152.14.94.75:9876,
	 * length 10, data "bb"; checksum 0x14de. Two bytes of data: even. */
	static const uint8_t udp[10] = {0xa0, 0x8f, 0x26, 0x94, 0x00, 0x0a, 0x00, 0x00, 0x62, 0x62};
	uint32_t s = ip4_bytes(152, 1, 51, 27), d = ip4_bytes(152, 14, 94, 75);

	CHECK_EQ(csum_tcpudp(s, d, IPPROTO_UDP_, udp, sizeof(udp)), 0x14de);
	CHECK_EQ(csum_fold(csum_tcpudp_nofold(s, d, sizeof(udp), IPPROTO_UDP_,
					      csum_partial(udp, sizeof(udp), 0))),
		 0x14de);
}

TEST(tcp_syn_with_options_under_its_pseudo_header_has_the_known_checksum)
{
	/* 10.0.0.1:40000 -> 10.0.0.2:80 SYN, MSS 1460, SACK-perm, TS, WS 7.
	 * Expected value computed independently (Python, struct.unpack
	 * over the pseudo-header and segment). */
	static const uint8_t syn[40] = {
		0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
		0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
		0x0a, 0x0b, 0x0c, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
	};

	CHECK_EQ(csum_tcpudp(ip4_bytes(10, 0, 0, 1), ip4_bytes(10, 0, 0, 2), IPPROTO_TCP_, syn,
			     sizeof(syn)),
		 0x825e);
}

TEST(tcp_segment_with_odd_payload_under_its_pseudo_header_has_the_known_checksum)
{
	/* 10.0.0.2:80 -> 10.0.0.1:40000 PSH|ACK "hello": 25 bytes, so the
	 * last byte is padded (RFC 9293 section 3.1 "Checksum"). */
	static const uint8_t seg[25] = {
		0x00, 0x50, 0x9c, 0x40, 0x11, 0x22, 0x33, 0x44, 0x01, 0x02, 0x03, 0x05, 0x50,
		0x18, 0x01, 0xf6, 0x00, 0x00, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
	};
	uint8_t *p = malloc(sizeof(seg));

	CHECK(p != NULL);
	memcpy(p, seg, sizeof(seg));
	CHECK_EQ(csum_tcpudp(ip4_bytes(10, 0, 0, 2), ip4_bytes(10, 0, 0, 1), IPPROTO_TCP_, p,
			     sizeof(seg)),
		 0x70ff);
	free(p);
}

TEST(odd_length_message_pads_its_last_byte_with_zero)
{
	static const uint8_t three[3] = {0x01, 0x02, 0x03};
	static const uint8_t one[1] = {0xab};

	/* 0x0102 + 0x0300 = 0x0402 */
	CHECK_EQ(csum_fold(csum_partial(three, 3, 0)), 0xfbfd);
	/* 0xab00 */
	CHECK_EQ(csum_fold(csum_partial(one, 1, 0)), 0x54ff);
}

TEST(empty_buffer_leaves_the_running_sum_unchanged)
{
	static const uint8_t b[1] = {0xff};

	CHECK_EQ(csum_partial(b, 0, 0), 0);
	CHECK_EQ(csum_partial(b, 0, 0x12345678), 0x12345678);
	CHECK_EQ(csum_fold(csum_partial(b, 0, 0)), 0xffff);
}

TEST(csum_fold_adds_every_carry_back_and_complements)
{
	CHECK_EQ(csum_fold(0), 0xffff);
	CHECK_EQ(csum_fold(0xffff), 0);
	CHECK_EQ(csum_fold(0xffffffff), 0);	 /* 0xffff+0xffff = 0x1fffe -> 0xffff */
	CHECK_EQ(csum_fold(0x0001ffff), 0xfffe); /* 0xffff+1 = 0x10000 -> 1 */
	CHECK_EQ(csum_fold(0x00012345), 0xdcb9); /* 0x2345+1 = 0x2346 */
}

TEST(running_sum_argument_is_added_with_end_around_carry)
{
	static const uint32_t inits[] = {0, 1, 0xffff, 0x10000, 0xfffe0001, 0xffffffff, 0x80000000};
	uint8_t *b = malloc(37);

	CHECK(b != NULL);
	fill_random(b, 37);
	for (size_t i = 0; i < sizeof(inits) / sizeof(inits[0]); i++) {
		CHECK_EQ(csum_fold(csum_partial(b, 37, inits[i])), ref_csum(b, 37, inits[i]));
		/* Also all ones: the worst case for carries out of 32 bits. */
		memset(b, 0xff, 37);
		CHECK_EQ(csum_fold(csum_partial(b, 37, inits[i])), ref_csum(b, 37, inits[i]));
		fill_random(b, 37);
	}
	free(b);
}

TEST(even_length_pieces_chain_into_the_sum_of_the_whole)
{
	enum { N = 1001 };
	uint8_t *b = malloc(N);

	CHECK(b != NULL);
	fill_random(b, N);
	for (size_t cut = 0; cut <= N; cut += 2) {
		uint32_t s = csum_partial(b, cut, 0);

		s = csum_partial(b + cut, N - cut, s);
		CHECK_EQ(csum_fold(s), ref_csum(b, N, 0));
	}
	free(b);
}

TEST(every_alignment_and_length_up_to_200_matches_the_naive_reference)
{
	uint8_t src[208];

	fill_random(src, sizeof(src));
	for (size_t off = 0; off < 8; off++) {
		for (size_t len = 0; len <= 200; len++) {
			/* The buffer ends exactly at the last byte summed
			 * (malloc(0) may return NULL, hence the 1). */
			uint8_t *m = malloc(off + len ? off + len : 1);
			uint8_t *p;
			uint32_t init = (uint32_t)rnd();

			CHECK(m != NULL);
			p = m + off;
			memcpy(p, src + off, len);
			CHECK_EQ(csum_fold(csum_partial(p, len, 0)), ref_csum(p, len, 0));
			CHECK_EQ(csum_fold(csum_partial(p, len, init)), ref_csum(p, len, init));
			free(m);
		}
	}
}

TEST(all_ones_buffers_exercise_every_carry)
{
	static const size_t lens[] = {1, 2, 7, 8, 9, 31, 32, 33, 255, 1500, 65535, 65536, 70001};

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t *b = malloc(lens[i]);

		CHECK(b != NULL);
		memset(b, 0xff, lens[i]);
		CHECK_EQ(csum_fold(csum_partial(b, lens[i], 0)), ref_csum(b, lens[i], 0));
		CHECK_EQ(csum_fold(csum_partial(b, lens[i], 0xffffffff)),
			 ref_csum(b, lens[i], 0xffffffff));
		free(b);
	}
}

TEST(large_random_buffers_match_the_naive_reference)
{
	static const size_t lens[] = {1500, 9000, 65535, 65536, 65537, (1u << 20) + 3, 4u << 20};

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (size_t off = 0; off < 3; off++) {
			uint8_t *m = malloc(lens[i] + off);
			uint32_t init = (uint32_t)rnd();

			CHECK(m != NULL);
			fill_random(m, lens[i] + off);
			CHECK_EQ(csum_fold(csum_partial(m + off, lens[i], init)),
				 ref_csum(m + off, lens[i], init));
			free(m);
		}
	}
}

TEST(pseudo_header_sum_equals_the_sum_of_its_twelve_bytes)
{
	for (int i = 0; i < 1000; i++) {
		uint8_t ph[12];
		uint32_t s, d, init = (uint32_t)rnd();
		uint16_t len = (uint16_t)rnd();
		uint8_t proto = (uint8_t)rnd();

		fill_random(ph, 8);
		memcpy(&s, ph, 4);
		memcpy(&d, ph + 4, 4);
		ph[8] = 0;
		ph[9] = proto;
		put_be16(ph + 10, len);
		CHECK_EQ(csum_fold(csum_tcpudp_nofold(s, d, len, proto, init)),
			 ref_csum(ph, sizeof(ph), init));
	}
}

TEST(message_carrying_its_computed_checksum_verifies_to_zero)
{
	for (size_t len = 4; len < 300; len += 7) {
		uint8_t *m = malloc(len);

		CHECK(m != NULL);
		fill_random(m, len);
		put_be16(m + 2, 0);
		put_be16(m + 2, csum_fold(csum_partial(m, len, 0)));
		CHECK_EQ(csum_fold(csum_partial(m, len, 0)), 0);
		free(m);
	}
}
