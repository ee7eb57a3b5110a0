/*
 * jpath.c: fuzz JSONPath (jpath.h): the first line of the input is the
 * path, the rest the document (null when it is not JSON), which is the
 * context object "$$" too.  A path that compiles is evaluated, printed
 * normalized, and, when definite, explained and written to.
 */
#include <stdlib.h>

#include <jv.h>

#include "fuzz.h"
#include "jpath.h"
#include "ndjson.h"
#include "sbuf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jpath *p;
	struct sbuf b = SBUF_INIT;
	char err[JPATH_ERRSZ], *text, *rest;
	size_t n1, n2;
	jv doc, v;

	fuzz_split(data, size, &text, &n1, &rest, &n2);
	doc = ndjson_parse(rest, n2);
	if (!jv_is_valid(doc)) {
		jv_free(doc);
		doc = jv_null();
	}
	if ((p = jpath_compile(text, err)) != NULL) {
		(void)jpath_text(p);
		(void)jpath_is_context(p);
		(void)jpath_is_root(p);
		jv_free(jpath_eval(p, doc, doc));
		jpath_normalized(p, &b);
		if (jpath_definite(p)) {
			jpath_explain(p, doc, doc, &b);
			v = jpath_set(p, jv_copy(doc), jv_string("x"));
			jv_free(v);
		}
		jpath_free(p);
	}
	jv_free(jpath_get(text, doc, jv_invalid()));
	jv_free(doc);
	sbuf_free(&b);
	free(text);
	free(rest);
	return 0;
}
