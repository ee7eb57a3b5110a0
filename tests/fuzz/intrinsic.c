/*
 * intrinsic.c: fuzz the States.* intrinsic functions (intrinsic.h): the
 * first line of the input is the call, the rest the state's input (null
 * when it is not JSON), which is the context object "$$" too.
 */
#include <stdlib.h>

#include <jv.h>

#include "fuzz.h"
#include "intrinsic.h"
#include "ndjson.h"
#include "sbuf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct asl_error e = { NULL, NULL };
	struct sbuf b = SBUF_INIT;
	struct ifn *f;
	char err[IFN_ERRSZ], *text, *rest;
	size_t n1, n2;
	jv in;

	fuzz_split(data, size, &text, &n1, &rest, &n2);
	in = ndjson_parse(rest, n2);
	if (!jv_is_valid(in)) {
		jv_free(in);
		in = jv_null();
	}
	(void)ifn_is_call(text);
	if ((f = ifn_compile(text, err)) != NULL) {
		jv_free(ifn_eval(f, in, in, jv_invalid(), &e));
		asl_error_free(&e);
		ifn_free(f);
	}
	ifn_java_string(in, &b);
	jv_free(in);
	sbuf_free(&b);
	free(text);
	free(rest);
	return 0;
}
