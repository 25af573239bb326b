/* Pluggable congestion control as Linux's tcp_cong.c has it: the modules
 * by name, the three sysctls, TCP_CONGESTION with Linux's errors, and
 * each hook of a module called where Linux calls it. The hooks are
 * watched through a recording module put on a socket by hand (the
 * registry itself is a constant table). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "ackinject.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080

static void sysctl_is(struct ut_stack *st, const char *name, const char *want)
{
	char buf[128];

	CHECK_EQ(ut_sysctl_get_str(st, name, buf, sizeof(buf)), 0);
	if (strcmp(buf, want) != 0)
		test_fail(__FILE__, __LINE__, "%s is \"%s\", want \"%s\"", name, buf, want);
}

static void cc_is(struct ut_stack *st, int fd, const char *want)
{
	char name[TCP_CA_NAME_MAX] = {0};
	socklen_t len = sizeof(name);

	CHECK_EQ(ut_getsockopt(st, fd, IPPROTO_TCP, TCP_CONGESTION, name, &len), 0);
	if (strcmp(name, want) != 0)
		test_fail(__FILE__, __LINE__, "TCP_CONGESTION is \"%s\", want \"%s\"", name, want);
}

static int set_cc(struct ut_stack *st, int fd, const char *name, socklen_t len)
{
	return ut_setsockopt(st, fd, IPPROTO_TCP, TCP_CONGESTION, name, len) == 0 ? 0 : -errno;
}

TEST(the_congestion_sysctls_read_as_linux_shows_them_with_cubic_the_default)
{
	struct tcpworld w;
	char buf[8];
	long v;

	tw_make(&w, 1, NULL);
	sysctl_is(w.c, "net.ipv4.tcp_congestion_control", "cubic");
	/* as a Linux with tcp_bbr and tcp_dctcp loaded: reno and bbr carry
	 * TCP_CONG_NON_RESTRICTED, cubic is allowed as the default, dctcp is
	 * restricted */
	sysctl_is(w.c, "net.ipv4.tcp_available_congestion_control", "reno cubic bbr dctcp");
	sysctl_is(w.c, "net.ipv4.tcp_allowed_congestion_control", "reno cubic bbr");
	/* numbers read and written as text too, as /proc/sys does */
	sysctl_is(w.c, "net.ipv4.tcp_min_rtt_wlen", "300");
	CHECK_EQ(ut_sysctl_set_str(w.c, "net.ipv4.tcp_min_rtt_wlen", "120\n"), 0);
	CHECK_EQ(ut_sysctl_get(w.c, "net.ipv4.tcp_min_rtt_wlen", &v), 0);
	CHECK_EQ(v, 120);
	CHECK_EQ(ut_sysctl_set_str(w.c, "net.ipv4.tcp_min_rtt_wlen", "12x"), -EINVAL);
	/* a text setting is no number; a buffer too small is said so */
	CHECK_EQ(ut_sysctl_get(w.c, "net.ipv4.tcp_congestion_control", &v), -EINVAL);
	CHECK_EQ(ut_sysctl_set(w.c, "net.ipv4.tcp_congestion_control", 1), -EINVAL);
	CHECK_EQ(ut_sysctl_get_str(w.c, "net.ipv4.tcp_available_congestion_control", buf, 8),
		 -ENOSPC);
	CHECK_EQ(ut_sysctl_get_str(w.c, "net.ipv4.no_such_thing", buf, 8), -ENOENT);
	/* the list of modules is read-only */
	CHECK_EQ(ut_sysctl_set_str(w.c, "net.ipv4.tcp_available_congestion_control", "reno"),
		 -EACCES);
	tw_done(&w);
}

TEST(the_default_module_and_the_allowed_list_are_set_by_name_with_linux_errors)
{
	struct tcpworld w;

	tw_make(&w, 2, NULL);
	CHECK_EQ(ut_sysctl_set_str(w.c, "net.ipv4.tcp_congestion_control", "vegas"), -ENOENT);
	sysctl_is(w.c, "net.ipv4.tcp_congestion_control", "cubic");
	/* the allowed list is replaced whole; an unknown name changes nothing */
	CHECK_EQ(ut_sysctl_set_str(w.c, "net.ipv4.tcp_allowed_congestion_control", "cubic"), 0);
	sysctl_is(w.c, "net.ipv4.tcp_allowed_congestion_control", "cubic");
	CHECK_EQ(ut_sysctl_set_str(w.c, "net.ipv4.tcp_allowed_congestion_control", "reno vegas"),
		 -ENOENT);
	sysctl_is(w.c, "net.ipv4.tcp_allowed_congestion_control", "cubic");
	/* the default is always allowed */
	CHECK_EQ(ut_sysctl_set_str(w.c, "net.ipv4.tcp_congestion_control", "reno"), 0);
	sysctl_is(w.c, "net.ipv4.tcp_congestion_control", "reno");
	sysctl_is(w.c, "net.ipv4.tcp_allowed_congestion_control", "reno cubic");
	/* another stack keeps its own */
	sysctl_is(w.s, "net.ipv4.tcp_congestion_control", "cubic");
	tw_done(&w);
}

TEST(tcp_congestion_names_the_module_and_refuses_unknown_names_with_enoent)
{
	struct tcpworld w;
	char longname[32];

	tw_make(&w, 3, NULL);
	int fd = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0);
	cc_is(w.c, fd, "cubic");
	CHECK_EQ(set_cc(w.c, fd, "reno", 5), 0);
	cc_is(w.c, fd, "reno");
	CHECK_EQ(set_cc(w.c, fd, "vegas", 6), -ENOENT);
	CHECK_EQ(set_cc(w.c, fd, "cubic", 0), -EINVAL);
	cc_is(w.c, fd, "reno");
	/* no NUL needed: optlen bounds the name */
	CHECK_EQ(set_cc(w.c, fd, "cubicXYZ", 5), 0);
	cc_is(w.c, fd, "cubic");
	/* the name is cut at TCP_CA_NAME_MAX - 1 bytes, as Linux cuts it:
	 * "reno" followed by 16 spaces is read as "reno" + 11 spaces */
	memset(longname, ' ', sizeof(longname));
	memcpy(longname, "reno", 4);
	CHECK_EQ(set_cc(w.c, fd, longname, 20), -ENOENT);
	/* a NUL within the first 15 bytes ends it, whatever optlen says */
	memset(longname, 0, sizeof(longname));
	memcpy(longname, "reno", 4);
	CHECK_EQ(set_cc(w.c, fd, longname, sizeof(longname)), 0);
	cc_is(w.c, fd, "reno");
	/* getsockopt gives at most what the buffer holds */
	char small[3];
	socklen_t len = sizeof(small);
	CHECK_EQ(ut_getsockopt(w.c, fd, IPPROTO_TCP, TCP_CONGESTION, small, &len), 0);
	CHECK_EQ(len, 3);
	CHECK_MEM_EQ(small, "ren", 3);
	ut_close(w.c, fd);
	tw_done(&w);
}

/* Sockets hold no CAP_NET_ADMIN in usertcp: the allowed list binds them. */
TEST(a_module_outside_the_allowed_list_gives_eperm_but_the_one_in_use_is_accepted)
{
	struct tcpworld w;

	tw_make(&w, 4, NULL);
	int fd = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_sysctl_set_str(w.c, "net.ipv4.tcp_allowed_congestion_control", "reno"), 0);
	/* cubic, the default, is in use: asking for it again is no change */
	CHECK_EQ(set_cc(w.c, fd, "cubic", 6), 0);
	CHECK_EQ(set_cc(w.c, fd, "reno", 5), 0);
	CHECK_EQ(set_cc(w.c, fd, "cubic", 6), -EPERM);
	cc_is(w.c, fd, "reno");
	/* a new socket still gets the default, restricted or not */
	int fd2 = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	cc_is(w.c, fd2, "cubic");
	ut_close(w.c, fd);
	ut_close(w.c, fd2);
	tw_done(&w);
}

TEST(an_accepted_socket_keeps_the_module_its_listener_chose_or_takes_the_default)
{
	struct tcpworld w;
	struct sockaddr_in sin = tw_addr(SERVER_IP, PORT);
	int lfd, c1, s1, c2, s2;

	tw_make(&w, 5, NULL);
	/* a listener that chose nothing: its children take the default of
	 * the moment they are made */
	lfd = tw_listen(&w, PORT, 8);
	CHECK_EQ(ut_sysctl_set_str(w.s, "net.ipv4.tcp_congestion_control", "reno"), 0);
	c1 = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_connect(w.c, c1, (struct sockaddr *)&sin, sizeof(sin)), 0);
	s1 = ut_accept(w.s, lfd, NULL, NULL);
	CHECK(s1 >= 0);
	cc_is(w.s, s1, "reno");
	cc_is(w.c, c1, "cubic");
	/* a listener that chose cubic passes it on */
	CHECK_EQ(set_cc(w.s, lfd, "cubic", 6), 0);
	c2 = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_connect(w.c, c2, (struct sockaddr *)&sin, sizeof(sin)), 0);
	s2 = ut_accept(w.s, lfd, NULL, NULL);
	CHECK(s2 >= 0);
	cc_is(w.s, s2, "cubic");
	CHECK(inet_csk((struct sock *)tw_tcp_sk(w.s, s2))->icsk_ca_initialized);
	ut_close(w.c, c1);
	ut_close(w.c, c2);
	ut_close(w.s, s1);
	ut_close(w.s, s2);
	ut_close(w.s, lfd);
	tw_done(&w);
}

/* ---- a module that records what it hears ------------------------------------------------*/

static struct rec {
	unsigned init, release, ssthresh, cong_avoid, cong_control, in_ack, pkts_acked;
	unsigned events[CA_EVENT_ECN_IS_CE + 1];
	unsigned states[TCP_CA_Loss + 1];
	uint32_t in_ack_flags; /* or of all */
	uint32_t pkts_acked_total;
	int32_t last_rtt_us;
	unsigned rtt_samples;
	int32_t rs_delivered_max;
	int64_t rs_interval_last;
	uint32_t cwnd_at_restart;
	bool control; /* use cong_control (set the window to 20) */
} rec;

static void rec_init(struct sock *sk)
{
	(void)sk;
	rec.init++;
}
static void rec_release(struct sock *sk)
{
	(void)sk;
	rec.release++;
}
static uint32_t rec_ssthresh(struct sock *sk)
{
	rec.ssthresh++;
	return tcp_reno_ssthresh(sk);
}
static void rec_cong_avoid(struct sock *sk, uint32_t ack, uint32_t acked)
{
	rec.cong_avoid++;
	tcp_reno_cong_avoid(sk, ack, acked);
}
static void rec_set_state(struct sock *sk, uint8_t st)
{
	(void)sk;
	rec.states[st]++;
}
static void rec_cwnd_event(struct sock *sk, enum tcp_ca_event ev)
{
	rec.events[ev]++;
	if (ev == CA_EVENT_CWND_RESTART)
		rec.cwnd_at_restart = tcp_sk(sk)->snd_cwnd;
}
static void rec_in_ack_event(struct sock *sk, uint32_t flags)
{
	(void)sk;
	rec.in_ack++;
	rec.in_ack_flags |= flags;
}
static void rec_pkts_acked(struct sock *sk, const struct ack_sample *s)
{
	(void)sk;
	rec.pkts_acked++;
	rec.pkts_acked_total += s->pkts_acked;
	if (s->rtt_us >= 0) {
		rec.last_rtt_us = s->rtt_us;
		rec.rtt_samples++;
	}
}
static void rec_cong_control(struct sock *sk, uint32_t ack, int flag, const struct rate_sample *rs)
{
	(void)ack;
	(void)flag;
	rec.cong_control++;
	if (rs->delivered > rec.rs_delivered_max)
		rec.rs_delivered_max = rs->delivered;
	if (rs->interval_us > 0)
		rec.rs_interval_last = rs->interval_us;
	tcp_sk(sk)->snd_cwnd = 20;
}

static const struct tcp_congestion_ops rec_ops = {
	.name = "rec",
	.init = rec_init,
	.release = rec_release,
	.ssthresh = rec_ssthresh,
	.cong_avoid = rec_cong_avoid,
	.set_state = rec_set_state,
	.cwnd_event = rec_cwnd_event,
	.in_ack_event = rec_in_ack_event,
	.pkts_acked = rec_pkts_acked,
	.undo_cwnd = tcp_reno_undo_cwnd,
};

static const struct tcp_congestion_ops rec_control_ops = {
	.name = "rec_control",
	.init = rec_init,
	.release = rec_release,
	.ssthresh = rec_ssthresh,
	.cong_avoid = rec_cong_avoid,
	.cong_control = rec_cong_control,
	.undo_cwnd = tcp_reno_undo_cwnd,
};

/* A client socket on the recording module, connected to an accepted
 * server socket. */
static void rec_pair(struct tcpworld *w, const struct tcp_congestion_ops *ops, int *cfd, int *sfd)
{
	struct sockaddr_in sin = tw_addr(SERVER_IP, PORT);
	int lfd = tw_listen(w, PORT, 8);

	memset(&rec, 0, sizeof(rec));
	*cfd = ut_socket(w->c, AF_INET, SOCK_STREAM, 0);
	CHECK(*cfd >= 0);
	inet_csk((struct sock *)tw_tcp_sk(w->c, *cfd))->icsk_ca_ops = ops;
	CHECK_EQ(rec.init, 0);
	CHECK_EQ(ut_connect(w->c, *cfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	*sfd = ut_accept(w->s, lfd, NULL, NULL);
	CHECK(*sfd >= 0);
	CHECK_EQ(ut_close(w->s, lfd), 0);
}

static void send_all(struct tcpworld *w, int c, int s, size_t n)
{
	char *out = calloc(1, n), *in = malloc(n);
	CHECK_EQ(tw_transfer(w, c, s, out, in, n, NULL, 60 * SEC, NULL, NULL), n);
	tw_run(w, 100 * MS); /* the last ACKs come back */
	free(out);
	free(in);
}

TEST(the_module_starts_when_the_handshake_ends_and_is_released_when_the_socket_goes)
{
	struct tcpworld w;
	int c, s;

	tw_make(&w, 6, NULL);
	rec_pair(&w, &rec_ops, &c, &s);
	/* tcp_init_transfer ran init once, with the initial window set */
	CHECK_EQ(rec.init, 1);
	CHECK_EQ(rec.release, 0);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_run(&w, 200 * SEC);
	CHECK_EQ(rec.release, 1);
	tw_done(&w);
}

TEST(the_module_hears_the_first_send_every_ack_and_rtt_samples_of_what_was_acked)
{
	struct tcpworld w;
	int c, s;

	tw_make(&w, 7, NULL);
	rec_pair(&w, &rec_ops, &c, &s);
	send_all(&w, c, s, 100 * 1448);
	/* the first data with nothing in flight */
	CHECK(rec.events[CA_EVENT_TX_START] >= 1);
	/* every segment sent ACKed, and the SYN (its ACK goes through
	 * tcp_ack, as in Linux), each ACK heard, RTTs of 20 ms; at least the
	 * 100 full ones (a buffer cut at the peer's window edge, which need
	 * not fall on a segment boundary, sends a short one more: Linux's
	 * tcp_mss_split_point) */
	uint64_t sent = tw_counter(w.c, "TcpExt", "TCPOrigDataSent");
	CHECK(sent >= 100 && sent <= 102);
	CHECK_EQ(rec.pkts_acked_total, sent + 1);
	CHECK(rec.in_ack >= rec.pkts_acked);
	CHECK(rec.in_ack_flags & CA_ACK_WIN_UPDATE);
	CHECK(rec.rtt_samples > 0);
	CHECK_NEAR(rec.last_rtt_us, 20000, 1000);
	CHECK(rec.cong_avoid > 0);
	/* nothing was lost: no reduction asked for */
	CHECK_EQ(rec.ssthresh, 0);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(a_retransmission_timeout_tells_the_module_loss_and_the_state_loss)
{
	struct tcpworld w;
	static char data[4 * 1448];
	int c, s;

	tw_make(&w, 8, NULL);
	/* no tail-loss probe: the timeout itself is the subject */
	CHECK_EQ(ut_sysctl_set(w.c, "net.ipv4.tcp_early_retrans", 0), 0);
	rec_pair(&w, &rec_ops, &c, &s);
	uint32_t rto = inet_csk((struct sock *)tw_tcp_sk(w.c, c))->icsk_rto;
	ut_sim_link_set_up(w.link, false);
	CHECK_EQ(ut_send(w.c, c, data, sizeof(data), 0), (ssize_t)sizeof(data));
	tw_run(&w, (rto + 10) * MS); /* past the first RTO, before the second */
	CHECK_EQ(rec.events[CA_EVENT_LOSS], 1);
	CHECK_EQ(rec.states[TCP_CA_Loss], 1);
	CHECK_EQ(rec.ssthresh, 1);
	/* the window before the timeout is kept for undo */
	CHECK_EQ(tw_tcp_sk(w.c, c)->prior_cwnd, TCP_INIT_CWND);
	ut_sim_link_set_up(w.link, true);
	char in[sizeof(data)];
	size_t got = 0;
	while (got < sizeof(data)) {
		ssize_t k = ut_recv(w.s, s, in + got, sizeof(in) - got, 0);
		CHECK(k > 0);
		got += (size_t)k;
	}
	tw_run(&w, 100 * MS);
	/* back to Open: the module heard that too */
	CHECK(rec.states[TCP_CA_Open] >= 1);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(an_idle_connection_restarts_its_window_halved_per_rto_and_tells_the_module)
{
	struct tcpworld w;
	int c, s;
	char buf[1448] = {0}, in[1448];

	tw_make(&w, 9, NULL);
	rec_pair(&w, &rec_ops, &c, &s);
	send_all(&w, c, s, 300 * 1448);
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	uint32_t cwnd = tp->snd_cwnd, rto = inet_csk((struct sock *)tp)->icsk_rto;
	CHECK(cwnd >= 4 * TCP_INIT_CWND);
	/* idle for 2.5 RTOs: two halvings (Linux's tcp_cwnd_restart) */
	tw_run(&w, (uint64_t)rto * MS * 5 / 2);
	CHECK_EQ(ut_send(w.c, c, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	CHECK_EQ(rec.events[CA_EVENT_CWND_RESTART], 1);
	CHECK_EQ(rec.cwnd_at_restart, cwnd);
	CHECK_EQ(tp->snd_cwnd, MAX(cwnd / 4, TCP_INIT_CWND));
	CHECK_EQ(tp->snd_ssthresh, MAX(tp->snd_ssthresh, cwnd * 3 / 4));
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.s, s, in, sizeof(in), 0), (ssize_t)sizeof(in));
	/* without tcp_slow_start_after_idle the window stays */
	CHECK_EQ(ut_sysctl_set(w.c, "net.ipv4.tcp_slow_start_after_idle", 0), 0);
	cwnd = tp->snd_cwnd;
	tw_run(&w, (uint64_t)rto * MS * 5 / 2);
	CHECK_EQ(ut_send(w.c, c, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	CHECK_EQ(rec.events[CA_EVENT_CWND_RESTART], 1);
	CHECK_EQ(tp->snd_cwnd, cwnd);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.s, s, in, sizeof(in), 0), (ssize_t)sizeof(in));
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

/* Linux restarts the window when the write queue takes a new buffer or a
 * window update finds data waiting (tcp_slow_start_after_idle_check, from
 * tcp_skb_entail and tcp_ack_update_window), before anything is sent: the
 * first burst is already cut to the restarted window, half of it per
 * buffer (tcp_cwnd_test), not to the stale one. */
TEST(the_first_burst_after_idle_fits_the_restarted_window_whether_a_write_or_the_peer_starts_it)
{
	struct tcpworld w;
	int c, s, sndbuf = 1 << 20;
	static char buf[100 * 1448];

	tw_make(&w, 11, NULL);
	rec_pair(&w, &rec_ops, &c, &s);
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
	send_all(&w, c, s, 300 * 1448);
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	uint32_t cwnd = tp->snd_cwnd, rto = inet_csk((struct sock *)tp)->icsk_rto;
	CHECK(cwnd >= 4 * TCP_INIT_CWND);
	/* a write after 4.5 RTOs of silence: four halvings */
	tw_run(&w, (uint64_t)rto * MS * 9 / 2);
	CHECK_EQ(ut_send(w.c, c, buf, 60 * 1448, 0), 60 * 1448);
	CHECK_EQ(rec.events[CA_EVENT_CWND_RESTART], 1);
	CHECK_EQ(tp->snd_cwnd, MAX(cwnd / 16, TCP_INIT_CWND));
	CHECK(tp->snd_cwnd < 60);
	CHECK_EQ(tp->packets_out, tp->snd_cwnd);
	send_all(&w, c, s, 0);
	char *in = malloc(sizeof(buf));
	while (ut_recv(w.s, s, in, sizeof(buf), 0) > 0)
		;

	/* Data that waits for a closed window through 4.5 RTOs: the window
	 * update that lets it go restarts cwnd first. The server stops
	 * reading until its window is shut. */
	for (unsigned i = 0; i < 1000 && (tp->snd_wnd || !tp->packets_out); i++) {
		(void)ut_send(w.c, c, buf, sizeof(buf), MSG_DONTWAIT);
		tw_run(&w, MS);
	}
	tw_run(&w, 100 * MS);
	CHECK_EQ(tp->snd_wnd, 0u);
	CHECK_EQ(tp->packets_out, 0u);
	CHECK(!skb_queue_empty(&((struct sock *)tp)->sk_write_queue));
	cwnd = tp->snd_cwnd;
	CHECK(cwnd >= 4 * TCP_INIT_CWND);
	uint32_t restarts = rec.events[CA_EVENT_CWND_RESTART];
	tw_run(&w, (uint64_t)rto * MS * 9 / 2);
	CHECK_EQ(tp->snd_cwnd, cwnd); /* window probes leave it */
	while (ut_recv(w.s, s, in, sizeof(buf), 0) > 0)
		;
	tw_run(&w, 10 * MS + 1); /* the window update arrives */
	CHECK_EQ(rec.events[CA_EVENT_CWND_RESTART], restarts + 1);
	CHECK(tp->snd_cwnd <= cwnd / 16 && tp->snd_cwnd >= TCP_INIT_CWND);
	CHECK(tp->packets_out > 0 && tp->packets_out <= tp->snd_cwnd);
	free(in);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

/* cwnd grows only while it is what limits the sender (Linux's
 * tcp_is_cwnd_limited): in slow start while it is under twice the most
 * segments out in a round. An application writing four segments a round
 * leaves the initial window of ten alone; one writing six grows it to
 * twelve. */
TEST(slow_start_grows_cwnd_only_while_the_sender_has_more_than_half_of_it_out)
{
	struct tcpworld w;
	int c, s;
	static char buf[6 * 1448], in[6 * 1448];

	tw_make(&w, 12, NULL);
	tw_gro_off(&w); /* an ACK per two segments, as the counts below assume */
	/* without RFC 2861's decay of an unused window (its own test) */
	CHECK_EQ(ut_sysctl_set(w.c, "net.ipv4.tcp_slow_start_after_idle", 0), 0);
	rec_pair(&w, &rec_ops, &c, &s);
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	for (unsigned per = 4; per <= 6; per += 2) {
		uint32_t before = tp->snd_cwnd;
		for (unsigned round = 0; round < 5; round++) {
			CHECK_EQ(ut_send(w.c, c, buf, per * 1448, 0), (ssize_t)(per * 1448));
			CHECK_EQ(tp->packets_out, per);
			tw_run(&w, 70 * MS); /* a round trip and any delayed ACK */
			CHECK_EQ(ut_recv(w.s, s, in, sizeof(in), 0), (ssize_t)(per * 1448));
		}
		/* four out: 10 is not under 8; six out: it grows, to twice
		 * that and no further */
		if (per == 4)
			CHECK_EQ(tp->snd_cwnd, before);
		else
			CHECK_EQ(tp->snd_cwnd, 2 * per);
	}
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

/* RFC 2861 as Linux (tcp_cwnd_application_limited): a window the
 * application leaves unused for an RTO comes down halfway to what it used
 * (at least the initial window), and ssthresh keeps 3/4 of it; only with
 * net.ipv4.tcp_slow_start_after_idle, which governs both. */
TEST(a_window_the_application_leaves_unused_for_an_rto_decays_toward_what_it_used)
{
	for (int on = 1; on >= 0; on--) {
		struct tcpworld w;
		int c, s;
		static char buf[4 * 1448], in[4 * 1448];

		tw_make(&w, 13, NULL);
		CHECK_EQ(ut_sysctl_set(w.c, "net.ipv4.tcp_slow_start_after_idle", on), 0);
		rec_pair(&w, &rec_ops, &c, &s);
		send_all(&w, c, s, 300 * 1448);
		struct tcp_sock *tp = tw_tcp_sk(w.c, c);
		uint32_t cwnd = tp->snd_cwnd, rto = inet_csk((struct sock *)tp)->icsk_rto;
		CHECK(cwnd >= 4 * TCP_INIT_CWND);
		/* four segments every 50 ms (never idle for an RTO) for
		 * about 4.5 RTOs */
		for (uint64_t t = 0; t < (uint64_t)rto * 9 / 2; t += 50) {
			CHECK_EQ(ut_send(w.c, c, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
			tw_run(&w, 50 * MS);
			CHECK_EQ(ut_recv(w.s, s, in, sizeof(in), 0), (ssize_t)sizeof(in));
		}
		CHECK_EQ(rec.events[CA_EVENT_CWND_RESTART], 0);
		if (on) {
			/* four halvings of the distance to 10, give or take
			 * the one the last round falls on */
			uint32_t d = cwnd - TCP_INIT_CWND;
			CHECK(tp->snd_cwnd >= TCP_INIT_CWND + d / 32 &&
			      tp->snd_cwnd <= TCP_INIT_CWND + d / 8 + 1);
			CHECK(tp->snd_ssthresh >= cwnd * 3 / 4);
		} else {
			CHECK_EQ(tp->snd_cwnd, cwnd);
		}
		ut_close(w.c, c);
		ut_close(w.s, s);
		tw_done(&w);
	}
}

TEST(a_module_with_cong_control_sets_the_window_itself_from_the_rate_sample)
{
	struct tcpworld w;
	int c, s;

	tw_make(&w, 10, NULL);
	rec_pair(&w, &rec_control_ops, &c, &s);
	send_all(&w, c, s, 200 * 1448);
	CHECK(rec.cong_control > 0);
	CHECK_EQ(rec.cong_avoid, 0);
	CHECK_EQ(tw_tcp_sk(w.c, c)->snd_cwnd, 20);
	/* the samples it got: up to a window delivered per RTT (20 ms) */
	CHECK(rec.rs_delivered_max >= 10 && rec.rs_delivered_max <= 20);
	CHECK(rec.rs_interval_last >= 20000 && rec.rs_interval_last < 25000);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(fast_recovery_keeps_the_window_before_it_and_reno_undo_gives_it_back)
{
	struct tcpworld w;
	static char data[10 * 1448];
	int c, s, one = 1;

	tw_make(&w, 11, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(set_cc(w.c, c, "reno", 5), 0);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	ut_sim_link_set_up(w.link, false);
	CHECK_EQ(ut_send(w.c, c, data, sizeof(data), 0), (ssize_t)sizeof(data));
	tw_run(&w, 1 * MS);
	uint32_t una = tp->snd_una, mss = 1448;
	/* segments 1..9 SACKed: recovery with Reno's half */
	tw_inject_ack(&w, c, una, 0, &(struct ack_block){una + mss, una + 10 * mss}, 1);
	CHECK_EQ(inet_csk((struct sock *)tp)->icsk_ca_state, TCP_CA_Recovery);
	CHECK_EQ(tp->prior_cwnd, 10);
	CHECK_EQ(tp->snd_cwnd, 5);
	CHECK_EQ(tcp_reno_undo_cwnd((struct sock *)tp), 10);
	/* a window grown past it since is kept */
	tp->snd_cwnd = 12;
	CHECK_EQ(tcp_reno_undo_cwnd((struct sock *)tp), 12);
	tp->snd_cwnd = 5;
	tw_inject_ack(&w, c, una + 10 * mss, 0, NULL, 0);
	ut_sim_link_set_up(w.link, true);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(tcp_delivered_counts_each_segment_once_whether_sacked_first_or_acked)
{
	struct tcpworld w;
	static char data[10 * 1448];
	int c, s, one = 1;

	tw_make(&w, 12, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	uint64_t before = tw_counter(w.c, "TcpExt", "TCPDelivered");
	uint32_t delivered = tp->delivered;
	ut_sim_link_set_up(w.link, false);
	CHECK_EQ(ut_send(w.c, c, data, sizeof(data), 0), (ssize_t)sizeof(data));
	tw_run(&w, 1 * MS);
	uint32_t una = tp->snd_una, mss = 1448;
	/* 4..9 SACKed, then 0..1 ACKed, then everything */
	tw_inject_ack(&w, c, una, 0, &(struct ack_block){una + 4 * mss, una + 10 * mss}, 1);
	CHECK_EQ(tp->delivered - delivered, 6);
	tw_inject_ack(&w, c, una + 2 * mss, 0, &(struct ack_block){una + 4 * mss, una + 10 * mss},
		      1);
	CHECK_EQ(tp->delivered - delivered, 8);
	tw_inject_ack(&w, c, una + 10 * mss, 0, NULL, 0);
	CHECK_EQ(tp->delivered - delivered, 10);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPDelivered") - before, 10);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPDeliveredCE"), 0);
	ut_sim_link_set_up(w.link, true);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}
