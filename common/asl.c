/*
 * asl.c: load and validate Amazon States Language definitions; see asl.h.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asl.h"
#include "awsid.h"
#include "itemio.h"
#include "xalloc.h"

#define PUTEVENTS_ARN	"arn:aws:states:::events:putEvents"

static const char *const type_names[] = {
	[ASL_PASS] = "Pass", [ASL_TASK] = "Task", [ASL_CHOICE] = "Choice",
	[ASL_WAIT] = "Wait", [ASL_SUCCEED] = "Succeed", [ASL_FAIL] = "Fail",
	[ASL_PARALLEL] = "Parallel", [ASL_MAP] = "Map"
};

/* Fields each state type accepts (JSONPath mode), besides the common. */
static const char *const fields[][28] = {
	[ASL_PASS] = { "Next", "End", "InputPath", "OutputPath",
	    "ResultPath", "Parameters", "Result", "Assign", NULL },
	[ASL_TASK] = { "Next", "End", "InputPath", "OutputPath",
	    "ResultPath", "Parameters", "ResultSelector", "Resource",
	    "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds",
	    "HeartbeatSecondsPath", "Retry", "Catch", "Credentials", "Assign",
	    NULL },
	[ASL_CHOICE] = { "Choices", "Default", "InputPath", "OutputPath",
	    "Assign", NULL },
	[ASL_WAIT] = { "Next", "End", "InputPath", "OutputPath", "Seconds",
	    "SecondsPath", "Timestamp", "TimestampPath", "Assign", NULL },
	[ASL_SUCCEED] = { "InputPath", "OutputPath", NULL },
	[ASL_FAIL] = { "Error", "ErrorPath", "Cause", "CausePath", NULL },
	[ASL_PARALLEL] = { "Next", "End", "InputPath", "OutputPath",
	    "ResultPath", "Parameters", "ResultSelector", "Branches", "Retry",
	    "Catch", "Assign", NULL },
	[ASL_MAP] = { "Next", "End", "InputPath", "OutputPath", "ResultPath",
	    "Parameters", "ResultSelector", "ItemsPath", "ItemSelector",
	    "ItemProcessor", "Iterator", "MaxConcurrency",
	    "MaxConcurrencyPath", "Retry", "Catch",
	    "ToleratedFailurePercentage", "ToleratedFailurePercentagePath",
	    "ToleratedFailureCount", "ToleratedFailureCountPath",
	    "ItemBatcher", "ItemReader", "ResultWriter", "Label", "Assign",
	    NULL }
};

/* The same in JSONata mode: Arguments and Output replace the paths. */
static const char *const jfields[][28] = {
	[ASL_PASS] = { "Next", "End", "Output", "Assign", NULL },
	[ASL_TASK] = { "Next", "End", "Resource", "Arguments", "Output",
	    "Assign", "TimeoutSeconds", "HeartbeatSeconds", "Retry", "Catch",
	    "Credentials", NULL },
	[ASL_CHOICE] = { "Choices", "Default", "Output", "Assign", NULL },
	[ASL_WAIT] = { "Next", "End", "Seconds", "Timestamp", "Output",
	    "Assign", NULL },
	[ASL_SUCCEED] = { "Output", NULL },
	[ASL_FAIL] = { "Error", "Cause", NULL },
	[ASL_PARALLEL] = { "Next", "End", "Branches", "Arguments", "Output",
	    "Assign", "Retry", "Catch", NULL },
	[ASL_MAP] = { "Next", "End", "Items", "ItemSelector", "ItemProcessor",
	    "Iterator", "MaxConcurrency", "Output", "Assign", "Retry",
	    "Catch", "ToleratedFailurePercentage", "ToleratedFailureCount",
	    "ItemBatcher", "ItemReader", "ResultWriter", "Label", NULL }
};

/* The fields of enum asl_jfield that are a state's, by name. */
static const char *const jfield_names[JF_STATE_FIELDS] = {
	[JF_SECONDS] = "Seconds", [JF_TIMESTAMP] = "Timestamp",
	[JF_TIMEOUT] = "TimeoutSeconds", [JF_HEARTBEAT] = "HeartbeatSeconds",
	[JF_ERROR] = "Error", [JF_CAUSE] = "Cause",
	[JF_MAX_CONCURRENCY] = "MaxConcurrency",
	[JF_TOLERATED_PCT] = "ToleratedFailurePercentage",
	[JF_TOLERATED_COUNT] = "ToleratedFailureCount"
};

struct loader {
	struct sbuf	*err;
	const char	*where;		/* state name, or NULL */
	int		 putevents;
	int		 top_jsonata;	/* the machine's QueryLanguage */
	int		 jsonata;	/* the current state's */
	int		 vars;		/* some state assigns variables */
};

static int	load_states(struct loader *, jv def, struct asl_states *,
		    int processor);
static void	states_free(struct asl_states *);

static int
bad(struct loader *l, const char *fmt, ...)
{
	va_list ap;

	if (l->err->len > 0)
		return -1;
	if (l->where != NULL)
		sbuf_addf(l->err, "state '%s': ", l->where);
	va_start(ap, fmt);
	{
		char *m;

		if (vasprintf(&m, fmt, ap) >= 0) {
			sbuf_adds(l->err, m);
			free(m);
		}
	}
	va_end(ap);
	return -1;
}

const char *
asl_type_name(enum asl_type t)
{
	return type_names[t];
}

int
asl_find(const struct asl_states *ss, const char *name)
{
	size_t i;

	for (i = 0; i < ss->nstates; i++)
		if (strcmp(ss->states[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
compile_path(struct loader *l, const char *field, jv v, int reference,
    struct jpath **out)
{
	char perr[JPATH_ERRSZ];
	const char *s;

	if (jv_get_kind(v) != JV_KIND_STRING)
		return bad(l, "%s must be a string", field);
	s = jv_string_value(v);
	if ((*out = jpath_compile_vars(s, perr)) == NULL)
		return bad(l, "%s: invalid path '%s': %s", field, s, perr);
	if (reference && !jpath_definite(*out))
		return bad(l, "%s: '%s' is not a reference path (it may "
		    "name several values)", field, s);
	return 0;
}

static int
opt_path(struct loader *l, jv st, const char *field, int reference,
    struct asl_path *p)
{
	jv v = jv_object_get(jv_copy(st), jv_string(field));
	int r = 0;

	if (!jv_is_valid(v)) {
		jv_free(v);
		return 0;
	}
	if (jv_get_kind(v) == JV_KIND_NULL)
		p->null = 1;
	else {
		r = compile_path(l, field, v, reference, &p->path);
		if (r == 0 && reference && jpath_is_context(p->path))
			r = bad(l, "%s cannot write into the context object",
			    field);
		else if (r == 0 && reference && jpath_var(p->path) != NULL)
			r = bad(l, "%s cannot write into a variable (use "
			    "Assign)", field);
	}
	jv_free(v);
	return r;
}

static int
path_field(struct loader *l, jv st, const char *field, int reference,
    struct jpath **out)
{
	jv v = jv_object_get(jv_copy(st), jv_string(field));
	int r = 0;

	if (jv_is_valid(v))
		r = compile_path(l, field, v, reference, out);
	jv_free(v);
	return r;
}

static int
ref_field(struct loader *l, const char *field, jv v, struct asl_ref *ref)
{
	char ierr[IFN_ERRSZ];
	const char *s;

	if (jv_get_kind(v) != JV_KIND_STRING)
		return bad(l, "%s must be a string", field);
	s = jv_string_value(v);
	if (ifn_is_call(s)) {
		if ((ref->call = ifn_compile(s, ierr)) == NULL)
			return bad(l, "%s: invalid intrinsic function '%s': %s",
			    field, s, ierr);
		return 0;
	}
	return compile_path(l, field, v, 0, &ref->path);
}

static void
tmpl_free_kids(struct asl_tmpl *t)
{
	size_t i;

	for (i = 0; i < t->nkids; i++) {
		tmpl_free_kids(&t->kids[i]);
		jv_free(t->kids[i].value);
		free(t->kids[i].key);
		free(t->kids[i].field);
		jpath_free(t->kids[i].path);
		ifn_free(t->kids[i].call);
		jn_expr_free(t->kids[i].expr);
		free(t->kids[i].text);
	}
	free(t->kids);
}

static void
tmpl_free(struct asl_tmpl *t)
{
	if (t == NULL)
		return;
	tmpl_free_kids(t);
	jv_free(t->value);
	free(t->key);
	free(t->field);
	jpath_free(t->path);
	ifn_free(t->call);
	jn_expr_free(t->expr);
	free(t->text);
	free(t);
}

static int
tmpl_build(struct loader *l, const char *field, jv v, struct asl_tmpl *t,
    int depth)
{
	int it, n, i;

	t->value = jv_invalid();
	if (depth > 64)
		return bad(l, "%s is nested too deep", field);
	if (jv_get_kind(v) == JV_KIND_OBJECT) {
		t->kind = TM_OBJECT;
		n = jv_object_length(jv_copy(v));
		t->kids = xcalloc((size_t)n, sizeof(*t->kids));
		for (it = jv_object_iter(v); jv_object_iter_valid(v, it);
		    it = jv_object_iter_next(v, it)) {
			jv k = jv_object_iter_key(v, it);
			jv x = jv_object_iter_value(v, it);
			const char *ks = jv_string_value(k);
			size_t kl = strlen(ks);
			struct asl_tmpl *kid = &t->kids[t->nkids++];
			int r;

			kid->field = xstrdup(ks);
			kid->value = jv_invalid();
			if (kl >= 2 && strcmp(ks + kl - 2, ".$") == 0) {
				kid->key = xstrndup(ks, kl - 2);
				if (jv_get_kind(x) != JV_KIND_STRING)
					r = bad(l, "%s: the value of '%s' must "
					    "be a path or an intrinsic "
					    "function", field, ks);
				else if (ifn_is_call(jv_string_value(x))) {
					char ierr[IFN_ERRSZ];

					kid->kind = TM_CALL;
					kid->call = ifn_compile(
					    jv_string_value(x), ierr);
					r = kid->call != NULL ? 0 : bad(l,
					    "%s: '%s': invalid intrinsic "
					    "function '%s': %s", field, ks,
					    jv_string_value(x), ierr);
				} else {
					kid->kind = TM_PATH;
					r = compile_path(l, ks, x, 0,
					    &kid->path);
				}
				jv_free(x);
			} else {
				kid->key = xstrdup(ks);
				r = tmpl_build(l, field, x, kid, depth + 1);
			}
			jv_free(k);
			if (r != 0) {
				jv_free(v);
				return -1;
			}
		}
		jv_free(v);
		return 0;
	}
	if (jv_get_kind(v) == JV_KIND_ARRAY) {
		t->kind = TM_ARRAY;
		n = jv_array_length(jv_copy(v));
		t->kids = xcalloc((size_t)n, sizeof(*t->kids));
		for (i = 0; i < n; i++) {
			t->nkids++;
			if (tmpl_build(l, field, jv_array_get(jv_copy(v), i),
			    &t->kids[i], depth + 1) != 0) {
				jv_free(v);
				return -1;
			}
		}
		jv_free(v);
		return 0;
	}
	t->kind = TM_CONST;
	t->value = v;
	return 0;
}

/* A string of the form "{% expr %}", evaluated in JSONata mode. */
static int
is_jsonata(jv v)
{
	const char *s;
	size_t n;

	if (jv_get_kind(v) != JV_KIND_STRING)
		return 0;
	s = jv_string_value(v);
	n = strlen(s);
	return n >= 4 && strncmp(s, "{%", 2) == 0 &&
	    strcmp(s + n - 2, "%}") == 0;
}

/*
 * A JSONata template: "{% %}" strings anywhere inside V (consumed) are
 * expressions, everything else is literal (".$" keys too).  WHERE names
 * the place as AWS's causes do: "Output/a/b[0]".
 */
static int
jtmpl_build(struct loader *l, const char *where, jv v, struct asl_tmpl *t,
    int depth)
{
	struct jn_error jerr;
	const char *s;
	char *kw;
	int it, n, i, r = 0;
	size_t len;

	t->value = jv_invalid();
	t->field = xstrdup(where);
	if (depth > 64) {
		jv_free(v);
		return bad(l, "%s is nested too deep", where);
	}
	switch (jv_get_kind(v)) {
	case JV_KIND_OBJECT:
		t->kind = TM_OBJECT;
		n = jv_object_length(jv_copy(v));
		t->kids = xcalloc((size_t)n, sizeof(*t->kids));
		for (it = jv_object_iter(v); jv_object_iter_valid(v, it) &&
		    r == 0; it = jv_object_iter_next(v, it)) {
			jv k = jv_object_iter_key(v, it);
			struct asl_tmpl *kid = &t->kids[t->nkids++];

			kid->key = xstrdup(jv_string_value(k));
			kw = xasprintf("%s/%s", where, kid->key);
			r = jtmpl_build(l, kw, jv_object_iter_value(v, it), kid,
			    depth + 1);
			free(kw);
			jv_free(k);
		}
		break;
	case JV_KIND_ARRAY:
		t->kind = TM_ARRAY;
		n = jv_array_length(jv_copy(v));
		t->kids = xcalloc((size_t)n, sizeof(*t->kids));
		for (i = 0; i < n && r == 0; i++) {
			kw = xasprintf("%s[%d]", where, i);
			r = jtmpl_build(l, kw, jv_array_get(jv_copy(v), i),
			    &t->kids[t->nkids++], depth + 1);
			free(kw);
		}
		break;
	default:
		if (!is_jsonata(v)) {
			t->kind = TM_CONST;
			t->value = v;
			return 0;
		}
		/* The expression as AWS quotes it: without the spaces. */
		s = jv_string_value(v) + 2;
		len = strlen(s) - 2;
		while (len > 0 && isspace((unsigned char)*s)) {
			s++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			len--;
		t->kind = TM_JSONATA;
		t->text = xstrndup(s, len);
		if ((t->expr = jn_compile(t->text, &jerr)) == NULL)
			r = bad(l, "%s: invalid JSONata expression '%s': %s: "
			    "%s", where, t->text, jerr.code, jerr.message);
		break;
	}
	jv_free(v);
	return r;
}

/* A template (V consumed) in the current state's query language. */
static int
tmpl_of(struct loader *l, const char *where, jv v, struct asl_tmpl **out)
{
	*out = xcalloc(1, sizeof(**out));
	if (l->jsonata)
		return jtmpl_build(l, where, v, *out, 0);
	return tmpl_build(l, where, v, *out, 0);
}

/* Template FIELD of ST, if there; IN names ST's place ("ItemReader"). */
static int
tmpl_field_in(struct loader *l, jv st, const char *in, const char *field,
    struct asl_tmpl **out)
{
	jv v = jv_object_get(jv_copy(st), jv_string(field));
	char *where;
	int r;

	if (!jv_is_valid(v)) {
		jv_free(v);
		return 0;
	}
	where = in != NULL ? xasprintf("%s/%s", in, field) : xstrdup(field);
	r = tmpl_of(l, where, v, out);
	free(where);
	return r;
}

static int
tmpl_field(struct loader *l, jv st, const char *field, struct asl_tmpl **out)
{
	return tmpl_field_in(l, st, NULL, field, out);
}

/*
 * In a JSONata state, take member KEY of *OBJ out when it is "{% %}":
 * compiled into *OUT (named WHERE), so that the literal checks of
 * JSONPath see only literals.
 */
static int
take_jsonata(struct loader *l, jv *obj, const char *key, const char *where,
    struct asl_tmpl **out)
{
	jv v;

	if (!l->jsonata || jv_get_kind(*obj) != JV_KIND_OBJECT)
		return 0;
	v = jv_object_get(jv_copy(*obj), jv_string(key));
	if (!is_jsonata(v)) {
		jv_free(v);
		return 0;
	}
	*obj = jv_object_delete(*obj, jv_string(key));
	return tmpl_of(l, where, v, out);
}

/*
 * A variable's name: what "$name" can read in a path and an expression
 * (a letter or '_', then letters, digits, '_'), and not the reserved
 * "states".
 */
static int
var_name_ok(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	if (strcmp(s, "states") == 0)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/* Assign (WHERE: "Assign", "Choices[0]/Assign"...): an object. */
static int
assign_of(struct loader *l, const char *where, jv v, struct asl_tmpl **out)
{
	size_t i;

	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		return bad(l, "%s must be an object", where);
	}
	l->vars = 1;
	if (tmpl_of(l, where, v, out) != 0)
		return -1;
	for (i = 0; i < (*out)->nkids; i++)
		if (!var_name_ok((*out)->kids[i].key))
			return bad(l, "%s: '%s' is not a variable name (a "
			    "letter or '_', then letters, digits or '_'; not "
			    "'states')", where, (*out)->kids[i].key);
	return 0;
}

/* Assign and (JSONata) Output of a state, a rule or a catcher in OBJ. */
static int
assign_output(struct loader *l, jv obj, const char *prefix,
    struct asl_tmpl **assign, struct asl_tmpl **output)
{
	char *w;
	int r = 0;
	jv v;

	v = jv_object_get(jv_copy(obj), jv_string("Assign"));
	if (jv_is_valid(v)) {
		w = xasprintf("%sAssign", prefix);
		r = assign_of(l, w, v, assign);
		free(w);
	} else
		jv_free(v);
	v = jv_object_get(jv_copy(obj), jv_string("Output"));
	if (r == 0 && jv_is_valid(v)) {
		w = xasprintf("%sOutput", prefix);
		r = tmpl_of(l, w, v, output);
		free(w);
	} else
		jv_free(v);
	return r;
}

static int
int_field(struct loader *l, jv st, const char *field, long lo, long hi,
    long *out)
{
	jv v = jv_object_get(jv_copy(st), jv_string(field));
	double d;

	if (!jv_is_valid(v)) {
		jv_free(v);
		return 0;
	}
	if (jv_get_kind(v) != JV_KIND_NUMBER) {
		jv_free(v);
		return bad(l, "%s must be an integer", field);
	}
	d = jv_number_value(v);
	jv_free(v);
	if (d != floor(d) || d < lo || d > hi)
		return bad(l, "%s must be an integer from %ld to %ld", field,
		    lo, hi);
	*out = (long)d;
	return 1;
}

static int
string_list(struct loader *l, jv v, const char *field, char ***out,
    size_t *n)
{
	int i, len;

	if (jv_get_kind(v) != JV_KIND_ARRAY ||
	    (len = jv_array_length(jv_copy(v))) == 0)
		return bad(l, "%s must be a non-empty array of error names",
		    field);
	*out = xcalloc((size_t)len, sizeof(**out));
	for (i = 0; i < len; i++) {
		jv x = jv_array_get(jv_copy(v), i);

		if (jv_get_kind(x) != JV_KIND_STRING) {
			jv_free(x);
			return bad(l, "%s must hold strings", field);
		}
		(*out)[(*n)++] = xstrdup(jv_string_value(x));
		jv_free(x);
	}
	for (i = 0; i < len; i++)
		if (strcmp((*out)[i], "States.ALL") == 0 && len > 1)
			return bad(l, "States.ALL must appear alone in %s",
			    field);
	return 0;
}

static int
check_keys(struct loader *l, jv obj, const char *what,
    const char *const *allowed)
{
	int it, i, r = 0;

	for (it = jv_object_iter(obj); jv_object_iter_valid(obj, it) && !r;
	    it = jv_object_iter_next(obj, it)) {
		jv k = jv_object_iter_key(obj, it);
		const char *ks = jv_string_value(k);

		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(ks, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL)
			r = bad(l, "%s: unknown field '%s'", what, ks);
		jv_free(k);
	}
	return r;
}

static int
load_retry(struct loader *l, jv v, struct asl_state *s)
{
	static const char *const keys[] = { "ErrorEquals", "IntervalSeconds",
	    "MaxAttempts", "BackoffRate", "MaxDelaySeconds",
	    "JitterStrategy", "Comment", NULL };
	int i, n;

	if (jv_get_kind(v) != JV_KIND_ARRAY)
		return bad(l, "Retry must be an array");
	n = jv_array_length(jv_copy(v));
	s->retry = xcalloc((size_t)n, sizeof(*s->retry));
	for (i = 0; i < n; i++) {
		jv r = jv_array_get(jv_copy(v), i), x;
		struct asl_retrier *rt = &s->retry[s->nretry++];
		long iv = 1;
		int bad_ = 0;

		rt->interval = 1;
		rt->max_attempts = 3;
		rt->backoff = 2.0;
		if (jv_get_kind(r) != JV_KIND_OBJECT) {
			jv_free(r);
			return bad(l, "a retrier must be an object");
		}
		x = jv_object_get(jv_copy(r), jv_string("ErrorEquals"));
		bad_ = check_keys(l, r, "Retry", keys) != 0 ||
		    string_list(l, x, "ErrorEquals", &rt->errors,
		    &rt->nerrors) != 0;
		jv_free(x);
		if (!bad_ && int_field(l, r, "IntervalSeconds", 1, 99999999,
		    &iv) < 0)
			bad_ = 1;
		rt->interval = (double)iv;
		if (!bad_ && int_field(l, r, "MaxAttempts", 0, 99999999,
		    &rt->max_attempts) < 0)
			bad_ = 1;
		if (!bad_ && int_field(l, r, "MaxDelaySeconds", 1, 31622401,
		    &rt->max_delay) < 0)
			bad_ = 1;
		x = jv_object_get(jv_copy(r), jv_string("BackoffRate"));
		if (!bad_ && jv_is_valid(x)) {
			if (jv_get_kind(x) != JV_KIND_NUMBER ||
			    jv_number_value(x) < 1.0)
				bad_ = bad(l, "BackoffRate must be a number "
				    ">= 1.0") != 0;
			else
				rt->backoff = jv_number_value(x);
		}
		jv_free(x);
		x = jv_object_get(jv_copy(r), jv_string("JitterStrategy"));
		if (!bad_ && jv_is_valid(x)) {
			if (jv_get_kind(x) != JV_KIND_STRING ||
			    (strcmp(jv_string_value(x), "FULL") != 0 &&
			    strcmp(jv_string_value(x), "NONE") != 0))
				bad_ = bad(l, "JitterStrategy must be FULL or "
				    "NONE") != 0;
			else
				rt->jitter_full = strcmp(jv_string_value(x),
				    "FULL") == 0;
		}
		jv_free(x);
		jv_free(r);
		if (bad_)
			return -1;
		if (rt->nerrors == 1 && strcmp(rt->errors[0], "States.ALL") ==
		    0 && i != n - 1)
			return bad(l, "a retrier with States.ALL must be the "
			    "last one");
	}
	return 0;
}

static int
load_catch(struct loader *l, jv v, struct asl_state *s)
{
	static const char *const keys[] = { "ErrorEquals", "Next",
	    "ResultPath", "Assign", "Comment", NULL };
	static const char *const jkeys[] = { "ErrorEquals", "Next",
	    "Output", "Assign", "Comment", NULL };
	char prefix[32];
	int i, n;

	if (jv_get_kind(v) != JV_KIND_ARRAY)
		return bad(l, "Catch must be an array");
	n = jv_array_length(jv_copy(v));
	s->catchers = xcalloc((size_t)n, sizeof(*s->catchers));
	for (i = 0; i < n; i++) {
		jv c = jv_array_get(jv_copy(v), i), x;
		struct asl_catcher *ct = &s->catchers[s->ncatch++];
		int bad_ = 0;

		if (jv_get_kind(c) != JV_KIND_OBJECT) {
			jv_free(c);
			return bad(l, "a catcher must be an object");
		}
		snprintf(prefix, sizeof(prefix), "Catch[%d]/", i);
		x = jv_object_get(jv_copy(c), jv_string("ErrorEquals"));
		bad_ = check_keys(l, c, "Catch", l->jsonata ? jkeys : keys) !=
		    0 || assign_output(l, c, prefix, &ct->assign,
		    &ct->output) != 0 ||
		    string_list(l, x, "ErrorEquals", &ct->errors,
		    &ct->nerrors) != 0;
		jv_free(x);
		x = jv_object_get(jv_copy(c), jv_string("Next"));
		if (!bad_ && jv_get_kind(x) != JV_KIND_STRING)
			bad_ = bad(l, "a catcher needs Next") != 0;
		else if (!bad_)
			ct->next = xstrdup(jv_string_value(x));
		jv_free(x);
		if (!bad_ && opt_path(l, c, "ResultPath", 1,
		    &ct->result_path) != 0)
			bad_ = 1;
		jv_free(c);
		if (bad_)
			return -1;
		if (ct->nerrors == 1 && strcmp(ct->errors[0], "States.ALL") ==
		    0 && i != n - 1)
			return bad(l, "a catcher with States.ALL must be the "
			    "last one");
	}
	return 0;
}

static int
load_wait(struct loader *l, jv st, struct asl_state *s)
{
	int n = 0;
	jv v;

	s->seconds = -1;
	n += jv_object_has(jv_copy(st), jv_string("Seconds"));
	n += jv_object_has(jv_copy(st), jv_string("SecondsPath"));
	n += jv_object_has(jv_copy(st), jv_string("Timestamp"));
	n += jv_object_has(jv_copy(st), jv_string("TimestampPath"));
	n += s->jfield[JF_SECONDS] != NULL;
	n += s->jfield[JF_TIMESTAMP] != NULL;
	if (n != 1)
		return bad(l, "a Wait state needs exactly one of Seconds, "
		    "SecondsPath, Timestamp, TimestampPath");
	if (int_field(l, st, "Seconds", 0, 99999999, &s->seconds) < 0)
		return -1;
	v = jv_object_get(jv_copy(st), jv_string("Timestamp"));
	if (jv_is_valid(v)) {
		if (jv_get_kind(v) != JV_KIND_STRING ||
		    asl_timestamp(jv_string_value(v), NULL, NULL) != 0) {
			jv_free(v);
			return bad(l, "Timestamp must be an ISO-8601 extended "
			    "offset date-time string");
		}
		s->timestamp = xstrdup(jv_string_value(v));
	}
	jv_free(v);
	if (path_field(l, st, "SecondsPath", 1, &s->seconds_path) != 0 ||
	    path_field(l, st, "TimestampPath", 1, &s->timestamp_path) != 0)
		return -1;
	return 0;
}

static int
load_fail(struct loader *l, jv st, struct asl_state *s)
{
	jv e = jv_object_get(jv_copy(st), jv_string("Error"));
	jv ep = jv_object_get(jv_copy(st), jv_string("ErrorPath"));
	jv c = jv_object_get(jv_copy(st), jv_string("Cause"));
	jv cp = jv_object_get(jv_copy(st), jv_string("CausePath"));
	int r = 0;

	if (jv_is_valid(e) && jv_is_valid(ep))
		r = bad(l, "Error and ErrorPath cannot both be given");
	else if (jv_is_valid(c) && jv_is_valid(cp))
		r = bad(l, "Cause and CausePath cannot both be given");
	else if (jv_is_valid(e) && jv_get_kind(e) != JV_KIND_STRING)
		r = bad(l, "Error must be a string");
	else if (jv_is_valid(c) && jv_get_kind(c) != JV_KIND_STRING)
		r = bad(l, "Cause must be a string");
	if (r == 0 && jv_is_valid(e))
		s->error = xstrdup(jv_string_value(e));
	if (r == 0 && jv_is_valid(c))
		s->cause = xstrdup(jv_string_value(c));
	if (r == 0 && jv_is_valid(ep))
		r = ref_field(l, "ErrorPath", ep, &s->error_path);
	if (r == 0 && jv_is_valid(cp))
		r = ref_field(l, "CausePath", cp, &s->cause_path);
	jv_free(e);
	jv_free(ep);
	jv_free(c);
	jv_free(cp);
	return r;
}

static int
number_or_path(struct loader *l, jv st, const char *field, double lo,
    double hi, int integer, double *out, struct jpath **path)
{
	char pf[64];
	jv v = jv_object_get(jv_copy(st), jv_string(field));
	double d;

	snprintf(pf, sizeof(pf), "%sPath", field);
	if (jv_is_valid(v) && jv_object_has(jv_copy(st), jv_string(pf))) {
		jv_free(v);
		return bad(l, "%s and %s cannot both be given", field, pf);
	}
	if (jv_is_valid(v)) {
		if (jv_get_kind(v) != JV_KIND_NUMBER) {
			jv_free(v);
			return bad(l, "%s must be a number", field);
		}
		d = jv_number_value(v);
		jv_free(v);
		if ((integer && d != floor(d)) || d < lo || d > hi)
			return bad(l, "%s must be %s from %g to %g", field,
			    integer ? "an integer" : "a number", lo, hi);
		*out = d;
		return 0;
	}
	jv_free(v);
	return path_field(l, st, pf, 1, path);
}

static int
load_batcher(struct loader *l, jv st, struct asl_state *s)
{
	static const char *const keys[] = { "MaxItemsPerBatch",
	    "MaxItemsPerBatchPath", "MaxInputBytesPerBatch",
	    "MaxInputBytesPerBatchPath", "BatchInput", NULL };
	static const char *const jkeys[] = { "MaxItemsPerBatch",
	    "MaxInputBytesPerBatch", "BatchInput", NULL };
	jv b = jv_object_get(jv_copy(st), jv_string("ItemBatcher"));
	double d = 0;
	int r = 0;

	if (!jv_is_valid(b)) {
		jv_free(b);
		return 0;
	}
	s->batcher = 1;
	if (jv_get_kind(b) != JV_KIND_OBJECT)
		r = bad(l, "ItemBatcher must be an object");
	if (r == 0)
		r = check_keys(l, b, "ItemBatcher", l->jsonata ? jkeys : keys);
	if (r == 0)
		r = take_jsonata(l, &b, "MaxItemsPerBatch",
		    "ItemBatcher/MaxItemsPerBatch",
		    &s->jfield[JF_BATCH_MAX_ITEMS]);
	if (r == 0)
		r = take_jsonata(l, &b, "MaxInputBytesPerBatch",
		    "ItemBatcher/MaxInputBytesPerBatch",
		    &s->jfield[JF_BATCH_MAX_BYTES]);
	if (r == 0)
		r = number_or_path(l, b, "MaxItemsPerBatch", 1, 1e8, 1, &d,
		    &s->batch_max_items_path);
	s->batch_max_items = (long)d;
	d = 0;
	if (r == 0)
		r = number_or_path(l, b, "MaxInputBytesPerBatch", 1, 262144, 1,
		    &d, &s->batch_max_bytes_path);
	s->batch_max_bytes = (long)d;
	if (r == 0)
		r = tmpl_field_in(l, b, "ItemBatcher", "BatchInput",
		    &s->batch_input);
	if (r == 0 && s->batch_max_items == 0 &&
	    s->batch_max_items_path == NULL && s->batch_max_bytes == 0 &&
	    s->batch_max_bytes_path == NULL &&
	    s->jfield[JF_BATCH_MAX_ITEMS] == NULL &&
	    s->jfield[JF_BATCH_MAX_BYTES] == NULL)
		r = bad(l, "ItemBatcher needs MaxItemsPerBatch or "
		    "MaxInputBytesPerBatch");
	jv_free(b);
	return r;
}

static int
load_reader(struct loader *l, jv rd, struct asl_state *s)
{
	static const char *const keys[] = { "Resource", "Parameters",
	    "ReaderConfig", NULL };
	static const char *const jkeys[] = { "Resource", "Arguments",
	    "ReaderConfig", NULL };
	static const char *const ckeys[] = { "InputType",
	    "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter", "MaxItems",
	    "MaxItemsPath", NULL };
	static const char *const jckeys[] = { "InputType",
	    "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter", "MaxItems",
	    NULL };
	const char *params = l->jsonata ? "Arguments" : "Parameters";
	jv v;
	double d = 0;
	int r = 0;

	if (jv_get_kind(rd) != JV_KIND_OBJECT)
		return bad(l, "ItemReader must be an object");
	if (check_keys(l, rd, "ItemReader", l->jsonata ? jkeys : keys) != 0)
		return -1;
	v = jv_object_get(jv_copy(rd), jv_string("Resource"));
	if (jv_get_kind(v) != JV_KIND_STRING ||
	    (strcmp(jv_string_value(v), ITEMIO_GET) != 0 &&
	    strcmp(jv_string_value(v), ITEMIO_LIST) != 0)) {
		jv_free(v);
		return bad(l, "ItemReader.Resource must be %s or %s (read "
		    "from local files)", ITEMIO_GET, ITEMIO_LIST);
	}
	s->reader = xstrdup(jv_string_value(v));
	jv_free(v);
	if (tmpl_field_in(l, rd, "ItemReader", params, &s->reader_params) !=
	    0)
		return -1;
	if (s->reader_params == NULL)
		return bad(l, "ItemReader needs %s (Bucket, Key or Prefix)",
		    params);
	s->reader_config = jv_object_get(jv_copy(rd),
	    jv_string("ReaderConfig"));
	if (!jv_is_valid(s->reader_config))
		return 0;
	if (jv_get_kind(s->reader_config) != JV_KIND_OBJECT)
		return bad(l, "ReaderConfig must be an object");
	if (check_keys(l, s->reader_config, "ReaderConfig", l->jsonata ?
	    jckeys : ckeys) != 0 || take_jsonata(l, &s->reader_config,
	    "MaxItems", "ItemReader/ReaderConfig/MaxItems",
	    &s->jfield[JF_READER_MAX_ITEMS]) != 0)
		return -1;
	v = jv_object_get(jv_copy(s->reader_config), jv_string("InputType"));
	if (jv_is_valid(v) && (jv_get_kind(v) != JV_KIND_STRING ||
	    (strcmp(jv_string_value(v), "JSON") != 0 &&
	    strcmp(jv_string_value(v), "JSONL") != 0 &&
	    strcmp(jv_string_value(v), "CSV") != 0)))
		r = bad(l, "ReaderConfig.InputType must be JSON, JSONL or "
		    "CSV");
	jv_free(v);
	if (r == 0)
		r = number_or_path(l, s->reader_config, "MaxItems", 0,
		    100000000, 1, &d, &s->reader_max_path);
	s->reader_max = (long)d;
	return r;
}

static int
load_writer(struct loader *l, jv wr, struct asl_state *s)
{
	static const char *const keys[] = { "Resource", "Parameters", NULL };
	static const char *const jkeys[] = { "Resource", "Arguments", NULL };
	const char *params = l->jsonata ? "Arguments" : "Parameters";
	jv v;

	if (jv_get_kind(wr) != JV_KIND_OBJECT)
		return bad(l, "ResultWriter must be an object");
	if (check_keys(l, wr, "ResultWriter", l->jsonata ? jkeys : keys) != 0)
		return -1;
	v = jv_object_get(jv_copy(wr), jv_string("Resource"));
	if (jv_get_kind(v) != JV_KIND_STRING ||
	    strcmp(jv_string_value(v), ITEMIO_PUT) != 0) {
		jv_free(v);
		return bad(l, "ResultWriter.Resource must be %s (written to "
		    "local files)", ITEMIO_PUT);
	}
	jv_free(v);
	s->writer = 1;
	if (tmpl_field_in(l, wr, "ResultWriter", params, &s->writer_params) !=
	    0)
		return -1;
	if (s->writer_params == NULL)
		return bad(l, "ResultWriter needs %s (Bucket, Prefix)", params);
	return 0;
}

static int
load_map(struct loader *l, jv st, struct asl_state *s)
{
	const char *where = l->where;
	double d;
	jv p, cfg, mode, v;
	int r;

	p = jv_object_get(jv_copy(st), jv_string("ItemProcessor"));
	if (!jv_is_valid(p)) {
		jv_free(p);
		p = jv_object_get(jv_copy(st), jv_string("Iterator"));
	} else if (jv_object_has(jv_copy(st), jv_string("Iterator"))) {
		jv_free(p);
		return bad(l, "ItemProcessor and Iterator cannot both be "
		    "given");
	}
	if (jv_get_kind(p) != JV_KIND_OBJECT) {
		jv_free(p);
		return bad(l, "a Map state needs ItemProcessor (or Iterator)");
	}
	cfg = jv_object_get(jv_copy(p), jv_string("ProcessorConfig"));
	if (jv_get_kind(cfg) == JV_KIND_OBJECT) {
		mode = jv_object_get(jv_copy(cfg), jv_string("Mode"));
		if (jv_get_kind(mode) == JV_KIND_STRING &&
		    strcmp(jv_string_value(mode), "DISTRIBUTED") == 0)
			s->distributed = 1;
		else if (jv_is_valid(mode) && (jv_get_kind(mode) !=
		    JV_KIND_STRING || strcmp(jv_string_value(mode),
		    "INLINE") != 0)) {
			jv_free(mode);
			jv_free(cfg);
			jv_free(p);
			return bad(l, "ProcessorConfig.Mode must be INLINE or "
			    "DISTRIBUTED");
		}
		jv_free(mode);
	}
	jv_free(cfg);
	s->processor = xcalloc(1, sizeof(*s->processor));
	r = load_states(l, p, s->processor, 1);
	jv_free(p);
	l->where = where;
	l->jsonata = s->jsonata;
	if (r != 0)
		return -1;
	if (path_field(l, st, "ItemsPath", 1, &s->items_path) != 0 ||
	    tmpl_field(l, st, "ItemSelector", &s->item_selector) != 0)
		return -1;
	if (s->item_selector != NULL && s->parameters != NULL)
		return bad(l, "ItemSelector and Parameters cannot both be "
		    "given");
	if (s->item_selector == NULL) {
		s->item_selector = s->parameters;
		s->parameters = NULL;
	}
	d = 0;
	if (number_or_path(l, st, "MaxConcurrency", 0, 2147483647, 1, &d,
	    &s->max_concurrency_path) != 0)
		return -1;
	s->max_concurrency = (long)d;
	s->tolerated_pct = -1;
	s->tolerated_count = -1;
	d = -1;
	if (number_or_path(l, st, "ToleratedFailurePercentage", 0, 100, 0,
	    &s->tolerated_pct, &s->tolerated_pct_path) != 0 ||
	    number_or_path(l, st, "ToleratedFailureCount", 0, 2147483647, 1,
	    &d, &s->tolerated_count_path) != 0)
		return -1;
	s->tolerated_count = (long)d;
	if (load_batcher(l, st, s) != 0)
		return -1;
	v = jv_object_get(jv_copy(st), jv_string("Label"));
	if (jv_is_valid(v)) {
		if (jv_get_kind(v) != JV_KIND_STRING ||
		    !awsid_name_ok(jv_string_value(v), 40, NULL)) {
			jv_free(v);
			return bad(l, "Label must be up to 40 letters, digits, "
			    "'.', '-' or '_'");
		}
		s->label = xstrdup(jv_string_value(v));
	}
	jv_free(v);
	v = jv_object_get(jv_copy(st), jv_string("ItemReader"));
	r = jv_is_valid(v) ? load_reader(l, v, s) : 0;
	jv_free(v);
	if (r != 0)
		return -1;
	v = jv_object_get(jv_copy(st), jv_string("ResultWriter"));
	r = jv_is_valid(v) ? load_writer(l, v, s) : 0;
	jv_free(v);
	return r;
}

/* 1 if NAME is in the NULL-terminated LIST. */
static int
in_list(const char *const *list, const char *name)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return 1;
	return 0;
}

/*
 * The fields of ST (of type S->type) against its query language: a
 * JSONPath field in a JSONata state, and the reverse, are named as such.
 */
static int
check_fields(struct loader *l, jv st, const struct asl_state *s)
{
	static const char *const common[] = { "Type", "Comment",
	    "QueryLanguage", NULL };
	const char *const *mine = s->jsonata ? jfields[s->type] :
	    fields[s->type];
	const char *const *other = s->jsonata ? fields[s->type] :
	    jfields[s->type];
	int it, r = 0;

	for (it = jv_object_iter(st); jv_object_iter_valid(st, it) && r == 0;
	    it = jv_object_iter_next(st, it)) {
		jv key = jv_object_iter_key(st, it);
		const char *ks = jv_string_value(key);

		if (in_list(common, ks) || in_list(mine, ks))
			;
		else if (in_list(other, ks))
			r = bad(l, "the field '%s' is not supported when the "
			    "QueryLanguage is %s", ks, s->jsonata ?
			    "JSONata" : "JSONPath");
		else
			r = bad(l, "field '%s' is not valid in a %s state", ks,
			    type_names[s->type]);
		jv_free(key);
	}
	return r;
}

/* The query language of ST: its own, else the machine's. */
static int
state_language(struct loader *l, jv st, int *jsonata)
{
	jv v = jv_object_get(jv_copy(st), jv_string("QueryLanguage"));
	int r = 0;

	*jsonata = l->top_jsonata;
	if (!jv_is_valid(v))
		;
	else if (jv_get_kind(v) != JV_KIND_STRING ||
	    (strcmp(jv_string_value(v), "JSONata") != 0 &&
	    strcmp(jv_string_value(v), "JSONPath") != 0))
		r = bad(l, "QueryLanguage must be JSONPath or JSONata");
	else if (strcmp(jv_string_value(v), "JSONata") == 0)
		*jsonata = 1;
	else if (l->top_jsonata)
		r = bad(l, "QueryLanguage JSONPath is not allowed in a state "
		    "machine whose QueryLanguage is JSONata");
	jv_free(v);
	return r;
}

static int	load_state_in(struct loader *, const char *name, jv st,
		    struct asl_state *);

/*
 * Rule I of a Choice state (C consumed): a JSONata rule is a Condition
 * with Next, Assign and Output; a JSONPath rule is compiled by choice.c,
 * its Assign taken out first.
 */
static int
load_rule(struct loader *l, jv c, int i, struct asl_state *s)
{
	static const char *const jkeys[] = { "Condition", "Next", "Assign",
	    "Output", "Comment", NULL };
	struct asl_rule *ru = &s->rules[i];
	char cerr[CHOICE_ERRSZ], prefix[32], where[48];
	jv v;
	int r;

	if (jv_get_kind(c) != JV_KIND_OBJECT) {
		jv_free(c);
		return bad(l, "Choices[%d] must be an object", i);
	}
	snprintf(prefix, sizeof(prefix), "Choices[%d]/", i);
	if (s->jsonata) {
		r = check_keys(l, c, "Choices", jkeys);
		v = jv_object_get(jv_copy(c), jv_string("Next"));
		if (r == 0 && jv_get_kind(v) != JV_KIND_STRING)
			r = bad(l, "Choices[%d] needs Next", i);
		else if (r == 0)
			ru->next = xstrdup(jv_string_value(v));
		jv_free(v);
		v = jv_object_get(jv_copy(c), jv_string("Condition"));
		if (r == 0 && !jv_is_valid(v))
			r = bad(l, "Choices[%d] needs a Condition", i);
		snprintf(where, sizeof(where), "%sCondition", prefix);
		if (r == 0)
			r = tmpl_of(l, where, jv_copy(v), &ru->condition);
		jv_free(v);
		if (r == 0)
			r = assign_output(l, c, prefix, &ru->assign,
			    &ru->output);
		jv_free(c);
		return r;
	}
	if (jv_object_has(jv_copy(c), jv_string("Output"))) {
		jv_free(c);
		return bad(l, "the field 'Output' is not supported when the "
		    "QueryLanguage is JSONPath");
	}
	if (assign_output(l, c, prefix, &ru->assign, &ru->output) != 0) {
		jv_free(c);
		return -1;
	}
	c = jv_object_delete(c, jv_string("Assign"));
	s->choices[i] = choice_compile(c, 1, cerr);
	jv_free(c);
	if (s->choices[i] == NULL)
		return bad(l, "Choices[%d]: %s", i, cerr);
	return 0;
}

/*
 * Load one state.  In JSONata mode, fields that are literals in JSONPath
 * (Seconds, TimeoutSeconds, Error, MaxConcurrency...) may be "{% %}":
 * those are taken out first, so that the literal checks see only
 * literals.
 */
static int
load_state(struct loader *l, const char *name, jv st, struct asl_state *s)
{
	int i, r;

	l->where = name;
	if (jv_get_kind(st) != JV_KIND_OBJECT)
		return bad(l, "a state must be an object");
	if (state_language(l, st, &s->jsonata) != 0)
		return -1;
	l->jsonata = s->jsonata;
	st = jv_copy(st);
	for (i = 0; i < JF_STATE_FIELDS; i++)
		if (take_jsonata(l, &st, jfield_names[i], jfield_names[i],
		    &s->jfield[i]) != 0) {
			jv_free(st);
			return -1;
		}
	r = load_state_in(l, name, st, s);
	jv_free(st);
	return r;
}

static int
load_state_in(struct loader *l, const char *name, jv st, struct asl_state *s)
{
	jv t, v;
	int i, r = 0;

	s->name = xstrdup(name);
	s->next_idx = -1;
	s->dflt_idx = -1;
	s->result = jv_invalid();
	s->reader_config = jv_invalid();
	l->where = s->name;
	if (strlen(name) > ASL_NAME_MAX)
		return bad(l, "a state name has at most 80 characters");
	if (jv_get_kind(st) != JV_KIND_OBJECT)
		return bad(l, "a state must be an object");
	t = jv_object_get(jv_copy(st), jv_string("Type"));
	if (jv_get_kind(t) != JV_KIND_STRING) {
		jv_free(t);
		return bad(l, "a state needs a Type");
	}
	for (i = 0; i <= ASL_MAP; i++)
		if (strcmp(jv_string_value(t), type_names[i]) == 0)
			break;
	if (i > ASL_MAP) {
		r = bad(l, "unknown Type '%s'", jv_string_value(t));
		jv_free(t);
		return r;
	}
	jv_free(t);
	s->type = (enum asl_type)i;
	if (check_fields(l, st, s) != 0 ||
	    assign_output(l, st, "", &s->assign, &s->output) != 0 ||
	    tmpl_field(l, st, "Arguments", &s->arguments) != 0 ||
	    tmpl_field(l, st, "Items", &s->items) != 0)
		return -1;

	/* Next or End. */
	v = jv_object_get(jv_copy(st), jv_string("Next"));
	if (jv_is_valid(v)) {
		if (jv_get_kind(v) != JV_KIND_STRING) {
			jv_free(v);
			return bad(l, "Next must be a state name");
		}
		s->next = xstrdup(jv_string_value(v));
	}
	jv_free(v);
	v = jv_object_get(jv_copy(st), jv_string("End"));
	if (jv_is_valid(v)) {
		if (jv_get_kind(v) != JV_KIND_TRUE &&
		    jv_get_kind(v) != JV_KIND_FALSE) {
			jv_free(v);
			return bad(l, "End must be a boolean");
		}
		s->end = jv_get_kind(v) == JV_KIND_TRUE;
	}
	jv_free(v);
	if (s->type != ASL_CHOICE && s->type != ASL_SUCCEED &&
	    s->type != ASL_FAIL) {
		if (s->end && s->next != NULL)
			return bad(l, "a state cannot have both Next and End");
		if (!s->end && s->next == NULL)
			return bad(l, "a %s state needs Next or \"End\": true",
			    type_names[s->type]);
	}

	if (opt_path(l, st, "InputPath", 0, &s->input_path) != 0 ||
	    opt_path(l, st, "OutputPath", 0, &s->output_path) != 0 ||
	    opt_path(l, st, "ResultPath", 1, &s->result_path) != 0 ||
	    tmpl_field(l, st, "Parameters", &s->parameters) != 0 ||
	    tmpl_field(l, st, "ResultSelector", &s->result_selector) != 0)
		return -1;
	s->result = jv_object_get(jv_copy(st), jv_string("Result"));
	v = jv_object_get(jv_copy(st), jv_string("Retry"));
	if (jv_is_valid(v) && load_retry(l, v, s) != 0)
		r = -1;
	jv_free(v);
	v = jv_object_get(jv_copy(st), jv_string("Catch"));
	if (r == 0 && jv_is_valid(v) && load_catch(l, v, s) != 0)
		r = -1;
	jv_free(v);
	if (r != 0)
		return r;

	switch (s->type) {
	case ASL_TASK:
		v = jv_object_get(jv_copy(st), jv_string("Resource"));
		if (jv_get_kind(v) != JV_KIND_STRING) {
			jv_free(v);
			return bad(l, "a Task state needs a Resource");
		}
		s->resource = xstrdup(jv_string_value(v));
		jv_free(v);
		if (strncmp(s->resource, PUTEVENTS_ARN,
		    strlen(PUTEVENTS_ARN)) == 0)
			l->putevents = 1;
		if (jv_object_has(jv_copy(st), jv_string("TimeoutSeconds")) &&
		    jv_object_has(jv_copy(st),
		    jv_string("TimeoutSecondsPath")))
			return bad(l, "TimeoutSeconds and TimeoutSecondsPath "
			    "cannot both be given");
		if (jv_object_has(jv_copy(st), jv_string("HeartbeatSeconds")) &&
		    jv_object_has(jv_copy(st),
		    jv_string("HeartbeatSecondsPath")))
			return bad(l, "HeartbeatSeconds and "
			    "HeartbeatSecondsPath cannot both be given");
		if (int_field(l, st, "TimeoutSeconds", 1, 99999999,
		    &s->timeout) < 0 ||
		    int_field(l, st, "HeartbeatSeconds", 1, 99999999,
		    &s->heartbeat) < 0 ||
		    path_field(l, st, "TimeoutSecondsPath", 1,
		    &s->timeout_path) != 0 ||
		    path_field(l, st, "HeartbeatSecondsPath", 1,
		    &s->heartbeat_path) != 0)
			return -1;
		if (s->timeout > 0 && s->heartbeat >= s->timeout)
			return bad(l, "HeartbeatSeconds must be smaller than "
			    "TimeoutSeconds");
		break;
	case ASL_CHOICE: {
		int n;

		v = jv_object_get(jv_copy(st), jv_string("Choices"));
		if (jv_get_kind(v) != JV_KIND_ARRAY ||
		    (n = jv_array_length(jv_copy(v))) == 0) {
			jv_free(v);
			return bad(l, "a Choice state needs a non-empty "
			    "Choices array");
		}
		s->choices = xcalloc((size_t)n, sizeof(*s->choices));
		s->rules = xcalloc((size_t)n, sizeof(*s->rules));
		s->choice_idx = xcalloc((size_t)n, sizeof(*s->choice_idx));
		for (i = 0; i < n; i++) {
			jv c = jv_array_get(jv_copy(v), i);

			s->nchoices++;
			r = load_rule(l, c, i, s);
			if (r != 0) {
				jv_free(v);
				return r;
			}
		}
		jv_free(v);
		v = jv_object_get(jv_copy(st), jv_string("Default"));
		if (jv_is_valid(v)) {
			if (jv_get_kind(v) != JV_KIND_STRING) {
				jv_free(v);
				return bad(l, "Default must be a state name");
			}
			s->dflt = xstrdup(jv_string_value(v));
		}
		jv_free(v);
		break;
	}
	case ASL_WAIT:
		return load_wait(l, st, s);
	case ASL_FAIL:
		return load_fail(l, st, s);
	case ASL_PARALLEL: {
		const char *where = l->where;
		int n;

		v = jv_object_get(jv_copy(st), jv_string("Branches"));
		if (jv_get_kind(v) != JV_KIND_ARRAY ||
		    (n = jv_array_length(jv_copy(v))) == 0) {
			jv_free(v);
			return bad(l, "a Parallel state needs a non-empty "
			    "Branches array");
		}
		s->branches = xcalloc((size_t)n, sizeof(*s->branches));
		for (i = 0; i < n; i++) {
			jv b = jv_array_get(jv_copy(v), i);

			s->nbranches++;
			r = load_states(l, b, &s->branches[i], 0);
			jv_free(b);
			l->where = where;
			l->jsonata = s->jsonata;
			if (r != 0) {
				jv_free(v);
				return -1;
			}
		}
		jv_free(v);
		break;
	}
	case ASL_MAP:
		return load_map(l, st, s);
	default:
		break;
	}
	return 0;
}

static int
resolve(struct loader *l, struct asl_states *ss, const char *from,
    const char *what, const char *name, int *idx)
{
	if (name == NULL)
		return 0;
	if ((*idx = asl_find(ss, name)) < 0) {
		l->where = from;
		return bad(l, "%s '%s' is not a state of this %s", what, name,
		    "state machine or branch");
	}
	return 0;
}

static void
mark(struct asl_states *ss, int i, char *seen)
{
	struct asl_state *s;
	size_t k;

	if (i < 0 || seen[i])
		return;
	seen[i] = 1;
	s = &ss->states[i];
	mark(ss, s->next_idx, seen);
	mark(ss, s->dflt_idx, seen);
	for (k = 0; k < s->nchoices; k++)
		mark(ss, s->choice_idx[k], seen);
	for (k = 0; k < s->ncatch; k++)
		mark(ss, s->catchers[k].next_idx, seen);
}

static int
load_states(struct loader *l, jv def, struct asl_states *ss, int processor)
{
	static const char *const keys[] = { "StartAt", "States", "Comment",
	    "Version", "TimeoutSeconds", "QueryLanguage", NULL };
	static const char *const pkeys[] = { "StartAt", "States", "Comment",
	    "ProcessorConfig", NULL };
	const char *where = l->where;
	jv v, states;
	int it, n;
	size_t i, k;
	char *seen;

	if (jv_get_kind(def) != JV_KIND_OBJECT)
		return bad(l, "%s must be an object", where != NULL ?
		    "a branch or item processor" : "the definition");
	v = jv_object_get(jv_copy(def), jv_string("QueryLanguage"));
	if (jv_is_valid(v) && (jv_get_kind(v) != JV_KIND_STRING ||
	    (strcmp(jv_string_value(v), "JSONPath") != 0 &&
	    strcmp(jv_string_value(v), "JSONata") != 0))) {
		jv_free(v);
		return bad(l, "QueryLanguage must be JSONPath or JSONata");
	}
	if (where == NULL)
		l->top_jsonata = jv_is_valid(v) &&
		    strcmp(jv_string_value(v), "JSONata") == 0;
	else if (jv_is_valid(v)) {
		/* Its states take the machine's language, or their own. */
		jv_free(v);
		return bad(l, "QueryLanguage belongs on the definition or on "
		    "a state, not on a branch or item processor");
	}
	jv_free(v);
	if (check_keys(l, def, where != NULL ? (processor ? "ItemProcessor" :
	    "branch") : "definition", processor ? pkeys : keys) != 0)
		return -1;
	v = jv_object_get(jv_copy(def), jv_string("StartAt"));
	if (jv_get_kind(v) != JV_KIND_STRING) {
		jv_free(v);
		return bad(l, "StartAt is missing or not a string");
	}
	ss->start_at = xstrdup(jv_string_value(v));
	jv_free(v);
	states = jv_object_get(jv_copy(def), jv_string("States"));
	if (jv_get_kind(states) != JV_KIND_OBJECT ||
	    (n = jv_object_length(jv_copy(states))) == 0) {
		jv_free(states);
		return bad(l, "States is missing or empty");
	}
	ss->states = xcalloc((size_t)n, sizeof(*ss->states));
	for (it = jv_object_iter(states); jv_object_iter_valid(states, it);
	    it = jv_object_iter_next(states, it)) {
		jv key = jv_object_iter_key(states, it);
		jv st = jv_object_iter_value(states, it);
		int r;

		r = load_state(l, jv_string_value(key), st,
		    &ss->states[ss->nstates++]);
		jv_free(key);
		jv_free(st);
		if (r != 0) {
			jv_free(states);
			return -1;
		}
	}
	jv_free(states);
	l->where = where;
	if ((ss->start = asl_find(ss, ss->start_at)) < 0)
		return bad(l, "StartAt '%s' is not a state", ss->start_at);
	for (i = 0; i < ss->nstates; i++) {
		struct asl_state *s = &ss->states[i];

		if (resolve(l, ss, s->name, "Next", s->next, &s->next_idx) ||
		    resolve(l, ss, s->name, "Default", s->dflt,
		    &s->dflt_idx))
			return -1;
		for (k = 0; k < s->nchoices; k++)
			if (resolve(l, ss, s->name, "Next",
			    s->choices[k] != NULL ? choice_next(s->choices[k]) :
			    s->rules[k].next, &s->choice_idx[k]))
				return -1;
		for (k = 0; k < s->ncatch; k++)
			if (resolve(l, ss, s->name, "Catch Next",
			    s->catchers[k].next, &s->catchers[k].next_idx))
				return -1;
	}
	for (i = 0; i < ss->nstates; i++) {
		struct asl_state *s = &ss->states[i];

		if (s->type == ASL_TASK ||
		    (s->processor != NULL && s->processor->has_task))
			ss->has_task = 1;
		for (k = 0; k < s->nbranches; k++)
			ss->has_task |= s->branches[k].has_task;
	}
	seen = xcalloc(ss->nstates, 1);
	mark(ss, ss->start, seen);
	for (i = 0; i < ss->nstates; i++)
		if (!seen[i]) {
			l->where = ss->states[i].name;
			free(seen);
			return bad(l, "the state is unreachable from StartAt "
			    "'%s'", ss->start_at);
		}
	free(seen);
	l->where = where;
	return 0;
}

static void
state_free(struct asl_state *s)
{
	size_t i;

	free(s->name);
	free(s->next);
	tmpl_free(s->assign);
	tmpl_free(s->output);
	tmpl_free(s->arguments);
	tmpl_free(s->items);
	for (i = 0; i < JF_NFIELDS; i++)
		tmpl_free(s->jfield[i]);
	jpath_free(s->input_path.path);
	jpath_free(s->output_path.path);
	jpath_free(s->result_path.path);
	tmpl_free(s->parameters);
	tmpl_free(s->result_selector);
	jv_free(s->result);
	free(s->resource);
	jpath_free(s->timeout_path);
	jpath_free(s->heartbeat_path);
	for (i = 0; i < s->nretry; i++) {
		while (s->retry[i].nerrors > 0)
			free(s->retry[i].errors[--s->retry[i].nerrors]);
		free(s->retry[i].errors);
	}
	free(s->retry);
	for (i = 0; i < s->ncatch; i++) {
		while (s->catchers[i].nerrors > 0)
			free(s->catchers[i].errors[--s->catchers[i].nerrors]);
		free(s->catchers[i].errors);
		jpath_free(s->catchers[i].result_path.path);
		free(s->catchers[i].next);
		tmpl_free(s->catchers[i].assign);
		tmpl_free(s->catchers[i].output);
	}
	free(s->catchers);
	for (i = 0; i < s->nchoices; i++) {
		choice_free(s->choices[i]);
		tmpl_free(s->rules[i].condition);
		tmpl_free(s->rules[i].assign);
		tmpl_free(s->rules[i].output);
		free(s->rules[i].next);
	}
	free(s->choices);
	free(s->rules);
	free(s->choice_idx);
	free(s->dflt);
	jpath_free(s->seconds_path);
	free(s->timestamp);
	jpath_free(s->timestamp_path);
	free(s->error);
	free(s->cause);
	jpath_free(s->error_path.path);
	ifn_free(s->error_path.call);
	jpath_free(s->cause_path.path);
	ifn_free(s->cause_path.call);
	for (i = 0; i < s->nbranches; i++)
		states_free(&s->branches[i]);
	free(s->branches);
	if (s->processor != NULL) {
		states_free(s->processor);
		free(s->processor);
	}
	jpath_free(s->items_path);
	tmpl_free(s->item_selector);
	jpath_free(s->max_concurrency_path);
	jpath_free(s->tolerated_pct_path);
	jpath_free(s->tolerated_count_path);
	jpath_free(s->batch_max_items_path);
	jpath_free(s->batch_max_bytes_path);
	tmpl_free(s->batch_input);
	free(s->label);
	free(s->reader);
	tmpl_free(s->reader_params);
	jv_free(s->reader_config);
	jpath_free(s->reader_max_path);
	tmpl_free(s->writer_params);
}

static void
states_free(struct asl_states *ss)
{
	size_t i;

	for (i = 0; i < ss->nstates; i++)
		state_free(&ss->states[i]);
	free(ss->states);
	free(ss->start_at);
}

/*
 * One Assign of state S against the scope: a name the enclosing sets
 * assign (in OUTER) is refused, the others join MINE.
 */
static int
scope_assign(struct loader *l, const struct asl_state *s,
    const struct asl_tmpl *t, jv outer, jv *mine)
{
	size_t i;

	for (i = 0; t != NULL && i < t->nkids; i++) {
		if (jv_object_has(jv_copy(outer), jv_string(t->kids[i].key))) {
			l->where = s->name;
			return bad(l, "Assign: '%s' is a variable of an outer "
			    "scope: a state in a Parallel branch or a Map "
			    "iteration may read it, not assign it",
			    t->kids[i].key);
		}
		*mine = jv_object_set(*mine, jv_string(t->kids[i].key),
		    jv_true());
	}
	return 0;
}

/*
 * Variable scopes, as AWS has them: the states of a Parallel branch or a
 * Map processor read the variables of the sets around them (OUTER, an
 * object of names, consumed) but do not assign them.
 */
static int
check_scope(struct loader *l, const struct asl_states *ss, jv outer)
{
	const struct asl_state *s;
	jv mine = jv_copy(outer);
	size_t i, k;
	int r = 0;

	for (i = 0; i < ss->nstates && r == 0; i++) {
		s = &ss->states[i];
		r = scope_assign(l, s, s->assign, outer, &mine);
		for (k = 0; k < s->nchoices && r == 0; k++)
			r = scope_assign(l, s, s->rules[k].assign, outer, &mine);
		for (k = 0; k < s->ncatch && r == 0; k++)
			r = scope_assign(l, s, s->catchers[k].assign, outer,
			    &mine);
	}
	for (i = 0; i < ss->nstates && r == 0; i++) {
		s = &ss->states[i];
		for (k = 0; k < s->nbranches && r == 0; k++)
			r = check_scope(l, &s->branches[k], jv_copy(mine));
		if (r == 0 && s->processor != NULL)
			r = check_scope(l, s->processor, jv_copy(mine));
	}
	jv_free(mine);
	jv_free(outer);
	return r;
}

struct asl_machine *
asl_load(jv def, struct sbuf *err)
{
	struct asl_machine *m = xcalloc(1, sizeof(*m));
	struct loader l;

	memset(&l, 0, sizeof(l));
	l.err = err;
	if (load_states(&l, def, &m->top, 0) != 0 ||
	    int_field(&l, def, "TimeoutSeconds", 1, 99999999,
	    &m->timeout) < 0 || (l.vars && check_scope(&l, &m->top,
	    jv_object()) != 0)) {
		asl_free(m);
		return NULL;
	}
	m->has_putevents = l.putevents;
	{
		jv text = jv_dump_string(jv_copy(def), 0);

		m->uses_context = strstr(jv_string_value(text), "$$") != NULL ||
		    strstr(jv_string_value(text), "$states.context") != NULL;
		jv_free(text);
	}
	return m;
}

void
asl_free(struct asl_machine *m)
{
	if (m == NULL)
		return;
	states_free(&m->top);
	free(m);
}
