/* usertcp demo: the whole life of one TCP connection between two simulated
 * hosts, told step by step in the words used to explain how Linux handles
 * a connection.
 *
 *   client (10.0.0.2/24, eth0) ----- link ----- server (10.0.0.1/24, eth0)
 *
 * The server calls socket(), bind(), listen() and accept(); the client
 * socket() and connect(). Each sends --bytes of pseudo-random data to the
 * other. The client closes once it has everything (FIN_WAIT1, FIN_WAIT2),
 * the server reads end of file (recv() returns 0) and closes (LAST_ACK),
 * and the client's side stays in TIME_WAIT until it is destroyed. The
 * SHA-256 of what each side sent is compared with what the other read.
 *
 * Both hosts live in one thread on the simulator, so the application's
 * sockets are non-blocking: after every event of the simulated world the
 * demo does whatever each side can do without waiting, as an application
 * driven by poll() would, and the world moves on when neither can go
 * further. Time is the simulator's: the same seed prints the same lines
 * and writes the same capture. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plot.h"
#include "sha256.h"
#include "tool.h"
#include "trace_read.h"
#include "usertcp/socket.h"
#include "usertcp/trace.h"

#define SERVER_ADDR "10.0.0.1"
#define CLIENT_ADDR "10.0.0.2"
#define SERVER_ADDR6 "fd00::1"
#define CLIENT_ADDR6 "fd00::2"
#define SERVER_PORT 80
#define PREFIX_LEN 24
#define PREFIX_LEN6 64
#define BACKLOG 128
#define CHUNK (64 * 1024) /* bytes handed to send() / asked of recv() */
#define NSEC UINT64_C(1000000000)
#define DEFAULT_BYTES (1024 * 1024)
#define DEFAULT_DELAY_NS (10 * UINT64_C(1000000))
/* A run that has not finished after this much simulated time has failed. */
#define TIME_LIMIT_NS (3600 * NSEC)
/* From the client's close() until every socket is gone: TIME_WAIT is 60 s,
 * a FIN_WAIT2 orphan another 60 s; anything beyond is a bug. */
#define CLOSE_LIMIT_NS (300 * NSEC)
/* In the default narrative, how many events of each per-segment kind a
 * host shows in the data phase before they are only counted. */
#define SHOW_PER_KIND 3

enum out_mode { OUT_TEXT, OUT_VERBOSE, OUT_JSON, OUT_QUIET };
enum phase { PH_HANDSHAKE, PH_DATA, PH_TEARDOWN, PH_DONE };

/* One direction of data: generated from the seed, hashed as it is handed
 * to send() and as recv() returns it. */
struct stream {
	uint64_t total;
	uint64_t generated, sent, received;
	uint64_t rng;
	uint8_t *buf; /* generated, not yet taken by send() */
	size_t off, len;
	struct sha256 tx, rx;
	uint8_t tx_digest[SHA256_DIGEST_LEN], rx_digest[SHA256_DIGEST_LEN];
	bool eof; /* the reader saw recv() return 0 */
};

struct demo;

struct host {
	const char *name;
	struct demo *demo;
	struct ut_stack *stack;
	int fd;		/* the connection */
	int lfd;	/* the listener (server) */
	bool closed;	/* the application called close() */
	bool time_wait; /* the connection entered TIME_WAIT */
	uint64_t time_wait_at;
	bool gone; /* ... and has reached CLOSE for good */
	uint64_t gone_at;
	uint64_t shown[UT_TP_MAX], hidden[UT_TP_MAX];
	/* To number the segments it sends, as one explains recovery
	 * ("segment 4 marked lost"): its ISN, from its SYN, and the largest
	 * payload it sent, the MSS of a bulk transfer. */
	uint32_t isn, mss_seen;
	bool isn_known;
	/* TCP_INFO and TCP_CC_INFO just before close(), for the summary */
	struct ut_tcp_info info;
	union ut_tcp_cc_info cc;
	socklen_t cc_len;
	char cc_name[16];
	bool have_info;
};

struct demo {
	struct ut_sim *sim;
	struct ut_sim_link *link;
	struct host client, server;
	struct stream up;   /* client -> server */
	struct stream down; /* server -> client */
	enum out_mode mode;
	bool counters;	/* --counters */
	bool ecn;	/* --ecn: both hosts ask for ECN (net.ipv4.tcp_ecn=1) */
	const char *cc; /* --cc: both hosts' net.ipv4.tcp_congestion_control */
	bool ipv6;	/* --ipv6: the connection runs over IPv6 */
	enum phase phase;
	bool connected, accepted;
	bool hidden_note;
	uint64_t closed_at; /* the client's close() */
	uint8_t *rxbuf;
	/* --plot DIR: every event, read back as usertcp plot reads a trace */
	const char *plot_dir;
	struct tr_trace plot;
	bool plot_failed;
	/* --html: every event's JSON line, kept for the replay page */
	const char *html;
	char *events;
	size_t events_len, events_cap;
	bool events_oom;
	bool failed;
	char why[256];
};

static void demo_usage(FILE *f)
{
	fprintf(f,
		"Usage: usertcp demo [options]\n"
		"The life of one TCP connection between two simulated hosts, client (%s)\n"
		"and server (%s:%d), told step by step: socket(), bind(), listen(),\n"
		"connect() and the three-way handshake, accept(), data both ways through\n"
		"the write and receive queues, close() with FIN/ACK, and TIME_WAIT until\n"
		"the last socket is destroyed. The last line is 'result: ok' when both\n"
		"directions' SHA-256 match ('result: FAIL <reason>' otherwise, exit 1).\n\n"
		"Options:\n"
		"  --bytes N        bytes sent each way, with K, M or G suffix (x1024);\n"
		"                   default 1M\n"
		"  --delay MS       one-way delay in milliseconds (default 10)\n"
		"  --loss PCT       drop PCT%% of packets, each direction (default 0)\n"
		"  --rate RATE      link rate, as tc writes it: 100mbit, 1gbit, 10kbit,\n"
		"                   or bytes per second: 10mbps (default: unlimited)\n"
		"  --seed N         seed of every random choice and of the data (default 1)\n"
		"  --pcap FILE      capture the client's eth0 to FILE (tcpdump format)\n"
		"  --verbose        narrate every event (by default the data phase shows\n"
		"                   the first %d events of each per-segment kind, then\n"
		"                   counts them)\n"
		"  --json           every event as one JSON object per line\n"
		"  --html FILE      also write FILE, a page that replays the connection\n"
		"                   step by step (as usertcp view does for a trace)\n"
		"  --quiet          print only the result line\n"
		"  --counters       print both hosts' non-zero counters at the end\n"
		"  --ecn            both hosts ask for ECN (net.ipv4.tcp_ecn=1); with\n"
		"                   --loss-ecn or --ce-threshold N the link marks CE\n"
		"  --cc NAME        congestion control of both hosts: reno, cubic (the\n"
		"                   default), bbr or dctcp (which asks for ECN itself)\n"
		"  --ipv6           the connection over IPv6: client %s, server\n"
		"                   [%s]:%d, AF_INET6 sockets\n"
		"  --plot DIR       write the connection's graphs into DIR as SVG, as\n"
		"                   usertcp plot draws a trace (time-sequence, cwnd, RTT,\n"
		"                   throughput, receive window)\n"
		"Also --jitter MS, --dup PCT, --reorder PCT, --corrupt PCT, --mtu BYTES,\n"
		"--queue N, --loss-ecn and --ce-threshold N, as for usertcp ping.\n\n"
		"The time reported is the connection's life from connect() until the\n"
		"server's last ACK; the client's TIME_WAIT (60 s) follows it.\n",
		CLIENT_ADDR, SERVER_ADDR, SERVER_PORT, SHOW_PER_KIND, CLIENT_ADDR6, SERVER_ADDR6,
		SERVER_PORT);
}

static const char *errno_name(int err)
{
	switch (err) {
	case EAGAIN:
		return "EAGAIN";
	case EINPROGRESS:
		return "EINPROGRESS";
	case EALREADY:
		return "EALREADY";
	case ECONNRESET:
		return "ECONNRESET";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case ECONNABORTED:
		return "ECONNABORTED";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case EPIPE:
		return "EPIPE";
	case EADDRINUSE:
		return "EADDRINUSE";
	case EADDRNOTAVAIL:
		return "EADDRNOTAVAIL";
	case ENOTCONN:
		return "ENOTCONN";
	case EISCONN:
		return "EISCONN";
	case EHOSTUNREACH:
		return "EHOSTUNREACH";
	case ENETUNREACH:
		return "ENETUNREACH";
	case EDEADLK:
		return "EDEADLK";
	case ENOMEM:
		return "ENOMEM";
	case ENOBUFS:
		return "ENOBUFS";
	case EMFILE:
		return "EMFILE";
	case EBADF:
		return "EBADF";
	case EINVAL:
		return "EINVAL";
	case EFAULT:
		return "EFAULT";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case EAFNOSUPPORT:
		return "EAFNOSUPPORT";
	case EPROTONOSUPPORT:
		return "EPROTONOSUPPORT";
	default:
		return NULL;
	}
}

static void fail(struct demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct demo *d, const char *fmt, ...)
{
	va_list ap;

	if (d->failed)
		return; /* the first reason is the one that counts */
	d->failed = true;
	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
}

/* "server bind(): EADDRINUSE (Address already in use)" */
static void fail_errno(struct demo *d, const struct host *h, const char *call, int err)
{
	const char *name = errno_name(err);
	if (name)
		fail(d, "%s %s: %s (%s)", h->name, call, name, strerror(err));
	else
		fail(d, "%s %s: errno %d (%s)", h->name, call, err, strerror(err));
}

/* ---- narration -------------------------------------------------------------------*/

static bool narrating(const struct demo *d)
{
	return d->mode == OUT_TEXT || d->mode == OUT_VERBOSE;
}

static void heading(const struct demo *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void heading(const struct demo *d, const char *fmt, ...)
{
	va_list ap;

	if (!narrating(d))
		return;
	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

/* What the application saw, in the trace's layout: time, host, words. */
static void note(const struct demo *d, const struct host *h, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note(const struct demo *d, const struct host *h, const char *fmt, ...)
{
	va_list ap;
	uint64_t now = ut_sim_now(d->sim);

	if (!narrating(d))
		return;
	printf("%3" PRIu64 ".%06" PRIu64 " %-6s  ", now / NSEC, now % NSEC / 1000, h->name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

/* The events of which a megabyte makes thousands. */
static bool per_segment_kind(enum ut_trace_type t)
{
	switch (t) {
	case UT_TP_WRITE_QUEUE:
	case UT_TP_SEGMENT_SEND:
	case UT_TP_SEGMENT_RECV:
	case UT_TP_RECEIVE_QUEUE:
	case UT_TP_OFO_QUEUE:
	case UT_TP_OFO_QUEUE_DRAIN:
	case UT_TP_USER_READ:
	case UT_TP_WRITE_QUEUE_FREE:
	case UT_TP_TCP_PROBE:
	case UT_TP_TIMER:
	case UT_TP_RTT_SAMPLE:
		return true;
	default:
		return false;
	}
}

static const char *kind_words(enum ut_trace_type t)
{
	switch (t) {
	case UT_TP_WRITE_QUEUE:
		return "send() copies to the write queue";
	case UT_TP_SEGMENT_SEND:
		return "segments sent";
	case UT_TP_SEGMENT_RECV:
		return "segments received";
	case UT_TP_RECEIVE_QUEUE:
		return "sk_buffs added to the receive queue";
	case UT_TP_OFO_QUEUE:
		return "sk_buffs held on the out-of-order queue";
	case UT_TP_OFO_QUEUE_DRAIN:
		return "holes filled, out-of-order data moved to the receive queue";
	case UT_TP_WRITE_QUEUE_FREE:
		return "ACKs freeing the write queue";
	case UT_TP_USER_READ:
		return "recv() copies from the receive queue";
	case UT_TP_TCP_PROBE:
		return "segments reaching an established socket (tcp:tcp_probe)";
	case UT_TP_TIMER:
		return "timers";
	case UT_TP_RTT_SAMPLE:
		return "RTT samples";
	default:
		return "other events";
	}
}

/* Follows the connection's states: the narrative ends when both sides
 * have reached CLOSE, the client's after TIME_WAIT. */
static void track(struct host *h, const struct ut_trace_event *ev)
{
	if (ev->type != UT_TP_INET_SOCK_SET_STATE || !ev->dport)
		return; /* not a connection (the listener has no peer) */
	if (ev->newstate == TCP_TIME_WAIT && !h->time_wait) {
		h->time_wait = true;
		h->time_wait_at = ev->time_ns;
	}
	/* A connection that moved to a time-wait socket is gone when that
	 * socket expires, not when its full socket is released. */
	if (ev->newstate == TCP_CLOSE && (!h->time_wait || ev->oldstate == TCP_TIME_WAIT) &&
	    !h->gone) {
		h->gone = true;
		h->gone_at = ev->time_ns;
	}
}

/* Follows what the host sends, to number its segments. */
static void count_segments(struct host *h, const struct ut_trace_event *ev)
{
	if (ev->type != UT_TP_SEGMENT_SEND || !ev->dport)
		return;
	if (ev->tcp_flags & TH_SYN) {
		h->isn = ev->seq;
		h->isn_known = true;
	}
	if (ev->len > h->mss_seen)
		h->mss_seen = ev->len;
}

/* A segment marked lost, by its number in the sender's stream (1 is the
 * first data segment) rather than its sequence numbers: "segment 4
 * marked lost: sent 12.0 ms before the last delivered one (RACK)". False
 * when the host's segments cannot be numbered (the printer's line
 * stands then). */
static bool print_mark_lost(const struct host *h, const struct ut_trace_event *ev)
{
	uint64_t t = ev->time_ns;
	uint32_t off;

	if (!h->isn_known || !h->mss_seen)
		return false;
	off = ev->seq - (h->isn + 1);
	printf("%3" PRIu64 ".%06" PRIu64 " %-6s  segment %" PRIu32 " marked lost: %s (seq %" PRIu32
	       ":%" PRIu32 ")\n",
	       t / NSEC, t % NSEC / 1000, h->name, off / h->mss_seen + 1, ev->what ? ev->what : "?",
	       ev->seq, ev->end_seq);
	return true;
}

/* --plot: the event as the JSON printer writes it, read back by the
 * reader usertcp plot uses on a file, so that both draw the same. */
static void plot_record(struct demo *d, const struct ut_trace_event *ev)
{
	char line[1024], why[160];
	int n;

	if (d->plot_failed)
		return;
	n = ut_trace_format_json(ev, line, sizeof(line));
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    tr_read_json_line(&d->plot, line, (size_t)n, why, sizeof(why)) < 0) {
		d->plot_failed = true;
		fail(d, "cannot keep the events for --plot");
	}
}

/* Appends the event's JSON line to the page's trace. */
static void keep_event(struct demo *d, const struct ut_trace_event *ev)
{
	int n = ut_trace_format_json(ev, NULL, 0);

	if (n < 0 || d->events_oom)
		return;
	if (d->events_len + (size_t)n + 2 > d->events_cap) {
		size_t cap = d->events_cap ? d->events_cap * 2 : 1 << 20;
		char *b;
		while (cap < d->events_len + (size_t)n + 2)
			cap *= 2;
		b = realloc(d->events, cap);
		if (!b) {
			d->events_oom = true;
			return;
		}
		d->events = b;
		d->events_cap = cap;
	}
	ut_trace_format_json(ev, d->events + d->events_len, (size_t)n + 1);
	d->events_len += (size_t)n;
	d->events[d->events_len++] = '\n';
}

static void demo_trace(const struct ut_trace_event *ev, void *arg)
{
	struct host *h = arg;
	struct demo *d = h->demo;

	track(h, ev);
	count_segments(h, ev);
	if (d->plot_dir)
		plot_record(d, ev);
	if (d->html)
		keep_event(d, ev);
	switch (d->mode) {
	case OUT_QUIET:
		return;
	case OUT_JSON:
		ut_trace_print_json(ev, stdout);
		return;
	case OUT_VERBOSE:
		break;
	case OUT_TEXT:
		/* Handshake and teardown in full; in the data phase, the
		 * first few of each per-segment kind, SYN, FIN and RST
		 * always, and whatever is rare (retransmissions, state
		 * changes, congestion states). */
		if (d->phase == PH_DATA && per_segment_kind(ev->type) &&
		    !(ev->tcp_flags & (TH_SYN | TH_FIN | TH_RST))) {
			if (h->shown[ev->type] >= SHOW_PER_KIND) {
				h->hidden[ev->type]++;
				if (!d->hidden_note) {
					d->hidden_note = true;
					heading(d,
						"(from here on the data phase's per-segment events "
						"are counted, not shown; --verbose shows them)");
				}
				return;
			}
			h->shown[ev->type]++;
		}
		break;
	}
	if (ev->type == UT_TP_TCP_MARK_LOST && print_mark_lost(h, ev))
		return;
	ut_trace_print_text(ev, stdout);
}

static void print_hidden(const struct host *h)
{
	uint64_t total = 0;
	bool first = true;

	for (int t = 0; t < UT_TP_MAX; t++)
		total += h->hidden[t];
	if (!total)
		return;
	printf("#   %s: %" PRIu64 " events not shown:", h->name, total);
	for (int t = 0; t < UT_TP_MAX; t++) {
		if (!h->hidden[t])
			continue;
		printf("%s %" PRIu64 " %s", first ? "" : ",", h->hidden[t],
		       kind_words((enum ut_trace_type)t));
		first = false;
	}
	printf("\n");
}

/* ---- data ------------------------------------------------------------------------*/

/* splitmix64: a fast generator whose every seed gives a full-period
 * stream; here only for reproducible, incompressible test data. */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int stream_init(struct stream *st, uint64_t total, uint64_t seed, uint64_t direction)
{
	memset(st, 0, sizeof(*st));
	st->total = total;
	st->rng = seed * 0x2545f4914f6cdd1dULL + direction;
	st->buf = malloc(CHUNK);
	sha256_init(&st->tx);
	sha256_init(&st->rx);
	return st->buf ? 0 : -ENOMEM;
}

static void stream_refill(struct stream *st)
{
	uint64_t left = st->total - st->generated;
	size_t n = left < CHUNK ? (size_t)left : CHUNK;

	for (size_t i = 0; i < n; i += 8) {
		uint64_t r = splitmix64(&st->rng);
		for (size_t k = 0; k < 8 && i + k < n; k++)
			st->buf[i + k] = (uint8_t)(r >> (8 * k));
	}
	sha256_update(&st->tx, st->buf, n);
	st->generated += n;
	st->off = 0;
	st->len = n;
}

/* Hands send() what it takes, without waiting. */
static void pump_send(struct demo *d, struct host *h, struct stream *st)
{
	while (st->sent < st->total && !d->failed) {
		if (st->off == st->len)
			stream_refill(st);
		ssize_t n = ut_send(h->stack, h->fd, st->buf + st->off, st->len - st->off,
				    MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				fail_errno(d, h, "send()", errno);
			return;
		}
		st->off += (size_t)n;
		st->sent += (uint64_t)n;
	}
}

/* Takes what recv() has, without waiting. */
static void pump_recv(struct demo *d, struct host *h, struct stream *st)
{
	while (!st->eof && !d->failed) {
		ssize_t n = ut_recv(h->stack, h->fd, d->rxbuf, CHUNK, 0);
		if (n > 0) {
			sha256_update(&st->rx, d->rxbuf, (size_t)n);
			st->received += (uint64_t)n;
			if (st->received > st->total)
				fail(d,
				     "%s received %" PRIu64 " bytes, more than the %" PRIu64
				     " sent",
				     h->name, st->received, st->total);
			continue;
		}
		if (n == 0) {
			st->eof = true;
			return;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			fail_errno(d, h, "recv()", errno);
		return;
	}
}

/* ---- the two applications ---------------------------------------------------------*/

/* What the connection's congestion control ended with, read before
 * close() (TCP_INFO, TCP_CONGESTION, TCP_CC_INFO). */
static void host_snapshot(struct host *h)
{
	socklen_t len = sizeof(h->info);

	h->cc_len = sizeof(h->cc);
	h->have_info = ut_getsockopt(h->stack, h->fd, IPPROTO_TCP, TCP_INFO, &h->info, &len) == 0;
	len = sizeof(h->cc_name);
	if (ut_getsockopt(h->stack, h->fd, IPPROTO_TCP, TCP_CONGESTION, h->cc_name, &len) < 0)
		h->cc_name[0] = '\0';
	if (ut_getsockopt(h->stack, h->fd, IPPROTO_TCP, TCP_CC_INFO, &h->cc, &h->cc_len) < 0)
		h->cc_len = 0;
}

static void server_step(struct demo *d)
{
	struct host *s = &d->server;

	if (s->closed)
		return;
	if (!d->accepted) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int fd = ut_accept4(s->stack, s->lfd, (struct sockaddr *)&peer, &plen,
				    SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				fail_errno(d, s, "accept()", errno);
			return;
		}
		s->fd = fd;
		d->accepted = true;
	}
	pump_send(d, s, &d->down);
	pump_recv(d, s, &d->up);
	if (d->failed)
		return;
	if (d->up.eof) {
		if (d->up.received < d->up.total) {
			fail(d, "server: end of file after %" PRIu64 " of %" PRIu64 " bytes",
			     d->up.received, d->up.total);
			return;
		}
		if (d->down.sent < d->down.total)
			return; /* finish sending first */
		note(d, s,
		     "recv(fd %d) = 0: end of file, the client sent its FIN; "
		     "close() now",
		     s->fd);
		host_snapshot(s);
		s->closed = true;
		if (ut_close(s->stack, s->fd) < 0)
			fail_errno(d, s, "close()", errno);
		/* The listening socket goes too: the demo serves one client. */
		if (ut_close(s->stack, s->lfd) < 0)
			fail_errno(d, s, "close() of the listener", errno);
	}
}

static void client_close(struct demo *d)
{
	struct host *c = &d->client;

	d->phase = PH_TEARDOWN;
	d->closed_at = ut_sim_now(d->sim);
	if (narrating(d) && d->hidden_note) {
		heading(d, "data phase done: %" PRIu64 " bytes each way", d->up.total);
		print_hidden(&d->client);
		print_hidden(&d->server);
	}
	heading(d, "teardown: the client closes first (active close), then the server");
	note(d, c,
	     "the server has read all %" PRIu64 " bytes sent, the client all %" PRIu64
	     " received: close(fd %d)",
	     d->up.received, d->down.received, c->fd);
	host_snapshot(c);
	c->closed = true;
	if (ut_close(c->stack, c->fd) < 0)
		fail_errno(d, c, "close()", errno);
}

static void client_step(struct demo *d)
{
	struct host *c = &d->client;

	if (c->closed)
		return;
	if (!d->connected) {
		struct pollfd p = {.fd = c->fd, .events = POLLOUT};
		int err = 0;
		socklen_t len = sizeof(err);
		int n = ut_poll(c->stack, &p, 1, 0);

		if (n < 0) {
			fail_errno(d, c, "poll()", errno);
			return;
		}
		if (n == 0)
			return; /* still in SYN_SENT */
		if (ut_getsockopt(c->stack, c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
			fail_errno(d, c, "getsockopt(SO_ERROR)", errno);
			return;
		}
		if (err) {
			fail_errno(d, c, "connect()", err);
			return;
		}
		d->connected = true;
		note(d, c, "poll(): fd %d writable and SO_ERROR 0: connect() has completed", c->fd);
		d->phase = PH_DATA;
		heading(d,
			"data: %" PRIu64 " bytes each way, through the write queue, segments "
			"and the peer's receive queue",
			d->up.total);
	}
	pump_send(d, c, &d->up);
	pump_recv(d, c, &d->down);
	if (d->failed)
		return;
	if (d->down.eof && d->down.received < d->down.total) {
		fail(d, "client: end of file after %" PRIu64 " of %" PRIu64 " bytes",
		     d->down.received, d->down.total);
		return;
	}
	/* The exchange is over when each side has read all the other sent
	 * (the demo sees both applications; a real pair would agree on it
	 * in their protocol). Closing earlier is allowed, but the teardown
	 * would then be told amid the last data still in flight. */
	if (d->down.received == d->down.total && d->up.received == d->up.total)
		client_close(d);
}

/* The condition ut_sim_run_until_cond checks after every event: both
 * applications do what they can; true once everything has ended. */
static bool demo_step(void *arg)
{
	struct demo *d = arg;

	if (d->failed)
		return true;
	server_step(d);
	client_step(d);
	if (d->failed)
		return true;
	if (d->phase == PH_TEARDOWN && d->client.gone && d->server.gone) {
		d->phase = PH_DONE;
		return true;
	}
	if (d->phase == PH_TEARDOWN && ut_sim_now(d->sim) - d->closed_at > CLOSE_LIMIT_NS) {
		fail(d,
		     "sockets still alive %" PRIu64 " s after the client's close() (client %s, "
		     "server %s)",
		     CLOSE_LIMIT_NS / NSEC,
		     d->client.gone	   ? "gone"
		     : d->client.time_wait ? "in TIME_WAIT"
					   : "not closed",
		     d->server.gone ? "gone" : "not closed");
		return true;
	}
	return false;
}

/* ---- setup -----------------------------------------------------------------------*/

static bool parse_bytes(const char *s, uint64_t *out)
{
	char buf[32];
	size_t n = strlen(s);
	uint64_t v, mult = 1;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n + 1);
	switch (buf[n - 1]) {
	case 'k':
	case 'K':
		mult = 1ULL << 10;
		buf[n - 1] = 0;
		break;
	case 'm':
	case 'M':
		mult = 1ULL << 20;
		buf[n - 1] = 0;
		break;
	case 'g':
	case 'G':
		mult = 1ULL << 30;
		buf[n - 1] = 0;
		break;
	default:
		break;
	}
	if (!parse_u64(buf, &v) || v > (64ULL << 30) / mult)
		return false;
	*out = v * mult;
	return true;
}

/* Rates as tc(8) writes them: a number, an optional SI prefix (k, m, g, t:
 * powers of 1000; ki, mi, gi, ti: powers of 1024), then "bit" (bits per
 * second, also the meaning of no unit) or "bps" (bytes per second). */
static bool parse_tc_rate(const char *s, uint64_t *bits_per_sec)
{
	char *end;
	double v, mult = 1, base = 1000;
	int power = 0;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !(v > 0))
		return false;
	switch (tolower((unsigned char)*end)) {
	case 'k':
		power = 1;
		break;
	case 'm':
		power = 2;
		break;
	case 'g':
		power = 3;
		break;
	case 't':
		power = 4;
		break;
	default:
		break;
	}
	if (power) {
		end++;
		if (*end == 'i') {
			base = 1024;
			end++;
		}
		for (int i = 0; i < power; i++)
			mult *= base;
	}
	if (!strcasecmp(end, "bps"))
		mult *= 8;
	else if (*end && strcasecmp(end, "bit") != 0)
		return false;
	v *= mult;
	if (v < 1 || v > 1e15)
		return false;
	*bits_per_sec = (uint64_t)v;
	return true;
}

static int host_setup(struct demo *d, struct host *h, const char *name)
{
	h->name = name;
	h->demo = d;
	h->fd = -1;
	h->lfd = -1;
	if (ut_sim_host_add(d->sim, name, &h->stack) < 0)
		return -1;
	/* IPv6 on the link to come, its addresses usable at once: without
	 * DAD (a simulated second of waiting, RFC 4862 5.4) and without
	 * router solicitations, which no router here would answer. The
	 * defaults are what a new device takes, as in Linux. */
	if (d->ipv6 &&
	    (ut_sysctl_set(h->stack, "net.ipv6.conf.default.accept_dad", 0) < 0 ||
	     ut_sysctl_set(h->stack, "net.ipv6.conf.default.router_solicitations", 0) < 0 ||
	     ut_sysctl_set(h->stack, "net.ipv6.conf.all.disable_ipv6", 0) < 0))
		return -1;
	return d->ecn ? ut_sysctl_set(h->stack, "net.ipv4.tcp_ecn", 1) : 0;
}

static void describe_link(const struct demo *d, const struct ut_link_params *lp, uint64_t bytes,
			  uint64_t seed)
{
	char rate[32];

	if (!narrating(d))
		return;
	if (!lp->rate_bps)
		snprintf(rate, sizeof(rate), "unlimited rate");
	else if (lp->rate_bps % 1000000000 == 0)
		snprintf(rate, sizeof(rate), "%" PRIu64 " Gbit/s", lp->rate_bps / 1000000000);
	else if (lp->rate_bps % 1000000 == 0)
		snprintf(rate, sizeof(rate), "%" PRIu64 " Mbit/s", lp->rate_bps / 1000000);
	else if (lp->rate_bps % 1000 == 0)
		snprintf(rate, sizeof(rate), "%" PRIu64 " kbit/s", lp->rate_bps / 1000);
	else
		snprintf(rate, sizeof(rate), "%" PRIu64 " bit/s", lp->rate_bps);
	heading(d, "usertcp demo: one TCP connection between two simulated hosts");
	if (d->ipv6)
		heading(d,
			"  client %s ---- %g ms each way, %g%% loss, %s ---- server [%s]:%d (IPv6)",
			CLIENT_ADDR6, (double)lp->delay_ns / 1e6, lp->loss * 100.0, rate,
			SERVER_ADDR6, SERVER_PORT);
	else
		heading(d, "  client %s ---- %g ms each way, %g%% loss, %s ---- server %s:%d",
			CLIENT_ADDR, (double)lp->delay_ns / 1e6, lp->loss * 100.0, rate,
			SERVER_ADDR, SERVER_PORT);
	heading(d, "  %" PRIu64 " bytes each way, seed %" PRIu64, bytes, seed);
	heading(d, "  congestion control %s on both hosts, ECN %s", d->cc ? d->cc : "cubic",
		d->ecn				   ? "asked for (tcp_ecn=1)"
		: d->cc && !strcmp(d->cc, "dctcp") ? "asked for by dctcp"
						   : "off (tcp_ecn=2: accepted, not asked)");
}

/* The summary of each sender's congestion control: its window, its
 * recovery, its ECN feedback (TCP_INFO), and DCTCP's alpha or BBR's
 * model (TCP_CC_INFO). */
static void print_congestion(const struct demo *d)
{
	const struct host *hosts[2] = {&d->client, &d->server};

	if (!narrating(d))
		return;
	for (int i = 0; i < 2; i++) {
		const struct host *h = hosts[i];
		const struct ut_tcp_info *ti = &h->info;

		if (!h->have_info)
			continue;
		char ssthresh[32] = "";

		/* TCP_INFINITE_SSTHRESH: slow start never ended */
		if (ti->tcpi_snd_ssthresh < 0x7fffffff)
			snprintf(ssthresh, sizeof(ssthresh), " ssthresh %" PRIu32,
				 ti->tcpi_snd_ssthresh);
		printf("#   %s's %s: cwnd %" PRIu32 "%s, %" PRIu32 " segments delivered (%" PRIu32
		       " with ECE), %" PRIu32 " retransmitted, %u RTOs, min RTT %" PRIu32 " us\n",
		       h->name, h->cc_name, ti->tcpi_snd_cwnd, ssthresh, ti->tcpi_delivered,
		       ti->tcpi_delivered_ce, ti->tcpi_total_retrans, (unsigned)ti->tcpi_total_rto,
		       ti->tcpi_min_rtt);
		if (h->cc_len == sizeof(struct ut_tcp_dctcp_info) && h->cc.dctcp.dctcp_enabled)
			printf("#   %s's dctcp: alpha %" PRIu32 "/1024 (the marked fraction it "
			       "estimates)\n",
			       h->name, h->cc.dctcp.dctcp_alpha);
		else if (h->cc_len == sizeof(struct ut_tcp_bbr_info))
			printf("#   %s's bbr: bandwidth %" PRIu64 " bytes/s, min RTT %" PRIu32
			       " us\n",
			       h->name, (uint64_t)h->cc.bbr.bbr_bw_hi << 32 | h->cc.bbr.bbr_bw_lo,
			       h->cc.bbr.bbr_min_rtt);
	}
}

/* The server: socket(), bind(), listen(). */
/* The server's address as its family's socket address. */
static socklen_t server_sockaddr(const struct demo *d, struct ut_ip addr,
				 struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (d->ipv6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(SERVER_PORT);
		sin6->sin6_addr = addr.u.v6;
		return sizeof(*sin6);
	}
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(SERVER_PORT);
	sin->sin_addr = addr.u.v4;
	return sizeof(*sin);
}

static void server_listen(struct demo *d, struct ut_ip addr)
{
	struct host *s = &d->server;
	struct sockaddr_storage sa;
	socklen_t len = server_sockaddr(d, addr, &sa);

	heading(d, "server: socket(), bind(), listen()");
	s->lfd = ut_socket(s->stack, sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (s->lfd < 0) {
		fail_errno(d, s, "socket()", errno);
		return;
	}
	if (ut_bind(s->stack, s->lfd, (struct sockaddr *)&sa, len) < 0) {
		fail_errno(d, s, "bind()", errno);
		return;
	}
	if (ut_listen(s->stack, s->lfd, BACKLOG) < 0)
		fail_errno(d, s, "listen()", errno);
}

/* The client: socket(), connect(), which returns at once. */
static void client_connect(struct demo *d, struct ut_ip addr)
{
	struct host *c = &d->client;
	struct sockaddr_storage sa;
	socklen_t len = server_sockaddr(d, addr, &sa);

	heading(d, "client: socket(), connect(): the three-way handshake (SYN, SYN-ACK, ACK)");
	c->fd = ut_socket(c->stack, sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		fail_errno(d, c, "socket()", errno);
		return;
	}
	if (ut_connect(c->stack, c->fd, (struct sockaddr *)&sa, len) == 0) {
		note(d, c, "connect() = 0");
		return;
	}
	if (errno != EINPROGRESS) {
		fail_errno(d, c, "connect()", errno);
		return;
	}
	note(d, c,
	     "connect() = -1 EINPROGRESS: the socket is non-blocking, the handshake "
	     "goes on in the stack");
}

static void print_digest_line(const struct demo *d, const char *dir, const struct stream *st)
{
	char tx[2 * SHA256_DIGEST_LEN + 1], rx[2 * SHA256_DIGEST_LEN + 1];

	if (!narrating(d))
		return;
	sha256_hex(st->tx_digest, tx);
	sha256_hex(st->rx_digest, rx);
	printf("#   %s: %" PRIu64 " bytes sent, SHA-256 %.16s...; %" PRIu64
	       " received, SHA-256 %.16s...\n",
	       dir, st->sent, tx, st->received, rx);
}

static void print_counter(void *arg, const char *group, const char *name, uint64_t v)
{
	if (v)
		printf("#   %-8s %-28s %" PRIu64 "\n", group, name, v);
	(void)arg;
}

/* --counters: every non-zero counter, under Linux's SNMP names. */
static void print_all_counters(const struct demo *d)
{
	const struct host *hosts[2] = {&d->client, &d->server};

	if (!d->counters || d->mode == OUT_QUIET || !d->link)
		return;
	for (int i = 0; i < 2; i++) {
		printf("# counters of %s:\n", hosts[i]->name);
		ut_counter_foreach(hosts[i]->stack, print_counter, NULL);
	}
}

/* What each side sent, what the link did with it, and what the far
 * device could not take (its backlog holds 1000 frames, as Linux's
 * netdev_max_backlog). */
static void print_counters(const struct demo *d)
{
	const struct host *hosts[2] = {&d->client, &d->server};

	if (!narrating(d) || !d->link)
		return;
	for (int i = 0; i < 2; i++) {
		uint64_t out = 0, retrans = 0;
		struct ut_link_stats st;
		struct ut_dev_stats ds;

		ut_counter_get(hosts[i]->stack, "Tcp", "OutSegs", &out);
		ut_counter_get(hosts[i]->stack, "Tcp", "RetransSegs", &retrans);
		ut_sim_link_get_stats(d->link, i, &st);
		ut_dev_get_stats(ut_sim_link_dev(d->link, 1 - i), &ds);
		printf("#   %s -> %s: %" PRIu64 " segments (%" PRIu64 " retransmitted); the link "
		       "lost %" PRIu64 " frames, marked %" PRIu64 " CE and dropped %" PRIu64
		       " at its queue, %s's eth0 dropped %" PRIu64 " on arrival\n",
		       hosts[i]->name, hosts[1 - i]->name, out, retrans, st.lost, st.ce_marked,
		       st.queue_drops + st.mtu_drops + st.down_drops, hosts[1 - i]->name,
		       ds.rx_dropped);
	}
}

/* --plot: the graphs of the demo's one connection. */
static void demo_plot(struct demo *d)
{
	struct tr_conn *conns = NULL;
	int n = tr_connections(&d->plot, &conns);

	if (n <= 0)
		fail(d, "--plot: %s", n < 0 ? "out of memory" : "no connection in the trace");
	else if (plot_connection(&d->plot, &conns[0], d->plot_dir, "demo", NULL) < 0)
		fail(d, "--plot: cannot write the graphs into %s", d->plot_dir);
	else
		heading(d, "graphs of the connection written into %s", d->plot_dir);
	free(conns);
}

int cmd_demo(int argc, char **argv)
{
	struct impair_opts imp;
	struct demo d;
	uint64_t seed = 1, bytes = DEFAULT_BYTES, rate;
	const char *pcap = NULL;
	struct ut_ip caddr, saddr;
	unsigned plen;
	bool pcap_open = false;
	int r, exit_code = 0;

	memset(&d, 0, sizeof(d));
	d.mode = OUT_TEXT;
	impair_opts_init(&imp);
	imp.link.delay_ns = DEFAULT_DELAY_NS;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			demo_usage(stdout);
			return 0;
		} else if (!strcmp(o, "--json")) {
			d.mode = OUT_JSON;
		} else if (!strcmp(o, "--quiet")) {
			d.mode = OUT_QUIET;
		} else if (!strcmp(o, "--verbose")) {
			d.mode = OUT_VERBOSE;
		} else if (!strcmp(o, "--counters")) {
			d.counters = true;
		} else if (!strcmp(o, "--ecn")) {
			d.ecn = true;
		} else if (!strcmp(o, "--ipv6")) {
			d.ipv6 = true;
		} else if (!strcmp(o, "--html") && i + 1 < argc) {
			d.html = argv[++i];
		} else if (!strcmp(o, "--cc") && i + 1 < argc) {
			d.cc = argv[++i];
		} else if (!strcmp(o, "--plot") && i + 1 < argc) {
			d.plot_dir = argv[++i];
		} else if (!strcmp(o, "--rate")) {
			if (i + 1 >= argc || !parse_tc_rate(argv[i + 1], &rate)) {
				fprintf(stderr,
					"demo: invalid value for --rate: '%s' "
					"(e.g. 100mbit, 1gbit, 10kbit, 10mbps)\n",
					i + 1 < argc ? argv[i + 1] : "");
				return 2;
			}
			imp.link.rate_bps = rate;
			i++;
		} else if ((r = impair_opts_parse(&imp, argc, argv, &i, "demo")) != 0) {
			if (r < 0)
				return 2;
		} else if (i + 1 < argc && (!strcmp(o, "--bytes") || !strcmp(o, "--seed") ||
					    !strcmp(o, "--pcap"))) {
			const char *val = argv[++i];
			if (!strcmp(o, "--pcap")) {
				pcap = val;
			} else if (!strcmp(o, "--bytes")) {
				if (!parse_bytes(val, &bytes)) {
					fprintf(stderr,
						"demo: invalid value for --bytes: '%s' "
						"(0 to 64G, with K, M or G)\n",
						val);
					return 2;
				}
			} else if (!parse_u64(val, &seed)) {
				fprintf(stderr, "demo: invalid value for --seed: '%s'\n", val);
				return 2;
			}
		} else {
			fprintf(stderr, "demo: unknown or incomplete option '%s'\n", o);
			demo_usage(stderr);
			return 2;
		}
	}
	ut_ip_pton(d.ipv6 ? CLIENT_ADDR6 : CLIENT_ADDR, &caddr);
	ut_ip_pton(d.ipv6 ? SERVER_ADDR6 : SERVER_ADDR, &saddr);
	plen = d.ipv6 ? PREFIX_LEN6 : PREFIX_LEN;

	if (stream_init(&d.up, bytes, seed, 1) < 0 || stream_init(&d.down, bytes, seed, 2) < 0 ||
	    !(d.rxbuf = malloc(CHUNK))) {
		fail(&d, "out of memory");
		goto report;
	}
	if (ut_sim_create(seed, &d.sim) < 0 || host_setup(&d, &d.client, "client") < 0 ||
	    host_setup(&d, &d.server, "server") < 0 ||
	    ut_sim_link_add(d.sim, d.client.stack, d.server.stack, &imp.link, &d.link) < 0 ||
	    ut_addr_add(d.client.stack, ut_sim_link_dev(d.link, 0), caddr, plen) < 0 ||
	    ut_addr_add(d.server.stack, ut_sim_link_dev(d.link, 1), saddr, plen) < 0) {
		fail(&d, "cannot build the simulated network");
		goto report;
	}
	/* The default of each host, which also allows it (dctcp is
	 * restricted otherwise), as sysctl -w would. */
	if (d.cc &&
	    (ut_sysctl_set_str(d.client.stack, "net.ipv4.tcp_congestion_control", d.cc) < 0 ||
	     ut_sysctl_set_str(d.server.stack, "net.ipv4.tcp_congestion_control", d.cc) < 0)) {
		char avail[128] = "";
		ut_sysctl_get_str(d.client.stack, "net.ipv4.tcp_available_congestion_control",
				  avail, sizeof(avail));
		fprintf(stderr, "demo: unknown congestion control '%s' (available: %s)\n", d.cc,
			avail);
		exit_code = 2;
		goto cleanup;
	}
	if (pcap) {
		int err = ut_dev_pcap_open(ut_sim_link_dev(d.link, 0), pcap);
		if (err < 0) {
			fprintf(stderr, "demo: %s: %s\n", pcap, strerror(-err));
			fail(&d, "cannot write the capture %s", pcap);
			goto report;
		}
		pcap_open = true;
	}
	/* Our handler sees every event, also when it prints nothing: it
	 * follows the connection's states to know when the story ends. */
	ut_trace_set(d.client.stack, demo_trace, &d.client);
	ut_trace_set(d.server.stack, demo_trace, &d.server);

	describe_link(&d, &imp.link, bytes, seed);
	server_listen(&d, saddr);
	if (!d.failed)
		client_connect(&d, saddr);
	if (!d.failed) {
		r = ut_sim_run_until_cond(d.sim, demo_step, &d, TIME_LIMIT_NS);
		if (r < 0 && !d.failed)
			fail(&d,
			     "not finished after %" PRIu64
			     " s of simulated time (client->server %" PRIu64 " of %" PRIu64
			     " bytes, server->client %" PRIu64 " of %" PRIu64 ")",
			     TIME_LIMIT_NS / NSEC, d.up.received, d.up.total, d.down.received,
			     d.down.total);
	}
	if (!d.failed) {
		sha256_final(&d.up.tx, d.up.tx_digest);
		sha256_final(&d.up.rx, d.up.rx_digest);
		sha256_final(&d.down.tx, d.down.tx_digest);
		sha256_final(&d.down.rx, d.down.rx_digest);
		if (d.up.received != d.up.total || d.down.received != d.down.total)
			fail(&d,
			     "byte counts differ (client->server %" PRIu64 " of %" PRIu64
			     ", server->client %" PRIu64 " of %" PRIu64 ")",
			     d.up.received, d.up.total, d.down.received, d.down.total);
		else if (memcmp(d.up.tx_digest, d.up.rx_digest, SHA256_DIGEST_LEN))
			fail(&d, "SHA-256 mismatch client->server");
		else if (memcmp(d.down.tx_digest, d.down.rx_digest, SHA256_DIGEST_LEN))
			fail(&d, "SHA-256 mismatch server->client");
	}
	if (d.failed)
		print_counters(&d);
	if (!d.failed && narrating(&d)) {
		if (d.client.time_wait) {
			uint64_t tw = d.client.gone_at - d.client.time_wait_at;
			heading(&d,
				"every socket destroyed; the client's TIME_WAIT lasted %" PRIu64
				".%03" PRIu64 " s",
				tw / NSEC, tw % NSEC / 1000000);
		} else {
			heading(&d, "every socket destroyed");
		}
		print_digest_line(&d, "client -> server", &d.up);
		print_digest_line(&d, "server -> client", &d.down);
		print_counters(&d);
		print_congestion(&d);
	}

	print_all_counters(&d);
	if (d.plot_dir && !d.plot_failed)
		demo_plot(&d);
report:
	/* Whatever is still open is torn down silently with the world: the
	 * result stays the last line. */
	if (d.client.stack)
		ut_trace_set(d.client.stack, NULL, NULL);
	if (d.server.stack)
		ut_trace_set(d.server.stack, NULL, NULL);
	fflush(stdout);
	/* The page, also of a failed run: it shows where it went wrong. */
	if (d.html && d.events_len) {
		char title[256];
		size_t tl = (size_t)snprintf(title, sizeof(title), "usertcp demo");
		for (int i = 1; i < argc && tl < sizeof(title); i++)
			tl += (size_t)snprintf(title + tl, sizeof(title) - tl, " %s", argv[i]);
		if (d.events_oom)
			fprintf(stderr, "demo: out of memory keeping the events for %s\n", d.html);
		else if (view_write_html(d.events, d.events_len, title, d.html, "demo", 0))
			exit_code = 1;
	}
	if (d.failed) {
		printf("result: FAIL %s\n", d.why);
	} else {
		uint64_t ms = (d.server.gone_at + 500000) / 1000000;
		printf("result: ok  %" PRIu64 " bytes each way, SHA-256 match, %" PRIu64
		       ".%03" PRIu64 " s simulated\n",
		       bytes, ms / 1000, ms % 1000);
	}
	if (d.failed)
		exit_code = 1;
cleanup:
	if (pcap_open)
		ut_dev_pcap_close(ut_sim_link_dev(d.link, 0));
	ut_sim_destroy(d.sim);
	free(d.up.buf);
	free(d.down.buf);
	free(d.rxbuf);
	tr_free(&d.plot);
	free(d.events);
	return exit_code;
}
