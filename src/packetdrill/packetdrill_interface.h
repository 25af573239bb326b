/* The table of entry points through which packetdrill drives a network
 * stack living in a shared object (packetdrill's --so_filename mode).
 *
 * packetdrill dlopens the object, looks up packetdrill_interface_init and
 * calls it once with the --so_flags string and a zeroed table, which the
 * object fills. From then on every system call of the script, every packet
 * the script injects and every packet it waits for goes through the table,
 * each call getting `userdata` back as its first argument.
 *
 * The layout below is a binary contract with packetdrill: the members and
 * their order follow the declaration packetdrill publishes for this mode
 * (gtests/net/packetdrill/packetdrill.h in its repository) and must not be
 * reordered. The declaration is written here from that interface's
 * signatures; it copies nothing else.
 */
#ifndef USERTCP_PACKETDRILL_INTERFACE_H
#define USERTCP_PACKETDRILL_INTERFACE_H

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

struct packetdrill_interface {
	void *userdata;
	/* Tears the stack down after the script ended. */
	void (*free)(void *userdata);

	/* System calls: as the libc functions of the same names, returning -1
	 * with errno set on failure. */
	int (*socket)(void *userdata, int domain, int type, int protocol);
	int (*bind)(void *userdata, int sockfd, const struct sockaddr *addr, socklen_t addrlen);
	int (*listen)(void *userdata, int sockfd, int backlog);
	int (*accept)(void *userdata, int sockfd, struct sockaddr *addr, socklen_t *addrlen);
	int (*connect)(void *userdata, int sockfd, const struct sockaddr *addr, socklen_t addrlen);
	ssize_t (*read)(void *userdata, int fd, void *buf, size_t count);
	ssize_t (*readv)(void *userdata, int fd, const struct iovec *iov, int iovcnt);
	ssize_t (*recv)(void *userdata, int sockfd, void *buf, size_t len, int flags);
	ssize_t (*recvfrom)(void *userdata, int sockfd, void *buf, size_t len, int flags,
			    struct sockaddr *src_addr, socklen_t *addrlen);
	ssize_t (*recvmsg)(void *userdata, int sockfd, struct msghdr *msg, int flags);
	ssize_t (*write)(void *userdata, int fd, const void *buf, size_t count);
	ssize_t (*writev)(void *userdata, int fd, const struct iovec *iov, int iovcnt);
	ssize_t (*send)(void *userdata, int sockfd, const void *buf, size_t len, int flags);
	ssize_t (*sendto)(void *userdata, int sockfd, const void *buf, size_t len, int flags,
			  const struct sockaddr *dest_addr, socklen_t addrlen);
	ssize_t (*sendmsg)(void *userdata, int sockfd, const struct msghdr *msg, int flags);
	/* packetdrill passes the third argument only for commands that take
	 * one (an int for fcntl, a pointer for ioctl). */
	int (*fcntl)(void *userdata, int fd, int cmd, ...);
	int (*ioctl)(void *userdata, int fd, unsigned long request, ...);
	int (*close)(void *userdata, int fd);
	int (*shutdown)(void *userdata, int sockfd, int how);
	int (*getsockopt)(void *userdata, int sockfd, int level, int optname, void *optval,
			  socklen_t *optlen);
	int (*setsockopt)(void *userdata, int sockfd, int level, int optname, const void *optval,
			  socklen_t optlen);
	int (*poll)(void *userdata, struct pollfd *fds, nfds_t nfds, int timeout);

	/* One packet from the script to the stack: count bytes of a bare IP
	 * packet. 0, or -1 on error. */
	int (*netdev_send)(void *userdata, const void *buf, size_t count);
	/* The next packet the stack sent: at most *count bytes into buf, *count
	 * set to the bytes written (0 if none) and *time_usecs to when the
	 * stack sent it, on the clock gettimeofday below reads. 0 when a
	 * packet was returned; -1 when none came, and packetdrill asks again. */
	int (*netdev_receive)(void *userdata, void *buf, size_t *count, long long *time_usecs);

	/* Time as the stack sees it: the script's timeline is measured with
	 * these. */
	int (*usleep)(void *userdata, useconds_t usec);
	int (*gettimeofday)(void *userdata, struct timeval *tv, struct timezone *tz);

	int (*epoll_create)(void *userdata, int size);
	int (*epoll_ctl)(void *userdata, int epfd, int op, int fd, struct epoll_event *event);
	int (*epoll_wait)(void *userdata, int epfd, struct epoll_event *events, int maxevents,
			  int timeout);
	int (*pipe)(void *userdata, int pipefd[2]);
	int (*splice)(void *userdata, int fd_in, loff_t *off_in, int fd_out, loff_t *off_out,
		      size_t len, unsigned int flags);
};

/* The one symbol the shared object exports: fills ifc for the stack that
 * flags (packetdrill's --so_flags, or NULL) describes. */
void packetdrill_interface_init(const char *flags, struct packetdrill_interface *ifc);
typedef void (*packetdrill_interface_init_t)(const char *flags, struct packetdrill_interface *ifc);

#endif
