/*
 * jnfstr.c: JSONata's string functions ($string, $length, $substring,
 * $pad, $trim, $split, $join, $contains, $match, $replace, case, URL and
 * base64 coding), with jsonata-js's semantics: lengths and offsets count
 * code points (Array.from), $match's index counts UTF-16 units.
 */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jnfunc.h"
#include "jsonraw.h"

#define S(v)	((v)->u.str.s)
#define N(v)	((v)->u.str.len)

static struct jn_value *
str(struct jn_ctx *c, const char *s, size_t n)
{
	return jn_string(c->arena, s, n);
}

/* Code points of [s, s+n) and each one's byte offset (cp[count] = n). */
static size_t
codepoints(struct jn_ctx *c, const char *s, size_t n, size_t **off)
{
	size_t i, k = 0;

	*off = jn_alloc(c->arena, (n + 1) * sizeof(**off));
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			(*off)[k++] = i;
	(*off)[k] = n;
	return k;
}

struct jn_value *
fn_string(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct sbuf b = SBUF_INIT;
	struct jn_value *r;

	if (a[0] == NULL)
		return NULL;
	if (n > 1 && a[1] != NULL && a[1]->u.b && a[0]->kind != JN_STRING &&
	    a[0]->kind != JN_FUNCTION) {
		jn_stringify(&b, a[0], 2);
		r = str(c, b.buf, b.len);
		sbuf_free(&b);
		return r;
	}
	return jn_tostring(c, a[0]);
}

struct jn_value *
fn_length(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	size_t *off;

	if (a[0] == NULL)
		return NULL;
	return jn_number(c->arena, (double)codepoints(c, S(a[0]), N(a[0]),
	    &off));
}

/* JavaScript's Array.prototype.slice bounds. */
static void
slice_bounds(long len, double start, double end, long *b, long *e)
{
	if (isnan(start))
		start = 0;
	start = trunc(start);
	end = trunc(end);
	*b = start < 0 ? (long)fmax(len + start, 0) : (long)fmin(start, len);
	*e = end < 0 ? (long)fmax(len + end, 0) : (long)fmin(end, len);
}

struct jn_value *
fn_substring(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	size_t *off, len;
	double start, l, end;
	long b, e;

	if (a[0] == NULL)
		return NULL;
	if (a[1] == NULL)	/* JavaScript's slice(undefined[, NaN]) */
		return n > 2 && a[2] != NULL ? str(c, "", 0) : a[0];
	len = codepoints(c, S(a[0]), N(a[0]), &off);
	start = a[1]->u.num.d;
	if ((double)len + start < 0)
		start = 0;
	if (n > 2 && a[2] != NULL) {
		l = a[2]->u.num.d;
		if (l <= 0)
			return str(c, "", 0);
		end = start >= 0 ? start + l : (double)len + start + l;
	} else
		end = (double)len;
	slice_bounds((long)len, start, end, &b, &e);
	if (e <= b)
		return str(c, "", 0);
	return str(c, S(a[0]) + off[b], off[e] - off[b]);
}

static const char *
find(const char *h, size_t hn, const char *nd, size_t nn)
{
	return nn == 0 ? h : memmem(h, hn, nd, nn);
}

struct jn_value *
fn_substring_before(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	const char *p;

	if (a[0] == NULL)
		return NULL;
	if (a[1] == NULL || (p = find(S(a[0]), N(a[0]), S(a[1]), N(a[1]))) ==
	    NULL)
		return a[0];
	return str(c, S(a[0]), p - S(a[0]));
}

struct jn_value *
fn_substring_after(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	const char *p;
	size_t k;

	if (a[0] == NULL)
		return NULL;
	if (a[1] == NULL || (p = find(S(a[0]), N(a[0]), S(a[1]), N(a[1]))) ==
	    NULL)
		return a[0];
	k = p - S(a[0]) + N(a[1]);
	return str(c, S(a[0]) + k, N(a[0]) - k);
}

static struct jn_value *
change_case(struct jn_ctx *c, struct jn_value *v, int up)
{
	char *s;
	size_t i;
	struct jn_value *r;

	if (v == NULL)
		return NULL;
	s = jn_strndup(c->arena, S(v), N(v));
	for (i = 0; i < N(v); i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x80)
			s[i] = up ? toupper(ch) : tolower(ch);
		else if (ch == 0xC3 && i + 1 < N(v)) {
			/* Latin-1 letters U+00C0-U+00FE (not U+00D7, U+00F7) */
			unsigned char d = (unsigned char)s[i + 1];
			if (up && d >= 0xA0 && d <= 0xBE && d != 0xB7)
				s[i + 1] = d - 0x20;
			else if (!up && d >= 0x80 && d <= 0x9E && d != 0x97)
				s[i + 1] = d + 0x20;
			i++;
		}
	}
	r = jn_alloc(c->arena, sizeof(*r));
	r->kind = JN_STRING;
	r->u.str.s = s;
	r->u.str.len = N(v);
	return r;
}

struct jn_value *
fn_uppercase(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	return change_case(c, a[0], 1);
}

struct jn_value *
fn_lowercase(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	return change_case(c, a[0], 0);
}

struct jn_value *
fn_trim(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_value *r;
	size_t i, s, e, len = 0;
	int ws = 0;
	char *out;

	if (a[0] == NULL)
		return NULL;
	/* collapsing only shortens: the result is built in its place */
	out = jn_alloc(c->arena, N(a[0]) + 1);
	for (i = 0; i < N(a[0]); i++) {
		char ch = S(a[0])[i];
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			if (!ws)
				out[len++] = ' ';
			ws = 1;
		} else {
			out[len++] = ch;
			ws = 0;
		}
	}
	s = 0;
	e = len;
	if (e > 0 && out[0] == ' ')
		s = 1;
	if (e > s && out[e - 1] == ' ')
		e--;
	out[e] = '\0';
	r = jn_alloc(c->arena, sizeof(*r));
	r->kind = JN_STRING;
	r->u.str.s = out + s;
	r->u.str.len = e - s;
	return r;
}

struct jn_value *
fn_pad(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct sbuf b = SBUF_INIT;
	struct jn_value *r;
	const char *pc = " ";
	size_t pn = 1, *off, len, plen, k, *poff, pcount;
	double w;
	long pad;

	if (a[0] == NULL || a[1] == NULL)	/* no width: NaN pads nothing */
		return a[0];
	if (n > 2 && a[2] != NULL && N(a[2]) > 0) {
		pc = S(a[2]);
		pn = N(a[2]);
	}
	w = trunc(a[1]->u.num.d);
	len = codepoints(c, S(a[0]), N(a[0]), &off);
	if (fabs(w) - (double)len > 10000000)
		jn_throw(c, "D3000", c->position, "$pad: the width is too "
		    "large");
	pad = (long)fabs(w) - (long)len;
	if (pad <= 0)
		return a[0];
	pcount = codepoints(c, pc, pn, &poff);
	if (w < 0)
		for (k = 0; k < (size_t)pad; k++) {
			plen = k % pcount;
			sbuf_add(&b, pc + poff[plen], poff[plen + 1] -
			    poff[plen]);
		}
	sbuf_add(&b, S(a[0]), N(a[0]));
	if (w > 0)
		for (k = 0; k < (size_t)pad; k++) {
			plen = k % pcount;
			sbuf_add(&b, pc + poff[plen], poff[plen + 1] -
			    poff[plen]);
		}
	r = str(c, b.buf, b.len);
	sbuf_free(&b);
	return r;
}

static struct jn_regex *
regex_of(struct jn_value *v)
{
	return v != NULL && v->kind == JN_FUNCTION &&
	    v->u.fn->kind == FN_REGEX ? v->u.fn->re : NULL;
}

/* Byte offset of UTF-16 index U in [s, s+n). */
static size_t
utf16_to_byte(const char *s, size_t n, double u)
{
	size_t i = 0;
	double k = 0;

	while (i < n && k < u) {
		unsigned char ch = (unsigned char)s[i];
		k += ch >= 0xF0 ? 2 : 1;
		i++;
		while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
	}
	return i;
}

/*
 * Call a matcher function (jsonata-js evaluateMatcher): its result must
 * look like {match, start, end, groups, next}, or be undefined (T1010).
 */
static struct jn_value *
call_matcher(struct jn_ctx *c, struct jn_value *fn, struct jn_value *arg)
{
	struct jn_value *r, *x;
	int ok = 0;

	r = jn_apply(c, fn, &arg, arg != NULL ? 1 : 0, NULL);
	if (r == NULL || !jn_truthy(r, NULL))
		return r == NULL || r->kind != JN_OBJECT ? NULL : r;
	if (r->kind == JN_OBJECT) {
		x = jn_get(r, "start", 5);
		ok = x != NULL && x->kind == JN_NUMBER;
		x = jn_get(r, "groups", 6);
		ok = ok || (x != NULL && x->kind == JN_ARRAY);
		x = jn_get(r, "next", 4);
		ok = ok || (x != NULL && x->kind == JN_FUNCTION);
	}
	if (!ok)
		jn_throw(c, "T1010", c->position, "The matcher function "
		    "argument passed to function %s does not return the "
		    "correct object structure", c->fname ? c->fname : "");
	return r;
}

struct jn_value *
fn_contains(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_regex *re;
	long *ov;
	int ng;

	if (a[0] == NULL)
		return NULL;
	if (a[1] == NULL)
		jn_sig_missing(c, 2);
	if ((re = regex_of(a[1])) != NULL)
		return jn_bool(c->arena, jn_regex_exec(c, re, S(a[0]), N(a[0]),
		    0, &ov, &ng));
	if (a[1]->kind == JN_FUNCTION)
		return jn_bool(c->arena, call_matcher(c, a[1], a[0]) != NULL);
	return jn_bool(c->arena, find(S(a[0]), N(a[0]), S(a[1]), N(a[1])) !=
	    NULL);
}

/*
 * Every match of the matcher M (a regex, or a function returning
 * jsonata-js matcher objects) in S, up to LIMIT: the match objects, and
 * in *ovs the byte spans (groups of a function's matches are unset).
 */
static struct jn_value *
all_matches(struct jn_ctx *c, struct jn_value *m, const char *s, size_t n,
    long limit, long ***ovs)
{
	struct jn_value *r = jn_array(c->arena, JN_SEQ), *res, *mo, *x, *str;
	struct jn_regex *re = regex_of(m);
	long *ov, **list = NULL;
	size_t pos = 0, cnt = 0, cap = 0, b;
	int ng;

	str = re == NULL ? jn_string(c->arena, s, n) : NULL;
	res = re == NULL ? call_matcher(c, m, str) : NULL;
	for (;;) {
		if (limit >= 0 && (long)cnt >= limit)
			break;
		if (re != NULL) {
			if (pos > n || !jn_regex_exec(c, re, s, n, pos, &ov,
			    &ng))
				break;
			if (ov[1] == ov[0])
				jn_throw(c, "D1004", c->position, "Regular "
				    "expression matches zero length string");
			mo = jn_match_object(c, s, ov, ng);
		} else {
			if (res == NULL)
				break;
			x = jn_get(res, "start", 5);
			b = utf16_to_byte(s, n, x != NULL &&
			    x->kind == JN_NUMBER ? x->u.num.d : 0);
			x = jn_get(res, "match", 5);
			ov = jn_alloc(c->arena, 2 * sizeof(*ov));
			ov[0] = (long)b;
			ov[1] = (long)(b + (x != NULL && x->kind == JN_STRING ?
			    x->u.str.len : 0));
			if (ov[1] > (long)n)
				ov[1] = (long)n;
			mo = jn_object(c->arena);
			jn_set(c->arena, mo, "match", 5, x);
			jn_set(c->arena, mo, "index", 5, jn_get(res, "start", 5));
			jn_set(c->arena, mo, "groups", 6,
			    jn_get(res, "groups", 6));
			x = jn_get(res, "next", 4);
			res = x != NULL && x->kind == JN_FUNCTION ?
			    call_matcher(c, x, NULL) : NULL;
		}
		jn_push(c->arena, r, mo);
		if (cnt == cap) {
			long **nl;
			cap = cap ? cap * 2 : 8;
			nl = jn_alloc(c->arena, cap * sizeof(*nl));
			if (cnt > 0)
				memcpy(nl, list, cnt * sizeof(*nl));
			list = nl;
		}
		list[cnt++] = ov;
		pos = ov[1];
	}
	if (ovs != NULL)
		*ovs = list;
	return r;
}

static long
limit_arg(struct jn_ctx *c, struct jn_value **a, size_t n, size_t i,
    const char *code, const char *fname)
{
	if (n <= i || a[i] == NULL)
		return -1;
	if (a[i]->u.num.d < 0)
		jn_throw(c, code, c->position, "%s argument of %s function "
		    "must evaluate to a positive number",
		    i == 3 ? "Fourth" : "Third", fname);
	return a[i]->u.num.d >= LONG_MAX ? LONG_MAX : (long)a[i]->u.num.d;
}

struct jn_value *
fn_match(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	long lim;

	if (a[0] == NULL)
		return NULL;
	lim = limit_arg(c, a, n, 2, "D3040", "match");
	return all_matches(c, a[1], S(a[0]), N(a[0]), lim, NULL);
}

/* $n substitution in a replacement string, as jsonata-js does it. */
static void
substitute(struct sbuf *b, const char *rep, size_t rn, const char *s,
    long *ov, int ng)
{
	size_t pos = 0;
	const char *d;
	int maxd, idx, digits;

	while (pos < rn && (d = memchr(rep + pos, '$', rn - pos)) != NULL) {
		sbuf_add(b, rep + pos, d - rep - pos);
		pos = d - rep + 1;
		if (pos < rn && rep[pos] == '$') {
			sbuf_addc(b, '$');
			pos++;
		} else if (pos < rn && rep[pos] == '0') {
			sbuf_add(b, s + ov[0], ov[1] - ov[0]);
			pos++;
		} else {
			maxd = ng == 0 ? 1 : (int)floor(log10(ng)) + 1;
			idx = 0;
			for (digits = 0; digits < maxd && pos + digits < rn &&
			    isdigit((unsigned char)rep[pos + digits]); digits++)
				idx = idx * 10 + rep[pos + digits] - '0';
			if (maxd > 1 && idx > ng && digits > 1) {
				idx /= 10;
				digits--;
			}
			if (digits == 0) {
				sbuf_addc(b, '$');
				continue;
			}
			if (ng > 0 && idx >= 1 && idx <= ng && ov[2 * idx] >= 0)
				sbuf_add(b, s + ov[2 * idx], ov[2 * idx + 1] -
				    ov[2 * idx]);
			pos += digits;
		}
	}
	if (pos < rn)
		sbuf_add(b, rep + pos, rn - pos);
}

struct jn_value *
fn_replace(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct sbuf b = SBUF_INIT;
	struct jn_value *r, *ms, *x;
	struct jn_regex *re;
	const char *s, *p;
	size_t sn, pos = 0, i;
	long lim, cnt = 0, **ovs;

	if (a[0] == NULL)
		return NULL;
	s = S(a[0]);
	sn = N(a[0]);
	if (a[1] != NULL && a[1]->kind == JN_STRING && N(a[1]) == 0)
		jn_throw(c, "D3010", c->position, "Second argument of replace "
		    "function cannot be an empty string");
	lim = limit_arg(c, a, n, 3, "D3011", "replace");
	if (a[1] == NULL) {
		if (lim == 0)
			return a[0];
		jn_sig_missing(c, 2);
	}
	re = regex_of(a[1]);
	jn_hold(c, &b);
	if (a[1]->kind == JN_STRING) {
		while ((lim < 0 || cnt < lim) && (p = find(s + pos, sn - pos,
		    S(a[1]), N(a[1]))) != NULL) {
			sbuf_add(&b, s + pos, p - s - pos);
			/* JavaScript's + makes a missing one "undefined" */
			if (a[2] == NULL)
				sbuf_adds(&b, "undefined");
			else if (a[2]->kind == JN_STRING)
				sbuf_add(&b, S(a[2]), N(a[2]));
			pos = p - s + N(a[1]);
			cnt++;
		}
	} else {
		ms = all_matches(c, a[1], s, sn, lim, &ovs);
		for (i = 0; i < ms->u.arr.n; i++) {
			sbuf_add(&b, s + pos, ovs[i][0] - pos);
			if (a[2] == NULL)
				jn_sig_missing(c, 3);
			if (a[2]->kind == JN_STRING)
				substitute(&b, S(a[2]), N(a[2]), s, ovs[i],
				    re != NULL ? jn_regex_groups(re) : 0);
			else {
				x = jn_apply(c, a[2], &ms->u.arr.v[i], 1, NULL);
				if (x == NULL || x->kind != JN_STRING)
					jn_throw(c, "D3012", c->position,
					    "Attempted to replace a matched "
					    "string with a non-string value");
				sbuf_add(&b, S(x), N(x));
			}
			pos = ovs[i][1];
		}
	}
	sbuf_add(&b, s + pos, sn - pos);
	r = str(c, b.buf ? b.buf : "", b.len);
	jn_release(c, &b);
	return r;
}

struct jn_value *
fn_split(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_value *r = jn_array(c->arena, 0), *ms;
	const char *s, *p;
	size_t sn, pos = 0, *off, k, i;
	long lim, **ovs;

	if (a[0] == NULL)
		return NULL;
	s = S(a[0]);
	sn = N(a[0]);
	if (n > 2 && a[2] != NULL && a[2]->u.num.d < 0)
		jn_throw(c, "D3020", c->position, "Third argument of split "
		    "function must evaluate to a positive number");
	lim = n > 2 && a[2] != NULL ? (a[2]->u.num.d >= LONG_MAX ? LONG_MAX :
	    (long)a[2]->u.num.d) : -1;
	if (a[1] == NULL) {
		if (lim == 0)
			return r;
		jn_sig_missing(c, 2);
	}
	if (a[1]->kind == JN_FUNCTION) {
		ms = all_matches(c, a[1], s, sn, -1, &ovs);
		for (i = 0; i < ms->u.arr.n; i++) {
			jn_push(c->arena, r, str(c, s + pos, ovs[i][0] - pos));
			pos = ovs[i][1];
		}
		jn_push(c->arena, r, str(c, s + pos, sn - pos));
	} else if (N(a[1]) == 0) {
		k = codepoints(c, s, sn, &off);
		for (i = 0; i < k; i++)
			jn_push(c->arena, r, str(c, s + off[i],
			    off[i + 1] - off[i]));
	} else {
		while ((p = find(s + pos, sn - pos, S(a[1]), N(a[1]))) !=
		    NULL) {
			jn_push(c->arena, r, str(c, s + pos, p - s - pos));
			pos = p - s + N(a[1]);
		}
		jn_push(c->arena, r, str(c, s + pos, sn - pos));
	}
	if (lim >= 0 && (size_t)lim < r->u.arr.n)
		r->u.arr.n = lim;
	return r;
}

struct jn_value *
fn_join(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct sbuf b = SBUF_INIT;
	struct jn_value *r;
	size_t i;

	if (a[0] == NULL)
		return NULL;
	for (i = 0; i < a[0]->u.arr.n; i++) {
		if (i > 0 && n > 1 && a[1] != NULL)
			sbuf_add(&b, S(a[1]), N(a[1]));
		sbuf_add(&b, S(a[0]->u.arr.v[i]), N(a[0]->u.arr.v[i]));
	}
	r = str(c, b.buf ? b.buf : "", b.len);
	sbuf_free(&b);
	return r;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

struct jn_value *
fn_base64encode(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct sbuf b = SBUF_INIT;
	struct jn_value *r;
	const unsigned char *s;
	size_t i, len;
	unsigned v;

	if (a[0] == NULL)
		return NULL;
	s = (const unsigned char *)S(a[0]);
	len = N(a[0]);
	for (i = 0; i < len; i += 3) {
		v = s[i] << 16 | (i + 1 < len ? s[i + 1] << 8 : 0) |
		    (i + 2 < len ? s[i + 2] : 0);
		sbuf_addc(&b, b64[v >> 18 & 63]);
		sbuf_addc(&b, b64[v >> 12 & 63]);
		sbuf_addc(&b, i + 1 < len ? b64[v >> 6 & 63] : '=');
		sbuf_addc(&b, i + 2 < len ? b64[v & 63] : '=');
	}
	r = str(c, b.buf ? b.buf : "", b.len);
	sbuf_free(&b);
	return r;
}

struct jn_value *
fn_base64decode(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct sbuf b = SBUF_INIT;
	struct jn_value *r;
	const char *p;
	size_t i;
	unsigned v = 0;
	int bits = 0;

	if (a[0] == NULL)
		return NULL;
	for (i = 0; i < N(a[0]); i++) {
		if (S(a[0])[i] == '=' || (p = strchr(b64, S(a[0])[i])) == NULL ||
		    S(a[0])[i] == '\0')
			continue;
		v = v << 6 | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			sbuf_addc(&b, v >> bits & 0xFF);
		}
	}
	r = str(c, b.buf ? b.buf : "", b.len);
	sbuf_free(&b);
	return r;
}

/* encodeURIComponent / encodeURI: which bytes stay as they are. */
static int
url_keep(unsigned char ch, int component)
{
	if (isalnum(ch) || strchr("-_.!~*'()", ch) != NULL)
		return 1;
	return !component && strchr(";,/?:@&=+$#", ch) != NULL;
}

static struct jn_value *
url_encode(struct jn_ctx *c, struct jn_value *v, int component)
{
	struct sbuf b = SBUF_INIT;
	struct jn_value *r;
	size_t i, bad;

	if (v == NULL)
		return NULL;
	(void)bad;
	for (i = 0; i < N(v); i++) {
		unsigned char ch = (unsigned char)S(v)[i];
		if (ch == 0xED && i + 1 < N(v) &&
		    ((unsigned char)S(v)[i + 1] & 0xE0) == 0xA0) {
			sbuf_free(&b);
			jn_throw(c, "D3140", c->position, "Malformed URL "
			    "passed to $encodeUrl%s()", component ?
			    "Component" : "");
		}
		if (url_keep(ch, component))
			sbuf_addc(&b, ch);
		else
			sbuf_addf(&b, "%%%02X", ch);
	}
	r = str(c, b.buf ? b.buf : "", b.len);
	sbuf_free(&b);
	return r;
}

struct jn_value *
fn_encode_url_component(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	return url_encode(c, a[0], 1);
}

struct jn_value *
fn_encode_url(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	return url_encode(c, a[0], 0);
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static struct jn_value *
url_decode(struct jn_ctx *c, struct jn_value *v, int component)
{
	struct sbuf b = SBUF_INIT;
	struct jn_value *r;
	size_t i, bad;
	int h, l;

	if (v == NULL)
		return NULL;
	for (i = 0; i < N(v); i++) {
		if (S(v)[i] != '%') {
			sbuf_addc(&b, S(v)[i]);
			continue;
		}
		if (i + 2 >= N(v) + 0 || (h = hexval(S(v)[i + 1])) < 0 ||
		    (l = hexval(S(v)[i + 2])) < 0)
			goto bad;
		if (!component && h * 16 + l < 0x80 &&
		    strchr(";,/?:@&=+$#", h * 16 + l) != NULL)
			sbuf_add(&b, S(v) + i, 3);
		else
			sbuf_addc(&b, h * 16 + l);
		i += 2;
	}
	if (!utf8_valid(b.buf ? b.buf : "", b.len, &bad))
		goto bad;
	r = str(c, b.buf ? b.buf : "", b.len);
	sbuf_free(&b);
	return r;
bad:
	sbuf_free(&b);
	jn_throw(c, "D3140", c->position, "Malformed URL passed to "
	    "$decodeUrl%s(): \"%.*s\"", component ? "Component" : "",
	    (int)(N(v) > 100 ? 100 : N(v)), S(v));
}

struct jn_value *
fn_decode_url_component(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	return url_decode(c, a[0], 1);
}

struct jn_value *
fn_decode_url(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	return url_decode(c, a[0], 0);
}
