/* The positioned reads and writes, sendfile and splice on usertcp
 * sockets (fs/read_write.c and fs/splice.c's part in Linux).
 *
 * A socket has no file position: pread, pwrite, preadv, pwritev and lseek
 * answer ESPIPE, as Linux's do for any descriptor opened without
 * FMODE_PREAD (and without llseek).
 * sendfile from a file to a usertcp socket copies through a buffer of the
 * thread's (Linux moves pages; the bytes and the results are the same).
 * splice with a usertcp socket on either side answers Linux's argument
 * checks, then EINVAL: the stack has no pipe pages to move (not emulated
 * yet, docs/RUN.md). glibc's 64-bit
 * names (pread64 ..., what _FILE_OFFSET_BITS=64 programs call) are the
 * same calls on a 64-bit system. */
#include <errno.h>
#include <fcntl.h>
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

/* A socket has no position to move: ESPIPE, as Linux's no_llseek (the
 * eventfd underneath would answer 0). */
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
		ssize_t sent = usock_send_buf(us, buf, (size_t)n);
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

/* splice with a usertcp socket on one side: Linux's argument checks in
 * Linux's order (sys_splice, __do_splice, do_splice), so that a program
 * learns what it did wrong as it would; moving the bytes between a pipe
 * and the socket is not emulated (EINVAL, docs/RUN.md). */
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
	/* a socket cannot be read or written at an offset; and the bytes
	 * are not moved */
	errno = EINVAL;
	return -1;
}

EXPORT ssize_t splice(int in, off64_t *off_in, int out, off64_t *off_out, size_t len,
		      unsigned flags)
{
	preload_resolve();
	if (fdtable_is_usock(in) || fdtable_is_usock(out))
		return splice_usock(in, off_in, out, off_out, len, flags);
	return libc.splice(in, off_in, out, off_out, len, flags);
}
