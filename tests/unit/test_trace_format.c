/* The trace printers: the narrative in the words used to explain a Linux
 * TCP connection, one valid JSON object per event with the fields that
 * apply to its type, snprintf's truncation contract, and trace_emit's
 * filling of the common fields. Events are built by hand. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "net/sock.h"
#include "net/stack.h"
#include "net/trace.h"
#include "net/wire.h"
#include "test.h"
#include "usertcp/sim.h"

static const char *const type_names[UT_TP_MAX] = {
#define NAME(id, name) [id] = name,
	UT_TRACE_EVENTS(NAME)
#undef NAME
};

/* An event as an emitter would fill it: 10.0.0.2:40001 (the client) and
 * 10.0.0.1:80 (the server), every field of the kind given non-zero so
 * that the printers have something to choose from. */
static struct ut_trace_event make_event(enum ut_trace_type type, uint64_t t, const char *stack_name)
{
	struct ut_trace_event ev;

	trace_event_init(&ev);
	ev.type = type;
	ev.name = type_names[type];
	ev.time_ns = t;
	ev.stack_name = stack_name;
	return ev;
}

static void set_conn(struct ut_trace_event *ev, const char *s, uint16_t sport, const char *d,
		     uint16_t dport)
{
	ev->saddr = ut_ip_v4(inet_addr(s));
	ev->sport = sport;
	ev->daddr = ut_ip_v4(inet_addr(d));
	ev->dport = dport;
}

/* Every field non-zero, distinct values. */
static struct ut_trace_event full_event(enum ut_trace_type type)
{
	struct ut_trace_event ev = make_event(type, 1234567890123ULL, "client");

	set_conn(&ev, "10.0.0.2", 40001, "10.0.0.1", 80);
	ev.fd = 3;
	ev.oldstate = TCP_SYN_SENT;
	ev.newstate = TCP_ESTABLISHED;
	if (type == UT_TP_TCP_CONG_STATE_SET) {
		ev.oldstate = 0;
		ev.newstate = 4;
	}
	ev.seq = 1000;
	ev.end_seq = 2448;
	ev.ack_seq = 5001;
	ev.window = 502;
	ev.tcp_flags = TCPHDR_ACK | TCPHDR_PSH;
	ev.len = 1448;
	ev.depth = 2;
	ev.limit = 128;
	ev.snd_una = 900;
	ev.snd_nxt = 2448;
	ev.snd_wnd = 64000;
	ev.rcv_nxt = 5001;
	ev.rcv_wnd = 65535;
	ev.cwnd = 10;
	ev.ssthresh = 7;
	ev.srtt_us = 20123;
	ev.rto_ms = 220;
	ev.backoff = 1;
	ev.err = ECONNRESET;
	ev.what = "why";
	return ev;
}

static const char *text(const struct ut_trace_event *ev)
{
	static char buf[1024];
	int n = ut_trace_format_text(ev, buf, sizeof(buf));
	CHECK(n > 0 && (size_t)n < sizeof(buf));
	CHECK_EQ(strlen(buf), n);
	return buf;
}

static const char *json(const struct ut_trace_event *ev)
{
	static char buf[2048];
	int n = ut_trace_format_json(ev, buf, sizeof(buf));
	CHECK(n > 0 && (size_t)n < sizeof(buf));
	CHECK_EQ(strlen(buf), n);
	return buf;
}

#define CHECK_CONTAINS(hay, needle)                                                             \
	do {                                                                                    \
		if (!strstr((hay), (needle)))                                                   \
			test_fail(__FILE__, __LINE__, "\"%s\" not in \"%s\"", (needle), (hay)); \
	} while (0)

#define CHECK_STARTS(s, prefix)                                                                 \
	do {                                                                                    \
		if (strncmp((s), (prefix), strlen(prefix)) != 0)                                \
			test_fail(__FILE__, __LINE__, "\"%s\" does not start \"%s\"", (prefix), \
				  (s));                                                         \
	} while (0)

#define CHECK_LACKS(hay, needle)                                                            \
	do {                                                                                \
		if (strstr((hay), (needle)))                                                \
			test_fail(__FILE__, __LINE__, "\"%s\" in \"%s\"", (needle), (hay)); \
	} while (0)

/* ---- a small JSON checker (RFC 8259), enough to prove each line parses ---------------*/

struct jp {
	const char *p;
	int depth;
};

static void jp_ws(struct jp *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
		j->p++;
}

static bool jp_value(struct jp *j);

static bool jp_string(struct jp *j)
{
	if (*j->p++ != '"')
		return false;
	for (;;) {
		unsigned char c = (unsigned char)*j->p++;
		if (c == '"')
			return true;
		if (c < 0x20)
			return false; /* includes the NUL at the end */
		if (c == '\\') {
			c = (unsigned char)*j->p++;
			if (c == 'u') {
				for (int i = 0; i < 4; i++)
					if (!isxdigit((unsigned char)*j->p++))
						return false;
			} else if (!strchr("\"\\/bfnrt", c) || !c) {
				return false;
			}
		}
	}
}

static bool jp_number(struct jp *j)
{
	const char *s = j->p;
	if (*j->p == '-')
		j->p++;
	if (*j->p == '0')
		j->p++;
	else if (*j->p >= '1' && *j->p <= '9')
		while (isdigit((unsigned char)*j->p))
			j->p++;
	else
		return false;
	if (*j->p == '.') {
		j->p++;
		if (!isdigit((unsigned char)*j->p))
			return false;
		while (isdigit((unsigned char)*j->p))
			j->p++;
	}
	if (*j->p == 'e' || *j->p == 'E') {
		j->p++;
		if (*j->p == '+' || *j->p == '-')
			j->p++;
		if (!isdigit((unsigned char)*j->p))
			return false;
		while (isdigit((unsigned char)*j->p))
			j->p++;
	}
	return j->p > s;
}

static bool jp_object(struct jp *j)
{
	j->p++;
	jp_ws(j);
	if (*j->p == '}') {
		j->p++;
		return true;
	}
	for (;;) {
		jp_ws(j);
		if (!jp_string(j))
			return false;
		jp_ws(j);
		if (*j->p++ != ':')
			return false;
		if (!jp_value(j))
			return false;
		jp_ws(j);
		if (*j->p == '}') {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

static bool jp_array(struct jp *j)
{
	j->p++;
	jp_ws(j);
	if (*j->p == ']') {
		j->p++;
		return true;
	}
	for (;;) {
		if (!jp_value(j))
			return false;
		jp_ws(j);
		if (*j->p == ']') {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

static bool jp_value(struct jp *j)
{
	bool ok;

	jp_ws(j);
	if (++j->depth > 32)
		return false;
	switch (*j->p) {
	case '{':
		ok = jp_object(j);
		break;
	case '[':
		ok = jp_array(j);
		break;
	case '"':
		ok = jp_string(j);
		break;
	case 't':
		ok = !strncmp(j->p, "true", 4) && (j->p += 4);
		break;
	case 'f':
		ok = !strncmp(j->p, "false", 5) && (j->p += 5);
		break;
	case 'n':
		ok = !strncmp(j->p, "null", 4) && (j->p += 4);
		break;
	default:
		ok = jp_number(j);
		break;
	}
	j->depth--;
	return ok;
}

/* One JSON object and nothing else on the line. */
static bool json_valid_object(const char *s)
{
	struct jp j = {s, 0};
	jp_ws(&j);
	if (*j.p != '{' || !jp_value(&j))
		return false;
	jp_ws(&j);
	return *j.p == '\0';
}

/* Counts the occurrences of "key": so that no key appears twice. */
static int key_count(const char *s, const char *key)
{
	char pat[64];
	int n = 0;
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	for (const char *p = strstr(s, pat); p; p = strstr(p + 1, pat))
		n++;
	return n;
}

TEST(json_checker_itself_tells_valid_from_invalid)
{
	CHECK(json_valid_object("{}"));
	CHECK(json_valid_object("{\"a\":1.5,\"b\":[true,null,\"x\\u0001\"],\"c\":{\"d\":-0}}"));
	CHECK(!json_valid_object("{\"a\":1,}"));
	CHECK(!json_valid_object("{\"a\":01}"));
	CHECK(!json_valid_object("{\"a\":\"x\ny\"}"));
	CHECK(!json_valid_object("{\"a\":\"\\q\"}"));
	CHECK(!json_valid_object("{\"a\":1} x"));
	CHECK(!json_valid_object("{\"a\":1"));
}

/* ---- the narrative ---------------------------------------------------------------*/

TEST(text_tells_a_request_socket_joining_the_syn_queue)
{
	struct ut_trace_event ev = make_event(UT_TP_SYN_QUEUE_ADD, 20000000, "server");

	/* Request-socket events carry the listener's side as saddr. */
	set_conn(&ev, "10.0.0.1", 80, "10.0.0.2", 40001);
	ev.fd = 3;
	ev.depth = 1;
	ev.limit = 128;
	CHECK(strcmp(text(&ev), "  0.020000 server  request socket added to the SYN queue "
				"(1 of 128) for 10.0.0.2:40001 -> 10.0.0.1:80") == 0);
}

TEST(text_names_both_states_of_a_transition_without_the_tcp_prefix)
{
	struct ut_trace_event ev = make_event(UT_TP_INET_SOCK_SET_STATE, 30000123, "client");

	set_conn(&ev, "10.0.0.2", 40001, "10.0.0.1", 80);
	ev.oldstate = TCP_SYN_SENT;
	ev.newstate = TCP_ESTABLISHED;
	const char *t = text(&ev);
	CHECK_STARTS(t, "  0.030000 client  state SYN_SENT -> ESTABLISHED "
			"(10.0.0.2:40001 -> 10.0.0.1:80)");
	CHECK_CONTAINS(t, "three-way handshake");
}

TEST(text_explains_each_step_of_the_teardown)
{
	static const struct {
		int from, to;
		const char *words;
	} steps[] = {
		{TCP_ESTABLISHED, TCP_FIN_WAIT1, "FIN sent"},
		{TCP_FIN_WAIT1, TCP_FIN_WAIT2, "FIN was acknowledged"},
		{TCP_ESTABLISHED, TCP_CLOSE_WAIT, "recv() returns 0"},
		{TCP_CLOSE_WAIT, TCP_LAST_ACK, "last ACK"},
		{TCP_FIN_WAIT2, TCP_TIME_WAIT, "2*MSL"},
		{TCP_LAST_ACK, TCP_CLOSE, "connection closed"},
		{TCP_TIME_WAIT, TCP_CLOSE, "TIME_WAIT over"},
		{TCP_CLOSE, TCP_LISTEN, "passive"},
		{TCP_CLOSE, TCP_SYN_SENT, "three-way handshake"},
		{TCP_CLOSE, TCP_SYN_RECV, "request socket"},
		{TCP_SYN_RECV, TCP_ESTABLISHED, "final ACK"},
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct ut_trace_event ev = make_event(UT_TP_INET_SOCK_SET_STATE, 0, "a");
		char want[64];
		ev.oldstate = steps[i].from;
		ev.newstate = steps[i].to;
		snprintf(want, sizeof(want), "state %s -> %s", ut_tcp_state_name(steps[i].from) + 4,
			 ut_tcp_state_name(steps[i].to) + 4);
		const char *t = text(&ev);
		CHECK_CONTAINS(t, want);
		CHECK_CONTAINS(t, steps[i].words);
	}
}

TEST(text_prints_segments_as_tcpdump_does)
{
	struct ut_trace_event ev = make_event(UT_TP_SEGMENT_SEND, 0, "client");

	set_conn(&ev, "10.0.0.2", 40001, "10.0.0.1", 80);
	ev.seq = 1234;
	ev.end_seq = 1235;
	ev.window = 64240;
	ev.tcp_flags = TCPHDR_SYN;
	CHECK_STARTS(text(&ev), "  0.000000 client  sent [S] seq 1234 win 64240 len 0");

	ev.type = UT_TP_SEGMENT_RECV;
	ev.tcp_flags = TCPHDR_SYN | TCPHDR_ACK;
	ev.ack_seq = 999;
	CHECK_CONTAINS(text(&ev), "received [S.] seq 1234 ack 999 win 64240 len 0");

	ev.tcp_flags = TCPHDR_PSH | TCPHDR_ACK;
	ev.len = 100;
	ev.end_seq = 1334;
	CHECK_CONTAINS(text(&ev), "[P.] seq 1234:1334 ack 999 win 64240 len 100");
	CHECK_LACKS(text(&ev), "handshake");

	ev.tcp_flags = TCPHDR_FIN | TCPHDR_ACK;
	ev.len = 0;
	CHECK_CONTAINS(text(&ev), "[F.] seq 1234 ack 999");
	ev.tcp_flags = TCPHDR_RST;
	CHECK_CONTAINS(text(&ev), "[R] seq 1234 win");
	CHECK_LACKS(text(&ev), " ack ");
	ev.tcp_flags = TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR;
	CHECK_CONTAINS(text(&ev), "[SEW]");
}

TEST(text_prints_the_time_in_seconds_with_microseconds)
{
	struct ut_trace_event ev = make_event(UT_TP_TIMER, 123, "s");

	ev.what = "delayed ACK";
	CHECK_STARTS(text(&ev), "  0.000000 s       timer: delayed ACK");
	ev.time_ns = 61999999999ULL;
	CHECK_STARTS(text(&ev), " 61.999999 s ");
	ev.time_ns = 12345000000000ULL;
	CHECK_STARTS(text(&ev), "12345.000000 s ");
}

TEST(text_tells_the_socket_calls_in_order)
{
	struct ut_trace_event ev = make_event(UT_TP_SOCKET_CREATE, 0, "server");
	ev.fd = 3;
	ev.newstate = TCP_CLOSE;
	ev.what = "SOCK_STREAM";
	CHECK_CONTAINS(text(&ev), "socket(AF_INET, SOCK_STREAM) = fd 3");
	CHECK_CONTAINS(text(&ev), "struct sock");
	/* An AF_INET6 socket's address is IPv6's, unspecified until bound. */
	ev.saddr = ut_ip_v6(&in6addr_any);
	CHECK_CONTAINS(text(&ev), "socket(AF_INET6, SOCK_STREAM) = fd 3");

	ev = make_event(UT_TP_BIND, 0, "server");
	ev.fd = 3;
	ev.saddr = ut_ip_v4(inet_addr("10.0.0.1"));
	ev.sport = 80;
	ev.what = "bind()";
	CHECK_CONTAINS(text(&ev), "bind(fd 3, 10.0.0.1:80)");
	ev.err = EADDRINUSE;
	CHECK_CONTAINS(text(&ev), "failed with EADDRINUSE");

	ev = make_event(UT_TP_LISTEN, 0, "server");
	ev.fd = 3;
	ev.limit = 128;
	ev.newstate = TCP_LISTEN;
	CHECK_CONTAINS(text(&ev), "listen(fd 3, backlog 128)");
	CHECK_CONTAINS(text(&ev), "SYN queue");
	CHECK_CONTAINS(text(&ev), "accept queue");

	ev = full_event(UT_TP_CONNECT);
	CHECK_CONTAINS(text(&ev), "connect(fd 3, 10.0.0.1:80) from 10.0.0.2:40001");

	ev = make_event(UT_TP_ACCEPT, 0, "server");
	set_conn(&ev, "10.0.0.1", 80, "10.0.0.2", 40001);
	ev.fd = 4;
	ev.len = 3;
	ev.newstate = TCP_ESTABLISHED;
	CHECK_CONTAINS(text(&ev), "accept(fd 3) = fd 4");
	CHECK_CONTAINS(text(&ev), "accept queue (0 left)");

	ev = full_event(UT_TP_CLOSE);
	ev.err = 0;
	ev.newstate = TCP_CLOSE_WAIT;
	CHECK_CONTAINS(text(&ev), "close(fd 3) in state CLOSE_WAIT");
	CHECK_LACKS(text(&ev), "failed");

	ev = full_event(UT_TP_SHUTDOWN);
	ev.err = 0;
	ev.what = "SHUT_WR";
	CHECK_CONTAINS(text(&ev), "shutdown(fd 3, SHUT_WR)");
}

TEST(text_names_the_queues_an_sk_buff_goes_through)
{
	struct ut_trace_event ev = full_event(UT_TP_WRITE_QUEUE);
	CHECK_CONTAINS(text(&ev), "sk_buff (seq 1000:2448) on the write queue (2 of 128 bytes)");
	ev.type = UT_TP_RECEIVE_QUEUE;
	CHECK_CONTAINS(text(&ev), "sk_buff seq 1000:2448 (1448 bytes) added to the receive queue");
	ev.type = UT_TP_OFO_QUEUE;
	CHECK_CONTAINS(text(&ev), "ahead of rcv_nxt 5001: held on the out-of-order queue");
	ev.type = UT_TP_USER_READ;
	CHECK_CONTAINS(text(&ev), "recv(fd 3) copied 1448 bytes");
	ev.type = UT_TP_ACCEPT_QUEUE_ADD;
	CHECK_CONTAINS(text(&ev), "from the SYN queue to the accept queue (2 of 128)");
	ev.type = UT_TP_LISTEN_OVERFLOW;
	CHECK_CONTAINS(text(&ev), "accept queue full");
	ev.type = UT_TP_SYN_QUEUE_DROP;
	CHECK_CONTAINS(text(&ev), "SYN queue");
	CHECK_CONTAINS(text(&ev), "(why)");
}

TEST(text_tells_retransmissions_and_the_sender_state)
{
	struct ut_trace_event ev = full_event(UT_TP_TCP_RETRANSMIT_SKB);
	CHECK_CONTAINS(text(&ev), "retransmitted [P.] seq 1000:2448 len 1448");
	CHECK_CONTAINS(text(&ev), "cwnd 10 ssthresh 7");
	CHECK_CONTAINS(text(&ev), "rto 220 ms backoff 1");
	ev.ssthresh = 0x7fffffff; /* TCP_INFINITE_SSTHRESH: not worth printing */
	CHECK_LACKS(text(&ev), "ssthresh");
	ev.type = UT_TP_RTO_FIRED;
	CHECK_CONTAINS(text(&ev), "retransmission timer expired after 220 ms");
	ev.type = UT_TP_TCP_RETRANSMIT_SYNACK;
	ev.depth = 1;
	ev.limit = 5;
	CHECK_CONTAINS(text(&ev), "SYN-ACK retransmitted");
	CHECK_CONTAINS(text(&ev), "(retry 1 of 5)");
	ev.type = UT_TP_TCP_PROBE;
	ev.data_len = 1448;
	ev.sock_cookie = 3;
	CHECK_CONTAINS(text(&ev),
		       "segment with 1448 data bytes arrived, before processing: snd_una "
		       "900 snd_nxt 2448 cwnd 10");
	CHECK_CONTAINS(text(&ev), "srtt 20123 us");
	CHECK_CONTAINS(text(&ev), "(cookie 3)");
	ev = full_event(UT_TP_TCP_CONG_STATE_SET);
	CHECK_CONTAINS(text(&ev), "congestion state Open -> Loss");
}

TEST(text_tells_resets_and_errors_by_errno_name)
{
	struct ut_trace_event ev = full_event(UT_TP_TCP_RECEIVE_RESET);
	CHECK_CONTAINS(text(&ev), "reset received");
	CHECK_CONTAINS(text(&ev), "ECONNRESET");
	ev.type = UT_TP_ERROR;
	ev.err = ETIMEDOUT;
	CHECK_CONTAINS(text(&ev), "socket error ETIMEDOUT");
	ev.err = 4000;
	CHECK_CONTAINS(text(&ev), "errno 4000");
	ev = full_event(UT_TP_TCP_SEND_RESET);
	ev.tcp_flags = TCPHDR_RST | TCPHDR_ACK;
	CHECK_CONTAINS(text(&ev), "sent a reset [R.] seq 1000 ack 5001");
	ev.tcp_flags = 0; /* the active-reset path knows no header */
	CHECK_LACKS(text(&ev), "[");
	ev.type = UT_TP_TCP_DESTROY_SOCK;
	CHECK_CONTAINS(text(&ev), "struct sock destroyed (10.0.0.2:40001 -> 10.0.0.1:80)");
}

TEST(text_and_json_handle_every_type_with_all_fields_zero)
{
	for (int t = 0; t < UT_TP_MAX; t++) {
		struct ut_trace_event ev = make_event((enum ut_trace_type)t, 0, "x");
		const char *s = text(&ev);
		CHECK(strlen(s) > 13);
		CHECK(!strchr(s, '\n'));
		CHECK(json_valid_object(json(&ev)));
	}
}

/* ---- JSON ---------------------------------------------------------------------*/

/* The keys each type must carry (beyond t, stack and event). */
static const char *const must_have[UT_TP_MAX][16] = {
	[UT_TP_INET_SOCK_SET_STATE] = {"fd", "saddr", "sport", "daddr", "dport", "oldstate",
				       "newstate"},
	[UT_TP_TCP_RETRANSMIT_SKB] = {"saddr", "dport", "state", "seq", "end_seq", "len", "flags",
				      "snd_una", "cwnd", "rto_ms"},
	[UT_TP_TCP_RETRANSMIT_SYNACK] = {"saddr", "daddr", "seq", "ack_seq", "depth", "limit"},
	[UT_TP_TCP_SEND_RESET] = {"saddr", "daddr", "seq", "ack_seq", "flags"},
	[UT_TP_TCP_RECEIVE_RESET] = {"saddr", "daddr", "state", "err", "errname"},
	[UT_TP_TCP_DESTROY_SOCK] = {"saddr", "daddr", "state"},
	[UT_TP_TCP_PROBE] = {"saddr", "sport", "daddr", "dport", "family", "mark", "data_len",
			     "snd_nxt", "snd_una", "cwnd", "ssthresh", "snd_wnd", "srtt_us",
			     "rcv_wnd", "sock_cookie"},
	[UT_TP_TCP_CONG_STATE_SET] = {"old_ca_state", "ca_state", "cwnd", "ssthresh"},
	[UT_TP_SOCKET_CREATE] = {"fd", "family", "state", "what"},
	[UT_TP_BIND] = {"fd", "saddr", "sport"},
	[UT_TP_LISTEN] = {"fd", "saddr", "sport", "state", "limit"},
	[UT_TP_CONNECT] = {"fd", "saddr", "sport", "daddr", "dport", "state"},
	[UT_TP_SYN_QUEUE_ADD] = {"saddr", "daddr", "depth", "limit", "seq"},
	[UT_TP_SYN_QUEUE_DROP] = {"saddr", "daddr", "depth", "limit", "what"},
	[UT_TP_ACCEPT_QUEUE_ADD] = {"saddr", "daddr", "depth", "limit"},
	[UT_TP_LISTEN_OVERFLOW] = {"saddr", "daddr", "depth", "limit", "what"},
	[UT_TP_ACCEPT] = {"fd", "listen_fd", "saddr", "daddr", "state", "depth"},
	[UT_TP_WRITE_QUEUE] = {"fd", "seq", "end_seq", "len", "depth", "limit"},
	[UT_TP_RECEIVE_QUEUE] = {"fd", "seq", "end_seq", "len", "depth", "limit"},
	[UT_TP_OFO_QUEUE] = {"fd", "seq", "end_seq", "len", "depth", "rcv_nxt"},
	[UT_TP_SEGMENT_SEND] = {"saddr", "sport", "daddr", "dport", "seq", "end_seq", "ack_seq",
				"window", "flags", "len"},
	[UT_TP_SEGMENT_RECV] = {"saddr", "sport", "daddr", "dport", "seq", "end_seq", "ack_seq",
				"window", "flags", "len"},
	[UT_TP_USER_READ] = {"fd", "seq", "end_seq", "len", "depth"},
	[UT_TP_RTO_FIRED] = {"snd_una", "snd_nxt", "cwnd", "rto_ms", "backoff"},
	[UT_TP_TIMER] = {"fd", "state", "what"},
	[UT_TP_SHUTDOWN] = {"fd", "state", "what"},
	[UT_TP_CLOSE] = {"fd", "state"},
	[UT_TP_ERROR] = {"fd", "err", "errname"},
	[UT_TP_TCP_MARK_LOST] = {"fd", "seq", "end_seq", "len", "snd_una", "cwnd", "what"},
	[UT_TP_RTT_SAMPLE] = {"fd", "saddr", "dport", "rtt_us", "srtt_us", "rto_ms", "cwnd"},
	[UT_TP_WRITE_QUEUE_FREE] = {"fd", "seq", "end_seq", "len", "depth", "limit"},
	[UT_TP_OFO_QUEUE_DRAIN] = {"fd", "seq", "end_seq", "len", "depth", "limit"},
};

/* And keys that would be noise for the type. */
static const char *const must_lack[UT_TP_MAX][6] = {
	[UT_TP_INET_SOCK_SET_STATE] = {"seq", "cwnd", "window", "depth"},
	[UT_TP_SOCKET_CREATE] = {"saddr", "daddr", "seq"},
	[UT_TP_BIND] = {"daddr", "dport", "seq"},
	[UT_TP_SEGMENT_SEND] = {"depth", "cwnd", "oldstate"},
	[UT_TP_WRITE_QUEUE] = {"window", "flags", "cwnd"},
	[UT_TP_ACCEPT] = {"seq", "window"},
	[UT_TP_TIMER] = {"seq", "len"},
};

TEST(json_is_one_valid_object_with_the_fields_of_each_type)
{
	for (int t = 0; t < UT_TP_MAX; t++) {
		struct ut_trace_event ev = full_event((enum ut_trace_type)t);
		const char *j = json(&ev);
		char want[96];

		if (!json_valid_object(j))
			test_fail(__FILE__, __LINE__, "not valid JSON: %s", j);
		CHECK_STARTS(j, "{\"t\":1234.567890123,\"stack\":\"client\",\"event\":\"");
		snprintf(want, sizeof(want), "\"event\":\"%s\"", type_names[t]);
		CHECK_CONTAINS(j, want);
		for (int k = 0; k < 12 && must_have[t][k]; k++) {
			if (key_count(j, must_have[t][k]) != 1)
				test_fail(__FILE__, __LINE__, "%s: key %s not present once in %s",
					  type_names[t], must_have[t][k], j);
		}
		for (int k = 0; k < 6 && must_lack[t][k]; k++)
			if (key_count(j, must_lack[t][k]) != 0)
				test_fail(__FILE__, __LINE__, "%s: key %s should not be in %s",
					  type_names[t], must_lack[t][k], j);
		CHECK(!strchr(j, '\n'));
	}
}

/* What a plot needs of a segment's options: its SACK blocks, and a SYN's
 * window scale; neither key without the option. */
TEST(json_gives_a_segments_sack_blocks_and_window_scale_when_it_carries_them)
{
	struct ut_trace_event ev = full_event(UT_TP_SEGMENT_RECV);

	CHECK_LACKS(json(&ev), "\"sack\"");
	CHECK_LACKS(json(&ev), "\"wscale\"");
	ev.num_sacks = 2;
	ev.sacks[0].start = 3000;
	ev.sacks[0].end = 4000;
	ev.sacks[1].start = 6000;
	ev.sacks[1].end = 7500;
	ev.wscale_ok = 1;
	ev.wscale = 7;
	CHECK(json_valid_object(json(&ev)));
	CHECK_CONTAINS(json(&ev), "\"sack\":[[3000,4000],[6000,7500]]");
	CHECK_CONTAINS(json(&ev), "\"wscale\":7");
	ev.wscale = 0; /* a shift of 0 is an option too */
	CHECK_CONTAINS(json(&ev), "\"wscale\":0");
}

TEST(json_writes_addresses_dotted_ports_as_numbers_states_and_flags_by_name)
{
	struct ut_trace_event ev = full_event(UT_TP_SEGMENT_RECV);
	const char *j = json(&ev);

	CHECK_CONTAINS(j, "\"saddr\":\"10.0.0.2\",\"sport\":40001");
	CHECK_CONTAINS(j, "\"daddr\":\"10.0.0.1\",\"dport\":80");
	CHECK_CONTAINS(j, "\"state\":\"TCP_ESTABLISHED\"");
	CHECK_CONTAINS(j, "\"flags\":\"P.\"");
	CHECK_CONTAINS(j, "\"fd\":3");

	ev = full_event(UT_TP_INET_SOCK_SET_STATE);
	j = json(&ev);
	CHECK_CONTAINS(j, "\"oldstate\":\"TCP_SYN_SENT\",\"newstate\":\"TCP_ESTABLISHED\"");

	ev = full_event(UT_TP_TCP_CONG_STATE_SET);
	j = json(&ev);
	CHECK_CONTAINS(j, "\"old_ca_state\":\"TCP_CA_Open\",\"ca_state\":\"TCP_CA_Loss\"");

	/* A segment no socket owns has no state to report, and no fd. */
	ev = full_event(UT_TP_SEGMENT_SEND);
	ev.newstate = 0;
	ev.fd = -1;
	j = json(&ev);
	CHECK(json_valid_object(j));
	CHECK_LACKS(j, "\"state\"");
	CHECK_CONTAINS(j, "\"fd\":-1");
}

/* The printers take an event's addresses by their family: none is IPv6
 * yet, but an event built by hand may carry one, or none at all. */
TEST(printers_write_an_ipv6_endpoint_in_brackets_and_an_address_of_no_family_as_0_0_0_0)
{
	struct ut_trace_event ev = full_event(UT_TP_BIND);
	struct in6_addr a6;

	CHECK_EQ(inet_pton(AF_INET6, "2001:db8::2", &a6), 1);
	ev.saddr = ut_ip_v6(&a6);
	ev.err = 0;
	CHECK_CONTAINS(text(&ev), "bind(fd 3, [2001:db8::2]:40001)");
	CHECK_CONTAINS(json(&ev), "\"saddr\":\"2001:db8::2\",\"sport\":40001");

	memset(&ev.saddr, 0, sizeof(ev.saddr));
	CHECK_CONTAINS(text(&ev), "bind(fd 3, 0.0.0.0:40001)");
	CHECK_CONTAINS(json(&ev), "\"saddr\":\"0.0.0.0\"");
}

TEST(json_reports_an_errno_only_when_there_is_one)
{
	struct ut_trace_event ev = full_event(UT_TP_BIND);
	CHECK_CONTAINS(json(&ev), "\"err\":104,\"errname\":\"ECONNRESET\"");
	ev.err = 0;
	CHECK_LACKS(json(&ev), "err");
	ev.err = 4000;
	CHECK_CONTAINS(json(&ev), "\"err\":4000");
	CHECK_LACKS(json(&ev), "errname");
}

TEST(json_escapes_quotes_backslashes_and_control_characters)
{
	struct ut_trace_event ev = full_event(UT_TP_TIMER);
	ev.what = "a \"quoted\" \\ back\nslash\t\x01\x7f end \xc3\xa9";
	ev.stack_name = "host\"1";
	const char *j = json(&ev);

	CHECK(json_valid_object(j));
	CHECK_CONTAINS(j, "\"stack\":\"host\\\"1\"");
	CHECK_CONTAINS(j, "\"what\":\"a \\\"quoted\\\" \\\\ back\\nslash\\t\\u0001\\u007f end "
			  "\xc3\xa9\"");
}

/* ---- snprintf's contract -------------------------------------------------------*/

static void check_truncation(int (*format)(const struct ut_trace_event *, char *, size_t),
			     const struct ut_trace_event *ev)
{
	char full[2048], small[2048];
	int n = format(ev, full, sizeof(full));

	CHECK(n > 0 && (size_t)n < sizeof(full));
	CHECK_EQ(format(ev, NULL, 0), n);
	for (size_t size = 1; size <= (size_t)n + 1; size++) {
		memset(small, 'X', sizeof(small));
		CHECK_EQ(format(ev, small, size), n);
		/* At most size bytes, the last a NUL; a prefix of the full text. */
		CHECK_EQ(strlen(small), size - 1 < (size_t)n ? size - 1 : (size_t)n);
		CHECK(memcmp(small, full, strlen(small)) == 0);
		CHECK(small[size] == 'X');
	}
	/* size 0 writes nothing at all */
	small[0] = 'Z';
	CHECK_EQ(format(ev, small, 0), n);
	CHECK(small[0] == 'Z');
}

TEST(formatters_truncate_like_snprintf_and_return_the_length_wanted)
{
	for (int t = 0; t < UT_TP_MAX; t++) {
		struct ut_trace_event ev = full_event((enum ut_trace_type)t);
		ev.what = "quote\" and \\ \x02";
		check_truncation(ut_trace_format_text, &ev);
		check_truncation(ut_trace_format_json, &ev);
	}
}

/* ---- the ready-made handlers -----------------------------------------------------*/

TEST(print_handlers_write_one_line_per_event_even_a_long_one)
{
	char *mem = NULL, what[2000];
	size_t memlen = 0;
	FILE *f = open_memstream(&mem, &memlen);
	struct ut_trace_event ev = full_event(UT_TP_ERROR);
	char expect[4096];

	CHECK(f != NULL);
	memset(what, 'w', sizeof(what) - 1);
	what[sizeof(what) - 1] = '\0';
	ut_trace_print_text(&ev, f);
	ut_trace_print_json(&ev, f);
	ev.what = what;
	ut_trace_print_text(&ev, f);
	ut_trace_print_json(&ev, f);
	fclose(f);

	int lines = 0;
	for (char *p = mem; *p; p++)
		lines += *p == '\n';
	CHECK_EQ(lines, 4);
	ut_trace_format_text(&ev, expect, sizeof(expect));
	CHECK_CONTAINS(mem, expect);
	ut_trace_format_json(&ev, expect, sizeof(expect));
	CHECK_CONTAINS(mem, expect);
	free(mem);
}

TEST(tcp_state_names_cover_every_state_with_linux_names)
{
	static const char *const want[] = {
		NULL,
		"TCP_ESTABLISHED",
		"TCP_SYN_SENT",
		"TCP_SYN_RECV",
		"TCP_FIN_WAIT1",
		"TCP_FIN_WAIT2",
		"TCP_TIME_WAIT",
		"TCP_CLOSE",
		"TCP_CLOSE_WAIT",
		"TCP_LAST_ACK",
		"TCP_LISTEN",
		"TCP_CLOSING",
		"TCP_NEW_SYN_RECV",
	};
	CHECK_EQ(TCP_ESTABLISHED, 1);
	CHECK_EQ(TCP_CLOSING, 11);
	CHECK_EQ(TCP_NEW_SYN_RECV, 12);
	for (int s = 1; s <= TCP_NEW_SYN_RECV; s++)
		CHECK(strcmp(ut_tcp_state_name(s), want[s]) == 0);
	CHECK(ut_tcp_state_name(0) != NULL);
	CHECK(ut_tcp_state_name(-1) != NULL);
	CHECK(ut_tcp_state_name(TCP_NEW_SYN_RECV + 1) != NULL);
	CHECK(strcmp(ut_tcp_state_name(0), ut_tcp_state_name(TCP_ESTABLISHED)) != 0);
}

/* ---- emitting --------------------------------------------------------------------*/

struct recorder {
	int n;
	struct ut_trace_event last;
};

static void record(const struct ut_trace_event *ev, void *arg)
{
	struct recorder *r = arg;
	r->n++;
	r->last = *ev;
}

TEST(trace_emit_fills_name_time_and_stack_and_is_silent_without_a_handler)
{
	struct ut_sim *sim;
	struct ut_stack *a;
	struct recorder r = {0};
	struct ut_trace_event ev;

	CHECK_EQ(ut_sim_create(1, &sim), 0);
	CHECK_EQ(ut_sim_host_add(sim, "alpha", &a), 0);
	trace_event_init(&ev);
	CHECK_EQ(ev.fd, -1);
	CHECK(!trace_enabled(a));
	trace_emit(a, UT_TP_TIMER, &ev); /* no handler: nothing happens */

	ut_trace_set(a, record, &r);
	CHECK(trace_enabled(a));
	ut_sim_run_for(sim, 1500000);
	trace_event_init(&ev);
	ev.what = "delayed ACK";
	trace_emit(a, UT_TP_TIMER, &ev);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.last.type, UT_TP_TIMER);
	CHECK(strcmp(r.last.name, "usertcp:timer") == 0);
	CHECK(strcmp(r.last.stack_name, "alpha") == 0);
	CHECK_EQ(r.last.time_ns, ut_sim_now(sim));
	CHECK_EQ(r.last.time_ns, 1500000);
	CHECK_EQ(r.last.fd, -1);

	for (int t = 0; t < UT_TP_MAX; t++) {
		trace_event_init(&ev);
		trace_emit(a, (enum ut_trace_type)t, &ev);
		CHECK(strcmp(r.last.name, type_names[t]) == 0);
	}
	ut_trace_set(a, NULL, &r);
	CHECK(!trace_enabled(a));
	trace_event_init(&ev);
	trace_emit(a, UT_TP_TIMER, &ev);
	CHECK_EQ(r.n, 1 + UT_TP_MAX);
	ut_sim_destroy(sim);
}

TEST(every_tracepoint_name_is_linux_s_or_under_usertcp)
{
	for (int t = 0; t < UT_TP_MAX; t++) {
		const char *n = type_names[t];
		CHECK(n != NULL);
		CHECK(!strncmp(n, "sock:", 5) || !strncmp(n, "tcp:", 4) ||
		      !strncmp(n, "usertcp:", 8));
		for (int u = 0; u < t; u++)
			CHECK(strcmp(n, type_names[u]) != 0);
	}
}
