/* An ICMP error quoting a SYN-ACK, for a connection still half open in the
 * SYN queue (Linux's tcp_req_err): an error saying the client cannot be
 * reached at all (net or host unreachable, time exceeded, a parameter
 * problem) drops the request, counted as a listen drop; one that does not
 * (port unreachable, fragmentation needed) leaves it to the SYN-ACK timer;
 * one quoting another sequence number is out of window. And one quoting
 * the SYN of a connect ends it, whatever the error (Linux's tcp_v4_err in
 * SYN_SENT). The attacker host (tests/lib/attacker.h) plays the client,
 * the unanswering server and the router. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "attacker.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/wire.h"
#include "tcpworld.h"
#include "test.h"
#include "testnet.h"

#define PORT 8080
#define CPORT 40000

struct synack_seen {
	uint32_t seq;
	unsigned n;
};

static void on_segment(struct attacker *a, uint32_t saddr, uint32_t daddr,
		       const struct wire_tcp *th, void *arg)
{
	struct synack_seen *seen = arg;

	(void)a;
	(void)saddr;
	(void)daddr;
	if ((th->flags & (TCPHDR_SYN | TCPHDR_ACK)) == (TCPHDR_SYN | TCPHDR_ACK)) {
		seen->seq = th->seq;
		seen->n++;
	}
}

/* A listener with one request in its SYN queue, from the attacker's
 * address; the SYN-ACK's sequence number in *seen. */
static struct sock *half_open(struct tcpworld *w, struct attacker *a, struct synack_seen *seen,
			      uint64_t seed, int *l)
{
	struct sock *lsk;
	struct craft_tcp syn = {
		.saddr = ip4(ATTACKER_IP),
		.daddr = ip4(SERVER_IP2),
		.sport = CPORT,
		.dport = PORT,
		.seq = 1000,
		.flags = TCPHDR_SYN,
		.window = 64240,
	};

	tw_make(w, seed, NULL);
	attacker_add(w, a);
	memset(seen, 0, sizeof(*seen));
	a->on_segment = on_segment;
	a->arg = seen;
	*l = listen_any(w, PORT);
	lsk = inet_lookup_listener(&w->s->tcp_hashinfo, 0, 0, ip4(SERVER_IP2), PORT, 0);
	CHECK(lsk != NULL);
	attacker_send_tcp(a, &syn);
	tw_run(w, 10 * MS);
	CHECK_EQ(seen->n, 1);
	CHECK_EQ(inet_csk(lsk)->icsk_accept_queue.qlen, 1);
	return lsk;
}

/* An ICMP error of type/code from the attacker (as the last router),
 * quoting the server's SYN-ACK with sequence number seq. */
static void icmp_for_synack(struct attacker *a, uint8_t type, uint8_t code, uint32_t seq)
{
	uint8_t quoted[28], tcp8[8], icmp[64], ip[128];
	size_t n;

	put_be16(tcp8, PORT);
	put_be16(tcp8 + 2, CPORT);
	put_be32(tcp8 + 4, seq);
	build_ipv4(quoted, ip4(SERVER_IP2), ip4(ATTACKER_IP), IPPROTO_TCP, 64, 7, 0, tcp8,
		   sizeof(tcp8));
	n = build_icmp(icmp, type, code, type == ICMP_DEST_UNREACH && code == 4 ? 1400 : 0, quoted,
		       sizeof(quoted));
	n = build_ipv4(ip, ip4(ATTACKER_IP), ip4(SERVER_IP2), IPPROTO_ICMP, 64, 8, 0, icmp, n);
	attacker_send_ip(a, ip, n);
}

static void check_dropped(uint8_t type, uint8_t code, uint64_t seed)
{
	struct tcpworld w;
	struct attacker a;
	struct synack_seen seen;
	int l;
	struct sock *lsk = half_open(&w, &a, &seen, seed, &l);

	icmp_for_synack(&a, type, code, seen.seq);
	tw_run(&w, 10 * MS);
	CHECK_EQ(inet_csk(lsk)->icsk_accept_queue.qlen, 0);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "ListenDrops"), 1);
	/* and no SYN-ACK goes again: the request is gone */
	tw_run(&w, 3 * SEC);
	CHECK_EQ(seen.n, 1);
	ut_close(w.s, l);
	tw_done(&w);
}

static void check_kept(uint8_t type, uint8_t code, uint32_t seq_delta, uint64_t seed)
{
	struct tcpworld w;
	struct attacker a;
	struct synack_seen seen;
	int l;
	struct sock *lsk = half_open(&w, &a, &seen, seed, &l);

	icmp_for_synack(&a, type, code, seen.seq + seq_delta);
	tw_run(&w, 10 * MS);
	CHECK_EQ(inet_csk(lsk)->icsk_accept_queue.qlen, 1);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "ListenDrops"), 0);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "OutOfWindowIcmps"), seq_delta ? 1 : 0);
	/* the SYN-ACK timer goes on */
	tw_run(&w, 1500 * MS);
	CHECK_EQ(seen.n, 2);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(host_unreachable_for_a_syn_ack_drops_the_half_open_connection)
{
	check_dropped(ICMP_DEST_UNREACH, 1, 11);
}

TEST(net_unreachable_for_a_syn_ack_drops_the_half_open_connection)
{
	check_dropped(ICMP_DEST_UNREACH, 0, 12);
}

TEST(time_exceeded_for_a_syn_ack_drops_the_half_open_connection)
{
	check_dropped(ICMP_TIME_EXCEEDED, 0, 13);
}

TEST(port_unreachable_for_a_syn_ack_leaves_the_request_to_its_timer)
{
	check_kept(ICMP_DEST_UNREACH, 3, 0, 14);
}

TEST(fragmentation_needed_for_a_syn_ack_leaves_the_request_to_its_timer)
{
	check_kept(ICMP_DEST_UNREACH, 4, 0, 15);
}

TEST(an_error_quoting_another_sequence_number_is_out_of_window)
{
	check_kept(ICMP_DEST_UNREACH, 1, 1, 16);
}

/* The SYN the server's own connect sent, as the attacker saw it. */
struct syn_seen {
	uint32_t saddr, seq;
	uint16_t sport;
	unsigned n;
};

static void on_syn(struct attacker *a, uint32_t saddr, uint32_t daddr, const struct wire_tcp *th,
		   void *arg)
{
	struct syn_seen *seen = arg;

	(void)a;
	(void)daddr;
	if ((th->flags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN) {
		seen->saddr = saddr;
		seen->sport = th->sport;
		seen->seq = th->seq;
		seen->n++;
	}
}

/* A connect still in SYN_SENT ends on an error a router sends about its
 * SYN, a soft one (host unreachable, time exceeded) as much as a hard
 * one: Linux's tcp_v4_err does not wait as RFC 1122 4.2.3.9 would, and
 * connect() reports it at once. */
static void check_connect_aborted(uint8_t type, uint8_t code, int want, uint64_t seed)
{
	struct tcpworld w;
	struct attacker a;
	struct syn_seen seen = {0};
	struct sockaddr_in to = tw_addr(ATTACKER_IP, CPORT);
	uint8_t quoted[28], tcp8[8], icmp[64], ip[128];
	int c, err = 0;
	socklen_t len = sizeof(err);
	size_t n;

	tw_make(&w, seed, NULL);
	attacker_add(&w, &a);
	a.on_segment = on_syn;
	a.arg = &seen;
	c = ut_socket(w.s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(c >= 0);
	CHECK_EQ(ut_connect(w.s, c, (struct sockaddr *)&to, sizeof(to)), -1);
	CHECK_EQ(errno, EINPROGRESS);
	tw_run(&w, 10 * MS);
	CHECK_EQ(seen.n, 1); /* the attacker answers nothing */
	put_be16(tcp8, seen.sport);
	put_be16(tcp8 + 2, CPORT);
	put_be32(tcp8 + 4, seen.seq);
	build_ipv4(quoted, seen.saddr, ip4(ATTACKER_IP), IPPROTO_TCP, 64, 7, 0, tcp8, sizeof(tcp8));
	n = build_icmp(icmp, type, code, 0, quoted, sizeof(quoted));
	n = build_ipv4(ip, ip4(ATTACKER_IP), seen.saddr, IPPROTO_ICMP, 64, 8, 0, icmp, n);
	attacker_send_ip(&a, ip, n);
	tw_run(&w, 10 * MS);
	CHECK_EQ(ut_getsockopt(w.s, c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CHECK_EQ(err, want);
	/* and no SYN goes again: the connection is closed */
	tw_run(&w, 3 * SEC);
	CHECK_EQ(seen.n, 1);
	ut_close(w.s, c);
	tw_done(&w);
}

TEST(host_unreachable_for_a_syn_ends_the_connect_with_ehostunreach)
{
	check_connect_aborted(ICMP_DEST_UNREACH, 1, EHOSTUNREACH, 21);
}

TEST(time_exceeded_for_a_syn_ends_the_connect_with_ehostunreach)
{
	check_connect_aborted(ICMP_TIME_EXCEEDED, 0, EHOSTUNREACH, 22);
}

TEST(port_unreachable_for_a_syn_ends_the_connect_with_econnrefused)
{
	check_connect_aborted(ICMP_DEST_UNREACH, 3, ECONNREFUSED, 23);
}
