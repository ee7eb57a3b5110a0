/*
 * intrinsic.c: States.* intrinsic functions; see intrinsic.h.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>
#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include "clock.h"
#include "intrinsic.h"
#include "jpath.h"
#include "num.h"
#include "sbuf.h"
#include "xalloc.h"

enum fn {
	FN_FORMAT, FN_STRINGTOJSON, FN_JSONTOSTRING, FN_ARRAY,
	FN_ARRAYPARTITION, FN_ARRAYCONTAINS, FN_ARRAYRANGE, FN_ARRAYGETITEM,
	FN_ARRAYLENGTH, FN_ARRAYUNIQUE, FN_BASE64ENCODE, FN_BASE64DECODE,
	FN_HASH, FN_JSONMERGE, FN_MATHRANDOM, FN_MATHADD, FN_STRINGSPLIT,
	FN_UUID
};

static const struct {
	const char	*name;
	int		 min, max;	/* argument counts; -1: any */
} fns[] = {
	[FN_FORMAT] = { "Format", 1, -1 },
	[FN_STRINGTOJSON] = { "StringToJson", 1, 1 },
	[FN_JSONTOSTRING] = { "JsonToString", 1, 1 },
	[FN_ARRAY] = { "Array", 0, -1 },
	[FN_ARRAYPARTITION] = { "ArrayPartition", 2, 2 },
	[FN_ARRAYCONTAINS] = { "ArrayContains", 2, 2 },
	[FN_ARRAYRANGE] = { "ArrayRange", 3, 3 },
	[FN_ARRAYGETITEM] = { "ArrayGetItem", 2, 2 },
	[FN_ARRAYLENGTH] = { "ArrayLength", 1, 1 },
	[FN_ARRAYUNIQUE] = { "ArrayUnique", 1, 1 },
	[FN_BASE64ENCODE] = { "Base64Encode", 1, 1 },
	[FN_BASE64DECODE] = { "Base64Decode", 1, 1 },
	[FN_HASH] = { "Hash", 2, 2 },
	[FN_JSONMERGE] = { "JsonMerge", 3, 3 },
	[FN_MATHRANDOM] = { "MathRandom", 2, 3 },
	[FN_MATHADD] = { "MathAdd", 2, 2 },
	[FN_STRINGSPLIT] = { "StringSplit", 2, 2 },
	[FN_UUID] = { "UUID", 0, 0 }
};

#define NFNS	(sizeof(fns) / sizeof(fns[0]))

enum arg_kind { A_VALUE, A_PATH, A_CALL };

struct iarg {
	enum arg_kind	 kind;
	jv		 value;		/* A_VALUE */
	char		*raw;		/* string literal as written */
	struct jpath	*path;
	struct ifn	*call;
};

struct ifn {
	enum fn		 fn;
	struct iarg	*args;
	size_t		 nargs;
	char		*text;
};

struct iparser {
	const char	*s;
	size_t		 pos;
	char		*err;
	int		 depth;
};

void
asl_error_set(struct asl_error *e, const char *error, const char *fmt, ...)
{
	va_list ap;
	char *c = NULL;

	free(e->error);
	free(e->cause);
	e->error = error != NULL ? xstrdup(error) : NULL;
	if (fmt != NULL) {
		va_start(ap, fmt);
		if (vasprintf(&c, fmt, ap) < 0)
			c = xstrdup("");
		va_end(ap);
	}
	e->cause = c;
}

void
asl_error_free(struct asl_error *e)
{
	free(e->error);
	free(e->cause);
	e->error = e->cause = NULL;
}

int
ifn_is_call(const char *s)
{
	return strncmp(s, "States.", 7) == 0 && strchr(s, '(') != NULL;
}

static void
ws(struct iparser *p)
{
	while (isspace((unsigned char)p->s[p->pos]))
		p->pos++;
}

static int
ierr(struct iparser *p, const char *what)
{
	if (p->err[0] == '\0')
		snprintf(p->err, IFN_ERRSZ, "%s at offset %zu", what, p->pos);
	return -1;
}

static struct ifn *parse_call(struct iparser *);

/* A path argument: up to ',' or ')' outside quotes and brackets. */
static int
parse_path_arg(struct iparser *p, struct iarg *a)
{
	size_t start = p->pos, end;
	int depth = 0;
	char q = 0, perr[JPATH_ERRSZ], *text;

	for (;; p->pos++) {
		char c = p->s[p->pos];

		if (c == '\0')
			break;
		if (q) {
			if (c == '\\' && p->s[p->pos + 1] != '\0')
				p->pos++;
			else if (c == q)
				q = 0;
			continue;
		}
		if (c == '\'' || c == '"')
			q = c;
		else if (c == '[' || c == '(')
			depth++;
		else if ((c == ']' || c == ')') && depth > 0)
			depth--;
		else if ((c == ',' || c == ')') && depth == 0)
			break;
	}
	end = p->pos;
	while (end > start && isspace((unsigned char)p->s[end - 1]))
		end--;
	text = xstrndup(p->s + start, end - start);
	a->kind = A_PATH;
	a->path = jpath_compile_vars(text, perr);
	if (a->path == NULL) {
		snprintf(p->err, IFN_ERRSZ, "invalid path '%s': %s", text,
		    perr);
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

static int
parse_arg(struct iparser *p, struct iarg *a)
{
	const char *s;
	char *end;

	ws(p);
	s = p->s + p->pos;
	a->value = jv_invalid();
	if (*s == '\'') {
		struct sbuf val = SBUF_INIT, raw = SBUF_INIT;

		p->pos++;
		for (;;) {
			char c = p->s[p->pos];

			if (c == '\0') {
				sbuf_free(&val);
				sbuf_free(&raw);
				return ierr(p, "unterminated string");
			}
			p->pos++;
			if (c == '\'')
				break;
			sbuf_addc(&raw, c);
			if (c == '\\' && p->s[p->pos] != '\0') {
				c = p->s[p->pos++];
				sbuf_addc(&raw, c);
			}
			sbuf_addc(&val, c);
		}
		sbuf_grow(&val, 0);
		sbuf_grow(&raw, 0);
		a->kind = A_VALUE;
		a->value = jv_string_sized(val.buf, (int)val.len);
		a->raw = sbuf_detach(&raw, NULL);
		sbuf_free(&val);
		return 0;
	}
	if (*s == '$')
		return parse_path_arg(p, a);
	if (strncmp(s, "States.", 7) == 0) {
		a->kind = A_CALL;
		return (a->call = parse_call(p)) == NULL ? -1 : 0;
	}
	a->kind = A_VALUE;
	if (strncmp(s, "true", 4) == 0) {
		a->value = jv_true();
		p->pos += 4;
		return 0;
	}
	if (strncmp(s, "false", 5) == 0) {
		a->value = jv_false();
		p->pos += 5;
		return 0;
	}
	if (strncmp(s, "null", 4) == 0) {
		a->value = jv_null();
		p->pos += 4;
		return 0;
	}
	if (*s == '-' || isdigit((unsigned char)*s)) {
		double d = strtod(s, &end);

		if (end == s)
			return ierr(p, "invalid number");
		p->pos += (size_t)(end - s);
		a->value = jv_number(d);
		return 0;
	}
	return ierr(p, "invalid argument");
}

static struct ifn *
parse_call(struct iparser *p)
{
	struct ifn *f;
	size_t start = p->pos, n, i;

	if (++p->depth > IFN_MAXDEPTH) {
		ierr(p, "intrinsic functions nested more than 10 deep");
		return NULL;
	}
	if (strncmp(p->s + p->pos, "States.", 7) != 0) {
		ierr(p, "expected 'States.'");
		return NULL;
	}
	p->pos += 7;
	for (n = 0; isalnum((unsigned char)p->s[p->pos + n]); n++)
		;
	for (i = 0; i < NFNS; i++)
		if (strlen(fns[i].name) == n &&
		    strncmp(fns[i].name, p->s + p->pos, n) == 0)
			break;
	if (i == NFNS) {
		snprintf(p->err, IFN_ERRSZ, "unknown intrinsic function "
		    "'States.%.*s'", (int)n, p->s + p->pos);
		return NULL;
	}
	p->pos += n;
	ws(p);
	if (p->s[p->pos] != '(') {
		ierr(p, "expected '('");
		return NULL;
	}
	p->pos++;
	f = xcalloc(1, sizeof(*f));
	f->fn = (enum fn)i;
	ws(p);
	if (p->s[p->pos] == ')')
		p->pos++;
	else
		for (;;) {
			f->args = xreallocarray(f->args, f->nargs + 1,
			    sizeof(*f->args));
			memset(&f->args[f->nargs], 0, sizeof(*f->args));
			f->args[f->nargs].value = jv_invalid();
			if (parse_arg(p, &f->args[f->nargs++]) != 0) {
				ifn_free(f);
				return NULL;
			}
			ws(p);
			if (p->s[p->pos] == ',') {
				p->pos++;
				continue;
			}
			if (p->s[p->pos] == ')') {
				p->pos++;
				break;
			}
			ierr(p, "expected ',' or ')'");
			ifn_free(f);
			return NULL;
		}
	if ((int)f->nargs < fns[i].min ||
	    (fns[i].max >= 0 && (int)f->nargs > fns[i].max)) {
		snprintf(p->err, IFN_ERRSZ, "States.%s takes %s%d argument%s, "
		    "not %zu", fns[i].name, fns[i].max < 0 ? "at least " :
		    fns[i].min != fns[i].max ? "at most " : "",
		    fns[i].max < 0 ? fns[i].min : fns[i].max,
		    (fns[i].max < 0 ? fns[i].min : fns[i].max) == 1 ? "" : "s",
		    f->nargs);
		ifn_free(f);
		return NULL;
	}
	f->text = xstrndup(p->s + start, p->pos - start);
	p->depth--;
	return f;
}

struct ifn *
ifn_compile(const char *text, char err[IFN_ERRSZ])
{
	struct iparser p;
	struct ifn *f;

	err[0] = '\0';
	p.s = text;
	p.pos = 0;
	p.err = err;
	p.depth = 0;
	if ((f = parse_call(&p)) == NULL)
		return NULL;
	ws(&p);
	if (text[p.pos] != '\0') {
		ierr(&p, "unexpected text after the call");
		ifn_free(f);
		return NULL;
	}
	return f;
}

void
ifn_free(struct ifn *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nargs; i++) {
		jv_free(f->args[i].value);
		free(f->args[i].raw);
		jpath_free(f->args[i].path);
		ifn_free(f->args[i].call);
	}
	free(f->args);
	free(f->text);
	free(f);
}

/* Evaluation. */

static void
java_number(double d, struct sbuf *out)
{
	char buf[40];
	int prec;

	if (d == floor(d) && fabs(d) < 1e17) {
		sbuf_addf(out, "%.0f", d);
		return;
	}
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*g", prec, d);
	sbuf_adds(out, buf);
}

void
ifn_java_string(jv v, struct sbuf *out)
{
	int i, n, it, first = 1;

	switch (jv_get_kind(v)) {
	case JV_KIND_STRING:
		sbuf_add(out, jv_string_value(v),
		    (size_t)jv_string_length_bytes(jv_copy(v)));
		break;
	case JV_KIND_NUMBER:
		java_number(jv_number_value(v), out);
		break;
	case JV_KIND_NULL:
		sbuf_adds(out, "null");
		break;
	case JV_KIND_TRUE:
		sbuf_adds(out, "true");
		break;
	case JV_KIND_FALSE:
		sbuf_adds(out, "false");
		break;
	case JV_KIND_ARRAY:
		sbuf_addc(out, '[');
		n = jv_array_length(jv_copy(v));
		for (i = 0; i < n; i++) {
			jv x = jv_array_get(jv_copy(v), i);

			if (i > 0)
				sbuf_adds(out, ", ");
			ifn_java_string(x, out);
			jv_free(x);
		}
		sbuf_addc(out, ']');
		break;
	case JV_KIND_OBJECT:
		sbuf_addc(out, '{');
		for (it = jv_object_iter(v); jv_object_iter_valid(v, it);
		    it = jv_object_iter_next(v, it)) {
			jv k = jv_object_iter_key(v, it);
			jv x = jv_object_iter_value(v, it);

			if (!first)
				sbuf_adds(out, ", ");
			first = 0;
			sbuf_adds(out, jv_string_value(k));
			sbuf_addc(out, '=');
			ifn_java_string(x, out);
			jv_free(k);
			jv_free(x);
		}
		sbuf_addc(out, '}');
		break;
	default:
		break;
	}
}

static jv
fail(struct asl_error *e, const struct ifn *f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static jv
fail(struct asl_error *e, const struct ifn *f, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	asl_error_set(e, "States.IntrinsicFailure", "Invalid arguments in "
	    "States.%s: %s", fns[f->fn].name, msg != NULL ? msg : "");
	free(msg);
	return jv_invalid();
}

static int
is_int(jv v, long long *out)
{
	double d;

	if (jv_get_kind(v) != JV_KIND_NUMBER)
		return 0;
	d = jv_number_value(v);
	if (d != floor(d) || fabs(d) > 9.2e18)
		return 0;
	*out = (long long)d;
	return 1;
}

/* Java's Math.round: floor(x + 0.5). */
static double
java_round(double d)
{
	return floor(d + 0.5);
}

static jv
do_format(const struct ifn *f, jv *v, struct asl_error *e)
{
	struct sbuf b = SBUF_INIT;
	const char *t;
	size_t argi = 1, i, len;
	jv r;

	if (jv_get_kind(v[0]) != JV_KIND_STRING)
		return fail(e, f, "the template is not a string");
	/* A literal template keeps its escapes; a path's value has none. */
	t = f->args[0].kind == A_VALUE ? f->args[0].raw : jv_string_value(v[0]);
	len = strlen(t);
	for (i = 0; i < len; i++) {
		if (t[i] == '\\' && i + 1 < len &&
		    f->args[0].kind == A_VALUE) {
			sbuf_addc(&b, t[++i]);
			continue;
		}
		if (t[i] == '{' && i + 1 < len && t[i + 1] == '}') {
			if (argi >= f->nargs) {
				sbuf_free(&b);
				return fail(e, f, "the number of arguments "
				    "does not match the number of placeholders");
			}
			ifn_java_string(v[argi++], &b);
			i++;
			continue;
		}
		sbuf_addc(&b, t[i]);
	}
	if (argi != f->nargs) {
		sbuf_free(&b);
		return fail(e, f, "the number of arguments does not match the "
		    "number of placeholders");
	}
	r = jv_string_sized(b.buf != NULL ? b.buf : "", (int)b.len);
	sbuf_free(&b);
	return r;
}

int
ifn_hash_hex(const char *a, const char *s, size_t n,
    char hex[IFN_HASH_HEXSZ])
{
	uint8_t d[SHA512_DIGEST_SIZE];
	size_t dl;

	if (strcmp(a, "MD5") == 0) {
		struct md5_ctx c;

		md5_init(&c);
		md5_update(&c, n, (const uint8_t *)s);
		md5_digest(&c, dl = MD5_DIGEST_SIZE, d);
	} else if (strcmp(a, "SHA-1") == 0) {
		struct sha1_ctx c;

		sha1_init(&c);
		sha1_update(&c, n, (const uint8_t *)s);
		sha1_digest(&c, dl = SHA1_DIGEST_SIZE, d);
	} else if (strcmp(a, "SHA-256") == 0) {
		struct sha256_ctx c;

		sha256_init(&c);
		sha256_update(&c, n, (const uint8_t *)s);
		sha256_digest(&c, dl = SHA256_DIGEST_SIZE, d);
	} else if (strcmp(a, "SHA-384") == 0) {
		struct sha384_ctx c;

		sha384_init(&c);
		sha384_update(&c, n, (const uint8_t *)s);
		sha384_digest(&c, dl = SHA384_DIGEST_SIZE, d);
	} else if (strcmp(a, "SHA-512") == 0) {
		struct sha512_ctx c;

		sha512_init(&c);
		sha512_update(&c, n, (const uint8_t *)s);
		sha512_digest(&c, dl = SHA512_DIGEST_SIZE, d);
	} else
		return -1;
	num_hex(hex, d, dl);
	return 0;
}

static jv
do_hash(const struct ifn *f, jv data, jv alg, struct asl_error *e)
{
	char hex[IFN_HASH_HEXSZ];

	if (jv_get_kind(data) != JV_KIND_STRING ||
	    jv_get_kind(alg) != JV_KIND_STRING)
		return fail(e, f, "the data and the algorithm must be "
		    "strings");
	if (ifn_hash_hex(jv_string_value(alg), jv_string_value(data),
	    (size_t)jv_string_length_bytes(jv_copy(data)), hex) != 0)
		return fail(e, f, "unsupported algorithm '%s' (MD5, SHA-1, "
		    "SHA-256, SHA-384, SHA-512)", jv_string_value(alg));
	return jv_string(hex);
}

static jv
do_base64(const struct ifn *f, jv s, int decode, struct asl_error *e)
{
	const char *p;
	size_t n, outn;
	char *buf;
	jv r;

	if (jv_get_kind(s) != JV_KIND_STRING)
		return fail(e, f, "the argument is not a string");
	p = jv_string_value(s);
	n = (size_t)jv_string_length_bytes(jv_copy(s));
	if (n > 10000)
		return fail(e, f, "the input is longer than 10000 "
		    "characters");
	if (!decode) {
		buf = xmalloc(BASE64_ENCODE_RAW_LENGTH(n) + 1);
		base64_encode_raw((char *)buf, n, (const uint8_t *)p);
		r = jv_string_sized(buf, (int)BASE64_ENCODE_RAW_LENGTH(n));
	} else {
		struct base64_decode_ctx c;

		buf = xmalloc(BASE64_DECODE_LENGTH(n) + 1);
		base64_decode_init(&c);
		outn = BASE64_DECODE_LENGTH(n);
		if (!base64_decode_update(&c, &outn, (uint8_t *)buf, n, p) ||
		    !base64_decode_final(&c)) {
			free(buf);
			return fail(e, f, "the input is not valid base64");
		}
		r = jv_string_sized(buf, (int)outn);
		if (!jv_is_valid(r)) {
			jv_free(r);
			r = jv_string_sized("", 0);
		}
	}
	free(buf);
	return r;
}

static jv
do_split(const struct ifn *f, jv s, jv d, struct asl_error *e)
{
	const char *p, *delims;
	size_t n, i, start;
	jv r = jv_array();

	if (jv_get_kind(s) != JV_KIND_STRING ||
	    jv_get_kind(d) != JV_KIND_STRING) {
		jv_free(r);
		return fail(e, f, "the arguments must be strings");
	}
	p = jv_string_value(s);
	n = (size_t)jv_string_length_bytes(jv_copy(s));
	delims = jv_string_value(d);
	for (i = 0; i < n;) {
		while (i < n && strchr(delims, p[i]) != NULL && p[i] != '\0')
			i++;
		start = i;
		while (i < n && (strchr(delims, p[i]) == NULL || p[i] == '\0'))
			i++;
		if (i > start)
			r = jv_array_append(r, jv_string_sized(p + start,
			    (int)(i - start)));
	}
	return r;
}

static int
array_index(jv a, jv x)
{
	int i, n = jv_array_length(jv_copy(a));

	for (i = 0; i < n; i++)
		if (jv_equal(jv_array_get(jv_copy(a), i), jv_copy(x)))
			return i;
	return -1;
}

static jv
apply(const struct ifn *f, jv *v, struct asl_error *e)
{
	long long a, b, c, i, n;
	jv r;

	switch (f->fn) {
	case FN_FORMAT:
		return do_format(f, v, e);
	case FN_STRINGTOJSON: {
		const char *s;

		if (jv_get_kind(v[0]) != JV_KIND_STRING)
			return fail(e, f, "the argument is not a string");
		s = jv_string_value(v[0]);
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			return jv_null();
		r = jv_parse(s);
		if (!jv_is_valid(r)) {
			jv_free(r);
			return fail(e, f, "the argument is not valid JSON");
		}
		return r;
	}
	case FN_JSONTOSTRING:
		return jv_dump_string(jv_copy(v[0]), 0);
	case FN_ARRAY:
		r = jv_array();
		for (i = 0; i < (long long)f->nargs; i++)
			r = jv_array_append(r, jv_copy(v[i]));
		return r;
	case FN_ARRAYPARTITION:
		if (jv_get_kind(v[0]) != JV_KIND_ARRAY || !is_int(v[1], &b) ||
		    b <= 0)
			return fail(e, f, "expected an array and a positive "
			    "chunk size");
		r = jv_array();
		n = jv_array_length(jv_copy(v[0]));
		for (i = 0; i < n; i += b)
			r = jv_array_append(r, jv_array_slice(jv_copy(v[0]),
			    (int)i, (int)(i + b < n ? i + b : n)));
		return r;
	case FN_ARRAYCONTAINS:
		if (jv_get_kind(v[0]) != JV_KIND_ARRAY)
			return fail(e, f, "the first argument is not an "
			    "array");
		return jv_bool(array_index(v[0], v[1]) >= 0);
	case FN_ARRAYRANGE:
		if (!is_int(v[0], &a) || !is_int(v[1], &b) ||
		    !is_int(v[2], &c) || c == 0)
			return fail(e, f, "expected integer start, end and a "
			    "non-zero step");
		n = (b - a) / c + 1;
		if (n > 1000)
			return fail(e, f, "the range has more than 1000 "
			    "items");
		r = jv_array();
		for (i = a; c > 0 ? i <= b : i >= b; i += c)
			r = jv_array_append(r, jv_number((double)i));
		return r;
	case FN_ARRAYGETITEM:
		if (jv_get_kind(v[0]) != JV_KIND_ARRAY || !is_int(v[1], &b))
			return fail(e, f, "expected an array and an integer "
			    "index");
		n = jv_array_length(jv_copy(v[0]));
		if (b < 0 || b >= n)
			return fail(e, f, "index %lld out of bounds", b);
		return jv_array_get(jv_copy(v[0]), (int)b);
	case FN_ARRAYLENGTH:
		if (jv_get_kind(v[0]) != JV_KIND_ARRAY)
			return fail(e, f, "the argument is not an array");
		return jv_number(jv_array_length(jv_copy(v[0])));
	case FN_ARRAYUNIQUE:
		if (jv_get_kind(v[0]) != JV_KIND_ARRAY)
			return fail(e, f, "the argument is not an array");
		r = jv_array();
		n = jv_array_length(jv_copy(v[0]));
		for (i = 0; i < n; i++) {
			jv x = jv_array_get(jv_copy(v[0]), (int)i);

			if (array_index(r, x) < 0)
				r = jv_array_append(r, x);
			else
				jv_free(x);
		}
		return r;
	case FN_BASE64ENCODE:
		return do_base64(f, v[0], 0, e);
	case FN_BASE64DECODE:
		return do_base64(f, v[0], 1, e);
	case FN_HASH:
		return do_hash(f, v[0], v[1], e);
	case FN_JSONMERGE: {
		int it;

		if (jv_get_kind(v[0]) != JV_KIND_OBJECT ||
		    jv_get_kind(v[1]) != JV_KIND_OBJECT)
			return fail(e, f, "the first two arguments must be "
			    "objects");
		if (jv_get_kind(v[2]) != JV_KIND_FALSE)
			return fail(e, f, "only shallow merges are supported "
			    "(the third argument must be false)");
		r = jv_copy(v[0]);
		for (it = jv_object_iter(v[1]); jv_object_iter_valid(v[1], it);
		    it = jv_object_iter_next(v[1], it))
			r = jv_object_set(r, jv_object_iter_key(v[1], it),
			    jv_object_iter_value(v[1], it));
		return r;
	}
	case FN_MATHRANDOM: {
		uint64_t h;
		char id[UUID_BUFSZ];

		if (!is_int(v[0], &a) || !is_int(v[1], &b) || b <= a)
			return fail(e, f, "expected integers start < end");
		if (f->nargs == 3) {
			if (!is_int(v[2], &c))
				return fail(e, f, "the seed is not an "
				    "integer");
			ids_uuid_of(id, &c, sizeof(c));
		} else
			ids_uuid(id, NULL, 0);
		h = strtoull(id + 24, NULL, 16);
		return jv_number((double)(a + (long long)(h %
		    (uint64_t)(b - a))));
	}
	case FN_MATHADD:
		if (jv_get_kind(v[0]) != JV_KIND_NUMBER ||
		    jv_get_kind(v[1]) != JV_KIND_NUMBER)
			return fail(e, f, "the arguments must be numbers");
		return jv_number(java_round(jv_number_value(v[0])) +
		    java_round(jv_number_value(v[1])));
	case FN_STRINGSPLIT:
		return do_split(f, v[0], v[1], e);
	case FN_UUID: {
		char id[UUID_BUFSZ];

		ids_uuid(id, NULL, 0);
		return jv_string(id);
	}
	}
	return jv_invalid();
}

jv
ifn_eval(const struct ifn *f, jv input, jv ctx, jv vars,
    struct asl_error *e)
{
	jv *v, r = jv_invalid();
	size_t i;

	v = xcalloc(f->nargs + 1, sizeof(*v));
	for (i = 0; i < f->nargs; i++) {
		const struct iarg *a = &f->args[i];

		if (a->kind == A_VALUE)
			v[i] = jv_copy(a->value);
		else if (a->kind == A_CALL) {
			v[i] = ifn_eval(a->call, input, ctx, vars, e);
			if (!jv_is_valid(v[i]))
				goto out;
		} else {
			v[i] = jpath_eval_vars(a->path, input, ctx, vars);
			if (!jv_is_valid(v[i])) {
				struct sbuf why = SBUF_INIT;

				jpath_explain_vars(a->path, input, ctx, vars,
				    &why);
				asl_error_set(e, "States.Runtime",
				    "Invalid path '%s' : %s",
				    jpath_text(a->path), why.buf);
				sbuf_free(&why);
				goto out;
			}
		}
	}
	r = apply(f, v, e);
out:
	for (i = 0; i < f->nargs; i++)
		jv_free(v[i]);
	free(v);
	return r;
}
