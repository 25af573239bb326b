/* Timestamps as Linux gives them: SO_TIMESTAMP and SO_TIMESTAMPNS on
 * receive, SO_TIMESTAMPING's software stamps on receive and on transmit
 * (SCHED, SND and, for TCP, ACK, looped onto the error queue with
 * OPT_ID's key), the option's checks, and the per-sendmsg control
 * message. Simulated time: the stack's clock is the world's, so stamps
 * are exact. Client 10.0.0.1, server 10.0.0.2, 10 ms apart; every test
 * closes its descriptors and ends with the leak check. */
#include <errno.h>
#include <time.h> /* before linux/errqueue.h, which uses struct timespec */
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/time.h>

#include "net/simnet.h"
#include "net/stack.h"
#include "tcpworld.h"
#include "test.h"

#define SW_TX_ALL                                                                             \
	(SOF_TIMESTAMPING_TX_SCHED | SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_TX_ACK | \
	 SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID)

static void set_int(struct ut_stack *st, int fd, int level, int name, int v)
{
	CHECK_EQ(ut_setsockopt(st, fd, level, name, &v, sizeof(v)), 0);
}

static int setopt_errno(struct ut_stack *st, int fd, int name, int v)
{
	if (ut_setsockopt(st, fd, SOL_SOCKET, name, &v, sizeof(v)) == 0)
		return 0;
	return errno;
}

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * SEC + (uint64_t)ts->tv_nsec;
}

/* What one recvmsg returned, with the stamps found in its control
 * messages (0: none). */
struct got {
	ssize_t n;
	int flags;
	uint64_t tv_ns;	 /* SCM_TIMESTAMP, µs precision */
	uint64_t tsn_ns; /* SCM_TIMESTAMPNS */
	uint64_t tss_ns; /* SCM_TIMESTAMPING ts[0] */
	int ncmsg;
	struct sock_extended_err ee;
	bool has_ee;
};

static void recv_stamped(struct ut_stack *st, int fd, int flags, struct got *g, void *buf,
			 size_t len)
{
	union {
		char b[512];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {buf, len};
	struct msghdr msg = {0};

	memset(g, 0, sizeof(*g));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.b;
	msg.msg_controllen = sizeof(ctl.b);
	g->n = ut_recvmsg(st, fd, &msg, flags | MSG_DONTWAIT);
	g->flags = msg.msg_flags;
	if (g->n < 0)
		return;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		g->ncmsg++;
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMP) {
			struct timeval tv;
			memcpy(&tv, CMSG_DATA(c), sizeof(tv));
			g->tv_ns = (uint64_t)tv.tv_sec * SEC + (uint64_t)tv.tv_usec * 1000;
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			g->tsn_ns = ts_ns(&ts);
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPING) {
			struct scm_timestamping tss;
			memcpy(&tss, CMSG_DATA(c), sizeof(tss));
			g->tss_ns = ts_ns(&tss.ts[0]);
		} else if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) {
			memcpy(&g->ee, CMSG_DATA(c), sizeof(g->ee));
			g->has_ee = true;
		}
	}
}

static void done(struct tcpworld *w)
{
	CHECK_EQ(ut_stack_open_fds(w->c), 0);
	CHECK_EQ(ut_stack_open_fds(w->s), 0);
	tw_done(w);
}

static int udp_pair(struct tcpworld *w, int *c)
{
	struct sockaddr_in sa = tw_addr(SERVER_IP, 7);
	int s = ut_socket(w->s, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(ut_bind(w->s, s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	*c = ut_socket(w->c, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(ut_connect(w->c, *c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* one datagram first, so that no later one waits for ARP */
	char b[4];
	CHECK_EQ(ut_send(w->c, *c, "w", 1, 0), 1);
	tw_run(w, 50 * MS);
	CHECK_EQ(ut_recv(w->s, s, b, sizeof(b), 0), 1);
	return s;
}

TEST(so_timestamp_and_so_timestampns_give_each_datagram_its_arrival_time)
{
	struct tcpworld w;
	struct got g;
	char buf[16];
	int c, s;

	tw_make(&w, 401, NULL);
	s = udp_pair(&w, &c);
	set_int(w.s, s, SOL_SOCKET, SO_TIMESTAMP, 1);
	uint64_t sent = ut_stack_now(w.c);
	CHECK_EQ(ut_send(w.c, c, "one", 3, 0), 3);
	tw_run(&w, 50 * MS);
	recv_stamped(w.s, s, 0, &g, buf, sizeof(buf));
	CHECK_EQ(g.n, 3);
	CHECK_EQ(g.ncmsg, 1);
	/* it crossed a 10 ms link: stamped on arrival, not when read */
	CHECK(g.tv_ns >= sent + 10 * MS && g.tv_ns < sent + 11 * MS);
	set_int(w.s, s, SOL_SOCKET, SO_TIMESTAMPNS, 1);
	sent = ut_stack_now(w.c);
	CHECK_EQ(ut_send(w.c, c, "two", 3, 0), 3);
	tw_run(&w, 50 * MS);
	recv_stamped(w.s, s, 0, &g, buf, sizeof(buf));
	CHECK_EQ(g.ncmsg, 1);
	CHECK_EQ(g.tv_ns, 0);
	CHECK(g.tsn_ns >= sent + 10 * MS && g.tsn_ns < sent + 11 * MS);
	/* off: nothing */
	set_int(w.s, s, SOL_SOCKET, SO_TIMESTAMPNS, 0);
	CHECK_EQ(ut_send(w.c, c, "three", 5, 0), 5);
	tw_run(&w, 50 * MS);
	recv_stamped(w.s, s, 0, &g, buf, sizeof(buf));
	CHECK_EQ(g.n, 5);
	CHECK_EQ(g.ncmsg, 0);
	ut_close(w.c, c);
	ut_close(w.s, s);
	done(&w);
}

TEST(each_timestamp_option_reads_back_set_only_for_the_form_last_asked)
{
	struct tcpworld w;
	int fd, v;
	socklen_t len = sizeof(v);

	tw_make(&w, 402, NULL);
	fd = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	set_int(w.c, fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_SOCKET, SO_TIMESTAMPNS, &v, &len), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_SOCKET, SO_TIMESTAMP, &v, &len), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_SOCKET, SO_TIMESTAMPNS_NEW, &v, &len), 0);
	CHECK_EQ(v, 0);
	set_int(w.c, fd, SOL_SOCKET, SO_TIMESTAMP_NEW, 1);
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_SOCKET, SO_TIMESTAMP_NEW, &v, &len), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_SOCKET, SO_TIMESTAMPNS, &v, &len), 0);
	CHECK_EQ(v, 0);
	ut_close(w.c, fd);
	done(&w);
}

TEST(so_timestamping_checks_its_flags_as_linux_and_reads_back_as_struct_so_timestamping)
{
	struct tcpworld w;
	int u, t, ts[2] = {-1, -1};
	socklen_t len = sizeof(ts);

	tw_make(&w, 403, NULL);
	u = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	t = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(setopt_errno(w.c, u, SO_TIMESTAMPING, 1 << 20), EINVAL);
	/* OPT_ID_TCP needs OPT_ID; OPT_STATS needs OPT_TSONLY */
	CHECK_EQ(setopt_errno(w.c, u, SO_TIMESTAMPING, 1 << 16), EINVAL);
	CHECK_EQ(setopt_errno(w.c, u, SO_TIMESTAMPING, SOF_TIMESTAMPING_OPT_STATS), EINVAL);
	/* a TCP key counts from the connection: none yet */
	CHECK_EQ(setopt_errno(w.c, t, SO_TIMESTAMPING, SOF_TIMESTAMPING_OPT_ID), EINVAL);
	CHECK_EQ(setopt_errno(w.c, t, SO_TIMESTAMPING, SOF_TIMESTAMPING_SOFTWARE), 0);
	/* no device with a hardware clock to bind to */
	CHECK_EQ(setopt_errno(w.c, u, SO_TIMESTAMPING, SOF_TIMESTAMPING_BIND_PHC), EOPNOTSUPP);
	CHECK_EQ(ut_setsockopt(w.c, u, SOL_SOCKET, SO_TIMESTAMPING, ts, 2), -1);
	CHECK_EQ(errno, EINVAL);
	/* the struct form: flags, bind_phc */
	ts[0] = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
	ts[1] = 0;
	CHECK_EQ(ut_setsockopt(w.c, u, SOL_SOCKET, SO_TIMESTAMPING, ts, sizeof(ts)), 0);
	memset(ts, 0xff, sizeof(ts));
	CHECK_EQ(ut_getsockopt(w.c, u, SOL_SOCKET, SO_TIMESTAMPING, ts, &len), 0);
	CHECK_EQ(len, 8);
	CHECK_EQ(ts[0], SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE);
	CHECK_EQ(ts[1], 0);
	/* _NEW reads the flags only when they were set through it */
	CHECK_EQ(ut_getsockopt(w.c, u, SOL_SOCKET, SO_TIMESTAMPING_NEW, ts, &len), 0);
	CHECK_EQ(ts[0], 0);
	ut_close(w.c, u);
	ut_close(w.c, t);
	done(&w);
}

TEST(so_timestamping_rx_software_stamps_udp_and_tcp_with_scm_timestamping)
{
	struct tcpworld w;
	struct got g;
	char buf[16];
	int c, s, tc, ts;

	tw_make(&w, 404, NULL);
	s = udp_pair(&w, &c);
	set_int(w.s, s, SOL_SOCKET, SO_TIMESTAMPING,
		SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE);
	uint64_t sent = ut_stack_now(w.c);
	CHECK_EQ(ut_send(w.c, c, "u", 1, 0), 1);
	tw_run(&w, 50 * MS);
	recv_stamped(w.s, s, 0, &g, buf, sizeof(buf));
	CHECK_EQ(g.ncmsg, 1);
	CHECK_EQ(g.tss_ns, sent + 10 * MS);
	/* RX_SOFTWARE without SOFTWARE stamps but reports nothing */
	set_int(w.s, s, SOL_SOCKET, SO_TIMESTAMPING, SOF_TIMESTAMPING_RX_SOFTWARE);
	CHECK_EQ(ut_send(w.c, c, "v", 1, 0), 1);
	tw_run(&w, 50 * MS);
	recv_stamped(w.s, s, 0, &g, buf, sizeof(buf));
	CHECK_EQ(g.ncmsg, 0);

	/* TCP: the stamp of the last buffer read */
	tw_pair(&w, 8080, &tc, &ts);
	set_int(w.s, ts, SOL_SOCKET, SO_TIMESTAMPING,
		SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE);
	CHECK_EQ(ut_send(w.c, tc, "a", 1, 0), 1);
	tw_run(&w, 30 * MS);
	uint64_t second = ut_stack_now(w.c);
	CHECK_EQ(ut_send(w.c, tc, "b", 1, 0), 1);
	tw_run(&w, 30 * MS);
	recv_stamped(w.s, ts, 0, &g, buf, sizeof(buf));
	CHECK_EQ(g.n, 2);
	CHECK_EQ(g.tss_ns, second + 10 * MS);
	/* nothing read: no stamp */
	recv_stamped(w.s, ts, 0, &g, buf, sizeof(buf));
	CHECK_EQ(g.n, -1);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.c, tc);
	ut_close(w.s, ts);
	done(&w);
}

TEST(a_tcp_write_gets_sched_snd_and_ack_stamps_for_its_last_byte_keyed_from_opt_id)
{
	struct tcpworld w;
	struct got g;
	static char data[3000];
	char buf[8];
	int c, s;

	tw_make(&w, 405, NULL);
	tw_pair(&w, 8080, &c, &s);
	/* the second write's short tail must not wait for an ACK */
	set_int(w.c, c, IPPROTO_TCP, TCP_NODELAY, 1);
	set_int(w.c, c, SOL_SOCKET, SO_TIMESTAMPING, SW_TX_ALL);
	uint64_t t0 = ut_stack_now(w.c);
	CHECK_EQ(ut_send(w.c, c, data, 1000, 0), 1000);
	CHECK_EQ(ut_send(w.c, c, data, sizeof(data), 0), 3000);
	/* the first write's stamps: sent at once */
	recv_stamped(w.c, c, MSG_ERRQUEUE, &g, buf, sizeof(buf));
	CHECK(g.has_ee);
	CHECK_EQ(g.ee.ee_errno, ENOMSG);
	CHECK_EQ(g.ee.ee_origin, SO_EE_ORIGIN_TIMESTAMPING);
	CHECK_EQ(g.ee.ee_info, SCM_TSTAMP_SCHED);
	CHECK_EQ(g.ee.ee_data, 999);
	CHECK_EQ(g.tss_ns, t0);
	/* the looped packet's data comes back, cut to the buffer */
	CHECK_EQ(g.n, (ssize_t)sizeof(buf));
	CHECK(g.flags & MSG_TRUNC);
	CHECK(g.flags & MSG_ERRQUEUE);
	recv_stamped(w.c, c, MSG_ERRQUEUE, &g, buf, sizeof(buf));
	CHECK_EQ(g.ee.ee_info, SCM_TSTAMP_SND);
	CHECK_EQ(g.ee.ee_data, 999);
	/* the second write's last byte is 3999 */
	recv_stamped(w.c, c, MSG_ERRQUEUE, &g, buf, sizeof(buf));
	CHECK_EQ(g.ee.ee_info, SCM_TSTAMP_SCHED);
	CHECK_EQ(g.ee.ee_data, 3999);
	recv_stamped(w.c, c, MSG_ERRQUEUE, &g, buf, sizeof(buf));
	CHECK_EQ(g.ee.ee_info, SCM_TSTAMP_SND);
	CHECK_EQ(g.ee.ee_data, 3999);
	recv_stamped(w.c, c, MSG_ERRQUEUE, &g, buf, sizeof(buf));
	CHECK_EQ(g.n, -1);
	CHECK_EQ(errno, EAGAIN);
	/* ACK: when the peer's cumulative ACK covers each byte, a round
	 * trip (20 ms) later, whatever the delayed ACK adds */
	tw_run(&w, 300 * MS);
	recv_stamped(w.c, c, MSG_ERRQUEUE, &g, buf, sizeof(buf));
	CHECK_EQ(g.ee.ee_info, SCM_TSTAMP_ACK);
	CHECK_EQ(g.ee.ee_data, 999);
	CHECK(g.tss_ns >= t0 + 20 * MS);
	recv_stamped(w.c, c, MSG_ERRQUEUE, &g, buf, sizeof(buf));
	CHECK_EQ(g.ee.ee_info, SCM_TSTAMP_ACK);
	CHECK_EQ(g.ee.ee_data, 3999);
	recv_stamped(w.c, c, MSG_ERRQUEUE, &g, buf, sizeof(buf));
	CHECK_EQ(g.n, -1);
	ut_close(w.c, c);
	ut_close(w.s, s);
	done(&w);
}

TEST(udp_tx_stamps_count_datagrams_with_opt_id_and_opt_tsonly_loops_no_data)
{
	struct tcpworld w;
	struct got g;
	char buf[64];
	int c, s;

	tw_make(&w, 406, NULL);
	s = udp_pair(&w, &c);
	set_int(w.c, c, SOL_SOCKET, SO_TIMESTAMPING,
		SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID |
			SOF_TIMESTAMPING_OPT_TSONLY);
	CHECK_EQ(ut_send(w.c, c, "first", 5, 0), 5);
	CHECK_EQ(ut_send(w.c, c, "second", 6, 0), 6);
	struct pollfd p = {.fd = c, .events = 0};
	CHECK_EQ(ut_poll(w.c, &p, 1, 0), 1);
	CHECK(p.revents & POLLERR);
	recv_stamped(w.c, c, MSG_ERRQUEUE, &g, buf, sizeof(buf));
	CHECK_EQ(g.n, 0);
	CHECK_EQ(g.ee.ee_info, SCM_TSTAMP_SND);
	CHECK_EQ(g.ee.ee_data, 0);
	CHECK_EQ(g.tss_ns, ut_stack_now(w.c));
	recv_stamped(w.c, c, MSG_ERRQUEUE, &g, buf, sizeof(buf));
	CHECK_EQ(g.ee.ee_data, 1);
	/* without TSONLY the datagram comes back from its UDP header */
	set_int(w.c, c, SOL_SOCKET, SO_TIMESTAMPING,
		SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID);
	CHECK_EQ(ut_send(w.c, c, "third", 5, 0), 5);
	recv_stamped(w.c, c, MSG_ERRQUEUE, &g, buf, sizeof(buf));
	CHECK_EQ(g.n, 8 + 5);
	CHECK_MEM_EQ(buf + 8, "third", 5);
	CHECK_EQ(g.ee.ee_data, 2);
	tw_run(&w, 50 * MS);
	ut_close(w.c, c);
	ut_close(w.s, s);
	done(&w);
}

TEST(a_sendmsg_control_message_asks_stamps_for_that_call_only)
{
	struct tcpworld w;
	struct got g;
	char buf[64];
	int c, s;
	union {
		char b[CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {(void *)"cm", 2};
	struct msghdr msg = {0};
	struct cmsghdr *cm;
	uint32_t flags = SOF_TIMESTAMPING_TX_SCHED;

	tw_make(&w, 407, NULL);
	s = udp_pair(&w, &c);
	set_int(w.c, c, SOL_SOCKET, SO_TIMESTAMPING, SOF_TIMESTAMPING_SOFTWARE);
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.b;
	msg.msg_controllen = sizeof(ctl.b);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SO_TIMESTAMPING;
	cm->cmsg_len = CMSG_LEN(sizeof(flags));
	memcpy(CMSG_DATA(cm), &flags, sizeof(flags));
	CHECK_EQ(ut_sendmsg(w.c, c, &msg, 0), 2);
	recv_stamped(w.c, c, MSG_ERRQUEUE, &g, buf, sizeof(buf));
	CHECK_EQ(g.ee.ee_info, SCM_TSTAMP_SCHED);
	/* a plain send asks nothing */
	CHECK_EQ(ut_send(w.c, c, "pl", 2, 0), 2);
	recv_stamped(w.c, c, MSG_ERRQUEUE, &g, buf, sizeof(buf));
	CHECK_EQ(g.n, -1);
	/* only the record flags may be asked there */
	flags = SOF_TIMESTAMPING_SOFTWARE;
	memcpy(CMSG_DATA(cm), &flags, sizeof(flags));
	CHECK_EQ(ut_sendmsg(w.c, c, &msg, 0), -1);
	CHECK_EQ(errno, EINVAL);
	tw_run(&w, 50 * MS);
	ut_close(w.c, c);
	ut_close(w.s, s);
	done(&w);
}

TEST(turning_ip_recverr_off_keeps_the_queued_timestamps)
{
	struct tcpworld w;
	struct got g;
	char buf[64];
	int c, s;

	tw_make(&w, 408, NULL);
	s = udp_pair(&w, &c);
	set_int(w.c, c, SOL_SOCKET, SO_TIMESTAMPING,
		SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE);
	CHECK_EQ(ut_send(w.c, c, "x", 1, 0), 1);
	set_int(w.c, c, SOL_IP, IP_RECVERR, 1);
	set_int(w.c, c, SOL_IP, IP_RECVERR, 0);
	recv_stamped(w.c, c, MSG_ERRQUEUE, &g, buf, sizeof(buf));
	CHECK(g.has_ee);
	CHECK_EQ(g.ee.ee_info, SCM_TSTAMP_SND);
	tw_run(&w, 50 * MS);
	ut_close(w.c, c);
	ut_close(w.s, s);
	done(&w);
}

TEST(a_buffer_split_on_sending_keeps_the_stamps_with_the_byte_asked_for)
{
	struct tcpworld w;
	struct got g;
	static char data[3000];
	char buf[8];
	int c, s, n = 0;

	tw_make(&w, 409, NULL);
	tw_pair(&w, 8080, &c, &s);
	CHECK_EQ(ut_send(w.c, c, data, 1000, 0), 1000);
	set_int(w.c, c, SOL_SOCKET, SO_TIMESTAMPING,
		SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID);
	/* Nagle sends the full segments and holds the short tail, which
	 * holds the last byte, until the first write is acknowledged */
	CHECK_EQ(ut_send(w.c, c, data, sizeof(data), 0), 3000);
	recv_stamped(w.c, c, MSG_ERRQUEUE, &g, buf, sizeof(buf));
	CHECK_EQ(g.n, -1);
	uint64_t t0 = ut_stack_now(w.c);
	tw_run(&w, 300 * MS);
	for (;;) {
		recv_stamped(w.c, c, MSG_ERRQUEUE, &g, buf, sizeof(buf));
		if (g.n < 0)
			break;
		CHECK_EQ(g.ee.ee_info, SCM_TSTAMP_SND);
		/* keyed from snd_una when OPT_ID was set: the first write
		 * was not acknowledged yet */
		CHECK_EQ(g.ee.ee_data, 3999);
		CHECK(g.tss_ns >= t0 + 20 * MS);
		n++;
	}
	CHECK_EQ(n, 1);
	ut_close(w.c, c);
	ut_close(w.s, s);
	done(&w);
}

TEST(an_accepted_socket_inherits_the_listeners_timestamp_options)
{
	struct tcpworld w;
	int lfd, c, s, v = 0;
	socklen_t len = sizeof(v);

	tw_make(&w, 410, NULL);
	lfd = tw_listen(&w, 8080, 4);
	set_int(w.s, lfd, SOL_SOCKET, SO_TIMESTAMPING,
		SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE);
	set_int(w.s, lfd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
	c = tw_connect_nb(&w, 8080);
	tw_run(&w, 100 * MS);
	s = ut_accept(w.s, lfd, NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(ut_getsockopt(w.s, s, SOL_SOCKET, SO_TIMESTAMPING, &v, &len), 0);
	CHECK_EQ(v, SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE);
	CHECK_EQ(ut_getsockopt(w.s, s, SOL_SOCKET, SO_TIMESTAMPNS, &v, &len), 0);
	CHECK_EQ(v, 1);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, lfd);
	done(&w);
}

TEST(the_ack_stamp_comes_once_when_its_byte_is_acked_before_the_rest_of_its_buffer)
{
	struct tcpworld w;
	struct got g;
	static char data[126];
	char buf[8];
	int lfd, c, s, n = 0;
	union {
		char b[CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {data, 50};
	struct msghdr msg = {0};
	struct cmsghdr *cm;
	uint32_t flags = SOF_TIMESTAMPING_TX_ACK;
	struct sockaddr_in sa = tw_addr(SERVER_IP, 8080);

	tw_make(&w, 411, NULL);
	tw_gro_off(&w);
	lfd = tw_listen(&w, 8080, 4);
	c = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	/* 88-byte segments (100 less the timestamp option): the buffer
	 * below leaves as one of two segments, and the receiver, in
	 * quick-ACK mode at the start, acknowledges each */
	set_int(w.c, c, IPPROTO_TCP, TCP_MAXSEG, 100);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	tw_run(&w, 100 * MS);
	s = ut_accept(w.s, lfd, NULL, NULL);
	CHECK(s >= 0);
	set_int(w.c, c, SOL_SOCKET, SO_TIMESTAMPING,
		SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID);
	/* corked: the stamp is for byte 49, then 126 more bytes join its
	 * buffer, two full segments */
	set_int(w.c, c, IPPROTO_TCP, TCP_CORK, 1);
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.b;
	msg.msg_controllen = sizeof(ctl.b);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SO_TIMESTAMPING;
	cm->cmsg_len = CMSG_LEN(sizeof(flags));
	memcpy(CMSG_DATA(cm), &flags, sizeof(flags));
	CHECK_EQ(ut_sendmsg(w.c, c, &msg, 0), 50);
	CHECK_EQ(ut_send(w.c, c, data, sizeof(data), 0), 126);
	set_int(w.c, c, IPPROTO_TCP, TCP_CORK, 0);
	tw_run(&w, 300 * MS);
	for (;;) {
		recv_stamped(w.c, c, MSG_ERRQUEUE, &g, buf, sizeof(buf));
		if (g.n < 0)
			break;
		CHECK_EQ(g.ee.ee_info, SCM_TSTAMP_ACK);
		CHECK_EQ(g.ee.ee_data, 49);
		n++;
	}
	CHECK_EQ(n, 1);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, lfd);
	done(&w);
}

TEST(a_stack_on_the_real_clock_stamps_in_real_time)
{
	struct ut_stack *st;
	struct sockaddr_in sa = tw_addr("127.0.0.1", 5000);
	struct timespec before, after;
	struct got g;
	char buf[8];
	int r, u;

	CHECK_EQ(ut_stack_create(NULL, &st), 0);
	r = ut_socket(st, AF_INET, SOCK_DGRAM, 0);
	u = ut_socket(st, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(ut_bind(st, r, (struct sockaddr *)&sa, sizeof(sa)), 0);
	set_int(st, r, SOL_SOCKET, SO_TIMESTAMPNS, 1);
	clock_gettime(CLOCK_REALTIME, &before);
	CHECK_EQ(ut_sendto(st, u, "rt", 2, 0, (struct sockaddr *)&sa, sizeof(sa)), 2);
	for (int i = 0; i < 100 && ut_stack_poll(st); i++)
		;
	recv_stamped(st, r, 0, &g, buf, sizeof(buf));
	clock_gettime(CLOCK_REALTIME, &after);
	CHECK_EQ(g.n, 2);
	/* Linux's stamps are CLOCK_REALTIME's; the stack's clock is the
	 * monotonic one */
	CHECK(g.tsn_ns >= ts_ns(&before) - 1000000 && g.tsn_ns <= ts_ns(&after) + 1000000);
	ut_close(st, u);
	ut_close(st, r);
	CHECK_EQ(ut_stack_open_fds(st), 0);
	ut_stack_destroy(st);
}
