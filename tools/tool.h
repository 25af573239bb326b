/* Shared pieces of the usertcp program's subcommands. */
#ifndef USERTCP_TOOL_H
#define USERTCP_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "usertcp/usertcp.h"

/* One subcommand: `usertcp NAME ...`. */
struct tool_cmd {
	const char *name;
	const char *summary;
	int (*main)(int argc, char **argv);
};

int cmd_ping(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_nc(int argc, char **argv);
int cmd_httpd(int argc, char **argv);
int cmd_ss(int argc, char **argv);
int cmd_nstat(int argc, char **argv);
int cmd_ip(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_view(int argc, char **argv);

/* The replay page (tools/view.c) of len bytes of trace JSON lines, written
 * to out_path ("-": standard output); title names the trace; conn (from
 * 1) keeps one connection's events, 0 all. 0, or 1 after printing why to
 * stderr as prog (a bad line names its number). */
int view_write_html(const char *trace, size_t len, const char *title, const char *out_path,
		    const char *prog, unsigned conn);
int cmd_run(int argc, char **argv);

/* Asks a running stack's diagnostics endpoint (usertcp/diag.h) one
 * question: the stack named stack, or the only one running when NULL
 * (its name into name, if given). The answer is malloc'ed. 0, or -1
 * after printing why to stderr as prog. */
int diag_ask(const char *prog, const char *stack, const char *question, uint8_t **answer,
	     size_t *len, char *name, size_t name_len);

/* Impairment options every tool accepts (--delay MS, --jitter MS,
 * --loss PCT, --dup PCT, --reorder PCT, --corrupt PCT, --rate RATE,
 * --mtu N, --queue N), parsed into link parameters. */
struct impair_opts {
	struct ut_link_params link;
	bool any;
};
void impair_opts_init(struct impair_opts *o);
/* If argv[*i] is an impairment option, consumes it (and its value),
 * advancing *i, and returns 1; returns 0 if it is not one; -1 (after
 * printing why) if its value is bad. */
int impair_opts_parse(struct impair_opts *o, int argc, char **argv, int *i, const char *prog);
extern const char impair_opts_help[];

/* Options of the tools that attach a stack to a host's TAP or TUN
 * interface (--tap/--tun IF, --ip ADDR/PREFIX, --gw, --seed, --pcap,
 * --no-offload, --trace, --nstat and the impairments), and the stack they set up. */
struct attach_opts {
	const char *ifname;
	enum ut_dev_type type;
	uint32_t addr, gw;  /* network order; gw 0: none */
	unsigned prefix;    /* 0: no IPv4 --ip given */
	struct ut_ip addr6; /* an IPv6 --ip */
	unsigned prefix6;   /* 0: none given */
	bool ipv6;	    /* --ipv6, or an IPv6 --ip: IPv6 on the interface */
	bool no_offload;    /* --no-offload: plain frames (UT_DEV_F_NO_OFFLOAD) */
	uint64_t seed;	    /* 0: random */
	const char *pcap;
	bool trace;
	bool trace_json;  /* --trace json: JSON lines instead of the narrative */
	bool nstat;	  /* print the counters at exit */
	const char *diag; /* --diag NAME: the diagnostics endpoint's name */
	bool no_diag;	  /* --no-diag: publish none */
	bool verbose;	  /* the tool's -v: report impairments */
	struct impair_opts imp;
	/* --threads N: a stack per queue of a multi-queue interface
	 * (usertcp/group.h); taken only by a tool that sets threads_ok
	 * before parsing, and adds attach_threads_help to its usage. */
	bool threads_ok;
	unsigned threads; /* 1 unless --threads */
};
extern const char attach_threads_help[];
/* The stacks of an attached interface: one, or one per queue. Each runs
 * a stack thread from attach_open on. */
struct attach {
	struct ut_group *group;
	unsigned n;
	struct ut_stack *stack; /* stack 0, the only one without --threads */
	struct ut_dev *dev;	/* its device */
	struct ut_stack *stacks[UT_GROUP_MAX];
	struct ut_dev *devs[UT_GROUP_MAX];
	const char *prog;
	bool pcap;
	bool report;
	bool nstat;
	struct ut_diag *diag; /* what usertcp ss and nstat ask */
};
void attach_opts_init(struct attach_opts *o);
/* As impair_opts_parse (which it includes): 1 consumed, 0 not one of
 * ours, -1 after printing why the value is bad. */
int attach_opts_parse(struct attach_opts *o, int argc, char **argv, int *i, const char *prog);
extern const char attach_opts_help[];
/* Creates the stack, attaches the interface and starts the stack thread;
 * 0, or -1 after printing the cause (and the fix, for the interface). */
int attach_open(const struct attach_opts *o, const char *prog, struct attach *a);
/* Stops the stack thread and destroys the stack (no-op if never opened),
 * first saying what the impairments did if asked to (verbose). */
void attach_close(struct attach *a);

/* tools/counters.c: every non-zero counter of the stacks, summed, one
 * "NAME VALUE" line each under nstat's names (TcpExtTCPSackRecovery);
 * and every counter of the devices (a group's queues summed, then each
 * queue's share and what the stacks handed each other), zeros included,
 * after a "#PROG: device IF at exit" line. */
void counters_print(struct ut_stack *const *stacks, unsigned n, FILE *f);
void dev_stats_print(struct ut_dev *const *devs, unsigned n, struct ut_group *group,
		     const char *prog, FILE *f);

/* Parsing helpers that reject trailing junk and out-of-range values. */
bool parse_u64(const char *s, uint64_t *out);
bool parse_double(const char *s, double *out);
bool parse_ipv4(const char *s, uint32_t *out);

/* An address from the command line (tools/netaddr.c): IPv4, or IPv6 with
 * an optional %scope, an interface name or index, kept as text until the
 * stack (whose interfaces it names) exists. */
struct tool_addr {
	struct ut_ip ip;
	char scope[17]; /* "" when none */
};
/* "10.0.0.1", "fd00::1", "fe80::1%tap0", "[fd00::1]": 0, or -1 with why
 * written into why. */
int tool_addr_parse(const char *s, struct tool_addr *a, char *why, size_t whylen);
/* As tool_addr_parse, or with a port: "[fd00::1]:80", "10.0.0.1:80" (bare
 * IPv6 text never has one); *have_port says whether one was there. */
int tool_hostport_parse(const char *s, struct tool_addr *a, bool *have_port, uint16_t *port,
			char *why, size_t whylen);
/* The socket address of a for a socket of family (AF_INET, or AF_INET6:
 * an IPv4 address becomes v4-mapped), its scope resolved among the
 * stack's interfaces (lo, and ifname, the one attached). A link-local
 * address needs one. 0, or -1 with why. */
int tool_sockaddr(struct ut_stack *st, const char *ifname, const struct tool_addr *a, int family,
		  uint16_t port, struct sockaddr_storage *ss, socklen_t *len, char *why,
		  size_t whylen);
/* sa's address as getnameinfo(NI_NUMERICHOST) writes it: "10.0.0.1",
 * "::ffff:10.0.0.1", "fe80::1%tap0". Returns buf. */
const char *tool_sockaddr_host(struct ut_stack *st, const char *ifname, const struct sockaddr *sa,
			       char *buf, size_t len);
uint16_t tool_sockaddr_port(const struct sockaddr *sa);
/* Room for tool_sockaddr_host's text. */
#define TOOL_HOST_STRLEN (UT_IP_STRLEN + 1 + 16)
/* Waits up to max_ms until the stack has a route and a usable source
 * address for the IPv6 address dst (after DAD, or after SLAAC); at once
 * for IPv4. */
void tool_wait_source(struct ut_stack *st, const struct tool_addr *dst, unsigned max_ms);
/* ut_bind, retried for up to max_ms while an IPv6 address of ours is
 * still tentative (EADDRNOTAVAIL). */
int tool_bind_wait(struct ut_stack *st, int fd, const struct sockaddr *sa, socklen_t len,
		   unsigned max_ms);

#endif
