/* ndjson.c: the shared NDJSON reader; see ndjson.h. */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "exitcode.h"
#include "jsonraw.h"
#include "ndjson.h"
#include "xalloc.h"

void
ndjson_open(struct ndjson *r, int argc, char **argv)
{
	static char dashname[] = "-";
	static char *dash[] = { dashname };

	memset(r, 0, sizeof(*r));
	r->files = argc > 0 ? argv : dash;
	r->nfiles = argc > 0 ? argc : 1;
	r->maxline = NDJSON_MAXLINE_DEFAULT;
}

/* Open the next operand; 0 when none is left. */
static int
open_next(struct ndjson *r)
{
	const char *f;

	while (r->idx < r->nfiles) {
		f = r->files[r->idx++];
		r->nextline = 0;
		if (strcmp(f, "-") == 0) {
			r->fp = stdin;
			r->name = "<stdin>";
			return 1;
		}
		if ((r->fp = fopen(f, "r")) == NULL) {
			warn("%s", f);
			r->ioerr = 1;
			continue;
		}
		/* big reads: a file's default buffer is one 4 KiB block */
		if (r->iobuf == NULL)
			r->iobuf = xmalloc(NDJSON_IOBUF);
		setvbuf(r->fp, r->iobuf, _IOFBF, NDJSON_IOBUF);
		r->name = f;
		return 1;
	}
	return 0;
}

static void
close_current(struct ndjson *r)
{
	if (r->fp == NULL)
		return;
	if (ferror(r->fp)) {
		warnx("%s: read error", r->name);
		r->ioerr = 1;
	}
	if (r->fp != stdin)
		fclose(r->fp);
	else
		clearerr(stdin);
	r->fp = NULL;
}

/* Does the line hold only "[" or "{" (and blanks)? */
static int
opens_document(const char *p, size_t n)
{
	const char *end = p + n;

	p = jsonraw_ws(p, end);
	if (p >= end || (*p != '[' && *p != '{'))
		return 0;
	return jsonraw_ws(p + 1, end) == end;
}

/*
 * Bracket depth change of a line of a pretty-printed document; *instr
 * carries "inside a string" across lines (never true in valid JSON).
 */
static long
depth_delta(const char *p, size_t n)
{
	long d = 0;
	int instr = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (instr) {
			if (p[i] == '\\')
				i++;
			else if (p[i] == '"')
				instr = 0;
			continue;
		}
		switch (p[i]) {
		case '"': instr = 1; break;
		case '[': case '{': d++; break;
		case ']': case '}': d--; break;
		}
	}
	return d;
}

static int
blank(const char *p, size_t n)
{
	return jsonraw_ws(p, p + n) == p + n;
}

/* Read one physical line into r->line; -1 at end of this file. */
static ssize_t
read_line(struct ndjson *r)
{
	ssize_t n = getline(&r->line, &r->cap, r->fp);

	if (n < 0)
		return -1;
	r->nextline++;
	if (n > 0 && r->line[n - 1] == '\n')
		r->line[--n] = '\0';
	if (n > 0 && r->line[n - 1] == '\r')
		r->line[--n] = '\0';
	return n;
}

/* Gather a pretty-printed document that starts with the current line. */
static int
gather(struct ndjson *r, size_t first, const char **rec, size_t *len)
{
	long depth;
	ssize_t n;

	sbuf_reset(&r->doc);
	sbuf_add(&r->doc, r->line, first);
	depth = depth_delta(r->line, first);
	while (depth > 0 && (n = read_line(r)) >= 0) {
		sbuf_addc(&r->doc, '\n');
		sbuf_add(&r->doc, r->line, (size_t)n);
		depth += depth_delta(r->line, (size_t)n);
		if (r->doc.len > r->maxline)
			break;
	}
	*rec = r->doc.buf;
	*len = r->doc.len;
	return 1;
}

int
ndjson_next(struct ndjson *r, const char **rec, size_t *len)
{
	ssize_t n;
	size_t bad;

	for (;;) {
		if (ndjson_stop(r))
			return 0;
		if (r->fp == NULL && !open_next(r))
			return 0;
		if ((n = read_line(r)) < 0) {
			close_current(r);
			continue;
		}
		r->lineno = r->nextline;
		if (blank(r->line, (size_t)n))
			continue;
		if (opens_document(r->line, (size_t)n))
			gather(r, (size_t)n, rec, len);
		else {
			*rec = r->line;
			*len = (size_t)n;
		}
		if (*len > r->maxline) {
			ndjson_bad(r, "record exceeds %zu bytes", r->maxline);
			continue;
		}
		if (!utf8_valid(*rec, *len, &bad)) {
			ndjson_bad(r, "invalid UTF-8 at byte %zu", bad + 1);
			continue;
		}
		return 1;
	}
}

jv
ndjson_parse(const char *rec, size_t len)
{
	struct jv_parser *p;
	jv v, extra;

	if (memchr(rec, '\0', len) != NULL)
		return jv_invalid_with_msg(jv_string("NUL byte in input"));
	p = jv_parser_new(0);
	jv_parser_set_buf(p, rec, (int)len, 0);
	v = jv_parser_next(p);
	if (!jv_is_valid(v)) {
		if (!jv_invalid_has_msg(jv_copy(v))) {
			jv_free(v);
			v = jv_invalid_with_msg(
			    jv_string("Expected JSON value"));
		}
		goto out;
	}
	extra = jv_parser_next(p);
	if (jv_is_valid(extra) || jv_invalid_has_msg(jv_copy(extra))) {
		jv_free(v);
		v = jv_invalid_with_msg(
		    jv_string("Unexpected extra JSON values"));
	}
	jv_free(extra);
out:
	jv_parser_free(p);
	return v;
}

int
ndjson_bad(struct ndjson *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vloc(r->name, r->lineno, fmt, ap);
	va_end(ap);
	r->nbad++;
	return r->keep_going ? 0 : -1;
}

int
ndjson_stop(const struct ndjson *r)
{
	return r->nbad > 0 && !r->keep_going;
}

void
ndjson_close(struct ndjson *r)
{
	close_current(r);
	free(r->line);
	r->line = NULL;
	free(r->iobuf);
	r->iobuf = NULL;
	sbuf_free(&r->doc);
}

int
ndjson_status(const struct ndjson *r)
{
	if (r->nbad > 0)
		return EXIT_INPUT;
	if (r->ioerr)
		return EXIT_USAGE;
	return EXIT_OK;
}
