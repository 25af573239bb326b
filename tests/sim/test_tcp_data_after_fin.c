/* Data that arrives once reading is shut down, by the application or by
 * the peer's FIN: RFC 1122 4.2.2.13 and Linux's tcp_rcv_state_process
 * reset the connection (TCPAbortOnData) rather than queue it, so an
 * application never reads bytes after end of file. The segments are
 * written by hand and handed to the client's device. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/wire.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080

/* A connection whose client has read the server's FIN (CLOSE_WAIT), with
 * the link then taken down so that only hand-made segments arrive. */
static struct tcp_sock *client_after_eof(struct tcpworld *w, uint64_t seed, int *c, int *s)
{
	char buf[8];

	tw_make(w, seed, NULL);
	tw_pair(w, PORT, c, s);
	CHECK_EQ(ut_shutdown(w->s, *s, SHUT_WR), 0);
	tw_run(w, 100 * MS);
	CHECK_EQ(ut_recv(w->c, *c, buf, sizeof(buf), MSG_DONTWAIT), 0);
	struct tcp_sock *tp = tw_tcp_sk(w->c, *c);
	CHECK_EQ(tp->inet_conn.icsk_inet.sk_state, TCP_CLOSE_WAIT);
	ut_sim_link_set_up(w->link, false);
	return tp;
}

/* Found by the soak (seed 34312): a SYN-cookie child made from a stray
 * segment continued a dead connection's sequence space right at the FIN
 * the client had already read, and the client queued its data in
 * CLOSE_WAIT: recv gave end of file, then bytes. The reset applied only
 * to orphans; Linux applies it whenever RCV_SHUTDOWN is set, which the
 * FIN sets. */
TEST(data_overlapping_a_fin_already_read_resets_the_connection_instead_of_following_eof)
{
	struct tcpworld w;
	char buf[64], data[100];
	int c, s;

	memset(data, 'x', sizeof(data));
	struct tcp_sock *tp = client_after_eof(&w, 93, &c, &s);
	uint32_t fin_seq = tp->rcv_nxt - 1;
	tw_inject_to_client(&w, c, TCPHDR_ACK, fin_seq, tp->snd_nxt, data, sizeof(data), 0, 0);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPAbortOnData"), 1);
	/* end of file stays end of file; the reset shows where errors do */
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), MSG_DONTWAIT), 0);
	CHECK_EQ(ut_send(w.c, c, "y", 1, MSG_NOSIGNAL), -1);
	CHECK_EQ(errno, EPIPE);
	ut_sim_link_set_up(w.link, true);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(data_beyond_a_fin_already_read_is_ignored)
{
	struct tcpworld w;
	char buf[64], data[100];
	int c, s;

	memset(data, 'x', sizeof(data));
	struct tcp_sock *tp = client_after_eof(&w, 94, &c, &s);
	/* RFC 9293 3.10.7.4, CLOSE-WAIT: "ignore the segment text" */
	tw_inject_to_client(&w, c, TCPHDR_ACK, tp->rcv_nxt, tp->snd_nxt, data, sizeof(data), 0, 0);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPAbortOnData"), 0);
	CHECK_EQ(tp->inet_conn.icsk_inet.sk_state, TCP_CLOSE_WAIT);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), MSG_DONTWAIT), 0);
	ut_sim_link_set_up(w.link, true);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}
