/* TCP_USER_TIMEOUT (RFC 5482) and local congestion, as Linux 6.x handles
 * them: a device whose queue refuses frames (NET_XMIT_DROP) makes TCP retry
 * every 500 ms without backing off, and the user timeout ends the
 * connection on time, whether it is waiting on its own device, on
 * retransmissions nobody answers, or on a window that stays shut. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>

#include "net/neighbour.h"
#include "net/netdevice.h"
#include "net/stack.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080

static uint64_t tx_dropped(struct ut_dev *dev)
{
	struct ut_dev_stats st;
	ut_dev_get_stats(dev, &st);
	return st.tx_dropped;
}

static void set_user_timeout(struct tcpworld *w, int fd, unsigned ms)
{
	CHECK_EQ(ut_setsockopt(w->c, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms)), 0);
}

static struct tcp_info info_of(struct tcpworld *w, int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	CHECK_EQ(ut_getsockopt(w->c, fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	return ti;
}

/* The client's device refuses every frame from the moment it writes 24
 * bytes; drops[] gets the time of each refused frame, *t_end the time
 * the connection ended (0: it did not, within 10 s). */
static unsigned run_refused(uint64_t seed, unsigned user_timeout_ms, uint64_t *drops, unsigned max,
			    uint64_t *t_end)
{
	struct tcpworld w;
	struct ut_dev *dev;
	char buf[24] = "local congestion";
	unsigned ndrops = 0;
	int c, s;

	tw_make(&w, seed, NULL);
	tw_pair(&w, PORT, &c, &s);
	tw_run(&w, 1 * SEC);
	set_user_timeout(&w, c, user_timeout_ms);
	dev = ut_sim_link_dev(w.link, 0);
	CHECK_EQ(ut_dev_txqueuelen(dev), 1000);
	/* `tc qdisc add dev X root pfifo limit 0`: the device takes nothing */
	ut_dev_set_txqueuelen(dev, 0);
	uint64_t d0 = tx_dropped(dev), t_write = ut_sim_now(w.sim);
	*t_end = 0;
	CHECK_EQ(ut_send(w.c, c, buf, sizeof(buf), 0), (long)sizeof(buf));
	/* the write's own transmission is refused at once */
	CHECK_EQ(tx_dropped(dev), d0 + 1);
	drops[ndrops++] = t_write;
	/* each refused frame's time, 1 ms at a time, until the end */
	while (!*t_end && ut_sim_now(w.sim) - t_write < 10 * SEC) {
		tw_run(&w, 1 * MS);
		while (d0 + ndrops < tx_dropped(dev) && ndrops < max)
			drops[ndrops++] = ut_sim_now(w.sim);
		if (info_of(&w, c).tcpi_state == TCP_CLOSE)
			*t_end = ut_sim_now(w.sim);
	}
	CHECK(*t_end != 0);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), MSG_DONTWAIT), -1);
	CHECK_EQ(errno, ETIMEDOUT);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPAbortOnTimeout"), 1);
	/* nothing reached the wire, so the server never saw the data */
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_DONTWAIT), -1);
	CHECK_EQ(errno, EAGAIN);
	ut_dev_set_txqueuelen(dev, 1000);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
	return ndrops;
}

TEST(a_device_that_refuses_every_frame_is_retried_every_500_ms_until_the_user_timeout)
{
	uint64_t drops[16], t_end;
	unsigned n = run_refused(41, 3000, drops, 16, &t_end);

	/* The write's own try, the first probe at the RTO, then one every
	 * TCP_RESOURCE_PROBE_INTERVAL with no backoff: 6 probes before the
	 * user timeout, counted from the first probe, ends it (packetdrill's
	 * user_timeout/user-timeout-probe.pkt). */
	CHECK_EQ(n, 7);
	for (unsigned i = 2; i < n; i++)
		CHECK_NEAR((double)(drops[i] - drops[i - 1]) / MS, 500.0, 1.0);
	CHECK_NEAR((double)(t_end - drops[1]) / MS, 3000.0, 1.0);
}

TEST(the_last_resource_probe_is_cut_short_to_end_at_the_user_timeout)
{
	uint64_t drops[16], t_end;
	unsigned n = run_refused(45, 1200, drops, 16, &t_end);

	/* probes at +0, +500 and +1000 ms after the first; the next would
	 * be at +1500, but the timer is clamped to the user timeout */
	CHECK_EQ(n, 4);
	CHECK_NEAR((double)(t_end - drops[1]) / MS, 1200.0, 1.0);
}

TEST(probes_of_local_congestion_are_counted_without_backoff_while_the_connection_lives)
{
	struct tcpworld w;
	struct ut_dev *dev;
	char buf[24] = "still alive after 3.25s", in[64];
	int c, s;

	tw_make(&w, 42, NULL);
	tw_pair(&w, PORT, &c, &s);
	tw_run(&w, 1 * SEC);
	set_user_timeout(&w, c, 3000);
	dev = ut_sim_link_dev(w.link, 0);
	ut_dev_set_txqueuelen(dev, 0);
	CHECK_EQ(ut_send(w.c, c, buf, sizeof(buf), 0), (long)sizeof(buf));
	tw_run(&w, 2 * SEC);
	struct tcp_info ti = info_of(&w, c);
	CHECK_EQ(ti.tcpi_state, TCP_ESTABLISHED);
	CHECK(ti.tcpi_probes >= 3);
	CHECK_EQ(ti.tcpi_backoff, 0);
	/* The device takes frames again: the next probe carries the data
	 * and the connection goes on as if nothing happened. */
	ut_dev_set_txqueuelen(dev, 1000);
	tw_run(&w, 1 * SEC);
	CHECK_EQ(ut_recv(w.s, s, in, sizeof(in), MSG_DONTWAIT), (long)sizeof(buf));
	CHECK_MEM_EQ(in, buf, sizeof(buf));
	ti = info_of(&w, c);
	CHECK_EQ(ti.tcpi_state, TCP_ESTABLISHED);
	CHECK_EQ(ti.tcpi_probes, 0);
	tw_run(&w, 5 * SEC);
	CHECK_EQ(info_of(&w, c).tcpi_state, TCP_ESTABLISHED);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPAbortOnTimeout"), 0);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(the_user_timeout_ends_unanswered_retransmissions_on_time_not_after_tcp_retries2)
{
	struct tcpworld w;
	int c, s;
	char buf[8];

	tw_make(&w, 43, NULL);
	tw_pair(&w, PORT, &c, &s);
	tw_run(&w, 1 * SEC);
	set_user_timeout(&w, c, 5000);
	/* as test_tcp_reliability's retries2 test: a permanent ARP entry,
	 * so no ICMP softens the error */
	neigh_update(&w.c->arp_tbl, netdev_from_ut(ut_sim_link_dev(w.link, 0)),
		     &(uint32_t){inet_addr(SERVER_IP)},
		     netdev_from_ut(ut_sim_link_dev(w.link, 1))->dev_addr, NUD_PERMANENT, true);
	ut_sim_link_set_up(w.link, false);
	uint64_t t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_send(w.c, c, "lost", 4, 0), 4);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, ETIMEDOUT);
	/* Counted from the segment's first transmission; the last RTO is
	 * cut short to end it then (Linux's tcp_clamp_rto_to_user_timeout),
	 * within a millisecond. */
	CHECK_NEAR((double)(ut_sim_now(w.sim) - t0) / MS, 5000.0, 1.0);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPAbortOnTimeout"), 1);
	ut_sim_link_set_up(w.link, true);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(a_window_that_stays_shut_ends_the_connection_at_the_user_timeout_though_probes_are_answered)
{
	struct tcpworld w;
	static char out[200000];
	size_t sent = 0;
	int l, c, s, small = 4096;
	struct sockaddr_in sa = tw_addr(SERVER_IP, PORT);

	tw_make(&w, 44, NULL);
	l = ut_socket(w.s, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_setsockopt(w.s, l, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	CHECK_EQ(ut_bind(w.s, l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(ut_listen(w.s, l, 4), 0);
	c = ut_socket(w.c, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ut_connect(w.c, c, (struct sockaddr *)&sa, sizeof(sa));
	s = ut_accept(w.s, l, NULL, NULL);
	CHECK(s >= 0);
	set_user_timeout(&w, c, 8000);
	memset(out, 'z', sizeof(out));
	/* The server never reads: the window closes and stays closed, yet
	 * every probe is answered (RFC 1122 would keep it open forever; the
	 * user timeout says otherwise, as in Linux since 5.11). */
	uint64_t t0 = ut_sim_now(w.sim);
	while (ut_sim_now(w.sim) - t0 < 60 * SEC && info_of(&w, c).tcpi_state != TCP_CLOSE) {
		ssize_t k = ut_send(w.c, c, out + sent, sizeof(out) - sent, 0);
		if (k > 0)
			sent += (size_t)k;
		tw_run(&w, 10 * MS);
	}
	CHECK_EQ(info_of(&w, c).tcpi_state, TCP_CLOSE);
	CHECK(tw_counter(w.c, "TcpExt", "TCPWinProbe") >= 3);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPAbortOnTimeout"), 1);
	/* Probing began at the first probe, about an RTO after the window
	 * shut; it ends 8 s after that, well before 60 s. */
	CHECK(ut_sim_now(w.sim) - t0 > 8 * SEC);
	CHECK(ut_sim_now(w.sim) - t0 < 12 * SEC);
	CHECK_EQ(ut_send(w.c, c, out, 1, 0), -1);
	CHECK_EQ(errno, ETIMEDOUT);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, l);
	tw_done(&w);
}
