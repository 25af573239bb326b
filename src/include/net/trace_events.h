/* The trace events, one call each, as Linux's tracepoints are called:
 * trace_inet_sock_set_state(sk, old, new), trace_tcp_retransmit_skb(sk,
 * skb), trace_tcp_probe(sk, acked). A call tests trace_enabled() inline,
 * so a stack with tracing off pays one branch and builds nothing; the
 * event is built out of line by its filler, __trace_NAME in
 * src/core/trace_events.c, the one place that decides an event's fields.
 * Protocol code never assembles a struct ut_trace_event itself. */
#ifndef USERTCP_NET_TRACE_EVENTS_H
#define USERTCP_NET_TRACE_EVENTS_H

#include <stdint.h>

#include "net/compiler.h"
#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/trace.h"

/* Declares the filler __trace_NAME and the inline trace_NAME that calls
 * it while the stack (an expression of the arguments) has a handler. As
 * Linux's DECLARE_TRACE(name, TP_PROTO(...), TP_ARGS(...)), with the
 * stack added: each usertcp stack has its own handler. */
#define TP_PROTO(...) __VA_ARGS__
#define TP_ARGS(...) __VA_ARGS__
#define DECLARE_TRACE(name, stack, proto, args)     \
	void __trace_##name(proto);                 \
	static inline void trace_##name(proto)      \
	{                                           \
		if (unlikely(trace_enabled(stack))) \
			__trace_##name(args);       \
	}

/* ---- the socket calls (src/socket.c) --------------------------------------*/

/* socket(), bind(), listen(), shutdown(), close(): the descriptor, what
 * was called and its errno; sock (NULL for a descriptor that is no
 * socket) adds the addresses, the state and the backlog. */
DECLARE_TRACE(socket_call, stack,
	      TP_PROTO(struct ut_stack *stack, enum ut_trace_type type, int fd,
		       const struct socket *sock, const char *what, int err),
	      TP_ARGS(stack, type, fd, sock, what, err))
/* accept() gave newsock descriptor fd, from listener (descriptor lfd). */
DECLARE_TRACE(socket_accept, stack,
	      TP_PROTO(struct ut_stack *stack, int fd, const struct socket *newsock, int lfd,
		       const struct socket *listener),
	      TP_ARGS(stack, fd, newsock, lfd, listener))

/* ---- sock (src/core/sock.c) -----------------------------------------------*/

/* net.ipv4.tcp_mem refused size bytes of kind ("receive" or "send"). */
DECLARE_TRACE(sock_exceed_buf_limit, sk->sk_stack,
	      TP_PROTO(struct sock *sk, int size, const char *kind), TP_ARGS(sk, size, kind))

/* ---- TCP sockets ----------------------------------------------------------*/

DECLARE_TRACE(inet_sock_set_state, sk->sk_stack,
	      TP_PROTO(struct sock *sk, int oldstate, int newstate),
	      TP_ARGS(sk, oldstate, newstate))
/* A step that shows the socket as it stands, with a word on what happened
 * (connect(), a timer, an active reset, the socket's destruction, ...). */
DECLARE_TRACE(tcp_event, sk->sk_stack,
	      TP_PROTO(struct sock *sk, enum ut_trace_type type, const char *what),
	      TP_ARGS(sk, type, what))
/* Loss recovery marked the segment skb lost; why says on what evidence
 * (RACK's times, NewReno's duplicate ACKs, RFC 6675's SACK count). */
DECLARE_TRACE(tcp_mark_lost, sk->sk_stack,
	      TP_PROTO(struct sock *sk, const struct sk_buff *skb, const char *why),
	      TP_ARGS(sk, skb, why))
/* len bytes of skb joined queue q (the write, receive or out-of-order
 * queue, named by type). */
DECLARE_TRACE(tcp_queue, sk->sk_stack,
	      TP_PROTO(struct sock *sk, enum ut_trace_type type, const struct sk_buff *skb,
		       uint32_t len, const struct sk_buff_head *q),
	      TP_ARGS(sk, type, skb, len, q))
/* An ACK moved snd_una from prior_snd_una: the sk_buffs it covered left
 * the retransmit queue and their memory the send buffer. */
DECLARE_TRACE(tcp_write_queue_free, sk->sk_stack, TP_PROTO(struct sock *sk, uint32_t prior_snd_una),
	      TP_ARGS(sk, prior_snd_una))
/* Segments seq..end_seq became in order and moved from the out-of-order
 * queue to the receive queue. */
DECLARE_TRACE(tcp_ofo_queue_drain, sk->sk_stack,
	      TP_PROTO(struct sock *sk, uint32_t seq, uint32_t end_seq), TP_ARGS(sk, seq, end_seq))
/* The application read copied bytes, the first at sequence number seq. */
DECLARE_TRACE(tcp_user_read, sk->sk_stack, TP_PROTO(struct sock *sk, uint32_t seq, uint32_t copied),
	      TP_ARGS(sk, seq, copied))
/* The congestion state (TCP_CA_Open .. TCP_CA_Loss) changes. */
DECLARE_TRACE(tcp_cong_state_set, sk->sk_stack,
	      TP_PROTO(struct sock *sk, int oldstate, int newstate),
	      TP_ARGS(sk, oldstate, newstate))
/* An ACK gave an RTT sample of rtt_us; srtt and the RTO are updated. */
DECLARE_TRACE(tcp_rtt_sample, sk->sk_stack, TP_PROTO(struct sock *sk, long rtt_us),
	      TP_ARGS(sk, rtt_us))
/* A segment with data_len bytes of payload reached an established
 * socket, before it is processed (Linux's tcp_rcv_established). */
DECLARE_TRACE(tcp_probe, sk->sk_stack, TP_PROTO(struct sock *sk, uint32_t data_len),
	      TP_ARGS(sk, data_len))
DECLARE_TRACE(tcp_retransmit_skb, sk->sk_stack,
	      TP_PROTO(struct sock *sk, const struct sk_buff *skb), TP_ARGS(sk, skb))

/* ---- segments -------------------------------------------------------------*/

/* A segment leaves: th and payload_len bytes from saddr to daddr, for
 * descriptor fd; sk (or NULL) adds the sender state when it is a full TCP
 * socket. */
DECLARE_TRACE(tcp_segment_send, stack,
	      TP_PROTO(struct ut_stack *stack, int fd, struct ut_ip saddr, struct ut_ip daddr,
		       const struct wire_tcp *th, uint32_t payload_len, struct sock *sk),
	      TP_ARGS(stack, fd, saddr, daddr, th, payload_len, sk))
/* A segment a full TCP socket sends (tcp_output.c): tcp_segment_send with
 * the socket's descriptor and addresses, so that the family-independent
 * sender names no address. */
DECLARE_TRACE(tcp_sk_segment_send, sk->sk_stack,
	      TP_PROTO(struct sock *sk, const struct wire_tcp *th, uint32_t payload_len),
	      TP_ARGS(sk, th, payload_len))
/* A segment arrived, its options parsed into opts (th's are gone by
 * then); skc is what the established table holds for it (or NULL): a
 * full socket adds its descriptor and state. */
DECLARE_TRACE(tcp_segment_recv, stack,
	      TP_PROTO(struct ut_stack *stack, struct ut_ip saddr, struct ut_ip daddr,
		       const struct wire_tcp *th, const struct wire_tcp_opts *opts,
		       uint32_t payload_len, uint32_t gso_segs, struct sock_common *skc),
	      TP_ARGS(stack, saddr, daddr, th, opts, payload_len, gso_segs, skc))
/* The reset th goes from saddr to daddr in answer to a segment; sk is the
 * socket it was for, NULL when there is none. (A socket's own abortive
 * close reports through trace_tcp_event.) */
DECLARE_TRACE(tcp_send_reset, stack,
	      TP_PROTO(struct ut_stack *stack, struct ut_ip saddr, struct ut_ip daddr,
		       const struct wire_tcp *th, const struct sock *sk),
	      TP_ARGS(stack, saddr, daddr, th, sk))

/* ---- listeners: the SYN and accept queues ---------------------------------*/

/* A request socket (its 4-tuple and ISNs) with a queue's depth and limit. */
DECLARE_TRACE(reqsk, req->rsk_listener->sk_stack,
	      TP_PROTO(struct request_sock *req, enum ut_trace_type type, uint32_t depth,
		       uint32_t limit, const char *what),
	      TP_ARGS(req, type, depth, limit, what))
/* listener dropped the SYN th (carried by skb) before any request socket
 * existed, or answered it with a cookie. */
DECLARE_TRACE(tcp_syn_drop, listener->sk_stack,
	      TP_PROTO(struct sock *listener, const struct sk_buff *skb, const struct wire_tcp *th,
		       const char *what),
	      TP_ARGS(listener, skb, th, what))

/* ---- time-wait sockets ----------------------------------------------------*/

DECLARE_TRACE(inet_twsk_set_state, tw->__tw_common.skc_stack,
	      TP_PROTO(struct inet_timewait_sock *tw, int oldstate, int newstate, const char *what),
	      TP_ARGS(tw, oldstate, newstate, what))

#endif
