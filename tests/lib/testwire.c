#include "testwire.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

uint8_t *exact_copy(const uint8_t *src, size_t len, uint8_t **block)
{
	/* calloc: gcc -O3 warns about passing the uninitialised byte of an
	 * empty copy to a const pointer. */
	size_t size = len ? len : 1;

	*block = calloc(1, size);
	if (!*block)
		test_fail(__FILE__, __LINE__, "out of memory");
	memcpy(*block + size - len, src, len);
	return *block + size - len;
}

uint32_t ip4_bytes(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	const uint8_t bytes[4] = {a, b, c, d};
	uint32_t v;

	memcpy(&v, bytes, 4);
	return v;
}

struct in6_addr ip6_text(const char *text)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, text, &a) != 1)
		test_fail(__FILE__, __LINE__, "not an IPv6 address");
	return a;
}
