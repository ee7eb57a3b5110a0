/*
 * ebus-match: apply EventBridge event patterns, or a bus's rules and
 * their targets, to a stream of events.
 *
 * Grep mode (-p or -f) writes each event that matches the pattern, byte
 * for byte as it came in; with one event it is `aws events
 * test-event-pattern`.  Bus mode (--rules) applies every enabled rule of
 * a rules file: it writes the events some rule matched, or with -c one
 * count per rule, and sends each target of each matching rule its input
 * (Input, InputPath or InputTransformer) on the files named by --target.
 * Events are scanned once, without building a libjq value, by a
 * validating scanner that looks only at the fields the rules mention.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awsid.h"
#include "clock.h"
#include "diag.h"
#include "exitcode.h"
#include "jsonraw.h"
#include "ndjson.h"
#include "num.h"
#include "out.h"
#include "pattern.h"
#include "rules.h"
#include "sbuf.h"
#include "scan.h"
#include "sinks.h"
#include "transform.h"
#include "xalloc.h"

enum { OPT_NUMBERS = 256, OPT_WILDLIMIT, OPT_CLOCK };

static const char optstring[] = "+a:b:cd:ef:hHkm:p:qr:R:t:uvV";
static const struct option longopts[] = {
	{ "account",		required_argument, NULL, 'a' },
	{ "bus",		required_argument, NULL, 'b' },
	{ "clock",		required_argument, NULL, OPT_CLOCK },
	{ "count",		no_argument,	   NULL, 'c' },
	{ "dead-letter",	required_argument, NULL, 'd' },
	{ "explain",		no_argument,	   NULL, 'e' },
	{ "file",		required_argument, NULL, 'f' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "invert-match",	no_argument,	   NULL, 'v' },
	{ "keep-going",		no_argument,	   NULL, 'k' },
	{ "max-size",		required_argument, NULL, 'm' },
	{ "numbers",		required_argument, NULL, OPT_NUMBERS },
	{ "pattern",		required_argument, NULL, 'p' },
	{ "quiet",		no_argument,	   NULL, 'q' },
	{ "region",		required_argument, NULL, 'r' },
	{ "rules",		required_argument, NULL, 'R' },
	{ "target",		required_argument, NULL, 't' },
	{ "unbuffered",		no_argument,	   NULL, 'u' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ "wildcard-limit",	required_argument, NULL, OPT_WILDLIMIT },
	{ "with-rule",		no_argument,	   NULL, 'H' },
	{ NULL,			0,		   NULL, 0 }
};

static const char usage_text[] =
    "usage: ebus-match [-cehkquv] [-m bytes] [--numbers mode]\n"
    "                  [--wildcard-limit n] -p pattern | -f file [file ...]\n"
    "       ebus-match [-cehHkquv] [-a account] [-b bus] [--clock mode]\n"
    "                  [-d file] [-r region] [-t id=path ...] -R rules\n"
    "                  [file ...]\n";

static const char help_text[] =
    "Match events against EventBridge patterns, or a bus's rules.\n"
    "\n"
    "  -a, --account ID         account in rule ARNs (AWS_ACCOUNT_ID)\n"
    "  -b, --bus NAME           only the rules of this bus\n"
    "      --clock MODE         real or virtual (ingestion times)\n"
    "  -c, --count              print the count (per rule with -R)\n"
    "  -d, --dead-letter FILE   undeliverable target inputs go to FILE\n"
    "  -e, --explain            say for each event and rule why it did\n"
    "                           or did not match\n"
    "  -f, --file FILE          read the pattern from FILE\n"
    "  -h, --help               print this help and exit\n"
    "  -H, --with-rule          print RULE<TAB>EVENT for each match\n"
    "  -k, --keep-going         report malformed lines and go on (exit 4)\n"
    "  -m, --max-size BYTES     longest event accepted (default 256K,\n"
    "                           AWS's limit; at most 8M)\n"
    "      --numbers MODE       current (default) or legacy (+-5e9)\n"
    "  -p, --pattern PATTERN    the event pattern (JSON)\n"
    "  -q, --quiet              print nothing; the status tells\n"
    "  -r, --region REGION      region in rule ARNs (AWS_REGION)\n"
    "  -R, --rules FILE         the bus's rules (AWS JSON, NDJSON or a\n"
    "                           CloudFormation template)\n"
    "  -t, --target ID=PATH     send target ID's input to PATH (- is\n"
    "                           stdout); ID may be RULE/ID\n"
    "  -u, --unbuffered         flush after every record\n"
    "  -v, --invert-match       select the events that do not match\n"
    "  -V, --version            print the version and exit\n"
    "      --wildcard-limit N   AWS's wildcard complexity limit (default\n"
    "                           10; 0: none)\n"
    "\n"
    "Exit status: 0 something matched, 1 nothing matched, 2 usage or I/O\n"
    "error, 3 invalid pattern or rules, 4 malformed event.\n";

static struct {
	int		 count, quiet, invert, with_rule, explain;
	int		 unbuffered;
	struct out	*out;		/* stdout, or NULL when a target owns it */
	struct out	*dlq;
	struct sinks	 sinks;		/* -t: ID or RULE/ID */
} opt;

static struct ndjson in;
static char outbuf[1 << 16];
static struct ruleset rs;
static struct pathtab *pt;
static struct scanner *sc;
static struct fields fl;
static long nselected, nundelivered;
static struct pset *ps;		/* the enabled rules' patterns */
static unsigned char *matched;	/* per rule, for the current event */
static uint32_t *hits;		/* the rules the current event matched */
static unsigned char *busy;	/* per rule: -H or a target wants matches */
static long *counts;		/* per rule: events matched */
static int anybusy;

/* The pattern file's text (owned); exits 2 when it cannot be read. */
static char *
read_file(const char *path, size_t *len)
{
	struct sbuf b = SBUF_INIT;

	if (sbuf_read_file(&b, path) != 0)
		err(EXIT_USAGE, "%s", path);
	return sbuf_detach(&b, len);
}

/* Does a --target ID (ID or RULE/ID) name target T of rule R? */
struct which {
	const struct rule	*r;
	const struct target	*t;
};

static int
names_target(const char *s, const void *arg)
{
	const struct which *w = arg;
	size_t nl = strlen(w->r->name);

	return strcmp(s, w->t->id) == 0 || (strncmp(s, w->r->name, nl) == 0 &&
	    s[nl] == '/' && strcmp(s + nl + 1, w->t->id) == 0);
}

static void
open_sinks(void)
{
	struct which w;
	size_t i, k;

	sinks_open(&opt.sinks, opt.unbuffered);
	for (i = 0; i < rs.n; i++)
		for (k = 0; k < rs.r[i].nt; k++) {
			w.r = &rs.r[i];
			w.t = &rs.r[i].t[k];
			rs.r[i].t[k].sink = sinks_find(&opt.sinks,
			    names_target, &w);
		}
	sinks_check(&opt.sinks, "no rule has this target");
}

static void
dead_letter(const struct rule *r, const struct target *t, const char *rec,
    size_t len, const char *code, const char *why)
{
	struct sbuf b = SBUF_INIT;

	nundelivered++;
	if (opt.dlq == NULL) {
		diag_loc(in.name, in.lineno, "rule %s, target %s: not "
		    "delivered: %s", r->name, t->id, why);
		return;
	}
	sbuf_adds(&b, "{\"body\":");
	sbuf_add(&b, rec, len);
	sbuf_adds(&b, ",\"attributes\":{\"RULE_ARN\":");
	jsonraw_quote(&b, r->arn, strlen(r->arn));
	sbuf_adds(&b, ",\"TARGET_ARN\":");
	jsonraw_quote(&b, t->arn, strlen(t->arn));
	sbuf_adds(&b, ",\"ERROR_CODE\":");
	jsonraw_quote(&b, code, strlen(code));
	sbuf_adds(&b, ",\"ERROR_MESSAGE\":");
	jsonraw_quote(&b, why, strlen(why));
	sbuf_adds(&b, ",\"RETRY_ATTEMPTS\":\"0\"}}");
	out_line(opt.dlq, b.buf, b.len);
	sbuf_free(&b);
}

/* Send one matched event to the rule's targets. */
static void
deliver(const struct rule *r, const char *rec, size_t len, jv *value,
    struct sbuf *b)
{
	const char *code, *why;
	size_t i;

	for (i = 0; i < r->nt; i++) {
		const struct target *t = &r->t[i];

		if (t->sink == NULL)
			continue;
		if (rules_target_input(r, t, rec, len, value, b, &code,
		    &why) != 0)
			dead_letter(r, t, rec, len, code, why);
		else
			out_line(t->sink, b->buf, b->len);
	}
}

static void
explain(const char *name, const struct pattern *pat, int m, struct sbuf *b)
{
	sbuf_reset(b);
	sbuf_adds(b, "{\"location\":");
	jsonraw_quote(b, in.name, strlen(in.name));
	sbuf_addf(b, ",\"line\":%ld,\"rule\":", in.lineno);
	if (name != NULL)
		jsonraw_quote(b, name, strlen(name));
	else
		sbuf_adds(b, "null");
	sbuf_addf(b, ",\"match\":%s", m ? "true" : "false");
	if (!m && pat != NULL) {
		sbuf_adds(b, ",\"failed\":");
		pattern_explain(pat, &fl, pt, b);
	}
	sbuf_addc(b, '}');
	out_line(opt.out, b->buf, b->len);
}

/* Rule I matched the event: -H and the targets. */
static void
fire(size_t i, const char *rec, size_t len, jv *value, struct sbuf *b)
{
	struct rule *r = &rs.r[i];

	if (!busy[i])
		return;
	if (opt.with_rule && opt.out != NULL && !opt.invert &&
	    !opt.explain && !opt.count && !opt.quiet) {
		sbuf_reset(b);
		sbuf_adds(b, r->name);
		sbuf_addc(b, '\t');
		sbuf_add(b, rec, len);
		out_line(opt.out, b->buf, b->len);
	}
	deliver(r, rec, len, value, b);
}

/* One event in bus mode: only the rules it matched cost anything. */
static void
bus_event(const char *rec, size_t len, struct sbuf *b)
{
	jv value = jv_invalid();
	size_t i, h, nhit;

	nhit = pset_match(ps, &fl, hits);
	for (h = 0; h < nhit; h++)
		counts[hits[h]]++;
	if (opt.explain) {
		memset(matched, 0, rs.n);
		for (h = 0; h < nhit; h++)
			matched[hits[h]] = 1;
		for (i = 0; i < rs.n; i++) {
			explain(rs.r[i].name, rs.r[i].pat, matched[i], b);
			if (matched[i])
				fire(i, rec, len, &value, b);
		}
	} else if (anybusy)
		for (h = 0; h < nhit; h++)
			fire(hits[h], rec, len, &value, b);
	if (jv_is_valid(value))
		jv_free(value);
	if ((nhit > 0) != opt.invert) {
		nselected++;
		if (opt.out != NULL && !opt.with_rule && !opt.explain &&
		    !opt.count && !opt.quiet)
			out_line(opt.out, rec, len);
	}
}

/* One event in grep mode. */
static void
grep_event(const struct pattern *pat, const char *rec, size_t len,
    struct sbuf *b)
{
	int m = pattern_match(pat, &fl);

	if (opt.explain) {
		explain(NULL, pat, m, b);
		nselected += m != opt.invert;
		return;
	}
	if (m == opt.invert)
		return;
	nselected++;
	if (!opt.count && !opt.quiet)
		out_line(opt.out, rec, len);
}

int
main(int argc, char *argv[])
{
	struct pattern_opts popts = { 0, PATTERN_WILDCARD_LIMIT, 0, 0 };
	struct pattern *pat = NULL;
	struct sbuf b = SBUF_INIT, flat = SBUF_INIT;
	const char *account = NULL, *region = NULL, *ptext = NULL,
	    *pfile = NULL, *rfile = NULL, *bus = NULL, *dlqfile = NULL,
	    *rec, *serr;
	char *perr = NULL, *pbuf = NULL;
	size_t len, plen = 0, off, i;
	long long maxsize = 262144;		/* AWS's event size limit */
	int c, keep_going = 0, status;

	diag_init(argv);
	clock_init();
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1)
		switch (c) {
		case 'a': account = optarg; break;
		case 'b':
			if (!awsid_name_ok(optarg, 256, "/"))
				errx(EXIT_USAGE, "invalid bus name '%s'",
				    optarg);
			bus = optarg;
			break;
		case 'c': opt.count = 1; break;
		case 'd': dlqfile = optarg; break;
		case 'e': opt.explain = 1; break;
		case 'f': pfile = optarg; break;
		case 'h':
			diag_help(usage_text, help_text);
		case 'H': opt.with_rule = 1; break;
		case 'k': keep_going = 1; break;
		case 'm':
			maxsize = num_parse_size(optarg, 1,
			    NDJSON_MAXLINE_DEFAULT, "size");
			break;
		case 'p': ptext = optarg; break;
		case 'q': opt.quiet = 1; break;
		case 'r': region = optarg; break;
		case 'R': rfile = optarg; break;
		case 't':
			sinks_add(&opt.sinks, optarg, "ID");
			break;
		case 'u': opt.unbuffered = 1; break;
		case 'v': opt.invert = 1; break;
		case 'V':
			diag_version();
		case OPT_CLOCK:
			clock_option(optarg);
			break;
		case OPT_NUMBERS:
			if (strcmp(optarg, "legacy") == 0)
				popts.legacy_numbers = 1;
			else if (strcmp(optarg, "current") != 0)
				errx(EXIT_USAGE, "invalid number mode '%s'",
				    optarg);
			break;
		case OPT_WILDLIMIT:
			popts.wildcard_limit = (int)num_parse(optarg, 0, 100000,
			    "wildcard limit");
			break;
		default:
			diag_usage(usage_text);
		}
	argc -= optind;
	argv += optind;
	if ((ptext != NULL) + (pfile != NULL) + (rfile != NULL) != 1) {
		warnx("give one of -p, -f or --rules");
		diag_usage(usage_text);
	}
	if (rfile == NULL && (opt.sinks.n > 0 || dlqfile != NULL ||
	    bus != NULL || opt.with_rule))
		errx(EXIT_USAGE, "--target, --dead-letter, --bus and "
		    "--with-rule need --rules");
	awsid_init(account, region);
	/* a large stdio buffer: a sixteenth of the write calls */
	if (!opt.unbuffered)
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));

	pt = pathtab_new();
	if (pfile != NULL) {
		pbuf = read_file(pfile, &plen);
		ptext = pbuf;
	} else if (ptext != NULL)
		plen = strlen(ptext);
	if (ptext != NULL) {
		if ((pat = pattern_compile(ptext, plen, pt, &popts, &perr)) ==
		    NULL) {
			fprintf(stderr, "%s: Event pattern is not valid. "
			    "Reason: %s\n", diag_prog(), perr);
			free(perr);
			free(pbuf);
			pathtab_free(pt);
			return EXIT_PROGRAM;
		}
	} else {
		switch (rules_load(rfile, bus, pt, &popts, &rs, &perr)) {
		case -2:
			fprintf(stderr, "%s: %s\n", diag_prog(), perr);
			free(perr);
			pathtab_free(pt);
			return EXIT_USAGE;
		case -1:
			fprintf(stderr, "%s: %s\n", diag_prog(), perr);
			free(perr);
			pathtab_free(pt);
			return EXIT_PROGRAM;
		}
	}
	free(pbuf);
	sc = scan_new(pt);
	fields_init(&fl, pt);
	opt.out = opt.sinks.to_stdout ? NULL : out_stdout(opt.unbuffered);
	if (rfile != NULL)
		open_sinks();
	if (rfile != NULL) {
		struct pattern **pats = xcalloc(rs.n + 1, sizeof(*pats));

		for (i = 0; i < rs.n; i++)
			pats[i] = rs.r[i].enabled ? rs.r[i].pat : NULL;
		ps = pset_new(pats, rs.n);
		free(pats);
		matched = xcalloc(rs.n + 1, 1);
		hits = xcalloc(rs.n + 1, sizeof(*hits));
		busy = xcalloc(rs.n + 1, 1);
		counts = xcalloc(rs.n + 1, sizeof(*counts));
		for (i = 0; i < rs.n; i++) {
			busy[i] = opt.with_rule;
			for (size_t k = 0; k < rs.r[i].nt; k++)
				busy[i] |= rs.r[i].t[k].sink != NULL;
			anybusy |= busy[i];
		}
	}
	if (dlqfile != NULL)
		opt.dlq = out_open(dlqfile, opt.unbuffered);

	ndjson_open(&in, argc, argv);
	in.keep_going = keep_going;
	in.maxline = (size_t)maxsize;
	while (ndjson_next(&in, &rec, &len)) {
		if (in.multiline) {
			/* a pretty-printed document: one line on output */
			sbuf_reset(&flat);
			jsonraw_minify(&flat, rec, len);
			rec = flat.buf;
			len = flat.len;
		}
		if (scan_event(sc, rec, len, &fl, &serr, &off) != 0) {
			ndjson_bad(&in, "invalid event: %s at byte %zu", serr,
			    off + 1);
			continue;
		}
		if (pat != NULL)
			grep_event(pat, rec, len, &b);
		else
			bus_event(rec, len, &b);
	}
	status = ndjson_status(&in);
	ndjson_close(&in);
	if (opt.count && opt.out != NULL) {
		if (pat != NULL) {
			sbuf_reset(&b);
			sbuf_addf(&b, "%ld", nselected);
			out_line(opt.out, b.buf, b.len);
		} else
			for (i = 0; i < rs.n; i++) {
				sbuf_reset(&b);
				sbuf_addf(&b, "%s\t%ld", rs.r[i].name,
				    counts[i]);
				out_line(opt.out, b.buf, b.len);
			}
	}
	sbuf_free(&b);
	sbuf_free(&flat);
	pattern_free(pat);
	fields_free(&fl);
	scan_free(sc);
	pathtab_free(pt);
	if (rfile != NULL)
		sinks_close(&opt.sinks);
	pset_free(ps);
	free(matched);
	free(hits);
	free(busy);
	free(counts);
	rules_free(&rs);
	if (opt.dlq != NULL)
		out_close(opt.dlq);
	out_close(out_stdout(opt.unbuffered));
	if (status == EXIT_OK && (nselected == 0 || (nundelivered > 0 &&
	    opt.dlq == NULL)))
		status = EXIT_NEGATIVE;
	return status;
}
