/*
 * transform.c: target input shaping; see transform.h.
 *
 * An InputTransformer's template is text, not JSON: each <name> is
 * replaced by the value its InputPathsMap path finds, spelled according
 * to where it stands.  Inside a JSON template a placeholder outside
 * quotes becomes the value as JSON (a missing value becomes ""); inside
 * quotes it becomes the value's raw text, unescaped, as AWS does (an
 * object there makes invalid JSON and the event is not delivered).  A
 * template that is one string literal spells objects and arrays without
 * their quotes.  The recorded cases are in aws-formats.md §3.2.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "jpath.h"
#include "jsonraw.h"
#include "ndjson.h"
#include "rfc3339.h"
#include "sbuf.h"
#include "transform.h"
#include "xalloc.h"

enum { XF_EVENT, XF_INPUT, XF_PATH, XF_TEMPLATE };

enum {
	R_RULE_ARN = -1, R_RULE_NAME = -2, R_INGESTION = -3, R_EVENT = -4,
	R_EVENT_JSON = -5
};

struct transform {
	int		  kind;
	char		 *input;	/* XF_INPUT: minified */
	struct jpath	 *path;		/* XF_PATH */
	int		  root;
	char		**name;		/* XF_TEMPLATE: InputPathsMap */
	struct jpath	**paths;
	size_t		  n;
	char		 *tmpl;
	int		  strtmpl;	/* the template is a string literal */
};

static const struct {
	const char	*name;
	int		 id;
} reserved[] = {
	{ "aws.events.rule-arn", R_RULE_ARN },
	{ "aws.events.rule-name", R_RULE_NAME },
	{ "aws.events.event.ingestion-time", R_INGESTION },
	{ "aws.events.event", R_EVENT },
	{ "aws.events.event.json", R_EVENT_JSON },
};

static int
key_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 256 || strncmp(s, "AWS.", 4) == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '-')
			return 0;
	return 1;
}

/* Placeholder at p ('<')? Returns its name length, or 0. */
static size_t
placeholder(const char *p)
{
	size_t i;

	if (*p != '<')
		return 0;
	for (i = 1; isalnum((unsigned char)p[i]) || p[i] == '_' ||
	    p[i] == '-' || p[i] == '.'; i++)
		;
	return i > 1 && p[i] == '>' ? i - 1 : 0;
}

/* The slot of placeholder NAME: an index, a reserved id, or INT_MAX. */
static int
slot(const struct transform *x, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		if (strlen(x->name[i]) == n && memcmp(x->name[i], name, n) == 0)
			return (int)i;
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strlen(reserved[i].name) == n &&
		    memcmp(reserved[i].name, name, n) == 0)
			return reserved[i].id;
	return 1 << 30;
}

static char *
verr(const char *fmt, const char *a, const char *b)
{
	return xasprintf(fmt, a, b);
}

struct transform *
transform_new(jv target, const char *id, char **err)
{
	struct transform *x = xcalloc(1, sizeof(*x));
	jv in, ip, it, map, tmpl, v;
	char perr[JPATH_ERRSZ];
	int count;
	const char *p;
	size_t len;
	int n;

	in = jv_object_get(jv_copy(target), jv_string("Input"));
	ip = jv_object_get(jv_copy(target), jv_string("InputPath"));
	it = jv_object_get(jv_copy(target), jv_string("InputTransformer"));
	count = jv_is_valid(in) + jv_is_valid(ip) + jv_is_valid(it);
	*err = NULL;
	if (count > 1) {
		*err = verr("Only one of Input, InputPath, or InputTransformer "
		    "must be provided for target %s.", id, NULL);
		goto out;
	}
	if (jv_is_valid(in)) {
		struct sbuf b = SBUF_INIT;

		x->kind = XF_INPUT;
		if (jv_get_kind(in) != JV_KIND_STRING) {
			*err = verr("Input of target %s must be a string.", id,
			    NULL);
			goto out;
		}
		v = ndjson_parse(jv_string_value(in),
		    (size_t)jv_string_length_bytes(jv_copy(in)));
		if (!jv_is_valid(v)) {
			jv_free(v);
			*err = verr("Input for target %s is not valid JSON "
			    "text.", id, NULL);
			goto out;
		}
		jv_free(v);
		jsonraw_minify(&b, jv_string_value(in),
		    (size_t)jv_string_length_bytes(jv_copy(in)));
		x->input = sbuf_detach(&b, NULL);
	} else if (jv_is_valid(ip)) {
		x->kind = XF_PATH;
		if (jv_get_kind(ip) != JV_KIND_STRING ||
		    jv_string_length_bytes(jv_copy(ip)) > 256) {
			*err = verr("InputPath of target %s must be a string of "
			    "at most 256 characters.", id, NULL);
			goto out;
		}
		if ((x->path = jpath_compile(jv_string_value(ip), perr)) ==
		    NULL) {
			*err = xasprintf("InputPath for target %s is not a "
			    "valid JSON path: %s", id, perr);
			goto out;
		}
		x->root = jpath_is_root(x->path);
	} else if (jv_is_valid(it)) {
		x->kind = XF_TEMPLATE;
		if (jv_get_kind(it) != JV_KIND_OBJECT) {
			*err = verr("InputTransformer of target %s must be an "
			    "object.", id, NULL);
			goto out;
		}
		tmpl = jv_object_get(jv_copy(it), jv_string("InputTemplate"));
		if (jv_get_kind(tmpl) != JV_KIND_STRING ||
		    jv_string_length_bytes(jv_copy(tmpl)) < 1 ||
		    jv_string_length_bytes(jv_copy(tmpl)) > 8192) {
			jv_free(tmpl);
			*err = verr("InputTemplate of target %s must be a string "
			    "of 1 to 8192 characters.", id, NULL);
			goto out;
		}
		x->tmpl = xstrdup(jv_string_value(tmpl));
		jv_free(tmpl);
		map = jv_object_get(jv_copy(it), jv_string("InputPathsMap"));
		if (jv_get_kind(map) == JV_KIND_OBJECT) {
			n = jv_object_length(jv_copy(map));
			if (n > 100) {
				jv_free(map);
				*err = verr("InputPathsMap of target %s has more "
				    "than 100 entries.", id, NULL);
				goto out;
			}
			x->name = xcalloc((size_t)n + 1, sizeof(char *));
			x->paths = xcalloc((size_t)n + 1, sizeof(*x->paths));
			jv_object_foreach(map, k, val) {
				const char *ks = jv_string_value(k);

				if (*err == NULL && !key_ok(ks))
					*err = verr("InputPathsMap key '%s' of "
					    "target %s is not valid.", ks, id);
				else if (*err == NULL &&
				    jv_get_kind(val) != JV_KIND_STRING)
					*err = verr("InputPathsMap value of '%s' "
					    "in target %s must be a string.", ks,
					    id);
				else if (*err == NULL) {
					x->paths[x->n] = jpath_compile(
					    jv_string_value(val), perr);
					if (x->paths[x->n] == NULL)
						*err = xasprintf("InputPathsMap "
						    "value of '%s' in target %s "
						    "is not a valid JSON path: %s",
						    ks, id, perr);
					else
						x->name[x->n++] = xstrdup(ks);
				}
				jv_free(k);
				jv_free(val);
			}
		} else if (jv_is_valid(map)) {
			*err = verr("InputPathsMap of target %s must be an "
			    "object.", id, NULL);
		}
		jv_free(map);
		if (*err != NULL)
			goto out;
		for (p = x->tmpl; *p != '\0'; p++) {
			if ((len = placeholder(p)) == 0)
				continue;
			if (slot(x, p + 1, len) == 1 << 30) {
				*err = xasprintf("InputTemplate for target %s "
				    "contains invalid placeholder %.*s.", id,
				    (int)len, p + 1);
				goto out;
			}
			p += len + 1;
		}
		p = x->tmpl;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		x->strtmpl = *p == '"';
	} else
		x->kind = XF_EVENT;
out:
	jv_free(in);
	jv_free(ip);
	jv_free(it);
	if (*err != NULL) {
		transform_free(x);
		return NULL;
	}
	return x;
}

void
transform_free(struct transform *x)
{
	size_t i;

	if (x == NULL)
		return;
	free(x->input);
	jpath_free(x->path);
	for (i = 0; i < x->n; i++) {
		free(x->name[i]);
		jpath_free(x->paths[i]);
	}
	free(x->name);
	free(x->paths);
	free(x->tmpl);
	free(x);
}

int
transform_needs_jv(const struct transform *x)
{
	return (x->kind == XF_PATH && !x->root) || x->kind == XF_TEMPLATE;
}

/* The envelope without detail, detail-type as detailType (owned). */
static jv
event_without_detail(jv ev)
{
	static const char *const keys[][2] = {
		{ "id", "id" }, { "account", "account" },
		{ "detail-type", "detailType" }, { "time", "time" },
		{ "source", "source" }, { "region", "region" },
		{ "resources", "resources" }, { "version", "version" },
	};
	jv o = jv_object(), v;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = jv_object_get(jv_copy(ev), jv_string(keys[i][0]));
		if (jv_is_valid(v))
			o = jv_object_set(o, jv_string(keys[i][1]), v);
		else
			jv_free(v);
	}
	return o;
}

/* Append a compact dump of V (consumed), optionally without quotes. */
static void
add_dump(struct sbuf *b, jv v, int unquoted)
{
	jv s = jv_dump_string(v, 0);
	const char *p = jv_string_value(s);

	if (!unquoted)
		sbuf_adds(b, p);
	else
		for (; *p != '\0'; p++)
			if (*p != '"')
				sbuf_addc(b, *p);
	jv_free(s);
}

static void
add_value(struct sbuf *b, jv v, int inquotes, int strtmpl)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_INVALID:
		if (!inquotes)
			sbuf_adds(b, "\"\"");
		jv_free(v);
		break;
	case JV_KIND_STRING:
		if (inquotes)
			sbuf_add(b, jv_string_value(v),
			    (size_t)jv_string_length_bytes(jv_copy(v)));
		else
			jsonraw_quote(b, jv_string_value(v),
			    (size_t)jv_string_length_bytes(jv_copy(v)));
		jv_free(v);
		break;
	case JV_KIND_OBJECT:
	case JV_KIND_ARRAY:
		add_dump(b, v, inquotes && strtmpl);
		break;
	default:
		add_dump(b, v, 0);
		break;
	}
}

int
transform_apply(const struct transform *x, const struct delivery *d,
    struct sbuf *out, const char **code, const char **why)
{
	char tbuf[RFC3339_BUFSZ];
	const char *p;
	size_t len, start;
	int inq = 0, s;
	jv v;

	*code = *why = NULL;
	if (transform_needs_jv(x) && jv_get_kind(d->value) != JV_KIND_OBJECT) {
		/* libjq could not read the event (nested over 256 levels) */
		*code = "INVALID_JSON";
		*why = "The event is nested too deeply to be read (256 levels "
		    "at most)";
		return -1;
	}
	switch (x->kind) {
	case XF_EVENT:
		sbuf_add(out, d->event, d->len);
		return 0;
	case XF_INPUT:
		sbuf_adds(out, x->input);
		return 0;
	case XF_PATH:
		if (x->root) {
			sbuf_add(out, d->event, d->len);
			return 0;
		}
		v = jpath_eval(x->path, d->value, jv_invalid());
		if (!jv_is_valid(v)) {
			jv_free(v);
			*code = "INVALID_PARAMETER";
			*why = "InputPath found nothing in the event";
			return -1;
		}
		add_dump(out, v, 0);
		return 0;
	}
	start = out->len;
	for (p = x->tmpl; *p != '\0'; p++) {
		if ((len = placeholder(p)) == 0) {
			if (*p == '\\' && inq && p[1] != '\0') {
				sbuf_addc(out, *p++);
				sbuf_addc(out, *p);
				continue;
			}
			if (*p == '"')
				inq = !inq;
			if (*p != '\n' && *p != '\r')
				sbuf_addc(out, *p);
			continue;
		}
		s = slot(x, p + 1, len);
		switch (s) {
		case R_RULE_ARN:
			v = jv_string(d->rule_arn);
			break;
		case R_RULE_NAME:
			v = jv_string(d->rule_name);
			break;
		case R_INGESTION:
			rfc3339_fmt_s(clock_now_ms(), tbuf);
			v = jv_string(tbuf);
			break;
		case R_EVENT:
			v = event_without_detail(d->value);
			break;
		case R_EVENT_JSON:
			v = jv_invalid();
			if (!inq)
				sbuf_add(out, d->event, d->len);
			else
				add_value(out, jv_copy(d->value), inq,
				    x->strtmpl);
			p += len + 1;
			continue;
		default:
			v = jpath_eval(x->paths[s], d->value, jv_invalid());
			break;
		}
		add_value(out, v, inq, x->strtmpl);
		p += len + 1;
	}
	v = ndjson_parse(out->buf + start, out->len - start);
	if (!jv_is_valid(v)) {
		jv_free(v);
		*code = "INVALID_JSON";
		*why = "The target input is not valid JSON";
		return -1;
	}
	jv_free(v);
	return 0;
}
