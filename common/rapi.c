/*
 * rapi.c: the Lambda Runtime API for custom runtimes (see rapi.h).
 *
 * Everything runs on the caller's thread.  Each execution environment
 * has its own libmicrohttpd daemon, driven from rapi_wait's poll through
 * the daemon's epoll descriptor (MHD_run), so an invocation and its
 * result pass between the runtime and us with no other thread to wake.
 * A runtime's long poll on /invocation/next that finds no work is
 * suspended, and resumed when rapi_start gives the environment some or
 * the runtime is gone.  An environment's gen counts its runtimes, so that
 * requests of a runtime that is gone are told apart from those of its
 * successor.
 *
 * CPUs: an environment runs on rapi_config.cpus CPUs of ours, and a lone
 * environment's server runs on the same ones, so that a request and its
 * answer never cross to another CPU (where waking an idle one costs more
 * than the whole exchange).
 */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "clock.h"
#include "exitcode.h"
#include "lambda.h"
#include "logstore.h"
#include "pgkill.h"
#include "proc.h"
#include "rapi.h"
#include "sbuf.h"
#include "xalloc.h"

#define RAPI_BASE	"/2018-06-01/runtime/"
#define RAPI_TOKEN_LEN	32	/* hex digits: 128 random bits */
#define RAPI_TICK_MS	50
#define RAPI_FLAGS	(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | \
			 MHD_USE_TURBO)

/* An invocation given to an environment, in its queue. */
struct job {
	struct rapi_invocation v;
	int		 delivered;	/* handed out by /invocation/next */
	int		 done;		/* its result came */
	struct lambda_reply reply;
	int64_t		 t_queued;	/* µs: given to the environment */
	int64_t		 t_next;	/* µs: handed out */
	int64_t		 t_done;	/* µs: result came */
};

struct env {
	struct rapi	*srv;
	int		 idx;		/* its pgkill slot */
	struct MHD_Daemon *daemon;
	int		 epfd;		/* the daemon's epoll descriptor */
	unsigned	 port;
	char		 token[RAPI_TOKEN_LEN + 1];	/* its runtime's */
	char		 addr[64];	/* AWS_LAMBDA_RUNTIME_API */
	cpu_set_t	 cpus;		/* where its runtime runs */
	struct req	*waiting;	/* a suspended GET next */
	int		 kick;		/* one was resumed: run the daemon */
	/* In rapi_wait: its places in pfd (-1: none), when work is due. */
	int		 pi_srv, pi_log;
	int64_t		 due;		/* µs, or -1 */
	unsigned	 gen;		/* bumped when the runtime is gone */
	struct job	 q[RAPI_DEPTH];	/* in order; done ones first */
	int		 nq;
	int		 initerr;	/* /init/error was posted */
	int		 asked;		/* the runtime took an invocation */
	int		 running;	/* the runtime process exists */
	int		 first;		/* no invocation done since start */
	int		 timedout;
	int		 resetting;	/* killed by us, between invocations */
	int64_t		 t_start;	/* µs: runtime started */
	long		 maxrss_kb;	/* of the runtime that exited */
	int		 logfd;		/* its stdout and stderr */
	struct sbuf	 log;
	char		**envp;
	struct proc_spec spec;
};

/* The job the runtime works on or will get next, or NULL. */
static struct job *
job_current(struct env *e)
{
	int i;

	for (i = 0; i < e->nq; i++)
		if (!e->q[i].done)
			return &e->q[i];
	return NULL;
}

struct rapi {
	const struct rapi_config *c;
	int		 shutdown;
	cpu_set_t	 own;		/* our CPUs */
	struct env	*envs;
	struct proc_set	*procs;		/* the runtimes */
	struct pollfd	*pfd;		/* rapi_wait's: input, then each env's */
};

/* One HTTP request being received. */
struct req {
	unsigned	 gen;
	int		 denied;	/* its path lacks the token */
	struct sbuf	 body;
	size_t		 total;
	int		 stale;		/* a long poll another replaced */
	struct MHD_Connection *conn;	/* once it waited for work */
	const char	*given;		/* the request id a GET next got */
};

/*
 * A new token for E's next runtime, from getrandom(2): the first segment
 * of every path it is served, so that no other local process can take
 * its invocations.  Never in any output, so the deterministic switch
 * does not fix it.
 */
static void
rapi_token(struct env *e)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[RAPI_TOKEN_LEN / 2];
	size_t got = 0;
	ssize_t n;
	int i;

	while (got < sizeof(r)) {
		n = getrandom(r + got, sizeof(r) - got, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err(EXIT_USAGE, "getrandom");
		got += (size_t)n;
	}
	for (i = 0; i < RAPI_TOKEN_LEN / 2; i++) {
		e->token[2 * i] = hex[r[i] >> 4];
		e->token[2 * i + 1] = hex[r[i] & 15];
	}
	e->token[RAPI_TOKEN_LEN] = '\0';
	snprintf(e->addr, sizeof(e->addr), "127.0.0.1:%u/%s", e->port,
	    e->token);
}

/*
 * The rest of URL after "/TOKEN" when it starts with E's token, else
 * NULL.  The comparison takes the same time wherever a guess goes wrong.
 */
static const char *
rapi_untoken(const struct env *e, const char *url)
{
	unsigned char diff = 0;
	size_t i;

	if (url[0] != '/' || strnlen(url + 1, RAPI_TOKEN_LEN) < RAPI_TOKEN_LEN)
		return NULL;
	for (i = 0; i < RAPI_TOKEN_LEN; i++)
		diff |= (unsigned char)(url[1 + i] ^ e->token[i]);
	if (diff != 0 || url[1 + RAPI_TOKEN_LEN] != '/')
		return NULL;
	return url + 1 + RAPI_TOKEN_LEN;
}

static enum MHD_Result
rapi_reply(struct MHD_Connection *c, unsigned code, const char *json)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(json), (void *)json,
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * Let E's suspended long poll, if any, go on.  In external polling mode
 * libmicrohttpd takes a resumed connection up only in the next MHD_run,
 * which rapi_wait makes before it polls (kick).
 */
static void
rapi_resume(struct env *e)
{
	if (e->waiting != NULL) {
		MHD_resume_connection(e->waiting->conn);
		e->waiting = NULL;
		e->kick = 1;
	}
}

/*
 * Has the client of C closed its end?  (A suspended connection is not
 * watched, so a client that gave up on its long poll is found only here.)
 */
static int
peer_gone(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	char b;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	return ci != NULL && recv(ci->connect_fd, &b, 1,
	    MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* GET /invocation/next: wait for this environment's next invocation. */
static enum MHD_Result
rapi_next(struct env *e, struct req *q, struct MHD_Connection *c)
{
	struct rapi *srv = e->srv;
	struct MHD_Response *r;
	enum MHD_Result ret;
	struct job *j = NULL;
	const struct rapi_invocation *v;
	char deadline[32];

	if (srv->shutdown || q->gen != e->gen || q->stale)
		return MHD_NO;
	if (q->conn != NULL && peer_gone(c))
		return MHD_NO;	/* it gave up while it waited */
	if ((j = job_current(e)) == NULL || j->delivered) {
		/*
		 * A long poll: answered when rapi_start resumes it.  A new
		 * one replaces one still waiting, whose client has most
		 * likely given up (an HTTP client's read timeout): that one
		 * is closed unanswered.
		 */
		if (e->waiting != NULL) {
			e->waiting->stale = 1;
			rapi_resume(e);
		}
		e->waiting = q;
		q->conn = c;
		MHD_suspend_connection(c);
		return MHD_YES;
	}
	v = &j->v;
	j->delivered = 1;
	q->given = v->id;
	j->t_next = clock_mono_us();
	e->asked = 1;
	r = MHD_create_response_from_buffer(v->len, (void *)v->payload,
	    MHD_RESPMEM_MUST_COPY);
	if (r != NULL) {
		snprintf(deadline, sizeof(deadline), "%lld",
		    (long long)v->deadline_ms);
		MHD_add_response_header(r, "Content-Type", "application/json");
		MHD_add_response_header(r, "Lambda-Runtime-Aws-Request-Id",
		    v->id);
		MHD_add_response_header(r, "Lambda-Runtime-Deadline-Ms",
		    deadline);
		MHD_add_response_header(r,
		    "Lambda-Runtime-Invoked-Function-Arn",
		    srv->c->function_arn);
		MHD_add_response_header(r, "Lambda-Runtime-Trace-Id",
		    v->trace);
	}
	if (r == NULL)
		return MHD_NO;
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* POST /invocation/ID/response or /error. */
static enum MHD_Result
rapi_result(struct env *e, struct req *q, struct MHD_Connection *c,
    const char *id, size_t idlen, int error)
{
	const char *type;
	struct job *j;
	int code = MHD_HTTP_ACCEPTED, known;

	j = job_current(e);
	known = j != NULL && j->delivered && idlen == strlen(j->v.id) &&
	    memcmp(id, j->v.id, idlen) == 0;
	if (q->gen != e->gen || !known) {
		int i, late = 0;

		for (i = 0; i < e->nq; i++)
			if (e->q[i].done && idlen == strlen(e->q[i].v.id) &&
			    memcmp(id, e->q[i].v.id, idlen) == 0)
				late = 1;
		if (late)
			return rapi_reply(c, MHD_HTTP_FORBIDDEN,
			    "{\"errorMessage\":\"Invalid state transition\","
			    "\"errorType\":\"InvalidStateTransition\"}");
		return rapi_reply(c, MHD_HTTP_BAD_REQUEST, "{\"errorMessage\":"
		    "\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}");
	}
	if (error) {
		type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    "Lambda-Runtime-Function-Error-Type");
		lambda_posted_error(&j->reply, q->body.buf, q->body.len, type);
	} else {
		lambda_response(&j->reply, q->body.buf, q->body.len, q->total,
		    LAMBDA_RESPONSE_LIMIT);
		if (q->total > LAMBDA_RESPONSE_LIMIT)
			code = MHD_HTTP_CONTENT_TOO_LARGE;
	}
	j->done = 1;
	j->t_done = clock_mono_us();
	if (code == MHD_HTTP_CONTENT_TOO_LARGE)
		return rapi_reply(c, code, "{\"errorMessage\":\"Exceeded "
		    "maximum allowed payload size (6291556 bytes).\","
		    "\"errorType\":\"RequestEntityTooLarge\"}");
	return rapi_reply(c, code, "{\"status\":\"OK\"}");
}

/* POST /init/error: the runtime could not start the function. */
static enum MHD_Result
rapi_init_error(struct env *e, struct req *q, struct MHD_Connection *c)
{
	const char *type;
	struct job *j;

	type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Lambda-Runtime-Function-Error-Type");
	if (q->gen == e->gen) {
		e->initerr = 1;
		if ((j = job_current(e)) != NULL) {
			lambda_posted_error(&j->reply, q->body.buf,
			    q->body.len, type);
			j->done = 1;
			j->t_done = clock_mono_us();
			if (!j->delivered)
				j->t_next = j->t_done;
		}
	}
	return rapi_reply(c, MHD_HTTP_ACCEPTED, "{\"status\":\"OK\"}");
}

static enum MHD_Result
rapi_handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upsize, void **ctx)
{
	struct env *e = cls;
	struct req *q = *ctx;
	const char *p, *slash;

	if (q == NULL) {
		q = xcalloc(1, sizeof(*q));
		q->gen = e->gen;
		q->denied = rapi_untoken(e, url) == NULL;
		*ctx = q;
		return MHD_YES;
	}
	if (*upsize > 0) {
		q->total += *upsize;
		if (!q->denied && q->body.len + *upsize <= LAMBDA_RESPONSE_LIMIT)
			sbuf_add(&q->body, upload, *upsize);
		*upsize = 0;
		return MHD_YES;
	}
	if (q->denied || (url = rapi_untoken(e, url)) == NULL)
		return rapi_reply(c, MHD_HTTP_FORBIDDEN, "{\"errorMessage\":"
		    "\"The path does not start with this runtime's token (see "
		    "AWS_LAMBDA_RUNTIME_API)\",\"errorType\":\"Forbidden\"}");
	if (strncmp(url, RAPI_BASE, strlen(RAPI_BASE)) != 0)
		goto notfound;
	p = url + strlen(RAPI_BASE);
	if (strcmp(method, "GET") == 0 && strcmp(p, "invocation/next") == 0)
		return rapi_next(e, q, c);
	if (strcmp(method, "POST") != 0)
		goto notfound;
	if (strcmp(p, "init/error") == 0)
		return rapi_init_error(e, q, c);
	if (strncmp(p, "invocation/", 11) == 0 &&
	    (slash = strchr(p + 11, '/')) != NULL) {
		if (strcmp(slash, "/response") == 0)
			return rapi_result(e, q, c, p + 11,
			    (size_t)(slash - p - 11), 0);
		if (strcmp(slash, "/error") == 0)
			return rapi_result(e, q, c, p + 11,
			    (size_t)(slash - p - 11), 1);
	}
notfound:
	return rapi_reply(c, MHD_HTTP_NOT_FOUND, "{\"errorMessage\":"
	    "\"Not found\",\"errorType\":\"NotFound\"}");
}

/*
 * A request ended.  An invocation whose hand-out did not reach the
 * runtime (the connection failed) is handed out again on its next GET.
 */
static void
rapi_done(void *cls, struct MHD_Connection *c, void **ctx,
    enum MHD_RequestTerminationCode toe)
{
	struct env *e = cls;
	struct req *q = *ctx;
	struct job *j;

	if (q != NULL) {
		if (e->waiting == q)
			e->waiting = NULL;
		if (q->given != NULL && toe != MHD_REQUEST_TERMINATED_COMPLETED_OK
		    && q->gen == e->gen && (j = job_current(e)) != NULL &&
		    j->delivered && j->v.id == q->given)
			j->delivered = 0;
		sbuf_free(&q->body);
		free(q);
		*ctx = NULL;
	}
}

/*
 * The CPUs of each environment: rapi_config.cpus of ours apiece, taken
 * in turn from the one we run on.  A lone environment's server moves
 * onto its CPUs too.
 */
static void
rapi_cpus(struct rapi *srv)
{
	static int cpu[CPU_SETSIZE];
	int ncpu = 0, start = 0, here, per, i, k;

	CPU_ZERO(&srv->own);
	if (sched_getaffinity(0, sizeof(srv->own), &srv->own) == -1)
		for (i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &srv->own);
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &srv->own))
			cpu[ncpu++] = i;
	here = sched_getcpu();
	for (i = 0; i < ncpu; i++)
		if (cpu[i] == here)
			start = i;
	per = srv->c->cpus;
	for (i = 0; i < srv->c->nenv; i++) {
		struct env *e = &srv->envs[i];

		if (per <= 0 || per >= ncpu) {
			e->cpus = srv->own;
			continue;
		}
		CPU_ZERO(&e->cpus);
		for (k = 0; k < per; k++)
			CPU_SET(cpu[(start + i * per + k) % ncpu], &e->cpus);
	}
	if (srv->c->nenv == 1 && !CPU_EQUAL(&srv->envs[0].cpus, &srv->own) &&
	    sched_setaffinity(0, sizeof(srv->own), &srv->envs[0].cpus) == 0)
		srv->own = srv->envs[0].cpus;
}

/* Start one HTTP server per execution environment, on 127.0.0.1. */
struct rapi *
rapi_new(const struct rapi_config *config)
{
	struct sockaddr_in sin;
	const union MHD_DaemonInfo *info;
	struct rapi *srv;
	int i;

	srv = xcalloc(1, sizeof(*srv));
	srv->c = config;
	srv->procs = proc_set_new();
	srv->envs = xcalloc((size_t)srv->c->nenv, sizeof(*srv->envs));
	srv->pfd = xreallocarray(NULL, (size_t)srv->c->nenv * 2 + 1,
	    sizeof(*srv->pfd));
	rapi_cpus(srv);
	for (i = 0; i < srv->c->nenv; i++) {
		struct env *e = &srv->envs[i];

		e->srv = srv;
		e->idx = i;
		e->logfd = -1;
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		e->daemon = MHD_start_daemon(RAPI_FLAGS, 0, NULL, NULL,
		    rapi_handler, e, MHD_OPTION_SOCK_ADDR, &sin,
		    MHD_OPTION_NOTIFY_COMPLETED, rapi_done, e,
		    MHD_OPTION_END);
		if (e->daemon == NULL ||
		    (info = MHD_get_daemon_info(e->daemon,
		    MHD_DAEMON_INFO_EPOLL_FD)) == NULL)
			errx(EXIT_USAGE, "cannot start the Runtime API server");
		e->epfd = info->epoll_fd;
		info = MHD_get_daemon_info(e->daemon,
		    MHD_DAEMON_INFO_BIND_PORT);
		e->port = info != NULL ? (unsigned)info->port : 0u;
	}
	return srv;
}

/* Start environment E's runtime: the command, told where the API is. */
static void
rapi_runtime(struct env *e)
{
	struct rapi *srv = e->srv;
	char *api;
	int fds[2], moved, started, saved;

	if (pipe2(fds, O_CLOEXEC) == -1)
		err(EXIT_USAGE, "pipe");
	rapi_token(e);
	api = xasprintf("AWS_LAMBDA_RUNTIME_API=%s", e->addr);
	e->envp = srv->c->runtime_env(srv->c->arg, e->idx, api);
	free(api);
	memset(&e->spec, 0, sizeof(e->spec));
	e->spec.argv = srv->c->argv;
	e->spec.env = e->envp;
	e->spec.outfd = fds[1];
	e->spec.errfd = fds[1];
	e->t_start = clock_mono_us();
	pgkill_hold(1);
	/* The runtime inherits the CPUs of the thread that starts it. */
	moved = !CPU_EQUAL(&e->cpus, &srv->own) &&
	    sched_setaffinity(0, sizeof(e->cpus), &e->cpus) == 0;
	started = proc_set_start(srv->procs, &e->spec, e);
	saved = errno;
	if (moved)
		sched_setaffinity(0, sizeof(srv->own), &srv->own);
	errno = saved;
	if (started == -1)
		err(EXIT_USAGE, "cannot start '%s'", srv->c->argv[0]);
	pgkill_set(e->idx, proc_set_pid(srv->procs, e));
	pgkill_hold(0);
	close(fds[1]);
	e->logfd = fds[0];
	fcntl(e->logfd, F_SETFL, O_NONBLOCK);
	e->running = 1;
	e->first = 1;
	e->maxrss_kb = 0;
	e->asked = 0;
}

void
rapi_start(struct rapi *srv, int env, const struct rapi_invocation *inv)
{
	struct env *e = &srv->envs[env];
	struct job *j;

	if (!e->running)
		rapi_runtime(e);
	if (e->nq == RAPI_DEPTH)
		errx(EXIT_USAGE, "internal error: environment queue full");
	j = &e->q[e->nq++];
	lambda_reply_free(&j->reply);
	memset(j, 0, sizeof(*j));
	j->v = *inv;
	j->t_queued = clock_mono_us();
	rapi_resume(e);
}

/* Read what the runtime wrote (the function's log), up to a limit. */
static void
rapi_read_log(struct env *e)
{
	char buf[65536];
	ssize_t n;

	while (e->logfd >= 0) {
		n = read(e->logfd, buf, sizeof(buf));
		if (n > 0) {
			if (e->log.len + (size_t)n <= LOGSTORE_EVENT_MAX)
				sbuf_add(&e->log, buf, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		close(e->logfd);
		e->logfd = -1;
	}
}

/* The runtime of E ended: fail what it was doing, as Lambda would. */
static void
rapi_exited(struct env *e, struct proc_result *r)
{
	struct rapi *srv = e->srv;
	char how[128], *m = NULL;
	struct job *j;
	const char *id;

	rapi_read_log(e);
	if (e->logfd >= 0) {
		close(e->logfd);
		e->logfd = -1;
	}
	e->running = 0;
	pgkill_set(e->idx, 0);
	e->maxrss_kb = r->maxrss_kb;
	lambda_env_free(e->envp);
	e->envp = NULL;
	proc_end_text(r, how, sizeof(how));
	e->gen++;
	rapi_resume(e);		/* its long poll ends unanswered */
	/*
	 * The invocation it held fails; one still queued fails only when the
	 * runtime died before it ever asked for work (a failed init).
	 */
	j = e->resetting ? NULL : job_current(e);
	if (j != NULL && !j->delivered && (e->asked || e->initerr))
		j = NULL;
	if (j != NULL) {
		id = j->v.id;
		if (e->timedout) {
			m = xasprintf("Task timed out after %.2f seconds",
			    (double)srv->c->timeout_ms / 1000);
			lambda_error(&j->reply, "Sandbox.Timedout", id, m);
		} else if (r->end == PROC_NOSTART) {
			m = xasprintf("fork/exec %s: %s", srv->c->argv[0], how);
			lambda_error(&j->reply, "Runtime.InvalidEntrypoint",
			    id, m);
		} else if (r->end == PROC_EXITED && r->code == 0) {
			lambda_error(&j->reply, "Runtime.ExitError", id,
			    "Runtime exited without providing a reason");
		} else {
			m = xasprintf("Runtime exited with error: %s", how);
			lambda_error(&j->reply, "Runtime.ExitError", id, m);
		}
		j->done = 1;
		j->t_done = clock_mono_us();
		if (!j->delivered)
			j->t_next = j->t_done;
	}
	e->timedout = e->resetting = 0;
	free(m);
	proc_result_free(r);
}

/* Reap every runtime that has ended; with E, until E's has. */
static void
rapi_reap(struct rapi *srv, struct env *e)
{
	struct proc_result r;
	void *tag;

	while (proc_set_count(srv->procs) > 0 &&
	    proc_set_wait(srv->procs, e != NULL && e->running ? -1 : 0, &r,
	    &tag) == 1)
		rapi_exited(tag, &r);
}

/* Peak resident set of a running process, from /proc, in kB. */
static long
vmhwm_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	fclose(fp);
	return kb;
}

/*
 * When the job E's runtime works on times out (µs), or 0.  The timeout
 * runs from the hand-out, or, for a runtime yet to ask, from when it
 * could have asked.
 */
static int64_t
job_deadline(struct env *e)
{
	struct job *j;
	int64_t t;

	if (!e->running || e->timedout || (j = job_current(e)) == NULL)
		return 0;
	t = j->delivered ? j->t_next : j > e->q ? j[-1].t_done : j->t_queued;
	if (!j->delivered && e->t_start > t)
		t = e->t_start;
	return t + e->srv->c->timeout_ms * 1000;
}

/* E's first invocation has its result: pass it to the done callback. */
static void
rapi_finish(struct env *e)
{
	struct rapi *srv = e->srv;
	struct rapi_result a;
	struct lambda_reply reply;
	struct job *j;
	int reset;

	if (!srv->c->quiet)
		rapi_read_log(e);
	j = &e->q[0];
	a.tag = j->v.tag;
	reply = j->reply;	/* the queue gives it up below */
	a.duration_us = j->t_done - j->t_next;
	a.init_us = e->first && j->delivered ? j->t_next - e->t_start : -1;
	if (j->delivered)
		e->first = 0;
	memmove(&e->q[0], &e->q[1], (size_t)(e->nq - 1) * sizeof(e->q[0]));
	e->nq--;
	memset(&e->q[e->nq], 0, sizeof(e->q[0]));
	reset = e->initerr;
	e->initerr = 0;
	a.maxrss_kb = srv->c->quiet ? 0 : e->running ?
	    vmhwm_kb(proc_set_pid(srv->procs, e)) : e->maxrss_kb;
	a.output = e->log.buf;
	a.outlen = e->log.len;
	a.reply = &reply;
	srv->c->done(srv->c->arg, &a);
	lambda_reply_free(&reply);
	sbuf_reset(&e->log);
	/* After an init error Lambda starts afresh. */
	if (reset && e->running) {
		e->resetting = 1;
		proc_set_kill(srv->procs, e);
		rapi_reap(srv, e);
		sbuf_reset(&e->log);
	}
}

int
rapi_wait(struct rapi *srv, int ms, int input_fd)
{
	struct pollfd *pfd = srv->pfd;
	int64_t until = ms >= 0 ? clock_mono_us() + ms * 1000LL : -1;
	int i, np, in, got = 0;

	while (!got) {
		int64_t now = clock_mono_us(), wake = until, d;
		int busy = 0, t, n, reap;

		for (i = 0; i < srv->c->nenv; i++)
			if (srv->envs[i].kick) {
				srv->envs[i].kick = 0;
				MHD_run(srv->envs[i].daemon);
			}
		np = 0;
		in = -1;
		if (input_fd >= 0) {
			in = np;
			pfd[np++] = (struct pollfd){ input_fd, POLLIN, 0 };
		}
		for (i = 0; i < srv->c->nenv; i++) {
			struct env *e = &srv->envs[i];
			MHD_UNSIGNED_LONG_LONG mt;

			e->pi_srv = np;
			pfd[np++] = (struct pollfd){ e->epfd, POLLIN, 0 };
			e->pi_log = -1;
			if (e->logfd >= 0) {
				e->pi_log = np;
				pfd[np++] = (struct pollfd){ e->logfd, POLLIN,
				    0 };
			}
			if (e->running)
				busy = 1;
			if ((d = job_deadline(e)) != 0 &&
			    (wake == -1 || d < wake))
				wake = d;
			e->due = MHD_get_timeout(e->daemon, &mt) == MHD_YES ?
			    now + (int64_t)mt * 1000 : -1;
			if (e->due != -1 && (wake == -1 || e->due < wake))
				wake = e->due;
		}
		t = wake == -1 ? -1 : wake <= now ? 0 :
		    (int)((wake - now + 999) / 1000);
		/* Deadlines and lost runtimes are checked on every tick. */
		if (busy && (t == -1 || t > RAPI_TICK_MS))
			t = RAPI_TICK_MS;
		if ((n = poll(pfd, (nfds_t)np, t)) == -1 && errno != EINTR)
			err(EXIT_USAGE, "poll");
		now = clock_mono_us();
		/* A server runs when it has I/O, or work it said was due. */
		for (i = 0; i < srv->c->nenv; i++) {
			struct env *e = &srv->envs[i];

			if ((n > 0 && pfd[e->pi_srv].revents != 0) ||
			    (e->due != -1 && now >= e->due))
				MHD_run(e->daemon);
		}
		/*
		 * Look for runtimes that ended when one's output ended, and
		 * on every tick (one may have left children holding it).
		 */
		reap = n == 0;
		for (i = 0; i < srv->c->nenv; i++) {
			struct env *e = &srv->envs[i];

			if (e->pi_log >= 0 && pfd[e->pi_log].revents != 0) {
				rapi_read_log(e);
				if (e->logfd < 0)
					reap = 1;
			}
		}
		if (reap)
			rapi_reap(srv, NULL);
		for (i = 0; i < srv->c->nenv; i++) {
			struct env *e = &srv->envs[i];
			int64_t deadline;

			deadline = job_deadline(e);
			if (deadline != 0 && now >= deadline) {
				e->timedout = 1;
				proc_set_kill(srv->procs, e);
				rapi_reap(srv, e);
			}
			while (e->nq > 0 && e->q[0].done) {
				rapi_finish(e);
				got = 1;
			}
			/* Work left and no runtime: start one. */
			if (!e->running && e->nq > 0)
				rapi_runtime(e);
		}
		if (until != -1 && clock_mono_us() >= until)
			break;
		if (in >= 0 && pfd[in].revents != 0)
			break;		/* more input: go and read it */
	}
	return got;
}

void
rapi_free(struct rapi *srv)
{
	int i, j;

	srv->shutdown = 1;
	/* Suspended long polls end unanswered before the servers stop. */
	for (i = 0; i < srv->c->nenv; i++)
		if (srv->envs[i].waiting != NULL) {
			rapi_resume(&srv->envs[i]);
			MHD_run(srv->envs[i].daemon);
		}
	proc_set_free(srv->procs);
	for (i = 0; i < srv->c->nenv; i++) {
		struct env *e = &srv->envs[i];

		MHD_stop_daemon(e->daemon);
		if (e->logfd >= 0)
			close(e->logfd);
		sbuf_free(&e->log);
		for (j = 0; j < RAPI_DEPTH; j++)
			lambda_reply_free(&e->q[j].reply);
		lambda_env_free(e->envp);
	}
	free(srv->envs);
	free(srv->pfd);
	free(srv);
}
