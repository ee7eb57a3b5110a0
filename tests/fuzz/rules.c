/*
 * rules.c: fuzz events against a rule set, ebus-match's path through
 * the public API (rules.h, scan.h, pattern.h, transform.h).
 *
 * The first line of the input is the rules file (a JSON array, a
 * list-rules object, a template, or one NDJSON rule); every further
 * line is an event.  Each event that is valid UTF-8 (as ndjson checks)
 * is scanned, matched against every rule, explained for each, and
 * shaped for the targets of the rules it matches.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "jsonraw.h"
#include "ndjson.h"
#include "pattern.h"
#include "rules.h"
#include "sbuf.h"
#include "scan.h"
#include "transform.h"
#include "xalloc.h"

static char rulefile[64];

static void
cleanup(void)
{
	if (rulefile[0] != '\0')
		unlink(rulefile);
}

static void
write_rules(const char *text, size_t len)
{
	FILE *f;

	if (rulefile[0] == '\0') {
		int fd;

		snprintf(rulefile, sizeof(rulefile), "/tmp/fuzz-rules.XXXXXX");
		if ((fd = mkstemp(rulefile)) == -1)
			err(1, "mkstemp");
		close(fd);
		atexit(cleanup);
	}
	if ((f = fopen(rulefile, "w")) == NULL)
		err(1, "%s", rulefile);
	if (len > 0 && fwrite(text, 1, len, f) != len)
		err(1, "%s", rulefile);
	if (fclose(f) != 0)
		err(1, "%s", rulefile);
}

/* What ebus-match does for the targets of a matching rule. */
static void
deliver(const struct rule *r, const char *rec, size_t len, jv *value,
    struct sbuf *b)
{
	const char *code, *why;
	size_t i;

	for (i = 0; i < r->nt; i++)
		(void)rules_target_input(r, &r->t[i], rec, len, value, b,
		    &code, &why);
}

static void
events(const struct ruleset *rs, struct pathtab *pt, const char *p,
    const char *end)
{
	struct scanner *sc;
	struct fields fl;
	struct pset *ps;
	struct pattern **pats;
	struct sbuf b = SBUF_INIT;
	unsigned char *matched;
	uint32_t *hits;
	const char *nl, *serr;
	char *rec;
	size_t i, nhits, len, off;
	jv value;

	sc = scan_new(pt);
	fields_init(&fl, pt);
	pats = xcalloc(rs->n + 1, sizeof(*pats));
	for (i = 0; i < rs->n; i++)
		pats[i] = rs->r[i].enabled ? rs->r[i].pat : NULL;
	ps = pset_new(pats, rs->n);
	matched = xcalloc(rs->n + 1, 1);
	hits = xcalloc(rs->n + 1, sizeof(*hits));
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p);
		if (!utf8_valid(p, len, &off))
			continue;
		/* a copy of its own, NUL-terminated as ndjson_next gives it */
		rec = xmalloc(len + 1);
		memcpy(rec, p, len);
		rec[len] = '\0';
		if (scan_event(sc, rec, len, &fl, &serr, &off) == 0) {
			value = jv_invalid();
			/* The index's answer, checked against each pattern. */
			memset(matched, 0, rs->n + 1);
			nhits = pset_match(ps, &fl, hits);
			for (i = 0; i < nhits; i++) {
				if (hits[i] >= rs->n ||
				    (i > 0 && hits[i] <= hits[i - 1]))
					abort();	/* not ascending */
				matched[hits[i]] = 1;
			}
			for (i = 0; i < rs->n; i++) {
				if (rs->r[i].pat != NULL &&
				    pattern_match(rs->r[i].pat, &fl) !=
				    matched[i] && rs->r[i].enabled)
					abort();	/* pset and pattern differ */
				if (!matched[i] && rs->r[i].pat != NULL) {
					sbuf_reset(&b);
					pattern_explain(rs->r[i].pat, &fl, pt,
					    &b);
				}
				if (matched[i])
					deliver(&rs->r[i], rec, len, &value,
					    &b);
			}
			jv_free(value);
		}
		free(rec);
	}
	sbuf_free(&b);
	free(matched);
	free(hits);
	pset_free(ps);
	free(pats);
	fields_free(&fl);
	scan_free(sc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pattern_opts o = { 0, PATTERN_WILDCARD_LIMIT, 0, 0 };
	struct ruleset rs;
	struct pathtab *pt;
	char *first, *rest, *err = NULL;
	size_t n1, n2;

	fuzz_split(data, size, &first, &n1, &rest, &n2);
	write_rules(first, n1);
	pt = pathtab_new();
	if (rules_load(rulefile, NULL, pt, &o, &rs, &err) == 0) {
		events(&rs, pt, rest, rest + n2);
		rules_free(&rs);
	} else
		free(err);
	pathtab_free(pt);
	free(first);
	free(rest);
	return 0;
}
