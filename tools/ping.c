/* usertcp ping: two simulated hosts on one link, and Linux's ping (iputils)
 * run from the first to the second, printing what iputils prints; or, with
 * --tap or --tun, a stack of its own on one of the host's interfaces
 * pinging a real peer, in real time.
 *
 *   a (10.0.0.1/24, eth0) ----- link ----- b (10.0.0.2/24, eth0)
 *     2001:db8::1/64                         2001:db8::2/64   (with -6)
 *
 * Time is the simulator's: a run of a thousand pings takes milliseconds of
 * real time, and the same seed prints the same lines and writes the same
 * capture. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "tool.h"

#define PING_ADDR_A "10.0.0.1"
#define PING_ADDR_B "10.0.0.2"
#define PING_PREFIX 24
#define PING6_ADDR_A "2001:db8::1"
#define PING6_ADDR_B "2001:db8::2"
#define PING6_PREFIX 64
#define MAXWAIT_NS (10 * 1000000000ULL) /* iputils' MAXWAIT: 10 s */

struct ping_state {
	struct ut_stack *stack;
	struct ut_ip daddr;
	uint16_t id;
	size_t datalen;
	uint64_t *sent_at; /* by seq */
	uint8_t *seen;	   /* by seq: replies counted */
	long count;
	long ntransmitted, nreceived, nrepeats, nerrors;
	double tmin, tmax, tsum, tsum2; /* ms */
};

static void ping_usage(FILE *f)
{
	fprintf(f,
		"Usage: usertcp ping [options] [DESTINATION]\n"
		"Ping between two simulated hosts, a (%s, %s) and b (%s, %s),\n"
		"on one link. DESTINATION defaults to b's address of the family.\n\n"
		"Options:\n"
		"  -4, -6           IPv4 (the default) or IPv6 (ICMPv6 echo; the\n"
		"                   hosts first configure IPv6 with DAD); an IPv6\n"
		"                   DESTINATION implies -6\n"
		"  -c COUNT         stop after COUNT echo requests (default 4)\n"
		"  -i SECONDS       interval between requests (default 1)\n"
		"  -s SIZE          data bytes per request (default 56)\n"
		"  --seed N         seed of every random choice (default 1)\n"
		"  --pcap FILE      capture host a's eth0 to FILE (tcpdump format)\n"
		"  --tap IF, --tun IF, --ip ADDR/PREFIX, --ipv6, --gw ADDR, --trace,\n"
		"  --nstat, --no-offload\n"
		"                   ping from a stack of its own on the host's TAP or\n"
		"                   TUN interface IF, in real time (DESTINATION needed;\n"
		"                   see usertcp nc --help for these options)\n"
		"  --cold           do not warm the ARP cache first: the first RTT\n"
		"                   then includes address resolution\n"
		"  --counters       print both hosts' non-zero counters at the end\n"
		"%s",
		PING_ADDR_A, PING6_ADDR_A, PING_ADDR_B, PING6_ADDR_B, impair_opts_help);
}

/* iputils prints RTTs with three significant decimals at most. */
static void print_rtt(double ms)
{
	long us = lround(ms * 1000.0);
	if (us >= 100000)
		printf("%ld ms", us / 1000);
	else if (us >= 10000)
		printf("%ld.%01ld ms", us / 1000, (us % 1000) / 100);
	else if (us >= 1000)
		printf("%ld.%02ld ms", us / 1000, (us % 1000) / 10);
	else
		printf("%ld.%03ld ms", us / 1000, us % 1000);
}

static const char *unreach_text(uint8_t type, uint8_t code)
{
	if (type == 11)
		return code == 0 ? "Time to live exceeded" : "Frag reassembly time exceeded";
	if (type != 3)
		return "Bad ICMP type";
	switch (code) {
	case 0:
		return "Destination Net Unreachable";
	case 1:
		return "Destination Host Unreachable";
	case 2:
		return "Destination Protocol Unreachable";
	case 3:
		return "Destination Port Unreachable";
	default:
		return "Dest Unreachable";
	}
}

/* What iputils prints for an ICMPv6 error (ping6_common.c). */
static void print_icmp6_error(const struct ut_ping_event *ev)
{
	static const char *const unreach[] = {"No route", "Administratively prohibited",
					      "Beyond scope of source address",
					      "Address unreachable", "Port unreachable"};

	switch (ev->icmp_type) {
	case 1:
		printf("Destination unreachable: ");
		if (ev->icmp_code < sizeof(unreach) / sizeof(unreach[0]))
			printf("%s\n", unreach[ev->icmp_code]);
		else
			printf("Unknown code %u\n", ev->icmp_code);
		break;
	case 2:
		printf("Packet too big: mtu=%u\n", ev->mtu);
		break;
	case 3:
		printf("Time exceeded: %s\n",
		       ev->icmp_code == 0 ? "Hop limit" : "Defragmentation failure");
		break;
	case 4:
		printf("Parameter problem: %s\n", ev->icmp_code == 0   ? "Wrong header field "
						  : ev->icmp_code == 1 ? "Unknown header "
								       : "Unknown option ");
		break;
	default:
		printf("Unknown icmp type: %u\n", ev->icmp_type);
	}
}

static void ping_event(void *arg, const struct ut_ping_event *ev)
{
	struct ping_state *ps = arg;
	char from[UT_IP_STRLEN];

	if (ev->id != ps->id)
		return;
	ut_ip_ntop(ev->from, from, sizeof(from));
	if (ev->kind == UT_PING_ERROR && ev->from.family == AF_INET6) {
		ps->nerrors++;
		printf("From %s icmp_seq=%u ", from, ev->seq);
		print_icmp6_error(ev);
		return;
	}
	if (ev->kind == UT_PING_ERROR) {
		ps->nerrors++;
		if (ev->icmp_type == 3 && ev->icmp_code == 4)
			printf("From %s icmp_seq=%u Frag needed and DF set (mtu = %u)\n", from,
			       ev->seq, ev->mtu);
		else
			printf("From %s icmp_seq=%u %s\n", from, ev->seq,
			       unreach_text(ev->icmp_type, ev->icmp_code));
		return;
	}
	if (ev->seq == 0 || ev->seq > ps->ntransmitted)
		return;
	double ms = (double)(ev->when_ns - ps->sent_at[ev->seq]) / 1e6;
	bool dup = ps->seen[ev->seq]++ > 0;
	if (dup) {
		ps->nrepeats++;
	} else {
		ps->nreceived++;
		ps->tsum += ms;
		ps->tsum2 += ms * ms;
		if (ms < ps->tmin)
			ps->tmin = ms;
		if (ms > ps->tmax)
			ps->tmax = ms;
	}
	printf("%zu bytes from %s: icmp_seq=%u ttl=%u time=", ev->len + 8, from, ev->seq, ev->ttl);
	print_rtt(ms);
	printf("%s\n", dup ? " (DUP!)" : "");
}

static bool ping_all_answered(void *arg)
{
	struct ping_state *ps = arg;
	return ps->nreceived + ps->nerrors >= ps->count;
}

static bool neigh_ready(void *arg)
{
	struct ping_state *ps = arg;
	struct ut_neigh_info ni;
	struct ut_route_info ri;

	if (ut_route_get(ps->stack, ps->daddr, &ri) < 0 || ri.local)
		return true;
	if (ut_neigh_get(ps->stack, ut_ip_is_any(ri.gateway) ? ps->daddr : ri.gateway, &ni) < 0)
		return false;
	return strcmp(ni.state, "REACHABLE") == 0 || strcmp(ni.state, "FAILED") == 0;
}

/* Whether each host's address has passed duplicate address detection:
 * the source its route to the other reports is that address (before, it
 * is the link-local one, or none). */
struct ping_ready {
	struct ut_stack *a, *b;
	struct ut_ip addr_a, addr_b;
};

static bool addrs_ready(void *arg)
{
	struct ping_ready *r = arg;
	struct ut_route_info ri;

	return ut_route_get(r->a, r->addr_b, &ri) == 0 && ut_ip_equal(ri.prefsrc, r->addr_a) &&
	       ut_route_get(r->b, r->addr_a, &ri) == 0 && ut_ip_equal(ri.prefsrc, r->addr_b);
}

/* iputils' closing lines. */
static void print_statistics(const struct ping_state *ps, const char *dest, uint64_t elapsed_ms)
{
	printf("\n--- %s ping statistics ---\n", dest);
	printf("%ld packets transmitted, %ld received", ps->ntransmitted, ps->nreceived);
	if (ps->nrepeats)
		printf(", +%ld duplicates", ps->nrepeats);
	if (ps->nerrors)
		printf(", +%ld errors", ps->nerrors);
	printf(", %g%% packet loss, time %llums\n",
	       (double)((ps->ntransmitted - ps->nreceived) * 100.0) / (double)ps->ntransmitted,
	       (unsigned long long)elapsed_ms);
	if (ps->nreceived) {
		double avg = ps->tsum / (double)ps->nreceived;
		double mdev = sqrt(fmax(0.0, ps->tsum2 / (double)ps->nreceived - avg * avg));
		printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", ps->tmin, avg, ps->tmax,
		       mdev);
	}
}

static void ping_fill(uint8_t *data, size_t len, uint64_t now_ns);

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ULL),
			      .tv_nsec = (long)(ns % 1000000000ULL)};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ping from a stack on a real interface: the stack thread receives and
 * calls ping_event; this thread sends, sleeping between requests. The
 * statistics are read once the stack thread has stopped. */
static int ping_attached(const struct attach_opts *ao, struct ping_state *ps, const char *dest,
			 bool v6, uint64_t interval_ns, uint8_t *data)
{
	struct attach a;
	struct ut_route_info ri;
	uint64_t start, now, linger;
	int rc = 1;

	if (attach_open(ao, "ping", &a) < 0)
		return 2;
	ps->stack = a.stack;
	ut_ping_set_handler(a.stack, ping_event, ps);
	/* An address in duplicate address detection is not a source yet
	 * (RFC 4862 5.4): wait, as long as DAD may take, for the source the
	 * route would take: the IPv6 --ip, or any but ::1. */
	for (int i = 0; v6 && i < 100; i++) {
		if (ut_route_get(a.stack, ps->daddr, &ri) == 0 && !ut_ip_is_any(ri.prefsrc) &&
		    (ao->prefix6 ? ut_ip_equal(ri.prefsrc, ao->addr6)
				 : !IN6_IS_ADDR_LOOPBACK(&ri.prefsrc.u.v6)))
			break;
		sleep_ns(50000000ULL);
	}
	if (v6)
		printf("PING %s(%s) %zu data bytes\n", dest, dest, ps->datalen);
	else
		printf("PING %s (%s) %zu(%zu) bytes of data.\n", dest, dest, ps->datalen,
		       ps->datalen + 28);
	fflush(stdout);
	start = ut_stack_now(a.stack);
	for (long seq = 1; seq <= ps->count; seq++) {
		int err;

		if (seq > 1)
			sleep_ns(interval_ns);
		now = ut_stack_now(a.stack);
		ping_fill(data, ps->datalen, now);
		ps->sent_at[seq] = now;
		ps->ntransmitted++;
		err = ut_ping_send(a.stack, ps->daddr, ps->id, (uint16_t)seq, data, ps->datalen);
		if (err == -ENETUNREACH) {
			printf("ping: connect: Network is unreachable\n");
			rc = 2;
			goto out;
		} else if (err < 0) {
			printf("ping: sendmsg: %s\n", strerror(-err));
		}
	}
	/* As iputils: up to twice the longest RTT (at least a second) for
	 * the last replies, MAXWAIT when none came. */
	linger = ps->nreceived ? (uint64_t)(2 * ps->tmax * 1e6) : MAXWAIT_NS;
	if (linger < 1000000000ULL)
		linger = 1000000000ULL;
	for (uint64_t waited = 0; waited < linger && !ping_all_answered(ps); waited += 20000000ULL)
		sleep_ns(20000000ULL);
	ut_stack_thread_stop(a.stack);
	print_statistics(ps, dest, (ut_stack_now(a.stack) - start + 500000) / 1000000);
	rc = ps->nreceived ? 0 : 1;
out:
	attach_close(&a);
	return rc;
}

static void print_counter(void *arg, const char *group, const char *name, uint64_t v)
{
	if (v)
		printf("  %-8s %-24s %llu\n", group, name, (unsigned long long)v);
	(void)arg;
}

/* The payload iputils sends: the send time as a struct timeval, then
 * bytes counting up from there. */
static void ping_fill(uint8_t *data, size_t len, uint64_t now_ns)
{
	struct timeval tv = {.tv_sec = (time_t)(now_ns / 1000000000ULL),
			     .tv_usec = (suseconds_t)(now_ns % 1000000000ULL / 1000)};
	for (size_t k = 0; k < len; k++)
		data[k] = (uint8_t)k;
	if (len >= sizeof(tv))
		memcpy(data, &tv, sizeof(tv));
}

int cmd_ping(int argc, char **argv)
{
	struct attach_opts ao;
	struct ping_state ps = {.count = 4, .datalen = 56, .tmin = 1e300};
	uint64_t seed, interval_ns = 1000000000ULL, v;
	const char *pcap, *dest = NULL;
	bool cold = false, counters = false, v6 = false;
	struct ut_stack *a = NULL, *b = NULL;
	struct ut_sim_link *link = NULL;
	struct ut_sim *sim = NULL;
	struct ut_ip addr_a, addr_b;
	unsigned prefix;
	uint8_t *data = NULL;
	double d;
	int rc = 2, r;

	attach_opts_init(&ao);
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if ((r = attach_opts_parse(&ao, argc, argv, &i, "ping")) < 0)
			return 2;
		if (r)
			continue;
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			ping_usage(stdout);
			return 0;
		} else if (!strcmp(o, "-6") || !strcmp(o, "-4")) {
			v6 = o[1] == '6';
		} else if (!strcmp(o, "--cold")) {
			cold = true;
		} else if (!strcmp(o, "--counters")) {
			counters = true;
		} else if (i + 1 < argc &&
			   (!strcmp(o, "-c") || !strcmp(o, "-s") || !strcmp(o, "-i"))) {
			const char *val = argv[++i];
			if (!strcmp(o, "-i")) {
				if (!parse_double(val, &d) || d < 0.001 || d > 3600) {
					fprintf(stderr, "ping: bad timing interval: %s\n", val);
					return 2;
				}
				interval_ns = (uint64_t)llround(d * 1e9);
			} else if (!parse_u64(val, &v)) {
				fprintf(stderr, "ping: invalid argument: '%s'\n", val);
				return 2;
			} else if (!strcmp(o, "-c")) {
				if (v < 1 || v > 65535) {
					fprintf(stderr,
						"ping: invalid argument: '%s': out of range: 1 <= "
						"value <= 65535\n",
						val);
					return 2;
				}
				ps.count = (long)v;
			} else if (!strcmp(o, "-s")) {
				/* iputils' bound: an IPv4 datagram's room for
				 * an echo payload (IPv6's is larger; iputils
				 * applies the same). */
				if (v > 65507) {
					fprintf(stderr,
						"ping: invalid argument: '%s': out of range: 0 <= "
						"value <= 65507\n",
						val);
					return 2;
				}
				ps.datalen = (size_t)v;
			}
		} else if (o[0] == '-' && o[1]) {
			fprintf(stderr, "ping: unknown or incomplete option '%s'\n", o);
			ping_usage(stderr);
			return 2;
		} else {
			dest = o;
		}
	}
	if (dest && ut_ip_pton(dest, &ps.daddr) < 0) {
		fprintf(stderr, "ping: %s: Name or service not known\n", dest);
		return 2;
	}
	if (dest && ps.daddr.family == AF_INET6)
		v6 = true;
	if (dest && v6 && ps.daddr.family != AF_INET6) {
		fprintf(stderr, "ping: %s: Address family for hostname not supported\n", dest);
		return 2;
	}
	seed = ao.seed ? ao.seed : 1;
	pcap = ao.pcap;
	/* The kernel gives a ping socket its identifier; ours is drawn from
	 * the seed so that runs repeat. */
	ps.id = (uint16_t)(seed * 2654435761u >> 7);
	ps.sent_at = calloc((size_t)ps.count + 1, sizeof(*ps.sent_at));
	ps.seen = calloc((size_t)ps.count + 1, 1);
	data = malloc(ps.datalen ? ps.datalen : 1);
	if (!ps.sent_at || !ps.seen || !data) {
		fprintf(stderr, "ping: out of memory\n");
		goto out;
	}
	if (ao.ifname) {
		if (!dest) {
			fprintf(stderr, "ping: with --%s, a DESTINATION is needed\n",
				ao.type == UT_DEV_ETHER ? "tap" : "tun");
			goto out;
		}
		rc = ping_attached(&ao, &ps, dest, v6, interval_ns, data);
		goto out;
	}
	ut_ip_pton(v6 ? PING6_ADDR_A : PING_ADDR_A, &addr_a);
	ut_ip_pton(v6 ? PING6_ADDR_B : PING_ADDR_B, &addr_b);
	prefix = v6 ? PING6_PREFIX : PING_PREFIX;
	if (!dest) {
		dest = v6 ? PING6_ADDR_B : PING_ADDR_B;
		ps.daddr = addr_b;
	}

	if (ut_sim_create(seed, &sim) < 0 || ut_sim_host_add(sim, "a", &a) < 0 ||
	    ut_sim_host_add(sim, "b", &b) < 0) {
		fprintf(stderr, "ping: cannot build the simulated network\n");
		goto out;
	}
	/* IPv6 on lo and, as they are made, the link's devices (a
	 * link-local address, then DAD), as on a Linux host. */
	if (v6 && (ut_sysctl_set(a, "net.ipv6.conf.all.disable_ipv6", 0) < 0 ||
		   ut_sysctl_set(b, "net.ipv6.conf.all.disable_ipv6", 0) < 0)) {
		fprintf(stderr, "ping: cannot build the simulated network\n");
		goto out;
	}
	if (ut_sim_link_add(sim, a, b, &ao.imp.link, &link) < 0 ||
	    ut_addr_add(a, ut_sim_link_dev(link, 0), addr_a, prefix) < 0 ||
	    ut_addr_add(b, ut_sim_link_dev(link, 1), addr_b, prefix) < 0) {
		fprintf(stderr, "ping: cannot build the simulated network\n");
		goto out;
	}
	if (v6) {
		/* RFC 4862 5.4: an address is not used until duplicate
		 * address detection has passed on it. */
		struct ping_ready ready = {a, b, addr_a, addr_b};

		ut_sim_run_until_cond(sim, addrs_ready, &ready, ut_sim_now(sim) + 10000000000ULL);
	}
	if (pcap) {
		int err = ut_dev_pcap_open(ut_sim_link_dev(link, 0), pcap);
		if (err < 0) {
			fprintf(stderr, "ping: %s: %s\n", pcap, strerror(-err));
			goto out;
		}
	}
	ps.stack = a;
	ut_ping_set_handler(a, ping_event, &ps);

	if (!cold) {
		/* A host that has talked to its neighbour before has it in
		 * the ARP cache; warm it so each RTT is the path's alone.
		 * If resolution fails (heavy loss, no such host), the first
		 * request simply resolves again, as with --cold. */
		if (ut_neigh_resolve(a, ps.daddr) == 0)
			ut_sim_run_until_cond(sim, neigh_ready, &ps,
					      ut_sim_now(sim) + 3000000000ULL);
		/* ARP's request taught b where a is; Neighbour Discovery's
		 * solicitation comes from a's link-local address, so b
		 * resolves a's global one on its own (RFC 4861 7.2.3). */
		if (v6 && ut_ip_equal(ps.daddr, addr_b)) {
			struct ping_state back = {.stack = b, .daddr = addr_a};

			if (ut_neigh_resolve(b, addr_a) == 0)
				ut_sim_run_until_cond(sim, neigh_ready, &back,
						      ut_sim_now(sim) + 3000000000ULL);
		}
	}

	if (v6)
		printf("PING %s(%s) %zu data bytes\n", dest, dest, ps.datalen);
	else
		printf("PING %s (%s) %zu(%zu) bytes of data.\n", dest, dest, ps.datalen,
		       ps.datalen + 28);
	uint64_t start = ut_sim_now(sim);
	for (long seq = 1; seq <= ps.count; seq++) {
		ut_sim_run_until(sim, start + (uint64_t)(seq - 1) * interval_ns);
		uint64_t now = ut_sim_now(sim);
		ping_fill(data, ps.datalen, now);
		ps.sent_at[seq] = now;
		ps.ntransmitted++;
		int err = ut_ping_send(a, ps.daddr, ps.id, (uint16_t)seq, data, ps.datalen);
		if (err == -ENETUNREACH) {
			printf("ping: connect: Network is unreachable\n");
			goto out;
		} else if (err < 0) {
			printf("ping: sendmsg: %s\n", strerror(-err));
		}
	}
	/* After the last request ping waits twice the longest RTT seen (at
	 * least a second), or MAXWAIT when nothing came back, unless every
	 * reply is already in. */
	uint64_t linger = ps.nreceived ? (uint64_t)(2 * ps.tmax * 1e6) : MAXWAIT_NS;
	if (linger < 1000000000ULL)
		linger = 1000000000ULL;
	ut_sim_run_until_cond(sim, ping_all_answered, &ps, ut_sim_now(sim) + linger);
	uint64_t elapsed_ms = (ut_sim_now(sim) - start + 500000) / 1000000;

	print_statistics(&ps, dest, elapsed_ms);
	if (counters) {
		printf("\ncounters of a:\n");
		ut_counter_foreach(a, print_counter, NULL);
		printf("counters of b:\n");
		ut_counter_foreach(b, print_counter, NULL);
	}
	rc = ps.nreceived ? 0 : 1;
out:
	if (pcap && sim && link)
		ut_dev_pcap_close(ut_sim_link_dev(link, 0));
	ut_sim_destroy(sim);
	free(ps.sent_at);
	free(ps.seen);
	free(data);
	return rc;
}
