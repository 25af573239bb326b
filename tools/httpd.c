/* usertcp httpd: a static file server over usertcp, on one of the host's
 * TAP or TUN interfaces.
 *
 *   usertcp httpd --tap tap0 --ip 10.99.0.2/24 --port 80 --root /srv/www
 *
 * HTTP/1.1 GET and HEAD with keep-alive (and pipelining), Content-Length
 * on every response, 301 for a directory named without its slash, 400,
 * 404, 405, 414 and 431 for what it will not serve. Paths are resolved
 * and must stay under --root, symbolic links included.
 *
 * It exists to show an event-driven server on usertcp: one thread and one
 * ut_epoll instance serve every connection through non-blocking sockets,
 * as such servers do on Linux, and the same thread runs the stack from
 * inside ut_epoll_wait. With --threads N there are N stacks, one per
 * queue of a multi-queue interface, each with such a thread and its own
 * listener on the port (usertcp/group.h); the kernel spreads the
 * clients' connections over the queues. A
 * file is sent a chunk at a time as the send buffer frees (EPOLLOUT),
 * never read whole into memory. A connection answers one request at a
 * time: while it is answering, it waits for EPOLLOUT only, and the next
 * request stays in the socket's receive queue.
 *
 * SIGINT or SIGTERM stops it: no new connections, every connection's
 * sending side is shut down (FIN after what was queued) and each is closed
 * when the client has closed too, or after a short grace period. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"
#include "usertcp/socket.h"

#define REQ_MAX 8192	    /* request line and headers */
#define OUT_MAX (32 * 1024) /* one chunk of a response */
#define BACKLOG 1024
#define TICK_MS 250	    /* how often signals and idle times are checked */
#define IDLE_MS (60 * 1000) /* a keep-alive connection with nothing to do */
#define GRACE_MS 2000	    /* for clients to close after our FIN at exit */

/* Set by the signal handler, read by every server thread: a lock-free
 * atomic, which a handler may write and threads may share. */
static atomic_int httpd_stop;

struct conn {
	struct conn *prev, *next;
	int fd;
	struct sockaddr_in6 peer; /* or a sockaddr_in, for a -4 listener */
	uint32_t events;	  /* what epoll waits for */
	bool answering;		  /* a response is being sent */
	bool keep_alive;	  /* after it, read the next request */
	bool http10;		  /* which must be told so */
	bool draining;		  /* our FIN is sent: read until the client's */
	uint64_t active_ms;	  /* last progress */
	int file;		  /* the body still to send, or -1 */
	off_t file_left;
	off_t length; /* Content-Length, for the log */
	size_t out_off, out_len;
	size_t req_len;
	char req[REQ_MAX];
	char out[OUT_MAX];
};

struct httpd {
	struct ut_stack *stack;
	const char *ifname; /* the interface attached, which names scopes */
	int ep, lfd;
	char root[PATH_MAX]; /* resolved */
	bool verbose;
	struct conn *conns;
	unsigned nconns;
};

static void httpd_usage(FILE *f)
{
	fprintf(f,
		"Usage: usertcp httpd --tap IF --ip ADDR/PREFIX [options]\n"
		"Serves the files under --root over HTTP/1.1 (GET, HEAD, keep-alive), every\n"
		"connection of a stack on one thread through ut_epoll (one stack, or one\n"
		"per queue with --threads), until SIGINT or SIGTERM.\n\n"
		"Options:\n"
		"  --port PORT      port to listen on (default 80)\n"
		"  --listen ADDR    the address to listen on: 10.99.0.2, fd00:99::2,\n"
		"                   fe80::2%%tap0, or with the port: 10.99.0.2:8080,\n"
		"                   [fd00:99::2]:8080 (default: :: for both families, an\n"
		"                   IPv4 client showing as ::ffff:a.b.c.d; an IPv6 ADDR\n"
		"                   turns on IPv6 as --ipv6 does)\n"
		"  -4, -6           IPv4 only (0.0.0.0), or IPv6 only (::, IPV6_V6ONLY)\n"
		"  --root DIR       directory to serve (default: the current one)\n"
		"  -v               log each request to standard output\n"
		"%s%s%s",
		attach_opts_help, attach_threads_help, impair_opts_help);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void on_signal(int sig)
{
	atomic_store(&httpd_stop, sig);
}

/* ---- connections -----------------------------------------------------------------*/

static void conn_watch(struct httpd *h, struct conn *c, uint32_t events)
{
	if (c->events == events)
		return;
	struct epoll_event ev = {.events = events, .data.ptr = c};
	ut_epoll_ctl(h->stack, h->ep, EPOLL_CTL_MOD, c->fd, &ev);
	c->events = events;
}

static void conn_close(struct httpd *h, struct conn *c)
{
	ut_epoll_ctl(h->stack, h->ep, EPOLL_CTL_DEL, c->fd, NULL);
	ut_close(h->stack, c->fd);
	if (c->file >= 0)
		close(c->file);
	if (c->prev)
		c->prev->next = c->next;
	else
		h->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	h->nconns--;
	free(c);
}

/* Sends our FIN and waits for the client's, so that a response is not
 * cut short by a RST for request bytes it never read. */
static void conn_finish(struct httpd *h, struct conn *c)
{
	ut_shutdown(h->stack, c->fd, SHUT_WR);
	c->draining = true;
	c->req_len = 0;
	conn_watch(h, c, EPOLLIN);
}

static void accept_all(struct httpd *h)
{
	for (;;) {
		struct sockaddr_in6 peer;
		socklen_t len = sizeof(peer);
		int fd =
			ut_accept4(h->stack, h->lfd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				fprintf(stderr, "usertcp httpd: accept: %s\n", strerror(errno));
			return;
		}
		struct conn *c = malloc(sizeof(*c));
		struct epoll_event ev = {.events = EPOLLIN};
		int one = 1;
		/* A response's last small segment must not wait for the ACK of
		 * the one before, which a keep-alive client delays (Nagle
		 * against delayed ACKs); MSG_MORE keeps the others full. */
		ut_setsockopt(h->stack, fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (!c) {
			ut_close(h->stack, fd);
			continue;
		}
		*c = (struct conn){.fd = fd,
				   .peer = peer,
				   .events = EPOLLIN,
				   .file = -1,
				   .active_ms = now_ms(),
				   .next = h->conns};
		ev.data.ptr = c;
		if (ut_epoll_ctl(h->stack, h->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			ut_close(h->stack, fd);
			free(c);
			continue;
		}
		if (h->conns)
			h->conns->prev = c;
		h->conns = c;
		h->nconns++;
	}
}

/* ---- requests --------------------------------------------------------------------*/

static const char *status_text(int code)
{
	switch (code) {
	case 200:
		return "OK";
	case 301:
		return "Moved Permanently";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	default:
		return "Internal Server Error";
	}
}

static const char *content_type(const char *path)
{
	static const char *const types[][2] = {
		{".html", "text/html; charset=utf-8"},
		{".htm", "text/html; charset=utf-8"},
		{".txt", "text/plain; charset=utf-8"},
		{".css", "text/css"},
		{".js", "text/javascript"},
		{".json", "application/json"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
		{".jpg", "image/jpeg"},
		{".jpeg", "image/jpeg"},
		{".gif", "image/gif"},
		{".pdf", "application/pdf"},
	};
	const char *dot = strrchr(path, '.');
	if (dot && !strchr(dot, '/'))
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (!strcasecmp(dot, types[i][0]))
				return types[i][1];
	return "application/octet-stream";
}

/* Starts a response: the header into out, then (for a file) its body. */
static void respond(struct httpd *h, struct conn *c, int code, const char *type, off_t length,
		    const char *extra, bool head, int file)
{
	char date[64];
	time_t t = time(NULL);
	struct tm tm;
	char body[160];
	int blen = 0;

	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&t, &tm));
	if (file < 0) {
		/* Errors and redirects carry a line of text saying what happened. */
		blen = snprintf(body, sizeof(body), "%d %s\n", code, status_text(code));
		type = "text/plain; charset=utf-8";
		length = blen;
	}
	int n = snprintf(c->out, sizeof(c->out),
			 "HTTP/1.1 %d %s\r\nServer: usertcp-httpd/%s\r\nDate: %s\r\n"
			 "Content-Type: %s\r\nContent-Length: %lld\r\n%s%s\r\n",
			 code, status_text(code), UT_VERSION_STRING, date, type, (long long)length,
			 extra ? extra : "",
			 !c->keep_alive ? "Connection: close\r\n"
			 : c->http10	? "Connection: keep-alive\r\n"
					: "");
	if (!head && file < 0) {
		memcpy(c->out + n, body, (size_t)blen);
		n += blen;
	}
	c->out_off = 0;
	c->out_len = (size_t)n;
	if (file >= 0 && head)
		close(file);
	c->file = head ? -1 : file;
	c->file_left = c->file >= 0 ? length : 0;
	c->length = length;
	c->answering = true;
	conn_watch(h, c, EPOLLOUT);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* Decodes %XX escapes in place; false for a bad escape or a NUL. */
static bool percent_decode(char *s)
{
	char *w = s;
	for (const char *r = s; *r; r++) {
		if (*r != '%') {
			*w++ = *r;
			continue;
		}
		int hi = hexval(r[1]), lo = hi < 0 ? -1 : hexval(r[2]);
		if (lo < 0 || (hi == 0 && lo == 0))
			return false;
		*w++ = (char)(hi << 4 | lo);
		r += 2;
	}
	*w = 0;
	return true;
}

/* Whether any /-separated segment of path is "..". */
static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == 0 || p[2] == '/'))
			return true;
	return false;
}

/* The value of header name in the header block hdrs (NUL-terminated,
 * lines ending in \r\n), copied into buf; NULL if absent. */
static const char *header(const char *hdrs, const char *name, char *buf, size_t len)
{
	size_t nl = strlen(name);
	for (const char *p = hdrs; p && *p; p = strstr(p, "\r\n"), p = p ? p + 2 : NULL) {
		if (strncasecmp(p, name, nl) || p[nl] != ':')
			continue;
		p += nl + 1;
		p += strspn(p, " \t");
		size_t n = strcspn(p, "\r");
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n >= len)
			n = len - 1;
		memcpy(buf, p, n);
		buf[n] = 0;
		return buf;
	}
	return NULL;
}

static bool has_token(const char *list, const char *token)
{
	size_t tl = strlen(token);
	for (const char *p = list; p && *p; p += strcspn(p, ",")) {
		p += strspn(p, ", \t");
		if (!strncasecmp(p, token, tl) && strchr(", \t", p[tl]))
			return true;
	}
	return false;
}

/* Answers the request in req[0..len) (its header block ends there). */
static void handle(struct httpd *h, struct conn *c, char *req)
{
	char *eol = strstr(req, "\r\n"), *sp1, *sp2, *target;
	char val[128], path[PATH_MAX], real[PATH_MAX];
	struct stat st;

	c->keep_alive = false;
	if (!eol) /* a NUL in the request line */
		return respond(h, c, 400, NULL, 0, NULL, false, -1);
	*eol = 0;
	const char *hdrs = eol + 2;
	sp1 = strchr(req, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || strchr(sp2 + 1, ' ') ||
	    (strcmp(sp2 + 1, "HTTP/1.1") && strcmp(sp2 + 1, "HTTP/1.0")))
		return respond(h, c, 400, NULL, 0, NULL, false, -1);
	*sp1 = *sp2 = 0;
	target = sp1 + 1;
	bool http11 = !strcmp(sp2 + 1, "HTTP/1.1");
	c->http10 = !http11;
	const char *conn_hdr = header(hdrs, "Connection", val, sizeof(val));
	c->keep_alive = http11 ? !has_token(conn_hdr, "close") : has_token(conn_hdr, "keep-alive");
	/* A body we will not read would be taken for the next request. */
	if (header(hdrs, "Transfer-Encoding", val, sizeof(val)) ||
	    (header(hdrs, "Content-Length", val, sizeof(val)) && strcmp(val, "0")))
		c->keep_alive = false;
	bool head = !strcmp(req, "HEAD");
	if (strcmp(req, "GET") && !head)
		return respond(h, c, 405, NULL, 0, "Allow: GET, HEAD\r\n", false, -1);
	if (http11 && !header(hdrs, "Host", val, sizeof(val)))
		return respond(h, c, 400, NULL, 0, NULL, head, -1);
	/* absolute-form (http://host/path), which servers must accept */
	if (!strncasecmp(target, "http://", 7)) {
		target = strchr(target + 7, '/');
		if (!target)
			target = "/";
	}
	target[strcspn(target, "?#")] = 0;
	if (target[0] != '/' || !percent_decode(target) || has_dotdot(target))
		return respond(h, c, 400, NULL, 0, NULL, head, -1);
	size_t tl = strlen(target);
	if (snprintf(path, sizeof(path), "%s%s%s", h->root, target,
		     target[tl - 1] == '/' ? "index.html" : "") >= (int)sizeof(path))
		return respond(h, c, 414, NULL, 0, NULL, head, -1);
	if (!realpath(path, real) || strncmp(real, h->root, strlen(h->root)) ||
	    (real[strlen(h->root)] != '/' && real[strlen(h->root)] != 0))
		return respond(h, c, 404, NULL, 0, NULL, head, -1);
	if (stat(real, &st) == 0 && S_ISDIR(st.st_mode)) {
		char loc[PATH_MAX + 16];
		snprintf(loc, sizeof(loc), "Location: %.*s/\r\n", PATH_MAX, target);
		return respond(h, c, 301, NULL, 0, loc, head, -1);
	}
	int fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return respond(h, c, 404, NULL, 0, NULL, head, -1);
	}
	respond(h, c, 200, content_type(real), st.st_size, NULL, head, fd);
}

/* Takes the next complete request from req, if there is one. */
static void next_request(struct httpd *h, struct conn *c)
{
	/* Empty lines before a request are ignored (RFC 9112, 2.2). */
	size_t skip = 0;
	while (c->req_len - skip >= 2 && c->req[skip] == '\r' && c->req[skip + 1] == '\n')
		skip += 2;
	memmove(c->req, c->req + skip, c->req_len - skip);
	c->req_len -= skip;
	char *end = memmem(c->req, c->req_len, "\r\n\r\n", 4);
	if (!end) {
		if (c->req_len < sizeof(c->req))
			return;
		/* Full, and still no end: the line alone, or the headers,
		 * are too long. */
		c->keep_alive = false;
		respond(h, c, memmem(c->req, c->req_len, "\r\n", 2) ? 431 : 414, NULL, 0, NULL,
			false, -1);
		c->req_len = 0;
		return;
	}
	size_t used = (size_t)(end - c->req) + 4;
	char line[512];
	end[2] = 0;			   /* the block ends with its last header's \r\n */
	size_t ll = strcspn(c->req, "\r"); /* the request line, for the log */
	if (ll >= sizeof(line))
		ll = sizeof(line) - 1;
	memcpy(line, c->req, ll);
	line[ll] = 0;
	handle(h, c, c->req);
	if (h->verbose) {
		char a[TOOL_HOST_STRLEN];
		const struct sockaddr *sa = (const struct sockaddr *)&c->peer;
		/* host:port, an IPv6 host in brackets as in a URL (RFC 3986):
		 * [fd00:99::1]:43210, [::ffff:10.99.0.1]:43210 for an IPv4
		 * client of the dual-stack listener. */
		tool_sockaddr_host(h->stack, h->ifname, sa, a, sizeof(a));
		printf("%s%s%s:%u \"%s\" %.3s %lld\n", sa->sa_family == AF_INET6 ? "[" : "", a,
		       sa->sa_family == AF_INET6 ? "]" : "", tool_sockaddr_port(sa), line,
		       c->out + 9, (long long)c->length);
		fflush(stdout);
	}
	memmove(c->req, c->req + used, c->req_len - used);
	c->req_len -= used;
}

/* ---- sending ---------------------------------------------------------------------*/

/* Sends what the send buffer takes. Returns false if the connection was
 * closed. */
static bool conn_send(struct httpd *h, struct conn *c)
{
	while (c->answering) {
		if (c->out_off == c->out_len && c->file_left > 0) {
			size_t want = c->file_left < (off_t)sizeof(c->out) ? (size_t)c->file_left
									   : sizeof(c->out);
			ssize_t n = read(c->file, c->out, want);
			if (n <= 0) { /* the file shrank under us */
				conn_close(h, c);
				return false;
			}
			c->out_off = 0;
			c->out_len = (size_t)n;
			c->file_left -= n;
		}
		if (c->out_off < c->out_len) {
			/* MSG_MORE while more of the response follows: the
			 * header and the body's pieces fill whole segments,
			 * and the last piece goes at once (TCP_NODELAY). */
			int more = c->file_left > 0 ? MSG_MORE : 0;
			ssize_t n = ut_send(h->stack, c->fd, c->out + c->out_off,
					    c->out_len - c->out_off, MSG_NOSIGNAL | more);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return true; /* EPOLLOUT says when */
			if (n < 0) {
				conn_close(h, c);
				return false;
			}
			c->out_off += (size_t)n;
			c->active_ms = now_ms();
			continue;
		}
		/* The response is out. */
		c->answering = false;
		if (c->file >= 0)
			close(c->file);
		c->file = -1;
		if (!c->keep_alive) {
			conn_finish(h, c);
			return true;
		}
		conn_watch(h, c, EPOLLIN);
		next_request(h, c); /* one may be waiting already */
	}
	return true;
}

static void conn_event(struct httpd *h, struct conn *c, uint32_t events)
{
	if (c->answering) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			conn_send(h, c);
		return;
	}
	for (;;) {
		size_t room = sizeof(c->req) - c->req_len;
		char sink[4096];
		/* Draining: what the client still sends is thrown away. */
		ssize_t n = c->draining ? ut_recv(h->stack, c->fd, sink, sizeof(sink), 0)
					: ut_recv(h->stack, c->fd, c->req + c->req_len, room, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) { /* the client closed, or the connection broke */
			conn_close(h, c);
			return;
		}
		c->active_ms = now_ms();
		if (c->draining)
			continue;
		c->req_len += (size_t)n;
		next_request(h, c);
		if (c->answering) {
			conn_send(h, c);
			return;
		}
	}
}

/* ---- the loop --------------------------------------------------------------------*/

static void serve(struct httpd *h)
{
	struct epoll_event evs[64];
	uint64_t grace_end = 0;

	for (;;) {
		if (atomic_load(&httpd_stop) && !grace_end) {
			/* Stop accepting; close every connection from our side. */
			ut_epoll_ctl(h->stack, h->ep, EPOLL_CTL_DEL, h->lfd, NULL);
			ut_close(h->stack, h->lfd);
			h->lfd = -1;
			for (struct conn *c = h->conns, *next; c; c = next) {
				next = c->next;
				if (c->answering && c->file >= 0)
					close(c->file);
				c->file = -1;
				c->answering = false;
				if (!c->draining)
					conn_finish(h, c);
			}
			grace_end = now_ms() + GRACE_MS;
		}
		if (grace_end && (!h->conns || now_ms() >= grace_end))
			break;
		int n = ut_epoll_wait(h->stack, h->ep, evs, 64, TICK_MS);
		for (int i = 0; i < n; i++) {
			if (!evs[i].data.ptr)
				accept_all(h);
			else
				conn_event(h, evs[i].data.ptr, evs[i].events);
		}
		uint64_t now = now_ms();
		for (struct conn *c = h->conns, *next; c; c = next) {
			next = c->next;
			if (now - c->active_ms > IDLE_MS)
				conn_close(h, c);
		}
	}
	while (h->conns)
		conn_close(h, h->conns);
}

/* Opens h's listener on sa and its epoll instance; -1 after saying why. */
static int httpd_listen(struct httpd *h, const struct sockaddr *sa, socklen_t slen, bool v6only)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	char a[TOOL_HOST_STRLEN];
	int one = 1;

	h->lfd = ut_socket(h->stack, sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	h->ep = ut_epoll_create1(h->stack, 0);
	if (h->lfd < 0 || h->ep < 0 ||
	    ut_setsockopt(h->stack, h->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (v6only &&
	     ut_setsockopt(h->stack, h->lfd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    tool_bind_wait(h->stack, h->lfd, sa, slen, 10000) < 0 ||
	    ut_listen(h->stack, h->lfd, BACKLOG) < 0 ||
	    ut_epoll_ctl(h->stack, h->ep, EPOLL_CTL_ADD, h->lfd, &ev) < 0) {
		int err = errno;
		tool_sockaddr_host(h->stack, h->ifname, sa, a, sizeof(a));
		fprintf(stderr, "usertcp httpd: listen on %s%s%s port %u: %s\n",
			sa->sa_family == AF_INET6 ? "[" : "", a,
			sa->sa_family == AF_INET6 ? "]" : "", tool_sockaddr_port(sa),
			strerror(err));
		return -1;
	}
	return 0;
}

static void httpd_unlisten(struct httpd *h)
{
	if (h->lfd >= 0)
		ut_close(h->stack, h->lfd);
	if (h->ep >= 0)
		ut_close(h->stack, h->ep);
	h->lfd = h->ep = -1;
}

static int httpd_worker(struct ut_stack *stack, unsigned i, void *arg)
{
	struct httpd *hs = arg;

	(void)stack;
	serve(&hs[i]);
	return 0;
}

int cmd_httpd(int argc, char **argv)
{
	struct attach_opts ao;
	struct attach at;
	struct httpd h = {.lfd = -1, .ep = -1};
	static struct httpd hs[UT_GROUP_MAX];
	const char *root = ".";
	struct tool_addr laddr;
	bool have_laddr = false;
	int want = 0, family;
	char why[160];
	uint16_t port = 80;
	uint64_t v;
	int r;

	attach_opts_init(&ao);
	ao.threads_ok = true;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if ((r = attach_opts_parse(&ao, argc, argv, &i, "usertcp httpd")) < 0)
			return 2;
		if (r)
			continue;
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			httpd_usage(stdout);
			return 0;
		} else if (!strcmp(o, "-v")) {
			h.verbose = true;
			ao.verbose = true;
		} else if (i + 1 < argc && !strcmp(o, "--port")) {
			if (!parse_u64(argv[++i], &v) || v < 1 || v > 65535) {
				fprintf(stderr, "usertcp httpd: invalid port: '%s'\n", argv[i]);
				return 2;
			}
			port = (uint16_t)v;
		} else if (i + 1 < argc && !strcmp(o, "--root")) {
			root = argv[++i];
		} else if (i + 1 < argc && !strcmp(o, "--listen")) {
			bool have_port;
			uint16_t p;
			if (tool_hostport_parse(argv[++i], &laddr, &have_port, &p, why,
						sizeof(why)) < 0) {
				fprintf(stderr, "usertcp httpd: --listen: %s\n", why);
				return 2;
			}
			if (have_port)
				port = p;
			have_laddr = true;
		} else if (!strcmp(o, "-4") || !strcmp(o, "-6")) {
			want = o[1] == '4' ? AF_INET : AF_INET6;
		} else {
			fprintf(stderr, "usertcp httpd: unknown or incomplete option '%s'\n", o);
			httpd_usage(stderr);
			return 2;
		}
	}
	struct stat st;
	if (!realpath(root, h.root) || stat(h.root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "usertcp httpd: --root %s: %s\n", root,
			errno ? strerror(errno) : "not a directory");
		return 2;
	}
	if (!strcmp(h.root, "/"))
		h.root[0] = 0; /* so that root + "/path" is "/path" */

	/* Which socket: the address's family, else IPv6's ::, which takes
	 * IPv4 too (a Linux socket's default, net.ipv6.bindv6only 0), unless
	 * -4; -6 alone is :: without IPv4. */
	if (!have_laddr)
		laddr = (struct tool_addr){.ip = want == AF_INET ? ut_ip_v4(INADDR_ANY)
								 : ut_ip_v6(&in6addr_any)};
	family = laddr.ip.family;
	if (want && family != want) {
		fprintf(stderr, "usertcp httpd: --listen: not an %s address (%s)\n",
			want == AF_INET ? "IPv4" : "IPv6", want == AF_INET ? "-4" : "-6");
		return 2;
	}
	bool v6only = want == AF_INET6 && ut_ip_is_any(laddr.ip);
	if (family == AF_INET6 && !ut_ip_is_any(laddr.ip))
		ao.ipv6 = true;

	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (attach_open(&ao, "usertcp httpd", &at) < 0)
		return 1;
	/* A server per stack: its own listener on the same port (as a
	 * SO_REUSEPORT group has one socket per thread), epoll instance and
	 * connections. The listeners are set up while the stack threads run
	 * (an IPv6 address must finish duplicate address detection first). */
	for (unsigned i = 0; i < at.n; i++) {
		hs[i] = h;
		hs[i].stack = at.stacks[i];
		hs[i].ifname = ao.ifname;
		hs[i].lfd = hs[i].ep = -1;
	}
	struct sockaddr_storage ss;
	socklen_t slen;
	if (tool_sockaddr(at.stack, ao.ifname, &laddr, family, port, &ss, &slen, why, sizeof(why)) <
	    0) {
		fprintf(stderr, "usertcp httpd: --listen: %s\n", why);
		attach_close(&at);
		return 2;
	}
	char a[TOOL_HOST_STRLEN];
	for (unsigned i = 0; i < at.n; i++)
		if (httpd_listen(&hs[i], (struct sockaddr *)&ss, slen, v6only) < 0) {
			for (unsigned j = 0; j <= i; j++)
				httpd_unlisten(&hs[j]);
			attach_close(&at);
			return 1;
		}
	tool_sockaddr_host(at.stack, ao.ifname, (struct sockaddr *)&ss, a, sizeof(a));
	printf("usertcp httpd: serving %s on http://%s%s%s:%u/%s", h.root[0] ? h.root : "/",
	       family == AF_INET6 ? "[" : "", a, family == AF_INET6 ? "]" : "", port,
	       !ut_ip_is_any(laddr.ip) ? ""
	       : v6only		       ? " (every IPv6 address)"
	       : family == AF_INET6    ? " (every address, IPv4 and IPv6)"
				       : " (every IPv4 address)");
	if (at.n > 1)
		printf(" with %u stacks, one per queue of %s", at.n, ao.ifname);
	printf("\n");
	fflush(stdout);

	/* From here each stack is driven by its server's own thread, from
	 * inside ut_epoll_wait: one thread per stack does the protocol and
	 * the serving, with no stack lock changing hands between them. */
	ut_group_thread_stop(at.group);
	r = ut_group_run(at.group, httpd_worker, hs, false);
	if (r < 0)
		fprintf(stderr, "usertcp httpd: cannot start the servers' threads: %s\n",
			strerror(-r));
	for (unsigned i = 0; i < at.n; i++)
		httpd_unlisten(&hs[i]);
	if (r == 0)
		printf("usertcp httpd: stopped by %s\n",
		       atomic_load(&httpd_stop) == SIGINT ? "SIGINT" : "SIGTERM");
	attach_close(&at);
	return r < 0 ? 1 : 0;
}
