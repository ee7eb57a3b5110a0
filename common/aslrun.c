/*
 * aslrun.c: execute state machines; see aslrun.h.
 *
 * The interpreter walks the loaded tree recursively: a set of states
 * (the machine, a branch, a Map processor) runs state after state until
 * an end; Parallel and Map run their sets inside.  Every step returns
 * R_OK with an owned value, R_ERR with an asl_error set (which Retry and
 * Catch may handle), or R_STOP when the execution ends before its states
 * do, which nothing handles: its own TimeoutSeconds expired, or its
 * history is full.  History events are numbered always, since causes
 * quote them ("entered at the event id #2") and the history limit counts
 * them, and written only when a history stream is open.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aslrun.h"
#include "awsid.h"
#include "clock.h"
#include "entry.h"
#include "itemio.h"
#include "jsonraw.h"
#include "lambda.h"
#include "pgkill.h"
#include "proc.h"
#include "rfc3339.h"
#include "xalloc.h"

#define PUTEVENTS_ARN	"arn:aws:states:::events:putEvents"
#define INVOKE_ARN	"arn:aws:states:::lambda:invoke"
#define LAMBDA_PREFIX	"arn:aws:lambda:"

enum { R_OK, R_ERR, R_STOP };

/* The interpreter lock and its condition (see run_jobs). */
#define ASLRUN_MAX_THREADS	64	/* "no limit" means this many */
static pthread_mutex_t gil = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_done = PTHREAD_COND_INITIALIZER;

struct run {
	const struct asl_machine *m;
	const struct aslrun_conf *c;
	char		*sm_arn, *exec_arn;
	jv		 ctx;		/* Execution and StateMachine */
	int64_t		 deadline;	/* 0: none */
	long		 evid;
	int		 full;		/* the history reached its limit */
	int		 ending;	/* recording the execution's end */
	int		 quiet;		/* a child execution: no history */
	jv		 mock_counts;	/* state name -> invocations */
};

/* One state being run: what error messages and events need. */
struct step {
	struct run		*x;
	const struct asl_state	*s;
	long			 entered;
	jv			 ctx;		/* with State */
	jv			 vars;		/* the variables before the state */
	jv			 states;	/* JSONata: $states; or invalid */
	jv			 assign_doc;	/* JSONPath: "$" of Assign (the
						   result); invalid: the input */
	const struct asl_tmpl	*assign;	/* the Assign that applies */
};

static int	run_states(struct run *, const struct asl_states *, jv input,
		    jv vars, jv *out, struct asl_error *);

char *
aslrun_sm_arn(const char *sm_name)
{
	char *res = xasprintf("stateMachine:%s", sm_name), *arn;

	arn = arn_make("states", res);
	free(res);
	return arn;
}

/* History. */

static jv
jtext(jv v)
{
	return jv_dump_string(jv_copy(v), 0);
}

/*
 * Record an event; consumes DETAILS (invalid for none).  The last event
 * a history can hold is the execution's end: an event that would take
 * its place fills the history instead, and is not recorded; nor is any
 * after it (aslrun_execute ends the execution).
 */
static long
event(struct run *x, const char *type, const char *detkey, jv details)
{
	char ts[RFC3339_BUFSZ];
	long id;
	jv e;

	if (x->full || (x->evid + 1 >= ASLRUN_HISTORY_MAX && !x->ending)) {
		x->full = 1;
		jv_free(details);
		return x->evid + 1;
	}
	id = ++x->evid;
	if (x->c->history == NULL || x->quiet) {
		jv_free(details);
		return id;
	}
	rfc3339_fmt_ms(clock_now_ms(), ts);
	e = JV_OBJECT(jv_string("timestamp"), jv_string(ts),
	    jv_string("type"), jv_string(type),
	    jv_string("id"), jv_number(id),
	    jv_string("previousEventId"), jv_number(id > 1 ? id - 1 : 0),
	    jv_string("executionArn"), jv_string(x->exec_arn));
	if (jv_is_valid(details))
		e = jv_object_set(e, jv_string(detkey), details);
	else
		jv_free(details);
	out_jv(x->c->history, e);
	return id;
}

static int
history_on(const struct run *x)
{
	return x->c->history != NULL && !x->quiet;
}

static long
state_event(struct run *x, const struct asl_state *s, const char *what,
    const char *io, jv v)
{
	char type[48];
	int entered = strcmp(what, "Entered") == 0;

	snprintf(type, sizeof(type), "%sState%s", asl_type_name(s->type),
	    what);
	if (!history_on(x))
		return event(x, type, NULL, jv_invalid());
	return event(x, type, entered ? "stateEnteredEventDetails" :
	    "stateExitedEventDetails", JV_OBJECT(jv_string("name"),
	    jv_string(s->name), jv_string(io), jtext(v),
	    jv_string(entered ? "inputDetails" : "outputDetails"),
	    JV_OBJECT(jv_string("truncated"), jv_false())));
}

/*
 * A state's exit with OUTPUT and, when it assigned variables (ASSIGNED,
 * borrowed, else invalid), their values as JSON texts, as AWS records
 * them.
 */
static void
state_exited(struct run *x, const struct asl_state *s, jv output,
    jv assigned)
{
	char type[48];
	jv d, vars;
	int it;

	if (!history_on(x) || !jv_is_valid(assigned)) {
		state_event(x, s, "Exited", "output", output);
		return;
	}
	snprintf(type, sizeof(type), "%sStateExited", asl_type_name(s->type));
	vars = jv_object();
	for (it = jv_object_iter(assigned); jv_object_iter_valid(assigned, it);
	    it = jv_object_iter_next(assigned, it)) {
		jv v = jv_object_iter_value(assigned, it);

		vars = jv_object_set(vars, jv_object_iter_key(assigned, it),
		    jtext(v));
		jv_free(v);
	}
	d = JV_OBJECT(jv_string("name"), jv_string(s->name),
	    jv_string("output"), jtext(output),
	    jv_string("outputDetails"), JV_OBJECT(jv_string("truncated"),
	    jv_false()),
	    jv_string("assignedVariables"), vars,
	    jv_string("assignedVariablesDetails"),
	    JV_OBJECT(jv_string("truncated"), jv_false()));
	event(x, type, "stateExitedEventDetails", d);
}

/* Errors. */

/* What a Standard execution whose history is full fails with. */
static void
history_full(struct asl_error *e)
{
	asl_error_set(e, "States.Runtime", "The execution reached the "
	    "maximum number of history events (%d).", ASLRUN_HISTORY_MAX);
}

static int
vrt_err(struct step *st, struct asl_error *e, const char *error,
    const char *fmt, va_list ap)
{
	char *m;

	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	asl_error_set(e, error, "An error occurred while executing the state "
	    "'%s' (entered at the event id #%ld). %s", st->s->name,
	    st->entered, m != NULL ? m : "");
	free(m);
	return R_ERR;
}

static int
rt_err(struct step *st, struct asl_error *e, const char *error,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
rt_err(struct step *st, struct asl_error *e, const char *error,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vrt_err(st, e, error, fmt, ap);
	va_end(ap);
	return R_ERR;
}

/* Prefix the cause of an error raised by an evaluation with the state. */
static int
rt_wrap(struct step *st, struct asl_error *e)
{
	char *cause = e->cause, *error = e->error;

	e->cause = e->error = NULL;
	rt_err(st, e, error, "%s", cause != NULL ? cause : "");
	free(cause);
	free(error);
	return R_ERR;
}

static int
path_missing(struct step *st, const struct jpath *p, jv doc,
    struct asl_error *e)
{
	struct sbuf why = SBUF_INIT;

	jpath_explain_vars(p, doc, st->ctx, st->vars, &why);
	rt_err(st, e, "States.Runtime", "Invalid path '%s' : %s",
	    jpath_text(p), why.buf);
	sbuf_free(&why);
	return R_ERR;
}

static int
is_terminal(const char *error)
{
	return error != NULL && strcmp(error, "States.Runtime") == 0;
}

static int
err_matches(char *const *names, size_t n, const char *error)
{
	size_t i;

	if (is_terminal(error))
		return 0;
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], "States.ALL") == 0)
			return error == NULL ||
			    strcmp(error, "States.DataLimitExceeded") != 0;
		if (error == NULL)
			continue;
		if (strcmp(names[i], error) == 0)
			return 1;
		if (strcmp(names[i], "States.TaskFailed") == 0 &&
		    strcmp(error, "States.Timeout") != 0 &&
		    strcmp(error, "States.DataLimitExceeded") != 0)
			return 1;
	}
	return 0;
}

static int
too_big(jv v)
{
	jv s = jv_dump_string(jv_copy(v), 0);
	int n = jv_string_length_bytes(s);

	return n > ASL_PAYLOAD_MAX;
}

/* Data flow. */

static int
input_path(struct step *st, jv input, jv *out, struct asl_error *e)
{
	const struct asl_path *p = &st->s->input_path;

	if (p->null) {
		*out = jv_object();
		return R_OK;
	}
	if (p->path == NULL) {
		*out = jv_copy(input);
		return R_OK;
	}
	*out = jpath_eval_vars(p->path, input, st->ctx, st->vars);
	if (!jv_is_valid(*out)) {
		jv_free(*out);
		return path_missing(st, p->path, input, e);
	}
	return R_OK;
}

static int
output_path(struct step *st, jv *v, struct asl_error *e)
{
	const struct asl_path *p = &st->s->output_path;
	jv r;

	if (p->null) {
		jv_free(*v);
		*v = jv_object();
		return R_OK;
	}
	if (p->path == NULL)
		return R_OK;
	r = jpath_eval_vars(p->path, *v, st->ctx, st->vars);
	if (!jv_is_valid(r)) {
		jv_free(r);
		path_missing(st, p->path, *v, e);
		jv_free(*v);
		*v = jv_invalid();
		return R_ERR;
	}
	jv_free(*v);
	*v = r;
	return R_OK;
}

/* Combine the state's raw INPUT with RESULT (consumed) at a ResultPath. */
static int
result_path(struct step *st, const struct asl_path *p, jv input, jv result,
    jv *out, struct asl_error *e)
{
	jv r;

	if (p->null) {
		jv_free(result);
		*out = jv_copy(input);
		return R_OK;
	}
	if (p->path == NULL || jpath_is_root(p->path)) {
		*out = result;
		return R_OK;
	}
	r = jpath_set(p->path, jv_copy(input), result);
	if (!jv_is_valid(r)) {
		jv in = jtext(input);

		jv_free(r);
		rt_err(st, e, "States.ResultPathMatchFailure", "Unable to "
		    "apply ResultPath \"%s\" to input \"%s\".",
		    jpath_text(p->path), jv_string_value(in));
		jv_free(in);
		return R_ERR;
	}
	*out = r;
	return R_OK;
}

/* JSONata. */

/*
 * A States.QueryEvaluationError in the state, with its EvaluationFailed
 * event; LOCATION is the field (NULL when the state's input is at fault).
 */
static int
qe_err(struct step *st, struct asl_error *e, const char *location,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
qe_err(struct step *st, struct asl_error *e, const char *location,
    const char *fmt, ...)
{
	va_list ap;
	jv d;

	va_start(ap, fmt);
	vrt_err(st, e, "States.QueryEvaluationError", fmt, ap);
	va_end(ap);
	if (!history_on(st->x)) {
		event(st->x, "EvaluationFailed", NULL, jv_invalid());
		return R_ERR;
	}
	d = JV_OBJECT(jv_string("cause"), jv_string(e->cause),
	    jv_string("error"), jv_string(e->error));
	if (location != NULL)
		d = jv_object_set(d, jv_string("location"),
		    jv_string(location));
	d = jv_object_set(d, jv_string("state"), jv_string(st->s->name));
	event(st->x, "EvaluationFailed", "evaluationFailedEventDetails", d);
	return R_ERR;
}

/* A JSON value's type as AWS names it in causes. */
static const char *
json_type(jv v)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_NULL:
		return "null";
	case JV_KIND_TRUE:
	case JV_KIND_FALSE:
		return "boolean";
	case JV_KIND_NUMBER:
		return "number";
	case JV_KIND_STRING:
		return "string";
	case JV_KIND_ARRAY:
		return "array";
	default:
		return "object";
	}
}

/* The field T evaluated to V (borrowed), not a WANT. */
static int
wrong_type(struct step *st, const struct asl_tmpl *t, const char *want,
    jv v, struct asl_error *e)
{
	jv txt = jtext(v);

	qe_err(st, e, t->field, "The JSONata expression '%s' specified for "
	    "the field '%s' returned an unexpected result type. Expected "
	    "'%s', but was '%s' for value: %s", t->text != NULL ? t->text :
	    jv_string_value(txt), t->field, want, json_type(v),
	    jv_string_value(txt));
	jv_free(txt);
	return R_ERR;
}

/*
 * Evaluate the expression of T with $states (its context from CTX when
 * that is an object) and every variable bound, and Step Functions'
 * functions.  Returns the value, or invalid with *e set.
 */
static jv
jexpr_eval(struct step *st, const struct asl_tmpl *t, jv ctx,
    struct asl_error *e)
{
	struct jn_arena *a = jn_arena_new();
	struct jn_limits lim;
	struct jn_binding *b;
	struct jn_value *res, *input;
	struct jn_error jerr;
	struct sbuf out = SBUF_INIT;
	jv states = jv_copy(st->states), keys = jv_array(), r;
	size_t nb = 0;
	int it;

	if (jv_get_kind(ctx) == JV_KIND_OBJECT)
		states = jv_object_set(states, jv_string("context"),
		    jv_copy(ctx));
	b = xcalloc((size_t)jv_object_length(jv_copy(st->vars)) + 1,
	    sizeof(*b));
	for (it = jv_object_iter(st->vars); jv_object_iter_valid(st->vars,
	    it); it = jv_object_iter_next(st->vars, it)) {
		jv k = jv_object_iter_key(st->vars, it);
		jv v = jv_object_iter_value(st->vars, it);

		/* The array keeps the name's storage alive. */
		keys = jv_array_append(keys, jv_copy(k));
		b[nb].name = jv_string_value(k);
		b[nb++].value = jn_from_jv(a, v);
		jv_free(k);
		jv_free(v);
	}
	b[nb].name = "states";
	b[nb++].value = jn_from_jv(a, states);
	input = jn_member(b[nb - 1].value, "input");
	memset(&lim, 0, sizeof(lim));
	lim.sfn = 1;
	r = jv_invalid();
	if (jn_eval(t->expr, input, b, nb, &lim, a, &res, &jerr) < 0)
		qe_err(st, e, t->field, "The JSONata expression '%s' specified "
		    "for the field '%s' threw an error during evaluation. %s: "
		    "%s", t->text, t->field, jerr.code, jerr.message);
	else if (res == NULL)
		qe_err(st, e, t->field, "The JSONata expression '%s' specified "
		    "for the field '%s' returned nothing (undefined).",
		    t->text, t->field);
	else if (jn_is_function(res))
		qe_err(st, e, t->field, "The JSONata expression '%s' specified "
		    "for the field '%s' returned an unsupported result type.",
		    t->text, t->field);
	else {
		jn_print(&out, res);
		r = jv_parse_sized(out.buf, (int)out.len);
	}
	sbuf_free(&out);
	jn_arena_free(a);
	free(b);
	jv_free(keys);
	jv_free(states);
	return r;
}

static jv
tmpl_eval(struct step *st, const struct asl_tmpl *t, jv doc, jv ctx,
    struct asl_error *e)
{
	jv r, v;
	size_t i;

	switch (t->kind) {
	case TM_CONST:
		return jv_copy(t->value);
	case TM_OBJECT:
	case TM_ARRAY:
		r = t->kind == TM_OBJECT ? jv_object() : jv_array();
		for (i = 0; i < t->nkids; i++) {
			v = tmpl_eval(st, &t->kids[i], doc, ctx, e);
			if (!jv_is_valid(v)) {
				jv_free(r);
				return v;
			}
			if (t->kind == TM_OBJECT)
				r = jv_object_set(r, jv_string(t->kids[i].key),
				    v);
			else
				r = jv_array_append(r, v);
		}
		return r;
	case TM_PATH:
		v = jpath_eval_vars(t->path, doc, ctx, st->vars);
		if (!jv_is_valid(v) && jpath_var(t->path) != NULL) {
			struct sbuf why = SBUF_INIT;

			jpath_explain_vars(t->path, doc, ctx, st->vars, &why);
			rt_err(st, e, "States.Runtime", "The JSONPath '%s' "
			    "specified for the field '%s' could not be found: "
			    "%s", jpath_text(t->path), t->field, why.buf);
			sbuf_free(&why);
		} else if (!jv_is_valid(v)) {
			jv in = jtext(jpath_is_context(t->path) ? ctx : doc);

			rt_err(st, e, "States.Runtime", "The JSONPath '%s' "
			    "specified for the field '%s' could not be found "
			    "in the input '%s'", jpath_text(t->path),
			    t->field, jv_string_value(in));
			jv_free(in);
		}
		return v;
	case TM_CALL:
		v = ifn_eval(t->call, doc, ctx, st->vars, e);
		if (!jv_is_valid(v))
			rt_wrap(st, e);
		return v;
	case TM_JSONATA:
		return jexpr_eval(st, t, ctx, e);
	}
	return jv_invalid();
}

static int
apply_tmpl(struct step *st, const struct asl_tmpl *t, jv *v, jv ctx,
    struct asl_error *e)
{
	jv r;

	if (t == NULL)
		return R_OK;
	r = tmpl_eval(st, t, *v, ctx, e);
	jv_free(*v);
	*v = r;
	return jv_is_valid(r) ? R_OK : R_ERR;
}

/* JSONata: the state's output, OUTPUT evaluated or DFLT (consumed). */
static int
joutput(struct step *st, const struct asl_tmpl *output, jv dflt, jv *out,
    struct asl_error *e)
{
	if (output == NULL) {
		*out = dflt;
		return R_OK;
	}
	jv_free(dflt);
	*out = tmpl_eval(st, output, jv_null(), st->ctx, e);
	return jv_is_valid(*out) ? R_OK : R_ERR;
}

/* JSONata: a number field given as "{% %}", an integer when INTEGER. */
static int
jnumber(struct step *st, const struct asl_tmpl *t, int integer, double lo,
    double hi, double *out, struct asl_error *e)
{
	jv v = tmpl_eval(st, t, jv_null(), st->ctx, e), txt;
	double d;

	if (!jv_is_valid(v))
		return R_ERR;
	if (jv_get_kind(v) != JV_KIND_NUMBER || (integer &&
	    jv_number_value(v) != floor(jv_number_value(v)))) {
		wrong_type(st, t, integer ? "integer" : "number", v, e);
		jv_free(v);
		return R_ERR;
	}
	d = jv_number_value(v);
	if (d < lo || d > hi) {
		txt = jtext(v);
		qe_err(st, e, t->field, "The JSONata expression '%s' specified "
		    "for the field '%s' returned %s, which is not between %.0f "
		    "and %.0f", t->text, t->field, jv_string_value(txt), lo,
		    hi);
		jv_free(txt);
		jv_free(v);
		return R_ERR;
	}
	jv_free(v);
	*out = d;
	return R_OK;
}

/*
 * The end of Task, Parallel and Map: ResultSelector, size, ResultPath,
 * OutputPath; in JSONata mode size and Output, with $states.result.
 * RESULT is consumed.
 */
static int
finish(struct step *st, jv input, jv result, jv *out, struct asl_error *e)
{
	if (apply_tmpl(st, st->s->result_selector, &result, st->ctx, e) !=
	    R_OK) {
		jv_free(result);
		return R_ERR;
	}
	jv_free(st->assign_doc);
	st->assign_doc = jv_copy(result);
	if (st->s->jsonata)
		st->states = jv_object_set(st->states, jv_string("result"),
		    jv_copy(result));
	if (too_big(result)) {
		jv_free(result);
		asl_error_set(e, "States.DataLimitExceeded", "The state/task "
		    "'%s' returned a result with a size exceeding the maximum "
		    "number of bytes service limit.", st->s->name);
		return R_ERR;
	}
	if (st->s->jsonata)
		return joutput(st, st->s->output, result, out, e);
	if (result_path(st, &st->s->result_path, input, result, out, e) !=
	    R_OK)
		return R_ERR;
	return output_path(st, out, e);
}

/* Pass. */

static int
do_pass(struct step *st, jv input, jv *out, struct asl_error *e)
{
	const struct asl_state *s = st->s;
	jv v;

	if (s->jsonata)
		return joutput(st, s->output, jv_copy(input), out, e);
	if (input_path(st, input, &v, e) != R_OK)
		return R_ERR;
	if (apply_tmpl(st, s->parameters, &v, st->ctx, e) != R_OK) {
		jv_free(v);
		return R_ERR;
	}
	if (jv_is_valid(s->result)) {
		jv_free(v);
		v = jv_copy(s->result);
	}
	st->assign_doc = jv_copy(v);
	if (too_big(v)) {
		jv_free(v);
		asl_error_set(e, "States.DataLimitExceeded", "The state/task "
		    "'%s' returned a result with a size exceeding the maximum "
		    "number of bytes service limit.", s->name);
		return R_ERR;
	}
	if (result_path(st, &s->result_path, input, v, out, e) != R_OK)
		return R_ERR;
	return output_path(st, out, e);
}

/* Choice. */

/* Rule I on V: 1 or 0, or -1 with *e set. */
static int
choice_test(struct step *st, size_t i, jv v, struct asl_error *e)
{
	const struct asl_rule *ru = &st->s->rules[i];
	jv c;
	int r;

	if (st->s->choices[i] != NULL) {
		r = choice_eval(st->s->choices[i], v, st->ctx, st->vars, e);
		if (r < 0)
			rt_wrap(st, e);
		return r;
	}
	c = tmpl_eval(st, ru->condition, v, st->ctx, e);
	if (!jv_is_valid(c))
		return -1;
	if (jv_get_kind(c) != JV_KIND_TRUE && jv_get_kind(c) != JV_KIND_FALSE) {
		wrong_type(st, ru->condition, "boolean", c, e);
		jv_free(c);
		return -1;
	}
	r = jv_get_kind(c) == JV_KIND_TRUE;
	jv_free(c);
	return r;
}

static int
do_choice(struct step *st, jv input, jv *out, int *next,
    struct asl_error *e)
{
	const struct asl_state *s = st->s;
	const struct asl_tmpl *output = s->output;
	size_t i;
	int r;
	jv v;

	if (input_path(st, input, &v, e) != R_OK)
		return R_ERR;
	for (i = 0; i < s->nchoices; i++) {
		r = choice_test(st, i, v, e);
		if (r < 0) {
			jv_free(v);
			return R_ERR;
		}
		if (r) {
			/* A rule's Assign replaces the state's. */
			*next = s->choice_idx[i];
			st->assign = s->rules[i].assign;
			if (s->rules[i].output != NULL)
				output = s->rules[i].output;
			break;
		}
	}
	if (i == s->nchoices) {
		if (s->dflt_idx < 0) {
			jv_free(v);
			return rt_err(st, e, "States.NoChoiceMatched",
			    "No Choice Rule matched and no Default state was "
			    "specified.");
		}
		*next = s->dflt_idx;
	}
	st->assign_doc = jv_copy(v);
	if (s->jsonata)
		return joutput(st, output, v, out, e);
	*out = v;
	return output_path(st, out, e);
}

/*
 * Wait until T; R_STOP when the execution's deadline comes first, or
 * when its history is full.
 */
static int
wait_until(struct run *x, int64_t t)
{
	int64_t now = clock_now_ms();

	int timeout = 0;

	if (x->full)
		return R_STOP;
	if (x->deadline > 0 && t >= x->deadline) {
		t = x->deadline;
		timeout = 1;
	}
	if (t > now) {
		/* Real sleeps let other branches and iterations run. */
		if (!clock_is_virtual())
			pthread_mutex_unlock(&gil);
		clock_sleep_ms(t - now);
		if (!clock_is_virtual())
			pthread_mutex_lock(&gil);
	}
	return timeout ? R_STOP : R_OK;
}

static void
value_text(jv v, struct sbuf *b)
{
	if (jv_get_kind(v) == JV_KIND_STRING)
		sbuf_adds(b, jv_string_value(v));
	else {
		jv s = jtext(v);

		sbuf_adds(b, jv_string_value(s));
		jv_free(s);
	}
}

/* JSONata: when a Wait whose Seconds or Timestamp is "{% %}" ends. */
static int
jwait_time(struct step *st, int64_t *t, struct asl_error *e)
{
	const struct asl_tmpl *ts = st->s->jfield[JF_TIMESTAMP];
	double secs;
	jv w;
	int r = R_OK;

	if (ts == NULL) {
		if (jnumber(st, st->s->jfield[JF_SECONDS], 1, 0, 99999999,
		    &secs, e) != R_OK)
			return R_ERR;
		*t += (int64_t)secs * 1000;
		return R_OK;
	}
	w = tmpl_eval(st, ts, jv_null(), st->ctx, e);
	if (!jv_is_valid(w))
		return R_ERR;
	if (jv_get_kind(w) != JV_KIND_STRING)
		r = wrong_type(st, ts, "string", w, e);
	else if (asl_timestamp(jv_string_value(w), t, NULL) != 0)
		r = qe_err(st, e, ts->field, "The Timestamp field cannot be "
		    "parsed as an ISO-8601 extended offset date-time format "
		    "string: %s", jv_string_value(w));
	jv_free(w);
	return r;
}

static int
do_wait(struct step *st, jv input, jv *out, struct asl_error *e)
{
	const struct asl_state *s = st->s;
	struct sbuf b = SBUF_INIT;
	int64_t t = clock_now_ms(), ms;
	jv v, w;
	int r;

	if (input_path(st, input, &v, e) != R_OK)
		return R_ERR;
	if (s->jfield[JF_SECONDS] != NULL || s->jfield[JF_TIMESTAMP] != NULL) {
		if (jwait_time(st, &t, e) != R_OK) {
			jv_free(v);
			return R_ERR;
		}
	} else if (s->seconds >= 0)
		t += (int64_t)s->seconds * 1000;
	else if (s->timestamp != NULL) {
		asl_timestamp(s->timestamp, &ms, NULL);
		t = ms;
	} else if (s->seconds_path != NULL) {
		w = jpath_eval_vars(s->seconds_path, v, st->ctx, st->vars);
		if (!jv_is_valid(w)) {
			jv_free(w);
			r = path_missing(st, s->seconds_path, v, e);
			jv_free(v);
			return r;
		}
		value_text(w, &b);
		if (jv_get_kind(w) != JV_KIND_NUMBER ||
		    jv_number_value(w) != floor(jv_number_value(w)) ||
		    fabs(jv_number_value(w)) > 9.2e18)
			r = rt_err(st, e, "States.Runtime", "The SecondsPath "
			    "parameter cannot be parsed as a long value: %s == "
			    "%s", jpath_text(s->seconds_path), b.buf);
		else if (jv_number_value(w) < 0)
			r = rt_err(st, e, "States.Runtime", "The SecondsPath "
			    "parameter references a negative value: %s == %s",
			    jpath_text(s->seconds_path), b.buf);
		else {
			r = R_OK;
			t += (int64_t)jv_number_value(w) * 1000;
		}
		jv_free(w);
		sbuf_free(&b);
		if (r != R_OK) {
			jv_free(v);
			return r;
		}
	} else {
		w = jpath_eval_vars(s->timestamp_path, v, st->ctx, st->vars);
		if (!jv_is_valid(w)) {
			jv_free(w);
			r = path_missing(st, s->timestamp_path, v, e);
			jv_free(v);
			return r;
		}
		if (jv_get_kind(w) != JV_KIND_STRING ||
		    asl_timestamp(jv_string_value(w), &t, NULL) != 0) {
			value_text(w, &b);
			r = rt_err(st, e, "States.Runtime", "The TimestampPath "
			    "parameter does not reference a valid ISO-8601 "
			    "extended offset date-time format string: %s == %s",
			    jpath_text(s->timestamp_path), b.buf);
			sbuf_free(&b);
			jv_free(w);
			jv_free(v);
			return r;
		}
		jv_free(w);
	}
	if (wait_until(st->x, t) != R_OK) {
		jv_free(v);
		return R_STOP;
	}
	st->assign_doc = jv_copy(v);
	if (s->jsonata)
		return joutput(st, s->output, v, out, e);
	*out = v;
	return output_path(st, out, e);
}

/* Fail: Error and Cause, literal or from ErrorPath / CausePath. */
static int
fail_field(struct step *st, const char *lit, const struct asl_tmpl *jf,
    const struct asl_ref *ref, const char *field, jv input, char **out,
    struct asl_error *e)
{
	jv v;

	*out = NULL;
	if (lit != NULL) {
		*out = xstrdup(lit);
		return R_OK;
	}
	if (jf != NULL) {
		v = tmpl_eval(st, jf, input, st->ctx, e);
		if (!jv_is_valid(v))
			return R_ERR;
		if (jv_get_kind(v) != JV_KIND_STRING) {
			wrong_type(st, jf, "string", v, e);
			jv_free(v);
			return R_ERR;
		}
		*out = xstrdup(jv_string_value(v));
		jv_free(v);
		return R_OK;
	}
	if (ref->path == NULL && ref->call == NULL)
		return R_OK;
	if (ref->call != NULL) {
		v = ifn_eval(ref->call, input, st->ctx, st->vars, e);
		if (!jv_is_valid(v))
			return rt_wrap(st, e);
	} else {
		v = jpath_eval_vars(ref->path, input, st->ctx, st->vars);
		if (!jv_is_valid(v)) {
			jv_free(v);
			return path_missing(st, ref->path, input, e);
		}
	}
	if (jv_get_kind(v) != JV_KIND_STRING) {
		jv t = jtext(v);

		rt_err(st, e, "States.Runtime", "The %s field refers to value "
		    "'%s' which is not a string", field, jv_string_value(t));
		jv_free(t);
		jv_free(v);
		return R_ERR;
	}
	*out = xstrdup(jv_string_value(v));
	jv_free(v);
	return R_OK;
}

static int
do_fail(struct step *st, jv input, struct asl_error *e)
{
	const struct asl_state *s = st->s;
	char *error, *cause;

	if (fail_field(st, s->error, s->jfield[JF_ERROR], &s->error_path,
	    "ErrorPath", input, &error, e) != R_OK)
		return R_ERR;
	if (fail_field(st, s->cause, s->jfield[JF_CAUSE], &s->cause_path,
	    "CausePath", input, &cause, e) != R_OK) {
		free(error);
		return R_ERR;
	}
	asl_error_free(e);
	e->error = error;
	e->cause = cause;
	return R_ERR;
}

/* Tasks. */

static const struct aslrun_binding *
find_binding(const struct aslrun_conf *c, const char *key)
{
	size_t i;

	if (key == NULL)
		return NULL;
	for (i = 0; i < c->nbindings; i++)
		if (strcmp(c->bindings[i].resource, key) == 0)
			return &c->bindings[i];
	return NULL;
}

/* The function name inside a Lambda ARN ("...:function:NAME[:qual]"). */
static char *
function_name(const char *s)
{
	const char *p = strstr(s, ":function:"), *q;

	if (strncmp(s, LAMBDA_PREFIX, strlen(LAMBDA_PREFIX)) != 0 || p == NULL)
		return NULL;
	p += strlen(":function:");
	q = strchr(p, ':');
	return q != NULL ? xstrndup(p, (size_t)(q - p)) : xstrdup(p);
}

static const struct aslrun_binding *
binding_for(const struct aslrun_conf *c, const char *name)
{
	const struct aslrun_binding *b;
	char *fn;

	if ((b = find_binding(c, name)) != NULL)
		return b;
	if ((fn = function_name(name)) != NULL) {
		b = find_binding(c, fn);
		free(fn);
	}
	return b;
}

/* A mocked response (Step Functions Local's mock configuration). */
static int
mock_invoke(struct step *st, jv responses, jv *result, struct asl_error *e)
{
	struct run *x = st->x;
	jv n = jv_object_get(jv_copy(x->mock_counts), jv_string(st->s->name));
	long count = jv_is_valid(n) ? (long)jv_number_value(n) : 0;
	int it, r = R_ERR;

	jv_free(n);
	x->mock_counts = jv_object_set(x->mock_counts, jv_string(st->s->name),
	    jv_number(count + 1));
	for (it = jv_object_iter(responses); jv_object_iter_valid(responses,
	    it); it = jv_object_iter_next(responses, it)) {
		jv k = jv_object_iter_key(responses, it);
		long lo, hi;
		char *end;

		lo = strtol(jv_string_value(k), &end, 10);
		hi = *end == '-' ? strtol(end + 1, NULL, 10) : lo;
		jv_free(k);
		if (count >= lo && count <= hi) {
			jv resp = jv_object_iter_value(responses, it);
			jv ret = jv_object_get(jv_copy(resp),
			    jv_string("Return"));
			jv thr = jv_object_get(jv_copy(resp),
			    jv_string("Throw"));

			if (jv_is_valid(ret)) {
				*result = ret;
				r = R_OK;
			} else {
				jv er = jv_object_get(jv_copy(thr),
				    jv_string("Error"));
				jv ca = jv_object_get(jv_copy(thr),
				    jv_string("Cause"));

				jv_free(ret);
				asl_error_set(e, jv_get_kind(er) ==
				    JV_KIND_STRING ? jv_string_value(er) :
				    "States.TaskFailed", jv_get_kind(ca) ==
				    JV_KIND_STRING ? "%s" : NULL,
				    jv_get_kind(ca) == JV_KIND_STRING ?
				    jv_string_value(ca) : "");
				jv_free(er);
				jv_free(ca);
			}
			jv_free(thr);
			jv_free(resp);
			return r;
		}
	}
	asl_error_set(e, "States.TaskFailed", "no mocked response for "
	    "invocation %ld of state '%s'", count, st->s->name);
	return R_ERR;
}

static int
put_events(struct step *st, jv params, jv *result, struct asl_error *e)
{
	struct run *x = st->x;
	struct sbuf resp = SBUF_INIT, ev = SBUF_INIT;
	struct entry_err err;
	const char *bad;
	char id[UUID_BUFSZ];
	size_t total = 0;
	int i, n, failed = 0, *ok;
	jv entries, extra;

	entries = jv_object_get(jv_copy(params), jv_string("Entries"));
	if (jv_get_kind(entries) != JV_KIND_ARRAY ||
	    (n = jv_array_length(jv_copy(entries))) < 1 ||
	    n > ENTRY_BATCH_MAX) {
		jv_free(entries);
		asl_error_set(e, "EventBridge.EventBridgeException",
		    "1 validation error detected: Value at 'entries' failed "
		    "to satisfy constraint: Member must have length between "
		    "1 and 10");
		return R_ERR;
	}
	ok = xcalloc((size_t)n, sizeof(*ok));
	for (i = 0; i < n; i++) {
		jv en = jv_array_get(jv_copy(entries), i);

		if (jv_get_kind(en) == JV_KIND_OBJECT &&
		    entry_shape(en) == NULL &&
		    entry_check_fields(en, &err) == 0) {
			ok[i] = 1;
			total += entry_size(en, NULL, 0);
		}
		jv_free(en);
	}
	if (total >= (x->c->event_limit > 0 ? x->c->event_limit :
	    ENTRY_SIZE_LIMIT)) {
		free(ok);
		jv_free(entries);
		asl_error_set(e, "EventBridge.EventBridgeException", "%s",
		    ENTRY_SIZE_MESSAGE);
		return R_ERR;
	}
	extra = JV_ARRAY(jv_string(x->sm_arn), jv_string(x->exec_arn));
	sbuf_adds(&resp, "{\"Entries\":[");
	for (i = 0; i < n; i++) {
		jv en = jv_array_get(jv_copy(entries), i);
		const char *shape = jv_get_kind(en) == JV_KIND_OBJECT ?
		    entry_shape(en) : "an entry must be an object";
		int r = -2;

		if (i > 0)
			sbuf_addc(&resp, ',');
		err.code = "InvalidArgument";
		err.message = shape;
		if (shape == NULL && !entry_check_fields(en, &err)) {
			ids_uuid(id, NULL, 0);
			r = entry_event(en, NULL, 0, id, clock_now_ms(), extra,
			    &ev, &err, &bad);
			if (r < 0) {
				err.code = "InvalidArgument";
				err.message = bad;
			}
		}
		if (r == 0) {
			out_line(x->c->events, ev.buf, ev.len);
			sbuf_addf(&resp, "{\"EventId\":\"%s\"}", id);
		} else {
			failed++;
			sbuf_adds(&resp, "{\"ErrorCode\":");
			jsonraw_quote(&resp, err.code, strlen(err.code));
			sbuf_adds(&resp, ",\"ErrorMessage\":");
			jsonraw_quote(&resp, err.message, strlen(err.message));
			sbuf_addc(&resp, '}');
		}
		jv_free(en);
	}
	sbuf_addf(&resp, "],\"FailedEntryCount\":%d}", failed);
	free(ok);
	jv_free(extra);
	jv_free(entries);
	sbuf_free(&ev);
	if (failed > 0) {
		asl_error_set(e, "EventBridge.FailedEntry", "%s", resp.buf);
		sbuf_free(&resp);
		return R_ERR;
	}
	*result = jv_parse_sized(resp.buf, (int)resp.len);
	sbuf_free(&resp);
	return R_OK;
}

/* Seconds from TimeoutSeconds(Path) / HeartbeatSeconds(Path). */
static int
task_seconds(struct step *st, long lit, const struct asl_tmpl *jf,
    const struct jpath *p, const char *field, jv input, long *out,
    struct asl_error *e)
{
	double d;
	jv v;

	*out = lit;
	if (jf != NULL) {
		if (jnumber(st, jf, 1, 1, 99999999, &d, e) != R_OK)
			return R_ERR;
		*out = (long)d;
		return R_OK;
	}
	if (p == NULL)
		return R_OK;
	v = jpath_eval_vars(p, input, st->ctx, st->vars);
	if (!jv_is_valid(v)) {
		jv_free(v);
		return path_missing(st, p, input, e);
	}
	if (jv_get_kind(v) != JV_KIND_NUMBER || jv_number_value(v) < 1 ||
	    jv_number_value(v) != floor(jv_number_value(v)) ||
	    jv_number_value(v) > 99999999) {
		struct sbuf b = SBUF_INIT;

		value_text(v, &b);
		rt_err(st, e, "States.Runtime", "The %s field refers to value "
		    "\"%s\" which is not a valid positive integer: %s", field,
		    b.buf, jpath_text(p));
		sbuf_free(&b);
		jv_free(v);
		return R_ERR;
	}
	*out = (long)jv_number_value(v);
	jv_free(v);
	return R_OK;
}

static int
is_handler_error(const char *type)
{
	static const char *const runtime[] = { "Runtime.ExitError",
	    "Runtime.InvalidEntrypoint", "Runtime.MarshalError",
	    "Function.ResponseSizeTooLarge", "Sandbox.Timedout", NULL };
	int i;

	if (type == NULL)
		return 0;
	for (i = 0; runtime[i] != NULL; i++)
		if (strcmp(type, runtime[i]) == 0)
			return 0;
	return 1;
}

/*
 * proc_run, with the command's process group in a pgkill slot meanwhile:
 * a signal that ends the program ends the command too.
 */
static int
run_killable(const struct proc_spec *spec, struct proc_result *res)
{
	struct proc_set *set = proc_set_new();
	int slot = pgkill_take(), r, err;

	proc_result_init(res);
	pgkill_hold(1);
	r = proc_set_start(set, spec, NULL);
	err = errno;
	if (r == 0)
		pgkill_set(slot, proc_set_pid(set, NULL));
	pgkill_hold(0);
	if (r == 0) {
		r = proc_set_wait(set, -1, res, NULL) == 1 ? 0 : -1;
		err = errno;
	}
	pgkill_give(slot);
	proc_set_free(set);
	errno = err;
	return r;
}

/*
 * Run the bound command.  LAMBDA_INVOKE wraps the result in the Invoke
 * response.  Returns R_OK, R_ERR or R_STOP (execution deadline).
 */
static int
run_command(struct step *st, const struct aslrun_binding *b, jv payload,
    int lambda_invoke, long timeout, long heartbeat, jv *result,
    struct asl_error *e)
{
	struct run *x = st->x;
	struct proc_spec spec;
	struct proc_result res;
	struct lambda_reply reply;
	struct sbuf wrap = SBUF_INIT;
	char reqid[UUID_BUFSZ];
	int64_t limit, left;
	int hb = 0, machine = 0, r = R_OK, err;
	jv text = jtext(payload);

	ids_uuid(reqid, NULL, 0);
	limit = (int64_t)timeout * 1000;
	if (heartbeat > 0 && (int64_t)heartbeat * 1000 < limit) {
		limit = (int64_t)heartbeat * 1000;
		hb = 1;
	}
	if (x->deadline > 0) {
		left = x->deadline - clock_now_ms();
		if (left < 1)
			left = 1;
		if (left < limit) {
			limit = left;
			machine = 1;
			hb = 0;
		}
	}
	memset(&spec, 0, sizeof(spec));
	spec.argv = b->argv;
	spec.in = jv_string_value(text);
	spec.inlen = (size_t)jv_string_length_bytes(jv_copy(text));
	spec.timeout_ms = limit;
	proc_result_init(&res);
	lambda_reply_init(&reply);
	/* Other branches and iterations run while the command does. */
	pthread_mutex_unlock(&gil);
	r = run_killable(&spec, &res);
	err = errno;
	pthread_mutex_lock(&gil);
	if (r != 0) {
		asl_error_set(e, "States.TaskFailed", "cannot run '%s': %s",
		    b->argv[0], strerror(err));
		r = R_ERR;
		goto out;
	}
	/* Virtual time passes as the command's real time did. */
	if (clock_is_virtual() && !clock_is_deterministic())
		clock_sleep_ms(res.duration_us / 1000);
	if (res.end == PROC_TIMEDOUT) {
		if (machine) {
			clock_advance_to(x->deadline);
			r = R_STOP;
		} else {
			asl_error_set(e, hb ? "States.HeartbeatTimeout" :
			    "States.Timeout", NULL);
			r = R_ERR;
		}
		goto out;
	}
	lambda_judge(&res, reqid, b->argv[0], limit, 0, &reply);
	if (reply.error) {
		asl_error_set(e, is_handler_error(reply.error_type) ?
		    reply.error_type : "States.TaskFailed", "%s",
		    reply.payload.buf != NULL ? reply.payload.buf : "");
		r = R_ERR;
		goto out;
	}
	if (lambda_invoke) {
		lambda_invoke_result(&wrap, &reply, reqid, clock_now_ms());
		*result = jv_parse_sized(wrap.buf, (int)wrap.len);
	} else
		*result = jv_parse_sized(reply.payload.buf,
		    (int)reply.payload.len);
	if (!jv_is_valid(*result)) {
		jv_free(*result);
		asl_error_set(e, "States.TaskFailed", "the command's output "
		    "is not JSON");
		r = R_ERR;
	}
out:
	sbuf_free(&wrap);
	lambda_reply_free(&reply);
	proc_result_free(&res);
	jv_free(text);
	return r;
}

static const char *
resource_type(const char *res, const char **resource)
{
	/* arn:aws:states:::SERVICE:ACTION -> ("SERVICE", "ACTION") */
	static char service[64];
	const char *p;
	size_t n;

	*resource = res;
	if (strncmp(res, "arn:aws:states:::", 17) != 0)
		return strncmp(res, LAMBDA_PREFIX, strlen(LAMBDA_PREFIX)) == 0 ?
		    "lambda" : "local";
	p = res + 17;
	n = strcspn(p, ":");
	if (n >= sizeof(service))
		n = sizeof(service) - 1;
	memcpy(service, p, n);
	service[n] = '\0';
	*resource = p[n] == ':' ? p + n + 1 : p + n;
	return service;
}

static int
invoke(struct step *st, jv params, long timeout, long heartbeat,
    jv *result, struct asl_error *e)
{
	const struct asl_state *s = st->s;
	struct run *x = st->x;
	const struct aslrun_binding *b = NULL;
	jv mock, payload;
	int r, lambda_invoke = 0;

	if (jv_is_valid(x->c->mocks)) {
		mock = jv_object_get(jv_copy(x->c->mocks), jv_string(s->name));
		if (jv_get_kind(mock) == JV_KIND_OBJECT) {
			r = mock_invoke(st, mock, result, e);
			jv_free(mock);
			return r;
		}
		jv_free(mock);
	}
	if (strncmp(s->resource, PUTEVENTS_ARN, strlen(PUTEVENTS_ARN)) == 0)
		return put_events(st, params, result, e);
	if (strncmp(s->resource, INVOKE_ARN, strlen(INVOKE_ARN)) == 0) {
		jv fn = jv_object_get(jv_copy(params),
		    jv_string("FunctionName"));

		lambda_invoke = 1;
		if (jv_get_kind(fn) != JV_KIND_STRING) {
			jv_free(fn);
			asl_error_set(e, "States.Runtime", "The field "
			    "'FunctionName' is required by %s", INVOKE_ARN);
			return rt_wrap(st, e);
		}
		b = binding_for(x->c, jv_string_value(fn));
		jv_free(fn);
		payload = jv_object_get(jv_copy(params), jv_string("Payload"));
		if (!jv_is_valid(payload)) {
			jv_free(payload);
			payload = jv_object();
		}
	} else {
		b = binding_for(x->c, s->resource);
		payload = jv_copy(params);
	}
	if (b == NULL)
		b = find_binding(x->c, s->name);
	if (b == NULL && lambda_invoke)
		b = find_binding(x->c, s->resource);
	if (b == NULL) {
		jv_free(payload);
		asl_error_set(e, "States.TaskFailed", "no command is bound to "
		    "the resource '%s' (see --task)", s->resource);
		return R_ERR;
	}
	r = run_command(st, b, payload, lambda_invoke, timeout, heartbeat,
	    result, e);
	jv_free(payload);
	return r;
}

static int
do_task(struct step *st, jv input, jv *out, struct asl_error *e)
{
	const struct asl_state *s = st->s;
	struct run *x = st->x;
	const char *rtype, *rname;
	int lambda = strncmp(s->resource, LAMBDA_PREFIX,
	    strlen(LAMBDA_PREFIX)) == 0, r;
	long timeout, heartbeat;
	jv v, result = jv_invalid();

	if (x->m->uses_context && strlen(s->resource) > 17 &&
	    strcmp(s->resource + strlen(s->resource) - 17,
	    ".waitForTaskToken") == 0) {
		/* The command's output stands for SendTaskSuccess. */
		char token[UUID_BUFSZ];

		ids_uuid(token, NULL, 0);
		st->ctx = jv_object_set(st->ctx, jv_string("Task"),
		    JV_OBJECT(jv_string("Token"), jv_string(token)));
	}
	if (input_path(st, input, &v, e) != R_OK)
		return R_ERR;
	if (apply_tmpl(st, s->parameters, &v, st->ctx, e) != R_OK ||
	    apply_tmpl(st, s->arguments, &v, st->ctx, e) != R_OK ||
	    task_seconds(st, s->timeout > 0 ? s->timeout : 99999999,
	    s->jfield[JF_TIMEOUT], s->timeout_path, "TimeoutSecondsPath",
	    input, &timeout, e) != R_OK || task_seconds(st, s->heartbeat,
	    s->jfield[JF_HEARTBEAT], s->heartbeat_path,
	    "HeartbeatSecondsPath", input, &heartbeat, e) != R_OK) {
		jv_free(v);
		return R_ERR;
	}
	rtype = resource_type(s->resource, &rname);
	if (lambda) {
		if (history_on(x))
			event(x, "LambdaFunctionScheduled",
			    "lambdaFunctionScheduledEventDetails",
			    JV_OBJECT(jv_string("input"), jtext(v),
			    jv_string("inputDetails"), JV_OBJECT(
			    jv_string("truncated"), jv_false()),
			    jv_string("resource"), jv_string(s->resource)));
		else
			event(x, "", NULL, jv_invalid());
		event(x, "LambdaFunctionStarted", NULL, jv_invalid());
	} else {
		if (history_on(x))
			event(x, "TaskScheduled", "taskScheduledEventDetails",
			    JV_OBJECT(jv_string("parameters"), jtext(v),
			    jv_string("region"), jv_string(awsid_region()),
			    jv_string("resource"), jv_string(rname),
			    jv_string("resourceType"), jv_string(rtype)));
		else
			event(x, "", NULL, jv_invalid());
		if (history_on(x))
			event(x, "TaskStarted", "taskStartedEventDetails",
			    JV_OBJECT(jv_string("resource"), jv_string(rname),
			    jv_string("resourceType"), jv_string(rtype)));
		else
			event(x, "", NULL, jv_invalid());
	}
	if (x->full) {
		/* No room left for the task's end: it never runs. */
		jv_free(v);
		return R_STOP;
	}
	r = invoke(st, v, timeout, heartbeat, &result, e);
	jv_free(v);
	if (r == R_STOP)
		return r;
	if (r == R_ERR) {
		int timedout = e->error != NULL &&
		    (strcmp(e->error, "States.Timeout") == 0 ||
		    strcmp(e->error, "States.HeartbeatTimeout") == 0);
		jv d = jv_object();

		if (e->error != NULL)
			d = jv_object_set(d, jv_string("error"),
			    jv_string(e->error));
		if (e->cause != NULL)
			d = jv_object_set(d, jv_string("cause"),
			    jv_string(e->cause));
		if (!lambda) {
			d = jv_object_set(d, jv_string("resource"),
			    jv_string(rname));
			d = jv_object_set(d, jv_string("resourceType"),
			    jv_string(rtype));
		}
		event(x, lambda ? (timedout ? "LambdaFunctionTimedOut" :
		    "LambdaFunctionFailed") : timedout ? "TaskTimedOut" :
		    "TaskFailed", lambda ? (timedout ?
		    "lambdaFunctionTimedOutEventDetails" :
		    "lambdaFunctionFailedEventDetails") : timedout ?
		    "taskTimedOutEventDetails" : "taskFailedEventDetails",
		    history_on(x) ? d : (jv_free(d), jv_invalid()));
		return R_ERR;
	}
	if (history_on(x)) {
		jv d = JV_OBJECT(jv_string("output"), jtext(result),
		    jv_string("outputDetails"), JV_OBJECT(
		    jv_string("truncated"), jv_false()));

		if (!lambda) {
			d = jv_object_set(d, jv_string("resource"),
			    jv_string(rname));
			d = jv_object_set(d, jv_string("resourceType"),
			    jv_string(rtype));
		}
		event(x, lambda ? "LambdaFunctionSucceeded" : "TaskSucceeded",
		    lambda ? "lambdaFunctionSucceededEventDetails" :
		    "taskSucceededEventDetails", d);
	} else
		event(x, "", NULL, jv_invalid());
	return finish(st, input, result, out, e);
}

/*
 * Branches and iterations.  Each runs as a job; jobs whose states run
 * task commands run in threads, up to a concurrency limit.  One lock
 * (the interpreter lock) is held by whichever thread interprets, so jv
 * values, ids, the clock and the streams are never touched by two
 * threads at once; it is let go only while a thread waits for a command
 * or sleeps in real time.
 */
struct job {
	struct run		*x;
	const struct asl_states	*ss;
	jv			 input;
	jv			 vars;		/* the scope it starts with */
	jv			 out;
	struct asl_error	 e;
	int			 r;
	const char		*map;		/* Map state name, or NULL */
	int			 child;		/* a child execution (a
						   distributed Map's) */
	long			 index;
	int			 started;
	pthread_t		 tid;
	struct job		**doneq;	/* its thread's end goes here */
	struct job		*qnext;
	/* Virtual time: when it starts and ends. */
	int64_t			 vstart, vend;
};

static void
job_init(struct job *j, struct run *x, const struct asl_states *ss,
    jv input, jv vars, const char *map, long index)
{
	memset(j, 0, sizeof(*j));
	j->x = x;
	j->ss = ss;
	j->input = input;
	j->vars = vars;
	j->out = jv_invalid();
	j->map = map;
	j->index = index;
}

static void
jobs_free(struct job *jobs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		jv_free(jobs[i].input);
		jv_free(jobs[i].vars);
		jv_free(jobs[i].out);
		asl_error_free(&jobs[i].e);
	}
	free(jobs);
}

static jv
error_output(const struct asl_error *e)
{
	jv eo = jv_object();

	if (e->error != NULL)
		eo = jv_object_set(eo, jv_string("Error"), jv_string(e->error));
	if (e->cause != NULL)
		eo = jv_object_set(eo, jv_string("Cause"), jv_string(e->cause));
	return eo;
}

/* The body of a job; runs with the interpreter lock held. */
static void
job_run(struct job *j)
{
	struct run *x = j->x, child;

	if (j->child) {
		/* Its own history, numbered from 1, not in the parent's. */
		child = *x;
		child.evid = 0;
		child.quiet = 1;
		child.ctx = jv_copy(x->ctx);
		child.mock_counts = jv_copy(x->mock_counts);
		child.full = 0;
		j->r = run_states(&child, j->ss, j->input, j->vars, &j->out,
		    &j->e);
		if (child.full) {
			/* The child execution failed; its parent goes on. */
			history_full(&j->e);
			j->r = R_ERR;
		}
		jv_free(child.ctx);
		jv_free(child.mock_counts);
		return;
	}
	if (j->map != NULL && history_on(x))
		event(x, "MapIterationStarted",
		    "mapIterationStartedEventDetails", JV_OBJECT(
		    jv_string("index"), jv_number((double)j->index),
		    jv_string("name"), jv_string(j->map)));
	else if (j->map != NULL)
		event(x, "", NULL, jv_invalid());
	j->r = run_states(x, j->ss, j->input, j->vars, &j->out, &j->e);
	if (j->map != NULL && j->r != R_STOP && history_on(x))
		event(x, j->r == R_OK ? "MapIterationSucceeded" :
		    "MapIterationFailed", j->r == R_OK ?
		    "mapIterationSucceededEventDetails" :
		    "mapIterationFailedEventDetails", JV_OBJECT(
		    jv_string("index"), jv_number((double)j->index),
		    jv_string("name"), jv_string(j->map)));
	else if (j->map != NULL && j->r != R_STOP)
		event(x, "", NULL, jv_invalid());
}

/* Run J on a virtual clock of its own, from vstart; it ends at vend. */
static void
job_timed(struct job *j)
{
	clock_jump_to(j->vstart);
	job_run(j);
	j->vend = clock_now_ms();
}

static void *
job_thread(void *arg)
{
	struct job *j = arg;

	pthread_mutex_lock(&gil);
	job_timed(j);
	j->qnext = *j->doneq;
	*j->doneq = j;
	pthread_cond_broadcast(&job_done);
	pthread_mutex_unlock(&gil);
	return NULL;
}

/*
 * Virtual time of concurrent jobs, as AWS runs them: up to a limit at
 * once, each starting when a slot frees (in order), the whole ending with
 * the last of them.  Slots never used yet are free from the start; the
 * others wait in a min-heap of the times they free at, so that a job
 * starts in O(log n), not in a scan of every slot (a distributed Map may
 * have a million items and as many slots).
 */
struct vsched {
	size_t		 fresh;		/* slots free since t0 */
	int64_t		 t0, end;
	int64_t		*heap;		/* times used slots free at */
	size_t		 nheap, cap;
};

static void
vsched_init(struct vsched *v, size_t njobs, long vlimit)
{
	v->fresh = vlimit <= 0 || (size_t)vlimit > njobs ? njobs :
	    (size_t)vlimit;
	v->t0 = v->end = clock_now_ms();
	/* Each time in the heap is a slot's: as many as the slots. */
	v->cap = v->fresh > 0 ? v->fresh : 1;
	v->heap = xreallocarray(NULL, v->cap, sizeof(*v->heap));
	v->nheap = 0;
}

static void
vsched_push(struct vsched *v, int64_t t)
{
	size_t i = v->nheap++, up;

	if (v->nheap > v->cap) {
		v->cap *= 2;
		v->heap = xreallocarray(v->heap, v->cap, sizeof(*v->heap));
	}
	for (; i > 0 && v->heap[up = (i - 1) / 2] > t; i = up)
		v->heap[i] = v->heap[up];
	v->heap[i] = t;
}

static int64_t
vsched_pop(struct vsched *v)
{
	int64_t top = v->heap[0], last = v->heap[--v->nheap];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < v->nheap) {
		if (c + 1 < v->nheap && v->heap[c + 1] < v->heap[c])
			c++;
		if (last <= v->heap[c])
			break;
		v->heap[i] = v->heap[c];
		i = c;
	}
	v->heap[i] = last;
	return top;
}

/* Job J starts: in the slot free first, at the time it frees. */
static void
vsched_start(struct vsched *v, struct job *j)
{
	if (v->fresh > 0) {
		v->fresh--;
		j->vstart = v->t0;
	} else if (v->nheap > 0)
		j->vstart = vsched_pop(v);
	else	/* more running than slots: cannot happen (limit <= vlimit) */
		j->vstart = v->end;
	j->vend = j->vstart;
}

static void
vsched_end(struct vsched *v, const struct job *j)
{
	vsched_push(v, j->vend);
	if (j->vend > v->end)
		v->end = j->vend;
}

/*
 * Run N jobs, at most LIMIT at once (0: ASLRUN_MAX_THREADS; 1: one after
 * the other in this thread).  With STOP, a failure starts no further job.
 * VLIMIT is how many run at once on AWS (0: all), which virtual time
 * follows whatever LIMIT is: the jobs' waits overlap as they would there.
 * Returns R_STOP when a job stopped, else R_OK (each job has its
 * outcome).
 */
static int
run_jobs(struct run *x, struct job *jobs, size_t n, long limit, long vlimit,
    int stop)
{
	struct vsched vs;
	struct job *done = NULL, *j;	/* ended, not joined yet */
	size_t next = 0, running = 0, i;
	int failed = 0, timeout = 0;

	(void)x;
	vsched_init(&vs, n, vlimit);
	if (limit <= 0 || limit > ASLRUN_MAX_THREADS)
		limit = ASLRUN_MAX_THREADS;
	if (limit == 1 || n < 2) {
		for (i = 0; i < n && !failed && !timeout; i++) {
			jobs[i].started = 1;
			vsched_start(&vs, &jobs[i]);
			job_timed(&jobs[i]);
			vsched_end(&vs, &jobs[i]);
			timeout = jobs[i].r == R_STOP;
			failed = stop && jobs[i].r != R_OK;
		}
		clock_jump_to(vs.end);
		free(vs.heap);
		return timeout ? R_STOP : R_OK;
	}
	for (;;) {
		while (next < n && (limit <= 0 || running < (size_t)limit) &&
		    !failed && !timeout) {
			jobs[next].started = 1;
			jobs[next].doneq = &done;
			vsched_start(&vs, &jobs[next]);
			if (pthread_create(&jobs[next].tid, NULL, job_thread,
			    &jobs[next]) != 0) {
				/* No thread: run it here. */
				job_timed(&jobs[next]);
				vsched_end(&vs, &jobs[next]);
				timeout |= jobs[next].r == R_STOP;
				failed |= stop && jobs[next].r != R_OK;
			} else
				running++;
			next++;
		}
		if (running == 0)
			break;
		/* Each ended job is joined once, without a scan of all. */
		while (done == NULL)
			pthread_cond_wait(&job_done, &gil);
		while ((j = done) != NULL) {
			done = j->qnext;
			pthread_mutex_unlock(&gil);
			pthread_join(j->tid, NULL);
			pthread_mutex_lock(&gil);
			vsched_end(&vs, j);
			running--;
			timeout |= j->r == R_STOP;
			failed |= stop && j->r != R_OK;
		}
	}
	clock_jump_to(vs.end);
	free(vs.heap);
	return timeout ? R_STOP : R_OK;
}

/* Parallel. */

static int
do_parallel(struct step *st, jv input, jv *out, struct asl_error *e)
{
	const struct asl_state *s = st->s;
	struct run *x = st->x;
	struct job *jobs;
	jv v, results;
	size_t i;
	int r, conc = 0;

	if (input_path(st, input, &v, e) != R_OK)
		return R_ERR;
	if (apply_tmpl(st, s->parameters, &v, st->ctx, e) != R_OK ||
	    apply_tmpl(st, s->arguments, &v, st->ctx, e) != R_OK) {
		jv_free(v);
		return R_ERR;
	}
	event(x, "ParallelStateStarted", NULL, jv_invalid());
	jobs = xcalloc(s->nbranches, sizeof(*jobs));
	for (i = 0; i < s->nbranches; i++)
		job_init(&jobs[i], x, &s->branches[i], jv_copy(v),
		    jv_copy(st->vars), NULL, (long)i);
	for (i = 0; i < s->nbranches && !conc; i++)
		conc = s->branches[i].has_task;
	r = run_jobs(x, jobs, s->nbranches, conc ? 0 : 1, 0, 1);
	results = jv_array();
	for (i = 0; i < s->nbranches && r == R_OK; i++) {
		if (jobs[i].started && jobs[i].r != R_OK) {
			/* The first branch to fail, in their order. */
			asl_error_free(e);
			*e = jobs[i].e;
			jobs[i].e.error = jobs[i].e.cause = NULL;
			r = R_ERR;
			break;
		}
		results = jv_array_append(results, jv_copy(jobs[i].out));
	}
	jobs_free(jobs, s->nbranches);
	if (r != R_OK) {
		jv_free(results);
		jv_free(v);
		return r;
	}
	jv_free(v);
	event(x, "ParallelStateSucceeded", NULL, jv_invalid());
	return finish(st, input, results, out, e);
}

/* Map. */

/* 1 and *out when S is a decimal integer and nothing else. */
static int
string_integer(const char *s, double *out)
{
	char *end;
	long long n;

	if (*s == '\0' || isspace((unsigned char)*s))
		return 0;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (*end != '\0' || errno != 0)
		return 0;
	*out = (double)n;
	return 1;
}

/* An integer (or float) from a *Path field, with AWS's messages. */
static int
map_number(struct step *st, const struct jpath *p, const char *field,
    int integer, jv input, double *out, struct asl_error *e)
{
	jv v = jpath_eval_vars(p, input, st->ctx, st->vars);
	struct sbuf b = SBUF_INIT;
	double d;

	if (!jv_is_valid(v)) {
		jv_free(v);
		return path_missing(st, p, input, e);
	}
	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		d = jv_number_value(v);
		if (!integer || d == floor(d)) {
			jv_free(v);
			*out = d;
			return R_OK;
		}
	} else if (integer && jv_get_kind(v) == JV_KIND_STRING &&
	    string_integer(jv_string_value(v), &d)) {
		/* As on AWS: a variable "1" is MaxConcurrencyPath 1. */
		jv_free(v);
		*out = d;
		return R_OK;
	}
	value_text(v, &b);
	rt_err(st, e, "States.Runtime", "The %s field refers to value \"%s\" "
	    "which is not a valid %s: %s", field, b.buf, integer ? "integer" :
	    "float", jpath_text(p));
	sbuf_free(&b);
	jv_free(v);
	return R_ERR;
}

/* Group ITEMS (consumed) into ItemBatcher batches. */
static int
batch_items(struct step *st, jv eff, jv *items, struct asl_error *e)
{
	const struct asl_state *s = st->s;
	double maxn = (double)s->batch_max_items;
	double maxb = (double)s->batch_max_bytes;
	jv base = jv_object(), batches = jv_array(), cur = jv_array();
	size_t curbytes = 0;
	int i, n;

	if ((s->batch_max_items_path != NULL && map_number(st,
	    s->batch_max_items_path, "MaxItemsPerBatchPath", 1, eff, &maxn,
	    e) != R_OK) || (s->batch_max_bytes_path != NULL && map_number(st,
	    s->batch_max_bytes_path, "MaxInputBytesPerBatchPath", 1, eff,
	    &maxb, e) != R_OK) || (s->jfield[JF_BATCH_MAX_ITEMS] != NULL &&
	    jnumber(st, s->jfield[JF_BATCH_MAX_ITEMS], 1, 1, 1e8, &maxn, e) !=
	    R_OK) || (s->jfield[JF_BATCH_MAX_BYTES] != NULL && jnumber(st,
	    s->jfield[JF_BATCH_MAX_BYTES], 1, 1, 262144, &maxb, e) != R_OK))
		goto bad;
	if (s->batch_input != NULL) {
		jv_free(base);
		base = tmpl_eval(st, s->batch_input, eff, st->ctx, e);
		if (!jv_is_valid(base))
			goto bad;
		if (jv_get_kind(base) != JV_KIND_OBJECT) {
			rt_err(st, e, "States.Runtime", "BatchInput must be an "
			    "object");
			goto bad;
		}
	}
	n = jv_array_length(jv_copy(*items));
	for (i = 0; i < n; i++) {
		jv it = jv_array_get(jv_copy(*items), i);
		jv t = jtext(it);
		size_t len = (size_t)jv_string_length_bytes(t);

		if (jv_array_length(jv_copy(cur)) > 0 &&
		    ((maxn > 0 && jv_array_length(jv_copy(cur)) >= maxn) ||
		    (maxb > 0 && curbytes + len > maxb))) {
			batches = jv_array_append(batches, jv_object_set(
			    jv_copy(base), jv_string("Items"), cur));
			cur = jv_array();
			curbytes = 0;
		}
		cur = jv_array_append(cur, it);
		curbytes += len;
	}
	if (jv_array_length(jv_copy(cur)) > 0)
		batches = jv_array_append(batches, jv_object_set(jv_copy(base),
		    jv_string("Items"), cur));
	else
		jv_free(cur);
	jv_free(base);
	jv_free(*items);
	*items = batches;
	return R_OK;
bad:
	jv_free(base);
	jv_free(batches);
	jv_free(cur);
	return R_ERR;
}

/* ItemReader: the items from local files. */
static int
read_items(struct step *st, jv eff, jv *items, struct asl_error *e)
{
	const struct asl_state *s = st->s;
	double max = (double)s->reader_max;
	jv params, m;

	params = tmpl_eval(st, s->reader_params, eff, st->ctx, e);
	if (!jv_is_valid(params))
		return R_ERR;
	if ((s->reader_max_path != NULL && map_number(st, s->reader_max_path,
	    "MaxItemsPath", 1, eff, &max, e) != R_OK) ||
	    (s->jfield[JF_READER_MAX_ITEMS] != NULL && jnumber(st,
	    s->jfield[JF_READER_MAX_ITEMS], 1, 0, 100000000, &max, e) !=
	    R_OK)) {
		jv_free(params);
		return R_ERR;
	}
	*items = itemio_read(st->x->c->s3_dir != NULL ? st->x->c->s3_dir :
	    ".", s->reader, params, s->reader_config, (long)max);
	jv_free(params);
	if (jv_is_valid(*items))
		return R_OK;
	m = jv_invalid_get_msg(*items);
	rt_err(st, e, "States.ItemReaderFailed", "%s",
	    jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "");
	jv_free(m);
	return R_ERR;
}

/* ResultWriter: the run's records to local files; *results (consumed) is
 * replaced by {MapRunArn, ResultWriterDetails}. */
static int
write_results(struct step *st, jv eff, jv *results, jv done, jv bad,
    struct asl_error *e)
{
	const struct asl_state *s = st->s;
	char id[UUID_BUFSZ], *res, *arn;
	jv params, d, m;

	params = tmpl_eval(st, s->writer_params, eff, st->ctx, e);
	if (!jv_is_valid(params)) {
		jv_free(done);
		jv_free(bad);
		return R_ERR;
	}
	ids_uuid(id, NULL, 0);
	res = xasprintf("mapRun:%s/%s:%s", st->x->c->sm_name,
	    s->label != NULL ? s->label : s->name, id);
	arn = arn_make("states", res);
	d = itemio_write(st->x->c->s3_dir != NULL ? st->x->c->s3_dir : ".",
	    params, arn, id, done, bad);
	jv_free(params);
	jv_free(done);
	jv_free(bad);
	if (!jv_is_valid(d)) {
		m = jv_invalid_get_msg(d);
		rt_err(st, e, "States.ResultWriterFailed", "%s",
		    jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) :
		    "");
		jv_free(m);
		free(res);
		free(arn);
		return R_ERR;
	}
	jv_free(*results);
	*results = JV_OBJECT(jv_string("MapRunArn"), jv_string(arn),
	    jv_string("ResultWriterDetails"), d);
	free(res);
	free(arn);
	return R_OK;
}

static int
do_map(struct step *st, jv input, jv *out, struct asl_error *e)
{
	const struct asl_state *s = st->s;
	struct run *x = st->x;
	double conc = (double)s->max_concurrency, pct = s->tolerated_pct;
	double cnt = (double)s->tolerated_count;
	jv v, items, results, item, sel, ictx;
	jv done = jv_invalid(), bad = jv_invalid();
	struct job *jobs;
	long failed = 0, i, n;
	int r;

	if (input_path(st, input, &v, e) != R_OK)
		return R_ERR;
	if (s->reader != NULL) {
		if (read_items(st, v, &items, e) != R_OK) {
			jv_free(v);
			return R_ERR;
		}
	} else if (s->items_path != NULL) {
		items = jpath_eval_vars(s->items_path, v, st->ctx, st->vars);
		if (!jv_is_valid(items)) {
			jv_free(items);
			r = path_missing(st, s->items_path, v, e);
			jv_free(v);
			return r;
		}
	} else if (s->items != NULL) {
		items = tmpl_eval(st, s->items, v, st->ctx, e);
		if (!jv_is_valid(items)) {
			jv_free(v);
			return R_ERR;
		}
	} else
		items = jv_copy(v);
	if (jv_get_kind(items) != JV_KIND_ARRAY) {
		jv t = jtext(items);

		if (s->items != NULL)
			wrong_type(st, s->items, "array", items, e);
		else if (s->jsonata)
			qe_err(st, e, NULL, "Map state input must be an array "
			    "but was: %s", jv_string_value(t));
		else
			rt_err(st, e, "States.Runtime", "Map state input must "
			    "be an array but was: %s", jv_string_value(t));
		jv_free(t);
		goto bad;
	}
	if ((s->max_concurrency_path != NULL && map_number(st,
	    s->max_concurrency_path, "MaxConcurrencyPath", 1, v, &conc, e) !=
	    R_OK) || (s->jfield[JF_MAX_CONCURRENCY] != NULL && jnumber(st,
	    s->jfield[JF_MAX_CONCURRENCY], 1, 0, 2147483647, &conc, e) !=
	    R_OK))
		goto bad;
	if (conc < 0) {
		rt_err(st, e, "States.Runtime", "MaxConcurrency cannot be "
		    "negative.");
		goto bad;
	}
	n = jv_array_length(jv_copy(items));
	if (history_on(x))
		event(x, "MapStateStarted", "mapStateStartedEventDetails",
		    JV_OBJECT(jv_string("length"), jv_number((double)n)));
	else
		event(x, "", NULL, jv_invalid());
	if ((s->tolerated_pct_path != NULL && map_number(st,
	    s->tolerated_pct_path, "ToleratedFailurePercentagePath", 0, v,
	    &pct, e) != R_OK) ||
	    (s->tolerated_count_path != NULL && map_number(st,
	    s->tolerated_count_path, "ToleratedFailureCountPath", 1, v, &cnt,
	    e) != R_OK) ||
	    (s->jfield[JF_TOLERATED_PCT] != NULL && jnumber(st,
	    s->jfield[JF_TOLERATED_PCT], 0, 0, 100, &pct, e) != R_OK) ||
	    (s->jfield[JF_TOLERATED_COUNT] != NULL && jnumber(st,
	    s->jfield[JF_TOLERATED_COUNT], 1, 0, 2147483647, &cnt, e) !=
	    R_OK))
		goto bad;
	if (s->tolerated_pct_path != NULL && (pct < 0 || pct > 100)) {
		rt_err(st, e, "States.Runtime", "ToleratedFailurePercentage "
		    "must be between 0 and 100.");
		goto bad;
	}
	if (s->tolerated_count_path != NULL && cnt < 0) {
		rt_err(st, e, "States.Runtime", "ToleratedFailureCount cannot "
		    "be negative.");
		goto bad;
	}
	if (s->batcher && batch_items(st, v, &items, e) != R_OK)
		goto bad;
	n = jv_array_length(jv_copy(items));
	if (s->distributed)
		event(x, "MapRunStarted", NULL, jv_invalid());
	/* The iterations' inputs first: ItemSelector errors start none. */
	jobs = xcalloc((size_t)n + 1, sizeof(*jobs));
	for (i = 0; i < n; i++) {
		item = jv_array_get(jv_copy(items), (int)i);
		if (s->item_selector != NULL) {
			/* No context object when nothing reads "$$". */
			if (x->m->uses_context)
				ictx = jv_object_set(jv_copy(st->ctx),
				    jv_string("Map"), JV_OBJECT(
				    jv_string("Item"), JV_OBJECT(
				    jv_string("Index"), jv_number((double)i),
				    jv_string("Value"), jv_copy(item))));
			else
				ictx = jv_null();
			sel = tmpl_eval(st, s->item_selector, v, ictx, e);
			jv_free(ictx);
			jv_free(item);
			if (!jv_is_valid(sel)) {
				jobs_free(jobs, (size_t)i);
				goto bad;
			}
			item = sel;
		}
		job_init(&jobs[i], x, s->processor, item, jv_copy(st->vars),
		    s->name, i);
		jobs[i].child = s->distributed;
	}
	r = run_jobs(x, jobs, (size_t)n, s->processor->has_task ? (long)conc :
	    1, (long)conc, pct < 0 && cnt < 0);
	if (r == R_STOP) {
		jobs_free(jobs, (size_t)n);
		jv_free(items);
		jv_free(v);
		jv_free(done);
		jv_free(bad);
		return R_STOP;
	}
	results = jv_array();
	done = jv_array();
	bad = jv_array();
	for (i = 0; i < n; i++) {
		struct job *j = &jobs[i];

		if (!j->started)
			continue;
		if (s->writer) {
			jv rec = JV_OBJECT(jv_string("Input"), jtext(j->input),
			    jv_string("Status"), jv_string(j->r == R_OK ?
			    "SUCCEEDED" : "FAILED"));

			if (j->r == R_OK)
				rec = jv_object_set(rec, jv_string("Output"),
				    jtext(j->out));
			if (j->r != R_OK && j->e.error != NULL)
				rec = jv_object_set(rec, jv_string("Error"),
				    jv_string(j->e.error));
			if (j->r != R_OK && j->e.cause != NULL)
				rec = jv_object_set(rec, jv_string("Cause"),
				    jv_string(j->e.cause));
			if (j->r == R_OK)
				done = jv_array_append(done, rec);
			else
				bad = jv_array_append(bad, rec);
		}
		if (j->r == R_OK) {
			results = jv_array_append(results, jv_copy(j->out));
			continue;
		}
		failed++;
		if (pct < 0 && cnt < 0) {
			/* No tolerance: the Map fails as its iteration. */
			jv_free(results);
			jv_free(done);
			jv_free(bad);
			asl_error_free(e);
			*e = j->e;
			j->e.error = j->e.cause = NULL;
			jobs_free(jobs, (size_t)n);
			jv_free(items);
			jv_free(v);
			return R_ERR;
		}
		results = jv_array_append(results, error_output(&j->e));
	}
	jobs_free(jobs, (size_t)n);
	jv_free(items);
	if (failed > 0 && !((cnt >= 0 && failed <= cnt) ||
	    (pct >= 0 && (double)failed * 100 <= pct * (double)n))) {
		jv_free(results);
		jv_free(v);
		jv_free(done);
		jv_free(bad);
		if (s->distributed)
			event(x, "MapRunFailed", NULL, jv_invalid());
		asl_error_set(e, "States.ExceedToleratedFailureThreshold",
		    "The specified tolerated failure threshold was exceeded");
		return R_ERR;
	}
	if (s->writer && write_results(st, v, &results, done, bad, e) !=
	    R_OK) {
		jv_free(v);
		return R_ERR;
	}
	if (!s->writer) {
		jv_free(done);
		jv_free(bad);
	}
	jv_free(v);
	if (s->distributed)
		event(x, "MapRunSucceeded", NULL, jv_invalid());
	event(x, "MapStateSucceeded", NULL, jv_invalid());
	return finish(st, input, results, out, e);
bad:
	jv_free(done);
	jv_free(bad);
	jv_free(items);
	jv_free(v);
	return R_ERR;
}

/* Retry. */

static double
jitter(double max)
{
	char id[UUID_BUFSZ];

	ids_uuid(id, NULL, 0);
	return max * (double)(strtoull(id + 24, NULL, 16) % 1000001) /
	    1000000.0;
}

static int
do_work(struct step *st, jv input, jv *out, struct asl_error *e)
{
	switch (st->s->type) {
	case ASL_TASK:
		return do_task(st, input, out, e);
	case ASL_PARALLEL:
		return do_parallel(st, input, out, e);
	default:
		return do_map(st, input, out, e);
	}
}

static jv
state_ctx(struct run *x, const struct asl_state *s, int64_t entered,
    long retries)
{
	char ts[RFC3339_BUFSZ];

	if (!x->m->uses_context)
		return jv_null();
	rfc3339_fmt_ms(entered, ts);
	return jv_object_set(jv_copy(x->ctx), jv_string("State"), JV_OBJECT(
	    jv_string("EnteredTime"), jv_string(ts),
	    jv_string("Name"), jv_string(s->name),
	    jv_string("RetryCount"), jv_number((double)retries)));
}

static int
with_retry(struct step *st, jv input, int64_t entered, jv *out,
    struct asl_error *e)
{
	const struct asl_state *s = st->s;
	long *counts, retries = 0;
	double delay;
	size_t k;
	int r;

	counts = xcalloc(s->nretry + 1, sizeof(*counts));
	for (;;) {
		r = do_work(st, input, out, e);
		if (r != R_ERR || st->x->full)
			break;
		for (k = 0; k < s->nretry; k++)
			if (err_matches(s->retry[k].errors,
			    s->retry[k].nerrors, e->error))
				break;
		if (k == s->nretry || counts[k] >= s->retry[k].max_attempts)
			break;
		delay = s->retry[k].interval * pow(s->retry[k].backoff,
		    (double)counts[k]);
		if (s->retry[k].max_delay > 0 &&
		    delay > (double)s->retry[k].max_delay)
			delay = (double)s->retry[k].max_delay;
		if (s->retry[k].jitter_full)
			delay = jitter(delay);
		counts[k]++;
		if (wait_until(st->x, clock_now_ms() +
		    (int64_t)(delay * 1000)) != R_OK) {
			r = R_STOP;
			break;
		}
		asl_error_free(e);
		retries++;
		jv_free(st->ctx);
		st->ctx = state_ctx(st->x, s, entered, retries);
	}
	free(counts);
	if (r == R_ERR && !is_terminal(e->error) && s->type != ASL_TASK)
		event(st->x, s->type == ASL_MAP ? "MapStateFailed" :
		    "ParallelStateFailed", NULL, jv_invalid());
	return r;
}

/*
 * Assign: the values of ST's Assign, all read from the variables as they
 * were before the state, into *assigned (an object).  AWS allows 256 KiB
 * of them per Assign (counted here as the object's JSON text).
 */
static int
eval_assign(struct step *st, jv input, jv *assigned, struct asl_error *e)
{
	*assigned = tmpl_eval(st, st->assign, jv_is_valid(st->assign_doc) ?
	    st->assign_doc : input, st->ctx, e);
	if (!jv_is_valid(*assigned))
		return R_ERR;
	if (too_big(*assigned)) {
		jv_free(*assigned);
		*assigned = jv_invalid();
		asl_error_set(e, "States.DataLimitExceeded", "The state/task "
		    "'%s' assigned variables with a combined size exceeding "
		    "the maximum number of bytes service limit.", st->s->name);
		return R_ERR;
	}
	return R_OK;
}

/* A caught error: the catcher's output (and its Assign's "$"). */
static int
caught(struct step *st, const struct asl_catcher *c, jv input, jv *out,
    struct asl_error *e)
{
	jv eo = error_output(e);

	asl_error_free(e);
	st->assign = c->assign;
	if (st->s->jsonata) {
		st->states = jv_object_set(st->states,
		    jv_string("errorOutput"), jv_copy(eo));
		return joutput(st, c->output, eo, out, e);
	}
	jv_free(st->assign_doc);
	st->assign_doc = jv_copy(eo);
	return result_path(st, &c->result_path, input, eo, out, e);
}

/*
 * Run one state; *next is the next state's index or -1 at the end.
 * *VARS is the scope: what the state assigns goes into it once the state
 * is over.
 */
static int
run_state(struct run *x, const struct asl_states *ss, int idx, jv input,
    jv *vars, jv *out, int *next, struct asl_error *e)
{
	const struct asl_state *s = &ss->states[idx];
	struct step st;
	int64_t entered = clock_now_ms();
	jv assigned = jv_invalid();
	int r;
	size_t k;

	st.x = x;
	st.s = s;
	st.entered = state_event(x, s, "Entered", "input", input);
	st.ctx = state_ctx(x, s, entered, 0);
	st.vars = jv_copy(*vars);
	st.states = s->jsonata ? JV_OBJECT(jv_string("input"),
	    jv_copy(input)) : jv_invalid();
	st.assign_doc = jv_invalid();
	st.assign = s->assign;
	*next = s->end ? -1 : s->next_idx;
	switch (s->type) {
	case ASL_PASS:
		r = do_pass(&st, input, out, e);
		break;
	case ASL_CHOICE:
		r = do_choice(&st, input, out, next, e);
		break;
	case ASL_WAIT:
		r = do_wait(&st, input, out, e);
		break;
	case ASL_SUCCEED:
		if (s->jsonata)
			r = joutput(&st, s->output, jv_copy(input), out, e);
		else if ((r = input_path(&st, input, out, e)) == R_OK)
			r = output_path(&st, out, e);
		*next = -1;
		break;
	case ASL_FAIL:
		r = do_fail(&st, input, e);
		break;
	default:
		r = with_retry(&st, input, entered, out, e);
		break;
	}
	if (r == R_OK && st.assign != NULL &&
	    eval_assign(&st, input, &assigned, e) != R_OK) {
		jv_free(*out);
		*out = jv_invalid();
		r = R_ERR;
	}
	if (x->full && r != R_STOP) {
		/* Nothing more is recorded, so nothing more runs. */
		if (r == R_OK) {
			jv_free(*out);
			*out = jv_invalid();
		}
		r = R_STOP;
	}
	if (r == R_ERR && s->type != ASL_FAIL) {
		for (k = 0; k < s->ncatch; k++)
			if (err_matches(s->catchers[k].errors,
			    s->catchers[k].nerrors, e->error))
				break;
		if (k < s->ncatch) {
			r = caught(&st, &s->catchers[k], input, out, e);
			*next = s->catchers[k].next_idx;
			if (r == R_OK && st.assign != NULL &&
			    eval_assign(&st, input, &assigned, e) != R_OK) {
				jv_free(*out);
				*out = jv_invalid();
				r = R_ERR;
			}
		}
	}
	if (r == R_OK && s->type != ASL_FAIL)
		state_exited(x, s, *out, assigned);
	if (r == R_OK && jv_is_valid(assigned))
		*vars = jv_object_merge(*vars, assigned);
	else
		jv_free(assigned);
	jv_free(st.ctx);
	jv_free(st.vars);
	jv_free(st.states);
	jv_free(st.assign_doc);
	return r;
}

/* Run a set of states in a scope of its own, which starts as VARS. */
static int
run_states(struct run *x, const struct asl_states *ss, jv input, jv vars,
    jv *out, struct asl_error *e)
{
	int i = ss->start, next, r;
	jv cur = jv_copy(input), res;
	jv scope = jv_get_kind(vars) == JV_KIND_OBJECT ? jv_copy(vars) :
	    jv_object();

	for (;;) {
		if (x->full || (x->deadline > 0 &&
		    clock_now_ms() >= x->deadline)) {
			r = R_STOP;
			break;
		}
		res = jv_invalid();
		r = run_state(x, ss, i, cur, &scope, &res, &next, e);
		jv_free(cur);
		cur = jv_invalid();
		if (r != R_OK) {
			jv_free(res);
			break;
		}
		if (next < 0) {
			*out = res;
			break;
		}
		cur = res;
		i = next;
	}
	jv_free(cur);
	jv_free(scope);
	return r;
}

/* The execution result. */

enum aslrun_status
aslrun_execute(const struct asl_machine *m, const struct aslrun_conf *c,
    jv input, const char *raw, size_t rawlen, const char *name,
    struct sbuf *out)
{
	struct run x;
	struct asl_error e = { NULL, NULL };
	struct sbuf in = SBUF_INIT;
	char start[RFC3339_BUFSZ], stop[RFC3339_BUFSZ], *res, *role;
	int64_t t0 = clock_now_ms();
	enum aslrun_status status;
	jv output = jv_invalid(), o;
	int r;

	pthread_mutex_lock(&gil);
	memset(&x, 0, sizeof(x));
	x.m = m;
	x.c = c;
	x.sm_arn = aslrun_sm_arn(c->sm_name);
	res = xasprintf("execution:%s:%s", c->sm_name, name);
	x.exec_arn = arn_make("states", res);
	free(res);
	x.mock_counts = jv_object();
	if (m->timeout > 0)
		x.deadline = t0 + (int64_t)m->timeout * 1000;
	jsonraw_minify(&in, raw, rawlen);
	rfc3339_fmt_ms(t0, start);
	role = xasprintf("arn:aws:iam::%s:role/StepFunctions-%s-role",
	    awsid_account(), c->sm_name);
	x.ctx = JV_OBJECT(jv_string("Execution"), JV_OBJECT(
	    jv_string("Id"), jv_string(x.exec_arn),
	    jv_string("Input"), jv_copy(input),
	    jv_string("Name"), jv_string(name),
	    jv_string("RoleArn"), jv_string(role),
	    jv_string("StartTime"), jv_string(start),
	    jv_string("RedriveCount"), jv_number(0)),
	    jv_string("StateMachine"), JV_OBJECT(
	    jv_string("Id"), jv_string(x.sm_arn),
	    jv_string("Name"), jv_string(c->sm_name)));
	if (history_on(&x))
		event(&x, "ExecutionStarted", "executionStartedEventDetails",
		    JV_OBJECT(jv_string("input"), jv_string(in.buf),
		    jv_string("inputDetails"), JV_OBJECT(
		    jv_string("truncated"), jv_false()),
		    jv_string("roleArn"), jv_string(role)));
	else
		event(&x, "", NULL, jv_invalid());
	free(role);
	if (in.len > ASL_PAYLOAD_MAX) {
		asl_error_set(&e, "States.DataLimitExceeded", "The execution "
		    "input exceeds the maximum of %d bytes.",
		    ASL_PAYLOAD_MAX);
		r = R_ERR;
	} else
		r = run_states(&x, &m->top, input, jv_invalid(), &output,
		    &e);
	if (r == R_OK && too_big(output)) {
		jv_free(output);
		output = jv_invalid();
		asl_error_set(&e, "States.DataLimitExceeded", "The execution "
		    "output exceeds the maximum of %d bytes.",
		    ASL_PAYLOAD_MAX);
		r = R_ERR;
	}
	/* Only a success may take the history's last place. */
	if (r != R_OK && x.evid + 1 >= ASLRUN_HISTORY_MAX)
		x.full = 1;
	if (x.full) {
		jv_free(output);
		output = jv_invalid();
		history_full(&e);
		r = R_ERR;
	}
	x.full = 0;
	x.ending = 1;
	if (r == R_OK) {
		status = ASLRUN_SUCCEEDED;
		o = jtext(output);
		if (history_on(&x))
			event(&x, "ExecutionSucceeded",
			    "executionSucceededEventDetails", JV_OBJECT(
			    jv_string("output"), jv_copy(o),
			    jv_string("outputDetails"), JV_OBJECT(
			    jv_string("truncated"), jv_false())));
	} else if (r == R_ERR) {
		status = ASLRUN_FAILED;
		o = jv_object();
		if (e.error != NULL)
			o = jv_object_set(o, jv_string("error"),
			    jv_string(e.error));
		if (e.cause != NULL)
			o = jv_object_set(o, jv_string("cause"),
			    jv_string(e.cause));
		event(&x, "ExecutionFailed", "executionFailedEventDetails",
		    history_on(&x) ? jv_copy(o) : jv_invalid());
	} else {
		status = ASLRUN_TIMED_OUT;
		o = jv_invalid();
		event(&x, "ExecutionTimedOut", NULL, jv_invalid());
	}
	rfc3339_fmt_ms(clock_now_ms(), stop);
	sbuf_adds(out, "{\"executionArn\":");
	jsonraw_quote(out, x.exec_arn, strlen(x.exec_arn));
	jsonraw_add_member(out, "stateMachineArn", x.sm_arn);
	jsonraw_add_member(out, "name", name);
	jsonraw_add_member(out, "status", status == ASLRUN_SUCCEEDED ? "SUCCEEDED" :
	    status == ASLRUN_FAILED ? "FAILED" : "TIMED_OUT");
	jsonraw_add_member(out, "startDate", start);
	jsonraw_add_member(out, "stopDate", stop);
	sbuf_adds(out, ",\"input\":");
	jsonraw_quote(out, in.buf, in.len);
	sbuf_adds(out, ",\"inputDetails\":{\"included\":true}");
	if (status == ASLRUN_SUCCEEDED) {
		sbuf_adds(out, ",\"output\":");
		jsonraw_quote(out, jv_string_value(o),
		    (size_t)jv_string_length_bytes(jv_copy(o)));
		sbuf_adds(out, ",\"outputDetails\":{\"included\":true}");
	} else if (status == ASLRUN_FAILED) {
		if (e.error != NULL)
			jsonraw_add_member(out, "error", e.error);
		if (e.cause != NULL)
			jsonraw_add_member(out, "cause", e.cause);
	}
	sbuf_addc(out, '}');
	jv_free(o);
	jv_free(output);
	jv_free(x.ctx);
	jv_free(x.mock_counts);
	asl_error_free(&e);
	sbuf_free(&in);
	free(x.sm_arn);
	free(x.exec_arn);
	pthread_mutex_unlock(&gil);
	return status;
}
