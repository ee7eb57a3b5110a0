/*
 * jnregex.c: JSONata regular expressions on PCRE2.  JSONata's regexes are
 * JavaScript's; PCRE2 comes closest among Debian's libraries: with
 * PCRE2_ALT_BSUX (\uhhhh, \xhh as in JavaScript), PCRE2_DOLLAR_ENDONLY
 * ($ only at the very end, as without the m flag), PCRE2_MATCH_UNSET_BACKREF
 * (a backreference to an unset group matches empty, as in JavaScript) and
 * PCRE2_UTF.  Flags i and m map to PCRE2_CASELESS and PCRE2_MULTILINE.
 * PCRE2 allocates through the arena it is given: compiled patterns live
 * in their expression's arena, match data in the evaluation's.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "jnint.h"

struct jn_regex {
	pcre2_code	*code;
	int		 ngroups;
};

static void *
arena_malloc(PCRE2_SIZE n, void *a)
{
	return jn_alloc(a, n);
}

static void
arena_free(void *p, void *a)
{
	(void)p;
	(void)a;
}

int
jn_regex_compile(struct jn_arena *a, struct jn_node *n, struct jn_error *err)
{
	uint32_t opts = PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_DOLLAR_ENDONLY |
	    PCRE2_MATCH_UNSET_BACKREF;
	int ec;
	PCRE2_SIZE off;
	PCRE2_UCHAR msg[120];
	struct jn_regex *re;
	uint32_t cap;
	pcre2_general_context *gc;
	pcre2_compile_context *cc;

	if (n->flags != NULL && strchr(n->flags, 'i') != NULL)
		opts |= PCRE2_CASELESS;
	if (n->flags != NULL && strchr(n->flags, 'm') != NULL)
		opts |= PCRE2_MULTILINE;
	re = jn_alloc(a, sizeof(*re));
	gc = pcre2_general_context_create(arena_malloc, arena_free, a);
	cc = pcre2_compile_context_create(gc);
	re->code = pcre2_compile((PCRE2_SPTR)n->value, n->vlen, opts, &ec,
	    &off, cc);
	if (re->code == NULL) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		jn_seterr(err, "S0303", n->position, n->value, n->vlen,
		    "Invalid regular expression: %s at offset %zu",
		    (char *)msg, (size_t)off);
		return -1;
	}
	pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &cap);
	re->ngroups = (int)cap;
	n->re = re;
	return 0;
}

struct jn_value *
jn_regex_value(struct jn_ctx *c, struct jn_node *n)
{
	struct jn_value *v = jn_mkfunc(c, FN_REGEX);

	v->u.fn->re = n->re;
	v->u.fn->node = n;
	return v;
}

int
jn_regex_exec(struct jn_ctx *c, struct jn_regex *re, const char *s, size_t n,
    size_t start, long **ov, int *ngroups)
{
	pcre2_general_context *gc;
	pcre2_match_data *md;
	PCRE2_SIZE *o;
	long *r;
	int rc, i;

	gc = pcre2_general_context_create(arena_malloc, arena_free, c->arena);
	md = pcre2_match_data_create_from_pattern(re->code, gc);
	rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, start, 0, md, NULL);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0)
		jn_throw(c, "D1004", c->position, "Regular expression could "
		    "not be matched (PCRE2 error %d)", rc);
	o = pcre2_get_ovector_pointer(md);
	r = jn_alloc(c->arena, (2 + 2 * re->ngroups) * sizeof(*r));
	for (i = 0; i <= re->ngroups; i++) {
		if (i < rc && o[2 * i] != PCRE2_UNSET) {
			r[2 * i] = (long)o[2 * i];
			r[2 * i + 1] = (long)o[2 * i + 1];
		} else
			r[2 * i] = r[2 * i + 1] = -1;
	}
	*ov = r;
	*ngroups = re->ngroups;
	return 1;
}

struct jn_value *
jn_match_object(struct jn_ctx *c, const char *s, long *ov, int ngroups)
{
	struct jn_value *m = jn_object(c->arena), *g;
	int i;

	jn_set(c->arena, m, "match", 5, jn_string(c->arena, s + ov[0],
	    ov[1] - ov[0]));
	jn_set(c->arena, m, "index", 5, jn_number(c->arena,
	    (double)jn_utf16_len(s, ov[0])));
	g = jn_array(c->arena, 0);
	for (i = 1; i <= ngroups; i++)
		jn_push(c->arena, g, ov[2 * i] < 0 ? jn_string(c->arena, "", 0) :
		    jn_string(c->arena, s + ov[2 * i], ov[2 * i + 1] - ov[2 * i]));
	jn_set(c->arena, m, "groups", 6, g);
	return m;
}

int
jn_regex_groups(const struct jn_regex *re)
{
	return re->ngroups;
}

struct jn_value *
jn_regex_apply(struct jn_ctx *c, struct jn_regex *re, struct jn_value *str)
{
	struct jn_value *m;
	long *ov;
	int ng;

	if (str == NULL || str->kind != JN_STRING)
		return NULL;
	if (!jn_regex_exec(c, re, str->u.str.s, str->u.str.len, 0, &ov, &ng))
		return NULL;
	m = jn_match_object(c, str->u.str.s, ov, ng);
	jn_set(c->arena, m, "start", 5, jn_get(m, "index", 5));
	jn_set(c->arena, m, "end", 3, jn_number(c->arena,
	    (double)jn_utf16_len(str->u.str.s, ov[1])));
	return m;
}

struct jn_regex *
jn_regex_new(struct jn_arena *a, const char *pattern, size_t n, int caseless)
{
	struct jn_node node;
	struct jn_error err;

	memset(&node, 0, sizeof(node));
	node.value = pattern;
	node.vlen = n;
	node.flags = caseless ? "i" : "";
	if (jn_regex_compile(a, &node, &err) < 0)
		return NULL;
	return node.re;
}
