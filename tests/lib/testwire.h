/* Helpers for the wire-layer tests. */
#ifndef USERTCP_TESTWIRE_H
#define USERTCP_TESTWIRE_H

#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

/* Copies len bytes so that they end exactly at the end of a heap block:
 * any read past them is an AddressSanitizer error. Returns the copy;
 * *block is what to free(). */
uint8_t *exact_copy(const uint8_t *src, size_t len, uint8_t **block);

/* a.b.c.d as a network-order address. */
uint32_t ip4_bytes(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
/* An IPv6 address from its text; the test fails on bad text. */
struct in6_addr ip6_text(const char *text);

#endif
