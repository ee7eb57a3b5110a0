/*
 * logwatch.h: follow a log group of the store as records land
 * (cwlog-tail --follow), with inotify(7).
 *
 * logwatch_open watches the group's directory; do it before reading the
 * group for the first time, so that nothing written in between is
 * missed.  logwatch_run then waits for changes and calls CHANGED(ARG,
 * NAME) for each file of the directory that changed (NAME is its base
 * name, borrowed for the call; dot files are left out), then BATCH(ARG)
 * once the changes read at once are told, until SIGINT or SIGTERM.  It
 * catches those two signals for that (the handlers stay) and lets them
 * in only while it waits (ppoll), so none is lost between a check and
 * the wait.
 */
#ifndef LOGWATCH_H
#define LOGWATCH_H

#include "logstore.h"

/* The inotify descriptor watching GROUP, or -1 after a warning. */
int	logwatch_open(struct logstore *, const char *group);

/*
 * Follow FD until a signal: returns 0 then, or -1 after a warning when
 * waiting failed.  Close FD with close(2).
 */
int	logwatch_run(int fd, void (*changed)(void *arg, const char *name),
	    void (*batch)(void *arg), void *arg);

#endif
