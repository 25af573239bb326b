#include "test.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

static struct test_case *test_head;
static struct test_case **test_tail = &test_head;
static jmp_buf test_env;
static pid_t test_main_pid;

void test_register(struct test_case *tc)
{
	*test_tail = tc;
	test_tail = &tc->next;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	if (line > 0)
		fprintf(stdout, "    %s:%d: failed: ", file, line);
	else
		fprintf(stdout, "    %s: failed: ", file);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	/* A child a test forked (tests/fault) fails alone: it must not go
	 * back into the harness and run the remaining tests itself. */
	if (test_main_pid && getpid() != test_main_pid) {
		fflush(stdout);
		_exit(1);
	}
	longjmp(test_env, 1);
}

const char *test_tmpdir(void)
{
	const char *d = getenv("USERTCP_TMP");
	return d && *d ? d : "/tmp";
}

bool test_fd_is_eventfd(int fd)
{
	char link[64], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = 0;
	return strstr(target, "eventfd") != NULL;
}

static int selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

/* The process's open kernel descriptors (a TAP, a socket, a capture file
 * a test opened must be closed by its end): a bit per descriptor below
 * FD_WATCH, from /proc/self/fd. False if /proc is not there. */
#define FD_WATCH 1024
struct fd_set_bits {
	unsigned char bits[FD_WATCH / 8];
};

static bool open_fds(struct fd_set_bits *s)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int self;

	if (!d)
		return false;
	self = dirfd(d);
	memset(s, 0, sizeof(*s));
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name || fd == self || fd < 0 || fd >= FD_WATCH)
			continue;
		s->bits[fd / 8] |= (unsigned char)(1u << (fd % 8));
	}
	closedir(d);
	return true;
}

static void check_fds(const struct fd_set_bits *before)
{
	struct fd_set_bits after;
	char what[512];
	size_t len = 0;
	unsigned n = 0;

	if (!open_fds(&after))
		return;
	for (int fd = 0; fd < FD_WATCH; fd++) {
		char link[64], target[128];
		ssize_t t;
		if (!(after.bits[fd / 8] & ~before->bits[fd / 8] & (1u << (fd % 8))))
			continue;
		n++;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		t = readlink(link, target, sizeof(target) - 1);
		target[t > 0 ? t : 0] = 0;
		if (len < sizeof(what)) {
			int w = snprintf(what + len, sizeof(what) - len, "%s%d (%s)",
					 len ? ", " : "", fd, target);
			if (w > 0)
				len += (size_t)w;
		}
	}
	if (n)
		test_fail("leak check", 0, "leaked: %u kernel descriptor%s left open: %s", n,
			  n == 1 ? "" : "s", what);
}

/* Runs one test and the leak check after it; false if either failed.
 * Kept apart from main's loop so that no local of the loop lives across
 * setjmp/longjmp. */
static bool run_one(struct test_case *tc)
{
	static struct fd_set_bits before;
	static bool have_before;

	if (setjmp(test_env) != 0)
		return false;
	have_before = open_fds(&before);
	if (test_leak_begin)
		test_leak_begin();
	tc->fn();
	if (test_leak_end)
		test_leak_end();
	if (have_before)
		check_fds(&before);
	return true;
}

int main(int argc, char **argv)
{
	unsigned passed = 0, failed = 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_main_pid = getpid();
	for (struct test_case *tc = test_head; tc; tc = tc->next) {
		if (!selected(tc->name, argc, argv))
			continue;
		if (run_one(tc)) {
			printf("ok   %s\n", tc->name);
			passed++;
		} else {
			printf("FAIL %s\n", tc->name);
			failed++;
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
