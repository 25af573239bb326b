/* ut_stack_batch_begin/end: the calls and poll rounds of a batch share
 * one reading of the stack's clock, while a call that waits inside a
 * batch still reads it again (or its timeout would never come). The
 * clock here counts its readings and moves 1 us at each. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "test.h"
#include "usertcp/clock.h"
#include "usertcp/socket.h"
#include "usertcp/stack.h"

struct counting_clock {
	struct ut_clock clock; /* first: the callback gets this pointer */
	uint64_t t;
	unsigned reads;
};

static uint64_t counting_now(const struct ut_clock *c)
{
	struct counting_clock *cc = (struct counting_clock *)(uintptr_t)c;

	cc->reads++;
	cc->t += 1000;
	return cc->t;
}

static struct counting_clock clk = {.clock = {.now_ns = counting_now}, .t = 1000000000};

/* A connection over 127.0.0.1 on st's lo: *c the client, *s the server. */
static void make_pair(struct ut_stack *st, int *c, int *s)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int l;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = ut_socket(st, AF_INET, SOCK_STREAM, 0);
	CHECK(l >= 0);
	CHECK_EQ(ut_bind(st, l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_EQ(ut_listen(st, l, 4), 0);
	CHECK_EQ(ut_getsockname(st, l, (struct sockaddr *)&sin, &len), 0);
	*c = ut_socket(st, AF_INET, SOCK_STREAM, 0);
	CHECK(*c >= 0);
	CHECK_EQ(ut_connect(st, *c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	*s = ut_accept(st, l, NULL, NULL);
	CHECK(*s >= 0);
	CHECK_EQ(ut_close(st, l), 0);
}

/* Ten rounds of a 1-byte send, a poll round and a read. */
static void exchange(struct ut_stack *st, int c, int s)
{
	for (int i = 0; i < 10; i++) {
		char out = (char)('a' + i), in = 0;
		CHECK_EQ(ut_send(st, c, &out, 1, MSG_DONTWAIT), 1);
		ut_stack_poll(st);
		CHECK_EQ(ut_recv(st, s, &in, 1, MSG_DONTWAIT), 1);
		CHECK_EQ(in, out);
	}
}

TEST(a_batch_reads_the_clock_once_and_a_wait_inside_it_reads_it_again)
{
	struct ut_stack_config cfg;
	struct ut_stack *st;
	struct timeval tv = {.tv_sec = 0, .tv_usec = 5000};
	unsigned before, unbatched;
	uint64_t t0;
	int c, s, one = 1;
	char b;

	ut_stack_config_init(&cfg);
	cfg.clock = &clk.clock;
	cfg.seed = 3;
	CHECK_EQ(ut_stack_create(&cfg, &st), 0);
	make_pair(st, &c, &s);
	CHECK_EQ(ut_setsockopt(st, c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);

	/* Without a batch: at least a reading per send and per poll round. */
	before = clk.reads;
	exchange(st, c, s);
	unbatched = clk.reads - before;
	CHECK(unbatched >= 20);

	/* In a batch: the one reading at its start. */
	before = clk.reads;
	ut_stack_batch_begin(st);
	t0 = ut_stack_now(st);
	exchange(st, c, s);
	CHECK_EQ(ut_stack_now(st), t0);
	/* nested: still the same time, and the inner end keeps it */
	ut_stack_batch_begin(st);
	ut_stack_batch_end(st);
	CHECK_EQ(ut_stack_now(st), t0);
	CHECK_EQ(clk.reads - before, 1);

	/* A blocking read with nothing to read waits out SO_RCVTIMEO: the
	 * clock must move inside the batch, and the batch goes on from the
	 * time the wait ended. */
	CHECK_EQ(ut_setsockopt(st, s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	CHECK_EQ(ut_recv(st, s, &b, 1, 0), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK(ut_stack_now(st) >= t0 + 5000000);
	ut_stack_batch_end(st);

	/* After the batch, each call reads the clock again. */
	before = clk.reads;
	t0 = ut_stack_now(st);
	CHECK(ut_stack_now(st) > t0);
	CHECK_EQ(clk.reads - before, 2);

	CHECK_EQ(ut_close(st, c), 0);
	CHECK_EQ(ut_close(st, s), 0);
	ut_stack_destroy(st);
}
