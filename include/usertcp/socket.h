/* The socket API: POSIX names and argument lists with a ut_ prefix and the
 * stack as first argument, returning what Linux returns and setting errno to
 * what Linux sets in the same situation.
 *
 * Descriptors are small integers indexing the stack's own descriptor table
 * (not the process's): descriptor -> file -> socket -> sock, as in the
 * kernel. They are meaningful only with the stack that made them.
 *
 * Types and constants are the system's own (<sys/socket.h>, <netinet/in.h>,
 * <netinet/tcp.h>, <poll.h>, <sys/epoll.h>, <fcntl.h>), so code written for
 * Linux sockets ports by adding the prefix and the stack argument.
 *
 * Blocking: a blocking call sleeps until its condition holds, as in the
 * kernel. How it sleeps depends on who drives the stack:
 *  - no stack thread: the call drives the stack itself (in the simulator,
 *    the whole simulated world moves on, so simulated time advances while
 *    the call waits). In the simulator a call that could never be woken
 *    (nothing anywhere left to happen) fails with EDEADLK instead of
 *    hanging the program;
 *  - a stack thread (ut_stack_thread_start): the calling thread sleeps on
 *    a condition variable until the stack thread's work changes something.
 * Every entry point takes the stack's lock, so application threads may
 * share a stack with the stack thread and with each other.
 */
#ifndef USERTCP_SOCKET_H
#define USERTCP_SOCKET_H

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "usertcp/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

int ut_socket(struct ut_stack *stack, int domain, int type, int protocol);
int ut_bind(struct ut_stack *stack, int fd, const struct sockaddr *addr, socklen_t len);
int ut_listen(struct ut_stack *stack, int fd, int backlog);
int ut_accept(struct ut_stack *stack, int fd, struct sockaddr *addr, socklen_t *len);
int ut_accept4(struct ut_stack *stack, int fd, struct sockaddr *addr, socklen_t *len, int flags);
int ut_connect(struct ut_stack *stack, int fd, const struct sockaddr *addr, socklen_t len);

ssize_t ut_send(struct ut_stack *stack, int fd, const void *buf, size_t len, int flags);
ssize_t ut_recv(struct ut_stack *stack, int fd, void *buf, size_t len, int flags);
ssize_t ut_sendto(struct ut_stack *stack, int fd, const void *buf, size_t len, int flags,
		  const struct sockaddr *dest, socklen_t dest_len);
ssize_t ut_recvfrom(struct ut_stack *stack, int fd, void *buf, size_t len, int flags,
		    struct sockaddr *src, socklen_t *src_len);
ssize_t ut_sendmsg(struct ut_stack *stack, int fd, const struct msghdr *msg, int flags);
ssize_t ut_recvmsg(struct ut_stack *stack, int fd, struct msghdr *msg, int flags);
ssize_t ut_read(struct ut_stack *stack, int fd, void *buf, size_t len);
ssize_t ut_write(struct ut_stack *stack, int fd, const void *buf, size_t len);
ssize_t ut_readv(struct ut_stack *stack, int fd, const struct iovec *iov, int iovcnt);
ssize_t ut_writev(struct ut_stack *stack, int fd, const struct iovec *iov, int iovcnt);

int ut_shutdown(struct ut_stack *stack, int fd, int how);
int ut_close(struct ut_stack *stack, int fd);

int ut_getsockname(struct ut_stack *stack, int fd, struct sockaddr *addr, socklen_t *len);
int ut_getpeername(struct ut_stack *stack, int fd, struct sockaddr *addr, socklen_t *len);
int ut_setsockopt(struct ut_stack *stack, int fd, int level, int optname, const void *optval,
		  socklen_t optlen);
int ut_getsockopt(struct ut_stack *stack, int fd, int level, int optname, void *optval,
		  socklen_t *optlen);
/* F_GETFL / F_SETFL (O_NONBLOCK) and F_GETFD / F_SETFD (FD_CLOEXEC, kept
 * but meaningless here). The third argument is an int. */
int ut_fcntl(struct ut_stack *stack, int fd, int cmd, ...);
/* FIONREAD (bytes readable) and FIONBIO, as ioctl(2). */
int ut_ioctl(struct ut_stack *stack, int fd, unsigned long request, int *arg);

/* timeout in ms; -1: forever. */
int ut_poll(struct ut_stack *stack, struct pollfd *fds, nfds_t nfds, int timeout);

int ut_epoll_create(struct ut_stack *stack, int size);
int ut_epoll_create1(struct ut_stack *stack, int flags);
int ut_epoll_ctl(struct ut_stack *stack, int epfd, int op, int fd, struct epoll_event *event);
int ut_epoll_wait(struct ut_stack *stack, int epfd, struct epoll_event *events, int maxevents,
		  int timeout);

/* ---- driving the stack from a thread of its own ----------------------------
 * Starts a thread that runs ut_stack_poll whenever work is due, sleeping in
 * between; from then on application threads may make blocking calls
 * concurrently. Only for stacks on a real clock (not simulator hosts).
 * Returns 0, -EALREADY, -EINVAL (simulated clock) or -errno from
 * pthread_create. */
int ut_stack_thread_start(struct ut_stack *stack);
/* Stops and joins the stack thread (no-op if none). */
void ut_stack_thread_stop(struct ut_stack *stack);

/* Descriptors open in this stack (sockets and epoll instances). */
unsigned ut_stack_open_fds(const struct ut_stack *stack);

#ifdef __cplusplus
}
#endif
#endif
