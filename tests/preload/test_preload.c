/* The preload library under a plain program: this program is built
 * against nothing of usertcp's and runs with libusertcp-preload.so in
 * LD_PRELOAD (tests/CMakeLists.txt), without an interface, so its
 * AF_INET sockets are usertcp's on the stack's loopback device. What it
 * proves: descriptor numbers come from the kernel's space, dup and close
 * follow Linux's file references, close-on-exec is the kernel's flag,
 * and poll, select and epoll wait on usertcp sockets and kernel
 * descriptors together without spinning.
 *
 * A usertcp socket is told from a kernel one by asking the kernel itself
 * (syscall(2), past the library): for the kernel the number is an
 * eventfd, not a socket (ENOTSOCK). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

static bool kernel_says_not_a_socket(int fd)
{
	int type;
	socklen_t len = sizeof(type);

	return syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 &&
	       errno == ENOTSOCK;
}

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

/* A listener on 127.0.0.1:port. */
static int listener(uint16_t port)
{
	struct sockaddr_in sin = loopback(port);
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);

	CHECK(l >= 0);
	CHECK_EQ(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	CHECK_EQ(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_EQ(listen(l, 8), 0);
	return l;
}

/* A connected pair through the listener l on port: *c the client's end,
 * *s the server's. */
static void connect_pair(int l, uint16_t port, int *c, int *s)
{
	struct sockaddr_in sin = loopback(port);

	*c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(*c >= 0);
	CHECK_EQ(connect(*c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	*s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	CHECK(*s >= 0);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* CPU time this process used, ms (the stack thread's too). */
static uint64_t cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

/* A thread that, after delay_ms, writes one byte to fd. */
struct later {
	int fd;
	unsigned delay_ms;
	pthread_t th;
};

static void *later_main(void *p)
{
	struct later *l = p;
	struct timespec ts = {0, (long)l->delay_ms * 1000000};

	nanosleep(&ts, NULL);
	ssize_t n = write(l->fd, "x", 1);
	(void)n;
	return NULL;
}

static void later_start(struct later *l, int fd, unsigned delay_ms)
{
	l->fd = fd;
	l->delay_ms = delay_ms;
	CHECK_EQ(pthread_create(&l->th, NULL, later_main, l), 0);
}

/* The stack starts at the first socket, and this thread's waiter at its
 * first mixed wait: both keep their descriptors for the program's life,
 * so they are made here, before the harness counts descriptors. */
__attribute__((constructor)) static void warm_up(void)
{
	/* (not in the fresh process of the change-of-user test, which
	 * needs the stack not started) */
	if (getenv("UT_TEST_CRED_CHILD"))
		return;
	int s = socket(AF_INET, SOCK_DGRAM, 0), p[2];

	if (s < 0 || pipe(p) < 0)
		abort();
	struct pollfd pfd[2] = {{.fd = s, .events = POLLIN}, {.fd = p[0], .events = POLLIN}};
	if (poll(pfd, 2, 0) != 0)
		abort();
	close(p[0]);
	close(p[1]);
	close(s);
}

TEST(an_inet_socket_is_usertcps_behind_a_descriptor_number_the_kernel_gave)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), type = 0;
	socklen_t len = sizeof(type);
	CHECK(s >= 0);
	CHECK(kernel_says_not_a_socket(s));
	/* and the library answers for it as a socket */
	CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_TYPE, &type, &len), 0);
	CHECK_EQ(type, SOCK_STREAM);
	CHECK(test_fd_is_eventfd(s));
	/* the next file the program opens gets a number of its own */
	int f = open("/dev/null", O_RDONLY);
	CHECK(f >= 0 && f != s);
	close(f);
	CHECK_EQ(close(s), 0);
	/* the number went back to the kernel, and is no socket of ours now */
	CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_TYPE, &type, &len), -1);
	CHECK_EQ(errno, EBADF);
}

TEST(unix_sockets_and_socketpairs_stay_with_the_kernel)
{
	int sv[2], u = socket(AF_UNIX, SOCK_STREAM, 0);
	char c = 0;

	CHECK(u >= 0);
	CHECK(!kernel_says_not_a_socket(u));
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_EQ(write(sv[0], "a", 1), 1);
	CHECK_EQ(read(sv[1], &c, 1), 1);
	CHECK_EQ(c, 'a');
	close(sv[0]);
	close(sv[1]);
	close(u);
}

TEST(an_inet6_socket_is_usertcps_by_default)
{
	int s = socket(AF_INET6, SOCK_STREAM, 0);

	CHECK(s >= 0);
	CHECK(kernel_says_not_a_socket(s));
	close(s);
}

TEST(close_on_exec_is_the_kernels_flag_on_the_reserved_descriptor)
{
	int a = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int b = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK(a >= 0 && b >= 0);
	CHECK_EQ(syscall(SYS_fcntl, a, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(syscall(SYS_fcntl, b, F_GETFD), 0);
	CHECK_EQ(fcntl(a, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(b, F_SETFD, FD_CLOEXEC), 0);
	CHECK_EQ(syscall(SYS_fcntl, b, F_GETFD), FD_CLOEXEC);
	/* F_DUPFD_CLOEXEC: a new number, close-on-exec, the same socket */
	int d = fcntl(b, F_DUPFD_CLOEXEC, 100);
	CHECK(d >= 100);
	CHECK_EQ(syscall(SYS_fcntl, d, F_GETFD), FD_CLOEXEC);
	CHECK(kernel_says_not_a_socket(d));
	/* O_NONBLOCK belongs to the open file: its duplicate sees it */
	CHECK_EQ(fcntl(b, F_SETFL, O_NONBLOCK), 0);
	CHECK((fcntl(d, F_GETFL) & O_NONBLOCK) != 0);
	char c;
	CHECK_EQ(recv(d, &c, 1, 0), -1);
	CHECK_EQ(errno, EAGAIN);
	close(d);
	close(b);
	close(a);
}

TEST(data_crosses_the_loopback_with_every_read_and_write_call)
{
	int l = listener(7101), c, s;
	char buf[64];
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);

	connect_pair(l, 7101, &c, &s);
	CHECK(kernel_says_not_a_socket(s));
	CHECK_EQ(write(c, "hello", 5), 5);
	CHECK_EQ(read(s, buf, 5), 5);
	CHECK_MEM_EQ(buf, "hello", 5);
	struct iovec iov[2] = {{(void *)"ab", 2}, {(void *)"cd", 2}};
	CHECK_EQ(writev(s, iov, 2), 4);
	char x[2], y[2];
	struct iovec in[2] = {{x, 2}, {y, 2}};
	CHECK_EQ(readv(c, in, 2), 4);
	CHECK_MEM_EQ(x, "ab", 2);
	CHECK_MEM_EQ(y, "cd", 2);
	CHECK_EQ(send(c, "q", 1, MSG_NOSIGNAL), 1);
	CHECK_EQ(recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen), 1);
	plen = sizeof(peer);
	CHECK_EQ(getpeername(s, (struct sockaddr *)&peer, &plen), 0);
	CHECK_EQ(peer.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	close(c);
	CHECK_EQ(recv(s, buf, sizeof(buf), 0), 0);
	close(s);
	close(l);
}

TEST(a_socket_closes_at_its_last_descriptor_as_a_file_at_its_last_reference)
{
	int l = listener(7102), c, s, d, k;
	char buf[8];

	connect_pair(l, 7102, &c, &s);
	d = dup(c);
	CHECK(d >= 0 && d != c);
	CHECK(kernel_says_not_a_socket(d));
	/* dup2 onto a kernel descriptor makes it this socket too */
	k = open("/dev/null", O_RDONLY);
	CHECK(k >= 0);
	CHECK_EQ(dup2(c, k), k);
	CHECK(kernel_says_not_a_socket(k));
	CHECK_EQ(close(c), 0);
	CHECK_EQ(close(d), 0);
	/* one descriptor left: no FIN yet, and it still sends */
	CHECK_EQ(fcntl(s, F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(recv(s, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(write(k, "z", 1), 1);
	CHECK_EQ(fcntl(s, F_SETFL, 0), 0);
	CHECK_EQ(recv(s, buf, sizeof(buf), 0), 1);
	/* dup2 of a kernel descriptor over the last one closes the socket */
	int nul = open("/dev/null", O_RDONLY);
	CHECK_EQ(dup2(nul, k), k);
	CHECK(!test_fd_is_eventfd(k));
	CHECK_EQ(recv(s, buf, sizeof(buf), 0), 0);
	close(nul);
	close(k);
	close(s);
	close(l);
}

TEST(poll_wakes_for_a_usertcp_socket_beside_a_pipe_without_spinning)
{
	int l = listener(7103), c, s, p[2];
	struct later lt;

	connect_pair(l, 7103, &c, &s);
	CHECK_EQ(pipe(p), 0);
	struct pollfd pfd[2] = {{.fd = p[0], .events = POLLIN}, {.fd = s, .events = POLLIN}};
	/* nothing ready: the timeout, with the CPU idle meanwhile */
	uint64_t t0 = now_ms(), c0 = cpu_ms();
	CHECK_EQ(poll(pfd, 2, 300), 0);
	CHECK(now_ms() - t0 >= 290);
	CHECK(cpu_ms() - c0 < 100);
	/* data on the usertcp socket ends the wait */
	later_start(&lt, c, 100);
	t0 = now_ms();
	CHECK_EQ(poll(pfd, 2, 5000), 1);
	CHECK(now_ms() - t0 < 2000);
	CHECK_EQ(pfd[1].revents, POLLIN);
	CHECK_EQ(pfd[0].revents, 0);
	pthread_join(lt.th, NULL);
	char b;
	CHECK_EQ(read(s, &b, 1), 1);
	/* and so does the pipe */
	later_start(&lt, p[1], 100);
	CHECK_EQ(poll(pfd, 2, 5000), 1);
	CHECK_EQ(pfd[0].revents, POLLIN);
	CHECK_EQ(pfd[1].revents, 0);
	pthread_join(lt.th, NULL);
	close(p[0]);
	close(p[1]);
	close(c);
	close(s);
	close(l);
}

TEST(select_reports_a_usertcp_listener_and_a_pipe_in_one_set)
{
	int l = listener(7104), p[2], c;
	struct sockaddr_in sin = loopback(7104);
	fd_set r;
	struct timeval tv = {0, 200000};

	CHECK_EQ(pipe(p), 0);
	FD_ZERO(&r);
	FD_SET(l, &r);
	FD_SET(p[0], &r);
	CHECK_EQ(select((l > p[0] ? l : p[0]) + 1, &r, NULL, NULL, &tv), 0);
	CHECK(!FD_ISSET(l, &r) && !FD_ISSET(p[0], &r));
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int rc = connect(c, (struct sockaddr *)&sin, sizeof(sin));
	CHECK(rc == 0 || errno == EINPROGRESS);
	FD_ZERO(&r);
	FD_SET(l, &r);
	FD_SET(p[0], &r);
	tv = (struct timeval){5, 0};
	CHECK_EQ(select((l > p[0] ? l : p[0]) + 1, &r, NULL, NULL, &tv), 1);
	CHECK(FD_ISSET(l, &r));
	CHECK(!FD_ISSET(p[0], &r));
	/* the time left is written back, as Linux does */
	CHECK(tv.tv_sec <= 5 && (tv.tv_sec > 0 || tv.tv_usec > 0));
	int s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	close(s);
	close(c);
	close(p[0]);
	close(p[1]);
	close(l);
}

TEST(epoll_waits_on_usertcp_sockets_and_kernel_descriptors_in_one_instance)
{
	int l = listener(7105), c, s, p[2], ep;
	struct epoll_event ev, out[4];
	struct later lt;

	connect_pair(l, 7105, &c, &s);
	CHECK_EQ(pipe(p), 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep >= 0);
	ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = 0xabcdef0123ull};
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev), 0);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev), -1);
	CHECK_EQ(errno, EEXIST);
	ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = 7};
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
	/* an epoll instance is a kernel one: a socket is not */
	CHECK_EQ(epoll_ctl(c, EPOLL_CTL_ADD, s, &ev), -1);
	CHECK_EQ(errno, EINVAL);
	uint64_t t0 = now_ms(), c0 = cpu_ms();
	CHECK_EQ(epoll_wait(ep, out, 4, 300), 0);
	CHECK(now_ms() - t0 >= 290);
	CHECK(cpu_ms() - c0 < 100);
	later_start(&lt, c, 100);
	t0 = now_ms();
	CHECK_EQ(epoll_wait(ep, out, 4, 5000), 1);
	CHECK(now_ms() - t0 < 2000);
	CHECK_EQ(out[0].data.u64, 0xabcdef0123ull);
	CHECK_EQ(out[0].events, EPOLLIN);
	pthread_join(lt.th, NULL);
	char b;
	CHECK_EQ(read(s, &b, 1), 1);
	later_start(&lt, p[1], 100);
	CHECK_EQ(epoll_wait(ep, out, 4, 5000), 1);
	CHECK_EQ(out[0].data.u64, 7);
	pthread_join(lt.th, NULL);
	/* both at once */
	CHECK_EQ(write(c, "y", 1), 1);
	struct timespec ts = {0, 50 * 1000000};
	nanosleep(&ts, NULL);
	CHECK_EQ(epoll_wait(ep, out, 4, 1000), 2);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL), 0);
	CHECK_EQ(read(p[0], &b, 1), 1);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 0);
	/* epoll_pwait2's timeout is a timespec */
	struct timespec two = {0, 100 * 1000000};
	t0 = now_ms();
	CHECK_EQ(epoll_pwait2(ep, out, 4, &two, NULL), 0);
	CHECK(now_ms() - t0 >= 90);
	CHECK_EQ(write(c, "w", 1), 1);
	two.tv_nsec = 0;
	two.tv_sec = 5;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, s, &(struct epoll_event){.events = EPOLLIN}), 0);
	CHECK_EQ(epoll_pwait2(ep, out, 4, &two, NULL), 1);
	close(ep);
	close(p[0]);
	close(p[1]);
	close(c);
	close(s);
	close(l);
}

/* ---- several stacks (USERTCP_THREADS) -----------------------------------------------
 * CTest runs this program with one stack and again with two
 * (test_preload_two_stacks): every test above then runs on a group, and
 * these check that the work is spread over it. */

static unsigned stacks_run(void)
{
	const char *v = getenv("USERTCP_THREADS");
	return v && *v ? (unsigned)atoi(v) : 1;
}

/* The stack a socket the program connected is on, from its local port:
 * the group cuts Linux's ephemeral range, 32768-60999, into one slice a
 * stack, and a stack picks its connections' ports from its own. */
static unsigned stack_of(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	unsigned n = stacks_run(), port, span = 60999 - 32768 + 1;

	CHECK_EQ(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	for (unsigned i = n; i-- > 0;)
		if (port >= 32768 + span * i / n)
			return i;
	return 0;
}

/* A thread that connects n sockets to port, one every delay_ms. */
struct dialer {
	uint16_t port;
	unsigned n, delay_ms;
	int fds[8];
	pthread_t th;
};

static void *dialer_main(void *p)
{
	struct dialer *d = p;
	struct sockaddr_in sin = loopback(d->port);
	struct timespec ts = {0, (long)d->delay_ms * 1000000};

	for (unsigned i = 0; i < d->n; i++) {
		nanosleep(&ts, NULL);
		d->fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(d->fds[i], (struct sockaddr *)&sin, sizeof(sin)) < 0) {
			close(d->fds[i]);
			d->fds[i] = -1;
		}
	}
	return NULL;
}

/* Two connections to the listener l on port, one from each stack (with
 * two): the epoll instance ep, which holds l with data 10, reports each,
 * and each is accepted. */
static void epoll_reports_each_dialed(int ep, int l, uint16_t port)
{
	struct dialer d = {.port = port, .n = 2, .delay_ms = 50};
	struct epoll_event out[4];

	CHECK_EQ(pthread_create(&d.th, NULL, dialer_main, &d), 0);
	for (int k = 0; k < 2; k++) {
		CHECK_EQ(epoll_wait(ep, out, 4, 5000), 1);
		CHECK_EQ(out[0].data.u32, 10);
		int a = accept4(l, NULL, NULL, SOCK_NONBLOCK);
		CHECK(a >= 0);
		close(a);
	}
	pthread_join(d.th, NULL);
	CHECK(d.fds[0] >= 0 && d.fds[1] >= 0);
	if (stacks_run() == 2)
		CHECK(stack_of(d.fds[0]) != stack_of(d.fds[1]));
	close(d.fds[0]);
	close(d.fds[1]);
}

TEST(a_listener_is_on_every_stack_and_a_blocking_accept_takes_connections_from_each)
{
	int l = listener(7120), one = 1;
	struct timeval tv = {5, 0};
	struct dialer d = {.port = 7120, .n = 6, .delay_ms = 50};
	bool seen[2] = {false, false}, got[6] = {false};
	int s[6];

	/* an option set after listen() reaches every stack's listener,
	 * and the timeout makes a missed wake a failure, not a hang */
	CHECK_EQ(setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	CHECK_EQ(setsockopt(l, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)), 0);
	/* each connection arrives while accept already waits: the wait is
	 * on every stack's listener at once */
	CHECK_EQ(pthread_create(&d.th, NULL, dialer_main, &d), 0);
	for (int i = 0; i < 6; i++) {
		s[i] = accept(l, NULL, NULL);
		CHECK(s[i] >= 0);
	}
	pthread_join(d.th, NULL);
	for (unsigned i = 0; i < d.n; i++) {
		char b = (char)('a' + i);
		CHECK(d.fds[i] >= 0);
		seen[stack_of(d.fds[i]) & 1] = true;
		CHECK_EQ(write(d.fds[i], &b, 1), 1);
	}
	/* every accepted socket carries one of the clients' bytes */
	for (int i = 0; i < 6; i++) {
		char b = 0;
		int ka = 0;
		socklen_t kl = sizeof(ka);
		CHECK_EQ(read(s[i], &b, 1), 1);
		CHECK(b >= 'a' && b < 'a' + 6 && !got[b - 'a']);
		got[b - 'a'] = true;
		/* the listener's options, on whichever stack took it */
		CHECK_EQ(getsockopt(s[i], SOL_SOCKET, SO_KEEPALIVE, &ka, &kl), 0);
		CHECK_EQ(ka, 1);
		close(s[i]);
		close(d.fds[i]);
	}
	/* with two stacks, the clients went out from both, and each was
	 * accepted by the listener of its own stack */
	if (stacks_run() == 2)
		CHECK(seen[0] && seen[1]);
	/* the port is the listener's on every stack: getsockname says one */
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	CHECK_EQ(getsockname(l, (struct sockaddr *)&sin, &len), 0);
	CHECK_EQ(ntohs(sin.sin_port), 7120);
	/* nothing more to take: the timeout on every stack */
	uint64_t t0 = now_ms();
	tv.tv_sec = 0;
	tv.tv_usec = 200 * 1000;
	CHECK_EQ(setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	CHECK_EQ(accept(l, NULL, NULL), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK(now_ms() - t0 >= 190);
	close(l);
}

TEST(poll_and_epoll_wait_on_sockets_of_every_stack_at_once_without_spinning)
{
	int l = listener(7121), c[4], s[4], p[2], ep;
	struct later lt;
	bool seen[2] = {false, false};
	struct epoll_event ev, out[8];
	char b;

	for (int i = 0; i < 4; i++) {
		connect_pair(l, 7121, &c[i], &s[i]);
		seen[stack_of(c[i]) & 1] = true;
	}
	if (stacks_run() == 2)
		CHECK(seen[0] && seen[1]);
	CHECK_EQ(pipe(p), 0);
	struct pollfd pfd[5];
	for (int i = 0; i < 4; i++)
		pfd[i] = (struct pollfd){.fd = s[i], .events = POLLIN};
	pfd[4] = (struct pollfd){.fd = p[0], .events = POLLIN};
	/* nothing ready anywhere: the timeout, the CPU idle */
	uint64_t t0 = now_ms(), c0 = cpu_ms();
	CHECK_EQ(poll(pfd, 5, 300), 0);
	CHECK(now_ms() - t0 >= 290);
	CHECK(cpu_ms() - c0 < 100);
	/* a byte on each connection in turn ends a wait, whichever stack */
	for (int i = 0; i < 4; i++) {
		later_start(&lt, c[i], 50);
		CHECK_EQ(poll(pfd, 5, 5000), 1);
		for (int j = 0; j < 5; j++)
			CHECK_EQ(pfd[j].revents, j == i ? POLLIN : 0);
		pthread_join(lt.th, NULL);
		CHECK_EQ(read(s[i], &b, 1), 1);
	}
	/* one epoll instance holding connections of both stacks, the
	 * listener (on both) and the pipe */
	CHECK((ep = epoll_create1(EPOLL_CLOEXEC)) >= 0);
	for (int i = 0; i < 4; i++) {
		ev = (struct epoll_event){.events = EPOLLIN, .data.u32 = (uint32_t)i};
		CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, s[i], &ev), 0);
	}
	ev = (struct epoll_event){.events = EPOLLIN, .data.u32 = 10};
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev), 0);
	ev = (struct epoll_event){.events = EPOLLIN, .data.u32 = 20};
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
	t0 = now_ms();
	c0 = cpu_ms();
	CHECK_EQ(epoll_wait(ep, out, 8, 300), 0);
	CHECK(now_ms() - t0 >= 290);
	CHECK(cpu_ms() - c0 < 100);
	/* the instance is readable for a poll on it while a socket of any
	 * stack has data */
	struct pollfd epp = {.fd = ep, .events = POLLIN};
	for (int i = 0; i < 4; i++) {
		later_start(&lt, c[i], 50);
		CHECK_EQ(epoll_wait(ep, out, 8, 5000), 1);
		CHECK_EQ(out[0].data.u32, (uint32_t)i);
		pthread_join(lt.th, NULL);
		CHECK_EQ(poll(&epp, 1, 0), 1);
		CHECK_EQ(read(s[i], &b, 1), 1);
		CHECK_EQ(poll(&epp, 1, 0), 0);
	}
	/* a new connection, whichever stack takes it, is the listener's */
	epoll_reports_each_dialed(ep, l, 7121);
	close(ep);
	for (int i = 0; i < 4; i++) {
		close(c[i]);
		close(s[i]);
	}
	close(p[0]);
	close(p[1]);
	close(l);
}

TEST(a_socket_in_epoll_before_bind_and_listen_is_watched_on_the_stacks_they_put_it_on)
{
	struct sockaddr_in la = loopback(7122), ua[2] = {loopback(60001), loopback(60002)};
	int ep = epoll_create1(EPOLL_CLOEXEC), l = socket(AF_INET, SOCK_STREAM, 0), u[2], one = 1;
	struct epoll_event ev, out[4];

	CHECK(ep >= 0 && l >= 0);
	/* two datagram sockets made one after the other: one on each stack;
	 * bound to ports of the last stack's slice, one of them moves */
	for (int i = 0; i < 2; i++) {
		CHECK((u[i] = socket(AF_INET, SOCK_DGRAM, 0)) >= 0);
		ev = (struct epoll_event){.events = EPOLLIN, .data.u32 = (uint32_t)i};
		CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, u[i], &ev), 0);
		CHECK_EQ(bind(u[i], (struct sockaddr *)&ua[i], sizeof(ua[i])), 0);
	}
	/* a listener added before bind and listen: its listener on every
	 * stack is in the instance */
	ev = (struct epoll_event){.events = EPOLLIN, .data.u32 = 10};
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev), 0);
	CHECK_EQ(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	CHECK_EQ(bind(l, (struct sockaddr *)&la, sizeof(la)), 0);
	CHECK_EQ(listen(l, 8), 0);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 0);
	for (int i = 0; i < 2; i++) {
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		CHECK_EQ(sendto(s, "d", 1, 0, (struct sockaddr *)&ua[i], sizeof(ua[i])), 1);
		CHECK_EQ(epoll_wait(ep, out, 4, 5000), 1);
		CHECK_EQ(out[0].data.u32, (uint32_t)i);
		char b;
		CHECK_EQ(recv(u[i], &b, 1, 0), 1);
		close(s);
	}
	/* connections from both stacks, each reported */
	epoll_reports_each_dialed(ep, l, 7122);
	close(u[0]);
	close(u[1]);
	close(l);
	close(ep);
}

TEST(a_datagram_socket_bound_to_another_stacks_port_gets_what_any_stack_sends_it)
{
	/* 60000 is in the last stack's slice: the socket is moved there at
	 * bind; the senders are on every stack, their datagrams handed over
	 * to it across the loopbacks */
	struct sockaddr_in a = loopback(60000), from;
	int r = socket(AF_INET, SOCK_DGRAM, 0), one = 1, got = 0;
	char buf[8];

	CHECK(r >= 0);
	/* an option set before bind goes with the socket */
	CHECK_EQ(setsockopt(r, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)), 0);
	CHECK_EQ(bind(r, (struct sockaddr *)&a, sizeof(a)), 0);
	int v = 0;
	socklen_t vl = sizeof(v);
	CHECK_EQ(getsockopt(r, SOL_SOCKET, SO_BROADCAST, &v, &vl), 0);
	CHECK_EQ(v, 1);
	/* bound: a second bind is refused as Linux refuses it */
	CHECK_EQ(bind(r, (struct sockaddr *)&a, sizeof(a)), -1);
	CHECK_EQ(errno, EINVAL);
	for (int i = 0; i < 4; i++) {
		int u = socket(AF_INET, SOCK_DGRAM, 0);
		char m = (char)('0' + i);
		CHECK(u >= 0);
		CHECK_EQ(sendto(u, &m, 1, 0, (struct sockaddr *)&a, sizeof(a)), 1);
		close(u);
	}
	struct timeval tv = {5, 0};
	CHECK_EQ(setsockopt(r, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	for (int i = 0; i < 4; i++) {
		socklen_t fl = sizeof(from);
		CHECK_EQ(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 1);
		CHECK(buf[0] >= '0' && buf[0] < '4' && !(got & (1 << (buf[0] - '0'))));
		got |= 1 << (buf[0] - '0');
	}
	close(r);
}

TEST(a_socket_has_no_position_and_sendfile_copies_a_file_to_it)
{
	int l = listener(7106), c, s, f;
	char path[256], buf[256], got[300];
	off_t off = 100;

	connect_pair(l, 7106, &c, &s);
	/* no lseek either, as Linux's sockets: the eventfd underneath
	 * would answer 0, and bash's read would take the socket for a
	 * file it may read ahead in */
	CHECK_EQ(lseek(s, 0, SEEK_CUR), -1);
	CHECK_EQ(errno, ESPIPE);
	CHECK_EQ(lseek64(c, 0, SEEK_SET), -1);
	CHECK_EQ(errno, ESPIPE);
	CHECK_EQ(pread(s, buf, 1, 0), -1);
	CHECK_EQ(errno, ESPIPE);
	CHECK_EQ(pwrite(s, "x", 1, 0), -1);
	CHECK_EQ(errno, ESPIPE);
	snprintf(path, sizeof(path), "%s/test_preload_sendfile.bin", test_tmpdir());
	f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(f >= 0);
	for (int i = 0; i < 256; i++)
		buf[i] = (char)i;
	CHECK_EQ(write(f, buf, 256), 256);
	/* at an offset: the offset moves, the file's position does not */
	CHECK_EQ(sendfile(c, f, &off, 50), 50);
	CHECK_EQ(off, 150);
	CHECK_EQ(lseek(f, 0, SEEK_CUR), 256);
	/* at the file's position, to its end */
	CHECK_EQ(lseek(f, 200, SEEK_SET), 200);
	CHECK_EQ(sendfile(c, f, NULL, 1000), 56);
	CHECK_EQ(lseek(f, 0, SEEK_CUR), 256);
	size_t n = 0;
	while (n < 106) {
		ssize_t r = recv(s, got + n, sizeof(got) - n, 0);
		CHECK(r > 0);
		n += (size_t)r;
	}
	CHECK_MEM_EQ(got, buf + 100, 50);
	CHECK_MEM_EQ(got + 50, buf + 200, 56);
	/* from a socket: EINVAL, as Linux wants a file it can map */
	CHECK_EQ(sendfile(c, s, NULL, 10), -1);
	CHECK_EQ(errno, EINVAL);
	/* splice copies between the socket and a pipe, both ways */
	int p[2];
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(send(c, "abc", 3, 0), 3);
	CHECK_EQ(splice(s, NULL, p[1], NULL, 10, 0), 3);
	CHECK_EQ(splice(p[0], NULL, c, NULL, 10, 0), 3);
	CHECK_EQ(recv(s, got, 3, MSG_WAITALL), 3);
	CHECK_MEM_EQ(got, "abc", 3);
	close(p[0]);
	close(p[1]);
	close(f);
	unlink(path);
	close(c);
	close(s);
	close(l);
}

TEST(sendmmsg_and_recvmmsg_carry_several_datagrams_in_one_call)
{
	struct sockaddr_in a = loopback(7107), b = loopback(7108);
	int u = socket(AF_INET, SOCK_DGRAM, 0), v = socket(AF_INET, SOCK_DGRAM, 0);
	struct mmsghdr m[4];
	struct iovec iov[4];
	char data[4][8];

	CHECK(u >= 0 && v >= 0);
	CHECK_EQ(bind(u, (struct sockaddr *)&a, sizeof(a)), 0);
	CHECK_EQ(bind(v, (struct sockaddr *)&b, sizeof(b)), 0);
	CHECK_EQ(connect(u, (struct sockaddr *)&b, sizeof(b)), 0);
	memset(m, 0, sizeof(m));
	for (int i = 0; i < 3; i++) {
		snprintf(data[i], sizeof(data[i]), "dg%d", i);
		iov[i] = (struct iovec){data[i], 3};
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	CHECK_EQ(sendmmsg(u, m, 3, 0), 3);
	CHECK_EQ(m[2].msg_len, 3);
	memset(m, 0, sizeof(m));
	memset(data, 0, sizeof(data));
	for (int i = 0; i < 4; i++) {
		iov[i] = (struct iovec){data[i], sizeof(data[i])};
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	/* the fourth would block: MSG_WAITFORONE returns the three */
	CHECK_EQ(recvmmsg(v, m, 4, MSG_WAITFORONE, NULL), 3);
	CHECK_EQ(m[1].msg_len, 3);
	CHECK_MEM_EQ(data[0], "dg0", 3);
	CHECK_MEM_EQ(data[2], "dg2", 3);
	close(u);
	close(v);
}

/* ---- blocking calls and signals -------------------------------------------------- */

static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	(void)sig;
	caught++;
}

/* SIGUSR1's handler, with SA_RESTART or without. */
static void catch_usr1(bool restart)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
}

static void default_usr1(void)
{
	signal(SIGUSR1, SIG_DFL);
}

/* A thread that sends SIGUSR1 to thread to after delay_ms, then (if fd is
 * not -1) writes a byte to fd after as long again. */
struct kick {
	pthread_t to, th;
	unsigned delay_ms;
	int fd;
};

static void *kick_main(void *p)
{
	struct kick *k = p;
	struct timespec ts = {0, (long)k->delay_ms * 1000000};

	nanosleep(&ts, NULL);
	pthread_kill(k->to, SIGUSR1);
	if (k->fd >= 0) {
		nanosleep(&ts, NULL);
		ssize_t n = write(k->fd, "k", 1);
		(void)n;
	}
	return NULL;
}

static void kick_start(struct kick *k, unsigned delay_ms, int fd)
{
	k->to = pthread_self();
	k->delay_ms = delay_ms;
	k->fd = fd;
	CHECK_EQ(pthread_create(&k->th, NULL, kick_main, k), 0);
}

TEST(a_signal_interrupts_a_blocking_recv_and_accept_with_eintr)
{
	int l = listener(7109), c, s;
	struct kick k;
	char b;

	connect_pair(l, 7109, &c, &s);
	catch_usr1(false);
	caught = 0;
	kick_start(&k, 100, -1);
	uint64_t t0 = now_ms();
	CHECK_EQ(recv(s, &b, 1, 0), -1);
	CHECK_EQ(errno, EINTR);
	CHECK_EQ(caught, 1);
	CHECK(now_ms() - t0 < 2000);
	pthread_join(k.th, NULL);
	kick_start(&k, 100, -1);
	CHECK_EQ(accept(l, NULL, NULL), -1);
	CHECK_EQ(errno, EINTR);
	CHECK_EQ(caught, 2);
	pthread_join(k.th, NULL);
	default_usr1();
	close(c);
	close(s);
	close(l);
}

TEST(a_handler_with_sa_restart_lets_a_blocking_recv_go_on)
{
	int l = listener(7110), c, s;
	struct kick k;
	char b = 0;

	connect_pair(l, 7110, &c, &s);
	catch_usr1(true);
	caught = 0;
	/* the signal after 100 ms, the byte 100 ms later */
	kick_start(&k, 100, c);
	CHECK_EQ(recv(s, &b, 1, 0), 1);
	CHECK_EQ(b, 'k');
	CHECK_EQ(caught, 1);
	pthread_join(k.th, NULL);
	/* a socket with a timeout is not restarted (man 7 signal) */
	struct timeval tv = {5, 0};
	CHECK_EQ(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	kick_start(&k, 100, -1);
	CHECK_EQ(recv(s, &b, 1, 0), -1);
	CHECK_EQ(errno, EINTR);
	pthread_join(k.th, NULL);
	default_usr1();
	/* and the timeout itself: EAGAIN */
	tv = (struct timeval){0, 150000};
	CHECK_EQ(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	uint64_t t0 = now_ms();
	CHECK_EQ(recv(s, &b, 1, 0), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK(now_ms() - t0 >= 140);
	close(c);
	close(s);
	close(l);
}

struct drain {
	int fd;
	size_t got;
	pthread_t th;
};

static void *drain_main(void *p)
{
	struct drain *d = p;
	static char buf[65536];
	ssize_t n;

	while ((n = recv(d->fd, buf, sizeof(buf), 0)) > 0)
		d->got += (size_t)n;
	return NULL;
}

TEST(blocking_send_connect_and_waitall_move_everything_as_linux)
{
	int l = listener(7111), c, s;
	static char big[4 << 20];
	struct drain d = {0};
	struct sockaddr_in closed = loopback(7199);

	connect_pair(l, 7111, &c, &s);
	/* a send far past the send buffer returns when all of it is queued */
	d.fd = s;
	CHECK_EQ(pthread_create(&d.th, NULL, drain_main, &d), 0);
	CHECK_EQ(send(c, big, sizeof(big), 0), (ssize_t)sizeof(big));
	CHECK_EQ(shutdown(c, SHUT_WR), 0);
	pthread_join(d.th, NULL);
	CHECK_EQ(d.got, sizeof(big));
	close(c);
	close(s);
	/* MSG_WAITALL waits for the whole length, across several sends */
	connect_pair(l, 7111, &c, &s);
	struct later lt;
	CHECK_EQ(write(c, "abc", 3), 3);
	later_start(&lt, c, 100);
	char four[4];
	CHECK_EQ(recv(s, four, 4, MSG_WAITALL), 4);
	CHECK_MEM_EQ(four, "abcx", 4);
	pthread_join(lt.th, NULL);
	close(c);
	close(s);
	/* a blocking connect to a port nobody listens on: refused */
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(connect(c, (struct sockaddr *)&closed, sizeof(closed)), -1);
	CHECK_EQ(errno, ECONNREFUSED);
	close(c);
	/* O_NONBLOCK is the program's, whatever the stack's socket is */
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(fcntl(c, F_GETFL) & O_NONBLOCK, 0);
	int on = 1;
	CHECK_EQ(ioctl(c, FIONBIO, &on), 0);
	CHECK(fcntl(c, F_GETFL) & O_NONBLOCK);
	close(c);
	close(l);
}

/* Whether the kernel has a handler on sig for this process
 * (/proc/self/status, SigCgt), whatever sigaction tells the program. */
static bool kernel_sees_caught(int sig)
{
	char line[256];
	unsigned long long mask = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SigCgt: %llx", &mask) == 1)
			break;
	fclose(f);
	return (mask >> (sig - 1)) & 1;
}

TEST(sigterm_left_at_sig_dfl_reads_sig_dfl_while_the_library_catches_it)
{
	struct sigaction sa;

	/* the stack runs (warm_up), so SIGTERM closes the sockets first */
	CHECK_EQ(sigaction(SIGTERM, NULL, &sa), 0);
	CHECK(sa.sa_handler == SIG_DFL);
	CHECK(kernel_sees_caught(SIGTERM));
	/* the program's handler replaces the library's */
	CHECK(signal(SIGTERM, on_signal) == SIG_DFL);
	CHECK_EQ(sigaction(SIGTERM, NULL, &sa), 0);
	CHECK(sa.sa_handler == on_signal);
	/* and SIG_DFL brings the library's back, shown as SIG_DFL */
	CHECK(signal(SIGTERM, SIG_DFL) == on_signal);
	CHECK_EQ(sigaction(SIGTERM, NULL, &sa), 0);
	CHECK(sa.sa_handler == SIG_DFL);
	CHECK(kernel_sees_caught(SIGTERM));
	/* SIG_IGN is the program's, as set */
	CHECK(signal(SIGTERM, SIG_IGN) == SIG_DFL);
	CHECK(!kernel_sees_caught(SIGTERM));
	CHECK(signal(SIGTERM, SIG_DFL) == SIG_IGN);
	CHECK(kernel_sees_caught(SIGTERM));
}

TEST(a_forked_child_refuses_usertcp_sockets_and_the_parent_keeps_its_own)
{
	int l = listener(7112), c, s;
	char b;

	connect_pair(l, 7112, &c, &s);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* the stack is the parent's: inherited sockets are the plain
		 * eventfds underneath, and no new one is made */
		int bad = 0, type;
		socklen_t len = sizeof(type);
		if (getsockopt(c, SOL_SOCKET, SO_TYPE, &type, &len) != -1 || errno != ENOTSOCK)
			bad |= 1;
		if (socket(AF_INET, SOCK_STREAM, 0) != -1 || errno != EAFNOSUPPORT)
			bad |= 2;
		/* the kernel's sockets are still the kernel's */
		int u = socket(AF_UNIX, SOCK_STREAM, 0);
		if (u < 0)
			bad |= 4;
		_exit(bad);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	/* the child's exit closed nothing of the parent's */
	CHECK_EQ(write(c, "p", 1), 1);
	CHECK_EQ(read(s, &b, 1), 1);
	CHECK_EQ(b, 'p');
	close(c);
	close(s);
	close(l);
}

/* The threads of this process (/proc/self/task). */
static int thread_count(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* A server that changes from root to its own user before it listens
 * (ngircd) needs the interface attached first, with root's privileges:
 * the library starts the stack at the change (src/preload/cred.c). This
 * needs a process whose stack has not started, so the test runs itself
 * again, fresh, as a child; and root, to change user. */
TEST(a_change_of_user_from_root_starts_the_stack_before_it)
{
	if (getenv("UT_TEST_CRED_CHILD")) {
		/* the fresh process: nothing has started the stack */
		int before = thread_count();
		if (before != 1)
			_exit(10 + before);
		if (setuid(65534) != 0)
			_exit(2);
		if (thread_count() < 2)
			_exit(3);
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0 || !kernel_says_not_a_socket(s))
			_exit(4);
		close(s);
		_exit(0);
	}
	if (geteuid() != 0) {
		printf("    (skipped: not root, cannot change user)\n");
		return;
	}
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		setenv("UT_TEST_CRED_CHILD", "1", 1);
		execl("/proc/self/exe", "test_preload",
		      "a_change_of_user_from_root_starts_the_stack_before_it", (char *)NULL);
		_exit(99);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
}

/* _exit closes the process's usertcp sockets first, as Linux closes a
 * process's descriptors (src/preload/exit.c); but a child of vfork,
 * which shares the parent's memory and so its stack, closes nothing:
 * the parent's connection goes on. */
TEST(a_vfork_child_that_calls_exit_closes_nothing_of_its_parents)
{
	int l = listener(7113), c, s;
	char b;

	connect_pair(l, 7113, &c, &s);
	pid_t pid = vfork();
	if (pid == 0)
		_exit(7);
	CHECK(pid > 0);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 7);
	CHECK_EQ(write(c, "v", 1), 1);
	CHECK_EQ(read(s, &b, 1), 1);
	CHECK_EQ(b, 'v');
	close(c);
	close(s);
	close(l);
}

static void exit_nine(int sig)
{
	(void)sig;
	_exit(9);
}

/* A handler that calls _exit (async-signal-safe, and common) may have
 * interrupted a thread that holds a lock the closing needs. Here every
 * step of the stack is traced to a standard error nobody reads, so the
 * stack's threads soon block writing it, the stack's lock held; SIGALRM's
 * handler then calls _exit. The closing is handed to the library's
 * thread and waited for two seconds at most: the process ends, with the
 * handler's status, rather than wait for the lock for ever. A fresh
 * process of its own, for the trace and the pipe. */
TEST(exit_from_a_handler_ends_the_process_even_with_the_stack_lock_taken)
{
	if (getenv("UT_TEST_EXIT_CHILD")) {
		struct sigaction sa;
		static char buf[65536];
		int l = listener(7114), c, s;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = exit_nine;
		sigaction(SIGALRM, &sa, NULL);
		connect_pair(l, 7114, &c, &s);
		alarm(1);
		/* each send and receive traces: the pipe fills in a moment */
		for (;;) {
			if (send(c, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno != EAGAIN)
				_exit(2);
			if (recv(s, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno != EAGAIN)
				_exit(3);
		}
	}
	int p[2];
	CHECK_EQ(pipe(p), 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		setenv("UT_TEST_EXIT_CHILD", "1", 1);
		setenv("USERTCP_TRACE", "1", 1);
		dup2(p[1], 2);
		execl("/proc/self/exe", "test_preload",
		      "exit_from_a_handler_ends_the_process_even_with_the_stack_lock_taken",
		      (char *)NULL);
		_exit(99);
	}
	close(p[1]);
	/* (the pipe is never read: its writer blocks once it is full) */
	int status = 0;
	pid_t r = 0;
	for (int i = 0; i < 100 && (r = waitpid(pid, &status, WNOHANG)) == 0; i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	close(p[0]);
	CHECK_EQ(r, pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 9);
}
