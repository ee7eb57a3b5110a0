/*
 * cwlog-tail: read a log group of the local CloudWatch Logs store the way
 * `aws logs tail` shows it.
 *
 * The events of the group's streams (all, named ones, or those with a
 * prefix) from --since on are merged by timestamp, filtered with a
 * CloudWatch Logs filter pattern, and printed in one of aws logs tail's
 * formats, byte for byte (detailed, short, json), or as FilteredLogEvent
 * objects (ndjson).  --follow then waits on inotify for records to land
 * and prints them until interrupted.  The store's groups and a group's
 * streams can be listed in the shape of describe-log-groups and
 * describe-log-streams.  The formats live in common/tailfmt.h, the
 * watching in common/logwatch.h.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "awsid.h"
#include "clock.h"
#include "diag.h"
#include "exitcode.h"
#include "filterpat.h"
#include "jsonraw.h"
#include "logstore.h"
#include "logwatch.h"
#include "num.h"
#include "out.h"
#include "rfc3339.h"
#include "sbuf.h"
#include "tailfmt.h"
#include "version.h"
#include "xalloc.h"

enum { OPT_COLOR = 256, OPT_FORMAT, OPT_NAMES, OPT_PREFIX, OPT_SINCE,
	OPT_LIST_GROUPS, OPT_LIST_STREAMS };

static const char optstring[] = "a:fhp:r:s:uV";
static const struct option longopts[] = {
	{ "account",		required_argument, NULL, 'a' },
	{ "color",		required_argument, NULL, OPT_COLOR },
	{ "filter-pattern",	required_argument, NULL, 'p' },
	{ "follow",		no_argument,	   NULL, 'f' },
	{ "format",		required_argument, NULL, OPT_FORMAT },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "list-groups",	no_argument,	   NULL, OPT_LIST_GROUPS },
	{ "list-streams",	no_argument,	   NULL, OPT_LIST_STREAMS },
	{ "log-stream-name-prefix", required_argument, NULL, OPT_PREFIX },
	{ "log-stream-names",	required_argument, NULL, OPT_NAMES },
	{ "region",		required_argument, NULL, 'r' },
	{ "since",		required_argument, NULL, OPT_SINCE },
	{ "store",		required_argument, NULL, 's' },
	{ "unbuffered",		no_argument,	   NULL, 'u' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ NULL,			0,		   NULL, 0 }
};

static const char usage_text[] =
    "usage: cwlog-tail [-fhuV] [-a account] [-p pattern] [-r region]\n"
    "                  [-s store] [--since time] [--format format]\n"
    "                  [--color when] [--log-stream-names name ... |\n"
    "                  --log-stream-name-prefix prefix] group\n"
    "       cwlog-tail [-s store] --list-groups\n"
    "       cwlog-tail [-s store] --list-streams group\n";

static const char help_text[] =
    "Show the log events of a group of the local CloudWatch Logs store.\n"
    "\n"
    "  -a, --account ID             account in listed ARNs\n"
    "      --color on|off|auto      colour timestamps and streams (auto:\n"
    "                               on a terminal)\n"
    "  -f, --follow                 wait for new events until interrupted\n"
    "      --format FORMAT          detailed (default), short, json or\n"
    "                               ndjson (FilteredLogEvent objects)\n"
    "  -h, --help                   print this help and exit\n"
    "      --list-groups            list the store's log groups (NDJSON)\n"
    "      --list-streams           list the group's streams (NDJSON)\n"
    "      --log-stream-name-prefix P  only streams whose names start\n"
    "                               with P\n"
    "      --log-stream-names N...  only these streams (the names run to\n"
    "                               the next option)\n"
    "  -p, --filter-pattern P       only events matching the CloudWatch\n"
    "                               Logs filter pattern P\n"
    "  -r, --region REGION          region in listed ARNs\n"
    "  -s, --store DIR              the log store (EDAKIT_LOG_STORE, else\n"
    "                               $XDG_STATE_HOME/edakit/logs or\n"
    "                               ~/.local/state/edakit/logs)\n"
    "      --since TIME             start: N followed by s, m, h, d or w\n"
    "                               (ago), seconds since the epoch, or an\n"
    "                               ISO 8601 time; default 10m\n"
    "  -u, --unbuffered             flush after every event\n"
    "  -V, --version                print the version and exit\n"
    "\n"
    "EDAKIT_DETERMINISTIC=1 fixes the clock for golden tests.\n";

/* A stream being read: where its next record starts. */
struct stream {
	struct logstore_stream	 info;
	char			*head;	/* ndjson text up to "timestamp": */
	uint64_t		 hash;	/* of the name, for eventIds */
	char			*file;	/* base name in the group directory */
	off_t			 next;	/* offset of the next unread record */
	long			 lineno;
	off_t			 warned;	/* offset of a reported tail */
};

#define MERGE_MAX	64	/* streams merged as they are read */

/* An event found, its message literal kept in the arena. */
struct hit {
	int64_t		 ts, ing;
	off_t		 off;
	size_t		 aoff, alen;
	size_t		 stream;
};

static struct {
	const char	*group;
	char		**names;
	size_t		 nnames;
	const char	*prefix;
	enum tailfmt	 format;
	int		 ndjson;	/* --format ndjson */
	int		 color, follow, unbuffered;
	int64_t		 start, expire;
	int		 since;		/* --since given */
	struct filterpat *pat;
} opt;

static struct logstore *store;
static struct stream *streams;
static size_t nstreams;
static struct hit *hits;
static size_t nhits, caphits;
static struct sbuf arena, line, msg;
static struct out *out;
static int status = EXIT_OK;
static long hidden;		/* events before the default window */

/* --since: "N<unit>" ago, or an ISO 8601 time. */
static int64_t
since_arg(const char *s)
{
	static const struct { char u; int64_t ms; } units[] = {
		{ 's', 1000 }, { 'm', 60000 }, { 'h', 3600000 },
		{ 'd', 86400000 }, { 'w', 604800000 }
	};
	size_t n = strlen(s), i;
	int64_t t, amount = 0;
	const char *p;
	char *end;
	double d;

	for (p = s; p < s + n - 1 && *p >= '0' && *p <= '9'; p++)
		if (amount < 1000000000000LL)
			amount = amount * 10 + (*p - '0');
	if (n >= 2 && p == s + n - 1 && p > s)
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (*p == units[i].u)
				return clock_now_ms() - amount * units[i].ms;
	if (rfc3339_parse(s, n, &t) == 0)
		return t;
	/* As botocore reads it: a bare number is seconds since the epoch. */
	if (n > 0 && strspn(s, "0123456789.") == n && strchr(s, '.') ==
	    strrchr(s, '.') && n < 20) {
		errno = 0;
		d = strtod(s, &end);
		if (errno == 0 && *end == '\0')
			return (int64_t)llround(d * 1000);
	}
	errx(EXIT_USAGE, "invalid --since '%s': use N followed by s, m, h, "
	    "d or w, seconds since the epoch, or an ISO 8601 time", s);
}

static void
add_int(struct sbuf *b, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	sbuf_add(b, p, (size_t)(buf + sizeof(buf) - p));
}

/*
 * Print one event of stream SI in the chosen format; M is its message as
 * stored (a JSON string literal).
 */
static void
show_event(size_t si, int64_t ts, int64_t ing, off_t off, const char *m,
    size_t mlen)
{
	const struct stream *s = &streams[si];
	struct logstore_record rec;
	char id[LOGSTORE_EVENTID_BUFSZ];
	size_t n;

	sbuf_reset(&line);
	if (opt.ndjson) {
		logstore_event_id_hashed(id, ts, s->hash, off);
		sbuf_adds(&line, s->head);
		add_int(&line, ts);
		sbuf_adds(&line, ",\"message\":");
		sbuf_add(&line, m, mlen);
		sbuf_adds(&line, ",\"ingestionTime\":");
		add_int(&line, ing);
		sbuf_adds(&line, ",\"eventId\":\"");
		sbuf_add(&line, id, LOGSTORE_EVENTID_BUFSZ - 1);
		sbuf_adds(&line, "\"}");
		out_line(out, line.buf, line.len);
		return;
	}
	rec.msg = m;
	rec.msglen = mlen;
	sbuf_reset(&msg);
	logstore_message(&rec, &msg);
	n = tailfmt_event(&line, opt.format, opt.color, ts, s->info.name,
	    msg.buf, msg.len);
	out_line(out, line.buf, n);
}

static void
show(const struct hit *h)
{
	show_event(h->stream, h->ts, h->ing, h->off, arena.buf + h->aoff,
	    h->alen);
}

static int
cmp_hits(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->stream != y->stream)
		return x->stream < y->stream ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Sort the hits found (when they are not in order) and print them. */
static void
show_hits(void)
{
	size_t i;

	for (i = 1; i < nhits; i++)
		if (cmp_hits(&hits[i - 1], &hits[i]) > 0)
			break;
	if (i < nhits)
		qsort(hits, nhits, sizeof(*hits), cmp_hits);
	for (i = 0; i < nhits; i++)
		show(&hits[i]);
	nhits = 0;
	sbuf_reset(&arena);
	if (opt.follow)
		out_flush(out);
}

/* A stream read record by record, from where it was last left. */
struct cursor {
	struct logstore_reader	 r;
	size_t			 si;
	off_t			 off;	/* of the current record */
	struct logstore_record	 rec;	/* the current hit */
};

static int
cursor_open(struct cursor *c, size_t si)
{
	c->si = si;
	if (logstore_reader_open(&c->r, streams[si].info.path,
	    streams[si].next) != 0) {
		status = EXIT_USAGE;
		return -1;
	}
	return 0;
}

/*
 * The next record that --since, the retention and the pattern let
 * through: 1, or 0 at the end of what is committed.  The record stays
 * valid until the next call.
 */
static int
cursor_next(struct cursor *c)
{
	struct stream *s = &streams[c->si];
	const char *ln;
	size_t len;
	int got;

	while ((got = logstore_read(&c->r, &c->off, &ln, &len)) == 1) {
		s->lineno++;
		s->next = c->off + (off_t)len + 1;
		if (logstore_parse(ln, len, &c->rec) != 0) {
			diag_loc(s->info.path, s->lineno, "damaged record "
			    "ignored");
			status = EXIT_INPUT;
			continue;
		}
		if (c->rec.timestamp < opt.expire)
			continue;
		if (opt.pat != NULL) {
			sbuf_reset(&msg);
			logstore_message(&c->rec, &msg);
			if (!filterpat_match(opt.pat, msg.buf, msg.len))
				continue;
		}
		if (c->rec.timestamp < opt.start) {
			hidden++;
			continue;
		}
		return 1;
	}
	if (got < 0)
		status = EXIT_USAGE;
	return 0;
}

/* Done with the stream for now: report an unfinished last record once. */
static void
cursor_close(struct cursor *c)
{
	struct stream *s = &streams[c->si];

	if (c->r.partial > 0 && s->warned != s->next) {
		/* Complete records all end with '\n': this one never will. */
		diag_loc(s->info.path, s->lineno + 1, "incomplete last record "
		    "ignored (%zu bytes: a writer was killed or the file was "
		    "cut)", c->r.partial);
		s->warned = s->next;
		status = EXIT_INPUT;
	}
	logstore_reader_close(&c->r);
}

/* Collect the hits of stream SI that landed since last time. */
static void
scan(size_t si)
{
	struct cursor c;

	if (cursor_open(&c, si) != 0)
		return;
	while (cursor_next(&c)) {
		if (nhits == caphits) {
			caphits = caphits ? caphits * 2 : 1024;
			hits = xreallocarray(hits, caphits, sizeof(*hits));
		}
		hits[nhits].ts = c.rec.timestamp;
		hits[nhits].ing = c.rec.ingestion;
		hits[nhits].off = c.off;
		hits[nhits].stream = si;
		hits[nhits].aoff = arena.len;
		hits[nhits].alen = c.rec.msglen;
		sbuf_add(&arena, c.rec.msg, c.rec.msglen);
		nhits++;
	}
	cursor_close(&c);
}

/* Are the records of stream SI, from where it was left, in time order? */
static int
in_order(size_t si)
{
	struct logstore_reader r;
	struct logstore_record rec;
	int64_t last = INT64_MIN;
	const char *ln;
	size_t len;
	off_t off;
	int ok = 1;

	if (logstore_reader_open(&r, streams[si].info.path,
	    streams[si].next) != 0)
		return 0;
	while (ok && logstore_read(&r, &off, &ln, &len) == 1)
		if (logstore_parse(ln, len, &rec) == 0) {
			ok = rec.timestamp >= last;
			last = rec.timestamp;
		}
	logstore_reader_close(&r);
	return ok;
}

/*
 * Print what the streams hold in time order.  When each stream is in
 * time order itself (the usual case) and there are not too many, they
 * are merged as they are read, so memory stays small however big the
 * group; otherwise the hits are collected and sorted.  Either way ties
 * go by stream, then by place in the stream.
 */
static void
show_all(void)
{
	struct cursor *c;
	size_t i, best;
	int *live;

	for (i = 0; i < nstreams && nstreams <= MERGE_MAX; i++)
		if (!in_order(i))
			break;
	if (i < nstreams) {
		for (i = 0; i < nstreams; i++)
			scan(i);
		show_hits();
		return;
	}
	c = xcalloc(nstreams > 0 ? nstreams : 1, sizeof(*c));
	live = xcalloc(nstreams > 0 ? nstreams : 1, sizeof(*live));
	for (i = 0; i < nstreams; i++)
		if (cursor_open(&c[i], i) == 0)
			live[i] = 1 + cursor_next(&c[i]);	/* 2: a hit */
	for (;;) {
		best = nstreams;
		for (i = 0; i < nstreams; i++)
			if (live[i] == 2 && (best == nstreams ||
			    c[i].rec.timestamp < c[best].rec.timestamp))
				best = i;
		if (best == nstreams)
			break;
		show_event(best, c[best].rec.timestamp, c[best].rec.ingestion,
		    c[best].off, c[best].rec.msg, c[best].rec.msglen);
		live[best] = 1 + cursor_next(&c[best]);
	}
	for (i = 0; i < nstreams; i++)
		if (live[i] != 0)
			cursor_close(&c[i]);
	free(c);
	free(live);
}

static int
selected(const char *name)
{
	size_t i;

	if (opt.prefix != NULL)
		return strncmp(name, opt.prefix, strlen(opt.prefix)) == 0;
	if (opt.nnames == 0)
		return 1;
	for (i = 0; i < opt.nnames; i++)
		if (strcmp(name, opt.names[i]) == 0)
			return 1;
	return 0;
}

/* Take the described stream V (owned) into streams[], when selected. */
static int
add_stream_info(struct logstore_stream *v)
{
	struct stream *s;
	const char *base;
	size_t k;

	for (k = 0; k < nstreams; k++)
		if (strcmp(streams[k].info.name, v->name) == 0)
			break;
	if (k < nstreams || !selected(v->name)) {
		free(v->name);
		free(v->path);
		return 0;
	}
	streams = xreallocarray(streams, nstreams + 1, sizeof(*streams));
	s = &streams[nstreams++];
	memset(s, 0, sizeof(*s));
	s->info = *v;
	base = strrchr(v->path, '/');
	s->file = xstrdup(base != NULL ? base + 1 : v->path);
	s->lineno = 1;
	s->warned = -1;
	s->hash = logstore_stream_hash(v->name);
	sbuf_reset(&line);
	sbuf_adds(&line, "{\"logGroupName\":");
	jsonraw_quote(&line, opt.group, strlen(opt.group));
	sbuf_adds(&line, ",\"logStreamName\":");
	jsonraw_quote(&line, v->name, strlen(v->name));
	sbuf_adds(&line, ",\"timestamp\":");
	s->head = sbuf_detach(&line, NULL);
	return 1;
}

/* Take the group's selected streams into streams[]. */
static int
find_streams(void)
{
	struct logstore_stream *v;
	size_t n, i;

	if (logstore_streams(store, opt.group, 0, &v, &n) != 0)
		return -1;
	for (i = 0; i < n; i++)
		add_stream_info(&v[i]);
	free(v);
	return 0;
}

/* --follow: the stream file NAME changed: take in what landed. */
static void
changed(void *arg, const char *name)
{
	struct logstore_stream info;
	size_t k;

	for (k = 0; k < nstreams; k++)
		if (strcmp(streams[k].file, name) == 0)
			break;
	/* A stream file appeared (or one left out). */
	if (k == nstreams && logstore_stream_file(store, opt.group, name,
	    &info) == 0 && !add_stream_info(&info))
		return;
	if (k < nstreams)
		scan(k);
}

/* --follow: the changes read at once are in: show them. */
static void
batch(void *arg)
{
	show_hits();
}

/* --list-groups: describe-log-groups, one group per line. */
static void
list_groups(void)
{
	struct logstore_stream *v;
	char **names, *arn, *arn2;
	size_t n, i, nv, k;
	int64_t ctime;
	long days;
	off_t bytes;

	if (logstore_groups(store, &names, &n) != 0) {
		status = EXIT_USAGE;
		return;
	}
	for (i = 0; i < n; i++) {
		bytes = 0;
		if (logstore_streams(store, names[i], 0, &v, &nv) == 0) {
			for (k = 0; k < nv; k++)
				bytes += v[k].size;
			logstore_free_streams(v, nv);
		}
		if (logstore_group_info(store, names[i], &ctime, &days) != 0)
			continue;
		sbuf_reset(&line);
		sbuf_adds(&line, "{\"logGroupName\":");
		jsonraw_quote(&line, names[i], strlen(names[i]));
		sbuf_addf(&line, ",\"creationTime\":%" PRId64, ctime);
		if (days > 0)
			sbuf_addf(&line, ",\"retentionInDays\":%ld", days);
		sbuf_adds(&line, ",\"metricFilterCount\":0");
		arn = xasprintf("log-group:%s", names[i]);
		arn2 = arn_make("logs", arn);
		free(arn);
		arn = xasprintf("%s:*", arn2);
		sbuf_adds(&line, ",\"arn\":");
		jsonraw_quote(&line, arn, strlen(arn));
		sbuf_addf(&line, ",\"storedBytes\":%lld,\"logGroupArn\":",
		    (long long)bytes);
		jsonraw_quote(&line, arn2, strlen(arn2));
		sbuf_addc(&line, '}');
		free(arn);
		free(arn2);
		out_line(out, line.buf, line.len);
	}
	logstore_free_names(names, n);
}

/* --list-streams: describe-log-streams, one stream per line. */
static void
list_streams(void)
{
	struct logstore_stream *v;
	size_t n, i;
	char *arn, *arn2;

	if (logstore_streams(store, opt.group, 1, &v, &n) != 0) {
		status = EXIT_NEGATIVE;
		return;
	}
	for (i = 0; i < n; i++) {
		if (!selected(v[i].name))
			continue;
		sbuf_reset(&line);
		sbuf_adds(&line, "{\"logStreamName\":");
		jsonraw_quote(&line, v[i].name, strlen(v[i].name));
		sbuf_addf(&line, ",\"creationTime\":%" PRId64, v[i].creation);
		if (v[i].count > 0)
			sbuf_addf(&line, ",\"firstEventTimestamp\":%" PRId64
			    ",\"lastEventTimestamp\":%" PRId64
			    ",\"lastIngestionTime\":%" PRId64, v[i].first,
			    v[i].last, v[i].last_ingestion);
		arn = xasprintf("log-group:%s:log-stream:%s", opt.group,
		    v[i].name);
		arn2 = arn_make("logs", arn);
		free(arn);
		arn = arn2;
		sbuf_adds(&line, ",\"arn\":");
		jsonraw_quote(&line, arn, strlen(arn));
		free(arn);
		sbuf_addf(&line, ",\"storedBytes\":%lld,\"eventCount\":%ld}",
		    (long long)v[i].size, v[i].count);
		out_line(out, line.buf, line.len);
	}
	logstore_free_streams(v, n);
}

int
main(int argc, char *argv[])
{
	const char *storearg = NULL, *account = NULL, *region = NULL,
	    *pattern = NULL, *color = "auto", *why;
	int c, list = 0, wfd = -1;
	char *dir, *perr;
	size_t i;
	long days;

	diag_init(argv);
	clock_init();
	opt.start = -1;
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1)
		switch (c) {
		case 'a': account = optarg; break;
		case 'f': opt.follow = 1; break;
		case 'h':
			diag_help(usage_text, help_text);
		case 'p': pattern = optarg; break;
		case 'r': region = optarg; break;
		case 's': storearg = optarg; break;
		case 'u': opt.unbuffered = 1; break;
		case 'V':
			diag_version();
		case OPT_COLOR:
			if (strcmp(optarg, "on") != 0 &&
			    strcmp(optarg, "off") != 0 &&
			    strcmp(optarg, "auto") != 0)
				errx(EXIT_USAGE, "invalid --color '%s': use "
				    "on, off or auto", optarg);
			color = optarg;
			break;
		case OPT_FORMAT:
			opt.ndjson = 0;
			if (strcmp(optarg, "detailed") == 0)
				opt.format = TAILFMT_DETAILED;
			else if (strcmp(optarg, "short") == 0)
				opt.format = TAILFMT_SHORT;
			else if (strcmp(optarg, "json") == 0)
				opt.format = TAILFMT_JSON;
			else if (strcmp(optarg, "ndjson") == 0)
				opt.ndjson = 1;
			else
				errx(EXIT_USAGE, "invalid --format '%s': use "
				    "detailed, short, json or ndjson", optarg);
			break;
		case OPT_LIST_GROUPS: list = 1; break;
		case OPT_LIST_STREAMS: list = 2; break;
		case OPT_NAMES:
			/* Like the AWS CLI: the names run to the next
			 * option. */
			optind--;
			while (optind < argc && argv[optind][0] != '-') {
				if (!logstore_stream_ok(argv[optind], &why))
					errx(EXIT_USAGE, "invalid log stream "
					    "name '%s': %s", argv[optind], why);
				opt.names = xreallocarray(opt.names,
				    opt.nnames + 1, sizeof(*opt.names));
				opt.names[opt.nnames++] = argv[optind++];
			}
			break;
		case OPT_PREFIX: opt.prefix = optarg; break;
		case OPT_SINCE:
			opt.start = since_arg(optarg);
			opt.since = 1;
			break;
		default:
			diag_usage(usage_text);
		}
	argc -= optind;
	argv += optind;
	if (opt.prefix != NULL && opt.nnames > 0)
		errx(EXIT_USAGE, "--log-stream-names and "
		    "--log-stream-name-prefix are mutually exclusive");
	if (list == 1 ? argc != 0 : argc != 1) {
		warnx(list == 1 ? "--list-groups takes no group" :
		    "a log group is required");
		diag_usage(usage_text);
	}
	awsid_init(account, region);
	if (list != 1) {
		opt.group = argv[0];
		if (!logstore_group_ok(opt.group, &why))
			errx(EXIT_USAGE, "invalid log group name '%s': %s",
			    opt.group, why);
	}
	if (pattern != NULL &&
	    (opt.pat = filterpat_compile(pattern, &perr)) == NULL) {
		warnx("invalid filter pattern: %s", perr);
		free(perr);
		free(opt.names);
		exit(EXIT_PROGRAM);
	}
	if (opt.start < 0)
		opt.start = since_arg("10m");
	opt.color = strcmp(color, "on") == 0 || (strcmp(color, "auto") == 0
	    && isatty(STDOUT_FILENO));
	if (opt.ndjson)
		opt.color = 0;

	out = out_stdout(opt.unbuffered);
	dir = logstore_dir(storearg);
	store = logstore_open(dir, 0);
	free(dir);
	if (store == NULL) {
		status = EXIT_USAGE;
		goto out;
	}
	if (list == 1) {
		list_groups();
		goto out;
	}
	if (list == 2) {
		list_streams();
		goto out;
	}
	if ((days = logstore_retention(store, opt.group)) < 0) {
		warnx("log group '%s' does not exist (ResourceNotFoundException)",
		    opt.group);
		status = EXIT_NEGATIVE;
		goto out;
	}
	opt.expire = days > 0 ? clock_now_ms() - days * LOGSTORE_DAY_MS :
	    INT64_MIN;
	if (opt.follow && (wfd = logwatch_open(store, opt.group)) == -1) {
		status = EXIT_USAGE;
		goto out;
	}
	if (find_streams() != 0) {
		status = EXIT_USAGE;
		goto out;
	}
	show_all();
	/* The default window hides what it hides silently no more. */
	if (hidden > 0 && !opt.since)
		warnx("%ld older event%s not shown: the default window is "
		    "the last 10 minutes (--since 10m); widen it with --since, "
		    "e.g. --since 1w", hidden, hidden == 1 ? "" : "s");
	if (opt.follow) {
		out_flush(out);
		if (logwatch_run(wfd, changed, batch, NULL) != 0)
			status = EXIT_USAGE;
	}
out:
	if (wfd != -1)
		close(wfd);
	if (store != NULL && logstore_damaged(store) > 0 && status == EXIT_OK)
		status = EXIT_INPUT;
	for (i = 0; i < nstreams; i++) {
		free(streams[i].info.name);
		free(streams[i].info.path);
		free(streams[i].file);
		free(streams[i].head);
	}
	free(streams);
	free(hits);
	free(opt.names);
	sbuf_free(&arena);
	sbuf_free(&line);
	sbuf_free(&msg);
	filterpat_free(opt.pat);
	logstore_close(store);
	out_close(out);
	return status;
}
