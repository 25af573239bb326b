/* A program that gives up root before it opens its first socket.
 *
 * Servers started as root often change to an unprivileged user first and
 * open their listening sockets after (ngircd drops to its ServerUID, then
 * listens). The stack starts at the first usertcp socket, and starting it
 * attaches the tap or tun interface, which takes CAP_NET_ADMIN unless the
 * interface was made for that user: after the change the attach fails
 * (EPERM) and so does every socket. On Linux the program's interface was
 * configured long before it started, so nothing there depends on the
 * process's privileges when it opens a socket.
 *
 * So a change of user ID made while the effective user is root starts
 * the stack first, as the first socket would have: the interface is
 * attached with root's privileges, and the stack thread then changes
 * user with the rest of the process (the C library applies set*uid to
 * every thread). The group calls (setgid, setgroups) leave the
 * capabilities as they are and need nothing. */
#include <dlfcn.h>
#include <errno.h>
#include <unistd.h>

#include "preload.h"

#define EXPORT __attribute__((visibility("default")))

static int (*next_setuid)(uid_t);
static int (*next_seteuid)(uid_t);
static int (*next_setreuid)(uid_t, uid_t);
static int (*next_setresuid)(uid_t, uid_t, uid_t);

__attribute__((constructor)) static void cred_init(void)
{
	next_setuid = (__typeof__(next_setuid))dlsym(RTLD_NEXT, "setuid");
	next_seteuid = (__typeof__(next_seteuid))dlsym(RTLD_NEXT, "seteuid");
	next_setreuid = (__typeof__(next_setreuid))dlsym(RTLD_NEXT, "setreuid");
	next_setresuid = (__typeof__(next_setresuid))dlsym(RTLD_NEXT, "setresuid");
}

/* 0 when the C library's call can go ahead; -1 (ENOSYS) without it. */
static int start_before_uid_change(void *next)
{
	int saved = errno;

	if (!next) {
		errno = ENOSYS;
		return -1;
	}
	/* (In a child of fork preload_stack starts nothing: the interface
	 * is the parent's.) */
	if (geteuid() == 0)
		(void)preload_stack();
	errno = saved;
	return 0;
}

EXPORT int setuid(uid_t uid)
{
	if (start_before_uid_change((void *)next_setuid) < 0)
		return -1;
	return next_setuid(uid);
}

EXPORT int seteuid(uid_t euid)
{
	if (start_before_uid_change((void *)next_seteuid) < 0)
		return -1;
	return next_seteuid(euid);
}

EXPORT int setreuid(uid_t ruid, uid_t euid)
{
	if (start_before_uid_change((void *)next_setreuid) < 0)
		return -1;
	return next_setreuid(ruid, euid);
}

EXPORT int setresuid(uid_t ruid, uid_t euid, uid_t suid)
{
	if (start_before_uid_change((void *)next_setresuid) < 0)
		return -1;
	return next_setresuid(ruid, euid, suid);
}
