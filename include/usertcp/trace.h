/* Watching every step: trace events.
 *
 * Each step of a connection's life emits an event. Where Linux has a
 * tracepoint for the step, the event carries that tracepoint's name
 * ("sock:inet_sock_set_state", "tcp:tcp_retransmit_skb", ...); the other
 * steps the kernel does without a tracepoint get names of their own under
 * "usertcp:" (a request socket added to the SYN queue, a connection moved
 * to the accept queue, a buffer queued on the write queue, ...).
 *
 * Tracing is off by default. While no handler is set, emitting an event is
 * one predictable branch on a NULL pointer: nothing is formatted or copied.
 *
 * Two printers turn events into text: a narrative for people, in the words
 * the Linux documentation uses, and one JSON object per line for programs.
 */
#ifndef USERTCP_TRACE_H
#define USERTCP_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "usertcp/addr.h"
#include "usertcp/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(enum, tracepoint name). The first group are Linux tracepoints. */
#define UT_TRACE_EVENTS(X)                                           \
	X(UT_TP_INET_SOCK_SET_STATE, "sock:inet_sock_set_state")     \
	X(UT_TP_TCP_RETRANSMIT_SKB, "tcp:tcp_retransmit_skb")        \
	X(UT_TP_TCP_RETRANSMIT_SYNACK, "tcp:tcp_retransmit_synack")  \
	X(UT_TP_TCP_SEND_RESET, "tcp:tcp_send_reset")                \
	X(UT_TP_TCP_RECEIVE_RESET, "tcp:tcp_receive_reset")          \
	X(UT_TP_TCP_DESTROY_SOCK, "tcp:tcp_destroy_sock")            \
	X(UT_TP_TCP_PROBE, "tcp:tcp_probe")                          \
	X(UT_TP_TCP_CONG_STATE_SET, "tcp:tcp_cong_state_set")        \
	X(UT_TP_SOCKET_CREATE, "usertcp:socket")                     \
	X(UT_TP_BIND, "usertcp:bind")                                \
	X(UT_TP_LISTEN, "usertcp:listen")                            \
	X(UT_TP_CONNECT, "usertcp:connect")                          \
	X(UT_TP_SYN_QUEUE_ADD, "usertcp:syn_queue_add")              \
	X(UT_TP_SYN_QUEUE_DROP, "usertcp:syn_queue_drop")            \
	X(UT_TP_ACCEPT_QUEUE_ADD, "usertcp:accept_queue_add")        \
	X(UT_TP_LISTEN_OVERFLOW, "usertcp:listen_overflow")          \
	X(UT_TP_ACCEPT, "usertcp:accept")                            \
	X(UT_TP_WRITE_QUEUE, "usertcp:write_queue")                  \
	X(UT_TP_RECEIVE_QUEUE, "usertcp:receive_queue")              \
	X(UT_TP_OFO_QUEUE, "usertcp:ofo_queue")                      \
	X(UT_TP_SEGMENT_SEND, "usertcp:segment_send")                \
	X(UT_TP_SEGMENT_RECV, "usertcp:segment_recv")                \
	X(UT_TP_USER_READ, "usertcp:user_read")                      \
	X(UT_TP_RTO_FIRED, "usertcp:rto_expired")                    \
	X(UT_TP_TIMER, "usertcp:timer")                              \
	X(UT_TP_SHUTDOWN, "usertcp:shutdown")                        \
	X(UT_TP_CLOSE, "usertcp:close")                              \
	X(UT_TP_ERROR, "usertcp:sock_error")                         \
	X(UT_TP_SOCK_EXCEED_BUF_LIMIT, "sock:sock_exceed_buf_limit") \
	X(UT_TP_TCP_MARK_LOST, "usertcp:mark_lost")                  \
	X(UT_TP_RTT_SAMPLE, "usertcp:rtt_sample")                    \
	X(UT_TP_WRITE_QUEUE_FREE, "usertcp:write_queue_free")        \
	X(UT_TP_OFO_QUEUE_DRAIN, "usertcp:ofo_queue_drain")

enum ut_trace_type {
#define UT_TRACE_ENUM(id, name) id,
	UT_TRACE_EVENTS(UT_TRACE_ENUM)
#undef UT_TRACE_ENUM
		UT_TP_MAX
};

/* One event. Fields that do not apply to an event are zero; which apply is
 * listed beside each. Ports are host order. Addresses carry their family,
 * AF_INET while the stack speaks IPv4 alone; one that does not apply is
 * that family's unspecified address (0.0.0.0). */
struct ut_trace_event {
	enum ut_trace_type type;
	const char *name; /* the tracepoint name above */
	uint64_t time_ns; /* stack clock */
	const char *stack_name;
	int fd; /* descriptor, -1 if none (yet) */
	struct ut_ip saddr, daddr;
	uint16_t sport, dport;
	/* inet_sock_set_state: TCP_* state numbers, as Linux's; other TCP
	 * events: newstate is the socket's state. tcp_cong_state_set: the
	 * congestion states (TCP_CA_Open .. TCP_CA_Loss). */
	int oldstate, newstate;
	/* segments (send/recv/retransmit/reset/probe): header fields and
	 * payload length; queue events: seq..end_seq of the buffer. */
	uint32_t seq, end_seq, ack_seq;
	uint32_t window;   /* as on the wire (unscaled) */
	uint8_t tcp_flags; /* TCPHDR bits */
	/* segment_recv: the wire segments the packet stood for, 2 or more
	 * for one GRO merged (its TCP header is the first's with the last's
	 * PSH and FIN, len all of their payload); 0 otherwise. */
	uint32_t gso_segs;
	uint32_t len; /* payload bytes, or bytes moved (tcp_probe:
					 * bytes newly acknowledged; accept: the
					 * listener's descriptor) */
	/* queue events: depth after the step and its limit. Write, receive
	 * and out-of-order queues: bytes. SYN and accept queues, listen
	 * overflow: connections (limit: the backlog). tcp_retransmit_synack:
	 * the retry number and net.ipv4.tcp_synack_retries.
	 * sock_exceed_buf_limit: pages charged to TCP buffers and
	 * net.ipv4.tcp_mem's max (len: the bytes refused, what: "receive" or
	 * "send"). write_queue_free: the bytes still held for sending or
	 * retransmission (write_seq - snd_una) of the send buffer.
	 * ofo_queue_drain: the bytes left on the out-of-order queue. */
	uint32_t depth, limit;
	/* sender state (tcp_probe, retransmits, rto) */
	uint32_t snd_una, snd_nxt, snd_wnd, rcv_nxt, rcv_wnd;
	uint32_t cwnd, ssthresh, srtt_us, rto_ms, backoff;
	/* tcp_probe: Linux's fields beside the sender state above: the
	 * address family (saddr's and daddr's), the packet mark (0:
	 * usertcp has no SO_MARK), the arriving segment's payload length,
	 * the socket's cookie (unique in its stack, as SO_COOKIE would
	 * give) and its address (for programs; the printers leave it out,
	 * so that their output stays a function of a simulation's seed). */
	uint16_t family;
	uint32_t mark, data_len;
	uint64_t sock_cookie;
	const void *skaddr;
	int err;	  /* errno, for error/close/reset events */
	const char *what; /* short detail: timer name, reason, call */
	/* segment_send and segment_recv: the SACK blocks the segment carries
	 * (RFC 2018 section 3, at most 4), and a SYN's window scale option
	 * (RFC 7323 section 2.2; wscale_ok 0: the SYN had none), which a
	 * reader of the trace needs to scale the window field. */
	uint32_t num_sacks;
	struct ut_trace_sack {
		uint32_t start, end;
	} sacks[4];
	uint8_t wscale_ok, wscale;
	/* rtt_sample: the round-trip time measured from one ACK, in
	 * microseconds, that srtt_us and rto_ms (after it) were updated with */
	uint32_t rtt_us;
};

typedef void (*ut_trace_fn)(const struct ut_trace_event *ev, void *arg);

/* Sets the handler that receives every event (NULL: tracing off). */
void ut_trace_set(struct ut_stack *stack, ut_trace_fn fn, void *arg);

/* The narrative printer: one or more lines per event, in the words of the
 * kernel documentation ("request socket added to the SYN queue (1 of 128)").
 * Writes at most size bytes with a terminating NUL; returns the length it
 * wanted, as snprintf. */
int ut_trace_format_text(const struct ut_trace_event *ev, char *buf, size_t size);
/* One JSON object (no newline) with the event's name and its applicable
 * fields. Same return convention. */
int ut_trace_format_json(const struct ut_trace_event *ev, char *buf, size_t size);

/* Ready-made handlers writing one line per event to the FILE * in arg. */
void ut_trace_print_text(const struct ut_trace_event *ev, void *file);
void ut_trace_print_json(const struct ut_trace_event *ev, void *file);

/* Linux's name for a TCP state number ("TCP_ESTABLISHED"). */
const char *ut_tcp_state_name(int state);

#ifdef __cplusplus
}
#endif
#endif
