/* The ut_* socket calls: the system-call layer of net/socket.c, over the
 * descriptor table of src/core/file.c. Each call takes the stack lock, turns the descriptor into
 * its file and socket (EBADF, ENOTSOCK), hands the work to the socket's
 * proto_ops, and turns a negative errno into -1 with errno set, as the
 * system-call boundary does in Linux. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>

#include "net/fault.h"
#include "net/file.h"
#include "net/stack.h"
#include "net/trace_events.h"
#include "usertcp/socket.h"

#define UT_IOV_MAX 1024 /* Linux's UIO_MAXIOV */

/* ---- helpers for the calls ---------------------------------------------------*/

/* Ends a call: unlocks, and turns -errno into -1 with errno set. */
static long ret_errno(struct ut_stack *stack, long rc)
{
	stack_unlock(stack);
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return rc;
}

/* The socket behind fd, with a file reference the caller drops with fput. */
static struct socket *sockfd_lookup(struct ut_stack *stack, int fd, long *err)
{
	struct file *file = fget(stack, fd);

	if (!file) {
		*err = -EBADF;
		return NULL;
	}
	if (file->kind != FILE_SOCKET) {
		fput(file);
		*err = -ENOTSOCK;
		return NULL;
	}
	return &file->socket;
}

static int file_msg_flags(const struct socket *sock, int flags)
{
	if (sock->file->f_flags & O_NONBLOCK)
		flags |= MSG_DONTWAIT;
	return flags;
}

/* Linux's move_addr_to_kernel: an address longer than sockaddr_storage
 * (or a negative length) is EINVAL before anything looks at it; a NULL
 * address with a non-zero length is EFAULT (its copy would fault). */
static long check_addr_in(const struct sockaddr *addr, socklen_t len)
{
	if ((int)len < 0 || len > sizeof(struct sockaddr_storage))
		return -EINVAL;
	if (len && !addr)
		return -EFAULT;
	return 0;
}

/* Linux's move_addr_to_user: the address the protocol produced (klen
 * bytes in kaddr) goes out cut to the caller's *ulen, and *ulen becomes
 * klen. A NULL ulen is EFAULT and a negative *ulen EINVAL, checked only
 * now, after the call itself succeeded. */
static long move_addr_to_user(const struct sockaddr_storage *kaddr, socklen_t klen,
			      struct sockaddr *uaddr, socklen_t *ulen)
{
	int len;

	if (!ulen)
		return -EFAULT;
	len = (int)*ulen;
	if (len > (int)klen)
		len = (int)klen;
	if (len < 0)
		return -EINVAL;
	if (len) {
		if (!uaddr)
			return -EFAULT;
		memcpy(uaddr, kaddr, (size_t)len);
	}
	*ulen = klen;
	return 0;
}

/* ---- socket, bind, listen, accept, connect ------------------------------------*/

int sock_register(struct ut_stack *stack, const struct net_proto_family *ops)
{
	if (ops->family < 0 || ops->family >= AF_MAX)
		return -EINVAL;
	if (stack->net_families[ops->family])
		return -EEXIST;
	stack->net_families[ops->family] = ops;
	return 0;
}

UT_EXPORT int ut_socket(struct ut_stack *stack, int domain, int type, int protocol)
{
	int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
	const struct net_proto_family *pf;
	struct file *file;
	long rc;

	stack_lock(stack);
	type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	/* Linux's __sock_create: the family's range, then the type, then
	 * whether the family is there at all. */
	if (domain < 0 || domain >= AF_MAX) {
		rc = -EAFNOSUPPORT;
		goto out;
	}
	/* Type 0 passes here (Linux checks only 0 <= type < SOCK_MAX) and
	 * the family refuses it with ESOCKTNOSUPPORT. */
	if (type < 0 || type > SOCK_PACKET) {
		rc = -EINVAL;
		goto out;
	}
	if (!(pf = stack->net_families[domain])) {
		rc = -EAFNOSUPPORT;
		goto out;
	}
	file = alloc_file(stack, FILE_SOCKET, O_RDWR | ((flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0));
	if (!file) {
		rc = -ENOMEM;
		goto out;
	}
	file->cloexec = (flags & SOCK_CLOEXEC) != 0;
	file->socket.file = file;
	file->socket.type = (short)type;
	file->socket.state = SS_UNCONNECTED;
	rc = pf->create(stack, &file->socket, type, protocol);
	if (rc < 0) {
		fput(file);
		goto out;
	}
	rc = fd_install(stack, file);
	if (rc < 0) {
		fput(file);
		goto out;
	}
	if (file->socket.sk)
		file->socket.sk->sk_fd = (int)rc;
	trace_socket_call(stack, UT_TP_SOCKET_CREATE, (int)rc, &file->socket,
			  type == SOCK_STREAM ? "SOCK_STREAM" : "SOCK_DGRAM", 0);
out:
	return (int)ret_errno(stack, rc);
}

UT_EXPORT int ut_bind(struct ut_stack *stack, int fd, const struct sockaddr *addr, socklen_t len)
{
	long rc;
	struct socket *sock;

	stack_lock(stack);
	if ((sock = sockfd_lookup(stack, fd, &rc)) != NULL) {
		rc = check_addr_in(addr, len);
		if (!rc)
			rc = sock->ops->bind(sock, addr, len);
		trace_socket_call(stack, UT_TP_BIND, fd, sock, "bind()", (int)-rc);
		fput(sock->file);
	}
	return (int)ret_errno(stack, rc);
}

UT_EXPORT int ut_listen(struct ut_stack *stack, int fd, int backlog)
{
	long rc;
	struct socket *sock;

	stack_lock(stack);
	if ((sock = sockfd_lookup(stack, fd, &rc)) != NULL) {
		/* Linux caps the backlog at net.core.somaxconn. */
		if ((unsigned)backlog > (unsigned long)stack->sysctl.somaxconn)
			backlog = (int)stack->sysctl.somaxconn;
		rc = sock->ops->listen(sock, backlog);
		trace_socket_call(stack, UT_TP_LISTEN, fd, sock, "listen()", (int)-rc);
		fput(sock->file);
	}
	return (int)ret_errno(stack, rc);
}

UT_EXPORT int ut_accept4(struct ut_stack *stack, int fd, struct sockaddr *addr, socklen_t *addrlen,
			 int flags)
{
	struct socket *sock, *newsock;
	struct file *newfile = NULL;
	long rc;

	stack_lock(stack);
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
		rc = -EINVAL;
		goto out;
	}
	if ((sock = sockfd_lookup(stack, fd, &rc)) == NULL)
		goto out;
	/* Linux reserves the descriptor before taking a connection, so a
	 * full table leaves the connection queued. */
	if (stack->fdt.open >= (unsigned long)stack->sysctl.nr_open) {
		rc = -EMFILE;
		goto put;
	}
	newfile =
		alloc_file(stack, FILE_SOCKET, O_RDWR | ((flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0));
	if (!newfile) {
		rc = -ENOMEM;
		goto put;
	}
	newfile->cloexec = (flags & SOCK_CLOEXEC) != 0;
	newsock = &newfile->socket;
	newsock->file = newfile;
	newsock->type = sock->type;
	newsock->ops = sock->ops;
	rc = sock->ops->accept(sock, newsock, (sock->file->f_flags & O_NONBLOCK) ? O_NONBLOCK : 0);
	if (rc < 0) {
		newsock->ops = NULL;
		fput(newfile);
		goto put;
	}
	if (addr) {
		/* peer == 2, as Linux's __sys_accept4_file asks: the child may
		 * have been reset in the accept queue (CLOSE) and is still
		 * returned with its peer's address; the reset surfaces on the
		 * next call. Only a child without a peer gives ECONNABORTED.
		 * The caller's length is read only now, as in Linux: a bad
		 * one (EINVAL, EFAULT) fails the call after the connection
		 * left the queue, and closing it sends the peer a FIN. */
		struct sockaddr_storage ss;
		socklen_t klen = sizeof(ss);
		rc = newsock->ops->getname(newsock, (struct sockaddr *)&ss, &klen, 2);
		if (rc < 0)
			rc = -ECONNABORTED;
		else
			rc = move_addr_to_user(&ss, klen, addr, addrlen);
		if (rc < 0) {
			fput(newfile);
			goto put;
		}
	}
	rc = fd_install(stack, newfile);
	if (rc < 0) {
		fput(newfile);
		goto put;
	}
	if (newsock->sk)
		newsock->sk->sk_fd = (int)rc;
	trace_socket_accept(stack, (int)rc, newsock, fd, sock);
put:
	fput(sock->file);
out:
	return (int)ret_errno(stack, rc);
}

UT_EXPORT int ut_accept(struct ut_stack *stack, int fd, struct sockaddr *addr, socklen_t *len)
{
	return ut_accept4(stack, fd, addr, len, 0);
}

UT_EXPORT int ut_connect(struct ut_stack *stack, int fd, const struct sockaddr *addr, socklen_t len)
{
	long rc;
	struct socket *sock;

	stack_lock(stack);
	if ((sock = sockfd_lookup(stack, fd, &rc)) != NULL) {
		rc = check_addr_in(addr, len);
		if (!rc && !addr)
			rc = -EINVAL; /* no address, length 0: too short */
		if (!rc)
			rc = sock->ops->connect(sock, addr, len,
						(sock->file->f_flags & O_NONBLOCK) ? O_NONBLOCK
										   : 0);
		fput(sock->file);
	}
	return (int)ret_errno(stack, rc);
}

/* ---- data ---------------------------------------------------------------------*/

/* The total length of a message's iovec: -EMSGSIZE for more than
 * UIO_MAXIOV pieces, -EFAULT for a missing array, -EINVAL on overflow. */
static ssize_t msg_iov_length(const struct msghdr *msg)
{
	if (msg->msg_iovlen > UT_IOV_MAX)
		return -EMSGSIZE;
	if (msg->msg_iovlen && !msg->msg_iov)
		return -EFAULT;
	return iov_length_checked(msg->msg_iov, msg->msg_iovlen);
}

static ssize_t do_sendmsg(struct ut_stack *stack, int fd, const struct msghdr *msg, int flags)
{
	bool stream = false;
	struct socket *sock;
	long rc;
	ssize_t total;

	stack_lock(stack);
	if ((sock = sockfd_lookup(stack, fd, &rc)) == NULL)
		return ret_errno(stack, rc);
	total = msg_iov_length(msg);
	if (total < 0) {
		rc = total;
		goto put;
	}
	if (msg->msg_name && !msg->msg_namelen) {
		/* sendmsg with a zero-length name means no address (Linux) */
		struct msghdr m = *msg;
		m.msg_name = NULL;
		rc = sock->ops->sendmsg(sock, &m, (size_t)total, file_msg_flags(sock, flags));
	} else {
		rc = sock->ops->sendmsg(sock, msg, (size_t)total, file_msg_flags(sock, flags));
	}
	stream = sock->type == SOCK_STREAM;
put:
	fput(sock->file);
	ret_errno(stack, rc);
	/* Linux raises SIGPIPE for a write on a connection that can no
	 * longer send, unless MSG_NOSIGNAL; datagram sockets never do. */
	if (rc == -EPIPE && stream && !(flags & MSG_NOSIGNAL))
		pthread_kill(pthread_self(), SIGPIPE);
	return rc < 0 ? -1 : rc;
}

static ssize_t do_recvmsg(struct ut_stack *stack, int fd, struct msghdr *msg, int flags)
{
	struct socket *sock;
	void *control = msg->msg_control;
	long rc;
	ssize_t total;

	stack_lock(stack);
	if ((sock = sockfd_lookup(stack, fd, &rc)) == NULL)
		return ret_errno(stack, rc);
	total = msg_iov_length(msg);
	if (total < 0) {
		rc = total;
		goto put;
	}
	if ((int)msg->msg_namelen < 0) {
		rc = -EINVAL;
		goto put;
	}
	/* Linux writes nothing back when the call fails: the caller's
	 * msg_flags and msg_namelen stay as they were */
	int in_flags = msg->msg_flags;
	socklen_t namelen = msg->msg_namelen;
	msg->msg_flags = 0;
	size_t controllen = msg->msg_controllen;
	rc = sock->ops->recvmsg(sock, msg, (size_t)total, file_msg_flags(sock, flags));
	/* Control messages move msg_control on as they are written
	 * (put_cmsg); Linux hands back in msg_controllen the bytes written. */
	msg->msg_controllen = rc >= 0 ? (size_t)((char *)msg->msg_control - (char *)control)
				      : controllen;
	msg->msg_control = control;
	if (rc < 0) {
		msg->msg_flags = in_flags;
		msg->msg_namelen = namelen;
	}
put:
	fput(sock->file);
	return ret_errno(stack, rc);
}

UT_EXPORT ssize_t ut_sendmsg(struct ut_stack *stack, int fd, const struct msghdr *msg, int flags)
{
	if (!msg) {
		errno = EFAULT;
		return -1;
	}
	return do_sendmsg(stack, fd, msg, flags);
}

UT_EXPORT ssize_t ut_recvmsg(struct ut_stack *stack, int fd, struct msghdr *msg, int flags)
{
	if (!msg) {
		errno = EFAULT;
		return -1;
	}
	return do_recvmsg(stack, fd, msg, flags);
}

UT_EXPORT ssize_t ut_sendto(struct ut_stack *stack, int fd, const void *buf, size_t len, int flags,
			    const struct sockaddr *dest, socklen_t dest_len)
{
	struct iovec iov = {(void *)(uintptr_t)buf, len};
	struct msghdr msg = {0};

	if (dest) {
		long rc = check_addr_in(dest, dest_len);
		if (rc < 0) {
			errno = (int)-rc;
			return -1;
		}
	}
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_name = (void *)(uintptr_t)dest;
	msg.msg_namelen = dest ? dest_len : 0;
	return do_sendmsg(stack, fd, &msg, flags);
}

UT_EXPORT ssize_t ut_send(struct ut_stack *stack, int fd, const void *buf, size_t len, int flags)
{
	return ut_sendto(stack, fd, buf, len, flags, NULL, 0);
}

UT_EXPORT ssize_t ut_recvfrom(struct ut_stack *stack, int fd, void *buf, size_t len, int flags,
			      struct sockaddr *src, socklen_t *src_len)
{
	struct iovec iov = {buf, len};
	struct sockaddr_storage ss;
	struct msghdr msg = {0};
	ssize_t rc;
	long err;

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	/* As Linux's __sys_recvfrom: the address goes to a buffer of the
	 * call's own, and the caller's length is looked at only after the
	 * data was received (so a bad one fails a read that consumed it). */
	if (src) {
		msg.msg_name = &ss;
		msg.msg_namelen = sizeof(ss);
	}
	rc = do_recvmsg(stack, fd, &msg, flags);
	if (rc >= 0 && src) {
		/* a protocol without addresses (TCP) leaves none */
		if (msg.msg_namelen == sizeof(ss))
			msg.msg_namelen = 0;
		err = move_addr_to_user(&ss, msg.msg_namelen, src, src_len);
		if (err < 0) {
			errno = (int)-err;
			return -1;
		}
	}
	return rc;
}

UT_EXPORT ssize_t ut_recv(struct ut_stack *stack, int fd, void *buf, size_t len, int flags)
{
	return ut_recvfrom(stack, fd, buf, len, flags, NULL, NULL);
}

/* read(2) and write(2) and their vector forms reach any file: on one that
 * is no socket (an epoll instance) Linux answers EINVAL, as the file has
 * no read or write method, where the socket calls say ENOTSOCK. */
static long fd_check_rw(struct ut_stack *stack, int fd)
{
	struct file *file;
	long rc = -EBADF;

	stack_lock(stack);
	file = fget(stack, fd);
	if (file) {
		rc = file->kind == FILE_SOCKET ? 0 : -EINVAL;
		fput(file);
	}
	stack_unlock(stack);
	return rc;
}

UT_EXPORT ssize_t ut_read(struct ut_stack *stack, int fd, void *buf, size_t len)
{
	long rc = fd_check_rw(stack, fd);

	if (rc == -EINVAL) {
		errno = EINVAL;
		return -1;
	}
	/* Linux's socket read_iter answers 0 for nothing asked (System V's
	 * rule) before the protocol sees it; recv(2) of 0 bytes does not. */
	if (!rc && !len)
		return 0;
	return ut_recv(stack, fd, buf, len, 0);
}

UT_EXPORT ssize_t ut_write(struct ut_stack *stack, int fd, const void *buf, size_t len)
{
	if (fd_check_rw(stack, fd) == -EINVAL) {
		errno = EINVAL;
		return -1;
	}
	return ut_send(stack, fd, buf, len, 0);
}

/* readv and writev's arguments, as Linux's vfs_readv/vfs_writev and
 * import_iovec check them: the descriptor first (EBADF; EINVAL for an
 * epoll descriptor), then the count (EINVAL above UIO_MAXIOV, where
 * sendmsg and recvmsg say EMSGSIZE), then the array (EFAULT). Fills msg;
 * -errno or 0. */
static long iov_call_prepare(struct ut_stack *stack, int fd, const struct iovec *iov, int iovcnt,
			     struct msghdr *msg)
{
	long rc = fd_check_rw(stack, fd);

	if (!rc && (iovcnt < 0 || iovcnt > UT_IOV_MAX))
		rc = -EINVAL;
	if (!rc && iovcnt && !iov)
		rc = -EFAULT;
	msg->msg_iov = (struct iovec *)(uintptr_t)iov;
	msg->msg_iovlen = rc ? 0 : (size_t)iovcnt;
	return rc;
}

UT_EXPORT ssize_t ut_readv(struct ut_stack *stack, int fd, const struct iovec *iov, int iovcnt)
{
	struct msghdr msg = {0};
	long rc = iov_call_prepare(stack, fd, iov, iovcnt, &msg);

	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	/* nothing asked: 0, as read() (Linux's sock_read_iter) */
	if (iov_length_checked(iov, (size_t)iovcnt) == 0)
		return 0;
	return do_recvmsg(stack, fd, &msg, 0);
}

UT_EXPORT ssize_t ut_writev(struct ut_stack *stack, int fd, const struct iovec *iov, int iovcnt)
{
	struct msghdr msg = {0};
	long rc = iov_call_prepare(stack, fd, iov, iovcnt, &msg);

	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return do_sendmsg(stack, fd, &msg, 0);
}

/* ---- shutdown, close ------------------------------------------------------------*/

UT_EXPORT int ut_shutdown(struct ut_stack *stack, int fd, int how)
{
	long rc;
	struct socket *sock;

	stack_lock(stack);
	if ((sock = sockfd_lookup(stack, fd, &rc)) != NULL) {
		if (how < SHUT_RD || how > SHUT_RDWR)
			rc = -EINVAL;
		else
			rc = sock->ops->shutdown(sock, how);
		trace_socket_call(stack, UT_TP_SHUTDOWN, fd, sock,
				  how == SHUT_RD   ? "SHUT_RD"
				  : how == SHUT_WR ? "SHUT_WR"
						   : "SHUT_RDWR",
				  (int)-rc);
		fput(sock->file);
	}
	return (int)ret_errno(stack, rc);
}

UT_EXPORT int ut_close(struct ut_stack *stack, int fd)
{
	struct file *file;
	long rc = 0;

	stack_lock(stack);
	file = fd_remove(stack, fd);
	if (!file) {
		rc = -EBADF;
	} else {
		trace_socket_call(stack, UT_TP_CLOSE, fd,
				  file->kind == FILE_SOCKET ? &file->socket : NULL, "close()", 0);
		fput(file);
	}
	return (int)ret_errno(stack, rc);
}

/* ---- names and options --------------------------------------------------------------*/

static int do_getname(struct ut_stack *stack, int fd, struct sockaddr *addr, socklen_t *len,
		      int peer)
{
	long rc;
	struct socket *sock;

	stack_lock(stack);
	if ((sock = sockfd_lookup(stack, fd, &rc)) != NULL) {
		/* Linux asks the protocol first (ENOTCONN wins over a bad
		 * length), then moves the address out. */
		struct sockaddr_storage ss;
		socklen_t klen = sizeof(ss);
		rc = sock->ops->getname(sock, (struct sockaddr *)&ss, &klen, peer);
		if (rc >= 0)
			rc = move_addr_to_user(&ss, klen, addr, len);
		fput(sock->file);
	}
	return (int)ret_errno(stack, rc);
}

UT_EXPORT int ut_getsockname(struct ut_stack *stack, int fd, struct sockaddr *addr, socklen_t *len)
{
	return do_getname(stack, fd, addr, len, 0);
}

UT_EXPORT int ut_getpeername(struct ut_stack *stack, int fd, struct sockaddr *addr, socklen_t *len)
{
	return do_getname(stack, fd, addr, len, 1);
}

UT_EXPORT int ut_setsockopt(struct ut_stack *stack, int fd, int level, int optname,
			    const void *optval, socklen_t optlen)
{
	long rc;
	struct socket *sock;

	stack_lock(stack);
	if ((sock = sockfd_lookup(stack, fd, &rc)) != NULL) {
		if ((int)optlen < 0)
			rc = -EINVAL;
		else if (!optval && optlen)
			rc = -EFAULT;
		else if (level == SOL_SOCKET)
			rc = sock_setsockopt(sock->sk, optname, optval, optlen);
		else
			rc = sock->ops->setsockopt(sock, level, optname, optval, optlen);
		fput(sock->file);
	}
	return (int)ret_errno(stack, rc);
}

UT_EXPORT int ut_getsockopt(struct ut_stack *stack, int fd, int level, int optname, void *optval,
			    socklen_t *optlen)
{
	long rc;
	struct socket *sock;

	stack_lock(stack);
	if ((sock = sockfd_lookup(stack, fd, &rc)) != NULL) {
		if (!optlen || (!optval && *optlen))
			rc = -EFAULT;
		else if ((int)*optlen < 0)
			rc = -EINVAL;
		else if (level == SOL_SOCKET)
			rc = sock_getsockopt(sock->sk, optname, optval, optlen);
		else
			rc = sock->ops->getsockopt(sock, level, optname, optval, optlen);
		fput(sock->file);
	}
	return (int)ret_errno(stack, rc);
}

/* Linux's f_setown, for F_SETOWN and the ioctls FIOSETOWN and SIOCSPGRP:
 * a negative value names a process group, INT_MIN none; a process or
 * group that does not exist is ESRCH. The owner gets SIGURG by kill(), so
 * it must be a process of this system (sk_send_sigurg). */
static long file_setown(struct file *file, int who)
{
	if (who == INT_MIN)
		return -EINVAL;
	if (who && kill(who, 0) < 0 && errno == ESRCH)
		return -ESRCH;
	file->f_owner = who;
	return 0;
}

UT_EXPORT int ut_fcntl(struct ut_stack *stack, int fd, int cmd, ...)
{
	struct file *file;
	long rc = 0;
	int arg = 0;
	va_list ap;

	va_start(ap, cmd);
	if (cmd == F_SETFL || cmd == F_SETFD || cmd == F_SETOWN)
		arg = va_arg(ap, int);
	va_end(ap);

	stack_lock(stack);
	file = fget(stack, fd);
	if (!file)
		return (int)ret_errno(stack, -EBADF);
	switch (cmd) {
	case F_GETFL:
		rc = (long)file->f_flags;
		break;
	case F_SETFL:
		/* Linux's setfl changes O_APPEND and O_NONBLOCK on a socket
		 * (and O_ASYNC, O_DIRECT, O_NOATIME, not kept here); O_APPEND
		 * means nothing to a socket but F_GETFL reports it back. */
		file->f_flags = (file->f_flags & ~(unsigned)(O_NONBLOCK | O_APPEND)) |
				((unsigned)arg & (unsigned)(O_NONBLOCK | O_APPEND));
		break;
	case F_GETFD:
		rc = file->cloexec ? FD_CLOEXEC : 0;
		break;
	case F_SETFD:
		file->cloexec = (arg & FD_CLOEXEC) != 0;
		break;
	case F_GETOWN:
		rc = file->f_owner;
		break;
	case F_SETOWN:
		rc = file_setown(file, arg);
		break;
	default:
		rc = -EINVAL;
	}
	fput(file);
	return (int)ret_errno(stack, rc);
}

UT_EXPORT int ut_ioctl(struct ut_stack *stack, int fd, unsigned long request, int *arg)
{
	long rc;
	struct socket *sock;

	stack_lock(stack);
	if ((sock = sockfd_lookup(stack, fd, &rc)) != NULL) {
		if (!arg) {
			rc = -EFAULT;
		} else if (request == FIONBIO) {
			if (*arg)
				sock->file->f_flags |= O_NONBLOCK;
			else
				sock->file->f_flags &= ~(unsigned)O_NONBLOCK;
			rc = 0;
		} else if (request == 0x8901 || request == 0x8902) {
			/* FIOSETOWN, SIOCSPGRP (linux/sockios.h): F_SETOWN's */
			rc = file_setown(sock->file, *arg);
		} else if (request == 0x8903 || request == 0x8904) {
			/* FIOGETOWN, SIOCGPGRP: F_GETOWN's */
			*arg = sock->file->f_owner;
			rc = 0;
		} else if (sock->ops->ioctl) {
			rc = sock->ops->ioctl(sock, request, arg);
		} else {
			rc = -ENOTTY;
		}
		fput(sock->file);
	}
	return (int)ret_errno(stack, rc);
}
