/* proc.c: spawn handler commands, feed, capture, time out, reap; see proc.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "proc.h"
#include "xalloc.h"

extern char **environ;

/* How long pipes may stay open after the command itself has ended. */
#define DRAIN_US	200000
/* Poll period for children we cannot watch through a pidfd. */
#define TICK_MS		5

struct child {
	pid_t		 pid;
	int		 pidfd;		/* -1 when unavailable */
	int		 infd, outfd, errfd;
	const char	*in;
	size_t		 inlen, inoff;
	size_t		 maxout, maxerr;
	int64_t		 start_us;
	int64_t		 deadline_us;	/* 0: none */
	int64_t		 drain_us;	/* pipes closed at this time */
	int		 reaped;
	int		 group;		/* members of its group may remain */
	void		*tag;
	struct proc_result res;
};

struct proc_set {
	struct child	**c;
	int		  n, cap;
	sigset_t	  ign;		/* signals we ignore: reset in children */
	int		  watch;	/* an input to watch, or -1 */
	char		 *cmd, *path;	/* the last command resolved */
};

void
proc_result_init(struct proc_result *r)
{
	memset(r, 0, sizeof(*r));
}

void
proc_result_free(struct proc_result *r)
{
	sbuf_free(&r->out);
	sbuf_free(&r->err);
	proc_result_init(r);
}

static void
close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Environment = ours, minus the names EXTRA sets, plus EXTRA.  Caller frees the array only. */
static char **
make_env(char *const *extra)
{
	size_t n = 0, m = 0, i, j, k = 0;
	char **env;

	while (environ[n] != NULL)
		n++;
	if (extra != NULL)
		while (extra[m] != NULL)
			m++;
	env = xreallocarray(NULL, n + m + 1, sizeof(*env));
	for (i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t len = eq != NULL ? (size_t)(eq - environ[i]) :
		    strlen(environ[i]);

		for (j = 0; j < m; j++)
			if (strncmp(extra[j], environ[i], len) == 0 &&
			    extra[j][len] == '=')
				break;
		if (j == m)
			env[k++] = environ[i];
	}
	for (j = 0; j < m; j++)
		env[k++] = extra[j];
	env[k] = NULL;
	return env;
}

static int
pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	const char *pre = getenv("LD_PRELOAD");
	long fd;

	/*
	 * Valgrind 3.19 does not know pidfd_open and says so on stderr at
	 * every call; under it we poll for the end instead.
	 */
	if (pre != NULL && strstr(pre, "vgpreload") != NULL)
		return -1;
	fd = syscall(SYS_pidfd_open, pid, 0);

	if (fd >= 0) {
		fcntl((int)fd, F_SETFD, FD_CLOEXEC);
		return (int)fd;
	}
#endif
	(void)pid;
	return -1;
}

/*
 * Find CMD as execvp would (PATH when it has no '/'): an owned path, or
 * NULL with *err set (ENOENT, or EACCES when only non-executable files
 * were found).  Done here, not left to posix_spawnp, so that the reason
 * is known even where the spawn cannot report it (under valgrind).
 */
static char *
resolve(const char *cmd, int *err)
{
	const char *path, *p, *colon;
	struct stat st;
	char *cand;
	size_t n;

	*err = ENOENT;
	if (*cmd == '\0')
		return NULL;
	if (strchr(cmd, '/') != NULL) {
		if (access(cmd, X_OK) == 0)
			return xstrdup(cmd);
		*err = errno;
		return NULL;
	}
	if ((path = getenv("PATH")) == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p = colon + 1) {
		colon = strchr(p, ':');
		n = colon != NULL ? (size_t)(colon - p) : strlen(p);
		cand = n == 0 ? xasprintf("./%s", cmd) :
		    xasprintf("%.*s/%s", (int)n, p, cmd);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(cand, X_OK) == 0)
				return cand;
			*err = EACCES;
		}
		free(cand);
		if (colon == NULL)
			return NULL;
	}
}

/*
 * Start the command of SPEC as C.  Returns 0 (started, or not startable:
 * then C's result says why), or -1 with errno for our own failure.
 */
static int
child_start(struct proc_set *s, struct child *c, const struct proc_spec *spec)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none;
	char **env, *path;
	int e = ENOENT, saved;

	memset(c, 0, sizeof(*c));
	c->pid = -1;
	c->pidfd = c->infd = c->outfd = c->errfd = -1;
	c->in = spec->in;
	c->inlen = spec->in != NULL ? spec->inlen : 0;
	c->maxout = spec->maxout;
	c->maxerr = spec->maxerr;
	if (s->cmd != NULL && strcmp(s->cmd, spec->argv[0]) == 0)
		path = xstrdup(s->path);
	else if ((path = resolve(spec->argv[0], &e)) != NULL) {
		free(s->cmd);
		free(s->path);
		s->cmd = xstrdup(spec->argv[0]);
		s->path = xstrdup(path);
	}
	if (path == NULL) {
		c->reaped = 1;
		c->res.end = PROC_NOSTART;
		c->res.code = e;
		return 0;
	}
	if (pipe2(in, O_CLOEXEC) == -1 ||
	    (spec->outfd == 0 && pipe2(out, O_CLOEXEC) == -1) ||
	    (spec->errfd == 0 && pipe2(err, O_CLOEXEC) == -1))
		goto fail;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, spec->outfd ? spec->outfd :
	    out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, spec->errfd ? spec->errfd :
	    err[1], 2);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&at, &none);
	/* Caught signals are reset by exec; ignored ones must be reset here. */
	posix_spawnattr_setsigdefault(&at, &s->ign);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	env = make_env(spec->env);

	c->start_us = clock_mono_us();
	e = posix_spawn(&c->pid, path, &fa, &at, spec->argv, env);
	free(env);
	free(path);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&err[1]);
	if (e != 0) {
		close_fd(&in[1]);
		close_fd(&out[0]);
		close_fd(&err[0]);
		c->pid = -1;
		c->reaped = 1;
		c->res.end = PROC_NOSTART;
		c->res.code = e;
		return 0;
	}
	c->infd = in[1];
	c->outfd = out[0];
	c->errfd = err[0];
	fcntl(c->infd, F_SETFL, O_NONBLOCK);
	if (c->outfd >= 0)
		fcntl(c->outfd, F_SETFL, O_NONBLOCK);
	if (c->errfd >= 0)
		fcntl(c->errfd, F_SETFL, O_NONBLOCK);
	if (c->inlen == 0)
		close_fd(&c->infd);
	c->pidfd = pidfd_of(c->pid);
	if (spec->timeout_ms > 0)
		c->deadline_us = c->start_us + spec->timeout_ms * 1000;
	return 0;
fail:
	saved = errno;
	free(path);
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&err[0]);
	close_fd(&err[1]);
	errno = saved;
	return -1;
}

/* Write what the pipe takes; SIGPIPE is blocked in this thread meanwhile. */
static void
child_feed(struct child *c)
{
	sigset_t pipeset, old;
	struct timespec zero = { 0, 0 };
	ssize_t n;

	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipeset, &old);
	while (c->inoff < c->inlen) {
		n = write(c->infd, c->in + c->inoff, c->inlen - c->inoff);
		if (n >= 0) {
			c->inoff += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EPIPE) {
			/* Take back the signal the write raised. */
			if (!sigismember(&old, SIGPIPE))
				sigtimedwait(&pipeset, NULL, &zero);
			c->res.in_closed = 1;
			close_fd(&c->infd);
		}
		/* EAGAIN: the pipe is full; poll again later. */
		break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (c->infd >= 0 && c->inoff == c->inlen)
		close_fd(&c->infd);
}

/* Read what one pipe holds into B, keeping at most MAX bytes (0: all). */
static void
child_read(int *fd, struct sbuf *b, size_t max, size_t *total)
{
	char buf[65536];
	ssize_t n;
	size_t keep;

	for (;;) {
		n = read(*fd, buf, sizeof(buf));
		if (n > 0) {
			*total += (size_t)n;
			keep = (size_t)n;
			if (max != 0)
				keep = b->len >= max ? 0 :
				    (max - b->len < keep ? max - b->len : keep);
			if (keep > 0)
				sbuf_add(b, buf, keep);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		close_fd(fd);	/* end of file, or an error */
		return;
	}
}

/* Reap C if it has ended (blocking when WAIT); kill what is left of its group. */
static void
child_reap(struct child *c, int wait)
{
	struct rusage ru;
	int status;
	pid_t p;

	if (c->reaped)
		return;
	do
		p = wait4(c->pid, &status, wait ? 0 : WNOHANG, &ru);
	while (p == -1 && errno == EINTR);
	if (p != c->pid)
		return;
	c->reaped = 1;
	c->res.duration_us = clock_mono_us() - c->start_us;
	/* Children it forked die with it, and so release our pipes. */
	kill(-c->pid, SIGKILL);
	c->group = 1;
	close_fd(&c->pidfd);
	close_fd(&c->infd);
	c->drain_us = clock_mono_us() + DRAIN_US;
	c->res.maxrss_kb = ru.ru_maxrss;
	c->res.utime = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	c->res.stime = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	if (c->res.end == PROC_TIMEDOUT) {
		c->res.code = SIGKILL;
	} else if (WIFEXITED(status)) {
		c->res.end = PROC_EXITED;
		c->res.code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		c->res.end = PROC_SIGNALED;
		c->res.code = WTERMSIG(status);
		c->res.core = WCOREDUMP(status) ? 1 : 0;
	}
}

/*
 * Reap the killed members of C's group: as a subreaper we inherit them
 * when their parents die, so nothing is left behind as a zombie.
 */
static void
child_reap_group(struct child *c, int wait)
{
	pid_t p;

	while (c->group) {
		p = waitpid(-c->pid, NULL, wait ? 0 : WNOHANG);
		if (p > 0)
			continue;
		if (p == -1 && errno == EINTR)
			continue;
		if (p == -1)
			c->group = 0;	/* none left */
		break;
	}
}

static int
child_done(const struct child *c)
{
	return c->reaped && !c->group && c->outfd < 0 && c->errfd < 0;
}

struct proc_set *
proc_set_new(void)
{
	/*
	 * Orphans of our handlers are reparented to us rather than to init,
	 * which in a container may never reap them.
	 */
	struct proc_set *s = xcalloc(1, sizeof(*s));
	struct sigaction sa;
	int sig;

	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	s->watch = -1;
	sigemptyset(&s->ign);
	for (sig = 1; sig < NSIG; sig++)
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			sigaddset(&s->ign, sig);
	return s;
}

void
proc_set_watch(struct proc_set *s, int fd)
{
	s->watch = fd;
}

int
proc_set_count(const struct proc_set *s)
{
	return s->n;
}

int
proc_set_start(struct proc_set *s, const struct proc_spec *spec, void *tag)
{
	struct child *c = xmalloc(sizeof(*c));

	if (child_start(s, c, spec) == -1) {
		free(c);
		return -1;
	}
	c->tag = tag;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->c = xreallocarray(s->c, (size_t)s->cap, sizeof(*s->c));
	}
	s->c[s->n++] = c;
	return 0;
}

/* Hand over the result of child I and drop it from the set. */
static int
take(struct proc_set *s, int i, struct proc_result *res, void **tag)
{
	struct child *c = s->c[i];

	*res = c->res;
	if (tag != NULL)
		*tag = c->tag;
	free(c);
	memmove(&s->c[i], &s->c[i + 1], (size_t)(s->n - i - 1) *
	    sizeof(*s->c));
	s->n--;
	return 1;
}

int
proc_set_wait(struct proc_set *s, int timeout_ms, struct proc_result *res,
    void **tag)
{
	struct pollfd *pfd = NULL;
	int64_t until = timeout_ms >= 0 ? clock_mono_us() + timeout_ms * 1000LL : 0;
	int i, np, ret = -1, polled = 0;

	proc_result_init(res);
	if (s->n == 0)
		return -1;
	pfd = xreallocarray(NULL, (size_t)s->n * 4 + 1, sizeof(*pfd));
	for (;;) {
		int64_t now = clock_mono_us(), wake = until;
		int tick = 0, ms;

		for (i = 0; i < s->n; i++) {
			struct child *c = s->c[i];

			if (!c->reaped && c->pidfd < 0)
				child_reap(c, 0);
			if (c->reaped)
				child_reap_group(c, 0);
			if (c->reaped && now >= c->drain_us) {
				close_fd(&c->outfd);
				close_fd(&c->errfd);
			}
			if (child_done(c)) {
				ret = take(s, i, res, tag);
				goto out;
			}
			if (!c->reaped && c->deadline_us != 0 &&
			    c->res.end != PROC_TIMEDOUT &&
			    now >= c->deadline_us) {
				c->res.end = PROC_TIMEDOUT;
				kill(-c->pid, SIGKILL);
			}
		}
		if (until != 0 && now >= until && polled) {
			ret = 0;
			goto out;
		}
		np = 0;
		if (s->watch >= 0)
			pfd[np++] = (struct pollfd){ s->watch, POLLIN, 0 };
		for (i = 0; i < s->n; i++) {
			struct child *c = s->c[i];
			int64_t d = 0;

			if (c->infd >= 0)
				pfd[np++] = (struct pollfd){ c->infd, POLLOUT, 0 };
			if (c->outfd >= 0)
				pfd[np++] = (struct pollfd){ c->outfd, POLLIN, 0 };
			if (c->errfd >= 0)
				pfd[np++] = (struct pollfd){ c->errfd, POLLIN, 0 };
			if (c->pidfd >= 0)
				pfd[np++] = (struct pollfd){ c->pidfd, POLLIN, 0 };
			else if (!c->reaped)
				tick = 1;
			if (c->group)
				tick = 1;
			if (c->reaped)
				d = c->drain_us;
			else if (c->deadline_us != 0 &&
			    c->res.end != PROC_TIMEDOUT)
				d = c->deadline_us;
			if (d != 0 && (wake == 0 || d < wake))
				wake = d;
		}
		ms = -1;
		if (wake != 0)
			ms = wake <= now ? 0 : (int)((wake - now + 999) / 1000);
		if (tick && (ms < 0 || ms > TICK_MS))
			ms = TICK_MS;
		if (poll(pfd, (nfds_t)np, ms) == -1 && errno != EINTR)
			goto out;
		polled = 1;
		if (s->watch >= 0 && pfd[0].revents != 0)
			until = clock_mono_us();	/* input: return after this pass */
		for (i = 0; i < s->n; i++) {
			struct child *c = s->c[i];

			if (c->infd >= 0)
				child_feed(c);
			if (c->outfd >= 0)
				child_read(&c->outfd, &c->res.out, c->maxout,
				    &c->res.outlen);
			if (c->errfd >= 0)
				child_read(&c->errfd, &c->res.err, c->maxerr,
				    &c->res.errlen);
			if (c->pidfd >= 0)
				child_reap(c, 0);
		}
	}
out:
	free(pfd);
	return ret;
}

void
proc_set_free(struct proc_set *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		struct child *c = s->c[i];

		if (!c->reaped) {
			kill(-c->pid, SIGKILL);
			child_reap(c, 1);
		}
		child_reap_group(c, 1);
		close_fd(&c->pidfd);
		close_fd(&c->infd);
		close_fd(&c->outfd);
		close_fd(&c->errfd);
		proc_result_free(&c->res);
		free(c);
	}
	free(s->c);
	free(s->cmd);
	free(s->path);
	free(s);
}

static struct child *
find(const struct proc_set *s, const void *tag)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->c[i]->tag == tag)
			return s->c[i];
	return NULL;
}

pid_t
proc_set_pid(const struct proc_set *s, const void *tag)
{
	struct child *c = find(s, tag);

	return c != NULL && !c->reaped ? c->pid : -1;
}

int
proc_set_kill(struct proc_set *s, const void *tag)
{
	struct child *c = find(s, tag);

	if (c == NULL || c->reaped)
		return -1;
	return kill(-c->pid, SIGKILL);
}

int
proc_run(const struct proc_spec *spec, struct proc_result *res)
{
	struct proc_set *s = proc_set_new();
	int r;

	proc_result_init(res);
	if (proc_set_start(s, spec, NULL) == -1) {
		proc_set_free(s);
		return -1;
	}
	r = proc_set_wait(s, -1, res, NULL);
	proc_set_free(s);
	return r == 1 ? 0 : -1;
}

void
proc_end_text(const struct proc_result *r, char *buf, size_t size)
{
	const char *s;
	char name[64];

	switch (r->end) {
	case PROC_EXITED:
		snprintf(buf, size, "exit status %d", r->code);
		break;
	case PROC_TIMEDOUT:
		snprintf(buf, size, "signal: killed");
		break;
	case PROC_SIGNALED:
		s = strsignal(r->code);
		snprintf(name, sizeof(name), "%s", s != NULL ? s : "unknown");
		if (name[0] >= 'A' && name[0] <= 'Z')
			name[0] = (char)(name[0] - 'A' + 'a');
		snprintf(buf, size, "signal: %s%s", name,
		    r->core ? " (core dumped)" : "");
		break;
	case PROC_NOSTART:
		snprintf(name, sizeof(name), "%s", strerror(r->code));
		if (name[0] >= 'A' && name[0] <= 'Z')
			name[0] = (char)(name[0] - 'A' + 'a');
		snprintf(buf, size, "%s", name);
		break;
	}
}
