#include "test.h"

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
	fprintf(stdout, "    %s:%d: failed: ", file, line);
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

static int selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

/* Runs one test; false if a CHECK failed. Kept apart from main's loop so
 * that no local of the loop lives across setjmp/longjmp. */
static bool run_one(struct test_case *tc)
{
	if (setjmp(test_env) != 0)
		return false;
	tc->fn();
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
