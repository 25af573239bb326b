/* usertcp ip tcp_metrics: what a running stack remembers per destination,
 * as `ip tcp_metrics` shows the kernel's. usertcp keeps of Linux's TCP
 * metrics the part Fast Open uses (the cookie and the MSS a server
 * gave, src/ipv4/tcp_fastopen.c); `flush` forgets them, as
 * `ip tcp_metrics flush` makes Linux forget its own, so that the next
 * Fast Open connect asks for a cookie again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static const char ip_help[] =
	"Usage: usertcp ip [--stack NAME] tcp_metrics { show | list } [ADDRESS]\n"
	"       usertcp ip [--stack NAME] tcp_metrics flush [all]\n"
	"\n"
	"What a running usertcp stack remembers per destination, as ip(8)'s\n"
	"tcp_metrics object shows the kernel's: the Fast Open cookie and MSS a\n"
	"server gave (fo_cookie, fo_mss), and how long ago they were last used.\n"
	"flush forgets them all.\n"
	"\n"
	"  --stack NAME  the stack's endpoint name (usertcp/diag.h); may be left\n"
	"                out when one stack is running\n";

/* One line of the endpoint's answer: "ADDR AGE_MS MSS COOKIE EXP". */
static void show_line(const char *line, const char *only)
{
	char addr[64], cookie[40];
	unsigned long long age;
	unsigned mss;
	int exp;

	if (sscanf(line, "%63s %llu %u %39s %d", addr, &age, &mss, cookie, &exp) != 5)
		return;
	if (only && strcmp(addr, only) != 0)
		return;
	printf("%s age %llu.%03llusec", addr, age / 1000, age % 1000);
	if (mss)
		printf(" fo_mss %u", mss);
	if (strcmp(cookie, "-") != 0)
		printf(" fo_cookie %s", cookie);
	putchar('\n');
}

static int tcp_metrics(const char *stack, int argc, char **argv)
{
	const char *verb = argc > 0 ? argv[0] : "show", *only = NULL;
	bool flush;
	uint8_t *ans;
	size_t len;

	if (!strcmp(verb, "show") || !strcmp(verb, "list")) {
		flush = false;
		if (argc > 2) {
			fprintf(stderr, "usertcp ip: tcp_metrics %s takes one address\n", verb);
			return 2;
		}
		only = argc == 2 ? argv[1] : NULL;
	} else if (!strcmp(verb, "flush")) {
		flush = true;
		if (argc > 2 || (argc == 2 && strcmp(argv[1], "all") != 0)) {
			fprintf(stderr,
				"usertcp ip: tcp_metrics flush forgets every destination "
				"(\"flush\" or \"flush all\"); one address at a time is not "
				"supported\n");
			return 2;
		}
	} else {
		fprintf(stderr, "usertcp ip: tcp_metrics: unknown command \"%s\"\n%s", verb,
			ip_help);
		return 2;
	}
	if (diag_ask("usertcp ip", stack, flush ? "tcp_metrics flush\n" : "tcp_metrics\n", &ans,
		     &len, NULL, 0) < 0)
		return 1;
	if (len >= 6 && !memcmp(ans, "error:", 6)) {
		/* a stack of an older usertcp does not know the question */
		fprintf(stderr, "usertcp ip: the stack answered: %.*s", (int)len, (char *)ans);
		free(ans);
		return 1;
	}
	for (size_t start = 0; start < len;) {
		const char *p = (const char *)ans + start;
		const char *nl = memchr(p, '\n', len - start);
		size_t n = nl ? (size_t)(nl - p) : len - start;
		char line[256];
		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			show_line(line, only);
		}
		start += n + 1;
	}
	free(ans);
	return 0;
}

int cmd_ip(int argc, char **argv)
{
	const char *stack = NULL;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(ip_help, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--stack") && i + 1 < argc) {
			stack = argv[++i];
		} else {
			fprintf(stderr, "usertcp ip: unknown option %s\n%s", argv[i], ip_help);
			return 2;
		}
	}
	if (i < argc && (!strcmp(argv[i], "tcp_metrics") || !strcmp(argv[i], "tcpmetrics")))
		return tcp_metrics(stack, argc - i - 1, argv + i + 1);
	fprintf(stderr, "usertcp ip: %s%s\n%s",
		i < argc ? "only the tcp_metrics object is supported, not " : "an object is needed",
		i < argc ? argv[i] : "", ip_help);
	return 2;
}
