/*
 * jnfnum.c: JSONata's numeric, aggregation and boolean functions
 * ($number, $abs, $floor, $ceil, $round with half-to-even, $power,
 * $sqrt, $random, $sum, $max, $min, $average, $count, $boolean, $not,
 * $exists), as jsonata-js computes them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jnfunc.h"

static struct jn_value *
num(struct jn_ctx *c, double d)
{
	return jn_number(c->arena, d == 0 ? 0 : d);
}

/* -?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)? */
static int
decimal(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i >= n || s[i] < '0' || s[i] > '9')
		return 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i < n && s[i] == '.') {
		if (++i >= n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i == n;
}

/* 0x.., 0o.., 0b.. as JavaScript's Number() reads them; -1 if not. */
static int
radix_literal(const char *s, size_t n, double *out)
{
	int base;
	size_t i;
	double v = 0;
	int d;

	if (n < 3 || s[0] != '0')
		return -1;
	switch (s[1]) {
	case 'x': case 'X': base = 16; break;
	case 'o': case 'O': base = 8; break;
	case 'b': case 'B': base = 2; break;
	default: return -1;
	}
	for (i = 2; i < n; i++) {
		char ch = s[i];
		d = ch >= '0' && ch <= '9' ? ch - '0' :
		    ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
		    ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : 99;
		if (d >= base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

struct jn_value *
fn_number(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_value *v = a[0];
	char *t;
	double d;

	if (v == NULL)
		return NULL;
	if (v->kind == JN_NUMBER)
		return v;
	if (v->kind == JN_BOOL)
		return num(c, v->u.b);
	if (v->kind == JN_STRING) {
		if (decimal(v->u.str.s, v->u.str.len)) {
			t = jn_strndup(c->arena, v->u.str.s, v->u.str.len);
			d = strtod(t, NULL);
			if (isfinite(d))
				return num(c, d);
		} else if (radix_literal(v->u.str.s, v->u.str.len, &d) == 0)
			return num(c, d);
	}
	jn_throw(c, "D3030", c->position, "Unable to cast value to a number");
}

struct jn_value *
fn_abs(struct jn_ctx *c, struct jn_value **a, size_t n, struct jn_value *in)
{
	return a[0] == NULL ? NULL : num(c, fabs(a[0]->u.num.d));
}

struct jn_value *
fn_floor(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	return a[0] == NULL ? NULL : num(c, floor(a[0]->u.num.d));
}

struct jn_value *
fn_ceil(struct jn_ctx *c, struct jn_value **a, size_t n, struct jn_value *in)
{
	return a[0] == NULL ? NULL : num(c, ceil(a[0]->u.num.d));
}

/* +(mantissa + 'e' + (exp + shift)), as jsonata-js shifts decimals. */
static double
shift(double x, int by)
{
	struct sbuf b = SBUF_INIT;
	char *e, buf[64];
	int exp = 0;
	double r;

	jn_fmt_number(&b, x);
	e = strchr(b.buf, 'e');
	if (e != NULL) {
		exp = atoi(e + 1);
		*e = '\0';
	}
	snprintf(buf, sizeof(buf), "%se%d", b.buf, exp + by);
	r = strtod(buf, NULL);
	sbuf_free(&b);
	return r;
}

/* Round half to even at PREC decimals, the jsonata-js way. */
double
jn_round(double x, int prec)
{
	double r;

	if (prec != 0)
		x = shift(x, prec);
	r = floor(x + 0.5);
	if (fabs(r - x) == 0.5 && fabs(fmod(r, 2)) == 1)
		r -= 1;
	if (prec != 0)
		r = shift(r, -prec);
	return r == 0 ? 0 : r;
}

struct jn_value *
fn_round(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	double p = n > 1 && a[1] != NULL ? a[1]->u.num.d : 0;

	if (a[0] == NULL)
		return NULL;
	/* past 1000 places every double rounds to 0 or overflows to NaN */
	p = p > 1000 ? 1000 : p < -1000 ? -1000 : p;
	return num(c, jn_round(a[0]->u.num.d, (int)p));
}

struct jn_value *
fn_power(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	double r;

	if (a[0] == NULL)
		return NULL;
	r = a[1] != NULL ? pow(a[0]->u.num.d, a[1]->u.num.d) : NAN;
	if (!isfinite(r))
		jn_throw(c, "D3061", c->position, "The power function has "
		    "resulted in a value that cannot be represented as a JSON "
		    "number");
	return num(c, r);
}

struct jn_value *
fn_sqrt(struct jn_ctx *c, struct jn_value **a, size_t n, struct jn_value *in)
{
	if (a[0] == NULL)
		return NULL;
	if (a[0]->u.num.d < 0)
		jn_throw(c, "D3060", c->position, "The sqrt function cannot be "
		    "applied to a negative number");
	return num(c, sqrt(a[0]->u.num.d));
}

struct jn_value *
fn_random(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	return num(c, drand48());
}

static int
numbers(struct jn_value *arr)
{
	return arr != NULL;
}

struct jn_value *
fn_sum(struct jn_ctx *c, struct jn_value **a, size_t n, struct jn_value *in)
{
	double s = 0;
	size_t i;

	if (!numbers(a[0]))
		return NULL;
	for (i = 0; i < a[0]->u.arr.n; i++)
		s += a[0]->u.arr.v[i]->u.num.d;
	return num(c, s);
}

static struct jn_value *
extreme(struct jn_ctx *c, struct jn_value *arr, int max)
{
	double m;
	size_t i;

	if (!numbers(arr) || arr->u.arr.n == 0)
		return NULL;
	m = arr->u.arr.v[0]->u.num.d;
	for (i = 1; i < arr->u.arr.n; i++)
		if (max ? arr->u.arr.v[i]->u.num.d > m :
		    arr->u.arr.v[i]->u.num.d < m)
			m = arr->u.arr.v[i]->u.num.d;
	return num(c, m);
}

struct jn_value *
fn_max(struct jn_ctx *c, struct jn_value **a, size_t n, struct jn_value *in)
{
	return extreme(c, a[0], 1);
}

struct jn_value *
fn_min(struct jn_ctx *c, struct jn_value **a, size_t n, struct jn_value *in)
{
	return extreme(c, a[0], 0);
}

struct jn_value *
fn_average(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	double s = 0;
	size_t i;

	if (!numbers(a[0]) || a[0]->u.arr.n == 0)
		return NULL;
	for (i = 0; i < a[0]->u.arr.n; i++)
		s += a[0]->u.arr.v[i]->u.num.d;
	return num(c, s / a[0]->u.arr.n);
}

struct jn_value *
fn_count(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	return num(c, a[0] == NULL ? 0 : (double)a[0]->u.arr.n);
}

struct jn_value *
fn_boolean(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	int u, b;

	if (a[0] != NULL && a[0]->kind == JN_FUNCTION)
		return jn_bool(c->arena, 0);
	b = jn_truthy(a[0], &u);
	return u ? NULL : jn_bool(c->arena, b);
}

struct jn_value *
fn_not(struct jn_ctx *c, struct jn_value **a, size_t n, struct jn_value *in)
{
	int u, b;

	if (a[0] != NULL && a[0]->kind == JN_FUNCTION)
		return jn_bool(c->arena, 1);
	b = jn_truthy(a[0], &u);
	return u ? NULL : jn_bool(c->arena, !b);
}

struct jn_value *
fn_exists(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	return jn_bool(c->arena, a[0] != NULL);
}

struct jn_value *
fn_format_base(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	char buf[80], *p = buf + sizeof(buf) - 1;
	double v, radix = 10;

	if (a[0] == NULL)
		return NULL;
	v = fn_round(c, a, 1, in)->u.num.d;
	if (n > 1 && a[1] != NULL)
		radix = jn_round(a[1]->u.num.d, 0);
	if (radix < 2 || radix > 36)
		jn_throw(c, "D3100", c->position, "The radix of the formatBase "
		    "function must be between 2 and 36.  It was given %g",
		    radix);
	*p = '\0';
	if (fabs(v) >= 1e21)
		jn_throw(c, "D3100", c->position, "$formatBase: the number is "
		    "too large");
	do {
		*--p = digits[(int)fmod(fabs(v), radix)];
		v = trunc(v / radix);
	} while (v != 0 && p > buf + 1);
	if (fn_round(c, a, 1, in)->u.num.d < 0 && p > buf)
		*--p = '-';
	return jn_cstring(c->arena, p);
}
