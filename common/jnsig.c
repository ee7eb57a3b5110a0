/*
 * jnsig.c: function signatures; see jnsig.h.  The parameters match the
 * arguments' type letters (s n b l a o f, m for missing) the way a
 * regular expression with greedy quantifiers would, backtracking
 * included, so that the argument blamed in an error is jsonata-js's.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jnfunc.h"
#include "jnsig.h"

#define MAXPARAMS	16

struct param {
	char	 set[16];	/* type letters this parameter accepts */
	uint32_t mask;		/* the same letters, a bit each */
	char	 type;		/* s n b l o a f j x or '(' */
	char	 subtype[16];	/* a<n>: "n" */
	int	 opt, plus, context;
};

struct jn_sig {
	struct param	p[MAXPARAMS];
	int		n;
};

static uint32_t
letter_bit(int ch)
{
	return ch >= 'a' && ch <= 'z' ? 1u << (ch - 'a') : 0;
}

static int
sig_parse(const char *s, struct jn_sig *sg, long *errpos, const char **code)
{
	size_t pos, len = strlen(s), end;
	struct param *prev = NULL, *cur;
	int depth;

	memset(sg, 0, sizeof(*sg));
	for (pos = 1; pos < len; pos++) {
		char c = s[pos];
		if (c == ':' || c == '>')
			break;
		cur = &sg->p[sg->n];
		switch (c) {
		case 's': case 'n': case 'b': case 'l': case 'o':
			snprintf(cur->set, sizeof(cur->set), "%cm", c);
			break;
		case 'a':
			strcpy(cur->set, "asnblfom");
			break;
		case 'f':
			strcpy(cur->set, "f");
			break;
		case 'j':
			strcpy(cur->set, "asnblom");
			break;
		case 'x':
			strcpy(cur->set, "asnblfom");
			break;
		case '-':
			if (prev != NULL) {
				prev->context = 1;
				prev->opt = 1;
			}
			continue;
		case '?':
			if (prev != NULL)
				prev->opt = 1;
			continue;
		case '+':
			if (prev != NULL)
				prev->plus = 1;
			continue;
		case '(':
			for (end = pos + 1; end < len && s[end] != ')'; end++)
				if (s[end] == '<') {
					*errpos = pos;
					*code = "S0402";
					return -1;
				}
			if (end - pos > 12)
				end = pos + 12;
			snprintf(cur->set, sizeof(cur->set), "%.*sm",
			    (int)(end - pos - 1), s + pos + 1);
			cur->type = '(';
			pos = end;
			goto next;
		case '<':
			if (prev == NULL || (prev->type != 'a' &&
			    prev->type != 'f')) {
				*errpos = pos;
				*code = "S0401";
				return -1;
			}
			for (depth = 1, end = pos + 1; end < len; end++) {
				if (s[end] == '<')
					depth++;
				else if (s[end] == '>' && --depth == 0)
					break;
			}
			snprintf(prev->subtype, sizeof(prev->subtype), "%.*s",
			    (int)(end - pos - 1), s + pos + 1);
			pos = end;
			continue;
		default:
			continue;
		}
		cur->type = c;
next:
		if (sg->n == MAXPARAMS - 1)
			break;
		prev = cur;
		sg->n++;
	}
	/* an argument's symbol is a letter: what it matches, as bits */
	for (cur = sg->p; cur < sg->p + sg->n; cur++)
		for (end = 0; cur->set[end] != '\0'; end++)
			cur->mask |= letter_bit(cur->set[end]);
	return 0;
}

int
jn_sig_check(const char *sig, struct jn_error *err)
{
	struct jn_sig sg;
	long pos;
	const char *code;

	if (sig_parse(sig, &sg, &pos, &code) == 0)
		return 0;
	jn_seterr(err, code, pos, NULL, 0, "%s", code[4] == '1' ?
	    "The type parameter can only be applied to functions and arrays" :
	    "Choice groups containing parameterized types are not supported");
	return -1;
}

static char
symbol(const struct jn_value *v)
{
	if (v == NULL)
		return 'm';
	switch (v->kind) {
	case JN_FUNCTION: return 'f';
	case JN_STRING: return 's';
	case JN_NUMBER: return 'n';
	case JN_BOOL: return 'b';
	case JN_NULL: return 'l';
	case JN_ARRAY: return 'a';
	default: return 'o';
	}
}

/*
 * Match parameters [pi, np) against sig[si..]: greedy, backtracking.
 * With anchored the whole rest must match.  Returns the end or -1.
 */
static int
match(const struct jn_sig *sg, int pi, int np, const char *sym, int si,
    int n, int anchored, int *counts)
{
	const struct param *p;
	int max, min, k, r;

	if (pi == np)
		return !anchored || si == n ? si : -1;
	p = &sg->p[pi];
	min = p->opt ? 0 : 1;
	for (max = 0; si + max < n && (p->mask & letter_bit(sym[si + max])) &&
	    (p->plus || max < 1); max++)
		;
	for (k = max; k >= min; k--) {
		counts[pi] = k;
		r = match(sg, pi + 1, np, sym, si + k, n, anchored, counts);
		if (r >= 0)
			return r;
	}
	return -1;
}

/*
 * Can a call with NARGS arguments give a parameter that accepts an
 * object the context instead (so that an object input reaches the
 * callee whole)?  Decided by matching every combination of argument
 * types, as jn_sig_validate would match them; more than five arguments
 * are taken to say yes.
 */
int
jn_sig_takes_context(const struct jn_sig *sg, int nargs)
{
	static const char types[] = "asnblfom";
	char sym[8];
	int counts[MAXPARAMS], pick[8], i, k;

	if (nargs > 5)
		return 1;
	memset(pick, 0, sizeof(pick));
	for (;;) {
		for (i = 0; i < nargs; i++)
			sym[i] = types[pick[i]];
		sym[nargs] = '\0';
		if (match(sg, 0, sg->n, sym, 0, nargs, 1, counts) >= 0)
			for (i = 0; i < sg->n; i++)
				if (sg->p[i].context && counts[i] == 0 &&
				    (sg->p[i].mask & letter_bit('o')))
					return 1;
		for (k = 0; k < nargs && ++pick[k] == 8; k++)
			pick[k] = 0;
		if (k == nargs)
			return 0;
	}
}

static void __attribute__((noreturn))
bad(struct jn_ctx *c, const char *code, int index, const char *what)
{
	const char *fn = c->fname ? c->fname : "";

	if (strcmp(code, "T0411") == 0)
		jn_throw(c, code, c->position, "Context value is not a "
		    "compatible type with argument %d of function %s", index,
		    fn);
	if (strcmp(code, "T0412") == 0)
		jn_throw(c, code, c->position, "Argument %d of function %s "
		    "must be an array of %s", index, fn, what);
	jn_throw(c, code, c->position, "Argument %d of function %s does not "
	    "match function signature", index, fn);
}

static const char *
plural(char t)
{
	switch (t) {
	case 'a': return "arrays";
	case 'b': return "booleans";
	case 'f': return "functions";
	case 'n': return "numbers";
	case 'o': return "objects";
	default: return "strings";
	}
}

/*
 * Parsed once, when the expression is compiled, since matching a call's
 * arguments is all a call should cost.
 */
struct jn_sig *
jn_sig_new(struct jn_arena *a, const char *text)
{
	struct jn_sig *sg = jn_alloc(a, sizeof(*sg));
	long pos;
	const char *code;

	return sig_parse(text, sg, &pos, &code) < 0 ? NULL : sg;
}

struct jn_value **
jn_sig_validate(struct jn_ctx *c, const struct jn_sig *sg,
    struct jn_value **args, size_t *nargs, struct jn_value *context)
{
	struct jn_value **out, *arg, *w;
	char sym[64];
	int counts[MAXPARAMS], n = (int)*nargs, i, k, ai = 0, no = 0, good;
	size_t j;

	if (sg == NULL)
		return args;
	if (n > 60)
		bad(c, "T0410", sg->n + 1, NULL);
	for (i = 0; i < n; i++)
		sym[i] = symbol(args[i]);
	sym[n] = '\0';
	if (match(sg, 0, sg->n, sym, 0, n, 1, counts) < 0) {
		good = 0;
		for (i = 0; i < sg->n; i++) {
			k = match(sg, 0, i + 1, sym, 0, n, 0, counts);
			if (k < 0)
				break;
			good = k;
		}
		bad(c, "T0410", good + 1, NULL);
	}
	out = jn_alloc(c->arena, (sg->n + n + 1) * sizeof(*out));
	for (i = 0; i < sg->n; i++) {
		const struct param *p = &sg->p[i];
		if (counts[i] == 0) {
			if (p->context) {
				if (!(p->mask & letter_bit(symbol(context))))
					bad(c, "T0411", ai + 1, NULL);
				out[no++] = context;
			} else {
				out[no++] = ai < n ? args[ai] : NULL;
				ai++;
			}
			continue;
		}
		for (k = 0; k < counts[i]; k++, ai++) {
			arg = args[ai];
			if (p->type == 'a' && arg != NULL) {
				if (p->subtype[0] != '\0') {
					int ok = 1;
					if (arg->kind != JN_ARRAY)
						ok = counts[i] == 1 &&
						    symbol(arg) == p->subtype[0] &&
						    p->subtype[1] == '\0';
					else if (arg->u.arr.n > 0) {
						char t = symbol(arg->u.arr.v[0]);
						ok = t == p->subtype[0];
						for (j = 0; ok &&
						    j < arg->u.arr.n; j++)
							ok = symbol(
							    arg->u.arr.v[j]) == t;
					}
					if (!ok)
						bad(c, "T0412", ai + 1,
						    plural(p->subtype[0]));
				}
				if (arg->kind != JN_ARRAY) {
					w = jn_array(c->arena, 0);
					jn_push(c->arena, w, arg);
					arg = w;
				}
			}
			out[no++] = arg;
		}
	}
	*nargs = no;
	return out;
}

void
jn_sig_missing(struct jn_ctx *c, int index)
{
	bad(c, "T0410", index, NULL);
}
