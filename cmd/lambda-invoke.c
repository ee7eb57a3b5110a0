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
 * live in common/lambda.h, the spawner in common/proc.h, the Runtime API
 * server in common/rapi.h.  With --event-source-arn it is Lambda's
 * SQS event source instead: the input is a queue's messages, run in
 * batches that common/esm.h builds and settles.
 */
#include <err.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awsid.h"
#include "clock.h"
#include "diag.h"
#include "esm.h"
#include "exitcode.h"
#include "fnlog.h"
#include "jsonraw.h"
#include "lambda.h"
#include "logstore.h"
#include "ndjson.h"
#include "num.h"
#include "out.h"
#include "pgkill.h"
#include "proc.h"
#include "rapi.h"
#include "rfc3339.h"
#include "sbuf.h"
#include "sqs.h"
#include "version.h"
#include "xalloc.h"

enum {
	OPT_CLOCK = 256, OPT_RETRIES, OPT_AGE, OPT_ON_SUCCESS, OPT_ON_FAILURE,
	OPT_SUCCESS_BUS, OPT_FAILURE_BUS, OPT_SUCCESS_QUEUE, OPT_FAILURE_QUEUE,
	OPT_LIMIT, OPT_RAPI, OPT_UNORDERED, OPT_ESM_ARN, OPT_BATCH, OPT_WINDOW,
	OPT_RESPONSE_TYPES, OPT_VISIBILITY, OPT_RECEIVES
};

static const char optstring[] = "+a:c:e:hi:kL:m:n:qr:t:T:uV";
static const struct option longopts[] = {
	{ "account",		required_argument, NULL, 'a' },
	{ "batch-size",		required_argument, NULL, OPT_BATCH },
	{ "clock",		required_argument, NULL, OPT_CLOCK },
	{ "concurrency",	required_argument, NULL, 'c' },
	{ "env",		required_argument, NULL, 'e' },
	{ "event-source-arn",	required_argument, NULL, OPT_ESM_ARN },
	{ "function-response-types", required_argument, NULL,
	    OPT_RESPONSE_TYPES },
	{ "function-name",	required_argument, NULL, 'n' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "input",		required_argument, NULL, 'i' },
	{ "invocation-type",	required_argument, NULL, 't' },
	{ "keep-going",		no_argument,	   NULL, 'k' },
	{ "log-store",		required_argument, NULL, 'L' },
	{ "max-receive-count",	required_argument, NULL, OPT_RECEIVES },
	{ "maximum-batching-window-in-seconds", required_argument, NULL,
	    OPT_WINDOW },
	{ "maximum-event-age",	required_argument, NULL, OPT_AGE },
	{ "maximum-retry-attempts", required_argument, NULL, OPT_RETRIES },
	{ "memory-size",	required_argument, NULL, 'm' },
	{ "on-failure",		required_argument, NULL, OPT_ON_FAILURE },
	{ "on-failure-bus",	required_argument, NULL, OPT_FAILURE_BUS },
	{ "on-failure-queue",	required_argument, NULL, OPT_FAILURE_QUEUE },
	{ "on-success",		required_argument, NULL, OPT_ON_SUCCESS },
	{ "on-success-bus",	required_argument, NULL, OPT_SUCCESS_BUS },
	{ "on-success-queue",	required_argument, NULL, OPT_SUCCESS_QUEUE },
	{ "payload-limit",	required_argument, NULL, OPT_LIMIT },
	{ "quiet",		no_argument,	   NULL, 'q' },
	{ "region",		required_argument, NULL, 'r' },
	{ "runtime-api",	no_argument,	   NULL, OPT_RAPI },
	{ "timeout",		required_argument, NULL, 'T' },
	{ "unbuffered",		no_argument,	   NULL, 'u' },
	{ "unordered",		no_argument,	   NULL, OPT_UNORDERED },
	{ "version",		no_argument,	   NULL, 'V' },
	{ "visibility-timeout",	required_argument, NULL, OPT_VISIBILITY },
	{ NULL,			0,		   NULL, 0 }
};

static const char usage_text[] =
    "usage: lambda-invoke [-hkquV] [-a account] [-c n] [-e name=value]\n"
    "                     [-i file] [-L store] [-m mb] [-n function-name]\n"
    "                     [-r region] [-t type] [-T seconds] [--clock mode]\n"
    "                     [--maximum-retry-attempts n]\n"
    "                     [--maximum-event-age seconds]\n"
    "                     [--on-success path] [--on-success-bus bus |\n"
    "                     --on-success-queue queue] [--on-failure path]\n"
    "                     [--on-failure-bus bus | --on-failure-queue queue]\n"
    "                     [--payload-limit bytes] [--runtime-api]\n"
    "                     [--unordered] [--] command [arg ...]\n"
    "       lambda-invoke --event-source-arn queue [--batch-size n]\n"
    "                     [--maximum-batching-window-in-seconds s]\n"
    "                     [--function-response-types "
    "ReportBatchItemFailures]\n"
    "                     [--visibility-timeout s] [--max-receive-count n]\n"
    "                     [options] [--] command [arg ...]\n";

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
    "      --on-success-queue QUEUE  Event: as SQS messages of QUEUE (to\n"
    "                                PATH or stdout)\n"
    "      --on-failure PATH         Event: failure records to PATH\n"
    "      --on-failure-bus BUS      Event: as events of BUS (to PATH or\n"
    "                                stdout)\n"
    "      --on-failure-queue QUEUE  Event: as SQS messages of QUEUE (to\n"
    "                                PATH or stdout)\n"
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
    "SQS event source (input: a queue's messages; output: dead letters):\n"
    "      --event-source-arn QUEUE  the queue's ARN or name\n"
    "      --batch-size N            messages per event, 1 to 10000 (10)\n"
    "      --maximum-batching-window-in-seconds S  0 to 300 (0)\n"
    "      --function-response-types ReportBatchItemFailures\n"
    "                                honour batchItemFailures\n"
    "      --visibility-timeout S    0 to 43200 seconds (30)\n"
    "      --max-receive-count N     receives before the dead-letter\n"
    "                                queue, 1 to 1000 (10)\n"
    "\n"
    "EDAKIT_DETERMINISTIC=1 fixes ids and the clock for golden tests.\n";

/* Where one kind of destination record goes. */
struct dest {
	struct out	*out;		/* NULL: nowhere */
	const char	*path;
	char		*bus_arn;	/* as a bus event; NULL: bare record */
	char		*queue_arn;	/* as an SQS message of this queue */
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
	struct esm_batch *batch;	/* SQS: the messages of the event */
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

/* The descriptor to watch for more input while waiting, or -1. */
static int input_fd = -1;

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
 * A queue's ARN (owned) from its name or ARN; OPT names the option.
 * FIFO queues are refused unless FIFO_OK.
 */
static char *
queue_arn(const char *queue, const char *opt, int fifo_ok)
{
	struct sqs_queue q;
	char *a;

	a = strncmp(queue, "arn:", 4) == 0 ? xstrdup(queue) :
	    arn_make("sqs", queue);
	if (!sqs_arn(a, &q))
		errx(EXIT_USAGE, "%s: invalid queue name or ARN '%s'", opt,
		    queue);
	if (q.fifo && !fifo_ok)
		errx(EXIT_USAGE, "%s: %s: a FIFO queue cannot be a "
		    "destination", opt, queue);
	return a;
}

/* The function's log (NULL with --quiet). */
static struct fnlog *flog;

/*
 * What one attempt produced, whichever way the handler ran: the log's
 * request_id and error_type are filled in when it is logged.
 */
struct attempt {
	struct inv	*inv;
	struct fnlog_attempt log;
};

/* Log attempt A in its slot's stream. */
static void
log_attempt(struct attempt *a)
{
	const struct inv *v = a->inv;

	if (flog == NULL)
		return;
	a->log.request_id = v->id;
	a->log.error_type = v->reply.error_type;
	fnlog_attempt(flog, slots[v->slot].stream, &a->log);
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
	pgkill_hold(1);
	if (proc_set_start(procs, &v->spec, v) == -1)
		err(EXIT_USAGE, "cannot start '%s'", opt.argv[0]);
	pgkill_set(v->slot, proc_set_pid(procs, v));
	pgkill_hold(0);
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
	pgkill_set(a.inv->slot, 0);
	lambda_judge(&r, a.inv->id, opt.argv[0], opt.timeout_ms,
	    LAMBDA_RESPONSE_LIMIT, &a.inv->reply);
	lambda_env_free(a.inv->env);
	a.inv->env = NULL;
	a.log.output = r.err.buf;
	a.log.outlen = r.err.len;
	a.log.duration_us = r.duration_us;
	a.log.maxrss_kb = r.maxrss_kb;
	a.log.init_us = -1;
	complete(&a);
	proc_result_free(&r);
	return 1;
}

/*
 * Runtime API execution (--runtime-api): each execution environment (a
 * slot) runs the command once as a custom runtime, served the Lambda
 * Runtime API by common/rapi.h.
 */
static struct rapi *rapi;

/* The environment of slot SLOT's runtime, with API among it. */
static char **
runtime_env(void *arg, int slot, const char *api)
{
	char **more, **env;
	int i;

	more = xreallocarray(NULL, (size_t)opt.nenv + 2, sizeof(*more));
	for (i = 0; i < opt.nenv; i++)
		more[i] = opt.env[i];
	more[i++] = (char *)api;
	more[i] = NULL;
	fn.log_stream = slots[slot].stream;
	env = lambda_env(&fn, NULL, 0, NULL, more);
	free(more);
	return env;
}

/* A runtime's invocation ended: take its reply, complete the attempt. */
static void
runtime_done(void *arg, const struct rapi_result *r)
{
	struct lambda_reply tmp;
	struct attempt a;

	a.inv = r->tag;
	tmp = a.inv->reply;
	a.inv->reply = *r->reply;
	*r->reply = tmp;
	a.log.output = r->output;
	a.log.outlen = r->outlen;
	a.log.duration_us = r->duration_us;
	a.log.maxrss_kb = r->maxrss_kb;
	a.log.init_us = r->init_us;
	complete(&a);
}

static void
attempt_start(struct inv *v)
{
	v->state = INV_RUN;
	running++;
	slot_take(v);
	v->deadline_ms = clock_now_ms() + opt.timeout_ms;
	if (opt.rapi) {
		struct rapi_invocation ri = { v->id, v->payload, v->len,
		    v->deadline_ms, v->trace, v };

		rapi_start(rapi, v->slot, &ri);
	} else
		pp_start(v);
}

static int
attempt_wait(int ms)
{
	return opt.rapi ? rapi_wait(rapi, ms, input_fd) : pp_wait(ms);
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

/*
 * Send the destination record REC of V to D's queue, as an SQS message
 * laid out in E; one SendMessage refuses is reported and counted.
 */
static void
send_message(struct inv *v, const struct dest *d, const struct sbuf *rec,
    struct sbuf *e)
{
	struct sqs_queue q;
	struct sqs_msg m;
	const char *code;
	char *why;

	(void)sqs_arn(d->queue_arn, &q);
	memset(&m, 0, sizeof(m));
	m.body = rec->buf;
	m.len = rec->len;
	m.sent = v->done_ms;
	if (sqs_check(&m, &q, &code, &why) != 0) {
		diag_loc(v->file, v->line, "request %s: not sent to %s: %s: "
		    "%s", v->id, d->queue_arn, code, why);
		free(why);
		nfailed++;
		return;
	}
	sqs_message(e, &m, &q);
	out_line(d->out, e->buf, e->len);
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
	} else if (d->queue_arn != NULL)
		send_message(v, d, &b, &e);
	else
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
 * Wait for what comes first: an attempt to end, input on input_fd, or
 * DUE (-1: nothing) on the program's clock, when an attempt could start
 * then.
 */
static void
wait_next(int64_t now, int64_t due)
{
	int ms = -1;

	if (running > 0) {
		/* Processes take no virtual time: only real waits. */
		if (due != -1 && !clock_is_virtual() &&
		    running < opt.concurrency * depth)
			ms = due - now > 0 ? (int)(due - now) : 0;
		/* Flush only when about to wait: results come in
		 * batches when handlers are quick. */
		if (ms != 0 && attempt_wait(0))
			return;
		flush_all();
		attempt_wait(ms);
	} else if (due != -1) {
		flush_all();
		if (!clock_is_virtual() && opt.rapi)
			rapi_wait(rapi, due - now > INT_MAX ? INT_MAX :
			    (int)(due - now), input_fd);
		else if (!clock_is_virtual() && input_fd >= 0) {
			/* Until then, unless new input comes. */
			struct pollfd p = { input_fd, POLLIN, 0 };

			poll(&p, 1, due - now > INT_MAX ? INT_MAX :
			    (int)(due - now));
		} else
			clock_sleep_ms(due - now);
	}
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
		int idle;

		/* Read ahead; block for input only when there is nothing else. */
		for (;;) {
			idle = running == 0 && nlive == 0;
			if (eof || nlive >= window)
				break;
			if (!ndjson_ready(&in)) {
				if (!idle)
					break;
				flush_all();	/* before blocking */
				/* Runtimes are served while input is awaited. */
				while (opt.rapi && !ndjson_ready(&in))
					rapi_wait(rapi, -1, ndjson_fd(&in));
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
		input_fd = !eof && nlive < window ? ndjson_fd(&in) : -1;
		wait_next(now, due);
	}
	free(live);
}

/*
 * The SQS event source (--event-source-arn): the queue is common/esm.h's,
 * each batch one invocation run as any other.
 */
static struct esm *esm;
static struct esm_config esmc;

/* Read one queue message into the queue; 0 at the end of input. */
static int
read_message(void)
{
	const char *rec, *why;
	size_t len;
	jv p;

	for (;;) {
		if (ndjson_stop(&in) || !ndjson_next(&in, &rec, &len) ||
		    ndjson_stop(&in))
			return 0;
		p = ndjson_parse(rec, len);
		if (!jv_is_valid(p)) {
			jv msg = jv_invalid_get_msg(p);

			ndjson_bad(&in, "invalid JSON: %s",
			    jv_string_value(msg));
			jv_free(msg);
			continue;
		}
		if ((why = esm_add(esm, p, clock_now_ms())) != NULL) {
			ndjson_bad(&in, "%s", why);
			continue;
		}
		return 1;
	}
}

/* Invoke the function with batch B. */
static void
batch_start(struct esm_batch *b)
{
	struct inv *v = xcalloc(1, sizeof(*v));

	v->batch = b;
	v->payload = (char *)esm_batch_event(b, &v->len);
	v->seq = nextseq++;
	ids_uuid(v->id, v->payload, v->len);
	lambda_trace_id(v->trace, sizeof(v->trace), v->id, clock_now_ms());
	v->enqueued = v->due = clock_now_ms();
	v->slot = -1;
	live[nlive++] = v;
	attempt_start(v);
}

/* Settle the batches whose invocation ended. */
static void
settle_done(void)
{
	size_t i, j;

	for (i = j = 0; i < nlive; i++) {
		struct inv *v = live[i];

		if (v->state != INV_DONE) {
			live[j++] = v;
			continue;
		}
		esm_settle(esm, v->batch, &v->reply, v->id, clock_now_ms());
		v->payload = NULL;	/* the batch's, freed with it */
		inv_free(v);
	}
	nlive = j;
}

/* Until nothing is left: read, expire, take batches, run, settle, wait. */
static void
run_sqs(void)
{
	size_t bound, slots_max = (size_t)opt.concurrency * depth;
	int eof = 0;

	/* Read ahead enough for every slot and one more full batch. */
	bound = (size_t)esmc.batch_size * (slots_max + 1) + 64;
	live = xreallocarray(NULL, slots_max, sizeof(*live));
	for (;;) {
		struct esm_batch *b;
		int64_t now, due;
		int more;

		while (!eof && esm_held(esm) < bound) {
			if (!ndjson_ready(&in)) {
				if (running > 0 || esm_held(esm) > 0)
					break;
				flush_all();	/* before blocking */
				while (opt.rapi && !ndjson_ready(&in))
					rapi_wait(rapi, -1, ndjson_fd(&in));
			}
			if (!read_message())
				eof = 1;
		}
		now = clock_now_ms();
		settle_done();
		esm_expire(esm, now);
		more = !eof && esm_held(esm) < bound && ndjson_ready(&in);
		/* A batch holds its place in live until it is settled. */
		while (nlive < slots_max &&
		    (b = esm_take(esm, now, more, eof)) != NULL)
			batch_start(b);
		if (eof && running == 0 && esm_held(esm) == 0)
			break;
		due = esm_next_due(esm, now);
		input_fd = !eof && esm_held(esm) < bound ? ndjson_fd(&in) : -1;
		wait_next(now, due);
	}
	free(live);
}

/* The counts, which add up: every message deleted or a dead letter. */
static void
sqs_summary(void)
{
	const struct esm_counts *n = esm_counts(esm);

	warnx("%s: %ld message%s: %ld deleted, %ld to the dead-letter queue "
	    "(%ld invocation%s, %ld receive%s)", esm_queue_name(esmc.arn),
	    n->received, n->received == 1 ? "" : "s", n->deleted, n->dead,
	    n->invocations, n->invocations == 1 ? "" : "s", n->receives,
	    n->receives == 1 ? "" : "s");
}

static void
dest_open(struct dest *d, const char *path, const char *bus,
    const char *queue, const char *qopt, int unbuffered)
{
	if (path == NULL && bus == NULL && queue == NULL)
		return;
	if (bus != NULL && queue != NULL)
		errx(EXIT_USAGE, "%s: a destination is a bus or a queue, not "
		    "both", qopt);
	if (queue != NULL)
		d->queue_arn = queue_arn(queue, qopt, 0);
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
	free(d->queue_arn);
}

int
main(int argc, char *argv[])
{
	const char *account = NULL, *region = NULL, *name = NULL;
	const char *okpath = NULL, *failpath = NULL, *okbus = NULL;
	const char *failbus = NULL, *storedir = NULL, *okqueue = NULL;
	const char *failqueue = NULL;
	char **inputs = NULL, *store = NULL, *res, *fname, *qarn = NULL;
	struct rapi_config rc;
	const char *queue = NULL, *why;
	int c, ninputs = 0, unbuffered = 0, keep_going = 0, status, async = 0;
	int esmopt = 0;
	double t;

	diag_init(argv);
	clock_init();
	opt.timeout_ms = 3000;
	opt.memory = 128;
	opt.retries = 2;
	opt.max_age_ms = 21600 * 1000LL;
	opt.limit = LAMBDA_ASYNC_LIMIT;
	opt.concurrency = 1;
	esmc.batch_size = 10;
	esmc.visibility_ms = ESM_VISIBILITY_DEFAULT * 1000;
	esmc.max_receives = ESM_RECEIVES_DEFAULT;
	esmc.payload_limit = LAMBDA_SYNC_LIMIT;
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
			diag_help(usage_text, help_text);
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
			diag_version();
		case OPT_CLOCK:
			clock_option(optarg);
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
		case OPT_SUCCESS_QUEUE: okqueue = optarg; async = 1; break;
		case OPT_FAILURE_QUEUE: failqueue = optarg; async = 1; break;
		case OPT_LIMIT:
			opt.limit = (size_t)num_parse_size(optarg, 1,
			    LAMBDA_ASYNC_LIMIT_MAX, "payload limit");
			async = 1;
			break;
		case OPT_RAPI: opt.rapi = 1; break;
		case OPT_UNORDERED: opt.unordered = 1; break;
		case OPT_ESM_ARN: queue = optarg; break;
		case OPT_BATCH:
			esmc.batch_size = (int)num_parse(optarg, 1,
			    ESM_BATCH_MAX, "batch size");
			esmopt = 1;
			break;
		case OPT_WINDOW:
			esmc.window_ms = num_parse(optarg, 0, ESM_WINDOW_MAX,
			    "maximum batching window") * 1000;
			esmopt = 1;
			break;
		case OPT_RESPONSE_TYPES:
			if (strcmp(optarg, "ReportBatchItemFailures") != 0)
				errx(EXIT_USAGE, "invalid function response "
				    "type '%s' (ReportBatchItemFailures)",
				    optarg);
			esmc.report_failures = 1;
			esmopt = 1;
			break;
		case OPT_VISIBILITY:
			esmc.visibility_ms = num_parse(optarg, 0,
			    ESM_VISIBILITY_MAX, "visibility timeout") * 1000;
			esmopt = 1;
			break;
		case OPT_RECEIVES:
			esmc.max_receives = (int)num_parse(optarg, 1,
			    ESM_RECEIVES_MAX, "maximum receive count");
			esmopt = 1;
			break;
		default:
			diag_usage(usage_text);
		}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		warnx("no handler command");
		diag_usage(usage_text);
	}
	if (async && !opt.event)
		errx(EXIT_USAGE, "retries, event age, payload limit and "
		    "destinations apply to --invocation-type Event only");
	if (opt.quiet && storedir != NULL)
		errx(EXIT_USAGE, "--quiet and --log-store exclude each other");
	if (esmopt && queue == NULL)
		errx(EXIT_USAGE, "batch size, batching window, response types, "
		    "visibility timeout and receive count apply to "
		    "--event-source-arn only");
	if (queue != NULL && (opt.event || async || opt.unordered))
		errx(EXIT_USAGE, "an SQS event source invokes synchronously, "
		    "in its own order and without destinations");
	awsid_init(account, region);
	opt.argv = argv;
	if (queue != NULL) {
		esmc.arn = qarn = queue_arn(queue, "--event-source-arn", 1);
		if ((why = esm_check(&esmc, opt.timeout_ms)) != NULL)
			errx(EXIT_USAGE, "%s", why);
	}

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

	if (!opt.quiet)
		flog = fnlog_new(opt.store, fn_group, opt.memory);
	opt.out = out_stdout(unbuffered);
	dest_open(&opt.ok, okpath, okbus, okqueue, "--on-success-queue",
	    unbuffered);
	dest_open(&opt.fail, failpath, failbus, failqueue,
	    "--on-failure-queue", unbuffered);
	slots = xcalloc((size_t)opt.concurrency, sizeof(*slots));
	window = (size_t)opt.concurrency * 4 + 60;
	pgkill_init(opt.concurrency);
	if (opt.rapi) {
		rc.nenv = opt.concurrency;
		rc.argv = opt.argv;
		rc.timeout_ms = opt.timeout_ms;
		rc.quiet = opt.quiet;
		rc.cpus = lambda_vcpus(opt.memory);
		rc.function_arn = fn_arn;
		rc.runtime_env = runtime_env;
		rc.done = runtime_done;
		rc.arg = NULL;
		rapi = rapi_new(&rc);
		if (opt.quiet)
			depth = RAPI_DEPTH;
	} else
		procs = proc_set_new();
	ndjson_open(&in, ninputs, inputs);
	in.keep_going = keep_going;

	if (queue != NULL) {
		esmc.dlq = opt.out;
		esm = esm_new(&esmc);
		run_sqs();
		sqs_summary();
	} else
		run();

	status = ndjson_status(&in);
	ndjson_close(&in);
	if (opt.rapi)
		rapi_free(rapi);
	proc_set_free(procs);
	fnlog_free(flog);
	dest_close(&opt.ok, NULL);
	dest_close(&opt.fail, &opt.ok);
	out_close(opt.out);
	logstore_close(opt.store);
	free(store);
	free(slots);
	pgkill_free();
	free(inputs);
	free(opt.env);
	free(fn_qarn);
	free(fn_arn);
	free(fn_group);
	free(fname);
	if (esm != NULL && esm_counts(esm)->dead > 0)
		nfailed++;
	esm_free(esm);
	free(qarn);
	if (status == EXIT_OK && (nfailed > 0 || nrejected > 0))
		status = EXIT_NEGATIVE;
	return status;
}
