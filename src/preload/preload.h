/* The preload library's internals (libusertcp-preload.so, docs/RUN.md):
 * the C library's own socket calls, looked up once; the table from the
 * process's descriptor numbers to usertcp sockets; the stack the
 * intercepted sockets live on; the waiters a mixed poll parks. */
#ifndef USERTCP_PRELOAD_H
#define USERTCP_PRELOAD_H

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "usertcp/group.h"
#include "usertcp/socket.h"

/* ---- the C library's calls (preload.c) ------------------------------------
 * What the interposed names resolve to in the next object (libc), found
 * with dlsym(RTLD_NEXT) once, at load, before any thread of the program
 * runs (and at the first call if another library's constructor calls in
 * before ours). */
struct libc_calls {
	int (*socket)(int, int, int);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*shutdown)(int, int);
	int (*close)(int);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	int (*fcntl)(int, int, ...);
	int (*ioctl)(int, unsigned long, ...);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
	int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
	int (*pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
		       const sigset_t *);
	int (*epoll_ctl)(int, int, int, struct epoll_event *);
	int (*epoll_wait)(int, struct epoll_event *, int, int);
	int (*epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
	/* NULL before glibc 2.35 */
	int (*epoll_pwait2)(int, struct epoll_event *, int, const struct timespec *,
			    const sigset_t *);
	int (*sendmmsg)(int, struct mmsghdr *, unsigned, int);
	int (*recvmmsg)(int, struct mmsghdr *, unsigned, int, struct timespec *);
	ssize_t (*pread)(int, void *, size_t, off_t);
	ssize_t (*pwrite)(int, const void *, size_t, off_t);
	ssize_t (*preadv)(int, const struct iovec *, int, off_t);
	ssize_t (*pwritev)(int, const struct iovec *, int, off_t);
	ssize_t (*sendfile)(int, int, off_t *, size_t);
	ssize_t (*splice)(int, off_t *, int, off_t *, size_t, unsigned);
	int (*sigaction)(int, const struct sigaction *, struct sigaction *);
	off_t (*lseek)(int, off_t, int);
};
extern struct libc_calls libc;
/* Makes sure libc is filled in (a no-op after load). */
void preload_resolve(void);

/* ---- the stack (preload.c) -------------------------------------------------
 * Started at the first intercepted socket(): configured from the
 * environment (USERTCP_TAP ...), on a stack thread. NULL, errno set, when
 * it cannot be (said once on standard error). */
struct ut_stack *preload_stack(void);
/* USERTCP_THREADS=N: N stacks, each on its own queue of a multi-queue
 * interface and its own stack thread (a group, usertcp/group.h). Once
 * preload_stack has answered: how many, stack i, and the index of a
 * stack of the group (-1: none of them). */
unsigned preload_nstacks(void);
struct ut_stack *preload_stack_at(unsigned i);
int preload_stack_index(const struct ut_stack *st);
/* The stack a new socket goes on: each in turn, spreading the
 * connections a program opens over the queues; NULL as preload_stack. */
struct ut_stack *preload_stack_next(void);
/* The stack a socket bound to port (host order) belongs on: the one the
 * group hands that port's misdirected segments to (ut_group_port_owner;
 * the ports outside every slice are stack 0's). */
struct ut_stack *preload_port_stack(unsigned port);
/* Whether this thread is starting the stack (its sockets are the
 * kernel's meanwhile). */
bool preload_starting(void);
/* What Linux does for a process that ends: every usertcp socket closed
 * (FIN, or RST with data unread), a moment for the FINs to be
 * acknowledged, then the stack thread stopped. Once; a no-op in a child
 * of fork. */
void preload_exit(void);
/* Whether the stack runs and is this process's own: not in a child of
 * fork, nor of vfork (which shares the parent's memory). */
bool preload_stack_owner(void);

/* ---- signals (signal.c) ------------------------------------------------------
 * A signal whose default action ends the process (SIGTERM, SIGINT ...)
 * and that the program leaves at SIG_DFL closes its connections first:
 * started with the stack; forgotten in a child of fork. */
void signal_exit_start(void);
void signal_exit_forget(void);
/* For _exit (exit.c), which may be called from a signal handler: the
 * closing (preload_exit) done by the library's thread, waited for up to
 * two seconds (async-signal-safe). False when there is no such thread. */
bool signal_exit_close(void);

/* Set when a signal is ending the process (signal.c): from then on a
 * program's thread that enters or leaves a call on a usertcp socket
 * waits for the end instead, so that the program does not act on the
 * sockets being closed under it (an error it would answer by exiting
 * with a status of its own). */
extern atomic_bool preload_dying;
void preload_dying_wait(void) __attribute__((noreturn));

/* Whether this thread holds a stack's lock (async-signal-safe). */
bool preload_stack_lock_held(void);
/* Where AF_INET6 sockets go (USERTCP_INET6). */
enum inet6_route { INET6_USERTCP, INET6_KERNEL, INET6_EAFNOSUPPORT };
enum inet6_route preload_inet6(void);

/* ---- descriptors (fdtable.c) -----------------------------------------------
 * A usertcp socket behind one or more of the process's descriptor
 * numbers: each number is a real descriptor (an eventfd) the socket
 * holds, so numbers come from the kernel's space and never collide with
 * the files the program opens. Like Linux's struct file, it lives while
 * a descriptor or a call in progress holds it. */
struct usock {
	struct ut_stack *stack;
	int fd;		 /* the stack's descriptor */
	atomic_int refs; /* descriptors and calls in progress */
	/* A kernel epoll instance's usertcp half (eventpoll.c): fd is the
	 * stack's epoll instance holding the usertcp descriptors added to
	 * it; the descriptor itself stays the kernel's. */
	bool epoll;
	/* A socket: its type (SOCK_STREAM, SOCK_DGRAM), and O_NONBLOCK as
	 * the program set it. The stack's socket itself is always
	 * non-blocking: a blocking call is made here, waiting in the
	 * kernel's ppoll between tries, so that a signal interrupts it as
	 * it would a kernel socket's call (socket.c). */
	int type;
	atomic_bool nonblock;
	/* The stack's socket is closed: at the last reference, or at once
	 * when the process ends (fdtable_clear). */
	atomic_bool closed;
	/* An epoll instance's usertcp half (eventpoll.c): an eventfd in the
	 * kernel instance, readable while the half has events, so that the
	 * kernel sees the instance readable (a poll on it, an epoll instance
	 * watching it) as Linux would; -1: none. ready: its state, changed
	 * under the stack's lock. On the list of halves while it lives. */
	int ready_efd;
	atomic_bool ready;
	/* The instance is (or may be) in a kernel epoll instance, which
	 * polls it without asking the library: a call that empties the
	 * half must clear the mirror at once (usock_done). */
	bool watched;
	struct usock *half_next, *half_prev;
	/* With several stacks (USERTCP_THREADS), what spans them: a
	 * listener's twin on every stack, an epoll half's instance on each
	 * stack that has sockets in it; NULL while the socket is on its one
	 * stack. Set once, at listen() or the half's making. */
	_Atomic(struct usock_span *) span;
	/* The options set on the socket, in order, for the stacks it is
	 * made on again: its twins at listen(), its move at bind()
	 * (socket.c). Under opts_lock. */
	pthread_mutex_t opts_lock;
	struct sockopt_rec *opts;
};

/* A socket's presence on each stack of the group: fd[i] its descriptor
 * on stack i, -1 where it has none (the usock's own stack and fd are
 * among them). next: where the next accept starts looking, so that no
 * stack's connections wait behind another's. ready: an epoll half's
 * instances that have events, a bit per stack, each changed under its
 * stack's lock. */
struct usock_span {
	unsigned n;
	atomic_uint next;
	_Atomic uint64_t ready;
	atomic_int fd[];
};
struct sockopt_rec {
	struct sockopt_rec *next;
	int level, name;
	socklen_t len;
	unsigned char val[];
};
/* The span of us with n stacks, every fd -1 but us's own; NULL (ENOMEM). */
struct usock_span *usock_span_new(struct usock *us, unsigned n);
/* Closes the stack's sockets of us (its own and its span's), once. */
void usock_close_stack(struct usock *us);
/* poll(2)'s answer for us without waiting: its own socket's, or, for a
 * listener on every stack, what any of its twins has. */
int usock_poll(struct usock *us, short events, short *revents);

/* The table's size: the process's descriptor limit (RLIMIT_NOFILE) when
 * it is first used, at most FDTABLE_MAX. A descriptor past it is never
 * a usertcp one. */
#define FDTABLE_MAX (1u << 20)
/* Sets the table up (0, or -ENOMEM); idempotent, thread-safe. */
int fdtable_init(void);
/* The socket behind fd with a reference taken (usock_put when done), or
 * NULL: fd is the kernel's. Lock-free for the kernel's descriptors. */
struct usock *usock_get(int fd);
void usock_put(struct usock *us);
/* usock_put at the end of a call: returns rc with the call's errno (the
 * last put may close a socket, which must not change it). */
long usock_done(struct usock *us, long rc);
/* usock_get for a socket's calls: NULL for the kernel's descriptors and
 * for epoll instances (whose calls other than epoll's are the kernel's). */
struct usock *usock_get_sock(int fd);
/* Whether fd is usertcp's, without a reference (a hint that may be stale
 * by the time it is used). */
bool fdtable_is_usock(int fd);
/* A new usock for the stack's descriptor utfd, with one reference (for
 * the descriptor it is about to be installed at), or NULL. */
struct usock *usock_alloc(struct ut_stack *stack, int utfd, bool epoll);
/* Installs a new usock at fd (a reserved descriptor just opened), taking
 * its reference: 0, or -ENOMEM (nothing installed; the caller frees it
 * and closes both descriptors). */
int fdtable_install_new(int fd, struct usock *us);
/* Installs us at fd with a reference of its own, dropping what fd held
 * (dup2 onto a usertcp descriptor). */
void fdtable_install(int fd, struct usock *us);
/* Removes fd from the table and drops its reference; the last one closes
 * the usertcp socket. Returns whether fd was usertcp's. */
bool fdtable_remove(int fd);
/* Removes every entry (at exit, or in a child after fork); with close,
 * closing each socket at once, whatever calls are still in progress on
 * it (the process is ending: they answer EBADF), without, forgetting
 * them. Returns how many there were. */
unsigned fdtable_clear(bool close_them);

/* ---- waiting beside the kernel (select.c) --------------------------------
 * A thread waiting on usertcp sockets and kernel descriptors together
 * sleeps in the kernel's ppoll on its own eventfd (plus the kernel
 * descriptors); the stack's wake hook writes every parked waiter's
 * eventfd whenever one of its sockets woke. */
struct waiter {
	int efd;
	struct waiter *next, *prev;
};
/* This thread's waiter eventfd (made at first use, closed at thread
 * exit), or -1 with errno. */
int waiter_fd(void);
/* Parks w (efd from waiter_fd) so that the stack's wakes reach it. */
void waiter_park(struct waiter *w, int efd);
void waiter_unpark(struct waiter *w);
/* Empties the eventfd (before re-checking the sockets). */
void waiter_drain(int efd);
/* The wake hook of every stack (arg: the stack, whose lock is held):
 * refreshes the epoll halves' mirrors of that stack and writes every
 * parked waiter's eventfd, whichever stack its sockets are on. */
void waiter_wake_all(void *arg);

/* Waits until the socket us has one of events (or an error, a hangup),
 * for a blocking call made on a non-blocking socket: *deadline 0 at the
 * call's first wait, which reads the socket's timeout (timeo_opt:
 * SO_RCVTIMEO or SO_SNDTIMEO; 0 is none) into it. 0: try again; -1 with
 * errno EAGAIN (the timeout ran out) or EINTR (a signal's handler ran, and
 * Linux would not restart the call: a handler without SA_RESTART, or a
 * socket with a timeout, man 7 signal). */
int usock_wait(struct usock *us, short events, int timeo_opt, uint64_t *deadline);

/* The epoll halves' readiness mirrors (eventpoll.c): set or cleared
 * from what each half has ready now. _locked from stack st's wake hook,
 * its lock held, for the halves' instances on st; epoll_half_refresh for
 * one half, taking each of its stacks' locks in turn. A half
 * leaves the list at its last reference (epoll_half_release). */
void epoll_halves_refresh_locked(struct ut_stack *st);
void epoll_half_refresh(struct usock *ep);
void epoll_half_release(struct usock *ep);
/* The socket fd of stack st made anew as tofd on stack to (a listener's
 * twin, a socket moved by bind): added to every epoll instance that
 * watches fd, with the same events and data, as if the program had added
 * it. */
void epoll_follow(struct ut_stack *st, int fd, struct ut_stack *to, int tofd);
/* How many watched halves' mirrors are set: while any is, every call on
 * a usertcp socket ends by refreshing them (what it took, a read that
 * drained a socket, may have emptied a half). */
extern atomic_uint epoll_watched_ready;
void epoll_halves_refresh(struct ut_stack *st);

/* send(2) of buf with flags, and recv(2) into buf, on the socket us,
 * blocking as the program set it (socket.c): what sendfile and splice
 * move bytes with. */
ssize_t usock_send_buf(struct usock *us, const void *buf, size_t len, int flags);
ssize_t usock_recv_buf(struct usock *us, void *buf, size_t len);

/* poll(2) over any mix of descriptors: timeout NULL waits forever. What
 * poll, ppoll, select and pselect do. */
int preload_poll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
		 const sigset_t *sigmask);

/* The time left until deadline (CLOCK_MONOTONIC ns; UINT64_MAX: none),
 * for ppoll: NULL when none. */
const struct timespec *timeout_left(uint64_t deadline, struct timespec *ts);
uint64_t deadline_after(const struct timespec *timeout);

/* Per-thread room for translating a call's descriptor arrays, grown as
 * needed and kept, so that a poll allocates nothing once warm: n pollfds
 * (and as many indices and socket pointers) for a split poll, and
 * FD_SETSIZE pollfds for select. NULL with errno ENOMEM. */
struct poll_scratch {
	struct pollfd *kfds, *ufds;
	int *kidx, *uidx;
	struct usock **us;
	size_t cap;
	struct pollfd *selfds; /* FD_SETSIZE, for select */
};
struct poll_scratch *poll_scratch(size_t n);
/* This thread's copying buffer (sendfile), PRELOAD_COPY_BUF bytes, made
 * at first use; NULL with errno ENOMEM. */
#define PRELOAD_COPY_BUF (64 * 1024)
void *thread_copy_buf(void);

/* glibc's fortified entry points (_FORTIFY_SOURCE), which its headers
 * do not declare: the check, then the call. */
extern void __chk_fail(void) __attribute__((noreturn));
ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);
ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
		       struct sockaddr *src, socklen_t *src_len);
int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen);
int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
		const sigset_t *sigmask, size_t fdslen);
ssize_t __pread_chk(int fd, void *buf, size_t len, off_t offset, size_t buflen);
ssize_t __pread64_chk(int fd, void *buf, size_t len, off_t offset, size_t buflen);

#endif
