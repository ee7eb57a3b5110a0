/*
 * jsonata.c: fuzz the JSONata engine (jsonata.h): the first line of the
 * input is the expression, the rest the input document (undefined when it
 * is not JSON).  An expression that compiles is evaluated under small
 * depth and time limits, and its result printed.
 *
 * The document is read as sfn-eval reads it, building only the members
 * the expression can reach (jn_parse_json_for).  That must succeed or
 * fail as reading it whole does, with the same message, and give the
 * same result, unless the expression asks for the time or for chance.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jsonata.h"
#include "sbuf.h"

static int
deterministic(const char *text)
{
	static const char *const words[] = { "random", "shuffle", "now",
	    "millis", "uuid", "eval" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(text, words[i]) != NULL)
			return 0;
	return 1;
}

/* The result of E on IN printed into B; -1 on an error. */
static int
run(const struct jn_expr *e, struct jn_value *in, struct jn_arena *a,
    struct sbuf *b)
{
	struct jn_limits lim = { 200, 500, 0 };
	struct jn_error err;
	struct jn_value *res;

	if (jn_eval(e, in, NULL, 0, &lim, a, &res, &err) < 0)
		return -1;
	if (res != NULL)
		jn_print(b, res);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jn_error err;
	struct jn_expr *e;
	struct jn_arena *a;
	struct jn_value *in, *whole;
	struct sbuf b = SBUF_INIT, bw = SBUF_INIT;
	char msg[200], msgw[200], *text, *rest;
	size_t n1, n2;
	int rc;

	fuzz_split(data, size, &text, &n1, &rest, &n2);
	if ((e = jn_compile(text, &err)) != NULL) {
		a = jn_arena_new();
		rc = jn_parse_json_for(e, a, rest, n2, &in, msg, sizeof(msg));
		if (jn_parse_json(a, rest, n2, &whole, msgw,
		    sizeof(msgw)) != rc || (rc < 0 && strcmp(msg, msgw) != 0))
			abort();
		if (rc < 0)
			in = whole = NULL;
		if (run(e, in, a, &b) == 0 && rc == 0 &&
		    deterministic(text) && run(e, whole, a, &bw) == 0 &&
		    (b.len != bw.len || (b.len > 0 &&
		    memcmp(b.buf, bw.buf, b.len) != 0)))
			abort();
		jn_arena_free(a);
		jn_expr_free(e);
	}
	sbuf_free(&b);
	sbuf_free(&bw);
	free(text);
	free(rest);
	return 0;
}
