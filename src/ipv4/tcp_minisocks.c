/* The lightweight sockets (Linux's net/ipv4/tcp_minisocks.c): time-wait
 * sockets, which keep a closed connection's 4-tuple for 60 s in a few
 * dozen bytes instead of a whole tcp_sock, the processing of the
 * handshake's final ACK for a request socket, and the making of a child
 * socket from a request (tcp_create_openreq_child, for the SYN queue and
 * SYN cookies alike, through the family's syn_recv_sock). Whatever depends
 * on the address family goes through the listener's icsk_af_ops; the
 * ACKs of time-wait sockets are sent by the family's receive path
 * (tcp_v4_rcv), which asks tcp_timewait_state_process what to send, as
 * in Linux. */
#include <errno.h>
#include <string.h>

#include "net/fault.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/trace_events.h"

/* ---- time-wait sockets ------------------------------------------------------------*/

void inet_twsk_kill(struct inet_timewait_sock *tw, const char *why)
{
	struct ut_stack *stack = tw->__tw_common.skc_stack;
	struct inet_hashinfo *h = &stack->tcp_hashinfo;

	trace_inet_twsk_set_state(tw, tw->tw_substate, TCP_CLOSE, why);
	del_timer(&tw->tw_timer);
	inet_ehash_remove(h, &tw->__tw_common);
	inet_put_port(h, &tw->__tw_common);
	stack->tw_count--;
	free(tw);
}

static void tw_timer_handler(struct timer_list *t)
{
	struct inet_timewait_sock *tw = from_timer(tw, t, tw_timer);
	struct ut_stack *stack = tw->__tw_common.skc_stack;

	NET_INC_STATS(stack, LINUX_MIB_TIMEWAITED);
	inet_twsk_kill(tw, "time-wait socket expired");
}

static void inet_twsk_reschedule(struct inet_timewait_sock *tw, uint32_t ms)
{
	struct ut_stack *stack = tw->__tw_common.skc_stack;
	mod_timer(&tw->tw_timer, stack_jiffies(stack) + msecs_to_jiffies(ms));
}

void tcp_time_wait(struct sock *sk, int state, uint32_t timeo_ms)
{
	struct ut_stack *stack = sk->sk_stack;
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_hashinfo *h = &stack->tcp_hashinfo;
	struct inet_timewait_sock *tw = NULL;
	int oldstate = sk->sk_state;

	if (stack->tw_count < (uint32_t)stack->sysctl.tcp_max_tw_buckets)
		tw = ut_calloc(1, sizeof(*tw));
	if (tw) {
		struct sock_common *c = &tw->__tw_common;
		skc_addrs_from_sk(c, sk);
		c->skc_dport = sk->sk_dport;
		c->skc_num = sk->sk_num;
		c->skc_state = TCP_TIME_WAIT;
		c->skc_reuse = sk->sk_reuse;
		c->skc_reuseport = sk->sk_reuseport;
		c->skc_protocol = IPPROTO_TCP;
		c->skc_stack = stack;
		tw->tw_substate = (uint8_t)state;
		tw->tw_rcv_nxt = tp->rcv_nxt;
		tw->tw_snd_nxt = tp->snd_nxt;
		tw->tw_rcv_wnd = tcp_receive_window(tp);
		tw->tw_rcv_wscale = tp->rcv_wscale;
		tw->tw_tstamp_ok = tp->tstamp_ok;
		tw->tw_ts_recent = tp->ts_recent;
		tw->tw_ts_recent_stamp = tp->ts_recent_stamp;
		tw->tw_ts_offset = tp->tsoffset;
		timer_setup(&stack->timers, &tw->tw_timer, tw_timer_handler);
		/* The time-wait socket takes the connection's place in the
		 * tables and holds its port. */
		inet_ehash_remove(h, &sk->__sk_common);
		inet_ehash_insert(h, c);
		if (sk->__sk_common.skc_tb)
			inet_bind_hash(c, sk->__sk_common.skc_tb);
		stack->tw_count++;
		if (state == TCP_TIME_WAIT)
			timeo_ms = TCP_TIMEWAIT_LEN_MS;
		inet_twsk_reschedule(tw, timeo_ms);
		if (state == TCP_TIME_WAIT)
			trace_inet_twsk_set_state(tw, oldstate, TCP_TIME_WAIT,
						  "moved to a time-wait socket");
	} else {
		/* Out of memory or past tcp_max_tw_buckets: Linux closes
		 * at once and counts it. */
		NET_INC_STATS(stack, LINUX_MIB_TCPTIMEWAITOVERFLOW);
	}
	/* The full socket is done; its CLOSE is not a state of the
	 * connection, which lives on in the time-wait socket. */
	tcp_clear_xmit_timers(sk);
	sk->sk_shutdown = SHUTDOWN_MASK;
	if (tw) {
		if (sk->__sk_common.skc_tb)
			inet_put_port(h, &sk->__sk_common);
		sk->sk_state = TCP_CLOSE;
	} else {
		tcp_set_state(sk, TCP_CLOSE);
	}
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
	else
		inet_csk_destroy_sock(sk);
}

/* At most one ACK per net.ipv4.tcp_invalid_ratelimit (500 ms) answers the
 * out-of-window segments a time-wait socket receives, as a full socket
 * answers its own (Linux's tcp_timewait_check_oow_rate_limit): two
 * sockets each answering the other's ACK would otherwise exchange ACKs
 * for as long as they live. */
static enum tcp_tw_status tcp_timewait_oow_ack(struct inet_timewait_sock *tw, int mib)
{
	struct ut_stack *stack = tw->__tw_common.skc_stack;
	uint64_t now = stack_now(stack);
	uint64_t limit = (uint64_t)stack->sysctl.tcp_invalid_ratelimit * NSEC_PER_MSEC;

	if (tw->tw_last_oow_ack_time && now - tw->tw_last_oow_ack_time < limit) {
		NET_INC_STATS(stack, mib);
		return TCP_TW_SUCCESS;
	}
	tw->tw_last_oow_ack_time = now;
	return TCP_TW_ACK;
}

/* Whether [seq, end_seq) touches the window [s_win, e_win) as RFC 9293
 * 3.10.7.4's acceptability test reads it for a socket that takes no data:
 * it starts at the window's left edge, overlaps it, or is empty at its
 * right edge. */
static bool tcp_in_window(uint32_t seq, uint32_t end_seq, uint32_t s_win, uint32_t e_win)
{
	if (seq == s_win)
		return true;
	if (after(end_seq, s_win) && before(seq, e_win))
		return true;
	return seq == e_win && seq == end_seq;
}

enum tcp_tw_status tcp_timewait_state_process(struct inet_timewait_sock *tw, struct sk_buff *skb,
					      const struct wire_tcp *th,
					      const struct wire_tcp_opts *opts)
{
	struct ut_stack *stack = tw->__tw_common.skc_stack;
	struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
	bool paws_reject = false;

	if (opts->saw_tstamp && tw->tw_tstamp_ok && tw->tw_ts_recent_stamp &&
	    (int32_t)(tw->tw_ts_recent - opts->tsval) > 1)
		paws_reject = true;

	if (tw->tw_substate == TCP_FIN_WAIT2) {
		/* An orphan waiting for the peer's FIN (RFC 9293 3.10.7.4
		 * in FIN-WAIT-2, for a socket no one will read): an
		 * unacceptable segment is answered with an ACK, at most one
		 * per tcp_invalid_ratelimit. */
		if (paws_reject || !tcp_in_window(tcb->seq, tcb->end_seq, tw->tw_rcv_nxt,
						  tw->tw_rcv_nxt + tw->tw_rcv_wnd))
			return tcp_timewait_oow_ack(tw, LINUX_MIB_TCPACKSKIPPEDFINWAIT2);
		if (th->flags & TCPHDR_RST) {
			inet_twsk_kill(tw, "reset received");
			return TCP_TW_SUCCESS;
		}
		if ((th->flags & TCPHDR_SYN) && !before(tcb->seq, tw->tw_rcv_nxt))
			return TCP_TW_RST;
		/* A duplicate ACK, or a segment without ACK: nothing to say
		 * (Linux drops it; answering would ACK every ACK). */
		if (!(th->flags & TCPHDR_ACK) || !after(tcb->end_seq, tw->tw_rcv_nxt) ||
		    tcb->end_seq == tcb->seq)
			return TCP_TW_SUCCESS;
		/* New data for a closed socket, or a FIN not at rcv_nxt. */
		if (!(th->flags & TCPHDR_FIN) || tcb->end_seq != tw->tw_rcv_nxt + 1)
			return TCP_TW_RST;
		/* The FIN: on to TIME_WAIT. */
		tw->tw_substate = TCP_TIME_WAIT;
		tw->tw_rcv_nxt = tcb->end_seq;
		if (opts->saw_tstamp) {
			tw->tw_ts_recent = opts->tsval;
			/* 0 means "no timestamp seen" (tcp_tw_reuse and PAWS
			 * skip such a socket): a clock still in its first
			 * second counts as 1, as tcp_store_ts_recent does. */
			tw->tw_ts_recent_stamp = stack_now(stack) / NSEC_PER_SEC;
			if (!tw->tw_ts_recent_stamp)
				tw->tw_ts_recent_stamp = 1;
		}
		trace_inet_twsk_set_state(tw, TCP_FIN_WAIT2, TCP_TIME_WAIT, "FIN received");
		inet_twsk_reschedule(tw, TCP_TIMEWAIT_LEN_MS);
		return TCP_TW_ACK;
	}

	/* TIME_WAIT (RFC 9293 3.10.7.4). */
	if (!paws_reject && tcb->seq == tw->tw_rcv_nxt &&
	    (tcb->seq == tcb->end_seq || (th->flags & TCPHDR_RST))) {
		/* In window: only a reset or a bare ACK can be here. */
		if (th->flags & TCPHDR_RST) {
			/* TIME_WAIT assassination (RFC 1337): Linux lets the
			 * reset kill the time-wait socket unless
			 * net.ipv4.tcp_rfc1337 is set. */
			if (!stack->sysctl.tcp_rfc1337) {
				NET_INC_STATS(stack, LINUX_MIB_TIMEWAITKILLED);
				inet_twsk_kill(
					tw, "reset received (TIME_WAIT assassination, RFC 1337)");
				return TCP_TW_SUCCESS;
			}
		} else {
			inet_twsk_reschedule(tw, TCP_TIMEWAIT_LEN_MS);
		}
		return TCP_TW_SUCCESS;
	}
	/* A new SYN with a higher sequence number (or newer timestamp) may
	 * reopen the connection (RFC 1122 4.2.2.13, RFC 6191). */
	if ((th->flags & TCPHDR_SYN) && !(th->flags & (TCPHDR_RST | TCPHDR_ACK)) && !paws_reject &&
	    (after(tcb->seq, tw->tw_rcv_nxt) || (opts->saw_tstamp && tw->tw_tstamp_ok &&
						 (int32_t)(tw->tw_ts_recent - opts->tsval) < 0)))
		return TCP_TW_SYN;
	if (paws_reject)
		NET_INC_STATS(stack, LINUX_MIB_PAWSESTABREJECTED);
	if (!(th->flags & TCPHDR_RST)) {
		/* A retransmitted FIN (our ACK was lost) or an old
		 * duplicate: ACK it and restart the 2*MSL wait. */
		if (paws_reject || (th->flags & TCPHDR_ACK))
			inet_twsk_reschedule(tw, TCP_TIMEWAIT_LEN_MS);
		return tcp_timewait_oow_ack(tw, LINUX_MIB_TCPACKSKIPPEDTIMEWAIT);
	}
	return TCP_TW_SUCCESS;
}

/* ---- request sockets: the handshake's last step -----------------------------------------*/

struct sock *tcp_create_openreq_child(struct sock *listener, struct request_sock *req)
{
	struct ut_stack *stack = listener->sk_stack;
	/* The child is of the listener's family and protocol, its calls
	 * the listener's (Linux's child is a clone of the listener); its
	 * operations are the request's: an AF_INET6 listener's child of an
	 * IPv4 SYN runs over IPv4 (ipv6_mapped, as Linux's
	 * tcp_v6_syn_recv_sock sets it). */
	struct sock *sk =
		sk_alloc(stack, listener->sk_family, SOCK_STREAM, IPPROTO_TCP, listener->sk_prot);
	struct tcp_sock *tp, *ltp = tcp_sk(listener);
	uint32_t mtu;

	if (!sk)
		return NULL;
	tcp_init_sock(sk);
	inet_csk(sk)->icsk_af_ops = req->rsk_af_ops;
	tp = tcp_sk(sk);
	sk_addrs_from_req(sk, &req->__req_common);
	sk->sk_dport = req->__req_common.skc_dport;
	sk->sk_num = req->__req_common.skc_num;
	/* What the application set on the listener carries over. */
	sk->sk_reuse = listener->sk_reuse;
	sk->sk_reuseport = listener->sk_reuseport;
	sk->sk_ipv6only = listener->sk_ipv6only;
	sk->sk_flags = listener->sk_flags & ~(1u << SOCK_DEAD);
	sk->sk_lingertime = listener->sk_lingertime;
	sk->sk_priority = listener->sk_priority;
	sk->sk_mark = listener->sk_mark;
	sk->sk_rcvtimeo = listener->sk_rcvtimeo;
	sk->sk_sndtimeo = listener->sk_sndtimeo;
	sk->sk_ttl = listener->sk_ttl;
	sk->sk_tos = listener->sk_tos;
	sk->inet_flags = listener->inet_flags;
	sk->sk_recverr = listener->sk_recverr;
	sk->sk_tsflags = listener->sk_tsflags; /* never with OPT_ID: no key to carry */
	/* IPv6's options too (the source address is the request's) */
	{
		struct in6_addr saddr = sk->sk_ipv6.saddr;
		sk->sk_ipv6 = listener->sk_ipv6;
		sk->sk_ipv6.saddr = saddr;
	}
	/* SO_MAX_PACING_RATE is inherited, as Linux's clone copies it */
	sk->sk_max_pacing_rate = listener->sk_max_pacing_rate;
	sk->sk_pacing_status = listener->sk_pacing_status;
	sk->sk_userlocks = listener->sk_userlocks & (SOCK_SNDBUF_LOCK | SOCK_RCVBUF_LOCK);
	if (listener->sk_userlocks & SOCK_SNDBUF_LOCK)
		sk->sk_sndbuf = listener->sk_sndbuf;
	if (listener->sk_userlocks & SOCK_RCVBUF_LOCK)
		sk->sk_rcvbuf = listener->sk_rcvbuf;
	tp->nonagle = ltp->nonagle;
	tp->save_syn = ltp->save_syn;
	tp->saved_syn = req->saved_syn; /* the child takes the SYN's headers */
	req->saved_syn = NULL;
	tp->keepalive_time = ltp->keepalive_time;
	tp->keepalive_intvl = ltp->keepalive_intvl;
	tp->keepalive_probes = ltp->keepalive_probes;
	tp->linger2 = ltp->linger2;
	tp->user_mss = ltp->user_mss;
	tp->recvmsg_inq = ltp->recvmsg_inq;	/* TCP_INQ and */
	tp->notsent_lowat = ltp->notsent_lowat; /* TCP_NOTSENT_LOWAT, as Linux's clone */
	inet_csk(sk)->icsk_user_timeout = inet_csk(listener)->icsk_user_timeout;
	inet_csk(sk)->icsk_syn_retries = inet_csk(listener)->icsk_syn_retries;
	tcp_ca_openreq_child(sk, listener);

	/* Sequence space from the handshake. */
	tp->isn = req->snt_isn;
	tp->snd_una = tp->snd_nxt = tp->write_seq = tp->pushed_seq = req->snt_isn + 1;
	tp->snd_sml = tp->snd_up = tp->snd_una;
	tp->rcv_nxt = tp->rcv_wup = tp->copied_seq = req->rcv_isn + 1;
	tp->snd_wl1 = req->rcv_isn;
	/* Options agreed in the SYN and SYN-ACK. */
	tp->tstamp_ok = req->tstamp_ok;
	tp->sack_ok = req->sack_ok;
	tp->ecn_flags = req->ecn_ok ? TCP_ECN_OK : 0; /* Linux's tcp_ecn_openreq_child */
	tp->wscale_ok = req->wscale_ok;
	tp->snd_wscale = req->snd_wscale;
	tp->rcv_wscale = req->rcv_wscale;
	tp->rcv_wnd = req->rcv_wnd;
	tp->rcv_ssthresh = req->rcv_wnd;
	tp->window_clamp = req->window_clamp;
	tp->tcp_header_len = TCP_HLEN_MIN + (tp->tstamp_ok ? TCPOLEN_TSTAMP_ALIGNED : 0);
	if (tp->tstamp_ok) {
		tcp_store_ts_recent(sk, req->ts_recent);
		tp->tsoffset = req->ts_off;
	}
	tp->rx_opt_mss_clamp = req->mss;
	tp->advmss = req->mss_adv;
	(void)inet_csk(sk)->icsk_af_ops->rebuild_header(sk, &mtu);
	tcp_sync_mss(sk, mtu);
	tcp_initialize_rcv_mss(sk);
	if (req->num_retrans == 0 && req->synack_sent_ns) {
		/* The handshake's RTT, from the SYN-ACK to this ACK. */
		uint64_t rtt = (stack_now(stack) - req->synack_sent_ns) / NSEC_PER_USEC;
		tcp_synack_rtt_meas(sk, (long)MAX(rtt, 1u));
	} else if (req->num_retrans) {
		tp->total_retrans = req->num_retrans;
	}
	/* The SYN-ACK's timeouts are the child's (TCP_INFO's total_rto);
	 * the request socket keeps no start time for the episode's length. */
	tp->total_rto = req->num_timeout;
	tp->segs_in = 1; /* the SYN, as Linux's tcp_create_openreq_child */
	tp->total_rto_recoveries = req->num_timeout ? 1 : 0;
	tcp_set_state(sk, TCP_SYN_RECV);
	TCP_INC_STATS(stack, TCP_MIB_PASSIVEOPENS);
	return sk;
}

struct sock *tcp_check_req(struct sock *listener, struct request_sock *req, struct sk_buff *skb,
			   const struct wire_tcp *th, const struct wire_tcp_opts *opts, bool *rst)
{
	/* the request's family answers it; the listener's makes the child */
	const struct inet_connection_sock_af_ops *af_ops = req->rsk_af_ops;
	struct ut_stack *stack = listener->sk_stack;
	struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
	uint32_t rcv_nxt = req->rcv_isn + 1;
	struct sock *child;

	*rst = false;
	if (opts->saw_tstamp && req->tstamp_ok && (int32_t)(req->ts_recent - opts->tsval) > 1 &&
	    !(th->flags & TCPHDR_RST)) {
		/* PAWS: an old duplicate. */
		af_ops->send_ack(listener, req);
		return NULL;
	}
	/* A retransmitted SYN: our SYN-ACK was lost; send it again. */
	if (tcb->seq == req->rcv_isn && (th->flags & TCPHDR_SYN) && !(th->flags & TCPHDR_RST)) {
		if (tcp_rtx_synack(listener, req) == 0) {
			uint64_t timeo = (uint64_t)TCP_TIMEOUT_INIT_MS << req->num_timeout;
			mod_timer(&req->rsk_timer,
				  stack_jiffies(stack) +
					  msecs_to_jiffies(MIN(timeo, TCP_RTO_MAX_MS)));
		}
		return NULL;
	}
	/* An ACK that does not acknowledge our SYN-ACK gets a reset. */
	if ((th->flags & TCPHDR_ACK) && th->ack_seq != req->snt_isn + 1) {
		*rst = true;
		return NULL;
	}
	/* Sequence check against the window we offered. */
	if (tcb->seq != tcb->end_seq || tcb->seq != rcv_nxt) {
		if (before(tcb->end_seq, rcv_nxt) || after(tcb->seq, rcv_nxt + req->rcv_wnd)) {
			if (!(th->flags & TCPHDR_RST))
				af_ops->send_ack(listener, req);
			return NULL;
		}
	}
	if (th->flags & (TCPHDR_RST | TCPHDR_SYN)) {
		/* A reset, or a new SYN inside the window: the half-open
		 * connection dies (a SYN is answered with a reset). */
		TCP_INC_STATS(stack, TCP_MIB_ATTEMPTFAILS);
		if (th->flags & TCPHDR_RST)
			NET_INC_STATS(stack, LINUX_MIB_EMBRYONICRSTS);
		else
			*rst = true;
		inet_csk_reqsk_queue_drop_why(
			listener, req,
			th->flags & TCPHDR_RST ? "reset by the peer"
					       : "a SYN inside its window: answered with a reset");
		reqsk_free(req);
		return NULL;
	}
	if (!(th->flags & TCPHDR_ACK))
		return NULL;
	if (opts->saw_tstamp && req->tstamp_ok && !after(tcb->seq, rcv_nxt))
		req->ts_recent = opts->tsval;

	/* TCP_DEFER_ACCEPT: a bare ACK does not complete the handshake
	 * while the deferral lasts; the request waits for data (Linux's
	 * tcp_check_req). */
	if (req->num_timeout < inet_csk(listener)->icsk_accept_queue.rskq_defer_accept &&
	    tcb->end_seq == rcv_nxt) {
		req->acked = true;
		NET_INC_STATS(stack, LINUX_MIB_TCPDEFERACCEPTDROP);
		return NULL;
	}

	/* The handshake is complete. Is there room in the accept queue? */
	if (inet_csk_accept_queue_full(listener)) {
		/* Linux drops the final ACK and keeps the request: the
		 * SYN-ACK timer resends, and the client's next ACK may find
		 * room (unless net.ipv4.tcp_abort_on_overflow). */
		NET_INC_STATS(stack, LINUX_MIB_LISTENOVERFLOWS);
		NET_INC_STATS(stack, LINUX_MIB_LISTENDROPS);
		trace_reqsk(req, UT_TP_LISTEN_OVERFLOW, (uint32_t)listener->sk_ack_backlog,
			    (uint32_t)listener->sk_max_ack_backlog,
			    "final ACK dropped: accept queue full");
		if (stack->sysctl.tcp_abort_on_overflow) {
			*rst = true;
			inet_csk_reqsk_queue_drop_why(
				listener, req, "accept queue full: net.ipv4.tcp_abort_on_overflow");
			reqsk_free(req);
			return NULL;
		}
		req->acked = true;
		return NULL;
	}
	child = inet_csk(listener)->icsk_af_ops->syn_recv_sock(listener, req);
	if (!child)
		NET_INC_STATS(stack, LINUX_MIB_LISTENDROPS);
	return child;
}
