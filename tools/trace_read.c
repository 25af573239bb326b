/* The trace and capture readers behind usertcp plot (trace_read.h).
 *
 * JSON lines: each line the trace printer wrote is one flat object (see
 * ut_trace_format_json in src/core/trace.c); the reader takes the keys a
 * plot needs and ignores the rest, so that traces with more keys still
 * read. Lines that do not start with '{' are a tool's own words ("result:
 * ok", notes on standard error mixed in) and are skipped.
 *
 * pcap: the file header (24 bytes: magic, version, zone, sigfigs,
 * snaplen, link type), then per packet a 16-byte record header (seconds,
 * micro- or nanoseconds, captured and original length) and the captured
 * bytes. The magic says the byte order and the stamps' unit. */
#include "trace_read.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A record or a file bigger than this is refused: no capture this tool
 * is for comes near, and it bounds what a hostile file makes us allocate. */
#define TR_MAX_FILE (1ULL << 31)
#define PCAP_MAX_RECORD (1u << 20)

static void tr_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void tr_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void tr_init(struct tr_trace *tr)
{
	memset(tr, 0, sizeof(*tr));
}

void tr_free(struct tr_trace *tr)
{
	free(tr->rec);
	tr_init(tr);
}

static struct tr_record *tr_push(struct tr_trace *tr)
{
	if (tr->n == tr->cap) {
		size_t cap = tr->cap ? tr->cap * 2 : 1024;
		struct tr_record *r = realloc(tr->rec, cap * sizeof(*r));
		if (!r)
			return NULL;
		tr->rec = r;
		tr->cap = cap;
	}
	memset(&tr->rec[tr->n], 0, sizeof(tr->rec[0]));
	tr->rec[tr->n].wscale = -1;
	return &tr->rec[tr->n++];
}

bool tr_endpoint_eq(const struct tr_endpoint *x, const struct tr_endpoint *y)
{
	return x->port == y->port && !strcmp(x->addr, y->addr);
}

/* "::ffff:10.0.0.1" is the IPv4 address 10.0.0.1 to a reader: an AF_INET6
 * socket's events show the mapped form, its segments the IPv4 one. */
static void tr_set_addr(struct tr_endpoint *e, const char *s, size_t n)
{
	if (n > 7 && !strncmp(s, "::ffff:", 7) && memchr(s + 7, '.', n - 7)) {
		s += 7;
		n -= 7;
	}
	if (n >= sizeof(e->addr))
		n = sizeof(e->addr) - 1;
	memcpy(e->addr, s, n);
	e->addr[n] = '\0';
}

/* ---- JSON lines -------------------------------------------------------------------*/

struct jp {
	const char *p, *end;
};

static void jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

static bool jp_lit(struct jp *j, char c)
{
	jp_ws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return true;
	}
	return false;
}

/* A string's raw bytes between its quotes (escapes left as they are:
 * none of the values read here has any). */
static bool jp_string(struct jp *j, const char **s, size_t *n)
{
	if (!jp_lit(j, '"'))
		return false;
	*s = j->p;
	while (j->p < j->end && *j->p != '"') {
		if ((unsigned char)*j->p < 0x20)
			return false;
		if (*j->p == '\\') {
			j->p++;
			if (j->p == j->end)
				return false;
		}
		j->p++;
	}
	if (j->p == j->end)
		return false;
	*n = (size_t)(j->p - *s);
	j->p++;
	return true;
}

static bool jp_number(struct jp *j, double *v)
{
	char buf[40];
	size_t n = 0;
	char *endp;

	jp_ws(j);
	while (j->p + n < j->end && n < sizeof(buf) - 1 && strchr("0123456789+-.eE", j->p[n]) &&
	       j->p[n])
		n++;
	if (!n)
		return false;
	memcpy(buf, j->p, n);
	buf[n] = '\0';
	*v = strtod(buf, &endp);
	if (endp != buf + n)
		return false;
	j->p += n;
	return true;
}

/* Skips any value (nested arrays and objects up to a small depth). */
static bool jp_skip(struct jp *j, int depth)
{
	const char *s;
	size_t n;
	double v;

	if (depth > 8)
		return false;
	jp_ws(j);
	if (j->p == j->end)
		return false;
	switch (*j->p) {
	case '"':
		return jp_string(j, &s, &n);
	case '[':
	case '{': {
		char close = *j->p == '[' ? ']' : '}';
		bool obj = *j->p == '{';
		j->p++;
		if (jp_lit(j, close))
			return true;
		do {
			if (obj && (!jp_string(j, &s, &n) || !jp_lit(j, ':')))
				return false;
			if (!jp_skip(j, depth + 1))
				return false;
		} while (jp_lit(j, ','));
		return jp_lit(j, close);
	}
	case 't':
	case 'f':
	case 'n': {
		static const char *const words[] = {"true", "false", "null"};
		for (size_t i = 0; i < 3; i++) {
			size_t l = strlen(words[i]);
			if ((size_t)(j->end - j->p) >= l && !memcmp(j->p, words[i], l)) {
				j->p += l;
				return true;
			}
		}
		return false;
	}
	default:
		return jp_number(j, &v);
	}
}

static bool to_u32(double v, uint32_t *out)
{
	if (!(v >= 0 && v <= 4294967295.0))
		return false;
	*out = (uint32_t)v;
	return true;
}

/* "sack":[[start,end],...] */
static bool jp_sacks(struct jp *j, struct tr_record *r)
{
	if (!jp_lit(j, '['))
		return false;
	if (jp_lit(j, ']'))
		return true;
	do {
		double a, b;
		if (!jp_lit(j, '[') || !jp_number(j, &a) || !jp_lit(j, ',') || !jp_number(j, &b) ||
		    !jp_lit(j, ']'))
			return false;
		if (r->num_sacks < TR_MAX_SACKS) {
			if (!to_u32(a, &r->sacks[r->num_sacks][0]) ||
			    !to_u32(b, &r->sacks[r->num_sacks][1]))
				return false;
			r->num_sacks++;
		}
	} while (jp_lit(j, ','));
	return jp_lit(j, ']');
}

/* tcpdump's flag letters, as the trace prints them. */
static uint8_t flags_from_letters(const char *s, size_t n)
{
	uint8_t f = 0;

	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case 'F':
			f |= 0x01;
			break;
		case 'S':
			f |= 0x02;
			break;
		case 'R':
			f |= 0x04;
			break;
		case 'P':
			f |= 0x08;
			break;
		case '.':
			f |= 0x10;
			break;
		case 'U':
			f |= 0x20;
			break;
		case 'E':
			f |= 0x40;
			break;
		case 'W':
			f |= 0x80;
			break;
		default:
			break;
		}
	}
	return f;
}

static int tr_stack_index(struct tr_trace *tr, const char *s, size_t n)
{
	if (n >= TR_STACK_NAME_LEN)
		n = TR_STACK_NAME_LEN - 1;
	for (unsigned i = 0; i < tr->num_stacks; i++)
		if (strlen(tr->stacks[i]) == n && !memcmp(tr->stacks[i], s, n))
			return (int)i;
	if (tr->num_stacks == TR_MAX_STACKS)
		return -1;
	memcpy(tr->stacks[tr->num_stacks], s, n);
	tr->stacks[tr->num_stacks][n] = '\0';
	return (int)tr->num_stacks++;
}

/* The events a plot uses, by their tracepoint names. */
static bool event_kind(const char *s, size_t n, enum tr_kind *kind, enum tr_seen *seen)
{
	static const struct {
		const char *name;
		enum tr_kind kind;
		enum tr_seen seen;
	} names[] = {
		{"usertcp:segment_send", TR_SEGMENT, TR_SEEN_SENT},
		{"usertcp:segment_recv", TR_SEGMENT, TR_SEEN_RECV},
		{"tcp:tcp_retransmit_skb", TR_RETRANSMIT, TR_SEEN_SENT},
		{"usertcp:mark_lost", TR_MARK_LOST, TR_SEEN_SENT},
		{"usertcp:rtt_sample", TR_RTT, TR_SEEN_SENT},
		{"tcp:tcp_probe", TR_SENDER, TR_SEEN_SENT},
		{"tcp:tcp_cong_state_set", TR_SENDER, TR_SEEN_SENT},
		{"usertcp:rto_expired", TR_SENDER, TR_SEEN_SENT},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n && !memcmp(names[i].name, s, n)) {
			*kind = names[i].kind;
			*seen = names[i].seen;
			return true;
		}
	return false;
}

#define KEY(lit) (klen == sizeof(lit) - 1 && !memcmp(key, lit, klen))

/* The 32-bit fields, by the JSON printer's keys. */
static void tr_set_u32(struct tr_record *r, const char *key, size_t klen, uint32_t u)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
		{"seq", offsetof(struct tr_record, seq)},
		{"end_seq", offsetof(struct tr_record, end_seq)},
		{"ack_seq", offsetof(struct tr_record, ack)},
		{"window", offsetof(struct tr_record, window)},
		{"len", offsetof(struct tr_record, len)},
		{"snd_una", offsetof(struct tr_record, snd_una)},
		{"snd_nxt", offsetof(struct tr_record, snd_nxt)},
		{"cwnd", offsetof(struct tr_record, cwnd)},
		{"ssthresh", offsetof(struct tr_record, ssthresh)},
		{"srtt_us", offsetof(struct tr_record, srtt_us)},
		{"rto_ms", offsetof(struct tr_record, rto_ms)},
		{"rtt_us", offsetof(struct tr_record, rtt_us)},
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strlen(fields[i].key) != klen || memcmp(fields[i].key, key, klen))
			continue;
		memcpy((char *)r + fields[i].off, &u, sizeof(u));
		/* the sender events all carry snd_una */
		if (!strcmp(fields[i].key, "snd_una"))
			r->has_state = true;
		return;
	}
}

int tr_read_json_line(struct tr_trace *tr, const char *line, size_t len, char *err, size_t errlen)
{
	struct jp j = {line, line + len};
	struct tr_record r;
	bool have_t = false, have_event = false, used = false;
	int stack = -2; /* -2: no "stack" key */

	tr->lines++;
	jp_ws(&j);
	if (j.p == j.end || *j.p != '{') {
		tr->skipped++;
		return 0;
	}
	memset(&r, 0, sizeof(r));
	r.wscale = -1;
	j.p++;
	if (jp_lit(&j, '}'))
		goto bad;
	do {
		const char *key, *s;
		size_t klen, n;
		double v;

		if (!jp_string(&j, &key, &klen) || !jp_lit(&j, ':'))
			goto bad;
		jp_ws(&j);
		if (j.p == j.end)
			goto bad;
		if (*j.p == '"') {
			if (!jp_string(&j, &s, &n))
				goto bad;
			if (KEY("event")) {
				have_event = true;
				used = event_kind(s, n, &r.kind, &r.seen);
			} else if (KEY("stack")) {
				stack = tr_stack_index(tr, s, n);
			} else if (KEY("saddr")) {
				tr_set_addr(&r.src, s, n);
			} else if (KEY("daddr")) {
				tr_set_addr(&r.dst, s, n);
			} else if (KEY("flags")) {
				r.flags = flags_from_letters(s, n);
			}
			continue;
		}
		if (KEY("sack")) {
			if (!jp_sacks(&j, &r))
				goto bad;
			continue;
		}
		if (*j.p == '[' || *j.p == '{' || *j.p == 't' || *j.p == 'f' || *j.p == 'n') {
			if (!jp_skip(&j, 0))
				goto bad;
			continue;
		}
		if (!jp_number(&j, &v))
			goto bad;
		if (KEY("t")) {
			if (!(v >= 0 && v < 1e12))
				goto bad;
			r.t = v;
			have_t = true;
			continue;
		}
		uint32_t u;
		if (!to_u32(v, &u)) {
			/* fd -1, err: numbers a plot has no use for */
			continue;
		}
		if (KEY("sport")) {
			r.src.port = (uint16_t)u;
		} else if (KEY("dport")) {
			r.dst.port = (uint16_t)u;
		} else if (KEY("wscale")) {
			r.wscale = (int8_t)(u > 14 ? 14 : u);
		} else {
			tr_set_u32(&r, key, klen, u);
		}
	} while (jp_lit(&j, ','));
	if (!jp_lit(&j, '}'))
		goto bad;
	jp_ws(&j);
	if (j.p != j.end && *j.p != '\n')
		goto bad;
	if (!have_t || !have_event) {
		tr_err(err, errlen, "an object without \"t\" and \"event\": not a usertcp trace");
		return -1;
	}
	/* Only events of a connection: both ends known. A key given twice
	 * keeps its last value, so the ports are judged as they ended. */
	if (!used || !r.src.port || !r.dst.port)
		return 0;
	if (stack == -2) /* one stack, unnamed */
		stack = tr_stack_index(tr, "", 0);
	if (stack < 0) {
		tr_err(err, errlen, "more than %d stacks in one trace", TR_MAX_STACKS);
		return -1;
	}
	r.stack = (uint16_t)stack;
	struct tr_record *slot = tr_push(tr);
	if (!slot) {
		tr_err(err, errlen, "out of memory");
		return -1;
	}
	*slot = r;
	return 0;
bad:
	tr_err(err, errlen, "not valid JSON at column %zu", (size_t)(j.p - line) + 1);
	return -1;
}

static int tr_read_json(const uint8_t *buf, size_t len, struct tr_trace *tr, char *err,
			size_t errlen)
{
	const char *p = (const char *)buf, *end = p + len;
	size_t lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		char why[160];

		lineno++;
		if (memchr(p, '\0', (size_t)(e - p))) {
			tr_err(err, errlen, "line %zu: a NUL byte: neither JSON lines nor a pcap",
			       lineno);
			return -1;
		}
		if (tr_read_json_line(tr, p, (size_t)(e - p), why, sizeof(why)) < 0) {
			tr_err(err, errlen, "line %zu: %s", lineno, why);
			return -1;
		}
		p = nl ? nl + 1 : end;
	}
	if (tr->lines == tr->skipped) {
		tr_err(err, errlen, "no JSON trace events in it (and it is no pcap)");
		return -1;
	}
	return 0;
}

/* ---- pcap ------------------------------------------------------------------------*/

#define LINKTYPE_NULL 0
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229

static uint16_t rd16be(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		     (uint32_t)p[3] << 24;
	return swap ? rd32be(p) : v;
}

/* TCP options a plot needs: SACK blocks (kind 5) and window scale (kind
 * 3, in a SYN). A malformed list ends the walk; what came before stays. */
static void pcap_tcp_options(const uint8_t *o, size_t n, struct tr_record *r)
{
	size_t i = 0;

	while (i < n) {
		uint8_t kind = o[i];
		if (kind == 0)
			return;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || o[i + 1] > n - i)
			return;
		uint8_t olen = o[i + 1];
		if (kind == 3 && olen == 3 && (r->flags & TR_FLAG_SYN))
			r->wscale = (int8_t)(o[i + 2] > 14 ? 14 : o[i + 2]);
		if (kind == 5 && olen >= 10 && (olen - 2) % 8 == 0) {
			for (size_t k = 2; k + 8 <= olen && r->num_sacks < TR_MAX_SACKS; k += 8) {
				r->sacks[r->num_sacks][0] = rd32be(o + i + k);
				r->sacks[r->num_sacks][1] = rd32be(o + i + k + 4);
				r->num_sacks++;
			}
		}
		i += olen;
	}
}

/* The TCP segment in an IP packet's payload p[0..n), ip_payload the
 * payload length the IP header claims (n when it says nothing). */
static int pcap_tcp(struct tr_trace *tr, double t, const uint8_t *p, size_t n, size_t ip_payload,
		    const struct tr_endpoint *src, const struct tr_endpoint *dst)
{
	struct tr_record *r;
	size_t doff;

	if (n < 20)
		return 0; /* cut short by the snap length: nothing to draw */
	doff = (size_t)(p[12] >> 4) * 4;
	if (doff < 20 || doff > n || doff > ip_payload)
		return 0;
	r = tr_push(tr);
	if (!r)
		return -1;
	r->t = t;
	r->kind = TR_SEGMENT;
	r->seen = TR_SEEN_WIRE;
	r->src = *src;
	r->dst = *dst;
	r->src.port = rd16be(p);
	r->dst.port = rd16be(p + 2);
	r->seq = rd32be(p + 4);
	r->ack = rd32be(p + 8);
	r->flags = p[13];
	r->window = rd16be(p + 14);
	r->len = (uint32_t)(ip_payload - doff);
	r->end_seq = r->seq + r->len + !!(r->flags & TR_FLAG_SYN) + !!(r->flags & TR_FLAG_FIN);
	pcap_tcp_options(p + 20, doff - 20, r);
	return 0;
}

static int pcap_ipv4(struct tr_trace *tr, double t, const uint8_t *p, size_t n)
{
	struct tr_endpoint src = {0}, dst = {0};
	size_t ihl, tot;

	if (n < 20 || p[0] >> 4 != 4)
		return 0;
	ihl = (size_t)(p[0] & 15) * 4;
	tot = rd16be(p + 2);
	/* A segmentation-offloaded frame may carry 0: its length is the
	 * frame's. */
	if (tot == 0)
		tot = n;
	if (ihl < 20 || tot < ihl || ihl > n || p[9] != 6)
		return 0;
	/* a fragment other than the first has no TCP header */
	if (rd16be(p + 6) & 0x1fff)
		return 0;
	if (!inet_ntop(AF_INET, p + 12, src.addr, sizeof(src.addr)) ||
	    !inet_ntop(AF_INET, p + 16, dst.addr, sizeof(dst.addr)))
		return 0;
	return pcap_tcp(tr, t, p + ihl, n - ihl, tot - ihl, &src, &dst);
}

static int pcap_ipv6(struct tr_trace *tr, double t, const uint8_t *p, size_t n)
{
	struct tr_endpoint src = {0}, dst = {0};
	size_t off = 40, plen;
	uint8_t next;

	if (n < 40 || p[0] >> 4 != 6)
		return 0;
	plen = rd16be(p + 4);
	if (plen == 0) /* a jumbogram or an offloaded frame: the frame says */
		plen = n - 40;
	next = p[6];
	/* hop-by-hop, routing and destination options headers before TCP */
	while (next == 0 || next == 43 || next == 60) {
		if (off + 8 > n)
			return 0;
		size_t hl = ((size_t)p[off + 1] + 1) * 8;
		if (off + hl > n || hl > plen)
			return 0;
		next = p[off];
		off += hl;
		plen -= hl;
	}
	if (next != 6)
		return 0;
	if (!inet_ntop(AF_INET6, p + 8, src.addr, sizeof(src.addr)) ||
	    !inet_ntop(AF_INET6, p + 24, dst.addr, sizeof(dst.addr)))
		return 0;
	return pcap_tcp(tr, t, p + off, n - off, plen, &src, &dst);
}

static int pcap_ip(struct tr_trace *tr, double t, const uint8_t *p, size_t n)
{
	if (n && p[0] >> 4 == 4)
		return pcap_ipv4(tr, t, p, n);
	if (n && p[0] >> 4 == 6)
		return pcap_ipv6(tr, t, p, n);
	return 0;
}

static int pcap_ethertype(struct tr_trace *tr, double t, uint16_t type, const uint8_t *p, size_t n)
{
	if (type == 0x0800)
		return pcap_ipv4(tr, t, p, n);
	if (type == 0x86dd)
		return pcap_ipv6(tr, t, p, n);
	return 0;
}

static int pcap_frame(struct tr_trace *tr, uint32_t linktype, double t, const uint8_t *p, size_t n)
{
	switch (linktype) {
	case LINKTYPE_ETHERNET: {
		size_t off = 14;
		uint16_t type;
		if (n < 14)
			return 0;
		type = rd16be(p + 12);
		/* 802.1Q and 802.1ad tags */
		while ((type == 0x8100 || type == 0x88a8) && off + 4 <= n) {
			type = rd16be(p + off + 2);
			off += 4;
		}
		return pcap_ethertype(tr, t, type, p + off, n - off);
	}
	case LINKTYPE_RAW:
		return pcap_ip(tr, t, p, n);
	case LINKTYPE_IPV4:
		return pcap_ipv4(tr, t, p, n);
	case LINKTYPE_IPV6:
		return pcap_ipv6(tr, t, p, n);
	case LINKTYPE_LINUX_SLL:
		if (n < 16)
			return 0;
		return pcap_ethertype(tr, t, rd16be(p + 14), p + 16, n - 16);
	case LINKTYPE_NULL:
		/* the BSD loopback header: the family in the host's order */
		if (n < 4)
			return 0;
		return pcap_ip(tr, t, p + 4, n - 4);
	default:
		return 0;
	}
}

static bool pcap_magic(const uint8_t *buf, size_t len, bool *swap, bool *nsec)
{
	static const struct {
		uint8_t b[4];
		bool swap, nsec;
	} magics[] = {
		/* as a little-endian writer leaves them, then a big-endian one */
		{{0xd4, 0xc3, 0xb2, 0xa1}, false, false},
		{{0x4d, 0x3c, 0xb2, 0xa1}, false, true},
		{{0xa1, 0xb2, 0xc3, 0xd4}, true, false},
		{{0xa1, 0xb2, 0x3c, 0x4d}, true, true},
	};
	if (len < 4)
		return false;
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (!memcmp(buf, magics[i].b, 4)) {
			*swap = magics[i].swap;
			*nsec = magics[i].nsec;
			return true;
		}
	return false;
}

static int tr_read_pcap(const uint8_t *buf, size_t len, bool swap, bool nsec, struct tr_trace *tr,
			char *err, size_t errlen)
{
	uint32_t linktype;
	size_t off = 24, count = 0;

	tr->from_pcap = true;
	if (len < 24) {
		tr_err(err, errlen, "truncated pcap: a file header of %zu bytes, not 24", len);
		return -1;
	}
	/* the link type's upper bits are FCS flags (pcap-linktype(7)) */
	linktype = rd32(buf + 20, swap) & 0x0fffffff;
	if (linktype != LINKTYPE_ETHERNET && linktype != LINKTYPE_RAW &&
	    linktype != LINKTYPE_IPV4 && linktype != LINKTYPE_IPV6 &&
	    linktype != LINKTYPE_LINUX_SLL && linktype != LINKTYPE_NULL) {
		tr_err(err, errlen,
		       "pcap link type %u is not read here (Ethernet, raw IP, Linux cooked and "
		       "BSD loopback are)",
		       linktype);
		return -1;
	}
	while (off < len) {
		uint32_t sec, frac, caplen;
		double t;

		count++;
		if (len - off < 16) {
			tr_err(err, errlen,
			       "truncated pcap: packet %zu's record header has %zu of its 16 bytes",
			       count, len - off);
			return -1;
		}
		sec = rd32(buf + off, swap);
		frac = rd32(buf + off + 4, swap);
		caplen = rd32(buf + off + 8, swap);
		off += 16;
		if (caplen > PCAP_MAX_RECORD) {
			tr_err(err, errlen, "bad pcap: packet %zu claims %u bytes", count, caplen);
			return -1;
		}
		if (caplen > len - off) {
			tr_err(err, errlen,
			       "truncated pcap: packet %zu claims %u bytes, %zu are left in the "
			       "file",
			       count, caplen, len - off);
			return -1;
		}
		t = (double)sec + (double)frac / (nsec ? 1e9 : 1e6);
		if (pcap_frame(tr, linktype, t, buf + off, caplen) < 0) {
			tr_err(err, errlen, "out of memory");
			return -1;
		}
		off += caplen;
	}
	return 0;
}

int tr_read_buf(const uint8_t *buf, size_t len, struct tr_trace *tr, char *err, size_t errlen)
{
	bool swap, nsec;

	if (pcap_magic(buf, len, &swap, &nsec))
		return tr_read_pcap(buf, len, swap, nsec, tr, err, errlen);
	/* pcapng's section header block: say so rather than "not JSON" */
	if (len >= 4 && !memcmp(buf, "\x0a\x0d\x0d\x0a", 4)) {
		tr_err(err, errlen, "a pcapng file: convert it first (editcap -F pcap IN OUT)");
		return -1;
	}
	return tr_read_json(buf, len, tr, err, errlen);
}

int tr_read_file(const char *path, struct tr_trace *tr, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	int r;

	if (!f) {
		tr_err(err, errlen, "%s", strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= TR_MAX_FILE) {
				tr_err(err, errlen, "larger than %llu bytes",
				       (unsigned long long)TR_MAX_FILE);
				free(buf);
				fclose(f);
				return -1;
			}
			cap = cap ? cap * 2 : 65536;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
				tr_err(err, errlen, "out of memory");
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		tr_err(err, errlen, "read error");
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	r = tr_read_buf(buf, len, tr, err, errlen);
	free(buf);
	return r;
}

/* ---- connections ------------------------------------------------------------------*/

static bool conn_match(const struct tr_conn *c, const struct tr_record *r, bool *ab)
{
	if (tr_endpoint_eq(&c->a, &r->src) && tr_endpoint_eq(&c->b, &r->dst)) {
		*ab = true;
		return true;
	}
	if (tr_endpoint_eq(&c->b, &r->src) && tr_endpoint_eq(&c->a, &r->dst)) {
		*ab = false;
		return true;
	}
	return false;
}

int tr_connections(const struct tr_trace *tr, struct tr_conn **out)
{
	struct tr_conn *c = NULL;
	size_t n = 0, cap = 0, last = 0;

	for (size_t i = 0; i < tr->n; i++) {
		const struct tr_record *r = &tr->rec[i];
		bool ab = true;
		size_t k;

		/* consecutive records are mostly of one connection */
		if (n && conn_match(&c[last], r, &ab)) {
			k = last;
		} else {
			for (k = 0; k < n; k++)
				if (conn_match(&c[k], r, &ab))
					break;
		}
		if (k == n) {
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				struct tr_conn *nc = realloc(c, cap * sizeof(*c));
				if (!nc) {
					free(c);
					return -1;
				}
				c = nc;
			}
			memset(&c[n], 0, sizeof(c[n]));
			/* the side that sends the SYN opened it */
			bool b_opened = r->kind == TR_SEGMENT &&
					(r->flags & (TR_FLAG_SYN | TR_FLAG_ACK)) ==
						(TR_FLAG_SYN | TR_FLAG_ACK);
			c[n].a = b_opened ? r->dst : r->src;
			c[n].b = b_opened ? r->src : r->dst;
			ab = !b_opened;
			c[n].first = r->t;
			n++;
		}
		last = k;
		if (r->t < c[k].first)
			c[k].first = r->t;
		if (r->t > c[k].last)
			c[k].last = r->t;
		if (r->kind != TR_SEGMENT || r->seen == TR_SEEN_RECV)
			continue;
		c[k].segments++;
		if (ab)
			c[k].bytes_ab += r->len;
		else
			c[k].bytes_ba += r->len;
	}
	*out = c;
	return (int)n;
}
