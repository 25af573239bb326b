/* tcp:tcp_probe as Linux fires it: from tcp_rcv_established, for every
 * segment an established socket receives, before it is processed, with
 * Linux's fields (addresses and ports, family, mark, the payload length,
 * the sender's snd_nxt, snd_una, cwnd, ssthresh, snd_wnd, srtt, the
 * receive window, the socket's cookie and address). Watched with a
 * handler of the test's own on each stack. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/sock.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080
#define MAXP 4096

struct probe_log {
	struct ut_trace_event ev[MAXP];
	uint32_t ack_before[MAXP]; /* ack_seq of the segment it reports */
	unsigned n;
	uint32_t last_ack; /* of the last segment received */
	bool last_ack_valid;
	unsigned ca_changes; /* tcp_cong_state_set events */
	struct ut_trace_event last_ca;
};

static void record(const struct ut_trace_event *ev, void *arg)
{
	struct probe_log *l = arg;

	if (ev->type == UT_TP_SEGMENT_RECV) {
		l->last_ack = ev->ack_seq;
		l->last_ack_valid = true;
	} else if (ev->type == UT_TP_TCP_PROBE && l->n < MAXP) {
		CHECK(l->last_ack_valid);
		l->ack_before[l->n] = l->last_ack;
		l->ev[l->n++] = *ev;
	} else if (ev->type == UT_TP_TCP_CONG_STATE_SET) {
		l->ca_changes++;
		l->last_ca = *ev;
	}
}

static struct ut_tcp_info info_of(struct ut_stack *st, int fd)
{
	struct ut_tcp_info ti;
	socklen_t len = sizeof(ti);

	CHECK_EQ(ut_getsockopt(st, fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	return ti;
}

static struct probe_log at_c, at_s;

/* A transfer of 50 segments: the server reports each segment it receives
 * (its length in data_len), the client each ACK; both show the state the
 * segment found, so an ACK's event shows snd_una still below its ack. */
TEST(tcp_probe_reports_every_segment_an_established_socket_receives_before_processing_it)
{
	struct tcpworld w;
	const size_t n = 50 * 1448;
	char *out = calloc(1, n), *in = calloc(1, n);
	struct ut_tcp_info ci, si;
	uint64_t data = 0;
	unsigned advanced = 0;
	struct tcp_sock *ctp;
	int c, s;

	CHECK(out && in);
	memset(&at_c, 0, sizeof(at_c));
	memset(&at_s, 0, sizeof(at_s));
	tw_make(&w, 1, NULL);
	tw_gro_off(&w); /* tcp_probe fires per packet: one per segment here */
	tw_pair(&w, PORT, &c, &s);
	ctp = tw_tcp_sk(w.c, c);
	ut_trace_set(w.c, record, &at_c);
	ut_trace_set(w.s, record, &at_s);
	CHECK_EQ(tw_transfer(&w, c, s, out, in, n, NULL, 5000 * MS, NULL, NULL), n);
	tw_run(&w, 300 * MS);
	ci = info_of(w.c, c);
	si = info_of(w.s, s);
	ut_trace_set(w.c, NULL, NULL);
	ut_trace_set(w.s, NULL, NULL);

	/* one event a segment: the handshake's segments went before the
	 * handler (the client's SYN-ACK, the server's SYN and final ACK) */
	CHECK_EQ(at_s.n, si.tcpi_segs_in - 2);
	CHECK_EQ(at_c.n, ci.tcpi_segs_in - 1);
	for (unsigned i = 0; i < at_s.n; i++) {
		const struct ut_trace_event *e = &at_s.ev[i];
		CHECK_EQ(e->family, AF_INET);
		CHECK_EQ(e->mark, 0);
		CHECK_IP_EQ(e->saddr, ipaddr(SERVER_IP));
		CHECK_IP_EQ(e->daddr, ipaddr(CLIENT_IP));
		CHECK_EQ(e->sport, PORT);
		CHECK_EQ(e->newstate, TCP_ESTABLISHED);
		CHECK(e->sock_cookie != 0);
		CHECK_EQ(e->sock_cookie, at_s.ev[0].sock_cookie);
		CHECK(e->skaddr == (const void *)tw_tcp_sk(w.s, s));
		data += e->data_len;
	}
	CHECK_EQ(data, n);
	/* the client's events: its ACKs, data_len 0, and the state before
	 * each: snd_una is the previous ACK's, below this one's when it
	 * acknowledges new data */
	for (unsigned i = 0; i < at_c.n; i++) {
		const struct ut_trace_event *e = &at_c.ev[i];
		CHECK_EQ(e->data_len, 0);
		CHECK_EQ(e->sport, ((struct sock *)ctp)->sk_num);
		if (after(at_c.ack_before[i], e->snd_una))
			advanced++;
		if (i)
			CHECK_EQ(e->snd_una, at_c.ack_before[i - 1]);
		CHECK(!after(e->snd_una, e->snd_nxt));
		CHECK(e->cwnd >= TCP_INIT_CWND);
		CHECK(e->snd_wnd > 0);
		CHECK(e->srtt_us > 0);
		CHECK(e->rcv_wnd > 0);
	}
	CHECK(advanced > 10);
	CHECK(at_c.ev[0].sock_cookie != 0);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
	free(out);
	free(in);
}

/* Each socket has its own cookie, never reused within the stack; segments
 * that reach a socket in another state (SYN_SENT, the FIN_WAITs ...) are
 * not reported, as Linux reports only in tcp_rcv_established. */
TEST(tcp_probe_cookies_are_per_socket_and_only_established_sockets_report)
{
	struct tcpworld w;
	int c1, s1, c2, s2;
	uint64_t k1, k2;

	memset(&at_c, 0, sizeof(at_c));
	tw_make(&w, 2, NULL);
	ut_trace_set(w.c, record, &at_c);
	tw_pair(&w, PORT, &c1, &s1);
	CHECK_EQ(at_c.n, 0); /* the SYN-ACK found SYN_SENT */
	CHECK_EQ(ut_send(w.s, s1, "x", 1, 0), 1);
	tw_run(&w, 100 * MS);
	CHECK_EQ(at_c.n, 1);
	CHECK_EQ(at_c.ev[0].data_len, 1);
	k1 = at_c.ev[0].sock_cookie;
	tw_pair(&w, PORT + 1, &c2, &s2);
	CHECK_EQ(ut_send(w.s, s2, "y", 1, 0), 1);
	tw_run(&w, 100 * MS);
	CHECK_EQ(at_c.n, 2);
	k2 = at_c.ev[1].sock_cookie;
	CHECK(k1 != 0 && k2 != 0 && k1 != k2);
	/* the client closes first: what arrives in FIN_WAIT1/2 is no probe */
	ut_close(w.c, c1);
	tw_run(&w, 100 * MS);
	ut_close(w.s, s1);
	tw_run(&w, 100 * MS);
	CHECK_EQ(at_c.n, 2);
	ut_trace_set(w.c, NULL, NULL);
	ut_close(w.c, c2);
	ut_close(w.s, s2);
	tw_done(&w);
}

/* tcp:tcp_cong_state_set tells each change of the congestion state with
 * cwnd and ssthresh: a timeout moves Open to Loss. */
TEST(tcp_cong_state_set_reports_a_timeout_as_open_to_loss)
{
	struct tcpworld w;
	char buf[4 * 1448] = {0};
	int c, s;

	memset(&at_c, 0, sizeof(at_c));
	tw_make(&w, 3, NULL);
	tw_pair(&w, PORT, &c, &s);
	ut_trace_set(w.c, record, &at_c);
	ut_sim_link_set_up(w.link, false);
	CHECK_EQ(ut_send(w.c, c, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	tw_run(&w, 500 * MS);
	CHECK_EQ(at_c.ca_changes, 1);
	CHECK_EQ(at_c.last_ca.oldstate, TCP_CA_Open);
	CHECK_EQ(at_c.last_ca.newstate, TCP_CA_Loss);
	/* CUBIC's ssthresh for the window of 10 the timeout found; cwnd is
	 * down to one already, as Linux's tcp_enter_loss sets it first */
	CHECK_EQ(at_c.last_ca.cwnd, 1);
	CHECK_EQ(at_c.last_ca.ssthresh, TCP_INIT_CWND * 717 / 1024);
	CHECK_EQ(at_c.last_ca.ssthresh, tw_tcp_sk(w.c, c)->snd_ssthresh);
	ut_trace_set(w.c, NULL, NULL);
	ut_sim_link_set_up(w.link, true);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}
