/* jsonraw.c: byte-level JSON scanning; see jsonraw.h. */
#include <stdint.h>
#include <string.h>

#include "jsonraw.h"

const char *
jsonraw_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	return p;
}

/*
 * End of the string literal whose opening quote is at p, or NULL.  Past
 * its first bytes, the quotes and backslashes are found with memchr, not
 * byte by byte (a long Message is most of a Publish request); the next
 * quote is looked for again only once the escapes have passed it.
 */
static const char *
skip_string(const char *p, const char *end)
{
	const char *q = NULL, *bs, *shortend;

	/* keys and short values byte by byte: cheaper than a call */
	for (p++, shortend = end - p > 24 ? p + 24 : end; p < shortend; p++) {
		if (*p == '"')
			return p + 1;
		if (*p == '\\' && ++p == end)
			return NULL;
	}
	for (; p < end; p = bs + 2) {
		if (q == NULL || q < p) {
			if ((q = memchr(p, '"', (size_t)(end - p))) == NULL)
				return NULL;
		}
		if ((bs = memchr(p, '\\', (size_t)(q - p))) == NULL)
			return q + 1;
		if (end - bs < 2)
			return NULL;
	}
	return NULL;
}

const char *
jsonraw_skip(const char *p, const char *end)
{
	size_t depth = 0;

	p = jsonraw_ws(p, end);
	if (p >= end)
		return NULL;
	do {
		if (p >= end)
			return NULL;
		switch (*p) {
		case '"':
			if ((p = skip_string(p, end)) == NULL)
				return NULL;
			break;
		case '{':
		case '[':
			depth++;
			p++;
			break;
		case '}':
		case ']':
			if (depth == 0)
				return NULL;
			depth--;
			p++;
			break;
		case ',':
		case ':':
		case ' ':
		case '\t':
		case '\n':
		case '\r':
			if (depth == 0)
				return NULL;
			p++;
			break;
		default:	/* number, true, false, null */
			while (p < end && strchr(",:]} \t\r\n\"", *p) == NULL)
				p++;
			break;
		}
	} while (depth > 0);
	return p;
}

int
jsonraw_member(const char *obj, size_t len, const char *key,
    const char **val, size_t *vlen)
{
	const char *end = obj + len, *p, *k, *v, *ve;
	size_t klen = strlen(key);
	int found = -1;

	p = jsonraw_ws(obj, end);
	if (p >= end || *p != '{')
		return -1;
	p = jsonraw_ws(p + 1, end);
	if (p < end && *p == '}')
		return -1;
	while (p < end && *p == '"') {
		k = p + 1;
		if ((p = skip_string(p, end)) == NULL)
			return -1;
		/* keys with escapes never equal our plain ASCII keys */
		int match = (size_t)(p - 1 - k) == klen &&
		    memcmp(k, key, klen) == 0;
		p = jsonraw_ws(p, end);
		if (p >= end || *p != ':')
			return -1;
		v = jsonraw_ws(p + 1, end);
		if ((ve = jsonraw_skip(v, end)) == NULL)
			return -1;
		if (match) {
			*val = v;
			*vlen = (size_t)(ve - v);
			found = 0;
		}
		p = jsonraw_ws(ve, end);
		if (p < end && *p == ',')
			p = jsonraw_ws(p + 1, end);
	}
	return found;
}

int
jsonraw_next(const char *arr, size_t len, const char **it,
    const char **val, size_t *vlen)
{
	const char *end = arr + len, *p, *ve;

	if (*it == NULL) {
		p = jsonraw_ws(arr, end);
		if (p >= end || *p != '[')
			return 0;
		p++;
	} else
		p = *it;
	p = jsonraw_ws(p, end);
	if (p < end && *p == ',')
		p = jsonraw_ws(p + 1, end);
	if (p >= end || *p == ']')
		return 0;
	if ((ve = jsonraw_skip(p, end)) == NULL)
		return 0;
	*val = p;
	*vlen = (size_t)(ve - p);
	*it = ve;
	return 1;
}

void
jsonraw_minify(struct sbuf *b, const char *p, size_t n)
{
	const char *end = p + n, *s, *q;

	sbuf_grow(b, n);
	while (p < end) {
		if (*p == '"') {
			q = skip_string(p, end);
			if (q == NULL)
				q = end;
			sbuf_add(b, p, (size_t)(q - p));
			p = q;
			continue;
		}
		for (s = p; p < end && *p != '"' && *p != ' ' && *p != '\t' &&
		    *p != '\n' && *p != '\r'; p++)
			;
		sbuf_add(b, s, (size_t)(p - s));
		p = jsonraw_ws(p, end);
	}
}

/* 1 for the bytes a JSON string literal must escape (as jq does). */
static const unsigned char must_escape[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* '"' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,	/* '\\' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1	/* DEL */
};

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define QUOTE_WORDS	1
#define REP8(c)		(0x0101010101010101ULL * (uint64_t)(c))

/* The high bit of each zero byte of W (exact: no carries between bytes). */
static inline uint64_t
zero_bytes(uint64_t w)
{
	return ~(((w & REP8(0x7f)) + REP8(0x7f)) | w | REP8(0x7f));
}

/* The high bit of each '"' and '\\' byte of W. */
static inline uint64_t
quote_bytes(uint64_t w)
{
	return zero_bytes(w ^ REP8('"')) | zero_bytes(w ^ REP8('\\'));
}

/* The high bit of each control byte and DEL of W. */
static inline uint64_t
control_bytes(uint64_t w)
{
	return zero_bytes(w & REP8(0xe0)) | zero_bytes(w ^ REP8(0x7f));
}
#endif

void
jsonraw_quote(struct sbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	unsigned char c;
	char *o;
#ifdef QUOTE_WORDS
	uint64_t w, q, t;
	unsigned int k, prev;
#endif

	/* Room for the worst case (every byte \u00XX): one grow. */
	sbuf_grow(b, 6 * n + 2);
	o = b->buf + b->len;
	*o++ = '"';
	for (;;) {
#ifdef QUOTE_WORDS
		/*
		 * Eight bytes at a time while there are no control bytes
		 * (there is room for whole words: the eight input bytes
		 * left are worth up to 48 output bytes).  The word is
		 * stored whole, then again from each '"' or '\\' on, after
		 * a backslash in its place.
		 */
		while (end - p >= 8) {
			memcpy(&w, p, 8);
			if (control_bytes(w) != 0)
				break;
			q = quote_bytes(w);
			t = w;
			prev = 0;
			for (; q != 0; q &= q - 1) {
				k = (unsigned int)__builtin_ctzll(q) >> 3;
				memcpy(o, &t, 8);
				o += k - prev;
				*o++ = '\\';
				t = w >> (8 * k);
				prev = k;
			}
			memcpy(o, &t, 8);
			o += 8 - prev;
			p += 8;
		}
#endif
		while (p < end && !must_escape[*p])
			*o++ = (char)*p++;
		if (p == end)
			break;
		c = *p++;
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			*o++ = 'u', *o++ = '0', *o++ = '0';
			*o++ = hex[c >> 4], *o++ = hex[c & 15];
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->buf);
	b->buf[b->len] = '\0';
}

int
utf8_valid(const char *s, size_t n, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k, len;
	unsigned int cp, min;

	while (i < n) {
		if (p[i] < 0x80) {
			uint64_t w;

			/* ASCII runs go eight bytes at a time. */
			for (i++; i + 8 <= n; i += 8) {
				memcpy(&w, p + i, 8);
				if (w & 0x8080808080808080ULL)
					break;
			}
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0)
			len = 2, cp = p[i] & 0x1f, min = 0x80;
		else if ((p[i] & 0xf0) == 0xe0)
			len = 3, cp = p[i] & 0x0f, min = 0x800;
		else if ((p[i] & 0xf8) == 0xf0)
			len = 4, cp = p[i] & 0x07, min = 0x10000;
		else
			goto fail;
		if (i + len > n)
			goto fail;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				goto fail;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto fail;
		i += len;
	}
	return 1;
fail:
	if (bad != NULL)
		*bad = i;
	return 0;
}

int
jsonraw_member_raw(const char *obj, size_t len, const char **it,
    const char **key, size_t *klen, const char **val, size_t *vlen)
{
	const char *end = obj + len, *p, *ke, *ve;

	p = *it == NULL ? jsonraw_ws(obj, end) : *it;
	if (*it == NULL) {
		if (p >= end || *p != '{')
			return 0;
		p++;
	}
	p = jsonraw_ws(p, end);
	if (p < end && *p == ',')
		p = jsonraw_ws(p + 1, end);
	if (p >= end || *p != '"')
		return 0;
	if ((ke = skip_string(p, end)) == NULL)
		return 0;
	*key = p;
	*klen = (size_t)(ke - p);
	p = jsonraw_ws(ke, end);
	if (p >= end || *p != ':')
		return 0;
	p = jsonraw_ws(p + 1, end);
	if ((ve = jsonraw_skip(p, end)) == NULL)
		return 0;
	*val = p;
	*vlen = (size_t)(ve - p);
	*it = ve;
	return 1;
}

int
jsonraw_member_next(const char *obj, size_t len, const char **it, jv *key,
    const char **val, size_t *vlen)
{
	const char *k;
	size_t kl;

	if (!jsonraw_member_raw(obj, len, it, &k, &kl, val, vlen))
		return 0;
	*key = jv_parse_sized(k, (int)kl);
	return 1;
}

void
jsonraw_add_member(struct sbuf *b, const char *key, const char *val)
{
	sbuf_addf(b, ",\"%s\":", key);
	jsonraw_quote(b, val, strlen(val));
}
