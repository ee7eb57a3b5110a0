/*
 * ebus-put: turn PutEvents entries into the events an EventBridge bus
 * receives.
 *
 * Each input record is a PutEvents request: one entry object, or an array
 * of up to 10 entries (the AWS CLI's entries file).  With --source and
 * --detail-type each record is a bare detail object instead.  Records that
 * already are events pass through unchanged, or are re-emitted with a
 * replay-name for --replay.  Entries are checked as AWS checks them; a
 * rejected entry is reported in the PutEvents result-entry shape with its
 * location and never stops the valid entries around it.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "awsid.h"
#include "clock.h"
#include "diag.h"
#include "entry.h"
#include "exitcode.h"
#include "jsonraw.h"
#include "ndjson.h"
#include "num.h"
#include "out.h"
#include "rfc3339.h"
#include "sbuf.h"
#include "version.h"
#include "xalloc.h"

enum { OPT_START = 256, OPT_END, OPT_OTHER };

static const char optstring[] = "+a:b:d:e:hkm:r:R:s:t:T:uVx";
static const struct option longopts[] = {
	{ "account",		required_argument, NULL, 'a' },
	{ "bus",		required_argument, NULL, 'b' },
	{ "detail-type",	required_argument, NULL, 'd' },
	{ "end",		required_argument, NULL, OPT_END },
	{ "errors",		required_argument, NULL, 'e' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "keep-going",		no_argument,	   NULL, 'k' },
	{ "max-size",		required_argument, NULL, 'm' },
	{ "other-buses",	required_argument, NULL, OPT_OTHER },
	{ "region",		required_argument, NULL, 'r' },
	{ "replay",		required_argument, NULL, 'R' },
	{ "resources",		required_argument, NULL, 'x' },
	{ "response",		no_argument,	   NULL, 'p' },
	{ "source",		required_argument, NULL, 's' },
	{ "start",		required_argument, NULL, OPT_START },
	{ "time",		required_argument, NULL, 'T' },
	{ "unbuffered",		no_argument,	   NULL, 'u' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ NULL,			0,		   NULL, 0 }
};

static const char usage_text[] =
    "usage: ebus-put [-hkuV] [-a account] [-b bus] [-e file] [-m bytes]\n"
    "                [-r region] [-s source -d detail-type] [-T time]\n"
    "                [--resources arn] [--response] [--other-buses file]\n"
    "                [-R replay-name] [--start time] [--end time] [file ...]\n";

static const char help_text[] =
    "Turn PutEvents entries into the EventBridge events a bus receives.\n"
    "\n"
    "  -a, --account ID        account of the events (AWS_ACCOUNT_ID)\n"
    "  -b, --bus NAME          the bus this stream is (default: default)\n"
    "  -d, --detail-type TYPE  input lines are bare details of this type\n"
    "  -e, --errors FILE       rejected entries go to FILE as NDJSON\n"
    "  -h, --help              print this help and exit\n"
    "  -k, --keep-going        report malformed lines and go on (exit 4)\n"
    "  -m, --max-size BYTES    request size limit: 262144 (default) to\n"
    "                          1048576 (1M, AWS's 2026 limit)\n"
    "      --other-buses FILE  events for other buses go to FILE\n"
    "  -r, --region REGION     region of the events (AWS_REGION)\n"
    "  -R, --replay NAME       re-emit input events with replay-name NAME\n"
    "      --resources ARN     add ARN to resources of bare details\n"
    "                          (repeatable)\n"
    "      --response          print put-events responses, not events\n"
    "  -s, --source SOURCE     input lines are bare details from SOURCE\n"
    "      --start TIME        only events with time >= TIME\n"
    "      --end TIME          only events with time < TIME\n"
    "  -T, --time TIME         Time of bare details\n"
    "  -u, --unbuffered        flush after every record\n"
    "  -V, --version           print the version and exit\n"
    "\n"
    "EDAKIT_DETERMINISTIC=1 fixes ids and the clock for golden tests.\n";

static struct {
	const char	*bus;
	const char	*source, *dtype, *time;
	const char	*replay;
	jv		 resources;	/* for bare details */
	int64_t		 start, end;
	int		 has_start, has_end;
	size_t		 limit;
	int		 response;
	struct out	*out, *errs, *other;
} opt;

static struct ndjson in;
static long nrejected, ndropped, nrecords;
static size_t nbytes;

static int64_t
time_arg(const char *s, const char *what)
{
	int64_t t;

	if (rfc3339_parse(s, strlen(s), &t) != 0)
		errx(EXIT_USAGE, "invalid %s '%s'", what, s);
	return t;
}

/* Report one rejected entry (or, with index -1, a whole request). */
static void
reject(long index, long n, const char *code, const char *message)
{
	struct sbuf b = SBUF_INIT;
	char loc[64];

	nrejected++;
	if (opt.errs != NULL) {
		sbuf_adds(&b, "{\"Location\":");
		jsonraw_quote(&b, in.name, strlen(in.name));
		sbuf_addf(&b, ",\"Line\":%ld", in.lineno);
		if (index >= 0)
			sbuf_addf(&b, ",\"EntryIndex\":%ld", index);
		sbuf_adds(&b, ",\"ErrorCode\":");
		jsonraw_quote(&b, code, strlen(code));
		sbuf_adds(&b, ",\"ErrorMessage\":");
		jsonraw_quote(&b, message, strlen(message));
		sbuf_addc(&b, '}');
		out_line(opt.errs, b.buf, b.len);
	} else if (index < 0) {
		diag_loc(in.name, in.lineno, "An error occurred (%s) when "
		    "calling the PutEvents operation: %s", code, message);
	} else {
		sbuf_adds(&b, "{\"ErrorCode\":");
		jsonraw_quote(&b, code, strlen(code));
		sbuf_adds(&b, ",\"ErrorMessage\":");
		jsonraw_quote(&b, message, strlen(message));
		sbuf_addc(&b, '}');
		loc[0] = '\0';
		if (n > 1)
			snprintf(loc, sizeof(loc), "entry %ld: ", index);
		diag_loc(in.name, in.lineno, "%s%s", loc, b.buf);
	}
	sbuf_free(&b);
}

/* One entry of a request, with where its JSON text is. */
struct req_entry {
	jv		 v;
	const char	*raw;
	size_t		 rawlen;
	struct sbuf	 event;
	char		 id[UUID_BUFSZ];
	struct entry_err err;
	int		 failed;
};

/* Write an accepted event to the stream of its bus. */
static void
deliver(struct req_entry *e)
{
	jv bus;

	if (entry_bus_is(e->v, opt.bus)) {
		out_line(opt.out, e->event.buf, e->event.len);
		return;
	}
	if (opt.other != NULL) {
		out_line(opt.other, e->event.buf, e->event.len);
		return;
	}
	ndropped++;
	bus = jv_object_get(jv_copy(e->v), jv_string("EventBusName"));
	diag_loc(in.name, in.lineno, "event %s for event bus '%s' dropped: "
	    "this stream is bus '%s' (see --other-buses)", e->id,
	    jv_get_kind(bus) == JV_KIND_STRING &&
	    jv_string_value(bus)[0] != '\0' ? jv_string_value(bus) :
	    "default", opt.bus);
	jv_free(bus);
}

static void
respond(struct req_entry *es, long n)
{
	struct sbuf b = SBUF_INIT;
	long i, failed = 0;

	for (i = 0; i < n; i++)
		failed += es[i].failed;
	sbuf_addf(&b, "{\"FailedEntryCount\":%ld,\"Entries\":[", failed);
	for (i = 0; i < n; i++) {
		if (i > 0)
			sbuf_addc(&b, ',');
		if (es[i].failed) {
			sbuf_adds(&b, "{\"ErrorCode\":");
			jsonraw_quote(&b, es[i].err.code,
			    strlen(es[i].err.code));
			sbuf_adds(&b, ",\"ErrorMessage\":");
			jsonraw_quote(&b, es[i].err.message,
			    strlen(es[i].err.message));
			sbuf_addc(&b, '}');
		} else
			sbuf_addf(&b, "{\"EventId\":\"%s\"}", es[i].id);
	}
	sbuf_adds(&b, "]}");
	out_line(opt.out, b.buf, b.len);
	sbuf_free(&b);
}

/*
 * One PutEvents request.  The entries (owned) are checked in AWS's order:
 * fields, then the request's size, then the detail; a malformed entry
 * makes the whole record malformed, as the CLI would refuse it.
 */
static void
put_request(struct req_entry *es, long n)
{
	const char *bad = NULL;
	size_t total = 0;
	long i;

	if (n == 0 || n > ENTRY_BATCH_MAX) {
		reject(-1, n, "ValidationException", n == 0 ?
		    "1 validation error detected: Value '[]' at 'entries' "
		    "failed to satisfy constraint: Member must have length "
		    "greater than or equal to 1" :
		    "1 validation error detected: Value at 'entries' failed "
		    "to satisfy constraint: Member must have length less "
		    "than or equal to 10");
		return;
	}
	for (i = 0; i < n; i++)
		if ((bad = entry_shape(es[i].v)) != NULL) {
			if (n > 1)
				ndjson_bad(&in, "entry %ld: %s", i, bad);
			else
				ndjson_bad(&in, "%s", bad);
			return;
		}
	for (i = 0; i < n; i++) {
		es[i].failed = entry_check_fields(es[i].v, &es[i].err) != 0;
		if (!es[i].failed)
			total += entry_size(es[i].v, es[i].raw, es[i].rawlen);
	}
	if (total >= opt.limit) {
		reject(-1, n, "ValidationException", ENTRY_SIZE_MESSAGE);
		return;
	}
	for (i = 0; i < n; i++) {
		if (es[i].failed)
			continue;
		ids_uuid(es[i].id, es[i].raw, es[i].rawlen);
		switch (entry_event(es[i].v, es[i].raw, es[i].rawlen,
		    es[i].id, clock_now_ms(), jv_invalid(), &es[i].event,
		    &es[i].err, &bad)) {
		case -1:
			if (n > 1)
				ndjson_bad(&in, "entry %ld: %s", i, bad);
			else
				ndjson_bad(&in, "%s", bad);
			return;
		case 1:
			es[i].failed = 1;
			break;
		}
	}
	for (i = 0; i < n; i++)
		if (es[i].failed)
			reject(i, n, es[i].err.code, es[i].err.message);
	if (opt.response)
		respond(es, n);
	else
		for (i = 0; i < n; i++)
			if (!es[i].failed)
				deliver(&es[i]);
}

static void
put_entries(jv v, const char *rec, size_t len)
{
	struct req_entry *es;
	const char *it = NULL, *el;
	size_t ellen;
	long n, i;

	n = jv_get_kind(v) == JV_KIND_ARRAY ? jv_array_length(jv_copy(v)) : 1;
	es = xcalloc((size_t)n, sizeof(*es));
	if (jv_get_kind(v) == JV_KIND_ARRAY) {
		for (i = 0; i < n && jsonraw_next(rec, len, &it, &el, &ellen);
		    i++) {
			es[i].v = jv_array_get(jv_copy(v), (int)i);
			es[i].raw = el;
			es[i].rawlen = ellen;
		}
		for (; i < n; i++)
			es[i].v = jv_array_get(jv_copy(v), (int)i);
	} else {
		es[0].v = jv_copy(v);
		es[0].raw = rec;
		es[0].rawlen = len;
	}
	put_request(es, n);
	for (i = 0; i < n; i++) {
		jv_free(es[i].v);
		sbuf_free(&es[i].event);
	}
	free(es);
	jv_free(v);
}

/*
 * A bare detail object: wrap it as an entry for the bus this stream is,
 * keeping its bytes.
 */
static void
put_detail(jv v, const char *rec, size_t len)
{
	struct sbuf raw = SBUF_INIT;
	jv e;

	e = JV_OBJECT(jv_string("Source"), jv_string(opt.source),
	    jv_string("DetailType"), jv_string(opt.dtype),
	    jv_string("Detail"), v,
	    jv_string("EventBusName"), jv_string(opt.bus));
	if (jv_get_kind(opt.resources) == JV_KIND_ARRAY)
		e = jv_object_set(e, jv_string("Resources"),
		    jv_copy(opt.resources));
	if (opt.time != NULL)
		e = jv_object_set(e, jv_string("Time"), jv_string(opt.time));
	sbuf_adds(&raw, "{\"Detail\":");
	sbuf_add(&raw, rec, len);
	sbuf_addc(&raw, '}');
	put_entries(e, raw.buf, raw.len);
	sbuf_free(&raw);
}

static const char *const envelope[] = {
	"version", "id", "detail-type", "source", "account", "time", "region",
	"resources", "detail"
};

/* An event: check the envelope, select by time, pass or replay it. */
static void
put_event(jv v, const char *rec, size_t len)
{
	struct sbuf b = SBUF_INIT;
	const char *p;
	int64_t t;
	size_t i;
	jv x;

	for (i = 0; i < sizeof(envelope) / sizeof(envelope[0]); i++)
		if (!jv_object_has(jv_copy(v), jv_string(envelope[i]))) {
			ndjson_bad(&in, "event lacks '%s'", envelope[i]);
			goto out;
		}
	x = jv_object_get(jv_copy(v), jv_string("time"));
	if (jv_get_kind(x) != JV_KIND_STRING || rfc3339_parse(
	    jv_string_value(x), (size_t)jv_string_length_bytes(jv_copy(x)),
	    &t) != 0) {
		jv_free(x);
		ndjson_bad(&in, "event time is not an RFC 3339 time");
		goto out;
	}
	jv_free(x);
	if ((opt.has_start && t < opt.start) || (opt.has_end && t >= opt.end))
		goto out;
	if (opt.replay != NULL &&
	    jv_object_has(jv_copy(v), jv_string("replay-name")))
		goto out;	/* replayed events are never replayed again */
	if (in.multiline)
		jsonraw_minify(&b, rec, len);
	else
		sbuf_add(&b, rec, len);
	if (opt.replay != NULL) {
		for (p = b.buf + b.len; p > b.buf && p[-1] != '}'; p--)
			;
		b.len = (size_t)(p - b.buf) - 1;
		sbuf_adds(&b, ",\"replay-name\":");
		jsonraw_quote(&b, opt.replay, strlen(opt.replay));
		sbuf_addc(&b, '}');
	}
	if (opt.response) {
		x = jv_object_get(jv_copy(v), jv_string("id"));
		sbuf_reset(&b);
		sbuf_adds(&b, "{\"FailedEntryCount\":0,\"Entries\":[{"
		    "\"EventId\":");
		if (jv_get_kind(x) == JV_KIND_STRING)
			jsonraw_quote(&b, jv_string_value(x),
			    (size_t)jv_string_length_bytes(jv_copy(x)));
		else
			sbuf_adds(&b, "null");
		sbuf_adds(&b, "}]}");
		jv_free(x);
	}
	out_line(opt.out, b.buf, b.len);
out:
	sbuf_free(&b);
	jv_free(v);
}

/*
 * Replay progress on a terminal: records, bytes, rate.  It measures real
 * elapsed time, whatever the program's clock says.
 */
static void
progress(int final)
{
	static int64_t t0, last;
	int64_t now;
	double secs;

	if (opt.replay == NULL || !isatty(STDERR_FILENO))
		return;
	now = clock_mono_us() / 1000;
	if (t0 == 0)
		t0 = last = now;
	if (!final && now - last < 500)
		return;
	last = now;
	secs = (double)(now - t0) / 1000;
	fprintf(stderr, "\r%s: replay %s: %ld records, %.1f MB, %.0f "
	    "records/s", diag_prog(), opt.replay, nrecords,
	    (double)nbytes / 1e6, secs > 0 ? (double)nrecords / secs : 0.0);
	if (final)
		fputc('\n', stderr);
}

int
main(int argc, char *argv[])
{
	const char *account = NULL, *region = NULL, *errfile = NULL,
	    *otherfile = NULL, *rec;
	int c, unbuffered = 0, keep_going = 0, status;
	size_t len;
	jv v;

	diag_init(argv);
	clock_init();
	opt.bus = "default";
	opt.limit = ENTRY_SIZE_LIMIT;
	opt.resources = jv_invalid();
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1)
		switch (c) {
		case 'a': account = optarg; break;
		case 'b':
			if (!awsid_name_ok(optarg, 256, "/"))
				errx(EXIT_USAGE, "invalid bus name '%s'",
				    optarg);
			opt.bus = optarg;
			break;
		case 'd': opt.dtype = optarg; break;
		case 'e': errfile = optarg; break;
		case 'h':
			diag_help(usage_text, help_text);
		case 'k': keep_going = 1; break;
		case 'm':
			opt.limit = (size_t)num_parse_size(optarg, 1,
			    ENTRY_SIZE_LIMIT_MAX, "size");
			break;
		case 'p': opt.response = 1; break;
		case 'r': region = optarg; break;
		case 'R':
			if (!awsid_name_ok(optarg, 64, NULL))
				errx(EXIT_USAGE, "invalid replay name '%s'",
				    optarg);
			opt.replay = optarg;
			break;
		case 's': opt.source = optarg; break;
		case 'T':
			time_arg(optarg, "time");
			opt.time = optarg;
			break;
		case 'u': unbuffered = 1; break;
		case 'V':
			diag_version();
		case 'x':
			if (jv_get_kind(opt.resources) != JV_KIND_ARRAY)
				opt.resources = jv_array();
			opt.resources = jv_array_append(opt.resources,
			    jv_string(optarg));
			break;
		case OPT_START:
			opt.start = time_arg(optarg, "start time");
			opt.has_start = 1;
			break;
		case OPT_END:
			opt.end = time_arg(optarg, "end time");
			opt.has_end = 1;
			break;
		case OPT_OTHER: otherfile = optarg; break;
		default:
			diag_usage(usage_text);
		}
	argc -= optind;
	argv += optind;
	if ((opt.source == NULL) != (opt.dtype == NULL))
		errx(EXIT_USAGE, "--source and --detail-type go together");
	awsid_init(account, region);

	opt.out = out_stdout(unbuffered);
	if (errfile != NULL)
		opt.errs = out_open(errfile, unbuffered);
	if (otherfile != NULL)
		opt.other = out_open(otherfile, unbuffered);
	ndjson_open(&in, argc, argv);
	in.keep_going = keep_going;
	while (ndjson_next(&in, &rec, &len)) {
		nrecords++;
		nbytes += len + 1;
		progress(0);
		v = ndjson_parse(rec, len);
		if (!jv_is_valid(v)) {
			jv msg = jv_invalid_get_msg(v);

			ndjson_bad(&in, "invalid JSON: %s",
			    jv_string_value(msg));
			jv_free(msg);
			continue;
		}
		if (opt.source != NULL && jv_get_kind(v) == JV_KIND_OBJECT)
			put_detail(v, rec, len);
		else if (opt.source != NULL) {
			jv_free(v);
			ndjson_bad(&in, "detail is not a JSON object");
		} else if (entry_is_event(v))
			put_event(v, rec, len);
		else if (jv_get_kind(v) == JV_KIND_OBJECT ||
		    jv_get_kind(v) == JV_KIND_ARRAY)
			put_entries(v, rec, len);
		else {
			jv_free(v);
			ndjson_bad(&in, "expected an entry, an array of "
			    "entries or an event");
		}
	}
	progress(1);
	status = ndjson_status(&in);
	ndjson_close(&in);
	jv_free(opt.resources);
	out_close(opt.other);
	out_close(opt.errs);
	out_close(opt.out);
	if (status == EXIT_OK && (nrejected > 0 || ndropped > 0))
		status = EXIT_NEGATIVE;
	return status;
}
