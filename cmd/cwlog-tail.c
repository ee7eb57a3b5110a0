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
#include <fcntl.h>
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

/* An event found, its stream and message literals kept in the arena. */
struct hit {
	int64_t		 ts, ing;
	unsigned	 seg;
	off_t		 off;
	size_t		 aoff, slen, mlen;
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

/* Where the group is read up to: segment SEG, byte NEXT, line LINENO. */
static struct {
	unsigned	 seg;
	off_t		 next;
	long		 lineno;
	off_t		 warned;	/* offset of a reported tail */
	unsigned	 wseg;
	int		 lockfd;	/* the group's index, for its lock */
} at = { 1, 0, 0, -1, 0, -1 };

static struct logstore *store;
static struct sbuf *qnames;	/* opt.names quoted as in the records */
static struct sbuf qprefix, ghead;	/* the prefix quoted, unclosed */
static struct hit *hits;
static size_t nhits, caphits;
static struct sbuf arena, line, msg, sname;
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
 * Print one event in the chosen format; S and M are its stream name and
 * message as stored (JSON string literals).
 */
static void
show_event(int64_t ts, int64_t ing, unsigned seg, off_t off, const char *s,
    size_t slen, const char *m, size_t mlen)
{
	char id[LOGSTORE_EVENTID_BUFSZ];
	size_t n;

	sbuf_reset(&line);
	if (opt.ndjson) {
		logstore_event_id(id, ts, seg, off);
		sbuf_add(&line, ghead.buf, ghead.len);
		sbuf_add(&line, s, slen);
		sbuf_adds(&line, ",\"timestamp\":");
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
	sbuf_reset(&sname);
	logstore_unquote(s, slen, &sname);
	sbuf_reset(&msg);
	logstore_unquote(m, mlen, &msg);
	n = tailfmt_event(&line, opt.format, opt.color, ts, sname.buf,
	    msg.buf, msg.len);
	out_line(out, line.buf, n);
}

static int
cmp_hits(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->seg != y->seg)
		return x->seg < y->seg ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Sort the hits found (when they are not in order) and print them. */
static void
show_hits(void)
{
	const struct hit *h;
	size_t i;

	for (i = 1; i < nhits; i++)
		if (cmp_hits(&hits[i - 1], &hits[i]) > 0)
			break;
	if (i < nhits)
		qsort(hits, nhits, sizeof(*hits), cmp_hits);
	for (i = 0; i < nhits; i++) {
		h = &hits[i];
		show_event(h->ts, h->ing, h->seg, h->off, arena.buf + h->aoff,
		    h->slen, arena.buf + h->aoff + h->slen, h->mlen);
	}
	nhits = 0;
	sbuf_reset(&arena);
	if (opt.follow)
		out_flush(out);
}

/* Is the stream of record R (its name's literal) one of those chosen? */
static int
selected(const struct logstore_record *r)
{
	size_t i;

	if (opt.prefix != NULL)
		return r->streamlen > qprefix.len &&
		    memcmp(r->stream, qprefix.buf, qprefix.len) == 0;
	if (opt.nnames == 0)
		return 1;
	for (i = 0; i < opt.nnames; i++)
		if (qnames[i].len == r->streamlen &&
		    memcmp(qnames[i].buf, r->stream, r->streamlen) == 0)
			return 1;
	return 0;
}

/*
 * What to do with a record: 0 skip it, 1 show it.  WHOLE: the pattern is
 * applied and the default window's hidden events are counted (else only
 * the streams, --since and the retention are looked at).
 */
static int
wanted(const struct logstore_record *r, int whole)
{
	if (r->timestamp < opt.expire || !selected(r))
		return 0;
	if (!whole)
		return r->timestamp >= opt.start;
	if (opt.pat != NULL) {
		sbuf_reset(&msg);
		logstore_message(r, &msg);
		if (!filterpat_match(opt.pat, msg.buf, msg.len))
			return 0;
	}
	if (r->timestamp < opt.start) {
		hidden++;
		return 0;
	}
	return 1;
}

/*
 * Read the group's records from segment *SEG, byte *NEXT (line *LINENO)
 * on to the end of what is committed, calling FN for each that passes
 * wanted(WHOLE); *SEG, *NEXT and *LINENO end where it stopped.  Damaged
 * records are reported (with WHOLE) and skipped.  Returns 0, or -1 after
 * a read error.
 */
static int
read_group(unsigned *seg, off_t *next, long *lineno, int whole,
    void (*fn)(const struct logstore_record *, unsigned, off_t))
{
	struct logstore_reader r;
	struct logstore_record rec;
	const char *ln;
	char *path, *npath;
	size_t len;
	off_t off;
	int got;

	for (;;) {
		path = logstore_segment_path(store, opt.group, *seg);
		if (access(path, F_OK) != 0) {
			free(path);
			return 0;
		}
		if (logstore_reader_open(&r, path, at.lockfd, *next) != 0) {
			free(path);
			return -1;
		}
		while ((got = logstore_read(&r, &off, &ln, &len)) == 1) {
			++*lineno;
			*next = off + (off_t)len + 1;
			if (logstore_parse(ln, len, &rec) != 0) {
				if (whole) {
					diag_loc(path, *lineno, "damaged "
					    "record ignored");
					status = EXIT_INPUT;
				}
				continue;
			}
			if (wanted(&rec, whole))
				fn(&rec, *seg, off);
		}
		npath = logstore_segment_path(store, opt.group, *seg + 1);
		if (got == 1 || access(npath, F_OK) != 0) {
			/* The last segment: an unfinished record, once. */
			if (got == 0 && whole && r.partial > 0 &&
			    (at.warned != *next || at.wseg != *seg)) {
				diag_loc(path, *lineno + 1, "incomplete last "
				    "record ignored (%zu bytes: a writer was "
				    "killed or the file was cut)", r.partial);
				at.warned = *next;
				at.wseg = *seg;
				status = EXIT_INPUT;
			}
			free(npath);
			free(path);
			logstore_reader_close(&r);
			return got < 0 ? -1 : 0;
		}
		free(npath);
		free(path);
		logstore_reader_close(&r);
		if (got < 0)
			return -1;
		++*seg;
		*next = 0;
		*lineno = 0;
	}
}

static int64_t order_last;
static int order_ok;

static void
check_order(const struct logstore_record *r, unsigned seg, off_t off)
{
	if (r->timestamp < order_last)
		order_ok = 0;
	order_last = r->timestamp;
}

static void
print_record(const struct logstore_record *r, unsigned seg, off_t off)
{
	show_event(r->timestamp, r->ingestion, seg, off, r->stream,
	    r->streamlen, r->msg, r->msglen);
}

static void
keep_record(const struct logstore_record *r, unsigned seg, off_t off)
{
	struct hit *h;

	if (nhits == caphits) {
		caphits = caphits ? caphits * 2 : 1024;
		hits = xreallocarray(hits, caphits, sizeof(*hits));
	}
	h = &hits[nhits++];
	h->ts = r->timestamp;
	h->ing = r->ingestion;
	h->seg = seg;
	h->off = off;
	h->aoff = arena.len;
	h->slen = r->streamlen;
	h->mlen = r->msglen;
	sbuf_add(&arena, r->stream, r->streamlen);
	sbuf_add(&arena, r->msg, r->msglen);
}

/*
 * Print what the group holds in time order, ties in the order stored.
 * When the chosen records are stored in time order (the usual case:
 * checked in a first pass) they are printed as they are read, so memory
 * stays small however big the group; otherwise the hits are collected
 * and sorted.
 */
static void
show_all(void)
{
	unsigned seg = 1;
	off_t next = 0;
	long lineno = 0;

	order_last = INT64_MIN;
	order_ok = 1;
	if (read_group(&seg, &next, &lineno, 0, check_order) != 0) {
		status = EXIT_USAGE;
		return;
	}
	if (read_group(&at.seg, &at.next, &at.lineno, 1, order_ok ?
	    print_record : keep_record) != 0)
		status = EXIT_USAGE;
	show_hits();
}

/* Open the group's index for its lock, when there is one yet. */
static void
open_lock(void)
{
	char *ipath;

	if (at.lockfd != -1)
		return;
	ipath = logstore_index_path(store, opt.group);
	at.lockfd = open(ipath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(ipath);
}

/* --follow: a file of the group changed: take in what landed. */
static void
changed(void *arg, const char *name)
{
	unsigned n;

	if (!logstore_segment_name(name, &n) && strcmp(name,
	    "index.ndjson") != 0)
		return;
	open_lock();
	if (read_group(&at.seg, &at.next, &at.lineno, 1, keep_record) != 0)
		status = EXIT_USAGE;
}

/* --follow: the changes read at once are in: show them. */
static void
batch(void *arg)
{
	show_hits();
}

/* The selection and the ndjson head, quoted as the records hold them. */
static void
quote_selection(void)
{
	size_t i;

	if (opt.nnames > 0)
		qnames = xcalloc(opt.nnames, sizeof(*qnames));
	for (i = 0; i < opt.nnames; i++)
		jsonraw_quote(&qnames[i], opt.names[i], strlen(opt.names[i]));
	if (opt.prefix != NULL) {
		jsonraw_quote(&qprefix, opt.prefix, strlen(opt.prefix));
		qprefix.len--;	/* open: the name goes on */
	}
	sbuf_adds(&ghead, "{\"logGroupName\":");
	jsonraw_quote(&ghead, opt.group, strlen(opt.group));
	sbuf_adds(&ghead, ",\"logStreamName\":");
}

/* Is the stream NAME one of those chosen? */
static int
selected_name(const char *name)
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
		if (logstore_streams(store, names[i], &v, &nv) == 0) {
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

	if (logstore_streams(store, opt.group, &v, &n) != 0) {
		status = EXIT_NEGATIVE;
		return;
	}
	for (i = 0; i < n; i++) {
		if (!selected_name(v[i].name))
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
	if (logstore_check_group(store, opt.group) != 0) {
		status = EXIT_USAGE;
		goto out;
	}
	if (opt.follow && (wfd = logwatch_open(store, opt.group)) == -1) {
		status = EXIT_USAGE;
		goto out;
	}
	quote_selection();
	open_lock();
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
	if (at.lockfd != -1)
		close(at.lockfd);
	for (i = 0; i < opt.nnames && qnames != NULL; i++)
		sbuf_free(&qnames[i]);
	free(qnames);
	sbuf_free(&qprefix);
	sbuf_free(&ghead);
	sbuf_free(&sname);
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
