/*
 * jnfdate.c: $fromMillis and $toMillis, XPath fn:format-dateTime picture
 * strings as jsonata-js implements them (datetime.js): variable markers
 * [Y0001], [MNn], [D1o], [F], [W], [H01], [P], [f001], [Z01:01t] ...
 * with width modifiers, names, ordinals and a "+hhmm" time zone.
 * Calendar arithmetic is proleptic Gregorian on UTC milliseconds, as
 * JavaScript's Date does.  $toMillis reads ISO 8601 timestamps.
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jnfunc.h"
#include "jnpic.h"
#include "rfc3339.h"

#define DAY_MS	86400000.0
#define MAXPARTS 64

static const char *const days[] = {
	"", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday", "Sunday"
};
static const char *const months[] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

struct marker {
	int		 literal;
	const char	*text;		/* literal text */
	size_t		 tlen;
	char		 component;
	char		 pres1[32], pres2;
	int		 names;		/* 0 none, else C_LOWER/UPPER/TITLE+1 */
	int		 wmin, wmax;	/* -1 when absent */
	int		 n;		/* year digits, -1 for all */
	int		 has_int;
	struct ipic	 ifmt;
};

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static double
days_from_civil(double y, int m, int d)
{
	double era, yoe, doy, doe;

	y -= m <= 2;
	era = floor(y / 400);
	yoe = y - era * 400;
	doy = floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
	doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(double z, double *y, int *m, int *d)
{
	double era, doe, yoe, doy, mp;

	z += 719468;
	era = floor(z / 146097);
	doe = z - era * 146097;
	yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) -
	    floor(doe / 146096)) / 365);
	*y = yoe + era * 400;
	doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100));
	mp = floor((5 * doy + 2) / 153);
	*d = (int)(doy - floor((153 * mp + 2) / 5) + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y += *m <= 2;
}

/* Date.UTC(y, m0, d) in ms (month zero-based, may overflow). */
static double
utc(double y, double m0, double d)
{
	y += floor(m0 / 12);
	m0 = fmod(m0, 12);
	if (m0 < 0)
		m0 += 12;
	return (days_from_civil(y, (int)m0 + 1, 1) + d - 1) * DAY_MS;
}

struct tmx {
	double	 y;
	int	 mon, day, hour, min, sec, ms, wday;	/* wday 0 = Sunday */
	double	 t;
	int	 nan;	/* outside JavaScript's dates: every field NaN */
};

/* JavaScript's dates: up to 10^8 days either side of 1970. */
#define JS_DATE_MAX	8.64e15

static void
breakdown(double t, struct tmx *x)
{
	double days = floor(t / DAY_MS), rem = t - days * DAY_MS;
	int64_t r, z, y;

	memset(x, 0, sizeof(*x));
	x->t = t;
	if (!(fabs(t) <= JS_DATE_MAX)) {
		x->nan = 1;
		return;
	}
	if (rem == floor(rem) && fabs(rem) < DAY_MS * 2 && fabs(days) < 1e9) {
		/*
		 * Whole milliseconds within a million years, the usual case:
		 * the same arithmetic in integers, without floor and fmod.
		 */
		z = (int64_t)days;
		rfc3339_civil(z, &y, &x->mon, &x->day);
		x->y = (double)y;
		r = (int64_t)rem;
		x->hour = (int)(r / 3600000);
		x->min = (int)(r % 3600000 / 60000);
		x->sec = (int)(r % 60000 / 1000);
		x->ms = (int)(r % 1000);
		x->wday = (int)((z + 4) % 7);
		if (x->wday < 0)
			x->wday += 7;
		return;
	}
	civil_from_days(days, &x->y, &x->mon, &x->day);
	x->hour = (int)(rem / 3600000);
	x->min = (int)(fmod(rem, 3600000) / 60000);
	x->sec = (int)(fmod(rem, 60000) / 1000);
	x->ms = (int)fmod(rem, 1000);
	x->wday = (int)fmod(days + 4, 7);
	if (x->wday < 0)
		x->wday += 7;
	x->t = t;
}

static double
first_week(double y, double m0)
{
	double jan1 = utc(y, m0, 1);
	struct tmx x;
	int dow;

	breakdown(jan1, &x);
	dow = x.wday == 0 ? 7 : x.wday;
	return dow > 4 ? jan1 + (8 - dow) * DAY_MS : jan1 - (dow - 1) * DAY_MS;
}

static double
fragment(const struct tmx *x, char comp)
{
	double today, start, week;

	if (x->nan)
		return NAN;
	switch (comp) {
	case 'Y': return x->y;
	case 'M': return x->mon;
	case 'D': return x->day;
	case 'd':
		return (utc(x->y, x->mon - 1, x->day) - utc(x->y, 0, 1)) /
		    DAY_MS + 1;
	case 'F': return x->wday == 0 ? 7 : x->wday;
	case 'W':
		start = first_week(x->y, 0);
		today = utc(x->y, x->mon - 1, x->day);
		week = (today - start) / (DAY_MS * 7) + 1;
		if (week > 52) {
			if (today >= first_week(x->y + 1, 0))
				week = 1;
		} else if (week < 1)
			week = (today - first_week(x->y - 1, 0)) /
			    (DAY_MS * 7) + 1;
		return floor(week);
	case 'w':
		start = first_week(x->y, x->mon - 1);
		today = utc(x->y, x->mon - 1, x->day);
		week = (today - start) / (DAY_MS * 7) + 1;
		if (week > 4) {
			if (today >= first_week(x->y, x->mon))
				week = 1;
		} else if (week < 1)
			week = (today - first_week(x->y, x->mon - 2)) /
			    (DAY_MS * 7) + 1;
		return floor(week);
	case 'X':
		if (x->t < first_week(x->y, 0))
			return x->y - 1;
		if (x->t >= first_week(x->y + 1, 0))
			return x->y + 1;
		return x->y;
	case 'x':
		if (x->t < first_week(x->y, x->mon - 1))
			return x->mon - 1 < 1 ? 12 : x->mon - 1;
		if (x->t >= first_week(x->y, x->mon))
			return x->mon + 1 > 12 ? 1 : x->mon + 1;
		return x->mon;
	case 'H': return x->hour;
	case 'h': return x->hour % 12 == 0 ? 12 : x->hour % 12;
	case 'm': return x->min;
	case 's': return x->sec;
	case 'f': return x->ms;
	default: return 0;
	}
}

static const char *
default_pres(char comp)
{
	switch (comp) {
	case 'Y': case 'M': case 'D': case 'd': case 'W': case 'w':
	case 'X': case 'x': case 'H': case 'h': case 'f':
		return "1";
	case 'F': case 'P': case 'C': case 'E':
		return "n";
	case 'm': case 's':
		return "01";
	case 'Z': case 'z':
		return "01:01";
	default:
		return NULL;
	}
}

static int
parse_width(const char *s, size_t n)
{
	if (n == 0 || (n == 1 && s[0] == '*'))
		return -1;
	return atoi(s);
}

/* A literal part of a picture; "]]" in it stands for "]". */
static void
add_literal(struct jn_ctx *c, struct marker *m, const char *s, size_t n)
{
	char *lit = jn_alloc(c->arena, n + 1);
	size_t i, j = 0;

	for (i = 0; i < n; i++) {
		lit[j++] = s[i];
		if (s[i] == ']' && i + 1 < n && s[i + 1] == ']')
			i++;
	}
	memset(m, 0, sizeof(*m));
	m->literal = 1;
	m->text = lit;
	m->tlen = j;
}

/* analyseDateTimePicture: literals and markers of PIC. */
static int
analyse_picture(struct jn_ctx *c, const char *pic, size_t plen,
    struct marker *parts)
{
	size_t start = 0, pos = 0, i, k, comma, dash;
	int np = 0;
	char mk[64];
	size_t mn;
	const char *dp;
	struct marker *m;
	char ip[48];

	while (pos < plen && np < MAXPARTS - 2) {
		if (pic[pos] != '[') {
			pos++;
			continue;
		}
		if (pos + 1 < plen && pic[pos + 1] == '[') {
			if (pos > start)
				add_literal(c, &parts[np++], pic + start,
				    pos - start);
			add_literal(c, &parts[np++], "[", 1);
			pos += 2;
			start = pos;
			continue;
		}
		if (pos > start)
			add_literal(c, &parts[np++], pic + start, pos - start);
		start = pos;
		for (k = pos; k < plen && pic[k] != ']'; k++)
			;
		if (k >= plen)
			jn_throw(c, "D3135", c->position, "No matching closing "
			    "bracket ']' in date/time picture string");
		/* the marker without whitespace */
		mn = 0;
		for (i = start + 1; i < k && mn < sizeof(mk) - 1; i++)
			if (!isspace((unsigned char)pic[i]))
				mk[mn++] = pic[i];
		mk[mn] = '\0';
		m = &parts[np];
		memset(m, 0, sizeof(*m));
		m->component = mk[0];
		m->wmin = m->wmax = -1;
		m->n = -1;
		comma = (size_t)-1;
		for (i = 0; i < mn; i++)
			if (mk[i] == ',')
				comma = i;
		if (comma != (size_t)-1) {
			dp = memchr(mk + comma + 1, '-', mn - comma - 1);
			if (dp == NULL)
				m->wmin = parse_width(mk + comma + 1,
				    mn - comma - 1);
			else {
				dash = dp - mk;
				m->wmin = parse_width(mk + comma + 1,
				    dash - comma - 1);
				m->wmax = parse_width(mk + dash + 1,
				    mn - dash - 1);
			}
			mk[comma] = '\0';
			mn = comma;
		}
		if (mn == 2)
			snprintf(m->pres1, sizeof(m->pres1), "%.31s", mk + 1);
		else if (mn > 2) {
			char last = mk[mn - 1];
			if (strchr("atco", last) != NULL) {
				m->pres2 = last;
				snprintf(m->pres1, sizeof(m->pres1), "%.*s",
				    (int)(mn - 2), mk + 1);
			} else
				snprintf(m->pres1, sizeof(m->pres1), "%.31s",
				    mk + 1);
		} else {
			const char *d = default_pres(m->component);
			if (d == NULL)
				jn_throw(c, "D3132", c->position, "Unknown "
				    "component specifier %c in date/time "
				    "picture string", m->component);
			snprintf(m->pres1, sizeof(m->pres1), "%s", d);
		}
		if (m->pres1[0] == 'n')
			m->names = C_LOWER + 1;
		else if (m->pres1[0] == 'N')
			m->names = (m->pres1[1] == 'n' ? C_TITLE : C_UPPER) + 1;
		else if (strchr("YMDdFWwXxHhmsf", m->component) != NULL) {
			snprintf(ip, sizeof(ip), "%s%s%c", m->pres1,
			    m->pres2 ? ";" : "", m->pres2);
			jn_pic_analyse(c, ip, strlen(ip), &m->ifmt);
			m->has_int = 1;
			if (m->wmin > 0 && m->ifmt.mandatory < m->wmin)
				m->ifmt.mandatory = m->wmin;
			if (m->component == 'Y') {
				if (m->wmax > 0) {
					m->n = m->wmax;
					m->ifmt.mandatory = m->n;
				} else if (m->ifmt.mandatory +
				    m->ifmt.optional >= 2)
					m->n = m->ifmt.mandatory +
					    m->ifmt.optional;
			}
		}
		if (m->component == 'Z' || m->component == 'z') {
			jn_pic_analyse(c, m->pres1, strlen(m->pres1), &m->ifmt);
			m->has_int = 1;
		}
		np++;
		pos = k + 1;
		start = pos;
	}
	if (plen > start && np < MAXPARTS)
		add_literal(c, &parts[np++], pic + start, plen - start);
	return np;
}

struct jn_datepic {
	int		 np;
	struct marker	 parts[];
};

const struct jn_datepic *
jn_datepic_new(struct jn_arena *a, const char *pic, size_t n)
{
	struct marker parts[MAXPARTS];
	struct jn_datepic *dp;
	struct jn_error err;
	struct jn_ctx c;
	int np;

	memset(&c, 0, sizeof(c));
	c.arena = a;
	c.err = &err;
	if (setjmp(c.jb) != 0)
		return NULL;
	np = analyse_picture(&c, pic, n, parts);
	dp = jn_alloc(a, sizeof(*dp) + np * sizeof(parts[0]));
	dp->np = np;
	memcpy(dp->parts, parts, np * sizeof(parts[0]));
	return dp;
}

static void
case_names(struct sbuf *b, const char *name, int names, int wmax)
{
	size_t i, n = strlen(name), from = b->len;

	if (wmax > 0 && n > (size_t)wmax)
		n = wmax;
	sbuf_add(b, name, n);
	for (i = from; i < b->len; i++) {
		if (names == C_UPPER + 1)
			b->buf[i] = toupper((unsigned char)b->buf[i]);
		else if (names == C_LOWER + 1)
			b->buf[i] = tolower((unsigned char)b->buf[i]);
	}
}

static void
format_component(struct jn_ctx *c, struct sbuf *b, const struct tmx *x,
    const struct marker *m, int oh, int om)
{
	double v;
	int off;
	struct ipic two;

	if (strchr("YMDdFWwXxHhms", m->component) != NULL) {
		v = fragment(x, m->component);
		if (m->component == 'Y' && m->n != -1)
			v = fmod(v, pow(10, m->n));
		if (m->names) {
			if (x->nan && strchr("MxF", m->component) != NULL)
				/* jsonata-js's months[NaN], days[NaN] */
				sbuf_adds(b, "undefined");
			else if (m->component == 'M' || m->component == 'x')
				case_names(b, months[(int)v - 1], m->names,
				    m->wmax);
			else if (m->component == 'F')
				case_names(b, days[(int)v], m->names, m->wmax);
			else
				jn_throw(c, "D3133", c->position, "The 'name' "
				    "modifier can only be applied to months "
				    "and days in the date/time picture string, "
				    "not %c", m->component);
		} else
			jn_pic_format(c, b, v, &m->ifmt);
	} else if (m->component == 'f')
		jn_pic_format(c, b, fragment(x, 'f'), &m->ifmt);
	else if (m->component == 'Z' || m->component == 'z') {
		off = oh * 100 + om;
		if (m->component == 'z')
			sbuf_adds(b, "GMT");
		if (off == 0 && m->pres2 == 't') {
			if (m->component == 'z')
				b->len -= 3;
			sbuf_addc(b, 'Z');
			return;
		}
		if (off >= 0)
			sbuf_addc(b, '+');
		if (m->ifmt.regular)
			jn_pic_format(c, b, off, &m->ifmt);
		else if (m->ifmt.mandatory == 1 || m->ifmt.mandatory == 2) {
			jn_pic_format(c, b, oh, &m->ifmt);
			if (om != 0) {
				sbuf_addc(b, ':');
				jn_pic_analyse(c, "00", 2, &two);
				jn_pic_format(c, b, om, &two);
			}
		} else if (m->ifmt.mandatory == 3 || m->ifmt.mandatory == 4)
			jn_pic_format(c, b, off, &m->ifmt);
		else
			jn_throw(c, "D3134", c->position, "The timezone "
			    "integer format specifier cannot have more than "
			    "four digits");
	} else if (m->component == 'P')
		sbuf_adds(b, x->hour >= 12 ? "pm" : "am");
	else if (m->component == 'C' || m->component == 'E')
		sbuf_adds(b, "ISO");
}

/*
 * JavaScript's parseInt(s) of a time zone such as "+0130": blanks, a
 * sign, digits (hexadecimal after 0x) up to the first other character;
 * NaN without digits.
 */
static double
parse_int_js(const char *s, size_t n)
{
	const char *end = s + n;
	double v = 0, sign = 1;
	int base = 10, any = 0, d;

	while (s < end && strchr(" \t\n\v\f\r", *s) != NULL && *s != '\0')
		s++;
	if (s < end && (*s == '+' || *s == '-'))
		sign = *s++ == '-' ? -1 : 1;
	if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    isxdigit((unsigned char)s[2])) {
		base = 16;
		s += 2;
	}
	for (; s < end; s++, any = 1) {
		if (isdigit((unsigned char)*s))
			d = *s - '0';
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else
			break;
		v = v * base + d;
	}
	return any ? sign * v : NAN;
}

struct jn_value *
fn_from_millis(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	static const char iso[] =
	    "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]";
	struct marker own[MAXPARTS];
	const struct marker *parts = own;
	struct sbuf b = SBUF_INIT;
	struct jn_value *r;
	struct tmx x;
	const char *pic = iso;
	size_t plen = sizeof(iso) - 1;
	int np, i, oh = 0, om = 0;
	double off;

	if (a[0] == NULL)
		return NULL;
	if (n > 1 && a[1] != NULL) {
		pic = a[1]->u.str.s;
		plen = a[1]->u.str.len;
	}
	if (n > 2 && a[2] != NULL) {
		/*
		 * parseInt("+hhmm").  An offset without digits makes every
		 * field NaN in jsonata-js, as does one of more hours than
		 * its dates have (they go no further than 2.4e9 hours).
		 */
		off = parse_int_js(a[2]->u.str.s, a[2]->u.str.len);
		if (!(fabs(off) < 1e11))
			off = NAN;
		oh = isnan(off) ? 0 : (int)floor(off / 100);
		om = isnan(off) ? 0 : (int)fmod(off, 100);
	} else
		off = 0;
	if (n > 1 && a[1] != NULL && a[1]->u.str.datepic != NULL) {
		parts = a[1]->u.str.datepic->parts;
		np = a[1]->u.str.datepic->np;
	} else
		np = analyse_picture(c, pic, plen, own);
	breakdown(isnan(off) ? NAN : a[0]->u.num.d + (60.0 * oh + om) * 60000,
	    &x);
	jn_hold(c, &b);
	for (i = 0; i < np; i++) {
		if (parts[i].literal)
			sbuf_add(&b, parts[i].text, parts[i].tlen);
		else
			format_component(c, &b, &x, &parts[i], oh, om);
	}
	r = jn_string(c->arena, b.buf ? b.buf : "", b.len);
	jn_release(c, &b);
	return r;
}

/* Digits at *p (at least min, at most max); -1 when too few. */
static int
digits(const char **p, const char *end, int min, int max, double *v)
{
	int k = 0;

	*v = 0;
	while (*p < end && k < max && isdigit((unsigned char)**p)) {
		*v = *v * 10 + (**p - '0');
		(*p)++;
		k++;
	}
	return k >= min ? k : -1;
}

/*
 * ISO 8601 as jsonata-js accepts it without a picture:
 * YYYY(-MM)*(-DD)*(Thh:mm:ss)*(.f+)?([+-]hh:?mm|Z)?
 */
static int
parse_iso(const char *s, size_t n, double *out)
{
	const char *p = s, *end = s + n;
	double y, mo = 1, d = 1, h = 0, mi = 0, se = 0, ms = 0, v, th, tm;
	int k, sign;

	if (digits(&p, end, 4, 4, &y) < 0)
		return -1;
	if (p < end && *p == '-') {
		p++;
		if (digits(&p, end, 2, 2, &mo) < 0)
			return -1;
		if (p < end && *p == '-') {
			p++;
			if (digits(&p, end, 2, 2, &d) < 0)
				return -1;
		}
	}
	if (p < end && *p == 'T') {
		p++;
		if (digits(&p, end, 2, 2, &h) < 0 || p >= end || *p++ != ':' ||
		    digits(&p, end, 2, 2, &mi) < 0 || p >= end ||
		    *p++ != ':' || digits(&p, end, 2, 2, &se) < 0)
			return -1;
	}
	if (p < end && *p == '.') {
		p++;
		if ((k = digits(&p, end, 1, 30, &v)) < 0)
			return -1;
		ms = floor(v / pow(10, k - 3) + 1e-9);
		if (k < 3)
			ms = v * pow(10, 3 - k);
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 ||
	    se > 59)
		return -2;
	*out = utc(y, mo - 1, d) + h * 3600000 + mi * 60000 + se * 1000 + ms;
	if (p < end && *p == 'Z')
		p++;
	else if (p < end && (*p == '+' || *p == '-')) {
		sign = *p++ == '-' ? -1 : 1;
		if (digits(&p, end, 2, 2, &th) < 0)
			return -1;
		if (p < end && *p == ':')
			p++;
		if (digits(&p, end, 2, 2, &tm) < 0)
			return -1;
		*out -= sign * (th * 60 + tm) * 60000;
	}
	return p == end ? 0 : -1;
}

struct jn_value *
fn_to_millis(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	double t;
	int rc;

	if (a[0] == NULL)
		return NULL;
	if (n > 1 && a[1] != NULL)
		return jn_parse_datetime(c, a[0], a[1]);
	rc = parse_iso(a[0]->u.str.s, a[0]->u.str.len, &t);
	if (rc == -1)
		jn_throw(c, "D3110", c->position, "The timestamp %.*s cannot "
		    "be parsed", (int)(a[0]->u.str.len > 60 ? 60 :
		    a[0]->u.str.len), a[0]->u.str.s);
	if (rc == -2)
		return NULL;	/* Date.parse gives NaN: no value */
	return jn_number(c->arena, t);
}

/* $toMillis with a picture: jsonata-js's generateRegex and parseDateTime. */

struct pspec {
	char		 component;
	int		 kind;		/* 0 none, 1 integer, 2 names, 3 zone */
	const struct marker *m;
};

static void
regex_literal(struct sbuf *re, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strchr(".*+?^${}()|[]\\", s[i]) != NULL)
			sbuf_addc(re, '\\');
		sbuf_addc(re, s[i]);
	}
}

static void
regex_integer(struct sbuf *re, const struct ipic *f, int n)
{
	static const char *const w[] = {
		"zero", "one", "two", "three", "four", "five", "six", "seven",
		"eight", "nine", "ten", "eleven", "twelve", "thirteen",
		"fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
		"nineteen", "zeroth", "first", "second", "third", "fourth",
		"fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
		"eleventh", "twelfth", "thirteenth", "fourteenth",
		"fifteenth", "sixteenth", "seventeenth", "eighteenth",
		"nineteenth", "twenty", "twentieth", "thirty", "thirtieth",
		"forty", "fortieth", "fifty", "fiftieth", "sixty",
		"sixtieth", "seventy", "seventieth", "eighty", "eightieth",
		"ninety", "ninetieth", "hundred", "hundredth", "thousand",
		"thousandth", "million", "millionth", "billion",
		"billionth", "trillion", "trillionth", "and", "[\\-, ]"
	};
	size_t i;

	switch (f->primary) {
	case P_LETTERS:
		sbuf_adds(re, f->tcase == C_UPPER ? "[A-Z]+" : "[a-z]+");
		break;
	case P_ROMAN:
		sbuf_adds(re, f->tcase == C_UPPER ? "[MDCLXVI]+" :
		    "[mdclxvi]+");
		break;
	case P_WORDS:
		sbuf_adds(re, "(?:");
		for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
			sbuf_addf(re, "%s%s", i ? "|" : "", w[i]);
		sbuf_adds(re, ")+");
		break;
	default:
		if (n > 0)
			sbuf_addf(re, "[0-9]{%d}", n);
		else
			sbuf_adds(re, "[0-9]+");
		if (f->ordinal)
			sbuf_adds(re, "(?:th|st|nd|rd)");
	}
}

/* The number a matched integer part stands for. */
static double
parse_int_part(struct jn_ctx *c, const char *s, size_t n, const struct ipic *f)
{
	struct jn_value *args[2], *r;
	char pic[8];
	size_t i;

	if (f->primary != P_DECIMAL) {
		/* $parseInteger's own readers, through a one-letter picture */
		snprintf(pic, sizeof(pic), "%s", f->primary == P_LETTERS ?
		    (f->tcase == C_UPPER ? "A" : "a") : f->primary == P_ROMAN ?
		    (f->tcase == C_UPPER ? "I" : "i") : "w");
		args[0] = jn_string(c->arena, s, n);
		args[1] = jn_cstring(c->arena, pic);
		r = fn_parse_integer(c, args, 2, NULL);
		return r->u.num.d;
	}
	if (f->ordinal && n >= 2)
		n -= 2;
	for (i = 0; i < n && isdigit((unsigned char)s[i]); i++)
		;
	return i == 0 ? NAN : strtod(jn_strndup(c->arena, s, i), NULL);
}

static double
parse_zone(const char *s, size_t n, const struct marker *m)
{
	const char *sep;
	double h, mi = 0;
	char buf[32];
	uint32_t sc = m->ifmt.regular && m->ifmt.nseps > 0 ?
	    m->ifmt.seps[0].ch : 0;

	if (m->component == 'z' && n >= 3) {
		s += 3;
		n -= 3;
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)(n > 30 ? 30 : n), s);
	if (sc != 0 && (sep = strchr(buf, (int)sc)) != NULL) {
		h = atoi(buf);
		mi = atoi(sep + 1);
	} else if (n - 1 <= 2)
		h = atoi(buf);
	else {
		mi = atoi(buf + 3);
		buf[3] = '\0';
		h = atoi(buf);
	}
	return h * 60 + mi;
}

static int
name_lookup(const struct marker *m, const char *s, size_t n)
{
	size_t i, k;
	const char *name;

	if (m->component == 'P') {
		if (n == 2 && (memcmp(s, "am", 2) == 0 ||
		    memcmp(s, "AM", 2) == 0))
			return 0;
		if (n == 2 && (memcmp(s, "pm", 2) == 0 ||
		    memcmp(s, "PM", 2) == 0))
			return 1;
		return -1;
	}
	for (i = 0; i < (m->component == 'F' ? 8u : 12u); i++) {
		if (m->component == 'F' && i == 0)
			continue;
		name = m->component == 'F' ? days[i] : months[i];
		k = strlen(name);
		if (m->wmax > 0 && k > (size_t)m->wmax)
			k = m->wmax;
		if (k == n && memcmp(name, s, n) == 0)
			return m->component == 'F' ? (int)i : (int)i + 1;
	}
	return -1;
}

static int
isType(int type, int mask)
{
	return !(~type & mask) && (type & mask);
}

struct jn_value *
jn_parse_datetime(struct jn_ctx *c, struct jn_value *ts, struct jn_value *pv)
{
	struct marker parts[MAXPARTS];
	struct sbuf re = SBUF_INIT;
	struct jn_regex *rx;
	struct tmx now;
	static const char dorder[] = "YXMxWwdD", torder[] = "PHhmsf";
	double val[128], millis, fd;
	int have[128], np, i, mask, dateA, dateB, dateC, dateD, timeA, timeB;
	int ng, any = 0, start = 0, endspec = 0, k;
	long *ov;
	const char *comps, *p;
	char dc[16];

	np = analyse_picture(c, pv->u.str.s, pv->u.str.len, parts);
	sbuf_addc(&re, '^');
	for (i = 0; i < np; i++) {
		const struct marker *m = &parts[i];
		sbuf_addc(&re, '(');
		if (m->literal)
			regex_literal(&re, m->text, m->tlen);
		else if (m->component == 'Z' || m->component == 'z') {
			if (m->component == 'z')
				sbuf_adds(&re, "GMT");
			sbuf_adds(&re, "[-+][0-9]+");
			if (m->ifmt.regular && m->ifmt.nseps > 0) {
				jn_put_utf8(&re, m->ifmt.seps[0].ch);
				sbuf_adds(&re, "[0-9]+");
			}
		} else if (m->has_int)
			regex_integer(&re, &m->ifmt, m->component == 'Y' ?
			    m->n : -1);
		else if (m->component == 'M' || m->component == 'x' ||
		    m->component == 'F' || m->component == 'P')
			sbuf_adds(&re, "[a-zA-Z]+");
		else {
			sbuf_free(&re);
			jn_throw(c, "D3133", c->position, "The 'name' modifier "
			    "can only be applied to months and days in the "
			    "date/time picture string, not %c", m->component);
		}
		sbuf_addc(&re, ')');
	}
	sbuf_addc(&re, '$');
	rx = jn_regex_new(c->arena, re.buf, re.len, 1);
	sbuf_free(&re);
	if (rx == NULL || !jn_regex_exec(c, rx, ts->u.str.s, ts->u.str.len, 0,
	    &ov, &ng))
		return NULL;
	/* (a field the picture lacks is undefined in JavaScript: not > 0) */
	memset(have, 0, sizeof(have));
	memset(val, 0, sizeof(val));
	for (i = 0; i < np && i < ng; i++) {
		const struct marker *m = &parts[i];
		const char *s = ts->u.str.s + ov[2 * (i + 1)];
		size_t n = ov[2 * (i + 1) + 1] - ov[2 * (i + 1)];
		unsigned char cc = (unsigned char)m->component;
		if (m->literal)
			continue;
		if (m->component == 'Z' || m->component == 'z')
			val[cc] = parse_zone(s, n, m);
		else if (m->has_int)
			val[cc] = parse_int_part(c, s, n, &m->ifmt);
		else {
			k = name_lookup(m, s, n);
			if (k < 0)
				continue;	/* lookup gives undefined */
			val[cc] = k;
		}
		have[cc] = 1;
		any = 1;
	}
	if (!any)
		return NULL;
	mask = 0;
	for (p = dorder; *p; p++)
		mask = mask << 1 | (have[(int)*p] && val[(int)*p] != 0 &&
		    !isnan(val[(int)*p]));
	dateA = isType(161, mask);
	dateB = !dateA && isType(130, mask);
	dateC = isType(84, mask);
	dateD = !dateC && isType(72, mask);
	mask = 0;
	for (p = torder; *p; p++)
		mask = mask << 1 | (have[(int)*p] && val[(int)*p] != 0 &&
		    !isnan(val[(int)*p]));
	timeA = isType(23, mask);
	timeB = !timeA && isType(47, mask);
	snprintf(dc, sizeof(dc), "%s%s", dateB ? "YD" : dateC ? "XxwF" :
	    dateD ? "XWF" : "YMD", timeB ? "Phmsf" : "Hmsf");
	comps = dc;
	breakdown((double)jn_now_ms(c), &now);
	for (p = comps; *p; p++) {
		int cc = (unsigned char)*p;
		if (!have[cc]) {
			if (start) {
				val[cc] = strchr("MDd", cc) ? 1 : 0;
				endspec = 1;
			} else
				val[cc] = cc == 'P' ? 0 : fragment(&now, *p);
			have[cc] = 1;
		} else {
			start = 1;
			if (endspec)
				jn_throw(c, "D3136", c->position, "The date/time "
				    "picture string is missing specifiers "
				    "required to parse the timestamp");
		}
	}
	val['M'] = val['M'] > 0 ? val['M'] - 1 : 0;
	if (dateB) {
		struct tmx d;
		fd = utc(val['Y'], 0, 1) + (val['d'] - 1) * DAY_MS;
		breakdown(fd, &d);
		val['M'] = d.mon - 1;
		val['D'] = d.day;
	}
	if (dateC || dateD)
		jn_throw(c, "D3136", c->position, "The date/time picture "
		    "string is missing specifiers required to parse the "
		    "timestamp");
	if (timeB) {
		val['H'] = val['h'] == 12 ? 0 : val['h'];
		if (val['P'] == 1)
			val['H'] += 12;
	}
	millis = utc(val['Y'], val['M'], val['D']) + val['H'] * 3600000 +
	    val['m'] * 60000 + val['s'] * 1000 + val['f'];
	if (have['Z'] && val['Z'] != 0)
		millis -= val['Z'] * 60000;
	else if (have['z'] && val['z'] != 0)
		millis -= val['z'] * 60000;
	if (isnan(millis))
		return NULL;
	return jn_number(c->arena, millis);
}
