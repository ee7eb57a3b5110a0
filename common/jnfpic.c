/*
 * jnfpic.c: $formatInteger and $parseInteger, the XPath fn:format-integer picture strings
 * as jsonata-js implements them: decimal digit patterns in any Unicode
 * digit family with optional digits and grouping separators (regular or
 * not), letters (a, A), roman numerals (i, I), English words (w, W, Ww),
 * and the ordinal modifier (;o).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jnfunc.h"
#include "jnpic.h"

static const uint32_t digit_families[] = {
	0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66,
	0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20,
	0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
	0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0,
	0xA9F0, 0xAA50, 0xABF0, 0xFF10
};

static int
gcd(int a, int b)
{
	return b == 0 ? a : gcd(b, a % b);
}

/* The interval of regularly repeated separators, or 0. */
static int
regular_repeat(const struct ipic *f)
{
	int i, k, factor;

	if (f->nseps == 0)
		return 0;
	for (i = 1; i < f->nseps; i++)
		if (f->seps[i].ch != f->seps[0].ch)
			return 0;
	factor = f->seps[0].position;
	for (i = 1; i < f->nseps; i++)
		factor = gcd(factor, f->seps[i].position);
	for (i = 1; i <= f->nseps; i++) {
		for (k = 0; k < f->nseps; k++)
			if (f->seps[k].position == i * factor)
				break;
		if (k == f->nseps)
			return 0;
	}
	return factor;
}

void
jn_pic_analyse(struct jn_ctx *c, const char *pic, size_t n, struct ipic *f)
{
	const char *semi = NULL;
	uint32_t cps[256];
	size_t i;
	int k, ncp, g, digit, pos = 0;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < n; i++)
		if (pic[i] == ';')
			semi = pic + i;
	if (semi != NULL) {
		if (semi + 1 < pic + n && semi[1] == 'o')
			f->ordinal = 1;
		n = semi - pic;
	}
	if (n == 1 && (pic[0] == 'A' || pic[0] == 'a')) {
		f->primary = P_LETTERS;
		f->tcase = pic[0] == 'A' ? C_UPPER : C_LOWER;
		return;
	}
	if (n == 1 && (pic[0] == 'I' || pic[0] == 'i')) {
		f->primary = P_ROMAN;
		f->tcase = pic[0] == 'I' ? C_UPPER : C_LOWER;
		return;
	}
	if ((n == 1 && (pic[0] == 'W' || pic[0] == 'w')) ||
	    (n == 2 && memcmp(pic, "Ww", 2) == 0)) {
		f->primary = P_WORDS;
		f->tcase = n == 2 ? C_TITLE : pic[0] == 'W' ? C_UPPER :
		    C_LOWER;
		return;
	}
	ncp = jn_utf8_decode(pic, n, cps, 256);
	for (k = ncp - 1; k >= 0; k--) {
		digit = 0;
		for (g = 0; g < (int)(sizeof(digit_families) /
		    sizeof(digit_families[0])); g++)
			if (cps[k] >= digit_families[g] &&
			    cps[k] <= digit_families[g] + 9) {
				digit = 1;
				f->mandatory++;
				pos++;
				if (f->zero == 0)
					f->zero = digit_families[g];
				else if (f->zero != digit_families[g])
					jn_throw(c, "D3131", c->position, "In a "
					    "decimal digit pattern, all digits "
					    "must be from the same decimal "
					    "group");
				break;
			}
		if (digit)
			continue;
		if (cps[k] == '#') {
			pos++;
			f->optional++;
		} else if (f->nseps < MAXSEP) {
			f->seps[f->nseps].position = pos;
			f->seps[f->nseps++].ch = cps[k];
		}
	}
	if (f->mandatory == 0) {
		f->primary = P_SEQUENCE;
		return;
	}
	f->primary = P_DECIMAL;
	f->regular = regular_repeat(f);
}

static const char *const few[] = {
	"Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven",
	"Eight", "Nine", "Ten", "Eleven", "Twelve", "Thirteen", "Fourteen",
	"Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"
};
static const char *const ordinals[] = {
	"Zeroth", "First", "Second", "Third", "Fourth", "Fifth", "Sixth",
	"Seventh", "Eighth", "Ninth", "Tenth", "Eleventh", "Twelfth",
	"Thirteenth", "Fourteenth", "Fifteenth", "Sixteenth", "Seventeenth",
	"Eighteenth", "Nineteenth"
};
static const char *const decades[] = {
	"Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty",
	"Ninety", "Hundred"
};
static const char *const magnitudes[] = {
	"Thousand", "Million", "Billion", "Trillion"
};

static void
words(struct sbuf *b, double num, int prev, int ord)
{
	double tens, rem, hundreds, factor, mant;
	int mag;

	if (num <= 19) {
		if (prev)
			sbuf_adds(b, " and ");
		sbuf_adds(b, ord ? ordinals[(int)num] : few[(int)num]);
	} else if (num < 100) {
		tens = floor(num / 10);
		rem = fmod(num, 10);
		if (prev)
			sbuf_adds(b, " and ");
		sbuf_adds(b, decades[(int)tens - 2]);
		if (rem > 0) {
			sbuf_addc(b, '-');
			words(b, rem, 0, ord);
		} else if (ord) {
			b->len--;		/* Twenty -> Twentieth */
			sbuf_adds(b, "ieth");
		}
	} else if (num < 1000) {
		hundreds = floor(num / 100);
		rem = fmod(num, 100);
		if (prev)
			sbuf_adds(b, ", ");
		sbuf_adds(b, few[(int)hundreds]);
		sbuf_adds(b, " Hundred");
		if (rem > 0)
			words(b, rem, 1, ord);
		else if (ord)
			sbuf_adds(b, "th");
	} else {
		mag = (int)floor(log10(num) / 3);
		if (mag > 4)
			mag = 4;
		factor = pow(10, mag * 3);
		mant = floor(num / factor);
		rem = num - mant * factor;
		if (prev)
			sbuf_adds(b, ", ");
		words(b, mant, 0, 0);
		sbuf_addc(b, ' ');
		sbuf_adds(b, magnitudes[mag - 1]);
		if (rem > 0)
			words(b, rem, 1, ord);
		else if (ord)
			sbuf_adds(b, "th");
	}
}

static void
roman(struct sbuf *b, double v)
{
	static const struct { int v; const char *s; } r[] = {
		{ 1000, "m" }, { 900, "cm" }, { 500, "d" }, { 400, "cd" },
		{ 100, "c" }, { 90, "xc" }, { 50, "l" }, { 40, "xl" },
		{ 10, "x" }, { 9, "ix" }, { 5, "v" }, { 4, "iv" }, { 1, "i" }
	};
	size_t i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		while (v >= r[i].v) {
			sbuf_adds(b, r[i].s);
			v -= r[i].v;
		}
}

static void
letters(struct sbuf *b, double v, char a)
{
	char buf[64];
	int k = 64;

	while (v > 0 && k > 0) {
		buf[--k] = (char)(a + (int)fmod(v - 1, 26));
		v = floor((v - 1) / 26);
	}
	sbuf_add(b, buf + k, 64 - k);
}

static void
set_case(struct sbuf *b, size_t from, int tcase)
{
	size_t i;

	for (i = from; i < b->len; i++) {
		char ch = b->buf[i];
		if (tcase == C_UPPER && ch >= 'a' && ch <= 'z')
			b->buf[i] = ch - 32;
		else if (tcase == C_LOWER && ch >= 'A' && ch <= 'Z')
			b->buf[i] = ch + 32;
	}
}

static void
decimal(struct sbuf *b, double v, const struct ipic *f)
{
	uint32_t digits[400];
	char tmp[400];
	int nd, i, k, len, pad, nsep;
	int at[400];
	uint32_t sepch[400];
	uint64_t u;

	if (v < 1e15 && v == floor(v)) {
		/* the usual date and time fields: no printf needed */
		u = (uint64_t)v;
		len = 0;
		do
			tmp[len++] = '0' + u % 10;
		while ((u /= 10) != 0);
		for (i = 0; i < len / 2; i++) {
			char t = tmp[i];
			tmp[i] = tmp[len - 1 - i];
			tmp[len - 1 - i] = t;
		}
		tmp[len] = '\0';
	} else {
		snprintf(tmp, sizeof(tmp), "%.0f", v);
		len = (int)strlen(tmp);
	}
	pad = f->mandatory - len;
	if (f->zero == '0' && f->nseps == 0 && f->regular == 0) {
		/* ASCII digits without separators: as they are, padded */
		for (nd = 0; nd < pad && nd < 300; nd++)
			sbuf_addc(b, '0');
		sbuf_add(b, tmp, len < 300 - nd ? len : 300 - nd);
		goto ordinal;
	}
	nd = 0;
	for (i = 0; i < pad && nd < 300; i++)
		digits[nd++] = f->zero;
	for (i = 0; i < len && nd < 300; i++)
		digits[nd++] = f->zero + (uint32_t)(tmp[i] - '0');
	/* where separators go: before digit index at[k] (from the left) */
	nsep = 0;
	if (f->regular > 0) {
		for (k = (nd - 1) / f->regular; k > 0; k--) {
			at[nsep] = nd - k * f->regular;
			sepch[nsep++] = f->seps[0].ch;
		}
	} else
		for (k = f->nseps - 1; k >= 0 && nsep < 400; k--) {
			at[nsep] = nd - f->seps[k].position;
			sepch[nsep++] = f->seps[k].ch;
		}
	for (i = 0; i <= nd; i++) {
		for (k = 0; k < nsep; k++)
			if (at[k] == i && i > 0)
				jn_put_utf8(b, sepch[k]);
		if (i < nd)
			jn_put_utf8(b, digits[i]);
	}
ordinal:
	if (f->ordinal) {
		char last = len > 0 ? tmp[len - 1] : '0';
		char prev = len > 1 ? tmp[len - 2] : '0';
		sbuf_adds(b, prev == '1' ? "th" : last == '1' ? "st" :
		    last == '2' ? "nd" : last == '3' ? "rd" : "th");
	}
}

/*
 * NaN (the fields of a time outside JavaScript's dates), as jsonata-js
 * writes it: "NaN" padded to the mandatory digits, "th" when ordinal, no
 * roman numeral or letters, and no words (jsonata-js recurses without
 * end there).
 */
static void
pic_nan(struct jn_ctx *c, struct sbuf *b, const struct ipic *f)
{
	int i;

	switch (f->primary) {
	case P_DECIMAL:
		for (i = 3; i < f->mandatory && i < 300; i++)
			jn_put_utf8(b, f->zero);
		sbuf_adds(b, "NaN");
		if (f->ordinal)
			sbuf_adds(b, "th");
		break;
	case P_WORDS:
		jn_throw(c, "U1001", c->position, "Stack overflow error: "
		    "NaN has no words");
	default:
		break;
	}
}

void
jn_pic_format(struct jn_ctx *c, struct sbuf *b, double v,
    const struct ipic *f)
{
	size_t start;

	if (isnan(v)) {
		pic_nan(c, b, f);
		return;
	}
	if (v < 0)
		sbuf_addc(b, '-');
	start = b->len;
	v = fabs(v);
	switch (f->primary) {
	case P_LETTERS:
		letters(b, v, f->tcase == C_UPPER ? 'A' : 'a');
		break;
	case P_ROMAN:
		/* an "m" a thousand: jsonata-js would write forever */
		if (v >= 1e10)
			jn_throw(c, "D3000", c->position, "Roman numerals of %g "
			    "would be too long", v);
		roman(b, v);
		set_case(b, start, f->tcase);
		break;
	case P_WORDS:
		words(b, v, 0, f->ordinal);
		if (f->tcase != C_TITLE)
			set_case(b, start, f->tcase);
		break;
	case P_DECIMAL:
		decimal(b, v, f);
		break;
	default:
		jn_throw(c, "D3130", c->position, "Formatting or parsing an "
		    "integer as a sequence is not supported by this "
		    "implementation");
	}
}

struct jn_value *
fn_format_integer(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct sbuf b = SBUF_INIT;
	struct jn_value *r;
	struct ipic f;

	if (a[0] == NULL)
		return NULL;
	if (a[1] == NULL)
		jn_sig_missing(c, 2);
	jn_pic_analyse(c, a[1]->u.str.s, a[1]->u.str.len, &f);
	jn_hold(c, &b);
	jn_pic_format(c, &b, floor(a[0]->u.num.d), &f);
	r = jn_string(c->arena, b.buf ? b.buf : "", b.len);
	jn_release(c, &b);
	return r;
}

/* The value of one lower-case number word, or -1. */
static double
word_value(const char *w, size_t n)
{
	static const char *const decl[] = {
		"twenty", "thirty", "forty", "fifty", "sixty", "seventy",
		"eighty", "ninety", "hundred"
	};
	static const char *const decieth[] = {
		"twentieth", "thirtieth", "fortieth", "fiftieth", "sixtieth",
		"seventieth", "eightieth", "ninetieth", "hundreth"
	};
	static const char *const mags[] = {
		"thousand", "million", "billion", "trillion"
	};
	char buf[32];
	size_t i;

	for (i = 0; i < 20; i++) {
		snprintf(buf, sizeof(buf), "%s", few[i]);
		buf[0] += 32;
		if (strlen(buf) == n && memcmp(buf, w, n) == 0)
			return (double)i;
		snprintf(buf, sizeof(buf), "%s", ordinals[i]);
		buf[0] += 32;
		if (strlen(buf) == n && memcmp(buf, w, n) == 0)
			return (double)i;
	}
	for (i = 0; i < 9; i++)
		if ((strlen(decl[i]) == n && memcmp(decl[i], w, n) == 0) ||
		    (strlen(decieth[i]) == n && memcmp(decieth[i], w, n) == 0))
			return (double)(i + 2) * 10;
	if (n == 9 && memcmp(w, "hundredth", 9) == 0)
		return 100;
	for (i = 0; i < 4; i++) {
		size_t k = strlen(mags[i]);
		if ((k == n || (k + 2 == n && memcmp(w + k, "th", 2) == 0)) &&
		    memcmp(mags[i], w, k) == 0)
			return pow(10, (double)(i + 1) * 3);
	}
	return -1;
}

static int
isspc(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	    ch == '\f' || ch == '\v';
}

/* jsonata-js wordsToNumber: "one hundred and twenty-three" -> 123. */
static double
words_to_number(const char *s, size_t n)
{
	double segs[64], v, top, sum = 0;
	int ns = 1, i;
	size_t p = 0, start = 0, sep;

	segs[0] = 0;
	for (;;) {
		sep = 0;
		if (p < n && s[p] == ',' && p + 1 < n && isspc(s[p + 1]))
			sep = 2;
		else if (p + 4 < n && isspc(s[p]) && memcmp(s + p + 1, "and",
		    3) == 0 && isspc(s[p + 4]))
			sep = 5;
		else if (p < n && (isspc(s[p]) || s[p] == '-' || s[p] == '\\'))
			sep = 1;
		if (sep == 0 && p < n) {
			p++;
			continue;
		}
		v = word_value(s + start, p - start);
		if (v < 0)
			return NAN;
		if (v < 100) {
			top = segs[--ns];
			if (top >= 1000 && ns < 63) {
				segs[ns++] = top;
				top = 0;
			}
			segs[ns++] = top + v;
		} else
			segs[ns - 1] *= v;
		if (p >= n || ns >= 63)
			break;
		p += sep;
		start = p;
	}
	for (i = 0; i < ns; i++)
		sum += segs[i];
	return sum;
}

static double
roman_to_number(const char *s, size_t n)
{
	double dec = 0, max = 1, v;
	size_t i;

	for (i = n; i-- > 0; ) {
		switch (s[i] & ~32) {
		case 'M': v = 1000; break;
		case 'D': v = 500; break;
		case 'C': v = 100; break;
		case 'L': v = 50; break;
		case 'X': v = 10; break;
		case 'V': v = 5; break;
		case 'I': v = 1; break;
		default: return NAN;
		}
		if (v < max)
			dec -= v;
		else {
			max = v;
			dec += v;
		}
	}
	return dec;
}

static double
letters_to_number(const char *s, size_t n, char a)
{
	double dec = 0;
	size_t i;

	for (i = 0; i < n; i++)
		dec += (s[n - i - 1] - a + 1) * pow(26, (double)i);
	return dec;
}

/* Digits of S with separators dropped and the digit family mapped to 0-9. */
static double
digits_to_number(const char *s, size_t n, const struct ipic *f)
{
	uint32_t cps[512];
	char buf[512];
	int ncp, i, k, b = 0, drop;

	ncp = jn_utf8_decode(s, n, cps, 512);
	if (f->ordinal && ncp >= 2)
		ncp -= 2;
	for (i = 0; i < ncp && b < 500; i++) {
		drop = 0;
		if (f->regular > 0)
			drop = cps[i] == ',';
		else
			for (k = 0; k < f->nseps; k++)
				if (cps[i] == f->seps[k].ch)
					drop = 1;
		if (drop)
			continue;
		if (cps[i] >= f->zero && cps[i] <= f->zero + 9)
			buf[b++] = (char)('0' + cps[i] - f->zero);
		else
			buf[b++] = cps[i] < 0x80 ? (char)cps[i] : '?';
	}
	buf[b] = '\0';
	/* parseInt: the leading integer */
	for (i = buf[0] == '-' || buf[0] == '+'; buf[i] >= '0' &&
	    buf[i] <= '9'; i++)
		;
	if (i == (buf[0] == '-' || buf[0] == '+'))
		return NAN;
	buf[i] = '\0';
	return strtod(buf, NULL);
}

struct jn_value *
fn_parse_integer(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct ipic f;
	const char *s;
	size_t len;
	double v;

	if (a[0] == NULL)
		return NULL;
	if (a[1] == NULL)
		jn_sig_missing(c, 2);
	s = a[0]->u.str.s;
	len = a[0]->u.str.len;
	jn_pic_analyse(c, a[1]->u.str.s, a[1]->u.str.len, &f);
	switch (f.primary) {
	case P_LETTERS:
		v = letters_to_number(s, len, f.tcase == C_UPPER ? 'A' : 'a');
		break;
	case P_ROMAN:
		v = roman_to_number(s, len);
		break;
	case P_WORDS: {
		char *low = jn_strndup(c->arena, s, len);
		size_t i;
		for (i = 0; i < len; i++)
			if (low[i] >= 'A' && low[i] <= 'Z')
				low[i] += 32;
		v = words_to_number(low, len);
		break;
	}
	case P_DECIMAL:
		v = digits_to_number(s, len, &f);
		break;
	default:
		jn_throw(c, "D3130", c->position, "Formatting or parsing an "
		    "integer as a sequence starting with %.*s is not supported "
		    "by this implementation", (int)a[1]->u.str.len,
		    a[1]->u.str.s);
	}
	return jn_number(c->arena, v);
}
