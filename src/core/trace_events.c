/* The fillers behind net/trace_events.h: each builds one kind of event
 * from the objects the layer that emits it holds, and hands it to
 * trace_emit (src/core/trace.c). Linux keeps its networking tracepoints'
 * assignments together the same way (include/trace/events/{sock,tcp}.h,
 * instantiated in net/core/net-traces.c). Reached only while the stack has
 * a trace handler: the inline wrappers test that first. */
#include <stdint.h>
#include <string.h>

#include "net/compiler.h"
#include "net/ip.h"
#include "net/ipv6.h"
#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/trace.h"
#include "net/trace_events.h"

/* ---- what every kind of socket shows -----------------------------------------------*/

/* The 4-tuple as the tables hold it: the bound local address. An
 * AF_INET6 socket shows IPv6 addresses, v4-mapped ones when it speaks
 * IPv4 (as getsockname shows it). */
static void trace_fill_tuple(struct ut_trace_event *ev, const struct sock_common *skc)
{
	if (skc->skc_family == AF_INET6) {
		ev->saddr = ut_ip_v6(&skc->skc_v6_rcv_saddr);
		ev->daddr = ut_ip_v6(&skc->skc_v6_daddr);
	} else {
		ev->saddr = ut_ip_v4(skc->skc_rcv_saddr);
		ev->daddr = ut_ip_v4(skc->skc_daddr);
	}
	ev->sport = skc->skc_num;
	ev->dport = skc->skc_dport;
}

/* The source address an unbound socket's output uses. */
static struct ut_ip sk_trace_saddr(struct sock *sk)
{
	if (sk->sk_family == AF_INET6)
		return ut_ip_v6(&inet6_sk(sk)->saddr);
	return ut_ip_v4(sk->sk_saddr);
}

/* The sender and receiver state (tcp:tcp_probe's fields). */
static void tcp_trace_fill_state(struct sock *sk, struct ut_trace_event *ev)
{
	struct tcp_sock *tp = tcp_sk(sk);

	ev->snd_una = tp->snd_una;
	ev->snd_nxt = tp->snd_nxt;
	ev->snd_wnd = tp->snd_wnd;
	ev->rcv_nxt = tp->rcv_nxt;
	ev->rcv_wnd = tp->rcv_wnd;
	ev->cwnd = tp->snd_cwnd;
	ev->ssthresh = tp->snd_ssthresh;
	ev->srtt_us = tp->srtt_us >> 3;
	ev->rto_ms = inet_csk(sk)->icsk_rto;
	ev->backoff = inet_csk(sk)->icsk_backoff;
	ev->newstate = sk->sk_state;
}

/* A new event showing the socket: its state, its descriptor and its
 * addresses (an unbound socket shows the source address its output
 * uses). */
static void tcp_trace_event_init(struct ut_trace_event *ev, struct sock *sk)
{
	trace_event_init(ev);
	tcp_trace_fill_state(sk, ev);
	ev->fd = sk->sk_fd;
	trace_fill_tuple(ev, &sk->__sk_common);
	if (ut_ip_is_any(ev->saddr))
		ev->saddr = sk_trace_saddr(sk);
}

/* ---- the socket calls --------------------------------------------------------------*/

static void trace_event_init_socket(struct ut_trace_event *ev, int fd, const struct socket *sock,
				    const char *what, int err)
{
	trace_event_init(ev);
	ev->fd = fd;
	ev->what = what;
	ev->err = err;
	if (sock && sock->sk) {
		const struct sock *sk = sock->sk;
		trace_fill_tuple(ev, &sk->__sk_common);
		ev->newstate = sk->sk_state;
		ev->depth = (uint32_t)sk->sk_ack_backlog;
		ev->limit = (uint32_t)sk->sk_max_ack_backlog;
	}
}

void __trace_socket_call(struct ut_stack *stack, enum ut_trace_type type, int fd,
			 const struct socket *sock, const char *what, int err)
{
	struct ut_trace_event ev;

	trace_event_init_socket(&ev, fd, sock, what, err);
	trace_emit(stack, type, &ev);
}

/* The new connection, with the listener's accept queue after the call. */
void __trace_socket_accept(struct ut_stack *stack, int fd, const struct socket *newsock, int lfd,
			   const struct socket *listener)
{
	struct ut_trace_event ev;

	trace_event_init_socket(&ev, fd, newsock, "accept()", 0);
	ev.depth = listener->sk ? (uint32_t)listener->sk->sk_ack_backlog : 0;
	ev.limit = listener->sk ? (uint32_t)listener->sk->sk_max_ack_backlog : 0;
	ev.len = (uint32_t)lfd;
	trace_emit(stack, UT_TP_ACCEPT, &ev);
}

/* ---- sock --------------------------------------------------------------------------*/

/* depth and limit in pages: the TCP buffers charged and tcp_mem's max. */
void __trace_sock_exceed_buf_limit(struct sock *sk, int size, const char *kind)
{
	struct ut_stack *stack = sk->sk_stack;
	struct ut_trace_event ev;

	tcp_trace_event_init(&ev, sk);
	ev.len = (uint32_t)size;
	ev.depth = (uint32_t)MIN(stack->tcp_memory_allocated, (long)UINT32_MAX);
	ev.limit = (uint32_t)MIN(stack->sysctl.tcp_mem[2], (long)UINT32_MAX);
	ev.what = kind;
	trace_emit(stack, UT_TP_SOCK_EXCEED_BUF_LIMIT, &ev);
}

/* ---- TCP sockets -------------------------------------------------------------------*/

/* A move from oldstate to newstate: the connection's state, or its
 * congestion state. */
static void tcp_trace_transition(struct sock *sk, enum ut_trace_type type, int oldstate,
				 int newstate, const char *what)
{
	struct ut_trace_event ev;

	tcp_trace_event_init(&ev, sk);
	ev.oldstate = oldstate;
	ev.newstate = newstate;
	ev.what = what;
	trace_emit(sk->sk_stack, type, &ev);
}

void __trace_inet_sock_set_state(struct sock *sk, int oldstate, int newstate)
{
	tcp_trace_transition(sk, UT_TP_INET_SOCK_SET_STATE, oldstate, newstate, NULL);
}

void __trace_tcp_event(struct sock *sk, enum ut_trace_type type, const char *what)
{
	struct ut_trace_event ev;

	tcp_trace_event_init(&ev, sk);
	ev.what = what;
	ev.err = sk->sk_err;
	trace_emit(sk->sk_stack, type, &ev);
}

/* Bytes seq..end_seq (len of them) moved on a queue now holding depth
 * bytes of limit. */
static void tcp_trace_range(struct sock *sk, enum ut_trace_type type, uint32_t seq,
			    uint32_t end_seq, uint32_t len, uint32_t depth, uint32_t limit)
{
	struct ut_trace_event ev;

	tcp_trace_event_init(&ev, sk);
	ev.seq = seq;
	ev.end_seq = end_seq;
	ev.len = len;
	ev.depth = depth;
	ev.limit = limit;
	trace_emit(sk->sk_stack, type, &ev);
}

/* The limit is the buffer the queue is charged to: the send buffer for
 * the write queue, the receive buffer for the others. */
void __trace_tcp_queue(struct sock *sk, enum ut_trace_type type, const struct sk_buff *skb,
		       uint32_t len, const struct sk_buff_head *q)
{
	tcp_trace_range(sk, type, TCP_SKB_CB(skb)->seq, TCP_SKB_CB(skb)->end_seq, len, q->bytes,
			(uint32_t)(type == UT_TP_WRITE_QUEUE ? sk->sk_sndbuf : sk->sk_rcvbuf));
}

void __trace_tcp_user_read(struct sock *sk, uint32_t seq, uint32_t copied)
{
	tcp_trace_range(sk, UT_TP_USER_READ, seq, seq + copied, copied, sk->sk_receive_queue.bytes,
			(uint32_t)sk->sk_rcvbuf);
}

/* depth: what the sender still holds, sent or not (write_seq -
 * snd_una), against the send buffer, as the write_queue event's limit. */
void __trace_tcp_write_queue_free(struct sock *sk, uint32_t prior_snd_una)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t held = after(tp->write_seq, tp->snd_una) ? tp->write_seq - tp->snd_una : 0;

	tcp_trace_range(sk, UT_TP_WRITE_QUEUE_FREE, prior_snd_una, tp->snd_una,
			tp->snd_una - prior_snd_una, held, (uint32_t)sk->sk_sndbuf);
}

void __trace_tcp_ofo_queue_drain(struct sock *sk, uint32_t seq, uint32_t end_seq)
{
	tcp_trace_range(sk, UT_TP_OFO_QUEUE_DRAIN, seq, end_seq, end_seq - seq,
			tcp_sk(sk)->out_of_order_queue.bytes, (uint32_t)sk->sk_rcvbuf);
}

/* what: the new state's short name, as Linux's tcp_ca_state names it. */
void __trace_tcp_cong_state_set(struct sock *sk, int oldstate, int newstate)
{
	static const char *const names[] = {"Open", "Disorder", "CWR", "Recovery", "Loss"};

	tcp_trace_transition(sk, UT_TP_TCP_CONG_STATE_SET, oldstate, newstate, names[newstate]);
}

/* Linux's tcp_probe fields; len says data_len too, for the printers. */
void __trace_tcp_probe(struct sock *sk, uint32_t data_len)
{
	struct ut_trace_event ev;

	tcp_trace_event_init(&ev, sk);
	ev.family = ev.saddr.family;
	ev.mark = sk->sk_mark;
	ev.data_len = data_len;
	ev.len = data_len;
	ev.sock_cookie = sock_gen_cookie(sk);
	ev.skaddr = sk;
	trace_emit(sk->sk_stack, UT_TP_TCP_PROBE, &ev);
}

/* One RTT measurement and the estimator after it (RFC 6298 section 2). */
void __trace_tcp_rtt_sample(struct sock *sk, long rtt_us)
{
	struct ut_trace_event ev;

	tcp_trace_event_init(&ev, sk);
	ev.rtt_us = (uint32_t)MIN(rtt_us, (long)UINT32_MAX);
	trace_emit(sk->sk_stack, UT_TP_RTT_SAMPLE, &ev);
}

/* A sender's event about the buffer skb: its range and length. */
static void tcp_trace_skb(struct sock *sk, const struct sk_buff *skb, enum ut_trace_type type,
			  const char *what)
{
	const struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
	struct ut_trace_event ev;

	tcp_trace_event_init(&ev, sk);
	ev.seq = tcb->seq;
	ev.end_seq = tcb->end_seq;
	ev.len = skb->len;
	ev.tcp_flags = tcb->tcp_flags;
	ev.what = what;
	trace_emit(sk->sk_stack, type, &ev);
}

void __trace_tcp_retransmit_skb(struct sock *sk, const struct sk_buff *skb)
{
	tcp_trace_skb(sk, skb, UT_TP_TCP_RETRANSMIT_SKB, NULL);
}

void __trace_tcp_mark_lost(struct sock *sk, const struct sk_buff *skb, const char *why)
{
	tcp_trace_skb(sk, skb, UT_TP_TCP_MARK_LOST, why);
}

/* ---- segments ----------------------------------------------------------------------*/

/* A new event showing a segment's addresses, ports, sequence and
 * acknowledgment numbers and flags. */
static void trace_event_init_header(struct ut_trace_event *ev, struct ut_ip saddr,
				    struct ut_ip daddr, const struct wire_tcp *th)
{
	trace_event_init(ev);
	ev->saddr = saddr;
	ev->daddr = daddr;
	ev->sport = th->sport;
	ev->dport = th->dport;
	ev->seq = th->seq;
	ev->ack_seq = th->ack_seq;
	ev->tcp_flags = th->flags;
}

/* The options a reader of the trace needs to draw the connection as
 * tcptrace does: the SACK blocks, and a SYN's window scale. The receive
 * path has parsed them already (opts); for a segment sent they are parsed
 * from the header's bytes. Options that do not parse show nothing. */
static void tcp_trace_fill_options(struct ut_trace_event *ev, const struct wire_tcp *th,
				   const struct wire_tcp_opts *parsed)
{
	struct wire_tcp_opts opts;

	if (!parsed) {
		if (!th->opts || !th->opts_len)
			return;
		memset(&opts, 0, sizeof(opts));
		if (wire_tcp_parse_options(th->opts, th->opts_len, th->flags & TCPHDR_SYN, &opts) !=
		    WIRE_OK)
			return;
		parsed = &opts;
	}
	ev->num_sacks = MIN(parsed->num_sacks, (uint8_t)ARRAY_SIZE(ev->sacks));
	for (uint32_t i = 0; i < ev->num_sacks; i++) {
		ev->sacks[i].start = parsed->sacks[i].start;
		ev->sacks[i].end = parsed->sacks[i].end;
	}
	if (parsed->saw_wscale) {
		ev->wscale_ok = 1;
		ev->wscale = parsed->wscale;
	}
}

/* The header as tcpdump shows it; end_seq counts SYN and FIN. Only a full
 * TCP socket has a sender state to add (not a request or time-wait
 * socket, nor UDP). */
static void tcp_trace_segment(struct ut_stack *stack, enum ut_trace_type type, int fd,
			      struct ut_ip saddr, struct ut_ip daddr, const struct wire_tcp *th,
			      const struct wire_tcp_opts *opts, uint32_t payload_len,
			      uint32_t gso_segs, struct sock *sk)
{
	struct ut_trace_event ev;

	trace_event_init_header(&ev, saddr, daddr, th);
	ev.fd = fd;
	ev.gso_segs = gso_segs;
	ev.end_seq =
		th->seq + payload_len + !!(th->flags & TCPHDR_SYN) + !!(th->flags & TCPHDR_FIN);
	ev.window = th->window;
	ev.len = payload_len;
	tcp_trace_fill_options(&ev, th, opts);
	if (sk && sk->sk_state != TCP_NEW_SYN_RECV && sk->sk_state != TCP_TIME_WAIT &&
	    sk->sk_protocol == IPPROTO_TCP)
		tcp_trace_fill_state(sk, &ev);
	trace_emit(stack, type, &ev);
}

void __trace_tcp_segment_send(struct ut_stack *stack, int fd, struct ut_ip saddr,
			      struct ut_ip daddr, const struct wire_tcp *th, uint32_t payload_len,
			      struct sock *sk)
{
	tcp_trace_segment(stack, UT_TP_SEGMENT_SEND, fd, saddr, daddr, th, NULL, payload_len, 0,
			  sk);
}

void __trace_tcp_sk_segment_send(struct sock *sk, const struct wire_tcp *th, uint32_t payload_len)
{
	struct ut_ip saddr, daddr;

	/* what the packet carries: IPv4 addresses for a v4-mapped peer */
	if (sk->sk_family == AF_INET6 && !ipv6_addr_v4mapped(&sk->sk_v6_daddr)) {
		saddr = ut_ip_v6(&inet6_sk(sk)->saddr);
		daddr = ut_ip_v6(&sk->sk_v6_daddr);
	} else {
		saddr = ut_ip_v4(sk->sk_saddr);
		daddr = ut_ip_v4(sk->sk_daddr);
	}
	tcp_trace_segment(sk->sk_stack, UT_TP_SEGMENT_SEND, sk->sk_fd, saddr, daddr, th, NULL,
			  payload_len, 0, sk);
}

void __trace_tcp_segment_recv(struct ut_stack *stack, struct ut_ip saddr, struct ut_ip daddr,
			      const struct wire_tcp *th, const struct wire_tcp_opts *opts,
			      uint32_t payload_len, uint32_t gso_segs, struct sock_common *skc)
{
	struct sock *sk = NULL;
	int fd = -1;

	if (skc && skc->skc_state != TCP_TIME_WAIT && skc->skc_state != TCP_NEW_SYN_RECV) {
		sk = container_of(skc, struct sock, __sk_common);
		fd = sk->sk_fd;
	}
	tcp_trace_segment(stack, UT_TP_SEGMENT_RECV, fd, saddr, daddr, th, opts, payload_len,
			  gso_segs > 1 ? gso_segs : 0, sk);
}

/* No socket state: the reset may answer a segment no socket owns. */
void __trace_tcp_send_reset(struct ut_stack *stack, struct ut_ip saddr, struct ut_ip daddr,
			    const struct wire_tcp *th, const struct sock *sk)
{
	struct ut_trace_event ev;

	trace_event_init_header(&ev, saddr, daddr, th);
	ev.what = sk ? "reset" : "no socket";
	trace_emit(stack, UT_TP_TCP_SEND_RESET, &ev);
}

/* ---- listeners ---------------------------------------------------------------------*/

/* seq and ack_seq: the SYN-ACK's (our ISN, the peer's ISN + 1). */
void __trace_reqsk(struct request_sock *req, enum ut_trace_type type, uint32_t depth,
		   uint32_t limit, const char *what)
{
	struct sock *listener = req->rsk_listener;
	struct ut_trace_event ev;

	trace_event_init(&ev);
	ev.fd = listener->sk_fd;
	trace_fill_tuple(&ev, &req->__req_common);
	ev.depth = depth;
	ev.limit = limit;
	ev.seq = req->snt_isn;
	ev.ack_seq = req->rcv_isn + 1;
	ev.what = what;
	trace_emit(listener->sk_stack, type, &ev);
}

/* The 4-tuple seen from the listener (the SYN's reversed), with the SYN
 * queue's depth and the backlog. */
void __trace_tcp_syn_drop(struct sock *listener, const struct sk_buff *skb,
			  const struct wire_tcp *th, const char *what)
{
	struct ut_trace_event ev;

	trace_event_init(&ev);
	/* from the SYN's network header, of either family */
	if (skb->protocol == ETH_P_IPV6) {
		struct in6_addr a;
		ipv6_hdr_daddr(skb, &a);
		ev.saddr = ut_ip_v6(&a);
		ipv6_hdr_saddr(skb, &a);
		ev.daddr = ut_ip_v6(&a);
	} else {
		ev.saddr = ut_ip_v4(ip_hdr_daddr(skb));
		ev.daddr = ut_ip_v4(ip_hdr_saddr(skb));
	}
	ev.sport = th->dport;
	ev.dport = th->sport;
	ev.depth = inet_csk(listener)->icsk_accept_queue.qlen;
	ev.limit = (uint32_t)listener->sk_max_ack_backlog;
	ev.what = what;
	trace_emit(listener->sk_stack, UT_TP_SYN_QUEUE_DROP, &ev);
}

/* ---- time-wait sockets -------------------------------------------------------------*/

/* A time-wait socket keeps no descriptor and no sender state. */
void __trace_inet_twsk_set_state(struct inet_timewait_sock *tw, int oldstate, int newstate,
				 const char *what)
{
	struct ut_trace_event ev;

	trace_event_init(&ev);
	trace_fill_tuple(&ev, &tw->__tw_common);
	ev.oldstate = oldstate;
	ev.newstate = newstate;
	ev.what = what;
	trace_emit(tw->__tw_common.skc_stack, UT_TP_INET_SOCK_SET_STATE, &ev);
}
