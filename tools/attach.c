/* A stack of its own on one of the host's TAP or TUN interfaces, as the
 * tools that talk to real peers (nc, httpd) set it up: the options they
 * share, and the steps an application takes (create the stack, open the
 * interface, address it, route, impair, capture, trace, start the stack
 * thread). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	"  --nstat          at exit, print the stack's non-zero counters on standard\n"
	"                   error, under nstat's names (TcpExtTCPSackRecovery ...),\n"
	"                   then the device's (IF:rx_packets ... IF:rx_syscalls,\n"
	"                   IF:tx_syscalls, IF:poll_waits: the system calls it cost)\n";

void attach_opts_init(struct attach_opts *o)
{
	memset(o, 0, sizeof(*o));
	impair_opts_init(&o->imp);
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
	if (!strcmp(opt, "--trace")) {
		o->trace = true;
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
	if (strcmp(opt, "--tap") && strcmp(opt, "--tun") && strcmp(opt, "--ip") &&
	    strcmp(opt, "--gw") && strcmp(opt, "--seed") && strcmp(opt, "--pcap"))
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
	if ((err = ut_stack_create(&cfg, &a->stack)) < 0) {
		fprintf(stderr, "%s: cannot create the stack: %s\n", prog, strerror(-err));
		return -1;
	}
	/* IPv6 on lo and on the interface from the moment it is opened,
	 * so that it configures itself as a Linux host's does. */
	if (o->ipv6 && (err = ut_sysctl_set(a->stack, "net.ipv6.conf.all.disable_ipv6", 0)) < 0) {
		fprintf(stderr, "%s: --ipv6: %s\n", prog, strerror(-err));
		goto fail;
	}
	err = ut_dev_open_tuntap(a->stack, o->ifname, o->type,
				 o->no_offload ? UT_DEV_F_NO_OFFLOAD : 0, NULL, &a->dev);
	if (err < 0) {
		fprintf(stderr, "%s: %s\n", prog,
			ut_dev_tuntap_strerror(err, o->ifname, o->type, why, sizeof(why)));
		goto fail;
	}
	/* A refused offload costs speed, never correctness: said once, as
	 * a note, and the tool goes on. */
	if (ut_dev_offload_note(a->dev))
		fprintf(stderr, "%s: note: %s: %s\n", prog, o->ifname, ut_dev_offload_note(a->dev));
	/* --mtu shrinks (or grows) the device itself: a device's impairment
	 * takes the device's MTU. */
	if (o->imp.link.mtu != 1500 && (err = ut_dev_set_mtu(a->dev, o->imp.link.mtu)) < 0) {
		fprintf(stderr, "%s: --mtu %u: %s\n", prog, o->imp.link.mtu, strerror(-err));
		goto fail;
	}
	if (o->prefix && (err = ut_addr_add(a->stack, a->dev, ut_ip_v4(o->addr), o->prefix)) < 0) {
		fprintf(stderr, "%s: --ip: %s\n", prog, strerror(-err));
		goto fail;
	}
	if (o->prefix6 && (err = ut_addr_add(a->stack, a->dev, o->addr6, o->prefix6)) < 0) {
		fprintf(stderr, "%s: --ip: %s\n", prog, strerror(-err));
		goto fail;
	}
	if (o->gw &&
	    (err = ut_route_add(a->stack, ut_ip_v4(INADDR_ANY), 0, ut_ip_v4(o->gw), NULL)) < 0) {
		fprintf(stderr, "%s: --gw: %s%s\n", prog, strerror(-err),
			err == -ENETUNREACH ? " (the gateway must be inside --ip's prefix)" : "");
		goto fail;
	}
	if (o->imp.any) {
		uint64_t seed = o->seed;
		/* Without --seed each run draws different losses, as a real
		 * bad network would. */
		if (!seed && getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
			seed = (uint64_t)ut_stack_now(a->stack);
		if ((err = ut_dev_set_netem(a->dev, UT_DEV_BOTH, &o->imp.link, seed)) < 0) {
			fprintf(stderr, "%s: impairments: %s\n", prog, strerror(-err));
			goto fail;
		}
	}
	if (o->pcap) {
		if ((err = ut_dev_pcap_open(a->dev, o->pcap)) < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, o->pcap, strerror(-err));
			goto fail;
		}
		a->pcap = true;
	}
	if (o->trace)
		ut_trace_set(a->stack, ut_trace_print_text, stderr);
	if ((err = ut_stack_thread_start(a->stack)) < 0) {
		fprintf(stderr, "%s: cannot start the stack thread: %s\n", prog, strerror(-err));
		goto fail;
	}
	return 0;
fail:
	attach_close(a);
	return -1;
}

/* One counter as nstat prints it: the group and the name run together
 * (TcpExtTCPSackRecovery, IpInReceives), then the value. */
static void attach_print_counter(void *arg, const char *group, const char *name, uint64_t value)
{
	char full[96];

	if (!value)
		return;
	snprintf(full, sizeof(full), "%s%s", group, name);
	/* MaxConn is -1 (no limit), as /proc/net/snmp prints it */
	if (value > (uint64_t)INT64_MAX)
		fprintf(arg, "%-31s %lld\n", full, (long long)value);
	else
		fprintf(arg, "%-31s %llu\n", full, (unsigned long long)value);
}

/* The device's counters (ip -s link's, GRO's, and the system calls the
 * device cost), every one even when zero, so that a script reading them
 * (scripts/tap-throughput.sh) finds each name. */
static void attach_print_dev_stats(const struct attach *a, FILE *f)
{
	struct ut_dev_stats st;
	const char *dn = ut_dev_name(a->dev);

	ut_dev_get_stats(a->dev, &st);
	const struct {
		const char *name;
		uint64_t value;
	} rows[] = {
		{"rx_packets", st.rx_packets},
		{"rx_bytes", st.rx_bytes},
		{"rx_dropped", st.rx_dropped},
		{"tx_packets", st.tx_packets},
		{"tx_bytes", st.tx_bytes},
		{"tx_dropped", st.tx_dropped},
		{"rx_gro_packets", st.rx_gro_packets},
		{"rx_gro_wire_packets", st.rx_gro_wire_packets},
		{"rx_syscalls", st.rx_syscalls},
		{"rx_syscalls_empty", st.rx_syscalls_empty},
		{"tx_syscalls", st.tx_syscalls},
		{"poll_waits", st.poll_waits},
	};

	fprintf(f, "#%s: device %s at exit\n", a->prog, dn);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char full[96];
		snprintf(full, sizeof(full), "%s:%s", dn, rows[i].name);
		fprintf(f, "%-31s %llu\n", full, (unsigned long long)rows[i].value);
	}
}

void attach_close(struct attach *a)
{
	if (!a->stack)
		return;
	ut_stack_thread_stop(a->stack);
	if (a->nstat) {
		fprintf(stderr, "#%s: the stack's counters at exit\n", a->prog);
		ut_counter_foreach(a->stack, attach_print_counter, stderr);
		attach_print_dev_stats(a, stderr);
	}
	for (int dir = UT_DEV_EGRESS; a->report && dir <= UT_DEV_INGRESS; dir++) {
		struct ut_link_stats st;
		ut_dev_get_netem_stats(a->dev, dir, &st);
		fprintf(stderr,
			"%s: impairments %s %s: %llu frames, %llu lost, %llu duplicated, "
			"%llu reordered, %llu corrupted, %llu queue drops, %llu marked CE\n",
			a->prog, dir == UT_DEV_EGRESS ? "out of" : "into", ut_dev_name(a->dev),
			(unsigned long long)st.sent, (unsigned long long)st.lost,
			(unsigned long long)st.duplicated, (unsigned long long)st.reordered,
			(unsigned long long)st.corrupted, (unsigned long long)st.queue_drops,
			(unsigned long long)st.ce_marked);
	}
	if (a->pcap)
		ut_dev_pcap_close(a->dev);
	ut_stack_destroy(a->stack);
	a->stack = NULL;
}
