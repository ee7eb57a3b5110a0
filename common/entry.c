/* entry.c: PutEvents entries to EventBridge events; see entry.h. */
#include <string.h>

#include "awsid.h"
#include "entry.h"
#include "jsonraw.h"
#include "ndjson.h"
#include "rfc3339.h"

static const char *const fields[] = {
	"Source", "DetailType", "Detail", "Resources", "Time",
	"EventBusName", "TraceHeader"
};

/* Member of an object (borrowed); null when absent. */
static jv
member(jv o, const char *k)
{
	return jv_object_get(jv_copy(o), jv_string(k));
}

static int
kind_of(jv o, const char *k)
{
	jv v = member(o, k);
	int kind = jv_get_kind(v);

	jv_free(v);
	return kind;
}

/* Non-empty string member? */
static int
present(jv o, const char *k)
{
	jv v = member(o, k);
	int ok = jv_get_kind(v) == JV_KIND_STRING &&
	    jv_string_length_bytes(jv_copy(v)) > 0;

	jv_free(v);
	return ok;
}

const char *
entry_shape(jv entry)
{
	size_t i;
	int k;

	if (jv_get_kind(entry) != JV_KIND_OBJECT)
		return "entry is not a JSON object";
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		k = kind_of(entry, fields[i]);
		if (k == JV_KIND_INVALID || k == JV_KIND_NULL)
			continue;
		switch (i) {
		case 2:		/* Detail: any kind; checked by AWS rules */
			break;
		case 3:
			if (k != JV_KIND_ARRAY)
				return "Resources must be an array of strings";
			jv r = member(entry, "Resources");
			jv_array_foreach(r, j, x) {
				int xk = jv_get_kind(x);

				jv_free(x);
				if (xk != JV_KIND_STRING) {
					jv_free(r);
					return "Resources must be an array of "
					    "strings";
				}
			}
			jv_free(r);
			break;
		case 4:
			if (k != JV_KIND_STRING && k != JV_KIND_NUMBER)
				return "Time must be a timestamp string or "
				    "epoch seconds";
			break;
		default:
			if (k != JV_KIND_STRING)
				return i == 0 ? "Source must be a string" :
				    i == 1 ? "DetailType must be a string" :
				    i == 5 ? "EventBusName must be a string" :
				    "TraceHeader must be a string";
		}
	}
	return NULL;
}

int
entry_check_fields(jv entry, struct entry_err *e)
{
	e->code = "InvalidArgument";
	if (!present(entry, "Source")) {
		e->message = "Parameter Source is not valid. Reason: Source "
		    "is a required argument.";
		return -1;
	}
	if (!present(entry, "DetailType")) {
		e->message = "Parameter DetailType is not valid. Reason: "
		    "DetailType is a required argument.";
		return -1;
	}
	int k = kind_of(entry, "Detail");
	if (k == JV_KIND_INVALID || k == JV_KIND_NULL ||
	    (k == JV_KIND_STRING && !present(entry, "Detail"))) {
		e->message = "Parameter Detail is not valid. Reason: Detail "
		    "is a required argument.";
		return -1;
	}
	e->code = e->message = NULL;
	return 0;
}

static size_t
str_bytes(jv o, const char *k)
{
	jv v = member(o, k);
	size_t n = 0;

	if (jv_get_kind(v) == JV_KIND_STRING)
		n = (size_t)jv_string_length_bytes(jv_copy(v));
	jv_free(v);
	return n;
}

size_t
entry_size(jv entry, const char *raw, size_t rawlen)
{
	size_t n = 0, vlen;
	const char *val;
	jv d, r;

	if (kind_of(entry, "Time") != JV_KIND_INVALID &&
	    kind_of(entry, "Time") != JV_KIND_NULL)
		n += 14;
	n += str_bytes(entry, "Source") + str_bytes(entry, "DetailType");
	d = member(entry, "Detail");
	if (jv_get_kind(d) == JV_KIND_STRING)
		n += (size_t)jv_string_length_bytes(jv_copy(d));
	else if (jv_get_kind(d) != JV_KIND_INVALID &&
	    jv_get_kind(d) != JV_KIND_NULL) {
		if (raw != NULL && jsonraw_member(raw, rawlen, "Detail", &val,
		    &vlen) == 0)
			n += vlen;
		else {
			jv s = jv_dump_string(jv_copy(d), 0);
			n += (size_t)jv_string_length_bytes(s);
		}
	}
	jv_free(d);
	r = member(entry, "Resources");
	if (jv_get_kind(r) == JV_KIND_ARRAY) {
		jv_array_foreach(r, i, x) {
			if (jv_get_kind(x) == JV_KIND_STRING)
				n += (size_t)jv_string_length_bytes(
				    jv_copy(x));
			jv_free(x);
		}
	}
	jv_free(r);
	return n;
}

static void
add_jstr(struct sbuf *b, jv s)
{
	jsonraw_quote(b, jv_string_value(s),
	    (size_t)jv_string_length_bytes(jv_copy(s)));
}

static void
add_resources(struct sbuf *b, jv r, int *first)
{
	if (jv_get_kind(r) != JV_KIND_ARRAY)
		return;
	jv_array_foreach(r, i, x) {
		if (!*first)
			sbuf_addc(b, ',');
		*first = 0;
		add_jstr(b, x);
		jv_free(x);
	}
}

/* Append the detail bytes; 0, or -1 when it is not a JSON object. */
static int
add_detail(struct sbuf *b, jv entry, const char *raw, size_t rawlen)
{
	jv d = member(entry, "Detail"), p;
	const char *val;
	size_t vlen;
	int kind, ret = -1;

	switch (jv_get_kind(d)) {
	case JV_KIND_STRING:
		val = jv_string_value(d);
		vlen = (size_t)jv_string_length_bytes(jv_copy(d));
		p = ndjson_parse(val, vlen);
		kind = jv_get_kind(p);
		jv_free(p);
		if (kind == JV_KIND_OBJECT) {
			jsonraw_minify(b, val, vlen);
			ret = 0;
		}
		break;
	case JV_KIND_OBJECT:
		if (raw != NULL && jsonraw_member(raw, rawlen, "Detail", &val,
		    &vlen) == 0)
			jsonraw_minify(b, val, vlen);
		else {
			jv s = jv_dump_string(jv_copy(d), 0);
			sbuf_adds(b, jv_string_value(s));
			jv_free(s);
		}
		ret = 0;
		break;
	default:
		break;
	}
	jv_free(d);
	return ret;
}

int
entry_event(jv entry, const char *raw, size_t rawlen, const char *id,
    int64_t now, jv extra, struct sbuf *out, struct entry_err *e,
    const char **bad)
{
	char tbuf[RFC3339_BUFSZ];
	int64_t t = now;
	int first = 1;
	jv tv, v;

	tv = member(entry, "Time");
	if (jv_get_kind(tv) == JV_KIND_STRING) {
		if (rfc3339_parse(jv_string_value(tv),
		    (size_t)jv_string_length_bytes(jv_copy(tv)), &t) != 0) {
			jv_free(tv);
			*bad = "Time is not a valid timestamp";
			return -1;
		}
	} else if (jv_get_kind(tv) == JV_KIND_NUMBER) {
		double d = jv_number_value(tv);

		if (!(d > -1e13 && d < 1e13)) {
			jv_free(tv);
			*bad = "Time is not a valid timestamp";
			return -1;
		}
		t = (int64_t)(d * 1000);
	}
	jv_free(tv);
	rfc3339_fmt_s(t, tbuf);

	sbuf_reset(out);
	sbuf_adds(out, "{\"version\":\"0\",\"id\":");
	jsonraw_quote(out, id, strlen(id));
	sbuf_adds(out, ",\"detail-type\":");
	v = member(entry, "DetailType");
	add_jstr(out, v);
	jv_free(v);
	sbuf_adds(out, ",\"source\":");
	v = member(entry, "Source");
	add_jstr(out, v);
	jv_free(v);
	sbuf_addf(out, ",\"account\":\"%s\",\"time\":\"%s\",\"region\":\"%s\""
	    ",\"resources\":[", awsid_account(), tbuf, awsid_region());
	v = member(entry, "Resources");
	add_resources(out, v, &first);
	jv_free(v);
	add_resources(out, extra, &first);
	sbuf_adds(out, "],\"detail\":");
	if (add_detail(out, entry, raw, rawlen) != 0) {
		sbuf_reset(out);
		e->code = "MalformedDetail";
		e->message = "Detail is malformed.";
		return 1;
	}
	sbuf_addc(out, '}');
	return 0;
}

int
entry_bus_is(jv entry, const char *bus)
{
	jv v = member(entry, "EventBusName");
	const char *name;
	size_t n;
	int same;

	if (jv_get_kind(v) != JV_KIND_STRING ||
	    jv_string_length_bytes(jv_copy(v)) == 0) {
		jv_free(v);
		return strcmp(bus, "default") == 0;
	}
	name = arn_name(jv_string_value(v), "events", "event-bus", &n);
	same = name != NULL && strlen(bus) == n && memcmp(name, bus, n) == 0;
	jv_free(v);
	return same;
}

int
entry_is_event(jv v)
{
	int k;

	if (jv_get_kind(v) != JV_KIND_OBJECT)
		return 0;
	k = kind_of(v, "detail-type");
	return k != JV_KIND_INVALID;
}
