/* sbuf.c: growable byte buffer; see sbuf.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"
#include "xalloc.h"

void
sbuf_grow(struct sbuf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 256;
	while (b->cap < need)
		b->cap *= 2;
	b->buf = xrealloc(b->buf, b->cap);
	b->buf[b->len] = '\0';
}

void
sbuf_add(struct sbuf *b, const void *p, size_t n)
{
	sbuf_grow(b, n);
	if (n > 0)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void
sbuf_addc(struct sbuf *b, int c)
{
	sbuf_grow(b, 1);
	b->buf[b->len++] = (char)c;
	b->buf[b->len] = '\0';
}

void
sbuf_adds(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void
sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sbuf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->buf != NULL)
		b->buf[0] = '\0';
}

void
sbuf_free(struct sbuf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
}

char *
sbuf_detach(struct sbuf *b, size_t *len)
{
	char *p;

	if (b->buf == NULL)
		sbuf_grow(b, 0), b->buf[0] = '\0';
	p = b->buf;
	if (len != NULL)
		*len = b->len;
	b->buf = NULL;
	b->len = b->cap = 0;
	return p;
}

int
sbuf_read(struct sbuf *b, FILE *fp)
{
	size_t n;

	for (;;) {
		sbuf_grow(b, 65536);
		n = fread(b->buf + b->len, 1, b->cap - b->len - 1, fp);
		if (n == 0)
			break;
		b->len += n;
	}
	b->buf[b->len] = '\0';
	return ferror(fp) ? -1 : 0;
}

int
sbuf_read_file(struct sbuf *b, const char *path)
{
	FILE *fp;
	int r;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "r")) == NULL)
		return -1;
	r = sbuf_read(b, fp);
	if (fp != stdin)
		fclose(fp);
	if (r != 0)
		errno = EIO;
	return r;
}
