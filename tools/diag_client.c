/* The client side of a stack's diagnostics endpoint (usertcp/diag.h),
 * shared by `usertcp ss` and `usertcp nstat`: finding the endpoint and
 * asking it one question. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tool.h"
#include "usertcp/diag.h"

static int diag_connect_path(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* The live endpoints in dir, one name each; returns how many (at most
 * max), names in out[] (malloc'ed). */
static int diag_list(const char *dir, char **out, int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		char path[512];
		int fd;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((fd = diag_connect_path(path)) < 0)
			continue; /* left by a program that did not stop it */
		close(fd);
		out[n++] = strdup(e->d_name);
	}
	closedir(d);
	return n;
}

int diag_ask(const char *prog, const char *stack, const char *question, uint8_t **answer,
	     size_t *len, char *name, size_t name_len)
{
	char dir[256], path[512], *names[32];
	size_t cap = 65536;
	int fd, n, err;

	*answer = NULL;
	*len = 0;
	if ((err = ut_diag_dir(dir, sizeof(dir), 0)) < 0 && err != -ENOENT) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(-err));
		return -1;
	}
	if (!stack) {
		n = err < 0 ? 0 : diag_list(dir, names, 32);
		if (n == 0) {
			fprintf(stderr,
				"%s: no running usertcp stack publishes its state in %s.\n"
				"Start one (usertcp httpd or usertcp nc publish theirs; a program "
				"calls "
				"ut_diag_start), or name it with --stack NAME.\n",
				prog, dir);
			return -1;
		}
		if (n > 1) {
			fprintf(stderr, "%s: %d running stacks; name one with --stack NAME:\n",
				prog, n);
			for (int i = 0; i < n; i++) {
				fprintf(stderr, "  %s\n", names[i]);
				free(names[i]);
			}
			return -1;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[0]);
		if (name)
			snprintf(name, name_len, "%s", names[0]);
		free(names[0]);
	} else {
		snprintf(path, sizeof(path), "%s/%s", dir, stack);
		if (name)
			snprintf(name, name_len, "%s", stack);
	}
	if ((fd = diag_connect_path(path)) < 0) {
		fprintf(stderr, "%s: %s: %s (is the stack running?)\n", prog, path, strerror(-fd));
		return -1;
	}
	if (send(fd, question, strlen(question), MSG_NOSIGNAL) != (ssize_t)strlen(question)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		close(fd);
		return -1;
	}
	*answer = malloc(cap);
	for (;;) {
		ssize_t r;
		if (!*answer) {
			fprintf(stderr, "%s: out of memory\n", prog);
			close(fd);
			return -1;
		}
		if (*len == cap) {
			uint8_t *na = realloc(*answer, cap * 2);
			if (!na)
				free(*answer);
			*answer = na;
			cap *= 2;
			continue;
		}
		r = recv(fd, *answer + *len, cap - *len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		*len += (size_t)r;
	}
	close(fd);
	if (*len >= 6 && !memcmp(*answer, "error:", 6)) {
		fprintf(stderr, "%s: the stack answered: %.*s", prog, (int)*len, (char *)*answer);
		return -1;
	}
	return 0;
}
