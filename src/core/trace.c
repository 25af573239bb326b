/* Trace events and their two printers.
 *
 * An event is emitted by the layer where the step happens, with one call
 * (net/trace_events.h, filled in src/core/trace_events.c) that ends in
 * trace_emit; the handler the application set with ut_trace_set receives
 * it synchronously, under the stack lock.
 *
 * The narrative printer tells a connection's life in the words used to
 * explain how Linux handles one: socket(), bind(), listen(); request
 * sockets on the SYN queue, connections on the accept queue bounded by the
 * backlog; sk_buffs on the write queue, the receive queue and the
 * out-of-order queue; segments with their flags, seq, ack and window as
 * tcpdump prints them; the three-way handshake, retransmissions, the
 * FIN/ACK exchange and TIME_WAIT. The JSON printer gives the same events
 * to programs, with each event type's applicable fields only, named as in
 * struct ut_trace_event.
 *
 * Cost: one branch while tracing is off (the trace_* calls test
 * trace_enabled() inline, before anything is built).
 * Formatting writes into the caller's buffer and allocates nothing, except
 * in the ready-made FILE handlers for a line longer than 512 bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/compiler.h"
#include "net/sock.h"
#include "net/stack.h"
#include "net/trace.h"
#include "net/wire.h"

/* ---- emitting ----------------------------------------------------------------------*/

static const char *const trace_names[UT_TP_MAX] = {
#define UT_TRACE_NAME(id, name) [id] = name,
	UT_TRACE_EVENTS(UT_TRACE_NAME)
#undef UT_TRACE_NAME
};

void trace_emit(struct ut_stack *stack, enum ut_trace_type type, struct ut_trace_event *ev)
{
	ut_trace_fn fn = stack->trace_fn;

	if (!fn)
		return;
	ev->type = type;
	ev->name = (unsigned)type < UT_TP_MAX ? trace_names[type] : "usertcp:unknown";
	ev->time_ns = stack_now(stack);
	ev->stack_name = stack->name;
	fn(ev, stack->trace_arg);
}

UT_EXPORT void ut_trace_set(struct ut_stack *stack, ut_trace_fn fn, void *arg)
{
	stack_lock(stack);
	stack->trace_fn = fn;
	stack->trace_arg = fn ? arg : NULL;
	stack_unlock(stack);
}

/* ---- names -------------------------------------------------------------------------*/

/* ut_tcp_state_name (Linux's names: "TCP_ESTABLISHED") is TCP's, in
 * src/ipv4/tcp.c. */
static bool tcp_state_valid(int state)
{
	return state > 0 && state < TCP_MAX_STATES;
}

/* The narrative drops the prefix: "ESTABLISHED", "FIN_WAIT1". */
static const char *state_short(int state)
{
	const char *name = ut_tcp_state_name(state);
	return strncmp(name, "TCP_", 4) == 0 ? name + 4 : name;
}

/* Congestion-avoidance states (enum tcp_ca_state), as tcp_cong_state_set
 * prints them. */
static const char *const ca_state_names[] = {
	"TCP_CA_Open", "TCP_CA_Disorder", "TCP_CA_CWR", "TCP_CA_Recovery", "TCP_CA_Loss",
};

static const char *ca_state_name(int state)
{
	if (state < 0 || (size_t)state >= ARRAY_SIZE(ca_state_names))
		return "TCP_CA_Unknown";
	return ca_state_names[state];
}

/* The errno names the socket layer can report; others print as a number. */
static const char *errno_name(int err)
{
	switch (err) {
	case EPERM:
		return "EPERM";
	case EINTR:
		return "EINTR";
	case EBADF:
		return "EBADF";
	case EAGAIN:
		return "EAGAIN";
	case ENOMEM:
		return "ENOMEM";
	case EACCES:
		return "EACCES";
	case EFAULT:
		return "EFAULT";
	case EINVAL:
		return "EINVAL";
	case EMFILE:
		return "EMFILE";
	case EPIPE:
		return "EPIPE";
	case EDEADLK:
		return "EDEADLK";
	case ENOTSOCK:
		return "ENOTSOCK";
	case EDESTADDRREQ:
		return "EDESTADDRREQ";
	case EMSGSIZE:
		return "EMSGSIZE";
	case EPROTOTYPE:
		return "EPROTOTYPE";
	case ENOPROTOOPT:
		return "ENOPROTOOPT";
	case EPROTONOSUPPORT:
		return "EPROTONOSUPPORT";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case EAFNOSUPPORT:
		return "EAFNOSUPPORT";
	case EADDRINUSE:
		return "EADDRINUSE";
	case EADDRNOTAVAIL:
		return "EADDRNOTAVAIL";
	case ENETDOWN:
		return "ENETDOWN";
	case ENETUNREACH:
		return "ENETUNREACH";
	case ECONNABORTED:
		return "ECONNABORTED";
	case ECONNRESET:
		return "ECONNRESET";
	case ENOBUFS:
		return "ENOBUFS";
	case EISCONN:
		return "EISCONN";
	case ENOTCONN:
		return "ENOTCONN";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case EHOSTUNREACH:
		return "EHOSTUNREACH";
	case EALREADY:
		return "EALREADY";
	case EINPROGRESS:
		return "EINPROGRESS";
	case EPROTO:
		return "EPROTO";
	default:
		return NULL;
	}
}

/* ---- a bounded string builder with snprintf's return convention ------------------*/

struct tbuf {
	char *buf;
	size_t size;
	size_t len; /* bytes wanted so far (may exceed size) */
};

__attribute__((format(printf, 2, 3))) static void tb_printf(struct tbuf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room = b->len < b->size ? b->size - b->len : 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? b->buf + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

static void tb_putc(struct tbuf *b, char c)
{
	if (b->len + 1 < b->size) {
		b->buf[b->len] = c;
		b->buf[b->len + 1] = '\0';
	}
	b->len++;
}

static void tb_init(struct tbuf *b, char *buf, size_t size)
{
	b->buf = buf;
	b->size = buf ? size : 0;
	b->len = 0;
	if (b->size)
		buf[0] = '\0';
}

/* What was written stays NUL-terminated; the return is what was wanted. */
static int tb_result(const struct tbuf *b)
{
	return b->len > INT_MAX ? INT_MAX : (int)b->len;
}

/* An IPv6 address as inet_ntop writes it; anything else as IPv4's dotted
 * quad, so that an event built by hand with its addresses left zero (no
 * family) prints 0.0.0.0 as the stack's own unspecified ones do. */
static void tb_addr(struct tbuf *b, struct ut_ip addr)
{
	const uint8_t *a = (const uint8_t *)&addr.u.v4.s_addr;
	char text[UT_IP_STRLEN];

	if (addr.family == AF_INET6 && ut_ip_ntop(addr, text, sizeof(text)) == 0)
		tb_printf(b, "%s", text);
	else
		tb_printf(b, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

/* "10.0.0.1:80", or "[2001:db8::1]:80" as Linux's %pISpc writes IPv6. */
static void tb_endpoint(struct tbuf *b, struct ut_ip addr, uint16_t port)
{
	bool v6 = addr.family == AF_INET6;

	tb_printf(b, "%s", v6 ? "[" : "");
	tb_addr(b, addr);
	tb_printf(b, "%s:%u", v6 ? "]" : "", port);
}

/* "10.0.0.2:40001 -> 10.0.0.1:80", or the local end alone while there is
 * no peer. */
static void tb_conn(struct tbuf *b, struct ut_ip saddr, uint16_t sport, struct ut_ip daddr,
		    uint16_t dport)
{
	tb_endpoint(b, saddr, sport);
	if (!ut_ip_is_any(daddr) || dport) {
		tb_printf(b, " -> ");
		tb_endpoint(b, daddr, dport);
	}
}

static void tb_ev_conn(struct tbuf *b, const struct ut_trace_event *ev)
{
	tb_conn(b, ev->saddr, ev->sport, ev->daddr, ev->dport);
}

/* A request socket's connection, as the client opened it: peer -> us. */
static void tb_req_conn(struct tbuf *b, const struct ut_trace_event *ev)
{
	tb_conn(b, ev->daddr, ev->dport, ev->saddr, ev->sport);
}

/* tcpdump's flag letters: S F R P U E W and '.' for ACK. */
static void tb_flags(struct tbuf *b, uint8_t flags)
{
	static const struct {
		uint8_t bit;
		char c;
	} letters[] = {
		{TCPHDR_SYN, 'S'}, {TCPHDR_FIN, 'F'}, {TCPHDR_RST, 'R'}, {TCPHDR_PSH, 'P'},
		{TCPHDR_URG, 'U'}, {TCPHDR_ECE, 'E'}, {TCPHDR_CWR, 'W'}, {TCPHDR_ACK, '.'},
	};
	for (size_t i = 0; i < ARRAY_SIZE(letters); i++)
		if (flags & letters[i].bit)
			tb_putc(b, letters[i].c);
	if (!flags)
		tb_printf(b, "none");
}

static void tb_err(struct tbuf *b, int err)
{
	const char *name = errno_name(err);
	if (name)
		tb_printf(b, "%s", name);
	else
		tb_printf(b, "errno %d", err);
}

static void tb_what(struct tbuf *b, const struct ut_trace_event *ev)
{
	if (ev->what && *ev->what)
		tb_printf(b, " (%s)", ev->what);
}

static void tb_fd(struct tbuf *b, int fd)
{
	if (fd >= 0)
		tb_printf(b, "fd %d", fd);
	else
		tb_printf(b, "no descriptor");
}

/* A call's outcome: nothing on success, ": failed with EADDRINUSE" else. */
static void tb_call_err(struct tbuf *b, int err)
{
	if (err) {
		tb_printf(b, ": failed with ");
		tb_err(b, err);
	}
}

/* ---- the narrative -----------------------------------------------------------------*/

/* Why a connection moved from one state to another, in the words of the
 * three-way handshake and the FIN/ACK teardown. */
static const char *transition_text(int from, int to)
{
	switch (to) {
	case TCP_LISTEN:
		return "passive socket, waiting for connections";
	case TCP_SYN_SENT:
		return "active open: a SYN starts the three-way handshake";
	case TCP_SYN_RECV:
		if (from == TCP_SYN_SENT)
			return "simultaneous open: a SYN crossed ours";
		return "the handshake's final ACK turns the request socket into a full "
		       "struct sock";
	case TCP_ESTABLISHED:
		if (from == TCP_SYN_SENT)
			return "SYN-ACK received, ACK sent: three-way handshake complete";
		if (from == TCP_SYN_RECV || from == TCP_NEW_SYN_RECV)
			return "final ACK received: three-way handshake complete";
		return "connection established";
	case TCP_FIN_WAIT1:
		return "active close: FIN sent, waiting for its ACK";
	case TCP_FIN_WAIT2:
		return "our FIN was acknowledged; waiting for the peer's FIN";
	case TCP_CLOSE_WAIT:
		return "passive close: the peer's FIN received; recv() returns 0 once the "
		       "receive queue is drained";
	case TCP_CLOSING:
		return "simultaneous close: the peer's FIN crossed ours";
	case TCP_LAST_ACK:
		return "close(): FIN sent, waiting for the last ACK";
	case TCP_TIME_WAIT:
		return "the peer's FIN received and acknowledged; TIME_WAIT holds the "
		       "connection for 2*MSL (60 s) to catch stray segments";
	case TCP_CLOSE:
		switch (from) {
		case TCP_LAST_ACK:
			return "last ACK received: connection closed";
		case TCP_TIME_WAIT:
			return "TIME_WAIT over: connection gone";
		case TCP_FIN_WAIT2:
			return "FIN_WAIT2 timeout (tcp_fin_timeout): connection gone";
		case TCP_SYN_SENT:
			return "connection attempt ended";
		case TCP_LISTEN:
			return "no longer listening";
		default:
			return "connection closed";
		}
	default:
		return NULL;
	}
}

static void text_state(struct tbuf *b, const struct ut_trace_event *ev)
{
	const char *why = transition_text(ev->oldstate, ev->newstate);

	tb_printf(b, "state %s -> %s (", state_short(ev->oldstate), state_short(ev->newstate));
	tb_ev_conn(b, ev);
	tb_printf(b, ")");
	if (why)
		tb_printf(b, ": %s", why);
	tb_what(b, ev);
}

/* "[S.] seq 1234 ack 5678 win 64240 len 0", as tcpdump with -S. */
static void text_segment(struct tbuf *b, const struct ut_trace_event *ev)
{
	tb_printf(b, "[");
	tb_flags(b, ev->tcp_flags);
	tb_printf(b, "] seq %" PRIu32, ev->seq);
	if (ev->len)
		tb_printf(b, ":%" PRIu32, ev->seq + ev->len);
	if (ev->tcp_flags & TCPHDR_ACK)
		tb_printf(b, " ack %" PRIu32, ev->ack_seq);
	tb_printf(b, " win %" PRIu32 " len %" PRIu32, ev->window, ev->len);
}

/* What a segment means to the handshake or the teardown, when its flags
 * say so on their own. */
static const char *segment_role(uint8_t flags, bool sent)
{
	if (flags & TCPHDR_RST)
		return "reset";
	if ((flags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN)
		return "SYN: three-way handshake, step 1";
	if ((flags & (TCPHDR_SYN | TCPHDR_ACK)) == (TCPHDR_SYN | TCPHDR_ACK))
		return "SYN-ACK: three-way handshake, step 2";
	if (flags & TCPHDR_FIN)
		return sent ? "FIN: no more data from this side"
			    : "FIN: no more data from the peer";
	return NULL;
}

static void text_sender(struct tbuf *b, const struct ut_trace_event *ev)
{
	tb_printf(b, "snd_una %" PRIu32 " snd_nxt %" PRIu32 " cwnd %" PRIu32, ev->snd_una,
		  ev->snd_nxt, ev->cwnd);
	if (ev->ssthresh && ev->ssthresh < 0x7fffffff)
		tb_printf(b, " ssthresh %" PRIu32, ev->ssthresh);
}

static void text_body(struct tbuf *b, const struct ut_trace_event *ev)
{
	const char *role;

	switch (ev->type) {
	case UT_TP_INET_SOCK_SET_STATE:
		text_state(b, ev);
		break;
	case UT_TP_SOCKET_CREATE:
		tb_printf(b, "socket(%s, %s) = ",
			  ev->saddr.family == AF_INET6 ? "AF_INET6" : "AF_INET",
			  ev->what ? ev->what : "?");
		tb_fd(b, ev->fd);
		tb_printf(b, ": a struct file, struct socket and struct sock, state %s",
			  tcp_state_valid(ev->newstate) ? state_short(ev->newstate) : "CLOSE");
		tb_call_err(b, ev->err);
		break;
	case UT_TP_BIND:
		tb_printf(b, "bind(");
		tb_fd(b, ev->fd);
		tb_printf(b, ", ");
		tb_endpoint(b, ev->saddr, ev->sport);
		tb_printf(b, ")");
		if (ev->err)
			tb_call_err(b, ev->err);
		else
			tb_printf(b, ": the socket has its local address and port");
		break;
	case UT_TP_LISTEN:
		tb_printf(b, "listen(");
		tb_fd(b, ev->fd);
		tb_printf(b, ", backlog %" PRIu32 ")", ev->limit);
		if (ev->err)
			tb_call_err(b, ev->err);
		else {
			tb_printf(b, " on ");
			tb_endpoint(b, ev->saddr, ev->sport);
			tb_printf(b,
				  ": passive socket with a SYN queue and an accept queue "
				  "bounded by the backlog (%" PRIu32 ")",
				  ev->limit);
		}
		break;
	case UT_TP_CONNECT:
		tb_printf(b, "connect(");
		tb_fd(b, ev->fd);
		tb_printf(b, ", ");
		tb_endpoint(b, ev->daddr, ev->dport);
		tb_printf(b, ") from ");
		tb_endpoint(b, ev->saddr, ev->sport);
		tb_printf(b, ": starts the three-way handshake");
		tb_call_err(b, ev->err);
		break;
	case UT_TP_SYN_QUEUE_ADD:
		tb_printf(b,
			  "request socket added to the SYN queue (%" PRIu32 " of %" PRIu32 ") for ",
			  ev->depth, ev->limit);
		tb_req_conn(b, ev);
		break;
	case UT_TP_SYN_QUEUE_DROP:
		tb_printf(b, "request socket for ");
		tb_req_conn(b, ev);
		tb_printf(b, " not kept in the SYN queue (%" PRIu32 " of %" PRIu32 ")", ev->depth,
			  ev->limit);
		tb_what(b, ev);
		break;
	case UT_TP_ACCEPT_QUEUE_ADD:
		tb_printf(b, "connection ");
		tb_req_conn(b, ev);
		tb_printf(b,
			  " moved from the SYN queue to the accept queue (%" PRIu32 " of %" PRIu32
			  "), waiting for accept()",
			  ev->depth, ev->limit);
		break;
	case UT_TP_LISTEN_OVERFLOW:
		tb_printf(b, "accept queue full (%" PRIu32 " of %" PRIu32 ") for ", ev->depth,
			  ev->limit);
		tb_req_conn(b, ev);
		tb_what(b, ev);
		break;
	case UT_TP_ACCEPT:
		tb_printf(b, "accept(fd %" PRIu32 ") = ", ev->len);
		tb_fd(b, ev->fd);
		tb_printf(b, ": connection ");
		tb_ev_conn(b, ev);
		tb_printf(b,
			  " taken off the accept queue (%" PRIu32 " left), a new descriptor in "
			  "state %s",
			  ev->depth, state_short(ev->newstate));
		break;
	case UT_TP_WRITE_QUEUE:
		tb_printf(b,
			  "send(): %" PRIu32 " bytes copied into an sk_buff (seq %" PRIu32
			  ":%" PRIu32 ") on the write queue (%" PRIu32 " of %" PRIu32 " bytes)",
			  ev->len, ev->seq, ev->end_seq, ev->depth, ev->limit);
		break;
	case UT_TP_RECEIVE_QUEUE:
		if (!ev->len && ev->end_seq == ev->seq + 1) {
			tb_printf(b,
				  "the FIN's sk_buff (seq %" PRIu32 ", no data) added to the "
				  "receive queue (%" PRIu32 " of %" PRIu32 " bytes): recv() "
				  "returns 0 when it gets there",
				  ev->seq, ev->depth, ev->limit);
			break;
		}
		tb_printf(b,
			  "sk_buff seq %" PRIu32 ":%" PRIu32 " (%" PRIu32 " bytes) added to the "
			  "receive queue (%" PRIu32 " of %" PRIu32 " bytes)",
			  ev->seq, ev->end_seq, ev->len, ev->depth, ev->limit);
		break;
	case UT_TP_OFO_QUEUE:
		tb_printf(b,
			  "sk_buff seq %" PRIu32 ":%" PRIu32 " (%" PRIu32 " bytes) arrived ahead "
			  "of rcv_nxt %" PRIu32 ": held on the out-of-order queue (%" PRIu32
			  " bytes)",
			  ev->seq, ev->end_seq, ev->len, ev->rcv_nxt, ev->depth);
		break;
	case UT_TP_WRITE_QUEUE_FREE:
		tb_printf(b,
			  "ACK of seq %" PRIu32 ":%" PRIu32 " freed its sk_buffs (%" PRIu32
			  " bytes) from the write queue (%" PRIu32 " of %" PRIu32
			  " bytes still held)",
			  ev->seq, ev->end_seq, ev->len, ev->depth, ev->limit);
		break;
	case UT_TP_OFO_QUEUE_DRAIN:
		tb_printf(b,
			  "the hole before seq %" PRIu32 " filled: sk_buffs seq %" PRIu32
			  ":%" PRIu32
			  " moved from the out-of-order queue to the receive queue (%" PRIu32
			  " bytes left out of order)",
			  ev->seq, ev->seq, ev->end_seq, ev->depth);
		break;
	case UT_TP_USER_READ:
		tb_printf(b, "recv(");
		tb_fd(b, ev->fd);
		tb_printf(b,
			  ") copied %" PRIu32 " bytes (seq %" PRIu32 ":%" PRIu32 ") out of the "
			  "receive queue (%" PRIu32 " bytes left)",
			  ev->len, ev->seq, ev->end_seq, ev->depth);
		break;
	case UT_TP_SEGMENT_SEND:
	case UT_TP_SEGMENT_RECV:
		tb_printf(b, "%s ", ev->type == UT_TP_SEGMENT_SEND ? "sent" : "received");
		/* GRO's merged packet is said to be one, not passed off as a
		 * segment that never crossed the wire */
		if (ev->gso_segs > 1)
			tb_printf(b, "%" PRIu32 " segments merged by GRO as ", ev->gso_segs);
		text_segment(b, ev);
		role = segment_role(ev->tcp_flags, ev->type == UT_TP_SEGMENT_SEND);
		if (role)
			tb_printf(b, " (%s)", role);
		break;
	case UT_TP_TCP_RETRANSMIT_SKB:
		tb_printf(b, "retransmitted [");
		tb_flags(b, ev->tcp_flags);
		tb_printf(b, "] seq %" PRIu32, ev->seq);
		if (ev->end_seq != ev->seq)
			tb_printf(b, ":%" PRIu32, ev->end_seq);
		tb_printf(b, " len %" PRIu32 " from the write queue (", ev->len);
		text_sender(b, ev);
		tb_printf(b, " rto %" PRIu32 " ms", ev->rto_ms);
		if (ev->backoff)
			tb_printf(b, " backoff %" PRIu32, ev->backoff);
		tb_printf(b, ")");
		break;
	case UT_TP_TCP_RETRANSMIT_SYNACK:
		tb_printf(b, "SYN-ACK retransmitted for the request socket ");
		tb_req_conn(b, ev);
		tb_printf(b, " (retry %" PRIu32 " of %" PRIu32 ")", ev->depth, ev->limit);
		break;
	case UT_TP_TCP_SEND_RESET:
		tb_printf(b, "sent a reset");
		if (ev->tcp_flags) {
			tb_printf(b, " [");
			tb_flags(b, ev->tcp_flags);
			tb_printf(b, "] seq %" PRIu32, ev->seq);
			if (ev->tcp_flags & TCPHDR_ACK)
				tb_printf(b, " ack %" PRIu32, ev->ack_seq);
		}
		tb_printf(b, " (");
		tb_ev_conn(b, ev);
		tb_printf(b, ")");
		tb_what(b, ev);
		break;
	case UT_TP_TCP_RECEIVE_RESET:
		tb_printf(b, "reset received: connection ");
		tb_ev_conn(b, ev);
		if (tcp_state_valid(ev->newstate))
			tb_printf(b, " in %s", state_short(ev->newstate));
		tb_printf(b, " aborted");
		if (ev->err) {
			tb_printf(b, ", error ");
			tb_err(b, ev->err);
		}
		break;
	case UT_TP_TCP_DESTROY_SOCK:
		tb_printf(b, "struct sock destroyed (");
		tb_ev_conn(b, ev);
		tb_printf(b, ")");
		break;
	case UT_TP_TCP_PROBE:
		tb_printf(b, "segment with %" PRIu32 " data bytes arrived, before processing: ",
			  ev->data_len);
		text_sender(b, ev);
		tb_printf(b,
			  " snd_wnd %" PRIu32 " rcv_wnd %" PRIu32 " srtt %" PRIu32
			  " us rto %" PRIu32 " ms (cookie %" PRIu64 ")",
			  ev->snd_wnd, ev->rcv_wnd, ev->srtt_us, ev->rto_ms, ev->sock_cookie);
		break;
	case UT_TP_TCP_CONG_STATE_SET:
		tb_printf(b, "congestion state %s -> %s (cwnd %" PRIu32,
			  ca_state_name(ev->oldstate) + 7, ca_state_name(ev->newstate) + 7,
			  ev->cwnd);
		if (ev->ssthresh && ev->ssthresh < 0x7fffffff)
			tb_printf(b, " ssthresh %" PRIu32, ev->ssthresh);
		tb_printf(b, " snd_una %" PRIu32 " snd_nxt %" PRIu32 ")", ev->snd_una, ev->snd_nxt);
		break;
	case UT_TP_TCP_MARK_LOST:
		tb_printf(b, "segment %" PRIu32 ":%" PRIu32 " marked lost: %s", ev->seq,
			  ev->end_seq, ev->what ? ev->what : "?");
		break;
	case UT_TP_RTT_SAMPLE:
		tb_printf(b, "RTT sample %" PRIu32 " us: srtt %" PRIu32 " us, rto %" PRIu32 " ms (",
			  ev->rtt_us, ev->srtt_us, ev->rto_ms);
		text_sender(b, ev);
		tb_printf(b, ")");
		break;
	case UT_TP_RTO_FIRED:
		tb_printf(b, "retransmission timer expired after %" PRIu32 " ms", ev->rto_ms);
		if (ev->backoff)
			tb_printf(b, " (backoff %" PRIu32 ")", ev->backoff);
		tb_printf(b, ": ");
		text_sender(b, ev);
		break;
	case UT_TP_TIMER:
		tb_printf(b, "timer: %s", ev->what ? ev->what : "?");
		if (tcp_state_valid(ev->newstate))
			tb_printf(b, " (%s)", state_short(ev->newstate));
		break;
	case UT_TP_SHUTDOWN:
		tb_printf(b, "shutdown(");
		tb_fd(b, ev->fd);
		tb_printf(b, ", %s)", ev->what ? ev->what : "?");
		if (ev->err)
			tb_call_err(b, ev->err);
		else if (tcp_state_valid(ev->newstate))
			tb_printf(b, " in state %s", state_short(ev->newstate));
		break;
	case UT_TP_CLOSE:
		tb_printf(b, "close(");
		tb_fd(b, ev->fd);
		tb_printf(b, ")");
		if (tcp_state_valid(ev->newstate))
			tb_printf(b, " in state %s", state_short(ev->newstate));
		if (!ut_ip_is_any(ev->saddr) || ev->sport) {
			tb_printf(b, " (");
			tb_ev_conn(b, ev);
			tb_printf(b, ")");
		}
		tb_printf(b, ": the descriptor is released");
		tb_call_err(b, ev->err);
		break;
	case UT_TP_SOCK_EXCEED_BUF_LIMIT:
		tb_printf(b,
			  "TCP buffer memory at %" PRIu32 " pages (net.ipv4.tcp_mem max %" PRIu32
			  "): %s of %" PRIu32 " bytes refused (",
			  ev->depth, ev->limit, ev->what ? ev->what : "?", ev->len);
		tb_ev_conn(b, ev);
		tb_printf(b, ")");
		break;
	case UT_TP_ERROR:
		tb_printf(b, "socket error ");
		tb_err(b, ev->err);
		tb_what(b, ev);
		tb_printf(b, " (");
		tb_ev_conn(b, ev);
		tb_printf(b, ")");
		break;
	default:
		tb_printf(b, "%s", ev->name ? ev->name : "unknown event");
		break;
	}
}

UT_EXPORT int ut_trace_format_text(const struct ut_trace_event *ev, char *buf, size_t size)
{
	struct tbuf b;

	uint64_t sec = ev->time_ns / 1000000000u, usec = ev->time_ns % 1000000000u / 1000u;

	tb_init(&b, buf, size);
	tb_printf(&b, "%3" PRIu64 ".%06" PRIu64 " %-6s  ", sec, usec,
		  ev->stack_name ? ev->stack_name : "");
	text_body(&b, ev);
	return tb_result(&b);
}

/* ---- JSON ----------------------------------------------------------------------*/

/* Which fields apply to each event type. */
enum {
	J_FD = 1u << 0,
	J_LOCAL = 1u << 1, /* saddr, sport */
	J_PEER = 1u << 2,  /* daddr, dport */
	J_TRANS = 1u << 3, /* oldstate, newstate */
	J_STATE = 1u << 4, /* state (the socket's, when known) */
	J_CA = 1u << 5,	   /* oldstate/newstate as congestion states */
	J_SEQ = 1u << 6,
	J_END = 1u << 7,
	J_ACK = 1u << 8,
	J_WIN = 1u << 9,
	J_FLAGS = 1u << 10,
	J_LEN = 1u << 11,
	J_QUEUE = 1u << 12,   /* depth, limit */
	J_SENDER = 1u << 13,  /* snd_una snd_nxt cwnd ssthresh */
	J_WINDOWS = 1u << 14, /* snd_wnd rcv_nxt rcv_wnd */
	J_RTT = 1u << 15,     /* srtt_us */
	J_RTO = 1u << 16,     /* rto_ms backoff */
	J_ERR = 1u << 17,
	J_WHAT = 1u << 18,
	J_LISTEN_FD = 1u << 19, /* accept: the listener's descriptor (in len) */
	J_RCV_NXT = 1u << 20,
	J_PROBE = 1u << 21,  /* tcp_probe's own: family mark data_len sock_cookie */
	J_OPTS = 1u << 22,   /* sack (when any), wscale (a SYN's, when present) */
	J_SAMPLE = 1u << 23, /* rtt_us */
	J_FAMILY = 1u << 24, /* socket(): the address family, as the narrative names it */
};

#define J_CONN (J_FD | J_LOCAL | J_PEER)
#define J_SEGMENT (J_CONN | J_STATE | J_SEQ | J_END | J_ACK | J_WIN | J_FLAGS | J_LEN | J_OPTS)

static const uint32_t json_fields[UT_TP_MAX] = {
	[UT_TP_INET_SOCK_SET_STATE] = J_CONN | J_TRANS | J_WHAT,
	[UT_TP_TCP_RETRANSMIT_SKB] = J_CONN | J_STATE | J_SEQ | J_END | J_FLAGS | J_LEN | J_SENDER |
				     J_RTO,
	[UT_TP_TCP_RETRANSMIT_SYNACK] = J_CONN | J_SEQ | J_ACK | J_QUEUE,
	[UT_TP_TCP_SEND_RESET] = J_CONN | J_STATE | J_SEQ | J_ACK | J_FLAGS | J_WHAT,
	[UT_TP_TCP_RECEIVE_RESET] = J_CONN | J_STATE | J_ERR,
	[UT_TP_TCP_DESTROY_SOCK] = J_CONN | J_STATE,
	[UT_TP_TCP_PROBE] = J_CONN | J_STATE | J_PROBE | J_SENDER | J_WINDOWS | J_RTT | J_RTO,
	[UT_TP_TCP_CONG_STATE_SET] = J_CONN | J_CA | J_SENDER | J_WHAT,
	[UT_TP_SOCKET_CREATE] = J_FD | J_FAMILY | J_STATE | J_ERR | J_WHAT,
	[UT_TP_BIND] = J_FD | J_LOCAL | J_ERR | J_WHAT,
	[UT_TP_LISTEN] = J_FD | J_LOCAL | J_STATE | J_QUEUE | J_ERR | J_WHAT,
	[UT_TP_CONNECT] = J_CONN | J_STATE | J_ERR | J_WHAT,
	[UT_TP_SYN_QUEUE_ADD] = J_CONN | J_SEQ | J_ACK | J_QUEUE,
	[UT_TP_SYN_QUEUE_DROP] = J_CONN | J_QUEUE | J_WHAT,
	[UT_TP_ACCEPT_QUEUE_ADD] = J_CONN | J_SEQ | J_ACK | J_QUEUE,
	[UT_TP_LISTEN_OVERFLOW] = J_CONN | J_QUEUE | J_WHAT,
	[UT_TP_ACCEPT] = J_CONN | J_STATE | J_QUEUE | J_LISTEN_FD | J_WHAT,
	[UT_TP_WRITE_QUEUE] = J_CONN | J_SEQ | J_END | J_LEN | J_QUEUE,
	[UT_TP_RECEIVE_QUEUE] = J_CONN | J_SEQ | J_END | J_LEN | J_QUEUE,
	[UT_TP_OFO_QUEUE] = J_CONN | J_SEQ | J_END | J_LEN | J_QUEUE | J_RCV_NXT,
	[UT_TP_SEGMENT_SEND] = J_SEGMENT,
	[UT_TP_SEGMENT_RECV] = J_SEGMENT,
	[UT_TP_USER_READ] = J_CONN | J_SEQ | J_END | J_LEN | J_QUEUE,
	[UT_TP_RTO_FIRED] = J_CONN | J_STATE | J_SENDER | J_RTO | J_WHAT,
	[UT_TP_TIMER] = J_CONN | J_STATE | J_WHAT,
	[UT_TP_SHUTDOWN] = J_CONN | J_STATE | J_ERR | J_WHAT,
	[UT_TP_CLOSE] = J_CONN | J_STATE | J_ERR | J_WHAT,
	[UT_TP_ERROR] = J_CONN | J_STATE | J_ERR | J_WHAT,
	[UT_TP_SOCK_EXCEED_BUF_LIMIT] = J_CONN | J_STATE | J_LEN | J_QUEUE | J_WHAT,
	[UT_TP_TCP_MARK_LOST] = J_CONN | J_STATE | J_SEQ | J_END | J_LEN | J_SENDER | J_WHAT,
	[UT_TP_RTT_SAMPLE] = J_CONN | J_STATE | J_SENDER | J_SAMPLE | J_RTT | J_RTO,
	[UT_TP_WRITE_QUEUE_FREE] = J_CONN | J_SEQ | J_END | J_LEN | J_QUEUE,
	[UT_TP_OFO_QUEUE_DRAIN] = J_CONN | J_SEQ | J_END | J_LEN | J_QUEUE,
};

static const char *family_name(unsigned family)
{
	return family == AF_INET ? "AF_INET" : family == AF_INET6 ? "AF_INET6" : "AF_UNSPEC";
}

/* A JSON string: quotes, backslashes and control characters escaped
 * (RFC 8259 section 7); other bytes, UTF-8 included, as they are. */
static void json_str(struct tbuf *b, const char *s)
{
	tb_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"':
			tb_printf(b, "\\\"");
			break;
		case '\\':
			tb_printf(b, "\\\\");
			break;
		case '\n':
			tb_printf(b, "\\n");
			break;
		case '\r':
			tb_printf(b, "\\r");
			break;
		case '\t':
			tb_printf(b, "\\t");
			break;
		case '\b':
			tb_printf(b, "\\b");
			break;
		case '\f':
			tb_printf(b, "\\f");
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				tb_printf(b, "\\u%04x", c);
			else
				tb_putc(b, (char)c);
		}
	}
	tb_putc(b, '"');
}

static void json_key_str(struct tbuf *b, const char *key, const char *val)
{
	tb_printf(b, ",\"%s\":", key);
	json_str(b, val);
}

static void json_key_u32(struct tbuf *b, const char *key, uint32_t v)
{
	tb_printf(b, ",\"%s\":%" PRIu32, key, v);
}

static void json_key_addr(struct tbuf *b, const char *key, struct ut_ip addr)
{
	tb_printf(b, ",\"%s\":\"", key);
	tb_addr(b, addr);
	tb_putc(b, '"');
}

UT_EXPORT int ut_trace_format_json(const struct ut_trace_event *ev, char *buf, size_t size)
{
	uint32_t f = (unsigned)ev->type < UT_TP_MAX ? json_fields[ev->type] : 0;
	struct tbuf b;

	uint64_t sec = ev->time_ns / 1000000000u, nsec = ev->time_ns % 1000000000u;

	tb_init(&b, buf, size);
	tb_printf(&b, "{\"t\":%" PRIu64 ".%09" PRIu64, sec, nsec);
	json_key_str(&b, "stack", ev->stack_name ? ev->stack_name : "");
	json_key_str(&b, "event", ev->name ? ev->name : "usertcp:unknown");
	if (f & J_FD)
		tb_printf(&b, ",\"fd\":%d", ev->fd);
	/* what the narrative's socket() says (its addresses' family) */
	if (f & J_FAMILY)
		json_key_str(&b, "family", ev->saddr.family == AF_INET6 ? "AF_INET6" : "AF_INET");
	if (f & J_LISTEN_FD)
		json_key_u32(&b, "listen_fd", ev->len);
	if (f & J_LOCAL) {
		json_key_addr(&b, "saddr", ev->saddr);
		json_key_u32(&b, "sport", ev->sport);
	}
	if (f & J_PEER) {
		json_key_addr(&b, "daddr", ev->daddr);
		json_key_u32(&b, "dport", ev->dport);
	}
	if (f & J_TRANS) {
		json_key_str(&b, "oldstate", ut_tcp_state_name(ev->oldstate));
		json_key_str(&b, "newstate", ut_tcp_state_name(ev->newstate));
	}
	if (f & J_CA) {
		json_key_str(&b, "old_ca_state", ca_state_name(ev->oldstate));
		json_key_str(&b, "ca_state", ca_state_name(ev->newstate));
	}
	/* Some emitters know no socket (a reset for a segment nobody owns):
	 * their state is 0, which no TCP state has. */
	if ((f & J_STATE) && tcp_state_valid(ev->newstate))
		json_key_str(&b, "state", ut_tcp_state_name(ev->newstate));
	if (f & J_SEQ)
		json_key_u32(&b, "seq", ev->seq);
	if (f & J_END)
		json_key_u32(&b, "end_seq", ev->end_seq);
	if (f & J_ACK)
		json_key_u32(&b, "ack_seq", ev->ack_seq);
	if (f & J_WIN)
		json_key_u32(&b, "window", ev->window);
	if (f & J_FLAGS) {
		tb_printf(&b, ",\"flags\":\"");
		tb_flags(&b, ev->tcp_flags);
		tb_putc(&b, '"');
	}
	if (f & J_LEN)
		json_key_u32(&b, "len", ev->len);
	if (ev->gso_segs > 1)
		json_key_u32(&b, "gso_segs", ev->gso_segs);
	if (f & J_QUEUE) {
		json_key_u32(&b, "depth", ev->depth);
		json_key_u32(&b, "limit", ev->limit);
	}
	if (f & J_SENDER) {
		json_key_u32(&b, "snd_una", ev->snd_una);
		json_key_u32(&b, "snd_nxt", ev->snd_nxt);
		json_key_u32(&b, "cwnd", ev->cwnd);
		json_key_u32(&b, "ssthresh", ev->ssthresh);
	}
	if (f & J_WINDOWS) {
		json_key_u32(&b, "snd_wnd", ev->snd_wnd);
		json_key_u32(&b, "rcv_nxt", ev->rcv_nxt);
		json_key_u32(&b, "rcv_wnd", ev->rcv_wnd);
	} else if (f & J_RCV_NXT) {
		json_key_u32(&b, "rcv_nxt", ev->rcv_nxt);
	}
	if (f & J_PROBE) {
		json_key_str(&b, "family", family_name(ev->family));
		json_key_u32(&b, "mark", ev->mark);
		json_key_u32(&b, "data_len", ev->data_len);
		tb_printf(&b, ",\"sock_cookie\":%" PRIu64, ev->sock_cookie);
	}
	if ((f & J_OPTS) && ev->num_sacks) {
		tb_printf(&b, ",\"sack\":[");
		for (uint32_t i = 0; i < ev->num_sacks && i < ARRAY_SIZE(ev->sacks); i++)
			tb_printf(&b, "%s[%" PRIu32 ",%" PRIu32 "]", i ? "," : "",
				  ev->sacks[i].start, ev->sacks[i].end);
		tb_putc(&b, ']');
	}
	if ((f & J_OPTS) && ev->wscale_ok)
		json_key_u32(&b, "wscale", ev->wscale);
	if (f & J_SAMPLE)
		json_key_u32(&b, "rtt_us", ev->rtt_us);
	if (f & J_RTT)
		json_key_u32(&b, "srtt_us", ev->srtt_us);
	if (f & J_RTO) {
		json_key_u32(&b, "rto_ms", ev->rto_ms);
		json_key_u32(&b, "backoff", ev->backoff);
	}
	/* An errno applies when there is one: a call that succeeded has
	 * none to report. */
	if ((f & J_ERR) && ev->err) {
		const char *name = errno_name(ev->err);
		tb_printf(&b, ",\"err\":%d", ev->err);
		if (name)
			json_key_str(&b, "errname", name);
	}
	if ((f & J_WHAT) && ev->what)
		json_key_str(&b, "what", ev->what);
	tb_putc(&b, '}');
	return tb_result(&b);
}

/* ---- ready-made handlers ----------------------------------------------------------*/

typedef int (*trace_format_fn)(const struct ut_trace_event *ev, char *buf, size_t size);

static void trace_print(const struct ut_trace_event *ev, FILE *f, trace_format_fn format)
{
	char line[512], *p = line;
	int n = format(ev, line, sizeof(line));

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		p = malloc((size_t)n + 1);
		if (!p)
			return;
		format(ev, p, (size_t)n + 1);
	}
	fputs(p, f);
	fputc('\n', f);
	if (p != line)
		free(p);
}

UT_EXPORT void ut_trace_print_text(const struct ut_trace_event *ev, void *file)
{
	trace_print(ev, file ? file : stdout, ut_trace_format_text);
}

UT_EXPORT void ut_trace_print_json(const struct ut_trace_event *ev, void *file)
{
	trace_print(ev, file ? file : stdout, ut_trace_format_json);
}
