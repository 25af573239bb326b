/* A small test harness: each test is a behaviour named as a sentence.
 *
 *   TEST(arp_resolves_before_the_first_echo_leaves) { ... CHECK(x == y); }
 *
 * Tests register themselves at load time; test.c supplies main(), which runs
 * them in file order (or only those named on the command line), prints one
 * line each and closes with "N passed, N failed". A failed CHECK ends the
 * current test and the program's exit status is non-zero.
 */
#ifndef USERTCP_TEST_H
#define USERTCP_TEST_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
	struct test_case *next;
};

void test_register(struct test_case *tc);
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
/* The leak check on stacks, simulated worlds and buffer pools
 * (tests/leakcheck.c), which main() runs around every test: linked into
 * the test programs by tests/CMakeLists.txt; weak, so a program built
 * without it (the packetdrill adapter's test) runs without it. */
void test_leak_begin(void) __attribute__((weak));
void test_leak_end(void) __attribute__((weak));
/* Directory for files a test writes (pcaps...): $USERTCP_TMP or /tmp. */
const char *test_tmpdir(void);
/* Whether /proc/self/fd says fd is an eventfd: what the preload library
 * holds a usertcp socket's number with. */
bool test_fd_is_eventfd(int fd);

#define TEST(name)                                                                \
	static void test_fn_##name(void);                                         \
	static struct test_case test_case_##name = {#name, test_fn_##name, NULL}; \
	__attribute__((constructor)) static void test_reg_##name(void)            \
	{                                                                         \
		test_register(&test_case_##name);                                 \
	}                                                                         \
	static void test_fn_##name(void)

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond))                                               \
			test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);                    \
		if (check_a_ != check_b_)                                                          \
			test_fail(__FILE__, __LINE__, "%s == %s (%lld != %lld)", #a, #b, check_a_, \
				  check_b_);                                                       \
	} while (0)

#define CHECK_MEM_EQ(a, b, n)                                                                \
	do {                                                                                 \
		if (memcmp((a), (b), (n)) != 0)                                              \
			test_fail(__FILE__, __LINE__, "memory %s == %s (%zu bytes)", #a, #b, \
				  (size_t)(n));                                              \
	} while (0)

/* Within tolerance: |a - b| <= tol (doubles). */
#define CHECK_NEAR(a, b, tol)                                                               \
	do {                                                                                \
		double check_a_ = (double)(a), check_b_ = (double)(b);                      \
		double check_d_ = check_a_ - check_b_;                                      \
		if (check_d_ < 0)                                                           \
			check_d_ = -check_d_;                                               \
		if (check_d_ > (double)(tol))                                               \
			test_fail(__FILE__, __LINE__, "%s ~ %s (%g vs %g, tol %g)", #a, #b, \
				  check_a_, check_b_, (double)(tol));                       \
	} while (0)

#endif
