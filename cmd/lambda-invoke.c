/*
 * lambda-invoke: the Lambda service in a pipe.  Each input line is an
 * invocation payload, the handler is a local command, and what comes out
 * is what Lambda would return (RequestResponse) or send to its
 * destinations (Event: retries, event age, execution records, and the
 * events an EventBridge destination bus receives).
 *
 * The command runs without a shell, one process per invocation with the
 * payload on stdin, or once as a custom runtime served the Lambda Runtime
 * API (--runtime-api).  Its stderr, with Lambda's START, END and REPORT
 * lines, is the function's log: on stderr, or in the local log store's
 * /aws/lambda/NAME group.  The handler contract and the record shapes
 * live in common/lambda.h, the spawner in common/proc.h.
 */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "awsid.h"
#include "clock.h"
#include "diag.h"
#include "exitcode.h"
#include "jsonraw.h"
#include "lambda.h"
#include "logstore.h"
#include "ndjson.h"
#include "num.h"
#include "out.h"
#include "proc.h"
#include "rfc3339.h"
#include "sbuf.h"
#include "version.h"
#include "xalloc.h"

enum {
	OPT_CLOCK = 256, OPT_RETRIES, OPT_AGE, OPT_ON_SUCCESS, OPT_ON_FAILURE,
	OPT_SUCCESS_BUS, OPT_FAILURE_BUS, OPT_LIMIT, OPT_RAPI, OPT_UNORDERED
};

static const char optstring[] = "+a:c:e:hi:kL:m:n:qr:t:T:uV";
static const struct option longopts[] = {
	{ "account",		required_argument, NULL, 'a' },
	{ "clock",		required_argument, NULL, OPT_CLOCK },
	{ "concurrency",	required_argument, NULL, 'c' },
	{ "env",		required_argument, NULL, 'e' },
	{ "function-name",	required_argument, NULL, 'n' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "input",		required_argument, NULL, 'i' },
	{ "invocation-type",	required_argument, NULL, 't' },
	{ "keep-going",		no_argument,	   NULL, 'k' },
	{ "log-store",		required_argument, NULL, 'L' },
	{ "maximum-event-age",	required_argument, NULL, OPT_AGE },
	{ "maximum-retry-attempts", required_argument, NULL, OPT_RETRIES },
	{ "memory-size",	required_argument, NULL, 'm' },
	{ "on-failure",		required_argument, NULL, OPT_ON_FAILURE },
	{ "on-failure-bus",	required_argument, NULL, OPT_FAILURE_BUS },
	{ "on-success",		required_argument, NULL, OPT_ON_SUCCESS },
	{ "on-success-bus",	required_argument, NULL, OPT_SUCCESS_BUS },
	{ "payload-limit",	required_argument, NULL, OPT_LIMIT },
	{ "quiet",		no_argument,	   NULL, 'q' },
	{ "region",		required_argument, NULL, 'r' },
	{ "runtime-api",	no_argument,	   NULL, OPT_RAPI },
	{ "timeout",		required_argument, NULL, 'T' },
	{ "unbuffered",		no_argument,	   NULL, 'u' },
	{ "unordered",		no_argument,	   NULL, OPT_UNORDERED },
	{ "version",		no_argument,	   NULL, 'V' },
	{ NULL,			0,		   NULL, 0 }
};

static const char usage_text[] =
    "usage: lambda-invoke [-hkquV] [-a account] [-c n] [-e name=value]\n"
    "                     [-i file] [-L store] [-m mb] [-n function-name]\n"
    "                     [-r region] [-t type] [-T seconds] [--clock mode]\n"
    "                     [--maximum-retry-attempts n]\n"
    "                     [--maximum-event-age seconds]\n"
    "                     [--on-success path] [--on-success-bus bus]\n"
    "                     [--on-failure path] [--on-failure-bus bus]\n"
    "                     [--payload-limit bytes] [--runtime-api]\n"
    "                     [--unordered] [--] command [arg ...]\n";

static const char help_text[] =
    "Run a Lambda handler command on each input payload, as Lambda would.\n"
    "\n"
    "  -a, --account ID              account in ARNs (AWS_ACCOUNT_ID)\n"
    "  -c, --concurrency N           up to N invocations at once (1)\n"
    "      --clock MODE              real (default) or virtual: retry\n"
    "                                delays pass without waiting\n"
    "  -e, --env NAME=VALUE          environment variable of the function\n"
    "  -h, --help                    print this help and exit\n"
    "  -i, --input FILE              read payloads from FILE (repeatable;\n"
    "                                default stdin)\n"
    "  -k, --keep-going              report malformed lines and go on\n"
    "  -L, --log-store DIR           write the function's log into the\n"
    "                                store's /aws/lambda/NAME group\n"
    "  -m, --memory-size MB          memory size, 128 to 10240 (128)\n"
    "  -n, --function-name NAME      function name (default: the\n"
    "                                command's base name)\n"
    "      --maximum-event-age S     Event: 60 to 21600 seconds (21600)\n"
    "      --maximum-retry-attempts N  Event: 0 to 2 (2)\n"
    "      --on-success PATH         Event: success records to PATH\n"
    "      --on-success-bus BUS      Event: as events of BUS (to PATH or\n"
    "                                stdout)\n"
    "      --on-failure PATH         Event: failure records to PATH\n"
    "      --on-failure-bus BUS      Event: as events of BUS (to PATH or\n"
    "                                stdout)\n"
    "      --payload-limit BYTES     Event payload limit: 262144 (default)\n"
    "                                to 1048576 (1M)\n"
    "  -q, --quiet                   no function log at all\n"
    "  -r, --region REGION           region in ARNs (AWS_REGION)\n"
    "      --runtime-api             start the command once as a custom\n"
    "                                runtime and serve it the Runtime API\n"
    "  -t, --invocation-type TYPE    RequestResponse (default) or Event\n"
    "  -T, --timeout SECONDS         function timeout (3)\n"
    "  -u, --unbuffered              flush after every record\n"
    "      --unordered               write results as they complete\n"
    "  -V, --version                 print the version and exit\n"
    "\n"
    "EDAKIT_DETERMINISTIC=1 fixes ids and the clock for golden tests.\n";

/* Where one kind of destination record goes. */
struct dest {
	struct out	*out;		/* NULL: nowhere */
	const char	*path;
	char		*bus_arn;	/* as a bus event; NULL: bare record */
};

static struct {
	char		**argv;		/* the handler command */
	char		**env;		/* -e NAME=VALUE, NULL-ended */
	int		  nenv;
	int		  event;	/* --invocation-type Event */
	int64_t		  timeout_ms;
	int		  memory;
	int		  retries;
	int64_t		  max_age_ms;
	size_t		  limit;	/* request payload limit */
	int		  concurrency;
	int		  unordered;
	int		  quiet;
	int		  rapi;
	struct out	 *out;
	struct dest	  ok, fail;
	struct logstore	 *store;
} opt;

static struct lambda_fn fn;
static char *fn_arn, *fn_qarn, *fn_group;
static struct ndjson in;
static long nfailed;		/* function errors not sent anywhere */
static long nrejected;		/* invocations Lambda would refuse */

/* One invocation, from its input line to its output. */
struct inv {
	long		 seq;
	char		*payload;	/* the line, with a newline for stdin */
	size_t		 len;		/* without the newline */
	const char	*file;
	long		 line;
	char		 id[UUID_BUFSZ];
	char		 trace[80];	/* X-Ray trace header */
	int64_t		 deadline_ms;	/* of the current attempt */
	int		 attempts;
	int64_t		 enqueued;	/* ms, program clock */
	int64_t		 due;		/* next attempt, ms */
	enum { INV_WAIT, INV_RUN, INV_DONE, INV_GONE } state;
	int		 slot;		/* execution environment */
	const char	*condition;
	int64_t		 done_ms;
	struct lambda_reply reply;
	char		**env;
	struct proc_spec spec;
};

/* Live invocations in input order; the window bounds read-ahead. */
static struct inv **live;
static size_t nlive, window;
static long nextseq;
static int running;

/* Execution environments: each has its own log stream. */
struct slot {
	int		 busy;
	char		 stream[96];
};
static struct slot *slots;

static struct proc_set *procs;

/*
 * The process group of what runs in each execution environment, for the
 * signal handler: interrupting lambda-invoke takes its handlers with it
 * (they are in process groups of their own, out of the terminal's reach).
 */
static volatile pid_t *groups;

static void
on_signal(int sig)
{
	int i;

	for (i = 0; i < opt.concurrency; i++)
		if (groups[i] > 0)
			kill(-groups[i], SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Hold the signals above back (HOLD) or let them in again. */
static void
hold_signals(int hold)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

static void
catch_signals(void)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGTERM };
	struct sigaction sa;
	size_t i;

	groups = xcalloc((size_t)opt.concurrency, sizeof(*groups));
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], NULL, &sa) == 0 &&
		    sa.sa_handler == SIG_IGN)
			continue;	/* as nohup(1) asked */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, NULL);
	}
}

/* The descriptor to watch for more input while waiting, or -1. */
static int input_fd = -1;

static void
usage(void)
{
	fputs(usage_text, stderr);
	fprintf(stderr, "Try '%s --help' for more information.\n",
	    diag_prog());
	exit(EXIT_USAGE);
}

/* The default function name: the command's base name, made valid. */
static char *
name_of(const char *cmd)
{
	const char *b = strrchr(cmd, '/');
	char *s, *p;

	s = xstrndup(b != NULL ? b + 1 : cmd, 64);
	for (p = s; *p != '\0'; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '-' && *p != '_')
			*p = '_';
	return s;
}

static int
name_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

static char *
bus_arn(const char *bus)
{
	if (strncmp(bus, "arn:", 4) == 0)
		return xstrdup(bus);
	if (!awsid_name_ok(bus, 256, "/"))
		errx(EXIT_USAGE, "invalid bus name '%s'", bus);
	{
		char *r = xasprintf("event-bus/%s", bus), *a;

		a = arn_make("events", r);
		free(r);
		return a;
	}
}

/*
 * The function's log: Lambda's messages (each ends with a newline), on
 * stderr or as log events of the slot's stream.
 */
struct logbuf {
	struct sbuf	 text;
	size_t		*ends;		/* end offset of each message */
	size_t		 n, cap;
};

static void
log_msg(struct logbuf *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
log_end(struct logbuf *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->ends = xreallocarray(l->ends, l->cap, sizeof(*l->ends));
	}
	l->ends[l->n++] = l->text.len;
}

static void
log_msg(struct logbuf *l, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		errx(EXIT_USAGE, "out of memory");
	va_end(ap);
	sbuf_adds(&l->text, s);
	free(s);
	log_end(l);
}

/* The handler's own output, one message per line. */
static void
log_output(struct logbuf *l, const char *p, size_t n)
{
	const char *nl;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		if (nl == NULL) {
			sbuf_add(&l->text, p, n);
			sbuf_addc(&l->text, '\n');
			log_end(l);
			return;
		}
		sbuf_add(&l->text, p, (size_t)(nl - p) + 1);
		log_end(l);
		n -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
}

/*
 * Write the messages gathered, the first (START) stamped T0, the others
 * now.
 */
static void
log_flush(struct logbuf *l, const char *stream, int64_t t0)
{
	struct logstore_event *ev;
	size_t i, start = 0;
	int64_t now = clock_now_ms();

	if (l->n == 0 || opt.quiet)
		goto out;
	if (opt.store == NULL) {
		fflush(stdout);
		fwrite(l->text.buf, 1, l->text.len, stderr);
		fflush(stderr);
		goto out;
	}
	ev = xreallocarray(NULL, l->n, sizeof(*ev));
	for (i = 0; i < l->n; i++) {
		ev[i].timestamp = i == 0 ? t0 : now;
		ev[i].message = l->text.buf + start;
		ev[i].len = l->ends[i] - start;
		start = l->ends[i];
	}
	if (logstore_put(opt.store, fn_group, stream, ev, l->n, now) != 0)
		exit(EXIT_USAGE);
	free(ev);
out:
	sbuf_reset(&l->text);
	l->n = 0;
}

static void
log_free(struct logbuf *l)
{
	sbuf_free(&l->text);
	free(l->ends);
}

static struct logbuf logs;

/* What one attempt produced, whichever way the handler ran. */
struct attempt {
	struct inv	*inv;
	const char	*output;	/* the handler's log output */
	size_t		 outlen;
	int64_t		 duration_us;
	long		 maxrss_kb;
	int64_t		 init_us;	/* cold start of a runtime, or -1 */
};

static void
log_attempt(const struct attempt *a)
{
	const struct inv *v = a->inv;
	const char *type = v->reply.error_type;
	double ms = (double)a->duration_us / 1000;
	long billed = (a->duration_us + 999) / 1000;
	int64_t t0 = clock_now_ms();

	if (opt.quiet)
		return;
	log_msg(&logs, "START RequestId: %s Version: " LAMBDA_VERSION "\n",
	    v->id);
	log_output(&logs, a->output, a->outlen);
	log_msg(&logs, "END RequestId: %s\n", v->id);
	sbuf_addf(&logs.text, "REPORT RequestId: %s\tDuration: %.2f ms\t"
	    "Billed Duration: %ld ms\tMemory Size: %d MB\t"
	    "Max Memory Used: %ld MB\t", v->id, ms, billed < 1 ? 1 : billed,
	    opt.memory, (a->maxrss_kb + 1023) / 1024);
	if (a->init_us >= 0)
		sbuf_addf(&logs.text, "Init Duration: %.2f ms\t",
		    (double)a->init_us / 1000);
	if (type != NULL && strcmp(type, "Sandbox.Timedout") == 0)
		sbuf_adds(&logs.text, "Status: timeout\t");
	else if (type != NULL && strncmp(type, "Runtime.", 8) == 0)
		sbuf_addf(&logs.text, "Status: error\tError Type: %s\t", type);
	sbuf_addc(&logs.text, '\n');
	log_end(&logs);
	/* Handlers take no time on a virtual clock. */
	if (!clock_is_virtual())
		t0 -= a->duration_us / 1000;
	log_flush(&logs, slots[v->slot].stream, t0);
}

/* Invocations one execution environment may hold at once. */
static int depth = 1;

/* Take the least busy execution environment for V. */
static void
slot_take(struct inv *v)
{
	int i, best = -1;

	for (i = 0; i < opt.concurrency; i++)
		if (slots[i].busy < depth &&
		    (best == -1 || slots[i].busy < slots[best].busy))
			best = i;
	if (best == -1)
		errx(EXIT_USAGE, "internal error: no free slot");
	i = best;
	slots[i].busy++;
	if (slots[i].stream[0] == '\0')
		lambda_log_stream(slots[i].stream, sizeof(slots[i].stream),
		    clock_now_ms());
	v->slot = i;
}

/* Per-process execution: one handler process per attempt. */
static void
pp_start(struct inv *v)
{
	fn.log_stream = slots[v->slot].stream;
	v->env = lambda_env(&fn, v->id, v->deadline_ms, v->trace, opt.env);
	v->spec.argv = opt.argv;
	v->spec.env = v->env;
	v->spec.in = v->payload;
	v->spec.inlen = v->len + 1;
	v->spec.timeout_ms = opt.timeout_ms;
	v->spec.maxout = LAMBDA_RESPONSE_LIMIT + 1;
	v->spec.maxerr = LOGSTORE_EVENT_MAX;
	/* A signal must not come between the start and the record. */
	hold_signals(1);
	if (proc_set_start(procs, &v->spec, v) == -1)
		err(EXIT_USAGE, "cannot start '%s'", opt.argv[0]);
	groups[v->slot] = proc_set_pid(procs, v);
	hold_signals(0);
}

static void complete(struct attempt *);

/* Wait up to MS (-1: no limit) for an attempt to end; 1 when one did. */
static int
pp_wait(int ms)
{
	struct proc_result r;
	struct attempt a;
	void *tag;
	int got;

	proc_set_watch(procs, input_fd);
	got = proc_set_wait(procs, ms, &r, &tag);
	if (got == -1 && proc_set_count(procs) > 0)
		err(EXIT_USAGE, "waiting for handlers");
	if (got != 1)
		return 0;
	a.inv = tag;
	groups[a.inv->slot] = 0;
	lambda_judge(&r, a.inv->id, opt.argv[0], opt.timeout_ms,
	    LAMBDA_RESPONSE_LIMIT, &a.inv->reply);
	lambda_env_free(a.inv->env);
	a.inv->env = NULL;
	a.output = r.err.buf;
	a.outlen = r.err.len;
	a.duration_us = r.duration_us;
	a.maxrss_kb = r.maxrss_kb;
	a.init_us = -1;
	complete(&a);
	proc_result_free(&r);
	return 1;
}

/*
 * Runtime API execution (--runtime-api): each execution environment runs
 * the command once as a custom runtime and serves it the Lambda Runtime
 * API on its own loopback port (libmicrohttpd, one thread per
 * connection, so a runtime's long poll on /invocation/next simply
 * waits).  The main thread hands an invocation to an environment and
 * waits for its result on a pipe the HTTP threads write to; it also
 * reads the runtime's output (the function's log), reaps runtimes that
 * exit and kills those that time out.  rapi.mu guards what both sides
 * touch.
 */
#define RAPI_BASE	"/2018-06-01/runtime/"
#define RAPI_TICK_MS	50

/* An invocation given to an environment, in its queue. */
struct job {
	struct inv	*v;
	int		 delivered;	/* handed out by /invocation/next */
	int		 done;		/* its result came */
	struct lambda_reply reply;
	int64_t		 t_queued;	/* µs: given to the environment */
	int64_t		 t_next;	/* µs: handed out */
	int64_t		 t_done;	/* µs: result came */
};

/*
 * With the log off, an environment holds the next invocation ready while
 * the main thread is still busy with the last one's result, so that the
 * runtime's next GET is answered at once; with a log, one at a time, so
 * that output is told apart exactly.
 */
#define RAPI_DEPTH	2

struct env {
	struct MHD_Daemon *daemon;
	char		 addr[40];	/* AWS_LAMBDA_RUNTIME_API */
	pthread_cond_t	 cv;
	/* Guarded by rapi.mu. */
	unsigned	 gen;		/* bumped when the runtime is gone */
	struct job	 q[RAPI_DEPTH];	/* in order; done ones first */
	int		 nq;
	int		 initerr;	/* /init/error was posted */
	int		 asked;		/* the runtime took an invocation */
	/* Main thread only. */
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

/* The job the runtime works on or will get next (rapi.mu held), or NULL. */
static struct job *
job_current(struct env *e)
{
	int i;

	for (i = 0; i < e->nq; i++)
		if (!e->q[i].done)
			return &e->q[i];
	return NULL;
}

static struct {
	pthread_mutex_t	 mu;
	int		 shutdown;
	int		 wake[2];	/* HTTP threads to main: a result */
	struct env	*envs;
} rapi = { PTHREAD_MUTEX_INITIALIZER, 0, { -1, -1 }, NULL };

/* One HTTP request being received. */
struct req {
	unsigned	 gen;
	struct sbuf	 body;
	size_t		 total;
};

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
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

/* GET /invocation/next: wait for this environment's next invocation. */
static enum MHD_Result
rapi_next(struct env *e, struct req *q, struct MHD_Connection *c)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	struct job *j = NULL;
	struct inv *v;
	char deadline[32];

	pthread_mutex_lock(&rapi.mu);
	while (!rapi.shutdown && q->gen == e->gen &&
	    ((j = job_current(e)) == NULL || j->delivered))
		pthread_cond_wait(&e->cv, &rapi.mu);
	if (rapi.shutdown || q->gen != e->gen) {
		pthread_mutex_unlock(&rapi.mu);
		return MHD_NO;
	}
	v = j->v;
	j->delivered = 1;
	j->t_next = mono_us();
	e->asked = 1;
	r = MHD_create_response_from_buffer(v->len, v->payload,
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
		    "Lambda-Runtime-Invoked-Function-Arn", fn_arn);
		MHD_add_response_header(r, "Lambda-Runtime-Trace-Id",
		    v->trace);
	}
	pthread_mutex_unlock(&rapi.mu);
	if (r == NULL)
		return MHD_NO;
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}
static void
rapi_wake(void)
{
	ssize_t n;

	do
		n = write(rapi.wake[1], "", 1);
	while (n == -1 && errno == EINTR);
}

/* POST /invocation/ID/response or /error. */
static enum MHD_Result
rapi_result(struct env *e, struct req *q, struct MHD_Connection *c,
    const char *id, size_t idlen, int error)
{
	const char *type;
	struct job *j;
	int code = MHD_HTTP_ACCEPTED, known;

	pthread_mutex_lock(&rapi.mu);
	j = job_current(e);
	known = j != NULL && j->delivered && idlen == strlen(j->v->id) &&
	    memcmp(id, j->v->id, idlen) == 0;
	if (q->gen != e->gen || !known) {
		int i, late = 0;

		for (i = 0; i < e->nq; i++)
			if (e->q[i].done && idlen == strlen(e->q[i].v->id) &&
			    memcmp(id, e->q[i].v->id, idlen) == 0)
				late = 1;
		pthread_mutex_unlock(&rapi.mu);
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
	j->t_done = mono_us();
	pthread_mutex_unlock(&rapi.mu);
	pthread_cond_broadcast(&e->cv);
	rapi_wake();
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
	pthread_mutex_lock(&rapi.mu);
	if (q->gen == e->gen) {
		e->initerr = 1;
		if ((j = job_current(e)) != NULL) {
			lambda_posted_error(&j->reply, q->body.buf,
			    q->body.len, type);
			j->done = 1;
			j->t_done = mono_us();
			if (!j->delivered)
				j->t_next = j->t_done;
		}
	}
	pthread_mutex_unlock(&rapi.mu);
	rapi_wake();
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
		pthread_mutex_lock(&rapi.mu);
		q->gen = e->gen;
		pthread_mutex_unlock(&rapi.mu);
		*ctx = q;
		return MHD_YES;
	}
	if (*upsize > 0) {
		q->total += *upsize;
		if (q->body.len + *upsize <= LAMBDA_RESPONSE_LIMIT)
			sbuf_add(&q->body, upload, *upsize);
		*upsize = 0;
		return MHD_YES;
	}
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

static void
rapi_done(void *cls, struct MHD_Connection *c, void **ctx,
    enum MHD_RequestTerminationCode toe)
{
	struct req *q = *ctx;

	if (q != NULL) {
		sbuf_free(&q->body);
		free(q);
		*ctx = NULL;
	}
}

/* Start one HTTP server per execution environment, on 127.0.0.1. */
static void
rapi_setup(void)
{
	struct sockaddr_in sin;
	const union MHD_DaemonInfo *info;
	int i;

	if (pipe2(rapi.wake, O_CLOEXEC | O_NONBLOCK) == -1)
		err(EXIT_USAGE, "pipe");
	/* The server's threads leave HUP, INT and TERM to the main one. */
	hold_signals(1);
	rapi.envs = xcalloc((size_t)opt.concurrency, sizeof(*rapi.envs));
	for (i = 0; i < opt.concurrency; i++) {
		struct env *e = &rapi.envs[i];

		e->logfd = -1;
		pthread_cond_init(&e->cv, NULL);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		e->daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
		    MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
		    rapi_handler, e, MHD_OPTION_SOCK_ADDR, &sin,
		    MHD_OPTION_NOTIFY_COMPLETED, rapi_done, NULL,
		    MHD_OPTION_END);
		if (e->daemon == NULL)
			errx(EXIT_USAGE, "cannot start the Runtime API server");
		info = MHD_get_daemon_info(e->daemon,
		    MHD_DAEMON_INFO_BIND_PORT);
		snprintf(e->addr, sizeof(e->addr), "127.0.0.1:%u",
		    info != NULL ? (unsigned)info->port : 0u);
	}
	hold_signals(0);
}

/* Start environment E's runtime: the command, told where the API is. */
static void
rapi_runtime(struct env *e, int slot)
{
	char **more, *api;
	int fds[2], i;

	if (pipe2(fds, O_CLOEXEC) == -1)
		err(EXIT_USAGE, "pipe");
	api = xasprintf("AWS_LAMBDA_RUNTIME_API=%s", e->addr);
	more = xreallocarray(NULL, (size_t)opt.nenv + 2, sizeof(*more));
	for (i = 0; i < opt.nenv; i++)
		more[i] = opt.env[i];
	more[i++] = api;
	more[i] = NULL;
	fn.log_stream = slots[slot].stream;
	e->envp = lambda_env(&fn, NULL, 0, NULL, more);
	free(more);
	free(api);
	memset(&e->spec, 0, sizeof(e->spec));
	e->spec.argv = opt.argv;
	e->spec.env = e->envp;
	e->spec.outfd = fds[1];
	e->spec.errfd = fds[1];
	e->t_start = mono_us();
	hold_signals(1);
	if (proc_set_start(procs, &e->spec, e) == -1)
		err(EXIT_USAGE, "cannot start '%s'", opt.argv[0]);
	groups[slot] = proc_set_pid(procs, e);
	hold_signals(0);
	close(fds[1]);
	e->logfd = fds[0];
	fcntl(e->logfd, F_SETFL, O_NONBLOCK);
	e->running = 1;
	e->first = 1;
	e->maxrss_kb = 0;
	pthread_mutex_lock(&rapi.mu);
	e->asked = 0;
	pthread_mutex_unlock(&rapi.mu);
}

static void
rapi_start(struct inv *v)
{
	struct env *e = &rapi.envs[v->slot];
	struct job *j;

	if (!e->running)
		rapi_runtime(e, v->slot);
	pthread_mutex_lock(&rapi.mu);
	if (e->nq == RAPI_DEPTH)
		errx(EXIT_USAGE, "internal error: environment queue full");
	j = &e->q[e->nq++];
	lambda_reply_free(&j->reply);
	memset(j, 0, sizeof(*j));
	j->v = v;
	j->t_queued = mono_us();
	pthread_mutex_unlock(&rapi.mu);
	pthread_cond_broadcast(&e->cv);
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
	char how[128], *m = NULL;
	struct job *j;
	const char *id;

	rapi_read_log(e);
	if (e->logfd >= 0) {
		close(e->logfd);
		e->logfd = -1;
	}
	e->running = 0;
	groups[e - rapi.envs] = 0;
	e->maxrss_kb = r->maxrss_kb;
	lambda_env_free(e->envp);
	e->envp = NULL;
	proc_end_text(r, how, sizeof(how));
	pthread_mutex_lock(&rapi.mu);
	e->gen++;
	/*
	 * The invocation it held fails; one still queued fails only when the
	 * runtime died before it ever asked for work (a failed init).
	 */
	j = e->resetting ? NULL : job_current(e);
	if (j != NULL && !j->delivered && (e->asked || e->initerr))
		j = NULL;
	if (j != NULL) {
		id = j->v->id;
		if (e->timedout) {
			m = xasprintf("Task timed out after %.2f seconds",
			    (double)opt.timeout_ms / 1000);
			lambda_error(&j->reply, "Sandbox.Timedout", id, m);
		} else if (r->end == PROC_NOSTART) {
			m = xasprintf("fork/exec %s: %s", opt.argv[0], how);
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
		j->t_done = mono_us();
		if (!j->delivered)
			j->t_next = j->t_done;
	}
	e->timedout = e->resetting = 0;
	pthread_mutex_unlock(&rapi.mu);
	pthread_cond_broadcast(&e->cv);
	free(m);
	proc_result_free(r);
}
/* Reap every runtime that has ended; with WAIT, until E's has. */
static void
rapi_reap(struct env *e)
{
	struct proc_result r;
	void *tag;

	while (proc_set_count(procs) > 0 &&
	    proc_set_wait(procs, e != NULL && e->running ? -1 : 0, &r,
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
	int64_t t = 0;

	if (!e->running || e->timedout)
		return 0;
	pthread_mutex_lock(&rapi.mu);
	if ((j = job_current(e)) != NULL) {
		t = j->delivered ? j->t_next : j > e->q ? j[-1].t_done :
		    j->t_queued;
		if (!j->delivered && e->t_start > t)
			t = e->t_start;
		t += opt.timeout_ms * 1000;
	}
	pthread_mutex_unlock(&rapi.mu);
	return t;
}

/* E's first invocation has its result: log it, complete the attempt. */
static void
rapi_finish(struct env *e)
{
	struct attempt a;
	struct lambda_reply tmp;
	struct job *j;
	int reset;

	if (!opt.quiet)
		rapi_read_log(e);
	pthread_mutex_lock(&rapi.mu);
	j = &e->q[0];
	a.inv = j->v;
	tmp = a.inv->reply;
	a.inv->reply = j->reply;
	j->reply = tmp;
	a.duration_us = j->t_done - j->t_next;
	a.init_us = e->first && j->delivered ? j->t_next - e->t_start : -1;
	if (j->delivered)
		e->first = 0;
	lambda_reply_free(&j->reply);
	memmove(&e->q[0], &e->q[1], (size_t)(e->nq - 1) * sizeof(e->q[0]));
	e->nq--;
	memset(&e->q[e->nq], 0, sizeof(e->q[0]));
	reset = e->initerr;
	e->initerr = 0;
	pthread_mutex_unlock(&rapi.mu);
	a.maxrss_kb = opt.quiet ? 0 : e->running ?
	    vmhwm_kb(proc_set_pid(procs, e)) : e->maxrss_kb;
	a.output = e->log.buf;
	a.outlen = e->log.len;
	complete(&a);
	sbuf_reset(&e->log);
	/* After an init error Lambda starts afresh. */
	if (reset && e->running) {
		e->resetting = 1;
		proc_set_kill(procs, e);
		rapi_reap(e);
		sbuf_reset(&e->log);
	}
}
/* Wait up to MS (-1: no limit) for results; 1 when one was completed. */
static int
rapi_wait(int ms)
{
	struct pollfd *pfd;
	int64_t until = ms >= 0 ? mono_us() + ms * 1000LL : -1;
	int i, np, got = 0, *at;
	char buf[256];

	pfd = xreallocarray(NULL, (size_t)opt.concurrency + 2, sizeof(*pfd));
	at = xreallocarray(NULL, (size_t)opt.concurrency, sizeof(*at));
	while (!got) {
		int64_t now = mono_us(), wake = until, d;
		int busy = 0, t, n, reap;

		np = 0;
		pfd[np++] = (struct pollfd){ rapi.wake[0], POLLIN, 0 };
		if (input_fd >= 0)
			pfd[np++] = (struct pollfd){ input_fd, POLLIN, 0 };
		for (i = 0; i < opt.concurrency; i++) {
			struct env *e = &rapi.envs[i];

			at[i] = -1;
			if (e->logfd >= 0) {
				at[i] = np;
				pfd[np++] = (struct pollfd){ e->logfd, POLLIN,
				    0 };
			}
			if (e->running)
				busy = 1;
			if ((d = job_deadline(e)) != 0 &&
			    (wake == -1 || d < wake))
				wake = d;
		}
		t = wake == -1 ? -1 : wake <= now ? 0 :
		    (int)((wake - now + 999) / 1000);
		/* Deadlines and lost runtimes are checked on every tick. */
		if (busy && (t == -1 || t > RAPI_TICK_MS))
			t = RAPI_TICK_MS;
		if ((n = poll(pfd, (nfds_t)np, t)) == -1 && errno != EINTR)
			err(EXIT_USAGE, "poll");
		if (pfd[0].revents != 0)
			while (read(rapi.wake[0], buf, sizeof(buf)) ==
			    (ssize_t)sizeof(buf))
				;
		now = mono_us();
		/*
		 * Look for runtimes that ended when one's output ended, and
		 * on every tick (one may have left children holding it).
		 */
		reap = n == 0;
		for (i = 0; i < opt.concurrency; i++)
			if (at[i] >= 0 && pfd[at[i]].revents != 0) {
				rapi_read_log(&rapi.envs[i]);
				if (rapi.envs[i].logfd < 0)
					reap = 1;
			}
		if (reap)
			rapi_reap(NULL);
		for (i = 0; i < opt.concurrency; i++) {
			struct env *e = &rapi.envs[i];
			int64_t deadline;
			int done;

			deadline = job_deadline(e);
			if (deadline != 0 && now >= deadline) {
				e->timedout = 1;
				proc_set_kill(procs, e);
				rapi_reap(e);
			}
			for (;;) {
				pthread_mutex_lock(&rapi.mu);
				done = e->nq > 0 && e->q[0].done;
				pthread_mutex_unlock(&rapi.mu);
				if (!done)
					break;
				rapi_finish(e);
				got = 1;
			}
			/* Work left and no runtime: start one. */
			if (!e->running && e->nq > 0)
				rapi_runtime(e, (int)(e - rapi.envs));
		}
		if (until != -1 && mono_us() >= until)
			break;
		if (input_fd >= 0 && pfd[1].revents != 0)
			break;		/* more input: go and read it */
	}
	free(pfd);
	free(at);
	return got;
}

/* Stop the runtimes and the servers. */
static void
rapi_teardown(void)
{
	int i, j;

	pthread_mutex_lock(&rapi.mu);
	rapi.shutdown = 1;
	pthread_mutex_unlock(&rapi.mu);
	for (i = 0; i < opt.concurrency; i++)
		pthread_cond_broadcast(&rapi.envs[i].cv);
	proc_set_free(procs);
	procs = NULL;
	for (i = 0; i < opt.concurrency; i++) {
		struct env *e = &rapi.envs[i];

		MHD_stop_daemon(e->daemon);
		pthread_cond_destroy(&e->cv);
		if (e->logfd >= 0)
			close(e->logfd);
		sbuf_free(&e->log);
		for (j = 0; j < RAPI_DEPTH; j++)
			lambda_reply_free(&e->q[j].reply);
		lambda_env_free(e->envp);
	}
	free(rapi.envs);
	close(rapi.wake[0]);
	close(rapi.wake[1]);
}

static void
attempt_start(struct inv *v)
{
	v->state = INV_RUN;
	running++;
	slot_take(v);
	v->deadline_ms = clock_now_ms() + opt.timeout_ms;
	if (opt.rapi)
		rapi_start(v);
	else
		pp_start(v);
}

static int
attempt_wait(int ms)
{
	return opt.rapi ? rapi_wait(ms) : pp_wait(ms);
}

/* An attempt ended: finish the invocation or schedule its retry. */
static void
complete(struct attempt *a)
{
	struct inv *v = a->inv;
	int64_t now = clock_now_ms(), next;

	running--;
	slots[v->slot].busy--;
	v->attempts++;
	log_attempt(a);
	v->state = INV_DONE;
	v->done_ms = now;
	if (!v->reply.error) {
		v->condition = LAMBDA_SUCCESS;
		return;
	}
	if (!opt.event)
		return;
	if (v->attempts > opt.retries) {
		v->condition = LAMBDA_EXHAUSTED;
		return;
	}
	/* One minute before the second attempt, two before the third. */
	next = now + (v->attempts == 1 ? 60000 : 120000);
	if (next - v->enqueued >= opt.max_age_ms) {
		v->condition = LAMBDA_AGE_EXCEEDED;
		return;
	}
	v->state = INV_WAIT;
	v->due = next;
}

/* Write a destination record (or its bus event) for V. */
static void
send_record(struct inv *v, const struct dest *d)
{
	struct lambda_record rec;
	struct sbuf b = SBUF_INIT, e = SBUF_INIT;
	char id[UUID_BUFSZ];

	rec.time_ms = v->done_ms;
	rec.request_id = v->id;
	rec.function_arn = fn_qarn;
	rec.condition = v->condition;
	rec.invoke_count = v->attempts;
	rec.request = v->payload;
	rec.reqlen = v->len;
	rec.reply = &v->reply;
	lambda_record(&b, &rec);
	if (d->bus_arn != NULL) {
		ids_uuid(id, v->id, strlen(v->id));
		lambda_record_event(&e, id, v->done_ms, d->bus_arn, fn_qarn,
		    !v->reply.error, b.buf, b.len);
		out_line(d->out, e.buf, e.len);
	} else
		out_line(d->out, b.buf, b.len);
	sbuf_free(&b);
	sbuf_free(&e);
}

/* Write V's results. */
static void
emit(struct inv *v)
{
	const struct lambda_reply *r = &v->reply;
	const struct dest *d = r->error ? &opt.fail : &opt.ok;

	if (!opt.event) {
		out_line(opt.out, r->payload.buf, r->payload.len);
		if (r->error)
			nfailed++;
	} else if (d->out != NULL) {
		send_record(v, d);
	} else if (r->error) {
		/* The first KB of the error, as a DLQ's ErrorMessage has it. */
		size_t n = r->payload.len;

		if (n > 1024)
			for (n = 1024; n > 0 &&
			    ((unsigned char)r->payload.buf[n] & 0xC0) == 0x80; n--)
				;
		diag_loc(v->file, v->line, "request %s failed (%s after %d "
		    "attempt%s): %.*s%s", v->id, v->condition, v->attempts,
		    v->attempts == 1 ? "" : "s", (int)n, r->payload.buf,
		    n < r->payload.len ? "..." : "");
		nfailed++;
	}
	v->state = INV_GONE;
}

static void
inv_free(struct inv *v)
{
	free(v->payload);
	lambda_reply_free(&v->reply);
	lambda_env_free(v->env);
	free(v);
}

/* Emit what is finished (in input order unless --unordered); drop it. */
static void
emit_ready(void)
{
	size_t i, j;

	for (i = 0; i < nlive; i++) {
		if (live[i]->state == INV_DONE &&
		    (opt.unordered || i == 0 || live[i - 1]->state == INV_GONE))
			emit(live[i]);
		if (!opt.unordered && live[i]->state != INV_GONE)
			break;
	}
	for (i = j = 0; i < nlive; i++) {
		if (live[i]->state == INV_GONE)
			inv_free(live[i]);
		else
			live[j++] = live[i];
	}
	nlive = j;
}

/* Read one record into an invocation; 0 at the end of input. */
static int
read_one(void)
{
	const char *rec, *what;
	size_t len, limit;
	struct inv *v;
	jv p;

	for (;;) {
		if (ndjson_stop(&in) || !ndjson_next(&in, &rec, &len))
			return 0;
		if (ndjson_stop(&in))
			return 0;
		p = ndjson_parse(rec, len);
		if (!jv_is_valid(p)) {
			jv msg = jv_invalid_get_msg(p);

			ndjson_bad(&in, "invalid JSON: %s",
			    jv_string_value(msg));
			jv_free(msg);
			continue;
		}
		jv_free(p);
		limit = opt.event ? opt.limit : LAMBDA_SYNC_LIMIT;
		if (len > limit) {
			nrejected++;
			what = "An error occurred (RequestEntityTooLargeException)"
			    " when calling the Invoke operation";
			if (opt.event)
				diag_loc(in.name, in.lineno, "%s: %zu byte "
				    "payload is too large for the Event "
				    "invocation type (limit %zu bytes)", what,
				    len, limit);
			else
				diag_loc(in.name, in.lineno, "%s: Request "
				    "must be smaller than %zu bytes for the "
				    "InvokeFunction operation", what, limit);
			continue;
		}
		break;
	}
	v = xcalloc(1, sizeof(*v));
	v->seq = nextseq++;
	v->payload = xmalloc(len + 2);
	memcpy(v->payload, rec, len);
	v->payload[len] = '\n';
	v->payload[len + 1] = '\0';
	v->len = len;
	v->file = in.name;
	v->line = in.lineno;
	ids_uuid(v->id, rec, len);
	lambda_trace_id(v->trace, sizeof(v->trace), v->id, clock_now_ms());
	v->enqueued = v->due = clock_now_ms();
	v->state = INV_WAIT;
	v->slot = -1;
	live[nlive++] = v;
	return 1;
}

/* Before waiting: let the next stages see every result so far. */
static void
flush_all(void)
{
	out_flush(opt.out);
	if (opt.ok.out != NULL)
		out_flush(opt.ok.out);
	if (opt.fail.out != NULL)
		out_flush(opt.fail.out);
}

/*
 * Can a record be read without waiting?  Buffered bytes (glibc's FILE,
 * as gnulib's freadahead reads it) or a readable descriptor.  Reading
 * must never hold back the results of invocations under way when the
 * input is a quiet pipe or FIFO.
 */
static int
input_ready(void)
{
	struct pollfd p;

	if (in.fp == NULL || in.fp->_IO_read_ptr < in.fp->_IO_read_end)
		return 1;
	p.fd = fileno(in.fp);
	p.events = POLLIN;
	return poll(&p, 1, 0) != 0;
}

/* The invocation engine: read, start what is due, wait, emit. */
static void
run(void)
{
	int eof = 0;
	size_t i;

	live = xreallocarray(NULL, window, sizeof(*live));
	for (;;) {
		int64_t now, due = -1;
		int ms = -1, idle;

		/* Read ahead; block for input only when there is nothing else. */
		for (;;) {
			idle = running == 0 && nlive == 0;
			if (eof || nlive >= window)
				break;
			if (!input_ready()) {
				if (!idle)
					break;
				flush_all();	/* before blocking */
			}
			if (!read_one())
				eof = 1;
		}
		now = clock_now_ms();
		for (i = 0; i < nlive; i++) {
			struct inv *v = live[i];

			if (v->state != INV_WAIT)
				continue;
			if (v->due <= now && running < opt.concurrency * depth)
				attempt_start(v);
			else if (due == -1 || v->due < due)
				due = v->due;
		}
		emit_ready();
		if (nlive == 0 && eof)
			break;
		if (nlive == 0 && running == 0)
			continue;	/* only input left to wait for */
		input_fd = !eof && nlive < window && in.fp != NULL ?
		    fileno(in.fp) : -1;
		if (running > 0) {
			/* Processes take no virtual time: only real waits. */
			if (due != -1 && !clock_is_virtual() &&
			    running < opt.concurrency * depth)
				ms = due - now > 0 ? (int)(due - now) : 0;
			/* Flush only when about to wait: results come in
			 * batches when handlers are quick. */
			if (ms != 0 && attempt_wait(0))
				continue;
			flush_all();
			attempt_wait(ms);
		} else if (due != -1) {
			flush_all();
			if (!clock_is_virtual() && input_fd >= 0) {
				/* Until the retry, unless new input comes. */
				struct pollfd p = { input_fd, POLLIN, 0 };

				poll(&p, 1, due - now > INT_MAX ? INT_MAX :
				    (int)(due - now));
			} else
				clock_sleep_ms(due - now);
		}
	}
	free(live);
}

static void
dest_open(struct dest *d, const char *path, const char *bus, int unbuffered)
{
	if (path == NULL && bus == NULL)
		return;
	d->path = path != NULL ? path : "-";
	d->out = strcmp(d->path, "-") == 0 ? opt.out :
	    out_open(d->path, unbuffered);
	if (bus != NULL)
		d->bus_arn = bus_arn(bus);
}

static void
dest_close(struct dest *d, const struct dest *other)
{
	if (d->out != NULL && d->out != opt.out &&
	    (other == NULL || other->out != d->out))
		out_close(d->out);
	free(d->bus_arn);
}

int
main(int argc, char *argv[])
{
	const char *account = NULL, *region = NULL, *name = NULL;
	const char *okpath = NULL, *failpath = NULL, *okbus = NULL;
	const char *failbus = NULL, *storedir = NULL;
	char **inputs = NULL, *store = NULL, *res, *fname;
	int c, ninputs = 0, unbuffered = 0, keep_going = 0, status, async = 0;
	double t;

	diag_init(argv);
	clock_init();
	opt.timeout_ms = 3000;
	opt.memory = 128;
	opt.retries = 2;
	opt.max_age_ms = 21600 * 1000LL;
	opt.limit = LAMBDA_ASYNC_LIMIT;
	opt.concurrency = 1;
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1)
		switch (c) {
		case 'a': account = optarg; break;
		case 'c':
			opt.concurrency = (int)num_parse(optarg, 1, 1000,
			    "concurrency");
			break;
		case 'e':
			if (strchr(optarg, '=') == NULL || *optarg == '=')
				errx(EXIT_USAGE, "invalid environment "
				    "variable '%s'", optarg);
			opt.env = xreallocarray(opt.env, (size_t)opt.nenv + 2,
			    sizeof(*opt.env));
			opt.env[opt.nenv++] = optarg;
			opt.env[opt.nenv] = NULL;
			break;
		case 'h':
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			exit(EXIT_OK);
		case 'i':
			inputs = xreallocarray(inputs, (size_t)ninputs + 1,
			    sizeof(*inputs));
			inputs[ninputs++] = optarg;
			break;
		case 'k': keep_going = 1; break;
		case 'L': storedir = optarg; break;
		case 'm':
			opt.memory = (int)num_parse(optarg, 128, 10240,
			    "memory size");
			break;
		case 'n':
			if (!name_valid(optarg))
				errx(EXIT_USAGE, "invalid function name '%s'",
				    optarg);
			name = optarg;
			break;
		case 'q': opt.quiet = 1; break;
		case 'r': region = optarg; break;
		case 't':
			if (strcmp(optarg, "Event") == 0)
				opt.event = 1;
			else if (strcmp(optarg, "RequestResponse") == 0)
				opt.event = 0;
			else
				errx(EXIT_USAGE, "invalid invocation type "
				    "'%s' (RequestResponse or Event)", optarg);
			break;
		case 'T':
			t = num_parse_double(optarg, 0.001, 900, "timeout");
			opt.timeout_ms = (int64_t)(t * 1000 + 0.5);
			break;
		case 'u': unbuffered = 1; break;
		case 'V':
			printf("%s (%s) %s\n", diag_prog(), EDAKIT_NAME,
			    EDAKIT_VERSION);
			exit(EXIT_OK);
		case OPT_CLOCK:
			if (clock_set(optarg) != 0)
				errx(EXIT_USAGE, "invalid clock '%s' (real or "
				    "virtual)", optarg);
			break;
		case OPT_RETRIES:
			opt.retries = (int)num_parse(optarg, 0, 2,
			    "maximum retry attempts");
			async = 1;
			break;
		case OPT_AGE:
			opt.max_age_ms = num_parse(optarg, 60, 21600,
			    "maximum event age") * 1000;
			async = 1;
			break;
		case OPT_ON_SUCCESS: okpath = optarg; async = 1; break;
		case OPT_ON_FAILURE: failpath = optarg; async = 1; break;
		case OPT_SUCCESS_BUS: okbus = optarg; async = 1; break;
		case OPT_FAILURE_BUS: failbus = optarg; async = 1; break;
		case OPT_LIMIT:
			opt.limit = (size_t)num_parse_size(optarg, 1,
			    LAMBDA_ASYNC_LIMIT_MAX, "payload limit");
			async = 1;
			break;
		case OPT_RAPI: opt.rapi = 1; break;
		case OPT_UNORDERED: opt.unordered = 1; break;
		default:
			usage();
		}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		warnx("no handler command");
		usage();
	}
	if (async && !opt.event)
		errx(EXIT_USAGE, "retries, event age, payload limit and "
		    "destinations apply to --invocation-type Event only");
	if (opt.quiet && storedir != NULL)
		errx(EXIT_USAGE, "--quiet and --log-store exclude each other");
	awsid_init(account, region);
	opt.argv = argv;

	fname = name != NULL ? xstrdup(name) : name_of(argv[0]);
	fn.name = fname;
	res = xasprintf("function:%s", fname);
	fn_arn = arn_make("lambda", res);
	free(res);
	fn_qarn = xasprintf("%s:" LAMBDA_VERSION, fn_arn);
	fn_group = xasprintf("/aws/lambda/%s", fn.name);
	fn.arn = fn_arn;
	fn.memory_mb = opt.memory;
	fn.timeout_ms = opt.timeout_ms;
	if (storedir != NULL || (getenv(LOGSTORE_ENV) != NULL &&
	    *getenv(LOGSTORE_ENV) != '\0' && !opt.quiet)) {
		store = logstore_dir(storedir);
		if ((opt.store = logstore_open(store, 1)) == NULL)
			exit(EXIT_USAGE);
	}

	opt.out = out_stdout(unbuffered);
	dest_open(&opt.ok, okpath, okbus, unbuffered);
	dest_open(&opt.fail, failpath, failbus, unbuffered);
	slots = xcalloc((size_t)opt.concurrency, sizeof(*slots));
	window = (size_t)opt.concurrency * 4 + 60;
	procs = proc_set_new();
	catch_signals();
	if (opt.rapi) {
		rapi_setup();
		if (opt.quiet)
			depth = RAPI_DEPTH;
	}
	ndjson_open(&in, ninputs, inputs);
	in.keep_going = keep_going;

	run();

	status = ndjson_status(&in);
	ndjson_close(&in);
	if (opt.rapi)
		rapi_teardown();
	proc_set_free(procs);
	log_free(&logs);
	dest_close(&opt.ok, NULL);
	dest_close(&opt.fail, &opt.ok);
	out_close(opt.out);
	logstore_close(opt.store);
	free(store);
	free(slots);
	free((void *)groups);
	free(inputs);
	free(opt.env);
	free(fn_qarn);
	free(fn_arn);
	free(fn_group);
	free(fname);
	if (status == EXIT_OK && (nfailed > 0 || nrejected > 0))
		status = EXIT_NEGATIVE;
	return status;
}
