/* TCP's socket calls (Linux's net/ipv4/tcp.c): send and receive between the
 * application's buffers and the write and receive queues, close and
 * shutdown, poll, options, and the state changes every other file uses. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>

#include "net/errqueue.h"
#include "net/af_inet.h"
#include "net/fault.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/trace_events.h"

static const char *const tcp_state_names[TCP_MAX_STATES] = {
	[TCP_ESTABLISHED] = "TCP_ESTABLISHED",
	[TCP_SYN_SENT] = "TCP_SYN_SENT",
	[TCP_SYN_RECV] = "TCP_SYN_RECV",
	[TCP_FIN_WAIT1] = "TCP_FIN_WAIT1",
	[TCP_FIN_WAIT2] = "TCP_FIN_WAIT2",
	[TCP_TIME_WAIT] = "TCP_TIME_WAIT",
	[TCP_CLOSE] = "TCP_CLOSE",
	[TCP_CLOSE_WAIT] = "TCP_CLOSE_WAIT",
	[TCP_LAST_ACK] = "TCP_LAST_ACK",
	[TCP_LISTEN] = "TCP_LISTEN",
	[TCP_CLOSING] = "TCP_CLOSING",
	[TCP_NEW_SYN_RECV] = "TCP_NEW_SYN_RECV",
};

UT_EXPORT const char *ut_tcp_state_name(int state)
{
	if (state <= 0 || state >= TCP_MAX_STATES)
		return "TCP_UNKNOWN";
	return tcp_state_names[state];
}

/* ---- state changes ------------------------------------------------------------*/

void tcp_set_state(struct sock *sk, int state)
{
	struct ut_stack *stack = sk->sk_stack;
	int oldstate = sk->sk_state;

	trace_inet_sock_set_state(sk, oldstate, state);
	switch (state) {
	case TCP_ESTABLISHED:
		if (oldstate != TCP_ESTABLISHED)
			TCP_INC_STATS(stack, TCP_MIB_CURRESTAB);
		break;
	case TCP_CLOSE:
		if (oldstate == TCP_CLOSE_WAIT || oldstate == TCP_ESTABLISHED)
			TCP_INC_STATS(stack, TCP_MIB_ESTABRESETS);
		/* A closed socket leaves the lookup tables, and gives back
		 * its port unless the application bound it. */
		sk->sk_prot->unhash(sk);
		if (sk->__sk_common.skc_tb && !(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
			inet_put_port(&stack->tcp_hashinfo, &sk->__sk_common);
		fallthrough;
	default:
		/* CurrEstab counts ESTABLISHED and CLOSE_WAIT, as Linux's. */
		if (oldstate == TCP_ESTABLISHED && state != TCP_CLOSE_WAIT)
			SNMP_DEC_STATS(stack, TCP_MIB_CURRESTAB);
		if (oldstate == TCP_CLOSE_WAIT && state != TCP_CLOSE_WAIT)
			SNMP_DEC_STATS(stack, TCP_MIB_CURRESTAB);
		if (state == TCP_CLOSE_WAIT && oldstate != TCP_ESTABLISHED)
			TCP_INC_STATS(stack, TCP_MIB_CURRESTAB);
	}
	sk->sk_state = (uint8_t)state;
}

void tcp_unhash(struct sock *sk)
{
	struct inet_hashinfo *h = &sk->sk_stack->tcp_hashinfo;

	if (sk->sk_state == TCP_LISTEN)
		inet_lhash_remove(sk);
	else
		inet_ehash_remove(h, &sk->__sk_common);
}

void tcp_rtx_queue_unlink(struct sk_buff *skb, struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	/* The segments before the hints are gone with this one (the
	 * queue empties from its head), so what follows is where to start. */
	if (tp->retransmit_skb_hint == skb)
		tp->retransmit_skb_hint = NULL;
	/* Every SACKed segment lies at or below the highest one: with it
	 * acknowledged, none is left. */
	if (tp->highest_sack == skb)
		tp->highest_sack = NULL;
	list_del(&skb->tcp_tsorted_anchor);
	rb_erase(&skb->rbnode, &tp->tcp_rtx_queue);
}

void tcp_rtx_queue_unlink_and_free(struct sk_buff *skb, struct sock *sk)
{
	tcp_rtx_queue_unlink(skb, sk);
	sk_wmem_uncharge(sk, skb);
	kfree_skb(skb);
}

void tcp_rtx_queue_purge(struct sock *sk)
{
	struct sk_buff *skb;

	while ((skb = tcp_rtx_queue_head(sk)) != NULL)
		tcp_rtx_queue_unlink_and_free(skb, sk);
}

void tcp_write_queue_purge(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;

	while ((skb = skb_dequeue(&sk->sk_write_queue)) != NULL) {
		sk_wmem_uncharge(sk, skb);
		kfree_skb(skb);
	}
	tcp_rtx_queue_purge(sk);
	tcp_clear_retrans(tp);
	tp->packets_out = 0;
}

void tcp_rcv_queues_purge(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;

	while ((skb = skb_dequeue(&sk->sk_receive_queue)) != NULL) {
		sk_rmem_uncharge(sk, skb);
		kfree_skb(skb);
	}
	while ((skb = skb_dequeue(&tp->out_of_order_queue)) != NULL) {
		sk_rmem_uncharge(sk, skb);
		kfree_skb(skb);
	}
	tp->num_sacks = 0;
}

void inet_csk_destroy_sock(struct sock *sk)
{
	struct ut_stack *stack = sk->sk_stack;

	BUG_ON(sk->sk_state != TCP_CLOSE);
	/* a Fast Open child closed without tcp_done lets go of its request */
	if (tcp_sk(sk)->tfo.rsk)
		reqsk_fastopen_remove(sk, tcp_sk(sk)->tfo.rsk, false);
	trace_tcp_event(sk, UT_TP_TCP_DESTROY_SOCK, NULL);
	sk->sk_prot->destroy(sk);
	if (sock_flag(sk, SOCK_DEAD) && stack->tcp_orphans)
		stack->tcp_orphans--;
	stack->tcp_socks--;
	sk_destroy(sk);
}

/* The connection ends on error err, which the application reads next
 * (Linux's tcp_done_with_error). */
void tcp_done_with_error(struct sock *sk, int err)
{
	sock_hold(sk);
	sk->sk_err = err;
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_error_report(sk);
	tcp_done(sk);
	sock_put(sk);
}

void tcp_done(struct sock *sk)
{
	if (tcp_sk(sk)->tfo.rsk)
		reqsk_fastopen_remove(sk, tcp_sk(sk)->tfo.rsk, false);
	if (sk->sk_state == TCP_SYN_SENT || sk->sk_state == TCP_SYN_RECV)
		TCP_INC_STATS(sk->sk_stack, TCP_MIB_ATTEMPTFAILS);
	tcp_set_state(sk, TCP_CLOSE);
	tcp_clear_xmit_timers(sk);
	sk->sk_shutdown = SHUTDOWN_MASK;
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
	else
		inet_csk_destroy_sock(sk);
}

/* ---- creation and buffer sizes -----------------------------------------------------*/

static void tcp_init_fields(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);

	icsk->icsk_rto = TCP_TIMEOUT_INIT_MS;
	tp->mdev_us = TCP_TIMEOUT_INIT_MS * 1000;
	tp->rttvar_us = tp->mdev_us;
	tp->srtt_us = 0;
	tp->snd_cwnd = TCP_INIT_CWND;
	tp->snd_ssthresh = TCP_INFINITE_SSTHRESH;
	tp->snd_cwnd_clamp = ~0u;
	tp->snd_cwnd_cnt = 0;
	tp->mss_cache = TCP_MSS_DEFAULT;
	tp->packets_out = tp->retrans_out = tp->sacked_out = tp->lost_out = 0;
	/* Loss recovery starts from Linux's assumptions: reordering of up
	 * to tcp_reordering segments, no min RTT yet, RACK's reordering
	 * window one quarter of it. */
	tp->reordering = (uint32_t)sk->sk_stack->sysctl.tcp_reordering;
	tp->reord_seen = 0;
	tp->delivered = tp->lost = 0;
	tp->prior_ssthresh = tp->prior_cwnd = 0;
	tp->undo_marker = 0;
	tp->undo_retrans = -1;
	tp->retrans_stamp = 0;
	tp->prr_delivered = tp->prr_out = 0;
	tp->tlp_high_seq = 0;
	tp->tlp_retrans = false;
	tp->dsack_dups = 0;
	/* TCP_INFO's counters start over, as Linux's tcp_disconnect */
	tp->data_segs_out = tp->segs_out = tp->segs_in = tp->data_segs_in = tp->rcv_ooopack = 0;
	tp->bytes_sent = tp->bytes_retrans = tp->bytes_acked = tp->bytes_received = 0;
	tp->total_rto = tp->total_rto_recoveries = 0;
	tp->total_rto_time = tp->rto_stamp = 0;
	memset(&tp->rcv_rtt_est, 0, sizeof(tp->rcv_rtt_est));
	tp->rcv_rtt_last_tsecr = 0;
	tp->chrono_type = TCP_CHRONO_UNSPEC;
	tp->chrono_start = 0;
	memset(tp->chrono_stat, 0, sizeof(tp->chrono_stat));
	tp->is_sack_reneg = false;
	tp->urg_data = 0; /* a reused socket holds no urgent byte (tcp_disconnect) */
	tp->frto = 0;
	minmax_reset(&tp->rtt_min, 0, ~0u);
	memset(&tp->rack, 0, sizeof(tp->rack));
	tp->rack.reo_wnd_steps = 1;
	icsk->icsk_ca_state = TCP_CA_Open;
	tp->prior_cwnd = 0;
	/* No RTT seen and no rate sample yet: app-limited until the first
	 * sample (Linux's tcp_init_sock). */
	minmax_reset(&tp->rtt_min, tcp_time_stamp(sk->sk_stack), ~0u);
	tp->delivered = tp->delivered_ce = 0;
	tp->app_limited = ~0u;
	tp->rate_delivered = tp->rate_interval_us = 0;
	tp->rate_app_limited = true;
	tp->first_tx_mstamp = tp->delivered_mstamp = 0;
	/* 0 until the first data arrives (tcp_event_data_recv), as in Linux */
	icsk->icsk_ack.ato = 0;
	icsk->icsk_ack.rcv_mss = TCP_MSS_DEFAULT;
	icsk->icsk_retransmits = 0;
	icsk->icsk_backoff = 0;
	icsk->icsk_probes_out = 0;
	icsk->icsk_retrans_start_ns = 0;
	/* Fast Open's record of the connection (its options stay) */
	tp->tfo.defer_connect = tp->tfo.syn_fastopen = tp->tfo.syn_fastopen_exp = false;
	tp->tfo.syn_fastopen_ch = tp->tfo.syn_data = tp->tfo.syn_data_acked = false;
	tp->tfo.client_fail = TFO_STATUS_UNSPEC;
}

void tcp_init_sock(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;

	tp->tcp_rtx_queue = RB_ROOT;
	INIT_LIST_HEAD(&tp->tsorted_sent_queue);
	skb_queue_head_init(&tp->out_of_order_queue);
	tcp_init_xmit_timers(sk);
	tcp_init_fields(sk);
	tcp_assign_congestion_control(sk);
	tp->tcp_header_len = TCP_HLEN_MIN;
	tp->scaling_ratio = TCP_DEFAULT_SCALING_RATIO;
	sk->sk_sndbuf = (int)stack->sysctl.tcp_wmem[1];
	sk->sk_rcvbuf = (int)stack->sysctl.tcp_rmem[1];
	stack->tcp_socks++;
}

/* ---- sending --------------------------------------------------------------------*/

/* TCP_NOTSENT_LOWAT (Linux's tcp_stream_memory_free): besides the send
 * buffer, the bytes queued but not yet sent must stay under the socket's
 * limit, or net.ipv4.tcp_notsent_lowat's. A writer asks that they be under
 * it (wake 0); poll and the wake-up after an ACK ask that twice as many be
 * (wake 1), so that a woken writer finds room for a useful write. */
bool tcp_stream_memory_free(const struct sock *sk, int wake)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	uint32_t lowat = tp->notsent_lowat ? tp->notsent_lowat
					   : (uint32_t)sk->sk_stack->sysctl.tcp_notsent_lowat;

	if (skb_queue_empty(&sk->sk_write_queue) && tcp_rtx_queue_empty(sk))
		return true;
	return ((uint64_t)(tp->write_seq - tp->snd_nxt) << wake) < lowat;
}

static bool sk_stream_memory_free(const struct sock *sk)
{
	return sk->sk_wmem_queued < sk->sk_sndbuf && tcp_stream_memory_free(sk, 0);
}

/* A writer may be woken: reset the flag and tell it, if the socket is
 * writable (Linux's sk_stream_write_space, TCP's sk_write_space). */
void sk_stream_write_space(struct sock *sk)
{
	if (sk->sk_socket && sk_stream_is_writeable(sk)) {
		sock_reset_flag(sk, SOCK_NOSPACE);
		sk->sk_write_space(sk);
	}
}

/* Writable when at least a third of the send buffer is free (Linux's
 * __sk_stream_is_writeable(sk, 1): free space >= half of what is queued)
 * and the unsent bytes are under half of TCP_NOTSENT_LOWAT. */
bool sk_stream_is_writeable(const struct sock *sk)
{
	int wspace = sk->sk_sndbuf - sk->sk_wmem_queued;
	return wspace >= sk->sk_wmem_queued / 2 && wspace > 0 && tcp_stream_memory_free(sk, 1);
}

static void tcp_mark_push(struct tcp_sock *tp, struct sk_buff *skb)
{
	TCP_SKB_CB(skb)->tcp_flags |= TCPHDR_PSH;
	tp->pushed_seq = tp->write_seq;
}

static bool forced_push(const struct tcp_sock *tp)
{
	return after(tp->write_seq, tp->pushed_seq + (tp->max_window >> 1));
}

void tcp_push(struct sock *sk, int flags, uint32_t mss_now, int nonagle)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (!skb)
		return;
	if (!(flags & MSG_MORE) || forced_push(tp))
		tcp_mark_push(tp, skb);
	/* MSG_OOB: the urgent pointer goes one past the last byte written
	 * (Linux's tcp_mark_urg; tcp_stdurg=0, BSD's meaning). */
	if (flags & MSG_OOB)
		tp->snd_up = tp->write_seq;
	if (flags & MSG_MORE)
		nonagle = TCP_NAGLE_CORK;
	if (tcp_write_xmit(sk, mss_now, nonagle))
		tcp_check_probe_timer(sk);
}

/* Waits for the handshake of a connection in progress (Linux's
 * sk_stream_wait_connect). 0, or -errno. */
static int sk_stream_wait_connect(struct sock *sk, uint64_t *timeo)
{
	uint64_t deadline = sock_deadline(sk, *timeo);

	for (;;) {
		if (sk->sk_err)
			return -sock_error(sk);
		if (!(TCPF(sk->sk_state) & (TCPF(TCP_SYN_SENT) | TCPF(TCP_SYN_RECV))))
			return -EPIPE;
		if (!*timeo)
			return -EAGAIN;
		int w = sk_wait(sk, deadline);
		if (w)
			return w;
		if (TCPF(sk->sk_state) & (TCPF(TCP_ESTABLISHED) | TCPF(TCP_CLOSE_WAIT)))
			return 0;
	}
}

/* Waits for send buffer space (Linux's sk_stream_wait_memory). With
 * vm_wait, the send buffer had room but tcp_mem refused the memory: the
 * writer sleeps a random 2 to 201 ms, as Linux does, and tries again, since
 * other sockets free the memory without telling this one. */
static int sk_stream_wait_memory(struct sock *sk, uint64_t deadline, bool noblock, bool vm_wait)
{
	struct ut_stack *stack = sk->sk_stack;

	for (;;) {
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
			return -EPIPE;
		if (!vm_wait && sk_stream_memory_free(sk))
			return 0;
		sock_set_flag(sk, SOCK_NOSPACE);
		if (noblock)
			return -EAGAIN;
		if (vm_wait) {
			uint64_t wake = stack_now(stack) +
					(2 + prandom_below(&stack->rng, HZ / 5)) * NSEC_PER_MSEC;
			int w = sk_wait(sk, MIN(deadline, wake));
			if (w == -EAGAIN && stack_now(stack) < deadline)
				return 0;
			return w;
		}
		int w = sk_wait(sk, deadline);
		if (w)
			return w;
	}
}

/* Linux's sock_cmsg_send as tcp_sendmsg runs it: every control message
 * must fit the buffer, and those of SOL_SOCKET must be of a type it knows
 * (SO_MARK, SO_PRIORITY, SO_TIMESTAMPING, SCM_TXTIME with their lengths;
 * SCM_RIGHTS and SCM_CREDENTIALS pass); TCP ignores the rest. usertcp
 * acts on none of them. Any fault is EINVAL. */
static int tcp_cmsg_check(const struct msghdr *msg)
{
	struct msghdr *m = (struct msghdr *)(uintptr_t)msg;
	const char *end = (const char *)msg->msg_control + msg->msg_controllen;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_len < sizeof(*c) || c->cmsg_len > (size_t)(end - (const char *)c))
			return -EINVAL;
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		switch (c->cmsg_type) {
		case SO_MARK:
		case SO_PRIORITY:
		case SO_TIMESTAMPING:
			if (c->cmsg_len != CMSG_LEN(sizeof(uint32_t)))
				return -EINVAL;
			break;
		case SCM_TXTIME:
			if (c->cmsg_len != CMSG_LEN(sizeof(uint64_t)))
				return -EINVAL;
			break;
		case SCM_RIGHTS:
		case SCM_CREDENTIALS:
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

/* SO_TIMESTAMPING's stamps of a sendmsg are for its last byte, which the
 * write queue's tail holds (Linux's tcp_tx_timestamp). */
static void tcp_tx_timestamp(struct sock *sk, uint32_t tsflags)
{
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
	struct tcp_skb_cb *tcb;

	if (!skb || !(tsflags & SOF_TIMESTAMPING_TX_SW_ANY_))
		return;
	tcb = TCP_SKB_CB(skb);
	tcb->txstamp_sched |= !!(tsflags & SOF_TIMESTAMPING_TX_SCHED);
	tcb->txstamp_snd |= !!(tsflags & SOF_TIMESTAMPING_TX_SOFTWARE);
	tcb->txstamp_ack |= !!(tsflags & SOF_TIMESTAMPING_TX_ACK);
	tcb->tskey = tcb->seq + skb->len - 1;
}

static ssize_t tcp_sendmsg_locked(struct sock *sk, const struct msghdr *msg, size_t size, int flags,
				  struct ubuf_info *uarg)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	bool noblock = flags & MSG_DONTWAIT;
	uint64_t timeo = sock_sndtimeo(sk, noblock);
	uint64_t deadline;
	struct iov_iter it;
	uint32_t mss_now, size_goal;
	size_t copied = 0, copied_syn = 0;
	bool vm_wait = false;	  /* tcp_mem, not the send buffer, said no */
	bool new_segment = false; /* the tail buffer takes no more of this send */
	bool fault;
	uint32_t tsflags = sk->sk_tsflags;
	int err;

	iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, size);
	/* Linux copies a write in chunks and loses the chunk a bad buffer
	 * falls in: what came in whole chunks before it is sent, and a
	 * fault in the first chunk is EFAULT. usertcp's chunk is Linux's
	 * page fragment, TCP_COPY_CHUNK. */
	it.count = iov_iter_fault_offset(&it);
	fault = it.count < size;
	if (fault)
		it.count -= it.count % TCP_COPY_CHUNK;
	if ((flags & MSG_FASTOPEN) || tp->tfo.defer_connect) {
		/* connect, with what fits in the SYN (tcp_fastopen.c) */
		/* what goes in the SYN is copied into it: Linux too, the
		 * route's gathering unknown before connect (COPIED) */
		if (uarg)
			uarg->zerocopy = false;
		err = tcp_sendmsg_fastopen(sk, msg, &it, flags, &copied_syn);
		if (err == -EINPROGRESS && copied_syn > 0)
			return (ssize_t)copied_syn;
		if (err)
			return err;
	}
	tcp_rate_check_app_limited(sk); /* is sending application-limited? */
	/* A passive Fast Open child may send in SYN_RECV (Linux). */
	if (!(TCPF(sk->sk_state) & (TCPF(TCP_ESTABLISHED) | TCPF(TCP_CLOSE_WAIT))) &&
	    !tp->tfo.rsk) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto do_error;
	}
	/* TCP_REPAIR: the receive queue takes data as received; the send
	 * queue as sent (tcp_write_xmit); no queue, nothing */
	if (tp->repair) {
		if (tp->repair_queue == TCP_RECV_QUEUE)
			return tcp_send_rcvq(sk, msg, size);
		if (tp->repair_queue == TCP_NO_QUEUE)
			return -EINVAL;
	}
	if (msg->msg_controllen && msg->msg_control &&
	    ((err = tcp_cmsg_check(msg)) != 0 || (err = sock_cmsg_tsflags(msg, &tsflags)) != 0))
		return err;
	deadline = sock_deadline(sk, timeo);
	mss_now = tcp_send_mss(sk, &size_goal, flags);

	err = -EPIPE;
	if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
		goto do_error;
	err = -EFAULT;
	if (fault && !it.count)
		goto do_error;

	while (it.count) {
		struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
		uint32_t copy = 0;

		/* A buffer that ends a record (MSG_EOR) takes no more
		 * (Linux's tcp_skb_can_collapse_to). */
		if (skb && skb->len < size_goal && !(TCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN) &&
		    !TCP_SKB_CB(skb)->eor && !skb_cloned(skb) && !new_segment) {
			/* Lent memory joins only a buffer of the same send's
			 * (or of one it extends); copied bytes only a buffer
			 * that holds copies. Linux also mixes the two in one
			 * skb (copies as page fragments beside lent pages). */
			if (uarg || skb_zcopy(skb))
				copy = skb_zcopy_uarg(skb) == uarg ? size_goal - skb->len : 0;
			else
				copy = MIN(size_goal - skb->len, skb_tailroom(skb));
			/* A buffer whose memory ends short of the size goal
			 * (the rest of one cut at the window: buffers are
			 * linear, Linux's grow by page fragments) is filled
			 * to a segment boundary only, so that the wire still
			 * carries full segments. */
			if (!uarg && copy < size_goal - skb->len)
				copy -= MIN(copy, (skb->len + copy) % mss_now);
		}
		new_segment = false;
		if (copy == 0) {
			if (!sk_stream_memory_free(sk))
				goto wait_for_space;
			/* tcp_mem first (Linux's tcp_stream_alloc_skb): a
			 * refusal shrank the send buffer; wait for memory. */
			if (!sk_wmem_schedule(sk, (int)tcp_skb_base_truesize(stack))) {
				vm_wait = true;
				goto wait_for_space;
			}
			/* Room for a full 64 KB when buffers are on, so the
			 * buffer can follow a size goal that grows with the
			 * peer's window while it waits (only the bytes copied
			 * in are charged, below). */
			if (uarg)
				skb = alloc_skb_zcopy(stack->pool, uarg);
			else
				skb = stack_alloc_skb(stack, size_goal > mss_now ? TCP_GSO_MAX_SIZE
										 : size_goal);
			if (!skb) {
				err = -ENOBUFS;
				if (copied)
					goto out;
				goto do_error;
			}
			TCP_SKB_CB(skb)->seq = TCP_SKB_CB(skb)->end_seq = tp->write_seq;
			TCP_SKB_CB(skb)->tcp_flags = TCPHDR_ACK;
			TCP_SKB_CB(skb)->sacked = 0;
			tcp_skb_pcount_set(skb, 0); /* counted when sent */
			TCP_SKB_CB(skb)->tcp_gso_size = 0;
			/* Charged as Linux charges a buffer whose data lives
			 * in pages: the descriptor and headers now, each byte
			 * as it is copied in (below). A short write costs a
			 * short charge however large the buffer may grow. */
			skb->truesize = tcp_skb_base_truesize(stack);
			skb_queue_tail(&sk->sk_write_queue, skb);
			/* the first data waiting: busy from now (Linux's
			 * tcp_add_write_queue_tail) */
			if (skb_queue_len(&sk->sk_write_queue) == 1)
				tcp_chrono_start(sk, TCP_CHRONO_BUSY);
			sk_wmem_charge(sk, skb);
			/* a push asked for the buffers before this one
			 * (Linux's tcp_skb_entail) */
			tp->nonagle &= (uint8_t)~TCP_NAGLE_PUSH;
			tcp_slow_start_after_idle_check(sk);
			copy = uarg ? size_goal : MIN(size_goal, skb_tailroom(skb));
		}
		if (copy > it.count)
			copy = (uint32_t)it.count;
		/* Linux copies into page fragments of at most 32 KB
		 * (SKB_FRAG_PAGE_ORDER), charging each: the same unit here. */
		if (!uarg && copy > TCP_COPY_CHUNK)
			copy = TCP_COPY_CHUNK;
		if (!sk_wmem_schedule(sk, (int)copy)) {
			vm_wait = true;
			goto wait_for_space;
		}
		if (uarg) {
			/* the caller's memory, referenced (Linux's
			 * skb_zerocopy_iter_stream); the bytes are charged as
			 * copies would be, so the send buffer bounds what an
			 * application may lend */
			copy = (uint32_t)skb_zerocopy_iter_stream(skb, &it, copy);
			if (!copy) {
				/* its pieces ran out: the buffer ends here,
				 * pushed (Linux's -EMSGSIZE) */
				tcp_mark_push(tp, skb);
				new_segment = true;
				continue;
			}
		} else {
			copy_from_iter(skb_put(skb, copy), copy, &it);
		}
		skb->truesize += copy;
		sk->sk_wmem_queued += (int)copy;
		sk_mem_charge(sk, (int)copy);
		/* it grew: counted again in segments when it goes (Linux) */
		tcp_skb_pcount_set(skb, 0);
		sk->sk_write_queue.bytes += copy;
		tp->write_seq += copy;
		TCP_SKB_CB(skb)->end_seq += copy;
		copied += copy;
		trace_tcp_queue(sk, UT_TP_WRITE_QUEUE, skb, copy, &sk->sk_write_queue);
		if (!it.count) {
			if (flags & MSG_EOR)
				TCP_SKB_CB(skb)->eor = 1;
			break;
		}
		/* urgent data is pushed once, at the end (Linux) */
		if (skb->len < size_goal || (flags & MSG_OOB))
			continue;
		if (forced_push(tp)) {
			tcp_mark_push(tp, skb);
			if (tcp_write_xmit(sk, mss_now, TCP_NAGLE_PUSH))
				tcp_check_probe_timer(sk);
		} else if (skb == skb_peek(&sk->sk_write_queue)) {
			if (tcp_write_xmit(sk, mss_now, tp->nonagle))
				tcp_check_probe_timer(sk);
		}
		continue;

wait_for_space:
		tcp_chrono_start(sk, TCP_CHRONO_SNDBUF_LIMITED);
		tcp_push(sk, flags & ~MSG_MORE, mss_now, TCP_NAGLE_PUSH);
		err = sk_stream_wait_memory(sk, deadline, noblock || !timeo, vm_wait);
		vm_wait = false;
		if (err)
			goto do_error;
		mss_now = tcp_send_mss(sk, &size_goal, flags);
	}
out:
	if (copied) {
		tcp_tx_timestamp(sk, tsflags);
		tcp_push(sk, flags, mss_now, tp->nonagle);
	}
	return (ssize_t)(copied + copied_syn);

do_error:
	if (copied + copied_syn)
		goto out;
	if (err == -EDEADLK)
		return err;
	if (err == -EPIPE && sk->sk_err)
		return -sock_error(sk);
	return err;
}

/* MSG_ZEROCOPY (Documentation/networking/msg_zerocopy.rst): with
 * SO_ZEROCOPY on, the send's buffers reference the caller's memory, which
 * stays lent until every byte is acknowledged; the error queue then says
 * so. A send that fails having taken nothing gives its number back. */
ssize_t tcp_sendmsg(struct sock *sk, const struct msghdr *msg, size_t size, int flags)
{
	struct ubuf_info *uarg = NULL;
	ssize_t ret;

	if ((flags & MSG_ZEROCOPY) && size && sock_flag(sk, SOCK_ZEROCOPY)) {
		struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);
		uarg = msg_zerocopy_realloc(sk, size, tail ? skb_zcopy_uarg(tail) : NULL);
		if (!uarg)
			return -ENOBUFS;
	}
	ret = tcp_sendmsg_locked(sk, msg, size, flags, uarg);
	if (uarg) {
		if (ret > 0)
			net_zcopy_put(uarg);
		else
			msg_zerocopy_put_abort(uarg, true);
	}
	return ret;
}

/* ---- receiving --------------------------------------------------------------------*/

static void tcp_eat_skb(struct sock *sk, struct sk_buff *skb)
{
	skb_unlink(skb, &sk->sk_receive_queue);
	sk_rmem_uncharge(sk, skb);
	kfree_skb(skb);
}

/* recv(MSG_OOB): the urgent byte, once (Linux's tcp_recv_urg). It never
 * blocks, whatever the socket's mode (BSD's behaviour, which Linux keeps):
 * EINVAL when there is no urgent byte to take (none announced, already
 * taken, or SO_OOBINLINE leaves it in the stream), EAGAIN while the
 * announced byte has not arrived, 0 once the stream has ended. */
static ssize_t tcp_recv_urg(struct sock *sk, struct msghdr *msg, size_t len, int flags)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct iov_iter it;
	char c;

	if (sock_flag(sk, SOCK_URGINLINE) || !tp->urg_data || tp->urg_data == TCP_URG_READ)
		return -EINVAL;
	if (sk->sk_state == TCP_CLOSE && !sock_flag(sk, SOCK_DONE))
		return -ENOTCONN;
	if (tp->urg_data & TCP_URG_VALID) {
		c = (char)(tp->urg_data & 0xff);
		if (!(flags & MSG_PEEK))
			tp->urg_data = TCP_URG_READ;
		msg->msg_flags |= MSG_OOB;
		if (!len) {
			msg->msg_flags |= MSG_TRUNC;
			return 0;
		}
		if (!(flags & MSG_TRUNC)) {
			iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, 1);
			copy_to_iter(&c, 1, &it);
		}
		return 1;
	}
	if (sk->sk_state == TCP_CLOSE || (sk->sk_shutdown & RCV_SHUTDOWN))
		return 0;
	return -EAGAIN;
}

/* Bytes left to read, for TCP_INQ's control message: after a FIN, 1 when
 * nothing else is, so that the reader goes on to see the end (Linux's
 * tcp_inq_hint). */
static int tcp_inq_hint(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	int inq = (int)(tp->rcv_nxt - tp->copied_seq);

	if (inq == 0 && sock_flag(sk, SOCK_DONE))
		inq = 1;
	return inq;
}

/* TCP_INQ's control message on a successful read (SOL_TCP, TCP_CM_INQ,
 * an int), written as Linux's put_cmsg writes one: msg_control advances
 * past it and msg_controllen shrinks by its space (the caller turns that
 * back into the length written); MSG_CTRUNC when it does not fit whole. */
static void tcp_recv_inq_cmsg(const struct sock *sk, struct msghdr *msg)
{
	int inq = tcp_inq_hint(sk);

	put_cmsg(msg, SOL_TCP, TCP_CM_INQ, sizeof(inq), &inq);
}

static ssize_t tcp_recvmsg_locked(struct sock *sk, struct msghdr *msg, size_t len, int flags);

ssize_t tcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags, int *addr_len)
{
	ssize_t ret;

	/* Linux reads MSG_ERRQUEUE from the socket's error queue before
	 * anything else, whatever the socket's blocking mode, and answers
	 * EAGAIN at once when it is empty. */
	if (flags & MSG_ERRQUEUE)
		return inet_recv_error(sk, msg, len, addr_len);
	/* TCP_REPAIR: the queues are only peeked at, the send queue too */
	if (tcp_sk(sk)->repair) {
		if (!(flags & MSG_PEEK))
			return -EPERM;
		if (tcp_sk(sk)->repair_queue == TCP_SEND_QUEUE)
			return tcp_peek_sndq(sk, msg, len);
		if (tcp_sk(sk)->repair_queue == TCP_NO_QUEUE)
			return -EINVAL;
	}
	ret = tcp_recvmsg_locked(sk, msg, len, flags);
	if (ret >= 0 && tcp_sk(sk)->recvmsg_inq && sk->sk_state != TCP_LISTEN)
		tcp_recv_inq_cmsg(sk, msg);
	return ret;
}

static ssize_t tcp_recvmsg_locked(struct sock *sk, struct msghdr *msg, size_t len, int flags)
{
	struct tcp_sock *tp = tcp_sk(sk);
	bool peek = flags & MSG_PEEK;
	uint64_t timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	uint64_t deadline = sock_deadline(sk, timeo);
	uint32_t peek_seq = tp->copied_seq;
	uint32_t *seq = peek ? &peek_seq : &tp->copied_seq;
	uint32_t first_seq = *seq;
	size_t target, copied = 0;
	struct iov_iter it;
	bool fault = false;
	ssize_t err = 0;
	uint64_t rx_tstamp = 0; /* arrival of the last buffer read */

	if (sk->sk_state == TCP_LISTEN)
		return -ENOTCONN;
	if (flags & MSG_OOB)
		return tcp_recv_urg(sk, msg, len, flags);
	iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, len);
	/* A NULL buffer faults when a byte is to be copied into it, as
	 * Linux's copy does: the read stops there (MSG_TRUNC copies none). */
	if (!(flags & MSG_TRUNC) && (it.count = iov_iter_fault_offset(&it)) < len) {
		fault = true;
		len = it.count;
	}
	target = (flags & MSG_WAITALL) ? len : MIN((size_t)sk->sk_rcvlowat, len);
	if (target == 0)
		target = 1;

	/* At least one pass, as Linux's loop: a zero-length read still
	 * reports EAGAIN, ENOTCONN or the pending error when nothing is
	 * there to read, and 0 when data or the FIN is. */
	do {
		struct sk_buff *skb;
		uint32_t offset = 0;
		bool found = false, fin = false;

		/* A read stops at the urgent mark: what came before it is
		 * returned first (Linux's tcp_recvmsg_locked). */
		if (tp->urg_data && tp->urg_seq == *seq && copied)
			break;
		skb_queue_walk(&sk->sk_receive_queue, skb) {
			offset = *seq - TCP_SKB_CB(skb)->seq;
			if (offset < skb->len) {
				found = true;
				break;
			}
			if (TCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN) {
				fin = true;
				break;
			}
		}
		if (found) {
			uint32_t used = skb->len - offset;
			if (fault && copied == len) {
				if (!copied)
					err = -EFAULT;
				break;
			}
			if (used > len - copied)
				used = (uint32_t)(len - copied);
			/* The urgent byte: skipped when it is out of band,
			 * and the read ends before it when it lies ahead. */
			if (tp->urg_data) {
				uint32_t urg_offset = tp->urg_seq - *seq;
				if (urg_offset < used) {
					if (urg_offset) {
						used = urg_offset;
					} else if (!sock_flag(sk, SOCK_URGINLINE)) {
						++*seq;
						offset++;
						used--;
					}
				}
			}
			/* MSG_TRUNC: Linux drops (or with MSG_PEEK skips)
			 * the bytes without copying them, so the buffer may
			 * be NULL. */
			if (used && !(flags & MSG_TRUNC))
				copy_to_iter(skb->data + offset, used, &it);
			*seq += used;
			copied += used;
			/* past the mark: the urgent state is over */
			if (tp->urg_data && after(tp->copied_seq, tp->urg_seq))
				tp->urg_data = 0;
			rx_tstamp = skb->tstamp;
			/* A buffer carrying data and the FIN stays for the
			 * next pass, which consumes the FIN. */
			if (!peek && offset + used == skb->len &&
			    !(TCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN))
				tcp_eat_skb(sk, skb);
			continue;
		}
		if (fin) {
			++*seq;
			if (!peek)
				tcp_eat_skb(sk, skb);
			break;
		}
		if (copied >= target)
			break;
		if (copied) {
			if (sk->sk_err || sk->sk_state == TCP_CLOSE ||
			    (sk->sk_shutdown & RCV_SHUTDOWN) || !timeo)
				break;
		} else {
			if (sock_flag(sk, SOCK_DONE))
				break;
			if (sk->sk_err) {
				err = -sock_error(sk);
				break;
			}
			if (sk->sk_shutdown & RCV_SHUTDOWN)
				break;
			if (sk->sk_state == TCP_CLOSE) {
				err = -ENOTCONN;
				break;
			}
			if (!timeo) {
				err = -EAGAIN;
				break;
			}
		}
		tcp_cleanup_rbuf(sk, (uint32_t)copied);
		int w = sk_wait(sk, deadline);
		if (w) {
			if (!copied)
				err = w;
			break;
		}
	} while (copied < len);
	if (!peek)
		tcp_cleanup_rbuf(sk, (uint32_t)copied);
	if (copied && !peek)
		tcp_rcv_space_adjust(sk);
	if (copied)
		trace_tcp_user_read(sk, first_seq, (uint32_t)copied);
	/* Linux's tcp_recv_timestamp: the stamp of the last buffer read */
	if (rx_tstamp && copied)
		sock_recv_timestamp(msg, sk, rx_tstamp, false);
	return copied ? (ssize_t)copied : err;
}

/* ---- close and shutdown --------------------------------------------------------------*/

/* An entry of the table below: the next state in the low four bits, and
 * TCP_ACTION_FIN when the close sends a FIN (Linux's names). */
#define TCP_STATE_MASK 0xf
#define TCP_ACTION_FIN (1 << TCP_CLOSE)
_Static_assert(TCP_MAX_STATES <= TCP_STATE_MASK + 1 && TCP_ACTION_FIN > TCP_STATE_MASK,
	       "the FIN bit is clear of the states");

/* The state a close moves to, and whether a FIN goes out (Linux's
 * new_state table in tcp.c, RFC 9293 3.10.4). */
static bool tcp_close_state(struct sock *sk)
{
	static const uint8_t next[TCP_MAX_STATES] = {
		[TCP_ESTABLISHED] = TCP_FIN_WAIT1 | TCP_ACTION_FIN,
		[TCP_SYN_SENT] = TCP_CLOSE,
		[TCP_SYN_RECV] = TCP_FIN_WAIT1 | TCP_ACTION_FIN,
		[TCP_FIN_WAIT1] = TCP_FIN_WAIT1,
		[TCP_FIN_WAIT2] = TCP_FIN_WAIT2,
		[TCP_TIME_WAIT] = TCP_CLOSE,
		[TCP_CLOSE] = TCP_CLOSE,
		[TCP_CLOSE_WAIT] = TCP_LAST_ACK | TCP_ACTION_FIN,
		[TCP_LAST_ACK] = TCP_LAST_ACK,
		[TCP_LISTEN] = TCP_CLOSE,
		[TCP_CLOSING] = TCP_CLOSING,
	};
	uint8_t ns = next[sk->sk_state];

	if ((ns & TCP_STATE_MASK) != sk->sk_state)
		tcp_set_state(sk, ns & TCP_STATE_MASK);
	return ns & TCP_ACTION_FIN;
}

void tcp_shutdown(struct sock *sk, int how)
{
	if (!(how & SEND_SHUTDOWN))
		return;
	if (TCPF(sk->sk_state) & (TCPF(TCP_ESTABLISHED) | TCPF(TCP_SYN_SENT) | TCPF(TCP_SYN_RECV) |
				  TCPF(TCP_CLOSE_WAIT))) {
		if (tcp_close_state(sk))
			tcp_send_fin(sk);
	}
}

static bool tcp_need_reset(int state)
{
	return TCPF(state) & (TCPF(TCP_ESTABLISHED) | TCPF(TCP_CLOSE_WAIT) | TCPF(TCP_FIN_WAIT1) |
			      TCPF(TCP_FIN_WAIT2) | TCPF(TCP_SYN_RECV));
}

/* Linux's tcp_disconnect: abort whatever the connection was doing (a RST
 * if the peer knows of it) and return the socket to a reusable CLOSE. */
int tcp_disconnect(struct sock *sk, int flags)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int old_state = sk->sk_state;
	(void)flags;

	tcp_fastopen_active_disable_ofo_check(sk);
	if (old_state != TCP_CLOSE)
		tcp_set_state(sk, TCP_CLOSE);
	if (old_state == TCP_LISTEN) {
		inet_csk_listen_stop(sk);
	} else if (tp->repair) {
		/* taken apart for a restore elsewhere: the peer hears nothing */
		sk->sk_err = ECONNABORTED;
	} else if (tcp_need_reset(old_state) ||
		   (tp->snd_nxt != tp->write_seq &&
		    (TCPF(old_state) & (TCPF(TCP_CLOSING) | TCPF(TCP_LAST_ACK))))) {
		tcp_send_active_reset(sk);
		sk->sk_err = ECONNRESET;
	} else if (old_state == TCP_SYN_SENT) {
		sk->sk_err = ECONNRESET;
	}
	tcp_clear_xmit_timers(sk);
	tcp_write_queue_purge(sk);
	tcp_rcv_queues_purge(sk);
	/* The module chosen stays; its state goes, and init runs again at
	 * the next connection (Linux's tcp_disconnect). */
	tcp_cleanup_congestion_control(sk);
	memset(inet_csk(sk)->icsk_ca_priv, 0, sizeof(inet_csk(sk)->icsk_ca_priv));
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
		inet_reset_saddr(sk);
	sk->sk_dport = 0;
	inet_reset_daddr(sk);
	sk->sk_shutdown = 0;
	sock_reset_flag(sk, SOCK_DONE);
	/* Leave a gap in sequence space so old segments of this connection
	 * cannot be taken for a new one's (Linux adds max_window + 2). */
	tp->write_seq += tp->max_window + 2;
	if (!tp->write_seq)
		tp->write_seq = 1;
	tcp_init_fields(sk);
	tp->snd_wnd = tp->max_window = 0;
	tp->num_sacks = 0;
	tp->tstamp_ok = tp->sack_ok = tp->wscale_ok = false;
	tp->ts_recent = 0;
	tp->ts_recent_stamp = 0;
	sk->sk_error_report(sk);
	return 0;
}

void tcp_disconnect_reset(struct sock *sk, int err)
{
	tcp_send_active_reset(sk);
	sk->sk_err = err;
	tcp_done(sk);
}

/* Waits until the FIN has been acknowledged, for SO_LINGER. */
static void sk_stream_wait_close(struct sock *sk, uint64_t timeout)
{
	uint64_t deadline = sock_deadline(sk, timeout);

	while (TCPF(sk->sk_state) &
	       (TCPF(TCP_FIN_WAIT1) | TCPF(TCP_CLOSING) | TCPF(TCP_LAST_ACK))) {
		if (sk_wait(sk, deadline))
			break;
	}
}

void tcp_close(struct sock *sk, uint64_t timeout)
{
	struct ut_stack *stack = sk->sk_stack;
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t data_was_unread = 0;
	struct sk_buff *skb;
	int state;

	sk->sk_shutdown = SHUTDOWN_MASK;
	if (sk->sk_state == TCP_LISTEN) {
		tcp_set_state(sk, TCP_CLOSE);
		inet_csk_listen_stop(sk);
		goto adjudge_to_death;
	}
	tcp_fastopen_active_disable_ofo_check(sk);
	/* Unread data is thrown away; its presence decides between FIN and
	 * RST below. */
	while ((skb = skb_dequeue(&sk->sk_receive_queue)) != NULL) {
		uint32_t len = TCP_SKB_CB(skb)->end_seq - TCP_SKB_CB(skb)->seq;
		if (TCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN)
			len--;
		data_was_unread += len;
		sk_rmem_uncharge(sk, skb);
		kfree_skb(skb);
	}
	if (sk->sk_state == TCP_CLOSE)
		goto adjudge_to_death;

	if (tp->repair) {
		/* TCP_REPAIR: gone without a word (Linux's tcp_close) */
		tcp_disconnect(sk, 0);
	} else if (data_was_unread) {
		/* RFC 2525 2.17: closing with unread data resets the
		 * connection, so the peer knows it was not all read. */
		tcp_set_state(sk, TCP_CLOSE);
		tcp_send_active_reset(sk);
		NET_INC_STATS(stack, LINUX_MIB_TCPABORTONCLOSE);
	} else if (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime) {
		/* SO_LINGER with a zero timeout: abort with a RST. */
		tcp_disconnect(sk, 0);
		NET_INC_STATS(stack, LINUX_MIB_TCPABORTONDATA);
	} else if (tcp_close_state(sk)) {
		tcp_send_fin(sk);
	}
	if (timeout)
		sk_stream_wait_close(sk, timeout);

adjudge_to_death:
	state = sk->sk_state;
	sock_orphan(sk);
	stack->tcp_orphans++;

	if (state == TCP_CLOSE)
		goto destroy;
	if (tcp_out_of_memory(sk)) {
		/* TCP memory is over tcp_mem's max: an orphan holding unsent
		 * data is reset rather than kept (Linux's tcp_check_oom in
		 * tcp_close). */
		tcp_set_state(sk, TCP_CLOSE);
		tcp_send_active_reset(sk);
		NET_INC_STATS(stack, LINUX_MIB_TCPABORTONMEMORY);
		goto destroy;
	}
	if (sk->sk_state == TCP_FIN_WAIT2) {
		int linger2 = tp->linger2 ? tp->linger2 : (int)stack->sysctl.tcp_fin_timeout;
		if (tp->linger2 < 0) {
			tcp_set_state(sk, TCP_CLOSE);
			tcp_send_active_reset(sk);
			NET_INC_STATS(stack, LINUX_MIB_TCPABORTONLINGER);
		} else {
			uint32_t tmo = (uint32_t)linger2 * 1000;
			if (tmo > TCP_TIMEWAIT_LEN_MS) {
				inet_csk_reset_keepalive_timer(sk, tmo - TCP_TIMEWAIT_LEN_MS);
			} else {
				tcp_time_wait(sk, TCP_FIN_WAIT2, tmo);
				return;
			}
		}
	}
destroy:
	if (sk->sk_state == TCP_CLOSE)
		inet_csk_destroy_sock(sk);
}

/* ---- poll and ioctl -----------------------------------------------------------------*/

unsigned tcp_poll(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct tcp_sock *tp;
	unsigned mask = 0;
	int state;

	if (!sk)
		return EPOLLHUP;
	tp = tcp_sk(sk);
	state = sk->sk_state;
	if (state == TCP_LISTEN)
		return inet_csk(sk)->icsk_accept_queue.rskq_accept_head ? EPOLLIN | EPOLLRDNORM : 0;

	if (sk->sk_shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (sk->sk_shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	/* connected, or a passive Fast Open child (Linux's tcp_poll) */
	if (state != TCP_SYN_SENT && (state != TCP_SYN_RECV || tp->tfo.rsk)) {
		uint32_t avail = tp->rcv_nxt - tp->copied_seq;
		uint32_t target = (uint32_t)MAX(sk->sk_rcvlowat, 1);
		/* An out-of-band byte at the read position is not a byte to
		 * read (Linux's tcp_poll). */
		if (tp->urg_data && tp->urg_seq == tp->copied_seq && !sock_flag(sk, SOCK_URGINLINE))
			target++;
		if (avail >= target || (avail && sock_flag(sk, SOCK_DONE)))
			mask |= EPOLLIN | EPOLLRDNORM;
		/* the urgent byte has arrived and is not yet taken */
		if (tp->urg_data & TCP_URG_VALID)
			mask |= EPOLLPRI;
		if (!(sk->sk_shutdown & SEND_SHUTDOWN)) {
			if (sk_stream_is_writeable(sk))
				mask |= EPOLLOUT | EPOLLWRNORM;
			else
				sock_set_flag(sk, SOCK_NOSPACE);
		} else {
			mask |= EPOLLOUT | EPOLLWRNORM;
		}
	} else if (state == TCP_SYN_SENT && tp->tfo.defer_connect) {
		/* the SYN waits for a write (TCP_FASTOPEN_CONNECT) */
		mask |= EPOLLOUT | EPOLLWRNORM;
	}
	if (sk->sk_err || !skb_queue_empty(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

int tcp_ioctl(struct sock *sk, unsigned long cmd, int *arg)
{
	struct tcp_sock *tp = tcp_sk(sk);

	/* Linux's tcp_ioctl answers 0 for all three queues during the
	 * handshake: the SYN is in the sequence space, not a byte queued. */
	bool handshake = TCPF(sk->sk_state) & (TCPF(TCP_SYN_SENT) | TCPF(TCP_SYN_RECV));

	switch (cmd) {
	case FIONREAD: /* SIOCINQ */
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		if (handshake) {
			*arg = 0;
			return 0;
		}
		/* Pending urgent data ahead: up to the mark only, as a
		 * read stops there (Linux's tcp_inq). */
		if (tp->urg_data && !sock_flag(sk, SOCK_URGINLINE) &&
		    !before(tp->urg_seq, tp->copied_seq) && before(tp->urg_seq, tp->rcv_nxt)) {
			*arg = (int)(tp->urg_seq - tp->copied_seq);
			return 0;
		}
		*arg = (int)(tp->rcv_nxt - tp->copied_seq);
		/* a received FIN counts in rcv_nxt but is not a byte to read */
		if (sock_flag(sk, SOCK_DONE) && *arg > 0)
			(*arg)--;
		return 0;
	case SIOCATMARK:
		/* Whether the next byte to read is the urgent mark (Linux
		 * asks no state, so listeners answer 0). */
		*arg = tp->urg_data && tp->urg_seq == tp->copied_seq;
		return 0;
	case TIOCOUTQ: /* SIOCOUTQ: not yet acknowledged */
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		*arg = handshake ? 0 : (int)(tp->write_seq - tp->snd_una);
		return 0;
	case 0x894B: /* SIOCOUTQNSD (linux/sockios.h): not yet sent */
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		*arg = handshake ? 0 : (int)(tp->write_seq - tp->snd_nxt);
		return 0;
	}
	return -ENOTTY;
}

/* ---- options ----------------------------------------------------------------------*/

void tcp_set_keepalive(struct sock *sk, bool on)
{
	if (TCPF(sk->sk_state) & (TCPF(TCP_CLOSE) | TCPF(TCP_LISTEN)))
		return;
	if (on && !sock_flag(sk, SOCK_KEEPOPEN))
		inet_csk_reset_keepalive_timer(sk,
					       (uint64_t)tcp_keepalive_time_s(tcp_sk(sk)) * 1000);
	else if (!on)
		inet_csk_delete_keepalive_timer(sk);
}

/* TCP_DEFER_ACCEPT's seconds and the SYN-ACK timeouts they last: the
 * timeouts start at TCP_TIMEOUT_INIT (1 s) and double up to TCP_RTO_MAX
 * (120 s). A value becomes the fewest timeouts whose sum reaches it
 * (at most 255), and reads back as that sum: 10 s is 4 timeouts, read
 * as 15 (Linux's secs_to_retrans and retrans_to_secs). */
static uint8_t tcp_secs_to_retrans(int secs)
{
	int timeout = TCP_TIMEOUT_INIT_MS / 1000, max = TCP_RTO_MAX_MS / 1000;
	int total = timeout, n = 1;

	if (secs <= 0)
		return 0;
	while (secs > total && n < 255) {
		timeout = MIN(timeout * 2, max);
		total += timeout;
		n++;
	}
	return (uint8_t)n;
}

static int tcp_retrans_to_secs(uint8_t n)
{
	int timeout = TCP_TIMEOUT_INIT_MS / 1000, max = TCP_RTO_MAX_MS / 1000;
	int total = n ? timeout : 0;

	while (n-- > 1) {
		timeout = MIN(timeout * 2, max);
		total += timeout;
	}
	return total;
}

int tcp_setsockopt(struct sock *sk, int level, int optname, const void *optval, socklen_t optlen)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);
	int val;

	/* Other levels are the family's (Linux's icsk_af_ops->setsockopt). */
	if (level != IPPROTO_TCP)
		return icsk->icsk_af_ops->setsockopt(sk, level, optname, optval, optlen);
	if (optname == TCP_CONGESTION) {
		/* As Linux: at most TCP_CA_NAME_MAX - 1 bytes are read, up
		 * to a NUL, so a longer name is cut and then not found.
		 * Sockets hold no CAP_NET_ADMIN: the stack's owner is the
		 * administrator, and says through
		 * net.ipv4.tcp_allowed_congestion_control what they may
		 * pick. */
		char name[TCP_CA_NAME_MAX] = {0};
		if (optlen < 1)
			return -EINVAL;
		memcpy(name, optval, MIN((size_t)optlen, sizeof(name) - 1));
		return tcp_set_congestion_control(sk, name, false);
	}
	if ((val = tcp_fastopen_setsockopt(sk, optname, optval, optlen)) != -ENOPROTOOPT)
		return val;
	if ((val = tcp_repair_setsockopt(sk, optname, optval, optlen)) != -ENOPROTOOPT)
		return val;
	if (optlen < (socklen_t)sizeof(int))
		return -EINVAL;
	memcpy(&val, optval, sizeof(int));

	switch (optname) {
	case TCP_NODELAY:
		if (val) {
			tp->nonagle |= TCP_NAGLE_OFF | TCP_NAGLE_PUSH;
			tcp_push_pending_frames(sk);
		} else {
			tp->nonagle &= (uint8_t)~TCP_NAGLE_OFF;
		}
		return 0;
	case TCP_CORK:
		if (val) {
			tp->nonagle |= TCP_NAGLE_CORK;
		} else {
			tp->nonagle &= (uint8_t)~TCP_NAGLE_CORK;
			if (tp->nonagle & TCP_NAGLE_OFF)
				tp->nonagle |= TCP_NAGLE_PUSH;
			tcp_push_pending_frames(sk);
		}
		return 0;
	case TCP_MAXSEG:
		/* Linux accepts 0 (default) or 88..32767 (TCP_MIN_MSS). */
		if (val && (val < (int)TCP_MIN_MSS || val > (int)MAX_TCP_WINDOW))
			return -EINVAL;
		tp->user_mss = (uint16_t)val;
		return 0;
	case TCP_KEEPIDLE:
		if (val < 1 || val > 32767)
			return -EINVAL;
		tp->keepalive_time = (uint32_t)val;
		if (sock_flag(sk, SOCK_KEEPOPEN) &&
		    !(TCPF(sk->sk_state) & (TCPF(TCP_CLOSE) | TCPF(TCP_LISTEN))))
			inet_csk_reset_keepalive_timer(sk, (uint64_t)val * 1000);
		return 0;
	case TCP_KEEPINTVL:
		if (val < 1 || val > 32767)
			return -EINVAL;
		tp->keepalive_intvl = (uint32_t)val;
		return 0;
	case TCP_KEEPCNT:
		if (val < 1 || val > 127)
			return -EINVAL;
		tp->keepalive_probes = (uint8_t)val;
		return 0;
	case TCP_SYNCNT:
		if (val < 1 || val > 127)
			return -EINVAL;
		icsk->icsk_syn_retries = (uint8_t)val;
		return 0;
	case TCP_LINGER2:
		/* Linux caps the time at TCP_FIN_TIMEOUT_MAX, 120 s. */
		if (val < 0)
			tp->linger2 = -1;
		else
			tp->linger2 = MIN(val, 120);
		return 0;
	case TCP_USER_TIMEOUT:
		if (val < 0)
			return -EINVAL;
		icsk->icsk_user_timeout = (uint32_t)val;
		return 0;
	case TCP_QUICKACK:
		if (val) {
			icsk->icsk_ack.pingpong = false;
			icsk->icsk_ack.quick = TCP_MAX_QUICKACKS;
			if (icsk->icsk_ack.pending & ICSK_ACK_SCHED)
				tcp_send_ack(sk);
		} else {
			icsk->icsk_ack.pingpong = true;
		}
		return 0;
	case TCP_SAVE_SYN:
		/* 1: the SYN's IP and TCP headers; 2: its link header too */
		if (val < 0 || val > 2)
			return -EINVAL;
		tp->save_syn = (uint8_t)val;
		return 0;
	case TCP_DEFER_ACCEPT:
		/* seconds, kept as SYN-ACK timeouts, as Linux keeps them */
		icsk->icsk_accept_queue.rskq_defer_accept = tcp_secs_to_retrans(val);
		return 0;
	case TCP_INQ:
		if (val < 0 || val > 1)
			return -EINVAL;
		tp->recvmsg_inq = val;
		return 0;
	case TCP_NOTSENT_LOWAT:
		/* any value, read as unsigned (0: the sysctl's); a larger
		 * limit may let a writer go on at once (Linux) */
		tp->notsent_lowat = (uint32_t)val;
		sk_stream_write_space(sk);
		return 0;
	case TCP_WINDOW_CLAMP:
		/* Linux's tcp_set_window_clamp: 0 (no clamp) only on a
		 * closed socket; any other value, negative ones too, at
		 * least SOCK_MIN_RCVBUF / 2. */
		if (!val) {
			if (sk->sk_state != TCP_CLOSE)
				return -EINVAL;
			tp->window_clamp = 0;
		} else {
			tp->window_clamp = (uint32_t)MAX(val, 1152);
		}
		return 0;
	}
	return -ENOPROTOOPT;
}

/* TCP_INFO: Linux 6.18's struct tcp_info, each field as Linux's
 * tcp_get_info computes it. A listener reports only its pacing rates,
 * reordering, cwnd, and its accept queue (unacked) against its backlog
 * (sacked). Times are us (the last_* ones ms ago), rates bytes/s. */
void tcp_get_info(struct sock *sk, struct ut_tcp_info *info)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	const struct inet_connection_sock *icsk = inet_csk(sk);
	uint64_t now = stack_now(sk->sk_stack);

	memset(info, 0, sizeof(*info));
	info->tcpi_state = sk->sk_state;
	info->tcpi_pacing_rate = sk->sk_pacing_rate;
	info->tcpi_max_pacing_rate = sk->sk_max_pacing_rate;
	info->tcpi_reordering = tp->reordering;
	info->tcpi_snd_cwnd = tp->snd_cwnd;
	if (sk->sk_state == TCP_LISTEN) {
		info->tcpi_unacked = (uint32_t)sk->sk_ack_backlog;
		info->tcpi_sacked = (uint32_t)sk->sk_max_ack_backlog;
		return;
	}
	info->tcpi_ca_state = icsk->icsk_ca_state;
	info->tcpi_retransmits = icsk->icsk_retransmits;
	info->tcpi_probes = icsk->icsk_probes_out;
	info->tcpi_backoff = icsk->icsk_backoff;
	if (tp->tstamp_ok)
		info->tcpi_options |= TCPI_OPT_TIMESTAMPS;
	if (tcp_is_sack(tp))
		info->tcpi_options |= TCPI_OPT_SACK;
	if (tp->wscale_ok) {
		info->tcpi_options |= TCPI_OPT_WSCALE;
		info->tcpi_snd_wscale = tp->snd_wscale & 0xf;
		info->tcpi_rcv_wscale = tp->rcv_wscale & 0xf;
	}
	if (tp->ecn_flags & TCP_ECN_OK)
		info->tcpi_options |= TCPI_OPT_ECN;
	if (tp->ecn_flags & TCP_ECN_SEEN)
		info->tcpi_options |= TCPI_OPT_ECN_SEEN;
	if (tp->tfo.syn_data_acked)
		info->tcpi_options |= TCPI_OPT_SYN_DATA;
	info->tcpi_fastopen_client_fail = tp->tfo.client_fail & 3;
	info->tcpi_rto = icsk->icsk_rto * USEC_PER_MSEC;
	info->tcpi_ato = MIN(icsk->icsk_ack.ato, (uint32_t)TCP_DELACK_MAX_MS) * USEC_PER_MSEC;
	info->tcpi_snd_mss = tp->mss_cache;
	info->tcpi_rcv_mss = icsk->icsk_ack.rcv_mss;
	info->tcpi_unacked = tp->packets_out;
	info->tcpi_sacked = tp->sacked_out;
	info->tcpi_lost = tp->lost_out;
	info->tcpi_retrans = tp->retrans_out;
	/* Linux counts these from 32-bit jiffies: a time never set reads
	 * as the time since the clock's start, here too. */
	info->tcpi_last_data_sent = (uint32_t)((now - tp->lsndtime) / NSEC_PER_MSEC);
	info->tcpi_last_data_recv = (uint32_t)((now - icsk->icsk_ack.lrcvtime) / NSEC_PER_MSEC);
	info->tcpi_last_ack_recv = (uint32_t)((now - tp->rcv_tstamp) / NSEC_PER_MSEC);
	info->tcpi_pmtu = icsk->icsk_pmtu_cookie;
	info->tcpi_rcv_ssthresh = tp->rcv_ssthresh;
	info->tcpi_rtt = tp->srtt_us >> 3;
	info->tcpi_rttvar = tp->mdev_us >> 2;
	info->tcpi_snd_ssthresh = tp->snd_ssthresh;
	info->tcpi_advmss = tp->advmss;
	info->tcpi_rcv_rtt = tp->rcv_rtt_est.rtt_us >> 3;
	info->tcpi_rcv_space = tp->rcvq_space_space;
	info->tcpi_total_retrans = tp->total_retrans;
	info->tcpi_bytes_acked = tp->bytes_acked;
	info->tcpi_bytes_received = tp->bytes_received;
	info->tcpi_notsent_bytes = after(tp->write_seq, tp->snd_nxt) ? tp->write_seq - tp->snd_nxt
								     : 0;
	info->tcpi_segs_out = tp->segs_out;
	info->tcpi_segs_in = tp->segs_in;
	info->tcpi_data_segs_in = tp->data_segs_in;
	info->tcpi_data_segs_out = tp->data_segs_out;
	info->tcpi_min_rtt = tcp_min_rtt(tp);
	/* The last rate sample kept (Linux's tcp_compute_delivery_rate):
	 * segments over its interval, in bytes of mss_cache per second. */
	info->tcpi_delivery_rate_app_limited = tp->rate_app_limited;
	if (tp->rate_interval_us)
		info->tcpi_delivery_rate = (uint64_t)tp->rate_delivered * tp->mss_cache *
					   USEC_PER_SEC / tp->rate_interval_us;
	{
		uint64_t stats[3];
		tcp_chrono_stats(sk, stats);
		info->tcpi_busy_time = stats[0] + stats[1] + stats[2];
		info->tcpi_rwnd_limited = stats[TCP_CHRONO_RWND_LIMITED - 1];
		info->tcpi_sndbuf_limited = stats[TCP_CHRONO_SNDBUF_LIMITED - 1];
	}
	info->tcpi_delivered = tp->delivered;
	info->tcpi_delivered_ce = tp->delivered_ce;
	info->tcpi_bytes_sent = tp->bytes_sent;
	info->tcpi_bytes_retrans = tp->bytes_retrans;
	info->tcpi_dsack_dups = tp->dsack_dups;
	info->tcpi_reord_seen = tp->reord_seen;
	info->tcpi_rcv_ooopack = tp->rcv_ooopack;
	info->tcpi_snd_wnd = tp->snd_wnd;
	info->tcpi_rcv_wnd = tp->rcv_wnd;
	info->tcpi_total_rto = tp->total_rto;
	info->tcpi_total_rto_recoveries = tp->total_rto_recoveries;
	info->tcpi_total_rto_time = tp->total_rto_time;
	if (tp->rto_stamp) /* the episode under way counts too */
		info->tcpi_total_rto_time += tcp_time_stamp(sk->sk_stack) - tp->rto_stamp;
	/* Linux 6.18's tail: the ECN mode agreed; the AccECN counters stay 0
	 * (usertcp negotiates classic ECN only). */
	if (tp->ecn_flags & TCP_ECN_OK)
		info->tcpi_ecn_mode = UT_TCPI_ECN_MODE_RFC3168;
}

int tcp_getsockopt(struct sock *sk, int level, int optname, void *optval, socklen_t *optlen)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);
	int val;

	if (level != IPPROTO_TCP)
		return icsk->icsk_af_ops->getsockopt(sk, level, optname, optval, optlen);
	if ((val = tcp_repair_getsockopt(sk, optname, optval, optlen)) != -ENOPROTOOPT)
		return val;
	switch (optname) {
	case TCP_NODELAY:
		val = !!(tp->nonagle & TCP_NAGLE_OFF);
		break;
	case TCP_CORK:
		val = !!(tp->nonagle & TCP_NAGLE_CORK);
		break;
	case TCP_MAXSEG:
		val = (int)tp->mss_cache;
		if (TCPF(sk->sk_state) & (TCPF(TCP_CLOSE) | TCPF(TCP_LISTEN)))
			val = tp->user_mss ? tp->user_mss : (int)TCP_MSS_DEFAULT;
		break;
	case TCP_KEEPIDLE:
		val = (int)tcp_keepalive_time_s(tp);
		break;
	case TCP_KEEPINTVL:
		val = (int)tcp_keepalive_intvl_s(tp);
		break;
	case TCP_KEEPCNT:
		val = (int)tcp_keepalive_probes_n(tp);
		break;
	case TCP_SYNCNT:
		val = icsk->icsk_syn_retries ? icsk->icsk_syn_retries
					     : (int)sk->sk_stack->sysctl.tcp_syn_retries;
		break;
	case TCP_LINGER2:
		val = tp->linger2;
		if (val >= 0)
			val = (val ? val : (int)sk->sk_stack->sysctl.tcp_fin_timeout);
		break;
	case TCP_USER_TIMEOUT:
		val = (int)icsk->icsk_user_timeout;
		break;
	case TCP_QUICKACK:
		val = !icsk->icsk_ack.pingpong;
		break;
	case TCP_WINDOW_CLAMP:
		val = (int)tp->window_clamp;
		break;
	case TCP_DEFER_ACCEPT:
		val = tcp_retrans_to_secs(icsk->icsk_accept_queue.rskq_defer_accept);
		break;
	case TCP_SAVE_SYN:
		val = tp->save_syn;
		break;
	case TCP_SAVED_SYN: {
		/* Handed out once, then forgotten; a buffer too small is
		 * EINVAL with optlen saying what it takes (Linux's). */
		struct saved_syn *ss = tp->saved_syn;
		socklen_t n;
		if ((int)*optlen < 0)
			return -EINVAL;
		if (!ss) {
			*optlen = 0;
			return 0;
		}
		n = ss->mac_hdrlen + ss->network_hdrlen + ss->tcp_hdrlen;
		if (*optlen < n) {
			*optlen = n;
			return -EINVAL;
		}
		memcpy(optval, ss->data, n);
		*optlen = n;
		free(ss);
		tp->saved_syn = NULL;
		return 0;
	}
	case TCP_INQ:
		val = tp->recvmsg_inq;
		break;
	case TCP_NOTSENT_LOWAT:
		val = (int)tp->notsent_lowat;
		break;
	case TCP_CONGESTION: {
		char name[TCP_CA_NAME_MAX] = {0};
		snprintf(name, sizeof(name), "%s", icsk->icsk_ca_ops->name);
		return sock_put_optval(optval, optlen, name, sizeof(name));
	}
	case TCP_CC_INFO: {
		/* the module's own report (BBR); nothing for the others */
		union ut_tcp_cc_info info;
		size_t sz = 0;
		if (icsk->icsk_ca_ops->get_info)
			sz = icsk->icsk_ca_ops->get_info(sk, &info);
		return sock_put_optval(optval, optlen, &info, sz);
	}
	case TCP_INFO: {
		struct ut_tcp_info info;
		tcp_get_info(sk, &info);
		return sock_put_optval(optval, optlen, &info, sizeof(info));
	}
	default:
		return tcp_fastopen_getsockopt(sk, optname, optval, optlen);
	}
	return sock_put_optval(optval, optlen, &val, sizeof(val));
}

int tcp_get_port(struct sock *sk, uint16_t snum)
{
	return inet_csk_get_port(&sk->sk_stack->tcp_hashinfo, sk, snum);
}
