/*
 * fnlog.c: a Lambda function's log (see fnlog.h).
 */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "exitcode.h"
#include "fnlog.h"
#include "lambda.h"
#include "logstore.h"
#include "sbuf.h"
#include "xalloc.h"

/* The messages of one attempt (each ends with a newline). */
struct logbuf {
	struct sbuf	 text;
	size_t		*ends;		/* end offset of each message */
	size_t		 n, cap;
};

struct fnlog {
	struct logstore	*store;		/* NULL: stderr */
	const char	*group;
	int		 memory_mb;
	struct logbuf	 buf;
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
log_flush(struct fnlog *f, const char *stream, int64_t t0)
{
	struct logbuf *l = &f->buf;
	struct logstore_event *ev;
	size_t i, start = 0;
	int64_t now = clock_now_ms();

	if (l->n == 0)
		goto out;
	if (f->store == NULL) {
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
	if (logstore_put(f->store, f->group, stream, ev, l->n, now) != 0)
		exit(EXIT_USAGE);
	free(ev);
out:
	sbuf_reset(&l->text);
	l->n = 0;
}

struct fnlog *
fnlog_new(struct logstore *store, const char *group, int memory_mb)
{
	struct fnlog *f;

	f = xcalloc(1, sizeof(*f));
	f->store = store;
	f->group = group;
	f->memory_mb = memory_mb;
	return f;
}

void
fnlog_attempt(struct fnlog *f, const char *stream,
    const struct fnlog_attempt *a)
{
	struct logbuf *logs = &f->buf;
	const char *type = a->error_type;
	double ms = (double)a->duration_us / 1000;
	long billed = (a->duration_us + 999) / 1000;
	int64_t t0 = clock_now_ms();

	log_msg(logs, "START RequestId: %s Version: " LAMBDA_VERSION "\n",
	    a->request_id);
	log_output(logs, a->output, a->outlen);
	log_msg(logs, "END RequestId: %s\n", a->request_id);
	sbuf_addf(&logs->text, "REPORT RequestId: %s\tDuration: %.2f ms\t"
	    "Billed Duration: %ld ms\tMemory Size: %d MB\t"
	    "Max Memory Used: %ld MB\t", a->request_id, ms,
	    billed < 1 ? 1 : billed, f->memory_mb,
	    (a->maxrss_kb + 1023) / 1024);
	if (a->init_us >= 0)
		sbuf_addf(&logs->text, "Init Duration: %.2f ms\t",
		    (double)a->init_us / 1000);
	if (type != NULL && strcmp(type, "Sandbox.Timedout") == 0)
		sbuf_adds(&logs->text, "Status: timeout\t");
	else if (type != NULL && strncmp(type, "Runtime.", 8) == 0)
		sbuf_addf(&logs->text, "Status: error\tError Type: %s\t", type);
	sbuf_addc(&logs->text, '\n');
	log_end(logs);
	/* Handlers take no time on a virtual clock. */
	if (!clock_is_virtual())
		t0 -= a->duration_us / 1000;
	log_flush(f, stream, t0);
}

void
fnlog_free(struct fnlog *f)
{
	if (f == NULL)
		return;
	sbuf_free(&f->buf.text);
	free(f->buf.ends);
	free(f);
}
