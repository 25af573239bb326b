/* usertcp nstat: the counters of a running stack, as nstat(8) shows the
 * kernel's: by default how much each moved since the last run (a history
 * file per user and stack keeps the values), with -a the values
 * themselves. Names are nstat's: the group and the counter run together
 * (TcpExtTCPHPHits). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"
#include "usertcp/diag.h"

#define NSTAT_MAX 1024

struct counter {
	char name[96];
	unsigned long long v;
};

static const char nstat_help[] =
	"Usage: usertcp nstat [-a] [-z] [-r] [-n] [-s] [--stack NAME] [PATTERN...]\n"
	"\n"
	"The counters of a running usertcp stack (summed over a group's stacks),\n"
	"as nstat shows the kernel's: what moved since the last run.\n"
	"  -a   the values themselves, not what moved (history still updated)\n"
	"  -z   counters that are 0 (or did not move) too\n"
	"  -r   forget the history first (so values since the stack started)\n"
	"  -n   update the history only, print nothing\n"
	"  -s   do not update the history\n"
	"  --stack NAME  the stack's endpoint name (usertcp/diag.h)\n"
	"  PATTERN  only counters whose names contain one of them\n";

/* "Group Name Value" lines into counters; returns how many. */
static int parse_counters(const char *text, size_t len, struct counter *c, int max)
{
	int n = 0;
	size_t off = 0;

	while (off < len && n < max) {
		char g[48], name[48];
		unsigned long long v;
		const char *nl = memchr(text + off, '\n', len - off);
		size_t l = nl ? (size_t)(nl - (text + off)) : len - off;
		char line[128];
		if (l < sizeof(line)) {
			memcpy(line, text + off, l);
			line[l] = '\0';
			if (sscanf(line, "%47s %47s %llu", g, name, &v) == 3) {
				snprintf(c[n].name, sizeof(c[n].name), "%s%s", g, name);
				c[n++].v = v;
			}
		}
		off += l + 1;
	}
	return n;
}

static int read_history(const char *path, struct counter *c, int max)
{
	FILE *f = fopen(path, "r");
	int n = 0;
	char line[160];

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f))
		if (line[0] != '#' && sscanf(line, "%95s %llu", c[n].name, &c[n].v) == 2)
			n++;
	fclose(f);
	return n;
}

static void write_history(const char *path, const struct counter *c, int n)
{
	char tmp[600];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	if (!(f = fopen(tmp, "w")))
		return;
	fprintf(f, "#usertcp\n");
	for (int i = 0; i < n; i++)
		fprintf(f, "%s %llu\n", c[i].name, c[i].v);
	if (fclose(f) == 0)
		rename(tmp, path);
	else
		unlink(tmp);
}

int cmd_nstat(int argc, char **argv)
{
	bool abs = false, zeros = false, reset = false, quiet = false, keep = false;
	const char *stack = NULL, *pats[32];
	int npat = 0, n, nh = 0;
	struct counter *cur = calloc(NSTAT_MAX, sizeof(*cur)),
		       *hist = calloc(NSTAT_MAX, sizeof(*hist));
	char name[128], dir[256], path[512];
	uint8_t *ans;
	size_t len;

	if (!cur || !hist) {
		fprintf(stderr, "usertcp nstat: out of memory\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(nstat_help, stdout);
			free(cur);
			free(hist);
			return 0;
		} else if (!strcmp(a, "--stack") && i + 1 < argc) {
			stack = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			for (const char *c = a + 1; *c; c++) {
				if (*c == 'a')
					abs = true;
				else if (*c == 'z')
					zeros = true;
				else if (*c == 'r')
					reset = true;
				else if (*c == 'n')
					quiet = true;
				else if (*c == 's')
					keep = true;
				else {
					fprintf(stderr, "usertcp nstat: unknown option -%c\n%s", *c,
						nstat_help);
					free(cur);
					free(hist);
					return 2;
				}
			}
		} else if (npat < 32) {
			pats[npat++] = a;
		}
	}
	if (diag_ask("usertcp nstat", stack, "counters\n", &ans, &len, name, sizeof(name)) < 0) {
		free(cur);
		free(hist);
		return 1;
	}
	n = parse_counters((const char *)ans, len, cur, NSTAT_MAX);
	free(ans);
	/* the history lives beside the endpoints, private to the user */
	path[0] = '\0';
	if (ut_diag_dir(dir, sizeof(dir), 0) == 0)
		snprintf(path, sizeof(path), "%s/.nstat.%s", dir, name);
	if (path[0] && !reset)
		nh = read_history(path, hist, NSTAT_MAX);
	if (!quiet)
		printf("#usertcp %s\n", name);
	for (int i = 0; i < n && !quiet; i++) {
		unsigned long long prev = 0, shown;
		bool match = npat == 0;
		for (int k = 0; k < npat && !match; k++)
			match = strstr(cur[i].name, pats[k]) != NULL;
		if (!match)
			continue;
		for (int k = 0; k < nh; k++)
			if (!strcmp(hist[k].name, cur[i].name)) {
				prev = hist[k].v;
				break;
			}
		/* a stack started again counts from 0: take its value */
		shown = abs || cur[i].v < prev ? cur[i].v : cur[i].v - prev;
		if (shown || zeros)
			printf("%-31s %-18llu %.1f\n", cur[i].name, shown, 0.0);
	}
	if (path[0] && !keep)
		write_history(path, cur, n);
	free(cur);
	free(hist);
	return 0;
}
