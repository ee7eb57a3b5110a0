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
 * describe-log-streams.
 */
#include <sys/inotify.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
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
#include "num.h"
#include "out.h"
#include "rfc3339.h"
#include "sbuf.h"
#include "version.h"
#include "xalloc.h"

enum { OPT_COLOR = 256, OPT_FORMAT, OPT_NAMES, OPT_PREFIX, OPT_SINCE,
	OPT_LIST_GROUPS, OPT_LIST_STREAMS };
enum format { F_DETAILED, F_SHORT, F_JSON, F_NDJSON };

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

#define GREEN	"\033[32m"
#define CYAN	"\033[36m"
#define RESET	"\033[0m"
#define JSON_DEPTH_MAX	900	/* Python's json gives up near here */

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
	enum format	 format;
	int		 color, follow, unbuffered;
	int64_t		 start, expire;
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
static volatile sig_atomic_t stop;

static void
usage(void)
{
	fputs(usage_text, stderr);
	fprintf(stderr, "Try '%s --help' for more information.\n",
	    diag_prog());
	exit(EXIT_USAGE);
}

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

/*
 * Python's str.rstrip(): the length of [p, p+n) without trailing
 * whitespace (ASCII and the Unicode spaces Python knows).
 */
static size_t
rstrip_len(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	unsigned long c;

	while (n > 0) {
		c = s[n - 1];
		if (c == ' ' || (c >= '\t' && c <= '\r') ||
		    (c >= 0x1c && c <= 0x1f)) {
			n--;
			continue;
		}
		if (n >= 2 && s[n - 2] == 0xc2 && (c == 0x85 || c == 0xa0)) {
			n -= 2;
			continue;
		}
		if (n >= 3 && s[n - 3] >= 0xe0 && s[n - 3] < 0xf0) {
			c = ((unsigned long)(s[n - 3] & 0x0f) << 12) |
			    ((unsigned long)(s[n - 2] & 0x3f) << 6) |
			    (s[n - 1] & 0x3f);
			if (c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
			    c == 0x2028 || c == 0x2029 || c == 0x202f ||
			    c == 0x205f || c == 0x3000) {
				n -= 3;
				continue;
			}
		}
		break;
	}
	return n;
}

/*
 * Python's json.dumps(json.loads(text), indent=4), on the bytes: the
 * parser below accepts what json.loads accepts and prints what dumps
 * prints (ensure_ascii, float repr, first position of a duplicate key
 * with its last value).
 */
struct pj {
	const char	*p, *end;
	struct sbuf	*o;
	int		 depth;
};

static void
pj_ws(struct pj *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static void
pj_indent(struct sbuf *o, int depth)
{
	sbuf_addc(o, '\n');
	while (depth-- > 0)
		sbuf_adds(o, "    ");
}

static void
pj_unit(struct sbuf *o, unsigned long u)
{
	static const char hex[] = "0123456789abcdef";

	switch (u) {
	case '"': sbuf_adds(o, "\\\""); return;
	case '\\': sbuf_adds(o, "\\\\"); return;
	case '\n': sbuf_adds(o, "\\n"); return;
	case '\r': sbuf_adds(o, "\\r"); return;
	case '\t': sbuf_adds(o, "\\t"); return;
	case '\b': sbuf_adds(o, "\\b"); return;
	case '\f': sbuf_adds(o, "\\f"); return;
	}
	if (u >= 0x20 && u < 0x7f) {
		sbuf_addc(o, (int)u);
		return;
	}
	sbuf_adds(o, "\\u");
	sbuf_addc(o, hex[(u >> 12) & 15]);
	sbuf_addc(o, hex[(u >> 8) & 15]);
	sbuf_addc(o, hex[(u >> 4) & 15]);
	sbuf_addc(o, hex[u & 15]);
}

/* A string literal, re-escaped as ensure_ascii does. */
static int
pj_string(struct pj *j, struct sbuf *o)
{
	const unsigned char *s;
	unsigned long u;
	char tmp[5];
	int k, i;

	if (j->p >= j->end || *j->p != '"')
		return -1;
	j->p++;
	sbuf_addc(o, '"');
	while (j->p < j->end && *j->p != '"') {
		s = (const unsigned char *)j->p;
		if (*s < 0x20)
			return -1;	/* strict: no raw control characters */
		if (*s == '\\') {
			if (j->p + 1 >= j->end)
				return -1;
			switch (s[1]) {
			case '"': u = '"'; break;
			case '\\': u = '\\'; break;
			case '/': u = '/'; break;
			case 'b': u = '\b'; break;
			case 'f': u = '\f'; break;
			case 'n': u = '\n'; break;
			case 'r': u = '\r'; break;
			case 't': u = '\t'; break;
			case 'u':
				if (j->end - j->p < 6)
					return -1;
				for (i = 2; i < 6; i++)
					if (strchr("0123456789abcdefABCDEF",
					    s[i]) == NULL || s[i] == '\0')
						return -1;
				memcpy(tmp, s + 2, 4);
				tmp[4] = '\0';
				u = strtoul(tmp, NULL, 16);
				j->p += 4;
				break;
			default:
				return -1;
			}
			j->p += 2;
			pj_unit(o, u);
			continue;
		}
		if (*s < 0x80) {
			pj_unit(o, *s);
			j->p++;
			continue;
		}
		/* UTF-8 (validated by the store's writer). */
		k = *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : 2;
		if (j->end - j->p < k)
			return -1;
		u = *s & (0x7f >> k);
		for (i = 1; i < k; i++)
			u = (u << 6) | (s[i] & 0x3f);
		j->p += k;
		if (u >= 0x10000) {
			u -= 0x10000;
			pj_unit(o, 0xd800 + (u >> 10));
			pj_unit(o, 0xdc00 + (u & 0x3ff));
		} else
			pj_unit(o, u);
	}
	if (j->p >= j->end)
		return -1;
	j->p++;
	sbuf_addc(o, '"');
	return 0;
}

/* Python's repr() of a float. */
static void
pj_float(struct sbuf *o, double d)
{
	char buf[40], digits[24];
	int prec, exp, nd, i;
	char *e;

	if (isnan(d)) {
		sbuf_adds(o, "NaN");
		return;
	}
	if (isinf(d)) {
		sbuf_adds(o, d < 0 ? "-Infinity" : "Infinity");
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	/* buf is [-]D[.DDD]e[+-]XX: take the digits and the exponent. */
	e = strchr(buf, 'e');
	exp = atoi(e + 1);
	nd = 0;
	for (i = 0; buf + i < e; i++)
		if (buf[i] >= '0' && buf[i] <= '9')
			digits[nd++] = buf[i];
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	if (d < 0 || (d == 0 && signbit(d)))
		sbuf_addc(o, '-');
	if (exp >= -4 && exp < 16) {
		if (exp < 0) {
			sbuf_adds(o, "0.");
			for (i = -1; i > exp; i--)
				sbuf_addc(o, '0');
			sbuf_adds(o, digits);
		} else {
			for (i = 0; i <= exp; i++)
				sbuf_addc(o, i < nd ? digits[i] : '0');
			sbuf_addc(o, '.');
			if (nd > exp + 1)
				sbuf_adds(o, digits + exp + 1);
			else
				sbuf_addc(o, '0');
		}
		return;
	}
	sbuf_addc(o, digits[0]);
	if (nd > 1) {
		sbuf_addc(o, '.');
		sbuf_adds(o, digits + 1);
	}
	sbuf_addf(o, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
}

/* A number: an int (printed as Python prints ints) or a float. */
static int
pj_number(struct pj *j, struct sbuf *o)
{
	const char *s = j->p, *q;
	int isfloat = 0;
	char *tmp;

	q = s;
	if (q < j->end && *q == '-')
		q++;
	if (q >= j->end || *q < '0' || *q > '9')
		return -1;
	if (*q == '0')
		q++;
	else
		while (q < j->end && *q >= '0' && *q <= '9')
			q++;
	if (q < j->end && *q == '.') {
		if (q + 1 >= j->end || q[1] < '0' || q[1] > '9')
			goto done;	/* "1." is "1" then junk */
		isfloat = 1;
		for (q++; q < j->end && *q >= '0' && *q <= '9'; q++)
			;
	}
	if (q < j->end && (*q == 'e' || *q == 'E')) {
		const char *e = q + 1;

		if (e < j->end && (*e == '+' || *e == '-'))
			e++;
		if (e < j->end && *e >= '0' && *e <= '9') {
			isfloat = 1;
			for (q = e; q < j->end && *q >= '0' && *q <= '9'; q++)
				;
		}
	}
done:
	j->p = q;
	if (isfloat) {
		tmp = xstrndup(s, (size_t)(q - s));
		pj_float(o, strtod(tmp, NULL));
		free(tmp);
		return 0;
	}
	if (*s == '-' && q - s == 2 && s[1] == '0')
		s++;		/* int("-0") is 0 */
	sbuf_add(o, s, (size_t)(q - s));
	return 0;
}

static int pj_value(struct pj *, struct sbuf *);

/* One member of an object printed so far: its key and value texts. */
struct pj_member {
	size_t	 koff, klen, voff, vlen;
};

static int
pj_object(struct pj *j, struct sbuf *o)
{
	struct sbuf tmp = SBUF_INIT;
	struct pj_member *m = NULL;
	size_t nm = 0, i, k;
	int r = -1;

	j->p++;
	pj_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		sbuf_adds(o, "{}");
		return 0;
	}
	j->depth++;
	for (;;) {
		pj_ws(j);
		m = xreallocarray(m, nm + 1, sizeof(*m));
		m[nm].koff = tmp.len;
		if (pj_string(j, &tmp) != 0)
			goto out;
		m[nm].klen = tmp.len - m[nm].koff;
		pj_ws(j);
		if (j->p >= j->end || *j->p != ':')
			goto out;
		j->p++;
		pj_ws(j);
		m[nm].voff = tmp.len;
		if (pj_value(j, &tmp) != 0)
			goto out;
		m[nm].vlen = tmp.len - m[nm].voff;
		/* A repeated key keeps its place and takes the new value. */
		for (k = 0; k < nm; k++)
			if (m[k].klen == m[nm].klen && memcmp(tmp.buf +
			    m[k].koff, tmp.buf + m[nm].koff, m[k].klen) == 0)
				break;
		if (k < nm) {
			m[k].voff = m[nm].voff;
			m[k].vlen = m[nm].vlen;
		} else
			nm++;
		pj_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			break;
		}
		goto out;
	}
	sbuf_addc(o, '{');
	for (i = 0; i < nm; i++) {
		if (i > 0)
			sbuf_addc(o, ',');
		pj_indent(o, j->depth);
		sbuf_add(o, tmp.buf + m[i].koff, m[i].klen);
		sbuf_adds(o, ": ");
		sbuf_add(o, tmp.buf + m[i].voff, m[i].vlen);
	}
	j->depth--;
	pj_indent(o, j->depth);
	sbuf_addc(o, '}');
	r = 0;
out:
	free(m);
	sbuf_free(&tmp);
	return r;
}

static int
pj_array(struct pj *j, struct sbuf *o)
{
	int first = 1;

	j->p++;
	pj_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		sbuf_adds(o, "[]");
		return 0;
	}
	j->depth++;
	sbuf_addc(o, '[');
	for (;;) {
		if (!first)
			sbuf_addc(o, ',');
		first = 0;
		pj_indent(o, j->depth);
		pj_ws(j);
		if (pj_value(j, o) != 0)
			return -1;
		pj_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			break;
		}
		return -1;
	}
	j->depth--;
	pj_indent(o, j->depth);
	sbuf_addc(o, ']');
	return 0;
}

static int
pj_word(struct pj *j, struct sbuf *o, const char *w, const char *as)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
		return -1;
	j->p += n;
	sbuf_adds(o, as);
	return 0;
}

static int
pj_value(struct pj *j, struct sbuf *o)
{
	if (j->p >= j->end || j->depth > JSON_DEPTH_MAX)
		return -1;
	switch (*j->p) {
	case '{': return pj_object(j, o);
	case '[': return pj_array(j, o);
	case '"': return pj_string(j, o);
	case 't': return pj_word(j, o, "true", "true");
	case 'f': return pj_word(j, o, "false", "false");
	case 'n': return pj_word(j, o, "null", "null");
	case 'N': return pj_word(j, o, "NaN", "NaN");
	case 'I': return pj_word(j, o, "Infinity", "Infinity");
	case '-':
		if (j->end - j->p >= 9 && memcmp(j->p, "-Infinity", 9) == 0)
			return pj_word(j, o, "-Infinity", "-Infinity");
		return pj_number(j, o);
	default:
		return pj_number(j, o);
	}
}

/* Append the pretty form of [p, p+n) to O; -1 when it is not JSON. */
static int
pretty_json(struct sbuf *o, const char *p, size_t n)
{
	struct pj j;
	size_t start = o->len;

	j.p = p;
	j.end = p + n;
	j.o = o;
	j.depth = 0;
	pj_ws(&j);
	if (pj_value(&j, o) == 0) {
		pj_ws(&j);
		if (j.p == j.end)
			return 0;
	}
	o->len = start;
	if (o->buf != NULL)
		o->buf[start] = '\0';
	return -1;
}

/* "2024-01-01T12:00:00" and the rest of a timestamp's forms. */
static void
add_time(struct sbuf *b, int64_t ms, int fraction, int zone)
{
	char t[RFC3339_BUFSZ];
	int64_t frac = ((ms % 1000) + 1000) % 1000;

	rfc3339_fmt_s(ms - frac, t);
	t[19] = '\0';		/* drop the "Z" */
	if (opt.color)
		sbuf_adds(b, GREEN);
	sbuf_adds(b, t);
	if (fraction == 2 || (fraction == 1 && frac != 0))
		sbuf_addf(b, ".%06d", (int)frac * 1000);
	if (zone)
		sbuf_adds(b, "+00:00");
	if (opt.color)
		sbuf_adds(b, RESET);
}

static void
add_stream(struct sbuf *b, const char *name)
{
	if (opt.color)
		sbuf_adds(b, CYAN);
	sbuf_adds(b, name);
	if (opt.color)
		sbuf_adds(b, RESET);
	sbuf_addc(b, ' ');
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

/* Print one event in the chosen format. */
static void
show(const struct hit *h)
{
	const struct stream *s = &streams[h->stream];
	struct logstore_record rec;
	char id[LOGSTORE_EVENTID_BUFSZ];

	sbuf_reset(&line);
	if (opt.format == F_NDJSON) {
		logstore_event_id_hashed(id, h->ts, s->hash, h->off);
		sbuf_adds(&line, s->head);
		add_int(&line, h->ts);
		sbuf_adds(&line, ",\"message\":");
		sbuf_add(&line, arena.buf + h->aoff, h->alen);
		sbuf_adds(&line, ",\"ingestionTime\":");
		add_int(&line, h->ing);
		sbuf_adds(&line, ",\"eventId\":\"");
		sbuf_add(&line, id, LOGSTORE_EVENTID_BUFSZ - 1);
		sbuf_adds(&line, "\"}");
		out_line(out, line.buf, line.len);
		return;
	}
	rec.msg = arena.buf + h->aoff;
	rec.msglen = h->alen;
	sbuf_reset(&msg);
	logstore_message(&rec, &msg);
	switch (opt.format) {
	case F_SHORT:
		add_time(&line, h->ts, 0, 0);
		sbuf_addc(&line, ' ');
		break;
	case F_JSON:
		add_time(&line, h->ts, 1, 1);
		sbuf_addc(&line, ' ');
		add_stream(&line, s->info.name);
		break;
	default:
		add_time(&line, h->ts, 2, 1);
		sbuf_addc(&line, ' ');
		add_stream(&line, s->info.name);
	}
	if (opt.format == F_JSON) {
		sbuf_addc(&line, '\n');
		if (pretty_json(&line, msg.buf, msg.len) != 0) {
			line.len--;
			sbuf_add(&line, msg.buf, msg.len);
		}
	} else
		sbuf_add(&line, msg.buf, msg.len);
	out_line(out, line.buf, rstrip_len(line.buf, line.len));
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

/* Read the records of stream S that landed since last time. */
static void
scan(size_t si)
{
	struct stream *s = &streams[si];
	struct logstore_reader r;
	struct logstore_record rec;
	const char *ln;
	size_t len;
	off_t off;
	int got;

	if (logstore_reader_open(&r, s->info.path, s->next) != 0) {
		status = EXIT_USAGE;
		return;
	}
	while ((got = logstore_read(&r, &off, &ln, &len)) == 1) {
		s->lineno++;
		s->next = off + (off_t)len + 1;
		if (logstore_parse(ln, len, &rec) != 0) {
			diag_loc(s->info.path, s->lineno, "damaged record "
			    "ignored");
			status = EXIT_INPUT;
			continue;
		}
		if (rec.timestamp < opt.start || rec.timestamp < opt.expire)
			continue;
		if (opt.pat != NULL) {
			sbuf_reset(&msg);
			logstore_message(&rec, &msg);
			if (!filterpat_match(opt.pat, msg.buf, msg.len))
				continue;
		}
		if (nhits == caphits) {
			caphits = caphits ? caphits * 2 : 1024;
			hits = xreallocarray(hits, caphits, sizeof(*hits));
		}
		hits[nhits].ts = rec.timestamp;
		hits[nhits].ing = rec.ingestion;
		hits[nhits].off = off;
		hits[nhits].stream = si;
		hits[nhits].aoff = arena.len;
		hits[nhits].alen = rec.msglen;
		sbuf_add(&arena, rec.msg, rec.msglen);
		nhits++;
	}
	if (got < 0)
		status = EXIT_USAGE;
	else if (r.partial > 0 && s->warned != s->next) {
		/* Complete records all end with '\n': this one never will. */
		diag_loc(s->info.path, s->lineno + 1, "incomplete last record "
		    "ignored (%zu bytes: a writer was killed or the file was "
		    "cut)", r.partial);
		s->warned = s->next;
		status = EXIT_INPUT;
	}
	logstore_reader_close(&r);
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

static void
on_signal(int sig)
{
	stop = sig;
}

/*
 * --follow, first step: watch the group's directory (before the first
 * reading, so that nothing written in between is missed).  Returns the
 * inotify descriptor or -1.
 */
static int
watch(void)
{
	char *gpath;
	int fd;

	gpath = logstore_group_path(store, opt.group);
	if ((fd = inotify_init1(IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(fd, gpath, IN_MODIFY | IN_CREATE |
	    IN_MOVED_TO | IN_ATTRIB) == -1) {
		warn("%s: inotify", gpath);
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	free(gpath);
	return fd;
}

/*
 * --follow: wait on the inotify descriptor FD for changes in the group
 * directory and show what landed, until SIGINT or SIGTERM.
 */
static void
follow(int fd)
{
	char buf[16384] __attribute__((aligned(8)));
	const struct inotify_event *ev;
	struct sigaction sa;
	struct pollfd pfd;
	struct logstore_stream info;
	sigset_t block, waitmask;
	ssize_t n;
	size_t i, k;

	/* The signals are let in only while waiting (no lost wake-up). */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!stop) {
		if (ppoll(&pfd, 1, NULL, &waitmask) == -1) {
			if (errno == EINTR)
				continue;
			warn("ppoll");
			status = EXIT_USAGE;
			break;
		}
		if ((n = read(fd, buf, sizeof(buf))) <= 0)
			continue;
		for (i = 0; i < (size_t)n; i += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(buf + i);
			if (ev->len == 0 || ev->name[0] == '.')
				continue;
			for (k = 0; k < nstreams; k++)
				if (strcmp(streams[k].file, ev->name) == 0)
					break;
			/* A stream file appeared (or one left out). */
			if (k == nstreams && logstore_stream_file(store,
			    opt.group, ev->name, &info) == 0 &&
			    !add_stream_info(&info))
				continue;
			if (k < nstreams)
				scan(k);
		}
		show_hits();
	}
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
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			exit(EXIT_OK);
		case 'p': pattern = optarg; break;
		case 'r': region = optarg; break;
		case 's': storearg = optarg; break;
		case 'u': opt.unbuffered = 1; break;
		case 'V':
			printf("%s (%s) %s\n", diag_prog(), EDAKIT_NAME,
			    EDAKIT_VERSION);
			exit(EXIT_OK);
		case OPT_COLOR:
			if (strcmp(optarg, "on") != 0 &&
			    strcmp(optarg, "off") != 0 &&
			    strcmp(optarg, "auto") != 0)
				errx(EXIT_USAGE, "invalid --color '%s': use "
				    "on, off or auto", optarg);
			color = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "detailed") == 0)
				opt.format = F_DETAILED;
			else if (strcmp(optarg, "short") == 0)
				opt.format = F_SHORT;
			else if (strcmp(optarg, "json") == 0)
				opt.format = F_JSON;
			else if (strcmp(optarg, "ndjson") == 0)
				opt.format = F_NDJSON;
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
		case OPT_SINCE: opt.start = since_arg(optarg); break;
		default:
			usage();
		}
	argc -= optind;
	argv += optind;
	if (opt.prefix != NULL && opt.nnames > 0)
		errx(EXIT_USAGE, "--log-stream-names and "
		    "--log-stream-name-prefix are mutually exclusive");
	if (list == 1 ? argc != 0 : argc != 1) {
		warnx(list == 1 ? "--list-groups takes no group" :
		    "a log group is required");
		usage();
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
	if (opt.format == F_NDJSON)
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
	if (opt.follow && (wfd = watch()) == -1) {
		status = EXIT_USAGE;
		goto out;
	}
	if (find_streams() != 0) {
		status = EXIT_USAGE;
		goto out;
	}
	for (i = 0; i < nstreams; i++)
		scan(i);
	show_hits();
	if (opt.follow) {
		out_flush(out);
		follow(wfd);
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
