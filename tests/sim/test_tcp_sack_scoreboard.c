/* The SACK scoreboard against ACKs a real network delivers: reordered,
 * reneging or hostile. The counters (sacked_out, lost_out, retrans_out)
 * must always equal the marks on the retransmit queue; the stack stops
 * with BUG_ON otherwise, so a peer that can break them can crash it.
 *
 * The peer's ACKs here are written by hand and handed to the client's
 * device, while the link itself is down (nothing real gets through). */
#include <arpa/inet.h>
#include <string.h>

#include "net/netdevice.h"
#include "net/simnet.h"
#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/wire.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080

static struct tcp_sock *tp_of(struct ut_stack *stack, int fd)
{
	struct file *f = fget(stack, fd);
	CHECK(f);
	struct tcp_sock *tp = tcp_sk(f->socket.sk);
	fput(f);
	return tp;
}

/* An ACK from the server to the client's connection tp: ack, the window,
 * timestamps, and one SACK block if sack_end != sack_start. */
static void inject_ack(struct tcpworld *w, struct tcp_sock *tp, uint32_t ack,
		       uint32_t sack_start, uint32_t sack_end)
{
	struct sock *sk = &tp->inet_conn.icsk_inet;
	struct net_device *dev = netdev_from_ut(ut_sim_link_dev(w->link, 0));
	uint8_t f[128], *ip = f + ETH_HLEN, *th = ip + 20, *o = th + 20;
	size_t olen = 12;

	memset(f, 0, sizeof(f));
	memcpy(f, dev->dev_addr, 6);
	ut_dev_hwaddr(ut_sim_link_dev(w->link, 1), f + 6);
	put_be16(f + 12, 0x0800);
	/* NOP NOP TIMESTAMP: a TSval past ts_recent, so PAWS passes */
	o[0] = o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	put_be32(o + 4, tp->ts_recent + 1);
	put_be32(o + 8, 0);
	if (sack_end != sack_start) {
		o[12] = o[13] = 1;
		o[14] = 5;
		o[15] = 10;
		put_be32(o + 16, sack_start);
		put_be32(o + 20, sack_end);
		olen = 24;
	}
	put_be16(th, sk->sk_dport);
	put_be16(th + 2, sk->sk_num);
	put_be32(th + 4, tp->rcv_nxt);
	put_be32(th + 8, ack);
	th[12] = (uint8_t)((20 + olen) / 4) << 4;
	th[13] = 0x10;	/* ACK */
	put_be16(th + 14, 2000);
	size_t tlen = 20 + olen;
	ip[0] = 0x45;
	put_be16(ip + 2, (uint16_t)(20 + tlen));
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &sk->sk_daddr, 4);
	memcpy(ip + 16, &sk->sk_rcv_saddr, 4);
	put_be16(ip + 10, csum_fold(csum_partial(ip, 20, 0)));
	put_be16(th + 16, csum_tcpudp(sk->sk_daddr, sk->sk_rcv_saddr, IPPROTO_TCP, th, tlen));

	struct sk_buff *skb = alloc_skb(w->sim->pool, (uint32_t)(ETH_HLEN + 20 + tlen));
	CHECK(skb);
	memcpy(skb_put(skb, (uint32_t)(ETH_HLEN + 20 + tlen)), f, ETH_HLEN + 20 + tlen);
	skb->dev = dev;
	skb->ip_summed = CHECKSUM_NONE;
	netif_receive_skb(skb);
	ut_stack_poll(w->c);
}

/* Found by the soak (seed 349). After a partial ACK in SACK recovery the
 * head of the retransmit queue can be a segment already SACKed (here an
 * ACK that lags the SACK information it follows, as a reordered ACK
 * does). The fast retransmit marked that head lost without looking, so it
 * counted as both SACKed and lost, the counters no longer matched the
 * marks, and a later cumulative ACK took sacked_out below zero: BUG_ON.
 * Linux's tcp_skb_mark_lost never marks a SACKed segment lost. */
TEST(a_partial_ack_leaving_a_sacked_head_keeps_the_scoreboard_counts_true)
{
	struct tcpworld w;
	static char data[10 * 1448];
	int c, s, one = 1;

	tw_make(&w, 91, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	struct tcp_sock *tp = tp_of(w.c, c);
	CHECK(tp->sack_ok);
	ut_sim_link_set_up(w.link, false);
	CHECK_EQ(ut_send(w.c, c, data, sizeof(data), 0), (ssize_t)sizeof(data));
	tw_run(&w, 1 * MS);
	CHECK_EQ(tp->packets_out, 10);
	uint32_t una = tp->snd_una, mss = 1448;

	/* segments 1..9 SACKed: recovery, segment 0 lost and resent */
	inject_ack(&w, tp, una, una + mss, una + 10 * mss);
	CHECK_EQ(tp->sacked_out, 9);
	/* an ACK for segment 0 alone: the head is now SACKed segment 1 */
	inject_ack(&w, tp, una + mss, 0, 0);
	CHECK_EQ(tp->packets_out, 9);
	CHECK_EQ(tp->sacked_out, 9);
	CHECK_EQ(tp->lost_out, 0);
	/* everything acknowledged: every count back to zero */
	inject_ack(&w, tp, una + 10 * mss, 0, 0);
	CHECK_EQ(tp->packets_out, 0);
	CHECK_EQ(tp->sacked_out, 0);
	CHECK_EQ(tp->lost_out, 0);
	CHECK_EQ(tp->retrans_out, 0);

	ut_sim_link_set_up(w.link, true);
	/* the server never saw the data, so the connection ends in resets */
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}
