/* filterpat.c: CloudWatch Logs filter patterns; see filterpat.h. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "cwregex.h"
#include "filterpat.h"
#include "sbuf.h"
#include "xalloc.h"

#define FILTERPAT_MAXRE	2	/* regexes in a JSON or delimited pattern */

enum fp_kind { FP_TEXT, FP_JSON, FP_DELIM, FP_REGEX };
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
	jv		 path;		/* JSON: array of keys and indices */
	size_t		 field;		/* delimited: the field's slot */
	enum op		 op;
	int		 numeric;	/* value is a number */
	double		 num;
	char		*str;		/* string value (may hold '*') */
	struct cwregex	*re;		/* a %regex% value */
};

struct filterpat {
	enum fp_kind	 kind;
	struct term	*terms;		/* FP_TEXT */
	size_t		 nterms;
	size_t		 ngroups;
	struct node	*root;		/* FP_JSON, FP_DELIM (may be NULL) */
	struct cwregex	*re;		/* FP_REGEX */
	char		**names;	/* FP_DELIM: slot names ("": none) */
	size_t		 nslots;
	size_t		 ellipsis;	/* the "..." slot, or nslots: none */
	int		 nre;		/* regexes compiled */
};

/* The JSON and space-delimited pattern parser's state. */
struct parser {
	const char	*p, *end;
	char		*err;
	struct filterpat *fp;
	const char	*stop;		/* what ends a bare value */
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
	cwregex_free(n->re);
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
	cwregex_free(fp->re);
	for (i = 0; i < fp->nslots; i++)
		free(fp->names[i]);
	free(fp->names);
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

/*
 * A value: "quoted", a number, a %regex% (in *re), or a bare string;
 * owned text in *str.
 */
static int
value(struct parser *ps, struct node *n)
{
	struct sbuf b = SBUF_INIT;
	const char *s;
	char *endp, *m;

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
	if (ps->p < ps->end && *ps->p == '%') {
		s = ++ps->p;
		while (ps->p < ps->end && *ps->p != '%')
			ps->p++;
		if (ps->p >= ps->end) {
			perr(ps, "unterminated regular expression");
			return -1;
		}
		if (++ps->fp->nre > FILTERPAT_MAXRE) {
			perr(ps, "a JSON or space-delimited pattern holds at "
			    "most %d regular expressions", FILTERPAT_MAXRE);
			return -1;
		}
		if ((n->re = cwregex_compile(s, (size_t)(ps->p - s), &m)) ==
		    NULL) {
			perr(ps, "%s", m);
			free(m);
			return -1;
		}
		ps->p++;
		return 0;
	}
	s = ps->p;
	while (ps->p < ps->end && !isspace((unsigned char)*ps->p) &&
	    strchr(ps->stop, *ps->p) == NULL)
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

static int
namechar(int c)
{
	return isalnum(c) || c == '_';
}

/* A field of a space-delimited pattern, by name: its slot in *slot. */
static int
field_ref(struct parser *ps, size_t *slot)
{
	const char *s;
	size_t i, n;

	skipws(ps);
	for (s = ps->p; ps->p < ps->end && namechar((unsigned char)*ps->p);)
		ps->p++;
	if ((n = (size_t)(ps->p - s)) == 0) {
		perr(ps, "expected a field name at '%.20s'", s);
		return -1;
	}
	for (i = 0; i < ps->fp->nslots; i++)
		if (strlen(ps->fp->names[i]) == n &&
		    memcmp(ps->fp->names[i], s, n) == 0) {
			*slot = i;
			return 0;
		}
	perr(ps, "no field named '%.*s'", (int)n, s);
	return -1;
}

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
	if (ps->fp->kind == FP_DELIM) {
		n->path = jv_null();
		if (field_ref(ps, &n->field) != 0)
			goto fail;
	} else
		n->path = selector(ps);
	if (ps->err != NULL)
		goto fail;
	if (ps->fp->kind == FP_DELIM)
		;	/* IS and NOT EXISTS are for JSON members */
	else if (keyword(ps, "IS")) {
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
		perr(ps, "expected an operator (=, !=, <, <=, >, >=%s) at "
		    "'%.20s'", ps->fp->kind == FP_DELIM ? "" :
		    ", IS, NOT EXISTS", ps->p);
		goto fail;
	}
	n->op = ops[i].op;
	if (value(ps, n) != 0)
		goto fail;
	if (n->re != NULL && n->op != OP_EQ && n->op != OP_NE) {
		perr(ps, "'%s' cannot compare with a regular expression",
		    ops[i].s);
		goto fail;
	}
	if (n->re == NULL && n->op != OP_EQ && n->op != OP_NE &&
	    !n->numeric) {
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
	struct parser ps = { text, text + strlen(text), NULL, fp, "(){}&|" };

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

/*
 * The end of the slot of a space-delimited pattern that starts at P: the
 * ',' or ']' after it, outside quotes and regexes (which may hold them).
 */
static const char *
slot_end(const char *p)
{
	for (; *p != '\0' && *p != ',' && *p != ']'; p++)
		if (*p == '"' || *p == '%') {
			char q = *p;

			while (*++p != '\0' && *p != q)
				if (q == '"' && *p == '\\' && p[1] != '\0')
					p++;
			if (*p == '\0')
				break;
		}
	return p;
}

/*
 * [name, name op value, ..., name op value && other op value]: first the
 * slots and their names, then each slot's condition, whose comparisons
 * may name any field.  Every condition must hold.
 */
static int
compile_delim(struct filterpat *fp, const char *text, char **err)
{
	struct parser ps = { text, text + strlen(text), NULL, fp,
	    "(){}&|,]" };
	const char *name, *end, **cond = NULL;
	struct node *n;
	size_t i, len;

	fp->ellipsis = (size_t)-1;
	accept(&ps, "[");
	for (;;) {
		cond = xreallocarray(cond, fp->nslots + 1, sizeof(*cond));
		cond[fp->nslots] = NULL;
		skipws(&ps);
		name = ps.p;
		len = 0;
		if (accept(&ps, "...")) {
			if (fp->ellipsis != (size_t)-1)
				perr(&ps, "a space-delimited pattern holds at "
				    "most one '...'");
			fp->ellipsis = fp->nslots;
		} else {
			while (namechar((unsigned char)*ps.p))
				ps.p++;
			len = (size_t)(ps.p - name);
			skipws(&ps);
			if (*ps.p != ',' && *ps.p != ']' && *ps.p != '\0')
				cond[fp->nslots] = name;
		}
		for (i = 0; i < fp->nslots && len > 0; i++)
			if (strlen(fp->names[i]) == len &&
			    memcmp(fp->names[i], name, len) == 0)
				perr(&ps, "the field '%.*s' is named twice",
				    (int)len, name);
		fp->names = xreallocarray(fp->names, fp->nslots + 1,
		    sizeof(*fp->names));
		fp->names[fp->nslots++] = xstrndup(name, len);
		if (ps.err != NULL)
			break;
		end = slot_end(ps.p);
		skipws(&ps);
		if (cond[fp->nslots - 1] == NULL && ps.p != end) {
			perr(&ps, "unexpected '%.*s' in a space-delimited "
			    "pattern", (int)(end - ps.p > 20 ? 20 :
			    end - ps.p), ps.p);
			break;
		}
		ps.p = end;
		if (*ps.p == ',') {
			ps.p++;
			continue;
		}
		if (*ps.p != ']')
			perr(&ps, "expected ']' at the end of a space-delimited "
			    "pattern");
		else {
			ps.p++;
			skipws(&ps);
			if (ps.p != ps.end)
				perr(&ps, "unexpected text after ']'");
		}
		break;
	}
	if (fp->ellipsis == (size_t)-1)
		fp->ellipsis = fp->nslots;
	for (i = 0; i < fp->nslots && ps.err == NULL; i++) {
		if (cond[i] == NULL)
			continue;
		ps.p = cond[i];
		ps.end = end = slot_end(cond[i]);
		if ((n = expr(&ps)) == NULL)
			break;
		fp->root = fp->root == NULL ? n : join(N_AND, fp->root, n);
		skipws(&ps);
		if (ps.p != end)
			perr(&ps, "expected ',', ']', '&&' or '||' at '%.*s'",
			    (int)(end - ps.p > 20 ? 20 : end - ps.p), ps.p);
	}
	free(cond);
	if (ps.err != NULL) {
		*err = ps.err;
		return -1;
	}
	return 0;
}

/* A pattern that is one %regex%, matched anywhere in the message. */
static int
compile_regex(struct filterpat *fp, const char *p, size_t n, char **err)
{
	if ((fp->re = cwregex_compile(p + 1, n - 2, err)) == NULL)
		return -1;
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
				*err = xasprintf("a %s pattern must be the "
				    "whole pattern", *p == '[' ?
				    "space-delimited" : "JSON");
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
	size_t n;
	int r;

	*err = NULL;
	if (strlen(text) > FILTERPAT_MAX) {
		*err = xstrdup("a filter pattern has at most 1024 characters");
		return NULL;
	}
	fp = xcalloc(1, sizeof(*fp));
	while (isspace((unsigned char)*p))
		p++;
	n = strlen(p);
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	if (*p == '{') {
		fp->kind = FP_JSON;
		r = compile_json(fp, p, err);
	} else if (*p == '[') {
		fp->kind = FP_DELIM;
		r = compile_delim(fp, p, err);
	} else if (n >= 2 && p[0] == '%' && p[n - 1] == '%') {
		fp->kind = FP_REGEX;
		r = compile_regex(fp, p, n, err);
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
		if (n->re != NULL) {
			if (k != JV_KIND_STRING)
				break;
			r = cwregex_match(n->re, jv_string_value(x),
			    (size_t)jv_string_length_bytes(jv_copy(x)));
		} else if (k == JV_KIND_STRING && !n->numeric)
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

/* A field of a space-delimited message. */
struct span {
	const char	*p;
	size_t		 n;
};

/* A condition of a space-delimited pattern, on the slots' fields F. */
static int
eval_fields(const struct node *n, const struct span *f)
{
	const struct span *x;
	char buf[64], *endp;
	double d;
	int r;

	if (n->kind == N_AND)
		return eval_fields(n->l, f) && eval_fields(n->r, f);
	if (n->kind == N_OR)
		return eval_fields(n->l, f) || eval_fields(n->r, f);
	x = &f[n->field];
	if (n->re != NULL) {
		r = cwregex_match(n->re, x->p, x->n);
		return n->op == OP_NE ? !r : r;
	}
	/* A number against a field that is one: numerically. */
	if (n->numeric && x->n > 0 && x->n < sizeof(buf) &&
	    strchr("+-.0123456789", x->p[0]) != NULL) {
		memcpy(buf, x->p, x->n);
		buf[x->n] = '\0';
		d = strtod(buf, &endp);
		if (*endp == '\0' && isfinite(d))
			switch (n->op) {
			case OP_EQ: return d == n->num;
			case OP_NE: return d != n->num;
			case OP_GT: return d > n->num;
			case OP_LT: return d < n->num;
			case OP_GE: return d >= n->num;
			default: return d <= n->num;
			}
	}
	if (n->op != OP_EQ && n->op != OP_NE)
		return 0;
	r = n->numeric ? x->n == strlen(n->str) &&
	    memcmp(x->p, n->str, x->n) == 0 : glob(n->str, x->p, x->n);
	return n->op == OP_NE ? !r : r;
}

/*
 * The fields of a message, for space-delimited patterns: runs of
 * characters between blanks, where what is between [ and ], or between
 * two double quotes, is one field (without them).
 */
static size_t
split_fields(const char *p, size_t len, struct span **f, size_t *cap)
{
	const char *end = p + len, *q;
	size_t nf = 0;
	char close;

	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end)
			break;
		if (nf == *cap) {
			*cap = *cap == 0 ? 16 : 2 * *cap;
			*f = xreallocarray(*f, *cap, sizeof(**f));
		}
		if (*p == '[' || *p == '"') {
			close = *p == '[' ? ']' : '"';
			if ((q = memchr(p + 1, close, (size_t)(end - p - 1))) !=
			    NULL) {
				(*f)[nf].p = p + 1;
				(*f)[nf++].n = (size_t)(q - p - 1);
				p = q + 1;
				continue;
			}
		}
		for (q = p; q < end && *q != ' ' && *q != '\t'; q++)
			;
		(*f)[nf].p = p;
		(*f)[nf++].n = (size_t)(q - p);
		p = q;
	}
	return nf;
}

/*
 * Slots before the "..." take the first fields, those after it the last
 * ones; without "..." there must be as many fields as slots.
 */
static int
delim_match(const struct filterpat *fp, const char *msg, size_t len)
{
	struct span *f = NULL, *slot;
	size_t cap = 0, nf, fixed, i;
	int r = 0;

	nf = split_fields(msg, len, &f, &cap);
	fixed = fp->nslots - (fp->ellipsis < fp->nslots);
	if (fp->ellipsis < fp->nslots ? nf >= fixed : nf == fixed) {
		slot = xreallocarray(NULL, fp->nslots, sizeof(*slot));
		for (i = 0; i < fp->nslots; i++)
			slot[i] = i < fp->ellipsis ? f[i] : i > fp->ellipsis ?
			    f[nf - (fp->nslots - i)] : (struct span){ "", 0 };
		r = fp->root == NULL || eval_fields(fp->root, slot);
		free(slot);
	}
	free(f);
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
	if (fp->kind == FP_REGEX)
		return cwregex_match(fp->re, msg, len);
	if (fp->kind == FP_DELIM)
		return delim_match(fp, msg, len);
	if (fp->kind == FP_JSON) {
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
