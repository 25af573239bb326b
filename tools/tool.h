/* Shared pieces of the usertcp program's subcommands. */
#ifndef USERTCP_TOOL_H
#define USERTCP_TOOL_H

#include <stdbool.h>
#include <stdint.h>

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
 * --trace, --nstat and the impairments), and the stack they set up. */
struct attach_opts {
	const char *ifname;
	enum ut_dev_type type;
	uint32_t addr, gw;  /* network order; gw 0: none */
	unsigned prefix;    /* 0: no IPv4 --ip given */
	struct ut_ip addr6; /* an IPv6 --ip */
	unsigned prefix6;   /* 0: none given */
	bool ipv6;	    /* --ipv6, or an IPv6 --ip: IPv6 on the interface */
	uint64_t seed;	    /* 0: random */
	const char *pcap;
	bool trace;
	bool nstat;   /* print the counters at exit */
	bool verbose; /* the tool's -v: report impairments */
	struct impair_opts imp;
};
struct attach {
	struct ut_stack *stack;
	struct ut_dev *dev;
	const char *prog;
	bool pcap;
	bool report;
	bool nstat;
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

/* Parsing helpers that reject trailing junk and out-of-range values. */
bool parse_u64(const char *s, uint64_t *out);
bool parse_double(const char *s, double *out);
bool parse_ipv4(const char *s, uint32_t *out);

#endif
