/* Urgent data (RFC 9293 3.8.5, RFC 6093) as Linux 6.x handles it: the
 * urgent pointer MSG_OOB puts on the wire, the out-of-band byte kept out
 * of the stream, the mark a read stops at, SO_OOBINLINE, SIOCATMARK,
 * POLLPRI and SIGURG to the F_SETOWN owner. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "net/stack.h"
#include "net/tcp.h"
#include "segwatch.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8090

static struct segwatch at_server;

static short poll_events(struct ut_stack *st, int fd)
{
	struct pollfd p = {fd, POLLIN | POLLPRI | POLLOUT, 0};
	CHECK_EQ(ut_poll(st, &p, 1, 0) >= 0, 1);
	return p.revents;
}

static int ioctl_int(struct ut_stack *st, int fd, unsigned long req)
{
	int v = -1;
	CHECK_EQ(ut_ioctl(st, fd, req, &v), 0);
	return v;
}

TEST(msg_oob_puts_a_pointer_one_past_the_urgent_byte_on_every_segment_until_it_is_acked)
{
	struct tcpworld w;
	int c, s;
	uint32_t start;

	tw_make(&w, 1, NULL);
	tw_pair(&w, PORT, &c, &s);
	segwatch_attach(&at_server, ut_sim_link_dev(w.link, 1));
	start = tw_tcp_sk(w.c, c)->snd_nxt;
	CHECK_EQ(ut_send(w.c, c, "abc", 3, MSG_DONTWAIT | MSG_OOB), 3);
	/* BSD's pointer (tcp_stdurg=0): one past the last byte written */
	CHECK_EQ(tw_tcp_sk(w.c, c)->snd_up, start + 3);
	tw_run(&w, 100 * MS);
	CHECK_EQ(at_server.n, 1u);
	CHECK_EQ(at_server.seen[0].flags & TCPHDR_URG, TCPHDR_URG);
	CHECK_EQ(at_server.seen[0].urg_ptr, 3);
	/* acknowledged past: urgent mode is over, the next data has no URG */
	CHECK(!tcp_urg_mode(tw_tcp_sk(w.c, c)));
	CHECK_EQ(ut_send(w.c, c, "d", 1, MSG_DONTWAIT), 1);
	tw_run(&w, 100 * MS);
	CHECK_EQ(at_server.n, 2u);
	CHECK_EQ(at_server.seen[1].flags & TCPHDR_URG, 0);
	segwatch_detach(ut_sim_link_dev(w.link, 1));
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(segments_cut_from_one_buffer_each_carry_the_pointer_from_their_own_sequence_number)
{
	static char data[20000];
	struct tcpworld w;
	unsigned urg = 0;
	int c, s;
	uint32_t start, up;

	tw_make(&w, 6, NULL);
	tw_pair(&w, PORT, &c, &s);
	segwatch_attach(&at_server, ut_sim_link_dev(w.link, 1));
	start = tw_tcp_sk(w.c, c)->snd_nxt;
	/* the initial window sends part of one large buffer; its rest waits,
	 * a buffer of several segments, while the urgent byte is written */
	CHECK_EQ(ut_send(w.c, c, data, sizeof(data), MSG_DONTWAIT), (ssize_t)sizeof(data));
	CHECK(tw_tcp_sk(w.c, c)->snd_nxt - start < sizeof(data) - 2000);
	CHECK_EQ(ut_send(w.c, c, "!", 1, MSG_DONTWAIT | MSG_OOB), 1);
	up = start + (uint32_t)sizeof(data) + 1;
	tw_run(&w, 200 * MS);
	for (unsigned i = 0; i < at_server.n; i++) {
		const struct seg_seen *g = &at_server.seen[i];
		if (!(g->flags & TCPHDR_URG)) {
			/* only what was sent before the urgent write, or an
			 * ACK after the mark was acknowledged */
			CHECK(!g->len || !after(g->seq + g->len, start + 14600));
			continue;
		}
		urg++;
		CHECK_EQ(g->seq + g->urg_ptr, up);
	}
	CHECK(urg >= 3);
	CHECK_EQ(ut_recv(w.s, s, data, sizeof(data), MSG_DONTWAIT), (ssize_t)sizeof(data));
	CHECK_EQ(ut_recv(w.s, s, data, 1, MSG_OOB), 1);
	CHECK_EQ(data[0], '!');
	segwatch_detach(ut_sim_link_dev(w.link, 1));
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(the_out_of_band_byte_stays_out_of_the_stream_and_recv_msg_oob_gives_it_once)
{
	struct tcpworld w;
	char b[16];
	int c, s;

	tw_make(&w, 2, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_recv(w.s, s, b, sizeof(b), MSG_OOB), -1);
	CHECK_EQ(errno, EINVAL); /* none announced */
	CHECK_EQ(ut_send(w.c, c, "abc", 3, MSG_DONTWAIT | MSG_OOB), 3);
	CHECK_EQ(ut_send(w.c, c, "def", 3, MSG_DONTWAIT), 3);
	tw_run(&w, 100 * MS);
	CHECK_EQ(poll_events(w.s, s) & (POLLIN | POLLPRI), POLLIN | POLLPRI);
	CHECK_EQ(ioctl_int(w.s, s, SIOCATMARK), 0);
	CHECK_EQ(ioctl_int(w.s, s, FIONREAD), 2); /* up to the mark */
	/* the read stops at the mark */
	CHECK_EQ(ut_recv(w.s, s, b, sizeof(b), MSG_DONTWAIT), 2);
	CHECK_EQ(memcmp(b, "ab", 2), 0);
	CHECK_EQ(ioctl_int(w.s, s, SIOCATMARK), 1);
	CHECK_EQ(ut_recv(w.s, s, b, sizeof(b), MSG_OOB | MSG_PEEK), 1);
	CHECK_EQ(b[0], 'c');
	CHECK_EQ(ut_recv(w.s, s, b, sizeof(b), MSG_OOB), 1);
	CHECK_EQ(b[0], 'c');
	CHECK_EQ(ut_recv(w.s, s, b, sizeof(b), MSG_OOB), -1);
	CHECK_EQ(errno, EINVAL); /* taken already */
	CHECK_EQ(poll_events(w.s, s) & POLLPRI, 0);
	/* the stream goes on without it */
	CHECK_EQ(ut_recv(w.s, s, b, sizeof(b), MSG_DONTWAIT), 3);
	CHECK_EQ(memcmp(b, "def", 3), 0);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(so_oobinline_leaves_the_urgent_byte_in_the_stream_and_the_read_still_stops_at_the_mark)
{
	struct tcpworld w;
	char b[16];
	int c, s, on = 1;

	tw_make(&w, 3, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_setsockopt(w.s, s, SOL_SOCKET, SO_OOBINLINE, &on, sizeof(on)), 0);
	CHECK_EQ(ut_send(w.c, c, "xyz", 3, MSG_DONTWAIT | MSG_OOB), 3);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.s, s, b, sizeof(b), MSG_DONTWAIT), 2);
	CHECK_EQ(ioctl_int(w.s, s, SIOCATMARK), 1);
	CHECK_EQ(ut_recv(w.s, s, b, sizeof(b), MSG_OOB), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_recv(w.s, s, b, sizeof(b), MSG_DONTWAIT), 1);
	CHECK_EQ(b[0], 'z');
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

static volatile sig_atomic_t sigurgs;
static void on_sigurg(int sig)
{
	(void)sig;
	sigurgs++;
}

TEST(urgent_data_sends_sigurg_to_the_f_setown_owner_and_to_no_one_without_it)
{
	struct tcpworld w;
	struct sigaction sa = {.sa_handler = on_sigurg}, old;
	int c, s;

	tw_make(&w, 4, NULL);
	tw_pair(&w, PORT, &c, &s);
	sigaction(SIGURG, &sa, &old);
	sigurgs = 0;
	CHECK_EQ(ut_send(w.c, c, "a", 1, MSG_DONTWAIT | MSG_OOB), 1);
	tw_run(&w, 100 * MS);
	CHECK_EQ(sigurgs, 0);
	CHECK_EQ(ut_fcntl(w.s, s, F_SETOWN, INT32_MIN), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_fcntl(w.s, s, F_SETOWN, 0x3ffffff0), -1);
	CHECK_EQ(errno, ESRCH);
	CHECK_EQ(ut_fcntl(w.s, s, F_SETOWN, (int)getpid()), 0);
	CHECK_EQ(ut_fcntl(w.s, s, F_GETOWN), (int)getpid());
	CHECK_EQ(ut_send(w.c, c, "b", 1, MSG_DONTWAIT | MSG_OOB), 1);
	tw_run(&w, 100 * MS);
	CHECK_EQ(sigurgs, 1);
	sigaction(SIGURG, &old, NULL);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(a_peer_s_urgent_pointer_into_data_already_received_is_not_replayed)
{
	struct tcpworld w;
	struct tcp_sock *tp;
	char b[16];
	int c, s;

	tw_make(&w, 5, NULL);
	tw_pair(&w, PORT, &c, &s);
	tp = tw_tcp_sk(w.c, c);
	/* URG with pointer 0 marks the segment's first byte (tcp_stdurg=0
	 * takes one off only a pointer above 0) */
	tw_inject_to_client(&w, c, TCPHDR_ACK | TCPHDR_URG, tp->rcv_nxt, tp->snd_nxt, "xyz", 3, 0,
			    0);
	CHECK_EQ(tp->urg_data, TCP_URG_VALID | 'x');
	CHECK_EQ(ut_recv(w.c, c, b, sizeof(b), MSG_OOB), 1);
	CHECK_EQ(b[0], 'x');
	CHECK_EQ(ut_recv(w.c, c, b, sizeof(b), MSG_DONTWAIT), 2);
	CHECK_EQ(memcmp(b, "yz", 2), 0);
	/* a pure ACK with URG at rcv_nxt - 1: data already there */
	tw_inject_to_client(&w, c, TCPHDR_ACK | TCPHDR_URG, tp->rcv_nxt - 1, tp->snd_nxt, NULL, 0,
			    0, 0);
	CHECK_EQ(ut_recv(w.c, c, b, sizeof(b), MSG_OOB), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ioctl_int(w.c, c, SIOCATMARK), 0);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}
