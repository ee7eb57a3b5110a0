/*
 * tailfmt.c: aws logs tail's output formats (see tailfmt.h), and the
 * pieces of Python they need.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfc3339.h"
#include "sbuf.h"
#include "tailfmt.h"
#include "xalloc.h"

#define GREEN	"\033[32m"
#define CYAN	"\033[36m"
#define RESET	"\033[0m"
#define JSON_DEPTH_MAX	900	/* Python's json gives up near here */

/*
 * Python's str.rstrip(): the length of [p, p+n) without trailing
 * whitespace (ASCII and the Unicode spaces Python knows).
 */
static size_t
rstrip_len(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	unsigned long c;

	while (n > 0) {
		c = s[n - 1];
		if (c == ' ' || (c >= '\t' && c <= '\r') ||
		    (c >= 0x1c && c <= 0x1f)) {
			n--;
			continue;
		}
		if (n >= 2 && s[n - 2] == 0xc2 && (c == 0x85 || c == 0xa0)) {
			n -= 2;
			continue;
		}
		if (n >= 3 && s[n - 3] >= 0xe0 && s[n - 3] < 0xf0) {
			c = ((unsigned long)(s[n - 3] & 0x0f) << 12) |
			    ((unsigned long)(s[n - 2] & 0x3f) << 6) |
			    (s[n - 1] & 0x3f);
			if (c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
			    c == 0x2028 || c == 0x2029 || c == 0x202f ||
			    c == 0x205f || c == 0x3000) {
				n -= 3;
				continue;
			}
		}
		break;
	}
	return n;
}

/*
 * Python's json.dumps(json.loads(text), indent=4), on the bytes: the
 * parser below accepts what json.loads accepts and prints what dumps
 * prints (ensure_ascii, float repr, first position of a duplicate key
 * with its last value).
 */
struct pj {
	const char	*p, *end;
	struct sbuf	*o;
	int		 depth;
};

static void
pj_ws(struct pj *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static void
pj_indent(struct sbuf *o, int depth)
{
	sbuf_addc(o, '\n');
	while (depth-- > 0)
		sbuf_adds(o, "    ");
}

static void
pj_unit(struct sbuf *o, unsigned long u)
{
	static const char hex[] = "0123456789abcdef";

	switch (u) {
	case '"': sbuf_adds(o, "\\\""); return;
	case '\\': sbuf_adds(o, "\\\\"); return;
	case '\n': sbuf_adds(o, "\\n"); return;
	case '\r': sbuf_adds(o, "\\r"); return;
	case '\t': sbuf_adds(o, "\\t"); return;
	case '\b': sbuf_adds(o, "\\b"); return;
	case '\f': sbuf_adds(o, "\\f"); return;
	}
	if (u >= 0x20 && u < 0x7f) {
		sbuf_addc(o, (int)u);
		return;
	}
	sbuf_adds(o, "\\u");
	sbuf_addc(o, hex[(u >> 12) & 15]);
	sbuf_addc(o, hex[(u >> 8) & 15]);
	sbuf_addc(o, hex[(u >> 4) & 15]);
	sbuf_addc(o, hex[u & 15]);
}

/* A string literal, re-escaped as ensure_ascii does. */
static int
pj_string(struct pj *j, struct sbuf *o)
{
	const unsigned char *s;
	unsigned long u;
	char tmp[5];
	int k, i;

	if (j->p >= j->end || *j->p != '"')
		return -1;
	j->p++;
	sbuf_addc(o, '"');
	while (j->p < j->end && *j->p != '"') {
		s = (const unsigned char *)j->p;
		if (*s < 0x20)
			return -1;	/* strict: no raw control characters */
		if (*s == '\\') {
			if (j->p + 1 >= j->end)
				return -1;
			switch (s[1]) {
			case '"': u = '"'; break;
			case '\\': u = '\\'; break;
			case '/': u = '/'; break;
			case 'b': u = '\b'; break;
			case 'f': u = '\f'; break;
			case 'n': u = '\n'; break;
			case 'r': u = '\r'; break;
			case 't': u = '\t'; break;
			case 'u':
				if (j->end - j->p < 6)
					return -1;
				for (i = 2; i < 6; i++)
					if (strchr("0123456789abcdefABCDEF",
					    s[i]) == NULL || s[i] == '\0')
						return -1;
				memcpy(tmp, s + 2, 4);
				tmp[4] = '\0';
				u = strtoul(tmp, NULL, 16);
				j->p += 4;
				break;
			default:
				return -1;
			}
			j->p += 2;
			pj_unit(o, u);
			continue;
		}
		if (*s < 0x80) {
			pj_unit(o, *s);
			j->p++;
			continue;
		}
		/* UTF-8 (validated by the store's writer). */
		k = *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : 2;
		if (j->end - j->p < k)
			return -1;
		u = *s & (0x7f >> k);
		for (i = 1; i < k; i++)
			u = (u << 6) | (s[i] & 0x3f);
		j->p += k;
		if (u >= 0x10000) {
			u -= 0x10000;
			pj_unit(o, 0xd800 + (u >> 10));
			pj_unit(o, 0xdc00 + (u & 0x3ff));
		} else
			pj_unit(o, u);
	}
	if (j->p >= j->end)
		return -1;
	j->p++;
	sbuf_addc(o, '"');
	return 0;
}

/* Python's repr() of a float. */
static void
pj_float(struct sbuf *o, double d)
{
	char buf[40], digits[24];
	int prec, exp, nd, i;
	char *e;

	if (isnan(d)) {
		sbuf_adds(o, "NaN");
		return;
	}
	if (isinf(d)) {
		sbuf_adds(o, d < 0 ? "-Infinity" : "Infinity");
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	/* buf is [-]D[.DDD]e[+-]XX: take the digits and the exponent. */
	e = strchr(buf, 'e');
	exp = atoi(e + 1);
	nd = 0;
	for (i = 0; buf + i < e; i++)
		if (buf[i] >= '0' && buf[i] <= '9')
			digits[nd++] = buf[i];
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	if (d < 0 || (d == 0 && signbit(d)))
		sbuf_addc(o, '-');
	if (exp >= -4 && exp < 16) {
		if (exp < 0) {
			sbuf_adds(o, "0.");
			for (i = -1; i > exp; i--)
				sbuf_addc(o, '0');
			sbuf_adds(o, digits);
		} else {
			for (i = 0; i <= exp; i++)
				sbuf_addc(o, i < nd ? digits[i] : '0');
			sbuf_addc(o, '.');
			if (nd > exp + 1)
				sbuf_adds(o, digits + exp + 1);
			else
				sbuf_addc(o, '0');
		}
		return;
	}
	sbuf_addc(o, digits[0]);
	if (nd > 1) {
		sbuf_addc(o, '.');
		sbuf_adds(o, digits + 1);
	}
	sbuf_addf(o, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
}

/* A number: an int (printed as Python prints ints) or a float. */
static int
pj_number(struct pj *j, struct sbuf *o)
{
	const char *s = j->p, *q;
	int isfloat = 0;
	char *tmp;

	q = s;
	if (q < j->end && *q == '-')
		q++;
	if (q >= j->end || *q < '0' || *q > '9')
		return -1;
	if (*q == '0')
		q++;
	else
		while (q < j->end && *q >= '0' && *q <= '9')
			q++;
	if (q < j->end && *q == '.') {
		if (q + 1 >= j->end || q[1] < '0' || q[1] > '9')
			goto done;	/* "1." is "1" then junk */
		isfloat = 1;
		for (q++; q < j->end && *q >= '0' && *q <= '9'; q++)
			;
	}
	if (q < j->end && (*q == 'e' || *q == 'E')) {
		const char *e = q + 1;

		if (e < j->end && (*e == '+' || *e == '-'))
			e++;
		if (e < j->end && *e >= '0' && *e <= '9') {
			isfloat = 1;
			for (q = e; q < j->end && *q >= '0' && *q <= '9'; q++)
				;
		}
	}
done:
	j->p = q;
	if (isfloat) {
		tmp = xstrndup(s, (size_t)(q - s));
		pj_float(o, strtod(tmp, NULL));
		free(tmp);
		return 0;
	}
	if (*s == '-' && q - s == 2 && s[1] == '0')
		s++;		/* int("-0") is 0 */
	sbuf_add(o, s, (size_t)(q - s));
	return 0;
}

static int pj_value(struct pj *, struct sbuf *);

/* One member of an object printed so far: its key and value texts. */
struct pj_member {
	size_t	 koff, klen, voff, vlen;
};

static int
pj_object(struct pj *j, struct sbuf *o)
{
	struct sbuf tmp = SBUF_INIT;
	struct pj_member *m = NULL;
	size_t nm = 0, i, k;
	int r = -1;

	j->p++;
	pj_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		sbuf_adds(o, "{}");
		return 0;
	}
	j->depth++;
	for (;;) {
		pj_ws(j);
		m = xreallocarray(m, nm + 1, sizeof(*m));
		m[nm].koff = tmp.len;
		if (pj_string(j, &tmp) != 0)
			goto out;
		m[nm].klen = tmp.len - m[nm].koff;
		pj_ws(j);
		if (j->p >= j->end || *j->p != ':')
			goto out;
		j->p++;
		pj_ws(j);
		m[nm].voff = tmp.len;
		if (pj_value(j, &tmp) != 0)
			goto out;
		m[nm].vlen = tmp.len - m[nm].voff;
		/* A repeated key keeps its place and takes the new value. */
		for (k = 0; k < nm; k++)
			if (m[k].klen == m[nm].klen && memcmp(tmp.buf +
			    m[k].koff, tmp.buf + m[nm].koff, m[k].klen) == 0)
				break;
		if (k < nm) {
			m[k].voff = m[nm].voff;
			m[k].vlen = m[nm].vlen;
		} else
			nm++;
		pj_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			break;
		}
		goto out;
	}
	sbuf_addc(o, '{');
	for (i = 0; i < nm; i++) {
		if (i > 0)
			sbuf_addc(o, ',');
		pj_indent(o, j->depth);
		sbuf_add(o, tmp.buf + m[i].koff, m[i].klen);
		sbuf_adds(o, ": ");
		sbuf_add(o, tmp.buf + m[i].voff, m[i].vlen);
	}
	j->depth--;
	pj_indent(o, j->depth);
	sbuf_addc(o, '}');
	r = 0;
out:
	free(m);
	sbuf_free(&tmp);
	return r;
}

static int
pj_array(struct pj *j, struct sbuf *o)
{
	int first = 1;

	j->p++;
	pj_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		sbuf_adds(o, "[]");
		return 0;
	}
	j->depth++;
	sbuf_addc(o, '[');
	for (;;) {
		if (!first)
			sbuf_addc(o, ',');
		first = 0;
		pj_indent(o, j->depth);
		pj_ws(j);
		if (pj_value(j, o) != 0)
			return -1;
		pj_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			break;
		}
		return -1;
	}
	j->depth--;
	pj_indent(o, j->depth);
	sbuf_addc(o, ']');
	return 0;
}

static int
pj_word(struct pj *j, struct sbuf *o, const char *w, const char *as)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
		return -1;
	j->p += n;
	sbuf_adds(o, as);
	return 0;
}

static int
pj_value(struct pj *j, struct sbuf *o)
{
	if (j->p >= j->end || j->depth > JSON_DEPTH_MAX)
		return -1;
	switch (*j->p) {
	case '{': return pj_object(j, o);
	case '[': return pj_array(j, o);
	case '"': return pj_string(j, o);
	case 't': return pj_word(j, o, "true", "true");
	case 'f': return pj_word(j, o, "false", "false");
	case 'n': return pj_word(j, o, "null", "null");
	case 'N': return pj_word(j, o, "NaN", "NaN");
	case 'I': return pj_word(j, o, "Infinity", "Infinity");
	case '-':
		if (j->end - j->p >= 9 && memcmp(j->p, "-Infinity", 9) == 0)
			return pj_word(j, o, "-Infinity", "-Infinity");
		return pj_number(j, o);
	default:
		return pj_number(j, o);
	}
}

/* Append the pretty form of [p, p+n) to O; -1 when it is not JSON. */
static int
pretty_json(struct sbuf *o, const char *p, size_t n)
{
	struct pj j;
	size_t start = o->len;

	j.p = p;
	j.end = p + n;
	j.o = o;
	j.depth = 0;
	pj_ws(&j);
	if (pj_value(&j, o) == 0) {
		pj_ws(&j);
		if (j.p == j.end)
			return 0;
	}
	o->len = start;
	if (o->buf != NULL)
		o->buf[start] = '\0';
	return -1;
}

/* "2024-01-01T12:00:00" and the rest of a timestamp's forms. */
static void
add_time(struct sbuf *b, int64_t ms, int fraction, int zone, int color)
{
	char t[RFC3339_BUFSZ];
	int64_t frac = ((ms % 1000) + 1000) % 1000;

	rfc3339_fmt_s(ms - frac, t);
	t[19] = '\0';		/* drop the "Z" */
	if (color)
		sbuf_adds(b, GREEN);
	sbuf_adds(b, t);
	if (fraction == 2 || (fraction == 1 && frac != 0))
		sbuf_addf(b, ".%06d", (int)frac * 1000);
	if (zone)
		sbuf_adds(b, "+00:00");
	if (color)
		sbuf_adds(b, RESET);
}

static void
add_stream(struct sbuf *b, const char *name, int color)
{
	if (color)
		sbuf_adds(b, CYAN);
	sbuf_adds(b, name);
	if (color)
		sbuf_adds(b, RESET);
	sbuf_addc(b, ' ');
}

size_t
tailfmt_event(struct sbuf *line, enum tailfmt format, int color, int64_t ts,
    const char *stream, const char *msg, size_t len)
{
	switch (format) {
	case TAILFMT_SHORT:
		add_time(line, ts, 0, 0, color);
		sbuf_addc(line, ' ');
		break;
	case TAILFMT_JSON:
		add_time(line, ts, 1, 1, color);
		sbuf_addc(line, ' ');
		add_stream(line, stream, color);
		break;
	default:
		add_time(line, ts, 2, 1, color);
		sbuf_addc(line, ' ');
		add_stream(line, stream, color);
	}
	if (format == TAILFMT_JSON) {
		sbuf_addc(line, '\n');
		if (pretty_json(line, msg, len) != 0) {
			line->len--;
			sbuf_add(line, msg, len);
		}
	} else
		sbuf_add(line, msg, len);
	return rstrip_len(line->buf, line->len);
}
