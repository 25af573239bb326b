/* D-SACK (RFC 2883) sent by a receiver, as Linux's tcp_dsack_set and
 * tcp_dsack_extend with net.ipv4.tcp_dsack=1: duplicate data is reported
 * in the first SACK block of the ACK it earns, once. The client receives
 * here; the "server" segments that repeat data are written by hand and
 * handed to the client's device, and the server's device records what the
 * client sends back. */
#include <string.h>

#include "net/sock.h"
#include "net/tcp.h"
#include "segwatch.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080

static struct segwatch sw;

/* A connection over which the server sent n bytes, all received by the
 * client; the server's device records the client's segments from then on.
 * Returns the client's RCV.NXT. */
static uint32_t setup(struct tcpworld *w, int *c, int *s, size_t n)
{
	static char buf[8000], in[8000];

	tw_make(w, 7, NULL);
	tw_gro_off(w); /* the duplicates are counted segment by segment */
	tw_pair(w, PORT, c, s);
	CHECK(tw_tcp_sk(w->c, *c)->sack_ok);
	CHECK_EQ(ut_send(w->s, *s, buf, n, 0), (ssize_t)n);
	tw_run(w, 500 * MS);
	CHECK_EQ(ut_recv(w->c, *c, in, sizeof(in), MSG_DONTWAIT), (ssize_t)n);
	segwatch_attach(&sw, ut_sim_link_dev(w->link, 1));
	return tw_tcp_sk(w->c, *c)->rcv_nxt;
}

/* The last segment the client sent. */
static const struct seg_seen *last(void)
{
	CHECK(sw.n > 0);
	return &sw.seen[sw.n - 1];
}

/* The server's side of the connection sends len bytes (of zeros, at most
 * 1000) at seq again, by hand; the world runs on until the answer is in. */
static void resend(struct tcpworld *w, int c, uint32_t seq, size_t len)
{
	static const char zeros[1000];
	struct tcp_sock *tp = tw_tcp_sk(w->c, c);

	tw_inject_to_client(w, c, TCPHDR_ACK, seq, tp->snd_nxt, zeros, len, 0, 0);
	tw_run(w, 20 * MS);
}

/* The client's last segment acknowledged ack with n SACK blocks, the
 * first [start, end). */
static void check_blocks(uint32_t ack, unsigned n, uint32_t start, uint32_t end)
{
	CHECK_EQ(last()->ack, ack);
	CHECK_EQ(last()->num_sacks, n);
	CHECK_EQ(last()->sacks[0].start, start);
	CHECK_EQ(last()->sacks[0].end, end);
}

static void teardown(struct tcpworld *w, int c, int s)
{
	segwatch_detach(ut_sim_link_dev(w->link, 1));
	ut_close(w->c, c);
	ut_close(w->s, s);
	tw_done(w);
}

/* A whole segment below RCV.NXT (its ACK was lost, RFC 2883 4.1.1): the
 * ACK that answers it carries the segment's range as the first block
 * (TCPDSACKOldSent), and the next ACK no longer does. */
TEST(an_old_duplicate_is_reported_once_in_a_dsack_block)
{
	struct tcpworld w;
	int c, s;
	char more[1000] = {0};

	uint32_t rcv_nxt = setup(&w, &c, &s, 3000);

	/* the last segment again: acceptable, all of it old */
	resend(&w, c, rcv_nxt - 1000, 1000);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPDSACKOldSent"), 1);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "DelayedACKLost"), 1);
	CHECK_EQ(sw.n, 1);
	check_blocks(rcv_nxt, 1, rcv_nxt - 1000, rcv_nxt);

	/* More data: its ACK says nothing of the duplicate any more. */
	CHECK_EQ(ut_send(w.s, s, more, sizeof(more), 0), (ssize_t)sizeof(more));
	tw_run(&w, 500 * MS);
	CHECK(sw.n >= 2);
	CHECK_EQ(last()->ack, rcv_nxt + 1000);
	CHECK_EQ(last()->num_sacks, 0);
	teardown(&w, c, s);
}

/* An older one fails the sequence check (it ends before the last ACK we
 * sent); the ACK that answers it reports it all the same (Linux's
 * tcp_send_dupack). With net.ipv4.tcp_dsack=0 it gets a plain ACK. */
TEST(a_duplicate_failing_the_sequence_check_is_reported_too)
{
	struct tcpworld w;
	int c, s;

	uint32_t rcv_nxt = setup(&w, &c, &s, 3000);
	CHECK_EQ(tw_tcp_sk(w.c, c)->rcv_wup, rcv_nxt);
	resend(&w, c, rcv_nxt - 3000, 1000);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPDSACKOldSent"), 1);
	CHECK_EQ(sw.n, 1);
	check_blocks(rcv_nxt, 1, rcv_nxt - 3000, rcv_nxt - 2000);

	CHECK_EQ(ut_sysctl_set(w.c, "net.ipv4.tcp_dsack", 0), 0);
	resend(&w, c, rcv_nxt - 3000, 1000);
	CHECK_EQ(sw.n, 2);
	CHECK_EQ(last()->num_sacks, 0);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPDSACKOldSent"), 1);
	teardown(&w, c, s);
}

/* Data held out of order arriving again (RFC 2883 4.2): the D-SACK block
 * comes first, the SACK block for the same data after it
 * (TCPDSACKOfoSent). */
TEST(an_out_of_order_duplicate_is_reported_before_its_sack_block)
{
	struct tcpworld w;
	int c, s;

	uint32_t rcv_nxt = setup(&w, &c, &s, 1000);

	/* offsets from RCV.NXT: each segment sent, the ACK's blocks, and the
	 * TCPDSACKOfoSent count after it; the third overlaps held data at its
	 * start, and the overlap is reported */
	static const struct {
		uint32_t seq, blocks, dsacks, first[2], second[2];
	} steps[] = {
		{1000, 1, 0, {1000, 1500}, {0, 0}},
		{1000, 2, 1, {1000, 1500}, {1000, 1500}},
		{1200, 2, 2, {1200, 1500}, {1000, 1700}},
	};
	for (unsigned i = 0; i < ARRAY_SIZE(steps); i++) {
		resend(&w, c, rcv_nxt + steps[i].seq, 500);
		CHECK_EQ(sw.n, i + 1);
		CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPDSACKOfoSent"), steps[i].dsacks);
		check_blocks(rcv_nxt, steps[i].blocks, rcv_nxt + steps[i].first[0],
			     rcv_nxt + steps[i].first[1]);
		if (steps[i].blocks > 1) {
			CHECK_EQ(last()->sacks[1].start, rcv_nxt + steps[i].second[0]);
			CHECK_EQ(last()->sacks[1].end, rcv_nxt + steps[i].second[1]);
		}
	}
	teardown(&w, c, s);
}

/* A segment partly below RCV.NXT: its old part is reported, its new part
 * taken. The client then holds data the server never sent, so the
 * connection ends in a reset. */
TEST(a_partly_duplicate_segment_reports_its_old_part)
{
	struct tcpworld w;
	int c, s;
	struct linger lg = {1, 0};

	uint32_t rcv_nxt = setup(&w, &c, &s, 2000);

	resend(&w, c, rcv_nxt - 400, 1000);
	CHECK_EQ(tw_tcp_sk(w.c, c)->rcv_nxt, rcv_nxt + 600);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPDSACKOldSent"), 1);
	CHECK(sw.n >= 1);
	check_blocks(rcv_nxt + 600, 1, rcv_nxt - 400, rcv_nxt);
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	teardown(&w, c, s);
}
