/*
 * jnval.c: the JSONata engine's values: the arena they live in, their
 * constructors, JSON reading (keeping number spellings) and printing,
 * equality.  See jsonata.h for the ownership rules.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jnint.h"
#include "jsonraw.h"
#include "xalloc.h"

#define CHUNK	(64 * 1024)
#define JSON_MAXDEPTH	2000

union align {
	long double	 ld;
	long long	 ll;
	void		*p;
};

struct chunk {
	struct chunk	*next;
	size_t		 size, used;
	union align	 data[];
};

struct jn_arena {
	struct chunk	*head;
};

struct jn_arena *
jn_arena_new(void)
{
	return xcalloc(1, sizeof(struct jn_arena));
}

void
jn_arena_reset(struct jn_arena *a)
{
	struct chunk *c, *next;

	if (a->head == NULL)
		return;
	/* Keep the first chunk of the standard size for reuse. */
	for (c = a->head->next; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head->next = NULL;
	a->head->used = 0;
}

void
jn_arena_free(struct jn_arena *a)
{
	struct chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

/* A new chunk for N bytes (rounded), and the N bytes from it. */
static void *
arena_more(struct jn_arena *a, size_t n)
{
	struct chunk *c;
	size_t size = n > CHUNK / 2 ? n : CHUNK;

	c = xmalloc(sizeof(*c) + size);
	c->size = size;
	c->used = n;
	if (a->head != NULL && size != CHUNK) {
		/* A big block: keep the current chunk in front. */
		c->next = a->head->next;
		a->head->next = c;
	} else {
		c->next = a->head;
		a->head = c;
	}
	return c->data;
}

/*
 * N bytes, not cleared, for those who fill them at once.  Inline, as
 * reading a JSON text calls it for every value.
 */
static inline void *
arena_get(struct jn_arena *a, size_t n)
{
	struct chunk *c = a->head;
	size_t al = sizeof(union align);
	void *p;

	n = (n + al - 1) / al * al;
	if (c == NULL || c->size - c->used < n)
		return arena_more(a, n);
	p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

void *
jn_alloc(struct jn_arena *a, size_t n)
{
	return memset(arena_get(a, n), 0, n);
}

char *
jn_strndup(struct jn_arena *a, const char *s, size_t n)
{
	char *p = arena_get(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static struct jn_value *
mk(struct jn_arena *a, int kind)
{
	static const struct jn_value zero;
	struct jn_value *v = arena_get(a, sizeof(*v));

	*v = zero;
	v->kind = kind;
	return v;
}

struct jn_value *
jn_null(struct jn_arena *a)
{
	return mk(a, JN_NULL);
}

struct jn_value *
jn_bool(struct jn_arena *a, int b)
{
	struct jn_value *v = mk(a, JN_BOOL);

	v->u.b = b != 0;
	return v;
}

struct jn_value *
jn_number(struct jn_arena *a, double d)
{
	struct jn_value *v = mk(a, JN_NUMBER);

	v->u.num.d = d;
	return v;
}

struct jn_value *
jn_string(struct jn_arena *a, const char *s, size_t n)
{
	struct jn_value *v = mk(a, JN_STRING);

	v->u.str.s = jn_strndup(a, s, n);
	v->u.str.len = n;
	return v;
}

struct jn_value *
jn_cstring(struct jn_arena *a, const char *s)
{
	return jn_string(a, s, strlen(s));
}

struct jn_value *
jn_array(struct jn_arena *a, unsigned flags)
{
	struct jn_value *v = mk(a, JN_ARRAY);

	v->flags = flags;
	return v;
}

struct jn_value *
jn_object(struct jn_arena *a)
{
	return mk(a, JN_OBJECT);
}

void
jn_push(struct jn_arena *a, struct jn_value *arr, struct jn_value *x)
{
	struct jn_value **nv;

	if (arr->u.arr.n == arr->u.arr.cap) {
		arr->u.arr.cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 4;
		nv = arena_get(a, arr->u.arr.cap * sizeof(*nv));
		if (arr->u.arr.n > 0)
			memcpy(nv, arr->u.arr.v, arr->u.arr.n * sizeof(*nv));
		arr->u.arr.v = nv;
	}
	arr->u.arr.v[arr->u.arr.n++] = x;
}

struct jn_value *
jn_get(const struct jn_value *o, const char *k, size_t klen)
{
	size_t i;

	if (o == NULL || o->kind != JN_OBJECT)
		return NULL;
	for (i = o->u.obj.n; i-- > 0; )
		if (o->u.obj.m[i].klen == klen &&
		    memcmp(o->u.obj.m[i].key, k, klen) == 0)
			return o->u.obj.m[i].val;
	return NULL;
}

/* Inline, as reading a JSON text calls it for every member. */
static inline void
set_member(struct jn_arena *a, struct jn_value *o, const char *k,
    size_t klen, struct jn_value *val)
{
	struct jn_member *nm;
	size_t i;

	for (i = 0; i < o->u.obj.n; i++)
		if (o->u.obj.m[i].klen == klen && (klen == 0 ||
		    (o->u.obj.m[i].key[0] == k[0] &&
		    memcmp(o->u.obj.m[i].key, k, klen) == 0))) {
			o->u.obj.m[i].val = val;
			return;
		}
	if (o->u.obj.n == o->u.obj.cap) {
		o->u.obj.cap = o->u.obj.cap ? o->u.obj.cap * 2 : 4;
		nm = arena_get(a, o->u.obj.cap * sizeof(*nm));
		if (o->u.obj.n > 0)
			memcpy(nm, o->u.obj.m, o->u.obj.n * sizeof(*nm));
		o->u.obj.m = nm;
	}
	o->u.obj.m[o->u.obj.n].key = k;
	o->u.obj.m[o->u.obj.n].klen = klen;
	o->u.obj.m[o->u.obj.n].val = val;
	o->u.obj.n++;
}

void
jn_set(struct jn_arena *a, struct jn_value *o, const char *k, size_t klen,
    struct jn_value *val)
{
	set_member(a, o, k, klen, val);
}

struct jn_value *
jn_state_input(struct jn_arena *a, struct jn_value *input,
    struct jn_value *context)
{
	struct jn_value *o = jn_object(a);

	jn_set(a, o, "input", 5, input);
	if (context != NULL)
		jn_set(a, o, "context", 7, context);
	return o;
}

int
jn_is_array(const struct jn_value *v)
{
	return v != NULL && v->kind == JN_ARRAY;
}

int
jn_is_seq(const struct jn_value *v)
{
	return v != NULL && v->kind == JN_ARRAY && (v->flags & JN_SEQ);
}

int
jn_deep_equal(const struct jn_value *x, const struct jn_value *y)
{
	size_t i;
	struct jn_value *o;

	if (x == y)
		return 1;
	if (x == NULL || y == NULL || x->kind != y->kind)
		return 0;
	switch (x->kind) {
	case JN_NULL:
		return 1;
	case JN_BOOL:
		return x->u.b == y->u.b;
	case JN_NUMBER:
		return x->u.num.d == y->u.num.d;
	case JN_STRING:
		return x->u.str.len == y->u.str.len &&
		    memcmp(x->u.str.s, y->u.str.s, x->u.str.len) == 0;
	case JN_ARRAY:
		if (x->u.arr.n != y->u.arr.n)
			return 0;
		for (i = 0; i < x->u.arr.n; i++)
			if (!jn_deep_equal(x->u.arr.v[i], y->u.arr.v[i]))
				return 0;
		return 1;
	case JN_OBJECT:
		if (x->u.obj.n != y->u.obj.n)
			return 0;
		for (i = 0; i < x->u.obj.n; i++) {
			o = jn_get(y, x->u.obj.m[i].key, x->u.obj.m[i].klen);
			if (o == NULL || !jn_deep_equal(x->u.obj.m[i].val, o))
				return 0;
		}
		return 1;
	default:
		return 0;
	}
}

/* An integer that a double holds exactly (and -0, which prints as 0). */
static int
is_small_int(double d)
{
	return d > -9007199254740992.0 && d < 9007199254740992.0 &&
	    d == (double)(int64_t)d;
}

static void
add_int(struct sbuf *b, int64_t v)
{
	char t[24];
	int k = sizeof(t);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do
		t[--k] = '0' + u % 10;
	while ((u /= 10) != 0);
	if (v < 0)
		t[--k] = '-';
	sbuf_add(b, t + k, sizeof(t) - k);
}

/*
 * JavaScript's Number.prototype.toString: the shortest digits that read
 * back as the same double, in plain notation from 1e-7 to 1e21.
 */
void
jn_fmt_number(struct sbuf *b, double d)
{
	char buf[40], digits[24];
	int prec, exp, nd, n, i;
	char *e, *p;

	if (isnan(d) || isinf(d)) {
		sbuf_adds(b, isnan(d) ? "NaN" : d < 0 ? "-Infinity" :
		    "Infinity");
		return;
	}
	if (is_small_int(d)) {
		add_int(b, (int64_t)d);
		return;
	}
	/*
	 * When 15 digits read back, the shortest digits are those 15 with
	 * their trailing zeros dropped: a double is within 2^-53 of any
	 * decimal that reads back as it, far less than half the step
	 * between 15-digit decimals.  So the search starts at 15, except
	 * for subnormals, whose precision is less.
	 */
	for (prec = fabs(d) >= DBL_MIN ? 15 : 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	p = buf;
	if (*p == '-') {
		sbuf_addc(b, '-');
		p++;
	}
	e = strchr(p, 'e');
	exp = atoi(e + 1);
	nd = 0;
	for (; p < e; p++)
		if (*p != '.')
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	n = exp + 1;
	if (nd <= n && n <= 21) {
		sbuf_add(b, digits, nd);
		for (i = nd; i < n; i++)
			sbuf_addc(b, '0');
	} else if (0 < n && n <= 21) {
		sbuf_add(b, digits, n);
		sbuf_addc(b, '.');
		sbuf_add(b, digits + n, nd - n);
	} else if (-6 < n && n <= 0) {
		sbuf_adds(b, "0.");
		for (i = 0; i < -n; i++)
			sbuf_addc(b, '0');
		sbuf_add(b, digits, nd);
	} else {
		sbuf_addc(b, digits[0]);
		if (nd > 1) {
			sbuf_addc(b, '.');
			sbuf_add(b, digits + 1, nd - 1);
		}
		sbuf_addf(b, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
	}
}

/* A lone surrogate (WTF-8 ED A0-BF xx) at S? */
static int
surrogate_at(const unsigned char *s, size_t i, size_t n)
{
	return i + 2 < n && s[i] == 0xED && s[i + 1] >= 0xA0;
}

/*
 * Quote a string as JSON; lone surrogates (which only \u escapes in the
 * expression or the input make) are written as \uXXXX escapes.
 */
static void
quote(struct sbuf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, from = 0;
	struct sbuf part = SBUF_INIT;

	for (i = 0; i < n && !surrogate_at(u, i, n); i++)
		;
	if (i == n) {
		jsonraw_quote(b, s, n);
		return;
	}
	sbuf_addc(b, '"');
	for (i = 0; i <= n; i++) {
		if (i < n && !surrogate_at(u, i, n))
			continue;
		sbuf_reset(&part);
		jsonraw_quote(&part, s + from, i - from);
		sbuf_add(b, part.buf + 1, part.len - 2);
		if (i < n) {
			sbuf_addf(b, "\\u%04x", (unsigned)(0xD000 |
			    (u[i + 1] & 0x3F) << 6 | (u[i + 2] & 0x3F)));
			i += 2;
			from = i + 1;
		}
	}
	sbuf_addc(b, '"');
	sbuf_free(&part);
}

static void
newline(struct sbuf *b, int indent, int level)
{
	int i;

	if (indent == 0)
		return;
	sbuf_addc(b, '\n');
	for (i = 0; i < indent * level; i++)
		sbuf_addc(b, ' ');
}

/*
 * One printer for both uses: RAW (jn_print) keeps the input's number
 * spellings; otherwise numbers are rounded to 15 digits as $string does.
 */
static void
emit(struct sbuf *b, const struct jn_value *v, int indent, int level,
    int raw)
{
	size_t i;
	int first;
	double d;

	if (v == NULL) {
		sbuf_adds(b, "null");
		return;
	}
	switch (v->kind) {
	case JN_NULL:
		sbuf_adds(b, "null");
		break;
	case JN_BOOL:
		sbuf_adds(b, v->u.b ? "true" : "false");
		break;
	case JN_NUMBER:
		d = v->u.num.d;
		if (raw && v->u.num.text != NULL)
			sbuf_add(b, v->u.num.text, v->u.num.tlen);
		else if (isnan(d) || isinf(d))
			sbuf_adds(b, "null");
		else {
			/* 15 digits hold an integer below 2^53 and 1e15 */
			if (!raw && !(is_small_int(d) && fabs(d) < 1e15)) {
				char t[40];
				snprintf(t, sizeof(t), "%.14e", d);
				d = strtod(t, NULL);
			}
			/* rounded past the largest double: JSON's null */
			if (isinf(d))
				sbuf_adds(b, "null");
			else
				jn_fmt_number(b, d);
		}
		break;
	case JN_STRING:
		quote(b, v->u.str.s, v->u.str.len);
		break;
	case JN_FUNCTION:
		sbuf_adds(b, "\"\"");
		break;
	case JN_ARRAY:
		sbuf_addc(b, '[');
		for (i = 0; i < v->u.arr.n; i++) {
			if (i > 0)
				sbuf_addc(b, ',');
			newline(b, indent, level + 1);
			emit(b, v->u.arr.v[i], indent, level + 1, raw);
		}
		if (v->u.arr.n > 0)
			newline(b, indent, level);
		sbuf_addc(b, ']');
		break;
	case JN_OBJECT:
		sbuf_addc(b, '{');
		first = 1;
		for (i = 0; i < v->u.obj.n; i++) {
			if (v->u.obj.m[i].val == NULL)
				continue;
			if (!first)
				sbuf_addc(b, ',');
			first = 0;
			newline(b, indent, level + 1);
			/* jq's escaping is JSON.stringify's for UTF-8 text */
			quote(b, v->u.obj.m[i].key, v->u.obj.m[i].klen);
			sbuf_addc(b, ':');
			if (indent)
				sbuf_addc(b, ' ');
			emit(b, v->u.obj.m[i].val, indent, level + 1, raw);
		}
		if (!first)
			newline(b, indent, level);
		sbuf_addc(b, '}');
		break;
	}
}

void
jn_print(struct sbuf *b, const struct jn_value *v)
{
	emit(b, v, 0, 0, 1);
}

void
jn_stringify(struct sbuf *b, const struct jn_value *v, int indent)
{
	emit(b, v, indent, 0, 0);
}

/* Decode UTF-8 [s, s+n) into at most max code points. */
int
jn_utf8_decode(const char *s, size_t n, uint32_t *out, int max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	int k = 0, len, j;
	uint32_t cp;

	while (i < n && k < max) {
		if (p[i] < 0x80)
			len = 1, cp = p[i];
		else if ((p[i] & 0xE0) == 0xC0)
			len = 2, cp = p[i] & 0x1F;
		else if ((p[i] & 0xF0) == 0xE0)
			len = 3, cp = p[i] & 0x0F;
		else
			len = 4, cp = p[i] & 0x07;
		for (j = 1; j < len && i + j < n; j++)
			cp = cp << 6 | (p[i + j] & 0x3F);
		out[k++] = cp;
		i += len;
	}
	return k;
}

size_t
jn_utf16_len(const char *s, size_t n)
{
	size_t i, len = 0;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if ((c & 0xC0) == 0x80)
			continue;
		len += c >= 0xF0 ? 2 : 1;
	}
	return len;
}

/* JSON reader. */

struct jp {
	struct jn_arena	*a;
	char		*p, *end, *start;	/* the arena's copy of the text */
	char		*msg;
	size_t		 msgsz;
	int		 depth;
	/* top-level members to build (NULL: all); inside others, skip */
	const struct jn_proj *proj;
	int		 skip;
};

static int
jp_fail(struct jp *j, const char *what)
{
	snprintf(j->msg, j->msgsz, "%s at byte %ld", what,
	    (long)(j->p - j->start));
	return -1;
}

/* The copy's final NUL is no blank: that ends the loop at the end. */
static inline void
jp_ws(struct jp *j)
{
	char *p = j->p;

	if ((unsigned char)*p > ' ')
		return;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	j->p = p;
}

static int
hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			v |= p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			v |= p[i] - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Append code point CP as UTF-8. */
void
jn_put_utf8(struct sbuf *b, unsigned cp)
{
	if (cp < 0x80)
		sbuf_addc(b, (int)cp);
	else if (cp < 0x800) {
		sbuf_addc(b, 0xC0 | cp >> 6);
		sbuf_addc(b, 0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		sbuf_addc(b, 0xE0 | cp >> 12);
		sbuf_addc(b, 0x80 | (cp >> 6 & 0x3F));
		sbuf_addc(b, 0x80 | (cp & 0x3F));
	} else {
		sbuf_addc(b, 0xF0 | cp >> 18);
		sbuf_addc(b, 0x80 | (cp >> 12 & 0x3F));
		sbuf_addc(b, 0x80 | (cp >> 6 & 0x3F));
		sbuf_addc(b, 0x80 | (cp & 0x3F));
	}
}

int
jn_unicode_escape(const char *p, const char *end, struct sbuf *b)
{
	unsigned hi, lo;

	if (end - p < 4 || hex4(p, &hi) < 0)
		return -1;
	if (hi >= 0xD800 && hi < 0xDC00 && end - p >= 10 && p[4] == '\\' &&
	    p[5] == 'u' && hex4(p + 6, &lo) == 0 && lo >= 0xDC00 &&
	    lo < 0xE000) {
		jn_put_utf8(b, 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
		return 10;
	}
	/* a lone surrogate stays one, in WTF-8, as JavaScript keeps it */
	jn_put_utf8(b, hi);
	return 4;
}

int
jn_escape(const char *p, const char *end, struct sbuf *b)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *q;
	int k;

	if (p >= end)
		return -1;
	if (*p == 'u')
		return (k = jn_unicode_escape(p + 1, end, b)) < 0 ? -2 : k + 1;
	if (*p == '\0' || (q = strchr(from, *p)) == NULL)
		return -1;
	sbuf_addc(b, to[q - from]);
	return 1;
}

/* Bytes that end a run of plain string bytes: '"', '\\', controls. */
static const unsigned char str_stop[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1
};

static int
jp_string(struct jp *j, const char **s, size_t *n)
{
	struct sbuf b = SBUF_INIT;
	char *q;
	int k;

	j->p++;
	/* the copy ends in a NUL, which stops this loop at the end too */
	for (q = j->p; !str_stop[(unsigned char)*q]; q++)
		;
	if (q < j->end && *q == '"') {
		/* no escapes: the string stays where it is, its quote a NUL */
		*q = '\0';
		*s = j->p;
		*n = q - j->p;
		j->p = q + 1;
		return 0;
	}
	while (j->p < j->end && *j->p != '"') {
		if ((unsigned char)*j->p < 0x20) {
			sbuf_free(&b);
			return jp_fail(j, "control character in string");
		}
		if (*j->p != '\\') {
			sbuf_addc(&b, *j->p++);
			continue;
		}
		if (++j->p >= j->end)
			break;
		if ((k = jn_escape(j->p, j->end, &b)) < 0) {
			sbuf_free(&b);
			return jp_fail(j, k == -1 ? "invalid escape in string" :
			    "invalid \\u escape");
		}
		j->p += k;
	}
	if (j->p >= j->end) {
		sbuf_free(&b);
		return jp_fail(j, "unterminated string");
	}
	j->p++;
	*s = jn_strndup(j->a, b.buf ? b.buf : "", b.len);
	*n = b.len;
	sbuf_free(&b);
	return 0;
}

/*
 * A JSON number's value.  Most have at most 15 digits and a small
 * exponent: the digits as an integer and a power of ten are then both
 * exact doubles, so one multiplication or division rounds correctly
 * (Clinger's fast path), as strtod would, at a fraction of its cost.
 */
static double
read_number(struct jn_arena *a, const char *s, size_t n)
{
	static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6,
	    1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
	    1e18, 1e19, 1e20, 1e21, 1e22 };
	const char *p = s, *end = s + n;
	int64_t m = 0;
	int neg = 0, nd = 0, exp = 0, e = 0, eneg = 0;
	double d;

	if (*p == '-')
		neg = 1, p++;
	for (; p < end && *p >= '0' && *p <= '9' && nd <= 15; p++)
		if (nd > 0 || *p != '0')
			m = m * 10 + (*p - '0'), nd++;
	if (p < end && *p == '.')
		for (p++; p < end && *p >= '0' && *p <= '9' && nd <= 15; p++) {
			if (nd > 0 || *p != '0')
				m = m * 10 + (*p - '0'), nd++;
			exp--;
		}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (*p == '+' || *p == '-')
			eneg = *p++ == '-';
		for (; p < end && e < 1000; p++)
			e = e * 10 + (*p - '0');
	}
	exp += eneg ? -e : e;
	if (p != end || nd > 15 || exp < -22 || exp > 22)
		return strtod(jn_strndup(a, s, n), NULL);
	d = (double)m;
	d = exp < 0 ? d / pow10[-exp] : d * pow10[exp];
	return neg ? -d : d;
}

static int
jp_number(struct jp *j, struct jn_value **out)
{
	const char *s = j->p;
	char *q = j->p;
	struct jn_value *v;
	int exp = 0;

	if (q < j->end && *q == '-')
		q++;
	if (q < j->end && *q == '0')
		q++;
	else if (q < j->end && *q >= '1' && *q <= '9')
		while (q < j->end && *q >= '0' && *q <= '9')
			q++;
	else
		return jp_fail(j, "invalid number");
	if (q < j->end && *q == '.') {
		if (++q >= j->end || *q < '0' || *q > '9')
			return jp_fail(j, "invalid number");
		while (q < j->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < j->end && (*q == 'e' || *q == 'E')) {
		exp = 1;
		q++;
		if (q < j->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= j->end || *q < '0' || *q > '9')
			return jp_fail(j, "invalid number");
		while (q < j->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (j->skip) {
		/* only an exponent or 309 digits can make it too large */
		if ((exp || q - s > 300) && isinf(read_number(j->a, s, q - s)))
			return jp_fail(j, "number out of range");
		j->p = q;
		*out = NULL;
		return 0;
	}
	v = jn_number(j->a, read_number(j->a, s, q - s));
	if (isinf(v->u.num.d))
		return jp_fail(j, "number out of range");
	v->u.num.text = s;
	v->u.num.tlen = q - s;
	j->p = q;
	*out = v;
	return 0;
}

static int
jp_lit(struct jp *j, const char *word, struct jn_value *v,
    struct jn_value **out)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return jp_fail(j, "invalid literal");
	j->p += n;
	*out = v;
	return 0;
}

/* Is member K of the top-level object one to build? */
static int
wanted(const struct jp *j, const char *k, size_t kn)
{
	size_t i;

	if (j->proj == NULL || j->depth != 1)
		return 1;
	for (i = 0; i < j->proj->n; i++)
		if (j->proj->lens[i] == kn &&
		    memcmp(j->proj->names[i], k, kn) == 0)
			return 1;
	return 0;
}

/*
 * A value, built in the arena, or with j->skip only checked (the same
 * grammar, the same errors) and *out NULL.
 */
static int
jp_value(struct jp *j, struct jn_value **out)
{
	struct jn_value *v = NULL, *x;
	const char *k;
	size_t kn;
	int drop;

	jp_ws(j);
	if (j->p >= j->end)
		return jp_fail(j, "unexpected end of input");
	switch (*j->p) {
	case '{':
		if (++j->depth > JSON_MAXDEPTH)
			return jp_fail(j, "nesting too deep");
		if (!j->skip)
			v = jn_object(j->a);
		j->p++;
		jp_ws(j);
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			break;
		}
		for (;;) {
			jp_ws(j);
			if (j->p >= j->end || *j->p != '"')
				return jp_fail(j, "expected a member name");
			if (jp_string(j, &k, &kn) < 0)
				return -1;
			jp_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return jp_fail(j, "expected ':'");
			j->p++;
			drop = !wanted(j, k, kn);
			j->skip += drop;
			if (jp_value(j, &x) < 0)
				return -1;
			j->skip -= drop;
			if (!j->skip && !drop)
				set_member(j->a, v, k, kn, x);
			jp_ws(j);
			if (j->p < j->end && *j->p == ',') {
				j->p++;
				continue;
			}
			if (j->p < j->end && *j->p == '}') {
				j->p++;
				break;
			}
			return jp_fail(j, "expected ',' or '}'");
		}
		j->depth--;
		break;
	case '[':
		if (++j->depth > JSON_MAXDEPTH)
			return jp_fail(j, "nesting too deep");
		if (!j->skip)
			v = jn_array(j->a, 0);
		j->p++;
		jp_ws(j);
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			break;
		}
		for (;;) {
			if (jp_value(j, &x) < 0)
				return -1;
			if (!j->skip)
				jn_push(j->a, v, x);
			jp_ws(j);
			if (j->p < j->end && *j->p == ',') {
				j->p++;
				continue;
			}
			if (j->p < j->end && *j->p == ']') {
				j->p++;
				break;
			}
			return jp_fail(j, "expected ',' or ']'");
		}
		j->depth--;
		break;
	case '"':
		if (jp_string(j, &k, &kn) < 0)
			return -1;
		if (j->skip)
			break;
		v = jn_alloc(j->a, sizeof(*v));
		v->kind = JN_STRING;
		v->u.str.s = k;
		v->u.str.len = kn;
		break;
	case 't':
		return jp_lit(j, "true", jn_bool(j->a, 1), out);
	case 'f':
		return jp_lit(j, "false", jn_bool(j->a, 0), out);
	case 'n':
		return jp_lit(j, "null", jn_null(j->a), out);
	default:
		return jp_number(j, out);
	}
	*out = v;
	return 0;
}

static int
parse(struct jn_arena *a, const char *p, size_t n, const struct jn_proj *proj,
    struct jn_value **out, char *msg, size_t msgsz)
{
	char *copy;
	struct jp j = { a, NULL, NULL, NULL, msg, msgsz, 0, proj, 0 };
	size_t bad;

	if (!utf8_valid(p, n, &bad)) {
		snprintf(msg, msgsz, "invalid UTF-8 at byte %zu", bad);
		return -1;
	}
	/*
	 * One copy of the text in the arena, which strings without escapes
	 * and the spellings of numbers then point into, instead of a copy
	 * of each.
	 */
	copy = arena_get(a, n + 1);
	memcpy(copy, p, n);
	copy[n] = '\0';
	j.p = j.start = copy;
	j.end = copy + n;
	if (jp_value(&j, out) < 0)
		return -1;
	jp_ws(&j);
	if (j.p != j.end)
		return jp_fail(&j, "trailing characters after the value");
	return 0;
}

int
jn_parse_json(struct jn_arena *a, const char *p, size_t n,
    struct jn_value **out, char *msg, size_t msgsz)
{
	return parse(a, p, n, NULL, out, msg, msgsz);
}

int
jn_parse_json_for(const struct jn_expr *e, struct jn_arena *a,
    const char *p, size_t n, struct jn_value **out, char *msg, size_t msgsz)
{
	return parse(a, p, n, e->proj.all ? NULL : &e->proj, out, msg, msgsz);
}
