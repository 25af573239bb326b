/* The leak check that the harness (test.c) runs after every test.
 *
 * Test programs are linked with --wrap for the calls that create and
 * destroy what owns resources (stacks, simulated worlds, buffer pools; see
 * tests/CMakeLists.txt), so every one the test makes is seen here without
 * the test saying anything. At the end of a test each must have been
 * destroyed, and at its destruction:
 *  - a stack has no descriptor open: the test closed every socket and
 *    epoll instance it opened (the stack would close them for it, which
 *    would hide a path that forgets to);
 *  - a buffer pool has every sk_buff and data buffer back: nothing in the
 *    stack, a device, a link or the test kept a buffer past the end.
 * Sockets the stack still holds at its destruction (orphans finishing
 * their close, request and time-wait sockets) are the stack's to free:
 * ut_stack_destroy stops the program if one survives it (BUG_ON), and
 * LeakSanitizer (the ASan build of make test) reports any memory that
 * outlives the process.
 *
 * Failures are gathered while the test runs (a destroy function must not
 * be left half done by the harness's longjmp) and reported by
 * test_leak_end(), which fails the test with what leaked. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/skbuff.h"
#include "net/stack.h"
#include "test.h"
#include "usertcp/sim.h"
#include "usertcp/socket.h"
#include "usertcp/usertcp.h"

/* The real functions, reached through the linker's --wrap. */
int __real_ut_stack_create(const struct ut_stack_config *cfg, struct ut_stack **out);
int __real_stack_create_with_pool(const struct ut_stack_config *cfg, struct skb_pool *pool,
				  struct ut_stack **out);
void __real_ut_stack_destroy(struct ut_stack *stack);
int __real_ut_sim_create(uint64_t seed, struct ut_sim **out);
void __real_ut_sim_destroy(struct ut_sim *sim);
struct skb_pool *__real_skb_pool_create(size_t limit_bytes);
void __real_skb_pool_destroy(struct skb_pool *pool);
/* And the wrappers the linker sends every call to instead. */
int __wrap_ut_stack_create(const struct ut_stack_config *cfg, struct ut_stack **out);
int __wrap_stack_create_with_pool(const struct ut_stack_config *cfg, struct skb_pool *pool,
				  struct ut_stack **out);
void __wrap_ut_stack_destroy(struct ut_stack *stack);
int __wrap_ut_sim_create(uint64_t seed, struct ut_sim **out);
void __wrap_ut_sim_destroy(struct ut_sim *sim);
struct skb_pool *__wrap_skb_pool_create(size_t limit_bytes);
void __wrap_skb_pool_destroy(struct skb_pool *pool);

enum leak_kind { LEAK_STACK, LEAK_SIM, LEAK_POOL };

static const char *const leak_kind_name[] = {
	[LEAK_STACK] = "stack",
	[LEAK_SIM] = "simulated world",
	[LEAK_POOL] = "buffer pool",
};

struct leak_obj {
	const void *p;
	enum leak_kind kind;
	char name[40];
};

/* The harness's own state (test code, not the library: the library keeps
 * no globals). One test runs at a time, on the main thread. */
static struct {
	struct leak_obj *live;
	size_t n, cap;
	char report[4096];
	size_t len;
} lc;

static void leak_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void leak_note(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (lc.len >= sizeof(lc.report) - 1)
		return;
	n = snprintf(lc.report + lc.len, sizeof(lc.report) - lc.len, "%s", lc.len ? "; " : "");
	if (n > 0)
		lc.len += (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(lc.report + lc.len, sizeof(lc.report) - lc.len, fmt, ap);
	va_end(ap);
	if (n > 0)
		lc.len += (size_t)n;
	if (lc.len >= sizeof(lc.report))
		lc.len = sizeof(lc.report) - 1;
}

static void leak_track(const void *p, enum leak_kind kind, const char *name)
{
	if (!p)
		return;
	if (lc.n == lc.cap) {
		size_t cap = lc.cap ? lc.cap * 2 : 16;
		struct leak_obj *v = realloc(lc.live, cap * sizeof(*v));
		if (!v) {
			fprintf(stderr, "leakcheck: out of memory\n");
			abort();
		}
		lc.live = v;
		lc.cap = cap;
	}
	lc.live[lc.n].p = p;
	lc.live[lc.n].kind = kind;
	snprintf(lc.live[lc.n].name, sizeof(lc.live[lc.n].name), "%s", name ? name : "");
	lc.n++;
}

/* Forgets p; false if it was not made during this test (made before the
 * harness began it, or by a test that failed before destroying it). */
static bool leak_untrack(const void *p)
{
	for (size_t i = 0; i < lc.n; i++) {
		if (lc.live[i].p == p) {
			lc.live[i] = lc.live[--lc.n];
			return true;
		}
	}
	return false;
}

/* "fd 3 (TCP 10.0.0.1:40000 > 10.0.0.2:80)": what a leaked descriptor is. */
static void describe_fd(struct ut_stack *stack, int fd, char *buf, size_t n)
{
	struct sockaddr_in a, b;
	socklen_t al = sizeof(a), bl = sizeof(b), tl;
	int type = 0;
	char sa[INET_ADDRSTRLEN] = "?", pa[INET_ADDRSTRLEN] = "?";

	tl = sizeof(type);
	if (ut_getsockopt(stack, fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0) {
		snprintf(buf, n, "fd %d (not a socket: an epoll instance)", fd);
		return;
	}
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (ut_getsockname(stack, fd, (struct sockaddr *)&a, &al) == 0)
		inet_ntop(AF_INET, &a.sin_addr, sa, sizeof(sa));
	if (ut_getpeername(stack, fd, (struct sockaddr *)&b, &bl) == 0) {
		inet_ntop(AF_INET, &b.sin_addr, pa, sizeof(pa));
		snprintf(buf, n, "fd %d (%s %s:%u > %s:%u)", fd,
			 type == SOCK_STREAM  ? "TCP"
			 : type == SOCK_DGRAM ? "UDP"
					      : "socket",
			 sa, ntohs(a.sin_port), pa, ntohs(b.sin_port));
	} else {
		snprintf(buf, n, "fd %d (%s %s:%u, unconnected)", fd,
			 type == SOCK_STREAM  ? "TCP"
			 : type == SOCK_DGRAM ? "UDP"
					      : "socket",
			 sa, ntohs(a.sin_port));
	}
}

static void check_stack_fds(struct ut_stack *stack)
{
	unsigned open = ut_stack_open_fds(stack), seen = 0;
	char what[4][128];

	if (!open)
		return;
	/* Name the first few: descriptors are the lowest free numbers, so
	 * a short scan finds them. */
	for (int fd = 0; fd < 65536 && seen < open && seen < 4; fd++)
		if (ut_fcntl(stack, fd, F_GETFD) >= 0)
			describe_fd(stack, fd, what[seen++], sizeof(what[0]));
	leak_note("stack '%s' destroyed with %u descriptor%s open: %s%s%s%s%s%s%s%s",
		  ut_stack_name(stack), open, open == 1 ? "" : "s", seen > 0 ? what[0] : "",
		  seen > 1 ? ", " : "", seen > 1 ? what[1] : "", seen > 2 ? ", " : "",
		  seen > 2 ? what[2] : "", seen > 3 ? ", " : "", seen > 3 ? what[3] : "",
		  open > seen ? ", ..." : "");
}

static void check_pool(struct skb_pool *pool)
{
	struct skb_pool_stats st;

	if (!skb_pool_in_use(pool))
		return;
	skb_pool_get_stats(pool, &st);
	leak_note("buffer pool destroyed with %zu sk_buff%s and %zu data buffer%s (%zu bytes) "
		  "outstanding",
		  st.in_use_skbs, st.in_use_skbs == 1 ? "" : "s", st.in_use_bufs,
		  st.in_use_bufs == 1 ? "" : "s", st.in_use_bytes);
}

/* ---- the wrapped calls ---------------------------------------------------*/

int __wrap_ut_stack_create(const struct ut_stack_config *cfg, struct ut_stack **out)
{
	int err = __real_ut_stack_create(cfg, out);
	if (err == 0)
		leak_track(*out, LEAK_STACK, ut_stack_name(*out));
	return err;
}

int __wrap_stack_create_with_pool(const struct ut_stack_config *cfg, struct skb_pool *pool,
				  struct ut_stack **out)
{
	int err = __real_stack_create_with_pool(cfg, pool, out);
	if (err == 0)
		leak_track(*out, LEAK_STACK, ut_stack_name(*out));
	return err;
}

void __wrap_ut_stack_destroy(struct ut_stack *stack)
{
	if (stack && leak_untrack(stack))
		check_stack_fds(stack);
	__real_ut_stack_destroy(stack);
}

int __wrap_ut_sim_create(uint64_t seed, struct ut_sim **out)
{
	int err = __real_ut_sim_create(seed, out);
	char name[40];
	if (err == 0) {
		snprintf(name, sizeof(name), "seed %llu", (unsigned long long)seed);
		leak_track(*out, LEAK_SIM, name);
	}
	return err;
}

void __wrap_ut_sim_destroy(struct ut_sim *sim)
{
	if (sim)
		leak_untrack(sim);
	__real_ut_sim_destroy(sim);
}

struct skb_pool *__wrap_skb_pool_create(size_t limit_bytes)
{
	struct skb_pool *pool = __real_skb_pool_create(limit_bytes);
	leak_track(pool, LEAK_POOL, "");
	return pool;
}

void __wrap_skb_pool_destroy(struct skb_pool *pool)
{
	if (pool && leak_untrack(pool))
		check_pool(pool);
	__real_skb_pool_destroy(pool);
}

/* ---- the harness's side (declared weak in test.c) -------------------------*/

void test_leak_begin(void)
{
	/* What a failed test left behind cannot be destroyed safely (its
	 * stacks may be mid-call): forget it, so it is not charged to the
	 * next test. */
	lc.n = 0;
	lc.len = 0;
	lc.report[0] = 0;
}

void test_leak_end(void)
{
	for (size_t i = 0; i < lc.n; i++) {
		const struct leak_obj *o = &lc.live[i];
		if (o->name[0])
			leak_note("%s '%s' never destroyed", leak_kind_name[o->kind], o->name);
		else
			leak_note("%s never destroyed", leak_kind_name[o->kind]);
	}
	lc.n = 0;
	if (lc.len) {
		char report[sizeof(lc.report)];
		memcpy(report, lc.report, lc.len + 1);
		lc.len = 0;
		lc.report[0] = 0;
		test_fail("leak check", 0, "leaked: %s", report);
	}
}
