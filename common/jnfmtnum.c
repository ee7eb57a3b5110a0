/*
 * jnfmtnum.c: $formatNumber, XPath fn:format-number as jsonata-js
 * implements it (F&O 4.7): the picture is split into prefix, integer,
 * fraction, exponent and suffix parts, validated (D3080-D3093),
 * analysed into sizes and grouping positions, and the number is laid
 * out by the spec's bullets.  Pictures and the properties of the options
 * object work on code points.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jnfunc.h"

#define MAXPIC	256

struct ustr {
	uint32_t	 c[MAXPIC];
	int		 n;
};

struct props {
	uint32_t	 dec, grp, exp, minus, pct, permille, zero, digit, sep;
};

struct parts {
	struct ustr	 sub, prefix, suffix, active, mantissa, exponent;
	struct ustr	 integer, fraction;
	int		 has_exp;
};

struct fmt {
	int	 igroups[MAXPIC], nig, regular;
	int	 fgroups[MAXPIC], nfg;
	int	 min_int, scaling, min_frac, max_frac, min_exp;
	struct ustr prefix, suffix, picture;
};

static void
u_from(struct ustr *u, const char *s, size_t n)
{
	u->n = jn_utf8_decode(s, n, u->c, MAXPIC);
}

static void
u_sub(struct ustr *dst, const struct ustr *s, int from, int to)
{
	if (from < 0)
		from = 0;
	if (to > s->n)
		to = s->n;
	dst->n = to > from ? to - from : 0;
	if (dst->n > 0)
		memmove(dst->c, s->c + from, dst->n * sizeof(uint32_t));
}

static int
u_index(const struct ustr *s, uint32_t ch, int from)
{
	int i;

	for (i = from < 0 ? 0 : from; i < s->n; i++)
		if (s->c[i] == ch)
			return i;
	return -1;
}

static int
u_last(const struct ustr *s, uint32_t ch)
{
	int i;

	for (i = s->n - 1; i >= 0; i--)
		if (s->c[i] == ch)
			return i;
	return -1;
}

static int
is_digit(const struct props *p, uint32_t ch)
{
	return ch >= p->zero && ch < p->zero + 10;
}

static int
is_active(const struct props *p, uint32_t ch)
{
	return is_digit(p, ch) || ch == p->dec || ch == p->exp ||
	    ch == p->grp || ch == p->digit || ch == p->sep;
}

static void
split_parts(const struct props *p, const struct ustr *sub, struct parts *r)
{
	int i, pre = sub->n, suf = sub->n, ep, dp;

	memset(r, 0, sizeof(*r));
	r->sub = *sub;
	for (i = 0; i < sub->n; i++)
		if (is_active(p, sub->c[i]) && sub->c[i] != p->exp) {
			pre = i;
			break;
		}
	for (i = sub->n - 1; i >= 0; i--)
		if (is_active(p, sub->c[i]) && sub->c[i] != p->exp) {
			suf = i + 1;
			break;
		}
	if (pre == sub->n)	/* no active character: JavaScript's undefined */
		suf = sub->n;
	u_sub(&r->prefix, sub, 0, pre);
	u_sub(&r->suffix, sub, suf, sub->n);
	u_sub(&r->active, sub, pre, sub->n - r->suffix.n);
	ep = u_index(sub, p->exp, pre);
	if (ep == -1 || ep > sub->n - r->suffix.n)
		r->mantissa = r->active;
	else {
		u_sub(&r->mantissa, &r->active, 0, ep);
		u_sub(&r->exponent, &r->active, ep + 1, r->active.n);
		r->has_exp = 1;
	}
	dp = u_index(&r->mantissa, p->dec, 0);
	if (dp == -1) {
		r->integer = r->mantissa;
		r->fraction = r->suffix;
	} else {
		u_sub(&r->integer, &r->mantissa, 0, dp);
		u_sub(&r->fraction, &r->mantissa, dp + 1, r->mantissa.n);
	}
}

static const char *
validate(const struct props *p, const struct parts *r)
{
	const struct ustr *s = &r->sub;
	const char *err = NULL;
	int dp = u_index(s, p->dec, 0), i, valid = 0, k;

	if (dp != u_last(s, p->dec))
		err = "D3081";
	if (u_index(s, p->pct, 0) != u_last(s, p->pct))
		err = "D3082";
	if (u_index(s, p->permille, 0) != u_last(s, p->permille))
		err = "D3083";
	if (u_index(s, p->pct, 0) != -1 && u_index(s, p->permille, 0) != -1)
		err = "D3084";
	for (i = 0; i < r->mantissa.n; i++)
		if (is_digit(p, r->mantissa.c[i]) ||
		    r->mantissa.c[i] == p->digit)
			valid = 1;
	if (!valid)
		err = "D3085";
	for (i = 0; i < r->active.n; i++)
		if (!is_active(p, r->active.c[i]))
			err = "D3086";
	if (dp != -1) {
		if ((dp > 0 && s->c[dp - 1] == p->grp) ||
		    (dp + 1 < s->n && s->c[dp + 1] == p->grp))
			err = "D3087";
	} else if (r->integer.n > 0 && r->integer.c[r->integer.n - 1] ==
	    p->grp)
		err = "D3088";
	for (i = 0; i + 1 < s->n; i++)
		if (s->c[i] == p->grp && s->c[i + 1] == p->grp)
			err = "D3089";
	k = u_index(&r->integer, p->digit, 0);
	for (i = 0; k != -1 && i < k; i++)
		if (is_digit(p, r->integer.c[i]))
			err = "D3090";
	k = u_last(&r->fraction, p->digit);
	for (i = k; k != -1 && i < r->fraction.n; i++)
		if (is_digit(p, r->fraction.c[i]))
			err = "D3091";
	if (r->has_exp && r->exponent.n > 0 && (u_index(s, p->pct, 0) != -1 ||
	    u_index(s, p->permille, 0) != -1))
		err = "D3092";
	if (r->has_exp) {
		if (r->exponent.n == 0)
			err = "D3093";
		for (i = 0; i < r->exponent.n; i++)
			if (!is_digit(p, r->exponent.c[i]))
				err = "D3093";
	}
	return err;
}

/* Grouping positions (digits to the right, or left for fractions). */
static int
groupings(const struct props *p, const struct ustr *part,
    const struct ustr *integer, int toleft, int *out)
{
	int n = 0, pos, i, cnt;

	pos = u_index(part, p->grp, 0);
	while (pos != -1 && n < MAXPIC) {
		cnt = 0;
		for (i = toleft ? 0 : pos; i < (toleft ? pos : part->n); i++)
			if (is_digit(p, part->c[i]) || part->c[i] == p->digit)
				cnt++;
		out[n++] = cnt;
		/* jsonata-js searches on in the integer part, as here */
		pos = u_index(integer, p->grp, pos + 1);
	}
	return n;
}

static int
gcd(int a, int b)
{
	return b == 0 ? a : gcd(b, a % b);
}

static void
analyse(const struct props *p, const struct parts *r, struct fmt *f)
{
	int i, k, factor;

	memset(f, 0, sizeof(*f));
	f->nig = groupings(p, &r->integer, &r->integer, 0, f->igroups);
	if (f->nig > 0) {
		factor = f->igroups[0];
		for (i = 1; i < f->nig; i++)
			factor = gcd(factor, f->igroups[i]);
		f->regular = factor;
		for (i = 1; i <= f->nig && f->regular; i++) {
			for (k = 0; k < f->nig; k++)
				if (f->igroups[k] == i * factor)
					break;
			if (k == f->nig)
				f->regular = 0;
		}
	}
	f->nfg = groupings(p, &r->fraction, &r->integer, 1, f->fgroups);
	for (i = 0; i < r->integer.n; i++)
		if (is_digit(p, r->integer.c[i]))
			f->min_int++;
	f->scaling = f->min_int;
	for (i = 0; i < r->fraction.n; i++) {
		if (is_digit(p, r->fraction.c[i]))
			f->min_frac++;
		if (is_digit(p, r->fraction.c[i]) ||
		    r->fraction.c[i] == p->digit)
			f->max_frac++;
	}
	if (f->min_int == 0 && f->max_frac == 0) {
		if (r->has_exp)
			f->min_frac = f->max_frac = 1;
		else
			f->min_int = 1;
	}
	if (r->has_exp && f->min_int == 0 &&
	    u_index(&r->integer, p->digit, 0) != -1)
		f->min_int = 1;
	if (f->min_int == 0 && f->min_frac == 0)
		f->min_frac = 1;
	for (i = 0; r->has_exp && i < r->exponent.n; i++)
		if (is_digit(p, r->exponent.c[i]))
			f->min_exp++;
	f->prefix = r->prefix;
	f->suffix = r->suffix;
	f->picture = r->sub;
}

static void
u_insert(struct ustr *s, int at, uint32_t ch)
{
	if (s->n >= MAXPIC || at < 0 || at > s->n)
		return;
	memmove(s->c + at + 1, s->c + at, (s->n - at) * sizeof(uint32_t));
	s->c[at] = ch;
	s->n++;
}

/* Math.abs(v).toFixed(dp) in the zero digit's family. */
static void
make_string(const struct props *p, double v, int dp, struct ustr *out)
{
	char buf[400];
	int i;

	snprintf(buf, sizeof(buf), "%.*f", dp > 100 ? 100 : dp, fabs(v));
	out->n = 0;
	for (i = 0; buf[i] != '\0' && out->n < MAXPIC; i++)
		out->c[out->n++] = buf[i] >= '0' && buf[i] <= '9' ?
		    p->zero + (uint32_t)(buf[i] - '0') : (uint32_t)buf[i];
}

static uint32_t
prop(struct jn_value *opts, const char *name, uint32_t dflt)
{
	struct jn_value *v = jn_get(opts, name, strlen(name));
	struct ustr u;

	if (v == NULL || v->kind != JN_STRING || v->u.str.len == 0)
		return dflt;
	u_from(&u, v->u.str.s, v->u.str.len);
	return u.c[0];
}

struct jn_value *
fn_format_number(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_value *opts = n > 2 ? a[2] : NULL;
	struct props p;
	struct ustr pic, subs[2], sv, ex;
	struct parts parts[2];
	struct fmt f[2], *pf;
	struct sbuf b = SBUF_INIT;
	struct jn_value *r;
	const char *err;
	double value, adj, mant, lo, hi;
	int nsub = 0, i, start, exponent = 0, has_exp, dp, pad, k, cnt;

	if (a[0] == NULL)
		return NULL;
	if (a[1] == NULL)
		jn_sig_missing(c, 2);
	value = a[0]->u.num.d;
	p.dec = prop(opts, "decimal-separator", '.');
	p.grp = prop(opts, "grouping-separator", ',');
	p.exp = prop(opts, "exponent-separator", 'e');
	p.minus = prop(opts, "minus-sign", '-');
	p.pct = prop(opts, "percent", '%');
	p.permille = prop(opts, "per-mille", 0x2030);
	p.zero = prop(opts, "zero-digit", '0');
	p.digit = prop(opts, "digit", '#');
	p.sep = prop(opts, "pattern-separator", ';');
	u_from(&pic, a[1]->u.str.s, a[1]->u.str.len);
	for (i = 0, start = 0; i <= pic.n; i++)
		if (i == pic.n || pic.c[i] == p.sep) {
			if (nsub == 2)
				jn_throw(c, "D3080", c->position, "The picture "
				    "string must only contain a maximum of two "
				    "sub-pictures");
			u_sub(&subs[nsub++], &pic, start, i);
			start = i + 1;
		}
	for (i = 0; i < nsub; i++) {
		split_parts(&p, &subs[i], &parts[i]);
		if ((err = validate(&p, &parts[i])) != NULL)
			jn_throw(c, err, c->position, "Invalid picture string "
			    "for $formatNumber (%s)", err);
		analyse(&p, &parts[i], &f[i]);
	}
	if (nsub == 1) {
		f[1] = f[0];
		u_insert(&f[1].prefix, 0, p.minus);
	}
	pf = value >= 0 ? &f[0] : &f[1];
	adj = value;
	if (u_index(&pf->picture, p.pct, 0) != -1)
		adj = value * 100;
	else if (u_index(&pf->picture, p.permille, 0) != -1)
		adj = value * 1000;
	has_exp = pf->min_exp != 0;
	mant = adj;
	if (has_exp) {
		hi = pow(10, pf->scaling);
		lo = pow(10, pf->scaling - 1);
		for (k = 0; mant < lo && k < 400; k++) {
			mant *= 10;
			exponent--;
		}
		for (k = 0; mant > hi && k < 400; k++) {
			mant /= 10;
			exponent++;
		}
	}
	make_string(&p, jn_round(mant, pf->max_frac), pf->max_frac, &sv);
	dp = u_index(&sv, '.', 0);
	if (dp == -1)
		sv.c[sv.n < MAXPIC ? sv.n++ : sv.n - 1] = p.dec;
	else
		sv.c[dp] = p.dec;
	while (sv.n > 0 && sv.c[0] == p.zero)
		u_sub(&sv, &sv, 1, sv.n);
	while (sv.n > 0 && sv.c[sv.n - 1] == p.zero)
		sv.n--;
	dp = u_index(&sv, p.dec, 0);
	for (pad = pf->min_int - dp; pad > 0; pad--)
		u_insert(&sv, 0, p.zero);
	dp = u_index(&sv, p.dec, 0);
	for (pad = pf->min_frac - (sv.n - dp - 1); pad > 0; pad--)
		u_insert(&sv, sv.n, p.zero);
	dp = u_index(&sv, p.dec, 0);
	if (pf->regular > 0) {
		cnt = (dp - 1) / pf->regular;
		for (k = 1; k <= cnt; k++)
			u_insert(&sv, dp - k * pf->regular, p.grp);
	} else
		for (k = 0; k < pf->nig; k++) {
			u_insert(&sv, dp - pf->igroups[k], p.grp);
			dp++;
		}
	dp = u_index(&sv, p.dec, 0);
	for (k = 0; k < pf->nfg; k++)
		u_insert(&sv, pf->fgroups[k] + dp + 1, p.grp);
	dp = u_index(&sv, p.dec, 0);
	if (u_index(&pf->picture, p.dec, 0) == -1 || dp == sv.n - 1)
		sv.n--;
	if (has_exp) {
		make_string(&p, (double)exponent, 0, &ex);
		for (pad = pf->min_exp - ex.n; pad > 0; pad--)
			u_insert(&ex, 0, p.zero);
		u_insert(&sv, sv.n, p.exp);
		if (exponent < 0)
			u_insert(&sv, sv.n, p.minus);
		for (k = 0; k < ex.n; k++)
			u_insert(&sv, sv.n, ex.c[k]);
	}
	for (k = 0; k < pf->prefix.n; k++)
		jn_put_utf8(&b, pf->prefix.c[k]);
	for (k = 0; k < sv.n; k++)
		jn_put_utf8(&b, sv.c[k]);
	for (k = 0; k < pf->suffix.n; k++)
		jn_put_utf8(&b, pf->suffix.c[k]);
	r = jn_string(c->arena, b.buf ? b.buf : "", b.len);
	sbuf_free(&b);
	return r;
}
