/*
 * pattern.c: fuzz EventBridge event pattern compilation (pattern.h).
 * The input is the pattern text; it is compiled with the current
 * number semantics and with the legacy ones.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "pattern.h"

static void
compile(const char *text, size_t len, int legacy)
{
	struct pattern_opts o = { legacy, PATTERN_WILDCARD_LIMIT, 0, 0 };
	struct pathtab *pt;
	struct pattern *p;
	char *err = NULL;

	pt = pathtab_new();
	p = pattern_compile(text, len, pt, &o, &err);
	pattern_free(p);
	free(err);
	pathtab_free(pt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	text = fuzz_str(data, size);
	compile(text, size, 0);
	compile(text, size, 1);
	free(text);
	return 0;
}
