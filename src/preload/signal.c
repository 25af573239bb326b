/* A program killed by a signal closes its connections, as Linux closes
 * the descriptors of any process that ends: its peers read FIN (or RST,
 * where data was left unread) rather than silence.
 *
 * For the signals whose default action ends the process and which it can
 * catch (SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM), while the program
 * leaves one at SIG_DFL the library catches it: the handler only writes
 * the signal's number into a pipe (then waits), and a thread of the
 * library's reads it, closes every usertcp socket (preload_exit), puts SIG_DFL back and
 * raises the signal again, so the process ends by it as it would have
 * (the same exit status, the same core for SIGQUIT).
 *
 * The program keeps its view: sigaction and signal, interposed, report
 * SIG_DFL where the library's handler stands in for it, and a handler or
 * SIG_IGN the program installs replaces the library's. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "preload.h"

#define EXPORT __attribute__((visibility("default")))

static const int exit_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM};

static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool started;
/* The closing asked by _exit (byte 0 in the pipe) is done. */
static atomic_bool exit_closed;
static int exit_pipe[2] = {-1, -1};
/* owned[sig]: the library's handler stands for SIG_DFL; shown[sig]: what
 * the program set (and sees). */
static bool owned[NSIG];
static struct sigaction shown[NSIG];

static bool is_exit_signal(int sig)
{
	for (size_t i = 0; i < sizeof(exit_signals) / sizeof(exit_signals[0]); i++)
		if (exit_signals[i] == sig)
			return true;
	return false;
}

/* The handler hands the signal to the library's thread and waits there
 * for the process to end, so that the interrupted thread never sees what
 * SIG_DFL would not have shown it (a poll's EINTR, on which a program may
 * end by itself with another exit status). A thread interrupted inside a
 * stack call holds the stack's lock, which the closing needs: it goes on
 * at once (no system call of the program's was cut short there). Were
 * another lock the closing needs held (the allocator's), the wait gives
 * up after two seconds and the thread goes on, which lets it finish. */
static void exit_handler(int sig)
{
	unsigned char b = (unsigned char)sig;
	struct timespec ts = {2, 0};
	int e = errno;
	ssize_t n = libc.write(exit_pipe[1], &b, 1);

	(void)n;
	/* inside a stack call (its lock held) no system call was cut
	 * short, and the closing needs the lock: go on at once */
	if (!preload_stack_lock_held())
		nanosleep(&ts, NULL);
	errno = e;
}

/* Puts the library's handler on sig (sig_lock held). */
static void own(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = exit_handler;
	/* the program's calls go on as if nothing came (the process is
	 * about to end) */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (libc.sigaction(sig, &sa, NULL) == 0)
		owned[sig] = true;
}

static void *exit_thread(void *arg)
{
	unsigned char b;
	sigset_t all;

	(void)arg;
	(void)pthread_setname_np(pthread_self(), "ut-exit");
	while (libc.read(exit_pipe[0], &b, 1) != 1)
		if (errno != EINTR)
			return NULL;
	int sig = b;
	atomic_store(&preload_dying, true);
	preload_exit();
	if (sig == 0) {
		/* _exit's: it ends the process itself */
		atomic_store(&exit_closed, true);
		return NULL;
	}
	/* SIG_DFL back, then the signal again, unblocked here: the process
	 * ends by it */
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	pthread_mutex_lock(&sig_lock);
	libc.sigaction(sig, &dfl, NULL);
	owned[sig] = false;
	pthread_mutex_unlock(&sig_lock);
	sigemptyset(&all);
	sigaddset(&all, sig);
	pthread_sigmask(SIG_UNBLOCK, &all, NULL);
	raise(sig);
	_exit(128 + sig);
}

void signal_exit_start(void)
{
	sigset_t all, old;
	pthread_t th;

	pthread_mutex_lock(&sig_lock);
	if (started || pipe2(exit_pipe, O_CLOEXEC) < 0) {
		pthread_mutex_unlock(&sig_lock);
		return;
	}
	/* the thread takes no signal itself: the handler runs on the
	 * program's threads */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(&th, NULL, exit_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		libc.close(exit_pipe[0]);
		libc.close(exit_pipe[1]);
		pthread_mutex_unlock(&sig_lock);
		return;
	}
	pthread_detach(th);
	started = true;
	for (size_t i = 0; i < sizeof(exit_signals) / sizeof(exit_signals[0]); i++) {
		int sig = exit_signals[i];
		if (libc.sigaction(sig, NULL, &shown[sig]) == 0 &&
		    shown[sig].sa_handler == SIG_DFL && !(shown[sig].sa_flags & SA_SIGINFO))
			own(sig);
	}
	pthread_mutex_unlock(&sig_lock);
}

/* _exit is async-signal-safe, and programs call it from their handlers;
 * the closing is not (it takes the stack's lock and the allocator's,
 * which the interrupted thread may hold). So it is handed to the
 * library's thread, as a caught signal's is, and waited for with a
 * bound: a thread interrupted inside a stack call (holding its lock)
 * cannot wait for it at all, and goes on at once. */
bool signal_exit_close(void)
{
	unsigned char b = 0;
	struct timespec ts = {0, 10 * 1000 * 1000};

	if (!atomic_load(&started))
		return false;
	if (preload_stack_lock_held() || libc.write(exit_pipe[1], &b, 1) != 1)
		return true;
	for (int i = 0; i < 200 && !atomic_load(&exit_closed); i++)
		nanosleep(&ts, NULL);
	return true;
}

void signal_exit_forget(void)
{
	/* a child of fork: its signals end it alone, as SIG_DFL does; the
	 * pipe leads to the parent's thread */
	for (int sig = 1; sig < NSIG; sig++)
		if (owned[sig]) {
			libc.sigaction(sig, &shown[sig], NULL);
			owned[sig] = false;
		}
	if (started) {
		libc.close(exit_pipe[0]);
		libc.close(exit_pipe[1]);
		started = false;
	}
}

EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	int rc;

	preload_resolve();
	if (sig <= 0 || sig >= NSIG || !is_exit_signal(sig))
		return libc.sigaction(sig, act, old);
	pthread_mutex_lock(&sig_lock);
	if (!started) {
		rc = libc.sigaction(sig, act, old);
	} else if (owned[sig]) {
		if (old)
			*old = shown[sig];
		rc = 0;
		if (act && (act->sa_handler != SIG_DFL || (act->sa_flags & SA_SIGINFO))) {
			/* the program's handler (or SIG_IGN) replaces ours */
			rc = libc.sigaction(sig, act, NULL);
			if (rc == 0)
				owned[sig] = false;
		} else if (act) {
			shown[sig] = *act;
		}
	} else {
		rc = libc.sigaction(sig, act, old);
		if (rc == 0 && act && act->sa_handler == SIG_DFL && !(act->sa_flags & SA_SIGINFO)) {
			shown[sig] = *act;
			own(sig);
		}
	}
	pthread_mutex_unlock(&sig_lock);
	return rc;
}

/* glibc's signal: BSD semantics, SA_RESTART and the signal blocked in
 * its handler. Interposed too, since glibc's own goes to its sigaction
 * without passing here. */
EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sig > 0 && sig < NSIG)
		sigaddset(&sa.sa_mask, sig);
	if (sigaction(sig, &sa, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}
