/* _exit and _Exit: a program that ends without exit's handlers (Python's
 * os._exit, a server's fast way out) still has its descriptors closed by
 * Linux, so its connections send their FIN, or RST where data was left
 * unread. The library's destructor, which does that for exit, does not
 * run on _exit: these do the same closing (preload_exit) first, on the
 * library's thread and bounded, since _exit may be called from a signal
 * handler (signal.c). A child of fork or vfork closes nothing
 * (preload.c). The C library's exit reaches the kernel without passing
 * here. */
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload.h"

#define EXPORT __attribute__((visibility("default")))

static void (*next_exit)(int);

__attribute__((constructor)) static void exit_init(void)
{
	next_exit = (__typeof__(next_exit))dlsym(RTLD_NEXT, "_exit");
}

EXPORT void _exit(int status)
{
	/* (the library's thread closes, so that a handler calling _exit
	 * waits for no lock of the thread it interrupted; without that
	 * thread, here) */
	if (preload_stack_owner() && !signal_exit_close())
		preload_exit();
	if (next_exit)
		next_exit(status);
	/* (no C library's _exit found: the system call itself) */
	for (;;)
		syscall(SYS_exit_group, status);
}

EXPORT void _Exit(int status) __attribute__((alias("_exit")));
