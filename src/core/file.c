/* Files and the descriptor table (Linux's fs/file.c and fs/file_table.c):
 * descriptors are handed out lowest first, as POSIX requires of open(),
 * the table grows by doubling up to fs.nr_open, and a file lives until its
 * last reference (the table's, or a call in progress) is dropped, so a
 * close racing a blocked call on another thread cannot free the socket
 * under it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/fault.h"
#include "net/file.h"
#include "net/stack.h"
#include "usertcp/socket.h"

struct file *alloc_file(struct ut_stack *stack, enum file_kind kind, unsigned f_flags)
{
	struct file *file = ut_calloc(1, sizeof(*file));

	if (!file)
		return NULL;
	file->kind = kind;
	file->f_flags = f_flags;
	file->f_refs = 1;
	file->fd = -1;
	file->stack = stack;
	return file;
}

int fd_install(struct ut_stack *stack, struct file *file)
{
	struct fdtable *fdt = &stack->fdt;
	unsigned fd;

	for (fd = fdt->next_fd; fd < fdt->max_fds; fd++)
		if (!fdt->fd[fd])
			break;
	if (fd >= (unsigned long)stack->sysctl.nr_open)
		return -EMFILE;
	if (fd >= fdt->max_fds) {
		unsigned n = fdt->max_fds ? fdt->max_fds * 2 : 64;
		if (n > (unsigned long)stack->sysctl.nr_open)
			n = (unsigned)stack->sysctl.nr_open;
		struct file **t = ut_realloc(fdt->fd, n * sizeof(*t));
		if (!t)
			return -ENOMEM;
		memset(t + fdt->max_fds, 0, (n - fdt->max_fds) * sizeof(*t));
		fdt->fd = t;
		fdt->max_fds = n;
	}
	fdt->fd[fd] = file;
	fdt->next_fd = fd + 1;
	fdt->open++;
	file->fd = (int)fd;
	return (int)fd;
}

struct file *fget(struct ut_stack *stack, int fd)
{
	struct fdtable *fdt = &stack->fdt;

	if (fd < 0 || (unsigned)fd >= fdt->max_fds || !fdt->fd[fd])
		return NULL;
	fdt->fd[fd]->f_refs++;
	return fdt->fd[fd];
}

static void file_release(struct file *file)
{
	eventpoll_release(file);
	if (file->kind == FILE_SOCKET) {
		struct socket *sock = &file->socket;
		if (sock->ops)
			sock->ops->release(sock);
	} else if (file->ep) {
		ep_free(file->ep);
	}
	free(file);
}

void fput(struct file *file)
{
	BUG_ON(file->f_refs == 0);
	if (--file->f_refs == 0)
		file_release(file);
}

struct file *fd_remove(struct ut_stack *stack, int fd)
{
	struct fdtable *fdt = &stack->fdt;
	struct file *file;

	if (fd < 0 || (unsigned)fd >= fdt->max_fds || !(file = fdt->fd[fd]))
		return NULL;
	fdt->fd[fd] = NULL;
	fdt->open--;
	if ((unsigned)fd < fdt->next_fd)
		fdt->next_fd = (unsigned)fd;
	file->fd = -1;
	return file;
}

unsigned file_poll(struct file *file)
{
	if (file->kind == FILE_SOCKET && file->socket.ops)
		return file->socket.ops->poll(&file->socket);
	return 0;
}

void stack_close_all_fds(struct ut_stack *stack)
{
	for (unsigned fd = 0; fd < stack->fdt.max_fds; fd++) {
		struct file *file = fd_remove(stack, (int)fd);
		if (file)
			fput(file);
	}
	free(stack->fdt.fd);
	memset(&stack->fdt, 0, sizeof(stack->fdt));
}

UT_EXPORT unsigned ut_stack_open_fds(const struct ut_stack *stack)
{
	return stack->fdt.open;
}
