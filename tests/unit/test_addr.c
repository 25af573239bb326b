/* struct ut_ip, the public API's address of either family, and its
 * helpers (include/usertcp/addr.h, src/core/utils.c). */
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>

#include "usertcp/addr.h"

static struct ut_ip parse(const char *text)
{
	struct ut_ip a;

	CHECK_EQ(ut_ip_pton(text, &a), 0);
	return a;
}

/* What ut_ip_ntop writes for a, which must succeed. */
static const char *text_of(struct ut_ip a, char buf[UT_IP_STRLEN])
{
	CHECK_EQ(ut_ip_ntop(a, buf, UT_IP_STRLEN), 0);
	return buf;
}

TEST(ip_v4_keeps_network_order_and_zeroes_the_rest)
{
	struct ut_ip a = ut_ip_v4(htonl(0x0a000001));
	static const uint8_t zero[sizeof(a.u.v6)];

	CHECK_EQ(a.family, AF_INET);
	CHECK_EQ(a.u.v4.s_addr, inet_addr("10.0.0.1"));
	/* the bytes IPv4 leaves unused, so equal addresses compare equal
	 * byte for byte */
	CHECK_MEM_EQ((const uint8_t *)&a.u + sizeof(a.u.v4), zero, sizeof(a.u) - sizeof(a.u.v4));
}

TEST(ip_pton_reads_either_family_and_ntop_writes_it_back)
{
	static const char *const texts[] = {"10.0.0.1",	      "0.0.0.0", "255.255.255.255",
					    "2001:db8::1",    "::",	 "fe80::1:2",
					    "::ffff:10.0.0.1"};
	char buf[UT_IP_STRLEN];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct ut_ip a = parse(texts[i]);

		CHECK_EQ(a.family, strchr(texts[i], ':') ? AF_INET6 : AF_INET);
		CHECK(strcmp(text_of(a, buf), texts[i]) == 0);
	}
}

TEST(ip_pton_refuses_what_inet_pton_refuses_and_leaves_out_untouched)
{
	static const char *const bad[] = {"",	   "10.1",	   "10.0.0.256", "10.0.0.1/24",
					  "1:2:3", "fe80::1%eth0", " 10.0.0.1",	 "localhost"};
	struct ut_ip a = ut_ip_v4(inet_addr("192.0.2.7"));

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(ut_ip_pton(bad[i], &a), -EINVAL);
		CHECK(ut_ip_equal(a, ut_ip_v4(inet_addr("192.0.2.7"))));
	}
}

TEST(ip_ntop_says_enospc_for_a_short_buffer_and_eafnosupport_for_no_family)
{
	struct ut_ip none;
	char buf[UT_IP_STRLEN] = "x";

	CHECK_EQ(ut_ip_ntop(parse("10.0.0.1"), buf, 8), -ENOSPC);
	CHECK_EQ(buf[0], '\0');
	CHECK_EQ(ut_ip_ntop(parse("10.0.0.1"), buf, 9), 0); /* "10.0.0.1" and its NUL */
	CHECK_EQ(ut_ip_ntop(parse("2001:db8::1"), buf, 11), -ENOSPC);
	memset(&none, 0, sizeof(none));
	buf[0] = 'x';
	CHECK_EQ(ut_ip_ntop(none, buf, sizeof(buf)), -EAFNOSUPPORT);
	CHECK_EQ(buf[0], '\0');
}

TEST(ip_is_any_holds_for_the_unspecified_address_of_each_family_and_for_none)
{
	struct ut_ip none;

	memset(&none, 0, sizeof(none));
	CHECK(ut_ip_is_any(ut_ip_v4(INADDR_ANY)));
	CHECK(ut_ip_is_any(parse("::")));
	CHECK(ut_ip_is_any(none));
	CHECK(!ut_ip_is_any(parse("10.0.0.1")));
	CHECK(!ut_ip_is_any(parse("::1")));
	CHECK(!ut_ip_is_any(parse("::ffff:0.0.0.0"))); /* mapped, not unspecified */
}

TEST(ip_equal_compares_the_family_and_its_bytes_only)
{
	struct ut_ip a = parse("10.0.0.1"), b = a;

	CHECK(ut_ip_equal(a, parse("10.0.0.1")));
	CHECK(!ut_ip_equal(a, parse("10.0.0.2")));
	/* an IPv4 address is not its IPv4-mapped IPv6 form */
	CHECK(!ut_ip_equal(a, parse("::ffff:10.0.0.1")));
	CHECK(ut_ip_equal(parse("2001:db8::1"), parse("2001:db8:0::1")));
	CHECK(!ut_ip_equal(parse("2001:db8::1"), parse("2001:db8::2")));
	/* bytes beyond an IPv4 address do not count, however they were set */
	memset((uint8_t *)&b.u + sizeof(b.u.v4), 0xa5, sizeof(b.u) - sizeof(b.u.v4));
	CHECK(ut_ip_equal(a, b));
}
