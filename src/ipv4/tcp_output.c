/* Sending segments (Linux's net/ipv4/tcp_output.c): the header and options
 * of every segment, the window we advertise, segmentation of the write
 * queue to the MSS within the congestion and receive windows, Nagle,
 * ACKs (immediate and delayed), FIN, RST, the SYN and SYN-ACK, and
 * retransmission from the retransmit queue. */
#include <errno.h>
#include <string.h>

#include "net/errqueue.h"
#include "net/inet_ecn.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/trace_events.h"

/* ---- MSS ------------------------------------------------------------------------*/

uint32_t tcp_mtu_to_mss(const struct tcp_sock *tp, uint32_t pmtu)
{
	int32_t mss;

	/* An IPv4 datagram is at most 65535 bytes, whatever the device MTU
	 * (lo's is 65536): Linux's IPV4_MAX_PMTU. (IPv6's bound is its
	 * payload's, 65535 bytes after its 40-byte header: this becomes the
	 * family's when there is a second one.) */
	if (pmtu > IP_MAXPACKET)
		pmtu = IP_MAXPACKET;
	/* The family's header, as Linux's __tcp_mtu_to_mss takes it */
	mss = (int32_t)pmtu - inet_csk((const struct sock *)tp)->icsk_af_ops->net_header_len -
	      TCP_HLEN_MIN;

	if (tp->rx_opt_mss_clamp && (uint32_t)mss > tp->rx_opt_mss_clamp)
		mss = tp->rx_opt_mss_clamp;
	/* A peer announcing a tiny MSS (even 1) must not make us cut the
	 * stream into slivers, each costing a buffer on the retransmit
	 * queue (CVE-2019-11479): Linux raises it to net.ipv4.tcp_min_snd_mss
	 * (48: room for 40 bytes of options and 8 of data) before the
	 * options are taken out, as here. */
	if (mss < (int32_t)((const struct sock *)tp)->sk_stack->sysctl.tcp_min_snd_mss)
		mss = (int32_t)((const struct sock *)tp)->sk_stack->sysctl.tcp_min_snd_mss;
	/* options on every segment (timestamps) take room from the data */
	mss -= (int32_t)tp->tcp_header_len - TCP_HLEN_MIN;
	return (uint32_t)mss;
}

/* Sets mss_cache for a path MTU (Linux's tcp_sync_mss). */
uint32_t tcp_sync_mss(struct sock *sk, uint32_t pmtu)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t mss = tcp_mtu_to_mss(tp, pmtu);

	/* Never more than half the largest window the peer offered, so a
	 * small window still carries two segments (Linux's
	 * tcp_bound_to_half_wnd). */
	if (tp->max_window && mss > tp->max_window / 2)
		mss = MAX(tp->max_window / 2, TCP_MIN_MSS - (tp->tcp_header_len - TCP_HLEN_MIN));
	if (tp->user_mss && mss > tp->user_mss)
		mss = tp->user_mss;
	inet_csk(sk)->icsk_pmtu_cookie = pmtu;
	tp->mss_cache = mss;
	return mss;
}

/* Linux takes the room SACK blocks need out of the MSS while it has
 * blocks to send; with buffers already cut to the MSS that would split
 * every queued segment into a full one and a sliver. usertcp keeps the MSS
 * and puts into each segment as many SACK blocks as its size leaves room
 * for (all of them in ACKs and short segments). */
uint32_t tcp_current_mss(struct sock *sk)
{
	return tcp_sk(sk)->mss_cache;
}

/* A size within half the largest window the peer offered, so that a small
 * window still takes two (Linux's tcp_bound_to_half_wnd). */
static uint32_t tcp_bound_to_half_wnd(const struct tcp_sock *tp, uint32_t pktsize)
{
	uint32_t cutoff = tp->max_window > TCP_MSS_DEFAULT ? tp->max_window >> 1 : tp->max_window;

	if (cutoff && pktsize > cutoff)
		return MAX(cutoff, 68u - tp->tcp_header_len);
	return pktsize;
}

/* How long a write-queue buffer may grow (Linux's tcp_xmit_size_goal): as
 * many whole segments as 64 KB holds, or half the peer's largest window;
 * one MSS when buffers are off (usertcp.tcp_gso_buffers=0) or for urgent
 * data. The count is kept in tp->gso_segs and redone only when the bound
 * moved by a segment, to spare a division per write. */
static uint32_t tcp_xmit_size_goal(struct sock *sk, uint32_t mss_now, bool large_allowed)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t new_size_goal, size_goal;

	if (!large_allowed || !sk->sk_stack->sysctl.tcp_gso_buffers)
		return mss_now;
	new_size_goal = tcp_bound_to_half_wnd(tp, TCP_GSO_MAX_SIZE);
	size_goal = tp->gso_segs * mss_now;
	if (new_size_goal < size_goal || new_size_goal >= size_goal + mss_now) {
		tp->gso_segs = (uint16_t)MIN(new_size_goal / mss_now, TCP_GSO_MAX_SEGS);
		size_goal = tp->gso_segs * mss_now;
	}
	return MAX(size_goal, mss_now);
}

uint32_t tcp_send_mss(struct sock *sk, uint32_t *size_goal, int flags)
{
	uint32_t mss_now = tcp_current_mss(sk);

	*size_goal = tcp_xmit_size_goal(sk, mss_now, !(flags & MSG_OOB));
	return mss_now;
}

/* ---- windows we advertise --------------------------------------------------------*/

void tcp_select_initial_window(struct ut_stack *stack, int space, uint32_t mss, uint32_t *rcv_wnd,
			       uint32_t *window_clamp, bool wscale_ok, uint8_t *rcv_wscale)
{
	uint32_t sp;

	if (space < 0)
		space = 0;
	if (*window_clamp == 0)
		*window_clamp = 65535u << TCP_MAX_WSCALE;
	sp = MIN(*window_clamp, (uint32_t)space);
	/* A multiple of the MSS, so the window is never a sliver. */
	if (sp > mss)
		sp = (sp / mss) * mss;
	*rcv_wscale = 0;
	if (wscale_ok) {
		/* The scale the largest buffer this socket could grow to
		 * needs (Linux: tcp_rmem[2] or rmem_max, whichever larger). */
		uint32_t maxsp = (uint32_t)MAX(stack->sysctl.tcp_rmem[2], stack->sysctl.rmem_max);
		maxsp = MIN(maxsp, *window_clamp);
		while (maxsp > 65535 && *rcv_wscale < TCP_MAX_WSCALE) {
			maxsp >>= 1;
			(*rcv_wscale)++;
		}
		*rcv_wnd = MIN(sp, 65535u);
	} else {
		*rcv_wnd = MIN(sp, 65535u);
	}
	if (*rcv_wnd > mss)
		*rcv_wnd = (*rcv_wnd / mss) * mss;
	*window_clamp = MIN(65535u << *rcv_wscale, *window_clamp);
}

/* Linux's __tcp_select_window: the window our free buffer space allows,
 * with receiver-side silly window avoidance (RFC 9293 3.8.6.2.2): never
 * offer less than an MSS, and with scaling, round to the scale unit. */
uint32_t __tcp_select_window(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);
	uint32_t mss = icsk->icsk_ack.rcv_mss;
	int free_space = tcp_space(sk);
	int allowed_space = tcp_full_space(sk);
	uint32_t full_space, window;

	full_space = MIN(tp->window_clamp, (uint32_t)MAX(allowed_space, 0));
	if (mss > full_space)
		mss = full_space;
	if (mss == 0)
		mss = 1;
	if (free_space < (int)(full_space >> 1)) {
		/* Buffer filling up: no quick ACKs; in TCP memory pressure
		 * the window falls back to four segments (Linux). */
		icsk->icsk_ack.quick = 0;
		if (tcp_under_memory_pressure(sk))
			tp->rcv_ssthresh = MIN(tp->rcv_ssthresh, 4u * tp->advmss);
		/* This may become the window: rounding it up to the scale
		 * unit below must not offer more than the memory holds. */
		if (free_space > 0)
			free_space &= ~((1 << tp->rcv_wscale) - 1);
		/* Under an MSS, or under a sixteenth of the whole window, go
		 * to a zero window now (Linux): with a large window the MSS
		 * test alone closes it too late, after the memory is full
		 * and new data is being dropped. */
		if (free_space < allowed_space >> 4 || free_space < (int)mss)
			return 0;
	}
	if (free_space < 0)
		return 0;
	if ((uint32_t)free_space > tp->rcv_ssthresh)
		free_space = (int)tp->rcv_ssthresh;

	window = tp->rcv_wnd;
	if (tp->rcv_wscale) {
		window = (uint32_t)free_space;
		/* Round up to the scale unit, so the advertised value does
		 * not shrink the window by rounding. */
		if (((window >> tp->rcv_wscale) << tp->rcv_wscale) != window)
			window = ((window >> tp->rcv_wscale) + 1) << tp->rcv_wscale;
	} else {
		if (window <= (uint32_t)free_space - mss || window > (uint32_t)free_space)
			window = ((uint32_t)free_space / mss) * mss;
		else if (mss == full_space && (uint32_t)free_space > window + (full_space >> 1))
			window = (uint32_t)free_space;
	}
	return window;
}

uint16_t tcp_select_window(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	uint32_t old_win = tp->rcv_wnd;
	uint32_t cur_win = tcp_receive_window(tp);
	uint32_t new_win = __tcp_select_window(sk);

	if (new_win < cur_win) {
		/* RFC 9293 3.8.6.2.2: never shrink the window we offered;
		 * Linux rounds the old right edge up to the scale unit. */
		if (new_win == 0)
			NET_INC_STATS(stack, LINUX_MIB_TCPWANTZEROWINDOWADV);
		uint32_t unit = 1u << tp->rcv_wscale;
		new_win = (cur_win + unit - 1) & ~(unit - 1);
	}
	tp->rcv_wnd = new_win;
	tp->rcv_wup = tp->rcv_nxt;
	if (!tp->rcv_wscale)
		new_win = MIN(new_win, 65535u);
	else
		new_win = MIN(new_win, 65535u << tp->rcv_wscale);
	new_win >>= tp->rcv_wscale;
	if (new_win == 0) {
		if (old_win)
			NET_INC_STATS(stack, LINUX_MIB_TCPTOZEROWINDOWADV);
	} else if (old_win == 0) {
		NET_INC_STATS(stack, LINUX_MIB_TCPFROMZEROWINDOWADV);
	}
	return (uint16_t)new_win;
}

/* ---- building and sending one segment ------------------------------------------------*/

static void tcp_syn_options(struct sock *sk, struct wire_tcp_opts *o)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;

	memset(o, 0, sizeof(*o));
	/* The MSS the path allows now: a SYN sent again after an ICMP
	 * "fragmentation needed" announces less (Linux's tcp_advertise_mss). */
	if (sk->sk_state == TCP_SYN_SENT && inet_csk(sk)->icsk_pmtu_cookie) {
		uint32_t path = inet_csk(sk)->icsk_pmtu_cookie -
				inet_csk(sk)->icsk_af_ops->net_header_len - TCP_HLEN_MIN;
		if (path < tp->advmss)
			tp->advmss = (uint16_t)path;
	}
	o->saw_mss = true;
	o->mss = tp->advmss;
	if (stack->sysctl.tcp_timestamps) {
		o->saw_tstamp = true;
		o->tsval = tcp_time_stamp(stack) + tp->tsoffset;
		o->tsecr = tp->ts_recent;
	}
	if (stack->sysctl.tcp_window_scaling) {
		o->saw_wscale = true;
		o->wscale = tp->rcv_wscale;
	}
	if (stack->sysctl.tcp_sack)
		o->sack_ok = true;
	tcp_fastopen_syn_option(sk, o);
}

static void tcp_established_options(struct sock *sk, struct wire_tcp_opts *o, uint32_t payload)
{
	struct tcp_sock *tp = tcp_sk(sk);
	/* bytes of the MTU this segment (each segment of a buffer: all but
	 * the last carry a full MSS) leaves for SACK blocks */
	uint32_t room = tp->mss_cache > payload ? tp->mss_cache - payload : 0;

	memset(o, 0, sizeof(*o));
	if (tp->tstamp_ok) {
		o->saw_tstamp = true;
		o->tsval = tcp_time_stamp(sk->sk_stack) + tp->tsoffset;
		o->tsecr = tp->ts_recent;
	}
	if (tp->sack_ok && (tp->num_sacks || tp->dsack)) {
		/* A pending D-SACK block goes first and takes one of the
		 * option's places (RFC 2883 4; Linux's eff_sacks = num_sacks +
		 * dsack), the newest SACK blocks the rest. */
		unsigned max = tp->tstamp_ok ? 3 : 4;
		unsigned fit = room >= 4 ? (room - 4) / 8 : 0;
		unsigned eff = tp->num_sacks + (tp->dsack ? 1u : 0u);
		unsigned n = MIN(MIN(eff, max), fit), i = 0;
		if (n && tp->dsack)
			o->sacks[i++] = tp->duplicate_sack[0];
		for (unsigned j = 0; i < n; j++)
			o->sacks[i++] = tp->selective_acks[j];
		o->num_sacks = (uint8_t)n;
	}
}

/* ---- ECN (RFC 3168), as Linux's tcp_ecn_* of tcp_output.c ------------------------*/

/* The SYN asks for ECN with ECE and CWR (RFC 3168 6.1.1) when
 * net.ipv4.tcp_ecn is 1 or the congestion module needs ECN; a module that
 * does (DCTCP) has even the SYN sent ECN-capable. */
static void tcp_ecn_send_syn(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	bool use_ecn = sk->sk_stack->sysctl.tcp_ecn == 1 || tcp_ca_needs_ecn(sk);

	tp->ecn_flags = 0;
	if (use_ecn) {
		TCP_SKB_CB(skb)->tcp_flags |= TCPHDR_ECE | TCPHDR_CWR;
		tp->ecn_flags = TCP_ECN_OK;
		if (tcp_ca_needs_ecn(sk))
			INET_ECN_xmit(sk);
	}
}

/* A SYN resent after a timeout goes without ECE and CWR
 * (net.ipv4.tcp_ecn_fallback, RFC 3168 6.1.1.1): the first may have been
 * dropped by a middlebox that dislikes them. TCP_ECN_OK stays until the
 * SYN-ACK says whether the peer agreed. */
static void tcp_ecn_clear_syn(struct sock *sk, struct sk_buff *skb)
{
	if (sk->sk_stack->sysctl.tcp_ecn_fallback)
		TCP_SKB_CB(skb)->tcp_flags &= (uint8_t) ~(TCPHDR_ECE | TCPHDR_CWR);
}

/* Our SYN-ACK of a simultaneous open: ECE alone if ECN was agreed. */
static void tcp_ecn_send_synack(struct sock *sk, struct sk_buff *skb)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	TCP_SKB_CB(skb)->tcp_flags &= (uint8_t)~TCPHDR_CWR;
	if (!(tp->ecn_flags & TCP_ECN_OK))
		TCP_SKB_CB(skb)->tcp_flags &= (uint8_t)~TCPHDR_ECE;
	else if (tcp_ca_needs_ecn(sk))
		INET_ECN_xmit(sk);
}

/* Every segment of an ECN connection (RFC 3168 6.1.2, 6.1.4, 6.1.5): new
 * data is sent ECT(0), and the first one after a window reduction carries
 * CWR; pure ACKs and retransmissions are not ECN-capable (unless the module
 * needs ECN); ECE echoes congestion until the peer's CWR. */
static void tcp_ecn_send(struct sock *sk, struct wire_tcp *th, uint32_t seq, uint32_t payload)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!(tp->ecn_flags & TCP_ECN_OK))
		return;
	if (payload && !before(seq, tp->snd_nxt)) {
		INET_ECN_xmit(sk);
		if (tp->ecn_flags & TCP_ECN_QUEUE_CWR) {
			tp->ecn_flags &= (uint8_t)~TCP_ECN_QUEUE_CWR;
			th->flags |= TCPHDR_CWR;
		}
	} else if (!tcp_ca_needs_ecn(sk)) {
		INET_ECN_dontxmit(sk);
	}
	if (tp->ecn_flags & TCP_ECN_DEMAND_CWR)
		th->flags |= TCPHDR_ECE;
}

/* Everything an ACK being sent settles: no delayed ACK is owed any more. */
static void tcp_event_ack_sent(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	/* Only an ACK that was owed spends the quick-ACK budget (Linux's
	 * tcp_dec_quickack_mode). */
	if (icsk->icsk_ack.quick && (icsk->icsk_ack.pending & ICSK_ACK_SCHED))
		icsk->icsk_ack.quick--;
	icsk->icsk_ack.pending = 0;
	del_timer(&icsk->icsk_delack_timer);
}

/* Congestion window restart after idle (RFC 5681 4.1, RFC 7661's
 * predecessor; Linux's tcp_cwnd_restart): the window the network last
 * proved is stale, so it is halved once per RTO of silence, down to the
 * initial window at most, and ssthresh keeps three quarters of the old one. */
static void tcp_cwnd_restart(struct sock *sk, int64_t delta_ns)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint64_t rto_ns = (uint64_t)inet_csk(sk)->icsk_rto * NSEC_PER_MSEC;
	uint32_t cwnd = tp->snd_cwnd;
	uint32_t restart_cwnd = MIN(TCP_INIT_CWND, cwnd);

	tcp_ca_event(sk, CA_EVENT_CWND_RESTART);
	tp->snd_ssthresh = tcp_current_ssthresh(sk);
	while ((delta_ns -= (int64_t)rto_ns) > 0 && cwnd > restart_cwnd)
		cwnd >>= 1;
	tp->snd_cwnd = MAX(MAX(cwnd, restart_cwnd), 1u);
	tp->snd_cwnd_cnt = 0;
	tp->snd_cwnd_stamp = stack_now(sk->sk_stack);
	tp->snd_cwnd_used = 0;
}

/* A new buffer joins the write queue (Linux's tcp_skb_entail calls
 * tcp_slow_start_after_idle_check): after an idle period longer than the
 * RTO, with nothing in flight, cwnd restarts before anything of it is
 * sent, so the first burst is already cut to the restarted window (a
 * module that sets cwnd itself, cong_control, is left alone). */
void tcp_slow_start_after_idle_check(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);
	uint64_t now = stack_now(sk->sk_stack);

	if (!sk->sk_stack->sysctl.tcp_slow_start_after_idle || tp->packets_out || !tp->lsndtime ||
	    icsk->icsk_ca_ops->cong_control)
		return;
	if (now - tp->lsndtime > (uint64_t)icsk->icsk_rto * NSEC_PER_MSEC)
		tcp_cwnd_restart(sk, (int64_t)(now - tp->lsndtime));
}

static void tcp_event_data_sent(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);
	uint64_t now = stack_now(sk->sk_stack);

	/* The first data with nothing in flight starts a new burst: CUBIC
	 * moves its epoch over the idle time. */
	if (tcp_packets_in_flight(tp) == 0)
		tcp_ca_event(sk, CA_EVENT_TX_START);
	tp->lsndtime = now;
	/* Sending data soon after receiving means an interactive exchange:
	 * delay ACKs so they ride on our data (Linux's pingpong mode). */
	if (icsk->icsk_ack.lrcvtime &&
	    now - icsk->icsk_ack.lrcvtime < (uint64_t)icsk->icsk_ack.ato * NSEC_PER_MSEC)
		icsk->icsk_ack.pingpong = true;
}

/* ---- pacing (Linux's internal pacing, without a qdisc) ------------------------------
 *
 * Every segment from the queues advances tp->tcp_wstamp_ns, the earliest
 * departure time of the next one, by its length at sk_pacing_rate; the
 * sender waits while that time is ahead. Only sockets whose
 * sk_pacing_status asks for it are held back (a module such as BBR, or
 * SO_MAX_PACING_RATE), as Linux paces internally only then; for others
 * the rate is computed (tcp_update_pacing_rate) but not enforced. */

/* The segment skb (of the queues) has left: the next may leave its
 * length later at the pacing rate. Linux's rules: the first 10 data
 * segments of a connection are not paced (as the fq qdisc's initial
 * quantum), and up to half a segment's time is forgiven when the sender
 * itself was late (credit), so scheduling jitter does not lower the
 * rate. */
static void tcp_update_skb_after_send(struct sock *sk, const struct sk_buff *skb,
				      uint64_t prior_wstamp)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint64_t rate = sk->sk_pacing_rate, len_ns, credit;

	if (sk->sk_pacing_status == SK_PACING_NONE || rate == ~0ull || !rate ||
	    tp->data_segs_out < 10)
		return;
	len_ns = (uint64_t)skb->len * NSEC_PER_SEC / rate;
	credit = tp->tcp_wstamp_ns - prior_wstamp;
	len_ns -= MIN(len_ns / 2, credit);
	tp->tcp_wstamp_ns += len_ns;
}

/* True if pacing holds the next segment back; the pacing hrtimer is then
 * armed for its departure time, to the nanosecond, as Linux's
 * tcp_pacing_check does: each segment leaves at its own time, not in
 * bursts of a timer tick's worth. */
static bool tcp_pacing_check(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (sk->sk_pacing_status != SK_PACING_NEEDED ||
	    tp->tcp_wstamp_ns <= stack_now(sk->sk_stack))
		return false;
	if (!hrtimer_is_queued(&tp->pacing_timer))
		hrtimer_start(&tp->pacing_timer, tp->tcp_wstamp_ns);
	return true;
}

/* A clone (or private copy) of oskb to transmit. On the retransmit queue,
 * oskb's tree node and send-time anchor overlay dev, tstamp, protocol and
 * the header offsets (skbuff.h), which a copy takes over: for the length
 * of the copy they get the values every queued original had before it
 * was queued (tcp_event_new_data_sent checks), as Linux saves and
 * restores its anchor around the clone (tcp_skb_tsorted_save). */
static struct sk_buff *tcp_skb_clone_for_xmit(struct ut_stack *stack, struct sk_buff *oskb)
{
	struct rb_node rbnode = oskb->rbnode;
	struct list_head anchor = oskb->tcp_tsorted_anchor;
	struct sk_buff *skb;

	oskb->next = oskb->prev = NULL;
	oskb->dev = NULL;
	oskb->tstamp = 0;
	oskb->protocol = 0;
	oskb->mac_header = oskb->network_header = oskb->transport_header = SKB_HDR_UNSET;
	/* Lent memory (MSG_ZEROCOPY) goes down as it is, the headers in
	 * front of it: a device that gathers sends it from there, anything
	 * else on the way gathers it into a frame (dev_queue_xmit). */
	if (skb_zcopy(oskb))
		skb = skb_zcopy_clone_for_xmit(oskb, MAX_HEADER);
	else
		skb = skb_cloned(oskb) ? skb_copy(oskb, stack->pool) : skb_clone(oskb);
	oskb->rbnode = rbnode;
	oskb->tcp_tsorted_anchor = anchor;
	return skb;
}

/* What pacing or TCP Small Queues held back may go, retransmissions
 * first, in the states that send data (Linux's tcp_tsq_write). */
static void tcp_tsq_write(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!(TCPF(sk->sk_state) & (TCPF(TCP_ESTABLISHED) | TCPF(TCP_FIN_WAIT1) |
				    TCPF(TCP_CLOSING) | TCPF(TCP_CLOSE_WAIT) | TCPF(TCP_LAST_ACK))))
		return;
	sock_hold(sk);
	if (tp->lost_out > tp->retrans_out && tp->snd_cwnd > tcp_packets_in_flight(tp))
		tcp_xmit_retransmit_queue(sk);
	tcp_push_pending_frames(sk);
	sock_put(sk);
}

/* The pacing timer (Linux's tcp_pace_kick). */
enum hrtimer_restart tcp_pace_kick(struct hrtimer *t)
{
	struct tcp_sock *tp = container_of(t, struct tcp_sock, pacing_timer);

	tcp_tsq_write(&tp->inet_conn.icsk_inet);
	return HRTIMER_NORESTART;
}

/* ---- TCP Small Queues ---------------------------------------------------------------
 *
 * A socket keeps only a little of its data in the devices below it (a
 * queue, a driver's ring, a medium that has not taken the frame yet), so
 * that a slow device does not hold a whole window and the ACK clock
 * decides what leaves (Linux's TSQ). Every segment handed down charges
 * its truesize to sk_wmem_alloc until the device lets go of it
 * (tcp_wfree); past the limit the write loop stops with TSQF_THROTTLED
 * set, and the next release queues the socket for the next poll, which
 * writes again (tcp_tsq_run): never from inside the device call that
 * released it, which may be in the middle of another socket's
 * transmission. */

void tcp_wfree(struct sk_buff *skb)
{
	struct sock *sk = skb->sk;
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;

	sk->sk_wmem_alloc -= (int)skb->truesize;
	/* Linux queues the socket on the first release after it was
	 * throttled, whatever is left charged: the write loop tests the
	 * limit again. */
	if ((tp->tsq_flags & (TSQF_THROTTLED | TSQF_QUEUED)) != TSQF_THROTTLED) {
		sock_put(sk);
		return;
	}
	tp->tsq_flags = (uint8_t)((tp->tsq_flags & ~TSQF_THROTTLED) | TSQF_QUEUED);
	/* the packet's reference on sk goes to the list */
	list_add_tail(&tp->tsq_node, &stack->tsq_list);
	/* released from another thread (an application's driver reporting
	 * what it sent): the stack thread polls for it */
	stack_kick_thread(stack);
}

int tcp_tsq_run(struct ut_stack *stack)
{
	int n = 0;

	while (!list_empty(&stack->tsq_list)) {
		struct tcp_sock *tp = list_first_entry(&stack->tsq_list, struct tcp_sock, tsq_node);
		struct sock *sk = &tp->inet_conn.icsk_inet;

		list_del(&tp->tsq_node);
		tp->tsq_flags &= (uint8_t)~TSQF_QUEUED;
		if (!stack->dying)
			tcp_tsq_write(sk);
		sock_put(sk);
		n++;
	}
	return n;
}

/* At most one buffer in the retransmission queue: a socket that has
 * sent nothing else may always send, since no completion it waits for
 * could be slow to come (Linux's tcp_rtx_queue_empty_or_single_skb). */
static bool tcp_rtx_queue_empty_or_single_skb(const struct sock *sk)
{
	const struct rb_node *node = tcp_sk(sk)->tcp_rtx_queue.rb_node;

	return !node || (!node->rb_left && !node->rb_right);
}

/* Whether skb must wait for the devices to let go of this socket's
 * packets (Linux 6.x's tcp_small_queue_check): the limit is two of
 * skb's buffers or about a millisecond at the pacing rate
 * (sk_pacing_shift), whichever is more, never past
 * tcp_limit_output_bytes (for paced flows too, since 6.16), doubled per
 * factor (1 for retransmissions, which should not wait behind new
 * data). */
static bool tcp_small_queue_check(struct sock *sk, const struct sk_buff *skb, unsigned factor)
{
	uint64_t limit = MAX(2ull * skb->truesize, sk->sk_pacing_rate >> TCP_PACING_SHIFT);

	limit = MIN(limit, (uint64_t)sk->sk_stack->sysctl.tcp_limit_output_bytes);
	limit <<= factor;
	if ((uint64_t)sk->sk_wmem_alloc <= limit || tcp_rtx_queue_empty_or_single_skb(sk))
		return false;
	/* The devices' transmit batches wait for the end of the call or
	 * poll only to save the drivers calls; Linux's dev_queue_xmit runs
	 * the qdisc to the driver at once. What they hold goes to the
	 * drivers before the socket is judged, so only what a device
	 * really keeps (an unread packet, a link still serialising) holds
	 * the sender back. */
	stack_flush_tx(sk->sk_stack);
	if ((uint64_t)sk->sk_wmem_alloc <= limit)
		return false;
	tcp_sk(sk)->tsq_flags |= TSQF_THROTTLED;
	return true;
}

/* The segment-send trace shows what crosses the wire: one event per
 * segment a buffer is cut into, with the sequence numbers and flags GSO
 * gives each (tcp_offload.c), so a trace reads the same with buffers on
 * or off. Tracing off costs the one test in trace_tcp_segment_send. */
static void tcp_trace_wire_segments(struct sock *sk, const struct wire_tcp *th, uint32_t payload,
				    uint32_t pcount, uint32_t mss)
{
	struct wire_tcp seg = *th;
	uint32_t off = 0;

	if (pcount <= 1 || !mss) {
		trace_tcp_sk_segment_send(sk, th, payload);
		return;
	}
	for (uint32_t i = 0; off < payload; i++) {
		uint32_t len = MIN(mss, payload - off);
		seg.seq = th->seq + off;
		seg.flags = th->flags;
		if (i)
			seg.flags &= (uint8_t)~TCPHDR_CWR;
		if (off + len < payload)
			seg.flags &= (uint8_t) ~(TCPHDR_FIN | TCPHDR_PSH);
		trace_tcp_sk_segment_send(sk, &seg, len);
		off += len;
	}
}

/* SO_TIMESTAMPING's SCHED and SND stamps, at each transmission of the
 * buffer holding the byte asked for. Linux takes them as the packet enters
 * the qdisc and as the driver takes it; usertcp has no qdisc and hands the
 * packet to the device within this call, so both are now. */
static void tcp_tx_tstamp_sent(struct sock *sk, const struct sk_buff *skb)
{
	const struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);

	if (tcb->txstamp_sched)
		skb_tstamp_tx(sk, skb, tcb->tskey, SCM_TSTAMP_SCHED);
	if (tcb->txstamp_snd)
		skb_tstamp_tx(sk, skb, tcb->tskey, SCM_TSTAMP_SND);
}

/* A split buffer's stamps go with the byte they are for (Linux's
 * tcp_fragment_tstamp). */
static void tcp_fragment_tstamp(struct sk_buff *skb, struct sk_buff *buff)
{
	struct tcp_skb_cb *a = TCP_SKB_CB(skb), *b = TCP_SKB_CB(buff);

	if (!before(a->tskey, b->seq))
		a->txstamp_sched = a->txstamp_snd = a->txstamp_ack = 0;
	else
		b->txstamp_sched = b->txstamp_snd = b->txstamp_ack = 0;
}

int tcp_transmit_skb(struct sock *sk, struct sk_buff *oskb, bool clone)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	struct tcp_skb_cb *tcb = TCP_SKB_CB(oskb);
	struct sk_buff *skb = oskb;
	struct wire_tcp_opts opts;
	uint8_t optbuf[TCP_HLEN_MAX - TCP_HLEN_MIN];
	struct wire_tcp th;
	size_t optlen;
	uint32_t payload;
	uint64_t prior_wstamp = tp->tcp_wstamp_ns;
	int err;

	tcb->sent_ns = stack_now(stack);
	tp->tx_order = (uint16_t)((tp->tx_order + 1) & TCP_TX_ORDER_MASK);
	tcb->tx_order = tp->tx_order;
	/* a segment leaves now, not at a departure time already past */
	tp->tcp_wstamp_ns = MAX(tp->tcp_wstamp_ns, tcb->sent_ns);
	if (clone) /* a queued segment, not a bare ACK or RST */
		tcp_rate_skb_sent(sk, oskb);
	if (clone) {
		/* The original stays on the queue for retransmission. If an
		 * earlier transmission still holds its data (in a device
		 * queue or a link), write the header into a private copy. */
		skb = tcp_skb_clone_for_xmit(stack, oskb);
		if (!skb)
			return -ENOBUFS;
		tcb = TCP_SKB_CB(skb);
	}
	payload = skb->len;
	if (tcb->tcp_flags & TCPHDR_SYN)
		tcp_syn_options(sk, &opts);
	else
		tcp_established_options(sk, &opts,
					tcp_skb_pcount(oskb) > 1 ? tcp_skb_mss(oskb) : payload);
	optlen = wire_tcp_emit_options(optbuf, &opts);
	/* A D-SACK block is reported once (RFC 2883 4): sent, it goes. */
	if (opts.num_sacks && tp->dsack)
		tp->dsack = false;

	memset(&th, 0, sizeof(th));
	th.sport = sk->sk_num;
	th.dport = sk->sk_dport;
	th.seq = tcb->seq;
	th.ack_seq = tp->rcv_nxt;
	th.flags = tcb->tcp_flags;
	/* Every buffer of several segments carries PSH on its last one, as
	 * Linux's __tcp_transmit_skb forces it (so the receiver's GRO
	 * flushes at once); a single segment keeps its own flags, since
	 * under heavy congestion delaying a lone MSS and its ACK is better.
	 * Only the copy sent is marked, not the queued buffer. */
	if (!(tcb->tcp_flags & TCPHDR_SYN) && clone && tcp_skb_pcount(oskb) > 1)
		th.flags |= TCPHDR_PSH;
	if (tcb->tcp_flags & TCPHDR_SYN) {
		/* RFC 7323 2.2: the window in a SYN is never scaled. */
		th.window = (uint16_t)MIN(tp->rcv_wnd, 65535u);
	} else {
		th.window = tcp_select_window(sk);
		tcp_ecn_send(sk, &th, tcb->seq, payload);
	}
	/* Urgent mode: every segment that starts before the urgent pointer
	 * carries it, bare ACKs too, until it is acknowledged; a pointer
	 * beyond 16 bits reads 0xFFFF while the data it leads to is unsent
	 * (Linux's __tcp_transmit_skb). */
	if (tcp_urg_mode(tp) && before(tcb->seq, tp->snd_up)) {
		if (before(tp->snd_up, tcb->seq + 0x10000)) {
			th.urg_ptr = (uint16_t)(tp->snd_up - tcb->seq);
			th.flags |= TCPHDR_URG;
		} else if (after(tcb->seq + 0xFFFF, tp->snd_nxt)) {
			th.urg_ptr = 0xFFFF;
			th.flags |= TCPHDR_URG;
		}
	}
	th.opts = optbuf;
	th.opts_len = optlen;
	uint8_t *h = skb_push(skb, (uint32_t)(TCP_HLEN_MIN + optlen));
	wire_tcp_emit(h, &th);
	skb_reset_transport_header(skb);

	if (tcb->tcp_flags & TCPHDR_ACK)
		tcp_event_ack_sent(sk);
	tp->segs_out += tcp_skb_pcount(oskb);
	if (payload) {
		tcp_event_data_sent(sk);
		tp->data_segs_out += tcp_skb_pcount(oskb);
		tp->bytes_sent += payload;
	}
	/* Linux counts OutSegs in wire segments (tcp_skb_pcount). */
	TCP_ADD_STATS(stack, TCP_MIB_OUTSEGS, clone ? tcp_skb_pcount(oskb) : 1u);
	tcp_trace_wire_segments(sk, &th, payload, clone ? tcp_skb_pcount(oskb) : 1u,
				tcp_skb_mss(oskb));
	/* A buffer of several segments tells the device how to cut it
	 * (Linux's __tcp_transmit_skb fills gso_segs, gso_size, gso_type). */
	if (clone && tcp_skb_pcount(oskb) > 1) {
		skb_shinfo(skb)->gso_segs = (uint16_t)tcp_skb_pcount(oskb);
		skb_shinfo(skb)->gso_size = (uint16_t)tcp_skb_mss(oskb);
		skb_shinfo(skb)->gso_type = inet_csk(sk)->icsk_af_ops->gso_type;
	} else {
		skb_shinfo(skb)->gso_segs = 0;
		skb_shinfo(skb)->gso_size = 0;
		skb_shinfo(skb)->gso_type = 0;
	}
	/* IP keeps its control block at the start of skb->cb; what TCP left
	 * there must not read as IP's flags (Linux clears it the same way). */
	memset(skb->cb, 0, TCP_SKB_CB_IP_AREA);
	/* The socket is charged until a device lets go of the packet: a
	 * segment of the queues by tcp_wfree, which TCP Small Queues waits
	 * on, a bare ACK or reset by sock_wfree (Linux's
	 * __tcp_transmit_skb). */
	skb_set_owner_w(skb, sk, clone ? tcp_wfree : sock_wfree);
	err = inet_csk(sk)->icsk_af_ops->queue_xmit(sk, skb);
	if (err > 0) {
		/* The device's queue refused it: local congestion, which
		 * Linux's __tcp_transmit_skb answers by entering CWR. The
		 * caller sees NET_XMIT_DROP (positive) and retries on its
		 * timer without backing off. */
		tcp_enter_cwr(sk);
		err = net_xmit_eval(err);
	}
	/* Only segments of the queues count against the pacing rate: pure
	 * ACKs and resets do not (Linux's __tcp_transmit_skb). */
	if (!err && clone) {
		tcp_update_skb_after_send(sk, oskb, prior_wstamp);
		tcp_tx_tstamp_sent(sk, oskb);
	}
	return err;
}

/* ---- the write queue -----------------------------------------------------------------*/

/* Counts skb's wire segments for mss_now (Linux's tcp_set_skb_tso_segs):
 * one segment when it fits, else one per MSS, the last one short. */
void tcp_set_skb_tso_segs(struct sk_buff *skb, uint32_t mss_now)
{
	if (skb->len <= mss_now) {
		tcp_skb_pcount_set(skb, 1);
		TCP_SKB_CB(skb)->tcp_gso_size = 0;
	} else {
		tcp_skb_pcount_set(skb, (skb->len + mss_now - 1) / mss_now);
		TCP_SKB_CB(skb)->tcp_gso_size = (uint16_t)mss_now;
	}
}

/* The segment count of a buffer about to be sent, recounted if the MSS
 * changed since it was counted (Linux's tcp_init_tso_segs). */
static uint32_t tcp_init_tso_segs(struct sk_buff *skb, uint32_t mss_now)
{
	uint32_t segs = tcp_skb_pcount(skb);

	if (!segs || (segs > 1 && tcp_skb_mss(skb) != mss_now)) {
		tcp_set_skb_tso_segs(skb, mss_now);
		segs = tcp_skb_pcount(skb);
	}
	return segs;
}

/* A sent buffer now stands for decr fewer segments (negative: more): every
 * counter that counted it moves with it (Linux's tcp_adjust_pcount). */
void tcp_adjust_pcount(struct sock *sk, const struct sk_buff *skb, int decr)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint8_t sacked = TCP_SKB_CB(skb)->sacked;

	tp->packets_out -= (uint32_t)decr;
	if (sacked & TCPCB_SACKED_ACKED)
		tp->sacked_out -= (uint32_t)decr;
	if (sacked & TCPCB_SACKED_RETRANS)
		tp->retrans_out -= (uint32_t)decr;
	if (sacked & TCPCB_LOST)
		tp->lost_out -= (uint32_t)decr;
}

void tcp_rbtree_insert(struct rb_root *root, struct sk_buff *skb)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;

	while (*link) {
		parent = *link;
		if (before(TCP_SKB_CB(skb)->seq, TCP_SKB_CB(skb_rb_entry(parent))->seq))
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&skb->rbnode, parent, link);
	rb_insert_color(&skb->rbnode, root);
}

/* Splits skb so its first len bytes stay and the rest become a new buffer
 * right after it, each counted in segments of mss_now (Linux's
 * tcp_fragment): a buffer cut at the congestion or receive window, at a
 * SACK edge, for a retransmission of fewer segments, or after the MSS
 * shrank. The rest is copied once into a buffer of its own (usertcp's
 * buffers are linear; Linux moves page fragments instead). A buffer of
 * the retransmit queue keeps its counters whole: both halves keep the
 * marks the whole had. 0, -ENOMEM when the queue is already far over the
 * send buffer (TCPWqueueTooBig, so a peer's SACKs cannot make us split
 * without bound), or -ENOBUFS. */
int tcp_fragment(struct sock *sk, enum tcp_queue tcp_queue, struct sk_buff *skb, uint32_t len,
		 uint32_t mss_now, gfp_t gfp)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t nlen = skb->len - len;
	uint32_t old_factor;
	struct sk_buff *buff;
	long limit;

	(void)gfp; /* the pool never sleeps */
	if (len > skb->len)
		return -EINVAL;
	/* Linux lets the queue overshoot the send buffer by two full-size
	 * buffers before it refuses to split anything but the ends of the
	 * retransmit queue. */
	limit = (long)sk->sk_sndbuf +
		2L * (long)skb_truesize_for(sk->sk_stack->pool, MAX_HEADER + TCP_GSO_MAX_SIZE);
	if (unlikely((sk->sk_wmem_queued >> 1) > limit && tcp_queue != TCP_FRAG_IN_WRITE_QUEUE &&
		     skb != tcp_rtx_queue_head(sk) && skb != tcp_rtx_queue_tail(sk))) {
		NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPWQUEUETOOBIG);
		return -ENOMEM;
	}
	/* lent memory is split, not copied: both halves reference it */
	if (skb_zcopy(skb)) {
		buff = skb_zcopy_split(skb, len);
	} else {
		/* The rest of the write queue's tail stays its tail, which
		 * the next write fills up to the size goal, as Linux's
		 * appends page fragments to it: room for a full 64 KB then,
		 * as tcp_sendmsg gives a new buffer (only the bytes are
		 * charged). Elsewhere the rest takes no more bytes. */
		bool tail = tcp_queue == TCP_FRAG_IN_WRITE_QUEUE &&
			    skb == skb_peek_tail(&sk->sk_write_queue) && nlen < TCP_GSO_MAX_SIZE;
		buff = stack_alloc_skb(sk->sk_stack, tail ? TCP_GSO_MAX_SIZE : nlen);
		if (buff)
			memcpy(skb_put(buff, nlen), skb->data + len, nlen);
	}
	if (!buff)
		return -ENOBUFS;
	/* Every per-segment field carries over (rate state, sent times,
	 * marks): both halves were sent at once. */
	memcpy(buff->cb, skb->cb, sizeof(buff->cb));
	TCP_SKB_CB(buff)->seq = TCP_SKB_CB(skb)->seq + len;
	tcp_fragment_tstamp(skb, buff);
	/* PSH, FIN and a record's end (MSG_EOR) belong to the last byte, so
	 * to the second half. */
	TCP_SKB_CB(skb)->tcp_flags &= (uint8_t) ~(TCPHDR_FIN | TCPHDR_PSH);
	TCP_SKB_CB(skb)->eor = 0;
	TCP_SKB_CB(skb)->end_seq = TCP_SKB_CB(skb)->seq + len;
	skb->len = len;
	/* The moved bytes take their charge along (Linux moves truesize with
	 * the page fragments); the new buffer adds its own overhead, forced
	 * as in Linux since the data is already queued and counted. */
	buff->truesize = tcp_skb_base_truesize(sk->sk_stack) + nlen;
	sk_wmem_charge_forced(sk, buff);
	tcp_skb_uncharge_bytes(sk, skb, nlen);
	if (tcp_queue == TCP_FRAG_IN_WRITE_QUEUE) {
		sk->sk_write_queue.bytes -= nlen;
		skb_insert_between(buff, skb, skb->next, &sk->sk_write_queue);
	} else {
		tcp_rbtree_insert(&tp->tcp_rtx_queue, buff);
		/* Sent together: buff follows skb in send-time order too
		 * (where Linux adds it after skb's anchor), unless SACKed,
		 * which takes a buffer off that list for good; then its
		 * anchor points at itself, so unlinking it later is harmless. */
		INIT_LIST_HEAD(&buff->tcp_tsorted_anchor);
		if (!(TCP_SKB_CB(buff)->sacked & TCPCB_SACKED_ACKED))
			list_add(&buff->tcp_tsorted_anchor, &skb->tcp_tsorted_anchor);
		else if (tp->highest_sack == skb)
			tp->highest_sack = buff;
	}

	old_factor = tcp_skb_pcount(skb);
	tcp_set_skb_tso_segs(skb, mss_now);
	tcp_set_skb_tso_segs(buff, mss_now);
	/* A sent buffer cut at other than its segment boundaries (a new
	 * MSS) becomes more segments than it was counted as. */
	if (tcp_queue == TCP_FRAG_IN_RTX_QUEUE) {
		int diff = (int)old_factor - (int)tcp_skb_pcount(skb) - (int)tcp_skb_pcount(buff);
		if (diff)
			tcp_adjust_pcount(sk, buff, diff);
	}
	return 0;
}

/* Cuts the first len bytes off a buffer of the retransmit queue that the
 * peer acknowledged (Linux's tcp_trim_head), and recounts its segments in
 * its own MSS. The bytes' charge goes back to the socket, as Linux frees
 * the trimmed page fragments' truesize; the buffer itself goes later. */
void tcp_trim_head(struct sock *sk, struct sk_buff *skb, uint32_t len)
{
	if (skb_zcopy(skb))
		skb_zcopy_pull(skb, len);
	else
		skb_pull(skb, len);
	tcp_skb_uncharge_bytes(sk, skb, len);
	TCP_SKB_CB(skb)->seq += len;
	if (tcp_skb_pcount(skb) > 1)
		tcp_set_skb_tso_segs(skb, tcp_skb_mss(skb));
	else if (!tcp_skb_pcount(skb))
		tcp_skb_pcount_set(skb, 1);
}

/* Minshall's variant of Nagle (Linux's tcp_minshall_check): a small
 * segment waits while an earlier small segment is unacknowledged. */
static bool tcp_minshall_check(const struct tcp_sock *tp)
{
	return after(tp->snd_sml, tp->snd_una) && !after(tp->snd_sml, tp->snd_nxt);
}

/* Whether a partial segment must wait (Linux's tcp_nagle_check): corked,
 * or Nagle on with a small segment unacknowledged. */
static bool tcp_nagle_check(bool partial, const struct tcp_sock *tp, int nonagle)
{
	return partial && ((nonagle & TCP_NAGLE_CORK) ||
			   (!nonagle && tp->packets_out && tcp_minshall_check(tp)));
}

/* Nagle (RFC 896, RFC 1122 4.2.3.4) as Linux's tcp_nagle_test: true when
 * skb may go now. */
static bool tcp_nagle_test(const struct tcp_sock *tp, const struct sk_buff *skb, uint32_t mss_now,
			   int nonagle)
{
	if (nonagle & TCP_NAGLE_PUSH)
		return true;
	if (TCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN)
		return true;
	return !tcp_nagle_check(skb->len < mss_now, tp, nonagle);
}

/* The first segment of skb fits the peer's window (Linux's
 * tcp_snd_wnd_test). */
static bool tcp_snd_wnd_test(const struct tcp_sock *tp, const struct sk_buff *skb, uint32_t mss_now)
{
	uint32_t end_seq = TCP_SKB_CB(skb)->end_seq;

	if (skb->len > mss_now)
		end_seq = TCP_SKB_CB(skb)->seq + mss_now;
	return !after(end_seq, tcp_wnd_end(tp));
}

/* Segments the congestion window lets the next buffer carry (Linux's
 * tcp_cwnd_test): at most half of cwnd, so that two buffers are in
 * flight and ACKs keep coming; a FIN alone in one segment goes whatever
 * cwnd says. */
static uint32_t tcp_cwnd_test(const struct tcp_sock *tp, const struct sk_buff *skb)
{
	uint32_t in_flight, cwnd = tp->snd_cwnd;

	if ((TCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN) && tcp_skb_pcount(skb) == 1)
		return 1;
	in_flight = tcp_packets_in_flight(tp);
	if (in_flight >= cwnd)
		return 0;
	return MIN(MAX(cwnd >> 1, 1u), cwnd - in_flight);
}

/* Segments in one buffer at the pacing rate (Linux's tcp_tso_autosize):
 * about a millisecond's worth (sk_pacing_shift 10), plus a share of 64 KB
 * that halves for every 2^tcp_tso_rtt_log us of min RTT (a short path
 * gets bigger bursts), within 64 KB and at least min_tso_segs. */
static uint32_t tcp_tso_autosize(const struct sock *sk, uint32_t mss_now, uint32_t min_tso_segs)
{
	uint64_t bytes = sk->sk_pacing_rate >> TCP_PACING_SHIFT;
	uint32_t r = tcp_min_rtt(tcp_sk(sk)) >> sk->sk_stack->sysctl.tcp_tso_rtt_log;

	if (r < 32)
		bytes += TCP_GSO_MAX_SIZE >> r;
	bytes = MIN(bytes, (uint64_t)TCP_GSO_MAX_SIZE);
	return MAX((uint32_t)(bytes / mss_now), min_tso_segs);
}

/* The most segments a buffer may carry now (Linux's tcp_tso_segs): the
 * module's minimum (BBR wants more at high rates) or tcp_min_tso_segs. */
static uint32_t tcp_tso_segs(struct sock *sk, uint32_t mss_now)
{
	const struct tcp_congestion_ops *ca = inet_csk(sk)->icsk_ca_ops;
	uint32_t min_tso = ca->min_tso_segs ? ca->min_tso_segs(sk)
					    : (uint32_t)sk->sk_stack->sysctl.tcp_min_tso_segs;

	return MIN(tcp_tso_autosize(sk, mss_now, min_tso), (uint32_t)TCP_GSO_MAX_SEGS);
}

/* Where to cut skb for this transmission (Linux's tcp_mss_split_point):
 * max_segs segments when the window has room for them and more data may
 * follow; else what the window takes, less a partial last segment that
 * Nagle would hold. */
static uint32_t tcp_mss_split_point(const struct sock *sk, const struct sk_buff *skb,
				    uint32_t mss_now, uint32_t max_segs, int nonagle)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	uint32_t partial, needed, window, max_len;

	window = tcp_wnd_end(tp) - TCP_SKB_CB(skb)->seq;
	max_len = mss_now * max_segs;
	if (max_len <= window && skb != skb_peek_tail(&sk->sk_write_queue))
		return max_len;
	needed = MIN(skb->len, window);
	if (max_len <= needed)
		return max_len;
	partial = needed % mss_now;
	if (tcp_nagle_check(partial != 0, tp, nonagle))
		return needed - partial;
	return needed;
}

/* Whether to hold a multi-segment buffer back for a bigger burst (Linux's
 * tcp_tso_should_defer): never in recovery, nor when the last send was
 * more than a millisecond ago, nor when a full buffer, a whole middle
 * buffer or a tcp_tso_win_divisor share of the window can go, nor when
 * the next ACK is further off than min(srtt/2, 1 ms). Otherwise a buffer
 * the windows cut short, or a tail that may still grow, waits for that
 * ACK. */
static bool tcp_tso_should_defer(struct sock *sk, struct sk_buff *skb, bool *is_cwnd_limited,
				 bool *is_rwnd_limited, uint32_t max_segs)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint64_t now = stack_now(sk->sk_stack);
	uint32_t send_win, cong_win, limit, in_flight;
	long win_divisor = sk->sk_stack->sysctl.tcp_tso_win_divisor;
	uint64_t srtt_ns, expected_ack;
	struct sk_buff *head;

	if (inet_csk(sk)->icsk_ca_state >= TCP_CA_Recovery)
		return false;
	if ((int64_t)(now - tp->tcp_wstamp_ns - NSEC_PER_MSEC) > 0)
		return false;
	in_flight = tcp_packets_in_flight(tp);
	BUG_ON(tcp_skb_pcount(skb) <= 1 || tp->snd_cwnd <= in_flight);
	send_win = tcp_wnd_end(tp) - TCP_SKB_CB(skb)->seq;
	cong_win = (tp->snd_cwnd - in_flight) * tp->mss_cache;
	limit = MIN(send_win, cong_win);
	if (limit >= max_segs * tp->mss_cache)
		return false;
	if (skb != skb_peek_tail(&sk->sk_write_queue) && limit >= skb->len)
		return false;
	if (win_divisor) {
		uint32_t chunk = MIN(tp->snd_wnd, tp->snd_cwnd * tp->mss_cache);
		if (limit >= chunk / (uint32_t)win_divisor)
			return false;
	} else if (limit > 3 * tp->mss_cache) {
		/* one ACK covers two segments: more than three can go */
		return false;
	}
	head = tcp_rtx_queue_head(sk);
	if (!head)
		return false;
	/* Wait only for an ACK that is due soon: one expected in more than
	 * min(srtt/2, 1 ms) lets the buffer go now, for a smooth ACK clock
	 * (Linux 6.18, "tcp: fix tcp_tso_should_defer() vs large RTT"). */
	srtt_ns = (uint64_t)tp->srtt_us * NSEC_PER_USEC >> 3;
	expected_ack = TCP_SKB_CB(head)->sent_ns + srtt_ns;
	if ((int64_t)(expected_ack - now) > (int64_t)MIN(srtt_ns >> 1, NSEC_PER_MSEC))
		return false;
	if (cong_win < send_win) {
		if (cong_win <= skb->len) {
			*is_cwnd_limited = true;
			return true;
		}
	} else if (send_win <= skb->len) {
		*is_rwnd_limited = true;
		return true;
	}
	/* application-limited: a buffer that can grow no more goes */
	if (TCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN)
		return false;
	return true;
}

/* RFC 2861, as Linux's tcp_cwnd_application_limited: a window the
 * application (or the receiver) left unused for an RTO is no longer
 * known to be safe. Outside recovery, and unless the writer is waiting
 * for send-buffer space, cwnd comes down halfway to what was used (at
 * least the initial window), ssthresh keeping the old cwnd's 3/4. */
static void tcp_cwnd_application_limited(struct sock *sk, uint64_t now)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (inet_csk(sk)->icsk_ca_state == TCP_CA_Open && sk->sk_socket &&
	    !sock_flag(sk, SOCK_NOSPACE)) {
		uint32_t win_used = MAX(tp->snd_cwnd_used, (uint32_t)TCP_INIT_CWND);

		if (win_used < tp->snd_cwnd) {
			tp->snd_ssthresh = tcp_current_ssthresh(sk);
			tp->snd_cwnd = (tp->snd_cwnd + win_used) >> 1;
		}
		tp->snd_cwnd_used = 0;
	}
	tp->snd_cwnd_stamp = now;
}

/* After a send attempt (Linux's tcp_cwnd_validate): remember for the
 * current window whether cwnd held the sender back, or else the most
 * segments it had out, for tcp_is_cwnd_limited. A new window starts once
 * snd_una passes the snd_nxt of the last update. */
static void tcp_cwnd_validate(struct sock *sk, bool is_cwnd_limited)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint64_t now = stack_now(sk->sk_stack);

	if (!before(tp->snd_una, tp->cwnd_usage_seq) || is_cwnd_limited ||
	    (!tp->is_cwnd_limited && tp->packets_out > tp->max_packets_out)) {
		tp->is_cwnd_limited = is_cwnd_limited;
		tp->max_packets_out = tp->packets_out;
		tp->cwnd_usage_seq = tp->snd_nxt;
	}
	if (tcp_is_cwnd_limited(tp)) {
		tp->snd_cwnd_used = 0;
		tp->snd_cwnd_stamp = now;
		return;
	}
	/* The window is not what limits the sender: after an RTO of that,
	 * it decays toward what was used (RFC 2861). */
	tp->snd_cwnd_used = MAX(tp->snd_cwnd_used, tp->packets_out);
	if (sk->sk_stack->sysctl.tcp_slow_start_after_idle &&
	    now - tp->snd_cwnd_stamp >= (uint64_t)inet_csk(sk)->icsk_rto * NSEC_PER_MSEC &&
	    !inet_csk(sk)->icsk_ca_ops->cong_control)
		tcp_cwnd_application_limited(sk, now);
}

/* A segment left the write queue for the retransmit queue. */
static void tcp_event_new_data_sent(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	bool first = tp->packets_out == 0;

	skb_unlink(skb, &sk->sk_write_queue);
	/* Fields the anchor and the tree node share (skbuff.h) are unused by
	 * a queued original: as a fresh skb has them, which is what
	 * tcp_skb_clone_for_xmit gives its clones. */
	BUG_ON(skb->dev || skb->tstamp || skb->protocol || skb->mac_header != SKB_HDR_UNSET ||
	       skb->network_header != SKB_HDR_UNSET || skb->transport_header != SKB_HDR_UNSET);
	tcp_rbtree_insert(&tp->tcp_rtx_queue, skb);
	list_add_tail(&skb->tcp_tsorted_anchor, &tp->tsorted_sent_queue);
	tp->snd_nxt = TCP_SKB_CB(skb)->end_seq;
	tp->packets_out += tcp_skb_pcount(skb);
	TCP_SKB_CB(skb)->first_sent_ns = TCP_SKB_CB(skb)->sent_ns;
	if (skb->len)
		NET_ADD_STATS(sk->sk_stack, LINUX_MIB_TCPORIGDATASENT, tcp_skb_pcount(skb));
	/* A pending loss probe is pushed back by new data (Linux). */
	if (first || inet_csk(sk)->icsk_pending == ICSK_TIME_PROBE0 ||
	    inet_csk(sk)->icsk_pending == ICSK_TIME_LOSS_PROBE)
		tcp_rearm_rto(sk);
}

/* push_one: 0 sends all that is allowed, 1 one buffer, 2 one buffer
 * whatever cwnd says (the loss probe), as in Linux's tcp_write_xmit.
 * Each buffer goes out as large as the windows, Nagle, the autosized
 * burst and the deferral rules let it; the device cuts it into
 * segments (software GSO). */
static bool __tcp_write_xmit(struct sock *sk, uint32_t mss_now, int nonagle, int push_one)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;
	uint32_t sent = 0, max_segs;
	bool paced = false, rwnd_limited = false, cwnd_limited = false;

	if (sk->sk_state == TCP_CLOSE || sk->sk_stack->dying)
		return false;
	max_segs = tcp_tso_segs(sk, mss_now);
	while ((skb = skb_peek(&sk->sk_write_queue)) != NULL) {
		uint32_t tso_segs = tcp_init_tso_segs(skb, mss_now), cwnd_quota, limit;

		/* TCP_REPAIR's send queue: "sent" without going out; the
		 * send time starts the retransmission timer (Linux). */
		if (tp->repair && tp->repair_queue == TCP_SEND_QUEUE) {
			TCP_SKB_CB(skb)->sent_ns = stack_now(sk->sk_stack);
			tcp_event_new_data_sent(sk, skb);
			sent += tcp_skb_pcount(skb);
			continue;
		}

		if (tcp_pacing_check(sk)) {
			paced = true;
			break;
		}
		cwnd_quota = tcp_cwnd_test(tp, skb);
		if (!cwnd_quota) {
			if (push_one != 2)
				break;
			cwnd_quota = 1;
		}
		if (!tcp_snd_wnd_test(tp, skb, mss_now)) {
			rwnd_limited = true;
			break;
		}
		if (tso_segs == 1) {
			/* Only the last buffer can be short: Nagle concerns it. */
			if (!tcp_nagle_test(tp, skb, mss_now,
					    tcp_skb_is_last(skb) ? nonagle : TCP_NAGLE_PUSH))
				break;
		} else if (!push_one &&
			   tcp_tso_should_defer(sk, skb, &cwnd_limited, &rwnd_limited, max_segs)) {
			break;
		}
		limit = mss_now;
		if (tso_segs > 1)
			limit = tcp_mss_split_point(sk, skb, mss_now, MIN(cwnd_quota, max_segs),
						    nonagle);
		if (skb->len > limit &&
		    tcp_fragment(sk, TCP_FRAG_IN_WRITE_QUEUE, skb, limit, mss_now, GFP_ATOMIC))
			break;
		if (tcp_small_queue_check(sk, skb, 0))
			break;
		if (tcp_transmit_skb(sk, skb, true))
			break;
		/* Minshall: remember the end of a buffer with a short segment */
		if (skb->len < tcp_skb_pcount(skb) * mss_now)
			tp->snd_sml = TCP_SKB_CB(skb)->end_seq;
		tcp_event_new_data_sent(sk, skb);
		sent += tcp_skb_pcount(skb);
		if (push_one)
			break;
	}
	/* TCP_NAGLE_PUSH pushes once: what stays after this is ordinary. */
	tp->nonagle &= (uint8_t)~TCP_NAGLE_PUSH;
	if (rwnd_limited)
		tcp_chrono_start(sk, TCP_CHRONO_RWND_LIMITED);
	else
		tcp_chrono_stop(sk, TCP_CHRONO_RWND_LIMITED);
	cwnd_limited |= tcp_packets_in_flight(tp) >= tp->snd_cwnd;
	if (sent || cwnd_limited)
		tcp_cwnd_validate(sk, cwnd_limited);
	if (sent) {
		/* PRR counts what is sent during a reduction (RFC 6937). */
		if (tcp_in_cwnd_reduction(sk))
			tp->prr_out += sent;
		/* One loss probe per tail-loss episode. */
		if (push_one != 2)
			tcp_schedule_loss_probe(sk, false);
		return false;
	}
	/* Held back by pacing, not by the window: the pacing timer, not
	 * the probe timer, comes back for it. */
	if (paced)
		return false;
	return !tp->packets_out && !skb_queue_empty(&sk->sk_write_queue);
}

bool tcp_write_xmit(struct sock *sk, uint32_t mss_now, int nonagle)
{
	return __tcp_write_xmit(sk, mss_now, nonagle, 0);
}

void tcp_push_pending_frames(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (skb_queue_empty(&sk->sk_write_queue))
		return;
	if (tcp_write_xmit(sk, tcp_current_mss(sk), tp->nonagle))
		tcp_check_probe_timer(sk);
}

/* ---- ACKs ---------------------------------------------------------------------------*/

/* The sequence number for a segment without data: snd_nxt, unless the peer
 * shrank its window below it by more than scaling can round away (Linux's
 * tcp_acceptable_seq). */
static uint32_t tcp_acceptable_seq(const struct tcp_sock *tp)
{
	uint32_t wnd_end = tcp_wnd_end(tp);

	if (!before(wnd_end, tp->snd_nxt) ||
	    (tp->rcv_wscale && tp->snd_nxt - wnd_end < (1u << tp->rcv_wscale)))
		return tp->snd_nxt;
	return wnd_end;
}

static struct sk_buff *tcp_alloc_ctl_skb(struct sock *sk, uint32_t seq, uint8_t flags)
{
	struct sk_buff *skb = stack_alloc_skb(sk->sk_stack, 0);

	if (!skb)
		return NULL;
	TCP_SKB_CB(skb)->seq = TCP_SKB_CB(skb)->end_seq = seq;
	TCP_SKB_CB(skb)->tcp_flags = flags;
	TCP_SKB_CB(skb)->sacked = 0;
	tcp_skb_pcount_set(skb, 1);
	TCP_SKB_CB(skb)->tcp_gso_size = 0;
	return skb;
}

void tcp_send_ack(struct sock *sk)
{
	struct sk_buff *skb;

	if (sk->sk_state == TCP_CLOSE)
		return;
	skb = tcp_alloc_ctl_skb(sk, tcp_acceptable_seq(tcp_sk(sk)), TCPHDR_ACK);
	if (!skb) {
		/* Try again soon (Linux reschedules the delayed ACK). */
		inet_csk(sk)->icsk_ack.pending |= ICSK_ACK_SCHED | ICSK_ACK_TIMER;
		mod_timer(&inet_csk(sk)->icsk_delack_timer,
			  stack_jiffies(sk->sk_stack) + msecs_to_jiffies(TCP_DELACK_MAX_MS));
		return;
	}
	tcp_transmit_skb(sk, skb, false);
}

void tcp_send_delayed_ack(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	uint64_t now = stack_jiffies(sk->sk_stack);
	uint32_t ato = icsk->icsk_ack.ato;
	uint64_t timeout;

	if (ato > TCP_DELACK_MIN_MS) {
		/* Interactive sessions may wait longer, up to the 200 ms
		 * bound (or the RTO if that is smaller). */
		uint32_t max_ato = TCP_DELACK_MAX_MS;
		if (tcp_sk(sk)->srtt_us) {
			uint32_t rtt =
				MAX((tcp_sk(sk)->srtt_us >> 3) / 1000, (uint32_t)TCP_DELACK_MIN_MS);
			if (rtt < max_ato)
				max_ato = rtt;
		}
		ato = MIN(ato, max_ato);
	}
	timeout = now + msecs_to_jiffies(ato);
	if (icsk->icsk_ack.pending & ICSK_ACK_TIMER) {
		/* An ACK is already owed: if its timer is due, or we were
		 * pushed, send now; never postpone an owed ACK. */
		if (icsk->icsk_ack.timeout <= now + (ato >> 2)) {
			tcp_send_ack(sk);
			return;
		}
		if (timeout > icsk->icsk_ack.timeout)
			timeout = icsk->icsk_ack.timeout;
	}
	icsk->icsk_ack.pending |= ICSK_ACK_SCHED | ICSK_ACK_TIMER;
	icsk->icsk_ack.timeout = timeout;
	mod_timer(&icsk->icsk_delack_timer, timeout);
}

/* ---- FIN and RST -------------------------------------------------------------------*/

void tcp_send_fin(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);

	if (tail) {
		/* Unsent data: the FIN rides on its last segment. */
		TCP_SKB_CB(tail)->tcp_flags |= TCPHDR_FIN;
		TCP_SKB_CB(tail)->end_seq++;
		tp->write_seq++;
	} else {
		struct sk_buff *skb = tcp_alloc_ctl_skb(sk, tp->write_seq, TCPHDR_ACK | TCPHDR_FIN);
		if (!skb) {
			/* No memory even for a FIN: abort, as Linux
			 * does when it cannot send one. */
			tcp_disconnect_reset(sk, ENOBUFS);
			return;
		}
		TCP_SKB_CB(skb)->end_seq++;
		tp->write_seq++;
		skb_queue_tail(&sk->sk_write_queue, skb);
		sk_wmem_charge_forced(sk, skb);
	}
	if (tcp_write_xmit(sk, tcp_current_mss(sk), TCP_NAGLE_OFF))
		tcp_check_probe_timer(sk);
}

void tcp_send_active_reset(struct sock *sk)
{
	struct sk_buff *skb;

	TCP_INC_STATS(sk->sk_stack, TCP_MIB_OUTRSTS);
	trace_tcp_event(sk, UT_TP_TCP_SEND_RESET, "active reset");
	skb = tcp_alloc_ctl_skb(sk, tcp_acceptable_seq(tcp_sk(sk)), TCPHDR_ACK | TCPHDR_RST);
	if (!skb) {
		NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPABORTFAILED);
		return;
	}
	tcp_transmit_skb(sk, skb, false);
}

/* ---- SYN, SYN-ACK -------------------------------------------------------------------*/

int tcp_connect(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	struct tcp_fastopen_request fo;
	struct sk_buff *skb, *data = NULL;
	uint32_t rcv_wnd = 0;
	int err;

	/* TCP_FASTOPEN_CONNECT with a cookie: the SYN waits for data. */
	if (tcp_fastopen_defer_connect(sk, &fo))
		return 0;

	/* Linux's tcp_connect_init */
	tp->tcp_header_len =
		TCP_HLEN_MIN + (stack->sysctl.tcp_timestamps ? TCPOLEN_TSTAMP_ALIGNED : 0);
	tcp_sync_mss(sk, inet_csk(sk)->icsk_pmtu_cookie);
	if (tp->user_mss && tp->advmss > tp->user_mss)
		tp->advmss = tp->user_mss;
	/* Linux sizes the SYN's window in whole segments of the announced
	 * MSS (64240 for 1460), before it knows about timestamps. */
	tcp_select_initial_window(stack, tcp_full_space(sk), tp->advmss, &rcv_wnd,
				  &tp->window_clamp, stack->sysctl.tcp_window_scaling != 0,
				  &tp->rcv_wscale);
	tp->rcv_wnd = rcv_wnd;
	tp->rcv_ssthresh = rcv_wnd;
	tp->snd_wnd = 0;
	tp->snd_wl1 = 0;
	tp->snd_una = tp->write_seq;
	tp->snd_sml = tp->write_seq;
	tp->snd_up = tp->write_seq; /* not in urgent mode */
	tp->snd_nxt = tp->write_seq;
	tp->pushed_seq = tp->write_seq;
	tp->isn = tp->write_seq;
	/* In repair the receive side is what TCP_QUEUE_SEQ restored. */
	if (!tp->repair)
		tp->rcv_nxt = 0;
	else
		tp->rcv_tstamp = stack_now(stack);
	tp->rcv_wup = tp->rcv_nxt;
	tp->copied_seq = tp->rcv_nxt;
	inet_csk(sk)->icsk_rto = TCP_TIMEOUT_INIT_MS;
	inet_csk(sk)->icsk_retransmits = 0;
	tcp_clear_retrans(tp);
	if (tp->repair) {
		tcp_repair_finish_connect(sk);
		return 0;
	}

	skb = tcp_alloc_ctl_skb(sk, tp->write_seq, TCPHDR_SYN);
	if (!skb) {
		if (tp->tfo.req == &fo)
			tp->tfo.req = NULL;
		return -ENOBUFS;
	}
	tcp_ecn_send_syn(sk, skb);
	TCP_SKB_CB(skb)->end_seq++;
	tp->write_seq++;
	skb_queue_tail(&sk->sk_write_queue, skb);
	sk_wmem_charge_forced(sk, skb);
	/* Fast Open: the SYN may carry data, and asks for a cookie or
	 * brings one (tcp_fastopen.c) */
	err = tp->tfo.req ? tcp_send_syn_data(sk, skb, &data) : tcp_transmit_skb(sk, skb, true);
	(void)err; /* a lost SYN is the retransmit timer's business */
	tcp_event_new_data_sent(sk, skb);
	if (data)
		tcp_event_new_data_sent(sk, data);
	if (tp->tfo.req == &fo)
		tp->tfo.req = NULL;
	TCP_INC_STATS(stack, TCP_MIB_ACTIVEOPENS);
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS, inet_csk(sk)->icsk_rto);
	return 0;
}

/* tcp_transmit_skb stamped skb, of the retransmit queue, with a new send
 * time, sent or not: it goes to the tail of the send-time list (Linux
 * moves it in tcp_update_skb_after_send). A SACKed skb is off the list
 * and stays off. */
static void tcp_skb_resent(struct sock *sk, struct sk_buff *skb)
{
	if (!(TCP_SKB_CB(skb)->sacked & TCPCB_SACKED_ACKED))
		list_move_tail(&skb->tcp_tsorted_anchor, &tcp_sk(sk)->tsorted_sent_queue);
}

/* A request's SYN-ACK (see tcp.h). */
void tcp_synack_header(const struct sock *listener, const struct request_sock *req,
		       struct wire_tcp *th, struct wire_tcp_opts *opts)
{
	struct ut_stack *stack = listener->sk_stack;

	memset(opts, 0, sizeof(*opts));
	opts->saw_mss = true;
	opts->mss = req->mss_adv;
	if (req->tstamp_ok) {
		opts->saw_tstamp = true;
		opts->tsval = req->cookie_tsval ? req->cookie_tsval
						: tcp_time_stamp(stack) + req->ts_off;
		opts->tsecr = req->ts_recent;
	}
	opts->sack_ok = req->sack_ok;
	if (req->wscale_ok) {
		opts->saw_wscale = true;
		opts->wscale = req->rcv_wscale;
	}
	/* Fast Open: the cookie asked for (RFC 7413 4.1.2) */
	if (req->tfo_cookie_len > 0) {
		opts->saw_fastopen = true;
		opts->fastopen_len = req->tfo_cookie_len;
		opts->fastopen_exp = req->tfo_cookie_exp;
		memcpy(opts->fastopen_cookie, req->tfo_cookie, (size_t)req->tfo_cookie_len);
	}
	memset(th, 0, sizeof(*th));
	th->sport = req->__req_common.skc_num;
	th->dport = req->__req_common.skc_dport;
	th->seq = req->snt_isn;
	/* a Fast Open child's acknowledges the SYN's data too */
	th->ack_seq = req->tfo_listener ? req->rcv_nxt : req->rcv_isn + 1;
	th->flags = TCPHDR_SYN | TCPHDR_ACK;
	/* ECN agreed: ECE alone (RFC 3168 6.1.1, Linux's tcp_ecn_make_synack) */
	if (req->ecn_ok)
		th->flags |= TCPHDR_ECE;
	th->window = (uint16_t)MIN(req->rcv_wnd, 65535u);
}

/* Simultaneous open: our SYN, now with an ACK of theirs (RFC 9293 3.5,
 * figure 8). The SYN on the retransmit queue gains the ACK flag. */
int tcp_send_synack(struct sock *sk)
{
	struct sk_buff *skb = tcp_rtx_queue_head(sk);
	int err;

	if (!skb || !(TCP_SKB_CB(skb)->tcp_flags & TCPHDR_SYN))
		return -EFAULT;
	TCP_SKB_CB(skb)->tcp_flags |= TCPHDR_ACK;
	tcp_ecn_send_synack(sk, skb);
	err = tcp_transmit_skb(sk, skb, true);
	tcp_skb_resent(sk, skb);
	return err;
}

/* ---- retransmission -----------------------------------------------------------------*/

/* Sends up to segs segments of skb again (Linux's __tcp_retransmit_skb),
 * trimmed of what was acknowledged meanwhile, within the peer's window,
 * and cut there (tcp_fragment) when the buffer holds more. Marks it ever
 * retransmitted (Karn) and counts it, but leaves the scoreboard alone: a
 * loss probe goes out this way. */
int __tcp_retransmit_skb(struct sock *sk, struct sk_buff *skb, int segs)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
	uint32_t cur_mss, len, avail_wnd;
	int err;

	if (sk->sk_stack->dying)
		return -EHOSTUNREACH;
	/* Part of it may have been acknowledged since (Linux trims). */
	if (before(tcb->seq, tp->snd_una)) {
		uint32_t acked = tp->snd_una - tcb->seq;
		if (acked >= skb->len && !(tcb->tcp_flags & (TCPHDR_SYN | TCPHDR_FIN)))
			return -EINVAL;
		if (acked < skb->len) {
			uint32_t prior = tcp_skb_pcount(skb);
			tcp_trim_head(sk, skb, acked);
			if (prior != tcp_skb_pcount(skb))
				tcp_adjust_pcount(sk, skb, (int)prior - (int)tcp_skb_pcount(skb));
		}
	}
	cur_mss = tcp_current_mss(sk);
	/* What the peer's window still takes from this buffer; the head may
	 * go beyond a shrunk window, one MSS of it (Linux). */
	if (!before(tcb->seq, tcp_wnd_end(tp))) {
		if (tcb->seq != tp->snd_una)
			return -EAGAIN;
		avail_wnd = cur_mss;
	} else {
		avail_wnd = tcp_wnd_end(tp) - tcb->seq;
	}
	len = cur_mss * (uint32_t)MAX(segs, 1);
	if (len > avail_wnd) {
		len = (avail_wnd / cur_mss) * cur_mss;
		if (!len)
			len = avail_wnd;
	}
	if (skb->len > len) {
		if (tcp_fragment(sk, TCP_FRAG_IN_RTX_QUEUE, skb, len, cur_mss, GFP_ATOMIC))
			return -ENOMEM;
	} else if (skb->len) {
		int diff = (int)tcp_skb_pcount(skb);
		tcp_set_skb_tso_segs(skb, cur_mss);
		diff -= (int)tcp_skb_pcount(skb);
		if (diff)
			tcp_adjust_pcount(sk, skb, diff);
	}
	if ((tcb->tcp_flags & (TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR)) ==
	    (TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR))
		tcp_ecn_clear_syn(sk, skb);
	err = tcp_transmit_skb(sk, skb, true);
	tcp_skb_resent(sk, skb);
	if (err) {
		NET_INC_STATS(stack, LINUX_MIB_TCPRETRANSFAIL);
		return err;
	}
	/* Linux counts retransmissions in wire segments */
	TCP_ADD_STATS(stack, TCP_MIB_RETRANSSEGS, tcp_skb_pcount(skb));
	if (tcb->tcp_flags & TCPHDR_SYN)
		NET_INC_STATS(stack, LINUX_MIB_TCPSYNRETRANS);
	tp->total_retrans += tcp_skb_pcount(skb);
	tp->bytes_retrans += skb->len;
	tcb->sacked |= TCPCB_EVER_RETRANS;
	trace_tcp_retransmit_skb(sk, skb);
	return 0;
}

/* A retransmission of recovery or of the RTO: marked in flight again
 * (SACKED_RETRANS, retrans_out), with the clocks undo and the timeout
 * limit start from (Linux's tcp_retransmit_skb). */
int tcp_retransmit_skb(struct sock *sk, struct sk_buff *skb, int segs)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
	int err;

	if (!icsk_retrans_started(sk) && !sk->sk_stack->dying)
		inet_csk(sk)->icsk_retrans_start_ns = tcb->first_sent_ns ? tcb->first_sent_ns
									 : stack_now(sk->sk_stack);
	err = __tcp_retransmit_skb(sk, skb, segs);
	if (err == 0) {
		if (!(tcb->sacked & TCPCB_SACKED_RETRANS))
			tp->retrans_out += tcp_skb_pcount(skb);
		tcb->sacked |= TCPCB_RETRANS;
	}
	/* The first retransmission of the episode: a later ACK echoing an
	 * earlier TSval answers an original (tcp_packet_delayed). */
	if (!tp->retrans_stamp)
		tp->retrans_stamp = MAX(tcp_time_stamp(sk->sk_stack), 1u);
	if (tp->undo_retrans < 0)
		tp->undo_retrans = 0;
	tp->undo_retrans += (int)tcp_skb_pcount(skb);
	return err;
}

/* Retransmits segments marked lost, oldest first, as far as the
 * congestion window allows (Linux's tcp_xmit_retransmit_queue). */
void tcp_xmit_retransmit_queue(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct sk_buff *skb, *rtx_head = tcp_rtx_queue_head(sk);
	bool rearm_timer = false;

	if (!tp->packets_out)
		return;
	/* No segment before the hint waits for retransmission: resuming
	 * there keeps each ACK of a long recovery from walking the whole
	 * queue (Linux's retransmit_skb_hint). */
	skb = tp->retransmit_skb_hint ? tp->retransmit_skb_hint : rtx_head;
	for (; skb; skb = skb_rb_next(skb)) {
		uint8_t sacked = TCP_SKB_CB(skb)->sacked;
		int mib, segs;

		tp->retransmit_skb_hint = skb;

		/* as many segments of a buffer as cwnd has room for (Linux) */
		segs = (int)tp->snd_cwnd - (int)tcp_packets_in_flight(tp);
		if (segs <= 0)
			break;
		if (tp->retrans_out >= tp->lost_out)
			break;
		if (!(sacked & TCPCB_LOST))
			continue;
		if (sacked & (TCPCB_SACKED_ACKED | TCPCB_SACKED_RETRANS))
			continue;
		if (tcp_pacing_check(sk))
			break;
		if (tcp_small_queue_check(sk, skb, 1))
			break;
		mib = icsk->icsk_ca_state == TCP_CA_Loss ? LINUX_MIB_TCPSLOWSTARTRETRANS
							 : LINUX_MIB_TCPFASTRETRANS;
		if (tcp_retransmit_skb(sk, skb, segs))
			break;
		NET_ADD_STATS(sk->sk_stack, (enum snmp_field)mib, tcp_skb_pcount(skb));
		if (tcp_in_cwnd_reduction(sk))
			tp->prr_out += tcp_skb_pcount(skb);
		if (skb == rtx_head && icsk->icsk_pending != ICSK_TIME_REO_TIMEOUT)
			rearm_timer = true;
	}
	if (rearm_timer)
		inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS, icsk->icsk_rto);
}

/* ---- the tail-loss probe (RFC 8985 7, Linux's tcp_early_retrans=3) ------------------*/

/* us until the RTO of the head would fire (Linux's tcp_rto_delta_us). */
static int64_t tcp_rto_delta_us(const struct sock *sk)
{
	const struct sk_buff *head = tcp_rtx_queue_head(sk);
	uint64_t rto_ns = (uint64_t)inet_csk(sk)->icsk_rto * NSEC_PER_MSEC;

	if (!head)
		return (int64_t)inet_csk(sk)->icsk_rto * 1000;
	return ((int64_t)(TCP_SKB_CB(head)->sent_ns + rto_ns) - (int64_t)stack_now(sk->sk_stack)) /
	       1000;
}

/* RFC 8985 7.2: with SACK, in Open or CWR, a probe timeout of two
 * smoothed RTTs, plus the delayed-ACK allowance (the minimum RTO) when a
 * single segment is out, else plus 2 ms; 1 s before any RTT sample; never
 * later than the RTO would fire. advancing_rto: the RTO is about to be
 * restarted from now (an ACK), so it bounds from now. */
bool tcp_schedule_loss_probe(struct sock *sk, bool advancing_rto)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	long early_retrans = sk->sk_stack->sysctl.tcp_early_retrans;
	uint64_t timeout_us;
	int64_t rto_delta_us;

	/* no probe before a Fast Open child's handshake is done (Linux) */
	if (tp->tfo.rsk)
		return false;
	if ((early_retrans != 3 && early_retrans != 4) || !tp->packets_out || !tcp_is_sack(tp) ||
	    (icsk->icsk_ca_state != TCP_CA_Open && icsk->icsk_ca_state != TCP_CA_CWR))
		return false;
	if (tp->srtt_us) {
		timeout_us = tp->srtt_us >> 2;
		if (tp->packets_out == 1)
			timeout_us += (uint64_t)TCP_RTO_MIN_MS * 1000;
		else
			timeout_us += (uint64_t)TCP_TIMEOUT_MIN_MS * 1000;
	} else {
		timeout_us = (uint64_t)TCP_TIMEOUT_INIT_MS * 1000;
	}
	rto_delta_us = advancing_rto ? (int64_t)icsk->icsk_rto * 1000 : tcp_rto_delta_us(sk);
	if (rto_delta_us > 0)
		timeout_us = MIN(timeout_us, (uint64_t)rto_delta_us);
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_LOSS_PROBE, (uint32_t)((timeout_us + 999) / 1000));
	return true;
}

/* The probe timer fired (RFC 8985 7.3): send one new segment if the
 * peer's window allows, else the last segment again, and remember
 * snd_nxt to judge the probe's ACK by. One probe per episode; then the
 * RTO runs from now. */
void tcp_send_loss_probe(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t mss = tcp_current_mss(sk), pcount;
	struct sk_buff *skb;

	if (tp->tlp_high_seq)
		goto rearm_timer;
	tp->tlp_retrans = false;
	skb = skb_peek(&sk->sk_write_queue);
	if (skb && tcp_snd_wnd_test(tp, skb, mss)) {
		pcount = tp->packets_out;
		__tcp_write_xmit(sk, mss, TCP_NAGLE_OFF, 2);
		if (tp->packets_out > pcount)
			goto probe_sent;
		goto rearm_timer;
	}
	skb = tcp_rtx_queue_tail(sk);
	if (!skb) {
		inet_csk(sk)->icsk_pending = 0;
		return;
	}
	/* The probe is the last segment alone (RFC 8985 7.3): a buffer of
	 * several is cut before its last MSS, as Linux does. */
	pcount = tcp_skb_pcount(skb);
	if (pcount > 1 && skb->len > (pcount - 1) * mss) {
		if (tcp_fragment(sk, TCP_FRAG_IN_RTX_QUEUE, skb, (pcount - 1) * mss, mss,
				 GFP_ATOMIC))
			goto rearm_timer;
		skb = skb_rb_next(skb);
	}
	if (__tcp_retransmit_skb(sk, skb, 1))
		goto rearm_timer;
	tp->tlp_retrans = true;
probe_sent:
	tp->tlp_high_seq = tp->snd_nxt;
	NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPLOSSPROBES);
	trace_tcp_event(sk, UT_TP_TIMER,
			tp->tlp_retrans ? "loss probe: last segment resent"
					: "loss probe: new data");
	inet_csk(sk)->icsk_pending = 0; /* the RTO restarts from now */
rearm_timer:
	tcp_rearm_rto(sk);
}

/* ---- window probes and keepalives ---------------------------------------------------*/

/* A segment the peer must answer with an ACK: an old sequence number and
 * no data (Linux's tcp_xmit_probe_skb). */
static int tcp_xmit_probe_skb(struct sock *sk)
{
	struct sk_buff *skb = tcp_alloc_ctl_skb(sk, tcp_sk(sk)->snd_una - 1, TCPHDR_ACK);

	if (!skb)
		return -ENOBUFS;
	return tcp_transmit_skb(sk, skb, false);
}

void tcp_send_window_probe(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (sk->sk_state != TCP_ESTABLISHED)
		return;
	/* the peer's next ACK updates the window, whatever snd_wl1 was */
	tp->snd_wl1 = tp->rcv_nxt - 1;
	if (tcp_xmit_probe_skb(sk) == 0)
		NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPWINPROBE);
}

int tcp_write_wakeup(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;

	if (sk->sk_state == TCP_CLOSE)
		return -1;
	skb = skb_peek(&sk->sk_write_queue);
	if (skb && before(TCP_SKB_CB(skb)->seq, tcp_wnd_end(tp))) {
		/* The window opened a little: send what fits. */
		uint32_t mss = tcp_current_mss(sk);
		uint32_t seg_size = tcp_wnd_end(tp) - TCP_SKB_CB(skb)->seq;
		if (seg_size < skb->len || skb->len > mss) {
			seg_size = MIN(seg_size, mss);
			if (seg_size < skb->len && tcp_fragment(sk, TCP_FRAG_IN_WRITE_QUEUE, skb,
								seg_size, mss, GFP_ATOMIC))
				return -1;
		}
		tcp_init_tso_segs(skb, mss);
		TCP_SKB_CB(skb)->tcp_flags |= TCPHDR_PSH;
		int err = tcp_transmit_skb(sk, skb, true);
		if (!err)
			tcp_event_new_data_sent(sk, skb);
		return err;
	}
	return tcp_xmit_probe_skb(sk);
}

void tcp_send_probe0(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	int err = tcp_write_wakeup(sk);
	uint32_t timeout;

	NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPWINPROBE);
	if (tp->packets_out || skb_queue_empty(&sk->sk_write_queue)) {
		/* Data went out (or nothing waits): back to normal timers. */
		icsk->icsk_probes_out = 0;
		icsk->icsk_backoff = 0;
		icsk->icsk_probes_tstamp = 0;
		return;
	}
	icsk->icsk_probes_out++;
	if (err <= 0) {
		if (icsk->icsk_backoff < 15)
			icsk->icsk_backoff++;
		timeout = tcp_probe0_when(sk, TCP_RTO_MAX_MS);
	} else {
		/* Local congestion: try again soon, without backing off
		 * (Linux's resource probe). */
		timeout = TCP_RESOURCE_PROBE_INTERVAL_MS;
	}
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_PROBE0,
				  tcp_clamp_probe0_to_user_timeout(sk, timeout));
}

/* ---- send-time chronographs (Linux's tcp_chrono_*, for TCP_INFO) -----------------------*/

/* Closes the interval of the condition timed so far and times type from
 * now. */
static void tcp_chrono_set(struct tcp_sock *tp, uint8_t type, uint64_t now_us)
{
	if (tp->chrono_type != TCP_CHRONO_UNSPEC)
		tp->chrono_stat[tp->chrono_type - 1] += now_us - tp->chrono_start;
	tp->chrono_start = now_us;
	tp->chrono_type = type;
}

void tcp_chrono_start(struct sock *sk, uint8_t type)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (type > tp->chrono_type)
		tcp_chrono_set(tp, type, tcp_clock_us(sk->sk_stack));
}

void tcp_chrono_stop(struct sock *sk, uint8_t type)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint64_t now = tcp_clock_us(sk->sk_stack);

	if (skb_queue_empty(&sk->sk_write_queue) && tcp_rtx_queue_empty(sk))
		tcp_chrono_set(tp, TCP_CHRONO_UNSPEC, now);
	else if (type == tp->chrono_type)
		tcp_chrono_set(tp, TCP_CHRONO_BUSY, now);
}

void tcp_chrono_stats(const struct sock *sk, uint64_t stats[3])
{
	const struct tcp_sock *tp = tcp_sk(sk);

	for (int i = 0; i < 3; i++)
		stats[i] = tp->chrono_stat[i];
	if (tp->chrono_type != TCP_CHRONO_UNSPEC)
		stats[tp->chrono_type - 1] += tcp_clock_us(sk->sk_stack) - tp->chrono_start;
}
