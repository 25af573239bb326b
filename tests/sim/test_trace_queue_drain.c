/* The queues' draining is traced as their filling is: an ACK that moves
 * snd_una says how much left the write queue and what the sender still
 * holds (usertcp:write_queue_free), and data that became in order says
 * what moved from the out-of-order queue to the receive queue
 * (usertcp:ofo_queue_drain), so that a reader of the trace (the replay
 * page of usertcp view) can follow each queue's depth to the byte. */
#include <stdlib.h>
#include <string.h>

#include "net/sock.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080

static void fill(char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)(i * 7 + 3);
}

/* Every byte written is freed once, the depth each event reports is what
 * was written and not yet acknowledged, and the queue ends empty; every
 * byte received is told as added to the receive queue. */
TEST(an_ack_that_frees_write_queue_bytes_is_traced_with_what_the_sender_still_holds)
{
	struct tcpworld w;
	const size_t n = 200 * 1448;
	char *out = malloc(n), *in = malloc(n);
	uint32_t written = 0, isn = 0, una = 0, freed = 0, last_depth = 1, received = 0;
	unsigned frees = 0;
	bool wrote = false;
	int c, s;

	CHECK(out && in);
	fill(out, n);
	tw_make(&w, 5, NULL);
	tw_pair(&w, PORT, &c, &s);
	tw_clear(&w);
	CHECK_EQ(tw_transfer(&w, c, s, out, in, n, NULL, 5000 * MS, NULL, NULL), n);
	tw_run(&w, 200 * MS);
	CHECK(memcmp(out, in, n) == 0);
	for (unsigned i = 0; i < w.nev; i++) {
		const struct tw_event *e = &w.ev[i];
		/* the receiver: all of it told as added to the receive
		 * queue, what joined the tail sk_buff too */
		if (e->host == 1 && e->type == UT_TP_RECEIVE_QUEUE)
			received += e->len;
		if (e->host != 0)
			continue;
		if (e->type == UT_TP_WRITE_QUEUE) {
			/* len: the bytes this send() copied (seq is the start
			 * of the sk_buff they joined) */
			if (!wrote)
				una = isn = e->seq;
			wrote = true;
			written += e->len;
		} else if (e->type == UT_TP_WRITE_QUEUE_FREE) {
			CHECK(wrote);
			CHECK_EQ(e->seq, una); /* from the previous snd_una */
			una = e->seq + e->len;
			freed += e->len;
			CHECK_EQ(e->depth, isn + written - una);
			CHECK(e->limit > 0);
			last_depth = e->depth;
			frees++;
		}
	}
	CHECK_EQ(freed, n);
	CHECK_EQ(received, n);
	CHECK_EQ(last_depth, 0);
	CHECK(frees > 10);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
	free(out);
	free(in);
}

/* With loss, data arrives ahead of a hole and waits on the out-of-order
 * queue; when the hole is filled, the drain event names what moved (from
 * the old rcv_nxt to the new, as the receive-queue events before it say)
 * and what is left, and in the end nothing is. */
TEST(data_moving_from_the_out_of_order_queue_to_the_receive_queue_is_traced)
{
	struct tcpworld w;
	struct ut_link_params lp;
	const size_t n = 400 * 1448;
	char *out = malloc(n), *in = malloc(n);
	uint32_t ofo_depth = 0, rq_first = 0, rq_end = 0;
	unsigned drains = 0, rq_since = 0;
	int c, s;

	CHECK(out && in);
	fill(out, n);
	ut_link_params_init(&lp);
	lp.delay_ns = 5 * MS;
	lp.loss = 0.03;
	tw_make(&w, 11, &lp);
	tw_pair(&w, PORT, &c, &s);
	tw_clear(&w);
	CHECK_EQ(tw_transfer(&w, c, s, out, in, n, NULL, 60000 * MS, NULL, NULL), n);
	CHECK(memcmp(out, in, n) == 0);
	for (unsigned i = 0; i < w.nev; i++) {
		const struct tw_event *e = &w.ev[i];
		if (e->host != 1)
			continue;
		if (e->type == UT_TP_SEGMENT_RECV) {
			rq_since = 0;
		} else if (e->type == UT_TP_RECEIVE_QUEUE) {
			if (!rq_since++)
				rq_first = e->seq;
			rq_end = e->seq + e->len;
		} else if (e->type == UT_TP_OFO_QUEUE) {
			ofo_depth = e->depth;
		} else if (e->type == UT_TP_OFO_QUEUE_DRAIN) {
			/* the in-order segment first, then what it released */
			CHECK(rq_since >= 2);
			CHECK_EQ(e->seq + e->len, rq_end);
			CHECK(after(e->seq, rq_first));
			CHECK(e->depth < ofo_depth);
			ofo_depth = e->depth;
			drains++;
		}
	}
	CHECK(drains > 0);
	CHECK_EQ(ofo_depth, 0);
	CHECK_EQ(tw_tcp_sk(w.s, s)->out_of_order_queue.bytes, 0);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
	free(out);
	free(in);
}

/* A request socket that dies in the SYN queue says so, with the queue's
 * depth after it: here its listener closes while the SYN-ACK is lost, so
 * the SYN queue goes from one request to none. */
TEST(a_request_dropped_from_the_syn_queue_when_its_listener_closes_is_traced)
{
	struct tcpworld w;
	struct ut_link_params lp;
	const struct tw_event *drop = NULL;
	int l, c;

	tw_make(&w, 7, NULL);
	/* addresses resolved first: the lossy direction would lose ARP */
	CHECK_EQ(ut_neigh_resolve(w.c, ipaddr(SERVER_IP)), 0);
	CHECK_EQ(ut_neigh_resolve(w.s, ipaddr(CLIENT_IP)), 0);
	tw_run(&w, 1 * SEC);
	l = tw_listen(&w, PORT, 8);
	ut_link_params_init(&lp);
	lp.delay_ns = 10 * MS;
	lp.loss = 1.0; /* the server's SYN-ACK never arrives */
	CHECK_EQ(ut_sim_link_set_params(w.link, 1, &lp), 0);
	c = tw_connect_nb(&w, PORT);
	tw_run(&w, 100 * MS);
	CHECK_EQ(tw_count(&w, 1, UT_TP_SYN_QUEUE_ADD), 1);
	CHECK_EQ(tw_count(&w, 1, UT_TP_SYN_QUEUE_DROP), 0);
	ut_close(w.s, l);
	CHECK_EQ(tw_count(&w, 1, UT_TP_SYN_QUEUE_DROP), 1);
	for (unsigned i = 0; i < w.nev; i++)
		if (w.ev[i].host == 1 && w.ev[i].type == UT_TP_SYN_QUEUE_DROP)
			drop = &w.ev[i];
	CHECK(drop != NULL);
	CHECK_EQ(drop->depth, 0);
	CHECK_EQ(drop->limit, 8);
	CHECK_EQ(drop->dport, ((struct sock *)tw_tcp_sk(w.c, c))->sk_num);
	lp.loss = 0;
	CHECK_EQ(ut_sim_link_set_params(w.link, 1, &lp), 0);
	ut_close(w.c, c);
	tw_done(&w);
}
