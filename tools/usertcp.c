/* usertcp: one program, many subcommands (like ip or git). */
#include <stdio.h>
#include <string.h>

#include "tool.h"

static const struct tool_cmd tool_cmds[] = {
	{"demo", "the life of a TCP connection between two simulated hosts, step by step",
	 cmd_demo},
	{"ping", "ICMP echo between two simulated hosts, printed as Linux's ping does", cmd_ping},
	{"nc", "netcat over usertcp on a TAP or TUN interface", cmd_nc},
	{"httpd", "a static HTTP/1.1 server over usertcp on a TAP or TUN interface", cmd_httpd},
	{"ss", "the sockets of a running stack, as ss shows the kernel's", cmd_ss},
	{"nstat", "the counters of a running stack, as nstat shows the kernel's", cmd_nstat},
	{"ip", "a running stack's TCP metrics (ip tcp_metrics show, flush)", cmd_ip},
	{"plot", "a connection's graphs (time-sequence, cwnd, RTT...) as SVG, from a trace or pcap",
	 cmd_plot},
	{"view", "a trace as an HTML page that replays the connection, step by step", cmd_view},
	{"run", "an unmodified program with its sockets on usertcp (LD_PRELOAD)", cmd_run},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: usertcp COMMAND [options]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(tool_cmds) / sizeof(tool_cmds[0]); i++)
		fprintf(f, "  %-8s %s\n", tool_cmds[i].name, tool_cmds[i].summary);
	fprintf(f, "  %-8s %s\n", "version", "print the version");
	fprintf(f, "\nRun 'usertcp COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("usertcp %s\n", UT_VERSION_STRING);
		return 0;
	}
	for (size_t i = 0; i < sizeof(tool_cmds) / sizeof(tool_cmds[0]); i++)
		if (!strcmp(argv[1], tool_cmds[i].name))
			return tool_cmds[i].main(argc - 1, argv + 1);
	fprintf(stderr, "usertcp: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
