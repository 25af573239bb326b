/* The positioned reads and writes, sendfile and splice on usertcp
 * sockets (fs/read_write.c and fs/splice.c's part in Linux).
 *
 * A socket has no file position: pread, pwrite, preadv, pwritev and lseek
 * answer ESPIPE, as Linux's do for any descriptor opened without
 * FMODE_PREAD (and without llseek).
 * sendfile from a file to a usertcp socket copies through a buffer of the
 * thread's (Linux moves pages; the bytes and the results are the same).
 * splice between a usertcp socket and a kernel pipe copies through the
 * thread's buffer (the stack has no pipe pages to move), after Linux's
 * argument checks in Linux's order. glibc's 64-bit
 * names (pread64 ..., what _FILE_OFFSET_BITS=64 programs call) are the
 * same calls on a 64-bit system. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preload.h"

#define EXPORT __attribute__((visibility("default")))

/* ESPIPE for a usertcp socket (or an epoll instance's usertcp half,
 * which is the kernel's epoll: its own answer); false otherwise. A
 * negative offset is EINVAL first, whatever the descriptor, as Linux's
 * ksys_pread64 and do_preadv check it before looking the file up. */
static bool no_position(int fd, off_t off)
{
	struct usock *us = usock_get_sock(fd);

	if (!us)
		return false;
	usock_put(us);
	errno = off < 0 ? EINVAL : ESPIPE;
	return true;
}

EXPORT ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	preload_resolve();
	return no_position(fd, off) ? -1 : libc.pread(fd, buf, len, off);
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	preload_resolve();
	return no_position(fd, off) ? -1 : libc.pwrite(fd, buf, len, off);
}

EXPORT ssize_t preadv(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	preload_resolve();
	return no_position(fd, off) ? -1 : libc.preadv(fd, iov, iovcnt, off);
}

EXPORT ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	preload_resolve();
	return no_position(fd, off) ? -1 : libc.pwritev(fd, iov, iovcnt, off);
}

/* lseek too: Linux's sockets have no llseek (ESPIPE). The eventfd under
 * a usertcp socket would answer 0 (noop_llseek), and a program that
 * takes that for a seekable file reads ahead and seeks back over what it
 * did not want: bash's `read` then consumes a socket's whole buffer
 * instead of a byte at a time, and what it left unread is gone. */
EXPORT off_t lseek(int fd, off_t off, int whence)
{
	preload_resolve();
	return no_position(fd, 0) ? -1 : libc.lseek(fd, off, whence);
}

EXPORT off64_t lseek64(int fd, off64_t off, int whence) __attribute__((alias("lseek")));

EXPORT ssize_t pread64(int fd, void *buf, size_t len, off64_t off) __attribute__((alias("pread")));
EXPORT ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t off)
	__attribute__((alias("pwrite")));
EXPORT ssize_t preadv64(int fd, const struct iovec *iov, int iovcnt, off64_t off)
	__attribute__((alias("preadv")));
EXPORT ssize_t pwritev64(int fd, const struct iovec *iov, int iovcnt, off64_t off)
	__attribute__((alias("pwritev")));

EXPORT ssize_t __pread_chk(int fd, void *buf, size_t len, off_t off, size_t buflen)
{
	if (len > buflen)
		__chk_fail();
	return pread(fd, buf, len, off);
}

EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t len, off_t off, size_t buflen)
	__attribute__((alias("__pread_chk")));

/* sendfile(out, in, offset, count) with out a usertcp socket: reads from
 * in (at *offset, which moves, or at in's position, which moves by what
 * was sent) and sends, until count bytes, the end of the file, or a send
 * that takes less; a failure after some bytes went returns their count,
 * as Linux's. */
static ssize_t sendfile_to_usock(struct usock *us, int in, off_t *offset, size_t count)
{
	char *buf = thread_copy_buf();
	off_t pos = offset ? *offset : 0;
	size_t total = 0;

	if (!buf)
		return -1;
	while (total < count) {
		size_t want = count - total < PRELOAD_COPY_BUF ? count - total : PRELOAD_COPY_BUF;
		ssize_t n = offset ? libc.pread(in, buf, want, pos) : libc.read(in, buf, want);
		if (n <= 0) {
			if (n < 0 && total == 0)
				return -1;
			break;
		}
		ssize_t sent = usock_send_buf(us, buf, (size_t)n, 0);
		if (sent < 0) {
			int e = errno;
			if (!offset)
				libc.lseek(in, -(off_t)n, SEEK_CUR);
			if (total == 0) {
				errno = e;
				return -1;
			}
			break;
		}
		total += (size_t)sent;
		pos += sent;
		if (sent < n) {
			/* the socket took less: what it did not take stays
			 * in the file for next time */
			if (!offset)
				libc.lseek(in, -(off_t)(n - sent), SEEK_CUR);
			break;
		}
	}
	if (offset)
		*offset = pos;
	return (ssize_t)total;
}

EXPORT ssize_t sendfile(int out, int in, off_t *offset, size_t count)
{
	struct usock *us;

	preload_resolve();
	/* reading from a socket: Linux wants a file it can map (EINVAL) */
	if ((us = usock_get_sock(in)) != NULL) {
		usock_put(us);
		errno = EINVAL;
		return -1;
	}
	if (!(us = usock_get_sock(out)))
		return libc.sendfile(out, in, offset, count);
	if (offset && *offset < 0) {
		errno = EINVAL;
		return usock_done(us, -1);
	}
	return usock_done(us, sendfile_to_usock(us, in, offset, count));
}

EXPORT ssize_t sendfile64(int out, int in, off64_t *offset, size_t count)
	__attribute__((alias("sendfile")));

/* Whether fd is a kernel pipe; -1 with EBADF if it is no descriptor. */
static int is_pipe(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	return S_ISFIFO(st.st_mode);
}

/* Waits until the pipe fd has one of events (or an error): 0, or -1 with
 * errno (EINTR: a signal). */
static int pipe_wait(int fd, short events)
{
	struct pollfd p = {fd, events, 0};

	return libc.poll(&p, 1, -1) < 0 ? -1 : 0;
}

static long pipe_bytes(int fd)
{
	int n = 0;

	return libc.ioctl(fd, FIONREAD, &n) < 0 ? -1 : n;
}

/* What splice does from a usertcp socket into the pipe out (Linux's
 * splice_file_to_pipe, then tcp_splice_read): a pipe without readers is
 * EPIPE (and SIGPIPE); a full one EAGAIN if it or the call is
 * non-blocking, else a wait for room; then one receive of at most the
 * room left, blocking as the socket is, written into the pipe. */
static ssize_t splice_to_pipe(int in, int out, size_t len, unsigned flags)
{
	struct usock *us = usock_get_sock(in);
	bool nonblock = (flags & SPLICE_F_NONBLOCK) || (libc.fcntl(out, F_GETFL) & O_NONBLOCK);
	char *buf = thread_copy_buf();
	long room = 0;
	ssize_t n;

	if (!us) {
		errno = EBADF; /* closed by another thread meanwhile */
		return -1;
	}
	if (!buf)
		return usock_done(us, -1);
	for (;;) {
		struct pollfd p = {out, POLLOUT, 0};
		long size = libc.fcntl(out, F_GETPIPE_SZ), used = pipe_bytes(out);

		if (libc.poll(&p, 1, 0) > 0 && (p.revents & POLLERR)) {
			raise(SIGPIPE);
			errno = EPIPE;
			return usock_done(us, -1);
		}
		if (size < 0 || used < 0)
			return usock_done(us, -1);
		if ((room = size - used) > 0)
			break;
		if (nonblock) {
			errno = EAGAIN;
			return usock_done(us, -1);
		}
		if (pipe_wait(out, POLLOUT) < 0)
			return usock_done(us, -1);
	}
	if ((size_t)room > len)
		room = (long)len;
	if (room > PRELOAD_COPY_BUF)
		room = PRELOAD_COPY_BUF;
	n = usock_recv_buf(us, buf, (size_t)room);
	/* the room was counted: the bytes fit, unless another writer took
	 * it meanwhile, and then this waits for it rather than lose them */
	for (ssize_t done = 0; n > 0 && done < n;) {
		ssize_t w = libc.write(out, buf + done, (size_t)(n - done));
		if (w > 0)
			done += w;
		else if (w < 0 && errno != EAGAIN && errno != EINTR)
			break;
		else if (w < 0 && errno == EAGAIN)
			pipe_wait(out, POLLOUT);
	}
	return usock_done(us, n);
}

/* What splice does from the pipe in into a usertcp socket (Linux's
 * splice_to_socket): an empty pipe gives 0 without writers, EAGAIN if it
 * or the call is non-blocking, else a wait; then what it holds, up to
 * len, is sent as the socket blocks (MSG_MORE with SPLICE_F_MORE). The
 * bytes are looked at through a tee into a pipe of the call's own and
 * taken from the program's pipe only once the socket took them, so that
 * a non-blocking socket that takes fewer leaves the rest in the pipe, as
 * Linux's. (The call's pipe is made and closed each time: a descriptor
 * kept would be one the program could close under the library.) */
static ssize_t splice_from_pipe(int in, int out, size_t len, unsigned flags)
{
	struct usock *us = usock_get_sock(out);
	bool nonblock = (flags & SPLICE_F_NONBLOCK) || (libc.fcntl(in, F_GETFL) & O_NONBLOCK);
	char *buf = thread_copy_buf();
	int tp[2];
	long avail;
	ssize_t n, sent;

	if (!us) {
		errno = EBADF;
		return -1;
	}
	if (!buf)
		return usock_done(us, -1);
	for (;;) {
		struct pollfd p = {in, POLLIN, 0};

		if ((avail = pipe_bytes(in)) < 0)
			return usock_done(us, -1);
		if (avail > 0)
			break;
		if (libc.poll(&p, 1, 0) > 0 && (p.revents & POLLHUP))
			return usock_done(us, 0); /* no writer: the end */
		if (nonblock) {
			errno = EAGAIN;
			return usock_done(us, -1);
		}
		if (pipe_wait(in, POLLIN) < 0)
			return usock_done(us, -1);
	}
	if ((size_t)avail > len)
		avail = (long)len;
	if (avail > PRELOAD_COPY_BUF)
		avail = PRELOAD_COPY_BUF;
	if (pipe2(tp, O_NONBLOCK | O_CLOEXEC) < 0)
		return usock_done(us, -1);
	n = tee(in, tp[1], (size_t)avail, SPLICE_F_NONBLOCK);
	if (n > 0)
		n = libc.read(tp[0], buf, (size_t)n);
	int e = errno;
	libc.close(tp[0]);
	libc.close(tp[1]);
	errno = e;
	if (n <= 0)
		return usock_done(us, n < 0 ? -1 : 0);
	sent = usock_send_buf(us, buf, (size_t)n, (flags & SPLICE_F_MORE) ? MSG_MORE : 0);
	/* take from the program's pipe what the socket took */
	for (ssize_t done = 0; sent > 0 && done < sent;) {
		ssize_t r = libc.read(in, buf, (size_t)(sent - done));
		if (r <= 0)
			break;
		done += r;
	}
	return usock_done(us, sent);
}

/* splice with a usertcp socket on one side: Linux's argument checks in
 * Linux's order (sys_splice, __do_splice, do_splice), so that a program
 * learns what it did wrong as it would, then the bytes copied between
 * the pipe and the socket. */
static ssize_t splice_usock(int in, off64_t *off_in, int out, off64_t *off_out, size_t len,
			    unsigned flags)
{
	int ipipe, opipe;

	if (len == 0)
		return 0;
	if (flags &
	    ~(unsigned)(SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT)) {
		errno = EINVAL;
		return -1;
	}
	if ((ipipe = is_pipe(in)) < 0 || (opipe = is_pipe(out)) < 0)
		return -1;
	/* a pipe has no position */
	if ((ipipe && off_in) || (opipe && off_out)) {
		errno = ESPIPE;
		return -1;
	}
	/* the kernel's side opened for the wrong direction (a socket reads
	 * and writes) */
	if ((!fdtable_is_usock(in) && (libc.fcntl(in, F_GETFL) & O_ACCMODE) == O_WRONLY) ||
	    (!fdtable_is_usock(out) && (libc.fcntl(out, F_GETFL) & O_ACCMODE) == O_RDONLY)) {
		errno = EBADF;
		return -1;
	}
	/* a socket cannot be read or written at an offset, and one of the
	 * two must be a pipe */
	if (off_in || off_out || (!ipipe && !opipe)) {
		errno = EINVAL;
		return -1;
	}
	return ipipe ? splice_from_pipe(in, out, len, flags) : splice_to_pipe(in, out, len, flags);
}

EXPORT ssize_t splice(int in, off64_t *off_in, int out, off64_t *off_out, size_t len,
		      unsigned flags)
{
	preload_resolve();
	if (fdtable_is_usock(in) || fdtable_is_usock(out))
		return splice_usock(in, off_in, out, off_out, len, flags);
	return libc.splice(in, off_in, out, off_out, len, flags);
}
