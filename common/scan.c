/*
 * scan.c: the validating single-pass event scanner; see scan.h.
 *
 * The paths of the rules form a trie of key segments ("detail.location"
 * is detail -> location; an event key holding dots walks several
 * segments, as AWS treats "a.b" and {"a":{"b"}} alike).  While scanning,
 * each open container remembers its trie node, or -1 when no rule looks
 * below it; arrays are transparent.  A container stack on the heap
 * replaces recursion.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "pattern.h"
#include "sbuf.h"
#include "scan.h"
#include "xalloc.h"

struct child {
	const char	*seg;
	size_t		 len;
	int32_t		 node;
};

struct node {
	struct child	*kid;
	size_t		 nkid;
	int32_t		 path;		/* leaves here belong to this path */
};

struct frame {
	int32_t		 node;
	uint8_t		 arr;
	uint8_t		 memb;		/* pushed a membership pair */
};

struct scanner {
	struct node	*node;
	size_t		 nnode;
	char		**segs;
	size_t		 nsegs;
	struct frame	*stack;
	size_t		 cap;
	uint32_t	*ms;		/* membership stack: (array, index) */
	size_t		 nms, capms;
	struct sbuf	 key;
};

static int32_t
new_node(struct scanner *sc)
{
	sc->node = xreallocarray(sc->node, sc->nnode + 1, sizeof(*sc->node));
	memset(&sc->node[sc->nnode], 0, sizeof(*sc->node));
	sc->node[sc->nnode].path = -1;
	return (int32_t)sc->nnode++;
}

static int32_t
child_of(struct scanner *sc, int32_t n, const char *seg, size_t len,
    int create)
{
	struct node *nd = &sc->node[n];
	size_t i;
	int32_t c;
	char *copy;

	for (i = 0; i < nd->nkid; i++)
		if (nd->kid[i].len == len && (len == 0 ||
		    (nd->kid[i].seg[0] == seg[0] &&
		    memcmp(nd->kid[i].seg, seg, len) == 0)))
			return nd->kid[i].node;
	if (!create)
		return -1;
	c = new_node(sc);
	nd = &sc->node[n];
	copy = xstrndup(seg, len);
	sc->segs = xreallocarray(sc->segs, sc->nsegs + 1, sizeof(char *));
	sc->segs[sc->nsegs++] = copy;
	nd->kid = xreallocarray(nd->kid, nd->nkid + 1, sizeof(*nd->kid));
	nd->kid[nd->nkid].seg = copy;
	nd->kid[nd->nkid].len = len;
	nd->kid[nd->nkid].node = c;
	nd->nkid++;
	return c;
}

/* Walk the key's dot-separated segments from node N. */
static int32_t
walk(struct scanner *sc, int32_t n, const char *k, size_t len, int create)
{
	const char *dot;

	for (;;) {
		dot = memchr(k, '.', len);
		if (dot == NULL)
			return child_of(sc, n, k, len, create);
		n = child_of(sc, n, k, (size_t)(dot - k), create);
		if (n < 0)
			return -1;
		len -= (size_t)(dot - k) + 1;
		k = dot + 1;
	}
}

struct scanner *
scan_new(const struct pathtab *pt)
{
	struct scanner *sc = xcalloc(1, sizeof(*sc));
	const char *name;
	size_t len;
	int i;
	int32_t n;

	new_node(sc);
	for (i = 0; i < pathtab_count(pt); i++) {
		name = pathtab_name(pt, i, &len);
		n = walk(sc, 0, name, len, 1);
		sc->node[n].path = i;
	}
	sc->cap = 64;
	sc->stack = xcalloc(sc->cap, sizeof(*sc->stack));
	return sc;
}

void
scan_free(struct scanner *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->nnode; i++)
		free(sc->node[i].kid);
	for (i = 0; i < sc->nsegs; i++)
		free(sc->segs[i]);
	free(sc->segs);
	free(sc->node);
	free(sc->stack);
	free(sc->ms);
	sbuf_free(&sc->key);
	free(sc);
}

/* Bytes that end the fast part of a string: '"', '\\', controls. */
static const unsigned char special[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

/* First special byte at or after p (or end). */
static const unsigned char *
str_run(const unsigned char *p, const unsigned char *end)
{
#ifdef __SSE2__
	const __m128i q = _mm_set1_epi8('"'), b = _mm_set1_epi8('\\'),
	    lim = _mm_set1_epi8(0x1f), flip = _mm_set1_epi8((char)0x80);

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* signed compare after flipping: bytes <= 0x1f */
		__m128i ctl = _mm_cmpgt_epi8(_mm_xor_si128(lim, flip),
		    _mm_xor_si128(v, flip));
		__m128i ctl_eq = _mm_cmpeq_epi8(v, lim);
		int m = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, b)),
		    _mm_or_si128(ctl, ctl_eq)));

		if (m != 0)
			return p + __builtin_ctz((unsigned)m);
		p += 16;
	}
#endif
	while (p < end && !special[*p])
		p++;
	return p;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Validate the string whose opening quote is at *pp; on success *pp is
 * past the closing quote, *esc says whether it held escapes.  Returns a
 * static error or NULL.
 */
static const char *
str_skip(const unsigned char **pp, const unsigned char *end, int *esc)
{
	const unsigned char *p = *pp + 1;
	int i;

	*esc = 0;
	for (;;) {
		p = str_run(p, end);
		if (p >= end) {
			*pp = p;
			return "unterminated string";
		}
		if (*p == '"') {
			*pp = p + 1;
			return NULL;
		}
		if (*p < 0x20) {
			*pp = p;
			return *p == 0 ? "NUL byte in string" :
			    "control character in string";
		}
		/* backslash */
		*esc = 1;
		if (p + 1 >= end) {
			*pp = p;
			return "unterminated string";
		}
		switch (p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			p += 2;
			break;
		case 'u':
			for (i = 2; i < 6; i++)
				if (p + i >= end || hexval(p[i]) < 0) {
					*pp = p;
					return "invalid \\u escape";
				}
			p += 6;
			break;
		default:
			*pp = p;
			return "invalid escape in string";
		}
	}
}

static unsigned long
hex4(const unsigned char *p)
{
	return (unsigned long)(hexval(p[0]) << 12 | hexval(p[1]) << 8 |
	    hexval(p[2]) << 4 | hexval(p[3]));
}

/*
 * Decode the (validated) string body [p, end) into o; returns the
 * length.  The result is never longer than the input.  Lone surrogates
 * become U+FFFD, as in libjq.
 */
static size_t
str_decode(const unsigned char *p, const unsigned char *end, char *o)
{
	char *o0 = o;
	unsigned long cp, lo;

	while (p < end) {
		if (*p != '\\') {
			*o++ = (char)*p++;
			continue;
		}
		switch (p[1]) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			cp = hex4(p + 2);
			p += 6;
			if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 &&
			    p[0] == '\\' && p[1] == 'u' &&
			    hexval(p[2]) >= 0 && hexval(p[3]) >= 0 &&
			    hexval(p[4]) >= 0 && hexval(p[5]) >= 0 &&
			    (lo = hex4(p + 2)) >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				p += 6;
			} else if (cp >= 0xd800 && cp < 0xe000)
				cp = 0xfffd;
			o += utf8_put(cp, (unsigned char *)o);
			continue;
		default: *o++ = (char)p[1]; break;
		}
		p += 2;
	}
	return (size_t)(o - o0);
}

static const unsigned char *
num_skip(const unsigned char *p, const unsigned char *end)
{
	if (p < end && *p == '-')
		p++;
	if (p >= end || *p < '0' || *p > '9')
		return NULL;
	if (*p == '0')
		p++;
	else
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

static struct leaf *
add_leaf(struct scanner *sc, struct fields *f, int32_t path, int kind,
    const char *s, size_t n)
{
	struct leaf *l;

	fields_add(f, path, kind, s, n);
	l = &f->leaf[f->nleaf - 1];
	if (sc->nms > 0) {
		l->nmemb = (uint32_t)sc->nms;
		l->memb = (uint32_t)f->nmemb;
		if (f->nmemb + sc->nms > f->capmemb) {
			f->capmemb = (f->nmemb + sc->nms) * 2;
			f->memb = xreallocarray(f->memb, f->capmemb,
			    2 * sizeof(uint32_t));
		}
		memcpy(f->memb + 2 * f->nmemb, sc->ms,
		    2 * sc->nms * sizeof(uint32_t));
		f->nmemb += sc->nms;
		f->inarr[path] = 1;
	}
	return l;
}

static int
ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

#define SKIPWS(p, end)	while ((p) < (end) && ws(*(p))) (p)++

int
scan_event(struct scanner *sc, const char *buf, size_t len,
    struct fields *f, const char **err, size_t *off)
{
	const unsigned char *p = (const unsigned char *)buf,
	    *end = p + len, *s;
	size_t depth = 0, klen;
	uint32_t narr = 0;
	int32_t vnode, path;
	struct frame *top;
	const char *e = NULL, *k;
	int esc;

	fields_reset(f);
	if (f->capstr < len + 1) {
		free(f->str);
		f->capstr = len + 1;
		f->str = xmalloc(f->capstr);
	}
	sc->nms = 0;
	SKIPWS(p, end);
	if (p >= end || *p != '{') {
		e = p >= end ? "empty record" : "event is not a JSON object";
		goto bad;
	}
	vnode = 0;
value:
	if (p >= end) {
		e = "unexpected end of input";
		goto bad;
	}
	path = vnode >= 0 ? sc->node[vnode].path : -1;
	switch (*p) {
	case '{':
	case '[':
		if (depth == sc->cap) {
			sc->cap *= 2;
			sc->stack = xreallocarray(sc->stack, sc->cap,
			    sizeof(*sc->stack));
		}
		top = &sc->stack[depth++];
		top->node = vnode;
		top->arr = *p == '[';
		top->memb = 0;
		if (top->arr && vnode >= 0) {
			if (sc->nms == sc->capms) {
				sc->capms = sc->capms ? sc->capms * 2 : 16;
				sc->ms = xreallocarray(sc->ms, sc->capms,
				    2 * sizeof(uint32_t));
			}
			sc->ms[2 * sc->nms] = narr++;
			sc->ms[2 * sc->nms + 1] = 0;
			sc->nms++;
			top->memb = 1;
		}
		p++;
		SKIPWS(p, end);
		if (p < end && *p == (top->arr ? ']' : '}')) {
			p++;
			goto close;
		}
		if (top->arr)
			goto value;
		goto key;
	case '"':
		s = p;
		if ((e = str_skip(&p, end, &esc)) != NULL)
			goto bad;
		if (path >= 0) {
			if (!esc)
				add_leaf(sc, f, path, LEAF_STRING,
				    (const char *)s + 1, (size_t)(p - s) - 2);
			else {
				char *o = f->str + (size_t)(s - (const unsigned
				    char *)buf);

				klen = str_decode(s + 1, p - 1, o);
				add_leaf(sc, f, path, LEAF_STRING, o, klen);
			}
		}
		break;
	case 't':
		if (end - p < 4 || memcmp(p, "true", 4) != 0)
			goto badchar;
		if (path >= 0)
			add_leaf(sc, f, path, LEAF_TRUE, (const char *)p, 4);
		p += 4;
		break;
	case 'f':
		if (end - p < 5 || memcmp(p, "false", 5) != 0)
			goto badchar;
		if (path >= 0)
			add_leaf(sc, f, path, LEAF_FALSE, (const char *)p, 5);
		p += 5;
		break;
	case 'n':
		if (end - p < 4 || memcmp(p, "null", 4) != 0)
			goto badchar;
		if (path >= 0)
			add_leaf(sc, f, path, LEAF_NULL, (const char *)p, 4);
		p += 4;
		break;
	default:
		s = p;
		if ((p = num_skip(p, end)) == NULL) {
			p = s;
			goto badchar;
		}
		if (path >= 0)
			add_leaf(sc, f, path, LEAF_NUMBER, (const char *)s,
			    (size_t)(p - s));
		break;
	}
after:
	if (depth == 0) {
		SKIPWS(p, end);
		if (p < end) {
			e = "unexpected data after the JSON object";
			goto bad;
		}
		*err = NULL;
		return 0;
	}
	SKIPWS(p, end);
	if (p >= end) {
		e = "unexpected end of input";
		goto bad;
	}
	top = &sc->stack[depth - 1];
	if (*p == ',') {
		p++;
		SKIPWS(p, end);
		if (top->arr) {
			if (top->memb)
				sc->ms[2 * sc->nms - 1]++;
			vnode = top->node;
			goto value;
		}
		goto key;
	}
	if (*p != (top->arr ? ']' : '}')) {
		e = top->arr ? "expected ',' or ']'" : "expected ',' or '}'";
		goto bad;
	}
	p++;
close:
	top = &sc->stack[--depth];
	if (top->memb)
		sc->nms--;
	goto after;
key:
	if (p >= end || *p != '"') {
		e = p >= end ? "unexpected end of input" :
		    "expected a string key";
		goto bad;
	}
	s = p;
	if ((e = str_skip(&p, end, &esc)) != NULL)
		goto bad;
	top = &sc->stack[depth - 1];
	vnode = -1;
	if (top->node >= 0 && sc->node[top->node].nkid > 0) {
		k = (const char *)s + 1;
		klen = (size_t)(p - s) - 2;
		if (esc) {
			sbuf_reset(&sc->key);
			sbuf_grow(&sc->key, klen + 1);
			klen = str_decode(s + 1, p - 1, sc->key.buf);
			k = sc->key.buf;
		}
		vnode = walk(sc, top->node, k, klen, 0);
	}
	SKIPWS(p, end);
	if (p >= end || *p != ':') {
		e = p >= end ? "unexpected end of input" : "expected ':'";
		goto bad;
	}
	p++;
	SKIPWS(p, end);
	goto value;
badchar:
	e = *p == 0 ? "NUL byte" : "unexpected character";
bad:
	*err = e;
	*off = (size_t)(p - (const unsigned char *)buf);
	return -1;
}
