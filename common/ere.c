/* ere.c: bounded POSIX extended regular expressions; see ere.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ere.h"
#include "sbuf.h"
#include "xalloc.h"

/* What a quantifier at this point would repeat. */
enum { NOTHING, ITEM, GROUP, REPEATED, LAZY };

/* One level of group nesting: its {m,n} counts and its expanded size. */
struct frame {
	long	count;
	long	size;
};

struct walk {
	struct frame	 f[ERE_DEPTH_MAX + 1];
	int		 depth;
	int		 prev;
	struct frame	 last;		/* the group just closed */
};

/* Add C and S to the current level; an owned message when over a bound. */
static char *
grow(struct walk *w, long c, long s)
{
	struct frame *f = &w->f[w->depth];

	if ((f->count += c) > ERE_REPEAT_MAX)
		return xasprintf("the repetition counts of a regular "
		    "expression add up to more than %d", ERE_REPEAT_MAX);
	if ((f->size += s) > ERE_SIZE_MAX)
		return xasprintf("a regular expression expands to more than "
		    "%d items", ERE_SIZE_MAX);
	return NULL;
}

/*
 * The {m,n} at *sp: advances *sp to its '}' and sets *hi (the count
 * copies are made of) and *open ({m,}).  -1 when malformed.
 */
static int
interval(const char **sp, const char *end, long *hi, int *open)
{
	const char *s = *sp;
	long lo;
	char *q;

	if (s + 1 >= end || !isdigit((unsigned char)s[1]))
		return -1;
	lo = strtol(s + 1, &q, 10);
	*hi = lo;
	*open = 0;
	if (q < end && *q == ',') {
		if (q + 1 < end && isdigit((unsigned char)q[1]))
			*hi = strtol(q + 1, &q, 10);
		else {
			q++;
			*open = 1;
		}
	}
	if (q >= end || *q != '}' || *hi < lo)
		return -1;
	*sp = q;
	return 0;
}

/*
 * The quantifier at *sp (one of * + ? {); advances *sp to its last byte.
 * Sets *drop for a lazy '?'.  Returns an owned message when refused.
 */
static char *
quantifier(struct walk *w, const char **sp, const char *end, int *drop)
{
	long hi = 1, copies, count;
	int open = 0;
	char c = **sp;

	*drop = 0;
	if (w->prev == REPEATED && c == '?') {
		w->prev = LAZY;
		*drop = 1;
		return NULL;
	}
	if (w->prev == REPEATED || w->prev == LAZY)
		return xasprintf("'%c' cannot follow another quantifier in a "
		    "regular expression", c);
	if (w->prev == NOTHING)
		return xasprintf("'%c' has nothing to repeat in a regular "
		    "expression", c);
	if (c == '{' && interval(sp, end, &hi, &open) == -1)
		return xstrdup("a regular expression has a malformed '{m,n}'");
	if (hi > ERE_REPEAT_MAX)
		return xasprintf("the repetition counts of a regular "
		    "expression add up to more than %d", ERE_REPEAT_MAX);
	/* how many copies of the item the compiled form holds */
	copies = c == '{' ? (hi > 1 ? hi : 1) + open : c == '+' ? 2 : 1;
	count = c == '{' ? hi : 0;
	if (w->prev == GROUP) {
		/* the group's own counts and size were added once already */
		count += w->last.count * (c == '{' ? hi : copies) -
		    w->last.count;
		if (count < 0)
			count = 0;
		w->prev = REPEATED;
		return grow(w, count, w->last.size * (copies - 1));
	}
	w->prev = REPEATED;
	return grow(w, count, copies - 1);
}

/* The bracket expression at *sp: advances *sp to its ']'. */
static char *
bracket(const char **sp, const char *end)
{
	const char *s = *sp + 1;

	if (s < end && *s == '^')
		s++;
	if (s < end && *s == ']')
		s++;
	for (; s < end && *s != ']'; s++) {
		if (*s == '[' && s + 1 < end && strchr(":.=", s[1]) != NULL) {
			char k = s[1];

			for (s += 2; s + 1 < end &&
			    !(s[0] == k && s[1] == ']'); s++)
				;
			if (s + 1 >= end)
				break;
			s++;
		}
	}
	if (s >= end)
		return xstrdup("a regular expression has an unclosed '['");
	*sp = s;
	return NULL;
}

static char *
walk(struct walk *w, const char *s, size_t n, struct sbuf *b)
{
	const char *end = s + n, *from;
	char *err = NULL;
	int drop;

	for (; s < end && err == NULL; s++) {
		from = s;
		switch (*s) {
		case '*': case '+': case '?': case '{':
			err = quantifier(w, &s, end, &drop);
			if (drop)
				continue;
			break;
		case '\\':
			if (++s == end)
				return xstrdup("a regular expression ends in "
				    "'\\'");
			if (*s >= '1' && *s <= '9')
				return xstrdup("back-references are not "
				    "supported in a regular expression");
			w->prev = ITEM;
			err = grow(w, 0, 1);
			break;
		case '[':
			w->prev = ITEM;
			if ((err = bracket(&s, end)) == NULL)
				err = grow(w, 0, 1);
			break;
		case '(':
			if (w->depth == ERE_DEPTH_MAX)
				return xasprintf("the groups of a regular "
				    "expression nest more than %d deep",
				    ERE_DEPTH_MAX);
			w->depth++;
			w->f[w->depth].count = w->f[w->depth].size = 0;
			w->prev = NOTHING;
			break;
		case ')':
			if (w->depth == 0) {	/* regcomp decides */
				w->prev = ITEM;
				break;
			}
			w->last = w->f[w->depth--];
			w->prev = GROUP;
			err = grow(w, w->last.count, w->last.size + 1);
			break;
		case '|': case '^': case '$':
			w->prev = NOTHING;
			break;
		default:
			w->prev = ITEM;
			err = grow(w, 0, 1);
			break;
		}
		sbuf_add(b, from, (size_t)(s - from + 1));
	}
	return err;
}

char *
ere_compile(regex_t *re, const char *s, size_t n, int cflags)
{
	struct sbuf b = SBUF_INIT;
	struct walk *w;
	char msg[128], *err;
	int e;

	w = xcalloc(1, sizeof(*w));
	w->prev = NOTHING;
	err = walk(w, s, n, &b);
	free(w);
	sbuf_grow(&b, 0);
	if (err == NULL && (e = regcomp(re, b.buf, cflags)) != 0) {
		regerror(e, re, msg, sizeof(msg));
		err = xasprintf("invalid regular expression: %s", msg);
	}
	sbuf_free(&b);
	return err;
}
