/* filterpat.c: CloudWatch Logs filter patterns; see filterpat.h. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "filterpat.h"
#include "sbuf.h"
#include "xalloc.h"

enum term_kind { T_ALL, T_NOT };
enum node_kind { N_AND, N_OR, N_CMP };
enum op { OP_EQ, OP_NE, OP_GT, OP_LT, OP_GE, OP_LE, OP_NULL, OP_TRUE,
	OP_FALSE, OP_NOTEXISTS };

struct term {
	enum term_kind	 kind;
	size_t		 group;		/* ?term groups, OR'ed */
	char		*text;
	size_t		 len;
};

struct node {
	enum node_kind	 kind;
	struct node	*l, *r;
	jv		 path;		/* array of keys and indices */
	enum op		 op;
	int		 numeric;	/* value is a number */
	double		 num;
	char		*str;		/* string value (may hold '*') */
};

struct filterpat {
	int		 json;
	struct term	*terms;
	size_t		 nterms;
	size_t		 ngroups;
	struct node	*root;
};

/* The JSON pattern parser's state. */
struct parser {
	const char	*p, *end;
	char		*err;
};

static void
perr(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	char *m;

	if (ps->err != NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	ps->err = m != NULL ? m : xstrdup("invalid filter pattern");
}

static void
node_free(struct node *n)
{
	if (n == NULL)
		return;
	node_free(n->l);
	node_free(n->r);
	if (n->kind == N_CMP)
		jv_free(n->path);
	free(n->str);
	free(n);
}

void
filterpat_free(struct filterpat *fp)
{
	size_t i;

	if (fp == NULL)
		return;
	for (i = 0; i < fp->nterms; i++)
		free(fp->terms[i].text);
	free(fp->terms);
	node_free(fp->root);
	free(fp);
}

static void
skipws(struct parser *ps)
{
	while (ps->p < ps->end && isspace((unsigned char)*ps->p))
		ps->p++;
}

static int
accept(struct parser *ps, const char *s)
{
	size_t n = strlen(s);

	skipws(ps);
	if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, s, n) == 0) {
		ps->p += n;
		return 1;
	}
	return 0;
}

/* A keyword: the word S, not followed by more word characters. */
static int
keyword(struct parser *ps, const char *s)
{
	size_t n = strlen(s);

	skipws(ps);
	if ((size_t)(ps->end - ps->p) >= n && strncasecmp(ps->p, s, n) == 0 &&
	    (ps->p + n == ps->end || !isalnum((unsigned char)ps->p[n]))) {
		ps->p += n;
		return 1;
	}
	return 0;
}

static int
selchar(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '@' || c == '$' ||
	    c == ':';
}

/* $.a.b[0].c  ->  ["a","b",0,"c"] */
static jv
selector(struct parser *ps)
{
	const char *s;
	jv path = jv_array();
	long idx;

	skipws(ps);
	if (ps->p >= ps->end || *ps->p != '$') {
		perr(ps, "expected a selector ($.field) at '%.20s'", ps->p);
		jv_free(path);
		return jv_invalid();
	}
	ps->p++;
	while (ps->p < ps->end) {
		if (*ps->p == '.') {
			s = ++ps->p;
			while (ps->p < ps->end && selchar((unsigned char)*ps->p))
				ps->p++;
			if (ps->p == s) {
				perr(ps, "empty field name in selector");
				break;
			}
			path = jv_array_append(path, jv_string_sized(s,
			    (int)(ps->p - s)));
		} else if (*ps->p == '[') {
			s = ++ps->p;
			idx = 0;
			while (ps->p < ps->end && isdigit((unsigned char)*ps->p)
			    && idx < 1000000)
				idx = idx * 10 + (*ps->p++ - '0');
			if (ps->p == s || ps->p >= ps->end || *ps->p != ']') {
				perr(ps, "invalid array index in selector");
				break;
			}
			ps->p++;
			path = jv_array_append(path, jv_number((double)idx));
		} else
			break;
	}
	if (ps->err != NULL) {
		jv_free(path);
		return jv_invalid();
	}
	if (jv_array_length(jv_copy(path)) == 0) {
		jv_free(path);
		perr(ps, "a selector needs a field ($.field)");
		return jv_invalid();
	}
	return path;
}

/* A value: "quoted", a number, or a bare string; owned text in *str. */
static int
value(struct parser *ps, struct node *n)
{
	struct sbuf b = SBUF_INIT;
	const char *s;
	char *endp;

	skipws(ps);
	if (ps->p < ps->end && *ps->p == '"') {
		for (ps->p++; ps->p < ps->end && *ps->p != '"'; ps->p++) {
			if (*ps->p == '\\' && ps->p + 1 < ps->end)
				ps->p++;
			sbuf_addc(&b, *ps->p);
		}
		if (ps->p >= ps->end) {
			sbuf_free(&b);
			perr(ps, "unterminated quoted value");
			return -1;
		}
		ps->p++;
		if (b.buf == NULL)
			sbuf_adds(&b, "");
		n->str = sbuf_detach(&b, NULL);
		return 0;
	}
	s = ps->p;
	while (ps->p < ps->end && !isspace((unsigned char)*ps->p) &&
	    strchr("(){}&|", *ps->p) == NULL)
		ps->p++;
	if (ps->p == s) {
		perr(ps, "expected a value at '%.20s'", s);
		return -1;
	}
	n->str = xstrndup(s, (size_t)(ps->p - s));
	n->num = strtod(n->str, &endp);
	n->numeric = *endp == '\0' && isfinite(n->num) &&
	    strchr("+-.0123456789", n->str[0]) != NULL;
	return 0;
}

static struct node *expr(struct parser *);

static struct node *
comparison(struct parser *ps)
{
	static const struct { const char *s; enum op op; } ops[] = {
		{ "!=", OP_NE }, { ">=", OP_GE }, { "<=", OP_LE },
		{ "=", OP_EQ }, { ">", OP_GT }, { "<", OP_LT }
	};
	struct node *n;
	size_t i;

	n = xcalloc(1, sizeof(*n));
	n->kind = N_CMP;
	n->path = selector(ps);
	if (ps->err != NULL)
		goto fail;
	if (keyword(ps, "IS")) {
		if (keyword(ps, "NULL"))
			n->op = OP_NULL;
		else if (keyword(ps, "TRUE"))
			n->op = OP_TRUE;
		else if (keyword(ps, "FALSE"))
			n->op = OP_FALSE;
		else {
			perr(ps, "expected NULL, TRUE or FALSE after IS "
			    "(IS NOT is not supported)");
			goto fail;
		}
		return n;
	}
	if (keyword(ps, "NOT")) {
		if (!keyword(ps, "EXISTS")) {
			perr(ps, "expected EXISTS after NOT");
			goto fail;
		}
		n->op = OP_NOTEXISTS;
		return n;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (accept(ps, ops[i].s))
			break;
	if (i == sizeof(ops) / sizeof(ops[0])) {
		perr(ps, "expected an operator (=, !=, <, <=, >, >=, IS, NOT "
		    "EXISTS) at '%.20s'", ps->p);
		goto fail;
	}
	n->op = ops[i].op;
	if (value(ps, n) != 0)
		goto fail;
	if (n->op != OP_EQ && n->op != OP_NE && !n->numeric) {
		perr(ps, "'%s' needs a numeric value", ops[i].s);
		goto fail;
	}
	return n;
fail:
	node_free(n);
	return NULL;
}

static struct node *
primary(struct parser *ps)
{
	struct node *n;

	if (accept(ps, "(")) {
		if ((n = expr(ps)) == NULL)
			return NULL;
		if (!accept(ps, ")")) {
			perr(ps, "expected ')'");
			node_free(n);
			return NULL;
		}
		return n;
	}
	return comparison(ps);
}

static struct node *
join(enum node_kind kind, struct node *l, struct node *r)
{
	struct node *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->l = l;
	n->r = r;
	return n;
}

static struct node *
conjunction(struct parser *ps)
{
	struct node *n, *r;

	if ((n = primary(ps)) == NULL)
		return NULL;
	while (accept(ps, "&&")) {
		if ((r = primary(ps)) == NULL) {
			node_free(n);
			return NULL;
		}
		n = join(N_AND, n, r);
	}
	return n;
}

static struct node *
expr(struct parser *ps)
{
	struct node *n, *r;

	if ((n = conjunction(ps)) == NULL)
		return NULL;
	while (accept(ps, "||")) {
		if ((r = conjunction(ps)) == NULL) {
			node_free(n);
			return NULL;
		}
		n = join(N_OR, n, r);
	}
	return n;
}

static int
compile_json(struct filterpat *fp, const char *text, char **err)
{
	struct parser ps;

	ps.p = text;
	ps.end = text + strlen(text);
	ps.err = NULL;
	if (!accept(&ps, "{"))
		perr(&ps, "a JSON pattern starts with '{'");
	else if ((fp->root = expr(&ps)) != NULL) {
		if (!accept(&ps, "}"))
			perr(&ps, "expected '}', '&&' or '||' at '%.20s'", ps.p);
		else {
			skipws(&ps);
			if (ps.p != ps.end)
				perr(&ps, "unexpected text after '}'");
		}
	}
	if (ps.err != NULL) {
		*err = ps.err;
		return -1;
	}
	return 0;
}

static int
compile_text(struct filterpat *fp, const char *text, char **err)
{
	const char *p = text;
	struct sbuf b = SBUF_INIT;
	enum term_kind kind;
	struct term *t;
	int quoted;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		kind = T_ALL;
		if (*p == '?') {
			/* A ?term starts a group of its own. */
			if (fp->nterms > 0 || fp->ngroups > 0)
				fp->ngroups++;
			p++;
		} else if (*p == '-' && p[1] != '\0' && !isspace((unsigned char)
		    p[1]))
			kind = T_NOT, p++;
		sbuf_reset(&b);
		quoted = *p == '"';
		if (quoted) {
			for (p++; *p != '\0' && *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				sbuf_addc(&b, *p);
			}
			if (*p != '"') {
				sbuf_free(&b);
				*err = xstrdup("unterminated quoted term");
				return -1;
			}
			p++;
		} else {
			if (*p == '[' || *p == '{') {
				sbuf_free(&b);
				*err = xstrdup(*p == '[' ?
				    "space-delimited patterns are not "
				    "supported" : "a JSON pattern must be "
				    "the whole pattern");
				return -1;
			}
			while (*p != '\0' && !isspace((unsigned char)*p))
				sbuf_addc(&b, *p++);
		}
		/* " " matches everything: a term that is always there. */
		if (quoted && kind == T_ALL &&
		    strspn(b.buf != NULL ? b.buf : "", " \t") == b.len)
			continue;
		if (b.len == 0)
			continue;
		fp->terms = xreallocarray(fp->terms, fp->nterms + 1,
		    sizeof(*fp->terms));
		t = &fp->terms[fp->nterms++];
		t->kind = kind;
		t->group = fp->ngroups;
		t->len = b.len;
		t->text = sbuf_detach(&b, NULL);
	}
	sbuf_free(&b);
	return 0;
}

struct filterpat *
filterpat_compile(const char *text, char **err)
{
	struct filterpat *fp;
	const char *p = text;
	int r;

	*err = NULL;
	if (strlen(text) > FILTERPAT_MAX) {
		*err = xstrdup("a filter pattern has at most 1024 characters");
		return NULL;
	}
	fp = xcalloc(1, sizeof(*fp));
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '{') {
		fp->json = 1;
		r = compile_json(fp, p, err);
	} else
		r = compile_text(fp, text, err);
	if (r != 0) {
		filterpat_free(fp);
		return NULL;
	}
	return fp;
}

/* Glob match with '*' (any run), on NUL-free bytes. */
static int
glob(const char *pat, const char *s, size_t n)
{
	const char *star = NULL, *end = s + n, *mark = NULL;

	while (s < end) {
		if (*pat == '*') {
			star = pat++;
			mark = s;
		} else if (*pat != '\0' && *pat == *s) {
			pat++;
			s++;
		} else if (star != NULL) {
			pat = star + 1;
			s = ++mark;
		} else
			return 0;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

/* The value at the node's path in V (borrowed), or invalid. */
static jv
lookup(jv v, jv path)
{
	int i, n = jv_array_length(jv_copy(path));
	jv k;

	v = jv_copy(v);
	for (i = 0; i < n && jv_is_valid(v); i++) {
		k = jv_array_get(jv_copy(path), i);
		if (jv_get_kind(k) == JV_KIND_STRING &&
		    jv_get_kind(v) == JV_KIND_OBJECT)
			v = jv_object_get(v, k);
		else if (jv_get_kind(k) == JV_KIND_NUMBER &&
		    jv_get_kind(v) == JV_KIND_ARRAY) {
			int idx = (int)jv_number_value(k);

			jv_free(k);
			v = idx < jv_array_length(jv_copy(v)) ?
			    jv_array_get(v, idx) : (jv_free(v), jv_invalid());
		} else {
			jv_free(k);
			jv_free(v);
			v = jv_invalid();
		}
	}
	return v;
}

static int
eval(const struct node *n, jv msg)
{
	jv x;
	jv_kind k;
	double d;
	int r = 0;

	if (n->kind == N_AND)
		return eval(n->l, msg) && eval(n->r, msg);
	if (n->kind == N_OR)
		return eval(n->l, msg) || eval(n->r, msg);
	x = lookup(msg, n->path);
	k = jv_get_kind(x);
	if (n->op == OP_NOTEXISTS) {
		r = !jv_is_valid(x);
		jv_free(x);
		return r;
	}
	if (!jv_is_valid(x))
		return 0;
	switch (n->op) {
	case OP_NULL: r = k == JV_KIND_NULL; break;
	case OP_TRUE: r = k == JV_KIND_TRUE; break;
	case OP_FALSE: r = k == JV_KIND_FALSE; break;
	case OP_EQ:
	case OP_NE:
		if (k == JV_KIND_STRING && !n->numeric)
			r = glob(n->str, jv_string_value(x),
			    (size_t)jv_string_length_bytes(jv_copy(x)));
		else if (k == JV_KIND_STRING)	/* bare digits as text */
			r = strcmp(n->str, jv_string_value(x)) == 0;
		else if (k == JV_KIND_NUMBER && n->numeric)
			r = jv_number_value(x) == n->num;
		else {
			r = 0;
			break;
		}
		if (n->op == OP_NE)
			r = !r;
		break;
	default:
		if (k != JV_KIND_NUMBER)
			break;
		d = jv_number_value(x);
		r = n->op == OP_GT ? d > n->num : n->op == OP_LT ?
		    d < n->num : n->op == OP_GE ? d >= n->num : d <= n->num;
	}
	jv_free(x);
	return r;
}

int
filterpat_match(const struct filterpat *fp, const char *msg, size_t len)
{
	size_t i, next;
	int found, ok, r;
	jv v;

	if (fp == NULL)
		return 1;
	if (fp->json) {
		v = jv_parse_sized(msg, (int)len);
		r = jv_get_kind(v) == JV_KIND_OBJECT && eval(fp->root, v);
		jv_free(v);
		return r;
	}
	/* Groups are in order: any group whose terms all hold matches. */
	for (i = 0; i < fp->nterms; i = next) {
		ok = 1;
		for (next = i; next < fp->nterms &&
		    fp->terms[next].group == fp->terms[i].group; next++) {
			if (!ok)
				continue;
			found = memmem(msg, len, fp->terms[next].text,
			    fp->terms[next].len) != NULL;
			ok = fp->terms[next].kind == T_ALL ? found : !found;
		}
		if (ok)
			return 1;
	}
	return fp->nterms == 0;
}
