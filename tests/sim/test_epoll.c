/* epoll on usertcp descriptors, between two simulated hosts: readiness of
 * TCP and UDP sockets, level- and edge-triggered reporting, one-shot items,
 * nesting, timeouts in simulated time, and Linux's error numbers. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "net/simnet.h"
#include "net/stack.h"
#include "test.h"
#include "tcpworld.h"
#include "testnet.h"
#include "usertcp/socket.h"

#define PORT 5000

/* Two hosts on a link with 1 ms of one-way delay: the client (w.c,
 * 10.0.0.1) and the server (w.s, 10.0.0.2). */
static void world_make(struct tcpworld *w)
{
	struct ut_link_params lp;

	ut_link_params_init(&lp);
	lp.delay_ns = 1 * MS;
	tw_make(w, 7, &lp);
}

static int ep_add(struct ut_stack *s, int ep, int fd, unsigned events, uint64_t data)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u64 = data;
	return ut_epoll_ctl(s, ep, EPOLL_CTL_ADD, fd, &ev);
}

static int ep_mod(struct ut_stack *s, int ep, int fd, unsigned events, uint64_t data)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u64 = data;
	return ut_epoll_ctl(s, ep, EPOLL_CTL_MOD, fd, &ev);
}

/* epoll_wait that must not block: timeout 0. */
static int ep_poll0(struct ut_stack *s, int ep, struct epoll_event *evs, int max)
{
	memset(evs, 0, sizeof(*evs) * (size_t)max);
	return ut_epoll_wait(s, ep, evs, max, 0);
}

static void send_str(struct ut_stack *s, int fd, const char *str)
{
	CHECK_EQ(ut_send(s, fd, str, strlen(str), 0), (long)strlen(str));
}

static void drain(struct ut_stack *s, int fd, size_t expect)
{
	char buf[4096];

	CHECK_EQ(ut_recv(s, fd, buf, sizeof(buf), MSG_DONTWAIT), (long)expect);
}

/* ---- creation and error numbers --------------------------------------------------*/

TEST(epoll_create_fails_with_einval_for_bad_arguments_and_emfile_on_a_full_table)
{
	struct tcpworld w;
	int ep;

	world_make(&w);
	errno = 0;
	CHECK_EQ(ut_epoll_create(w.c, 0), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_epoll_create(w.c, -5), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_epoll_create1(w.c, 1), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_epoll_create1(w.c, EPOLL_CLOEXEC | O_NONBLOCK), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_stack_open_fds(w.c), 0);

	ep = ut_epoll_create(w.c, 1);
	CHECK(ep >= 0);
	CHECK_EQ(ut_fcntl(w.c, ep, F_GETFD), 0);
	CHECK_EQ(ut_close(w.c, ep), 0);
	ep = ut_epoll_create1(w.c, EPOLL_CLOEXEC);
	CHECK(ep >= 0);
	CHECK_EQ(ut_fcntl(w.c, ep, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(ut_close(w.c, ep), 0);

	/* a full descriptor table: EMFILE, and nothing left behind */
	CHECK_EQ(ut_sysctl_set(w.c, "fs.nr_open", 1), 0);
	ep = ut_epoll_create1(w.c, 0);
	CHECK_EQ(ep, 0);
	CHECK_EQ(ut_epoll_create1(w.c, 0), -1);
	CHECK_EQ(errno, EMFILE);
	CHECK_EQ(ut_close(w.c, ep), 0);
	tw_done(&w);
}

TEST(epoll_ctl_fails_with_linux_errnos)
{
	struct tcpworld w;
	struct epoll_event ev = {.events = EPOLLIN};
	int ep, ep2, s, s2;

	world_make(&w);
	ep = ut_epoll_create1(w.s, 0);
	ep2 = ut_epoll_create1(w.s, 0);
	s = ut_socket(w.s, AF_INET, SOCK_STREAM, 0);
	s2 = ut_socket(w.s, AF_INET, SOCK_DGRAM, 0);
	CHECK(ep >= 0 && ep2 >= 0 && s >= 0 && s2 >= 0);

	/* bad descriptors */
	CHECK_EQ(ut_epoll_ctl(w.s, 99, EPOLL_CTL_ADD, s, &ev), -1);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(ut_epoll_ctl(w.s, -1, EPOLL_CTL_ADD, s, &ev), -1);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(ut_epoll_ctl(w.s, ep, EPOLL_CTL_ADD, 99, &ev), -1);
	CHECK_EQ(errno, EBADF);
	/* not an epoll descriptor, or itself */
	CHECK_EQ(ut_epoll_ctl(w.s, s, EPOLL_CTL_ADD, s2, &ev), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_epoll_ctl(w.s, ep, EPOLL_CTL_ADD, ep, &ev), -1);
	CHECK_EQ(errno, EINVAL);
	/* the event is read for every op but DEL */
	CHECK_EQ(ut_epoll_ctl(w.s, ep, EPOLL_CTL_ADD, s, NULL), -1);
	CHECK_EQ(errno, EFAULT);
	/* an unknown op */
	CHECK_EQ(ut_epoll_ctl(w.s, ep, 42, s, &ev), -1);
	CHECK_EQ(errno, EINVAL);
	/* MOD and DEL of what was never added */
	CHECK_EQ(ut_epoll_ctl(w.s, ep, EPOLL_CTL_MOD, s, &ev), -1);
	CHECK_EQ(errno, ENOENT);
	CHECK_EQ(ut_epoll_ctl(w.s, ep, EPOLL_CTL_DEL, s, NULL), -1);
	CHECK_EQ(errno, ENOENT);
	/* ADD twice */
	CHECK_EQ(ut_epoll_ctl(w.s, ep, EPOLL_CTL_ADD, s, &ev), 0);
	CHECK_EQ(ut_epoll_ctl(w.s, ep, EPOLL_CTL_ADD, s, &ev), -1);
	CHECK_EQ(errno, EEXIST);
	/* the same socket in another instance is another item */
	CHECK_EQ(ut_epoll_ctl(w.s, ep2, EPOLL_CTL_ADD, s, &ev), 0);
	/* DEL ignores the event, even NULL */
	CHECK_EQ(ut_epoll_ctl(w.s, ep, EPOLL_CTL_DEL, s, NULL), 0);
	CHECK_EQ(ut_epoll_ctl(w.s, ep, EPOLL_CTL_DEL, s, &ev), -1);
	CHECK_EQ(errno, ENOENT);
	/* EPOLLEXCLUSIVE: ADD only, plain events only, not with ONESHOT */
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	CHECK_EQ(ut_epoll_ctl(w.s, ep, EPOLL_CTL_ADD, s2, &ev), 0);
	CHECK_EQ(ut_epoll_ctl(w.s, ep, EPOLL_CTL_MOD, s2, &ev), -1);
	CHECK_EQ(errno, EINVAL);
	ev.events = EPOLLIN;
	CHECK_EQ(ut_epoll_ctl(w.s, ep, EPOLL_CTL_MOD, s2, &ev), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_epoll_ctl(w.s, ep, EPOLL_CTL_DEL, s2, NULL), 0);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
	CHECK_EQ(ut_epoll_ctl(w.s, ep, EPOLL_CTL_ADD, s2, &ev), -1);
	CHECK_EQ(errno, EINVAL);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	CHECK_EQ(ut_epoll_ctl(w.s, ep, EPOLL_CTL_ADD, ep2, &ev), -1);
	CHECK_EQ(errno, EINVAL);

	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, s2), 0);
	CHECK_EQ(ut_close(w.s, ep), 0);
	CHECK_EQ(ut_close(w.s, ep2), 0);
	tw_done(&w);
}

TEST(epoll_wait_fails_with_linux_errnos)
{
	struct tcpworld w;
	struct epoll_event evs[4];
	int ep, s;

	world_make(&w);
	ep = ut_epoll_create1(w.c, 0);
	s = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	CHECK(ep >= 0 && s >= 0);
	CHECK_EQ(ut_epoll_wait(w.c, ep, evs, 0, 0), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_epoll_wait(w.c, ep, evs, -1, 0), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_epoll_wait(w.c, 77, evs, 4, 0), -1);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(ut_epoll_wait(w.c, s, evs, 4, 0), -1);
	CHECK_EQ(errno, EINVAL);
	/* maxevents is checked before the descriptor, as in Linux */
	CHECK_EQ(ut_epoll_wait(w.c, 77, evs, 0, 0), -1);
	CHECK_EQ(errno, EINVAL);
	/* events NULL: EFAULT once there is something to copy */
	CHECK_EQ(ut_epoll_wait(w.c, ep, NULL, 4, 0), 0);
	CHECK_EQ(ep_add(w.c, ep, s, EPOLLOUT, 1), 0);
	CHECK_EQ(ut_epoll_wait(w.c, ep, NULL, 4, 0), -1);
	CHECK_EQ(errno, EFAULT);
	/* ... and the item stays ready */
	CHECK_EQ(ep_poll0(w.c, ep, evs, 4), 1);
	CHECK_EQ(ut_close(w.c, s), 0);
	CHECK_EQ(ut_close(w.c, ep), 0);
	tw_done(&w);
}

/* ---- timeouts ---------------------------------------------------------------------*/

TEST(epoll_wait_with_nothing_ready_returns_zero_after_the_timeout_in_simulated_time)
{
	struct tcpworld w;
	struct epoll_event evs[4];
	int ep, s;
	uint64_t t0;

	world_make(&w);
	ep = ut_epoll_create1(w.s, 0);
	s = ut_socket(w.s, AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sin = tw_addr("10.0.0.2", PORT);
	CHECK_EQ(ut_bind(w.s, s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_EQ(ep_add(w.s, ep, s, EPOLLIN, 1), 0);

	t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_epoll_wait(w.s, ep, evs, 4, 0), 0);
	CHECK_EQ(ut_sim_now(w.sim), t0);
	CHECK_EQ(ut_epoll_wait(w.s, ep, evs, 4, 100), 0);
	CHECK_EQ(ut_sim_now(w.sim) - t0, 100 * MS);
	/* an empty instance waits just the same */
	int ep2 = ut_epoll_create1(w.s, 0);
	CHECK_EQ(ut_epoll_wait(w.s, ep2, evs, 4, 250), 0);
	CHECK_EQ(ut_sim_now(w.sim) - t0, 350 * MS);
	CHECK_EQ(ut_close(w.s, ep2), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, ep), 0);
	tw_done(&w);
}

TEST(epoll_wait_forever_in_a_world_where_nothing_can_happen_fails_with_edeadlk)
{
	struct tcpworld w;
	struct epoll_event evs[4];
	int ep;

	world_make(&w);
	ep = ut_epoll_create1(w.c, 0);
	CHECK(ep >= 0);
	CHECK_EQ(ut_epoll_wait(w.c, ep, evs, 4, -1), -1);
	CHECK_EQ(errno, EDEADLK);
	CHECK_EQ(ut_close(w.c, ep), 0);
	tw_done(&w);
}

/* ---- UDP --------------------------------------------------------------------------*/

TEST(udp_socket_is_writable_at_once_and_readable_when_a_datagram_arrives)
{
	struct tcpworld w;
	struct epoll_event evs[4];
	struct sockaddr_in sin = tw_addr("10.0.0.2", PORT);
	int ep, rx, tx;
	uint64_t t0;
	char buf[64];

	world_make(&w);
	rx = ut_socket(w.s, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(ut_bind(w.s, rx, (struct sockaddr *)&sin, sizeof(sin)), 0);
	tx = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	ep = ut_epoll_create1(w.s, 0);
	CHECK(rx >= 0 && tx >= 0 && ep >= 0);

	/* Writable already: reported at the first wait, without a wakeup. */
	CHECK_EQ(ep_add(w.s, ep, rx, EPOLLIN | EPOLLOUT, 0x1122334455667788ULL), 0);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 1);
	CHECK_EQ(evs[0].events, EPOLLOUT);
	CHECK_EQ(evs[0].data.u64, 0x1122334455667788ULL);
	CHECK_EQ(ep_mod(w.s, ep, rx, EPOLLIN, 42), 0);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 0);

	/* A blocking wait moves the world until the datagram arrives. */
	CHECK_EQ(ut_sendto(w.c, tx, "ping", 4, 0, (struct sockaddr *)&sin, sizeof(sin)), 4);
	t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_epoll_wait(w.s, ep, evs, 4, -1), 1);
	CHECK_EQ(evs[0].events, EPOLLIN);
	CHECK_EQ(evs[0].data.u64, 42);
	/* ARP first (one round trip), then the datagram: 3 ms. */
	CHECK_EQ(ut_sim_now(w.sim) - t0, 3 * MS);
	CHECK_EQ(ut_recv(w.s, rx, buf, sizeof(buf), 0), 4);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 0);

	CHECK_EQ(ut_close(w.c, tx), 0);
	CHECK_EQ(ut_close(w.s, rx), 0);
	CHECK_EQ(ut_close(w.s, ep), 0);
	tw_done(&w);
}

TEST(level_triggered_items_are_reported_by_every_wait_while_ready)
{
	struct tcpworld w;
	struct epoll_event evs[4];
	struct sockaddr_in sin = tw_addr("10.0.0.2", PORT);
	int ep, rx, tx;
	char buf[64];

	world_make(&w);
	rx = ut_socket(w.s, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(ut_bind(w.s, rx, (struct sockaddr *)&sin, sizeof(sin)), 0);
	tx = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	ep = ut_epoll_create1(w.s, 0);
	CHECK_EQ(ep_add(w.s, ep, rx, EPOLLIN, 7), 0);
	CHECK_EQ(ut_sendto(w.c, tx, "one", 3, 0, (struct sockaddr *)&sin, sizeof(sin)), 3);
	CHECK_EQ(ut_sendto(w.c, tx, "two", 3, 0, (struct sockaddr *)&sin, sizeof(sin)), 3);
	ut_sim_run_for(w.sim, 100 * MS);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 1);
		CHECK_EQ(evs[0].events, EPOLLIN);
		CHECK_EQ(evs[0].data.u64, 7);
	}
	CHECK_EQ(ut_recv(w.s, rx, buf, sizeof(buf), 0), 3);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 1);
	CHECK_EQ(ut_recv(w.s, rx, buf, sizeof(buf), 0), 3);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 0);
	CHECK_EQ(ut_close(w.c, tx), 0);
	CHECK_EQ(ut_close(w.s, rx), 0);
	CHECK_EQ(ut_close(w.s, ep), 0);
	tw_done(&w);
}

TEST(a_small_maxevents_serves_every_ready_item_in_turn)
{
	struct tcpworld w;
	struct epoll_event evs[2];
	int ep, s[3];

	world_make(&w);
	ep = ut_epoll_create1(w.c, 0);
	for (int i = 0; i < 3; i++) {
		s[i] = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
		CHECK_EQ(ep_add(w.c, ep, s[i], EPOLLOUT, (uint64_t)i), 0);
	}
	/* Level-triggered items go back to the tail once reported. */
	CHECK_EQ(ep_poll0(w.c, ep, evs, 2), 2);
	CHECK_EQ(evs[0].data.u64, 0);
	CHECK_EQ(evs[1].data.u64, 1);
	CHECK_EQ(ep_poll0(w.c, ep, evs, 2), 2);
	CHECK_EQ(evs[0].data.u64, 2);
	CHECK_EQ(evs[1].data.u64, 0);
	CHECK_EQ(ep_poll0(w.c, ep, evs, 1), 1);
	CHECK_EQ(evs[0].data.u64, 1);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(ut_close(w.c, s[i]), 0);
	CHECK_EQ(ut_close(w.c, ep), 0);
	tw_done(&w);
}

TEST(edge_triggered_items_are_reported_once_per_new_arrival)
{
	struct tcpworld w;
	struct epoll_event evs[4];
	struct sockaddr_in sin = tw_addr("10.0.0.2", PORT);
	int ep, rx, tx;
	char buf[64];

	world_make(&w);
	rx = ut_socket(w.s, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(ut_bind(w.s, rx, (struct sockaddr *)&sin, sizeof(sin)), 0);
	tx = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	ep = ut_epoll_create1(w.s, 0);
	CHECK_EQ(ep_add(w.s, ep, rx, EPOLLIN | EPOLLET, 9), 0);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 0);

	CHECK_EQ(ut_sendto(w.c, tx, "one", 3, 0, (struct sockaddr *)&sin, sizeof(sin)), 3);
	ut_sim_run_for(w.sim, 100 * MS);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 1);
	CHECK_EQ(evs[0].events, EPOLLIN);
	/* still readable, but nothing new: silent */
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 0);
	CHECK_EQ(ut_epoll_wait(w.s, ep, evs, 4, 10), 0);

	/* a second datagram is a new edge */
	CHECK_EQ(ut_sendto(w.c, tx, "two", 3, 0, (struct sockaddr *)&sin, sizeof(sin)), 3);
	CHECK_EQ(ut_epoll_wait(w.s, ep, evs, 4, 1000), 1);
	CHECK_EQ(evs[0].events, EPOLLIN);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 0);

	/* MOD reports again what is ready now */
	CHECK_EQ(ep_mod(w.s, ep, rx, EPOLLIN | EPOLLET, 10), 0);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 1);
	CHECK_EQ(evs[0].data.u64, 10);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 0);

	CHECK_EQ(ut_recv(w.s, rx, buf, sizeof(buf), 0), 3);
	CHECK_EQ(ut_recv(w.s, rx, buf, sizeof(buf), 0), 3);
	CHECK_EQ(ut_close(w.c, tx), 0);
	CHECK_EQ(ut_close(w.s, rx), 0);
	CHECK_EQ(ut_close(w.s, ep), 0);
	tw_done(&w);
}

TEST(oneshot_items_report_once_until_mod_arms_them_again)
{
	struct tcpworld w;
	struct epoll_event evs[4];
	struct sockaddr_in sin = tw_addr("10.0.0.2", PORT);
	int ep, rx, tx;
	char buf[64];

	world_make(&w);
	rx = ut_socket(w.s, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(ut_bind(w.s, rx, (struct sockaddr *)&sin, sizeof(sin)), 0);
	tx = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	ep = ut_epoll_create1(w.s, 0);
	CHECK_EQ(ep_add(w.s, ep, rx, EPOLLIN | EPOLLONESHOT, 3), 0);

	CHECK_EQ(ut_sendto(w.c, tx, "one", 3, 0, (struct sockaddr *)&sin, sizeof(sin)), 3);
	CHECK_EQ(ut_epoll_wait(w.s, ep, evs, 4, 1000), 1);
	CHECK_EQ(evs[0].events, EPOLLIN);
	CHECK_EQ(evs[0].data.u64, 3);
	/* disabled: neither the data still there nor new data is reported */
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 0);
	CHECK_EQ(ut_sendto(w.c, tx, "two", 3, 0, (struct sockaddr *)&sin, sizeof(sin)), 3);
	ut_sim_run_for(w.sim, 100 * MS);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 0);
	/* the item is still there (ADD says EEXIST) */
	CHECK_EQ(ep_add(w.s, ep, rx, EPOLLIN, 0), -1);
	CHECK_EQ(errno, EEXIST);
	/* MOD arms it again */
	CHECK_EQ(ep_mod(w.s, ep, rx, EPOLLIN | EPOLLONESHOT, 4), 0);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 1);
	CHECK_EQ(evs[0].data.u64, 4);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 0);

	CHECK_EQ(ut_recv(w.s, rx, buf, sizeof(buf), 0), 3);
	CHECK_EQ(ut_recv(w.s, rx, buf, sizeof(buf), 0), 3);
	CHECK_EQ(ut_close(w.c, tx), 0);
	CHECK_EQ(ut_close(w.s, rx), 0);
	CHECK_EQ(ut_close(w.s, ep), 0);
	tw_done(&w);
}

TEST(del_stops_reports_and_close_of_a_watched_socket_removes_its_item)
{
	struct tcpworld w;
	struct epoll_event evs[4];
	int ep, s, s2;

	world_make(&w);
	ep = ut_epoll_create1(w.c, 0);
	s = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(ep_add(w.c, ep, s, EPOLLOUT, 1), 0);
	CHECK_EQ(ep_poll0(w.c, ep, evs, 4), 1);
	CHECK_EQ(ut_epoll_ctl(w.c, ep, EPOLL_CTL_DEL, s, NULL), 0);
	CHECK_EQ(ep_poll0(w.c, ep, evs, 4), 0);

	/* Closing the socket takes it out of the instance... */
	CHECK_EQ(ep_add(w.c, ep, s, EPOLLOUT, 2), 0);
	CHECK_EQ(ep_poll0(w.c, ep, evs, 4), 1);
	CHECK_EQ(ut_close(w.c, s), 0);
	CHECK_EQ(ep_poll0(w.c, ep, evs, 4), 0);
	/* ...so a new socket on the same descriptor number is a new item. */
	s2 = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(s2, s);
	CHECK_EQ(ut_epoll_ctl(w.c, ep, EPOLL_CTL_DEL, s2, NULL), -1);
	CHECK_EQ(errno, ENOENT);
	CHECK_EQ(ep_add(w.c, ep, s2, EPOLLOUT, 3), 0);
	CHECK_EQ(ep_poll0(w.c, ep, evs, 4), 1);
	CHECK_EQ(evs[0].data.u64, 3);

	/* Closing the instance first leaves the socket watched by nobody. */
	CHECK_EQ(ut_close(w.c, ep), 0);
	CHECK_EQ(ut_close(w.c, s2), 0);
	tw_done(&w);
}

TEST(one_socket_in_two_instances_is_reported_by_both_and_outlives_either)
{
	struct tcpworld w;
	struct epoll_event evs[4];
	int ep1, ep2, l, c, s;

	world_make(&w);
	tw_pair_listening(&w, PORT, &l, &c, &s);
	ep1 = ut_epoll_create1(w.s, 0);
	ep2 = ut_epoll_create1(w.s, 0);
	CHECK_EQ(ep_add(w.s, ep1, s, EPOLLIN, 1), 0);
	CHECK_EQ(ep_add(w.s, ep2, s, EPOLLIN | EPOLLET, 2), 0);
	send_str(w.c, c, "x");
	ut_sim_run_for(w.sim, 100 * MS);
	CHECK_EQ(ep_poll0(w.s, ep1, evs, 4), 1);
	CHECK_EQ(evs[0].data.u64, 1);
	CHECK_EQ(ep_poll0(w.s, ep2, evs, 4), 1);
	CHECK_EQ(evs[0].data.u64, 2);
	CHECK_EQ(ut_close(w.s, ep1), 0);
	send_str(w.c, c, "y");
	ut_sim_run_for(w.sim, 100 * MS);
	CHECK_EQ(ep_poll0(w.s, ep2, evs, 4), 1);
	drain(w.s, s, 2);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ep_poll0(w.s, ep2, evs, 4), 0);
	CHECK_EQ(ut_close(w.s, ep2), 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, l), 0);
	tw_done(&w);
}

/* ---- TCP --------------------------------------------------------------------------*/

TEST(listener_is_readable_when_a_connection_waits_in_the_accept_queue)
{
	struct tcpworld w;
	struct epoll_event evs[4];
	struct sockaddr_in sin = tw_addr("10.0.0.2", PORT);
	int ep, l, c, s;

	world_make(&w);
	l = ut_socket(w.s, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_bind(w.s, l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_EQ(ut_listen(w.s, l, 8), 0);
	ep = ut_epoll_create1(w.s, 0);
	CHECK_EQ(ep_add(w.s, ep, l, EPOLLIN | EPOLLOUT, 5), 0);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 0);

	c = ut_socket(w.c, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sin, sizeof(sin)), -1);
	CHECK_EQ(errno, EINPROGRESS);
	CHECK_EQ(ut_epoll_wait(w.s, ep, evs, 4, 1000), 1);
	CHECK_EQ(evs[0].events, EPOLLIN);
	CHECK_EQ(evs[0].data.u64, 5);
	s = ut_accept(w.s, l, NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 0);

	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, l), 0);
	CHECK_EQ(ut_close(w.s, ep), 0);
	tw_done(&w);
}

TEST(nonblocking_connect_completion_is_reported_as_epollout)
{
	struct tcpworld w;
	struct epoll_event evs[4];
	struct sockaddr_in sin = tw_addr("10.0.0.2", PORT);
	int ep, l, c, s, err = -1;
	socklen_t len = sizeof(err);
	uint64_t t0;

	world_make(&w);
	l = ut_socket(w.s, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_bind(w.s, l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_EQ(ut_listen(w.s, l, 8), 0);
	c = ut_socket(w.c, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ep = ut_epoll_create1(w.c, 0);
	t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sin, sizeof(sin)), -1);
	CHECK_EQ(errno, EINPROGRESS);
	/* SYN_SENT: nothing to report yet */
	CHECK_EQ(ep_add(w.c, ep, c, EPOLLOUT | EPOLLET, 1), 0);
	CHECK_EQ(ep_poll0(w.c, ep, evs, 4), 0);
	CHECK_EQ(ut_epoll_wait(w.c, ep, evs, 4, -1), 1);
	CHECK_EQ(evs[0].events, EPOLLOUT);
	/* ARP, then SYN and SYN-ACK: two round trips of 2 ms */
	CHECK_EQ(ut_sim_now(w.sim) - t0, 4 * MS);
	CHECK_EQ(ut_getsockopt(w.c, c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CHECK_EQ(err, 0);

	s = ut_accept(w.s, l, NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.c, ep), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, l), 0);
	tw_done(&w);
}

TEST(tcp_data_arrival_wakes_a_blocked_wait_with_epollin)
{
	struct tcpworld w;
	struct epoll_event evs[4];
	int ep, l, c, s;
	uint64_t t0;

	world_make(&w);
	tw_pair_listening(&w, PORT, &l, &c, &s);
	ep = ut_epoll_create1(w.s, 0);
	CHECK_EQ(ep_add(w.s, ep, s, EPOLLIN | EPOLLRDHUP, 11), 0);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 0);
	/* a connected socket with room is writable at once */
	CHECK_EQ(ep_mod(w.s, ep, s, EPOLLIN | EPOLLOUT, 12), 0);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 1);
	CHECK_EQ(evs[0].events, EPOLLOUT);
	CHECK_EQ(ep_mod(w.s, ep, s, EPOLLIN, 13), 0);

	send_str(w.c, c, "hello");
	t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_epoll_wait(w.s, ep, evs, 4, -1), 1);
	CHECK_EQ(ut_sim_now(w.sim) - t0, 1 * MS);
	CHECK_EQ(evs[0].events, EPOLLIN);
	CHECK_EQ(evs[0].data.u64, 13);
	/* level-triggered: again, until read */
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 1);
	drain(w.s, s, 5);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 0);

	CHECK_EQ(ut_close(w.s, ep), 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, l), 0);
	tw_done(&w);
}

TEST(tcp_edge_triggered_reports_each_segment_once)
{
	struct tcpworld w;
	struct epoll_event evs[4];
	int ep, l, c, s;

	world_make(&w);
	tw_pair_listening(&w, PORT, &l, &c, &s);
	ep = ut_epoll_create1(w.s, 0);
	CHECK_EQ(ep_add(w.s, ep, s, EPOLLIN | EPOLLET, 1), 0);
	send_str(w.c, c, "abc");
	CHECK_EQ(ut_epoll_wait(w.s, ep, evs, 4, 1000), 1);
	CHECK_EQ(evs[0].events, EPOLLIN);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 0);
	CHECK_EQ(ut_epoll_wait(w.s, ep, evs, 4, 50), 0);
	send_str(w.c, c, "def");
	CHECK_EQ(ut_epoll_wait(w.s, ep, evs, 4, 1000), 1);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 0);
	drain(w.s, s, 6);

	CHECK_EQ(ut_close(w.s, ep), 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, l), 0);
	tw_done(&w);
}

/* Linux wakes a TCP socket's writers only when it had run out of send
 * space (SOCK_NOSPACE): an ACK for data sent while there was room all
 * along is no new edge. */
TEST(tcp_edge_triggered_epollout_is_not_reported_again_for_acks_while_writable)
{
	struct tcpworld w;
	struct epoll_event evs[4];
	int ep, l, c, s;

	world_make(&w);
	tw_pair_listening(&w, PORT, &l, &c, &s);
	ep = ut_epoll_create1(w.s, 0);
	CHECK_EQ(ep_add(w.s, ep, s, EPOLLIN | EPOLLOUT | EPOLLET, 1), 0);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 1);
	CHECK_EQ(evs[0].events, EPOLLOUT);
	send_str(w.s, s, "request");
	/* the peer's (delayed) ACK comes back within this second */
	CHECK_EQ(ut_epoll_wait(w.s, ep, evs, 4, 1000), 0);
	drain(w.c, c, 7);

	CHECK_EQ(ut_close(w.s, ep), 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, l), 0);
	tw_done(&w);
}

TEST(peer_fin_is_reported_as_epollin_with_epollrdhup)
{
	struct tcpworld w;
	struct epoll_event evs[4];
	int ep, l, c, s;
	char buf[8];

	world_make(&w);
	tw_pair_listening(&w, PORT, &l, &c, &s);
	ep = ut_epoll_create1(w.s, 0);
	CHECK_EQ(ep_add(w.s, ep, s, EPOLLIN | EPOLLRDHUP | EPOLLET, 1), 0);
	CHECK_EQ(ut_shutdown(w.c, c, SHUT_WR), 0);
	CHECK_EQ(ut_epoll_wait(w.s, ep, evs, 4, 1000), 1);
	CHECK_EQ(evs[0].events, EPOLLIN | EPOLLRDHUP);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 0);
	/* without EPOLLRDHUP in the interest, only EPOLLIN */
	CHECK_EQ(ep_mod(w.s, ep, s, EPOLLIN, 2), 0);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 1);
	CHECK_EQ(evs[0].events, EPOLLIN);

	CHECK_EQ(ut_close(w.s, ep), 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, l), 0);
	tw_done(&w);
}

TEST(reset_is_reported_as_epollerr_and_epollhup_even_when_not_asked_for)
{
	struct tcpworld w;
	struct epoll_event evs[4];
	struct linger lg = {1, 0};
	int ep, l, c, s, err = 0;
	socklen_t len = sizeof(err);

	world_make(&w);
	tw_pair_listening(&w, PORT, &l, &c, &s);
	ep = ut_epoll_create1(w.s, 0);
	/* Interested in nothing: EPOLLERR and EPOLLHUP come anyway. */
	CHECK_EQ(ep_add(w.s, ep, s, 0, 1), 0);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 0);
	/* SO_LINGER with a zero time: close sends a reset */
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_epoll_wait(w.s, ep, evs, 4, 1000), 1);
	CHECK_EQ(evs[0].events, EPOLLERR | EPOLLHUP);
	/* asked for everything: what Linux reports on a reset connection */
	CHECK_EQ(ep_mod(w.s, ep, s, EPOLLIN | EPOLLOUT | EPOLLRDHUP, 2), 0);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 1);
	CHECK_EQ(evs[0].events, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLERR | EPOLLHUP);
	CHECK_EQ(ut_getsockopt(w.s, s, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CHECK_EQ(err, ECONNRESET);
	/* the error is consumed; the hang-up stays */
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 1);
	CHECK_EQ(evs[0].events, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP);

	CHECK_EQ(ut_close(w.s, ep), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, l), 0);
	tw_done(&w);
}

TEST(add_of_a_socket_already_ready_is_reported_by_the_next_wait)
{
	struct tcpworld w;
	struct epoll_event evs[4];
	int ep, l, c, s;

	world_make(&w);
	tw_pair_listening(&w, PORT, &l, &c, &s);
	send_str(w.c, c, "early");
	ut_sim_run_for(w.sim, 100 * MS);
	ep = ut_epoll_create1(w.s, 0);
	/* edge-triggered too: the data arrived before the ADD */
	CHECK_EQ(ep_add(w.s, ep, s, EPOLLIN | EPOLLET, 1), 0);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 1);
	CHECK_EQ(evs[0].events, EPOLLIN);
	CHECK_EQ(ep_poll0(w.s, ep, evs, 4), 0);
	drain(w.s, s, 5);

	CHECK_EQ(ut_close(w.s, ep), 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, l), 0);
	tw_done(&w);
}

/* ---- nesting ------------------------------------------------------------------------*/

TEST(an_epoll_descriptor_watched_by_another_is_readable_while_it_has_ready_items)
{
	struct tcpworld w;
	struct epoll_event evs[4];
	int outer, inner, l, c, s;

	world_make(&w);
	tw_pair_listening(&w, PORT, &l, &c, &s);
	inner = ut_epoll_create1(w.s, 0);
	outer = ut_epoll_create1(w.s, 0);
	CHECK_EQ(ep_add(w.s, inner, s, EPOLLIN, 1), 0);
	CHECK_EQ(ep_add(w.s, outer, inner, EPOLLIN, 2), 0);
	CHECK_EQ(ep_poll0(w.s, outer, evs, 4), 0);

	send_str(w.c, c, "x");
	CHECK_EQ(ut_epoll_wait(w.s, outer, evs, 4, 1000), 1);
	CHECK_EQ(evs[0].events, EPOLLIN);
	CHECK_EQ(evs[0].data.u64, 2);
	CHECK_EQ(ep_poll0(w.s, inner, evs, 4), 1);
	CHECK_EQ(evs[0].data.u64, 1);
	drain(w.s, s, 1);
	CHECK_EQ(ep_poll0(w.s, outer, evs, 4), 0);

	/* closing the inner instance takes it out of the outer one, ready
	 * or not */
	send_str(w.c, c, "y");
	CHECK_EQ(ut_epoll_wait(w.s, outer, evs, 4, 1000), 1);
	CHECK_EQ(ut_close(w.s, inner), 0);
	CHECK_EQ(ep_poll0(w.s, outer, evs, 4), 0);
	CHECK_EQ(ut_close(w.s, outer), 0);
	drain(w.s, s, 1);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, l), 0);
	tw_done(&w);
}

TEST(epoll_nesting_refuses_loops_and_more_than_four_levels_with_eloop)
{
	struct tcpworld w;
	int e[7];

	world_make(&w);
	for (int i = 0; i < 7; i++)
		CHECK((e[i] = ut_epoll_create1(w.c, 0)) >= 0);
	/* e0 <- e1: e1 watches e0; then e0 watching e1 would be a loop */
	CHECK_EQ(ep_add(w.c, e[1], e[0], EPOLLIN, 0), 0);
	CHECK_EQ(ep_add(w.c, e[0], e[1], EPOLLIN, 0), -1);
	CHECK_EQ(errno, ELOOP);
	/* a longer loop: e2 watches e1, e0 watching e2 closes the circle */
	CHECK_EQ(ep_add(w.c, e[2], e[1], EPOLLIN, 0), 0);
	CHECK_EQ(ep_add(w.c, e[0], e[2], EPOLLIN, 0), -1);
	CHECK_EQ(errno, ELOOP);
	/* a chain of five instances (four nestings) is the most Linux allows */
	CHECK_EQ(ep_add(w.c, e[3], e[2], EPOLLIN, 0), 0);
	CHECK_EQ(ep_add(w.c, e[4], e[3], EPOLLIN, 0), 0);
	CHECK_EQ(ep_add(w.c, e[5], e[4], EPOLLIN, 0), -1);
	CHECK_EQ(errno, ELOOP);
	/* from below as well as from above */
	CHECK_EQ(ep_add(w.c, e[0], e[6], EPOLLIN, 0), -1);
	CHECK_EQ(errno, ELOOP);
	/* the check comes before the lookup: a duplicate of a valid link is EEXIST */
	CHECK_EQ(ep_add(w.c, e[1], e[0], EPOLLIN, 0), -1);
	CHECK_EQ(errno, EEXIST);
	for (int i = 6; i >= 0; i--)
		CHECK_EQ(ut_close(w.c, e[i]), 0);
	tw_done(&w);
}

/* ---- threads ---------------------------------------------------------------------------*/

struct waiter {
	struct ut_stack *stack;
	int ep;
	int n;
	struct epoll_event ev;
};

static void *waiter_main(void *p)
{
	struct waiter *wt = p;

	/* 10 s: a bound on a broken wake-up, not part of the behaviour */
	wt->n = ut_epoll_wait(wt->stack, wt->ep, &wt->ev, 1, 10000);
	return NULL;
}

TEST(epoll_wait_in_one_thread_wakes_for_data_and_for_an_add_from_other_threads)
{
	struct ut_stack *stack;
	struct sockaddr_in sin;
	struct waiter wt;
	pthread_t th;
	int l, c, s, u;

	CHECK_EQ(ut_stack_create(NULL, &stack), 0);
	CHECK_EQ(ut_stack_thread_start(stack), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(PORT);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = ut_socket(stack, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_bind(stack, l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_EQ(ut_listen(stack, l, 8), 0);
	c = ut_socket(stack, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_connect(stack, c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	s = ut_accept(stack, l, NULL, NULL);
	CHECK(s >= 0);

	/* data sent by this thread, over loopback, wakes the waiter */
	memset(&wt, 0, sizeof(wt));
	wt.stack = stack;
	wt.ep = ut_epoll_create1(stack, 0);
	CHECK_EQ(ep_add(stack, wt.ep, s, EPOLLIN, 77), 0);
	CHECK_EQ(pthread_create(&th, NULL, waiter_main, &wt), 0);
	usleep(20000);
	send_str(stack, c, "wake");
	pthread_join(th, NULL);
	CHECK_EQ(wt.n, 1);
	CHECK_EQ(wt.ev.events, EPOLLIN);
	CHECK_EQ(wt.ev.data.u64, 77);
	drain(stack, s, 4);

	/* so does the ADD of a socket that is ready already */
	u = ut_socket(stack, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(pthread_create(&th, NULL, waiter_main, &wt), 0);
	usleep(20000);
	CHECK_EQ(ep_add(stack, wt.ep, u, EPOLLOUT, 78), 0);
	pthread_join(th, NULL);
	CHECK_EQ(wt.n, 1);
	CHECK_EQ(wt.ev.events, EPOLLOUT);
	CHECK_EQ(wt.ev.data.u64, 78);

	CHECK_EQ(ut_close(stack, u), 0);
	CHECK_EQ(ut_close(stack, wt.ep), 0);
	CHECK_EQ(ut_close(stack, c), 0);
	CHECK_EQ(ut_close(stack, s), 0);
	CHECK_EQ(ut_close(stack, l), 0);
	CHECK_EQ(ut_stack_open_fds(stack), 0);
	ut_stack_thread_stop(stack);
	ut_stack_destroy(stack);
}
