/* ndjson.c: the shared NDJSON reader; see ndjson.h. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	r->fd = -1;
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
		r->eof = r->skipping = 0;
		r->beg = r->end = 0;
		if (strcmp(f, "-") == 0) {
			r->fd = STDIN_FILENO;
			r->name = "<stdin>";
			return 1;
		}
		if ((r->fd = open(f, O_RDONLY | O_CLOEXEC)) == -1) {
			warn("%s", f);
			r->ioerr = 1;
			continue;
		}
		r->name = f;
		return 1;
	}
	return 0;
}

static void
close_current(struct ndjson *r)
{
	if (r->fd == -1)
		return;
	if (r->fd != STDIN_FILENO)
		close(r->fd);
	r->fd = -1;
}

/*
 * Read more of the current file into the buffer, after what is unread;
 * 0 at its end (or on an error, reported).
 */
static int
fill(struct ndjson *r)
{
	ssize_t n;

	if (r->eof)
		return 0;
	if (r->beg > 0) {
		memmove(r->buf, r->buf + r->beg, r->end - r->beg);
		r->end -= r->beg;
		r->beg = 0;
	}
	/* Room for one full read and the NUL after a record. */
	if (r->cap - r->end < NDJSON_IOBUF + 1) {
		r->cap = r->cap == 0 ? 2 * NDJSON_IOBUF + 1 :
		    r->end + NDJSON_IOBUF + 1 > 2 * r->cap ?
		    r->end + NDJSON_IOBUF + 1 : 2 * r->cap;
		r->buf = xrealloc(r->buf, r->cap);
	}
	do
		n = read(r->fd, r->buf + r->end, NDJSON_IOBUF);
	while (n == -1 && errno == EINTR);
	if (n <= 0) {
		if (n == -1) {
			warnx("%s: read error: %s", r->name, strerror(errno));
			r->ioerr = 1;
		}
		r->eof = 1;
		return 0;
	}
	r->end += (size_t)n;
	r->reads++;
	return 1;
}

/*
 * The next physical line of this file at *line, without its newline (or
 * CR LF) and NUL-ended in the buffer; -1 at the end of the file.  A line
 * over maxline is READ_TOOLONG, for the caller to reject: dropped as it
 * is read, or, when its end came in the same read, as a whole.
 */
#define READ_TOOLONG	(-2)

static ssize_t
read_line(struct ndjson *r, char **line)
{
	char *p, *nl;
	size_t scanned = 0, n;

	for (;;) {
		p = r->buf + r->beg;
		n = r->end - r->beg;
		if (n > scanned &&
		    (nl = memchr(p + scanned, '\n', n - scanned)) != NULL) {
			n = (size_t)(nl - p);
			r->beg += n + 1;
			break;
		}
		if (r->skipping) {	/* nothing of it is kept */
			r->beg = r->end = scanned = 0;
		} else if (n > r->maxline) {
			r->skipping = 1;
			r->beg = r->end = scanned = 0;
		} else
			scanned = n;
		if (!fill(r)) {
			if (r->beg == r->end && !r->skipping)
				return -1;
			n = r->end - r->beg;	/* a last line, no newline */
			p = r->buf + r->beg;
			r->beg = r->end;
			break;
		}
	}
	r->nextline++;
	if (!r->skipping && n > 0 && p[n - 1] == '\r')
		n--;
	if (r->skipping || n > r->maxline) {	/* dropped, or read whole */
		r->skipping = 0;
		*line = NULL;
		return READ_TOOLONG;
	}
	p[n] = '\0';
	*line = p;
	return (ssize_t)n;
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

/*
 * Gather a pretty-printed document that starts with the current line;
 * -1 when one of its lines is over the limit.
 */
static int
gather(struct ndjson *r, const char *first, size_t flen, const char **rec,
    size_t *len)
{
	long depth;
	ssize_t n;
	char *line;

	sbuf_reset(&r->doc);
	sbuf_add(&r->doc, first, flen);
	depth = depth_delta(first, flen);
	while (depth > 0 && (n = read_line(r, &line)) != -1) {
		if (n == READ_TOOLONG)
			return -1;
		sbuf_addc(&r->doc, '\n');
		sbuf_add(&r->doc, line, (size_t)n);
		depth += depth_delta(line, (size_t)n);
		if (r->doc.len > r->maxline)
			break;
	}
	*rec = r->doc.buf;
	*len = r->doc.len;
	return 0;
}

int
ndjson_next(struct ndjson *r, const char **rec, size_t *len)
{
	ssize_t n;
	size_t bad;
	char *line;

	for (;;) {
		if (ndjson_stop(r))
			return 0;
		if (r->fd == -1 && !open_next(r))
			return 0;
		if ((n = read_line(r, &line)) == -1) {
			close_current(r);
			continue;
		}
		r->lineno = r->nextline;
		if (n != READ_TOOLONG && blank(line, (size_t)n))
			continue;
		r->multiline = n != READ_TOOLONG &&
		    opens_document(line, (size_t)n);
		if (n == READ_TOOLONG ||
		    (r->multiline && gather(r, line, (size_t)n, rec, len) != 0)) {
			ndjson_bad(r, "record exceeds %zu bytes", r->maxline);
			continue;
		}
		if (!r->multiline) {
			*rec = line;
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
	free(r->buf);
	r->buf = NULL;
	r->cap = r->beg = r->end = 0;
	sbuf_free(&r->doc);
}

int
ndjson_fd(const struct ndjson *r)
{
	return r->fd;
}

int
ndjson_ready(const struct ndjson *r)
{
	struct pollfd p;

	if (r->fd == -1 || ndjson_buffered(r))
		return 1;
	p.fd = r->fd;
	p.events = POLLIN;
	return poll(&p, 1, 0) != 0;
}

int
ndjson_buffered(const struct ndjson *r)
{
	if (r->beg == r->end)
		return 0;
	return r->eof || memchr(r->buf + r->beg, '\n', r->end - r->beg) !=
	    NULL;
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
