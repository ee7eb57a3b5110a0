/*
 * jnparse.c: the JSONata parser.  A Pratt (top-down operator precedence)
 * parser as in jsonata-js's parser.js, then its post-processing
 * (processAST): binary '.' becomes a path of steps, predicates become
 * stages of a step, group-by, order-by, focus (@) and index (#) bindings
 * attach to their step, lambda bodies get tail calls turned into thunks.
 * Syntax errors carry jsonata-js's codes, positions and tokens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jnint.h"
#include "jnsig.h"
#include "xalloc.h"

struct parser {
	struct jn_lexer	 lx;
	struct jn_token	 tok;		/* the current token */
	int		 known;		/* tok is an operator we know */
	struct jn_arena	*a;
	struct jn_error	*err;
	jmp_buf		 jb;
	int		 nlabels;	/* parent slots made so far */
};

/*
 * Left binding powers.  jsonata-js's operator table gives ';', ':', '|',
 * '**' and '..' a power too, but it defines them as plain symbols (or
 * prefix operators), which bind nothing on their left.
 */
static const struct { const char *op; int bp; } bps[] = {
	{ ".", 75 }, { "[", 80 }, { "]", 0 }, { "{", 70 }, { "}", 0 },
	{ "(", 80 }, { ")", 0 }, { ",", 0 }, { "@", 80 }, { "#", 80 },
	{ ";", 0 }, { ":", 0 }, { "?", 20 }, { "+", 50 }, { "-", 50 },
	{ "*", 60 }, { "/", 60 }, { "%", 60 }, { "|", 0 }, { "=", 40 },
	{ "<", 40 }, { ">", 40 }, { "^", 40 }, { "**", 0 }, { "..", 0 },
	{ ":=", 10 }, { "!=", 40 }, { "<=", 40 }, { ">=", 40 },
	{ "~>", 40 }, { "and", 30 }, { "or", 25 }, { "in", 40 },
	{ "&", 50 }, { NULL, 0 }
};

static struct jn_node	*expression(struct parser *, int rbp);

static void __attribute__((noreturn))
fail(struct parser *p, const char *code, long pos, const char *tok,
    size_t toklen, const char *msg)
{
	jn_seterr(p->err, code, pos, tok, toklen, "%s", msg);
	longjmp(p->jb, 1);
}

static int
is(const struct jn_token *t, const char *op)
{
	return t->type == T_OPERATOR && t->len == strlen(op) &&
	    memcmp(t->s, op, t->len) == 0;
}

static int
lbp(const struct jn_token *t)
{
	int i;

	if (t->type != T_OPERATOR)
		return 0;
	for (i = 0; bps[i].op != NULL; i++)
		if (is(t, bps[i].op))
			return bps[i].bp;
	return 0;
}

/* The current token's text, for messages. */
static const char *
tokname(const struct jn_token *t, size_t *n)
{
	*n = t->len;
	return t->s;
}

/* Move on; with ID, the current token must be that operator first. */
static void
advance(struct parser *p, const char *id, int infix)
{
	char msg[160];
	const char *s;
	size_t n;

	if (id != NULL && !is(&p->tok, id)) {
		s = tokname(&p->tok, &n);
		if (p->tok.type == T_END) {
			snprintf(msg, sizeof(msg), "Expected \"%s\" before end "
			    "of expression", id);
			fail(p, "S0203", p->tok.position, s, n, msg);
		}
		snprintf(msg, sizeof(msg), "Expected \"%s\", got \"%.*s\"", id,
		    (int)(n > 60 ? 60 : n), s);
		fail(p, "S0202", p->tok.position, s, n, msg);
	}
	if (jn_lex(&p->lx, !infix, &p->tok) < 0)
		longjmp(p->jb, 1);
	if (p->tok.type == T_OPERATOR && (is(&p->tok, "!") ||
	    is(&p->tok, "~"))) {
		snprintf(msg, sizeof(msg), "Unknown operator: \"%.*s\"",
		    (int)p->tok.len, p->tok.s);
		fail(p, "S0204", p->tok.position, p->tok.s, p->tok.len, msg);
	}
}

static struct jn_node *
node(struct parser *p, enum jn_ntype type, const struct jn_token *t)
{
	struct jn_node *n = jn_alloc(p->a, sizeof(*n));

	n->type = type;
	n->position = t->position;
	n->value = t->s;
	n->vlen = t->len;
	return n;
}

static void
additem(struct parser *p, struct jn_node ***items, size_t *n,
    struct jn_node *x)
{
	struct jn_node **nv = jn_alloc(p->a, (*n + 1) * sizeof(*nv));

	if (*n > 0)
		memcpy(nv, *items, *n * sizeof(*nv));
	nv[(*n)++] = x;
	*items = nv;
}

static void
addpair(struct parser *p, struct jn_pair **pairs, size_t *n,
    struct jn_node *k, struct jn_node *v)
{
	struct jn_pair *np = jn_alloc(p->a, (*n + 1) * sizeof(*np));

	if (*n > 0)
		memcpy(np, *pairs, *n * sizeof(*np));
	np[*n].k = k;
	np[*n].v = v;
	(*n)++;
	*pairs = np;
}

/* Object constructor or group-by body, after '{'. */
static void
object_body(struct parser *p, struct jn_pair **pairs, size_t *n)
{
	struct jn_node *k, *v;

	if (!is(&p->tok, "}"))
		for (;;) {
			k = expression(p, 0);
			advance(p, ":", 0);
			v = expression(p, 0);
			addpair(p, pairs, n, k, v);
			if (!is(&p->tok, ","))
				break;
			advance(p, ",", 0);
		}
	advance(p, "}", 1);
}

static struct jn_node *
nud_operator(struct parser *p, struct jn_token *t)
{
	struct jn_node *n, *item, *r;
	char msg[160];

	if (is(t, "-")) {
		n = node(p, N_NEGATE, t);
		n->expr = expression(p, 70);
		return n;
	}
	if (is(t, "*"))
		return node(p, N_WILDCARD, t);
	if (is(t, "**"))
		return node(p, N_DESCENDANT, t);
	if (is(t, "%"))
		return node(p, N_PARENT, t);
	if (is(t, "and") || is(t, "or") || is(t, "in"))
		return node(p, N_OPERATOR, t);
	if (is(t, "(")) {
		n = node(p, N_BLOCK, t);
		while (!is(&p->tok, ")")) {
			additem(p, &n->items, &n->nitems, expression(p, 0));
			if (!is(&p->tok, ";"))
				break;
			advance(p, ";", 0);
		}
		advance(p, ")", 1);
		return n;
	}
	if (is(t, "[")) {
		n = node(p, N_ARRAY, t);
		if (!is(&p->tok, "]"))
			for (;;) {
				item = expression(p, 0);
				if (is(&p->tok, "..")) {
					r = node(p, N_BINARY, &p->tok);
					r->lhs = item;
					advance(p, "..", 0);
					r->rhs = expression(p, 0);
					item = r;
				}
				additem(p, &n->items, &n->nitems, item);
				if (!is(&p->tok, ","))
					break;
				advance(p, ",", 0);
			}
		advance(p, "]", 1);
		return n;
	}
	if (is(t, "{")) {
		n = node(p, N_OBJECT, t);
		object_body(p, &n->pairs, &n->npairs);
		return n;
	}
	if (is(t, "|")) {
		n = node(p, N_TRANSFORM, t);
		n->lhs = expression(p, 0);
		advance(p, "|", 0);
		n->rhs = expression(p, 0);
		if (is(&p->tok, ",")) {
			advance(p, ",", 0);
			n->expr = expression(p, 0);
		}
		advance(p, "|", 0);
		return n;
	}
	snprintf(msg, sizeof(msg), "The symbol \"%.*s\" cannot be used as a "
	    "unary operator", (int)t->len, t->s);
	fail(p, "S0211", t->position, t->s, t->len, msg);
}

static struct jn_node *
nud(struct parser *p, struct jn_token *t)
{
	struct jn_node *n;

	switch (t->type) {
	case T_NAME:
		return node(p, N_NAME, t);
	case T_VARIABLE:
		n = node(p, N_VARIABLE, t);
		/* resolved once here; a binding of the name still wins */
		n->builtin = jn_builtin_value(p->a, t->s, t->len, 0);
		n->builtin_sfn = n->builtin;
		if (n->builtin == NULL || n->builtin->u.fn->bi->set != JN_SET_ALL)
			n->builtin_sfn = jn_builtin_value(p->a, t->s, t->len,
			    1);
		return n;
	case T_STRING:
		n = node(p, N_STRING, t);
		n->constant = jn_string(p->a, t->s, t->len);
		return n;
	case T_NUMBER:
		n = node(p, N_NUMBER, t);
		n->num = t->num;
		return n;
	case T_VALUE:
		n = node(p, N_VALUE, t);
		n->lit = t->value;
		return n;
	case T_REGEX:
		n = node(p, N_REGEX, t);
		n->flags = t->flags;
		if (jn_regex_compile(p->a, n, p->err) < 0)
			longjmp(p->jb, 1);
		return n;
	case T_OPERATOR:
		return nud_operator(p, t);
	case T_END:
	default:
		fail(p, "S0207", t->position, NULL, 0,
		    "Unexpected end of expression");
	}
}

/* The signature text of a lambda, '<' ... '>' with nesting. */
static const char *
signature(struct parser *p)
{
	char *s = jn_strndup(p->a, "<", 1), *t;
	size_t n = 1;
	int depth = 1;

	/* built in the arena: a syntax error may longjmp out of here */
	while (depth > 0 && !is(&p->tok, "{") && p->tok.type != T_END) {
		advance(p, NULL, 0);
		if (is(&p->tok, ">"))
			depth--;
		else if (is(&p->tok, "<"))
			depth++;
		if (p->tok.type == T_END)
			break;
		t = jn_alloc(p->a, n + p->tok.len + 1);
		memcpy(t, s, n);
		memcpy(t + n, p->tok.s, p->tok.len);
		n += p->tok.len;
		t[n] = '\0';
		s = t;
	}
	advance(p, ">", 0);
	return s;
}

static struct jn_node *
led_call(struct parser *p, struct jn_token *t, struct jn_node *left)
{
	struct jn_node *n = node(p, N_FUNCTION, t), *arg;
	char msg[160];
	size_t i;

	n->procedure = left;
	if (!is(&p->tok, ")"))
		for (;;) {
			if (is(&p->tok, "?")) {
				n->type = N_PARTIAL;
				arg = node(p, N_PLACEHOLDER, &p->tok);
				advance(p, "?", 0);
			} else
				arg = expression(p, 0);
			additem(p, &n->items, &n->nitems, arg);
			if (!is(&p->tok, ","))
				break;
			advance(p, ",", 0);
		}
	advance(p, ")", 1);
	/* a literal picture is analysed once, not on every call */
	if (left->type == N_VARIABLE && left->vlen == 10 &&
	    memcmp(left->value, "fromMillis", 10) == 0 && n->nitems > 1 &&
	    n->items[1]->type == N_STRING)
		n->items[1]->constant->u.str.datepic = jn_datepic_new(p->a,
		    n->items[1]->value, n->items[1]->vlen);
	if (left->type != N_NAME || !((left->vlen == 8 &&
	    memcmp(left->value, "function", 8) == 0) || (left->vlen == 2 &&
	    memcmp(left->value, "\xce\xbb", 2) == 0)))
		return n;
	for (i = 0; i < n->nitems; i++)
		if (n->items[i]->type != N_VARIABLE) {
			snprintf(msg, sizeof(msg), "Parameter %zu of function "
			    "definition must be a variable name (start with $)",
			    i + 1);
			fail(p, "S0208", n->items[i]->position,
			    n->items[i]->value, n->items[i]->vlen, msg);
		}
	n->type = N_LAMBDA;
	n->params = n->items;
	n->nparams = n->nitems;
	n->items = NULL;
	n->nitems = 0;
	if (is(&p->tok, "<")) {
		long sigpos = p->tok.position;
		n->signature = signature(p);
		if (jn_sig_check(n->signature, p->err) < 0) {
			p->err->position += sigpos;
			longjmp(p->jb, 1);
		}
		n->sig = jn_sig_new(p->a, n->signature);
	}
	advance(p, "{", 0);
	n->expr = expression(p, 0);
	advance(p, "}", 0);
	return n;
}

static struct jn_node *
led(struct parser *p, struct jn_token *t, struct jn_node *left)
{
	struct jn_node *n, *step;
	struct jn_sortterm *terms;
	char msg[160];
	int bp = lbp(t);

	if (is(t, "("))
		return led_call(p, t, left);
	n = node(p, N_BINARY, t);
	n->lhs = left;
	if (is(t, "[")) {
		if (is(&p->tok, "]")) {
			for (step = left; step != NULL &&
			    step->type == N_BINARY && step->vlen == 1 &&
			    step->value[0] == '['; step = step->lhs)
				;
			step->keep_array = 1;
			advance(p, "]", 0);
			return left;
		}
		n->rhs = expression(p, 0);
		advance(p, "]", 1);
		return n;
	}
	if (is(t, "{")) {
		object_body(p, &n->pairs, &n->npairs);
		return n;
	}
	if (is(t, "^")) {
		advance(p, "(", 0);
		for (;;) {
			terms = jn_alloc(p->a, (n->nterms + 1) *
			    sizeof(*terms));
			if (n->nterms > 0)
				memcpy(terms, n->terms,
				    n->nterms * sizeof(*terms));
			n->terms = terms;
			if (is(&p->tok, "<"))
				advance(p, "<", 0);
			else if (is(&p->tok, ">")) {
				terms[n->nterms].descending = 1;
				advance(p, ">", 0);
			}
			terms[n->nterms++].expr = expression(p, 0);
			if (!is(&p->tok, ","))
				break;
			advance(p, ",", 0);
		}
		advance(p, ")", 1);
		return n;
	}
	if (is(t, ":=")) {
		if (left->type != N_VARIABLE)
			fail(p, "S0212", left->position, left->value,
			    left->vlen, "The left side of := must be a "
			    "variable name (start with $)");
		n->rhs = expression(p, bp - 1);
		return n;
	}
	if (is(t, "@") || is(t, "#")) {
		n->rhs = expression(p, bp);
		if (n->rhs->type != N_VARIABLE) {
			snprintf(msg, sizeof(msg), "The right side of %.*s "
			    "must be a variable name (start with $)",
			    (int)t->len, t->s);
			fail(p, "S0214", n->rhs->position, t->s, t->len, msg);
		}
		return n;
	}
	if (is(t, "?")) {
		n->type = N_CONDITION;
		n->expr = left;
		n->lhs = NULL;
		n->then = expression(p, 0);
		if (is(&p->tok, ":")) {
			advance(p, ":", 0);
			n->els = expression(p, 0);
		}
		return n;
	}
	if (bp == 0) {
		snprintf(msg, sizeof(msg), "Syntax error: \"%.*s\"",
		    (int)t->len, t->s);
		fail(p, "S0201", t->position, t->s, t->len, msg);
	}
	n->rhs = expression(p, bp);
	return n;
}

static struct jn_node *
expression(struct parser *p, int rbp)
{
	struct jn_token t = p->tok;
	struct jn_node *left;

	advance(p, NULL, 1);
	left = nud(p, &t);
	while (rbp < lbp(&p->tok)) {
		t = p->tok;
		advance(p, NULL, 0);
		left = led(p, &t, left);
	}
	return left;
}

/* processAST */

static struct jn_node	*process(struct parser *, struct jn_node *);

static int
isop(const struct jn_node *n, const char *op)
{
	return n->vlen == strlen(op) && memcmp(n->value, op, n->vlen) == 0;
}

static struct jn_node *
as_path(struct parser *p, struct jn_node *n)
{
	struct jn_node *path;

	if (n->type == N_PATH)
		return n;
	path = jn_alloc(p->a, sizeof(*path));
	path->type = N_PATH;
	path->position = n->position;
	additem(p, &path->items, &path->nitems, n);
	return path;
}

static void
addstage(struct parser *p, struct jn_stage **st, size_t *n,
    const struct jn_stage *s)
{
	struct jn_stage *ns = jn_alloc(p->a, (*n + 1) * sizeof(*ns));

	if (*n > 0)
		memcpy(ns, *st, *n * sizeof(*ns));
	ns[(*n)++] = *s;
	*st = ns;
}

/* Ancestry of the parent operator, as jsonata-js resolves it. */

static void
add_seeking(struct parser *p, struct jn_node *n, struct jn_slot *s)
{
	struct jn_slot **ns = jn_alloc(p->a, (n->nseeking + 1) * sizeof(*ns));

	if (n->nseeking > 0)
		memcpy(ns, n->seeking, n->nseeking * sizeof(*ns));
	ns[n->nseeking++] = s;
	n->seeking = ns;
}

/* pushAncestry: RESULT inherits the parents VALUE still seeks. */
static void
push_ancestry(struct parser *p, struct jn_node *result, struct jn_node *value)
{
	size_t i;

	for (i = 0; i < value->nseeking; i++)
		add_seeking(p, result, value->seeking[i]);
	if (value->type == N_PARENT)
		add_seeking(p, result, value->slot);
}

static struct jn_slot *
seek_parent(struct parser *p, struct jn_node *n, struct jn_slot *slot)
{
	static const char *const names[] = {
		[N_PATH] = "path", [N_BINARY] = "binary", [N_NEGATE] = "unary",
		[N_ARRAY] = "unary", [N_OBJECT] = "unary",
		[N_STRING] = "string", [N_NUMBER] = "number",
		[N_VALUE] = "value", [N_CONDITION] = "condition",
		[N_BIND] = "bind", [N_REGEX] = "regex",
		[N_FUNCTION] = "function", [N_PARTIAL] = "partial",
		[N_VARIABLE] = "variable", [N_LAMBDA] = "lambda",
		[N_APPLY] = "apply", [N_TRANSFORM] = "transform",
		[N_SORT] = "sort", [N_DESCENDANT] = "descendant",
	};
	const char *tn;
	char msg[160];
	long i;

	switch (n->type) {
	case N_NAME:
	case N_WILDCARD:
		if (--slot->level == 0) {
			if (n->ancestor != NULL)
				slot->label = n->ancestor->label;
			n->ancestor = slot;
			n->tuple = 1;
		}
		break;
	case N_PARENT:
		slot->level++;
		break;
	case N_BLOCK:
		if (n->nitems > 0) {
			n->tuple = 1;
			slot = seek_parent(p, n->items[n->nitems - 1], slot);
		}
		break;
	case N_PATH:
		n->tuple = 1;
		i = (long)n->nitems - 1;
		slot = seek_parent(p, n->items[i--], slot);
		while (slot->level > 0 && i >= 0)
			slot = seek_parent(p, n->items[i--], slot);
		break;
	default:
		tn = (size_t)n->type < sizeof(names) / sizeof(names[0]) &&
		    names[n->type] != NULL ? names[n->type] : "node";
		snprintf(msg, sizeof(msg), "The object representing the "
		    "'parent' cannot be derived from this expression");
		fail(p, "S0217", n->position, tn, strlen(tn), msg);
	}
	return slot;
}

static void
resolve_ancestry(struct parser *p, struct jn_node *path)
{
	struct jn_node *last = path->items[path->nitems - 1], *step;
	struct jn_slot **slots, *slot;
	size_t ns = last->nseeking, k;
	long i;

	slots = jn_alloc(p->a, (ns + 1) * sizeof(*slots));
	if (ns > 0)
		memcpy(slots, last->seeking, ns * sizeof(*slots));
	if (last->type == N_PARENT)
		slots[ns++] = last->slot;
	for (k = 0; k < ns; k++) {
		slot = slots[k];
		i = (long)path->nitems - 2;
		while (slot->level > 0) {
			if (i < 0) {
				add_seeking(p, path, slot);
				break;
			}
			step = path->items[i--];
			while (i >= 0 && step->focus != NULL &&
			    path->items[i]->focus != NULL)
				step = path->items[i--];
			slot = seek_parent(p, step, slot);
		}
	}
}

static struct jn_node *
process_path(struct parser *p, struct jn_node *e)
{
	struct jn_node *res, *rest, *s, *last;
	size_t i;
	char msg[160];

	s = process(p, e->lhs);
	res = as_path(p, s);
	if (s->type == N_PARENT)
		add_seeking(p, res, s->slot);
	rest = process(p, e->rhs);
	if (rest->type == N_PATH)
		for (i = 0; i < rest->nitems; i++)
			additem(p, &res->items, &res->nitems, rest->items[i]);
	else {
		if (rest->npreds > 0) {
			rest->stages = rest->preds;
			rest->nstages = rest->npreds;
			rest->preds = NULL;
			rest->npreds = 0;
		}
		additem(p, &res->items, &res->nitems, rest);
	}
	for (i = 0; i < res->nitems; i++) {
		s = res->items[i];
		if (s->type == N_NUMBER || s->type == N_VALUE) {
			snprintf(msg, sizeof(msg), "The literal value %.*s "
			    "cannot be used as a step within a path "
			    "expression", (int)s->vlen, s->value);
			fail(p, "S0213", s->position, s->value, s->vlen, msg);
		}
		if (s->type == N_STRING)
			s->type = N_NAME;
		if (s->keep_array)
			res->keep_singleton = 1;
	}
	if (res->items[0]->type == N_ARRAY)
		res->items[0]->consarray = 1;
	last = res->items[res->nitems - 1];
	if (last->type == N_ARRAY)
		last->consarray = 1;
	resolve_ancestry(p, res);
	return res;
}

static struct jn_node *
process_binary(struct parser *p, struct jn_node *e)
{
	struct jn_node *res, *step, *n;
	struct jn_stage st;
	size_t i;

	if (isop(e, "."))
		return process_path(p, e);
	if (isop(e, "[")) {
		res = process(p, e->lhs);
		step = res->type == N_PATH ? res->items[res->nitems - 1] : res;
		if (step->has_group)
			fail(p, "S0209", e->position, NULL, 0, "A predicate "
			    "cannot follow a grouping expression in a step");
		memset(&st, 0, sizeof(st));
		st.expr = process(p, e->rhs);
		st.position = e->position;
		if (st.expr->nseeking > 0) {
			for (i = 0; i < st.expr->nseeking; i++) {
				if (st.expr->seeking[i]->level == 1)
					seek_parent(p, step, st.expr->seeking[i]);
				else
					st.expr->seeking[i]->level--;
			}
			push_ancestry(p, step, st.expr);
		}
		if (res->type == N_PATH)
			addstage(p, &step->stages, &step->nstages, &st);
		else
			addstage(p, &step->preds, &step->npreds, &st);
		return res;
	}
	if (isop(e, "{")) {
		res = process(p, e->lhs);
		if (res->has_group)
			fail(p, "S0210", e->position, NULL, 0, "Each step can "
			    "only have one grouping expression");
		res->has_group = 1;
		res->group_pos = e->position;
		res->ngroup = e->npairs;
		res->group = jn_alloc(p->a, (e->npairs + 1) *
		    sizeof(*res->group));
		for (i = 0; i < e->npairs; i++) {
			res->group[i].k = process(p, e->pairs[i].k);
			res->group[i].v = process(p, e->pairs[i].v);
		}
		return res;
	}
	if (isop(e, "^")) {
		res = as_path(p, process(p, e->lhs));
		n = jn_alloc(p->a, sizeof(*n));
		n->type = N_SORT;
		n->position = e->position;
		n->terms = e->terms;
		n->nterms = e->nterms;
		for (i = 0; i < n->nterms; i++) {
			n->terms[i].expr = process(p, n->terms[i].expr);
			push_ancestry(p, n, n->terms[i].expr);
		}
		additem(p, &res->items, &res->nitems, n);
		resolve_ancestry(p, res);
		return res;
	}
	if (isop(e, ":=")) {
		e->type = N_BIND;
		e->lhs = process(p, e->lhs);
		e->rhs = process(p, e->rhs);
		push_ancestry(p, e, e->rhs);
		return e;
	}
	if (isop(e, "@")) {
		res = process(p, e->lhs);
		step = res->type == N_PATH ? res->items[res->nitems - 1] : res;
		if (step->nstages > 0 || step->npreds > 0)
			fail(p, "S0215", e->position, NULL, 0, "A context "
			    "variable binding must precede any predicates on "
			    "a step");
		if (step->type == N_SORT)
			fail(p, "S0216", e->position, NULL, 0, "A context "
			    "variable binding must precede the 'order-by' "
			    "clause on a step");
		if (e->keep_array)
			step->keep_array = 1;
		step->focus = e->rhs->value;
		step->tuple = 1;
		return res;
	}
	if (isop(e, "#")) {
		res = process(p, e->lhs);
		step = res;
		if (res->type == N_PATH)
			step = res->items[res->nitems - 1];
		else {
			res = as_path(p, res);
			if (step->npreds > 0) {
				step->stages = step->preds;
				step->nstages = step->npreds;
				step->preds = NULL;
				step->npreds = 0;
			}
		}
		if (step->nstages == 0)
			step->index = e->rhs->value;
		else {
			memset(&st, 0, sizeof(st));
			st.index = 1;
			st.var = e->rhs->value;
			st.position = e->position;
			addstage(p, &step->stages, &step->nstages, &st);
		}
		step->tuple = 1;
		return res;
	}
	if (isop(e, "~>")) {
		e->type = N_APPLY;
		e->lhs = process(p, e->lhs);
		e->rhs = process(p, e->rhs);
		e->keep_array = e->lhs->keep_array || e->rhs->keep_array;
		return e;
	}
	e->lhs = process(p, e->lhs);
	e->rhs = process(p, e->rhs);
	push_ancestry(p, e, e->lhs);
	push_ancestry(p, e, e->rhs);
	return e;
}

/* Wrap tail calls of a lambda body in thunks (jsonata-js tailCallOptimize). */
static struct jn_node *
tco(struct parser *p, struct jn_node *e)
{
	struct jn_node *t;

	if (e->type == N_FUNCTION && e->npreds == 0) {
		t = jn_alloc(p->a, sizeof(*t));
		t->type = N_LAMBDA;
		t->thunk = 1;
		t->position = e->position;
		t->expr = e;
		return t;
	}
	if (e->type == N_CONDITION) {
		e->then = tco(p, e->then);
		if (e->els != NULL)
			e->els = tco(p, e->els);
	} else if (e->type == N_BLOCK && e->nitems > 0)
		e->items[e->nitems - 1] = tco(p, e->items[e->nitems - 1]);
	return e;
}

static struct jn_node *
process(struct parser *p, struct jn_node *e)
{
	struct jn_node *res = e, *x;
	size_t i;
	char msg[160];

	switch (e->type) {
	case N_BINARY:
		res = process_binary(p, e);
		break;
	case N_ARRAY:
	case N_BLOCK:
		for (i = 0; i < e->nitems; i++) {
			e->items[i] = x = process(p, e->items[i]);
			push_ancestry(p, e, x);
			if (e->type == N_BLOCK && (x->consarray ||
			    (x->type == N_PATH && x->items[0]->consarray)))
				e->consarray = 1;
		}
		break;
	case N_OBJECT:
		for (i = 0; i < e->npairs; i++) {
			e->pairs[i].k = process(p, e->pairs[i].k);
			push_ancestry(p, e, e->pairs[i].k);
			e->pairs[i].v = process(p, e->pairs[i].v);
			push_ancestry(p, e, e->pairs[i].v);
		}
		break;
	case N_NEGATE:
		e->expr = process(p, e->expr);
		if (e->expr->type == N_NUMBER) {
			res = e->expr;
			res->num = -res->num;
		} else
			push_ancestry(p, e, e->expr);
		break;
	case N_FUNCTION:
	case N_PARTIAL:
		for (i = 0; i < e->nitems; i++) {
			e->items[i] = process(p, e->items[i]);
			push_ancestry(p, e, e->items[i]);
		}
		e->procedure = process(p, e->procedure);
		break;
	case N_LAMBDA:
		e->expr = tco(p, process(p, e->expr));
		break;
	case N_CONDITION:
		e->expr = process(p, e->expr);
		push_ancestry(p, e, e->expr);
		e->then = process(p, e->then);
		push_ancestry(p, e, e->then);
		if (e->els != NULL) {
			e->els = process(p, e->els);
			push_ancestry(p, e, e->els);
		}
		break;
	case N_TRANSFORM:
		e->lhs = process(p, e->lhs);
		e->rhs = process(p, e->rhs);
		if (e->expr != NULL)
			e->expr = process(p, e->expr);
		break;
	case N_NAME:
		res = as_path(p, e);
		if (e->keep_array)
			res->keep_singleton = 1;
		break;
	case N_OPERATOR:
		e->type = N_NAME;
		return process(p, e);
	case N_PLACEHOLDER:
	case N_STRING: case N_NUMBER: case N_VALUE: case N_WILDCARD:
	case N_DESCENDANT: case N_VARIABLE: case N_REGEX:
		break;
	case N_PARENT:
		e->slot = jn_alloc(p->a, sizeof(*e->slot));
		e->slot->label = jn_alloc(p->a, 16);
		snprintf(e->slot->label, 16, "!%d", p->nlabels);
		e->slot->level = 1;
		e->slot->index = p->nlabels++;
		break;
	default:
		snprintf(msg, sizeof(msg), "Unknown expression type: %.*s",
		    (int)e->vlen, e->value);
		fail(p, "S0206", e->position, e->value, e->vlen, msg);
	}
	if (e->keep_array)
		res->keep_array = 1;
	return res;
}

struct jn_node *
jn_parse(const char *src, struct jn_arena *a, struct jn_error *err)
{
	struct parser p;
	struct jn_node *root;
	char msg[160];

	memset(&p, 0, sizeof(p));
	p.lx.src = src;
	p.lx.len = strlen(src);
	p.lx.arena = a;
	p.lx.err = err;
	p.a = a;
	p.err = err;
	if (setjmp(p.jb) != 0)
		return NULL;
	advance(&p, NULL, 0);
	root = expression(&p, 0);
	if (p.tok.type != T_END) {
		snprintf(msg, sizeof(msg), "Syntax error: \"%.*s\"",
		    (int)(p.tok.len > 60 ? 60 : p.tok.len), p.tok.s);
		fail(&p, "S0201", p.tok.position, p.tok.s, p.tok.len, msg);
	}
	root = process(&p, root);
	if (root->type == N_PARENT || root->nseeking > 0)
		fail(&p, "S0217", root->position, root->type == N_PARENT ?
		    "parent" : "path", root->type == N_PARENT ? 6 : 4,
		    "The object representing the 'parent' cannot be derived "
		    "from this expression");
	return root;
}

struct jn_expr *
jn_compile(const char *text, struct jn_error *err)
{
	struct jn_expr *e = xcalloc(1, sizeof(*e));

	memset(err, 0, sizeof(*err));
	e->arena = jn_arena_new();
	e->src = jn_strndup(e->arena, text, strlen(text));
	e->root = jn_parse(e->src, e->arena, err);
	if (e->root == NULL) {
		jn_expr_free(e);
		return NULL;
	}
	jn_proj_build(e);
	return e;
}

void
jn_expr_free(struct jn_expr *e)
{
	if (e == NULL)
		return;
	jn_arena_free(e->arena);
	free(e);
}
