/*
 * jnfarr.c: JSONata's array, object and higher-order functions ($append,
 * $reverse, $shuffle, $sort, $zip, $distinct, $keys, $lookup, $spread,
 * $merge, $sift, $each, $error, $assert, $type, $map, $filter, $single,
 * $reduce), as jsonata-js defines them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jnfunc.h"

static struct jn_value *
copy_array(struct jn_ctx *c, struct jn_value *v, unsigned flags)
{
	struct jn_value *r = jn_array(c->arena, flags);
	size_t i;

	for (i = 0; i < v->u.arr.n; i++)
		jn_push(c->arena, r, v->u.arr.v[i]);
	return r;
}

/* Call FN with as many of (a1, a2, a3) as its arity takes. */
static struct jn_value *
hof_call(struct jn_ctx *c, struct jn_value *fn, struct jn_value *a1,
    struct jn_value *a2, struct jn_value *a3)
{
	struct jn_value *args[3];
	size_t ar = jn_arity(fn), n = 1;

	args[0] = a1;
	if (ar >= 2)
		args[n++] = a2;
	if (ar >= 3)
		args[n++] = a3;
	return jn_apply(c, fn, args, n, NULL);
}

static struct jn_value *
idx(struct jn_ctx *c, size_t i)
{
	return jn_number(c->arena, (double)i);
}

struct jn_value *
fn_append(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	return jn_append(c, a[0], n > 1 ? a[1] : NULL);
}

struct jn_value *
fn_reverse(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_value *r;
	size_t i, k;

	if (a[0] == NULL)
		return NULL;
	if (a[0]->u.arr.n <= 1)
		return a[0];
	r = copy_array(c, a[0], 0);
	for (i = 0, k = r->u.arr.n - 1; i < k; i++, k--) {
		struct jn_value *t = r->u.arr.v[i];
		r->u.arr.v[i] = r->u.arr.v[k];
		r->u.arr.v[k] = t;
	}
	return r;
}

struct jn_value *
fn_shuffle(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_value *r, *t;
	size_t i, j;

	if (a[0] == NULL)
		return NULL;
	if (a[0]->u.arr.n <= 1)
		return a[0];
	r = copy_array(c, a[0], 0);
	for (i = r->u.arr.n - 1; i > 0; i--) {
		j = (size_t)(drand48() * (double)(i + 1));
		t = r->u.arr.v[i];
		r->u.arr.v[i] = r->u.arr.v[j];
		r->u.arr.v[j] = t;
	}
	return r;
}

struct jn_value *
fn_sort(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_value *arr = a[0], *r;
	size_t i;
	int kind;

	if (arr == NULL)
		return NULL;
	if (arr->u.arr.n <= 1)
		return arr;
	if (n < 2 || a[1] == NULL) {
		kind = arr->u.arr.v[0] ? arr->u.arr.v[0]->kind : -1;
		for (i = 0; i < arr->u.arr.n; i++)
			if (arr->u.arr.v[i] == NULL ||
			    arr->u.arr.v[i]->kind != kind ||
			    (kind != JN_NUMBER && kind != JN_STRING))
				jn_throw(c, "D3070", c->position, "The single "
				    "argument form of the sort function can "
				    "only be applied to an array of strings or "
				    "an array of numbers.  Use the second "
				    "argument to specify a comparison "
				    "function");
	}
	r = jn_sort(c, arr, n > 1 ? a[1] : NULL);
	r->flags &= ~JN_SEQ;
	return r;
}

struct jn_value *
fn_zip(struct jn_ctx *c, struct jn_value **a, size_t n, struct jn_value *in)
{
	struct jn_value *r = jn_array(c->arena, 0), *t;
	size_t i, k, len = (size_t)-1;

	for (k = 0; k < n; k++) {
		if (a[k] == NULL)
			return r;
		if (a[k]->u.arr.n < len)
			len = a[k]->u.arr.n;
	}
	if (n == 0)
		return r;
	for (i = 0; i < len; i++) {
		t = jn_array(c->arena, 0);
		for (k = 0; k < n; k++)
			jn_push(c->arena, t, a[k]->u.arr.v[i]);
		jn_push(c->arena, r, t);
	}
	return r;
}

struct jn_value *
fn_distinct(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_value *arr = a[0], *r;
	size_t i, j;

	if (arr == NULL || arr->kind != JN_ARRAY || arr->u.arr.n <= 1)
		return arr;
	r = jn_array(c->arena, arr->flags & JN_SEQ);
	for (i = 0; i < arr->u.arr.n; i++) {
		for (j = 0; j < r->u.arr.n; j++)
			if (jn_deep_equal(arr->u.arr.v[i], r->u.arr.v[j]))
				break;
		if (j == r->u.arr.n)
			jn_push(c->arena, r, arr->u.arr.v[i]);
	}
	return r;
}

static void
keys_into(struct jn_ctx *c, struct jn_value *r, struct jn_value *v)
{
	size_t i, j;
	struct jn_value *k;

	if (v == NULL)
		return;
	if (v->kind == JN_ARRAY) {
		for (i = 0; i < v->u.arr.n; i++)
			keys_into(c, r, v->u.arr.v[i]);
		return;
	}
	if (v->kind != JN_OBJECT)
		return;
	for (i = 0; i < v->u.obj.n; i++) {
		for (j = 0; j < r->u.arr.n; j++) {
			k = r->u.arr.v[j];
			if (k->u.str.len == v->u.obj.m[i].klen &&
			    memcmp(k->u.str.s, v->u.obj.m[i].key,
			    k->u.str.len) == 0)
				break;
		}
		if (j == r->u.arr.n)
			jn_push(c->arena, r, jn_string(c->arena,
			    v->u.obj.m[i].key, v->u.obj.m[i].klen));
	}
}

struct jn_value *
fn_keys(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_value *r = jn_array(c->arena, JN_SEQ);

	keys_into(c, r, a[0]);
	return r;
}

struct jn_value *
fn_lookup(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	/* JavaScript's input[undefined] reads the key "undefined" */
	if (a[1] == NULL)
		return jn_lookup(c, a[0], "undefined", 9);
	return jn_lookup(c, a[0], a[1]->u.str.s, a[1]->u.str.len);
}

static void
spread_into(struct jn_ctx *c, struct jn_value *r, struct jn_value *v)
{
	struct jn_value *o;
	size_t i;

	if (v == NULL)
		return;
	if (v->kind == JN_ARRAY) {
		for (i = 0; i < v->u.arr.n; i++)
			spread_into(c, r, v->u.arr.v[i]);
		return;
	}
	if (v->kind != JN_OBJECT) {
		jn_push(c->arena, r, v);
		return;
	}
	for (i = 0; i < v->u.obj.n; i++) {
		o = jn_object(c->arena);
		jn_set(c->arena, o, v->u.obj.m[i].key, v->u.obj.m[i].klen,
		    v->u.obj.m[i].val);
		jn_push(c->arena, r, o);
	}
}

struct jn_value *
fn_spread(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_value *r;

	if (a[0] == NULL || (a[0]->kind != JN_ARRAY &&
	    a[0]->kind != JN_OBJECT))
		return a[0];
	r = jn_array(c->arena, JN_SEQ);
	spread_into(c, r, a[0]);
	return r;
}

struct jn_value *
fn_merge(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_value *r, *o;
	size_t i, k;

	if (a[0] == NULL)
		return NULL;
	r = jn_object(c->arena);
	for (i = 0; i < a[0]->u.arr.n; i++) {
		o = a[0]->u.arr.v[i];
		for (k = 0; k < o->u.obj.n; k++)
			jn_set(c->arena, r, o->u.obj.m[k].key,
			    o->u.obj.m[k].klen, o->u.obj.m[k].val);
	}
	return r;
}

struct jn_value *
fn_sift(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_value *r, *o = a[0], *k;
	size_t i;

	if (o == NULL)
		return NULL;
	r = jn_object(c->arena);
	for (i = 0; i < o->u.obj.n; i++) {
		k = jn_string(c->arena, o->u.obj.m[i].key, o->u.obj.m[i].klen);
		if (jn_truthy(hof_call(c, a[1], o->u.obj.m[i].val, k, o), NULL))
			jn_set(c->arena, r, o->u.obj.m[i].key,
			    o->u.obj.m[i].klen, o->u.obj.m[i].val);
	}
	return r->u.obj.n == 0 ? NULL : r;
}

struct jn_value *
fn_each(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_value *r, *o = a[0], *k, *x;
	size_t i;

	if (o == NULL)
		return NULL;
	r = jn_array(c->arena, JN_SEQ);
	for (i = 0; i < o->u.obj.n; i++) {
		k = jn_string(c->arena, o->u.obj.m[i].key, o->u.obj.m[i].klen);
		x = hof_call(c, a[1], o->u.obj.m[i].val, k, o);
		if (x != NULL)
			jn_push(c->arena, r, x);
	}
	return r;
}

struct jn_value *
fn_error(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	if (n > 0 && a[0] != NULL)
		jn_throw(c, "D3137", c->position, "%.*s",
		    (int)a[0]->u.str.len, a[0]->u.str.s);
	jn_throw(c, "D3137", c->position, "$error() function evaluated");
}

struct jn_value *
fn_assert(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	if (a[0] == NULL || a[0]->kind != JN_BOOL)
		jn_throw(c, "T0410", c->position, "Argument 1 of function "
		    "assert does not match function signature");
	if (a[0]->u.b)
		return NULL;
	if (n > 1 && a[1] != NULL)
		jn_throw(c, "D3141", c->position, "%.*s",
		    (int)a[1]->u.str.len, a[1]->u.str.s);
	jn_throw(c, "D3141", c->position, "$assert() statement failed");
}

struct jn_value *
fn_type(struct jn_ctx *c, struct jn_value **a, size_t n, struct jn_value *in)
{
	if (a[0] == NULL)
		return NULL;
	return jn_cstring(c->arena, jn_type_name(a[0]));
}

struct jn_value *
fn_map(struct jn_ctx *c, struct jn_value **a, size_t n, struct jn_value *in)
{
	struct jn_value *r, *x;
	size_t i;

	if (a[0] == NULL)
		return NULL;
	r = jn_array(c->arena, JN_SEQ);
	for (i = 0; i < a[0]->u.arr.n; i++) {
		x = hof_call(c, a[1], a[0]->u.arr.v[i], idx(c, i), a[0]);
		if (x != NULL)
			jn_push(c->arena, r, x);
	}
	return r;
}

struct jn_value *
fn_filter(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_value *r, *x;
	size_t i;

	if (a[0] == NULL)
		return NULL;
	r = jn_array(c->arena, JN_SEQ);
	for (i = 0; i < a[0]->u.arr.n; i++) {
		x = hof_call(c, a[1], a[0]->u.arr.v[i], idx(c, i), a[0]);
		if (jn_truthy(x, NULL))
			jn_push(c->arena, r, a[0]->u.arr.v[i]);
	}
	return r;
}

struct jn_value *
fn_single(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_value *found = NULL;
	size_t i;
	int have = 0, pos;

	if (a[0] == NULL)
		return NULL;
	for (i = 0; i < a[0]->u.arr.n; i++) {
		pos = 1;
		if (n > 1 && a[1] != NULL)
			pos = jn_truthy(hof_call(c, a[1], a[0]->u.arr.v[i],
			    idx(c, i), a[0]), NULL);
		if (!pos)
			continue;
		if (have)
			jn_throw(c, "D3138", c->position, "The $single() "
			    "function expected exactly 1 matching result.  "
			    "Instead it matched more.");
		found = a[0]->u.arr.v[i];
		have = 1;
	}
	if (!have)
		jn_throw(c, "D3139", c->position, "The $single() function "
		    "expected exactly 1 matching result.  Instead it matched "
		    "0.");
	return found;
}

struct jn_value *
fn_reduce(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_value *seq = a[0], *res, *args[4];
	size_t ar, i, k;

	if (seq == NULL)
		return NULL;
	ar = jn_arity(a[1]);
	if (ar < 2)
		jn_throw(c, "D3050", c->position, "The second argument of "
		    "reduce function must be a function with at least two "
		    "arguments");
	if ((n < 3 || a[2] == NULL) && seq->u.arr.n > 0) {
		res = seq->u.arr.v[0];
		i = 1;
	} else {
		res = n > 2 ? a[2] : NULL;
		i = 0;
	}
	for (; i < seq->u.arr.n; i++) {
		args[0] = res;
		args[1] = seq->u.arr.v[i];
		k = 2;
		if (ar >= 3)
			args[k++] = idx(c, i);
		if (ar >= 4)
			args[k++] = seq;
		res = jn_apply(c, a[1], args, k, NULL);
	}
	return res;
}
