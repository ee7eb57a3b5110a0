/*
 * jneval.c: the JSONata evaluator, following jsonata-js's evaluate():
 * sequences, path steps with flattening, predicates, tuple streams for
 * focus (@) and index (#) bindings, grouping, sorting, operators,
 * lambdas with closures, partial application, tail calls (thunks run by
 * a trampoline in jn_apply), transforms.  Errors longjmp back to jn_eval
 * with their code and position.  Depth and time are bounded.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jnint.h"
#include "jnfunc.h"
#include "jnsig.h"
#include "clock.h"

/* C stack the evaluator may use before it reports U1001. */
#define STACK_BUDGET	(3L * 1024 * 1024)

struct jn_bind {
	const char	*name;
	struct jn_value	*val;
	struct jn_bind	*next;
};

struct jn_env {
	struct jn_env	*parent;
	struct jn_bind	*binds;
};

static struct jn_value	*eval(struct jn_ctx *, struct jn_node *,
			    struct jn_value *, struct jn_env *);
static struct jn_value	*transform_apply(struct jn_ctx *, struct jn_node *,
			    struct jn_env *, struct jn_value *);
static char	*stack_base;

void
jn_throw(struct jn_ctx *c, const char *code, long pos, const char *fmt, ...)
{
	va_list ap;

	snprintf(c->err->code, sizeof(c->err->code), "%s", code);
	c->err->position = pos;
	c->err->token[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(c->err->message, sizeof(c->err->message), fmt, ap);
	va_end(ap);
	/*
	 * The builders' frames are still there to read: after longjmp they
	 * are gone (jn_eval is the only catcher).
	 */
	while (c->nheld > 0)
		sbuf_free(c->held[--c->nheld]);
	longjmp(c->jb, 1);
}

static struct jn_env *
env_new(struct jn_ctx *c, struct jn_env *parent)
{
	struct jn_env *e = jn_alloc(c->arena, sizeof(*e));

	e->parent = parent;
	return e;
}

static void
env_bind(struct jn_ctx *c, struct jn_env *e, const char *name,
    struct jn_value *v)
{
	struct jn_bind *b = jn_alloc(c->arena, sizeof(*b));

	b->name = name;
	b->val = v;
	b->next = e->binds;
	e->binds = b;
}

/*
 * Variable lookup: 1 when bound (the value may be undefined).  An
 * unbound name is the built-in BUILTIN, which the parser resolved.
 */
static int
env_lookup(struct jn_env *e, const char *name, struct jn_value *builtin,
    struct jn_value **out)
{
	struct jn_bind *b;

	for (; e != NULL; e = e->parent)
		for (b = e->binds; b != NULL; b = b->next)
			if (b->name == name || (b->name[0] == name[0] &&
			    strcmp(b->name, name) == 0)) {
				*out = b->val;
				return 1;
			}
	*out = builtin;
	return builtin != NULL;
}

struct jn_value *
jn_builtin_value(struct jn_arena *a, const char *name, size_t len, int sfn)
{
	const struct jn_builtin *bi;
	struct jn_value *v;
	struct jn_ctx set;

	memset(&set, 0, sizeof(set));	/* only the set matters here */
	set.sfn = sfn;
	if ((bi = jn_builtin_find(&set, name, len)) == NULL)
		return NULL;
	v = jn_alloc(a, sizeof(*v));
	v->kind = JN_FUNCTION;
	v->u.fn = jn_alloc(a, sizeof(*v->u.fn));
	v->u.fn->kind = FN_BUILTIN;
	v->u.fn->bi = bi;
	if (bi->signature != NULL)
		v->u.fn->sig = jn_sig_new(a, bi->signature);
	return v;
}

/* The frame a tuple's bindings make. */
static struct jn_env *
env_tuple(struct jn_ctx *c, struct jn_env *parent, struct jn_value *t)
{
	struct jn_env *e = env_new(c, parent);
	size_t i;

	for (i = 0; i < t->u.obj.n; i++)
		env_bind(c, e, t->u.obj.m[i].key, t->u.obj.m[i].val);
	return e;
}

static struct jn_value *
tuple_focus(struct jn_value *t)
{
	return jn_get(t, "@", 1);
}

static struct jn_value *
tuple_copy(struct jn_ctx *c, struct jn_value *t)
{
	struct jn_value *n = jn_object(c->arena);
	size_t i;

	for (i = 0; i < t->u.obj.n; i++)
		jn_set(c->arena, n, t->u.obj.m[i].key, t->u.obj.m[i].klen,
		    t->u.obj.m[i].val);
	return n;
}

static void
tuple_set(struct jn_ctx *c, struct jn_value *t, const char *k,
    struct jn_value *v)
{
	jn_set(c->arena, t, k, strlen(k), v);
}

/* A sequence of V, as createSequence(v): undefined is an item too. */
void
jn_hold(struct jn_ctx *c, struct sbuf *b)
{
	if (c->nheld == (int)(sizeof(c->held) / sizeof(c->held[0])))
		jn_throw(c, "U1001", c->position, "Too many nested string "
		    "builders");
	c->held[c->nheld++] = b;
}

void
jn_release(struct jn_ctx *c, struct sbuf *b)
{
	int i;

	for (i = c->nheld - 1; i >= 0; i--)
		if (c->held[i] == b) {
			memmove(c->held + i, c->held + i + 1,
			    (c->nheld - i - 1) * sizeof(c->held[0]));
			c->nheld--;
			break;
		}
	sbuf_free(b);
}

/* A sequence of V, as createSequence(v): undefined is an item too. */
struct jn_value *
jn_seq_of(struct jn_ctx *c, struct jn_value *v)
{
	struct jn_value *s = jn_array(c->arena, JN_SEQ);

	jn_push(c->arena, s, v);
	return s;
}

/* jsonata-js fn.append: concatenation that makes singletons arrays. */
struct jn_value *
jn_append(struct jn_ctx *c, struct jn_value *a, struct jn_value *b)
{
	struct jn_value *r;
	size_t i;

	if (a == NULL)
		return b;
	if (b == NULL)
		return a;
	r = jn_array(c->arena, 0);
	if (a->kind == JN_ARRAY) {
		for (i = 0; i < a->u.arr.n; i++)
			jn_push(c->arena, r, a->u.arr.v[i]);
	} else {
		r->flags = JN_SEQ;
		jn_push(c->arena, r, a);
	}
	if (b->kind == JN_ARRAY)
		for (i = 0; i < b->u.arr.n; i++)
			jn_push(c->arena, r, b->u.arr.v[i]);
	else
		jn_push(c->arena, r, b);
	return r;
}

/* jsonata-js fn.boolean; *undef set when V is undefined. */
int
jn_truthy(const struct jn_value *v, int *undef)
{
	size_t i;
	int u;

	if (undef != NULL)
		*undef = v == NULL;
	if (v == NULL)
		return 0;
	switch (v->kind) {
	case JN_ARRAY:
		if (v->u.arr.n == 1)
			return jn_truthy(v->u.arr.v[0], &u);
		for (i = 0; i < v->u.arr.n; i++)
			if (jn_truthy(v->u.arr.v[i], &u))
				return 1;
		return 0;
	case JN_STRING:
		return v->u.str.len > 0;
	case JN_NUMBER:
		return v->u.num.d != 0;
	case JN_BOOL:
		return v->u.b;
	case JN_OBJECT:
		return v->u.obj.n > 0;
	default:
		return 0;
	}
}

static int
is_number(struct jn_ctx *c, const struct jn_value *v, long pos)
{
	if (v == NULL || v->kind != JN_NUMBER || isnan(v->u.num.d))
		return 0;
	if (isinf(v->u.num.d))
		jn_throw(c, "D1001", pos, "Number out of range");
	return 1;
}

static void
limits(struct jn_ctx *c, long pos)
{
	struct timespec now;
	char here;
	long ms;

	if (c->depth > c->maxdepth || (stack_base != NULL &&
	    (stack_base - &here > STACK_BUDGET ||
	    &here - stack_base > STACK_BUDGET)))
		jn_throw(c, "U1001", pos, "Stack overflow error: Check for "
		    "non-terminating recursive function.  Consider rewriting "
		    "as tail-recursive.");
	if (c->timelimit_ms > 0 && (++c->ticks & 255) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (now.tv_sec - c->start.tv_sec) * 1000 +
		    (now.tv_nsec - c->start.tv_nsec) / 1000000;
		if (ms > c->timelimit_ms)
			jn_throw(c, "U1001", pos, "Expression evaluation "
			    "timeout: Check for infinite loop");
	}
}

/* Field lookup over a value or, flattening, every item of an array. */
struct jn_value *
jn_lookup(struct jn_ctx *c, struct jn_value *in, const char *k, size_t klen)
{
	struct jn_value *r, *x;
	size_t i, j;

	if (in == NULL)
		return NULL;
	if (in->kind == JN_ARRAY) {
		r = jn_array(c->arena, JN_SEQ);
		for (i = 0; i < in->u.arr.n; i++) {
			x = jn_lookup(c, in->u.arr.v[i], k, klen);
			if (x == NULL)
				continue;
			if (x->kind == JN_ARRAY)
				for (j = 0; j < x->u.arr.n; j++)
					jn_push(c->arena, r, x->u.arr.v[j]);
			else
				jn_push(c->arena, r, x);
		}
		return r;
	}
	if (in->kind == JN_OBJECT)
		return jn_get(in, k, klen);
	return NULL;
}

static void
flatten_into(struct jn_ctx *c, struct jn_value *r, struct jn_value *v)
{
	size_t i;

	if (v != NULL && v->kind == JN_ARRAY)
		for (i = 0; i < v->u.arr.n; i++)
			flatten_into(c, r, v->u.arr.v[i]);
	else
		jn_push(c->arena, r, v);
}

static struct jn_value *
wildcard(struct jn_ctx *c, struct jn_value *in)
{
	struct jn_value *r = jn_array(c->arena, JN_SEQ), *v;
	size_t i, n;

	if (in != NULL && in->kind == JN_ARRAY && (in->flags & JN_OUTER) &&
	    in->u.arr.n > 0)
		in = in->u.arr.v[0];
	/* An array's members are its items (JavaScript's Object.keys). */
	n = in == NULL ? 0 : in->kind == JN_OBJECT ? in->u.obj.n :
	    in->kind == JN_ARRAY ? in->u.arr.n : 0;
	for (i = 0; i < n; i++) {
		v = in->kind == JN_OBJECT ? in->u.obj.m[i].val :
		    in->u.arr.v[i];
		if (v != NULL && v->kind == JN_ARRAY) {
			flatten_into(c, r, v);
			r->flags = 0;	/* fn.append makes a plain array */
		} else if (v != NULL)
			jn_push(c->arena, r, v);
	}
	return r;
}

static void
descend(struct jn_ctx *c, struct jn_value *in, struct jn_value *r)
{
	size_t i;

	if (in == NULL)
		return;
	if (in->kind != JN_ARRAY)
		jn_push(c->arena, r, in);
	if (in->kind == JN_ARRAY)
		for (i = 0; i < in->u.arr.n; i++)
			descend(c, in->u.arr.v[i], r);
	else if (in->kind == JN_OBJECT)
		for (i = 0; i < in->u.obj.n; i++)
			descend(c, in->u.obj.m[i].val, r);
}

static struct jn_value *
descendants(struct jn_ctx *c, struct jn_value *in)
{
	struct jn_value *r;

	if (in == NULL)
		return NULL;
	r = jn_array(c->arena, JN_SEQ);
	descend(c, in, r);
	return r->u.arr.n == 1 ? r->u.arr.v[0] : r;
}

static int
all_numbers(const struct jn_value *v)
{
	size_t i;

	if (v == NULL || v->kind != JN_ARRAY || v->u.arr.n == 0)
		return 0;
	for (i = 0; i < v->u.arr.n; i++)
		if (v->u.arr.v[i] == NULL ||
		    v->u.arr.v[i]->kind != JN_NUMBER)
			return 0;
	return 1;
}

/*
 * The item a number selects among N: floored, from the end when
 * negative; -1 when there is none (infinities and 1e300 included, which
 * no long holds).
 */
static long
index_of(double d, long n)
{
	d = floor(d);
	if (d < 0)
		d += (double)n;
	return d >= 0 && d < (double)n ? (long)d : -1;
}

/* A predicate: a number (or numbers) index, anything else filters. */
static struct jn_value *
filter(struct jn_ctx *c, struct jn_node *pred, struct jn_value *in,
    struct jn_env *env)
{
	struct jn_value *r = jn_array(c->arena, JN_SEQ), *item, *res, *ctx;
	struct jn_env *e;
	long idx, n, ii;
	size_t i, j;

	if (in != NULL && in->kind == JN_ARRAY && (in->flags & JN_TUPLES))
		r->flags |= JN_TUPLES;
	if (in == NULL || in->kind != JN_ARRAY)
		in = jn_seq_of(c, in);
	n = in->u.arr.n;
	if (pred->type == N_NUMBER) {
		idx = index_of(pred->num, n);
		if (idx >= 0 && idx < n && (item = in->u.arr.v[idx]) != NULL) {
			if (item->kind == JN_ARRAY)
				return item;
			jn_push(c->arena, r, item);
		}
		return r;
	}
	for (i = 0; i < (size_t)n; i++) {
		item = in->u.arr.v[i];
		ctx = item;
		e = env;
		if (in->flags & JN_TUPLES) {
			ctx = tuple_focus(item);
			e = env_tuple(c, env, item);
		}
		res = eval(c, pred, ctx, e);
		if (is_number(c, res, pred->position))
			res = jn_seq_of(c, res);
		if (all_numbers(res)) {
			for (j = 0; j < res->u.arr.n; j++) {
				/* (an infinity is D1001, as in jsonata-js) */
				is_number(c, res->u.arr.v[j], pred->position);
				ii = index_of(res->u.arr.v[j]->u.num.d, n);
				if (ii == (long)i)
					jn_push(c->arena, r, item);
			}
		} else if (jn_truthy(res, NULL))
			jn_push(c->arena, r, item);
	}
	return r;
}

static struct jn_value	*sort_step(struct jn_ctx *, struct jn_node *,
			    struct jn_value *, struct jn_env *);

static struct jn_value *
stages(struct jn_ctx *c, struct jn_node *step, struct jn_value *in,
    struct jn_env *env)
{
	size_t s, i;

	for (s = 0; s < step->nstages; s++) {
		if (!step->stages[s].index) {
			in = filter(c, step->stages[s].expr, in, env);
			continue;
		}
		for (i = 0; in != NULL && in->kind == JN_ARRAY &&
		    i < in->u.arr.n; i++)
			tuple_set(c, in->u.arr.v[i], step->stages[s].var,
			    jn_number(c->arena, (double)i));
	}
	return in;
}

static struct jn_value *
eval_step(struct jn_ctx *c, struct jn_node *step, struct jn_value *in,
    struct jn_env *env, int last)
{
	struct jn_value *res, *r, *out, *x;
	size_t i, j, s;

	if (step->type == N_SORT) {
		r = sort_step(c, step, in, env);
		return stages(c, step, r, env);
	}
	r = jn_array(c->arena, JN_SEQ);
	for (i = 0; i < in->u.arr.n; i++) {
		res = eval(c, step, in->u.arr.v[i], env);
		for (s = 0; s < step->nstages; s++)
			res = filter(c, step->stages[s].expr, res, env);
		if (res != NULL)
			jn_push(c->arena, r, res);
	}
	if (last && r->u.arr.n == 1 && r->u.arr.v[0]->kind == JN_ARRAY &&
	    !(r->u.arr.v[0]->flags & JN_SEQ))
		return r->u.arr.v[0];
	out = jn_array(c->arena, JN_SEQ);
	for (i = 0; i < r->u.arr.n; i++) {
		x = r->u.arr.v[i];
		if (x->kind != JN_ARRAY || (x->flags & JN_CONS))
			jn_push(c->arena, out, x);
		else
			for (j = 0; j < x->u.arr.n; j++)
				jn_push(c->arena, out, x->u.arr.v[j]);
	}
	return out;
}

static struct jn_value *
tuple_step(struct jn_ctx *c, struct jn_node *step, struct jn_value *in,
    struct jn_value *tuples, struct jn_env *env)
{
	struct jn_value *r, *sorted, *t, *res, *nt;
	struct jn_env *e;
	size_t i, j;

	if (step->type == N_SORT) {
		if (tuples != NULL)
			r = sort_step(c, step, tuples, env);
		else {
			sorted = sort_step(c, step, in, env);
			r = jn_array(c->arena, JN_SEQ | JN_TUPLES);
			for (i = 0; sorted != NULL && i < sorted->u.arr.n;
			    i++) {
				t = jn_object(c->arena);
				tuple_set(c, t, "@", sorted->u.arr.v[i]);
				if (step->index != NULL)
					tuple_set(c, t, step->index,
					    jn_number(c->arena, (double)i));
				jn_push(c->arena, r, t);
			}
		}
		return stages(c, step, r, env);
	}
	if (tuples == NULL) {
		tuples = jn_array(c->arena, JN_SEQ | JN_TUPLES);
		for (i = 0; i < in->u.arr.n; i++) {
			t = jn_object(c->arena);
			tuple_set(c, t, "@", in->u.arr.v[i]);
			jn_push(c->arena, tuples, t);
		}
	}
	r = jn_array(c->arena, JN_SEQ | JN_TUPLES);
	for (i = 0; i < tuples->u.arr.n; i++) {
		t = tuples->u.arr.v[i];
		e = env_tuple(c, env, t);
		res = eval(c, step, tuple_focus(t), e);
		if (res == NULL)
			continue;
		if (res->kind != JN_ARRAY)
			res = jn_seq_of(c, res);
		for (j = 0; j < res->u.arr.n; j++) {
			nt = tuple_copy(c, t);
			if (res->flags & JN_TUPLES) {
				struct jn_value *o = res->u.arr.v[j];
				size_t k;
				for (k = 0; k < o->u.obj.n; k++)
					jn_set(c->arena, nt, o->u.obj.m[k].key,
					    o->u.obj.m[k].klen,
					    o->u.obj.m[k].val);
			} else {
				if (step->focus != NULL) {
					tuple_set(c, nt, step->focus,
					    res->u.arr.v[j]);
					tuple_set(c, nt, "@", tuple_focus(t));
				} else
					tuple_set(c, nt, "@", res->u.arr.v[j]);
				if (step->index != NULL)
					tuple_set(c, nt, step->index,
					    jn_number(c->arena, (double)j));
				if (step->ancestor != NULL)
					tuple_set(c, nt, step->ancestor->label,
					    tuple_focus(t));
			}
			jn_push(c->arena, r, nt);
		}
	}
	return stages(c, step, r, env);
}

static struct jn_value	*group(struct jn_ctx *, struct jn_pair *, size_t,
			    long, struct jn_value *, struct jn_env *);

/*
 * A path that is one plain name on an object (price, items): the member,
 * as the general path would give it after eval() unwraps its sequence,
 * without building the sequences.  NULL with *done unset: not this case.
 */
static struct jn_value *
name_path(struct jn_node *n, struct jn_value *in, int *done)
{
	struct jn_node *step = n->items[0];
	struct jn_value *v;

	*done = 0;
	if (n->nitems != 1 || step->type != N_NAME || in == NULL ||
	    in->kind != JN_OBJECT || step->nstages > 0 || step->npreds > 0 ||
	    step->has_group || step->tuple || step->keep_array ||
	    step->focus != NULL || step->index != NULL || step->consarray ||
	    n->keep_singleton || n->has_group || n->tuple || n->keep_array ||
	    n->npreds > 0)
		return NULL;
	v = jn_get(in, step->value, step->vlen);
	/* a sequence stored in an object is flattened: the general path */
	if (v != NULL && v->kind == JN_ARRAY && (v->flags & JN_SEQ))
		return NULL;
	*done = 1;
	return v;
}

static struct jn_value *
eval_path(struct jn_ctx *c, struct jn_node *n, struct jn_value *in,
    struct jn_env *env)
{
	struct jn_value *seq, *res = NULL, *tuples = NULL;
	struct jn_node *step;
	int tuple = 0, done;
	size_t i;

	res = name_path(n, in, &done);
	if (done)
		return res;
	if (in != NULL && in->kind == JN_ARRAY &&
	    n->items[0]->type != N_VARIABLE)
		seq = in;
	else
		seq = jn_seq_of(c, in);
	for (i = 0; i < n->nitems; i++) {
		step = n->items[i];
		if (step->tuple)
			tuple = 1;
		if (i == 0 && step->consarray)
			res = eval(c, step, seq, env);
		else if (tuple)
			tuples = tuple_step(c, step, seq, tuples, env);
		else
			res = eval_step(c, step, seq, env, i == n->nitems - 1);
		if (!tuple && (res == NULL || (res->kind == JN_ARRAY &&
		    res->u.arr.n == 0)))
			break;
		if (step->focus == NULL) {
			seq = tuple ? tuples : res;
			if (seq == NULL)
				seq = jn_array(c->arena, JN_SEQ);
			else if (seq->kind != JN_ARRAY)
				seq = jn_seq_of(c, seq);
		}
	}
	if (tuple && n->tuple)		/* carries ancestry: keep it */
		res = tuples;
	else if (tuple) {
		res = jn_array(c->arena, JN_SEQ);
		for (i = 0; tuples != NULL && i < tuples->u.arr.n; i++)
			jn_push(c->arena, res, tuple_focus(tuples->u.arr.v[i]));
	}
	if (n->keep_singleton && res != NULL) {
		if (res->kind == JN_ARRAY && (res->flags & JN_CONS) &&
		    !(res->flags & JN_SEQ))
			res = jn_seq_of(c, res);
		if (res->kind == JN_ARRAY)
			res->flags |= JN_KEEP;
		else {
			res = jn_seq_of(c, res);
			res->flags |= JN_KEEP;
		}
	}
	if (n->has_group)
		res = group(c, n->group, n->ngroup, n->group_pos,
		    tuple ? tuples : res, env);
	return res;
}

/* Merge a tuple stream's tuples into one (for grouping). */
static struct jn_value *
reduce_tuples(struct jn_ctx *c, struct jn_value *ts)
{
	struct jn_value *r, *t;
	size_t i, k;

	if (ts == NULL || ts->kind != JN_ARRAY)
		return ts;
	r = tuple_copy(c, ts->u.arr.v[0]);
	for (i = 1; i < ts->u.arr.n; i++) {
		t = ts->u.arr.v[i];
		for (k = 0; k < t->u.obj.n; k++)
			jn_set(c->arena, r, t->u.obj.m[k].key,
			    t->u.obj.m[k].klen, jn_append(c,
			    jn_get(r, t->u.obj.m[k].key, t->u.obj.m[k].klen),
			    t->u.obj.m[k].val));
	}
	return r;
}

struct grp {
	const char	*key;
	size_t		 klen;
	struct jn_value	*data;
	size_t		 pair;
	int		 owned;		/* data is an array made here */
};

/*
 * jn_append(g->data, item), in place once g->data is an array of the
 * group's own: a group of n items was n copies of ever longer arrays.
 */
static void
grp_append(struct jn_ctx *c, struct grp *g, struct jn_value *item)
{
	size_t i;

	if (item == NULL)		/* jn_append(x, undefined) is x */
		return;
	if (!g->owned) {
		/* a new array, unless data was undefined: then it is item */
		g->data = jn_append(c, g->data, item);
		g->owned = g->data != item;
		return;
	}
	if (item->kind == JN_ARRAY)
		for (i = 0; i < item->u.arr.n; i++)
			jn_push(c->arena, g->data, item->u.arr.v[i]);
	else
		jn_push(c->arena, g->data, item);
}

static struct jn_value *
group(struct jn_ctx *c, struct jn_pair *pairs, size_t np, long pos,
    struct jn_value *in, struct jn_env *env)
{
	struct jn_value *r = jn_object(c->arena), *item, *key, *ctx, *v;
	struct grp *g = NULL;
	struct jn_env *e;
	size_t ng = 0, cap = 0, i, p, k;
	int reduce = in != NULL && in->kind == JN_ARRAY &&
	    (in->flags & JN_TUPLES);

	if (in == NULL || in->kind != JN_ARRAY)
		in = jn_seq_of(c, in);
	if (in->u.arr.n == 0) {
		/*
		 * No tuple to bind from: grouped as undefined is
		 * (jsonata-js reads a property of undefined and throws a
		 * TypeError here).
		 */
		in = jn_seq_of(c, NULL);
		reduce = 0;
	}
	for (i = 0; i < in->u.arr.n; i++) {
		item = in->u.arr.v[i];
		e = reduce ? env_tuple(c, env, item) : env;
		for (p = 0; p < np; p++) {
			key = eval(c, pairs[p].k, reduce ? tuple_focus(item) :
			    item, e);
			if (key == NULL)
				continue;
			if (key->kind != JN_STRING)
				jn_throw(c, "T1003", pos, "Key in object "
				    "structure must evaluate to a string; got: "
				    "%s", key->kind == JN_NUMBER ? "number" :
				    "non-string");
			for (k = 0; k < ng; k++)
				if (g[k].klen == key->u.str.len &&
				    memcmp(g[k].key, key->u.str.s,
				    key->u.str.len) == 0)
					break;
			if (k < ng) {
				if (g[k].pair != p)
					jn_throw(c, "D1009", pos, "Multiple key "
					    "definitions evaluate to same key: "
					    "%.*s", (int)key->u.str.len,
					    key->u.str.s);
				grp_append(c, &g[k], item);
				continue;
			}
			if (ng == cap) {
				struct grp *ngp;
				cap = cap ? cap * 2 : 8;
				ngp = jn_alloc(c->arena, cap * sizeof(*ngp));
				if (ng > 0)
					memcpy(ngp, g, ng * sizeof(*ngp));
				g = ngp;
			}
			g[ng].key = key->u.str.s;
			g[ng].klen = key->u.str.len;
			g[ng].data = item;
			g[ng].pair = p;
			g[ng].owned = 0;
			ng++;
		}
	}
	for (k = 0; k < ng; k++) {
		ctx = g[k].data;
		e = env;
		if (reduce) {
			struct jn_value *t = reduce_tuples(c,
			    ctx->kind == JN_ARRAY && !(ctx->flags & JN_TUPLES) &&
			    ctx->u.arr.n > 0 && ctx->u.arr.v[0]->kind ==
			    JN_OBJECT && jn_get(ctx->u.arr.v[0], "@", 1) ?
			    ctx : jn_seq_of(c, ctx));
			ctx = tuple_focus(t);
			e = env_tuple(c, env, t);
		}
		v = eval(c, pairs[g[k].pair].v, ctx, e);
		if (v != NULL)
			jn_set(c->arena, r, g[k].key, g[k].klen, v);
	}
	return r;
}

/* Sorting: jsonata-js's stable merge sort with a "swap" comparator. */
struct sortctx {
	struct jn_ctx	*c;
	struct jn_node	*step;
	struct jn_env	*env;
	int		 tuples;
	struct jn_value	*fn;		/* $sort's comparator, or NULL */
};

int
jn_is_function(const struct jn_value *v)
{
	return v != NULL && v->kind == JN_FUNCTION;
}

const char *
jn_type_name(const struct jn_value *v)
{
	if (v == NULL)
		return "undefined";
	switch (v->kind) {
	case JN_NULL: return "null";
	case JN_BOOL: return "boolean";
	case JN_NUMBER: return "number";
	case JN_STRING: return "string";
	case JN_ARRAY: return "array";
	case JN_FUNCTION: return "function";
	default: return "object";
	}
}

static int
cmp_values(struct jn_ctx *c, struct jn_value *x, struct jn_value *y,
    long pos)
{
	int r;
	size_t n;

	if (x == NULL)
		return y == NULL ? 0 : 1;
	if (y == NULL)
		return -1;
	if ((x->kind != JN_NUMBER && x->kind != JN_STRING) ||
	    (y->kind != JN_NUMBER && y->kind != JN_STRING))
		jn_throw(c, "T2008", pos, "The expressions within an order-by "
		    "clause must evaluate to numeric or string values");
	if (x->kind != y->kind)
		jn_throw(c, "T2007", pos, "Type mismatch within order-by "
		    "clause. All values must be of the same type");
	if (x->kind == JN_NUMBER)
		return x->u.num.d < y->u.num.d ? -1 :
		    x->u.num.d > y->u.num.d ? 1 : 0;
	n = x->u.str.len < y->u.str.len ? x->u.str.len : y->u.str.len;
	r = memcmp(x->u.str.s, y->u.str.s, n);
	if (r == 0)
		r = x->u.str.len < y->u.str.len ? -1 :
		    x->u.str.len > y->u.str.len ? 1 : 0;
	return r < 0 ? -1 : r > 0 ? 1 : 0;
}

/* 1 when A must come after B. */
static int
swap(struct sortctx *s, struct jn_value *a, struct jn_value *b)
{
	struct jn_value *args[2], *r, *ca = a, *cb = b, *x, *y;
	struct jn_env *ea = s->env, *eb = s->env;
	size_t i;
	int cmp = 0;

	if (s->fn != NULL) {
		args[0] = a;
		args[1] = b;
		r = jn_apply(s->c, s->fn, args, 2, NULL);
		return jn_truthy(r, NULL);
	}
	if (s->step == NULL)		/* $sort's default: a > b */
		return cmp_values(s->c, a, b, s->c->position) > 0;
	if (s->tuples) {
		ca = tuple_focus(a);
		cb = tuple_focus(b);
		ea = env_tuple(s->c, s->env, a);
		eb = env_tuple(s->c, s->env, b);
	}
	for (i = 0; i < s->step->nterms; i++) {
		x = eval(s->c, s->step->terms[i].expr, ca, ea);
		y = eval(s->c, s->step->terms[i].expr, cb, eb);
		cmp = cmp_values(s->c, x, y, s->step->position);
		if (cmp == 0)
			continue;
		if (s->step->terms[i].descending)
			cmp = -cmp;
		break;
	}
	return cmp == 1;
}

static void
msort(struct sortctx *s, struct jn_value **v, struct jn_value **tmp,
    size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	msort(s, v, tmp, mid);
	msort(s, v + mid, tmp, n - mid);
	while (i < mid && j < n) {
		if (swap(s, v[i], v[j]))
			tmp[k++] = v[j++];
		else
			tmp[k++] = v[i++];
	}
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

/* Sort the items of IN (a copy) with FN or the order-by terms of STEP. */
static struct jn_value *
sort_with(struct jn_ctx *c, struct sortctx *s, struct jn_value *in)
{
	struct jn_value *r;
	struct jn_value **tmp;
	size_t i;

	if (in == NULL)
		return NULL;
	if (in->kind != JN_ARRAY)
		in = jn_seq_of(c, in);
	r = jn_array(c->arena, in->flags & (JN_SEQ | JN_TUPLES));
	if (s->fn == NULL)
		r->flags |= JN_SEQ;
	for (i = 0; i < in->u.arr.n; i++)
		jn_push(c->arena, r, in->u.arr.v[i]);
	tmp = jn_alloc(c->arena, (r->u.arr.n + 1) * sizeof(*tmp));
	msort(s, r->u.arr.v, tmp, r->u.arr.n);
	return r;
}

static struct jn_value *
sort_step(struct jn_ctx *c, struct jn_node *step, struct jn_value *in,
    struct jn_env *env)
{
	struct sortctx s = { c, step, env, 0, NULL };

	s.tuples = in != NULL && in->kind == JN_ARRAY &&
	    (in->flags & JN_TUPLES);
	return sort_with(c, &s, in);
}

struct jn_value *
jn_sort(struct jn_ctx *c, struct jn_value *in, struct jn_value *fn)
{
	struct sortctx s = { c, NULL, NULL, 0, fn };

	return sort_with(c, &s, in);
}

/* Operators. */

static struct jn_value *
arith(struct jn_ctx *c, struct jn_node *n, struct jn_value *l,
    struct jn_value *r)
{
	double a, b, x;
	char op = n->value[0];

	if (l != NULL && !is_number(c, l, n->position))
		jn_throw(c, "T2001", n->position, "The left side of the \"%c\" "
		    "operator must evaluate to a number", op);
	if (r != NULL && !is_number(c, r, n->position))
		jn_throw(c, "T2002", n->position, "The right side of the "
		    "\"%c\" operator must evaluate to a number", op);
	if (l == NULL || r == NULL)
		return NULL;
	a = l->u.num.d;
	b = r->u.num.d;
	switch (op) {
	case '+': x = a + b; break;
	case '-': x = a - b; break;
	case '*': x = a * b; break;
	case '/': x = a / b; break;
	default: x = fmod(a, b); break;
	}
	return jn_number(c->arena, x);
}

static struct jn_value *
compare(struct jn_ctx *c, struct jn_node *n, struct jn_value *l,
    struct jn_value *r)
{
	int lok, rok, cmp;
	const char *op = n->value;

	lok = l == NULL || l->kind == JN_STRING || is_number(c, l, n->position);
	rok = r == NULL || r->kind == JN_STRING || is_number(c, r, n->position);
	if (!lok || !rok)
		jn_throw(c, "T2010", n->position, "The expressions either side "
		    "of operator \"%.*s\" must evaluate to numeric or string "
		    "values", (int)n->vlen, op);
	if (l == NULL || r == NULL)
		return NULL;
	if (l->kind != r->kind)
		jn_throw(c, "T2009", n->position, "The values either side of "
		    "operator \"%.*s\" must be of the same data type",
		    (int)n->vlen, op);
	cmp = cmp_values(c, l, r, n->position);
	if (op[0] == '<')
		return jn_bool(c->arena, n->vlen == 2 ? cmp <= 0 : cmp < 0);
	return jn_bool(c->arena, n->vlen == 2 ? cmp >= 0 : cmp > 0);
}

static struct jn_value *
range(struct jn_ctx *c, struct jn_node *n, struct jn_value *l,
    struct jn_value *r)
{
	struct jn_value *res;
	double a, b, i;

	if (l != NULL && (l->kind != JN_NUMBER ||
	    l->u.num.d != floor(l->u.num.d)))
		jn_throw(c, "T2003", n->position, "The left side of the range "
		    "operator (..) must evaluate to an integer");
	if (r != NULL && (r->kind != JN_NUMBER ||
	    r->u.num.d != floor(r->u.num.d)))
		jn_throw(c, "T2004", n->position, "The right side of the range "
		    "operator (..) must evaluate to an integer");
	if (l == NULL || r == NULL)
		return NULL;
	a = l->u.num.d;
	b = r->u.num.d;
	if (a > b)
		return NULL;
	if (b - a + 1 > 1e7)
		jn_throw(c, "D2014", n->position, "The size of the sequence "
		    "allocated by the range operator (..) must not exceed 1e7."
		    "  Attempted to allocate %.0f.", b - a + 1);
	res = jn_array(c->arena, JN_SEQ);
	for (i = a; i <= b; i++)
		jn_push(c->arena, res, jn_number(c->arena, i));
	return res;
}

struct jn_value *
jn_tostring(struct jn_ctx *c, struct jn_value *v)
{
	struct sbuf b = SBUF_INIT;
	struct jn_value *r;

	if (v == NULL)
		return NULL;
	if (v->kind == JN_STRING)
		return v;
	if (v->kind == JN_FUNCTION)
		return jn_string(c->arena, "", 0);
	if (v->kind == JN_NUMBER && (isnan(v->u.num.d) || isinf(v->u.num.d)))
		jn_throw(c, "D3001", c->position, "Attempting to invoke string "
		    "function on Infinity or NaN");
	jn_stringify(&b, v, 0);
	r = jn_string(c->arena, b.buf, b.len);
	sbuf_free(&b);
	return r;
}

static struct jn_value *
binary(struct jn_ctx *c, struct jn_node *n, struct jn_value *in,
    struct jn_env *env)
{
	struct jn_value *l, *r, *ls, *rs, *res;
	const char *op = n->value;
	size_t i;
	int lb, rb, lu, ru;
	char *s;

	l = eval(c, n->lhs, in, env);
	if (n->vlen == 3 && memcmp(op, "and", 3) == 0) {
		lb = jn_truthy(l, &lu);
		if (!lb)
			return jn_bool(c->arena, 0);
		rb = jn_truthy(eval(c, n->rhs, in, env), &ru);
		return jn_bool(c->arena, rb);
	}
	if (n->vlen == 2 && memcmp(op, "or", 2) == 0) {
		lb = jn_truthy(l, &lu);
		if (lb)
			return jn_bool(c->arena, 1);
		rb = jn_truthy(eval(c, n->rhs, in, env), &ru);
		return jn_bool(c->arena, rb);
	}
	r = eval(c, n->rhs, in, env);
	if (n->vlen == 1)
		switch (op[0]) {
		case '+': case '-': case '*': case '/': case '%':
			return arith(c, n, l, r);
		}
	if ((n->vlen == 1 && op[0] == '=') || (n->vlen == 2 && op[0] == '!')) {
		if (l == NULL || r == NULL)
			return jn_bool(c->arena, 0);
		return jn_bool(c->arena, jn_deep_equal(l, r) == (op[0] == '='));
	}
	if (op[0] == '<' || op[0] == '>')
		return compare(c, n, l, r);
	if (op[0] == '&') {
		ls = jn_tostring(c, l);
		rs = jn_tostring(c, r);
		i = (ls ? ls->u.str.len : 0) + (rs ? rs->u.str.len : 0);
		s = jn_alloc(c->arena, i + 1);
		if (ls != NULL)
			memcpy(s, ls->u.str.s, ls->u.str.len);
		if (rs != NULL)
			memcpy(s + (ls ? ls->u.str.len : 0), rs->u.str.s,
			    rs->u.str.len);
		res = jn_alloc(c->arena, sizeof(*res));
		res->kind = JN_STRING;
		res->u.str.s = s;
		res->u.str.len = i;
		return res;
	}
	if (n->vlen == 2 && op[0] == '.')
		return range(c, n, l, r);
	if (n->vlen == 2 && memcmp(op, "in", 2) == 0) {
		if (l == NULL || r == NULL)
			return jn_bool(c->arena, 0);
		if (r->kind != JN_ARRAY)
			return jn_bool(c->arena, jn_deep_equal(l, r));
		for (i = 0; i < r->u.arr.n; i++)
			if (jn_deep_equal(l, r->u.arr.v[i]))
				return jn_bool(c->arena, 1);
		return jn_bool(c->arena, 0);
	}
	jn_throw(c, "S0201", n->position, "Syntax error: \"%.*s\"",
	    (int)n->vlen, op);
}

static struct jn_value *
array_ctor(struct jn_ctx *c, struct jn_node *n, struct jn_value *in,
    struct jn_env *env)
{
	struct jn_value *r = jn_array(c->arena, 0), *v;
	size_t i;

	for (i = 0; i < n->nitems; i++) {
		v = eval(c, n->items[i], in, env);
		if (v == NULL)
			continue;
		if (n->items[i]->type == N_ARRAY)
			jn_push(c->arena, r, v);
		else
			r = jn_append(c, r, v);
	}
	r->flags = n->consarray ? JN_CONS : 0;
	return r;
}

/* Functions. */

struct jn_value *
jn_mkfunc(struct jn_ctx *c, int kind)
{
	struct jn_value *v = jn_alloc(c->arena, sizeof(*v));

	v->kind = JN_FUNCTION;
	v->u.fn = jn_alloc(c->arena, sizeof(*v->u.fn));
	v->u.fn->kind = kind;
	return v;
}

size_t
jn_arity(const struct jn_value *fn)
{
	const struct jn_func *f = fn->u.fn;

	switch (f->kind) {
	case FN_LAMBDA:
		return f->node->nparams;
	case FN_PARTIAL:
		return f->arity;
	case FN_BUILTIN:
		return f->bi->arity;
	default:
		return 1;
	}
}

static struct jn_value *
apply_inner(struct jn_ctx *c, struct jn_value *fn, struct jn_value **args,
    size_t nargs, struct jn_value *input)
{
	struct jn_func *f;
	struct jn_env *env;
	struct jn_value **all;
	size_t i, k;

	if (fn == NULL || fn->kind != JN_FUNCTION)
		jn_throw(c, "T1006", c->position, "Attempted to invoke a "
		    "non-function");
	f = fn->u.fn;
	switch (f->kind) {
	case FN_BUILTIN:
		if (f->sig != NULL)
			args = jn_sig_validate(c, f->sig, args, &nargs, input);
		else if (f->bi->signature != NULL)
			args = jn_sig_validate(c, jn_sig_new(c->arena,
			    f->bi->signature), args, &nargs, input);
		return f->bi->fn(c, args, nargs, input);
	case FN_REGEX:
		return jn_regex_apply(c, f->re, nargs > 0 ? args[0] : NULL);
	case FN_PARTIAL:
		if (f->holes == NULL) {		/* composition: g(f(x)) */
			struct jn_value *x = jn_apply(c, f->args[0], args,
			    nargs, input);
			return jn_apply(c, f->args[1], &x, 1, input);
		}
		all = jn_alloc(c->arena, (f->nargs + nargs + 1) *
		    sizeof(*all));
		for (i = 0, k = 0; i < f->nargs; i++)
			all[i] = f->holes[i] ? (k < nargs ? args[k++] : NULL) :
			    f->args[i];
		return jn_apply(c, f->base, all, f->nargs, input);
	default:
		if (f->node->type == N_TRANSFORM)
			return transform_apply(c, f->node, f->env,
			    nargs > 0 ? args[0] : NULL);
		if (f->node->sig != NULL)
			args = jn_sig_validate(c, f->node->sig, args, &nargs,
			    input);
		env = env_new(c, f->env);
		for (i = 0; i < f->node->nparams; i++)
			env_bind(c, env, f->node->params[i]->value,
			    i < nargs ? args[i] : NULL);
		return eval(c, f->node->expr, f->input, env);
	}
}

static struct jn_value **
eval_args(struct jn_ctx *c, struct jn_node *call, struct jn_value *in,
    struct jn_env *env, struct jn_value *first, size_t *nargs)
{
	struct jn_value **args;
	size_t i, k = 0;

	args = jn_alloc(c->arena, (call->nitems + 2) * sizeof(*args));
	if (first != NULL)
		args[k++] = first;
	for (i = 0; i < call->nitems; i++)
		args[k++] = eval(c, call->items[i], in, env);
	*nargs = k;
	return args;
}

/* Apply FN, running tail-call thunks in a loop. */
struct jn_value *
jn_apply(struct jn_ctx *c, struct jn_value *fn, struct jn_value **args,
    size_t nargs, struct jn_value *input)
{
	struct jn_value *r, *next;
	struct jn_func *t;
	struct jn_node *call;

	r = apply_inner(c, fn, args, nargs, input);
	while (r != NULL && r->kind == JN_FUNCTION &&
	    r->u.fn->kind == FN_LAMBDA && r->u.fn->node->thunk) {
		t = r->u.fn;
		call = t->node->expr;
		next = eval(c, call->procedure, t->input, t->env);
		args = eval_args(c, call, t->input, t->env, NULL, &nargs);
		c->position = call->position;
		limits(c, call->position);
		r = apply_inner(c, next, args, nargs, input);
	}
	return r;
}

static const char *
proc_name(struct jn_node *p)
{
	if (p->type == N_PATH && p->nitems > 0)
		return p->items[0]->value;
	return p->value;
}

static struct jn_value *
call(struct jn_ctx *c, struct jn_node *n, struct jn_value *in,
    struct jn_env *env, struct jn_value *applyto, int has_applyto)
{
	struct jn_value *fn, **args, *x;
	size_t nargs;
	const char *name;

	fn = eval(c, n->procedure, in, env);
	name = proc_name(n->procedure);
	if (fn == NULL && n->procedure->type == N_PATH && name != NULL &&
	    jn_builtin_find(c, name, strlen(name)) != NULL)
		jn_throw(c, "T1005", n->position, "Attempted to invoke a "
		    "non-function. Did you mean ${%s}?", name);
	args = eval_args(c, n, in, env, NULL, &nargs);
	if (has_applyto) {
		struct jn_value **a2 = jn_alloc(c->arena,
		    (nargs + 1) * sizeof(*a2));
		a2[0] = applyto;
		memcpy(a2 + 1, args, nargs * sizeof(*args));
		args = a2;
		nargs++;
	}
	c->position = n->position;
	c->fname = name;
	x = jn_apply(c, fn, args, nargs, in);
	return x;
}

static struct jn_value *
partial(struct jn_ctx *c, struct jn_node *n, struct jn_value *in,
    struct jn_env *env)
{
	struct jn_value *fn, *p;
	struct jn_func *f;
	size_t i;
	const char *name;

	fn = eval(c, n->procedure, in, env);
	if (fn == NULL || fn->kind != JN_FUNCTION) {
		name = proc_name(n->procedure);
		if (n->procedure->type == N_PATH && name != NULL &&
		    jn_builtin_find(c, name, strlen(name)) != NULL)
			jn_throw(c, "T1007", n->position, "Attempted to "
			    "partially apply a non-function. Did you mean "
			    "${%s}?", name);
		jn_throw(c, "T1008", n->position, "Attempted to partially "
		    "apply a non-function");
	}
	p = jn_mkfunc(c, FN_PARTIAL);
	f = p->u.fn;
	f->base = fn;
	f->nargs = n->nitems;
	f->args = jn_alloc(c->arena, (n->nitems + 1) * sizeof(*f->args));
	f->holes = jn_alloc(c->arena, (n->nitems + 1) * sizeof(*f->holes));
	for (i = 0; i < n->nitems; i++) {
		if (n->items[i]->type == N_PLACEHOLDER) {
			f->holes[i] = 1;
			f->arity++;
		} else
			f->args[i] = eval(c, n->items[i], in, env);
	}
	return p;
}

static struct jn_value *
apply_op(struct jn_ctx *c, struct jn_node *n, struct jn_value *in,
    struct jn_env *env)
{
	struct jn_value *l, *fn, *args[2], *comp;
	struct jn_func *f;

	l = eval(c, n->lhs, in, env);
	if (n->rhs->type == N_FUNCTION)
		return call(c, n->rhs, in, env, l, 1);
	fn = eval(c, n->rhs, in, env);
	if (fn == NULL || fn->kind != JN_FUNCTION)
		jn_throw(c, "T2006", n->position, "The right side of the "
		    "function application operator ~> must be a function");
	if (l != NULL && l->kind == JN_FUNCTION) {
		/* Composition: a partial of the two as one function. */
		comp = jn_mkfunc(c, FN_PARTIAL);
		f = comp->u.fn;
		f->base = NULL;
		f->args = jn_alloc(c->arena, 2 * sizeof(*f->args));
		f->args[0] = l;
		f->args[1] = fn;
		f->arity = 1;
		f->nargs = 2;
		f->holes = NULL;	/* marks a composition */
		return comp;
	}
	args[0] = l;
	c->position = n->position;
	return jn_apply(c, fn, args, 1, in);
}

static struct jn_value *
eval_node(struct jn_ctx *c, struct jn_node *n, struct jn_value *in,
    struct jn_env *env)
{
	struct jn_value *r, *x;
	struct jn_env *e;
	size_t i;
	int u;

	switch (n->type) {
	case N_PATH:
		return eval_path(c, n, in, env);
	case N_BINARY:
		return binary(c, n, in, env);
	case N_NEGATE:
		x = eval(c, n->expr, in, env);
		if (x == NULL)
			return NULL;
		if (!is_number(c, x, n->position))
			jn_throw(c, "D1002", n->position, "Cannot negate a "
			    "non-numeric value");
		return jn_number(c->arena, -x->u.num.d);
	case N_ARRAY:
		return array_ctor(c, n, in, env);
	case N_OBJECT:
		return group(c, n->pairs, n->npairs, n->position, in, env);
	case N_NAME:
		return jn_lookup(c, in, n->value, n->vlen);
	case N_STRING:
		return n->constant;
	case N_NUMBER:
		return jn_number(c->arena, n->num);
	case N_VALUE:
		return n->lit == 2 ? jn_null(c->arena) :
		    jn_bool(c->arena, n->lit);
	case N_WILDCARD:
		return wildcard(c, in);
	case N_DESCENDANT:
		return descendants(c, in);
	case N_PARENT:
		env_lookup(env, n->slot->label, NULL, &r);
		return r;
	case N_CONDITION:
		x = eval(c, n->expr, in, env);
		if (jn_truthy(x, &u))
			return eval(c, n->then, in, env);
		return n->els != NULL ? eval(c, n->els, in, env) : NULL;
	case N_BLOCK:
		e = env_new(c, env);
		r = NULL;
		for (i = 0; i < n->nitems; i++)
			r = eval(c, n->items[i], in, e);
		return r;
	case N_BIND:
		r = eval(c, n->rhs, in, env);
		env_bind(c, env, n->lhs->value, r);
		return r;
	case N_REGEX:
		return jn_regex_value(c, n);
	case N_FUNCTION:
		return call(c, n, in, env, NULL, 0);
	case N_PARTIAL:
		return partial(c, n, in, env);
	case N_VARIABLE:
		if (n->vlen == 0)
			return in != NULL && in->kind == JN_ARRAY &&
			    (in->flags & JN_OUTER) ? in->u.arr.v[0] : in;
		env_lookup(env, n->value, c->sfn ? n->builtin_sfn :
		    n->builtin, &r);
		return r;
	case N_LAMBDA:
		r = jn_mkfunc(c, FN_LAMBDA);
		r->u.fn->node = n;
		r->u.fn->env = env;
		r->u.fn->input = in;
		return r;
	case N_APPLY:
		return apply_op(c, n, in, env);
	case N_TRANSFORM:
		r = jn_mkfunc(c, FN_LAMBDA);
		r->u.fn->node = n;
		r->u.fn->env = env;
		r->u.fn->input = in;
		return r;
	case N_SORT:
		return sort_step(c, n, in, env);
	default:
		jn_throw(c, "S0206", n->position, "Unknown expression type");
	}
}

static struct jn_value *
eval(struct jn_ctx *c, struct jn_node *n, struct jn_value *in,
    struct jn_env *env)
{
	struct jn_value *r;
	size_t i;

	c->depth++;
	limits(c, n->position);
	r = eval_node(c, n, in, env);
	for (i = 0; i < n->npreds; i++)
		r = filter(c, n->preds[i].expr, r, env);
	if (n->type != N_PATH && n->has_group)
		r = group(c, n->group, n->ngroup, n->group_pos, r, env);
	if (r != NULL && r->kind == JN_ARRAY && (r->flags & JN_SEQ) &&
	    !(r->flags & JN_TUPLES)) {
		if (n->keep_array)
			r->flags |= JN_KEEP;
		if (r->u.arr.n == 0)
			r = NULL;
		else if (r->u.arr.n == 1 && !(r->flags & JN_KEEP))
			r = r->u.arr.v[0];
	}
	c->depth--;
	return r;
}

/* Transforms: copy the input, then update and delete matching objects. */
static struct jn_value *
deep_copy(struct jn_ctx *c, struct jn_value *v)
{
	struct jn_value *r;
	size_t i;

	if (v == NULL)
		return NULL;
	switch (v->kind) {
	case JN_ARRAY:
		r = jn_array(c->arena, v->flags);
		for (i = 0; i < v->u.arr.n; i++)
			jn_push(c->arena, r, deep_copy(c, v->u.arr.v[i]));
		return r;
	case JN_OBJECT:
		r = jn_object(c->arena);
		for (i = 0; i < v->u.obj.n; i++)
			jn_set(c->arena, r, v->u.obj.m[i].key,
			    v->u.obj.m[i].klen, deep_copy(c, v->u.obj.m[i].val));
		return r;
	default:
		return v;
	}
}

static void
obj_delete(struct jn_value *o, const char *k, size_t klen)
{
	size_t i;

	for (i = 0; i < o->u.obj.n; i++)
		if (o->u.obj.m[i].klen == klen &&
		    memcmp(o->u.obj.m[i].key, k, klen) == 0) {
			memmove(o->u.obj.m + i, o->u.obj.m + i + 1,
			    (o->u.obj.n - i - 1) * sizeof(*o->u.obj.m));
			o->u.obj.n--;
			return;
		}
}

static struct jn_value *
transform_apply(struct jn_ctx *c, struct jn_node *n, struct jn_env *env,
    struct jn_value *obj)
{
	struct jn_value *res, *matches, *m, *upd, *del, *d;
	size_t i, j;

	if (obj == NULL)
		return NULL;
	res = deep_copy(c, obj);
	matches = eval(c, n->lhs, res, env);
	if (matches == NULL)
		return res;
	if (matches->kind != JN_ARRAY)
		matches = jn_seq_of(c, matches);
	for (i = 0; i < matches->u.arr.n; i++) {
		m = matches->u.arr.v[i];
		if (m == NULL || m->kind != JN_OBJECT)
			continue;
		upd = eval(c, n->rhs, m, env);
		if (upd != NULL) {
			if (upd->kind != JN_OBJECT)
				jn_throw(c, "T2011", n->rhs->position, "The "
				    "insert/update clause of the transform "
				    "expression must evaluate to an object");
			for (j = 0; j < upd->u.obj.n; j++)
				jn_set(c->arena, m, upd->u.obj.m[j].key,
				    upd->u.obj.m[j].klen, upd->u.obj.m[j].val);
		}
		if (n->expr == NULL)
			continue;
		del = eval(c, n->expr, m, env);
		if (del == NULL)
			continue;
		if (del->kind != JN_ARRAY)
			del = jn_seq_of(c, del);
		for (j = 0; j < del->u.arr.n; j++) {
			d = del->u.arr.v[j];
			if (d == NULL || d->kind != JN_STRING)
				jn_throw(c, "T2012", n->expr->position, "The "
				    "delete clause of the transform expression "
				    "must evaluate to a string or array of "
				    "strings");
		}
		for (j = 0; j < del->u.arr.n; j++)
			obj_delete(m, del->u.arr.v[j]->u.str.s,
			    del->u.arr.v[j]->u.str.len);
	}
	return res;
}

/*
 * The evaluation's time, for $now and $millis: read when first asked
 * for (most evaluations never ask), then the same for the rest of it.
 */
int64_t
jn_now_ms(struct jn_ctx *c)
{
	if (!c->now_set) {
		c->now_ms = clock_now_ms();
		c->now_set = 1;
	}
	return c->now_ms;
}

/* $eval(expr, context): EXPR parsed and evaluated in the global frame. */
struct jn_value *
fn_eval(struct jn_ctx *c, struct jn_value **a, size_t n, struct jn_value *in)
{
	struct jn_error err;
	struct jn_node *root;
	struct jn_value *ctx = in;
	char *src;

	if (a[0] == NULL)
		return NULL;
	if (n > 1 && a[1] != NULL)
		ctx = a[1];
	src = jn_strndup(c->arena, a[0]->u.str.s, a[0]->u.str.len);
	memset(&err, 0, sizeof(err));
	if ((root = jn_parse(src, c->arena, &err)) == NULL)
		jn_throw(c, "D3120", c->position, "Syntax error in expression "
		    "passed to function eval: %s", err.message);
	if (ctx != NULL && ctx->kind == JN_ARRAY && !(ctx->flags & JN_SEQ)) {
		ctx = jn_seq_of(c, ctx);
		ctx->flags |= JN_OUTER;
	}
	return eval(c, root, ctx, c->global);
}

int
jn_eval(const struct jn_expr *e, struct jn_value *input,
    const struct jn_binding *b, size_t nb, const struct jn_limits *lim,
    struct jn_arena *a, struct jn_value **result, struct jn_error *err)
{
	struct jn_ctx c;
	struct jn_env *env;
	struct jn_value *volatile in = input;
	size_t i;
	char here;

	memset(&c, 0, sizeof(c));
	/* cleared field by field: a memset of it cost more than all that */
	err->code[0] = err->token[0] = err->message[0] = '\0';
	err->position = 0;
	c.arena = a;
	c.err = err;
	c.maxdepth = lim != NULL && lim->depth > 0 ? lim->depth :
	    JN_DEPTH_DEFAULT;
	c.timelimit_ms = lim != NULL ? lim->timelimit_ms : 0;
	if (c.timelimit_ms > 0)
		clock_gettime(CLOCK_MONOTONIC, &c.start);
	c.sfn = lim != NULL && lim->sfn;
	stack_base = &here;
	if (setjmp(c.jb) != 0) {
		stack_base = NULL;
		*result = NULL;
		return -1;
	}
	if (in != NULL && in->kind == JN_ARRAY && !(in->flags & JN_SEQ)) {
		in = jn_seq_of(&c, input);
		in->flags |= JN_OUTER;
	}
	env = env_new(&c, NULL);
	c.global = env;
	env_bind(&c, env, "$", in);
	for (i = 0; i < nb; i++)
		env_bind(&c, env, b[i].name, b[i].value);
	*result = eval(&c, e->root, in, env);
	stack_base = NULL;
	return 0;
}
