/*
 * jsonata.c: fuzz the JSONata engine (jsonata.h): the first line of the
 * input is the expression, the rest the input document (undefined when it
 * is not JSON).  An expression that compiles is evaluated under small
 * depth and time limits, and its result printed.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "jsonata.h"
#include "sbuf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jn_limits lim = { 200, 500, 0 };
	struct jn_error err;
	struct jn_expr *e;
	struct jn_arena *a;
	struct jn_value *in = NULL, *res;
	struct sbuf b = SBUF_INIT;
	char msg[200], *text, *rest;
	size_t n1, n2;

	fuzz_split(data, size, &text, &n1, &rest, &n2);
	if ((e = jn_compile(text, &err)) != NULL) {
		a = jn_arena_new();
		if (jn_parse_json(a, rest, n2, &in, msg, sizeof(msg)) < 0)
			in = NULL;
		if (jn_eval(e, in, NULL, 0, &lim, a, &res, &err) == 0 &&
		    res != NULL)
			jn_print(&b, res);
		jn_arena_free(a);
		jn_expr_free(e);
	}
	sbuf_free(&b);
	free(text);
	free(rest);
	return 0;
}
