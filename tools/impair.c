/* Command-line impairment options, shared by every subcommand. */
#include <errno.h>
#include <math.h> /* isfinite, a macro: nothing of libm is linked */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "tool.h"

const char impair_opts_help[] =
	"Network impairments (each direction, like netem):\n"
	"  --delay MS       one-way delay in milliseconds (fractions allowed)\n"
	"  --jitter MS      delay varies uniformly by +-MS, order kept\n"
	"  --loss PCT       drop PCT%% of packets\n"
	"  --dup PCT        duplicate PCT%% of packets\n"
	"  --reorder PCT    hold back PCT%% of packets by 1 ms so others pass them\n"
	"  --corrupt PCT    flip one bit in PCT%% of packets\n"
	"  --rate RATE      link rate in bit/s, with k, M or G suffix (e.g. 10M)\n"
	"  --mtu BYTES      link MTU (default 1500)\n"
	"  --queue N        frames queued for the wire before tail drop (default 1000)\n"
	"  --loss-ecn       --loss marks ECN-capable packets CE instead of dropping\n"
	"                   them (netem's ecn)\n"
	"  --ce-threshold N mark ECN-capable packets CE when more than N frames wait\n"
	"                   for the wire (a step marker, DCTCP's K; 0: off)\n";

bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool parse_double(const char *s, double *out)
{
	char *end;
	if (!s || !*s)
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

bool parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;
	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = a.s_addr;
	return true;
}

static bool parse_rate(const char *s, uint64_t *out)
{
	char buf[64];
	size_t n = strlen(s);
	double mult = 1, v;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n + 1);
	switch (buf[n - 1]) {
	case 'k':
	case 'K':
		mult = 1e3;
		buf[n - 1] = 0;
		break;
	case 'm':
	case 'M':
		mult = 1e6;
		buf[n - 1] = 0;
		break;
	case 'g':
	case 'G':
		mult = 1e9;
		buf[n - 1] = 0;
		break;
	default:
		break;
	}
	if (!parse_double(buf, &v) || v <= 0 || v * mult > 1e15)
		return false;
	*out = (uint64_t)(v * mult);
	return true;
}

void impair_opts_init(struct impair_opts *o)
{
	ut_link_params_init(&o->link);
	o->any = false;
}

int impair_opts_parse(struct impair_opts *o, int argc, char **argv, int *i, const char *prog)
{
	const char *opt = argv[*i], *val;
	double d;
	uint64_t u;

	if (strncmp(opt, "--", 2) != 0)
		return 0;
	if (!strcmp(opt, "--loss-ecn")) {
		o->link.ecn = true;
		o->any = true;
		return 1;
	}
	if (strcmp(opt, "--delay") && strcmp(opt, "--jitter") && strcmp(opt, "--loss") &&
	    strcmp(opt, "--dup") && strcmp(opt, "--reorder") && strcmp(opt, "--corrupt") &&
	    strcmp(opt, "--rate") && strcmp(opt, "--mtu") && strcmp(opt, "--queue") &&
	    strcmp(opt, "--ce-threshold"))
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "%s: option %s needs a value\n", prog, opt);
		return -1;
	}
	val = argv[++*i];
	o->any = true;
	if (!strcmp(opt, "--delay") || !strcmp(opt, "--jitter")) {
		if (!parse_double(val, &d) || d < 0 || d > 3600e3)
			goto bad;
		/* d is checked non-negative: rounding by adding a half, without
		 * libm (the preload library parses these too) */
		uint64_t ns = (uint64_t)(d * 1e6 + 0.5);
		if (!strcmp(opt, "--delay"))
			o->link.delay_ns = ns;
		else
			o->link.jitter_ns = ns;
	} else if (!strcmp(opt, "--rate")) {
		if (!parse_rate(val, &o->link.rate_bps))
			goto bad;
	} else if (!strcmp(opt, "--mtu")) {
		if (!parse_u64(val, &u) || u < 68 || u > 65535)
			goto bad;
		o->link.mtu = (unsigned)u;
	} else if (!strcmp(opt, "--queue")) {
		if (!parse_u64(val, &u) || u < 1 || u > 1000000)
			goto bad;
		o->link.queue_limit = (unsigned)u;
	} else if (!strcmp(opt, "--ce-threshold")) {
		if (!parse_u64(val, &u) || u > 1000000)
			goto bad;
		o->link.ce_threshold = (unsigned)u;
	} else {
		if (!parse_double(val, &d) || d < 0 || d > 100)
			goto bad;
		d /= 100.0;
		if (!strcmp(opt, "--loss"))
			o->link.loss = d;
		else if (!strcmp(opt, "--dup"))
			o->link.duplicate = d;
		else if (!strcmp(opt, "--reorder"))
			o->link.reorder = d;
		else
			o->link.corrupt = d;
	}
	return 1;
bad:
	fprintf(stderr, "%s: invalid value for %s: '%s'\n", prog, opt, val);
	return -1;
}
