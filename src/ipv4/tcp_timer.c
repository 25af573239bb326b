/* TCP's timers (Linux's net/ipv4/tcp_timer.c): retransmission with
 * exponential backoff and the limits that end a connection (tcp_retries2,
 * tcp_syn_retries), zero-window probes (the persist timer), delayed ACKs,
 * keepalive, and the FIN_WAIT_2 timeout of orphans. All run on the stack's
 * timer wheel at 1 ms resolution. */
#include <errno.h>

#include "net/stack.h"
#include "net/tcp.h"
#include "net/trace_events.h"

uint32_t tcp_keepalive_time_s(const struct tcp_sock *tp)
{
	const struct sock *sk = &tp->inet_conn.icsk_inet;
	return tp->keepalive_time ? tp->keepalive_time
				  : (uint32_t)sk->sk_stack->sysctl.tcp_keepalive_time;
}

uint32_t tcp_keepalive_intvl_s(const struct tcp_sock *tp)
{
	const struct sock *sk = &tp->inet_conn.icsk_inet;
	return tp->keepalive_intvl ? tp->keepalive_intvl
				   : (uint32_t)sk->sk_stack->sysctl.tcp_keepalive_intvl;
}

uint32_t tcp_keepalive_probes_n(const struct tcp_sock *tp)
{
	const struct sock *sk = &tp->inet_conn.icsk_inet;
	return tp->keepalive_probes ? tp->keepalive_probes
				    : (uint32_t)sk->sk_stack->sysctl.tcp_keepalive_probes;
}

void inet_csk_reset_xmit_timer(struct sock *sk, int what, uint32_t when_ms)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	if (when_ms > TCP_RTO_MAX_MS)
		when_ms = TCP_RTO_MAX_MS;
	icsk->icsk_pending = (uint8_t)what;
	mod_timer(&icsk->icsk_retransmit_timer,
		  stack_jiffies(sk->sk_stack) + msecs_to_jiffies(when_ms));
}

void inet_csk_clear_xmit_timer(struct sock *sk, int what)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	/* The loss probe and the reorder timer stand in for the RTO:
	 * clearing the RTO clears them too, as in Linux. */
	if (icsk->icsk_pending == what || what == 0 ||
	    (what == ICSK_TIME_RETRANS && (icsk->icsk_pending == ICSK_TIME_LOSS_PROBE ||
					   icsk->icsk_pending == ICSK_TIME_REO_TIMEOUT))) {
		icsk->icsk_pending = 0;
		del_timer(&icsk->icsk_retransmit_timer);
	}
}

void inet_csk_reset_keepalive_timer(struct sock *sk, uint64_t when_ms)
{
	mod_timer(&inet_csk(sk)->sk_timer, stack_jiffies(sk->sk_stack) + msecs_to_jiffies(when_ms));
}

void inet_csk_delete_keepalive_timer(struct sock *sk)
{
	del_timer(&inet_csk(sk)->sk_timer);
}

/* Arms the RTO for the head of the queue. When a loss probe or the
 * reorder timer held the slot, the RTO keeps the time it would have had,
 * counted from the head's transmission (Linux's tcp_rearm_rto). */
void tcp_rearm_rto(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);

	/* the timer resends a Fast Open child's SYN-ACK meanwhile (Linux) */
	if (tp->tfo.rsk)
		return;
	if (!tp->packets_out) {
		inet_csk_clear_xmit_timer(sk, ICSK_TIME_RETRANS);
		return;
	}
	uint32_t rto = icsk->icsk_rto;
	if (icsk->icsk_pending == ICSK_TIME_REO_TIMEOUT ||
	    icsk->icsk_pending == ICSK_TIME_LOSS_PROBE) {
		const struct sk_buff *head = tcp_rtx_queue_head(sk);
		uint64_t due = TCP_SKB_CB(head)->sent_ns + (uint64_t)rto * NSEC_PER_MSEC;
		uint64_t now = stack_now(sk->sk_stack);
		rto = due > now ? (uint32_t)((due - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC) : 1;
	}
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS, rto);
}

uint32_t tcp_probe0_when(const struct sock *sk, uint32_t max_ms)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	uint64_t when = (uint64_t)MAX(icsk->icsk_rto, TCP_RTO_MIN_MS)
			<< MIN(icsk->icsk_backoff, 20);
	return (uint32_t)MIN(when, (uint64_t)max_ms);
}

void tcp_check_probe_timer(struct sock *sk)
{
	/* The probing's start is stamped when the timer first fires, not
	 * here (Linux 6.x's tcp_probe_timer): TCP_USER_TIMEOUT counts from
	 * the first probe. */
	if (!tcp_sk(sk)->packets_out && !inet_csk(sk)->icsk_pending)
		inet_csk_reset_xmit_timer(sk, ICSK_TIME_PROBE0,
					  tcp_probe0_when(sk, TCP_RTO_MAX_MS));
}

/* The next probe no later than TCP_USER_TIMEOUT after probing began, so
 * the connection is given up on time (Linux's
 * tcp_clamp_probe0_to_user_timeout); at least TCP_TIMEOUT_MIN ahead. */
uint32_t tcp_clamp_probe0_to_user_timeout(const struct sock *sk, uint32_t when_ms)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	uint64_t elapsed_ms, remaining_ms;

	if (!icsk->icsk_user_timeout || !icsk->icsk_probes_tstamp)
		return when_ms;
	elapsed_ms = (stack_now(sk->sk_stack) - icsk->icsk_probes_tstamp) / NSEC_PER_MSEC;
	remaining_ms = elapsed_ms < icsk->icsk_user_timeout ? icsk->icsk_user_timeout - elapsed_ms
							    : 0;
	remaining_ms = MAX(remaining_ms, (uint64_t)TCP_TIMEOUT_MIN_MS);
	return (uint32_t)MIN(remaining_ms, (uint64_t)when_ms);
}

/* The retransmission timer likewise (Linux's
 * tcp_clamp_rto_to_user_timeout): no later than TCP_USER_TIMEOUT after
 * the first retransmission's segment was sent; 1 ms when that is past. */
static uint32_t tcp_clamp_rto_to_user_timeout(const struct sock *sk)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	uint64_t elapsed_ms;

	if (!icsk->icsk_user_timeout || !icsk->icsk_retrans_start_ns)
		return icsk->icsk_rto;
	elapsed_ms = (stack_now(sk->sk_stack) - icsk->icsk_retrans_start_ns) / NSEC_PER_MSEC;
	if (elapsed_ms >= icsk->icsk_user_timeout)
		return 1;
	return (uint32_t)MIN((uint64_t)icsk->icsk_rto, icsk->icsk_user_timeout - elapsed_ms);
}

/* The connection failed on a timer: report ETIMEDOUT (or the ICMP error
 * that explains it) and close (Linux's tcp_write_err). */
void tcp_write_err(struct sock *sk)
{
	sk->sk_err = sk->sk_err_soft ? sk->sk_err_soft : ETIMEDOUT;
	trace_tcp_event(sk, UT_TP_ERROR, "timed out");
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_error_report(sk);
	tcp_done(sk);
	NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPABORTONTIMEOUT);
}

/* How long "boundary" retransmissions take from a base RTO, doubling up
 * to TCP_RTO_MAX (Linux's tcp_model_timeout): 6 SYN retries from 1 s make
 * 127 s; 15 retries from 200 ms make about 924.6 s. */
static uint64_t tcp_model_timeout_ms(unsigned boundary, uint32_t rto_base)
{
	unsigned linear_backoff_thresh = 0;
	uint64_t timeout;

	while ((rto_base << (linear_backoff_thresh + 1)) <= TCP_RTO_MAX_MS)
		linear_backoff_thresh++;
	if (boundary <= linear_backoff_thresh)
		timeout = ((2ULL << boundary) - 1) * rto_base;
	else
		timeout = ((2ULL << linear_backoff_thresh) - 1) * rto_base +
			  (uint64_t)(boundary - linear_backoff_thresh) * TCP_RTO_MAX_MS;
	return timeout;
}

static bool retransmits_timed_out(struct sock *sk, unsigned boundary, uint32_t user_timeout_ms,
				  uint32_t rto_base)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	uint64_t elapsed_ms, timeout_ms;

	if (!icsk->icsk_retransmits)
		return false;
	if (!icsk->icsk_retrans_start_ns)
		return false;
	elapsed_ms = (stack_now(sk->sk_stack) - icsk->icsk_retrans_start_ns) / NSEC_PER_MSEC;
	timeout_ms = user_timeout_ms ? user_timeout_ms : tcp_model_timeout_ms(boundary, rto_base);
	return elapsed_ms >= timeout_ms;
}

static unsigned tcp_orphan_retries(struct sock *sk, bool alive)
{
	unsigned retries = (unsigned)sk->sk_stack->sysctl.tcp_orphan_retries;

	if (sk->sk_err_soft && !alive)
		retries = 0;
	/* 0 means 8 (Linux): at least 100 s of retrying with RTO min. */
	if (retries == 0 && alive)
		retries = 8;
	return retries;
}

/* An orphan whose timer fires while TCP memory is over tcp_mem's max is
 * reset and freed rather than retried (Linux's tcp_out_of_resources with
 * tcp_check_oom; Linux's orphan-count limit, tcp_max_orphans, is not
 * implemented). True if it was. */
static bool tcp_out_of_resources(struct sock *sk)
{
	if (!tcp_out_of_memory(sk))
		return false;
	tcp_send_active_reset(sk);
	tcp_done(sk);
	NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPABORTONMEMORY);
	return true;
}

/* Returns true if the connection was closed for running out of retries. */
static bool tcp_write_timeout(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct ut_stack *stack = sk->sk_stack;
	bool expired;

	if (TCPF(sk->sk_state) & (TCPF(TCP_SYN_SENT) | TCPF(TCP_SYN_RECV))) {
		unsigned retry_until = icsk->icsk_syn_retries
					       ? icsk->icsk_syn_retries
					       : (unsigned)stack->sysctl.tcp_syn_retries;
		expired = icsk->icsk_retransmits >= retry_until;
		if (icsk->icsk_user_timeout)
			expired = expired ||
				  retransmits_timed_out(sk, retry_until, icsk->icsk_user_timeout,
							TCP_TIMEOUT_INIT_MS);
	} else {
		unsigned retry_until = (unsigned)stack->sysctl.tcp_retries2;
		if (sock_flag(sk, SOCK_DEAD)) {
			bool alive = icsk->icsk_rto < TCP_RTO_MAX_MS;
			retry_until = tcp_orphan_retries(sk, alive);
			if (tcp_out_of_resources(sk))
				return true;
			if (!retry_until && !alive) {
				tcp_write_err(sk);
				return true;
			}
		}
		expired = retransmits_timed_out(sk, retry_until, icsk->icsk_user_timeout,
						TCP_RTO_MIN_MS);
	}
	tcp_fastopen_active_detect_blackhole(sk, expired);
	if (expired) {
		tcp_write_err(sk);
		return true;
	}
	return false;
}

static void tcp_retransmit_timer(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct ut_stack *stack = sk->sk_stack;
	struct sk_buff *skb = tcp_rtx_queue_head(sk);

	/* a passive Fast Open child's SYN-ACK (its request holds it) */
	if (tp->tfo.rsk) {
		tcp_fastopen_synack_timer(sk);
		return;
	}
	if (!tp->packets_out || !skb)
		return;
	trace_tcp_event(sk, UT_TP_RTO_FIRED, "retransmission timeout");
	tp->tlp_high_seq = 0;

	if (!tp->snd_wnd && !sock_flag(sk, SOCK_DEAD) &&
	    !(TCPF(sk->sk_state) & (TCPF(TCP_SYN_SENT) | TCPF(TCP_SYN_RECV)))) {
		/* The peer shrank its window to zero under outstanding data:
		 * keep probing with the head, without counting a loss, until
		 * it stays silent longer than TCP_RTO_MAX. */
		if (stack_now(stack) - tp->rcv_tstamp > (uint64_t)TCP_RTO_MAX_MS * NSEC_PER_MSEC) {
			tcp_write_err(sk);
			return;
		}
		tcp_enter_loss(sk);
		tcp_retransmit_skb(sk, skb, 1);
		goto out_reset_timer;
	}

	if (tcp_write_timeout(sk))
		return;
	if (icsk->icsk_retransmits == 0) {
		NET_INC_STATS(stack, LINUX_MIB_TCPTIMEOUTS);
		/* The recovery that the timeout ends failed. */
		if (icsk->icsk_ca_state == TCP_CA_Recovery ||
		    icsk->icsk_ca_state == TCP_CA_Disorder || tp->sacked_out)
			NET_INC_STATS(stack, tcp_is_sack(tp) ? LINUX_MIB_TCPSACKFAILURES
							     : LINUX_MIB_TCPRENOFAILURES);
		else if (icsk->icsk_ca_state == TCP_CA_Loss)
			NET_INC_STATS(stack, LINUX_MIB_TCPLOSSFAILURES);
	}
	tcp_enter_loss(sk);
	/* TCP_INFO's RTO statistics (Linux's tcp_update_rto_stats): the
	 * first timeout of a row opens an episode. */
	if (!icsk->icsk_retransmits) {
		tp->total_rto_recoveries++;
		tp->rto_stamp = MAX(tcp_time_stamp(stack), 1u);
	}
	tp->total_rto++;
	icsk->icsk_retransmits++;
	if (tcp_retransmit_skb(sk, skb, 1) != 0) {
		/* No memory: retry soon without backing off. */
		inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS,
					  MIN(icsk->icsk_rto, TCP_RESOURCE_PROBE_INTERVAL_MS));
		return;
	}
	NET_INC_STATS(stack, LINUX_MIB_TCPSLOWSTARTRETRANS);
	/* RFC 6298 5.5: back off the timer. */
	icsk->icsk_backoff++;
out_reset_timer:
	icsk->icsk_rto = MIN(icsk->icsk_rto << 1, TCP_RTO_MAX_MS);
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS, tcp_clamp_rto_to_user_timeout(sk));
}

/* Zero-window probing (RFC 9293 3.8.6.1): the persist timer. */
static void tcp_probe_timer(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct ut_stack *stack = sk->sk_stack;
	unsigned max_probes;

	if (tp->packets_out || skb_queue_empty(&sk->sk_write_queue)) {
		icsk->icsk_probes_out = 0;
		icsk->icsk_probes_tstamp = 0;
		return;
	}
	if (!icsk->icsk_probes_tstamp)
		icsk->icsk_probes_tstamp = stack_now(stack);
	else if (icsk->icsk_user_timeout &&
		 (stack_now(stack) - icsk->icsk_probes_tstamp) / NSEC_PER_MSEC >=
			 icsk->icsk_user_timeout)
		goto abort;
	max_probes = (unsigned)stack->sysctl.tcp_retries2;
	if (sock_flag(sk, SOCK_DEAD)) {
		bool alive = tcp_probe0_when(sk, TCP_RTO_MAX_MS) < TCP_RTO_MAX_MS;
		max_probes = tcp_orphan_retries(sk, alive);
		if (!alive && icsk->icsk_backoff >= max_probes)
			goto abort;
		if (tcp_out_of_resources(sk))
			return;
	}
	if (icsk->icsk_probes_out >= max_probes) {
abort:
		tcp_write_err(sk);
		return;
	}
	tcp_send_probe0(sk);
}

static void tcp_write_timer(struct timer_list *t)
{
	struct inet_connection_sock *icsk = from_timer(icsk, t, icsk_retransmit_timer);
	struct sock *sk = &icsk->icsk_inet;
	int event = icsk->icsk_pending;

	if (sk->sk_state == TCP_CLOSE || !event)
		return;
	sock_hold(sk);
	switch (event) {
	case ICSK_TIME_REO_TIMEOUT:
		tcp_rack_reo_timeout(sk);
		break;
	case ICSK_TIME_LOSS_PROBE:
		tcp_send_loss_probe(sk);
		break;
	case ICSK_TIME_RETRANS:
		icsk->icsk_pending = 0;
		tcp_retransmit_timer(sk);
		break;
	case ICSK_TIME_PROBE0:
		icsk->icsk_pending = 0;
		tcp_probe_timer(sk);
		break;
	default:
		icsk->icsk_pending = 0;
	}
	sock_put(sk);
}

static void tcp_delack_timer(struct timer_list *t)
{
	struct inet_connection_sock *icsk = from_timer(icsk, t, icsk_delack_timer);
	struct sock *sk = &icsk->icsk_inet;

	if (sk->sk_state == TCP_CLOSE || !(icsk->icsk_ack.pending & ICSK_ACK_TIMER))
		return;
	icsk->icsk_ack.pending &= (uint8_t)~ICSK_ACK_TIMER;
	if (!(icsk->icsk_ack.pending & ICSK_ACK_SCHED))
		return;
	sock_hold(sk);
	if (!icsk->icsk_ack.pingpong) {
		/* Delayed ACK missed: inflate ATO (Linux). */
		icsk->icsk_ack.ato = MIN(icsk->icsk_ack.ato << 1, icsk->icsk_rto);
	} else {
		/* Delayed ACK missed: leave pingpong mode. */
		icsk->icsk_ack.pingpong = false;
		icsk->icsk_ack.ato = TCP_ATO_MIN_MS;
	}
	trace_tcp_event(sk, UT_TP_TIMER, "delayed ACK");
	tcp_send_ack(sk);
	sock_put(sk);
}

static void tcp_keepalive_timer(struct timer_list *t)
{
	struct inet_connection_sock *icsk = from_timer(icsk, t, sk_timer);
	struct sock *sk = &icsk->icsk_inet;
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	uint64_t elapsed_ms, keepalive_ms;

	if (sk->sk_state == TCP_LISTEN || sk->sk_state == TCP_CLOSE)
		return;
	sock_hold(sk);
	if (sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD)) {
		/* An orphan's FIN_WAIT_2 outlived TCP_TIMEWAIT_LEN: spend
		 * the rest in a light time-wait socket. */
		if (tp->linger2 >= 0) {
			int fin = tp->linger2 ? tp->linger2 : (int)stack->sysctl.tcp_fin_timeout;
			int64_t tmo = (int64_t)fin * 1000 - TCP_TIMEWAIT_LEN_MS;
			if (tmo > 0) {
				tcp_time_wait(sk, TCP_FIN_WAIT2, (uint32_t)tmo);
				goto out;
			}
		}
		tcp_send_active_reset(sk);
		tcp_done(sk);
		goto out;
	}
	if (!sock_flag(sk, SOCK_KEEPOPEN) || sk->sk_state == TCP_SYN_SENT)
		goto out;

	keepalive_ms = (uint64_t)tcp_keepalive_time_s(tp) * 1000;
	if (tp->packets_out || !skb_queue_empty(&sk->sk_write_queue)) {
		/* Data in flight: the retransmit timer watches the peer. */
		elapsed_ms = keepalive_ms;
		goto resched;
	}
	{
		uint64_t last = MAX(tp->rcv_tstamp, icsk->icsk_ack.lrcvtime);
		elapsed_ms = (stack_now(stack) - last) / NSEC_PER_MSEC;
	}
	if (elapsed_ms >= keepalive_ms) {
		if ((icsk->icsk_user_timeout && elapsed_ms >= icsk->icsk_user_timeout &&
		     icsk->icsk_probes_out > 0) ||
		    (!icsk->icsk_user_timeout &&
		     icsk->icsk_probes_out >= tcp_keepalive_probes_n(tp))) {
			tcp_send_active_reset(sk);
			tcp_write_err(sk);
			goto out;
		}
		trace_tcp_event(sk, UT_TP_TIMER, "keepalive probe");
		if (tcp_write_wakeup(sk) <= 0) {
			icsk->icsk_probes_out++;
			NET_INC_STATS(stack, LINUX_MIB_TCPKEEPALIVE);
			elapsed_ms = (uint64_t)tcp_keepalive_intvl_s(tp) * 1000;
		} else {
			elapsed_ms = TCP_RESOURCE_PROBE_INTERVAL_MS;
		}
	} else {
		elapsed_ms = keepalive_ms - elapsed_ms;
	}
resched:
	inet_csk_reset_keepalive_timer(sk, elapsed_ms);
out:
	sock_put(sk);
}

void tcp_init_xmit_timers(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct timer_base *base = &sk->sk_stack->timers;

	timer_setup(base, &icsk->icsk_retransmit_timer, tcp_write_timer);
	timer_setup(base, &icsk->icsk_delack_timer, tcp_delack_timer);
	timer_setup(base, &icsk->sk_timer, tcp_keepalive_timer);
	hrtimer_setup(&sk->sk_stack->hrtimers, &tcp_sk(sk)->pacing_timer, tcp_pace_kick);
}

bool tcp_timers_pending(const struct sock *sk)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);

	return timer_pending(&icsk->icsk_retransmit_timer) ||
	       timer_pending(&icsk->icsk_delack_timer) || timer_pending(&icsk->sk_timer) ||
	       hrtimer_is_queued(&tcp_sk(sk)->pacing_timer);
}

void tcp_clear_xmit_timers(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	icsk->icsk_pending = 0;
	icsk->icsk_ack.pending = 0;
	del_timer(&icsk->icsk_retransmit_timer);
	del_timer(&icsk->icsk_delack_timer);
	del_timer(&icsk->sk_timer);
	hrtimer_cancel(&tcp_sk(sk)->pacing_timer);
}
