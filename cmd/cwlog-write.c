/*
 * cwlog-write: append log events to the local CloudWatch Logs store.
 *
 * Input lines that are EventBridge events are logged the way the
 * CloudWatch Logs target logs them: the message is the event's own
 * bytes, the timestamp its time, and each event gets its own stream,
 * named by a UUID derived from the event (unless --log-stream names
 * one).  Any other line, JSON or plain text, becomes a message stamped
 * with the current time or with the field --timestamp-field names.
 * PutLogEvents' rules apply per event: a rejected event is reported with
 * its location and AWS's reason, the others are written, and the exit
 * status is 1.  Events are appended in batches under the group's lock
 * (see logstore.h), each batch flushed before the writer would wait for
 * more input.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "exitcode.h"
#include "jsonraw.h"
#include "logstore.h"
#include "ndjson.h"
#include "num.h"
#include "out.h"
#include "pattern.h"
#include "rfc3339.h"
#include "sbuf.h"
#include "scan.h"
#include "version.h"
#include "xalloc.h"

enum { OPT_OLD_EVENTS = 256, OPT_RETENTION, OPT_SEGMENT, OPT_SYNC };

static const char optstring[] = "+e:f:g:hkm:n:s:tuV";
static const struct option longopts[] = {
	{ "errors",		required_argument, NULL, 'e' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "keep-going",		no_argument,	   NULL, 'k' },
	{ "log-group",		required_argument, NULL, 'g' },
	{ "log-stream",		required_argument, NULL, 'n' },
	{ "max-size",		required_argument, NULL, 'm' },
	{ "old-events",		required_argument, NULL, OPT_OLD_EVENTS },
	{ "retention-days",	required_argument, NULL, OPT_RETENTION },
	{ "segment-size",	required_argument, NULL, OPT_SEGMENT },
	{ "store",		required_argument, NULL, 's' },
	{ "sync",		no_argument,	   NULL, OPT_SYNC },
	{ "tee",		no_argument,	   NULL, 't' },
	{ "timestamp-field",	required_argument, NULL, 'f' },
	{ "unbuffered",		no_argument,	   NULL, 'u' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ NULL,			0,		   NULL, 0 }
};

static const char usage_text[] =
    "usage: cwlog-write [-hktuV] [-e file] [-f field] [-m bytes]\n"
    "                   [-n log-stream] [-s store] [--old-events how]\n"
    "                   [--retention-days days] [--segment-size bytes]\n"
    "                   [--sync] -g log-group [file ...]\n";

static const char help_text[] =
    "Append log events to the local CloudWatch Logs store.\n"
    "\n"
    "  -e, --errors FILE        rejected events go to FILE as NDJSON\n"
    "  -f, --timestamp-field F  stamp non-event JSON lines with field F\n"
    "                           (ms since the epoch or an RFC 3339 time;\n"
    "                           a dotted path such as meta.time)\n"
    "  -g, --log-group NAME     the log group (created when missing)\n"
    "  -h, --help               print this help and exit\n"
    "  -k, --keep-going         report malformed lines and go on (exit 4)\n"
    "  -m, --max-size BYTES     event size limit, message + 26 bytes:\n"
    "                           1048576 (1M, default) or less, e.g. 256K\n"
    "  -n, --log-stream NAME    write every event to this stream (default:\n"
    "                           one stream per event, named by a UUID of\n"
    "                           the event; other lines: stream 'cwlog-write')\n"
    "      --old-events HOW     events older than 14 days or than the\n"
    "                           retention: reject (default, as AWS),\n"
    "                           keep (store with their own time; not past\n"
    "                           the retention) or now (re-stamp them with\n"
    "                           the time they are read), for replays\n"
    "      --retention-days N   set the group's retention (1, 3, 5, 7, 14,\n"
    "                           30, 60, 90, 120, 150, 180, 365, 400, 545,\n"
    "                           731, 1096, 1827, 2192, 2557, 2922, 3288,\n"
    "                           3653)\n"
    "      --segment-size BYTES start a new segment file of the group\n"
    "                           past this size (default 64M)\n"
    "  -s, --store DIR          the log store (EDAKIT_LOG_STORE, else\n"
    "                           $XDG_STATE_HOME/edakit/logs or\n"
    "                           ~/.local/state/edakit/logs)\n"
    "      --sync               fsync each batch before reading on\n"
    "  -t, --tee                also copy the input to stdout\n"
    "  -u, --unbuffered         flush stdout and the store per record\n"
    "  -V, --version            print the version and exit\n"
    "\n"
    "EDAKIT_DETERMINISTIC=1 fixes the clock for golden tests.\n";

#define DEFAULT_STREAM	"cwlog-write"

static struct {
	const char	*group, *stream;
	char		**field;	/* --timestamp-field path */
	size_t		 nfield;
	size_t		 limit;
	long		 retention;
	enum { OLD_REJECT, OLD_KEEP, OLD_NOW } old;
	int		 sync, tee, unbuffered;
} opt;

static struct ndjson in;
static struct logstore *store;
static struct logstore_writer *writer;	/* of opt.group */
static struct out *out, *errs;
static long nrejected;

/* A failed store write: nothing more can be trusted, exit 2. */
static void
store_failed(void)
{
	if (writer != NULL) {
		logstore_writer_close(writer);	/* already reported */
		writer = NULL;
	}
	logstore_close(store);
	ndjson_close(&in);
	exit(EXIT_USAGE);
}

/*
 * Write the batch, unless it may grow: more input can be read at once,
 * so waiting for it delays no reader of the store.
 */
static void
flush_batch(int force)
{
	if (logstore_pending_events(writer) == 0)
		return;
	if (!force && logstore_pending_events(writer) <
	    LOGSTORE_BATCH_EVENTS && logstore_pending(writer) <
	    LOGSTORE_EVENT_MAX && ndjson_ready(&in))
		return;
	if (logstore_flush(writer) != 0)
		store_failed();
}

/*
 * Report a rejected event, as PutLogEvents' answer for it: on stderr, or
 * with --errors as an NDJSON record with its location.
 */
static void
reject(enum logstore_check c, const struct logstore_event *ev)
{
	struct sbuf b = SBUF_INIT, m = SBUF_INIT;
	char t[RFC3339_BUFSZ];
	int index = c == LOGSTORE_TOO_NEW ? 0 : 1;

	nrejected++;
	rfc3339_fmt_ms(ev->timestamp, t);
	if (c == LOGSTORE_TOO_LARGE)
		sbuf_addf(&m, "%s: %zu bytes exceeds limit of %zu",
		    logstore_reject_text(c), ev->len + LOGSTORE_EVENT_OVERHEAD,
		    opt.limit);
	else if (c == LOGSTORE_EMPTY)
		sbuf_adds(&m, logstore_reject_text(c));
	else
		sbuf_addf(&m, "timestamp %s: %s", t, logstore_reject_text(c));
	if (errs == NULL) {
		if (c == LOGSTORE_TOO_LARGE || c == LOGSTORE_EMPTY)
			diag_loc(in.name, in.lineno, "log event rejected "
			    "(%s): %s", logstore_reject_name(c), m.buf);
		else
			diag_loc(in.name, in.lineno, "log event rejected "
			    "(rejectedLogEventsInfo.%s: %d): %s%s",
			    logstore_reject_name(c), index, m.buf,
			    c == LOGSTORE_TOO_OLD ? " (--old-events keep or "
			    "now stores it)" : c == LOGSTORE_EXPIRED ?
			    " (--old-events now stores it)" : "");
		goto out;
	}
	sbuf_adds(&b, "{\"Location\":");
	jsonraw_quote(&b, in.name, strlen(in.name));
	sbuf_addf(&b, ",\"Line\":%ld,", in.lineno);
	if (c == LOGSTORE_TOO_LARGE || c == LOGSTORE_EMPTY)
		sbuf_addf(&b, "\"ErrorCode\":\"%s\"", logstore_reject_name(c));
	else
		sbuf_addf(&b, "\"rejectedLogEventsInfo\":{\"%s\":%d}",
		    logstore_reject_name(c), index);
	sbuf_adds(&b, ",\"ErrorMessage\":");
	jsonraw_quote(&b, m.buf, m.len);
	sbuf_addc(&b, '}');
	out_line(errs, b.buf, b.len);
out:
	sbuf_free(&b);
	sbuf_free(&m);
}

/*
 * Log one event to STREAM, received at NOW.
 * --old-events decides what happens to an event too old for AWS.
 */
static void
put(const char *stream, struct logstore_event *ev, int64_t now)
{
	enum logstore_check c;

	c = logstore_check(ev, now, opt.retention, opt.limit);
	if (c == LOGSTORE_TOO_OLD && opt.old == OLD_KEEP)
		c = LOGSTORE_OK;
	else if ((c == LOGSTORE_TOO_OLD || c == LOGSTORE_EXPIRED) &&
	    opt.old == OLD_NOW) {
		ev->timestamp = now;
		c = LOGSTORE_OK;
	}
	if (c != LOGSTORE_OK) {
		reject(c, ev);
		return;
	}
	logstore_add(writer, stream, ev, now);
}

/*
 * When the current record arrived: the clock is read once for each read
 * of the input, since what one read brings arrived at once.
 */
static int64_t
received(void)
{
	static unsigned long reads;
	static int64_t now = -1;

	if (now == -1 || in.reads != reads) {
		reads = in.reads;
		now = clock_now_ms();
	}
	return now;
}

/* Milliseconds from a timestamp value: a number or an RFC 3339 text. */
static int
time_of(jv v, int64_t *ms)
{
	double d;
	int r = -1;

	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		d = jv_number_value(v);
		if (d >= 0 && d < 1e17) {
			*ms = (int64_t)d;
			r = 0;
		}
	} else if (jv_get_kind(v) == JV_KIND_STRING)
		r = rfc3339_parse(jv_string_value(v),
		    (size_t)jv_string_length_bytes(jv_copy(v)), ms);
	jv_free(v);
	return r;
}

/*
 * The message of a record: its bytes, or made compact (in B) when it is a
 * pretty-printed document of several lines.
 */
static void
message_of(struct logstore_event *ev, const char *rec, size_t len,
    struct sbuf *b)
{
	if (in.multiline) {
		jsonraw_minify(b, rec, len);
		rec = b->buf;
		len = b->len;
	}
	ev->message = rec;
	ev->len = len;
}

/* The validating scanner of events (no paths: it keeps nothing). */
static struct scanner *scanner;
static struct pathtab *nopaths;
static struct fields nofields;

/*
 * The time of an event, as libjq would read it but without building its
 * value (most of cwlog-write's time went to that): the common case, a
 * JSON object whose "time" (the last, when repeated) is a string without
 * escapes, is read as bytes; anything else takes libjq's path, which
 * also words the errors.  0, or -1 once the line is reported.
 */
static int
event_time(const char *rec, size_t len, int64_t *ms)
{
	const char *serr, *t;
	size_t off, n;
	jv v, tv;

	if (scan_event(scanner, rec, len, &nofields, &serr, &off) == 0 &&
	    jsonraw_member(rec, len, "time", &t, &n) == 0 && n >= 2 &&
	    t[0] == '"' && memchr(t, '\\', n) == NULL) {
		if (rfc3339_parse(t + 1, n - 2, ms) == 0)
			return 0;
		ndjson_bad(&in, "event time is not an RFC 3339 time");
		return -1;
	}
	v = ndjson_parse(rec, len);
	if (!jv_is_valid(v)) {
		jv msg = jv_invalid_get_msg(v);

		ndjson_bad(&in, "invalid JSON: %s", jv_string_value(msg));
		jv_free(msg);
		return -1;
	}
	tv = jv_get_kind(v) == JV_KIND_OBJECT ?
	    jv_object_get(jv_copy(v), jv_string("time")) : jv_invalid();
	jv_free(v);
	if (jv_get_kind(tv) != JV_KIND_STRING || time_of(tv, ms)) {
		if (jv_get_kind(tv) != JV_KIND_STRING)
			jv_free(tv);
		ndjson_bad(&in, "event time is not an RFC 3339 time");
		return -1;
	}
	return 0;
}

/* An EventBridge event: its own stream, its own time. */
static void
log_event(const char *rec, size_t len)
{
	struct logstore_event ev;
	struct sbuf b = SBUF_INIT;
	char id[UUID_BUFSZ];

	if (event_time(rec, len, &ev.timestamp) != 0)
		return;
	message_of(&ev, rec, len, &b);
	if (opt.stream != NULL)
		put(opt.stream, &ev, received());
	else {
		/* The observed streams are UUIDs of version-3 form. */
		ids_uuid_of(id, ev.message, ev.len);
		id[14] = '3';
		put(id, &ev, received());
	}
	sbuf_free(&b);
}

/* Any other line: now, or the chosen field's time. */
static void
log_line(const char *rec, size_t len)
{
	struct logstore_event ev;
	struct sbuf b = SBUF_INIT;
	int64_t now = received();
	size_t i;
	jv v;

	ev.timestamp = now;
	if (opt.field != NULL) {
		v = ndjson_parse(rec, len);
		for (i = 0; i < opt.nfield && jv_is_valid(v); i++)
			v = jv_get_kind(v) == JV_KIND_OBJECT ?
			    jv_object_get(v, jv_string(opt.field[i])) :
			    (jv_free(v), jv_invalid());
		if (!jv_is_valid(v) || time_of(v, &ev.timestamp) != 0) {
			if (!jv_is_valid(v))
				jv_free(v);
			ndjson_bad(&in, "no usable timestamp field '%s'",
			    opt.field[0]);
			return;
		}
	}
	message_of(&ev, rec, len, &b);
	put(opt.stream != NULL ? opt.stream : DEFAULT_STREAM, &ev, now);
	sbuf_free(&b);
}

/*
 * 1 when the record is meant as an EventBridge event: an object with a
 * top-level "detail-type" (checked on the bytes; parsed only then).
 */
static int
looks_like_event(const char *rec, size_t len)
{
	const char *end = rec + len, *p = jsonraw_ws(rec, end), *val, *d;
	size_t vlen;

	if (p >= end || *p != '{')
		return 0;
	/*
	 * A quick look for the key's text first, by its '-' (rare in log
	 * lines; memchr is fast).
	 */
	for (d = p; (d = memchr(d + 1, '-', (size_t)(end - d - 1))) != NULL;)
		if (d - p >= 7 && end - d >= 6 && memcmp(d - 7, "\"detail",
		    7) == 0 && memcmp(d + 1, "type\"", 5) == 0)
			break;
	if (d == NULL)
		return 0;
	return jsonraw_member(rec, len, "detail-type", &val, &vlen) == 0;
}

/* Split a dotted field path into opt.field. */
static void
field_path(const char *arg)
{
	char *s, *p;

	s = xstrdup(arg);
	for (p = strtok(s, "."); p != NULL; p = strtok(NULL, ".")) {
		opt.field = xreallocarray(opt.field, opt.nfield + 1,
		    sizeof(*opt.field));
		opt.field[opt.nfield++] = xstrdup(p);
	}
	free(s);
	if (opt.nfield == 0)
		errx(EXIT_USAGE, "invalid timestamp field '%s'", arg);
}

int
main(int argc, char *argv[])
{
	const char *storearg = NULL, *errfile = NULL, *rec, *why;
	int c, keep_going = 0, status;
	long retention = -1;
	long long segmax = 0;
	char *dir;
	size_t len, i;

	diag_init(argv);
	clock_init();
	opt.limit = LOGSTORE_EVENT_MAX;
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1)
		switch (c) {
		case 'e': errfile = optarg; break;
		case 'f': field_path(optarg); break;
		case 'g':
			if (!logstore_group_ok(optarg, &why))
				errx(EXIT_USAGE, "invalid log group name "
				    "'%s': %s", optarg, why);
			opt.group = optarg;
			break;
		case 'h':
			diag_help(usage_text, help_text);
		case 'k': keep_going = 1; break;
		case 'm':
			opt.limit = (size_t)num_parse_size(optarg,
			    LOGSTORE_EVENT_OVERHEAD + 1, LOGSTORE_EVENT_MAX,
			    "size");
			break;
		case 'n':
			if (!logstore_stream_ok(optarg, &why))
				errx(EXIT_USAGE, "invalid log stream name "
				    "'%s': %s", optarg, why);
			opt.stream = optarg;
			break;
		case 's': storearg = optarg; break;
		case 't': opt.tee = 1; break;
		case 'u': opt.unbuffered = 1; break;
		case 'V':
			diag_version();
		case OPT_RETENTION:
			retention = (long)num_parse(optarg, 1, 3653,
			    "retention");
			if (!logstore_retention_ok(retention))
				errx(EXIT_USAGE, "invalid retention '%s': "
				    "not a value AWS allows", optarg);
			break;
		case OPT_OLD_EVENTS:
			if (strcmp(optarg, "reject") == 0)
				opt.old = OLD_REJECT;
			else if (strcmp(optarg, "keep") == 0)
				opt.old = OLD_KEEP;
			else if (strcmp(optarg, "now") == 0)
				opt.old = OLD_NOW;
			else
				errx(EXIT_USAGE, "invalid --old-events '%s': "
				    "use reject, keep or now", optarg);
			break;
		case OPT_SEGMENT:
			segmax = num_parse_size(optarg, 1, 1LL << 40,
			    "segment size");
			break;
		case OPT_SYNC: opt.sync = 1; break;
		default:
			diag_usage(usage_text);
		}
	argc -= optind;
	argv += optind;
	if (opt.group == NULL) {
		warnx("a log group is required (--log-group)");
		diag_usage(usage_text);
	}

	dir = logstore_dir(storearg);
	store = logstore_open(dir, 1);
	free(dir);
	if (store == NULL)
		exit(EXIT_USAGE);
	if (retention > 0 &&
	    logstore_set_retention(store, opt.group, retention) != 0)
		store_failed();
	if (logstore_group_create(store, opt.group) != 0)
		store_failed();
	if ((opt.retention = logstore_retention(store, opt.group)) < 0) {
		warnx("log group '%s': unreadable settings", opt.group);
		store_failed();
	}
	if (segmax > 0)
		logstore_set_segment_max(store, (off_t)segmax);
	if ((writer = logstore_writer_open(store, opt.group, opt.sync)) ==
	    NULL)
		store_failed();
	if (opt.stream != NULL)
		logstore_stream_create(writer, opt.stream, clock_now_ms());

	out = opt.tee ? out_stdout(opt.unbuffered) : NULL;
	if (errfile != NULL)
		errs = out_open(errfile, opt.unbuffered);
	nopaths = pathtab_new();
	scanner = scan_new(nopaths);
	fields_init(&nofields, nopaths);
	ndjson_open(&in, argc, argv);
	in.keep_going = keep_going;
	while (ndjson_next(&in, &rec, &len)) {
		if (looks_like_event(rec, len))
			log_event(rec, len);
		else
			log_line(rec, len);
		if (out != NULL)
			out_line(out, rec, len);
		flush_batch(opt.unbuffered);
	}
	flush_batch(1);
	status = ndjson_status(&in);
	ndjson_close(&in);
	if (logstore_writer_close(writer) != 0)
		status = EXIT_USAGE;
	logstore_close(store);
	scan_free(scanner);
	fields_free(&nofields);
	pathtab_free(nopaths);
	for (i = 0; i < opt.nfield; i++)
		free(opt.field[i]);
	free(opt.field);
	if (errs != NULL)
		out_close(errs);
	if (out != NULL)
		out_close(out);
	if (status == EXIT_OK && nrejected > 0)
		status = EXIT_NEGATIVE;
	return status;
}
