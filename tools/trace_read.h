/* Reading a connection back from what the tools wrote: the JSON lines of a
 * trace (usertcp demo --json, nc and httpd --trace json) or a pcap capture
 * (--pcap, tcpdump, Wireshark). Both become the same list of records, so
 * that usertcp plot draws either the same way. The files are untrusted
 * input: every length is checked before it is used, and a file that does
 * not parse is refused with the place and the reason. */
#ifndef USERTCP_TOOLS_TRACE_READ_H
#define USERTCP_TOOLS_TRACE_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An address as the trace prints it ("10.0.0.1", "fd00::1"; a v4-mapped
 * IPv6 address as its IPv4 one) and a port. */
#define TR_ADDR_LEN 48
struct tr_endpoint {
	char addr[TR_ADDR_LEN];
	uint16_t port;
};

enum tr_kind {
	TR_SEGMENT,    /* a segment: usertcp:segment_send/_recv, or a captured frame */
	TR_RETRANSMIT, /* tcp:tcp_retransmit_skb */
	TR_MARK_LOST,  /* usertcp:mark_lost */
	TR_RTT,	       /* usertcp:rtt_sample */
	TR_SENDER,     /* another event with the sender's state (tcp:tcp_probe, ...) */
};

/* Where a segment was seen: sent by the host whose trace it is, received
 * by it, or on the wire (a capture). */
enum tr_seen { TR_SEEN_SENT, TR_SEEN_RECV, TR_SEEN_WIRE };

#define TR_MAX_SACKS 4

struct tr_record {
	double t; /* seconds */
	enum tr_kind kind;
	enum tr_seen seen;
	uint16_t stack; /* index in tr_trace.stacks (0 for a capture) */
	/* segments: source and destination; the others: the socket's local
	 * and remote ends (so src is the sender whose state it is) */
	struct tr_endpoint src, dst;
	uint32_t seq, end_seq, ack, window, len;
	uint8_t flags; /* TCP header bits: FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 */
	uint8_t num_sacks;
	int8_t wscale; /* a SYN's window scale option, -1 without one */
	uint32_t sacks[TR_MAX_SACKS][2];
	/* sender state (not in a capture): has_state says it is there */
	bool has_state;
	uint32_t snd_una, snd_nxt, cwnd, ssthresh, srtt_us, rto_ms, rtt_us;
};

#define TR_FLAG_FIN 0x01
#define TR_FLAG_SYN 0x02
#define TR_FLAG_RST 0x04
#define TR_FLAG_ACK 0x10

#define TR_MAX_STACKS 64
#define TR_STACK_NAME_LEN 32

struct tr_trace {
	struct tr_record *rec;
	size_t n, cap;
	bool from_pcap;
	char stacks[TR_MAX_STACKS][TR_STACK_NAME_LEN];
	unsigned num_stacks;
	size_t lines, skipped; /* JSON: lines read, lines that were no event */
};

/* One connection: its two ends, a the one whose SYN came first (or the
 * first sender seen when the handshake is not in the file). */
struct tr_conn {
	struct tr_endpoint a, b;
	size_t segments;
	uint64_t bytes_ab, bytes_ba; /* payload bytes seen, retransmissions included */
	double first, last;
};

void tr_init(struct tr_trace *tr);
void tr_free(struct tr_trace *tr);

/* Reads a whole file: a pcap when it starts with one of pcap's magic
 * numbers (either byte order, microsecond or nanosecond stamps), JSON
 * lines otherwise. 0 on success; -1 with the reason in err. */
int tr_read_file(const char *path, struct tr_trace *tr, char *err, size_t errlen);
/* The same from memory (the fuzz target's entry). */
int tr_read_buf(const uint8_t *buf, size_t len, struct tr_trace *tr, char *err, size_t errlen);
/* One line of JSON (no newline needed); lines that are no JSON object
 * (a tool's own messages) are counted in skipped and are no error. */
int tr_read_json_line(struct tr_trace *tr, const char *line, size_t len, char *err, size_t errlen);

/* The connections in the order they first appear, in *out (the caller
 * frees it). Returns how many, or -1 when out of memory. */
int tr_connections(const struct tr_trace *tr, struct tr_conn **out);

bool tr_endpoint_eq(const struct tr_endpoint *x, const struct tr_endpoint *y);

#endif
