/* Addresses for the public API in tests: struct ut_ip from text, and a
 * check that names both addresses when they differ. */
#ifndef USERTCP_TESTADDR_H
#define USERTCP_TESTADDR_H

#include "usertcp/addr.h"

/* "10.0.0.1" (or IPv6 text) -> struct ut_ip. Fails the test on a bad
 * string. */
struct ut_ip ipaddr(const char *s);

/* Fails the test unless a and b are the same address (ut_ip_equal). */
#define CHECK_IP_EQ(a, b) check_ip_eq(__FILE__, __LINE__, #a, #b, (a), (b))
void check_ip_eq(const char *file, int line, const char *a_text, const char *b_text, struct ut_ip a,
		 struct ut_ip b);

#endif
