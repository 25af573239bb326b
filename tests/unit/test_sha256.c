/* The demo's SHA-256 (tools/sha256.c) against the FIPS 180-4 examples
 * (NIST's "SHA256.pdf" and the long-message vector) and around the padding
 * boundaries, where one block becomes two. */
#include "test.h"

#include <stdlib.h>

#include "../../tools/sha256.c"

static void check_digest(const void *msg, size_t len, const char *want)
{
	uint8_t d[SHA256_DIGEST_LEN];
	char hex[2 * SHA256_DIGEST_LEN + 1];

	sha256(msg, len, d);
	sha256_hex(d, hex);
	if (strcmp(hex, want) != 0)
		test_fail(__FILE__, __LINE__, "sha256 of %zu bytes: %s, want %s", len, hex, want);
}

TEST(sha256_matches_the_fips_180_4_one_block_example)
{
	check_digest("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(sha256_of_nothing_is_the_known_empty_digest)
{
	check_digest("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(sha256_matches_the_fips_180_4_two_block_example)
{
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	check_digest(m, strlen(m),
		     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(sha256_matches_the_896_bit_example)
{
	const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
			"ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	check_digest(m, strlen(m),
		     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(sha256_matches_the_million_a_example_fed_in_uneven_pieces)
{
	static const char want[] =
		"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	size_t n = 1000000, off = 0, piece = 1;
	uint8_t *m = malloc(n), d[SHA256_DIGEST_LEN];
	char hex[2 * SHA256_DIGEST_LEN + 1];
	struct sha256 s;

	CHECK(m != NULL);
	memset(m, 'a', n);
	check_digest(m, n, want);
	sha256_init(&s);
	while (off < n) {
		size_t take = piece < n - off ? piece : n - off;
		sha256_update(&s, m + off, take);
		off += take;
		piece = piece * 7 % 1000 + 1; /* 1, 8, 57, 400 ... */
	}
	sha256_final(&s, d);
	sha256_hex(d, hex);
	free(m);
	CHECK(strcmp(hex, want) == 0);
}

/* Lengths where the padding's 0x80 and 64-bit length fit in the last
 * block (55), just do not (56, 63), or need a block of their own (64...).
 * Digests from an independent implementation. */
TEST(sha256_pads_correctly_at_every_block_boundary)
{
	static const struct {
		size_t len;
		const char *hex;
	} v[] = {
		{55, "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59"},
		{56, "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562"},
		{63, "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488"},
		{64, "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108"},
		{65, "4bfd2c8b6f1eec7a2afeb48b934ee4b2694182027e6d0fc075074f2fabb31781"},
		{119, "da18797ed7c3a777f0847f429724a2d8cd5138e6ed2895c3fa1a6d39d18f7ec6"},
		{120, "f52b23db1fbb6ded89ef42a23ce0c8922c45f25c50b568a93bf1c075420bbb7c"},
	};
	uint8_t m[128];

	for (size_t i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)(i % 251);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		check_digest(m, v[i].len, v[i].hex);
}

TEST(sha256_final_leaves_the_context_ready_for_another_message)
{
	struct sha256 s;
	uint8_t d[SHA256_DIGEST_LEN];
	char hex[2 * SHA256_DIGEST_LEN + 1];

	sha256_init(&s);
	sha256_update(&s, "xyz", 3);
	sha256_final(&s, d);
	sha256_update(&s, "abc", 3);
	sha256_final(&s, d);
	sha256_hex(d, hex);
	CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
}
