/* Addresses for the public API in tests (testaddr.h). */
#include "testaddr.h"

#include "test.h"

struct ut_ip ipaddr(const char *s)
{
	struct ut_ip a;

	if (ut_ip_pton(s, &a) < 0)
		test_fail(__FILE__, __LINE__, "'%s' is not an IP address", s);
	return a;
}

void check_ip_eq(const char *file, int line, const char *a_text, const char *b_text, struct ut_ip a,
		 struct ut_ip b)
{
	char as[UT_IP_STRLEN], bs[UT_IP_STRLEN];

	if (ut_ip_equal(a, b))
		return;
	/* A struct of no family prints as "" (ut_ip_ntop refuses it). */
	ut_ip_ntop(a, as, sizeof(as));
	ut_ip_ntop(b, bs, sizeof(bs));
	test_fail(file, line, "%s == %s (%s, family %u != %s, family %u)", a_text, b_text, as,
		  a.family, bs, b.family);
}
