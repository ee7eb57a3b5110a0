/*
 * rules.c: rules files; see rules.h.
 *
 * Rules are read with libjq for their shape and with jsonraw for the
 * pattern's own bytes, so a pattern given as an object keeps its exact
 * numbers and duplicate keys when it is compiled.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "awsid.h"
#include "cfn.h"
#include "jsonraw.h"
#include "ndjson.h"
#include "pattern.h"
#include "rules.h"
#include "sbuf.h"
#include "transform.h"
#include "xalloc.h"

struct ld {
	const char	*file;
	const char	*bus;
	struct pathtab	*pt;
	const struct pattern_opts *opts;
	struct ruleset	*rs;
	char		*err;
	jv		 resources;	/* CloudFormation: for Ref */
};

static int
fail(struct ld *ld, const char *where, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	ld->err = xasprintf("%s: %s: %s", ld->file, where,
	    msg != NULL ? msg : "out of memory");
	free(msg);
	return -1;
}

static const char name_re[] = "[\\.\\-_A-Za-z0-9]+";

static jv
get(jv o, const char *k)
{
	if (jv_get_kind(o) != JV_KIND_OBJECT)
		return jv_invalid();
	return jv_object_get(jv_copy(o), jv_string(k));
}

/* A bus named by name, ARN or CloudFormation Ref (owned). */
static char *
bus_name(struct ld *ld, jv b)
{
	const char *s, *n;
	size_t len;
	jv ref;
	char *r;

	if (jv_get_kind(b) == JV_KIND_OBJECT) {
		ref = get(b, "Ref");
		r = jv_get_kind(ref) == JV_KIND_STRING ?
		    cfn_name(ld->resources, jv_string_value(ref)) : NULL;
		jv_free(ref);
		return r;
	}
	if (jv_get_kind(b) != JV_KIND_STRING)
		return NULL;
	s = jv_string_value(b);
	if ((n = arn_name(s, "events", "event-bus", &len)) == NULL)
		return NULL;
	return xstrndup(n, len);
}

/* Skip "<name>" at p; NULL when there is none. */
static const char *
skip_placeholder(const char *p)
{
	if (*p++ != '<')
		return NULL;
	while (*p != '\0' && *p != '>' && *p != '<' && *p != '"')
		p++;
	return *p == '>' ? p + 1 : NULL;
}

/*
 * A CloudWatch Logs target with an InputTransformer takes only the
 * template {"timestamp":<...>,"message":<...>} (blanks aside).
 */
static int
logs_template_ok(jv t)
{
	struct sbuf b = SBUF_INIT;
	const char *p;
	jv x, tmpl;
	int ok = 1;

	x = get(t, "InputTransformer");
	tmpl = get(x, "InputTemplate");
	if (jv_get_kind(tmpl) == JV_KIND_STRING) {
		jsonraw_minify(&b, jv_string_value(tmpl),
		    (size_t)jv_string_length_bytes(jv_copy(tmpl)));
		p = b.buf;
		ok = strncmp(p, "{\"timestamp\":", 13) == 0 &&
		    (p = skip_placeholder(p + 13)) != NULL &&
		    strncmp(p, ",\"message\":", 11) == 0 &&
		    (p = skip_placeholder(p + 11)) != NULL &&
		    strcmp(p, "}") == 0;
	}
	jv_free(tmpl);
	jv_free(x);
	sbuf_free(&b);
	return ok;
}

/*
 * A queue target: SqsParameters.MessageGroupId, which PutTargets wants
 * for a FIFO queue.
 */
static int
load_sqs(struct ld *ld, struct rule *r, jv t, struct target *tg)
{
	jv sp, g;
	int ret = 0;

	if (!sqs_arn(tg->arn, &tg->queue)) {
		tg->queue.arn = NULL;
		return 0;
	}
	tg->queue.content_dedup = tg->queue.fifo;
	sp = get(t, "SqsParameters");
	g = get(sp, "MessageGroupId");
	if (jv_is_valid(sp) && jv_get_kind(sp) != JV_KIND_OBJECT)
		ret = fail(ld, r->name, "target %s: SqsParameters is not an "
		    "object", tg->id);
	else if (jv_is_valid(g) && jv_get_kind(g) != JV_KIND_STRING)
		ret = fail(ld, r->name, "target %s: "
		    "SqsParameters.MessageGroupId is not a string", tg->id);
	else if (tg->queue.fifo && !jv_is_valid(sp))
		ret = fail(ld, r->name, "Parameter(s) SqsParameters must be "
		    "specified for target: %s.", tg->id);
	else if (jv_is_valid(g))
		tg->group = xstrdup(jv_string_value(g));
	jv_free(g);
	jv_free(sp);
	return ret;
}

static int
load_target(struct ld *ld, struct rule *r, jv t, struct target *tg)
{
	jv id, arn, rp, dl, v;
	const char *bad = NULL;
	char *e = NULL;
	double d;
	int ret = -1;

	id = get(t, "Id");
	arn = get(t, "Arn");
	if (jv_get_kind(t) != JV_KIND_OBJECT) {
		fail(ld, r->name, "a target is not an object");
		goto out;
	}
	if (jv_get_kind(id) != JV_KIND_STRING ||
	    !awsid_name_ok(jv_string_value(id), 64, NULL)) {
		fail(ld, r->name, "1 validation error detected: Value at "
		    "'targets.member.id' failed to satisfy constraint: Member "
		    "must satisfy regular expression pattern: %s", name_re);
		goto out;
	}
	tg->id = xstrdup(jv_string_value(id));
	if (jv_get_kind(arn) == JV_KIND_STRING) {
		if (jv_string_length_bytes(jv_copy(arn)) < 1 ||
		    jv_string_length_bytes(jv_copy(arn)) > 1600) {
			fail(ld, r->name, "target %s: Arn must have 1 to 1600 "
			    "characters", tg->id);
			goto out;
		}
		tg->arn = xstrdup(jv_string_value(arn));
	} else if (jv_is_valid(arn)) {
		v = jv_dump_string(jv_copy(arn), 0);	/* a CloudFormation
							 * function */
		tg->arn = xstrdup(jv_string_value(v));
		jv_free(v);
	} else {
		fail(ld, r->name, "target %s: Arn is required", tg->id);
		goto out;
	}
	rp = get(t, "RetryPolicy");
	if (jv_get_kind(rp) == JV_KIND_OBJECT) {
		v = get(rp, "MaximumRetryAttempts");
		d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : 0;
		if (jv_is_valid(v) && (jv_get_kind(v) != JV_KIND_NUMBER ||
		    d < 0 || d > 185 || d != (int)d))
			bad = "MaximumRetryAttempts must be an integer from 0 "
			    "to 185";
		jv_free(v);
		v = get(rp, "MaximumEventAgeInSeconds");
		d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : 60;
		if (jv_is_valid(v) && (jv_get_kind(v) != JV_KIND_NUMBER ||
		    d < 60 || d > 86400 || d != (int)d))
			bad = "MaximumEventAgeInSeconds must be an integer from "
			    "60 to 86400";
		jv_free(v);
	}
	jv_free(rp);
	if (bad != NULL) {
		fail(ld, r->name, "target %s: %s", tg->id, bad);
		goto out;
	}
	dl = get(t, "DeadLetterConfig");
	v = get(dl, "Arn");
	if (jv_get_kind(v) == JV_KIND_STRING)
		tg->dlq = xstrdup(jv_string_value(v));
	jv_free(v);
	jv_free(dl);
	if (load_sqs(ld, r, t, tg) != 0)
		goto out;
	if ((tg->xf = transform_new(t, tg->id, &e)) == NULL) {
		fail(ld, r->name, "%s", e);
		free(e);
		goto out;
	}
	if (strncmp(tg->arn, "arn:aws:logs:", 13) == 0 &&
	    !logs_template_ok(t)) {
		fail(ld, r->name, "InputTemplate for target %s must be "
		    "{\"timestamp\":<timestamp>,\"message\":<message>} for a "
		    "CloudWatch Logs target.", tg->id);
		goto out;
	}
	ret = 0;
out:
	jv_free(id);
	jv_free(arn);
	return ret;
}

/*
 * One rule: R is its object (borrowed), RAW its text or NULL, WHERE how
 * to name it in errors, DEFNAME the name when it has none (CloudFormation
 * logical id).
 */
static int
load_rule(struct ld *ld, jv r, const char *raw, size_t rawlen,
    const char *where, const char *defname)
{
	struct rule *ru;
	jv name, pat, state, bus, tgts, sched, t;
	const char *ptext = NULL;
	size_t plen = 0, i;
	char *perr = NULL, *busname = NULL, *res;
	jv dumped = jv_invalid();
	int ret = -1, n;

	name = get(r, "Name");
	pat = get(r, "EventPattern");
	state = get(r, "State");
	bus = get(r, "EventBusName");
	tgts = get(r, "Targets");
	sched = get(r, "ScheduleExpression");
	if (jv_get_kind(r) != JV_KIND_OBJECT) {
		fail(ld, where, "a rule is not a JSON object");
		goto out;
	}
	if (jv_get_kind(name) == JV_KIND_STRING)
		defname = jv_string_value(name);
	if (defname == NULL) {
		fail(ld, where, "the rule has no Name");
		goto out;
	}
	if (!awsid_name_ok(defname, 64, NULL)) {
		fail(ld, where, "1 validation error detected: Value '%s' at "
		    "'name' failed to satisfy constraint: Member must satisfy "
		    "regular expression pattern: %s", defname, name_re);
		goto out;
	}
	where = defname;
	if (jv_is_valid(bus)) {
		if ((busname = bus_name(ld, bus)) == NULL) {
			fail(ld, where, "EventBusName is not a bus name or ARN");
			goto out;
		}
	} else
		busname = xstrdup("default");
	if (ld->bus != NULL && strcmp(busname, ld->bus) != 0) {
		ret = 0;
		goto out;
	}
	if ((ld->rs->n & (ld->rs->n - 1)) == 0)	/* 0, 1, 2, 4, ...: double */
		ld->rs->r = xreallocarray(ld->rs->r, ld->rs->n * 2 + 1,
		    sizeof(*ld->rs->r));
	ru = &ld->rs->r[ld->rs->n++];
	memset(ru, 0, sizeof(*ru));
	ru->name = xstrdup(defname);
	ru->bus = busname;
	busname = NULL;
	res = strcmp(ru->bus, "default") == 0 ?
	    xasprintf("rule/%s", ru->name) :
	    xasprintf("rule/%s/%s", ru->bus, ru->name);
	ru->arn = arn_make("events", res);
	free(res);
	ru->enabled = 1;
	if (jv_is_valid(state)) {
		const char *s = jv_get_kind(state) == JV_KIND_STRING ?
		    jv_string_value(state) : "";

		if (strcmp(s, "DISABLED") == 0)
			ru->enabled = 0;
		else if (strcmp(s, "ENABLED") != 0 && strcmp(s,
		    "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS") != 0) {
			fail(ld, where, "1 validation error detected: Value at "
			    "'state' failed to satisfy constraint: Member must "
			    "satisfy enum value set: [ENABLED, DISABLED, "
			    "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]");
			goto out;
		}
	}
	if (jv_get_kind(pat) == JV_KIND_STRING) {
		ptext = jv_string_value(pat);
		plen = (size_t)jv_string_length_bytes(jv_copy(pat));
	} else if (jv_is_valid(pat)) {
		if (raw == NULL || jsonraw_member(raw, rawlen, "EventPattern",
		    &ptext, &plen) != 0) {
			dumped = jv_dump_string(jv_copy(pat), 0);
			ptext = jv_string_value(dumped);
			plen = strlen(ptext);
		}
	} else if (!jv_is_valid(sched)) {
		fail(ld, where, "Parameter(s) EventPattern or "
		    "ScheduleExpression must be specified.");
		goto out;
	}
	if (ptext != NULL && (ru->pat = pattern_compile(ptext, plen, ld->pt,
	    ld->opts, &perr)) == NULL) {
		fail(ld, where, "Event pattern is not valid. Reason: %s", perr);
		free(perr);
		goto out;
	}
	if (jv_get_kind(tgts) == JV_KIND_ARRAY) {
		n = jv_array_length(jv_copy(tgts));
		if (n > 5) {
			fail(ld, where, "a rule can have at most 5 targets");
			goto out;
		}
		ru->t = xcalloc((size_t)n + 1, sizeof(*ru->t));
		for (i = 0; i < (size_t)n; i++) {
			t = jv_array_get(jv_copy(tgts), (int)i);
			ret = load_target(ld, ru, t, &ru->t[ru->nt]);
			jv_free(t);
			ru->nt++;
			if (ret != 0)
				goto out;
			ret = -1;
		}
		for (i = 0; i < ru->nt; i++)
			for (size_t j = i + 1; j < ru->nt; j++)
				if (strcmp(ru->t[i].id, ru->t[j].id) == 0) {
					fail(ld, where, "target Id %s is used "
					    "twice", ru->t[i].id);
					goto out;
				}
	} else if (jv_is_valid(tgts)) {
		fail(ld, where, "Targets is not an array");
		goto out;
	}
	ret = 0;
out:
	free(busname);
	jv_free(dumped);
	jv_free(name);
	jv_free(pat);
	jv_free(state);
	jv_free(bus);
	jv_free(tgts);
	jv_free(sched);
	return ret;
}

static int
load_cfn(struct ld *ld, const char *raw, size_t len)
{
	struct cfn_res r;
	const char *it = NULL;
	int ret = 0;
	jv v;

	while (ret == 0 && cfn_next(raw, len, &it, &r)) {
		if (r.type != NULL &&
		    strcmp(r.type, "AWS::Events::Rule") == 0) {
			v = jv_parse_sized(r.props, (int)r.plen);
			ret = load_rule(ld, v, r.props, r.plen, r.id, r.id);
			jv_free(v);
		}
		cfn_res_free(&r);
	}
	return ret;
}

static int
load_array(struct ld *ld, const char *raw, size_t len)
{
	const char *it = NULL, *el;
	size_t ellen;
	char where[32];
	int i = 0, ret = 0;
	jv v;

	while (ret == 0 && jsonraw_next(raw, len, &it, &el, &ellen)) {
		snprintf(where, sizeof(where), "rule %d", ++i);
		v = jv_parse_sized(el, (int)ellen);
		ret = load_rule(ld, v, el, ellen, where, NULL);
		jv_free(v);
	}
	return ret;
}

int
rules_load(const char *path, const char *bus, struct pathtab *pt,
    const struct pattern_opts *opts, struct ruleset *rs, char **err)
{
	struct ld ld;
	struct sbuf b = SBUF_INIT;
	char where[32];
	const char *p, *end, *nl, *rl;
	size_t n, rlen;
	jv v, x;
	long line = 0;
	int ret = -1;

	memset(&ld, 0, sizeof(ld));
	memset(rs, 0, sizeof(*rs));
	ld.file = path;
	ld.bus = bus;
	ld.pt = pt;
	ld.opts = opts;
	ld.rs = rs;
	ld.resources = jv_invalid();
	if (sbuf_read_file(&b, path) != 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		sbuf_free(&b);
		return -2;
	}
	p = jsonraw_ws(b.buf != NULL ? b.buf : "", b.buf + b.len);
	v = b.len > 0 ? ndjson_parse(b.buf, b.len) : jv_invalid();
	if (jv_get_kind(v) == JV_KIND_ARRAY)
		ret = load_array(&ld, b.buf, b.len);
	else if (jv_get_kind(v) == JV_KIND_OBJECT &&
	    jv_object_has(jv_copy(v), jv_string("Resources"))) {
		ld.resources = get(v, "Resources");
		ret = load_cfn(&ld, b.buf, b.len);
	} else if (jv_get_kind(v) == JV_KIND_OBJECT &&
	    jv_object_has(jv_copy(v), jv_string("Rules")) &&
	    jsonraw_member(b.buf, b.len, "Rules", &rl, &rlen) == 0)
		ret = load_array(&ld, rl, rlen);
	else {
		/* NDJSON: one rule per line */
		ret = 0;
		end = b.buf + b.len;
		for (p = b.buf; ret == 0 && p != NULL && p < end; p = nl) {
			nl = memchr(p, '\n', (size_t)(end - p));
			n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
			line++;
			if (nl != NULL)
				nl++;
			if (jsonraw_ws(p, p + n) == p + n)
				continue;
			snprintf(where, sizeof(where), "line %ld", line);
			x = ndjson_parse(p, n);
			if (!jv_is_valid(x)) {
				jv m = jv_invalid_get_msg(x);

				ret = fail(&ld, where, "invalid JSON: %s",
				    jv_get_kind(m) == JV_KIND_STRING ?
				    jv_string_value(m) : "empty file");
				jv_free(m);
				break;
			}
			ret = load_rule(&ld, x, p, n, where, NULL);
			jv_free(x);
		}
	}
	jv_free(v);
	jv_free(ld.resources);
	sbuf_free(&b);
	if (ret != 0) {
		*err = ld.err;
		rules_free(rs);
		return -1;
	}
	return 0;
}

void
rules_free(struct ruleset *rs)
{
	size_t i, j;

	for (i = 0; i < rs->n; i++) {
		struct rule *r = &rs->r[i];

		for (j = 0; j < r->nt; j++) {
			free(r->t[j].id);
			free(r->t[j].arn);
			free(r->t[j].dlq);
			free(r->t[j].group);
			transform_free(r->t[j].xf);
		}
		free(r->t);
		free(r->name);
		free(r->arn);
		free(r->bus);
		pattern_free(r->pat);
	}
	free(rs->r);
	rs->r = NULL;
	rs->n = 0;
}

/*
 * OUT, the input of queue target T, becomes the SQS message of it.  The
 * input is kept in one buffer reused from call to call.
 */
static int
send_sqs(const struct target *t, struct sbuf *out, const char **code,
    const char **why)
{
	static struct sbuf body = SBUF_INIT;
	static char *msg;
	struct sqs_msg m;
	const char *sqscode;

	sbuf_reset(&body);
	sbuf_add(&body, out->buf, out->len);
	memset(&m, 0, sizeof(m));
	m.body = body.buf;
	m.len = body.len;
	m.group = t->group;
	free(msg);
	msg = NULL;
	if (sqs_check(&m, &t->queue, &sqscode, &msg) != 0) {
		*code = "INVALID_PARAMETER";
		*why = msg;
		return -1;
	}
	sbuf_reset(out);
	sqs_message(out, &m, &t->queue);
	return 0;
}

int
rules_target_input(const struct rule *r, const struct target *t,
    const char *rec, size_t len, jv *value, struct sbuf *out,
    const char **code, const char **why)
{
	struct delivery d;

	if (transform_needs_jv(t->xf) && !jv_is_valid(*value)) {
		*value = ndjson_parse(rec, len);
		if (!jv_is_valid(*value)) {
			jv_free(*value);
			*value = jv_null();
		}
	}
	d.event = rec;
	d.len = len;
	d.value = *value;
	d.rule_name = r->name;
	d.rule_arn = r->arn;
	sbuf_reset(out);
	if (transform_apply(t->xf, &d, out, code, why) != 0)
		return -1;
	return t->queue.arn != NULL ? send_sqs(t, out, code, why) : 0;
}
