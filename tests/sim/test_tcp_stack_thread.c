/* Blocking calls from application threads while a stack thread runs the
 * stack, on the real clock over the loopback device, as an embedding
 * program would use usertcp. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "net/stack.h"
#include "test.h"
#include "usertcp/socket.h"
#include "usertcp/usertcp.h"

#define N (4u << 20)

struct server_arg {
	struct ut_stack *stack;
	int lfd;
	size_t got;
	int bad;
};

static void *server_main(void *p)
{
	struct server_arg *a = p;
	static unsigned char buf[65536];
	int s = ut_accept(a->stack, a->lfd, NULL, NULL);
	if (s < 0)
		return NULL;
	for (;;) {
		ssize_t n = ut_recv(a->stack, s, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != (unsigned char)((a->got + (size_t)i) * 7))
				a->bad++;
		a->got += (size_t)n;
	}
	ut_close(a->stack, s);
	return NULL;
}

TEST(application_threads_block_in_accept_recv_and_send_while_the_stack_thread_runs)
{
	struct ut_stack *stack;
	struct sockaddr_in sin;
	struct server_arg a;
	pthread_t th;
	static unsigned char out[N];
	int c;

	CHECK_EQ(ut_stack_create(NULL, &stack), 0);
	CHECK_EQ(ut_stack_thread_start(stack), 0);
	CHECK_EQ(ut_stack_thread_start(stack), -EALREADY);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(5001);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(&a, 0, sizeof(a));
	a.stack = stack;
	a.lfd = ut_socket(stack, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_bind(stack, a.lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_EQ(ut_listen(stack, a.lfd, 8), 0);
	CHECK_EQ(pthread_create(&th, NULL, server_main, &a), 0);

	for (size_t i = 0; i < N; i++)
		out[i] = (unsigned char)(i * 7);
	c = ut_socket(stack, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_connect(stack, c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	size_t sent = 0;
	while (sent < N) {
		ssize_t n = ut_send(stack, c, out + sent, N - sent, 0);
		CHECK(n > 0);
		if (n <= 0)
			break;
		sent += (size_t)n;
	}
	CHECK_EQ(ut_close(stack, c), 0);
	pthread_join(th, NULL);
	CHECK_EQ(a.got, N);
	CHECK_EQ(a.bad, 0);
	CHECK_EQ(ut_close(stack, a.lfd), 0);
	ut_stack_thread_stop(stack);
	ut_stack_destroy(stack);
}
