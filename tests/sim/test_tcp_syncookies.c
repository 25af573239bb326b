/* SYN cookies: with net.ipv4.tcp_syncookies=2 every SYN is answered with
 * a cookie, so the whole handshake runs without a request socket and the
 * options must survive the round trip through the sequence number and
 * the timestamp. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "net/stack.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080

TEST(a_connection_opened_through_a_syn_cookie_keeps_its_options_and_carries_data)
{
	struct tcpworld w;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int c, s;
	char buf[8];

	tw_make(&w, 61, NULL);
	CHECK_EQ(ut_sysctl_set(w.s, "net.ipv4.tcp_syncookies", 2), 0);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "SyncookiesSent"), 1);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "SyncookiesRecv"), 1);
	CHECK_EQ(tw_count(&w, 1, UT_TP_SYN_QUEUE_ADD), 0);
	CHECK_EQ(ut_getsockopt(w.s, s, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	CHECK(ti.tcpi_options & TCPI_OPT_TIMESTAMPS);
	CHECK(ti.tcpi_options & TCPI_OPT_SACK);
	CHECK(ti.tcpi_options & TCPI_OPT_WSCALE);
	CHECK_EQ(ti.tcpi_snd_wscale, 10); /* tcp_rmem's 32 MiB */
	/* the client's 1460 is one of the four MSS values a cookie holds */
	CHECK_EQ(ti.tcpi_snd_mss, 1448);
	CHECK_EQ(ut_send(w.c, c, "cookie", 6, 0), 6);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 6);
	CHECK_EQ(ut_send(w.s, s, "back", 4, 0), 4);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), 4);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(without_syn_cookies_a_full_syn_queue_drops_the_syn)
{
	struct tcpworld w;
	int l, c[3];

	tw_make(&w, 63, NULL);
	CHECK_EQ(ut_sysctl_set(w.s, "net.ipv4.tcp_syncookies", 0), 0);
	l = tw_listen(&w, PORT, 1);
	/* lose the server's SYN-ACKs so the requests stay half open */
	struct ut_link_params lp;
	ut_link_params_init(&lp);
	lp.delay_ns = 10 * MS;
	lp.loss = 1.0;
	CHECK_EQ(ut_neigh_resolve(w.c, ipaddr(SERVER_IP)), 0);
	CHECK_EQ(ut_neigh_resolve(w.s, ipaddr(CLIENT_IP)), 0);
	tw_run(&w, 1 * SEC);
	CHECK_EQ(ut_sim_link_set_params(w.link, 1, &lp), 0);
	for (int i = 0; i < 3; i++)
		c[i] = tw_connect_nb(&w, PORT);
	tw_run(&w, 100 * MS);
	CHECK_EQ(tw_count(&w, 1, UT_TP_SYN_QUEUE_ADD), 1);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPReqQFullDrop"), 2);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "ListenDrops"), 2);
	CHECK_EQ(tw_count(&w, 1, UT_TP_SYN_QUEUE_DROP), 2);
	lp.loss = 0;
	CHECK_EQ(ut_sim_link_set_params(w.link, 1, &lp), 0);
	for (int i = 0; i < 3; i++)
		ut_close(w.c, c[i]);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(a_cookie_ack_that_finds_the_accept_queue_full_is_dropped_not_reset)
{
	struct tcpworld w;
	int l, c[3], err;
	socklen_t len = sizeof(err);

	tw_make(&w, 65, NULL);
	CHECK_EQ(ut_sysctl_set(w.s, "net.ipv4.tcp_syncookies", 2), 0);
	/* backlog 0: one connection fits the accept queue, as Linux's */
	l = tw_listen(&w, PORT, 0);
	for (int i = 0; i < 3; i++)
		c[i] = tw_connect_nb(&w, PORT);
	tw_run(&w, 100 * MS);
	/* the two that found no room: dropped, as Linux's cookie_v4_check,
	 * and their clients, established, never see a reset */
	CHECK_EQ(tw_counter(w.s, "TcpExt", "ListenOverflows"), 2);
	CHECK_EQ(tw_counter(w.s, "Tcp", "OutRsts"), 0);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(ut_getsockopt(w.c, c[i], SOL_SOCKET, SO_ERROR, &err, &len), 0);
		CHECK_EQ(err, 0);
	}
	int s = ut_accept(w.s, l, NULL, NULL);
	CHECK(s >= 0);
	ut_close(w.s, s);
	for (int i = 0; i < 3; i++)
		ut_close(w.c, c[i]);
	ut_close(w.s, l);
	tw_done(&w);
}
