/*
 * logwatch.c: follow a log group's directory with inotify (see
 * logwatch.h).
 */
#include <sys/inotify.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logstore.h"
#include "logwatch.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	stop = sig;
}

int
logwatch_open(struct logstore *store, const char *group)
{
	char *gpath;
	int fd;

	gpath = logstore_group_path(store, group);
	if ((fd = inotify_init1(IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(fd, gpath, IN_MODIFY | IN_CREATE |
	    IN_MOVED_TO | IN_ATTRIB) == -1) {
		warn("%s: inotify", gpath);
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	free(gpath);
	return fd;
}

int
logwatch_run(int fd, void (*changed)(void *arg, const char *name),
    void (*batch)(void *arg), void *arg)
{
	char buf[16384] __attribute__((aligned(8)));
	const struct inotify_event *ev;
	struct sigaction sa;
	struct pollfd pfd;
	sigset_t block, waitmask;
	ssize_t n;
	size_t i;

	/* The signals are let in only while waiting (no lost wake-up). */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!stop) {
		if (ppoll(&pfd, 1, NULL, &waitmask) == -1) {
			if (errno == EINTR)
				continue;
			warn("ppoll");
			return -1;
		}
		if ((n = read(fd, buf, sizeof(buf))) <= 0)
			continue;
		for (i = 0; i < (size_t)n; i += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(buf + i);
			if (ev->len == 0 || ev->name[0] == '.')
				continue;
			changed(arg, ev->name);
		}
		batch(arg);
	}
	return 0;
}
