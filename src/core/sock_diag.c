/* The diagnostics endpoint (usertcp/diag.h): what Linux's sock_diag
 * netlink family and /proc/net/{snmp,netstat} are to ss and nstat, as a
 * Unix socket a thread of the library answers. Each connection asks one
 * question; the answer is built under each stack's lock in turn (a socket
 * walk holds a stack no longer than the walk of its tables) and written
 * after the locks are let go, so a slow reader never holds up the stacks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "net/compiler.h"
#include "net/sock_diag.h"
#include "net/stack.h"
#include "usertcp/group.h"

#define DIAG_NAME_MAX 64
#define DIAG_REQ_MAX 64

struct ut_diag {
	struct ut_stack **stacks;
	unsigned n;
	int lfd, stop_fd;
	pthread_t thread;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* Room for need more bytes (doubling), or false. */
static bool diag_buf_reserve(struct diag_buf *b, size_t need)
{
	size_t ncap = b->cap ? b->cap : 64 * sizeof(struct ut_diag_sock);
	uint8_t *nd;

	if (b->cap - b->len >= need)
		return true;
	while (ncap - b->len < need)
		ncap *= 2;
	if (!(nd = realloc(b->data, ncap)))
		return false;
	b->data = nd;
	b->cap = ncap;
	return true;
}

struct ut_diag_sock *diag_buf_record(struct diag_buf *b)
{
	struct ut_diag_sock *r;

	if (!diag_buf_reserve(b, sizeof(*r)))
		return NULL;
	r = (struct ut_diag_sock *)(void *)(b->data + b->len);
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	b->len += sizeof(*r);
	return r;
}

int diag_buf_printf(struct diag_buf *b, const char *fmt, ...)
{
	va_list ap;
	int need;

	va_start(ap, fmt);
	need = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (need < 0)
		return -EINVAL;
	if (!diag_buf_reserve(b, (size_t)need + 1)) /* and vsnprintf's NUL */
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)need;
	return 0;
}

/* Appends "Group Name Value\n". */
static int diag_buf_counter(struct diag_buf *b, const char *g, const char *n, unsigned long long v)
{
	return diag_buf_printf(b, "%s %s %llu\n", g, n, v);
}

UT_EXPORT int ut_diag_dir(char *buf, size_t len, int make)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	uid_t uid = geteuid();
	struct stat st;
	int n;

	if (uid == 0)
		n = snprintf(buf, len, "/run/usertcp");
	else if (xdg && xdg[0] == '/')
		n = snprintf(buf, len, "%s/usertcp", xdg);
	else
		n = snprintf(buf, len, "/tmp/usertcp-%u", (unsigned)uid);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (make && mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(buf, &st) < 0)
		return -errno;
	/* A directory another user made (in /tmp, say) or one others may
	 * enter is not ours to trust. */
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & 077))
		return -EPERM;
	return 0;
}

static bool diag_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > DIAG_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '_'))
			return false;
	}
	return true;
}

static int diag_answer_sockets(struct ut_diag *d, struct diag_buf *b)
{
	for (unsigned i = 0; i < d->n; i++) {
		int err;
		stack_lock(d->stacks[i]);
		err = inet_diag_dump(d->stacks[i], i, b);
		stack_unlock(d->stacks[i]);
		if (err < 0)
			return err;
	}
	return 0;
}

struct counter_sum {
	const char *group[SNMP_MIB_MAX], *name[SNMP_MIB_MAX];
	unsigned long long v[SNMP_MIB_MAX];
	unsigned i;
};

static void counter_add(void *arg, const char *group, const char *name, uint64_t value)
{
	struct counter_sum *s = arg;

	if (s->i >= SNMP_MIB_MAX)
		return;
	s->group[s->i] = group;
	s->name[s->i] = name;
	s->v[s->i++] += value;
}

static int diag_answer_counters(struct ut_diag *d, struct diag_buf *b)
{
	struct counter_sum *s = calloc(1, sizeof(*s));
	int err = 0;

	if (!s)
		return -ENOMEM;
	for (unsigned i = 0; i < d->n; i++) {
		s->i = 0; /* every stack lists its counters in the same order */
		stack_lock(d->stacks[i]);
		ut_counter_foreach(d->stacks[i], counter_add, s);
		stack_unlock(d->stacks[i]);
	}
	for (unsigned i = 0; i < s->i && !err; i++)
		err = diag_buf_counter(b, s->group[i], s->name[i], s->v[i]);
	free(s);
	return err;
}

static int diag_answer_tcp_metrics(struct ut_diag *d, struct diag_buf *b, bool flush)
{
	int err = 0;

	for (unsigned i = 0; i < d->n && !err; i++) {
		stack_lock(d->stacks[i]);
		err = inet_diag_tcp_metrics(d->stacks[i], b, flush);
		stack_unlock(d->stacks[i]);
	}
	return err;
}

static void diag_write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the reader went away or stalled past the timeout */
		p += w;
		len -= (size_t)w;
	}
}

static void diag_serve(struct ut_diag *d, int cfd)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct timeval rt = {1, 0}, wt = {5, 0};
	struct diag_buf b = {0};
	char req[DIAG_REQ_MAX + 1];
	size_t n = 0;
	int err;

	/* only the stack's owner, or root (the directory says the same) */
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 ||
	    (cred.uid != geteuid() && cred.uid != 0))
		return;
	setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &rt, sizeof(rt));
	setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &wt, sizeof(wt));
	while (n < DIAG_REQ_MAX && !memchr(req, '\n', n)) {
		ssize_t r = recv(cfd, req + n, DIAG_REQ_MAX - n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		n += (size_t)r;
	}
	req[n] = '\0';
	if (!strcmp(req, "sockets\n"))
		err = diag_answer_sockets(d, &b);
	else if (!strcmp(req, "counters\n"))
		err = diag_answer_counters(d, &b);
	else if (!strcmp(req, "tcp_metrics\n") || !strcmp(req, "tcp_metrics flush\n"))
		err = diag_answer_tcp_metrics(d, &b, req[11] == ' ');
	else
		err = -EINVAL;
	if (err < 0) {
		const char *msg = err == -EINVAL ? "error: unknown request\n"
						 : "error: no memory\n";
		diag_write_all(cfd, (const uint8_t *)msg, strlen(msg));
	} else {
		diag_write_all(cfd, b.data, b.len);
	}
	free(b.data);
}

static void *diag_thread(void *arg)
{
	struct ut_diag *d = arg;
	struct pollfd pfd[2] = {{d->lfd, POLLIN, 0}, {d->stop_fd, POLLIN, 0}};

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		if (pfd[0].revents & POLLIN) {
			int cfd = accept4(d->lfd, NULL, NULL, SOCK_CLOEXEC);
			if (cfd >= 0) {
				diag_serve(d, cfd);
				close(cfd);
			}
		}
	}
	return NULL;
}

/* Binds the endpoint's socket, replacing a dead one of the same name. */
static int diag_bind(struct ut_diag *d)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	memcpy(sun.sun_path, d->path, strlen(d->path) + 1);
	for (int tries = 0; tries < 2; tries++) {
		int probe;
		if (bind(d->lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return chmod(d->path, 0600) < 0 ? -errno : 0;
		if (errno != EADDRINUSE)
			return -errno;
		/* Someone answering there: taken. Nobody: a leftover. */
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe < 0)
			return -errno;
		if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			return -EEXIST;
		}
		close(probe);
		unlink(d->path);
	}
	return -EADDRINUSE;
}

/* Endpoints left by programs that were killed pile up in the directory,
 * each with its usertcp nstat history, and so do the histories of stacks
 * that stopped: a starting stack removes the endpoints nobody answers at
 * with their histories, and histories whose endpoint is gone, all older
 * than DIAG_SWEEP_AGE so as not to catch a stack between its bind and its
 * listen, or a history its stack has yet to make an endpoint for. */
#define DIAG_SWEEP_AGE 60

static void diag_sweep(const char *dir)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	DIR *dp = opendir(dir);
	struct dirent *e;
	time_t now = time(NULL);

	if (!dp)
		return;
	while ((e = readdir(dp)) != NULL) {
		struct stat st;
		int probe, n;

		if (!strncmp(e->d_name, ".nstat.", 7)) {
			char ep[sizeof(sun.sun_path)];
			n = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", dir, e->d_name);
			if (n < 0 || (size_t)n >= sizeof(sun.sun_path) ||
			    lstat(sun.sun_path, &st) < 0 || now - st.st_mtime < DIAG_SWEEP_AGE)
				continue;
			n = snprintf(ep, sizeof(ep), "%s/%s", dir, e->d_name + 7);
			if (n > 0 && (size_t)n < sizeof(ep) && access(ep, F_OK) < 0 &&
			    errno == ENOENT)
				unlink(sun.sun_path);
			continue;
		}
		if (e->d_name[0] == '.')
			continue;
		n = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", dir, e->d_name);
		if (n < 0 || (size_t)n >= sizeof(sun.sun_path) || lstat(sun.sun_path, &st) < 0 ||
		    !S_ISSOCK(st.st_mode) || now - st.st_mtime < DIAG_SWEEP_AGE)
			continue;
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (probe < 0)
			break;
		/* refused: bound once, listened to by nobody now */
		if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) < 0 &&
		    errno == ECONNREFUSED) {
			unlink(sun.sun_path);
			n = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/.nstat.%s", dir,
				     e->d_name);
			if (n > 0 && (size_t)n < sizeof(sun.sun_path))
				unlink(sun.sun_path);
		}
		close(probe);
	}
	closedir(dp);
}

static int diag_start(struct ut_stack **stacks, unsigned n, const char *name, struct ut_diag **out)
{
	struct ut_diag *d;
	char dir[sizeof(d->path)];
	int err;

	*out = NULL;
	if (!name || !diag_name_ok(name))
		return -EINVAL;
	if ((err = ut_diag_dir(dir, sizeof(dir), 1)) < 0)
		return err;
	diag_sweep(dir);
	if (!(d = calloc(1, sizeof(*d))))
		return -ENOMEM;
	d->lfd = d->stop_fd = -1;
	d->n = n;
	if (!(d->stacks = calloc(n, sizeof(*d->stacks)))) {
		free(d);
		return -ENOMEM;
	}
	memcpy(d->stacks, stacks, n * sizeof(*stacks));
	if ((size_t)snprintf(d->path, sizeof(d->path), "%s/%s", dir, name) >= sizeof(d->path)) {
		err = -ENAMETOOLONG;
		goto fail;
	}
	d->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	d->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (d->lfd < 0 || d->stop_fd < 0) {
		err = -errno;
		goto fail;
	}
	if ((err = diag_bind(d)) < 0)
		goto fail;
	if (listen(d->lfd, 16) < 0 ||
	    (err = -pthread_create(&d->thread, NULL, diag_thread, d)) < 0) {
		err = err < 0 ? err : -errno;
		unlink(d->path);
		goto fail;
	}
	pthread_setname_np(d->thread, "ut-diag");
	*out = d;
	return 0;
fail:
	if (d->lfd >= 0)
		close(d->lfd);
	if (d->stop_fd >= 0)
		close(d->stop_fd);
	free(d->stacks);
	free(d);
	return err;
}

UT_EXPORT int ut_diag_start(struct ut_stack *stack, const char *name, struct ut_diag **out)
{
	return diag_start(&stack, 1, name, out);
}

UT_EXPORT int ut_group_diag_start(struct ut_group *g, const char *name, struct ut_diag **out)
{
	unsigned n = ut_group_size(g);
	struct ut_stack **stacks = calloc(n ? n : 1, sizeof(*stacks));
	int err;

	if (!stacks)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		stacks[i] = ut_group_stack(g, i);
	err = diag_start(stacks, n, name, out);
	free(stacks);
	return err;
}

UT_EXPORT void ut_diag_stop(struct ut_diag *d)
{
	uint64_t one = 1;

	if (!d)
		return;
	if (write(d->stop_fd, &one, sizeof(one)) != sizeof(one))
		abort(); /* an eventfd write of 1 cannot fail */
	pthread_join(d->thread, NULL);
	unlink(d->path);
	close(d->lfd);
	close(d->stop_fd);
	free(d->stacks);
	free(d);
}

UT_EXPORT const char *ut_diag_path(const struct ut_diag *d)
{
	return d->path;
}
