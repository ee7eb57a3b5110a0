/*
 * transform.c: fuzz the shaping of a target's input (transform.h): the
 * first line of the input is the target (a JSON object with Input,
 * InputPath or InputTransformer), every further line an event, given
 * as ebus-match gives it (bytes, and the value when it is JSON).
 */
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "fuzz.h"
#include "jsonraw.h"
#include "ndjson.h"
#include "sbuf.h"
#include "transform.h"

static void
apply(const struct transform *t, const char *p, const char *end,
    struct sbuf *b)
{
	struct delivery d;
	const char *nl, *code, *why;
	size_t off;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		d.event = p;
		d.len = (size_t)(nl - p);
		if (!utf8_valid(d.event, d.len, &off))
			continue;
		d.value = transform_needs_jv(t) ?
		    ndjson_parse(d.event, d.len) : jv_invalid();
		if (transform_needs_jv(t) && !jv_is_valid(d.value)) {
			jv_free(d.value);
			d.value = jv_null();
		}
		d.rule_name = "fuzz-rule";
		d.rule_arn = "arn:aws:events:us-east-1:123456789012:rule/fuzz";
		sbuf_reset(b);
		(void)transform_apply(t, &d, b, &code, &why);
		jv_free(d.value);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct transform *t;
	struct sbuf b = SBUF_INIT;
	char *text, *rest, *err = NULL;
	size_t n1, n2;
	jv target;

	fuzz_split(data, size, &text, &n1, &rest, &n2);
	target = ndjson_parse(text, n1);
	if (jv_get_kind(target) == JV_KIND_OBJECT) {
		if ((t = transform_new(target, "fuzz", &err)) != NULL) {
			apply(t, rest, rest + n2, &b);
			transform_free(t);
		}
		free(err);
	}
	jv_free(target);
	sbuf_free(&b);
	free(text);
	free(rest);
	return 0;
}
