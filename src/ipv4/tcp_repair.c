/* TCP_REPAIR: taking a connection apart and putting it back together
 * without a packet on the wire, as checkpoint/restore tools (CRIU) do with
 * Linux's sockets. In repair mode a socket's sequence numbers, options,
 * windows and queues are read and written directly:
 *
 *   - TCP_REPAIR (1 on, 0 off with a window probe, -1 off without one);
 *   - TCP_REPAIR_QUEUE picks the queue the next calls act on
 *     (TCP_RECV_QUEUE, TCP_SEND_QUEUE); TCP_QUEUE_SEQ reads it, or sets it
 *     on a closed socket (the send queue's write_seq, the receive queue's
 *     rcv_nxt);
 *   - send() on the send queue queues data as already sent (it waits for
 *     an ACK, and is retransmitted on a timeout like any data), on the
 *     receive queue as already received; recv(MSG_PEEK) reads either;
 *   - connect() establishes at once, with no SYN; close() leaves with no
 *     FIN and no RST; bind() takes a port in use (SK_FORCE_REUSE);
 *   - TCP_REPAIR_OPTIONS sets what the handshake agreed (MSS, window
 *     scales, SACK, timestamps), TCP_REPAIR_WINDOW the windows,
 *     TCP_TIMESTAMP the timestamp clock.
 *
 * Each as Linux's tcp.c and tcp_output.c do it; a user-space stack belongs
 * to its owner, who holds the CAP_NET_ADMIN Linux asks for. */
#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>

#include "net/stack.h"
#include "net/tcp.h"
#include "net/wire.h"

int tcp_repair_setsockopt(struct sock *sk, int optname, const void *optval, socklen_t optlen)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int val = 0;

	if (optname == TCP_REPAIR_OPTIONS) {
		/* Only before the connection has sent anything of its own. */
		if (!tp->repair)
			return -EINVAL;
		if (sk->sk_state != TCP_ESTABLISHED || tp->bytes_sent)
			return -EPERM;
		return tcp_repair_options_est(sk, optval, optlen);
	}
	if (optname == TCP_REPAIR_WINDOW) {
		struct tcp_repair_window w;
		if (!tp->repair)
			return -EPERM;
		if (optlen != (socklen_t)sizeof(w))
			return -EINVAL;
		memcpy(&w, optval, sizeof(w));
		/* Linux's tcp_repair_set_window: what the peer last updated
		 * the window with cannot lie past what it may send, nor our
		 * last window edge past what we received. */
		if (w.max_window < w.snd_wnd)
			return -EINVAL;
		if (after(w.snd_wl1, tp->rcv_nxt + w.rcv_wnd))
			return -EINVAL;
		if (after(w.rcv_wup, tp->rcv_nxt))
			return -EINVAL;
		tp->snd_wl1 = w.snd_wl1;
		tp->snd_wnd = w.snd_wnd;
		tp->max_window = w.max_window;
		tp->rcv_wnd = w.rcv_wnd;
		tp->rcv_wup = w.rcv_wup;
		return 0;
	}
	if (optlen < (socklen_t)sizeof(int))
		return -EINVAL;
	memcpy(&val, optval, sizeof(val));
	switch (optname) {
	case TCP_REPAIR:
		if (sk->sk_state == TCP_LISTEN)
			return -EPERM;
		if (val == TCP_REPAIR_ON) {
			tp->repair = 1;
			sk->sk_reuse = SK_FORCE_REUSE;
			tp->repair_queue = TCP_NO_QUEUE;
		} else if (val == TCP_REPAIR_OFF || val == TCP_REPAIR_OFF_NO_WP) {
			tp->repair = 0;
			sk->sk_reuse = SK_NO_REUSE;
			/* A probe the peer answers with its window and the
			 * ACK of what it has: the restored sender starts
			 * from there (Linux's tcp_send_window_probe). */
			if (val == TCP_REPAIR_OFF)
				tcp_send_window_probe(sk);
		} else {
			return -EINVAL;
		}
		return 0;
	case TCP_REPAIR_QUEUE:
		if (!tp->repair)
			return -EPERM;
		if ((unsigned)val >= TCP_QUEUES_NR)
			return -EINVAL;
		tp->repair_queue = (uint8_t)val;
		return 0;
	case TCP_QUEUE_SEQ:
		if (sk->sk_state != TCP_CLOSE)
			return -EPERM;
		if (tp->repair_queue == TCP_SEND_QUEUE) {
			if (!tcp_rtx_queue_empty(sk))
				return -EPERM;
			tp->write_seq = (uint32_t)val;
		} else if (tp->repair_queue == TCP_RECV_QUEUE) {
			if (tp->rcv_nxt != tp->copied_seq)
				return -EPERM;
			tp->rcv_nxt = tp->copied_seq = (uint32_t)val;
		} else {
			return -EINVAL;
		}
		return 0;
	case TCP_TIMESTAMP:
		/* the clock the peer saw: our TSval to come is val from now */
		if (!tp->repair)
			return -EPERM;
		tp->tsoffset = (uint32_t)val - tcp_time_stamp(sk->sk_stack);
		return 0;
	}
	return -ENOPROTOOPT;
}

int tcp_repair_getsockopt(struct sock *sk, int optname, void *optval, socklen_t *optlen)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int val;

	switch (optname) {
	case TCP_REPAIR:
		val = tp->repair;
		break;
	case TCP_REPAIR_QUEUE:
		/* (Linux's get says EINVAL here, where its set says EPERM) */
		if (!tp->repair)
			return -EINVAL;
		val = tp->repair_queue;
		break;
	case TCP_QUEUE_SEQ:
		if (tp->repair_queue == TCP_SEND_QUEUE)
			val = (int)tp->write_seq;
		else if (tp->repair_queue == TCP_RECV_QUEUE)
			val = (int)tp->rcv_nxt;
		else
			return -EINVAL;
		break;
	case TCP_TIMESTAMP:
		val = (int)(tcp_time_stamp(sk->sk_stack) + tp->tsoffset);
		break;
	case TCP_REPAIR_WINDOW: {
		struct tcp_repair_window w;
		if (!tp->repair)
			return -EPERM;
		if (*optlen != (socklen_t)sizeof(w))
			return -EINVAL;
		w.snd_wl1 = tp->snd_wl1;
		w.snd_wnd = tp->snd_wnd;
		w.max_window = tp->max_window;
		w.rcv_wnd = tp->rcv_wnd;
		w.rcv_wup = tp->rcv_wup;
		memcpy(optval, &w, sizeof(w));
		return 0;
	}
	default:
		return -ENOPROTOOPT;
	}
	return sock_put_optval(optval, optlen, &val, sizeof(val));
}

/* TCP_REPAIR_OPTIONS: an array of { code, value } (Linux's
 * tcp_repair_options_est), each what the handshake agreed. */
int tcp_repair_options_est(struct sock *sk, const void *optval, socklen_t optlen)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const uint8_t *p = optval;

	while (optlen >= (socklen_t)sizeof(struct tcp_repair_opt)) {
		struct tcp_repair_opt opt;
		memcpy(&opt, p, sizeof(opt));
		p += sizeof(opt);
		optlen -= (socklen_t)sizeof(opt);
		switch (opt.opt_code) {
		case TCPOPT_MSS:
			tp->rx_opt_mss_clamp = (uint16_t)opt.opt_val;
			break;
		case TCPOPT_WINDOW: {
			uint16_t snd = (uint16_t)(opt.opt_val & 0xffff),
				 rcv = (uint16_t)(opt.opt_val >> 16);
			if (snd > TCP_MAX_WSCALE || rcv > TCP_MAX_WSCALE)
				return -EFBIG;
			tp->snd_wscale = (uint8_t)snd;
			tp->rcv_wscale = (uint8_t)rcv;
			tp->wscale_ok = true;
			break;
		}
		case TCPOPT_SACK_PERM:
			if (opt.opt_val != 0)
				return -EINVAL;
			tp->sack_ok = true;
			break;
		case TCPOPT_TIMESTAMP:
			if (opt.opt_val != 0)
				return -EINVAL;
			tp->tstamp_ok = true;
			break;
		}
	}
	/* The header every segment carries, and the MSS, follow. */
	tp->tcp_header_len =
		(uint16_t)(TCP_HLEN_MIN + (tp->tstamp_ok ? TCPOLEN_TSTAMP_ALIGNED : 0));
	tcp_sync_mss(sk, inet_csk(sk)->icsk_pmtu_cookie);
	return 0;
}

/* send() on the receive queue in repair mode: the data is queued as if
 * it had arrived in order (Linux's tcp_send_rcvq). */
ssize_t tcp_send_rcvq(struct sock *sk, const struct msghdr *msg, size_t size)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct iov_iter it;
	struct sk_buff *skb;

	if (size == 0)
		return 0;
	if (size > 0xffff0000u)
		return -EINVAL;
	skb = stack_alloc_skb(sk->sk_stack, (uint32_t)size);
	if (!skb)
		return -ENOBUFS;
	iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, size);
	if (iov_iter_fault_offset(&it) < size) {
		kfree_skb(skb);
		return -EFAULT;
	}
	copy_from_iter(skb_put(skb, (uint32_t)size), size, &it);
	if (!sk_rmem_schedule(sk, (int)skb->truesize)) {
		kfree_skb(skb);
		return -ENOMEM;
	}
	TCP_SKB_CB(skb)->seq = tp->rcv_nxt;
	TCP_SKB_CB(skb)->end_seq = tp->rcv_nxt + (uint32_t)size;
	TCP_SKB_CB(skb)->tcp_flags = 0;
	sk_rmem_charge(sk, skb);
	tcp_repair_queue_rcv(sk, skb);
	return (ssize_t)size;
}

/* Up to max bytes of skb's payload from byte off on into it: from its
 * buffer, or from the memory a MSG_ZEROCOPY send lent, piece by piece. */
static size_t peek_skb(const struct sk_buff *skb, uint32_t off, struct iov_iter *it, size_t max)
{
	size_t n, done = 0;
	const struct skb_zcopy_data *zd;

	if (off >= skb->len)
		return 0;
	n = MIN((size_t)(skb->len - off), max);
	if (!skb_zcopy(skb))
		return copy_to_iter(skb->data + off, n, it);
	zd = skb_zcopy_data(skb);
	for (uint32_t i = 0; i < zd->nr_frags && done < n; i++) {
		if (off >= zd->frags[i].len) {
			off -= zd->frags[i].len;
			continue;
		}
		done += copy_to_iter((const char *)zd->frags[i].base + off,
				     MIN((size_t)(zd->frags[i].len - off), n - done), it);
		off = 0;
	}
	return done;
}

/* recv(MSG_PEEK) on the send queue in repair mode: all of it, what was
 * sent and what was not, in order (Linux's tcp_peek_sndq). */
ssize_t tcp_peek_sndq(struct sock *sk, struct msghdr *msg, size_t len)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct iov_iter it;
	struct sk_buff *skb;
	size_t copied = 0;

	iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, len);
	/* a one-segment buffer partly acknowledged is kept whole
	 * (tcp_clean_rtx_queue): what was acknowledged is not the queue's */
	skb_rbtree_walk(skb, &tp->tcp_rtx_queue) {
		uint32_t off = before(TCP_SKB_CB(skb)->seq, tp->snd_una)
				       ? tp->snd_una - TCP_SKB_CB(skb)->seq
				       : 0;
		copied += peek_skb(skb, off, &it, len - copied);
	}
	skb_queue_walk(&sk->sk_write_queue, skb)
		copied += peek_skb(skb, 0, &it, len - copied);
	return (ssize_t)copied;
}
