#include "ackinject.h"

#include <string.h>

#include "net/netdevice.h"
#include "net/simnet.h"
#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/wire.h"
#include "test.h"

void tw_inject_segment(struct tcpworld *w, int fd, uint8_t flags, uint32_t seq, uint32_t ack,
		       uint32_t tsecr, const struct ack_block *blocks, unsigned n, const void *data,
		       size_t len)
{
	tw_inject_segment_tos(w, fd, 0, flags, seq, ack, tsecr, blocks, n, data, len);
}

void tw_tuple_of(struct tcpworld *w, int fd, struct tw_tuple *t)
{
	struct tcp_sock *tp = tw_tcp_sk(w->c, fd);
	struct sock *sk = &tp->inet_conn.icsk_inet;

	t->laddr = sk->sk_rcv_saddr;
	t->faddr = sk->sk_daddr;
	t->lport = sk->sk_num;
	t->fport = sk->sk_dport;
	t->tsval = tp->ts_recent + 1;
}

void tw_inject_to_tuple(struct tcpworld *w, const struct tw_tuple *t, uint8_t tos, uint8_t flags,
			uint32_t seq, uint32_t ack, uint32_t tsecr, const struct ack_block *blocks,
			unsigned n, const void *data, size_t len)
{
	struct net_device *dev = netdev_from_ut(ut_sim_link_dev(w->link, 0));
	uint8_t f[ETH_HLEN + 20 + 60 + 1500];
	uint8_t *ip = f + ETH_HLEN, *th = ip + 20, *o = th + 20;
	size_t olen = 12;

	CHECK(n <= 3);
	CHECK(len <= 1500);
	memset(f, 0, sizeof(f));
	memcpy(f, dev->dev_addr, 6);
	ut_dev_hwaddr(ut_sim_link_dev(w->link, 1), f + 6);
	put_be16(f + 12, 0x0800);
	/* NOP NOP TIMESTAMP */
	o[0] = o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	put_be32(o + 4, t->tsval);
	put_be32(o + 8, tsecr);
	if (n) {
		/* NOP NOP SACK */
		o[12] = o[13] = 1;
		o[14] = 5;
		o[15] = (uint8_t)(2 + 8 * n);
		for (unsigned i = 0; i < n; i++) {
			put_be32(o + 16 + 8 * i, blocks[i].start);
			put_be32(o + 20 + 8 * i, blocks[i].end);
		}
		olen = 16 + 8 * n;
	}
	put_be16(th, t->fport);
	put_be16(th + 2, t->lport);
	put_be32(th + 4, seq);
	put_be32(th + 8, ack);
	th[12] = (uint8_t)((20 + olen) / 4) << 4;
	th[13] = flags;
	put_be16(th + 14, 2000);
	if (len)
		memcpy(th + 20 + olen, data, len);
	size_t tlen = 20 + olen + len;
	ip[0] = 0x45;
	ip[1] = tos;
	put_be16(ip + 2, (uint16_t)(20 + tlen));
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &t->faddr, 4);
	memcpy(ip + 16, &t->laddr, 4);
	put_be16(ip + 10, csum_fold(csum_partial(ip, 20, 0)));
	put_be16(th + 16, csum_tcpudp(t->faddr, t->laddr, IPPROTO_TCP, th, tlen));

	uint32_t flen = (uint32_t)(ETH_HLEN + 20 + tlen);
	struct sk_buff *skb = alloc_skb(w->sim->pool, flen);
	CHECK(skb);
	memcpy(skb_put(skb, flen), f, flen);
	skb->dev = dev;
	skb->ip_summed = CHECKSUM_NONE;
	netif_receive_skb(skb);
	ut_stack_poll(w->c);
}

void tw_inject_segment_tos(struct tcpworld *w, int fd, uint8_t tos, uint8_t flags, uint32_t seq,
			   uint32_t ack, uint32_t tsecr, const struct ack_block *blocks, unsigned n,
			   const void *data, size_t len)
{
	struct tw_tuple t;

	tw_tuple_of(w, fd, &t);
	tw_inject_to_tuple(w, &t, tos, flags, seq, ack, tsecr, blocks, n, data, len);
}

void tw_inject_ack(struct tcpworld *w, int fd, uint32_t ack, uint32_t tsecr,
		   const struct ack_block *blocks, unsigned n)
{
	tw_inject_segment(w, fd, TCPHDR_ACK, tw_tcp_sk(w->c, fd)->rcv_nxt, ack, tsecr, blocks, n,
			  NULL, 0);
}

uint32_t tw_client_tsval_at(struct tcpworld *w, int fd, uint64_t t_ns)
{
	return (uint32_t)(t_ns / 1000000) + tw_tcp_sk(w->c, fd)->tsoffset;
}

void flight_setup_sack(struct flight *f, uint64_t seed, unsigned queued, bool sack)
{
	static char data[20 * 1448];
	int one = 1;

	CHECK(queued <= 20);
	tw_make(&f->w, seed, NULL);
	CHECK_EQ(ut_sysctl_set(f->w.c, "net.ipv4.tcp_sack", sack), 0);
	/* The recovery tests count segments with Reno's halving (RFC 5681
	 * 3.2); CUBIC's 0.7 is the congestion tests' subject. */
	CHECK_EQ(ut_sysctl_set_str(f->w.c, "net.ipv4.tcp_congestion_control", "reno"), 0);
	tw_pair(&f->w, 8080, &f->c, &f->s);
	CHECK_EQ(ut_setsockopt(f->w.c, f->c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	tw_run(&f->w, 100 * MS);
	f->tp = tw_tcp_sk(f->w.c, f->c);
	CHECK_EQ(f->tp->sack_ok, sack);
	f->mss = f->tp->mss_cache;
	f->una = f->tp->snd_una;
	ut_sim_link_set_up(f->w.link, false);
	f->sent_ns = ut_stack_now(f->w.c);
	CHECK_EQ(ut_send(f->w.c, f->c, data, queued * f->mss, 0), (ssize_t)(queued * f->mss));
	CHECK_EQ(f->tp->packets_out, MIN(queued, TCP_INIT_CWND));
}

void flight_setup(struct flight *f, uint64_t seed, unsigned queued)
{
	flight_setup_sack(f, seed, queued, true);
}

void flight_done(struct flight *f)
{
	ut_sim_link_set_up(f->w.link, true);
	ut_close(f->w.c, f->c);
	ut_close(f->w.s, f->s);
	tw_done(&f->w);
}

struct ack_block flight_segs(const struct flight *f, unsigned from, unsigned to)
{
	return (struct ack_block){f->una + from * f->mss, f->una + to * f->mss};
}

void flight_ack_later(struct flight *f, uint32_t ack, uint32_t tsecr, const struct ack_block *b,
		      unsigned n)
{
	tw_run(&f->w, 20 * MS);
	tw_inject_ack(&f->w, f->c, ack ? ack : f->una, tsecr, b, n);
}

void flight_recover(struct flight *f, uint64_t seed, unsigned queued)
{
	flight_setup(f, seed, queued);
	struct ack_block b = flight_segs(f, 1, 4);
	flight_ack_later(f, 0, 0, &b, 1);
	CHECK_EQ(f->tp->inet_conn.icsk_ca_state, TCP_CA_Recovery);
	CHECK_EQ(f->tp->snd_ssthresh, 5);
	CHECK_EQ(f->tp->total_retrans, 1);
	CHECK_EQ(f->tp->undo_retrans, 1);
}

uint64_t flight_ext(struct flight *f, const char *name)
{
	return tw_counter(f->w.c, "TcpExt", name);
}
