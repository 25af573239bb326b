/* usertcp view: a trace (the JSON lines of `usertcp demo --json` and of
 * nc/httpd's `--trace json`) as one self-contained HTML page that replays
 * the connection: a ladder diagram of the segments, each side's queues
 * and TCP state, and the narrative's line for each moment.
 *
 * Each line is read back into a struct ut_trace_event and handed to the
 * narrative printer (ut_trace_format_text), so the page says what the
 * text trace says, word for word; the page's script only draws. The page
 * itself (tools/view/view.html, view.css, view.js) is compiled in by
 * CMake (cmake/embed.cmake writes view_assets.c), and the trace goes into
 * it as a JSON array in a <script type="application/json"> element, every
 * '<' written as \u003c so that nothing in it can end the element. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "svg.h"
#include "tool.h"
#include "usertcp/trace.h"

/* The page's sources (generated: view_assets.c). */
extern const unsigned char view_html[], view_css[], view_js[];
extern const size_t view_html_len, view_css_len, view_js_len;

/* A line longer than this is not one of ours. */
#define VIEW_LINE_MAX (64 * 1024)

static const char *const view_event_names[UT_TP_MAX] = {
#define VIEW_NAME(id, name) [id] = name,
	UT_TRACE_EVENTS(VIEW_NAME)
#undef VIEW_NAME
};

/* ---- reading one line back into an event ---------------------------------------*/

/* The TCP header's flag bits (RFC 9293 3.1, RFC 3168 for E and W), as
 * the printers' letters name them. */
static const struct {
	char letter;
	uint8_t bit;
} view_flag_bits[] = {
	{'F', 0x01}, {'S', 0x02}, {'R', 0x04}, {'P', 0x08},
	{'.', 0x10}, {'U', 0x20}, {'E', 0x40}, {'W', 0x80},
};

struct jparse {
	const char *p, *end;
	char *store; /* unescaped strings, back to back */
	size_t store_len, store_cap;
	const char *why;
};

static void skip_ws(struct jparse *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

/* A JSON string (RFC 8259 section 7) into the store; \u escapes of the
 * basic plane become UTF-8. NULL with j->why set on bad input. */
static const char *parse_string(struct jparse *j)
{
	size_t start = j->store_len;

	if (j->p >= j->end || *j->p != '"') {
		j->why = "a string was expected";
		return NULL;
	}
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p++;
		char out[3];
		size_t n = 1;

		if (c < 0x20) {
			j->why = "a control character inside a string";
			return NULL;
		}
		out[0] = (char)c;
		if (c == '\\') {
			if (j->p >= j->end)
				break;
			c = (unsigned char)*j->p++;
			switch (c) {
			case '"':
			case '\\':
			case '/':
				out[0] = (char)c;
				break;
			case 'n':
				out[0] = '\n';
				break;
			case 't':
				out[0] = '\t';
				break;
			case 'r':
				out[0] = '\r';
				break;
			case 'b':
				out[0] = '\b';
				break;
			case 'f':
				out[0] = '\f';
				break;
			case 'u': {
				unsigned v = 0;
				if (j->end - j->p < 4) {
					j->why = "a short \\u escape";
					return NULL;
				}
				for (int i = 0; i < 4; i++) {
					char h = *j->p++;
					v <<= 4;
					if (h >= '0' && h <= '9')
						v |= (unsigned)(h - '0');
					else if ((h | 0x20) >= 'a' && (h | 0x20) <= 'f')
						v |= (unsigned)((h | 0x20) - 'a' + 10);
					else {
						j->why = "a bad \\u escape";
						return NULL;
					}
				}
				if (v == 0) {
					j->why = "a NUL inside a string";
					return NULL;
				}
				if (v < 0x80) {
					out[0] = (char)v;
				} else if (v < 0x800) {
					out[0] = (char)(0xc0 | v >> 6);
					out[1] = (char)(0x80 | (v & 0x3f));
					n = 2;
				} else {
					out[0] = (char)(0xe0 | v >> 12);
					out[1] = (char)(0x80 | (v >> 6 & 0x3f));
					out[2] = (char)(0x80 | (v & 0x3f));
					n = 3;
				}
				break;
			}
			default:
				j->why = "a bad escape inside a string";
				return NULL;
			}
		}
		if (j->store_len + n + 1 > j->store_cap) {
			j->why = "a string too long";
			return NULL;
		}
		memcpy(j->store + j->store_len, out, n);
		j->store_len += n;
	}
	if (j->p >= j->end) {
		j->why = "an unterminated string";
		return NULL;
	}
	j->p++;
	j->store[j->store_len++] = '\0';
	return j->store + start;
}

/* A number: digits with an optional sign and fraction, as the JSON
 * printer writes them. Its text is kept for the caller to convert. */
static bool parse_number(struct jparse *j, const char **text, size_t *len)
{
	const char *s = j->p, *digits;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	digits = j->p;
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	if (j->p > digits && j->p < j->end && *j->p == '.') {
		digits = ++j->p;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p == digits) {
		j->why = "a value that is neither a string nor a number";
		return false;
	}
	*text = s;
	*len = (size_t)(j->p - s);
	return true;
}

static bool number_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* "12.345678901": seconds with up to nine decimals, into nanoseconds. */
static bool number_time(const char *s, size_t len, uint64_t *ns)
{
	const char *dot = memchr(s, '.', len);
	uint64_t sec, frac = 0;
	size_t flen = dot ? len - (size_t)(dot - s) - 1 : 0;

	if (!number_u64(s, dot ? (size_t)(dot - s) : len, &sec) || flen > 9 ||
	    sec > UINT64_MAX / 1000000000u - 1)
		return false;
	if (dot && flen && !number_u64(dot + 1, flen, &frac))
		return false;
	for (size_t i = flen; i < 9; i++)
		frac *= 10;
	*ns = sec * 1000000000u + frac;
	return true;
}

static int state_number(const char *name)
{
	for (int s = 1; s < 16; s++)
		if (!strcmp(ut_tcp_state_name(s), name))
			return s;
	return -1;
}

static int ca_state_number(const char *name)
{
	static const char *const names[] = {"TCP_CA_Open", "TCP_CA_Disorder", "TCP_CA_CWR",
					    "TCP_CA_Recovery", "TCP_CA_Loss"};
	for (int s = 0; s < 5; s++)
		if (!strcmp(names[s], name))
			return s;
	return -1;
}

static bool flags_bits(const char *s, uint8_t *out)
{
	*out = 0;
	if (!strcmp(s, "none"))
		return true;
	for (; *s; s++) {
		size_t i;
		for (i = 0; i < sizeof(view_flag_bits) / sizeof(view_flag_bits[0]); i++)
			if (view_flag_bits[i].letter == *s)
				break;
		if (i == sizeof(view_flag_bits) / sizeof(view_flag_bits[0]))
			return false;
		*out |= view_flag_bits[i].bit;
	}
	return true;
}

/* "sack":[[start,end],...], the blocks a segment carried (at most the
 * event's four kept; a longer list is refused, as no segment has room). */
static bool parse_sacks(struct jparse *j, struct ut_trace_event *ev)
{
	size_t n = sizeof(ev->sacks) / sizeof(ev->sacks[0]);

	j->p++; /* '[' */
	skip_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return true;
	}
	for (;;) {
		const char *a, *b;
		size_t alen, blen;
		uint64_t start, end;

		skip_ws(j);
		if (j->p >= j->end || *j->p++ != '[')
			goto bad;
		skip_ws(j);
		if (!parse_number(j, &a, &alen))
			return false;
		skip_ws(j);
		if (j->p >= j->end || *j->p++ != ',')
			goto bad;
		skip_ws(j);
		if (!parse_number(j, &b, &blen))
			return false;
		skip_ws(j);
		if (j->p >= j->end || *j->p++ != ']')
			goto bad;
		if (!number_u64(a, alen, &start) || !number_u64(b, blen, &end) ||
		    start > UINT32_MAX || end > UINT32_MAX || ev->num_sacks >= n)
			goto bad;
		ev->sacks[ev->num_sacks].start = (uint32_t)start;
		ev->sacks[ev->num_sacks].end = (uint32_t)end;
		ev->num_sacks++;
		skip_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return true;
		}
		goto bad;
	}
bad:
	j->why = "\"sack\" is not a list of at most four [start,end] pairs";
	return false;
}

/* The u32 fields, by key. */
static uint32_t *u32_field(struct ut_trace_event *ev, const char *key)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{"seq", offsetof(struct ut_trace_event, seq)},
		{"end_seq", offsetof(struct ut_trace_event, end_seq)},
		{"ack_seq", offsetof(struct ut_trace_event, ack_seq)},
		{"window", offsetof(struct ut_trace_event, window)},
		{"len", offsetof(struct ut_trace_event, len)},
		{"listen_fd", offsetof(struct ut_trace_event, len)},
		{"gso_segs", offsetof(struct ut_trace_event, gso_segs)},
		{"depth", offsetof(struct ut_trace_event, depth)},
		{"limit", offsetof(struct ut_trace_event, limit)},
		{"snd_una", offsetof(struct ut_trace_event, snd_una)},
		{"snd_nxt", offsetof(struct ut_trace_event, snd_nxt)},
		{"snd_wnd", offsetof(struct ut_trace_event, snd_wnd)},
		{"rcv_nxt", offsetof(struct ut_trace_event, rcv_nxt)},
		{"rcv_wnd", offsetof(struct ut_trace_event, rcv_wnd)},
		{"cwnd", offsetof(struct ut_trace_event, cwnd)},
		{"ssthresh", offsetof(struct ut_trace_event, ssthresh)},
		{"srtt_us", offsetof(struct ut_trace_event, srtt_us)},
		{"rto_ms", offsetof(struct ut_trace_event, rto_ms)},
		{"rtt_us", offsetof(struct ut_trace_event, rtt_us)},
		{"backoff", offsetof(struct ut_trace_event, backoff)},
		{"mark", offsetof(struct ut_trace_event, mark)},
		{"data_len", offsetof(struct ut_trace_event, data_len)},
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(keys[i].key, key))
			return (uint32_t *)(void *)((char *)ev + keys[i].off);
	return NULL;
}

/* One field of an event. Keys it does not know are left alone: a newer
 * printer's fields do not make an older page unreadable. */
static bool event_field(struct ut_trace_event *ev, const char *key, const char *str,
			const char *num, size_t num_len, const char **why)
{
	uint64_t v = 0;
	uint32_t *u;
	int s;

	*why = NULL;
	if (num && strcmp(key, "t") && strcmp(key, "fd") && strcmp(key, "err") &&
	    !number_u64(num, num_len, &v)) {
		*why = "a number that is not a non-negative integer";
		return false;
	}
	if (!strcmp(key, "t")) {
		if (!num || !number_time(num, num_len, &ev->time_ns))
			*why = "\"t\" is not a time in seconds";
	} else if (!strcmp(key, "stack")) {
		ev->stack_name = str;
	} else if (!strcmp(key, "event")) {
		if (!str) {
			*why = "\"event\" is not a string";
			return false;
		}
		ev->name = str;
		ev->type = UT_TP_MAX;
		for (int t = 0; t < UT_TP_MAX; t++)
			if (!strcmp(view_event_names[t], str))
				ev->type = (enum ut_trace_type)t;
	} else if (!strcmp(key, "fd") || !strcmp(key, "err")) {
		long l;
		char tmp[24], *endp;
		if (!num || num_len >= sizeof(tmp)) {
			*why = "a descriptor or errno that is not a number";
			return false;
		}
		memcpy(tmp, num, num_len);
		tmp[num_len] = '\0';
		errno = 0;
		l = strtol(tmp, &endp, 10);
		if (*endp || errno || l < -1000000 || l > 1000000) {
			*why = "a descriptor or errno out of range";
			return false;
		}
		if (key[0] == 'f')
			ev->fd = (int)l;
		else
			ev->err = (int)l;
	} else if (!strcmp(key, "saddr") || !strcmp(key, "daddr")) {
		struct ut_ip *a = key[0] == 's' ? &ev->saddr : &ev->daddr;
		if (!str || ut_ip_pton(str, a) < 0)
			*why = "an address that is not an IPv4 or IPv6 address";
	} else if (!strcmp(key, "sport") || !strcmp(key, "dport")) {
		if (!num || v > 65535)
			*why = "a port out of range";
		else if (key[0] == 's')
			ev->sport = (uint16_t)v;
		else
			ev->dport = (uint16_t)v;
	} else if (!strcmp(key, "oldstate") || !strcmp(key, "newstate") || !strcmp(key, "state")) {
		if (!str || (s = state_number(str)) < 0)
			*why = "a TCP state Linux does not name";
		else if (key[0] == 'o')
			ev->oldstate = s;
		else
			ev->newstate = s;
	} else if (!strcmp(key, "old_ca_state") || !strcmp(key, "ca_state")) {
		if (!str || (s = ca_state_number(str)) < 0)
			*why = "a congestion state Linux does not name";
		else if (key[0] == 'o')
			ev->oldstate = s;
		else
			ev->newstate = s;
	} else if (!strcmp(key, "flags")) {
		if (!str || !flags_bits(str, &ev->tcp_flags))
			*why = "flags other than tcpdump's letters";
	} else if (!strcmp(key, "family")) {
		if (!str)
			*why = "a family that is not a string";
		else if (!strcmp(str, "AF_INET6"))
			ev->family = AF_INET6;
		else if (!strcmp(str, "AF_INET"))
			ev->family = AF_INET;
	} else if (!strcmp(key, "sock_cookie")) {
		ev->sock_cookie = v;
	} else if (!strcmp(key, "wscale")) {
		/* RFC 7323 section 2.3: a shift of at most 14 */
		if (!num || v > 14) {
			*why = "a window scale out of range";
		} else {
			ev->wscale = (uint8_t)v;
			ev->wscale_ok = 1;
		}
	} else if (!strcmp(key, "what")) {
		ev->what = str;
	} else if ((u = u32_field(ev, key)) != NULL) {
		if (!num || v > UINT32_MAX)
			*why = "a 32-bit field out of range";
		else
			*u = (uint32_t)v;
	}
	return *why == NULL;
}

/* One trace line, a flat JSON object, into ev; strings live in store.
 * NULL, or why the line is not an event. */
static const char *parse_event(const char *line, size_t len, struct ut_trace_event *ev, char *store,
			       size_t store_cap)
{
	struct jparse j = {line, line + len, store, 0, store_cap, NULL};
	bool have_t = false, have_event = false;
	const char *why;

	memset(ev, 0, sizeof(*ev));
	ev->fd = -1;
	skip_ws(&j);
	if (j.p >= j.end || *j.p++ != '{')
		return "not a JSON object";
	skip_ws(&j);
	if (j.p < j.end && *j.p == '}')
		return "an empty object";
	for (;;) {
		const char *key, *str = NULL, *num = NULL;
		size_t num_len = 0;

		skip_ws(&j);
		if (!(key = parse_string(&j)))
			return j.why;
		skip_ws(&j);
		if (j.p >= j.end || *j.p++ != ':')
			return "a key without a value";
		skip_ws(&j);
		if (j.p < j.end && *j.p == '"') {
			if (!(str = parse_string(&j)))
				return j.why;
		} else if (j.p < j.end && *j.p == '[' && !strcmp(key, "sack")) {
			if (!parse_sacks(&j, ev))
				return j.why;
			goto next;
		} else if (j.p < j.end && (*j.p == '{' || *j.p == '[')) {
			return "a nested value, which no trace field but \"sack\" has";
		} else if (!parse_number(&j, &num, &num_len)) {
			return j.why;
		}
		if (!event_field(ev, key, str, num, num_len, &why))
			return why;
		have_t |= !strcmp(key, "t");
		have_event |= !strcmp(key, "event");
next:
		skip_ws(&j);
		if (j.p < j.end && *j.p == ',') {
			j.p++;
			continue;
		}
		if (j.p < j.end && *j.p == '}') {
			j.p++;
			break;
		}
		return "a missing ',' or '}'";
	}
	skip_ws(&j);
	if (j.p != j.end)
		return "text after the object";
	if (!have_t || !have_event)
		return "an object without \"t\" and \"event\": not a trace event";
	/* socket()'s family is said by its addresses in the narrative */
	if (ev->type == UT_TP_SOCKET_CREATE && ev->family)
		ev->saddr.family = ev->family;
	return NULL;
}

/* ---- writing the page ----------------------------------------------------------*/

/* JSON text with every '<' as \u003c: the validated line holds '<' only
 * inside strings, where the escape means the same. */
static void put_json_safe(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '<')
			fputs("\\u003c", f);
		else
			fputc(s[i], f);
	}
}

/* A JSON string of any text, '<' escaped as above. */
static void put_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == '<' || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Copies the template up to a marker, then past it; false if the marker
 * is missing (a broken build). */
static bool put_until(FILE *f, const char **p, const char *end, const char *marker)
{
	size_t mlen = strlen(marker);
	const char *m = *p;

	while (m + mlen <= end && memcmp(m, marker, mlen))
		m++;
	if (m + mlen > end)
		return false;
	fwrite(*p, 1, (size_t)(m - *p), f);
	*p = m + mlen;
	return true;
}

/* Reading the trace line by line: the demo's own lines around the events
 * (blank, "# ...", "result: ...") are passed over. */
struct reader {
	const char *p, *end, *title, *prog;
	unsigned long lineno;
	char *store;
	const char *line; /* the event's line and its length */
	size_t len;
};

/* 1: an event in ev (and r->line), 0: the end, -1: a bad line (said). */
static int next_event(struct reader *r, struct ut_trace_event *ev)
{
	while (r->p < r->end) {
		const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
		const char *line = r->p, *why;
		size_t l = nl ? (size_t)(nl - line) : (size_t)(r->end - line);

		r->p = nl ? nl + 1 : r->end;
		r->lineno++;
		if (l && line[l - 1] == '\r')
			l--;
		if (!l || line[0] == '#' || (l >= 7 && !memcmp(line, "result:", 7)))
			continue;
		if (l >= VIEW_LINE_MAX) {
			fprintf(stderr, "%s: %s:%lu: a line of %zu bytes is no trace event\n",
				r->prog, r->title, r->lineno, l);
			return -1;
		}
		why = parse_event(line, l, ev, r->store, VIEW_LINE_MAX);
		if (why) {
			fprintf(stderr, "%s: %s:%lu: not a trace event: %s\n", r->prog, r->title,
				r->lineno, why);
			return -1;
		}
		r->line = line;
		r->len = l;
		return 1;
	}
	return 0;
}

/* A connection: its two ends, the lower first, so that the events of
 * both hosts (each naming itself first) agree. */
struct view_conn {
	char a[UT_IP_STRLEN], b[UT_IP_STRLEN];
	uint16_t pa, pb;
};

static void unmap_v4(char *a)
{
	if (!strncmp(a, "::ffff:", 7) && strchr(a + 7, '.'))
		memmove(a, a + 7, strlen(a + 7) + 1);
}

/* The connection an event is about; false for one with no peer yet (a
 * listener, socket(), an unbound connect). */
static bool event_conn(const struct ut_trace_event *ev, struct view_conn *c)
{
	char s[UT_IP_STRLEN] = "", d[UT_IP_STRLEN] = "";
	bool swap;

	if (!ev->sport || !ev->dport)
		return false;
	ut_ip_ntop(ev->saddr, s, sizeof(s));
	ut_ip_ntop(ev->daddr, d, sizeof(d));
	/* a dual-stack socket names its IPv4 peer v4-mapped, its segments
	 * plainly: one connection */
	unmap_v4(s);
	unmap_v4(d);
	swap = strcmp(s, d) > 0 || (!strcmp(s, d) && ev->sport > ev->dport);
	memcpy(c->a, swap ? d : s, sizeof(c->a));
	memcpy(c->b, swap ? s : d, sizeof(c->b));
	c->pa = swap ? ev->dport : ev->sport;
	c->pb = swap ? ev->sport : ev->dport;
	return true;
}

static bool conn_equal(const struct view_conn *x, const struct view_conn *y)
{
	return x->pa == y->pa && x->pb == y->pb && !strcmp(x->a, y->a) && !strcmp(x->b, y->b);
}

/* A port the connection has, or none (0). */
static bool port_of(uint16_t port, const struct view_conn *c)
{
	return !port || port == c->pa || port == c->pb;
}

/* The trace's connections in order of appearance, and the events each
 * has: -1 after saying why the trace is bad. */
static int list_conns(struct reader r, struct view_conn **conns, unsigned long **counts, size_t *n)
{
	struct ut_trace_event ev;
	struct view_conn c;
	size_t cap = 0;
	int got;

	*conns = NULL;
	*counts = NULL;
	*n = 0;
	while ((got = next_event(&r, &ev)) > 0) {
		size_t i;
		if (!event_conn(&ev, &c))
			continue;
		for (i = 0; i < *n && !conn_equal(&(*conns)[i], &c); i++)
			;
		if (i == *n) {
			if (*n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct view_conn *nc = realloc(*conns, ncap * sizeof(**conns));
				unsigned long *nn = nc ? realloc(*counts, ncap * sizeof(**counts))
						       : NULL;
				if (nc)
					*conns = nc;
				if (!nn) {
					fprintf(stderr, "%s: out of memory\n", r.prog);
					return -1;
				}
				*counts = nn;
				cap = ncap;
			}
			(*conns)[i] = c;
			(*counts)[i] = 0;
			(*n)++;
		}
		(*counts)[i]++;
	}
	return got;
}

int view_write_html(const char *trace, size_t len, const char *title, const char *out_path,
		    const char *prog, unsigned conn)
{
	const char *p = (const char *)view_html, *end = p + view_html_len;
	char *store = malloc(VIEW_LINE_MAX), *text = malloc(VIEW_LINE_MAX);
	struct reader r = {trace, trace + len, title, prog, 0, store, NULL, 0};
	struct view_conn *conns = NULL, pick = {"", "", 0, 0};
	unsigned long *counts = NULL, events = 0;
	struct ut_trace_event ev;
	size_t nconns = 0;
	bool regular = false;
	FILE *f = NULL;
	int rc = 1, got;

	if (!store || !text) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out;
	}
	if (list_conns(r, &conns, &counts, &nconns) < 0)
		goto out;
	if (conn > nconns) {
		fprintf(stderr, "%s: %s holds %zu connection%s, no connection %u\n", prog, title,
			nconns, nconns == 1 ? "" : "s", conn);
		goto out;
	}
	/* several and none picked: all of them, and the list to pick from */
	if (nconns > 1 && !conn) {
		fprintf(stderr,
			"%s: %s holds %zu connections, all of them on the page; --conn N "
			"shows one:\n",
			prog, title, nconns);
		for (size_t i = 0; i < nconns; i++)
			fprintf(stderr, "  %3zu  %s:%u <-> %s:%u  %lu events\n", i + 1, conns[i].a,
				conns[i].pa, conns[i].b, conns[i].pb, counts[i]);
	}
	if (conn)
		pick = conns[conn - 1];
	if (!strcmp(out_path, "-")) {
		f = stdout;
	} else {
		struct stat sb;
		f = fopen(out_path, "w");
		if (!f) {
			fprintf(stderr, "%s: %s: %s\n", prog, out_path, strerror(errno));
			goto out;
		}
		/* a half-written page is removed; a device or pipe is not */
		regular = fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode);
	}
	if (!put_until(f, &p, end, "@TITLE@"))
		goto broken;
	svg_escape(f, title); /* the tools' one markup escape (tools/svg.c) */
	if (!put_until(f, &p, end, "/*@CSS@*/"))
		goto broken;
	fwrite(view_css, 1, view_css_len, f);
	if (!put_until(f, &p, end, "@DATA@"))
		goto broken;
	fputs("{\"title\":", f);
	put_json_string(f, title);
	fputs(",\"events\":[", f);
	while ((got = next_event(&r, &ev)) > 0) {
		const char *close;
		struct view_conn c;

		/* another connection's events stay out; of those naming one
		 * port or none, the ones on its ports (its listener, its
		 * connect() before it had a port) and socket()'s stay in */
		if (conn &&
		    (event_conn(&ev, &c) ? !conn_equal(&c, &pick)
					 : !port_of(ev.sport, &pick) || !port_of(ev.dport, &pick)))
			continue;
		ut_trace_format_text(&ev, text, VIEW_LINE_MAX);
		/* the line as it was, with the narrative's words added */
		close = r.line + r.len;
		while (close > r.line && close[-1] != '}')
			close--;
		fputs(events ? ",\n" : "\n", f);
		put_json_safe(f, r.line, (size_t)(close - 1 - r.line));
		fputs(",\"text\":", f);
		put_json_string(f, text);
		fputc('}', f);
		events++;
	}
	if (got < 0)
		goto out;
	if (!events) {
		fprintf(stderr,
			"%s: %s: no trace events (want the JSON lines of "
			"'usertcp demo --json' or '--trace json')\n",
			prog, title);
		goto out;
	}
	fputs("]}", f);
	if (!put_until(f, &p, end, "/*@JS@*/"))
		goto broken;
	fwrite(view_js, 1, view_js_len, f);
	fwrite(p, 1, (size_t)(end - p), f);
	if (ferror(f)) {
		fprintf(stderr, "%s: %s: write error\n", prog, out_path);
		goto out;
	}
	rc = (f == stdout ? fflush(f) : fclose(f)) ? 1 : 0;
	f = NULL;
	if (rc)
		fprintf(stderr, "%s: %s: %s\n", prog, out_path, strerror(errno));
	goto out;
broken:
	fprintf(stderr, "%s: the page's template lacks a marker (a broken build)\n", prog);
out:
	if (f && f != stdout) {
		fclose(f);
		if (regular)
			remove(out_path);
	}
	free(conns);
	free(counts);
	free(store);
	free(text);
	return rc;
}

/* ---- the command -----------------------------------------------------------------*/

static void view_usage(FILE *f)
{
	fprintf(f, "Usage: usertcp view TRACE [--conn N] -o FILE.html\n"
		   "Writes one self-contained HTML page (no network, no external scripts or\n"
		   "fonts) that replays the connection in TRACE: a ladder diagram of every\n"
		   "segment (lost and retransmitted ones marked), each side's SYN, accept,\n"
		   "write, receive and out-of-order queues, the TCP state diagram with each\n"
		   "side's state lit, and the narrative's line for each moment. Step with\n"
		   "the arrow keys or the buttons, scrub, or play; click a segment for its\n"
		   "headers and what it caused. The page opens at #step=N or\n"
		   "#moment=syn_sent|accept|first_loss|time_wait when its address says so.\n\n"
		   "TRACE is the JSON lines of 'usertcp demo --json' or of nc/httpd's\n"
		   "'--trace json' ('-' reads standard input; '-o -' writes to standard\n"
		   "output). A trace of several connections shows them all and lists them\n"
		   "on standard error; --conn N keeps the Nth alone (with its listener's\n"
		   "events, and socket()'s).\n");
}

static int read_all(FILE *in, char **buf, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);

	if (!b)
		return -1;
	for (;;) {
		size_t got;
		if (n == cap) {
			char *nb = cap > SIZE_MAX / 2 ? NULL : realloc(b, cap * 2);
			if (!nb) {
				free(b);
				return -1;
			}
			b = nb;
			cap *= 2;
		}
		got = fread(b + n, 1, cap - n, in);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(in)) {
		free(b);
		return -1;
	}
	*buf = b;
	*len = n;
	return 0;
}

int cmd_view(int argc, char **argv)
{
	const char *trace = NULL, *out = NULL;
	unsigned conn = 0;
	FILE *in;
	char *buf;
	size_t len;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			view_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--conn") && i + 1 < argc) {
			char *e;
			unsigned long v;
			errno = 0;
			v = strtoul(argv[++i], &e, 10);
			if (*e || errno || !v || v > 1000000 || argv[i][0] == '-') {
				fprintf(stderr,
					"view: invalid value for --conn: '%s' (1, 2, ...)\n",
					argv[i]);
				return 2;
			}
			conn = (unsigned)v;
		} else if (argv[i][0] != '-' || !strcmp(argv[i], "-")) {
			if (trace) {
				fprintf(stderr, "view: one trace at a time ('%s' and '%s')\n",
					trace, argv[i]);
				return 2;
			}
			trace = argv[i];
		} else {
			fprintf(stderr, "view: unknown or incomplete option '%s'\n", argv[i]);
			view_usage(stderr);
			return 2;
		}
	}
	if (!trace || !out) {
		view_usage(stderr);
		return 2;
	}
	in = strcmp(trace, "-") ? fopen(trace, "r") : stdin;
	if (!in) {
		fprintf(stderr, "view: %s: %s\n", trace, strerror(errno));
		return 1;
	}
	if (read_all(in, &buf, &len) < 0) {
		fprintf(stderr, "view: %s: cannot read it\n", trace);
		if (in != stdin)
			fclose(in);
		return 1;
	}
	if (in != stdin)
		fclose(in);
	rc = view_write_html(buf, len, trace, out, "view", conn);
	free(buf);
	return rc;
}
