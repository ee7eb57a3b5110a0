/*
 * snsattr.c: SNS message attributes; see snsattr.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "jsonraw.h"
#include "pattern.h"
#include "snsattr.h"

#define NAME_MAX_BYTES	256

static int
fail(const char **code, char **msg, const char *c, const char *fmt,
    const char *a, const char *b)
{
	*code = c;
	if (asprintf(msg, fmt, a, b) < 0)
		*msg = NULL;
	return -1;
}

/* The name rules, in the order AWS reports them. */
static int
check_name(const char *n, const char **code, char **msg)
{
	static const char pv[] = "ParameterValueInvalid";
	char hex[16];
	size_t len = strlen(n), i;

	if (len > NAME_MAX_BYTES)
		return fail(code, msg, pv, "Length of message attribute name "
		    "must be less than 256 bytes.", NULL, NULL);
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)n[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		    ch == '.')
			continue;
		snprintf(hex, sizeof(hex), "%X", ch);
		return fail(code, msg, pv, "Invalid non-alphanumeric "
		    "character '#x%s' was found in the message attribute "
		    "name. Can only include alphanumeric characters, hyphens, "
		    "underscores, or dots.", hex, NULL);
	}
	if (len > 0 && n[0] == '.')
		return fail(code, msg, pv, "Invalid message attribute name "
		    "starting with character '.' was found.", NULL, NULL);
	if (len > 0 && n[len - 1] == '.')
		return fail(code, msg, pv, "Invalid message attribute name "
		    "ending with character '.' was found.", NULL, NULL);
	if (strstr(n, "..") != NULL)
		return fail(code, msg, pv, "Message attribute name can not "
		    "have successive '.' character.", NULL, NULL);
	return 0;
}

const char *
snsattr_type(const char *t)
{
	static const char *const base[] = { "String", "Number", "Binary" };
	size_t i, n;

	for (i = 0; i < 3; i++) {
		n = strlen(base[i]);
		/* a custom suffix after a dot is allowed, not "String." */
		if (strncmp(t, base[i], n) == 0 && (t[n] == '\0' ||
		    (t[n] == '.' && t[n + 1] != '\0')))
			return base[i];
	}
	return NULL;
}

/* Bytes of a base64 text once decoded. */
static size_t
b64_len(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '=')
		n--;
	return n * 3 / 4;
}

int
snsattr_check_one(const char *where, const char *name, const char *t,
    const char *sv, size_t svlen, const char *bv, size_t bvlen,
    size_t *size, const char **code, char **msg)
{
	static const char pv[] = "ParameterValueInvalid";
	const char *base;
	int binary;

	if (check_name(name, code, msg) != 0)
		return -1;
	if (t == NULL)
		return fail(code, msg, "ValidationError", "1 validation error "
		    "detected: Value null at '%smessageAttributes.%s.member."
		    "dataType' failed to satisfy constraint: Member must not "
		    "be null", where, name);
	if ((base = snsattr_type(t)) == NULL)
		return fail(code, msg, pv, "The message attribute '%s' has an "
		    "invalid message attribute type, the set of supported "
		    "type prefixes is Binary, Number, and String.", name,
		    NULL);
	binary = base[0] == 'B';
	if (binary ? bv == NULL && sv != NULL : sv == NULL && bv != NULL)
		return fail(code, msg, pv, binary ? "The message attribute "
		    "'%s' with type '%s' must use field 'Binary'." :
		    "The message attribute '%s' with type '%s' must use field "
		    "'String'.", name, t);
	if ((binary ? bv : sv) == NULL || (binary ? bvlen : svlen) == 0)
		return fail(code, msg, pv, "The message attribute '%s' must "
		    "contain non-empty message attribute value for message "
		    "attribute type '%s'.", name, base);
	*size += strlen(name) + strlen(t) + (binary ? b64_len(bv) : svlen);
	return 0;
}

/* Member KEY of attribute V when it is a string, or NULL. */
static const char *
member_text(jv v, const char *key, jv *held, size_t *len)
{
	*held = jv_get_kind(v) == JV_KIND_OBJECT ?
	    jv_object_get(jv_copy(v), jv_string(key)) : jv_null();
	if (jv_get_kind(*held) != JV_KIND_STRING)
		return NULL;
	*len = (size_t)jv_string_length_bytes(jv_copy(*held));
	return jv_string_value(*held);
}

static int
check_one(const char *where, const char *name, jv v, size_t *size,
    const char **code, char **msg)
{
	jv dt, sv, bv;
	const char *t, *s, *b;
	size_t tl, sl = 0, bl = 0;
	int ret;

	t = member_text(v, "DataType", &dt, &tl);
	s = member_text(v, "StringValue", &sv, &sl);
	b = member_text(v, "BinaryValue", &bv, &bl);
	ret = snsattr_check_one(where, name, t, s, sl, b, bl, size, code,
	    msg);
	jv_free(dt);
	jv_free(sv);
	jv_free(bv);
	jv_free(v);
	return ret;
}

int
snsattr_check(jv attrs, const char *where, size_t *size, const char **code,
    char **msg)
{
	jv keys;
	int i, n, ret = 0;

	if (jv_get_kind(attrs) != JV_KIND_OBJECT) {
		*code = "InvalidParameter";
		*msg = strdup("Invalid parameter: MessageAttributes");
		return -1;
	}
	keys = jv_keys(jv_copy(attrs));		/* sorted: a fixed order */
	n = jv_array_length(jv_copy(keys));
	for (i = 0; i < n && ret == 0; i++) {
		jv k = jv_array_get(jv_copy(keys), i);

		ret = check_one(where, jv_string_value(k), jv_object_get(jv_copy(attrs),
		    jv_copy(k)), size, code, msg);
		jv_free(k);
	}
	jv_free(keys);
	return ret;
}

/* One element of a String.Array at PATH. */
static void
add_element(struct fields *f, int path, jv e, jv *keep)
{
	jv text;

	switch (jv_get_kind(e)) {
	case JV_KIND_STRING:
		fields_add(f, path, LEAF_STRING, jv_string_value(e),
		    (size_t)jv_string_length_bytes(jv_copy(e)));
		*keep = jv_array_append(*keep, e);
		return;
	case JV_KIND_NUMBER:
		text = jv_dump_string(e, 0);
		fields_add(f, path, LEAF_NUMBER, jv_string_value(text),
		    (size_t)jv_string_length_bytes(jv_copy(text)));
		*keep = jv_array_append(*keep, text);
		return;
	case JV_KIND_TRUE:
		fields_add(f, path, LEAF_TRUE, "true", 4);
		break;
	case JV_KIND_FALSE:
		fields_add(f, path, LEAF_FALSE, "false", 5);
		break;
	case JV_KIND_NULL:
		fields_add(f, path, LEAF_NULL, "null", 4);
		break;
	default:
		break;			/* objects and arrays: nothing */
	}
	jv_free(e);
}

/*
 * The elements of a String.Array [p, end) that is a flat array of
 * strings without escapes and of true, false and null, straight from
 * its text (as most are): 0, after adding them to F when ADD; -1 for
 * anything else (numbers, escapes, nesting, bad JSON), which libjq
 * reads.
 */
static int
plain_elements(struct fields *f, int path, const char *p, const char *end,
    int add)
{
	static const struct {
		const char	*text;
		size_t		 len;
		int		 kind;
	} lit[] = {
		{ "true", 4, LEAF_TRUE }, { "false", 5, LEAF_FALSE },
		{ "null", 4, LEAF_NULL }
	};
	const char *e;
	size_t i;

	p = jsonraw_ws(p, end);
	if (p == end || *p++ != '[')
		return -1;
	if ((p = jsonraw_ws(p, end)) < end && *p == ']')
		return jsonraw_ws(p + 1, end) == end ? 0 : -1;
	for (;;) {
		if (p < end && *p == '"') {
			for (e = ++p; e < end && *e != '"' && *e != '\\' &&
			    (unsigned char)*e >= 0x20; e++)
				continue;
			if (e == end || *e != '"')
				return -1;
			if (add)
				fields_add(f, path, LEAF_STRING, p,
				    (size_t)(e - p));
			p = e + 1;
		} else {
			for (i = 0; i < 3; i++)
				if ((size_t)(end - p) >= lit[i].len &&
				    memcmp(p, lit[i].text, lit[i].len) == 0)
					break;
			if (i == 3)
				return -1;
			if (add)
				fields_add(f, path, lit[i].kind, lit[i].text,
				    lit[i].len);
			p += lit[i].len;
		}
		if ((p = jsonraw_ws(p, end)) < end && *p == ',')
			p = jsonraw_ws(p + 1, end);
		else if (p < end && *p == ']')
			return jsonraw_ws(p + 1, end) == end ? 0 : -1;
		else
			return -1;
	}
}

void
snsattr_field(const struct pathtab *pt, struct fields *f, const char *name,
    size_t nlen, const char *t, const char *sv, size_t svlen, jv *keep)
{
	const char *base = snsattr_type(t);
	jv arr;
	int path, i, n;

	if (base == NULL || base[0] == 'B' ||
	    (path = pathtab_find(pt, name, nlen)) < 0)
		return;			/* Binary: ignored */
	if (strcmp(t, "String.Array") == 0) {
		/* up to a NUL, as it always was */
		if (plain_elements(f, path, sv, sv + strlen(sv), 0) == 0) {
			plain_elements(f, path, sv, sv + strlen(sv), 1);
			return;
		}
		arr = jv_parse(sv);
		n = jv_get_kind(arr) == JV_KIND_ARRAY ?
		    jv_array_length(jv_copy(arr)) : 0;
		for (i = 0; i < n; i++)
			add_element(f, path, jv_array_get(jv_copy(arr), i),
			    keep);
		jv_free(arr);
	} else
		fields_add(f, path, base[0] == 'N' ? LEAF_NUMBER :
		    LEAF_STRING, sv, svlen);
}

void
snsattr_fields(jv attrs, const struct pathtab *pt, struct fields *f,
    jv *keep)
{
	jv dt, sv;

	fields_reset(f);
	if (jv_get_kind(attrs) != JV_KIND_OBJECT)
		return;
	jv_object_foreach(attrs, name, val) {
		dt = jv_object_get(jv_copy(val), jv_string("DataType"));
		sv = jv_object_get(val, jv_string("StringValue"));
		if (jv_get_kind(dt) == JV_KIND_STRING &&
		    jv_get_kind(sv) == JV_KIND_STRING) {
			snsattr_field(pt, f, jv_string_value(name),
			    (size_t)jv_string_length_bytes(jv_copy(name)),
			    jv_string_value(dt), jv_string_value(sv),
			    (size_t)jv_string_length_bytes(jv_copy(sv)), keep);
			*keep = jv_array_append(*keep, sv);
		} else
			jv_free(sv);
		jv_free(dt);
		jv_free(name);
	}
}
