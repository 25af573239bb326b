/* Text forms of struct ut_ip, the public API's addresses (Linux keeps its
 * in4_pton and in6_pton in net/core/utils.c). inet_pton and inet_ntop do
 * the work; these add the family to the address and the stack's return
 * convention. */
#include <arpa/inet.h>
#include <errno.h>

#include "net/compiler.h"
#include "usertcp/addr.h"

UT_EXPORT int ut_ip_pton(const char *text, struct ut_ip *out)
{
	struct in6_addr v6;
	struct in_addr v4;

	if (inet_pton(AF_INET, text, &v4) == 1) {
		*out = ut_ip_v4(v4.s_addr);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &v6) == 1) {
		*out = ut_ip_v6(&v6);
		return 0;
	}
	return -EINVAL;
}

UT_EXPORT int ut_ip_ntop(struct ut_ip addr, char *buf, size_t len)
{
	if (addr.family != AF_INET && addr.family != AF_INET6) {
		if (len)
			buf[0] = '\0';
		return -EAFNOSUPPORT;
	}
	/* inet_ntop fails only for want of room once the family is known;
	 * socklen_t holds any buffer an address needs, so a larger len is
	 * clamped rather than truncated. */
	if (!inet_ntop(addr.family, &addr.u, buf,
		       (socklen_t)(len < UT_IP_STRLEN ? len : UT_IP_STRLEN))) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}
