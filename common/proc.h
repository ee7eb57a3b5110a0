/*
 * proc.h: run handler commands the way Lambda runs a function, and the
 * way sfn-run's Task states run their commands: the one spawner of the
 * toolkit.
 *
 * A command runs without a shell (argv[0] is looked up in PATH), in its
 * own process group, with the caller's environment plus extra "NAME=value"
 * entries (which override), the payload written to its stdin (a handler
 * that exits without reading it does not kill us: EPIPE is recorded, not
 * raised), and its stdout and stderr captured into buffers.  When the
 * command ends, or its timeout expires, the whole process group is killed
 * with SIGKILL, so children it forked never outlive it and never hold our
 * pipes open; every child is reaped (wait4, which also gives the real
 * resource usage: Lambda's "Max Memory Used").
 *
 * Timeouts are real time (a hanging handler must really be killed), even
 * when the program's clock is virtual.  The functions keep no global
 * state and change no signal disposition (SIGPIPE is blocked in the
 * calling thread around writes), so threads may each run their own set.
 *
 * Ownership: a spec and everything it points to are borrowed, and must
 * stay valid until the process it started has been returned by
 * proc_set_wait (proc_run: until it returns).  A result owns its buffers;
 * proc_result_free releases them.
 */
#ifndef PROC_H
#define PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sbuf.h"

struct proc_spec {
	char *const	*argv;		/* command and arguments, NULL-ended */
	char *const	*env;		/* extra "NAME=value", NULL-ended, or NULL */
	const void	*in;		/* payload for stdin (may be NULL) */
	size_t		 inlen;
	int64_t		 timeout_ms;	/* real time; 0 means none */
	size_t		 maxout;	/* keep at most this much stdout (0: all) */
	size_t		 maxerr;	/* keep at most this much stderr (0: all) */
	int		 outfd;		/* 0: capture stdout; else the fd it gets */
	int		 errfd;		/* 0: capture stderr; else the fd it gets */
};

enum proc_end {
	PROC_EXITED,		/* code = exit status */
	PROC_SIGNALED,		/* code = signal number */
	PROC_TIMEDOUT,		/* killed by us at the timeout */
	PROC_NOSTART		/* could not be started; code = errno */
};

struct proc_result {
	enum proc_end	 end;
	int		 code;		/* see enum proc_end */
	int		 core;		/* signaled and dumped core */
	struct sbuf	 out;		/* captured stdout (owned) */
	struct sbuf	 err;		/* captured stderr (owned) */
	size_t		 outlen;	/* bytes written on stdout in all */
	size_t		 errlen;	/* bytes written on stderr in all */
	int		 in_closed;	/* stdin closed before all was read */
	int64_t		 duration_us;	/* start to end, real (monotonic) */
	long		 maxrss_kb;	/* peak resident set size, from wait4 */
	double		 utime, stime;	/* CPU seconds, from wait4 */
};

/* Zero a result before use (proc_run and proc_set_wait do it). */
void	proc_result_init(struct proc_result *);
void	proc_result_free(struct proc_result *);

/*
 * Run one command to its end.  Returns 0 with *res filled (whatever the
 * command did, including not starting: see res->end), or -1 with errno
 * set when a system call of ours failed (pipes, poll).
 */
int	proc_run(const struct proc_spec *, struct proc_result *res);

/*
 * Several commands at once.  proc_set_start starts one (tag is returned
 * with its result; a command that cannot start is returned by the next
 * proc_set_wait with end PROC_NOSTART).  proc_set_wait waits up to
 * timeout_ms (-1: as long as it takes) for one to end: it returns 1 with
 * its result and tag, 0 when the time ran out first, -1 when the set is
 * empty.  proc_set_free kills and reaps whatever still runs.
 */
struct proc_set;

struct proc_set	*proc_set_new(void);
int	proc_set_start(struct proc_set *, const struct proc_spec *, void *tag);
int	proc_set_count(const struct proc_set *);
int	proc_set_wait(struct proc_set *, int timeout_ms,
	    struct proc_result *res, void **tag);
void	proc_set_free(struct proc_set *);

/*
 * Also watch FD (-1: none) for input: proc_set_wait returns 0 as soon as
 * it is readable (or at its end), so a caller waiting for commands can
 * take new work without blocking on a read.
 */
void	proc_set_watch(struct proc_set *, int fd);

/*
 * The process id of the running command started with TAG (for reading
 * /proc while it runs), or -1; and killing its process group now (its
 * result, PROC_SIGNALED with SIGKILL, comes from proc_set_wait).
 */
pid_t	proc_set_pid(const struct proc_set *, const void *tag);
int	proc_set_kill(struct proc_set *, const void *tag);

/*
 * Describe how a command ended, the way Lambda's runtime does (Go's
 * os.ProcessState text): "exit status 1", "signal: killed",
 * "signal: segmentation fault (core dumped)".  Writes into buf.
 */
void	proc_end_text(const struct proc_result *, char *buf, size_t size);

#endif
