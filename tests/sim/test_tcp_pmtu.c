/* Path MTU discovery for TCP over IPv4 (RFC 1191): a router whose next
 * hop is narrower than the sender's link drops the sender's DF segments
 * and answers "fragmentation needed" (type 3 code 4) with the next hop's
 * MTU. The sender shrinks its MSS and resends what no longer fits at
 * once, without a timeout, and without taking the drop for congestion
 * (RFC 1191 section 6.4; Linux's tcp_simple_retransmit): the congestion
 * state goes to Loss with ssthresh where the congestion module would
 * restore it, cwnd untouched, and the episode is never undone.
 *
 * The world: client 10.0.1.1 -- r1 -- r2 -- server 10.0.2.1, all links
 * 1500 bytes but r1--r2, 1280. The endpoints' own links are 1500, so the
 * handshake agrees on 1460 and only the path can tell the client. */
#include <arpa/inet.h>
#include <string.h>

#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080
#define NARROW_MTU 1280
/* 1280 less the IPv4 and TCP headers and the timestamp option */
#define NARROW_MSS (NARROW_MTU - 20 - 20 - 12)
#define WIDE_MSS (1500 - 20 - 20 - 12)

struct pmtu_world {
	struct tcpworld w; /* w.c: client, w.s: server */
	struct ut_stack *r1, *r2;
	int c, s;
	struct tcp_sock *tp; /* the client's */
	/* Before the event that brought the ICMP error: what
	 * tcp_current_ssthresh gave and cwnd. */
	uint32_t ssthresh_before, cwnd_before;
	/* From the client's trace: data segments sent after the MSS shrank
	 * and the longest of them; congestion states entered. */
	unsigned segs_after, max_len_after;
	unsigned entered[TCP_CA_Loss + 1];
};

static void client_trace(const struct ut_trace_event *ev, void *arg)
{
	struct pmtu_world *p = arg;

	if (ev->type == UT_TP_TCP_CONG_STATE_SET && ev->newstate >= 0 &&
	    ev->newstate <= TCP_CA_Loss)
		p->entered[ev->newstate]++;
	if (ev->type == UT_TP_SEGMENT_SEND && ev->len && p->tp->mss_cache < WIDE_MSS) {
		p->segs_after++;
		if (ev->len > p->max_len_after)
			p->max_len_after = ev->len;
	}
}

static struct ut_sim_link *link_hosts(struct pmtu_world *p, struct ut_stack *a, const char *a_ip,
				      struct ut_stack *b, const char *b_ip, unsigned mtu)
{
	struct ut_link_params lp;
	struct ut_sim_link *l;

	ut_link_params_init(&lp);
	lp.delay_ns = 5 * MS;
	lp.mtu = mtu;
	CHECK_EQ(ut_sim_link_add(p->w.sim, a, b, &lp, &l), 0);
	CHECK_EQ(ut_addr_add(a, ut_sim_link_dev(l, 0), ipaddr(a_ip), 24), 0);
	CHECK_EQ(ut_addr_add(b, ut_sim_link_dev(l, 1), ipaddr(b_ip), 24), 0);
	return l;
}

/* The world and a connection from the client to the server, SACK on or
 * off at both ends. */
static void pmtu_make(struct pmtu_world *p, uint64_t seed, bool sack)
{
	struct sockaddr_in sin = tw_addr("10.0.2.1", PORT);
	struct tcpworld *w = &p->w;
	int l;

	memset(p, 0, sizeof(*p));
	CHECK_EQ(ut_sim_create(seed, &w->sim), 0);
	CHECK_EQ(ut_sim_host_add(w->sim, "client", &w->c), 0);
	CHECK_EQ(ut_sim_host_add(w->sim, "r1", &p->r1), 0);
	CHECK_EQ(ut_sim_host_add(w->sim, "r2", &p->r2), 0);
	CHECK_EQ(ut_sim_host_add(w->sim, "server", &w->s), 0);
	w->link = link_hosts(p, w->c, "10.0.1.1", p->r1, "10.0.1.254", 1500);
	/* r1 answers every segment of a flight that does not fit, as these
	 * tests count; with GRO it would answer each packet it merged once,
	 * as Linux's ip_forward does (test_gro covers that). */
	tw_gro_off(w);
	link_hosts(p, p->r1, "10.0.12.1", p->r2, "10.0.12.2", NARROW_MTU);
	link_hosts(p, p->r2, "10.0.2.254", w->s, "10.0.2.1", 1500);
	CHECK_EQ(ut_route_add(w->c, ipaddr("0.0.0.0"), 0, ipaddr("10.0.1.254"), NULL), 0);
	CHECK_EQ(ut_route_add(w->s, ipaddr("0.0.0.0"), 0, ipaddr("10.0.2.254"), NULL), 0);
	CHECK_EQ(ut_route_add(p->r1, ipaddr("10.0.2.0"), 24, ipaddr("10.0.12.2"), NULL), 0);
	CHECK_EQ(ut_route_add(p->r2, ipaddr("10.0.1.0"), 24, ipaddr("10.0.12.1"), NULL), 0);
	CHECK_EQ(ut_sysctl_set(p->r1, "net.ipv4.ip_forward", 1), 0);
	CHECK_EQ(ut_sysctl_set(p->r2, "net.ipv4.ip_forward", 1), 0);
	CHECK_EQ(ut_sysctl_set(w->c, "net.ipv4.tcp_sack", sack), 0);
	CHECK_EQ(ut_sysctl_set(w->s, "net.ipv4.tcp_sack", sack), 0);

	l = ut_socket(w->s, AF_INET, SOCK_STREAM, 0);
	CHECK(l >= 0);
	struct sockaddr_in any = tw_addr("0.0.0.0", PORT);
	CHECK_EQ(ut_bind(w->s, l, (struct sockaddr *)&any, sizeof(any)), 0);
	CHECK_EQ(ut_listen(w->s, l, 4), 0);
	p->c = ut_socket(w->c, AF_INET, SOCK_STREAM, 0);
	CHECK(p->c >= 0);
	CHECK_EQ(ut_connect(w->c, p->c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	p->s = ut_accept(w->s, l, NULL, NULL);
	CHECK(p->s >= 0);
	CHECK_EQ(ut_close(w->s, l), 0);
	CHECK_EQ(ut_fcntl(w->c, p->c, F_SETFL, O_NONBLOCK), 0);
	p->tp = tw_tcp_sk(w->c, p->c);
	ut_trace_set(w->c, client_trace, p);
}

/* Stops the world after the event that shrank the client's MSS; until
 * then remembers the state each event left. */
static bool mss_shrunk(void *arg)
{
	struct pmtu_world *p = arg;
	struct sock *sk = &p->tp->inet_conn.icsk_inet;

	if (p->tp->mss_cache < WIDE_MSS)
		return true;
	p->ssthresh_before = tcp_current_ssthresh(sk);
	p->cwnd_before = p->tp->snd_cwnd;
	return false;
}

static uint32_t tcp_opt(struct ut_stack *st, int fd, int opt)
{
	int v = 0;
	socklen_t len = sizeof(v);

	CHECK_EQ(ut_getsockopt(st, fd, IPPROTO_TCP, opt, &v, &len), 0);
	return (uint32_t)v;
}

/* The client sends 300 KB through the narrow hop: its first flight
 * draws "fragmentation needed", which the client answers as Linux's
 * tcp_simple_retransmit does; the rest of the transfer goes at the new
 * size, and the connection closes. */
static void pmtu_transfer(uint64_t seed, bool sack)
{
	static struct pmtu_world p;
	static char out[300000], in[sizeof(out)];
	struct tcpworld *w = &p.w;
	struct tcp_sock *tp;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	size_t sent = 0;

	pmtu_make(&p, seed, sack);
	tp = p.tp;
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 7 + i / 1000);
	CHECK_EQ(tcp_opt(w->c, p.c, TCP_MAXSEG), WIDE_MSS);
	ssize_t k = ut_send(w->c, p.c, out, sizeof(out), 0);
	CHECK(k > 0);
	sent = (size_t)k;
	uint32_t flight = tp->packets_out;
	CHECK(flight >= 2);

	/* r1 drops the flight (DF, too big for r1--r2) and answers each
	 * segment, the first one at snd_una, with the next hop's MTU (no
	 * rate limit on "fragmentation needed", as Linux's icmp_send). */
	CHECK_EQ(ut_sim_run_until_cond(w->sim, mss_shrunk, &p, ut_sim_now(w->sim) + SEC), 0);
	CHECK_EQ(tw_counter(w->c, "Icmp", "InDestUnreachs"), flight);
	CHECK_EQ(tw_counter(w->c, "TcpExt", "OutOfWindowIcmps"), 0);
	CHECK_EQ(tw_counter(p.r1, "Ip", "FragFails"), flight);
	CHECK_EQ(tcp_opt(w->c, p.c, TCP_MAXSEG), NARROW_MSS);
	CHECK_EQ(ut_getsockopt(w->c, p.c, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	CHECK_EQ(ti.tcpi_snd_mss, NARROW_MSS);
	CHECK_EQ(ti.tcpi_pmtu, NARROW_MTU);

	/* Every segment of the flight was too big: all lost, resent at
	 * once at the new size, with no timer. Loss, so that the ACKs to
	 * come start no fast recovery; nothing to undo (the drops were
	 * real); ssthresh as the congestion module would restore it and
	 * cwnd as it was: the same data in smaller units is no congestion. */
	CHECK_EQ(ti.tcpi_ca_state, TCP_CA_Loss);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Loss);
	CHECK_EQ(tp->high_seq, tp->snd_nxt);
	CHECK_EQ(tp->undo_marker, 0);
	CHECK_EQ(tp->prior_ssthresh, 0);
	CHECK_EQ(tp->snd_ssthresh, p.ssthresh_before);
	CHECK_EQ(tp->snd_cwnd, p.cwnd_before);
	CHECK(tp->lost_out >= flight);
	CHECK(tp->retrans_out > 0);
	CHECK(p.segs_after > 0);
	CHECK(p.max_len_after <= NARROW_MSS);

	/* The rest of the data, all of it at the new size. */
	CHECK_EQ(tw_transfer(w, p.c, p.s, out, in, sizeof(out), &sent, 30 * SEC, NULL, NULL),
		 sizeof(out));
	CHECK_MEM_EQ(in, out, sizeof(out));
	CHECK_EQ(p.max_len_after, NARROW_MSS);
	CHECK_EQ(tw_counter(p.r1, "Ip", "FragFails"), flight);
	CHECK_EQ(tw_counter(w->c, "TcpExt", "TCPTimeouts"), 0);
	CHECK(tw_counter(w->c, "Tcp", "RetransSegs") >= flight);
	/* Loss ended in Open, with no fast recovery on the way, no undo,
	 * and ssthresh not cut. */
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Open);
	CHECK_EQ(p.entered[TCP_CA_Loss], 1);
	CHECK_EQ(p.entered[TCP_CA_Recovery], 0);
	CHECK_EQ(p.entered[TCP_CA_CWR], 0);
	CHECK_EQ(tw_counter(w->c, "TcpExt", sack ? "TCPSackRecovery" : "TCPRenoRecovery"), 0);
	CHECK_EQ(tw_counter(w->c, "TcpExt", "TCPLossUndo"), 0);
	CHECK_EQ(tw_counter(w->c, "TcpExt", "TCPFullUndo"), 0);
	CHECK(tp->snd_ssthresh >= p.ssthresh_before);

	/* A clean end: FIN both ways, no reset. The trace stops first: it
	 * reads the tcp_sock, which the close frees. */
	ut_trace_set(w->c, NULL, NULL);
	CHECK_EQ(ut_close(w->c, p.c), 0);
	tw_run(w, SEC);
	CHECK_EQ(ut_recv(w->s, p.s, in, sizeof(in), 0), 0);
	CHECK_EQ(ut_close(w->s, p.s), 0);
	tw_run(w, SEC);
	CHECK_EQ(tw_counter(w->c, "Tcp", "OutRsts") + tw_counter(w->s, "Tcp", "OutRsts"), 0);
	CHECK_EQ(w->c->tw_count, 1);
	tw_done(w);
}

TEST(fragmentation_needed_shrinks_the_mss_and_resends_the_flight_at_once_in_loss_without_a_congestion_response)
{
	pmtu_transfer(71, true);
}

TEST(without_sack_too_the_flight_is_resent_at_the_new_mss_with_no_fast_recovery_and_no_timeout)
{
	pmtu_transfer(72, false);
}
