/*
 * jnproj.c: which members of an object input an expression can reach,
 * so that reading the input (jn_parse_json_for) need not build the
 * others.  Most expressions name a few top-level fields (ts, items) and
 * never see the rest; building the rest was most of their cost.
 *
 * The analysis follows the evaluator's contexts: a name read with the
 * input as its context (the first step of a path at the top, in a
 * function's arguments, an operand, a block, a lambda defined there) is
 * recorded; steps after the first, predicates and grouping see other
 * values.  Whatever could hand over the input itself makes it "all":
 * $ at the top, $$, $states, a variable the expression does not bind
 * (the caller may have bound the input to it), %, * and ** at the top,
 * focus and index bindings, transforms, $eval, a call through a
 * variable, a built-in that takes an object as its context argument
 * (x- or o- in its signature), a lambda signature with '-'.  When in
 * doubt, "all": the result is then the whole input, as before.
 */
#include <string.h>

#include "jnint.h"
#include "jnsig.h"

struct walk {
	struct jn_proj	*pr;
	struct jn_arena	*a;
	/* names the expression binds: lambda parameters and := */
	const char	**bound;
	size_t		 nbound, capbound;
	size_t		 capnames;
};

static void	visit(struct walk *, const struct jn_node *, int root);

static void
bind_name(struct walk *w, const char *s)
{
	const char **nv;

	if (w->nbound == w->capbound) {
		w->capbound = w->capbound ? w->capbound * 2 : 8;
		nv = jn_alloc(w->a, w->capbound * sizeof(*nv));
		if (w->nbound > 0)
			memcpy(nv, w->bound, w->nbound * sizeof(*nv));
		w->bound = nv;
	}
	w->bound[w->nbound++] = s;
}

/*
 * Bound by the expression itself; $$ and $states never count as that,
 * as a use may come before the binding.
 */
static int
is_bound(const struct walk *w, const char *name)
{
	size_t i;

	if (strcmp(name, "$") == 0 || strcmp(name, "states") == 0)
		return 0;
	for (i = 0; i < w->nbound; i++)
		if (strcmp(w->bound[i], name) == 0)
			return 1;
	return 0;
}

/* Every name the expression binds, wherever it binds it. */
static void
collect(struct walk *w, const struct jn_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	if (n->type == N_BIND && n->lhs != NULL && n->lhs->value != NULL)
		bind_name(w, n->lhs->value);
	for (i = 0; i < n->nparams; i++)
		bind_name(w, n->params[i]->value);
	collect(w, n->lhs);
	collect(w, n->rhs);
	collect(w, n->expr);
	collect(w, n->then);
	collect(w, n->els);
	collect(w, n->procedure);
	for (i = 0; i < n->nitems; i++)
		collect(w, n->items[i]);
	for (i = 0; i < n->npairs; i++) {
		collect(w, n->pairs[i].k);
		collect(w, n->pairs[i].v);
	}
	for (i = 0; i < n->ngroup; i++) {
		collect(w, n->group[i].k);
		collect(w, n->group[i].v);
	}
	for (i = 0; i < n->nstages; i++)
		collect(w, n->stages[i].expr);
	for (i = 0; i < n->npreds; i++)
		collect(w, n->preds[i].expr);
	for (i = 0; i < n->nterms; i++)
		collect(w, n->terms[i].expr);
}

static void
record(struct walk *w, const struct jn_node *name)
{
	struct jn_proj *pr = w->pr;
	const char **nn;
	size_t i, *nl;

	for (i = 0; i < pr->n; i++)
		if (pr->lens[i] == name->vlen &&
		    memcmp(pr->names[i], name->value, name->vlen) == 0)
			return;
	if (pr->n == w->capnames) {
		w->capnames = w->capnames ? w->capnames * 2 : 8;
		nn = jn_alloc(w->a, w->capnames * sizeof(*nn));
		nl = jn_alloc(w->a, w->capnames * sizeof(*nl));
		if (pr->n > 0) {
			memcpy(nn, pr->names, pr->n * sizeof(*nn));
			memcpy(nl, pr->lens, pr->n * sizeof(*nl));
		}
		pr->names = nn;
		pr->lens = nl;
	}
	pr->names[pr->n] = name->value;
	pr->lens[pr->n++] = name->vlen;
}

/* Can calling built-in F with NARGS arguments hand it the context? */
static int
takes_context(const struct jn_value *f, int nargs)
{
	const struct jn_func *fn;

	if (f == NULL)
		return 0;
	fn = f->u.fn;
	return fn->bi->signature != NULL &&
	    (fn->sig == NULL || jn_sig_takes_context(fn->sig, nargs));
}

/*
 * A call of the procedure P with NARGS arguments: can it give the callee
 * the input whole, as the context?  A built-in name is checked in both
 * function sets, JSONata's and Step Functions'.
 */
static void
callee(struct walk *w, const struct jn_node *p, int nargs, int root)
{
	if (p->type != N_VARIABLE || (p->builtin == NULL &&
	    p->builtin_sfn == NULL) || is_bound(w, p->value)) {
		/* a lambda value, or whatever a variable or a path holds */
		if (root || p->type != N_VARIABLE)
			w->pr->all = 1;
		return;
	}
	if (p->builtin != NULL && strcmp(p->value, "eval") == 0)
		w->pr->all = 1;		/* $eval reaches $$ from anywhere */
	else if (root && (takes_context(p->builtin, nargs) ||
	    takes_context(p->builtin_sfn, nargs)))
		w->pr->all = 1;
}

/* Predicates, grouping and order-by terms: never the input itself. */
static void
visit_attached(struct walk *w, const struct jn_node *n)
{
	size_t i;

	for (i = 0; i < n->nstages; i++)
		if (n->stages[i].index)
			w->pr->all = 1;
		else
			visit(w, n->stages[i].expr, 0);
	for (i = 0; i < n->npreds; i++)
		visit(w, n->preds[i].expr, 0);
	for (i = 0; i < n->ngroup; i++) {
		visit(w, n->group[i].k, 0);
		visit(w, n->group[i].v, 0);
	}
}

static void
visit_path(struct walk *w, const struct jn_node *n, int root)
{
	const struct jn_node *s;
	size_t i;

	if (n->tuple)
		w->pr->all = 1;
	for (i = 0; i < n->nitems; i++) {
		s = n->items[i];
		if (s->tuple || s->focus != NULL || s->index != NULL ||
		    s->ancestor != NULL || s->nseeking > 0 ||
		    (s->type == N_SORT && i == 0))
			w->pr->all = 1;
		if (s->type == N_NAME) {
			if (i == 0 && root)
				record(w, s);
		} else if (s->type == N_SORT) {
			size_t k;
			for (k = 0; k < s->nterms; k++)
				visit(w, s->terms[k].expr, 0);
		} else
			visit(w, s, i == 0 && root);
		visit_attached(w, s);
	}
	visit_attached(w, n);
}

static void
visit(struct walk *w, const struct jn_node *n, int root)
{
	size_t i;

	if (n == NULL || w->pr->all)
		return;
	switch (n->type) {
	case N_PATH:
		visit_path(w, n, root);
		return;
	case N_NAME:		/* only in paths after processing */
		if (root)
			record(w, n);
		break;
	case N_STRING: case N_NUMBER: case N_VALUE: case N_REGEX:
	case N_PLACEHOLDER:
		break;
	case N_VARIABLE:
		if ((n->vlen == 0 && root) || (n->vlen > 0 &&
		    n->builtin == NULL && n->builtin_sfn == NULL &&
		    !is_bound(w, n->value)))
			w->pr->all = 1;	/* $, $$, $states, the caller's */
		break;
	case N_WILDCARD:
	case N_DESCENDANT:
		if (root)
			w->pr->all = 1;
		break;
	case N_BINARY:
	case N_BIND:
		visit(w, n->lhs, root);
		visit(w, n->rhs, root);
		break;
	case N_APPLY:
		/* x ~> f: f is applied to x with this context */
		visit(w, n->lhs, root);
		if (n->rhs->type != N_FUNCTION) {
			callee(w, n->rhs, 1, root);
			visit(w, n->rhs, root);
			break;
		}
		/* x ~> f(y): f(x, y) */
		callee(w, n->rhs->procedure, (int)n->rhs->nitems + 1, root);
		visit(w, n->rhs->procedure, root);
		for (i = 0; i < n->rhs->nitems; i++)
			visit(w, n->rhs->items[i], root);
		visit_attached(w, n->rhs);
		break;
	case N_NEGATE:
		visit(w, n->expr, root);
		break;
	case N_CONDITION:
		visit(w, n->expr, root);
		visit(w, n->then, root);
		visit(w, n->els, root);
		break;
	case N_ARRAY:
	case N_BLOCK:
		for (i = 0; i < n->nitems; i++)
			visit(w, n->items[i], root);
		break;
	case N_OBJECT:
		for (i = 0; i < n->npairs; i++) {
			visit(w, n->pairs[i].k, root);
			visit(w, n->pairs[i].v, root);
		}
		break;
	case N_FUNCTION:
	case N_PARTIAL:
		/* a partial is applied later, perhaps where the input is */
		callee(w, n->procedure, (int)n->nitems,
		    root || n->type == N_PARTIAL);
		visit(w, n->procedure, root);	/* $$ or % in it */
		for (i = 0; i < n->nitems; i++)
			visit(w, n->items[i], root);
		break;
	case N_LAMBDA:
		/* its body runs in the context it was defined in */
		if (n->signature != NULL && strchr(n->signature, '-') != NULL)
			w->pr->all = 1;
		visit(w, n->expr, root);
		break;
	default:		/* %, transforms, order-by alone */
		w->pr->all = 1;
		return;
	}
	visit_attached(w, n);
}

void
jn_proj_build(struct jn_expr *e)
{
	struct walk w;

	memset(&w, 0, sizeof(w));
	memset(&e->proj, 0, sizeof(e->proj));
	w.pr = &e->proj;
	w.a = e->arena;
	collect(&w, e->root);
	visit(&w, e->root, 1);
}
