/*
 * pgkill.h: take running handlers along when the program is interrupted.
 *
 * Handlers run in process groups of their own (common/proc.h), out of
 * the terminal's reach, so a ^C would leave them behind.  pgkill_init
 * installs handlers for SIGHUP, SIGINT and SIGTERM (except those ignored,
 * as nohup(1) asks) that kill with SIGKILL every process group recorded
 * in its slots, then die of the same signal.  There is one set of
 * slots per process (a signal handler has no other way to find them).
 *
 * pgkill_set records slot I's process group (0: none).  Slots 0 to N-1
 * belong to the caller (one per handler it may run); a program that does
 * not know how many commands run at once takes a slot of its own for
 * each with pgkill_take (safe from any thread; the set grows as needed)
 * and gives it back with pgkill_give once the command has ended.
 *
 * Between starting a process and recording it, hold the signals back
 * with pgkill_hold(1) and let them in again with pgkill_hold(0), so that
 * no signal comes in between; threads started while they are held keep
 * them blocked, which leaves the handling to the main thread.
 */
#ifndef PGKILL_H
#define PGKILL_H

#include <sys/types.h>

void	pgkill_init(int n);
void	pgkill_hold(int hold);
void	pgkill_set(int i, pid_t pgid);
int	pgkill_take(void);
void	pgkill_give(int i);
void	pgkill_free(void);

#endif
