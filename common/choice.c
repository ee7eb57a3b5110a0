/*
 * choice.c: Choice rules; see choice.h.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "choice.h"
#include "jpath.h"
#include "rfc3339.h"
#include "sbuf.h"
#include "xalloc.h"

enum cop {
	C_AND, C_OR, C_NOT,
	C_STREQ, C_STRLT, C_STRGT, C_STRLE, C_STRGE, C_STRMATCH,
	C_NUMEQ, C_NUMLT, C_NUMGT, C_NUMLE, C_NUMGE,
	C_BOOLEQ,
	C_TSEQ, C_TSLT, C_TSGT, C_TSLE, C_TSGE,
	C_ISNULL, C_ISPRESENT, C_ISNUMERIC, C_ISSTRING, C_ISBOOLEAN,
	C_ISTIMESTAMP
};

static const struct {
	const char	*name;
	enum cop	 op;
	int		 haspath;	/* has a ...Path variant */
	jv_kind		 arg;		/* literal operand kind */
} ops[] = {
	{ "StringEquals", C_STREQ, 1, JV_KIND_STRING },
	{ "StringLessThan", C_STRLT, 1, JV_KIND_STRING },
	{ "StringGreaterThan", C_STRGT, 1, JV_KIND_STRING },
	{ "StringLessThanEquals", C_STRLE, 1, JV_KIND_STRING },
	{ "StringGreaterThanEquals", C_STRGE, 1, JV_KIND_STRING },
	{ "StringMatches", C_STRMATCH, 0, JV_KIND_STRING },
	{ "NumericEquals", C_NUMEQ, 1, JV_KIND_NUMBER },
	{ "NumericLessThan", C_NUMLT, 1, JV_KIND_NUMBER },
	{ "NumericGreaterThan", C_NUMGT, 1, JV_KIND_NUMBER },
	{ "NumericLessThanEquals", C_NUMLE, 1, JV_KIND_NUMBER },
	{ "NumericGreaterThanEquals", C_NUMGE, 1, JV_KIND_NUMBER },
	{ "BooleanEquals", C_BOOLEQ, 1, JV_KIND_TRUE },
	{ "TimestampEquals", C_TSEQ, 1, JV_KIND_STRING },
	{ "TimestampLessThan", C_TSLT, 1, JV_KIND_STRING },
	{ "TimestampGreaterThan", C_TSGT, 1, JV_KIND_STRING },
	{ "TimestampLessThanEquals", C_TSLE, 1, JV_KIND_STRING },
	{ "TimestampGreaterThanEquals", C_TSGE, 1, JV_KIND_STRING },
	{ "IsNull", C_ISNULL, 0, JV_KIND_TRUE },
	{ "IsPresent", C_ISPRESENT, 0, JV_KIND_TRUE },
	{ "IsNumeric", C_ISNUMERIC, 0, JV_KIND_TRUE },
	{ "IsString", C_ISSTRING, 0, JV_KIND_TRUE },
	{ "IsBoolean", C_ISBOOLEAN, 0, JV_KIND_TRUE },
	{ "IsTimestamp", C_ISTIMESTAMP, 0, JV_KIND_TRUE }
};

#define NOPS	(sizeof(ops) / sizeof(ops[0]))

struct choice_rule {
	enum cop		 op;
	struct choice_rule	**kids;		/* And, Or, Not */
	size_t			 nkids;
	struct jpath		*var;
	struct jpath		*other;		/* ...Path operand */
	jv			 value;		/* literal operand */
	char			*next;
};

static const char *const allowed_common[] = { "Comment", "Next", NULL };

void
choice_free(struct choice_rule *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nkids; i++)
		choice_free(r->kids[i]);
	free(r->kids);
	jpath_free(r->var);
	jpath_free(r->other);
	jv_free(r->value);
	free(r->next);
	free(r);
}

const char *
choice_next(const struct choice_rule *r)
{
	return r->next;
}

static int
is_common(const char *k)
{
	int i;

	for (i = 0; allowed_common[i] != NULL; i++)
		if (strcmp(k, allowed_common[i]) == 0)
			return 1;
	return 0;
}

static struct choice_rule *
compile(jv rule, int top, int depth, char *err)
{
	struct choice_rule *r;
	char perr[JPATH_ERRSZ];
	const char *opname = NULL;
	int it, found = 0, ispath = 0;
	size_t i;
	jv v;

	if (jv_get_kind(rule) != JV_KIND_OBJECT) {
		snprintf(err, CHOICE_ERRSZ, "a choice rule must be an object");
		return NULL;
	}
	if (depth > 64) {
		snprintf(err, CHOICE_ERRSZ, "choice rules nested too deep");
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->value = jv_invalid();
	v = jv_object_get(jv_copy(rule), jv_string("Next"));
	if (top) {
		if (jv_get_kind(v) != JV_KIND_STRING) {
			snprintf(err, CHOICE_ERRSZ, "a choice rule needs a "
			    "Next state name");
			jv_free(v);
			goto bad;
		}
		r->next = xstrdup(jv_string_value(v));
	} else if (jv_is_valid(v)) {
		snprintf(err, CHOICE_ERRSZ, "a nested choice rule cannot have "
		    "Next");
		jv_free(v);
		goto bad;
	}
	jv_free(v);
	for (it = jv_object_iter(rule); jv_object_iter_valid(rule, it);
	    it = jv_object_iter_next(rule, it)) {
		jv k = jv_object_iter_key(rule, it);
		const char *ks = jv_string_value(k);
		size_t kl = strlen(ks);

		if (is_common(ks) || strcmp(ks, "Variable") == 0) {
			jv_free(k);
			continue;
		}
		if (found) {
			snprintf(err, CHOICE_ERRSZ, "a choice rule has more "
			    "than one operator ('%s' and '%s')", opname, ks);
			jv_free(k);
			goto bad;
		}
		if (strcmp(ks, "And") == 0 || strcmp(ks, "Or") == 0 ||
		    strcmp(ks, "Not") == 0) {
			r->op = ks[0] == 'A' ? C_AND : ks[0] == 'O' ? C_OR :
			    C_NOT;
			opname = ks[0] == 'A' ? "And" : ks[0] == 'O' ? "Or" :
			    "Not";
			found = 1;
			jv_free(k);
			continue;
		}
		for (i = 0; i < NOPS; i++) {
			size_t nl = strlen(ops[i].name);

			if (kl == nl && strcmp(ks, ops[i].name) == 0)
				break;
			if (ops[i].haspath && kl == nl + 4 &&
			    strncmp(ks, ops[i].name, nl) == 0 &&
			    strcmp(ks + nl, "Path") == 0) {
				ispath = 1;
				break;
			}
		}
		if (i == NOPS) {
			snprintf(err, CHOICE_ERRSZ, "unknown choice rule field "
			    "'%s'", ks);
			jv_free(k);
			goto bad;
		}
		r->op = ops[i].op;
		opname = ops[i].name;
		found = 1;
		v = jv_object_iter_value(rule, it);
		if (ispath) {
			if (jv_get_kind(v) != JV_KIND_STRING ||
			    (r->other = jpath_compile_vars(jv_string_value(v),
			    perr)) == NULL) {
				snprintf(err, CHOICE_ERRSZ, "%s: invalid path%s%s",
				    ks, jv_get_kind(v) == JV_KIND_STRING ?
				    ": " : "", jv_get_kind(v) ==
				    JV_KIND_STRING ? perr : "");
				jv_free(v);
				jv_free(k);
				goto bad;
			}
			jv_free(v);
		} else {
			jv_kind want = ops[i].arg, have = jv_get_kind(v);

			if (want == JV_KIND_TRUE ? (have != JV_KIND_TRUE &&
			    have != JV_KIND_FALSE) : have != want) {
				snprintf(err, CHOICE_ERRSZ, "%s takes a %s", ks,
				    want == JV_KIND_TRUE ? "boolean" :
				    want == JV_KIND_NUMBER ? "number" :
				    "string");
				jv_free(v);
				jv_free(k);
				goto bad;
			}
			if (r->op >= C_TSEQ && r->op <= C_TSGE &&
			    asl_timestamp(jv_string_value(v), NULL,
			    NULL) != 0) {
				snprintf(err, CHOICE_ERRSZ, "%s: '%s' is not an "
				    "ISO-8601 timestamp", ks,
				    jv_string_value(v));
				jv_free(v);
				jv_free(k);
				goto bad;
			}
			r->value = v;
		}
		jv_free(k);
	}
	if (!found) {
		snprintf(err, CHOICE_ERRSZ, "a choice rule needs an operator "
		    "(StringEquals, And, ...)");
		goto bad;
	}
	v = jv_object_get(jv_copy(rule), jv_string("Variable"));
	if (r->op == C_AND || r->op == C_OR || r->op == C_NOT) {
		jv list = jv_object_get(jv_copy(rule), jv_string(opname));

		if (jv_is_valid(v)) {
			snprintf(err, CHOICE_ERRSZ, "%s cannot have a Variable",
			    opname);
			jv_free(v);
			jv_free(list);
			goto bad;
		}
		jv_free(v);
		if (r->op == C_NOT) {
			if (jv_get_kind(list) != JV_KIND_OBJECT) {
				snprintf(err, CHOICE_ERRSZ, "Not takes one rule "
				    "(an object)");
				jv_free(list);
				goto bad;
			}
			list = JV_ARRAY(list);
		}
		if (jv_get_kind(list) != JV_KIND_ARRAY ||
		    jv_array_length(jv_copy(list)) == 0) {
			snprintf(err, CHOICE_ERRSZ, "%s takes a non-empty array "
			    "of rules", opname);
			jv_free(list);
			goto bad;
		}
		r->nkids = (size_t)jv_array_length(jv_copy(list));
		r->kids = xcalloc(r->nkids, sizeof(*r->kids));
		for (i = 0; i < r->nkids; i++) {
			jv kid = jv_array_get(jv_copy(list), (int)i);

			r->kids[i] = compile(kid, 0, depth + 1, err);
			jv_free(kid);
			if (r->kids[i] == NULL) {
				jv_free(list);
				goto bad;
			}
		}
		jv_free(list);
		return r;
	}
	if (jv_get_kind(v) != JV_KIND_STRING) {
		snprintf(err, CHOICE_ERRSZ, "%s needs a Variable (a path)",
		    opname);
		jv_free(v);
		goto bad;
	}
	if ((r->var = jpath_compile_vars(jv_string_value(v), perr)) ==
	    NULL) {
		snprintf(err, CHOICE_ERRSZ, "invalid Variable '%s': %s",
		    jv_string_value(v), perr);
		jv_free(v);
		goto bad;
	}
	jv_free(v);
	return r;
bad:
	choice_free(r);
	return NULL;
}

struct choice_rule *
choice_compile(jv rule, int top, char err[CHOICE_ERRSZ])
{
	err[0] = '\0';
	return compile(rule, top, 0, err);
}

static int
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int
asl_timestamp(const char *s, int64_t *ms, int64_t *frac_ns)
{
	int y, mo, d, h, mi, sec = 0, oh = 0, om = 0, sign = 1, mdays;
	int64_t ns = 0, t;
	int nd = 0;
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (strlen(s) < 16 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi))
		return -1;
	s += 16;
	if (*s == ':') {
		if (digits(s + 1, 2, &sec))
			return -1;
		s += 3;
		if (*s == '.') {
			s++;
			while (isdigit((unsigned char)*s)) {
				if (nd < 9) {
					ns = ns * 10 + (*s - '0');
					nd++;
				}
				s++;
			}
			if (nd == 0)
				return -1;
			for (; nd < 9; nd++)
				ns *= 10;
		}
	}
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		if (digits(s + 1, 2, &oh) || s[3] != ':' ||
		    digits(s + 4, 2, &om))
			return -1;
		s += 6;
		if (oh > 18 || om > 59)
			return -1;
	} else
		return -1;
	if (*s != '\0')
		return -1;
	if (mo < 1 || mo > 12 || h > 23 || mi > 59 || sec > 59)
		return -1;
	mdays = dim[mo - 1];
	if (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		mdays = 29;
	if (d < 1 || d > mdays)
		return -1;
	t = rfc3339_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    sign * (oh * 3600 + om * 60);
	if (ms != NULL)
		*ms = t * 1000 + ns / 1000000;
	if (frac_ns != NULL)
		*frac_ns = ns % 1000000;
	return 0;
}

/* StringMatches: '*' matches any run, "\*" and "\\" are literal. */
static int
wildmatch(const char *p, const char *s)
{
	for (;;) {
		if (*p == '\0')
			return *s == '\0';
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (*p == '\0')
				return 1;
			for (; *s != '\0'; s++)
				if (wildmatch(p, s))
					return 1;
			return wildmatch(p, s);
		}
		if (*p == '\\' && (p[1] == '*' || p[1] == '\\'))
			p++;
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
}

static int
ts_cmp(jv a, jv b, int *order)
{
	int64_t ma, mb, na, nb;

	if (jv_get_kind(a) != JV_KIND_STRING ||
	    jv_get_kind(b) != JV_KIND_STRING ||
	    asl_timestamp(jv_string_value(a), &ma, &na) != 0 ||
	    asl_timestamp(jv_string_value(b), &mb, &nb) != 0)
		return -1;
	*order = ma < mb ? -1 : ma > mb ? 1 : na < nb ? -1 : na > nb;
	return 0;
}

static int
path_missing(const struct jpath *p, jv input, jv ctx, struct asl_error *e)
{
	(void)input;
	(void)ctx;
	asl_error_set(e, "States.Runtime", "Invalid path '%s': The choice "
	    "state's condition path references an invalid value.",
	    jpath_text(p));
	return -1;
}

int
choice_eval(const struct choice_rule *r, jv input, jv ctx, jv vars,
    struct asl_error *e)
{
	jv a, b;
	int res = 0, order, x;
	size_t i;

	switch (r->op) {
	case C_AND:
	case C_OR:
		for (i = 0; i < r->nkids; i++) {
			x = choice_eval(r->kids[i], input, ctx, vars, e);
			if (x < 0)
				return -1;
			if (r->op == C_AND && !x)
				return 0;
			if (r->op == C_OR && x)
				return 1;
		}
		return r->op == C_AND;
	case C_NOT:
		x = choice_eval(r->kids[0], input, ctx, vars, e);
		return x < 0 ? -1 : !x;
	default:
		break;
	}
	a = jpath_eval_vars(r->var, input, ctx, vars);
	if (r->op == C_ISPRESENT) {
		res = (jpath_definite(r->var) ? jv_is_valid(a) :
		    jv_array_length(jv_copy(a)) > 0) ==
		    (jv_get_kind(r->value) == JV_KIND_TRUE);
		jv_free(a);
		return res;
	}
	if (!jv_is_valid(a)) {
		jv_free(a);
		return path_missing(r->var, input, ctx, e);
	}
	if (r->other != NULL) {
		b = jpath_eval_vars(r->other, input, ctx, vars);
		if (!jv_is_valid(b)) {
			jv_free(a);
			jv_free(b);
			return path_missing(r->other, input, ctx, e);
		}
	} else
		b = jv_copy(r->value);
	switch (r->op) {
	case C_STREQ: case C_STRLT: case C_STRGT: case C_STRLE: case C_STRGE:
		if (jv_get_kind(a) != JV_KIND_STRING ||
		    jv_get_kind(b) != JV_KIND_STRING)
			break;
		order = strcmp(jv_string_value(a), jv_string_value(b));
		res = r->op == C_STREQ ? order == 0 : r->op == C_STRLT ?
		    order < 0 : r->op == C_STRGT ? order > 0 :
		    r->op == C_STRLE ? order <= 0 : order >= 0;
		break;
	case C_STRMATCH:
		if (jv_get_kind(a) == JV_KIND_STRING)
			res = wildmatch(jv_string_value(b),
			    jv_string_value(a));
		break;
	case C_NUMEQ: case C_NUMLT: case C_NUMGT: case C_NUMLE: case C_NUMGE: {
		double x1, x2;

		if (jv_get_kind(a) != JV_KIND_NUMBER ||
		    jv_get_kind(b) != JV_KIND_NUMBER)
			break;
		x1 = jv_number_value(a);
		x2 = jv_number_value(b);
		res = r->op == C_NUMEQ ? x1 == x2 : r->op == C_NUMLT ?
		    x1 < x2 : r->op == C_NUMGT ? x1 > x2 :
		    r->op == C_NUMLE ? x1 <= x2 : x1 >= x2;
		break;
	}
	case C_BOOLEQ:
		if ((jv_get_kind(a) == JV_KIND_TRUE ||
		    jv_get_kind(a) == JV_KIND_FALSE) &&
		    (jv_get_kind(b) == JV_KIND_TRUE ||
		    jv_get_kind(b) == JV_KIND_FALSE))
			res = jv_get_kind(a) == jv_get_kind(b);
		break;
	case C_TSEQ: case C_TSLT: case C_TSGT: case C_TSLE: case C_TSGE:
		if (ts_cmp(a, b, &order) != 0)
			break;
		res = r->op == C_TSEQ ? order == 0 : r->op == C_TSLT ?
		    order < 0 : r->op == C_TSGT ? order > 0 :
		    r->op == C_TSLE ? order <= 0 : order >= 0;
		break;
	case C_ISNULL:
		res = (jv_get_kind(a) == JV_KIND_NULL) ==
		    (jv_get_kind(b) == JV_KIND_TRUE);
		break;
	case C_ISNUMERIC:
		res = (jv_get_kind(a) == JV_KIND_NUMBER) ==
		    (jv_get_kind(b) == JV_KIND_TRUE);
		break;
	case C_ISSTRING:
		res = (jv_get_kind(a) == JV_KIND_STRING) ==
		    (jv_get_kind(b) == JV_KIND_TRUE);
		break;
	case C_ISBOOLEAN:
		res = (jv_get_kind(a) == JV_KIND_TRUE ||
		    jv_get_kind(a) == JV_KIND_FALSE) ==
		    (jv_get_kind(b) == JV_KIND_TRUE);
		break;
	case C_ISTIMESTAMP:
		res = (jv_get_kind(a) == JV_KIND_STRING &&
		    asl_timestamp(jv_string_value(a), NULL, NULL) == 0) ==
		    (jv_get_kind(b) == JV_KIND_TRUE);
		break;
	default:
		break;
	}
	jv_free(a);
	jv_free(b);
	return res;
}
