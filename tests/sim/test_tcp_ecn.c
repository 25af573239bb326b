/* ECN (RFC 3168) as Linux runs it: negotiation in the handshake
 * (net.ipv4.tcp_ecn 0, 1, 2 on each side, SYN cookies, the fallback of a
 * resent SYN), ECT(0) on new data only, CE echoed with ECE until CWR, and
 * ECE answered by one window reduction per round (the CWR state) with CWR
 * on the next new data. What crossed the wire is read by an rx handler
 * (segwatch) on the receiving device, or from the senders' traces; peer
 * segments that no stack would send are written by hand. */
#include <string.h>

#include "net/inet_ecn.h"
#include "net/sock.h"
#include "net/tcp.h"
#include "segwatch.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080
#define ECN_FLAGS (TCPHDR_ECE | TCPHDR_CWR)

static struct segwatch at_server, at_client; /* what each received */

/* A world whose hosts have net.ipv4.tcp_ecn = cecn (client) and secn
 * (server), with both devices watched. */
static void make_world(struct tcpworld *w, uint64_t seed, long cecn, long secn)
{
	tw_make(w, seed, NULL);
	CHECK_EQ(ut_sysctl_set(w->c, "net.ipv4.tcp_ecn", cecn), 0);
	CHECK_EQ(ut_sysctl_set(w->s, "net.ipv4.tcp_ecn", secn), 0);
	segwatch_attach(&at_server, ut_sim_link_dev(w->link, 1));
	segwatch_attach(&at_client, ut_sim_link_dev(w->link, 0));
}

static void close_world(struct tcpworld *w, int c, int s)
{
	segwatch_detach(ut_sim_link_dev(w->link, 1));
	segwatch_detach(ut_sim_link_dev(w->link, 0));
	ut_close(w->c, c);
	ut_close(w->s, s);
	tw_done(w);
}

/* make_world and a connection: the client's tcp_sock. */
static struct tcp_sock *ecn_pair(struct tcpworld *w, uint64_t seed, long cecn, int *c, int *s)
{
	make_world(w, seed, cecn, 2);
	/* the window figures are Reno's halving (CUBIC's 0.7 has its tests) */
	CHECK_EQ(ut_sysctl_set_str(w->c, "net.ipv4.tcp_congestion_control", "reno"), 0);
	tw_pair(w, PORT, c, s);
	return tw_tcp_sk(w->c, *c);
}

/* The client writes n bytes while the link is down: what the windows let
 * out is lost, and the test plays the server's ACKs. */
static void send_blind(struct tcpworld *w, int c, const char *buf, size_t n)
{
	ut_sim_link_set_up(w->link, false);
	CHECK_EQ(ut_send(w->c, c, buf, n, 0), (ssize_t)n);
	/* The ACKs the test writes by hand come an RTT (20 ms) after the
	 * data, as real ones would: an ACK due at once would make the
	 * sender hold back the rest of a buffer for it
	 * (tcp_tso_should_defer), which no real path shows. */
	tw_run(w, 20 * MS);
}

/* ECN agreed on the connection: TCP_INFO says so (TCPI_OPT_ECN), and the
 * socket's flags agree. */
static bool ecn_ok(struct ut_stack *st, int fd)
{
	struct tcp_info info;
	socklen_t len = sizeof(info);
	bool ok = tw_tcp_sk(st, fd)->ecn_flags & TCP_ECN_OK;

	CHECK_EQ(ut_getsockopt(st, fd, IPPROTO_TCP, TCP_INFO, &info, &len), 0);
	CHECK_EQ(!!(info.tcpi_options & TCPI_OPT_ECN), ok);
	return ok;
}

/* The first segment a watch saw with (flags & mask) == want. */
static const struct seg_seen *first_seen(const struct segwatch *sw, uint8_t mask, uint8_t want)
{
	for (unsigned i = 0; i < sw->n && i < SEGWATCH_MAX; i++)
		if ((sw->seen[i].flags & mask) == want)
			return &sw->seen[i];
	CHECK(!"no such segment");
	return NULL;
}

/* Linux's rule, RFC 3168 6.1.1: the client asks (ECE and CWR on the SYN)
 * only with tcp_ecn=1; the server agrees (ECE alone on the SYN-ACK) with 1
 * or 2; both then hold TCP_ECN_OK. */
TEST(ecn_is_agreed_when_the_client_asks_and_the_server_accepts)
{
	for (long cecn = 0; cecn <= 2; cecn++) {
		for (long secn = 0; secn <= 2; secn++) {
			struct tcpworld w;
			int c, s;
			bool asks = cecn == 1, agreed = asks && secn != 0;

			make_world(&w, 11, cecn, secn);
			tw_pair(&w, PORT, &c, &s);
			const struct seg_seen *syn = first_seen(&at_server, TCPHDR_SYN, TCPHDR_SYN);
			const struct seg_seen *synack = first_seen(
				&at_client, TCPHDR_SYN | TCPHDR_ACK, TCPHDR_SYN | TCPHDR_ACK);
			CHECK_EQ(syn->flags & ECN_FLAGS, asks ? ECN_FLAGS : 0);
			CHECK_EQ(synack->flags & ECN_FLAGS, agreed ? TCPHDR_ECE : 0);
			/* a SYN and a SYN-ACK are never ECN-capable */
			CHECK_EQ(syn->tos & INET_ECN_MASK, INET_ECN_NOT_ECT);
			CHECK_EQ(synack->tos & INET_ECN_MASK, INET_ECN_NOT_ECT);
			CHECK_EQ(ecn_ok(w.c, c), agreed);
			CHECK_EQ(ecn_ok(w.s, s), agreed);
			close_world(&w, c, s);
		}
	}
}

/* A listener answering with SYN cookies keeps the agreement in the low bits
 * of its TSval (Linux's TS_OPT_ECN), which come back in the final ACK's
 * TSecr: the child created from the cookie has ECN when the SYN asked. */
TEST(a_syn_cookie_carries_the_ecn_agreement)
{
	for (long secn = 0; secn <= 1; secn++) {
		struct tcpworld w;
		int c, s;

		make_world(&w, 12, 1, secn);
		CHECK_EQ(ut_sysctl_set(w.s, "net.ipv4.tcp_syncookies", 2), 0);
		tw_pair(&w, PORT, &c, &s);
		CHECK_EQ(tw_counter(w.s, "TcpExt", "SyncookiesRecv"), 1);
		CHECK_EQ(ecn_ok(w.c, c), secn != 0);
		CHECK_EQ(ecn_ok(w.s, s), secn != 0);
		close_world(&w, c, s);
	}
}

/* A simultaneous open (RFC 9293 3.5): each side's SYN-ACK carries ECE
 * alone, and ECN holds only if both SYNs asked (Linux's tcp_ecn_rcv_syn
 * and tcp_ecn_send_synack). */
TEST(a_simultaneous_open_agrees_on_ecn_only_if_both_syns_ask)
{
	for (long secn = 1; secn <= 2; secn++) {
		struct tcpworld w;
		struct sockaddr_in ca = tw_addr(CLIENT_IP, 5000), sa = tw_addr(SERVER_IP, 6000);
		int a, b;

		make_world(&w, 21, 1, secn);
		a = ut_socket(w.c, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		b = ut_socket(w.s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		CHECK_EQ(ut_bind(w.c, a, (struct sockaddr *)&ca, sizeof(ca)), 0);
		CHECK_EQ(ut_bind(w.s, b, (struct sockaddr *)&sa, sizeof(sa)), 0);
		CHECK_EQ(ut_neigh_resolve(w.c, ut_ip_v4(sa.sin_addr.s_addr)), 0);
		CHECK_EQ(ut_neigh_resolve(w.s, ut_ip_v4(ca.sin_addr.s_addr)), 0);
		tw_run(&w, 1 * SEC);
		CHECK_EQ(ut_connect(w.c, a, (struct sockaddr *)&sa, sizeof(sa)), -1);
		CHECK_EQ(ut_connect(w.s, b, (struct sockaddr *)&ca, sizeof(ca)), -1);
		tw_run(&w, 1 * SEC);
		CHECK(tw_saw_state(&w, 0, TCP_SYN_RECV, TCP_ESTABLISHED));
		CHECK(tw_saw_state(&w, 1, TCP_SYN_RECV, TCP_ESTABLISHED));
		/* the SYN-ACKs: ECE alone when agreed, never CWR */
		CHECK_EQ(tw_segments(&w, 0, TCPHDR_SYN | TCPHDR_ACK | ECN_FLAGS,
				     TCPHDR_SYN | TCPHDR_ACK | (secn == 1 ? TCPHDR_ECE : 0)),
			 1);
		CHECK_EQ(ecn_ok(w.c, a), secn == 1);
		CHECK_EQ(ecn_ok(w.s, b), secn == 1);
		close_world(&w, a, b);
	}
}

static bool established(void *arg)
{
	struct tcpworld *w = arg;
	return tw_saw_state(w, 0, TCP_SYN_SENT, TCP_ESTABLISHED);
}

/* A SYN with ECE and CWR may be what a middlebox drops: the one resent
 * after a timeout goes without them (net.ipv4.tcp_ecn_fallback=1, Linux's
 * tcp_ecn_clear_syn), and the connection is made without ECN. With the
 * fallback off, every SYN asks. */
TEST(a_syn_resent_after_a_timeout_no_longer_asks_for_ecn)
{
	for (long fallback = 1; fallback >= 0; fallback--) {
		struct tcpworld w;
		int l, c, s;

		make_world(&w, 13, 1, 2);
		CHECK_EQ(ut_sysctl_set(w.c, "net.ipv4.tcp_ecn_fallback", fallback), 0);
		/* ARP first: a SYN held for it would be sent when it resolves */
		CHECK_EQ(ut_neigh_resolve(w.c, ut_ip_v4(tw_addr(SERVER_IP, 0).sin_addr.s_addr)), 0);
		tw_run(&w, 50 * MS);
		l = tw_listen(&w, PORT, 8);
		ut_sim_link_set_up(w.link, false);
		c = tw_connect_nb(&w, PORT);
		tw_run(&w, 1500 * MS); /* the first SYN is lost, one is resent */
		ut_sim_link_set_up(w.link, true);
		CHECK(tw_run_until(&w, established, &w, 10 * SEC));
		s = ut_accept(w.s, l, NULL, NULL);
		CHECK(s >= 0);
		CHECK_EQ(ut_close(w.s, l), 0);
		CHECK_EQ(tw_segments(&w, 0, TCPHDR_SYN | ECN_FLAGS, TCPHDR_SYN | ECN_FLAGS),
			 fallback ? 1 : tw_segments(&w, 0, TCPHDR_SYN, TCPHDR_SYN));
		CHECK(tw_segments(&w, 0, TCPHDR_SYN, TCPHDR_SYN) >= 2);
		CHECK_EQ(ecn_ok(w.c, c), !fallback);
		CHECK_EQ(ecn_ok(w.s, s), !fallback);
		close_world(&w, c, s);
	}
}

/* RFC 3168 6.1.2 and 6.1.5, Linux's tcp_ecn_send: new data goes ECT(0);
 * pure ACKs, the FIN without data and retransmissions go Not-ECT. The
 * application's IP_TOS keeps its own six bits on them all. */
TEST(only_new_data_is_sent_ect0)
{
	struct tcpworld w;
	int c, s, tos = 0x28;
	char data[3000] = {0}, in[8000];

	ecn_pair(&w, 14, 1, &c, &s);
	CHECK(ecn_ok(w.c, c));
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)), 0);
	at_server.n = 0;
	uint32_t top = tw_tcp_sk(w.c, c)->snd_nxt;
	CHECK_EQ(ut_send(w.c, c, data, sizeof(data), 0), (ssize_t)sizeof(data));
	tw_run(&w, 500 * MS);
	/* the last one lost: the retransmission goes Not-ECT */
	uint32_t lost = tw_tcp_sk(w.c, c)->snd_nxt;
	ut_sim_link_set_up(w.link, false);
	CHECK_EQ(ut_send(w.c, c, data, 1000, 0), 1000);
	tw_run(&w, 1 * MS);
	ut_sim_link_set_up(w.link, true);
	tw_run(&w, 2 * SEC);
	CHECK_EQ(ut_recv(w.s, s, in, sizeof(in), MSG_DONTWAIT), 4000);
	CHECK_EQ(ut_shutdown(w.c, c, SHUT_WR), 0);
	tw_run(&w, 500 * MS);

	unsigned data_segs = 0, retrans = 0, others = 0;
	for (unsigned i = 0; i < at_server.n; i++) {
		const struct seg_seen *g = &at_server.seen[i];
		if (g->len && g->seq != lost && after(g->seq + g->len, top)) {
			CHECK_EQ(g->tos, 0x28 | INET_ECN_ECT_0);
			data_segs++;
		} else {
			CHECK_EQ(g->tos, 0x28);
			if (g->len)
				retrans++;
			else
				others++;
		}
		if (after(g->seq + g->len, top))
			top = g->seq + g->len;
	}
	CHECK_EQ(data_segs, 3);
	CHECK_EQ(retrans, 1);
	CHECK(others >= 1); /* the FIN */
	/* the server's pure ACKs are Not-ECT too */
	for (unsigned i = 0; i < at_client.n; i++)
		CHECK_EQ(at_client.seen[i].tos & INET_ECN_MASK, INET_ECN_NOT_ECT);
	CHECK(tw_counter(w.s, "IpExt", "InECT0Pkts") >= 3);
	close_world(&w, c, s);
}

/* The receiver's side (RFC 3168 6.1.3): data arriving CE makes every ACK
 * carry ECE, ECT data without CE does not stop it, the sender's CWR does.
 * The client receives here, from segments written by hand. */
TEST(ce_is_echoed_with_ece_until_the_sender_says_cwr)
{
	struct tcpworld w;
	int c, s;
	char data[100] = {0};
	struct linger lg = {1, 0};
	static const struct {
		uint8_t tos, flags, ece; /* sent to the client; ECE on its ACK */
	} steps[] = {
		{INET_ECN_ECT_0, TCPHDR_ACK, 0},
		{INET_ECN_CE, TCPHDR_ACK, TCPHDR_ECE},
		{INET_ECN_ECT_0, TCPHDR_ACK, TCPHDR_ECE},
		{INET_ECN_ECT_0, TCPHDR_ACK | TCPHDR_CWR, 0},
		{INET_ECN_ECT_0, TCPHDR_ACK, 0},
	};

	struct tcp_sock *tp = ecn_pair(&w, 15, 1, &c, &s);
	for (unsigned i = 0; i < ARRAY_SIZE(steps); i++) {
		unsigned before_n = at_server.n;
		tw_inject_to_client_tos(&w, c, steps[i].tos, steps[i].flags, tp->rcv_nxt,
					tp->snd_nxt, data, sizeof(data), 0, 0);
		tw_run(&w, 20 * MS);
		/* each answered at once (quick ACKs), ECE as the step says */
		CHECK_EQ(at_server.n, before_n + 1);
		CHECK_EQ(at_server.seen[at_server.n - 1].flags & TCPHDR_ECE, steps[i].ece);
		CHECK_EQ(at_server.seen[at_server.n - 1].tos & INET_ECN_MASK, INET_ECN_NOT_ECT);
	}
	CHECK_EQ(tw_counter(w.c, "IpExt", "InCEPkts"), 1);
	CHECK(tw_counter(w.c, "IpExt", "InECT0Pkts") >= 4);
	struct tcp_info info;
	socklen_t len = sizeof(info);
	CHECK_EQ(ut_getsockopt(w.c, c, IPPROTO_TCP, TCP_INFO, &info, &len), 0);
	CHECK(info.tcpi_options & TCPI_OPT_ECN_SEEN);
	/* the client holds data the server never sent: end with a reset */
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close_world(&w, c, s);
}

/* An interactive connection delays its ACKs, but the first CE is ACKed at
 * once (Linux's quick-ACK mode on CE), and so is data carrying CWR: the
 * sender may be down to a window of one segment. */
TEST(ce_and_cwr_are_acked_at_once_even_when_acks_are_delayed)
{
	struct tcpworld w;
	int c, s;
	char data[100] = {0};
	struct linger lg = {1, 0};

	struct tcp_sock *tp = ecn_pair(&w, 20, 1, &c, &s);
	/* the first data received is always ACKed at once */
	tw_inject_to_client_tos(&w, c, INET_ECN_ECT_0, TCPHDR_ACK, tp->rcv_nxt, tp->snd_nxt, data,
				sizeof(data), 0, 0);
	tw_run(&w, 100 * MS);
	/* ECT data waits; CE, data with CWR (Linux's ICSK_ACK_NOW) and Not-ECT
	 * data after ECT data do not */
	static const struct {
		uint8_t tos, flags;
		unsigned at_once;
	} steps[] = {
		{INET_ECN_ECT_0, TCPHDR_ACK, 0},
		{INET_ECN_CE, TCPHDR_ACK, 1},
		{INET_ECN_ECT_0, TCPHDR_ACK | TCPHDR_CWR, 1},
		{INET_ECN_NOT_ECT, TCPHDR_ACK, 1}, /* after ECT: a retransmission */
	};
	for (unsigned i = 0; i < ARRAY_SIZE(steps); i++) {
		unsigned n = at_server.n;
		/* ACKs delayed to ride on data, the quick ones spent */
		tp->inet_conn.icsk_ack.pingpong = true;
		tp->inet_conn.icsk_ack.quick = 0;
		tw_inject_to_client_tos(&w, c, steps[i].tos, steps[i].flags, tp->rcv_nxt,
					tp->snd_nxt, data, sizeof(data), 0, 0);
		tw_run(&w, 20 * MS); /* the link's 10 ms, no more */
		CHECK_EQ(at_server.n, n + steps[i].at_once);
		tw_run(&w, 80 * MS); /* the delayed ACK's 40 ms */
		CHECK_EQ(at_server.n, n + 1);
	}
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close_world(&w, c, s);
}

/* Segments other than SYNs the client sent (from its trace) with CWR. */
static unsigned cwr_sent(const struct tcpworld *w)
{
	return tw_segments(w, 0, TCPHDR_CWR | TCPHDR_SYN, TCPHDR_CWR);
}

/* The sender's side (RFC 3168 6.1.2, Linux's tcp_enter_cwr): an ECE ACK
 * halves ssthresh (the module's ssthresh) and enters CWR, where cwnd comes
 * down as ACKs arrive (PRR); more ECE in the same round changes nothing;
 * the next new segment carries CWR; the round over, CWR ends with cwnd at
 * ssthresh, and a new ECE reduces again. The server's ACKs are written by
 * hand, the link being down. */
TEST(ece_reduces_the_window_once_per_round_and_cwr_is_sent)
{
	struct tcpworld w;
	int c, s;
	static char data[20 * 1448];

	struct tcp_sock *tp = ecn_pair(&w, 16, 1, &c, &s);
	const uint8_t *ca_state = &tp->inet_conn.icsk_ca_state;
	CHECK(ecn_ok(w.c, c));
	send_blind(&w, c, data, sizeof(data));
	CHECK_EQ(tp->packets_out, 10);
	CHECK_EQ(tp->snd_cwnd, 10);
	uint32_t una = tp->snd_una, mss = tp->mss_cache, rcv = tp->rcv_nxt;
	CHECK_EQ(cwr_sent(&w), 0);

	/* ECE on the ACK of segment 1: CWR, ssthresh 5, one new segment
	 * (PRR: 5/10 of one delivered, rounded up) which carries CWR */
	tw_inject_to_client(&w, c, TCPHDR_ACK | TCPHDR_ECE, rcv, una + mss, NULL, 0, 0, 0);
	CHECK_EQ(*ca_state, TCP_CA_CWR);
	CHECK_EQ(tp->snd_ssthresh, 5);
	CHECK_EQ(tp->prior_cwnd, 10);
	CHECK_EQ(tp->high_seq, una + 10 * mss);
	CHECK_EQ(cwr_sent(&w), 1);
	CHECK_EQ(tp->packets_out, 10);

	/* ECE again within the round: no second reduction, no second CWR */
	for (uint32_t k = 2; k <= 9; k++)
		tw_inject_to_client(&w, c, TCPHDR_ACK | TCPHDR_ECE, rcv, una + k * mss, NULL, 0, 0,
				    0);
	CHECK_EQ(*ca_state, TCP_CA_CWR);
	CHECK_EQ(tp->snd_ssthresh, 5);
	CHECK_EQ(cwr_sent(&w), 1);
	/* cwnd came down with the deliveries (PRR): 4 new segments sent
	 * for 9 delivered, and cwnd reached ssthresh */
	CHECK_EQ(tp->prr_out, 4);
	CHECK_EQ(tp->snd_cwnd, 5);

	/* past high_seq (strictly): CWR ends, cwnd = ssthresh */
	tw_inject_to_client(&w, c, TCPHDR_ACK, rcv, una + 11 * mss, NULL, 0, 0, 0);
	CHECK_EQ(*ca_state, TCP_CA_Open);
	CHECK_EQ(tp->snd_cwnd, 5);

	/* a new round's ECE reduces again, an RTT after its data left */
	tw_run(&w, 20 * MS);
	tw_inject_to_client(&w, c, TCPHDR_ACK | TCPHDR_ECE, rcv, una + 12 * mss, NULL, 0, 0, 0);
	CHECK_EQ(*ca_state, TCP_CA_CWR);
	CHECK_EQ(tp->snd_ssthresh, 2);
	CHECK_EQ(cwr_sent(&w), 2);

	/* the server never got any of it: the connection ends in resets */
	ut_sim_link_set_up(w.link, true);
	close_world(&w, c, s);
}

/* Without ECN agreed, ECE on an ACK means nothing (RFC 3168 6.1.1). */
TEST(ece_is_ignored_on_a_connection_without_ecn)
{
	struct tcpworld w;
	int c, s;
	static char data[10 * 1448];

	struct tcp_sock *tp = ecn_pair(&w, 17, 2, &c, &s);
	CHECK(!ecn_ok(w.c, c));
	send_blind(&w, c, data, sizeof(data));
	tw_inject_to_client(&w, c, TCPHDR_ACK | TCPHDR_ECE, tp->rcv_nxt, tp->snd_una + 1448, NULL,
			    0, 0, 0);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Open);
	CHECK_EQ(tp->snd_ssthresh, TCP_INFINITE_SSTHRESH);
	ut_sim_link_set_up(w.link, true);
	close_world(&w, c, s);
}

/* A congestion module that needs ECN (TCP_CONG_NEEDS_ECN, as DCTCP): it
 * hears CA_EVENT_ECN_IS_CE and CA_EVENT_ECN_NO_CE for the data received,
 * CA_ACK_ECE through in_ack_event, CA_EVENT_COMPLETE_CWR when a reduction
 * ends, and its connection sends even its ACKs ECN-capable. */
static struct {
	unsigned events[8];
	unsigned acks, ece_acks;
} heard;

static void rec_cwnd_event(struct sock *sk, enum tcp_ca_event ev)
{
	(void)sk;
	heard.events[ev]++;
}

static void rec_in_ack_event(struct sock *sk, uint32_t flags)
{
	(void)sk;
	heard.acks++;
	if (flags & CA_ACK_ECE)
		heard.ece_acks++;
}

static const struct tcp_congestion_ops needs_ecn = {
	.name = "needs_ecn",
	.flags = TCP_CONG_NEEDS_ECN,
	.ssthresh = tcp_reno_ssthresh,
	.cong_avoid = tcp_reno_cong_avoid,
	.cwnd_event = rec_cwnd_event,
	.in_ack_event = rec_in_ack_event,
};

TEST(a_module_that_needs_ecn_hears_ce_ece_and_the_end_of_cwr)
{
	struct tcpworld w;
	int c, s;
	char data[100] = {0};
	static char out[12 * 1448];
	struct linger lg = {1, 0};

	memset(&heard, 0, sizeof(heard));
	struct tcp_sock *tp = ecn_pair(&w, 18, 1, &c, &s);
	/* as Linux's tcp_reinit_congestion_control does for such a module */
	tp->inet_conn.icsk_ca_ops = &needs_ecn;
	INET_ECN_xmit(&tp->inet_conn.icsk_inet);

	tw_inject_to_client_tos(&w, c, INET_ECN_CE, TCPHDR_ACK, tp->rcv_nxt, tp->snd_nxt, data,
				sizeof(data), 0, 0);
	tw_inject_to_client_tos(&w, c, INET_ECN_ECT_0, TCPHDR_ACK, tp->rcv_nxt, tp->snd_nxt, data,
				sizeof(data), 0, 0);
	tw_run(&w, 20 * MS);
	CHECK_EQ(heard.events[CA_EVENT_ECN_IS_CE], 1);
	CHECK_EQ(heard.events[CA_EVENT_ECN_NO_CE], 1);
	/* its pure ACKs went ECN-capable */
	CHECK(at_server.n >= 2);
	CHECK_EQ(at_server.seen[at_server.n - 1].len, 0);
	CHECK_EQ(at_server.seen[at_server.n - 1].tos & INET_ECN_MASK, INET_ECN_ECT_0);

	send_blind(&w, c, out, sizeof(out));
	uint32_t una = tp->snd_una;
	unsigned acks = heard.acks;
	tw_inject_to_client(&w, c, TCPHDR_ACK | TCPHDR_ECE, tp->rcv_nxt, una + 1448, NULL, 0, 0, 0);
	CHECK_EQ(heard.acks, acks + 1);
	CHECK_EQ(heard.ece_acks, 1);
	CHECK_EQ(heard.events[CA_EVENT_COMPLETE_CWR], 0);
	tw_inject_to_client(&w, c, TCPHDR_ACK, tp->rcv_nxt, tp->snd_nxt, NULL, 0, 0, 0);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Open);
	CHECK_EQ(heard.events[CA_EVENT_COMPLETE_CWR], 1);
	ut_sim_link_set_up(w.link, true);
	tp->inet_conn.icsk_ca_ops = &tcp_reno;
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close_world(&w, c, s);
}

/* End to end: a bottleneck that marks instead of dropping (a step marker at
 * 20 frames queued, and netem's ecn on 1% loss) carries a transfer without
 * a single retransmission, the sender reducing its window for the marks. */
TEST(a_marking_path_slows_the_sender_without_a_retransmission)
{
	struct tcpworld w;
	struct ut_link_params lp;
	enum { N = 1000 * 1000 };
	static char out[N], in[N];
	int c, s;

	for (size_t i = 0; i < N; i++)
		out[i] = (char)(i * 13 + i / 257);
	ecn_pair(&w, 19, 1, &c, &s);
	ut_link_params_init(&lp);
	lp.delay_ns = 10 * MS;
	lp.rate_bps = 10 * 1000 * 1000;
	lp.ce_threshold = 20;
	lp.loss = 0.01;
	lp.ecn = true;
	CHECK_EQ(ut_sim_link_set_params(w.link, 0, &lp), 0);
	CHECK_EQ(tw_transfer(&w, c, s, out, in, N, NULL, 60 * SEC, NULL, NULL), N);
	CHECK_MEM_EQ(out, in, N);
	struct ut_link_stats st;
	ut_sim_link_get_stats(w.link, 0, &st);
	CHECK(st.ce_marked > 0);
	CHECK_EQ(st.lost + st.queue_drops, 0);
	CHECK_EQ(tw_counter(w.s, "IpExt", "InCEPkts"), st.ce_marked);
	CHECK_EQ(tw_counter(w.c, "Tcp", "RetransSegs"), 0);
	CHECK(cwr_sent(&w) > 0);
	CHECK(tw_segments(&w, 1, TCPHDR_ECE, TCPHDR_ECE) > 0);
	close_world(&w, c, s);
}
