/*
 * jpath.c: JSONPath evaluation with Jayway's semantics; see jpath.h.
 *
 * A path compiles into an array of segments.  Evaluation walks the
 * segments depth first and collects every match; a definite path stops
 * at its first (only) one.  Filters are a small expression tree whose
 * operands are relative ("@") or absolute ("$") paths and literals.
 */
#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ere.h"
#include "jpath.h"
#include "sbuf.h"
#include "xalloc.h"

enum seg_kind {
	SEG_NAMES,	/* .name, ['a','b'] */
	SEG_INDEXES,	/* [0], [0,2], [-1] */
	SEG_WILD,	/* .*, [*] */
	SEG_SLICE,	/* [a:b:c] */
	SEG_FILTER,	/* [?(...)] */
	SEG_LENGTH	/* .length() */
};

struct fexpr;

struct seg {
	enum seg_kind	 kind;
	int		 deep;		/* preceded by ".." */
	char		**names;
	size_t		 nnames;
	long		*idx;
	size_t		 nidx;
	long		 start, end, step;
	int		 has_start, has_end;
	struct fexpr	*filter;
};

struct jpath {
	char		*text;
	int		 context;	/* starts at "$$" */
	int		 relative;	/* starts at "@" (filters) */
	char		*var;		/* starts at "$var": its name */
	int		 definite;
	struct seg	*segs;
	size_t		 nsegs;
};

enum fop {
	F_OR, F_AND, F_NOT, F_EXISTS, F_EQ, F_NE, F_LT, F_LE, F_GT, F_GE,
	F_MATCH, F_IN, F_NIN, F_SUBSETOF, F_ANYOF, F_NONEOF, F_SIZE, F_EMPTY,
	F_CONTAINS
};

enum operand_kind { O_PATH, O_VALUE, O_REGEX };

struct operand {
	enum operand_kind kind;
	struct jpath	*path;
	jv		 value;
	regex_t		 re;
	int		 has_re;
};

struct fexpr {
	enum fop	 op;
	struct fexpr	*l, *r;		/* F_OR, F_AND, F_NOT */
	struct operand	 a, b;		/* comparisons; F_EXISTS uses a */
};

struct parser {
	const char	*s;
	size_t		 pos;
	char		*err;
	int		 in_filter;
};

static void	 fexpr_free(struct fexpr *);
static struct fexpr *parse_or(struct parser *);
static int	 parse_segments(struct parser *, struct jpath *);

static int
perr(struct parser *p, const char *what)
{
	if (p->err[0] != '\0')
		return -1;
	if (p->s[p->pos] == '\0')
		snprintf(p->err, JPATH_ERRSZ, "%s at end of path", what);
	else
		snprintf(p->err, JPATH_ERRSZ, "%s at offset %zu ('%c')",
		    what, p->pos, p->s[p->pos]);
	return -1;
}

static void
skip_ws(struct parser *p)
{
	while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t')
		p->pos++;
}

static struct seg *
add_seg(struct jpath *jp, enum seg_kind kind, int deep)
{
	struct seg *sg;

	jp->segs = xreallocarray(jp->segs, jp->nsegs + 1, sizeof(*jp->segs));
	sg = &jp->segs[jp->nsegs++];
	memset(sg, 0, sizeof(*sg));
	sg->kind = kind;
	sg->deep = deep;
	sg->step = 1;
	return sg;
}

static void
seg_add_name(struct seg *sg, char *name)
{
	sg->names = xreallocarray(sg->names, sg->nnames + 1,
	    sizeof(*sg->names));
	sg->names[sg->nnames++] = name;
}

static void
seg_add_idx(struct seg *sg, long i)
{
	sg->idx = xreallocarray(sg->idx, sg->nidx + 1, sizeof(*sg->idx));
	sg->idx[sg->nidx++] = i;
}

/* A quoted string ('...' or "..."); backslash escapes the next byte. */
static char *
parse_quoted(struct parser *p)
{
	struct sbuf b = SBUF_INIT;
	char q = p->s[p->pos++];

	sbuf_grow(&b, 0);
	for (;;) {
		char c = p->s[p->pos];

		if (c == '\0') {
			sbuf_free(&b);
			perr(p, "unterminated string");
			return NULL;
		}
		p->pos++;
		if (c == q)
			break;
		/* As in Jayway, only the quote itself is escaped. */
		if (c == '\\' && p->s[p->pos] == q)
			c = p->s[p->pos++];
		sbuf_addc(&b, c);
	}
	return sbuf_detach(&b, NULL);
}

static int
parse_long(struct parser *p, long *v)
{
	const char *s = p->s + p->pos;
	char *end;

	if (!(*s == '-' || (*s >= '0' && *s <= '9')))
		return 0;
	*v = strtol(s, &end, 10);
	if (end == s || (*s == '-' && end == s + 1))
		return 0;
	p->pos += (size_t)(end - s);
	return 1;
}

/* Characters that end a dot-notation name. */
static int
name_end(const struct parser *p, char c)
{
	if (c == '\0' || c == '.' || c == '[')
		return 1;
	if (p->in_filter)
		return strchr(" \t)=!<>&|,~", c) != NULL;
	return 0;
}

/* The inside of [...], after '['. */
static int
parse_bracket(struct parser *p, struct jpath *jp, int deep)
{
	struct seg *sg;
	long v;

	skip_ws(p);
	if (p->s[p->pos] == '*') {
		p->pos++;
		add_seg(jp, SEG_WILD, deep);
	} else if (p->s[p->pos] == '?') {
		p->pos++;
		skip_ws(p);
		if (p->s[p->pos] != '(')
			return perr(p, "expected '(' after '?'");
		p->pos++;
		sg = add_seg(jp, SEG_FILTER, deep);
		if ((sg->filter = parse_or(p)) == NULL)
			return -1;
		skip_ws(p);
		if (p->s[p->pos] != ')')
			return perr(p, "expected ')' closing the filter");
		p->pos++;
	} else if (p->s[p->pos] == '\'' || p->s[p->pos] == '"') {
		char *name;

		sg = add_seg(jp, SEG_NAMES, deep);
		for (;;) {
			skip_ws(p);
			if (p->s[p->pos] != '\'' && p->s[p->pos] != '"')
				return perr(p, "expected a quoted name");
			if ((name = parse_quoted(p)) == NULL)
				return -1;
			seg_add_name(sg, name);
			skip_ws(p);
			if (p->s[p->pos] != ',')
				break;
			p->pos++;
		}
	} else {
		int has_start = parse_long(p, &v);

		skip_ws(p);
		if (p->s[p->pos] == ':') {
			sg = add_seg(jp, SEG_SLICE, deep);
			sg->start = has_start ? v : 0;
			sg->has_start = has_start;
			p->pos++;
			skip_ws(p);
			if (parse_long(p, &sg->end))
				sg->has_end = 1;
			skip_ws(p);
			if (p->s[p->pos] == ':') {
				p->pos++;
				skip_ws(p);
				if (parse_long(p, &sg->step) && sg->step == 0)
					return perr(p, "slice step 0");
			}
		} else if (has_start) {
			sg = add_seg(jp, SEG_INDEXES, deep);
			seg_add_idx(sg, v);
			while (p->s[p->pos] == ',') {
				p->pos++;
				skip_ws(p);
				if (!parse_long(p, &v))
					return perr(p, "expected an index");
				seg_add_idx(sg, v);
				skip_ws(p);
			}
		} else
			return perr(p, "unexpected character in brackets");
	}
	skip_ws(p);
	if (p->s[p->pos] != ']')
		return perr(p, "expected ']'");
	p->pos++;
	return 0;
}

static int
parse_segments(struct parser *p, struct jpath *jp)
{
	struct seg *sg;
	size_t start;
	int deep;

	for (;;) {
		char c = p->s[p->pos];

		if (c == '[') {
			p->pos++;
			if (parse_bracket(p, jp, 0) != 0)
				return -1;
			continue;
		}
		if (c != '.')
			return 0;
		p->pos++;
		deep = 0;
		if (p->s[p->pos] == '.') {
			deep = 1;
			p->pos++;
			if (p->s[p->pos] == '[') {
				p->pos++;
				if (parse_bracket(p, jp, 1) != 0)
					return -1;
				continue;
			}
		}
		if (p->s[p->pos] == '*') {
			p->pos++;
			add_seg(jp, SEG_WILD, deep);
			continue;
		}
		if (!deep && strncmp(p->s + p->pos, "length()", 8) == 0 &&
		    (p->s[p->pos + 8] == '\0' || p->in_filter)) {
			p->pos += 8;
			add_seg(jp, SEG_LENGTH, 0);
			continue;
		}
		start = p->pos;
		while (!name_end(p, p->s[p->pos]))
			p->pos++;
		if (p->pos == start)
			return perr(p, "expected a name");
		sg = add_seg(jp, SEG_NAMES, deep);
		seg_add_name(sg, xstrndup(p->s + start, p->pos - start));
	}
}

static void
segs_free(struct jpath *jp)
{
	size_t i, j;

	for (i = 0; i < jp->nsegs; i++) {
		for (j = 0; j < jp->segs[i].nnames; j++)
			free(jp->segs[i].names[j]);
		free(jp->segs[i].names);
		free(jp->segs[i].idx);
		fexpr_free(jp->segs[i].filter);
	}
	free(jp->segs);
}

void
jpath_free(struct jpath *jp)
{
	if (jp == NULL)
		return;
	segs_free(jp);
	free(jp->text);
	free(jp->var);
	free(jp);
}

static int
compute_definite(const struct jpath *jp)
{
	size_t i;

	for (i = 0; i < jp->nsegs; i++) {
		const struct seg *sg = &jp->segs[i];

		if (sg->deep)
			return 0;
		switch (sg->kind) {
		case SEG_NAMES:
			if (sg->nnames != 1)
				return 0;
			break;
		case SEG_INDEXES:
			if (sg->nidx != 1)
				return 0;
			break;
		case SEG_LENGTH:
			break;
		default:
			return 0;
		}
	}
	return 1;
}

/* A path inside a filter or at top level, starting at p->pos. */
static struct jpath *
parse_path(struct parser *p)
{
	struct jpath *jp;
	size_t start = p->pos;

	jp = xcalloc(1, sizeof(*jp));
	if (p->s[p->pos] == '@') {
		jp->relative = 1;
		p->pos++;
	} else if (p->s[p->pos] == '$') {
		p->pos++;
		if (p->s[p->pos] == '$') {
			jp->context = 1;
			p->pos++;
		}
	} else {
		perr(p, "a path starts with '$'");
		jpath_free(jp);
		return NULL;
	}
	if (parse_segments(p, jp) != 0) {
		jpath_free(jp);
		return NULL;
	}
	jp->definite = compute_definite(jp);
	jp->text = xstrndup(p->s + start, p->pos - start);
	return jp;
}

/* The length of a variable name at S: letters, digits, '_' (not first). */
static size_t
var_name_len(const char *s)
{
	size_t n = 0;

	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return 0;
	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	return n;
}

static struct jpath *
compile(const char *text, int vars, char err[JPATH_ERRSZ])
{
	struct parser p;
	struct jpath *jp;
	size_t vn;

	err[0] = '\0';
	p.s = text;
	p.pos = 0;
	p.err = err;
	p.in_filter = 0;
	if (text[0] != '$') {
		snprintf(err, JPATH_ERRSZ, "a path starts with '$'");
		return NULL;
	}
	if (vars && (vn = var_name_len(text + 1)) > 0) {
		/* "$name.rest" is the path "$.rest" on the variable. */
		jp = xcalloc(1, sizeof(*jp));
		jp->var = xstrndup(text + 1, vn);
		p.pos = 1 + vn;
		if (parse_segments(&p, jp) != 0) {
			jpath_free(jp);
			return NULL;
		}
		jp->definite = compute_definite(jp);
		jp->text = xstrndup(text, p.pos);
	} else if ((jp = parse_path(&p)) == NULL)
		return NULL;
	if (text[p.pos] != '\0') {
		perr(&p, "unexpected character");
		jpath_free(jp);
		return NULL;
	}
	return jp;
}

struct jpath *
jpath_compile(const char *text, char err[JPATH_ERRSZ])
{
	return compile(text, 0, err);
}

struct jpath *
jpath_compile_vars(const char *text, char err[JPATH_ERRSZ])
{
	return compile(text, 1, err);
}

const char *
jpath_var(const struct jpath *jp)
{
	return jp->var;
}

const char *
jpath_text(const struct jpath *jp)
{
	return jp->text;
}

int
jpath_definite(const struct jpath *jp)
{
	return jp->definite;
}

int
jpath_is_context(const struct jpath *jp)
{
	return jp->context;
}

int
jpath_is_root(const struct jpath *jp)
{
	return jp->nsegs == 0;
}

/* Filters. */

static void
operand_free(struct operand *o)
{
	if (o->kind == O_PATH)
		jpath_free(o->path);
	else if (o->kind == O_VALUE)
		jv_free(o->value);
	if (o->has_re)
		regfree(&o->re);
}

static void
fexpr_free(struct fexpr *e)
{
	if (e == NULL)
		return;
	fexpr_free(e->l);
	fexpr_free(e->r);
	operand_free(&e->a);
	operand_free(&e->b);
	free(e);
}

static struct fexpr *
fexpr_new(enum fop op)
{
	struct fexpr *e = xcalloc(1, sizeof(*e));

	e->op = op;
	e->a.kind = e->b.kind = O_VALUE;
	e->a.value = jv_invalid();
	e->b.value = jv_invalid();
	return e;
}

/* A JSON literal inside a filter: number, string, true, false, null, [...]. */
static int
parse_literal(struct parser *p, struct operand *o)
{
	const char *s = p->s + p->pos;
	char *end;

	o->kind = O_VALUE;
	if (*s == '\'' || *s == '"') {
		char *str = parse_quoted(p);

		if (str == NULL)
			return -1;
		o->value = jv_string(str);
		free(str);
		return 0;
	}
	if (strncmp(s, "true", 4) == 0) {
		o->value = jv_true();
		p->pos += 4;
		return 0;
	}
	if (strncmp(s, "false", 5) == 0) {
		o->value = jv_false();
		p->pos += 5;
		return 0;
	}
	if (strncmp(s, "null", 4) == 0) {
		o->value = jv_null();
		p->pos += 4;
		return 0;
	}
	if (*s == '[') {
		/* A list of literals, for in/nin/subsetof/anyof/noneof. */
		jv a = jv_array();

		p->pos++;
		skip_ws(p);
		while (p->s[p->pos] != ']') {
			struct operand el;

			if (parse_literal(p, &el) != 0) {
				jv_free(a);
				return -1;
			}
			a = jv_array_append(a, el.value);
			skip_ws(p);
			if (p->s[p->pos] == ',') {
				p->pos++;
				skip_ws(p);
			} else if (p->s[p->pos] != ']') {
				jv_free(a);
				return perr(p, "expected ',' or ']'");
			}
		}
		p->pos++;
		o->value = a;
		return 0;
	}
	if (*s == '-' || (*s >= '0' && *s <= '9')) {
		double d = strtod(s, &end);

		if (end == s)
			return perr(p, "bad number");
		p->pos += (size_t)(end - s);
		o->value = jv_number(d);
		return 0;
	}
	return perr(p, "expected a value");
}

static int
parse_regex(struct parser *p, struct operand *o)
{
	struct sbuf b = SBUF_INIT;
	int flags = REG_EXTENDED | REG_NOSUB;
	char *err;

	p->pos++;
	while (p->s[p->pos] != '/') {
		if (p->s[p->pos] == '\0') {
			sbuf_free(&b);
			return perr(p, "unterminated regular expression");
		}
		if (p->s[p->pos] == '\\' && p->s[p->pos + 1] == '/')
			p->pos++;
		sbuf_addc(&b, p->s[p->pos++]);
	}
	p->pos++;
	while (p->s[p->pos] >= 'a' && p->s[p->pos] <= 'z') {
		if (p->s[p->pos] == 'i')
			flags |= REG_ICASE;
		p->pos++;
	}
	o->kind = O_REGEX;
	o->value = jv_invalid();
	err = ere_compile(&o->re, b.buf == NULL ? "" : b.buf, b.len, flags);
	sbuf_free(&b);
	if (err != NULL) {
		perr(p, err);
		free(err);
		return -1;
	}
	o->has_re = 1;
	return 0;
}

static int
parse_operand(struct parser *p, struct operand *o)
{
	char c;

	skip_ws(p);
	c = p->s[p->pos];
	if (c == '@' || c == '$') {
		o->kind = O_PATH;
		o->value = jv_invalid();
		return (o->path = parse_path(p)) == NULL ? -1 : 0;
	}
	if (c == '/')
		return parse_regex(p, o);
	return parse_literal(p, o);
}

static const struct {
	const char	*word;
	enum fop	 op;
} fops[] = {
	{ "==", F_EQ }, { "!=", F_NE }, { "<=", F_LE }, { ">=", F_GE },
	{ "=~", F_MATCH }, { "<", F_LT }, { ">", F_GT },
	{ "subsetof", F_SUBSETOF }, { "anyof", F_ANYOF },
	{ "noneof", F_NONEOF }, { "nin", F_NIN }, { "in", F_IN },
	{ "size", F_SIZE }, { "empty", F_EMPTY }, { "contains", F_CONTAINS }
};

static struct fexpr *
parse_cmp(struct parser *p)
{
	struct fexpr *e;
	size_t i, n;

	skip_ws(p);
	if (p->s[p->pos] == '!') {
		p->pos++;
		e = fexpr_new(F_NOT);
		if ((e->l = parse_cmp(p)) == NULL) {
			fexpr_free(e);
			return NULL;
		}
		return e;
	}
	if (p->s[p->pos] == '(') {
		p->pos++;
		if ((e = parse_or(p)) == NULL)
			return NULL;
		skip_ws(p);
		if (p->s[p->pos] != ')') {
			perr(p, "expected ')'");
			fexpr_free(e);
			return NULL;
		}
		p->pos++;
		return e;
	}
	e = fexpr_new(F_EXISTS);
	jv_free(e->a.value);
	if (parse_operand(p, &e->a) != 0) {
		e->a.kind = O_VALUE;
		e->a.value = jv_invalid();
		fexpr_free(e);
		return NULL;
	}
	skip_ws(p);
	for (i = 0; i < sizeof(fops) / sizeof(fops[0]); i++) {
		n = strlen(fops[i].word);
		if (strncmp(p->s + p->pos, fops[i].word, n) == 0)
			break;
	}
	if (i == sizeof(fops) / sizeof(fops[0]))
		return e;
	p->pos += n;
	e->op = fops[i].op;
	jv_free(e->b.value);
	if (parse_operand(p, &e->b) != 0) {
		e->b.kind = O_VALUE;
		e->b.value = jv_invalid();
		fexpr_free(e);
		return NULL;
	}
	return e;
}

static struct fexpr *
parse_and(struct parser *p)
{
	struct fexpr *l, *e;

	p->in_filter++;
	l = parse_cmp(p);
	while (l != NULL) {
		skip_ws(p);
		if (strncmp(p->s + p->pos, "&&", 2) != 0)
			break;
		p->pos += 2;
		e = fexpr_new(F_AND);
		e->l = l;
		if ((e->r = parse_cmp(p)) == NULL) {
			fexpr_free(e);
			l = NULL;
			break;
		}
		l = e;
	}
	p->in_filter--;
	return l;
}

static struct fexpr *
parse_or(struct parser *p)
{
	struct fexpr *l, *e;

	l = parse_and(p);
	while (l != NULL) {
		skip_ws(p);
		if (strncmp(p->s + p->pos, "||", 2) != 0)
			break;
		p->pos += 2;
		e = fexpr_new(F_OR);
		e->l = l;
		if ((e->r = parse_and(p)) == NULL) {
			fexpr_free(e);
			return NULL;
		}
		l = e;
	}
	return l;
}

/* Evaluation. */

struct walk {
	jv	 root, ctx;
	jv	 out;		/* array of matches */
	int	 first_only;
	int	 done;
};

static void	walk(struct walk *, const struct jpath *, size_t, jv);
static int	fexpr_eval(const struct fexpr *, jv item, jv root, jv ctx);

static void
emit(struct walk *w, const struct jpath *jp, size_t i, jv v)
{
	walk(w, jp, i + 1, v);
}

/* Apply segment I (without its deep flag) to NODE (consumed). */
static void
apply(struct walk *w, const struct jpath *jp, size_t i, jv node)
{
	const struct seg *sg = &jp->segs[i];
	jv_kind k = jv_get_kind(node);
	size_t j;
	int n, it;

	switch (sg->kind) {
	case SEG_NAMES:
		if (k == JV_KIND_OBJECT)
			for (j = 0; j < sg->nnames && !w->done; j++) {
				jv v = jv_object_get(jv_copy(node),
				    jv_string(sg->names[j]));

				if (jv_is_valid(v))
					emit(w, jp, i, v);
				else
					jv_free(v);
			}
		break;
	case SEG_INDEXES:
		if (k != JV_KIND_ARRAY)
			break;
		n = jv_array_length(jv_copy(node));
		for (j = 0; j < sg->nidx && !w->done; j++) {
			long x = sg->idx[j];

			if (x < 0)
				x += n;
			if (x >= 0 && x < n)
				emit(w, jp, i, jv_array_get(jv_copy(node),
				    (int)x));
		}
		break;
	case SEG_WILD:
		if (k == JV_KIND_ARRAY) {
			n = jv_array_length(jv_copy(node));
			for (it = 0; it < n && !w->done; it++)
				emit(w, jp, i, jv_array_get(jv_copy(node), it));
		} else if (k == JV_KIND_OBJECT) {
			for (it = jv_object_iter(node);
			    jv_object_iter_valid(node, it) && !w->done;
			    it = jv_object_iter_next(node, it))
				emit(w, jp, i, jv_object_iter_value(node, it));
		}
		break;
	case SEG_SLICE: {
		long s, e, st = sg->step;

		if (k != JV_KIND_ARRAY)
			break;
		n = jv_array_length(jv_copy(node));
		if (st > 0) {
			s = sg->has_start ? sg->start : 0;
			e = sg->has_end ? sg->end : n;
			if (s < 0)
				s = s + n < 0 ? 0 : s + n;
			if (e < 0)
				e = e + n < 0 ? 0 : e + n;
			if (e > n)
				e = n;
			/* Step by comparing distances: s + st may overflow. */
			for (; s < e && !w->done; s += st) {
				emit(w, jp, i, jv_array_get(jv_copy(node),
				    (int)s));
				if ((unsigned long)(e - s) <= (unsigned long)st)
					break;
			}
		} else {
			s = sg->has_start ? sg->start : n - 1;
			e = sg->has_end ? sg->end : -n - 1;
			if (s < 0)
				s += n;
			if (s >= n)
				s = n - 1;
			if (e < 0)
				e = e + n < -1 ? -1 : e + n;
			for (; s > e && !w->done; s += st) {
				emit(w, jp, i, jv_array_get(jv_copy(node),
				    (int)s));
				if ((unsigned long)(s - e) <=
				    -(unsigned long)st)
					break;
			}
		}
		break;
	}
	case SEG_FILTER:
		if (k == JV_KIND_ARRAY) {
			n = jv_array_length(jv_copy(node));
			for (it = 0; it < n && !w->done; it++) {
				jv v = jv_array_get(jv_copy(node), it);

				if (fexpr_eval(sg->filter, v, w->root, w->ctx))
					emit(w, jp, i, v);
				else
					jv_free(v);
			}
		} else if (k == JV_KIND_OBJECT) {
			if (fexpr_eval(sg->filter, node, w->root, w->ctx))
				emit(w, jp, i, jv_copy(node));
		}
		break;
	case SEG_LENGTH:
		if (k == JV_KIND_ARRAY || k == JV_KIND_OBJECT ||
		    k == JV_KIND_STRING)
			emit(w, jp, i, jv_number(jv_get_kind(node) ==
			    JV_KIND_STRING ? jv_string_length_codepoints(
			    jv_copy(node)) : k == JV_KIND_ARRAY ?
			    jv_array_length(jv_copy(node)) :
			    jv_object_length(jv_copy(node))));
		break;
	}
	jv_free(node);
}

/* Apply a deep segment to NODE and every value below it. */
static void
apply_deep(struct walk *w, const struct jpath *jp, size_t i, jv node)
{
	jv_kind k = jv_get_kind(node);
	int n, it;

	apply(w, jp, i, jv_copy(node));
	if (k == JV_KIND_ARRAY) {
		n = jv_array_length(jv_copy(node));
		for (it = 0; it < n && !w->done; it++)
			apply_deep(w, jp, i, jv_array_get(jv_copy(node), it));
	} else if (k == JV_KIND_OBJECT) {
		for (it = jv_object_iter(node);
		    jv_object_iter_valid(node, it) && !w->done;
		    it = jv_object_iter_next(node, it))
			apply_deep(w, jp, i, jv_object_iter_value(node, it));
	}
	jv_free(node);
}

static void
walk(struct walk *w, const struct jpath *jp, size_t i, jv node)
{
	if (w->done) {
		jv_free(node);
		return;
	}
	if (i == jp->nsegs) {
		w->out = jv_array_append(w->out, node);
		if (w->first_only)
			w->done = 1;
		return;
	}
	if (jp->segs[i].deep)
		apply_deep(w, jp, i, node);
	else
		apply(w, jp, i, node);
}

static jv
eval_at(const struct jpath *jp, jv start, jv root, jv ctx)
{
	struct walk w;
	jv r;

	w.root = root;
	w.ctx = ctx;
	w.out = jv_array();
	w.first_only = jp->definite;
	w.done = 0;
	if (!jv_is_valid(start)) {
		jv_free(start);
		return jp->definite ? (jv_free(w.out), jv_invalid()) : w.out;
	}
	walk(&w, jp, 0, start);
	if (!jp->definite)
		return w.out;
	if (jv_array_length(jv_copy(w.out)) == 0) {
		jv_free(w.out);
		return jv_invalid();
	}
	r = jv_array_get(w.out, 0);
	return r;
}

jv
jpath_eval(const struct jpath *jp, jv doc, jv ctx)
{
	return jpath_eval_vars(jp, doc, ctx, jv_invalid());
}

/* Where a path starts: the document, the context, or a variable. */
static jv
start_of(const struct jpath *jp, jv doc, jv ctx, jv vars)
{
	if (jp->var != NULL)
		return jv_get_kind(vars) == JV_KIND_OBJECT ?
		    jv_object_get(jv_copy(vars), jv_string(jp->var)) :
		    jv_invalid();
	return jv_copy(jp->context ? ctx : doc);
}

jv
jpath_eval_vars(const struct jpath *jp, jv doc, jv ctx, jv vars)
{
	return eval_at(jp, start_of(jp, doc, ctx, vars), doc, ctx);
}

/* The value of a filter operand, or invalid when a path finds nothing. */
static jv
operand_value(const struct operand *o, jv item, jv root, jv ctx)
{
	jv start;

	if (o->kind == O_VALUE)
		return jv_copy(o->value);
	if (o->kind == O_REGEX)
		return jv_invalid();
	start = o->path->relative ? item : o->path->context ? ctx : root;
	return eval_at(o->path, jv_copy(start), root, ctx);
}

static int
cmp_values(jv a, jv b, int *order)
{
	jv_kind ka = jv_get_kind(a), kb = jv_get_kind(b);

	if (ka == JV_KIND_NUMBER && kb == JV_KIND_NUMBER) {
		double x = jv_number_value(a), y = jv_number_value(b);

		*order = x < y ? -1 : x > y;
		return 0;
	}
	if (ka == JV_KIND_STRING && kb == JV_KIND_STRING) {
		*order = strcmp(jv_string_value(a), jv_string_value(b));
		return 0;
	}
	return -1;
}

static int
array_has(jv arr, jv v)
{
	int i, n;

	if (jv_get_kind(arr) != JV_KIND_ARRAY)
		return 0;
	n = jv_array_length(jv_copy(arr));
	for (i = 0; i < n; i++)
		if (jv_equal(jv_array_get(jv_copy(arr), i), jv_copy(v)))
			return 1;
	return 0;
}

static int
fexpr_eval(const struct fexpr *e, jv item, jv root, jv ctx)
{
	jv a, b;
	int r = 0, order, i, n;

	switch (e->op) {
	case F_OR:
		return fexpr_eval(e->l, item, root, ctx) ||
		    fexpr_eval(e->r, item, root, ctx);
	case F_AND:
		return fexpr_eval(e->l, item, root, ctx) &&
		    fexpr_eval(e->r, item, root, ctx);
	case F_NOT:
		return !fexpr_eval(e->l, item, root, ctx);
	default:
		break;
	}
	a = operand_value(&e->a, item, root, ctx);
	if (e->op == F_EXISTS) {
		if (e->a.kind == O_PATH && !e->a.path->definite)
			r = jv_get_kind(a) == JV_KIND_ARRAY &&
			    jv_array_length(jv_copy(a)) > 0;
		else
			r = jv_is_valid(a) && (e->a.kind == O_PATH ||
			    jv_get_kind(a) == JV_KIND_TRUE);
		jv_free(a);
		return r;
	}
	if (e->op == F_MATCH) {
		if (e->b.kind == O_REGEX && jv_get_kind(a) == JV_KIND_STRING)
			r = regexec(&e->b.re, jv_string_value(a), 0, NULL,
			    0) == 0;
		jv_free(a);
		return r;
	}
	b = operand_value(&e->b, item, root, ctx);
	if (!jv_is_valid(a) || !jv_is_valid(b))
		goto out;
	switch (e->op) {
	case F_EQ:
		r = jv_equal(jv_copy(a), jv_copy(b));
		break;
	case F_NE:
		r = !jv_equal(jv_copy(a), jv_copy(b));
		break;
	case F_LT: case F_LE: case F_GT: case F_GE:
		if (cmp_values(a, b, &order) != 0)
			break;
		r = e->op == F_LT ? order < 0 : e->op == F_LE ? order <= 0 :
		    e->op == F_GT ? order > 0 : order >= 0;
		break;
	case F_IN:
		r = array_has(b, a);
		break;
	case F_NIN:
		r = jv_get_kind(b) == JV_KIND_ARRAY && !array_has(b, a);
		break;
	case F_SUBSETOF: case F_ANYOF: case F_NONEOF:
		if (jv_get_kind(a) != JV_KIND_ARRAY ||
		    jv_get_kind(b) != JV_KIND_ARRAY)
			break;
		n = jv_array_length(jv_copy(a));
		r = e->op != F_ANYOF;
		for (i = 0; i < n; i++) {
			jv x = jv_array_get(jv_copy(a), i);
			int has = array_has(b, x);

			jv_free(x);
			if (e->op == F_SUBSETOF && !has)
				r = 0;
			if (e->op == F_ANYOF && has)
				r = 1;
			if (e->op == F_NONEOF && has)
				r = 0;
		}
		break;
	case F_SIZE:
		if (jv_get_kind(b) != JV_KIND_NUMBER)
			break;
		if (jv_get_kind(a) == JV_KIND_ARRAY)
			r = jv_array_length(jv_copy(a)) ==
			    jv_number_value(b);
		else if (jv_get_kind(a) == JV_KIND_STRING)
			r = jv_string_length_codepoints(jv_copy(a)) ==
			    jv_number_value(b);
		break;
	case F_EMPTY:
		n = jv_get_kind(a) == JV_KIND_ARRAY ?
		    jv_array_length(jv_copy(a)) :
		    jv_get_kind(a) == JV_KIND_STRING ?
		    jv_string_length_bytes(jv_copy(a)) : -1;
		if (n >= 0)
			r = (n == 0) == (jv_get_kind(b) == JV_KIND_TRUE);
		break;
	case F_CONTAINS:
		if (jv_get_kind(a) == JV_KIND_ARRAY)
			r = array_has(a, b);
		else if (jv_get_kind(a) == JV_KIND_STRING &&
		    jv_get_kind(b) == JV_KIND_STRING)
			r = strstr(jv_string_value(a),
			    jv_string_value(b)) != NULL;
		break;
	default:
		break;
	}
out:
	jv_free(a);
	jv_free(b);
	return r;
}

/* Writing at a reference path. */

static jv
set_at(const struct jpath *jp, size_t i, jv doc, jv value)
{
	const struct seg *sg;
	jv child;

	if (i == jp->nsegs) {
		jv_free(doc);
		return value;
	}
	sg = &jp->segs[i];
	if (sg->kind == SEG_NAMES) {
		if (!jv_is_valid(doc)) {
			jv_free(doc);
			doc = jv_object();
		}
		if (jv_get_kind(doc) != JV_KIND_OBJECT)
			goto fail;
		child = jv_object_get(jv_copy(doc), jv_string(sg->names[0]));
		child = set_at(jp, i + 1, child, value);
		if (!jv_is_valid(child)) {
			jv_free(doc);
			return child;
		}
		return jv_object_set(doc, jv_string(sg->names[0]), child);
	}
	if (sg->kind == SEG_INDEXES && jv_get_kind(doc) == JV_KIND_ARRAY) {
		long x = sg->idx[0];
		int n = jv_array_length(jv_copy(doc));

		if (x < 0)
			x += n;
		if (x < 0 || x >= n)
			goto fail;
		child = set_at(jp, i + 1, jv_array_get(jv_copy(doc), (int)x),
		    value);
		if (!jv_is_valid(child)) {
			jv_free(doc);
			return child;
		}
		return jv_array_set(doc, (int)x, child);
	}
fail:
	jv_free(doc);
	jv_free(value);
	return jv_invalid();
}

jv
jpath_set(const struct jpath *jp, jv doc, jv value)
{
	if (!jp->definite || jp->context) {
		jv_free(doc);
		jv_free(value);
		return jv_invalid();
	}
	return set_at(jp, 0, doc, value);
}

jv
jpath_get(const char *text, jv doc, jv ctx)
{
	char err[JPATH_ERRSZ];
	struct jpath *jp;
	jv r;

	if ((jp = jpath_compile(text, err)) == NULL)
		return jv_invalid_with_msg(jv_string(err));
	r = jpath_eval(jp, doc, ctx);
	jpath_free(jp);
	return r;
}

static void
seg_normalized(const struct seg *sg, struct sbuf *out)
{
	size_t j;

	switch (sg->kind) {
	case SEG_NAMES:
		sbuf_addc(out, '[');
		for (j = 0; j < sg->nnames; j++)
			sbuf_addf(out, "%s'%s'", j > 0 ? "," : "",
			    sg->names[j]);
		sbuf_addc(out, ']');
		break;
	case SEG_INDEXES:
		sbuf_addc(out, '[');
		for (j = 0; j < sg->nidx; j++)
			sbuf_addf(out, "%s%ld", j > 0 ? "," : "", sg->idx[j]);
		sbuf_addc(out, ']');
		break;
	case SEG_WILD:
		sbuf_adds(out, "[*]");
		break;
	case SEG_LENGTH:
		sbuf_adds(out, ".length()");
		break;
	default:
		sbuf_adds(out, "[?]");
		break;
	}
}

void
jpath_normalized(const struct jpath *jp, struct sbuf *out)
{
	size_t i;

	if (jp->var != NULL)
		sbuf_addf(out, "$%s", jp->var);
	else
		sbuf_adds(out, jp->context ? "$$" : jp->relative ? "@" : "$");
	for (i = 0; i < jp->nsegs; i++) {
		if (jp->segs[i].deep)
			sbuf_adds(out, "..");
		seg_normalized(&jp->segs[i], out);
	}
}

void
jpath_explain(const struct jpath *jp, jv doc, jv ctx, struct sbuf *why)
{
	jpath_explain_vars(jp, doc, ctx, jv_invalid(), why);
}

void
jpath_explain_vars(const struct jpath *jp, jv doc, jv ctx, jv vars,
    struct sbuf *why)
{
	jv cur = start_of(jp, doc, ctx, vars), next;
	size_t i, k;

	if (jp->var != NULL && !jv_is_valid(cur)) {
		jv_free(cur);
		sbuf_addf(why, "The variable '$%s' is not defined", jp->var);
		return;
	}

	for (i = 0; i < jp->nsegs; i++) {
		const struct seg *sg = &jp->segs[i];

		next = jv_invalid();
		if (sg->kind == SEG_NAMES && sg->nnames == 1 &&
		    jv_get_kind(cur) == JV_KIND_OBJECT)
			next = jv_object_get(jv_copy(cur),
			    jv_string(sg->names[0]));
		else if (sg->kind == SEG_INDEXES && sg->nidx == 1 &&
		    jv_get_kind(cur) == JV_KIND_ARRAY) {
			long x = sg->idx[0];
			int n = jv_array_length(jv_copy(cur));

			if (x < 0)
				x += n;
			if (x >= 0 && x < n)
				next = jv_array_get(jv_copy(cur), (int)x);
		}
		if (!jv_is_valid(next)) {
			jv_free(next);
			break;
		}
		jv_free(cur);
		cur = next;
	}
	jv_free(cur);
	if (i + 1 >= jp->nsegs) {
		sbuf_adds(why, "No results for path: ");
		jpath_normalized(jp, why);
		return;
	}
	sbuf_adds(why, "Missing property in path ");
	if (jp->var != NULL)
		sbuf_addf(why, "$%s", jp->var);
	else
		sbuf_adds(why, jp->context ? "$$" : "$");
	for (k = 0; k <= i; k++)
		seg_normalized(&jp->segs[k], why);
}
