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
int impair_opts_parse(struct impair_opts *o, int argc, char **argv, int *i,
		      const char *prog);
extern const char impair_opts_help[];

/* Parsing helpers that reject trailing junk and out-of-range values. */
bool parse_u64(const char *s, uint64_t *out);
bool parse_double(const char *s, double *out);
bool parse_ipv4(const char *s, uint32_t *out);

#endif
