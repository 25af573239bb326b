/* Files and the descriptor table (Linux's include/linux/file.h and
 * fdtable.h, implemented in src/core/file.c): a descriptor indexes the
 * stack's table and names a file, and the file holds a socket or an epoll
 * instance. Kept apart from the socket calls of src/socket.c because
 * every address family's sockets, and epoll, share it. */
#ifndef NET_FILE_H
#define NET_FILE_H

#include <stdbool.h>

#include "net/sock.h"

struct ut_stack;
struct epoll_event;
enum file_kind { FILE_SOCKET, FILE_EPOLL };

struct epitem;
struct file {
	enum file_kind kind;
	unsigned f_flags; /* O_NONBLOCK (and O_RDWR) */
	unsigned f_refs;  /* table reference + calls in progress */
	int fd;		  /* its descriptor, -1 once closed */
	bool cloexec;
	/* F_SETOWN: the process SIGURG goes to, a negative value a process
	 * group; 0: none (Linux's f_owner) */
	int f_owner;
	struct ut_stack *stack;
	struct epitem *f_ep; /* epoll items watching this file */
	union {
		struct socket socket; /* FILE_SOCKET */
		struct eventpoll *ep; /* FILE_EPOLL */
	};
};

/* The descriptor table: files indexed by descriptor, lowest free first, as
 * POSIX requires of open(). */
struct fdtable {
	struct file **fd;
	unsigned max_fds; /* slots allocated */
	unsigned next_fd; /* lowest possibly free */
	unsigned open;
};

/* The file for descriptor fd with a reference taken, or NULL (EBADF). */
struct file *fget(struct ut_stack *stack, int fd);
/* Drops a reference; the last one releases the file (socket release or
 * epoll instance freed). */
void fput(struct file *file);
/* A new file with one reference (the caller's). NULL: -ENOMEM. */
struct file *alloc_file(struct ut_stack *stack, enum file_kind kind, unsigned f_flags);
/* Puts file in the lowest free descriptor slot (the table takes over the
 * caller's reference). The descriptor, or -EMFILE (fs.nr_open reached) or
 * -ENOMEM. */
int fd_install(struct ut_stack *stack, struct file *file);
/* Takes descriptor fd out of the table (close) and hands its reference to
 * the caller; NULL if fd is not open (EBADF). */
struct file *fd_remove(struct ut_stack *stack, int fd);
/* Closes every descriptor still open and frees the table (stack
 * destruction). */
void stack_close_all_fds(struct ut_stack *stack);

/* eventpoll.c: the file is closing, so every epoll instance watching it
 * forgets it (as Linux's eventpoll_release at the last fput). */
void eventpoll_release(struct file *file);
/* eventpoll.c: frees an epoll instance when its file is released. */
struct eventpoll;
void ep_free(struct eventpoll *ep);
/* eventpoll.c: what descriptor fd has ready now (EPOLL* bits; an epoll
 * instance is readable while one of its items is ready), the stack's lock
 * held; 0 if fd is not open. For the preload library, which mirrors an
 * epoll instance's readiness into the kernel's from the wake hook. */
unsigned fd_poll_locked(struct ut_stack *stack, int fd);
/* eventpoll.c: how epoll instance epfd watches descriptor fd (the events
 * and data it was added with), taking the stack's lock: 0, or -ENOENT
 * when it does not, -EBADF or -EINVAL for a bad epfd or fd. For the
 * preload library, which adds a socket made anew on another stack of a
 * group where the socket it stands for was. */
int ep_item_event(struct ut_stack *stack, int epfd, int fd, struct epoll_event *event);

/* Readiness of a file (EPOLL* bits), for poll and epoll. */
unsigned file_poll(struct file *file);
/* Tells epoll watchers of the file that its readiness may have changed
 * (Linux's wake_up on the socket's wait queue), and marks the stack so
 * blocked threads re-check their conditions. */
void file_wake(struct file *file, unsigned events);

#endif
