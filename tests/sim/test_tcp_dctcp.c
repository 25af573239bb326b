/* DCTCP (RFC 8257) as Linux's tcp_dctcp runs it, on simulated links that
 * mark CE: netem's ecn with a loss probability (a fixed fraction of the
 * data marked) or its step marker over a queue threshold (DCTCP's K).
 * Watched through TCP_CC_INFO (struct ut_tcp_dctcp_info: alpha, the CE
 * state) and the tcp:tcp_cong_state_set trace, where each window
 * reduction shows cwnd before it and the ssthresh DCTCP chose. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/inet_ecn.h"
#include "net/sock.h"
#include "net/tcp.h"
#include "segwatch.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080
#define BUF (256 * 1024)
#define S (1000 * MS)

static int set_cc(struct ut_stack *st, int fd, const char *name)
{
	return ut_setsockopt(st, fd, IPPROTO_TCP, TCP_CONGESTION, name, (socklen_t)strlen(name)) ==
			       0
		       ? 0
		       : -errno;
}

static struct ut_tcp_dctcp_info dctcp_info(struct ut_stack *st, int fd)
{
	union ut_tcp_cc_info info;
	socklen_t len = sizeof(info);

	memset(&info, 0xff, sizeof(info));
	CHECK_EQ(ut_getsockopt(st, fd, IPPROTO_TCP, TCP_CC_INFO, &info, &len), 0);
	CHECK_EQ(len, sizeof(struct ut_tcp_dctcp_info));
	return info.dctcp;
}

static void cc_name_is(struct ut_stack *st, int fd, const char *want)
{
	char name[TCP_CA_NAME_MAX];
	socklen_t len = sizeof(name);

	CHECK_EQ(ut_getsockopt(st, fd, IPPROTO_TCP, TCP_CONGESTION, name, &len), 0);
	CHECK_EQ(strcmp(name, want), 0);
}

/* A path of rate and one-way delay both ways, dctcp the default on both
 * hosts (which also allows it), the client's tcp_ecn off: DCTCP asks for
 * ECN by itself. A blocking pair made non-blocking for the bulk flow. */
static void dctcp_path(struct tcpworld *w, uint64_t seed, uint64_t rate, uint64_t delay, int *c,
		       int *s)
{
	struct ut_link_params lp;

	ut_link_params_init(&lp);
	lp.rate_bps = rate;
	lp.delay_ns = delay;
	tw_make(w, seed, &lp);
	ut_trace_set(w->c, NULL, NULL);
	ut_trace_set(w->s, NULL, NULL);
	CHECK_EQ(ut_sysctl_set(w->c, "net.ipv4.tcp_ecn", 0), 0);
	CHECK_EQ(ut_sysctl_set_str(w->c, "net.ipv4.tcp_congestion_control", "dctcp"), 0);
	CHECK_EQ(ut_sysctl_set_str(w->s, "net.ipv4.tcp_congestion_control", "dctcp"), 0);
	tw_pair(w, PORT, c, s);
	CHECK_EQ(ut_fcntl(w->c, *c, F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(ut_fcntl(w->s, *s, F_SETFL, O_NONBLOCK), 0);
}

/* The data direction of dctcp_path's link starts marking CE: a random
 * fraction (netem's ecn with loss) and/or past k frames queued. */
static void mark_data(struct tcpworld *w, double fraction, unsigned k)
{
	struct ut_link_params lp;

	ut_link_params_init(&lp);
	lp.rate_bps = 20000000;
	lp.delay_ns = 5 * MS;
	lp.loss = fraction;
	lp.ecn = true;
	lp.ce_threshold = k;
	CHECK_EQ(ut_sim_link_set_params(w->link, 0, &lp), 0);
}

/* dt of a bulk transfer from the client, in 1 ms steps. */
static void bulk(struct tcpworld *w, int c, int s, char *buf, uint64_t dt,
		 void (*each)(struct tcpworld *w, int c, void *arg), void *arg)
{
	for (uint64_t t = 0; t < dt; t += MS) {
		while (ut_send(w->c, c, buf, BUF, 0) > 0)
			;
		while (ut_recv(w->s, s, buf, BUF, 0) > 0)
			;
		tw_run(w, MS);
		if (each)
			each(w, c, arg);
	}
}

TEST(dctcp_is_available_but_restricted_so_an_unprivileged_socket_gets_eperm_until_allowed)
{
	struct tcpworld w;
	char buf[64];
	int fd;

	tw_make(&w, 1, NULL);
	CHECK_EQ(ut_sysctl_get_str(w.c, "net.ipv4.tcp_available_congestion_control", buf,
				   sizeof(buf)),
		 0);
	CHECK_EQ(strcmp(buf, "reno cubic bbr dctcp"), 0);
	/* Linux's dctcp carries no TCP_CONG_NON_RESTRICTED */
	CHECK_EQ(ut_sysctl_get_str(w.c, "net.ipv4.tcp_allowed_congestion_control", buf,
				   sizeof(buf)),
		 0);
	CHECK_EQ(strcmp(buf, "reno cubic bbr"), 0);
	fd = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0);
	CHECK_EQ(set_cc(w.c, fd, "dctcp"), -EPERM);
	cc_name_is(w.c, fd, "cubic");
	/* the fallback's name is no module anyone may ask for */
	CHECK_EQ(set_cc(w.c, fd, "dctcp-reno"), -ENOENT);
	CHECK_EQ(ut_sysctl_set_str(w.c, "net.ipv4.tcp_allowed_congestion_control", "reno dctcp"),
		 0);
	CHECK_EQ(set_cc(w.c, fd, "dctcp"), 0);
	cc_name_is(w.c, fd, "dctcp");
	ut_close(w.c, fd);
	tw_done(&w);
}

static struct segwatch at_server;

/* With net.ipv4.tcp_ecn 0, a dctcp socket still asks for ECN, and sends
 * its SYN ECT(0) (Linux's tcp_ecn_send_syn for TCP_CONG_NEEDS_ECN); a
 * dctcp peer agreeing, DCTCP runs with alpha at 1024 (dctcp_alpha_on_init). */
TEST(dctcp_asks_for_ecn_whatever_tcp_ecn_says_and_starts_with_alpha_1024)
{
	struct tcpworld w;
	struct ut_tcp_dctcp_info di;
	int c, s;

	tw_make(&w, 2, NULL);
	CHECK_EQ(ut_sysctl_set(w.c, "net.ipv4.tcp_ecn", 0), 0);
	CHECK_EQ(ut_sysctl_set_str(w.c, "net.ipv4.tcp_congestion_control", "dctcp"), 0);
	/* Linux's listener takes an ECT SYN for a middlebox's doing and
	 * refuses ECN unless its own module needs ECN too */
	CHECK_EQ(ut_sysctl_set_str(w.s, "net.ipv4.tcp_congestion_control", "dctcp"), 0);
	segwatch_attach(&at_server, ut_sim_link_dev(w.link, 1));
	tw_pair(&w, PORT, &c, &s);
	CHECK(at_server.n >= 2);
	CHECK_EQ(at_server.seen[0].flags & (TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR),
		 TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR);
	CHECK_EQ(at_server.seen[0].tos & INET_ECN_MASK, INET_ECN_ECT_0);
	CHECK(tw_tcp_sk(w.c, c)->ecn_flags & TCP_ECN_OK);
	cc_name_is(w.c, c, "dctcp");
	di = dctcp_info(w.c, c);
	CHECK_EQ(di.dctcp_enabled, 1);
	CHECK_EQ(di.dctcp_alpha, 1024);
	CHECK_EQ(di.dctcp_ce_state, 0);
	segwatch_detach(ut_sim_link_dev(w.link, 1));
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

/* The peer does not agree to ECN (tcp_ecn 0 on the server): the
 * connection runs Reno as "dctcp-reno", reports DCTCP off, and stops
 * sending ECT (Linux's dctcp_init). */
TEST(dctcp_falls_back_to_dctcp_reno_when_the_peer_refuses_ecn)
{
	struct tcpworld w;
	struct ut_tcp_dctcp_info di;
	char buf[4000] = {0}, in[4000];
	unsigned ect = 0;
	int c, s;

	tw_make(&w, 3, NULL);
	CHECK_EQ(ut_sysctl_set(w.s, "net.ipv4.tcp_ecn", 0), 0);
	CHECK_EQ(ut_sysctl_set_str(w.c, "net.ipv4.tcp_congestion_control", "dctcp"), 0);
	segwatch_attach(&at_server, ut_sim_link_dev(w.link, 1));
	tw_pair(&w, PORT, &c, &s);
	CHECK(!(tw_tcp_sk(w.c, c)->ecn_flags & TCP_ECN_OK));
	cc_name_is(w.c, c, "dctcp-reno");
	di = dctcp_info(w.c, c);
	CHECK_EQ(di.dctcp_enabled, 0);
	CHECK_EQ(di.dctcp_alpha, 0);
	CHECK_EQ(tw_transfer(&w, c, s, buf, in, sizeof(buf), NULL, 1 * S, NULL, NULL), sizeof(buf));
	/* the SYN went ECT; nothing after it */
	for (unsigned i = 1; i < at_server.n; i++)
		ect += (at_server.seen[i].tos & INET_ECN_MASK) != INET_ECN_NOT_ECT;
	CHECK_EQ(ect, 0);
	CHECK_EQ(at_server.seen[0].tos & INET_ECN_MASK, INET_ECN_ECT_0);
	/* Reno's halving on a reduction */
	CHECK_EQ(inet_csk((struct sock *)tw_tcp_sk(w.c, c))
			 ->icsk_ca_ops->ssthresh((struct sock *)tw_tcp_sk(w.c, c)),
		 MAX(tw_tcp_sk(w.c, c)->snd_cwnd / 2, 2u));
	segwatch_detach(ut_sim_link_dev(w.link, 1));
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

struct alpha_avg {
	uint64_t sum, n, from;
	uint64_t t;
};

static void sample_alpha(struct tcpworld *w, int c, void *arg)
{
	struct alpha_avg *a = arg;

	if (a->t++ >= a->from) {
		a->sum += dctcp_info(w->c, c).dctcp_alpha;
		a->n++;
	}
}

/* A quarter of the data marked CE at random: alpha, the moving average of
 * the marked fraction, settles at a quarter of 1024, although the
 * receiver delays its ACKs: its CE state machine ACKs each change of CE at
 * once, so ECE covers exactly the marked segments (RFC 8257 3.2). */
TEST(dctcp_alpha_converges_to_the_fraction_of_segments_marked_ce)
{
	struct tcpworld w;
	struct alpha_avg a = {.from = 2000};
	struct ut_link_stats st;
	char *buf = calloc(1, BUF);
	struct tcp_sock *tp;
	double alpha, frac;
	int c, s;

	CHECK(buf);
	dctcp_path(&w, 4, 20000000, 5 * MS, &c, &s);
	tp = tw_tcp_sk(w.c, c);
	mark_data(&w, 0.25, 0);
	bulk(&w, c, s, buf, 5 * S, sample_alpha, &a);
	ut_sim_link_get_stats(w.link, 0, &st);
	alpha = (double)a.sum / (double)a.n;
	frac = (double)tp->delivered_ce / tp->delivered;
	printf("    alpha %.1f/1024 over the last 3 s; %llu segments marked on the link, %u of %u "
	       "delivered with ECE\n",
	       alpha, (unsigned long long)st.ce_marked, tp->delivered_ce, tp->delivered);
	/* every mark echoed, none twice (a mark on a retransmission of a
	 * marked segment would be the one excuse: there is no loss here) */
	CHECK_NEAR((double)tp->delivered_ce, (double)st.ce_marked, 0.01 * st.ce_marked + 2);
	CHECK_NEAR(alpha, 256, 40);
	CHECK_NEAR(frac, 0.25, 0.04);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPDeliveredCE"), tp->delivered_ce);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
	free(buf);
}

struct cuts {
	struct tcp_sock *tp;
	unsigned n, exact;
	double frac_sum;
};

/* Each entry to CWR: DCTCP's ssthresh against cwnd and alpha (the trace
 * fires after ssthresh was chosen, before PRR lowers cwnd). */
static void watch_cuts(const struct ut_trace_event *ev, void *arg)
{
	struct cuts *k = arg;
	struct sock *sk = (struct sock *)k->tp;
	union ut_tcp_cc_info info;
	uint32_t want;

	if (ev->type != UT_TP_TCP_CONG_STATE_SET || ev->newstate != TCP_CA_CWR)
		return;
	inet_csk(sk)->icsk_ca_ops->get_info(sk, &info);
	want = MAX(ev->cwnd - ((ev->cwnd * info.dctcp.dctcp_alpha) >> 11), 2u);
	k->n++;
	k->exact += ev->ssthresh == want;
	k->frac_sum += (double)ev->ssthresh / ev->cwnd;
}

/* A 20 Mbit/s bottleneck that marks CE past 20 frames queued (the step
 * marker, DCTCP's K): the window is cut once per marked round, by
 * cwnd * alpha / 2 (RFC 8257 3.3), far less than Reno's half once alpha
 * has fallen to the fraction the queue marks. */
TEST(dctcp_cuts_cwnd_in_proportion_to_alpha_on_a_step_marking_queue)
{
	struct tcpworld w;
	char *buf = calloc(1, BUF);
	struct cuts k = {0};
	struct ut_tcp_dctcp_info di;
	int c, s;

	CHECK(buf);
	dctcp_path(&w, 5, 20000000, 5 * MS, &c, &s);
	k.tp = tw_tcp_sk(w.c, c);
	mark_data(&w, 0, 20);
	bulk(&w, c, s, buf, 2 * S, NULL, NULL);
	ut_trace_set(w.c, watch_cuts, &k);
	bulk(&w, c, s, buf, 3 * S, NULL, NULL);
	ut_trace_set(w.c, NULL, NULL);
	di = dctcp_info(w.c, c);
	printf("    %u reductions, %u as cwnd * (1 - alpha/2), ssthresh/cwnd %.2f on average, "
	       "alpha %u\n",
	       k.n, k.exact, k.frac_sum / k.n, di.dctcp_alpha);
	CHECK(k.n >= 20);
	CHECK_EQ(k.exact, k.n);
	CHECK(k.frac_sum / k.n > 0.75);
	CHECK(di.dctcp_alpha < 400);
	/* no loss: the marks kept the queue short */
	CHECK_EQ(k.tp->total_retrans, 0);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
	free(buf);
}

/* A retransmission timeout halves ssthresh whatever alpha says
 * (dctcp_react_to_loss on CA_EVENT_LOSS, RFC 8257 3.5), and the
 * reduction can be undone to the window before it. */
TEST(dctcp_reacts_to_a_timeout_as_reno_not_by_alpha)
{
	struct tcpworld w;
	char *buf = calloc(1, BUF);
	struct tcp_sock *tp;
	struct ut_tcp_dctcp_info di;
	uint32_t cwnd;
	int c, s;

	CHECK(buf);
	dctcp_path(&w, 6, 20000000, 5 * MS, &c, &s);
	tp = tw_tcp_sk(w.c, c);
	mark_data(&w, 0, 20);
	bulk(&w, c, s, buf, 2 * S, NULL, NULL);
	di = dctcp_info(w.c, c);
	CHECK(di.dctcp_alpha < 400);
	/* a timeout in CWR keeps the ssthresh of that reduction (Linux's
	 * tcp_enter_loss): start from Open */
	while (inet_csk((struct sock *)tp)->icsk_ca_state != TCP_CA_Open)
		tw_run(&w, MS);
	/* the link goes down: the next thing to happen is the RTO */
	ut_sim_link_set_up(w.link, false);
	while (ut_send(w.c, c, buf, BUF, 0) > 0)
		;
	/* the ACKs already on their way arrive (and may grow cwnd) before
	 * the timeout, which is far later */
	tw_run(&w, 30 * MS);
	cwnd = tp->snd_cwnd;
	while (inet_csk((struct sock *)tp)->icsk_ca_state != TCP_CA_Loss)
		tw_run(&w, MS);
	CHECK_EQ(tp->snd_ssthresh, MAX(cwnd / 2, 2u));
	/* the window DCTCP would restore is the one before the timeout */
	CHECK_EQ(inet_csk((struct sock *)tp)->icsk_ca_ops->undo_cwnd((struct sock *)tp), cwnd);
	ut_sim_link_set_up(w.link, true);
	bulk(&w, c, s, buf, 1 * S, NULL, NULL);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
	free(buf);
}
