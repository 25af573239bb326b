/* SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed hash fast on short
 * inputs. It keys everything a remote peer must not predict or aim at:
 * initial sequence numbers (RFC 6528), ephemeral port offsets (RFC 6056),
 * timestamp offsets and the connection table's hash, as Linux uses it for
 * the same jobs. */
#ifndef USERTCP_NET_SIPHASH_H
#define USERTCP_NET_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t siphash(const void *data, size_t len, const uint64_t key[2]);
/* The hash of four 32-bit words (an address pair and ports, say). */
uint64_t siphash_4u32(uint32_t a, uint32_t b, uint32_t c, uint32_t d, const uint64_t key[2]);

#endif
