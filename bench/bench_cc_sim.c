/* Congestion control on a simulated bottleneck (issue 12's "done when"
 * figures): 100 Mbit/s, 40 ms RTT, a drop-tail queue of one BDP, in the
 * deterministic simulator. For each algorithm (cubic, bbr, and dctcp when
 * the stack has it) it prints
 *   - one flow: the share of the link it fills and the queue it leaves
 *     standing (mean over the measured interval, and the maximum over the
 *     whole run, in BDPs);
 *   - two flows of the algorithm, the second starting later: Jain's
 *     fairness index of their throughputs over the interval ending at the
 *     end of the run;
 * each beside its target and whether it is met. A benchmark, not a test:
 * it always exits 0 when it could run.
 *
 * The simulated path synchronises flows more than a real one: every
 * packet of both flows sees the same propagation delay to the nanosecond
 * and the drop-tail queue drops the same burst from both. A second
 * two-flow row adds a little jitter to the ACK path (order kept) to show
 * how much of a miss that accounts for; it never replaces the plain row.
 *
 * Virtual time: a 30 s run takes a few seconds of CPU, and the same seed
 * prints the same figures.
 *
 * Knobs (environment):
 *   BENCH_CC_SIM_SECONDS     length of each run, s (30)
 *   BENCH_CC_SIM_SEED        the world's seed (1)
 *   BENCH_CC_SIM_WARMUP      one flow: start of the measured interval, s (5)
 *   BENCH_CC_SIM_START2      two flows: when the second starts, s (5)
 *   BENCH_CC_SIM_WINDOW      two flows: length of the Jain interval, s (10)
 *   BENCH_CC_SIM_JITTER_US   ACK-path jitter of the extra row, us (500)
 *   BENCH_CC_SIM_JITTER_SEEDS  seeds the jittered row runs (3, at most 16;
 *                            the median is reported)
 *   BENCH_CC_SIM_ALGOS       algorithms, comma separated (cubic,bbr,dctcp)
 *   BENCH_CC_SIM_VERBOSE     1: a line per simulated second of each run
 *                            (each flow's Mbit/s, and cwnd, srtt and
 *                            retransmissions so far from TCP_INFO; the
 *                            mean queue), to see why
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usertcp/sim.h"
#include "usertcp/socket.h"
#include "usertcp/usertcp.h"

#define MS 1000000ULL
#define SEC 1000000000ULL

#define RATE_BPS 100000000ULL
#define RTT_NS (40 * MS)
#define BDP_BYTES (RATE_BPS / 8 * RTT_NS / SEC) /* 500,000 */
/* A full-sized frame: 1448 bytes of data, TCP with timestamps (32),
 * IPv4 (20), Ethernet (14). */
#define FRAME_BYTES 1514u
#define BDP_FRAMES ((unsigned)((BDP_BYTES + FRAME_BYTES / 2) / FRAME_BYTES)) /* 330 */
/* DCTCP's marking threshold K: RFC 8257 3.1 leaves it to the operator;
 * about a sixth of a BDP keeps the link full with DCTCP's gentle cut
 * (Alizadeh et al., K > C x RTT / 7). */
#define DCTCP_K_FRAMES (BDP_FRAMES / 6)
#define PORT 5001
#define STEP (1 * MS)
#define CHUNK (256 * 1024)
#define SOCKBUF "8388608"
#define SOCKBUF_MAX "16777216"

#define TARGET_UTIL 0.95
#define TARGET_BBR_QUEUE 0.5
#define TARGET_JAIN 0.95

struct knobs {
	uint64_t seconds, seed, warmup, start2, window, jitter_us, jitter_seeds, verbose;
	const char *algos;
};

struct flow {
	int cfd, sfd;
	uint64_t rx;	  /* bytes the receiving application read */
	uint64_t rx_tick; /* rx at the last verbose line */
};

struct path {
	struct ut_sim *sim;
	struct ut_stack *snd, *rcv;
	struct ut_sim_link *link;
	int lfd;
	struct flow flow[2];
	unsigned nflows;
	char *buf;
	bool verbose;
	uint64_t next_tick;	   /* when the next verbose line is due */
	struct ut_link_stats tick; /* the link at the last verbose line */
};

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);
	char *end;
	unsigned long long x;

	if (!v || !*v)
		return def;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end) {
		fprintf(stderr, "bench_cc_sim: %s=%s is not a whole number; using %llu\n", name, v,
			(unsigned long long)def);
		return def;
	}
	return x;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_cc_sim: %s: %s\n", what, strerror(err));
	exit(1);
}

static struct sockaddr_in addr_of(const char *ip, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = inet_addr(ip);
	return sin;
}

/* Large socket buffers on a host, so that only the network limits a flow:
 * the defaults Linux's autotuning would reach for this BDP. */
static void host_buffers(struct ut_stack *st)
{
	static const char *const names[] = {"net.ipv4.tcp_rmem.max", "net.ipv4.tcp_wmem.max",
					    "net.ipv4.tcp_rmem.default",
					    "net.ipv4.tcp_wmem.default"};
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int err = ut_sysctl_set_str(st, names[i], i < 2 ? SOCKBUF_MAX : SOCKBUF);
		if (err)
			die(names[i], -err);
	}
	/* dctcp is not allowed by default (as in Linux, where the
	 * administrator adds it); every module the stack has may run here.
	 * A module the stack lacks is then refused with ENOENT. */
	char avail[256];
	int err = ut_sysctl_get_str(st, "net.ipv4.tcp_available_congestion_control", avail,
				    sizeof(avail));
	if (err < 0 ||
	    (err = ut_sysctl_set_str(st, "net.ipv4.tcp_allowed_congestion_control", avail)) != 0)
		die("net.ipv4.tcp_allowed_congestion_control", -err);
}

/* The path: sender -> receiver at 100 Mbit/s with a one-BDP drop-tail
 * queue (and, for dctcp, a step marker at K), 20 ms each way; ACKs come
 * back at the same rate, with ack_jitter_ns of jitter (order kept).
 * Returns false, with nothing left allocated, if the stack has no
 * algorithm of that name. */
static bool path_make(struct path *p, const struct knobs *k, const char *algo,
		      uint64_t ack_jitter_ns)
{
	struct ut_link_params fwd, rev;
	struct sockaddr_in sin = addr_of("10.0.0.2", PORT);
	int err, one = 1;

	memset(p, 0, sizeof(*p));
	ut_link_params_init(&fwd);
	fwd.rate_bps = RATE_BPS;
	fwd.delay_ns = RTT_NS / 2;
	fwd.queue_limit = BDP_FRAMES;
	if (strcmp(algo, "dctcp") == 0)
		fwd.ce_threshold = DCTCP_K_FRAMES;
	rev = fwd;
	rev.queue_limit = 1000;
	rev.ce_threshold = 0;
	rev.jitter_ns = ack_jitter_ns;
	if ((err = ut_sim_create(k->seed, &p->sim)) ||
	    (err = ut_sim_host_add(p->sim, "snd", &p->snd)) ||
	    (err = ut_sim_host_add(p->sim, "rcv", &p->rcv)) ||
	    (err = ut_sim_link_add(p->sim, p->snd, p->rcv, &fwd, &p->link)) ||
	    (err = ut_sim_link_set_params(p->link, 1, &rev)) ||
	    (err = ut_addr_add(p->snd, ut_sim_link_dev(p->link, 0), ut_ip_v4(inet_addr("10.0.0.1")),
			       24)) ||
	    (err = ut_addr_add(p->rcv, ut_sim_link_dev(p->link, 1), ut_ip_v4(inet_addr("10.0.0.2")),
			       24)))
		die("building the path", -err);
	host_buffers(p->snd);
	host_buffers(p->rcv);
	/* DCTCP needs ECN negotiated (RFC 8257 3): Linux's dctcp asks for it
	 * whatever the sysctl says; setting tcp_ecn=1 on both ends, as DCTCP
	 * deployments do, makes the path ECN-capable either way. */
	if (strcmp(algo, "dctcp") == 0 && ((err = ut_sysctl_set(p->snd, "net.ipv4.tcp_ecn", 1)) ||
					   (err = ut_sysctl_set(p->rcv, "net.ipv4.tcp_ecn", 1))))
		die("net.ipv4.tcp_ecn", -err);

	/* The receiver runs the same algorithm: DCTCP's receiver echoes CE
	 * per segment (RFC 8257 3.2) only when it runs DCTCP too. */
	p->lfd = ut_socket(p->rcv, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (p->lfd < 0)
		die("socket", errno);
	ut_setsockopt(p->rcv, p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ut_setsockopt(p->rcv, p->lfd, IPPROTO_TCP, TCP_CONGESTION, algo,
			  (socklen_t)strlen(algo)) < 0) {
		ut_close(p->rcv, p->lfd);
		ut_sim_destroy(p->sim);
		memset(p, 0, sizeof(*p));
		return false;
	}
	if (ut_bind(p->rcv, p->lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    ut_listen(p->rcv, p->lfd, 16) < 0)
		die("listen", errno);
	p->buf = malloc(CHUNK);
	if (!p->buf)
		die("malloc", ENOMEM);
	memset(p->buf, 'x', CHUNK);
	p->verbose = k->verbose != 0;
	p->next_tick = SEC;
	return true;
}

static bool accepted(void *arg)
{
	struct path *p = arg;
	struct flow *f = &p->flow[p->nflows];

	f->sfd = ut_accept4(p->rcv, p->lfd, NULL, NULL, SOCK_NONBLOCK);
	return f->sfd >= 0;
}

/* Opens a flow of algo from the sender and waits for the receiver to
 * accept it. */
static void flow_start(struct path *p, const char *algo)
{
	struct flow *f = &p->flow[p->nflows];
	struct sockaddr_in sin = addr_of("10.0.0.2", PORT);

	f->cfd = ut_socket(p->snd, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (f->cfd < 0)
		die("socket", errno);
	if (ut_setsockopt(p->snd, f->cfd, IPPROTO_TCP, TCP_CONGESTION, algo,
			  (socklen_t)strlen(algo)) < 0)
		die("TCP_CONGESTION", errno);
	if (ut_connect(p->snd, f->cfd, (struct sockaddr *)&sin, sizeof(sin)) == 0 ||
	    errno != EINPROGRESS)
		die("connect", errno);
	if (ut_sim_run_until_cond(p->sim, accepted, p, ut_sim_now(p->sim) + 10 * SEC))
		die("accept", ETIMEDOUT);
	f->rx = 0;
	p->nflows++;
}

/* A line of BENCH_CC_SIM_VERBOSE: the last second of each flow. */
static void path_print_second(struct path *p)
{
	struct ut_link_stats st;

	ut_sim_link_get_stats(p->link, 0, &st);
	printf("    t=%3llus", (unsigned long long)(ut_sim_now(p->sim) / SEC));
	for (unsigned i = 0; i < p->nflows; i++) {
		struct flow *f = &p->flow[i];
		struct tcp_info ti;
		socklen_t len = sizeof(ti);

		memset(&ti, 0, sizeof(ti));
		ut_getsockopt(p->snd, f->cfd, IPPROTO_TCP, TCP_INFO, &ti, &len);
		printf("  flow%u %6.2f Mbit/s cwnd %4u srtt %6.2f ms retrans %4u", i + 1,
		       (double)(f->rx - f->rx_tick) * 8 / 1e6, ti.tcpi_snd_cwnd, ti.tcpi_rtt / 1e3,
		       ti.tcpi_total_retrans);
		f->rx_tick = f->rx;
	}
	printf("  queue %5.1f frames\n",
	       st.queue_time_ns > p->tick.queue_time_ns
		       ? (double)(st.queue_integral - p->tick.queue_integral) /
				 (double)(st.queue_time_ns - p->tick.queue_time_ns)
		       : 0.0);
	p->tick = st;
}

/* Runs the world to time t, the sending applications keeping their
 * buffers full and the receiving ones reading everything, each 1 ms. */
static void path_run_until(struct path *p, uint64_t t)
{
	while (ut_sim_now(p->sim) < t) {
		if (p->verbose && ut_sim_now(p->sim) >= p->next_tick) {
			path_print_second(p);
			p->next_tick += SEC;
		}
		for (unsigned i = 0; i < p->nflows; i++) {
			struct flow *f = &p->flow[i];
			ssize_t n;
			while (ut_send(p->snd, f->cfd, p->buf, CHUNK, 0) > 0)
				;
			while ((n = ut_recv(p->rcv, f->sfd, p->buf, CHUNK, 0)) > 0)
				f->rx += (uint64_t)n;
		}
		uint64_t next = ut_sim_now(p->sim) + STEP;
		ut_sim_run_until(p->sim, next < t ? next : t);
	}
}

static void path_free(struct path *p)
{
	for (unsigned i = 0; i < p->nflows; i++) {
		ut_close(p->snd, p->flow[i].cfd);
		ut_close(p->rcv, p->flow[i].sfd);
	}
	ut_close(p->rcv, p->lfd);
	ut_sim_destroy(p->sim);
	free(p->buf);
}

static struct ut_link_stats fwd_stats(const struct path *p)
{
	struct ut_link_stats st;
	ut_sim_link_get_stats(p->link, 0, &st);
	return st;
}

static void row(const char *algo, const char *what, const char *figure, const char *target,
		const char *met)
{
	printf("%-6s %-40s %-12s %-12s %s\n", algo, what, figure, target, met);
}

static const char *met(bool ok)
{
	return ok ? "yes" : "NO";
}

/* One flow from time 0; the link's use and queue over [warmup, end]. */
static bool one_flow(const struct knobs *k, const char *algo)
{
	struct path p;
	char what[64], fig[32], tgt[32];

	if (!path_make(&p, k, algo, 0))
		return false;
	flow_start(&p, algo);
	path_run_until(&p, k->warmup * SEC);
	struct ut_link_stats a = fwd_stats(&p);
	path_run_until(&p, k->seconds * SEC);
	struct ut_link_stats b = fwd_stats(&p);

	double dt = (double)(b.queue_time_ns - a.queue_time_ns) / 1e9;
	double util = (double)(b.bytes_delivered - a.bytes_delivered) * 8 / (RATE_BPS * dt);
	double mean_q = (double)(b.queue_bytes_integral - a.queue_bytes_integral) /
			(double)(b.queue_time_ns - a.queue_time_ns) / (double)BDP_BYTES;
	double mean_qf = (double)(b.queue_integral - a.queue_integral) /
			 (double)(b.queue_time_ns - a.queue_time_ns);
	double max_q = (double)b.queue_bytes_max / (double)BDP_BYTES;

	snprintf(what, sizeof(what), "1 flow: link filled, %llu-%llu s",
		 (unsigned long long)k->warmup, (unsigned long long)k->seconds);
	snprintf(fig, sizeof(fig), "%.1f%%", util * 100);
	snprintf(tgt, sizeof(tgt), ">= %.0f%%", TARGET_UTIL * 100);
	row(algo, what, fig, tgt, strcmp(algo, "dctcp") ? met(util >= TARGET_UTIL) : "-");

	snprintf(what, sizeof(what), "1 flow: mean queue, %llu-%llu s",
		 (unsigned long long)k->warmup, (unsigned long long)k->seconds);
	snprintf(fig, sizeof(fig), "%.3f BDP", mean_q);
	if (strcmp(algo, "bbr") == 0) {
		snprintf(tgt, sizeof(tgt), "< %.1f BDP", TARGET_BBR_QUEUE);
		row(algo, what, fig, tgt, met(mean_q < TARGET_BBR_QUEUE));
	} else if (strcmp(algo, "dctcp") == 0) {
		/* "Near K": within half of K either side, in frames (the
		 * marker counts frames). */
		snprintf(fig, sizeof(fig), "%.1f frames", mean_qf);
		snprintf(tgt, sizeof(tgt), "K=%u +-50%%", DCTCP_K_FRAMES);
		row(algo, what, fig, tgt,
		    met(mean_qf >= DCTCP_K_FRAMES * 0.5 && mean_qf <= DCTCP_K_FRAMES * 1.5));
	} else {
		row(algo, what, fig, "-", "-");
	}
	snprintf(fig, sizeof(fig), "%.3f BDP", max_q);
	row(algo, "1 flow: max queue, whole run", fig, "-", "-");
	snprintf(fig, sizeof(fig), "%llu",
		 (unsigned long long)(b.queue_drops + b.lost - a.queue_drops - a.lost));
	snprintf(what, sizeof(what), "1 flow: drops, %llu-%llu s", (unsigned long long)k->warmup,
		 (unsigned long long)k->seconds);
	row(algo, what, fig, "-", "-");
	path_free(&p);
	return true;
}

/* What a two-flow run measured over its Jain interval. */
struct two_result {
	double jain, util;
	double mbps[2];
	unsigned retrans[2]; /* segments each flow retransmitted */
};

static unsigned flow_retrans(struct path *p, unsigned i)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	ut_getsockopt(p->snd, p->flow[i].cfd, IPPROTO_TCP, TCP_INFO, &ti, &len);
	return ti.tcpi_total_retrans;
}

/* Two flows, the second from start2, on a world of this seed; Jain's
 * index of their throughputs over [from, end]. False if the stack has no
 * such algorithm. */
static bool two_flows_run(const struct knobs *k, const char *algo, uint64_t seed,
			  uint64_t ack_jitter_ns, uint64_t from, struct two_result *r)
{
	struct knobs ks = *k;
	struct path p;
	unsigned re0[2];

	ks.seed = seed;
	if (!path_make(&p, &ks, algo, ack_jitter_ns))
		return false;
	flow_start(&p, algo);
	path_run_until(&p, k->start2 * SEC);
	flow_start(&p, algo);
	path_run_until(&p, from * SEC);
	uint64_t rx0[2] = {p.flow[0].rx, p.flow[1].rx};
	for (unsigned i = 0; i < 2; i++)
		re0[i] = flow_retrans(&p, i);
	struct ut_link_stats a = fwd_stats(&p);
	path_run_until(&p, k->seconds * SEC);
	struct ut_link_stats b = fwd_stats(&p);

	double *x = r->mbps, dt = (double)(b.queue_time_ns - a.queue_time_ns) / 1e9;
	for (unsigned i = 0; i < 2; i++) {
		x[i] = (double)(p.flow[i].rx - rx0[i]) * 8 / dt / 1e6;
		r->retrans[i] = flow_retrans(&p, i) - re0[i];
	}
	/* Jain's index (x1 + x2)^2 / (2 (x1^2 + x2^2)): 1 when equal, 0.5
	 * when one flow has it all. */
	r->jain = (x[0] + x[1]) * (x[0] + x[1]) / (2 * (x[0] * x[0] + x[1] * x[1]));
	r->util = (double)(b.bytes_delivered - a.bytes_delivered) * 8 / (RATE_BPS * dt);
	path_free(&p);
	return true;
}

static int cmp_jain(const void *a, const void *b)
{
	double x = ((const struct two_result *)a)->jain, y = ((const struct two_result *)b)->jain;
	return (x > y) - (x < y);
}

/* The plain path (ack_jitter_ns 0) once, at the seed asked for; with ACK
 * jitter, nseeds seeds from it, reported by their median: a jittered run
 * depends on its dice, and one draw would be an anecdote. */
static void two_flows(const struct knobs *k, const char *algo, uint64_t ack_jitter_ns,
		      unsigned nseeds)
{
	struct two_result r[16];
	char what[80], fig[48], tgt[32];
	uint64_t from = k->seconds > k->window ? k->seconds - k->window : 0;
	unsigned n = 0;

	if (from < k->start2)
		from = k->start2;
	if (!ack_jitter_ns)
		nseeds = 1;
	nseeds = nseeds > 16 ? 16 : nseeds ? nseeds : 1;
	for (; n < nseeds; n++)
		if (!two_flows_run(k, algo, k->seed + n, ack_jitter_ns, from, &r[n]))
			return;
	qsort(r, n, sizeof(r[0]), cmp_jain);
	const struct two_result *m = &r[n / 2];

	snprintf(tgt, sizeof(tgt), ">= %.2f", TARGET_JAIN);
	if (ack_jitter_ns) {
		snprintf(what, sizeof(what), "2 flows +ACK jitter %lluus: Jain %llu-%llu s",
			 (unsigned long long)(ack_jitter_ns / 1000), (unsigned long long)from,
			 (unsigned long long)k->seconds);
		snprintf(fig, sizeof(fig), "%.3f", m->jain);
		row(algo, what, fig, tgt, met(m->jain >= TARGET_JAIN));
		snprintf(what, sizeof(what), "  (median of %u seeds; lowest, highest)", n);
		snprintf(fig, sizeof(fig), "%.3f, %.3f", r[0].jain, r[n - 1].jain);
		row(algo, what, fig, "-", "-");
	} else {
		snprintf(what, sizeof(what), "2 flows (2nd at %llu s): Jain %llu-%llu s",
			 (unsigned long long)k->start2, (unsigned long long)from,
			 (unsigned long long)k->seconds);
		snprintf(fig, sizeof(fig), "%.3f", m->jain);
		row(algo, what, fig, tgt, met(m->jain >= TARGET_JAIN));
	}
	snprintf(fig, sizeof(fig), "%.1f/%.1f", m->mbps[0], m->mbps[1]);
	snprintf(what, sizeof(what), "  Mbit/s of each, link filled %.1f%%", m->util * 100);
	row(algo, what, fig, "-", "-");
	snprintf(fig, sizeof(fig), "%u/%u", m->retrans[0], m->retrans[1]);
	row(algo, "  segments each retransmitted", fig, "-", "-");
}

int main(void)
{
	struct knobs k = {
		.seconds = env_u64("BENCH_CC_SIM_SECONDS", 30),
		.seed = env_u64("BENCH_CC_SIM_SEED", 1),
		.warmup = env_u64("BENCH_CC_SIM_WARMUP", 5),
		.start2 = env_u64("BENCH_CC_SIM_START2", 5),
		.window = env_u64("BENCH_CC_SIM_WINDOW", 10),
		.jitter_us = env_u64("BENCH_CC_SIM_JITTER_US", 500),
		.jitter_seeds = env_u64("BENCH_CC_SIM_JITTER_SEEDS", 3),
		.verbose = env_u64("BENCH_CC_SIM_VERBOSE", 0),
		.algos = getenv("BENCH_CC_SIM_ALGOS"),
	};
	char algos[256];

	if (!k.algos || !*k.algos)
		k.algos = "cubic,bbr,dctcp";
	if (k.warmup >= k.seconds || k.start2 >= k.seconds) {
		fprintf(stderr, "bench_cc_sim: BENCH_CC_SIM_WARMUP and _START2 must be below "
				"BENCH_CC_SIM_SECONDS\n");
		return 2;
	}
	printf("bench_cc_sim: simulated path 100 Mbit/s, RTT 40 ms, drop-tail queue %u frames "
	       "(1 BDP = %llu bytes), %llu s per run, seed %llu\n",
	       BDP_FRAMES, (unsigned long long)BDP_BYTES, (unsigned long long)k.seconds,
	       (unsigned long long)k.seed);
	printf("%-6s %-40s %-12s %-12s %s\n", "algo", "figure", "value", "target", "met");
	snprintf(algos, sizeof(algos), "%s", k.algos);
	for (char *save = NULL, *a = strtok_r(algos, ",", &save); a;
	     a = strtok_r(NULL, ",", &save)) {
		if (!one_flow(&k, a)) {
			printf("%s: skipped: not registered\n", a);
			continue;
		}
		two_flows(&k, a, 0, 1);
		if (k.jitter_us)
			two_flows(&k, a, k.jitter_us * 1000, (unsigned)k.jitter_seeds);
		fflush(stdout);
	}
	return 0;
}
