/* usertcp run: an unmodified program on usertcp.
 *
 *   usertcp run --tap tap0 --ip 10.99.0.2/24 -- curl http://10.99.0.1:8000/
 *
 * Sets the environment the preload library reads (USERTCP_TAP, USERTCP_IP
 * ...; docs/RUN.md), puts the library into LD_PRELOAD and executes the
 * program, which then keeps this process: its AF_INET (and AF_INET6)
 * sockets are usertcp's, on a stack attached to the interface, and
 * everything else is the kernel's as before. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

/* A sanitizer build's library needs AddressSanitizer's runtime loaded
 * before it, which an uninstrumented program does not do. */
#if defined(__SANITIZE_ADDRESS__)
#define RUN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RUN_ASAN 1
#endif
#endif
#ifdef RUN_ASAN
#include <link.h>

static int find_asan_runtime(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	if (info->dlpi_name && strstr(info->dlpi_name, "libasan.so")) {
		*(const char **)arg = info->dlpi_name;
		return 1;
	}
	return 0;
}

/* This program's own AddressSanitizer runtime, to go first in
 * LD_PRELOAD; NULL when it is linked in statically (clang's default),
 * which a library cannot share. The program's leaks are not the
 * library's: LeakSanitizer is left off for it. */
static const char *asan_runtime(void)
{
	const char *rt = NULL, *opts = getenv("ASAN_OPTIONS");
	char buf[512];

	dl_iterate_phdr(find_asan_runtime, &rt);
	snprintf(buf, sizeof(buf), "%s%sverify_asan_link_order=0:detect_leaks=0", opts ? opts : "",
		 opts && *opts ? ":" : "");
	setenv("ASAN_OPTIONS", buf, 1);
	return rt;
}
#endif

#ifndef USERTCP_PRELOAD_INSTALLED
#define USERTCP_PRELOAD_INSTALLED "/usr/local/lib/libusertcp-preload.so"
#endif

static void run_usage(FILE *f)
{
	fprintf(f,
		"Usage: usertcp run --tap IF | --tun IF --ip ADDR/PREFIX [options] -- PROGRAM "
		"[ARGS...]\n"
		"Runs PROGRAM with its IPv4 and IPv6 stream and datagram sockets on usertcp,\n"
		"attached to the TAP or TUN interface IF; files, pipes, AF_UNIX and the\n"
		"rest stay with the kernel. PROGRAM must be dynamically linked (the\n"
		"preload library, libusertcp-preload.so, stands in for the C library's\n"
		"socket calls). The same settings work as environment variables for a\n"
		"program started otherwise (docs/RUN.md).\n\n"
		"%s"
		"%s"
		"  --inet6 MODE     where AF_INET6 sockets go: usertcp (default), kernel, or\n"
		"                   eafnosupport (refused, so programs fall back to IPv4)\n\n"
		"%s",
		attach_opts_help, attach_threads_help, impair_opts_help);
}

/* Sets name to value in the environment; false (after saying so) if it
 * cannot. */
static bool set(const char *name, const char *value)
{
	if (setenv(name, value, 1) == 0)
		return true;
	fprintf(stderr, "usertcp run: %s: %s\n", name, strerror(errno));
	return false;
}

/* The preload library: USERTCP_PRELOAD if set, else the one beside this
 * program (a build tree), else the installed one. */
static const char *preload_path(char *buf, size_t len)
{
	const char *env = getenv("USERTCP_PRELOAD");
	ssize_t n;
	char *slash;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", buf, len - 1);
	if (n > 0) {
		buf[n] = 0;
		slash = strrchr(buf, '/');
		if (slash && (size_t)(slash - buf) + sizeof("/libusertcp-preload.so") <= len) {
			strcpy(slash, "/libusertcp-preload.so");
			if (access(buf, R_OK) == 0)
				return buf;
		}
	}
	return USERTCP_PRELOAD_INSTALLED;
}

/* The parsed options as the preload library's environment. */
static bool run_environment(const struct attach_opts *o, const char *inet6)
{
	char buf[2 * (UT_IP_STRLEN + 8)], a4[INET_ADDRSTRLEN], a6[UT_IP_STRLEN];

	unsetenv("USERTCP_TAP");
	unsetenv("USERTCP_TUN");
	if (!set(o->type == UT_DEV_ETHER ? "USERTCP_TAP" : "USERTCP_TUN", o->ifname))
		return false;
	buf[0] = 0;
	if (o->prefix) {
		struct in_addr in = {.s_addr = o->addr};
		inet_ntop(AF_INET, &in, a4, sizeof(a4));
		snprintf(buf, sizeof(buf), "%s/%u", a4, o->prefix);
	}
	if (o->prefix6) {
		size_t l = strlen(buf);
		ut_ip_ntop(o->addr6, a6, sizeof(a6));
		snprintf(buf + l, sizeof(buf) - l, "%s%s/%u", l ? "," : "", a6, o->prefix6);
	}
	if (!set("USERTCP_IP", buf))
		return false;
	if (o->gw) {
		struct in_addr in = {.s_addr = o->gw};
		inet_ntop(AF_INET, &in, a4, sizeof(a4));
		if (!set("USERTCP_GW", a4))
			return false;
	} else {
		unsetenv("USERTCP_GW");
	}
	snprintf(buf, sizeof(buf), "%u", o->threads);
	if (!set("USERTCP_THREADS", buf))
		return false;
	if (o->pcap && !set("USERTCP_PCAP", o->pcap))
		return false;
	if (o->trace && !set("USERTCP_TRACE", "1"))
		return false;
	unsetenv("USERTCP_NSTAT");
	if (o->nstat && !set("USERTCP_NSTAT", "1"))
		return false;
	if (o->no_offload && !set("USERTCP_NO_OFFLOAD", "1"))
		return false;
	if (o->seed) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)o->seed);
		if (!set("USERTCP_SEED", buf))
			return false;
	}
	if (o->no_diag && !set("USERTCP_DIAG", "off"))
		return false;
	if (o->diag && !set("USERTCP_DIAG", o->diag))
		return false;
	if (inet6 && !set("USERTCP_INET6", inet6))
		return false;
	return true;
}

/* The impairment option at argv[start] (with its value), if it is one,
 * appended to buf as words for USERTCP_IMPAIR; false (after saying so)
 * when buf is full. */
static bool impair_word(int argc, char **argv, int start, char *buf, size_t len)
{
	struct impair_opts scratch;
	int end = start;
	size_t used = strlen(buf);

	impair_opts_init(&scratch);
	if (impair_opts_parse(&scratch, argc, argv, &end, "usertcp run") <= 0)
		return true; /* not an impairment: attach_opts_parse took it */
	for (int k = start; k <= end; k++) {
		int n = snprintf(buf + used, len - used, "%s%s", used ? " " : "", argv[k]);
		if (n < 0 || (size_t)n >= len - used) {
			fprintf(stderr, "usertcp run: too many impairment options\n");
			return false;
		}
		used += (size_t)n;
	}
	return true;
}

int cmd_run(int argc, char **argv)
{
	struct attach_opts o;
	const char *inet6 = NULL;
	char path[4096], imp[512] = "";
	int i;

	attach_opts_init(&o);
	o.threads_ok = true;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r;

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			run_usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--inet6")) {
			if (i + 1 >= argc ||
			    (strcmp(argv[i + 1], "usertcp") && strcmp(argv[i + 1], "kernel") &&
			     strcmp(argv[i + 1], "eafnosupport"))) {
				fprintf(stderr, "usertcp run: --inet6 wants usertcp, kernel or "
						"eafnosupport\n");
				return 2;
			}
			inet6 = argv[++i];
			continue;
		}
		int start = i;
		r = attach_opts_parse(&o, argc, argv, &i, "usertcp run");
		if (r < 0)
			return 2;
		if (r > 0 && !impair_word(argc, argv, start, imp, sizeof(imp)))
			return 2;
		if (r == 0) {
			if (a[0] == '-') {
				fprintf(stderr, "usertcp run: unknown option '%s'\n\n", a);
				run_usage(stderr);
				return 2;
			}
			break; /* the program, without a "--" before it */
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usertcp run: which program? (usertcp run [options] -- PROGRAM)\n");
		return 2;
	}
	if (!o.ifname || (!o.prefix && !o.prefix6)) {
		fprintf(stderr, "usertcp run: %s is needed (see --help)\n",
			!o.ifname ? "an interface, --tap IF or --tun IF," : "--ip ADDR/PREFIX");
		return 2;
	}
	if (!run_environment(&o, inet6))
		return 1;
	unsetenv("USERTCP_IMPAIR");
	if (imp[0] && !set("USERTCP_IMPAIR", imp))
		return 1;
	/* The library goes first, before any the caller preloads (after
	 * the sanitizer's runtime, in a sanitizer build). */
	const char *lib = preload_path(path, sizeof(path)), *rt = "";
#ifdef RUN_ASAN
	if (!(rt = asan_runtime())) {
		fprintf(stderr, "usertcp run: this sanitizer build links AddressSanitizer's "
				"runtime statically, and the library cannot share it with an "
				"uninstrumented program (build with gcc, or without sanitizers)\n");
		return 1;
	}
#endif
	const char *old = getenv("LD_PRELOAD");
	char *pre = malloc(strlen(rt) + strlen(lib) + (old ? strlen(old) : 0) + 3);
	if (!pre) {
		fprintf(stderr, "usertcp run: out of memory\n");
		return 1;
	}
	sprintf(pre, "%s%s%s%s%s", rt, *rt ? " " : "", lib, old && *old ? " " : "",
		old && *old ? old : "");
	if (!set("LD_PRELOAD", pre))
		return 1;
	free(pre);
	execvp(argv[i], argv + i);
	fprintf(stderr, "usertcp run: %s: %s\n", argv[i], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
