/* A stack of its own on one of the host's TAP or TUN interfaces, as the
 * tools that talk to real peers (nc, httpd) set it up: the options they
 * share, and the steps an application takes (create the stack, open the
 * interface, address it, route, impair, capture, trace, start the stack
 * thread). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>

#include "tool.h"
#include "usertcp/socket.h"
#include "usertcp/trace.h"

const char attach_opts_help[] =
	"Interface (one is needed; it must exist, see scripts/netns-tap.sh):\n"
	"  --tap IF         attach to the TAP interface IF (Ethernet, ARP)\n"
	"  --tun IF         attach to the TUN interface IF (bare IP)\n"
	"  --ip ADDR/PREFIX usertcp's own address on it, e.g. 10.99.0.2/24; once\n"
	"                   more for an IPv6 one, e.g. fd00:99::2/64 (implies --ipv6)\n"
	"  --ipv6           IPv6 on the interface: a link-local address after\n"
	"                   duplicate address detection, SLAAC from router\n"
	"                   advertisements, ping -6 answered\n"
	"  --gw ADDR        default route through ADDR\n"
	"  --seed N         seed of the stack's random choices and impairments\n"
	"  --pcap FILE      capture usertcp's side of the interface to FILE\n"
	"  --no-offload     plain frames: no virtio-net headers, so checksums and\n"
	"                   TCP segmentation in software both ways (default: the\n"
	"                   kernel's checksum and TSO offloads, 64 KB frames)\n"
	"  --trace          narrate every step of the stack on standard error\n"
	"  --trace json     the same events as JSON lines (what usertcp plot draws\n"
	"                   and usertcp view makes a replay page of)\n"
	"  --diag NAME      the name `usertcp ss` and `usertcp nstat` know the stack\n"
	"                   by (default: the tool's name and process id, e.g.\n"
	"                   httpd-4242); --no-diag: answer neither\n"
	"  --nstat          at exit, print the stack's non-zero counters on standard\n"
	"                   error, under nstat's names (TcpExtTCPSackRecovery ...),\n"
	"                   then the device's (IF:rx_packets ... IF:rx_syscalls,\n"
	"                   IF:tx_syscalls, IF:poll_waits: the system calls it cost)\n";

const char attach_threads_help[] =
	"  --threads N      N stacks, one per queue of a multi-queue interface (made\n"
	"                   with: ip tuntap add dev IF mode tap multi_queue), each on a\n"
	"                   thread of its own; the kernel spreads flows over the\n"
	"                   queues (default 1; 1 to 64). --pcap FILE then writes\n"
	"                   queue 0 to FILE and queue i to FILE.qi\n";

void attach_opts_init(struct attach_opts *o)
{
	memset(o, 0, sizeof(*o));
	impair_opts_init(&o->imp);
	o->threads = 1;
}

/* ADDR/PREFIX of either family: IPv4's prefix 1 to 32, IPv6's 1 to 128. */
static int parse_prefix(const char *s, struct ut_ip *addr, unsigned *prefix)
{
	char buf[UT_IP_STRLEN];
	const char *slash = strchr(s, '/');
	uint64_t p;

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = 0;
	if (ut_ip_pton(buf, addr) < 0 || !parse_u64(slash + 1, &p) || p < 1 ||
	    p > (addr->family == AF_INET6 ? 128u : 32u))
		return -1;
	*prefix = (unsigned)p;
	return 0;
}

int attach_opts_parse(struct attach_opts *o, int argc, char **argv, int *i, const char *prog)
{
	const char *opt = argv[*i], *val;
	int r = impair_opts_parse(&o->imp, argc, argv, i, prog);

	if (r)
		return r;
	if (!strcmp(opt, "--trace") || !strcmp(opt, "--trace=json")) {
		o->trace = true;
		/* "--trace json": the next word says which printer */
		if (opt[7] == '=' || (*i + 1 < argc && !strcmp(argv[*i + 1], "json"))) {
			o->trace_json = true;
			if (opt[7] != '=')
				(*i)++;
		}
		return 1;
	}
	if (!strcmp(opt, "--nstat")) {
		o->nstat = true;
		return 1;
	}
	if (!strcmp(opt, "--ipv6")) {
		o->ipv6 = true;
		return 1;
	}
	if (!strcmp(opt, "--no-offload")) {
		o->no_offload = true;
		return 1;
	}
	if (!strcmp(opt, "--no-diag")) {
		o->no_diag = true;
		return 1;
	}
	if (!strcmp(opt, "--diag")) {
		if (*i + 1 >= argc) {
			fprintf(stderr, "%s: option --diag needs a value\n", prog);
			return -1;
		}
		o->diag = argv[++*i];
		return 1;
	}
	if (strcmp(opt, "--tap") && strcmp(opt, "--tun") && strcmp(opt, "--ip") &&
	    strcmp(opt, "--gw") && strcmp(opt, "--seed") && strcmp(opt, "--pcap") &&
	    (strcmp(opt, "--threads") || !o->threads_ok))
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "%s: option %s needs a value\n", prog, opt);
		return -1;
	}
	val = argv[++*i];
	if (!strcmp(opt, "--tap") || !strcmp(opt, "--tun")) {
		if (!*val || strlen(val) > 15) {
			fprintf(stderr, "%s: '%s' is not an interface name (1 to 15 bytes)\n", prog,
				val);
			return -1;
		}
		o->ifname = val;
		o->type = !strcmp(opt, "--tap") ? UT_DEV_ETHER : UT_DEV_RAWIP;
	} else if (!strcmp(opt, "--ip")) {
		struct ut_ip ip;
		unsigned prefix;

		if (parse_prefix(val, &ip, &prefix) < 0) {
			fprintf(stderr,
				"%s: --ip wants ADDR/PREFIX, e.g. 10.99.0.2/24 or fd00:99::2/64, "
				"not '%s'\n",
				prog, val);
			return -1;
		}
		if ((ip.family == AF_INET ? o->prefix : o->prefix6) != 0) {
			fprintf(stderr, "%s: --ip: one address of each family\n", prog);
			return -1;
		}
		if (ip.family == AF_INET) {
			o->addr = ip.u.v4.s_addr;
			o->prefix = prefix;
		} else {
			o->addr6 = ip;
			o->prefix6 = prefix;
			o->ipv6 = true;
		}
	} else if (!strcmp(opt, "--gw")) {
		if (!parse_ipv4(val, &o->gw)) {
			fprintf(stderr, "%s: --gw wants an IPv4 address, not '%s'\n", prog, val);
			return -1;
		}
	} else if (!strcmp(opt, "--threads")) {
		uint64_t n;
		if (!parse_u64(val, &n) || n < 1 || n > UT_GROUP_MAX) {
			fprintf(stderr, "%s: --threads wants 1 to %d, not '%s'\n", prog,
				UT_GROUP_MAX, val);
			return -1;
		}
		o->threads = (unsigned)n;
	} else if (!strcmp(opt, "--seed")) {
		if (!parse_u64(val, &o->seed) || o->seed == 0) {
			fprintf(stderr, "%s: --seed wants a positive integer, not '%s'\n", prog,
				val);
			return -1;
		}
	} else {
		o->pcap = val;
	}
	return 1;
}

/* Sets up stack i of the group on its queue: MTU, addresses, route,
 * impairments, capture, trace. 0, or -1 after saying why. */
static int attach_setup_stack(const struct attach_opts *o, struct attach *a, unsigned i)
{
	struct ut_stack *st = a->stacks[i];
	struct ut_dev *dev = a->devs[i];
	const char *prog = a->prog;
	int err;

	/* --mtu shrinks (or grows) the device itself: a device's impairment
	 * takes the device's MTU. */
	if (o->imp.link.mtu != 1500 && (err = ut_dev_set_mtu(dev, o->imp.link.mtu)) < 0) {
		fprintf(stderr, "%s: --mtu %u: %s\n", prog, o->imp.link.mtu, strerror(-err));
		return -1;
	}
	if (o->prefix && (err = ut_addr_add(st, dev, ut_ip_v4(o->addr), o->prefix)) < 0) {
		fprintf(stderr, "%s: --ip: %s\n", prog, strerror(-err));
		return -1;
	}
	if (o->prefix6 && (err = ut_addr_add(st, dev, o->addr6, o->prefix6)) < 0) {
		fprintf(stderr, "%s: --ip: %s\n", prog, strerror(-err));
		return -1;
	}
	if (o->gw && (err = ut_route_add(st, ut_ip_v4(INADDR_ANY), 0, ut_ip_v4(o->gw), NULL)) < 0) {
		fprintf(stderr, "%s: --gw: %s%s\n", prog, strerror(-err),
			err == -ENETUNREACH ? " (the gateway must be inside --ip's prefix)" : "");
		return -1;
	}
	if (o->imp.any) {
		uint64_t seed = o->seed;
		/* Without --seed each run draws different losses, as a real
		 * bad network would. */
		if (!seed && getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
			seed = (uint64_t)ut_stack_now(st);
		if ((err = ut_dev_set_netem(dev, UT_DEV_BOTH, &o->imp.link, seed + i)) < 0) {
			fprintf(stderr, "%s: impairments: %s\n", prog, strerror(-err));
			return -1;
		}
	}
	if (o->pcap) {
		char path[4096];
		if (i == 0)
			snprintf(path, sizeof(path), "%s", o->pcap);
		else
			snprintf(path, sizeof(path), "%s.q%u", o->pcap, i);
		if ((err = ut_dev_pcap_open(dev, path)) < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(-err));
			return -1;
		}
		a->pcap = true;
	}
	if (o->trace)
		ut_trace_set(st, o->trace_json ? ut_trace_print_json : ut_trace_print_text, stderr);
	return 0;
}

int attach_open(const struct attach_opts *o, const char *prog, struct attach *a)
{
	struct ut_stack_config cfg;
	char why[512];
	int err;

	memset(a, 0, sizeof(*a));
	a->prog = prog;
	a->report = o->verbose && o->imp.any;
	a->nstat = o->nstat;
	if (!o->ifname || (!o->prefix && !o->ipv6)) {
		fprintf(stderr, "%s: %s is needed (see --help)\n", prog,
			!o->ifname ? "an interface, --tap IF or --tun IF,"
				   : "--ip ADDR/PREFIX (or --ipv6)");
		return -1;
	}
	ut_stack_config_init(&cfg);
	cfg.seed = o->seed; /* 0: fresh secrets from getrandom() */
	cfg.name = prog;
	if ((err = ut_group_create(&cfg, o->threads, &a->group)) < 0) {
		fprintf(stderr, "%s: cannot create the stack: %s\n", prog, strerror(-err));
		return -1;
	}
	a->n = ut_group_size(a->group);
	for (unsigned i = 0; i < a->n; i++)
		a->stacks[i] = ut_group_stack(a->group, i);
	a->stack = a->stacks[0];
	/* IPv6 on lo and on the interface from the moment it is opened,
	 * so that it configures itself as a Linux host's does. */
	for (unsigned i = 0; o->ipv6 && i < a->n; i++)
		if ((err = ut_sysctl_set(a->stacks[i], "net.ipv6.conf.all.disable_ipv6", 0)) < 0) {
			fprintf(stderr, "%s: --ipv6: %s\n", prog, strerror(-err));
			goto fail;
		}
	/* Impairments act on wire packets with the offloads on too: the
	 * device cuts a 64 KB buffer into the packets it stands for before
	 * they are impaired, and joins the survivors again
	 * (ut_dev_set_netem), so 1 % loss is 1 % of packets. */
	bool plain = o->no_offload;
	err = ut_group_open_tuntap(a->group, o->ifname, o->type, plain ? UT_DEV_F_NO_OFFLOAD : 0,
				   NULL, a->devs);
	if (err < 0) {
		fprintf(stderr, "%s: %s\n", prog,
			ut_dev_tuntap_strerror(err, o->ifname, o->type, why, sizeof(why)));
		goto fail;
	}
	a->dev = a->devs[0];
	/* A refused offload costs speed, never correctness: said once, as
	 * a note, and the tool goes on. */
	if (ut_dev_offload_note(a->dev))
		fprintf(stderr, "%s: note: %s: %s\n", prog, o->ifname, ut_dev_offload_note(a->dev));
	for (unsigned i = 0; i < a->n; i++)
		if (attach_setup_stack(o, a, i) < 0)
			goto fail;
	if ((err = ut_group_thread_start(a->group)) < 0) {
		fprintf(stderr, "%s: cannot start the stack thread: %s\n", prog, strerror(-err));
		goto fail;
	}
	if (!o->no_diag) {
		/* published by default, as the kernel's sockets are to ss; a
		 * stack that cannot publish still runs, and says why */
		char name[80];
		const char *tool = strrchr(prog, ' ');
		snprintf(name, sizeof(name), "%s-%d", tool ? tool + 1 : prog, (int)getpid());
		if ((err = ut_group_diag_start(a->group, o->diag ? o->diag : name, &a->diag)) < 0)
			fprintf(stderr, "%s: note: no diagnostics endpoint (usertcp ss): %s\n",
				prog, strerror(-err));
		else if (o->verbose)
			fprintf(stderr, "%s: usertcp ss --stack %s\n", prog,
				o->diag ? o->diag : name);
	}
	return 0;
fail:
	attach_close(a);
	return -1;
}

void attach_close(struct attach *a)
{
	if (!a->group)
		return;
	ut_diag_stop(a->diag);
	a->diag = NULL;
	ut_group_thread_stop(a->group);
	if (a->nstat && a->dev) {
		fprintf(stderr, "#%s: the stack's counters at exit\n", a->prog);
		counters_print(a->stacks, a->n, stderr);
		dev_stats_print(a->devs, a->n, a->group, a->prog, stderr);
	}
	for (int dir = UT_DEV_EGRESS; a->report && a->dev && dir <= UT_DEV_INGRESS; dir++) {
		struct ut_link_stats st, q;
		memset(&st, 0, sizeof(st));
		for (unsigned i = 0; i < a->n; i++) {
			ut_dev_get_netem_stats(a->devs[i], dir, &q);
			st.sent += q.sent;
			st.lost += q.lost;
			st.duplicated += q.duplicated;
			st.reordered += q.reordered;
			st.corrupted += q.corrupted;
			st.queue_drops += q.queue_drops;
			st.ce_marked += q.ce_marked;
		}
		fprintf(stderr,
			"%s: impairments %s %s: %llu frames, %llu lost, %llu duplicated, "
			"%llu reordered, %llu corrupted, %llu queue drops, %llu marked CE\n",
			a->prog, dir == UT_DEV_EGRESS ? "out of" : "into", ut_dev_name(a->dev),
			(unsigned long long)st.sent, (unsigned long long)st.lost,
			(unsigned long long)st.duplicated, (unsigned long long)st.reordered,
			(unsigned long long)st.corrupted, (unsigned long long)st.queue_drops,
			(unsigned long long)st.ce_marked);
	}
	for (unsigned i = 0; a->pcap && i < a->n; i++)
		if (a->devs[i])
			ut_dev_pcap_close(a->devs[i]);
	ut_group_destroy(a->group);
	a->group = NULL;
	a->stack = NULL;
}
