/* SHA-256 (FIPS 180-4), for checking that bytes arrived intact. The
 * library depends on nothing, so the tools carry their own. */
#ifndef USERTCP_TOOLS_SHA256_H
#define USERTCP_TOOLS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_BLOCK_LEN 64

struct sha256 {
	uint32_t h[8];	/* intermediate hash value H(i) */
	uint64_t total; /* message bytes so far */
	uint8_t block[SHA256_BLOCK_LEN];
	size_t used; /* bytes waiting in block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Pads, writes the 32-byte digest and leaves s to be initialised again. */
void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST_LEN]);
/* Digest of one buffer. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_LEN]);
/* 64 lowercase hex digits and a NUL. */
void sha256_hex(const uint8_t digest[SHA256_DIGEST_LEN], char out[2 * SHA256_DIGEST_LEN + 1]);

#endif
