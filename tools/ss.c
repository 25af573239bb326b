/* usertcp ss: the sockets of a running stack, as ss(8) shows the
 * kernel's, read from the stack's diagnostics endpoint (usertcp/diag.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"
#include "usertcp/diag.h"

enum {
	S_ESTABLISHED = 1,
	S_SYN_SENT,
	S_SYN_RECV,
	S_FIN_WAIT1,
	S_FIN_WAIT2,
	S_TIME_WAIT,
	S_CLOSE,
	S_CLOSE_WAIT,
	S_LAST_ACK,
	S_LISTEN,
	S_CLOSING,
	S_MAX
};

static const char *const state_names[S_MAX] = {
	[S_ESTABLISHED] = "ESTAB",    [S_SYN_SENT] = "SYN-SENT",     [S_SYN_RECV] = "SYN-RECV",
	[S_FIN_WAIT1] = "FIN-WAIT-1", [S_FIN_WAIT2] = "FIN-WAIT-2",  [S_TIME_WAIT] = "TIME-WAIT",
	[S_CLOSE] = "UNCONN",	      [S_CLOSE_WAIT] = "CLOSE-WAIT", [S_LAST_ACK] = "LAST-ACK",
	[S_LISTEN] = "LISTEN",	      [S_CLOSING] = "CLOSING",
};

/* ss's state filter words */
static const struct {
	const char *name;
	unsigned mask;
} state_words[] = {
	{"established", 1u << S_ESTABLISHED},
	{"syn-sent", 1u << S_SYN_SENT},
	{"syn-recv", 1u << S_SYN_RECV},
	{"fin-wait-1", 1u << S_FIN_WAIT1},
	{"fin-wait-2", 1u << S_FIN_WAIT2},
	{"time-wait", 1u << S_TIME_WAIT},
	{"closed", 1u << S_CLOSE},
	{"close-wait", 1u << S_CLOSE_WAIT},
	{"last-ack", 1u << S_LAST_ACK},
	{"listening", 1u << S_LISTEN},
	{"closing", 1u << S_CLOSING},
	{"all", ((1u << S_MAX) - 1) & ~1u},
	{"connected", ((1u << S_MAX) - 1) & ~(1u | 1u << S_LISTEN | 1u << S_CLOSE)},
	{"synchronized", ((1u << S_MAX) - 1) & ~(1u | 1u << S_LISTEN | 1u << S_CLOSE |
						 1u << S_SYN_SENT | 1u << S_SYN_RECV)},
};

/* What ss shows by default: connections, not listeners, nor what is
 * closed, half open or in TIME_WAIT (its SS_CONN). */
#define SS_CONN                \
	(((1u << S_MAX) - 1) & \
	 ~(1u | 1u << S_LISTEN | 1u << S_CLOSE | 1u << S_TIME_WAIT | 1u << S_SYN_RECV))

struct ss_opts {
	bool tcp, udp, info, mem, ext, timers, procs, no_header;
	unsigned states;
	int sport, dport; /* -1: any */
	bool sport_not, dport_not;
	const char *stack;
};

static const char ss_help[] =
	"Usage: usertcp ss [-t] [-u] [-l] [-a] [-n] [-i] [-m] [-e] [-o] [-p] [-H]\n"
	"                  [--stack NAME] [state STATE]... [( sport|dport = :PORT )]\n"
	"\n"
	"The sockets of a running usertcp stack, as ss shows the kernel's.\n"
	"  -t, -u     TCP, UDP sockets (both when neither is given)\n"
	"  -l, -a     listening sockets only; all sockets (default: connections)\n"
	"  -n         numeric addresses and ports (the only form: nothing is looked up)\n"
	"  -i         TCP internals (TCP_INFO): cc, wscale, rto, rtt, cwnd, bytes ...\n"
	"  -m         socket memory (skmem)\n"
	"  -e         owner, socket cookie, descriptor and stack of the group\n"
	"  -o         the pending timer\n"
	"  -p         the process (users:((\"name\",pid=,fd=)))\n"
	"  -H         no header line\n"
	"  --stack N  the stack's endpoint name (see usertcp/diag.h); needed when\n"
	"             several stacks run\n"
	"  state S    established, syn-sent, syn-recv, fin-wait-1, fin-wait-2,\n"
	"             time-wait, closed, close-wait, last-ack, listening, closing,\n"
	"             all, connected, synchronized (repeatable)\n"
	"  sport = :P, dport = :P (or !=), in optional parentheses\n";

static int parse_port(const char *s)
{
	char *end;
	long v;

	if (*s == ':')
		s++;
	v = strtol(s, &end, 10);
	return *s && !*end && v >= 0 && v <= 65535 ? (int)v : -1;
}

static int ss_parse(struct ss_opts *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(ss_help, stdout);
			return 1;
		}
		if (!strcmp(a, "--stack") && i + 1 < argc) {
			o->stack = argv[++i];
		} else if (!strcmp(a, "state") && i + 1 < argc) {
			unsigned m = 0;
			for (size_t k = 0; k < sizeof(state_words) / sizeof(state_words[0]); k++)
				if (!strcmp(argv[i + 1], state_words[k].name))
					m = state_words[k].mask;
			if (!m) {
				fprintf(stderr, "usertcp ss: unknown state \"%s\"\n", argv[i + 1]);
				return -1;
			}
			/* the first state word replaces the default set */
			o->states = (o->states == SS_CONN ? 0 : o->states) | m;
			i++;
		} else if (!strcmp(a, "(") || !strcmp(a, ")")) {
			continue;
		} else if ((!strcmp(a, "sport") || !strcmp(a, "dport")) && i + 2 < argc) {
			const char *op = argv[i + 1];
			bool neg = !strcmp(op, "!=") || !strcmp(op, "ne") || !strcmp(op, "neq");
			int p = parse_port(argv[i + 2]);
			if ((!neg && strcmp(op, "=") && strcmp(op, "==") && strcmp(op, "eq")) ||
			    p < 0) {
				fprintf(stderr, "usertcp ss: bad filter \"%s %s %s\"\n", a, op,
					argv[i + 2]);
				return -1;
			}
			if (a[0] == 's') {
				o->sport = p;
				o->sport_not = neg;
			} else {
				o->dport = p;
				o->dport_not = neg;
			}
			i += 2;
		} else if (a[0] == '-' && a[1] && a[1] != '-') {
			for (const char *c = a + 1; *c; c++) {
				switch (*c) {
				case 't':
					o->tcp = true;
					break;
				case 'u':
					o->udp = true;
					break;
				case 'l':
					o->states = 1u << S_LISTEN | 1u << S_CLOSE;
					break;
				case 'a':
					o->states = state_words[11].mask;
					break;
				case 'n':
					break;
				case 'i':
					o->info = true;
					break;
				case 'm':
					o->mem = true;
					break;
				case 'e':
					o->ext = true;
					break;
				case 'o':
					o->timers = true;
					break;
				case 'p':
					o->procs = true;
					break;
				case 'H':
					o->no_header = true;
					break;
				default:
					fprintf(stderr, "usertcp ss: unknown option -%c\n%s", *c,
						ss_help);
					return -1;
				}
			}
		} else {
			fprintf(stderr, "usertcp ss: unexpected \"%s\"\n%s", a, ss_help);
			return -1;
		}
	}
	if (!o->tcp && !o->udp)
		o->tcp = o->udp = true;
	return 0;
}

static void fmt_addr(char *buf, size_t len, const struct ut_diag_sock *r, bool local)
{
	const uint8_t *a = local ? r->laddr : r->raddr;
	unsigned port = local ? r->lport : r->rport;
	char ip[INET6_ADDRSTRLEN], ps[8];

	if (port)
		snprintf(ps, sizeof(ps), "%u", port);
	else
		snprintf(ps, sizeof(ps), "*");
	static const uint8_t any6[16];

	if (r->family == AF_INET6 && !r->v6only && !memcmp(a, any6, 16)) {
		/* a dual-stack wildcard: ss writes it as * */
		snprintf(buf, len, "*:%s", ps);
	} else if (r->family == AF_INET6) {
		inet_ntop(AF_INET6, a, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%s", ip, ps);
	} else {
		inet_ntop(AF_INET, a, ip, sizeof(ip));
		snprintf(buf, len, "%s:%s", ip, ps);
	}
}

static void fmt_ms(char *buf, size_t len, uint32_t ms)
{
	if (ms < 1000)
		snprintf(buf, len, "%ums", ms);
	else if (ms < 60 * 1000)
		snprintf(buf, len, "%.3fsec", ms / 1000.0);
	else if (ms < 3600 * 1000)
		snprintf(buf, len, "%umin%usec", ms / 60000, ms / 1000 % 60);
	else
		snprintf(buf, len, "%uh%umin", ms / 3600000, ms / 60000 % 60);
}

/* ss's sprint_bw: a rate in bits per second, with a unit */
static void fmt_bps(char *buf, size_t len, double bps)
{
	if (bps > 1e9)
		snprintf(buf, len, "%.1fGbps", bps / 1e9);
	else if (bps > 1e6)
		snprintf(buf, len, "%.1fMbps", bps / 1e6);
	else if (bps > 1e3)
		snprintf(buf, len, "%.1fKbps", bps / 1e3);
	else
		snprintf(buf, len, "%.0fbps", bps);
}

/* The -i line, fields in ss's order (tcp_show_info), each only when ss
 * prints it. */
static void print_info(const struct ut_diag_sock *r)
{
	const struct ut_tcp_info *t = &r->info;
	char b[32];

	printf("\t %s", r->cc[0] ? r->cc : "unknown");
	if (t->tcpi_options & 0x1)
		printf(" ts");
	if (t->tcpi_options & 0x2)
		printf(" sack");
	if (t->tcpi_options & 0x8)
		printf(" ecn");
	if (t->tcpi_options & 0x10)
		printf(" ecnseen");
	if (t->tcpi_options & 0x4)
		printf(" wscale:%u,%u", t->tcpi_snd_wscale, t->tcpi_rcv_wscale);
	if (t->tcpi_rto && t->tcpi_rto != 3000000)
		printf(" rto:%g", t->tcpi_rto / 1000.0);
	if (t->tcpi_backoff)
		printf(" backoff:%u", t->tcpi_backoff);
	if (t->tcpi_rtt)
		printf(" rtt:%g/%g", t->tcpi_rtt / 1000.0, t->tcpi_rttvar / 1000.0);
	if (t->tcpi_ato)
		printf(" ato:%g", t->tcpi_ato / 1000.0);
	if (t->tcpi_snd_mss)
		printf(" mss:%u", t->tcpi_snd_mss);
	if (t->tcpi_pmtu)
		printf(" pmtu:%u", t->tcpi_pmtu);
	if (t->tcpi_rcv_mss)
		printf(" rcvmss:%u", t->tcpi_rcv_mss);
	if (t->tcpi_advmss)
		printf(" advmss:%u", t->tcpi_advmss);
	if (t->tcpi_snd_cwnd)
		printf(" cwnd:%u", t->tcpi_snd_cwnd);
	if (t->tcpi_snd_ssthresh < 0xFFFF)
		printf(" ssthresh:%u", t->tcpi_snd_ssthresh);
	if (t->tcpi_bytes_sent)
		printf(" bytes_sent:%llu", (unsigned long long)t->tcpi_bytes_sent);
	if (t->tcpi_bytes_retrans)
		printf(" bytes_retrans:%llu", (unsigned long long)t->tcpi_bytes_retrans);
	if (t->tcpi_bytes_acked)
		printf(" bytes_acked:%llu", (unsigned long long)t->tcpi_bytes_acked);
	if (t->tcpi_bytes_received)
		printf(" bytes_received:%llu", (unsigned long long)t->tcpi_bytes_received);
	if (t->tcpi_segs_out)
		printf(" segs_out:%u", t->tcpi_segs_out);
	if (t->tcpi_segs_in)
		printf(" segs_in:%u", t->tcpi_segs_in);
	if (t->tcpi_data_segs_out)
		printf(" data_segs_out:%u", t->tcpi_data_segs_out);
	if (t->tcpi_data_segs_in)
		printf(" data_segs_in:%u", t->tcpi_data_segs_in);
	if (t->tcpi_rtt && t->tcpi_snd_mss && t->tcpi_snd_cwnd) {
		fmt_bps(b, sizeof(b),
			(double)t->tcpi_snd_cwnd * t->tcpi_snd_mss * 8e6 / (double)t->tcpi_rtt);
		printf(" send %s", b);
	}
	if (t->tcpi_last_data_sent)
		printf(" lastsnd:%u", t->tcpi_last_data_sent);
	if (t->tcpi_last_data_recv)
		printf(" lastrcv:%u", t->tcpi_last_data_recv);
	if (t->tcpi_last_ack_recv)
		printf(" lastack:%u", t->tcpi_last_ack_recv);
	if (t->tcpi_pacing_rate && t->tcpi_pacing_rate != ~0ull) {
		fmt_bps(b, sizeof(b), (double)t->tcpi_pacing_rate * 8);
		printf(" pacing_rate %s", b);
	}
	if (t->tcpi_delivery_rate) {
		fmt_bps(b, sizeof(b), (double)t->tcpi_delivery_rate * 8);
		printf(" delivery_rate %s", b);
	}
	if (t->tcpi_delivered)
		printf(" delivered:%u", t->tcpi_delivered);
	if (t->tcpi_delivery_rate_app_limited)
		printf(" app_limited");
	if (t->tcpi_busy_time)
		printf(" busy:%llums", (unsigned long long)(t->tcpi_busy_time / 1000));
	if (t->tcpi_rwnd_limited)
		printf(" rwnd_limited:%llums", (unsigned long long)(t->tcpi_rwnd_limited / 1000));
	if (t->tcpi_sndbuf_limited)
		printf(" sndbuf_limited:%llums",
		       (unsigned long long)(t->tcpi_sndbuf_limited / 1000));
	if (t->tcpi_unacked)
		printf(" unacked:%u", t->tcpi_unacked);
	if (t->tcpi_retrans || t->tcpi_total_retrans)
		printf(" retrans:%u/%u", t->tcpi_retrans, t->tcpi_total_retrans);
	if (t->tcpi_lost)
		printf(" lost:%u", t->tcpi_lost);
	if (t->tcpi_sacked && r->state != S_LISTEN)
		printf(" sacked:%u", t->tcpi_sacked);
	if (t->tcpi_dsack_dups)
		printf(" dsack_dups:%u", t->tcpi_dsack_dups);
	if (t->tcpi_reordering != 3)
		printf(" reordering:%u", t->tcpi_reordering);
	if (t->tcpi_reord_seen)
		printf(" reord_seen:%u", t->tcpi_reord_seen);
	if (t->tcpi_rcv_rtt)
		printf(" rcv_rtt:%g", t->tcpi_rcv_rtt / 1000.0);
	if (t->tcpi_rcv_space)
		printf(" rcv_space:%u", t->tcpi_rcv_space);
	if (t->tcpi_rcv_ssthresh)
		printf(" rcv_ssthresh:%u", t->tcpi_rcv_ssthresh);
	if (t->tcpi_notsent_bytes)
		printf(" notsent:%u", t->tcpi_notsent_bytes);
	if (t->tcpi_min_rtt && t->tcpi_min_rtt != ~0u)
		printf(" minrtt:%g", t->tcpi_min_rtt / 1000.0);
	if (t->tcpi_snd_wnd)
		printf(" snd_wnd:%u", t->tcpi_snd_wnd);
	if (t->tcpi_rcv_wnd)
		printf(" rcv_wnd:%u", t->tcpi_rcv_wnd);
	printf("\n");
}

static bool port_match(int want, bool neg, unsigned port)
{
	return want < 0 || ((unsigned)want == port) != neg;
}

int cmd_ss(int argc, char **argv)
{
	static const char *const timer_names[] = {"", "on", "keepalive", "timewait", "persist"};
	struct ss_opts o = {.states = SS_CONN, .sport = -1, .dport = -1};
	uint8_t *ans;
	size_t len, off;
	/* a filter may come as one argument ("( dport = :80 )"), as ss
	 * takes it: every argument is cut at its blanks first */
	char *toks[256], *copy[128];
	int nt = 0, nc = 0, r;
	bool netid;

	for (int i = 0; i < argc && nc < 128; i++) {
		char *save, *t;
		if (!(copy[nc] = strdup(argv[i])))
			return 1;
		for (t = strtok_r(copy[nc++], " \t", &save); t && nt < 256;
		     t = strtok_r(NULL, " \t", &save))
			toks[nt++] = t;
	}
	r = ss_parse(&o, nt, toks);
	if (r) {
		while (nc)
			free(copy[--nc]);
		return r > 0 ? 0 : 2;
	}

	if (diag_ask("usertcp ss", o.stack, "sockets\n", &ans, &len, NULL, 0) < 0) {
		while (nc)
			free(copy[--nc]);
		return 1;
	}
	netid = o.tcp && o.udp;
	if (!o.no_header)
		printf("%s%-10s %-6s %-6s %-27s %-27s%s\n", netid ? "Netid " : "", "State",
		       "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port",
		       o.procs ? " Process" : "");
	for (off = 0; off + sizeof(uint32_t) <= len;) {
		struct ut_diag_sock rec;
		uint32_t size;
		char la[64], pa[64];
		memcpy(&size, ans + off, sizeof(size));
		if (size < sizeof(rec) - sizeof(rec.info) || size > len - off)
			break; /* a short record: the answer is cut */
		memset(&rec, 0, sizeof(rec));
		memcpy(&rec, ans + off, size < sizeof(rec) ? size : sizeof(rec));
		off += size;
		if ((rec.protocol == IPPROTO_TCP && !o.tcp) ||
		    (rec.protocol == IPPROTO_UDP && !o.udp))
			continue;
		if (rec.state >= S_MAX || !(o.states & (1u << rec.state)))
			continue;
		if (!port_match(o.sport, o.sport_not, rec.lport) ||
		    !port_match(o.dport, o.dport_not, rec.rport))
			continue;
		fmt_addr(la, sizeof(la), &rec, true);
		fmt_addr(pa, sizeof(pa), &rec, false);
		if (netid)
			printf("%-6s", rec.protocol == IPPROTO_TCP ? "tcp" : "udp");
		printf("%-10s %-6u %-6u %-27s %-27s",
		       state_names[rec.state] ? state_names[rec.state] : "?", rec.recvq, rec.sendq,
		       la, pa);
		if (o.procs && rec.fd >= 0) {
			char comm[64] = "?", p[64];
			FILE *f;
			snprintf(p, sizeof(p), "/proc/%u/comm", rec.pid);
			if ((f = fopen(p, "r"))) {
				if (fgets(comm, sizeof(comm), f))
					comm[strcspn(comm, "\n")] = '\0';
				fclose(f);
			}
			printf(" users:((\"%s\",pid=%u,fd=%d))", comm, rec.pid, rec.fd);
		}
		if (o.timers && rec.timer && rec.timer < 5) {
			char t[32];
			fmt_ms(t, sizeof(t), rec.timer_ms);
			printf(" timer:(%s,%s,%u)", timer_names[rec.timer], t, rec.retransmits);
		}
		if (o.ext)
			printf(" uid:%u sk:%llx fd:%d stack:%u", rec.uid,
			       (unsigned long long)rec.cookie, rec.fd, rec.stack);
		if (o.mem && rec.cookie)
			printf(" skmem:(r%u,rb%u,t%u,tb%u,f%u,w%u,o%u,bl%u,d%u)", rec.skmem[0],
			       rec.skmem[1], rec.skmem[2], rec.skmem[3], rec.skmem[4], rec.skmem[5],
			       rec.skmem[6], rec.skmem[7], rec.skmem[8]);
		printf("\n");
		if (o.info && rec.has_info)
			print_info(&rec);
	}
	free(ans);
	while (nc)
		free(copy[--nc]);
	return 0;
}
